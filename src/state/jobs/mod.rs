//! The jobs: the one store the views use for what this device made and is
//! making. One concern per file:
//! - `lists.rs`: the lists of job ids the views read;
//! - `archive.rs`: who writes storage (IndexedDB, one record per job);
//! - `tabs.rs`: who leads, and what the tabs tell each other;
//! - `queue.rs`: who sends queued jobs, exactly once;
//! - `poller.rs`: who decides when to ask about a job, and asks;
//! - `reconcile.rs`: generate answers that were lost;
//! - `durations.rs`: how long jobs take;
//! - `attention.rs`: the title's count and notifications;
//! - `kept.rs`: copies of pictures kept on this device.
//!
//! Every change to a job goes through [`JobStore::change`]: applied at
//! once in memory (its card updates), then to the archive in one
//! transaction (which orders it against the other tabs' changes), then
//! told to the other tabs. Each job lives in its own signal, so a change
//! updates that job's card and nothing else.

mod archive;
mod attention;
mod durations;
mod kept;
mod lists;
mod poller;
mod queue;
mod reconcile;
mod tabs;

pub use archive::{ArchiveState, DB_NAME};
pub use kept::{storage_estimate, KeepProblem};
pub use lists::{Kind, Lists};
pub use tabs::Leadership;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use leptos::prelude::*;

use archive::{Archive, Updated};
use attention::Attention;
use durations::Durations;
use poller::Poller;
use queue::Queue;
use reconcile::Reconciler;
use tabs::{announce, JobsMsg, JOBS_TOPIC};

use super::channel;
use super::idb::IdbError;
use super::settings::{KeyEpoch, SettingsStore};
use super::storage::{self, Area};
use super::{now_ms, random};
use crate::api::{ApiError, Client, GenerateRequest, JobRecord};
use crate::domain::job::{Job, JobId, JobState};

/// How many of the newest jobs are read before anything else, for the
/// first screen.
const FIRST_SCREEN: usize = 40;
/// The rest of the archive is read this many jobs per task.
const PAGE: u32 = 250;
/// Where an earlier version kept every job, in one localStorage value.
const OLD_JOBS_KEY: &str = "jobs";

/// Why jobs may not be kept, for the message the views show.
#[derive(Clone, Debug, PartialEq)]
pub enum StorageProblem {
    /// No archive (private mode, blocked, refused): jobs live in memory
    /// until the page closes.
    MemoryOnly,
    /// The archive is full: changes from now on are kept in memory only;
    /// what is stored stays as it is.
    Full,
    /// Stored jobs written by a newer version of the app: kept, not shown.
    Unreadable(usize),
    /// A newer version of the app opened in another tab: reload this one.
    Superseded,
}

/// Why no job is being sent or followed right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    NeedsKey,
    KeyRefused,
    Offline,
}

/// New job cards built per task when a batch is added (a card is about
/// 2-3 ms to build at 4x CPU slowdown).
const CARDS_PER_TASK: usize = 5;

#[derive(Clone, Copy)]
pub struct JobStore {
    lists: RwSignal<Lists>,
    /// The queued jobs, newest first: changes only when a job joins or
    /// leaves the queue, so the cards' places in line follow this alone
    /// (read from every job, each change of any job counted them again).
    queued: RwSignal<Vec<JobId>>,
    jobs: StoredValue<HashMap<JobId, RwSignal<Job>>>,
    tombstones: StoredValue<HashSet<JobId>>,
    archive: Archive,
    leadership: Leadership,
    settings: SettingsStore,
    visible: Signal<bool>,
    online: Signal<bool>,
    /// The archive refused a write for lack of space.
    full: RwSignal<bool>,
    unreadable: RwSignal<usize>,
    /// Whether the newest jobs, then all of them, are in memory.
    first_screen: RwSignal<bool>,
    loaded: RwSignal<bool>,
    /// The key (by epoch) the server refused; work waits for another.
    key_refused: RwSignal<Option<Option<KeyEpoch>>>,
    poller: Poller,
    queue: Queue,
    reconciler: Reconciler,
    durations: Durations,
    attention: Attention,
    /// Cleared when the store's owner is cleaned up: its work stops.
    alive: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    /// The store's own owner: each job's signal is made under it, so it
    /// lives as long as the store, not as long as the view that asked for
    /// the job (a form rebuilt when the config reloads disposed them).
    owner: StoredValue<Option<Owner>>,
    /// A copy was kept or let go (for counts of kept pictures).
    copies: Trigger,
}

