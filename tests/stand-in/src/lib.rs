//! A stand-in for the Kamiya image API (see `API.md`), for the end-to-end
//! tests and for local demos: an API port with the real routes plus
//! runtime-switchable faults and a request log, and a second port playing
//! the image CDN.
//!
//! Other processes (a benchmark script, say) steer it over HTTP on the API
//! port, without a key and without being logged:
//! - `GET /__standin/log`: the request log as JSON;
//! - `POST /__standin/reset`: clear the log and the faults;
//! - `POST /__standin/fault` with e.g.
//!   `{"route":"Generate","kind":"http_status","status":503,"times":1}`;
//!   kinds `http_status` (`status`), `body_status` (`status`, `message`),
//!   `truncated`, `html`, `wrong_shape`, `delay` (`ms`), `drop`,
//!   `delay_answer` (`ms`: work done, answer late), `drop_answer` (work
//!   done, answer lost); without
//!   `times` it lasts until reset;
//! - `POST /__standin/job-duration-ms/<n>`.

mod catalog;
mod cdn;
mod cors;
mod faults;
mod jobs;
mod jpeg;
mod log;
mod routes;
mod server;
mod state;
mod validate;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use faults::{Fault, FaultKind, Route};
pub use log::LoggedRequest;
pub use state::{job_cost, CreditShown};

use server::Handler;
use state::Shared;

/// The key the stand-in accepts by default. Deliberately not shaped like a
/// real key (`sk-` + 48 alphanumerics) so nobody mistakes it for one.
pub const DEMO_KEY: &str = "sk-demo-kamiya-studio-local";

#[derive(Clone, Debug)]
pub struct StandInConfig {
    pub keys: Vec<String>,
    /// From submission to "generated".
    pub job_duration: Duration,
    /// 0 = any free port.
    pub api_port: u16,
    /// 0 = any free port.
    pub cdn_port: u16,
    /// Whether the CDN sends `Access-Control-Allow-Origin: *`.
    pub cdn_cors: bool,
    /// Whether the API's answers carry CORS headers.
    pub cors: bool,
}

impl Default for StandInConfig {
    fn default() -> Self {
        StandInConfig {
            keys: vec![DEMO_KEY.to_owned()],
            job_duration: Duration::from_secs(6),
            api_port: 0,
            cdn_port: 0,
            cdn_cors: true,
            cors: true,
        }
    }
}

/// A running stand-in. Clones share the server; it stops when the last
/// clone is dropped (or the runtime ends).
#[derive(Clone)]
pub struct StandIn {
    shared: Arc<Shared>,
    api_addr: SocketAddr,
    cdn_addr: SocketAddr,
    /// The server tasks watch this; dropping the last sender stops them.
    _alive: Arc<watch::Sender<()>>,
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn")
            .field("api", &self.api_addr)
            .field("cdn", &self.cdn_addr)
            .finish()
    }
}

