//! The job engine end to end: many jobs, reloads, a failing server, a
//! hidden page, several tabs. The stand-in's request log is the witness.

use std::time::Duration;

use crate::common::{connected, standin, stored_hashids, track_requests, wait_for_images, WAIT};
use kamiya_e2e::{only_in, Engine, Harness, HarnessOptions, WindowHandle};
use kamiya_standin::{Fault, FaultKind, Route, DEMO_KEY};

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_jobs_at_once_all_finish() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(2.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    // Each generate is answered after 0.8 s, so the line lasts seconds, not
    // the few milliseconds a local server takes (a loaded machine's polls
    // of the page text missed it).
    api.inject(Fault::new(
        Route::Generate,
        FaultKind::Delay(Duration::from_millis(800)),
    ));
    h.fill("Prompt", "ten lanterns").await;
    h.fill("Number of images", "10").await;
    h.click("Generate").await;
    // Two are sent at a time; the rest wait in line and say so.
    h.wait_text("#1 in line", WAIT).await;
    // Each waiting card has its own place: 1, 2, 3… with none twice.
    let places = h
        .eval("Array.from(document.body.innerText.matchAll(/#(\\d+) in line/g), m => +m[1]).sort((a, b) => a - b)")
        .await;
    let places: Vec<u64> = serde_json::from_value(places).unwrap();
    assert_eq!(
        places,
        (1..=places.len() as u64).collect::<Vec<_>>(),
        "places in line"
    );
    wait_for_images(&h, 10, LONG).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 10);
    // Every job ended: nothing asks the server about jobs any more (the
    // balance is read once after they finish, which is not polling).
    let about_jobs = || {
        api.requests()
            .iter()
            .filter(|r| r.route != Some(Route::Details))
            .count()
    };
    let settled = about_jobs();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(about_jobs(), settled, "no timer left polling");
    // The balance is read again as jobs finish, but at most once per 5 s
    // for all ten (the first read is Check connection's).
    let reads: Vec<u64> = api
        .requests()
        .iter()
        .filter(|r| r.route == Some(Route::Details) && r.method == "GET")
        .map(|r| r.at_ms)
        .collect();
    assert!(reads.len() >= 2, "read again after jobs: {reads:?}");
    assert!(
        reads.windows(2).all(|w| w[1] - w[0] >= 4_500),
        "at most one read per 5 s: {reads:?}"
    );
    let hashids = stored_hashids(&h).await;
    assert_eq!(hashids.len(), 10);
    let unique: std::collections::HashSet<&String> = hashids.iter().collect();
    assert_eq!(unique.len(), 10, "no job twice");
    h.screenshot("desktop-ten-jobs").await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_while_three_jobs_run_loses_and_repeats_nothing() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(5.0).await;
    let h = Harness::start(HarnessOptions::phone()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "three paper boats").await;
    h.fill("Number of images", "3").await;
    h.click("Generate").await;
    // All three accepted by the server, none finished yet.
    let deadline = tokio::time::Instant::now() + WAIT;
    while api.jobs_created(DEMO_KEY) < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "3 jobs were not submitted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    h.reload().await;
    wait_for_images(&h, 3, LONG).await;
    assert_eq!(
        api.jobs_created(DEMO_KEY),
        3,
        "a reload never sends a job twice"
    );
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_before_the_server_answered_adopts_the_job_instead_of_resending() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(2.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    api.inject(Fault {
        route: Route::Generate,
        kind: FaultKind::DelayAnswer(Duration::from_millis(3000)),
        times: Some(1),
    });
    h.fill("Prompt", "a slow answer").await;
    h.click("Generate").await;
    h.wait_text("Submitting…", WAIT).await;
    h.reload().await;
    wait_for_images(&h, 1, LONG).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_generate_is_found_in_the_history_not_resent() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(2.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    api.inject(Fault {
        route: Route::Generate,
        kind: FaultKind::DropAnswer,
        times: Some(1),
    });
    h.fill("Prompt", "an answer lost on the way").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, LONG).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generate_that_never_arrived_ends_as_interrupted_and_can_be_retried() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    api.inject(Fault {
        route: Route::Generate,
        kind: FaultKind::Drop,
        times: Some(1),
    });
    h.fill("Prompt", "never sent").await;
    h.click("Generate").await;
    h.wait_text("checking whether it received the job", WAIT)
        .await;
    h.wait_text("It was not sent again by itself", LONG).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 0);
    h.click("Send again").await;
    wait_for_images(&h, 1, LONG).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_requests_that_fail_for_a_while_recover_by_themselves() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    api.inject(Fault {
        route: Route::Track,
        kind: FaultKind::HttpStatus(500),
        times: None,
    });
    h.fill("Prompt", "a stormy sea").await;
    h.click("Generate").await;
    h.wait_text("Retrying:", LONG).await;
    h.wait_text("HTTP 500", WAIT).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    api.clear_faults();
    wait_for_images(&h, 1, LONG).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_malformed_answer_is_survived() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    api.inject(Fault {
        route: Route::Track,
        kind: FaultKind::Truncated,
        times: Some(1),
    });
    api.inject(Fault {
        route: Route::Track,
        kind: FaultKind::Drop,
        times: Some(1),
    });
    h.fill("Prompt", "a quiet forest").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, LONG).await;
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_server_forgot_ends_as_failed_with_the_reason() {
    only_in!(Engine::Chromium, crate::common::CI_TIME);
    let api = standin(8.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "a vanishing act").await;
    h.click("Generate").await;
    h.wait_text("Accepted, waiting", WAIT).await;
    let hashid = stored_hashids(&h).await.pop().expect("a stored hashid");
    api.forget_job(&hashid);
    h.wait_text("Could not get the job's status", LONG).await;
    h.wait_text("任务不存在", WAIT).await;
    let after = track_requests(&api, &hashid);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        track_requests(&api, &hashid),
        after,
        "a failed job is not polled again"
    );
    h.close().await;
}

