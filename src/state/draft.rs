//! The form's draft: every field, kept across reloads.

use leptos::prelude::*;

use super::storage::{self, Area};
use crate::domain::params::Draft;

const DRAFT_KEY: &str = "draft";

#[derive(Clone, Copy)]
pub struct DraftStore {
    pub draft: RwSignal<Draft>,
    /// Field errors are shown once the user has tried to generate.
    pub show_errors: RwSignal<bool>,
}

impl DraftStore {
    pub fn load() -> DraftStore {
        let draft = storage::get(Area::Local, DRAFT_KEY).unwrap_or_default();
        let store = DraftStore {
            draft: RwSignal::new(draft),
            show_errors: RwSignal::new(false),
        };
        Effect::new(move |_| {
            // Best effort: if storage is unavailable the draft lives in memory.
            let _ = store
                .draft
                .with(|d| storage::set(Area::Local, DRAFT_KEY, d));
        });
        store
    }

    pub fn edit(&self, f: impl FnOnce(&mut Draft)) {
        self.draft.update(f);
    }
}
