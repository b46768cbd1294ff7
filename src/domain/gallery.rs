//! Finding pictures: the gallery's query (search text, filters, order),
//! how it reads in the page address (so the browser's Back works), and the
//! names pictures get when they are downloaded together.

use crate::api::JobType;

/// Which pictures, by when they were made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Period {
    #[default]
    All,
    Today,
    Week,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Newest,
    Oldest,
}

/// What the gallery shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Words that must all appear in the prompt (as text: no patterns).
    pub text: String,
    pub model: Option<String>,
    pub favourites: bool,
    pub kind: Option<JobType>,
    pub period: Period,
    pub order: Order,
}

/// What the query looks at in one picture.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub prompt: &'a str,
    pub model: &'a str,
    pub favourite: bool,
    pub kind: JobType,
    /// When it was made on this device's clock; `None` when unknown (the
    /// server's list gives a time with no year and no zone).
    pub made_ms: Option<f64>,
}

impl Query {
    pub fn is_default(&self) -> bool {
        *self == Query::default()
    }

    /// Whether a picture matches. `since` is the start of the chosen
    /// period on this device's clock (the caller knows the time zone).
    pub fn matches(&self, f: &Facts, since: Option<f64>) -> bool {
        if self.favourites && !f.favourite {
            return false;
        }
        if self.model.as_deref().is_some_and(|m| m != f.model) {
            return false;
        }
        if self.kind.is_some_and(|k| k != f.kind) {
            return false;
        }
        if let Some(since) = since.filter(|_| self.period != Period::All) {
            if f.made_ms.is_none_or(|t| t < since) {
                return false;
            }
        }
        let prompt = f.prompt.to_lowercase();
        self.words().all(|w| prompt.contains(&w))
    }

    fn words(&self) -> impl Iterator<Item = String> + '_ {
        self.text
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
    }

    /// The query as the page address's fragment (`#gallery?…`); empty for
    /// the default query. Only the query: never a setting or a key.
    pub fn to_fragment(&self, at: usize) -> String {
        let mut parts = Vec::new();
        if !self.text.trim().is_empty() {
            parts.push(format!("q={}", encode(self.text.trim())));
        }
        if let Some(m) = &self.model {
            parts.push(format!("model={}", encode(m)));
        }
        if self.favourites {
            parts.push("fav=1".into());
        }
        match self.kind {
            Some(JobType::Text2Image) => parts.push("kind=t2i".into()),
            Some(JobType::Image2Image) => parts.push("kind=i2i".into()),
            None => {}
        }
        match self.period {
            Period::Today => parts.push("when=today".into()),
            Period::Week => parts.push("when=week".into()),
            Period::All => {}
        }
        if self.order == Order::Oldest {
            parts.push("sort=old".into());
        }
        if at > 0 {
            parts.push(format!("at={at}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("{FRAGMENT}?{}", parts.join("&"))
        }
    }

    /// Reads a fragment written by [`Query::to_fragment`] (with or without
    /// `#`): the query and the position to scroll to. `None` when the
    /// fragment is not the gallery's. Unknown parts are ignored.
    pub fn from_fragment(fragment: &str) -> Option<(Query, usize)> {
        let rest = fragment.trim_start_matches('#').strip_prefix(FRAGMENT)?;
        let rest = rest.strip_prefix('?').unwrap_or(rest);
        let mut q = Query::default();
        let mut at = 0;
        for pair in rest.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v);
            match k {
                "q" => q.text = v,
                "model" if !v.is_empty() => q.model = Some(v),
                "fav" => q.favourites = v == "1",
                "kind" => {
                    q.kind = match v.as_str() {
                        "t2i" => Some(JobType::Text2Image),
                        "i2i" => Some(JobType::Image2Image),
                        _ => None,
                    }
                }
                "when" => {
                    q.period = match v.as_str() {
                        "today" => Period::Today,
                        "week" => Period::Week,
                        _ => Period::All,
                    }
                }
                "sort" => {
                    q.order = if v == "old" {
                        Order::Oldest
                    } else {
                        Order::Newest
                    }
                }
                "at" => at = v.parse().unwrap_or(0),
                _ => {}
            }
        }
        Some((q, at))
    }
}

/// The gallery's part of the page address (`#gallery?…`).
pub const FRAGMENT: &str = "gallery";

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? * 16 + hex(*bytes.get(i + 2)?)?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file name of a downloaded picture: the date it was made, its seed
/// and the first words of its prompt, e.g.
/// `2026-11-25_1234567_a-red-fox-in-snow.jpg`. `date` is `YYYY-MM-DD` or
/// empty when unknown. Letters of every script are kept; anything a file
/// system could dislike becomes `-`.
pub fn export_name(date: &str, seed: u32, prompt: &str, ext: &str) -> String {
    let mut words = String::new();
    for word in prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let next = if words.is_empty() {
            word.to_lowercase()
        } else {
            format!("{words}-{}", word.to_lowercase())
        };
        if next.chars().count() > 40 {
            break;
        }
        words = next;
    }
    let mut name = String::new();
    if !date.is_empty() {
        name.push_str(date);
        name.push('_');
    }
    name.push_str(&seed.to_string());
    if !words.is_empty() {
        name.push('_');
        name.push_str(&words);
    }
    format!("{name}.{ext}")
}

