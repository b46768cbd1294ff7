//! Reads an image file's format and pixel size from its first bytes, so a
//! huge picture is refused before the browser spends memory decoding it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Bmp,
}

impl Format {
    /// Formats that can carry transparency (kept by sending PNG).
    pub fn may_have_alpha(self) -> bool {
        matches!(self, Format::Png | Format::Gif | Format::Webp)
    }
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as u32)
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as u32)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(s[0] as u32 | (s[1] as u32) << 8 | (s[2] as u32) << 16)
}

/// The format and `(width, height)` in stored pixels (before any EXIF
/// rotation), or `None` when the bytes are not a known image header.
pub fn dimensions(b: &[u8]) -> Option<(Format, u32, u32)> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        return Some((Format::Png, be32(b, 16)?, be32(b, 20)?));
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        return Some((Format::Gif, le16(b, 6)?, le16(b, 8)?));
    }
    if b.starts_with(b"BM") {
        let w = i32::from_le_bytes(b.get(18..22)?.try_into().ok()?);
        let h = i32::from_le_bytes(b.get(22..26)?.try_into().ok()?);
        return Some((Format::Bmp, w.unsigned_abs(), h.unsigned_abs()));
    }
    if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        return match b.get(12..16)? {
            b"VP8 " => Some((Format::Webp, le16(b, 26)? & 0x3fff, le16(b, 28)? & 0x3fff)),
            b"VP8L" => {
                let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
                Some((
                    Format::Webp,
                    (bits & 0x3fff) + 1,
                    ((bits >> 14) & 0x3fff) + 1,
                ))
            }
            b"VP8X" => Some((Format::Webp, le24(b, 24)? + 1, le24(b, 27)? + 1)),
            _ => None,
        };
    }
    if b.starts_with(&[0xff, 0xd8]) {
        return jpeg_dimensions(b).map(|(w, h)| (Format::Jpeg, w, h));
    }
    None
}

fn jpeg_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers may be padded with extra 0xff bytes.
        while *b.get(at)? == 0xff && *b.get(at + 1)? == 0xff {
            at += 1;
        }
        if *b.get(at)? != 0xff {
            return None;
        }
        let marker = *b.get(at + 1)?;
        if marker == 0xd8 || marker == 0x01 || (0xd0..=0xd7).contains(&marker) {
            at += 2;
            continue;
        }
        let len = be16(b, at + 2)? as usize;
        // Start of frame (any coding but DHT, JPG and DAC, which share the range).
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            return Some((be16(b, at + 7)?, be16(b, at + 5)?));
        }
        if marker == 0xd9 || marker == 0xda || len < 2 {
            return None;
        }
        at += 2 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend(w.to_be_bytes());
        v.extend(h.to_be_bytes());
        v.extend([8, 6, 0, 0, 0]);
        v
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
        v.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        v.extend([0xff, 0xff, 0xc0, 0, 17, 8]);
        v.extend(h.to_be_bytes());
        v.extend(w.to_be_bytes());
        v.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v
    }

    #[test]
    fn reads_png_jpeg_gif_bmp_webp_sizes() {
        assert_eq!(
            dimensions(&png(12000, 12000)),
            Some((Format::Png, 12000, 12000))
        );
        assert_eq!(dimensions(&jpeg(768, 512)), Some((Format::Jpeg, 768, 512)));
        assert_eq!(
            dimensions(b"GIF89a\x20\x03\x58\x02rest"),
            Some((Format::Gif, 800, 600))
        );
        let mut bmp = b"BM".to_vec();
        bmp.resize(18, 0);
        bmp.extend(640i32.to_le_bytes());
        bmp.extend((-480i32).to_le_bytes());
        assert_eq!(dimensions(&bmp), Some((Format::Bmp, 640, 480)));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X".to_vec();
        webp.resize(24, 0);
        webp.extend([0xff, 0x03, 0x00, 0xff, 0x01, 0x00]);
        assert_eq!(dimensions(&webp), Some((Format::Webp, 1024, 512)));
    }

    #[test]
    fn garbage_and_truncation_give_none_without_panicking() {
        assert_eq!(dimensions(b""), None);
        assert_eq!(dimensions(b"hello, not an image"), None);
        assert_eq!(dimensions(&png(1, 1)[..18]), None);
        let j = jpeg(768, 512);
        for cut in 0..j.len() {
            let _ = dimensions(&j[..cut]);
        }
        assert_eq!(dimensions(&[0xff, 0xd8, 0xff, 0xda, 0, 2]), None);
        assert_eq!(dimensions(&[0xff, 0xd8, 0x00]), None);
    }

    #[test]
    fn alpha_hint() {
        assert!(Format::Png.may_have_alpha());
        assert!(!Format::Jpeg.may_have_alpha());
    }
}
