//! The views: one file each, thin; they read stores and call their methods.

pub mod actions;
pub mod common;
pub mod credit;
pub mod form;
pub mod gallery;
pub mod jobs;
pub mod prompt;
pub mod prompt_tools;
pub mod settings;
pub mod source;
pub mod words;
