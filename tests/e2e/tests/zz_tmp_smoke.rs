use kamiya_e2e::{Harness, HarnessOptions};
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke() {
    let t = std::time::Instant::now();
    let h = Harness::start(HarnessOptions::phone()).await;
    eprintln!("start {:?}", t.elapsed());
    h.open().await;
    eprintln!("open {:?}", t.elapsed());
    eprintln!("{}", h.text().await);
    eprintln!(
        "labels {}",
        h.eval("Array.from(document.querySelectorAll('label')).map(l => l.textContent)")
            .await
    );
    eprintln!("console {:?}", h.console_messages().await);
    h.region("Settings").await;
    h.screenshot("tmp-smoke").await;
    h.close().await;
}
