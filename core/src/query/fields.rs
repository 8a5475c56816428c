//! The field registry and per-packet field extraction.
//!
//! Every field has Wireshark's name and type (as `tshark -G fields` lists them), so a
//! user's display filters and `-e` columns carry over. Where Wireshark has no field for
//! something Wirelens knows, the name is under `wl.`.
//!
//! Extraction answers from the packet index when it can (frame numbers, times, lengths,
//! stream numbers, and the addresses and ports of packets that belong to a TCP or UDP
//! conversation) and otherwise asks a [`PacketSource`] for the packet's bytes, dissects
//! them again with the one dissector ([`wire::dissect_layers`]) and reads the fields at
//! the layer offsets it records. Fields of application protocols come from a [`FieldProvider`]
//! that the app-layer parsers plug in; until then they are declared (filters on them
//! compile) and have no values.

use crate::capture::flow::L4;
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::Capture;
use crate::ingest::wire::{self, LayerSpan, Layers, Proto};
use crate::query::pdu::{self, Collector};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// A field's type, named as Wireshark names them (`FT_UINT16` …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub enum FieldType {
    /// No value: the field is there or not (`tcp.analysis.retransmission`).
    None,
    /// A protocol: there or not, and its bytes (`tcp`, `frame contains "GET"`).
    Protocol,
    Boolean,
    Uint8,
    Uint16,
    Uint24,
    Uint32,
    Uint64,
    Int32,
    Int64,
    /// A frame number.
    Framenum,
    /// Seconds and nanoseconds since the epoch.
    AbsoluteTime,
    /// A duration in seconds.
    RelativeTime,
    /// A MAC address.
    Ether,
    Ipv4,
    Ipv6,
    String,
    Bytes,
    Double,
}

impl FieldType {
    /// Wireshark's name of the type (`FT_UINT16`).
    pub fn wireshark_name(self) -> &'static str {
        match self {
            FieldType::None => "FT_NONE",
            FieldType::Protocol => "FT_PROTOCOL",
            FieldType::Boolean => "FT_BOOLEAN",
            FieldType::Uint8 => "FT_UINT8",
            FieldType::Uint16 => "FT_UINT16",
            FieldType::Uint24 => "FT_UINT24",
            FieldType::Uint32 => "FT_UINT32",
            FieldType::Uint64 => "FT_UINT64",
            FieldType::Int32 => "FT_INT32",
            FieldType::Int64 => "FT_INT64",
            FieldType::Framenum => "FT_FRAMENUM",
            FieldType::AbsoluteTime => "FT_ABSOLUTE_TIME",
            FieldType::RelativeTime => "FT_RELATIVE_TIME",
            FieldType::Ether => "FT_ETHER",
            FieldType::Ipv4 => "FT_IPv4",
            FieldType::Ipv6 => "FT_IPv6",
            FieldType::String => "FT_STRING",
            FieldType::Bytes => "FT_BYTES",
            FieldType::Double => "FT_DOUBLE",
        }
    }

    /// A short name for messages (`UINT16`, `IPv4`).
    pub fn short_name(self) -> &'static str {
        &self.wireshark_name()[3..]
    }

    /// Integer-valued types (booleans and frame numbers included).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            FieldType::Boolean
                | FieldType::Uint8
                | FieldType::Uint16
                | FieldType::Uint24
                | FieldType::Uint32
                | FieldType::Uint64
                | FieldType::Int32
                | FieldType::Int64
                | FieldType::Framenum
        )
    }

    /// Types whose values are a sequence of bytes that slices and `contains` work on.
    pub fn is_bytes_like(self) -> bool {
        matches!(
            self,
            FieldType::Protocol
                | FieldType::Bytes
                | FieldType::String
                | FieldType::Ether
                | FieldType::Ipv4
                | FieldType::Ipv6
        )
    }

    /// The largest value an unsigned type holds.
    pub fn max_uint(self) -> u64 {
        match self {
            FieldType::Boolean => 1,
            FieldType::Uint8 => u8::MAX as u64,
            FieldType::Uint16 => u16::MAX as u64,
            FieldType::Uint24 => 0xff_ffff,
            FieldType::Uint32 | FieldType::Framenum => u32::MAX as u64,
            _ => u64::MAX,
        }
    }
}

/// How integers of a field are shown (Wireshark's `BASE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Base {
    /// Decimal.
    Dec,
    /// Hexadecimal, `0x` and zero-padded to the type's width.
    Hex,
    /// Not an integer.
    None,
}

/// Whether Wirelens fills a field yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Extracted from every packet that has it.
    Extracted,
    /// Declared so that filters on it compile; it has no values until the parser that
    /// produces it lands (app-layer fields), or a [`FieldProvider`] supplies them.
    NotYetExtracted,
}

/// Where a field's name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Wireshark has a field of this name and type.
    Wireshark,
    /// Wirelens's own (Wireshark has none).
    Wirelens,
}

/// One field of the registry.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FieldDef {
    /// The field's id.
    #[serde(skip)]
    pub id: Fid,
    /// Wireshark's name, `ip.src`.
    pub name: &'static str,
    /// Type.
    #[serde(rename = "type", serialize_with = "ser_type")]
    pub ty: FieldType,
    /// How integers are shown.
    #[serde(skip)]
    pub base: Base,
    /// Extracted or declared only.
    pub status: Status,
    /// Wireshark's field or Wirelens's own.
    pub origin: Origin,
    /// What it is (Wireshark's label).
    pub description: &'static str,
}

fn ser_type<S: serde::Serializer>(t: &FieldType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t.wireshark_name())
}

macro_rules! registry {
    ($( $id:ident = $name:literal, $ty:ident, $base:ident, $status:ident, $origin:ident, $desc:literal; )*) => {
        /// Field ids: one per entry of [`FIELDS`], in the same order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs, non_camel_case_types)]
        pub enum Fid { $($id),* }

        /// Every field Wirelens knows, grouped by protocol.
        pub static FIELDS: &[FieldDef] = &[
            $( FieldDef {
                id: Fid::$id,
                name: $name,
                ty: FieldType::$ty,
                base: Base::$base,
                status: Status::$status,
                origin: Origin::$origin,
                description: $desc,
            } ),*
        ];
    };
}

