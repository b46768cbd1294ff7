//! The job store and its poller.
//!
//! Jobs live in one signal (newest first) and are saved to localStorage on
//! every change, so a reload brings them all back. Each job waiting on the
//! server has at most one timer; the delay comes from [`PollPolicy`], which
//! learns how long jobs take. A dropped timer is a cancelled timer, so ending
//! a job, hiding the page or unmounting the app releases them all.
//!
//! With the app open in several tabs, one visible tab leads: it alone sends
//! and polls (a lease in localStorage, renewed while there is work). The
//! others show what it stores (the `storage` event) and hand it new jobs
//! the same way. A hidden leader lets go at once, so polling stops while no
//! tab is visible.

use std::collections::{HashMap, HashSet};

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::settings::SettingsStore;
use super::storage::{self, Area};
use super::{now_ms, random};
use crate::api::{ApiError, GenerateRequest, JobRecord, JobType};
use crate::domain::job::{merge_jobs, parse_stored_jobs, Job, JobState};
use crate::domain::poll::{DurationStats, Next, PollPolicy, PollSituation};

const JOBS_KEY: &str = "jobs";
const LEASE_KEY: &str = "engine-lease";
const TAB_KEY: &str = "tab-id";
const LEASE_TTL_MS: f64 = 15_000.0;
const LEASE_RENEW_MS: u32 = 5_000;
/// A job whose generate call a reload cut off is looked for in the
/// server's history for this long before it counts as interrupted.
const RECONCILE_WINDOW_MS: f64 = 20_000.0;
const RECONCILE_RETRY_MS: u32 = 4_000;
const RECONCILE_TIMER: &str = "reconcile";
const HIDDEN_INTERVAL_MS: f64 = 5_000.0;
/// How many removed jobs are remembered, so other tabs do not bring them back.
const TOMBSTONES: usize = 500;

#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct Saved {
    jobs: Vec<Job>,
    stats: DurationStats,
    removed: Vec<String>,
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
    /// Images finished while the page was hidden, for the title.
    pub unseen: RwSignal<u32>,
    /// Whether this tab is the one that sends and polls.
    pub is_leader: RwSignal<bool>,
    stats: RwSignal<DurationStats>,
    removed: StoredValue<Vec<String>>,
    last_saved: StoredValue<String>,
    lease_timer: StoredValue<Option<Interval>, LocalStorage>,
    settings: SettingsStore,
    policy: StoredValue<PollPolicy>,
    timers: StoredValue<HashMap<String, Timeout>, LocalStorage>,
    in_flight: StoredValue<HashSet<String>>,
    counters: StoredValue<HashMap<String, Counters>>,
    /// Jobs whose generate call got no answer, being looked for.
    reconciling: StoredValue<HashSet<String>>,
    hidden: RwSignal<bool>,
}

