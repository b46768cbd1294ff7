//! Drives Kamiya Studio the way a person does, in Chromium (chromedriver), Firefox
//! (geckodriver) or WebKit (WebKitWebDriver and MiniBrowser): controls are found by their
//! label, buttons by their accessible name, regions by their aria name — never by CSS class —
//! so a test breaks when the UI stops being usable, not when its markup is restyled. The
//! engine is `KAMIYA_E2E_ENGINE` (see [`Engine`]); a test that needs one engine starts with
//! [`skip_unless`].
//!
//! ```no_run
//! # async fn demo() {
//! use kamiya_e2e::{Harness, HarnessOptions};
//! use std::time::Duration;
//! let h = Harness::start(HarnessOptions::desktop()).await;
//! h.open().await;
//! h.fill("Prompt", "a red fox").await;
//! h.click("Generate").await;
//! h.wait_text("Done", Duration::from_secs(10)).await;
//! h.close().await;
//! # }
//! ```
//!
//! Things worth knowing:
//! - Every lookup waits (10 s) for its target, so no sleeps are needed after a click; to wait
//!   for an outcome use [`Harness::wait_text`] or [`Harness::wait_until`].
//! - When several displayed elements share a name, the first in document order wins. Scope
//!   with [`Harness::region`] and the `*_in` variants (e.g. one "Delete" per history entry).
//! - [`Harness::eval`] takes a JavaScript *expression*; a returned Promise is awaited.
//! - Console errors/warnings, uncaught errors, failed loads and CSP violations are recorded
//!   from the first script on ([`Harness::console_messages`]) and shown in every panic: the
//!   static server puts a same-origin `init.js` first into every page it serves, in every
//!   engine. A test adds its own script there ([`HarnessOptions::init_script`],
//!   [`Harness::set_init_script`]), e.g. to remove a browser feature before the app starts.
//! - What needs an engine's own protocol (offline emulation, blocking URLs, the accessibility
//!   tree, phone emulation with touch) is Chromium-only, and says so when called elsewhere.
//! - Always end with [`Harness::close`]; if a test panics first, dropping the harness kills
//!   the driver and every browser process it started.

pub mod a11y;
pub mod app;
mod engine;

mod driver;
mod js;
mod server;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use engine::{engine, skip_in, skip_unless, Engine, ENGINE_VAR};
pub use fantoccini::elements::Element;
use fantoccini::error::CmdError;
pub use fantoccini::wd::WindowHandle;
pub use fantoccini::Client;
use serde_json::{json, Value};

use driver::Driver;
use js::Find;
pub use server::StaticServer;

pub use driver::pids_using;