registry! {
    Frame = "frame", Protocol, None, Extracted, Wireshark, "Frame";
    FrameNumber = "frame.number", Uint32, Dec, Extracted, Wireshark, "Frame Number";
    FrameTime = "frame.time", AbsoluteTime, None, Extracted, Wireshark, "Arrival Time";
    FrameTimeEpoch = "frame.time_epoch", RelativeTime, None, Extracted, Wireshark, "Epoch Time";
    FrameTimeRelative = "frame.time_relative", RelativeTime, None, Extracted, Wireshark, "Time since reference or first frame";
    FrameTimeDelta = "frame.time_delta", RelativeTime, None, Extracted, Wireshark, "Time delta from previous captured frame";
    FrameLen = "frame.len", Uint32, Dec, Extracted, Wireshark, "Frame length on the wire";
    FrameCapLen = "frame.cap_len", Uint32, Dec, Extracted, Wireshark, "Frame length stored into the capture file";
    FrameInterfaceId = "frame.interface_id", Uint32, Dec, Extracted, Wireshark, "Interface id";
    FrameComment = "frame.comment", String, None, Extracted, Wireshark, "Comment";
    FrameProtocols = "frame.protocols", String, None, Extracted, Wireshark, "Protocols in frame";

    Eth = "eth", Protocol, None, Extracted, Wireshark, "Ethernet";
    EthDst = "eth.dst", Ether, None, Extracted, Wireshark, "Destination";
    EthSrc = "eth.src", Ether, None, Extracted, Wireshark, "Source";
    EthAddr = "eth.addr", Ether, None, Extracted, Wireshark, "Address";
    EthType = "eth.type", Uint16, Hex, Extracted, Wireshark, "Type";

    Vlan = "vlan", Protocol, None, Extracted, Wireshark, "802.1Q Virtual LAN";
    VlanPriority = "vlan.priority", Uint16, Dec, Extracted, Wireshark, "Priority";
    VlanId = "vlan.id", Uint16, Dec, Extracted, Wireshark, "ID";
    VlanEtype = "vlan.etype", Uint16, Hex, Extracted, Wireshark, "Type";

    Sll = "sll", Protocol, None, Extracted, Wireshark, "Linux cooked capture";

    Arp = "arp", Protocol, None, Extracted, Wireshark, "Address Resolution Protocol";
    ArpHwType = "arp.hw.type", Uint16, Dec, Extracted, Wireshark, "Hardware type";
    ArpProtoType = "arp.proto.type", Uint16, Hex, Extracted, Wireshark, "Protocol type";
    ArpHwSize = "arp.hw.size", Uint8, Dec, Extracted, Wireshark, "Hardware size";
    ArpProtoSize = "arp.proto.size", Uint8, Dec, Extracted, Wireshark, "Protocol size";
    ArpOpcode = "arp.opcode", Uint16, Dec, Extracted, Wireshark, "Opcode";
    ArpSrcHwMac = "arp.src.hw_mac", Ether, None, Extracted, Wireshark, "Sender MAC address";
    ArpSrcProtoIpv4 = "arp.src.proto_ipv4", Ipv4, None, Extracted, Wireshark, "Sender IP address";
    ArpDstHwMac = "arp.dst.hw_mac", Ether, None, Extracted, Wireshark, "Target MAC address";
    ArpDstProtoIpv4 = "arp.dst.proto_ipv4", Ipv4, None, Extracted, Wireshark, "Target IP address";

    Ip = "ip", Protocol, None, Extracted, Wireshark, "Internet Protocol Version 4";
    IpVersion = "ip.version", Uint8, Dec, Extracted, Wireshark, "Version";
    IpHdrLen = "ip.hdr_len", Uint8, Dec, Extracted, Wireshark, "Header Length";
    IpDsfield = "ip.dsfield", Uint8, Hex, Extracted, Wireshark, "Differentiated Services Field";
    IpLen = "ip.len", Uint16, Dec, Extracted, Wireshark, "Total Length";
    IpId = "ip.id", Uint16, Hex, Extracted, Wireshark, "Identification";
    IpFlags = "ip.flags", Uint8, Hex, Extracted, Wireshark, "Flags";
    IpFlagsRb = "ip.flags.rb", Boolean, None, Extracted, Wireshark, "Reserved bit";
    IpFlagsDf = "ip.flags.df", Boolean, None, Extracted, Wireshark, "Don't fragment";
    IpFlagsMf = "ip.flags.mf", Boolean, None, Extracted, Wireshark, "More fragments";
    IpFragOffset = "ip.frag_offset", Uint16, Dec, Extracted, Wireshark, "Fragment Offset";
    IpTtl = "ip.ttl", Uint8, Dec, Extracted, Wireshark, "Time to Live";
    IpProto = "ip.proto", Uint8, Dec, Extracted, Wireshark, "Protocol";
    IpChecksum = "ip.checksum", Uint16, Hex, Extracted, Wireshark, "Header Checksum";
    IpSrc = "ip.src", Ipv4, None, Extracted, Wireshark, "Source Address";
    IpDst = "ip.dst", Ipv4, None, Extracted, Wireshark, "Destination Address";
    IpAddr = "ip.addr", Ipv4, None, Extracted, Wireshark, "Source or Destination Address";

    Ipv6 = "ipv6", Protocol, None, Extracted, Wireshark, "Internet Protocol Version 6";
    Ipv6Version = "ipv6.version", Uint8, Dec, Extracted, Wireshark, "Version";
    Ipv6Tclass = "ipv6.tclass", Uint32, Hex, Extracted, Wireshark, "Traffic Class";
    Ipv6Flow = "ipv6.flow", Uint24, Hex, Extracted, Wireshark, "Flow Label";
    Ipv6Plen = "ipv6.plen", Uint16, Dec, Extracted, Wireshark, "Payload Length";
    Ipv6Nxt = "ipv6.nxt", Uint8, Dec, Extracted, Wireshark, "Next Header";
    Ipv6Hlim = "ipv6.hlim", Uint8, Dec, Extracted, Wireshark, "Hop Limit";
    Ipv6Src = "ipv6.src", Ipv6, None, Extracted, Wireshark, "Source Address";
    Ipv6Dst = "ipv6.dst", Ipv6, None, Extracted, Wireshark, "Destination Address";
    Ipv6Addr = "ipv6.addr", Ipv6, None, Extracted, Wireshark, "Source or Destination Address";

    Tcp = "tcp", Protocol, None, Extracted, Wireshark, "Transmission Control Protocol";
    TcpSrcport = "tcp.srcport", Uint16, Dec, Extracted, Wireshark, "Source Port";
    TcpDstport = "tcp.dstport", Uint16, Dec, Extracted, Wireshark, "Destination Port";
    TcpPort = "tcp.port", Uint16, Dec, Extracted, Wireshark, "Source or Destination Port";
    TcpStream = "tcp.stream", Uint32, Dec, Extracted, Wireshark, "Stream index";
    TcpLen = "tcp.len", Uint32, Dec, Extracted, Wireshark, "TCP Segment Len";
    TcpSeq = "tcp.seq", Uint32, Dec, Extracted, Wireshark, "Sequence Number (relative to the first segment each way)";
    TcpSeqRaw = "tcp.seq_raw", Uint32, Dec, Extracted, Wireshark, "Sequence Number (raw)";
    TcpAck = "tcp.ack", Uint32, Dec, Extracted, Wireshark, "Acknowledgment Number (relative)";
    TcpAckRaw = "tcp.ack_raw", Uint32, Dec, Extracted, Wireshark, "Acknowledgment number (raw)";
    TcpHdrLen = "tcp.hdr_len", Uint8, Dec, Extracted, Wireshark, "Header Length";
    TcpFlags = "tcp.flags", Uint16, Hex, Extracted, Wireshark, "Flags";
    TcpFlagsRes = "tcp.flags.res", Boolean, None, Extracted, Wireshark, "Reserved";
    TcpFlagsAe = "tcp.flags.ae", Boolean, None, Extracted, Wireshark, "Accurate ECN";
    TcpFlagsCwr = "tcp.flags.cwr", Boolean, None, Extracted, Wireshark, "Congestion Window Reduced";
    TcpFlagsEce = "tcp.flags.ece", Boolean, None, Extracted, Wireshark, "ECN-Echo";
    TcpFlagsUrg = "tcp.flags.urg", Boolean, None, Extracted, Wireshark, "Urgent";
    TcpFlagsAck = "tcp.flags.ack", Boolean, None, Extracted, Wireshark, "Acknowledgment";
    TcpFlagsPush = "tcp.flags.push", Boolean, None, Extracted, Wireshark, "Push";
    TcpFlagsReset = "tcp.flags.reset", Boolean, None, Extracted, Wireshark, "Reset";
    TcpFlagsSyn = "tcp.flags.syn", Boolean, None, Extracted, Wireshark, "Syn";
    TcpFlagsFin = "tcp.flags.fin", Boolean, None, Extracted, Wireshark, "Fin";
    TcpWindowSizeValue = "tcp.window_size_value", Uint16, Dec, Extracted, Wireshark, "Window";
    TcpWindowSize = "tcp.window_size", Uint32, Dec, Extracted, Wireshark, "Calculated window size";
    TcpWindowSizeScalefactor = "tcp.window_size_scalefactor", Int32, Dec, Extracted, Wireshark, "Window size scaling factor";
    TcpChecksum = "tcp.checksum", Uint16, Hex, Extracted, Wireshark, "Checksum";
    TcpUrgentPointer = "tcp.urgent_pointer", Uint16, Dec, Extracted, Wireshark, "Urgent Pointer";
    TcpOptionsMssVal = "tcp.options.mss_val", Uint16, Dec, Extracted, Wireshark, "MSS Value";
    TcpOptionsWscaleShift = "tcp.options.wscale.shift", Uint8, Dec, Extracted, Wireshark, "Shift count";
    TcpOptionsWscaleMultiplier = "tcp.options.wscale.multiplier", Uint16, Dec, Extracted, Wireshark, "Multiplier";
    TcpOptionsTsval = "tcp.options.timestamp.tsval", Uint32, Dec, Extracted, Wireshark, "Timestamp value";
    TcpOptionsTsecr = "tcp.options.timestamp.tsecr", Uint32, Dec, Extracted, Wireshark, "Timestamp echo reply";
    TcpPayload = "tcp.payload", Bytes, None, Extracted, Wireshark, "TCP payload";
    TcpTimeRelative = "tcp.time_relative", RelativeTime, None, Extracted, Wireshark, "Time since first frame in this TCP stream";
    TcpTimeDelta = "tcp.time_delta", RelativeTime, None, Extracted, Wireshark, "Time since previous frame in this TCP stream";
    TcpAnalysisFlags = "tcp.analysis.flags", None, None, Extracted, Wireshark, "TCP Analysis Flags";
    TcpAnalysisRetransmission = "tcp.analysis.retransmission", None, None, Extracted, Wireshark, "This frame is a (suspected) retransmission";
    TcpAnalysisFastRetransmission = "tcp.analysis.fast_retransmission", None, None, Extracted, Wireshark, "This frame is a (suspected) fast retransmission";
    TcpAnalysisSpuriousRetransmission = "tcp.analysis.spurious_retransmission", None, None, Extracted, Wireshark, "This frame is a (suspected) spurious retransmission";
    TcpAnalysisOutOfOrder = "tcp.analysis.out_of_order", None, None, Extracted, Wireshark, "This frame is a (suspected) out-of-order segment";
    TcpAnalysisReusedPorts = "tcp.analysis.reused_ports", None, None, Extracted, Wireshark, "A new tcp session is started with the same ports as an earlier session in this trace";
    TcpAnalysisLostSegment = "tcp.analysis.lost_segment", None, None, Extracted, Wireshark, "Previous segment(s) not captured (common at capture start)";
    TcpAnalysisAckLostSegment = "tcp.analysis.ack_lost_segment", None, None, Extracted, Wireshark, "ACKed segment that wasn't captured (common at capture start)";
    TcpAnalysisWindowUpdate = "tcp.analysis.window_update", None, None, Extracted, Wireshark, "TCP window update";
    TcpAnalysisWindowFull = "tcp.analysis.window_full", None, None, Extracted, Wireshark, "TCP window specified by the receiver is now completely full";
    TcpAnalysisKeepAlive = "tcp.analysis.keep_alive", None, None, Extracted, Wireshark, "TCP keep-alive segment";
    TcpAnalysisKeepAliveAck = "tcp.analysis.keep_alive_ack", None, None, Extracted, Wireshark, "ACK to a TCP keep-alive segment";
    TcpAnalysisDuplicateAck = "tcp.analysis.duplicate_ack", None, None, Extracted, Wireshark, "Duplicate ACK";
    TcpAnalysisDuplicateAckNum = "tcp.analysis.duplicate_ack_num", Uint32, Dec, Extracted, Wireshark, "Duplicate ACK #";
    TcpAnalysisDuplicateAckFrame = "tcp.analysis.duplicate_ack_frame", Framenum, Dec, Extracted, Wireshark, "Duplicate to the ACK in frame";
    TcpAnalysisZeroWindowProbe = "tcp.analysis.zero_window_probe", None, None, Extracted, Wireshark, "TCP Zero Window Probe";
    TcpAnalysisZeroWindow = "tcp.analysis.zero_window", None, None, Extracted, Wireshark, "TCP Zero Window segment";
    TcpAnalysisZeroWindowProbeAck = "tcp.analysis.zero_window_probe_ack", None, None, Extracted, Wireshark, "ACK to a TCP Zero Window Probe";
    TcpAnalysisInitialRtt = "tcp.analysis.initial_rtt", RelativeTime, None, Extracted, Wireshark, "iRTT";
    TcpAnalysisAckRtt = "tcp.analysis.ack_rtt", RelativeTime, None, Extracted, Wireshark, "The RTT to ACK the segment was";
    TcpAnalysisAcksFrame = "tcp.analysis.acks_frame", Framenum, Dec, Extracted, Wireshark, "This is an ACK to the segment in frame";
    TcpAnalysisBytesInFlight = "tcp.analysis.bytes_in_flight", Uint32, Dec, Extracted, Wireshark, "Bytes in flight";

    Udp = "udp", Protocol, None, Extracted, Wireshark, "User Datagram Protocol";
    UdpSrcport = "udp.srcport", Uint16, Dec, Extracted, Wireshark, "Source Port";
    UdpDstport = "udp.dstport", Uint16, Dec, Extracted, Wireshark, "Destination Port";
    UdpPort = "udp.port", Uint16, Dec, Extracted, Wireshark, "Source or Destination Port";
    UdpLength = "udp.length", Uint16, Dec, Extracted, Wireshark, "Length";
    UdpChecksum = "udp.checksum", Uint16, Hex, Extracted, Wireshark, "Checksum";
    UdpStream = "udp.stream", Uint32, Dec, Extracted, Wireshark, "Stream index";
    UdpPayload = "udp.payload", Bytes, None, Extracted, Wireshark, "Payload";

    Icmp = "icmp", Protocol, None, Extracted, Wireshark, "Internet Control Message Protocol";
    IcmpType = "icmp.type", Uint8, Dec, Extracted, Wireshark, "Type";
    IcmpCode = "icmp.code", Uint8, Dec, Extracted, Wireshark, "Code";
    IcmpChecksum = "icmp.checksum", Uint16, Hex, Extracted, Wireshark, "Checksum";
    IcmpIdent = "icmp.ident", Uint16, Dec, Extracted, Wireshark, "Identifier (BE)";
    IcmpSeq = "icmp.seq", Uint16, Dec, Extracted, Wireshark, "Sequence Number (BE)";
    Icmpv6 = "icmpv6", Protocol, None, Extracted, Wireshark, "Internet Control Message Protocol v6";
    Icmpv6Type = "icmpv6.type", Uint8, Dec, Extracted, Wireshark, "Type";
    Icmpv6Code = "icmpv6.code", Uint8, Dec, Extracted, Wireshark, "Code";
    Icmpv6Checksum = "icmpv6.checksum", Uint16, Hex, Extracted, Wireshark, "Checksum";

    Http = "http", Protocol, None, Extracted, Wireshark, "Hypertext Transfer Protocol";
    HttpRequest = "http.request", Boolean, None, Extracted, Wireshark, "Request";
    HttpResponse = "http.response", Boolean, None, Extracted, Wireshark, "Response";
    HttpRequestMethod = "http.request.method", String, None, Extracted, Wireshark, "Request Method";
    HttpRequestUri = "http.request.uri", String, None, Extracted, Wireshark, "Request URI";
    HttpRequestVersion = "http.request.version", String, None, Extracted, Wireshark, "Request Version";
    HttpRequestFullUri = "http.request.full_uri", String, None, Extracted, Wireshark, "Full request URI";
    HttpRequestLine = "http.request.line", String, None, Extracted, Wireshark, "Request line";
    HttpResponseCode = "http.response.code", Uint16, Dec, Extracted, Wireshark, "Status Code";
    HttpResponsePhrase = "http.response.phrase", String, None, Extracted, Wireshark, "Response Phrase";
    HttpResponseLine = "http.response.line", String, None, Extracted, Wireshark, "Response line";
    HttpHost = "http.host", String, None, Extracted, Wireshark, "Host";
    HttpUserAgent = "http.user_agent", String, None, Extracted, Wireshark, "User-Agent";
    HttpContentType = "http.content_type", String, None, Extracted, Wireshark, "Content-Type";
    HttpContentLength = "http.content_length", Uint64, Dec, Extracted, Wireshark, "Content length";
    HttpTransferEncoding = "http.transfer_encoding", String, None, Extracted, Wireshark, "Transfer-Encoding";
    HttpConnection = "http.connection", String, None, Extracted, Wireshark, "Connection";
    HttpServer = "http.server", String, None, Extracted, Wireshark, "Server";
    HttpLocation = "http.location", String, None, Extracted, Wireshark, "Location";
    HttpCookie = "http.cookie", String, None, Extracted, Wireshark, "Cookie";
    HttpTime = "http.time", RelativeTime, None, Extracted, Wireshark, "Time since request";
    HttpRequestIn = "http.request_in", Framenum, Dec, Extracted, Wireshark, "Request in frame";
    HttpResponseIn = "http.response_in", Framenum, Dec, NotYetExtracted, Wireshark, "Response in frame";
    HttpFileData = "http.file_data", String, None, NotYetExtracted, Wireshark, "File Data";

    Memcache = "memcache", Protocol, None, Extracted, Wireshark, "Memcache Protocol";
    MemcacheMagic = "memcache.magic", Uint8, Dec, Extracted, Wireshark, "Magic";
    MemcacheOpcode = "memcache.opcode", Uint8, Dec, Extracted, Wireshark, "Opcode";
    MemcacheExtrasLength = "memcache.extras.length", Uint8, Dec, Extracted, Wireshark, "Extras length";
    MemcacheKeyLength = "memcache.key.length", Uint16, Dec, Extracted, Wireshark, "Key Length";
    MemcacheValueLength = "memcache.value.length", Uint32, Dec, Extracted, Wireshark, "Value length";
    MemcacheDataType = "memcache.data_type", Uint8, Dec, Extracted, Wireshark, "Data type";
    MemcacheReserved = "memcache.reserved", Uint16, Dec, Extracted, Wireshark, "Reserved";
    MemcacheStatus = "memcache.status", Uint16, Dec, Extracted, Wireshark, "Status";
    MemcacheTotalBodyLength = "memcache.total_body_length", Uint32, Dec, Extracted, Wireshark, "Total body length";
    MemcacheOpaque = "memcache.opaque", Uint32, Dec, Extracted, Wireshark, "Opaque";
    MemcacheCas = "memcache.cas", Uint64, Dec, Extracted, Wireshark, "CAS";
    MemcacheExtras = "memcache.extras", None, None, Extracted, Wireshark, "Extras";
    MemcacheExtrasFlags = "memcache.extras.flags", Uint32, Hex, Extracted, Wireshark, "Flags";
    MemcacheExtrasExpiration = "memcache.extras.expiration", Uint32, Dec, Extracted, Wireshark, "Expiration";
    MemcacheExtrasDelta = "memcache.extras.delta", Uint64, Dec, Extracted, Wireshark, "Amount to add";
    MemcacheExtrasInitial = "memcache.extras.initial", Uint64, Dec, Extracted, Wireshark, "Initial value";
    MemcacheExtrasUnknown = "memcache.extras.unknown", Bytes, None, Extracted, Wireshark, "Unknown";
    MemcacheExtrasResponse = "memcache.extras.response", Uint64, Dec, Extracted, Wireshark, "Response";
    MemcacheKey = "memcache.key", String, None, Extracted, Wireshark, "Key";
    MemcacheValue = "memcache.value", String, None, Extracted, Wireshark, "Value";
    MemcacheCommand = "memcache.command", String, None, Extracted, Wireshark, "Command";
    MemcacheSubcommand = "memcache.subcommand", String, None, Extracted, Wireshark, "Sub command";
    MemcacheFlags = "memcache.flags", Uint16, Dec, Extracted, Wireshark, "Flags";
    MemcacheExpiration = "memcache.expiration", Uint32, Dec, Extracted, Wireshark, "Expiration";
    MemcacheNoreply = "memcache.noreply", String, None, Extracted, Wireshark, "Noreply";
    MemcacheResponse = "memcache.response", String, None, Extracted, Wireshark, "Response";
    MemcacheVersion = "memcache.version", String, None, Extracted, Wireshark, "Version";
    MemcacheSlabclass = "memcache.slabclass", Uint32, Dec, Extracted, Wireshark, "Slab class";
    MemcacheName = "memcache.name", String, None, Extracted, Wireshark, "Stat name";
    MemcacheNameValue = "memcache.name_value", String, None, Extracted, Wireshark, "Stat value";

    Mysql = "mysql", Protocol, None, Extracted, Wireshark, "MySQL Protocol";
    MysqlCommand = "mysql.command", Uint8, Dec, Extracted, Wireshark, "Command";
    MysqlQuery = "mysql.query", String, None, Extracted, Wireshark, "Statement";
    MysqlUser = "mysql.user", String, None, Extracted, Wireshark, "Username";
    MysqlSchema = "mysql.schema", String, None, Extracted, Wireshark, "Schema";
    MysqlResponseCode = "mysql.response_code", Uint8, Hex, Extracted, Wireshark, "Response Code";
    MysqlErrorCode = "mysql.error_code", Uint16, Dec, Extracted, Wireshark, "Error Code";
    MysqlErrorMessage = "mysql.error.message", String, None, Extracted, Wireshark, "Error message";
    MysqlAffectedRows = "mysql.affected_rows", Uint64, Dec, Extracted, Wireshark, "Affected Rows";
    MysqlStmtId = "mysql.stmt_id", Uint32, Dec, Extracted, Wireshark, "Statement ID";
    MysqlNumRows = "mysql.num_rows", Uint32, Dec, NotYetExtracted, Wireshark, "Rows to fetch";

    Resp = "resp", Protocol, None, Extracted, Wireshark, "Redis Serialization Protocol";
    RespString = "resp.string", String, None, Extracted, Wireshark, "String";
    RespError = "resp.error", String, None, Extracted, Wireshark, "Error";
    RespBulkString = "resp.bulk_string", None, None, Extracted, Wireshark, "Bulk String";
    RespBulkStringValue = "resp.bulk_string.value", Bytes, None, Extracted, Wireshark, "Value";
    RespBulkStringLength = "resp.bulk_string.length", Int32, Dec, Extracted, Wireshark, "Length";
    RespInteger = "resp.integer", Int64, Dec, Extracted, Wireshark, "Integer";
    RespArray = "resp.array", None, None, Extracted, Wireshark, "Array";
    RespArrayLength = "resp.array.length", Int64, Dec, Extracted, Wireshark, "Length";
    RespFragment = "resp.fragment", None, None, Extracted, Wireshark, "Fragment";
    RedisCommand = "redis.command", String, None, Extracted, Wirelens, "Redis command name of a request (Wireshark's resp has no such field)";
    RedisKey = "redis.key", String, None, Extracted, Wirelens, "Redis key of a request";
    RedisTime = "redis.time", RelativeTime, None, Extracted, Wirelens, "Time from the request to its reply";

    Dns = "dns", Protocol, None, Extracted, Wireshark, "Domain Name System";
    DnsId = "dns.id", Uint16, Hex, Extracted, Wireshark, "Transaction ID";
    DnsFlagsResponse = "dns.flags.response", Boolean, None, Extracted, Wireshark, "Response";
    DnsFlagsRcode = "dns.flags.rcode", Uint16, Dec, Extracted, Wireshark, "Reply code";
    DnsQryName = "dns.qry.name", String, None, Extracted, Wireshark, "Name";
    DnsQryType = "dns.qry.type", Uint16, Dec, Extracted, Wireshark, "Type";
    DnsQryClass = "dns.qry.class", Uint16, Hex, Extracted, Wireshark, "Class";
    DnsRespName = "dns.resp.name", String, None, Extracted, Wireshark, "Name";
    DnsRespType = "dns.resp.type", Uint16, Dec, Extracted, Wireshark, "Type";
    DnsA = "dns.a", Ipv4, None, Extracted, Wireshark, "Address";
    DnsAaaa = "dns.aaaa", Ipv6, None, Extracted, Wireshark, "AAAA Address";
    DnsCname = "dns.cname", String, None, Extracted, Wireshark, "CNAME";
    DnsMxMailExchange = "dns.mx.mail_exchange", String, None, Extracted, Wireshark, "Mail Exchange";
    DnsCountQueries = "dns.count.queries", Uint16, Dec, Extracted, Wireshark, "Questions";
    DnsCountAnswers = "dns.count.answers", Uint16, Dec, Extracted, Wireshark, "Answer RRs";
    DnsTime = "dns.time", RelativeTime, None, Extracted, Wireshark, "Time";
    DnsResponseIn = "dns.response_in", Framenum, Dec, NotYetExtracted, Wireshark, "Response In";
    DnsResponseTo = "dns.response_to", Framenum, Dec, Extracted, Wireshark, "Request In";

    Tls = "tls", Protocol, None, Extracted, Wireshark, "Transport Layer Security";
    TlsSni = "tls.handshake.extensions_server_name", String, None, Extracted, Wireshark, "Server Name";

    WlProcessPid = "wl.process.pid", Uint32, Dec, Extracted, Wirelens, "Process id of the socket's owner (pcapng comment or process block)";
    WlProcessName = "wl.process.name", String, None, Extracted, Wirelens, "Process name (COMM) of the socket's owner";
    WlSessionDuration = "wl.session.duration", RelativeTime, None, Extracted, Wirelens, "Lifespan of the packet's TCP or UDP conversation, first to last frame";
    WlSessionBytes = "wl.session.bytes", Uint64, Dec, Extracted, Wirelens, "Bytes (frame lengths) of the packet's conversation, both ways";
    WlSessionFrames = "wl.session.frames", Uint64, Dec, Extracted, Wirelens, "Frames of the packet's conversation, both ways";
}

