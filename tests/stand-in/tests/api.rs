mod common;

use std::io::Cursor;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use base64::Engine;
use common::*;
use kamiya_standin::{Route, DEMO_KEY};
use serde_json::{json, Value};

const SLOW: Duration = Duration::from_secs(3600);

fn is_alnum_lower(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
}

#[tokio::test]
async fn check_network_needs_no_key() {
    let s = start(SLOW).await;
    let a = send(
        Method::GET,
        &format!("{}/api/checkNetwork", s.api_url()),
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json(),
        json!({"status": 200, "ip": "127.0.0.1", "message": "OK"})
    );
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn missing_or_wrong_key_is_401_with_cors() {
    let s = start(SLOW).await;
    let url = format!("{}/api/session/getDetails", s.api_url());
    // A missing key and a wrong one are told apart, as many servers do:
    // that is how the app sees that a proxy dropped the header.
    for (headers, message) in [
        (
            vec![("origin", "http://app.test")],
            "未授权：未提供 API 密钥",
        ),
        (
            vec![
                ("origin", "http://app.test"),
                ("authorization", "Bearer sk-nope"),
            ],
            "未授权：API 密钥无效",
        ),
        (
            vec![("origin", "http://app.test"), ("authorization", DEMO_KEY)],
            "未授权：API 密钥无效",
        ),
    ] {
        let a = send(Method::GET, &url, &headers, None).await.unwrap();
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.json(), json!({"status": 401, "message": message}));
        assert_eq!(
            a.header("access-control-allow-origin"),
            Some("http://app.test")
        );
    }
    let a = post_as(
        &format!("{}/api/image/generate", s.api_url()),
        "bad",
        &text2image(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.jobs_created(DEMO_KEY), 0);
}

#[tokio::test]
async fn preflight_headers() {
    let s = start(SLOW).await;
    let a = send(
        Method::OPTIONS,
        &format!("{}/api/image/generate", s.api_url()),
        &[
            ("origin", "http://127.0.0.1:8080"),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type",
            ),
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
    assert_eq!(
        a.header("access-control-allow-methods"),
        Some("GET, POST, OPTIONS")
    );
    assert_eq!(
        a.header("access-control-allow-headers"),
        Some("authorization, content-type")
    );
    assert_eq!(a.header("access-control-max-age"), Some("600"));
    assert!(a.body.is_empty());
    let log = s.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].method, "OPTIONS");
    assert_eq!(log[0].route, Some(Route::Generate));
    assert_eq!(log[0].status, 204);
}

#[tokio::test]
async fn details_credit_goes_down_per_key() {
    let s = start(SLOW).await;
    let url = format!("{}/api/session/getDetails", s.api_url());
    let a = get(&url).await;
    assert_eq!(
        a.json(),
        json!({"status": 200, "message": "OK",
               "data": {"email": "demo@kamiya.test", "role": "Normal", "credit": 17993.36, "active": true},
               "useNAIFallback": false})
    );
    submit(&s, &text2image()).await;
    submit(&s, &text2image()).await;
    assert_eq!(get(&url).await.json()["data"]["credit"], json!(17990.36));
    assert_eq!(
        get_as(&url, "sk-other-test-key").await.json()["data"]["credit"],
        json!(17993.36)
    );
}

#[tokio::test]
async fn each_picture_costs_by_its_size_and_steps() {
    let s = start(SLOW).await;
    let url = format!("{}/api/session/getDetails", s.api_url());
    let mut big = text2image();
    big["width"] = json!(1024);
    big["height"] = json!(1024);
    big["step"] = json!(40);
    submit(&s, &big).await;
    assert_eq!(get(&url).await.json()["data"]["credit"], json!(17987.36));
    assert_eq!(s.credit(DEMO_KEY), 17993.36 - 6.0);
    s.set_credit(DEMO_KEY, 2.0);
    assert_eq!(get(&url).await.json()["data"]["credit"], json!(2.0));
    s.set_credit_shown(kamiya_standin::CreditShown::Text);
    assert_eq!(get(&url).await.json()["data"]["credit"], json!("n/a"));
    s.set_credit_shown(kamiya_standin::CreditShown::Missing);
    assert!(get(&url).await.json()["data"].get("credit").is_none());
}

