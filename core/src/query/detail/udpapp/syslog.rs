//! Syslog (RFC 3164, RFC 5424) as packet-syslog.c shows a message: the priority's
//! facility and level, the message, and in it the header fields of either format.

use super::{string_node, utf8_text, Payload, Stop};
use crate::query::detail::{bits, string_field, Node};
use crate::query::fields::format_abs_time;
use crate::query::fields::value::days_from_civil;

/// packet-syslog.c reads at most this many digits of the priority.
const MAX_DIGITS: usize = 3;

/// Facilities (RFC 5424 §6.2.1) as the protocol's text names them (`short_fac`).
pub(crate) const FACILITIES: [&str; 24] = [
    "KERN",
    "USER",
    "MAIL",
    "DAEMON",
    "AUTH",
    "SYSLOG",
    "LPR",
    "NEWS",
    "UUCP",
    "CRON",
    "AUTHPRIV",
    "FTP",
    "NTP",
    "SECURITY",
    "CONSOLE",
    "SOLARIS-CRON",
    "LOCAL0",
    "LOCAL1",
    "LOCAL2",
    "LOCAL3",
    "LOCAL4",
    "LOCAL5",
    "LOCAL6",
    "LOCAL7",
];

/// Facilities as the facility field names them (`long_fac`).
const FACILITY_TEXTS: [&str; 24] = [
    "KERN - kernel messages",
    "USER - random user-level messages",
    "MAIL - mail system",
    "DAEMON - system daemons",
    "AUTH - security/authorization messages",
    "SYSLOG - messages generated internally by syslogd",
    "LPR - line printer subsystem",
    "NEWS - network news subsystem",
    "UUCP - UUCP subsystem",
    "CRON - clock daemon (BSD, Linux)",
    "AUTHPRIV - security/authorization messages (private)",
    "FTP - ftp daemon",
    "NTP - ntp subsystem",
    "LOGAUDIT - log audit",
    "LOGALERT - log alert",
    "CRON - clock daemon (Solaris)",
    "LOCAL0 - reserved for local use",
    "LOCAL1 - reserved for local use",
    "LOCAL2 - reserved for local use",
    "LOCAL3 - reserved for local use",
    "LOCAL4 - reserved for local use",
    "LOCAL5 - reserved for local use",
    "LOCAL6 - reserved for local use",
    "LOCAL7 - reserved for local use",
];

/// Severities (RFC 5424 §6.2.1).
const LEVELS: [&str; 8] = [
    "EMERG - system is unusable",
    "ALERT - action must be taken immediately",
    "CRIT - critical conditions",
    "ERR - error conditions",
    "WARNING - warning conditions",
    "NOTICE - normal but significant condition",
    "INFO - informational",
    "DEBUG - debug-level messages",
];

/// Adds the `syslog` layer of payload `p` to `out`; the exception that stopped it, if
/// one did.
pub(super) fn dissect(p: Payload<'_>, out: &mut Vec<Node>) -> Result<(), Stop> {
    // `<PRI>`: up to three digits; a missing `>` is passed over.
    let mut off = 0;
    let mut pri = None;
    if p.u8(0)? == b'<' {
        off = 1;
        let mut v = 0u32;
        while off <= MAX_DIGITS && p.b.get(off).is_some_and(u8::is_ascii_digit) {
            v = v * 10 + u32::from(p.b[off] - b'0');
            off += 1;
        }
        if p.u8(off)? == b'>' {
            off += 1;
        }
        pri = Some(v);
    }
    // `tvb_ensure_captured_length_remaining`: no byte after the priority throws.
    if off >= p.b.len() {
        return Err(p.need(off + 1).err().unwrap_or(Stop::Malformed));
    }
    let msg = &p.b[off..];
    let title = match pri {
        Some(v) => {
            let fac = FACILITIES
                .get(((v & 0x3f8) >> 3) as usize)
                .unwrap_or(&"UNKNOWN");
            let lev = LEVELS[(v & 7) as usize];
            let lev = lev.split(' ').next().unwrap_or(lev);
            format!("Syslog message: {fac}.{lev}: {}", utf8_text(msg).0)
        }
        None => format!("Syslog message: (unknown): {}", utf8_text(msg).0),
    };
    out.push(Node::proto("syslog", title, p.at, p.b.len()));
    let n = out.last_mut().expect("just pushed");
    if let Some(v) = pri {
        let head = &p.b[..off];
        // An 8-bit field under the mask 0x3f8: the bits shown are the low eight, the
        // value all of the mask's.
        let v8 = u64::from(v & 0xff);
        let fac = u64::from((v & 0x3f8) >> 3);
        let fac_text = FACILITY_TEXTS
            .get(fac as usize)
            .map_or_else(|| format!("Unknown ({fac})"), |t| format!("{t} ({fac})"));
        n.push(
            Node::field(
                "syslog.facility",
                format!("{}Facility: {fac_text}", bits(v8, 0xf8, 8)),
                fac.to_string(),
                p.at,
                off,
            )
            .masked(fac, head),
        );
        let lev = v8 & 7;
        n.push(
            Node::field(
                "syslog.level",
                format!("{}Level: {} ({lev})", bits(v8, 7, 8), LEVELS[lev as usize]),
                lev.to_string(),
                p.at,
                off,
            )
            .masked(lev, head),
        );
    }
    let (text, show) = utf8_text(to_nul(msg));
    let mut m = string_field("syslog.msg", "Message", text, p.at + off, msg.len()).hex(msg);
    m.show = show;
    let m = n.push(m);
    if msg.len() > 2 && msg.starts_with(b"1 ") {
        rfc5424(p, off, m)
    } else if msg.len() > 15 {
        rfc3164(p, off, m)
    } else {
        Ok(())
    }
}

