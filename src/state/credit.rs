//! Credit, always in sight: the balance (read when the app starts with a
//! key, by "Check connection", and again after jobs finish: at most once
//! per 5 s, whatever the number of jobs), what each job sent from this
//! page cost, what this session spent, and recent costs of one picture by
//! model, size and steps (kept on this device) for the next batch's
//! estimate. The arithmetic is `domain::credit`'s; jobs are only read,
//! through the job store's public signals.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::jobs::JobStore;
use super::now_ms;
use super::settings::{KeyEpoch, SettingsStore};
use super::storage::{self, Area};
use crate::domain::credit::{self, CostBook, CostKey, JobCost, Reading, Span};
use crate::domain::job::{JobId, JobState};

/// The balance is read again at most this often.
const MIN_GAP_MS: f64 = 5_000.0;
/// A job cancelled (or given up on) after the server accepted it may still
/// be charged: its span stays open this long after.
const LATE_CHARGE_MS: f64 = 120_000.0;
/// Readings kept (a session rarely has more).
const READINGS: usize = 500;
const BOOK_KEY: &str = "credit-costs";

/// Which account readings belong to: a new key or base URL starts over.
type Account = (String, Option<KeyEpoch>);

#[derive(Clone, Copy)]
pub struct CreditStore {
    settings: SettingsStore,
    jobs: JobStore,
    readings: RwSignal<Vec<Reading>>,
    account: StoredValue<Option<Account>>,
    costs: RwSignal<HashMap<JobId, JobCost>>,
    spent: RwSignal<Option<f64>>,
    book: RwSignal<CostBook>,
    /// Jobs seen unfinished on this page: the ones whose cost may be known.
    watched: StoredValue<HashSet<JobId>>,
    /// Groups already learned from (by their jobs).
    learned: StoredValue<HashSet<Vec<JobId>>>,
    last_read: StoredValue<f64>,
    in_flight: StoredValue<bool>,
    /// Another job finished while a read was on its way or waiting.
    again: StoredValue<bool>,
    timer_set: StoredValue<bool>,
}

impl CreditStore {
    pub fn start(settings: SettingsStore, jobs: JobStore) -> CreditStore {
        let store = CreditStore {
            settings,
            jobs,
            readings: RwSignal::new(Vec::new()),
            account: StoredValue::new(None),
            costs: RwSignal::new(HashMap::new()),
            spent: RwSignal::new(None),
            book: RwSignal::new(storage::get(Area::Local, BOOK_KEY).unwrap_or_default()),
            watched: StoredValue::new(HashSet::new()),
            learned: StoredValue::new(HashSet::new()),
            last_read: StoredValue::new(f64::NEG_INFINITY),
            in_flight: StoredValue::new(false),
            again: StoredValue::new(false),
            timer_set: StoredValue::new(false),
        };
        // Jobs that leave the unfinished list have finished (or were
        // removed): read the balance again.
        let unfinished = Memo::new(move |_| {
            jobs.with_lists(|l| l.unfinished.iter().cloned().collect::<HashSet<JobId>>())
        });
        Effect::new(move |before: Option<HashSet<JobId>>| {
            let now = unfinished.get();
            store
                .watched
                .update_value(|w| w.extend(now.iter().cloned()));
            if before.is_some_and(|b| b.iter().any(|id| !now.contains(id))) {
                store.recompute();
                store.read_soon();
            }
            now
        });
        if settings.has_key_untracked() {
            store.read_soon();
        }
        store
    }

    // ----- what views read (each tracks) -----

    /// The balance as last read, if it is this account's and a number.
    pub fn balance(&self) -> Option<f64> {
        let current = self.current_account();
        if self.account.with_value(|a| a.as_ref() != Some(&current)) {
            return None;
        }
        self.readings.with(|r| credit::balance(r))
    }

    pub fn balance_untracked(&self) -> Option<f64> {
        untrack(|| self.balance())
    }

    /// Whether the balance was read (for this account) at all.
    pub fn known(&self) -> bool {
        let current = self.current_account();
        self.readings.with(|r| !r.is_empty())
            && self.account.with_value(|a| a.as_ref() == Some(&current))
    }

    /// What this page's jobs spent, by this session's readings.
    pub fn spent(&self) -> Option<f64> {
        self.spent.get()
    }

