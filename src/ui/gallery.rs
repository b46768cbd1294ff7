//! Every finished picture, this device's and the account's history, newest
//! first, as lazy thumbnails; and a full view with the parameters beside it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::actions::ImageActions;
use crate::domain::job::{Job, JobId};
use crate::domain::params::trim_float;
use crate::i18n::{use_lang, T};
use crate::state::history::HistoryStore;
use crate::state::jobs::JobStore;
use crate::state::now_ms;

/// Thumbnails added to the page at a time.
const PAGE: usize = 120;

/// A picture in the gallery: one of this device's jobs (followed through
/// its signal), or one from the account's history.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Local(JobId),
    Remote(Box<Job>),
}

impl Entry {
    fn id(&self) -> JobId {
        match self {
            Entry::Local(id) => id.clone(),
            Entry::Remote(job) => job.id.clone(),
        }
    }

    fn job(&self, jobs: JobStore) -> Option<Signal<Job>> {
        match self {
            Entry::Local(id) => jobs.job(id).map(Into::into),
            Entry::Remote(job) => Some(Signal::stored((**job).clone())),
        }
    }
}

/// Local pictures first (newest first), then the history's pictures this
/// device does not have, in the server's order.
fn entries(jobs: JobStore, history: HistoryStore, favourites_only: bool) -> Vec<Entry> {
    let mut out: Vec<Entry> = jobs.with_lists(|l| {
        l.pictures
            .iter()
            .filter(|id| !favourites_only || jobs.job(id).is_some_and(|j| j.with(|j| j.favourite)))
            .cloned()
            .map(Entry::Local)
            .collect()
    });
    if !favourites_only {
        let now = now_ms();
        history.entries.with(|records| {
            for r in records {
                if r.image_url().is_some() && !jobs.knows(&r.hashid) {
                    out.push(Entry::Remote(Box::new(Job::from_record(r, now))));
                }
            }
        });
    }
    out
}

