//! Work in progress: jobs waiting, running, failed or interrupted, one
//! compact card each, newest first. A finished picture leaves for the
//! gallery (the focus follows it there). A card follows its own job's
//! signal and updates in place: its buttons stay the same elements while
//! the job makes progress, so keyboard focus is kept.

use leptos::prelude::*;

use super::common::{format_duration, scroll_to_form, when_made, PerfMark};
use super::gallery::FocusPicture;
use super::words::Describe;
use crate::domain::job::{Job, JobId, JobState};
use crate::i18n::{use_lang, Lang, T};
use crate::state::config::ConfigStore;
use crate::state::draft::DraftStore;
use crate::state::jobs::{JobStore, Kind, Pause, StorageProblem};
use crate::state::now_ms;

#[component]
pub fn JobList() -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let lang = use_lang();
    // One clock for all cards, ticking only while some job is unfinished,
    // so that no interval outlives the work it shows.
    let now = RwSignal::new(now_ms());
    let busy = Memo::new(move |_| jobs.with_lists(|l| !l.unfinished.is_empty()));
    // Cleared with its owner (leptos-use); paused while nothing runs.
    let ticker = leptos_use_interval_fn::use_interval_fn(move || now.set(now_ms()), 1000);
    Effect::new(move |_| {
        if busy.get() {
            (ticker.resume)();
        } else {
            (ticker.pause)();
        }
    });
    provide_context(Clock(now));
    provide_context(QueuePositions(Memo::new(move |_| jobs.queue_positions())));

    // Work in progress and jobs that ended without a picture; pictures are
    // in the gallery.
    let ids = Memo::new(move |_| {
        jobs.with_lists(|l| {
            l.all
                .iter()
                .filter(|id| l.kind(id) != Some(Kind::Picture))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    // The card with the focus, so the focus can follow its picture.
    let focused = StoredValue::new(None::<JobId>);
    let focus_picture = use_context::<FocusPicture>();
    Effect::new(move |_| {
        let here = ids.get();
        if let (Some(id), Some(FocusPicture(request))) = (focused.get_value(), focus_picture) {
            let became_picture =
                !here.contains(&id) && jobs.with_lists(|l| l.kind(&id) == Some(Kind::Picture));
            if became_picture {
                focused.set_value(None);
                request.set(Some(id));
            }
        }
    });
    let track_focus = move |ev: leptos::ev::FocusEvent| {
        use wasm_bindgen::JsCast;
        let id = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("[data-job]").ok().flatten())
            .and_then(|el| el.get_attribute("data-job"));
        focused.set_value(id.map(JobId));
    };
    let problem = move || {
        jobs.storage_problem().map(|p| match p {
            StorageProblem::MemoryOnly => T::StorageUnavailable.get(lang.get()).to_string(),
            StorageProblem::Full => T::StorageFull.get(lang.get()).to_string(),
            StorageProblem::Unreadable(n) => {
                T::StorageUnreadable.fill(lang.get(), &[&n.to_string()])
            }
            StorageProblem::Superseded => T::StorageSuperseded.get(lang.get()).to_string(),
        })
    };
    view! {
        <section class="panel" aria-labelledby="jobs-title">
            <h2 id="jobs-title">{T::Jobs.tr()}</h2>
            {move || problem().map(|text| view! { <p class="notice warn" role="status">{text}</p> })}
            <Show when=move || jobs.first_screen_ready() && ids.with(Vec::is_empty)>
                <p class="hint">{move || if jobs.with_lists(|l| l.pictures.is_empty()) {
                    T::NoJobs.get(lang.get())
                } else {
                    T::NothingInProgress.get(lang.get())
                }}</p>
            </Show>
            <ul class="jobs" on:focusin=track_focus>
                <For each=move || ids.get() key=|id| id.clone() let:id>
                    <JobCard id=id/>
                </For>
            </ul>
            <Show when=move || jobs.first_screen_ready()>
                <PerfMark name="kamiya-jobs-ready"/>
            </Show>
        </section>
    }
}

#[derive(Clone, Copy)]
struct Clock(RwSignal<f64>);

/// Where each queued job stands, shared by the cards.
#[derive(Clone, Copy)]
struct QueuePositions(Memo<std::collections::HashMap<JobId, usize>>);

#[component]
fn JobCard(id: JobId) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let Some(job) = jobs.job(&id) else {
        return ().into_any();
    };
    let lang = use_lang();
    let Clock(now) = expect_context::<Clock>();
    let id = StoredValue::new(id);
    // Each part of the card reads only what it shows.
    let state = Memo::new(move |_| job.with(|j| j.state.clone()));
    let unfinished = Memo::new(move |_| !state.with(JobState::is_final));
    let can_check = Memo::new(move |_| job.with(Job::can_check_again));
    let can_send = Memo::new(move |_| job.with(Job::can_send_again));
    let card_class = move || match state.get() {
        JobState::Generated => "job done",
        JobState::Failed(_) | JobState::TimedOut => "job failed",
        JobState::Cancelled => "job cancelled",
        _ => "job pending",
    };
    // What a job was asked for never changes.
    let (request, made) = job.with_untracked(|j| {
        (
            j.request.clone(),
            when_made(j, lang).map(|t| view! { " · "{t} }),
        )
    });
    let title = format!(
        "{} · {}×{} · {} {}",
        request.model,
        request.width,
        request.height,
        T::Seed.get(lang.get_untracked()),
        request.seed
    );
    let label = title.clone();
    let send_hint = format!("send-cost-{}", id.get_value());
    let QueuePositions(positions) = expect_context::<QueuePositions>();
    let position = Memo::new(move |_| positions.with(|p| p.get(&id.get_value()).copied()));
    // The state is a live region; the ticking time is not, or a screen
    // reader would read every card out each second.
    let status = move || job.with(|j| status_words(j, lang.get(), position.get()));
    let times = move || {
        job.with(|j| {
            // A finished job's times stand still: it leaves the clock.
            let now = if j.finished_at.is_none() {
                now.get()
            } else {
                0.0
            };
            status_times(j, lang.get(), now, jobs)
        })
    };
    let warning = move || job.with(|j| warning_line(j, lang.get(), jobs));
    let remove = move |_| jobs.remove(&id.get_value());

    view! {
        <li class=card_class data-job=id.get_value().0>
            <article aria-label=label>
                <div class="job-body">
                    <p class="job-status">
                        <span class="job-state" role="status" aria-live="polite">{status}</span>
                        <span class="job-time">{times}</span>
                    </p>
                    <p class="job-prompt">{request.prompts.clone()}</p>
                    <p class="job-meta">{title}{made}</p>
                    <super::credit::JobCostLine id=id.get_value()/>
                    {move || warning().map(|w| view! { <p class="job-warn">{w}</p> })}
                    <div class="row">
                        <Show when=move || unfinished.get()>
                            <button type="button" class="secondary" on:click=move |_| jobs.cancel(&id.get_value())>{T::Cancel.tr()}</button>
                        </Show>
                        <Show when=move || can_check.get()>
                            <button type="button" class="secondary" on:click=move |_| jobs.check_again(&id.get_value())>{T::CheckAgain.tr()}</button>
                        </Show>
                        <Show when=move || can_send.get()>
                            {
                                let hint = send_hint.clone();
                                view! {
                                    <button type="button" class="secondary" aria-describedby=hint.clone()
                                        on:click=move |_| jobs.send_again(&id.get_value())>{T::SendAgain.tr()}</button>
                                    <span id=hint class="hint">{T::SendAgainCost.tr()}</span>
                                }
                            }
                        </Show>
                        <ReuseButton id=id.get_value()/>
                        <Show when=move || !unfinished.get()>
                            <button type="button" class="secondary" on:click=remove>{T::Remove.tr()}</button>
                        </Show>
                    </div>
                </div>
            </article>
        </li>
    }
    .into_any()
}

#[component]
fn ReuseButton(id: JobId) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<ConfigStore>();
    let reuse = move |_| {
        let Some(request) = jobs
            .job(&id)
            .map(|j| j.with_untracked(|j| j.request.clone()))
        else {
            return;
        };
        let c = config.config.get_untracked().unwrap_or_default();
        draft.reuse(&request, &c);
        scroll_to_form();
    };
    view! { <button type="button" class="secondary" on:click=reuse>{T::ReuseSettings.tr()}</button> }
}

