//! Settings: where the API is, the key and where it is kept, language,
//! theme, jobs at once, notifications; the same in every tab.
//!
//! Each change is written by its own setter, and only what it changes is
//! written: the key is written only when the key or its place changes,
//! never as a side effect of another setting (so a key forgotten in one
//! tab cannot be written back by a theme change in another). A change is
//! announced to the other tabs with the settings it produced and a stamp;
//! they take it if it is newer than what they have, and never write it.
//! (They cannot simply read localStorage again on the message: a browser
//! may update another tab's view of localStorage after the message has
//! arrived.)
//!
//! The key carries an epoch, renewed at every key change and at "Forget
//! the key". A tab that missed a message (frozen in the background, or in
//! the back/forward cache) compares epochs when it comes back, and drops a
//! key that is no longer current.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::channel;
use super::storage::{self, Area};
use crate::api::{ApiError, Client};
use crate::i18n::Lang;

/// The API base URL when the user has not set one. A deployment can pick
/// another at build time (`KAMIYA_API_BASE=… trunk build`: its proxy, say);
/// nothing in a page URL can change it. Empty counts as unset, as a CI
/// variable that was never given arrives.
pub const DEFAULT_BASE_URL: &str = match option_env!("KAMIYA_API_BASE") {
    Some(url) if !url.is_empty() => url,
    _ => "https://p0.kamiya.dev",
};

pub const DEFAULT_MAX_IN_FLIGHT: u32 = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyPlace {
    /// localStorage: survives closing the browser.
    #[default]
    Device,
    /// sessionStorage of each open tab of the app: forgotten once they are
    /// all closed.
    Tab,
}

/// A moment that orders changes made in different tabs: the time, and a
/// random number for changes made in the same millisecond.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Stamp {
    pub at: f64,
    pub nonce: u32,
}

impl Stamp {
    fn new() -> Stamp {
        Stamp {
            at: super::now_ms(),
            nonce: (super::random() * u32::MAX as f64) as u32,
        }
    }
}

/// Which key is current: renewed at every change of the key.
pub type KeyEpoch = Stamp;

/// What is stored in localStorage. The key is never in here: it has its
/// own entry in the place the user chose. `lang` and `theme` are also read
/// by the small script in index.html before the first paint: keep their
/// names and values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Stored {
    /// When these settings were written (`None`: by an earlier version).
    stamp: Option<Stamp>,
    base_url: String,
    key_place: KeyPlace,
    /// `None` for settings written before epochs existed.
    key_epoch: Option<KeyEpoch>,
    lang: Option<Lang>,
    max_in_flight: u32,
    notify: bool,
    /// `None` follows the system; `"light"` or `"dark"` overrides it.
    theme: Option<String>,
    /// Keep a copy of every new picture on this device.
    keep_new: bool,
}

impl Default for Stored {
    fn default() -> Self {
        Stored {
            stamp: None,
            base_url: DEFAULT_BASE_URL.into(),
            key_place: KeyPlace::Device,
            key_epoch: None,
            lang: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            notify: false,
            theme: None,
            keep_new: false,
        }
    }
}

/// The key as kept in a tab's sessionStorage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct TabKey {
    epoch: Option<KeyEpoch>,
    key: String,
}

/// What a tab tells the others.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Msg {
    /// The settings a change produced, and the key they go with.
    Changed { stored: Stored, key: String },
    /// A tab that opened without the current tab-only key asks for it.
    WantKey { epoch: Option<KeyEpoch> },
    /// The answer: the key of that epoch.
    KeyOffer {
        epoch: Option<KeyEpoch>,
        key: String,
    },
}

const TOPIC: &str = "settings";
const SETTINGS_KEY: &str = "settings";
const API_KEY_KEY: &str = "api-key";

/// Why a setting could not be saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveProblem {
    /// Private mode or full storage: the setting works until the page
    /// closes. A key that could not be moved stays where it was.
    NotSaved,
}

