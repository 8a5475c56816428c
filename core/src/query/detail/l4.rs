//! Transport layers: TCP (RFC 9293, options of RFC 7323 and RFC 2018), UDP (RFC 768),
//! ICMP (RFC 792) and ICMPv6 (RFC 4443). What spans packets (relative sequence numbers,
//! the window scale, stream indexes, times, the TCP analysis) comes from the field
//! extractor, so the tree and a filter agree.

use super::app::bytes_field;
use super::frame::{Only, TcpPart};
use super::l2::{be16, be32, first_rel, first_uint, slice, values, At};
use super::{bits_text, colon_hex, expert, Group, Node};
use crate::capture::tcp::Severity;
use crate::ingest::wire::{icmp_names, icmp_type_name, Proto};
use crate::query::fields::headers;
use crate::query::fields::value_strings;
use crate::query::fields::{format_abs_time, format_rel_time, Fid, FieldCtx, PacketSource, Value};

fn rel(ns: i64) -> String {
    let mut s = String::new();
    format_rel_time(ns, &mut s);
    s
}

fn timed(name: &'static str, label: &str, ns: i64, pos: usize) -> Node {
    let v = rel(ns);
    Node::field(name, format!("{label}: {v} seconds"), v, pos, 0).gen()
}

fn port(n: &mut Node, p: &str, b: &[u8], o: usize) {
    let (sp, dp) = (be16(b, o), be16(b, o + 2));
    n.push(
        Node::field(
            format!("{p}.srcport"),
            format!("Source Port: {sp}"),
            sp.to_string(),
            o,
            2,
        )
        .hex_own(slice(b, o, 2)),
    );
    n.push(
        Node::field(
            format!("{p}.dstport"),
            format!("Destination Port: {dp}"),
            dp.to_string(),
            o + 2,
            2,
        )
        .hex_own(slice(b, o + 2, 2)),
    );
    for (v, at) in [(sp, o), (dp, o + 2)] {
        n.push(
            Node::field(
                format!("{p}.port"),
                format!("Source or Destination Port: {v}"),
                v.to_string(),
                at,
                2,
            )
            .hex_own(slice(b, at, 2))
            .hide(),
        );
    }
}

/// Flag names in the order Wireshark lists them in `tcp.flags`.
const FLAG_NAMES: [(u16, &str); 9] = [
    (0x001, "FIN"),
    (0x002, "SYN"),
    (0x004, "RST"),
    (0x008, "PSH"),
    (0x010, "ACK"),
    (0x020, "URG"),
    (0x040, "ECE"),
    (0x080, "CWR"),
    (0x100, "AE"),
];

