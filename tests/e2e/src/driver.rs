//! The WebDriver servers and their browsers (chromedriver and Chromium, geckodriver and
//! Firefox, WebKitWebDriver and MiniBrowser under Xvfb): start, session, and making sure
//! nothing outlives the harness.

use std::ffi::OsString;
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

use crate::engine::Engine;
use crate::free_port;

/// A fresh directory per harness, holding the browser profile and chromedriver's log.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    /// In `parent`, or the system's temporary directory.
    pub(crate) fn new(parent: Option<&Path>) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let dir = parent.join(format!(
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
        self.0.join("driver.log")
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
    /// WebKit's own X display (Xvfb), one per harness: MiniBrowser needs a window, and a
    /// display of its own keeps focus and visibility from leaking between parallel tests.
    xvfb: Option<Child>,
    pub(crate) port: u16,
    pub(crate) engine: Engine,
    pub(crate) dir: TempDir,
}

/// Every process a harness starts carries this variable (children inherit it), so that a
/// panicking test can find and kill its browser's processes of any engine by it.
const HARNESS_VAR: &str = "KAMIYA_E2E_HARNESS";

fn bin_from(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

pub(crate) fn chromedriver_bin() -> PathBuf {
    bin_from("CHROMEDRIVER", "/usr/bin/chromedriver")
}

pub(crate) fn chrome_bin() -> PathBuf {
    bin_from("CHROME_BIN", "/usr/bin/chromium")
}

/// `cargo install geckodriver` puts it in ~/.cargo/bin (scripts/install-tools.sh).
pub(crate) fn geckodriver_bin() -> PathBuf {
    std::env::var_os("GECKODRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cargo/bin/geckodriver")
        })
}

pub(crate) fn firefox_bin() -> PathBuf {
    bin_from("FIREFOX_BIN", "/usr/bin/firefox-esr")
}

pub(crate) fn webkitdriver_bin() -> PathBuf {
    bin_from("WEBKITDRIVER", "/usr/bin/WebKitWebDriver")
}

/// Debian's webkit2gtk-driver drives MiniBrowser, which libwebkit2gtk-4.1-0 ships in its
/// multiarch library directory (`/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/` on amd64).
pub(crate) fn minibrowser_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("MINIBROWSER") {
        return PathBuf::from(p);
    }
    let default = PathBuf::from("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser");
    if default.is_file() {
        return default;
    }
    std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.path().join("webkit2gtk-4.1/MiniBrowser"))
        .find(|p| p.is_file())
        .unwrap_or(default)
}

/// MiniBrowser's window cannot be narrower than its toolbar (447 px with the default theme),
/// which would rule out phone widths. This GTK style (read through XDG_CONFIG_HOME) shrinks
/// the browser's own controls to nothing; the page itself is drawn by WebKit, not GTK.
const TINY_GTK_CHROME: &str =
    "* { min-width: 0; min-height: 0; padding: 0; margin: 0; border-width: 0; font-size: 1px; }\n";

/// See `Driver::start`: lets Firefox's window be as narrow as a phone.
const FIREFOX_NARROW_UI: &str = "* { min-width: 0 !important; }\n";

fn require_file(path: &Path, what: &str, var: &str) {
    assert!(
        path.is_file(),
        "{what} not found at {} (set {var}, or run scripts/install-tools.sh)",
        path.display()
    );
}

