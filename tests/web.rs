//! Component tests in a real browser (headless Chromium), for what needs
//! the DOM: rendering, events, storage. Run with `cargo test --target
//! wasm32-unknown-unknown` (see README). Every step waits for the
//! condition it needs (`until`), never for a fixed time.
#![cfg(target_arch = "wasm32")]

use kamiya_studio::api::{ApiError, ImageConfig, LoraInfo, ModelInfo};
use kamiya_studio::provide_app_state;
use kamiya_studio::state::jobs::JobStore;
use kamiya_studio::ui::common::ErrorNotice;
use kamiya_studio::ui::form::CreateForm;
use kamiya_studio::ui::settings::SettingsPanel;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

const PREFIX: &str = "kamiya-studio:v1:";

/// Empties both storage areas and the job archive.
async fn clear_storage() {
    let w = web_sys::window().unwrap();
    w.local_storage().unwrap().unwrap().clear().unwrap();
    w.session_storage().unwrap().unwrap().clear().unwrap();
    let deleting = w
        .indexed_db()
        .unwrap()
        .unwrap()
        .delete_database(kamiya_studio::state::jobs::DB_NAME)
        .unwrap();
    // An archive still open in an earlier test closes on `versionchange`.
    until("the archive to be deleted", || {
        deleting.ready_state() == web_sys::IdbRequestReadyState::Done
    })
    .await;
}

fn local(key: &str) -> Option<String> {
    let w = web_sys::window().unwrap();
    w.local_storage()
        .unwrap()
        .unwrap()
        .get_item(&format!("{PREFIX}{key}"))
        .unwrap()
}

fn session(key: &str) -> Option<String> {
    let w = web_sys::window().unwrap();
    w.session_storage()
        .unwrap()
        .unwrap()
        .get_item(&format!("{PREFIX}{key}"))
        .unwrap()
}

fn container() -> HtmlElement {
    let doc = document();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

/// Waits (letting effects and timers run) until `ready` holds; fails the
/// test after 5 s, naming what it waited for.
async fn until(what: &str, ready: impl Fn() -> bool) {
    let start = js_sys::Date::now();
    while !ready() {
        assert!(
            js_sys::Date::now() - start < 5_000.0,
            "gave up waiting for {what}"
        );
        gloo_timers::future::TimeoutFuture::new(5).await;
    }
}

fn find<T: JsCast>(root: &HtmlElement, selector: &str) -> Option<T> {
    root.query_selector(selector)
        .unwrap()
        .map(JsCast::unchecked_into)
}

fn q<T: JsCast>(root: &HtmlElement, selector: &str) -> T {
    find(root, selector).unwrap_or_else(|| panic!("no element {selector}"))
}

fn button(root: &HtmlElement, name: &str) -> HtmlElement {
    let all = root.query_selector_all("button").unwrap();
    (0..all.length())
        .filter_map(|i| all.item(i))
        .map(|n| n.unchecked_into::<HtmlElement>())
        .find(|b| {
            b.text_content().unwrap_or_default().trim() == name
                || b.get_attribute("aria-label").as_deref() == Some(name)
        })
        .unwrap_or_else(|| panic!("no button {name}"))
}

fn type_into(el: &HtmlElement, value: &str) {
    if let Some(i) = el.dyn_ref::<HtmlInputElement>() {
        i.set_value(value);
    } else if let Some(t) = el.dyn_ref::<HtmlTextAreaElement>() {
        t.set_value(value);
    } else if let Some(s) = el.dyn_ref::<HtmlSelectElement>() {
        s.set_value(value);
    }
    for kind in ["input", "change"] {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let ev = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
        el.dispatch_event(&ev).unwrap();
    }
}

fn invalid(root: &HtmlElement, id: &str) -> bool {
    q::<HtmlElement>(root, &format!("#{id}"))
        .get_attribute("aria-invalid")
        .as_deref()
        == Some("true")
}

fn config() -> ImageConfig {
    ImageConfig {
        busy_status: Some("空闲".into()),
        models: vec![
            ModelInfo {
                id: "original".into(),
                description: "原版".into(),
            },
            ModelInfo {
                id: "anime".into(),
                description: "动漫".into(),
            },
        ],
        loras: vec![
            LoraInfo {
                id: "bocchi".into(),
                name: "Bocchi".into(),
            },
            LoraInfo {
                id: "ink".into(),
                name: "Ink".into(),
            },
        ],
        samplers: vec![],
        sizes: vec![],
        img2img_hints: vec![],
    }
}

/// Mounts the settings panel on fresh storage.
async fn mount_settings() -> (HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    clear_storage().await;
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), || {
        provide_app_state();
        view! { <SettingsPanel/> }
    });
    until("the settings panel", || {
        find::<HtmlElement>(&root, "#api-key").is_some()
    })
    .await;
    (root, handle)
}