#[tokio::test]
async fn cors_can_be_switched_off() {
    let s = start(SLOW).await;
    let url = format!("{}/api/checkNetwork", s.api_url());
    let origin = [("origin", "http://app.test")];
    s.set_cors(false);
    let a = send(Method::GET, &url, &origin, None).await.unwrap();
    // It answers, but names no origin: a browser hides the answer.
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("access-control-allow-origin"), None);
    let pre = send(
        Method::OPTIONS,
        &format!("{}/api/session/getDetails", s.api_url()),
        &[
            ("origin", "http://app.test"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
        ],
        None,
    )
    .await
    .unwrap();
    assert_eq!(pre.header("access-control-allow-origin"), None);
    assert_eq!(pre.header("access-control-allow-headers"), None);
    // Over HTTP, as other processes steer it.
    let on = send(
        Method::POST,
        &format!("{}/__standin/cors/on", s.api_url()),
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(on.status, StatusCode::OK);
    let a = send(Method::GET, &url, &origin, None).await.unwrap();
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("http://app.test")
    );
}

#[tokio::test]
async fn config_shape() {
    let s = start(SLOW).await;
    let data = get(&format!("{}/api/image/config", s.api_url()))
        .await
        .json()["data"]
        .clone();
    assert!(data["busyStatus"].is_string());
    let models = data["availableModels"].as_array().unwrap();
    assert!(models.len() >= 3);
    assert!(models.iter().any(|m| m["id"] == "original"));
    assert!(models.iter().all(|m| m["description"].is_string()));
    let loras = data["availableLoRAs"].as_array().unwrap();
    assert!(loras.len() >= 3);
    assert!(loras
        .iter()
        .any(|l| l["id"] == "bocchiEdStyleLora_bocchiEdStyle"));
    assert!(loras.iter().all(|l| l["name"].is_string()));
    assert!(data.as_object().unwrap().len() >= 5, "extra unknown fields");
    // The previews it advertises exist.
    let preview = models[0]["preview"].as_str().unwrap();
    let a = send(Method::GET, preview, &[], None).await.unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), Some("image/jpeg"));
}

