//! AUTOMATIC1111's "parameters" text, the form most Stable Diffusion front
//! ends and image sites copy and paste settings in: written so a job can be
//! taken elsewhere, read so a job from elsewhere fills the form.
//!
//! ```text
//! 礼花，气球, <lora:bocchi:0.6>
//! Negative prompt: lowres, bad anatomy
//! Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 12, Seed: 218506577, Size: 768x512, Model: original
//! ```

use crate::api::GenerateRequest;
use crate::domain::params::{size_value, trim_float, Draft, DraftLora};

/// The text for a request, with its LoRAs as `<lora:id:weight>` tags at
/// the end of the prompt (weights as fractions: 60 is 0.6).
pub fn to_text(r: &GenerateRequest) -> String {
    let mut out = r.prompts.trim().to_string();
    let tags: Vec<String> = r
        .loras
        .iter()
        .filter(|l| !l.id.trim().is_empty())
        .map(|l| {
            format!(
                "<lora:{}:{}>",
                l.id.trim(),
                trim_float(f64::from(l.weight) / 100.0)
            )
        })
        .collect();
    if !tags.is_empty() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&tags.join(", "));
    }
    let negative = r.negative_prompts.trim();
    if !negative.is_empty() {
        out.push_str("\nNegative prompt: ");
        out.push_str(negative);
    }
    let mut params = vec![format!("Steps: {}", r.step)];
    if !r.sampling.trim().is_empty() {
        params.push(format!("Sampler: {}", quote(r.sampling.trim())));
    }
    params.push(format!("CFG scale: {}", trim_float(r.cfg)));
    params.push(format!("Seed: {}", r.seed));
    params.push(format!("Size: {}x{}", r.width, r.height));
    if !r.model.trim().is_empty() {
        params.push(format!("Model: {}", quote(r.model.trim())));
    }
    out.push('\n');
    out.push_str(&params.join(", "));
    out
}

/// A1111 quotes a value (as JSON) only when it would break the line's
/// `Key: value, ` structure.
fn quote(value: &str) -> String {
    if value.contains([',', ':', '\n', '"']) {
        crate::json::to_string(value).unwrap_or_else(|_| value.to_string())
    } else {
        value.to_string()
    }
}

/// What a parameters text says; `None`/empty where it says nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub prompts: Option<String>,
    pub negative: Option<String>,
    pub steps: Option<u32>,
    pub sampler: Option<String>,
    pub cfg: Option<f64>,
    pub seed: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub model: Option<String>,
    /// LoRA ids with weights as percentages (0..=100), in prompt order.
    pub loras: Vec<(String, u32)>,
}

/// Keys that may start a parameters line. A1111 always starts with
/// `Steps`; other tools and hand edits reorder, so any well-known key will do.
const LINE_KEYS: &[&str] = &[
    "steps",
    "sampler",
    "schedule type",
    "cfg scale",
    "seed",
    "size",
    "model",
    "model hash",
    "clip skip",
    "denoising strength",
    "vae",
    "vae hash",
    "version",
    "eta",
    "ensd",
    "hires upscale",
    "hires steps",
    "hires upscaler",
    "lora hashes",
    "ti hashes",
];

const NEGATIVE_MARKER: &str = "negative prompt";

#[derive(PartialEq)]
enum Section {
    Prompt,
    Negative,
    Params,
}

