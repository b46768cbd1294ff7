//! Plain-Rust rules of the app: no browser, no Leptos; tested natively.

pub mod a1111;
pub mod connection;
pub mod credit;
pub mod decimal;
pub mod emphasis;
pub mod fit;
pub mod gallery;
pub mod job;
pub mod order;
pub mod params;
pub mod poll;
pub mod probe;
pub mod prompt_history;
pub mod share;
pub mod styles;
pub mod tags;
pub mod view;
pub mod zip;
