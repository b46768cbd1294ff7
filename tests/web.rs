//! Component tests in a real browser (headless Chromium), for what needs
//! the DOM: rendering, events, storage. Run with `cargo test --target
//! wasm32-unknown-unknown` (see README).
#![cfg(target_arch = "wasm32")]

use kamiya_studio::api::{ApiError, ImageConfig, LoraInfo, ModelInfo};
use kamiya_studio::provide_app_state;
use kamiya_studio::ui::common::ErrorNotice;
use kamiya_studio::ui::form::CreateForm;
use kamiya_studio::ui::settings::SettingsPanel;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

const PREFIX: &str = "kamiya-studio:v1:";

fn clear_storage() {
    let w = web_sys::window().unwrap();
    w.local_storage().unwrap().unwrap().clear().unwrap();
    w.session_storage().unwrap().unwrap().clear().unwrap();
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

async fn tick() {
    gloo_timers::future::TimeoutFuture::new(20).await;
}

fn q<T: JsCast>(root: &HtmlElement, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element {selector}"))
        .unchecked_into()
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
    clear_storage();
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), || {
        provide_app_state();
        view! { <SettingsPanel/> }
    });
    tick().await;
    (root, handle)
}

/// Mounts the create form with a key and a loaded config.
fn mount_form(root: &HtmlElement) -> leptos::mount::UnmountHandle<impl Mountable> {
    leptos::mount::mount_to(root.clone(), || {
        let (settings, config, _) = provide_app_state();
        settings.key.set("sk-test".into());
        config.config.set(Some(self::config()));
        view! { <CreateForm/> }
    })
}

#[wasm_bindgen_test]
async fn server_text_is_shown_as_text_never_as_html() {
    clear_storage();
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        provide_app_state();
        let e = ApiError::Api {
            status: 500,
            message: "<img src=x onerror=alert(1)>坏了".into(),
        };
        view! { <ErrorNotice error=Signal::derive(move || Some(e.clone()))/> }
    });
    tick().await;
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
    tick().await;
    assert_eq!(key.type_(), "text");
    button(&root, "Hide").click();
    tick().await;
    assert_eq!(key.type_(), "password");
}

#[wasm_bindgen_test]
async fn the_key_lives_only_where_the_user_chose() {
    let (root, _h) = mount_settings().await;
    type_into(&q(&root, "#api-key"), "sk-secret-test");
    tick().await;
    assert_eq!(local("api-key").as_deref(), Some("sk-secret-test"));
    assert_eq!(session("api-key"), None);
    q::<HtmlInputElement>(&root, "#keep-tab").click();
    tick().await;
    assert_eq!(local("api-key"), None);
    assert_eq!(session("api-key").as_deref(), Some("sk-secret-test"));
    // The settings entry never holds the key.
    assert!(!local("settings").unwrap().contains("sk-secret-test"));
    button(&root, "Forget the key").click();
    tick().await;
    assert_eq!(session("api-key"), None);
    assert_eq!(q::<HtmlInputElement>(&root, "#api-key").value(), "");
}

