//! pcapng: blocks and sections (draft-ietf-opsawg-pcapng). The block framing is checked
//! here as libpcap checks it; pcap-parser reads each block's fields, and `options` their
//! options.

use super::options::{
    comments, idb_time_options, interface_of, name_record, option_str, packet_options, pib_index,
    raw_comments, ts_to_ns, value,
};
use super::{
    invalid, read_u16, read_u32, read_u64, BlockKind, Event, Record, SourceErrorKind, Step,
    PCAPNG_SHB,
};
use crate::capture::file::{IfStats, PacketOptions, Process, Section};
use pcap_parser::nom;
use pcap_parser::pcapng::{
    parse_block_be, parse_block_le, parse_sectionheaderblock, Block, OptionCode,
};
use pcap_parser::PcapError;

/// libpcap's sanity limit for a Section Header Block (BT_SHB_INSANE_MAX).
const MAX_SHB: usize = 1024 * 1024;

pub(super) struct NgInterface {
    pub(super) ts_per_sec: u64,
    pub(super) offset_s: i64,
    pub(super) snaplen: u32,
}

#[derive(Default)]
pub(super) struct NgState {
    pub(super) big_endian: bool,
    /// Interfaces of the current section.
    pub(super) section_ifaces: Vec<NgInterface>,
    /// Index (within the file) of the current section's first interface.
    pub(super) section_base: u32,
    /// Interfaces announced so far in the whole file.
    pub(super) total_ifaces: u32,
    /// Index (within the file) of the current section's first process (PIB).
    pub(super) section_pib_base: u32,
    /// Processes announced so far in the whole file.
    pub(super) total_pibs: u32,
}