/// A future that is dropped, without running further, once its store is
/// gone: an answer arriving after the app was unmounted touches nothing.
struct WhileAlive {
    alive: Rc<Cell<bool>>,
    work: Pin<Box<dyn Future<Output = ()>>>,
}

impl Future for WhileAlive {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.alive.get() {
            return Poll::Ready(());
        }
        self.work.as_mut().poll(cx)
    }
}

impl JobStore {
    /// Runs background work of the store (requests, archive writes).
    fn spawn(&self, work: impl Future<Output = ()> + 'static) {
        if let Some(alive) = self.alive.try_get_value().filter(|a| a.get()) {
            leptos::task::spawn_local(WhileAlive {
                alive,
                work: Box::pin(work),
            });
        }
    }

    /// Starts the store: reads the archive (newest jobs first), joins the
    /// other tabs, and asks to lead. `visible` and `online` are the page's.
    pub fn start(settings: SettingsStore, visible: Signal<bool>, online: Signal<bool>) -> JobStore {
        let store = JobStore {
            lists: RwSignal::new(Lists::default()),
            queued: RwSignal::new(Vec::new()),
            jobs: StoredValue::new(HashMap::new()),
            tombstones: StoredValue::new(HashSet::new()),
            archive: Archive::new(),
            leadership: Leadership::start(visible),
            settings,
            visible,
            online,
            full: RwSignal::new(false),
            unreadable: RwSignal::new(0),
            first_screen: RwSignal::new(false),
            loaded: RwSignal::new(false),
            key_refused: RwSignal::new(None),
            poller: Poller::new(),
            queue: Queue::new(),
            reconciler: Reconciler::new(),
            durations: Durations::new(),
            attention: Attention::new(),
            alive: StoredValue::new_local(Rc::new(Cell::new(true))),
            owner: StoredValue::new(Owner::current()),
            copies: Trigger::new(),
        };
        channel::subscribe(JOBS_TOPIC, move |msg: JobsMsg| store.on_message(msg));
        // A new key (typed here or in another tab) ends a "refused" pause.
        Effect::new(move |_| {
            let epoch = settings.key_epoch();
            if store
                .key_refused
                .get_untracked()
                .is_some_and(|refused| refused != epoch)
            {
                store.key_refused.set(None);
            }
        });
        // Leading, and whatever decides whether work may be done: resume
        // (idempotent) on every change; on taking the lead, first read the
        // unfinished jobs back from the archive, where the last leader left
        // them.
        Effect::new(move |was_leading: Option<bool>| {
            let leading = store.leadership.is_leader.get();
            let _ = (
                visible.get(),
                online.get(),
                settings.key_epoch(),
                settings.has_key(),
                settings.max_in_flight(),
                settings.notify(),
                store.key_refused.get(),
                store.first_screen.get(),
                store.loaded.get(),
            );
            if !leading {
                store.poller.stop_all();
                store.reconciler.stop();
            } else if was_leading != Some(true) {
                store.spawn(async move {
                    store.refresh_unfinished().await;
                    store.resume();
                });
            } else {
                store.resume();
            }
            leading
        });
        Effect::new(move |_| {
            if visible.get() {
                store.attention.seen();
            }
        });
        on_cleanup(move || {
            if let Some(alive) = store.alive.try_get_value() {
                alive.set(false);
            }
            store.poller.stop_all();
            store.reconciler.stop();
            store.archive.close();
        });
        store.spawn(store.load());
        store
    }

    // ----- what views read (each tracks) -----

    /// The lists of job ids: all, unfinished, pictures (newest first).
    pub fn with_lists<R>(&self, f: impl FnOnce(&Lists) -> R) -> R {
        self.lists.with(f)
    }

    /// A job's own signal: a view that reads it follows that job alone.
    pub fn job(&self, id: &JobId) -> Option<ReadSignal<Job>> {
        self.jobs.with_value(|j| j.get(id).map(|s| s.read_only()))
    }

