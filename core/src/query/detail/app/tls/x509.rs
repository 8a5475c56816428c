//! A certificate's X.509 tree as tshark 4.0 shows it under each `tls.handshake.certificate`:
//! packet-x509af.c and the dissectors it calls (x509if, x509sat, x509ce, pkix1implicit,
//! pkix1explicit, pkcs1), all of them asn2wrs's BER. Where their items lie follows BER's
//! rules: a SEQUENCE's item covers its whole element (tag and length too), a SEQUENCE OF's
//! its contents, a CHOICE's the element of its alternative (only the contents where the
//! alternative is tagged implicitly), a primitive value its contents. The extensions
//! dissected are those a server's certificate carries (RFC 5280 §4.2); another's shows its
//! id alone, and what does not parse ends the tree there.

use std::borrow::Cow;

use crate::query::detail::shown_bytes;
use crate::query::detail::{bits_text, hex, Node};

/// A DER element: its tag, where it starts, where its contents start and end.
#[derive(Clone, Copy)]
struct El {
    tag: u8,
    hdr: usize,
    start: usize,
    end: usize,
}

/// A certificate's bytes and where they lie in the packet's source.
struct Der<'a> {
    b: &'a [u8],
    at: usize,
}

/// The elements inside a constructed one, in order; ends at the first that does not
/// parse or overruns its parent.
struct Items<'d, 'a> {
    d: &'d Der<'a>,
    p: usize,
    end: usize,
}

impl Iterator for Items<'_, '_> {
    type Item = El;
    fn next(&mut self) -> Option<El> {
        if self.p >= self.end {
            return None;
        }
        let e = self.d.el(self.p).filter(|e| e.end <= self.end);
        self.p = e.map_or(self.end, |e| e.end);
        e
    }
}

impl<'a> Der<'a> {
    /// The element at `p`: definite lengths only (DER has no others), single-byte tags.
    fn el(&self, p: usize) -> Option<El> {
        let tag = *self.b.get(p)?;
        let l0 = *self.b.get(p + 1)? as usize;
        let (len, start) = if l0 < 0x80 {
            (l0, p + 2)
        } else {
            let n = l0 & 0x7f;
            if n == 0 || n > 4 {
                return None;
            }
            let bytes = self.b.get(p + 2..p + 2 + n)?;
            (
                bytes.iter().fold(0usize, |a, &d| a << 8 | d as usize),
                p + 2 + n,
            )
        };
        let end = start.checked_add(len)?;
        (end <= self.b.len()).then_some(El {
            tag,
            hdr: p,
            start,
            end,
        })
    }

    fn body(&self, e: El) -> &'a [u8] {
        self.b.get(e.start..e.end).unwrap_or_default()
    }

    fn items(&self, e: El) -> Items<'_, 'a> {
        Items {
            d: self,
            p: e.start,
            end: e.end,
        }
    }

    /// The first element inside `e`, of tag `tag`.
    fn first(&self, e: El, tag: u8) -> Option<El> {
        self.items(e).next().filter(|i| i.tag == tag)
    }

    /// A SEQUENCE's item (`FT_NONE`), over the whole element.
    fn whole(&self, name: &'static str, label: impl Into<String>, e: El) -> Node {
        Node::field(name, label, "", self.at + e.hdr, e.end - e.hdr).none()
    }

    /// A value's item over its contents.
    fn prim(&self, name: &'static str, label: String, show: String, e: El) -> Node {
        Node::field(name, label, show, self.at + e.start, e.end - e.start).hex(self.body(e))
    }

    /// A string's item: `label: text`.
    fn string(&self, name: &'static str, label: &str, e: El) -> Node {
        let s = String::from_utf8_lossy(self.body(e)).into_owned();
        self.prim(name, format!("{label}: {s}"), s, e)
    }

    /// A SEQUENCE OF's item over its contents: `label: N items`, and `rest` after.
    fn list(&self, name: &'static str, label: &str, e: El, rest: &str) -> Node {
        let n = self.items(e).count();
        let s = if n == 1 { "" } else { "s" };
        self.prim(
            name,
            format!("{label}: {n} item{s}{rest}"),
            n.to_string(),
            e,
        )
    }

    /// A CHOICE's item: `label: alternative (index)`, over `e` whole, or its contents
    /// where the alternative is tagged implicitly (`whole` false).
    fn choice(
        &self,
        name: &'static str,
        label: &str,
        alt: &str,
        idx: u8,
        e: El,
        whole: bool,
    ) -> Node {
        let from = if whole { e.hdr } else { e.start };
        let b = self.b.get(from..e.end).unwrap_or_default();
        Node::field(
            name,
            format!("{label}: {alt} ({idx})"),
            idx.to_string(),
            self.at + from,
            e.end - from,
        )
        .hex(b)
    }

    /// An OBJECT IDENTIFIER's item: `label: dotted (name)`; and its dotted form.
    fn oid(&self, name: &'static str, label: &str, e: El) -> Option<(Node, String)> {
        let dotted = dotted(self.body(e))?;
        let n = self.prim(
            name,
            format!("{label}: {dotted} ({})", oid_name(&dotted)),
            dotted.clone(),
            e,
        );
        Some((n, dotted))
    }

    /// An `FT_BYTES` item over `len` bytes from `from`: `label: hex` (`0x` before it for
    /// an INTEGER too long for a number).
    fn bytes_at(
        &self,
        name: &'static str,
        label: &str,
        from: usize,
        end: usize,
        int: bool,
    ) -> Node {
        let v = self.b.get(from..end).unwrap_or_default();
        let pre = if int { "0x" } else { "" };
        Node::field(
            name,
            format!("{label}: {pre}{}", shown_bytes(v)),
            "",
            self.at + from,
            v.len(),
        )
        .show_bytes(v)
        .hex(v)
    }

    fn bytes(&self, name: &'static str, label: &str, e: El, int: bool) -> Node {
        self.bytes_at(name, label, e.start, e.end, int)
    }

    /// A small INTEGER's or a BOOLEAN's value.
    fn uint(&self, e: El) -> u64 {
        self.body(e)
            .iter()
            .take(8)
            .fold(0, |a, &d| a << 8 | u64::from(d))
    }

    /// A BOOLEAN's item: `label: True`.
    fn boolean(&self, name: &'static str, label: &str, e: El) -> Node {
        let v = self.uint(e) != 0;
        let word = if v { "True" } else { "False" };
        self.prim(name, format!("{label}: {word}"), u8::from(v).to_string(), e)
    }

    /// A BIT STRING's `ber.bitstring.padding` and its item over the bits that follow.
    fn bit_string(&self, name: &'static str, label: &str, e: El, n: &mut Node) -> Option<()> {
        let pad = *self.b.get(e.start)?;
        n.push(
            Node::field(
                "ber.bitstring.padding",
                format!("Padding: {pad}"),
                pad.to_string(),
                self.at + e.start,
                1,
            )
            .hex(&[pad]),
        );
        n.push(self.bytes_at(name, label, e.start + 1, e.end, false));
        Some(())
    }
}

