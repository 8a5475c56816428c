//! A Certificate handshake message as packet-tls-utils.c shows it (RFC 5246 §7.4.2,
//! RFC 8446 §4.4.2): the list's length, and each certificate's length and bytes, named
//! by its subject as the X.509 dissector words it (`id-at-commonName=…`, the RDNs last
//! first). The X.509 fields themselves (`x509af`, `x509sat` …) are not dissected.

use super::{be24, uint};
use crate::query::detail::Node;

/// The body of Certificate message `h` (from its type byte, at `at` in its source),
/// added to its node `n`; `tls13`: its entries carry a request context and extensions.
/// What is cut short ends the list there.
pub(super) fn certificate(h: &[u8], at: usize, tls13: bool, n: &mut Node) -> Option<()> {
    let mut p = 4;
    if tls13 {
        let cl = *h.get(p)? as usize;
        n.push(uint(
            "tls.handshake.certificate_request_context_length",
            "Certificate Request Context Length",
            cl as u64,
            h,
            p,
            1,
            at,
        ));
        p += 1 + cl;
    }
    let total = be24(h, p)? as usize;
    n.push(uint(
        "tls.handshake.certificates_length",
        "Certificates Length",
        total as u64,
        h,
        p,
        3,
        at,
    ));
    p += 3;
    if total == 0 {
        return Some(());
    }
    let end = (p + total).min(h.len());
    let mut list = Node::field(
        "tls.handshake.certificates",
        format!("Certificates ({total} bytes)"),
        "",
        at + p,
        total,
    )
    .none();
    while p + 3 <= end {
        let len = be24(h, p)? as usize;
        list.push(uint(
            "tls.handshake.certificate_length",
            "Certificate Length",
            len as u64,
            h,
            p,
            3,
            at,
        ));
        p += 3;
        let Some(der) = h.get(p..p + len) else {
            break;
        };
        let mut label = format!(
            "Certificate: {}",
            crate::query::detail::app::quic::bytes_label(der)
        );
        if let Some(s) = subject(der).filter(|s| !s.is_empty()) {
            label.push_str(&format!(" ({s})"));
        }
        list.push(
            Node::field(
                "tls.handshake.certificate",
                label,
                crate::query::detail::colon_hex(der),
                at + p,
                len,
            )
            .hex(der),
        );
        p += len;
        if tls13 {
            let Some(el) = super::be16(h, p) else {
                break;
            };
            list.push(uint(
                "tls.handshake.extensions_length",
                "Extensions Length",
                u64::from(el),
                h,
                p,
                2,
                at,
            ));
            p += 2 + el as usize;
        }
    }
    n.push(list);
    Some(())
}

/// A DER element at `p` of `b`: its tag, and where its contents start and end. Definite
/// lengths only (DER has no others).
fn tlv(b: &[u8], p: usize) -> Option<(u8, usize, usize)> {
    let tag = *b.get(p)?;
    let l0 = *b.get(p + 1)? as usize;
    let (len, start) = if l0 < 0x80 {
        (l0, p + 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = b.get(p + 2..p + 2 + n)?;
        (
            bytes.iter().fold(0usize, |a, &d| a << 8 | d as usize),
            p + 2 + n,
        )
    };
    let end = start.checked_add(len)?;
    (end <= b.len()).then_some((tag, start, end))
}

/// An OBJECT IDENTIFIER's contents in dotted form.
fn oid(b: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for &c in b {
        v = v.checked_mul(128)? | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    let s: Vec<String> = arcs.iter().map(u64::to_string).collect();
    (!s.is_empty()).then(|| s.join("."))
}

/// The names Wireshark registers for the attribute types of a name (x509sat, pkcs-9).
fn attribute_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "id-at-commonName",
        "2.5.4.4" => "id-at-surname",
        "2.5.4.5" => "id-at-serialNumber",
        "2.5.4.6" => "id-at-countryName",
        "2.5.4.7" => "id-at-localityName",
        "2.5.4.8" => "id-at-stateOrProvinceName",
        "2.5.4.9" => "id-at-streetAddress",
        "2.5.4.10" => "id-at-organizationName",
        "2.5.4.11" => "id-at-organizationalUnitName",
        "2.5.4.12" => "id-at-title",
        "2.5.4.13" => "id-at-description",
        "2.5.4.15" => "id-at-businessCategory",
        "2.5.4.17" => "id-at-postalCode",
        "2.5.4.42" => "id-at-givenName",
        "2.5.4.43" => "id-at-initials",
        "2.5.4.46" => "id-at-dnQualifier",
        "2.5.4.65" => "id-at-pseudonym",
        "1.2.840.113549.1.9.1" => "pkcs-9-at-emailAddress",
        _ => return None,
    })
}

