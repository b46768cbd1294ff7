//! The harness itself, against a tiny hand-written page instead of the real app, so it can be
//! checked without a Trunk build or the stand-in API.

use std::path::PathBuf;
use std::time::Duration;

use kamiya_e2e::{pids_using, Engine, Harness, HarnessOptions};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INDEX: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake studio</title>
<script>window.inlineRan = true;</script>
<script src="{base}app.js" defer></script>
</head><body>
<main aria-label="Studio">
  <label for="a">Name *</label><input id="a" maxlength="40">
  <label for="s">Size</label>
  <select id="s"><option value="512">Small</option><option value="1024">Large</option></select>
  <label><input type="checkbox" id="c"> Hi-res</label>
  <label class="switch"><input type="checkbox" id="sw" style="position:absolute;opacity:0;width:0;height:0"><span>Fast mode</span></label>
  <textarea aria-label="Prompt"></textarea>
  <span id="steps-l">Steps</span><input type="number" id="n" aria-labelledby="steps-l" value="20">
  <button type="button" id="go">Go</button>
  <button type="button" aria-label="Close panel"><span aria-hidden="true">✕</span></button>
  <div role="button" tabindex="0" id="fancy">Fancy</div>
  <button type="button" hidden>Hidden one</button>
  <button type="button" id="slow" disabled>Slow</button>
  <p id="out"></p>
  <div style="height:3000px"></div>
  <button type="button" id="far">Far away</button>
</main>
<aside aria-labelledby="hist-h"><h2 id="hist-h">History</h2><button type="button" class="del">Delete</button></aside>
<section aria-label="Settings"><button type="button" class="del">Delete</button></section>
<p id="deleted"></p>
</body></html>
"#;

const APP_JS: &str = r#"
window.events = [];
const $ = id => document.getElementById(id);
for (const id of ['a', 's', 'n']) {
  for (const t of ['input', 'change']) $(id).addEventListener(t, () => window.events.push(id + ':' + t));
}
$('go').addEventListener('click', () => { $('out').textContent = 'Hello, ' + $('a').value; });
$('fancy').addEventListener('click', () => { $('out').textContent = 'fancy clicked'; });
$('far').addEventListener('click', () => { $('out').textContent = 'far clicked'; });
$('slow').addEventListener('click', () => { $('out').textContent = 'slow clicked'; });
document.querySelectorAll('.del').forEach(b => b.addEventListener('click', () => {
  $('deleted').textContent = 'deleted from ' + b.parentElement.tagName.toLowerCase();
}));
console.error('fake boom');
// Readiness and some controls arrive late, as they do when wasm boots, so the waits are real.
setTimeout(() => document.querySelector('main').setAttribute('data-app-ready', ''), 200);
setTimeout(() => { $('slow').disabled = false; }, 600);
setTimeout(() => {
  const b = document.createElement('button');
  b.textContent = 'Late';
  b.addEventListener('click', () => { $('out').textContent = 'late clicked'; });
  document.querySelector('main').append(b);
  const o = document.createElement('option'); o.value = '2048'; o.textContent = 'Huge';
  $('s').append(o);
}, 800);
"#;

struct FakeDist(PathBuf);

