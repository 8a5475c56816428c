//! Follow stream: the payload of one TCP conversation or UDP flow, both directions in
//! capture order, as `tshark -q -z follow,tcp|udp,ascii|hex|raw,N` prints it.
//!
//! The index keeps no packet bytes, so the caller hands them over by packet index (the
//! CLI re-reads the file, the web worker slices the `File`). TCP follows tshark's follow
//! tap (epan/follow.c, packet-tcp.c `follow_tcp_tap_listener` and
//! `check_follow_fragments`) rule for rule, so the output is byte-identical:
//! - node 0 (the "client") is the source of the conversation's first packet;
//! - one record per segment with new bytes; a retransmission that carries more than was
//!   seen gives the new part; segments ahead of a hole wait until the hole is filled;
//! - a hole the other side acknowledges becomes a record
//!   `[N bytes missing in capture file]` (with the C string's NUL), and the waiting
//!   segments follow;
//! - segments still waiting when the capture ends are not shown.
//!
//! UDP: one record per datagram.

use crate::capture::flow::L4;
use crate::capture::packet::NO_FLOW;
use crate::capture::Capture;
use crate::ingest::app::payload_of;
use crate::ingest::wire::{self, tcp_flags, Net, Summary, Transport};
use serde::Serialize;
use std::fmt::Write as _;
use std::net::IpAddr;

/// One record of a followed stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Sent by node 1 (the "server": the destination of the first packet).
    pub from_server: bool,
    /// Index of the packet that carried (or, for a gap, revealed) the bytes.
    pub packet: u64,
    /// The bytes; for a gap, tshark's text `[N bytes missing in capture file]` and a NUL.
    pub bytes: Vec<u8>,
    /// For a gap: the number of bytes missing.
    pub missing: Option<u64>,
}

/// A followed stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Followed {
    /// TCP or UDP.
    pub proto: L4,
    /// `tcp.stream` / `udp.stream`.
    pub stream: u32,
    /// Node 0: address and port of the first packet's source.
    pub node0: (IpAddr, u16),
    /// Node 1: the first packet's destination.
    pub node1: (IpAddr, u16),
    /// The records, in the order tshark prints them.
    pub records: Vec<Record>,
}

/// How to print a followed stream (tshark's follow modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Printable ASCII, other bytes as `.`, each record preceded by its length.
    Ascii,
    /// A hex dump with offsets, per direction.
    Hex,
    /// Hex digits, one line per record.
    Raw,
}

impl Mode {
    /// tshark's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Ascii => "ascii",
            Mode::Hex => "hex",
            Mode::Raw => "raw",
        }
    }
}

/// `a < b` in sequence space (RFC 9293 §3.4).
fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// A segment waiting for the bytes before it (tshark's follow "fragment").
struct Fragment {
    seq: u32,
    packet: u64,
    bytes: Vec<u8>,
}

/// tshark's per-side follow state.
#[derive(Default)]
struct TcpSide {
    /// Next sequence number expected (relative); 0 until the first segment.
    seq: u32,
    bytes_written: u64,
    fragments: Vec<Fragment>,
    /// Relative sequence numbers: this side's base, once known.
    base: Option<u32>,
}

/// One TCP segment as the follow tap sees it.
struct Segment<'a> {
    server: bool,
    seq: u32,
    ack: u32,
    flags: u8,
    seglen: u32,
    data: &'a [u8],
    packet: u64,
}

#[derive(Default)]
struct TcpFollow {
    sides: [TcpSide; 2],
    records: Vec<Record>,
}