/// Mounts the create form with a key and a loaded config; hands out the
/// job store.
async fn mount_form(
    root: &HtmlElement,
    base_url: Option<&'static str>,
) -> (leptos::mount::UnmountHandle<impl Mountable>, JobStore) {
    let store = std::rc::Rc::new(std::cell::Cell::new(None));
    let out = store.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let (settings, config, jobs) = provide_app_state();
        out.set(Some(jobs));
        if let Some(url) = base_url {
            settings.set_base_url(url.into());
        }
        settings.set_key("sk-test".into());
        config.config.set(Some(self::config()));
        view! { <CreateForm/> }
    });
    until("the form", || {
        find::<HtmlElement>(root, "#prompt").is_some()
    })
    .await;
    (handle, store.get().unwrap())
}

#[wasm_bindgen_test]
async fn server_text_is_shown_as_text_never_as_html() {
    clear_storage().await;
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        provide_app_state();
        let e = ApiError::Api {
            status: 500,
            message: "<img src=x onerror=alert(1)>坏了".into(),
        };
        view! { <ErrorNotice error=Signal::derive(move || Some(e.clone()))/> }
    });
    until("the error notice", || {
        find::<HtmlElement>(&root, "[role=alert]").is_some()
    })
    .await;
    assert!(root.query_selector("img").unwrap().is_none());
    let text = root.text_content().unwrap();
    assert!(text.contains("<img src=x onerror=alert(1)>坏了"), "{text}");
    assert_eq!(q::<HtmlElement>(&root, "[role=alert]").tag_name(), "DIV");
}

#[wasm_bindgen_test]
async fn the_key_field_hides_the_key_until_asked() {
    let (root, _h) = mount_settings().await;
    let key: HtmlInputElement = q(&root, "#api-key");
    assert_eq!(key.type_(), "password");
    button(&root, "Show").click();
    until("the key shown", || key.type_() == "text").await;
    button(&root, "Hide").click();
    until("the key hidden", || key.type_() == "password").await;
}

#[wasm_bindgen_test]
async fn the_key_lives_only_where_the_user_chose() {
    let (root, _h) = mount_settings().await;
    type_into(&q(&root, "#api-key"), "sk-secret-test");
    until("the key on the device", || {
        local("api-key").as_deref() == Some("sk-secret-test")
    })
    .await;
    assert_eq!(session("api-key"), None);
    q::<HtmlInputElement>(&root, "#keep-tab").click();
    until("the key moved to the session", || {
        session("api-key").is_some_and(|s| s.contains("sk-secret-test"))
    })
    .await;
    assert_eq!(local("api-key"), None);
    // The settings entry never holds the key.
    assert!(!local("settings").unwrap().contains("sk-secret-test"));
    button(&root, "Forget the key").click();
    until("the key forgotten", || {
        session("api-key").is_none() && q::<HtmlInputElement>(&root, "#api-key").value().is_empty()
    })
    .await;
    // A later change of another setting writes no key anywhere.
    type_into(&q(&root, "#theme"), "dark");
    until("the theme saved", || {
        local("settings").is_some_and(|s| s.contains("dark"))
    })
    .await;
    assert_eq!(local("api-key"), None);
    assert_eq!(session("api-key"), None);
}

#[wasm_bindgen_test]
async fn a_bad_base_url_is_marked() {
    let (root, _h) = mount_settings().await;
    assert!(!invalid(&root, "base-url"));
    type_into(&q(&root, "#base-url"), "javascript:alert(1)");
    until("the base URL marked", || invalid(&root, "base-url")).await;
    assert!(root.text_content().unwrap().contains("https://"));
}

