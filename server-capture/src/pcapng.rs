//! A pcapng writer for the daemon: one section, one interface, Enhanced Packet Blocks with
//! an optional comment, and an Interface Statistics Block when the file is closed.
//!
//! Format: the pcapng specification (draft-ietf-opsawg-pcapng), §4.1 SHB, §4.2 IDB,
//! §4.3 EPB, §4.6 ISB. Little-endian, microsecond timestamps (the kernel's timeval, the
//! default `if_tsresol`), like [`PcapWriter`](crate::pcapfile::PcapWriter) we know every
//! byte we write, so `-C` stays exact and a full disk is an error, not a short file.

use std::io::{self, Write};
use std::net::IpAddr;

/// The section: who wrote the file, on what.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionInfo {
    /// `shb_userappl`.
    pub application: String,
    /// `shb_os`.
    pub os: Option<String>,
    /// `shb_hardware`.
    pub hardware: Option<String>,
}

/// The interface packets are captured on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// `LINKTYPE_*`.
    pub linktype: u32,
    /// Snapshot length.
    pub snaplen: u32,
    /// `if_name`.
    pub name: String,
    /// `if_filter` (a libpcap filter string).
    pub filter: Option<String>,
    /// `if_IPv4addr` / `if_IPv6addr`: the host's addresses on this interface, with their
    /// netmask or prefix length. Readers use them to tell which side is local.
    pub addresses: Vec<(IpAddr, u8)>,
}

/// The counters of an Interface Statistics Block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InterfaceStats {
    /// When the statistics were taken, µs since the epoch.
    pub ts_us: u64,
    /// `isb_starttime`: when the capture started, µs since the epoch.
    pub start_us: u64,
    /// `isb_ifrecv`: libpcap's `ps_recv`, packets the filter passed.
    pub received: u64,
    /// `isb_ifdrop`: libpcap's `ps_drop`, packets the kernel dropped for want of buffer
    /// space (dumpcap writes the same counter here).
    pub dropped: u64,
    /// `isb_usrdeliv`: packets written by this run so far.
    pub delivered: u64,
}

const SHB: u32 = 0x0a0d_0d0a;
const IDB: u32 = 1;
const ISB: u32 = 5;
const EPB: u32 = 6;

/// Bytes an Interface Statistics Block takes: header 8, interface id and timestamp 12,
/// five 8-byte options with their 4-byte headers, the end of options 4, trailer 4.
pub const ISB_LEN: u64 = 8 + 12 + 5 * 12 + 4 + 4;

/// Bytes the Enhanced Packet Block of a packet takes.
pub fn epb_len(caplen: usize, comment: Option<&str>) -> u64 {
    let options = comment.map_or(0, |c| option_len(c.len()) + 4);
    8 + 20 + padded(caplen) + options + 4
}

fn padded(n: usize) -> u64 {
    n.div_ceil(4) as u64 * 4
}

fn option_len(value_len: usize) -> u64 {
    4 + padded(value_len)
}

fn option(v: &mut Vec<u8>, code: u16, value: &[u8]) {
    // An option value longer than 65535 bytes cannot be written; cut it (only text here).
    let value = &value[..value.len().min(u16::MAX as usize)];
    v.extend_from_slice(&code.to_le_bytes());
    v.extend_from_slice(&(value.len() as u16).to_le_bytes());
    v.extend_from_slice(value);
    v.resize(v.len().div_ceil(4) * 4, 0);
}

fn end_of_options(v: &mut Vec<u8>) {
    v.extend_from_slice(&[0; 4]);
}

/// A whole block: type, total length, body, total length.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let len = (body.len() + 12) as u32;
    let mut b = Vec::with_capacity(len as usize);
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