/// The X.509 tree of certificate `der` (at `at` in its source): the nodes under its
/// `tls.handshake.certificate`, pushed onto `n`; and its subject as the certificate's
/// label words it (None when the certificate does not parse that far).
pub(super) fn certificate(der: &[u8], at: usize, n: &mut Node) -> Option<String> {
    let d = Der { b: der, at };
    let mut subject = None;
    let _ = signed(&d, n, &mut subject);
    subject
}

fn signed(d: &Der, n: &mut Node, subject: &mut Option<String>) -> Option<()> {
    let c = d.el(0).filter(|e| e.tag == 0x30)?;
    let mut it = d.items(c);
    let tbs = it.next().filter(|e| e.tag == 0x30)?;
    let s = n.push(d.whole("x509af.signedCertificate_element", "signedCertificate", tbs));
    let r = tbs_fields(d, tbs, s, subject);
    r?;
    algorithm(
        d,
        "x509af.algorithmIdentifier_element",
        "algorithmIdentifier",
        it.next()?,
        n,
    )?;
    let sig = it.next().filter(|e| e.tag == 0x03)?;
    d.bit_string("x509af.encrypted", "encrypted", sig, n)
}

fn tbs_fields(d: &Der, tbs: El, s: &mut Node, subject: &mut Option<String>) -> Option<()> {
    let mut it = d.items(tbs).peekable();
    if it.peek()?.tag == 0xa0 {
        let v = d.first(it.next()?, 0x02)?;
        let n = d.uint(v);
        let word = ["v1", "v2", "v3"]
            .get(n as usize)
            .copied()
            .unwrap_or("Unknown");
        s.push(d.prim(
            "x509af.version",
            format!("version: {word} ({n})"),
            n.to_string(),
            v,
        ));
    }
    let serial = it.next().filter(|e| e.tag == 0x02)?;
    s.push(d.bytes("x509af.serialNumber", "serialNumber", serial, true));
    algorithm(d, "x509af.signature_element", "signature", it.next()?, s)?;
    name(
        d,
        "x509af.issuer",
        "issuer",
        "x509if.rdnSequence",
        it.next()?,
        true,
        s,
    )?;
    let validity = it.next().filter(|e| e.tag == 0x30)?;
    let v = s.push(d.whole("x509af.validity_element", "validity", validity));
    for (t, (field, label)) in d.items(validity).zip([
        ("x509af.notBefore", "notBefore"),
        ("x509af.notAfter", "notAfter"),
    ]) {
        time(d, field, label, t, v);
    }
    let subj = it.next()?;
    *subject = name(
        d,
        "x509af.subject",
        "subject",
        "x509af.rdnSequence",
        subj,
        true,
        s,
    );
    subject.as_ref()?;
    public_key(d, it.next().filter(|e| e.tag == 0x30)?, s)?;
    for e in it {
        if e.tag == 0xa3 {
            extensions(d, d.first(e, 0x30)?, s)?;
        }
    }
    Some(())
}