#[wasm_bindgen_test]
async fn typing_the_key_does_not_rebuild_the_form() {
    clear_storage().await;
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        let (settings, config, _) = provide_app_state();
        settings.set_key("sk-a".into());
        config.config.set(Some(self::config()));
        view! { <SettingsPanel/><CreateForm/> }
    });
    until("the form", || {
        find::<HtmlElement>(&root, "#prompt").is_some()
    })
    .await;
    let prompt: HtmlElement = q(&root, "#prompt");
    for key in ["sk-ab", "sk-abc", "sk-abcd"] {
        type_into(&q(&root, "#api-key"), key);
        until("the key saved", || local("api-key").as_deref() == Some(key)).await;
    }
    let now: HtmlElement = q(&root, "#prompt");
    assert!(now == prompt, "the prompt field is the same element");
}

#[wasm_bindgen_test]
async fn the_form_is_built_from_the_config() {
    clear_storage().await;
    let root = container();
    let _h = mount_form(&root, None).await;
    let model: HtmlSelectElement = q(&root, "#model");
    assert_eq!(model.length(), 2);
    assert_eq!(model.value(), "original");
    let sampler: HtmlSelectElement = q(&root, "#sampler");
    assert_eq!(sampler.value(), "DPM++ 2M Karras");
    let size: HtmlSelectElement = q(&root, "#size");
    let sizes: Vec<String> = (0..size.length())
        .map(|i| size.item(i).unwrap().get_attribute("value").unwrap())
        .collect();
    assert!(
        sizes.contains(&"768x512".into())
            && sizes.contains(&"512x768".into())
            && sizes.contains(&"custom".into())
    );
    assert!(root.text_content().unwrap().contains("空闲"));
    assert!(root.query_selector("#width").unwrap().is_none());
    type_into(&size.clone().unchecked_into(), "custom");
    until("the custom size fields", || {
        find::<HtmlElement>(&root, "#width").is_some()
    })
    .await;
    assert_eq!(q::<HtmlInputElement>(&root, "#width").value(), "768");
    assert_eq!(q::<HtmlInputElement>(&root, "#height").value(), "512");
    let negative: HtmlTextAreaElement = q(&root, "#negative");
    assert!(negative.value().starts_with("lowres, bad anatomy"));
}

#[wasm_bindgen_test]
async fn invalid_fields_are_marked_explained_and_nothing_is_sent() {
    clear_storage().await;
    let root = container();
    let (_h, jobs) = mount_form(&root, None).await;
    type_into(&q(&root, "#steps"), "500");
    until("the draft saved", || {
        local("draft").is_some_and(|d| d.contains("\"500\""))
    })
    .await;
    // Errors show only after the first attempt.
    assert!(!invalid(&root, "steps"));
    q::<web_sys::HtmlFormElement>(&root, "form")
        .request_submit()
        .unwrap();
    until("the fields marked", || {
        invalid(&root, "prompt") && invalid(&root, "steps")
    })
    .await;
    assert!(q::<HtmlElement>(&root, "#steps-msg")
        .text_content()
        .unwrap()
        .contains("150"));
    assert!(q::<HtmlElement>(&root, "#prompt-msg")
        .text_content()
        .unwrap()
        .contains("Required"));
    assert_eq!(jobs.with_lists(|l| l.len()), 0, "nothing queued");
    // Fixing a field clears its mark at once.
    type_into(&q(&root, "#steps"), "28");
    until("the mark cleared", || !invalid(&root, "steps")).await;
}

#[wasm_bindgen_test]
async fn loras_are_added_with_a_weight_and_removed() {
    clear_storage().await;
    let root = container();
    let _h = mount_form(&root, None).await;
    button(&root, "Add LoRA").click();
    until("a LoRA row", || {
        find::<HtmlElement>(&root, "#lora-weight-0").is_some()
    })
    .await;
    let w: HtmlInputElement = q(&root, "#lora-weight-0");
    assert_eq!(w.value(), "60");
    type_into(&q(&root, "#lora-add"), "ink");
    button(&root, "Add LoRA").click();
    until("a second LoRA row", || {
        find::<HtmlElement>(&root, "#lora-weight-1").is_some()
    })
    .await;
    assert_eq!(q::<HtmlInputElement>(&root, "#lora-weight-1").value(), "60");
    // Both added: nothing left to add.
    until("no LoRA left to add", || {
        find::<HtmlElement>(&root, "#lora-add").is_none()
    })
    .await;
    type_into(&q(&root, "#lora-weight-1"), "35");
    until("the weight saved", || {
        local("draft").unwrap().contains("\"35\"")
    })
    .await;
    button(&root, "Remove Bocchi").click();
    until("one LoRA row", || {
        find::<HtmlElement>(&root, "#lora-weight-1").is_none()
    })
    .await;
    assert_eq!(q::<HtmlInputElement>(&root, "#lora-weight-0").value(), "35");
}

