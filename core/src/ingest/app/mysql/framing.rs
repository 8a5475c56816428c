//! MySQL packets (§ "MySQL Packets"): a 3-byte length and a sequence id; a payload of
//! 0xFFFFFF bytes continues in the next packet. Of each only the first bytes are kept.
//! After a gap, or in a conversation joined mid-way, the reader hunts for a segment that
//! starts a packet.

use super::command::plausible_command;
use super::compressed::CompFramer;
use super::{Parser, Phase};
use crate::capture::app::{At, Span, Transaction};
use crate::ingest::app::StreamParser;

impl Parser {
    /// Hunting: gathers the first [`PROBE`] bytes of each segment (a segment is told by
    /// its packet, so any chunking gives the same answer) and decides whether a packet
    /// starts there. Returns the bytes to read on with, when it does.
    pub(super) fn probe(&mut self, client: bool, bytes: &[u8], at: At) -> Option<Vec<u8>> {
        let probe = if client {
            &mut self.client_probe
        } else {
            &mut self.server_probe
        };
        if probe.packet != Some(at.packet) {
            *probe = Probe {
                packet: Some(at.packet),
                bytes: Vec::new(),
                dropped: false,
            };
        }
        if probe.dropped {
            return None;
        }
        // At most PROBE bytes are held; the rest of the chunk follows them if a packet
        // starts here.
        let take = PROBE.saturating_sub(probe.bytes.len()).min(bytes.len());
        probe.bytes.extend_from_slice(&bytes[..take]);
        let rest = &bytes[take..];
        let b = &probe.bytes;
        let len = b
            .get(..3)
            .map(|l| u32::from_le_bytes([l[0], l[1], l[2], 0]) as usize);
        // Enough to decide: PROBE bytes, or the whole of a shorter packet.
        // Joined mid-way, the client's first segment may be compressed framing: look at
        // all PROBE bytes. Decide on exactly `need` bytes, so chunking cannot change it.
        let sniff = client && self.phase == Phase::Start;
        let need = if sniff {
            PROBE
        } else {
            len.map_or(PROBE, |l| PROBE.min(4 + l.max(1)))
        };
        if b.len() < need {
            return None;
        }
        let b = &b[..need];
        let ok = if client {
            if sniff && Self::sniff_compressed(b) {
                self.compressed = true;
                self.comp_client = Some(CompFramer::new());
                self.comp_server = Some(CompFramer::new());
                self.phase = Phase::Command;
                true
            } else {
                match b[3] {
                    0 => plausible_command(&b[4..], len.unwrap_or(0) as u64),
                    // The handshake response (inside TLS, after the SSL request).
                    s if s == 1 + u8::from(self.after_ssl) => self.phase == Phase::Greeted,
                    _ => false,
                }
            }
        } else {
            // A greeting, or the response to the waiting command (its sequence id follows
            // the command's).
            let next = self.pending.front().map_or(1, |p| p.next_seq);
            match (b[3], b.get(4)) {
                (0, Some(10 | 0xff)) => true,
                (seq, _) => self.phase != Phase::Start && (seq == 1 || seq == next),
            }
        };
        let probe = if client {
            &mut self.client_probe
        } else {
            &mut self.server_probe
        };
        if !ok {
            probe.dropped = true;
            probe.bytes.clear();
            return None;
        }
        let mut bytes = std::mem::take(&mut probe.bytes);
        bytes.extend_from_slice(rest);
        probe.packet = None;
        if client {
            self.client.hunting = false;
        } else {
            self.server.hunting = false;
        }
        Some(bytes)
    }

    pub(super) fn feed_client(&mut self, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if self.phase == Phase::Tls {
            return;
        }
        if self.client.hunting && self.comp_client.is_none() {
            if let Some(held) = self.probe(true, bytes, at) {
                self.read_client(&held, at, out);
            }
            return;
        }
        self.read_client(bytes, at, out);
    }

    pub(super) fn read_client(&mut self, mut bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !bytes.is_empty() && self.phase != Phase::Tls {
            if let Some(mut comp) = self.comp_client.take() {
                comp.feed(bytes, at, &mut |f| self.comp_client_frame(f, out));
                self.comp_client = Some(comp);
                return;
            }
            if self.client.hunting {
                return self.feed_client(bytes, at, out);
            }
            let (n, packet) = self.client.next(bytes, at);
            bytes = &bytes[n..];
            if let Some(p) = packet {
                self.client_packet(p, out);
            }
            if let (Some(tls), false) = (&mut self.tls, bytes.is_empty()) {
                // The TLS handshake follows the SSL request in the same bytes.
                return tls.data(true, bytes, at, out);
            }
        }
    }

    pub(super) fn feed_server(&mut self, bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        if self.phase == Phase::Tls {
            return;
        }
        if self.server.hunting && self.comp_server.is_none() {
            if let Some(held) = self.probe(false, bytes, at) {
                self.read_server(&held, at, out);
            }
            return;
        }
        self.read_server(bytes, at, out);
    }

