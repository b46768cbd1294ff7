//! kamiya-proxy: puts the Kamiya image API behind an address that answers
//! CORS for the pages you name, for when the API refuses your page's
//! origin (a Kamiya Studio on GitHub Pages, say).
//!
//! It is deliberately narrow, so that it is never an open relay:
//! - one fixed upstream; only the API's own routes (`/api/checkNetwork`,
//!   `/api/session/getDetails`, `/api/image/config`,
//!   `/api/image/generate`, its list query, `/api/image/generate/{hashid}`)
//!   with their own methods (GET, POST, and OPTIONS preflights); absolute
//!   URLs, other paths and methods, and path tricks (`..`, encoded
//!   slashes, `//`) are refused;
//! - only requests from the allowed origins (`Origin`), and
//!   `Access-Control-Allow-Origin` only ever names that origin (never `*`);
//! - only `Authorization` and `Content-Type` go upstream: no cookies, no
//!   client addresses; the key is never logged or stored;
//! - bodies up to 6 MiB (a 4 MB image-to-image source fits), a timeout on
//!   the upstream, a limit on requests in flight;
//! - optionally, the pictures of named image hosts (`--image-host`) at
//!   `/image/{host}/{path}`, with CORS, so downloads work when the image
//!   host refuses them; nothing but pictures, never with the key.
//!
//! Each refusal is an HTTP status with a JSON body in the API's envelope,
//! `{"status": 403, "message": "kamiya-proxy: …"}`, which the app shows.

pub mod rules;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use rules::{parse_origin, parse_upstream, ImageHost, Refusal};
use rules::{route, ApiRoute, Method, RequestLine, Target};

/// Request bodies up to this size are forwarded: a 4 MiB picture is
/// 5.6 MB as a base64 data URL, plus the prompts.
pub const MAX_BODY: usize = 6 * 1024 * 1024;
/// Answers larger than this are not passed on (the API's are kilobytes).
const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// Pictures larger than this are not passed on.
const MAX_PICTURE: usize = 40 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Config {
    /// `https://p0.kamiya.dev`, without a trailing slash.
    pub upstream: String,
    pub listen: SocketAddr,
    /// Normalised origins (`https://you.github.io`).
    pub allow_origins: Vec<String>,
    pub image_hosts: Vec<ImageHost>,
    /// How long the upstream may take to answer (the app waits 90 s for a
    /// generate, so this is less: the app then shows the proxy's 504).
    pub upstream_timeout: Duration,
    /// How long a client may take to send its body.
    pub body_timeout: Duration,
    /// Requests forwarded at once; more are answered 503 at once.
    pub max_in_flight: usize,
    /// One line per request on stderr (method, path, status, time; never
    /// a header, so never the key).
    pub log: bool,
}

pub const USAGE: &str = "usage: kamiya-proxy --upstream URL --listen HOST:PORT --allow-origin ORIGIN [--allow-origin ORIGIN ...] [--image-host HOST ...]
  --upstream URL        the Kamiya API, e.g. https://p0.kamiya.dev
  --listen HOST:PORT    where to listen, e.g. 127.0.0.1:8790 (put TLS in front for https)
  --allow-origin ORIGIN a page allowed to call the proxy, e.g. https://you.github.io; repeatable
  --image-host HOST     also serve this image host's pictures with CORS at /image/HOST/…; repeatable";

impl Config {
    /// Reads the command line; the error says what is wrong, for a person.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut upstream = None;
        let mut listen = None;
        let mut allow_origins = Vec::new();
        let mut image_hosts = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--upstream" => upstream = Some(parse_upstream(&value("--upstream")?)?),
                "--listen" => {
                    let text = value("--listen")?;
                    listen = Some(text.parse::<SocketAddr>().map_err(|_| {
                        format!("--listen `{text}`: give HOST:PORT with an IP address, e.g. 127.0.0.1:8790 or [::]:8790")
                    })?);
                }
                "--allow-origin" => {
                    let text = value("--allow-origin")?;
                    let origin = parse_origin(&text).map_err(|e| format!("--allow-origin: {e}"))?;
                    if !allow_origins.contains(&origin) {
                        allow_origins.push(origin);
                    }
                }
                "--image-host" => {
                    let text = value("--image-host")?;
                    image_hosts
                        .push(ImageHost::parse(&text).map_err(|e| format!("--image-host: {e}"))?);
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        let upstream =
            upstream.ok_or("--upstream is required, e.g. --upstream https://p0.kamiya.dev")?;
        let listen = listen.ok_or("--listen is required, e.g. --listen 127.0.0.1:8790")?;
        if allow_origins.is_empty() {
            return Err("at least one --allow-origin is required, e.g. --allow-origin https://you.github.io".into());
        }
        Ok(Config {
            upstream,
            listen,
            allow_origins,
            image_hosts,
            upstream_timeout: Duration::from_secs(80),
            body_timeout: Duration::from_secs(60),
            max_in_flight: 32,
            log: true,
        })
    }
}

type Upstream = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

struct Proxy {
    config: Config,
    client: Upstream,
    in_flight: Semaphore,
}