impl Driver {
    pub(crate) async fn start(engine: Engine, temp_parent: Option<&Path>) -> Driver {
        let dir = TempDir::new(temp_parent);
        let mut xvfb = None;
        let mut args: Vec<OsString> = Vec::new();
        let mut envs: Vec<(&str, OsString)> = vec![(HARNESS_VAR, dir.0.clone().into())];
        let bin = match engine {
            Engine::Chromium => {
                let bin = chromedriver_bin();
                require_file(&bin, "chromedriver", "CHROMEDRIVER");
                bin
            }
            Engine::Firefox => {
                let bin = geckodriver_bin();
                require_file(&bin, "geckodriver", "GECKODRIVER");
                // Anything it makes of its own goes into our directory, so cleanup finds it.
                args.extend(["--profile-root".into(), dir.0.clone().into()]);
                args.extend(["--log".into(), "warn".into()]);
                // Firefox's window cannot be narrower than its toolbars (500 px headless),
                // which would rule out phone widths: this style of the browser's own UI
                // (userChrome.css, enabled by a pref below) lifts their minimum widths.
                let chrome = dir.profile().join("chrome");
                std::fs::create_dir_all(&chrome).expect("create the Firefox profile");
                std::fs::write(chrome.join("userChrome.css"), FIREFOX_NARROW_UI)
                    .expect("write userChrome.css");
                bin
            }
            Engine::WebKit => {
                let bin = webkitdriver_bin();
                require_file(&bin, "WebKitWebDriver", "WEBKITDRIVER");
                let (child, display) = start_xvfb(&dir).await;
                xvfb = Some(child);
                let gtk = dir.0.join("config/gtk-3.0");
                std::fs::create_dir_all(&gtk).expect("create the GTK config dir");
                std::fs::write(gtk.join("gtk.css"), TINY_GTK_CHROME).expect("write gtk.css");
                envs.extend([
                    ("DISPLAY", display.into()),
                    ("XDG_CONFIG_HOME", dir.0.join("config").into()),
                    ("XDG_DATA_HOME", dir.0.join("data").into()),
                    ("XDG_CACHE_HOME", dir.0.join("cache").into()),
                    // navigator.language follows the environment's language (GLib ignores
                    // LANGUAGE under the C locale, so LANG and LC_ALL name it too).
                    ("LANGUAGE", "en_US".into()),
                    ("LANG", "en_US.UTF-8".into()),
                    ("LC_ALL", "en_US.UTF-8".into()),
                    // No accessibility bus to look for under Xvfb.
                    ("NO_AT_BRIDGE", "1".into()),
                ]);
                bin
            }
        };
        let mut last_log = String::new();
        // free_port() can race with another test grabbing the same port; a fresh port fixes it.
        for _attempt in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(dir.log()).expect("create the driver log");
            let mut cmd = Command::new(&bin);
            cmd.args(&args).envs(envs.iter().map(|(k, v)| (k, v)));
            match engine {
                Engine::Chromium | Engine::WebKit => cmd.arg(format!("--port={port}")),
                Engine::Firefox => cmd.args(["--port", &port.to_string()]),
            };
            let mut child = cmd
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
                        xvfb,
                        port,
                        engine,
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
        if let Some(mut x) = xvfb {
            let _ = x.start_kill();
        }
        dir.remove();
        panic!(
            "{} did not become ready; the end of its log:\n{}",
            bin.display(),
            tail(&last_log, 3000)
        );
    }

    pub(crate) async fn session(&self, opts: &crate::HarnessOptions) -> Client {
        let caps = match self.engine {
            Engine::Chromium => self.chromium_caps(opts),
            Engine::Firefox => self.firefox_caps(opts),
            Engine::WebKit => self.webkit_caps(),
        };
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let caps: Capabilities = caps;
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut last = String::new();
        // A cold first start of a browser on a loaded 2-core machine occasionally times out.
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
        panic!(
            "could not open a {} session: {last}\ndriver log:\n{}",
            self.engine,
            tail(&log, 6000)
        );
    }

