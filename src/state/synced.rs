//! A small value kept in localStorage and the same in every tab (styles,
//! the prompt history). Each change starts from the newest stored copy,
//! so a change made in another tab meanwhile is kept, not overwritten;
//! another tab's change arrives through the `storage` event.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use super::storage::{self, Area, StorageError};

pub struct Synced<T: Send + Sync + 'static> {
    pub value: RwSignal<T>,
    key: &'static str,
}

impl<T: Send + Sync + 'static> Clone for Synced<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Synced<T> {}

impl<T> Synced<T>
where
    T: Clone + Default + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Reads the stored value and follows other tabs' changes for as long
    /// as the owner lives.
    pub fn load(key: &'static str) -> Synced<T> {
        let value = RwSignal::new(storage::get(Area::Local, key).unwrap_or_default());
        let full = storage::full_key(key);
        let listener = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(full.as_str()) {
                let stored: T = storage::get(Area::Local, key).unwrap_or_default();
                if value.with_untracked(|v| *v != stored) {
                    value.set(stored);
                }
            }
        });
        on_cleanup(move || listener.remove());
        Synced { value, key }
    }

    /// Changes the value: `f` gets the newest copy (this tab's, or the one
    /// stored by another tab since). When storage refuses the write, the
    /// change still holds in this tab, and the error says it was not kept.
    pub fn change<R>(&self, f: impl FnOnce(&mut T) -> R) -> (R, Result<(), StorageError>) {
        let mut v: T =
            storage::get(Area::Local, self.key).unwrap_or_else(|| self.value.get_untracked());
        let out = f(&mut v);
        let saved = storage::set(Area::Local, self.key, &v);
        if self.value.with_untracked(|old| *old != v) {
            self.value.set(v);
        }
        (out, saved)
    }
}
