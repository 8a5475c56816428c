//! HPACK (RFC 7541): the header compression of HTTP/2. One [`Decoder`] per direction of a
//! connection keeps the dynamic table its peer's encoder fills.

use std::collections::VecDeque;
use std::sync::OnceLock;

/// The dynamic table's size when the peer says nothing else (RFC 9113 §6.5.2
/// SETTINGS_HEADER_TABLE_SIZE's initial value).
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// The largest dynamic table kept, whatever an encoder announces (memory bound; 64 times
/// the default).
pub const MAX_TABLE_SIZE: usize = 256 << 10;

/// The static table (RFC 7541 Appendix A), indices 1 to 61.
pub const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// How a header field was represented (RFC 7541 §6), as Wireshark names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr {
    /// §6.1.
    Indexed,
    /// §6.2.1, the name by index (true) or literal.
    Incremental(bool),
    /// §6.2.2.
    WithoutIndexing(bool),
    /// §6.2.3.
    NeverIndexed(bool),
}

impl Repr {
    /// Wireshark's `http2.header.repr` text.
    pub fn wireshark(self) -> &'static str {
        match self {
            Repr::Indexed => "Indexed Header Field",
            Repr::Incremental(true) => {
                "Literal Header Field with Incremental Indexing - Indexed Name"
            }
            Repr::Incremental(false) => "Literal Header Field with Incremental Indexing - New Name",
            Repr::WithoutIndexing(true) => "Literal Header Field without Indexing - Indexed Name",
            Repr::WithoutIndexing(false) => "Literal Header Field without Indexing - New Name",
            Repr::NeverIndexed(true) => "Literal Header Field never Indexed - Indexed Name",
            Repr::NeverIndexed(false) => "Literal Header Field never Indexed - New Name",
        }
    }
}

/// One decoded header field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// The name.
    pub name: &'a [u8],
    /// The value.
    pub value: &'a [u8],
    /// How it was sent.
    pub repr: Repr,
    /// The table index it named (0: none).
    pub index: u32,
    /// Where its representation lies in the header block.
    pub span: std::ops::Range<usize>,
}

/// Why a header block could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The block ends inside a representation.
    Truncated,
    /// An index past both tables (a table missed, e.g. a capture joined mid-connection).
    BadIndex(u32),
    /// A Huffman string that does not decode (RFC 7541 §5.2).
    Huffman,
    /// An integer too large.
    Overflow,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Truncated => write!(f, "header block cut inside a field"),
            Error::BadIndex(i) => write!(f, "header table index {i} unknown"),
            Error::Huffman => write!(f, "bad Huffman string"),
            Error::Overflow => write!(f, "integer too large"),
        }
    }
}

impl std::error::Error for Error {}

/// The decoder of one direction: its dynamic table (RFC 7541 §2.3.2, §4).
#[derive(Clone, Debug)]
pub struct Decoder {
    table: VecDeque<(Vec<u8>, Vec<u8>)>,
    size: usize,
    max: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            table: VecDeque::new(),
            size: 0,
            max: DEFAULT_TABLE_SIZE,
        }
    }
}

/// Reads an integer with an `n`-bit prefix (RFC 7541 §5.1) at `*at`.
fn integer(b: &[u8], at: &mut usize, n: u8) -> Result<u32, Error> {
    let mask = ((1u16 << n) - 1) as u8;
    let first = *b.get(*at).ok_or(Error::Truncated)? & mask;
    *at += 1;
    if first < mask {
        return Ok(first as u32);
    }
    let mut v = mask as u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(*at).ok_or(Error::Truncated)?;
        *at += 1;
        v += ((byte & 0x7f) as u64) << shift;
        if v > u32::MAX as u64 {
            return Err(Error::Overflow);
        }
        if byte & 0x80 == 0 {
            return Ok(v as u32);
        }
        shift += 7;
        if shift > 28 {
            return Err(Error::Overflow);
        }
    }
}

/// Canonical decoding tables: per code length, the first code and where its symbols
/// start in the symbols sorted by (length, symbol).
struct Canon {
    first: [u32; 31],
    count: [u32; 31],
    offset: [u32; 31],
    symbols: Vec<u16>,
}