impl Fid {
    /// The field's definition.
    pub fn def(self) -> &'static FieldDef {
        &FIELDS[self as usize]
    }

    /// Wireshark's name.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// The type.
    pub fn ty(self) -> FieldType {
        self.def().ty
    }
}

fn by_name() -> &'static HashMap<&'static str, Fid> {
    static MAP: OnceLock<HashMap<&'static str, Fid>> = OnceLock::new();
    MAP.get_or_init(|| FIELDS.iter().map(|f| (f.name, f.id)).collect())
}

/// The field of this name.
pub fn lookup(name: &str) -> Option<Fid> {
    by_name().get(name).copied()
}

/// The known field closest to an unknown name ("did you mean …"): the smallest edit
/// distance, if it is small for the name's length; ties go to the shorter name.
pub fn suggest(name: &str) -> Option<&'static str> {
    let limit = (name.len() / 3).clamp(1, 4);
    let best = FIELDS
        .iter()
        .map(|f| (edit_distance(name, f.name), f.name.len(), f.name))
        .min()?;
    if best.0 <= limit {
        return Some(best.2);
    }
    // A known field that ends like the name (`srcport` → `tcp.srcport`).
    FIELDS
        .iter()
        .filter(|f| f.name.ends_with(&format!(".{name}")))
        .map(|f| f.name)
        .next()
}

/// Levenshtein distance over bytes.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

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

/// Supplies a packet's captured bytes by its index in the capture (the core has no I/O).
pub trait PacketSource {
    /// Replaces `buf` with the captured bytes of packet `index` (whose row is `row`).
    /// Returns false when they cannot be had; the fields that need them are then absent.
    fn read(&mut self, index: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool;
}

/// A source with no bytes: only what the index answers.
pub struct NoBytes;

impl PacketSource for NoBytes {
    fn read(&mut self, _: usize, _: &PacketRow, _: &mut Vec<u8>) -> bool {
        false
    }
}

/// Captures held in memory, one byte slice per file (tests, benchmarks, small files).
pub struct MemorySource<'a> {
    /// The bytes of each file, indexed like `Capture::files`, uncompressed.
    pub files: Vec<&'a [u8]>,
}

