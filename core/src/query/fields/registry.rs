//! The registry of fields: every field with Wireshark's name and type (as `tshark -G
//! fields` lists them), looked up by name, with a suggestion for a misspelt one.

use serde::Serialize;
use std::collections::HashMap;
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
    /// Read from the packet's detail tree (`query::detail`): the nodes of this name, as
    /// the detail pane shows them. Slower than an extraction (the whole packet is
    /// dissected), but every field the detail shows can be filtered on.
    Detail,
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
    FrameMarked = "frame.marked", Boolean, None, Extracted, Wireshark, "Frame is marked";

    Eth = "eth", Protocol, None, Extracted, Wireshark, "Ethernet";
    EthDst = "eth.dst", Ether, None, Extracted, Wireshark, "Destination";
    EthSrc = "eth.src", Ether, None, Extracted, Wireshark, "Source";
    EthAddr = "eth.addr", Ether, None, Extracted, Wireshark, "Address";
    EthType = "eth.type", Uint16, Hex, Extracted, Wireshark, "Type";
    EthDstLg = "eth.dst.lg", Boolean, None, Extracted, Wireshark, "LG bit";
    EthDstIg = "eth.dst.ig", Boolean, None, Extracted, Wireshark, "IG bit";
    EthSrcLg = "eth.src.lg", Boolean, None, Extracted, Wireshark, "LG bit";
    EthSrcIg = "eth.src.ig", Boolean, None, Extracted, Wireshark, "IG bit";
    EthLg = "eth.lg", Boolean, None, Extracted, Wireshark, "LG bit";
    EthIg = "eth.ig", Boolean, None, Extracted, Wireshark, "IG bit";

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
    IpDsfieldDscp = "ip.dsfield.dscp", Uint8, Dec, Extracted, Wireshark, "Differentiated Services Codepoint";
    IpDsfieldEcn = "ip.dsfield.ecn", Uint8, Dec, Extracted, Wireshark, "Explicit Congestion Notification";
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
    IpChecksumStatus = "ip.checksum.status", Uint8, Dec, Extracted, Wireshark, "Header checksum status";
    IpSrc = "ip.src", Ipv4, None, Extracted, Wireshark, "Source Address";
    IpDst = "ip.dst", Ipv4, None, Extracted, Wireshark, "Destination Address";
    IpAddr = "ip.addr", Ipv4, None, Extracted, Wireshark, "Source or Destination Address";

    Ipv6 = "ipv6", Protocol, None, Extracted, Wireshark, "Internet Protocol Version 6";
    Ipv6Version = "ipv6.version", Uint8, Dec, Extracted, Wireshark, "Version";
    Ipv6Tclass = "ipv6.tclass", Uint32, Hex, Extracted, Wireshark, "Traffic Class";
    Ipv6TclassDscp = "ipv6.tclass.dscp", Uint32, Dec, Extracted, Wireshark, "Differentiated Services Codepoint";
    Ipv6TclassEcn = "ipv6.tclass.ecn", Uint32, Dec, Extracted, Wireshark, "Explicit Congestion Notification";
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
    TcpNxtseq = "tcp.nxtseq", Uint32, Dec, Extracted, Wireshark, "Next Sequence Number";
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
    TcpFlagsStr = "tcp.flags.str", String, None, Extracted, Wireshark, "TCP Flags";
    TcpWindowSizeValue = "tcp.window_size_value", Uint16, Dec, Extracted, Wireshark, "Window";
    TcpWindowSize = "tcp.window_size", Uint32, Dec, Extracted, Wireshark, "Calculated window size";
    TcpWindowSizeScalefactor = "tcp.window_size_scalefactor", Int32, Dec, Extracted, Wireshark, "Window size scaling factor";
    TcpChecksum = "tcp.checksum", Uint16, Hex, Extracted, Wireshark, "Checksum";
    TcpChecksumStatus = "tcp.checksum.status", Uint8, Dec, Extracted, Wireshark, "Checksum Status";
    TcpUrgentPointer = "tcp.urgent_pointer", Uint16, Dec, Extracted, Wireshark, "Urgent Pointer";
    TcpOptionsMssVal = "tcp.options.mss_val", Uint16, Dec, Extracted, Wireshark, "MSS Value";
    TcpOptionsWscaleShift = "tcp.options.wscale.shift", Uint8, Dec, Extracted, Wireshark, "Shift count";
    TcpOptionsWscaleMultiplier = "tcp.options.wscale.multiplier", Uint16, Dec, Extracted, Wireshark, "Multiplier";
    TcpOptionsTsval = "tcp.options.timestamp.tsval", Uint32, Dec, Extracted, Wireshark, "Timestamp value";
    TcpOptionsTsecr = "tcp.options.timestamp.tsecr", Uint32, Dec, Extracted, Wireshark, "Timestamp echo reply";
    TcpOptions = "tcp.options", Bytes, None, Extracted, Wireshark, "TCP Options";
    TcpOptionKind = "tcp.option_kind", Uint8, Dec, Extracted, Wireshark, "Kind";
    TcpOptionLen = "tcp.option_len", Uint8, Dec, Extracted, Wireshark, "Length";
    TcpOptionsEol = "tcp.options.eol", Protocol, None, Extracted, Wireshark, "TCP Option - End of Option List (EOL)";
    TcpOptionsNop = "tcp.options.nop", Protocol, None, Extracted, Wireshark, "TCP Option - No-Operation (NOP)";
    TcpOptionsMss = "tcp.options.mss", Protocol, None, Extracted, Wireshark, "TCP Option - Maximum segment size";
    TcpOptionsWscale = "tcp.options.wscale", Protocol, None, Extracted, Wireshark, "TCP Option - Window scale";
    TcpOptionsSackPerm = "tcp.options.sack_perm", Protocol, None, Extracted, Wireshark, "TCP Option - SACK permitted";
    TcpOptionsSack = "tcp.options.sack", Protocol, None, Extracted, Wireshark, "TCP Option - SACK";
    TcpOptionsTimestamp = "tcp.options.timestamp", Protocol, None, Extracted, Wireshark, "TCP Option - Timestamps";
    TcpOptionsSackLe = "tcp.options.sack_le", Uint32, Dec, Extracted, Wireshark, "left edge";
    TcpOptionsSackRe = "tcp.options.sack_re", Uint32, Dec, Extracted, Wireshark, "right edge";
    TcpOptionsSackCount = "tcp.options.sack.count", Uint8, Dec, Extracted, Wireshark, "TCP SACK Count";
    TcpResetCause = "tcp.reset_cause", String, None, Extracted, Wireshark, "Reset cause";
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
    TcpAnalysisRto = "tcp.analysis.rto", RelativeTime, None, Extracted, Wireshark, "The RTO for this segment was";
    TcpAnalysisRtoFrame = "tcp.analysis.rto_frame", Framenum, Dec, Extracted, Wireshark, "RTO based on delta from frame";
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
    UdpChecksumStatus = "udp.checksum.status", Uint8, Dec, Extracted, Wireshark, "Checksum Status";
    UdpStream = "udp.stream", Uint32, Dec, Extracted, Wireshark, "Stream index";
    UdpTimeRelative = "udp.time_relative", RelativeTime, None, Extracted, Wireshark, "Time since first frame";
    UdpTimeDelta = "udp.time_delta", RelativeTime, None, Extracted, Wireshark, "Time since previous frame";
    UdpPayload = "udp.payload", Bytes, None, Extracted, Wireshark, "Payload";

    // Protocols of the wire layer's stack that have no fields here: each is there where
    // the layer is, as `frame.protocols` names it (`stack_proto`).
    Ieee8021ad = "ieee8021ad", Protocol, None, Extracted, Wireshark, "IEEE 802.1ad";
    Null = "null", Protocol, None, Extracted, Wireshark, "Null/Loopback";
    Raw = "raw", Protocol, None, Extracted, Wireshark, "Raw packet data";
    Llc = "llc", Protocol, None, Extracted, Wireshark, "Logical-Link Control";
    Ipx = "ipx", Protocol, None, Extracted, Wireshark, "Internetwork Packet eXchange";
    Ipv6Hopopts = "ipv6.hopopts", Protocol, None, Extracted, Wireshark, "IPv6 Hop-by-Hop Option";
    Ipv6Routing = "ipv6.routing", Protocol, None, Extracted, Wireshark, "Routing Header for IPv6";
    Ipv6Fraghdr = "ipv6.fraghdr", Protocol, None, Extracted, Wireshark, "Fragment Header for IPv6";
    Ipv6Dstopts = "ipv6.dstopts", Protocol, None, Extracted, Wireshark, "Destination Options for IPv6";
    Ah = "ah", Protocol, None, Extracted, Wireshark, "Authentication Header";
    Esp = "esp", Protocol, None, Extracted, Wireshark, "Encapsulating Security Payload";
    Mipv6 = "mipv6", Protocol, None, Extracted, Wireshark, "Mobile IPv6";
    Shim6 = "shim6", Protocol, None, Extracted, Wireshark, "Shim6 Protocol";
    Hip = "hip", Protocol, None, Extracted, Wireshark, "Host Identity Protocol";
    Igmp = "igmp", Protocol, None, Extracted, Wireshark, "Internet Group Management Protocol";
    Igrp = "igrp", Protocol, None, Extracted, Wireshark, "Cisco Interior Gateway Routing Protocol";
    Dccp = "dccp", Protocol, None, Extracted, Wireshark, "Datagram Congestion Control Protocol";
    Rsvp = "rsvp", Protocol, None, Extracted, Wireshark, "Resource ReserVation Protocol (RSVP)";
    Gre = "gre", Protocol, None, Extracted, Wireshark, "Generic Routing Encapsulation";
    Eigrp = "eigrp", Protocol, None, Extracted, Wireshark, "Enhanced Interior Gateway Routing Protocol";
    Ospf = "ospf", Protocol, None, Extracted, Wireshark, "Open Shortest Path First";
    Etherip = "etherip", Protocol, None, Extracted, Wireshark, "Ethernet over IP";
    Pim = "pim", Protocol, None, Extracted, Wireshark, "Protocol Independent Multicast";
    Ipcomp = "ipcomp", Protocol, None, Extracted, Wireshark, "IP Payload Compression";
    Vrrp = "vrrp", Protocol, None, Extracted, Wireshark, "Virtual Router Redundancy Protocol";
    L2tp = "l2tp", Protocol, None, Extracted, Wireshark, "Layer 2 Tunneling Protocol";
    Sctp = "sctp", Protocol, None, Extracted, Wireshark, "Stream Control Transmission Protocol";
    Udplite = "udplite", Protocol, None, Extracted, Wireshark, "Lightweight User Datagram Protocol";
    Mpls = "mpls", Protocol, None, Extracted, Wireshark, "MultiProtocol Label Switching Header";
    Osi = "osi", Protocol, None, Extracted, Wireshark, "OSI";
    Macsec = "macsec", Protocol, None, Extracted, Wireshark, "802.1AE Security tag";
    Ptp = "ptp", Protocol, None, Extracted, Wireshark, "Precision Time Protocol (IEEE1588)";
    Slow = "slow", Protocol, None, Extracted, Wireshark, "Slow Protocols";
    Eapol = "eapol", Protocol, None, Extracted, Wireshark, "802.1X Authentication";
    Aarp = "aarp", Protocol, None, Extracted, Wireshark, "Appletalk Address Resolution Protocol";
    DecDna = "dec_dna", Protocol, None, Extracted, Wireshark, "DEC DNA Routing Protocol";
    Pppoed = "pppoed", Protocol, None, Extracted, Wireshark, "PPP-over-Ethernet Discovery";
    Pppoes = "pppoes", Protocol, None, Extracted, Wireshark, "PPP-over-Ethernet Session";
    Lldp = "lldp", Protocol, None, Extracted, Wireshark, "Link Layer Discovery Protocol";
    Loop = "loop", Protocol, None, Extracted, Wireshark, "Configuration Test Protocol (loopback)";
    Vntag = "vntag", Protocol, None, Extracted, Wireshark, "VN-Tag";
    Ieee8021ah = "ieee8021ah", Protocol, None, Extracted, Wireshark, "IEEE 802.1ah";
    Trill = "trill", Protocol, None, Extracted, Wireshark, "TRILL";
    Nsh = "nsh", Protocol, None, Extracted, Wireshark, "Network Service Header";
    Goose = "goose", Protocol, None, Extracted, Wireshark, "GOOSE";
    PnRt = "pn_rt", Protocol, None, Extracted, Wireshark, "PROFINET Real-Time Protocol";
    Ecatf = "ecatf", Protocol, None, Extracted, Wireshark, "EtherCAT frame header";
    Fcoe = "fcoe", Protocol, None, Extracted, Wireshark, "Fibre Channel over Ethernet";
    Fip = "fip", Protocol, None, Extracted, Wireshark, "FCoE Initialization Protocol";
    Ieee1905 = "ieee1905", Protocol, None, Extracted, Wireshark, "IEEE 1905.1a";
    PnMrp = "pn_mrp", Protocol, None, Extracted, Wireshark, "PROFINET MRP";
    Cfm = "cfm", Protocol, None, Extracted, Wireshark, "CFM EOAM 802.1ag/ITU Protocol";
    Ieee1722 = "ieee1722", Protocol, None, Extracted, Wireshark, "IEEE 1722 Audio Video Transport Protocol (AVTP)";
    Macc = "macc", Protocol, None, Extracted, Wireshark, "MAC Control";
    Idp = "idp", Protocol, None, Extracted, Wireshark, "Internetwork Datagram Protocol";
    Ppp = "ppp", Protocol, None, Extracted, Wireshark, "Point-to-Point Protocol";
    Lcp = "lcp", Protocol, None, Extracted, Wireshark, "PPP Link Control Protocol";
    Ipcp = "ipcp", Protocol, None, Extracted, Wireshark, "PPP IP Control Protocol";
    Ipv6cp = "ipv6cp", Protocol, None, Extracted, Wireshark, "PPP IPv6 Control Protocol";
    Pap = "pap", Protocol, None, Extracted, Wireshark, "PPP Password Authentication Protocol";
    Chap = "chap", Protocol, None, Extracted, Wireshark, "PPP Challenge Handshake Authentication Protocol";
    Stp = "stp", Protocol, None, Extracted, Wireshark, "Spanning Tree Protocol";
    Cdp = "cdp", Protocol, None, Extracted, Wireshark, "Cisco Discovery Protocol";
    Dtp = "dtp", Protocol, None, Extracted, Wireshark, "Dynamic Trunk Protocol";
    Netbios = "netbios", Protocol, None, Extracted, Wireshark, "NetBIOS";
    Vxlan = "vxlan", Protocol, None, Extracted, Wireshark, "Virtual eXtensible Local Area Network";
    Geneve = "geneve", Protocol, None, Extracted, Wireshark, "Generic Network Virtualization Encapsulation";
    Erspan = "erspan", Protocol, None, Extracted, Wireshark, "Encapsulated Remote Switch Packet ANalysis";
    Gtp = "gtp", Protocol, None, Extracted, Wireshark, "GPRS Tunneling Protocol";
    Teredo = "teredo", Protocol, None, Extracted, Wireshark, "Teredo IPv6 over UDP tunneling";
    Cmd = "cmd", Protocol, None, Extracted, Wireshark, "Cisco MetaData";
    Chdlc = "chdlc", Protocol, None, Extracted, Wireshark, "Cisco HDLC";
    Slarp = "slarp", Protocol, None, Extracted, Wireshark, "Cisco SLARP";
    Nflog = "nflog", Protocol, None, Extracted, Wireshark, "Linux Netfilter NFLOG";
    UserDlt = "user_dlt", Protocol, None, Extracted, Wireshark, "DLT User";
    Pktap = "pktap", Protocol, None, Extracted, Wireshark, "PKTAP packet header";
    PcapPktdata = "pcap_pktdata", Protocol, None, Extracted, Wireshark, "pcap/pcapng packet data";
    Ipnet = "ipnet", Protocol, None, Extracted, Wireshark, "Solaris IPNET";
    Ipoib = "ipoib", Protocol, None, Extracted, Wireshark, "IP over Infiniband";
    Arcnet = "arcnet", Protocol, None, Extracted, Wireshark, "ARCNET";
    Radiotap = "radiotap", Protocol, None, Extracted, Wireshark, "IEEE 802.11 Radiotap Capture header";
    WlanRadio = "wlan_radio", Protocol, None, Extracted, Wireshark, "802.11 radio information";
    Wlan = "wlan", Protocol, None, Extracted, Wireshark, "IEEE 802.11 wireless LAN";
    Ppi = "ppi", Protocol, None, Extracted, Wireshark, "PPI Packet Header";
    Fddi = "fddi", Protocol, None, Extracted, Wireshark, "Fiber Distributed Data Interface";

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
    HttpReferer = "http.referer", String, None, Extracted, Wireshark, "Referer";
    HttpDate = "http.date", String, None, Extracted, Wireshark, "Date";
    HttpAccept = "http.accept", String, None, Extracted, Wireshark, "Accept";
    HttpAcceptEncoding = "http.accept_encoding", String, None, Extracted, Wireshark, "Accept Encoding";
    HttpAcceptLanguage = "http.accept_language", String, None, Extracted, Wireshark, "Accept-Language";
    HttpAuthorization = "http.authorization", String, None, Extracted, Wireshark, "Authorization";
    HttpProxyAuthorization = "http.proxy_authorization", String, None, Extracted, Wireshark, "Proxy-Authorization";
    HttpWwwAuthenticate = "http.www_authenticate", String, None, Extracted, Wireshark, "WWW-Authenticate";
    HttpCacheControl = "http.cache_control", String, None, Extracted, Wireshark, "Cache-Control";
    HttpContentEncoding = "http.content_encoding", String, None, Extracted, Wireshark, "Content-Encoding";
    HttpLastModified = "http.last_modified", String, None, Extracted, Wireshark, "Last-Modified";
    HttpSetCookie = "http.set_cookie", String, None, Extracted, Wireshark, "Set-Cookie";
    HttpUpgrade = "http.upgrade", String, None, Extracted, Wireshark, "Upgrade";
    HttpXForwardedFor = "http.x_forwarded_for", String, None, Extracted, Wireshark, "X-Forwarded-For";
    HttpTime = "http.time", RelativeTime, None, Extracted, Wireshark, "Time since request";
    HttpRequestIn = "http.request_in", Framenum, Dec, Extracted, Wireshark, "Request in frame";
    HttpResponseIn = "http.response_in", Framenum, Dec, NotYetExtracted, Wireshark, "Response in frame";
    HttpFileData = "http.file_data", String, None, Detail, Wireshark, "File Data";

    Http2 = "http2", Protocol, None, Extracted, Wireshark, "HyperText Transfer Protocol 2";
    Http2Streamid = "http2.streamid", Uint32, Dec, Extracted, Wireshark, "Stream Identifier";
    Http2Type = "http2.type", Uint8, Dec, Extracted, Wireshark, "Type";
    Http2Length = "http2.length", Uint24, Dec, Extracted, Wireshark, "Length";
    Http2Flags = "http2.flags", Uint8, Hex, Extracted, Wireshark, "Flags";
    Http2Magic = "http2.magic", String, None, Extracted, Wireshark, "Magic";
    Http2HeadersMethod = "http2.headers.method", String, None, Extracted, Wireshark, ":method";
    Http2HeadersPath = "http2.headers.path", String, None, Extracted, Wireshark, ":path";
    Http2HeadersAuthority = "http2.headers.authority", String, None, Extracted, Wireshark, ":authority";
    Http2HeadersScheme = "http2.headers.scheme", String, None, Extracted, Wireshark, ":scheme";
    Http2HeadersStatus = "http2.headers.status", Uint16, Dec, Extracted, Wireshark, ":status";

    // HTTP bodies: the protocols packet-http.c hands a body to by its media type (as
    // frame.protocols names them), and JSON's items (packet-json.c). `json` and
    // `urlencoded-form` from the transactions, the others from the bodies read again
    // (`pdu::http`).
    Json = "json", Protocol, None, Extracted, Wireshark, "JavaScript Object Notation";
    Xml = "xml", Protocol, None, Extracted, Wireshark, "eXtensible Markup Language";
    DataTextLines = "data-text-lines", Protocol, None, Extracted, Wireshark, "Line-based text data";
    ImageGif = "image-gif", Protocol, None, Extracted, Wireshark, "Compuserve GIF";
    ImageJfif = "image-jfif", Protocol, None, Extracted, Wireshark, "JPEG File Interchange Format";
    Png = "png", Protocol, None, Extracted, Wireshark, "Portable Network Graphics";
    Media = "media", Protocol, None, Extracted, Wireshark, "Media Type";
    UrlencodedForm = "urlencoded-form", Protocol, None, Extracted, Wireshark, "HTML Form URL Encoded";
    JsonObject = "json.object", None, None, Extracted, Wireshark, "Object";
    JsonArray = "json.array", None, None, Extracted, Wireshark, "Array";
    JsonMember = "json.member", String, None, Extracted, Wireshark, "Member";
    JsonKey = "json.key", String, None, Extracted, Wireshark, "Key";
    JsonPath = "json.path", String, None, Extracted, Wireshark, "Path";
    JsonValueString = "json.value.string", String, None, Extracted, Wireshark, "String value";
    JsonValueNumber = "json.value.number", String, None, Extracted, Wireshark, "Number value";
    JsonValueTrue = "json.value.true", None, None, Extracted, Wireshark, "True value";
    JsonValueFalse = "json.value.false", None, None, Extracted, Wireshark, "False value";
    JsonValueNull = "json.value.null", None, None, Extracted, Wireshark, "Null value";

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
    MysqlLoginRequest = "mysql.login_request", None, None, Extracted, Wireshark, "Login Request";

    Pgsql = "pgsql", Protocol, None, Extracted, Wireshark, "PostgreSQL";
    PgsqlType = "pgsql.type", String, None, Extracted, Wireshark, "Type";
    PgsqlLength = "pgsql.length", Uint32, Dec, Extracted, Wireshark, "Length";
    PgsqlQuery = "pgsql.query", String, None, Extracted, Wireshark, "Query";
    PgsqlTag = "pgsql.tag", String, None, Extracted, Wireshark, "Tag";
    PgsqlSeverity = "pgsql.severity", String, None, Extracted, Wireshark, "Severity";
    PgsqlCode = "pgsql.code", String, None, Extracted, Wireshark, "Code";
    PgsqlMessage = "pgsql.message", String, None, Extracted, Wireshark, "Message";

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
    DnsRetransmitRequest = "dns.retransmit_request", None, None, Extracted, Wireshark, "DNS query retransmission";
    DnsRetransmitResponse = "dns.retransmit_response", None, None, Extracted, Wireshark, "DNS response retransmission";
    DnsRetransmitRequestIn = "dns.retransmit_request_in", Framenum, Dec, Extracted, Wireshark, "Retransmitted request. Original request in";
    DnsRetransmitResponseIn = "dns.retransmit_response_in", Framenum, Dec, Extracted, Wireshark, "Retransmitted response. Original response in";
    DnsRetransmission = "dns.retransmission", Boolean, None, Extracted, Wireshark, "Retransmission";
    DnsUnsolicited = "dns.unsolicited", Boolean, None, Extracted, Wireshark, "Unsolicited";

    Nbns = "nbns", Protocol, None, Extracted, Wireshark, "NetBIOS Name Service";

    // UDP's application protocols tshark names by port (`ingest::app::udp_port_proto`),
    // present where its dissector adds its item (`fields/udp.rs`).
    Dhcp = "dhcp", Protocol, None, Extracted, Wireshark, "Dynamic Host Configuration Protocol";
    Dhcpv6 = "dhcpv6", Protocol, None, Extracted, Wireshark, "DHCPv6";
    Tftp = "tftp", Protocol, None, Extracted, Wireshark, "Trivial File Transfer Protocol";
    Ntp = "ntp", Protocol, None, Extracted, Wireshark, "Network Time Protocol";
    Nbdgm = "nbdgm", Protocol, None, Extracted, Wireshark, "NetBIOS Datagram Service";
    Browser = "browser", Protocol, None, Extracted, Wireshark, "Microsoft Windows Browser Protocol";
    Snmp = "snmp", Protocol, None, Extracted, Wireshark, "Simple Network Management Protocol";
    Syslog = "syslog", Protocol, None, Extracted, Wireshark, "Syslog message";
    Rip = "rip", Protocol, None, Extracted, Wireshark, "Routing Information Protocol";
    Ssdp = "ssdp", Protocol, None, Extracted, Wireshark, "Simple Service Discovery Protocol";
    Sip = "sip", Protocol, None, Extracted, Wireshark, "Session Initiation Protocol";
    Mdns = "mdns", Protocol, None, Extracted, Wireshark, "Multicast Domain Name System";
    Llmnr = "llmnr", Protocol, None, Extracted, Wireshark, "Link-local Multicast Name Resolution";
    // Application protocols tshark finds on their TCP ports (tcpapps; query::fields::ssh).
    Ssh = "ssh", Protocol, None, Extracted, Wireshark, "SSH Protocol";
    Nbss = "nbss", Protocol, None, Extracted, Wireshark, "NetBIOS Session Service";
    Smb = "smb", Protocol, None, Extracted, Wireshark, "SMB (Server Message Block Protocol)";
    Ldap = "ldap", Protocol, None, Extracted, Wireshark, "Lightweight Directory Access Protocol";
    Bgp = "bgp", Protocol, None, Extracted, Wireshark, "Border Gateway Protocol";
    Kafka = "kafka", Protocol, None, Extracted, Wireshark, "Kafka";
    Rlogin = "rlogin", Protocol, None, Extracted, Wireshark, "Rlogin Protocol";
    Irc = "irc", Protocol, None, Extracted, Wireshark, "Internet Relay Chat";
    Ftp = "ftp", Protocol, None, Extracted, Wireshark, "File Transfer Protocol (FTP)";
    Telnet = "telnet", Protocol, None, Extracted, Wireshark, "Telnet";
    Pop = "pop", Protocol, None, Extracted, Wireshark, "Post Office Protocol";
    Smtp = "smtp", Protocol, None, Extracted, Wireshark, "Simple Mail Transfer Protocol";
    Imap = "imap", Protocol, None, Extracted, Wireshark, "Internet Message Access Protocol";

    Tls = "tls", Protocol, None, Extracted, Wireshark, "Transport Layer Security";
    TlsSni = "tls.handshake.extensions_server_name", String, None, Extracted, Wireshark, "Server Name";
    TlsHandshakeType = "tls.handshake.type", Uint8, Dec, Extracted, Wireshark, "Handshake Message Type";

    Quic = "quic", Protocol, None, Extracted, Wireshark, "QUIC IETF";
    QuicHeaderForm = "quic.header_form", Uint8, Dec, Extracted, Wireshark, "Header Form";
    QuicLongPacketType = "quic.long.packet_type", Uint8, Dec, Extracted, Wireshark, "Packet Type";
    QuicVersion = "quic.version", Uint32, Hex, Extracted, Wireshark, "Version";
    QuicDcil = "quic.dcil", Uint8, Dec, Extracted, Wireshark, "Destination Connection ID Length";
    QuicDcid = "quic.dcid", Bytes, None, Extracted, Wireshark, "Destination Connection ID";
    QuicScil = "quic.scil", Uint8, Dec, Extracted, Wireshark, "Source Connection ID Length";
    QuicScid = "quic.scid", Bytes, None, Extracted, Wireshark, "Source Connection ID";
    QuicPacketLength = "quic.packet_length", Uint32, Dec, Extracted, Wireshark, "Packet Length";
    QuicPacketNumber = "quic.packet_number", Uint64, Dec, Extracted, Wireshark, "Packet Number";

    WlProcessPid = "wl.process.pid", Uint32, Dec, Extracted, Wirelens, "Process id of the socket's owner (pcapng comment or process block)";
    WlProcessName = "wl.process.name", String, None, Extracted, Wirelens, "Process name (COMM) of the socket's owner";
    WlSessionDuration = "wl.session.duration", RelativeTime, None, Extracted, Wirelens, "Lifespan of the packet's TCP or UDP conversation, first to last frame";
    WlSessionBytes = "wl.session.bytes", Uint64, Dec, Extracted, Wirelens, "Bytes (frame lengths) of the packet's conversation, both ways";
    WlSessionFrames = "wl.session.frames", Uint64, Dec, Extracted, Wirelens, "Frames of the packet's conversation, both ways";

    // The packet-list columns and the colouring rule (query::rows): `wirelens list -T
    // fields -e` prints them, as tshark does (the rule as `tshark --color` does); filters
    // on them match nothing yet.
    ColNumber = "_ws.col.No.", String, None, NotYetExtracted, Wireshark, "No. column";
    ColTime = "_ws.col.Time", String, None, NotYetExtracted, Wireshark, "Time column (seconds since the first packet)";
    ColSource = "_ws.col.Source", String, None, NotYetExtracted, Wireshark, "Source column";
    ColDestination = "_ws.col.Destination", String, None, NotYetExtracted, Wireshark, "Destination column";
    ColProtocol = "_ws.col.Protocol", String, None, NotYetExtracted, Wireshark, "Protocol column";
    ColLength = "_ws.col.Length", String, None, NotYetExtracted, Wireshark, "Length column";
    ColInfo = "_ws.col.Info", String, None, NotYetExtracted, Wireshark, "Info column";
    ColoringRuleName = "frame.coloring_rule.name", String, None, NotYetExtracted, Wireshark, "The frame matched the coloring rule with this name";
    ColoringRuleString = "frame.coloring_rule.string", String, None, NotYetExtracted, Wireshark, "The frame matched this coloring rule string";

    // BEGIN detail fields
    // Fields the packet detail shows and no extraction above answers: read from
    // the packet's detail tree. Written by tests/scripts/make-detail-fields.py from
    // tests/golden/pdml/FIELDS and `tshark -G fields`; do not edit by hand.
    D__ws_expert = "_ws.expert", Protocol, None, Detail, Wireshark, "Expert Info";
    D__ws_expert_group = "_ws.expert.group", Uint32, Dec, Detail, Wireshark, "Group";
    D__ws_expert_message = "_ws.expert.message", String, None, Detail, Wireshark, "Message";
    D__ws_expert_severity = "_ws.expert.severity", Uint32, Dec, Detail, Wireshark, "Severity level";
    D__ws_malformed = "_ws.malformed", Protocol, None, Detail, Wireshark, "Malformed Packet";
    D__ws_malformed_expert = "_ws.malformed.expert", None, None, Detail, Wireshark, "Malformed Packet (Exception occurred)";
    D__ws_short = "_ws.short", Protocol, None, Detail, Wireshark, "Short Frame";
    D_arcnet_dst = "arcnet.dst", Uint8, Hex, Detail, Wireshark, "Dest";
    D_arcnet_offset = "arcnet.offset", Bytes, None, Detail, Wireshark, "Offset";
    D_arcnet_protID = "arcnet.protID", Uint8, Hex, Detail, Wireshark, "Protocol ID";
    D_arcnet_sequence = "arcnet.sequence", Uint16, Dec, Detail, Wireshark, "Sequence";
    D_arcnet_split_flag = "arcnet.split_flag", Uint8, Dec, Detail, Wireshark, "Split Flag";
    D_arcnet_src = "arcnet.src", Uint8, Hex, Detail, Wireshark, "Source";
    D_ber_bitstring_padding = "ber.bitstring.padding", Uint8, Dec, Detail, Wireshark, "Padding";
    D_data = "data", Protocol, None, Detail, Wireshark, "Data";
    D_data_data = "data.data", Bytes, None, Detail, Wireshark, "Data";
    D_data_len = "data.len", Int32, Dec, Detail, Wireshark, "Length";
    D_dhcp_bad_length = "dhcp.bad_length", None, None, Detail, Wireshark, "length isn't 0";
    D_dhcp_boot_filename_overloaded_by_dhcp = "dhcp.boot_filename_overloaded_by_dhcp", None, None, Detail, Wireshark, "Boot file name option overloaded by DHCP";
    D_dhcp_bootp = "dhcp.bootp", Boolean, None, Detail, Wireshark, "Frame is BOOTP";
    D_dhcp_client_address_not_given = "dhcp.client_address_not_given", None, None, Detail, Wireshark, "Client address not given";
    D_dhcp_cookie = "dhcp.cookie", Ipv4, None, Detail, Wireshark, "Magic cookie";
    D_dhcp_end_option_missing = "dhcp.end_option_missing", None, None, Detail, Wireshark, "End option missing";
    D_dhcp_file = "dhcp.file", String, None, Detail, Wireshark, "Boot file name";
    D_dhcp_flags = "dhcp.flags", Uint16, Hex, Detail, Wireshark, "Bootp flags";
    D_dhcp_flags_bc = "dhcp.flags.bc", Boolean, None, Detail, Wireshark, "Broadcast flag";
    D_dhcp_flags_reserved = "dhcp.flags.reserved", Uint16, Hex, Detail, Wireshark, "Reserved flags";
    D_dhcp_hops = "dhcp.hops", Uint8, Dec, Detail, Wireshark, "Hops";
    D_dhcp_hw_addr = "dhcp.hw.addr", Bytes, None, Detail, Wireshark, "Client hardware address";
    D_dhcp_hw_addr_padding = "dhcp.hw.addr_padding", Bytes, None, Detail, Wireshark, "Client hardware address padding";
    D_dhcp_hw_len = "dhcp.hw.len", Uint8, Dec, Detail, Wireshark, "Hardware address length";
    D_dhcp_hw_mac_addr = "dhcp.hw.mac_addr", Ether, None, Detail, Wireshark, "Client MAC address";
    D_dhcp_hw_type = "dhcp.hw.type", Uint8, Hex, Detail, Wireshark, "Hardware type";
    D_dhcp_id = "dhcp.id", Uint32, Hex, Detail, Wireshark, "Transaction ID";
    D_dhcp_ip_client = "dhcp.ip.client", Ipv4, None, Detail, Wireshark, "Client IP address";
    D_dhcp_ip_relay = "dhcp.ip.relay", Ipv4, None, Detail, Wireshark, "Relay agent IP address";
    D_dhcp_ip_server = "dhcp.ip.server", Ipv4, None, Detail, Wireshark, "Next server IP address";
    D_dhcp_ip_your = "dhcp.ip.your", Ipv4, None, Detail, Wireshark, "Your (client) IP address";
    D_dhcp_option_arp_cache_timeout = "dhcp.option.arp_cache_timeout", Uint32, Dec, Detail, Wireshark, "ARP Cache Timeout";
    D_dhcp_option_boot_file_size = "dhcp.option.boot_file_size", Uint16, Dec, Detail, Wireshark, "Boot File Size";
    D_dhcp_option_bootfile_name = "dhcp.option.bootfile_name", String, None, Detail, Wireshark, "Bootfile name";
    D_dhcp_option_broadcast_address = "dhcp.option.broadcast_address", Ipv4, None, Detail, Wireshark, "Broadcast Address";
    D_dhcp_option_default_finger_server = "dhcp.option.default_finger_server", Ipv4, None, Detail, Wireshark, "Default Finger Server";
    D_dhcp_option_default_ip_ttl = "dhcp.option.default_ip_ttl", Uint8, Dec, Detail, Wireshark, "Default IP Time-to-Live";
    D_dhcp_option_default_irc_server = "dhcp.option.default_irc_server", Ipv4, None, Detail, Wireshark, "Default IRC Server";
    D_dhcp_option_default_www_server = "dhcp.option.default_www_server", Ipv4, None, Detail, Wireshark, "Default WWW Server";
    D_dhcp_option_dhcp = "dhcp.option.dhcp", Uint8, Dec, Detail, Wireshark, "DHCP";
    D_dhcp_option_dhcp_max_message_size = "dhcp.option.dhcp_max_message_size", Uint16, Dec, Detail, Wireshark, "Maximum DHCP Message Size";
    D_dhcp_option_dhcp_server_id = "dhcp.option.dhcp_server_id", Ipv4, None, Detail, Wireshark, "DHCP Server Identifier";
    D_dhcp_option_domain_name = "dhcp.option.domain_name", String, None, Detail, Wireshark, "Domain Name";
    D_dhcp_option_domain_name_server = "dhcp.option.domain_name_server", Ipv4, None, Detail, Wireshark, "Domain Name Server";
    D_dhcp_option_end = "dhcp.option.end", Uint8, Dec, Detail, Wireshark, "Option End";
    D_dhcp_option_extension_path = "dhcp.option.extension_path", String, None, Detail, Wireshark, "Extensions Path";
    D_dhcp_option_hostname = "dhcp.option.hostname", String, None, Detail, Wireshark, "Host Name";
    D_dhcp_option_impress_server = "dhcp.option.impress_server", Ipv4, None, Detail, Wireshark, "Impress Server";
    D_dhcp_option_interface_mtu = "dhcp.option.interface_mtu", Uint16, Dec, Detail, Wireshark, "Interface MTU";
    D_dhcp_option_ip_address_lease_time = "dhcp.option.ip_address_lease_time", Uint32, Dec, Detail, Wireshark, "IP Address Lease Time";
    D_dhcp_option_length = "dhcp.option.length", Uint8, Dec, Detail, Wireshark, "Length";
    D_dhcp_option_log_server = "dhcp.option.log_server", Ipv4, None, Detail, Wireshark, "Log Server";
    D_dhcp_option_lpr_server = "dhcp.option.lpr_server", Ipv4, None, Detail, Wireshark, "LPR Server";
    D_dhcp_option_max_datagram_reassembly_size = "dhcp.option.max_datagram_reassembly_size", Uint16, Dec, Detail, Wireshark, "Maximum Datagram Reassembly Size";
    D_dhcp_option_merit_dump_file = "dhcp.option.merit_dump_file", String, None, Detail, Wireshark, "Merit Dump File";
    D_dhcp_option_message = "dhcp.option.message", String, None, Detail, Wireshark, "Message";
    D_dhcp_option_mobile_ip_home_agent = "dhcp.option.mobile_ip_home_agent", Ipv4, None, Detail, Wireshark, "Mobile IP Home Agent";
    D_dhcp_option_name_server = "dhcp.option.name_server", Ipv4, None, Detail, Wireshark, "Name Server";
    D_dhcp_option_netbios_over_tcpip_dd_name_server = "dhcp.option.netbios_over_tcpip_dd_name_server", Ipv4, None, Detail, Wireshark, "NetBIOS over TCP/IP Datagram Distribution Name Server";
    D_dhcp_option_netbios_over_tcpip_name_server = "dhcp.option.netbios_over_tcpip_name_server", Ipv4, None, Detail, Wireshark, "NetBIOS over TCP/IP Name Server";
    D_dhcp_option_netbios_over_tcpip_scope = "dhcp.option.netbios_over_tcpip_scope", String, None, Detail, Wireshark, "NetBIOS over TCP/IP Scope";
    D_dhcp_option_nis_domain = "dhcp.option.nis_domain", String, None, Detail, Wireshark, "Network Information Service Domain";
    D_dhcp_option_nis_plus_domain = "dhcp.option.nis_plus_domain", String, None, Detail, Wireshark, "Network Information Service+ Domain";
    D_dhcp_option_nis_plus_server = "dhcp.option.nis_plus_server", Ipv4, None, Detail, Wireshark, "Network Information Service+ Server";
    D_dhcp_option_nis_server = "dhcp.option.nis_server", Ipv4, None, Detail, Wireshark, "Network Information Service Server";
    D_dhcp_option_nntp_server = "dhcp.option.nntp_server", Ipv4, None, Detail, Wireshark, "NNTP Server";
    D_dhcp_option_ntp_server = "dhcp.option.ntp_server", Ipv4, None, Detail, Wireshark, "Network Time Protocol Server";
    D_dhcp_option_option_overload = "dhcp.option.option_overload", Uint8, Dec, Detail, Wireshark, "Option Overload";
    D_dhcp_option_option_overload_file_end_missing = "dhcp.option.option_overload.file_end_missing", None, None, Detail, Wireshark, "file overload end option missing";
    D_dhcp_option_option_overload_sname_end_missing = "dhcp.option.option_overload.sname_end_missing", None, None, Detail, Wireshark, "sname overload end option missing";
    D_dhcp_option_padding = "dhcp.option.padding", Bytes, None, Detail, Wireshark, "Padding";
    D_dhcp_option_path_mtu_aging_timeout = "dhcp.option.path_mtu_aging_timeout", Uint32, Dec, Detail, Wireshark, "Path MTU Aging Timeout";
    D_dhcp_option_pop3_server = "dhcp.option.pop3_server", Ipv4, None, Detail, Wireshark, "POP3 Server";
    D_dhcp_option_private_proxy_autodiscovery = "dhcp.option.private_proxy_autodiscovery", String, None, Detail, Wireshark, "Private/Proxy autodiscovery";
    D_dhcp_option_quotes_server = "dhcp.option.quotes_server", Ipv4, None, Detail, Wireshark, "Quotes Server";
    D_dhcp_option_rebinding_time_value = "dhcp.option.rebinding_time_value", Uint32, Dec, Detail, Wireshark, "Rebinding Time Value";
    D_dhcp_option_renewal_time_value = "dhcp.option.renewal_time_value", Uint32, Dec, Detail, Wireshark, "Renewal Time Value";
    D_dhcp_option_request_list_item = "dhcp.option.request_list_item", Uint8, Dec, Detail, Wireshark, "Parameter Request List Item";
    D_dhcp_option_requested_ip_address = "dhcp.option.requested_ip_address", Ipv4, None, Detail, Wireshark, "Requested IP Address";
    D_dhcp_option_resource_location_server = "dhcp.option.resource_location_server", Ipv4, None, Detail, Wireshark, "Resource Location Server";
    D_dhcp_option_root_path = "dhcp.option.root_path", String, None, Detail, Wireshark, "Root Path";
    D_dhcp_option_router = "dhcp.option.router", Ipv4, None, Detail, Wireshark, "Router";
    D_dhcp_option_router_solicitation_address = "dhcp.option.router_solicitation_address", Ipv4, None, Detail, Wireshark, "Router Solicitation Address";
    D_dhcp_option_smtp_server = "dhcp.option.smtp_server", Ipv4, None, Detail, Wireshark, "SMTP Server";
    D_dhcp_option_streettalk_da_server = "dhcp.option.streettalk_da_server", Ipv4, None, Detail, Wireshark, "StreetTalk Directory Assistance Server";
    D_dhcp_option_streettalk_server = "dhcp.option.streettalk_server", Ipv4, None, Detail, Wireshark, "StreetTalk Server";
    D_dhcp_option_subnet_mask = "dhcp.option.subnet_mask", Ipv4, None, Detail, Wireshark, "Subnet Mask";
    D_dhcp_option_subnet_selection_option = "dhcp.option.subnet_selection_option", Ipv4, None, Detail, Wireshark, "Subnet Selection Option";
    D_dhcp_option_swap_server = "dhcp.option.swap_server", Ipv4, None, Detail, Wireshark, "Swap Server";
    D_dhcp_option_tcp_default_ttl = "dhcp.option.tcp_default_ttl", Uint8, Dec, Detail, Wireshark, "TCP Default TTL";
    D_dhcp_option_tcp_keepalive_interval = "dhcp.option.tcp_keepalive_interval", Uint32, Dec, Detail, Wireshark, "TCP Keepalive Interval";
    D_dhcp_option_tftp_server_address = "dhcp.option.tftp_server_address", Ipv4, None, Detail, Wireshark, "TFTP Server Address";
    D_dhcp_option_tftp_server_name = "dhcp.option.tftp_server_name", String, None, Detail, Wireshark, "TFTP Server Name";
    D_dhcp_option_time_server = "dhcp.option.time_server", Ipv4, None, Detail, Wireshark, "Time Server";
    D_dhcp_option_type = "dhcp.option.type", Uint8, Dec, Detail, Wireshark, "Option";
    D_dhcp_option_value = "dhcp.option.value", Bytes, None, Detail, Wireshark, "Value";
    D_dhcp_option_vendor_class_id = "dhcp.option.vendor_class_id", String, None, Detail, Wireshark, "Vendor class identifier";
    D_dhcp_option_xwindows_system_display_manager = "dhcp.option.xwindows_system_display_manager", Ipv4, None, Detail, Wireshark, "X Window System Display Manager";
    D_dhcp_option_xwindows_system_font_server = "dhcp.option.xwindows_system_font_server", Ipv4, None, Detail, Wireshark, "X Window System Font Server";
    D_dhcp_secs = "dhcp.secs", Uint16, Dec, Detail, Wireshark, "Seconds elapsed";
    D_dhcp_secs_le = "dhcp.secs_le", None, None, Detail, Wireshark, "Seconds elapsed appears to be encoded as little-endian";
    D_dhcp_server = "dhcp.server", String, None, Detail, Wireshark, "Server host name";
    D_dhcp_server_name_overloaded_by_dhcp = "dhcp.server_name_overloaded_by_dhcp", None, None, Detail, Wireshark, "Server name option overloaded by DHCP";
    D_dhcp_type = "dhcp.type", Uint8, Dec, Detail, Wireshark, "Message type";
    D_dns_count_add_rr = "dns.count.add_rr", Uint16, Dec, Detail, Wireshark, "Additional RRs";
    D_dns_count_auth_rr = "dns.count.auth_rr", Uint16, Dec, Detail, Wireshark, "Authority RRs";
    D_dns_count_labels = "dns.count.labels", Uint16, Dec, Detail, Wireshark, "Label Count";
    D_dns_flags = "dns.flags", Uint16, Hex, Detail, Wireshark, "Flags";
    D_dns_flags_authenticated = "dns.flags.authenticated", Boolean, None, Detail, Wireshark, "Answer authenticated";
    D_dns_flags_authoritative = "dns.flags.authoritative", Boolean, None, Detail, Wireshark, "Authoritative";
    D_dns_flags_checkdisable = "dns.flags.checkdisable", Boolean, None, Detail, Wireshark, "Non-authenticated data";
    D_dns_flags_conflict = "dns.flags.conflict", Boolean, None, Detail, Wireshark, "Conflict";
    D_dns_flags_opcode = "dns.flags.opcode", Uint16, Dec, Detail, Wireshark, "Opcode";
    D_dns_flags_recavail = "dns.flags.recavail", Boolean, None, Detail, Wireshark, "Recursion available";
    D_dns_flags_recdesired = "dns.flags.recdesired", Boolean, None, Detail, Wireshark, "Recursion desired";
    D_dns_flags_tentative = "dns.flags.tentative", Boolean, None, Detail, Wireshark, "Tentative";
    D_dns_flags_truncated = "dns.flags.truncated", Boolean, None, Detail, Wireshark, "Truncated";
    D_dns_flags_z = "dns.flags.z", Boolean, None, Detail, Wireshark, "Z";
    D_dns_length = "dns.length", Uint16, Dec, Detail, Wireshark, "Length";
    D_dns_mx_preference = "dns.mx.preference", Uint16, Dec, Detail, Wireshark, "Preference";
    D_dns_ns = "dns.ns", String, None, Detail, Wireshark, "Name Server";
    D_dns_opt = "dns.opt", None, None, Detail, Wireshark, "Option";
    D_dns_opt_code = "dns.opt.code", Uint16, Dec, Detail, Wireshark, "Option Code";
    D_dns_opt_cookie_client = "dns.opt.cookie.client", Bytes, None, Detail, Wireshark, "Client Cookie";
    D_dns_opt_cookie_server = "dns.opt.cookie.server", Bytes, None, Detail, Wireshark, "Server Cookie";
    D_dns_opt_data = "dns.opt.data", Bytes, None, Detail, Wireshark, "Option Data";
    D_dns_opt_len = "dns.opt.len", Uint16, Dec, Detail, Wireshark, "Option Length";
    D_dns_ptr_domain_name = "dns.ptr.domain_name", String, None, Detail, Wireshark, "Domain Name";
    D_dns_qry_name_len = "dns.qry.name.len", Uint16, Dec, Detail, Wireshark, "Name Length";
    D_dns_qry_qu = "dns.qry.qu", Boolean, None, Detail, Wireshark, "\"QU\" question";
    D_dns_resp_cache_flush = "dns.resp.cache_flush", Boolean, None, Detail, Wireshark, "Cache flush";
    D_dns_resp_class = "dns.resp.class", Uint16, Hex, Detail, Wireshark, "Class";
    D_dns_resp_edns0_version = "dns.resp.edns0_version", Uint8, Dec, Detail, Wireshark, "EDNS0 version";
    D_dns_resp_ext_rcode = "dns.resp.ext_rcode", Uint8, Hex, Detail, Wireshark, "Higher bits in extended RCODE";
    D_dns_resp_len = "dns.resp.len", Uint16, Dec, Detail, Wireshark, "Data length";
    D_dns_resp_ttl = "dns.resp.ttl", Uint32, Dec, Detail, Wireshark, "Time to live";
    D_dns_resp_z = "dns.resp.z", Uint16, Hex, Detail, Wireshark, "Z";
    D_dns_resp_z_do = "dns.resp.z.do", Boolean, None, Detail, Wireshark, "DO bit";
    D_dns_resp_z_reserved = "dns.resp.z.reserved", Uint16, Hex, Detail, Wireshark, "Reserved";
    D_dns_rr_udp_payload_size = "dns.rr.udp_payload_size", Uint16, Hex, Detail, Wireshark, "UDP payload size";
    D_dns_soa_expire_limit = "dns.soa.expire_limit", Uint32, Dec, Detail, Wireshark, "Expire limit";
    D_dns_soa_minimum_ttl = "dns.soa.minimum_ttl", Uint32, Dec, Detail, Wireshark, "Minimum TTL";
    D_dns_soa_mname = "dns.soa.mname", String, None, Detail, Wireshark, "Primary name server";
    D_dns_soa_refresh_interval = "dns.soa.refresh_interval", Uint32, Dec, Detail, Wireshark, "Refresh Interval";
    D_dns_soa_retry_interval = "dns.soa.retry_interval", Uint32, Dec, Detail, Wireshark, "Retry Interval";
    D_dns_soa_rname = "dns.soa.rname", String, None, Detail, Wireshark, "Responsible authority's mailbox";
    D_dns_soa_serial_number = "dns.soa.serial_number", Uint32, Dec, Detail, Wireshark, "Serial Number";
    D_dns_txt = "dns.txt", String, None, Detail, Wireshark, "TXT";
    D_dns_txt_length = "dns.txt.length", Uint8, Dec, Detail, Wireshark, "TXT Length";
    D_eth_addr_oui = "eth.addr.oui", Uint24, Dec, Detail, Wireshark, "Address OUI";
    D_eth_addr_oui_resolved = "eth.addr.oui_resolved", String, None, Detail, Wireshark, "Address OUI (resolved)";
    D_eth_addr_resolved = "eth.addr_resolved", String, None, Detail, Wireshark, "Address (resolved)";
    D_eth_dst_oui = "eth.dst.oui", Uint24, Dec, Detail, Wireshark, "Destination OUI";
    D_eth_dst_oui_resolved = "eth.dst.oui_resolved", String, None, Detail, Wireshark, "Destination OUI (resolved)";
    D_eth_dst_resolved = "eth.dst_resolved", String, None, Detail, Wireshark, "Destination (resolved)";
    D_eth_fcs = "eth.fcs", Uint32, Hex, Detail, Wireshark, "Frame check sequence";
    D_eth_fcs_status = "eth.fcs.status", Uint8, Dec, Detail, Wireshark, "FCS Status";
    D_eth_len = "eth.len", Uint16, Dec, Detail, Wireshark, "Length";
    D_eth_padding = "eth.padding", Bytes, None, Detail, Wireshark, "Padding";
    D_eth_padding_bad = "eth.padding_bad", None, None, Detail, Wireshark, "Padding identification may be inaccurate and impact trailer dissector";
    D_eth_src_oui = "eth.src.oui", Uint24, Dec, Detail, Wireshark, "Source OUI";
    D_eth_src_oui_resolved = "eth.src.oui_resolved", String, None, Detail, Wireshark, "Source OUI (resolved)";
    D_eth_src_resolved = "eth.src_resolved", String, None, Detail, Wireshark, "Source (resolved)";
    D_eth_trailer = "eth.trailer", Bytes, None, Detail, Wireshark, "Trailer";
    D_frame_comment_expert = "frame.comment.expert", None, None, Detail, Wireshark, "Formatted comment";
    D_frame_drop_count = "frame.drop_count", Uint64, Dec, Detail, Wireshark, "Drop Count";
    D_frame_encap_type = "frame.encap_type", Int32, Dec, Detail, Wireshark, "Encapsulation type";
    D_frame_ignored = "frame.ignored", Boolean, None, Detail, Wireshark, "Frame is ignored";
    D_frame_interface_description = "frame.interface_description", String, None, Detail, Wireshark, "Interface description";
    D_frame_interface_name = "frame.interface_name", String, None, Detail, Wireshark, "Interface name";
    D_frame_offset_shift = "frame.offset_shift", RelativeTime, None, Detail, Wireshark, "Time shift for this packet";
    D_frame_packet_flags = "frame.packet_flags", Uint32, Hex, Detail, Wireshark, "Packet flags";
    D_frame_packet_flags_crc_error = "frame.packet_flags_crc_error", Boolean, None, Detail, Wireshark, "CRC error";
    D_frame_packet_flags_direction = "frame.packet_flags_direction", Uint32, Hex, Detail, Wireshark, "Direction";
    D_frame_packet_flags_fcs_length = "frame.packet_flags_fcs_length", Uint32, Dec, Detail, Wireshark, "FCS length";
    D_frame_packet_flags_packet_too_error = "frame.packet_flags_packet_too_error", Boolean, None, Detail, Wireshark, "Packet too long error";
    D_frame_packet_flags_packet_too_short_error = "frame.packet_flags_packet_too_short_error", Boolean, None, Detail, Wireshark, "Packet too short error";
    D_frame_packet_flags_preamble_error = "frame.packet_flags_preamble_error", Boolean, None, Detail, Wireshark, "Preamble error";
    D_frame_packet_flags_reception_type = "frame.packet_flags_reception_type", Uint32, Dec, Detail, Wireshark, "Reception type";
    D_frame_packet_flags_reserved = "frame.packet_flags_reserved", Uint32, Dec, Detail, Wireshark, "Reserved";
    D_frame_packet_flags_start_frame_delimiter_error = "frame.packet_flags_start_frame_delimiter_error", Boolean, None, Detail, Wireshark, "Start frame delimiter error";
    D_frame_packet_flags_symbol_error = "frame.packet_flags_symbol_error", Boolean, None, Detail, Wireshark, "Symbol error";
    D_frame_packet_flags_unaligned_frame_error = "frame.packet_flags_unaligned_frame_error", Boolean, None, Detail, Wireshark, "Unaligned frame error";
    D_frame_packet_flags_wrong_inter_frame_gap_error = "frame.packet_flags_wrong_inter_frame_gap_error", Boolean, None, Detail, Wireshark, "Wrong interframe gap error";
    D_frame_section_number = "frame.section_number", Uint32, Dec, Detail, Wireshark, "Section number";
    D_frame_time_delta_displayed = "frame.time_delta_displayed", RelativeTime, None, Detail, Wireshark, "Time delta from previous displayed frame";
    D_ftp_active_cip = "ftp.active.cip", Ipv4, None, Detail, Wireshark, "Active IP address";
    D_ftp_active_port = "ftp.active.port", Uint16, Dec, Detail, Wireshark, "Active port";
    D_ftp_passive_ip = "ftp.passive.ip", Ipv4, None, Detail, Wireshark, "Passive IP address";
    D_ftp_passive_port = "ftp.passive.port", Uint16, Dec, Detail, Wireshark, "Passive port";
    D_ftp_request = "ftp.request", Boolean, None, Detail, Wireshark, "Request";
    D_ftp_request_arg = "ftp.request.arg", String, None, Detail, Wireshark, "Request arg";
    D_ftp_request_command = "ftp.request.command", String, None, Detail, Wireshark, "Request command";
    D_ftp_response = "ftp.response", Boolean, None, Detail, Wireshark, "Response";
    D_ftp_response_arg = "ftp.response.arg", String, None, Detail, Wireshark, "Response arg";
    D_ftp_response_code = "ftp.response.code", Uint32, Dec, Detail, Wireshark, "Response code";
    D_geneve_option_length = "geneve.option.length", Uint8, Dec, Detail, Wireshark, "Length";
    D_geneve_proto_type = "geneve.proto_type", Uint16, Hex, Detail, Wireshark, "Protocol Type";
    D_geneve_version = "geneve.version", Uint8, Dec, Detail, Wireshark, "Version";
    D_geneve_vni = "geneve.vni", Uint24, Hex, Detail, Wireshark, "Virtual Network Identifier (VNI)";
    D_gre_flags_checksum = "gre.flags.checksum", Boolean, None, Detail, Wireshark, "Checksum Bit";
    D_gre_flags_key = "gre.flags.key", Boolean, None, Detail, Wireshark, "Key Bit";
    D_gre_flags_routing = "gre.flags.routing", Boolean, None, Detail, Wireshark, "Routing Bit";
    D_gre_flags_sequence_number = "gre.flags.sequence_number", Boolean, None, Detail, Wireshark, "Sequence Number Bit";
    D_gre_flags_and_version = "gre.flags_and_version", Uint16, Hex, Detail, Wireshark, "Flags and Version";
    D_gre_key = "gre.key", Uint32, Hex, Detail, Wireshark, "Key";
    D_gre_proto = "gre.proto", Uint16, Hex, Detail, Wireshark, "Protocol Type";
    D_gre_sequence_number = "gre.sequence_number", Uint32, Dec, Detail, Wireshark, "Sequence Number";
    D_http_bad_header_name = "http.bad_header_name", None, None, Detail, Wireshark, "Illegal characters found in header name";
    D_http_chat = "http.chat", None, None, Detail, Wireshark, "Formatted text";
    D_http_chunk_boundary = "http.chunk_boundary", Bytes, None, Detail, Wireshark, "Chunk boundary";
    D_http_chunk_data = "http.chunk_data", Bytes, None, Detail, Wireshark, "Chunk data";
    D_http_chunk_size = "http.chunk_size", Uint32, Dec, Detail, Wireshark, "Chunk size";
    D_http_content_length_header = "http.content_length_header", String, None, Detail, Wireshark, "Content-Length";
    D_http_cookie_pair = "http.cookie_pair", String, None, Detail, Wireshark, "Cookie pair";
    D_http_leading_crlf = "http.leading_crlf", None, None, Detail, Wireshark, "Leading CRLF previous message in the stream may have extra CRLF";
    D_http_notification = "http.notification", Boolean, None, Detail, Wireshark, "Notification";
    D_http_prev_request_in = "http.prev_request_in", Framenum, None, Detail, Wireshark, "Prev request in frame";
    D_http_prev_response_in = "http.prev_response_in", Framenum, None, Detail, Wireshark, "Prev response in frame";
    D_http_request_uri_path = "http.request.uri.path", String, None, Detail, Wireshark, "Request URI Path";
    D_http_request_uri_query = "http.request.uri.query", String, None, Detail, Wireshark, "Request URI Query";
    D_http_request_uri_query_parameter = "http.request.uri.query.parameter", String, None, Detail, Wireshark, "Request URI Query Parameter";
    D_http_request_number = "http.request_number", Uint32, Dec, Detail, Wireshark, "Request number";
    D_http_response_code_desc = "http.response.code.desc", String, None, Detail, Wireshark, "Status Code Description";
    D_http_response_version = "http.response.version", String, None, Detail, Wireshark, "Response Version";
    D_http_response_for_uri = "http.response_for.uri", String, None, Detail, Wireshark, "Request URI";
    D_http_response_number = "http.response_number", Uint32, Dec, Detail, Wireshark, "Response number";
    D_http_subdissector_failed = "http.subdissector_failed", None, None, Detail, Wireshark, "HTTP body subdissector failed, trying heuristic subdissector";
    D_http_unknown_header = "http.unknown_header", String, None, Detail, Wireshark, "Unknown header";
    D_http2_r = "http2.r", Uint32, Hex, Detail, Wireshark, "Reserved";
    D_http2_stream = "http2.stream", None, None, Detail, Wireshark, "Stream";
    D_icmp_addr_entry_size = "icmp.addr_entry_size", Uint8, Dec, Detail, Wireshark, "Address entry size";
    D_icmp_address_mask = "icmp.address_mask", Ipv4, None, Detail, Wireshark, "Address Mask";
    D_icmp_checksum_status = "icmp.checksum.status", Uint8, Dec, Detail, Wireshark, "Checksum Status";
    D_icmp_checksum_bad = "icmp.checksum_bad", None, None, Detail, Wireshark, "Bad checksum";
    D_icmp_data_time = "icmp.data_time", AbsoluteTime, None, Detail, Wireshark, "Timestamp from icmp data";
    D_icmp_data_time_relative = "icmp.data_time_relative", RelativeTime, None, Detail, Wireshark, "Timestamp from icmp data (relative)";
    D_icmp_ext = "icmp.ext", None, None, Detail, Wireshark, "ICMP Extensions";
    D_icmp_ext_checksum = "icmp.ext.checksum", Uint16, Hex, Detail, Wireshark, "Checksum";
    D_icmp_ext_checksum_status = "icmp.ext.checksum.status", Uint8, Dec, Detail, Wireshark, "Checksum Status";
    D_icmp_ext_checksum_bad = "icmp.ext.checksum_bad", None, None, Detail, Wireshark, "Bad checksum";
    D_icmp_ext_class = "icmp.ext.class", Uint8, Dec, Detail, Wireshark, "Class";
    D_icmp_ext_ctype = "icmp.ext.ctype", Uint8, Dec, Detail, Wireshark, "C-Type";
    D_icmp_ext_data = "icmp.ext.data", Bytes, None, Detail, Wireshark, "Data";
    D_icmp_ext_length = "icmp.ext.length", Uint16, Dec, Detail, Wireshark, "Length";
    D_icmp_ext_res = "icmp.ext.res", Uint16, Hex, Detail, Wireshark, "Reserved";
    D_icmp_ext_version = "icmp.ext.version", Uint8, Dec, Detail, Wireshark, "Version";
    D_icmp_ident_le = "icmp.ident_le", Uint16, Dec, Detail, Wireshark, "Identifier (LE)";
    D_icmp_length = "icmp.length", Uint8, Dec, Detail, Wireshark, "Length";
    D_icmp_length_original_datagram = "icmp.length.original_datagram", Uint8, Dec, Detail, Wireshark, "Length of original datagram";
    D_icmp_lifetime = "icmp.lifetime", Uint16, Dec, Detail, Wireshark, "Lifetime";
    D_icmp_mip_b = "icmp.mip.b", Boolean, None, Detail, Wireshark, "Busy";
    D_icmp_mip_challenge = "icmp.mip.challenge", Bytes, None, Detail, Wireshark, "Challenge";
    D_icmp_mip_coa = "icmp.mip.coa", Ipv4, None, Detail, Wireshark, "Care-Of-Address";
    D_icmp_mip_content = "icmp.mip.content", Bytes, None, Detail, Wireshark, "Content";
    D_icmp_mip_f = "icmp.mip.f", Boolean, None, Detail, Wireshark, "Foreign Agent";
    D_icmp_mip_flags = "icmp.mip.flags", Uint16, Hex, Detail, Wireshark, "Flags";
    D_icmp_mip_g = "icmp.mip.g", Boolean, None, Detail, Wireshark, "GRE";
    D_icmp_mip_h = "icmp.mip.h", Boolean, None, Detail, Wireshark, "Home Agent";
    D_icmp_mip_length = "icmp.mip.length", Uint8, Dec, Detail, Wireshark, "Length";
    D_icmp_mip_life = "icmp.mip.life", Uint16, Dec, Detail, Wireshark, "Registration Lifetime";
    D_icmp_mip_m = "icmp.mip.m", Boolean, None, Detail, Wireshark, "Minimal Encapsulation";
    D_icmp_mip_prefixlength = "icmp.mip.prefixlength", Uint8, Dec, Detail, Wireshark, "Prefix Length";
    D_icmp_mip_r = "icmp.mip.r", Boolean, None, Detail, Wireshark, "Registration Required";
    D_icmp_mip_reserved = "icmp.mip.reserved", Uint16, Hex, Detail, Wireshark, "Reserved";
    D_icmp_mip_rt = "icmp.mip.rt", Boolean, None, Detail, Wireshark, "Reverse tunneling";
    D_icmp_mip_seq = "icmp.mip.seq", Uint16, Dec, Detail, Wireshark, "Sequence Number";
    D_icmp_mip_type = "icmp.mip.type", Uint8, Dec, Detail, Wireshark, "Extension Type";
    D_icmp_mip_u = "icmp.mip.u", Boolean, None, Detail, Wireshark, "UDP tunneling";
    D_icmp_mip_v = "icmp.mip.v", Boolean, None, Detail, Wireshark, "VJ Comp";
    D_icmp_mip_x = "icmp.mip.x", Boolean, None, Detail, Wireshark, "Revocation support";
    D_icmp_mpls_data = "icmp.mpls.data", Bytes, None, Detail, Wireshark, "Data";
    D_icmp_mpls_exp = "icmp.mpls.exp", Uint24, Dec, Detail, Wireshark, "Experimental";
    D_icmp_mpls_label = "icmp.mpls.label", Uint24, Dec, Detail, Wireshark, "Label";
    D_icmp_mpls_s = "icmp.mpls.s", Boolean, None, Detail, Wireshark, "Stack bit";
    D_icmp_mpls_ttl = "icmp.mpls.ttl", Uint8, Dec, Detail, Wireshark, "Time to live";
    D_icmp_mtu = "icmp.mtu", Uint16, Dec, Detail, Wireshark, "MTU of next hop";
    D_icmp_num_addrs = "icmp.num_addrs", Uint8, Dec, Detail, Wireshark, "Number of addresses";
    D_icmp_originate_timestamp = "icmp.originate_timestamp", Uint32, Dec, Detail, Wireshark, "Originate Timestamp";
    D_icmp_pointer = "icmp.pointer", Uint32, Dec, Detail, Wireshark, "Pointer";
    D_icmp_pref_level = "icmp.pref_level", Int32, Dec, Detail, Wireshark, "Preference level";
    D_icmp_receive_timestamp = "icmp.receive_timestamp", Uint32, Dec, Detail, Wireshark, "Receive Timestamp";
    D_icmp_redir_gw = "icmp.redir_gw", Ipv4, None, Detail, Wireshark, "Gateway Address";
    D_icmp_resp_to = "icmp.resp_to", Framenum, None, Detail, Wireshark, "Request frame";
    D_icmp_resptime = "icmp.resptime", Double, None, Detail, Wireshark, "Response time";
    D_icmp_router_address = "icmp.router_address", Ipv4, None, Detail, Wireshark, "Router address";
    D_icmp_seq_le = "icmp.seq_le", Uint16, Dec, Detail, Wireshark, "Sequence Number (LE)";
    D_icmp_transmit_timestamp = "icmp.transmit_timestamp", Uint32, Dec, Detail, Wireshark, "Transmit Timestamp";
    D_icmp_unused = "icmp.unused", Bytes, None, Detail, Wireshark, "Unused";
    D_icmpv6_checksum_status = "icmpv6.checksum.status", Uint8, Dec, Detail, Wireshark, "Checksum Status";
    D_icmpv6_echo_identifier = "icmpv6.echo.identifier", Uint16, Hex, Detail, Wireshark, "Identifier";
    D_icmpv6_echo_sequence_number = "icmpv6.echo.sequence_number", Uint16, Dec, Detail, Wireshark, "Sequence";
    D_icmpv6_nd_na_flag = "icmpv6.nd.na.flag", Uint32, Hex, Detail, Wireshark, "Flags";
    D_icmpv6_nd_na_flag_o = "icmpv6.nd.na.flag.o", Boolean, None, Detail, Wireshark, "Override";
    D_icmpv6_nd_na_flag_r = "icmpv6.nd.na.flag.r", Boolean, None, Detail, Wireshark, "Router";
    D_icmpv6_nd_na_flag_rsv = "icmpv6.nd.na.flag.rsv", Uint32, Dec, Detail, Wireshark, "Reserved";
    D_icmpv6_nd_na_flag_s = "icmpv6.nd.na.flag.s", Boolean, None, Detail, Wireshark, "Solicited";
    D_icmpv6_nd_na_target_address = "icmpv6.nd.na.target_address", Ipv6, None, Detail, Wireshark, "Target Address";
    D_icmpv6_nd_ns_target_address = "icmpv6.nd.ns.target_address", Ipv6, None, Detail, Wireshark, "Target Address";
    D_icmpv6_nd_ra_cur_hop_limit = "icmpv6.nd.ra.cur_hop_limit", Uint8, Dec, Detail, Wireshark, "Cur hop limit";
    D_icmpv6_nd_ra_flag = "icmpv6.nd.ra.flag", Uint8, Hex, Detail, Wireshark, "Flags";
    D_icmpv6_nd_ra_flag_h = "icmpv6.nd.ra.flag.h", Boolean, None, Detail, Wireshark, "Home Agent";
    D_icmpv6_nd_ra_flag_m = "icmpv6.nd.ra.flag.m", Boolean, None, Detail, Wireshark, "Managed address configuration";
    D_icmpv6_nd_ra_flag_o = "icmpv6.nd.ra.flag.o", Boolean, None, Detail, Wireshark, "Other configuration";
    D_icmpv6_nd_ra_flag_p = "icmpv6.nd.ra.flag.p", Boolean, None, Detail, Wireshark, "Proxy";
    D_icmpv6_nd_ra_flag_prf = "icmpv6.nd.ra.flag.prf", Uint8, Dec, Detail, Wireshark, "Prf (Default Router Preference)";
    D_icmpv6_nd_ra_flag_rsv = "icmpv6.nd.ra.flag.rsv", Uint8, Dec, Detail, Wireshark, "Reserved";
    D_icmpv6_nd_ra_reachable_time = "icmpv6.nd.ra.reachable_time", Uint32, Dec, Detail, Wireshark, "Reachable time (ms)";
    D_icmpv6_nd_ra_retrans_timer = "icmpv6.nd.ra.retrans_timer", Uint32, Dec, Detail, Wireshark, "Retrans timer (ms)";
    D_icmpv6_nd_ra_router_lifetime = "icmpv6.nd.ra.router_lifetime", Uint16, Dec, Detail, Wireshark, "Router lifetime (s)";
    D_icmpv6_opt = "icmpv6.opt", None, None, Detail, Wireshark, "ICMPv6 Option";
    D_icmpv6_opt_length = "icmpv6.opt.length", Uint8, Dec, Detail, Wireshark, "Length";
    D_icmpv6_opt_linkaddr = "icmpv6.opt.linkaddr", Bytes, None, Detail, Wireshark, "Link-layer address";
    D_icmpv6_opt_mtu = "icmpv6.opt.mtu", Uint32, Dec, Detail, Wireshark, "MTU";
    D_icmpv6_opt_prefix = "icmpv6.opt.prefix", Ipv6, None, Detail, Wireshark, "Prefix";
    D_icmpv6_opt_prefix_flag = "icmpv6.opt.prefix.flag", Uint8, Hex, Detail, Wireshark, "Flag";
    D_icmpv6_opt_prefix_flag_a = "icmpv6.opt.prefix.flag.a", Boolean, None, Detail, Wireshark, "Autonomous address-configuration flag(A)";
    D_icmpv6_opt_prefix_flag_l = "icmpv6.opt.prefix.flag.l", Boolean, None, Detail, Wireshark, "On-link flag(L)";
    D_icmpv6_opt_prefix_flag_r = "icmpv6.opt.prefix.flag.r", Boolean, None, Detail, Wireshark, "Router address flag(R)";
    D_icmpv6_opt_prefix_flag_reserved = "icmpv6.opt.prefix.flag.reserved", Uint8, Dec, Detail, Wireshark, "Reserved";
    D_icmpv6_opt_prefix_length = "icmpv6.opt.prefix.length", Uint8, Dec, Detail, Wireshark, "Prefix Length";
    D_icmpv6_opt_prefix_preferred_lifetime = "icmpv6.opt.prefix.preferred_lifetime", Uint32, Dec, Detail, Wireshark, "Preferred Lifetime";
    D_icmpv6_opt_prefix_valid_lifetime = "icmpv6.opt.prefix.valid_lifetime", Uint32, Dec, Detail, Wireshark, "Valid Lifetime";
    D_icmpv6_opt_reserved = "icmpv6.opt.reserved", None, None, Detail, Wireshark, "Reserved";
    D_icmpv6_opt_src_linkaddr = "icmpv6.opt.src_linkaddr", Bytes, None, Detail, Wireshark, "Source Link-layer address";
    D_icmpv6_opt_target_linkaddr = "icmpv6.opt.target_linkaddr", Bytes, None, Detail, Wireshark, "Target Link-layer address";
    D_icmpv6_opt_type = "icmpv6.opt.type", Uint8, Dec, Detail, Wireshark, "Type";
    D_icmpv6_reserved = "icmpv6.reserved", Bytes, None, Detail, Wireshark, "Reserved";
    D_icmpv6_resp_to = "icmpv6.resp_to", Framenum, None, Detail, Wireshark, "Response To";
    D_icmpv6_resptime = "icmpv6.resptime", Double, None, Detail, Wireshark, "Response Time";
    D_ieee8021ad_dei = "ieee8021ad.dei", Uint16, Dec, Detail, Wireshark, "DEI";
    D_ieee8021ad_id = "ieee8021ad.id", Uint16, Dec, Detail, Wireshark, "ID";
    D_ieee8021ad_priority = "ieee8021ad.priority", Uint16, Dec, Detail, Wireshark, "Priority";
    D_ieee8021ah_etype = "ieee8021ah.etype", Uint16, Hex, Detail, Wireshark, "Type";
    D_imap_command = "imap.command", String, None, Detail, Wireshark, "Command";
    D_imap_isrequest = "imap.isrequest", Boolean, None, Detail, Wireshark, "Request";
    D_imap_line = "imap.line", String, None, Detail, Wireshark, "Line";
    D_imap_request = "imap.request", String, None, Detail, Wireshark, "Request";
    D_imap_request_command = "imap.request.command", String, None, Detail, Wireshark, "Request Command";
    D_imap_request_command_uid = "imap.request.command.uid", Boolean, None, Detail, Wireshark, "Request isUID";
    D_imap_request_folder = "imap.request.folder", String, None, Detail, Wireshark, "Request Folder";
    D_imap_request_password = "imap.request.password", String, None, Detail, Wireshark, "Request Password";
    D_imap_request_username = "imap.request.username", String, None, Detail, Wireshark, "Request Username";
    D_imap_request_tag = "imap.request_tag", String, None, Detail, Wireshark, "Request Tag";
    D_imap_response = "imap.response", String, None, Detail, Wireshark, "Response";
    D_imap_response_command = "imap.response.command", String, None, Detail, Wireshark, "Response Command";
    D_imap_response_status = "imap.response.status", String, None, Detail, Wireshark, "Response Status";
    D_imap_response_tag = "imap.response_tag", String, None, Detail, Wireshark, "Response Tag";
    D_imap_tag = "imap.tag", String, None, Detail, Wireshark, "Tag";
    D_ip_bogus_header_length = "ip.bogus_header_length", None, None, Detail, Wireshark, "Bogus IP header length";
    D_ip_bogus_ip_length = "ip.bogus_ip_length", None, None, Detail, Wireshark, "Bogus IP length";
    D_ip_bogus_ip_version = "ip.bogus_ip_version", None, None, Detail, Wireshark, "Bogus IP version";
    D_ip_dst_host = "ip.dst_host", String, None, Detail, Wireshark, "Destination Host";
    D_ip_fragment = "ip.fragment", Framenum, None, Detail, Wireshark, "IPv4 Fragment";
    D_ip_fragment_count = "ip.fragment.count", Uint32, Dec, Detail, Wireshark, "Fragment count";
    D_ip_fragment_error = "ip.fragment.error", Framenum, None, Detail, Wireshark, "Defragmentation error";
    D_ip_fragment_multipletails = "ip.fragment.multipletails", Boolean, None, Detail, Wireshark, "Multiple tail fragments found";
    D_ip_fragment_overlap = "ip.fragment.overlap", Boolean, None, Detail, Wireshark, "Fragment overlap";
    D_ip_fragment_overlap_conflict = "ip.fragment.overlap.conflict", Boolean, None, Detail, Wireshark, "Conflicting data in fragment overlap";
    D_ip_fragment_toolongfragment = "ip.fragment.toolongfragment", Boolean, None, Detail, Wireshark, "Fragment too long";
    D_ip_fragments = "ip.fragments", Bytes, None, Detail, Wireshark, "IPv4 Fragments";
    D_ip_host = "ip.host", String, None, Detail, Wireshark, "Source or Destination Host";
    D_ip_reassembled_data = "ip.reassembled.data", Bytes, None, Detail, Wireshark, "Reassembled IPv4 data";
    D_ip_reassembled_length = "ip.reassembled.length", Uint32, Dec, Detail, Wireshark, "Reassembled IPv4 length";
    D_ip_reassembled_in = "ip.reassembled_in", Framenum, None, Detail, Wireshark, "Reassembled IPv4 in frame";
    D_ip_src_host = "ip.src_host", String, None, Detail, Wireshark, "Source Host";
    D_ip_ttl_lncb = "ip.ttl.lncb", None, None, Detail, Wireshark, "Time To Live";
    D_ip_ttl_too_small = "ip.ttl.too_small", None, None, Detail, Wireshark, "Time To Live";
    D_ipnet_family = "ipnet.family", Uint8, Dec, Detail, Wireshark, "Address family";
    D_ipnet_grifindex = "ipnet.grifindex", Uint32, Dec, Detail, Wireshark, "Group interface index";
    D_ipnet_htype = "ipnet.htype", Uint16, Dec, Detail, Wireshark, "Hook type";
    D_ipnet_ifindex = "ipnet.ifindex", Uint32, Dec, Detail, Wireshark, "Interface index";
    D_ipnet_pktlen = "ipnet.pktlen", Uint32, Dec, Detail, Wireshark, "Data length";
    D_ipnet_version = "ipnet.version", Uint8, Dec, Detail, Wireshark, "Header version";
    D_ipnet_zdst = "ipnet.zdst", Uint32, Dec, Detail, Wireshark, "Destination Zone ID";
    D_ipnet_zsrc = "ipnet.zsrc", Uint32, Dec, Detail, Wireshark, "Source Zone ID";
    D_ipoib_daddr = "ipoib.daddr", None, None, Detail, Wireshark, "Destination address";
    D_ipoib_daddr_qpn = "ipoib.daddr.qpn", Uint24, Hex, Detail, Wireshark, "Destination QPN";
    D_ipoib_dgid = "ipoib.dgid", Ipv6, None, Detail, Wireshark, "Destination GID";
    D_ipoib_grh = "ipoib.grh", None, None, Detail, Wireshark, "Global Route Header";
    D_ipoib_grh_flowlabel = "ipoib.grh.flowlabel", Uint32, Dec, Detail, Wireshark, "Flow Label";
    D_ipoib_grh_ipver = "ipoib.grh.ipver", Uint8, Dec, Detail, Wireshark, "IP Version";
    D_ipoib_grh_sgid = "ipoib.grh.sgid", Ipv6, None, Detail, Wireshark, "Source GID";
    D_ipoib_grh_sqpn = "ipoib.grh.sqpn", Uint24, Hex, Detail, Wireshark, "Source QPN";
    D_ipoib_grh_tclass = "ipoib.grh.tclass", Uint16, Dec, Detail, Wireshark, "Traffic Class";
    D_ipoib_reserved = "ipoib.reserved", Uint16, Hex, Detail, Wireshark, "Reserved";
    D_ipoib_type = "ipoib.type", Uint16, Hex, Detail, Wireshark, "Type";
    D_ipv6_dst_host = "ipv6.dst_host", String, None, Detail, Wireshark, "Destination Host";
    D_ipv6_dst_slaac_mac = "ipv6.dst_slaac_mac", Ether, None, Detail, Wireshark, "Destination SLAAC MAC";
    D_ipv6_dstopts_len = "ipv6.dstopts.len", Uint8, Dec, Detail, Wireshark, "Length";
    D_ipv6_dstopts_len_oct = "ipv6.dstopts.len_oct", Uint16, Dec, Detail, Wireshark, "Length";
    D_ipv6_dstopts_nxt = "ipv6.dstopts.nxt", Uint8, Dec, Detail, Wireshark, "Next Header";
    D_ipv6_fraghdr_ident = "ipv6.fraghdr.ident", Uint32, Hex, Detail, Wireshark, "Identification";
    D_ipv6_fraghdr_more = "ipv6.fraghdr.more", Boolean, None, Detail, Wireshark, "More Fragments";
    D_ipv6_fraghdr_nxt = "ipv6.fraghdr.nxt", Uint8, Dec, Detail, Wireshark, "Next header";
    D_ipv6_fraghdr_offset = "ipv6.fraghdr.offset", Uint16, Dec, Detail, Wireshark, "Offset";
    D_ipv6_fraghdr_reserved_bits = "ipv6.fraghdr.reserved_bits", Uint16, Dec, Detail, Wireshark, "Reserved bits";
    D_ipv6_fraghdr_reserved_octet = "ipv6.fraghdr.reserved_octet", Uint8, Hex, Detail, Wireshark, "Reserved octet";
    D_ipv6_fragment = "ipv6.fragment", Framenum, None, Detail, Wireshark, "IPv6 Fragment";
    D_ipv6_fragment_count = "ipv6.fragment.count", Uint32, Dec, Detail, Wireshark, "Fragment count";
    D_ipv6_fragment_error = "ipv6.fragment.error", Framenum, None, Detail, Wireshark, "Defragmentation error";
    D_ipv6_fragment_multipletails = "ipv6.fragment.multipletails", Boolean, None, Detail, Wireshark, "Multiple tail fragments found";
    D_ipv6_fragment_overlap = "ipv6.fragment.overlap", Boolean, None, Detail, Wireshark, "Fragment overlap";
    D_ipv6_fragment_overlap_conflict = "ipv6.fragment.overlap.conflict", Boolean, None, Detail, Wireshark, "Conflicting data in fragment overlap";
    D_ipv6_fragment_toolongfragment = "ipv6.fragment.toolongfragment", Boolean, None, Detail, Wireshark, "Fragment too long";
    D_ipv6_fragments = "ipv6.fragments", None, None, Detail, Wireshark, "IPv6 Fragments";
    D_ipv6_hopopts_len = "ipv6.hopopts.len", Uint8, Dec, Detail, Wireshark, "Length";
    D_ipv6_hopopts_len_oct = "ipv6.hopopts.len_oct", Uint16, Dec, Detail, Wireshark, "Length";
    D_ipv6_hopopts_nxt = "ipv6.hopopts.nxt", Uint8, Dec, Detail, Wireshark, "Next Header";
    D_ipv6_host = "ipv6.host", String, None, Detail, Wireshark, "Source or Destination Host";
    D_ipv6_opt = "ipv6.opt", None, None, Detail, Wireshark, "IPv6 Option";
    D_ipv6_opt_experimental = "ipv6.opt.experimental", Bytes, None, Detail, Wireshark, "Experimental Option";
    D_ipv6_opt_header_mismatch = "ipv6.opt.header_mismatch", None, None, Detail, Wireshark, "Wrong options extension header for type";
    D_ipv6_opt_invalid_len = "ipv6.opt.invalid_len", None, None, Detail, Wireshark, "Invalid IPv6 option length";
    D_ipv6_opt_jumbo = "ipv6.opt.jumbo", Uint32, Dec, Detail, Wireshark, "Payload Length";
    D_ipv6_opt_jumbo_prohibited = "ipv6.opt.jumbo.prohibited", None, None, Detail, Wireshark, "When IPv6 payload length does not equal 0 a Jumbo Payload option must not be present";
    D_ipv6_opt_length = "ipv6.opt.length", Uint8, Dec, Detail, Wireshark, "Length";
    D_ipv6_opt_mipv6_home_address = "ipv6.opt.mipv6.home_address", Ipv6, None, Detail, Wireshark, "MIPv6 Home Address";
    D_ipv6_opt_pad1 = "ipv6.opt.pad1", None, None, Detail, Wireshark, "Pad1";
    D_ipv6_opt_padn = "ipv6.opt.padn", Bytes, None, Detail, Wireshark, "PadN";
    D_ipv6_opt_pmtu_min = "ipv6.opt.pmtu.min", Uint16, Dec, Detail, Wireshark, "Minimum Reported PMTU";
    D_ipv6_opt_pmtu_r_flag = "ipv6.opt.pmtu.r_flag", Boolean, None, Detail, Wireshark, "Return Flag";
    D_ipv6_opt_pmtu_rtn = "ipv6.opt.pmtu.rtn", Uint16, Dec, Detail, Wireshark, "Return Minimum PMTU";
    D_ipv6_opt_router_alert = "ipv6.opt.router_alert", Uint16, Dec, Detail, Wireshark, "Router Alert";
    D_ipv6_opt_tel = "ipv6.opt.tel", Uint8, Dec, Detail, Wireshark, "Tunnel Encapsulation Limit";
    D_ipv6_opt_type = "ipv6.opt.type", Uint8, Hex, Detail, Wireshark, "Type";
    D_ipv6_opt_type_action = "ipv6.opt.type.action", Uint8, Dec, Detail, Wireshark, "Action";
    D_ipv6_opt_type_change = "ipv6.opt.type.change", Boolean, None, Detail, Wireshark, "May Change";
    D_ipv6_opt_type_rest = "ipv6.opt.type.rest", Uint8, Hex, Detail, Wireshark, "Low-Order Bits";
    D_ipv6_opt_unknown = "ipv6.opt.unknown", Bytes, None, Detail, Wireshark, "Unknown Option Payload";
    D_ipv6_opt_unknown_data_expert = "ipv6.opt.unknown_data.expert", None, None, Detail, Wireshark, "Unknown Data (not interpreted)";
    D_ipv6_opt_unknown_data = "ipv6.opt_unknown_data", Bytes, None, Detail, Wireshark, "Unknown Data";
    D_ipv6_reassembled_data = "ipv6.reassembled.data", Bytes, None, Detail, Wireshark, "Reassembled IPv6 data";
    D_ipv6_reassembled_in = "ipv6.reassembled.in", Framenum, None, Detail, Wireshark, "Reassembled IPv6 in frame";
    D_ipv6_reassembled_length = "ipv6.reassembled.length", Uint32, Dec, Detail, Wireshark, "Reassembled IPv6 length";
    D_ipv6_routing_deprecated = "ipv6.routing.deprecated", None, None, Detail, Wireshark, "Routing header type is deprecated";
    D_ipv6_routing_len = "ipv6.routing.len", Uint8, Dec, Detail, Wireshark, "Length";
    D_ipv6_routing_len_oct = "ipv6.routing.len_oct", Uint16, Dec, Detail, Wireshark, "Length";
    D_ipv6_routing_mipv6_home_address = "ipv6.routing.mipv6.home_address", Ipv6, None, Detail, Wireshark, "Home Address";
    D_ipv6_routing_mipv6_reserved = "ipv6.routing.mipv6.reserved", Bytes, None, Detail, Wireshark, "Reserved";
    D_ipv6_routing_nxt = "ipv6.routing.nxt", Uint8, Dec, Detail, Wireshark, "Next Header";
    D_ipv6_routing_segleft = "ipv6.routing.segleft", Uint8, Dec, Detail, Wireshark, "Segments Left";
    D_ipv6_routing_src_addr = "ipv6.routing.src.addr", Ipv6, None, Detail, Wireshark, "Address";
    D_ipv6_routing_src_reserved = "ipv6.routing.src.reserved", Bytes, None, Detail, Wireshark, "Reserved";
    D_ipv6_routing_srh_addr = "ipv6.routing.srh.addr", Ipv6, None, Detail, Wireshark, "Address";
    D_ipv6_routing_srh_flags = "ipv6.routing.srh.flags", Uint8, Hex, Detail, Wireshark, "Flags";
    D_ipv6_routing_srh_last_entry = "ipv6.routing.srh.last_entry", Uint8, Dec, Detail, Wireshark, "Last Entry";
    D_ipv6_routing_srh_tag = "ipv6.routing.srh.tag", Bytes, None, Detail, Wireshark, "Tag";
    D_ipv6_routing_type = "ipv6.routing.type", Uint8, Dec, Detail, Wireshark, "Type";
    D_ipv6_routing_undecoded = "ipv6.routing.undecoded", None, None, Detail, Wireshark, "Undecoded IPv6 routing header field";
    D_ipv6_routing_unknown_data = "ipv6.routing.unknown_data", Bytes, None, Detail, Wireshark, "Type-Specific Data";
    D_ipv6_slaac_mac = "ipv6.slaac_mac", Ether, None, Detail, Wireshark, "SLAAC MAC";
    D_ipv6_src_host = "ipv6.src_host", String, None, Detail, Wireshark, "Source Host";
    D_ipv6_src_slaac_mac = "ipv6.src_slaac_mac", Ether, None, Detail, Wireshark, "Source SLAAC MAC";
    D_json_member_with_value = "json.member_with_value", String, None, Detail, Wireshark, "Member with value";
    D_json_path_with_value = "json.path_with_value", String, None, Detail, Wireshark, "Path with value";
    D_llc_cisco_pid = "llc.cisco_pid", Uint16, Hex, Detail, Wireshark, "PID";
    D_llc_control = "llc.control", Uint16, Hex, Detail, Wireshark, "Control";
    D_llc_control_f = "llc.control.f", Boolean, None, Detail, Wireshark, "Final";
    D_llc_control_ftype = "llc.control.ftype", Uint16, Hex, Detail, Wireshark, "Frame type";
    D_llc_control_n_r = "llc.control.n_r", Uint16, Dec, Detail, Wireshark, "N(R)";
    D_llc_control_n_s = "llc.control.n_s", Uint16, Dec, Detail, Wireshark, "N(S)";
    D_llc_control_p = "llc.control.p", Boolean, None, Detail, Wireshark, "Poll";
    D_llc_control_s_ftype = "llc.control.s_ftype", Uint16, Hex, Detail, Wireshark, "Supervisory frame type";
    D_llc_control_u_modifier_cmd = "llc.control.u_modifier_cmd", Uint8, Hex, Detail, Wireshark, "Command";
    D_llc_control_u_modifier_resp = "llc.control.u_modifier_resp", Uint8, Hex, Detail, Wireshark, "Response";
    D_llc_dsap = "llc.dsap", Uint8, Hex, Detail, Wireshark, "DSAP";
    D_llc_dsap_ig = "llc.dsap.ig", Boolean, None, Detail, Wireshark, "IG Bit";
    D_llc_dsap_sap = "llc.dsap.sap", Uint8, Dec, Detail, Wireshark, "SAP";
    D_llc_oui = "llc.oui", Uint24, Dec, Detail, Wireshark, "Organization Code";
    D_llc_pid = "llc.pid", Uint16, Hex, Detail, Wireshark, "Protocol ID";
    D_llc_ssap = "llc.ssap", Uint8, Hex, Detail, Wireshark, "SSAP";
    D_llc_ssap_cr = "llc.ssap.cr", Boolean, None, Detail, Wireshark, "CR Bit";
    D_llc_ssap_sap = "llc.ssap.sap", Uint8, Dec, Detail, Wireshark, "SAP";
    D_llc_type = "llc.type", Uint16, Hex, Detail, Wireshark, "Type";
    D_mariadb_caps_bo = "mariadb.caps.bo", Boolean, None, Detail, Wireshark, "Bulk Operations";
    D_mariadb_caps_cm = "mariadb.caps.cm", Boolean, None, Detail, Wireshark, "Multi commands";
    D_mariadb_caps_em = "mariadb.caps.em", Boolean, None, Detail, Wireshark, "Extended metadata";
    D_mariadb_caps_me = "mariadb.caps.me", Boolean, None, Detail, Wireshark, "Cache metadata";
    D_mariadb_caps_pr = "mariadb.caps.pr", Boolean, None, Detail, Wireshark, "Progress indication";
    D_mariadb_charset = "mariadb.charset", Uint8, Dec, Detail, Wireshark, "Charset";
    D_mariadb_extcaps_client = "mariadb.extcaps.client", Uint32, Hex, Detail, Wireshark, "MariaDB Extended Client Capabilities";
    D_mariadb_extcaps_server = "mariadb.extcaps.server", Uint32, Hex, Detail, Wireshark, "MariaDB Extended Server Capabilities";
    D_mariadb_length = "mariadb.length", Uint64, Dec, Detail, Wireshark, "Length";
    D_mariadb_prefix = "mariadb.prefix", Uint8, Dec, Detail, Wireshark, "Prefix";
    D_mariadb_server_language = "mariadb.server_language", Uint8, Dec, Detail, Wireshark, "Server Language";
    D_media_type = "media.type", Bytes, None, Detail, Wireshark, "Media type";
    D_memcache_opcode_unknown = "memcache.opcode.unknown", None, None, Detail, Wireshark, "Unknown opcode";
    D_memcache_status_response = "memcache.status.response", None, None, Detail, Wireshark, "Error response";
    D_mysql_auth_plugin = "mysql.auth_plugin", String, None, Detail, Wireshark, "Authentication Plugin";
    D_mysql_auth_plugin_length = "mysql.auth_plugin.length", Uint8, Dec, Detail, Wireshark, "Authentication Plugin Length";
    D_mysql_auth_switch_request_data = "mysql.auth_switch_request.data", Bytes, None, Detail, Wireshark, "Auth Method Data";
    D_mysql_auth_switch_request_name = "mysql.auth_switch_request.name", String, None, Detail, Wireshark, "Auth Method Name";
    D_mysql_auth_switch_request_status = "mysql.auth_switch_request.status", Uint8, Hex, Detail, Wireshark, "Status";
    D_mysql_auth_switch_response_data = "mysql.auth_switch_response.data", Bytes, None, Detail, Wireshark, "Auth Method Data";
    D_mysql_caps_ca = "mysql.caps.ca", Boolean, None, Detail, Wireshark, "Connect attrs";
    D_mysql_caps_cap_ext = "mysql.caps.cap_ext", Boolean, None, Detail, Wireshark, "Capability Extension";
    D_mysql_caps_cd = "mysql.caps.cd", Boolean, None, Detail, Wireshark, "Connect With Database";
    D_mysql_caps_client = "mysql.caps.client", Uint16, Hex, Detail, Wireshark, "Client Capabilities";
    D_mysql_caps_compress_zsd = "mysql.caps.compress_zsd", Boolean, None, Detail, Wireshark, "ZSTD Compression Algorithm";
    D_mysql_caps_cp = "mysql.caps.cp", Boolean, None, Detail, Wireshark, "Can use compression protocol";
    D_mysql_caps_cu = "mysql.caps.cu", Boolean, None, Detail, Wireshark, "Speaks 4.1 protocol (new flag)";
    D_mysql_caps_deprecate_eof = "mysql.caps.deprecate_eof", Boolean, None, Detail, Wireshark, "Deprecate EOF";
    D_mysql_caps_ep = "mysql.caps.ep", Boolean, None, Detail, Wireshark, "Client can handle expired passwords";
    D_mysql_caps_fr = "mysql.caps.fr", Boolean, None, Detail, Wireshark, "Found Rows";
    D_mysql_caps_ia = "mysql.caps.ia", Boolean, None, Detail, Wireshark, "Interactive Client";
    D_mysql_caps_ii = "mysql.caps.ii", Boolean, None, Detail, Wireshark, "Ignore sigpipes";
    D_mysql_caps_is = "mysql.caps.is", Boolean, None, Detail, Wireshark, "Ignore Spaces before '('";
    D_mysql_caps_lf = "mysql.caps.lf", Boolean, None, Detail, Wireshark, "Long Column Flags";
    D_mysql_caps_li = "mysql.caps.li", Boolean, None, Detail, Wireshark, "Can Use LOAD DATA LOCAL";
    D_mysql_caps_lp = "mysql.caps.lp", Boolean, None, Detail, Wireshark, "Long Password";
    D_mysql_caps_mf_auth = "mysql.caps.mf_auth", Boolean, None, Detail, Wireshark, "Multifactor Authentication";
    D_mysql_caps_mr = "mysql.caps.mr", Boolean, None, Detail, Wireshark, "Multiple results";
    D_mysql_caps_ms = "mysql.caps.ms", Boolean, None, Detail, Wireshark, "Multiple statements";
    D_mysql_caps_ns = "mysql.caps.ns", Boolean, None, Detail, Wireshark, "Don't Allow database.table.column";
    D_mysql_caps_ob = "mysql.caps.ob", Boolean, None, Detail, Wireshark, "ODBC Client";
    D_mysql_caps_optional_metadata = "mysql.caps.optional_metadata", Boolean, None, Detail, Wireshark, "Client can hanle optional resultset metadata";
    D_mysql_caps_pa = "mysql.caps.pa", Boolean, None, Detail, Wireshark, "Plugin Auth";
    D_mysql_caps_pm = "mysql.caps.pm", Boolean, None, Detail, Wireshark, "PS Multiple results";
    D_mysql_caps_query_attrs = "mysql.caps.query_attrs", Boolean, None, Detail, Wireshark, "Query Attributes";
    D_mysql_caps_rs = "mysql.caps.rs", Boolean, None, Detail, Wireshark, "Speaks 4.1 protocol (old flag)";
    D_mysql_caps_sc = "mysql.caps.sc", Boolean, None, Detail, Wireshark, "Can do 4.1 authentication";
    D_mysql_caps_server = "mysql.caps.server", Uint16, Hex, Detail, Wireshark, "Server Capabilities";
    D_mysql_caps_session_track = "mysql.caps.session_track", Boolean, None, Detail, Wireshark, "Session variable tracking";
    D_mysql_caps_sl = "mysql.caps.sl", Boolean, None, Detail, Wireshark, "Switch to SSL after handshake";
    D_mysql_caps_ta = "mysql.caps.ta", Boolean, None, Detail, Wireshark, "Knows about transactions";
    D_mysql_caps_unused = "mysql.caps.unused", Uint16, Hex, Detail, Wireshark, "Unused";
    D_mysql_charset = "mysql.charset", Uint8, Dec, Detail, Wireshark, "Charset";
    D_mysql_client_auth_plugin = "mysql.client_auth_plugin", String, None, Detail, Wireshark, "Client Auth Plugin";
    D_mysql_command_invalid = "mysql.command.invalid", None, None, Detail, Wireshark, "Unknown/invalid command code";
    D_mysql_connattrs = "mysql.connattrs", None, None, Detail, Wireshark, "Connection Attributes";
    D_mysql_connattrs_attr = "mysql.connattrs.attr", None, None, Detail, Wireshark, "Connection Attribute";
    D_mysql_connattrs_length = "mysql.connattrs.length", Uint64, Dec, Detail, Wireshark, "Connection Attributes length";
    D_mysql_connattrs_name = "mysql.connattrs.name", String, None, Detail, Wireshark, "Connection Attribute Name";
    D_mysql_connattrs_name_length = "mysql.connattrs.name.length", Uint64, Dec, Detail, Wireshark, "Connection Attribute Name Length";
    D_mysql_connattrs_value = "mysql.connattrs.value", String, None, Detail, Wireshark, "Connection Attribute Value";
    D_mysql_connattrs_value_length = "mysql.connattrs.value.length", Uint64, Dec, Detail, Wireshark, "Connection Attribute Value Length";
    D_mysql_dissector_incomplete = "mysql.dissector_incomplete", None, None, Detail, Wireshark, "FIXME - dissector is incomplete";
    D_mysql_eof = "mysql.eof", Uint8, Dec, Detail, Wireshark, "EOF marker";
    D_mysql_extcaps_client = "mysql.extcaps.client", Uint16, Hex, Detail, Wireshark, "Extended Client Capabilities";
    D_mysql_extcaps_server = "mysql.extcaps.server", Uint16, Hex, Detail, Wireshark, "Extended Server Capabilities";
    D_mysql_extra = "mysql.extra", Uint64, Dec, Detail, Wireshark, "Extra data";
    D_mysql_field_catalog = "mysql.field.catalog", String, None, Detail, Wireshark, "Catalog";
    D_mysql_field_charsetnr = "mysql.field.charsetnr", Uint16, Dec, Detail, Wireshark, "Charset number";
    D_mysql_field_db = "mysql.field.db", String, None, Detail, Wireshark, "Database";
    D_mysql_field_decimals = "mysql.field.decimals", Uint8, Dec, Detail, Wireshark, "Decimals";
    D_mysql_field_default = "mysql.field.default", String, None, Detail, Wireshark, "Default";
    D_mysql_field_flags = "mysql.field.flags", Uint16, Hex, Detail, Wireshark, "Flags";
    D_mysql_field_flags_auto_increment = "mysql.field.flags.auto_increment", Boolean, None, Detail, Wireshark, "Auto increment";
    D_mysql_field_flags_blob = "mysql.field.flags.blob", Boolean, None, Detail, Wireshark, "Blob";
    D_mysql_field_flags_enum = "mysql.field.flags.enum", Boolean, None, Detail, Wireshark, "Enum";
    D_mysql_field_flags_multiple_key = "mysql.field.flags.multiple_key", Boolean, None, Detail, Wireshark, "Multiple key";
    D_mysql_field_flags_not_null = "mysql.field.flags.not_null", Boolean, None, Detail, Wireshark, "Not null";
    D_mysql_field_flags_primary_key = "mysql.field.flags.primary_key", Boolean, None, Detail, Wireshark, "Primary key";
    D_mysql_field_flags_set = "mysql.field.flags.set", Boolean, None, Detail, Wireshark, "Set";
    D_mysql_field_flags_timestamp = "mysql.field.flags.timestamp", Boolean, None, Detail, Wireshark, "Timestamp";
    D_mysql_field_flags_unique_key = "mysql.field.flags.unique_key", Boolean, None, Detail, Wireshark, "Unique key";
    D_mysql_field_flags_unsigned = "mysql.field.flags.unsigned", Boolean, None, Detail, Wireshark, "Unsigned";
    D_mysql_field_flags_zero_fill = "mysql.field.flags.zero_fill", Boolean, None, Detail, Wireshark, "Zero fill";
    D_mysql_field_length = "mysql.field.length", Uint32, Dec, Detail, Wireshark, "Length";
    D_mysql_field_name = "mysql.field.name", String, None, Detail, Wireshark, "Name";
    D_mysql_field_org_name = "mysql.field.org_name", String, None, Detail, Wireshark, "Original name";
    D_mysql_field_org_table = "mysql.field.org_table", String, None, Detail, Wireshark, "Original table";
    D_mysql_field_table = "mysql.field.table", String, None, Detail, Wireshark, "Table";
    D_mysql_field_type = "mysql.field.type", Uint8, Dec, Detail, Wireshark, "Type";
    D_mysql_insert_id = "mysql.insert_id", Uint64, Dec, Detail, Wireshark, "Last INSERT ID";
    D_mysql_max_packet = "mysql.max_packet", Uint32, Dec, Detail, Wireshark, "MAX Packet";
    D_mysql_message = "mysql.message", String, None, Detail, Wireshark, "Message";
    D_mysql_num_fields = "mysql.num_fields", Uint64, Dec, Detail, Wireshark, "Number of fields";
    D_mysql_num_params = "mysql.num_params", Uint16, Dec, Detail, Wireshark, "Number of parameter";
    D_mysql_packet_length = "mysql.packet_length", Uint24, Dec, Detail, Wireshark, "Packet Length";
    D_mysql_packet_number = "mysql.packet_number", Uint8, Dec, Detail, Wireshark, "Packet Number";
    D_mysql_passwd = "mysql.passwd", Bytes, None, Detail, Wireshark, "Password";
    D_mysql_payload = "mysql.payload", Bytes, None, Detail, Wireshark, "Payload";
    D_mysql_protocol = "mysql.protocol", Uint8, Dec, Detail, Wireshark, "Protocol";
    D_mysql_query_attr_name = "mysql.query_attr_name", String, None, Detail, Wireshark, "Attribute Name";
    D_mysql_query_attr_name_type = "mysql.query_attr_name_type", Uint16, Hex, Detail, Wireshark, "Attribute Name Type";
    D_mysql_query_attr_value = "mysql.query_attr_value", String, None, Detail, Wireshark, "Attribute Value";
    D_mysql_query_attrs = "mysql.query_attrs", None, None, Detail, Wireshark, "Query Attributes";
    D_mysql_query_attrs_count = "mysql.query_attrs_count", Uint8, Dec, Detail, Wireshark, "Count";
    D_mysql_query_attrs_send_types_to_server = "mysql.query_attrs_send_types_to_server", Boolean, None, Detail, Wireshark, "Send types to server";
    D_mysql_request = "mysql.request", None, None, Detail, Wireshark, "Request Command";
    D_mysql_row_text = "mysql.row.text", String, None, Detail, Wireshark, "text";
    D_mysql_salt = "mysql.salt", String, None, Detail, Wireshark, "Salt";
    D_mysql_salt2 = "mysql.salt2", String, None, Detail, Wireshark, "Salt";
    D_mysql_server_greeting = "mysql.server_greeting", None, None, Detail, Wireshark, "Server Greeting";
    D_mysql_server_language = "mysql.server_language", Uint8, Dec, Detail, Wireshark, "Server Language";
    D_mysql_server_status = "mysql.server_status", Uint16, Hex, Detail, Wireshark, "Server Status";
    D_mysql_session_track = "mysql.session_track", None, None, Detail, Wireshark, "Session Track";
    D_mysql_session_track_data = "mysql.session_track.data", None, None, Detail, Wireshark, "Session tracking data";
    D_mysql_session_track_data_length = "mysql.session_track.data.length", Uint64, Dec, Detail, Wireshark, "Session tracking data length";
    D_mysql_session_track_gtids = "mysql.session_track.gtids", String, None, Detail, Wireshark, "GTIDs";
    D_mysql_session_track_gtids_encoding = "mysql.session_track.gtids.encoding", Uint8, Dec, Detail, Wireshark, "GTIDs encoding";
    D_mysql_session_track_gtids_length = "mysql.session_track.gtids.length", Uint64, Dec, Detail, Wireshark, "GTIDs length";
    D_mysql_session_track_length = "mysql.session_track.length", Uint64, Dec, Detail, Wireshark, "Session tracking length";
    D_mysql_session_track_schema = "mysql.session_track.schema", String, None, Detail, Wireshark, "Schema change";
    D_mysql_session_track_schema_length = "mysql.session_track.schema.length", Uint64, Dec, Detail, Wireshark, "Schema change length";
    D_mysql_session_track_state_change = "mysql.session_track.state_change", String, None, Detail, Wireshark, "State change";
    D_mysql_session_track_sysvar_length = "mysql.session_track.sysvar.length", Uint64, Dec, Detail, Wireshark, "System variable change Length";
    D_mysql_session_track_sysvar_name = "mysql.session_track.sysvar.name", String, None, Detail, Wireshark, "System variable change Name";
    D_mysql_session_track_sysvar_value = "mysql.session_track.sysvar.value", String, None, Detail, Wireshark, "System variable change Value";
    D_mysql_session_track_transaction_characteristics = "mysql.session_track.transaction_characteristics", String, None, Detail, Wireshark, "Transaction characteristics";
    D_mysql_session_track_transaction_characteristics_length = "mysql.session_track.transaction_characteristics.length", Uint64, Dec, Detail, Wireshark, "Transaction characteristics length";
    D_mysql_session_track_transaction_state = "mysql.session_track.transaction_state", String, None, Detail, Wireshark, "Transaction state";
    D_mysql_session_track_transaction_state_length = "mysql.session_track.transaction_state.length", Uint64, Dec, Detail, Wireshark, "Transaction state length";
    D_mysql_session_track_type = "mysql.session_track.type", Uint8, Dec, Detail, Wireshark, "Session tracking type";
    D_mysql_sqlstate = "mysql.sqlstate", String, None, Detail, Wireshark, "SQL state";
    D_mysql_stat_ac = "mysql.stat.ac", Boolean, None, Detail, Wireshark, "AUTO_COMMIT";
    D_mysql_stat_bi = "mysql.stat.bi", Boolean, None, Detail, Wireshark, "Bad index used";
    D_mysql_stat_bs = "mysql.stat.bs", Boolean, None, Detail, Wireshark, "No backslash escapes";
    D_mysql_stat_cr = "mysql.stat.cr", Boolean, None, Detail, Wireshark, "Cursor exists";
    D_mysql_stat_dr = "mysql.stat.dr", Boolean, None, Detail, Wireshark, "Database dropped";
    D_mysql_stat_it = "mysql.stat.it", Boolean, None, Detail, Wireshark, "In transaction";
    D_mysql_stat_lr = "mysql.stat.lr", Boolean, None, Detail, Wireshark, "Last row sent";
    D_mysql_stat_mc = "mysql.stat.mc", Boolean, None, Detail, Wireshark, "Metadata changed";
    D_mysql_stat_mr = "mysql.stat.mr", Boolean, None, Detail, Wireshark, "More results";
    D_mysql_stat_mu = "mysql.stat.mu", Boolean, None, Detail, Wireshark, "Multi query / Unused";
    D_mysql_stat_ni = "mysql.stat.ni", Boolean, None, Detail, Wireshark, "No index used";
    D_mysql_stat_ps_out_params = "mysql.stat.ps_out_params", Boolean, None, Detail, Wireshark, "PS Out Params";
    D_mysql_stat_query_was_slow = "mysql.stat.query_was_slow", Boolean, None, Detail, Wireshark, "Query was slow";
    D_mysql_stat_session_state_changed = "mysql.stat.session_state_changed", Boolean, None, Detail, Wireshark, "Session state changed";
    D_mysql_stat_trans_readonly = "mysql.stat.trans_readonly", Boolean, None, Detail, Wireshark, "In Trans Readonly";
    D_mysql_table_name = "mysql.table_name", String, None, Detail, Wireshark, "Table Name";
    D_mysql_thread_id = "mysql.thread_id", Uint32, Dec, Detail, Wireshark, "Thread ID";
    D_mysql_unknown_response = "mysql.unknown_response", None, None, Detail, Wireshark, "unknown/invalid response";
    D_mysql_unused = "mysql.unused", Bytes, None, Detail, Wireshark, "Unused";
    D_mysql_version = "mysql.version", String, None, Detail, Wireshark, "Version";
    D_mysql_warnings = "mysql.warnings", Uint16, Dec, Detail, Wireshark, "Warnings";
    D_nflog_family = "nflog.family", Uint8, Dec, Detail, Wireshark, "Family";
    D_nflog_gid = "nflog.gid", Int32, Dec, Detail, Wireshark, "GID";
    D_nflog_hook = "nflog.hook", Uint8, Dec, Detail, Wireshark, "Netfilter hook";
    D_nflog_ifindex_indev = "nflog.ifindex_indev", Uint32, Dec, Detail, Wireshark, "IFINDEX_INDEV";
    D_nflog_ifindex_outdev = "nflog.ifindex_outdev", Uint32, Dec, Detail, Wireshark, "IFINDEX_OUTDEV";
    D_nflog_ifindex_physindev = "nflog.ifindex_physindev", Uint32, Dec, Detail, Wireshark, "IFINDEX_PHYSINDEV";
    D_nflog_ifindex_physoutdev = "nflog.ifindex_physoutdev", Uint32, Dec, Detail, Wireshark, "IFINDEX_PHYSOUTDEV";
    D_nflog_prefix = "nflog.prefix", String, None, Detail, Wireshark, "Prefix";
    D_nflog_protocol = "nflog.protocol", Uint16, Hex, Detail, Wireshark, "HW protocol";
    D_nflog_res_id = "nflog.res_id", Uint16, Dec, Detail, Wireshark, "Resource id";
    D_nflog_timestamp = "nflog.timestamp", AbsoluteTime, None, Detail, Wireshark, "Timestamp";
    D_nflog_tlv = "nflog.tlv", Bytes, None, Detail, Wireshark, "TLV";
    D_nflog_tlv_length = "nflog.tlv_length", Uint16, Dec, Detail, Wireshark, "Length";
    D_nflog_tlv_type = "nflog.tlv_type", Uint16, Dec, Detail, Wireshark, "Type";
    D_nflog_tlv_value = "nflog.tlv_value", Bytes, None, Detail, Wireshark, "Value";
    D_nflog_uid = "nflog.uid", Int32, Dec, Detail, Wireshark, "UID";
    D_nflog_version = "nflog.version", Uint8, Dec, Detail, Wireshark, "Version";
    D_ns_cert_exts_CertType = "ns_cert_exts.CertType", Bytes, None, Detail, Wireshark, "CertType";
    D_ntp_flags = "ntp.flags", Uint8, Hex, Detail, Wireshark, "Flags";
    D_ntp_flags_li = "ntp.flags.li", Uint8, Dec, Detail, Wireshark, "Leap Indicator";
    D_ntp_flags_mode = "ntp.flags.mode", Uint8, Dec, Detail, Wireshark, "Mode";
    D_ntp_flags_vn = "ntp.flags.vn", Uint8, Dec, Detail, Wireshark, "Version number";
    D_ntp_keyid = "ntp.keyid", Bytes, None, Detail, Wireshark, "Key ID";
    D_ntp_mac = "ntp.mac", Bytes, None, Detail, Wireshark, "Message Authentication Code";
    D_ntp_org = "ntp.org", AbsoluteTime, None, Detail, Wireshark, "Origin Timestamp";
    D_ntp_ppoll = "ntp.ppoll", Uint8, Dec, Detail, Wireshark, "Peer Polling Interval";
    D_ntp_precision = "ntp.precision", Uint8, Dec, Detail, Wireshark, "Peer Clock Precision";
    D_ntp_rec = "ntp.rec", AbsoluteTime, None, Detail, Wireshark, "Receive Timestamp";
    D_ntp_refid = "ntp.refid", Bytes, None, Detail, Wireshark, "Reference ID";
    D_ntp_reftime = "ntp.reftime", AbsoluteTime, None, Detail, Wireshark, "Reference Timestamp";
    D_ntp_rootdelay = "ntp.rootdelay", Uint32, Dec, Detail, Wireshark, "Root Delay";
    D_ntp_rootdispersion = "ntp.rootdispersion", Uint32, Dec, Detail, Wireshark, "Root Dispersion";
    D_ntp_stratum = "ntp.stratum", Uint8, Dec, Detail, Wireshark, "Peer Clock Stratum";
    D_ntp_xmt = "ntp.xmt", AbsoluteTime, None, Detail, Wireshark, "Transmit Timestamp";
    D_null_family = "null.family", Uint32, Dec, Detail, Wireshark, "Family";
    D_pgsql_auth_sasl_mech = "pgsql.auth.sasl.mech", String, None, Detail, Wireshark, "SASL authentication mechanism";
    D_pgsql_authtype = "pgsql.authtype", Uint32, Dec, Detail, Wireshark, "Authentication type";
    D_pgsql_col_index = "pgsql.col.index", Uint32, Dec, Detail, Wireshark, "Column index";
    D_pgsql_col_name = "pgsql.col.name", String, None, Detail, Wireshark, "Column name";
    D_pgsql_col_typemod = "pgsql.col.typemod", Int32, Dec, Detail, Wireshark, "Type modifier";
    D_pgsql_field_count = "pgsql.field.count", Uint16, Dec, Detail, Wireshark, "Field count";
    D_pgsql_file = "pgsql.file", String, None, Detail, Wireshark, "File";
    D_pgsql_format = "pgsql.format", Uint16, Dec, Detail, Wireshark, "Format";
    D_pgsql_frontend = "pgsql.frontend", Boolean, None, Detail, Wireshark, "Frontend";
    D_pgsql_key = "pgsql.key", Uint32, Dec, Detail, Wireshark, "Key";
    D_pgsql_line = "pgsql.line", String, None, Detail, Wireshark, "Line";
    D_pgsql_oid_table = "pgsql.oid.table", Uint32, Dec, Detail, Wireshark, "Table OID";
    D_pgsql_oid_type = "pgsql.oid.type", Uint32, Dec, Detail, Wireshark, "Type OID";
    D_pgsql_parameter_name = "pgsql.parameter_name", String, None, Detail, Wireshark, "Parameter name";
    D_pgsql_parameter_value = "pgsql.parameter_value", String, None, Detail, Wireshark, "Parameter value";
    D_pgsql_pid = "pgsql.pid", Uint32, Dec, Detail, Wireshark, "PID";
    D_pgsql_portal = "pgsql.portal", String, None, Detail, Wireshark, "Portal";
    D_pgsql_position = "pgsql.position", String, None, Detail, Wireshark, "Position";
    D_pgsql_returns = "pgsql.returns", Uint32, Dec, Detail, Wireshark, "Returns";
    D_pgsql_routine = "pgsql.routine", String, None, Detail, Wireshark, "Routine";
    D_pgsql_statement = "pgsql.statement", String, None, Detail, Wireshark, "Statement";
    D_pgsql_status = "pgsql.status", Uint8, Dec, Detail, Wireshark, "Status";
    D_pgsql_text = "pgsql.text", String, None, Detail, Wireshark, "Text";
    D_pgsql_val_data = "pgsql.val.data", Bytes, None, Detail, Wireshark, "Data";
    D_pgsql_val_length = "pgsql.val.length", Int32, Dec, Detail, Wireshark, "Column length";
    D_pgsql_version_major = "pgsql.version_major", Uint16, Dec, Detail, Wireshark, "Protocol major version";
    D_pgsql_version_minor = "pgsql.version_minor", Uint16, Dec, Detail, Wireshark, "Protocol minor version";
    D_pkcs1_ECParameters = "pkcs1.ECParameters", Uint32, Dec, Detail, Wireshark, "ECParameters";
    D_pkcs1_modulus = "pkcs1.modulus", Bytes, None, Detail, Wireshark, "modulus";
    D_pkcs1_publicExponent = "pkcs1.publicExponent", Int32, Dec, Detail, Wireshark, "publicExponent";
    D_pkix1explicit_DirectoryString = "pkix1explicit.DirectoryString", String, None, Detail, Wireshark, "DirectoryString";
    D_pkix1implicit_AccessDescription_element = "pkix1implicit.AccessDescription_element", None, None, Detail, Wireshark, "AccessDescription";
    D_pkix1implicit_AuthorityInfoAccessSyntax = "pkix1implicit.AuthorityInfoAccessSyntax", Uint32, Dec, Detail, Wireshark, "AuthorityInfoAccessSyntax";
    D_pkix1implicit_UserNotice_element = "pkix1implicit.UserNotice_element", None, None, Detail, Wireshark, "UserNotice";
    D_pkix1implicit_accessLocation = "pkix1implicit.accessLocation", Uint32, Dec, Detail, Wireshark, "accessLocation";
    D_pkix1implicit_bmpString = "pkix1implicit.bmpString", String, None, Detail, Wireshark, "bmpString";
    D_pkix1implicit_explicitText = "pkix1implicit.explicitText", Uint32, Dec, Detail, Wireshark, "explicitText";
    D_pkix1implicit_ia5String = "pkix1implicit.ia5String", String, None, Detail, Wireshark, "ia5String";
    D_pkix1implicit_noticeNumbers = "pkix1implicit.noticeNumbers", Uint32, Dec, Detail, Wireshark, "noticeNumbers";
    D_pkix1implicit_noticeNumbers_item = "pkix1implicit.noticeNumbers_item", Int32, Dec, Detail, Wireshark, "noticeNumbers item";
    D_pkix1implicit_noticeRef_element = "pkix1implicit.noticeRef_element", None, None, Detail, Wireshark, "noticeRef";
    D_pkix1implicit_organization = "pkix1implicit.organization", Uint32, Dec, Detail, Wireshark, "organization";
    D_pkix1implicit_utf8String = "pkix1implicit.utf8String", String, None, Detail, Wireshark, "utf8String";
    D_pkix1implicit_visibleString = "pkix1implicit.visibleString", String, None, Detail, Wireshark, "visibleString";
    D_pkt_comment = "pkt_comment", Protocol, None, Detail, Wireshark, "Packet comments";
    D_pktap_cmdname = "pktap.cmdname", String, None, Detail, Wireshark, "Command name";
    D_pktap_dlt = "pktap.dlt", Uint32, Dec, Detail, Wireshark, "DLT";
    D_pktap_ecmdname = "pktap.ecmdname", String, None, Detail, Wireshark, "Effective command name";
    D_pktap_epid = "pktap.epid", Uint32, Dec, Detail, Wireshark, "Effective process ID";
    D_pktap_flags = "pktap.flags", Uint32, Hex, Detail, Wireshark, "Flags";
    D_pktap_hdrlen = "pktap.hdrlen", Uint32, Dec, Detail, Wireshark, "Header length";
    D_pktap_ifname = "pktap.ifname", String, None, Detail, Wireshark, "Interface name";
    D_pktap_iftype = "pktap.iftype", Uint16, Dec, Detail, Wireshark, "Interface type";
    D_pktap_ifunit = "pktap.ifunit", Uint16, Dec, Detail, Wireshark, "Interface unit";
    D_pktap_llhdrlen = "pktap.llhdrlen", Uint32, Dec, Detail, Wireshark, "Link-layer header length";
    D_pktap_lltrlrlen = "pktap.lltrlrlen", Uint32, Dec, Detail, Wireshark, "Link-layer trailer length";
    D_pktap_pfamily = "pktap.pfamily", Uint32, Dec, Detail, Wireshark, "Protocol family";
    D_pktap_pid = "pktap.pid", Uint32, Dec, Detail, Wireshark, "Process ID";
    D_pktap_rectype = "pktap.rectype", Uint32, Dec, Detail, Wireshark, "Record type";
    D_pktap_svc_class = "pktap.svc_class", Uint32, Dec, Detail, Wireshark, "Service class";
    D_pop_request = "pop.request", String, None, Detail, Wireshark, "Request";
    D_pop_request_command = "pop.request.command", String, None, Detail, Wireshark, "Request command";
    D_pop_request_data = "pop.request.data", String, None, Detail, Wireshark, "Data";
    D_pop_request_parameter = "pop.request.parameter", String, None, Detail, Wireshark, "Request parameter";
    D_pop_response = "pop.response", String, None, Detail, Wireshark, "Response";
    D_pop_response_data = "pop.response.data", String, None, Detail, Wireshark, "Data";
    D_pop_response_description = "pop.response.description", String, None, Detail, Wireshark, "Response description";
    D_pop_response_indicator = "pop.response.indicator", String, None, Detail, Wireshark, "Response indicator";
    D_quic_ack_ack_delay = "quic.ack.ack_delay", Uint64, Dec, Detail, Wireshark, "ACK Delay";
    D_quic_ack_ack_range = "quic.ack.ack_range", Uint64, Dec, Detail, Wireshark, "ACK Range";
    D_quic_ack_ack_range_count = "quic.ack.ack_range_count", Uint64, Dec, Detail, Wireshark, "ACK Range Count";
    D_quic_ack_ecn_ce_count = "quic.ack.ecn_ce_count", Uint64, Dec, Detail, Wireshark, "ECN-CE Count";
    D_quic_ack_ect0_count = "quic.ack.ect0_count", Uint64, Dec, Detail, Wireshark, "ECT(0) Count";
    D_quic_ack_ect1_count = "quic.ack.ect1_count", Uint64, Dec, Detail, Wireshark, "ECT(1) Count";
    D_quic_ack_first_ack_range = "quic.ack.first_ack_range", Uint64, Dec, Detail, Wireshark, "First ACK Range";
    D_quic_ack_gap = "quic.ack.gap", Uint64, Dec, Detail, Wireshark, "Gap";
    D_quic_ack_largest_acknowledged = "quic.ack.largest_acknowledged", Uint64, Dec, Detail, Wireshark, "Largest Acknowledged";
    D_quic_coalesced_padding_data = "quic.coalesced_padding_data", None, None, Detail, Wireshark, "Coalesced Padding Data";
    D_quic_connection_number = "quic.connection.number", Uint32, Dec, Detail, Wireshark, "Connection Number";
    D_quic_crypto_crypto_data = "quic.crypto.crypto_data", None, None, Detail, Wireshark, "Crypto Data";
    D_quic_crypto_length = "quic.crypto.length", Uint64, Dec, Detail, Wireshark, "Length";
    D_quic_crypto_offset = "quic.crypto.offset", Uint64, Dec, Detail, Wireshark, "Offset";
    D_quic_decryption_failed = "quic.decryption_failed", None, None, Detail, Wireshark, "Failed to decrypt handshake";
    D_quic_fixed_bit = "quic.fixed_bit", Boolean, None, Detail, Wireshark, "Fixed Bit";
    D_quic_frame = "quic.frame", None, None, Detail, Wireshark, "Frame";
    D_quic_frame_type = "quic.frame_type", Uint64, Hex, Detail, Wireshark, "Frame Type";
    D_quic_length = "quic.length", Uint64, Dec, Detail, Wireshark, "Length";
    D_quic_long_reserved = "quic.long.reserved", Uint8, Dec, Detail, Wireshark, "Reserved";
    D_quic_packet_number_length = "quic.packet_number_length", Uint8, Dec, Detail, Wireshark, "Packet Number Length";
    D_quic_padding_length = "quic.padding_length", Uint32, Dec, Detail, Wireshark, "Padding Length";
    D_quic_payload = "quic.payload", Bytes, None, Detail, Wireshark, "Payload";
    D_quic_remaining_payload = "quic.remaining_payload", Bytes, None, Detail, Wireshark, "Remaining Payload";
    D_quic_short = "quic.short", None, None, Detail, Wireshark, "QUIC Short Header";
    D_quic_spin_bit = "quic.spin_bit", Boolean, None, Detail, Wireshark, "Spin Bit";
    D_quic_token = "quic.token", Bytes, None, Detail, Wireshark, "Token";
    D_quic_token_length = "quic.token_length", Uint64, Dec, Detail, Wireshark, "Token Length";
    D_sll_etype = "sll.etype", Uint16, Hex, Detail, Wireshark, "Protocol";
    D_sll_halen = "sll.halen", Uint16, Dec, Detail, Wireshark, "Link-layer address length";
    D_sll_hatype = "sll.hatype", Uint16, Dec, Detail, Wireshark, "Link-layer address type";
    D_sll_ifindex = "sll.ifindex", Uint32, Dec, Detail, Wireshark, "Interface index";
    D_sll_pkttype = "sll.pkttype", Uint16, Dec, Detail, Wireshark, "Packet type";
    D_sll_src_eth = "sll.src.eth", Ether, None, Detail, Wireshark, "Source";
    D_sll_src_other = "sll.src.other", Bytes, None, Detail, Wireshark, "Source";
    D_sll_trailer = "sll.trailer", Bytes, None, Detail, Wireshark, "Trailer";
    D_sll_unused = "sll.unused", Bytes, None, Detail, Wireshark, "Unused";
    D_smtp_command_line = "smtp.command_line", String, None, Detail, Wireshark, "Command Line";
    D_smtp_req = "smtp.req", Boolean, None, Detail, Wireshark, "Request";
    D_smtp_req_command = "smtp.req.command", String, None, Detail, Wireshark, "Command";
    D_smtp_req_parameter = "smtp.req.parameter", String, None, Detail, Wireshark, "Request parameter";
    D_smtp_response = "smtp.response", String, None, Detail, Wireshark, "Response";
    D_smtp_response_code = "smtp.response.code", Uint32, Dec, Detail, Wireshark, "Response code";
    D_smtp_rsp = "smtp.rsp", Boolean, None, Detail, Wireshark, "Response";
    D_smtp_rsp_parameter = "smtp.rsp.parameter", String, None, Detail, Wireshark, "Response parameter";
    D_ssh_compression_algorithms_client_to_server = "ssh.compression_algorithms_client_to_server", String, None, Detail, Wireshark, "compression_algorithms_client_to_server string";
    D_ssh_compression_algorithms_client_to_server_length = "ssh.compression_algorithms_client_to_server_length", Uint32, Dec, Detail, Wireshark, "compression_algorithms_client_to_server length";
    D_ssh_compression_algorithms_server_to_client = "ssh.compression_algorithms_server_to_client", String, None, Detail, Wireshark, "compression_algorithms_server_to_client string";
    D_ssh_compression_algorithms_server_to_client_length = "ssh.compression_algorithms_server_to_client_length", Uint32, Dec, Detail, Wireshark, "compression_algorithms_server_to_client length";
    D_ssh_cookie = "ssh.cookie", Bytes, None, Detail, Wireshark, "Cookie";
    D_ssh_direction = "ssh.direction", Boolean, None, Detail, Wireshark, "Direction";
    D_ssh_encrypted_packet = "ssh.encrypted_packet", Bytes, None, Detail, Wireshark, "Encrypted Packet";
    D_ssh_encryption_algorithms_client_to_server = "ssh.encryption_algorithms_client_to_server", String, None, Detail, Wireshark, "encryption_algorithms_client_to_server string";
    D_ssh_encryption_algorithms_client_to_server_length = "ssh.encryption_algorithms_client_to_server_length", Uint32, Dec, Detail, Wireshark, "encryption_algorithms_client_to_server length";
    D_ssh_encryption_algorithms_server_to_client = "ssh.encryption_algorithms_server_to_client", String, None, Detail, Wireshark, "encryption_algorithms_server_to_client string";
    D_ssh_encryption_algorithms_server_to_client_length = "ssh.encryption_algorithms_server_to_client_length", Uint32, Dec, Detail, Wireshark, "encryption_algorithms_server_to_client length";
    D_ssh_first_kex_packet_follows = "ssh.first_kex_packet_follows", Uint8, Dec, Detail, Wireshark, "First KEX Packet Follows";
    D_ssh_host_sig_data = "ssh.host_sig.data", Bytes, None, Detail, Wireshark, "Host signature data";
    D_ssh_host_sig_length = "ssh.host_sig.length", Uint32, Dec, Detail, Wireshark, "Host signature length";
    D_ssh_host_sig_type = "ssh.host_sig.type", String, None, Detail, Wireshark, "Host signature type";
    D_ssh_host_sig_type_length = "ssh.host_sig.type_length", Uint32, Dec, Detail, Wireshark, "Host signature type length";
    D_ssh_kex_hassh = "ssh.kex.hassh", String, None, Detail, Wireshark, "hassh";
    D_ssh_kex_hassh_algorithms = "ssh.kex.hassh_algorithms", String, None, Detail, Wireshark, "hasshAlgorithms";
    D_ssh_kex_hasshserver = "ssh.kex.hasshserver", String, None, Detail, Wireshark, "hasshServer";
    D_ssh_kex_hasshserver_algorithms = "ssh.kex.hasshserver_algorithms", String, None, Detail, Wireshark, "hasshServerAlgorithms";
    D_ssh_kex_reserved = "ssh.kex.reserved", Bytes, None, Detail, Wireshark, "Reserved";
    D_ssh_kex_algorithms = "ssh.kex_algorithms", String, None, Detail, Wireshark, "kex_algorithms string";
    D_ssh_kex_algorithms_length = "ssh.kex_algorithms_length", Uint32, Dec, Detail, Wireshark, "kex_algorithms length";
    D_ssh_languages_client_to_server = "ssh.languages_client_to_server", String, None, Detail, Wireshark, "languages_client_to_server string";
    D_ssh_languages_client_to_server_length = "ssh.languages_client_to_server_length", Uint32, Dec, Detail, Wireshark, "languages_client_to_server length";
    D_ssh_languages_server_to_client = "ssh.languages_server_to_client", String, None, Detail, Wireshark, "languages_server_to_client string";
    D_ssh_languages_server_to_client_length = "ssh.languages_server_to_client_length", Uint32, Dec, Detail, Wireshark, "languages_server_to_client length";
    D_ssh_mac_algorithms_client_to_server = "ssh.mac_algorithms_client_to_server", String, None, Detail, Wireshark, "mac_algorithms_client_to_server string";
    D_ssh_mac_algorithms_client_to_server_length = "ssh.mac_algorithms_client_to_server_length", Uint32, Dec, Detail, Wireshark, "mac_algorithms_client_to_server length";
    D_ssh_mac_algorithms_server_to_client = "ssh.mac_algorithms_server_to_client", String, None, Detail, Wireshark, "mac_algorithms_server_to_client string";
    D_ssh_mac_algorithms_server_to_client_length = "ssh.mac_algorithms_server_to_client_length", Uint32, Dec, Detail, Wireshark, "mac_algorithms_server_to_client length";
    D_ssh_message_code = "ssh.message_code", Uint8, Dec, Detail, Wireshark, "Message Code";
    D_ssh_packet_decode_error = "ssh.packet_decode.error", None, None, Detail, Wireshark, "Packet decoded length not equal to packet length";
    D_ssh_packet_length = "ssh.packet_length", Uint32, Dec, Detail, Wireshark, "Packet Length";
    D_ssh_packet_length_encrypted = "ssh.packet_length_encrypted", Bytes, None, Detail, Wireshark, "Packet Length (encrypted)";
    D_ssh_padding_length = "ssh.padding_length", Uint8, Dec, Detail, Wireshark, "Padding Length";
    D_ssh_padding_string = "ssh.padding_string", Bytes, None, Detail, Wireshark, "Padding String";
    D_ssh_protocol = "ssh.protocol", String, None, Detail, Wireshark, "Protocol";
    D_ssh_server_host_key_algorithms = "ssh.server_host_key_algorithms", String, None, Detail, Wireshark, "server_host_key_algorithms string";
    D_ssh_server_host_key_algorithms_length = "ssh.server_host_key_algorithms_length", Uint32, Dec, Detail, Wireshark, "server_host_key_algorithms length";
    D_syslog_appname = "syslog.appname", String, None, Detail, Wireshark, "Syslog app name";
    D_syslog_facility = "syslog.facility", Uint8, Dec, Detail, Wireshark, "Facility";
    D_syslog_hostname = "syslog.hostname", String, None, Detail, Wireshark, "Syslog hostname";
    D_syslog_level = "syslog.level", Uint8, Dec, Detail, Wireshark, "Level";
    D_syslog_msg = "syslog.msg", String, None, Detail, Wireshark, "Message";
    D_syslog_msgid = "syslog.msgid", String, None, Detail, Wireshark, "Syslog message id";
    D_syslog_msgid_bom = "syslog.msgid.bom", Uint24, Hex, Detail, Wireshark, "Syslog BOM";
    D_syslog_procid = "syslog.procid", String, None, Detail, Wireshark, "Syslog process id";
    D_syslog_timestamp = "syslog.timestamp", AbsoluteTime, None, Detail, Wireshark, "Syslog timestamp";
    D_syslog_timestamp_rfc3164 = "syslog.timestamp_rfc3164", String, None, Detail, Wireshark, "Syslog timestamp (RFC3164)";
    D_syslog_version = "syslog.version", String, None, Detail, Wireshark, "Syslog version";
    D_tcp_ack_nonzero = "tcp.ack.nonzero", None, None, Detail, Wireshark, "The acknowledgment number field is nonzero while the ACK flag is not set";
    D_tcp_analysis = "tcp.analysis", None, None, Detail, Wireshark, "SEQ/ACK analysis";
    D_tcp_analysis_push_bytes_sent = "tcp.analysis.push_bytes_sent", Uint32, Dec, Detail, Wireshark, "Bytes sent since last PSH flag";
    D_tcp_completeness = "tcp.completeness", Uint8, Dec, Detail, Wireshark, "Conversation completeness";
    D_tcp_connection_fin = "tcp.connection.fin", None, None, Detail, Wireshark, "Connection finish (FIN)";
    D_tcp_connection_fin_active = "tcp.connection.fin_active", None, None, Detail, Wireshark, "This frame initiates the connection closing";
    D_tcp_connection_fin_passive = "tcp.connection.fin_passive", None, None, Detail, Wireshark, "This frame undergoes the connection closing";
    D_tcp_connection_rst = "tcp.connection.rst", None, None, Detail, Wireshark, "Connection reset (RST)";
    D_tcp_connection_syn = "tcp.connection.syn", None, None, Detail, Wireshark, "Connection establish request (SYN)";
    D_tcp_connection_synack = "tcp.connection.synack", None, None, Detail, Wireshark, "Connection establish acknowledge (SYN+ACK)";
    D_tcp_nop = "tcp.nop", None, None, Detail, Wireshark, "4 NOP in a row - a router may have removed some options";
    D_tcp_option_len_invalid = "tcp.option.len.invalid", None, None, Detail, Wireshark, "Invalid length for option";
    D_tcp_options_mss_absent = "tcp.options.mss.absent", None, None, Detail, Wireshark, "The SYN packet does not contain a MSS option";
    D_tcp_options_mss_present = "tcp.options.mss.present", None, None, Detail, Wireshark, "The non-SYN packet does contain a MSS option";
    D_tcp_options_sack_dsack = "tcp.options.sack.dsack", None, None, Detail, Wireshark, "D-SACK Sequence";
    D_tcp_options_sack_dsack_le = "tcp.options.sack.dsack_le", Uint32, Dec, Detail, Wireshark, "TCP D-SACK Left Edge";
    D_tcp_options_sack_dsack_re = "tcp.options.sack.dsack_re", Uint32, Dec, Detail, Wireshark, "TCP D-SACK Right Edge";
    D_tcp_options_unknown = "tcp.options.unknown", Protocol, None, Detail, Wireshark, "TCP Option - Unknown";
    D_tcp_options_unknown_payload = "tcp.options.unknown.payload", Bytes, None, Detail, Wireshark, "Payload";
    D_tcp_pdu_size = "tcp.pdu.size", Uint32, Dec, Detail, Wireshark, "PDU Size";
    D_tcp_reassembled_data = "tcp.reassembled.data", Bytes, None, Detail, Wireshark, "Reassembled TCP Data";
    D_tcp_reassembled_length = "tcp.reassembled.length", Uint32, Dec, Detail, Wireshark, "Reassembled TCP length";
    D_tcp_segment = "tcp.segment", Framenum, None, Detail, Wireshark, "TCP Segment";
    D_tcp_segment_count = "tcp.segment.count", Uint32, Dec, Detail, Wireshark, "Segment count";
    D_tcp_segment_data = "tcp.segment_data", Bytes, None, Detail, Wireshark, "TCP segment data";
    D_tcp_segments = "tcp.segments", None, None, Detail, Wireshark, "Reassembled TCP Segments";
    D_tcp_urgent_pointer_non_zero = "tcp.urgent_pointer.non_zero", None, None, Detail, Wireshark, "The urgent pointer field is nonzero while the URG flag is not set";
    D_telnet_cmd = "telnet.cmd", Uint8, Dec, Detail, Wireshark, "Command";
    D_telnet_data = "telnet.data", String, None, Detail, Wireshark, "Data";
    D_telnet_naws_subopt_height = "telnet.naws_subopt.height", Uint16, Dec, Detail, Wireshark, "Height";
    D_telnet_naws_subopt_width = "telnet.naws_subopt.width", Uint16, Dec, Detail, Wireshark, "Width";
    D_telnet_string_subopt_value = "telnet.string_subopt.value", String, None, Detail, Wireshark, "Value";
    D_telnet_subcmd = "telnet.subcmd", Uint8, Dec, Detail, Wireshark, "Subcommand";
    D_tftp_block = "tftp.block", Uint16, Dec, Detail, Wireshark, "Block";
    D_tftp_block_full = "tftp.block.full", Uint32, Dec, Detail, Wireshark, "Full Block Number";
    D_tftp_data = "tftp.data", Bytes, None, Detail, Wireshark, "Data";
    D_tftp_destination_file = "tftp.destination_file", String, None, Detail, Wireshark, "Destination File";
    D_tftp_error = "tftp.error", None, None, Detail, Wireshark, "TFTP ERROR packet";
    D_tftp_error_code = "tftp.error.code", Uint16, Dec, Detail, Wireshark, "Error code";
    D_tftp_error_message = "tftp.error.message", String, None, Detail, Wireshark, "Error message";
    D_tftp_opcode = "tftp.opcode", Uint16, Dec, Detail, Wireshark, "Opcode";
    D_tftp_option_name = "tftp.option.name", String, None, Detail, Wireshark, "Option name";
    D_tftp_option_value = "tftp.option.value", String, None, Detail, Wireshark, "Option value";
    D_tftp_source_file = "tftp.source_file", String, None, Detail, Wireshark, "Source File";
    D_tftp_type = "tftp.type", String, None, Detail, Wireshark, "Type";
    D_tls_alert_message = "tls.alert_message", None, None, Detail, Wireshark, "Alert Message";
    D_tls_alert_message_desc = "tls.alert_message.desc", Uint8, Dec, Detail, Wireshark, "Description";
    D_tls_alert_message_level = "tls.alert_message.level", Uint8, Dec, Detail, Wireshark, "Level";
    D_tls_app_data = "tls.app_data", Bytes, None, Detail, Wireshark, "Encrypted Application Data";
    D_tls_app_data_proto = "tls.app_data_proto", String, None, Detail, Wireshark, "Application Data Protocol";
    D_tls_change_cipher_spec = "tls.change_cipher_spec", None, None, Detail, Wireshark, "Change Cipher Spec Message";
    D_tls_compress_certificate_algorithm = "tls.compress_certificate.algorithm", Uint16, Dec, Detail, Wireshark, "Algorithm";
    D_tls_compress_certificate_algorithms_length = "tls.compress_certificate.algorithms_length", Uint8, Dec, Detail, Wireshark, "Algorithms Length";
    D_tls_extension_psk_ke_mode = "tls.extension.psk_ke_mode", Uint8, Dec, Detail, Wireshark, "PSK Key Exchange Mode";
    D_tls_extension_psk_ke_modes_length = "tls.extension.psk_ke_modes_length", Uint8, Dec, Detail, Wireshark, "PSK Key Exchange Modes Length";
    D_tls_handshake = "tls.handshake", None, None, Detail, Wireshark, "Handshake Protocol";
    D_tls_handshake_cert_type = "tls.handshake.cert_type", Uint8, Dec, Detail, Wireshark, "Certificate Type";
    D_tls_handshake_cert_types = "tls.handshake.cert_types", None, None, Detail, Wireshark, "Certificate types";
    D_tls_handshake_cert_types_count = "tls.handshake.cert_types_count", Uint8, Dec, Detail, Wireshark, "Certificate types count";
    D_tls_handshake_certificate = "tls.handshake.certificate", Bytes, None, Detail, Wireshark, "Certificate";
    D_tls_handshake_certificate_length = "tls.handshake.certificate_length", Uint24, Dec, Detail, Wireshark, "Certificate Length";
    D_tls_handshake_certificate_request_context_length = "tls.handshake.certificate_request_context_length", Uint8, Dec, Detail, Wireshark, "Certificate Request Context Length";
    D_tls_handshake_certificates = "tls.handshake.certificates", None, None, Detail, Wireshark, "Certificates";
    D_tls_handshake_certificates_length = "tls.handshake.certificates_length", Uint24, Dec, Detail, Wireshark, "Certificates Length";
    D_tls_handshake_cipher_suites_length = "tls.handshake.cipher_suites_length", Uint16, Dec, Detail, Wireshark, "Cipher Suites Length";
    D_tls_handshake_ciphersuite = "tls.handshake.ciphersuite", Uint16, Hex, Detail, Wireshark, "Cipher Suite";
    D_tls_handshake_ciphersuites = "tls.handshake.ciphersuites", None, None, Detail, Wireshark, "Cipher Suites";
    D_tls_handshake_client_cert_vrfy_sig = "tls.handshake.client_cert_vrfy.sig", Bytes, None, Detail, Wireshark, "Signature";
    D_tls_handshake_client_cert_vrfy_sig_len = "tls.handshake.client_cert_vrfy.sig_len", Uint16, Dec, Detail, Wireshark, "Signature length";
    D_tls_handshake_client_point = "tls.handshake.client_point", Bytes, None, Detail, Wireshark, "Pubkey";
    D_tls_handshake_client_point_len = "tls.handshake.client_point_len", Uint8, Dec, Detail, Wireshark, "Pubkey Length";
    D_tls_handshake_comp_method = "tls.handshake.comp_method", Uint8, Dec, Detail, Wireshark, "Compression Method";
    D_tls_handshake_comp_methods = "tls.handshake.comp_methods", None, None, Detail, Wireshark, "Compression Methods";
    D_tls_handshake_comp_methods_length = "tls.handshake.comp_methods_length", Uint8, Dec, Detail, Wireshark, "Compression Methods Length";
    D_tls_handshake_dname = "tls.handshake.dname", None, None, Detail, Wireshark, "Distinguished Name";
    D_tls_handshake_dname_len = "tls.handshake.dname_len", Uint16, Dec, Detail, Wireshark, "Distinguished Name Length";
    D_tls_handshake_dnames = "tls.handshake.dnames", None, None, Detail, Wireshark, "Distinguished Names";
    D_tls_handshake_dnames_len = "tls.handshake.dnames_len", Uint16, Dec, Detail, Wireshark, "Distinguished Names Length";
    D_tls_handshake_epms = "tls.handshake.epms", Bytes, None, Detail, Wireshark, "Encrypted PreMaster";
    D_tls_handshake_epms_len = "tls.handshake.epms_len", Uint16, Dec, Detail, Wireshark, "Encrypted PreMaster length";
    D_tls_handshake_extension_data = "tls.handshake.extension.data", Bytes, None, Detail, Wireshark, "Data";
    D_tls_handshake_extension_heartbeat_mode = "tls.handshake.extension.heartbeat.mode", Uint8, Dec, Detail, Wireshark, "Mode";
    D_tls_handshake_extension_len = "tls.handshake.extension.len", Uint16, Dec, Detail, Wireshark, "Length";
    D_tls_handshake_extension_type = "tls.handshake.extension.type", Uint16, Dec, Detail, Wireshark, "Type";
    D_tls_handshake_extensions_supported_version = "tls.handshake.extensions.supported_version", Uint16, Hex, Detail, Wireshark, "Supported Version";
    D_tls_handshake_extensions_supported_versions_len = "tls.handshake.extensions.supported_versions_len", Uint8, Dec, Detail, Wireshark, "Supported Versions length";
    D_tls_handshake_extensions_alpn_len = "tls.handshake.extensions_alpn_len", Uint16, Dec, Detail, Wireshark, "ALPN Extension Length";
    D_tls_handshake_extensions_alpn_list = "tls.handshake.extensions_alpn_list", None, None, Detail, Wireshark, "ALPN Protocol";
    D_tls_handshake_extensions_alpn_str = "tls.handshake.extensions_alpn_str", String, None, Detail, Wireshark, "ALPN Next Protocol";
    D_tls_handshake_extensions_alpn_str_len = "tls.handshake.extensions_alpn_str_len", Uint8, Dec, Detail, Wireshark, "ALPN string length";
    D_tls_handshake_extensions_ec_point_format = "tls.handshake.extensions_ec_point_format", Uint8, Dec, Detail, Wireshark, "EC point format";
    D_tls_handshake_extensions_ec_point_formats = "tls.handshake.extensions_ec_point_formats", None, None, Detail, Wireshark, "EC point formats";
    D_tls_handshake_extensions_ec_point_formats_length = "tls.handshake.extensions_ec_point_formats_length", Uint8, Dec, Detail, Wireshark, "EC point formats Length";
    D_tls_handshake_extensions_key_share_client_length = "tls.handshake.extensions_key_share_client_length", Uint16, Dec, Detail, Wireshark, "Client Key Share Length";
    D_tls_handshake_extensions_key_share_group = "tls.handshake.extensions_key_share_group", Uint16, Dec, Detail, Wireshark, "Group";
    D_tls_handshake_extensions_key_share_key_exchange = "tls.handshake.extensions_key_share_key_exchange", Bytes, None, Detail, Wireshark, "Key Exchange";
    D_tls_handshake_extensions_key_share_key_exchange_length = "tls.handshake.extensions_key_share_key_exchange_length", Uint16, Dec, Detail, Wireshark, "Key Exchange Length";
    D_tls_handshake_extensions_key_share_selected_group = "tls.handshake.extensions_key_share_selected_group", Uint16, Dec, Detail, Wireshark, "Selected Group";
    D_tls_handshake_extensions_length = "tls.handshake.extensions_length", Uint16, Dec, Detail, Wireshark, "Extensions Length";
    D_tls_handshake_extensions_padding_data = "tls.handshake.extensions_padding_data", Bytes, None, Detail, Wireshark, "Padding Data";
    D_tls_handshake_extensions_reneg_info_len = "tls.handshake.extensions_reneg_info_len", Uint8, Dec, Detail, Wireshark, "Renegotiation info extension length";
    D_tls_handshake_extensions_server_name_len = "tls.handshake.extensions_server_name_len", Uint16, Dec, Detail, Wireshark, "Server Name length";
    D_tls_handshake_extensions_server_name_list_len = "tls.handshake.extensions_server_name_list_len", Uint16, Dec, Detail, Wireshark, "Server Name list length";
    D_tls_handshake_extensions_server_name_type = "tls.handshake.extensions_server_name_type", Uint8, Dec, Detail, Wireshark, "Server Name Type";
    D_tls_handshake_extensions_status_request_exts_len = "tls.handshake.extensions_status_request_exts_len", Uint16, Dec, Detail, Wireshark, "Request Extensions Length";
    D_tls_handshake_extensions_status_request_len = "tls.handshake.extensions_status_request_len", Uint16, Dec, Detail, Wireshark, "Certificate Status Length";
    D_tls_handshake_extensions_status_request_list_len = "tls.handshake.extensions_status_request_list_len", Uint16, Dec, Detail, Wireshark, "Certificate Status List Length";
    D_tls_handshake_extensions_status_request_responder_ids_len = "tls.handshake.extensions_status_request_responder_ids_len", Uint16, Dec, Detail, Wireshark, "Responder ID list Length";
    D_tls_handshake_extensions_status_request_type = "tls.handshake.extensions_status_request_type", Uint8, Dec, Detail, Wireshark, "Certificate Status Type";
    D_tls_handshake_extensions_supported_group = "tls.handshake.extensions_supported_group", Uint16, Hex, Detail, Wireshark, "Supported Group";
    D_tls_handshake_extensions_supported_groups = "tls.handshake.extensions_supported_groups", None, None, Detail, Wireshark, "Supported Groups List";
    D_tls_handshake_extensions_supported_groups_length = "tls.handshake.extensions_supported_groups_length", Uint16, Dec, Detail, Wireshark, "Supported Groups List Length";
    D_tls_handshake_fragment = "tls.handshake.fragment", Framenum, None, Detail, Wireshark, "Handshake Fragment";
    D_tls_handshake_fragment_count = "tls.handshake.fragment.count", Uint32, Dec, Detail, Wireshark, "Handshake Fragment count";
    D_tls_handshake_fragments = "tls.handshake.fragments", None, None, Detail, Wireshark, "Reassembled Handshake Fragments";
    D_tls_handshake_g = "tls.handshake.g", Bytes, None, Detail, Wireshark, "g";
    D_tls_handshake_g_len = "tls.handshake.g_len", Uint16, Dec, Detail, Wireshark, "g Length";
    D_tls_handshake_ja3 = "tls.handshake.ja3", String, None, Detail, Wireshark, "JA3";
    D_tls_handshake_ja3_full = "tls.handshake.ja3_full", String, None, Detail, Wireshark, "JA3 Fullstring";
    D_tls_handshake_ja3s = "tls.handshake.ja3s", String, None, Detail, Wireshark, "JA3S";
    D_tls_handshake_ja3s_full = "tls.handshake.ja3s_full", String, None, Detail, Wireshark, "JA3S Fullstring";
    D_tls_handshake_length = "tls.handshake.length", Uint24, Dec, Detail, Wireshark, "Length";
    D_tls_handshake_p = "tls.handshake.p", Bytes, None, Detail, Wireshark, "p";
    D_tls_handshake_p_len = "tls.handshake.p_len", Uint16, Dec, Detail, Wireshark, "p Length";
    D_tls_handshake_random = "tls.handshake.random", Bytes, None, Detail, Wireshark, "Random";
    D_tls_handshake_random_bytes = "tls.handshake.random_bytes", Bytes, None, Detail, Wireshark, "Random Bytes";
    D_tls_handshake_random_time = "tls.handshake.random_time", AbsoluteTime, None, Detail, Wireshark, "GMT Unix Time";
    D_tls_handshake_server_curve_type = "tls.handshake.server_curve_type", Uint8, Hex, Detail, Wireshark, "Curve Type";
    D_tls_handshake_server_named_curve = "tls.handshake.server_named_curve", Uint16, Hex, Detail, Wireshark, "Named Curve";
    D_tls_handshake_server_point = "tls.handshake.server_point", Bytes, None, Detail, Wireshark, "Pubkey";
    D_tls_handshake_server_point_len = "tls.handshake.server_point_len", Uint8, Dec, Detail, Wireshark, "Pubkey Length";
    D_tls_handshake_session_id = "tls.handshake.session_id", Bytes, None, Detail, Wireshark, "Session ID";
    D_tls_handshake_session_id_length = "tls.handshake.session_id_length", Uint16, Dec, Detail, Wireshark, "Session ID Length";
    D_tls_handshake_session_ticket = "tls.handshake.session_ticket", Bytes, None, Detail, Wireshark, "Session Ticket";
    D_tls_handshake_session_ticket_age_add = "tls.handshake.session_ticket_age_add", Uint32, Dec, Detail, Wireshark, "Session Ticket Age Add";
    D_tls_handshake_session_ticket_length = "tls.handshake.session_ticket_length", Uint16, Dec, Detail, Wireshark, "Session Ticket Length";
    D_tls_handshake_session_ticket_lifetime_hint = "tls.handshake.session_ticket_lifetime_hint", Uint32, Dec, Detail, Wireshark, "Session Ticket Lifetime Hint";
    D_tls_handshake_session_ticket_nonce = "tls.handshake.session_ticket_nonce", Bytes, None, Detail, Wireshark, "Session Ticket Nonce";
    D_tls_handshake_session_ticket_nonce_length = "tls.handshake.session_ticket_nonce_length", Uint8, Dec, Detail, Wireshark, "Session Ticket Nonce Length";
    D_tls_handshake_sig = "tls.handshake.sig", Bytes, None, Detail, Wireshark, "Signature";
    D_tls_handshake_sig_hash_alg = "tls.handshake.sig_hash_alg", Uint16, Hex, Detail, Wireshark, "Signature Algorithm";
    D_tls_handshake_sig_hash_alg_len = "tls.handshake.sig_hash_alg_len", Uint16, Dec, Detail, Wireshark, "Signature Hash Algorithms Length";
    D_tls_handshake_sig_hash_algs = "tls.handshake.sig_hash_algs", None, None, Detail, Wireshark, "Signature Algorithms";
    D_tls_handshake_sig_hash_hash = "tls.handshake.sig_hash_hash", Uint8, Dec, Detail, Wireshark, "Signature Hash Algorithm Hash";
    D_tls_handshake_sig_hash_sig = "tls.handshake.sig_hash_sig", Uint8, Dec, Detail, Wireshark, "Signature Hash Algorithm Signature";
    D_tls_handshake_sig_len = "tls.handshake.sig_len", Uint16, Dec, Detail, Wireshark, "Signature Length";
    D_tls_handshake_verify_data = "tls.handshake.verify_data", None, None, Detail, Wireshark, "Verify Data";
    D_tls_handshake_version = "tls.handshake.version", Uint16, Hex, Detail, Wireshark, "Version";
    D_tls_handshake_yc = "tls.handshake.yc", Bytes, None, Detail, Wireshark, "Pubkey";
    D_tls_handshake_yc_len = "tls.handshake.yc_len", Uint16, Dec, Detail, Wireshark, "Pubkey Length";
    D_tls_handshake_ys = "tls.handshake.ys", Bytes, None, Detail, Wireshark, "Pubkey";
    D_tls_handshake_ys_len = "tls.handshake.ys_len", Uint16, Dec, Detail, Wireshark, "Pubkey Length";
    D_tls_quic_parameter_active_connection_id_limit = "tls.quic.parameter.active_connection_id_limit", Uint64, Dec, Detail, Wireshark, "Active Connection ID Limit";
    D_tls_quic_parameter_initial_max_data = "tls.quic.parameter.initial_max_data", Uint64, Dec, Detail, Wireshark, "initial_max_data";
    D_tls_quic_parameter_initial_max_stream_data_bidi_local = "tls.quic.parameter.initial_max_stream_data_bidi_local", Uint64, Dec, Detail, Wireshark, "initial_max_stream_data_bidi_local";
    D_tls_quic_parameter_initial_max_stream_data_bidi_remote = "tls.quic.parameter.initial_max_stream_data_bidi_remote", Uint64, Dec, Detail, Wireshark, "initial_max_stream_data_bidi_remote";
    D_tls_quic_parameter_initial_max_stream_data_uni = "tls.quic.parameter.initial_max_stream_data_uni", Uint64, Dec, Detail, Wireshark, "initial_max_stream_data_uni";
    D_tls_quic_parameter_initial_max_streams_bidi = "tls.quic.parameter.initial_max_streams_bidi", Uint64, Dec, Detail, Wireshark, "initial_max_streams_bidi";
    D_tls_quic_parameter_initial_max_streams_uni = "tls.quic.parameter.initial_max_streams_uni", Uint64, Dec, Detail, Wireshark, "initial_max_streams_uni";
    D_tls_quic_parameter_initial_source_connection_id = "tls.quic.parameter.initial_source_connection_id", Bytes, None, Detail, Wireshark, "Initial Source Connection ID";
    D_tls_quic_parameter_length = "tls.quic.parameter.length", Uint64, Dec, Detail, Wireshark, "Length";
    D_tls_quic_parameter_max_ack_delay = "tls.quic.parameter.max_ack_delay", Uint64, Dec, Detail, Wireshark, "max_ack_delay";
    D_tls_quic_parameter_max_idle_timeout = "tls.quic.parameter.max_idle_timeout", Uint64, Dec, Detail, Wireshark, "max_idle_timeout";
    D_tls_quic_parameter_max_udp_payload_size = "tls.quic.parameter.max_udp_payload_size", Uint64, Dec, Detail, Wireshark, "max_udp_payload_size";
    D_tls_quic_parameter_type = "tls.quic.parameter.type", Uint64, Dec, Detail, Wireshark, "Type";
    D_tls_quic_parameter_value = "tls.quic.parameter.value", Bytes, None, Detail, Wireshark, "Value";
    D_tls_reassembled_length = "tls.reassembled.length", Uint32, Dec, Detail, Wireshark, "Reassembled PDU length";
    D_tls_record = "tls.record", None, None, Detail, Wireshark, "Record Layer";
    D_tls_record_content_type = "tls.record.content_type", Uint8, Dec, Detail, Wireshark, "Content Type";
    D_tls_record_length = "tls.record.length", Uint16, Dec, Detail, Wireshark, "Length";
    D_tls_record_opaque_type = "tls.record.opaque_type", Uint8, Dec, Detail, Wireshark, "Opaque Type";
    D_tls_record_version = "tls.record.version", Uint16, Hex, Detail, Wireshark, "Version";
    D_tls_record_size_limit = "tls.record_size_limit", Uint16, Dec, Detail, Wireshark, "Record Size Limit";
    D_tls_segment = "tls.segment", Framenum, None, Detail, Wireshark, "TLS segment";
    D_tls_segment_count = "tls.segment.count", Uint32, Dec, Detail, Wireshark, "Segment count";
    D_tls_segments = "tls.segments", None, None, Detail, Wireshark, "Reassembled TLS segments";
    D_udp_possible_traceroute = "udp.possible_traceroute", None, None, Detail, Wireshark, "Possible traceroute";
    D_vlan_dei = "vlan.dei", Boolean, None, Detail, Wireshark, "DEI";
    D_vlan_len = "vlan.len", Uint16, Dec, Detail, Wireshark, "Length";
    D_vlan_trailer = "vlan.trailer", Bytes, None, Detail, Wireshark, "Trailer";
    D_vxlan_flag_i = "vxlan.flag_i", Boolean, None, Detail, Wireshark, "VXLAN Network ID (VNI)";
    D_vxlan_flags = "vxlan.flags", Uint16, Hex, Detail, Wireshark, "Flags";
    D_vxlan_vni = "vxlan.vni", Uint24, Dec, Detail, Wireshark, "VXLAN Network Identifier (VNI)";
    D_x509af_DSS_Params_element = "x509af.DSS_Params_element", None, None, Detail, Wireshark, "DSS-Params";
    D_x509af_Extension_element = "x509af.Extension_element", None, None, Detail, Wireshark, "Extension";
    D_x509af_algorithmIdentifier_element = "x509af.algorithmIdentifier_element", None, None, Detail, Wireshark, "algorithmIdentifier";
    D_x509af_algorithm_element = "x509af.algorithm_element", None, None, Detail, Wireshark, "algorithm";
    D_x509af_critical = "x509af.critical", Boolean, None, Detail, Wireshark, "critical";
    D_x509af_encrypted = "x509af.encrypted", Bytes, None, Detail, Wireshark, "encrypted";
    D_x509af_extensions = "x509af.extensions", Uint32, Dec, Detail, Wireshark, "extensions";
    D_x509af_g = "x509af.g", Bytes, None, Detail, Wireshark, "g";
    D_x509af_issuer = "x509af.issuer", Uint32, Dec, Detail, Wireshark, "issuer";
    D_x509af_notAfter = "x509af.notAfter", Uint32, Dec, Detail, Wireshark, "notAfter";
    D_x509af_notBefore = "x509af.notBefore", Uint32, Dec, Detail, Wireshark, "notBefore";
    D_x509af_p = "x509af.p", Bytes, None, Detail, Wireshark, "p";
    D_x509af_q = "x509af.q", Bytes, None, Detail, Wireshark, "q";
    D_x509af_rdnSequence = "x509af.rdnSequence", Uint32, Dec, Detail, Wireshark, "rdnSequence";
    D_x509af_serialNumber = "x509af.serialNumber", Bytes, None, Detail, Wireshark, "serialNumber";
    D_x509af_signature_element = "x509af.signature_element", None, None, Detail, Wireshark, "signature";
    D_x509af_signedCertificate_element = "x509af.signedCertificate_element", None, None, Detail, Wireshark, "signedCertificate";
    D_x509af_subject = "x509af.subject", Uint32, Dec, Detail, Wireshark, "subject";
    D_x509af_subjectPublicKey = "x509af.subjectPublicKey", Bytes, None, Detail, Wireshark, "subjectPublicKey";
    D_x509af_subjectPublicKeyInfo_element = "x509af.subjectPublicKeyInfo_element", None, None, Detail, Wireshark, "subjectPublicKeyInfo";
    D_x509af_utcTime = "x509af.utcTime", String, None, Detail, Wireshark, "utcTime";
    D_x509af_validity_element = "x509af.validity_element", None, None, Detail, Wireshark, "validity";
    D_x509af_version = "x509af.version", Int32, Dec, Detail, Wireshark, "version";
    D_x509ce_AuthorityKeyIdentifier_element = "x509ce.AuthorityKeyIdentifier_element", None, None, Detail, Wireshark, "AuthorityKeyIdentifier";
    D_x509ce_BasicConstraintsSyntax_element = "x509ce.BasicConstraintsSyntax_element", None, None, Detail, Wireshark, "BasicConstraintsSyntax";
    D_x509ce_CRLDistPointsSyntax = "x509ce.CRLDistPointsSyntax", Uint32, Dec, Detail, Wireshark, "CRLDistPointsSyntax";
    D_x509ce_CertificatePoliciesSyntax = "x509ce.CertificatePoliciesSyntax", Uint32, Dec, Detail, Wireshark, "CertificatePoliciesSyntax";
    D_x509ce_DistributionPoint_element = "x509ce.DistributionPoint_element", None, None, Detail, Wireshark, "DistributionPoint";
    D_x509ce_GeneralName = "x509ce.GeneralName", Uint32, Dec, Detail, Wireshark, "GeneralName";
    D_x509ce_GeneralNames = "x509ce.GeneralNames", Uint32, Dec, Detail, Wireshark, "GeneralNames";
    D_x509ce_KeyPurposeIDs = "x509ce.KeyPurposeIDs", Uint32, Dec, Detail, Wireshark, "KeyPurposeIDs";
    D_x509ce_KeyUsage = "x509ce.KeyUsage", Bytes, None, Detail, Wireshark, "KeyUsage";
    D_x509ce_KeyUsage_cRLSign = "x509ce.KeyUsage.cRLSign", Boolean, None, Detail, Wireshark, "cRLSign";
    D_x509ce_KeyUsage_contentCommitment = "x509ce.KeyUsage.contentCommitment", Boolean, None, Detail, Wireshark, "contentCommitment";
    D_x509ce_KeyUsage_dataEncipherment = "x509ce.KeyUsage.dataEncipherment", Boolean, None, Detail, Wireshark, "dataEncipherment";
    D_x509ce_KeyUsage_decipherOnly = "x509ce.KeyUsage.decipherOnly", Boolean, None, Detail, Wireshark, "decipherOnly";
    D_x509ce_KeyUsage_digitalSignature = "x509ce.KeyUsage.digitalSignature", Boolean, None, Detail, Wireshark, "digitalSignature";
    D_x509ce_KeyUsage_encipherOnly = "x509ce.KeyUsage.encipherOnly", Boolean, None, Detail, Wireshark, "encipherOnly";
    D_x509ce_KeyUsage_keyAgreement = "x509ce.KeyUsage.keyAgreement", Boolean, None, Detail, Wireshark, "keyAgreement";
    D_x509ce_KeyUsage_keyCertSign = "x509ce.KeyUsage.keyCertSign", Boolean, None, Detail, Wireshark, "keyCertSign";
    D_x509ce_KeyUsage_keyEncipherment = "x509ce.KeyUsage.keyEncipherment", Boolean, None, Detail, Wireshark, "keyEncipherment";
    D_x509ce_PolicyInformation_element = "x509ce.PolicyInformation_element", None, None, Detail, Wireshark, "PolicyInformation";
    D_x509ce_PolicyQualifierInfo_element = "x509ce.PolicyQualifierInfo_element", None, None, Detail, Wireshark, "PolicyQualifierInfo";
    D_x509ce_SubjectKeyIdentifier = "x509ce.SubjectKeyIdentifier", Bytes, None, Detail, Wireshark, "SubjectKeyIdentifier";
    D_x509ce_authorityCertIssuer = "x509ce.authorityCertIssuer", Uint32, Dec, Detail, Wireshark, "authorityCertIssuer";
    D_x509ce_authorityCertSerialNumber = "x509ce.authorityCertSerialNumber", Bytes, None, Detail, Wireshark, "authorityCertSerialNumber";
    D_x509ce_cA = "x509ce.cA", Boolean, None, Detail, Wireshark, "cA";
    D_x509ce_dNSName = "x509ce.dNSName", String, None, Detail, Wireshark, "dNSName";
    D_x509ce_directoryName = "x509ce.directoryName", Uint32, Dec, Detail, Wireshark, "directoryName";
    D_x509ce_distributionPoint = "x509ce.distributionPoint", Uint32, Dec, Detail, Wireshark, "distributionPoint";
    D_x509ce_fullName = "x509ce.fullName", Uint32, Dec, Detail, Wireshark, "fullName";
    D_x509ce_iPAddress = "x509ce.iPAddress", Bytes, None, Detail, Wireshark, "iPAddress";
    D_x509ce_keyIdentifier = "x509ce.keyIdentifier", Bytes, None, Detail, Wireshark, "keyIdentifier";
    D_x509ce_pathLenConstraint = "x509ce.pathLenConstraint", Uint64, Dec, Detail, Wireshark, "pathLenConstraint";
    D_x509ce_policyQualifiers = "x509ce.policyQualifiers", Uint32, Dec, Detail, Wireshark, "policyQualifiers";
    D_x509ce_rfc822Name = "x509ce.rfc822Name", String, None, Detail, Wireshark, "rfc822Name";
    D_x509ce_uniformResourceIdentifier = "x509ce.uniformResourceIdentifier", String, None, Detail, Wireshark, "uniformResourceIdentifier";
    D_x509if_RDNSequence_item = "x509if.RDNSequence_item", Uint32, Dec, Detail, Wireshark, "RDNSequence item";
    D_x509if_RelativeDistinguishedName_item_element = "x509if.RelativeDistinguishedName_item_element", None, None, Detail, Wireshark, "RelativeDistinguishedName item";
    D_x509if_rdnSequence = "x509if.rdnSequence", Uint32, Dec, Detail, Wireshark, "rdnSequence";
    D_x509sat_CountryName = "x509sat.CountryName", String, None, Detail, Wireshark, "CountryName";
    D_x509sat_DirectoryString = "x509sat.DirectoryString", Uint32, Dec, Detail, Wireshark, "DirectoryString";
    D_x509sat_IA5String = "x509sat.IA5String", String, None, Detail, Wireshark, "IA5String";
    D_x509sat_PrintableString = "x509sat.PrintableString", String, None, Detail, Wireshark, "PrintableString";
    D_x509sat_bmpString = "x509sat.bmpString", String, None, Detail, Wireshark, "bmpString";
    D_x509sat_printableString = "x509sat.printableString", String, None, Detail, Wireshark, "printableString";
    D_x509sat_teletexString = "x509sat.teletexString", String, None, Detail, Wireshark, "teletexString";
    D_x509sat_uTF8String = "x509sat.uTF8String", String, None, Detail, Wireshark, "uTF8String";
    D_x509sat_universalString = "x509sat.universalString", String, None, Detail, Wireshark, "universalString";
    // END detail fields
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
    let names = by_name();
    names.get(name).copied().or_else(|| {
        // TLS's former name, which tshark 4.0 still takes for it and its fields
        // (`proto_register_alias`): `ssl`, `ssl.record` …
        let rest = name.strip_prefix("ssl")?;
        if !(rest.is_empty() || rest.starts_with('.')) {
            return None;
        }
        names.get(format!("tls{rest}").as_str()).copied()
    })
}