    /// Pictures finished while this page was hidden.
    pub fn unseen(&self) -> u32 {
        self.attention.unseen.get()
    }

    pub fn is_leader(&self) -> bool {
        self.leadership.is_leader.get()
    }

    /// Whether the newest jobs have been read (the first screen can show).
    pub fn first_screen_ready(&self) -> bool {
        self.first_screen.get()
    }

    /// Whether every stored job has been read: only then is it known which
    /// of the account's history pictures are this device's, or removed.
    pub fn all_loaded(&self) -> bool {
        self.loaded.get()
    }

    pub fn storage_problem(&self) -> Option<StorageProblem> {
        match self.archive.state.get() {
            ArchiveState::Superseded => return Some(StorageProblem::Superseded),
            ArchiveState::Unavailable(_) => return Some(StorageProblem::MemoryOnly),
            _ => {}
        }
        if self.full.get() {
            return Some(StorageProblem::Full);
        }
        match self.unreadable.get() {
            0 => None,
            n => Some(StorageProblem::Unreadable(n)),
        }
    }

    /// Why queued and running jobs are waiting, if they are.
    pub fn pause(&self) -> Option<Pause> {
        if !self.settings.has_key() {
            Some(Pause::NeedsKey)
        } else if self.key_refused.get().is_some() {
            Some(Pause::KeyRefused)
        } else if !self.online.get() {
            Some(Pause::Offline)
        } else {
            None
        }
    }

    /// Each queued job's position in the queue (1 = next); read once for
    /// every card (a card asking for its own read every job: 50 cards made
    /// 2,500 reads on each change).
    pub fn queue_positions(&self) -> HashMap<JobId, usize> {
        self.queued.with(|queued| {
            queued
                .iter()
                .rev()
                .enumerate()
                .map(|(p, id)| (id.clone(), p + 1))
                .collect()
        })
    }

    /// The learned time from submission to image for a job like this one.
    /// Untracked: the cards read it on each tick of their clock, and
    /// tracking it had every card of every running job work its times out
    /// again whenever any job finished.
    pub fn expected_ms(&self, request: &GenerateRequest) -> f64 {
        let learned = self.durations.expected_untracked(request);
        self.poller.policy().expected_ms(learned)
    }

    /// Whether a job was removed (its tombstone is here); untracked.
    pub fn is_removed(&self, id: &JobId) -> bool {
        self.tombstones.with_value(|t| t.contains(id))
    }

    /// Whether a server record is one of this device's jobs.
    pub fn knows(&self, hashid: &str) -> bool {
        self.lists.with(|l| l.by_hashid(hashid).is_some())
    }

    /// An image-to-image job's source, while this tab has it.
    pub fn source(&self, id: &JobId) -> Option<String> {
        self.queue.source(id)
    }

    // ----- what users do -----

    /// Adds jobs, newest first, and has them sent (by whichever tab leads).
    pub fn enqueue(self, requests: Vec<GenerateRequest>) {
        let now = now_ms();
        let mut sources = Vec::new();
        let jobs: Vec<Job> = requests
            .into_iter()
            .map(|mut request| {
                let id = new_id(now);
                // Megabytes: kept beside the job, never inside it.
                if let Some(image) = request.image.take() {
                    sources.push((id.clone(), image));
                }
                Job::new(id, request, now)
            })
            .collect();
        self.queue.keep_sources(sources.clone());
        // A few new cards per task, then the batch is stored in a task of
        // its own: 20 cards and their records in the press's task made it
        // 160 ms long at 4x CPU slowdown. Nothing else knows these jobs
        // until they are stored and announced.
        let first = jobs.len().min(CARDS_PER_TASK);
        self.set_memory_all(&jobs[..first]);
        self.spawn(async move {
            for more in jobs[first..].chunks(CARDS_PER_TASK) {
                gloo_timers::future::TimeoutFuture::new(0).await;
                self.set_memory_all(more);
            }
            gloo_timers::future::TimeoutFuture::new(0).await;
            self.archive.opened().await;
            let stored = self.archive.add(&jobs, &sources).await;
            // Told only once stored: a leader in another tab claims them
            // from the archive.
            announce(&JobsMsg::Changed(jobs));
            if let Err(e) = stored {
                self.write_failed(e);
                if !sources.is_empty() {
                    announce(&JobsMsg::Sources(sources));
                }
            }
            self.pump();
        });
    }

