//! What every journey does first: a stand-in API and a connected app.

use std::time::Duration;

use kamiya_e2e::Harness;
use kamiya_standin::{StandIn, StandInConfig, DEMO_KEY};

pub const WAIT: Duration = Duration::from_secs(20);

/// Why a test with nothing engine-specific runs in Chromium alone: Firefox and WebKit run
/// the main journeys only, so that CI stays under 30 minutes on 2 cores.
pub const CI_TIME: &str = "main journeys only in Firefox and WebKit, to keep CI under 30 minutes";

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
    kamiya_e2e::app::connect(h, &api.api_url(), key).await;
}

/// As [`connect`] with the demo key, then waits for the form.
pub async fn connected(h: &Harness, api: &StandIn) {
    connect(h, api, DEMO_KEY).await;
    h.wait_text("Connected.", WAIT).await;
    h.field("Prompt").await;
}

#[allow(unused_imports)]
pub use kamiya_e2e::app::{stored_hashids, wait_for_images};

/// Status requests the stand-in saw for one job.
pub fn track_requests(api: &StandIn, hashid: &str) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.route == Some(kamiya_standin::Route::Track) && r.path.ends_with(hashid))
        .count()
}

/// A PNG fixture of the given size, written to a temp file.
pub fn png_fixture(w: u32, h: u32, name: &str) -> std::path::PathBuf {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let path = std::env::temp_dir().join(format!("kamiya-e2e-{}-{name}", std::process::id()));
    img.save_with_format(&path, image::ImageFormat::Png)
        .unwrap();
    path
}

/// Picks `file` as the image-to-image source, as a person does with the
/// file chooser.
pub async fn pick_source(h: &Harness, file: &std::path::Path) {
    h.field("Source image")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("pick the source image");
}

/// Unfolds Settings if a returning user's view folded them.
pub async fn open_settings(h: &Harness) {
    let open = h
        .eval("document.querySelector('details.settings-fold').open")
        .await;
    if open != serde_json::json!(true) {
        h.click("Settings").await;
    }
}

/// Types into the address field as a keyboard does: `input` events only,
/// the focus kept (no `change` until the field is left).
pub async fn type_address(h: &Harness, text: &str) {
    h.eval_with(
        "(function (text) {
           const el = document.getElementById('base-url');
           el.focus();
           Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, text);
           el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
           return true;
         })(arguments[0])",
        vec![serde_json::json!(text)],
    )
    .await;
}
