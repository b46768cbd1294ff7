//! Serde types for the Kamiya API, and the parser for its envelope.
//!
//! Much of the API is undocumented (see `shared/API.md`), so every type here
//! is lenient: unknown fields are ignored or kept, missing ones default, and
//! numbers may arrive as strings. Only a body that is not JSON at all, or an
//! envelope that says "error", is an error.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::error::ApiError;

/// Parses an answer: HTTP status plus body text, into `T` or an [`ApiError`].
pub fn parse_envelope<T: serde::de::DeserializeOwned>(
    http_status: u16,
    body: &str,
) -> Result<T, ApiError> {
    let json: Option<Value> = crate::json::from_str(body).ok();
    let message = json.as_ref().and_then(|v| text_field(v, "message"));
    if http_status == 401 || http_status == 403 {
        return Err(ApiError::Unauthorized(message));
    }
    if !(200..300).contains(&http_status) {
        return Err(ApiError::Http {
            status: http_status,
            message,
        });
    }
    let Some(json) = json else {
        return Err(ApiError::Malformed(snippet(body)));
    };
    let Value::Object(ref map) = json else {
        return Err(ApiError::Malformed(snippet(body)));
    };
    if let Some(status) = map.get("status").and_then(lenient_int) {
        if status == 401 || status == 403 {
            return Err(ApiError::Unauthorized(message));
        }
        if status != 200 {
            return Err(ApiError::Api {
                status,
                message: message.unwrap_or_default(),
            });
        }
    }
    // checkNetwork has no `data`: it is the envelope itself.
    let data = map.get("data").cloned().unwrap_or_else(|| json.clone());
    serde_json::from_value(data).map_err(|e| ApiError::Malformed(e.to_string()))
}

fn snippet(body: &str) -> String {
    body.chars().take(80).collect()
}

fn text_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Clamped to what a JS number holds exactly: the status lands in
/// [`ApiError::Api`], which jobs keep in storage, and the browser's JSON
/// writer refuses integers beyond 2^53.
fn lenient_int(v: &Value) -> Option<i64> {
    const SAFE: i64 = (1 << 53) - 1;
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .map(|n| n.clamp(-SAFE, SAFE))
}

/// Accepts a number, a numeric string, or null/garbage (as `None`).
fn de_opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn de_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Accepts a string, a number (turned to text) or null (empty).
fn de_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

fn de_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// A list where each element that fails to parse is skipped, not fatal.
fn de_lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect(),
        _ => Vec::new(),
    })
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct NetworkCheck {
    #[serde(default, deserialize_with = "de_opt_string")]
    pub ip: Option<String>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub message: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct AccountDetails {
    #[serde(default, deserialize_with = "de_string")]
    pub email: String,
    #[serde(default, deserialize_with = "de_string")]
    pub role: String,
    #[serde(default, deserialize_with = "de_opt_f64")]
    pub credit: Option<f64>,
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    #[serde(default, deserialize_with = "de_string")]
    pub id: String,
    #[serde(default, deserialize_with = "de_string")]
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoraInfo {
    #[serde(default, deserialize_with = "de_string")]
    pub id: String,
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
}

impl LoraInfo {
    pub fn label(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

/// `/api/image/config`. Only three fields are known; the rest is kept raw
/// so the UI can look for samplers and sizes under the names a future
/// server may use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageConfig {
    pub busy_status: Option<String>,
    pub models: Vec<ModelInfo>,
    pub loras: Vec<LoraInfo>,
    /// Sampler names, if the config carries a list of them.
    pub samplers: Vec<String>,
    /// Size presets `(width, height)`, if the config carries them.
    pub sizes: Vec<(u32, u32)>,
    /// Fields that look like image-to-image options (strength, denoising…).
    /// The API documents none, so they are shown, never sent.
    pub img2img_hints: Vec<(String, String)>,
}

impl<'de> Deserialize<'de> for ImageConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let Value::Object(map) = v else {
            return Err(serde::de::Error::custom("config is not an object"));
        };
        let list = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| map.get(*n).and_then(Value::as_array).cloned())
                .unwrap_or_default()
        };
        let models: Vec<ModelInfo> = list(&["availableModels", "models"])
            .into_iter()
            .filter_map(|v| match v {
                Value::String(id) => Some(ModelInfo {
                    description: String::new(),
                    id,
                }),
                other => serde_json::from_value::<ModelInfo>(other).ok(),
            })
            .filter(|m| !m.id.trim().is_empty())
            .collect();
        let loras: Vec<LoraInfo> = list(&["availableLoRAs", "availableLoras", "loras", "LoRAs"])
            .into_iter()
            .filter_map(|v| match v {
                Value::String(id) => Some(LoraInfo {
                    name: String::new(),
                    id,
                }),
                other => serde_json::from_value::<LoraInfo>(other).ok(),
            })
            .filter(|l| !l.id.trim().is_empty())
            .collect();
        let samplers = list(&[
            "availableSamplers",
            "samplers",
            "availableSampling",
            "sampling",
        ])
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s),
            Value::Object(o) => o
                .get("id")
                .or_else(|| o.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
        .collect();
        let sizes = list(&["availableSizes", "sizes", "artboards", "availableArtboards"])
            .into_iter()
            .filter_map(|v| parse_size(&v))
            .collect();
        let busy_status = map.get("busyStatus").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        });
        let img2img_hints = map
            .iter()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                ["strength", "denois", "img2img", "image2image"]
                    .iter()
                    .any(|m| k.contains(m))
            })
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text.chars().take(200).collect())
            })
            .collect();
        Ok(ImageConfig {
            busy_status,
            models,
            loras,
            samplers,
            sizes,
            img2img_hints,
        })
    }
}

