//! The one storage helper: JSON values in localStorage or sessionStorage,
//! under versioned keys. Failures (private mode, quota) are reported, never
//! fatal: the app keeps working in memory.

use serde::{de::DeserializeOwned, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    /// Kept on this device.
    Local,
    /// Kept for this tab only, gone when it closes.
    Session,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StorageError {
    #[error("browser storage is unavailable")]
    Unavailable,
    #[error("browser storage is full")]
    Full,
}

const PREFIX: &str = "kamiya-studio:v1:";

/// The key as the browser stores it (for matching `storage` events).
pub fn full_key(key: &str) -> String {
    format!("{PREFIX}{key}")
}

fn area(area: Area) -> Result<web_sys::Storage, StorageError> {
    let window = web_sys::window().ok_or(StorageError::Unavailable)?;
    let storage = match area {
        Area::Local => window.local_storage(),
        Area::Session => window.session_storage(),
    };
    storage.ok().flatten().ok_or(StorageError::Unavailable)
}

pub fn get_raw(a: Area, key: &str) -> Option<String> {
    area(a)
        .ok()?
        .get_item(&format!("{PREFIX}{key}"))
        .ok()
        .flatten()
}

pub fn set_raw(a: Area, key: &str, value: &str) -> Result<(), StorageError> {
    area(a)?
        .set_item(&format!("{PREFIX}{key}"), value)
        .map_err(|_| StorageError::Full)
}

pub fn remove(a: Area, key: &str) {
    if let Ok(s) = area(a) {
        let _ = s.remove_item(&format!("{PREFIX}{key}"));
    }
}

/// A stored value that no longer parses (older version, hand edits) reads
/// as absent rather than breaking the start of the app.
pub fn get<T: DeserializeOwned>(a: Area, key: &str) -> Option<T> {
    crate::json::from_str(&get_raw(a, key)?).ok()
}

pub fn set<T: Serialize>(a: Area, key: &str, value: &T) -> Result<(), StorageError> {
    let text = crate::json::to_string(value).map_err(|_| StorageError::Unavailable)?;
    set_raw(a, key, &text)
}