/// `fields`, and the protocols of those read from the packet detail ([`layers_of`]),
/// wholly or under a carrier (HTTP's under SSDP): what a scan of them must be ready to
/// answer.
pub fn with_protocols(fields: &[Fid]) -> Vec<Fid> {
    let mut all = fields.to_vec();
    for &f in fields
        .iter()
        .filter(|&&f| f.def().status == Status::Detail || under_ssdp(f))
    {
        for &p in layers_of(f) {
            if !all.contains(&p) {
                all.push(p);
            }
        }
    }
    all
}

/// Protocols whose dissectors hand their bytes to another's dissector without its
/// protocol item, and that other: packet-ssdp.c to HTTP's (`http.*` fields under
/// `ssdp`), packet-mdns.c and LLMNR's to DNS's; and packet-sll.c, whose trailer
/// Ethernet's code shows (`eth.padding` under `sll`).
const CARRIERS: [(Fid, Fid); 4] = [
    (Fid::Http, Fid::Ssdp),
    (Fid::Dns, Fid::Mdns),
    (Fid::Dns, Fid::Llmnr),
    (Fid::Eth, Fid::Sll),
];

/// Fields named under a layer they are not in: packet-tcp.c names its item for a SYN
/// without an MSS option under that option (`tcp.options.mss.absent`), and adds it to
/// the options.
const MISNAMED: [(Fid, Fid); 1] = [(Fid::D_tcp_options_mss_absent, Fid::Tcp)];

