//! The compressed protocol (§ "Compression"): frames of a 7-byte header (compressed
//! length, sequence id, uncompressed length) around one or more packets, detected and
//! reported, not decompressed. Commands sent in uncompressed frames are still read.

use super::command::{err_packet, ok_packet};
use super::{emit, extend, Parser, Pending, Reader, Resp};
use crate::capture::app::mysql::Mysql;
use crate::capture::app::{At, Span, Transaction};

impl Parser {
    pub(super) fn start_compression(&mut self) {
        self.compressed = true;
        self.comp_client = Some(CompFramer::new());
        self.comp_server = Some(CompFramer::new());
        self.client.reset();
        self.server.reset();
    }

    pub(super) fn comp_client_frame(&mut self, f: Frame<'_>, out: &mut Vec<Transaction>) {
        match f {
            Frame::Start { seq: 0, at, .. } => {
                // A new command: the previous one is complete.
                if let Some(prev) = self.comp_current.take() {
                    emit(prev, out);
                }
                self.client.reset();
                self.client.hunting = false;
                let d = Mysql {
                    command: "compressed".into(),
                    compressed: true,
                    ..Mysql::default()
                };
                self.comp_current = Some(Pending {
                    detail: d,
                    request: Span {
                        first: at,
                        last: at,
                        bytes: 0,
                    },
                    resp: Resp::First,
                    response: None,
                    next_seq: 1,
                });
            }
            Frame::Start { .. } => {}
            Frame::Plain(mut bytes, at) => {
                // The frame is stored as-is: read the command in it.
                while !bytes.is_empty() {
                    let (n, packet) = self.client.next(bytes, at);
                    bytes = &bytes[n..];
                    let Some(packet) = packet else { continue };
                    let fresh = self
                        .comp_current
                        .as_ref()
                        .is_some_and(|c| c.detail.command_code.is_none());
                    if packet.seq == 0 && fresh {
                        if let Some((d, _)) = self.parse_command(&packet) {
                            if let Some(cur) = self.comp_current.as_mut() {
                                cur.detail = Mysql {
                                    compressed: true,
                                    ..d
                                };
                            }
                        }
                    }
                }
            }
            Frame::End { span } => {
                if let Some(cur) = self.comp_current.as_mut() {
                    if cur.response.is_none() {
                        cur.request.last = span.last;
                        cur.request.bytes += span.bytes;
                    }
                }
            }
        }
    }

    pub(super) fn comp_server_frame(&mut self, f: Frame<'_>, out: &mut Vec<Transaction>) {
        match f {
            Frame::Start { compressed, .. } => {
                if let Some(cur) = self.comp_current.as_mut() {
                    if cur.response.is_none() && compressed {
                        cur.detail
                            .response
                            .get_or_insert_with(|| "compressed".into());
                    }
                }
                self.server.reset();
            }
            Frame::Plain(mut bytes, at) => {
                while !bytes.is_empty() {
                    let (n, packet) = self.server.next(bytes, at);
                    bytes = &bytes[n..];
                    let Some(packet) = packet else { continue };
                    let Some(cur) = self.comp_current.as_mut() else {
                        continue;
                    };
                    if cur.detail.response.is_some() {
                        continue;
                    }
                    match packet.data.first() {
                        Some(0x00) => {
                            ok_packet(&mut cur.detail, &packet.data, false);
                        }
                        Some(0xff) => err_packet(&mut cur.detail, &packet.data),
                        Some(_) => {
                            cur.detail.response = Some("result_set".into());
                            cur.detail.columns = Reader::new(&packet.data).lenenc();
                        }
                        None => {}
                    }
                }
            }
            Frame::End { span } => {
                if let Some(cur) = self.comp_current.as_mut() {
                    extend(&mut cur.response, span);
                    // A lone OK or ERR completes the command at once.
                    if matches!(cur.detail.response.as_deref(), Some("ok" | "error")) {
                        let cur = self.comp_current.take().expect("checked");
                        emit(cur, out);
                    }
                }
            }
        }
    }