impl PacketSource for MemorySource<'_> {
    fn read(&mut self, _: usize, row: &PacketRow, buf: &mut Vec<u8>) -> bool {
        let Some(file) = self.files.get(row.file as usize) else {
            return false;
        };
        let (start, end) = (
            row.offset as usize,
            row.offset as usize + row.caplen as usize,
        );
        let Some(bytes) = file.get(start..end) else {
            return false;
        };
        buf.clear();
        buf.extend_from_slice(bytes);
        true
    }
}

/// Values that fields of application protocols put out for one packet.
pub struct ValueSink<'a> {
    out: &'a mut Vec<Value>,
    arena: &'a mut Vec<u8>,
}

impl ValueSink<'_> {
    /// Adds a value that holds no bytes (numbers, addresses, times).
    pub fn push(&mut self, v: Value) {
        self.out.push(v);
    }

    /// Adds a string (copied into the per-packet arena).
    pub fn push_str(&mut self, s: &str) {
        let span = arena_push(self.arena, s.as_bytes());
        self.out.push(Value::Str(span));
    }

    /// Adds bytes (copied into the per-packet arena).
    pub fn push_bytes(&mut self, b: &[u8]) {
        let span = arena_push(self.arena, b);
        self.out.push(Value::Bytes(span));
    }

    /// Adds an owned app-layer value.
    pub fn push_app(&mut self, v: &AppValue) {
        match v {
            AppValue::Present => self.push(Value::Present),
            AppValue::Bool(b) => self.push(Value::Bool(*b)),
            AppValue::Uint(n) => self.push(Value::Uint(*n)),
            AppValue::Int(n) => self.push(Value::Int(*n)),
            AppValue::Rel(ns) => self.push(Value::Rel(*ns)),
            AppValue::Text(s) => self.push_str(s),
            AppValue::Bytes(b) => self.push_bytes(b),
            AppValue::Ipv4(a) => self.push(Value::Ipv4(*a)),
            AppValue::Ipv6(a) => self.push(Value::Ipv6(*a)),
        }
    }
}

fn arena_push(arena: &mut Vec<u8>, b: &[u8]) -> Span {
    let start = arena.len() as u32;
    arena.extend_from_slice(b);
    Span {
        store: Store::Arena,
        start,
        len: b.len() as u32,
    }
}

/// Supplies the values of fields Wirelens does not extract itself: how app-layer parsers
/// (HTTP, memcached, MySQL, Redis, DNS, TLS) plug their per-packet values in.
pub trait FieldProvider {
    /// True when this provider fills `field`.
    fn provides(&self, field: Fid) -> bool;
    /// Puts out the values of `field` in packet `index` (0-based), in the order of their
    /// occurrence.
    fn values(&self, field: Fid, index: usize, out: &mut ValueSink<'_>);
}

fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn arr<const N: usize>(b: &[u8], off: usize) -> Option<[u8; N]> {
    b.get(off..off + N)?.try_into().ok()
}

/// The layers of packet `row`'s bytes `b`, as the dissector walked them (alone: IP
/// fragments are not reassembled).
fn dissect(capture: &Capture, row: &PacketRow, b: &[u8], layers: &mut Layers) {
    wire::dissect_layers(capture.linktype_of(row), b, row.len as usize, layers);
}

/// Per-direction facts of a TCP conversation that some fields need: the base sequence
/// numbers (relative `tcp.seq`/`tcp.ack`) and the window scale.
#[derive(Clone, Copy, Debug, Default)]
struct TcpFlow {
    base: [Option<u32>; 2],
    /// Window scale shift per direction: -1 unknown (no SYN seen), -2 not used.
    scale: [i8; 2],
}

/// Extracts field values of the packets of one capture. Keeps what spans packets
/// (TCP base sequence numbers, the previous packet of each stream) and the current
/// packet's bytes and layers.
pub struct FieldCtx<'c> {
    capture: &'c Capture,
    provider: Option<&'c dyn FieldProvider>,
    index: usize,
    row: PacketRow,
    buf: Vec<u8>,
    /// `Some(true)` when `buf` holds the current packet, `Some(false)` when it could
    /// not be read, `None` before trying.
    loaded: Option<bool>,
    /// Where the current packet's layers lie.
    layers: Layers,
    /// Bytes of derived values of the current packet (strings built, slices of numbers).
    pub arena: Vec<u8>,
    /// Packet index of the first packet of each flow each way (`u32::MAX`: none).
    firsts: Option<Vec<[u32; 2]>>,
    tcp: HashMap<u32, TcpFlow>,
    /// Previous packet of the same flow, for each packet (`u32::MAX`: none).
    prev_in_flow: Option<Vec<u32>>,
    scratch: Vec<u8>,
    /// App-layer values from the capture's transactions, built on first use.
    app: Option<TransactionFields>,
    /// Per-PDU app-layer values (memcache, resp), collected as packets go by.
    pdu: Pdu<'c>,
    /// The process of each conversation, found on first use.
    processes: Option<Vec<Option<crate::query::sessions::Owner>>>,
}

/// Where [`FieldCtx`] gets per-PDU fields from.
enum Pdu<'c> {
    /// No such field asked for yet.
    None,
    /// Collected by the context itself, packet by packet.
    Own(Box<Collector>),
    /// Collected beforehand (a whole pass), shared.
    Shared(&'c Collector),
}

impl<'c> FieldCtx<'c> {
    /// A context over a capture.
    pub fn new(capture: &'c Capture) -> Self {
        FieldCtx {
            capture,
            provider: None,
            index: usize::MAX,
            row: PacketRow {
                ts_ns: 0,
                offset: 0,
                caplen: 0,
                len: 0,
                flow: NO_FLOW,
                iface: 0,
                file: 0,
                flags: 0,
                _pad: 0,
                acks_back: 0,
                bytes_in_flight: 0,
            },
            buf: Vec::new(),
            loaded: None,
            layers: Layers::default(),
            arena: Vec::new(),
            firsts: None,
            tcp: HashMap::new(),
            prev_in_flow: None,
            scratch: Vec::new(),
            app: None,
            pdu: Pdu::None,
            processes: None,
        }
    }

    /// Uses per-PDU values collected beforehand by a whole pass ([`Collector::run`]):
    /// fields it has need no packet bytes.
    pub fn with_collector(mut self, collector: &'c Collector) -> Self {
        self.pdu = Pdu::Shared(collector);
        self
    }

    /// Announces the fields that will be asked for, so that per-PDU fields of several
    /// protocols are collected in one pass.
    pub fn want(&mut self, fields: &[Fid]) {
        let new = |w: &HashSet<Fid>| {
            fields
                .iter()
                .any(|&f| pdu::proto_of(f).is_some() && !w.contains(&f))
        };
        let wanted = match &self.pdu {
            Pdu::Shared(_) => return,
            Pdu::Own(c) if !new(c.wanted()) => return,
            Pdu::Own(c) => c.wanted().clone(),
            Pdu::None if !new(&HashSet::new()) => return,
            Pdu::None => HashSet::new(),
        };
        let mut wanted = wanted;
        wanted.extend(fields.iter().filter(|&&f| pdu::proto_of(f).is_some()));
        self.pdu = Pdu::Own(Box::new(Collector::new(self.capture, wanted)));
    }

    /// Collects the wanted per-PDU fields over the whole capture now (reading the packets
    /// of their conversations from `src`): reassembly hands on the bytes after a lost
    /// segment only when the peer acknowledges past it, so values of a packet can come
    /// later than the packet itself. Use when `src` can read any packet.
    pub fn collect_all(&mut self, src: &mut dyn PacketSource) {
        if let Pdu::Own(c) = &mut self.pdu {
            c.run(self.capture, src);
        }
    }

    /// Feeds the packets up to the current one to the collector of per-PDU fields (if
    /// any is wanted). Call for every packet in order when filtering, so that each is fed
    /// while its bytes are at hand.
    pub fn advance(&mut self, src: &mut dyn PacketSource) {
        if let Pdu::Own(c) = &mut self.pdu {
            if self.index < self.capture.packets.len() {
                let current = (self.loaded == Some(true)).then_some(&self.buf[..]);
                c.advance(self.capture, self.index, current, src);
            }
        }
    }

    /// Plugs in the values of app-layer fields.
    pub fn with_provider(mut self, provider: &'c dyn FieldProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The capture.
    pub fn capture(&self) -> &'c Capture {
        self.capture
    }

    /// Makes packet `index` the current one.
    pub fn begin(&mut self, index: usize) {
        if index != self.index {
            self.index = index;
            self.row = self.capture.packets[index];
            self.loaded = None;
        }
        self.arena.clear();
    }

    /// Makes packet `index` current with its bytes already at hand (the caller read them,
    /// e.g. to print its columns).
    pub fn begin_with_bytes(&mut self, index: usize, bytes: &[u8]) {
        self.begin(index);
        self.buf.clear();
        self.buf.extend_from_slice(bytes);
        dissect(self.capture, &self.row, &self.buf, &mut self.layers);
        self.loaded = Some(true);
    }

    /// The current packet's bytes, if they were read.
    pub fn packet_bytes(&self) -> Option<&[u8]> {
        (self.loaded == Some(true)).then_some(&self.buf[..])
    }

    /// Reads and dissects the current packet's bytes (once).
    pub fn load(&mut self, src: &mut dyn PacketSource) -> bool {
        if self.loaded.is_none() {
            let ok = src.read(self.index, &self.row, &mut self.buf);
            if ok {
                dissect(self.capture, &self.row, &self.buf, &mut self.layers);
            } else {
                self.layers.clear();
            }
            self.loaded = Some(ok);
        }
        self.loaded == Some(true)
    }

    /// The bytes of a value's span (constants come from `consts`).
    pub fn span<'a>(&'a self, s: Span, consts: &'a [u8]) -> &'a [u8] {
        let store: &[u8] = match s.store {
            Store::Packet => &self.buf,
            Store::Arena => &self.arena,
            Store::Const => consts,
        };
        store
            .get(s.start as usize..(s.start + s.len) as usize)
            .unwrap_or(&[])
    }

    /// Whether `field` can be answered for the current packet without its bytes.
    pub fn from_index(&self, field: Fid) -> bool {
        use Fid::*;
        let flow = self.flow();
        match field {
            FrameNumber
            | FrameTime
            | FrameTimeEpoch
            | FrameTimeRelative
            | FrameTimeDelta
            | FrameLen
            | FrameCapLen
            | FrameInterfaceId
            | FrameComment
            | TcpStream
            | UdpStream
            | TcpTimeRelative
            | TcpTimeDelta
            | WlSessionBytes
            | WlSessionDuration
            | WlSessionFrames
            | TcpAnalysisInitialRtt
            | TcpAnalysisAckRtt
            | TcpAnalysisAcksFrame
            | TcpAnalysisBytesInFlight
            | WlProcessPid
            | WlProcessName => true,
            f if is_analysis(f) || TransactionFields::covers(f) => true,
            f if pdu::proto_of(f).is_some() => matches!(self.pdu, Pdu::Shared(_)),
            // Existence of these protocols is answered without bytes; their values not.
            Tcp | Udp | Ip | Ipv6 => false,
            TcpSrcport | TcpDstport | TcpPort | UdpSrcport | UdpDstport | UdpPort => flow.is_some(),
            IpSrc | IpDst | IpAddr | IpProto | IpVersion | Ipv6Src | Ipv6Dst | Ipv6Addr
            | Ipv6Version => flow.is_some() && !self.tunneled(),
            f => {
                f.def().status == Status::NotYetExtracted
                    && self.provider.is_none_or(|p| !p.provides(f))
            }
        }
    }

    /// The current packet is IP in IP (more IP layers than its conversation shows).
    fn tunneled(&self) -> bool {
        self.row.flags & PacketRow::FLAG_TUNNELED != 0
    }

