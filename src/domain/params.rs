//! Generation parameters: the form's draft, its defaults and its validation.

use serde::{Deserialize, Serialize};

use crate::api::{GenerateRequest, ImageConfig, JobType, LoraChoice};

/// The list most Stable Diffusion front ends prefill; the user can edit it.
pub const DEFAULT_NEGATIVE: &str = "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry";

/// Offered when the config carries no sampler list.
pub const BUILTIN_SAMPLERS: &[&str] = &[
    "DPM++ 2M Karras",
    "DPM++ SDE Karras",
    "DPM++ 2M SDE Karras",
    "Euler a",
    "Euler",
    "DDIM",
    "UniPC",
    "Heun",
    "LMS",
    "DPM2 Karras",
];

/// Offered when the config carries no sizes.
pub const SIZE_PRESETS: &[(u32, u32)] = &[
    (768, 512),
    (512, 768),
    (512, 512),
    (768, 768),
    (1024, 576),
    (576, 1024),
    (1024, 1024),
];

pub const SIDE_RANGE: (u32, u32) = (64, 2048);
pub const STEPS_RANGE: (u32, u32) = (1, 150);
pub const CFG_RANGE: (f64, f64) = (1.0, 30.0);
pub const LORA_WEIGHT_RANGE: (u32, u32) = (0, 100);
pub const BATCH_RANGE: (u32, u32) = (1, 20);
/// The value of the size select that reveals width and height inputs.
pub const CUSTOM_SIZE: &str = "custom";

/// Every field of the form as the user typed it: strings, so that a
/// half-typed or invalid value survives a reload and is shown, not lost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub mode: JobType,
    pub prompts: String,
    pub negative: String,
    pub model: String,
    pub sampler: String,
    /// `"768x512"` or [`CUSTOM_SIZE`].
    pub size: String,
    pub width: String,
    pub height: String,
    pub steps: String,
    pub cfg: String,
    pub random_seed: bool,
    pub seed: String,
    pub loras: Vec<DraftLora>,
    pub batch: String,
    /// How an image2image source is fitted to the size.
    pub fit: crate::domain::fit::FitMode,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftLora {
    pub id: String,
    pub weight: String,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            mode: JobType::Text2Image,
            prompts: String::new(),
            negative: DEFAULT_NEGATIVE.to_string(),
            model: String::new(),
            sampler: BUILTIN_SAMPLERS[0].to_string(),
            size: "768x512".into(),
            width: "768".into(),
            height: "512".into(),
            steps: "28".into(),
            cfg: "12".into(),
            random_seed: true,
            seed: String::new(),
            loras: Vec::new(),
            batch: "1".into(),
            fit: Default::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Prompts,
    Model,
    Sampler,
    Width,
    Height,
    Steps,
    Cfg,
    Seed,
    Batch,
    LoraWeight(usize),
    Lora(usize),
}

/// Why a field's value cannot be sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    Required,
    NotAWholeNumber,
    NotANumber,
    OutOfRange { min: f64, max: f64 },
    NotMultipleOf8,
    UnknownChoice,
    Duplicate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

/// A validated draft: every job of a batch is made from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub request: GenerateRequest,
    pub random_seed: bool,
    pub batch: u32,
}

impl Template {
    /// The request for one job; `random` is only used when the seed is random.
    pub fn instance(&self, random: u32) -> GenerateRequest {
        let mut r = self.request.clone();
        if self.random_seed {
            r.seed = random;
        }
        r
    }
}

fn parse_whole(s: &str) -> Result<u64, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    s.parse::<u64>().map_err(|_| match s.parse::<f64>() {
        // A negative number: say what range is allowed, not "whole number".
        Ok(v) if v < 0.0 => Problem::OutOfRange {
            min: 0.0,
            max: u32::MAX as f64,
        },
        _ => Problem::NotAWholeNumber,
    })
}

