//! A job's lifecycle: its states and the only transitions between them.

use serde::{Deserialize, Serialize};

use crate::api::{is_http_url, ApiError, GenerateRequest, JobRecord};

/// A job's id on this device (the server's `hashid` comes later, if ever).
/// Stored as a plain string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(pub String);

impl JobId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a job is. Server statuses we do not know are kept verbatim in
/// `Running`, never turned into an error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JobState {
    /// Waiting locally for a free submission slot.
    Queued,
    /// The generate request is on its way.
    Submitting,
    /// The server accepted it (`created`).
    Created,
    /// The server reports some other not-yet-finished status.
    Running(String),
    Generated,
    Failed(FailReason),
    TimedOut,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FailReason {
    /// The generate call was refused or failed.
    Rejected(ApiError),
    /// The server reported a failure status (verbatim).
    ServerStatus(String),
    /// The server no longer knows the job, or refuses to report on it.
    Lost(ApiError),
    /// The server gave an image URL that is not http(s).
    UnsafeUrl,
    /// An image2image job whose source image is gone (sources are kept in
    /// memory only, so a reload loses them before the job was sent).
    SourceLost,
    /// The page closed while the generate request was on its way, and the
    /// server's history does not show it. It is not sent again by itself,
    /// so that nobody pays twice for one picture; if the answer turns up
    /// after all, the job is adopted (see [`Job::accepted`]).
    Interrupted,
}

impl JobState {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobState::Generated | JobState::Failed(_) | JobState::TimedOut | JobState::Cancelled
        )
    }

    /// Waiting on the server: these are the states that are polled.
    pub fn is_pending_on_server(&self) -> bool {
        matches!(self, JobState::Created | JobState::Running(_))
    }
}

/// What one answer from the server means for the job.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    Done(String),
    Pending(String),
    Failed(String),
    UnsafeUrl,
}

const DONE_STATUSES: &[&str] = &[
    "generated",
    "done",
    "finished",
    "completed",
    "complete",
    "success",
    "succeeded",
];
const FAIL_MARKERS: &[&str] = &[
    "fail",
    "error",
    "cancel",
    "reject",
    "abort",
    "timeout",
    "timed_out",
    "banned",
    "block",
    "nsfw",
    "invalid",
    "expired",
    "deleted",
    "refund",
];

/// Reads a server record: done only when the status says so and the image
/// URL is a usable http(s) URL.
pub fn classify(record: &JobRecord) -> Progress {
    let status = record.status.trim().to_ascii_lowercase();
    let jpg = record.metadata.jpg.as_deref().map(str::trim).unwrap_or("");
    if DONE_STATUSES.contains(&status.as_str()) {
        return if jpg.is_empty() {
            // Generated but the URL is not there yet: ask again.
            Progress::Pending(record.status.clone())
        } else if is_http_url(jpg) {
            Progress::Done(jpg.to_string())
        } else {
            Progress::UnsafeUrl
        };
    }
    if FAIL_MARKERS.iter().any(|m| status.contains(m)) {
        return Progress::Failed(record.status.clone());
    }
    Progress::Pending(if record.status.trim().is_empty() {
        "?".into()
    } else {
        record.status.clone()
    })
}

/// One generation job as the app tracks it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Ours, unique on this device; the server's `hashid` comes later.
    /// (`local_id` is the name earlier versions stored it under.)
    #[serde(alias = "local_id")]
    pub id: JobId,
    pub request: GenerateRequest,
    pub hashid: Option<String>,
    pub server_id: Option<String>,
    #[serde(default)]
    pub metaid: Option<String>,
    pub state: JobState,
    /// Epoch milliseconds.
    pub queued_at: f64,
    pub submitted_at: Option<f64>,
    pub first_seen_at: Option<f64>,
    pub finished_at: Option<f64>,
    pub image_url: Option<String>,
    /// The server's `createdAt`, shown as is (it has no year or zone).
    pub server_created_at: Option<String>,
    /// The last error while polling, shown while the job keeps trying.
    pub last_error: Option<ApiError>,
    /// When the server last said "not yet": with the finish time, it
    /// brackets the moment the image appeared.
    #[serde(default)]
    pub last_pending_at: Option<f64>,
    /// Bumped on every change: when two tabs hold different copies of a
    /// job, the higher revision is the newer one.
    #[serde(default)]
    pub rev: u32,
    #[serde(default)]
    pub favourite: bool,
    /// When watching started again after "check again": the give-up
    /// window counts from here rather than from submission.
    #[serde(default)]
    pub watch_from: Option<f64>,
    /// A copy of the picture is kept on this device (in the archive).
    #[serde(default)]
    pub kept: bool,
}