    fn flow(&self) -> Option<(&'c crate::capture::flow::Conversation, usize)> {
        if self.row.flow == NO_FLOW {
            return None;
        }
        let c = self.capture.conversations.get(self.row.flow as usize)?;
        Some((c, usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0)))
    }

    /// Appends the values of `field` in the current packet to `out`; `layer` (1-based)
    /// keeps only the occurrences in that layer of the field's protocol, 0 keeps all.
    pub fn extract(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        if self.fast(field, layer, out) {
            return;
        }
        if let Some(p) = self.provider.filter(|p| p.provides(field)) {
            p.values(
                field,
                self.index,
                &mut ValueSink {
                    out,
                    arena: &mut self.arena,
                },
            );
            return;
        }
        if pdu::proto_of(field).is_some() {
            self.want(&[field]);
            self.advance(src);
            let c = match &self.pdu {
                Pdu::Own(c) => c,
                Pdu::Shared(c) => *c,
                Pdu::None => return,
            };
            let mut sink = ValueSink {
                out,
                arena: &mut self.arena,
            };
            for v in c.values(self.index, field) {
                sink.push_app(v);
            }
            return;
        }
        if TransactionFields::covers(field) {
            let capture = self.capture;
            let app = self
                .app
                .get_or_insert_with(|| TransactionFields::new(capture));
            app.values(
                field,
                self.index,
                &mut ValueSink {
                    out,
                    arena: &mut self.arena,
                },
            );
            return;
        }
        if field.def().status == Status::NotYetExtracted {
            return;
        }
        if matches!(field, Fid::Tls | Fid::Mysql) {
            // A segment with payload in a conversation decoded as the protocol.
            let proto = match field {
                Fid::Tls => crate::capture::app::AppProto::Tls,
                _ => crate::capture::app::AppProto::Mysql,
            };
            let decoded = self.capture.app_protos.get(self.row.flow as usize) == Some(&Some(proto));
            if decoded && layer <= 1 && self.load(src) {
                if let Some(l) = self.layers.of(Proto::Tcp).next() {
                    let payload = l.payload_offset();
                    if l.end() > payload && self.buf.len() > payload as usize {
                        out.push(Value::Present);
                    }
                }
            }
            return;
        }
        if self.load(src) {
            self.slow(field, layer, src, out);
        }
    }

    /// Index-only answers. Returns false when the bytes are needed.
    fn fast(&mut self, field: Fid, layer: u8, out: &mut Vec<Value>) -> bool {
        use Fid::*;
        let row = self.row;
        let c = self.capture;
        let first_layer = layer <= 1;
        match field {
            FrameNumber => out.push(Value::Uint(self.index as u64 + 1)),
            FrameTime => out.push(Value::Time(row.ts_ns)),
            FrameTimeEpoch => out.push(Value::Rel(row.ts_ns)),
            FrameTimeRelative => out.push(Value::Rel(row.ts_ns - c.first_ts_ns())),
            FrameTimeDelta => {
                let prev = self
                    .index
                    .checked_sub(1)
                    .map_or(row.ts_ns, |i| c.packets[i].ts_ns);
                out.push(Value::Rel(row.ts_ns - prev));
            }
            FrameLen => out.push(Value::Uint(row.len as u64)),
            FrameCapLen => out.push(Value::Uint(row.caplen as u64)),
            FrameInterfaceId => {
                // Only pcapng records name an interface (tshark shows none for pcap).
                let file = c.files.get(row.file as usize);
                if file.is_some_and(|f| f.format == Some(crate::capture::file::Format::PcapNg)) {
                    let local = c.interfaces[..(row.iface as usize).min(c.interfaces.len())]
                        .iter()
                        .filter(|i| i.file == row.file)
                        .count();
                    out.push(Value::Uint(local as u64));
                }
            }
            FrameComment => {
                let i = self.index as u64;
                let start = c.comments.partition_point(|(p, _)| *p < i);
                for (_, text) in c.comments[start..].iter().take_while(|(p, _)| *p == i) {
                    out.push(Value::Str(arena_push(&mut self.arena, text.as_bytes())));
                }
            }
            TcpStream | UdpStream | WlSessionBytes | WlSessionDuration | WlSessionFrames => {
                if let Some((conv, _)) = self.flow().filter(|_| first_layer) {
                    match field {
                        TcpStream if conv.proto == L4::Tcp => {
                            out.push(Value::Uint(conv.stream as u64))
                        }
                        UdpStream if conv.proto == L4::Udp => {
                            out.push(Value::Uint(conv.stream as u64))
                        }
                        WlSessionBytes => out.push(Value::Uint(conv.bytes())),
                        WlSessionFrames => out.push(Value::Uint(conv.frames())),
                        WlSessionDuration => out.push(Value::Rel(conv.duration_ns())),
                        _ => {}
                    }
                }
            }
            TcpTimeRelative | TcpTimeDelta => {
                if let Some((conv, _)) = self
                    .flow()
                    .filter(|(c, _)| c.proto == L4::Tcp && first_layer)
                {
                    if field == TcpTimeRelative {
                        out.push(Value::Rel(row.ts_ns - conv.first_ns));
                    } else {
                        let i = self.index;
                        let prev = self.prev_in_flow()[i];
                        let prev_ts = if prev == u32::MAX {
                            row.ts_ns
                        } else {
                            c.packets[prev as usize].ts_ns
                        };
                        out.push(Value::Rel(row.ts_ns - prev_ts));
                    }
                }
            }
            f if is_analysis(f) => {
                if first_layer {
                    analysis(c, self.index, f, out);
                }
            }
            TcpAnalysisInitialRtt => {
                // Shown from the segment that completed the handshake on.
                let rtt = self.flow().filter(|_| first_layer).and_then(|_| {
                    let t = c.tcp.get(row.flow as usize)?;
                    let frame = t.initial_rtt_frame?;
                    let shown = row.flags & PacketRow::FLAG_SEQ_ANALYSIS != 0;
                    (shown && self.index as u64 + 1 >= frame).then_some(t.initial_rtt_ns?)
                });
                if let Some(ns) = rtt {
                    out.push(Value::Rel(ns));
                }
            }
            TcpAnalysisAckRtt | TcpAnalysisAcksFrame | TcpAnalysisBytesInFlight => {
                if let Some(a) = c.tcp_ack(self.index).filter(|_| first_layer) {
                    match field {
                        TcpAnalysisAcksFrame if a.frame != 0 => out.push(Value::Uint(a.frame)),
                        TcpAnalysisAckRtt if a.frame != 0 && a.rtt_ns != 0 => {
                            out.push(Value::Rel(a.rtt_ns))
                        }
                        TcpAnalysisBytesInFlight if a.bytes_in_flight != 0 => {
                            out.push(Value::Uint(a.bytes_in_flight as u64))
                        }
                        _ => {}
                    }
                }
            }
            WlProcessPid | WlProcessName => {
                let procs = self
                    .processes
                    .get_or_insert_with(|| crate::query::sessions::processes_by_flow(c));
                if let Some((pid, name)) = procs.get(row.flow as usize).and_then(Option::as_ref) {
                    match (field, name) {
                        (WlProcessPid, _) => out.push(Value::Uint(*pid as u64)),
                        (_, Some(name)) => {
                            out.push(Value::Str(arena_push(&mut self.arena, name.as_bytes())))
                        }
                        _ => {}
                    }
                }
            }
            Tcp | TcpSrcport | TcpDstport | TcpPort | Udp | UdpSrcport | UdpDstport | UdpPort
            | Ip | IpSrc | IpDst | IpAddr | IpProto | IpVersion | Ipv6 | Ipv6Src | Ipv6Dst
            | Ipv6Addr | Ipv6Version => {
                let Some((conv, dir)) = self.flow() else {
                    return false;
                };
                // Protocol values carry bytes: those need the packet (existence alone is
                // answered by `exists`). IP in IP adds outer addresses the index lacks.
                let ip_field = matches!(
                    field,
                    Ip | IpSrc
                        | IpDst
                        | IpAddr
                        | IpProto
                        | IpVersion
                        | Ipv6
                        | Ipv6Src
                        | Ipv6Dst
                        | Ipv6Addr
                        | Ipv6Version
                );
                if matches!(field, Tcp | Udp | Ip | Ipv6) || (ip_field && self.tunneled()) {
                    return false;
                }
                if !first_layer {
                    return true;
                }
                let (src, sport, dst, dport) = if dir == 0 {
                    (conv.a, conv.port_a, conv.b, conv.port_b)
                } else {
                    (conv.b, conv.port_b, conv.a, conv.port_a)
                };
                let tcp = conv.proto == L4::Tcp;
                let v4 = src.is_ipv4();
                let addr = |a: std::net::IpAddr| match a {
                    std::net::IpAddr::V4(a) => Value::Ipv4(a.octets()),
                    std::net::IpAddr::V6(a) => Value::Ipv6(a.octets()),
                };
                match field {
                    TcpSrcport if tcp => out.push(Value::Uint(sport as u64)),
                    TcpDstport if tcp => out.push(Value::Uint(dport as u64)),
                    TcpPort if tcp => {
                        out.extend([Value::Uint(sport as u64), Value::Uint(dport as u64)])
                    }
                    UdpSrcport if !tcp => out.push(Value::Uint(sport as u64)),
                    UdpDstport if !tcp => out.push(Value::Uint(dport as u64)),
                    UdpPort if !tcp => {
                        out.extend([Value::Uint(sport as u64), Value::Uint(dport as u64)])
                    }
                    IpSrc if v4 => out.push(addr(src)),
                    IpDst if v4 => out.push(addr(dst)),
                    IpAddr if v4 => out.extend([addr(src), addr(dst)]),
                    IpProto if v4 => out.push(Value::Uint(if tcp { 6 } else { 17 })),
                    IpVersion if v4 => out.push(Value::Uint(4)),
                    Ipv6Src if !v4 => out.push(addr(src)),
                    Ipv6Dst if !v4 => out.push(addr(dst)),
                    Ipv6Addr if !v4 => out.extend([addr(src), addr(dst)]),
                    Ipv6Version if !v4 => out.push(Value::Uint(6)),
                    _ => {}
                }
            }
            _ => return false,
        }
        true
    }

    /// Whether the current packet has `field` at all; cheaper than [`FieldCtx::extract`]
    /// for protocols, which need no bytes when the packet belongs to a conversation.
    pub fn exists(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        tmp: &mut Vec<Value>,
    ) -> bool {
        use Fid::*;
        let tunneled = self.tunneled();
        if let (Tcp | Udp | Ip | Ipv6, true, Some((conv, _))) = (field, layer <= 1, self.flow()) {
            if tunneled && matches!(field, Ip | Ipv6) {
                return self.exists_slow(field, layer, src, tmp);
            }
            return match field {
                Tcp => conv.proto == L4::Tcp,
                Udp => conv.proto == L4::Udp,
                Ip => conv.a.is_ipv4(),
                _ => conv.a.is_ipv6(),
            };
        }
        self.exists_slow(field, layer, src, tmp)
    }

    fn exists_slow(
        &mut self,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        tmp: &mut Vec<Value>,
    ) -> bool {
        let start = tmp.len();
        self.extract(field, layer, src, tmp);
        let found = tmp.len() > start;
        tmp.truncate(start);
        found
    }

    fn prev_in_flow(&mut self) -> &[u32] {
        let c = self.capture;
        self.prev_in_flow.get_or_insert_with(|| {
            let mut last = vec![u32::MAX; c.conversations.len()];
            c.packets
                .iter()
                .enumerate()
                .map(|(i, p)| match last.get_mut(p.flow as usize) {
                    Some(l) => std::mem::replace(l, i as u32),
                    None => u32::MAX,
                })
                .collect()
        })
    }

    fn firsts(&mut self) -> &[[u32; 2]] {
        let c = self.capture;
        self.firsts.get_or_insert_with(|| {
            let mut f = vec![[u32::MAX; 2]; c.conversations.len()];
            for (i, p) in c.packets.iter().enumerate() {
                if let Some(e) = f.get_mut(p.flow as usize) {
                    let d = usize::from(p.flags & PacketRow::FLAG_B_TO_A != 0);
                    if e[d] == u32::MAX {
                        e[d] = i as u32;
                    }
                }
            }
            f
        })
    }

    /// Base sequence numbers and window scales of the current packet's TCP flow, as
    /// packet-tcp.c sets them: the first segment each way sets that way's base (its
    /// SYN's sequence number, or one less than the first segment's), and an ACK sets the
    /// other way's base to ack − 1 if that way has none yet.
    fn tcp_flow(&mut self, src: &mut dyn PacketSource) -> TcpFlow {
        let flow = self.row.flow;
        if let Some(t) = self.tcp.get(&flow) {
            return *t;
        }
        let [f0, f1] = self
            .firsts()
            .get(flow as usize)
            .copied()
            .unwrap_or([u32::MAX; 2]);
        let mut t = TcpFlow::default();
        let mut order = [(f0, 0usize), (f1, 1usize)];
        order.sort();
        // packet-tcp.c: win_scale starts unknown (-1); a SYN's option sets its way's;
        // verify_tcp_window_scaling then turns scaling off (-2) when a SYN had none, or
        // when the SYN-ACK answers a SYN that had none.
        let mut ws = [-1i8; 2];
        let mut layers = Layers::default();
        for (i, d) in order {
            if i == u32::MAX {
                continue;
            }
            let row = self.capture.packets[i as usize];
            let mut buf = std::mem::take(&mut self.scratch);
            if src.read(i as usize, &row, &mut buf) {
                dissect(self.capture, &row, &buf, &mut layers);
                if let Some(l) = layers.of(Proto::Tcp).next() {
                    let o = l.offset as usize;
                    if let (Some(seq), Some(ack), Some(&flags)) =
                        (be32(&buf, o + 4), be32(&buf, o + 8), buf.get(o + 13))
                    {
                        let is_syn = flags & 0x02 != 0;
                        if t.base[d].is_none() {
                            t.base[d] = Some(if is_syn { seq } else { seq.wrapping_sub(1) });
                        }
                        if t.base[1 - d].is_none() && flags & 0x10 != 0 {
                            t.base[1 - d] = Some(ack.wrapping_sub(1));
                        }
                        if is_syn {
                            if let Some(&shift) = tcp_option(&buf, l, 3).and_then(|o| o.first()) {
                                ws[d] = shift.min(14) as i8;
                            }
                            if ws[d] == -1 {
                                ws = [-2, -2];
                            } else if flags & 0x10 != 0 && ws[1 - d] == -2 {
                                ws[d] = -2;
                            }
                        }
                    }
                }
            }
            self.scratch = buf;
        }
        t.scale = ws;
        self.tcp.insert(flow, t);
        t
    }

    /// Answers from the packet's bytes.
    fn slow(&mut self, field: Fid, layer: u8, src: &mut dyn PacketSource, out: &mut Vec<Value>) {
        let ls = std::mem::take(&mut self.layers);
        self.slow_in(&ls, field, layer, src, out);
        self.layers = ls;
    }

    fn slow_in(
        &mut self,
        ls: &Layers,
        field: Fid,
        layer: u8,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        use Fid::*;
        let b = &self.buf[..];
        // The layers of one protocol that show fields.
        let pick = |proto: Proto| {
            ls.of(proto)
                .filter(|l| shown(l, b))
                .enumerate()
                .filter(move |(i, _)| layer == 0 || *i + 1 == layer as usize)
                .map(|(_, l)| *l)
        };
        let packet_span = |start: usize, end: usize| {
            let end = end.min(b.len()).max(start.min(b.len()));
            let start = start.min(end);
            Span {
                store: Store::Packet,
                start: start as u32,
                len: (end - start) as u32,
            }
        };
        let u = |v: Option<u32>, out: &mut Vec<Value>| {
            if let Some(v) = v {
                out.push(Value::Uint(v as u64))
            }
        };
        match field {
            Frame if layer <= 1 => out.push(Value::Proto(packet_span(0, b.len()))),
            FrameProtocols if layer <= 1 => {
                let s = protocols(ls);
                out.push(Value::Str(arena_push(&mut self.arena, s.as_bytes())));
            }
            Eth | EthDst | EthSrc | EthAddr | EthType => {
                for l in pick(Proto::Eth) {
                    let o = l.offset as usize;
                    let mac = |at: usize| arr::<6>(b, at).map(Value::Ether);
                    match field {
                        Eth => out.push(Value::Proto(packet_span(o, b.len()))),
                        EthDst => out.extend(mac(o)),
                        EthSrc => out.extend(mac(o + 6)),
                        EthAddr => out.extend(mac(o).into_iter().chain(mac(o + 6))),
                        _ => u(be16(b, o + 12).filter(|t| *t >= 0x600).map(u32::from), out),
                    }
                }
            }
            Vlan | VlanPriority | VlanId | VlanEtype => {
                for l in pick(Proto::Vlan) {
                    let o = l.offset as usize;
                    let tci = be16(b, o).unwrap_or(0) as u32;
                    match field {
                        Vlan => out.push(Value::Proto(packet_span(o, b.len()))),
                        VlanPriority => u(Some(tci >> 13), out),
                        VlanId => u(Some(tci & 0xfff), out),
                        _ => u(be16(b, o + 2).map(u32::from), out),
                    }
                }
            }
            Sll => {
                for l in pick(Proto::Sll) {
                    out.push(Value::Proto(packet_span(l.offset as usize, b.len())));
                }
            }
            Arp | ArpHwType | ArpProtoType | ArpHwSize | ArpProtoSize | ArpOpcode | ArpSrcHwMac
            | ArpSrcProtoIpv4 | ArpDstHwMac | ArpDstProtoIpv4 => {
                for l in pick(Proto::Arp) {
                    let o = l.offset as usize;
                    let (hs, ps) = (
                        b.get(o + 4).copied().unwrap_or(0) as usize,
                        b.get(o + 5).copied().unwrap_or(0) as usize,
                    );
                    let ptype = be16(b, o + 2).unwrap_or(0);
                    let (sha, spa, tha, tpa) =
                        (o + 8, o + 8 + hs, o + 8 + hs + ps, o + 8 + 2 * hs + ps);
                    let mac = |at: usize| {
                        if hs == 6 {
                            arr::<6>(b, at).map(Value::Ether)
                        } else {
                            None
                        }
                    };
                    let v4 = |at: usize| {
                        if ps == 4 && ptype == 0x0800 {
                            arr::<4>(b, at).map(Value::Ipv4)
                        } else {
                            None
                        }
                    };
                    match field {
                        Arp => out.push(Value::Proto(packet_span(o, b.len()))),
                        ArpHwType => u(be16(b, o).map(u32::from), out),
                        ArpProtoType => u(Some(ptype as u32), out),
                        ArpHwSize => u(Some(hs as u32), out),
                        ArpProtoSize => u(Some(ps as u32), out),
                        ArpOpcode => u(be16(b, o + 6).map(u32::from), out),
                        ArpSrcHwMac => out.extend(mac(sha)),
                        ArpSrcProtoIpv4 => out.extend(v4(spa)),
                        ArpDstHwMac => out.extend(mac(tha)),
                        _ => out.extend(v4(tpa)),
                    }
                }
            }
            Ip | IpVersion | IpHdrLen | IpDsfield | IpLen | IpId | IpFlags | IpFlagsRb
            | IpFlagsDf | IpFlagsMf | IpFragOffset | IpTtl | IpProto | IpChecksum | IpSrc
            | IpDst | IpAddr => {
                for l in pick(Proto::Ip) {
                    let o = l.offset as usize;
                    let frag = be16(b, o + 6).unwrap_or(0) as u32;
                    let addr = |at: usize| arr::<4>(b, at).map(Value::Ipv4);
                    match field {
                        Ip => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                        IpVersion => u(Some(4), out),
                        IpHdrLen => u(b.get(o).map(|&x| (x & 0x0f) as u32 * 4), out),
                        IpDsfield => u(b.get(o + 1).map(|&x| x as u32), out),
                        IpLen => u(be16(b, o + 2).map(u32::from), out),
                        IpId => u(be16(b, o + 4).map(u32::from), out),
                        IpFlags => u(Some(frag >> 13), out),
                        IpFlagsRb => out.push(Value::Bool(frag & 0x8000 != 0)),
                        IpFlagsDf => out.push(Value::Bool(frag & 0x4000 != 0)),
                        IpFlagsMf => out.push(Value::Bool(frag & 0x2000 != 0)),
                        IpFragOffset => u(Some((frag & 0x1fff) * 8), out),
                        IpTtl => u(b.get(o + 8).map(|&x| x as u32), out),
                        IpProto => u(b.get(o + 9).map(|&x| x as u32), out),
                        IpChecksum => u(be16(b, o + 10).map(u32::from), out),
                        IpSrc => out.extend(addr(o + 12)),
                        IpDst => out.extend(addr(o + 16)),
                        _ => out.extend(addr(o + 12).into_iter().chain(addr(o + 16))),
                    }
                }
            }
            Ipv6 | Ipv6Version | Ipv6Tclass | Ipv6Flow | Ipv6Plen | Ipv6Nxt | Ipv6Hlim
            | Ipv6Src | Ipv6Dst | Ipv6Addr => {
                for l in pick(Proto::Ipv6) {
                    let o = l.offset as usize;
                    let w = be32(b, o).unwrap_or(0);
                    let addr = |at: usize| arr::<16>(b, at).map(Value::Ipv6);
                    match field {
                        Ipv6 => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                        Ipv6Version => u(Some(6), out),
                        Ipv6Tclass => u(Some((w >> 20) & 0xff), out),
                        Ipv6Flow => u(Some(w & 0xf_ffff), out),
                        Ipv6Plen => u(be16(b, o + 4).map(u32::from), out),
                        Ipv6Nxt => u(b.get(o + 6).map(|&x| x as u32), out),
                        Ipv6Hlim => u(b.get(o + 7).map(|&x| x as u32), out),
                        Ipv6Src => out.extend(addr(o + 8)),
                        Ipv6Dst => out.extend(addr(o + 24)),
                        _ => out.extend(addr(o + 8).into_iter().chain(addr(o + 24))),
                    }
                }
            }
            Udp | UdpSrcport | UdpDstport | UdpPort | UdpLength | UdpChecksum | UdpPayload => {
                for l in pick(Proto::Udp) {
                    let o = l.offset as usize;
                    let (sp, dp) = (be16(b, o).map(u32::from), be16(b, o + 2).map(u32::from));
                    match field {
                        Udp => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                        UdpSrcport => u(sp, out),
                        UdpDstport => u(dp, out),
                        UdpPort => {
                            u(sp, out);
                            u(dp, out)
                        }
                        UdpLength => u(be16(b, o + 4).map(u32::from), out),
                        UdpChecksum => u(be16(b, o + 6).map(u32::from), out),
                        _ => {
                            let end =
                                (be16(b, o + 4).unwrap_or(0) as usize + o).min(l.end() as usize);
                            if end > o + 8 && b.len() > o + 8 {
                                out.push(Value::Bytes(packet_span(o + 8, end)));
                            }
                        }
                    }
                }
            }
            Icmp | IcmpType | IcmpCode | IcmpChecksum | IcmpIdent | IcmpSeq | Icmpv6
            | Icmpv6Type | Icmpv6Code | Icmpv6Checksum => {
                let kind = if matches!(
                    field,
                    Icmp | IcmpType | IcmpCode | IcmpChecksum | IcmpIdent | IcmpSeq
                ) {
                    Proto::Icmp
                } else {
                    Proto::Icmpv6
                };
                for l in pick(kind) {
                    let o = l.offset as usize;
                    let t = b.get(o).copied().unwrap_or(0);
                    let echo = matches!(t, 0 | 8 | 13 | 14 | 15 | 16 | 17 | 18);
                    match field {
                        Icmp | Icmpv6 => out.push(Value::Proto(packet_span(o, l.end() as usize))),
                        IcmpType | Icmpv6Type => u(Some(t as u32), out),
                        IcmpCode | Icmpv6Code => u(b.get(o + 1).map(|&x| x as u32), out),
                        IcmpChecksum | Icmpv6Checksum => u(be16(b, o + 2).map(u32::from), out),
                        IcmpIdent if echo => u(be16(b, o + 4).map(u32::from), out),
                        IcmpSeq if echo => u(be16(b, o + 6).map(u32::from), out),
                        _ => {}
                    }
                }
            }
            f if is_tcp_header(f) => {
                let tcps: Vec<(usize, LayerSpan)> = pick(Proto::Tcp).enumerate().collect();
                for (i, l) in tcps {
                    // The conversation describes the outermost TCP header only.
                    let in_flow = i == 0 && layer <= 1 && self.row.flow != NO_FLOW;
                    self.tcp_field(f, l, in_flow, src, out);
                }
            }
            _ => {}
        }
    }

    fn tcp_field(
        &mut self,
        field: Fid,
        l: LayerSpan,
        in_flow: bool,
        src: &mut dyn PacketSource,
        out: &mut Vec<Value>,
    ) {
        use Fid::*;
        let o = l.offset as usize;
        let b = &self.buf[..];
        let hlen = l.header_len as usize;
        let flags = match (b.get(o + 12), b.get(o + 13)) {
            (Some(&h), Some(&f)) => Some((((h & 0x0f) as u32) << 8) | f as u32),
            _ => None,
        };
        let bit = |m: u32| flags.map(|f| Value::Bool(f & m != 0));
        let len = (l.end() as usize).saturating_sub(o + hlen) as u32;
        let seg_len = if b.len() >= o + 20 { Some(len) } else { None };
        let u = |v: Option<u32>| v.map(|v| Value::Uint(v as u64));
        let v = match field {
            Tcp => {
                let end = (l.end() as usize).min(b.len());
                Some(Value::Proto(Span {
                    store: Store::Packet,
                    start: o as u32,
                    len: end.saturating_sub(o) as u32,
                }))
            }
            TcpSrcport => u(be16(b, o).map(u32::from)),
            TcpDstport => u(be16(b, o + 2).map(u32::from)),
            TcpPort => {
                out.extend(u(be16(b, o).map(u32::from)));
                u(be16(b, o + 2).map(u32::from))
            }
            TcpLen => u(seg_len),
            TcpSeqRaw => u(be32(b, o + 4)),
            TcpAckRaw => u(be32(b, o + 8)),
            TcpSeq | TcpAck => {
                let raw = be32(b, o + if field == TcpSeq { 4 } else { 8 });
                let acked = flags.is_some_and(|f| f & 0x10 != 0);
                match raw {
                    Some(raw) if in_flow && (field == TcpSeq || acked) => {
                        let d = usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0);
                        let t = self.tcp_flow(src);
                        let base = if field == TcpSeq {
                            t.base[d]
                        } else {
                            t.base[1 - d]
                        };
                        u(Some(raw.wrapping_sub(base.unwrap_or(0))))
                    }
                    Some(raw) => u(Some(raw)),
                    None => None,
                }
            }
            TcpHdrLen => u(b.get(o + 12).map(|&h| (h >> 4) as u32 * 4)),
            TcpFlags => u(flags),
            TcpFlagsRes => bit(0xe00),
            TcpFlagsAe => bit(0x100),
            TcpFlagsCwr => bit(0x80),
            TcpFlagsEce => bit(0x40),
            TcpFlagsUrg => bit(0x20),
            TcpFlagsAck => bit(0x10),
            TcpFlagsPush => bit(0x08),
            TcpFlagsReset => bit(0x04),
            TcpFlagsSyn => bit(0x02),
            TcpFlagsFin => bit(0x01),
            TcpWindowSizeValue => u(be16(b, o + 14).map(u32::from)),
            TcpWindowSize | TcpWindowSizeScalefactor => {
                let Some(win) = be16(b, o + 14) else { return };
                let syn = flags.is_some_and(|f| f & 0x02 != 0);
                let scale = if in_flow {
                    let d = usize::from(self.row.flags & PacketRow::FLAG_B_TO_A != 0);
                    self.tcp_flow(src).scale[d]
                } else {
                    -1
                };
                if field == TcpWindowSize {
                    // The window of a SYN is never scaled (RFC 7323 §2.2).
                    let shift = if scale >= 0 && !syn { scale } else { 0 };
                    u(Some((win as u32) << shift))
                } else if syn {
                    // Wireshark shows no scaling factor on SYNs.
                    None
                } else {
                    Some(Value::Int(if scale >= 0 {
                        1 << scale
                    } else {
                        scale as i64
                    }))
                }
            }
            TcpChecksum => u(be16(b, o + 16).map(u32::from)),
            TcpUrgentPointer => u(be16(b, o + 18).map(u32::from)),
            TcpOptionsMssVal => u(tcp_option(b, &l, 2).and_then(|v| be16(v, 0)).map(u32::from)),
            TcpOptionsWscaleShift => u(tcp_option(b, &l, 3)
                .and_then(|v| v.first())
                .map(|&s| s as u32)),
            TcpOptionsWscaleMultiplier => u(tcp_option(b, &l, 3)
                .and_then(|v| v.first())
                .map(|&s| 1u32 << (s.min(14)))),
            TcpOptionsTsval => u(tcp_option(b, &l, 8).and_then(|v| be32(v, 0))),
            TcpOptionsTsecr => u(tcp_option(b, &l, 8).and_then(|v| be32(v, 4))),
            TcpPayload => {
                let start = o + hlen;
                let end = (l.end() as usize).min(b.len());
                (end > start && len > 0).then(|| {
                    Value::Bytes(Span {
                        store: Store::Packet,
                        start: start as u32,
                        len: (end - start) as u32,
                    })
                })
            }
            _ => None,
        };
        out.extend(v);
    }
}

