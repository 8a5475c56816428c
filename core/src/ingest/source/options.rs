//! pcapng options (pcapng §3.5) and the values they carry: comments, timestamp resolution
//! and offset, interface names and addresses, process indices, name records.

use super::{read_u16, read_u32, read_u64};
use crate::capture::file::{Interface, PacketOptions};
use pcap_parser::pcapng::{InterfaceDescriptionBlock, OptionCode, PcapNGOption};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Walks raw pcapng options and returns the comments (used where pcap-parser does not
/// parse the options for us).
pub(super) fn raw_comments(mut options: &[u8], be: bool) -> Vec<String> {
    let mut out = Vec::new();
    while options.len() >= 4 {
        let (code, len) = (
            read_u16(&options[0..2], be),
            read_u16(&options[2..4], be) as usize,
        );
        if code == 0 || options.len() < 4 + len {
            break;
        }
        if code == 1 {
            out.push(text(&options[4..4 + len]));
        }
        options = &options[(4 + len.div_ceil(4) * 4).min(options.len())..];
    }
    out
}

/// `if_tsresol` and `if_tsoffset`, validated as libpcap validates them.
pub(super) fn idb_time_options(
    idb: &InterfaceDescriptionBlock<'_>,
    be: bool,
) -> Result<(u64, i64), String> {
    let (mut tsresol, mut tsoffset) = (None, None);
    for o in &idb.options {
        match o.code {
            OptionCode::EndOfOpt if o.len != 0 => {
                return Err(format!(
                    "Interface Description Block has opt_endofopt option with length {} != 0",
                    o.len
                ));
            }
            OptionCode::IfTsresol => {
                let v = value(o);
                if v.len() != 1 {
                    return Err(format!(
                        "Interface Description Block has if_tsresol option with length {} != 1",
                        o.len
                    ));
                }
                if tsresol.replace(v[0]).is_some() {
                    return Err(
                        "Interface Description Block has more than one if_tsresol option".into(),
                    );
                }
            }
            OptionCode::IfTsoffset => {
                let v = value(o);
                if v.len() != 8 {
                    return Err(format!(
                        "Interface Description Block has if_tsoffset option with length {} != 8",
                        o.len
                    ));
                }
                if tsoffset.replace(read_u64(v, be) as i64).is_some() {
                    return Err(
                        "Interface Description Block has more than one if_tsoffset option".into(),
                    );
                }
            }
            _ => {}
        }
    }
    let ts_per_sec = match tsresol {
        None => 1_000_000,
        Some(r) => ts_resolution(r).ok_or_else(|| {
            let (base, exp) = if r & 0x80 != 0 { (2, r & 0x7f) } else { (10, r) };
            format!("Interface Description Block if_tsresol option resolution {base}^-{exp} is too high")
        })?,
    };
    Ok((ts_per_sec, tsoffset.unwrap_or(0)))
}

/// Units per second for an `if_tsresol` value: 10^n, or 2^n when the top bit is set
/// (pcapng §4.2). None when it does not fit in 64 bits.
pub(super) fn ts_resolution(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(n)
    } else {
        10u64.checked_pow(n)
    }
}

