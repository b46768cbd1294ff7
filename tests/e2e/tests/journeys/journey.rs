//! The first user journey, end to end: real app (dist/), real Chromium,
//! the stand-in API on another port (so CORS is real). Controls are found
//! by their labels and roles, as a user finds them.

use std::time::Duration;

use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions};
use kamiya_standin::{Fault, FaultKind, Route, DEMO_KEY};

use crate::common::{connect, connected, standin, type_address, WAIT};

/// Waits until the newest job's image has really loaded.
async fn wait_for_image(h: &Harness, count: usize) {
    crate::common::wait_for_images(h, count, WAIT).await;
}

async fn text2image_journey(opts: HarnessOptions, shot: &str) {
    let phone = opts.width < 700;
    let api = standin(1.5).await;
    let h = Harness::start(opts).await;
    connected(&h, &api).await;
    // The static first screen has given way to the app: one title.
    assert_eq!(h.eval("document.querySelectorAll('h1').length").await, 1);
    assert_eq!(h.eval("!!document.getElementById('boot')").await, false);
    // The account, from getDetails.
    h.wait_text("demo@kamiya.test", WAIT).await;
    h.wait_text("17,993.36", WAIT).await;
    // The form, from the config: models with descriptions, busy status.
    h.select("Model", "anything-v5").await;
    assert_eq!(h.value("Model").await, "anything-v5");
    assert_eq!(h.value("Sampler").await, "DPM++ 2M Karras");
    assert_eq!(h.value("Size").await, "768x512");
    h.select("Size", "512x768").await;
    h.fill("Prompt", "礼花，气球，红色瞳孔").await;
    if phone {
        // On a phone the LoRAs start folded.
        h.click("LoRAs").await;
    }
    h.click("Add LoRA").await;
    h.screenshot(&format!("{shot}-form")).await;
    h.click("Generate").await;
    // A phone shows the pictures one tap from the form.
    kamiya_e2e::app::show_view(&h, "Pictures").await;
    wait_for_image(&h, 1).await;
    h.screenshot(&format!("{shot}-done")).await;

    let body = api.last_generate_body().expect("one generate call");
    assert_eq!(body["type"], "text2image");
    assert_eq!(body["model"], "anything-v5");
    assert_eq!(
        (body["width"].as_u64(), body["height"].as_u64()),
        (Some(512), Some(768))
    );
    assert_eq!(body["prompts"], "礼花，气球，红色瞳孔");
    assert_eq!(body["LoRAs"].as_array().map(Vec::len), Some(1));
    assert!(body["seed"].as_u64().is_some());
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
    // The full view names the seed that was sent, and when it was made, as
    // English writes it, with a machine-readable twin.
    h.click("Open image: 礼花，气球，红色瞳孔").await;
    h.wait_text(&body["seed"].to_string(), WAIT).await;
    let made = h
        .eval("[document.querySelector('.viewer time').textContent, document.querySelector('.viewer time').dateTime]")
        .await;
    assert!(
        h.eval_with(
            "/^\\d{1,2}:\\d{2}\\s?[AP]M$/.test(arguments[0]) && !isNaN(Date.parse(arguments[1]))",
            vec![made[0].clone(), made[1].clone()]
        )
        .await
            == true,
        "{made}"
    );
    h.click("Close").await;
    h.eval("(() => { window.scrollTo(0, 0); return true })()")
        .await;
    h.screenshot(&format!("{shot}-top")).await;
    // The key travelled only in the header, never in a URL.
    assert!(api
        .requests()
        .iter()
        .all(|r| !r.query.contains(DEMO_KEY) && !r.path.contains(DEMO_KEY)));
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text2image_journey_on_desktop() {
    text2image_journey(HarnessOptions::desktop(), "desktop").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text2image_journey_on_a_phone() {
    only_in!(
        Engine::Chromium,
        "phone emulation (touch, coarse pointer) is Chromium's alone"
    );
    text2image_journey(HarnessOptions::phone(), "phone").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_gets_a_clear_message() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connect(&h, &api, "sk-wrong-key").await;
    h.wait_text("The API key was refused", WAIT).await;
    // The server's own words are shown too.
    h.wait_text("未授权", WAIT).await;
    // Nothing lost: the key is still there to be corrected.
    assert_eq!(h.value("API key").await, "sk-wrong-key");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_on_generate_keeps_the_form_and_can_be_retried() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "a cat on a roof").await;
    h.fill("Steps", "30").await;
    api.inject(Fault {
        route: Route::Generate,
        kind: FaultKind::HttpStatus(500),
        times: Some(1),
    });
    h.click("Generate").await;
    h.wait_text("The server had a problem (HTTP 500)", WAIT)
        .await;
    assert_eq!(h.value("Prompt").await, "a cat on a roof");
    assert_eq!(h.value("Steps").await, "30");
    h.click("Send again").await;
    wait_for_image(&h, 1).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_status_in_the_body_shows_the_servers_message() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    api.inject(Fault {
        route: Route::Generate,
        kind: FaultKind::BodyStatus {
            status: 503,
            message: "服务器繁忙，请稍后再试".into(),
        },
        times: Some(1),
    });
    h.fill("Prompt", "mountains").await;
    h.click("Generate").await;
    h.wait_text("服务器繁忙，请稍后再试", WAIT).await;
    h.wait_text("status 503", WAIT).await;
    assert_eq!(h.value("Prompt").await, "mountains");
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_failures_and_malformed_answers_are_explained() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    h.open().await;
    h.fill("API base URL", &api.api_url()).await;
    h.fill("API key", DEMO_KEY).await;

    // Every attempt is dropped, not just one: Firefox quietly sends a request again when its
    // connection closed without an answer, so a single drop never reaches the app there.
    api.inject(Fault {
        route: Route::CheckNetwork,
        kind: FaultKind::Drop,
        times: None,
    });
    h.click("Check connection").await;
    // The no-cors probe is dropped too: nothing answers, not a CORS refusal.
    h.wait_text("Could not reach the API server", WAIT).await;
    h.wait_text("nothing answers there", WAIT).await;
    api.clear_faults();

    api.inject(Fault {
        route: Route::Details,
        kind: FaultKind::Truncated,
        times: Some(1),
    });
    h.click("Check connection").await;
    h.wait_text("could not be understood", WAIT).await;

    api.inject(Fault {
        route: Route::Details,
        kind: FaultKind::Html,
        times: Some(1),
    });
    h.click("Check connection").await;
    h.wait_text("HTTP 502", WAIT).await;

    // A slow answer: the user sees the check in progress, then the result.
    api.inject(Fault {
        route: Route::Details,
        kind: FaultKind::Delay(Duration::from_millis(1500)),
        times: Some(1),
    });
    h.click("Check connection").await;
    h.wait_text("Checking…", WAIT).await;
    h.wait_text("Connected.", WAIT).await;
    h.field("Prompt").await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_that_fails_says_why_and_offers_retry() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    api.inject(Fault {
        route: Route::Config,
        kind: FaultKind::WrongShape,
        times: Some(1),
    });
    connect(&h, &api, DEMO_KEY).await;
    h.wait_text("The server's options could not be loaded", WAIT)
        .await;
    h.wait_text("could not be understood", WAIT).await;
    h.click("Retry").await;
    h.field("Prompt").await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_fields_are_explained_and_nothing_is_sent() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    connected(&h, &api).await;
    h.select("Size", "custom").await;
    h.fill("Width", "770").await;
    h.fill("CFG scale", "99").await;
    h.click("Generate").await;
    h.wait_text("Must be a multiple of 8.", WAIT).await;
    h.wait_text("Must be between 1 and 30.", WAIT).await;
    h.wait_text("Required.", WAIT).await;
    h.wait_text("Fix the marked fields; nothing was sent.", WAIT)
        .await;
    h.screenshot("phone-invalid").await;
    assert_eq!(api.jobs_created(DEMO_KEY), 0);
    assert!(api
        .requests()
        .iter()
        .all(|r| r.route != Some(Route::Generate)));
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_failed_server_statuses_are_shown() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    // Long enough that the first status request (at the 6 s default
    // expectation) still finds the job in progress.
    let api = standin(10.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "#weird sky").await;
    h.click("Generate").await;
    h.wait_text("In progress (queued_on_node_7)", WAIT).await;
    h.fill("Prompt", "#fail sea").await;
    h.click("Generate").await;
    h.wait_text("The server reports failure (failed)", WAIT)
        .await;
    wait_for_image(&h, 1).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_lists_past_jobs_newest_first_and_loads_more() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    api.seed_history(DEMO_KEY, 45);
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "the newest one").await;
    h.click("Generate").await;
    wait_for_image(&h, 1).await;
    // The account's history joins the gallery as its end comes near: 45
    // seeded pictures and this device's one, which the history lists too
    // but the gallery shows once.
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '46'",
        WAIT,
    )
    .await;
    let labels = h
        .eval("Array.from(document.querySelectorAll('.gallery .thumb-button')).map(b => b.getAttribute('aria-label'))")
        .await;
    let labels: Vec<String> = serde_json::from_value(labels).unwrap();
    assert_eq!(
        labels
            .iter()
            .filter(|l| l.ends_with(": the newest one"))
            .count(),
        1,
        "{labels:?}"
    );
    // This device's picture first, then the history, newest first: the
    // stand-in's seeded history ends with this subject.
    assert_eq!(labels[0], "Open image: the newest one");
    assert_eq!(
        labels[1],
        "Open image: cyberpunk street, neon, night, reflections"
    );
    let lists = api
        .requests()
        .into_iter()
        .filter(|r| r.route == Some(Route::List))
        .map(|r| r.query)
        .collect::<Vec<_>>();
    assert!(
        lists
            .iter()
            .any(|q| q.contains("start=1") && q.contains("take=20")),
        "{lists:?}"
    );
    assert!(lists.iter().any(|q| q.contains("start=21")), "{lists:?}");
    h.close().await;
}