#[wasm_bindgen_test]
async fn the_draft_survives_a_remount() {
    clear_storage().await;
    let root = container();
    {
        let _h = mount_form(&root, None).await;
        type_into(&q(&root, "#prompt"), "礼花，气球");
        type_into(&q(&root, "#steps"), "151");
        until("the draft saved", || {
            local("draft").is_some_and(|d| d.contains("151") && d.contains("礼花"))
        })
        .await;
    }
    let root2 = container();
    let _h = mount_form(&root2, None).await;
    until("the prompt back in the form", || {
        q::<HtmlTextAreaElement>(&root2, "#prompt").value() == "礼花，气球"
    })
    .await;
    // Even an invalid value is kept, not lost.
    assert_eq!(q::<HtmlInputElement>(&root2, "#steps").value(), "151");
}

#[wasm_bindgen_test]
async fn a_valid_form_queues_one_job_per_image_with_random_seeds() {
    clear_storage().await;
    let root = container();
    // Unreachable on purpose: the jobs are created, their sending fails.
    let (_h, jobs) = mount_form(&root, Some("http://127.0.0.1:9")).await;
    type_into(&q(&root, "#prompt"), "cat");
    type_into(&q(&root, "#batch"), "3");
    until("the draft saved", || {
        local("draft").is_some_and(|d| d.contains("cat"))
    })
    .await;
    q::<web_sys::HtmlFormElement>(&root, "form")
        .request_submit()
        .unwrap();
    until("three jobs", || jobs.with_lists(|l| l.len()) == 3).await;
    let seeds: std::collections::HashSet<u32> = jobs
        .with_lists(|l| l.all.clone())
        .iter()
        .map(|id| jobs.job(id).unwrap().get_untracked().request.seed)
        .collect();
    assert_eq!(seeds.len(), 3, "each image gets its own random seed");
    // The form keeps its values.
    assert_eq!(q::<HtmlTextAreaElement>(&root, "#prompt").value(), "cat");
}

/// In the browser `json` goes through `JSON.parse` / `JSON.stringify`:
/// what it writes serde_json (earlier versions) reads back the same, and
/// the other way round.
#[wasm_bindgen_test]
fn browser_json_and_serde_json_read_each_other() {
    use kamiya_studio::json;
    use serde::{Deserialize, Serialize};
    use std::collections::HashMap;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Kind {
        Plain,
        Named(String),
        Failed { error: ApiError },
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        seed: u32,
        cfg: f64,
        whole: f64,
        text: String,
        none: Option<String>,
        folds: HashMap<String, bool>,
        loras: Vec<(String, f64)>,
        kinds: Vec<Kind>,
    }
    let sample = Sample {
        seed: u32::MAX,
        cfg: 7.5,
        whole: 3.0,
        text: "quote \" comma, colon: line\nbreak \u{1F600} \u{1}".into(),
        none: None,
        folds: HashMap::from([("a".into(), true), ("1".into(), false)]),
        loras: vec![("x".into(), 0.1)],
        kinds: vec![
            Kind::Plain,
            Kind::Named("n".into()),
            Kind::Failed {
                error: ApiError::Api {
                    status: (1 << 53) - 1,
                    message: "m".into(),
                },
            },
        ],
    };
    let written = json::to_string(&sample).unwrap();
    assert!(written.contains(r#""none":null"#), "{written}");
    assert_eq!(serde_json::from_str::<Sample>(&written).unwrap(), sample);
    let old = serde_json::to_string(&sample).unwrap();
    assert_eq!(json::from_str::<Sample>(&old).unwrap(), sample);
    // Unknown fields are ignored, missing optional ones are `None`.
    let lenient = old.replace(r#""none":null"#, r#""extra":{"deep":[1]}"#);
    assert_eq!(json::from_str::<Sample>(&lenient).unwrap(), sample);
    assert_eq!(
        json::to_string("a \"b\", c").unwrap(),
        serde_json::to_string("a \"b\", c").unwrap()
    );
    for bad in ["", "{", "[1,]", "{'a':1}", "nul"] {
        assert!(json::from_str::<serde_json::Value>(bad).is_err(), "{bad}");
    }
}
