//! chromedriver and Chromium: start, session, and making sure nothing outlives the harness.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

use crate::free_port;

/// A fresh directory per harness, holding the browser profile and chromedriver's log.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "kamiya-e2e-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(dir.join("profile")).expect("create the browser profile dir");
        TempDir(dir)
    }

    pub(crate) fn profile(&self) -> PathBuf {
        self.0.join("profile")
    }

    fn log(&self) -> PathBuf {
        self.0.join("chromedriver.log")
    }

    fn remove(&self) {
        // Chromium may still be flushing its profile for a moment after it was killed.
        for _ in 0..20 {
            match std::fs::remove_dir_all(&self.0) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(25))
                }
                _ => return,
            }
        }
    }
}

pub(crate) struct Driver {
    child: Option<Child>,
    pub(crate) port: u16,
    pub(crate) dir: TempDir,
}

pub(crate) fn chromedriver_bin() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

pub(crate) fn chrome_bin() -> PathBuf {
    std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

impl Driver {
    pub(crate) async fn start() -> Driver {
        let bin = chromedriver_bin();
        assert!(
            bin.is_file(),
            "chromedriver not found at {} (set CHROMEDRIVER, or run .ci/install.sh)",
            bin.display()
        );
        let dir = TempDir::new();
        let mut last_log = String::new();
        // free_port() can race with another test grabbing the same port; a fresh port fixes it.
        for _attempt in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(dir.log()).expect("create chromedriver log");
            let mut child = Command::new(&bin)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log handle"))
                .stderr(log)
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if status_ready(port).await {
                    return Driver {
                        child: Some(child),
                        port,
                        dir,
                    };
                }
                if child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                    let _ = child.kill().await;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            last_log = std::fs::read_to_string(dir.log()).unwrap_or_default();
        }
        dir.remove();
        let tail: String = {
            let chars: Vec<char> = last_log.chars().collect();
            chars[chars.len().saturating_sub(3000)..].iter().collect()
        };
        panic!("chromedriver did not become ready; the end of its log:\n{tail}");
    }

    pub(crate) async fn session(
        &self,
        width: u32,
        height: u32,
        mobile: bool,
        scale: f64,
    ) -> Client {
        let chrome = chrome_bin();
        assert!(
            chrome.is_file(),
            "chromium not found at {} (set CHROME_BIN, or run .ci/install.sh)",
            chrome.display()
        );
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--lang=en-US",
            // The rest only trim start-up time and keep timers honest in a background window.
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-crash-reporter",
            "--disable-breakpad",
            "--password-store=basic",
            "--use-mock-keychain",
            "--mute-audio",
            "--disable-renderer-backgrounding",
            "--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows",
            "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Only loopback resolves: a test that forgets to point the app at the stand-in fails
        // fast instead of trying the real API (which the app names by default).
        args.push(
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost, EXCLUDE *.localhost"
                .into(),
        );
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", self.dir.profile().display()));

        // --window-size alone is not enough: headless Chromium keeps a window at least 500 px
        // wide and takes ~140 px of its height for invisible browser UI. Device metrics make
        // innerWidth x innerHeight exactly width x height.
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": args,
                "prefs": { "intl.accept_languages": "en-US" },
                "mobileEmulation": { "deviceMetrics": {
                    "width": width, "height": height, "pixelRatio": scale,
                    "touch": mobile, "mobile": mobile,
                }},
            },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let caps: Capabilities = caps;
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut last = String::new();
        // A cold first start of Chromium on a loaded 2-core machine occasionally times out.
        for _ in 0..2 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return client,
                Err(e) => last = e.to_string(),
            }
        }
        let log = std::fs::read_to_string(self.dir.log()).unwrap_or_default();
        panic!("could not open a Chromium session: {last}\nchromedriver log:\n{log}");
    }

    /// Polite shutdown after the session was deleted (which makes chromedriver quit Chromium).
    pub(crate) async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        kill_browsers_using(&self.dir.profile());
        self.dir.remove();
    }
}

impl Drop for Driver {
    /// Reached without `stop` when a test panicked. Killing chromedriver alone would orphan
    /// Chromium, so every process started with our unique profile dir is killed by pid.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            kill_browsers_using(&self.dir.profile());
            self.dir.remove();
        }
    }
}

/// SIGKILLs every live process whose command line mentions `profile` (all Chromium processes,
/// renderers and zygotes included, carry --user-data-dir), and waits (up to 2 s) until none
/// is left, so a caller may assert right away that nothing leaked.
pub(crate) fn kill_browsers_using(profile: &Path) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let pids = pids_using(profile);
        if pids.is_empty() || Instant::now() > deadline {
            return;
        }
        for pid in pids {
            // SAFETY: kill(2) on a pid read from /proc; nothing is shared with the target.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Live (non-zombie) processes whose command line contains `needle`.
pub fn pids_using(needle: &Path) -> Vec<i32> {
    let needle = needle.to_string_lossy().into_owned();
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&cmdline).contains(&needle) {
            continue;
        }
        // Zombies are already dead and wait for init to reap them; they cannot be killed.
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let state = stat.rsplit(") ").next().and_then(|s| s.chars().next());
        if state != Some('Z') && pid != std::process::id() as i32 {
            out.push(pid);
        }
    }
    out
}

async fn status_ready(port: u16) -> bool {
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let req =
        format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return false;
    }
    // chromedriver keeps the connection open despite "Connection: close", so read until the
    // verdict shows up rather than until EOF.
    let read = async {
        let mut body = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => body.extend_from_slice(&buf[..n]),
            }
            let text = String::from_utf8_lossy(&body).replace(' ', "");
            if text.contains("\"ready\":true") {
                return true;
            }
            if text.contains("\"ready\":false") {
                return false;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read)
        .await
        .unwrap_or(false)
}

/// chromedriver's vendor endpoint for raw DevTools commands, which fantoccini has no method for.
#[derive(Debug)]
pub(crate) struct Cdp {
    pub(crate) cmd: &'static str,
    pub(crate) params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}