    /// A conversation joined mid-way whose first client bytes are compressed frames
    /// (the header's uncompressed length 0 then a packet, or a zlib stream).
    pub(super) fn sniff_compressed(bytes: &[u8]) -> bool {
        if bytes.len() < 9 {
            return false;
        }
        let comp_len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]) as usize;
        let uncomp = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], 0]) as usize;
        if uncomp == 0 {
            // A plain packet inside: its length plus its header is the frame's.
            let inner =
                u32::from_le_bytes([bytes[7], bytes[8], bytes.get(9).copied().unwrap_or(0), 0])
                    as usize;
            bytes.len() >= 11 && inner + 4 == comp_len && bytes[10] == 0
        } else {
            // zlib: CMF 0x78, and (CMF*256 + FLG) divisible by 31 (RFC 1950 §2.2).
            bytes[7] == 0x78
                && (0x7800 + bytes[8] as u32).is_multiple_of(31)
                && uncomp >= comp_len / 2
        }
    }
}

/// Reads compressed frames of one direction (§ "Compression"): a 7-byte header
/// (compressed length, sequence id, uncompressed length, 0 when the payload is not
/// compressed), then the payload.
pub(super) struct CompFramer {
    pub(super) head: [u8; 7],
    pub(super) head_len: usize,
    pub(super) remaining: u32,
    /// The payload is stored as-is (uncompressed length 0): it carries plain packets.
    pub(super) plain: bool,
    pub(super) seq: u8,
    pub(super) first: Option<At>,
    pub(super) bytes: u64,
}

/// A compressed frame, as far as it concerns transactions.
pub(super) enum Frame<'a> {
    /// A frame begins: its sequence id and whether it is compressed.
    Start { seq: u8, compressed: bool, at: At },
    /// Payload bytes of an uncompressed frame (plain packets).
    Plain(&'a [u8], At),
    /// A frame ended.
    End { span: Span },
}

impl CompFramer {
    pub(super) fn new() -> Self {
        CompFramer {
            head: [0; 7],
            head_len: 0,
            remaining: 0,
            plain: false,
            seq: 0,
            first: None,
            bytes: 0,
        }
    }

    pub(super) fn feed(&mut self, mut input: &[u8], at: At, on: &mut dyn FnMut(Frame<'_>)) {
        while !input.is_empty() {
            if self.first.is_none() {
                self.first = Some(at);
            }
            if self.head_len < 7 {
                let n = (7 - self.head_len).min(input.len());
                self.head[self.head_len..self.head_len + n].copy_from_slice(&input[..n]);
                self.head_len += n;
                self.bytes += n as u64;
                input = &input[n..];
                if self.head_len < 7 {
                    return;
                }
                let h = self.head;
                self.remaining = u32::from_le_bytes([h[0], h[1], h[2], 0]);
                self.seq = h[3];
                self.plain = u32::from_le_bytes([h[4], h[5], h[6], 0]) == 0;
                on(Frame::Start {
                    seq: self.seq,
                    compressed: !self.plain,
                    at: self.first.unwrap_or(at),
                });
            }
            let n = (self.remaining as usize).min(input.len());
            if self.plain && n > 0 {
                on(Frame::Plain(&input[..n], at));
            }
            self.remaining -= n as u32;
            self.bytes += n as u64;
            input = &input[n..];
            if self.remaining == 0 {
                self.head_len = 0;
                on(Frame::End {
                    span: Span {
                        first: self.first.unwrap_or(at),
                        last: at,
                        bytes: self.bytes,
                    },
                });
                self.first = None;
                self.bytes = 0;
            }
        }
    }

    pub(super) fn gap(&mut self, len: u64) -> bool {
        if self.head_len == 7 && self.remaining as u64 >= len {
            self.remaining -= len as u32;
            self.bytes += len;
            return true;
        }
        *self = CompFramer::new();
        false
    }
}
