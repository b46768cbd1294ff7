//! The jobs of this device: one card each, newest first.

use gloo_timers::callback::Interval;
use leptos::prelude::*;

use super::actions::ImageActions;
use super::common::{format_duration, format_moment, iso_moment, scroll_to_form};
use super::words::Describe;
use crate::domain::job::{Job, JobState, MadeAt};
use crate::i18n::{use_lang, Lang, T};
use crate::state::config::ConfigStore;
use crate::state::draft::DraftStore;
use crate::state::jobs::JobStore;
use crate::state::now_ms;

/// Finished jobs shown as cards; the rest are in the gallery.
const RECENT_FINISHED: usize = 12;

#[component]
pub fn JobList() -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    // One clock for all cards, ticking only while some job is unfinished,
    // so that no interval outlives the work it shows.
    let now = RwSignal::new(now_ms());
    let ticker = StoredValue::new_local(None::<Interval>);
    Effect::new(move |_| {
        let busy = jobs.jobs.with(|js| js.iter().any(|j| !j.state.is_final()));
        ticker.update_value(|t| {
            *t = busy.then(|| {
                Interval::new(1000, move || {
                    now.try_set(now_ms());
                })
            });
        });
    });
    on_cleanup(move || ticker.try_update_value(|t| *t = None).unwrap_or(()));
    provide_context(Clock(now));

    // Every unfinished job, and the most recent finished ones: older
    // pictures live in the gallery, so a long history stays light here.
    let ids = move || {
        jobs.jobs.with(|js| {
            let mut finished = 0;
            js.iter()
                .filter(|j| {
                    if j.state.is_final() {
                        finished += 1;
                        finished <= RECENT_FINISHED
                    } else {
                        true
                    }
                })
                .map(|j| j.local_id.clone())
                .collect::<Vec<_>>()
        })
    };
    let older = move || {
        jobs.jobs.with(|js| {
            js.iter()
                .filter(|j| j.state.is_final())
                .count()
                .saturating_sub(RECENT_FINISHED)
        })
    };
    view! {
        <section class="panel" aria-labelledby="jobs-title">
            <h2 id="jobs-title">{T::Jobs.tr()}</h2>
            <Show when=move || jobs.storage_error.get()>
                <p class="notice warn" role="status">{T::StorageUnavailable.tr()}</p>
            </Show>
            <Show when=move || jobs.jobs.with(Vec::is_empty)>
                <p class="hint">{T::NoJobs.tr()}</p>
            </Show>
            <ul class="jobs">
                <For each=ids key=|id| id.clone() let:id>
                    <JobCard id=id/>
                </For>
            </ul>
            <Show when=move || { older() > 0 }>
                <p class="hint">{move || format!("{} {}", older(), T::OlderInGallery.tr()())}</p>
            </Show>
        </section>
    }
}

#[derive(Clone, Copy)]
struct Clock(RwSignal<f64>);

#[component]
fn JobCard(id: String) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let lang = use_lang();
    let Clock(now) = expect_context::<Clock>();
    let lookup = id.clone();
    let job = Memo::new(move |_| jobs.job(&lookup));
    let id = StoredValue::new(id);

    move || {
        let Some(j) = job.get() else {
            return ().into_any();
        };
        let state = j.state.clone();
        let title = format!(
            "{} · {}×{} · {} {}",
            j.request.model,
            j.request.width,
            j.request.height,
            T::Seed.get(lang.get()),
            j.request.seed
        );
        let image = j.image_url.clone().map(|url| {
            let alt = format!("{}: {}", T::GeneratedImage.get(lang.get()), j.request.prompts);
            let href = url.clone();
            view! {
                <a href=href target="_blank" rel="noopener noreferrer" class="thumb">
                    <img src=url alt=alt width=j.request.width height=j.request.height decoding="async"/>
                </a>
            }
        });
        let pending = !state.is_final();
        let retryable = matches!(
            state,
            JobState::Failed(_) | JobState::TimedOut | JobState::Cancelled
        );
        let card_class = match &state {
            JobState::Generated => "job done",
            JobState::Failed(_) | JobState::TimedOut => "job failed",
            JobState::Cancelled => "job cancelled",
            _ => "job pending",
        };
        let job_for_status = j.clone();
        let job_for_reuse = j.clone();
        let job_for_actions = j.clone();
        let done = state == JobState::Generated;
        let label = title.clone();
        view! {
            <li class=card_class>
                <article aria-label=label>
                    {image}
                    <div class="job-body">
                        <p class="job-status" role="status" aria-live="polite">
                            {move || status_line(&job_for_status, lang.get(), now.get(), jobs)}
                        </p>
                        <p class="job-prompt">{j.request.prompts.clone()}</p>
                        <p class="job-meta">{title}{made_at(&j, lang)}</p>
                        {j.last_error.clone().filter(|_| state.is_pending_on_server()).map(|e| view! {
                            <p class="job-warn">{move || format!("{} {}", T::Retrying.get(lang.get()), e.describe(lang.get()))}</p>
                        })}
                        <div class="row">
                            {pending.then(|| view! {
                                <button type="button" class="secondary" on:click=move |_| jobs.cancel(&id.get_value())>{T::Cancel.tr()}</button>
                            })}
                            {retryable.then(|| view! {
                                <button type="button" class="secondary" on:click=move |_| jobs.retry(&id.get_value())>{T::Retry.tr()}</button>
                            })}
                            {(!done).then(|| view! { <ReuseButton job=job_for_reuse.clone()/> })}
                            {(!pending).then(|| view! {
                                <button type="button" class="secondary" on:click=move |_| jobs.remove(&id.get_value())>{T::Remove.tr()}</button>
                            })}
                        </div>
                        {done.then(|| view! { <ImageActions job=job_for_actions/> })}
                    </div>
                </article>
            </li>
        }
        .into_any()
    }
}

/// " · 14:03" in the language, or the server's own text as it came.
fn made_at(job: &Job, lang: Signal<Lang>) -> impl IntoView {
    match job.made_at() {
        MadeAt::Local(ms) => Some(
            view! {
                " · "<time datetime=iso_moment(ms)>{move || format_moment(ms, lang.get())}</time>
            }
            .into_any(),
        ),
        MadeAt::Server(text) => Some(view! { " · "<time>{text}</time> }.into_any()),
        MadeAt::Unknown => None,
    }
}

#[component]
fn ReuseButton(job: Job) -> impl IntoView {
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<ConfigStore>();
    let reuse = move |_| {
        let c = config.config.get_untracked().unwrap_or_default();
        draft.reuse(&job.request, &c);
        scroll_to_form();
    };
    view! { <button type="button" class="secondary" on:click=reuse>{T::ReuseSettings.tr()}</button> }
}

fn status_line(job: &Job, lang: Lang, now: f64, jobs: JobStore) -> String {
    let mut line = job.state.describe(lang);
    if job.state == JobState::Submitting && job.last_error.is_some() {
        line = T::CheckingReceived.get(lang).to_string();
    }
    if job.state == JobState::Queued {
        if let Some(pos) = jobs.queue_position(&job.local_id) {
            line = T::InLine.fill(lang, &[&line, &pos]);
        }
    }
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