/// When a job was made, as far as this device can tell.
#[derive(Clone, Debug, PartialEq)]
pub enum MadeAt {
    /// A moment of this device's clock (ms since the epoch).
    Local(f64),
    /// The server's `createdAt`, which has no year and no zone: shown as is.
    Server(String),
    Unknown,
}

impl Job {
    /// When the job was sent (or queued, if it never was); for a job known
    /// only from the server's list, the server's own text.
    pub fn made_at(&self) -> MadeAt {
        match (self.submitted_at, &self.server_created_at, &self.hashid) {
            (Some(t), _, _) => MadeAt::Local(t),
            (None, Some(s), _) => MadeAt::Server(s.clone()),
            (None, None, None) => MadeAt::Local(self.queued_at),
            (None, None, Some(_)) => MadeAt::Unknown,
        }
    }

    pub fn new(id: JobId, request: GenerateRequest, now: f64) -> Job {
        Job {
            id,
            request,
            hashid: None,
            server_id: None,
            metaid: None,
            state: JobState::Queued,
            queued_at: now,
            submitted_at: None,
            first_seen_at: None,
            finished_at: None,
            image_url: None,
            server_created_at: None,
            last_error: None,
            last_pending_at: None,
            rev: 0,
            favourite: false,
            watch_from: None,
            kept: false,
        }
    }

    /// The id a job of the server's history gets on this device.
    pub fn history_id(hashid: &str) -> JobId {
        JobId(format!("server-{hashid}"))
    }

    /// Every id under which this job can show up: its own, and its history
    /// twin's (what a removal must cover, or the history brings it back).
    pub fn all_ids(&self) -> Vec<JobId> {
        let mut ids = vec![self.id.clone()];
        if let Some(h) = &self.hashid {
            let twin = Job::history_id(h);
            if twin != self.id {
                ids.push(twin);
            }
        }
        ids
    }

    /// A finished or pending job known only from the server's history.
    pub fn from_record(record: &JobRecord, now: f64) -> Job {
        let m = &record.metadata;
        let request = GenerateRequest {
            kind: if m.kind == "image2image" {
                crate::api::JobType::Image2Image
            } else {
                crate::api::JobType::Text2Image
            },
            prompts: m.prompts.clone(),
            negative_prompts: m.negative_prompts.clone(),
            step: m.step.unwrap_or(0) as u32,
            cfg: m.cfg.unwrap_or(0.0),
            seed: m.seed.and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
            sampling: m.sampling.clone(),
            width: m.width.unwrap_or(0) as u32,
            height: m.height.unwrap_or(0) as u32,
            model: m.model.clone(),
            loras: m.loras.clone(),
            image: None,
        };
        let mut job = Job::new(Job::history_id(&record.hashid), request, now);
        job.state = JobState::Created;
        job.hashid = Some(record.hashid.clone());
        job.server_id = Some(record.id.clone()).filter(|s| !s.is_empty());
        job.metaid = Some(record.metaid.clone()).filter(|s| !s.is_empty());
        job.server_created_at = Some(record.created_at.clone()).filter(|s| !s.is_empty());
        job.apply_record(record, now);
        job
    }

    fn finish(&mut self, state: JobState, now: f64) {
        self.state = state;
        self.finished_at = Some(now);
    }

    /// The generate request is sent.
    pub fn submitting(&mut self, now: f64) {
        if self.state == JobState::Queued {
            self.state = JobState::Submitting;
            self.submitted_at = Some(now);
        }
    }

    /// The generate call answered with the new job. The server's word wins
    /// over what this device guessed meanwhile: a job given up as
    /// interrupted is adopted, and one cancelled while its request was on
    /// the way keeps its hashid (the picture is being made and paid for),
    /// so that "check again" can still find it.
    pub fn accepted(&mut self, record: &JobRecord, now: f64) {
        if self.hashid.is_some() {
            return;
        }
        let resume = match &self.state {
            JobState::Submitting | JobState::Failed(FailReason::Interrupted) => true,
            JobState::Cancelled if self.submitted_at.is_some() => false,
            _ => return,
        };
        self.hashid = Some(record.hashid.clone());
        self.server_id = Some(record.id.clone()).filter(|s| !s.is_empty());
        self.metaid = Some(record.metaid.clone()).filter(|s| !s.is_empty());
        self.server_created_at = Some(record.created_at.clone()).filter(|s| !s.is_empty());
        if resume {
            self.state = JobState::Created;
            self.finished_at = None;
            self.apply_record(record, now);
        }
    }

