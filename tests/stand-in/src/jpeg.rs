//! The "generated" pictures: cheap, deterministic per seed, and visibly
//! different from one seed to the next so that screenshots and humans can
//! tell results apart.

use jpeg_encoder::{ColorType, Encoder};

/// A well-mixed 64-bit hash, so neighbouring seeds look unrelated.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn colour(h: u64) -> [f32; 3] {
    [
        (h & 0xff) as f32,
        ((h >> 8) & 0xff) as f32,
        ((h >> 16) & 0xff) as f32,
    ]
}

/// A diagonal two-colour gradient crossed by stripes at a seed-chosen angle,
/// with a bright disc; all parameters come from the seed.
pub(crate) fn picture(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let h1 = mix(seed);
    let h2 = mix(h1);
    let h3 = mix(h2);
    let from = colour(h1);
    let to = colour(h1 >> 24);
    let disc = colour(h2);
    let angle = (h2 >> 24) as f32 / u32::MAX as f32 * std::f32::consts::PI;
    let (dx, dy) = (angle.cos(), angle.sin());
    let period = 24.0 + (h3 % 48) as f32;
    let (w, h) = (width as f32, height as f32);
    let cx = w * (0.2 + 0.6 * ((h3 >> 8) & 0xff) as f32 / 255.0);
    let cy = h * (0.2 + 0.6 * ((h3 >> 16) & 0xff) as f32 / 255.0);
    let radius = w.min(h) * (0.12 + 0.1 * ((h3 >> 24) & 0xff) as f32 / 255.0);
    let r2 = radius * radius;

    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        let fy = y as f32;
        for x in 0..width {
            let fx = x as f32;
            let t = (fx / w + fy / h) * 0.5;
            let along = fx * dx + fy * dy;
            let stripe = if (along / period).rem_euclid(1.0) < 0.5 {
                1.0
            } else {
                0.7
            };
            let in_disc = (fx - cx) * (fx - cx) + (fy - cy) * (fy - cy) < r2;
            for c in 0..3 {
                let v = if in_disc {
                    0.5 * disc[c] + 127.0
                } else {
                    (from[c] + (to[c] - from[c]) * t) * stripe
                };
                rgb.push(v.clamp(0.0, 255.0) as u8);
            }
        }
    }
    rgb
}

/// Encodes the seed's picture at exactly `width` x `height`.
pub(crate) fn render(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let rgb = picture(seed, width, height);
    let mut out = Vec::new();
    // Sizes are validated to at most 2048, far below the JPEG limit.
    Encoder::new(&mut out, 85)
        .encode(&rgb, width as u16, height as u16, ColorType::Rgb)
        .expect("encoding an in-memory RGB buffer of valid size cannot fail");
    out
}
