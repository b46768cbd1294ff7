//! As deployed: under a sub-path (GitHub Pages project sites) and under the
//! Content-Security-Policy the build puts into index.html.

use crate::common::{connected, standin, wait_for_images, WAIT};
use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_journey_works_under_a_sub_path_and_the_strict_policy() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions {
        sub_path: "/kamiya-studio/".into(),
        ..HarnessOptions::phone()
    })
    .await;
    assert!(h.app_url.ends_with("/kamiya-studio/"), "{}", h.app_url);
    connected(&h, &api).await;
    let policy = h
        .eval("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
        .await;
    let policy = policy.as_str().unwrap_or_default().to_string();
    assert!(
        policy.contains("default-src 'none'")
            && policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{policy}"
    );
    // The wasm is asked for once, after the static first screen has
    // painted (scripts/post_build.py): nothing preloads it beside.
    let order = h
        .eval(
            "(() => { const p = performance.getEntriesByName('first-contentful-paint')[0];\
             const w = performance.getEntriesByType('resource').filter(e => e.name.endsWith('.wasm'));\
             return { paint: p ? p.startTime : null, wasm: w.map(e => e.startTime) }; })()",
        )
        .await;
    let wasm = order["wasm"].as_array().cloned().unwrap_or_default();
    assert_eq!(wasm.len(), 1, "one request for the wasm: {order}");
    let paint = order["paint"].as_f64().expect("a first paint entry");
    assert!(
        wasm[0].as_f64().unwrap() >= paint,
        "the wasm was asked for before the first paint: {order}"
    );
    h.fill("Prompt", "under a sub-path").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, WAIT).await;
    // The share link points at the sub-path too.
    h.eval("(() => { navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); }; return true })()").await;
    kamiya_e2e::app::picture_menu(&h, "under a sub-path", "Copy share link").await;
    h.wait_until("typeof window.__copied === 'string'", WAIT)
        .await;
    let link = h.eval("window.__copied").await;
    assert!(
        link.as_str()
            .unwrap()
            .starts_with(&format!("{}#p=", h.app_url)),
        "{link}"
    );
    let console = h.console_messages().await;
    assert!(
        !console
            .iter()
            .any(|m| m.to_lowercase().contains("content security policy") || m.contains("csp")),
        "policy violations: {console:?}"
    );
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_one_visit_the_app_opens_offline_with_its_jobs() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "kept for the road").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, WAIT).await;
    // The service worker has taken the app shell. The app is opened again rather than
    // reloaded: Firefox's WebDriver reload bypasses service workers, as Shift+reload does.
    h.open().await;
    h.wait_until("navigator.serviceWorker.controller !== null", WAIT)
        .await;
    // The tag list is fetched on the prompt's first focus, and kept then.
    h.field("Prompt").await.click().await.unwrap();
    h.wait_until(
        "(caches.match(new URL('tags.txt', location.href).href).then(r => { window.__tagsKept = !!r }), window.__tagsKept === true)",
        WAIT,
    )
    .await;

    // The app's host goes away, so only the service worker can bring the app back: this
    // works in every engine. Chromium can also take the whole browser offline (its own
    // protocol), which the app notices and says.
    h.stop_server().await;
    let chromium = h.engine() == Engine::Chromium;
    if chromium {
        kamiya_e2e::app::set_offline(&h, true).await;
    }
    h.open().await;
    if chromium {
        h.wait_text("You are offline", WAIT).await;
    }
    h.wait_until(
        "!!document.querySelector('[aria-label=\"Open image: kept for the road\"]')",
        WAIT,
    )
    .await;
    assert_eq!(h.value("API base URL").await, api.api_url());
    h.screenshot(&format!("desktop-offline-{}", h.engine()))
        .await;
    if chromium {
        kamiya_e2e::app::set_offline(&h, false).await;
        // The form needs the API's config, which offline it could not read.
        h.open().await;
    }
    // The app's host is still gone: the tag list comes from the service
    // worker's copy.
    h.field("Prompt")
        .await
        .send_keys(", long ha")
        .await
        .unwrap();
    h.wait_until(
        "(() => { const o = document.querySelector('#prompt-tags [role=option] .tag-name'); return !!o && o.textContent === 'long hair'; })()",
        WAIT,
    )
    .await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_and_dark_are_chosen_in_settings_and_remembered() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    connected(&h, &api).await;
    h.select("Language", "中文").await;
    h.wait_text("生成", WAIT).await;
    assert_eq!(
        h.eval("document.documentElement.lang").await.as_str(),
        Some("zh-CN")
    );
    h.select("主题", "深色").await;
    assert_eq!(
        h.eval("document.documentElement.dataset.theme")
            .await
            .as_str(),
        Some("dark")
    );
    h.fill("提示词", "夜晚的灯笼").await;
    h.click("生成").await;
    // A phone shows the pictures one tap from the form.
    kamiya_e2e::app::show_view(&h, "图片").await;
    h.wait_until("Array.from(document.querySelectorAll('.gallery button')).some(b => (b.getAttribute('aria-label') || '').startsWith('查看图片') && b.querySelector('img') && b.querySelector('img').complete && b.querySelector('img').naturalWidth > 0)", WAIT).await;
    // Times as Chinese writes them: 24-hour clock (in the full view).
    h.click("查看图片: 夜晚的灯笼").await;
    let made = h
        .eval("document.querySelector('.viewer time').textContent")
        .await;
    assert!(
        h.eval_with("/^\\d{1,2}:\\d{2}$/.test(arguments[0])", vec![made.clone()])
            .await
            == true,
        "{made}"
    );
    h.click("关闭").await;
    h.eval("(() => { window.scrollTo(0, 0); return true })()")
        .await;
    h.screenshot("phone-zh-dark").await;
    h.reload().await;
    // The reload returns to the pictures; the form is a tap away.
    kamiya_e2e::app::show_view(&h, "创作").await;
    h.field("提示词").await;
    assert_eq!(h.value("语言").await, "zh");
    if h.engine() != Engine::Chromium {
        // Holding the wasm back needs Chromium's DevTools protocol.
        h.close().await;
        return;
    }
    // Before the app arrives, the static first screen is already dark and
    // Chinese: no flash of the system's theme.
    kamiya_e2e::app::block_urls(&h, &["*.wasm"]).await;
    h.client.refresh().await.expect("reload");
    h.wait_until("!!document.getElementById('boot')", WAIT)
        .await;
    assert_eq!(
        h.eval("[document.documentElement.dataset.theme, document.documentElement.lang, getComputedStyle(document.body).backgroundColor]")
            .await,
        serde_json::json!(["dark", "zh-CN", "rgb(18, 18, 22)"])
    );
    assert!(h
        .eval("document.body.innerText")
        .await
        .as_str()
        .unwrap()
        .contains("正在加载"));
    kamiya_e2e::app::block_urls(&h, &[]).await;
    assert_eq!(
        h.eval("document.documentElement.dataset.theme")
            .await
            .as_str(),
        Some("dark")
    );
    h.close().await;
}
