//! The job store and its poller.
//!
//! Jobs live in one signal (newest first) and are saved to localStorage on
//! every change, so a reload brings them all back. Each job waiting on the
//! server has at most one timer; the delay comes from [`PollPolicy`], which
//! learns how long jobs take. A dropped timer is a cancelled timer, so ending
//! a job, hiding the page or unmounting the app releases them all.

use std::collections::{HashMap, HashSet};

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::settings::SettingsStore;
use super::storage::{self, Area};
use super::{now_ms, random};
use crate::api::{GenerateRequest, JobRecord};
use crate::domain::job::{Job, JobState};
use crate::domain::poll::{DurationStats, Next, PollPolicy, PollSituation};

const JOBS_KEY: &str = "jobs";

#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct Saved {
    jobs: Vec<Job>,
    stats: DurationStats,
}

/// Per-job polling bookkeeping: in memory only, rebuilt after a reload.
#[derive(Clone, Copy, Default)]
struct Counters {
    answers: u32,
    errors: u32,
}

#[derive(Clone, Copy)]
pub struct JobStore {
    pub jobs: RwSignal<Vec<Job>>,
    pub storage_error: RwSignal<bool>,
    stats: RwSignal<DurationStats>,
    settings: SettingsStore,
    policy: StoredValue<PollPolicy>,
    timers: StoredValue<HashMap<String, Timeout>, LocalStorage>,
    in_flight: StoredValue<HashSet<String>>,
    counters: StoredValue<HashMap<String, Counters>>,
    hidden: RwSignal<bool>,
}

impl JobStore {
    pub fn load(settings: SettingsStore) -> JobStore {
        let saved: Saved = storage::get(Area::Local, JOBS_KEY).unwrap_or_default();
        let store = JobStore {
            jobs: RwSignal::new(saved.jobs),
            storage_error: RwSignal::new(false),
            stats: RwSignal::new(saved.stats),
            settings,
            policy: StoredValue::new(PollPolicy::default()),
            timers: StoredValue::new_local(HashMap::new()),
            in_flight: StoredValue::new(HashSet::new()),
            counters: StoredValue::new(HashMap::new()),
            hidden: RwSignal::new(false),
        };
        Effect::new(move |_| {
            let saved = store.jobs.with(|jobs| Saved {
                // Source images are megabytes: never stored, only parameters.
                jobs: jobs
                    .iter()
                    .map(|j| {
                        let mut j = j.clone();
                        j.request.image = None;
                        j
                    })
                    .collect(),
                stats: store.stats.get(),
            });
            store
                .storage_error
                .set(storage::set(Area::Local, JOBS_KEY, &saved).is_err());
        });
        on_cleanup(move || store.stop_all_timers());
        store
    }

    /// Number of timers alive: zero once every job has ended.
    pub fn timer_count(&self) -> usize {
        self.timers.try_with_value(HashMap::len).unwrap_or(0)
    }

    pub fn job(&self, local_id: &str) -> Option<Job> {
        self.jobs
            .with(|jobs| jobs.iter().find(|j| j.local_id == local_id).cloned())
    }

    /// Adds jobs (newest first) and starts sending them.
    pub fn enqueue(self, requests: Vec<GenerateRequest>) {
        let now = now_ms();
        let jobs: Vec<Job> = requests
            .into_iter()
            .map(|r| Job::new(new_local_id(now), r, now))
            .collect();
        self.jobs.update(|all| {
            for job in jobs {
                all.insert(0, job);
            }
        });
        self.pump();
    }

    pub fn retry(self, local_id: &str) {
        if let Some(job) = self.job(local_id) {
            self.enqueue(vec![job.request]);
        }
    }

    pub fn cancel(self, local_id: &str) {
        self.update_job(local_id, |j| j.cancel(now_ms()));
        self.stop_timer(local_id);
        self.pump();
    }

    pub fn remove(self, local_id: &str) {
        self.cancel(local_id);
        self.jobs
            .update(|all| all.retain(|j| j.local_id != local_id));
        self.counters.update_value(|c| {
            c.remove(local_id);
        });
    }

