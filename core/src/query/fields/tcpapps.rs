//! Application protocols tshark dissects on their TCP ports that no parser of ours reads
//! (`nbss`, `smb`, `ldap`, `bgp`, `kafka`, `rlogin`, `irc`, `ftp`, `telnet`, `pop`,
//! `smtp`, `imap`): where each adds its protocol item. SSH, whose dissector keeps more
//! state, is `super::ssh`.
//!
//! `rlogin`, `irc`, `telnet`, `ftp` and `pop` dissect every segment with payload as it
//! comes; `smtp` and `imap` gather a line cut over segments (the item is on the segment
//! that ends it). After a STARTTLS the client asked for and the server accepted, the
//! conversation is TLS (RFC 3207, RFC 2595, RFC 4217). The others frame
//! their PDUs with a length (`tcp_dissect_pdus`): TCP gathers a PDU cut over segments
//! and hands it on in the segment that completes it, so a segment that completes none
//! has no item (its `tcp.reassembled_in` names the one that does). Only lengths are
//! followed here, not the bytes between: a few header bytes are held each way.

use crate::capture::flow::L4;
use crate::ingest::app::foreign_proto;

/// How a protocol's PDUs lie in its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// Every segment with payload is dissected on its own.
    Segment,
    /// PDUs of a length their header gives (see [`pdu_len`]).
    Length(Header),
    /// Text lines, and a STARTTLS after which the stream is TLS.
    Lines(Lines),
}

/// A line-based protocol's ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lines {
    /// A segment that ends no line is gathered into the next (smtp, imap).
    gathers: bool,
    /// The client's commands that ask for TLS, and the start of the server's reply that
    /// accepts (IMAP's is tagged: `a1 OK`).
    starttls: &'static [&'static [u8]],
    accept: &'static [u8],
}

/// The header that gives a PDU's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// NetBIOS session service (RFC 1002 §4.3.1): type, flags (bit 0 extends the length
    /// by 16 bits), 16-bit length; the length excludes the 4-byte header.
    Nbss,
    /// BGP (RFC 4271 §4.1): a 16-byte marker, then the message's whole length.
    Bgp,
    /// Kafka: a 4-byte length of what follows it.
    Kafka,
    /// LDAP (RFC 4511 §5.1): a BER SEQUENCE, tag and definite length.
    Ldap,
}

/// The protocols of this module: filter name and framing, by the name
/// [`foreign_proto`] gives the conversation.
pub fn framing(name: &str) -> Option<Framing> {
    Some(match name {
        "nbss" => Framing::Length(Header::Nbss),
        "bgp" => Framing::Length(Header::Bgp),
        "kafka" => Framing::Length(Header::Kafka),
        "ldap" => Framing::Length(Header::Ldap),
        "rlogin" | "irc" => Framing::Segment,
        "telnet" => Framing::Lines(Lines {
            gathers: false,
            starttls: &[],
            accept: b"",
        }),
        "ftp" => Framing::Lines(Lines {
            gathers: false,
            starttls: &[b"AUTH TLS", b"AUTH SSL"],
            accept: b"234",
        }),
        "pop" => Framing::Lines(Lines {
            gathers: false,
            starttls: &[b"STLS"],
            accept: b"+OK",
        }),
        "smtp" => Framing::Lines(Lines {
            gathers: true,
            starttls: &[b"STARTTLS"],
            accept: b"220",
        }),
        "imap" => Framing::Lines(Lines {
            gathers: true,
            starttls: &[b"STARTTLS"],
            accept: b"OK",
        }),
        _ => return None,
    })
}

impl Lines {
    /// Whether the protocol has a STARTTLS, after which its conversation may be TLS.
    pub fn has_starttls(&self) -> bool {
        !self.starttls.is_empty()
    }

    /// Whether a line cut over segments is gathered into the segment that ends it.
    pub fn gathers(&self) -> bool {
        self.gathers
    }
}

/// The protocol of this module a TCP conversation with ports `ports` is, if any.
pub fn proto_of(ports: [u16; 2]) -> Option<&'static str> {
    foreign_proto(L4::Tcp, ports).filter(|n| framing(n).is_some())
}

/// What the start of a PDU says of its length.
#[derive(Debug, PartialEq, Eq)]
enum Len {
    /// The header is not whole yet.
    More,
    /// The whole PDU's length, header included.
    Is(usize),
    /// Not a header: the dissector takes the rest of the segment as it is.
    Bad,
}