/// Names whose prefix is no protocol, and the layer their fields are in: packet-mysql.c
/// names MariaDB's items `mariadb.*`, in its `mysql` layer.
const FOREIGN_PREFIXES: [(&str, Fid); 1] = [("mariadb.", Fid::Mysql)];
/// The dissectors of a certificate's parts, whose fields the detail shows inside TLS's
/// handshake only (`detail/app/tls/x509.rs`).
const CERTIFICATE_PARTS: [&str; 5] = ["x509", "pkcs1.", "pkix1", "ber.", "ns_cert_exts."];

/// The layers that can hold `field`, when the registry extracts them: the protocol
/// named by the longest proper prefix of the name at a dot (`dns` for `dns.resp.ttl`,
/// `http2` for `http2.stream`), and those that carry its fields ([`CARRIERS`]). A packet
/// with none of them has none of the field, which lets a filter on a [`Status::Detail`]
/// field skip the detail of most packets; empty when no extracted protocol says so.
/// Worked out once for every field: a scan asks for each packet.
pub fn layers_of(field: Fid) -> &'static [Fid] {
    static LAYERS: OnceLock<Vec<Vec<Fid>>> = OnceLock::new();
    let all = LAYERS.get_or_init(|| {
        FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if let Some(&(_, layer)) = MISNAMED.iter().find(|m| m.0 as usize == i) {
                    return vec![layer];
                }
                let name = f.name;
                if let Some(&(_, layer)) = FOREIGN_PREFIXES.iter().find(|p| name.starts_with(p.0)) {
                    return vec![layer];
                }
                if CERTIFICATE_PARTS.iter().any(|p| name.starts_with(p)) {
                    return vec![Fid::Tls];
                }
                let Some(proto) = name
                    .rmatch_indices('.')
                    .filter_map(|(i, _)| lookup(&name[..i]))
                    .find(|p| p.ty() == FieldType::Protocol && p.def().status == Status::Extracted)
                else {
                    return Vec::new();
                };
                let mut layers = vec![proto];
                layers.extend(CARRIERS.iter().filter(|c| c.0 == proto).map(|c| c.1));
                layers
            })
            .collect()
    });
    &all[field as usize]
}

