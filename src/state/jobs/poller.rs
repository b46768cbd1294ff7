//! Asking the server about jobs it accepted: when (the delay comes from
//! [`PollPolicy`], which learns how long jobs take) and the asking itself.
//! Only the leading tab polls. Each job waiting on the server has at most
//! one timer; a dropped timer is a cancelled one, so ending a job, losing
//! the lead or a pause releases them.

use std::collections::{HashMap, HashSet};

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::JobStore;
use crate::api::ApiError;
use crate::domain::job::{JobId, JobState};
use crate::domain::poll::{Next, PollPolicy, PollSituation};
use crate::state::storage::{self, Area};
use crate::state::{now_ms, random};

/// A hidden page that polls at all (notifications on) asks this rarely.
const HIDDEN_INTERVAL_MS: f64 = 5_000.0;

/// Per-job bookkeeping of answers, in memory only (rebuilt after a reload).
#[derive(Clone, Copy, Default)]
struct Counters {
    answers: u32,
    errors: u32,
}

#[derive(Clone, Copy)]
pub(super) struct Poller {
    policy: StoredValue<PollPolicy>,
    timers: StoredValue<HashMap<JobId, Timeout>, LocalStorage>,
    asking: StoredValue<HashSet<JobId>>,
    counters: StoredValue<HashMap<JobId, Counters>>,
}

impl Poller {
    pub fn new() -> Poller {
        Poller {
            policy: StoredValue::new(PollPolicy {
                // Set only by the benchmark, to measure a plain interval.
                fixed_interval_ms: storage::get_raw(Area::Local, "bench-fixed-interval-ms")
                    .and_then(|v| v.parse().ok())
                    .filter(|v: &f64| *v >= 100.0),
                ..PollPolicy::default()
            }),
            timers: StoredValue::new_local(HashMap::new()),
            asking: StoredValue::new(HashSet::new()),
            counters: StoredValue::new(HashMap::new()),
        }
    }

    pub fn policy(&self) -> PollPolicy {
        self.policy.get_value()
    }

    pub fn stop(&self, id: &JobId) {
        self.timers.try_update_value(|t| {
            t.remove(id);
        });
    }

    pub fn stop_all(&self) {
        self.timers.try_update_value(HashMap::clear);
    }

    /// Schedules the next status request for every job waiting on the
    /// server that has none; drops timers of jobs that no longer wait.
    pub fn follow_all(self, store: JobStore) {
        if !store.may_poll() {
            self.stop_all();
            return;
        }
        let pending: Vec<JobId> = store.ids_where(|j| j.state.is_pending_on_server());
        self.timers
            .update_value(|t| t.retain(|id, _| pending.contains(id)));
        for id in pending {
            self.follow(store, &id);
        }
    }

    /// Makes sure a job waiting on the server is being followed (and one
    /// that is not, is not).
    pub fn follow(self, store: JobStore, id: &JobId) {
        let pending = store.is(id, |j| j.state.is_pending_on_server());
        if !pending {
            self.stop(id);
            self.counters.update_value(|c| {
                c.remove(id);
            });
            return;
        }
        let idle = self
            .timers
            .try_with_value(|t| !t.contains_key(id))
            .unwrap_or(false)
            && !self.asking.with_value(|a| a.contains(id));
        if idle {
            self.schedule(store, id);
        }
    }

    fn schedule(self, store: JobStore, id: &JobId) {
        if !store.may_poll() {
            return;
        }
        let Some(job) = store.peek(id) else { return };
        let counters = self
            .counters
            .with_value(|c| c.get(id).copied().unwrap_or_default());
        let now = now_ms();
        let situation = PollSituation {
            elapsed_ms: (now - job.submitted_at.unwrap_or(job.queued_at)).max(0.0),
            watching_ms: (now - job.watch_start()).max(0.0),
            answers: counters.answers,
            consecutive_errors: counters.errors,
            expected_ms: store.expected_ms(&job.request),
            pending_jobs: store.count_where(|j| j.state.is_pending_on_server()),
        };
        match self.policy.with_value(|p| p.next(situation, random())) {
            Next::GiveUp => {
                self.stop(id);
                let id = id.clone();
                store.spawn(async move {
                    store.change(&id, move |j| j.time_out(now)).await;
                });
            }
            Next::AskIn(ms) => {
                // Hidden (notifications on): frugal, the user is not watching.
                let ms = if store.visible_untracked() {
                    ms
                } else {
                    ms.max(HIDDEN_INTERVAL_MS)
                };
                let job_id = id.clone();
                let timer = Timeout::new(ms.round() as u32, move || self.ask(store, job_id));
                // Replacing drops (and so cancels) any older timer for this job.
                self.timers.update_value(|t| {
                    t.insert(id.clone(), timer);
                });
            }
        }
    }

    fn ask(self, store: JobStore, id: JobId) {
        self.timers.try_update_value(|t| {
            t.remove(&id);
        });
        if !store.may_poll() {
            return;
        }
        let Some(job) = store.peek(&id) else { return };
        let (Some(hashid), true) = (job.hashid.clone(), job.state.is_pending_on_server()) else {
            return;
        };
        let Ok(client) = store.client() else { return };
        self.asking.update_value(|a| {
            a.insert(id.clone());
        });
        store.spawn(async move {
            let result = client.track(&hashid).await;
            self.asking.try_update_value(|a| {
                a.remove(&id);
            });
            let now = now_ms();
            let ok = result.is_ok();
            self.counters.try_update_value(|c| {
                let entry = c.entry(id.clone()).or_default();
                if ok {
                    entry.answers += 1;
                    entry.errors = 0;
                } else {
                    entry.errors += 1;
                }
            });
            let after = match result {
                Ok(record) => {
                    store
                        .change(&id, move |j| j.apply_record(&record, now))
                        .await
                }
                Err(e @ ApiError::Unauthorized(_)) => {
                    // The key, not the job: every job waits for a new key.
                    store.key_refused(e);
                    return;
                }
                Err(e) => {
                    store
                        .change(&id, move |j| j.track_failed(e.clone(), now))
                        .await
                }
            };
            if let Some(job) = after {
                if job.state == JobState::Generated {
                    store.finished(&job);
                }
            }
            self.follow(store, &id);
        });
    }
}