    /// Stops following (or sending) a job. A job the server accepted keeps
    /// its hashid, so "check again" can find it later.
    pub fn cancel(self, id: &JobId) {
        let id = id.clone();
        let now = now_ms();
        self.spawn(async move {
            self.change(&id, move |j| j.cancel(now)).await;
            self.react(&id);
            self.pump();
        });
    }

    /// Removes a job for good, in every tab.
    pub fn remove(self, id: &JobId) {
        self.remove_many(std::slice::from_ref(id));
    }

    /// Removes jobs for good, in every tab (tombstones), and returns them
    /// as they were, for "Undo".
    pub fn remove_many(self, ids: &[JobId]) -> Vec<Job> {
        let gone: Vec<Job> = ids.iter().filter_map(|id| self.peek(id)).collect();
        let mut ids = ids.to_vec();
        ids.extend(gone.iter().flat_map(Job::all_ids));
        ids.sort();
        ids.dedup();
        self.forget(&ids);
        self.spawn(async move {
            let _ = self.archive.remove(&ids, now_ms()).await;
            announce(&JobsMsg::Removed(ids));
            self.pump();
        });
        gone
    }

    /// "Undo" of a removal: the jobs come back, in every tab.
    pub fn restore(self, jobs: Vec<Job>) {
        let jobs: Vec<Job> = jobs
            .into_iter()
            .map(|mut j| {
                // The kept copy went with the removal.
                j.kept = false;
                j
            })
            .collect();
        self.unforget(&jobs);
        self.spawn(async move {
            let _ = self.archive.restore(&jobs).await;
            announce(&JobsMsg::Restored(jobs));
        });
    }

    /// Makes a picture known only from the account's history one of this
    /// device's jobs (to favourite, keep or remove it). Returns its id.
    pub fn adopt(self, job: Job) -> JobId {
        let id = job.id.clone();
        if self.peek(&id).is_some() || self.tombstones.with_value(|t| t.contains(&id)) {
            return id;
        }
        self.set_memory(job.clone());
        self.spawn(async move {
            self.archive.opened().await;
            if let Err(e) = self.archive.add(std::slice::from_ref(&job), &[]).await {
                self.write_failed(e);
            }
            announce(&JobsMsg::Changed(vec![job]));
        });
        id
    }

    /// Marks jobs as favourites (or not), in every tab.
    pub fn set_favourite(self, ids: &[JobId], favourite: bool) {
        for id in ids {
            let id = id.clone();
            self.spawn(async move {
                self.change(&id, move |j| j.favourite = favourite).await;
            });
        }
    }

    pub fn toggle_favourite(self, id: &JobId) {
        let Some(favourite) = self.peek(id).map(|j| !j.favourite) else {
            return;
        };
        let id = id.clone();
        self.spawn(async move {
            self.change(&id, move |j| j.favourite = favourite).await;
        });
    }

    /// Watches a job the server accepted again; never a new generate.
    pub fn check_again(self, id: &JobId) {
        let id = id.clone();
        let now = now_ms();
        self.spawn(async move {
            self.change(&id, move |j| {
                j.check_again(now);
            })
            .await;
            self.react(&id);
        });
    }

    /// Sends a job the server never accepted as a new job (a new request,
    /// which costs credit).
    pub fn send_again(self, id: &JobId) {
        let Some(job) = self.peek(id).filter(Job::can_send_again) else {
            return;
        };
        let id = id.clone();
        self.spawn(async move {
            let mut request = job.request.clone();
            request.image = match self.queue.source(&id) {
                Some(s) => Some(s),
                None => self
                    .archive
                    .update(&id, true, |_| {})
                    .await
                    .ok()
                    .and_then(|(_, s)| s),
            };
            self.enqueue(vec![request]);
        });
    }

