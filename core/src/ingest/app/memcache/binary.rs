//! memcached's binary protocol ("BinaryProtocolRevamped"): a 24-byte header (magic
//! 0x80 request, 0x81 response), extras, key, value; replies matched by opaque; quiet
//! opcodes answer only on a miss (GetQ) or an error (SetQ, …).

use super::{emit, is_binary, report, text, Expect, Mode, Parser, Pending, Request, Side};
use crate::capture::app::memcache::{Key, Parts};
use crate::capture::app::{At, Detail, Span, Transaction};

/// Bytes of a binary error reply's value kept as its message.
const MAX_MESSAGE: usize = 256;

impl Side {
    /// The key of the binary header, extras and key in `buf`; the side goes back to
    /// reading text or the next header, in step.
    fn binary_key(&mut self, h: &Header) -> Vec<u8> {
        self.hunting = false;
        self.mode = Mode::Text;
        let key = self
            .buf
            .get(24 + h.extras as usize..)
            .unwrap_or(&[])
            .to_vec();
        self.buf.clear();
        key
    }
}

impl Parser {
    /// A binary request's header, extras and key are in.
    pub(super) fn binary_request(&mut self, h: Header, at: At, out: &mut Vec<Transaction>) {
        let key = self.client.binary_key(&h);
        let (name, quiet) = opcode_name(h.opcode);
        let value_len = h.value_len();
        let mut d = Parts {
            binary: true,
            command: name.into(),
            opcode: Some(h.opcode),
            noreply: quiet,
            ..Parts::default()
        };
        let is_storage = matches!(h.opcode, 0x01..=0x03 | 0x0e | 0x0f | 0x11..=0x13 | 0x19 | 0x1a);
        if !key.is_empty() || is_storage {
            d.keys
                .push(Key::new(text(&key), None, is_storage.then_some(value_len)));
        }
        let expect = if h.opcode == 0x10 {
            Expect::BinaryStat
        } else {
            Expect::Binary
        };
        let p = Pending {
            detail: d,
            request: Span::default(),
            expect,
            opaque: h.opaque,
            quiet,
            token: None,
            response: None,
        };
        if value_len > 0 {
            self.client.skip = value_len;
            self.request = Request::Binary(p);
        } else {
            self.request_done(p, at, out);
        }
    }

    /// A binary reply's header, extras and key are in: its value is passed over (an
    /// error's text kept), or the reply is complete.
    pub(super) fn binary_reply_head(&mut self, h: Header, at: At, out: &mut Vec<Transaction>) {
        let key = self.server.binary_key(&h);
        let value_len = h.value_len();
        let r = BinReply {
            opcode: h.opcode,
            status: h.status,
            opaque: h.opaque,
            key,
            value_len,
        };
        if value_len > 0 {
            self.server.skip = value_len;
            self.server.keep = if h.status != 0 { MAX_MESSAGE } else { 0 };
            self.bin_reply = Some(r);
        } else {
            self.binary_reply(r, at, out);
        }
    }

