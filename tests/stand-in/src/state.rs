//! The server's shared state. Locks are std mutexes held only for short
//! bookkeeping, never across an await.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::Value;

use crate::faults::Faults;
use crate::jobs::{Job, Rng};
use crate::log::RequestLog;

pub(crate) const START_CREDIT: f64 = 17993.36;
pub(crate) const CREDIT_PER_IMAGE: f64 = 1.5;

pub(crate) struct Shared {
    pub keys: Vec<String>,
    pub started: Instant,
    pub cdn_url: String,
    pub cdn_cors: bool,
    state: Mutex<State>,
    /// Encoded pictures by hashid; encoding a large one takes a while.
    pub pictures: Mutex<HashMap<String, Bytes>>,
}

pub(crate) struct State {
    /// Oldest first, all keys together.
    pub jobs: Vec<Job>,
    pub credits: HashMap<String, f64>,
    pub created: HashMap<String, usize>,
    pub faults: Faults,
    pub log: RequestLog,
    pub job_duration: Duration,
    pub last_generate_body: Option<Value>,
    pub rng: Rng,
    /// When set, the image host answers every request with this status
    /// (as if its pictures expired, or it were down).
    pub cdn_status: Option<u16>,
    /// The image host tells browsers not to cache its pictures.
    pub cdn_no_store: bool,
}

impl Shared {
    pub(crate) fn new(
        keys: Vec<String>,
        job_duration: Duration,
        cdn_url: String,
        cdn_cors: bool,
    ) -> Shared {
        Shared {
            keys,
            started: Instant::now(),
            cdn_url,
            cdn_cors,
            state: Mutex::new(State {
                jobs: Vec::new(),
                credits: HashMap::new(),
                created: HashMap::new(),
                faults: Faults::default(),
                log: RequestLog::default(),
                job_duration,
                last_generate_body: None,
                rng: Rng::from_clock(),
                cdn_status: None,
                cdn_no_store: false,
            }),
            pictures: Mutex::new(HashMap::new()),
        }
    }

    /// A panic in one handler must not wedge every later request, so a
    /// poisoned lock is taken over as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn is_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

impl State {
    /// The key's job the API still knows.
    pub(crate) fn job(&self, key: &str, hashid: &str) -> Option<&Job> {
        self.jobs
            .iter()
            .find(|j| j.hashid == hashid && j.key == key && !j.forgotten)
    }

    pub(crate) fn credit(&self, key: &str) -> f64 {
        self.credits.get(key).copied().unwrap_or(START_CREDIT)
    }
}