/// One block of a pcapng section (pcapng §3.1): checks the framing, then reads the block
/// with pcap-parser (the obsolete Packet Block by hand).
pub(super) fn block(
    ng: &mut NgState,
    buf: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    if buf.len() < 12 {
        return Step::NeedMore(None);
    }
    let is_shb = buf[..4] == PCAPNG_SHB;
    let mut big_endian = ng.big_endian;
    if is_shb {
        big_endian = match buf[8..12] {
            [0x1a, 0x2b, 0x3c, 0x4d] => true,
            [0x4d, 0x3c, 0x2b, 0x1a] => false,
            _ => {
                return Step::Fail(invalid(
                    "Section Header Block has an invalid byte-order magic",
                ))
            }
        };
    }
    let block_type = read_u32(&buf[0..4], big_endian);
    let block_len = read_u32(&buf[4..8], big_endian) as usize;
    if is_shb && !(28..=MAX_SHB).contains(&block_len) {
        return Step::Fail(invalid(format!(
            "Section Header Block has invalid length {block_len}"
        )));
    }
    if block_len < 12 {
        return Step::Fail(invalid(format!("block has a length of {block_len} < 12")));
    }
    if !block_len.is_multiple_of(4) {
        return Step::Fail(invalid(format!(
            "block has a length of {block_len} that is not a multiple of 4"
        )));
    }
    if buf.len() < block_len {
        return Step::NeedMore(Some(block_len));
    }
    let bytes = &buf[..block_len];
    let trailer = read_u32(&bytes[block_len - 4..], big_endian) as usize;
    if trailer != block_len {
        return Step::Fail(invalid(format!(
            "block total length in header {block_len} and trailer {trailer} don't match"
        )));
    }
    let kind = BlockKind::of(block_type);
    on_event(Event::Block { kind, offset });
    if is_shb {
        let (major, minor) = (
            read_u16(&bytes[12..14], big_endian),
            read_u16(&bytes[14..16], big_endian),
        );
        if major != 1 || minor != 0 {
            return Step::Fail(invalid(format!(
                "unsupported pcapng savefile version {major}.{minor}"
            )));
        }
        ng.big_endian = big_endian;
    }
    if kind == BlockKind::Pb {
        return packet_block(ng, bytes, offset, on_event);
    }
    let parsed = if is_shb {
        parse_sectionheaderblock(bytes).map(|(r, b)| (r, Block::SectionHeader(b)))
    } else if big_endian {
        parse_block_be(bytes)
    } else {
        parse_block_le(bytes)
    };
    let block = match parsed {
        Ok((_, block)) => block,
        Err(e) => {
            return Step::Fail(invalid(format!(
                "malformed {} block: {}",
                kind.name(),
                describe(&e)
            )))
        }
    };
    match block {
        Block::SectionHeader(shb) => {
            ng.section_ifaces.clear();
            ng.section_base = ng.total_ifaces;
            ng.section_pib_base = ng.total_pibs;
            on_event(Event::Section(Section {
                big_endian,
                hardware: option_str(&shb.options, OptionCode::ShbHardware),
                os: option_str(&shb.options, OptionCode::ShbOs),
                application: option_str(&shb.options, OptionCode::ShbUserAppl),
                comments: comments(&shb.options),
            }));
        }
        Block::InterfaceDescription(idb) => {
            let (ts_per_sec, offset_s) = match idb_time_options(&idb, big_endian) {
                Ok(t) => t,
                Err(detail) => return Step::Fail(invalid(detail)),
            };
            let mut iface = interface_of(&idb);
            iface.ts_per_sec = ts_per_sec;
            ng.section_ifaces.push(NgInterface {
                ts_per_sec,
                offset_s,
                snaplen: idb.snaplen,
            });
            ng.total_ifaces += 1;
            on_event(Event::Interface(iface));
        }
        Block::EnhancedPacket(epb) => {
            let Some(iface) = ng.section_ifaces.get(epb.if_id as usize) else {
                return Step::Fail(no_interface(epb.if_id, ng));
            };
            if epb.caplen as usize > epb.data.len() {
                return Step::Fail(invalid(format!(
                    "Enhanced Packet Block claims {} captured bytes but holds {}",
                    epb.caplen,
                    epb.data.len()
                )));
            }
            check_lengths(iface, epb.caplen, epb.origlen, offset, on_event);
            let ts = ((epb.ts_high as u64) << 32) | epb.ts_low as u64;
            on_event(Event::Packet(Record {
                ts_ns: ts_to_ns(ts, iface.ts_per_sec, iface.offset_s),
                // EPB body: type, length, if_id, ts_high, ts_low, caplen, origlen = 28 bytes.
                offset: offset + 28,
                caplen: epb.caplen,
                len: epb.origlen,
                iface: ng.section_base + epb.if_id,
                data: &epb.data[..epb.caplen as usize],
                comments: comments(&epb.options),
                options: packet_options(&epb.options, big_endian),
                process: pib_index(&epb.options, big_endian)
                    .filter(|&i| i < ng.total_pibs - ng.section_pib_base)
                    .map(|i| ng.section_pib_base + i),
            }));
        }
        Block::SimplePacket(spb) => {
            // pcapng §4.3: an SPB belongs to the first interface; its captured length is
            // the smaller of the original length and the interface's snap length.
            let Some(iface) = ng.section_ifaces.first() else {
                return Step::Fail(no_interface(0, ng));
            };
            let mut caplen = (spb.origlen as usize).min(spb.data.len());
            if iface.snaplen != 0 {
                caplen = caplen.min(iface.snaplen as usize);
            }
            on_event(Event::Packet(Record {
                ts_ns: 0,
                offset: offset + 12,
                caplen: caplen as u32,
                len: spb.origlen,
                iface: ng.section_base,
                data: &spb.data[..caplen],
                comments: Vec::new(),
                options: PacketOptions {
                    untimed: true,
                    ..PacketOptions::default()
                },
                process: None,
            }));
        }
        Block::NameResolution(nrb) => {
            let mut names = Vec::new();
            for rec in &nrb.nr {
                names.extend(name_record(rec.record_type.0, rec.record_value));
            }
            on_event(Event::Names(names));
        }
        Block::InterfaceStatistics(isb) => {
            let Some(iface) = ng.section_ifaces.get(isb.if_id as usize) else {
                return Step::Fail(no_interface(isb.if_id, ng));
            };
            let ts = ((isb.ts_high as u64) << 32) | isb.ts_low as u64;
            let counter = |code: OptionCode| {
                isb.options
                    .iter()
                    .find(|o| o.code == code && value(o).len() == 8)
                    .map(|o| read_u64(value(o), big_endian))
            };
            on_event(Event::Stats(IfStats {
                iface: ng.section_base + isb.if_id,
                ts_ns: ts_to_ns(ts, iface.ts_per_sec, iface.offset_s),
                received: counter(OptionCode::IsbIfRecv),
                dropped: counter(OptionCode::IsbIfDrop),
                filter_accepted: counter(OptionCode::IsbFilterAccept),
                os_dropped: counter(OptionCode::IsbOsDrop),
                delivered: counter(OptionCode::IsbUsrDeliv),
            }));
        }
        Block::DecryptionSecrets(dsb) => {
            on_event(Event::Secrets {
                kind: dsb.secrets_type.0,
                data: dsb.data.to_vec(),
            });
        }
        Block::ProcessInformation(pib) => {
            ng.total_pibs += 1;
            on_event(Event::Process(Process {
                pid: pib.process_id,
                name: option_str(&pib.options, OptionCode(2)),
            }));
        }
        // Custom blocks, systemd journal entries and unknown blocks
        // are skipped: their length is known, so the next block is found regardless.
        _ => {}
    }
    Step::Consumed(block_len)
}