#[derive(Clone, Copy)]
pub struct SettingsStore {
    /// The version of the settings this tab holds.
    stamp: StoredValue<Option<Stamp>>,
    base_url: RwSignal<String>,
    key: RwSignal<String>,
    key_place: RwSignal<KeyPlace>,
    key_epoch: RwSignal<Option<KeyEpoch>>,
    lang_choice: RwSignal<Option<Lang>>,
    max_in_flight: RwSignal<u32>,
    notify: RwSignal<bool>,
    theme: RwSignal<Option<String>>,
    keep_new: RwSignal<bool>,
    /// Set when a setting could not be saved.
    pub save_problem: RwSignal<Option<SaveProblem>>,
    /// The base URL or the key field has the focus. The key changes at
    /// every keystroke, so an answer to a half-typed one (the history
    /// asked after a pause in the typing) is not news until the field is
    /// left; nor is an error about an address being corrected.
    editing: RwSignal<bool>,
}

fn read_stored() -> Stored {
    storage::get(Area::Local, SETTINGS_KEY).unwrap_or_default()
}

fn read_tab_key() -> Option<TabKey> {
    let raw = storage::get_raw(Area::Session, API_KEY_KEY)?;
    // Earlier versions kept the bare key here.
    Some(crate::json::from_str(&raw).unwrap_or(TabKey {
        epoch: None,
        key: raw,
    }))
}

