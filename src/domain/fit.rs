//! Preparing an image2image source: how it maps onto the output canvas, which
//! way up it is, and the limits checked before the browser decodes it.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

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

/// The linear part of the transform that shows an image stored with some
/// EXIF orientation upright, as canvas `setTransform` coefficients: a stored
/// pixel `(x, y)` lands at `(a*x + c*y, b*x + d*y)` before translation.
///
/// Current browsers already apply EXIF orientation when decoding into an
/// `<img>` (CSS `image-orientation: from-image` is the default), so this is
/// only for a decoder that hands over the pixels as stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrientationTransform {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    /// Orientations 5 to 8 turn the picture a quarter: width and height swap.
    pub swaps_sides: bool,
}

impl OrientationTransform {
    pub const IDENTITY: OrientationTransform = OrientationTransform {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: 1.0,
        swaps_sides: false,
    };

    pub fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    /// The size of the upright picture of an image stored as `w` x `h`: the
    /// canvas to draw it on.
    pub fn upright_size(&self, w: u32, h: u32) -> (u32, u32) {
        if self.swaps_sides {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// All six `setTransform(a, b, c, d, e, f)` arguments for drawing an
    /// image stored as `w` x `h` at `(0, 0)` upright into a canvas of
    /// [`upright_size`](Self::upright_size).
    pub fn canvas_matrix(&self, w: f64, h: f64) -> [f64; 6] {
        // The translation moves the transformed image, which may lie at
        // negative coordinates, back so its top-left corner is the origin.
        let e = -((self.a * w).min(0.0) + (self.c * h).min(0.0));
        let f = -((self.b * w).min(0.0) + (self.d * h).min(0.0));
        // `+ 0.0` turns -0.0 into 0.0, which reads better in a debugger.
        [self.a, self.b, self.c, self.d, e + 0.0, f + 0.0]
    }
}

/// The transform for an EXIF orientation; values outside 1..=8 are treated
/// as 1 (upright), as browsers do.
pub fn orientation_transform(exif_orientation: u16) -> OrientationTransform {
    let (a, b, c, d) = match exif_orientation {
        2 => (-1.0, 0.0, 0.0, 1.0),  // mirrored left-right
        3 => (-1.0, 0.0, 0.0, -1.0), // turned 180°
        4 => (1.0, 0.0, 0.0, -1.0),  // mirrored top-bottom
        5 => (0.0, 1.0, 1.0, 0.0),   // transposed
        6 => (0.0, 1.0, -1.0, 0.0),  // needs 90° clockwise
        7 => (0.0, -1.0, -1.0, 0.0), // transversed
        8 => (0.0, -1.0, 1.0, 0.0),  // needs 90° anticlockwise
        _ => return OrientationTransform::IDENTITY,
    };
    OrientationTransform {
        a,
        b,
        c,
        d,
        swaps_sides: (5..=8).contains(&exif_orientation),
    }
}

const ORIENTATION_TAG: u16 = 0x0112;

/// The Orientation (1..=8) of a JPEG's Exif data, if it has one. Anything
/// that is not a well-formed JPEG with Exif gives `None`, never a panic.
pub fn exif_orientation(jpeg: &[u8]) -> Option<u16> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut pos = 2usize;
    loop {
        if *jpeg.get(pos)? != 0xFF {
            return None;
        }
        // A marker may be preceded by any number of 0xFF fill bytes.
        while jpeg.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *jpeg.get(pos)?;
        pos += 1;
        match marker {
            // Standalone markers: no length follows.
            0x01 | 0xD0..=0xD8 => continue,
            // Exif comes before the image data; past it there is none.
            0xD9 | 0xDA | 0x00 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(pos)?, *jpeg.get(pos + 1)?]));
        if len < 2 {
            return None;
        }
        // A truncated file still gets the part of the segment it has.
        let body = jpeg.get(pos + 2..(pos + len).min(jpeg.len()))?;
        if marker == 0xE1 && body.get(..6) == Some(b"Exif\0\0") {
            return tiff_orientation(&body[6..]);
        }
        pos += len;
    }
}

/// Reads the Orientation entry of IFD0 of a TIFF header (Exif's container).
fn tiff_orientation(tiff: &[u8]) -> Option<u16> {
    let big_endian = match tiff.get(..4)? {
        [b'I', b'I', 42, 0] => false,
        [b'M', b'M', 0, 42] => true,
        _ => return None,
    };
    let bytes = |at: usize, n: usize| tiff.get(at..at.checked_add(n)?);
    let u16_at = |at: usize| {
        let b: [u8; 2] = bytes(at, 2)?.try_into().ok()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = bytes(at, 4)?.try_into().ok()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2 + i * 12)?;
        if u16_at(entry)? != ORIENTATION_TAG {
            continue;
        }
        let value_at = entry.checked_add(8)?;
        let value = match u16_at(entry.checked_add(2)?)? {
            3 => u16_at(value_at)?,
            // The standard says SHORT; some writers use LONG.
            4 => u16::try_from(u32_at(value_at)?).ok()?,
            _ => return None,
        };
        return (1..=8).contains(&value).then_some(value);
    }
    None
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

