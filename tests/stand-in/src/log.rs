//! The record of API requests, so tests can assert what the app sent
//! (how often it polled, whether it retried, whether it sent the key).

use serde::Serialize;

use crate::faults::Route;

#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    /// `None` for paths that are not part of the API.
    pub route: Option<Route>,
    pub path: String,
    pub query: String,
    /// The HTTP status answered; 0 while the answer is pending and for a
    /// connection dropped by a fault.
    pub status: u16,
    /// Milliseconds since the server started, at arrival.
    pub at_ms: u64,
    /// Whether the request carried a configured key.
    pub authorized: bool,
}

/// Entries are logged on arrival and completed when answered, so the order
/// is arrival order even when a delayed answer finishes later.
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: Vec<(u64, LoggedRequest)>,
    next_seq: u64,
}

impl RequestLog {
    pub(crate) fn arrive(&mut self, entry: LoggedRequest) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push((seq, entry));
        seq
    }

    pub(crate) fn answered(&mut self, seq: u64, status: u16) {
        // Recent entries are the likely ones; the entry is gone if the log
        // was cleared meanwhile.
        if let Some((_, e)) = self.entries.iter_mut().rev().find(|(s, _)| *s == seq) {
            e.status = status;
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries.iter().map(|(_, e)| e.clone()).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
