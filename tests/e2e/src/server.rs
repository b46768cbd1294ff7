//! The static file server that plays the part of the production host (e.g. GitHub Pages).

use std::net::SocketAddr;
use std::path::Path;

use axum::extract::State;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

/// Path (outside any sub path) of an empty same-origin page. It lets a test touch the app's
/// origin (e.g. seed localStorage) without booting the app, which would already call the API.
pub(crate) const BLANK_PATH: &str = "/__e2e/blank";

/// Serves a built `dist/` on 127.0.0.1 (a free port) until dropped.
pub struct StaticServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl StaticServer {
    /// `sub_path` must already be normalised to start and end with '/'.
    pub(crate) async fn start(dist: &Path, sub_path: &str, csp: Option<String>) -> StaticServer {
        Self::start_with(dist, sub_path, csp, false).await
    }

    /// At the root, answering with `FILE.br` or `FILE.gz` beside a file when the browser
    /// accepts it, as a CDN does (for load figures that reflect real transfer sizes).
    pub async fn start_precompressed(dist: &Path) -> StaticServer {
        Self::start_with(dist, "/", None, true).await
    }

    async fn start_with(
        dist: &Path,
        sub_path: &str,
        csp: Option<String>,
        precompressed: bool,
    ) -> StaticServer {
        // Unknown paths get index.html with status 200, as a single-page-app host does, so
        // deep links reach the app's router instead of a 404 page.
        let mut serve = ServeDir::new(dist);
        if precompressed {
            serve = serve.precompressed_br().precompressed_gzip();
        }
        let serve = serve.fallback(ServeFile::new(dist.join("index.html")));
        let mut app = Router::new().route(BLANK_PATH, get(blank));
        app = if sub_path == "/" {
            // axum 0.8 refuses to nest at the root.
            app.fallback_service(serve)
        } else {
            // Paths outside the sub path answer 404, so an app built without the matching
            // public URL fails here as it would on the real host.
            app.nest_service(sub_path.trim_end_matches('/'), serve)
        };
        let app = app.layer(axum::middleware::map_response_with_state(
            csp.map(|c| HeaderValue::from_str(&c).expect("CSP must be a valid header value")),
            headers,
        ));

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the static server on 127.0.0.1");
        let addr = listener.local_addr().expect("static server address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StaticServer { addr, task }
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
        "<!doctype html><title>blank</title>",
    )
}

async fn headers(State(csp): State<Option<HeaderValue>>, mut res: Response) -> Response {
    let h = res.headers_mut();
    // Every reload must fetch the current build; a cached index.html would pin old hashes.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(csp) = csp {
        h.insert(CONTENT_SECURITY_POLICY, csp);
    }
    res
}