/// Makes names unique within one download: a second `x.jpg` becomes
/// `x-2.jpg`.
pub fn unique_names(names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    names
        .into_iter()
        .map(|name| {
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                name
            } else {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((&name, ""));
                format!("{stem}-{}.{ext}", n)
            }
        })
        .collect()
}

/// A storage size for people: whole megabytes, or gigabytes with one
/// decimal from 1 GB (integer arithmetic: no float formatting in the build).
pub fn size_words(bytes: f64) -> String {
    const MB: u64 = 1_000_000;
    let bytes = if bytes.is_finite() && bytes > 0.0 {
        bytes as u64
    } else {
        0
    };
    if bytes >= 1000 * MB {
        let tenths = (bytes + 50 * MB) / (100 * MB);
        format!("{}.{} GB", tenths / 10, tenths % 10)
    } else {
        format!("{} MB", bytes.div_ceil(MB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(prompt: &str) -> Facts<'_> {
        Facts {
            prompt,
            model: "original",
            favourite: false,
            kind: JobType::Text2Image,
            made_ms: Some(1_000.0),
        }
    }

    #[test]
    fn words_must_all_appear_as_text() {
        let q = Query {
            text: "Red fox".into(),
            ..Query::default()
        };
        assert!(q.matches(&facts("a red fox in snow"), None));
        assert!(!q.matches(&facts("a red cat"), None));
        // Regex characters are text.
        let odd = Query {
            text: "(smile:1.2)".into(),
            ..Query::default()
        };
        assert!(odd.matches(&facts("1girl, (smile:1.2)"), None));
        assert!(!odd.matches(&facts("1girl, smile"), None));
        let chinese = Query {
            text: "长发，微笑".into(),
            ..Query::default()
        };
        assert!(chinese.matches(&facts("长发，微笑，樱花"), None));
    }

    #[test]
    fn filters_combine() {
        let mut f = facts("x");
        let q = Query {
            favourites: true,
            ..Query::default()
        };
        assert!(!q.matches(&f, None));
        f.favourite = true;
        assert!(q.matches(&f, None));
        let model = Query {
            model: Some("anime".into()),
            ..Query::default()
        };
        assert!(!model.matches(&f, None));
        let i2i = Query {
            kind: Some(JobType::Image2Image),
            ..Query::default()
        };
        assert!(!i2i.matches(&f, None));
        let today = Query {
            period: Period::Today,
            ..Query::default()
        };
        assert!(today.matches(&f, Some(500.0)));
        assert!(!today.matches(&f, Some(5_000.0)));
        f.made_ms = None;
        assert!(!today.matches(&f, Some(500.0)), "unknown time is not today");
        assert!(Query::default().matches(&f, Some(5_000.0)));
    }

    #[test]
    fn the_query_round_trips_through_the_fragment() {
        let q = Query {
            text: "red fox & 长发?#".into(),
            model: Some("anything-v5".into()),
            favourites: true,
            kind: Some(JobType::Image2Image),
            period: Period::Week,
            order: Order::Oldest,
        };
        let fragment = q.to_fragment(240);
        assert!(
            !fragment.contains('#') && !fragment.contains(' '),
            "{fragment}"
        );
        assert_eq!(
            Query::from_fragment(&format!("#{fragment}")),
            Some((q, 240))
        );
        assert_eq!(Query::default().to_fragment(0), "");
        assert_eq!(
            Query::from_fragment("#p=abc"),
            None,
            "a share link is not ours"
        );
        assert_eq!(
            Query::from_fragment("gallery?junk=1&at=x&q=%ZZ"),
            Some((
                Query {
                    text: "%ZZ".into(),
                    ..Query::default()
                },
                0
            ))
        );
    }

    #[test]
    fn export_names_say_date_seed_and_prompt() {
        assert_eq!(
            export_name("2026-11-25", 1234567, "A red fox, in the snow!", "jpg"),
            "2026-11-25_1234567_a-red-fox-in-the-snow.jpg"
        );
        assert_eq!(
            export_name("", 7, "长发，微笑 <lora:x:0.5> ../../etc", "txt"),
            "7_长发-微笑-lora-x-0-5-etc.txt"
        );
        let long = export_name("2026-01-01", 1, &"word ".repeat(30), "jpg");
        assert!(long.len() < 70, "{long}");
        assert_eq!(export_name("2026-01-01", 3, "", "jpg"), "2026-01-01_3.jpg");
        assert_eq!(
            unique_names(vec![
                "a.jpg".into(),
                "a.jpg".into(),
                "b.jpg".into(),
                "a.jpg".into()
            ]),
            ["a.jpg", "a-2.jpg", "b.jpg", "a-3.jpg"]
        );
    }

    #[test]
    fn sizes_read_as_megabytes_then_gigabytes() {
        assert_eq!(size_words(0.0), "0 MB");
        assert_eq!(size_words(1.0), "1 MB");
        assert_eq!(size_words(2_500_000.0), "3 MB");
        assert_eq!(size_words(999_000_000.0), "999 MB");
        assert_eq!(size_words(1_000_000_000.0), "1.0 GB");
        assert_eq!(size_words(12_345_000_000.0), "12.3 GB");
        assert_eq!(size_words(f64::NAN), "0 MB");
    }
}