/// A directory string's text (UTF8String, PrintableString, IA5String, TeletexString,
/// BMPString).
fn text(tag: u8, b: &[u8]) -> Option<String> {
    match tag {
        0x0c | 0x13 | 0x16 | 0x14 => Some(String::from_utf8_lossy(b).into_owned()),
        0x1e => {
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

/// The subject of certificate `der` as the X.509 dissector words its RDN sequence: the
/// relative names last first, joined by `,` (an RDN of several values by `+`), each
/// `type=value`. None when the certificate does not parse that far.
pub(super) fn subject(der: &[u8]) -> Option<String> {
    let (t, s, _) = tlv(der, 0)?;
    if t != 0x30 {
        return None;
    }
    let (t, mut p, tbs_end) = tlv(der, s)?;
    if t != 0x30 {
        return None;
    }
    let tbs = &der[..tbs_end];
    if tlv(tbs, p)?.0 == 0xa0 {
        p = tlv(tbs, p)?.2;
    }
    // serialNumber, signature, issuer, validity.
    for _ in 0..4 {
        p = tlv(tbs, p)?.2;
    }
    let (t, mut q, end) = tlv(tbs, p)?;
    if t != 0x30 {
        return None;
    }
    let mut rdns = Vec::new();
    while q < end {
        let (t, mut a, set_end) = tlv(tbs, q)?;
        if t != 0x31 {
            return None;
        }
        let mut values = Vec::new();
        while a < set_end {
            let (t, v, atv_end) = tlv(tbs, a)?;
            if t != 0x30 {
                return None;
            }
            let (t, os, oe) = tlv(tbs, v)?;
            if t != 0x06 {
                return None;
            }
            let dotted = oid(&tbs[os..oe])?;
            let name = attribute_name(&dotted).map_or(dotted, str::to_owned);
            let (vt, vs, ve) = tlv(tbs, oe)?;
            values.push(format!(
                "{name}={}",
                text(vt, &tbs[vs..ve]).unwrap_or_default()
            ));
            a = atv_end;
        }
        rdns.push(values.join("+"));
        q = set_end;
    }
    rdns.reverse();
    Some(rdns.join(","))
}

#[cfg(test)]
mod test {
    use super::*;

    /// A certificate whose TBSCertificate holds the fields before the subject as empty
    /// elements: the subject C=US, O=Example, CN=a.test (its RDNs last first).
    fn made() -> Vec<u8> {
        let atv = |oid: &[u8], v: &[u8]| {
            let mut a = vec![0x06, oid.len() as u8];
            a.extend_from_slice(oid);
            a.extend([0x13, v.len() as u8]);
            a.extend_from_slice(v);
            let mut s = vec![0x30, a.len() as u8];
            s.extend(a);
            let mut set = vec![0x31, s.len() as u8];
            set.extend(s);
            set
        };
        let mut name = Vec::new();
        name.extend(atv(&[0x55, 4, 6], b"US"));
        name.extend(atv(&[0x55, 4, 10], b"Example"));
        name.extend(atv(&[0x55, 4, 3], b"a.test"));
        let mut tbs = vec![0xa0, 3, 2, 1, 2, 2, 1, 1, 0x30, 0, 0x30, 0, 0x30, 0];
        tbs.extend([0x30, name.len() as u8]);
        tbs.extend(name);
        let mut t = vec![0x30, tbs.len() as u8];
        t.extend(tbs);
        let mut c = vec![0x30, t.len() as u8];
        c.extend(t);
        c
    }

    #[test]
    fn subject_as_the_x509_dissector_words_it() {
        let c = made();
        assert_eq!(
            subject(&c).as_deref(),
            Some("id-at-commonName=a.test,id-at-organizationName=Example,id-at-countryName=US")
        );
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 9, 1]).as_deref(),
            Some("1.2.840.113549.1.9.1")
        );
        for cut in 0..c.len() {
            assert_eq!(subject(&c[..cut]), None);
        }
    }

    /// A TLS 1.2 message with one certificate, and a TLS 1.3 one with its request
    /// context and the entry's extensions; every cut of either gives what is whole.
    #[test]
    fn certificate_lists() {
        let c = made();
        let mut h = vec![11, 0, 0, 0];
        let l = c.len() + 3;
        h.extend([
            0,
            (l >> 8) as u8,
            l as u8,
            0,
            (c.len() >> 8) as u8,
            c.len() as u8,
        ]);
        h.extend(&c);
        let mut n = Node::default();
        certificate(&h, 100, false, &mut n).unwrap();
        let list = n.find("tls.handshake.certificates").unwrap();
        assert_eq!((list.pos, list.size as usize), (107, l));
        let cert = list.find("tls.handshake.certificate").unwrap();
        assert_eq!((cert.pos, cert.size as usize), (110, c.len()));
        assert!(cert.showname.ends_with(
            "(id-at-commonName=a.test,id-at-organizationName=Example,id-at-countryName=US)"
        ));
        let mut h13 = vec![11, 0, 0, 0, 0];
        let l = c.len() + 5;
        h13.extend([
            0,
            (l >> 8) as u8,
            l as u8,
            0,
            (c.len() >> 8) as u8,
            c.len() as u8,
        ]);
        h13.extend(&c);
        h13.extend([0, 0]);
        let mut n = Node::default();
        certificate(&h13, 0, true, &mut n).unwrap();
        let list = n.find("tls.handshake.certificates").unwrap();
        assert_eq!(list.children.len(), 3);
        assert_eq!(list.children[2].name, "tls.handshake.extensions_length");
        for cut in 0..h13.len() {
            let mut n = Node::default();
            let _ = certificate(&h13[..cut], 0, true, &mut n);
            let _ = certificate(&h[..cut.min(h.len())], 0, false, &mut n);
        }
    }
}