/// Reads a parameters text; `None` unless it has a `Negative prompt:` line
/// or a parameters line with `Steps:`, so ordinary prose is never mistaken
/// for settings.
pub fn parse(text: &str) -> Option<Parsed> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut prompt_lines = Vec::new();
    let mut negative_lines: Vec<&str> = Vec::new();
    let mut has_negative = false;
    let mut has_steps = false;
    let mut schedule: Option<String> = None;
    let mut parsed = Parsed::default();
    let mut section = Section::Prompt;
    for line in text.lines() {
        if let Some(rest) = negative_line(line) {
            has_negative = true;
            section = Section::Negative;
            negative_lines.push(rest);
            continue;
        }
        if starts_with_line_key(line) {
            section = Section::Params;
            for (key, value) in pairs(line) {
                let value = value.trim();
                match key.to_ascii_lowercase().as_str() {
                    "steps" => {
                        has_steps = true;
                        parsed.steps = value.parse().ok();
                    }
                    "sampler" => parsed.sampler = non_empty(value),
                    "schedule type" => schedule = non_empty(value),
                    "cfg scale" => parsed.cfg = value.parse().ok().filter(|v: &f64| v.is_finite()),
                    "seed" => parsed.seed = value.parse().ok(),
                    "size" => {
                        let size = parse_size(value);
                        parsed.width = size.map(|s| s.0);
                        parsed.height = size.map(|s| s.1);
                    }
                    "model" => parsed.model = non_empty(value),
                    _ => {}
                }
            }
            continue;
        }
        match section {
            Section::Prompt => prompt_lines.push(line),
            Section::Negative => negative_lines.push(line),
            // Wrapped or unknown trailing lines carry nothing we use.
            Section::Params => {}
        }
    }
    if !has_negative && !has_steps {
        return None;
    }
    let (prompt, loras) = strip_lora_tags(&prompt_lines.join("\n"));
    parsed.prompts = non_empty(&prompt);
    parsed.loras = loras;
    if has_negative {
        parsed.negative = Some(negative_lines.join("\n").trim().to_string());
    } else if parsed.prompts.is_some() {
        // A whole A1111 block (prompt and Steps line) omits the line when
        // the negative prompt is empty: the text does name it, as empty.
        parsed.negative = Some(String::new());
    }
    // A1111 1.9+ writes "Sampler: DPM++ 2M, Schedule type: Karras"; Kamiya
    // knows the older combined names such as "DPM++ 2M Karras".
    if let (Some(sampler), Some(schedule)) = (&mut parsed.sampler, schedule) {
        let combined = ["karras", "exponential"].contains(&schedule.to_ascii_lowercase().as_str());
        if combined && !ends_with_ci(sampler, &schedule) {
            sampler.push(' ');
            sampler.push_str(&schedule);
        }
    }
    Some(parsed)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix))
}

/// `"768x512"`, also with spaces or `×`.
fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X', '×'])?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

