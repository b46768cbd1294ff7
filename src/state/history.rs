//! The account's past jobs from the server's list endpoint, page by page.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::settings::SettingsStore;
use crate::api::{ApiError, JobRecord};

pub const PAGE: u32 = 20;

#[derive(Clone, Copy)]
pub struct HistoryStore {
    pub entries: RwSignal<Vec<JobRecord>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    /// Set once a page came back shorter than asked: nothing more to load.
    pub exhausted: RwSignal<bool>,
    pub loaded_once: RwSignal<bool>,
    /// Bumped by `reset`: a page asked for before it (the last key's, or
    /// the last API's) is dropped when it comes, not added to the new list.
    generation: StoredValue<u64>,
}

impl HistoryStore {
    pub fn new() -> HistoryStore {
        HistoryStore {
            entries: RwSignal::new(Vec::new()),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            exhausted: RwSignal::new(false),
            loaded_once: RwSignal::new(false),
            generation: StoredValue::new(0),
        }
    }

    /// Forgets what was loaded (another key, another account), and any
    /// page still on its way.
    pub fn reset(&self) {
        self.generation.update_value(|g| *g += 1);
        self.loading.set(false);
        self.entries.set(Vec::new());
        self.error.set(None);
        self.exhausted.set(false);
        self.loaded_once.set(false);
    }

    /// Loads the first page again (`fresh`) or the next one.
    /// `absorb` gets each page, so local jobs catch up with the server.
    pub fn load(
        self,
        settings: SettingsStore,
        fresh: bool,
        absorb: impl Fn(&[JobRecord]) + 'static,
    ) {
        if self.loading.get_untracked() {
            return;
        }
        let client = match settings.client_untracked() {
            Ok(c) => c,
            Err(e) => {
                self.error.set(Some(e));
                return;
            }
        };
        let start = if fresh {
            1
        } else {
            self.entries.with_untracked(Vec::len) as u32 + 1
        };
        self.loading.set(true);
        self.error.set(None);
        let generation = self.generation.get_value();
        spawn_local(async move {
            let result = client.list(start, PAGE).await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match result {
                Ok(page) => {
                    absorb(&page);
                    let short = (page.len() as u32) < PAGE;
                    self.entries.try_update(|entries| {
                        if fresh {
                            entries.clear();
                        }
                        merge_page(entries, page);
                    });
                    self.exhausted.try_set(short);
                    self.loaded_once.try_set(true);
                }
                Err(e) => {
                    self.error.try_set(Some(e));
                }
            }
            self.loading.try_set(false);
        });
    }
}

impl Default for HistoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends a page, skipping entries already listed (new jobs shift the
/// pages while the user reads them).
pub fn merge_page(entries: &mut Vec<JobRecord>, page: Vec<JobRecord>) {
    for record in page {
        if let Some(existing) = entries.iter_mut().find(|e| e.hashid == record.hashid) {
            *existing = record;
        } else {
            entries.push(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(h: &str, status: &str) -> JobRecord {
        JobRecord {
            hashid: h.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn pages_merge_without_duplicates() {
        let mut e = vec![rec("a", "generated"), rec("b", "created")];
        merge_page(&mut e, vec![rec("b", "generated"), rec("c", "generated")]);
        assert_eq!(
            e.iter().map(|r| r.hashid.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(e[1].status, "generated");
    }
}
