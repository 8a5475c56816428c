//! Writing captures: classic pcap and pcapng, either byte order. Used to cut sessions out
//! as their own files, and by the tests to round-trip the reader.

use std::io::{self, Write};

/// Output format of a [`Writer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Classic pcap with microsecond (`nanos: false`) or nanosecond timestamps.
    Pcap {
        /// Write big-endian.
        big_endian: bool,
        /// Nanosecond timestamps (magic `a1b23c4d`).
        nanos: bool,
    },
    /// pcapng, one section; interfaces get nanosecond timestamps (`if_tsresol` = 9).
    PcapNg {
        /// Write big-endian.
        big_endian: bool,
    },
}

/// A capture writer over any `io::Write`.
pub struct Writer<W: Write> {
    out: W,
    format: OutputFormat,
    /// Link type of each interface added so far.
    interfaces: Vec<u16>,
}

impl<W: Write> Writer<W> {
    /// Starts a file. A pcap file has a single interface, given here; pcapng interfaces
    /// are added with [`Writer::add_interface`] (this first one is interface 0).
    pub fn new(mut out: W, format: OutputFormat, linktype: u16, snaplen: u32) -> io::Result<Self> {
        match format {
            OutputFormat::Pcap { big_endian, nanos } => {
                let mut h = Vec::with_capacity(24);
                put32(
                    &mut h,
                    if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 },
                    big_endian,
                );
                put16(&mut h, 2, big_endian);
                put16(&mut h, 4, big_endian);
                put32(&mut h, 0, big_endian); // thiszone
                put32(&mut h, 0, big_endian); // sigfigs
                put32(&mut h, snaplen, big_endian);
                put32(&mut h, linktype as u32, big_endian);
                out.write_all(&h)?;
            }
            OutputFormat::PcapNg { big_endian } => {
                let mut body = Vec::new();
                put32(&mut body, 0x1a2b_3c4d, big_endian);
                put16(&mut body, 1, big_endian);
                put16(&mut body, 0, big_endian);
                body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
                option(&mut body, 4, b"Wirelens", big_endian); // shb_userappl
                end_of_options(&mut body, big_endian);
                block(&mut out, 0x0a0d_0d0a, &body, big_endian)?;
            }
        }
        let mut w = Self {
            out,
            format,
            interfaces: Vec::new(),
        };
        w.add_interface(linktype, snaplen)?;
        Ok(w)
    }

    /// Adds a pcapng interface and returns its id. A pcap file cannot have a second one.
    pub fn add_interface(&mut self, linktype: u16, snaplen: u32) -> io::Result<u32> {
        match self.format {
            OutputFormat::Pcap { .. } if !self.interfaces.is_empty() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a pcap file has a single link type",
                ));
            }
            OutputFormat::Pcap { .. } => {}
            OutputFormat::PcapNg { big_endian } => {
                let mut body = Vec::new();
                put16(&mut body, linktype, big_endian);
                put16(&mut body, 0, big_endian);
                put32(&mut body, snaplen, big_endian);
                option(&mut body, 9, &[9], big_endian); // if_tsresol: nanoseconds
                end_of_options(&mut body, big_endian);
                block(&mut self.out, 1, &body, big_endian)?;
            }
        }
        self.interfaces.push(linktype);
        Ok(self.interfaces.len() as u32 - 1)
    }

    /// Writes one packet: its timestamp (ns since the epoch), captured bytes, length on
    /// the wire and, in pcapng, an optional comment.
    pub fn write_packet(
        &mut self,
        iface: u32,
        ts_ns: i64,
        data: &[u8],
        len: u32,
        comment: Option<&str>,
    ) -> io::Result<()> {
        if iface as usize >= self.interfaces.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no interface {iface}"),
            ));
        }
        let caplen = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too large"))?;
        match self.format {
            OutputFormat::Pcap { big_endian, nanos } => {
                let secs = u32::try_from(ts_ns.div_euclid(1_000_000_000)).map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "timestamp outside pcap's range (1970–2106)",
                    )
                })?;
                let frac = ts_ns.rem_euclid(1_000_000_000) as u32;
                let mut h = Vec::with_capacity(16);
                put32(&mut h, secs, big_endian);
                put32(&mut h, if nanos { frac } else { frac / 1000 }, big_endian);
                put32(&mut h, caplen, big_endian);
                put32(&mut h, len, big_endian);
                self.out.write_all(&h)?;
                self.out.write_all(data)
            }
            OutputFormat::PcapNg { big_endian } => {
                let ts = ts_ns as u64;
                let mut body = Vec::with_capacity(20 + data.len() + 8);
                put32(&mut body, iface, big_endian);
                put32(&mut body, (ts >> 32) as u32, big_endian);
                put32(&mut body, ts as u32, big_endian);
                put32(&mut body, caplen, big_endian);
                put32(&mut body, len, big_endian);
                body.extend_from_slice(data);
                pad(&mut body);
                if let Some(c) = comment {
                    option(&mut body, 1, c.as_bytes(), big_endian);
                    end_of_options(&mut body, big_endian);
                }
                block(&mut self.out, 6, &body, big_endian)
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn put16(v: &mut Vec<u8>, x: u16, be: bool) {
    v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
}

fn put32(v: &mut Vec<u8>, x: u32, be: bool) {
    v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
}

fn pad(v: &mut Vec<u8>) {
    v.resize(v.len().div_ceil(4) * 4, 0);
}

/// A pcapng option; values longer than 65535 bytes are cut (comments only).
fn option(v: &mut Vec<u8>, code: u16, value: &[u8], be: bool) {
    let value = &value[..value.len().min(u16::MAX as usize)];
    put16(v, code, be);
    put16(v, value.len() as u16, be);
    v.extend_from_slice(value);
    pad(v);
}

fn end_of_options(v: &mut Vec<u8>, be: bool) {
    put16(v, 0, be);
    put16(v, 0, be);
}

/// Frames a pcapng block body with its type and both length fields.
fn block(out: &mut impl Write, block_type: u32, body: &[u8], be: bool) -> io::Result<()> {
    let total = u32::try_from(body.len() + 12)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "block too large"))?;
    let mut head = Vec::with_capacity(8);
    put32(&mut head, block_type, be);
    put32(&mut head, total, be);
    out.write_all(&head)?;
    out.write_all(body)?;
    out.write_all(&head[4..8])
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::source::{Event, RecordReader};
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    struct Packet {
        ts_ns: i64,
        data: Vec<u8>,
        extra_len: u32,
        comment: Option<String>,
    }

    fn packet() -> impl Strategy<Value = Packet> {
        (
            0i64..4_000_000_000,
            0u32..1_000_000_000,
            prop::collection::vec(any::<u8>(), 0..300),
            0u32..2000,
            prop::option::of("[ -~]{0,40}"),
        )
            .prop_map(|(s, ns, data, extra_len, comment)| Packet {
                ts_ns: s * 1_000_000_000 + ns as i64,
                data,
                extra_len,
                comment,
            })
    }

    /// (ts, len, data, comments) of every packet the reader finds.
    fn read_back(bytes: &[u8], chunk: usize) -> Vec<(i64, u32, Vec<u8>, Vec<String>)> {
        let mut r = RecordReader::new();
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            r.feed(c, &mut |e| {
                if let Event::Packet(p) = e {
                    // The offset must point at the bytes, so they can be re-read later.
                    assert_eq!(
                        &bytes[p.offset as usize..p.offset as usize + p.caplen as usize],
                        p.data
                    );
                    out.push((p.ts_ns, p.len, p.data.to_vec(), p.comments));
                }
            });
        }
        assert_eq!(r.finish(), None);
        out
    }

    proptest! {
        #[test]
        fn written_packets_read_back_identical(packets in prop::collection::vec(packet(), 0..20), chunk in 1usize..5000) {
            for format in [
                OutputFormat::Pcap { big_endian: false, nanos: false },
                OutputFormat::Pcap { big_endian: true, nanos: false },
                OutputFormat::Pcap { big_endian: false, nanos: true },
                OutputFormat::Pcap { big_endian: true, nanos: true },
                OutputFormat::PcapNg { big_endian: false },
                OutputFormat::PcapNg { big_endian: true },
            ] {
                let mut w = Writer::new(Vec::new(), format, 1, 65535).unwrap();
                for p in &packets {
                    w.write_packet(0, p.ts_ns, &p.data, p.data.len() as u32 + p.extra_len, p.comment.as_deref()).unwrap();
                }
                let bytes = w.finish().unwrap();
                let got = read_back(&bytes, chunk);
                let want: Vec<_> = packets.iter().map(|p| {
                    let ts = match format {
                        OutputFormat::Pcap { nanos: false, .. } => p.ts_ns / 1000 * 1000,
                        _ => p.ts_ns,
                    };
                    let comments = match (format, &p.comment) {
                        (OutputFormat::PcapNg { .. }, Some(c)) => vec![c.clone()],
                        _ => vec![],
                    };
                    (ts, p.data.len() as u32 + p.extra_len, p.data.clone(), comments)
                }).collect();
                prop_assert_eq!(got, want, "{:?}", format);
            }
        }
    }

    #[test]
    fn pcapng_keeps_several_interfaces() {
        let mut w =
            Writer::new(Vec::new(), OutputFormat::PcapNg { big_endian: true }, 1, 0).unwrap();
        assert_eq!(w.add_interface(101, 0).unwrap(), 1);
        w.write_packet(1, 5, b"\x45", 1, None).unwrap();
        assert!(w.write_packet(2, 5, b"", 0, None).is_err());
        let bytes = w.finish().unwrap();
        let mut r = RecordReader::new();
        let mut seen = Vec::new();
        r.feed(&bytes, &mut |e| match e {
            Event::Interface(i) => seen.push(format!("if {}", i.linktype)),
            Event::Packet(p) => seen.push(format!("pkt on {}", p.iface)),
            _ => {}
        });
        assert_eq!(r.finish(), None);
        assert_eq!(seen, ["if 1", "if 101", "pkt on 1"]);
    }

    #[test]
    fn pcap_has_one_interface_and_a_time_range() {
        let mut w = Writer::new(
            Vec::new(),
            OutputFormat::Pcap {
                big_endian: false,
                nanos: true,
            },
            1,
            0,
        )
        .unwrap();
        assert!(w.add_interface(1, 0).is_err());
        assert!(w.write_packet(0, -1, b"", 0, None).is_err());
    }
}