fn canon() -> &'static Canon {
    static C: OnceLock<Canon> = OnceLock::new();
    C.get_or_init(|| {
        let mut symbols: Vec<u16> = (0..257).collect();
        symbols.sort_by_key(|&s| (super::huffman::CODES[s as usize].1, s));
        let mut c = Canon {
            first: [0; 31],
            count: [0; 31],
            offset: [0; 31],
            symbols,
        };
        for (i, &s) in c.symbols.iter().enumerate() {
            let (code, len) = super::huffman::CODES[s as usize];
            let l = len as usize;
            if c.count[l] == 0 {
                c.first[l] = code;
                c.offset[l] = i as u32;
            }
            c.count[l] += 1;
        }
        c
    })
}

/// Decodes a Huffman-coded string (RFC 7541 §5.2) onto `out`.
pub fn huffman(b: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    let c = canon();
    let (mut code, mut len) = (0u32, 0usize);
    for &byte in b {
        for bit in (0..8).rev() {
            code = code << 1 | u32::from(byte >> bit & 1);
            len += 1;
            if len > 30 {
                return Err(Error::Huffman);
            }
            if c.count[len] > 0 && code >= c.first[len] && code - c.first[len] < c.count[len] {
                let sym = c.symbols[(c.offset[len] + code - c.first[len]) as usize];
                if sym == 256 {
                    return Err(Error::Huffman);
                }
                out.push(sym as u8);
                code = 0;
                len = 0;
            }
        }
    }
    // Padding: at most 7 bits, all ones (the EOS code's most significant bits).
    if len > 7 || code != (1 << len) - 1 {
        return Err(Error::Huffman);
    }
    Ok(())
}

/// Reads a string literal (RFC 7541 §5.2) at `*at` into `out`.
fn string(b: &[u8], at: &mut usize, out: &mut Vec<u8>) -> Result<(), Error> {
    let h = *b.get(*at).ok_or(Error::Truncated)? & 0x80 != 0;
    let n = integer(b, at, 7)? as usize;
    let s = b.get(*at..*at + n).ok_or(Error::Truncated)?;
    *at += n;
    out.clear();
    if h {
        huffman(s, out)
    } else {
        out.extend_from_slice(s);
        Ok(())
    }
}

impl Decoder {
    /// A decoder with the default table size.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dynamic table's size in RFC 7541's measure (§4.1).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Sets the most the peer may use (its SETTINGS_HEADER_TABLE_SIZE; capped at
    /// [`MAX_TABLE_SIZE`]).
    pub fn set_max(&mut self, max: usize) {
        self.max = max.min(MAX_TABLE_SIZE);
        self.evict();
    }

    fn evict(&mut self) {
        while self.size > self.max {
            let Some((n, v)) = self.table.pop_back() else {
                break;
            };
            self.size -= n.len() + v.len() + 32;
        }
    }

    fn insert(&mut self, name: &[u8], value: &[u8]) {
        let size = name.len() + value.len() + 32;
        self.size += size;
        self.evict();
        if size <= self.max {
            self.table.push_front((name.to_vec(), value.to_vec()));
        } else {
            // An entry larger than the table empties it (RFC 7541 §4.4).
            self.size -= size;
        }
    }

    /// The entry at `index` (1-based over the static then the dynamic table).
    fn entry(&self, index: u32) -> Result<(&[u8], &[u8]), Error> {
        let i = index as usize;
        if (1..=STATIC.len()).contains(&i) {
            let (n, v) = STATIC[i - 1];
            return Ok((n.as_bytes(), v.as_bytes()));
        }
        match i
            .checked_sub(STATIC.len() + 1)
            .and_then(|d| self.table.get(d))
        {
            Some((n, v)) => Ok((n, v)),
            None => Err(Error::BadIndex(index)),
        }
    }

