//! The account's past jobs, from the server, newest first.

use leptos::prelude::*;

use super::common::ErrorNotice;
use super::words::Describe;
use crate::api::JobRecord;
use crate::domain::job::classify;
use crate::i18n::{use_lang, T};
use crate::state::history::HistoryStore;
use crate::state::jobs::JobStore;
use crate::state::settings::SettingsStore;

#[component]
pub fn HistoryPanel() -> impl IntoView {
    let history = expect_context::<HistoryStore>();
    let settings = expect_context::<SettingsStore>();
    let jobs = expect_context::<JobStore>();
    let load =
        move |fresh: bool| history.load(settings, fresh, move |page| jobs.absorb_history(page));
    let retry = Callback::new(move |_| load(!history.loaded_once.get_untracked()));
    // Jobs of this device are shown in Jobs: the history lists the rest,
    // so every picture appears once.
    let shown = Memo::new(move |_| {
        history
            .entries
            .get()
            .into_iter()
            .filter(|r| !jobs.knows(&r.hashid))
            .collect::<Vec<_>>()
    });
    view! {
        <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">{T::History.tr()}</h2>
            <button type="button" class="secondary" disabled=move || history.loading.get()
                on:click=move |_| load(true)>
                {move || if history.loaded_once.get() { T::RefreshHistory.tr()() } else { T::LoadHistory.tr()() }}
            </button>
            <ErrorNotice error=history.error retry=retry/>
            <Show when=move || history.loaded_once.get() && shown.with(Vec::is_empty)>
                <p class="hint">{T::HistoryEmpty.tr()}</p>
            </Show>
            <ul class="history">
                <For each=move || shown.get() key=|r| (r.hashid.clone(), r.status.clone(), r.metadata.jpg.clone()) let:record>
                    <HistoryItem record=record/>
                </For>
            </ul>
            <Show when=move || history.loaded_once.get() && !history.exhausted.get()>
                <button type="button" class="secondary" disabled=move || history.loading.get()
                    on:click=move |_| load(false)>{T::LoadMore.tr()}</button>
            </Show>
            <Show when=move || history.loading.get()>
                <p class="hint" role="status">{T::Loading.tr()}</p>
            </Show>
        </section>
    }
}

#[component]
fn HistoryItem(record: JobRecord) -> impl IntoView {
    let lang = use_lang();
    let m = record.metadata.clone();
    let url = record.image_url().map(str::to_string);
    let progress = classify(&record);
    let status = move || progress.describe(lang.get());
    let size = match (m.width, m.height) {
        (Some(w), Some(h)) => format!("{w}×{h}"),
        _ => m.artboard.clone().unwrap_or_default(),
    };
    let seed = m.seed.map(|s| s.to_string()).unwrap_or_default();
    let alt = format!(
        "{}: {}",
        T::GeneratedImage.get(lang.get_untracked()),
        m.prompts
    );
    view! {
        <li class="history-item">
            {url.map(|u| {
                let href = u.clone();
                view! {
                    <a href=href target="_blank" rel="noopener noreferrer" class="thumb">
                        <img src=u alt=alt loading="lazy" decoding="async"/>
                    </a>
                }
            })}
            <div>
                <p class="job-prompt">{m.prompts.clone()}</p>
                <p class="job-meta">
                    {status}" · "{m.model.clone()}" · "{size}" · "{move || T::Seed.get(lang.get())}" "{seed}
                    " · "<time>{record.created_at.clone()}</time>
                </p>
            </div>
        </li>
    }
}
