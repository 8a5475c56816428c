//! PostgreSQL protocol messages (PostgreSQL's documentation, §55.7): a type byte and a
//! length that counts itself, except the untyped first messages of the client
//! (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) and the one-byte answer to
//! an SSLRequest or GSSENCRequest.

/// The StartupMessage (untyped; protocol 3.x).
pub const STARTUP: u8 = 0;
/// SSLRequest (untyped, code 80877103).
pub const SSL_REQUEST: u8 = 1;
/// GSSENCRequest (untyped, code 80877104).
pub const GSS_REQUEST: u8 = 2;
/// CancelRequest (untyped, code 80877102).
pub const CANCEL: u8 = 3;
/// The server's one-byte answer (`S`, `N`, `G`) to an SSLRequest or GSSENCRequest.
pub const ANSWER_BYTE: u8 = 4;

/// The codes of the untyped requests.
pub const SSL_CODE: u32 = 80877103;
/// GSSENCRequest's code.
pub const GSS_CODE: u32 = 80877104;
/// CancelRequest's code.
pub const CANCEL_CODE: u32 = 80877102;

/// One message as read.
#[derive(Debug)]
pub struct Message<'a> {
    /// The type byte, or one of the untyped kinds above.
    pub kind: u8,
    /// Its body (after type and length), held up to the reader's limit.
    pub body: &'a [u8],
    /// Its length on the wire, type byte included.
    pub len: usize,
    /// The body was longer than what is held.
    pub truncated: bool,
}

/// The kind of an untyped client message from its length and code, when they are one.
pub fn untyped(len: u32, code: u32) -> Option<u8> {
    match (len, code) {
        (8, SSL_CODE) => Some(SSL_REQUEST),
        (8, GSS_CODE) => Some(GSS_REQUEST),
        (16, CANCEL_CODE) => Some(CANCEL),
        (9..=10_000, c) if c >> 16 == 3 => Some(STARTUP),
        _ => None,
    }
}

/// Reads one direction's messages as bytes come.
pub struct Reader {
    /// The next message may be untyped (the client, before its StartupMessage).
    untyped: bool,
    /// The next byte is the server's answer to an SSLRequest or GSSENCRequest.
    answer: bool,
    header: [u8; 8],
    have: usize,
    /// The message being read: kind, body length, bytes of it still to come.
    current: Option<(u8, usize, usize)>,
    held: Vec<u8>,
    max_held: usize,
    /// Not this protocol (a bad length): nothing more is read.
    broken: bool,
}

impl Reader {
    /// A reader of the client's side (`client`) or the server's.
    pub fn new(client: bool, max_held: usize) -> Self {
        Reader {
            untyped: client,
            answer: false,
            header: [0; 8],
            have: 0,
            current: None,
            held: Vec::new(),
            max_held,
            broken: false,
        }
    }

    /// The next byte (of the server) is a one-byte answer.
    pub fn expect_answer_byte(&mut self) {
        self.answer = true;
    }

    /// Bytes held.
    pub fn buffered(&self) -> usize {
        self.have + self.held.len()
    }

    /// Whether the bytes stopped making sense.
    pub fn broken(&self) -> bool {
        self.broken
    }