/// An AlgorithmIdentifier's item, `label (name)`, with its id and the parameters
/// packet-x509af.c's OID callbacks show (an EC key's curve, DSA's p, q and g); its
/// dotted id.
fn algorithm(d: &Der, field: &'static str, label: &str, e: El, n: &mut Node) -> Option<String> {
    let mut it = d.items(e);
    let id = it.next().filter(|i| i.tag == 0x06)?;
    let (idn, dotted) = d.oid("x509af.algorithm.id", "Algorithm Id", id)?;
    let a = n.push(d.whole(field, format!("{label} ({})", oid_name(&dotted)), e));
    a.push(idn);
    match (dotted.as_str(), it.next()) {
        ("1.2.840.10045.2.1", Some(p)) if p.tag == 0x06 => {
            let c = a.push(d.choice(
                "pkcs1.ECParameters",
                "ECParameters",
                "namedCurve",
                1,
                p,
                true,
            ));
            c.push(d.oid("pkcs1.namedCurve", "namedCurve", p)?.0);
        }
        ("1.2.840.10040.4.1", Some(p)) if p.tag == 0x30 => {
            let s = a.push(d.whole("x509af.DSS_Params_element", "DSS-Params", p));
            for (i, (f, l)) in
                d.items(p)
                    .zip([("x509af.p", "p"), ("x509af.q", "q"), ("x509af.g", "g")])
            {
                s.push(d.bytes(f, l, i, true));
            }
        }
        _ => {}
    }
    Some(dotted)
}

/// A Name (CHOICE, its one alternative rdnSequence) under item `field`, its RDNs under
/// `seq`; `whole`: the choice's item covers the element (not when the Name is the
/// alternative of an implicitly tagged choice). The RDNs as the label words them, last
/// first.
fn name(
    d: &Der,
    field: &'static str,
    label: &str,
    seq: &'static str,
    e: El,
    whole: bool,
    n: &mut Node,
) -> Option<String> {
    if e.tag != 0x30 {
        return None;
    }
    let words: Vec<String> = d.items(e).map(|r| rdn_words(d, r)).collect();
    let all = words.iter().rev().cloned().collect::<Vec<_>>().join(",");
    let c = n.push(d.choice(field, label, "rdnSequence", 0, e, whole));
    let l = c.push(d.list(seq, "rdnSequence", e, &format!(" ({all})")));
    rdns(d, e, &words, l);
    Some(all)
}

/// A CertificateRequest's distinguished name `der` (at `at`): its `tls.handshake.dname`
/// item over the RDNSequence's contents, `Distinguished Name: (…)`, and its RDNs.
pub(super) fn dname(der: &[u8], at: usize) -> Option<Node> {
    let d = Der { b: der, at };
    let e = d.el(0).filter(|e| e.tag == 0x30)?;
    let words: Vec<String> = d.items(e).map(|r| rdn_words(&d, r)).collect();
    let all = words.iter().rev().cloned().collect::<Vec<_>>().join(",");
    let mut n = Node::field(
        "tls.handshake.dname",
        format!("Distinguished Name: ({all})"),
        "",
        at + e.start,
        e.end - e.start,
    )
    .none();
    rdns(&d, e, &words, &mut n);
    Some(n)
}

/// The RDNs of RDNSequence `e` (`words`, each one's text) under `l`.
fn rdns(d: &Der, e: El, words: &[String], l: &mut Node) {
    for (r, w) in d.items(e).zip(words) {
        let item = l.push(d.list(
            "x509if.RDNSequence_item",
            "RDNSequence item",
            r,
            &format!(" ({w})"),
        ));
        for atv in d.items(r) {
            let mut a = d.whole(
                "x509if.RelativeDistinguishedName_item_element",
                format!("RelativeDistinguishedName item ({})", atv_words(d, atv)),
                atv,
            );
            attribute(d, atv, &mut a);
            item.push(a);
        }
    }
}

/// An RDN's words: its values' `type=value`, joined by `+`.
fn rdn_words(d: &Der, r: El) -> String {
    d.items(r)
        .map(|a| atv_words(d, a))
        .collect::<Vec<_>>()
        .join("+")
}

/// An AttributeTypeAndValue's words: `id-at-commonName=example.com`.
fn atv_words(d: &Der, a: El) -> String {
    let mut it = d.items(a);
    let Some(t) = it.next().and_then(|t| dotted(d.body(t))) else {
        return String::new();
    };
    let v = it
        .next()
        .and_then(|v| text(v.tag, d.body(v)))
        .unwrap_or_default();
    format!("{}={v}", oid_name(&t))
}

/// An AttributeTypeAndValue's id and value, the value by the syntax x509sat registers
/// for its type.
fn attribute(d: &Der, a: El, n: &mut Node) -> Option<()> {
    let mut it = d.items(a);
    let (idn, t) = d.oid("x509if.oid", "Object Id", it.next()?)?;
    n.push(idn);
    let v = it.next()?;
    match t.as_str() {
        "2.5.4.6" | "1.3.6.1.4.1.311.60.2.1.3" => {
            n.push(d.string("x509sat.CountryName", "CountryName", v))
        }
        "2.5.4.5" | "2.5.4.46" => n.push(d.string("x509sat.PrintableString", "PrintableString", v)),
        "1.2.840.113549.1.9.1" => n.push(d.string("x509sat.IA5String", "IA5String", v)),
        "2.5.4.3"
        | "2.5.4.4"
        | "2.5.4.7"
        | "2.5.4.8"
        | "2.5.4.9"
        | "2.5.4.10"
        | "2.5.4.11"
        | "2.5.4.12"
        | "2.5.4.13"
        | "2.5.4.15"
        | "2.5.4.17"
        | "2.5.4.42"
        | "2.5.4.43"
        | "2.5.4.44"
        | "2.5.4.65"
        | "1.3.6.1.4.1.311.60.2.1.1"
        | "1.3.6.1.4.1.311.60.2.1.2" => {
            let (alt, idx, f) = match v.tag {
                0x14 => ("teletexString", 0, "x509sat.teletexString"),
                0x13 => ("printableString", 1, "x509sat.printableString"),
                0x1c => ("universalString", 2, "x509sat.universalString"),
                0x1e => ("bmpString", 3, "x509sat.bmpString"),
                0x0c => ("uTF8String", 4, "x509sat.uTF8String"),
                _ => return None,
            };
            let c = n.push(d.choice(
                "x509sat.DirectoryString",
                "DirectoryString",
                alt,
                idx,
                v,
                true,
            ));
            let s = text(v.tag, d.body(v)).unwrap_or_default();
            c.push(d.prim(f, format!("{alt}: {s}"), s, v))
        }
        _ => return None,
    };
    Some(())
}

