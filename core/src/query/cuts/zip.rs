//! A zip archive written as a stream: entries one after another, stored (not
//! compressed: capture files are the payload, and the page streams them to a download),
//! each followed by a data descriptor with its CRC-32, so nothing is written twice and
//! no entry is held whole. Zip64 records are written where sizes or offsets pass 4 GiB
//! or entries pass 65,535, as a 20 GB capture split into sessions needs.
//!
//! Format: PKWARE's APPNOTE.TXT 6.3.10: §4.3.7 local file header, §4.3.9 data
//! descriptor, §4.3.12 central directory header, §4.3.14–4.3.16 end of central
//! directory records, §4.5.3 the Zip64 extended information field.

use crate::query::fields::civil_from_days;
use std::io::{self, Write};

const LOCAL: u32 = 0x0403_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// Sizes come after the data (bit 3) and names are UTF-8 (bit 11).
const FLAGS: u16 = 0x0008 | 0x0800;
/// Version needed: 2.0 (stored, data descriptors), 4.5 with Zip64.
const V20: u16 = 20;
const V45: u16 = 45;
/// Made by: Unix (3, so the mode bits below count), spec 4.5.
const MADE_BY: u16 = (3 << 8) | 45;
/// A regular file, rw-r--r--, in the high half of the external attributes (Unix).
const UNIX_FILE: u32 = 0o100_644 << 16;
const U32_MAX: u64 = 0xFFFF_FFFF;

struct Entry {
    name: Vec<u8>,
    time: u16,
    date: u16,
    crc: u32,
    size: u64,
    offset: u64,
    zip64: bool,
}

/// A zip archive being written to `W`.
pub struct ZipWriter<W: Write> {
    out: W,
    /// Bytes written so far.
    at: u64,
    entries: Vec<Entry>,
    /// The entry being written: its CRC so far.
    open: Option<Open>,
}

/// The CRC of the entry being written.
enum Open {
    /// Of the bytes given so far.
    Hashing(crc32fast::Hasher),
    /// Of bytes the caller put itself ([`ZipWriter::data_elsewhere`]).
    Known(u32),
}

fn le16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn le32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn le64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// MS-DOS time and date (§4.4.6) of `ts_ns` (UTC), in 2-second steps; before 1980 it is
/// 1980-01-01, the earliest a DOS date holds.
pub fn dos_time(ts_ns: i64) -> (u16, u16) {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    if y < 1980 {
        return (0, (1 << 5) | 1);
    }
    let y = y.min(1980 + 127);
    let s = secs.rem_euclid(86_400);
    let time = ((s / 3600) << 11) | ((s / 60 % 60) << 5) | (s % 60 / 2);
    let date = ((y - 1980) << 9) | (i64::from(m) << 5) | i64::from(d);
    (time as u16, date as u16)
}

