//! The key exchange messages and CertificateRequest of TLS 1.2 and before, as
//! packet-tls-utils.c shows them: ServerKeyExchange's (EC)DH parameters and signature
//! (RFC 5246 §7.4.3, RFC 8422 §5.4), ClientKeyExchange's encrypted premaster secret or
//! public value (RFC 5246 §7.4.7, RFC 8422 §5.7), and CertificateRequest's certificate
//! types, signature algorithms and CA names (RFC 5246 §7.4.4). How the key exchange
//! messages read depends on the session's cipher suite, as Wireshark's does.

use super::{be16, hello, names, uint, x509};
use crate::query::detail::shown_bytes;
use crate::query::detail::Node;

/// A cipher suite's key exchange, as its name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kex {
    Rsa,
    Dh,
    Ecdh,
}

impl Kex {
    /// The key exchange of suite `v` (None for TLS 1.3's and the unnamed).
    pub(crate) fn of(v: u16) -> Option<Kex> {
        let n = names::cipher_suite(v);
        let kx = n.strip_prefix("TLS_")?.split("_WITH_").next()?;
        if kx.starts_with("ECDH") {
            Some(Kex::Ecdh)
        } else if kx.starts_with("DH") {
            Some(Kex::Dh)
        } else if kx == "RSA" {
            Some(Kex::Rsa)
        } else {
            None
        }
    }
}

/// What a handshake message's body needs of its session: the key exchange and whether
/// the version has signature algorithms (TLS 1.2: the record's version says).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Session {
    pub(crate) kex: Option<Kex>,
    pub(crate) tls12: bool,
}

