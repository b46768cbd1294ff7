//! The gallery: every finished picture, this device's and the account's
//! history, in one windowed grid (`grid.rs`); found by prompt text,
//! model, favourites, kind and date, newest or oldest first, the query in
//! the page address so the browser's Back works; several at a time in
//! selection mode (`selection.rs`); each with its menu (`menu.rs`) and a
//! full view (`viewer.rs`).

mod grid;
mod menu;
mod selection;
mod thumb;
mod tile;
mod viewer;
mod zip;

use std::collections::HashSet;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::JobType;
use crate::domain::gallery::{Facts, Order, Period, Query};
use crate::domain::job::{Job, JobId, MadeAt};
use crate::i18n::{use_lang, T};
use crate::state::config::ConfigStore;
use crate::state::history::HistoryStore;
use crate::state::jobs::JobStore;
use crate::state::now_ms;
use crate::state::route::Route;
use crate::state::settings::SettingsStore;
use crate::ui::actions::{Said, SaidLine};
use grid::Grid;
use selection::{SelectionBar, Undo};
use viewer::Viewer;

/// A picture in the gallery: one of this device's jobs (followed through
/// its signal), or one from the account's history.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Entry {
    Local(JobId),
    Remote(Box<Job>),
}

impl Entry {
    pub fn id(&self) -> JobId {
        match self {
            Entry::Local(id) => id.clone(),
            Entry::Remote(job) => job.id.clone(),
        }
    }

    pub fn job(&self, jobs: JobStore) -> Option<Signal<Job>> {
        match self {
            Entry::Local(id) => jobs.job(id).map(Into::into),
            Entry::Remote(job) => Some(Signal::stored((**job).clone())),
        }
    }
}

/// What the gallery says (after an action, a download, a removal).
#[derive(Clone, Copy)]
pub(super) struct Status(pub RwSignal<Option<Said>>);

/// Where a finished job's focus goes: its picture in the gallery (the job
/// card that had it left the Jobs list). Provided by the app shell.
#[derive(Clone, Copy)]
pub struct FocusPicture(pub RwSignal<Option<JobId>>);

/// The gallery's shared state, for its parts.
#[derive(Clone, Copy)]
pub(super) struct GalleryCtx {
    pub entries: Memo<Vec<Entry>>,
    pub open: RwSignal<Option<JobId>>,
    pub opener: StoredValue<Option<web_sys::HtmlElement>, LocalStorage>,
    pub selecting: RwSignal<bool>,
    pub selected: RwSignal<HashSet<JobId>>,
    /// The last picture picked without Shift: where a Shift range starts.
    pub anchor: StoredValue<Option<JobId>>,
    /// Pictures that just finished, highlighted for a while.
    pub fresh: RwSignal<HashSet<JobId>>,
    pub focus_request: RwSignal<Option<JobId>>,
}

impl GalleryCtx {
    pub fn open_picture(&self, id: JobId) {
        self.opener
            .set_value(document().active_element().and_then(|e| e.dyn_into().ok()));
        self.open.set(Some(id));
    }

    /// Selects or unselects one picture; with `range`, every picture from
    /// the last one picked to it, as the grid shows them now (tiles keep
    /// their place in the list only until a picture arrives or goes).
    pub fn toggle(&self, id: JobId, range: bool) {
        let anchor = self.anchor.get_value().filter(|_| range);
        let ids: Vec<JobId> = self.entries.with_untracked(|all| {
            let at = |id: &JobId| all.iter().position(|e| &e.id() == id);
            match (anchor.as_ref().and_then(at), at(&id)) {
                (Some(a), Some(b)) => all[a.min(b)..=a.max(b)].iter().map(Entry::id).collect(),
                _ => vec![id.clone()],
            }
        });
        self.selected.update(|s| {
            if anchor.is_some() {
                s.extend(ids);
            } else if !s.remove(&id) {
                s.insert(id.clone());
            }
        });
        if !range {
            self.anchor.set_value(Some(id));
        }
    }
}

/// The start of today, or of the last 7 days, on this device's clock.
fn period_start(period: Period) -> Option<f64> {
    let days_back = match period {
        Period::All => return None,
        Period::Today => 0.0,
        Period::Week => 6.0,
    };
    let d = js_sys::Date::new_0();
    d.set_hours(0);
    d.set_minutes(0);
    d.set_seconds(0);
    d.set_milliseconds(0);
    Some(d.get_time() - days_back * 86_400_000.0)
}

