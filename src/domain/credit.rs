//! Credit: what pictures cost, learned from the balance. The API publishes
//! no prices and tells no job's cost, so costs are read off the balance:
//! readings taken before and after a set of jobs that no other job
//! overlaps give that set's cost. One job alone: its own cost; jobs that
//! ran together: their total. Costs of one model, size and steps are
//! remembered, to say what the next batch should cost.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::job::JobId;
use super::order::sort_by_number;
use crate::api::GenerateRequest;

/// One reading of the balance: the request went out at `sent` and its
/// answer came at `got` (ms), so the balance is as of some moment
/// between. `balance` is `None` when the answer had no usable number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    pub sent: f64,
    pub got: f64,
    pub balance: Option<f64>,
}

/// What a picture's price depends on, as far as is known.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CostKey {
    pub model: String,
    pub width: u32,
    pub height: u32,
    pub steps: u32,
}

impl CostKey {
    pub fn of(request: &GenerateRequest) -> CostKey {
        CostKey {
            model: request.model.clone(),
            width: request.width,
            height: request.height,
            steps: request.step,
        }
    }
}

/// When a job could have been charged: from when it was sent to when it
/// ended (`None`: not yet, or it may still be charged later).
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub id: JobId,
    pub key: CostKey,
    pub sent: f64,
    pub ended: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobCost {
    /// No balance read since it ended (or it has not ended).
    Pending,
    /// The balance fell by this while it was the only job in flight.
    Own(f64),
    /// It ran together with others: their total, and how many they were.
    Together { total: f64, jobs: usize },
    /// Cannot be known: no reading before it, a balance that was not a
    /// number, or one that rose (a top-up) meanwhile.
    Unknown,
}

/// Jobs that no reading of the balance separates, and what they cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub jobs: Vec<JobId>,
    pub cost: JobCost,
    /// The one key all its jobs share, if they do.
    pub key: Option<CostKey>,
}

impl Group {
    /// The cost of each picture, when all are alike and the total known.
    pub fn per_picture(&self) -> Option<(CostKey, f64)> {
        let total = match self.cost {
            JobCost::Own(c) => c,
            JobCost::Together { total, .. } => total,
            _ => return None,
        };
        Some((self.key.clone()?, total / self.jobs.len() as f64))
    }
}

fn end(span: &Span) -> f64 {
    span.ended.unwrap_or(f64::INFINITY)
}

/// Splits the jobs into groups that readings separate, and gives each its
/// cost. Readings and spans may come in any order.
pub fn attribute(readings: &[Reading], spans: &[Span]) -> Vec<Group> {
    let mut spans: Vec<&Span> = spans.iter().collect();
    sort_by_number(&mut spans, |s| s.sent);
    // A reading separates what ended before it went out from what was
    // sent after its answer came.
    let separates = |ended: f64, next_sent: f64| {
        readings
            .iter()
            .any(|r| r.sent >= ended && r.got <= next_sent)
    };
    let mut bounds: Vec<(f64, f64, Vec<&Span>)> = Vec::new();
    for span in spans {
        match bounds.last_mut() {
            Some((_, last_end, members)) if !separates(*last_end, span.sent) => {
                *last_end = last_end.max(end(span));
                members.push(span);
            }
            _ => bounds.push((span.sent, end(span), vec![span])),
        }
    }
    let others = |members: &[&Span], from: f64, to: f64, all: &[(f64, f64, Vec<&Span>)]| {
        all.iter()
            .flat_map(|(_, _, m)| m.iter())
            .filter(|s| !members.iter().any(|m| m.id == s.id))
            .any(|s| s.sent < to && end(s) > from)
    };
    bounds
        .iter()
        .map(|(start, stop, members)| {
            let key = members
                .first()
                .map(|m| m.key.clone())
                .filter(|k| members.iter().all(|m| m.key == *k));
            let before = readings
                .iter()
                .filter(|r| r.got <= *start)
                .max_by(|a, b| a.got.total_cmp(&b.got));
            let after = readings
                .iter()
                .filter(|r| r.sent >= *stop)
                .min_by(|a, b| a.sent.total_cmp(&b.sent));
            let cost = match (before, after) {
                _ if stop.is_infinite() => JobCost::Pending,
                (_, None) => JobCost::Pending,
                (None, Some(_)) => JobCost::Unknown,
                (Some(a), Some(b)) => match (a.balance, b.balance) {
                    (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                        let spent = ((x - y) * 100.0).round() / 100.0;
                        if spent < 0.0 || others(members, a.sent, b.got, &bounds) {
                            JobCost::Unknown
                        } else if members.len() == 1 {
                            JobCost::Own(spent)
                        } else {
                            JobCost::Together {
                                total: spent,
                                jobs: members.len(),
                            }
                        }
                    }
                    _ => JobCost::Unknown,
                },
            };
            Group {
                jobs: members.iter().map(|m| m.id.clone()).collect(),
                cost,
                key,
            }
        })
        .collect()
}