/// `"768x512"`, `[768, 512]` or `{"width":768,"height":512}`.
fn parse_size(v: &Value) -> Option<(u32, u32)> {
    let (w, h) = match v {
        Value::String(s) => {
            let (w, h) = s.split_once(['x', 'X', '×', '*'])?;
            (w.trim().parse().ok()?, h.trim().parse().ok()?)
        }
        Value::Array(a) if a.len() == 2 => (a[0].as_u64()? as u32, a[1].as_u64()? as u32),
        Value::Object(o) => (
            o.get("width")?.as_u64()? as u32,
            o.get("height")?.as_u64()? as u32,
        ),
        _ => return None,
    };
    (w > 0 && h > 0).then_some((w, h))
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobType {
    #[default]
    #[serde(rename = "text2image")]
    Text2Image,
    #[serde(rename = "image2image")]
    Image2Image,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoraChoice {
    #[serde(default, deserialize_with = "de_string")]
    pub id: String,
    #[serde(default)]
    pub weight: u32,
}

/// The body of `POST /api/image/generate`, exactly as the API names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    #[serde(rename = "type")]
    pub kind: JobType,
    pub prompts: String,
    #[serde(rename = "negativePrompts")]
    pub negative_prompts: String,
    pub step: u32,
    pub cfg: f64,
    pub seed: u32,
    pub sampling: String,
    pub width: u32,
    pub height: u32,
    pub model: String,
    #[serde(rename = "LoRAs")]
    pub loras: Vec<LoraChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// `metadata` of a job as the server reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobMetadata {
    #[serde(rename = "LoRAs", default, deserialize_with = "de_lenient_vec")]
    pub loras: Vec<LoraChoice>,
    #[serde(default, deserialize_with = "de_string")]
    pub model: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub width: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub height: Option<u64>,
    #[serde(rename = "type", default, deserialize_with = "de_string")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_string")]
    pub prompts: String,
    #[serde(rename = "negativePrompts", default, deserialize_with = "de_string")]
    pub negative_prompts: String,
    #[serde(default, deserialize_with = "de_string")]
    pub sampling: String,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub step: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_f64")]
    pub cfg: Option<f64>,
    #[serde(default, deserialize_with = "de_opt_u64")]
    pub seed: Option<u64>,
    #[serde(default, deserialize_with = "de_opt_string")]
    pub artboard: Option<String>,
    /// The image URL; absent or `""` until the image exists.
    #[serde(default, deserialize_with = "de_opt_string")]
    pub jpg: Option<String>,
}

/// One job as `generate`, `track` and `list` return it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    #[serde(default, deserialize_with = "de_string")]
    pub id: String,
    #[serde(default, deserialize_with = "de_string")]
    pub hashid: String,
    #[serde(default, deserialize_with = "de_string")]
    pub metaid: String,
    #[serde(default, deserialize_with = "de_string")]
    pub status: String,
    #[serde(default, deserialize_with = "de_metadata")]
    pub metadata: JobMetadata,
    /// `"MM-DD hh:mm:ss"`: no year, no zone, so it is only ever shown as is.
    #[serde(rename = "createdAt", default, deserialize_with = "de_string")]
    pub created_at: String,
    #[serde(rename = "updatedAt", default, deserialize_with = "de_string")]
    pub updated_at: String,
}

fn de_metadata<'de, D: Deserializer<'de>>(d: D) -> Result<JobMetadata, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).unwrap_or_default())
}

impl JobRecord {
    /// The image URL, only if it is a non-empty http(s) URL: anything else
    /// (`javascript:`, `data:`, relative) must never reach an `<img>` or link.
    pub fn image_url(&self) -> Option<&str> {
        self.metadata.jpg.as_deref().filter(|u| is_http_url(u))
    }
}

/// True for absolute `http://` or `https://` URLs with a host.
pub fn is_http_url(url: &str) -> bool {
    let url = url.trim();
    let rest = if let Some(r) = strip_prefix_ci(url, "https://") {
        r
    } else if let Some(r) = strip_prefix_ci(url, "http://") {
        r
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A list answer whose items are parsed one by one: one odd entry does not
/// hide the rest of the history.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobList(pub Vec<JobRecord>);

impl<'de> Deserialize<'de> for JobList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let items = match v {
            Value::Array(items) => items,
            // Some APIs wrap lists: {"list": [...]} or {"items": [...]}.
            Value::Object(mut o) => match ["list", "items", "rows", "data"]
                .iter()
                .find_map(|k| o.remove(*k))
            {
                Some(Value::Array(items)) => items,
                _ => return Err(serde::de::Error::custom("list is not an array")),
            },
            Value::Null => Vec::new(),
            _ => return Err(serde::de::Error::custom("list is not an array")),
        };
        Ok(JobList(
            items
                .into_iter()
                .filter_map(|v| serde_json::from_value::<JobRecord>(v).ok())
                .filter(|j| !j.hashid.is_empty())
                .collect(),
        ))
    }
}
