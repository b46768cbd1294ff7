//! Preparing an image2image source: how it maps onto the output canvas, and
//! the limits checked before the browser decodes it. Which way up it is is
//! the browser's job: `createImageBitmap` applies the EXIF orientation.

use serde::{Deserialize, Serialize};

/// How a source whose shape differs from the output is made to fit it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FitMode {
    /// Scales each axis separately: nothing lost, but shapes distort.
    Stretch,
    /// Scales to fill the output and crops the overflow, centred. The
    /// default: nothing distorts and the server gets no empty bands to paint.
    #[default]
    Cover,
    /// Scales the whole source inside the output, centred; the bands left
    /// over stay empty.
    Contain,
}

impl FitMode {
    pub const ALL: [FitMode; 3] = [FitMode::Stretch, FitMode::Cover, FitMode::Contain];

    /// A stable name, for a `<select>` value or storage.
    pub fn key(self) -> &'static str {
        match self {
            FitMode::Stretch => "stretch",
            FitMode::Cover => "cover",
            FitMode::Contain => "contain",
        }
    }

    pub fn from_key(key: &str) -> Option<FitMode> {
        FitMode::ALL.into_iter().find(|m| m.key() == key.trim())
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Arguments for the nine-argument canvas `drawImage`: draw `src` (in
/// source pixels) into `dst` (in output pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub src: Rect,
    pub dst: Rect,
}

/// Where a `src_w` x `src_h` source goes on an `out_w` x `out_h` canvas;
/// `None` if any side is zero (there is nothing sensible to draw).
pub fn place(src_w: u32, src_h: u32, out_w: u32, out_h: u32, mode: FitMode) -> Option<Placement> {
    if [src_w, src_h, out_w, out_h].contains(&0) {
        return None;
    }
    let (sw, sh) = (f64::from(src_w), f64::from(src_h));
    let (ow, oh) = (f64::from(out_w), f64::from(out_h));
    let whole_src = Rect {
        x: 0.0,
        y: 0.0,
        w: sw,
        h: sh,
    };
    let whole_out = Rect {
        x: 0.0,
        y: 0.0,
        w: ow,
        h: oh,
    };
    Some(match mode {
        FitMode::Stretch => Placement {
            src: whole_src,
            dst: whole_out,
        },
        FitMode::Cover => {
            let scale = (ow / sw).max(oh / sh);
            // `min` absorbs rounding so the crop never leaves the source.
            let (w, h) = ((ow / scale).min(sw), (oh / scale).min(sh));
            Placement {
                src: Rect {
                    x: (sw - w) / 2.0,
                    y: (sh - h) / 2.0,
                    w,
                    h,
                },
                dst: whole_out,
            }
        }
        FitMode::Contain => {
            let scale = (ow / sw).min(oh / sh);
            let (w, h) = ((sw * scale).min(ow), (sh * scale).min(oh));
            Placement {
                src: whole_src,
                dst: Rect {
                    x: (ow - w) / 2.0,
                    y: (oh - h) / 2.0,
                    w,
                    h,
                },
            }
        }
    })
}

const SIDE_MIN: u32 = 64;
const SIDE_MAX: u32 = 2048;

/// An output size with the source's aspect ratio that the API accepts:
/// both sides multiples of 8 in 64..=2048, the longer one `max_side`
/// (itself brought into that range and rounded down to a multiple of 8).
/// `None` if the source has a zero side.
pub fn aspect_size(src_w: u32, src_h: u32, max_side: u32) -> Option<(u32, u32)> {
    if src_w == 0 || src_h == 0 {
        return None;
    }
    let long = u64::from(max_side.clamp(SIDE_MIN, SIDE_MAX) / 8 * 8);
    let (src_long, src_short) = (u64::from(src_w.max(src_h)), u64::from(src_w.min(src_h)));
    // Nearest multiple of 8 to long * short / src_long, in integers:
    // round(a / b) = (2a + b) / 2b with a = long * short, b = 8 * src_long.
    let short = (2 * long * src_short + 8 * src_long) / (16 * src_long) * 8;
    let short = short.clamp(u64::from(SIDE_MIN), long);
    // Both values are at most 2048, so the casts cannot truncate.
    let (long, short) = (long as u32, short as u32);
    Some(if src_w >= src_h {
        (long, short)
    } else {
        (short, long)
    })
}

/// The largest source accepted, in bytes of the decoded file.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

/// The size in bytes of what a data URL holds, from its length alone, so
/// an oversized file is refused without decoding it. A string with no comma
/// is taken as bare base64; a data URL without `;base64` holds its text
/// as is (percent escapes make that an overestimate, which is safe for a
/// limit).
pub fn data_url_size(data_url: &str) -> usize {
    let (header, payload) = match data_url.split_once(',') {
        Some((header, payload)) => (Some(header), payload),
        None => (None, data_url),
    };
    let base64 = header.is_none_or(|h| {
        h.len() >= 7
            && h.get(h.len() - 7..)
                .is_some_and(|t| t.eq_ignore_ascii_case(";base64"))
    });
    if !base64 {
        return payload.len();
    }
    let digits = payload
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count();
    digits / 4 * 3 + [0, 0, 1, 2][digits % 4]
}

/// Sources above this many pixels are refused before decoding: a decoded
/// bitmap takes 4 bytes a pixel, and a browser tab can run out of memory.
pub const MAX_SOURCE_PIXELS: u64 = 50_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceProblem {
    Empty,
    TooLarge { w: u32, h: u32 },
}

/// Whether a source of this size may be decoded.
pub fn check_source_dimensions(w: u32, h: u32) -> Result<(), SourceProblem> {
    if w == 0 || h == 0 {
        return Err(SourceProblem::Empty);
    }
    if u64::from(w) * u64::from(h) > MAX_SOURCE_PIXELS {
        return Err(SourceProblem::TooLarge { w, h });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn rect(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn zero_sides_place_nothing() {
        for mode in FitMode::ALL {
            assert_eq!(place(0, 10, 10, 10, mode), None);
            assert_eq!(place(10, 0, 10, 10, mode), None);
            assert_eq!(place(10, 10, 0, 10, mode), None);
            assert_eq!(place(10, 10, 10, 0, mode), None);
        }
    }

    #[test]
    fn stretch_maps_whole_to_whole() {
        let p = place(1000, 500, 512, 768, FitMode::Stretch).unwrap();
        assert_eq!(p.src, rect(0.0, 0.0, 1000.0, 500.0));
        assert_eq!(p.dst, rect(0.0, 0.0, 512.0, 768.0));
    }

    #[test]
    fn cover_crops_the_middle() {
        // A wide source into a square: the sides are cut.
        let p = place(1000, 500, 512, 512, FitMode::Cover).unwrap();
        assert_eq!(p.src, rect(250.0, 0.0, 500.0, 500.0));
        assert_eq!(p.dst, rect(0.0, 0.0, 512.0, 512.0));
        // A tall source into a wide output: top and bottom are cut.
        let p = place(600, 1200, 768, 512, FitMode::Cover).unwrap();
        assert_eq!(p.src, rect(0.0, 400.0, 600.0, 400.0));
        assert_eq!(p.dst, rect(0.0, 0.0, 768.0, 512.0));
    }

    #[test]
    fn contain_pads_centred() {
        let p = place(1000, 500, 512, 512, FitMode::Contain).unwrap();
        assert_eq!(p.src, rect(0.0, 0.0, 1000.0, 500.0));
        assert_eq!(p.dst, rect(0.0, 128.0, 512.0, 256.0));
        let p = place(600, 1200, 768, 512, FitMode::Contain).unwrap();
        assert_eq!(p.dst, rect(256.0, 0.0, 256.0, 512.0));
    }

    #[test]
    fn same_shape_is_the_same_in_every_mode() {
        for mode in FitMode::ALL {
            let p = place(1536, 1024, 768, 512, mode).unwrap();
            assert_eq!(p.src, rect(0.0, 0.0, 1536.0, 1024.0), "{mode:?}");
            assert_eq!(p.dst, rect(0.0, 0.0, 768.0, 512.0), "{mode:?}");
        }
    }

    #[test]
    fn placements_stay_inside_and_keep_shape() {
        let sides = [1, 7, 64, 333, 512, 768, 1080, 1920, 4000, 65_535, u32::MAX];
        for &sw in &sides {
            for &sh in &sides {
                for &(ow, oh) in &[(768, 512), (512, 768), (64, 2048), (1, 1), (2048, 64)] {
                    for mode in FitMode::ALL {
                        let p = place(sw, sh, ow, oh, mode).unwrap();
                        let (s, d) = (p.src, p.dst);
                        for v in [s.x, s.y, s.w, s.h, d.x, d.y, d.w, d.h] {
                            assert!(v.is_finite() && v >= 0.0, "{sw}x{sh} {mode:?}: {p:?}");
                        }
                        assert!(s.x + s.w <= f64::from(sw) * (1.0 + 1e-12));
                        assert!(s.y + s.h <= f64::from(sh) * (1.0 + 1e-12));
                        assert!(d.x + d.w <= f64::from(ow) * (1.0 + 1e-12));
                        assert!(d.y + d.h <= f64::from(oh) * (1.0 + 1e-12));
                        if mode != FitMode::Stretch {
                            let (rs, rd) = (s.w / s.h, d.w / d.h);
                            assert!((rs / rd - 1.0).abs() < 1e-9, "{sw}x{sh} {mode:?}: {p:?}");
                        }
                        if mode == FitMode::Cover {
                            assert_eq!(d, rect(0.0, 0.0, f64::from(ow), f64::from(oh)));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn fit_mode_keys_round_trip() {
        for mode in FitMode::ALL {
            assert_eq!(FitMode::from_key(mode.key()), Some(mode));
        }
        assert_eq!(FitMode::from_key("zoom"), None);
        assert_eq!(FitMode::default(), FitMode::Cover);
    }

    #[test]
    fn aspect_size_keeps_the_shape() {
        assert_eq!(aspect_size(4000, 3000, 1024), Some((1024, 768)));
        assert_eq!(aspect_size(3000, 4000, 1024), Some((768, 1024)));
        assert_eq!(aspect_size(1920, 1080, 1024), Some((1024, 576)));
        assert_eq!(aspect_size(500, 500, 768), Some((768, 768)));
        // 1000 / 1.5 = 666.7, nearest multiple of 8 is 664.
        assert_eq!(aspect_size(1500, 1000, 1000), Some((1000, 664)));
    }

    #[test]
    fn aspect_size_clamps_the_sides() {
        assert_eq!(aspect_size(10_000, 1, 2048), Some((2048, 64)));
        assert_eq!(aspect_size(1, 10_000, 768), Some((64, 768)));
        assert_eq!(aspect_size(400, 300, 1001), Some((1000, 752)));
        assert_eq!(aspect_size(400, 300, 5000), Some((2048, 1536)));
        assert_eq!(aspect_size(400, 300, 10), Some((64, 64)));
        assert_eq!(aspect_size(400, 300, 0), Some((64, 64)));
        assert_eq!(aspect_size(0, 300, 768), None);
        assert_eq!(aspect_size(300, 0, 768), None);
    }

    #[test]
    fn aspect_size_is_always_acceptable() {
        let sides = [1, 2, 3, 63, 64, 65, 100, 333, 1000, 4095, 65_535, u32::MAX];
        for &w in &sides {
            for &h in &sides {
                for max in [0, 1, 64, 100, 513, 768, 1024, 2047, 2048, 4096, u32::MAX] {
                    let (ow, oh) = aspect_size(w, h, max).unwrap();
                    for side in [ow, oh] {
                        assert!(
                            side % 8 == 0 && (64..=2048).contains(&side),
                            "{w}x{h} {max}"
                        );
                    }
                    assert_eq!(ow.max(oh), max.clamp(64, 2048) / 8 * 8);
                    // Clamping may make both sides equal, never flip the shape.
                    assert!(w.cmp(&h) == ow.cmp(&oh) || ow == oh, "{w}x{h} {max}");
                }
            }
        }
    }

    #[test]
    fn data_url_size_matches_the_decoded_size() {
        let b64 = base64::engine::general_purpose::STANDARD;
        for n in 0..40usize {
            let bytes = vec![0xA5u8; n];
            let url = format!("data:image/png;base64,{}", b64.encode(&bytes));
            assert_eq!(data_url_size(&url), n, "{url}");
            let bare = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
            assert_eq!(data_url_size(&bare), n);
        }
        assert_eq!(data_url_size("data:image/jpeg;BASE64,AAAA\r\nAAAA"), 6);
        assert_eq!(data_url_size("data:text/plain,hello"), 5);
        assert_eq!(data_url_size("data:,"), 0);
        assert_eq!(data_url_size(""), 0);
    }

    #[test]
    fn four_megabytes_is_the_byte_limit() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let url = format!(
            "data:image/jpeg;base64,{}",
            b64.encode(vec![0u8; MAX_SOURCE_BYTES + 1])
        );
        assert!(data_url_size(&url) > MAX_SOURCE_BYTES);
    }

    #[test]
    fn source_dimensions() {
        assert_eq!(check_source_dimensions(0, 100), Err(SourceProblem::Empty));
        assert_eq!(check_source_dimensions(100, 0), Err(SourceProblem::Empty));
        assert_eq!(check_source_dimensions(7000, 7000), Ok(()));
        assert_eq!(check_source_dimensions(10_000, 5_000), Ok(()));
        assert_eq!(
            check_source_dimensions(12_000, 12_000),
            Err(SourceProblem::TooLarge {
                w: 12_000,
                h: 12_000
            })
        );
        assert_eq!(
            check_source_dimensions(u32::MAX, u32::MAX),
            Err(SourceProblem::TooLarge {
                w: u32::MAX,
                h: u32::MAX
            })
        );
    }
}