fn facts(job: &Job) -> Facts<'_> {
    Facts {
        prompt: &job.request.prompts,
        model: &job.request.model,
        favourite: job.favourite,
        kind: job.request.kind,
        made_ms: match job.made_at() {
            MadeAt::Local(ms) => Some(ms),
            _ => None,
        },
    }
}

/// The pictures matching `query`: this device's (newest first), then the
/// history's that this device does not have, in the server's order.
fn entries(jobs: JobStore, history: HistoryStore, query: &Query) -> Vec<Entry> {
    let since = period_start(query.period);
    let mut out: Vec<Entry> = jobs.with_lists(|l| {
        l.pictures
            .iter()
            .filter(|id| {
                jobs.job(id)
                    .is_some_and(|j| j.with(|j| query.matches(&facts(j), since)))
            })
            .cloned()
            .map(Entry::Local)
            .collect()
    });
    let now = now_ms();
    history.entries.with(|records| {
        for r in records {
            if r.image_url().is_some() && !jobs.knows(&r.hashid) {
                let job = Job::from_record(r, now);
                if !jobs.is_removed(&job.id) && query.matches(&facts(&job), since) {
                    out.push(Entry::Remote(Box::new(job)));
                }
            }
        }
    });
    if query.order == Order::Oldest {
        out.reverse();
    }
    out
}

fn current_fragment() -> String {
    window().location().hash().unwrap_or_default()
}

