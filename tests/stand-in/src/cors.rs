//! CORS headers. The app runs on another origin, so every API answer,
//! errors and injected faults included, must carry them or the browser
//! hides the answer from the app and it sees a bare network error.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

/// Adds the headers of an actual (non-preflight) API answer.
pub(crate) fn decorate(resp: &mut Response, origin: Option<&HeaderValue>) {
    let headers = resp.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        origin.cloned().unwrap_or(HeaderValue::from_static("*")),
    );
    // The answer depends on Origin; caches must not mix them up.
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// The answer to a preflight `OPTIONS`.
pub(crate) fn preflight(request_headers: &HeaderMap) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    decorate(&mut resp, request_headers.get(header::ORIGIN));
    let headers = resp.headers_mut();
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
    // Chromium's Private Network Access asks this when a page from a less
    // private address calls a loopback server; saying yes keeps demos working.
    if request_headers.contains_key("access-control-request-private-network") {
        headers.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    resp
}

/// The CDN serves public images: any origin may read them.
pub(crate) fn decorate_cdn(resp: &mut Response) {
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
}
