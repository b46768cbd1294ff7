//! Generation jobs: identifiers, their time-driven lifecycle, and their
//! JSON form.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::catalog::DEFAULT_NEGATIVE;
use crate::jpeg::mix;
use crate::validate::Accepted;

/// A small PRNG; identifiers only need to look random and not collide.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn from_clock() -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng(nanos)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0)
    }

    fn string(&mut self, len: usize, alphabet: &[u8]) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }

    pub(crate) fn alnum(&mut self, len: usize) -> String {
        self.string(len, b"0123456789abcdefghijklmnopqrstuvwxyz")
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.string(len, b"0123456789abcdef")
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `MM-DD hh:mm:ss` in China Standard Time: the real server's timestamps
/// line up with UTC+8 (its example image URL carries the epoch millis).
pub(crate) fn stamp(unix_secs: u64) -> String {
    let t = unix_secs + 8 * 3600;
    let (days, secs) = (t / 86_400, t % 86_400);
    // Howard Hinnant's days-to-civil, restricted to dates after 1970.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!(
        "{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Phase {
    Created,
    Running,
    Done,
}

pub(crate) struct Job {
    pub key: String,
    pub id: String,
    pub hashid: String,
    pub metaid: String,
    /// Everything but `jpg`, which depends on the phase.
    pub metadata: Map<String, Value>,
    pub seed: u64,
    pub width: u32,
    pub height: u32,
    pub born: Instant,
    pub born_unix: u64,
    /// `#fail` in the prompts: ends in "failed".
    pub fails: bool,
    /// `#weird` in the prompts: an unknown in-progress status.
    pub weird: bool,
    /// Seeded history is finished from the start.
    pub finished: bool,
    /// Forgotten by the API; the CDN still has the picture.
    pub forgotten: bool,
}

fn created_phase(duration: Duration) -> Duration {
    (duration / 4).min(Duration::from_millis(500))
}

impl Job {
    pub(crate) fn new(key: &str, req: &Accepted, rng: &mut Rng) -> Job {
        let negative = if req.negative.is_empty() {
            DEFAULT_NEGATIVE.to_owned()
        } else {
            format!("{},{DEFAULT_NEGATIVE}", req.negative)
        };
        let metadata = json!({
            "LoRAs": req.loras,
            "model": req.model,
            "width": req.width,
            "height": req.height,
            "type": req.kind,
            "prompts": req.prompts,
            "negativePrompts": negative,
            "sampling": req.sampling,
            "step": req.step,
            "cfg": req.cfg,
            "seed": req.seed,
            "batch": 1,
            "artboard": format!("{}x{}", req.width, req.height),
        });
        let Value::Object(metadata) = metadata else {
            unreachable!("json! of an object literal is an object")
        };
        Job {
            key: key.to_owned(),
            id: rng.alnum(7),
            hashid: rng.alnum(15),
            metaid: rng.hex(32),
            metadata,
            seed: req.seed,
            width: req.width,
            height: req.height,
            born: Instant::now(),
            born_unix: unix_now(),
            fails: req.prompts.contains("#fail"),
            weird: req.prompts.contains("#weird"),
            finished: false,
            forgotten: false,
        }
    }

    pub(crate) fn phase(&self, now: Instant, duration: Duration) -> Phase {
        let age = now.saturating_duration_since(self.born);
        if self.finished || age >= duration {
            Phase::Done
        } else if age >= created_phase(duration) {
            Phase::Running
        } else {
            Phase::Created
        }
    }

    /// Whether the CDN has the picture.
    pub(crate) fn image_ready(&self, now: Instant, duration: Duration) -> bool {
        !self.fails && self.phase(now, duration) == Phase::Done
    }

    /// The API's view of the job. In a list, entries without a picture
    /// carry `"jpg": ""` as the real list does.
    pub(crate) fn to_json(
        &self,
        now: Instant,
        duration: Duration,
        cdn_url: &str,
        listing: bool,
    ) -> Value {
        self.view(self.phase(now, duration), duration, cdn_url, listing)
    }

    /// The answer to the submission itself, which the real API gives as
    /// "created" whatever happens next (even with a zero job duration).
    pub(crate) fn submitted_json(&self, cdn_url: &str) -> Value {
        let mut view = self.view(Phase::Created, Duration::ZERO, cdn_url, false);
        view["status"] = Value::from("created");
        view
    }

    fn view(&self, phase: Phase, duration: Duration, cdn_url: &str, listing: bool) -> Value {
        const WEIRD: &str = "queued_on_node_7";
        let (status, jpg, updated) = match phase {
            Phase::Created => (if self.weird { WEIRD } else { "created" }, None, 0),
            Phase::Running => (
                if self.weird { WEIRD } else { "generating" },
                Some(String::new()),
                created_phase(duration).as_secs(),
            ),
            Phase::Done if self.fails => ("failed", None, duration.as_secs()),
            Phase::Done => (
                "generated",
                Some(format!("{cdn_url}/outputs/{}.jpg", self.hashid)),
                if self.finished { 6 } else { duration.as_secs() },
            ),
        };
        let mut metadata = self.metadata.clone();
        match jpg {
            Some(jpg) => {
                metadata.insert("jpg".into(), Value::String(jpg));
            }
            None if listing => {
                metadata.insert("jpg".into(), Value::String(String::new()));
            }
            None => {}
        }
        json!({
            "id": self.id,
            "hashid": self.hashid,
            "metaid": self.metaid,
            "status": status,
            "metadata": metadata,
            "userId": 2,
            "createdAt": stamp(self.born_unix),
            "updatedAt": stamp(self.born_unix + updated),
        })
    }
}

/// `count` finished jobs for the history, oldest first, five minutes apart,
/// the newest five minutes before `before_unix`.
pub(crate) fn history(key: &str, count: usize, before_unix: u64, rng: &mut Rng) -> Vec<Job> {
    const SIZES: [(u32, u32); 3] = [(768, 512), (512, 768), (512, 512)];
    const SUBJECTS: [&str; 5] = [
        "礼花，气球，红色瞳孔，小巷，看着观众，城市，浮世绘，头发飘起，",
        "1girl, solo, long hair, cherry blossoms, smile",
        "landscape, mountains, lake, sunset, no humans",
        "cat, window, rain, cozy room, warm light",
        "cyberpunk street, neon, night, reflections",
    ];
    (0..count)
        .map(|i| {
            let (width, height) = SIZES[i % SIZES.len()];
            let req = Accepted {
                kind: "text2image",
                prompts: SUBJECTS[i % SUBJECTS.len()].to_owned(),
                negative: String::new(),
                step: 28,
                cfg: 12.into(),
                seed: rng.next() % (u64::from(u32::MAX) + 1),
                sampling: "DPM++ 2M Karras".to_owned(),
                width,
                height,
                model: "original".to_owned(),
                loras: Vec::new(),
            };
            let mut job = Job::new(key, &req, rng);
            job.finished = true;
            job.born_unix = before_unix.saturating_sub(300 * (count - i) as u64);
            job
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_is_china_time() {
        // The real example: image made at 1691278224754 ms, createdAt 08-06 07:30:20.
        assert_eq!(stamp(1_691_278_220), "08-06 07:30:20");
        assert_eq!(stamp(0), "01-01 08:00:00");
        // 2024-02-29T16:00:00Z is already March 1st in China.
        assert_eq!(stamp(1_709_222_400), "03-01 00:00:00");
    }

    #[test]
    fn identifiers_have_their_shapes() {
        let mut rng = Rng::from_clock();
        let id = rng.alnum(15);
        assert_eq!(id.len(), 15);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        assert!(rng.hex(32).bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(rng.alnum(15), rng.alnum(15));
    }
}