/// Another key is another account: a page of the last account's history
/// still on its way when the key changes is dropped, not added to the new
/// account's gallery. (Two tests at once showed 6 of 46 pictures here: a
/// late last page of the account before, and the new list never asked
/// for, as the old request still counted as loading.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_page_of_the_last_key_never_joins_the_next_keys_gallery() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    const SECOND: &str = "sk-second-account";
    let api = kamiya_standin::StandIn::start(kamiya_standin::StandInConfig {
        keys: vec![DEMO_KEY.to_owned(), SECOND.to_owned()],
        ..kamiya_standin::StandInConfig::default()
    })
    .await
    .expect("stand-in starts");
    api.seed_history(DEMO_KEY, 45);
    api.seed_history(SECOND, 3);
    // The first account's pages come back 4 s late.
    api.inject(Fault::new(
        Route::List,
        FaultKind::DelayAnswer(Duration::from_secs(4)),
    ));
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    let asked = |api: &kamiya_standin::StandIn| {
        api.requests()
            .iter()
            .filter(|r| r.route == Some(Route::List) && r.method == "GET")
            .count()
    };
    let deadline = std::time::Instant::now() + WAIT;
    while asked(&api) == 0 {
        assert!(std::time::Instant::now() < deadline, "no history asked for");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // While that page is on its way: the other account's key.
    h.fill("API key", SECOND).await;
    api.clear_faults();
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '3'",
        WAIT,
    )
    .await;
    // Long after the first account's page came back: still only the
    // second account's three.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        h.eval("document.querySelector('#gallery-title .count')?.textContent")
            .await,
        "3"
    );
    h.close().await;
}