/// Each job's cost, from [`attribute`].
pub fn per_job(groups: &[Group]) -> HashMap<JobId, JobCost> {
    groups
        .iter()
        .flat_map(|g| g.jobs.iter().map(|id| (id.clone(), g.cost.clone())))
        .collect()
}

/// What the jobs cost over the readings: the sum of the balance's falls
/// between readings while one of `spans` was in flight. A fall with no job
/// in flight (spent elsewhere, or a balance set by hand) is not this
/// session's, and a top-up is not negative spend. `None` without a single
/// usable reading.
pub fn spent(readings: &[Reading], spans: &[Span]) -> Option<f64> {
    let mut sorted: Vec<&Reading> = readings
        .iter()
        .filter(|r| r.balance.is_some_and(f64::is_finite))
        .collect();
    sort_by_number(&mut sorted, |r| r.got);
    sorted.first()?;
    let total: f64 = sorted
        .windows(2)
        .filter(|pair| {
            spans
                .iter()
                .any(|s| s.sent < pair[1].got && end(s) > pair[0].sent)
        })
        .map(|pair| (pair[0].balance.unwrap_or(0.0) - pair[1].balance.unwrap_or(0.0)).max(0.0))
        // From +0: an empty `sum` of floats is -0, shown as "-0.00".
        .fold(0.0, |a, b| a + b);
    Some((total * 100.0).round() / 100.0)
}

/// The latest usable balance; `None` when there is none, or when the
/// latest reading had no usable number (it is not known any more).
pub fn balance(readings: &[Reading]) -> Option<f64> {
    readings
        .iter()
        .max_by(|a, b| a.got.total_cmp(&b.got))?
        .balance
        .filter(|b| b.is_finite())
}

/// Recent per-picture costs by model, size and steps; kept on this device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostBook {
    /// Least recently learned first.
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Entry {
    key: CostKey,
    /// Oldest first.
    costs: Vec<f64>,
}

impl CostBook {
    /// Costs kept per key.
    const RECENT: usize = 5;
    /// Keys kept.
    const KEYS: usize = 50;

    pub fn learn(&mut self, key: CostKey, per_picture: f64) {
        if !per_picture.is_finite() || per_picture < 0.0 {
            return;
        }
        let mut entry = match self.entries.iter().position(|e| e.key == key) {
            Some(i) => self.entries.remove(i),
            None => Entry {
                key,
                costs: Vec::new(),
            },
        };
        entry.costs.push((per_picture * 100.0).round() / 100.0);
        if entry.costs.len() > Self::RECENT {
            entry.costs.remove(0);
        }
        self.entries.push(entry);
        if self.entries.len() > Self::KEYS {
            self.entries.remove(0);
        }
    }

    /// The median of the recent costs of one picture like this.
    pub fn per_picture(&self, key: &CostKey) -> Option<f64> {
        let entry = self.entries.iter().find(|e| e.key == *key)?;
        let mut costs: Vec<f64> = entry
            .costs
            .iter()
            .copied()
            .filter(|c| c.is_finite())
            .collect();
        if costs.is_empty() {
            return None;
        }
        sort_by_number(&mut costs, |c| *c);
        let mid = costs.len() / 2;
        Some(if costs.len() % 2 == 1 {
            costs[mid]
        } else {
            (costs[mid - 1] + costs[mid]) / 2.0
        })
    }

