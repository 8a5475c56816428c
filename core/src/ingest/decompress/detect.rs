//! Recognising a compressed stream by its magic bytes.

use crate::capture::file::Compression;

/// The most bytes [`detect`] ever needs.
pub const DETECT_LEN: usize = 6;

/// How many bytes of a stream its magic covers.
pub(super) fn magic_len(c: Compression) -> usize {
    match c {
        Compression::Gzip => 2,
        Compression::Bzip2 | Compression::Zstd => 4,
        Compression::Xz => 6,
    }
}

/// Whether byte `i` of a stream may be `b`.
pub(super) fn magic_byte(c: Compression, i: usize, b: u8) -> bool {
    let fixed: &[u8] = match c {
        Compression::Gzip => &[0x1f, 0x8b],
        // "BZh" and the block size, '1'..='9' (hundreds of kB).
        Compression::Bzip2 if i == 3 => return (b'1'..=b'9').contains(&b),
        Compression::Bzip2 => b"BZh",
        Compression::Zstd => &[0x28, 0xb5, 0x2f, 0xfd],
        Compression::Xz => &[0xfd, b'7', b'z', b'X', b'Z', 0x00],
    };
    fixed.get(i) == Some(&b)
}

/// What the first bytes of a file say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    /// A compressed stream of this format.
    Compressed(Compression),
    /// Not compressed (or not in a format we know).
    Plain,
    /// Too few bytes to tell; at the end of the input this means [`Detect::Plain`].
    NeedMore,
}

/// Recognises a compressed stream by its magic bytes. Never needs more than
/// [`DETECT_LEN`] bytes; returns [`Detect::NeedMore`] while `prefix` is shorter than a magic
/// it could still be.
pub fn detect(prefix: &[u8]) -> Detect {
    let mut undecided = false;
    for c in Compression::ALL {
        let n = magic_len(c).min(prefix.len());
        if prefix[..n]
            .iter()
            .enumerate()
            .all(|(i, &b)| magic_byte(c, i, b))
        {
            if n == magic_len(c) {
                return Detect::Compressed(c);
            }
            undecided = true;
        }
    }
    if undecided {
        Detect::NeedMore
    } else {
        Detect::Plain
    }
}
