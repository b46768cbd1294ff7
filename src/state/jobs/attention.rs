//! What the user has not seen yet: pictures that finished while the page
//! was hidden (counted in the title), and a notification when they asked
//! for one.

use leptos::prelude::*;

use crate::domain::job::Job;
use crate::state::notify;
use crate::state::settings::SettingsStore;

#[derive(Clone, Copy)]
pub(super) struct Attention {
    /// Pictures finished while this page was hidden.
    pub unseen: RwSignal<u32>,
}

impl Attention {
    pub fn new() -> Attention {
        Attention {
            unseen: RwSignal::new(0),
        }
    }

    /// A picture arrived (made here or heard of from another tab).
    pub fn picture(&self, visible: bool) {
        if !visible {
            self.unseen.update(|n| *n += 1);
        }
    }

    pub fn seen(&self) {
        if self.unseen.get_untracked() != 0 {
            self.unseen.set(0);
        }
    }

    /// Only the tab that saw the job finish notifies, once per job (the
    /// notification's tag is the job's id).
    pub fn notify(&self, settings: SettingsStore, job: &Job, visible: bool) {
        if !visible {
            notify::image_ready(settings, job);
        }
    }
}
