//! A Certificate handshake message as packet-tls-utils.c shows it (RFC 5246 §7.4.2,
//! RFC 8446 §4.4.2): the list's length, and each certificate's length and bytes, named
//! by its subject as the X.509 dissector words it (`id-at-commonName=…`, the RDNs last
//! first), and its X.509 tree ([`x509`]).

use super::{be24, uint, x509};
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
        let mut label = format!("Certificate: {}", crate::query::detail::shown_bytes(der));
        let mut tree = Node::default();
        if let Some(s) = x509::certificate(der, at + p, &mut tree).filter(|s| !s.is_empty()) {
            label.push_str(&format!(" ({s})"));
        }
        list.push(
            Node::field("tls.handshake.certificate", label, "", at + p, len)
                .show_bytes(der)
                .hex(der)
                .with(tree.children),
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

#[cfg(test)]
mod test {
    use super::*;

    /// A TLS 1.2 message with one certificate, and a TLS 1.3 one with its request
    /// context and the entry's extensions; every cut of either gives what is whole.
    #[test]
    fn certificate_lists() {
        let c = x509::test::made();
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
        // The X.509 tree under it, placed in the message's source.
        let signed = cert.find("x509af.signedCertificate_element").unwrap();
        assert_eq!(signed.pos as usize, 110 + 4);
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