fn whole_in(s: &str, (min, max): (u32, u32)) -> Result<u32, Problem> {
    let range = Problem::OutOfRange {
        min: min as f64,
        max: max as f64,
    };
    let v = parse_whole(s).map_err(|p| match p {
        Problem::OutOfRange { .. } => range.clone(),
        other => other,
    })?;
    if v < min as u64 || v > max as u64 {
        return Err(Problem::OutOfRange {
            min: min as f64,
            max: max as f64,
        });
    }
    Ok(v as u32)
}

fn side(s: &str) -> Result<u32, Problem> {
    let v = whole_in(s, SIDE_RANGE)?;
    if v % 8 != 0 {
        return Err(Problem::NotMultipleOf8);
    }
    Ok(v)
}

/// Parses `"768x512"`.
pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once('x')?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

pub fn size_value(w: u32, h: u32) -> String {
    format!("{w}x{h}")
}

/// The samplers to offer: the config's, else the built-in list.
pub fn samplers(config: &ImageConfig) -> Vec<String> {
    if config.samplers.is_empty() {
        BUILTIN_SAMPLERS.iter().map(|s| s.to_string()).collect()
    } else {
        config.samplers.clone()
    }
}

/// The size presets to offer: the config's, else the built-in list.
pub fn size_presets(config: &ImageConfig) -> Vec<(u32, u32)> {
    if config.sizes.is_empty() {
        SIZE_PRESETS.to_vec()
    } else {
        config.sizes.clone()
    }
}

impl Draft {
    /// The parameters' current values on one line, for the summary of their
    /// folded section: model, size, steps (after `steps_word`) and CFG.
    pub fn parameters_summary(&self, steps_word: &str) -> String {
        let size = if self.size == CUSTOM_SIZE {
            format!("{}×{}", self.width.trim(), self.height.trim())
        } else {
            self.size.replace('x', "×")
        };
        let model = self.model.trim();
        let mut parts = Vec::with_capacity(4);
        if !model.is_empty() {
            parts.push(model.to_string());
        }
        parts.push(size);
        parts.push(format!("{steps_word} {}", self.steps.trim()));
        parts.push(format!("CFG {}", self.cfg.trim()));
        parts.join(" · ")
    }

    /// The start of the negative prompt, for the summary of its folded
    /// section: at most `max` characters, whole or ending in "…".
    pub fn negative_summary(&self, max: usize) -> String {
        let text = self
            .negative
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if text.chars().count() <= max {
            text
        } else {
            let head: String = text.chars().take(max.saturating_sub(1)).collect();
            format!("{}…", head.trim_end())
        }
    }

    /// Makes the draft fit a freshly loaded config without losing what the
    /// user chose where it is still offered.
    pub fn adapt_to(&mut self, config: &ImageConfig) {
        if !config.models.is_empty() && !config.models.iter().any(|m| m.id == self.model) {
            self.model = config.models[0].id.clone();
        }
        let samplers = samplers(config);
        if !samplers.contains(&self.sampler) {
            self.sampler = samplers
                .iter()
                .find(|s| s.as_str() == BUILTIN_SAMPLERS[0])
                .unwrap_or(&samplers[0])
                .clone();
        }
        if self.size != CUSTOM_SIZE {
            let presets = size_presets(config);
            let chosen = parse_size(&self.size);
            if !chosen.is_some_and(|c| presets.contains(&c)) {
                // Keep the user's dimensions as a custom size rather than
                // silently switching to another picture shape.
                self.size = CUSTOM_SIZE.into();
            }
        }
    }

    /// The width and height the draft asks for, as strings.
    pub fn dimensions(&self) -> (String, String) {
        if self.size != CUSTOM_SIZE {
            if let Some((w, h)) = parse_size(&self.size) {
                return (w.to_string(), h.to_string());
            }
        }
        (self.width.clone(), self.height.clone())
    }