#[tokio::test]
async fn generate_validation() {
    let s = start(SLOW).await;
    let url = format!("{}/api/image/generate", s.api_url());
    let cases: Vec<(&str, Value, &str)> = vec![
        ("type", json!("img"), "type"),
        ("prompts", json!(""), "prompts"),
        ("prompts", Value::Null, "prompts"),
        ("step", json!(0), "step"),
        ("step", json!(151), "step"),
        ("step", json!(28.5), "step"),
        ("cfg", json!(0.5), "cfg"),
        ("cfg", json!(31), "cfg"),
        ("cfg", json!("12"), "cfg"),
        ("seed", json!(-1), "seed"),
        ("seed", json!(4294967296u64), "seed"),
        ("sampling", json!(""), "sampling"),
        ("width", json!(770), "width"),
        ("width", json!(56), "width"),
        ("width", json!(2056), "width"),
        ("height", json!("512"), "height"),
        ("model", json!("nope"), "model"),
        (
            "LoRAs",
            json!([{"id": "nope", "weight": 60}]),
            "LoRAs[0].id",
        ),
        (
            "LoRAs",
            json!([{"id": "bocchiEdStyleLora_bocchiEdStyle", "weight": 101}]),
            "LoRAs[0].weight",
        ),
        ("LoRAs", json!({}), "LoRAs"),
    ];
    for (field, value, named) in cases {
        let mut body = text2image();
        body[field] = value.clone();
        let a = post(&url, &body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{field} = {value}");
        let j = a.json();
        assert_eq!(j["status"], 400);
        let message = j["message"].as_str().unwrap();
        assert!(message.contains(named), "{field} = {value}: {message}");
        assert!(
            message.chars().any(|c| c > '\u{2e80}'),
            "Chinese: {message}"
        );
        assert_eq!(
            a.header("access-control-allow-origin"),
            Some("http://127.0.0.1:9999")
        );
    }
    let a = send(
        Method::POST,
        &url,
        &[("authorization", &format!("Bearer {DEMO_KEY}"))],
        Some("{not json".into()),
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.jobs_created(DEMO_KEY), 0);
    assert_eq!(s.last_generate_body(), None);

    // Edge values are fine.
    let mut body = text2image();
    body["seed"] = json!(4294967295u64);
    body["cfg"] = json!(7.5);
    body["width"] = json!(64);
    body["height"] = json!(2048);
    body["LoRAs"] = json!([]);
    assert_eq!(post(&url, &body).await.status, StatusCode::OK);
}

#[tokio::test]
async fn generate_answer_shape() {
    let s = start(SLOW).await;
    let body = text2image();
    let a = post(&format!("{}/api/image/generate", s.api_url()), &body).await;
    assert_eq!(a.status, StatusCode::OK);
    let j = a.json();
    assert_eq!(j["status"], 200);
    assert_eq!(j["message"], "OK");
    let d = &j["data"];
    assert!(is_alnum_lower(d["id"].as_str().unwrap(), 7));
    assert!(is_alnum_lower(d["hashid"].as_str().unwrap(), 15));
    let metaid = d["metaid"].as_str().unwrap();
    assert!(metaid.len() == 32 && metaid.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(d["status"], "created");
    assert_eq!(d["userId"], 2);
    let created = d["createdAt"].as_str().unwrap();
    assert_eq!(created.len(), 14, "{created}");
    assert_eq!(&created[2..3], "-");
    assert_eq!(d["updatedAt"], d["createdAt"]);
    let m = &d["metadata"];
    assert_eq!(m["LoRAs"], body["LoRAs"]);
    for field in [
        "model", "width", "height", "type", "prompts", "sampling", "step", "cfg", "seed",
    ] {
        assert_eq!(m[field], body[field], "{field}");
    }
    let negative = m["negativePrompts"].as_str().unwrap();
    assert!(negative.starts_with("lowres, bad anatomy,lowres, bad anatomy, bad hands"));
    assert_eq!(m["batch"], 1);
    assert_eq!(m["artboard"], "768x512");
    assert!(m.get("jpg").is_none());
    assert!(m.get("image").is_none());
    assert_eq!(s.last_generate_body(), Some(body));
    assert_eq!(s.jobs_created(DEMO_KEY), 1);
}

#[tokio::test]
async fn job_lifecycle_and_picture() {
    let s = start(Duration::from_millis(800)).await;
    let hashid = submit(&s, &text2image()).await;
    let url = format!("{}/api/image/generate/{hashid}", s.api_url());
    let d = get(&url).await.json()["data"].clone();
    assert_eq!(d["status"], "created");
    assert!(d["metadata"].get("jpg").is_none());
    tokio::time::sleep(Duration::from_millis(350)).await;
    let d = get(&url).await.json()["data"].clone();
    assert_eq!(d["status"], "generating");
    assert_eq!(d["metadata"]["jpg"], "");
    // Not on the CDN yet.
    let early = send(
        Method::GET,
        &format!("{}/outputs/{hashid}.jpg", s.cdn_url()),
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(early.status, StatusCode::NOT_FOUND);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let d = get(&url).await.json()["data"].clone();
    assert_eq!(d["status"], "generated");
    let jpg = d["metadata"]["jpg"].as_str().unwrap();
    assert_eq!(jpg, format!("{}/outputs/{hashid}.jpg", s.cdn_url()));

    let a = send(Method::GET, jpg, &[("origin", "http://app.test")], None)
        .await
        .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("content-type"), Some("image/jpeg"));
    assert_eq!(a.header("cache-control"), Some("public, max-age=31536000"));
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    let picture = image::load_from_memory_with_format(&a.body, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((picture.width(), picture.height()), (768, 512));
    // Not a flat colour.
    let rgb = picture.to_rgb8();
    assert_ne!(rgb.get_pixel(0, 0), rgb.get_pixel(767, 511));

    let missing = send(
        Method::GET,
        &format!("{}/outputs/zzz.jpg", s.cdn_url()),
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cdn_without_cors() {
    let s = kamiya_standin::StandIn::start(kamiya_standin::StandInConfig {
        job_duration: Duration::ZERO,
        cdn_cors: false,
        ..Default::default()
    })
    .await
    .unwrap();
    let a = post(
        &format!("{}/api/image/generate", s.api_url()),
        &text2image(),
    )
    .await;
    assert_eq!(
        a.json()["data"]["status"],
        "created",
        "even when done at once"
    );
    let hashid = a.json()["data"]["hashid"].as_str().unwrap().to_owned();
    let a = send(
        Method::GET,
        &format!("{}/outputs/{hashid}.jpg", s.cdn_url()),
        &[("origin", "http://app.test")],
        None,
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn fail_and_weird_jobs() {
    let s = start(Duration::from_millis(400)).await;
    let mut body = text2image();
    body["prompts"] = json!("cat, #fail");
    let failing = submit(&s, &body).await;
    body["prompts"] = json!("cat, #weird");
    let weird = submit(&s, &body).await;
    let track = |h: &str| format!("{}/api/image/generate/{h}", s.api_url());
    let d = get(&track(&weird)).await.json()["data"].clone();
    assert_eq!(d["status"], "queued_on_node_7");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        get(&track(&weird)).await.json()["data"]["status"],
        "queued_on_node_7"
    );
    assert_eq!(
        get(&track(&failing)).await.json()["data"]["status"],
        "generating"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let d = get(&track(&failing)).await.json()["data"].clone();
    assert_eq!(d["status"], "failed");
    assert!(d["metadata"].get("jpg").is_none());
    assert_eq!(
        get(&track(&weird)).await.json()["data"]["status"],
        "generated"
    );
    let a = send(
        Method::GET,
        &format!("{}/outputs/{failing}.jpg", s.cdn_url()),
        &[],
        None,
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn track_unknown_foreign_and_forgotten() {
    let s = start(SLOW).await;
    let hashid = submit(&s, &text2image()).await;
    let url = format!("{}/api/image/generate/{hashid}", s.api_url());
    let not_found = json!({"status": 404, "message": "任务不存在"});
    let a = get_as(&url, "sk-other-test-key").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json(), not_found);
    let a = get(&format!(
        "{}/api/image/generate/nosuchjob000000",
        s.api_url()
    ))
    .await;
    assert_eq!(
        (a.status, a.json()),
        (StatusCode::NOT_FOUND, not_found.clone())
    );
    assert_eq!(get(&url).await.status, StatusCode::OK);
    s.forget_job(&hashid);
    let a = get(&url).await;
    assert_eq!((a.status, a.json()), (StatusCode::NOT_FOUND, not_found));
}

#[tokio::test]
async fn list_order_start_take() {
    let s = start(SLOW).await;
    s.seed_history(DEMO_KEY, 4);
    let mut body = text2image();
    body["prompts"] = json!("newest");
    let newest = submit(&s, &body).await;
    submit_other(&s).await;
    let list = |q: &str| format!("{}/api/image/generate?{q}", s.api_url());

    let all = get(&list("start=1&take=100")).await.json()["data"].clone();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 5, "only this key's jobs");
    assert_eq!(all[0]["hashid"], newest);
    assert_eq!(all[0]["status"], "created");
    assert_eq!(all[0]["metadata"]["jpg"], "");
    for old in &all[1..] {
        assert_eq!(old["status"], "generated");
        assert!(old["metadata"]["jpg"].as_str().unwrap().ends_with(".jpg"));
    }
    // Newest first, timestamps included (same year).
    let stamps: Vec<&str> = all
        .iter()
        .map(|j| j["createdAt"].as_str().unwrap())
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(stamps, sorted);

    let page = get(&list("start=2&take=2")).await.json()["data"].clone();
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert_eq!(page[0]["hashid"], all[1]["hashid"]);
    assert_eq!(page[1]["hashid"], all[2]["hashid"]);
    let one = get(&list("start=1&take=1")).await.json()["data"].clone();
    assert_eq!(one.as_array().unwrap().len(), 1);
    let none = get(&list("start=6&take=10")).await.json()["data"].clone();
    assert_eq!(none, json!([]));
    let clamped = get(&list("start=0&take=0")).await.json()["data"].clone();
    assert_eq!(clamped.as_array().unwrap().len(), 1);

    // Seeded pictures are on the CDN.
    let jpg = all[1]["metadata"]["jpg"].as_str().unwrap();
    let a = send(Method::GET, jpg, &[], None).await.unwrap();
    assert_eq!(a.status, StatusCode::OK);

    s.forget_job(&newest);
    let after = get(&list("start=1&take=100")).await.json()["data"].clone();
    assert_eq!(after.as_array().unwrap().len(), 4);
}

async fn submit_other(s: &kamiya_standin::StandIn) {
    let a = post_as(
        &format!("{}/api/image/generate", s.api_url()),
        "sk-other-test-key",
        &text2image(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
}

fn png_data_url(width: u32, height: u32) -> String {
    let picture =
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 99]));
    let mut png = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[tokio::test]
async fn image2image_size_check() {
    let s = start(SLOW).await;
    let url = format!("{}/api/image/generate", s.api_url());
    let mut body = text2image();
    body["type"] = json!("image2image");
    body["width"] = json!(128);
    body["height"] = json!(64);

    let a = post(&url, &body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "image missing");
    assert!(a.json()["message"].as_str().unwrap().contains("image"));

    body["image"] = json!("data:image/png;base64,!!!");
    assert_eq!(post(&url, &body).await.status, StatusCode::BAD_REQUEST);
    body["image"] = json!("https://example.com/a.png");
    assert_eq!(post(&url, &body).await.status, StatusCode::BAD_REQUEST);

    body["image"] = json!(png_data_url(64, 64));
    let a = post(&url, &body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let message = a.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("image") && message.contains("64x64"),
        "{message}"
    );

    body["image"] = json!(png_data_url(128, 64));
    let a = post(&url, &body).await;
    assert_eq!(a.status, StatusCode::OK);
    let metadata = a.json()["data"]["metadata"].clone();
    assert_eq!(metadata["type"], "image2image");
    assert!(metadata.get("image").is_none());
    assert_eq!(s.last_generate_body().unwrap()["image"], body["image"]);
}

#[tokio::test]
async fn request_log() {
    let s = start(SLOW).await;
    get(&format!("{}/api/image/config", s.api_url())).await;
    get_as(
        &format!("{}/api/image/generate?start=1&take=5", s.api_url()),
        "bad",
    )
    .await;
    get(&format!("{}/api/nothing", s.api_url())).await;
    send(
        Method::GET,
        &format!("{}/__standin/log", s.api_url()),
        &[],
        None,
    )
    .await
    .unwrap();
    let log = s.requests();
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].route,
            log[0].path.as_str(),
            log[0].status,
            log[0].authorized
        ),
        ("GET", Some(Route::Config), "/api/image/config", 200, true)
    );
    assert_eq!(log[1].route, Some(Route::List));
    assert_eq!(log[1].query, "start=1&take=5");
    assert_eq!((log[1].status, log[1].authorized), (401, false));
    assert_eq!((log[2].route, log[2].status), (None, 404));
    assert!(log[0].at_ms <= log[1].at_ms && log[1].at_ms <= log[2].at_ms);
    s.clear_log();
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn control_routes() {
    let s = start(SLOW).await;
    let control = |p: &str| format!("{}/__standin/{p}", s.api_url());
    get(&format!("{}/api/image/config", s.api_url())).await;
    let log = send(Method::GET, &control("log"), &[], None).await.unwrap();
    assert_eq!(log.status, StatusCode::OK);
    let log = log.json();
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["route"], "Config");
    assert_eq!(log[0]["status"], 200);

    let fault = json!({"route": "Config", "kind": "http_status", "status": 503, "times": 1});
    let a = send(
        Method::POST,
        &control("fault"),
        &[],
        Some(fault.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    let bad = json!({"route": "Config", "kind": "explode"});
    let a = send(Method::POST, &control("fault"), &[], Some(bad.to_string()))
        .await
        .unwrap();
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&format!("{}/api/image/config", s.api_url()))
            .await
            .status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(&format!("{}/api/image/config", s.api_url()))
            .await
            .status,
        StatusCode::OK
    );

    let forever = json!({"route": "Any", "kind": "wrong_shape"});
    send(
        Method::POST,
        &control("fault"),
        &[],
        Some(forever.to_string()),
    )
    .await
    .unwrap();
    assert_eq!(
        get(&format!("{}/api/image/config", s.api_url()))
            .await
            .json()["data"],
        "surprise"
    );
    let a = send(Method::POST, &control("reset"), &[], None)
        .await
        .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert!(s.requests().is_empty());
    assert!(get(&format!("{}/api/image/config", s.api_url()))
        .await
        .json()["data"]
        .is_object());

    let a = send(Method::POST, &control("job-duration-ms/0"), &[], None)
        .await
        .unwrap();
    assert_eq!(a.status, StatusCode::OK);
    let hashid = submit(&s, &text2image()).await;
    let d = get(&format!("{}/api/image/generate/{hashid}", s.api_url()))
        .await
        .json();
    assert_eq!(d["data"]["status"], "generated");
    assert_eq!(s.job_status(&hashid).as_deref(), Some("generated"));
}

#[tokio::test]
async fn set_job_duration_applies_to_running_jobs() {
    let s = start(SLOW).await;
    let hashid = submit(&s, &text2image()).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(s.job_status(&hashid).as_deref(), Some("generating"));
    s.set_job_duration(Duration::from_millis(100));
    assert_eq!(s.job_status(&hashid).as_deref(), Some("generated"));
}

#[tokio::test]
async fn stops_when_dropped() {
    let s = start(SLOW).await;
    let url = format!("{}/api/checkNetwork", s.api_url());
    let clone = s.clone();
    drop(s);
    assert!(
        send(Method::GET, &url, &[], None).await.is_ok(),
        "a clone keeps it up"
    );
    drop(clone);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(send(Method::GET, &url, &[], None).await.is_err());
}