/// A pause while typing the key asks the history with the half-typed key,
/// which the API refuses. That refusal is not news while the key field has
/// the focus (it showed "The API key was refused" under the gallery until
/// the next pause); it is once the field is left with a key still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_while_typing_the_key_shows_no_refusal_until_the_field_is_left() {
    let api = standin(1.0).await;
    api.seed_history(DEMO_KEY, 3);
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    let count = "document.querySelector('#gallery-title .count')?.textContent";
    h.wait_until(&format!("{count} === '3'"), WAIT).await;
    let refused_lists = |api: &kamiya_standin::StandIn| {
        api.requests()
            .iter()
            .filter(|r| {
                r.route == Some(Route::List) && r.method == "GET" && !r.authorized && r.status != 0
            })
            .count()
    };
    assert_eq!(refused_lists(&api), 0);
    // Half the key, then a pause: the history is asked with it and refused.
    h.fill("API key", &DEMO_KEY[..DEMO_KEY.len() / 2]).await;
    let deadline = std::time::Instant::now() + WAIT;
    while refused_lists(&api) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the history was never asked with the half-typed key"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Time for the refusal to reach the page.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let text = h.text().await;
    assert!(
        !text.contains("The API key was refused"),
        "a refusal shown while the key is typed: {text}"
    );
    // The rest of the key: the account's history is back, nothing refused.
    h.fill("API key", DEMO_KEY).await;
    h.wait_until(&format!("{count} === '3'"), WAIT).await;
    assert!(!h.text().await.contains("The API key was refused"));
    // A wrong key, and the field left: now the refusal is said.
    let before = refused_lists(&api);
    h.fill("API key", "sk-not-this-one").await;
    let deadline = std::time::Instant::now() + WAIT;
    while refused_lists(&api) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "the history was never asked with the wrong key"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!h.text().await.contains("The API key was refused"));
    h.eval("document.getElementById('api-key').blur(), true")
        .await;
    h.wait_text("The API key was refused", WAIT).await;
    h.close().await;
}