pub(super) fn tcp(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    b: &[u8],
    l: &At,
    in_flow: bool,
    only: Option<Only>,
) -> Node {
    let o = l.offset as usize;
    let hl = l.header_len as usize;
    let (sp, dp) = (be16(b, o), be16(b, o + 2));
    let builds = |part| Only::builds_tcp(only, part);
    if b.len() < o + 20 {
        // A header cut short (an ICMP error quotes 8 bytes of it): the ports only.
        let mut n = Node::proto(
            "tcp",
            format!("Transmission Control Protocol, Src Port: {sp}, Dst Port: {dp}"),
            o,
            b.len().saturating_sub(o),
        );
        port(&mut n, "tcp", b, o);
        return n;
    }
    let seg_len = (l.end() as usize).saturating_sub(o + hl);
    let flags = be16(b, o + 12) & 0x0fff;
    let ackf = flags & 0x010 != 0;
    let seq_raw = be32(b, o + 4);
    let ack_raw = be32(b, o + 8);
    // Relative numbers, window and times from the extractor (the outermost TCP only).
    let pick = |ctx: &mut FieldCtx<'_>, src: &mut dyn PacketSource, f: Fid| {
        if in_flow {
            values(ctx, src, f)
        } else {
            Vec::new()
        }
    };
    let seq = first_uint(&pick(ctx, src, Fid::TcpSeq)).unwrap_or(seq_raw as u64);
    let ack = first_uint(&pick(ctx, src, Fid::TcpAck)).unwrap_or(ack_raw as u64);
    let relative = in_flow;
    let mut title =
        format!("Transmission Control Protocol, Src Port: {sp}, Dst Port: {dp}, Seq: {seq}");
    if ackf {
        title.push_str(&format!(", Ack: {ack}"));
    }
    title.push_str(&format!(", Len: {seg_len}"));
    let mut n = Node::proto("tcp", title, o, hl);
    port(&mut n, "tcp", b, o);
    let stream = first_uint(&pick(ctx, src, Fid::TcpStream));
    if let Some(s) = stream {
        n.push(
            Node::field(
                "tcp.stream",
                format!("Stream index: {s}"),
                s.to_string(),
                o,
                0,
            )
            .gen(),
        );
        // Of the conversation's segments before this one (packet-tcp.c adds it before
        // it reads this segment's flags).
        let frame = first_uint(&values(ctx, src, Fid::FrameNumber)).unwrap_or(0);
        if let Some(t) = ctx.capture().tcp.get(ctx.row().flow as usize) {
            let m = t.completeness_before(frame);
            let label = crate::capture::tcp::completeness::label(m);
            n.push(
                Node::field(
                    "tcp.completeness",
                    format!("Conversation completeness: {label} ({m})"),
                    m.to_string(),
                    o,
                    0,
                )
                .gen(),
            );
        }
    }
    n.push(
        Node::field(
            "tcp.len",
            format!("TCP Segment Len: {seg_len}"),
            seg_len.to_string(),
            o,
            0,
        )
        .gen(),
    );
    let rs = if relative {
        "    (relative sequence number)"
    } else {
        ""
    };
    n.push(
        Node::field(
            "tcp.seq",
            format!("Sequence Number: {seq}{rs}"),
            seq.to_string(),
            o + 4,
            4,
        )
        .hex_own(slice(b, o + 4, 4)),
    );
    n.push(
        Node::field(
            "tcp.seq_raw",
            format!("Sequence Number (raw): {seq_raw}"),
            seq_raw.to_string(),
            o + 4,
            4,
        )
        .hex_own(slice(b, o + 4, 4)),
    );
    let nxt = headers::next_seq(seq as u32, seg_len as u32, flags.into());
    // Wireshark shows it for every segment of a conversation it tracks.
    if in_flow {
        n.push(
            Node::field(
                "tcp.nxtseq",
                format!("Next Sequence Number: {nxt}{rs}"),
                nxt.to_string(),
                o,
                0,
            )
            .gen(),
        );
    }
    if ackf {
        let ra = if relative {
            "    (relative ack number)"
        } else {
            ""
        };
        n.push(
            Node::field(
                "tcp.ack",
                format!("Acknowledgment Number: {ack}{ra}"),
                ack.to_string(),
                o + 8,
                4,
            )
            .hex_own(slice(b, o + 8, 4)),
        );
    } else {
        let a = n.push(
            Node::field(
                "tcp.ack",
                format!("Acknowledgment Number: {ack_raw}"),
                ack_raw.to_string(),
                o + 8,
                4,
            )
            .hex_own(slice(b, o + 8, 4)),
        );
        if ack_raw != 0 {
            a.push(expert(
                "tcp.ack.nonzero",
                "The acknowledgment number field is nonzero while the ACK flag is not set",
                Severity::Note,
                Group::Protocol,
            ));
        }
    }
    n.push(
        Node::field(
            "tcp.ack_raw",
            format!("Acknowledgment number (raw): {ack_raw}"),
            ack_raw.to_string(),
            o + 8,
            4,
        )
        .hex_own(slice(b, o + 8, 4)),
    );
    let hb = b.get(o + 12).copied().unwrap_or(0) as u64;
    n.push(
        Node::field(
            "tcp.hdr_len",
            bits_text(
                hb,
                0xf0,
                8,
                format_args!("Header Length: {hl} bytes ({})", hl / 4),
            ),
            hl.to_string(),
            o + 12,
            1,
        )
        .hex_own(slice(b, o + 12, 1)),
    );
    if builds(TcpPart::Flags) {
        let mut names: Vec<&str> = FLAG_NAMES
            .iter()
            .filter(|(m, _)| flags & m != 0)
            .map(|(_, n)| *n)
            .collect();
        if flags & 0xe00 != 0 {
            names.push("Reserved");
        }
        let list = if names.is_empty() {
            "<None>".to_string()
        } else {
            names.join(", ")
        };
        let fw = slice(b, o + 12, 2);
        let fnode = n.push(
            Node::field(
                "tcp.flags",
                format!("Flags: 0x{flags:03x} ({list})"),
                format!("0x{flags:04x}"),
                o + 12,
                2,
            )
            .masked_own(flags as u64, fw),
        );
        let f12 = flags as u64;
        let bit = |fnode: &mut Node, name: &'static str, label: &str, m: u64, at: usize| {
            let on = f12 & m != 0;
            let v = if m == 0xe00 {
                (f12 & m) >> 9
            } else {
                u64::from(on)
            };
            fnode.push(
                Node::field(
                    name,
                    bits_text(f12, m, 12, format_args!("{label}: {}", super::set(on))),
                    v.to_string(),
                    at,
                    1,
                )
                .masked_own(v, slice(b, at, 1)),
            );
        };
        bit(fnode, "tcp.flags.res", "Reserved", 0xe00, o + 12);
        bit(fnode, "tcp.flags.ae", "Accurate ECN", 0x100, o + 12);
        bit(
            fnode,
            "tcp.flags.cwr",
            "Congestion Window Reduced",
            0x080,
            o + 13,
        );
        bit(fnode, "tcp.flags.ece", "ECN-Echo", 0x040, o + 13);
        bit(fnode, "tcp.flags.urg", "Urgent", 0x020, o + 13);
        bit(fnode, "tcp.flags.ack", "Acknowledgment", 0x010, o + 13);
        bit(fnode, "tcp.flags.push", "Push", 0x008, o + 13);
        bit(fnode, "tcp.flags.reset", "Reset", 0x004, o + 13);
        bit(fnode, "tcp.flags.syn", "Syn", 0x002, o + 13);
        bit(fnode, "tcp.flags.fin", "Fin", 0x001, o + 13);
        // The connection's steps, under the flag that makes them (packet-tcp.c adds them
        // once the flags are in the tree).
        if flags & 0x002 != 0 {
            let (field, what, server) = if ackf {
                ("tcp.connection.synack", "acknowledge (SYN+ACK)", sp)
            } else {
                ("tcp.connection.syn", "request (SYN)", dp)
            };
            let msg = format!("Connection establish {what}: server port {server}");
            push_under(
                fnode,
                "tcp.flags.syn",
                expert(field, &msg, Severity::Chat, Group::Sequence),
            );
        }
        if flags & 0x001 != 0 {
            let e = expert(
                "tcp.connection.fin",
                "Connection finish (FIN)",
                Severity::Chat,
                Group::Sequence,
            );
            push_under(fnode, "tcp.flags.fin", e);
        }
        if flags & 0x004 != 0 {
            let e = expert(
                "tcp.connection.rst",
                "Connection reset (RST)",
                Severity::Warning,
                Group::Sequence,
            );
            push_under(fnode, "tcp.flags.reset", e);
        }
        let fs = headers::tcp_flags_str(f12 as u16);
        let sn = fnode.push(
            Node::field("tcp.flags.str", format!("TCP Flags: {fs}"), fs, o + 12, 2)
                .hex_own(fw)
                .gen(),
        );
        if flags & 0x001 != 0 && in_flow {
            // Which side closes first: the side whose FIN came while the other side had
            // sent none (packet-tcp.c's `closing_initiator`).
            let frame = first_uint(&values(ctx, src, Fid::FrameNumber)).unwrap_or(0);
            let row = ctx.row();
            if let Some(t) = ctx.capture().tcp.get(row.flow as usize) {
                sn.push(if t.initiates_closing(row.dir() as usize, frame) {
                    expert(
                        "tcp.connection.fin_active",
                        "This frame initiates the connection closing",
                        Severity::Note,
                        Group::Sequence,
                    )
                } else {
                    expert(
                        "tcp.connection.fin_passive",
                        "This frame undergoes the connection closing",
                        Severity::Note,
                        Group::Sequence,
                    )
                });
            }
        }
    }
    let win = be16(b, o + 14);
    n.push(
        Node::field(
            "tcp.window_size_value",
            format!("Window: {win}"),
            win.to_string(),
            o + 14,
            2,
        )
        .hex_own(slice(b, o + 14, 2)),
    );
    let wv = slice(b, o + 14, 2);
    if let Some(w) = first_uint(&pick(ctx, src, Fid::TcpWindowSize)) {
        n.push(
            Node::field(
                "tcp.window_size",
                format!("Calculated window size: {w}"),
                w.to_string(),
                o + 14,
                2,
            )
            .hex_own(wv)
            .gen(),
        );
    }
    let sf = pick(ctx, src, Fid::TcpWindowSizeScalefactor);
    if let Some(Value::Int(s)) = sf.first() {
        let text = match s {
            -1 => "-1 (unknown)".to_string(),
            -2 => "-2 (no window scaling used)".to_string(),
            s => s.to_string(),
        };
        n.push(
            Node::field(
                "tcp.window_size_scalefactor",
                format!("Window size scaling factor: {text}"),
                s.to_string(),
                o + 14,
                2,
            )
            .hex_own(wv)
            .gen(),
        );
    }
    let ck = be16(b, o + 16);
    n.push(
        Node::field(
            "tcp.checksum",
            format!("Checksum: 0x{ck:04x} [unverified]"),
            format!("0x{ck:04x}"),
            o + 16,
            2,
        )
        .hex_own(slice(b, o + 16, 2)),
    );
    n.push(
        Node::field(
            "tcp.checksum.status",
            "Checksum Status: Unverified",
            "2",
            o + 16,
            0,
        )
        .gen(),
    );
    let up = be16(b, o + 18);
    let u = n.push(
        Node::field(
            "tcp.urgent_pointer",
            format!("Urgent Pointer: {up}"),
            up.to_string(),
            o + 18,
            2,
        )
        .hex_own(slice(b, o + 18, 2)),
    );
    if up != 0 && flags & 0x020 == 0 {
        u.push(expert(
            "tcp.urgent_pointer.non_zero",
            "The urgent pointer field is nonzero while the URG flag is not set",
            Severity::Note,
            Group::Protocol,
        ));
    }
    if hl > 20 && b.len() >= o + hl && builds(TcpPart::Options) {
        // SACK edges are shown relative to the base of the acknowledgment numbers.
        let base = in_flow.then(|| {
            if ackf {
                ack_raw.wrapping_sub(ack as u32)
            } else {
                0
            }
        });
        // The acknowledgment number D-SACK is told by: relative with the ACK flag.
        let th_ack = if in_flow && ackf { ack as u32 } else { ack_raw };
        n.push(options(&b[o + 20..o + hl], o + 20, base, flags, th_ack));
    }
    if in_flow && builds(TcpPart::Times) {
        let tr = first_rel(&values(ctx, src, Fid::TcpTimeRelative));
        let td = first_rel(&values(ctx, src, Fid::TcpTimeDelta));
        if let (Some(tr), Some(td)) = (tr, td) {
            let mut t = Node::text("Timestamps", o, 0).gen();
            t.push(timed(
                "tcp.time_relative",
                "Time since first frame in this TCP stream",
                tr,
                o,
            ));
            t.push(timed(
                "tcp.time_delta",
                "Time since previous frame in this TCP stream",
                td,
                o,
            ));
            n.push(t);
        }
    }
    if in_flow && builds(TcpPart::Analysis) {
        analysis(ctx, src, &mut n, o, seg_len as u32);
    }
    if !builds(TcpPart::Payload) {
        return n;
    }
    let start = o + hl;
    let end = (l.end() as usize).min(b.len());
    if seg_len > 0 && end > start && flags & 0x004 != 0 {
        // A RST's data goes to no dissector: packet-tcp.c shows it as text, the cause
        // of the reset (RFC 1122 §4.2.2.12 lets a RST carry data that explains it).
        let cause = reset_cause(&b[start..end]);
        n.push(
            Node::field(
                "tcp.reset_cause",
                format!("Reset cause: {cause}"),
                cause,
                start,
                end - start,
            )
            .hex_own(&b[start..end]),
        );
    } else if seg_len > 0 && end > start {
        n.push(
            Node::field(
                "tcp.payload",
                format!(
                    "TCP payload ({} byte{})",
                    end - start,
                    if end - start == 1 { "" } else { "s" }
                ),
                "",
                start,
                end - start,
            )
            .show_bytes(&b[start..end])
            .hex_own(&b[start..end]),
        );
    }
    n
}