/// Whether `field` is one of HTTP's that SSDP (HTTP over UDP) carries too, where no
/// transaction holds it: its detail's values.
pub fn under_ssdp(field: Fid) -> bool {
    layers_of(field).contains(&Fid::Ssdp)
}

/// The known field closest to an unknown name ("did you mean …"): the smallest edit
/// distance, if it is small for the name's length; ties go to the name that starts like
/// it for longest (a typo is rarely in the first letters: `htp.request` is
/// `http.request`, not `ftp.request`), then to the shorter name.
pub fn suggest(name: &str) -> Option<&'static str> {
    let limit = (name.len() / 3).clamp(1, 4);
    // Names whose lengths differ by more than the limit are further apart than it: not
    // measured, so that a long word (a value of many kilobytes) costs one pass.
    let best = FIELDS
        .iter()
        .filter(|f| f.name.len().abs_diff(name.len()) <= limit)
        .map(|f| {
            let same = name
                .bytes()
                .zip(f.name.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            (
                edit_distance(name, f.name),
                std::cmp::Reverse(same),
                f.name.len(),
                f.name,
            )
        })
        .min();
    if let Some(best) = best.filter(|b| b.0 <= limit) {
        return Some(best.3);
    }
    // A known field that ends like the name (`srcport` → `tcp.srcport`).
    FIELDS
        .iter()
        .filter(|f| {
            f.name
                .strip_suffix(name)
                .is_some_and(|head| head.ends_with('.'))
        })
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
        // As near to ftp.request, but a typo is rarely in the first letters.
        assert_eq!(suggest("htp.request"), Some("http.request"));
        assert_eq!(suggest("completely.unrelated.name"), None);
    }

    /// Measuring only the names of lengths near the word's suggests what measuring every
    /// name suggests: for every field name cut, lengthened, changed or suffixed, and
    /// for long words (a value of many kilobytes, which no longer costs a distance to
    /// every name).
    #[test]
    fn suggestions_are_those_of_every_name_measured() {
        fn every(name: &str) -> Option<&'static str> {
            let limit = (name.len() / 3).clamp(1, 4);
            let best = FIELDS
                .iter()
                .map(|f| {
                    let same = name
                        .bytes()
                        .zip(f.name.bytes())
                        .take_while(|(a, b)| a == b)
                        .count();
                    (
                        edit_distance(name, f.name),
                        std::cmp::Reverse(same),
                        f.name.len(),
                        f.name,
                    )
                })
                .min()?;
            if best.0 <= limit {
                return Some(best.3);
            }
            FIELDS
                .iter()
                .filter(|f| f.name.ends_with(&format!(".{name}")))
                .map(|f| f.name)
                .next()
        }
        let mut words: Vec<String> = Vec::new();
        for f in FIELDS.iter().step_by(7) {
            let n = f.name;
            words.push(n[..n.len() - 1].to_owned());
            words.push(format!("{n}x"));
            words.push(format!("{n}xyz12"));
            words.push(n.replacen('.', "_", 1));
            words.push(n.rsplit('.').next().unwrap_or(n).to_owned());
        }
        words.push("v".repeat(3000));
        words.push(format!("tcp.{}", "a".repeat(2000)));
        let mut found = 0;
        for w in &words {
            let got = suggest(w);
            assert_eq!(got, every(w), "{w}");
            found += usize::from(got.is_some());
        }
        assert!(found > words.len() / 2, "{found} of {}", words.len());
    }
}
