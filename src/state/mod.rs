//! Reactive state shared by the views, and everything that persists it.
//! Views read these stores and call their methods; only this layer talks to
//! browser storage and timers.

pub mod account;
pub mod channel;
pub mod config;
pub mod credit;
pub mod draft;
pub mod history;
mod idb;
pub mod jobs;
pub mod notify;
pub mod page;
pub mod prompt_history;
pub mod route;
pub mod settings;
pub mod source;
pub mod storage;
pub mod styles;
pub mod synced;
pub mod tags;

/// Milliseconds since the epoch, from the browser clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A random number in `[0, 1)`.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// A random seed over the API's whole range (0 to 2^32-1).
pub fn random_seed() -> u32 {
    (random() * 4_294_967_296.0) as u32
}
