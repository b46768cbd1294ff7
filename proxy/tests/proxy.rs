//! The proxy over real sockets: every refusal, what goes upstream and what
//! comes back, in front of a recording upstream and of the stand-in API.

mod common;

use std::time::Duration;

use axum::http::Method;
use common::*;
use kamiya_proxy::{Config, ImageHost, Running, MAX_BODY};
use kamiya_standin::{StandIn, StandInConfig, DEMO_KEY};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

fn config(upstream: &str) -> Config {
    Config {
        upstream: upstream.to_string(),
        listen: "127.0.0.1:0".parse().unwrap(),
        allow_origins: vec![PAGE.to_string(), "http://127.0.0.1:8080".to_string()],
        image_hosts: Vec::new(),
        upstream_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(10),
        max_in_flight: 8,
        log: false,
    }
}

async fn proxy(config: Config) -> Running {
    kamiya_proxy::start(config).await.expect("proxy starts")
}

#[tokio::test]
async fn forwards_the_api_routes_with_cors_for_the_allowed_origin_only() {
    let up = Recorder::start().await;
    let p = proxy(config(&up.url())).await;
    for path in [
        "/api/checkNetwork",
        "/api/session/getDetails",
        "/api/image/config",
        "/api/image/generate?start=1&take=20",
        "/api/image/generate/AbC123xyz",
    ] {
        let a = get(&format!("{}{path}", p.url()), &[ORIGIN]).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));
        assert_eq!(a.header("vary"), Some("Origin"));
        // The upstream's cookies, its `*` and the rest stay behind.
        assert_eq!(a.header("set-cookie"), None);
        assert_eq!(a.header("x-powered-by"), None);
        assert_eq!(a.header("content-type"), Some("application/json"));
    }
    let a = send(
        Method::POST,
        &format!("{}/api/image/generate", p.url()),
        &[ORIGIN, ("content-type", "application/json")],
        br#"{"prompts":"a fox"}"#.to_vec(),
    )
    .await;
    assert_eq!(a.status, 200);
    let seen: Vec<(String, String)> = up
        .seen()
        .into_iter()
        .map(|s| (s.method, s.path_and_query))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/api/checkNetwork"),
            ("GET", "/api/session/getDetails"),
            ("GET", "/api/image/config"),
            ("GET", "/api/image/generate?start=1&take=20"),
            ("GET", "/api/image/generate/AbC123xyz"),
            ("POST", "/api/image/generate"),
        ]
        .map(|(m, p)| (m.to_string(), p.to_string()))
    );
}

#[tokio::test]
async fn only_authorization_and_content_type_go_upstream() {
    let up = Recorder::start().await;
    let p = proxy(config(&up.url())).await;
    let a = send(
        Method::POST,
        &format!("{}/api/image/generate", p.url()),
        &[
            ORIGIN,
            ("authorization", "Bearer sk-secret-key"),
            ("content-type", "application/json"),
            ("cookie", "session=page"),
            ("x-forwarded-for", "10.0.0.1"),
            ("x-real-ip", "10.0.0.1"),
            ("forwarded", "for=10.0.0.1"),
            ("referer", "https://you.github.io/app/"),
            ("user-agent", "the page's browser"),
            ("x-custom", "1"),
        ],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(a.status, 200);
    let seen = up.seen().pop().unwrap();
    let mut names: Vec<&str> = seen.headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "authorization",
            "content-length",
            "content-type",
            "host",
            "user-agent"
        ]
    );
    let value = |name: &str| {
        seen.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("authorization"), Some("Bearer sk-secret-key"));
    assert_eq!(value("content-type"), Some("application/json"));
    assert_eq!(value("host"), Some(up.addr.to_string().as_str()));
    assert!(value("user-agent").unwrap().starts_with("kamiya-proxy/"));
    assert_eq!(seen.body_len, 2);
}

