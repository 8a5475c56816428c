//! SSH as tshark 4.0's `packet-ssh.c` shows a segment: each side's banner
//! (`ssh.protocol`), the binary packets of the key exchange in the clear (RFC 4253 §6:
//! length, padding, message code, and a KEXINIT's cookie and name-lists, §7.1), and the
//! packets after it as encrypted bytes.
//!
//! What each segment shows comes from the conversation's replay in `fields::ssh`
//! ([`FieldCtx::ssh_shown`]), which the rows and filters read too: its messages, in
//! order, say what the segment's bytes are. A binary packet cut over segments is shown
//! in the segment that ends it, from the bytes gathered (`Reassembled TCP`).
//!
//! Of the key exchange replies, the host signature's length and type (and the warning
//! packet-ssh.c gives for the signatures it does not decode), and each KEXINIT's HASSH.
//! Not shown: the sequence numbers, and the other fields of the messages after KEXINIT (host keys,
//! ephemeral keys, the signatures' values).

use super::app::{bytes_field, reassembled, Gathered};
use super::{expert, string_field, Group, Node};
use crate::capture::flow::L4;
use crate::capture::packet::NO_FLOW;
use crate::capture::tcp::Severity;
use crate::ingest::wire::Summary;
use crate::query::fields::ssh::{from_client, Shown};
use crate::query::fields::value::format_text;
use crate::query::fields::{ssh_port, withheld, FieldCtx, PacketSource};

/// The most segments looked back at for the start of a binary packet cut over them.
const MAX_BACK: usize = 4096;

/// Adds the `ssh` layer of packet `index`, when its conversation is SSH's; returns
/// whether its payload is accounted for (a layer, or a segment of a packet a later
/// segment ends).
#[allow(clippy::too_many_arguments)]
pub(super) fn layers(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    bytes: &[u8],
    summary: &Summary,
    d: &mut super::Detail,
    protocols: &mut Vec<&'static str>,
) -> bool {
    let capture = ctx.capture();
    let Some(row) = ctx.row_of(index) else {
        return false;
    };
    if row.flow == NO_FLOW {
        return false;
    }
    let Some(conv) = capture.conversations.get(row.flow as usize) else {
        return false;
    };
    let ports = [conv.port_a, conv.port_b];
    if conv.proto != L4::Tcp {
        return false;
    }
    let Some(server) = ssh_port(ports) else {
        return false;
    };
    let Some(p) = summary.payload.filter(|p| !p.reassembled && p.len > 0) else {
        return false;
    };
    let start = p.offset as usize;
    let Some(payload) = bytes.get(start..start + p.len as usize) else {
        return false;
    };
    if withheld(capture, index) {
        // A retransmission TCP hands to no dissector: nothing above TCP.
        return true;
    }
    let client = from_client(row.dir(), ports, server);
    ctx.begin_with_bytes(index, bytes);
    let Some(shown) = ctx.ssh_shown(src) else {
        return false;
    };
    let (protocol, messages) = match shown {
        Shown::Inside => return true,
        Shown::Starts
        | Shown::Ssh {
            malformed: true, ..
        } => {
            // What is shown before the cut or the exception is not worded here.
            d.layers
                .push(Node::proto("ssh", "SSH Protocol", start, payload.len()));
            protocols.push("ssh");
            return true;
        }
        Shown::Ssh {
            protocol, messages, ..
        } => (protocol, messages),
    };
    let mut parts = Parts(&messages);
    // A binary packet whose first bytes came in earlier segments.
    let gathered = gathered_before(ctx, src, index, &row);
    ctx.begin_with_bytes(index, bytes);
    let Some(gathered) = gathered else {
        // An earlier segment could not be read (a source that holds only the packets at
        // hand): the item alone.
        d.layers
            .push(Node::proto("ssh", "SSH Protocol", start, payload.len()));
        protocols.push("ssh");
        return true;
    };
    let mut at = 0;
    if !gathered.is_empty() {
        let mut pdu: Vec<u8> = gathered.iter().flat_map(|g| g.1.iter().copied()).collect();
        let held = pdu.len();
        pdu.extend_from_slice(payload);
        let want = u32_at(&pdu, 0).map_or(pdu.len(), |l| 4 + l as usize);
        if want < held || want > pdu.len() {
            return false;
        }
        pdu.truncate(want);
        let mut pieces: Vec<(u64, usize)> = gathered
            .iter()
            .map(|g| (g.0 as u64 + 1, g.1.len()))
            .collect();
        pieces.push((index as u64 + 1, want - held));
        let s = reassembled(d, Gathered::Tcp, &pieces, &pdu);
        let mut ssh = Node::proto("ssh", "SSH Protocol", 0, pdu.len());
        if let Some(name) = parts.next_message() {
            binary_packet(&mut ssh, &pdu, 0, name, client);
        }
        ssh.push(direction(client, 0));
        ssh.set_source(s);
        d.layers.push(ssh);
        protocols.push("ssh");
        at = want - held;
        if at >= payload.len() {
            return true;
        }
    }
    let mut ssh = Node::proto("ssh", "SSH Protocol", start + at, payload.len() - at);
    while at < payload.len() {
        let rest = &payload[at..];
        let pos = start + at;
        if let Some(text) = parts.banner() {
            let line = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            let len = if line > 0 && rest.get(line - 1) == Some(&b'\r') {
                line - 1
            } else {
                line
            };
            ssh.push(
                Node::field(
                    "ssh.protocol",
                    format!("Protocol: {text}"),
                    String::from_utf8_lossy(&rest[..len]).into_owned(),
                    pos,
                    len,
                )
                .hex(&rest[..len]),
            );
            at += (line + 1).min(rest.len());
        } else if parts.encrypted() {
            encrypted(&mut ssh, rest, pos, protocol == "SSHv2");
            at = payload.len();
        } else if let Some(name) = parts.next_message() {
            let Some(len) = u32_at(rest, 0).map(|l| 4 + l as usize) else {
                break;
            };
            if len > rest.len() {
                break;
            }
            binary_packet(&mut ssh, &rest[..len], pos, name, client);
            at += len;
        } else {
            break;
        }
    }
    ssh.push(direction(client, start));
    d.layers.push(ssh);
    if protocols.last().is_none_or(|&p| p != "ssh") {
        protocols.push("ssh");
    }
    true
}

