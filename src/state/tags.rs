//! The tag list for prompt completion: fetched the first time a prompt
//! field is focused (never part of the first load; the service worker
//! keeps it after that), then held in memory for matching.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::tags::{Suggestion, TagIndex, TagReader};

/// Beside index.html in every build (see index.html and scripts/build-tags.py).
const TAGS_URL: &str = "tags.txt";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagStatus {
    /// Not asked for yet.
    Idle,
    Loading,
    Ready,
    /// Did not load: completion is off, the fields work as before. The
    /// next focus tries again.
    Failed,
}

#[derive(Clone, Copy)]
pub struct TagStore {
    pub status: RwSignal<TagStatus>,
    index: StoredValue<Option<Rc<TagIndex>>, LocalStorage>,
    matches: StoredValue<u32>,
}

/// The User Timing measure of one keystroke's matching.
const MATCH: &str = "kamiya-tags-match";
const MATCH_START: &str = "kamiya-tags-match-start";

impl TagStore {
    pub fn new() -> TagStore {
        TagStore {
            status: RwSignal::new(TagStatus::Idle),
            index: StoredValue::new_local(None),
            matches: StoredValue::new(0),
        }
    }

    /// Starts loading the list unless it is there or on its way.
    pub fn ensure_loaded(self) {
        if matches!(
            self.status.get_untracked(),
            TagStatus::Loading | TagStatus::Ready
        ) {
            return;
        }
        self.status.set(TagStatus::Loading);
        spawn_local(async move {
            let index = fetch_index().await;
            let status = if index.is_some() {
                if let Some(p) = window().performance() {
                    let _ = p.mark("kamiya-tags-ready");
                }
                TagStatus::Ready
            } else {
                TagStatus::Failed
            };
            self.index.try_set_value(index.map(Rc::new));
            self.status.try_set(status);
        });
    }

    /// The tags matching what is typed, most used first; none until the
    /// list is there.
    pub fn suggest(&self, typed: &str, limit: usize) -> Vec<Suggestion> {
        // Timed as a User Timing measure, for scripts/bench.sh.
        let perf = window().performance();
        if let Some(p) = &perf {
            let _ = p.mark(MATCH_START);
        }
        let found = self
            .index
            .with_value(|i| i.as_ref().map(|i| i.suggest(typed, limit)))
            .unwrap_or_default();
        if let Some(p) = &perf {
            let _ = p.measure_with_start_mark(MATCH, MATCH_START);
            p.clear_marks_with_mark_name(MATCH_START);
            // A long session keeps the newest measures only.
            self.matches.update_value(|n| *n += 1);
            if self.matches.get_value().is_multiple_of(200) {
                p.clear_measures_with_measure_name(MATCH);
            }
        }
        found
    }
}

impl Default for TagStore {
    fn default() -> Self {
        Self::new()
    }
}

async fn fetch_index() -> Option<TagIndex> {
    let response = gloo_net::http::Request::get(TAGS_URL).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    // A static host answers a missing file with its index page: that is
    // no tag list either, and parsing says so.
    let mut reader = TagReader::new(response.text().await.ok()?);
    // 3,000 lines take about 10 ms at 4x CPU slowdown: typing goes on
    // while the list is read.
    while !reader.read(3_000) {
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
    reader.finish().ok()
}