/// What the job is doing (and its place in line).
fn status_words(job: &Job, lang: Lang, position: Option<usize>) -> String {
    let mut line = job.state.describe(lang);
    if job.state == JobState::Submitting && job.last_error.is_some() {
        line = T::CheckingReceived.get(lang).to_string();
    }
    if job.state == JobState::Queued {
        if let Some(pos) = position {
            line = T::InLine.fill(lang, &[&line, &pos]);
        }
    }
    line
}

/// How long it has taken, and how long it should still take.
fn status_times(job: &Job, lang: Lang, now: f64, jobs: JobStore) -> String {
    let mut line = String::new();
    let start = job.submitted_at.unwrap_or(job.queued_at);
    let end = job.finished_at.unwrap_or(now);
    if job.submitted_at.is_some() {
        line.push_str(&format!(" · {}", format_duration(end - start)));
    }
    if job.state.is_pending_on_server() {
        let left = jobs.expected_ms(&job.request) - (now - start);
        if left > 1000.0 {
            let left = T::TimeLeft.fill(lang, &[&format_duration(left)]);
            line.push_str(&format!(" · {left}"));
        }
    }
    line
}

/// Why an unfinished job is waiting, or the last problem it ran into.
fn warning_line(job: &Job, lang: Lang, jobs: JobStore) -> Option<String> {
    let waiting = job.state.is_pending_on_server() || job.state == JobState::Queued;
    if !waiting {
        return None;
    }
    let refused = matches!(job.last_error, Some(crate::api::ApiError::Unauthorized(_)));
    match jobs.pause() {
        Some(Pause::NeedsKey) => return Some(T::PausedNeedsKey.get(lang).into()),
        Some(Pause::KeyRefused) => return Some(T::PausedKeyRefused.get(lang).into()),
        Some(Pause::Offline) => return Some(T::PausedOffline.get(lang).into()),
        None if refused => return Some(T::PausedKeyRefused.get(lang).into()),
        None => {}
    }
    let e = job.last_error.as_ref()?;
    job.state
        .is_pending_on_server()
        .then(|| format!("{} {}", T::Retrying.get(lang), e.describe(lang)))
}