impl StandIn {
    /// Binds both ports on 127.0.0.1 and serves on the current runtime.
    pub async fn start(config: StandInConfig) -> std::io::Result<StandIn> {
        let api_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.api_port)).await?;
        let cdn_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.cdn_port)).await?;
        let api_addr = api_listener.local_addr()?;
        let cdn_addr = cdn_listener.local_addr()?;
        let shared = Arc::new(Shared::new(
            config.keys,
            config.job_duration,
            format!("http://{cdn_addr}"),
            config.cdn_cors,
            config.cors,
        ));
        let (alive, shutdown) = watch::channel(());

        let api_router = routes::api(shared.clone());
        let control_router = routes::control(shared.clone());
        let api_shared = shared.clone();
        let api_handler: Handler = Arc::new(move |req, abandon| {
            Box::pin(server::api(
                api_shared.clone(),
                api_router.clone(),
                control_router.clone(),
                req,
                abandon,
            ))
        });
        // One request per connection on the API port: Chromium silently
        // resends a request whose reused keep-alive connection closes
        // without an answer, which would hide a one-shot `Drop` fault.
        tokio::spawn(server::accept_loop(
            api_listener,
            api_handler,
            false,
            shutdown.clone(),
        ));

        let cdn_router = cdn::router(shared.clone());
        let cdn_shared = shared.clone();
        let cdn_handler: Handler = Arc::new(move |req, _| {
            Box::pin(server::cdn(cdn_shared.clone(), cdn_router.clone(), req))
        });
        tokio::spawn(server::accept_loop(
            cdn_listener,
            cdn_handler,
            true,
            shutdown,
        ));

        Ok(StandIn {
            shared,
            api_addr,
            cdn_addr,
            _alive: Arc::new(alive),
        })
    }

    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    pub fn cdn_url(&self) -> String {
        format!("http://{}", self.cdn_addr)
    }

    /// Adds a fault after those already active; the oldest matching one
    /// applies to each request.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Turns the API's CORS headers off (a server that refuses every
    /// page's origin) or back on.
    pub fn set_cors(&self, on: bool) {
        self.shared
            .cors
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Sets `key`'s balance.
    pub fn set_credit(&self, key: &str, credit: f64) {
        self.shared.lock().credits.insert(key.to_owned(), credit);
    }

    /// `key`'s balance now.
    pub fn credit(&self, key: &str) -> f64 {
        self.shared.lock().credit(key)
    }

    /// How `getDetails` shows the balance from now on.
    pub fn set_credit_shown(&self, shown: CreditShown) {
        self.shared.lock().credit_shown = shown;
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// API requests (not control routes) in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.snapshot()
    }

    pub fn clear_log(&self) {
        self.shared.lock().log.clear();
    }

    /// Applies to jobs already running too: a job's status is worked out
    /// from its age whenever it is asked for.
    pub fn set_job_duration(&self, d: Duration) {
        self.shared.lock().job_duration = d;
    }

    /// Adds `n` finished jobs for `key`, older than every job it has.
    pub fn seed_history(&self, key: &str, n: usize) {
        let mut state = self.shared.lock();
        let before = state
            .jobs
            .iter()
            .filter(|j| j.key == key)
            .map(|j| j.born_unix)
            .min()
            .unwrap_or_else(jobs::unix_now);
        let mut seeded = jobs::history(key, n, before, &mut state.rng);
        let taken = |seeded: &[jobs::Job], state: &state::State, h: &str| {
            seeded.iter().filter(|j| j.hashid == h).count() > 1
                || state.jobs.iter().any(|j| j.hashid == h)
        };
        for i in 0..seeded.len() {
            while taken(&seeded, &state, &seeded[i].hashid) {
                seeded[i].hashid = state.rng.alnum(15);
            }
        }
        state.jobs.splice(0..0, seeded);
    }

    /// The API stops knowing the job (tracking answers 404, the list omits
    /// it); the CDN keeps its picture.
    pub fn forget_job(&self, hashid: &str) {
        for job in self.shared.lock().jobs.iter_mut() {
            if job.hashid == hashid {
                job.forgotten = true;
            }
        }
    }

    /// Makes the image host answer every request with `status` (404: the
    /// pictures expired; 503: the host is down), or normally again.
    pub fn set_cdn_status(&self, status: Option<u16>) {
        self.shared.lock().cdn_status = status;
    }

    /// Makes the image host say "do not cache" (instead of a year): a test
    /// that then makes the host forget its pictures sees what the host says
    /// now, as after the browser's cache let them go.
    pub fn set_cdn_no_store(&self, on: bool) {
        self.shared.lock().cdn_no_store = on;
    }

    /// Accepted generate requests for `key`.
    pub fn jobs_created(&self, key: &str) -> usize {
        self.shared.lock().created.get(key).copied().unwrap_or(0)
    }

    /// The body of the last accepted generate request, as sent.
    pub fn last_generate_body(&self) -> Option<serde_json::Value> {
        self.shared.lock().last_generate_body.clone()
    }

    /// The status a job would be tracked with now, for any key; `None` if
    /// unknown or forgotten.
    pub fn job_status(&self, hashid: &str) -> Option<String> {
        let state = self.shared.lock();
        let job = state
            .jobs
            .iter()
            .find(|j| j.hashid == hashid && !j.forgotten)?;
        let json = job.to_json(Instant::now(), state.job_duration, "", false);
        json["status"].as_str().map(str::to_owned)
    }
}