/// The messages of a segment's replay (`Protocol (…)`, a message's name, `Encrypted
/// packet (len=…)`, joined by `, `), taken in order.
struct Parts<'a>(&'a str);

impl<'a> Parts<'a> {
    fn take(&mut self, n: usize) {
        self.0 = &self.0[n.min(self.0.len())..];
        self.0 = self.0.strip_prefix(", ").unwrap_or(self.0);
    }

    /// A banner's text, if the next part is one.
    fn banner(&mut self) -> Option<&'a str> {
        let rest = self.0.strip_prefix("Protocol (")?;
        // The banner's text may hold `, ` or `)`: its part ends at the `)` before the
        // next part or the end.
        let end = rest
            .match_indices(')')
            .map(|(i, _)| i)
            .find(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with(", "))?;
        let text = &rest[..end];
        self.take("Protocol (".len() + end + 1);
        Some(text)
    }

    /// Whether the next part is the encrypted rest of the segment.
    fn encrypted(&mut self) -> bool {
        if self.0.starts_with("Encrypted packet (len=") {
            self.0 = "";
            true
        } else {
            false
        }
    }

    /// The next binary packet's message name.
    fn next_message(&mut self) -> Option<&'a str> {
        if self.0.is_empty() {
            return None;
        }
        let end = self.0.find(", ").unwrap_or(self.0.len());
        let name = &self.0[..end];
        self.take(end);
        Some(name)
    }
}

/// The segments of the same side before packet `index` that began the binary packet it
/// ends (each with its payload, oldest first): back to the one the replay shows as its
/// start. None when one of them could not be read.
fn gathered_before(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    index: usize,
    row: &crate::capture::packet::PacketRow,
) -> Option<Vec<(usize, Vec<u8>)>> {
    let capture = ctx.capture();
    let mut out = Vec::new();
    let mut j = index;
    let mut began = false;
    for _ in 0..MAX_BACK {
        let Some(k) = j.checked_sub(1) else {
            return Some(Vec::new());
        };
        j = k;
        let r = capture.packets.at(j);
        if r.flow != row.flow || r.dir() != row.dir() {
            continue;
        }
        ctx.begin(j);
        match ctx.ssh_shown(src) {
            None => continue,
            Some(Shown::Inside) => {}
            Some(Shown::Starts) => {
                match payload_at(ctx, src, j) {
                    None => return None,
                    // A banner with no line end: TCP gathers nothing after it.
                    Some(p) if p.get(..4).is_some_and(|b| b.eq_ignore_ascii_case(b"SSH-")) => {
                        return Some(Vec::new())
                    }
                    Some(_) => {}
                }
                out.push(j);
                began = true;
                break;
            }
            Some(_) => return Some(Vec::new()),
        }
        out.push(j);
    }
    if !began {
        // Not back to the packet's start within reach.
        return if out.is_empty() {
            Some(Vec::new())
        } else {
            None
        };
    }
    let mut got = Vec::new();
    for &j in out.iter().rev() {
        got.push((j, payload_at(ctx, src, j)?));
    }
    Some(got)
}