/// The most header bytes any [`Header`] needs.
const MAX_HEADER: usize = 19;

fn pdu_len(h: Header, b: &[u8]) -> Len {
    match h {
        Header::Nbss => match b.get(..4) {
            None => Len::More,
            Some(x) => {
                let ext = usize::from(x[1] & 1) << 16;
                let n = 4 + (ext | usize::from(u16::from_be_bytes([x[2], x[3]])));
                // The first bytes inside too, to tell SMB (see `Side::smb`).
                if b.len() < n.min(8) {
                    Len::More
                } else {
                    Len::Is(n)
                }
            }
        },
        Header::Bgp => match b.get(..19) {
            None => Len::More,
            Some(x) => match usize::from(u16::from_be_bytes([x[16], x[17]])) {
                n if n < 19 => Len::Bad,
                n => Len::Is(n),
            },
        },
        Header::Kafka => match b.get(..4) {
            None => Len::More,
            Some(x) => Len::Is(4 + u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as usize),
        },
        Header::Ldap => {
            let Some(&len0) = b.get(1) else {
                return Len::More;
            };
            if len0 < 0x80 {
                return Len::Is(2 + usize::from(len0));
            }
            let n = usize::from(len0 & 0x7f);
            if n == 0 || n > 4 {
                return Len::Bad;
            }
            match b.get(2..2 + n) {
                None => Len::More,
                Some(x) => Len::Is(2 + n + x.iter().fold(0usize, |a, &d| a << 8 | usize::from(d))),
            }
        }
    }
}

/// A line-based conversation's state: whether the client asked for TLS, and whether
/// the server accepted (every later segment is TLS).
#[derive(Default, Clone)]
pub struct LineState {
    asked: bool,
    switched: bool,
}

impl LineState {
    /// Whether the server accepted a STARTTLS: the segments after are TLS.
    pub fn switched(&self) -> bool {
        self.switched
    }

    /// Takes a segment's payload from the client or the server; returns whether it has
    /// the protocol's item.
    pub fn segment(&mut self, l: Lines, from_client: bool, b: &[u8]) -> bool {
        if self.switched {
            return false;
        }
        let line = b.split(|&c| c == b'\n').next().unwrap_or(b);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // IMAP's commands and tagged replies start with the tag.
        let words = |tagged: bool| -> &[u8] {
            if tagged {
                line.iter()
                    .position(|&c| c == b' ')
                    .map_or(&[][..], |i| &line[i + 1..])
            } else {
                line
            }
        };
        let tagged = l.accept == b"OK";
        if from_client {
            let w = words(tagged);
            self.asked = l.starttls.iter().any(|c| w.eq_ignore_ascii_case(c));
        } else if self.asked {
            self.switched = words(tagged).starts_with(l.accept);
            self.asked = false;
        }
        !l.gathers || b.contains(&b'\n')
    }
}

/// Whether an SMTP client's segment `b` has a line that starts DATA, BDAT or AUTH: what
/// the client sends after it is a message or credentials.
pub fn opens_state(b: &[u8]) -> bool {
    b.split(|&c| c == b'\n').any(|line| {
        let w = line.get(..4).unwrap_or(line);
        [&b"DATA"[..], b"BDAT", b"AUTH"]
            .iter()
            .any(|c| w.eq_ignore_ascii_case(c))
    })
}

/// One direction's place in the stream: the header bytes of the PDU begun, or how many
/// bytes of its body are still to come.
#[derive(Default, Clone)]
pub struct Side {
    head: Vec<u8>,
    rest: usize,
    /// The PDU being read is a NetBIOS session message carrying SMB (RFC 1002 §4.3.6;
    /// `\xffSMB`, MS-CIFS §2.2.3.1): its segment that completes it has `smb` too.
    smb: bool,
    /// A PDU completed in the last segment carried SMB.
    pub completed_smb: bool,
}

