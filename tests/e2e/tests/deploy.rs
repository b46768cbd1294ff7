//! As deployed: under a sub-path (GitHub Pages project sites) and under the
//! Content-Security-Policy the build puts into index.html.

mod common;

use common::{connected, standin, wait_for_images, WAIT};
use kamiya_e2e::{Harness, HarnessOptions};

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
    h.fill("Prompt", "under a sub-path").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, WAIT).await;
    // The share link points at the sub-path too.
    h.eval("(() => { navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); }; return true })()").await;
    h.click("Copy share link").await;
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