    pub(super) fn read_server(&mut self, mut bytes: &[u8], at: At, out: &mut Vec<Transaction>) {
        while !bytes.is_empty() && self.phase != Phase::Tls {
            if let Some(mut comp) = self.comp_server.take() {
                comp.feed(bytes, at, &mut |f| self.comp_server_frame(f, out));
                self.comp_server = Some(comp);
                return;
            }
            if self.server.hunting {
                return self.feed_server(bytes, at, out);
            }
            // Packet by packet: after the login's OK the framing may change.
            let (n, packet) = self.server.next(bytes, at);
            bytes = &bytes[n..];
            if let Some(p) = packet {
                self.server_packet(p, out);
            }
        }
    }
}

/// One logical packet (continuations joined): its sequence id, the bytes kept, its
/// length, and where it was.
pub(super) struct Packet {
    pub(super) seq: u8,
    /// The sequence id of its last physical packet (continuations count).
    pub(super) last_seq: u8,
    pub(super) data: Vec<u8>,
    pub(super) len: u64,
    pub(super) span: Span,
    pub(super) lost: bool,
}

/// Reads packets of one direction: a 4-byte header, then the payload, of which the
/// first `cap` bytes are kept.
pub(super) struct Framer {
    pub(super) cap: usize,
    pub(super) head: [u8; 4],
    pub(super) head_len: usize,
    /// Payload bytes of the current physical packet still to come.
    pub(super) remaining: u32,
    pub(super) in_packet: bool,
    /// The current physical packet is 0xFFFFFF long: the logical packet continues.
    pub(super) more: bool,
    pub(super) seq: u8,
    pub(super) last_seq: u8,
    pub(super) kept: Vec<u8>,
    pub(super) len: u64,
    pub(super) first: Option<At>,
    pub(super) bytes: u64,
    pub(super) lost: bool,
    /// At the start, and after a gap: wait for a chunk that starts with a plausible
    /// packet.
    pub(super) hunting: bool,
}

impl Framer {
    pub(super) fn new(cap: usize) -> Self {
        Framer {
            cap,
            head: [0; 4],
            head_len: 0,
            remaining: 0,
            in_packet: false,
            more: false,
            seq: 0,
            last_seq: 0,
            kept: Vec::new(),
            len: 0,
            first: None,
            bytes: 0,
            lost: false,
            hunting: true,
        }
    }

    /// Between packets.
    pub(super) fn idle(&self) -> bool {
        !self.in_packet && self.head_len == 0 && !self.more
    }

    pub(super) fn reset(&mut self) {
        self.head_len = 0;
        self.remaining = 0;
        self.in_packet = false;
        self.more = false;
        self.kept.clear();
        self.len = 0;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
    }

    /// Reads from `input` up to the end of the next logical packet: the bytes consumed
    /// and the packet, if one completed.
    pub(super) fn next(&mut self, input: &[u8], at: At) -> (usize, Option<Packet>) {
        let mut used = 0;
        while used < input.len() {
            if self.first.is_none() {
                self.first = Some(at);
            }
            if !self.in_packet {
                let n = (4 - self.head_len).min(input.len() - used);
                self.head[self.head_len..self.head_len + n].copy_from_slice(&input[used..used + n]);
                self.head_len += n;
                self.bytes += n as u64;
                used += n;
                if self.head_len < 4 {
                    break;
                }
                self.head_len = 0;
                let len = u32::from_le_bytes([self.head[0], self.head[1], self.head[2], 0]);
                if !self.more {
                    self.seq = self.head[3];
                }
                self.last_seq = self.head[3];
                self.remaining = len;
                self.more = len == 0xff_ffff;
                self.in_packet = true;
            }
            let n = (self.remaining as usize).min(input.len() - used);
            let room = self.cap.saturating_sub(self.kept.len()).min(n);
            self.kept.extend_from_slice(&input[used..used + room]);
            self.remaining -= n as u32;
            self.len += n as u64;
            self.bytes += n as u64;
            used += n;
            if self.remaining == 0 {
                self.in_packet = false;
                if !self.more {
                    return (used, Some(self.take(at)));
                }
            }
        }
        (used, None)
    }

    pub(super) fn take(&mut self, at: At) -> Packet {
        let span = Span {
            first: self.first.unwrap_or(at),
            last: at,
            bytes: self.bytes,
        };
        let p = Packet {
            seq: self.seq,
            last_seq: self.last_seq,
            data: std::mem::take(&mut self.kept),
            len: self.len,
            span,
            lost: self.lost,
        };
        self.len = 0;
        self.first = None;
        self.bytes = 0;
        self.lost = false;
        p
    }

    /// Bytes that were not captured. Ok when the framing is still known (the gap fell
    /// inside a payload of known length), with the packet it completed; Err when lost.
    pub(super) fn gap(&mut self, len: u64, at: At) -> Result<Option<Packet>, ()> {
        if self.in_packet && self.remaining as u64 >= len {
            self.remaining -= len as u32;
            self.len += len;
            self.bytes += len;
            self.lost = true;
            if self.remaining == 0 {
                self.in_packet = false;
                if !self.more {
                    return Ok(Some(self.take(at)));
                }
            }
            return Ok(None);
        }
        self.reset();
        self.hunting = true;
        Err(())
    }
}

/// Bytes of a segment looked at before deciding that a packet starts there.
pub(super) const PROBE: usize = 12;

/// While hunting: the first bytes of the segment being looked at.
#[derive(Default)]
pub(super) struct Probe {
    pub(super) packet: Option<u64>,
    pub(super) bytes: Vec<u8>,
    /// The segment was judged not to start a packet: the rest of it is dropped.
    pub(super) dropped: bool,
}