#[wasm_bindgen_test]
async fn a_bad_base_url_is_marked() {
    let (root, _h) = mount_settings().await;
    let url: HtmlElement = q(&root, "#base-url");
    assert_eq!(url.get_attribute("aria-invalid").as_deref(), Some("false"));
    type_into(&url, "javascript:alert(1)");
    tick().await;
    assert_eq!(url.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert!(root.text_content().unwrap().contains("https://"));
}

#[wasm_bindgen_test]
async fn the_form_is_built_from_the_config() {
    clear_storage();
    let root = container();
    let _h = mount_form(&root);
    tick().await;
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
    tick().await;
    assert_eq!(q::<HtmlInputElement>(&root, "#width").value(), "768");
    assert_eq!(q::<HtmlInputElement>(&root, "#height").value(), "512");
    let negative: HtmlTextAreaElement = q(&root, "#negative");
    assert!(negative.value().starts_with("lowres, bad anatomy"));
}

#[wasm_bindgen_test]
async fn invalid_fields_are_marked_explained_and_nothing_is_sent() {
    clear_storage();
    let root = container();
    let _h = mount_form(&root);
    tick().await;
    type_into(&q(&root, "#steps"), "500");
    tick().await;
    // Errors show only after the first attempt.
    assert_eq!(
        q::<HtmlElement>(&root, "#steps")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
    q::<web_sys::HtmlFormElement>(&root, "form")
        .request_submit()
        .unwrap();
    tick().await;
    for id in ["prompt", "steps"] {
        assert_eq!(
            q::<HtmlElement>(&root, &format!("#{id}"))
                .get_attribute("aria-invalid")
                .as_deref(),
            Some("true"),
            "{id}"
        );
    }
    assert!(q::<HtmlElement>(&root, "#steps-msg")
        .text_content()
        .unwrap()
        .contains("150"));
    assert!(q::<HtmlElement>(&root, "#prompt-msg")
        .text_content()
        .unwrap()
        .contains("Required"));
    let jobs = expect_jobs(&root);
    assert_eq!(jobs, 0);
    // Fixing a field clears its mark at once.
    type_into(&q(&root, "#steps"), "28");
    tick().await;
    assert_eq!(
        q::<HtmlElement>(&root, "#steps")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
}

/// The number of jobs stored on this device.
fn expect_jobs(_root: &HtmlElement) -> usize {
    local("jobs")
        .map(|s| {
            serde_json::from_str::<serde_json::Value>(&s).unwrap()["jobs"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .unwrap_or(0)
}

#[wasm_bindgen_test]
async fn loras_are_added_with_a_weight_and_removed() {
    clear_storage();
    let root = container();
    let _h = mount_form(&root);
    tick().await;
    button(&root, "Add LoRA").click();
    tick().await;
    let w: HtmlInputElement = q(&root, "#lora-weight-0");
    assert_eq!(w.value(), "60");
    type_into(&q(&root, "#lora-add"), "ink");
    button(&root, "Add LoRA").click();
    tick().await;
    assert_eq!(q::<HtmlInputElement>(&root, "#lora-weight-1").value(), "60");
    // Both added: nothing left to add.
    assert!(root.query_selector("#lora-add").unwrap().is_none());
    type_into(&q(&root, "#lora-weight-1"), "35");
    tick().await;
    assert!(local("draft").unwrap().contains("\"35\""));
    button(&root, "Remove Bocchi").click();
    tick().await;
    assert!(root.query_selector("#lora-weight-1").unwrap().is_none());
    assert_eq!(q::<HtmlInputElement>(&root, "#lora-weight-0").value(), "35");
}

#[wasm_bindgen_test]
async fn the_draft_survives_a_remount() {
    clear_storage();
    let root = container();
    {
        let _h = mount_form(&root);
        tick().await;
        type_into(&q(&root, "#prompt"), "礼花，气球");
        type_into(&q(&root, "#steps"), "151");
        tick().await;
    }
    let root2 = container();
    let _h = mount_form(&root2);
    tick().await;
    assert_eq!(
        q::<HtmlTextAreaElement>(&root2, "#prompt").value(),
        "礼花，气球"
    );
    // Even an invalid value is kept, not lost.
    assert_eq!(q::<HtmlInputElement>(&root2, "#steps").value(), "151");
}

#[wasm_bindgen_test]
async fn a_valid_form_queues_one_job_per_image_with_random_seeds() {
    clear_storage();
    let root = container();
    let _h = leptos::mount::mount_to(root.clone(), || {
        let (settings, config, _) = provide_app_state();
        // Unreachable on purpose: the jobs are created, their sending fails.
        settings.base_url.set("http://127.0.0.1:9".into());
        settings.key.set("sk-test".into());
        config.config.set(Some(self::config()));
        view! { <CreateForm/> }
    });
    tick().await;
    type_into(&q(&root, "#prompt"), "cat");
    type_into(&q(&root, "#batch"), "3");
    tick().await;
    q::<web_sys::HtmlFormElement>(&root, "form")
        .request_submit()
        .unwrap();
    tick().await;
    let stored: serde_json::Value = serde_json::from_str(&local("jobs").unwrap()).unwrap();
    let jobs = stored["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    let seeds: std::collections::HashSet<u64> = jobs
        .iter()
        .map(|j| j["request"]["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds.len(), 3, "each image gets its own random seed");
    // The form keeps its values.
    assert_eq!(q::<HtmlTextAreaElement>(&root, "#prompt").value(), "cat");
}