/// A string's bytes as a field shows them: up to its first NUL.
fn to_nul(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// The bytes from `at` to the next space, and where the field after starts; None when
/// no space follows.
fn word(p: Payload<'_>, at: usize) -> Option<(&[u8], usize)> {
    let len = p.b.get(at..)?.iter().position(|&c| c == b' ')?;
    Some((&p.b[at..at + len], at + len + 1))
}

/// An RFC 5424 header (§6): version, timestamp, host name, app name, process ID, then
/// the rest as the message ID.
fn rfc5424(p: Payload<'_>, mut at: usize, m: &mut Node) -> Result<(), Stop> {
    let field = |at: &mut usize, name: &'static str, label: &str, m: &mut Node| {
        let (w, next) = word(p, *at)?;
        m.push(string_node(name, label, w, p.at + *at, w.len()));
        *at = next;
        Some(())
    };
    if field(&mut at, "syslog.version", "Syslog version", m).is_none() {
        return Ok(());
    }
    let Some((ts, next)) = word(p, at) else {
        return Ok(());
    };
    if !ts.is_empty() {
        if let Some(ns) = iso8601(ts) {
            let mut t = String::new();
            format_abs_time(ns, &mut t);
            m.push(
                Node::field(
                    "syslog.timestamp",
                    format!("Syslog timestamp: {t}"),
                    t,
                    p.at + at,
                    ts.len(),
                )
                .hex(ts),
            );
        }
    }
    at = next;
    for (name, label) in [
        ("syslog.hostname", "Syslog hostname"),
        ("syslog.appname", "Syslog app name"),
        ("syslog.procid", "Syslog process id"),
    ] {
        if field(&mut at, name, label, m).is_none() {
            return Ok(());
        }
    }
    let bom = p.get(at, 3)? == [0xef, 0xbb, 0xbf];
    if bom {
        // A UTF-8 byte order mark (RFC 5424 §6.4): the rest is UTF-8, else ASCII.
        m.push(
            Node::field(
                "syslog.msgid.bom",
                "Syslog BOM: 0xefbbbf",
                "0xefbbbf",
                p.at + at,
                3,
            )
            .hex(&[0xef, 0xbb, 0xbf]),
        );
        at += 3;
    }
    let rest = p.get(at, p.reported.saturating_sub(at))?;
    if !bom {
        m.push(string_node(
            "syslog.msgid",
            "Syslog message id",
            rest,
            p.at + at,
            rest.len(),
        ));
        return Ok(());
    }
    let (text, show) = utf8_text(to_nul(rest));
    let mut id = string_field(
        "syslog.msgid",
        "Syslog message id",
        text,
        p.at + at,
        rest.len(),
    )
    .hex(rest);
    id.show = show;
    m.push(id);
    Ok(())
}

/// An RFC 3164 header (§4.1.2): `Mmm dd hh:mm:ss`, the host name, the tag's
/// alphanumeric start as the process ID, and the rest as the message ID.
fn rfc3164(p: Payload<'_>, mut at: usize, m: &mut Node) -> Result<(), Stop> {
    let shaped = [(3, b' '), (6, b' '), (9, b':'), (12, b':'), (15, b' ')]
        .iter()
        .all(|&(i, c)| p.b.get(at + i) == Some(&c));
    if !shaped {
        return Ok(());
    }
    m.push(string_node(
        "syslog.timestamp_rfc3164",
        "Syslog timestamp (RFC3164)",
        &p.b[at..at + 15],
        p.at + at,
        15,
    ));
    at += 16;
    let Some((host, next)) = word(p, at) else {
        return Ok(());
    };
    m.push(string_node(
        "syslog.hostname",
        "Syslog hostname",
        host,
        p.at + at,
        host.len(),
    ));
    at = next;
    // The tag: packet-syslog.c looks at 32 bytes for its end, reading past the message
    // when it has fewer.
    let mut end = None;
    for i in at..at + 32 {
        if !p.u8(i)?.is_ascii_alphanumeric() {
            end = Some(i);
            break;
        }
    }
    if let Some(end) = end {
        m.push(string_node(
            "syslog.procid",
            "Syslog process id",
            &p.b[at..end],
            p.at + at,
            end - at,
        ));
        at = end;
    }
    let rest = p.get(at, p.reported.saturating_sub(at))?;
    m.push(string_node(
        "syslog.msgid",
        "Syslog message id",
        rest,
        p.at + at,
        rest.len(),
    ));
    Ok(())
}

/// An RFC 3339 timestamp (RFC 5424 §6.2.3) in ns since the epoch: `2003-10-11T22:14:15.003Z`
/// or with an offset (`-07:00`).
fn iso8601(b: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?;
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    if s.get(4..5)? != "-" || s.get(7..8)? != "-" || !matches!(s.get(10..11)?, "T" | "t") {
        return None;
    }
    if s.get(13..14)? != ":" || s.get(16..17)? != ":" {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut ns = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let mut f = frac[..digits.min(9)].to_string();
        while f.len() < 9 {
            f.push('0');
        }
        ns = f.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86400 + h * 3600 + mi * 60 + sec - offset;
    Some(secs * 1_000_000_000 + ns)
}