    /// A binary reply is complete.
    pub(super) fn binary_reply(&mut self, r: BinReply, at: At, out: &mut Vec<Transaction>) {
        let message =
            (r.status != 0 && !self.server.buf.is_empty()).then(|| text(&self.server.buf));
        self.server.buf.clear();
        self.server.keep = 0;
        // A stat reply with a key is one of many: the one with an empty key ends them.
        if r.opcode == 0x10 && !r.key.is_empty() && r.status == 0 {
            if let Some(p) = self
                .pending
                .iter_mut()
                .find(|p| p.expect == Expect::BinaryStat && p.opaque == r.opaque)
            {
                p.detail.stats += 1;
                let (span, _) = self.server.finish(at);
                let resp = p.response.get_or_insert(Span {
                    first: span.first,
                    last: span.last,
                    bytes: 0,
                });
                resp.last = span.last;
                resp.bytes += span.bytes;
                return;
            }
        }
        let (mut span, lost) = self.server.finish(at);
        // The request with this opaque; quiet requests before it were answered by silence.
        let pos = self
            .pending
            .iter()
            .position(|p| is_binary(p) && p.opaque == r.opaque && p.detail.opcode == Some(r.opcode))
            .or_else(|| {
                self.pending
                    .iter()
                    .position(|p| is_binary(p) && p.opaque == r.opaque)
            });
        let Some(pos) = pos else {
            let (name, _) = opcode_name(r.opcode);
            let mut d = Parts {
                binary: true,
                command: name.into(),
                opcode: Some(r.opcode),
                incomplete: true,
                ..Parts::default()
            };
            if !r.key.is_empty() || r.value_len > 0 {
                d.keys.push(Key::new(
                    text(&r.key),
                    None,
                    (r.value_len > 0).then_some(r.value_len),
                ));
            }
            binary_status(&mut d, r.status, message);
            report(out, None, Some(span), Detail::Memcache(Box::new(d.into())));
            return;
        };
        let mut i = 0;
        let mut remaining = pos;
        while remaining > 0 {
            remaining -= 1;
            if !is_binary(&self.pending[i]) {
                i += 1;
                continue;
            }
            let mut p = self.pending.remove(i).expect("index within");
            if p.quiet {
                silence(&mut p.detail);
            } else {
                p.detail.incomplete = true;
            }
            emit(p, None, out);
        }
        let mut p = self.pending.remove(i).expect("position found");
        if let Some(prev) = p.response {
            span.first = prev.first;
            span.bytes += prev.bytes;
        }
        let d = &mut p.detail;
        d.incomplete |= lost;
        binary_status(d, r.status, message);
        let retrieval = matches!(
            r.opcode,
            0x00 | 0x09 | 0x0c | 0x0d | 0x1d | 0x1e | 0x23 | 0x24
        );
        if retrieval && d.keys.is_empty() && !r.key.is_empty() {
            d.keys.push(Key::new(text(&r.key), None, None));
        }
        if retrieval || matches!(r.opcode, 0x04 | 0x05 | 0x06 | 0x14 | 0x15 | 0x16 | 0x1c) {
            let hit = match r.status {
                0 => Some(true),
                1 => Some(false),
                _ => None,
            };
            if let Some(hit) = hit {
                for k in &mut d.keys {
                    k.set_hit(hit);
                    if hit && retrieval {
                        k.set_value_len(r.value_len);
                    }
                }
                if hit {
                    d.hits += d.keys.len() as u32;
                } else {
                    d.misses += d.keys.len() as u32;
                }
            }
        }
        emit(p, Some(span), out);
    }
}

/// A binary reply whose value is being passed over.
pub(super) struct BinReply {
    opcode: u8,
    status: u16,
    opaque: u32,
    key: Vec<u8>,
    value_len: u64,
}

/// A quiet binary request the server went past without a reply: a quiet get missed,
/// anything else succeeded.
pub(super) fn silence(d: &mut Parts) {
    let get = matches!(d.opcode, Some(0x09 | 0x0d | 0x1e | 0x24));
    binary_status(d, u16::from(get), None);
    d.status = Some(
        if get {
            "Key not found (no reply)"
        } else {
            "No error (no reply)"
        }
        .into(),
    );
    d.status_code = None;
    if get {
        for k in &mut d.keys {
            k.set_hit(false);
        }
        d.misses += d.keys.len() as u32;
    }
}

/// Sets the status fields of a binary reply.
fn binary_status(d: &mut Parts, status: u16, message: Option<std::sync::Arc<str>>) {
    d.status_code = Some(status);
    d.status = Some(status_name(status).into());
    d.message = message;
    // Not found, exists and not stored are answers, not errors.
    d.error = !matches!(status, 0 | 1 | 2 | 5);
}

/// Names of binary statuses (BinaryProtocolRevamped "Response Status").
pub fn status_name(status: u16) -> &'static str {
    match status {
        0x00 => "No error",
        0x01 => "Key not found",
        0x02 => "Key exists",
        0x03 => "Value too large",
        0x04 => "Invalid arguments",
        0x05 => "Item not stored",
        0x06 => "Incr/Decr on non-numeric value",
        0x07 => "The vbucket belongs to another server",
        0x08 => "Authentication error",
        0x09 => "Authentication continue",
        0x81 => "Unknown command",
        0x82 => "Out of memory",
        0x83 => "Not supported",
        0x84 => "Internal error",
        0x85 => "Busy",
        0x86 => "Temporary failure",
        _ => "Unknown status",
    }
}

