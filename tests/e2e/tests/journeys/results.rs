//! Image to image and what people do with a finished picture, end to end.

use std::time::Duration;

use crate::common::{connected, png_fixture, standin, wait_for_images, WAIT};
use kamiya_e2e::app::picture_menu;
use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions};
use kamiya_standin::DEMO_KEY;

const LONG: Duration = Duration::from_secs(40);

/// Makes the clipboard observable: what the app copies lands in `window.__copied`.
async fn spy_clipboard(h: &Harness) {
    h.eval("(() => { navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); }; return true })()")
        .await;
}

async fn copied(h: &Harness) -> String {
    h.wait_until("typeof window.__copied === 'string'", WAIT)
        .await;
    let v = h
        .eval("(() => { const t = window.__copied; window.__copied = undefined; return t })()")
        .await;
    v.as_str().unwrap_or_default().to_string()
}

async fn one_image(h: &Harness, prompt: &str) {
    h.fill("Prompt", prompt).await;
    h.click("Generate").await;
    wait_for_images(h, 1, LONG).await;
}

/// How many times the app fitted and encoded the image-to-image source, and
/// how many of those in its worker.
async fn source_encodings(h: &Harness) -> (u64, u64) {
    let marks = h
        .eval("(() => { const n = p => performance.getEntriesByType('mark').filter(m => m.name.startsWith(p)).length; \
               return [n('kamiya-source-encoded-'), n('kamiya-source-encoded-in-worker')] })()")
        .await;
    (
        marks[0].as_u64().unwrap_or(0),
        marks[1].as_u64().unwrap_or(0),
    )
}

/// Image to image from a picked file, at a chosen size: what is sent is
/// exactly that size, and typing in the prompt does not encode the source
/// again.
async fn image_to_image_journey(
    h: &Harness,
    api: &kamiya_standin::StandIn,
    tag: &str,
    in_worker: bool,
) {
    connected(h, api).await;
    h.client
        .find(fantoccini::Locator::Id("mode-i2i"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // A wide source, fitted into a portrait output by cropping.
    let fixture = png_fixture(1200, 700, &format!("source-{tag}.png"));
    crate::common::pick_source(h, &fixture).await;
    h.wait_until(
        "!!document.querySelector('img[alt=\"The source image as it will be sent\"]')",
        WAIT,
    )
    .await;
    let (first, _) = source_encodings(h).await;
    h.select("Size", "512x768").await;
    h.wait_text("512 × 768 · JPEG", WAIT).await;
    let (fitted, fitted_in_worker) = source_encodings(h).await;
    assert!(
        fitted > first,
        "a new size encodes again ({first} then {fitted})"
    );
    assert_eq!(
        fitted_in_worker,
        if in_worker { fitted } else { 0 },
        "encodings in the worker"
    );
    h.screenshot(&format!("phone-img2img{tag}")).await;
    h.field("Prompt")
        .await
        .send_keys("the same scene at night")
        .await
        .unwrap();
    h.click("Generate").await;
    wait_for_images(h, 1, LONG).await;
    assert_eq!(
        source_encodings(h).await.0,
        fitted,
        "typing the prompt and generating encode nothing again"
    );
    // The stand-in decodes the data URL and rejects any other size.
    let body = api.last_generate_body().expect("a generate call");
    assert_eq!(body["type"], "image2image");
    assert_eq!(body["prompts"], "the same scene at night");
    assert!(body["image"]
        .as_str()
        .unwrap()
        .starts_with("data:image/jpeg;base64,"));
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(512), Some(768))
    );
    // What was sent is what the preview shows.
    let preview = h
        .eval("document.querySelector('.source-preview img').src")
        .await;
    assert_eq!(preview.as_str(), body["image"].as_str());
    // "Use the source's aspect ratio" gives multiples of 8 near 1200:700
    // (back on the form, which a phone shows one tap from the pictures).
    kamiya_e2e::app::show_view(h, "Create").await;
    h.click("Use the source's aspect ratio").await;
    assert_eq!(h.value("Size").await, "custom");
    let (w, hgt): (u32, u32) = (
        h.value("Width").await.parse().unwrap(),
        h.value("Height").await.parse().unwrap(),
    );
    assert!(
        w.is_multiple_of(8) && hgt.is_multiple_of(8) && w > hgt,
        "{w}x{hgt}"
    );
    h.wait_text(&format!("{w} × {hgt} · JPEG"), WAIT).await;
    // Another picture of the same size: its own pixels are what is fitted
    // (the worker keeps the last source it decoded, and must let it go).
    let before = h
        .eval("document.querySelector('.source-preview img').src")
        .await;
    let other = std::env::temp_dir().join(format!(
        "kamiya-e2e-{}-source-other{tag}.png",
        std::process::id()
    ));
    image::RgbImage::from_fn(1200, 700, |x, y| {
        image::Rgb([(y % 256) as u8, 30, (x % 256) as u8])
    })
    .save_with_format(&other, image::ImageFormat::Png)
    .unwrap();
    crate::common::pick_source(h, &other).await;
    h.wait_until(
        &format!(
            "(() => {{ const i = document.querySelector('.source-preview img'); return !!i && i.src !== {before}; }})()"
        ),
        WAIT,
    )
    .await;
    h.wait_text(&format!("{w} × {hgt} · JPEG"), WAIT).await;
    let _ = std::fs::remove_file(fixture);
    let _ = std::fs::remove_file(other);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_to_image_sends_the_source_at_exactly_the_chosen_size() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    image_to_image_journey(&h, &api, "", true).await;
    h.close().await;
}

