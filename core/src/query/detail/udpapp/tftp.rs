//! TFTP (RFC 1350; options RFC 2347–2349) as tshark 4.0's packet-tftp.c shows a packet:
//! the opcode, a request's file name, transfer type and options, a block number, an
//! error's code and message. A packet of a transfer names the request that began it
//! (`tftp.destination_file`, `tftp.request_frame`) when the request's bytes are at hand.

use super::{string_node, Payload, Stop};
use crate::capture::tcp::Severity;
use crate::query::detail::{expert, Group, Node};

/// The request that began a transfer: its frame number, whether it writes, the file.
pub(in crate::query::detail) struct Request {
    pub frame: u64,
    pub write: bool,
    pub file: Vec<u8>,
}

/// The request of datagram payload `b` (frame number `frame`): a read or write request
/// whose file name ends.
pub(in crate::query::detail) fn request(b: &[u8], frame: u64) -> Option<Request> {
    let write = match b.get(..2)? {
        [0, 1] => false,
        [0, 2] => true,
        _ => return None,
    };
    let rest = &b[2..];
    let end = rest.iter().position(|&c| c == 0)?;
    Some(Request {
        frame,
        write,
        file: rest[..end].to_vec(),
    })
}

fn opcode_name(op: u16) -> Option<&'static str> {
    Some(match op {
        1 => "Read Request",
        2 => "Write Request",
        3 => "Data Packet",
        4 => "Acknowledgement",
        5 => "Error Code",
        6 => "Option Acknowledgement",
        255 => "Information (MSDP)",
        _ => return None,
    })
}

fn error_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Not defined",
        1 => "File not found",
        2 => "Access violation",
        3 => "Disk full or allocation exceeded",
        4 => "Illegal TFTP Operation",
        5 => "Unknown transfer ID",
        6 => "File already exists",
        7 => "No such user",
        8 => "Option negotiation failed",
        _ => return None,
    })
}

/// Adds the `tftp` layer of payload `p` to `out`; `request` is the request of the
/// transfer a packet other than a request belongs to, when known.
pub(super) fn dissect(
    p: Payload<'_>,
    request: Option<&Request>,
    out: &mut Vec<Node>,
) -> Result<(), Stop> {
    out.push(Node::proto(
        "tftp",
        "Trivial File Transfer Protocol",
        p.at,
        p.b.len(),
    ));
    let n = out.last_mut().expect("just pushed");
    let at = p.at;
    let op = p.u16(0)?;
    let text = match opcode_name(op) {
        Some(w) => format!("Opcode: {w} ({op})"),
        None => format!("Opcode: Unknown ({op})"),
    };
    n.push(Node::field("tftp.opcode", text, op.to_string(), at, 2).hex(&p.b[..2]));
    if !matches!(op, 1 | 2) {
        if let Some(r) = request {
            let mut file =
                string_node("tftp.destination_file", "Destination File", &r.file, at, 0).gen();
            file.value = None;
            file.value_of_bytes = false;
            n.push(file);
            let what = if r.write {
                "Write Request"
            } else {
                "Read Request"
            };
            n.push(
                Node::field(
                    "tftp.request_frame",
                    format!("{what} in frame {}", r.frame),
                    r.frame.to_string(),
                    at,
                    0,
                )
                .gen(),
            );
        }
    }
    match op {
        1 | 2 => {
            let (name, label) = if op == 1 {
                ("tftp.source_file", "Source File")
            } else {
                ("tftp.destination_file", "Destination File")
            };
            let next = stringz(p, 2, n, name, label)?;
            let next = stringz(p, next, n, "tftp.type", "Type")?;
            options(p, next, n)
        }
        3 | 4 => {
            let block = p.u16(2)?;
            // A data packet's bytes after the block number are handed to `data`.
            n.size = n.size.min(4);
            n.push(
                Node::field(
                    "tftp.block",
                    format!("Block: {block}"),
                    block.to_string(),
                    at + 2,
                    2,
                )
                .hex(&p.b[2..4]),
            );
            // The block number counted past its wraps at 65536: a transfer's earlier
            // packets are not followed here, so as the block says.
            n.push(
                Node::field(
                    "tftp.block.full",
                    format!("Full Block Number: {block}"),
                    block.to_string(),
                    at,
                    0,
                )
                .gen(),
            );
            if let Some(data) = p.b.get(4..).filter(|d| !d.is_empty()) {
                out.push(crate::query::detail::data::layer(data, at + 4));
            }
            Ok(())
        }
        5 => {
            let code = p.u16(2)?;
            let word = error_name(code).unwrap_or("Unknown");
            n.push(
                Node::field(
                    "tftp.error.code",
                    format!("Error code: {word} ({code})"),
                    code.to_string(),
                    at + 2,
                    2,
                )
                .hex(&p.b[2..4]),
            );
            stringz(p, 4, n, "tftp.error.message", "Error message")?;
            n.push(error_expert());
            Ok(())
        }
        6 => options(p, 2, n),
        _ => {
            let rest = &p.b[2..];
            if !rest.is_empty() {
                n.push(
                    Node::field(
                        "tftp.data",
                        format!("Data: {}", super::plain_hex(rest)),
                        crate::query::detail::colon_hex(rest),
                        at + 2,
                        rest.len(),
                    )
                    .hex(rest),
                );
            }
            Ok(())
        }
    }
}