/// Every prefix of an address is another host's: the key goes to the
/// address once the field is left, never to one typed so far, though the
/// history starts afresh after a pause and a job is polled meanwhile. What
/// is typed is still kept if the page goes away first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_never_goes_to_an_address_still_being_typed() {
    let api = standin(4.0).await;
    api.seed_history(DEMO_KEY, 3);
    // Where the address typed so far points: a server of its own.
    let elsewhere = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.wait_until(
        "document.querySelector('#gallery-title .count')?.textContent === '3'",
        WAIT,
    )
    .await;
    h.fill("Prompt", "a lighthouse in fog").await;
    h.click("Generate").await;
    h.wait_until(
        "document.body.innerText.includes('Accepted, waiting') || document.body.innerText.includes('In progress')",
        WAIT,
    )
    .await;
    type_address(&h, &elsewhere.api_url()).await;
    // Past the history's pause and a poll or two of the running job.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        elsewhere.requests().len(),
        0,
        "requests went to an address still being typed: {:?}",
        elsewhere.requests()
    );
    // The address typed back to the API's, and the field left: the job is
    // still polled there and finishes.
    type_address(&h, &api.api_url()).await;
    h.eval("document.getElementById('base-url').blur(), true")
        .await;
    wait_for_image(&h, 1).await;
    assert_eq!(elsewhere.requests().len(), 0);
    // Typed, and the page reloaded before the field was left: kept.
    type_address(&h, &elsewhere.api_url()).await;
    h.reload().await;
    h.click("Settings").await;
    assert_eq!(h.value("API base URL").await, elsewhere.api_url());
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_draft_survive_a_reload_and_a_running_job_finishes_after_it() {
    let api = standin(4.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "lanterns over a river").await;
    h.click("Generate").await;
    h.wait_until("document.body.innerText.includes('Accepted, waiting') || document.body.innerText.includes('In progress')", WAIT).await;
    h.reload().await;
    // With a key kept, the settings come back folded to one line naming the API.
    let host = api.api_url().replace("http://", "");
    h.wait_text(&host, WAIT).await;
    assert_eq!(
        h.eval("document.querySelector('#settings-title').closest('details').open")
            .await,
        false
    );
    h.screenshot("desktop-returning").await;
    h.click("Settings").await;
    assert_eq!(h.value("API base URL").await, api.api_url());
    assert_eq!(h.value("API key").await, DEMO_KEY);
    h.field("Prompt").await;
    assert_eq!(h.value("Prompt").await, "lanterns over a river");
    wait_for_image(&h, 1).await;
    assert_eq!(
        api.jobs_created(DEMO_KEY),
        1,
        "a reload never sends a job twice"
    );
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_small_phone_the_form_folds_and_nothing_scrolls_sideways() {
    only_in!(
        Engine::Chromium,
        "phone emulation (touch) and the accessibility tree need CDP"
    );
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions {
        width: 360,
        height: 640,
        ..HarnessOptions::phone()
    })
    .await;
    connected(&h, &api).await;
    let open = |name: &'static str| {
        format!("Array.from(document.querySelectorAll('details')).find(d => d.querySelector('summary').textContent.startsWith('{name}')).open")
    };
    // The prompt is out; the sections are folded, their summaries showing
    // what is inside, so Generate comes right after them.
    assert_eq!(h.eval(&open("Parameters")).await, false);
    assert_eq!(h.eval(&open("Negative prompt")).await, false);
    assert_eq!(h.eval(&open("LoRAs")).await, false);
    h.wait_text("lowres", WAIT).await;
    // A screen reader hears each section's name alone: not the ▸ marker,
    // not the values shown beside it.
    assert_eq!(
        kamiya_e2e::a11y::accessible_names(&h, "DisclosureTriangle").await,
        ["Settings", "Negative prompt", "Parameters", "LoRAs"]
    );
    h.click("Parameters").await;
    h.select("Size", "512x768").await;
    h.click("Parameters").await;
    h.wait_text("512×768 · Steps 28", WAIT).await;
    h.screenshot("phone-360-folded").await;
    // Nothing wider than the screen, every target big enough for a thumb.
    let report = h.eval(r#"(() => {
        const wide = document.documentElement.scrollWidth - window.innerWidth;
        const small = Array.from(document.querySelectorAll('button, summary, select, input, textarea, a[href]'))
          .filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden')
          .map(e => {
            // A checkbox or radio counts with its label, as a tap on either works.
            const box = (e.type === 'checkbox' || e.type === 'radio') && e.labels && e.labels[0]
              ? e.closest('.choice, label') || e.labels[0] : e;
            const r = box.getBoundingClientRect();
            return [e.id || e.textContent.trim().slice(0, 30) || e.tagName, Math.round(r.width), Math.round(r.height)];
          })
          .filter(([, w, h]) => w < 44 || h < 44);
        return { wide, small };
    })()"#).await;
    assert!(
        report["wide"].as_i64().unwrap() <= 0,
        "scrolls sideways by {}px",
        report["wide"]
    );
    assert_eq!(
        report["small"],
        serde_json::json!([]),
        "targets under 44 px"
    );
    // Folded stays folded after a reload; a field to fix unfolds its section.
    h.reload().await;
    h.field("Prompt").await;
    assert_eq!(h.eval(&open("Parameters")).await, false);
    h.fill("Prompt", "a kite").await;
    h.eval("(() => { const s = document.getElementById('steps'); s.value = '999'; s.dispatchEvent(new Event('input', { bubbles: true })); return true })()").await;
    h.click("Generate").await;
    h.wait_until(
        "document.activeElement && document.activeElement.id === 'steps'",
        WAIT,
    )
    .await;
    assert_eq!(h.eval(&open("Parameters")).await, true);
    assert_eq!(api.jobs_created(DEMO_KEY), 0);
    h.close().await;
}