/// A Time (CHOICE): a UTCTime as `2011-05-04 00:00:00 (UTC)`.
fn time(d: &Der, field: &'static str, label: &str, e: El, n: &mut Node) {
    if e.tag != 0x17 {
        return;
    }
    let c = n.push(d.choice(field, label, "utcTime", 0, e, true));
    let t = d.body(e);
    if t.len() == 13 && t[12] == b'Z' && t[..12].iter().all(u8::is_ascii_digit) {
        let s = |i: usize| std::str::from_utf8(&t[i..i + 2]).unwrap_or_default();
        let century = if t[0] >= b'5' { "19" } else { "20" };
        let w = format!(
            "{century}{}-{}-{} {}:{}:{} (UTC)",
            s(0),
            s(2),
            s(4),
            s(6),
            s(8),
            s(10)
        );
        c.push(d.prim("x509af.utcTime", format!("utcTime: {w}"), w, e));
    }
}

/// SubjectPublicKeyInfo: the algorithm, and the key; an RSA key's modulus and exponent
/// under it (packet-x509af.c reads its BIT STRING without the padding item).
fn public_key(d: &Der, e: El, n: &mut Node) -> Option<()> {
    let k = n.push(d.whole(
        "x509af.subjectPublicKeyInfo_element",
        "subjectPublicKeyInfo",
        e,
    ));
    let mut it = d.items(e);
    let alg = algorithm(d, "x509af.algorithm_element", "algorithm", it.next()?, k)?;
    let key = it.next().filter(|e| e.tag == 0x03 && e.end > e.start)?;
    if alg != "1.2.840.113549.1.1.1" {
        return d.bit_string("x509af.subjectPublicKey", "subjectPublicKey", key, k);
    }
    let pk = k.push(d.bytes_at(
        "x509af.subjectPublicKey",
        "subjectPublicKey",
        key.start + 1,
        key.end,
        false,
    ));
    let bits = d
        .el(key.start + 1)
        .filter(|s| s.tag == 0x30 && s.end <= key.end)?;
    let mut it = d.items(bits);
    pk.push(d.bytes("pkcs1.modulus", "modulus", it.next()?, true));
    let x = it.next()?;
    let v = d.uint(x);
    pk.push(d.prim(
        "pkcs1.publicExponent",
        format!("publicExponent: {v}"),
        v.to_string(),
        x,
    ));
    Some(())
}

/// The Extensions (SEQUENCE OF Extension) and each extension's value.
fn extensions(d: &Der, e: El, n: &mut Node) -> Option<()> {
    let l = n.push(d.list("x509af.extensions", "extensions", e, ""));
    for x in d.items(e) {
        let mut it = d.items(x);
        let (idn, id) = d.oid("x509af.extension.id", "Extension Id", it.next()?)?;
        let xn = l.push(d.whole(
            "x509af.Extension_element",
            format!("Extension ({})", oid_name(&id)),
            x,
        ));
        xn.push(idn);
        let mut v = it.next()?;
        if v.tag == 0x01 {
            xn.push(d.boolean("x509af.critical", "critical", v));
            v = it.next()?;
        }
        if v.tag == 0x04 {
            if let Some(inner) = d.el(v.start).filter(|i| i.end == v.end) {
                let _ = extension(d, &id, inner, xn);
            }
        }
    }
    Some(())
}