fn no_interface(id: u32, ng: &NgState) -> SourceErrorKind {
    if ng.total_ifaces == 0 {
        invalid("the capture file has a packet block before any Interface Description Blocks")
    } else {
        invalid(format!(
            "a block refers to interface {id}, which this section never described"
        ))
    }
}

fn check_lengths(
    iface: &NgInterface,
    caplen: u32,
    origlen: u32,
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) {
    if iface.snaplen != 0 && caplen > iface.snaplen {
        on_event(Event::Anomaly {
            offset,
            message: format!(
                "captured length {caplen} is larger than the snapshot length {}",
                iface.snaplen
            ),
        });
    }
    if caplen > origlen {
        on_event(Event::Anomaly {
            offset,
            message: format!(
                "captured length {caplen} is larger than the original length {origlen}"
            ),
        });
    }
}

/// The obsolete Packet Block (pcapng appendix): like an EPB with a 16-bit interface id
/// and a drop counter; pcap-parser does not decode it.
fn packet_block(
    ng: &NgState,
    bytes: &[u8],
    offset: u64,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Step {
    let be = ng.big_endian;
    if bytes.len() < 32 {
        return Step::Fail(invalid(format!(
            "Packet Block is {} bytes, shorter than its 32-byte minimum",
            bytes.len()
        )));
    }
    let if_id = read_u16(&bytes[8..10], be) as u32;
    let Some(iface) = ng.section_ifaces.get(if_id as usize) else {
        return Step::Fail(no_interface(if_id, ng));
    };
    let ts = ((read_u32(&bytes[12..16], be) as u64) << 32) | read_u32(&bytes[16..20], be) as u64;
    let caplen = read_u32(&bytes[20..24], be);
    let origlen = read_u32(&bytes[24..28], be);
    let data_end = 28usize.saturating_add(caplen as usize);
    if data_end > bytes.len() - 4 {
        return Step::Fail(invalid(format!(
            "Packet Block claims {caplen} captured bytes but holds {}",
            bytes.len() - 32
        )));
    }
    check_lengths(iface, caplen, origlen, offset, on_event);
    let options =
        &bytes[(28 + (caplen as usize).div_ceil(4) * 4).min(bytes.len() - 4)..bytes.len() - 4];
    on_event(Event::Packet(Record {
        ts_ns: ts_to_ns(ts, iface.ts_per_sec, iface.offset_s),
        offset: offset + 28,
        caplen,
        len: origlen,
        iface: ng.section_base + if_id,
        data: &bytes[28..data_end],
        comments: raw_comments(options, be),
        options: PacketOptions::default(),
        process: None,
    }));
    Step::Consumed(bytes.len())
}

fn describe(e: &nom::Err<PcapError<&[u8]>>) -> String {
    match e {
        nom::Err::Incomplete(_) => "a field runs past the end of the block".to_owned(),
        nom::Err::Error(e) | nom::Err::Failure(e) => match e {
            PcapError::NomError(_, kind) => format!("{kind:?} while parsing its fields"),
            other => format!("{other:?}"),
        },
    }
}
