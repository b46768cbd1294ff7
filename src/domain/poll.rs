//! When to ask the server about a job next: fast when the image is due,
//! frugal while it is not, patient with a failing server.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

/// The knobs of the schedule, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// Expected time to an image when nothing has been learned yet.
    pub default_expected_ms: f64,
    /// Never ask sooner than this after submitting.
    pub min_first_ms: f64,
    /// Between asks once the image is due.
    pub interval_ms: f64,
    /// The interval grows towards this for jobs that run far longer than expected.
    pub slow_interval_ms: f64,
    pub backoff_base_ms: f64,
    pub backoff_max_ms: f64,
    /// Give up (time out) after this long since submission.
    pub give_up_ms: f64,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            default_expected_ms: 6_000.0,
            min_first_ms: 1_000.0,
            interval_ms: 700.0,
            slow_interval_ms: 5_000.0,
            backoff_base_ms: 1_000.0,
            backoff_max_ms: 30_000.0,
            give_up_ms: 15.0 * 60_000.0,
        }
    }
}

/// What the poller knows about one job when it asks for the next delay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollSituation {
    /// Since the job was submitted.
    pub elapsed_ms: f64,
    /// Successful track answers so far.
    pub answers: u32,
    /// Failed track requests in a row.
    pub consecutive_errors: u32,
    /// The learned (or default) time to an image.
    pub expected_ms: f64,
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
        if s.elapsed_ms >= self.give_up_ms {
            return Next::GiveUp;
        }
        let jitter = jitter.clamp(0.0, 1.0);
        let delay = if s.consecutive_errors > 0 {
            let exp = (s.consecutive_errors - 1).min(16) as i32;
            let cap = (self.backoff_base_ms * 2f64.powi(exp)).min(self.backoff_max_ms);
            cap * (0.5 + 0.5 * jitter)
        } else if s.answers == 0 {
            // First ask just after the image is expected.
            (s.expected_ms - s.elapsed_ms)
                .max(self.min_first_ms - s.elapsed_ms)
                .max(0.0)
        } else {
            // Past the expectation: short interval, stretched for jobs that
            // run far longer than usual (a long queue on the server).
            let overdue = (s.elapsed_ms / s.expected_ms.max(1.0) - 2.0).max(0.0);
            (self.interval_ms * (1.0 + overdue)).min(self.slow_interval_ms)
        };
        Next::AskIn(delay.min(self.give_up_ms - s.elapsed_ms).max(0.0))
    }

    pub fn expected_ms(&self, learned: Option<f64>) -> f64 {
        learned.unwrap_or(self.default_expected_ms)
    }
}

/// Recent job durations, per kind of job (model and size), to expect the
/// next one's. Stored with the jobs so it survives reloads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationStats {
    by_kind: HashMap<String, VecDeque<f64>>,
}

const KEEP: usize = 12;

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

    /// A low quantile of the durations seen: the first ask lands just as
    /// most jobs finish, and the short interval covers the rest. Falls back
    /// to all kinds when this kind is new.
    pub fn expected_ms(&self, kind: &str) -> Option<f64> {
        let own = self.by_kind.get(kind).filter(|d| !d.is_empty());
        let mut all: Vec<f64> = match own {
            Some(d) => d.iter().copied().collect(),
            None => self.by_kind.values().flatten().copied().collect(),
        };
        if all.is_empty() {
            return None;
        }
        all.sort_by(|a, b| a.total_cmp(b));
        Some(all[(all.len() - 1) / 4])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(elapsed: f64, answers: u32, errors: u32) -> PollSituation {
        PollSituation {
            elapsed_ms: elapsed,
            answers,
            consecutive_errors: errors,
            expected_ms: 6_000.0,
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
        assert_eq!(delay(p.next(at(0.0, 0, 0), 0.5)), 6_000.0);
        // After a reload, 4 s in: 2 s to go.
        assert_eq!(delay(p.next(at(4_000.0, 0, 0), 0.5)), 2_000.0);
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
        assert_eq!(delay(p.next(at(6_100.0, 1, 0), 0.5)), 700.0);
        let later = delay(p.next(at(30_000.0, 5, 0), 0.5));
        assert!(later > 700.0 && later <= 5_000.0, "{later}");
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
        assert_eq!(delay(p.next(at(9_000.0, 2, 0), 0.3)), 700.0);
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
        assert_eq!(s.expected_ms(&k), Some(5_900.0));
        assert_eq!(s.expected_ms("other@1x1"), Some(5_900.0));
        s.record(&k, f64::NAN);
        s.record(&k, -1.0);
        for _ in 0..20 {
            s.record(&k, 3_000.0);
        }
        assert_eq!(s.expected_ms(&k), Some(3_000.0));
    }
}
