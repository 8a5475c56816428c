//! NTP (RFC 5905 §7.3) as packet-ntp.c shows a packet of modes 0 to 5: the flags, the
//! header's numbers, the reference ID and the four timestamps, and the key ID and
//! message authentication code after them. Control (mode 6) and private (mode 7)
//! messages show their flags only here.

use super::{ipv4, plain_hex, Payload, Stop};
use crate::query::detail::{bits, colon_hex, Node};
use crate::query::fields::format_abs_time;

/// Seconds from 1900 (NTP's epoch) to 1970.
const NTP_TO_UNIX: i64 = 2_208_988_800;

/// packet-ntp.c's longest MAC with its key ID: more bytes after the header are
/// extension fields (not dissected here).
const MAX_MAC_LEN: usize = 24;

const LI: [&str; 4] = [
    "no warning",
    "last minute of the day has 61 seconds",
    "last minute of the day has 59 seconds",
    "unknown (clock unsynchronized)",
];

pub(crate) const VERSIONS: [&str; 8] = [
    "reserved",
    "NTP Version 1",
    "NTP Version 2",
    "NTP Version 3",
    "NTP Version 4",
    "reserved",
    "reserved",
    "reserved",
];

pub(crate) const MODES: [&str; 8] = [
    "reserved",
    "symmetric active",
    "symmetric passive",
    "client",
    "server",
    "broadcast",
    "reserved for NTP control message",
    "reserved for private use",
];

/// The modes as the protocol's text (the Info column's words) names them.
const INFO_MODES: [&str; 8] = [
    "reserved",
    "symmetric active",
    "symmetric passive",
    "client",
    "server",
    "broadcast",
    "control",
    "private",
];

/// Reference IDs of primary servers (stratum 0 or 1), as packet-ntp.c names them
/// (RFC 5905 §7.3 and unofficial ones).
const PRIMARY: &[(&[u8; 4], &str)] = &[
    (b"GOES", "Geostationary Orbit Environment Satellite"),
    (b"GPS\0", "Global Position System"),
    (b"GAL\0", "Galileo Positioning System"),
    (b"PPS\0", "Generic pulse-per-second"),
    (b"IRIG", "Inter-Range Instrumentation Group"),
    (b"WWVB", "LF Radio WWVB Ft. Collins, CO 60 kHz"),
    (b"DCF\0", "LF Radio DCF77 Mainflingen, DE 77.5 kHz"),
    (b"HBG\0", "LF Radio HBG Prangins, HB 75 kHz"),
    (b"MSF\0", "LF Radio MSF Anthorn, UK 60 kHz"),
    (
        b"JJY\0",
        "LF Radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz",
    ),
    (b"LORC", "MF Radio LORAN C station, 100 kHz"),
    (b"TDF\0", "MF Radio Allouis, FR 162 kHz"),
    (b"CHU\0", "HF Radio CHU Ottawa, Ontario"),
    (b"WWV\0", "HF Radio WWV Ft. Collins, CO"),
    (b"WWVH", "HF Radio WWVH Kauai, HI"),
    (b"NIST", "NIST telephone modem"),
    (b"ACTS", "NIST telephone modem"),
    (b"USNO", "USNO telephone modem"),
    (b"PTB\0", "European telephone modem"),
    (b"LOCL", "uncalibrated local clock"),
    (b"CESM", "calibrated Cesium clock"),
    (b"RBDM", "calibrated Rubidium clock"),
    (b"OMEG", "OMEGA radionavigation system"),
    (b"DCN\0", "DCN routing protocol"),
    (b"TSP\0", "TSP time protocol"),
    (b"DTS\0", "Digital Time Service"),
    (b"ATOM", "Atomic clock (calibrated)"),
    (b"VLF\0", "VLF radio (OMEGA,, etc.)"),
    (b"1PPS", "External 1 PPS input"),
    (b"FREE", "(Internal clock)"),
    (b"INIT", "(Initialization)"),
    (b"\0\0\0\0", "NULL"),
];