impl TcpFollow {
    fn segment(&mut self, s: Segment<'_>) {
        let server = usize::from(s.server);
        // A segment that acknowledges past a hole on the other side: bytes were sent
        // that the capture missed.
        if !self.sides[1 - server].fragments.is_empty() {
            while self.check_fragments(1 - server, s.ack, s.packet, true) {}
        }
        let mut sequence = s.seq;
        if s.flags & tcp_flags::SYN != 0 {
            sequence = sequence.wrapping_add(1);
        }
        let mut length = s.seglen;
        let mut data = s.data;
        let side = &mut self.sides[server];
        if side.bytes_written == 0 && side.seq == 0 {
            side.seq = sequence;
        }
        if lt(sequence, side.seq) {
            // Dated, but a retransmission may carry more than was seen.
            let next = sequence.wrapping_add(length);
            if lt(side.seq, next) {
                let skip = side.seq.wrapping_sub(sequence) as usize;
                data = data.get(skip..).unwrap_or(&[]);
                sequence = side.seq;
                length = next.wrapping_sub(side.seq);
            }
        }
        if data.is_empty() || lt(sequence, side.seq) {
            return;
        }
        if sequence == side.seq {
            side.seq = side.seq.wrapping_add(length);
            side.bytes_written += data.len() as u64;
            self.records.push(Record {
                from_server: s.server,
                packet: s.packet,
                bytes: data.to_vec(),
                missing: None,
            });
            while self.check_fragments(server, 0, s.packet, false) {}
        } else {
            side.fragments.push(Fragment {
                seq: sequence,
                packet: s.packet,
                bytes: data.to_vec(),
            });
        }
    }

    /// tshark's `check_follow_fragments`: moves one waiting segment (or a gap) into the
    /// stream; returns whether it did.
    fn check_fragments(
        &mut self,
        server: usize,
        acknowledged: u32,
        packet: u64,
        use_ack: bool,
    ) -> bool {
        let side = &mut self.sides[server];
        let Some(first) = side.fragments.first() else {
            return false;
        };
        let mut lowest = first.seq;
        for i in 0..side.fragments.len() {
            let f = &side.fragments[i];
            if lt(f.seq, lowest) {
                lowest = f.seq;
            }
            if lt(f.seq, side.seq) {
                let next = f.seq.wrapping_add(f.bytes.len() as u32);
                if lt(side.seq, next) {
                    let new_pos = side.seq.wrapping_sub(f.seq) as usize;
                    if f.bytes.len() > new_pos {
                        let bytes = f.bytes[new_pos..].to_vec();
                        side.seq = side.seq.wrapping_add(bytes.len() as u32);
                        self.records.push(Record {
                            from_server: server == 1,
                            packet: f.packet,
                            bytes,
                            missing: None,
                        });
                    }
                }
                side.fragments.remove(i);
                return true;
            }
            if f.seq == side.seq {
                let f = side.fragments.remove(i);
                side.seq = side.seq.wrapping_add(f.bytes.len() as u32);
                if !f.bytes.is_empty() {
                    self.records.push(Record {
                        from_server: server == 1,
                        packet: f.packet,
                        bytes: f.bytes,
                        missing: None,
                    });
                }
                return true;
            }
        }
        if use_ack && lt(lowest, acknowledged) {
            let missing = lowest.wrapping_sub(side.seq) as i32;
            let mut bytes = format!("[{missing} bytes missing in capture file]").into_bytes();
            bytes.push(0);
            side.seq = lowest;
            self.records.push(Record {
                from_server: server == 1,
                packet,
                bytes,
                missing: Some(missing as u32 as u64),
            });
            return true;
        }
        false
    }
}

/// Follows stream `stream` of protocol `proto`. `bytes(index, buf)` fills `buf` with the
/// captured bytes of packet `index` and returns false when it cannot. None when the
/// capture has no such stream.
pub fn follow(
    capture: &Capture,
    proto: L4,
    stream: u32,
    bytes: &mut dyn FnMut(u64, &mut Vec<u8>) -> bool,
) -> Option<Followed> {
    let mut f = Follower::new(capture, proto, stream)?;
    let mut buf = Vec::new();
    for (i, row) in capture.packets.iter().enumerate() {
        if row.flow != f.flow {
            continue;
        }
        buf.clear();
        if bytes(i as u64, &mut buf) {
            f.packet(i as u64, &buf, bytes);
        }
    }
    Some(f.finish())
}

/// A stream followed packet by packet, as [`follow`] does it, for a caller that hands
/// the packets over as it reads them and takes the records as they are made (so that
/// neither all the packets nor all the records need be held at once).
pub struct Follower<'c> {
    capture: &'c Capture,
    proto: L4,
    stream: u32,
    /// The conversation's flow id.
    flow: u32,
    nodes: Option<((IpAddr, u16), (IpAddr, u16))>,
    tcp: TcpFollow,
    /// UDP's records.
    records: Vec<Record>,
}