/// Where a browser has no `OffscreenCanvas`, the page's own canvas fits
/// and encodes the source, with the same result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_to_image_without_offscreen_canvas_sends_the_same() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    h.set_init_script("delete window.OffscreenCanvas;");
    image_to_image_journey(&h, &api, "-no-offscreen-canvas", false).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_an_image_is_refused_and_nothing_is_lost() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "keep me").await;
    h.client
        .find(fantoccini::Locator::Id("mode-i2i"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = std::env::temp_dir().join(format!("kamiya-e2e-{}-notes.txt", std::process::id()));
    std::fs::write(&text, "not a picture").unwrap();
    crate::common::pick_source(&h, &text).await;
    h.wait_text("That is not an image", WAIT).await;
    // A PNG header with nothing after it: a broken file.
    let broken = std::env::temp_dir().join(format!("kamiya-e2e-{}-broken.png", std::process::id()));
    std::fs::write(
        &broken,
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x02\0\0\0\x02\0\x08\x02",
    )
    .unwrap();
    crate::common::pick_source(&h, &broken).await;
    h.wait_text("could not be decoded", WAIT).await;
    // Generating without a source says so and sends nothing.
    h.click("Generate").await;
    h.wait_text("Choose a source image first.", WAIT).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 0);
    assert_eq!(h.value("Prompt").await, "keep me");
    h.close().await;
    let _ = std::fs::remove_file(text);
    let _ = std::fs::remove_file(broken);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_links_carry_parameters_only_and_fill_the_form() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("CFG scale", "7.5").await;
    one_image(&h, "a lighthouse, 灯塔").await;
    let seed = api.last_generate_body().unwrap()["seed"].as_u64().unwrap();
    spy_clipboard(&h).await;
    picture_menu(&h, "a lighthouse, 灯塔", "Copy share link").await;
    let link = copied(&h).await;
    assert!(
        link.starts_with(&h.app_url) && link.contains("#p="),
        "{link}"
    );
    assert!(
        !link.contains(DEMO_KEY) && !link.contains(&api.api_url()),
        "{link}"
    );

    h.fill("Prompt", "something else").await;
    h.client.goto(&link).await.unwrap();
    h.wait_text("Settings from a shared link are in the form", WAIT)
        .await;
    h.field("Prompt").await;
    assert_eq!(h.value("Prompt").await, "a lighthouse, 灯塔");
    assert_eq!(h.value("CFG scale").await, "7.5");
    assert_eq!(h.value("Seed").await, seed.to_string());
    assert!(!h.checked("Random seed for each image").await);
    // It waits for the user: nothing was sent, and the fragment is gone.
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
    let hash = h.eval("location.hash").await;
    assert_eq!(hash.as_str(), Some(""));
    // A garbled link says so and changes nothing.
    h.client
        .goto(&format!("{}#p=%%%garbage", h.app_url))
        .await
        .unwrap();
    h.wait_text("The link's parameters are damaged", WAIT).await;
    assert_eq!(h.value("Prompt").await, "a lighthouse, 灯塔");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reuse_copy_and_import_parameters() {
    only_in!(
        Engine::Chromium,
        "CI time; and Firefox ignores the clipboardData of a synthetic paste event"
    );
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    one_image(&h, "koi pond").await;
    let seed = api.last_generate_body().unwrap()["seed"].as_u64().unwrap();
    h.fill("Prompt", "changed my mind").await;
    picture_menu(&h, "koi pond", "Reuse settings").await;
    assert_eq!(h.value("Prompt").await, "koi pond");
    assert_eq!(h.value("Seed").await, seed.to_string());

    spy_clipboard(&h).await;
    picture_menu(&h, "koi pond", "Copy parameters").await;
    let text = copied(&h).await;
    assert!(
        text.starts_with("koi pond\nNegative prompt: lowres"),
        "{text}"
    );
    assert!(text.contains(&format!("Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 12, Seed: {seed}, Size: 768x512, Model: original")), "{text}");

    // Pasting such text into the prompt offers to fill the fields.
    let pasted = "a red bicycle\nNegative prompt: blurry\nSteps: 40, Sampler: Euler a, CFG scale: 6.5, Seed: 42, Size: 512x768, Model: anything-v5";
    h.eval_with(
        "(() => { const el = document.getElementById('prompt'); const dt = new DataTransfer(); dt.setData('text', arguments[0]); el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })); return true })()",
        vec![serde_json::json!(pasted)],
    )
    .await;
    h.click("Fill the fields").await;
    assert_eq!(h.value("Prompt").await, "a red bicycle");
    assert_eq!(h.value("Negative prompt").await, "blurry");
    assert_eq!(h.value("Steps").await, "40");
    assert_eq!(h.value("Sampler").await, "Euler a");
    assert_eq!(h.value("CFG scale").await, "6.5");
    assert_eq!(h.value("Seed").await, "42");
    assert_eq!(h.value("Size").await, "512x768");
    assert_eq!(h.value("Model").await, "anything-v5");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_saves_a_file_or_falls_back_to_a_new_tab() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    one_image(&h, "a paper crane").await;
    // Record what the page saves: the blob URL and the file name.
    h.eval("(() => { window.__saved = []; const click = HTMLAnchorElement.prototype.click; HTMLAnchorElement.prototype.click = function () { if (this.download) { window.__saved.push([this.download, this.href]); } else { click.call(this); } }; return true })()").await;
    picture_menu(&h, "a paper crane", "Download").await;
    h.wait_text("Saved as a file.", WAIT).await;
    let saved = h.eval("window.__saved[0]").await;
    let name = saved[0].as_str().unwrap();
    assert!(
        name.starts_with("kamiya-") && name.ends_with(".jpg"),
        "{name}"
    );
    assert!(saved[1].as_str().unwrap().starts_with("blob:"));
    h.close().await;

    // A CDN without CORS: the image opens in a new tab instead.
    let api = kamiya_standin::StandIn::start(kamiya_standin::StandInConfig {
        job_duration: Duration::from_secs(1),
        cdn_cors: false,
        ..Default::default()
    })
    .await
    .unwrap();
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    one_image(&h, "no cors here").await;
    let app = h.current_window().await;
    picture_menu(&h, "no cors here", "Download").await;
    h.wait_until(
        "document.body.innerText.includes('opened in a new tab') || document.body.innerText.includes('blocked opening it')",
        WAIT,
    )
    .await;
    if h.text().await.contains("blocked opening it") {
        // The browser blocks a new tab opened after the failed read: the
        // link opens it from the user's own click.
        h.click_link("Open the image").await;
    }
    h.wait_until_windows(2).await;
    // The host is known now: the next click opens the tab at once.
    h.act_in(&app).await;
    picture_menu(&h, "no cors here", "Download").await;
    h.wait_text("opened in a new tab", WAIT).await;
    h.wait_until_windows(3).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gallery_opens_a_full_view_stepped_by_keys() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "gallery piece").await;
    h.fill("Number of images", "3").await;
    h.click("Generate").await;
    wait_for_images(&h, 3, LONG).await;
    h.wait_until(
        "document.querySelectorAll('.gallery li').length === 3",
        WAIT,
    )
    .await;
    h.click("Open image: gallery piece").await;
    h.wait_until("!!document.querySelector('[role=dialog]')", WAIT)
        .await;
    h.wait_text("1 / 3", WAIT).await;
    let focused = h.eval("document.activeElement.textContent").await;
    assert_eq!(
        focused.as_str(),
        Some("Close"),
        "focus moves into the dialog"
    );
    h.eval("(() => { document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true })); return true })()").await;
    h.wait_text("2 / 3", WAIT).await;
    h.screenshot("desktop-viewer").await;
    h.eval("(() => { document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })); return true })()").await;
    h.wait_until("!document.querySelector('[role=dialog]')", WAIT)
        .await;
    // Favourites only.
    picture_menu(&h, "gallery piece", "Favourite").await;
    h.set_checked("Favourites only", true).await;
    h.wait_until(
        "document.querySelectorAll('.gallery li').length === 1",
        WAIT,
    )
    .await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_image_is_refused_before_decoding() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    connected(&h, &api).await;
    h.set_checked("Image to image", true).await;
    // A valid PNG header for 12000×12000: refused from the header alone.
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(12000u32.to_be_bytes());
    bytes.extend(12000u32.to_be_bytes());
    bytes.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let path = std::env::temp_dir().join(format!("kamiya-e2e-{}-huge.png", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    crate::common::pick_source(&h, &path).await;
    h.wait_text("12000×12000", WAIT).await;
    h.wait_text("the limit is 50 megapixels", WAIT).await;
    h.close().await;
    let _ = std::fs::remove_file(path);
}
