//! The handshake messages after the hellos, as packet-tls-utils.c shows their bodies:
//! NewSessionTicket (RFC 5077 §3.3; RFC 8446 §4.6.1), CertificateVerify (RFC 8446
//! §4.4.3; TLS 1.2's with a signature scheme, RFC 5246 §7.4.8) and Finished (its
//! verify data, not shown byte by byte). Certificate is [`super::cert`],
//! EncryptedExtensions the extensions of [`super::extensions`].

use super::{be16, hello, uint};
use crate::query::detail::app::quic::bytes_field;
use crate::query::detail::{hex, secs_words, Node};

/// The body of NewSessionTicket `h` (from its type byte, at `at`) under a `TLS Session
/// Ticket` item; `tls13` adds the ticket's age, nonce and extensions. Cut short, what is
/// whole.
pub(super) fn session_ticket(h: &[u8], at: usize, tls13: bool, n: &mut Node) -> Option<()> {
    let body = h.get(4..)?;
    let mut t = Node::text("TLS Session Ticket", at + 4, body.len()).hex(body);
    let r = ticket_fields(h, at, tls13, &mut t);
    n.push(t);
    r
}

fn ticket_fields(h: &[u8], at: usize, tls13: bool, t: &mut Node) -> Option<()> {
    let mut p = 4;
    let life = u32::from_be_bytes(h.get(p..p + 4)?.try_into().ok()?);
    t.push(
        Node::field(
            "tls.handshake.session_ticket_lifetime_hint",
            format!(
                "Session Ticket Lifetime Hint: {life} seconds ({})",
                secs_words(life)
            ),
            life.to_string(),
            at + p,
            4,
        )
        .hex(&h[p..p + 4]),
    );
    p += 4;
    if tls13 {
        let add = u32::from_be_bytes(h.get(p..p + 4)?.try_into().ok()?);
        t.push(uint(
            "tls.handshake.session_ticket_age_add",
            "Session Ticket Age Add",
            add.into(),
            h,
            p,
            4,
            at,
        ));
        p += 4;
        let nl = *h.get(p)? as usize;
        t.push(uint(
            "tls.handshake.session_ticket_nonce_length",
            "Session Ticket Nonce Length",
            nl as u64,
            h,
            p,
            1,
            at,
        ));
        p += 1;
        let nonce = h.get(p..p + nl)?;
        let mut f = bytes_field(
            "tls.handshake.session_ticket_nonce",
            "Session Ticket Nonce",
            nonce,
            at + p,
        );
        f.showname = format!("Session Ticket Nonce: {}", hex(nonce));
        t.push(f);
        p += nl;
    }
    let tl = be16(h, p)? as usize;
    t.push(uint(
        "tls.handshake.session_ticket_length",
        "Session Ticket Length",
        tl as u64,
        h,
        p,
        2,
        at,
    ));
    p += 2;
    let ticket = h.get(p..p + tl)?;
    t.push(bytes_field(
        "tls.handshake.session_ticket",
        "Session Ticket",
        ticket,
        at + p,
    ));
    p += tl;
    if tls13 {
        super::extensions(h, p, at, false, t, &mut hello::Ja3::default())?;
    }
    Some(())
}

/// The body of CertificateVerify `h` (at `at`): its signature scheme, and the
/// signature with its length.
pub(super) fn certificate_verify(h: &[u8], at: usize, n: &mut Node) -> Option<()> {
    if be16(h, 4)? as usize + 6 == h.len() {
        // TLS 1.1's and before: the signature alone, with no scheme (not shown).
        return None;
    }
    n.push(hello::sig_alg(h.get(4..6)?, at + 4));
    let sl = be16(h, 6)? as usize;
    n.push(uint(
        "tls.handshake.client_cert_vrfy.sig_len",
        "Signature length",
        sl as u64,
        h,
        6,
        2,
        at,
    ));
    let sig = h.get(8..8 + sl)?;
    n.push(bytes_field(
        "tls.handshake.client_cert_vrfy.sig",
        "Signature",
        sig,
        at + 8,
    ));
    Some(())
}

/// The body of Finished `h` (at `at`): its verify data, an item without a value.
pub(super) fn finished(h: &[u8], at: usize, n: &mut Node) {
    let len = h.len().saturating_sub(4);
    if len > 0 {
        n.push(Node::field("tls.handshake.verify_data", "Verify Data", "", at + 4, len).none());
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// tshark 4.0 on tests/data/servers/tls.pcap with its key log, frame 9 (a TLS 1.3
    /// ticket), and zeek's pop3-starttls.pcap frame 17 (TLS 1.2's); every cut gives what
    /// is whole, no panic.
    #[test]
    fn tickets_signatures_and_cuts() {
        let mut h13 = vec![
            4, 0, 0, 20, 0, 0, 1, 0x2c, 0x49, 0x56, 0xd8, 5, 2, 0, 0, 0, 3,
        ];
        h13.extend([0xde, 0x5c, 0x7b, 0, 0]);
        let mut n = Node::default();
        session_ticket(&h13, 0, true, &mut n).unwrap();
        let t = &n.children[0];
        assert_eq!(t.showname, "TLS Session Ticket");
        let names: Vec<_> = t.children.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(
            names,
            [
                "tls.handshake.session_ticket_lifetime_hint",
                "tls.handshake.session_ticket_age_add",
                "tls.handshake.session_ticket_nonce_length",
                "tls.handshake.session_ticket_nonce",
                "tls.handshake.session_ticket_length",
                "tls.handshake.session_ticket",
                "tls.handshake.extensions_length",
            ]
        );
        assert_eq!(
            t.children[0].showname,
            "Session Ticket Lifetime Hint: 300 seconds (5 minutes)"
        );
        assert_eq!(t.children[3].showname, "Session Ticket Nonce: 0000");
        assert_eq!((t.children[5].pos, t.children[5].size), (17, 3));
        let h12 = [4, 0, 0, 8, 0, 1, 0x51, 0x80, 0, 2, 0xaa, 0xbb];
        let mut n = Node::default();
        session_ticket(&h12, 61, false, &mut n).unwrap();
        assert_eq!(n.children[0].children.len(), 3);
        let cv = [15, 0, 0, 6, 8, 4, 0, 2, 0xd7, 0xe1];
        let mut n = Node::default();
        certificate_verify(&cv, 0, &mut n).unwrap();
        assert_eq!(
            n.children[0].showname,
            "Signature Algorithm: rsa_pss_rsae_sha256 (0x0804)"
        );
        assert_eq!(n.children[2].show, "d7:e1");
        for cut in 0..h13.len() {
            let mut n = Node::default();
            let _ = session_ticket(&h13[..cut.max(4)], 0, true, &mut n);
            let _ = session_ticket(&h12[..cut.clamp(4, h12.len())], 0, false, &mut n);
            let _ = certificate_verify(&cv[..cut.min(cv.len())], 0, &mut n);
            finished(&cv[..cut.min(cv.len())], 0, &mut n);
        }
    }
}
