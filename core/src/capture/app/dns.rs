//! DNS transactions.

use serde::{Serialize, Serializer};

/// A resource record type (RFC 1035 §3.2.2 and later), shown by its mnemonic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RrType(pub u16);

impl RrType {
    /// The mnemonic (`A`, `AAAA`, …), or `TYPE<n>` (RFC 3597 §5).
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        let n = match self.0 {
            1 => "A",
            2 => "NS",
            5 => "CNAME",
            6 => "SOA",
            12 => "PTR",
            13 => "HINFO",
            15 => "MX",
            16 => "TXT",
            17 => "RP",
            18 => "AFSDB",
            24 => "SIG",
            25 => "KEY",
            28 => "AAAA",
            29 => "LOC",
            33 => "SRV",
            35 => "NAPTR",
            36 => "KX",
            37 => "CERT",
            39 => "DNAME",
            41 => "OPT",
            42 => "APL",
            43 => "DS",
            44 => "SSHFP",
            45 => "IPSECKEY",
            46 => "RRSIG",
            47 => "NSEC",
            48 => "DNSKEY",
            49 => "DHCID",
            50 => "NSEC3",
            51 => "NSEC3PARAM",
            52 => "TLSA",
            53 => "SMIMEA",
            55 => "HIP",
            59 => "CDS",
            60 => "CDNSKEY",
            61 => "OPENPGPKEY",
            62 => "CSYNC",
            63 => "ZONEMD",
            64 => "SVCB",
            65 => "HTTPS",
            99 => "SPF",
            249 => "TKEY",
            250 => "TSIG",
            251 => "IXFR",
            252 => "AXFR",
            255 => "ANY",
            256 => "URI",
            257 => "CAA",
            n => return format!("TYPE{n}").into(),
        };
        n.into()
    }
}

impl Serialize for RrType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// The name of a response code (RFC 1035 §4.1.1, RFC 6895 §2.3).
pub fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => "RCODE?",
    }
}

/// One resource record of the answer section.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Answer {
    /// Owner name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub rtype: RrType,
    /// Class (1 = IN).
    pub class: u16,
    /// Time to live, seconds.
    pub ttl: u32,
    /// The data in presentation form: an address, a name, `preference exchange` for MX,
    /// …; hex for types not decoded.
    pub data: String,
}

/// What a DNS transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Dns {
    /// Transaction id.
    pub id: u16,
    /// Name of the (first) question, as Wireshark shows it (`<Root>` for the root).
    pub name: String,
    /// Type of the question.
    pub qtype: RrType,
    /// Class of the question.
    pub qclass: u16,
    /// Opcode (0 = query).
    pub opcode: u8,
    /// Header flags of the response, or of the query when there is no response.
    pub flags: u16,
    /// Response code of the header (`dns.flags.rcode`).
    pub rcode: Option<u8>,
    /// The answer section.
    pub answers: Vec<Answer>,
    /// The response's authority and additional sections (at most 64 records each way).
    #[serde(skip)]
    pub others: Vec<Answer>,
    /// The query's records (its additional section: EDNS OPT …).
    #[serde(skip)]
    pub query_records: Vec<Answer>,
    /// Records in the answer, authority and additional sections of the response.
    pub counts: [u16; 3],
    /// Question counts (QDCOUNT) of the query and of the response, for
    /// `dns.count.queries`; not in the JSON.
    #[serde(skip)]
    pub questions: [u16; 2],
    /// The response was truncated (TC).
    pub truncated: bool,
    /// Copies of the query sent again before the response came.
    pub retransmissions: u32,
    /// Packets of those copies (the first [`MAX_RETRANSMISSIONS_KEPT`]).
    pub retransmission_packets: Vec<u64>,
    /// Over TCP.
    pub tcp: bool,
}
