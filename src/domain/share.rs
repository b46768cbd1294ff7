//! Share links: a job's parameters in the URL fragment, so that opening the
//! link fills the form. Only parameters travel: never the key, the base URL
//! or the source image. The fragment is never sent to any server, and
//! whoever opens a link controls none of its content, so decoding trusts
//! nothing: size, shape and every number are checked.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::{GenerateRequest, JobType, LoraChoice};
use crate::domain::params::{CFG_RANGE, LORA_WEIGHT_RANGE, SIDE_RANGE, STEPS_RANGE};

/// The format version written in every link, so a later format can be told
/// apart instead of misread.
pub const VERSION: u64 = 1;
/// Longer fragments are refused unread. [`encode`] can exceed this for a
/// very long prompt; check the length before offering such a link.
pub const MAX_FRAGMENT_LEN: usize = 16 * 1024;
/// The longest text field accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
pub const MAX_LORAS: usize = 16;

/// The key of the fragment's parameters: `#p=…`.
const PARAM: &str = "p=";

/// Short keys keep links short; `l` is left out when there are no LoRAs.
#[derive(Serialize)]
struct Wire<'a> {
    v: u64,
    p: &'a str,
    n: &'a str,
    s: u32,
    c: f64,
    seed: u32,
    sa: &'a str,
    w: u32,
    h: u32,
    m: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    l: Vec<(&'a str, u32)>,
}

/// The URL fragment (without `#`) that carries the request's parameters.
/// `kind` and `image` are left out: the source image is never shared.
pub fn encode(r: &GenerateRequest) -> String {
    let wire = Wire {
        v: VERSION,
        p: &r.prompts,
        n: &r.negative_prompts,
        s: r.step,
        c: r.cfg,
        seed: r.seed,
        sa: &r.sampling,
        w: r.width,
        h: r.height,
        m: &r.model,
        l: r.loras.iter().map(|l| (l.id.as_str(), l.weight)).collect(),
    };
    // Serialising this struct cannot fail; an empty payload would merely
    // decode as malformed.
    let json = crate::json::to_string(&wire).unwrap_or_default();
    format!("{PARAM}{}", URL_SAFE_NO_PAD.encode(json))
}

/// Why a fragment gave no parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareError {
    /// The fragment has no `p=` part: not a share link (maybe some other
    /// use of the fragment), usually best ignored silently.
    NoParameters,
    TooLarge,
    /// Not base64, not JSON, or not the expected shape.
    Malformed,
    UnsupportedVersion(u64),
    /// A field is missing, of the wrong type or out of range.
    Invalid {
        field: ShareField,
    },
}

/// The fields a link carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareField {
    Prompts,
    Negative,
    Steps,
    Cfg,
    Seed,
    Sampler,
    Width,
    Height,
    Model,
    Loras,
}

/// Base64url that also takes padding, in case something on the way added it.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The parameters of a share link. Takes the fragment with or without its
/// `#`, or a whole URL. The result is always a text2image request without
/// an image; fields the link should not carry are ignored.
pub fn decode(fragment: &str) -> Result<GenerateRequest, ShareError> {
    if fragment.len() > MAX_FRAGMENT_LEN {
        return Err(ShareError::TooLarge);
    }
    let fragment = fragment.trim();
    let fragment = fragment.split_once('#').map_or(fragment, |(_, f)| f);
    let payload = fragment
        .split('&')
        .find_map(|part| part.strip_prefix(PARAM))
        .ok_or(ShareError::NoParameters)?;
    let bytes = LENIENT
        .decode(payload.trim())
        .map_err(|_| ShareError::Malformed)?;
    let Some(Value::Object(map)) = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| crate::json::from_str::<Value>(text).ok())
    else {
        return Err(ShareError::Malformed);
    };
    match map.get("v").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => return Err(ShareError::UnsupportedVersion(other)),
        None => return Err(ShareError::Malformed),
    }
    Ok(GenerateRequest {
        kind: JobType::Text2Image,
        prompts: text(&map, "p", ShareField::Prompts)?,
        negative_prompts: text(&map, "n", ShareField::Negative)?,
        step: whole(&map, "s", ShareField::Steps, STEPS_RANGE)?,
        cfg: cfg(&map)?,
        seed: whole(&map, "seed", ShareField::Seed, (0, u32::MAX))?,
        sampling: text(&map, "sa", ShareField::Sampler)?,
        width: side(&map, "w", ShareField::Width)?,
        height: side(&map, "h", ShareField::Height)?,
        model: text(&map, "m", ShareField::Model)?,
        loras: loras(&map)?,
        image: None,
    })
}