/// A RST's data as its `tcp.reset_cause` string shows it: ASCII (other bytes as U+FFFD)
/// up to the first NUL, escaped as tshark shows a string.
fn reset_cause(data: &[u8]) -> String {
    super::escape(super::ascii_text(data).as_bytes())
}

fn analysis(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    n: &mut Node,
    o: usize,
    seg_len: u32,
) {
    let acks = first_uint(&values(ctx, src, Fid::TcpAnalysisAcksFrame));
    let ack_rtt = first_rel(&values(ctx, src, Fid::TcpAnalysisAckRtt));
    let irtt = first_rel(&values(ctx, src, Fid::TcpAnalysisInitialRtt));
    let inflight = first_uint(&values(ctx, src, Fid::TcpAnalysisBytesInFlight));
    let flagged = !values(ctx, src, Fid::TcpAnalysisFlags).is_empty();
    let frame = first_uint(&values(ctx, src, Fid::FrameNumber)).unwrap_or(0);
    let push = (frame as usize)
        .checked_sub(1)
        .and_then(|i| ctx.capture().tcp_push_bytes(i, ctx.row(), seg_len));
    if acks.is_none() && irtt.is_none() && inflight.is_none() && push.is_none() && !flagged {
        return;
    }
    let mut a = Node::field("tcp.analysis", "SEQ/ACK analysis", "", o, 0)
        .gen()
        .none();
    if let Some(f) = acks {
        a.push(
            Node::field(
                "tcp.analysis.acks_frame",
                format!("This is an ACK to the segment in frame: {f}"),
                f.to_string(),
                o,
                0,
            )
            .gen(),
        );
    }
    if let Some(r) = ack_rtt {
        a.push(timed(
            "tcp.analysis.ack_rtt",
            "The RTT to ACK the segment was",
            r,
            o,
        ));
    }
    if let Some(r) = irtt {
        a.push(timed("tcp.analysis.initial_rtt", "iRTT", r, o));
    }
    if let Some(f) = inflight {
        a.push(
            Node::field(
                "tcp.analysis.bytes_in_flight",
                format!("Bytes in flight: {f}"),
                f.to_string(),
                o,
                0,
            )
            .gen(),
        );
    }
    if let Some(p) = push {
        a.push(
            Node::field(
                "tcp.analysis.push_bytes_sent",
                format!("Bytes sent since last PSH flag: {p}"),
                p.to_string(),
                o,
                0,
            )
            .gen(),
        );
    }
    if flagged {
        let mut fl = Node::field("tcp.analysis.flags", "TCP Analysis Flags", "", o, 0)
            .gen()
            .none();
        use crate::capture::tcp::Kind;
        // The kinds the TCP analysis marked this segment with (`tcp.analysis.*`).
        let marked = (frame as usize)
            .checked_sub(1)
            .and_then(|i| ctx.capture().tcp_flags_of(i));
        let dup = first_uint(&values(ctx, src, Fid::TcpAnalysisDuplicateAckNum));
        let frame = first_uint(&values(ctx, src, Fid::TcpAnalysisDuplicateAckFrame));
        let mut dup_expert = None;
        // In the order packet-tcp.c prints them: a fast or spurious retransmission
        // before the retransmission it also is.
        const ORDER: [Kind; 15] = [
            Kind::FastRetransmission,
            Kind::SpuriousRetransmission,
            Kind::Retransmission,
            Kind::OutOfOrder,
            Kind::ReusedPorts,
            Kind::LostSegment,
            Kind::AckLostSegment,
            Kind::WindowUpdate,
            Kind::WindowFull,
            Kind::KeepAlive,
            Kind::KeepAliveAck,
            Kind::DuplicateAck,
            Kind::ZeroWindowProbe,
            Kind::ZeroWindow,
            Kind::ZeroWindowProbeAck,
        ];
        for k in ORDER {
            if !marked.is_some_and(|m| m.contains(k)) {
                continue;
            }
            // Every analysis item is in the Sequence group (`Kind::group`).
            let sev = k.severity();
            if k == Kind::DuplicateAck {
                // An item of its own here; its expert item, with the count, goes under
                // the frame it repeats.
                fl.push(
                    Node::field(k.field(), "This is a TCP duplicate ack", "", o, 0)
                        .gen()
                        .none(),
                );
                if let Some(num) = dup {
                    dup_expert = Some(expert(
                        k.field(),
                        &format!("{} (#{num})", k.message()),
                        sev,
                        Group::Sequence,
                    ));
                }
                continue;
            }
            fl.push(expert(k.field(), k.message(), sev, Group::Sequence));
            if k == Kind::Retransmission {
                // A plain retransmission's RTO, after its item.
                let rto = first_rel(&values(ctx, src, Fid::TcpAnalysisRto));
                let from = first_uint(&values(ctx, src, Fid::TcpAnalysisRtoFrame));
                if let (Some(rto), Some(from)) = (rto, from) {
                    fl.push(timed(
                        "tcp.analysis.rto",
                        "The RTO for this segment was",
                        rto,
                        o,
                    ));
                    fl.push(
                        Node::field(
                            "tcp.analysis.rto_frame",
                            format!("RTO based on delta from frame: {from}"),
                            from.to_string(),
                            o,
                            0,
                        )
                        .gen(),
                    );
                }
            }
        }
        a.push(fl);
        if let (Some(num), Some(fr)) = (dup, frame) {
            a.push(
                Node::field(
                    "tcp.analysis.duplicate_ack_num",
                    format!("Duplicate ACK #: {num}"),
                    num.to_string(),
                    o,
                    0,
                )
                .gen(),
            );
            let mut f = Node::field(
                "tcp.analysis.duplicate_ack_frame",
                format!("Duplicate to the ACK in frame: {fr}"),
                fr.to_string(),
                o,
                0,
            )
            .gen();
            if let Some(e) = dup_expert {
                f.push(e);
            }
            a.push(f);
        }
    }
    n.push(a);
}

