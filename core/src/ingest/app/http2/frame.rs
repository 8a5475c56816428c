//! HTTP/2 frames (RFC 9113 §4, §6): the 9-byte header, the types and flags, and a
//! reader that cuts one direction's stream into frames.

/// The client's connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Frame types (RFC 9113 §6; ALTSVC RFC 7838, ORIGIN RFC 8336, PRIORITY_UPDATE RFC 9218).
pub mod kind {
    /// DATA.
    pub const DATA: u8 = 0;
    /// HEADERS.
    pub const HEADERS: u8 = 1;
    /// PRIORITY.
    pub const PRIORITY: u8 = 2;
    /// RST_STREAM.
    pub const RST_STREAM: u8 = 3;
    /// SETTINGS.
    pub const SETTINGS: u8 = 4;
    /// PUSH_PROMISE.
    pub const PUSH_PROMISE: u8 = 5;
    /// PING.
    pub const PING: u8 = 6;
    /// GOAWAY.
    pub const GOAWAY: u8 = 7;
    /// WINDOW_UPDATE.
    pub const WINDOW_UPDATE: u8 = 8;
    /// CONTINUATION.
    pub const CONTINUATION: u8 = 9;
    /// ALTSVC.
    pub const ALTSVC: u8 = 10;
    /// ORIGIN.
    pub const ORIGIN: u8 = 12;
    /// PRIORITY_UPDATE.
    pub const PRIORITY_UPDATE: u8 = 16;
}

/// Frame flags.
pub mod flag {
    /// END_STREAM (DATA, HEADERS).
    pub const END_STREAM: u8 = 0x1;
    /// ACK (SETTINGS, PING).
    pub const ACK: u8 = 0x1;
    /// END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION).
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED (DATA, HEADERS, PUSH_PROMISE).
    pub const PADDED: u8 = 0x8;
    /// PRIORITY (HEADERS).
    pub const PRIORITY: u8 = 0x20;
}

/// The longest frame payload (2^24 - 1, RFC 9113 §4.2).
pub const MAX_LEN: usize = (1 << 24) - 1;

/// A frame header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Payload length.
    pub len: u32,
    /// Type.
    pub kind: u8,
    /// Flags.
    pub flags: u8,
    /// Stream identifier (the reserved bit cleared).
    pub stream: u32,
    /// The reserved bit.
    pub reserved: bool,
}

impl Header {
    /// Reads a header from 9 bytes.
    pub fn parse(b: &[u8; 9]) -> Header {
        let raw = u32::from_be_bytes([b[5], b[6], b[7], b[8]]);
        Header {
            len: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: b[3],
            flags: b[4],
            stream: raw & 0x7fff_ffff,
            reserved: raw & 0x8000_0000 != 0,
        }
    }
}

/// Wireshark's name of a frame type (`http2.type` shows the number).
pub fn type_name(kind: u8) -> &'static str {
    match kind {
        kind::DATA => "DATA",
        kind::HEADERS => "HEADERS",
        kind::PRIORITY => "PRIORITY",
        kind::RST_STREAM => "RST_STREAM",
        kind::SETTINGS => "SETTINGS",
        kind::PUSH_PROMISE => "PUSH_PROMISE",
        kind::PING => "PING",
        kind::GOAWAY => "GOAWAY",
        kind::WINDOW_UPDATE => "WINDOW_UPDATE",
        kind::CONTINUATION => "CONTINUATION",
        kind::ALTSVC => "ALTSVC",
        kind::ORIGIN => "ORIGIN",
        kind::PRIORITY_UPDATE => "PRIORITY_UPDATE",
        _ => "Unknown",
    }
}

/// An error code's name (RFC 9113 §7).
pub fn error_name(code: u32) -> &'static str {
    match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => "Unknown",
    }
}

/// What a [`Reader`] puts out.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// A frame's header (before its payload).
    Header(Header),
    /// Payload bytes of the current frame, in order; `last` on its final piece. Frames
    /// of the types in [`Reader::hold`] come in one piece, whole.
    Payload {
        /// The bytes.
        bytes: &'a [u8],
        /// The frame is complete.
        last: bool,
    },
    /// The connection preface (client side).
    Preface,
}

/// Cuts one direction of an HTTP/2 connection into frames, as bytes come. Payloads of
/// frame types it holds come whole (at most `max_held` bytes: a longer one is handed on
/// in pieces); DATA and unknown frames are handed on as they come, never held.
pub struct Reader {
    header: [u8; 9],
    have: usize,
    /// The frame whose payload is being read, and how much of it is left.
    current: Option<(Header, usize)>,
    held: Vec<u8>,
    /// Bytes of the preface still to match (client side); None once decided.
    preface: Option<usize>,
    max_held: usize,
}

