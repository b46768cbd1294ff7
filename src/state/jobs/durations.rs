//! How long jobs take, learned from finished ones per model and size:
//! what the poller's first question and the cards' "time left" go by.
//! Learned by the leading tab (the one that sees jobs finish), saved in
//! the archive, and shared with the other tabs.

use leptos::prelude::*;

use super::archive::Archive;
use super::tabs::{announce, JobsMsg};
use crate::api::GenerateRequest;
use crate::domain::job::Job;
use crate::domain::poll::DurationStats;

#[derive(Clone, Copy)]
pub(super) struct Durations {
    stats: RwSignal<DurationStats>,
}

fn kind(request: &GenerateRequest) -> String {
    DurationStats::kind_key(&request.model, request.width, request.height)
}

impl Durations {
    pub fn new() -> Durations {
        Durations {
            stats: RwSignal::new(DurationStats::default()),
        }
    }

    /// The learned time from submission to image for a job like this one.
    pub fn expected_untracked(&self, request: &GenerateRequest) -> Option<f64> {
        self.stats.with_untracked(|s| s.expected_ms(&kind(request)))
    }

    pub async fn load(&self, archive: Archive) {
        if let Ok(Some(stats)) = archive.durations().await {
            self.stats.set(stats);
        }
    }

    /// Another tab learned something.
    pub fn take(&self, stats: DurationStats) {
        if self.stats.with_untracked(|s| *s != stats) {
            self.stats.set(stats);
        }
    }

    /// A job finished well: learn from it, save, tell the other tabs.
    pub fn learn(&self, archive: Archive, job: &Job) {
        let Some(d) = job.duration_ms() else { return };
        self.stats.update(|s| s.record(&kind(&job.request), d));
        let stats = self.stats.get_untracked();
        announce(&JobsMsg::Durations(stats.clone()));
        leptos::task::spawn_local(async move {
            // Best effort: the schedule works without, only less sharply.
            let _ = archive.save_durations(&stats).await;
        });
    }
}