/// Adds `e` under the child of `n` named `name`: an expert item under the field it is
/// about.
fn push_under(n: &mut Node, name: &str, e: Node) {
    if let Some(c) = n.children.iter_mut().find(|c| c.name == name) {
        c.push(e);
    }
}

/// Sequence numbers compared as packet-tcp.c's `LE_SEQ`/`LT_SEQ` do (modulo 2^32).
fn seq_le(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) as i32 <= 0
}

/// The short name of the dissector packet-tcp.c 4.0 registers for option `kind` in its
/// `tcp.option` table (`tshark -G decodes` and `-G protocols`), which the options' title
/// and their length errors use; None: none, the option is shown as unknown.
fn option_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        2 => "Maximum segment size",
        3 => "Window scale",
        4 => "SACK permitted",
        5 => "SACK",
        6 => "Echo",
        7 => "Echo reply",
        8 => "Timestamps",
        11 => "CC",
        12 => "CC.NEW",
        13 => "CC.ECHO",
        19 => "TCP MD5 signature",
        20 => "SCPS capabilities",
        21 => "Selective Negative Acknowledgment",
        22 => "SCPS record boundary",
        23 => "SCPS corruption experienced",
        27 => "Quick-Start",
        28 => "User Timeout",
        29 => "TCP AO",
        30 => "MPTCP",
        34 => "TCP Fast Open",
        76 => "Riverbed Probe",
        78 => "Riverbed Transparency",
        172 | 174 => "Accurate ECN",
        253 | 254 => "Experimental",
        _ => return None,
    })
}