#[component]
pub fn Gallery() -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let history = expect_context::<HistoryStore>();
    let lang = use_lang();
    let favourites_only = RwSignal::new(false);
    let all = Memo::new(move |_| entries(jobs, history, favourites_only.get()));
    // The newest pictures first, more on request: an archive of thousands
    // never puts thousands of thumbnails into the page.
    let limit = RwSignal::new(PAGE);
    let shown =
        Memo::new(move |_| all.with(|a| a.iter().take(limit.get()).cloned().collect::<Vec<_>>()));
    // The full view follows a picture, not a position: new pictures
    // arriving while it is open do not change what it shows.
    let open = RwSignal::new(None::<JobId>);
    // The thumbnail that opened the full view gets the focus back when it
    // closes, so a keyboard user carries on where they were.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let close = Callback::new(move |()| {
        open.set(None);
        if let Some(el) = opener.get_value().filter(|el| el.is_connected()) {
            let _ = el.focus();
        }
    });

    view! {
        <section class="panel" aria-labelledby="gallery-title">
            <h2 id="gallery-title">{T::Gallery.tr()}" "<span class="count">{move || all.with(Vec::len)}</span></h2>
            <div class="choice">
                <input type="checkbox" id="favourites-only" prop:checked=move || favourites_only.get()
                    on:change=move |ev| favourites_only.set(event_target_checked(&ev))/>
                <label for="favourites-only">{T::FavouritesOnly.tr()}</label>
            </div>
            <Show when=move || all.with(Vec::is_empty)>
                <p class="hint">{T::GalleryEmpty.tr()}</p>
            </Show>
            <ul class="gallery">
                <For each=move || shown.get() key=Entry::id let:entry>
                    {
                        // Keyed by job, not position: a new picture at the top
                        // does not rebuild a thousand thumbnails.
                        let id = entry.id();
                        let (url, prompt) = entry
                            .job(jobs)
                            .map(|j| j.with_untracked(|j| (j.image_url.clone().unwrap_or_default(), j.request.prompts.clone())))
                            .unwrap_or_default();
                        let label = move || format!("{}: {}", T::OpenImage.get(lang.get()), prompt);
                        view! {
                            <li>
                                <button type="button" class="thumb-button" aria-label=label on:click=move |_| {
                                    opener.set_value(document().active_element().and_then(|e| e.dyn_into().ok()));
                                    open.set(Some(id.clone()));
                                }>
                                    <img src=url alt="" loading="lazy" decoding="async"/>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || { all.with(Vec::len) > limit.get() }>
                <button type="button" class="secondary" on:click=move |_| limit.update(|l| *l += PAGE)>
                    {T::ShowMore.tr()}
                </button>
            </Show>
            {move || {
                let id = open.get()?;
                let (entry, index, total) = all.with(|a| {
                    a.iter().position(|e| e.id() == id).map(|i| (a[i].clone(), i, a.len()))
                })?;
                let job = entry.job(jobs)?;
                let step = move |delta: isize| {
                    let next = all.with_untracked(|a| {
                        let i = index as isize + delta;
                        (i >= 0).then(|| a.get(i as usize).map(Entry::id)).flatten()
                    });
                    if next.is_some() {
                        open.set(next);
                    }
                };
                Some(view! { <Viewer job=job index=index total=total step=step close=close/> })
            }}
        </section>
    }
}

/// The full view: a modal dialog. Keys: ←/→ step, Esc closes; on touch
/// screens a sideways swipe steps.
#[component]
fn Viewer(
    job: Signal<Job>,
    index: usize,
    total: usize,
    step: impl Fn(isize) + Copy + Send + Sync + 'static,
    close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let root = NodeRef::<leptos::html::Div>::new();
    let keys = window_event_listener(leptos::ev::keydown, move |ev| match ev.key().as_str() {
        "ArrowLeft" => step(-1),
        "ArrowRight" => step(1),
        "Escape" => close.run(()),
        "Tab" => {
            if let Some(root) = root.get_untracked() {
                trap_focus(&root, &ev);
            }
        }
        _ => {}
    });
    on_cleanup(move || keys.remove());
    let touch_x = StoredValue::new(None::<i32>);
    let close_ref = NodeRef::<leptos::html::Button>::new();
    // Focus goes into the dialog, for keyboard and screen-reader users.
    Effect::new(move |_| {
        if let Some(b) = close_ref.get() {
            let _ = b.focus();
        }
    });
    let (at_start, at_end) = (index == 0, index + 1 >= total);
    let (r, url) =
        job.with_untracked(|j| (j.request.clone(), j.image_url.clone().unwrap_or_default()));
    let loras = r
        .loras
        .iter()
        .map(|l| format!("{} ({}%)", l.id, l.weight))
        .collect::<Vec<_>>()
        .join(", ");
    let alt = format!(
        "{}: {}",
        T::GeneratedImage.get(lang.get_untracked()),
        r.prompts
    );
    view! {
        <div class="viewer" node_ref=root role="dialog" aria-modal="true" aria-label=move || T::ImageViewer.get(lang.get())
            on:touchstart=move |ev| {
                touch_x.set_value(ev.changed_touches().item(0).map(|t| t.client_x()));
            }
            on:touchend=move |ev| {
                if let (Some(start), Some(end)) = (touch_x.get_value(), ev.changed_touches().item(0).map(|t| t.client_x())) {
                    let dx = end - start;
                    if dx.abs() > 50 {
                        step(if dx < 0 { 1 } else { -1 });
                    }
                }
            }>
            <div class="viewer-bar">
                <button type="button" class="secondary" disabled=at_start on:click=move |_| step(-1)>{T::Previous.tr()}</button>
                <span>{format!("{} / {total}", index + 1)}</span>
                <button type="button" class="secondary" disabled=at_end on:click=move |_| step(1)>{T::Next.tr()}</button>
                <button type="button" node_ref=close_ref on:click=move |_| close.run(())>{T::Close.tr()}</button>
            </div>
            <div class="viewer-body">
                <img src=url alt=alt class="viewer-image"/>
                <div class="viewer-params">
                    <dl class="params">
                        <dt>{T::Prompt.tr()}</dt><dd>{r.prompts.clone()}</dd>
                        <dt>{T::NegativePrompt.tr()}</dt><dd>{r.negative_prompts.clone()}</dd>
                        <dt>{T::Model.tr()}</dt><dd>{r.model.clone()}</dd>
                        <dt>{T::Size.tr()}</dt><dd>{format!("{} × {}", r.width, r.height)}</dd>
                        <dt>{T::Sampler.tr()}</dt><dd>{r.sampling.clone()}</dd>
                        <dt>{T::Steps.tr()}</dt><dd>{r.step}</dd>
                        <dt>{T::Cfg.tr()}</dt><dd>{trim_float(r.cfg)}</dd>
                        <dt>{T::Seed.tr()}</dt><dd>{r.seed}</dd>
                        <dt>{T::Loras.tr()}</dt><dd>{loras}</dd>
                    </dl>
                    <ImageActions job=job with_reuse=true/>
                </div>
            </div>
        </div>
    }
}

/// Keeps Tab and Shift+Tab inside the modal `root`: from its last control
/// to its first and back, and from anywhere outside to its first.
fn trap_focus(root: &web_sys::HtmlDivElement, ev: &web_sys::KeyboardEvent) {
    let Ok(list) = root.query_selector_all(
        "button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into().ok())
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = document().active_element();
    let inside = active
        .as_ref()
        .is_some_and(|a| root.contains(Some(a.unchecked_ref())));
    let target = match (inside, ev.shift_key()) {
        (false, _) => Some(first),
        (true, false) if active.as_ref() == Some(last.unchecked_ref()) => Some(first),
        (true, true) if active.as_ref() == Some(first.unchecked_ref()) => Some(last),
        _ => None,
    };
    if let Some(t) = target {
        ev.prevent_default();
        let _ = t.focus();
    }
}
