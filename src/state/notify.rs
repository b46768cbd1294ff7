//! Browser notifications for images that finish while the page is hidden:
//! only when the user turned them on (which is when permission is asked).

use super::settings::SettingsStore;
use crate::domain::job::Job;
use crate::i18n::T;

/// What the browser allows, as far as it tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    Unsupported,
    Default,
    Granted,
    Denied,
}

pub fn permission() -> Permission {
    let supported =
        js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false);
    if !supported {
        return Permission::Unsupported;
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => Permission::Granted,
        web_sys::NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Default,
    }
}

/// Asks for permission; `done` gets the answer.
pub fn request(done: impl FnOnce(Permission) + 'static) {
    if permission() == Permission::Unsupported {
        done(Permission::Unsupported);
        return;
    }
    let Ok(promise) = web_sys::Notification::request_permission() else {
        done(permission());
        return;
    };
    leptos::task::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        done(permission());
    });
}

pub fn image_ready(settings: SettingsStore, job: &Job) {
    if !settings.notify_untracked() || permission() != Permission::Granted {
        return;
    }
    let title = T::ImageReady.get(settings.lang_untracked());
    let options = web_sys::NotificationOptions::new();
    options.set_body(&job.request.prompts.chars().take(120).collect::<String>());
    // One notification per job, even if several tabs would show it.
    options.set_tag(job.id.as_str());
    let _ = web_sys::Notification::new_with_options(title, &options);
}
