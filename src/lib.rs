//! Kamiya Studio: a browser client for the Kamiya image API.
//!
//! Layers, from the outside in: [`api`] (the HTTP API, typed), [`domain`]
//! (plain-Rust rules, tested natively), [`state`] (reactive stores,
//! persistence, the poller) and [`ui`] (thin views). Imports point one way,
//! `ui` → `state` → `domain` → `api`; [`i18n`] (every text, in both
//! languages) serves `ui` and `state` and imports none of them. `api` and
//! `domain` report typed reasons; `ui::words` puts them into words.

pub mod api;
mod app;
pub mod domain;
pub mod i18n;
pub mod json;
pub mod state;
pub mod ui;

pub use app::{provide_app_state, App};