impl JobStore {
    pub fn load(settings: SettingsStore) -> JobStore {
        let raw = storage::get_raw(Area::Local, JOBS_KEY).unwrap_or_default();
        let saved = read_saved(&raw);
        let store = JobStore {
            jobs: RwSignal::new(saved.jobs),
            storage_error: RwSignal::new(false),
            unseen: RwSignal::new(0),
            is_leader: RwSignal::new(false),
            stats: RwSignal::new(saved.stats),
            removed: StoredValue::new(saved.removed),
            last_saved: StoredValue::new(raw),
            lease_timer: StoredValue::new_local(None),
            settings,
            policy: StoredValue::new(PollPolicy {
                // Set only by the benchmark, to measure a plain interval.
                fixed_interval_ms: storage::get_raw(Area::Local, "bench-fixed-interval-ms")
                    .and_then(|v| v.parse().ok())
                    .filter(|v: &f64| *v >= 100.0),
                ..PollPolicy::default()
            }),
            timers: StoredValue::new_local(HashMap::new()),
            in_flight: StoredValue::new(HashSet::new()),
            counters: StoredValue::new(HashMap::new()),
            reconciling: StoredValue::new(HashSet::new()),
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
                removed: store.removed.get_value(),
            });
            let Ok(text) = serde_json::to_string(&saved) else {
                return;
            };
            // Unchanged (e.g. just merged from another tab): no write, so
            // two tabs never echo each other's saves back and forth.
            if store.last_saved.with_value(|last| *last == text) {
                return;
            }
            let ok = storage::set_raw(Area::Local, JOBS_KEY, &text).is_ok();
            if ok {
                store.last_saved.set_value(text);
            }
            store.storage_error.set(!ok);
        });
        // Leadership is only needed while some job is unfinished: the lease
        // timer runs exactly then.
        Effect::new(move |_| {
            let busy = store
                .jobs
                .with(|jobs| jobs.iter().any(|j| !j.state.is_final()));
            let running = store.lease_timer.with_value(Option::is_some);
            if busy && !running {
                store
                    .lease_timer
                    .set_value(Some(Interval::new(LEASE_RENEW_MS, move || {
                        store.lease_tick()
                    })));
                store.lease_tick();
            } else if !busy && running {
                store.lease_timer.set_value(None);
                store.step_down(true);
            }
        });
        on_cleanup(move || {
            store.lease_timer.try_set_value(None);
            store.step_down(true);
        });
        store
    }

    /// Another tab saved its jobs: take what is newer there.
    pub fn merge_from_storage(self, text: &str) {
        if self
            .last_saved
            .try_with_value(|last| last == text)
            .unwrap_or(true)
        {
            return;
        }
        let Ok(theirs) = serde_json::from_str::<Saved>(text) else {
            return;
        };
        self.last_saved.set_value(text.to_string());
        self.removed.update_value(|r| {
            for id in theirs.removed.iter() {
                if !r.contains(id) {
                    r.push(id.clone());
                }
            }
            let excess = r.len().saturating_sub(TOMBSTONES);
            r.drain(..excess);
        });
        let removed = self.removed.get_value();
        let done_before = self.generated_ids();
        let mut changed = false;
        self.jobs
            .update(|ours| changed = merge_jobs(ours, theirs.jobs, &removed));
        if self.hidden.get_untracked() {
            let newly = self.generated_ids().difference(&done_before).count() as u32;
            if newly > 0 {
                self.unseen.update(|n| *n += newly);
            }
        }
        self.stats.set(theirs.stats);
        if changed {
            // Jobs another tab cancelled or finished: drop their timers.
            let idle: Vec<String> = self.jobs.with_untracked(|jobs| {
                jobs.iter()
                    .filter(|j| !j.state.is_pending_on_server())
                    .map(|j| j.local_id.clone())
                    .collect()
            });
            for id in idle {
                self.stop_timer(&id);
            }
            self.lease_tick();
            self.pump();
            self.poll_all_pending();
        }
    }

    fn generated_ids(&self) -> HashSet<String> {
        self.jobs.with_untracked(|jobs| {
            jobs.iter()
                .filter(|j| j.state == JobState::Generated)
                .map(|j| j.local_id.clone())
                .collect()
        })
    }

    /// Claims, renews or gives up the lease that makes this tab the leader.
    fn lease_tick(self) {
        let me = tab_id();
        let now = now_ms();
        let hidden = self.hidden.get_untracked() && !self.may_poll_hidden();
        let other = read_lease().filter(|(id, expires)| *id != me && *expires > now);
        if hidden || other.is_some() {
            if self.is_leader.get_untracked() {
                self.step_down(other.is_none());
            }
            return;
        }
        let _ = storage::set_raw(
            Area::Local,
            LEASE_KEY,
            &format!("{me}|{}", now + LEASE_TTL_MS),
        );
        if !self.is_leader.get_untracked() {
            self.is_leader.set(true);
            self.resume();
        }
    }

    /// Hidden pages do not poll, unless the user asked to be notified of
    /// finished images (then slowly, see [`JobStore::schedule`]).
    fn may_poll_hidden(&self) -> bool {
        self.settings.notify.get_untracked()
            && super::notify::permission() == super::notify::Permission::Granted
    }

    /// Stops sending and polling here; `release` frees the lease at once so
    /// that another (visible) tab can take over without waiting.
    fn step_down(&self, release: bool) {
        self.is_leader.try_set(false);
        self.stop_all_timers();
        if release && read_lease().is_some_and(|(id, _)| id == tab_id()) {
            storage::remove(Area::Local, LEASE_KEY);
        }
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
        self.lease_tick();
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

    pub fn toggle_favourite(self, local_id: &str) {
        self.update_job(local_id, |j| j.favourite = !j.favourite);
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
        if !self.is_leader.get_untracked() {
            return;
        }
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
        if !hidden {
            self.unseen.set(0);
        }
        // Hidden: let go (timers stop); visible: take the lead back and
        // poll at once whatever is due.
        self.lease_tick();
        if !hidden {
            self.resume();
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
            let idle = self
                .timers
                .try_with_value(|t| !t.contains_key(&id))
                .unwrap_or(false);
            if idle {
                self.schedule(&id);
            }
        }
    }

    fn update_job(&self, local_id: &str, f: impl FnOnce(&mut Job)) {
        self.jobs.try_update(|jobs| {
            if let Some(j) = jobs.iter_mut().find(|j| j.local_id == local_id) {
                let before = j.clone();
                f(j);
                if *j != before {
                    j.rev = before.rev + 1;
                }
            }
        });
    }

    /// Sends queued jobs while fewer than the allowed number are in flight.
    fn pump(self) {
        if !self.is_leader.get_untracked() {
            return;
        }
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
        let lost = self
            .job_untracked(&local_id)
            .is_some_and(|j| j.request.kind == JobType::Image2Image && j.request.image.is_none());
        if lost {
            self.update_job(&local_id, |j| j.source_lost(now));
            return;
        }
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
                // No answer at all: the server may have the job anyway (the
                // connection broke, or a reload cut it off). Look in its
                // history rather than fail, so nobody is tempted to resend.
                Err(e @ (ApiError::Network(_) | ApiError::Timeout(_))) => {
                    self.update_job(&local_id, |j| j.last_error = Some(e));
                    self.reconcile(vec![local_id.clone()]);
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
        if job.state == JobState::Generated && self.hidden.get_untracked() {
            self.unseen.update(|n| *n += 1);
            super::notify::image_ready(self.settings, &job);
        }
        if let Some(d) = job.duration_ms() {
            let kind =
                DurationStats::kind_key(&job.request.model, job.request.width, job.request.height);
            self.stats.try_update(|s| s.record(&kind, d));
        }
    }

    fn schedule(self, local_id: &str) {
        let hidden = self.hidden.get_untracked();
        if (hidden && !self.may_poll_hidden())
            || !self.is_leader.get_untracked()
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
            pending_jobs: self.jobs.with_untracked(|jobs| {
                jobs.iter()
                    .filter(|j| j.state.is_pending_on_server())
                    .count()
            }),
        };
        let next = self.policy.with_value(|p| p.next(situation, random()));
        match next {
            Next::GiveUp => {
                self.update_job(local_id, |j| j.time_out(now_ms()));
                self.stop_timer(local_id);
            }
            Next::AskIn(ms) => {
                // Hidden (notifications on): frugal, the user is not watching.
                let ms = if hidden {
                    ms.max(HIDDEN_INTERVAL_MS)
                } else {
                    ms
                };
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
        if !self.is_leader.try_get_untracked().unwrap_or(false) {
            return;
        }
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
        self.reconciling.update_value(|r| r.extend(local_ids));
        let busy = self.timers.with_value(|t| t.contains_key(RECONCILE_TIMER))
            || self.in_flight.with_value(|f| f.contains(RECONCILE_TIMER));
        if !busy {
            self.reconcile_now();
        }
    }

    /// One look at the server's recent history for every job whose
    /// generate call got no answer; looks again later for those not found.
    fn reconcile_now(self) {
        let Ok(client) = self.settings.client_untracked() else {
            return;
        };
        self.in_flight.update_value(|f| {
            f.insert(RECONCILE_TIMER.to_string());
        });
        spawn_local(async move {
            let recent = client.list(1, 50).await;
            self.in_flight.try_update_value(|f| {
                f.remove(RECONCILE_TIMER);
            });
            let now = now_ms();
            let ids: Vec<String> = self
                .reconciling
                .try_get_value()
                .unwrap_or_default()
                .into_iter()
                .collect();
            let known: HashSet<String> = self
                .jobs
                .try_with_untracked(|jobs| jobs.iter().filter_map(|j| j.hashid.clone()).collect())
                .unwrap_or_default();
            for id in ids {
                let job = self
                    .job_untracked(&id)
                    .filter(|j| j.state == JobState::Submitting);
                let Some(job) = job else {
                    self.reconciling.update_value(|r| {
                        r.remove(&id);
                    });
                    continue;
                };
                let found = recent.as_ref().ok().and_then(|recent| {
                    recent
                        .iter()
                        .find(|r| !known.contains(&r.hashid) && job.matches_record(r))
                        .cloned()
                });
                let started = job.submitted_at.unwrap_or(job.queued_at);
                // The cut-off request may still reach the server for a
                // while: only call it interrupted after that.
                if found.is_none() && now - started < RECONCILE_WINDOW_MS {
                    continue;
                }
                self.reconciling.update_value(|r| {
                    r.remove(&id);
                });
                self.update_job(&id, |j| j.reconcile(found.as_ref(), now));
                self.after_change(&id);
            }
            if self
                .reconciling
                .try_with_value(|r| !r.is_empty())
                .unwrap_or(false)
            {
                let timer = Timeout::new(RECONCILE_RETRY_MS, move || {
                    self.timers.try_update_value(|t| {
                        t.remove(RECONCILE_TIMER);
                    });
                    self.reconcile_now();
                });
                self.timers.try_update_value(|t| {
                    t.insert(RECONCILE_TIMER.to_string(), timer);
                });
            }
            self.pump();
        });
    }

    /// Whether a server record is one of this device's jobs.
    pub fn knows(&self, hashid: &str) -> bool {
        self.jobs
            .with(|jobs| jobs.iter().any(|j| j.hashid.as_deref() == Some(hashid)))
    }

    /// A page of server history arrived: local jobs it names catch up with
    /// the server (a job that timed out here may have finished there).
    pub fn absorb_history(self, records: &[JobRecord]) {
        let now = now_ms();
        for record in records {
            let id = self.jobs.with_untracked(|jobs| {
                jobs.iter()
                    .find(|j| j.hashid.as_deref() == Some(record.hashid.as_str()))
                    .map(|j| j.local_id.clone())
            });
            if let Some(id) = id {
                self.update_job(&id, |j| j.refresh_from_history(record, now));
                self.after_change(&id);
            }
        }
    }
}

/// Reads the stored jobs leniently. If anything could not be read, the raw
/// text is kept aside under another key first, so that saving the readable
/// part never destroys the rest.
fn read_saved(raw: &str) -> Saved {
    if raw.is_empty() {
        return Saved::default();
    }
    let value: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let (jobs, skipped) = parse_stored_jobs(value.get("jobs").unwrap_or(&serde_json::Value::Null));
    if skipped > 0 || !value.is_object() {
        let _ = storage::set_raw(
            Area::Local,
            &format!("jobs-unreadable-{}", now_ms() as u64),
            raw,
        );
    }
    Saved {
        jobs,
        stats: value
            .get("stats")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or_default(),
        removed: value
            .get("removed")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or_default(),
    }
}

fn new_local_id(now: f64) -> String {
    format!(
        "{:x}-{:08x}",
        now as u64,
        (random() * u32::MAX as f64) as u32
    )
}

/// This tab's id: kept in sessionStorage, so it survives a reload of the
/// tab (which keeps its lease) but is not shared with other tabs.
fn tab_id() -> String {
    if let Some(id) = storage::get_raw(Area::Session, TAB_KEY) {
        return id;
    }
    let id = format!(
        "{:08x}{:08x}",
        (random() * u32::MAX as f64) as u32,
        now_ms() as u32
    );
    let _ = storage::set_raw(Area::Session, TAB_KEY, &id);
    id
}

fn read_lease() -> Option<(String, f64)> {
    let raw = storage::get_raw(Area::Local, LEASE_KEY)?;
    let (id, expires) = raw.split_once('|')?;
    Some((id.to_string(), expires.parse().ok()?))
}
