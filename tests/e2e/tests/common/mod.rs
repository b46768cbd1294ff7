//! What every journey does first: a stand-in API and a connected app.
#![allow(dead_code)]

use std::time::Duration;

use kamiya_e2e::Harness;
use kamiya_standin::{StandIn, StandInConfig, DEMO_KEY};

pub const WAIT: Duration = Duration::from_secs(20);

pub async fn standin(job_secs: f64) -> StandIn {
    StandIn::start(StandInConfig {
        job_duration: Duration::from_secs_f64(job_secs),
        ..StandInConfig::default()
    })
    .await
    .expect("stand-in starts")
}

/// Opens the app, points it at the stand-in with a key and checks the
/// connection.
pub async fn connect(h: &Harness, api: &StandIn, key: &str) {
    h.open().await;
    h.fill("API base URL", &api.api_url()).await;
    h.fill("API key", key).await;
    h.click("Check connection").await;
}

/// As [`connect`] with the demo key, then waits for the form.
pub async fn connected(h: &Harness, api: &StandIn) {
    connect(h, api, DEMO_KEY).await;
    h.wait_text("Connected.", WAIT).await;
    h.field("Prompt").await;
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

/// The hashids of the jobs this browser has stored.
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

/// Status requests the stand-in saw for one job.
pub fn track_requests(api: &StandIn, hashid: &str) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.route == Some(kamiya_standin::Route::Track) && r.path.ends_with(hashid))
        .count()
}