/// A running proxy; it stops when this is dropped.
pub struct Running {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `config.listen` (port 0: any free port) and serves on the current
/// runtime.
pub async fn start(config: Config) -> std::io::Result<Running> {
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let proxy = Arc::new(Proxy {
        client: upstream_client(),
        in_flight: Semaphore::new(config.max_in_flight),
        config,
    });
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let proxy = proxy.clone();
        async move { proxy.handle(req).await }
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running { addr, task })
}

fn upstream_client() -> Upstream {
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
    .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector)
}

impl Proxy {
    async fn handle(&self, req: Request<Body>) -> Response<Body> {
        let started = Instant::now();
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let (resp, why) = match self.answer(req).await {
            Ok(resp) => (resp, String::new()),
            Err((refusal, origin)) => (
                refused(&refusal, origin.as_deref()),
                format!(
                    " ({})",
                    refusal.to_string().trim_start_matches("kamiya-proxy: ")
                ),
            ),
        };
        if self.config.log {
            // The path only (never a query), and never a header: the key
            // is written nowhere.
            eprintln!(
                "{method} {path} -> {} in {} ms{why}",
                resp.status().as_u16(),
                started.elapsed().as_millis()
            );
        }
        resp
    }

    /// The answer, or why not, with the origin to name in CORS headers
    /// (an allowed one only), so the page can read the refusal.
    async fn answer(
        &self,
        req: Request<Body>,
    ) -> Result<Response<Body>, (Refusal, Option<String>)> {
        let origin = self.allowed_origin(req.headers());
        let uri = req.uri();
        let line = RequestLine {
            method: req.method().as_str(),
            absolute: uri.scheme().is_some() || uri.authority().is_some(),
            path: uri.path(),
            query: uri.query(),
        };
        let preflight_method = header_text(req.headers(), header::ACCESS_CONTROL_REQUEST_METHOD);
        // A refused preflight names no origin: the browser then stops.
        let readable = origin.clone().filter(|_| line.method != "OPTIONS");
        let (target, method) =
            route(&line, preflight_method, &self.config.image_hosts).map_err(|r| (r, readable))?;
        let Some(origin) = origin else {
            return Err((Refusal::Origin, None));
        };
        if method == Method::Options {
            let asked = header_text(req.headers(), header::ACCESS_CONTROL_REQUEST_HEADERS);
            if !rules::preflight_headers_allowed(asked) {
                return Err((Refusal::Preflight, None));
            }
            return Ok(preflight(&origin, req.headers()));
        }
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err((Refusal::Busy, Some(origin)));
        };
        let result = match target {
            Target::Api {
                route,
                path_and_query,
            } => self.forward(req, route, &path_and_query).await,
            Target::Image {
                origin: host,
                path_and_query,
            } => self.picture(&host, &path_and_query).await,
        };
        match result {
            Ok(mut resp) => {
                allow(resp.headers_mut(), &origin);
                Ok(resp)
            }
            Err(refusal) => Err((refusal, Some(origin))),
        }
    }

    fn allowed_origin(&self, headers: &HeaderMap) -> Option<String> {
        let origin = parse_origin(header_text(headers, header::ORIGIN)?).ok()?;
        self.config
            .allow_origins
            .contains(&origin)
            .then_some(origin)
    }

    async fn forward(
        &self,
        req: Request<Body>,
        route: ApiRoute,
        path_and_query: &str,
    ) -> Result<Response<Body>, Refusal> {
        let (parts, body) = req.into_parts();
        let body = if route == ApiRoute::Generate {
            self.read_body(&parts.headers, body).await?
        } else {
            Bytes::new()
        };
        let mut upstream = Request::builder()
            .method(if route == ApiRoute::Generate {
                axum::http::Method::POST
            } else {
                axum::http::Method::GET
            })
            .uri(format!("{}{path_and_query}", self.config.upstream))
            .header(
                header::USER_AGENT,
                concat!("kamiya-proxy/", env!("CARGO_PKG_VERSION")),
            );
        // The only two headers of the page's that go on.
        for name in [header::AUTHORIZATION, header::CONTENT_TYPE] {
            if let Some(value) = parts.headers.get(&name) {
                upstream = upstream.header(name, value);
            }
        }
        let upstream = upstream
            .body(Full::new(body))
            .map_err(|_| Refusal::PathTrick)?;
        self.exchange(upstream, MAX_ANSWER, false).await
    }

    async fn picture(&self, origin: &str, path_and_query: &str) -> Result<Response<Body>, Refusal> {
        let upstream = Request::builder()
            .uri(format!("{origin}{path_and_query}"))
            .header(
                header::USER_AGENT,
                concat!("kamiya-proxy/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::new()))
            .map_err(|_| Refusal::PathTrick)?;
        self.exchange(upstream, MAX_PICTURE, true).await
    }

    /// Reads a request body within the size and time limits.
    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
        let too_large = Refusal::TooLarge { limit: MAX_BODY };
        let declared =
            header_text(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large);
        }
        match tokio::time::timeout(
            self.config.body_timeout,
            Limited::new(body, MAX_BODY).collect(),
        )
        .await
        {
            Err(_) => Err(Refusal::SlowBody),
            Ok(Err(_)) => Err(too_large),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
        }
    }

    /// Sends one request upstream and reads the whole answer, within the
    /// timeout; passes on its status, its body and a few harmless headers.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
        limit: usize,
        picture: bool,
    ) -> Result<Response<Body>, Refusal> {
        let upstream = if picture {
            request
                .uri()
                .authority()
                .map(|a| a.to_string())
                .unwrap_or_default()
        } else {
            self.config.upstream.clone()
        };
        let timeout = self.config.upstream_timeout;
        let work = async {
            let resp = self
                .client
                .request(request)
                .await
                .map_err(|e| Refusal::UpstreamDown {
                    upstream: upstream.clone(),
                    reason: reason(&e),
                })?;
            let (parts, body) = resp.into_parts();
            let body = Limited::new(body, limit)
                .collect()
                .await
                .map_err(|_| Refusal::UpstreamDown {
                    upstream: upstream.clone(),
                    reason: "the answer broke off or was too large".into(),
                })?
                .to_bytes();
            Ok::<_, Refusal>((parts, body))
        };
        let (parts, body) =
            tokio::time::timeout(timeout, work)
                .await
                .map_err(|_| Refusal::UpstreamTimeout {
                    upstream: upstream.clone(),
                    secs: timeout.as_secs(),
                })??;
        if picture {
            let is_image = header_text(&parts.headers, header::CONTENT_TYPE)
                .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("image/"));
            if !parts.status.is_success() || !is_image {
                return Err(Refusal::NotAnImage);
            }
        }
        let mut resp = Response::new(Body::from(body));
        *resp.status_mut() = parts.status;
        for name in [
            header::CONTENT_TYPE,
            header::CACHE_CONTROL,
            header::RETRY_AFTER,
        ] {
            if let Some(value) = parts.headers.get(&name) {
                resp.headers_mut().insert(name, value.clone());
            }
        }
        Ok(resp)
    }
}