impl Reader {
    /// A reader of the client's side (`client`: it may start with the preface).
    pub fn new(client: bool, max_held: usize) -> Self {
        Reader {
            header: [0; 9],
            have: 0,
            current: None,
            held: Vec::new(),
            preface: client.then_some(0),
            max_held,
        }
    }

    /// Bytes held (a frame's header and a held payload).
    pub fn buffered(&self) -> usize {
        self.have + self.held.len()
    }

    /// Whether frames of this type are handed on whole.
    fn hold(kind: u8) -> bool {
        !matches!(kind, kind::DATA) && kind <= kind::PRIORITY_UPDATE
    }

    /// Feeds bytes; `on` gets what they complete.
    pub fn feed(&mut self, mut b: &[u8], on: &mut dyn FnMut(Piece<'_>)) {
        while !b.is_empty() {
            if let Some(matched) = self.preface {
                let want = &PREFACE[matched..];
                let n = want.len().min(b.len());
                // The bytes that match, one by one, so that where the bytes are cut
                // changes nothing.
                let same = b[..n].iter().zip(want).take_while(|(x, y)| x == y).count();
                b = &b[same..];
                if same == n {
                    if matched + n == PREFACE.len() {
                        self.preface = None;
                        on(Piece::Preface);
                    } else {
                        self.preface = Some(matched + n);
                    }
                    continue;
                }
                // Not the preface (joined mid-connection): frames from here. Bytes that
                // matched a prefix were taken; they are lost only in that odd case.
                self.preface = None;
            }
            match &mut self.current {
                None => {
                    let n = (9 - self.have).min(b.len());
                    self.header[self.have..self.have + n].copy_from_slice(&b[..n]);
                    self.have += n;
                    b = &b[n..];
                    if self.have < 9 {
                        continue;
                    }
                    self.have = 0;
                    let h = Header::parse(&self.header);
                    on(Piece::Header(h));
                    if h.len == 0 {
                        on(Piece::Payload {
                            bytes: &[],
                            last: true,
                        });
                    } else {
                        self.current = Some((h, h.len as usize));
                    }
                }
                Some((h, left)) => {
                    let n = (*left).min(b.len());
                    *left -= n;
                    let last = *left == 0;
                    let whole = Self::hold(h.kind) && h.len as usize <= self.max_held;
                    if whole {
                        self.held.extend_from_slice(&b[..n]);
                        if last {
                            on(Piece::Payload {
                                bytes: &self.held,
                                last: true,
                            });
                            self.held.clear();
                        }
                    } else {
                        on(Piece::Payload {
                            bytes: &b[..n],
                            last,
                        });
                    }
                    b = &b[n..];
                    if last {
                        self.current = None;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn frames_in_any_chunking() {
        let mut stream = PREFACE.to_vec();
        stream.extend_from_slice(&[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]); // SETTINGS
        stream.extend_from_slice(&[0, 0, 3, 0, 1, 0, 0, 0, 1, b'a', b'b', b'c']); // DATA
        stream.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]); // SETTINGS ACK
        let run = |chunk: usize| {
            let mut r = Reader::new(true, 1 << 16);
            let mut out: Vec<String> = Vec::new();
            let mut data = Vec::new();
            for c in stream.chunks(chunk) {
                r.feed(c, &mut |p| match p {
                    Piece::Header(h) => out.push(format!("{}:{}:{}", h.kind, h.len, h.stream)),
                    Piece::Payload { bytes, last } => {
                        data.extend_from_slice(bytes);
                        if last {
                            out.push(format!("end {}", data.len()));
                            data.clear();
                        }
                    }
                    Piece::Preface => out.push("preface".into()),
                });
            }
            out
        };
        let whole = run(stream.len());
        assert_eq!(
            whole,
            ["preface", "4:6:0", "end 6", "0:3:1", "end 3", "4:0:0", "end 0"]
        );
        for chunk in 1..stream.len() {
            assert_eq!(run(chunk), whole, "chunk {chunk}");
        }
    }

    #[test]
    fn a_preface_cut_short_is_read_the_same_in_any_chunking() {
        // Found by the fuzz target: the preface's first 20 bytes, then a frame header.
        let mut stream = PREFACE[..20].to_vec();
        stream.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, b'x']);
        let run = |chunk: usize| {
            let mut r = Reader::new(true, 1 << 16);
            let mut out: Vec<String> = Vec::new();
            for c in stream.chunks(chunk) {
                r.feed(c, &mut |p| match p {
                    Piece::Header(h) => out.push(format!("{}:{}:{}", h.kind, h.len, h.stream)),
                    Piece::Payload { bytes, last } => out.push(format!("{bytes:?} {last}")),
                    Piece::Preface => out.push("preface".into()),
                });
            }
            out
        };
        let whole = run(stream.len());
        assert_eq!(whole, ["4:0:0", "[] true", "0:1:1", "[120] true"]);
        for chunk in 1..stream.len() {
            assert_eq!(run(chunk), whole, "chunk {chunk}");
        }
    }
}
