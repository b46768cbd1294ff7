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

/// On a narrow screen, taps the link to the view named `name` ("Create"
/// or "Pictures", or their Chinese names) and waits until it shows; on a
/// wide one, where both views are on the screen, does nothing.
pub async fn show_view(h: &Harness, name: &str) {
    let narrow = h
        .eval("(() => { const n = document.querySelector('nav.views'); return !!n && getComputedStyle(n).display !== 'none'; })()")
        .await;
    if narrow != serde_json::Value::Bool(true) {
        return;
    }
    h.click_link(name).await;
    h.wait_until(
        &format!(
            "Array.from(document.querySelectorAll('nav.views a')).some(a => a.textContent.trim() === {name:?} && a.getAttribute('aria-current') === 'page')"
        ),
        Duration::from_secs(10),
    )
    .await;
}

/// Reads the app's job archive (IndexedDB) in the page: every stored job
/// as JSON, newest first. Never creates the database (an upgrade is
/// aborted), so it is safe before the app has run.
pub const READ_ARCHIVE: &str = r#"new Promise(resolve => {
  const open = indexedDB.open('kamiya-studio');
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

/// A script step: on a narrow screen, the *Pictures* view (its link is the
/// views' second), as a person looking for their pictures taps it.
const TO_PICTURES: &str = "const views = document.querySelector('nav.views');
  if (views && getComputedStyle(views).display !== 'none') {
    const a = views.querySelectorAll('a')[1];
    if (a && a.getAttribute('aria-current') !== 'page') a.click();
  }";

/// Waits until at least `count` pictures have really loaded in the gallery
/// (brought into view: the grid holds only the rows near the screen).
pub async fn wait_for_images(h: &Harness, count: usize, timeout: Duration) {
    h.wait_until(
        &format!(
            "(() => {{ {TO_PICTURES}
               const n = Array.from(document.querySelectorAll('.gallery img')).filter(i => i.complete && i.naturalWidth > 0).length;
               const g = document.getElementById('gallery-title');
               if (n < {count} && g) g.scrollIntoView({{ block: 'start' }});
               return n >= {count}; }})()"
        ),
        timeout,
    )
    .await;
}

/// Waits until the gallery shows a picture made from `prompt` (brought
/// into view first).
pub async fn wait_for_picture(h: &Harness, prompt: &str, timeout: Duration) {
    h.wait_until(
        &format!(
            "(() => {{ {TO_PICTURES} const g = document.getElementById('gallery-title'); if (g) g.scrollIntoView({{ block: 'start' }});
               return Array.from(document.querySelectorAll('.gallery button')).some(b => (b.getAttribute('aria-label') || '').endsWith(': ' + {prompt:?})); }})()"
        ),
        timeout,
    )
    .await;
}

/// Opens the menu of the gallery picture whose prompt is `prompt` and
/// picks the item named `item` (by mouse, as a person would).
pub async fn picture_menu(h: &Harness, prompt: &str, item: &str) {
    h.click(&format!("More actions: {prompt}")).await;
    // The menu is placed (in the top layer) and focused in the frame after
    // the click; a person sees it there before pressing an item. Clicking
    // at once raced that move in WebKit under load: the click landed where
    // the item had been, outside the menu, which closed it.
    h.wait_until(
        "document.activeElement?.getAttribute('role')?.startsWith('menuitem') === true",
        Duration::from_secs(10),
    )
    .await;
    h.click(item).await;
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

/// A Chrome DevTools Protocol command through chromedriver (Chromium only).
pub async fn cdp(h: &Harness, cmd: &'static str, params: serde_json::Value) -> serde_json::Value {
    require(h.engine(), Engine::Chromium, cmd);
    h.client
        .issue_cmd(crate::driver::Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Writes `n` finished jobs straight into the app's archive (IndexedDB,
/// in the format of `src/state/jobs/archive.rs`), built in the page:
/// 20,000 jobs are about 30 MB, too much to send through WebDriver. The
/// newest is "archived picture {n-1}". The app must have opened the
/// archive once (it creates it).
pub async fn seed_archive(h: &Harness, n: usize) {
    seed_archive_with_images(h, n, "https://cdn.invalid/{i}.jpg").await;
}

/// Like [`seed_archive`], each picture's URL made from `image_url` with
/// `{i}` replaced by its number (real pictures, for the bench).
pub async fn seed_archive_with_images(h: &Harness, n: usize, image_url: &str) {
    let done = h
        .eval_with(
            SEED_ARCHIVE,
            vec![serde_json::json!(n), serde_json::json!(image_url)],
        )
        .await;
    assert_eq!(done.as_u64(), Some(n as u64), "archive seeded");
}

const SEED_ARCHIVE: &str = r#"new Promise((resolve, reject) => {
  const n = arguments[0];
  const now = Date.now();
  const open = indexedDB.open('kamiya-studio');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction('jobs', 'readwrite');
    const store = tx.objectStore('jobs');
    for (let i = 0; i < n; i++) {
      const t = now - (n - i) * 60000;
      const job = { id: 'arch-' + i, request: { type: 'text2image', prompts: 'archived picture ' + i,
          negativePrompts: 'lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry',
          step: 28, cfg: 12, seed: i, sampling: 'DPM++ 2M Karras', width: 512, height: 768, model: 'original', LoRAs: [] },
        hashid: 'archhash' + i, server_id: String(i), metaid: null, state: 'Generated', queued_at: t,
        submitted_at: t + 10, first_seen_at: t + 20, finished_at: t + 6000, image_url: arguments[1].replace('{i}', i),
        server_created_at: null, last_error: null, last_pending_at: null, rev: 2, favourite: i % 50 === 0, watch_from: null };
      store.put({ id: job.id, t, fav: job.favourite ? 1 : 0, v: 1, job: JSON.stringify(job) });
    }
    tx.oncomplete = () => { db.close(); resolve(n); };
    tx.onabort = () => { db.close(); reject(tx.error); };
  };
})"#;