    fn chromium_caps(&self, opts: &crate::HarnessOptions) -> Value {
        let chrome = chrome_bin();
        require_file(&chrome, "chromium", "CHROME_BIN");
        let (width, height) = (opts.width, opts.height);
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
        // More switches for Chromium, e.g. to record a trace of a bench run
        // (README, "Benchmark").
        if let Ok(extra) = std::env::var("KAMIYA_E2E_CHROME_ARGS") {
            args.extend(extra.split(' ').map(String::from));
        }
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", self.dir.profile().display()));

        // --window-size alone is not enough: headless Chromium keeps a window at least 500 px
        // wide and takes ~140 px of its height for invisible browser UI. Device metrics make
        // innerWidth x innerHeight exactly width x height (and, for a phone, add touch input
        // and a coarse pointer: only Chromium can emulate those).
        json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": args,
                "prefs": { "intl.accept_languages": "en-US" },
                "mobileEmulation": { "deviceMetrics": {
                    "width": width, "height": height, "pixelRatio": opts.device_scale_factor,
                    "touch": opts.mobile, "mobile": opts.mobile,
                }},
            },
        })
    }

    fn firefox_caps(&self, opts: &crate::HarnessOptions) -> Value {
        let firefox = firefox_bin();
        require_file(&firefox, "firefox", "FIREFOX_BIN");
        json!({
            "browserName": "firefox",
            "pageLoadStrategy": "normal",
            "moz:firefoxOptions": {
                "binary": firefox,
                // A first guess at the size; the harness then measures and corrects it.
                // A fresh profile of ours (in the harness's directory), and a first guess at
                // the size; the harness then measures and corrects it.
                "args": [
                    "-headless", "-profile", self.dir.profile(),
                    "-width", opts.width.to_string(), "-height", opts.height.to_string(),
                ],
                "prefs": {
                    "toolkit.legacyUserProfileCustomizations.stylesheets": true,
                    "intl.accept_languages": "en-US",
                    "intl.locale.requested": "en-US",
                    // Only loopback is reached: everything else goes to a proxy on a closed
                    // port and fails at once, as Chromium's host-resolver-rules do.
                    "network.proxy.type": 1,
                    "network.proxy.http": "127.0.0.1",
                    "network.proxy.http_port": 9,
                    "network.proxy.ssl": "127.0.0.1",
                    "network.proxy.ssl_port": 9,
                    "network.proxy.no_proxies_on": "127.0.0.1,localhost,[::1]",
                    "network.proxy.allow_hijacking_localhost": false,
                    // No background traffic of its own.
                    "network.captive-portal-service.enabled": false,
                    "network.connectivity-service.enabled": false,
                    "browser.safebrowsing.malware.enabled": false,
                    "browser.safebrowsing.phishing.enabled": false,
                    "browser.safebrowsing.downloads.enabled": false,
                    "app.update.disabledForTesting": true,
                    "datareporting.policy.dataSubmissionEnabled": false,
                    "toolkit.telemetry.enabled": false,
                    // Timers of a background tab as Chromium's harness keeps them (the app
                    // pauses polling by itself when hidden; that is what tests check).
                    "dom.min_background_timeout_value": 4,
                    "dom.timeout.enable_budget_timer_throttling": false,
                },
            },
        })
    }

    fn webkit_caps(&self) -> Value {
        let mini = minibrowser_bin();
        require_file(&mini, "MiniBrowser", "MINIBROWSER");
        json!({
            "webkitgtk:browserOptions": {
                "binary": mini,
                "args": [
                    "--automation",
                    // Only loopback is reached: everything else goes to a proxy on a closed
                    // port and fails at once, as Chromium's host-resolver-rules do.
                    "--proxy=http://127.0.0.1:9",
                    "--ignore-host=127.0.0.1",
                    "--ignore-host=localhost",
                    "--ignore-host=::1",
                ],
            },
        })
    }

    /// Polite shutdown after the session was deleted (which makes the driver quit its browser).
    pub(crate) async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        kill_browsers_using(&self.dir.0);
        if let Some(mut x) = self.xvfb.take() {
            let _ = x.kill().await;
        }
        self.dir.remove();
    }
}

impl Drop for Driver {
    /// Reached without `stop` when a test panicked. Killing the driver alone would orphan the
    /// browser, so every process started for this harness is killed by pid.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            kill_browsers_using(&self.dir.0);
            if let Some(mut x) = self.xvfb.take() {
                let _ = x.start_kill();
            }
            self.dir.remove();
        }
    }
}

/// Starts Xvfb on a display number it picks itself (`-displayfd`, so parallel tests never
/// race for one) and returns it with the `:N` to put in DISPLAY.
async fn start_xvfb(dir: &TempDir) -> (Child, String) {
    let bin = bin_from("XVFB", "/usr/bin/Xvfb");
    require_file(&bin, "Xvfb", "XVFB");
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 fills two fds we own from here on.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2 for Xvfb -displayfd");
    let (read_fd, write_fd) = (fds[0], fds[1]);
    let mut cmd = Command::new(&bin);
    cmd.arg("-displayfd")
        .arg(write_fd.to_string())
        .args([
            "-screen",
            "0",
            "1920x1200x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .env(HARNESS_VAR, &dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    // SAFETY: only an async-signal-safe fcntl between fork and exec: the write end stays open
    // in Xvfb alone (it is close-on-exec everywhere else).
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(write_fd, libc::F_SETFD, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    // SAFETY: write_fd is ours; the child has its own copy.
    unsafe { libc::close(write_fd) };
    // SAFETY: read_fd is ours and handed over to the File, which closes it.
    let mut read = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(read_fd) };
    let display = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut out = String::new();
        let mut byte = [0u8; 1];
        while read.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            out.push(byte[0] as char);
        }
        out
    });
    let display = tokio::time::timeout(Duration::from_secs(10), display)
        .await
        .ok()
        .and_then(Result::ok)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| panic!("Xvfb did not report its display within 10 s"));
    (child, format!(":{display}"))
}

fn tail(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(max)..].iter().collect()
}

/// SIGKILLs every live process whose command line or environment mentions `dir` (all of a
/// harness's processes, the browser's helpers included, inherit its marker variable), and
/// waits (up to 2 s) until none is left, so a caller may assert right away that nothing
/// leaked.
pub(crate) fn kill_browsers_using(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let pids = pids_using(dir);
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

/// Live (non-zombie) processes whose command line or environment contains `needle`.
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
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains(&needle)
            && !String::from_utf8_lossy(&environ).contains(&needle)
        {
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