impl SettingsStore {
    /// Reads the settings and starts following the other tabs' changes.
    pub fn load() -> SettingsStore {
        let stored = read_stored();
        let key = match stored.key_place {
            KeyPlace::Device => storage::get_raw(Area::Local, API_KEY_KEY).unwrap_or_default(),
            KeyPlace::Tab => read_tab_key()
                .filter(|k| k.epoch == stored.key_epoch)
                .map(|k| k.key)
                .unwrap_or_default(),
        };
        let store = SettingsStore {
            stamp: StoredValue::new(stored.stamp),
            base_url: RwSignal::new(stored.base_url.clone()),
            key: RwSignal::new(key),
            key_place: RwSignal::new(stored.key_place),
            key_epoch: RwSignal::new(stored.key_epoch),
            lang_choice: RwSignal::new(stored.lang),
            max_in_flight: RwSignal::new(stored.max_in_flight.clamp(1, 8)),
            notify: RwSignal::new(stored.notify),
            theme: RwSignal::new(clean_theme(stored.theme.clone())),
            keep_new: RwSignal::new(stored.keep_new),
            save_problem: RwSignal::new(None),
            editing: RwSignal::new(false),
        };
        channel::subscribe(TOPIC, move |msg: Msg| store.on_message(msg));
        // Written by another tab, and now visible here: the storage event
        // comes once this tab's view of localStorage has the change.
        let watched = storage::full_key(SETTINGS_KEY);
        let on_storage = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(watched.as_str()) {
                store.sync();
            }
        });
        on_cleanup(move || on_storage.remove());
        if stored.key_place == KeyPlace::Tab && store.key.get_untracked().is_empty() {
            // A new tab: a tab that has the key passes it on.
            channel::post(
                TOPIC,
                &Msg::WantKey {
                    epoch: stored.key_epoch,
                },
            );
        }
        store
    }

    // ----- reading (each tracks, for views and effects) -----

    pub fn base_url(&self) -> String {
        self.base_url.get()
    }

    pub fn base_url_untracked(&self) -> String {
        self.base_url.get_untracked()
    }

    pub fn key(&self) -> String {
        self.key.get()
    }

    pub fn has_key(&self) -> bool {
        self.key.with(|k| !k.is_empty())
    }

    pub fn has_key_untracked(&self) -> bool {
        self.key.with_untracked(|k| !k.is_empty())
    }

    pub fn key_place(&self) -> KeyPlace {
        self.key_place.get()
    }

    pub fn editing(&self) -> bool {
        self.editing.get()
    }

    /// Changes whenever the key does (set, changed in another tab,
    /// forgotten): what a "refused key" pause waits for.
    pub fn key_epoch(&self) -> Option<KeyEpoch> {
        self.key_epoch.get()
    }

    /// `None` follows the browser's language.
    pub fn lang_choice(&self) -> Option<Lang> {
        self.lang_choice.get()
    }

    pub fn lang_choice_signal(&self) -> Signal<Option<Lang>> {
        self.lang_choice.into()
    }

    pub fn max_in_flight(&self) -> u32 {
        self.max_in_flight.get()
    }

    pub fn max_in_flight_untracked(&self) -> u32 {
        self.max_in_flight.get_untracked()
    }

    /// Notify when images finish while the page is hidden.
    pub fn notify(&self) -> bool {
        self.notify.get()
    }

    pub fn notify_untracked(&self) -> bool {
        self.notify.get_untracked()
    }

    pub fn theme(&self) -> Option<String> {
        self.theme.get()
    }

    /// Keep a copy of every new picture on this device.
    pub fn keep_new(&self) -> bool {
        self.keep_new.get()
    }

    pub fn keep_new_untracked(&self) -> bool {
        self.keep_new.get_untracked()
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

    pub fn key_epoch_untracked(&self) -> Option<KeyEpoch> {
        self.key_epoch.get_untracked()
    }

    // ----- changing (each writes what it changes, then tells the others) -----

    pub fn set_base_url(&self, url: String) {
        self.base_url.set(url);
        self.save();
    }

    pub fn set_lang(&self, lang: Option<Lang>) {
        self.lang_choice.set(lang);
        self.save();
    }

    pub fn set_theme(&self, theme: Option<String>) {
        self.theme.set(clean_theme(theme));
        self.save();
    }

    pub fn set_max_in_flight(&self, n: u32) {
        self.max_in_flight.set(n.clamp(1, 8));
        self.save();
    }

    pub fn set_notify(&self, on: bool) {
        self.notify.set(on);
        self.save();
    }

    pub fn set_keep_new(&self, on: bool) {
        self.keep_new.set(on);
        self.save();
    }

    /// The base URL or the key field got (`true`) or left the focus.
    pub fn set_editing(&self, editing: bool) {
        set_if_changed(self.editing, editing);
    }

    /// A new key (typed or pasted). It is written to its place before the
    /// settings name it current, so a failed write never leaves the
    /// settings pointing at a key that is not stored.
    pub fn set_key(&self, key: String) {
        let epoch = Some(KeyEpoch::new());
        let written = match self.key_place.get_untracked() {
            KeyPlace::Device if key.is_empty() => {
                storage::remove(Area::Local, API_KEY_KEY);
                Ok(())
            }
            KeyPlace::Device => storage::set_raw(Area::Local, API_KEY_KEY, &key),
            KeyPlace::Tab => write_tab_key(epoch, &key),
        };
        self.key.set(key);
        if written.is_err() {
            // Kept in memory; storage still holds the previous key and
            // epoch, so no tab takes a key that is not there.
            self.save_problem.set(Some(SaveProblem::NotSaved));
            return;
        }
        self.key_epoch.set(epoch);
        self.save();
    }

    /// Moves the key: written to its new place first, the settings then
    /// name the new place, and only then is the old copy removed. A write
    /// that fails leaves the key where it was.
    pub fn set_key_place(&self, place: KeyPlace) {
        let old = self.key_place.get_untracked();
        if old == place {
            return;
        }
        let key = self.key.get_untracked();
        let epoch = self.key_epoch.get_untracked();
        let written = if key.is_empty() {
            Ok(())
        } else {
            match place {
                KeyPlace::Device => storage::set_raw(Area::Local, API_KEY_KEY, &key),
                KeyPlace::Tab => write_tab_key(epoch, &key),
            }
        };
        if written.is_err() {
            self.save_problem.set(Some(SaveProblem::NotSaved));
            return;
        }
        self.key_place.set(place);
        if self.save() {
            match old {
                KeyPlace::Device => storage::remove(Area::Local, API_KEY_KEY),
                KeyPlace::Tab => storage::remove(Area::Session, API_KEY_KEY),
            }
        }
    }

    /// Removes the key from every storage area and from every tab's
    /// memory. A new epoch marks every copy elsewhere (a tab frozen in the
    /// background) as stale.
    pub fn forget_key(&self) {
        storage::remove(Area::Local, API_KEY_KEY);
        storage::remove(Area::Session, API_KEY_KEY);
        self.key.set(String::new());
        self.key_epoch.set(Some(KeyEpoch::new()));
        self.save();
    }

    /// Writes the settings (never the key), under a new stamp, and tells
    /// the other tabs. Returns whether the write succeeded.
    fn save(&self) -> bool {
        let stamp = Some(Stamp::new());
        let stored = Stored {
            stamp,
            base_url: self.base_url.get_untracked(),
            key_place: self.key_place.get_untracked(),
            key_epoch: self.key_epoch.get_untracked(),
            lang: self.lang_choice.get_untracked(),
            max_in_flight: self.max_in_flight.get_untracked(),
            notify: self.notify.get_untracked(),
            theme: self.theme.get_untracked(),
            keep_new: self.keep_new.get_untracked(),
        };
        let ok = storage::set(Area::Local, SETTINGS_KEY, &stored).is_ok();
        self.save_problem
            .set((!ok).then_some(SaveProblem::NotSaved));
        if ok {
            self.stamp.set_value(stamp);
            channel::post(
                TOPIC,
                &Msg::Changed {
                    stored,
                    key: self.key.get_untracked(),
                },
            );
        }
        ok
    }

    // ----- following the other tabs -----

    fn on_message(&self, msg: Msg) {
        match msg {
            Msg::Changed { stored, key } => self.take(stored, Some(key)),
            Msg::WantKey { epoch } => {
                let mine = self.key_epoch.get_untracked();
                let key = self.key.get_untracked();
                if self.key_place.get_untracked() == KeyPlace::Tab
                    && epoch == mine
                    && !key.is_empty()
                {
                    channel::post(TOPIC, &Msg::KeyOffer { epoch: mine, key });
                }
            }
            Msg::KeyOffer { epoch, key } => {
                let wanted = self.key_place.get_untracked() == KeyPlace::Tab
                    && epoch == self.key_epoch.get_untracked()
                    && self.key.with_untracked(String::is_empty);
                if wanted && write_tab_key(epoch, &key).is_ok() {
                    self.key.set(key);
                }
            }
        }
    }

    /// Takes the settings as stored now: for a tab that comes back after
    /// missing messages (frozen in the background, back/forward cache),
    /// and when localStorage says another tab wrote them.
    pub fn sync(&self) {
        self.take(read_stored(), None);
    }

    /// Takes settings another tab produced, if newer than this tab's, with
    /// the key they go with (`None`: read it from where it is kept).
    /// Writes nothing shared: at most this tab's own copy of a tab-only
    /// key.
    fn take(&self, stored: Stored, key: Option<String>) {
        if stored.stamp <= self.stamp.get_value() {
            return;
        }
        self.stamp.set_value(stored.stamp);
        set_if_changed(self.base_url, stored.base_url.clone());
        set_if_changed(self.lang_choice, stored.lang);
        set_if_changed(self.theme, clean_theme(stored.theme.clone()));
        set_if_changed(self.max_in_flight, stored.max_in_flight.clamp(1, 8));
        set_if_changed(self.notify, stored.notify);
        set_if_changed(self.keep_new, stored.keep_new);
        set_if_changed(self.key_place, stored.key_place);
        let epoch = stored.key_epoch;
        let same_key = epoch == self.key_epoch.get_untracked();
        let key = match (key, stored.key_place) {
            (Some(key), _) => key,
            (None, _) if same_key => self.key.get_untracked(),
            (None, KeyPlace::Device) => {
                storage::get_raw(Area::Local, API_KEY_KEY).unwrap_or_default()
            }
            // Another tab holds the current tab-only key: ask for it.
            (None, KeyPlace::Tab) => {
                channel::post(TOPIC, &Msg::WantKey { epoch });
                String::new()
            }
        };
        // This tab's own copy of a tab-only key follows the key and its place.
        if stored.key_place == KeyPlace::Tab && !key.is_empty() {
            let _ = write_tab_key(epoch, &key);
        } else {
            storage::remove(Area::Session, API_KEY_KEY);
        }
        set_if_changed(self.key, key);
        set_if_changed(self.key_epoch, epoch);
    }
}

/// Another tab's change arrives for every setting at once: only those
/// that differ notify their readers.
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|v| *v != value) {
        signal.set(value);
    }
}

fn write_tab_key(epoch: Option<KeyEpoch>, key: &str) -> Result<(), storage::StorageError> {
    storage::set(
        Area::Session,
        API_KEY_KEY,
        &TabKey {
            epoch,
            key: key.to_string(),
        },
    )
}

fn clean_theme(theme: Option<String>) -> Option<String> {
    theme.filter(|t| t == "light" || t == "dark")
}