/// The payload of packet `j` (a TCP segment), read from `src`.
fn payload_at(ctx: &FieldCtx<'_>, src: &mut dyn PacketSource, j: usize) -> Option<Vec<u8>> {
    let capture = ctx.capture();
    let row = capture.packets.at(j);
    let mut buf = Vec::new();
    if !src.read(j, &row, &mut buf) {
        return None;
    }
    let mut layers = crate::ingest::wire::Layers::default();
    let s = crate::ingest::wire::dissect_layers(
        capture.linktype_of(&row),
        &buf,
        usize::MAX,
        &mut layers,
    );
    crate::ingest::app::payload_of(&s, &buf, &[]).map(<[u8]>::to_vec)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A binary packet of the key exchange in the clear (`p`: its bytes, whole), whose
/// message the replay named `name`, from the client or the server (`client`).
fn binary_packet(ssh: &mut Node, p: &[u8], pos: usize, name: &str, client: bool) {
    let (Some(len), Some(&padding), Some(&code)) = (u32_at(p, 0), p.get(4), p.get(5)) else {
        return;
    };
    let mut v2 = Node::text("SSH Version 2", pos, p.len());
    v2.push(uint(
        "ssh.packet_length",
        "Packet Length",
        len.into(),
        pos,
        4,
        &p[..4],
    ));
    v2.push(uint(
        "ssh.padding_length",
        "Padding Length",
        padding.into(),
        pos + 4,
        1,
        &p[4..5],
    ));
    let body_end = p.len().saturating_sub(padding as usize).max(6);
    let mut kex = Node::text("Key Exchange", pos + 5, body_end - 5);
    let code_text = if name.starts_with("Unknown (") {
        format!("Message Code: {name}")
    } else {
        format!("Message Code: {name} ({code})")
    };
    kex.push(Node::field("ssh.message_code", code_text, code.to_string(), pos + 5, 1).hex(&[code]));
    if code == 20 {
        kexinit(&mut kex, &p[..body_end], pos, client);
    }
    // The replies of the three key exchanges (DH, DH group exchange, ECDH) end with the
    // host key's signature, after two length-prefixed values (the host key, then f or
    // Q_S).
    if name.ends_with("Key Exchange Reply") || name == "Diffie-Hellman Group Exchange Reply" {
        host_signature(&mut kex, &p[..body_end], pos);
    }
    v2.push(kex);
    if body_end < p.len() {
        let pad = &p[body_end..];
        v2.push(bytes_field(
            "ssh.padding_string",
            "Padding String",
            pad,
            pos + body_end,
        ));
    }
    ssh.push(v2);
}

/// The end of a length-prefixed value at `at` of `p`.
fn skip_value(p: &[u8], at: usize) -> Option<usize> {
    (at + 4).checked_add(u32_at(p, at)? as usize)
}

/// A key exchange reply's host signature (`ssh_tree_add_hostsignature`; `p`: the packet,
/// ending before its padding). packet-ssh.c decodes the value of `ssh-rsa` and `ssh-dss`
/// signatures only (an mpint, not shown here): of any other type it warns that it
/// decoded fewer bytes than the signature's length.
fn host_signature(kex: &mut Node, p: &[u8], pos: usize) {
    let Some(at) = skip_value(p, 6).and_then(|a| skip_value(p, a)) else {
        return;
    };
    let (Some(sig_len), Some(type_len)) = (u32_at(p, at), u32_at(p, at + 4)) else {
        return;
    };
    let Some(ty) = p.get(at + 8..(at + 8).saturating_add(type_len as usize)) else {
        return;
    };
    let ty_text: String = ty
        .iter()
        .map(|&c| if c < 0x80 { c as char } else { '\u{fffd}' })
        .collect();
    let total = (sig_len as usize).saturating_add(4);
    let mut sig = Node::text(
        format!("KEX host signature (type: {ty_text})"),
        pos + at,
        total.min(p.len() - at),
    );
    let mut len_node = uint(
        "ssh.host_sig.length",
        "Host signature length",
        sig_len.into(),
        pos + at,
        4,
        &p[at..at + 4],
    );
    let value_at = at + 8 + ty.len();
    let mut decoded = 8 + ty.len();
    let mut data = None;
    match ty {
        b"ssh-rsa" | b"ssh-dss" => {
            decoded = skip_value(p, value_at).map_or(decoded, |end| end - at);
        }
        _ if ty.starts_with(b"ecdsa-sha2-") || ty.starts_with(b"ssh-ed") => {}
        _ => {
            let n = (sig_len as usize).saturating_sub(ty.len() + 4);
            data = p.get(value_at..value_at.saturating_add(n)).map(|b| {
                bytes_field(
                    "ssh.host_sig.data",
                    "Host signature data",
                    b,
                    pos + value_at,
                )
            });
        }
    }
    if decoded != total {
        len_node.push(expert(
            "ssh.packet_decode.error",
            &format!("Decoded {decoded} bytes, but packet legnth is {sig_len} bytes"),
            Severity::Warning,
            Group::Protocol,
        ));
    }
    sig.push(len_node);
    sig.push(uint(
        "ssh.host_sig.type_length",
        "Host signature type length",
        type_len.into(),
        pos + at + 4,
        4,
        &p[at + 4..at + 8],
    ));
    sig.push(
        string_field(
            "ssh.host_sig.type",
            "Host signature type",
            format_text(ty),
            pos + at + 8,
            ty.len(),
        )
        .hex(ty),
    );
    if let Some(d) = data {
        sig.push(d);
    }
    kex.push(sig);
}

/// A KEXINIT's cookie and name-lists (RFC 4253 §7.1); `p` ends before the padding. Then
/// its side's HASSH: the MD5 of its key exchange methods and its own way's ciphers, MACs
/// and compressions, `;`-joined (Salesforce's HASSH, `hasshServer` for the server's).
fn kexinit(kex: &mut Node, p: &[u8], pos: usize, client: bool) {
    const LISTS: [&str; 10] = [
        "kex_algorithms",
        "server_host_key_algorithms",
        "encryption_algorithms_client_to_server",
        "encryption_algorithms_server_to_client",
        "mac_algorithms_client_to_server",
        "mac_algorithms_server_to_client",
        "compression_algorithms_client_to_server",
        "compression_algorithms_server_to_client",
        "languages_client_to_server",
        "languages_server_to_client",
    ];
    let Some(cookie) = p.get(6..22) else {
        return;
    };
    let mut fields = vec![bytes_field("ssh.cookie", "Cookie", cookie, pos + 6)];
    let mut at = 22;
    let mut lists: [&[u8]; 10] = [&[]; 10];
    for (i, name) in LISTS.into_iter().enumerate() {
        let Some(len) = u32_at(p, at).map(|l| l as usize) else {
            return;
        };
        let Some(text) = p.get(at + 4..(at + 4).saturating_add(len)) else {
            return;
        };
        fields.push(uint(
            format!("ssh.{name}_length"),
            &format!("{name} length"),
            len as u64,
            pos + at,
            4,
            &p[at..at + 4],
        ));
        let mut n = string_field(
            format!("ssh.{name}"),
            &format!("{name} string"),
            format_text(text),
            pos + at + 4,
            len,
        )
        .hex(text);
        n.show = String::from_utf8_lossy(text).into_owned();
        fields.push(n);
        lists[i] = text;
        at += 4 + len;
    }
    let (Some(&follows), Some(reserved)) = (p.get(at), p.get(at + 1..at + 5)) else {
        return;
    };
    fields.push(uint(
        "ssh.first_kex_packet_follows",
        "First KEX Packet Follows",
        follows.into(),
        pos + at,
        1,
        &[follows],
    ));
    fields.push(bytes_field(
        "ssh.kex.reserved",
        "Reserved",
        reserved,
        pos + at + 1,
    ));
    // The lists of its own way: client to server for the client.
    let own = usize::from(!client);
    let algorithms = [lists[0], lists[2 + own], lists[4 + own], lists[6 + own]]
        .map(String::from_utf8_lossy)
        .join(";");
    let hassh = super::hex(&super::app::tls::md5(algorithms.as_bytes()));
    let (name, label) = if client {
        ("ssh.kex.hassh", "hassh")
    } else {
        ("ssh.kex.hasshserver", "hasshServer")
    };
    let end = pos + at + 5;
    fields.push(
        string_field(
            format!("{name}_algorithms"),
            &format!("{label}Algorithms"),
            algorithms,
            end,
            0,
        )
        .gen(),
    );
    fields.push(string_field(name, label, hassh, end, 0).gen());
    kex.push(Node::text("Algorithms", pos + 6, at + 5 - 6).with(fields));
}

/// The rest of a segment after the key exchange: its first four bytes (the length,
/// encrypted) and the rest (an SSH-2 one under `SSH Version 2`, as 4.0 shows it when
/// the version is known).
fn encrypted(ssh: &mut Node, b: &[u8], pos: usize, v2: bool) {
    let mut nodes = Vec::new();
    if let Some(len) = b.get(..4) {
        nodes.push(bytes_field(
            "ssh.packet_length_encrypted",
            "Packet Length (encrypted)",
            len,
            pos,
        ));
        if b.len() > 4 {
            nodes.push(bytes_field(
                "ssh.encrypted_packet",
                "Encrypted Packet",
                &b[4..],
                pos + 4,
            ));
        }
    }
    if v2 {
        ssh.push(Node::text("SSH Version 2", pos, b.len()).with(nodes));
    } else {
        ssh.children.extend(nodes);
    }
}

/// `ssh.direction`: which side sent the segment.
fn direction(client: bool, pos: usize) -> Node {
    let (v, text) = if client {
        ("0", "client-to-server")
    } else {
        ("1", "server-to-client")
    };
    let mut n = Node::field("ssh.direction", format!("Direction: {text}"), v, pos, 0).gen();
    n.value = Some(String::new());
    n
}

fn uint(
    name: impl Into<std::borrow::Cow<'static, str>>,
    label: &str,
    v: u64,
    pos: usize,
    size: usize,
    b: &[u8],
) -> Node {
    Node::field(name, format!("{label}: {v}"), v.to_string(), pos, size).hex(b)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn parts_in_order() {
        let mut p =
            Parts("Protocol (SSH-2.0-a, b) c), Key Exchange Init, Encrypted packet (len=9)");
        assert_eq!(p.banner(), Some("SSH-2.0-a, b) c"));
        assert_eq!(p.banner(), None);
        assert!(!p.encrypted());
        assert_eq!(p.next_message(), Some("Key Exchange Init"));
        assert!(p.encrypted());
        assert_eq!(p.next_message(), None);
    }

    /// A KEXINIT cut anywhere gives the fields that are whole, and no panic.
    #[test]
    fn cut_kexinit() {
        let mut p = vec![0, 0, 0, 0, 4, 20];
        p.extend_from_slice(&[0x11; 16]);
        for l in ["a", "b", "c", "d", "e", "f", "g", "h", "", ""] {
            p.extend_from_slice(&(l.len() as u32).to_be_bytes());
            p.extend_from_slice(l.as_bytes());
        }
        p.extend_from_slice(&[0, 0, 0, 0, 0]);
        p.extend_from_slice(&[0; 4]);
        let len = (p.len() - 4) as u32;
        p[..4].copy_from_slice(&len.to_be_bytes());
        let mut ssh = Node::default();
        binary_packet(&mut ssh, &p, 54, "Key Exchange Init", true);
        assert_eq!(ssh.find("ssh.kex_algorithms").unwrap().show, "a");
        assert_eq!(ssh.find("ssh.padding_string").unwrap().size, 4);
        assert_eq!(ssh.find("ssh.kex.reserved").unwrap().show, "00:00:00:00");
        // The client's HASSH: its methods and client-to-server lists.
        assert_eq!(
            ssh.find("ssh.kex.hassh_algorithms").unwrap().show,
            "a;c;e;g"
        );
        let mut server = Node::default();
        binary_packet(&mut server, &p, 54, "Key Exchange Init", false);
        assert_eq!(
            server.find("ssh.kex.hasshserver_algorithms").unwrap().show,
            "a;d;f;h"
        );
        assert!(server.find("ssh.kex.hassh").is_none());
        for cut in 0..p.len() {
            let mut n = Node::default();
            binary_packet(&mut n, &p[..cut], 0, "Key Exchange Init", false);
        }
    }
}
