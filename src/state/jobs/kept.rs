//! Copies of pictures kept on this device: read from the image host
//! (which must let this page read them: CORS), stored in the archive beside
//! their job, and shown from there, so a kept picture outlives the host's
//! expiry and shows offline.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::JobStore;
use crate::domain::job::JobId;
use crate::state::idb::IdbError;

/// Why a copy could not be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepProblem {
    /// The image host does not let this page read the picture (CORS), or
    /// did not answer.
    Unreadable,
    /// The browser's storage is full.
    Full,
    /// No archive (private mode, blocked): nothing can be kept.
    NoArchive,
}

thread_local! {
    /// Image hosts this page could read only through the proxy at the API
    /// base URL, this session: asked through it first from then on, so
    /// each picture costs one request, not a refused one and then another.
    static THROUGH_PROXY: std::cell::RefCell<std::collections::HashSet<String>> =
        Default::default();
}

/// The picture at `url`, if its host lets this page read it (CORS), or
/// else a proxy at `base_url` serves it (`picture_through_proxy`).
pub(crate) async fn fetch_blob(url: &str, base_url: &str) -> Option<web_sys::Blob> {
    let Some(proxied) = crate::api::picture_through_proxy(base_url, url) else {
        return fetch_one(url).await;
    };
    let host = crate::domain::connection::origin_of(url);
    if THROUGH_PROXY.with(|h| h.borrow().contains(&host)) {
        if let Some(blob) = fetch_one(&proxied).await {
            return Some(blob);
        }
        return fetch_one(url).await;
    }
    if let Some(blob) = fetch_one(url).await {
        return Some(blob);
    }
    let blob = fetch_one(&proxied).await?;
    THROUGH_PROXY.with(|h| h.borrow_mut().insert(host));
    Some(blob)
}

async fn fetch_one(url: &str) -> Option<web_sys::Blob> {
    let response = gloo_net::http::Request::get(url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    let raw: web_sys::Response = response.into();
    JsFuture::from(raw.blob().ok()?)
        .await
        .ok()?
        .dyn_into::<web_sys::Blob>()
        .ok()
}

/// Asks the browser not to evict this origin's storage under pressure
/// (it may say no; kept pictures then stay as long as the browser allows).
fn ask_for_persistence() {
    let storage = window().navigator().storage();
    let _ = storage.persist();
}

impl JobStore {
    /// The picture at `url`, read from its host or through the proxy at
    /// the API base URL.
    pub async fn picture_blob(self, url: &str) -> Option<web_sys::Blob> {
        fetch_blob(url, &self.settings.base_url_untracked()).await
    }

    /// Keeps a copy of a finished picture on this device.
    pub async fn keep(self, id: &JobId) -> Result<(), KeepProblem> {
        if !self.archive.is_ready() {
            return Err(KeepProblem::NoArchive);
        }
        let url = self
            .peek(id)
            .and_then(|j| j.image_url)
            .ok_or(KeepProblem::Unreadable)?;
        let blob = self
            .picture_blob(&url)
            .await
            .ok_or(KeepProblem::Unreadable)?;
        match self.archive.put_picture(id, &blob).await {
            Ok(()) => {}
            Err(IdbError::Full) => {
                self.full.set(true);
                return Err(KeepProblem::Full);
            }
            Err(_) => return Err(KeepProblem::NoArchive),
        }
        ask_for_persistence();
        self.change(id, |j| j.kept = true).await;
        self.copies.notify();
        Ok(())
    }

    /// Lets go of the kept copy (the picture shows from its host again).
    pub fn drop_copy(self, id: &JobId) {
        let id = id.clone();
        self.spawn(async move {
            let _ = self.archive.drop_picture(&id).await;
            self.change(&id, |j| j.kept = false).await;
            self.copies.notify();
        });
    }

    /// The kept copy, if there is one.
    pub async fn kept_blob(self, id: &JobId) -> Option<web_sys::Blob> {
        self.archive.picture(id).await.ok()?
    }

    /// The kept copy as an object URL for an `<img>`; the caller revokes
    /// it when the image goes. `None` if there is no readable copy.
    pub async fn kept_picture_url(self, id: &JobId) -> Option<String> {
        let blob = self.kept_blob(id).await?;
        web_sys::Url::create_object_url_with_blob(&blob).ok()
    }

    /// Subscribes the caller to copies kept or let go here.
    pub fn track_copies(self) {
        self.copies.track();
    }

    /// How many pictures have a copy on this device (untracked: counted
    /// when asked; [`JobStore::track_copies`] says when to ask again).
    pub fn kept_count(self) -> usize {
        self.jobs
            .try_with_value(|all| {
                all.values()
                    .filter(|s| s.try_with_untracked(|j| j.kept).unwrap_or(false))
                    .count()
            })
            .unwrap_or(0)
    }

    /// A picture of ours just finished: keep it if the user keeps every
    /// new one.
    pub(super) fn keep_if_wanted(self, id: &JobId) {
        if !self.settings.keep_new_untracked() {
            return;
        }
        let id = id.clone();
        self.spawn(async move {
            let _ = self.keep(&id).await;
        });
    }
}

/// How much this origin stores, and may store: `(usage, quota)` in bytes.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let promise = window().navigator().storage().estimate().ok()?;
    let estimate = JsFuture::from(promise).await.ok()?;
    let get = |k: &str| {
        js_sys::Reflect::get(&estimate, &k.into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    Some((get("usage")?, get("quota")?))
}