/// How long lookups wait for their element to appear, unless
/// [`HarnessOptions::find_timeout`] says otherwise.
pub const FIND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Harness::open`] and [`Harness::reload`] wait for `[data-app-ready]`.
pub const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// A control that exists only hidden is returned after this long; until then a displayed
/// twin (responsive layouts render some controls twice) gets the chance to appear.
const HIDDEN_GRACE: Duration = Duration::from_millis(500);
const POLL: Duration = Duration::from_millis(100);
const FIND_POLL: Duration = Duration::from_millis(50);
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A port that was free a moment ago on 127.0.0.1 (the kernel's pick for port 0).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// The Cargo workspace root (the directory holding `dist/` and `target/`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}

#[derive(Clone, Debug)]
pub struct HarnessOptions {
    /// The browser engine; `KAMIYA_E2E_ENGINE` by default ([`Engine::current`]).
    pub engine: Engine,
    /// Viewport size in CSS pixels: `innerWidth` x `innerHeight` are exactly this, in every
    /// engine (the window is measured and resized until they are).
    pub width: u32,
    pub height: u32,
    /// Defaults to `<workspace root>/dist`, or `KAMIYA_DIST` if set (relative to the root).
    pub dist: PathBuf,
    /// Where the app is mounted: "/" or e.g. "/kamiya-studio/" (slashes added if missing).
    pub sub_path: String,
    /// Sent as Content-Security-Policy on every static response.
    pub csp: Option<String>,
    /// Phone emulation: touch input, `(pointer: coarse)`, and the viewport meta tag honoured.
    /// Chromium only (its device emulation); Firefox and WebKit get the phone's viewport
    /// size with a mouse.
    pub mobile: bool,
    /// devicePixelRatio; screenshots are this many times the viewport size. Chromium only:
    /// Firefox and WebKit draw at 1.
    pub device_scale_factor: f64,
    /// How long lookups (`field`, `button`, `region`, ...) wait; [`FIND_TIMEOUT`] by default.
    pub find_timeout: Duration,
    /// JavaScript run in every page of the app's origin before any of the page's own
    /// scripts (after the console recorder), e.g. `delete window.BroadcastChannel;`.
    pub init_script: Option<String>,
    /// Where the harness's own directory (browser profile, driver log) is made; the
    /// system's temporary directory by default. A test with a small disk of its own points
    /// this at it (setting `TMPDIR` would move every harness of the test binary).
    pub temp_parent: Option<PathBuf>,
}

impl HarnessOptions {
    pub fn desktop() -> Self {
        HarnessOptions {
            engine: Engine::current(),
            width: 1280,
            height: 800,
            dist: default_dist(),
            sub_path: "/".into(),
            csp: None,
            mobile: false,
            device_scale_factor: 1.0,
            find_timeout: FIND_TIMEOUT,
            init_script: None,
            temp_parent: None,
        }
    }

    /// 390 x 844, a current mid-size phone. The scale is 2 rather than a real phone's 3 to
    /// halve raster work on the 2-core test machine; CSS layout is the same.
    pub fn phone() -> Self {
        HarnessOptions {
            width: 390,
            height: 844,
            mobile: true,
            device_scale_factor: 2.0,
            ..Self::desktop()
        }
    }
}

fn default_dist() -> PathBuf {
    match std::env::var_os("KAMIYA_DIST") {
        Some(d) => workspace_root().join(d),
        None => workspace_root().join("dist"),
    }
}

fn normalize_sub_path(p: &str) -> String {
    let inner = p.trim_matches('/');
    if inner.is_empty() {
        "/".into()
    } else {
        format!("/{inner}/")
    }
}

pub struct Harness {
    pub client: Client,
    /// The app's URL, e.g. `http://127.0.0.1:41234/kamiya-studio/`.
    pub app_url: String,
    origin: String,
    find_timeout: Duration,
    engine: Engine,
    /// The viewport asked for, given to new windows too.
    viewport: (u32, u32),
    // Field order is drop order: the browser goes before the server it talks to.
    driver: Driver,
    server: StaticServer,
}

impl Harness {
    /// Serves `opts.dist`, starts the engine's WebDriver server and opens a browser session
    /// (about 1 s; Firefox about 3 s). Panics with the reason when dist/, the browser or its
    /// driver is missing.
    pub async fn start(opts: HarnessOptions) -> Harness {
        let index = opts.dist.join("index.html");
        assert!(
            index.is_file(),
            "dist/ not built: run `trunk build --release` (no {})",
            index.display()
        );
        let sub_path = normalize_sub_path(&opts.sub_path);
        let server = StaticServer::start(&opts.dist, &sub_path, opts.csp.clone()).await;
        if let Some(js) = &opts.init_script {
            server.set_init_script(js);
        }
        let driver = Driver::start(opts.engine, opts.temp_parent.as_deref()).await;
        let client = driver.session(&opts).await;
        let origin = format!("http://{}", server.addr);
        let h = Harness {
            client,
            app_url: format!("{origin}{sub_path}"),
            origin,
            find_timeout: opts.find_timeout,
            engine: opts.engine,
            viewport: (opts.width, opts.height),
            driver,
            server,
        };
        if h.engine != Engine::Chromium {
            // Chromium's device metrics are exact already.
            h.fit_viewport(opts.width, opts.height).await;
        }
        h
    }

