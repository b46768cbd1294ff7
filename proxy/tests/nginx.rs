//! proxy/nginx.conf, run by a real nginx in front of a recording upstream:
//! the same refusals as the Rust proxy. Skipped (and said so) where nginx
//! is not installed.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::Method;
use common::*;
use tokio::net::TcpStream;

fn nginx() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

struct Nginx {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The repository's configuration, with the test's port, upstream and
/// paths in place of the marked placeholders, and no TLS.
fn configuration(upstream: &str, port: u16, dir: &Path) -> String {
    let shipped = include_str!("../nginx.conf");
    let host = upstream.trim_start_matches("http://");
    let mut out = String::new();
    for line in shipped.lines() {
        let trimmed = line.trim();
        let line = if trimmed.starts_with("ssl_certificate") || trimmed.starts_with("proxy_ssl_") {
            continue;
        } else if trimmed == "listen 443 ssl;" {
            format!("    listen 127.0.0.1:{port};")
        } else if trimmed == "proxy_set_header Host p0.kamiya.dev;" {
            format!("        proxy_set_header Host {host};")
        } else if trimmed == "proxy_read_timeout 80s;" {
            "        proxy_read_timeout 1s;".to_string()
        } else {
            line.replace("https://p0.kamiya.dev", upstream).replace(
                "/var/log/nginx/kamiya-proxy.access.log",
                &dir.join("access.log").display().to_string(),
            )
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

async fn start(upstream: &str) -> Nginx {
    let bin = nginx().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("kamiya-nginx-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kamiya.conf"), configuration(upstream, port, &dir)).unwrap();
    let d = dir.display();
    // One process (no master): killing it ends nginx, where killing a
    // master left its workers running on after the test.
    let main = format!(
        "master_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\ndaemon off;\nevents {{}}\n\
         http {{\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  access_log off;\n  \
         # Bodies stay in memory: workers may run as nobody, who cannot write here.\n  \
         client_body_buffer_size 8m;\n  include {d}/kamiya.conf;\n}}\n"
    );
    std::fs::File::create(dir.join("nginx.conf"))
        .unwrap()
        .write_all(main.as_bytes())
        .unwrap();
    let check = Command::new(&bin)
        .args(["-t", "-p"])
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let child = Command::new(&bin)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Nginx {
        child,
        port,
        _dir: TempDir(dir),
    }
}

#[tokio::test]
async fn nginx_applies_the_same_rules() {
    if nginx().is_none() {
        // Straight to stderr: libtest hides `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: nginx_applies_the_same_rules: nginx is not installed"
        );
        return;
    }
    let up = Recorder::start().await;
    let n = start(&up.url()).await;
    let at = |path: &str| format!("http://127.0.0.1:{}{path}", n.port);

    for path in [
        "/api/checkNetwork",
        "/api/session/getDetails",
        "/api/image/config",
        "/api/image/generate?start=1&take=20&",
        "/api/image/generate/AbC123",
    ] {
        let a = get(&at(path), &[ORIGIN]).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));
        assert_eq!(a.header("set-cookie"), None);
    }
    let a = send(
        Method::POST,
        &at("/api/image/generate"),
        &[
            ORIGIN,
            ("authorization", "Bearer sk-secret-key"),
            ("content-type", "application/json"),
            ("cookie", "session=page"),
            ("x-forwarded-for", "10.0.0.1"),
            ("referer", "https://you.github.io/app/"),
        ],
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(a.status, 200);
    let seen = up.seen().pop().unwrap();
    let mut names: Vec<&str> = seen.headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort();
    // nginx's own `Connection: close` besides.
    assert_eq!(
        names,
        [
            "authorization",
            "connection",
            "content-length",
            "content-type",
            "host",
            "user-agent"
        ]
    );

    let ok = send(
        Method::OPTIONS,
        &at("/api/image/generate"),
        &[
            ORIGIN,
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization,content-type",
            ),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(ok.status, 204);
    assert_eq!(ok.header("access-control-allow-origin"), Some(PAGE));
    let refused = send(
        Method::OPTIONS,
        &at("/api/image/generate"),
        &[
            ORIGIN,
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "authorization, cookie"),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(refused.status, 403);

    for headers in [vec![], vec![("origin", "https://evil.example")]] {
        let a = get(&at("/api/checkNetwork"), &headers).await;
        assert_eq!(a.status, 403);
        assert_eq!(a.header("access-control-allow-origin"), None);
    }
    for (path, status) in [
        ("/", 404),
        ("/api/billing/history", 404),
        ("/api/checkNetwork?url=x", 400),
        ("/api/image/generate?start=1&start=2", 400),
        ("/api/image/generate/abc%2Fdef", 400),
    ] {
        let a = get(&at(path), &[ORIGIN]).await;
        assert_eq!(a.status, status, "{path}");
        assert!(a.message().starts_with("kamiya-proxy: "), "{path}");
    }
    for method in [Method::DELETE, Method::PUT] {
        let a = send(
            method.clone(),
            &at("/api/checkNetwork"),
            &[ORIGIN],
            Vec::new(),
        )
        .await;
        assert_eq!(a.status, 405, "{method}");
    }
    let addr = format!("127.0.0.1:{}", n.port).parse().unwrap();
    for line in [
        "GET /api/image/../checkNetwork HTTP/1.1",
        "GET /api//checkNetwork HTTP/1.1",
        "GET /api\\checkNetwork HTTP/1.1",
    ] {
        let (status, text) = raw(
            addr,
            &format!("{line}\r\nHost: x\r\nOrigin: {PAGE}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(status, 400, "{line}: {text}");
    }
    let big = send(
        Method::POST,
        &at("/api/image/generate"),
        &[ORIGIN, ("content-type", "application/json")],
        vec![b'x'; 6 * 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(big.status, 413);
    let picture = "A".repeat((4 << 20) / 3 * 4 + 100);
    let fits = send(
        Method::POST,
        &at("/api/image/generate"),
        &[ORIGIN, ("content-type", "application/json")],
        picture.into_bytes(),
    )
    .await;
    assert_eq!(fits.status, 200);
    let passed = up.seen().len();
    assert_eq!(passed, 7, "refusals never reach the upstream");

    // A dead upstream, and a slow one.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let down = start(&dead_url).await;
    let a = get(
        &format!("http://127.0.0.1:{}/api/checkNetwork", down.port),
        &[ORIGIN],
    )
    .await;
    assert_eq!(a.status, 502);
    assert_eq!(a.header("access-control-allow-origin"), Some(PAGE));
    assert!(a.message().contains("did not answer"), "{}", a.message());
    let slow = start(&format!("{}/slow", up.url())).await;
    let a = get(
        &format!("http://127.0.0.1:{}/api/checkNetwork", slow.port),
        &[ORIGIN],
    )
    .await;
    assert_eq!(a.status, 504);
    assert!(a.message().contains("did not answer within"));
}