    /// Position of a queued job in the local queue (1 = next).
    pub fn queue_position(&self, local_id: &str) -> Option<usize> {
        self.jobs.with(|jobs| {
            jobs.iter()
                .rev()
                .filter(|j| j.state == JobState::Queued)
                .position(|j| j.local_id == local_id)
                .map(|p| p + 1)
        })
    }

    /// The learned time from submission to image for a job like this one.
    pub fn expected_ms(&self, request: &GenerateRequest) -> f64 {
        let kind = DurationStats::kind_key(&request.model, request.width, request.height);
        let learned = self.stats.with(|s| s.expected_ms(&kind));
        self.policy.with_value(|p| p.expected_ms(learned))
    }

    /// Starts the app's jobs after a load: sends what is queued, polls what
    /// is pending, and settles jobs whose submission a reload interrupted.
    pub fn resume(self) {
        let interrupted: Vec<String> = self.jobs.with_untracked(|jobs| {
            jobs.iter()
                .filter(|j| j.state == JobState::Submitting)
                .map(|j| j.local_id.clone())
                .collect()
        });
        if !interrupted.is_empty() {
            self.reconcile(interrupted);
        }
        self.pump();
        self.poll_all_pending();
    }

    /// Page Visibility: no requests while hidden, catch up at once on return.
    pub fn set_hidden(self, hidden: bool) {
        self.hidden.set(hidden);
        if hidden {
            self.stop_all_timers();
        } else {
            self.poll_all_pending();
        }
    }

    fn poll_all_pending(self) {
        let pending: Vec<String> = self.jobs.with_untracked(|jobs| {
            jobs.iter()
                .filter(|j| j.state.is_pending_on_server())
                .map(|j| j.local_id.clone())
                .collect()
        });
        for id in pending {
            self.schedule(&id);
        }
    }

    fn update_job(&self, local_id: &str, f: impl FnOnce(&mut Job)) {
        self.jobs.try_update(|jobs| {
            if let Some(j) = jobs.iter_mut().find(|j| j.local_id == local_id) {
                f(j);
            }
        });
    }

    /// Sends queued jobs while fewer than the allowed number are in flight.
    fn pump(self) {
        let limit = self.settings.max_in_flight.get_untracked().max(1) as usize;
        loop {
            let next = self.jobs.try_with_untracked(|jobs| {
                let sending = jobs
                    .iter()
                    .filter(|j| j.state == JobState::Submitting)
                    .count();
                if sending >= limit {
                    return None;
                }
                jobs.iter()
                    .rev()
                    .find(|j| j.state == JobState::Queued)
                    .map(|j| j.local_id.clone())
            });
            let Some(Some(id)) = next else { return };
            self.submit(id);
        }
    }

    fn submit(self, local_id: String) {
        let now = now_ms();
        self.update_job(&local_id, |j| j.submitting(now));
        let Some(job) = self.job_untracked(&local_id) else {
            return;
        };
        let client = self.settings.client_untracked();
        spawn_local(async move {
            let result = match client {
                Ok(client) => client.generate(&job.request).await,
                Err(e) => Err(e),
            };
            let now = now_ms();
            match result {
                Ok(record) => {
                    self.update_job(&local_id, |j| j.accepted(&record, now));
                    self.after_change(&local_id);
                }
                Err(e) => self.update_job(&local_id, |j| j.rejected(e, now)),
            }
            self.pump();
        });
    }

    fn job_untracked(&self, local_id: &str) -> Option<Job> {
        self.jobs
            .try_with_untracked(|jobs| jobs.iter().find(|j| j.local_id == local_id).cloned())
            .flatten()
    }

    /// After any answer: schedule the next ask, or wrap up a finished job.
    fn after_change(self, local_id: &str) {
        let Some(job) = self.job_untracked(local_id) else {
            self.stop_timer(local_id);
            return;
        };
        if job.state.is_pending_on_server() {
            self.schedule(local_id);
            return;
        }
        self.stop_timer(local_id);
        if let Some(d) = job.duration_ms() {
            let kind =
                DurationStats::kind_key(&job.request.model, job.request.width, job.request.height);
            self.stats.try_update(|s| s.record(&kind, d));
        }
    }

