//! Field values, `Copy` and free of lifetimes, and how `tshark -T fields` prints them.

use super::{Base, Fid, FieldType};
use std::fmt::Write as _;

/// Where the bytes of a [`Value::Bytes`], [`Value::Str`] or [`Value::Proto`] are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// The packet's bytes.
    Packet,
    /// The per-packet arena of derived values ([`FieldCtx::arena`]).
    Arena,
    /// The constants of a compiled filter.
    Const,
}

/// A range of bytes in a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Which store.
    pub store: Store,
    /// Offset of the first byte.
    pub start: u32,
    /// Length.
    pub len: u32,
}

/// One value of one occurrence of a field. `Copy` and free of lifetimes: strings and
/// bytes are [`Span`]s into the packet, the per-packet arena or the filter's constants.
#[derive(Clone, Copy, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Value {
    /// The field is there, with no value (`FT_NONE`).
    Present,
    Bool(bool),
    Uint(u64),
    Int(i64),
    Float(f64),
    /// Absolute time, ns since the epoch.
    Time(i64),
    /// Relative time, ns.
    Rel(i64),
    Ether([u8; 6]),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    /// An IPv4 network: address and prefix length (filter constants only).
    Ipv4Net([u8; 4], u8),
    /// An IPv6 network (filter constants only).
    Ipv6Net([u8; 16], u8),
    Bytes(Span),
    Str(Span),
    /// A protocol's bytes, from its header to the end of its data.
    Proto(Span),
}

pub(super) fn arena_push(arena: &mut Vec<u8>, b: &[u8]) -> Span {
    let start = arena.len() as u32;
    arena.extend_from_slice(b);
    Span {
        store: Store::Arena,
        start,
        len: b.len() as u32,
    }
}

/// Formats a value as `tshark -T fields` prints it.
pub fn display(field: Fid, v: &Value, bytes: &[u8], out: &mut String) {
    let def = field.def();
    match *v {
        // tshark prints 1 for a field with no value that is there.
        Value::Present if def.ty == FieldType::None => out.push('1'),
        // An app-layer protocol item with no text of its own: tshark prints its name.
        Value::Present => out.push_str(def.name),
        Value::Bool(b) => out.push(if b { '1' } else { '0' }),
        Value::Uint(n) if def.base == Base::Hex => {
            let width = match def.ty {
                FieldType::Uint8 => 2,
                FieldType::Uint16 => 4,
                FieldType::Uint24 => 6,
                FieldType::Uint32 => 8,
                _ => 16,
            };
            let _ = write!(out, "0x{n:0width$x}");
        }
        Value::Uint(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Time(ns) => format_abs_time(ns, out),
        Value::Rel(ns) => format_rel_time(ns, out),
        Value::Ether(m) => {
            let _ = write!(
                out,
                "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                m[0], m[1], m[2], m[3], m[4], m[5]
            );
        }
        Value::Ipv4(a) | Value::Ipv4Net(a, _) => {
            let _ = write!(out, "{}", std::net::Ipv4Addr::from(a));
        }
        Value::Ipv6(a) | Value::Ipv6Net(a, _) => {
            let _ = write!(out, "{}", std::net::Ipv6Addr::from(a));
        }
        Value::Str(_) => escape(&String::from_utf8_lossy(bytes), out),
        Value::Bytes(_) => {
            for b in bytes {
                let _ = write!(out, "{b:02x}");
            }
        }
        Value::Proto(_) => out.push_str(def.description),
    }
}

/// A string as tshark 4.0 prints it: backspace, form feed, tab, line feed and carriage
/// return in C's notation (`\r\n`), so that a value never breaks a line or a column;
/// other bytes as they are.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Relative time as seconds with nine decimals (`0.015827000`).
pub fn format_rel_time(ns: i64, out: &mut String) {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000);
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Absolute time as tshark prints it in UTC: `Feb 26, 2013 22:02:36.677488000 UTC`.
pub fn format_abs_time(ns: i64, out: &mut String) {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let _ = write!(
        out,
        "{} {:2}, {} {:02}:{:02}:{:02}.{:09} UTC",
        MONTHS[(m - 1) as usize],
        d,
        y,
        s / 3600,
        s / 60 % 60,
        s % 60,
        frac
    );
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Month number (1–12) of an English month abbreviation.
pub fn month_number(name: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// Bytes as Wireshark's `format_text` shows them: printable ASCII as is, other bytes
/// as C escapes.
pub(crate) fn format_text(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for &c in b {
        match c {
            0x20..=0x7e => out.push(c as char),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            _ => {
                let _ = write!(out, "\\{c:03o}");
            }
        }
    }
    out
}

/// Seconds (`0.5`, `1e-3`, `-2`) to nanoseconds.
pub fn parse_seconds(s: &str) -> Option<i64> {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        // Exponents and the like: through f64 (loses precision past ~2^53 ns).
        let f: f64 = s.parse().ok()?;
        let ns = (f * 1e9).round();
        return ns
            .is_finite()
            .then_some(if neg { -(ns as i64) } else { ns as i64 });
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f = frac.to_owned();
    if f.len() > 9 {
        f.truncate(9);
    }
    while f.len() < 9 {
        f.push('0');
    }
    let ns = whole
        .checked_mul(1_000_000_000)?
        .checked_add(f.parse::<i64>().ok()?)?;
    Some(if neg { -ns } else { ns })
}

/// Absolute times as Wireshark accepts them, read as UTC: `Feb 26, 2013 22:02:36.5`,
/// `2013-02-26 22:02:36.5`, `2013-02-26T22:02:36Z`; seconds and fraction optional.
pub fn parse_abs_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s
        .strip_suffix("UTC")
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s)
        .trim_end();
    let (y, m, d, rest) = if s.as_bytes().first()?.is_ascii_alphabetic() {
        // "Mon dd, yyyy hh:mm:ss"
        let (mon, rest) = s.split_once(' ')?;
        let m = month_number(mon)?;
        let (day, rest) = rest.trim_start().split_once(',')?;
        let rest = rest.trim_start();
        let (year, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        (year.parse().ok()?, m, day.trim().parse().ok()?, rest)
    } else {
        let (date, rest) = match s.find([' ', 'T']) {
            Some(i) => (&s[..i], &s[i + 1..]),
            None => (s, ""),
        };
        let mut it = date.split('-');
        let y: i64 = it.next()?.parse().ok()?;
        let m: u32 = it.next()?.parse().ok()?;
        let d: u32 = it.next()?.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        (y, m, d, rest)
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let mut nanos = 0;
    let rest = rest.trim();
    if !rest.is_empty() {
        let (hms, frac) = rest.split_once('.').unwrap_or((rest, ""));
        let mut parts = hms.split(':');
        let h: i64 = parts.next()?.parse().ok()?;
        let mi: i64 = parts.next()?.parse().ok()?;
        let se: i64 = parts.next().map_or(Some(0), |x| x.parse().ok())?;
        if parts.next().is_some() || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + se;
        if !frac.is_empty() {
            nanos = parse_seconds(&format!("0.{frac}"))?;
        }
    }
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn time_formats() {
        let mut s = String::new();
        format_abs_time(1_361_916_156_677_488_000, &mut s);
        assert_eq!(s, "Feb 26, 2013 22:02:36.677488000 UTC");
        s.clear();
        format_rel_time(15_827_000, &mut s);
        assert_eq!(s, "0.015827000");
        assert_eq!(days_from_civil(2013, 2, 26), 1_361_916_156 / 86_400);
        assert_eq!(
            civil_from_days(days_from_civil(1999, 12, 31)),
            (1999, 12, 31)
        );
    }
}
