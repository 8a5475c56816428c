//! 802.11 captures (a Wi-Fi interface in monitor mode): the radiotap and PPI headers a
//! capture puts before each frame, the 802.11 MAC header, and a data frame's payload
//! handed to LLC as packet-ieee80211.c hands it (protected frames stay data); and FDDI,
//! whose frames carry LLC too. As packet-ieee80211-radiotap.c, packet-ppi.c,
//! packet-ieee80211.c and packet-fddi.c dissect them.

use super::link::Span;
use super::{linktype, Layer, Link, Proto, Walker};

/// The radiotap header's fixed part: version, pad, length, the first present word.
const RADIOTAP_MIN: usize = 8;
/// Radiotap's Flags field (present bit 1): the frame ends with a 4-byte FCS; padding
/// between the 802.11 header and the payload (to 32 bits).
const RADIOTAP_F_FCS: u8 = 0x10;
const RADIOTAP_F_DATAPAD: u8 = 0x20;
/// The PPI packet header: version, flags, length, DLT.
const PPI_MIN: usize = 8;
/// PPI's 802.11-common field, whose flags' bit 0 says an FCS ends the frame.
const PPI_80211_COMMON: u16 = 2;
const PPI_COMMON_FLAGS: usize = 8;
/// FDDI's header: frame control, destination, source.
pub(crate) const FDDI_LEN: usize = 13;

/// The 802.11 frame types (the FC's type bits).
pub mod frame_type {
    /// Management frames (beacons, probes, authentication …).
    pub const MGMT: u8 = 0;
    /// Control frames (ACK, RTS, CTS, block ack …).
    pub const CONTROL: u8 = 1;
    /// Data frames.
    pub const DATA: u8 = 2;
}

/// Little-endian reads; callers check the length first.
fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// What the radio header before an 802.11 frame says of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Radio {
    /// The radio header's length: the 802.11 frame starts there.
    pub len: usize,
    /// The frame ends with a 4-byte FCS.
    pub fcs: bool,
    /// The 802.11 header is padded to a multiple of 4 bytes (radiotap's DATAPAD).
    pub datapad: bool,
}

/// The radiotap header of `b`: its length, and its Flags field's FCS and DATAPAD bits.
/// None when the header is cut short or names a length shorter than itself.
pub fn radiotap(b: &[u8]) -> Option<Radio> {
    if b.len() < RADIOTAP_MIN {
        return None;
    }
    let len = le16(b, 2) as usize;
    // The present words: bit 31 of each says another follows.
    let mut at = 4;
    loop {
        let word = le32(b.get(..at + 4)?, at);
        at += 4;
        if word & 1 << 31 == 0 {
            break;
        }
    }
    if len < at {
        return None;
    }
    let first = le32(b, 4);
    // TSFT (bit 0, 8 bytes aligned to 8) comes before Flags (bit 1): the fields of the
    // first namespace follow the present words, aligned from the header's start.
    let mut field = at;
    if first & 1 != 0 {
        field = field.next_multiple_of(8) + 8;
    }
    let flags = (first & 2 != 0 && field < len)
        .then(|| b.get(field).copied())
        .flatten()
        .unwrap_or(0);
    Some(Radio {
        len,
        fcs: flags & RADIOTAP_F_FCS != 0,
        datapad: flags & RADIOTAP_F_DATAPAD != 0,
    })
}

/// The PPI header of `b`: its length, the DLT of the packet after it, and whether its
/// 802.11-common field says an FCS ends the frame. None when it is cut short.
pub fn ppi(b: &[u8]) -> Option<(Radio, u32)> {
    if b.len() < PPI_MIN {
        return None;
    }
    let len = le16(b, 2) as usize;
    let dlt = le32(b, 4);
    let aligned = b[1] & 1 != 0;
    let mut fcs = false;
    let mut at = PPI_MIN;
    while at + 4 <= len.min(b.len()) {
        let (kind, size) = (le16(b, at), le16(b, at + 2) as usize);
        let data = at + 4;
        if kind == PPI_80211_COMMON && data + PPI_COMMON_FLAGS + 2 <= b.len() {
            fcs = le16(b, data + PPI_COMMON_FLAGS) & 1 != 0;
        }
        at = data + size;
        if aligned {
            at = at.next_multiple_of(4);
        }
    }
    let radio = Radio {
        len,
        fcs,
        datapad: false,
    };
    Some((radio, dlt))
}

