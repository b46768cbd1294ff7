//! When to ask the server about a job next: fast when the image is due,
//! frugal while it is not, patient with a failing server.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::order::lower_median;

/// The knobs of the schedule, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// Expected time to an image when nothing has been learned yet.
    pub default_expected_ms: f64,
    /// Never ask sooner than this after submitting.
    pub min_first_ms: f64,
    /// The first ask comes this long before the expected finish.
    pub first_ask_lead_ms: f64,
    /// Between asks once the image is due.
    pub interval_ms: f64,
    /// The interval grows towards this for jobs that run far longer than expected.
    pub slow_interval_ms: f64,
    pub backoff_base_ms: f64,
    pub backoff_max_ms: f64,
    /// All jobs together ask at most this often (per second): with many
    /// jobs waiting, each one's interval stretches.
    pub max_requests_per_s: f64,
    /// Give up (time out) after this long since submission.
    pub give_up_ms: f64,
    /// Ask every so often, ignoring expectations: only for measuring the
    /// learned schedule against a plain interval (see `scripts/bench.sh`).
    pub fixed_interval_ms: Option<f64>,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            default_expected_ms: 6_000.0,
            min_first_ms: 1_000.0,
            first_ask_lead_ms: 250.0,
            interval_ms: 500.0,
            slow_interval_ms: 5_000.0,
            backoff_base_ms: 1_000.0,
            backoff_max_ms: 30_000.0,
            max_requests_per_s: 8.0,
            give_up_ms: 15.0 * 60_000.0,
            fixed_interval_ms: None,
        }
    }
}

/// What the poller knows about one job when it asks for the next delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollSituation {
    /// Since the job was submitted.
    pub elapsed_ms: f64,
    /// Since watching started: submission, or the last "check again". The
    /// give-up limit counts from here.
    pub watching_ms: f64,
    /// Successful track answers so far.
    pub answers: u32,
    /// Failed track requests in a row.
    pub consecutive_errors: u32,
    /// The learned (or default) time to an image.
    pub expected_ms: f64,
    /// Jobs waiting on the server right now, this one included.
    pub pending_jobs: usize,
}

/// The next step for a job.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    AskIn(f64),
    GiveUp,
}

impl PollPolicy {
    /// `jitter` is a random number in `[0, 1)`; it spreads retries so that
    /// many jobs do not hit a recovering server in lockstep.
    pub fn next(&self, s: PollSituation, jitter: f64) -> Next {
        if s.watching_ms >= self.give_up_ms {
            return Next::GiveUp;
        }
        let jitter = jitter.clamp(0.0, 1.0);
        let delay = if let Some(fixed) = self.fixed_interval_ms {
            fixed
        } else if s.consecutive_errors > 0 {
            let exp = (s.consecutive_errors - 1).min(16) as i32;
            let cap = (self.backoff_base_ms * 2f64.powi(exp)).min(self.backoff_max_ms);
            cap * (0.5 + 0.5 * jitter)
        } else if s.answers == 0 {
            // First ask a little before the image is expected: finding it
            // not yet done brackets the real time (and keeps the estimate
            // from only ever growing); the short interval then catches it.
            (s.expected_ms - self.first_ask_lead_ms - s.elapsed_ms)
                .max(self.min_first_ms - s.elapsed_ms)
                .max(0.0)
        } else {
            // Past the expectation: short interval, stretched for jobs that
            // run far longer than usual (a long queue on the server).
            let overdue = (s.elapsed_ms / s.expected_ms.max(1.0) - 2.0).max(0.0);
            let own = (self.interval_ms * (1.0 + overdue)).min(self.slow_interval_ms);
            let share = s.pending_jobs.max(1) as f64 * 1000.0 / self.max_requests_per_s;
            own.max(share)
        };
        Next::AskIn(delay.min(self.give_up_ms - s.watching_ms).max(0.0))
    }

    pub fn expected_ms(&self, learned: Option<f64>) -> f64 {
        learned.unwrap_or(self.default_expected_ms)
    }
}

/// A job found done at its first ask finished at some unknown earlier
/// moment: its duration is taken as this fraction of the time to that ask.
pub const UNBRACKETED_FRACTION: f64 = 0.75;

/// Best estimate of a finished job's time from submission to image. The
/// image appeared between the last "not yet" and the answer that showed
/// it: the middle of that gap, not its end, so that the estimate does not
/// grow by the polling delay every time.
pub fn estimate_duration(submitted: f64, last_pending: Option<f64>, finished: f64) -> Option<f64> {
    if finished < submitted {
        return None;
    }
    Some(match last_pending {
        // Only a tight bracket says much; a "created" seen at submission
        // time says nothing about the finish.
        Some(p) if p >= submitted && p <= finished && finished - p <= 2_000.0 => {
            (p + finished) / 2.0 - submitted
        }
        // Done at the first ask: it finished some time before; guess
        // earlier, so the schedule can learn that the server sped up.
        _ => (finished - submitted) * UNBRACKETED_FRACTION,
    })
}

