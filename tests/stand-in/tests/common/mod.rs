//! A plain HTTP client for the tests: no retries, no CORS, nothing hidden.

#![allow(dead_code)]

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use kamiya_standin::{StandIn, StandInConfig, DEMO_KEY};
use serde_json::Value;

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

pub async fn start(job_duration: Duration) -> StandIn {
    StandIn::start(StandInConfig {
        job_duration,
        keys: vec![DEMO_KEY.to_owned(), "sk-other-test-key".to_owned()],
        ..StandInConfig::default()
    })
    .await
    .expect("stand-in starts")
}

pub async fn send(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, hyper_util::client::legacy::Error> {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .unwrap();
    let resp = client.request(req).await?;
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.expect("body arrives").to_bytes();
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

const ORIGIN: &str = "http://127.0.0.1:9999";

pub async fn get_as(url: &str, key: &str) -> Answer {
    let auth = format!("Bearer {key}");
    send(
        Method::GET,
        url,
        &[("authorization", &auth), ("origin", ORIGIN)],
        None,
    )
    .await
    .expect("an answer")
}

pub async fn get(url: &str) -> Answer {
    get_as(url, DEMO_KEY).await
}

pub async fn post_as(url: &str, key: &str, body: &Value) -> Answer {
    let auth = format!("Bearer {key}");
    send(
        Method::POST,
        url,
        &[
            ("authorization", &auth),
            ("origin", ORIGIN),
            ("content-type", "application/json"),
        ],
        Some(body.to_string()),
    )
    .await
    .expect("an answer")
}

pub async fn post(url: &str, body: &Value) -> Answer {
    post_as(url, DEMO_KEY, body).await
}

pub fn text2image() -> Value {
    serde_json::json!({
        "type": "text2image",
        "prompts": "礼花，气球，红色瞳孔，小巷，看着观众，城市，浮世绘，头发飘起，",
        "negativePrompts": "lowres, bad anatomy",
        "step": 28,
        "cfg": 12,
        "seed": 218506577,
        "sampling": "DPM++ 2M Karras",
        "width": 768,
        "height": 512,
        "model": "original",
        "LoRAs": [{"id": "bocchiEdStyleLora_bocchiEdStyle", "weight": 60}],
    })
}

/// Submits a job and returns its hashid.
pub async fn submit(stand_in: &StandIn, body: &Value) -> String {
    let answer = post(&format!("{}/api/image/generate", stand_in.api_url()), body).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.json()["data"]["hashid"].as_str().unwrap().to_owned()
}
