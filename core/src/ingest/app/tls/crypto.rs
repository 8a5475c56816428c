//! The cryptography TLS and QUIC decryption need, in pure Rust (RustCrypto): the AEAD
//! ciphers servers use (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305), TLS 1.2's PRF
//! (RFC 5246 §5), TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) and the cipher suites that
//! name them.

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, Aes256Gcm, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384};

/// The hash of a cipher suite (its PRF, its HKDF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl Hash {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }

    /// HMAC of the concatenation of `parts` under `key`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        fn run<M: Mac + hmac::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            // HMAC takes a key of any length (RFC 2104 §2).
            let Ok(mut m) = <M as hmac::KeyInit>::new_from_slice(key) else {
                return Vec::new();
            };
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match self {
            Hash::Sha256 => run::<Hmac<Sha256>>(key, parts),
            Hash::Sha384 => run::<Hmac<Sha384>>(key, parts),
        }
    }

    /// HKDF-Extract (RFC 5869 §2.2).
    pub fn hkdf_extract(self, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
        self.hmac(salt, &[ikm])
    }

    /// HKDF-Expand (RFC 5869 §2.3) of `prk` to `len` bytes (at most 255 blocks).
    pub fn hkdf_expand(self, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut t: Vec<u8> = Vec::new();
        let mut i = 1u8;
        while out.len() < len {
            t = self.hmac(prk, &[&t, info, &[i]]);
            out.extend_from_slice(&t);
            if i == 255 {
                break;
            }
            i += 1;
        }
        out.truncate(len);
        out
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1) with the label prefix `tls13 ` (QUIC uses the
    /// same, RFC 9001 §5.1).
    pub fn expand_label(self, secret: &[u8], label: &[u8], context: &[u8], len: usize) -> Vec<u8> {
        let mut info = Vec::with_capacity(4 + 6 + label.len() + context.len());
        info.extend_from_slice(&(len as u16).to_be_bytes());
        info.push((6 + label.len()) as u8);
        info.extend_from_slice(b"tls13 ");
        info.extend_from_slice(label);
        info.push(context.len() as u8);
        info.extend_from_slice(context);
        self.hkdf_expand(secret, &info, len)
    }

    /// TLS 1.2's PRF (RFC 5246 §5): P_hash(secret, label + seed) to `len` bytes.
    pub fn prf(self, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + self.output_len());
        // A(1) = HMAC(secret, label + seed); A(i) = HMAC(secret, A(i-1)).
        let mut a = self.hmac(secret, &[label, seed]);
        while out.len() < len {
            out.extend_from_slice(&self.hmac(secret, &[&a, label, seed]));
            a = self.hmac(secret, &[&a]);
        }
        out.truncate(len);
        out
    }
}

/// The bulk cipher of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bulk {
    /// AES-128 in GCM.
    Aes128Gcm,
    /// AES-256 in GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

impl Bulk {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Bulk::Aes128Gcm => 16,
            Bulk::Aes256Gcm | Bulk::ChaCha20Poly1305 => 32,
        }
    }
}

/// A cipher suite we can decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suite {
    /// The AEAD.
    pub bulk: Bulk,
    /// The PRF's (TLS 1.2) or HKDF's (TLS 1.3) hash.
    pub hash: Hash,
    /// A TLS 1.3 suite (RFC 8446 §B.4).
    pub tls13: bool,
}

/// The AEAD cipher suites (TLS 1.3's, and TLS 1.2's GCM and ChaCha20-Poly1305 ones, RFC
/// 5288, 5289, 7905, 8442), by their number.
pub fn suite(id: u16) -> Option<Suite> {
    use Bulk::*;
    use Hash::*;
    let (bulk, hash, tls13) = match id {
        0x1301 => (Aes128Gcm, Sha256, true),
        0x1302 => (Aes256Gcm, Sha384, true),
        0x1303 => (ChaCha20Poly1305, Sha256, true),
        // RSA, DHE_RSA, DH_RSA, DHE_DSS, DH_DSS, DH_anon, PSK, DHE_PSK, RSA_PSK with
        // AES-GCM: the even numbers are AES-128 with SHA-256, the odd AES-256 with SHA-384.
        0x009c..=0x00ad => {
            if id.is_multiple_of(2) {
                (Aes128Gcm, Sha256, false)
            } else {
                (Aes256Gcm, Sha384, false)
            }
        }
        // ECDHE_ECDSA, ECDH_ECDSA, ECDHE_RSA, ECDH_RSA with AES-GCM.
        0xc02b | 0xc02d | 0xc02f | 0xc031 => (Aes128Gcm, Sha256, false),
        0xc02c | 0xc02e | 0xc030 | 0xc032 => (Aes256Gcm, Sha384, false),
        // ECDHE_PSK with AES-GCM (RFC 8442).
        0xd001 => (Aes128Gcm, Sha256, false),
        0xd002 => (Aes256Gcm, Sha384, false),
        // ChaCha20-Poly1305 (RFC 7905).
        0xcca8..=0xccae => (ChaCha20Poly1305, Sha256, false),
        _ => return None,
    };
    Some(Suite { bulk, hash, tls13 })
}

/// A keyed AEAD.
pub enum Aead {
    /// AES-128-GCM.
    Aes128(Box<Aes128Gcm>),
    /// AES-256-GCM.
    Aes256(Box<Aes256Gcm>),
    /// ChaCha20-Poly1305.
    ChaCha(Box<ChaCha20Poly1305>),
}