#[tokio::test]
async fn preflights_are_answered_for_allowed_origins_only() {
    let up = Recorder::start().await;
    let p = proxy(config(&up.url())).await;
    let url = format!("{}/api/image/generate", p.url());
    let preflight = |origin: &'static str, method: &'static str, headers: &'static str| {
        let url = url.clone();
        async move {
            send(
                Method::OPTIONS,
                &url,
                &[
                    ("origin", origin),
                    ("access-control-request-method", method),
                    ("access-control-request-headers", headers),
                ],
                Vec::new(),
            )
            .await
        }
    };
    let ok = preflight(PAGE, "POST", "authorization,content-type").await;
    assert_eq!(ok.status, 204);
    assert_eq!(ok.header("access-control-allow-origin"), Some(PAGE));
    assert_eq!(
        ok.header("access-control-allow-methods"),
        Some("GET, POST, OPTIONS")
    );
    assert_eq!(
        ok.header("access-control-allow-headers"),
        Some("authorization, content-type")
    );
    assert_eq!(ok.header("vary"), Some("Origin"));
    // The other allowed origin gets its own name back, never `*`.
    let other = send(
        Method::OPTIONS,
        &url,
        &[
            ("origin", "http://127.0.0.1:8080"),
            ("access-control-request-method", "GET"),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(
        other.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
    for refused in [
        preflight("https://evil.example", "POST", "authorization").await,
        preflight("null", "POST", "authorization").await,
        preflight(PAGE, "POST", "authorization, cookie").await,
        preflight(PAGE, "DELETE", "").await,
    ] {
        assert_eq!(refused.status, 403);
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }
    assert!(up.seen().is_empty(), "preflights never reach the upstream");
}

#[tokio::test]
async fn other_origins_and_requests_without_one_are_refused_before_the_upstream() {
    let up = Recorder::start().await;
    let p = proxy(config(&up.url())).await;
    let url = format!("{}/api/checkNetwork", p.url());
    for headers in [
        vec![],
        vec![("origin", "https://evil.example")],
        vec![("origin", "https://you.github.io.evil.example")],
        vec![("origin", "http://you.github.io")],
        vec![("origin", "*")],
    ] {
        let a = get(&url, &headers).await;
        assert_eq!(a.status, 403, "{headers:?}");
        assert_eq!(a.header("access-control-allow-origin"), None);
        assert!(
            a.message().contains("origin is not allowed"),
            "{}",
            a.message()
        );
    }
    assert!(up.seen().is_empty());
}

#[tokio::test]
async fn other_paths_methods_queries_and_tricks_are_refused() {
    let up = Recorder::start().await;
    let p = proxy(config(&up.url())).await;
    let at = |path: &str| format!("{}{path}", p.url());
    for (path, status) in [
        ("/", 404),
        ("/api/billing/history?start=1&take=5", 404),
        ("/admin", 404),
        ("/api/image/generate/a/b", 404),
        ("/api/checkNetwork?url=http://evil.example", 400),
        ("/api/image/generate?start=1&take=5&x=1", 400),
        ("/api/image/generate/abc%2Fdef", 400),
        ("/api/image/%2e%2e/checkNetwork", 400),
        ("/api//checkNetwork", 400),
    ] {
        let a = get(&at(path), &[ORIGIN]).await;
        assert_eq!(a.status, status, "{path}: {}", a.message());
        // The page may read why (it is an allowed origin).
        assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));
        assert!(a.message().starts_with("kamiya-proxy: "));
    }
    for method in ["DELETE", "PUT", "PATCH", "TRACE"] {
        let a = send(
            Method::from_bytes(method.as_bytes()).unwrap(),
            &at("/api/checkNetwork"),
            &[ORIGIN],
            Vec::new(),
        )
        .await;
        assert_eq!(a.status, 405, "{method}");
    }
    let head = send(
        Method::HEAD,
        &at("/api/checkNetwork"),
        &[ORIGIN],
        Vec::new(),
    )
    .await;
    assert_eq!(head.status, 405);
    let post = send(
        Method::POST,
        &at("/api/checkNetwork"),
        &[ORIGIN],
        Vec::new(),
    )
    .await;
    assert_eq!(post.status, 405);
    // Written raw: request lines no client library would send.
    for (line, status) in [
        ("GET http://127.0.0.1:1/api/checkNetwork HTTP/1.1", 400),
        ("GET https://p0.kamiya.dev/api/checkNetwork HTTP/1.1", 400),
        ("CONNECT p0.kamiya.dev:443 HTTP/1.1", 400),
        ("GET /api/image/../checkNetwork HTTP/1.1", 400),
        ("GET /api/image/generate/..%2f..%2fadmin HTTP/1.1", 400),
        ("GET /api\\checkNetwork HTTP/1.1", 400),
    ] {
        let (got, text) = raw(
            p.addr,
            &format!("{line}\r\nHost: x\r\nOrigin: {PAGE}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(got, status, "{line}: {text}");
    }
    assert!(up.seen().is_empty(), "{:?}", up.seen());
}

#[tokio::test]
async fn bodies_fit_a_4_mb_source_and_larger_ones_are_refused_clearly() {
    let up = Recorder::start().await;
    let p = proxy(config(&up.url())).await;
    let url = format!("{}/api/image/generate", p.url());
    let headers = [ORIGIN, ("content-type", "application/json")];
    // A 4 MiB picture as a base64 data URL, inside the JSON body.
    let picture = "A".repeat((4 << 20) / 3 * 4 + 4);
    let body = format!(r#"{{"type":"image2image","image":"data:image/jpeg;base64,{picture}"}}"#);
    let a = send(Method::POST, &url, &headers, body.clone().into_bytes()).await;
    assert_eq!(a.status, 200);
    assert_eq!(up.seen().pop().unwrap().body_len, body.len());
    let a = send(Method::POST, &url, &headers, vec![b'x'; MAX_BODY + 1]).await;
    assert_eq!(a.status, 413);
    assert_eq!(
        a.message(),
        "kamiya-proxy: request body over 6 MiB (image-to-image sources up to 4 MB fit)"
    );
    assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));
    // Without a length up front (chunked), the limit holds as it arrives.
    let chunk = "x".repeat(1 << 20);
    let mut chunked = String::new();
    for _ in 0..7 {
        chunked.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    chunked.push_str("0\r\n\r\n");
    let (status, _) = raw(
        p.addr,
        &format!("POST /api/image/generate HTTP/1.1\r\nHost: x\r\nOrigin: {PAGE}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunked}"),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(
        up.seen().len(),
        1,
        "refused bodies never reach the upstream"
    );
}

#[tokio::test]
async fn an_upstream_that_is_down_or_slow_gets_a_clear_answer() {
    // A port nobody listens on.
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let p = proxy(config(&dead_url)).await;
    let a = get(&format!("{}/api/checkNetwork", p.url()), &[ORIGIN]).await;
    assert_eq!(a.status, 502);
    assert_eq!(a.json()["status"], 502);
    assert!(
        a.message().starts_with(&format!(
            "kamiya-proxy: the API at {dead_url} did not answer ("
        )),
        "{}",
        a.message()
    );
    assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));

    let up = Recorder::start().await;
    let mut slow = config(&format!("{}/slow", up.url()));
    slow.upstream_timeout = Duration::from_millis(300);
    let p = proxy(slow).await;
    let a = get(&format!("{}/api/checkNetwork", p.url()), &[ORIGIN]).await;
    assert_eq!(a.status, 504);
    assert!(a.message().contains("did not answer within 0 s") || a.message().contains("within"));
}

#[tokio::test]
async fn requests_over_the_in_flight_limit_are_answered_busy() {
    let up = Recorder::start().await;
    let mut one = config(&format!("{}/slow", up.url()));
    one.max_in_flight = 1;
    let p = proxy(one).await;
    let url = format!("{}/api/checkNetwork", p.url());
    let first = {
        let url = url.clone();
        tokio::spawn(async move { get(&url, &[ORIGIN]).await.status })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = get(&url, &[ORIGIN]).await;
    assert_eq!(second.status, 503);
    assert_eq!(second.header("retry-after"), Some("1"));
    assert!(second.message().contains("too many requests"));
    assert_eq!(first.await.unwrap(), 200);
}

#[tokio::test]
async fn pictures_of_named_image_hosts_only_and_never_with_the_key() {
    let cdn = Recorder::start().await;
    let mut c = config("http://127.0.0.1:1");
    c.image_hosts = vec![ImageHost::parse(&cdn.url()).unwrap()];
    let p = proxy(c).await;
    let host = cdn.addr.to_string();
    let a = get(
        &format!("{}/image/{host}/img/a%20b.png?v=2", p.url()),
        &[
            ORIGIN,
            ("authorization", "Bearer sk-secret-key"),
            ("cookie", "a=b"),
        ],
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("image/png"));
    assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));
    let seen = cdn.seen().pop().unwrap();
    assert_eq!(seen.path_and_query, "/img/a%20b.png?v=2");
    let mut names: Vec<&str> = seen.headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["host", "user-agent"],
        "no key, no cookie to an image host"
    );
    // Only pictures come back; other hosts and tricks are refused.
    let page = get(&format!("{}/image/{host}/page/x", p.url()), &[ORIGIN]).await;
    assert_eq!(page.status, 502);
    assert!(page.message().contains("not answer with a picture"));
    let other = get(&format!("{}/image/evil.example/x.png", p.url()), &[ORIGIN]).await;
    assert_eq!(other.status, 404);
    let trick = get(
        &format!("{}/image/{host}/img/..%2Fx.png", p.url()),
        &[ORIGIN],
    )
    .await;
    assert_eq!(trick.status, 400);
    assert_eq!(cdn.seen().len(), 2);
}