/// A length of `w` bytes at `p` and the bytes it counts: `len` and `field` items.
fn sized(
    h: &[u8],
    p: usize,
    w: usize,
    at: usize,
    len: (&'static str, &str),
    field: (&'static str, &str),
    n: &mut Node,
) -> Option<usize> {
    let l = if w == 1 {
        *h.get(p)? as usize
    } else {
        be16(h, p)? as usize
    };
    n.push(uint(len.0, len.1, l as u64, h, p, w, at));
    let v = h.get(p + w..p + w + l)?;
    n.push(
        Node::field(
            field.0,
            format!("{}: {}", field.1, shown_bytes(v)),
            "",
            at + p + w,
            l,
        )
        .show_bytes(v)
        .hex(v),
    );
    Some(p + w + l)
}

/// ServerKeyExchange `h` (from its type byte, at `at`).
pub(super) fn server_key_exchange(h: &[u8], at: usize, s: Session, n: &mut Node) -> Option<()> {
    let body = h.get(4..)?;
    let (title, kex) = match s.kex? {
        Kex::Ecdh => ("EC Diffie-Hellman Server Params", Kex::Ecdh),
        Kex::Dh => ("Diffie-Hellman Server Params", Kex::Dh),
        Kex::Rsa => return None,
    };
    let t = n.push(Node::text(title, at + 4, body.len()).hex(body));
    let mut p = 4;
    if kex == Kex::Ecdh {
        let ct = *h.get(p)?;
        if ct != 3 {
            return None;
        }
        t.push(
            Node::field(
                "tls.handshake.server_curve_type",
                "Curve Type: named_curve (0x03)",
                "0x03",
                at + p,
                1,
            )
            .hex(&h[p..p + 1]),
        );
        let g = be16(h, p + 1)?;
        t.push(
            Node::field(
                "tls.handshake.server_named_curve",
                format!("Named Curve: {} (0x{g:04x})", names::group(g)),
                format!("0x{g:04x}"),
                at + p + 1,
                2,
            )
            .hex(&h[p + 1..p + 3]),
        );
        p = sized(
            h,
            p + 3,
            1,
            at,
            ("tls.handshake.server_point_len", "Pubkey Length"),
            ("tls.handshake.server_point", "Pubkey"),
            t,
        )?;
    } else {
        for (len, field) in [
            (
                ("tls.handshake.p_len", "p Length"),
                ("tls.handshake.p", "p"),
            ),
            (
                ("tls.handshake.g_len", "g Length"),
                ("tls.handshake.g", "g"),
            ),
            (
                ("tls.handshake.ys_len", "Pubkey Length"),
                ("tls.handshake.ys", "Pubkey"),
            ),
        ] {
            p = sized(h, p, 2, at, len, field, t)?;
        }
    }
    if s.tls12 {
        t.push(hello::sig_alg(h.get(p..p + 2)?, at + p));
        p += 2;
    }
    sized(
        h,
        p,
        2,
        at,
        ("tls.handshake.sig_len", "Signature Length"),
        ("tls.handshake.sig", "Signature"),
        t,
    )?;
    Some(())
}

/// ClientKeyExchange `h` (at `at`).
pub(super) fn client_key_exchange(h: &[u8], at: usize, s: Session, n: &mut Node) -> Option<()> {
    let body = h.get(4..)?;
    let (title, w, len, field) = match s.kex? {
        Kex::Rsa => (
            "RSA Encrypted PreMaster Secret",
            2,
            ("tls.handshake.epms_len", "Encrypted PreMaster length"),
            ("tls.handshake.epms", "Encrypted PreMaster"),
        ),
        Kex::Dh => (
            "Diffie-Hellman Client Params",
            2,
            ("tls.handshake.yc_len", "Pubkey Length"),
            ("tls.handshake.yc", "Pubkey"),
        ),
        Kex::Ecdh => (
            "EC Diffie-Hellman Client Params",
            1,
            ("tls.handshake.client_point_len", "Pubkey Length"),
            ("tls.handshake.client_point", "Pubkey"),
        ),
    };
    let t = n.push(Node::text(title, at + 4, body.len()).hex(body));
    sized(h, 4, w, at, len, field, t)?;
    Some(())
}

/// CertificateRequest `h` (at `at`): the certificate types, TLS 1.2's signature
/// algorithms, and the CAs' distinguished names.
pub(super) fn certificate_request(h: &[u8], at: usize, s: Session, n: &mut Node) -> Option<()> {
    let c = *h.get(4)? as usize;
    n.push(uint(
        "tls.handshake.cert_types_count",
        "Certificate types count",
        c as u64,
        h,
        4,
        1,
        at,
    ));
    let types = h.get(5..5 + c)?;
    let mut tl = Node::field(
        "tls.handshake.cert_types",
        format!(
            "Certificate types ({c} type{})",
            if c == 1 { "" } else { "s" }
        ),
        "",
        at + 5,
        c,
    )
    .none();
    for (k, &t) in types.iter().enumerate() {
        let word = match t {
            1 => "RSA Sign",
            2 => "DSS Sign",
            3 => "RSA Fixed DH",
            4 => "DSS Fixed DH",
            5 => "RSA Ephemeral DH",
            6 => "DSS Ephemeral DH",
            20 => "Fortezza",
            64 => "ECDSA Sign",
            65 => "RSA Fixed ECDH",
            66 => "ECDSA Fixed ECDH",
            _ => "Unknown",
        };
        tl.push(
            Node::field(
                "tls.handshake.cert_type",
                format!("Certificate type: {word} ({t})"),
                t.to_string(),
                at + 5 + k,
                1,
            )
            .hex(&[t]),
        );
    }
    n.push(tl);
    let mut p = 5 + c;
    if s.tls12 {
        let l = be16(h, p)? as usize;
        hello::extension(
            13,
            h.get(p..p + 2 + l)?,
            at + p,
            false,
            n,
            &mut hello::Ja3::default(),
        )?;
        p += 2 + l;
    }
    let dl = be16(h, p)? as usize;
    n.push(uint(
        "tls.handshake.dnames_len",
        "Distinguished Names Length",
        dl as u64,
        h,
        p,
        2,
        at,
    ));
    p += 2;
    if dl == 0 {
        return Some(());
    }
    let end = (p + dl).min(h.len());
    let mut list = Node::field(
        "tls.handshake.dnames",
        format!(
            "Distinguished Names ({dl} byte{})",
            if dl == 1 { "" } else { "s" }
        ),
        "",
        at + p,
        dl,
    )
    .none();
    while p + 2 <= end {
        let l = be16(h, p)? as usize;
        list.push(uint(
            "tls.handshake.dname_len",
            "Distinguished Name Length",
            l as u64,
            h,
            p,
            2,
            at,
        ));
        let Some(der) = h.get(p + 2..p + 2 + l) else {
            break;
        };
        if let Some(d) = x509::dname(der, at + p + 2) {
            list.push(d);
        }
        p += 2 + l;
    }
    n.push(list);
    Some(())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn the_key_exchange_is_the_suites() {
        assert_eq!(Kex::of(0xc02f), Some(Kex::Ecdh));
        assert_eq!(Kex::of(0x009f), Some(Kex::Dh));
        assert_eq!(Kex::of(0x002f), Some(Kex::Rsa));
        assert_eq!(Kex::of(0x1301), None);
    }

    /// An ECDHE ServerKeyExchange of TLS 1.2 and a client's public value; every cut of
    /// either gives what is whole, and no key exchange shows nothing.
    #[test]
    fn key_exchange_messages() {
        let mut h = vec![12, 0, 0, 13, 3, 0, 0x17, 2, 4, 9, 4, 1, 0, 2, 0xaa, 0xbb];
        let s = Session {
            kex: Some(Kex::Ecdh),
            tls12: true,
        };
        let mut n = Node::default();
        server_key_exchange(&h, 10, s, &mut n).unwrap();
        let t = &n.children[0];
        assert_eq!(t.showname, "EC Diffie-Hellman Server Params");
        let words: Vec<&str> = t.children.iter().map(|c| c.showname.as_str()).collect();
        assert_eq!(
            words,
            [
                "Curve Type: named_curve (0x03)",
                "Named Curve: secp256r1 (0x0017)",
                "Pubkey Length: 2",
                "Pubkey: 0409",
                "Signature Algorithm: rsa_pkcs1_sha256 (0x0401)",
                "Signature Length: 2",
                "Signature: aabb"
            ]
        );
        assert_eq!(t.children[6].pos, 10 + 14);
        for cut in 0..h.len() {
            let mut n = Node::default();
            let _ = server_key_exchange(&h[..cut], 0, s, &mut n);
            let _ = client_key_exchange(&h[..cut], 0, s, &mut n);
            let _ = certificate_request(&h[..cut], 0, s, &mut n);
        }
        h = vec![16, 0, 0, 3, 2, 4, 9];
        let mut n = Node::default();
        client_key_exchange(&h, 0, s, &mut n).unwrap();
        assert_eq!(n.children[0].children[1].showname, "Pubkey: 0409");
        let mut n = Node::default();
        assert!(client_key_exchange(&h, 0, Session::default(), &mut n).is_none());
        assert!(n.children.is_empty());
    }
}