    /// Cannot be sent: an image2image job without its source image.
    pub fn source_lost(&mut self, now: f64) {
        if matches!(self.state, JobState::Queued | JobState::Submitting) {
            self.finish(JobState::Failed(FailReason::SourceLost), now);
        }
    }

    /// The generate call was refused: nothing was created on the server. A
    /// refused key sends the job back to the queue, where it waits for a
    /// key that works (sending it then is not paying twice); any other
    /// refusal ends it.
    pub fn rejected(&mut self, error: ApiError, now: f64) {
        if self.state != JobState::Submitting {
            return;
        }
        if matches!(error, ApiError::Unauthorized(_)) {
            self.state = JobState::Queued;
            self.submitted_at = None;
            self.last_error = Some(error);
        } else {
            self.finish(JobState::Failed(FailReason::Rejected(error)), now);
        }
    }

    /// After a reload, a job whose generate call never answered: found in
    /// the server's history (adopt it) or not (it ends as interrupted).
    pub fn reconcile(&mut self, found: Option<&JobRecord>, now: f64) {
        if self.state != JobState::Submitting {
            return;
        }
        match found {
            Some(record) => self.accepted(record, now),
            None => self.finish(JobState::Failed(FailReason::Interrupted), now),
        }
    }

    /// Whether a history record is this job's (same seed, size, model and
    /// prompt): how a reload finds the job whose generate answer was lost.
    pub fn matches_record(&self, record: &JobRecord) -> bool {
        let m = &record.metadata;
        let r = &self.request;
        m.seed == Some(r.seed as u64)
            && m.width == Some(r.width as u64)
            && m.height == Some(r.height as u64)
            && m.model == r.model
            && m.prompts.trim() == r.prompts.trim()
    }

    /// A history record for a job that ended locally without a picture
    /// (timed out, or lost track): the server may have finished it since.
    pub fn refresh_from_history(&mut self, record: &JobRecord, now: f64) {
        if self.state == JobState::TimedOut && matches!(classify(record), Progress::Done(_)) {
            self.state = JobState::Created;
            self.finished_at = None;
        }
        self.apply_record(record, now);
    }

    /// A track (or list) answer. Ignored once the job is final, so a late
    /// or out-of-order answer never undoes a result or a cancel.
    pub fn apply_record(&mut self, record: &JobRecord, now: f64) {
        if self.state.is_final() || self.hashid.is_none() {
            return;
        }
        self.last_error = None;
        // The first answer from the server that knows the job.
        self.first_seen_at.get_or_insert(now);
        match classify(record) {
            Progress::Done(url) => {
                self.image_url = Some(url);
                self.finish(JobState::Generated, now);
            }
            Progress::Pending(status) => {
                self.last_pending_at = Some(now);
                self.state = if status.eq_ignore_ascii_case("created") {
                    JobState::Created
                } else {
                    JobState::Running(status)
                };
            }
            Progress::Failed(status) => {
                self.finish(JobState::Failed(FailReason::ServerStatus(status)), now)
            }
            Progress::UnsafeUrl => self.finish(JobState::Failed(FailReason::UnsafeUrl), now),
        }
    }

    /// A status request failed. Only the server's own word ends a job it
    /// accepted: "not found". A refused or missing key, the network or a
    /// server error are kept for display while the job waits (the poller
    /// pauses or backs off), since the picture may be made meanwhile.
    pub fn track_failed(&mut self, error: ApiError, now: f64) {
        if !self.state.is_pending_on_server() {
            return;
        }
        if error.is_not_found() {
            self.finish(JobState::Failed(FailReason::Lost(error)), now);
        } else {
            self.last_error = Some(error);
        }
    }

    /// Marks a pending job as waiting for a key (shown on its card); the
    /// first answer after a new key clears it.
    pub fn needs_key(&mut self, error: ApiError) {
        if self.state.is_pending_on_server() || self.state == JobState::Queued {
            self.last_error = Some(error);
        }
    }