/// A binary opcode's name and whether it is a quiet variant.
pub fn opcode_name(opcode: u8) -> (&'static str, bool) {
    match opcode {
        0x00 => ("get", false),
        0x01 => ("set", false),
        0x02 => ("add", false),
        0x03 => ("replace", false),
        0x04 => ("delete", false),
        0x05 => ("increment", false),
        0x06 => ("decrement", false),
        0x07 => ("quit", false),
        0x08 => ("flush", false),
        0x09 => ("getq", true),
        0x0a => ("noop", false),
        0x0b => ("version", false),
        0x0c => ("getk", false),
        0x0d => ("getkq", true),
        0x0e => ("append", false),
        0x0f => ("prepend", false),
        0x10 => ("stat", false),
        0x11 => ("setq", true),
        0x12 => ("addq", true),
        0x13 => ("replaceq", true),
        0x14 => ("deleteq", true),
        0x15 => ("incrementq", true),
        0x16 => ("decrementq", true),
        0x17 => ("quitq", true),
        0x18 => ("flushq", true),
        0x19 => ("appendq", true),
        0x1a => ("prependq", true),
        0x1b => ("verbosity", false),
        0x1c => ("touch", false),
        0x1d => ("gat", false),
        0x1e => ("gatq", true),
        0x20 => ("sasl_list_mechs", false),
        0x21 => ("sasl_auth", false),
        0x22 => ("sasl_step", false),
        0x23 => ("gatk", false),
        0x24 => ("gatkq", true),
        _ => ("unknown", false),
    }
}

/// A binary header (BinaryProtocolRevamped "Packet Structure").
#[derive(Clone, Copy, Debug)]
pub(super) struct Header {
    opcode: u8,
    key_len: u16,
    extras: u8,
    /// vbucket id (request) or status (response).
    status: u16,
    body: u32,
    opaque: u32,
}

impl Header {
    fn parse(h: &[u8]) -> Option<Header> {
        let h: &[u8; 24] = h.get(..24)?.try_into().ok()?;
        let header = Header {
            opcode: h[1],
            key_len: u16::from_be_bytes([h[2], h[3]]),
            extras: h[4],
            status: u16::from_be_bytes([h[6], h[7]]),
            body: u32::from_be_bytes([h[8], h[9], h[10], h[11]]),
            opaque: u32::from_be_bytes([h[12], h[13], h[14], h[15]]),
        };
        // Data type 0 (raw bytes) is the only one defined; extras and key fit the body.
        (h[5] == 0 && header.key_len as u32 + header.extras as u32 <= header.body).then_some(header)
    }

    fn value_len(&self) -> u64 {
        self.body as u64 - self.key_len as u64 - self.extras as u64
    }

    /// Header, extras and key.
    fn head_len(&self) -> usize {
        24 + self.extras as usize + self.key_len as usize
    }

    /// What a real header looks like, to resynchronise on after a gap: a known opcode,
    /// a key memcached would take (at most 250 bytes), small extras.
    fn plausible(&self) -> bool {
        opcode_name(self.opcode).0 != "unknown"
            && self.key_len <= 250
            && self.extras <= 20
            && self.body <= 1 << 30
    }
}

pub(super) enum BinHead {
    More,
    Invalid,
    Done(Header),
}

/// Reads a binary header, then its extras and key, into `side.buf`. An invalid header
/// is dropped (the caller resynchronises); at least one byte is always consumed.
pub(super) fn read_binary_head(
    side: &mut Side,
    input: &[u8],
    at: At,
    magic: u8,
) -> (usize, BinHead) {
    let need = match Header::parse(&side.buf) {
        Some(h) if side.buf.len() >= 24 => h.head_len(),
        _ => 24,
    };
    let n = need.saturating_sub(side.buf.len()).min(input.len());
    side.buf.extend_from_slice(&input[..n]);
    side.take(n, at);
    if side.buf.len() < 24 {
        return (n, BinHead::More);
    }
    match Header::parse(&side.buf) {
        Some(h) if side.buf[0] == magic && (!side.hunting || h.plausible()) => {
            if side.buf.len() < h.head_len() {
                (n, BinHead::More)
            } else {
                (n, BinHead::Done(h))
            }
        }
        _ => (n.max(1).min(input.len()), BinHead::Invalid),
    }
}
