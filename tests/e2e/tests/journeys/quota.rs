//! Storage that is really full: the browser profile lives on a small
//! tmpfs, so the origin's quota (a share of the volume) is small, and a
//! filler database uses it up.

use std::time::Duration;

use crate::common::*;
use kamiya_e2e::app::stored_jobs;
use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions};
use serde_json::json;

const LONG: Duration = Duration::from_secs(45);

/// A tmpfs mounted for the test's life (needs root, as CI has).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(mb: u32) -> SmallDisk {
        let dir = std::env::temp_dir().join(format!("kamiya-quota-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "mounting a {mb} MB tmpfs at {} (needs root)",
            dir.display()
        );
        SmallDisk(dir)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes into a database of its own until the browser refuses even a
/// small write: blocks of 64 KB, then 4 KB, then 256 bytes. Returns the
/// bytes written and the refusal's name.
const FILL: &str = r#"new Promise(resolve => {
  const open = indexedDB.open('filler', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('blocks', { autoIncrement: true });
  open.onsuccess = () => {
    const db = open.result;
    // Random bytes: the browser compresses what it stores.
    const block = size => crypto.getRandomValues(new Uint8Array(size)).buffer;
    const sizes = [1 << 16, 1 << 12, 1 << 8];
    let written = 0, refusal = 'never';
    const more = () => {
      if (!sizes.length) { db.close(); resolve([written, refusal]); return; }
      const size = sizes[0];
      const tx = db.transaction('blocks', 'readwrite');
      for (let i = 0; i < 16; i++) tx.objectStore('blocks').add(block(size));
      tx.oncomplete = () => { written += 16 * size; more(); };
      tx.onabort = () => { refusal = tx.error ? tx.error.name : 'abort'; sizes.shift(); more(); };
    };
    more();
  };
})"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_storage_says_so_and_what_was_stored_stays() {
    only_in!(
        Engine::Chromium,
        "filling a real quota: Chromium sizes it from the profile's small volume; in Firefox and WebKit filling it outlasts a WebDriver script"
    );
    let disk = SmallDisk::mount(96);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions {
        temp_parent: Some(disk.0.clone()),
        ..HarnessOptions::desktop()
    })
    .await;
    connected(&h, &api).await;
    h.fill("Prompt", "stored before the disk filled").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, LONG).await;
    let stored_at = std::time::Instant::now();
    while !stored_jobs(&h)
        .await
        .first()
        .is_some_and(|j| j["state"] == json!("Generated"))
    {
        assert!(stored_at.elapsed() < WAIT, "the first job is stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let filled = h.eval(FILL).await;
    eprintln!(
        "filler: {filled}; {}",
        h.eval("navigator.storage.estimate().then(e => JSON.stringify(e))")
            .await
    );
    h.fill("Prompt", "made while the disk is full").await;
    h.click("Generate").await;
    h.wait_text("Browser storage is full", WAIT).await;
    // The job still runs, in memory.
    wait_for_images(&h, 2, LONG).await;
    // Room again: what was stored before is all there.
    h.eval("new Promise(r => { const d = indexedDB.deleteDatabase('filler'); d.onsuccess = d.onerror = () => r(true); })")
        .await;
    h.reload().await;
    kamiya_e2e::app::wait_for_picture(&h, "stored before the disk filled", WAIT).await;
    wait_for_images(&h, 1, LONG).await;
    h.close().await;
    drop(disk);
}