impl<'c> Follower<'c> {
    /// Starts following stream `stream` of `proto`; None when the capture has no such
    /// stream.
    pub fn new(capture: &'c Capture, proto: L4, stream: u32) -> Option<Self> {
        let flow = capture
            .conversations
            .iter()
            .position(|c| c.proto == proto && c.stream == stream)? as u32;
        Some(Follower {
            capture,
            proto,
            stream,
            flow,
            nodes: None,
            tcp: TcpFollow::default(),
            records: Vec::new(),
        })
    }

    /// Packet `i` (`buf`: its captured bytes). Packets of the stream are given in
    /// capture order; others are ignored. `bytes` gives the packets before `i` that
    /// [`packets_needed`] names (IP fragments of a datagram `i` completes).
    pub fn packet(&mut self, i: u64, buf: &[u8], bytes: &mut dyn FnMut(u64, &mut Vec<u8>) -> bool) {
        let capture = self.capture;
        let Some(row) = capture.packets.get(i as usize) else {
            return;
        };
        if row.flow != self.flow {
            return;
        }
        let linktype = capture.linktype_of(&row);
        let mut s = wire::dissect(linktype, buf);
        let mut datagram = Vec::new();
        if matches!(s.net, Net::Ip { fragment: true, .. }) && s.payload.is_none() {
            // The packet completes an IP datagram: reassemble it from the fragments before.
            if let Some((summary, payload)) = reassemble(capture, i as usize, buf, bytes) {
                s = summary;
                datagram = payload;
            }
        }
        let Net::Ip { src, dst, .. } = s.net else {
            return;
        };
        let (sport, dport) = match s.transport {
            Transport::Tcp(t) => (t.src_port, t.dst_port),
            Transport::Udp {
                src_port, dst_port, ..
            } => (src_port, dst_port),
            _ => return,
        };
        let (n0, _) = *self.nodes.get_or_insert(((src, sport), (dst, dport)));
        let server = (src, sport) != n0;
        let payload = payload_of(&s, buf, &datagram).unwrap_or(&[]);
        let tcp = &mut self.tcp;
        match s.transport {
            Transport::Tcp(t) => {
                // Relative sequence numbers as packet-tcp.c computes them: a side's base is
                // its SYN's sequence number, or one before its first segment's, or one
                // before what the other side first acknowledged.
                let me = usize::from(server);
                let base = *tcp.sides[me]
                    .base
                    .get_or_insert(if t.flags & tcp_flags::SYN != 0 {
                        t.seq
                    } else {
                        t.seq.wrapping_sub(1)
                    });
                if t.flags & tcp_flags::ACK != 0 && tcp.sides[1 - me].base.is_none() {
                    tcp.sides[1 - me].base = Some(t.ack.wrapping_sub(1));
                }
                let ack_base = tcp.sides[1 - me].base.unwrap_or(0);
                // tcp.len as Wireshark takes it: the IP lengths, but no more than the frame's
                // reported length holds (an IP total length past the frame's end).
                // (A reassembled datagram is whole: the frame's length says nothing of it.)
                let seglen = match s.payload {
                    Some(p) if !p.reassembled => t
                        .payload_len
                        .min((row.len as usize).saturating_sub(p.offset as usize) as u32),
                    _ => t.payload_len,
                };
                let data = &payload[..payload.len().min(seglen as usize)];
                tcp.segment(Segment {
                    server,
                    seq: t.seq.wrapping_sub(base),
                    ack: if t.flags & tcp_flags::ACK != 0 {
                        t.ack.wrapping_sub(ack_base)
                    } else {
                        0
                    },
                    flags: t.flags,
                    seglen,
                    data,
                    packet: i,
                });
            }
            _ => self.records.push(Record {
                from_server: server,
                packet: i,
                bytes: payload.to_vec(),
                missing: None,
            }),
        }
    }

    /// The records made since the last call, in order (a record never changes once
    /// made).
    pub fn take(&mut self) -> Vec<Record> {
        match self.proto {
            L4::Tcp => std::mem::take(&mut self.tcp.records),
            _ => std::mem::take(&mut self.records),
        }
    }

