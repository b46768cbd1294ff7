//! Settings: where the API is, the key and where it is kept, the language.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::storage::{self, Area};
use crate::api::{normalize_base_url, ApiError, BaseUrlProblem, Client};
use crate::i18n::Lang;

/// The API base URL when the user has not set one. A deployment can pick
/// another at build time (`KAMIYA_API_BASE=… trunk build`); nothing in a
/// page URL can change it.
pub const DEFAULT_BASE_URL: &str = match option_env!("KAMIYA_API_BASE") {
    Some(url) => url,
    None => "https://p0.kamiya.dev",
};

pub const DEFAULT_MAX_IN_FLIGHT: u32 = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyPlace {
    /// localStorage: survives closing the browser.
    #[default]
    Device,
    /// sessionStorage: forgotten when the tab closes.
    Tab,
}

/// What is stored in localStorage. The key is never in here: it has its
/// own entry in the place the user chose. `lang` and `theme` are also read
/// by the small script in index.html before the first paint: keep their
/// names and values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Stored {
    base_url: String,
    key_place: KeyPlace,
    lang: Option<Lang>,
    max_in_flight: u32,
    notify: bool,
    /// `None` follows the system; `"light"` or `"dark"` overrides it.
    theme: Option<String>,
}

impl Default for Stored {
    fn default() -> Self {
        Stored {
            base_url: DEFAULT_BASE_URL.into(),
            key_place: KeyPlace::Device,
            lang: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            notify: false,
            theme: None,
        }
    }
}

const SETTINGS_KEY: &str = "settings";
const API_KEY_KEY: &str = "api-key";

#[derive(Clone, Copy)]
pub struct SettingsStore {
    pub base_url: RwSignal<String>,
    pub key: RwSignal<String>,
    pub key_place: RwSignal<KeyPlace>,
    /// `None` follows the browser's language.
    pub lang_choice: RwSignal<Option<Lang>>,
    pub max_in_flight: RwSignal<u32>,
    /// Notify when images finish while the page is hidden.
    pub notify: RwSignal<bool>,
    pub theme: RwSignal<Option<String>>,
    /// Set when the settings could not be saved.
    pub storage_error: RwSignal<bool>,
}

impl SettingsStore {
    pub fn load() -> SettingsStore {
        let stored: Stored = storage::get(Area::Local, SETTINGS_KEY).unwrap_or_default();
        let key = match stored.key_place {
            KeyPlace::Device => storage::get_raw(Area::Local, API_KEY_KEY),
            KeyPlace::Tab => storage::get_raw(Area::Session, API_KEY_KEY),
        }
        .unwrap_or_default();
        let store = SettingsStore {
            base_url: RwSignal::new(stored.base_url),
            key: RwSignal::new(key),
            key_place: RwSignal::new(stored.key_place),
            lang_choice: RwSignal::new(stored.lang),
            max_in_flight: RwSignal::new(stored.max_in_flight.clamp(1, 8)),
            notify: RwSignal::new(stored.notify),
            theme: RwSignal::new(stored.theme.filter(|t| t == "light" || t == "dark")),
            storage_error: RwSignal::new(false),
        };
        store.persist();
        store
    }

    /// Saves whenever a setting changes. Runs once per change, after render.
    fn persist(self) {
        Effect::new(move |_| {
            let stored = Stored {
                base_url: self.base_url.get(),
                key_place: self.key_place.get(),
                lang: self.lang_choice.get(),
                max_in_flight: self.max_in_flight.get(),
                notify: self.notify.get(),
                theme: self.theme.get(),
            };
            let key = self.key.get();
            let (keep, drop) = match stored.key_place {
                KeyPlace::Device => (Area::Local, Area::Session),
                KeyPlace::Tab => (Area::Session, Area::Local),
            };
            // The key lives in exactly one place: moving it removes the other copy.
            storage::remove(drop, API_KEY_KEY);
            let saved = storage::set(Area::Local, SETTINGS_KEY, &stored).and_then(|_| {
                if key.is_empty() {
                    storage::remove(keep, API_KEY_KEY);
                    Ok(())
                } else {
                    storage::set_raw(keep, API_KEY_KEY, &key)
                }
            });
            self.storage_error.set(saved.is_err());
        });
    }

    pub fn lang_untracked(&self) -> Lang {
        self.lang_choice
            .get_untracked()
            .unwrap_or_else(crate::i18n::browser_lang)
    }

    /// The client for the current settings, or why there is none.
    pub fn client_untracked(&self) -> Result<Client, ApiError> {
        Client::new(&self.base_url.get_untracked(), &self.key.get_untracked())
    }

    /// What is wrong with the base URL as typed, if anything.
    pub fn base_url_problem(&self) -> Option<BaseUrlProblem> {
        normalize_base_url(&self.base_url.get()).err()
    }

    pub fn forget_key(&self) {
        self.key.set(String::new());
        storage::remove(Area::Local, API_KEY_KEY);
        storage::remove(Area::Session, API_KEY_KEY);
    }
}