/// The length of the NUL-terminated string at `start` with its NUL
/// (`tvb_strsize`), or the exception reading past the bytes throws.
fn strsize(p: Payload<'_>, start: usize) -> Result<usize, Stop> {
    match p
        .b
        .get(start..)
        .and_then(|r| r.iter().position(|&c| c == 0))
    {
        Some(end) => Ok(end + 1),
        None => Err(p
            .need(p.b.len().max(start) + 1)
            .err()
            .unwrap_or(Stop::Malformed)),
    }
}

/// An `FT_STRINGZ` field at `start` (its NUL included); returns where the next starts.
fn stringz(
    p: Payload<'_>,
    start: usize,
    n: &mut Node,
    name: &'static str,
    label: &str,
) -> Result<usize, Stop> {
    let size = strsize(p, start)?;
    let b = &p.b[start..start + size];
    let mut f = string_node(name, label, &b[..size - 1], p.at + start, size);
    f.value = Some(super::super::hex(b));
    n.push(f);
    Ok(start + size)
}

/// Options (RFC 2347 §2): name and value, each ending in NUL, until the datagram ends.
fn options(p: Payload<'_>, mut at: usize, n: &mut Node) -> Result<(), Stop> {
    while at < p.b.len() {
        let name_len = strsize(p, at)?;
        let value_len = strsize(p, at + name_len)?;
        let name = &p.b[at..at + name_len - 1];
        let value = &p.b[at + name_len..at + name_len + value_len - 1];
        let (name_text, _) = super::ascii(name);
        let (value_text, _) = super::ascii(value);
        let mut o = Node::text(
            format!("Option: {name_text} = {value_text}"),
            p.at + at,
            name_len + value_len,
        );
        stringz(p, at, &mut o, "tftp.option.name", "Option name")?;
        stringz(
            p,
            at + name_len,
            &mut o,
            "tftp.option.value",
            "Option value",
        )?;
        n.push(o);
        at += name_len + value_len;
    }
    Ok(())
}

/// The expert item packet-tftp.c adds to an error (`ei_tftp_error`: warning, response).
fn error_expert() -> Node {
    expert(
        "tftp.error",
        "TFTP ERROR packet",
        Severity::Warning,
        Group::Response,
    )
}

#[cfg(test)]
mod test {
    use super::super::{layers, Detail};
    use super::*;
    use crate::ingest::wire::{self, Layers};
    use crate::query::fields::{MemorySource, PacketSource};

    const CAPTURE: &[u8] = include_bytes!("../../../../../tests/data/udp-names.pcap");