    /// The followed stream: its nodes and the records not taken yet.
    pub fn finish(mut self) -> Followed {
        let records = self.take();
        let c = &self.capture.conversations[self.flow as usize];
        let (node0, node1) = self.nodes.unwrap_or(((c.a, c.port_a), (c.b, c.port_b)));
        Followed {
            proto: self.proto,
            stream: self.stream,
            node0,
            node1,
            records,
        }
    }
}

/// Packets looked back at for the other fragments of a datagram that a packet of the
/// stream completes (they belong to no conversation until then).
pub const FRAGMENT_LOOKBACK: usize = 64;

/// The packets [`follow`] may ask for: the stream's own, and the packets of no
/// conversation shortly before each of them (IP fragments of its datagrams).
pub fn packets_needed(capture: &Capture, proto: L4, stream: u32) -> Vec<u64> {
    let Some(flow) = capture
        .conversations
        .iter()
        .position(|c| c.proto == proto && c.stream == stream)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, row) in capture.packets.iter().enumerate() {
        if row.flow != flow as u32 {
            continue;
        }
        let from = i
            .saturating_sub(FRAGMENT_LOOKBACK)
            .max(out.last().map_or(0, |&l: &u64| l as usize + 1));
        out.extend(
            (from..)
                .zip(capture.packets.range(from..i))
                .filter(|(_, r)| r.flow == NO_FLOW)
                .map(|(j, _)| j as u64),
        );
        out.push(i as u64);
    }
    out
}

/// Reassembles the IP datagram packet `i` (bytes `frame`) completes, from the packets of
/// no conversation before it: its summary and the reassembled datagram.
fn reassemble(
    capture: &Capture,
    i: usize,
    frame: &[u8],
    bytes: &mut dyn FnMut(u64, &mut Vec<u8>) -> bool,
) -> Option<(Summary, Vec<u8>)> {
    let mut d = wire::Dissector::new();
    let mut buf = Vec::new();
    let from = i.saturating_sub(FRAGMENT_LOOKBACK);
    for (j, row) in (from..).zip(capture.packets.range(from..i)) {
        buf.clear();
        if row.flow == NO_FLOW && bytes(j as u64, &mut buf) {
            d.dissect_frame(capture.linktype_of(&row), &buf, row.len as usize, row.ts_ns);
        }
    }
    let row = &capture.packets.at(i);
    let s = d.dissect_frame(capture.linktype_of(row), frame, row.len as usize, row.ts_ns);
    s.payload.filter(|p| p.reassembled)?;
    Some((s, d.reassembled().to_vec()))
}

const SEPARATOR: &str = "===================================================================\n";

/// An endpoint as tshark's follow header names it: `addr:port`, `[addr]:port` for IPv6.
pub fn node(n: (IpAddr, u16)) -> String {
    match n.0 {
        IpAddr::V6(a) => format!("[{a}]:{}", n.1),
        IpAddr::V4(a) => format!("{a}:{}", n.1),
    }
}

/// Prints a followed stream exactly as `tshark -q -z follow,PROTO,MODE,STREAM` does.
pub fn render(f: &Followed, mode: Mode) -> String {
    let mut out = String::new();
    let mut text = Text::head(&mut out, f, mode);
    for r in &f.records {
        text.record(&mut out, r.from_server, &r.bytes);
    }
    Text::end(&mut out);
    out
}

/// tshark's follow text written a part at a time, for a stream whose records are not all
/// at hand at once: [`Text::head`], [`Text::record`] for each record in order, then
/// [`Text::end`]. [`render`] is the three in a row.
pub struct Text {
    mode: Mode,
    /// Bytes each side's records held so far (hex dumps count offsets per side).
    offsets: [u64; 2],
}

impl Text {
    /// Writes the header of `f` (its records are not read) in `mode`.
    pub fn head(out: &mut String, f: &Followed, mode: Mode) -> Text {
        out.push('\n');
        out.push_str(SEPARATOR);
        let _ = writeln!(out, "Follow: {},{}", f.proto.name(), mode.name());
        let _ = writeln!(out, "Filter: {}.stream eq {}", f.proto.name(), f.stream);
        let _ = writeln!(out, "Node 0: {}", node(f.node0));
        let _ = writeln!(out, "Node 1: {}", node(f.node1));
        Text {
            mode,
            offsets: [0; 2],
        }
    }