/// Adds the `ntp` layer of payload `p` to `out`; the exception that stopped it, if one
/// did.
pub(super) fn dissect(p: Payload<'_>, out: &mut Vec<Node>) -> Result<(), Stop> {
    let flags = p.u8(0)?;
    let (li, vn, mode) = (flags >> 6, (flags >> 3) & 7, flags & 7);
    let title = format!(
        "Network Time Protocol ({}, {})",
        VERSIONS[usize::from(vn)],
        INFO_MODES[usize::from(mode)]
    );
    out.push(Node::proto("ntp", title, p.at, p.b.len()));
    if mode == 7 {
        // Private messages (ntpd's mode 7) have flags of their own: not dissected here.
        return Ok(());
    }
    let n = out.last_mut().expect("just pushed");
    let at = p.at;
    let f = n.push(
        Node::field(
            "ntp.flags",
            format!(
                "Flags: 0x{flags:02x}, Leap Indicator: {}, Version number: {}, Mode: {}",
                LI[usize::from(li)],
                VERSIONS[usize::from(vn)],
                MODES[usize::from(mode)]
            ),
            format!("0x{flags:02x}"),
            at,
            1,
        )
        .hex(&[flags]),
    );
    for (name, label, mask, v, text) in [
        (
            "ntp.flags.li",
            "Leap Indicator",
            0xc0,
            li,
            LI[usize::from(li)],
        ),
        (
            "ntp.flags.vn",
            "Version number",
            0x38,
            vn,
            VERSIONS[usize::from(vn)],
        ),
        (
            "ntp.flags.mode",
            "Mode",
            0x07,
            mode,
            MODES[usize::from(mode)],
        ),
    ] {
        f.push(
            Node::field(
                name,
                format!("{}{label}: {text} ({v})", bits(flags.into(), mask, 8)),
                v.to_string(),
                at,
                1,
            )
            .masked(v.into(), &[flags]),
        );
    }
    if mode == 6 {
        // Control messages (RFC 1305 appendix B): not dissected here.
        return Ok(());
    }
    let stratum = p.u8(1)?;
    let level = match stratum {
        0 => "unspecified or invalid",
        1 => "primary reference",
        2..=15 => "secondary reference",
        16 => "unsynchronized",
        _ => "reserved",
    };
    n.push(
        Node::field(
            "ntp.stratum",
            format!("Peer Clock Stratum: {level} ({stratum})"),
            stratum.to_string(),
            at + 1,
            1,
        )
        .hex(&[stratum]),
    );
    let ppoll = p.u8(2)?;
    let poll = if (4..=17).contains(&ppoll) {
        format!("{ppoll} ({} seconds)", 1u32 << ppoll)
    } else {
        format!("invalid ({ppoll})")
    };
    n.push(
        Node::field(
            "ntp.ppoll",
            format!("Peer Polling Interval: {poll}"),
            ppoll.to_string(),
            at + 2,
            1,
        )
        .hex(&[ppoll]),
    );
    let precision = p.u8(3)?;
    n.push(
        Node::field(
            "ntp.precision",
            format!(
                "Peer Clock Precision: {:8.6} seconds",
                2f64.powi(i32::from(precision as i8))
            ),
            precision.to_string(),
            at + 3,
            1,
        )
        .hex(&[precision]),
    );
    for (off, name, label) in [
        (4, "ntp.rootdelay", "Root Delay"),
        (8, "ntp.rootdispersion", "Root Dispersion"),
    ] {
        let v = p.u32(off)?;
        let secs = f64::from(v >> 16) + f64::from(v & 0xffff) / 65536.0;
        n.push(
            Node::field(
                name,
                format!("{label}: {secs:8.6} seconds"),
                v.to_string(),
                at + off,
                4,
            )
            .hex(p.get(off, 4)?),
        );
    }
    let refid = p.get(12, 4)?;
    let source = if stratum <= 1 {
        match PRIMARY.iter().find(|(id, _)| &id[..] == refid) {
            Some((_, name)) => (*name).to_string(),
            None => {
                let text = &refid[..refid.iter().position(|&c| c == 0).unwrap_or(4)];
                let text: String = text
                    .iter()
                    .map(|&c| if c < 0x80 { c as char } else { '\u{fffd}' })
                    .collect();
                format!("Unidentified reference source '{text}'")
            }
        }
    } else {
        ipv4(refid)
    };
    n.push(
        Node::field(
            "ntp.refid",
            format!("Reference ID: {source}"),
            colon_hex(refid),
            at + 12,
            4,
        )
        .hex(refid),
    );
    for (off, name, label) in [
        (16, "ntp.reftime", "Reference Timestamp"),
        (24, "ntp.org", "Origin Timestamp"),
        (32, "ntp.rec", "Receive Timestamp"),
        (40, "ntp.xmt", "Transmit Timestamp"),
    ] {
        let b = p.get(off, 8)?;
        let t = timestamp(b);
        n.push(Node::field(name, format!("{label}: {t}"), t, at + off, 8).hex(b));
    }
    // What follows the header: extension fields when longer than a MAC, else the key
    // ID and the MAC (RFC 5905 §7.3).
    let rest = p.reported.saturating_sub(48);
    if rest > MAX_MAC_LEN {
        return Ok(());
    }
    if rest >= 4 {
        let k = p.get(48, 4)?;
        n.push(
            Node::field(
                "ntp.keyid",
                format!("Key ID: {}", plain_hex(k)),
                colon_hex(k),
                at + 48,
                4,
            )
            .hex(k),
        );
    }
    let maclen = rest.saturating_sub(4);
    if maclen > 0 {
        let m = p.get(52, maclen)?;
        n.push(
            Node::field(
                "ntp.mac",
                format!("Message Authentication Code: {}", plain_hex(m)),
                colon_hex(m),
                at + 52,
                maclen,
            )
            .hex(m),
        );
    }
    Ok(())
}

/// An NTP timestamp (RFC 5905 §6) as Wireshark shows it: `NULL` when zero, else the
/// UTC time, in era 1 (from 2036) when the seconds' top bit is clear.
fn timestamp(b: &[u8]) -> String {
    let secs = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let frac = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
    // As `ntp_to_nstime`: the fraction in nanoseconds, in floating point, truncated;
    // seconds of 0 are the zero time, not 1900.
    let ns = (f64::from(frac) / (4_294_967_296.0 / 1_000_000_000.0)) as i64;
    if secs == 0 && ns == 0 {
        return "NULL".into();
    }
    let era = if secs & 0x8000_0000 == 0 {
        1i64 << 32
    } else {
        0
    };
    let unix = if secs == 0 {
        0
    } else {
        i64::from(secs) + era - NTP_TO_UNIX
    };
    let mut s = String::new();
    format_abs_time(unix * 1_000_000_000 + ns, &mut s);
    s
}