impl<W: Write> ZipWriter<W> {
    /// An empty archive.
    pub fn new(out: W) -> Self {
        ZipWriter {
            out,
            at: 0,
            entries: Vec::new(),
            open: None,
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }

    /// Starts an entry named `name`, modified at `ts_ns`, of `size_hint` bytes (an
    /// entry that may reach 4 GiB is written with Zip64 sizes). Ends the open entry.
    pub fn start(&mut self, name: &str, ts_ns: i64, size_hint: u64) -> io::Result<()> {
        self.end_entry()?;
        if name.len() > usize::from(u16::MAX) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a zip entry's name is longer than 65535 bytes",
            ));
        }
        let (time, date) = dos_time(ts_ns);
        let zip64 = size_hint >= U32_MAX;
        let mut h = Vec::with_capacity(30 + name.len() + 20);
        le32(&mut h, LOCAL);
        le16(&mut h, if zip64 { V45 } else { V20 });
        le16(&mut h, FLAGS);
        le16(&mut h, 0); // stored
        le16(&mut h, time);
        le16(&mut h, date);
        le32(&mut h, 0); // CRC-32: in the data descriptor
        let unknown = if zip64 { u32::MAX } else { 0 };
        le32(&mut h, unknown);
        le32(&mut h, unknown);
        le16(&mut h, name.len() as u16);
        le16(&mut h, if zip64 { 20 } else { 0 });
        h.extend_from_slice(name.as_bytes());
        if zip64 {
            // §4.5.3: both sizes, 0 here, known in the descriptor.
            le16(&mut h, 1);
            le16(&mut h, 16);
            le64(&mut h, 0);
            le64(&mut h, 0);
        }
        let offset = self.at;
        self.put(&h)?;
        self.entries.push(Entry {
            name: name.as_bytes().to_vec(),
            time,
            date,
            crc: 0,
            size: 0,
            offset,
            zip64,
        });
        self.open = Some(Open::Hashing(crc32fast::Hasher::new()));
        Ok(())
    }

    /// Appends bytes to the open entry.
    pub fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(Open::Hashing(crc)) = self.open.as_mut() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "zip data written before an entry was started, or after its end",
            ));
        };
        crc.update(bytes);
        self.put(bytes)?;
        if let Some(e) = self.entries.last_mut() {
            e.size += bytes.len() as u64;
        }
        Ok(())
    }

    /// The writer, for the caller to put an entry's data itself: see
    /// [`Self::data_elsewhere`].
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Ends the open entry's data with `len` bytes of CRC-32 `crc` that the caller put
    /// into the writer itself (through [`Self::get_mut`]; the page adds pieces it
    /// keeps as Blobs), after those given to [`Self::data`].
    pub fn data_elsewhere(&mut self, len: u64, crc: u32) -> io::Result<()> {
        let Some(Open::Hashing(h)) = self.open.take() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "zip data written before an entry was started, or after its end",
            ));
        };
        // The bytes given to `data` come first: CRC(a ‖ b) from CRC(a) and CRC(b).
        let mut whole = h;
        whole.combine(&crc32fast::Hasher::new_with_initial_len(crc, len));
        self.at += len;
        if let Some(e) = self.entries.last_mut() {
            e.size += len;
        }
        self.open = Some(Open::Known(whole.finalize()));
        Ok(())
    }

    /// Ends the open entry with its data descriptor.
    fn end_entry(&mut self) -> io::Result<()> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let e = self.entries.last_mut().expect("an entry is open");
        e.crc = match open {
            Open::Hashing(h) => h.finalize(),
            Open::Known(crc) => crc,
        };
        if !e.zip64 && e.size >= U32_MAX {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a zip entry grew past the size it was started with",
            ));
        }
        let mut d = Vec::with_capacity(24);
        le32(&mut d, DESCRIPTOR);
        le32(&mut d, e.crc);
        if e.zip64 {
            le64(&mut d, e.size);
            le64(&mut d, e.size);
        } else {
            le32(&mut d, e.size as u32);
            le32(&mut d, e.size as u32);
        }
        self.put(&d)
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.at
    }

    /// Ends the open entry, writes the central directory and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.end_entry()?;
        let cd_start = self.at;
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            let big_size = e.size >= U32_MAX;
            let big_offset = e.offset >= U32_MAX;
            let mut extra = Vec::new();
            if big_size || big_offset {
                let mut fields = Vec::new();
                if big_size {
                    le64(&mut fields, e.size);
                    le64(&mut fields, e.size);
                }
                if big_offset {
                    le64(&mut fields, e.offset);
                }
                le16(&mut extra, 1);
                le16(&mut extra, fields.len() as u16);
                extra.extend_from_slice(&fields);
            }
            let needed = if e.zip64 || big_size || big_offset {
                V45
            } else {
                V20
            };
            let size32 = if big_size { u32::MAX } else { e.size as u32 };
            let mut c = Vec::with_capacity(46 + e.name.len() + extra.len());
            le32(&mut c, CENTRAL);
            le16(&mut c, MADE_BY);
            le16(&mut c, needed);
            le16(&mut c, FLAGS);
            le16(&mut c, 0);
            le16(&mut c, e.time);
            le16(&mut c, e.date);
            le32(&mut c, e.crc);
            le32(&mut c, size32);
            le32(&mut c, size32);
            le16(&mut c, e.name.len() as u16);
            le16(&mut c, extra.len() as u16);
            le16(&mut c, 0); // comment
            le16(&mut c, 0); // disk
            le16(&mut c, 0); // internal attributes
            le32(&mut c, UNIX_FILE);
            le32(
                &mut c,
                if big_offset {
                    u32::MAX
                } else {
                    e.offset as u32
                },
            );
            c.extend_from_slice(&e.name);
            c.extend_from_slice(&extra);
            self.put(&c)?;
        }
        let cd_size = self.at - cd_start;
        let count = entries.len() as u64;
        let zip64 = count >= 0xFFFF || cd_size >= U32_MAX || cd_start >= U32_MAX;
        let mut t = Vec::with_capacity(98);
        if zip64 {
            let end64_at = self.at;
            le32(&mut t, END64);
            le64(&mut t, 44);
            le16(&mut t, MADE_BY);
            le16(&mut t, V45);
            le32(&mut t, 0);
            le32(&mut t, 0);
            le64(&mut t, count);
            le64(&mut t, count);
            le64(&mut t, cd_size);
            le64(&mut t, cd_start);
            le32(&mut t, LOCATOR64);
            le32(&mut t, 0);
            le64(&mut t, end64_at);
            le32(&mut t, 1);
        }
        let count16 = if zip64 { 0xFFFF } else { count as u16 };
        le32(&mut t, END);
        le16(&mut t, 0);
        le16(&mut t, 0);
        le16(&mut t, count16);
        le16(&mut t, count16);
        le32(&mut t, if zip64 { u32::MAX } else { cd_size as u32 });
        le32(&mut t, if zip64 { u32::MAX } else { cd_start as u32 });
        le16(&mut t, 0);
        self.put(&t)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    /// Reads an archive back through its central directory: (name, data) per entry,
    /// checking each local header, descriptor and CRC on the way.
    fn read_back(z: &[u8]) -> Vec<(String, Vec<u8>)> {
        let end = z.len() - 22;
        assert_eq!(u32_at(z, end), END);
        let count = u16_at(z, end + 10) as usize;
        let mut at = u32_at(z, end + 16) as usize;
        assert_eq!(at + u32_at(z, end + 12) as usize, end);
        let mut out = Vec::new();
        for _ in 0..count {
            assert_eq!(u32_at(z, at), CENTRAL);
            let crc = u32_at(z, at + 16);
            let size = u32_at(z, at + 24) as usize;
            let name_len = u16_at(z, at + 28) as usize;
            let extra_len = u16_at(z, at + 30) as usize;
            let local = u32_at(z, at + 42) as usize;
            let name = String::from_utf8(z[at + 46..at + 46 + name_len].to_vec()).unwrap();
            assert_eq!(u32_at(z, local), LOCAL);
            assert_eq!(u16_at(z, local + 6), FLAGS);
            let data_at =
                local + 30 + u16_at(z, local + 26) as usize + u16_at(z, local + 28) as usize;
            let data = z[data_at..data_at + size].to_vec();
            assert_eq!(crc32fast::hash(&data), crc);
            let d = data_at + size;
            assert_eq!(
                (u32_at(z, d), u32_at(z, d + 4), u32_at(z, d + 8) as usize),
                (DESCRIPTOR, crc, size)
            );
            out.push((name, data));
            at += 46 + name_len + extra_len;
        }
        out
    }

    #[test]
    fn entries_read_back_with_their_crc() {
        let mut z = ZipWriter::new(Vec::new());
        z.start("a.pcap", 1_700_000_000_000_000_000, 11).unwrap();
        z.data(b"hello ").unwrap();
        z.data(b"world").unwrap();
        z.start("dir/b.pcap", 0, 0).unwrap();
        z.start("c", 0, 3).unwrap();
        z.data(&[0, 1, 2]).unwrap();
        let bytes = z.finish().unwrap();
        let entries = read_back(&bytes);
        assert_eq!(
            entries,
            [
                ("a.pcap".to_owned(), b"hello world".to_vec()),
                ("dir/b.pcap".to_owned(), vec![]),
                ("c".to_owned(), vec![0, 1, 2]),
            ]
        );
    }

    #[test]
    fn dos_times() {
        // 2023-11-14 22:13:20 UTC.
        let (t, d) = dos_time(1_700_000_000_000_000_000);
        assert_eq!((t >> 11, (t >> 5) & 63, (t & 31) * 2), (22, 13, 20));
        assert_eq!((d >> 9, (d >> 5) & 15, d & 31), (43, 11, 14));
        assert_eq!(dos_time(-5), (0, 33));
    }

    #[test]
    fn a_large_entry_is_zip64() {
        let mut z = ZipWriter::new(Vec::new());
        z.start("big", 0, 5_000_000_000).unwrap();
        z.data(b"x").unwrap();
        let bytes = z.finish().unwrap();
        // Local header: version 4.5, sizes unknown, the Zip64 extra field.
        assert_eq!(u16_at(&bytes, 4), V45);
        assert_eq!(u32_at(&bytes, 22), u32::MAX);
        assert_eq!(u16_at(&bytes, 30 + 3), 1);
        // Descriptor with 8-byte sizes after the one byte of data.
        let d = 30 + 3 + 20 + 1;
        assert_eq!(u32_at(&bytes, d), DESCRIPTOR);
        assert_eq!(u32_at(&bytes, d + 8), 1);
        assert_eq!(u32_at(&bytes, d + 16), 1);
    }

    #[test]
    fn data_put_elsewhere_gives_the_same_archive() {
        let mut want = ZipWriter::new(Vec::new());
        want.start("a", 0, 11).unwrap();
        want.data(b"hello world").unwrap();
        want.start("b", 0, 3).unwrap();
        want.data(b"xyz").unwrap();
        let want = want.finish().unwrap();
        let mut z = ZipWriter::new(Vec::new());
        z.start("a", 0, 11).unwrap();
        z.data(b"hello").unwrap();
        z.get_mut().extend_from_slice(b" world");
        z.data_elsewhere(6, crc32fast::hash(b" world")).unwrap();
        assert!(z.data(b"!").is_err());
        z.start("b", 0, 3).unwrap();
        z.get_mut().extend_from_slice(b"xyz");
        z.data_elsewhere(3, crc32fast::hash(b"xyz")).unwrap();
        assert_eq!(z.finish().unwrap(), want);
    }

    #[test]
    fn data_without_an_entry_is_an_error() {
        let mut z = ZipWriter::new(Vec::new());
        assert!(z.data(b"x").is_err());
    }
}
