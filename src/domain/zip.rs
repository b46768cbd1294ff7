//! ZIP archives of stored (uncompressed) entries, written as a stream:
//! each entry's local header and data as it comes, then the central
//! directory. JPEGs do not compress, so storing is all the app needs, and
//! each entry's data is in hand before its header is written (no data
//! descriptors). The format is PKWARE's APPNOTE 6.3.x, without ZIP64: an
//! archive stays under 4 GB and 65,535 entries.
//!
//! Why not a crate: `zip` added 27 KB of wasm (brotli) and `rawzip` 22 KB
//! for this; this file and `crc32fast` add about 2 KB.

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// Version 2.0: what stored entries need.
const VERSION: u16 = 20;
/// General purpose flag bit 11: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;
/// 1980-01-01 00:00 in MS-DOS form (the earliest date ZIP can say).
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;

/// Why an archive cannot take more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZipLimit {
    /// Over 4 GB, or over 65,535 entries (ZIP64 would be needed).
    TooLarge,
    NameTooLong,
}

struct Central {
    name: Vec<u8>,
    crc: u32,
    size: u32,
    offset: u32,
}

/// Writes a ZIP to `out` as it goes.
pub struct ZipStream {
    written: u64,
    entries: Vec<Central>,
}

fn le16(v: u16) -> [u8; 2] {
    v.to_le_bytes()
}

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

impl Default for ZipStream {
    fn default() -> Self {
        Self::new()
    }
}

impl ZipStream {
    pub fn new() -> ZipStream {
        ZipStream {
            written: 0,
            entries: Vec::new(),
        }
    }

    fn emit(&mut self, out: &mut impl FnMut(&[u8]), bytes: &[u8]) {
        self.written += bytes.len() as u64;
        out(bytes);
    }

    /// Adds a file named `name` holding `data`.
    pub fn add(
        &mut self,
        name: &str,
        data: &[u8],
        out: &mut impl FnMut(&[u8]),
    ) -> Result<(), ZipLimit> {
        let name = name.as_bytes().to_vec();
        let name_len = u16::try_from(name.len()).map_err(|_| ZipLimit::NameTooLong)?;
        let size = u32::try_from(data.len()).map_err(|_| ZipLimit::TooLarge)?;
        let offset = u32::try_from(self.written).map_err(|_| ZipLimit::TooLarge)?;
        if self.entries.len() >= u16::MAX as usize
            || self.written + 30 + name.len() as u64 + data.len() as u64 > u32::MAX as u64
        {
            return Err(ZipLimit::TooLarge);
        }
        let crc = crc32fast::hash(data);
        let mut header = Vec::with_capacity(30 + name.len());
        header.extend_from_slice(&le32(LOCAL_HEADER));
        header.extend_from_slice(&le16(VERSION));
        header.extend_from_slice(&le16(UTF8_NAMES));
        header.extend_from_slice(&le16(0)); // stored
        header.extend_from_slice(&le16(DOS_TIME));
        header.extend_from_slice(&le16(DOS_DATE));
        header.extend_from_slice(&le32(crc));
        header.extend_from_slice(&le32(size)); // compressed
        header.extend_from_slice(&le32(size)); // uncompressed
        header.extend_from_slice(&le16(name_len));
        header.extend_from_slice(&le16(0)); // no extra field
        header.extend_from_slice(&name);
        self.emit(out, &header);
        self.emit(out, data);
        self.entries.push(Central {
            name,
            crc,
            size,
            offset,
        });
        Ok(())
    }

    /// Writes the central directory: the archive is complete.
    pub fn finish(mut self, out: &mut impl FnMut(&[u8])) -> Result<(), ZipLimit> {
        let start = u32::try_from(self.written).map_err(|_| ZipLimit::TooLarge)?;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let mut h = Vec::with_capacity(46 + e.name.len());
            h.extend_from_slice(&le32(CENTRAL_HEADER));
            h.extend_from_slice(&le16(VERSION)); // made by
            h.extend_from_slice(&le16(VERSION)); // needed
            h.extend_from_slice(&le16(UTF8_NAMES));
            h.extend_from_slice(&le16(0)); // stored
            h.extend_from_slice(&le16(DOS_TIME));
            h.extend_from_slice(&le16(DOS_DATE));
            h.extend_from_slice(&le32(e.crc));
            h.extend_from_slice(&le32(e.size));
            h.extend_from_slice(&le32(e.size));
            h.extend_from_slice(&le16(e.name.len() as u16));
            h.extend_from_slice(&le16(0)); // extra
            h.extend_from_slice(&le16(0)); // comment
            h.extend_from_slice(&le16(0)); // disk
            h.extend_from_slice(&le16(0)); // internal attributes
            h.extend_from_slice(&le32(0)); // external attributes
            h.extend_from_slice(&le32(e.offset));
            h.extend_from_slice(&e.name);
            self.emit(out, &h);
        }
        let size = u32::try_from(self.written - start as u64).map_err(|_| ZipLimit::TooLarge)?;
        let count = entries.len() as u16;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&le32(END_OF_CENTRAL_DIRECTORY));
        end.extend_from_slice(&le16(0)); // this disk
        end.extend_from_slice(&le16(0)); // disk of the directory
        end.extend_from_slice(&le16(count));
        end.extend_from_slice(&le16(count));
        end.extend_from_slice(&le32(size));
        end.extend_from_slice(&le32(start));
        end.extend_from_slice(&le16(0)); // comment
        self.emit(out, &end);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut z = ZipStream::new();
        let mut out = |b: &[u8]| bytes.extend_from_slice(b);
        for (name, data) in files {
            z.add(name, data, &mut out).unwrap();
        }
        z.finish(&mut out).unwrap();
        bytes
    }

    #[test]
    fn the_layout_is_the_zip_format() {
        let zip = build(&[("a.txt", b"hello"), ("长发-微笑.jpg", &[0xff, 0xd8, 0xff])]);
        assert_eq!(&zip[..4], &le32(LOCAL_HEADER));
        // The end record points at the central directory, which lists both.
        let end = &zip[zip.len() - 22..];
        assert_eq!(&end[..4], &le32(END_OF_CENTRAL_DIRECTORY));
        let count = u16::from_le_bytes([end[10], end[11]]);
        let start = u32::from_le_bytes([end[16], end[17], end[18], end[19]]) as usize;
        assert_eq!(count, 2);
        assert_eq!(&zip[start..start + 4], &le32(CENTRAL_HEADER));
        // The first entry: CRC-32 of "hello", sizes, name, data.
        assert_eq!(&zip[14..18], &le32(0x3610_a686));
        assert_eq!(&zip[18..22], &le32(5));
        assert_eq!(&zip[30..35], b"a.txt");
        assert_eq!(&zip[35..40], b"hello");
    }

    // The `zip` crate (a real reader) is a native-only dev-dependency.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_zip_reader_reads_it_back() {
        use std::io::Read;
        let jpeg: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let zip = build(&[
            ("2026-11-25_7_长发.jpg", &jpeg),
            ("2026-11-25_7_长发.txt", b"long hair"),
        ]);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut back = Vec::new();
        archive
            .by_name("2026-11-25_7_长发.jpg")
            .unwrap()
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, jpeg);
        let mut text = String::new();
        archive
            .by_index(1)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "long hair");
    }

    #[test]
    fn an_empty_archive_is_just_the_end_record() {
        let zip = build(&[]);
        assert_eq!(zip.len(), 22);
    }
}