    /// "Check again": a job the server accepted is watched again, never
    /// sent again. Returns whether it applied.
    pub fn check_again(&mut self, now: f64) -> bool {
        if !self.can_check_again() {
            return false;
        }
        self.state = JobState::Created;
        self.finished_at = None;
        self.last_error = None;
        self.watch_from = Some(now);
        true
    }

    /// A job the server accepted and that ended here without a picture.
    pub fn can_check_again(&self) -> bool {
        self.hashid.is_some()
            && matches!(
                self.state,
                JobState::TimedOut | JobState::Cancelled | JobState::Failed(_)
            )
    }

    /// A job the server never accepted, and that ended: sending it again
    /// is a new request (and costs credit).
    pub fn can_send_again(&self) -> bool {
        self.hashid.is_none() && self.state.is_final()
    }

    /// When the give-up window started: submission, or the last "check
    /// again".
    pub fn watch_start(&self) -> f64 {
        let sent = self.submitted_at.unwrap_or(self.queued_at);
        self.watch_from.map_or(sent, |w| w.max(sent))
    }

    pub fn time_out(&mut self, now: f64) {
        if !self.state.is_final() {
            self.finish(JobState::TimedOut, now);
        }
    }

    pub fn cancel(&mut self, now: f64) {
        if !self.state.is_final() {
            self.finish(JobState::Cancelled, now);
        }
    }

    /// Best estimate of the time from submission to the image, if the job
    /// finished well (see [`crate::domain::poll::estimate_duration`]).
    pub fn duration_ms(&self) -> Option<f64> {
        let (JobState::Generated, Some(s), Some(f)) =
            (&self.state, self.submitted_at, self.finished_at)
        else {
            return None;
        };
        crate::domain::poll::estimate_duration(s, self.last_pending_at, f)
    }

    /// Whether this copy of a job is newer than `other` (another tab's, or
    /// the archive's): the higher revision. Every write to the archive
    /// raises the revision from the stored one, so revisions order the
    /// copies of a job fully.
    pub fn is_newer_than(&self, other: &Job) -> bool {
        self.rev > other.rev
    }
}