    /// Checks every field; on success gives the template for the jobs.
    pub fn validate(&self, config: &ImageConfig) -> Result<Template, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: Field, r: Result<(), Problem>| {
            if let Err(problem) = r {
                errors.push(FieldError { field, problem });
            }
        };
        let prompts = self.prompts.trim().to_string();
        check(
            Field::Prompts,
            if prompts.is_empty() {
                Err(Problem::Required)
            } else {
                Ok(())
            },
        );
        let model = self.model.trim().to_string();
        check(
            Field::Model,
            if model.is_empty() {
                Err(Problem::Required)
            } else if !config.models.is_empty() && !config.models.iter().any(|m| m.id == model) {
                Err(Problem::UnknownChoice)
            } else {
                Ok(())
            },
        );
        let sampler = self.sampler.trim().to_string();
        check(
            Field::Sampler,
            if sampler.is_empty() {
                Err(Problem::Required)
            } else {
                Ok(())
            },
        );
        let (w, h) = self.dimensions();
        let width = side(&w);
        let height = side(&h);
        check(Field::Width, width.clone().map(|_| ()));
        check(Field::Height, height.clone().map(|_| ()));
        let steps = whole_in(&self.steps, STEPS_RANGE);
        check(Field::Steps, steps.clone().map(|_| ()));
        let cfg = match self.cfg.trim() {
            "" => Err(Problem::Required),
            s => match s.parse::<f64>() {
                Ok(v) if v.is_finite() && (CFG_RANGE.0..=CFG_RANGE.1).contains(&v) => Ok(v),
                Ok(_) => Err(Problem::OutOfRange {
                    min: CFG_RANGE.0,
                    max: CFG_RANGE.1,
                }),
                Err(_) => Err(Problem::NotANumber),
            },
        };
        check(Field::Cfg, cfg.clone().map(|_| ()));
        let seed = if self.random_seed {
            Ok(0)
        } else {
            whole_in(&self.seed, (0, u32::MAX))
        };
        check(Field::Seed, seed.clone().map(|_| ()));
        let batch = whole_in(&self.batch, BATCH_RANGE);
        check(Field::Batch, batch.clone().map(|_| ()));
        let mut loras = Vec::new();
        for (i, l) in self.loras.iter().enumerate() {
            let known = config.loras.is_empty() || config.loras.iter().any(|c| c.id == l.id);
            let dup = self.loras[..i].iter().any(|o| o.id == l.id);
            check(
                Field::Lora(i),
                if l.id.trim().is_empty() {
                    Err(Problem::Required)
                } else if !known {
                    Err(Problem::UnknownChoice)
                } else if dup {
                    Err(Problem::Duplicate)
                } else {
                    Ok(())
                },
            );
            let weight = whole_in(&l.weight, LORA_WEIGHT_RANGE);
            check(Field::LoraWeight(i), weight.clone().map(|_| ()));
            if let Ok(weight) = weight {
                loras.push(LoraChoice {
                    id: l.id.clone(),
                    weight,
                });
            }
        }
        // Matched, not unwrapped: `unwrap` would build `Problem`'s `Debug`
        // (and core's float formatting) into the app for a panic that cannot
        // happen, since every failed field has put its error in `errors`.
        let (Ok(step), Ok(cfg), Ok(seed), Ok(width), Ok(height), Ok(batch), true) =
            (steps, cfg, seed, width, height, batch, errors.is_empty())
        else {
            return Err(errors);
        };
        Ok(Template {
            request: GenerateRequest {
                kind: self.mode,
                prompts,
                negative_prompts: self.negative.trim().to_string(),
                step,
                cfg,
                seed,
                sampling: sampler,
                width,
                height,
                model,
                loras,
                image: None,
            },
            random_seed: self.random_seed,
            batch,
        })
    }

    /// A draft that reproduces a request (reuse settings).
    pub fn from_request(r: &GenerateRequest, config: &ImageConfig) -> Draft {
        let size = size_value(r.width, r.height);
        let preset = size_presets(config).contains(&(r.width, r.height));
        Draft {
            mode: JobType::Text2Image,
            prompts: r.prompts.clone(),
            negative: r.negative_prompts.clone(),
            model: r.model.clone(),
            sampler: r.sampling.clone(),
            size: if preset { size } else { CUSTOM_SIZE.into() },
            width: r.width.to_string(),
            height: r.height.to_string(),
            steps: r.step.to_string(),
            cfg: trim_float(r.cfg),
            random_seed: false,
            seed: r.seed.to_string(),
            loras: r
                .loras
                .iter()
                .map(|l| DraftLora {
                    id: l.id.clone(),
                    weight: l.weight.to_string(),
                })
                .collect(),
            batch: "1".into(),
            fit: Default::default(),
        }
    }
}