impl FakeDist {
    /// `base` is the sub path the page is served under: like a Trunk build with a public URL,
    /// the page refers to its script absolutely, so deep links still load it.
    fn new(tag: &str, base: &str) -> FakeDist {
        let dir =
            std::env::temp_dir().join(format!("kamiya-e2e-fake-dist-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), INDEX.replace("{base}", base)).unwrap();
        std::fs::write(dir.join("app.js"), APP_JS).unwrap();
        std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        FakeDist(dir)
    }
}

impl Drop for FakeDist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(path: &std::path::Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "not a PNG: {}",
        path.display()
    );
    let be = |i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Walks every helper once; shared by the desktop and the phone run.
async fn exercise(h: &Harness, w: u32, height: u32, shot: &str) {
    h.open().await;
    let vp = h.eval("[innerWidth, innerHeight]").await;
    assert_eq!(vp, json!([w, height]), "viewport");
    // Every engine speaks the same language to the app.
    assert_eq!(h.eval("navigator.language").await, json!("en-US"));

    // field / fill / value, by <label for>, with the required-star ignored.
    h.fill("Name", "Ada").await;
    assert_eq!(h.value("Name").await, "Ada");
    h.fill("Name", "Grace").await; // replaces, does not append
    assert_eq!(h.value("Name").await, "Grace");
    assert_eq!(
        h.eval("window.events.filter(e => e.startsWith('a:'))")
            .await,
        json!(["a:input", "a:change", "a:input", "a:change"])
    );
    h.fill("Name", &"x".repeat(100)).await; // maxlength holds, as when typing
    assert_eq!(h.value("Name").await.len(), 40);
    h.fill("Name", "Grace").await;

    // aria-label textarea with long, multi-line text; aria-labelledby number input.
    let long = "a castle on a hill\n".repeat(200);
    h.fill("Prompt", &long).await;
    assert_eq!(h.value("Prompt").await, long);
    h.fill("Steps", "35").await;
    assert_eq!(h.value("Steps").await, "35");
    assert!(h.eval("window.events.includes('n:change')").await == json!(true));

    // select by text, by value, and an option that appears later.
    h.select("Size", "Large").await;
    assert_eq!(h.value("Size").await, "1024");
    assert_eq!(h.selected_text("Size").await, "Large");
    h.select("Size", "512").await;
    assert_eq!(h.selected_text("Size").await, "Small");
    h.select("Size", "Huge").await;
    assert_eq!(h.value("Size").await, "2048");
    assert!(h.eval("window.events.includes('s:change')").await == json!(true));

    // checkboxes: nested label, and a visually hidden input behind a styled switch.
    assert!(!h.checked("Hi-res").await);
    h.set_checked("Hi-res", true).await;
    assert!(h.checked("Hi-res").await);
    h.set_checked("Fast mode", true).await;
    assert!(h.checked("Fast mode").await);
    h.set_checked("Fast mode", false).await;
    assert!(!h.checked("Fast mode").await);

    // buttons: by text, aria-label, role=button, off-screen, late, and disabled-then-enabled.
    h.click("Go").await;
    h.wait_text("Hello, Grace", Duration::from_secs(2)).await;
    assert!(h.button("Close panel").await.is_displayed().await.unwrap());
    h.click("Fancy").await;
    h.wait_text("fancy clicked", Duration::from_secs(2)).await;
    h.click("Far away").await;
    h.wait_text("far clicked", Duration::from_secs(2)).await;
    h.click("Late").await;
    h.wait_text("late clicked", Duration::from_secs(2)).await;
    h.click("Slow").await;
    h.wait_text("slow clicked", Duration::from_secs(2)).await;
    assert!(!h.has_button("Hidden one").await);
    h.wait_no_text("fancy clicked", Duration::from_secs(1))
        .await;

    // regions by aria-labelledby and aria-label, and scoped lookups inside them.
    let history = h.region("History").await;
    let settings = h.region("Settings").await;
    h.region("Studio").await;
    h.click_in(&settings, "Delete").await;
    h.wait_text("deleted from section", Duration::from_secs(2))
        .await;
    h.click_in(&history, "Delete").await;
    h.wait_text("deleted from aside", Duration::from_secs(2))
        .await;
    h.field_in(&h.region("Studio").await, "Name").await;

    // text / wait_until / eval (expressions, trailing semicolons, promises, arguments).
    assert!(h.text().await.contains("History"));
    h.wait_until(
        "document.querySelectorAll('button').length >= 8",
        Duration::from_secs(2),
    )
    .await;
    // A predicate that throws until its element exists keeps being polled.
    h.eval("setTimeout(() => { const d = document.createElement('div'); d.id = 'later'; document.body.append(d); }, 300)")
        .await;
    h.wait_until(
        "document.querySelector('#later').id === 'later'",
        Duration::from_secs(2),
    )
    .await;
    assert_eq!(h.eval("1 + 1;").await, json!(2));
    assert_eq!(
        h.eval("new Promise(r => setTimeout(() => r('later'), 50))")
            .await,
        json!("later")
    );
    assert_eq!(
        h.eval_with("arguments[0] + '!'", vec![json!("hi")]).await,
        json!("hi!")
    );
    assert!(h
        .console_messages()
        .await
        .iter()
        .any(|m| m == "error: fake boom"));

    // localStorage survives a reload, and reload waits for readiness again.
    h.set_local_storage("kamiya.test", "v1").await;
    h.reload().await;
    assert_eq!(h.local_storage("kamiya.test").await.as_deref(), Some("v1"));
    assert_eq!(h.value("Name").await, "", "reload gives a fresh page");
    h.clear_local_storage().await;
    assert_eq!(h.local_storage("kamiya.test").await, None);

    let path = h.screenshot(shot).await;
    let (pw, ph) = png_size(&path);
    assert_eq!(
        pw % w,
        0,
        "screenshot width {pw} is a multiple of the viewport's"
    );
    assert_eq!(
        (pw / w) * height,
        ph,
        "screenshot covers exactly the viewport"
    );
}

async fn raw_get(origin: &str, path: &str) -> String {
    let host = origin.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desktop_at_root() {
    let dist = FakeDist::new("desktop", "/");
    let opts = HarnessOptions {
        dist: dist.0.clone(),
        ..HarnessOptions::desktop()
    };
    let h = Harness::start(opts).await;
    assert!(h.app_url.ends_with('/') && !h.app_url.ends_with("//"));
    exercise(&h, 1280, 800, "harness-desktop").await;
    assert_eq!(
        h.eval("matchMedia('(pointer: coarse)').matches").await,
        json!(false)
    );
    assert_eq!(
        h.eval("window.inlineRan === true").await,
        json!(true),
        "no CSP here"
    );
    let outside = h
        .eval("fetch('https://p0.kamiya.dev/x').then(() => 'reached', e => 'blocked: ' + e)")
        .await;
    assert!(
        outside.as_str().unwrap().starts_with("blocked"),
        "{outside}"
    );
    let res = raw_get(h.origin(), "/").await.to_ascii_lowercase();
    assert!(res.contains("cache-control: no-store"), "{res}");
    assert!(!res.contains("content-security-policy"), "{res}");

    let profile = h.profile_dir();
    h.close().await;
    assert!(!profile.exists(), "profile dir removed");
    assert!(pids_using(&profile).is_empty(), "the browser still runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_under_sub_path_with_csp() {
    let dist = FakeDist::new("phone", "/kamiya-studio/");
    let csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'";
    let opts = HarnessOptions {
        dist: dist.0.clone(),
        sub_path: "kamiya-studio".into(), // slashes are added
        csp: Some(csp.into()),
        ..HarnessOptions::phone()
    };
    let h = Harness::start(opts).await;
    assert_eq!(h.app_url, format!("{}/kamiya-studio/", h.origin()));
    exercise(&h, 390, 844, "harness-phone").await;
    // Touch and a coarse pointer come from Chromium's device emulation; Firefox and WebKit
    // get the phone's size only.
    assert_eq!(
        h.eval("matchMedia('(pointer: coarse)').matches").await,
        json!(h.engine() == Engine::Chromium)
    );

    // The header arrives (seen by the page and on the wire) and is enforced.
    let seen = h
        .eval("fetch(location.href).then(r => [r.headers.get('content-security-policy'), r.headers.get('cache-control')])")
        .await;
    assert_eq!(seen, json!([csp, "no-store"]));
    let res = raw_get(h.origin(), "/kamiya-studio/app.js").await;
    assert!(
        res.to_ascii_lowercase()
            .contains(&format!("content-security-policy: {csp}")),
        "{res}"
    );
    assert_eq!(
        h.eval("window.inlineRan === undefined").await,
        json!(true),
        "inline script blocked"
    );
    assert!(
        h.console_messages()
            .await
            .iter()
            .any(|m| m.starts_with("csp: script-src")),
        "{:?}",
        h.console_messages().await
    );

    // Deep links under the sub path get the app; paths outside it do not.
    h.open_at("history/42").await;
    h.field("Name").await;
    let outside = h.eval("fetch('/').then(r => r.status)").await;
    assert_eq!(outside, json!(404));
    // instantiateStreaming insists on this type.
    let wasm_type = h
        .eval("fetch('/kamiya-studio/app_bg.wasm').then(r => r.headers.get('content-type'))")
        .await;
    assert_eq!(wasm_type, json!("application/wasm"));

    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_harness_leaves_no_browser_behind() {
    let dist = FakeDist::new("drop", "/");
    let opts = HarnessOptions {
        dist: dist.0.clone(),
        ..HarnessOptions::desktop()
    };
    let h = Harness::start(opts).await;
    // Storage seeded before the first open, as a test of a returning user does it.
    h.set_local_storage("seeded", "yes").await;
    h.open().await;
    assert_eq!(h.eval("localStorage.getItem('seeded')").await, json!("yes"));
    let profile = h.profile_dir();
    assert!(!pids_using(&profile).is_empty());
    // What a panicking test does: no close().
    drop(h);
    assert!(
        pids_using(&profile).is_empty(),
        "the browser outlived the harness"
    );
    assert!(!profile.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_things_fail_with_a_useful_message() {
    let dist = FakeDist::new("missing", "/");
    let h = Harness::start(HarnessOptions {
        dist: dist.0.clone(),
        find_timeout: Duration::from_secs(1),
        ..HarnessOptions::desktop()
    })
    .await;
    h.open().await;
    let h = std::sync::Arc::new(h);
    let h2 = h.clone();
    let err = tokio::spawn(async move { h2.field("Nonexistent").await })
        .await
        .expect_err("must panic");
    let msg = panic_text(err);
    assert!(
        msg.contains("no form control labelled \"Nonexistent\""),
        "{msg}"
    );
    assert!(
        msg.contains("\"Name\"") && msg.contains("\"Prompt\""),
        "lists labels: {msg}"
    );
    assert!(msg.contains("fake boom"), "shows the console: {msg}");
    let h = std::sync::Arc::into_inner(h).unwrap();
    h.close().await;

    let empty = std::env::temp_dir().join(format!("kamiya-e2e-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let err = tokio::spawn(Harness::start(HarnessOptions {
        dist: empty.clone(),
        ..HarnessOptions::desktop()
    }))
    .await
    .expect_err("must panic");
    assert!(panic_text(err).contains("dist/ not built: run `trunk build --release`"));
    std::fs::remove_dir_all(empty).unwrap();
}

fn panic_text(e: tokio::task::JoinError) -> String {
    let p = e.into_panic();
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_reports_what_a_screen_reader_user_would_miss() {
    let dist = FakeDist::new("axe", "/");
    let h = Harness::start(HarnessOptions {
        dist: dist.0.clone(),
        ..HarnessOptions::desktop()
    })
    .await;
    h.open().await;
    let ids = |v: Vec<kamiya_e2e::a11y::Violation>| -> Vec<String> {
        v.into_iter()
            .map(|v| format!("{} {}", v.impact, v.id))
            .collect()
    };
    // The fake page labels its controls and has no images.
    let before = ids(kamiya_e2e::a11y::axe(&h).await);
    assert!(
        !before
            .iter()
            .any(|f| f.ends_with(" label") || f.ends_with(" image-alt")),
        "{before:?}"
    );
    // An unlabelled field, an image without alt text and faint text.
    h.eval("(() => { document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"bare\"><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"><p style=\"color:#eee;background:#fff\">faint</p>'); return true })()").await;
    let found = ids(kamiya_e2e::a11y::axe(&h).await);
    for expected in [
        "critical label",
        "critical image-alt",
        "serious color-contrast",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected} in {found:?}"
        );
    }
    let h = std::sync::Arc::new(h);
    let h2 = h.clone();
    let err =
        tokio::spawn(
            async move { kamiya_e2e::a11y::assert_axe_clean(&h2, "the broken page").await },
        )
        .await
        .expect_err("must panic");
    let msg = panic_text(err);
    assert!(
        msg.contains("on the broken page") && msg.contains("#bare"),
        "{msg}"
    );
    std::sync::Arc::into_inner(h).unwrap().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_init_script_runs_first_and_can_take_a_feature_away() {
    let dist = FakeDist::new("init", "/kamiya-studio/");
    // The strictest policy the app's own is like: same-origin scripts only.
    let csp = "default-src 'none'; script-src 'self'";
    let h = Harness::start(HarnessOptions {
        dist: dist.0.clone(),
        sub_path: "/kamiya-studio/".into(),
        csp: Some(csp.into()),
        init_script: Some(
            "window.initOrder = [document.scripts.length]; delete window.BroadcastChannel;".into(),
        ),
        ..HarnessOptions::desktop()
    })
    .await;
    h.open().await;
    // Before the page's own scripts (the injected one is the only script so far), allowed by
    // the policy, and the feature is gone for the page.
    assert_eq!(h.eval("window.initOrder").await, json!([1]));
    assert_eq!(
        h.eval("typeof window.BroadcastChannel").await,
        json!("undefined")
    );
    assert_eq!(
        h.eval("document.head.firstElementChild.getAttribute('src')")
            .await,
        json!("/__e2e/init.js")
    );
    // The page's own scripts still run (app.js logged its error).
    assert!(h
        .console_messages()
        .await
        .contains(&"error: fake boom".to_string()));
    // A new script applies from the next load on; one that throws is recorded, not fatal.
    h.set_init_script("delete window.indexedDB; null.boom;");
    h.reload().await;
    assert_eq!(
        h.eval("[typeof window.BroadcastChannel, typeof window.indexedDB]")
            .await,
        json!(["function", "undefined"])
    );
    assert!(
        h.console_messages()
            .await
            .iter()
            .any(|m| m.starts_with("error: e2e init script failed")),
        "{:?}",
        h.console_messages().await
    );
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_share_the_profile_and_take_turns_in_front() {
    let dist = FakeDist::new("windows", "/");
    let h = Harness::start(HarnessOptions {
        dist: dist.0.clone(),
        ..HarnessOptions::desktop()
    })
    .await;
    h.open().await;
    // The page reads localStorage first, as the app does at start: WebKit sends `storage`
    // events only to pages that have used it.
    h.eval("(() => { localStorage.getItem('x'); window.storageEvents = []; addEventListener('storage', e => window.storageEvents.push(e.key)); window.shown = []; document.addEventListener('visibilitychange', () => window.shown.push(document.visibilityState)); return true })()")
        .await;
    let first = h.current_window().await;
    let second = h.new_window().await;
    assert_ne!(first, second);
    assert_eq!(h.current_window().await, second);
    assert_eq!(h.windows().await.len(), 2);
    h.open().await;
    h.wait_until(
        "document.visibilityState === 'visible'",
        Duration::from_secs(5),
    )
    .await;
    h.eval("(() => { localStorage.setItem('from-second', 'hi'); return true })()")
        .await;
    h.switch_to(&first).await;
    // The first window hears the second's storage write, and comes back to the front.
    h.wait_until(
        "window.storageEvents.includes('from-second') && localStorage.getItem('from-second') === 'hi'",
        Duration::from_secs(5),
    )
    .await;
    h.wait_until(
        "document.visibilityState === 'visible'",
        Duration::from_secs(5),
    )
    .await;
    // It was hidden while the other was in front (what the app's polling relies on).
    assert_eq!(h.eval("window.shown").await, json!(["hidden", "visible"]));
    h.switch_to(&second).await;
    h.close_window().await;
    h.switch_to(&first).await;
    assert_eq!(h.windows().await, vec![first]);
    h.fill("Name", "still here").await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_is_a_network_error() {
    let dist = FakeDist::new("stop", "/");
    let h = Harness::start(HarnessOptions {
        dist: dist.0.clone(),
        ..HarnessOptions::desktop()
    })
    .await;
    h.open().await;
    assert_eq!(
        h.eval("fetch('app.js').then(r => r.status)").await,
        json!(200)
    );
    h.stop_server().await;
    let after = h
        .eval("fetch('app.js', { cache: 'no-store' }).then(r => 'answered ' + r.status, e => 'failed: ' + e.name)")
        .await;
    assert_eq!(after, json!("failed: TypeError"));
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_output_that_cannot_be_read_fails_loudly() {
    let dist = FakeDist::new("axe-shape", "/");
    let h = Harness::start(HarnessOptions {
        dist: dist.0.clone(),
        ..HarnessOptions::desktop()
    })
    .await;
    h.open().await;
    // An axe whose answer is not what the helper knows: no silent "no violations".
    h.eval("(() => { window.axe = { run: () => Promise.resolve({ violations: 'surprise' }) }; return true })()")
        .await;
    let h = std::sync::Arc::new(h);
    let h2 = h.clone();
    let err = tokio::spawn(async move { kamiya_e2e::a11y::axe(&h2).await })
        .await
        .expect_err("must panic");
    let msg = panic_text(err);
    assert!(
        msg.contains("not a list of violations") && msg.contains("surprise"),
        "{msg}"
    );
    std::sync::Arc::into_inner(h).unwrap().close().await;
}