    /// A page of the server's list arrived: local jobs it names catch up
    /// (a job that timed out here may have finished there).
    pub fn absorb_history(self, records: &[JobRecord]) {
        let now = now_ms();
        for record in records {
            let id = self
                .lists
                .with_untracked(|l| l.by_hashid(&record.hashid).cloned());
            if let Some(id) = id {
                let record = record.clone();
                self.spawn(async move {
                    self.change(&id, move |j| j.refresh_from_history(&record, now))
                        .await;
                    self.react(&id);
                });
            }
        }
    }

    // ----- memory -----

    /// A copy of a job, without tracking.
    pub(super) fn peek(&self, id: &JobId) -> Option<Job> {
        self.jobs
            .try_with_value(|j| j.get(id).map(|s| s.get_untracked()))
            .flatten()
    }

    /// Reads a job in place (untracked, no copy).
    fn with_job<R>(&self, id: &JobId, f: impl FnOnce(&Job) -> R) -> Option<R> {
        self.jobs
            .try_with_value(|j| j.get(id).copied())
            .flatten()
            .and_then(|s| s.try_with_untracked(f))
    }

    /// Whether a job is in memory and matches `f` (untracked, no copy).
    fn is(&self, id: &JobId, f: impl FnOnce(&Job) -> bool) -> bool {
        self.with_job(id, f).unwrap_or(false)
    }

    /// Unfinished jobs matching `f`, newest first (untracked). Read in
    /// place: with 50 jobs in flight, each timer scheduled copied all 50.
    fn ids_where(&self, f: impl Fn(&Job) -> bool) -> Vec<JobId> {
        self.lists.with_untracked(|l| {
            l.unfinished
                .iter()
                .filter(|id| self.is(id, &f))
                .cloned()
                .collect()
        })
    }

    fn count_where(&self, f: impl Fn(&Job) -> bool) -> usize {
        self.lists
            .with_untracked(|l| l.unfinished.iter().filter(|id| self.is(id, &f)).count())
    }

    fn knows_untracked(&self, hashid: &str) -> bool {
        self.lists.with_untracked(|l| l.by_hashid(hashid).is_some())
    }

    /// Puts a job into memory as it is (its card updates at once).
    fn set_memory(&self, job: Job) {
        self.set_memory_all(std::slice::from_ref(&job));
    }

    /// Several jobs into memory, with one change to the lists: a batch of
    /// 20 from Generate notified every list reader 20 times.
    fn set_memory_all(&self, jobs: &[Job]) {
        let mut requeued = false;
        for job in jobs {
            let existing = self.jobs.with_value(|j| j.get(&job.id).copied());
            let was_queued =
                existing.is_some_and(|s| s.with_untracked(|old| old.state == JobState::Queued));
            requeued |= was_queued != (job.state == JobState::Queued);
            let newly_picture = job.state == JobState::Generated
                && existing
                    .is_none_or(|s| s.with_untracked(|old| old.state != JobState::Generated));
            match existing {
                Some(signal) => {
                    signal.maybe_update(|old| {
                        let changed = old != job;
                        if changed {
                            *old = job.clone();
                        }
                        changed
                    });
                }
                None => {
                    let signal = match self.owner.get_value() {
                        Some(owner) => owner.with(|| RwSignal::new(job.clone())),
                        None => RwSignal::new(job.clone()),
                    };
                    self.jobs.update_value(|j| {
                        j.insert(job.id.clone(), signal);
                    });
                }
            }
            if newly_picture && existing.is_some() {
                self.attention.picture(self.visible.get_untracked());
            }
        }
        self.lists.maybe_update(|l| l.put(jobs));
        if requeued {
            self.count_queued();
        }
    }

    /// Takes a copy from the archive or another tab, unless memory holds a
    /// newer one or the job was removed.
    fn take(&self, job: Job) -> bool {
        if self.tombstones.with_value(|t| t.contains(&job.id)) {
            return false;
        }
        let newer = self
            .with_job(&job.id, |mine| job.rev >= mine.rev && job != *mine)
            .unwrap_or(true);
        if newer {
            self.set_memory(job);
        }
        newer
    }