/// `12.0` -> `"12"`, `7.5` -> `"7.5"`.
pub fn trim_float(v: f64) -> String {
    super::decimal::shortest(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn folded_sections_summarise_the_current_values() {
        let mut d = Draft {
            model: "anything-v5".into(),
            size: "512x768".into(),
            ..Draft::default()
        };
        assert_eq!(
            d.parameters_summary("Steps"),
            "anything-v5 · 512×768 · Steps 28 · CFG 12"
        );
        d.size = CUSTOM_SIZE.into();
        d.width = " 640".into();
        d.height = "960".into();
        d.model.clear();
        assert_eq!(d.parameters_summary("步数"), "640×960 · 步数 28 · CFG 12");
        d.negative = "lowres,\n  bad anatomy".into();
        assert_eq!(d.negative_summary(40), "lowres, bad anatomy");
        assert_eq!(d.negative_summary(8), "lowres,…");
        d.negative = "低质量，模糊，多余的手指".into();
        assert_eq!(d.negative_summary(5), "低质量，…");
        d.negative.clear();
        assert_eq!(d.negative_summary(5), "");
    }

    use super::*;
    use crate::api::{LoraInfo, ModelInfo};

    fn config() -> ImageConfig {
        ImageConfig {
            busy_status: None,
            models: vec![
                ModelInfo {
                    id: "original".into(),
                    description: "原版".into(),
                },
                ModelInfo {
                    id: "anime".into(),
                    description: String::new(),
                },
            ],
            loras: vec![
                LoraInfo {
                    id: "bocchi".into(),
                    name: "Bocchi".into(),
                },
                LoraInfo {
                    id: "ink".into(),
                    name: String::new(),
                },
            ],
            samplers: vec![],
            sizes: vec![],
            img2img_hints: vec![],
        }
    }

    fn valid() -> Draft {
        let mut d = Draft {
            prompts: "礼花，气球".into(),
            ..Draft::default()
        };
        d.adapt_to(&config());
        d
    }

    fn fields(d: &Draft) -> Vec<Field> {
        d.validate(&config())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn default_draft_with_a_prompt_gives_the_provider_example_request() {
        let mut d = valid();
        d.random_seed = false;
        d.seed = "218506577".into();
        d.loras.push(DraftLora {
            id: "bocchi".into(),
            weight: "60".into(),
        });
        let t = d.validate(&config()).unwrap();
        let r = t.instance(999);
        assert_eq!(r.seed, 218506577);
        assert_eq!((r.width, r.height, r.step, r.cfg), (768, 512, 28, 12.0));
        assert_eq!(r.model, "original");
        assert_eq!(r.sampling, "DPM++ 2M Karras");
        assert_eq!(
            r.loras,
            vec![LoraChoice {
                id: "bocchi".into(),
                weight: 60
            }]
        );
        assert_eq!(r.negative_prompts, DEFAULT_NEGATIVE);
    }

    #[test]
    fn random_seed_takes_the_given_random_value_per_job() {
        let t = valid().validate(&config()).unwrap();
        assert!(t.random_seed);
        assert_eq!(t.instance(7).seed, 7);
        assert_eq!(t.instance(4_294_967_295).seed, 4_294_967_295);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut d = valid();
        d.prompts = "  ".into();
        d.size = CUSTOM_SIZE.into();
        d.width = "770".into();
        d.height = "4096".into();
        d.steps = "2.5".into();
        d.cfg = "abc".into();
        d.random_seed = false;
        d.seed = "4294967296".into();
        d.batch = "0".into();
        d.loras.push(DraftLora {
            id: "nope".into(),
            weight: "101".into(),
        });
        let f = fields(&d);
        for want in [
            Field::Prompts,
            Field::Width,
            Field::Height,
            Field::Steps,
            Field::Cfg,
            Field::Seed,
            Field::Batch,
            Field::Lora(0),
            Field::LoraWeight(0),
        ] {
            assert!(f.contains(&want), "{want:?} missing from {f:?}");
        }
    }

    #[test]
    fn problems_are_specific() {
        let mut d = valid();
        d.size = CUSTOM_SIZE.into();
        d.width = "770".into();
        d.height = "-8".into();
        let errs = d.validate(&config()).unwrap_err();
        assert_eq!(errs[0].problem, Problem::NotMultipleOf8);
        assert!(matches!(errs[1].problem, Problem::OutOfRange { .. }));
    }

    #[test]
    fn unknown_model_and_duplicate_lora_are_refused() {
        let mut d = valid();
        d.model = "gone".into();
        d.loras = vec![
            DraftLora {
                id: "ink".into(),
                weight: "50".into(),
            },
            DraftLora {
                id: "ink".into(),
                weight: "50".into(),
            },
        ];
        let f = fields(&d);
        assert!(f.contains(&Field::Model) && f.contains(&Field::Lora(1)));
        assert!(!f.contains(&Field::Lora(0)));
    }

    #[test]
    fn adapting_keeps_what_is_still_offered() {
        let mut d = Draft {
            model: "anime".into(),
            sampler: "Euler a".into(),
            ..Draft::default()
        };
        d.adapt_to(&config());
        assert_eq!(d.model, "anime");
        assert_eq!(d.sampler, "Euler a");
        d.model = "gone".into();
        d.sampler = "Mystery".into();
        d.size = "999x999".into();
        d.adapt_to(&config());
        assert_eq!(d.model, "original");
        assert_eq!(d.sampler, "DPM++ 2M Karras");
        assert_eq!(d.size, CUSTOM_SIZE);
    }

    #[test]
    fn config_lists_win_over_builtins() {
        let mut c = config();
        assert!(samplers(&c).contains(&"DPM++ 2M Karras".to_string()));
        assert!(size_presets(&c).contains(&(768, 512)) && size_presets(&c).contains(&(512, 768)));
        c.samplers = vec!["Euler a".into()];
        c.sizes = vec![(640, 640)];
        assert_eq!(samplers(&c), ["Euler a"]);
        assert_eq!(size_presets(&c), [(640, 640)]);
        let mut d = Draft::default();
        d.adapt_to(&c);
        assert_eq!(d.sampler, "Euler a");
    }

    #[test]
    fn a_request_round_trips_through_a_draft() {
        let mut d = valid();
        d.random_seed = false;
        d.seed = "3050350418".into();
        d.cfg = "7.5".into();
        d.size = CUSTOM_SIZE.into();
        d.width = "640".into();
        d.height = "896".into();
        let r = d.validate(&config()).unwrap().instance(1);
        let back = Draft::from_request(&r, &config());
        assert_eq!(back.validate(&config()).unwrap().instance(2), r);
        assert_eq!(back.cfg, "7.5");
    }

    #[test]
    fn drafts_from_old_versions_still_load() {
        let d: Draft = serde_json::from_str(r#"{"prompts":"cat","unknown":1}"#).unwrap();
        assert_eq!(d.prompts, "cat");
        assert_eq!(d.steps, "28");
    }
}