#[component]
pub fn Gallery() -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let history = expect_context::<HistoryStore>();
    let settings = expect_context::<SettingsStore>();
    let config = expect_context::<ConfigStore>();
    let route = expect_context::<Route>();
    let lang = use_lang();
    let (start_query, start_at) = Query::from_fragment(&current_fragment()).unwrap_or_default();
    let query = RwSignal::new(start_query.clone());
    let search = RwSignal::new(start_query.text);
    let all = Memo::new(move |_| query.with(|q| entries(jobs, history, q)));
    let total = Memo::new(move |_| jobs.with_lists(|l| l.pictures.len()));
    let status = Status(RwSignal::new(None));
    provide_context(status);
    let focus_request = use_context::<FocusPicture>()
        .map(|f| f.0)
        .unwrap_or_else(|| RwSignal::new(None));
    let ctx = GalleryCtx {
        entries: all,
        open: RwSignal::new(None),
        opener: StoredValue::new_local(None),
        selecting: RwSignal::new(false),
        selected: RwSignal::new(HashSet::new()),
        anchor: StoredValue::new(None),
        fresh: RwSignal::new(HashSet::new()),
        focus_request,
    };
    provide_context(ctx);
    let undo = Undo::new();

    // The query follows the page address (Back, Forward) ... Another
    // fragment (a share link) is not the gallery's to read or to clear.
    let popped = window_event_listener(leptos::ev::popstate, move |_| {
        let fragment = current_fragment();
        let q = match Query::from_fragment(&fragment) {
            Some((q, _)) => q,
            None if fragment.trim_start_matches('#').is_empty() => Query::default(),
            None => return,
        };
        if search.with_untracked(|s| *s != q.text) {
            search.set(q.text.clone());
        }
        if query.with_untracked(|old| *old != q) {
            query.set(q);
        }
    });
    on_cleanup(move || popped.remove());
    // ... and the address follows the query: a new entry per change, the
    // search text once typing pauses.
    let typing = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |_| {
        let text = search.get();
        typing.set_value(Some(Timeout::new(350, move || {
            if query.with_untracked(|q| q.text != text) {
                query.update(|q| q.text = text);
            }
        })));
    });
    Effect::new(move |first: Option<()>| {
        let q = query.get();
        if first.is_some() {
            route.write_gallery(&q.to_fragment(0), false);
        }
    });
    // Where the user is, in place (no new entry), for a reload.
    let scroll_timer = StoredValue::new_local(None::<Timeout>);
    let scrolled = Callback::new(move |first: usize| {
        scroll_timer.set_value(Some(Timeout::new(500, move || {
            let is_ours = Query::from_fragment(&current_fragment()).is_some();
            if is_ours || first > 0 {
                route.write_gallery(&query.with_untracked(|q| q.to_fragment(first)), true);
            }
        })));
    });
    // The account's history joins the grid, a page at a time, as the end
    // of what is there comes near; but not before every stored job is read,
    // or a picture removed here would show again from the history (its
    // tombstone not yet read), and one of this device's twice. Asked
    // meanwhile, it waits for that.
    let history_wanted = StoredValue::new(false);
    let near_end = Callback::new(move |()| {
        if !untrack(|| jobs.all_loaded()) {
            history_wanted.set_value(true);
        } else if settings.has_key_untracked()
            && !history.exhausted.get_untracked()
            && !history.loading.get_untracked()
            && history.error.with_untracked(Option::is_none)
        {
            history.load(settings, false, move |page| jobs.absorb_history(page));
        }
    });

    // Another key or API is another account: its history starts afresh
    // (and an error from the last key does not stop the new one's).
    // The key changes at every keystroke (the address only once its
    // field is left): wait for the typing to pause.
    let account_timer = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |before: Option<()>| {
        settings.key_epoch();
        settings.base_url();
        if before.is_some() {
            account_timer.set_value(Some(Timeout::new(800, move || {
                history.reset();
                near_end.run(());
            })));
        }
    });
    Effect::new(move |_| {
        if jobs.all_loaded() && history_wanted.get_value() {
            history_wanted.set_value(false);
            near_end.run(());
        }
    });
    // Typing the key with a pause asks the history with a half-typed
    // key: its refusal waits until the field is left, by which time the
    // next pause has usually asked again with the whole. Errors about the
    // address wait likewise while it is being put right.
    let shown_error = Signal::derive(move || {
        if settings.editing() {
            None
        } else {
            history.error.get()
        }
    });
    let retry = Callback::new(move |()| {
        history.error.set(None);
        near_end.run(());
    });
    // Pictures that finish while the page is open are highlighted a while.
    Effect::new(move |known: Option<HashSet<JobId>>| {
        let now: HashSet<JobId> = jobs.with_lists(|l| l.pictures.iter().cloned().collect());
        if let (Some(known), true) = (known, jobs.first_screen_ready()) {
            let new: Vec<JobId> = now.difference(&known).cloned().collect();
            let recent: Vec<JobId> = new
                .into_iter()
                .filter(|id| {
                    jobs.job(id).is_some_and(|j| {
                        j.with_untracked(|j| j.finished_at.is_some_and(|f| now_ms() - f < 60_000.0))
                    })
                })
                .collect();
            if !recent.is_empty() {
                ctx.fresh.update(|f| f.extend(recent.iter().cloned()));
                Timeout::new(20_000, move || {
                    ctx.fresh.try_update(|f| {
                        for id in &recent {
                            f.remove(id);
                        }
                    });
                })
                .forget();
            }
        }
        now
    });

    let models = Memo::new(move |_| {
        let mut models: Vec<String> = config.config.with(|c| {
            c.as_ref()
                .map(|c| c.models.iter().map(|m| m.id.clone()).collect())
                .unwrap_or_default()
        });
        if let Some(m) = query.with(|q| q.model.clone()) {
            if !models.contains(&m) {
                models.push(m);
            }
        }
        models
    });
    let close = Callback::new(move |()| {
        ctx.open.set(None);
        if let Some(el) = ctx.opener.get_value().filter(|el| el.is_connected()) {
            let _ = el.focus();
        }
    });
    let count = move || {
        let (shown, all) = (ctx.entries.with(Vec::len), total.get());
        if query.with(Query::is_default) {
            match shown {
                1 => T::OnePicture.get(lang.get()).to_string(),
                _ => T::PictureCount.fill(lang.get(), &[&shown]),
            }
        } else {
            T::MatchCount.fill(lang.get(), &[&shown, &all])
        }
    };
    let start_at = StoredValue::new(start_at);

    view! {
        <section class="panel" aria-labelledby="gallery-title">
            <h2 id="gallery-title">{T::Gallery.tr()}" "<span class="count">{move || ctx.entries.with(Vec::len)}</span></h2>
            <div class="gallery-tools" role="search" aria-label=move || T::FindPictures.get(lang.get())>
                <div class="field">
                    <label for="gallery-search">{T::SearchPrompts.tr()}</label>
                    <input id="gallery-search" type="search" autocomplete="off" spellcheck="false"
                        prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <div class="grid">
                    <div class="field">
                        <label for="gallery-model">{T::ShowModel.tr()}</label>
                        <select id="gallery-model" prop:value=move || query.with(|q| q.model.clone().unwrap_or_default())
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                query.update(|q| q.model = (!v.is_empty()).then_some(v));
                            }>
                            <option value="">{T::AllModels.tr()}</option>
                            {move || models.get().into_iter().map(|m| {
                                let label = m.clone();
                                view! { <option value=m>{label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="gallery-kind">{T::ShowMode.tr()}</label>
                        <select id="gallery-kind" prop:value=move || match query.with(|q| q.kind) {
                                Some(JobType::Text2Image) => "t2i",
                                Some(JobType::Image2Image) => "i2i",
                                None => "",
                            }
                            on:change=move |ev| {
                                let kind = match event_target_value(&ev).as_str() {
                                    "t2i" => Some(JobType::Text2Image),
                                    "i2i" => Some(JobType::Image2Image),
                                    _ => None,
                                };
                                query.update(|q| q.kind = kind);
                            }>
                            <option value="">{T::AllModes.tr()}</option>
                            <option value="t2i">{T::TextToImage.tr()}</option>
                            <option value="i2i">{T::ImageToImage.tr()}</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="gallery-when">{T::When.tr()}</label>
                        <select id="gallery-when" prop:value=move || match query.with(|q| q.period) {
                                Period::All => "all",
                                Period::Today => "today",
                                Period::Week => "week",
                            }
                            on:change=move |ev| {
                                let period = match event_target_value(&ev).as_str() {
                                    "today" => Period::Today,
                                    "week" => Period::Week,
                                    _ => Period::All,
                                };
                                query.update(|q| q.period = period);
                            }>
                            <option value="all">{T::AnyTime.tr()}</option>
                            <option value="today">{T::Today.tr()}</option>
                            <option value="week">{T::ThisWeek.tr()}</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="gallery-order">{T::Order.tr()}</label>
                        <select id="gallery-order" prop:value=move || if query.with(|q| q.order == Order::Oldest) { "old" } else { "new" }
                            on:change=move |ev| {
                                let order = if event_target_value(&ev) == "old" { Order::Oldest } else { Order::Newest };
                                query.update(|q| q.order = order);
                            }>
                            <option value="new">{T::NewestFirst.tr()}</option>
                            <option value="old">{T::OldestFirst.tr()}</option>
                        </select>
                    </div>
                </div>
                <div class="row">
                    <div class="choice">
                        <input type="checkbox" id="favourites-only" prop:checked=move || query.with(|q| q.favourites)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                query.update(|q| q.favourites = on);
                            }/>
                        <label for="favourites-only">{T::FavouritesOnly.tr()}</label>
                    </div>
                    <Show when=move || !ctx.selecting.get()>
                        <button type="button" class="secondary" on:click=move |_| ctx.selecting.set(true)>{T::Select.tr()}</button>
                    </Show>
                </div>
                <p class="hint" role="status">{count}</p>
            </div>
            <Show when=move || ctx.selecting.get()>
                <SelectionBar undo=undo/>
            </Show>
            {move || undo.removed.with(|r| r.as_ref().map(Vec::len)).map(|n| view! {
                <div class="notice" role="status">
                    <span>{match n {
                        1 => T::RemovedOne.get(lang.get()).to_string(),
                        _ => T::RemovedCount.fill(lang.get(), &[&n]),
                    }}</span>" "
                    <button type="button" class="secondary" on:click=move |_| undo.undo(jobs)>{T::Undo.tr()}</button>
                </div>
            })}
            <SaidLine said=status.0/>
            <Show when=move || jobs.first_screen_ready() && ctx.entries.with(Vec::is_empty)>
                <p class="hint">{move || if query.with(Query::is_default) { T::GalleryEmpty.get(lang.get()) } else { T::NoMatches.get(lang.get()) }}</p>
            </Show>
            <Grid entries=all start_at=start_at near_end=near_end scrolled=scrolled/>
            <Show when=move || history.loading.get()>
                <p class="hint" role="status">{T::Loading.tr()}</p>
            </Show>
            <crate::ui::common::ErrorNotice error=shown_error retry=retry/>
            {move || {
                let id = ctx.open.get()?;
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
                        ctx.open.set(next);
                    }
                };
                Some(view! { <Viewer job=job index=index total=total step=step close=close/> })
            }}
        </section>
    }
}