    /// Jobs read from the archive at start: one batch into the lists.
    fn take_loaded(&self, jobs: Vec<Job>) {
        let fresh: Vec<Job> = jobs
            .into_iter()
            .filter(|j| {
                !self.tombstones.with_value(|t| t.contains(&j.id))
                    && self
                        .with_job(&j.id, |mine| j.rev > mine.rev)
                        .unwrap_or(true)
            })
            .collect();
        if fresh.is_empty() {
            return;
        }
        self.jobs.update_value(|map| {
            for job in &fresh {
                match map.get(&job.id) {
                    Some(s) => s.set(job.clone()),
                    None => {
                        map.insert(job.id.clone(), RwSignal::new(job.clone()));
                    }
                }
            }
        });
        self.lists.maybe_update(|l| l.put(fresh.iter()));
        self.count_queued();
    }

    /// The queue as memory now has it; its readers hear only of a change.
    fn count_queued(&self) {
        let now = self.ids_where(|j| j.state == JobState::Queued);
        self.queued.maybe_update(|q| {
            let changed = *q != now;
            if changed {
                *q = now;
            }
            changed
        });
    }

    /// Drops jobs from memory and remembers they are gone.
    fn forget(&self, ids: &[JobId]) {
        self.tombstones
            .update_value(|t| t.extend(ids.iter().cloned()));
        for id in ids {
            self.poller.stop(id);
            self.queue.forget_source(id);
        }
        self.lists.maybe_update(|l| l.remove(ids));
        self.count_queued();
        let gone: Vec<RwSignal<Job>> = self
            .jobs
            .try_update_value(|j| ids.iter().filter_map(|id| j.remove(id)).collect())
            .unwrap_or_default();
        // Disposed a little later: a view being torn down may still read
        // its job once.
        set_timeout(
            move || gone.into_iter().for_each(|s| s.dispose()),
            std::time::Duration::from_secs(10),
        );
    }

    /// Undoes [`JobStore::forget`]: the jobs are back in memory.
    fn unforget(&self, jobs: &[Job]) {
        self.tombstones.update_value(|t| {
            for id in jobs.iter().flat_map(Job::all_ids) {
                t.remove(&id);
            }
        });
        for job in jobs {
            self.set_memory(job.clone());
        }
    }

    // ----- changing a job -----

    /// Applies `f` to a job: in memory at once, then in the archive (in one
    /// transaction, from the stored copy), then tells the other tabs.
    /// Returns the job as it now is, or `None` if there is no such job.
    async fn change(self, id: &JobId, f: impl Fn(&mut Job) + 'static) -> Option<Job> {
        self.change_boxed(id, Rc::new(f)).await
    }

    // One body for every kind of change: the async state machine is
    // compiled once, not once per caller.
    async fn change_boxed(self, id: &JobId, f: Rc<dyn Fn(&mut Job)>) -> Option<Job> {
        let before = self.peek(id)?;
        let mut after = before.clone();
        f(&mut after);
        if after != before {
            self.set_memory(after.clone());
        }
        if !self.archive.is_ready() {
            return Some(self.changed_in_memory(before, after));
        }
        let mine = before.clone();
        let result = self
            .archive
            .update(id, false, move |stored| {
                // Memory is ahead only after a failed write: that wins.
                if mine.is_newer_than(stored) {
                    *stored = mine;
                }
                f(stored);
            })
            .await;
        match result {
            Ok((Updated::Changed(job), _)) => {
                self.take(job.clone());
                announce(&JobsMsg::Changed(vec![job.clone()]));
                Some(job)
            }
            Ok((Updated::Same(job), _)) => {
                self.take(job.clone());
                Some(job)
            }
            Ok((Updated::Missing, _)) => {
                if self.tombstones.with_value(|t| t.contains(id)) {
                    return None;
                }
                // Never stored (the archive was full when it came): store it now.
                let job = self.changed_in_memory(before, after);
                if let Err(e) = self.archive.add(std::slice::from_ref(&job), &[]).await {
                    self.write_failed(e);
                }
                Some(job)
            }
            Ok((Updated::Unreadable, _)) => Some(after),
            Err(e) => {
                self.write_failed(e);
                Some(self.changed_in_memory(before, after))
            }
        }
    }

    /// Without the archive, this tab's copy is the record: its revision
    /// goes up here, and the other tabs hear of it.
    fn changed_in_memory(&self, before: Job, mut after: Job) -> Job {
        if after != before {
            after.rev = before.rev + 1;
            self.set_memory(after.clone());
            announce(&JobsMsg::Changed(vec![after.clone()]));
        }
        after
    }