    /// Writes the next record: `bytes` sent by the server (node 1) or the client.
    pub fn record(&mut self, out: &mut String, from_server: bool, bytes: &[u8]) {
        let tab = if from_server { "\t" } else { "" };
        let side = usize::from(from_server);
        match self.mode {
            Mode::Ascii => {
                let _ = writeln!(out, "{tab}{}", bytes.len());
                out.extend(bytes.iter().map(|&b| match b {
                    b'\r' | b'\n' => b as char,
                    0x20..=0x7e => b as char,
                    _ => '.',
                }));
                out.push('\n');
            }
            Mode::Raw => {
                out.push_str(tab);
                for b in bytes {
                    let _ = write!(out, "{b:02x}");
                }
                out.push('\n');
            }
            Mode::Hex => hex_dump(out, tab, self.offsets[side], bytes),
        }
        self.offsets[side] += bytes.len() as u64;
    }

    /// Writes the footer.
    pub fn end(out: &mut String) {
        out.push_str(SEPARATOR);
    }
}

/// tshark's follow hex dump, a line per 16 bytes of `data` ([`hex_line`]).
fn hex_dump(out: &mut String, prefix: &str, offset: u64, data: &[u8]) {
    for (i, line) in data.chunks(16).enumerate() {
        let _ = writeln!(out, "{prefix}{}", hex_line(offset + 16 * i as u64, line));
    }
}

/// One line of tshark's follow hex dump: the `%08X` offset, up to 16 bytes in hex with an
/// extra space after the 8th (a column always 49 characters wide), then the bytes as
/// ASCII.
pub fn hex_line(offset: u64, line: &[u8]) -> String {
    let mut hex = String::with_capacity(49);
    let mut ascii = String::with_capacity(17);
    for (i, &b) in line.iter().enumerate() {
        let _ = write!(hex, "{b:02x} ");
        ascii.push(if (0x20..0x7f).contains(&b) {
            b as char
        } else {
            '.'
        });
        if i == 7 {
            hex.push(' ');
            ascii.push(' ');
        }
    }
    if ascii.ends_with(' ') {
        ascii.pop();
    }
    format!("{:08X}  {hex:<49} {ascii}", offset as u32)
}

#[cfg(test)]
mod test {
    use super::*;

    fn seg(server: bool, seq: u32, ack: u32, data: &[u8], packet: u64) -> Segment<'_> {
        Segment {
            server,
            seq,
            ack,
            flags: tcp_flags::ACK,
            seglen: data.len() as u32,
            data,
            packet,
        }
    }

    #[test]
    fn in_order_retransmitted_and_acknowledged_holes() {
        let mut f = TcpFollow::default();
        f.segment(seg(false, 1, 1, b"GET ", 0));
        f.segment(seg(false, 1, 1, b"GET /x", 1)); // retransmission with 2 new bytes
        f.segment(seg(false, 12, 1, b"tail", 2)); // ahead of a 5-byte hole
        f.segment(seg(true, 1, 7, b"HTTP", 3)); // acks only up to the hole
        assert_eq!(f.records.len(), 3);
        f.segment(seg(true, 5, 16, b"/1.1", 4)); // acks past it: the hole is declared
        let r: Vec<(bool, Vec<u8>)> = f
            .records
            .iter()
            .map(|r| (r.from_server, r.bytes.clone()))
            .collect();
        assert_eq!(
            r,
            [
                (false, b"GET ".to_vec()),
                (false, b"/x".to_vec()),
                (true, b"HTTP".to_vec()),
                (false, b"[5 bytes missing in capture file]\0".to_vec()),
                (false, b"tail".to_vec()),
                (true, b"/1.1".to_vec()),
            ]
        );
    }

    #[test]
    fn hex_dump_matches_tshark() {
        let mut s = String::new();
        hex_dump(&mut s, "\t", 16, b"0123456789abcdefXY");
        assert_eq!(
            s,
            "\t00000010  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  01234567 89abcdef\n\
             \t00000020  58 59                                             XY\n"
        );
    }
}