#[tokio::test]
async fn the_whole_api_through_the_proxy_in_front_of_the_stand_in() {
    let api = StandIn::start(StandInConfig {
        job_duration: Duration::from_millis(200),
        cors: false,
        ..StandInConfig::default()
    })
    .await
    .unwrap();
    let p = proxy(config(&api.api_url())).await;
    let at = |path: &str| format!("{}{path}", p.url());
    let key = format!("Bearer {DEMO_KEY}");
    let auth = [ORIGIN, ("authorization", key.as_str())];
    assert_eq!(
        get(&at("/api/checkNetwork"), &[ORIGIN]).await.json()["status"],
        200
    );
    let details = get(&at("/api/session/getDetails"), &auth).await;
    assert_eq!(details.json()["data"]["email"], "demo@kamiya.test");
    // The stand-in refuses keys it does not know: its words come through.
    let refused = get(
        &at("/api/session/getDetails"),
        &[ORIGIN, ("authorization", "Bearer sk-wrong")],
    )
    .await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("access-control-allow-origin"), Some(PAGE));
    let config = get(&at("/api/image/config"), &auth).await.json();
    let model = config["data"]["availableModels"][0]["id"].clone();
    let body = json!({
        "type": "text2image", "prompts": "a fox", "negativePrompts": "", "step": 28, "cfg": 7,
        "seed": 1, "sampling": "DPM++ 2M Karras", "width": 768, "height": 512, "model": model,
        "LoRAs": [],
    });
    let created = send(
        Method::POST,
        &at("/api/image/generate"),
        &[
            ORIGIN,
            ("authorization", key.as_str()),
            ("content-type", "application/json"),
        ],
        body.to_string().into_bytes(),
    )
    .await
    .json();
    let hashid = created["data"]["hashid"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let tracked = get(&at(&format!("/api/image/generate/{hashid}")), &auth)
        .await
        .json();
    assert_eq!(tracked["data"]["status"], "generated");
    let list = get(&at("/api/image/generate?start=1&take=5"), &auth)
        .await
        .json();
    assert_eq!(list["data"][0]["hashid"], hashid.as_str());
    assert_eq!(api.jobs_created(DEMO_KEY), 1);
}

