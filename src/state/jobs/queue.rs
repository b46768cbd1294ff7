//! Sending queued jobs: oldest first, at most "jobs at once" on their way,
//! each exactly once. Only the leading tab sends, and before it sends it
//! claims the job in the archive (queued → sending, in one transaction):
//! if another tab claimed it first, the claim fails and nothing is sent.
//! Image-to-image sources wait beside their jobs (in the archive, and in
//! the memory of the tab that made them) until the server accepts them.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use super::JobStore;
use crate::api::{ApiError, JobType};
use crate::domain::job::{JobId, JobState};
use crate::state::now_ms;

#[derive(Clone, Copy)]
pub(super) struct Queue {
    /// Claims on their way (not yet answered by the archive).
    claiming: StoredValue<HashSet<JobId>>,
    /// Sources of image-to-image jobs made or heard of in this tab.
    sources: StoredValue<HashMap<JobId, String>>,
}

impl Queue {
    pub fn new() -> Queue {
        Queue {
            claiming: StoredValue::new(HashSet::new()),
            sources: StoredValue::new(HashMap::new()),
        }
    }

    pub fn keep_sources(&self, sources: impl IntoIterator<Item = (JobId, String)>) {
        self.sources.update_value(|s| s.extend(sources));
    }

    pub fn source(&self, id: &JobId) -> Option<String> {
        self.sources.with_value(|s| s.get(id).cloned())
    }

    pub fn forget_source(&self, id: &JobId) {
        self.sources.update_value(|s| {
            s.remove(id);
        });
    }

    /// Sends queued jobs while fewer than the allowed number are on their way.
    pub fn pump(self, store: JobStore) {
        if !store.may_send() {
            return;
        }
        let limit = store.settings.max_in_flight_untracked().max(1) as usize;
        let claiming = self.claiming.with_value(HashSet::len);
        let sending = store.count_where(|j| j.state == JobState::Submitting) + claiming;
        if sending >= limit {
            return;
        }
        let mut queued = store.ids_where(|j| j.state == JobState::Queued);
        // Oldest first (the lists are newest first).
        queued.reverse();
        let next: Vec<JobId> = queued
            .into_iter()
            .filter(|id| !self.claiming.with_value(|c| c.contains(id)))
            .take(limit - sending)
            .collect();
        for id in next {
            self.claiming.update_value(|c| {
                c.insert(id.clone());
            });
            store.spawn(self.send(store, id));
        }
    }

    async fn send(self, store: JobStore, id: JobId) {
        let claimed = store.claim(&id).await;
        self.claiming.try_update_value(|c| {
            c.remove(&id);
        });
        let Some((job, stored_source)) = claimed else {
            self.pump(store);
            return;
        };
        let mut request = job.request.clone();
        if request.kind == JobType::Image2Image {
            request.image = stored_source.or_else(|| self.source(&id));
            if request.image.is_none() {
                let now = now_ms();
                store.change(&id, move |j| j.source_lost(now)).await;
                self.pump(store);
                return;
            }
        }
        let result = match store.client() {
            Ok(client) => client.generate(&request).await,
            Err(e) => Err(e),
        };
        let now = now_ms();
        match result {
            Ok(record) => {
                store.change(&id, move |j| j.accepted(&record, now)).await;
                store.drop_source(&id);
            }
            // No answer at all: the server may have the job anyway (the
            // connection broke). Look in its list rather than resend.
            Err(e @ (ApiError::Network(_) | ApiError::Timeout(_))) => {
                store
                    .change(&id, move |j| j.last_error = Some(e.clone()))
                    .await;
                store.reconcile(vec![id.clone()]);
            }
            Err(e @ ApiError::Unauthorized(_)) => {
                // Back in the queue, waiting for a key that works.
                let refused = e.clone();
                store.change(&id, move |j| j.rejected(e.clone(), now)).await;
                store.key_refused(refused);
            }
            Err(e) => {
                store.change(&id, move |j| j.rejected(e.clone(), now)).await;
            }
        }
        store.react(&id);
        self.pump(store);
    }
}