    /// Feeds bytes; `on` gets each whole message and the bytes after it, and returns
    /// false to stop reading (the rest is then no longer this protocol's).
    pub fn feed(&mut self, mut b: &[u8], on: &mut dyn FnMut(Message<'_>, &[u8]) -> bool) {
        while !b.is_empty() && !self.broken {
            if let Some((kind, body, left)) = &mut self.current {
                let n = (*left).min(b.len());
                let keep = n.min(self.max_held.saturating_sub(self.held.len()));
                self.held.extend_from_slice(&b[..keep]);
                *left -= n;
                b = &b[n..];
                if *left == 0 {
                    let (kind, body) = (*kind, *body);
                    let header = if kind <= ANSWER_BYTE { 0 } else { 1 };
                    let msg = Message {
                        kind,
                        body: &self.held,
                        len: header + 4 + body,
                        truncated: self.held.len() < body,
                    };
                    self.current = None;
                    let go = on(msg, b);
                    self.held.clear();
                    if !go {
                        return;
                    }
                }
                continue;
            }
            if self.answer {
                self.answer = false;
                let byte = [b[0]];
                b = &b[1..];
                let go = on(
                    Message {
                        kind: ANSWER_BYTE,
                        body: &byte,
                        len: 1,
                        truncated: false,
                    },
                    b,
                );
                if !go {
                    return;
                }
                continue;
            }
            let need = if self.untyped { 8 } else { 5 };
            let n = (need - self.have).min(b.len());
            self.header[self.have..self.have + n].copy_from_slice(&b[..n]);
            self.have += n;
            b = &b[n..];
            if self.have < need {
                continue;
            }
            self.have = 0;
            let h = self.header;
            if self.untyped {
                let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
                let code = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
                match untyped(len, code) {
                    Some(kind) => {
                        // After an SSLRequest or GSSENCRequest answered no, another
                        // untyped StartupMessage comes.
                        self.untyped = matches!(kind, SSL_REQUEST | GSS_REQUEST);
                        let body = len as usize - 4;
                        self.held.extend_from_slice(&h[4..8]);
                        self.start(kind, body, body - 4, b, on);
                    }
                    None => {
                        // Joined mid-conversation: typed messages from here, these 8
                        // bytes first.
                        *self = Reader::new(false, self.max_held);
                        self.feed(&h, &mut |m, _| on(m, &[]));
                    }
                }
                continue;
            }
            let kind = h[0];
            let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
            if len < 4 || kind == 0 {
                self.broken = true;
                return;
            }
            self.start(kind, len - 4, len - 4, b, on);
        }
    }

    /// Begins a message whose body is `body` bytes, `left` of them still to come.
    fn start(
        &mut self,
        kind: u8,
        body: usize,
        left: usize,
        rest: &[u8],
        on: &mut dyn FnMut(Message<'_>, &[u8]) -> bool,
    ) {
        if left == 0 {
            let msg = Message {
                kind,
                body: &self.held,
                len: if kind <= ANSWER_BYTE {
                    4 + body
                } else {
                    5 + body
                },
                truncated: false,
            };
            let go = on(msg, rest);
            self.held.clear();
            if !go {
                // The caller stops reading; what follows is not ours.
                self.broken = true;
            }
        } else {
            self.current = Some((kind, body, left));
        }
    }
}

/// A NUL-terminated string at the start of `b` (lossy UTF-8), and what follows it.
pub fn cstr(b: &[u8]) -> (String, &[u8]) {
    match b.iter().position(|&c| c == 0) {
        Some(n) => (String::from_utf8_lossy(&b[..n]).into_owned(), &b[n + 1..]),
        None => (String::from_utf8_lossy(b).into_owned(), &[]),
    }
}

/// A NUL-terminated string that may have been cut (`truncated`), and whether it was.
pub fn cstr_kept(b: &[u8], truncated: bool) -> (String, bool) {
    match b.iter().position(|&c| c == 0) {
        Some(n) => (String::from_utf8_lossy(&b[..n]).into_owned(), false),
        None => (String::from_utf8_lossy(b).into_owned(), truncated),
    }
}

/// The parameters of a StartupMessage body (after the protocol version): name, value
/// pairs up to an empty name.
pub fn startup_params(body: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = body.get(4..).unwrap_or(&[]);
    while !rest.is_empty() && rest[0] != 0 {
        let (k, r) = cstr(rest);
        let (v, r) = cstr(r);
        out.push((k, v));
        rest = r;
    }
    out
}

/// The fields of an ErrorResponse or NoticeResponse (§55.8): (code, value).
pub fn fields(body: &[u8]) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some((&code, r)) = rest.split_first() {
        if code == 0 {
            break;
        }
        let (v, r) = cstr(r);
        out.push((code, v));
        rest = r;
    }
    out
}
