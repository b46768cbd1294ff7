//! Several windows of one browser profile: settings, removals, sending and
//! leadership stay right across them (the state issue).

use std::time::{Duration, Instant};

use crate::common::*;
use kamiya_e2e::app::{picture_menu, stored_jobs};
use kamiya_e2e::{Harness, HarnessOptions, WindowHandle};
use kamiya_standin::{Fault, FaultKind, Route, StandIn, DEMO_KEY};
use serde_json::json;

const LONG: Duration = Duration::from_secs(45);

/// Opens the app in a second window of the same profile (both windows
/// stay visible) and returns (first, second); the second is current.
async fn second_window(h: &Harness) -> (WindowHandle, WindowHandle) {
    let first = h.current_window().await;
    let second = h.new_window_beside().await;
    h.open().await;
    (first, second)
}

/// Opens the app in a second tab in front of the first (the first is hidden).
async fn tab_in_front(h: &Harness) -> (WindowHandle, WindowHandle) {
    let first = h.current_window().await;
    let second = h.new_window().await;
    h.open().await;
    (first, second)
}

/// The one of `windows` that leads (sends and polls), once exactly one
/// says so; the current window is then undefined.
async fn leading_window(h: &Harness, windows: &[&WindowHandle]) -> WindowHandle {
    let start = Instant::now();
    loop {
        let mut leading = Vec::new();
        for w in windows {
            to(h, w).await;
            if h.eval("document.documentElement.dataset.leading").await == json!("true") {
                leading.push((*w).clone());
            }
        }
        if let [one] = leading.as_slice() {
            return one.clone();
        }
        assert!(
            start.elapsed() < WAIT,
            "{} windows lead, not one, after {WAIT:?}",
            leading.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn to(h: &Harness, w: &WindowHandle) {
    h.act_in(w).await;
}

/// Generate requests the stand-in received (answered or not).
fn generate_posts(api: &StandIn) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.route == Some(Route::Generate) && r.method == "POST")
        .count()
}

async fn storage_item(h: &Harness, area: &str, key: &str) -> Option<String> {
    h.eval(&format!("{area}.getItem('kamiya-studio:v1:{key}')"))
        .await
        .as_str()
        .map(str::to_string)
}

const GALLERY_HAS_ONE: &str = "document.querySelectorAll('.gallery li').length === 1";
const FAVOURITE_SHOWN: &str = "!!document.querySelector('.gallery .tile-star')";

/// Takes `BroadcastChannel` away before the app starts: messages then go
/// through localStorage's `storage` event.
const NO_BROADCAST_CHANNEL: &str = "delete window.BroadcastChannel;";
/// Takes the Web Locks API away: leadership falls back to a lease.
const NO_WEB_LOCKS: &str =
    "Object.defineProperty(Navigator.prototype, 'locks', { get() { return undefined; }, configurable: true });";

async fn start(without: Option<&str>) -> Harness {
    let h = Harness::start(HarnessOptions::desktop()).await;
    if let Some(js) = without {
        h.set_init_script(js);
    }
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_forgotten_in_one_window_stays_forgotten_when_another_changes_a_setting() {
    forget_the_key_then_change_a_setting(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_broadcast_channel_a_forgotten_key_still_stays_forgotten() {
    forget_the_key_then_change_a_setting(Some(NO_BROADCAST_CHANNEL)).await;
}

async fn forget_the_key_then_change_a_setting(without: Option<&str>) {
    let api = standin(1.0).await;
    let h = start(without).await;
    connected(&h, &api).await;
    let (a, b) = second_window(&h).await;
    open_settings(&h).await;
    assert_eq!(h.value("API key").await, DEMO_KEY, "the same key in both");

    h.click("Forget the key").await;
    assert_eq!(h.value("API key").await, "");
    // Any later change in the other window.
    to(&h, &a).await;
    open_settings(&h).await;
    h.wait_until("document.querySelector('#api-key').value === ''", WAIT)
        .await;
    h.select("Theme", "Dark").await;
    h.fill("Jobs sent at once", "3").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked_before = api.requests().iter().filter(|r| r.authorized).count();

    for w in [&a, &b] {
        to(&h, w).await;
        assert_eq!(storage_item(&h, "localStorage", "api-key").await, None);
        assert_eq!(storage_item(&h, "sessionStorage", "api-key").await, None);
        assert_eq!(h.value("API key").await, "", "no key in this window");
        let settings = storage_item(&h, "localStorage", "settings").await.unwrap();
        assert!(!settings.contains(DEMO_KEY), "{settings}");
    }
    // The other window took the theme; nothing anywhere sends the key.
    to(&h, &b).await;
    h.wait_until("document.documentElement.dataset.theme === 'dark'", WAIT)
        .await;
    h.reload().await;
    assert_eq!(h.value("API key").await, "");
    assert_eq!(
        api.requests().iter().filter(|r| r.authorized).count(),
        asked_before
    );
    h.close().await;
}

/// An address still being typed in one window is nobody's: neither
/// window sends to it, nor is it stored; once the field is left, the other
/// window follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_being_typed_reaches_the_other_window_only_once_left() {
    let api = standin(1.0).await;
    api.seed_history(DEMO_KEY, 3);
    let elsewhere = standin(1.0).await;
    let h = start(None).await;
    connected(&h, &api).await;
    let (a, b) = second_window(&h).await;
    open_settings(&h).await;
    assert_eq!(h.value("API base URL").await, api.api_url());
    to(&h, &a).await;
    type_address(&h, &elsewhere.api_url()).await;
    // Past the history's pause, in this window and the other.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        elsewhere.requests().len(),
        0,
        "requests went to an address still being typed: {:?}",
        elsewhere.requests()
    );
    let stored = storage_item(&h, "localStorage", "settings").await.unwrap();
    assert!(stored.contains(&api.api_url()), "{stored}");
    assert!(!stored.contains(&elsewhere.api_url()), "{stored}");
    h.eval("document.getElementById('base-url').blur(), true")
        .await;
    to(&h, &b).await;
    h.wait_until(
        &format!(
            "document.getElementById('base-url').value === {:?}",
            elsewhere.api_url()
        ),
        WAIT,
    )
    .await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_kept_for_the_session_reaches_the_other_window_and_goes_with_forget() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.set_checked("Only until the app's tabs close", true).await;
    assert_eq!(storage_item(&h, "localStorage", "api-key").await, None);
    let (a, b) = second_window(&h).await;
    open_settings(&h).await;
    h.wait_until(
        &format!("document.querySelector('#api-key').value === '{DEMO_KEY}'"),
        WAIT,
    )
    .await;
    // A new key typed in one window is the key in the other.
    h.fill("API key", "sk-other-key").await;
    to(&h, &a).await;
    h.wait_until(
        "document.querySelector('#api-key').value === 'sk-other-key'",
        WAIT,
    )
    .await;
    h.click("Forget the key").await;
    to(&h, &b).await;
    h.wait_until("document.querySelector('#api-key').value === ''", WAIT)
        .await;
    for w in [&a, &b] {
        to(&h, w).await;
        assert_eq!(storage_item(&h, "sessionStorage", "api-key").await, None);
        assert_eq!(storage_item(&h, "localStorage", "api-key").await, None);
    }
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_removed_in_one_window_does_not_come_back_when_the_other_saves() {
    remove_in_one_save_in_the_other(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_broadcast_channel_a_removed_job_still_stays_removed() {
    remove_in_one_save_in_the_other(Some(NO_BROADCAST_CHANNEL)).await;
}

async fn remove_in_one_save_in_the_other(without: Option<&str>) {
    let api = standin(1.0).await;
    let h = start(without).await;
    connected(&h, &api).await;
    h.fill("Prompt", "two of a kind").await;
    h.fill("Number of images", "2").await;
    h.click("Generate").await;
    wait_for_images(&h, 2, LONG).await;
    let (a, b) = second_window(&h).await;
    wait_for_images(&h, 2, WAIT).await;

    to(&h, &a).await;
    picture_menu(&h, "two of a kind", "Remove").await;

    // The other window saves a change to the job that is left.
    to(&h, &b).await;
    h.wait_until(GALLERY_HAS_ONE, WAIT).await;
    picture_menu(&h, "two of a kind", "Favourite").await;
    h.wait_until(FAVOURITE_SHOWN, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for w in [&a, &b] {
        to(&h, w).await;
        h.reload().await;
        h.wait_until(FAVOURITE_SHOWN, WAIT).await;
        h.wait_until(GALLERY_HAS_ONE, WAIT).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            h.eval("document.querySelectorAll('.gallery li').length")
                .await,
            json!(1)
        );
    }
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_visible_windows_send_every_queued_job_exactly_once() {
    two_windows_send_once(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_web_locks_two_windows_still_send_every_job_once() {
    two_windows_send_once(Some(NO_WEB_LOCKS)).await;
}

async fn two_windows_send_once(without: Option<&str>) {
    let api = standin(1.0).await;
    let h = start(without).await;
    connected(&h, &api).await;
    h.fill("Prompt", "from the first window").await;
    h.fill("Number of images", "5").await;
    let (a, b) = second_window(&h).await;
    for w in [&a, &b] {
        to(&h, w).await;
        assert_eq!(h.eval("document.visibilityState").await, json!("visible"));
        if without.is_some() {
            assert_eq!(
                h.eval("typeof navigator.locks === 'undefined' || typeof BroadcastChannel === 'undefined'")
                    .await,
                json!(true),
                "the feature is gone before the app starts"
            );
        }
    }
    to(&h, &b).await;
    h.fill("Prompt", "from the second window").await;
    h.fill("Number of images", "5").await;
    // Both windows press Generate at the same moment (by the shared clock),
    // the hardest case for deciding who sends.
    let at = h.eval("Date.now() + 1500").await;
    for w in [&a, &b] {
        to(&h, w).await;
        h.eval_with(
            "(() => { const b = Array.from(document.querySelectorAll('button')).find(b => b.textContent === 'Generate');
               setTimeout(() => b.click(), arguments[0] - Date.now()); return true; })()",
            vec![at.clone()],
        )
        .await;
    }
    wait_for_images(&h, 10, LONG).await;
    to(&h, &a).await;
    wait_for_images(&h, 10, WAIT).await;
    // Let any second sending of a job show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(generate_posts(&api), 10, "each job sent once");
    assert_eq!(api.jobs_created(DEMO_KEY), 10);
    assert_eq!(
        h.eval("document.querySelectorAll('.gallery li').length")
            .await,
        json!(10),
        "ten pictures, each shown once"
    );
    h.close().await;
}

/// Queued jobs as an earlier version stored them (one localStorage value).
fn old_format_queue(n: usize, now_ms: f64) -> serde_json::Value {
    let jobs: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            json!({
                "local_id": format!("old-{i}"),
                "request": { "type": "text2image", "prompts": format!("left in the queue {i}"),
                    "negativePrompts": "", "step": 20, "cfg": 7.0, "seed": 1000 + i, "sampling": "Euler a",
                    "width": 512, "height": 512, "model": "original", "LoRAs": [] },
                "hashid": null, "server_id": null, "state": "Queued",
                "queued_at": now_ms + i as f64, "submitted_at": null, "first_seen_at": null,
                "finished_at": null, "image_url": null, "server_created_at": null, "last_error": null,
                "rev": 0, "favourite": false
            })
        })
        .collect();
    json!({ "jobs": jobs, "stats": {}, "removed": [] })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_jobs_found_by_two_windows_at_once_are_sent_once() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    let settings = json!({ "base_url": api.api_url(), "max_in_flight": 8 }).to_string();
    h.set_local_storage("kamiya-studio:v1:settings", &settings)
        .await;
    h.set_local_storage("kamiya-studio:v1:api-key", DEMO_KEY)
        .await;
    let now = h.eval("Date.now()").await.as_f64().unwrap();
    h.set_local_storage(
        "kamiya-studio:v1:jobs",
        &old_format_queue(6, now).to_string(),
    )
    .await;
    // Both windows start on the same queue at the same moment.
    let first = h.current_window().await;
    let second = h.new_window_beside().await;
    h.act_in(&first).await;
    h.client.goto(&h.app_url).await.unwrap();
    h.act_in(&second).await;
    h.client.goto(&h.app_url).await.unwrap();
    wait_for_images(&h, 6, LONG).await;
    to(&h, &first).await;
    wait_for_images(&h, 6, WAIT).await;
    assert_eq!(generate_posts(&api), 6, "each queued job sent once");
    assert_eq!(api.jobs_created(DEMO_KEY), 6);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_leading_window_closes_the_other_takes_over_at_once() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    // Slow answers to generate, one job sent at a time: jobs wait in line.
    api.inject(Fault {
        route: Route::Generate,
        kind: FaultKind::DelayAnswer(Duration::from_secs(3)),
        times: None,
    });
    h.fill("Jobs sent at once", "1").await;
    h.fill("Prompt", "one after another").await;
    h.fill("Number of images", "4").await;
    h.click("Generate").await;
    h.wait_text("Waiting to be sent", WAIT).await;
    let (a, b) = second_window(&h).await;
    h.wait_text("one after another", WAIT).await;
    // The first window leads (it was first, and is visible), unless this
    // engine called it hidden while the second opened: then the second
    // took the lead. Close the one that leads, while its request is on
    // its way and jobs wait.
    let leader = leading_window(&h, &[&a, &b]).await;
    let first_led = leader == a;
    let other = if first_led { b } else { a };
    to(&h, &leader).await;
    // How many went already depends on how fast this engine opened the
    // second window (WebKit on a loaded machine: two); some must wait.
    let sent = generate_posts(&api);
    assert!(
        sent < 4,
        "{sent} of 4 sent before the leader closed: none waits"
    );
    h.close_window().await;
    to(&h, &other).await;
    let closed_at = Instant::now();
    let seen = api.requests().len();
    // The other window acts at once (a lease would have kept it waiting
    // for 10 to 15 s).
    while api.requests().len() == seen {
        if closed_at.elapsed() >= Duration::from_secs(4) {
            let there = h
                .eval("[document.documentElement.dataset.leading, document.visibilityState]")
                .await;
            panic!(
                "no request from the other window within 4 s of the leader closing \
                 (it leads, and is: {there})"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "the other window's first request {:?} after the leader ({} window) closed",
        closed_at.elapsed(),
        if first_led { "first" } else { "second" }
    );
    wait_for_images(&h, 4, LONG).await;
    assert_eq!(generate_posts(&api), 4, "each job sent once");
    assert_eq!(api.jobs_created(DEMO_KEY), 4);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_the_key_pauses_tracked_jobs_which_finish_once_a_key_is_back() {
    // The jobs run until the key is forgotten: opening a second window
    // took longer than a 3-second job once (WebKit, three tests at once).
    let api = standin(600.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "patience").await;
    h.fill("Number of images", "3").await;
    h.click("Generate").await;
    // All three accepted by the server (and so followed by the poller).
    h.wait_until(
        "document.body.innerText.split(/Accepted, waiting|In progress/).length - 1 === 3",
        WAIT,
    )
    .await;
    // A second tab in front: it leads now, and there the key is forgotten.
    let (_a, _b) = tab_in_front(&h).await;
    h.wait_text("patience", WAIT).await;
    open_settings(&h).await;
    h.click("Forget the key").await;
    h.wait_text("Paused: enter your API key", WAIT).await;
    // Long past the jobs' time on the server: still waiting, not failed.
    api.set_job_duration(Duration::from_secs(1));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let text = h.text().await;
    assert!(
        !text.contains("refused") && !text.contains("Failed"),
        "{text}"
    );
    assert_eq!(
        stored_jobs(&h)
            .await
            .iter()
            .filter(|j| j["state"] == json!("Generated"))
            .count(),
        0
    );
    h.fill("API key", DEMO_KEY).await;
    wait_for_images(&h, 3, LONG).await;
    assert_eq!(generate_posts(&api), 3, "no second generate");
    h.close().await;
}
