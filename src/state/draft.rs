//! The form's draft: every field, kept across reloads.

use leptos::prelude::*;

use super::storage::{self, Area};
use crate::api::ImageConfig;
use crate::domain::params::Draft;
use crate::domain::share::{self, ShareError};

const DRAFT_KEY: &str = "draft";

#[derive(Clone, Copy)]
pub struct DraftStore {
    pub draft: RwSignal<Draft>,
    /// Field errors are shown once the user has tried to generate.
    pub show_errors: RwSignal<bool>,
    /// What opening a share link did: filled the form, or why not.
    pub shared: RwSignal<Option<Result<(), ShareError>>>,
}

impl DraftStore {
    pub fn load() -> DraftStore {
        let draft = storage::get(Area::Local, DRAFT_KEY).unwrap_or_default();
        let store = DraftStore {
            draft: RwSignal::new(draft),
            show_errors: RwSignal::new(false),
            shared: RwSignal::new(None),
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

    /// Puts a past job's settings into the form ("reuse settings"), kept
    /// only where the current config still offers them.
    pub fn reuse(&self, request: &crate::api::GenerateRequest, config: &ImageConfig) {
        let mut d = Draft::from_request(request, config);
        d.adapt_to(config);
        self.draft.set(d);
        self.show_errors.set(false);
    }

    /// Opens a share link's fragment: fills the form (nothing is sent) and
    /// removes the fragment, so a reload does not undo later edits. Only
    /// generation parameters are read from a URL, never settings.
    pub fn open_share_link(&self, fragment: &str) {
        match share::decode(fragment) {
            Ok(request) => {
                let d = Draft::from_request(&request, &ImageConfig::default());
                self.draft.set(d);
                self.shared.set(Some(Ok(())));
            }
            Err(ShareError::NoParameters) => return,
            Err(e) => self.shared.set(Some(Err(e))),
        }
        let location = window().location();
        let path = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }
}