    /// A job's cost, when this page saw it run.
    pub fn cost(&self, id: &JobId) -> Option<JobCost> {
        self.costs.with(|c| c.get(id).cloned())
    }

    /// The recent cost of one picture like this.
    pub fn per_picture(&self, key: &CostKey) -> Option<f64> {
        self.book.with(|b| b.per_picture(key))
    }

    // ----- what happens -----

    /// A balance read elsewhere ("Check connection").
    pub fn record(&self, reading: Reading) {
        let account = untrack(|| self.current_account());
        if self.account.get_value().as_ref() != Some(&account) {
            // Another key or API: its readings tell nothing about this one.
            self.readings.set(Vec::new());
            self.account.set_value(Some(account));
        }
        self.last_read
            .update_value(|last| *last = last.max(reading.sent));
        self.readings.update(|r| {
            r.push(reading);
            if r.len() > READINGS {
                r.remove(0);
            }
        });
        self.recompute();
    }

    fn current_account(&self) -> Account {
        (self.settings.base_url(), self.settings.key_epoch())
    }

    /// Reads the balance now, or as soon as 5 s have passed since the last
    /// read; finishes arriving meanwhile share that one read.
    fn read_soon(self) {
        if self.in_flight.get_value() || self.timer_set.get_value() {
            self.again.set_value(true);
            return;
        }
        let wait = self.last_read.get_value() + MIN_GAP_MS - now_ms();
        if wait > 0.0 {
            self.timer_set.set_value(true);
            set_timeout(
                move || {
                    if self.timer_set.try_set_value(false).is_none() {
                        self.read_now();
                    }
                },
                Duration::from_millis(wait.ceil() as u64),
            );
        } else {
            self.read_now();
        }
    }

    fn read_now(self) {
        let Ok(client) = self.settings.client_untracked() else {
            return;
        };
        if !client.has_key() {
            return;
        }
        self.again.set_value(false);
        self.in_flight.set_value(true);
        let sent = now_ms();
        self.last_read.set_value(sent);
        spawn_local(async move {
            let answer = client.details().await;
            let got = now_ms();
            if self.in_flight.try_set_value(false).is_some() {
                // The store is gone (the app was unmounted).
                return;
            }
            // No answer, or a refusal, says nothing about the balance.
            if let Ok(details) = answer {
                self.record(Reading {
                    sent,
                    got,
                    balance: details.credit,
                });
            }
            if self.again.try_get_value() == Some(true) {
                self.read_soon();
            }
        });
    }

    /// Works each watched job's cost out again, and learns what pictures
    /// cost from groups of alike jobs.
    fn recompute(&self) {
        let spans: Vec<Span> = self.watched.with_value(|ids| {
            ids.iter()
                .filter_map(|id| {
                    let job = self.jobs.job(id)?;
                    job.try_with_untracked(|j| {
                        let sent = j.submitted_at?;
                        let late = matches!(j.state, JobState::Cancelled | JobState::TimedOut)
                            && j.hashid.is_some();
                        let ended = j
                            .state
                            .is_final()
                            .then_some(j.finished_at)
                            .flatten()
                            .map(|t| if late { t + LATE_CHARGE_MS } else { t });
                        Some(Span {
                            id: j.id.clone(),
                            key: CostKey::of(&j.request),
                            sent,
                            ended,
                        })
                    })
                    .flatten()
                })
                .collect()
        });
        let (groups, spent) = self
            .readings
            .with_untracked(|r| (credit::attribute(r, &spans), credit::spent(r, &spans)));
        if self.spent.get_untracked() != spent {
            self.spent.set(spent);
        }
        let mut learned_any = false;
        for group in &groups {
            let Some((key, each)) = group.per_picture() else {
                continue;
            };
            let mut ids = group.jobs.clone();
            ids.sort();
            if self.learned.with_value(|l| l.contains(&ids)) {
                continue;
            }
            self.learned.update_value(|l| {
                l.insert(ids);
            });
            self.book.update(|b| b.learn(key, each));
            learned_any = true;
        }
        if learned_any {
            let _ = self
                .book
                .with_untracked(|b| storage::set(Area::Local, BOOK_KEY, b));
        }
        let costs = credit::per_job(&groups);
        if self.costs.with_untracked(|c| *c != costs) {
            self.costs.set(costs);
        }
    }
}