    /// What `count` pictures like this should cost.
    pub fn expected(&self, key: &CostKey, count: u32) -> Option<f64> {
        self.per_picture(key)
            .map(|c| (c * f64::from(count) * 100.0).round() / 100.0)
    }
}

/// Whether a batch should be confirmed before it is sent: its expected
/// cost is over the balance, or nothing is left.
pub fn needs_confirmation(balance: Option<f64>, expected: Option<f64>) -> bool {
    match (balance, expected) {
        (Some(b), _) if b <= 0.0 => true,
        (Some(b), Some(e)) => e > b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(steps: u32) -> CostKey {
        CostKey {
            model: "original".into(),
            width: 768,
            height: 512,
            steps,
        }
    }

    fn span(id: &str, sent: f64, ended: Option<f64>) -> Span {
        Span {
            id: JobId(id.into()),
            key: key(28),
            sent,
            ended,
        }
    }

    fn read(at: f64, balance: f64) -> Reading {
        Reading {
            sent: at,
            got: at + 50.0,
            balance: Some(balance),
        }
    }

    fn cost_of(groups: &[Group], id: &str) -> JobCost {
        per_job(groups)[&JobId(id.into())].clone()
    }

    #[test]
    fn a_job_alone_between_two_readings_has_its_own_cost() {
        let groups = attribute(
            &[read(0.0, 100.0), read(10_000.0, 98.5)],
            &[span("a", 1_000.0, Some(7_000.0))],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Own(1.5));
        assert_eq!(groups[0].per_picture(), Some((key(28), 1.5)));
    }

    #[test]
    fn jobs_in_flight_together_share_a_total() {
        let groups = attribute(
            &[read(0.0, 100.0), read(20_000.0, 94.0)],
            &[
                span("a", 1_000.0, Some(7_000.0)),
                span("b", 1_000.0, Some(8_000.0)),
                span("c", 6_000.0, Some(15_000.0)),
                span("d", 9_000.0, Some(16_000.0)),
            ],
        );
        for id in ["a", "b", "c", "d"] {
            assert_eq!(
                cost_of(&groups, id),
                JobCost::Together {
                    total: 6.0,
                    jobs: 4
                }
            );
        }
        assert_eq!(groups[0].per_picture(), Some((key(28), 1.5)));
    }

    #[test]
    fn a_reading_between_jobs_separates_them() {
        let groups = attribute(
            &[read(0.0, 100.0), read(8_000.0, 98.5), read(20_000.0, 95.5)],
            &[
                span("a", 1_000.0, Some(7_000.0)),
                span("b", 9_000.0, Some(15_000.0)),
            ],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Own(1.5));
        assert_eq!(cost_of(&groups, "b"), JobCost::Own(3.0));
        let readings = [read(0.0, 100.0), read(8_000.0, 98.5), read(20_000.0, 95.5)];
        let spans = [
            span("a", 1_000.0, Some(7_000.0)),
            span("b", 9_000.0, Some(15_000.0)),
        ];
        assert_eq!(spent(&readings, &spans), Some(4.5));
        // A fall while nothing of ours ran is not ours.
        assert_eq!(spent(&readings, &spans[..1]), Some(1.5));
        assert_eq!(spent(&readings[..1], &spans), Some(0.0));
        assert!(spent(&readings[..1], &spans).unwrap().is_sign_positive());
    }

    #[test]
    fn a_reading_in_flight_when_the_next_job_is_sent_does_not_separate() {
        // The middle reading went out after `a` ended, but its answer came
        // after `b` was sent: it may already include `b`.
        let groups = attribute(
            &[
                read(0.0, 100.0),
                Reading {
                    sent: 7_500.0,
                    got: 9_500.0,
                    balance: Some(98.5),
                },
                read(20_000.0, 95.5),
            ],
            &[
                span("a", 1_000.0, Some(7_000.0)),
                span("b", 9_000.0, Some(15_000.0)),
            ],
        );
        assert_eq!(
            cost_of(&groups, "a"),
            JobCost::Together {
                total: 4.5,
                jobs: 2
            }
        );
    }

    #[test]
    fn running_jobs_and_jobs_without_a_later_reading_are_pending() {
        let groups = attribute(
            &[read(0.0, 100.0)],
            &[span("a", 1_000.0, None), span("b", 1_000.0, Some(5_000.0))],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Pending);
        assert_eq!(cost_of(&groups, "b"), JobCost::Pending);
        let groups = attribute(&[read(0.0, 100.0)], &[span("c", 1_000.0, Some(5_000.0))]);
        assert_eq!(cost_of(&groups, "c"), JobCost::Pending);
    }

    #[test]
    fn what_cannot_be_known_is_unknown_never_nan() {
        // No reading before the job.
        let groups = attribute(
            &[read(10_000.0, 98.5)],
            &[span("a", 1_000.0, Some(7_000.0))],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Unknown);
        // A balance that was missing or not a number.
        let blank = Reading {
            sent: 10_000.0,
            got: 10_050.0,
            balance: None,
        };
        let groups = attribute(
            &[read(0.0, 100.0), blank],
            &[span("a", 1_000.0, Some(7_000.0))],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Unknown);
        let nan = Reading {
            balance: Some(f64::NAN),
            ..blank
        };
        let groups = attribute(
            &[read(0.0, 100.0), nan],
            &[span("a", 1_000.0, Some(7_000.0))],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Unknown);
        // A top-up meanwhile.
        let groups = attribute(
            &[read(0.0, 100.0), read(10_000.0, 600.0)],
            &[span("a", 1_000.0, Some(7_000.0))],
        );
        assert_eq!(cost_of(&groups, "a"), JobCost::Unknown);
        assert_eq!(balance(&[read(0.0, 100.0), blank]), None);
        assert_eq!(balance(&[read(0.0, 100.0)]), Some(100.0));
        let all = [span("a", 0.0, Some(30_000.0))];
        assert_eq!(spent(&[blank], &all), None);
        assert_eq!(
            spent(&[read(0.0, 100.0), blank, read(20_000.0, 97.0)], &all),
            Some(3.0)
        );
        assert_eq!(
            spent(
                &[read(0.0, 100.0), read(1.0, 600.0), read(2.0, 599.0)],
                &all
            ),
            Some(1.0)
        );
    }

    #[test]
    fn jobs_of_different_kinds_together_teach_nothing_per_picture() {
        let mut b = span("b", 1_000.0, Some(8_000.0));
        b.key = key(40);
        let groups = attribute(
            &[read(0.0, 100.0), read(20_000.0, 95.5)],
            &[span("a", 1_000.0, Some(7_000.0)), b],
        );
        assert_eq!(
            groups[0].cost,
            JobCost::Together {
                total: 4.5,
                jobs: 2
            }
        );
        assert_eq!(groups[0].per_picture(), None);
    }

    #[test]
    fn the_book_remembers_recent_costs_and_estimates_batches() {
        let mut book = CostBook::default();
        assert_eq!(book.expected(&key(28), 4), None);
        book.learn(key(28), 1.5);
        book.learn(key(28), 1.5);
        book.learn(key(28), 9.0);
        assert_eq!(book.per_picture(&key(28)), Some(1.5), "the median");
        assert_eq!(book.expected(&key(28), 4), Some(6.0));
        assert_eq!(book.expected(&key(40), 4), None, "other steps: not known");
        book.learn(key(40), f64::NAN);
        assert_eq!(book.per_picture(&key(40)), None);
        for _ in 0..10 {
            book.learn(key(40), 3.0);
        }
        assert_eq!(
            book.entries
                .iter()
                .find(|e| e.key == key(40))
                .unwrap()
                .costs
                .len(),
            5
        );
        for steps in 0..60 {
            book.learn(key(100 + steps), 1.0);
        }
        assert_eq!(book.entries.len(), 50);
        let json = serde_json::to_string(&book).unwrap();
        assert_eq!(serde_json::from_str::<CostBook>(&json).unwrap(), book);
    }

    #[test]
    fn confirmation_before_a_batch_over_the_balance() {
        assert!(needs_confirmation(Some(2.0), Some(3.0)));
        assert!(!needs_confirmation(Some(3.0), Some(3.0)));
        assert!(!needs_confirmation(Some(100.0), None));
        assert!(needs_confirmation(Some(0.0), None));
        assert!(!needs_confirmation(None, Some(3.0)));
    }
}