/// The value bytes of the first TCP option of `kind` in the header of layer `l`.
fn tcp_option<'b>(b: &'b [u8], l: &LayerSpan, kind: u8) -> Option<&'b [u8]> {
    let o = l.offset as usize;
    let end = (o + l.header_len as usize).min(b.len());
    let mut at = o + 20;
    while at < end {
        match b[at] {
            0 => return None,
            1 => at += 1,
            k => {
                let len = *b.get(at + 1)? as usize;
                if len < 2 || at + len > end {
                    return None;
                }
                if k == kind {
                    return Some(&b[at + 2..at + len]);
                }
                at += len;
            }
        }
    }
    None
}

fn is_tcp_header(f: Fid) -> bool {
    (Fid::Tcp..=Fid::TcpPayload).contains(&f) && f != Fid::TcpStream
}

fn is_analysis(f: Fid) -> bool {
    (Fid::TcpAnalysisFlags..=Fid::TcpAnalysisZeroWindowProbeAck).contains(&f)
}

/// `tcp.analysis.*` of packet `index`, from the TCP analysis in the capture.
fn analysis(c: &Capture, index: usize, f: Fid, out: &mut Vec<Value>) {
    let i = index as u64;
    let at = c.tcp_flags.partition_point(|(p, _)| *p < i);
    let Some((_, flags)) = c.tcp_flags.get(at).filter(|(p, _)| *p == i) else {
        return;
    };
    if flags.is_empty() {
        return;
    }
    match f {
        Fid::TcpAnalysisFlags => out.push(Value::Present),
        Fid::TcpAnalysisDuplicateAckNum if flags.dup_ack_num() > 0 => {
            out.push(Value::Uint(flags.dup_ack_num() as u64))
        }
        Fid::TcpAnalysisDuplicateAckFrame if flags.dup_ack_frame() > 0 => {
            out.push(Value::Uint(flags.dup_ack_frame()))
        }
        f => {
            if crate::capture::tcp::Kind::from_name(f.name()).is_some_and(|k| flags.contains(k)) {
                out.push(Value::Present);
            }
        }
    }
}