/// Converts a pcapng timestamp in `per_sec` units to nanoseconds since the epoch.
pub(super) fn ts_to_ns(ts: u64, per_sec: u64, offset_s: i64) -> i64 {
    let per_sec = per_sec.max(1) as i128;
    let ns = (ts as i128 / per_sec) * 1_000_000_000
        + (ts as i128 % per_sec) * 1_000_000_000 / per_sec
        + offset_s as i128 * 1_000_000_000;
    ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// An option's value without its padding.
pub(super) fn value<'a>(o: &'a PcapNGOption<'_>) -> &'a [u8] {
    &o.value[..(o.len as usize).min(o.value.len())]
}

/// A string option's text: up to its first NUL, as Wireshark's reader keeps it (a
/// writer that pads its comment with a NUL and stray bytes is then read as tshark does).
pub(super) fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

pub(super) fn option_str(options: &[PcapNGOption<'_>], code: OptionCode) -> Option<String> {
    options
        .iter()
        .find(|o| o.code == code)
        .map(|o| text(value(o)))
}

pub(super) fn comments(options: &[PcapNGOption<'_>]) -> Vec<String> {
    options
        .iter()
        .filter(|o| o.code == OptionCode::Comment)
        .map(|o| text(value(o)))
        .collect()
}

pub(super) fn interface_of(idb: &InterfaceDescriptionBlock<'_>) -> Interface {
    // if_filter: the first byte says the filter's kind; 0 is a libpcap filter string.
    let filter = idb
        .options
        .iter()
        .find(|o| o.code == OptionCode::IfFilter && value(o).first() == Some(&0))
        .map(|o| text(&value(o)[1..]));
    Interface {
        linktype: (idb.linktype.0 as u32 & 0xffff) as u16,
        snaplen: idb.snaplen,
        name: option_str(&idb.options, OptionCode::IfName),
        description: option_str(&idb.options, OptionCode::IfDescription),
        filter,
        os: option_str(&idb.options, OptionCode::IfOs),
        ts_per_sec: 1_000_000,
        addresses: idb.options.iter().filter_map(interface_address).collect(),
    }
}

/// `if_IPv4addr` (address and netmask) or `if_IPv6addr` (address and prefix length).
pub(super) fn interface_address(o: &PcapNGOption<'_>) -> Option<IpAddr> {
    let v = value(o);
    match (o.code, v.len()) {
        (OptionCode::IfIpv4Addr, 8) => Some(Ipv4Addr::new(v[0], v[1], v[2], v[3]).into()),
        (OptionCode(5), 17) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&v[..16]);
            Some(Ipv6Addr::from(a).into())
        }
        _ => None,
    }
}

/// Apple's `epb_pib_index` (0x8001), else `epb_e_pib_index` (0x8003, the process on
/// whose behalf the first one sent): the index of a PIB within the section.
pub(super) fn pib_index(options: &[PcapNGOption<'_>], be: bool) -> Option<u32> {
    [0x8001, 0x8003].into_iter().find_map(|code| {
        options
            .iter()
            .find(|o| o.code == OptionCode(code) && value(o).len() == 4)
            .map(|o| read_u32(value(o), be))
    })
}

/// `epb_flags` (code 2, 32 bits) and `epb_dropcount` (code 4, 64 bits), each the
/// first of its code with the right length, as Wireshark's pcapng reader keeps them.
pub(super) fn packet_options(options: &[PcapNGOption<'_>], be: bool) -> PacketOptions {
    let find = |code: u16, len: usize| {
        options
            .iter()
            .find(|o| o.code == OptionCode(code) && value(o).len() == len)
            .map(value)
    };
    PacketOptions {
        flags: find(2, 4).map(|v| read_u32(v, be)),
        drop_count: find(4, 8).map(|v| read_u64(v, be)),
        untimed: false,
    }
}

/// One NRB record: an address followed by one or more NUL-terminated names.
pub(super) fn name_record(kind: u16, value: &[u8]) -> Vec<(IpAddr, String)> {
    let (addr, rest): (IpAddr, &[u8]) = match kind {
        1 if value.len() >= 4 => (
            Ipv4Addr::new(value[0], value[1], value[2], value[3]).into(),
            &value[4..],
        ),
        2 if value.len() >= 16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&value[..16]);
            (Ipv6Addr::from(a).into(), &value[16..])
        }
        _ => return Vec::new(),
    };
    rest.split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| (addr, String::from_utf8_lossy(n).into_owned()))
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn pcapng_timestamps_honour_resolution_and_offset() {
        assert_eq!(ts_to_ns(1_500_000, 1_000_000, 0), 1_500_000_000);
        assert_eq!(ts_to_ns(3, 2, 10), 11_500_000_000);
        assert_eq!(ts_to_ns(u64::MAX, 1, 0), i64::MAX);
        assert_eq!(ts_resolution(6), Some(1_000_000));
        assert_eq!(ts_resolution(9), Some(1_000_000_000));
        assert_eq!(ts_resolution(0x80 | 10), Some(1024));
        assert_eq!(ts_resolution(0x80 | 70), None);
        assert_eq!(ts_resolution(100), None);
    }
}
