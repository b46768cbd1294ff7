//! The server's image config, which the whole form is built from.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::settings::SettingsStore;
use crate::api::{ApiError, ImageConfig};

#[derive(Clone, Copy)]
pub struct ConfigStore {
    pub config: RwSignal<Option<ImageConfig>>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    /// Counts loads so that a slow, older answer never overwrites a newer one.
    generation: StoredValue<u64>,
}

impl ConfigStore {
    pub fn new() -> ConfigStore {
        ConfigStore {
            config: RwSignal::new(None),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            generation: StoredValue::new(0),
        }
    }

    pub fn load(self, settings: SettingsStore) {
        let client = match settings.client_untracked() {
            Ok(c) if c.has_key() => c,
            Ok(_) => return,
            Err(e) => {
                self.error.set(Some(e));
                return;
            }
        };
        self.generation.update_value(|g| *g += 1);
        let generation = self.generation.get_value();
        self.loading.set(true);
        self.error.set(None);
        spawn_local(async move {
            let result = client.config().await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match result {
                Ok(config) => {
                    self.config.try_set(Some(config));
                }
                // Keep a config that loaded before: the form stays usable.
                Err(e) => {
                    self.error.try_set(Some(e));
                }
            }
            self.loading.try_set(false);
        });
    }
}

impl Default for ConfigStore {
    fn default() -> Self {
        Self::new()
    }
}