/// Whether layer `l` of packet `b` shows in the tree and has fields: its header is
/// captured far enough for Wireshark's dissector to add them (a whole IPv4 header; the
/// ports of a TCP or UDP header, which an ICMP error's quote may cut after 8 bytes).
pub(crate) fn shown(l: &LayerSpan, b: &[u8]) -> bool {
    let has = |n: usize| b.len() >= l.offset as usize + n;
    match l.proto {
        Proto::Eth => has(14),
        Proto::Vlan | Proto::Ieee8021ad | Proto::Null => has(4),
        Proto::Sll => has(l.header_len as usize),
        Proto::Arp => has(8),
        // An IPv4 dissector that hands an IPv6 packet on has no header of its own.
        Proto::Ip => l.header_len >= 20 && has(l.header_len as usize),
        Proto::Ipv6 => has(40),
        // A bogus data offset: Wireshark gives up on the header.
        Proto::Tcp => {
            let offset = b.get(l.offset as usize + 12).map_or(5, |x| x >> 4);
            has(4) && !(has(20) && offset < 5)
        }
        Proto::Udp => has(4),
        Proto::Icmp | Proto::Icmpv6 => has(2),
        _ => true,
    }
}

/// `frame.protocols` as far as we dissect: the stack, and the layers an ICMP error
/// quotes.
fn protocols(ls: &Layers) -> String {
    let mut s = String::new();
    for (i, l) in ls.as_slice().iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(l.proto.name());
    }
    s
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

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn names_are_unique_and_ids_index_the_table() {
        let mut seen = std::collections::HashSet::new();
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.id as usize, i);
            assert!(seen.insert(f.name), "duplicate {}", f.name);
            assert_eq!(lookup(f.name), Some(f.id));
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("ip.scr"), Some("ip.src"));
        assert_eq!(suggest("tcp.prot"), Some("tcp.port"));
        assert_eq!(suggest("srcport"), Some("tcp.srcport"));
        assert_eq!(suggest("completely.unrelated.name"), None);
    }

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

/// Values of application-layer fields, from the transactions the app parsers found in the
/// capture (HTTP, DNS, memcached, MySQL, TLS), attached to the packets Wireshark shows
/// them in: a request's fields to the packet that completed the request, a response's to
/// the packet that completed the response.
pub struct TransactionFields {
    values: HashMap<(u64, Fid), Vec<AppValue>>,
}

/// One value of an app-layer field, owned (see [`crate::query::pdu`]).
#[derive(Clone, Debug, PartialEq)]
pub enum AppValue {
    /// The field is there with no value (`FT_NONE`, or a protocol's own item).
    Present,
    /// `FT_BOOLEAN`.
    Bool(bool),
    /// Unsigned integers and frame numbers.
    Uint(u64),
    /// Signed integers (`FT_INT32`, `FT_INT64`).
    Int(i64),
    /// A duration in ns.
    Rel(i64),
    /// `FT_STRING`.
    Text(String),
    /// `FT_BYTES`.
    Bytes(Vec<u8>),
    /// `FT_IPv4`.
    Ipv4([u8; 4]),
    /// `FT_IPv6`.
    Ipv6([u8; 16]),
}