    fn write_failed(&self, e: IdbError) {
        match e {
            IdbError::Full => self.full.set(true),
            IdbError::Unavailable | IdbError::Blocked | IdbError::Failed(_) => {
                if self.archive.state.get_untracked() == ArchiveState::Ready {
                    self.archive.state.set(ArchiveState::Unavailable(e));
                }
            }
        }
    }

    /// Claims a queued job for sending: succeeds in exactly one tab.
    /// Returns the claimed job and its image-to-image source, if stored.
    async fn claim(self, id: &JobId) -> Option<(Job, Option<String>)> {
        let now = now_ms();
        let claimed = |j: &Job| j.state == JobState::Submitting && j.submitted_at == Some(now);
        if self.archive.is_ready() {
            match self
                .archive
                .update(id, true, move |j| j.submitting(now))
                .await
            {
                Ok((Updated::Changed(job), source)) if claimed(&job) => {
                    self.take(job.clone());
                    announce(&JobsMsg::Changed(vec![job.clone()]));
                    return Some((job, source));
                }
                Ok((Updated::Changed(job) | Updated::Same(job), _)) => {
                    self.take(job);
                    return None;
                }
                Ok((Updated::Unreadable, _)) => return None,
                // Not in the archive (it was full): this tab's memory is
                // the record, and only the leader sends.
                Ok((Updated::Missing, _)) | Err(_) => {}
            }
        }
        let job = self.change(id, move |j| j.submitting(now)).await?;
        claimed(&job).then_some((job, None))
    }

    // ----- the leader's work -----

    fn may_work(&self) -> bool {
        self.leadership.is_leader.get_untracked()
            && self.settings.has_key_untracked()
            && self.key_refused.get_untracked().is_none()
            && self.online.get_untracked()
            && (self.visible.get_untracked() || self.may_work_hidden())
    }

    /// Hidden pages work only when the user asked to be notified of
    /// finished images (then slowly, see the poller).
    fn may_work_hidden(&self) -> bool {
        self.settings.notify_untracked()
            && super::notify::permission() == super::notify::Permission::Granted
    }

    fn may_poll(&self) -> bool {
        self.may_work()
    }

    fn may_send(&self) -> bool {
        self.may_work()
    }

    fn visible_untracked(&self) -> bool {
        self.visible.get_untracked()
    }

    fn client(&self) -> Result<Client, ApiError> {
        self.settings.client_untracked()
    }

    fn pump(self) {
        self.queue.pump(self);
    }

    fn reconcile(self, ids: Vec<JobId>) {
        self.reconciler.look_for(self, ids);
    }

    /// After a job changed (here or in another tab): the leader follows
    /// it, or stops following it.
    fn react(self, id: &JobId) {
        if self.leadership.is_leader.get_untracked() {
            self.poller.follow(self, id);
        }
    }

    /// The server refused the key: every job waits for a new one, and
    /// says so on its card.
    fn key_refused(self, error: ApiError) {
        self.key_refused
            .set(Some(self.settings.key_epoch_untracked()));
        self.poller.stop_all();
        for id in self.ids_where(|j| j.state.is_pending_on_server() || j.state == JobState::Queued)
        {
            let error = error.clone();
            self.spawn(async move {
                self.change(&id, move |j| j.needs_key(error.clone())).await;
            });
        }
    }

    /// A job of ours finished with a picture. What follows waits for a
    /// task of its own: the answer's task already moves the job from the
    /// list of work to the gallery (with 50 jobs in flight, the two
    /// together made tasks over 50 ms at 4x CPU slowdown).
    fn finished(self, job: &Job) {
        let job = job.clone();
        self.spawn(async move {
            gloo_timers::future::TimeoutFuture::new(0).await;
            self.durations.learn(self.archive, &job);
            self.attention
                .notify(self.settings, &job, self.visible.get_untracked());
            self.keep_if_wanted(&job.id);
        });
    }

    /// The server has the source now: the archive's copy goes. Memory
    /// keeps it for this session ("Variations" of an image-to-image job).
    fn drop_source(self, id: &JobId) {
        let id = id.clone();
        self.spawn(async move {
            let _ = self.archive.drop_source(&id).await;
        });
    }

