//! The API's endpoints, and the control endpoints for other processes.
//! Authentication, faults, CORS and logging happen before these, in
//! `server::api`; an authenticated request carries its key as [`Key`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

use crate::catalog;
use crate::faults::FaultSpec;
use crate::jobs::Job;
use crate::state::{job_cost, CreditShown, Shared};
use crate::validate::validate;

#[derive(Clone)]
pub(crate) struct Key(pub String);

type St = State<Arc<Shared>>;

pub(crate) fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(json!({"status": status, "message": message}))).into_response()
}

fn ok(data: Value) -> Response {
    Json(json!({"status": 200, "message": "OK", "data": data})).into_response()
}

pub(crate) fn api(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/checkNetwork", get(check_network))
        .route("/api/session/getDetails", get(details))
        .route("/api/image/config", get(config))
        .route("/api/image/generate", get(list).post(generate))
        .route("/api/image/generate/{hashid}", get(track))
        // image2image sends the whole picture as a data URL.
        .layer(DefaultBodyLimit::max(64 << 20))
        .fallback(|| async { error(404, "接口不存在") })
        .with_state(shared)
}

async fn check_network() -> Response {
    Json(json!({"status": 200, "ip": "127.0.0.1", "message": "OK"})).into_response()
}

async fn details(State(shared): St, Extension(Key(key)): Extension<Key>) -> Response {
    let (credit, shown) = {
        let state = shared.lock();
        (state.credit(&key), state.credit_shown)
    };
    // Rounded so that repeated subtraction shows no binary noise.
    let credit = (credit * 100.0).round() / 100.0;
    let mut data =
        json!({"email": "demo@kamiya.test", "role": "Normal", "credit": credit, "active": true});
    match shown {
        CreditShown::Number => {}
        CreditShown::Missing => {
            data.as_object_mut().map(|d| d.remove("credit"));
        }
        CreditShown::Text => data["credit"] = json!("n/a"),
    }
    Json(json!({
        "status": 200,
        "message": "OK",
        "data": data,
        "useNAIFallback": false,
    }))
    .into_response()
}

async fn config(State(shared): St) -> Response {
    ok(catalog::config(&shared.cdn_url))
}

async fn generate(State(shared): St, Extension(Key(key)): Extension<Key>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "请求体不是有效的 JSON");
    };
    // Decoding an image2image picture is CPU work; keep it off the reactor.
    let (body, checked) = match tokio::task::spawn_blocking(move || {
        let checked = validate(&body);
        (body, checked)
    })
    .await
    {
        Ok(result) => result,
        Err(_) => return error(500, "服务器内部错误"),
    };
    let accepted = match checked {
        Ok(accepted) => accepted,
        Err(message) => return error(400, &message),
    };
    let mut state = shared.lock();
    let job = {
        let mut job = Job::new(&key, &accepted, &mut state.rng);
        while state.jobs.iter().any(|j| j.hashid == job.hashid) {
            job = Job::new(&key, &accepted, &mut state.rng);
        }
        job
    };
    let credit = state.credit(&key) - job_cost(accepted.step, accepted.width, accepted.height);
    state.credits.insert(key.clone(), credit);
    *state.created.entry(key).or_default() += 1;
    state.last_generate_body = Some(body);
    let data = job.submitted_json(&shared.cdn_url);
    state.jobs.push(job);
    ok(data)
}

async fn track(
    State(shared): St,
    Extension(Key(key)): Extension<Key>,
    Path(hashid): Path<String>,
) -> Response {
    let state = shared.lock();
    match state.job(&key, &hashid) {
        Some(job) => ok(job.to_json(Instant::now(), state.job_duration, &shared.cdn_url, false)),
        None => error(404, "任务不存在"),
    }
}

async fn list(
    State(shared): St,
    Extension(Key(key)): Extension<Key>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let number = |name: &str, default: i64| {
        query
            .get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(default)
    };
    let start = number("start", 1).max(1) as usize;
    let take = number("take", 10).clamp(1, 100) as usize;
    let state = shared.lock();
    let now = Instant::now();
    let items: Vec<Value> = state
        .jobs
        .iter()
        .rev()
        .filter(|j| j.key == key && !j.forgotten)
        .skip(start - 1)
        .take(take)
        .map(|j| j.to_json(now, state.job_duration, &shared.cdn_url, true))
        .collect();
    ok(Value::Array(items))
}

pub(crate) fn control(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/__standin/log", get(control_log))
        .route("/__standin/reset", post(control_reset))
        .route("/__standin/fault", post(control_fault))
        .route("/__standin/job-duration-ms/{ms}", post(control_duration))
        .route("/__standin/cors/{on}", post(control_cors))
        .fallback(|| async { error(404, "no such control route") })
        .with_state(shared)
}

async fn control_log(State(shared): St) -> Response {
    Json(shared.lock().log.snapshot()).into_response()
}

async fn control_reset(State(shared): St) -> Response {
    let mut state = shared.lock();
    state.log.clear();
    state.faults.clear();
    Json(json!({"status": 200, "message": "OK"})).into_response()
}

async fn control_fault(State(shared): St, body: Bytes) -> Response {
    let fault = serde_json::from_slice::<FaultSpec>(&body)
        .map_err(|e| e.to_string())
        .and_then(FaultSpec::into_fault);
    match fault {
        Ok(fault) => {
            shared.lock().faults.push(fault);
            Json(json!({"status": 200, "message": "OK"})).into_response()
        }
        Err(message) => error(400, &message),
    }
}

async fn control_duration(State(shared): St, Path(ms): Path<String>) -> Response {
    match ms.parse::<u64>() {
        Ok(ms) => {
            shared.lock().job_duration = Duration::from_millis(ms);
            Json(json!({"status": 200, "message": "OK"})).into_response()
        }
        Err(_) => error(400, "job duration must be whole milliseconds"),
    }
}

async fn control_cors(State(shared): St, Path(on): Path<String>) -> Response {
    let on = match on.as_str() {
        "on" => true,
        "off" => false,
        _ => return error(400, "cors is `on` or `off`"),
    };
    shared.cors.store(on, std::sync::atomic::Ordering::Relaxed);
    Json(json!({"status": 200, "message": "OK"})).into_response()
}
