//! Checks of a generate request. Stricter than the real server is known to
//! be, on purpose: a rejected field in a test points at a client bug.

use base64::Engine;
use serde_json::{json, Map, Number, Value};

use crate::catalog;

/// A generate request that passed every check.
pub(crate) struct Accepted {
    pub kind: &'static str,
    pub prompts: String,
    pub negative: String,
    pub step: u64,
    pub cfg: Number,
    pub seed: u64,
    pub sampling: String,
    pub width: u32,
    pub height: u32,
    pub model: String,
    pub loras: Vec<Value>,
}

fn int_in(v: Option<&Value>, lo: u64, hi: u64) -> Option<u64> {
    v?.as_u64().filter(|n| (lo..=hi).contains(n))
}

fn side(body: &Map<String, Value>, field: &str) -> Result<u32, String> {
    int_in(body.get(field), 64, 2048)
        .filter(|n| n % 8 == 0)
        .map(|n| n as u32)
        .ok_or_else(|| format!("{field} 必须是 64 到 2048 之间、8 的倍数的整数"))
}

fn non_empty_string(body: &Map<String, Value>, field: &str) -> Result<String, String> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("{field} 不能为空"))
}

pub(crate) fn validate(body: &Value) -> Result<Accepted, String> {
    let body = body.as_object().ok_or("请求体必须是 JSON 对象")?;
    let kind = match body.get("type").and_then(Value::as_str) {
        Some("text2image") => "text2image",
        Some("image2image") => "image2image",
        _ => return Err("type 必须是 text2image 或 image2image".into()),
    };
    let prompts = non_empty_string(body, "prompts")?;
    let negative = match body.get("negativePrompts") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("negativePrompts 必须是字符串".into()),
    };
    let step = int_in(body.get("step"), 1, 150).ok_or("step 必须是 1 到 150 之间的整数")?;
    let cfg = match body.get("cfg") {
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| (1.0..=30.0).contains(&f)) => {
            n.clone()
        }
        _ => return Err("cfg 必须是 1 到 30 之间的数字".into()),
    };
    let seed = int_in(body.get("seed"), 0, u64::from(u32::MAX))
        .ok_or("seed 必须是 0 到 4294967295 之间的整数")?;
    let sampling = non_empty_string(body, "sampling")?;
    let width = side(body, "width")?;
    let height = side(body, "height")?;
    let model = match body.get("model").and_then(Value::as_str) {
        Some(m) if catalog::is_model(m) => m.to_owned(),
        Some(m) => return Err(format!("model 不存在：{m}")),
        None => return Err("model 不能为空".into()),
    };
    let loras = match body.get("LoRAs") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| lora(i, item))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("LoRAs 必须是列表".into()),
    };
    if kind == "image2image" {
        check_image(body.get("image"), width, height)?;
    }
    Ok(Accepted {
        kind,
        prompts,
        negative,
        step,
        cfg,
        seed,
        sampling,
        width,
        height,
        model,
        loras,
    })
}

fn lora(i: usize, item: &Value) -> Result<Value, String> {
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("LoRAs[{i}].id 不能为空"))?;
    if !catalog::is_lora(id) {
        return Err(format!("LoRAs[{i}].id 不存在：{id}"));
    }
    let weight = int_in(item.get("weight"), 0, 100)
        .ok_or_else(|| format!("LoRAs[{i}].weight 必须是 0 到 100 之间的整数"))?;
    Ok(json!({"id": id, "weight": weight}))
}

fn check_image(image: Option<&Value>, width: u32, height: u32) -> Result<(), String> {
    let url = image
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("image2image 需要 image（base64 data URL）")?;
    let payload = url
        .strip_prefix("data:image/")
        .and_then(|rest| rest.split_once(";base64,"))
        .map(|(_, data)| data)
        .ok_or("image 必须是 data:image/...;base64, 形式的 data URL")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .map_err(|_| "image 的 base64 数据无效".to_owned())?;
    let picture = image::load_from_memory(&bytes)
        .map_err(|_| "image 无法解码为图片（支持 PNG、JPEG）".to_owned())?;
    if picture.width() != width || picture.height() != height {
        return Err(format!(
            "image 尺寸为 {}x{}，与 width x height（{width}x{height}）不一致",
            picture.width(),
            picture.height()
        ));
    }
    Ok(())
}