    fn payload(b: &[u8], reported: usize) -> Payload<'_> {
        Payload {
            b,
            reported,
            at: 42,
        }
    }

    fn names(out: &[Node]) -> Vec<String> {
        fn walk(n: &Node, v: &mut Vec<String>) {
            v.push(format!("{}={}", n.name, n.show));
            for c in &n.children {
                walk(c, v);
            }
        }
        let mut v = Vec::new();
        for n in out {
            walk(n, &mut v);
        }
        v
    }

    /// A request with options as tshark 4.0 shows it (udp-names.pcap, frame 8); cut
    /// anywhere, the tree keeps what is whole and says why it stopped: malformed when
    /// the datagram itself ends early, short when the capture cut it.
    #[test]
    fn a_request_whole_and_cut() {
        let b = b"\x00\x01boot/pxelinux.0\x00octet\x00blksize\x001428\x00";
        let mut out = Vec::new();
        assert_eq!(dissect(payload(b, b.len()), None, &mut out), Ok(()));
        let t = &out[0];
        assert_eq!((t.pos, t.size), (42, b.len() as u32));
        let file = t.find("tftp.source_file").unwrap();
        assert_eq!(
            (file.show.as_str(), file.pos, file.size),
            ("boot/pxelinux.0", 44, 16)
        );
        let opt = &t.children[3];
        assert_eq!(opt.showname, "Option: blksize = 1428");
        assert_eq!((opt.pos, opt.size), (66, 13));
        assert_eq!(t.find("tftp.option.value").unwrap().show, "1428");
        for cut in 0..b.len() {
            let mut out = Vec::new();
            let got = dissect(payload(&b[..cut], cut), None, &mut out);
            // Whole up to the transfer type: a request without options.
            let whole = cut == 24 || cut == b.len();
            let want = if whole { Ok(()) } else { Err(Stop::Malformed) };
            assert_eq!(got, want, "cut at {cut}");
            let mut out2 = Vec::new();
            let got = dissect(payload(&b[..cut], b.len()), None, &mut out2);
            assert_eq!(got, if whole { Ok(()) } else { Err(Stop::Short) });
            assert_eq!(names(&out), names(&out2));
            // The file name only once its NUL is there; an option only whole.
            assert_eq!(
                out[0].find("tftp.source_file").is_some(),
                cut >= 18,
                "cut at {cut}"
            );
            assert_eq!(out[0].find("tftp.option.value").is_some(), cut == b.len());
        }
    }

    /// Data, acknowledgement, error, option acknowledgement and an unknown opcode.
    #[test]
    fn other_opcodes() {
        let mut out = Vec::new();
        dissect(payload(b"\x00\x03\x00\x07abc", 7), None, &mut out).unwrap();
        assert_eq!(out[0].size, 4, "a data packet's bytes are data's");
        assert_eq!(
            names(&out)[1..],
            [
                "tftp.opcode=3",
                "tftp.block=7",
                "tftp.block.full=7",
                "data=",
                "data.data=61:62:63",
                "data.len=3"
            ]
        );
        let mut out = Vec::new();
        dissect(payload(b"\x00\x05\x00\x01gone\x00", 9), None, &mut out).unwrap();
        assert_eq!(
            out[0].find("tftp.error.code").unwrap().showname,
            "Error code: File not found (1)"
        );
        assert_eq!(out[0].find("tftp.error.message").unwrap().show, "gone");
        assert!(out[0].find("tftp.error").is_some());
        let mut out = Vec::new();
        dissect(payload(b"\x00\x06tsize\x00", 8), None, &mut out).unwrap_err();
        assert!(
            out[0].find("tftp.option.name").is_none(),
            "an option without its value"
        );
        let mut out = Vec::new();
        dissect(payload(b"\x00\x09ab", 4), None, &mut out).unwrap();
        assert_eq!(out[0].children[0].showname, "Opcode: Unknown (9)");
        assert_eq!(out[0].find("tftp.data").unwrap().show, "61:62");
        let mut out = Vec::new();
        assert_eq!(
            dissect(payload(b"\x00", 1), None, &mut out),
            Err(Stop::Malformed)
        );
        assert_eq!(out.len(), 1);
    }

    /// With the capture's other packets at hand, a transfer's packets name the request
    /// that began it (tshark on udp-names.pcap: frames 9 to 12 name frame 8's read
    /// request, frame 14 frame 13's write request); without, only what they hold.
    #[test]
    fn a_transfer_names_its_request() {
        let capture = crate::ingest::ingest_bytes("udp-names.pcap", CAPTURE);
        let at = |i: usize, src: Option<&mut dyn PacketSource>| {
            let row = capture.packets.at(i);
            let mut buf = Vec::new();
            MemorySource {
                files: vec![CAPTURE],
            }
            .read(i, &row, &mut buf);
            let mut ls = Layers::default();
            wire::dissect_layers(capture.linktype_of(&row), &buf, usize::MAX, &mut ls);
            let mut d = Detail::default();
            let mut protocols = Vec::new();
            layers(&capture, i, &buf, None, &ls, src, &mut d, &mut protocols);
            assert_eq!(protocols.first(), Some(&"tftp"));
            d
        };
        for (frame, file, request) in [
            (9, "boot/pxelinux.0", "Read Request in frame 8"),
            (12, "boot/pxelinux.0", "Read Request in frame 8"),
            (14, "up.txt", "Write Request in frame 13"),
        ] {
            let mut src = MemorySource {
                files: vec![CAPTURE],
            };
            let d = at(frame - 1, Some(&mut src));
            let f = d.find("tftp.destination_file").unwrap();
            assert_eq!(
                (f.show.as_str(), f.pos, f.size, f.generated),
                (file, 42, 0, true)
            );
            assert_eq!(d.find("tftp.request_frame").unwrap().showname, request);
            let d = at(frame - 1, None);
            assert!(d.find("tftp.request_frame").is_none());
        }
        // A request names none.
        let mut src = MemorySource {
            files: vec![CAPTURE],
        };
        assert!(at(7, Some(&mut src)).find("tftp.request_frame").is_none());
    }
}