impl Side {
    /// Takes a segment's payload; returns whether it completes a PDU (the segment then
    /// has the protocol's item).
    pub fn segment(&mut self, h: Header, mut b: &[u8]) -> bool {
        let mut complete = false;
        self.completed_smb = false;
        while !b.is_empty() {
            if self.rest > 0 {
                let n = self.rest.min(b.len());
                self.rest -= n;
                b = &b[n..];
                if self.rest == 0 {
                    complete = true;
                    self.completed_smb |= self.smb;
                }
                continue;
            }
            let take = b.len().min(MAX_HEADER - self.head.len());
            self.head.extend_from_slice(&b[..take]);
            match pdu_len(h, &self.head) {
                Len::More if self.head.len() < MAX_HEADER => {
                    b = &b[take..];
                }
                Len::Is(n) if n > 0 => {
                    let held = self.head.len();
                    self.smb = h == Header::Nbss
                        && self.head[0] == 0
                        && self.head.get(4..8) == Some(&b"\xffSMB"[..]);
                    self.head.clear();
                    if n <= held {
                        // The PDU ends inside the bytes taken: the rest starts the next.
                        complete = true;
                        self.completed_smb |= self.smb;
                        b = &b[take.saturating_sub(held - n)..];
                    } else {
                        self.rest = n - held;
                        b = &b[take..];
                    }
                }
                _ => {
                    self.head.clear();
                    return true;
                }
            }
        }
        complete
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(pdu_len(Header::Nbss, &[0, 1, 0, 2]), Len::More);
        let smb = [0, 1, 0, 2, 0xff, b'S', b'M', b'B'];
        assert_eq!(pdu_len(Header::Nbss, &smb), Len::Is(4 + 65536 + 2));
        assert_eq!(pdu_len(Header::Nbss, &[0x85, 0, 0, 0]), Len::Is(4));
        assert_eq!(pdu_len(Header::Ldap, &[0x30, 0x84, 0, 0, 1]), Len::More);
        assert_eq!(pdu_len(Header::Ldap, &[0x30, 0x82, 1, 0]), Len::Is(4 + 256));
        assert_eq!(pdu_len(Header::Kafka, &[0, 0, 0, 9]), Len::Is(13));
        let mut bgp = [0xffu8; 19];
        bgp[16..18].copy_from_slice(&[0, 19]);
        assert_eq!(pdu_len(Header::Bgp, &bgp), Len::Is(19));
    }

    /// A PDU cut over three segments completes in the third; two PDUs and the start of a
    /// third in one segment complete there; a header cut after one byte waits.
    #[test]
    fn segments_that_complete_a_pdu() {
        let mut s = Side::default();
        let pdu = [&[0u8, 0, 0, 10][..], &[7; 10]].concat();
        assert!(!s.segment(Header::Nbss, &pdu[..3]));
        assert!(!s.segment(Header::Nbss, &pdu[3..8]));
        assert!(s.segment(Header::Nbss, &pdu[8..]));
        let two = [&pdu[..], &pdu[..], &pdu[..1]].concat();
        assert!(s.segment(Header::Nbss, &two));
        assert!(!s.segment(Header::Nbss, &pdu[1..5]));
        assert!(s.segment(Header::Nbss, &pdu[5..]));
    }

    /// SMTP gathers a command cut over segments; a refused STARTTLS changes nothing, an
    /// accepted one makes the rest TLS (tshark on tests/data/tcpapps/lines.pcap). POP
    /// shows every segment; IMAP's STARTTLS and its reply are tagged.
    #[test]
    fn lines_and_starttls() {
        let Some(Framing::Lines(smtp)) = framing("smtp") else {
            panic!("smtp");
        };
        let mut s = LineState::default();
        let got: Vec<bool> = [
            (true, &b"MAIL FR"[..]),
            (true, b"OM:<a@b>\r\n"),
            (true, b"STARTTLS\r\n"),
            (false, b"454 TLS not available\r\n"),
            (true, b"STARTTLS\r\n"),
            (false, b"220 Go ahead\r\n"),
            (true, b"\x16\x03\x01"),
        ]
        .into_iter()
        .map(|(c, b)| s.segment(smtp, c, b))
        .collect();
        assert_eq!(got, [false, true, true, true, true, true, false]);
        let Some(Framing::Lines(pop)) = framing("pop") else {
            panic!("pop");
        };
        assert!(LineState::default().segment(pop, true, b"PA"));
        let Some(Framing::Lines(imap)) = framing("imap") else {
            panic!("imap");
        };
        let mut s = LineState::default();
        assert!(s.segment(imap, true, b"a3 STARTTLS\r\n"));
        assert!(s.segment(imap, false, b"a3 OK Begin TLS\r\n"));
        assert!(!s.segment(imap, true, b"\x16\x03\x01\r\n"));
    }
}