/// An extension's value (`e`, the element inside its OCTET STRING) by its id.
fn extension(d: &Der, id: &str, e: El, n: &mut Node) -> Option<()> {
    match id {
        "2.5.29.14" => {
            n.push(d.bytes(
                "x509ce.SubjectKeyIdentifier",
                "SubjectKeyIdentifier",
                e,
                false,
            ));
        }
        "2.5.29.35" => {
            let a = n.push(d.whole(
                "x509ce.AuthorityKeyIdentifier_element",
                "AuthorityKeyIdentifier",
                e,
            ));
            for i in d.items(e) {
                match i.tag {
                    0x80 => {
                        a.push(d.bytes("x509ce.keyIdentifier", "keyIdentifier", i, false));
                    }
                    0xa1 => {
                        general_names(d, "x509ce.authorityCertIssuer", "authorityCertIssuer", i, a)?
                    }
                    0x82 => {
                        a.push(d.bytes(
                            "x509ce.authorityCertSerialNumber",
                            "authorityCertSerialNumber",
                            i,
                            true,
                        ));
                    }
                    _ => return None,
                }
            }
        }
        "2.5.29.15" if e.tag == 0x03 => key_usage(d, e, n)?,
        // Netscape's certificate type: its bits (not named here) after the padding.
        "2.16.840.1.113730.1.1" if e.tag == 0x03 => {
            d.bit_string("ns_cert_exts.CertType", "CertType", e, n)?;
        }
        "2.5.29.19" => {
            let label = if e.end == e.start {
                "BasicConstraintsSyntax [0 length]"
            } else {
                "BasicConstraintsSyntax"
            };
            let b = n.push(d.whole("x509ce.BasicConstraintsSyntax_element", label, e));
            for i in d.items(e) {
                match i.tag {
                    0x01 => b.push(d.boolean("x509ce.cA", "cA", i)),
                    0x02 => {
                        let v = d.uint(i);
                        b.push(d.prim(
                            "x509ce.pathLenConstraint",
                            format!("pathLenConstraint: {v}"),
                            v.to_string(),
                            i,
                        ))
                    }
                    _ => return None,
                };
            }
        }
        "2.5.29.37" => {
            let l = n.push(d.list("x509ce.KeyPurposeIDs", "KeyPurposeIDs", e, ""));
            for i in d.items(e) {
                l.push(d.oid("x509ce.KeyPurposeId", "KeyPurposeId", i)?.0);
            }
        }
        "2.5.29.17" => general_names(d, "x509ce.GeneralNames", "GeneralNames", e, n)?,
        "2.5.29.32" => policies(d, e, n)?,
        "2.5.29.31" => {
            let l = n.push(d.list("x509ce.CRLDistPointsSyntax", "CRLDistPointsSyntax", e, ""));
            for p in d.items(e) {
                let dp =
                    l.push(d.whole("x509ce.DistributionPoint_element", "DistributionPoint", p));
                let name = d.first(p, 0xa0)?;
                let full = d.first(name, 0xa0)?;
                let c = dp.push(d.choice(
                    "x509ce.distributionPoint",
                    "distributionPoint",
                    "fullName",
                    0,
                    full,
                    false,
                ));
                general_names(d, "x509ce.fullName", "fullName", full, c)?;
            }
        }
        "1.3.6.1.5.5.7.1.1" => {
            let l = n.push(d.list(
                "pkix1implicit.AuthorityInfoAccessSyntax",
                "AuthorityInfoAccessSyntax",
                e,
                "",
            ));
            for a in d.items(e) {
                let ad = l.push(d.whole(
                    "pkix1implicit.AccessDescription_element",
                    "AccessDescription",
                    a,
                ));
                let mut it = d.items(a);
                ad.push(
                    d.oid("pkix1implicit.accessMethod", "accessMethod", it.next()?)?
                        .0,
                );
                let loc = it.next()?;
                let c = ad.push(d.prim(
                    "pkix1implicit.accessLocation",
                    format!("accessLocation: {}", loc.tag & 0x1f),
                    (loc.tag & 0x1f).to_string(),
                    loc,
                ));
                general_name_value(d, loc, c)?;
            }
        }
        _ => {}
    }
    Some(())
}

