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

/// Saves the image as a file. Its host must allow this page to read it
/// (CORS); if not, the image opens in a new tab, where it can be saved.
async fn download(url: String, name: String) -> bool {
    let blob = async {
        let response = gloo_net::http::Request::get(&url).send().await.ok()?;
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
    if let Some(blob) = blob {
        if let Ok(object_url) = web_sys::Url::create_object_url_with_blob(&blob) {
            if let Some(a) = document()
                .create_element("a")
                .ok()
                .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
            {
                a.set_href(&object_url);
                a.set_download(&name);
                a.click();
                // Revoked a little later: the download starts asynchronously.
                gloo_timers::callback::Timeout::new(30_000, move || {
                    let _ = web_sys::Url::revoke_object_url(&object_url);
                })
                .forget();
                return true;
            }
        }
    }
    let _ = window().open_with_url_and_target(&url, "_blank");
    false
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
                spawn_local(async move {
                    let saved = download(u, name).await;
                    said.try_set(Some(if saved { T::Downloaded } else { T::OpenedInTab }));
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
        </div>
    }
}