/// The radio header of an 802.11 frame of link type `lt` (radiotap, PPI carrying
/// 802.11, or none for plain 802.11, which Wireshark reads without an FCS).
pub fn radio_of(lt: u16, b: &[u8]) -> Option<Radio> {
    match lt {
        linktype::IEEE802_11 => Some(Radio::default()),
        linktype::IEEE802_11_RADIOTAP => radiotap(b),
        linktype::PPI => ppi(b)
            .filter(|(_, dlt)| *dlt == u32::from(linktype::IEEE802_11))
            .map(|(r, _)| r),
        _ => None,
    }
}

/// The length of an 802.11 MAC header of frame control `fc` (first byte, flags byte),
/// as packet-ieee80211.c's `find_header_length`: management 24, data 24 plus the
/// fourth address, QoS control and HT control where the flags say; control frames
/// their own. `None` for the extension type.
pub fn header_len(fc: u8, flags: u8) -> Option<usize> {
    const ORDER: u8 = 0x80;
    let (kind, subtype) = ((fc >> 2) & 3, fc >> 4);
    Some(match kind {
        frame_type::MGMT => 24 + if flags & ORDER != 0 { 4 } else { 0 },
        frame_type::CONTROL => match subtype {
            // Control Wrapper: address 1, the carried frame's FC, HT control.
            7 => 16,
            // CTS and ACK: address 1 only.
            12 | 13 => 10,
            // The others (BAR, BA, PS-Poll, RTS, CF-End …): two addresses.
            _ => 16,
        },
        frame_type::DATA => {
            let qos = subtype & 8 != 0;
            24 + if flags & 3 == 3 { 6 } else { 0 }
                + if qos { 2 } else { 0 }
                + if qos && flags & ORDER != 0 { 4 } else { 0 }
        }
        _ => return None,
    })
}

