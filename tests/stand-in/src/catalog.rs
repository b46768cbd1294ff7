//! What `GET /api/image/config` offers. The real answer's full shape is
//! unknown, so this one carries extra fields the client must ignore and
//! deliberately no sampler or size lists.

use serde_json::{json, Value};

/// (id, description)
pub(crate) const MODELS: &[(&str, &str)] = &[
    ("original", "原版模型 / Original"),
    ("anything-v5", "Anything V5 二次元 / Anime"),
    ("counterfeit-v3", "Counterfeit V3 厚涂 / Painterly"),
];

/// (id, name)
pub(crate) const LORAS: &[(&str, &str)] = &[
    (
        "bocchiEdStyleLora_bocchiEdStyle",
        "孤独摇滚 ED 画风 / Bocchi ED style",
    ),
    ("watercolorStyle_v10", "水彩 / Watercolour"),
    ("pixelArtRedmond_v2", "像素风 / Pixel art"),
];

/// What the real server appends to every negative prompt.
pub(crate) const DEFAULT_NEGATIVE: &str = "lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry";

pub(crate) fn is_model(id: &str) -> bool {
    MODELS.iter().any(|(m, _)| *m == id)
}

pub(crate) fn is_lora(id: &str) -> bool {
    LORAS.iter().any(|(l, _)| *l == id)
}

pub(crate) fn config(cdn_url: &str) -> Value {
    let models: Vec<Value> = MODELS
        .iter()
        .map(|(id, description)| {
            json!({
                "id": id,
                "description": description,
                "preview": format!("{cdn_url}/previews/{id}.jpg"),
                "tags": ["sd1.5"],
            })
        })
        .collect();
    let loras: Vec<Value> = LORAS
        .iter()
        .map(|(id, name)| {
            json!({
                "id": id,
                "name": name,
                "preview": format!("{cdn_url}/previews/{id}.jpg"),
                "recommendedWeight": 60,
            })
        })
        .collect();
    json!({
        "busyStatus": "空闲 / idle",
        "availableModels": models,
        "availableLoRAs": loras,
        "announcement": "本服务为本地替身服务器 / This is a local stand-in server",
        // An invented field: the real config publishes no prices (see job_cost).
        "pricing": {"perImage": 1.5, "over640000Pixels": "x2", "over35Steps": "x2", "unit": "credit"},
    })
}
