//! Plain-Rust rules of the app: no browser, no Leptos; tested natively.

pub mod job;
pub mod params;
pub mod poll;
