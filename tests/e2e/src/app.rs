//! What journeys and the benchmark do with Kamiya Studio itself: connect it
//! to an API, read what it stored, wait for its pictures.

use std::time::Duration;

use crate::engine::require;
use crate::{Engine, Harness};

/// Opens the app, points it at `api_url` with `key` and presses
/// "Check connection" (without waiting for the result).
pub async fn connect(h: &Harness, api_url: &str, key: &str) {
    h.open().await;
    h.fill("API base URL", api_url).await;
    h.fill("API key", key).await;
    h.click("Check connection").await;
}

/// The hashids of the jobs the app has stored, newest first.
pub async fn stored_hashids(h: &Harness) -> Vec<String> {
    let v = h
        .eval("JSON.parse(localStorage.getItem('kamiya-studio:v1:jobs') || '{\"jobs\":[]}').jobs.map(j => j.hashid)")
        .await;
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until at least `count` generated images have really loaded.
pub async fn wait_for_images(h: &Harness, count: usize, timeout: Duration) {
    h.wait_until(
        &format!(
            "Array.from(document.querySelectorAll('img')).filter(i => i.alt.startsWith('Generated image') && i.complete && i.naturalWidth > 0).length >= {count}"
        ),
        timeout,
    )
    .await;
}

/// ChromeDriver's network emulation: `offline` cuts the browser off every
/// network, loopback included, as airplane mode would.
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({
            "network_conditions": {
                "offline": self.offline,
                "latency": 0,
                "download_throughput": -1,
                "upload_throughput": -1,
            }
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Takes the browser off the network (or back on): `navigator.onLine` turns false and the
/// `offline` event fires. Chromium only (chromedriver's network conditions); elsewhere
/// [`Harness::stop_server`] is the engine-neutral way to lose the app's host.
pub async fn set_offline(h: &Harness, offline: bool) {
    require(h.engine(), Engine::Chromium, "offline network emulation");
    h.client
        .issue_cmd(NetworkConditions { offline })
        .await
        .expect("chromedriver network conditions");
}

/// Makes the browser fail every request whose URL matches one of `patterns` (`*` wildcards),
/// e.g. `["*.wasm"]` to see the page as it is before the app arrives. Chromium only (the
/// DevTools protocol's `Network.setBlockedURLs`).
pub async fn block_urls(h: &Harness, patterns: &[&str]) {
    require(h.engine(), Engine::Chromium, "blocking URLs");
    for (cmd, params) in [
        ("Network.enable", serde_json::json!({})),
        (
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": patterns }),
        ),
    ] {
        h.client
            .issue_cmd(crate::driver::Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    }
}