    /// Decodes a whole header block, calling `on` for each field. A dynamic table size
    /// update (§6.3) changes the table and gives no field. On an error the fields before
    /// it have been given and the table may be out of step with the encoder's.
    pub fn decode(&mut self, block: &[u8], on: &mut dyn FnMut(Field<'_>)) -> Result<(), Error> {
        let mut at = 0;
        let (mut name, mut value) = (Vec::new(), Vec::new());
        while at < block.len() {
            let start = at;
            let b = block[at];
            if b & 0x80 != 0 {
                let index = integer(block, &mut at, 7)?;
                let (n, v) = self.entry(index)?;
                on(Field {
                    name: n,
                    value: v,
                    repr: Repr::Indexed,
                    index,
                    span: start..at,
                });
                continue;
            }
            if b & 0xe0 == 0x20 {
                let size = integer(block, &mut at, 5)? as usize;
                self.max = size.min(MAX_TABLE_SIZE);
                self.evict();
                continue;
            }
            let (prefix, kind): (u8, fn(bool) -> Repr) = if b & 0x40 != 0 {
                (6, Repr::Incremental)
            } else if b & 0x10 != 0 {
                (4, Repr::NeverIndexed)
            } else {
                (4, Repr::WithoutIndexing)
            };
            let index = integer(block, &mut at, prefix)?;
            if index == 0 {
                string(block, &mut at, &mut name)?;
            } else {
                let (n, _) = self.entry(index)?;
                name.clear();
                name.extend_from_slice(n);
            }
            string(block, &mut at, &mut value)?;
            let repr = kind(index != 0);
            on(Field {
                name: &name,
                value: &value,
                repr,
                index,
                span: start..at,
            });
            if matches!(repr, Repr::Incremental(_)) {
                self.insert(&name, &value);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn fields(d: &mut Decoder, block: &[u8]) -> Vec<(String, String)> {
        let mut v = Vec::new();
        d.decode(block, &mut |f| {
            v.push((
                String::from_utf8_lossy(f.name).into_owned(),
                String::from_utf8_lossy(f.value).into_owned(),
            ))
        })
        .unwrap();
        v
    }

    /// RFC 7541 Appendix C.4: requests with Huffman coding, the dynamic table carried
    /// from one to the next.
    #[test]
    fn requests_of_rfc7541_c4() {
        let mut d = Decoder::new();
        let r1 = fields(&mut d, &h("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"));
        assert_eq!(
            r1,
            [
                (":method".into(), "GET".into()),
                (":scheme".into(), "http".into()),
                (":path".into(), "/".into()),
                (":authority".into(), "www.example.com".into())
            ]
        );
        assert_eq!(d.size(), 57);
        let r2 = fields(&mut d, &h("8286 84be 5886 a8eb 1064 9cbf"));
        assert_eq!(r2[3], (":authority".into(), "www.example.com".into()));
        assert_eq!(r2[4], ("cache-control".into(), "no-cache".into()));
        assert_eq!(d.size(), 110);
        let r3 = fields(
            &mut d,
            &h("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
        );
        assert_eq!(r3[4], ("custom-key".into(), "custom-value".into()));
        assert_eq!(d.size(), 164);
    }

    /// RFC 7541 Appendix C.6: responses with Huffman coding and evictions (a 256-byte
    /// table).
    #[test]
    fn responses_of_rfc7541_c6_with_evictions() {
        let mut d = Decoder::new();
        d.set_max(256);
        fields(
            &mut d,
            &h("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
        );
        assert_eq!(d.size(), 222);
        let r2 = fields(&mut d, &h("4883 640e ff c1 c0 bf"));
        assert_eq!(r2[0], (":status".into(), "307".into()));
        assert_eq!(d.size(), 222);
        let r3 = fields(
            &mut d,
            &h("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"),
        );
        assert_eq!(
            r3[5],
            (
                "set-cookie".into(),
                "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1".into()
            )
        );
        assert_eq!(d.size(), 215);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let mut d = Decoder::new();
        assert_eq!(d.decode(&[0xff], &mut |_| {}), Err(Error::Truncated));
        assert_eq!(d.decode(&[0xbe], &mut |_| {}), Err(Error::BadIndex(62)));
        assert_eq!(
            d.decode(&[0x40, 0x85, 0xff], &mut |_| {}),
            Err(Error::Truncated)
        );
        assert_eq!(
            d.decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], &mut |_| {}),
            Err(Error::Overflow)
        );
        let mut out = Vec::new();
        assert_eq!(huffman(&[0x00], &mut out), Err(Error::Huffman));
    }
}