impl SourceProblem {
    pub fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let limit = MAX_SOURCE_PIXELS / 1_000_000;
        match *self {
            SourceProblem::Empty => if zh {
                "图片为空（宽或高为 0）。"
            } else {
                "The image is empty (its width or height is 0)."
            }
            .into(),
            SourceProblem::TooLarge { w, h } => {
                let mp = (u64::from(w) * u64::from(h)) as f64 / 1e6;
                if zh {
                    format!("图片为 {w}×{h}（{mp:.1} 百万像素），超过了 {limit} 百万像素的上限。")
                } else {
                    format!(
                        "The image is {w}×{h} ({mp:.1} megapixels); the limit is {limit} megapixels."
                    )
                }
            }
        }
    }
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

    /// Where each corner of a stored `w` x `h` image lands.
    fn corners(t: OrientationTransform, w: f64, h: f64) -> Vec<(f64, f64)> {
        let [a, b, c, d, e, f] = t.canvas_matrix(w, h);
        [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)]
            .into_iter()
            .map(|(x, y)| (a * x + c * y + e, b * x + d * y + f))
            .collect()
    }

    #[test]
    fn orientations_fill_the_upright_canvas() {
        for o in 1..=8 {
            let t = orientation_transform(o);
            let (cw, ch) = t.upright_size(40, 30);
            let (cw, ch) = (f64::from(cw), f64::from(ch));
            let mut got = corners(t, 40.0, 30.0);
            got.sort_by(|p, q| p.partial_cmp(q).unwrap());
            assert_eq!(
                got,
                vec![(0.0, 0.0), (0.0, ch), (cw, 0.0), (cw, ch)],
                "orientation {o}"
            );
            let det = t.a * t.d - t.b * t.c;
            let mirrored = [2, 4, 5, 7].contains(&o);
            assert_eq!(det, if mirrored { -1.0 } else { 1.0 }, "orientation {o}");
        }
    }

    #[test]
    fn orientations_move_the_stored_top_left_where_exif_says() {
        // Where the stored image's first pixel belongs on screen.
        let expected = [
            (1, (0.0, 0.0)),
            (2, (40.0, 0.0)),
            (3, (40.0, 30.0)),
            (4, (0.0, 30.0)),
            (5, (0.0, 0.0)),
            (6, (30.0, 0.0)),
            (7, (30.0, 40.0)),
            (8, (0.0, 40.0)),
        ];
        for (o, corner) in expected {
            assert_eq!(
                corners(orientation_transform(o), 40.0, 30.0)[0],
                corner,
                "{o}"
            );
        }
        // Orientation 6: the stored top-right corner goes bottom-right.
        assert_eq!(
            corners(orientation_transform(6), 40.0, 30.0)[1],
            (30.0, 40.0)
        );
    }

    #[test]
    fn unknown_orientations_are_upright() {
        for o in [0, 9, 255, u16::MAX] {
            assert!(orientation_transform(o).is_identity());
        }
        assert_eq!(
            orientation_transform(1).canvas_matrix(40.0, 30.0),
            [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        );
        assert_eq!(orientation_transform(6).upright_size(40, 30), (30, 40));
        assert_eq!(orientation_transform(3).upright_size(40, 30), (40, 30));
    }

    /// A JPEG whose Exif IFD0 holds a Make entry and, if given, an
    /// Orientation entry of TIFF `kind` (3 = SHORT, 4 = LONG).
    fn jpeg(big_endian: bool, orientation: Option<(u16, u32)>) -> Vec<u8> {
        let u16b = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut tiff = Vec::new();
        tiff.extend_from_slice(if big_endian { b"MM" } else { b"II" });
        tiff.extend_from_slice(&u16b(42));
        tiff.extend_from_slice(&u32b(8));
        tiff.extend_from_slice(&u16b(1 + u16::from(orientation.is_some())));
        // Make: ASCII, 4 bytes inline.
        tiff.extend_from_slice(&u16b(0x010F));
        tiff.extend_from_slice(&u16b(2));
        tiff.extend_from_slice(&u32b(4));
        tiff.extend_from_slice(b"Cam\0");
        if let Some((kind, value)) = orientation {
            tiff.extend_from_slice(&u16b(0x0112));
            tiff.extend_from_slice(&u16b(kind));
            tiff.extend_from_slice(&u32b(1));
            if kind == 3 {
                tiff.extend_from_slice(&u16b(value as u16));
                tiff.extend_from_slice(&[0, 0]);
            } else {
                tiff.extend_from_slice(&u32b(value));
            }
        }
        tiff.extend_from_slice(&u32b(0));
        let mut out = vec![0xFF, 0xD8];
        // APP0 JFIF first, as cameras and editors often write it.
        out.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
        out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let app1_len = (2 + 6 + tiff.len()) as u16;
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&app1_len.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(&tiff);
        out.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0x12, 0x34, 0xFF, 0xD9]);
        out
    }

    #[test]
    fn reads_orientation_in_both_byte_orders() {
        for big_endian in [false, true] {
            for o in 1..=8u16 {
                assert_eq!(
                    exif_orientation(&jpeg(big_endian, Some((3, u32::from(o))))),
                    Some(o)
                );
            }
            assert_eq!(exif_orientation(&jpeg(big_endian, Some((4, 6)))), Some(6));
            assert_eq!(exif_orientation(&jpeg(big_endian, None)), None);
            assert_eq!(exif_orientation(&jpeg(big_endian, Some((3, 0)))), None);
            assert_eq!(exif_orientation(&jpeg(big_endian, Some((3, 9)))), None);
            assert_eq!(exif_orientation(&jpeg(big_endian, Some((4, 70_000)))), None);
            // An unexpected type (ASCII) is not read as a number.
            assert_eq!(exif_orientation(&jpeg(big_endian, Some((2, 6)))), None);
        }
    }

    #[test]
    fn skips_fill_bytes_and_other_app1_segments() {
        let exif = jpeg(true, Some((3, 8)));
        let mut j = vec![0xFF, 0xD8];
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x/>";
        j.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xE1]);
        j.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(xmp);
        j.extend_from_slice(&exif[2..]);
        assert_eq!(exif_orientation(&j), Some(8));
    }

    #[test]
    fn exif_after_the_image_data_is_not_read() {
        let exif = jpeg(false, Some((3, 6)));
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 2];
        j.extend_from_slice(&exif[2..]);
        assert_eq!(exif_orientation(&j), None);
    }

    #[test]
    fn garbage_gives_none() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let cases: [&[u8]; 10] = [
            b"",
            b"\xFF",
            b"\xFF\xD8",
            b"\xFF\xD8\xFF",
            b"\xFF\xD8\xFF\xE1",
            b"\xFF\xD8\xFF\xE1\x00\x01Exif",
            b"\xFF\xD8\x00\x00",
            b"\xFF\xD8\xFF\xE1\xFF\xFFExif\0\0II*\0\xFF\xFF\xFF\xFF",
            b"\xFF\xD8\xFF\xE1\x00\x14Exif\0\0II*\0\x08\0\0\0\xFF\xFF",
            png,
        ];
        for case in cases {
            assert_eq!(exif_orientation(case), None, "{case:?}");
        }
        assert_eq!(exif_orientation(&[0xFF; 10_000]), None);
    }

    #[test]
    fn truncation_never_panics() {
        for big_endian in [false, true] {
            let full = jpeg(big_endian, Some((3, 6)));
            for n in 0..full.len() {
                let got = exif_orientation(&full[..n]);
                assert!(got.is_none() || got == Some(6), "{n}: {got:?}");
            }
            // Once the entry itself is there, the rest does not matter.
            assert_eq!(exif_orientation(&full[..full.len() - 12]), Some(6));
        }
    }

    #[test]
    fn pseudo_random_bytes_never_panic() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let template = jpeg(false, Some((3, 3)));
        for _ in 0..2000 {
            let mut bytes = template.clone();
            for _ in 0..(next() % 8) {
                let i = (next() as usize) % bytes.len();
                bytes[i] = next() as u8;
            }
            if let Some(o) = exif_orientation(&bytes) {
                assert!((1..=8).contains(&o));
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

    #[test]
    fn source_problems_are_described_in_both_languages() {
        let big = SourceProblem::TooLarge {
            w: 12_000,
            h: 12_000,
        };
        let en = big.describe(Lang::En);
        let zh = big.describe(Lang::Zh);
        assert!(en.contains("12000×12000") && en.contains("144.0") && en.contains("50"));
        assert!(zh.contains("12000×12000") && zh.contains("百万像素"));
        let empty = SourceProblem::Empty;
        assert_ne!(empty.describe(Lang::En), empty.describe(Lang::Zh));
        assert!(!empty.describe(Lang::Zh).is_empty());
    }
}
