//! Selection mode: several pictures at once. Favourite them, remove them
//! (with Undo for 10 s), or download them as one ZIP.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{zip, Entry, GalleryCtx, Status};
use crate::domain::job::Job;
use crate::i18n::{use_lang, T};
use crate::state::jobs::JobStore;
use crate::ui::actions::save_blob;

/// How long "Undo" is offered after a removal.
const UNDO_MS: u32 = 10_000;

/// Removed pictures, while they can still come back.
#[derive(Clone, Copy)]
pub(super) struct Undo {
    pub removed: RwSignal<Option<Vec<Job>>>,
    timer: StoredValue<Option<Timeout>, LocalStorage>,
}

impl Undo {
    pub fn new() -> Undo {
        Undo {
            removed: RwSignal::new(None),
            timer: StoredValue::new_local(None),
        }
    }

    fn offer(self, jobs: Vec<Job>) {
        self.removed.set(Some(jobs));
        self.timer.set_value(Some(Timeout::new(UNDO_MS, move || {
            self.removed.try_set(None);
        })));
    }

    pub fn undo(self, store: JobStore) {
        self.timer.set_value(None);
        if let Some(jobs) = self.removed.get_untracked() {
            store.restore(jobs);
        }
        self.removed.set(None);
    }
}

#[component]
pub(super) fn SelectionBar(undo: Undo) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let ctx = expect_context::<GalleryCtx>();
    let Status(said) = expect_context::<Status>();
    let lang = use_lang();
    let count = Memo::new(move |_| ctx.selected.with(|s| s.len()));
    let packing = RwSignal::new(None::<(usize, usize)>);
    // The selected pictures, in the gallery's order; history pictures
    // become this device's before they are changed.
    let chosen = move || -> Vec<Job> {
        let selected = ctx.selected.get_untracked();
        ctx.entries.with_untracked(|all| {
            all.iter()
                .filter(|e| selected.contains(&e.id()))
                .filter_map(|e| match e {
                    Entry::Local(id) => jobs.job(id).map(|s| s.get_untracked()),
                    Entry::Remote(job) => Some((**job).clone()),
                })
                .collect()
        })
    };
    let adopt_all = move || -> Vec<crate::domain::job::JobId> {
        chosen().into_iter().map(|j| jobs.adopt(j)).collect()
    };
    let favourite = move |_| {
        let all = chosen();
        let on = !all.iter().all(|j| j.favourite);
        let ids: Vec<_> = all.into_iter().map(|j| jobs.adopt(j)).collect();
        jobs.set_favourite(&ids, on);
    };
    let remove = move |_| {
        let ids = adopt_all();
        if ids.is_empty() {
            return;
        }
        let gone = jobs.remove_many(&ids);
        ctx.selected.set(Default::default());
        undo.offer(gone);
    };
    let download = move |_| {
        let pictures = chosen();
        let total = pictures.len();
        if total == 0 || packing.get_untracked().is_some() {
            return;
        }
        packing.set(Some((0, total)));
        spawn_local(async move {
            let made = zip::build(jobs, pictures, move |n| {
                packing.try_set(Some((n, total)));
            })
            .await;
            packing.try_set(None);
            let text = match made {
                Ok(blob) => {
                    let day = js_sys::Date::new_0()
                        .to_iso_string()
                        .as_string()
                        .unwrap_or_default();
                    let name = format!("kamiya-studio-{}-{total}.zip", &day[..day.len().min(10)]);
                    if save_blob(&blob, &name) {
                        T::ZipSaved
                    } else {
                        T::ZipFailed
                    }
                }
                Err(zip::ZipProblem::Unreadable(_)) => T::ZipUnreadable,
                Err(zip::ZipProblem::Failed | zip::ZipProblem::TooLarge) => T::ZipFailed,
            };
            said.try_set(Some(text.into()));
        });
    };
    let select_all = move |_| {
        let all = ctx
            .entries
            .with_untracked(|a| a.iter().map(Entry::id).collect());
        ctx.selected.set(all);
    };
    let done = move |_| {
        ctx.selecting.set(false);
        ctx.selected.set(Default::default());
    };
    view! {
        <div class="selection-bar" role="group" aria-label=move || T::Selection.get(lang.get())>
            <span role="status">{move || T::SelectedCount.fill(lang.get(), &[&count.get()])}</span>
            <button type="button" class="secondary" on:click=select_all>{T::SelectAll.tr()}</button>
            <button type="button" class="secondary" disabled=move || count.get() == 0 on:click=favourite>{T::Favourite.tr()}</button>
            <button type="button" class="secondary" disabled=move || count.get() == 0 on:click=remove>{T::Remove.tr()}</button>
            <button type="button" class="secondary" disabled=move || count.get() == 0 || packing.get().is_some() on:click=download>
                {T::DownloadZip.tr()}
            </button>
            <button type="button" on:click=done>{T::DoneSelecting.tr()}</button>
            {move || packing.get().map(|(n, total)| view! {
                <span class="hint" role="status">{T::Packing.fill(lang.get(), &[&n, &total])}</span>
            })}
        </div>
    }
}