    /// Sends what is queued, follows what is pending, and looks for jobs
    /// whose generate answer was lost (the last leader's, or this tab's
    /// before a reload). Idempotent.
    fn resume(self) {
        if !self.may_work() {
            self.poller.stop_all();
            return;
        }
        let lost = self.ids_where(|j| j.state == JobState::Submitting);
        if !lost.is_empty() {
            self.reconcile(lost);
        }
        self.pump();
        self.poller.follow_all(self);
    }

    /// Reads the unfinished jobs back from the archive: memory may miss
    /// the last changes of a leader that just went away.
    async fn refresh_unfinished(self) {
        if !self.archive.is_ready() {
            return;
        }
        for id in self.ids_where(|_| true) {
            if let Ok((Updated::Same(job), _)) = self.archive.update(&id, false, |_| {}).await {
                self.take(job);
            }
        }
    }

    // ----- start and the other tabs -----

    async fn load(self) {
        if self.archive.open().await.is_err() {
            // Memory only: the other tabs share what they have.
            announce(&JobsMsg::WantAll);
            self.first_screen.set(true);
            self.loaded.set(true);
            return;
        }
        self.migrate().await;
        if let Ok(dead) = self.archive.tombstones().await {
            self.tombstones.update_value(|t| t.extend(dead));
        }
        self.durations.load(self.archive).await;
        if let Ok((recent, _)) = self.archive.recent(FIRST_SCREEN).await {
            self.take_loaded(recent);
        }
        self.first_screen.set(true);
        let mut after = None;
        loop {
            // Each page in a task of its own: the page stays responsive.
            gloo_timers::future::TimeoutFuture::new(0).await;
            match self.archive.page(after, PAGE).await {
                Ok((jobs, unreadable, next)) => {
                    self.take_loaded(jobs);
                    if unreadable > 0 {
                        self.unreadable.update(|n| *n += unreadable);
                    }
                    match next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
                Err(_) => break,
            }
        }
        self.loaded.set(true);
    }

    /// Moves the jobs of an earlier version (one localStorage value) into
    /// the archive. The old value goes only once the move is committed,
    /// and only if no tab of the old version rewrote it meanwhile.
    async fn migrate(&self) {
        let Some(raw) = storage::get_raw(Area::Local, OLD_JOBS_KEY) else {
            return;
        };
        if self.archive.migrate(&raw, now_ms()).await.is_ok()
            && storage::get_raw(Area::Local, OLD_JOBS_KEY).as_deref() == Some(raw.as_str())
        {
            storage::remove(Area::Local, OLD_JOBS_KEY);
        }
    }

    fn on_message(self, msg: JobsMsg) {
        match msg {
            JobsMsg::Changed(jobs) => {
                let leading = self.leadership.is_leader.get_untracked();
                for job in jobs {
                    let id = job.id.clone();
                    if self.take(job) && leading {
                        self.poller.follow(self, &id);
                    }
                }
                if leading {
                    self.pump();
                }
            }
            JobsMsg::Removed(ids) => self.forget(&ids),
            JobsMsg::Restored(jobs) => self.unforget(&jobs),
            JobsMsg::Durations(stats) => self.durations.take(stats),
            JobsMsg::Sources(sources) => {
                self.queue.keep_sources(sources);
                self.pump();
            }
            JobsMsg::WantAll => {
                let all: Vec<Job> = self
                    .lists
                    .with_untracked(|l| l.all.iter().filter_map(|id| self.peek(id)).collect());
                if !all.is_empty() {
                    let sources: Vec<(JobId, String)> = all
                        .iter()
                        .filter(|j| j.state == JobState::Queued)
                        .filter_map(|j| self.queue.source(&j.id).map(|s| (j.id.clone(), s)))
                        .collect();
                    announce(&JobsMsg::Changed(all));
                    if !sources.is_empty() {
                        announce(&JobsMsg::Sources(sources));
                    }
                }
            }
        }
    }
}

fn new_id(now: f64) -> JobId {
    JobId(format!(
        "{:x}-{:08x}",
        now as u64,
        (random() * u32::MAX as f64) as u32
    ))
}