/// Recent job durations, per kind of job (model and size), to expect the
/// next one's. Saved and shared between tabs; a sorted map, so that equal
/// stats always serialise to equal text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DurationStats {
    by_kind: BTreeMap<String, VecDeque<f64>>,
}

const KEEP: usize = 3;

impl DurationStats {
    pub fn kind_key(model: &str, width: u32, height: u32) -> String {
        format!("{model}@{width}x{height}")
    }

    pub fn record(&mut self, kind: &str, duration_ms: f64) {
        if !(duration_ms.is_finite() && duration_ms > 0.0) {
            return;
        }
        let d = self.by_kind.entry(kind.to_string()).or_default();
        d.push_back(duration_ms);
        while d.len() > KEEP {
            d.pop_front();
        }
    }

    /// The (lower) median of the durations seen, robust to one odd job.
    /// Falls back to all kinds when this kind is new.
    pub fn expected_ms(&self, kind: &str) -> Option<f64> {
        let own = self.by_kind.get(kind).filter(|d| !d.is_empty());
        let all: Vec<f64> = match own {
            Some(d) => d.iter().copied().collect(),
            None => self.by_kind.values().flatten().copied().collect(),
        };
        lower_median(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(elapsed: f64, answers: u32, errors: u32) -> PollSituation {
        PollSituation {
            elapsed_ms: elapsed,
            watching_ms: elapsed,
            answers,
            consecutive_errors: errors,
            expected_ms: 6_000.0,
            pending_jobs: 1,
        }
    }

    fn delay(n: Next) -> f64 {
        match n {
            Next::AskIn(d) => d,
            Next::GiveUp => panic!("gave up"),
        }
    }

    #[test]
    fn first_ask_lands_when_the_image_is_expected() {
        let p = PollPolicy::default();
        assert_eq!(delay(p.next(at(0.0, 0, 0), 0.5)), 5_750.0);
        // After a reload, 4 s in: 1.75 s to go.
        assert_eq!(delay(p.next(at(4_000.0, 0, 0), 0.5)), 1_750.0);
        // Long overdue (reload much later): ask at once.
        assert_eq!(delay(p.next(at(60_000.0, 0, 0), 0.5)), 0.0);
        // A very fast expectation still waits the minimum.
        let fast = PollSituation {
            expected_ms: 100.0,
            ..at(0.0, 0, 0)
        };
        assert_eq!(delay(p.next(fast, 0.5)), 1_000.0);
    }

    #[test]
    fn then_it_asks_at_the_short_interval_and_slows_for_long_jobs() {
        let p = PollPolicy::default();
        assert_eq!(delay(p.next(at(6_100.0, 1, 0), 0.5)), 500.0);
        let later = delay(p.next(at(30_000.0, 5, 0), 0.5));
        assert!(later > 500.0 && later <= 5_000.0, "{later}");
        assert_eq!(delay(p.next(at(600_000.0, 50, 0), 0.5)), 5_000.0);
    }

    #[test]
    fn errors_back_off_exponentially_with_jitter_and_a_cap() {
        let p = PollPolicy::default();
        let d1 = delay(p.next(at(7_000.0, 1, 1), 1.0));
        let d2 = delay(p.next(at(7_000.0, 1, 2), 1.0));
        let d5 = delay(p.next(at(7_000.0, 1, 5), 1.0));
        assert_eq!((d1, d2, d5), (1_000.0, 2_000.0, 16_000.0));
        assert_eq!(delay(p.next(at(7_000.0, 1, 30), 1.0)), 30_000.0);
        assert_eq!(delay(p.next(at(7_000.0, 1, 30), 0.0)), 15_000.0);
        // Recovery: the first good answer resets to the normal interval.
        assert_eq!(delay(p.next(at(9_000.0, 2, 0), 0.3)), 500.0);
    }

    #[test]
    fn many_waiting_jobs_share_a_request_budget() {
        let p = PollPolicy::default();
        let crowd = |n| PollSituation {
            pending_jobs: n,
            ..at(6_100.0, 1, 0)
        };
        assert_eq!(delay(p.next(crowd(2), 0.5)), 500.0);
        // 20 jobs at 8 requests/s in total: each asks every 2.5 s.
        assert_eq!(delay(p.next(crowd(20), 0.5)), 2_500.0);
        let rate = 20.0 * 1000.0 / delay(p.next(crowd(20), 0.5));
        assert!(rate <= p.max_requests_per_s);
    }

    #[test]
    fn gives_up_after_the_limit_and_never_schedules_past_it() {
        let p = PollPolicy::default();
        assert_eq!(p.next(at(p.give_up_ms, 3, 0), 0.5), Next::GiveUp);
        let d = delay(p.next(at(p.give_up_ms - 100.0, 3, 9), 1.0));
        assert_eq!(d, 100.0);
    }

    #[test]
    fn durations_are_learned_per_kind_with_a_fallback() {
        let mut s = DurationStats::default();
        let k = DurationStats::kind_key("original", 768, 512);
        assert_eq!(s.expected_ms(&k), None);
        for d in [6_000.0, 6_200.0, 5_900.0, 9_000.0] {
            s.record(&k, d);
        }
        assert_eq!(s.expected_ms(&k), Some(6_200.0));
        assert_eq!(s.expected_ms("other@1x1"), Some(6_200.0));
        s.record(&k, f64::NAN);
        s.record(&k, -1.0);
        for _ in 0..20 {
            s.record(&k, 3_000.0);
        }
        assert_eq!(s.expected_ms(&k), Some(3_000.0));
    }

    /// Runs jobs of a fixed server duration through the policy, the job's
    /// own transitions and the learning, as the poller does: returns
    /// (requests, latency) per job.
    fn simulate(durations: &[f64]) -> Vec<(u32, f64)> {
        use crate::api::{GenerateRequest, JobMetadata, JobRecord, JobType};
        use crate::domain::job::{Job, JobId, JobState};
        let p = PollPolicy::default();
        let mut stats = DurationStats::default();
        let request = GenerateRequest {
            kind: JobType::Text2Image,
            prompts: "sim".into(),
            negative_prompts: String::new(),
            step: 28,
            cfg: 7.0,
            seed: 1,
            sampling: "Euler a".into(),
            width: 768,
            height: 512,
            model: "m".into(),
            loras: vec![],
            image: None,
        };
        let kind = DurationStats::kind_key("m", 768, 512);
        let answer = |status: &str, jpg: &str| JobRecord {
            hashid: "h".into(),
            status: status.into(),
            metadata: JobMetadata {
                jpg: Some(jpg.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        durations
            .iter()
            .map(|&d| {
                let mut job = Job::new(JobId("sim".into()), request.clone(), 0.0);
                job.submitting(0.0);
                job.accepted(&answer("created", ""), 0.0);
                let (mut t, mut answers, mut requests) = (0.0, 0, 0);
                loop {
                    let s = PollSituation {
                        elapsed_ms: t,
                        watching_ms: t,
                        answers,
                        consecutive_errors: 0,
                        expected_ms: p.expected_ms(stats.expected_ms(&kind)),
                        pending_jobs: 1,
                    };
                    t += delay(p.next(s, 0.5));
                    requests += 1;
                    if t >= d {
                        job.apply_record(&answer("generated", "https://cdn/x.jpg"), t);
                        assert_eq!(job.state, JobState::Generated);
                        stats.record(&kind, job.duration_ms().expect("a finished job"));
                        return (requests, t - d);
                    }
                    job.apply_record(&answer("generating", ""), t);
                    answers += 1;
                }
            })
            .collect()
    }

    #[test]
    fn with_steady_jobs_it_learns_to_be_fast_and_frugal() {
        let runs = simulate(&[6_050.0; 12]);
        let warm = &runs[3..];
        let avg_requests = warm.iter().map(|r| r.0 as f64).sum::<f64>() / warm.len() as f64;
        let mut latencies: Vec<f64> = warm.iter().map(|r| r.1).collect();
        latencies.sort_by(f64::total_cmp);
        assert!(avg_requests <= 3.0, "{runs:?}");
        assert!(latencies[latencies.len() / 2] <= 500.0, "{runs:?}");
    }

    #[test]
    fn it_follows_a_server_that_gets_faster_or_slower() {
        let mut durations = vec![12_000.0; 8];
        durations.extend([6_000.0; 12]);
        durations.extend([9_000.0; 8]);
        let runs = simulate(&durations);
        let faster = &runs[8 + 12 - 3..8 + 12];
        assert!(faster.iter().all(|r| r.1 <= 500.0 && r.0 <= 3), "{runs:?}");
        let tail = &runs[runs.len() - 3..];
        assert!(tail.iter().all(|r| r.1 <= 500.0 && r.0 <= 3), "{runs:?}");
    }
}