/// The option list of a TCP header (`opts` starts at frame offset `at`). `flags` and
/// `th_ack` are the segment's, for the expert items about its options.
fn options(opts: &[u8], at: usize, sack_base: Option<u32>, flags: u16, th_ack: u32) -> Node {
    let mut kids = Vec::new();
    let mut names = Vec::new();
    let syn = flags & 0x002 != 0;
    let mut mss_seen = false;
    // NOPs in a row within a 32-bit word of the header (packet-tcp.c's `nop_count`).
    let mut nops = 0;
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        let p = at + i;
        match kind {
            0 => {
                // Wireshark goes on after an end of list: each zero is one more.
                names.push("End of Option List (EOL)".to_string());
                kids.push(
                    Node::field(
                        "tcp.options.eol",
                        "TCP Option - End of Option List (EOL)",
                        "00",
                        p,
                        1,
                    )
                    .hex_own(&opts[i..i + 1])
                    .with(vec![Node::field(
                        "tcp.option_kind",
                        "Kind: End of Option List (0)",
                        "0",
                        p,
                        1,
                    )
                    .hex_own(&opts[i..i + 1])]),
                );
                i += 1;
            }
            1 => {
                names.push("No-Operation (NOP)".to_string());
                // The header's offset of this NOP: options start 20 bytes in.
                if nops == 0 || (20 + i) % 4 != 0 {
                    nops += 1;
                    if nops == 4 {
                        kids.push(expert(
                            "tcp.nop",
                            "4 NOP in a row - a router may have removed some options",
                            Severity::Warning,
                            Group::Protocol,
                        ));
                    }
                } else {
                    nops = 0;
                }
                kids.push(
                    Node::field(
                        "tcp.options.nop",
                        "TCP Option - No-Operation (NOP)",
                        "01",
                        p,
                        1,
                    )
                    .hex_own(&opts[i..i + 1])
                    .with(vec![Node::field(
                        "tcp.option_kind",
                        "Kind: No-Operation (1)",
                        "1",
                        p,
                        1,
                    )
                    .hex_own(&opts[i..i + 1])]),
                );
                i += 1;
            }
            k => {
                let name = || match option_name(k) {
                    Some(n) => n.to_string(),
                    None => format!("Unknown (0x{k:02x})"),
                };
                // A length that does not fit ends the list with an expert item, and
                // nothing after it is read (not even the SYN's MSS check).
                let bad = match opts.get(i + 1).map(|&l| l as usize) {
                    None => Some((format!("{} (length byte past end of options)", name()), 1)),
                    Some(l) if l < 2 => Some((
                        format!(
                            "{} (with too-short option length = {l} byte{})",
                            name(),
                            if l == 1 { "" } else { "s" }
                        ),
                        2,
                    )),
                    Some(l) if i + l > opts.len() => Some((
                        format!(
                            "{} (option length = {l} byte{} says option goes past end of options)",
                            name(),
                            if l == 1 { "" } else { "s" }
                        ),
                        opts.len() - i - 2,
                    )),
                    Some(_) => None,
                };
                if let Some((text, size)) = bad {
                    kids.push(Node::text(text.clone(), p, size).with(vec![expert(
                        "tcp.option.len.invalid",
                        &text,
                        Severity::Note,
                        Group::Sequence,
                    )]));
                    return options_node(opts, at, &names, kids);
                }
                let len = opts[i + 1] as usize;
                let v = &opts[i..i + len];
                let kind_node = |label: &str| {
                    Node::field(
                        "tcp.option_kind",
                        format!("Kind: {label} ({k})"),
                        k.to_string(),
                        p,
                        1,
                    )
                    .hex_own(&v[..1])
                };
                let len_node = Node::field(
                    "tcp.option_len",
                    format!("Length: {len}"),
                    len.to_string(),
                    p + 1,
                    1,
                )
                .hex_own(&v[1..2]);
                let node = match (k, len) {
                    (2, 4) => {
                        let mss = be16(v, 2);
                        mss_seen = true;
                        names.push("Maximum segment size".into());
                        let mut kids = Vec::with_capacity(4);
                        if !syn {
                            kids.push(expert(
                                "tcp.options.mss.present",
                                "The non-SYN packet does contain a MSS option",
                                Severity::Warning,
                                Group::Protocol,
                            ));
                        }
                        Node::field(
                            "tcp.options.mss",
                            format!("TCP Option - Maximum segment size: {mss} bytes"),
                            colon_hex(v),
                            p,
                            len,
                        )
                        .hex_own(v)
                        .with(kids)
                        .with(vec![
                            kind_node("Maximum Segment Size"),
                            len_node,
                            Node::field(
                                "tcp.options.mss_val",
                                format!("MSS Value: {mss}"),
                                mss.to_string(),
                                p + 2,
                                2,
                            )
                            .hex_own(&v[2..4]),
                        ])
                    }
                    (3, 3) => {
                        let s = v[2];
                        let m = 1u32 << s.min(14);
                        names.push("Window scale".into());
                        Node::field(
                            "tcp.options.wscale",
                            format!("TCP Option - Window scale: {s} (multiply by {m})"),
                            colon_hex(v),
                            p,
                            len,
                        )
                        .hex_own(v)
                        .with(vec![
                            kind_node("Window Scale"),
                            len_node,
                            Node::field(
                                "tcp.options.wscale.shift",
                                format!("Shift count: {s}"),
                                s.to_string(),
                                p + 2,
                                1,
                            )
                            .hex_own(&v[2..3]),
                            Node::field(
                                "tcp.options.wscale.multiplier",
                                format!("Multiplier: {m}"),
                                m.to_string(),
                                p + 2,
                                1,
                            )
                            .hex_own(&v[2..3])
                            .gen(),
                        ])
                    }
                    (4, 2) => {
                        names.push("SACK permitted".into());
                        Node::field(
                            "tcp.options.sack_perm",
                            "TCP Option - SACK permitted",
                            colon_hex(v),
                            p,
                            len,
                        )
                        .hex_own(v)
                        .with(vec![kind_node("SACK Permitted"), len_node])
                    }
                    (8, 10) => {
                        let (tsval, tsecr) = (be32(v, 2), be32(v, 6));
                        names.push("Timestamps".into());
                        Node::field(
                            "tcp.options.timestamp",
                            format!("TCP Option - Timestamps: TSval {tsval}, TSecr {tsecr}"),
                            colon_hex(v),
                            p,
                            len,
                        )
                        .hex_own(v)
                        .with(vec![
                            kind_node("Time Stamp Option"),
                            len_node,
                            Node::field(
                                "tcp.options.timestamp.tsval",
                                format!("Timestamp value: {tsval}"),
                                tsval.to_string(),
                                p + 2,
                                4,
                            )
                            .hex_own(&v[2..6]),
                            Node::field(
                                "tcp.options.timestamp.tsecr",
                                format!("Timestamp echo reply: {tsecr}"),
                                tsecr.to_string(),
                                p + 6,
                                4,
                            )
                            .hex_own(&v[6..10]),
                        ])
                    }
                    (5, _) => {
                        names.push("SACK".into());
                        let mut kids = vec![kind_node("SACK"), len_node];
                        let mut text = String::from("TCP Option - SACK");
                        let mut count = 0;
                        let mut edges = [(0u32, 0u32); 2];
                        let rel = if sack_base.is_some() {
                            " (relative)"
                        } else {
                            ""
                        };
                        for e in v[2..].chunks_exact(8) {
                            let (le, re) = (be32(e, 0), be32(e, 4));
                            let (le, re) = match sack_base {
                                Some(b) => (le.wrapping_sub(b), re.wrapping_sub(b)),
                                None => (le, re),
                            };
                            if let Some(e) = edges.get_mut(count) {
                                *e = (le, re);
                            }
                            let q = p + 2 + 8 * count;
                            kids.push(
                                Node::field(
                                    "tcp.options.sack_le",
                                    format!("left edge = {le}{rel}"),
                                    le.to_string(),
                                    q,
                                    4,
                                )
                                .hex_own(&e[0..4]),
                            );
                            kids.push(
                                Node::field(
                                    "tcp.options.sack_re",
                                    format!("right edge = {re}{rel}"),
                                    re.to_string(),
                                    q + 4,
                                    4,
                                )
                                .hex_own(&e[4..8]),
                            );
                            text.push_str(&format!(" {le}-{re}"));
                            count += 1;
                        }
                        kids.push(
                            Node::field(
                                "tcp.options.sack.count",
                                format!("TCP SACK Count: {count}"),
                                count.to_string(),
                                p,
                                0,
                            )
                            .gen(),
                        );
                        // RFC 2883 §4: the first block is a D-SACK when it lies within
                        // what is acknowledged or within the second block.
                        let [(_, re0), (le1, re1)] = edges;
                        let dsack = count > 0
                            && (seq_le(re0, th_ack)
                                || (count > 1 && !seq_le(re0, le1) && seq_le(re0, re1)));
                        if dsack {
                            let (le, re) = edges[0];
                            let q = p + 2;
                            kids.push(
                                Node::field(
                                    "tcp.options.sack.dsack_le",
                                    format!("D-SACK Left Edge = {le}{rel}"),
                                    le.to_string(),
                                    q,
                                    4,
                                )
                                .hex_own(&v[2..6])
                                .gen(),
                            );
                            kids.push(
                                Node::field(
                                    "tcp.options.sack.dsack_re",
                                    format!("D-SACK Right Edge = {re}{rel}"),
                                    re.to_string(),
                                    q + 4,
                                    4,
                                )
                                .hex_own(&v[6..10])
                                .gen(),
                            );
                            kids.push(Node::text("D-SACK Sequence", q, 8).hex_own(&v[2..10]).with(
                                vec![expert(
                                    "tcp.options.sack.dsack",
                                    "D-SACK Sequence",
                                    Severity::Warning,
                                    Group::Sequence,
                                )],
                            ));
                        }
                        Node::field("tcp.options.sack", text, colon_hex(v), p, len)
                            .hex_own(v)
                            .with(kids)
                    }
                    _ if option_name(k).is_none() => {
                        // No dissector of packet-tcp.c's `tcp.option` table: its
                        // dissect_tcpopt_unknown shows the kind, length and the rest.
                        names.push(format!("Unknown (0x{k:02x})"));
                        let label = value_strings::string_of("tcp.option_kind", i64::from(k))
                            .unwrap_or("Unknown");
                        let mut kids = vec![kind_node(label), len_node];
                        if len > 2 {
                            kids.push(bytes_field(
                                "tcp.options.unknown.payload",
                                "Payload",
                                &v[2..],
                                p + 2,
                            ));
                        }
                        Node::field(
                            "tcp.options.unknown",
                            "TCP Option - Unknown",
                            colon_hex(v),
                            p,
                            len,
                        )
                        .hex_own(v)
                        .with(kids)
                    }
                    _ => {
                        // Registered options not shown here yet (MD5, TCP-AO, MPTCP…):
                        // named in the list's title only.
                        names.push(name());
                        i += len;
                        continue;
                    }
                };
                kids.push(node);
                i += len;
            }
        }
    }
    if syn && !mss_seen {
        kids.push(expert(
            "tcp.options.mss.absent",
            "The SYN packet does not contain a MSS option",
            Severity::Note,
            Group::Protocol,
        ));
    }
    options_node(opts, at, &names, kids)
}

