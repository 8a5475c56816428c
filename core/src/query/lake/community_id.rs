//! Community ID v1 (corelight/community-id-spec): one flow hash that Zeek, Suricata,
//! Arkime, Wireshark (`communityid`) and Wirelens all give the same connection, so rows
//! of different tools join on it.
//!
//! `"1:" + base64(SHA-1(seed ‖ saddr ‖ daddr ‖ proto ‖ 0 ‖ sport ‖ dport))`, every number
//! in network byte order, with the endpoints ordered so that the smaller (address, port)
//! comes first: either direction of a flow gives the same ID. Only port-based transports
//! (TCP, UDP, SCTP) are covered here; ICMP's type/code mapping is not needed by the rows.
//!
//! SHA-1 is here (FIPS 180-4 §6.1, about fifty lines) rather than as a dependency: core
//! stays small for the web worker, and the spec's baseline vectors check it.

use std::net::IpAddr;

/// IANA protocol numbers of the transports the rows have.
pub const TCP: u8 = 6;
/// UDP.
pub const UDP: u8 = 17;

/// The Community ID v1 of a flow between (`a`, `port_a`) and (`b`, `port_b`) over
/// `proto`, with the seed (0 unless every tool agreed on another). Addresses of
/// different families (which no flow has) are hashed as given.
pub fn community_id(
    seed: u16,
    proto: u8,
    a: IpAddr,
    port_a: u16,
    b: IpAddr,
    port_b: u16,
) -> String {
    let bytes = |ip: IpAddr| -> Vec<u8> {
        match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        }
    };
    let (ab, bb) = (bytes(a), bytes(b));
    // §"Ordering": the smaller address first; equal addresses, the smaller port.
    let ((s, sp), (d, dp)) = if (ab.as_slice(), port_a) <= (bb.as_slice(), port_b) {
        ((ab, port_a), (bb, port_b))
    } else {
        ((bb, port_b), (ab, port_a))
    };
    let mut data = Vec::with_capacity(2 + 32 + 6);
    data.extend_from_slice(&seed.to_be_bytes());
    data.extend_from_slice(&s);
    data.extend_from_slice(&d);
    data.extend_from_slice(&[proto, 0]);
    data.extend_from_slice(&sp.to_be_bytes());
    data.extend_from_slice(&dp.to_be_bytes());
    format!("1:{}", base64(&sha1(&data)))
}

/// SHA-1 (FIPS 180-4 §6.1).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    // §5.1.1 padding: a 1 bit, zeros, and the length in bits as 64 bits.
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (o, x) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Base64 with padding (RFC 4648 §4).
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn sha1_of_the_fips_examples() {
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    /// The spec's baseline (community-id-spec `baseline/README.md` and
    /// `baseline_deflt.json`, `baseline_seed1`): TCP, UDP and SCTP over IPv4 and IPv6,
    /// both directions of each flow, seeds 0 and 1.
    #[test]
    fn the_spec_baseline() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases: &[(u16, u8, &str, &str, u16, u16, &str)] = &[
            (
                0,
                TCP,
                "1.2.3.4",
                "5.6.7.8",
                1122,
                3344,
                "1:wCb3OG7yAFWelaUydu0D+125CLM=",
            ),
            (
                0,
                UDP,
                "1.2.3.4",
                "5.6.7.8",
                1122,
                3344,
                "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=",
            ),
            (
                0,
                132,
                "1.2.3.4",
                "5.6.7.8",
                1122,
                3344,
                "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=",
            ),
            (
                1,
                TCP,
                "1.2.3.4",
                "5.6.7.8",
                1122,
                3344,
                "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=",
            ),
            (
                1,
                UDP,
                "1.2.3.4",
                "5.6.7.8",
                1122,
                3344,
                "1:OShq+iKDAMVouh/4bMxB9Sz4amw=",
            ),
            (
                1,
                132,
                "1.2.3.4",
                "5.6.7.8",
                1122,
                3344,
                "1:uitchpn5MMGAQKBJh7bIr/bAr7s=",
            ),
            (
                0,
                TCP,
                "2001:470:e5bf:dead:4957:2174:e82c:4887",
                "2607:f8b0:400c:c03::1a",
                63943,
                25,
                "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            ),
            (
                0,
                TCP,
                "128.232.110.120",
                "66.35.250.204",
                34855,
                80,
                "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            ),
            (
                0,
                UDP,
                "192.168.1.52",
                "8.8.8.8",
                54585,
                53,
                "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            ),
            (
                0,
                132,
                "192.168.170.8",
                "192.168.170.56",
                7,
                7,
                "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
            ),
        ];
        for &(seed, proto, a, b, pa, pb, want) in cases {
            assert_eq!(
                community_id(seed, proto, ip(a), pa, ip(b), pb),
                want,
                "{a}:{pa} {b}:{pb}"
            );
            assert_eq!(
                community_id(seed, proto, ip(b), pb, ip(a), pa),
                want,
                "{b}:{pb} {a}:{pa}"
            );
        }
    }
}