impl Walker<'_> {
    /// Radiotap, then the 802.11 frame (packet-ieee80211-radiotap.c adds the generic
    /// radio information, `wlan_radio`, before handing it on).
    pub(super) fn radiotap(&mut self, f: Span<'_>) {
        self.s.link = Link::Radiotap;
        self.push(Proto::Radiotap, f, RADIOTAP_MIN);
        let radio = radiotap(f.data).filter(|r| f.len() >= r.len);
        let Some(r) = radio else {
            // Cut within the radio header, or a bogus length: tshark still hands what is
            // left (nothing) to 802.11, whose first read stops the dissection.
            let rest = f.skip(f.len());
            self.push(Proto::WlanRadio, rest, 0);
            self.push(Proto::Wlan, rest, 0);
            let needed = radiotap(f.data).map_or(RADIOTAP_MIN, |r| r.len);
            return self.truncated(Layer::LinkHeader, 0, needed, f.len());
        };
        self.resize(Proto::Radiotap, r.len, f.known_len());
        let rest = f.skip(r.len);
        self.push(Proto::WlanRadio, rest, 0);
        self.ieee80211(rest, r.fcs, r.datapad);
    }

    /// PPI, then the packet of the DLT it names (802.11 with the radio information).
    pub(super) fn ppi(&mut self, f: Span<'_>) {
        self.s.link = Link::Ppi;
        self.push(Proto::Ppi, f, PPI_MIN);
        let Some((r, dlt)) = ppi(f.data) else {
            return self.truncated(Layer::LinkHeader, 0, PPI_MIN, f.len());
        };
        self.resize(Proto::Ppi, r.len, f.known_len());
        if f.len() < r.len || r.len < PPI_MIN {
            return self.truncated(Layer::LinkHeader, 0, r.len.max(PPI_MIN), f.len());
        }
        let rest = f.skip(r.len);
        match u16::try_from(dlt) {
            Ok(linktype::IEEE802_11) => {
                self.push(Proto::WlanRadio, rest, 0);
                self.ieee80211(rest, r.fcs, false);
            }
            // PPI in PPI is not followed (its length bounds nothing).
            Ok(lt) if lt != linktype::PPI => {
                self.link_span(lt, rest);
                self.s.link = Link::Ppi;
            }
            _ => self.data(rest),
        }
    }

    /// An 802.11 frame: the MAC header, and a data frame's body to LLC (a protected
    /// frame's body stays data: no keys). `fcs`: the frame's last 4 bytes are its FCS.
    pub(super) fn ieee80211(&mut self, f: Span<'_>, fcs: bool, datapad: bool) {
        const PROTECTED: u8 = 0x40;
        let f = if fcs {
            f.limit(f.known_len().saturating_sub(4))
        } else {
            f
        };
        self.push(Proto::Wlan, f, 2);
        if f.len() < 2 {
            return self.truncated(Layer::Wlan, f.offset, 2, f.len());
        }
        let (fc, flags) = (f.data[0], f.data[1]);
        let Some(header) = header_len(fc, flags) else {
            return;
        };
        let body_at = if datapad {
            header.next_multiple_of(4)
        } else {
            header
        };
        self.resize(Proto::Wlan, header, f.known_len());
        if f.len() < header {
            return self.truncated(Layer::Wlan, f.offset, header, f.len());
        }
        let (kind, subtype) = ((fc >> 2) & 3, fc >> 4);
        // Only data frames with data (not the "no data" subtypes) carry a payload on.
        if kind != frame_type::DATA || subtype & 4 != 0 {
            return;
        }
        let body = f.skip(body_at);
        // QoS data: the QoS control after the addresses says whether the body is an
        // A-MSDU (its subframes are not read).
        let qos_at = 24 + if flags & 3 == 3 { 6 } else { 0 };
        let amsdu = subtype & 8 != 0 && f.data[qos_at] & 0x80 != 0;
        if flags & PROTECTED != 0 {
            return self.protected(body);
        }
        if amsdu {
            return self.data(body);
        }
        if body.data.starts_with(&[0xff, 0xff]) {
            return self.push(Proto::Ipx, body, 0);
        }
        if !body.is_empty() {
            self.llc(body);
        }
    }

    /// A protected frame's body: its security header (TKIP's or CCMP's 8 bytes where
    /// the Extended IV bit is set, else WEP's 4-byte IV and a 4-byte ICV at the end)
    /// around the encrypted data, as packet-ieee80211.c cuts it with no keys.
    fn protected(&mut self, body: Span<'_>) {
        const EXT_IV: u8 = 0x20;
        let Some(&key_id) = body.data.get(3) else {
            return self.data(body);
        };
        let data = if key_id & EXT_IV != 0 {
            body.skip(8)
        } else {
            let rest = body.skip(4);
            rest.limit(rest.known_len().saturating_sub(4))
        };
        self.data(data);
    }

    /// FDDI (bit-swapped addresses, as libpcap writes it): frame control, destination,
    /// source, then LLC.
    pub(super) fn fddi(&mut self, f: Span<'_>) {
        self.s.link = Link::Fddi;
        self.push(Proto::Fddi, f, FDDI_LEN);
        if f.len() < FDDI_LEN {
            return self.truncated(Layer::LinkHeader, 0, FDDI_LEN, f.len());
        }
        // Frame control 0x50-0x57 and 0xd0-0xd7 (asynchronous and synchronous LLC)
        // carry LLC; the rest (SMT, MAC frames, tokens) nothing we read.
        let rest = f.skip(FDDI_LEN);
        if f.data[0] & 0x78 == 0x50 && !rest.is_empty() {
            self.llc(rest);
        } else {
            self.data(rest);
        }
    }
}