    /// Resizes the window until `innerWidth` x `innerHeight` are `width` x `height`: the
    /// browser's own toolbars take a share of the window that differs by engine and version,
    /// so it is measured rather than assumed.
    async fn fit_viewport(&self, width: u32, height: u32) {
        let want = (i64::from(width), i64::from(height));
        let mut seen = Vec::new();
        for _ in 0..4 {
            let v = self
                .exec_js("return [innerWidth, innerHeight];", vec![])
                .await;
            let inner = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
            if inner == want {
                return;
            }
            seen.push(inner);
            let (w, h) = self
                .cmd("get window size", self.client.get_window_size())
                .await;
            let (w, h) = (
                (w as i64 + want.0 - inner.0).max(1) as u32,
                (h as i64 + want.1 - inner.1).max(1) as u32,
            );
            self.cmd("set window size", self.client.set_window_size(w, h))
                .await;
            // A resize lands asynchronously in some engines: wait until the page sees it.
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(2) {
                let v = self
                    .exec_js("return [innerWidth, innerHeight];", vec![])
                    .await;
                if (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0)) != inner {
                    break;
                }
                tokio::time::sleep(FIND_POLL).await;
            }
        }
        panic!(
            "{} would not give a {width}x{height} viewport; innerWidth x innerHeight went {seen:?}",
            self.engine
        );
    }

    /// The engine this harness drives.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// `http://127.0.0.1:<port>`, without the sub path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The harness's own directory (browser profile, driver log), removed by `close`/drop;
    /// every process the harness started carries it, so [`pids_using`] finds them.
    pub fn profile_dir(&self) -> PathBuf {
        self.driver.dir.0.clone()
    }

    /// Replaces the test's part of the init script (see [`HarnessOptions::init_script`]);
    /// it runs from the next page load on.
    pub fn set_init_script(&self, js: &str) {
        self.server.set_init_script(js);
    }

    /// Stops the static server for good, as if the host went away: the browser gets network
    /// errors (not HTTP errors) for the app's files, in every engine. With the app's service
    /// worker installed, this is how a test sees it start offline; `navigator.onLine` stays
    /// true (only Chromium can emulate that: [`app::set_offline`]).
    pub async fn stop_server(&self) {
        self.server.stop().await;
    }

    // ----- windows -----

    /// The window (tab) WebDriver commands go to now.
    pub async fn current_window(&self) -> WindowHandle {
        self.cmd("get window handle", self.client.window()).await
    }

    /// Every open window (tab) of this browser.
    pub async fn windows(&self) -> Vec<WindowHandle> {
        self.cmd("get window handles", self.client.windows()).await
    }

    /// Opens a new tab of the same browser (same profile: storage, service worker and
    /// `storage` events are shared), switches to it and returns its handle. It shows a blank
    /// page and is the one in front, so the others are hidden (`visibilityState`).
    ///
    /// WebKit: MiniBrowser's WebDriver support cannot bring a tab to the front, so there each
    /// "tab" is a window of the same browser, and the harness shows the current one and
    /// minimises the others, which is what a tab strip does to pages.
    pub async fn new_window(&self) -> WindowHandle {
        let before = self.windows().await;
        let as_tab = self.engine != Engine::WebKit;
        let handle = self
            .cmd("new window", self.client.new_window(as_tab))
            .await
            .handle;
        assert_eq!(
            self.windows().await.len(),
            before.len() + 1,
            "new_window opened no window"
        );
        self.switch_to(&handle).await;
        if !as_tab {
            self.fit_viewport(self.viewport.0, self.viewport.1).await;
        }
        handle
    }

    /// Opens a second window of the same browser beside the current one: both stay
    /// visible, as two windows side by side on a desktop. Switches to it (blank) and
    /// returns its handle; [`act_in`](Self::act_in) moves between such windows.
    pub async fn new_window_beside(&self) -> WindowHandle {
        let handle = self
            .cmd("new window", self.client.new_window(false))
            .await
            .handle;
        self.act_in(&handle).await;
        self.fit_viewport(self.viewport.0, self.viewport.1).await;
        handle
    }

    /// Sends the next commands to `window` without changing which windows are shown.
    pub async fn act_in(&self, window: &WindowHandle) {
        self.cmd(
            "switch to window",
            self.client.switch_to_window(window.clone()),
        )
        .await;
    }

    /// Waits until the browser has `n` windows (tabs) open.
    pub async fn wait_until_windows(&self, n: usize) {
        let start = Instant::now();
        while self.windows().await.len() != n {
            if start.elapsed() > self.find_timeout {
                panic!(
                    "{} windows open, not {n}\n{}",
                    self.windows().await.len(),
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Makes `window` the current one, in front of the others.
    pub async fn switch_to(&self, window: &WindowHandle) {
        if self.engine == Engine::WebKit {
            // See `new_window`: the others are minimised (hidden), this one restored.
            for other in self.windows().await {
                if other != *window {
                    self.cmd("switch to window", self.client.switch_to_window(other))
                        .await;
                    self.cmd("minimize window", self.client.minimize_window())
                        .await;
                }
            }
            self.cmd(
                "switch to window",
                self.client.switch_to_window(window.clone()),
            )
            .await;
            // Setting its size restores a minimised window.
            let (w, h) = self
                .cmd("get window size", self.client.get_window_size())
                .await;
            self.cmd(
                "set window size",
                self.client.set_window_size(w as u32, h as u32),
            )
            .await;
            return;
        }
        self.cmd(
            "switch to window",
            self.client.switch_to_window(window.clone()),
        )
        .await;
    }

    /// Closes the current window; then [`switch_to`](Self::switch_to) one still open.
    pub async fn close_window(&self) {
        self.cmd("close window", self.client.close_window()).await;
    }

    /// Loads the app and waits until it has mounted (`[data-app-ready]` exists).
    pub async fn open(&self) {
        self.open_at("").await;
    }

    /// Like [`open`](Self::open) for a path under the app, e.g. `"history?page=2"` (a deep link).
    pub async fn open_at(&self, path: &str) {
        let url = format!("{}{}", self.app_url, path.trim_start_matches('/'));
        self.cmd("goto", self.client.goto(&url)).await;
        self.wait_ready().await;
    }

    /// Reloads the page and waits for the app. In Firefox this bypasses the service worker
    /// (WebDriver's refresh is a forced reload there); to load through it, [`open`] again.
    ///
    /// [`open`]: Self::open
    pub async fn reload(&self) {
        self.cmd("reload", self.client.refresh()).await;
        self.wait_ready().await;
    }

    async fn wait_ready(&self) {
        let start = Instant::now();
        loop {
            if let Ok(Value::Bool(true)) = self.client.execute(js::APP_READY, vec![]).await {
                return;
            }
            if start.elapsed() > READY_TIMEOUT {
                panic!(
                    "the app did not become ready ([data-app-ready]) within {READY_TIMEOUT:?}\n{}",
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(FIND_POLL).await;
        }
    }

    // ----- finding things -----

    /// The form control labelled `label`: a `<label>` (by `for` or nesting) whose text is
    /// `label` (a trailing " *" ignored), or a control with that aria-label/aria-labelledby.
    pub async fn field(&self, label: &str) -> Element {
        self.find(Find::Field, None, label).await
    }

    pub async fn field_in(&self, scope: &Element, label: &str) -> Element {
        self.find(Find::Field, Some(scope), label).await
    }

    /// A displayed `<button>`/`role=button`/input button whose accessible name (aria-label,
    /// aria-labelledby text, or its own text) is `name`.
    pub async fn button(&self, name: &str) -> Element {
        self.find(Find::Button, None, name).await
    }

    pub async fn button_in(&self, scope: &Element, name: &str) -> Element {
        self.find(Find::Button, Some(scope), name).await
    }

    /// A displayed `<a href>` named `name` (e.g. a download link).
    pub async fn link(&self, name: &str) -> Element {
        self.find(Find::Link, None, name).await
    }

    /// A landmark or region (section, aside, main, nav, form, dialog, role=region, ...) whose
    /// aria-label, or aria-labelledby heading text, is `name`.
    pub async fn region(&self, name: &str) -> Element {
        self.find(Find::Region, None, name).await
    }

    /// Whether a displayed button named `name` exists right now (no waiting).
    pub async fn has_button(&self, name: &str) -> bool {
        let v = self
            .exec_js(&Find::Button.script(), vec![Value::Null, json!(name)])
            .await;
        element_id(&v["el"]).is_some()
    }

    async fn find(&self, kind: Find, scope: Option<&Element>, name: &str) -> Element {
        let script = kind.script();
        let scope_arg = scope.map_or(Value::Null, |e| serde_json::to_value(e).unwrap());
        let args = vec![scope_arg, json!(name)];
        let start = Instant::now();
        let mut hidden_since: Option<Instant> = None;
        let mut last = Value::Null;
        let mut last_err = String::new();
        loop {
            match self.client.execute(&script, args.clone()).await {
                Ok(v) => {
                    if let Some(el) = self.element(&v["el"]) {
                        return el;
                    }
                    if let Some(el) = self.element(&v["hidden"]) {
                        if hidden_since.get_or_insert_with(Instant::now).elapsed() >= HIDDEN_GRACE {
                            return el;
                        }
                    }
                    last = v;
                }
                Err(e) => last_err = self.js_error(e),
            }
            if start.elapsed() > self.find_timeout {
                let present = last["present"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str())
                            .map(|s| format!("{s:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                panic!(
                    "no {} {name:?} after {:?}{}{}\n{} on the page: [{present}]\n{}",
                    kind.what(),
                    self.find_timeout,
                    if scope.is_some() {
                        " (in the given scope)"
                    } else {
                        ""
                    },
                    if last_err.is_empty() {
                        String::new()
                    } else {
                        format!("\nlast error: {last_err}")
                    },
                    kind.present_noun(),
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(FIND_POLL).await;
        }
    }

    fn element(&self, v: &Value) -> Option<Element> {
        element_id(v).map(|id| Element::from_element_id(self.client.clone(), id.to_string().into()))
    }

    // ----- acting -----

    /// Replaces the control's content with `text` (as if typed: truncated at maxlength) and
    /// fires bubbling `input` and `change`. Waits for the control to be enabled and writable.
    pub async fn fill(&self, label: &str, text: &str) {
        let el = self.field(label).await;
        self.wait_state(
            &el,
            js::EDITABLE,
            &format!("field {label:?} to be editable"),
        )
        .await;
        self.exec_js(js::FILL, vec![el_arg(&el), json!(text)]).await;
    }

    /// Picks the `<option>` whose text (or else value) is `option_text` and fires `change`.
    /// Waits for the option to exist, since option lists are often loaded.
    pub async fn select(&self, label: &str, option_text: &str) {
        let el = self.field(label).await;
        self.wait_state(
            &el,
            js::EDITABLE,
            &format!("select {label:?} to be enabled"),
        )
        .await;
        let start = Instant::now();
        loop {
            let r = self
                .exec_js(js::SELECT, vec![el_arg(&el), json!(option_text)])
                .await;
            if r.get("ok").is_some() {
                return;
            }
            if let Some(tag) = r.get("notSelect") {
                panic!(
                    "field {label:?} is a <{}>, not a <select>",
                    tag.as_str().unwrap_or("?")
                );
            }
            if start.elapsed() > self.find_timeout {
                panic!(
                    "select {label:?} has no enabled option {option_text:?}; options: {}\n{}",
                    r["options"],
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(FIND_POLL).await;
        }
    }

    /// Sets a checkbox/switch by clicking it (or its label, when the input itself is
    /// visually hidden behind a styled switch), as a person would.
    pub async fn set_checked(&self, label: &str, on: bool) {
        let el = self.field(label).await;
        if self.checked_el(&el).await == on {
            return;
        }
        self.wait_state(&el, js::ENABLED, &format!("{label:?} to be enabled"))
            .await;
        self.exec_js(js::SCROLL_INTO_VIEW, vec![el_arg(&el)]).await;
        if el.click().await.is_err() {
            let lab = self.exec_js(js::LABEL_OF, vec![el_arg(&el)]).await;
            match self.element(&lab) {
                Some(l) => {
                    if let Err(e) = l.click().await {
                        panic!("cannot click {label:?} nor its label: {e}");
                    }
                }
                None => panic!("cannot click {label:?} and it has no <label>"),
            }
        }
        assert_eq!(
            self.checked_el(&el).await,
            on,
            "clicking {label:?} did not make it {}",
            if on { "checked" } else { "unchecked" }
        );
    }

    /// Scrolls the displayed button named `name` into view, waits until it is enabled, and
    /// clicks it with a real (WebDriver) click; retries briefly while something overlays it.
    pub async fn click(&self, name: &str) {
        let start = Instant::now();
        loop {
            let b = self.button(name).await;
            self.wait_state(&b, js::ENABLED, &format!("button {name:?} to be enabled"))
                .await;
            match self.click_el(&b).await {
                Ok(()) => return,
                Err(_) if start.elapsed() < Duration::from_secs(3) => {
                    tokio::time::sleep(POLL).await;
                }
                Err(e) => panic!(
                    "clicking button {name:?} failed: {e}\n{}",
                    self.diagnostics().await
                ),
            }
        }
    }

    pub async fn click_in(&self, scope: &Element, name: &str) {
        let b = self.button_in(scope, name).await;
        self.wait_state(&b, js::ENABLED, &format!("button {name:?} to be enabled"))
            .await;
        if let Err(e) = self.click_el(&b).await {
            panic!(
                "clicking button {name:?} failed: {e}\n{}",
                self.diagnostics().await
            );
        }
    }

    pub async fn click_link(&self, name: &str) {
        let a = self.link(name).await;
        if let Err(e) = self.click_el(&a).await {
            panic!(
                "clicking link {name:?} failed: {e}\n{}",
                self.diagnostics().await
            );
        }
    }

    async fn click_el(&self, el: &Element) -> Result<(), CmdError> {
        // What the page has still to draw first: WebKit brings a focused
        // field's caret into view at its next rendering, which came in the
        // middle of a press and moved the page under it.
        self.client
            .execute_async(js::AFTER_RENDERING, vec![])
            .await?;
        self.client
            .execute(js::SCROLL_INTO_VIEW, vec![el_arg(el)])
            .await?;
        // Only once the element stays where it is: a driver computes where
        // to press before it presses, and a page still moving (a scroll
        // being applied, a part of the page still growing) takes the press
        // somewhere else (seen in WebKit: the press landed 280 px off).
        let start = Instant::now();
        let mut last = Value::Null;
        loop {
            let now = self.client.execute(js::WHERE, vec![el_arg(el)]).await?;
            if now == last || start.elapsed() > Duration::from_secs(2) {
                break;
            }
            last = now;
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        el.click().await
    }

    async fn wait_state(&self, el: &Element, script: &str, what: &str) {
        let start = Instant::now();
        while self.exec_js(script, vec![el_arg(el)]).await != Value::Bool(true) {
            if start.elapsed() > self.find_timeout {
                panic!("timed out waiting for {what}\n{}", self.diagnostics().await);
            }
            tokio::time::sleep(FIND_POLL).await;
        }
    }

    // ----- reading -----

    /// The control's current `.value` (for a `<select>`, the selected option's value).
    pub async fn value(&self, label: &str) -> String {
        let el = self.field(label).await;
        let v = self
            .exec_js(
                "const e = arguments[0]; return e.isContentEditable ? e.textContent : e.value;",
                vec![el_arg(&el)],
            )
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// The text of a `<select>`'s chosen option.
    pub async fn selected_text(&self, label: &str) -> String {
        let el = self.field(label).await;
        let v = self
            .exec_js(
                "const o = arguments[0].selectedOptions; return o && o[0] ? o[0].text.trim() : '';",
                vec![el_arg(&el)],
            )
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// `.checked` of a checkbox/radio, or `aria-checked="true"` of a role=checkbox/switch.
    pub async fn checked(&self, label: &str) -> bool {
        let el = self.field(label).await;
        self.checked_el(&el).await
    }

    async fn checked_el(&self, el: &Element) -> bool {
        self.exec_js(js::CHECKED, vec![el_arg(el)]).await == Value::Bool(true)
    }

    /// `document.body.innerText`: what a person can read (hidden elements excluded).
    pub async fn text(&self) -> String {
        let v = self
            .exec_js(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// Waits until the page text contains `needle`.
    pub async fn wait_text(&self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            if self.text().await.contains(needle) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "page text did not contain {needle:?} within {timeout:?}\n{}",
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the page text no longer contains `needle` (a spinner, a toast).
    pub async fn wait_no_text(&self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        loop {
            if !self.text().await.contains(needle) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "page text still contains {needle:?} after {timeout:?}\n{}",
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Evaluates the JS expression `js_predicate` every 100 ms until it is truthy. A throwing
    /// predicate counts as false (e.g. an element not rendered yet); the error is reported
    /// on timeout.
    pub async fn wait_until(&self, js_predicate: &str, timeout: Duration) {
        let script = format!("return !!(\n{}\n);", trim_expr(js_predicate));
        let start = Instant::now();
        let mut last_err = String::new();
        loop {
            match self.client.execute(&script, vec![]).await {
                Ok(Value::Bool(true)) => return,
                Ok(_) => {}
                Err(e) => last_err = self.js_error(e),
            }
            if start.elapsed() > timeout {
                panic!(
                    "`{js_predicate}` not truthy within {timeout:?}{}\n{}",
                    if last_err.is_empty() {
                        String::new()
                    } else {
                        format!("; last error: {last_err}")
                    },
                    self.diagnostics().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Evaluates the JavaScript *expression* `js` (run as `return (js);`) and returns its
    /// JSON value; a Promise is awaited (e.g. `fetch(u).then(r => r.status)`). For statements
    /// pass an arrow: `(() => { ...; return x; })()`. Panics if it throws.
    pub async fn eval(&self, js: &str) -> Value {
        self.eval_with(js, vec![]).await
    }

    /// Like [`eval`](Self::eval), with `args` available as `arguments[0..]` (no quoting).
    pub async fn eval_with(&self, js: &str, args: Vec<Value>) -> Value {
        self.exec_js(&format!("return (\n{}\n);", trim_expr(js)), args)
            .await
    }

    /// Everything recorded since the current page loaded: console.error/warn, uncaught errors,
    /// unhandled rejections, failed resource loads and CSP violations, each "kind: text".
    pub async fn console_messages(&self) -> Vec<String> {
        match self
            .client
            .execute(
                "return window.__e2e ? window.__e2e.log.slice() : [];",
                vec![],
            )
            .await
        {
            Ok(Value::Array(a)) => a
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    // ----- storage & screenshots -----

    /// Writes a PNG of the viewport to `<workspace>/target/e2e-screenshots/<name>.png` and
    /// returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.cmd("screenshot", self.client.screenshot()).await;
        let dir = workspace_root().join("target").join("e2e-screenshots");
        std::fs::create_dir_all(&dir).expect("create target/e2e-screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Sets a localStorage entry of the app's origin. Before the app was opened this visits a
    /// blank page of the same origin, so the app sees the entry on its very first boot.
    pub async fn set_local_storage(&self, key: &str, value: &str) {
        self.on_origin().await;
        self.exec_js(
            "localStorage.setItem(arguments[0], arguments[1]);",
            vec![json!(key), json!(value)],
        )
        .await;
    }

    pub async fn local_storage(&self, key: &str) -> Option<String> {
        self.on_origin().await;
        let v = self
            .exec_js(
                "return localStorage.getItem(arguments[0]);",
                vec![json!(key)],
            )
            .await;
        v.as_str().map(str::to_string)
    }

    pub async fn clear_local_storage(&self) {
        self.on_origin().await;
        self.exec_js("localStorage.clear();", vec![]).await;
    }

    async fn on_origin(&self) {
        let here = self.exec_js("return location.origin;", vec![]).await;
        if here.as_str() != Some(self.origin.as_str()) {
            let blank = format!("{}{}", self.origin, server::BLANK_PATH);
            self.cmd("goto", self.client.goto(&blank)).await;
        }
    }

    /// Ends the session (the browser quits), stops its driver, removes the profile dir.
    pub async fn close(self) {
        let Harness {
            client,
            mut driver,
            server,
            ..
        } = self;
        // A wedged browser must not hang the test; the kill below cleans up regardless.
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        driver.stop().await;
        drop(server);
    }

    // ----- plumbing -----

    async fn exec_js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client.execute(script, args).await {
            Ok(v) => v,
            Err(e) => panic!(
                "script failed: {e}\nscript: {}\n{}",
                truncate(script, 600),
                self.diagnostics().await
            ),
        }
    }

    async fn cmd<T>(
        &self,
        what: &str,
        fut: impl std::future::Future<Output = Result<T, CmdError>>,
    ) -> T {
        match fut.await {
            Ok(v) => v,
            Err(e) => panic!("WebDriver {what} failed: {e}\n{}", self.diagnostics().await),
        }
    }

    /// Errors from inside the page (a throwing script, a stale element) are worth retrying;
    /// a lost browser is not.
    fn js_error(&self, e: CmdError) -> String {
        match e {
            CmdError::Standard(w) => w.to_string(),
            other => panic!("lost the browser: {other}"),
        }
    }

    /// The URL, the page text and the console record, for panic messages.
    pub async fn diagnostics(&self) -> String {
        let url = match self.client.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("(unknown: {e})"),
        };
        let text = match self
            .client
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await
        {
            Ok(v) => v.as_str().unwrap_or_default().to_string(),
            Err(e) => format!("(unreadable: {e})"),
        };
        let console = self.console_messages().await;
        format!(
            "--- url: {url}\n--- page text:\n{}\n--- console ({}):\n{}",
            truncate(&text, 3000),
            console.len(),
            truncate(&console.join("\n"), 3000)
        )
    }
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("app_url", &self.app_url)
            .field("engine", &self.engine)
            .field("driver_port", &self.driver.port)
            .finish_non_exhaustive()
    }
}

fn element_id(v: &Value) -> Option<&str> {
    v.get(ELEMENT_KEY).and_then(Value::as_str)
}

fn el_arg(el: &Element) -> Value {
    serde_json::to_value(el).expect("element reference serializes")
}

/// Lets callers end an expression with `;` or a line comment without breaking `return (..)`.
fn trim_expr(js: &str) -> &str {
    js.trim().trim_end_matches(';').trim_end()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}… ({} chars in all)", s.chars().count())
    }
}