impl Aead {
    /// The cipher with this key (None when the key has the wrong length).
    pub fn new(bulk: Bulk, key: &[u8]) -> Option<Aead> {
        Some(match bulk {
            Bulk::Aes128Gcm => Aead::Aes128(Box::new(Aes128Gcm::new_from_slice(key).ok()?)),
            Bulk::Aes256Gcm => Aead::Aes256(Box::new(Aes256Gcm::new_from_slice(key).ok()?)),
            Bulk::ChaCha20Poly1305 => {
                Aead::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(key).ok()?))
            }
        })
    }

    /// Decrypts `data` (ciphertext followed by its 16-byte tag) in place; returns the
    /// plaintext's length, or None when the tag does not authenticate it.
    pub fn open(&self, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> Option<usize> {
        let n = data.len().checked_sub(16)?;
        let (text, tag) = data.split_at_mut(n);
        let ok = match self {
            Aead::Aes128(c) => c
                .decrypt_inout_detached(nonce.into(), aad, text.into(), (&tag[..]).try_into().ok()?)
                .is_ok(),
            Aead::Aes256(c) => c
                .decrypt_inout_detached(nonce.into(), aad, text.into(), (&tag[..]).try_into().ok()?)
                .is_ok(),
            Aead::ChaCha(c) => c
                .decrypt_inout_detached(nonce.into(), aad, text.into(), (&tag[..]).try_into().ok()?)
                .is_ok(),
        };
        ok.then_some(n)
    }
}

/// AES-128 of one block (QUIC's header protection, RFC 9001 §5.4.3).
pub fn aes128_block(key: &[u8], block: &[u8; 16]) -> Option<[u8; 16]> {
    use aes::cipher::{BlockCipherEncrypt, KeyInit as _};
    let cipher = aes::Aes128::new_from_slice(key).ok()?;
    let mut b = aes::Block::from(*block);
    cipher.encrypt_block(&mut b);
    Some(b.into())
}

/// Bytes from hex (key logs); None on an odd length or a non-hex digit.
pub fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    s.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod test {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        unhex(s.replace([' ', '\n'], "").as_bytes()).unwrap()
    }

    /// RFC 8448 §3 (a simple 1-RTT handshake): the server's handshake traffic secret and
    /// the key and IV derived from it.
    #[test]
    fn tls13_key_schedule_of_rfc8448() {
        let secret = h("b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38");
        assert_eq!(
            Hash::Sha256.expand_label(&secret, b"key", b"", 16),
            h("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc")
        );
        assert_eq!(
            Hash::Sha256.expand_label(&secret, b"iv", b"", 12),
            h("5d 31 3e b2 67 12 76 ee 13 00 0b 30")
        );
    }

    /// RFC 9001 Appendix A.1: QUIC v1 initial secrets of DCID 0x8394c8f03e515708.
    #[test]
    fn quic_initial_secrets_of_rfc9001() {
        let salt = h("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
        let initial = Hash::Sha256.hkdf_extract(&salt, &h("8394c8f03e515708"));
        assert_eq!(
            initial,
            h("7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44")
        );
        let client = Hash::Sha256.expand_label(&initial, b"client in", b"", 32);
        assert_eq!(
            client,
            h("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea")
        );
        assert_eq!(
            Hash::Sha256.expand_label(&client, b"quic key", b"", 16),
            h("1f369613dd76d5467730efcbe3b1a22d")
        );
        assert_eq!(
            Hash::Sha256.expand_label(&client, b"quic hp", b"", 16),
            h("9f50449e04a0e810283a1e9933adedd2")
        );
        // The header protection sample of A.2.
        let mask = aes128_block(
            &h("9f50449e04a0e810283a1e9933adedd2"),
            &h("d1b1c98dd7689fb8ec11d242b123dc9b").try_into().unwrap(),
        )
        .unwrap();
        assert_eq!(&mask[..5], &h("437b9aec36")[..]);
    }

    /// The TLS 1.2 PRF with SHA-256: the test vector from the IETF TLS list (also in
    /// Go's and BoringSSL's tests).
    #[test]
    fn tls12_prf_sha256() {
        let out = Hash::Sha256.prf(
            &h("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &h("a0ba9f936cda311827a6f796ffd5198c"),
            100,
        );
        assert_eq!(
            out,
            h("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66")
        );
    }

    /// RFC 8439 §2.8.2: ChaCha20-Poly1305 opens its own test vector, and rejects it changed.
    #[test]
    fn chacha20_poly1305_of_rfc8439() {
        let key = h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce: [u8; 12] = h("070000004041424344454647").try_into().unwrap();
        let aad = h("50515253c0c1c2c3c4c5c6c7");
        let mut data = h("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116 1ae10b594f09e26a7e902ecbd0600691");
        let a = Aead::new(Bulk::ChaCha20Poly1305, &key).unwrap();
        let mut bad = data.clone();
        let n = a.open(&nonce, &aad, &mut data).unwrap();
        assert!(data[..n].starts_with(b"Ladies and Gentlemen of the class of '99"));
        bad[3] ^= 1;
        assert_eq!(a.open(&nonce, &aad, &mut bad), None);
    }

    #[test]
    fn suites() {
        assert_eq!(suite(0xc02f).unwrap().bulk, Bulk::Aes128Gcm);
        assert_eq!(suite(0xc030).unwrap().hash, Hash::Sha384);
        assert_eq!(suite(0x009d).unwrap().bulk, Bulk::Aes256Gcm);
        assert!(suite(0x1303).unwrap().tls13);
        assert_eq!(suite(0x002f), None, "CBC suites are not decrypted");
    }
}