impl TransactionFields {
    /// Indexes the transactions of `capture`.
    pub fn new(capture: &Capture) -> Self {
        use crate::capture::app::Detail;
        let mut t = TransactionFields {
            values: HashMap::new(),
        };
        for tx in &capture.transactions {
            let req = tx.request.map(|s| s.last.packet);
            let resp = tx.response.map(|s| s.last.packet);
            match &tx.detail {
                Detail::Http(h) => {
                    if let Some(p) = req.filter(|_| !h.method.is_empty()) {
                        t.add(p, Fid::Http, AppValue::Present);
                        t.add(p, Fid::HttpRequest, AppValue::Bool(true));
                        t.add(p, Fid::HttpRequestMethod, AppValue::Text(h.method.clone()));
                        t.add(p, Fid::HttpRequestUri, AppValue::Text(h.uri.clone()));
                        t.add(
                            p,
                            Fid::HttpRequestVersion,
                            AppValue::Text(h.version.clone()),
                        );
                        if let Some(v) = &h.host {
                            t.add(p, Fid::HttpHost, AppValue::Text(v.clone()));
                        }
                        if let Some(v) = &h.user_agent {
                            t.add(p, Fid::HttpUserAgent, AppValue::Text(v.clone()));
                        }
                        if let Some(v) = &h.request_content_type {
                            t.add(p, Fid::HttpContentType, AppValue::Text(v.clone()));
                        }
                        if let Some(host) = &h.host {
                            let full = format!("http://{host}{}", h.uri);
                            t.add(p, Fid::HttpRequestFullUri, AppValue::Text(full));
                        }
                        t.add_http_headers(p, Fid::HttpRequestLine, &h.request_headers);
                    }
                    if let (Some(p), Some(code)) = (resp, h.status) {
                        t.add(p, Fid::Http, AppValue::Present);
                        t.add(p, Fid::HttpResponse, AppValue::Bool(true));
                        t.add(p, Fid::HttpResponseCode, AppValue::Uint(code as u64));
                        if let Some(v) = &h.reason {
                            t.add(p, Fid::HttpResponsePhrase, AppValue::Text(v.clone()));
                        }
                        if let Some(v) = &h.response_content_type {
                            t.add(p, Fid::HttpContentType, AppValue::Text(v.clone()));
                        }
                        if let Some(q) = req.filter(|_| !h.method.is_empty()) {
                            t.add(p, Fid::HttpRequestIn, AppValue::Uint(q + 1));
                        }
                        if let Some(ns) = tx.latency_ns() {
                            t.add(p, Fid::HttpTime, AppValue::Rel(ns));
                        }
                        t.add_http_headers(p, Fid::HttpResponseLine, &h.response_headers);
                    }
                }
                Detail::Dns(d) => {
                    // Wireshark calls DNS on the multicast ports mdns and llmnr: the
                    // fields are dns.*, the protocol is not `dns`.
                    let multicast = capture
                        .conversations
                        .get(tx.conv as usize)
                        .is_some_and(|c| {
                            [c.port_a, c.port_b]
                                .iter()
                                .any(|p| matches!(p, 5353 | 5355))
                        });
                    // A retransmitted query shows the query's fields again.
                    let queries = req
                        .into_iter()
                        .chain(d.retransmission_packets.iter().copied());
                    let sides = queries.map(|p| (p, false)).chain(resp.map(|p| (p, true)));
                    for (p, response) in sides {
                        if !multicast {
                            t.add(p, Fid::Dns, AppValue::Present);
                        }
                        t.add(p, Fid::DnsId, AppValue::Uint(d.id as u64));
                        t.add(p, Fid::DnsFlagsResponse, AppValue::Bool(response));
                        t.add(p, Fid::DnsQryName, AppValue::Text(d.name.clone()));
                        t.add(p, Fid::DnsQryType, AppValue::Uint(d.qtype.0 as u64));
                        t.add(p, Fid::DnsQryClass, AppValue::Uint(d.qclass as u64));
                        let questions = d.questions[usize::from(response)];
                        t.add(p, Fid::DnsCountQueries, AppValue::Uint(questions as u64));
                        // Wireshark shows the reply code of responses only.
                        if response {
                            let rcode = d.rcode.unwrap_or(0);
                            t.add(p, Fid::DnsFlagsRcode, AppValue::Uint(rcode as u64));
                        }
                        let answers = if response { d.counts[0] } else { 0 };
                        t.add(p, Fid::DnsCountAnswers, AppValue::Uint(answers as u64));
                        // (`dns.response_in` points forward: tshark's single pass never
                        // shows it.)
                        if let (true, Some(q)) = (response, req) {
                            t.add(p, Fid::DnsResponseTo, AppValue::Uint(q + 1));
                        }
                        // Every resource record of the message, whatever its section.
                        let (first, rest) = if response {
                            (&d.answers[..], &d.others[..])
                        } else {
                            (&d.query_records[..], &[][..])
                        };
                        for a in first.iter().chain(rest) {
                            t.add(p, Fid::DnsRespName, AppValue::Text(a.name.clone()));
                            t.add(p, Fid::DnsRespType, AppValue::Uint(a.rtype.0 as u64));
                            match a.rtype.0 {
                                1 | 28 => {
                                    let (f, v) = match a.data.parse::<std::net::IpAddr>() {
                                        Ok(std::net::IpAddr::V4(x)) => {
                                            (Fid::DnsA, AppValue::Ipv4(x.octets()))
                                        }
                                        Ok(std::net::IpAddr::V6(x)) => {
                                            (Fid::DnsAaaa, AppValue::Ipv6(x.octets()))
                                        }
                                        Err(_) => continue,
                                    };
                                    t.add(p, f, v);
                                }
                                5 => t.add(p, Fid::DnsCname, AppValue::Text(a.data.clone())),
                                15 => {
                                    if let Some((_, exchange)) = a.data.split_once(' ') {
                                        t.add(
                                            p,
                                            Fid::DnsMxMailExchange,
                                            AppValue::Text(exchange.to_owned()),
                                        );
                                    }
                                }
                                _ => {}
                            }
                        }
                        if response {
                            if let Some(ns) = tx.latency_ns() {
                                t.add(p, Fid::DnsTime, AppValue::Rel(ns));
                            }
                        }
                    }
                }
                Detail::Mysql(m) => {
                    if let (Some(p), Some(code)) = (req, m.command_code) {
                        t.add(p, Fid::MysqlCommand, AppValue::Uint(code as u64));
                    }
                    // The login's user and schema (from the handshake response), and
                    // COM_INIT_DB's schema.
                    if let Some(p) = req.filter(|_| m.command == "login") {
                        if let Some(u) = &m.user {
                            t.add(p, Fid::MysqlUser, AppValue::Text(u.clone()));
                        }
                    }
                    let schema_of = m.command == "login" || m.command_code == Some(0x02);
                    if let (Some(p), Some(s), true) = (req, &m.schema, schema_of) {
                        t.add(p, Fid::MysqlSchema, AppValue::Text(s.clone()));
                    }
                    for &(p, code) in &m.response_codes {
                        t.add(p, Fid::MysqlResponseCode, AppValue::Uint(code as u64));
                    }
                    if let (Some(p), Some(code)) = (resp, m.error_code) {
                        t.add(p, Fid::MysqlErrorCode, AppValue::Uint(code as u64));
                        if let Some(msg) = &m.error_message {
                            t.add(p, Fid::MysqlErrorMessage, AppValue::Text(msg.clone()));
                        }
                    }
                    // The statement id of a prepare's response, and of the commands that
                    // name a prepared statement (execute, send_long_data, close, reset,
                    // fetch).
                    if let Some(id) = m.stmt_id {
                        let side = match m.command_code {
                            Some(0x16) => resp,
                            Some(0x17 | 0x18 | 0x19 | 0x1a | 0x1c) => req,
                            _ => None,
                        };
                        if let Some(p) = side {
                            t.add(p, Fid::MysqlStmtId, AppValue::Uint(id as u64));
                        }
                    }
                    if let (Some(p), Some(n)) = (resp, m.affected_rows) {
                        t.add(p, Fid::MysqlAffectedRows, AppValue::Uint(n));
                    }
                    if let (Some(p), Some(q)) = (req, &m.query) {
                        // Wireshark shows the statement of COM_QUERY and COM_STMT_PREPARE.
                        if m.command == "query" || m.command == "stmt_prepare" {
                            t.add(p, Fid::MysqlQuery, AppValue::Text(q.clone()));
                        }
                    }
                }
                // memcached: Wireshark shows keys on replies too, and names binary commands
                // differently; not mapped yet.
                Detail::Memcache(_) => {}
                Detail::Tls(s) => {
                    if let (Some(p), Some(sni)) = (req, &s.sni) {
                        t.add(p, Fid::TlsSni, AppValue::Text(sni.clone()));
                    }
                }
                Detail::Redis(r) => {
                    // Wirelens's own names: Wireshark's resp has fields per RESP value
                    // only (those come from `app::pdu::resp`).
                    if let Some(p) = req.filter(|_| !r.command.is_empty()) {
                        t.add(p, Fid::RedisCommand, AppValue::Text(r.command.clone()));
                        for k in &r.keys {
                            t.add(p, Fid::RedisKey, AppValue::Text(k.clone()));
                        }
                    }
                    if let (Some(p), Some(ns)) = (resp, tx.latency_ns()) {
                        t.add(p, Fid::RedisTime, AppValue::Rel(ns));
                    }
                }
            }
        }
        t
    }

    fn add(&mut self, packet: u64, f: Fid, v: AppValue) {
        self.values.entry((packet, f)).or_default().push(v);
    }

    /// The header lines of an HTTP message (`line`: `http.request.line` or
    /// `http.response.line`) and the header fields Wireshark names (`http.host`,
    /// `http.user_agent` and `http.content_type` come from the parser's own values).
    fn add_http_headers(&mut self, p: u64, line: Fid, headers: &[String]) {
        use crate::ingest::app::http::header_value;
        for l in headers {
            self.add(p, line, AppValue::Text(l.clone()));
        }
        let named = [
            ("Transfer-Encoding", Fid::HttpTransferEncoding),
            ("Connection", Fid::HttpConnection),
            ("Server", Fid::HttpServer),
            ("Location", Fid::HttpLocation),
            ("Cookie", Fid::HttpCookie),
        ];
        for l in headers {
            if let Some(v) = header_value(l, "Content-Length") {
                if let Ok(n) = v.parse::<u64>() {
                    self.add(p, Fid::HttpContentLength, AppValue::Uint(n));
                }
                continue;
            }
            for (name, f) in named {
                if let Some(v) = header_value(l, name) {
                    self.add(p, f, AppValue::Text(v.to_owned()));
                }
            }
        }
    }
}

impl TransactionFields {
    /// The fields these values cover.
    pub fn covers(field: Fid) -> bool {
        use Fid::*;
        matches!(
            field,
            Http | HttpRequest
                | HttpRequestMethod
                | HttpRequestUri
                | HttpRequestVersion
                | HttpHost
                | HttpUserAgent
                | HttpResponse
                | HttpResponseCode
                | HttpResponsePhrase
                | HttpTime
                | HttpContentType
                | HttpRequestFullUri
                | HttpRequestIn
                | HttpRequestLine
                | HttpResponseLine
                | HttpContentLength
                | HttpTransferEncoding
                | HttpConnection
                | HttpServer
                | HttpLocation
                | HttpCookie
                | Dns
                | DnsCountQueries
                | DnsId
                | DnsFlagsResponse
                | DnsQryName
                | DnsQryType
                | DnsFlagsRcode
                | DnsTime
                | DnsQryClass
                | DnsCountAnswers
                | DnsResponseTo
                | DnsRespName
                | DnsRespType
                | DnsA
                | DnsAaaa
                | DnsCname
                | DnsMxMailExchange
                | MysqlCommand
                | MysqlAffectedRows
                | MysqlQuery
                | MysqlUser
                | MysqlSchema
                | MysqlResponseCode
                | MysqlErrorCode
                | MysqlErrorMessage
                | MysqlStmtId
                | TlsSni
                | RedisCommand
                | RedisKey
                | RedisTime
        )
    }
}

impl FieldProvider for TransactionFields {
    fn provides(&self, field: Fid) -> bool {
        Self::covers(field)
    }

    fn values(&self, field: Fid, index: usize, out: &mut ValueSink<'_>) {
        for v in self
            .values
            .get(&(index as u64, field))
            .into_iter()
            .flatten()
        {
            out.push_app(v);
        }
    }
}