fn invalid(field: ShareField) -> ShareError {
    ShareError::Invalid { field }
}

fn text(map: &Map<String, Value>, key: &str, field: ShareField) -> Result<String, ShareError> {
    match map.get(key) {
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT_CHARS => Ok(s.clone()),
        _ => Err(invalid(field)),
    }
}

fn whole(
    map: &Map<String, Value>,
    key: &str,
    field: ShareField,
    (min, max): (u32, u32),
) -> Result<u32, ShareError> {
    map.get(key)
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| (min..=max).contains(v))
        .ok_or(invalid(field))
}

fn side(map: &Map<String, Value>, key: &str, field: ShareField) -> Result<u32, ShareError> {
    whole(map, key, field, SIDE_RANGE).and_then(|v| {
        if v % 8 == 0 {
            Ok(v)
        } else {
            Err(invalid(field))
        }
    })
}

fn cfg(map: &Map<String, Value>) -> Result<f64, ShareError> {
    map.get("c")
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite() && (CFG_RANGE.0..=CFG_RANGE.1).contains(v))
        .ok_or(invalid(ShareField::Cfg))
}

fn loras(map: &Map<String, Value>) -> Result<Vec<LoraChoice>, ShareError> {
    let items = match map.get("l") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= MAX_LORAS => items,
        Some(_) => return Err(invalid(ShareField::Loras)),
    };
    items
        .iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([Value::String(id), weight])
                if !id.trim().is_empty() && id.chars().count() <= MAX_TEXT_CHARS =>
            {
                weight
                    .as_u64()
                    .and_then(|w| u32::try_from(w).ok())
                    .filter(|w| (LORA_WEIGHT_RANGE.0..=LORA_WEIGHT_RANGE.1).contains(w))
                    .map(|weight| LoraChoice {
                        id: id.clone(),
                        weight,
                    })
                    .ok_or(invalid(ShareField::Loras))
            }
            _ => Err(invalid(ShareField::Loras)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> GenerateRequest {
        GenerateRequest {
            kind: JobType::Text2Image,
            prompts: "礼花，气球, \"quoted\" & <b>".into(),
            negative_prompts: "lowres, bad anatomy\nsecond line".into(),
            step: 28,
            cfg: 7.5,
            seed: 3050350418,
            sampling: "DPM++ 2M Karras".into(),
            width: 768,
            height: 512,
            model: "original".into(),
            loras: vec![
                LoraChoice {
                    id: "bocchi".into(),
                    weight: 60,
                },
                LoraChoice {
                    id: "ink".into(),
                    weight: 0,
                },
            ],
            image: None,
        }
    }

    /// The fragment for a JSON value, however wrong.
    fn fragment(v: &Value) -> String {
        format!("p={}", URL_SAFE_NO_PAD.encode(v.to_string()))
    }

    fn valid_json() -> Value {
        json!({"v": 1, "p": "cat", "n": "", "s": 28, "c": 12, "seed": 1,
               "sa": "Euler a", "w": 512, "h": 512, "m": "original"})
    }

    fn with(key: &str, value: Value) -> String {
        let mut v = valid_json();
        v[key] = value;
        fragment(&v)
    }

    #[test]
    fn round_trips() {
        let r = request();
        let f = encode(&r);
        assert!(f.starts_with("p="));
        assert!(f[2..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode(&f), Ok(r.clone()));
        assert_eq!(decode(&format!("#{f}")), Ok(r.clone()));
        assert_eq!(decode(&format!("  #{f}\n")), Ok(r.clone()));
        assert_eq!(
            decode(&format!("https://studio.example/#x=1&{f}&y=2")),
            Ok(r.clone())
        );
        let mut bare = r;
        bare.loras.clear();
        bare.negative_prompts.clear();
        bare.cfg = 12.0;
        bare.seed = 0;
        let f = encode(&bare);
        let json: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&f[2..]).unwrap()).unwrap();
        assert_eq!(json.get("l"), None, "no empty LoRA list is written");
        assert_eq!(decode(&f), Ok(bare));
    }

    #[test]
    fn never_carries_the_image_or_the_kind() {
        let mut r = request();
        r.kind = JobType::Image2Image;
        r.image = Some("data:image/png;base64,U0VDUkVU".into());
        let f = encode(&r);
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(&f[2..]).unwrap()).unwrap();
        assert!(
            !json.contains("U0VDUkVU") && !json.contains("image"),
            "{json}"
        );
        assert!(!json.contains("type") && !json.contains("2image"), "{json}");
        let back = decode(&f).unwrap();
        assert_eq!(back.kind, JobType::Text2Image);
        assert_eq!(back.image, None);
    }

    #[test]
    fn smuggled_fields_are_ignored() {
        let mut v = valid_json();
        v["key"] = json!("sk-stolenstolenstolen");
        v["baseUrl"] = json!("https://evil.example");
        v["image"] = json!("data:image/png;base64,AAAA");
        v["type"] = json!("image2image");
        v["kind"] = json!("Image2Image");
        v["batch"] = json!(1000);
        let r = decode(&fragment(&v)).unwrap();
        assert_eq!(r.image, None);
        assert_eq!(r.kind, JobType::Text2Image);
        assert_eq!(r.prompts, "cat");
    }

    #[test]
    fn padding_is_tolerated() {
        let f = encode(&request());
        let padded = format!(
            "p={}",
            base64::engine::general_purpose::URL_SAFE
                .encode(URL_SAFE_NO_PAD.decode(&f[2..]).unwrap(),)
        );
        assert_eq!(decode(&padded), Ok(request()));
    }

    #[test]
    fn fragments_without_parameters() {
        for f in [
            "",
            "#",
            "#history",
            "q=abc",
            "#pp=abc",
            "https://x.example/",
        ] {
            assert_eq!(decode(f), Err(ShareError::NoParameters), "{f:?}");
        }
    }

    #[test]
    fn garbage_is_malformed() {
        let not_json = format!("p={}", URL_SAFE_NO_PAD.encode("hello, world"));
        let array = fragment(&json!([1, 2, 3]));
        let number = fragment(&json!(42));
        let no_version = {
            let mut v = valid_json();
            v.as_object_mut().unwrap().remove("v");
            fragment(&v)
        };
        let string_version = with("v", json!("1"));
        let deep = format!(
            "p={}",
            URL_SAFE_NO_PAD.encode("[".repeat(5000) + &"]".repeat(5000))
        );
        let huge_number = format!(
            "p={}",
            URL_SAFE_NO_PAD.encode(r#"{"v":1,"p":"a","s":1e999}"#)
        );
        for f in [
            "p=",
            "p=!!!!",
            "p=%%%",
            "p=a",
            "p=礼花",
            not_json.as_str(),
            array.as_str(),
            number.as_str(),
            no_version.as_str(),
            string_version.as_str(),
            deep.as_str(),
            huge_number.as_str(),
        ] {
            assert_eq!(decode(f), Err(ShareError::Malformed), "{f:?}");
        }
    }

    #[test]
    fn other_versions_are_named() {
        assert_eq!(
            decode(&with("v", json!(2))),
            Err(ShareError::UnsupportedVersion(2))
        );
        assert_eq!(
            decode(&with("v", json!(0))),
            Err(ShareError::UnsupportedVersion(0))
        );
    }

    #[test]
    fn oversize_is_refused_unread() {
        let f = format!("p={}", "A".repeat(MAX_FRAGMENT_LEN));
        assert_eq!(decode(&f), Err(ShareError::TooLarge));
        let mut r = request();
        r.prompts = "礼".repeat(MAX_TEXT_CHARS);
        r.negative_prompts = "礼".repeat(MAX_TEXT_CHARS);
        let f = encode(&r);
        assert!(f.len() > MAX_FRAGMENT_LEN);
        assert_eq!(decode(&f), Err(ShareError::TooLarge));
    }

    #[test]
    fn truncation_is_rejected() {
        let f = encode(&request());
        for n in 0..f.len() {
            let got = decode(&f[..n]);
            assert!(got.is_err(), "{n}: {got:?}");
        }
    }

    #[test]
    fn out_of_range_numbers_are_rejected() {
        let cases = [
            ("s", json!(0), ShareField::Steps),
            ("s", json!(151), ShareField::Steps),
            ("s", json!(-5), ShareField::Steps),
            ("s", json!(28.5), ShareField::Steps),
            ("s", json!("28"), ShareField::Steps),
            ("s", json!(1e30), ShareField::Steps),
            ("s", json!(u64::MAX), ShareField::Steps),
            ("c", json!(0.5), ShareField::Cfg),
            ("c", json!(30.01), ShareField::Cfg),
            ("c", json!(-12), ShareField::Cfg),
            ("c", json!(null), ShareField::Cfg),
            ("seed", json!(-1), ShareField::Seed),
            ("seed", json!(u64::from(u32::MAX) + 1), ShareField::Seed),
            (
                "seed",
                json!(99_999_999_999_999_999_999.0),
                ShareField::Seed,
            ),
            ("w", json!(100), ShareField::Width),
            ("w", json!(56), ShareField::Width),
            ("w", json!(4096), ShareField::Width),
            ("h", json!(0), ShareField::Height),
            ("h", json!(-512), ShareField::Height),
            ("p", json!(42), ShareField::Prompts),
            (
                "p",
                json!("x".repeat(MAX_TEXT_CHARS + 1)),
                ShareField::Prompts,
            ),
            ("n", json!(null), ShareField::Negative),
            ("sa", json!(["Euler"]), ShareField::Sampler),
            ("m", json!({"id": "original"}), ShareField::Model),
            ("l", json!({"bocchi": 60}), ShareField::Loras),
            ("l", json!([["bocchi", 101]]), ShareField::Loras),
            ("l", json!([["bocchi", -10]]), ShareField::Loras),
            ("l", json!([["bocchi", 0.5]]), ShareField::Loras),
            ("l", json!([["", 60]]), ShareField::Loras),
            ("l", json!([[60, "bocchi"]]), ShareField::Loras),
            ("l", json!([["bocchi"]]), ShareField::Loras),
            ("l", json!([["bocchi", 60, 1]]), ShareField::Loras),
            (
                "l",
                json!([{"id": "bocchi", "weight": 60}]),
                ShareField::Loras,
            ),
            (
                "l",
                json!(vec![json!(["a", 1]); MAX_LORAS + 1]),
                ShareField::Loras,
            ),
        ];
        for (key, value, field) in cases {
            assert_eq!(
                decode(&with(key, value.clone())),
                Err(ShareError::Invalid { field }),
                "{key} = {value}"
            );
        }
    }

    #[test]
    fn limits_themselves_are_accepted() {
        let mut v = valid_json();
        v["s"] = json!(150);
        v["c"] = json!(30);
        v["seed"] = json!(u32::MAX);
        v["w"] = json!(2048);
        v["h"] = json!(64);
        v["p"] = json!("x".repeat(MAX_TEXT_CHARS));
        v["l"] = json!(vec![json!(["a", 100]); MAX_LORAS]);
        let r = decode(&fragment(&v)).unwrap();
        assert_eq!((r.step, r.cfg, r.seed), (150, 30.0, u32::MAX));
        assert_eq!((r.width, r.height, r.loras.len()), (2048, 64, MAX_LORAS));
        let mut v = valid_json();
        v["l"] = Value::Null;
        assert_eq!(decode(&fragment(&v)).unwrap().loras, vec![]);
    }

    #[test]
    fn missing_fields_are_named() {
        for (key, field) in [
            ("p", ShareField::Prompts),
            ("s", ShareField::Steps),
            ("w", ShareField::Width),
            ("m", ShareField::Model),
        ] {
            let mut v = valid_json();
            v.as_object_mut().unwrap().remove(key);
            assert_eq!(decode(&fragment(&v)), Err(ShareError::Invalid { field }));
        }
    }

    #[test]
    fn random_input_never_panics() {
        let mut state = 0xD1B5_4A32_D192_ED03u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let good = encode(&request()).into_bytes();
        for round in 0..3000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                (0..next() % 200).map(|_| next() as u8).collect()
            } else {
                // Small corruptions of a valid link exercise the deeper checks.
                let mut b = good.clone();
                for _ in 0..=(next() % 4) {
                    let i = 2 + (next() as usize) % (b.len() - 2);
                    b[i] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        [(next() % 64) as usize];
                }
                b
            };
            let text = String::from_utf8_lossy(&bytes);
            if let Ok(r) = decode(&text) {
                assert_eq!((r.kind, r.image), (JobType::Text2Image, None));
                assert!((1..=150).contains(&r.step) && r.width % 8 == 0);
            }
            let _ = decode(&format!("p={text}"));
        }
    }
}
