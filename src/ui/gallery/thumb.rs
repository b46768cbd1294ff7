//! A picture on screen: the copy kept on this device when there is one,
//! else the image host's URL; a clear placeholder with Retry when neither
//! loads (the job itself is kept).

use leptos::prelude::*;

use crate::domain::job::Job;
use crate::i18n::T;
use crate::state::jobs::JobStore;

/// Where the picture is being shown from.
#[derive(Clone, Debug, PartialEq)]
enum Source {
    /// The kept copy (an object URL, revoked when the picture goes).
    Copy(String),
    Host(String),
    /// Neither loaded.
    Unavailable,
}

/// `lazy`: thumbnails load when near the screen. The picture's own size
/// gives the element its proportions before it loads, so nothing jumps.
/// `retry`: offer Retry when it cannot be shown (not inside a thumbnail,
/// which is itself a button: there the full view offers it).
#[component]
pub fn Picture(
    #[prop(into)] job: Signal<Job>,
    #[prop(into)] alt: Signal<String>,
    lazy: bool,
    retry: bool,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    let jobs = expect_context::<JobStore>();
    let (id, url, kept, width, height) = job.with_untracked(|j| {
        (
            j.id.clone(),
            j.image_url.clone().unwrap_or_default(),
            j.kept,
            j.request.width,
            j.request.height,
        )
    });
    let url = StoredValue::new(url);
    let source = RwSignal::new(if kept {
        None
    } else {
        Some(Source::Host(url.get_value()))
    });
    if kept {
        let host = url.get_value();
        leptos::task::spawn_local(async move {
            let copy = jobs.kept_picture_url(&id).await;
            source.try_set(Some(copy.map_or(Source::Host(host), Source::Copy)));
        });
    }
    on_cleanup(move || {
        if let Some(Some(Source::Copy(u))) = source.try_get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    // A broken copy falls back to the host; a broken host URL shows the
    // placeholder.
    let failed = move |_| {
        source.update(|s| {
            *s = match s.take() {
                Some(Source::Copy(u)) => {
                    let _ = web_sys::Url::revoke_object_url(&u);
                    Some(Source::Host(url.get_value()))
                }
                _ => Some(Source::Unavailable),
            }
        })
    };
    move || match source.get() {
        None => view! { <span class=format!("picture-wait {class}")></span> }.into_any(),
        Some(Source::Copy(src) | Source::Host(src)) => view! {
            <img class=class src=src alt=move || alt.get() width=width height=height
                loading=if lazy { "lazy" } else { "eager" } decoding="async" on:error=failed/>
        }
        .into_any(),
        Some(Source::Unavailable) => view! {
            <span class=format!("picture-missing {class}")>
                <span>{T::PictureUnavailable.tr()}</span>
                {retry.then(|| view! {
                    <button type="button" class="secondary"
                        on:click=move |_| source.set(Some(Source::Host(url.get_value())))>
                        {T::Retry.tr()}
                    </button>
                })}
            </span>
        }
        .into_any(),
    }
}
