//! The image host. It is a different origin from the API, as on the real
//! service, and ignores keys: image URLs are public.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::catalog;
use crate::jpeg::{mix, render};
use crate::state::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/outputs/{file}", get(output))
        .route("/previews/{file}", get(preview))
        .fallback(|| async { not_found() })
        .with_state(shared)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "404 Not Found").into_response()
}

fn jpeg(bytes: Bytes) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000"),
    );
    resp
}

async fn output(State(shared): State<Arc<Shared>>, Path(file): Path<String>) -> Response {
    let Some(hashid) = file.strip_suffix(".jpg") else {
        return not_found();
    };
    let cached = shared
        .pictures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(hashid)
        .cloned();
    if let Some(bytes) = cached {
        return jpeg(bytes);
    }
    let found = {
        let state = shared.lock();
        let now = Instant::now();
        // Forgotten jobs included: the API forgetting a job does not
        // delete its picture from the CDN.
        state
            .jobs
            .iter()
            .find(|j| j.hashid == hashid && j.image_ready(now, state.job_duration))
            .map(|j| (j.seed, j.width, j.height))
    };
    let Some((seed, width, height)) = found else {
        return not_found();
    };
    let Ok(bytes) = tokio::task::spawn_blocking(move || render(seed, width, height)).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "render failed").into_response();
    };
    let bytes = Bytes::from(bytes);
    shared
        .pictures
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(hashid.to_owned(), bytes.clone());
    jpeg(bytes)
}

/// Small pictures for the `preview` fields of the config.
async fn preview(Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".jpg") else {
        return not_found();
    };
    if !catalog::is_model(id) && !catalog::is_lora(id) {
        return not_found();
    }
    let seed = id.bytes().fold(0u64, |h, b| mix(h ^ u64::from(b)));
    match tokio::task::spawn_blocking(move || render(seed, 256, 256)).await {
        Ok(bytes) => jpeg(Bytes::from(bytes)),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "render failed").into_response(),
    }
}
