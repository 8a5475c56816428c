//! A classic pcap writer (libpcap's savefile format, microsecond timestamps).
//!
//! We write the format ourselves rather than through `pcap_dump`, whose writes cannot
//! report an error: a full disk must stop the daemon with a message, not leave files
//! that silently end early. Knowing every byte we write also makes `-C` exact.
//!
//! Format: <https://www.tcpdump.org/manpages/pcap-savefile.5.html> (and
//! draft-ietf-opsawg-pcap). Fields are written little-endian, so the magic reads
//! `d4 c3 b2 a1` on disk; every reader handles both byte orders.

use std::io::{self, Write};

/// Bytes of the file header.
pub const FILE_HEADER_LEN: u64 = 24;
/// Bytes of a record header; the packet bytes follow it.
pub const RECORD_HEADER_LEN: u64 = 16;

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const VERSION_MAJOR: u16 = 2;
const VERSION_MINOR: u16 = 4;

/// Bytes a record of `caplen` captured bytes takes in the file.
pub fn record_len(caplen: usize) -> u64 {
    RECORD_HEADER_LEN + caplen as u64
}

/// Writes one pcap file: the header on creation, then whole records.
pub struct PcapWriter<W: Write> {
    out: W,
    bytes: u64,
    packets: u64,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header for `linktype` (a `LINKTYPE_*` value) and `snaplen`.
    pub fn new(mut out: W, linktype: u32, snaplen: u32) -> io::Result<Self> {
        let mut h = [0u8; FILE_HEADER_LEN as usize];
        h[0..4].copy_from_slice(&MAGIC_MICROS.to_le_bytes());
        h[4..6].copy_from_slice(&VERSION_MAJOR.to_le_bytes());
        h[6..8].copy_from_slice(&VERSION_MINOR.to_le_bytes());
        // 8..16: thiszone and sigfigs, always 0.
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&linktype.to_le_bytes());
        out.write_all(&h)?;
        Ok(Self {
            out,
            bytes: FILE_HEADER_LEN,
            packets: 0,
        })
    }

    /// Appends one record. `ts_usec` must be below 1,000,000; `orig_len` is the length
    /// on the wire, at least `data.len()`.
    pub fn write_packet(
        &mut self,
        ts_sec: u32,
        ts_usec: u32,
        data: &[u8],
        orig_len: u32,
    ) -> io::Result<()> {
        let caplen = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet larger than 4 GiB"))?;
        let mut h = [0u8; RECORD_HEADER_LEN as usize];
        h[0..4].copy_from_slice(&ts_sec.to_le_bytes());
        h[4..8].copy_from_slice(&ts_usec.to_le_bytes());
        h[8..12].copy_from_slice(&caplen.to_le_bytes());
        h[12..16].copy_from_slice(&orig_len.max(caplen).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(data)?;
        self.bytes += record_len(data.len());
        self.packets += 1;
        Ok(())
    }

    /// Bytes written so far, header included.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Pushes buffered bytes to the underlying writer; only whole records are buffered,
    /// so after a flush the file is a complete pcap.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_core_reads_back_what_we_write() {
        let mut w = PcapWriter::new(Vec::new(), 1, 262_144).unwrap();
        assert_eq!(w.bytes(), 24);
        w.write_packet(1_700_000_000, 123_456, &[0xaa; 60], 60)
            .unwrap();
        w.write_packet(1_700_000_001, 999_999, &[0xbb; 10], 1514)
            .unwrap();
        w.write_packet(1_700_000_002, 0, &[], 0).unwrap();
        assert_eq!(w.bytes(), 24 + 16 + 60 + 16 + 10 + 16);
        assert_eq!(w.packets(), 3);
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len(), 24 + 16 + 60 + 16 + 10 + 16);
        assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);

        let cap = wirelens_core::ingest::ingest_bytes("w.pcap", &bytes);
        assert!(cap.errors.is_empty(), "{:?}", cap.errors);
        assert_eq!(cap.packets.len(), 3);
        assert_eq!(cap.interfaces[0].interface.linktype, 1);
        assert_eq!(cap.interfaces[0].interface.snaplen, 262_144);
        let p = &cap.packets[1];
        assert_eq!(p.ts_ns, 1_700_000_001_999_999_000);
        assert_eq!((p.caplen, p.len), (10, 1514));
        assert_eq!(p.offset, 24 + 16 + 60 + 16);
    }

    #[test]
    fn an_error_from_the_file_is_reported() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        assert!(PcapWriter::new(Full, 1, 100).is_err());
    }
}