/// The text after `Negative prompt:` (ASCII or full-width colon).
fn negative_line(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let head = line.get(..NEGATIVE_MARKER.len())?;
    if !head.eq_ignore_ascii_case(NEGATIVE_MARKER) {
        return None;
    }
    let rest = line[NEGATIVE_MARKER.len()..].trim_start();
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

fn starts_with_line_key(line: &str) -> bool {
    let line = line.trim_start();
    LINE_KEYS.iter().any(|key| {
        line.get(..key.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(key))
            && line[key.len()..].trim_start().starts_with(':')
    })
}

/// The `Key: value` pairs of a parameters line. Values may be JSON-quoted
/// to hold commas; text that is not a pair is skipped.
fn pairs(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        let Some(stop) = rest.find([':', ',']) else {
            break;
        };
        if rest[stop..].starts_with(',') {
            rest = &rest[stop..];
            continue;
        }
        let key = rest[..stop].trim().to_string();
        rest = rest[stop + 1..].trim_start();
        let value;
        if rest.starts_with('"') {
            match closing_quote(rest) {
                Some(end) => {
                    let quoted = &rest[..=end];
                    value = crate::json::from_str::<String>(quoted)
                        .unwrap_or_else(|_| quoted[1..end].to_string());
                    rest = &rest[end + 1..];
                    rest = &rest[rest.find(',').unwrap_or(rest.len())..];
                }
                None => {
                    value = rest[1..].to_string();
                    rest = "";
                }
            }
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.push((key, value));
    }
    out
}

/// The byte index of the quote closing the one `s` starts with.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

fn is_separator(c: char) -> bool {
    c == ',' || c == '，'
}

/// Takes the `<lora:name:weight>` tags out of a prompt, tidying the commas
/// they leave behind. A1111 reads the first field after the name as the
/// weight (1 if absent); a name seen twice keeps its first weight.
fn strip_lora_tags(prompt: &str) -> (String, Vec<(String, u32)>) {
    const OPEN: &str = "<lora:";
    let mut out = String::new();
    let mut loras: Vec<(String, u32)> = Vec::new();
    let mut rest = prompt;
    while let Some(start) = rest.match_indices('<').map(|(i, _)| i).find(|&i| {
        rest.get(i..i + OPEN.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(OPEN))
    }) {
        let after = &rest[start + OPEN.len()..];
        let Some(close) = after.find(['>', '<', '\n']) else {
            break;
        };
        if !after[close..].starts_with('>') {
            // Not a tag after all: keep the text.
            out.push_str(&rest[..start + OPEN.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..start]);
        if let Some(lora) = lora_from_tag(&after[..close]) {
            if !loras.iter().any(|(name, _)| *name == lora.0) {
                loras.push(lora);
            }
        }
        let tail = after[close + 1..].trim_start();
        out.truncate(out.trim_end().len());
        let out_sep = out.ends_with(is_separator);
        let tail_sep = tail.starts_with(is_separator);
        rest = tail;
        if tail_sep && (out.is_empty() || out_sep) {
            // "a, <tag>, b": one of the two commas goes, any further stay.
            let first = tail.chars().next().map_or(0, char::len_utf8);
            rest = &tail[first..];
        } else if tail.is_empty() {
            if out_sep {
                out.pop();
            }
        } else if !out.is_empty() && !tail_sep {
            out.push(' ');
        }
    }
    out.push_str(rest);
    (out.trim().to_string(), loras)
}

fn lora_from_tag(inner: &str) -> Option<(String, u32)> {
    let mut fields = inner.split(':');
    let name = fields.next()?.trim();
    if name.is_empty() {
        return None;
    }
    let weight = fields
        .next()
        .and_then(|w| w.trim().parse::<f64>().ok())
        .filter(|w| !w.is_nan())
        .unwrap_or(1.0);
    // The clamp keeps the cast in range, infinities included.
    let percent = (weight * 100.0).round().clamp(0.0, 100.0) as u32;
    Some((name.to_string(), percent))
}

/// A part of the form that pasted parameters fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filled {
    Prompts,
    Negative,
    Steps,
    Sampler,
    Cfg,
    Seed,
    Size,
    Model,
    Loras,
}

/// Fills the draft fields the text names, and says which. A seed turns the
/// random seed off. The size is set as a preset value; the form's adapt
/// step makes it custom if no preset matches.
pub fn apply(parsed: &Parsed, draft: &mut Draft) -> Vec<Filled> {
    let mut filled = Vec::new();
    if let Some(v) = &parsed.prompts {
        draft.prompts = v.clone();
        filled.push(Filled::Prompts);
    }
    if let Some(v) = &parsed.negative {
        draft.negative = v.clone();
        filled.push(Filled::Negative);
    }
    if let Some(v) = parsed.steps {
        draft.steps = v.to_string();
        filled.push(Filled::Steps);
    }
    if let Some(v) = &parsed.sampler {
        draft.sampler = v.clone();
        filled.push(Filled::Sampler);
    }
    if let Some(v) = parsed.cfg {
        draft.cfg = trim_float(v);
        filled.push(Filled::Cfg);
    }
    if let Some(v) = parsed.seed {
        // Out-of-range seeds are kept so the form can say what is wrong.
        draft.seed = v.to_string();
        draft.random_seed = false;
        filled.push(Filled::Seed);
    }
    if let (Some(w), Some(h)) = (parsed.width, parsed.height) {
        draft.size = size_value(w, h);
        draft.width = w.to_string();
        draft.height = h.to_string();
        filled.push(Filled::Size);
    }
    if let Some(v) = &parsed.model {
        draft.model = v.clone();
        filled.push(Filled::Model);
    }
    if !parsed.loras.is_empty() {
        draft.loras = parsed
            .loras
            .iter()
            .map(|(id, weight)| DraftLora {
                id: id.clone(),
                weight: weight.to_string(),
            })
            .collect();
        filled.push(Filled::Loras);
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ImageConfig, JobType, LoraChoice};

    fn request() -> GenerateRequest {
        GenerateRequest {
            kind: JobType::Text2Image,
            prompts: "礼花，气球".into(),
            negative_prompts: "lowres, bad anatomy".into(),
            step: 28,
            cfg: 12.0,
            seed: 218506577,
            sampling: "DPM++ 2M Karras".into(),
            width: 768,
            height: 512,
            model: "original".into(),
            loras: Vec::new(),
            image: None,
        }
    }

    fn lora(id: &str, weight: u32) -> LoraChoice {
        LoraChoice {
            id: id.into(),
            weight,
        }
    }

    #[test]
    fn writes_the_a1111_layout() {
        assert_eq!(
            to_text(&request()),
            "礼花，气球\nNegative prompt: lowres, bad anatomy\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 12, Seed: 218506577, Size: 768x512, Model: original"
        );
    }

    #[test]
    fn writes_loras_as_tags_and_omits_an_empty_negative() {
        let mut r = request();
        r.loras = vec![lora("bocchi", 60), lora("ink", 100), lora("faint", 5)];
        r.negative_prompts = "  ".into();
        r.cfg = 7.5;
        assert_eq!(
            to_text(&r),
            "礼花，气球, <lora:bocchi:0.6>, <lora:ink:1>, <lora:faint:0.05>\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 218506577, Size: 768x512, Model: original"
        );
    }

    #[test]
    fn quotes_values_that_would_break_the_line() {
        let mut r = request();
        r.model = "mix, v2: final".into();
        let text = to_text(&r);
        assert!(text.ends_with(r#"Model: "mix, v2: final""#), "{text}");
        assert_eq!(
            parse(&text).unwrap().model.as_deref(),
            Some("mix, v2: final")
        );
    }

    fn round_trip(r: &GenerateRequest) {
        let parsed = parse(&to_text(r)).expect("own text parses");
        let mut draft = Draft::default();
        let filled = apply(&parsed, &mut draft);
        assert!(filled.contains(&Filled::Seed) && filled.contains(&Filled::Size));
        let template = draft
            .validate(&ImageConfig::default())
            .unwrap_or_else(|e| panic!("{e:?} in {draft:?}"));
        assert!(!template.random_seed);
        assert_eq!(&template.request, r);
    }

    #[test]
    fn round_trips_through_the_form() {
        round_trip(&request());
        let mut r = request();
        r.loras = vec![lora("bocchi", 60), lora("ink", 100), lora("zero", 0)];
        r.cfg = 7.5;
        r.seed = u32::MAX;
        r.width = 1024;
        r.height = 576;
        r.prompts = "masterpiece, 1girl,\nsecond line, (blue sky:1.2)".into();
        r.negative_prompts = "bad\nworse, 最差".into();
        r.model = "weird, model: name \"x\"".into();
        round_trip(&r);
        r.negative_prompts.clear();
        round_trip(&r);
    }

    #[test]
    fn parses_a_real_a1111_block() {
        let text = "masterpiece, best quality, 1girl, <lora:bocchi:0.6>, smile\r\n\
            Negative prompt: lowres, bad anatomy\r\n\
            Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234, \
            Size: 512x768, Model hash: abc123, Model: anything-v5, Denoising strength: 0.7, \
            Clip skip: 2, Lora hashes: \"bocchi: 0a1b2c3d, other: 99\", Version: v1.9.4";
        let p = parse(text).unwrap();
        assert_eq!(
            p,
            Parsed {
                prompts: Some("masterpiece, best quality, 1girl, smile".into()),
                negative: Some("lowres, bad anatomy".into()),
                steps: Some(20),
                sampler: Some("DPM++ 2M Karras".into()),
                cfg: Some(7.0),
                seed: Some(1234),
                width: Some(512),
                height: Some(768),
                model: Some("anything-v5".into()),
                loras: vec![("bocchi".into(), 60)],
            }
        );
    }

    #[test]
    fn lines_may_come_in_any_order_and_prompts_span_lines() {
        let text = "第一行，礼花\n第二行，气球\nSteps: 30, Seed: 5\nNegative prompt: 低质量\nmore negative\nCFG scale: 4.5, Size: 640 x 448";
        let p = parse(text).unwrap();
        assert_eq!(p.prompts.as_deref(), Some("第一行，礼花\n第二行，气球"));
        assert_eq!(p.negative.as_deref(), Some("低质量\nmore negative"));
        assert_eq!((p.steps, p.seed, p.cfg), (Some(30), Some(5), Some(4.5)));
        assert_eq!((p.width, p.height), (Some(640), Some(448)));
        assert_eq!((p.sampler, p.model), (None, None));
    }

    #[test]
    fn not_parameters_gives_none() {
        for text in [
            "",
            "just a prompt, 1girl",
            "Sampler: Euler a, Seed: 4",
            "a paragraph mentioning steps: many of them",
            "礼花，气球",
            "\r\n\r\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn negative_line_alone_is_enough() {
        let p = parse("a cat\nNegative prompt：dog").unwrap();
        assert_eq!(p.prompts.as_deref(), Some("a cat"));
        assert_eq!(p.negative.as_deref(), Some("dog"));
        assert_eq!(p.steps, None);
    }

    #[test]
    fn a_bare_parameters_line_leaves_prompts_alone() {
        let p = parse("Steps: 12, Sampler: Euler a").unwrap();
        assert_eq!((&p.prompts, &p.negative), (&None, &None));
        let mut draft = Draft {
            prompts: "keep".into(),
            ..Draft::default()
        };
        assert_eq!(apply(&p, &mut draft), vec![Filled::Steps, Filled::Sampler]);
        assert_eq!(draft.prompts, "keep");
        assert_eq!(draft.negative, Draft::default().negative);
        assert!(draft.random_seed);
    }

    #[test]
    fn bad_values_are_left_out() {
        let p = parse("x\nSteps: many, CFG scale: inf, Seed: -1, Size: big, Sampler: , Model: \"unclosed, still").unwrap();
        assert_eq!((p.steps, p.cfg, p.seed), (None, None, None));
        assert_eq!((p.width, p.height, p.sampler), (None, None, None));
        assert_eq!(p.model.as_deref(), Some("unclosed, still"));
        let p = parse("x\nSteps: 9, CFG scale: NaN").unwrap();
        assert_eq!((p.steps, p.cfg), (Some(9), None));
    }

    #[test]
    fn lora_tags_come_out_of_the_prompt() {
        let cases = [
            ("a, <lora:x:0.6>, b", "a, b"),
            ("<lora:x:0.6>, a", "a"),
            ("a, <lora:x:0.6>", "a"),
            ("a <lora:x:0.6> b", "a b"),
            ("a,<lora:x:0.6>b", "a, b"),
            ("礼花，<lora:x:0.6>，气球", "礼花，气球"),
            ("a, <lora:x:0.6>, <LoRA:y:0.5>", "a"),
            ("<lora:x:0.6>", ""),
            ("a <lora:x, b", "a <lora:x, b"),
            ("a <lora:x <lora:y:1>", "a <lora:x"),
        ];
        for (prompt, expected) in cases {
            let (text, loras) = strip_lora_tags(prompt);
            assert_eq!(text, expected, "{prompt:?}");
            assert!(
                !loras.is_empty() || expected.contains("<lora:"),
                "{prompt:?}"
            );
        }
    }

    #[test]
    fn lora_weights_become_clamped_percentages() {
        let (_, loras) = strip_lora_tags(
            "<lora:a:0.6>, <lora:b>, <lora:c:1.5>, <lora:d:-0.3>, <lora:e:0.555>, \
             <lora:f:nope>, <lora::0.4>, <lora:g:0.7:0.2>, <lora:a:0.1>, <lora:h:1e999>",
        );
        assert_eq!(
            loras,
            vec![
                ("a".into(), 60),
                ("b".into(), 100),
                ("c".into(), 100),
                ("d".into(), 0),
                ("e".into(), 56),
                ("f".into(), 100),
                ("g".into(), 70),
                ("h".into(), 100),
            ]
        );
    }

    #[test]
    fn a_prompt_of_only_tags_fills_loras_not_prompts() {
        let p = parse("<lora:ink:0.3>\nSteps: 20").unwrap();
        assert_eq!(p.prompts, None);
        assert_eq!(p.loras, vec![("ink".into(), 30)]);
        let mut draft = Draft::default();
        assert_eq!(apply(&p, &mut draft), vec![Filled::Steps, Filled::Loras]);
        assert_eq!(draft.loras[0].weight, "30");
    }

    #[test]
    fn apply_fills_only_what_is_named() {
        let p = Parsed {
            cfg: Some(6.5),
            seed: Some(u64::from(u32::MAX) + 1),
            width: Some(832),
            height: Some(1216),
            ..Parsed::default()
        };
        let mut draft = Draft::default();
        let before = draft.clone();
        assert_eq!(
            apply(&p, &mut draft),
            vec![Filled::Cfg, Filled::Seed, Filled::Size]
        );
        assert_eq!(draft.cfg, "6.5");
        assert_eq!(draft.seed, "4294967296");
        assert!(!draft.random_seed);
        assert_eq!(
            (
                draft.size.as_str(),
                draft.width.as_str(),
                draft.height.as_str()
            ),
            ("832x1216", "832", "1216")
        );
        assert_eq!(draft.dimensions(), ("832".into(), "1216".into()));
        assert_eq!(
            (&draft.prompts, &draft.model),
            (&before.prompts, &before.model)
        );
        // The form refuses the oversized seed rather than wrapping it.
        assert!(draft.validate(&ImageConfig::default()).is_err());
    }

    #[test]
    fn pairs_tolerate_odd_lines() {
        assert_eq!(
            pairs(r#"Steps: 2, junk, A: "q\"x, y", B:c,, C :  d  ,"#),
            vec![
                ("Steps".into(), "2".into()),
                ("A".into(), "q\"x, y".into()),
                ("B".into(), "c".into()),
                ("C".into(), "d".into()),
            ]
        );
        assert!(pairs("").is_empty());
        assert_eq!(pairs("K: \"é"), vec![("K".into(), "é".into())]);
    }

    #[test]
    fn odd_input_never_panics() {
        let samples = [
            "Steps:",
            "Steps: 1, Size: 1x",
            "Negative prompt:",
            "<lora:",
            "<lora:>",
            "<<lora:lora:lora:>>, Steps: 3",
            "Steps: \"",
            "Steps: 5, \"\"\"\"",
            "\u{0}Steps: 1\u{0}",
            "Negative prompt: é\nSteps: 1, Sampler: ü, Schedule type: é",
            "Negative PROMPT  : x",
            "ñ<lora:ñ:ñ>ñ\nSteps: ñ",
        ];
        for s in samples {
            let _ = parse(s);
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let alphabet: Vec<char> = "Steps:, \"\\<lora:>x0.6\n\r，礼Negative prompt"
            .chars()
            .collect();
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(state % 60) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            state = state.wrapping_add(1);
            if let Some(p) = parse(&s) {
                assert!(p.loras.iter().all(|(_, w)| *w <= 100));
                apply(&p, &mut Draft::default());
            }
        }
    }
}