/// Opens a second tab in the same browser and makes it the visible one.
async fn hide_first_tab(h: &Harness) -> (WindowHandle, WindowHandle) {
    let first = h.current_window().await;
    let second = h.new_window().await;
    (first, second)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_page_makes_no_status_requests_and_catches_up_when_shown() {
    let api = standin(6.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "behind the curtain").await;
    h.click("Generate").await;
    h.wait_text("Accepted, waiting", WAIT).await;
    let hashid = stored_hashids(&h).await.pop().expect("a stored hashid");

    // A second tab in front: the app's tab is hidden now.
    let (first, _second) = hide_first_tab(&h).await;
    let before = track_requests(&api, &hashid);
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(
        track_requests(&api, &hashid),
        before,
        "no status request while hidden"
    );

    // Back to the app's tab: it polls at once and shows the image.
    h.close_window().await;
    h.switch_to(&first).await;
    h.wait_until("document.visibilityState === 'visible'", WAIT)
        .await;
    wait_for_images(&h, 1, WAIT).await;
    assert!(track_requests(&api, &hashid) - before <= 2);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_tabs_one_polls_and_both_show_the_picture() {
    let api = standin(6.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "two windows, one view").await;
    h.click("Generate").await;
    h.wait_text("Accepted, waiting", WAIT).await;
    let hashid = stored_hashids(&h).await.pop().expect("a stored hashid");

    // A second tab of the app comes to the front; the first is hidden.
    let (first, _second) = hide_first_tab(&h).await;
    h.open().await;
    h.wait_text("two windows, one view", WAIT).await;
    wait_for_images(&h, 1, LONG).await;
    let polls = track_requests(&api, &hashid);
    assert!(
        (1..=3).contains(&polls),
        "{polls} status requests: one tab polls, not two"
    );

    // Back in the first tab, the picture is there too, without polling.
    h.close_window().await;
    h.switch_to(&first).await;
    wait_for_images(&h, 1, WAIT).await;
    assert_eq!(track_requests(&api, &hashid), polls);
    h.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_updates_in_place_and_the_focus_follows_its_picture_to_the_gallery() {
    // Long enough that the first question (at the 6 s default expectation)
    // finds the job in progress.
    let api = standin(9.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.fill("Prompt", "steady focus").await;
    h.click("Generate").await;
    h.wait_text("Accepted, waiting", WAIT).await;
    // Marks the card and the button that has the focus, to know them again.
    let marked = h
        .eval(
            "(() => { const card = document.querySelector('.jobs article'); card.__mark = 'this card';
               const b = Array.from(card.querySelectorAll('button')).find(b => b.textContent === 'Cancel');
               b.__mark = 'this button'; b.focus(); return document.activeElement === b; })()",
        )
        .await;
    assert_eq!(marked, serde_json::json!(true));
    h.wait_text("In progress (generating)", LONG).await;
    assert_eq!(
        h.eval("document.querySelector('.jobs article').__mark")
            .await,
        serde_json::json!("this card"),
        "the same card element, updated in place"
    );
    assert_eq!(
        h.eval("document.activeElement && document.activeElement.__mark")
            .await,
        serde_json::json!("this button"),
        "the focus stayed on its button"
    );
    // Finished: the card leaves for the gallery, and the focus goes along.
    wait_for_images(&h, 1, LONG).await;
    h.wait_until("!document.querySelector('.jobs article')", WAIT)
        .await;
    h.wait_until(
        "document.activeElement && document.activeElement.getAttribute('aria-label') === 'Open image: steady focus'",
        WAIT,
    )
    .await;
    h.close().await;
}