#[cfg(test)]
mod test {
    use super::super::testutil::hex;
    use super::super::*;
    use super::{header_len, radio_of};

    /// A DNS query in a QoS data frame (To DS) after a radiotap header whose flags say
    /// an FCS ends it: Zeek's testing/btest/Traces/radiotap.pcap, frame 1.
    const RADIOTAP_DNS: [&str; 4] = [
        "000030006b081c00e1615656000000001000a4154001b6a3014e349740010100a4156c221f010700010000",
        "000000000088012c008a15149b5ae090724097b6f5442b03aaab8d10000600aaaa0300000008004500003fd6",
        "8d00004011aea2ac119c4cd043dcdcf12a0035002bc5dfa72f01000001000000000000076361707469766505",
        "6170706c6503636f6d00000100010312c6a7",
    ];

    /// An ACK after a PPI header whose 802.11-common field says an FCS ends the frame:
    /// libpcap's testprogs/BPF/http_PPI.pcap, frame 2.
    const PPI_ACK: [&str; 1] =
        ["000020006900000002001400967ecdf300000000010030007609c0000000bfa0d40000000014a5cb6e1ac25943c1"];

    #[test]
    fn radiotap_data_reaches_ip_through_llc() {
        let f = hex(&RADIOTAP_DNS);
        let s = dissect(linktype::IEEE802_11_RADIOTAP, &f);
        assert_eq!(s.stack.to_string(), "radiotap:wlan_radio:wlan:llc:ip:udp");
        assert_eq!(s.link, Link::Radiotap);
        assert!(matches!(s.transport, Transport::Udp { dst_port: 53, .. }));
        assert_eq!(
            radio_of(linktype::IEEE802_11_RADIOTAP, &f).map(|r| (r.len, r.fcs)),
            Some((48, true))
        );
        // The UDP length ends where the FCS starts.
        assert!(matches!(
            s.transport,
            Transport::Udp {
                payload_len: 35,
                ..
            }
        ));
        // The same frame without its radio header, as link type 105 (no FCS assumed).
        let s = dissect(linktype::IEEE802_11, &f[48..]);
        assert_eq!(s.stack.to_string(), "wlan:llc:ip:udp");
    }

    #[test]
    fn ppi_names_the_fcs_and_a_control_frame_carries_nothing() {
        let f = hex(&PPI_ACK);
        let r = radio_of(linktype::PPI, &f).expect("PPI header");
        assert_eq!((r.len, r.fcs), (32, true));
        let s = dissect(linktype::PPI, &f);
        assert_eq!(s.stack.to_string(), "ppi:wlan_radio:wlan");
        assert!(s.stop.is_none());
    }

    #[test]
    fn header_lengths_follow_the_frame_control() {
        // Beacon 24, +HTC 28; ACK 10, RTS 16; data 24, WDS 30, QoS WDS with HTC 36.
        assert_eq!(header_len(0x80, 0), Some(24));
        assert_eq!(header_len(0x80, 0x80), Some(28));
        assert_eq!(header_len(0xd4, 0), Some(10));
        assert_eq!(header_len(0xb4, 0), Some(16));
        assert_eq!(header_len(0x08, 0x01), Some(24));
        assert_eq!(header_len(0x08, 0x03), Some(30));
        assert_eq!(header_len(0x88, 0x83), Some(36));
        assert_eq!(header_len(0x0c, 0), None);
    }

    #[test]
    fn every_prefix_of_a_frame_dissects_without_panic() {
        for (lt, f) in [
            (linktype::IEEE802_11_RADIOTAP, hex(&RADIOTAP_DNS)),
            (linktype::PPI, hex(&PPI_ACK)),
            (linktype::IEEE802_11, hex(&RADIOTAP_DNS)[48..].to_vec()),
            (linktype::FDDI, hex(&RADIOTAP_DNS)[35..].to_vec()),
        ] {
            for n in 0..=f.len() {
                dissect(lt, &f[..n]);
            }
        }
    }
}