fn reason(e: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error;
    let mut source = e.source();
    let mut deepest = None;
    while let Some(s) = source {
        deepest = Some(s.to_string());
        source = s.source();
    }
    if e.is_connect() {
        match deepest {
            Some(d) => format!("cannot connect: {d}"),
            None => "cannot connect".into(),
        }
    } else {
        deepest.unwrap_or_else(|| "the connection failed".into())
    }
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name)?.to_str().ok()
}

/// CORS for an allowed origin: that origin, never `*`; answers differ by
/// origin, so caches must keep them apart.
fn allow(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

fn preflight(origin: &str, asked: &HeaderMap) -> Response<Body> {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    let headers = resp.headers_mut();
    allow(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    // Chromium asks this of a loopback proxy called from a public page.
    if asked.contains_key("access-control-request-private-network") {
        headers.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    resp
}

/// A refusal in the API's envelope, readable by an allowed page.
fn refused(refusal: &Refusal, origin: Option<&str>) -> Response<Body> {
    let body = serde_json::json!({"status": refusal.status(), "message": refusal.to_string()});
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if matches!(refusal, Refusal::Busy) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if let Some(origin) = origin {
        allow(headers, origin);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_line() {
        let c = Config::from_args(args(&[
            "--upstream",
            "https://p0.kamiya.dev/",
            "--listen",
            "127.0.0.1:8790",
            "--allow-origin",
            "https://you.github.io",
            "--allow-origin",
            "http://127.0.0.1:8080",
            "--image-host",
            "cdn.example",
        ]))
        .unwrap();
        assert_eq!(c.upstream, "https://p0.kamiya.dev");
        assert_eq!(c.listen, "127.0.0.1:8790".parse().unwrap());
        assert_eq!(
            c.allow_origins,
            ["https://you.github.io", "http://127.0.0.1:8080"]
        );
        assert_eq!(c.image_hosts[0].origin, "https://cdn.example");
    }

    #[test]
    fn a_bad_command_line_says_what_is_wrong() {
        let err = |list: &[&str]| Config::from_args(args(list)).unwrap_err();
        let base = [
            "--upstream",
            "https://p0.kamiya.dev",
            "--listen",
            "127.0.0.1:1",
        ];
        let with = |extra: &[&'static str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            err(&v)
        };
        assert!(with(&[]).contains("at least one --allow-origin"));
        assert!(with(&["--allow-origin", "*"]).contains("never allows every origin"));
        assert!(with(&["--allow-origin", "https://you.github.io/repo"])
            .contains("use https://you.github.io"));
        assert!(with(&["--allow-origin"]).contains("needs a value"));
        assert!(err(&[
            "--listen",
            "127.0.0.1:1",
            "--allow-origin",
            "https://a.example"
        ])
        .contains("--upstream is required"));
        assert!(
            err(&["--upstream", "https://a.example", "--listen", "localhost"])
                .contains("HOST:PORT")
        );
        assert!(with(&["--frobnicate"]).contains("unknown argument"));
    }
}
