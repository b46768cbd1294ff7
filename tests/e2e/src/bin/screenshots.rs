//! The README's two screenshots, made from the release build against the
//! stand-in API: a desktop in English and a phone in Chinese (dark), each
//! with pictures in the gallery. Writes `docs/screenshot-desktop.png` and
//! `docs/screenshot-phone.png`; run with
//! `cargo run -p kamiya-e2e --bin screenshots` after `trunk build --release`.

use std::time::Duration;

use kamiya_e2e::app::{connect, show_view, wait_for_images};
use kamiya_e2e::{Harness, HarnessOptions};
use kamiya_standin::{StandIn, StandInConfig, DEMO_KEY};

const WAIT: Duration = Duration::from_secs(60);

async fn generate(h: &Harness, prompt: &str, n: usize) {
    h.fill("Prompt", prompt).await;
    h.fill("Number of images", &n.to_string()).await;
    h.click("Generate").await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let api = StandIn::start(StandInConfig {
        job_duration: Duration::from_secs_f64(1.0),
        ..StandInConfig::default()
    })
    .await
    .expect("stand-in");
    api.seed_history(DEMO_KEY, 12);
    let docs = kamiya_e2e::workspace_root().join("docs");

    // A desktop in English: the form beside the pictures, a job on its way.
    let h = Harness::start(HarnessOptions::desktop()).await;
    connect(&h, &api.api_url(), DEMO_KEY).await;
    h.select("Language", "English").await;
    h.select("Theme", "Light").await;
    h.wait_text("Connected.", WAIT).await;
    h.field("Prompt").await;
    generate(
        &h,
        "a lighthouse on a cliff, storm, night, dramatic light",
        4,
    )
    .await;
    h.wait_until("document.querySelectorAll('.jobs > li').length === 0", WAIT)
        .await;
    wait_for_images(&h, 16, WAIT).await;
    generate(&h, "1girl, cherry blossoms, smile, looking at viewer", 1).await;
    h.wait_until("!!document.querySelector('.job')", WAIT).await;
    h.eval("(() => { document.querySelector('.settings-fold').open = false; window.scrollTo(0, 0); document.querySelector('.results').scrollTop = 0; return true })()")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shot = h.screenshot("readme-desktop").await;
    std::fs::copy(&shot, docs.join("screenshot-desktop.png")).expect("copy the desktop screenshot");
    h.close().await;

    // A phone in Chinese, dark: the Pictures view.
    let h = Harness::start(HarnessOptions::phone()).await;
    connect(&h, &api.api_url(), DEMO_KEY).await;
    h.select("Language", "中文").await;
    h.select("主题", "深色").await;
    h.wait_text("连接成功。", WAIT).await;
    h.field("提示词").await;
    h.fill("提示词", "礼花，气球，红色瞳孔，城市，浮世绘").await;
    h.fill("生成数量", "3").await;
    h.click("生成").await;
    show_view(&h, "图片").await;
    wait_for_images(&h, 9, WAIT).await;
    h.eval("(() => { window.scrollTo(0, 0); return true })()")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shot = h.screenshot("readme-phone").await;
    std::fs::copy(&shot, docs.join("screenshot-phone.png")).expect("copy the phone screenshot");
    h.close().await;
}
