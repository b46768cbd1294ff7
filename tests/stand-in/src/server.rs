//! The accept loop and the per-request pipeline of the API port.
//!
//! `axum::serve` cannot abandon a connection mid-request, which the `Drop`
//! fault needs, so each connection is driven by hyper directly and raced
//! against a signal the handler can fire.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request};
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use crate::cors;
use crate::faults::{fault_response, FaultKind, Route};
use crate::log::LoggedRequest;
use crate::routes::{error, Key};
use crate::state::Shared;

type ResponseFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Answers one request; firing the `Notify` makes the connection close
/// without a response.
pub(crate) type Handler = Arc<dyn Fn(Request<Body>, Arc<Notify>) -> ResponseFuture + Send + Sync>;

/// Serves until every `watch::Sender` of `shutdown` is gone.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    handler: Handler,
    keep_alive: bool,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Typically out of file descriptors: back off, don't spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            handler.clone(),
            keep_alive,
            shutdown.clone(),
        ));
    }
}

async fn connection(
    stream: TcpStream,
    handler: Handler,
    keep_alive: bool,
    mut shutdown: watch::Receiver<()>,
) {
    let abandon = Arc::new(Notify::new());
    let signal = abandon.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let answer = handler(req.map(Body::new), signal.clone());
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let conn = http1::Builder::new()
        .keep_alive(keep_alive)
        .serve_connection(TokioIo::new(stream), service);
    // Dropping `conn` closes the socket with nothing written for the
    // request in flight.
    tokio::select! {
        _ = conn => {}
        _ = abandon.notified() => {}
        _ = shutdown.changed() => {}
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

/// Which API route a request is for; a preflight counts as the route of
/// the request it announces.
fn classify(method: &Method, path: &str, headers: &HeaderMap) -> Option<Route> {
    let method = if method == Method::OPTIONS {
        headers
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or(Method::GET)
    } else {
        method.clone()
    };
    let track = path
        .strip_prefix("/api/image/generate/")
        .is_some_and(|h| !h.is_empty() && !h.contains('/'));
    match (method, path) {
        (Method::GET, "/api/checkNetwork") => Some(Route::CheckNetwork),
        (Method::GET, "/api/session/getDetails") => Some(Route::Details),
        (Method::GET, "/api/image/config") => Some(Route::Config),
        (Method::POST, "/api/image/generate") => Some(Route::Generate),
        (Method::GET, "/api/image/generate") => Some(Route::List),
        (Method::GET, _) if track => Some(Route::Track),
        _ => None,
    }
}

async fn call(router: Router, req: Request<Body>) -> Response {
    match router.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

/// The API port: control routes aside, every request is logged, may meet
/// a fault, is checked for a key, and gets CORS headers whatever happens.
pub(crate) async fn api(
    shared: Arc<Shared>,
    api: Router,
    control: Router,
    req: Request<Body>,
    abandon: Arc<Notify>,
) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    if req.uri().path().starts_with("/__standin/") {
        if req.method() == Method::OPTIONS {
            return cors::preflight(req.headers());
        }
        let mut resp = call(control, req).await;
        cors::decorate(&mut resp, origin.as_ref());
        return resp;
    }

    let route = classify(req.method(), req.uri().path(), req.headers());
    let auth = match bearer(req.headers()) {
        _ if !req.headers().contains_key(header::AUTHORIZATION) => Auth::Missing,
        Some(k) if shared.is_key(k) => Auth::Key(k.to_owned()),
        _ => Auth::Wrong,
    };
    let seq = shared.lock().log.arrive(LoggedRequest {
        method: req.method().to_string(),
        route,
        path: req.uri().path().to_owned(),
        query: req.uri().query().unwrap_or_default().to_owned(),
        status: 0,
        at_ms: shared.started.elapsed().as_millis() as u64,
        authorized: matches!(auth, Auth::Key(_)),
    });

    // With CORS off the stand-in is a server that answers every request
    // but names no page's origin, so browsers hide its answers from pages.
    let resp = if req.method() == Method::OPTIONS {
        // Preflights never meet faults: a broken preflight would only
        // look like a CORS failure, which `Drop` already covers.
        if shared.cors() {
            cors::preflight(req.headers())
        } else {
            Response::new(Body::empty())
        }
    } else {
        let mut resp = answer(&shared, api, req, route, auth, &abandon).await;
        if shared.cors() {
            cors::decorate(&mut resp, origin.as_ref());
        }
        resp
    };
    shared.lock().log.answered(seq, resp.status().as_u16());
    resp
}

/// What the request's `Authorization` says.
enum Auth {
    Missing,
    Wrong,
    Key(String),
}

async fn answer(
    shared: &Shared,
    api: Router,
    req: Request<Body>,
    route: Option<Route>,
    auth: Auth,
    abandon: &Notify,
) -> Response {
    let fault = shared.lock().faults.take(route);
    match fault {
        None => {}
        Some(FaultKind::Delay(wait)) => tokio::time::sleep(wait).await,
        Some(FaultKind::Drop) => {
            abandon.notify_one();
            // The connection task drops this future along with the socket.
            return std::future::pending().await;
        }
        Some(FaultKind::DelayAnswer(wait)) => {
            let resp = route_request(api, req, route, auth).await;
            tokio::time::sleep(wait).await;
            return resp;
        }
        Some(FaultKind::DropAnswer) => {
            let _ = route_request(api, req, route, auth).await;
            abandon.notify_one();
            return std::future::pending().await;
        }
        // As if a proxy on the way had dropped the header.
        Some(FaultKind::StripAuth) => return route_request(api, req, route, Auth::Missing).await,
        Some(kind) => {
            if let Some(resp) = fault_response(&kind) {
                return resp;
            }
        }
    }
    route_request(api, req, route, auth).await
}

/// The API's own answer, without faults.
async fn route_request(
    api: Router,
    mut req: Request<Body>,
    route: Option<Route>,
    auth: Auth,
) -> Response {
    match (route, auth) {
        (None, _) => error(404, "接口不存在"),
        (Some(Route::CheckNetwork), _) => call(api, req).await,
        (Some(_), Auth::Missing) => error(401, "未授权：未提供 API 密钥"),
        (Some(_), Auth::Wrong) => error(401, "未授权：API 密钥无效"),
        (Some(_), Auth::Key(key)) => {
            req.extensions_mut().insert(Key(key));
            call(api, req).await
        }
    }
}

/// The CDN port: plain files, CORS only if configured.
pub(crate) async fn cdn(shared: Arc<Shared>, router: Router, req: Request<Body>) -> Response {
    let (forced, no_store) = {
        let state = shared.lock();
        (state.cdn_status, state.cdn_no_store)
    };
    let mut resp = match forced.and_then(|s| axum::http::StatusCode::from_u16(s).ok()) {
        Some(status) => axum::response::IntoResponse::into_response((status, "")),
        None => call(router, req).await,
    };
    if shared.cdn_cors {
        cors::decorate_cdn(&mut resp);
    }
    if no_store {
        resp.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    resp
}