/// Reads a stored job list one job at a time: a job this version cannot
/// read (stored by a newer or older one, or damaged) is skipped, never the
/// whole list. Returns the jobs and the entries that could not be read, as
/// they were, so they can be kept aside rather than lost.
pub fn parse_stored_jobs(value: &serde_json::Value) -> (Vec<Job>, Vec<serde_json::Value>) {
    let mut jobs = Vec::new();
    let mut unreadable = Vec::new();
    for item in value.as_array().cloned().unwrap_or_default() {
        match serde_json::from_value(item.clone()) {
            Ok(job) => jobs.push(job),
            Err(_) => unreadable.push(item),
        }
    }
    (jobs, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JobMetadata, JobType};

    #[test]
    fn made_at_never_invents_a_moment() {
        let mut j = Job::new(JobId("l1".into()), request(), 1000.0);
        assert_eq!(j.made_at(), MadeAt::Local(1000.0));
        j.submitted_at = Some(2000.0);
        assert_eq!(j.made_at(), MadeAt::Local(2000.0));
        let mut h = Job::new(JobId("server-x".into()), request(), 5000.0);
        h.hashid = Some("x".into());
        assert_eq!(h.made_at(), MadeAt::Unknown);
        h.server_created_at = Some("08-06 07:30:20".into());
        assert_eq!(h.made_at(), MadeAt::Server("08-06 07:30:20".into()));
    }

    fn request() -> GenerateRequest {
        GenerateRequest {
            kind: JobType::Text2Image,
            prompts: "cat".into(),
            negative_prompts: String::new(),
            step: 28,
            cfg: 12.0,
            seed: 1,
            sampling: "Euler a".into(),
            width: 512,
            height: 512,
            model: "original".into(),
            loras: vec![],
            image: None,
        }
    }

    fn record(status: &str, jpg: Option<&str>) -> JobRecord {
        JobRecord {
            hashid: "h1".into(),
            id: "i1".into(),
            status: status.into(),
            metadata: JobMetadata {
                jpg: jpg.map(str::to_string),
                ..Default::default()
            },
            created_at: "08-06 07:30:20".into(),
            ..Default::default()
        }
    }

    fn submitted() -> Job {
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        j.submitting(10.0);
        j.accepted(&record("created", None), 20.0);
        j
    }

    #[test]
    fn happy_path() {
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        assert_eq!(j.state, JobState::Queued);
        j.submitting(10.0);
        assert_eq!(j.state, JobState::Submitting);
        j.accepted(&record("created", None), 20.0);
        assert_eq!(j.state, JobState::Created);
        assert_eq!(j.hashid.as_deref(), Some("h1"));
        assert_eq!(j.first_seen_at, Some(20.0));
        j.apply_record(&record("generating", Some("")), 5510.0);
        assert_eq!(j.state, JobState::Running("generating".into()));
        j.apply_record(&record("generated", Some("https://cdn/x.jpg")), 6010.0);
        assert_eq!(j.state, JobState::Generated);
        assert_eq!(j.image_url.as_deref(), Some("https://cdn/x.jpg"));
        // Pending seen at 5510, done at 6010: the image came in between.
        assert_eq!(j.duration_ms(), Some(5750.0));
        // Only "created" at submission, then done: the finish is all we know.
        let mut first_try = submitted();
        first_try.apply_record(&record("generated", Some("https://cdn/x.jpg")), 6010.0);
        assert_eq!(
            first_try.duration_ms(),
            Some(6000.0 * crate::domain::poll::UNBRACKETED_FRACTION)
        );
    }

    #[test]
    fn unknown_statuses_are_kept_not_errors() {
        let mut j = submitted();
        j.apply_record(&record("queued_on_node_7", None), 30.0);
        assert_eq!(j.state, JobState::Running("queued_on_node_7".into()));
        j.apply_record(&record("排队中", None), 31.0);
        assert_eq!(j.state, JobState::Running("排队中".into()));
        j.apply_record(&record("", None), 32.0);
        assert_eq!(j.state, JobState::Running("?".into()));
        assert!(!j.state.is_final());
    }

    #[test]
    fn generated_without_url_keeps_waiting_and_unsafe_url_fails() {
        let mut j = submitted();
        j.apply_record(&record("generated", Some("")), 30.0);
        assert!(j.state.is_pending_on_server());
        j.apply_record(&record("generated", Some("javascript:alert(1)")), 31.0);
        assert_eq!(j.state, JobState::Failed(FailReason::UnsafeUrl));
        assert_eq!(j.image_url, None);
    }

    #[test]
    fn failure_statuses_end_the_job() {
        for s in ["failed", "ERROR", "cancelled", "nsfw_blocked"] {
            let mut j = submitted();
            j.apply_record(&record(s, None), 30.0);
            assert_eq!(
                j.state,
                JobState::Failed(FailReason::ServerStatus(s.into())),
                "{s}"
            );
        }
    }

    #[test]
    fn final_states_are_never_undone_by_late_answers() {
        let mut j = submitted();
        j.apply_record(&record("generated", Some("https://cdn/x.jpg")), 30.0);
        j.apply_record(&record("created", None), 40.0);
        j.track_failed(
            ApiError::Http {
                status: 404,
                message: None,
            },
            41.0,
        );
        j.cancel(42.0);
        assert_eq!(j.state, JobState::Generated);

        let mut c = submitted();
        c.cancel(30.0);
        c.apply_record(&record("generated", Some("https://cdn/x.jpg")), 40.0);
        assert_eq!(c.state, JobState::Cancelled);
    }

    #[test]
    fn out_of_order_calls_are_ignored() {
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        j.accepted(&record("created", None), 1.0);
        assert_eq!(j.state, JobState::Queued);
        j.apply_record(&record("generated", Some("https://cdn/x.jpg")), 2.0);
        assert_eq!(j.state, JobState::Queued);
        j.rejected(ApiError::Network("x".into()), 3.0);
        assert_eq!(j.state, JobState::Queued);
    }

    #[test]
    fn transient_track_errors_are_remembered_and_cleared() {
        let mut j = submitted();
        j.track_failed(
            ApiError::Http {
                status: 500,
                message: None,
            },
            30.0,
        );
        assert!(j.state.is_pending_on_server());
        assert!(j.last_error.is_some());
        j.apply_record(&record("generating", None), 31.0);
        assert!(j.last_error.is_none());
    }

    #[test]
    fn a_job_the_server_forgot_fails_with_the_reason() {
        let mut j = submitted();
        let e = ApiError::Http {
            status: 404,
            message: Some("任务不存在".into()),
        };
        j.track_failed(e.clone(), 30.0);
        assert_eq!(j.state, JobState::Failed(FailReason::Lost(e)));
    }

    #[test]
    fn rejection_and_timeout() {
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        j.submitting(1.0);
        j.rejected(
            ApiError::Api {
                status: 500,
                message: "忙".into(),
            },
            2.0,
        );
        assert!(matches!(j.state, JobState::Failed(FailReason::Rejected(_))));
        let mut t = submitted();
        t.time_out(99.0);
        assert_eq!(t.state, JobState::TimedOut);
        assert_eq!(t.finished_at, Some(99.0));
    }

    #[test]
    fn history_records_become_jobs() {
        let mut r = record("generated", Some("https://cdn/y.jpg"));
        r.metadata.seed = Some(3_050_350_418);
        r.metadata.width = Some(768);
        let j = Job::from_record(&r, 5.0);
        assert_eq!(j.state, JobState::Generated);
        assert_eq!(j.request.seed, 3_050_350_418);
        assert_eq!(j.id.as_str(), "server-h1");
        let pending = Job::from_record(&record("generated", Some("")), 5.0);
        assert!(pending.state.is_pending_on_server());
    }

    #[test]
    fn a_reload_during_submission_adopts_or_interrupts_never_resubmits() {
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        j.submitting(1.0);
        let mut r = record("generating", Some(""));
        r.metadata.seed = Some(1);
        r.metadata.width = Some(512);
        r.metadata.height = Some(512);
        r.metadata.model = "original".into();
        r.metadata.prompts = "cat".into();
        assert!(j.matches_record(&r));
        let mut other = r.clone();
        other.metadata.seed = Some(2);
        assert!(!j.matches_record(&other));
        let mut adopted = j.clone();
        adopted.reconcile(Some(&r), 2.0);
        assert_eq!(adopted.state, JobState::Running("generating".into()));
        assert_eq!(adopted.hashid.as_deref(), Some("h1"));
        j.reconcile(None, 2.0);
        assert_eq!(j.state, JobState::Failed(FailReason::Interrupted));
    }

    #[test]
    fn one_unreadable_stored_job_does_not_hide_the_others() {
        let good = serde_json::to_value(submitted()).unwrap();
        let list = serde_json::json!([good, {"local_id": 5}, "junk", good]);
        let (jobs, unreadable) = parse_stored_jobs(&list);
        assert_eq!(jobs.len(), 2);
        assert_eq!(
            unreadable,
            vec![
                serde_json::json!({"local_id": 5}),
                serde_json::json!("junk")
            ]
        );
        assert_eq!(
            parse_stored_jobs(&serde_json::json!("nope")),
            (vec![], vec![])
        );
    }

    #[test]
    fn jobs_survive_serialisation() {
        let mut j = submitted();
        j.track_failed(ApiError::Network("x".into()), 30.0);
        let back: Job = serde_json::from_str(&serde_json::to_string(&j).unwrap()).unwrap();
        assert_eq!(back, j);
    }

    #[test]
    fn stored_jobs_of_the_earlier_format_are_read() {
        let mut old = serde_json::to_value(submitted()).unwrap();
        let map = old.as_object_mut().unwrap();
        let id = map.remove("id").unwrap();
        map.insert("local_id".into(), id);
        map.remove("watch_from");
        let back: Job = serde_json::from_value(old).unwrap();
        assert_eq!(back, submitted());
    }

    #[test]
    fn a_refused_key_pauses_a_job_it_never_ends_it() {
        let mut j = submitted();
        j.track_failed(ApiError::Unauthorized(None), 30.0);
        assert!(j.state.is_pending_on_server());
        assert_eq!(j.last_error, Some(ApiError::Unauthorized(None)));
        for e in [
            ApiError::Network("x".into()),
            ApiError::Http {
                status: 400,
                message: None,
            },
        ] {
            j.track_failed(e, 31.0);
            assert!(j.state.is_pending_on_server());
        }
        // The answer that comes once a key works clears the pause.
        j.apply_record(&record("generated", Some("https://cdn/x.jpg")), 40.0);
        assert_eq!(j.state, JobState::Generated);
        assert_eq!(j.last_error, None);
    }

    #[test]
    fn a_generate_refused_for_its_key_waits_in_the_queue_for_a_key() {
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        j.submitting(1.0);
        j.rejected(ApiError::Unauthorized(Some("bad key".into())), 2.0);
        assert_eq!(j.state, JobState::Queued);
        assert_eq!(j.submitted_at, None);
        assert!(j.last_error.is_some());
        j.submitting(3.0);
        j.accepted(&record("created", None), 4.0);
        assert_eq!(j.state, JobState::Created);
    }

    #[test]
    fn the_servers_answer_wins_over_a_local_guess() {
        // Given up as interrupted, then the answer arrives after all.
        let mut j = Job::new(JobId("l1".into()), request(), 0.0);
        j.submitting(1.0);
        j.reconcile(None, 2.0);
        assert_eq!(j.state, JobState::Failed(FailReason::Interrupted));
        j.accepted(&record("created", None), 3.0);
        assert_eq!(j.state, JobState::Created);
        assert_eq!(j.finished_at, None);
        assert_eq!(j.hashid.as_deref(), Some("h1"));

        // Cancelled while the request was on its way: the hashid is kept,
        // so the picture being paid for can still be checked.
        let mut c = Job::new(JobId("l2".into()), request(), 0.0);
        c.submitting(1.0);
        c.cancel(2.0);
        c.accepted(&record("created", None), 3.0);
        assert_eq!(c.state, JobState::Cancelled);
        assert_eq!(c.hashid.as_deref(), Some("h1"));
        assert!(c.can_check_again());
        assert!(!c.can_send_again());

        // A queued job cancelled before it was sent knows no answer.
        let mut q = Job::new(JobId("l3".into()), request(), 0.0);
        q.cancel(1.0);
        q.accepted(&record("created", None), 2.0);
        assert_eq!(q.hashid, None);
        assert!(q.can_send_again());
    }

    #[test]
    fn check_again_watches_an_accepted_job_and_never_resends() {
        let mut j = submitted();
        j.time_out(1_000.0);
        assert!(j.can_check_again() && !j.can_send_again());
        assert!(j.check_again(2_000.0));
        assert!(j.state.is_pending_on_server());
        assert_eq!(j.finished_at, None);
        assert_eq!(j.watch_start(), 2_000.0);
        assert!(!j.check_again(3_000.0), "already watched");

        let mut never_sent = Job::new(JobId("l9".into()), request(), 0.0);
        never_sent.submitting(1.0);
        never_sent.rejected(
            ApiError::Http {
                status: 400,
                message: None,
            },
            2.0,
        );
        assert!(!never_sent.check_again(3.0));
        assert!(never_sent.can_send_again());
        let done = {
            let mut d = submitted();
            d.apply_record(&record("generated", Some("https://cdn/x.jpg")), 9.0);
            d
        };
        assert!(!done.can_check_again() && !done.can_send_again());
    }

    #[test]
    fn a_removal_covers_the_history_twin() {
        let j = submitted();
        assert_eq!(j.all_ids(), [JobId("l1".into()), JobId("server-h1".into())]);
        let from_history = Job::from_record(&record("generated", Some("https://cdn/y.jpg")), 1.0);
        assert_eq!(from_history.all_ids(), [JobId("server-h1".into())]);
        let never_sent = Job::new(JobId("l2".into()), request(), 0.0);
        assert_eq!(never_sent.all_ids(), [JobId("l2".into())]);
    }

    #[test]
    fn the_higher_revision_is_the_newer_copy() {
        let mut a = submitted();
        a.rev = 3;
        let mut b = a.clone();
        b.rev = 4;
        assert!(b.is_newer_than(&a));
        assert!(!a.is_newer_than(&b));
        assert!(!a.is_newer_than(&a.clone()));
    }

    #[test]
    fn a_timed_out_job_comes_back_when_history_shows_its_picture() {
        let mut j = submitted();
        j.time_out(100.0);
        j.refresh_from_history(&record("generating", None), 101.0);
        assert_eq!(j.state, JobState::TimedOut);
        j.refresh_from_history(&record("generated", Some("https://cdn/x.jpg")), 102.0);
        assert_eq!(j.state, JobState::Generated);
        assert_eq!(j.image_url.as_deref(), Some("https://cdn/x.jpg"));
    }
}
