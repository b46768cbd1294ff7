//! The lists of job ids the views read: all jobs, the unfinished ones and
//! the pictures, each newest first. Plain Rust (tested natively): the
//! store keeps one `Lists` in a signal, which changes only when a job
//! comes, goes or changes kind, never when a job merely makes progress.

use std::collections::HashMap;

use crate::domain::job::{Job, JobId, JobState};
use crate::domain::order::sort_by_number;

/// What a job is, as far as the lists care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// Queued, being sent, or waiting on the server.
    #[default]
    Unfinished,
    /// Finished with a picture.
    Picture,
    /// Finished without one (failed, cancelled, timed out).
    Ended,
}

impl Kind {
    pub fn of(job: &Job) -> Kind {
        match &job.state {
            s if !s.is_final() => Kind::Unfinished,
            JobState::Generated if job.image_url.is_some() => Kind::Picture,
            _ => Kind::Ended,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Entry {
    queued_at: f64,
    kind: Kind,
    hashid: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lists {
    /// Every job, newest first.
    pub all: Vec<JobId>,
    /// Jobs not finished, newest first.
    pub unfinished: Vec<JobId>,
    /// Jobs with a picture, newest first.
    pub pictures: Vec<JobId>,
    entries: HashMap<JobId, Entry>,
    by_hashid: HashMap<String, JobId>,
}

impl Lists {
    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    pub fn contains(&self, id: &JobId) -> bool {
        self.entries.contains_key(id)
    }

    pub fn kind(&self, id: &JobId) -> Option<Kind> {
        self.entries.get(id).map(|e| e.kind)
    }

    /// The job on this device with the server's `hashid`.
    pub fn by_hashid(&self, hashid: &str) -> Option<&JobId> {
        self.by_hashid.get(hashid)
    }

    /// Adds or updates jobs. Returns whether the lists changed (a job that
    /// only made progress within its kind changes nothing here).
    pub fn put<'a>(&mut self, jobs: impl IntoIterator<Item = &'a Job>) -> bool {
        let mut added = false;
        let mut regrouped = false;
        for job in jobs {
            let entry = Entry {
                queued_at: job.queued_at,
                kind: Kind::of(job),
                hashid: job.hashid.clone(),
            };
            if let Some(h) = &entry.hashid {
                self.by_hashid.insert(h.clone(), job.id.clone());
            }
            match self.entries.insert(job.id.clone(), entry.clone()) {
                None => {
                    self.all.push(job.id.clone());
                    added = true;
                }
                Some(old) if old.kind != entry.kind || old.queued_at != entry.queued_at => {
                    regrouped = true
                }
                Some(_) => {}
            }
        }
        if added {
            let entries = &self.entries;
            // Newest first; the id breaks ties (a batch shares one time):
            // ids in descending order, then a stable sort by time.
            self.all.sort();
            self.all.reverse();
            sort_by_number(&mut self.all, |id| -entries[id].queued_at);
        }
        if added || regrouped {
            self.regroup();
        }
        added || regrouped
    }

    pub fn remove(&mut self, ids: &[JobId]) -> bool {
        let mut changed = false;
        for id in ids {
            if let Some(e) = self.entries.remove(id) {
                if let Some(h) = e.hashid {
                    self.by_hashid.remove(&h);
                }
                changed = true;
            }
        }
        if changed {
            let entries = &self.entries;
            self.all.retain(|id| entries.contains_key(id));
            self.regroup();
        }
        changed
    }

    fn regroup(&mut self) {
        let of = |kind: Kind| {
            self.all
                .iter()
                .filter(|id| self.entries[*id].kind == kind)
                .cloned()
                .collect::<Vec<_>>()
        };
        self.unfinished = of(Kind::Unfinished);
        self.pictures = of(Kind::Picture);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{GenerateRequest, JobType};

    fn job(id: &str, at: f64, state: JobState) -> Job {
        let request = GenerateRequest {
            kind: JobType::Text2Image,
            prompts: String::new(),
            negative_prompts: String::new(),
            step: 1,
            cfg: 1.0,
            seed: 1,
            sampling: String::new(),
            width: 8,
            height: 8,
            model: String::new(),
            loras: vec![],
            image: None,
        };
        let mut j = Job::new(JobId(id.into()), request, at);
        j.state = state;
        if j.state == JobState::Generated {
            j.image_url = Some("https://cdn/x.jpg".into());
        }
        j
    }

    fn ids(v: &[JobId]) -> Vec<&str> {
        v.iter().map(JobId::as_str).collect()
    }

    #[test]
    fn newest_first_by_kind_and_only_kind_changes_count() {
        let mut l = Lists::default();
        let a = job("a", 1.0, JobState::Generated);
        let mut b = job("b", 2.0, JobState::Created);
        let c = job("c", 3.0, JobState::Queued);
        assert!(l.put([&a, &b, &c]));
        assert_eq!(ids(&l.all), ["c", "b", "a"]);
        assert_eq!(ids(&l.unfinished), ["c", "b"]);
        assert_eq!(ids(&l.pictures), ["a"]);

        b.state = JobState::Running("generating".into());
        assert!(!l.put([&b]), "progress within a kind");
        b.state = JobState::Generated;
        b.image_url = Some("https://cdn/b.jpg".into());
        b.hashid = Some("hb".into());
        assert!(l.put([&b]));
        assert_eq!(ids(&l.unfinished), ["c"]);
        assert_eq!(ids(&l.pictures), ["b", "a"]);
        assert_eq!(l.by_hashid("hb").map(JobId::as_str), Some("b"));

        assert!(l.remove(&[JobId("b".into())]));
        assert!(!l.remove(&[JobId("b".into())]));
        assert_eq!(ids(&l.all), ["c", "a"]);
        assert_eq!(l.by_hashid("hb"), None);
    }

    #[test]
    fn a_batch_sharing_one_time_keeps_a_stable_order() {
        let mut l = Lists::default();
        let batch: Vec<Job> = ["x1", "x3", "x2"]
            .iter()
            .map(|id| job(id, 5.0, JobState::Queued))
            .collect();
        l.put(batch.iter());
        assert_eq!(ids(&l.all), ["x3", "x2", "x1"]);
        let mut again = Lists::default();
        again.put(batch.iter().rev());
        assert_eq!(again.all, l.all);
    }

    #[test]
    fn ten_thousand_jobs_load_in_one_sort() {
        let mut l = Lists::default();
        let many: Vec<Job> = (0..10_000)
            .map(|i| job(&format!("j{i:05}"), i as f64, JobState::Generated))
            .collect();
        assert!(l.put(many.iter()));
        assert_eq!(l.len(), 10_000);
        assert_eq!(l.all[0].as_str(), "j09999");
        assert_eq!(l.pictures.len(), 10_000);
    }
}