/// The SHB and IDB every file starts with.
pub fn file_header(section: &SectionInfo, iface: &InterfaceInfo) -> Vec<u8> {
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    // Section length: not known while writing (-1).
    shb.extend_from_slice(&u64::MAX.to_le_bytes());
    if let Some(hw) = &section.hardware {
        option(&mut shb, 2, hw.as_bytes());
    }
    if let Some(os) = &section.os {
        option(&mut shb, 3, os.as_bytes());
    }
    option(&mut shb, 4, section.application.as_bytes());
    end_of_options(&mut shb);

    let mut idb = Vec::new();
    idb.extend_from_slice(&(iface.linktype as u16).to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&iface.snaplen.to_le_bytes());
    option(&mut idb, 2, iface.name.as_bytes());
    for &(addr, prefix) in &iface.addresses {
        match addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(prefix.min(32)))
                    .unwrap_or(0);
                let mut v = a.octets().to_vec();
                v.extend_from_slice(&mask.to_be_bytes());
                option(&mut idb, 4, &v);
            }
            IpAddr::V6(a) => {
                let mut v = a.octets().to_vec();
                v.push(prefix.min(128));
                option(&mut idb, 5, &v);
            }
        }
    }
    option(&mut idb, 9, &[6]); // if_tsresol: microseconds
    if let Some(filter) = &iface.filter {
        let mut v = vec![0u8]; // 0: a libpcap filter string
        v.extend_from_slice(filter.as_bytes());
        option(&mut idb, 11, &v);
    }
    end_of_options(&mut idb);

    let mut out = block(SHB, &shb);
    out.extend_from_slice(&block(IDB, &idb));
    out
}

/// Writes one pcapng file: SHB and IDB on creation, then whole blocks.
pub struct PcapNgWriter<W: Write> {
    out: W,
    bytes: u64,
    packets: u64,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the section header and the interface description.
    pub fn new(mut out: W, section: &SectionInfo, iface: &InterfaceInfo) -> io::Result<Self> {
        let header = file_header(section, iface);
        out.write_all(&header)?;
        Ok(Self {
            out,
            bytes: header.len() as u64,
            packets: 0,
        })
    }

    /// Appends an Enhanced Packet Block, with a comment (`opt_comment`) if given.
    pub fn write_packet(
        &mut self,
        ts_sec: u64,
        ts_usec: u32,
        data: &[u8],
        orig_len: u32,
        comment: Option<&str>,
    ) -> io::Result<()> {
        let caplen = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet larger than 4 GiB"))?;
        let ts = ts_sec
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(ts_usec));
        let total = epb_len(data.len(), comment);
        let mut h = Vec::with_capacity(28);
        h.extend_from_slice(&EPB.to_le_bytes());
        h.extend_from_slice(&(total as u32).to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes()); // interface 0
        h.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        h.extend_from_slice(&(ts as u32).to_le_bytes());
        h.extend_from_slice(&caplen.to_le_bytes());
        h.extend_from_slice(&orig_len.max(caplen).to_le_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(data)?;
        let mut tail = vec![0u8; (padded(data.len()) - data.len() as u64) as usize];
        if let Some(c) = comment {
            // Options are padded on their own: build them apart from the packet padding.
            let mut options = Vec::new();
            option(&mut options, 1, c.as_bytes());
            end_of_options(&mut options);
            tail.extend_from_slice(&options);
        }
        tail.extend_from_slice(&(total as u32).to_le_bytes());
        self.out.write_all(&tail)?;
        self.bytes += total;
        self.packets += 1;
        Ok(())
    }