/// KeyUsage: the BIT STRING's padding and bits, and a flag for each named bit
/// (decipherOnly, the ninth, in the second byte; on the first when there is none).
fn key_usage(d: &Der, e: El, n: &mut Node) -> Option<()> {
    const BITS: [&str; 9] = [
        "digitalSignature",
        "contentCommitment",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    const FIELDS: [&str; 9] = [
        "x509ce.KeyUsage.digitalSignature",
        "x509ce.KeyUsage.contentCommitment",
        "x509ce.KeyUsage.keyEncipherment",
        "x509ce.KeyUsage.dataEncipherment",
        "x509ce.KeyUsage.keyAgreement",
        "x509ce.KeyUsage.keyCertSign",
        "x509ce.KeyUsage.cRLSign",
        "x509ce.KeyUsage.encipherOnly",
        "x509ce.KeyUsage.decipherOnly",
    ];
    d.bit_string("x509ce.KeyUsage", "KeyUsage", e, n)?;
    let ku = n.children.last_mut()?;
    ku.showname = format!("KeyUsage: {}", hex(d.b.get(e.start + 1..e.end)?));
    let first = e.start + 1;
    if first >= e.end {
        return Some(());
    }
    for (i, (word, field)) in BITS.iter().zip(FIELDS).enumerate() {
        let at = if i == 8 && first + 1 < e.end {
            first + 1
        } else {
            first
        };
        let byte = if i == 8 && at == first { 0 } else { d.b[at] };
        let raw = d.b[at];
        let mask = 0x80u8 >> (i % 8);
        let on = byte & mask != 0;
        let word_v = if on { "True" } else { "False" };
        ku.push(
            Node::field(
                field,
                bits_text(
                    u64::from(byte),
                    u64::from(mask),
                    8,
                    format_args!("{word}: {word_v}"),
                ),
                u8::from(on).to_string(),
                d.at + at,
                1,
            )
            .masked(u64::from(on), &[raw]),
        );
    }
    Some(())
}

/// CertificatePolicies: each policy's id and qualifiers (a CPS's URI, a user notice).
fn policies(d: &Der, e: El, n: &mut Node) -> Option<()> {
    let l = n.push(d.list(
        "x509ce.CertificatePoliciesSyntax",
        "CertificatePoliciesSyntax",
        e,
        "",
    ));
    for p in d.items(e) {
        let pi = l.push(d.whole("x509ce.PolicyInformation_element", "PolicyInformation", p));
        let mut it = d.items(p);
        pi.push(
            d.oid("x509ce.policyIdentifier", "policyIdentifier", it.next()?)?
                .0,
        );
        let Some(qs) = it.next() else { continue };
        let ql = pi.push(d.list("x509ce.policyQualifiers", "policyQualifiers", qs, ""));
        for q in d.items(qs) {
            let qi = ql.push(d.whole(
                "x509ce.PolicyQualifierInfo_element",
                "PolicyQualifierInfo",
                q,
            ));
            let mut it = d.items(q);
            let (idn, id) = d.oid("x509ce.id", "Id", it.next()?)?;
            qi.push(idn);
            let Some(v) = it.next() else { continue };
            match id.as_str() {
                "1.3.6.1.5.5.7.2.1" => {
                    qi.push(d.string("pkix1explicit.DirectoryString", "DirectoryString", v));
                }
                "1.3.6.1.5.5.7.2.2" if v.tag == 0x30 => {
                    let un = qi.push(d.whole("pkix1implicit.UserNotice_element", "UserNotice", v));
                    for i in d.items(v) {
                        if i.tag == 0x30 {
                            notice_ref(d, i, un)?;
                        } else {
                            display_text(d, "pkix1implicit.explicitText", "explicitText", i, un)?;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Some(())
}

/// A user notice's NoticeReference: the organization and the notice numbers.
fn notice_ref(d: &Der, e: El, n: &mut Node) -> Option<()> {
    let r = n.push(d.whole("pkix1implicit.noticeRef_element", "noticeRef", e));
    let mut it = d.items(e);
    display_text(
        d,
        "pkix1implicit.organization",
        "organization",
        it.next()?,
        r,
    )?;
    let nums = it.next().filter(|e| e.tag == 0x30)?;
    let l = r.push(d.list("pkix1implicit.noticeNumbers", "noticeNumbers", nums, ""));
    for i in d.items(nums) {
        let v = d.uint(i);
        l.push(d.prim(
            "pkix1implicit.noticeNumbers_item",
            format!("noticeNumbers item: {v}"),
            v.to_string(),
            i,
        ));
    }
    Some(())
}

/// A DisplayText (CHOICE of string types) under item `field`.
fn display_text(d: &Der, field: &'static str, label: &str, e: El, n: &mut Node) -> Option<()> {
    let (alt, idx, f) = match e.tag {
        0x16 => ("ia5String", 0, "pkix1implicit.ia5String"),
        0x1a => ("visibleString", 1, "pkix1implicit.visibleString"),
        0x1e => ("bmpString", 2, "pkix1implicit.bmpString"),
        0x0c => ("utf8String", 3, "pkix1implicit.utf8String"),
        _ => return None,
    };
    let c = n.push(d.choice(field, label, alt, idx, e, true));
    let s = text(e.tag, d.body(e)).unwrap_or_default();
    c.push(d.prim(f, format!("{alt}: {s}"), s, e));
    Some(())
}

/// GeneralNames (SEQUENCE OF GeneralName) under item `field`, over `e`'s contents.
fn general_names(d: &Der, field: &'static str, label: &str, e: El, n: &mut Node) -> Option<()> {
    let l = n.push(d.list(field, label, e, ""));
    for g in d.items(e) {
        let alt = match g.tag & 0x1f {
            1 => "rfc822Name",
            2 => "dNSName",
            4 => "directoryName",
            6 => "uniformResourceIdentifier",
            7 => "iPAddress",
            _ => return None,
        };
        let c = l.push(d.choice(
            "x509ce.GeneralName",
            "GeneralName",
            alt,
            g.tag & 0x1f,
            g,
            false,
        ));
        general_name_value(d, g, c)?;
    }
    Some(())
}

/// A GeneralName's value (its alternatives are tagged implicitly, but directoryName's
/// explicitly: a Name inside).
fn general_name_value(d: &Der, g: El, n: &mut Node) -> Option<()> {
    match g.tag & 0x1f {
        1 => n.push(d.string("x509ce.rfc822Name", "rfc822Name", g)),
        2 => n.push(d.string("x509ce.dNSName", "dNSName", g)),
        4 => {
            let name_el = d.first(g, 0x30)?;
            name(
                d,
                "x509ce.directoryName",
                "directoryName",
                "x509if.rdnSequence",
                name_el,
                true,
                n,
            )?;
            return Some(());
        }
        6 => n.push(d.string(
            "x509ce.uniformResourceIdentifier",
            "uniformResourceIdentifier",
            g,
        )),
        7 => n.push(d.bytes("x509ce.iPAddress", "iPAddress", g, false)),
        _ => return None,
    };
    Some(())
}

/// An OBJECT IDENTIFIER's contents in dotted form.
pub(super) fn dotted(b: &[u8]) -> Option<String> {
    let mut s = String::new();
    let mut v: u64 = 0;
    for &c in b {
        v = v.checked_mul(128)? | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            if s.is_empty() {
                let first = (v / 40).min(2);
                s = format!("{first}.{}", v - first * 40);
            } else {
                s.push('.');
                s.push_str(&v.to_string());
            }
            v = 0;
        }
    }
    (!s.is_empty() && b.last().is_some_and(|c| c & 0x80 == 0)).then_some(s)
}

/// A directory string's text (UTF8String, PrintableString, IA5String, TeletexString,
/// VisibleString, BMPString).
fn text(tag: u8, b: &[u8]) -> Option<String> {
    match tag {
        0x0c | 0x13 | 0x16 | 0x14 | 0x1a => Some(String::from_utf8_lossy(b).into_owned()),
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

/// An OID as Wireshark's OID table names it: its registered name, or else the name of
/// its longest registered prefix and the arcs after it (`iso.3.6.1.4.1.6449.1.2.1.3.4`,
/// `US company arc.113733.1.7.1.1`).
pub(super) fn oid_name(dotted: &str) -> Cow<'_, str> {
    if let Some(n) = registered(dotted) {
        return n.into();
    }
    let mut cut = dotted.len();
    while let Some(i) = dotted[..cut].rfind('.') {
        cut = i;
        if let Some(n) = registered(&dotted[..cut]) {
            return format!("{n}{}", &dotted[cut..]).into();
        }
    }
    dotted.into()
}

/// The names Wireshark registers for the OIDs a server's certificate holds (the
/// attribute types of x509sat and pkcs-9, x509ce's extensions, PKIX's, the signature and
/// key algorithms, the named curves), and the prefixes an unnamed OID is worded under.
fn registered(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "0" => "itu-t",
        "1" => "iso",
        "2" => "joint-iso-itu-t",
        "1.2.840" => "ISO assigned OIDs, USA",
        "2.16.840.1" => "US company arc",
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
        "2.5.4.44" => "id-at-generationQualifier",
        "2.5.4.46" => "id-at-dnQualifier",
        "2.5.4.65" => "id-at-pseudonym",
        "1.2.840.113549.1.9.1" => "pkcs-9-at-emailAddress",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionOfIncorporationLocalityName",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionOfIncorporationStateOrProvinceName",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionOfIncorporationCountryName",
        "1.2.840.113549.1.1.1" => "rsaEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "id-RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10040.4.1" => "id-dsa",
        "1.2.840.10040.4.3" => "id-dsa-with-sha1",
        "1.2.840.10045.2.1" => "id-ecPublicKey",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10045.3.1.7" => "secp256r1",
        "2.16.840.1.101.3.4.3" => "sigAlgs",
        "2.5.29.14" => "id-ce-subjectKeyIdentifier",
        "2.5.29.15" => "id-ce-keyUsage",
        "2.5.29.17" => "id-ce-subjectAltName",
        "2.5.29.19" => "id-ce-basicConstraints",
        "2.5.29.31" => "id-ce-cRLDistributionPoints",
        "2.5.29.32" => "id-ce-certificatePolicies",
        "2.5.29.32.0" => "anyPolicy",
        "2.5.29.35" => "id-ce-authorityKeyIdentifier",
        "2.5.29.37" => "id-ce-extKeyUsage",
        "1.3.6.1.5.5.7" => "id-pkix",
        "1.3.6.1.5.5.7.1.1" => "id-pe-authorityInfoAccess",
        "1.3.6.1.5.5.7.2.1" => "id-qt-cps",
        "1.3.6.1.5.5.7.2.2" => "id-qt-unotice",
        "1.3.6.1.5.5.7.3.1" => "id-kp-serverAuth",
        "1.3.6.1.5.5.7.3.2" => "id-kp-clientAuth",
        "1.3.6.1.5.5.7.3.3" => "id-kp-codeSigning",
        "1.3.6.1.5.5.7.3.4" => "id-kp-emailProtection",
        "1.3.6.1.5.5.7.48.1" => "id-ad-ocsp",
        "1.3.6.1.5.5.7.48.2" => "id-ad-caIssuers",
        "1.3.6.1.4.1.11129.2.4.2" => "SignedCertificateTimestampList",
        "2.16.840.1.113730.1.1" => "ns_cert_exts.cert_type",
        "2.16.840.1.113730.1.4" => "ns_cert_exts.ca-revocation-url",
        "2.16.840.1.113730.1.13" => "ns_cert_exts.comment",
        _ => return None,
    })
}

#[cfg(test)]
pub(super) mod test {
    use super::*;

    /// A DER element of `tag` around `body`.
    fn t(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut e = vec![tag];
        if body.len() < 0x80 {
            e.push(body.len() as u8);
        } else {
            e.extend([0x82, (body.len() >> 8) as u8, body.len() as u8]);
        }
        e.extend_from_slice(body);
        e
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    /// A Name of C=US, O=Example, CN=`cn` (its RDNs in that order).
    fn name(cn: &[u8]) -> Vec<u8> {
        let atv =
            |oid: &[u8], tag: u8, v: &[u8]| t(0x31, &t(0x30, &cat(&[t(0x06, oid), t(tag, v)])));
        t(
            0x30,
            &cat(&[
                atv(&[0x55, 4, 6], 0x13, b"US"),
                atv(&[0x55, 4, 10], 0x0c, b"Example"),
                atv(&[0x55, 4, 3], 0x13, cn),
            ]),
        )
    }

    /// A v3 certificate signed with sha256WithRSAEncryption: an EC key on secp256r1, a
    /// subjectAltName of `a.test`, keyUsage digitalSignature (critical), an empty
    /// basicConstraints.
    pub(in super::super) fn made() -> Vec<u8> {
        let sha256rsa = t(
            0x30,
            &cat(&[
                t(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11]),
                t(0x05, &[]),
            ]),
        );
        let ext = |id: u8, critical: bool, v: Vec<u8>| {
            let mut parts = vec![t(0x06, &[0x55, 29, id])];
            if critical {
                parts.push(t(0x01, &[0xff]));
            }
            parts.push(t(0x04, &v));
            t(0x30, &cat(&parts))
        };
        let exts = t(
            0xa3,
            &t(
                0x30,
                &cat(&[
                    ext(17, false, t(0x30, &t(0x82, b"a.test"))),
                    ext(15, true, t(0x03, &[7, 0x80])),
                    ext(19, false, t(0x30, &[])),
                ]),
            ),
        );
        let spki = t(
            0x30,
            &cat(&[
                t(
                    0x30,
                    &cat(&[
                        t(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 2, 1]),
                        t(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7]),
                    ]),
                ),
                t(0x03, &[0, 4, 1, 2]),
            ]),
        );
        let tbs = t(
            0x30,
            &cat(&[
                t(0xa0, &t(0x02, &[2])),
                t(0x02, &[0x01, 0x23]),
                sha256rsa.clone(),
                name(b"Example CA"),
                t(
                    0x30,
                    &cat(&[t(0x17, b"240102030405Z"), t(0x17, b"991231235959Z")]),
                ),
                name(b"a.test"),
                spki,
                exts,
            ]),
        );
        t(0x30, &cat(&[tbs, sha256rsa, t(0x03, &[0, 0xaa, 0xbb])]))
    }

    fn shown<'n>(n: &'n Node, name: &str) -> &'n str {
        &n.find(name).unwrap_or_else(|| panic!("{name}")).showname
    }

    #[test]
    fn a_certificate_as_packet_x509af_shows_it() {
        let c = made();
        let mut n = Node::default();
        let subject = certificate(&c, 100, &mut n);
        assert_eq!(
            subject.as_deref(),
            Some("id-at-commonName=a.test,id-at-organizationName=Example,id-at-countryName=US")
        );
        assert_eq!(shown(&n, "x509af.version"), "version: v3 (2)");
        assert_eq!(shown(&n, "x509af.serialNumber"), "serialNumber: 0x0123");
        assert_eq!(
            shown(&n, "x509af.signature_element"),
            "signature (sha256WithRSAEncryption)"
        );
        assert_eq!(shown(&n, "x509af.issuer"), "issuer: rdnSequence (0)");
        assert!(shown(&n, "x509if.rdnSequence")
            .starts_with("rdnSequence: 3 items (id-at-commonName=Example CA,"));
        assert_eq!(shown(&n, "x509sat.CountryName"), "CountryName: US");
        assert_eq!(
            shown(&n, "x509sat.DirectoryString"),
            "DirectoryString: uTF8String (4)"
        );
        assert_eq!(
            shown(&n, "x509af.utcTime"),
            "utcTime: 2024-01-02 03:04:05 (UTC)"
        );
        assert_eq!(
            shown(&n, "pkcs1.namedCurve"),
            "namedCurve: 1.2.840.10045.3.1.7 (secp256r1)"
        );
        assert_eq!(
            shown(&n, "x509af.subjectPublicKey"),
            "subjectPublicKey: 040102"
        );
        assert_eq!(shown(&n, "x509af.extensions"), "extensions: 3 items");
        let dns = n.find("x509ce.dNSName").unwrap();
        assert_eq!(
            (dns.showname.as_str(), dns.show.as_str()),
            ("dNSName: a.test", "a.test")
        );
        // The SAN's name, the last `a.test` of the certificate (the subject's is first).
        let last = c.windows(6).rposition(|w| w == b"a.test").unwrap();
        assert_eq!(dns.pos as usize, 100 + last);
        assert_eq!(
            shown(&n, "x509ce.KeyUsage.digitalSignature"),
            "1... .... = digitalSignature: True"
        );
        assert_eq!(
            shown(&n, "x509ce.KeyUsage.decipherOnly"),
            "0... .... = decipherOnly: False"
        );
        assert_eq!(shown(&n, "x509af.critical"), "critical: True");
        assert_eq!(
            shown(&n, "x509ce.BasicConstraintsSyntax_element"),
            "BasicConstraintsSyntax [0 length]"
        );
        assert_eq!(shown(&n, "x509af.encrypted"), "encrypted: aabb");
        // Cut anywhere, what is whole and no panic.
        for cut in 0..c.len() {
            let mut n = Node::default();
            let _ = certificate(&c[..cut], 0, &mut n);
        }
    }

    #[test]
    fn oid_names_fall_back_to_the_longest_named_prefix() {
        assert_eq!(
            dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 9, 1]).as_deref(),
            Some("1.2.840.113549.1.9.1")
        );
        assert_eq!(dotted(&[0x2a, 0x86]), None);
        assert_eq!(
            oid_name("1.3.6.1.4.1.6449.1.2.1.3.4"),
            "iso.3.6.1.4.1.6449.1.2.1.3.4"
        );
        assert_eq!(
            oid_name("2.16.840.1.113733.1.7.1.1"),
            "US company arc.113733.1.7.1.1"
        );
        assert_eq!(oid_name("2.16.840.1.101.3.4.3.17"), "sigAlgs.17");
        assert_eq!(oid_name("2.23.140.1.2.2"), "joint-iso-itu-t.23.140.1.2.2");
    }
}