/// The built binary, as a person starts it.
fn binary() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_kamiya-proxy"))
}

#[test]
fn an_allow_origin_that_is_not_an_origin_stops_the_start_with_a_clear_message() {
    for (origin, says) in [
        ("*", "never allows every origin"),
        ("you.github.io", "needs http:// or https://"),
        (
            "https://you.github.io/kamiya-studio",
            "use https://you.github.io",
        ),
    ] {
        let out = binary()
            .args([
                "--upstream",
                "https://p0.kamiya.dev",
                "--listen",
                "127.0.0.1:0",
            ])
            .args(["--allow-origin", origin])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{origin}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{origin}: {err}");
        assert!(err.contains("usage: kamiya-proxy"));
    }
}

#[tokio::test]
async fn the_binary_logs_requests_but_never_the_key() {
    let up = Recorder::start().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_kamiya-proxy"))
        .args([
            "--upstream",
            &up.url(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--allow-origin", PAGE])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/api/session/getDetails");
    let mut answered = None;
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            answered =
                Some(get(&url, &[ORIGIN, ("authorization", "Bearer sk-never-logged")]).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answered.expect("the binary listens").status, 200);
    child.start_kill().unwrap();
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("listening on"), "{stdout}");
    assert!(
        stderr.contains("GET /api/session/getDetails -> 200"),
        "{stderr}"
    );
    assert!(!stdout.contains("sk-never-logged") && !stderr.contains("sk-never-logged"));
}