/// The `tcp.options` item over `opts` (at frame offset `at`), its title naming each
/// option of `names`, over the items `kids`.
fn options_node(opts: &[u8], at: usize, names: &[String], kids: Vec<Node>) -> Node {
    let mut title = format!("Options: ({} bytes)", opts.len());
    for nm in names {
        title.push_str(", ");
        title.push_str(nm);
    }
    Node::field("tcp.options", title, colon_hex(opts), at, opts.len())
        .hex_own(opts)
        .with(kids)
}

pub(super) fn udp(
    ctx: &mut FieldCtx<'_>,
    src: &mut dyn PacketSource,
    b: &[u8],
    l: &At,
    in_flow: Option<usize>,
) -> Node {
    let o = l.offset as usize;
    let (sp, dp) = (be16(b, o), be16(b, o + 2));
    let mut n = Node::proto(
        "udp",
        format!("User Datagram Protocol, Src Port: {sp}, Dst Port: {dp}"),
        o,
        8,
    );
    port(&mut n, "udp", b, o);
    // LBL traceroute's ports start at 33435, three probes a hop (packet-udp.c).
    for (name, at) in [("udp.srcport", o), ("udp.dstport", o + 2)] {
        let p = u32::from(be16(b, at));
        if (33435..=33464).contains(&p) {
            let (hop, attempt) = ((p - 33435) / 3 + 1, (p - 33435) % 3 + 1);
            let msg = format!("Possible traceroute: hop #{hop}, attempt #{attempt}");
            let e = expert(
                "udp.possible_traceroute",
                &msg,
                Severity::Chat,
                Group::Sequence,
            );
            push_under(&mut n, name, e);
        }
    }
    let len = be16(b, o + 4);
    n.push(
        Node::field(
            "udp.length",
            format!("Length: {len}"),
            len.to_string(),
            o + 4,
            2,
        )
        .hex_own(slice(b, o + 4, 2)),
    );
    let ck = be16(b, o + 6);
    if ck == 0 {
        n.push(
            Node::field(
                "udp.checksum",
                "Checksum: 0x0000 [zero-value ignored]",
                "0x0000",
                o + 6,
                2,
            )
            .hex_own(slice(b, o + 6, 2)),
        );
        n.push(
            Node::field(
                "udp.checksum.status",
                "Checksum Status: Not present",
                "3",
                o + 6,
                0,
            )
            .gen(),
        );
    } else {
        n.push(
            Node::field(
                "udp.checksum",
                format!("Checksum: 0x{ck:04x} [unverified]"),
                format!("0x{ck:04x}"),
                o + 6,
                2,
            )
            .hex_own(slice(b, o + 6, 2)),
        );
        n.push(
            Node::field(
                "udp.checksum.status",
                "Checksum Status: Unverified",
                "2",
                o + 6,
                0,
            )
            .gen(),
        );
    }
    // The n-th UDP layer of the packet (a tunnel's outer datagram first) has the n-th
    // `udp.stream`.
    let stream = in_flow.and_then(|n| {
        values(ctx, src, Fid::UdpStream)
            .iter()
            .filter_map(|v| match v {
                Value::Uint(s) => Some(*s),
                _ => None,
            })
            .nth(n)
    });
    if let (Some(s), Some(layer)) = (stream, in_flow) {
        n.push(
            Node::field(
                "udp.stream",
                format!("Stream index: {s}"),
                s.to_string(),
                o + 8,
                0,
            )
            .gen(),
        );
        // packet-udp.c's conversation timestamps (its "Calculate conversation
        // timestamps" preference is on by default), at the header's start.
        let nth = |ctx: &mut FieldCtx<'_>, src: &mut dyn PacketSource, f| {
            values(ctx, src, f)
                .iter()
                .filter_map(|v| match v {
                    Value::Rel(ns) => Some(*ns),
                    _ => None,
                })
                .nth(layer)
        };
        // None for an empty datagram: packet-udp.c returns before them.
        let tr = (len != 8)
            .then(|| nth(ctx, src, Fid::UdpTimeRelative))
            .flatten();
        let td = nth(ctx, src, Fid::UdpTimeDelta);
        if let (Some(tr), Some(td)) = (tr, td) {
            let mut t = Node::text("Timestamps", o, 0).gen();
            t.push(timed("udp.time_relative", "Time since first frame", tr, o));
            t.push(timed("udp.time_delta", "Time since previous frame", td, o));
            n.push(t);
        }
    }
    // packet-udp.c's payload item reaches the end of its data: the datagram's, when UDP
    // starts a reassembled one; the text says the UDP length.
    let whole = l.reassembled && o == 0;
    let end = if whole {
        b.len()
    } else {
        (l.end() as usize).min(b.len()).min(o + len as usize)
    };
    if end > o + 8 {
        let p = &b[o + 8..end];
        let said = if whole {
            (len as usize).saturating_sub(8)
        } else {
            p.len()
        };
        n.push(
            Node::field(
                "udp.payload",
                format!(
                    "UDP payload ({said} byte{})",
                    if said == 1 { "" } else { "s" }
                ),
                "",
                o + 8,
                p.len(),
            )
            .show_bytes(p)
            .hex_own(p),
        );
    }
    n
}