    /// Appends an Interface Statistics Block for interface 0.
    pub fn write_stats(&mut self, s: &InterfaceStats) -> io::Result<()> {
        let mut body = Vec::with_capacity(ISB_LEN as usize);
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&((s.ts_us >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(s.ts_us as u32).to_le_bytes());
        // isb_starttime and isb_endtime hold a timestamp as the EPB does: high word first.
        let stamp = |t: u64| [((t >> 32) as u32).to_le_bytes(), (t as u32).to_le_bytes()].concat();
        option(&mut body, 2, &stamp(s.start_us));
        option(&mut body, 3, &stamp(s.ts_us));
        option(&mut body, 4, &s.received.to_le_bytes());
        option(&mut body, 5, &s.dropped.to_le_bytes());
        option(&mut body, 8, &s.delivered.to_le_bytes());
        end_of_options(&mut body);
        let b = block(ISB, &body);
        debug_assert_eq!(b.len() as u64, ISB_LEN);
        self.out.write_all(&b)?;
        self.bytes += b.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Pushes buffered bytes to the underlying writer; only whole blocks are buffered,
    /// so after a flush the file is a complete pcapng.
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

    fn iface() -> InterfaceInfo {
        InterfaceInfo {
            linktype: 1,
            snaplen: 262_144,
            name: "eth0".into(),
            filter: Some("tcp port 80".into()),
            addresses: vec![
                ("10.1.2.3".parse().unwrap(), 24),
                ("fe80::1".parse().unwrap(), 64),
            ],
        }
    }

    #[test]
    fn the_core_reads_back_what_we_write() {
        let section = SectionInfo {
            application: "wirelens-capture 0.1.0".into(),
            os: Some("Linux 6.1".into()),
            hardware: None,
        };
        let mut w = PcapNgWriter::new(Vec::new(), &section, &iface()).unwrap();
        let header = w.bytes();
        assert_eq!(header, file_header(&section, &iface()).len() as u64);
        w.write_packet(
            1_700_000_000,
            123_456,
            &[0xaa; 61],
            61,
            Some("pid=42 comm=curl"),
        )
        .unwrap();
        w.write_packet(1_700_000_001, 999_999, &[0xbb; 10], 1514, None)
            .unwrap();
        assert_eq!(
            w.bytes(),
            header + epb_len(61, Some("pid=42 comm=curl")) + epb_len(10, None)
        );
        w.write_stats(&InterfaceStats {
            ts_us: 1_700_000_002_000_000,
            start_us: 1_699_999_999_000_000,
            received: 5,
            dropped: 1,
            delivered: 2,
        })
        .unwrap();
        assert_eq!(
            w.bytes(),
            header + epb_len(61, Some("pid=42 comm=curl")) + epb_len(10, None) + ISB_LEN
        );
        let bytes = w.finish().unwrap();
        assert_eq!(
            bytes.len() as u64,
            header + epb_len(61, Some("pid=42 comm=curl")) + epb_len(10, None) + ISB_LEN
        );

        let cap = wirelens_core::ingest::ingest_bytes("w.pcapng", &bytes);
        assert!(
            cap.errors.is_empty() && cap.anomalies.is_empty(),
            "{:?} {:?}",
            cap.errors,
            cap.anomalies
        );
        assert_eq!(cap.packets.len(), 2);
        let i = &cap.interfaces[0];
        assert_eq!((i.interface.linktype, i.interface.snaplen), (1, 262_144));
        assert_eq!(i.interface.name.as_deref(), Some("eth0"));
        assert_eq!(i.interface.filter.as_deref(), Some("tcp port 80"));
        assert_eq!(
            i.interface.addresses,
            [
                "10.1.2.3".parse::<IpAddr>().unwrap(),
                "fe80::1".parse().unwrap()
            ]
        );
        let stats = i.stats.expect("an ISB");
        assert_eq!(
            (stats.received, stats.dropped, stats.delivered),
            (Some(5), Some(1), Some(2))
        );
        assert_eq!(stats.ts_ns, 1_700_000_002_000_000_000);
        assert_eq!(
            cap.files[0].sections[0].application.as_deref(),
            Some("wirelens-capture 0.1.0")
        );
        assert_eq!(cap.comments, [(0, "pid=42 comm=curl".to_owned())]);
        let p = &cap.packets[1];
        assert_eq!(p.ts_ns, 1_700_000_001_999_999_000);
        assert_eq!((p.caplen, p.len), (10, 1514));
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
        assert!(PcapNgWriter::new(Full, &SectionInfo::default(), &iface()).is_err());
    }
}
