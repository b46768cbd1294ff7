mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::*;
use kamiya_standin::{Fault, FaultKind, Route, DEMO_KEY};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SLOW: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn http_status() {
    let s = start(SLOW).await;
    s.inject(Fault::once(Route::Details, FaultKind::HttpStatus(500)));
    let url = format!("{}/api/session/getDetails", s.api_url());
    let a = get(&url).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        a.json(),
        json!({"status": 500, "message": "服务器内部错误"})
    );
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9999")
    );
    assert_eq!(get(&url).await.status, StatusCode::OK, "applied once");
    assert_eq!(s.requests()[0].status, 500);
}

#[tokio::test]
async fn body_status() {
    let s = start(SLOW).await;
    s.inject(Fault::new(
        Route::Generate,
        FaultKind::BodyStatus {
            status: 429,
            message: "请求过于频繁".into(),
        },
    ));
    let url = format!("{}/api/image/generate", s.api_url());
    for _ in 0..2 {
        let a = post(&url, &text2image()).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.json(), json!({"status": 429, "message": "请求过于频繁"}));
    }
    assert_eq!(
        s.jobs_created(DEMO_KEY),
        0,
        "a faulted request does nothing"
    );
    // Other routes are unaffected.
    assert_eq!(
        get(&format!("{}/api/image/config", s.api_url()))
            .await
            .json()["status"],
        200
    );
    s.clear_faults();
    assert_eq!(post(&url, &text2image()).await.json()["status"], 200);
}

#[tokio::test]
async fn truncated_html_wrong_shape() {
    let s = start(SLOW).await;
    let url = format!("{}/api/image/config", s.api_url());
    s.inject(Fault::once(Route::Config, FaultKind::Truncated));
    s.inject(Fault::once(Route::Config, FaultKind::Html));
    s.inject(Fault::once(Route::Any, FaultKind::WrongShape));

    let a = get(&url).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        &a.body[..],
        br#"{"status":200,"message":"OK","data":{"id":"#
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&a.body).is_err());

    let a = get(&url).await;
    assert_eq!(a.status, StatusCode::BAD_GATEWAY);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(&a.body[..], b"<html><body>502 Bad Gateway</body></html>");
    assert!(a.header("access-control-allow-origin").is_some());

    let a = get(&url).await;
    assert_eq!(
        a.json(),
        json!({"status": 200, "message": "OK", "data": "surprise"})
    );
    assert!(get(&url).await.json()["data"].is_object());
}

#[tokio::test]
async fn delay() {
    let s = start(SLOW).await;
    s.inject(Fault::times(
        Route::CheckNetwork,
        FaultKind::Delay(Duration::from_millis(400)),
        1,
    ));
    let url = format!("{}/api/checkNetwork", s.api_url());
    let t = Instant::now();
    let a = get(&url).await;
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert_eq!(a.json()["message"], "OK");
    let t = Instant::now();
    get(&url).await;
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn delay_still_checks_the_key() {
    let s = start(SLOW).await;
    s.inject(Fault::once(
        Route::Details,
        FaultKind::Delay(Duration::from_millis(50)),
    ));
    let a = get_as(&format!("{}/api/session/getDetails", s.api_url()), "nope").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn drop_closes_without_a_byte() {
    let s = start(SLOW).await;
    s.inject(Fault::once(Route::Config, FaultKind::Drop));
    let addr = s.api_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /api/image/config HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {DEMO_KEY}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection");
    // A clean close or a reset, but never a byte of an answer.
    if let Ok(n) = read {
        assert_eq!(n, 0);
    }
    assert!(
        received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&received)
    );
    let log = s.requests();
    assert_eq!((log[0].route, log[0].status), (Some(Route::Config), 0));

    // Used up: the next request is answered.
    assert_eq!(
        get(&format!("{}/api/image/config", s.api_url()))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn drop_is_a_client_error_not_a_response() {
    let s = start(SLOW).await;
    s.inject(Fault::times(Route::Generate, FaultKind::Drop, 2));
    let url = format!("{}/api/image/generate", s.api_url());
    let auth = format!("Bearer {DEMO_KEY}");
    for _ in 0..2 {
        let r = send(
            Method::POST,
            &url,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            Some(text2image().to_string()),
        )
        .await;
        assert!(r.is_err(), "expected a connection error");
    }
    assert_eq!(post(&url, &text2image()).await.status, StatusCode::OK);
    assert_eq!(s.jobs_created(DEMO_KEY), 1);
}

#[tokio::test]
async fn preflight_is_never_faulted() {
    let s = start(SLOW).await;
    s.inject(Fault::new(Route::Any, FaultKind::Drop));
    let a = send(
        Method::OPTIONS,
        &format!("{}/api/image/generate", s.api_url()),
        &[
            ("origin", "http://app.test"),
            ("access-control-request-method", "POST"),
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("http://app.test")
    );
}

#[tokio::test]
async fn oldest_matching_fault_wins_and_counts_down() {
    let s = start(SLOW).await;
    s.inject(Fault::times(Route::Track, FaultKind::HttpStatus(503), 2));
    s.inject(Fault::once(Route::Any, FaultKind::HttpStatus(502)));
    let track = format!("{}/api/image/generate/abc", s.api_url());
    let config = format!("{}/api/image/config", s.api_url());
    assert_eq!(get(&config).await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(get(&track).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get(&track).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get(&track).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&config).await.status, StatusCode::OK);
}

#[tokio::test]
async fn strip_auth_answers_as_if_no_key_was_sent() {
    let s = start(SLOW).await;
    s.inject(Fault::once(Route::Details, FaultKind::StripAuth));
    let url = format!("{}/api/session/getDetails", s.api_url());
    let a = get(&url).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.json(),
        json!({"status": 401, "message": "未授权：未提供 API 密钥"})
    );
    assert_eq!(get(&url).await.status, StatusCode::OK, "applied once");
}