/// Internet checksum (RFC 1071) of `b`, with `init` added (a pseudo-header's sum).
/// The checksum a message (`msg`, its checksum at bytes 2 and 3) should carry.
fn should_be(msg: &[u8], init: u32) -> u16 {
    checksum(&[&msg[..2], &[0, 0], &msg[4..]].concat(), init)
}

pub(super) fn checksum(b: &[u8], init: u32) -> u16 {
    let mut s = init;
    for c in b.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// The ICMP or ICMPv6 layer `l` of frame `b` (`quoted`: inside an ICMP error; `ts_ns`:
/// the packet's time; `pseudo`: the sum of ICMPv6's IPv6 pseudo-header).
pub(super) fn icmp(b: &[u8], l: &At, quoted: bool, ts_ns: i64, pseudo: Option<u32>) -> Node {
    let o = l.offset as usize;
    let v6 = l.proto == Proto::Icmpv6;
    let p = if v6 { "icmpv6" } else { "icmp" };
    let title = if v6 {
        "Internet Control Message Protocol v6"
    } else {
        "Internet Control Message Protocol"
    };
    let end = (l.end() as usize).min(b.len());
    let mut n = Node::proto(p, title, o, end.saturating_sub(o));
    let t = b.get(o).copied().unwrap_or(0);
    let c = b.get(o + 1).copied().unwrap_or(0);
    let (tname, cname) = icmp_names(v6, t, c);
    n.push(
        Node::field(
            format!("{p}.type"),
            // ICMPv6's type is a value string (name first), ICMP's is formatted by hand.
            if v6 {
                format!(
                    "Type: {} ({t})",
                    icmp_type_name(true, t).unwrap_or("Unknown")
                )
            } else {
                format!("Type: {t} ({tname})")
            },
            t.to_string(),
            o,
            1,
        )
        .hex_own(slice(b, o, 1)),
    );
    let code_text = match cname.filter(|_| !v6) {
        Some(name) => format!("Code: {c} ({name})"),
        None => format!("Code: {c}"),
    };
    n.push(
        Node::field(format!("{p}.code"), code_text, c.to_string(), o + 1, 1).hex_own(slice(
            b,
            o + 1,
            1,
        )),
    );
    let ck = be16(b, o + 2);
    // Wireshark checks ICMP's checksum when the whole message was captured (ICMPv6's
    // needs the IPv6 pseudo-header: left unverified here).
    if !v6 && quoted {
        n.push(
            Node::field(
                "icmp.checksum",
                format!("Checksum: 0x{ck:04x} [unverified] [in ICMP error packet]"),
                format!("0x{ck:04x}"),
                o + 2,
                2,
            )
            .hex_own(slice(b, o + 2, 2)),
        );
        n.push(
            Node::field(
                "icmp.checksum.status",
                "Checksum Status: Unverified",
                "2",
                o + 2,
                0,
            )
            .gen(),
        );
    } else if !v6 && (l.end() as usize) <= b.len() {
        let good = checksum(&b[o..end], 0) == 0;
        let (status, show) = if good { ("Good", "1") } else { ("Bad", "0") };
        let want = (!good).then(|| should_be(&b[o..end], 0));
        let text = match want {
            None => format!("Checksum: 0x{ck:04x} [correct]"),
            Some(w) => format!("Checksum: 0x{ck:04x} incorrect, should be 0x{w:04x}"),
        };
        let f = n.push(
            Node::field("icmp.checksum", text, format!("0x{ck:04x}"), o + 2, 2).hex_own(slice(
                b,
                o + 2,
                2,
            )),
        );
        if let Some(w) = want {
            f.push(expert(
                "icmp.checksum_bad",
                &format!("Bad checksum [should be 0x{w:04x}]"),
                Severity::Warning,
                Group::Checksum,
            ));
        }
        n.push(
            Node::field(
                "icmp.checksum.status",
                format!("Checksum Status: {status}"),
                show,
                o + 2,
                0,
            )
            .gen(),
        );
    }
    if let Some(sum) = pseudo.filter(|_| v6 && !quoted && (l.end() as usize) <= b.len()) {
        // packet-icmpv6.c verifies the checksum of a message captured whole.
        let computed = checksum(&b[o..end], sum);
        let text = if computed == 0 {
            format!("Checksum: 0x{ck:04x} [correct]")
        } else {
            let want = should_be(&b[o..end], sum);
            format!("Checksum: 0x{ck:04x} incorrect, should be 0x{want:04x}")
        };
        let (status, show) = if computed == 0 {
            ("Good", "1")
        } else {
            ("Bad", "0")
        };
        n.push(
            Node::field("icmpv6.checksum", text, format!("0x{ck:04x}"), o + 2, 2).hex_own(slice(
                b,
                o + 2,
                2,
            )),
        );
        n.push(
            Node::field(
                "icmpv6.checksum.status",
                format!("Checksum Status: {status}"),
                show,
                o + 2,
                0,
            )
            .gen(),
        );
    }
    let echo = if v6 {
        matches!(t, 128 | 129)
    } else {
        matches!(t, 0 | 8 | 13..=18)
    };
    if echo && b.len() >= o + 8 {
        let (id, seq) = (be16(b, o + 4), be16(b, o + 6));
        if v6 {
            n.push(
                Node::field(
                    "icmpv6.echo.identifier",
                    format!("Identifier: 0x{id:04x}"),
                    format!("0x{id:04x}"),
                    o + 4,
                    2,
                )
                .hex_own(slice(b, o + 4, 2)),
            );
            n.push(
                Node::field(
                    "icmpv6.echo.sequence_number",
                    format!("Sequence: {seq}"),
                    seq.to_string(),
                    o + 6,
                    2,
                )
                .hex_own(slice(b, o + 6, 2)),
            );
        } else {
            let (idl, seql) = (id.swap_bytes(), seq.swap_bytes());
            n.push(
                Node::field(
                    "icmp.ident",
                    format!("Identifier (BE): {id} (0x{id:04x})"),
                    id.to_string(),
                    o + 4,
                    2,
                )
                .hex_own(slice(b, o + 4, 2)),
            );
            n.push(
                Node::field(
                    "icmp.ident_le",
                    format!("Identifier (LE): {idl} (0x{idl:04x})"),
                    idl.to_string(),
                    o + 4,
                    2,
                )
                .hex_own(slice(b, o + 4, 2)),
            );
            n.push(
                Node::field(
                    "icmp.seq",
                    format!("Sequence Number (BE): {seq} (0x{seq:04x})"),
                    seq.to_string(),
                    o + 6,
                    2,
                )
                .hex_own(slice(b, o + 6, 2)),
            );
            n.push(
                Node::field(
                    "icmp.seq_le",
                    format!("Sequence Number (LE): {seql} (0x{seql:04x})"),
                    seql.to_string(),
                    o + 6,
                    2,
                )
                .hex_own(slice(b, o + 6, 2)),
            );
            if matches!(t, 0 | 8) {
                if let Some(sent) = b
                    .get(o + 8..o + 16)
                    .and_then(|d| headers::echo_time(d, ts_ns))
                {
                    let mut at = String::new();
                    format_abs_time(sent, &mut at);
                    let d = &b[o + 8..o + 16];
                    n.push(
                        Node::field(
                            "icmp.data_time",
                            format!("Timestamp from icmp data: {at}"),
                            at,
                            o + 8,
                            8,
                        )
                        .hex_own(d),
                    );
                    let r = rel(ts_ns - sent);
                    n.push(
                        Node::field(
                            "icmp.data_time_relative",
                            format!("Timestamp from icmp data (relative): {r} seconds"),
                            r,
                            o + 8,
                            8,
                        )
                        .hex_own(d)
                        .gen(),
                    );
                }
            }
        }
    }
    if v6 {
        n.children.extend(super::icmpv6::nd(b, o, end, t));
    } else {
        if !echo {
            super::icmpv4::second_word(&mut n, b, o, t, c);
        }
        super::icmpv4::body(&mut n, b, o, end, t, c, ts_ns);
    }
    if let Some(at) = headers::echo_data(b, l, ts_ns.div_euclid(1_000_000_000)) {
        n.push(super::data::layer(&b[at..end], at));
    }
    n
}

#[cfg(test)]
mod test {
    use super::*;

    /// The names of an option list's children, expert items by their field.
    fn items(n: &Node) -> Vec<String> {
        n.children
            .iter()
            .map(|c| match c.name.as_ref() {
                "_ws.expert" => format!("expert:{}", c.children[0].name),
                "" => c.showname.clone(),
                s => s.to_string(),
            })
            .collect()
    }

    /// A ping's timeval read big- or little-endian, within a day of the packet
    /// (zeek/linux_dlt_sll2.pcap, frame 1: little-endian, 0.872259 s before).
    #[test]
    fn the_time_in_a_pings_data() {
        let ts = 1_660_534_249_872_259_000;
        let le = [0xe9, 0xbd, 0xf9, 0x62, 0, 0, 0, 0];
        assert_eq!(headers::echo_time(&le, ts), Some(1_660_534_249_000_000_000));
        let be = [0x62, 0xf9, 0xbd, 0xe9, 0, 0, 0x03, 0xe8];
        assert_eq!(headers::echo_time(&be, ts), Some(1_660_534_249_001_000_000));
        // A day off, or a million microseconds: not a time.
        let far = [0x62, 0xfb, 0x0f, 0x69, 0, 0, 0, 0];
        assert_eq!(headers::echo_time(&far, ts), None);
        let usecs = [0x62, 0xf9, 0xbd, 0xe9, 0, 0x0f, 0x42, 0x40];
        assert_eq!(headers::echo_time(&usecs, ts), None);
    }

    #[test]
    fn four_nops_in_a_word_are_flagged_before_the_fourth() {
        // packet-tcp.c counts NOPs within a 32-bit word: twelve in a row make one item,
        // before the fourth (the word's next NOPs start the count over).
        let n = options(&[1; 12], 54, None, 0x010, 0);
        let got = items(&n);
        assert_eq!(got.len(), 13);
        assert_eq!(got[3], "expert:tcp.nop");
        assert!(got.iter().filter(|s| s.starts_with("expert")).count() == 1);
        // Two NOPs then a timestamp: nothing.
        let ts = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        assert!(!items(&options(&ts, 54, None, 0x010, 0))
            .iter()
            .any(|s| s.starts_with("expert")));
    }

    #[test]
    fn a_syn_without_mss_and_a_non_syn_with_one() {
        let ws = [3, 3, 7, 0];
        let syn = options(&ws, 54, None, 0x002, 0);
        assert_eq!(items(&syn).last().unwrap(), "expert:tcp.options.mss.absent");
        let mss = [2, 4, 5, 0xb4];
        let syn = options(&mss, 54, None, 0x002, 0);
        assert!(!items(&syn).iter().any(|s| s.starts_with("expert")));
        let ack = options(&mss, 54, None, 0x010, 0);
        let m = ack.find("tcp.options.mss").unwrap();
        assert_eq!(m.children[0].children[0].name, "tcp.options.mss.present");
    }

    #[test]
    fn a_first_sack_block_at_or_below_the_ack_is_a_dsack() {
        let sack = |blocks: &[(u32, u32)]| {
            let mut v = vec![5, 2 + 8 * blocks.len() as u8];
            for &(l, r) in blocks {
                v.extend(l.to_be_bytes());
                v.extend(r.to_be_bytes());
            }
            v
        };
        let has = |opts: &[u8], ack| {
            options(opts, 54, Some(0), 0x010, ack)
                .find("tcp.options.sack.dsack")
                .is_some()
        };
        // Below the cumulative ACK (RFC 2883 §4.1.1), or inside the second block (§4.1.2).
        assert!(has(&sack(&[(100, 200)]), 200));
        assert!(!has(&sack(&[(100, 200)]), 100));
        assert!(has(&sack(&[(300, 400), (200, 500)]), 100));
        assert!(!has(&sack(&[(300, 400), (500, 600)]), 100));
        let n = options(&sack(&[(100, 200)]), 54, Some(0), 0x010, 200);
        let le = n.find("tcp.options.sack.dsack_le").unwrap();
        assert_eq!((le.show.as_str(), le.pos, le.size), ("100", 56, 4));
    }
}
