//! Credit in sight: the balance in the header, read again after jobs
//! finish; each picture's cost in its full view (its own when its job ran
//! alone, else the total of those that ran together); the session's spend; a batch's expected cost
//! beside Generate; a batch over the balance asks first; a balance that is
//! not a number shows as unknown, never NaN.

use std::time::Duration;

use kamiya_e2e::{Harness, HarnessOptions};
use kamiya_standin::{CreditShown, DEMO_KEY};

use crate::common::{connected, standin, wait_for_images, WAIT};

const LONG: Duration = Duration::from_secs(40);

/// Reads each gallery picture's cost in its full view, newest first (""
/// where none is shown), closing the view after each.
const PICTURE_COSTS: &str = r#"(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const out = [];
  const count = document.querySelectorAll('.gallery .thumb-button').length;
  for (let i = 0; i < count; i++) {
    document.querySelectorAll('.gallery .thumb-button')[i].click();
    let v = null;
    for (let t = 0; t < 100 && !(v = document.querySelector('.viewer')); t++) await sleep(20);
    if (!v) { out.push('no full view'); continue; }
    const cost = v.querySelector('.job-cost');
    out.push(cost ? cost.textContent : '');
    Array.from(v.querySelectorAll('button')).find((b) => b.textContent === 'Close').click();
    for (let t = 0; t < 100 && document.querySelector('.viewer'); t++) await sleep(20);
  }
  return out;
})()"#;

/// Waits until the pictures' costs, newest first, are `want`.
async fn wait_picture_costs(h: &Harness, want: &[&str]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got: Vec<String> =
            serde_json::from_value(h.eval(PICTURE_COSTS).await).unwrap_or_default();
        if got == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "picture costs {got:?}, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_figures_after_jobs_of_known_cost() {
    let api = standin(1.0).await;
    let h = Harness::start(HarnessOptions::desktop()).await;
    connected(&h, &api).await;
    h.wait_text("Credit 17,993.36 · spent this session 0.00", WAIT)
        .await;
    // Nothing learned yet for 768×512, 28 steps.
    h.wait_text("Cost not known yet for this model, size and steps.", WAIT)
        .await;

    // One job alone: its own cost (768×512, 28 steps: 1.50).
    h.fill("Prompt", "one red kite").await;
    h.click("Generate").await;
    wait_for_images(&h, 1, LONG).await;
    h.wait_text("Credit 17,991.86 · spent this session 1.50", WAIT)
        .await;
    wait_picture_costs(&h, &["Cost 1.50"]).await;
    h.wait_text("Expected cost: about 1.50 (1 × 1.50)", WAIT)
        .await;
    h.fill("Number of images", "2").await;
    h.wait_text("Expected cost: about 3.00 (2 × 1.50)", WAIT)
        .await;

    // Two at once, 40 steps (twice the price): their total.
    h.fill("Steps", "40").await;
    h.wait_text("Cost not known yet for this model, size and steps.", WAIT)
        .await;
    h.fill("Prompt", "two blue kites").await;
    h.click("Generate").await;
    wait_for_images(&h, 3, LONG).await;
    h.wait_text("Credit 17,985.86 · spent this session 7.50", WAIT)
        .await;
    wait_picture_costs(
        &h,
        &[
            "Cost 6.00 for the 2 jobs that ran together",
            "Cost 6.00 for the 2 jobs that ran together",
            "Cost 1.50",
        ],
    )
    .await;
    h.wait_text("Expected cost: about 6.00 (2 × 3.00)", WAIT)
        .await;
    h.screenshot("credit-costs").await;

    // Over the balance: asked first; "Don't send" sends nothing.
    api.set_credit(DEMO_KEY, 4.0);
    h.click("Check connection").await;
    // A fall with none of this page's jobs in flight is not its spend.
    h.wait_text("Credit 4.00 · spent this session 7.50", WAIT)
        .await;
    h.click("Generate").await;
    h.wait_text(
        "This batch is expected to cost about 6.00, more than your balance (4.00). Send it anyway?",
        WAIT,
    )
    .await;
    h.click("Don't send").await;
    h.wait_no_text("Send it anyway?", WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 3, "nothing sent");
    h.click("Generate").await;
    h.wait_text("Send it anyway?", WAIT).await;
    // A balance that is not a number from now on.
    api.set_credit_shown(CreditShown::Text);
    h.click("Send anyway").await;
    wait_for_images(&h, 5, LONG).await;
    assert_eq!(api.jobs_created(DEMO_KEY), 5);
    h.wait_text("Credit unknown · spent this session 7.50", WAIT)
        .await;
    wait_picture_costs(
        &h,
        &[
            "Cost unknown",
            "Cost unknown",
            "Cost 6.00 for the 2 jobs that ran together",
            "Cost 6.00 for the 2 jobs that ran together",
            "Cost 1.50",
        ],
    )
    .await;
    assert!(!h.text().await.contains("NaN"));
    h.close().await;
}
