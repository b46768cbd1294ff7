//! The static file server that plays the part of the production host (e.g. GitHub Pages).
//!
//! It also gives every test page, in every engine, a script that runs before anything of the
//! page's own: each HTML page it serves gets `<script src="/__e2e/init.js"></script>` as the
//! first element of its `<head>`. That script is the console recorder plus whatever the test
//! set with [`crate::Harness::set_init_script`] (e.g. `delete window.BroadcastChannel` to see
//! the app without it). It is same-origin, so the app's strict policy (`script-src 'self'`,
//! from scripts/post_build.py) lets it run unchanged; and it is a plain WebDriver-free HTTP
//! mechanism, so Firefox and WebKit get it as Chromium does.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    HeaderValue, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

/// Path (outside any sub path) of an empty same-origin page. It lets a test touch the app's
/// origin (e.g. seed localStorage) without booting the app, which would already call the API.
pub(crate) const BLANK_PATH: &str = "/__e2e/blank";
/// Path (outside any sub path) of the script injected first into every served page.
pub(crate) const INIT_PATH: &str = "/__e2e/init.js";

/// What the server shares with its handlers.
struct Shared {
    csp: Option<HeaderValue>,
    /// The test's own part of `init.js`; read on every request, so a change applies from the
    /// next page load on.
    init_script: Mutex<String>,
}

/// Serves a built `dist/` on 127.0.0.1 (a free port) until dropped or stopped.
pub struct StaticServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StaticServer {
    /// `sub_path` must already be normalised to start and end with '/'.
    pub(crate) async fn start(dist: &Path, sub_path: &str, csp: Option<String>) -> StaticServer {
        Self::start_with(dist, sub_path, csp, false).await
    }

    /// At the root, answering with `FILE.br` or `FILE.gz` beside a file when the browser
    /// accepts it, as a CDN does (for load figures that reflect real transfer sizes).
    /// Compressed pages are passed through untouched, so they get no init script.
    pub async fn start_precompressed(dist: &Path) -> StaticServer {
        Self::start_with(dist, "/", None, true).await
    }

    /// As [`StaticServer::start_precompressed`], under `sub_path` (starting and ending with
    /// '/'): for builds made for a sub-path, such as another app measured beside ours.
    pub async fn start_precompressed_at(dist: &Path, sub_path: &str) -> StaticServer {
        Self::start_with(dist, sub_path, None, true).await
    }

    async fn start_with(
        dist: &Path,
        sub_path: &str,
        csp: Option<String>,
        precompressed: bool,
    ) -> StaticServer {
        let shared = Arc::new(Shared {
            csp: csp.map(|c| HeaderValue::from_str(&c).expect("CSP must be a valid header value")),
            init_script: Mutex::new(String::new()),
        });
        // Unknown paths get index.html with status 200, as a single-page-app host does, so
        // deep links reach the app's router instead of a 404 page.
        let mut serve = ServeDir::new(dist);
        if precompressed {
            serve = serve.precompressed_br().precompressed_gzip();
        }
        let serve = serve.fallback(ServeFile::new(dist.join("index.html")));
        let mut app = Router::new()
            .route(BLANK_PATH, get(blank))
            .route(INIT_PATH, get(init_js));
        app = if sub_path == "/" {
            // axum 0.8 refuses to nest at the root.
            app.fallback_service(serve)
        } else {
            // Paths outside the sub path answer 404, so an app built without the matching
            // public URL fails here as it would on the real host.
            app.nest_service(sub_path.trim_end_matches('/'), serve)
        };
        let app = app
            .layer(axum::middleware::map_response_with_state(
                shared.clone(),
                headers,
            ))
            .with_state(shared.clone());

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the static server on 127.0.0.1");
        let addr = listener.local_addr().expect("static server address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        StaticServer {
            addr,
            shared,
            shutdown: Mutex::new(Some(tx)),
            task,
        }
    }

    pub(crate) fn set_init_script(&self, js: &str) {
        *self.shared.init_script.lock().unwrap() = js.to_string();
    }

    /// Takes the host off the network for good, as when a phone loses its connection: the
    /// listening socket closes (new connections are refused) and idle keep-alive connections
    /// are closed too, so the browser gets real network errors, not HTTP answers.
    pub(crate) async fn stop(&self) {
        if let Some(tx) = self.shutdown.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while tokio::net::TcpStream::connect(self.addr).await.is_ok() {
            assert!(
                Instant::now() < deadline,
                "the static server still accepts connections 5 s after stop"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        // No graceful shutdown: the browser's keep-alive connections would hold it open.
        self.task.abort();
    }
}

async fn blank() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!doctype html><html><head><title>blank</title></head></html>",
    )
}

async fn init_js(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let own = shared.init_script.lock().unwrap().clone();
    // The recorder first, so an error in the test's part is recorded too.
    let body = format!(
        "{}\n;try {{\n{own}\n}} catch (e) {{ console.error('e2e init script failed: ' + (e && e.stack || e)); }}\n",
        crate::js::CONSOLE_CAPTURE
    );
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], body)
}

async fn headers(State(shared): State<Arc<Shared>>, res: Response) -> Response {
    let mut res = inject_init(res).await;
    let h = res.headers_mut();
    // Every reload must fetch the current build; a cached index.html would pin old hashes.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(csp) = &shared.csp {
        h.insert(CONTENT_SECURITY_POLICY, csp.clone());
    }
    res
}

/// Puts the init script tag first into an HTML page (a plain 200, not compressed).
async fn inject_init(res: Response) -> Response {
    let is_html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if res.status() != StatusCode::OK || !is_html || res.headers().contains_key(CONTENT_ENCODING) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, 16 << 20).await {
        Ok(b) => b,
        Err(e) => panic!("reading a page to inject the init script: {e}"),
    };
    let html = String::from_utf8_lossy(&bytes);
    let out = inject_first_in_head(&html, &format!("<script src=\"{INIT_PATH}\"></script>"));
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(out.len()));
    Response::from_parts(parts, Body::from(out))
}

/// `html` with `tag` right after its `<head …>` start tag (or, when it has none, right after
/// its doctype, which must stay first to keep the page out of quirks mode), so it runs before
/// any other script of the page.
pub(crate) fn inject_first_in_head(html: &str, tag: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<head").map(|i| i + from) {
        // `<head>` or `<head lang=…>`, not `<header>`.
        let next = lower.as_bytes().get(i + 5).copied();
        if matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')) {
            if let Some(end) = lower[i..].find('>') {
                let at = i + end + 1;
                return format!("{}{tag}{}", &html[..at], &html[at..]);
            }
        }
        from = i + 5;
    }
    let at = if lower.trim_start().starts_with("<!doctype") {
        lower.find('>').map_or(0, |i| i + 1)
    } else {
        0
    };
    format!("{}{tag}{}", &html[..at], &html[at..])
}

#[cfg(test)]
mod tests {
    use super::inject_first_in_head;

    #[test]
    fn the_tag_goes_first_into_head() {
        let t = "<s>";
        assert_eq!(
            inject_first_in_head("<html><head><meta charset=utf-8></head>", t),
            "<html><head><s><meta charset=utf-8></head>"
        );
        assert_eq!(
            inject_first_in_head("<HTML><HEAD lang=en><title>x</title>", t),
            "<HTML><HEAD lang=en><s><title>x</title>"
        );
        assert_eq!(
            inject_first_in_head("<body><header>x</header>", t),
            "<s><body><header>x</header>"
        );
        assert_eq!(
            inject_first_in_head("<!doctype html><p>x", t),
            "<!doctype html><s><p>x"
        );
    }
}
