//! The job archive (IndexedDB): moving an earlier version's jobs in,
//! tens of thousands of jobs, and storage that refuses.

use std::time::Duration;

use crate::common::*;
use kamiya_e2e::app::{seed_archive, stored_jobs, wait_for_picture};
use kamiya_e2e::{Harness, HarnessOptions};
use serde_json::json;

const LONG: Duration = Duration::from_secs(45);

/// A finished job as an earlier version stored it in localStorage.
fn old_job(i: usize, now_ms: f64) -> serde_json::Value {
    json!({
        "local_id": format!("old-{i}"),
        "request": { "type": "text2image", "prompts": format!("kept picture {i}"),
            "negativePrompts": "lowres", "step": 28, "cfg": 12.0, "seed": 5000 + i, "sampling": "Euler a",
            "width": 512, "height": 768, "model": "original", "LoRAs": [] },
        "hashid": format!("oldhash{i}"), "server_id": format!("{i}"), "state": "Generated",
        "queued_at": now_ms - 1e6 + i as f64, "submitted_at": now_ms - 1e6 + i as f64 + 10.0,
        "first_seen_at": null, "finished_at": now_ms - 1e6 + i as f64 + 6000.0,
        "image_url": format!("https://cdn.invalid/{i}.jpg"), "server_created_at": "11-24 10:00:00",
        "last_error": null, "rev": 3, "favourite": i == 7
    })
}

/// Counts the records kept aside as unreadable, in the page.
async fn unreadable_kept(h: &Harness) -> u64 {
    h.eval(
        r#"new Promise(resolve => {
  const open = indexedDB.open('kamiya-studio');
  open.onsuccess = () => {
    const db = open.result;
    const count = db.transaction('unreadable').objectStore('unreadable').count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
})"#,
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_the_earlier_format_move_into_the_archive_without_loss() {
    let h = Harness::start(HarnessOptions::desktop()).await;
    let now = h.eval("Date.now()").await.as_f64().unwrap();
    let mut jobs: Vec<serde_json::Value> = (0..30).map(|i| old_job(i, now)).collect();
    // Removed before the move (a tombstone): must not come back.
    jobs.push(old_job(99, now));
    // Two entries this version cannot read: kept aside, not dropped.
    jobs.push(json!("junk"));
    jobs.push(json!({ "local_id": 5 }));
    let old = json!({
        "jobs": jobs,
        "stats": { "by_kind": { "original@512x768": [6100.0, 5900.0] } },
        "removed": ["old-99"],
    });
    h.set_local_storage("kamiya-studio:v1:jobs", &old.to_string())
        .await;
    h.open().await;
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '30'",
        LONG,
    )
    .await;
    let stored = stored_jobs(&h).await;
    assert_eq!(stored.len(), 30, "every readable job moved");
    for i in 0..30 {
        let job = stored
            .iter()
            .find(|j| j["id"] == json!(format!("old-{i}")))
            .unwrap_or_else(|| panic!("old-{i} moved"));
        assert_eq!(
            job["image_url"],
            json!(format!("https://cdn.invalid/{i}.jpg"))
        );
        assert_eq!(job["favourite"], json!(i == 7));
    }
    assert!(!stored.iter().any(|j| j["id"] == json!("old-99")));
    assert_eq!(unreadable_kept(&h).await, 2);
    // The old value goes only once the move is confirmed.
    assert_eq!(h.local_storage("kamiya-studio:v1:jobs").await, None);
    h.reload().await;
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '30'",
        LONG,
    )
    .await;
    wait_for_picture(&h, "kept picture 29", WAIT).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_archived_jobs_show_the_newest_at_once_and_all_of_them_in_time() {
    let h = Harness::start(HarnessOptions::desktop()).await;
    h.open().await;
    seed_archive(&h, 20_000).await;
    h.reload().await;
    wait_for_picture(&h, "archived picture 19999", WAIT).await;
    let first_screen = h
        .eval("performance.measure('jobs', 'kamiya-app-start', 'kamiya-jobs-ready').duration")
        .await;
    eprintln!("20,000 archived jobs: first screen of jobs {first_screen} ms after the app started");
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '20000'",
        LONG,
    )
    .await;
    // The page holds a screenful of thumbnails, not twenty thousand.
    let images = h.eval("document.images.length").await.as_u64().unwrap();
    assert!(images < 300, "{images} images in the page");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_indexeddb_the_app_says_so_and_works_in_memory() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    // The feature, not the engine: the app looks for IndexedDB itself.
    h.set_init_script(
        "Object.defineProperty(window, 'indexedDB', { get() { return undefined; }, configurable: true });",
    );
    connected(&h, &api).await;
    assert_eq!(h.eval("typeof indexedDB").await, json!("undefined"));
    h.wait_text("This browser cannot save data right now", WAIT)
        .await;
    h.fill("Prompt", "kept in memory").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, LONG).await;
    h.close().await;
}
