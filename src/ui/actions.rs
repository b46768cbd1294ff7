//! What people do with a finished picture: download, copy, share, reuse,
//! vary, refine, keep, remove. One list of actions: the full view shows
//! them as buttons, each gallery picture as a menu.

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
use crate::state::jobs::{JobStore, KeepProblem};
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

/// Offers a blob to the user as a file.
pub fn save_blob(blob: &web_sys::Blob, name: &str) -> bool {
    let Ok(object_url) = web_sys::Url::create_object_url_with_blob(blob) else {
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

/// Saves the image as a file, if its host lets this page read it (CORS),
/// or the proxy at the API base URL serves it.
async fn save(jobs: JobStore, url: &str, name: &str) -> bool {
    match jobs.picture_blob(url).await {
        Some(blob) => save_blob(&blob, name),
        None => false,
    }
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
pub enum Saved {
    AsFile,
    InTab,
    /// The host refuses CORS and the browser blocked the new tab: the user
    /// opens the image from a link.
    Blocked,
}

/// Saves the image as a file; if its host does not allow that, opens it
/// in a new tab (where it can be saved), or says the browser blocked that.
pub fn download(jobs: JobStore, url: String, name: String, done: impl FnOnce(Saved) + 'static) {
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
        if save(jobs, &url, &name).await {
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

/// Everything one can do with a finished picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Download,
    Favourite,
    ReuseSettings,
    ReuseSeed,
    Variations,
    UseAsSource,
    CopyImageUrl,
    CopyParameters,
    CopyShareLink,
    Keep,
    Remove,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Download,
        Action::Favourite,
        Action::ReuseSettings,
        Action::ReuseSeed,
        Action::Variations,
        Action::UseAsSource,
        Action::CopyImageUrl,
        Action::CopyParameters,
        Action::CopyShareLink,
        Action::Keep,
        Action::Remove,
    ];

    /// The action's name, as it reads for this picture now.
    pub fn label(self, job: &Job) -> T {
        match self {
            Action::Download => T::Download,
            Action::Favourite if job.favourite => T::Favourited,
            Action::Favourite => T::Favourite,
            Action::ReuseSettings => T::ReuseSettings,
            Action::ReuseSeed => T::ReuseSeed,
            Action::Variations => T::Variations,
            Action::UseAsSource => T::UseAsSource,
            Action::CopyImageUrl => T::CopyImageUrl,
            Action::CopyParameters => T::CopyParameters,
            Action::CopyShareLink => T::CopyShareLink,
            Action::Keep if job.kept => T::DropCopy,
            Action::Keep => T::KeepCopy,
            Action::Remove => T::Remove,
        }
    }

    /// A toggle (favourite, kept): its state, for `aria-pressed`/`-checked`.
    pub fn pressed(self, job: &Job) -> Option<bool> {
        match self {
            Action::Favourite => Some(job.favourite),
            Action::Keep => Some(job.kept),
            _ => None,
        }
    }
}

/// What an action says when it is done: a sentence, and for a blocked
/// download, the link that opens the image.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    pub text: T,
    pub link: Option<String>,
}

impl From<T> for Said {
    fn from(text: T) -> Said {
        Said { text, link: None }
    }
}

/// Does `action` to `job` (a picture of this device or of the account's
/// history: acting on one of the latter makes it this device's first).
/// `say` hears what happened.
pub fn perform(action: Action, job: Job, say: impl Fn(Said) + Copy + 'static) {
    let jobs = expect_context::<JobStore>();
    let draft = expect_context::<DraftStore>();
    let config = expect_context::<ConfigStore>();
    let source = expect_context::<SourceStore>();
    let url = job.image_url.clone().unwrap_or_default();
    let copy_with = move |text: String| {
        spawn_local(async move {
            let ok = copy(text).await;
            say(if ok { T::Copied } else { T::CopyFailed }.into());
        });
    };
    match action {
        Action::Download => {
            let name = file_name(&job);
            download(jobs, url.clone(), name, move |saved| {
                say(match saved {
                    Saved::AsFile => T::Downloaded.into(),
                    Saved::InTab => T::OpenedInTab.into(),
                    Saved::Blocked => Said {
                        text: T::OpenToSave,
                        link: Some(url),
                    },
                })
            });
        }
        Action::Favourite => {
            let id = jobs.adopt(job.clone());
            jobs.set_favourite(&[id], !job.favourite);
        }
        Action::ReuseSettings => {
            let c = config.config.get_untracked().unwrap_or_default();
            draft.reuse(&job.request, &c);
            scroll_to_form();
        }
        Action::ReuseSeed => {
            let seed = job.request.seed;
            draft.edit(|d| {
                d.random_seed = false;
                d.seed = seed.to_string();
            });
            say(T::SeedReused.into());
        }
        Action::Variations => {
            let mut base = job.request.clone();
            if base.kind == JobType::Image2Image {
                base.image = jobs.source(&job.id);
                if base.image.is_none() {
                    say(T::SourceLost.into());
                    return;
                }
            }
            let requests = (0..VARIATIONS)
                .map(|_| GenerateRequest {
                    seed: random_seed(),
                    ..base.clone()
                })
                .collect();
            jobs.enqueue(requests);
            say(T::VariationsQueued.into());
        }
        Action::UseAsSource => {
            draft.edit(|d| d.mode = JobType::Image2Image);
            source.load_url(url);
            scroll_to_form();
        }
        Action::CopyImageUrl => copy_with(url),
        Action::CopyParameters => copy_with(a1111::to_text(&job.request)),
        Action::CopyShareLink => copy_with(share_url(&job.request)),
        Action::Keep if job.kept => {
            jobs.drop_copy(&job.id);
            say(T::CopyDropped.into());
        }
        Action::Keep => {
            let id = jobs.adopt(job);
            say(T::Keeping.into());
            spawn_local(async move {
                say(match jobs.keep(&id).await {
                    Ok(()) => T::Kept,
                    Err(KeepProblem::Unreadable) => T::KeepUnreadable,
                    Err(KeepProblem::Full) => T::KeepFull,
                    Err(KeepProblem::NoArchive) => T::KeepNoArchive,
                }
                .into())
            });
        }
        Action::Remove => {
            let id = jobs.adopt(job);
            jobs.remove(&id);
        }
    }
}

/// What an action said, and the link of a blocked download.
#[component]
pub fn SaidLine(said: RwSignal<Option<Said>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <p class="hint" role="status">{move || said.with(|s| s.as_ref().map(|s| s.text.get(lang.get())))}</p>
        {move || said.with(|s| s.as_ref().and_then(|s| s.link.clone())).map(|link| view! {
            <a href=link target="_blank" rel="noopener noreferrer">{T::OpenTheImage.tr()}</a>
        })}
    }
}

/// Every action on a picture, as buttons (the full view).
#[component]
pub fn ImageActions(#[prop(into)] job: Signal<Job>) -> impl IntoView {
    let lang = use_lang();
    let said = RwSignal::new(None::<Said>);
    let say = move |s: Said| {
        said.try_set(Some(s));
    };
    view! {
        <div class="actions-row" role="group" aria-label=move || T::ImageActions.get(lang.get())>
            {Action::ALL.into_iter().map(|action| view! {
                <button type="button" class="secondary"
                    aria-pressed=move || job.with(|j| action.pressed(j).map(|p| p.to_string()))
                    on:click=move |_| perform(action, job.get_untracked(), say)>
                    {move || job.with(|j| action.label(j).get(lang.get()))}
                </button>
            }).collect_view()}
            <SaidLine said=said/>
        </div>
    }
}
