//! What journeys and the benchmark do with Kamiya Studio itself: connect it
//! to an API, read what it stored, wait for its pictures.

use std::time::Duration;

use crate::Harness;

/// Opens the app, points it at `api_url` with `key` and presses
/// "Check connection" (without waiting for the result).
pub async fn connect(h: &Harness, api_url: &str, key: &str) {
    h.open().await;
    h.fill("API base URL", api_url).await;
    h.fill("API key", key).await;
    h.click("Check connection").await;
}

/// Reads the app's job archive (IndexedDB) in the page: every stored job
/// as JSON, newest first. Never creates the database (an upgrade is
/// aborted), so it is safe before the app has run.
pub const READ_ARCHIVE: &str = r#"new Promise(resolve => {
  const open = indexedDB.open('kamiya-studio', 1);
  open.onupgradeneeded = () => open.transaction.abort();
  open.onerror = () => resolve([]);
  open.onsuccess = () => {
    const db = open.result;
    const all = db.transaction('jobs').objectStore('jobs').index('t').getAll();
    all.onsuccess = () => { db.close(); resolve(all.result.reverse().map(r => JSON.parse(r.job))); };
    all.onerror = () => { db.close(); resolve([]); };
  };
})"#;

/// The jobs the app has stored (its archive), newest first, as JSON.
pub async fn stored_jobs(h: &Harness) -> Vec<serde_json::Value> {
    h.eval(READ_ARCHIVE)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The hashids of the jobs the app has stored, newest first.
pub async fn stored_hashids(h: &Harness) -> Vec<String> {
    stored_jobs(h)
        .await
        .iter()
        .filter_map(|j| j["hashid"].as_str().map(str::to_string))
        .collect()
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

/// Takes the browser off the network (or back on).
pub async fn set_offline(h: &Harness, offline: bool) {
    h.client
        .issue_cmd(NetworkConditions { offline })
        .await
        .expect("chromedriver network conditions");
}

/// Makes the browser fail every request whose URL matches one of `patterns` (`*` wildcards),
/// e.g. `["*.wasm"]` to see the page as it is before the app arrives.
pub async fn block_urls(h: &Harness, patterns: &[&str]) {
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

/// A Chrome DevTools Protocol command through chromedriver (Chromium only).
pub async fn cdp(h: &Harness, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
    h.client
        .issue_cmd(crate::driver::Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Runs `js` in every page of this window before any of the page's own
/// scripts, from the next load on (Chromium only): to take a browser
/// feature away before the app starts.
pub async fn before_app_starts(h: &Harness, js: &str) {
    cdp(
        h,
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": js }),
    )
    .await;
}

/// Writes jobs straight into the app's archive (IndexedDB), in the format
/// of `src/state/jobs/archive.rs`: for tests and the benchmark that need
/// thousands of stored jobs. `jobs` is a JSON array of jobs. The app must
/// have opened the archive once (it creates it).
pub async fn seed_archive(h: &Harness, jobs: &serde_json::Value) {
    let done = h
        .eval_with(
            r#"new Promise((resolve, reject) => {
  const open = indexedDB.open('kamiya-studio', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction('jobs', 'readwrite');
    const store = tx.objectStore('jobs');
    for (const job of arguments[0]) {
      store.put({ id: job.id, t: job.queued_at, fav: job.favourite ? 1 : 0, v: 1, job: JSON.stringify(job) });
    }
    tx.oncomplete = () => { db.close(); resolve(arguments[0].length); };
    tx.onabort = () => { db.close(); reject(tx.error); };
  };
})"#,
            vec![jobs.clone()],
        )
        .await;
    assert_eq!(done.as_u64(), jobs.as_array().map(|a| a.len() as u64));
}
