//! memcached's text and binary protocols: the fields and their places come from the
//! same dissector as the filter's `memcache.*` values ([`crate::query::fields::pdu::memcache`]),
//! which cuts the stream as Wireshark does.

use crate::capture::tcp::Severity;
use crate::query::detail::{expert, string_field, Group, Node};
use crate::query::fields::pdu::memcache::{needs_more, placed};
use crate::query::fields::{AppValue, Fid};

/// How many bytes the message at the start of `buf` takes (see `super::pdu_len`):
/// the bytes a call of the dissector completes, or more to wait for.
pub(super) fn pdu_len(buf: &[u8]) -> Option<usize> {
    match needs_more(buf) {
        None => Some(buf.len()),
        // What the call dissected before the PDU that needs more.
        Some((off, _)) if off > 0 => Some(off),
        Some((_, 0)) => None,
        Some((_, n)) => Some(buf.len() + n as usize),
    }
}

/// packet-memcache.c's names of the binary opcodes (the packet list's Info too).
pub(crate) fn opcode_name(op: u64) -> Option<&'static str> {
    Some(match op {
        0x00 => "Get",
        0x01 => "Set",
        0x02 => "Add",
        0x03 => "Replace",
        0x04 => "Delete",
        0x05 => "Increment",
        0x06 => "Decrement",
        0x07 => "Quit",
        0x08 => "Flush",
        0x09 => "Get Quietly",
        0x0a => "No-op",
        0x0b => "Version",
        0x0c => "Get Key",
        0x0d => "Get Key Quietly",
        0x0e => "Append",
        0x0f => "Prepend",
        0x10 => "Statistics",
        0x11 => "Set Quietly",
        0x12 => "Add Quietly",
        0x13 => "Replace Quietly",
        0x14 => "Delete Quietly",
        0x15 => "Increment Quietly",
        0x16 => "Decrement Quietly",
        0x17 => "Quit Quietly",
        0x18 => "Flush Quietly",
        0x19 => "Append Quietly",
        0x1a => "Prepend Quietly",
        _ => return None,
    })
}

fn status_name(s: u64) -> &'static str {
    match s {
        0x00 => "No error",
        0x01 => "Key not found",
        0x02 => "Key exists",
        0x03 => "Value too large",
        0x04 => "Invalid arguments",
        0x05 => "Item not stored",
        0x81 => "Unknown command",
        0x82 => "Out of memory",
        _ => "Unknown",
    }
}

/// The `memcache` layers of the bytes `b` (at `at`) one call of the dissector takes.
pub(super) fn dissect(b: &[u8], at: usize) -> Vec<Node> {
    let (items, _) = placed(b);
    let mut out: Vec<Node> = Vec::new();
    let mut extras: Option<Node> = None;
    // The opcode of the PDU being read, which a failed response's expert item names.
    let mut op_now = 0;
    for p in items {
        let pos = at + p.off;
        let raw = b.get(p.off..p.off + p.len).unwrap_or(&[]);
        let (text, show) = match (&p.value, p.field) {
            (AppValue::Text(s), _) => (s.clone(), s.clone()),
            (AppValue::Uint(v), Fid::MemcacheMagic) => (
                format!("{} ({v})", if v & 1 == 0 { "Request" } else { "Response" }),
                v.to_string(),
            ),
            (AppValue::Uint(v), Fid::MemcacheOpcode) => (
                format!("{} ({v})", opcode_name(*v).unwrap_or("Unknown")),
                v.to_string(),
            ),
            (AppValue::Uint(v), Fid::MemcacheStatus) => {
                (format!("{} ({v})", status_name(*v)), v.to_string())
            }
            (AppValue::Uint(v), Fid::MemcacheDataType) => (
                if *v == 0 {
                    format!("Raw bytes ({v})")
                } else {
                    format!("Unknown ({v})")
                },
                v.to_string(),
            ),
            (AppValue::Uint(v), Fid::MemcacheExtrasFlags) => {
                (format!("0x{v:08x}"), format!("0x{v:08x}"))
            }
            (AppValue::Uint(v), _) => (v.to_string(), v.to_string()),
            (AppValue::Bytes(b), _) => (
                crate::query::detail::hex(b),
                crate::query::detail::colon_hex(b),
            ),
            _ => (String::new(), String::new()),
        };
        match p.field {
            Fid::Memcache => {
                if let Some(x) = extras.take() {
                    if let Some(last) = out.last_mut() {
                        last.push(x);
                    }
                }
                out.push(Node::proto("memcache", "Memcache Protocol", pos, p.len));
                continue;
            }
            Fid::MemcacheExtras => {
                if let Some(x) = extras.take() {
                    if let Some(last) = out.last_mut() {
                        last.push(x);
                    }
                }
                extras = Some(Node::field("memcache.extras", "Extras", "", pos, p.len).none());
                continue;
            }
            _ => {}
        }
        if p.field == Fid::MemcacheOpcode {
            // A binary PDU's title names it: `Memcache Protocol, Add Response`.
            if let (Some(last), AppValue::Uint(op)) = (out.last_mut(), &p.value) {
                let magic = b.get(p.off.wrapping_sub(1)).copied().unwrap_or(0);
                let side = if magic & 1 == 0 {
                    "Request"
                } else {
                    "Response"
                };
                let name = match opcode_name(*op) {
                    None => format!("Unknown opcode ({op})"),
                    Some(n) => n.to_string(),
                };
                last.showname = format!("Memcache Protocol, {name} {side}");
            }
        }
        let def = p.field.def();
        let mut n = match &p.value {
            AppValue::Text(_) => string_field(def.name, def.description, show, pos, p.len),
            _ => Node::field(
                def.name,
                format!("{}: {text}", def.description),
                show,
                pos,
                p.len,
            ),
        };
        match (p.field, &p.value) {
            (Fid::MemcacheOpcode, AppValue::Uint(op)) => {
                op_now = *op;
                if opcode_name(*op).is_none() {
                    n.push(expert(
                        "memcache.opcode.unknown",
                        &format!("Unknown opcode: {op}"),
                        Severity::Warning,
                        Group::Undecoded,
                    ));
                }
            }
            (Fid::MemcacheStatus, AppValue::Uint(st)) if *st != 0 => {
                // packet-memcache.c names the operation and how it failed.
                let op = match opcode_name(op_now) {
                    Some(name) => name.to_string(),
                    None => format!("Unknown opcode ({op_now})"),
                };
                let status = match status_name(*st) {
                    "Unknown" => format!("Status: {st}"),
                    name => name.to_string(),
                };
                n.push(expert(
                    "memcache.status.response",
                    &format!("{op}: {status}"),
                    Severity::Note,
                    Group::Response,
                ));
            }
            _ => {}
        }
        if p.len > 0 {
            n = n.hex(raw);
        } else {
            // Computed (a binary PDU's value length).
            n = n.gen();
        }
        let in_extras = matches!(
            p.field,
            Fid::MemcacheExtrasFlags
                | Fid::MemcacheExtrasExpiration
                | Fid::MemcacheExtrasDelta
                | Fid::MemcacheExtrasInitial
                | Fid::MemcacheExtrasUnknown
        );
        match (&mut extras, in_extras) {
            (Some(x), true) => {
                x.push(n);
            }
            _ => {
                if let Some(x) = extras.take() {
                    if let Some(last) = out.last_mut() {
                        last.push(x);
                    }
                }
                if let Some(last) = out.last_mut() {
                    last.push(n);
                }
            }
        }
    }
    if let Some(x) = extras.take() {
        if let Some(last) = out.last_mut() {
            last.push(x);
        }
    }
    out
}