    fn schedule(self, local_id: &str) {
        if self.hidden.get_untracked()
            || self
                .in_flight
                .try_with_value(|f| f.contains(local_id))
                .unwrap_or(true)
        {
            return;
        }
        let Some(job) = self.job_untracked(local_id) else {
            return;
        };
        let counters = self
            .counters
            .try_with_value(|c| c.get(local_id).copied().unwrap_or_default())
            .unwrap_or_default();
        let started = job.submitted_at.unwrap_or(job.queued_at);
        let situation = PollSituation {
            elapsed_ms: (now_ms() - started).max(0.0),
            answers: counters.answers,
            consecutive_errors: counters.errors,
            expected_ms: self.expected_ms(&job.request),
        };
        let next = self.policy.with_value(|p| p.next(situation, random()));
        match next {
            Next::GiveUp => {
                self.update_job(local_id, |j| j.time_out(now_ms()));
                self.stop_timer(local_id);
            }
            Next::AskIn(ms) => {
                let id = local_id.to_string();
                let timer = Timeout::new(ms.round() as u32, move || self.poll_now(id));
                // Replacing drops (and so cancels) any older timer for this job.
                self.timers.try_update_value(|t| {
                    t.insert(local_id.to_string(), timer);
                });
            }
        }
    }

    fn poll_now(self, local_id: String) {
        self.timers.try_update_value(|t| {
            t.remove(&local_id);
        });
        let Some(job) = self.job_untracked(&local_id) else {
            return;
        };
        let (Some(hashid), true) = (job.hashid.clone(), job.state.is_pending_on_server()) else {
            return;
        };
        let Ok(client) = self.settings.client_untracked() else {
            return;
        };
        self.in_flight.try_update_value(|f| {
            f.insert(local_id.clone());
        });
        spawn_local(async move {
            let result = client.track(&hashid).await;
            self.in_flight.try_update_value(|f| {
                f.remove(&local_id);
            });
            let now = now_ms();
            let ok = result.is_ok();
            match result {
                Ok(record) => self.update_job(&local_id, |j| j.apply_record(&record, now)),
                Err(e) => self.update_job(&local_id, |j| j.track_failed(e, now)),
            }
            self.counters.try_update_value(|c| {
                let entry = c.entry(local_id.clone()).or_default();
                if ok {
                    entry.answers += 1;
                    entry.errors = 0;
                } else {
                    entry.errors += 1;
                }
            });
            self.after_change(&local_id);
        });
    }

    fn stop_timer(&self, local_id: &str) {
        self.timers.try_update_value(|t| {
            t.remove(local_id);
        });
    }

    fn stop_all_timers(&self) {
        self.timers.try_update_value(HashMap::clear);
    }

    /// Settles jobs whose generate call a reload cut off: the server's
    /// recent history tells whether it was created.
    fn reconcile(self, local_ids: Vec<String>) {
        let Ok(client) = self.settings.client_untracked() else {
            return;
        };
        spawn_local(async move {
            let recent = client.list(1, 50).await;
            let Ok(recent) = recent else {
                // Unknown: leave them as they are and try again next load.
                return;
            };
            let now = now_ms();
            let known: HashSet<String> = self
                .jobs
                .try_with_untracked(|jobs| jobs.iter().filter_map(|j| j.hashid.clone()).collect())
                .unwrap_or_default();
            for id in &local_ids {
                let found = self.job_untracked(id).and_then(|job| {
                    recent
                        .iter()
                        .find(|r| !known.contains(&r.hashid) && job.matches_record(r))
                        .cloned()
                });
                self.update_job(id, |j| j.reconcile(found.as_ref(), now));
                self.after_change(id);
            }
            self.pump();
        });
    }

    /// Jobs from the server's history that this device does not have yet.
    pub fn unknown_records<'a>(&self, records: &'a [JobRecord]) -> Vec<&'a JobRecord> {
        self.jobs.with(|jobs| {
            records
                .iter()
                .filter(|r| {
                    !jobs
                        .iter()
                        .any(|j| j.hashid.as_deref() == Some(r.hashid.as_str()))
                })
                .collect()
        })
    }
}

fn new_local_id(now: f64) -> String {
    format!(
        "{:x}-{:08x}",
        now as u64,
        (random() * u32::MAX as f64) as u32
    )
}
