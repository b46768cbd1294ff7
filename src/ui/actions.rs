//! What people do with a finished picture: download, copy, share, reuse,
//! vary, refine. One row of buttons under each image.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::common::scroll_to_form;
use crate::api::{GenerateRequest, JobType};
use crate::domain::job::Job;
use crate::domain::{a1111, share};
use crate::i18n::{use_lang, T};
use crate::state::config::ConfigStore;
use crate::state::draft::DraftStore;
use crate::state::jobs::JobStore;
use crate::state::random_seed;
use crate::state::source::SourceStore;

/// How many pictures "Variations" makes.
const VARIATIONS: usize = 4;

fn file_name(job: &Job) -> String {
    let id = job.hashid.clone().unwrap_or_else(|| job.id.to_string());
    let ext = job
        .image_url
        .as_deref()
        .and_then(|u| u.rsplit('.').next())
        .filter(|e| ["jpg", "jpeg", "png", "webp"].contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or("jpg")
        .to_string();
    format!("kamiya-{}-{id}.{ext}", job.request.seed)
}

/// Saves the image as a file, if its host lets this page read it (CORS).
async fn save(url: &str, name: &str) -> bool {
    let blob = async {
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
    .await;
    let Some(blob) = blob else { return false };
    let Ok(object_url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return false;
    };
    let Some(a) = document()
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return false;
    };
    a.set_href(&object_url);
    a.set_download(name);
    a.click();
    // Revoked a little later: the download starts asynchronously.
    gloo_timers::callback::Timeout::new(30_000, move || {
        let _ = web_sys::Url::revoke_object_url(&object_url);
    })
    .forget();
    true
}

thread_local! {
    /// Image hosts that refused this page's reading (CORS), this session:
    /// their pictures open in a new tab straight from the click, while the
    /// browser still counts it as the user's (after an await, Safari blocks
    /// the new tab as a popup).
    static NO_CORS_HOSTS: std::cell::RefCell<std::collections::HashSet<String>> =
        Default::default();
}

fn host_of(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_string()
}

/// Opens the image in a new tab; false if the browser blocked it.
fn open_in_tab(url: &str) -> bool {
    matches!(
        window().open_with_url_and_target(url, "_blank"),
        Ok(Some(_))
    )
}

/// What "Download" did.
#[derive(Clone, Copy, PartialEq)]
enum Saved {
    AsFile,
    InTab,
    /// The host refuses CORS and the browser blocked the new tab: the user
    /// opens the image from a link.
    Blocked,
}

/// Saves the image as a file; if its host does not allow that, opens it
/// in a new tab (where it can be saved), or says the browser blocked that.
fn download(url: String, name: String, done: impl FnOnce(Saved) + 'static) {
    let host = host_of(&url);
    if NO_CORS_HOSTS.with(|h| h.borrow().contains(&host)) {
        done(if open_in_tab(&url) {
            Saved::InTab
        } else {
            Saved::Blocked
        });
        return;
    }
    spawn_local(async move {
        if save(&url, &name).await {
            done(Saved::AsFile);
            return;
        }
        NO_CORS_HOSTS.with(|h| h.borrow_mut().insert(host));
        done(if open_in_tab(&url) {
            Saved::InTab
        } else {
            Saved::Blocked
        });
    });
}

async fn copy(text: String) -> bool {
    let clipboard = window().navigator().clipboard();
    JsFuture::from(clipboard.write_text(&text)).await.is_ok()
}

/// The page's own address with the parameters in the fragment. Only the
/// parameters: never the key, the base URL or the source image.
pub fn share_url(request: &GenerateRequest) -> String {
    let location = window().location();
    let base = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    format!("{base}#{}", share::encode(request))
}

/// The actions on a finished picture (of this device, or of the account's
/// history). `with_reuse`: also "Reuse settings" (a job card has its own,
/// which stays while the job runs).
#[component]
pub fn ImageActions(#[prop(into)] job: Signal<Job>, with_reuse: bool) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<ConfigStore>();
    let source = expect_context::<SourceStore>();
    let lang = use_lang();
    let said = RwSignal::new(None::<T>);
    let blocked = RwSignal::new(false);
    let id = StoredValue::new(job.with_untracked(|j| j.id.clone()));
    // Favourites are kept for this device's jobs only.
    let local = jobs.job(&id.get_value()).is_some();
    let url = move || job.with_untracked(|j| j.image_url.clone().unwrap_or_default());
    let say = move |t: T| said.set(Some(t));

    let reuse_seed = move |_| {
        let seed = job.with_untracked(|j| j.request.seed);
        draft.edit(|d| {
            d.random_seed = false;
            d.seed = seed.to_string();
        });
        say(T::SeedReused);
    };
    let variations = move |_| {
        let mut base = job.with_untracked(|j| j.request.clone());
        if base.kind == JobType::Image2Image {
            base.image = jobs.source(&id.get_value());
        }
        if base.kind == JobType::Image2Image && base.image.is_none() {
            say(T::SourceLost);
            return;
        }
        let requests = (0..VARIATIONS)
            .map(|_| GenerateRequest {
                seed: random_seed(),
                ..base.clone()
            })
            .collect();
        jobs.enqueue(requests);
        say(T::VariationsQueued);
    };
    let as_source = move |_| {
        draft.edit(|d| d.mode = JobType::Image2Image);
        source.load_url(url());
        scroll_to_form();
    };
    let copy_with = move |text: String| {
        spawn_local(async move {
            let ok = copy(text).await;
            said.try_set(Some(if ok { T::Copied } else { T::CopyFailed }));
        });
    };
    let favourite = Memo::new(move |_| job.try_with(|j| j.favourite).unwrap_or(false));
    let reuse = move |_| {
        let c = config.config.get_untracked().unwrap_or_default();
        job.with_untracked(|j| draft.reuse(&j.request, &c));
        scroll_to_form();
    };

    view! {
        <div class="actions-row" role="group" aria-label=move || T::ImageActions.get(lang.get())>
            <button type="button" class="secondary" on:click=move |_| {
                let (u, name) = job.with_untracked(|j| (j.image_url.clone().unwrap_or_default(), file_name(j)));
                blocked.set(false);
                download(u, name, move |saved| {
                    said.try_set(Some(match saved {
                        Saved::AsFile => T::Downloaded,
                        Saved::InTab => T::OpenedInTab,
                        Saved::Blocked => T::OpenToSave,
                    }));
                    blocked.try_set(saved == Saved::Blocked);
                });
            }>{T::Download.tr()}</button>
            {local.then(|| view! {
                <button type="button" class="secondary" aria-pressed=move || favourite.get().to_string()
                    on:click=move |_| jobs.toggle_favourite(&id.get_value())>
                    {move || if favourite.get() { T::Favourited.get(lang.get()) } else { T::Favourite.get(lang.get()) }}
                </button>
            })}
            {with_reuse.then(|| view! {
                <button type="button" class="secondary" on:click=reuse>{T::ReuseSettings.tr()}</button>
            })}
            <button type="button" class="secondary" on:click=reuse_seed>{T::ReuseSeed.tr()}</button>
            <button type="button" class="secondary" on:click=variations>{T::Variations.tr()}</button>
            <button type="button" class="secondary" on:click=as_source>{T::UseAsSource.tr()}</button>
            <button type="button" class="secondary" on:click=move |_| copy_with(url())>{T::CopyImageUrl.tr()}</button>
            <button type="button" class="secondary" on:click=move |_| copy_with(job.with_untracked(|j| a1111::to_text(&j.request)))>
                {T::CopyParameters.tr()}
            </button>
            <button type="button" class="secondary" on:click=move |_| copy_with(job.with_untracked(|j| share_url(&j.request)))>
                {T::CopyShareLink.tr()}
            </button>
            <p class="hint" role="status">{move || said.get().map(|t| t.get(lang.get()))}</p>
            <Show when=move || blocked.get()>
                <a href=url() target="_blank" rel="noopener noreferrer">{T::OpenTheImage.tr()}</a>
            </Show>
        </div>
    }
}
