//! Answers that were lost: a generate request that got no answer (the
//! connection broke, the page closed, the tab that sent it went away) may
//! still have reached the server. Such jobs are looked for in the
//! server's recent list, by their parameters, and adopted when found;
//! only after a while without finding them do they count as interrupted.
//! They are never sent again by themselves.

use std::collections::HashSet;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::JobStore;
use crate::domain::job::{JobId, JobState};
use crate::state::now_ms;

/// The cut-off request may still reach the server for this long.
const WINDOW_MS: f64 = 20_000.0;
const RETRY_MS: u32 = 4_000;
/// How much of the server's list is searched.
const RECENT: u32 = 50;

#[derive(Clone, Copy)]
pub(super) struct Reconciler {
    looking_for: StoredValue<HashSet<JobId>>,
    timer: StoredValue<Option<Timeout>, LocalStorage>,
    busy: StoredValue<bool>,
}

impl Reconciler {
    pub fn new() -> Reconciler {
        Reconciler {
            looking_for: StoredValue::new(HashSet::new()),
            timer: StoredValue::new_local(None),
            busy: StoredValue::new(false),
        }
    }

    pub fn stop(&self) {
        self.timer.try_set_value(None);
    }

    pub fn is_active(&self) -> bool {
        self.timer.with_value(Option::is_some) || self.busy.get_value()
    }

    /// Starts looking for these jobs (if not already).
    pub fn look_for(self, store: JobStore, ids: Vec<JobId>) {
        self.looking_for.update_value(|l| l.extend(ids));
        if !self.is_active() {
            self.look(store);
        }
    }

    fn look(self, store: JobStore) {
        self.timer.set_value(None);
        if !store.may_send() {
            return;
        }
        let Ok(client) = store.client() else { return };
        self.busy.set_value(true);
        store.spawn(async move {
            let recent = client.list(1, RECENT).await;
            self.busy.try_set_value(false);
            let now = now_ms();
            let ids: Vec<JobId> = self
                .looking_for
                .try_get_value()
                .unwrap_or_default()
                .into_iter()
                .collect();
            for id in ids {
                let job = store.peek(&id).filter(|j| j.state == JobState::Submitting);
                let Some(job) = job else {
                    self.looking_for.update_value(|l| {
                        l.remove(&id);
                    });
                    continue;
                };
                let found = recent.as_ref().ok().and_then(|recent| {
                    recent
                        .iter()
                        .find(|r| !store.knows_untracked(&r.hashid) && job.matches_record(r))
                        .cloned()
                });
                if found.is_none() && now - job.watch_start() < WINDOW_MS {
                    continue;
                }
                self.looking_for.update_value(|l| {
                    l.remove(&id);
                });
                store
                    .change(&id, move |j| j.reconcile(found.as_ref(), now))
                    .await;
                store.react(&id);
            }
            if self.looking_for.with_value(|l| !l.is_empty()) {
                let timer = Timeout::new(RETRY_MS, move || self.look(store));
                self.timer.set_value(Some(timer));
            }
            store.pump();
        });
    }
}
