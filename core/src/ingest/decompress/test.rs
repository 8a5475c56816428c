//! The decoders against files made by the reference tools, damaged and cut short.

use super::detect::magic_len;
use super::*;
use crate::capture::restart::{RestartPoint, RestartState, Restarts};

const PLAIN: &[u8] = include_bytes!("../../../tests/data/compressed/one_tcp_stream.pcap");
const GZ: &[u8] = include_bytes!("../../../tests/data/compressed/one_tcp_stream.pcap.gz");
const BZ2: &[u8] = include_bytes!("../../../tests/data/compressed/one_tcp_stream.pcap.bz2");
const ZST: &[u8] = include_bytes!("../../../tests/data/compressed/one_tcp_stream.pcap.zst");
const XZ: &[u8] = include_bytes!("../../../tests/data/compressed/one_tcp_stream.pcap.xz");

const FIXTURES: [(Compression, &[u8]); 4] = [
    (Compression::Gzip, GZ),
    (Compression::Bzip2, BZ2),
    (Compression::Zstd, ZST),
    (Compression::Xz, XZ),
];

/// Decodes `input` fed in `chunk`-byte pieces; returns the output, the feed error if
/// any, else the finish error.
fn decode(c: Compression, input: &[u8], chunk: usize) -> (Vec<u8>, Result<(), DecompressError>) {
    let mut d = Decoder::new(c);
    let mut out = Vec::new();
    let mut emit = |b: &[u8]| {
        assert!(b.len() <= OUT_CHUNK, "a piece of {} bytes", b.len());
        out.extend_from_slice(b);
    };
    for piece in input.chunks(chunk.max(1)) {
        if let Err(e) = d.feed(piece, &mut emit) {
            assert_eq!(d.finish(&mut emit), Err(e.clone()), "errors are sticky");
            return (out, Err(e));
        }
    }
    let r = d.finish(&mut emit);
    assert_eq!(d.bytes_out(), out.len() as u64);
    (out, r)
}

/// Damage found by fuzzing: whatever the chunking, the same bytes come out before the
/// damage (gzip used to drop its window's pending output; xz and bzip2 used to depend
/// on where the caller's chunks ended) and the same error is reported.
#[test]
fn damaged_input_gives_the_same_result_whatever_the_chunking() {
    for (c, file) in [
        (Compression::Gzip, GZ),
        (Compression::Bzip2, BZ2),
        (Compression::Xz, XZ),
    ] {
        for at in [file.len() / 3, file.len() / 2, file.len() * 4 / 5] {
            let mut bad = file.to_vec();
            bad[at] ^= 0x5a;
            // (Damaged data may decode to wrong bytes until a checksum catches it.)
            let (whole, whole_err) = decode(c, &bad, bad.len());
            for chunk in [1, 7, 1000, 4095, 4097, 10_000] {
                let (out, err) = decode(c, &bad, chunk);
                assert_eq!(
                    (out.len(), &err),
                    (whole.len(), &whole_err),
                    "{c} damaged at {at}, chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn detect_every_magic() {
    for (c, file) in FIXTURES {
        assert_eq!(detect(file), Detect::Compressed(c), "{c}");
        assert_eq!(detect(&file[..magic_len(c)]), Detect::Compressed(c), "{c}");
        for n in 0..magic_len(c) {
            assert_eq!(detect(&file[..n]), Detect::NeedMore, "{c} prefix {n}");
        }
    }
    for level in b'1'..=b'9' {
        assert_eq!(
            detect(&[b'B', b'Z', b'h', level]),
            Detect::Compressed(Compression::Bzip2)
        );
    }
    assert_eq!(detect(b"BZh0"), Detect::Plain);
    assert_eq!(detect(b"BZx"), Detect::Plain);
    assert_eq!(detect(&[0xfd, b'7', b'z', b'X', b'Z', 1]), Detect::Plain);
    assert_eq!(detect(&[0x1f, 0x8c]), Detect::Plain);
    assert_eq!(detect(PLAIN), Detect::Plain, "pcap");
    assert_eq!(detect(&[0x0a, 0x0d, 0x0d, 0x0a]), Detect::Plain, "pcapng");
    assert_eq!(detect(&[0x1f]), Detect::NeedMore);
    assert_eq!(detect(&[0x28, 0xb5, 0x2f]), Detect::NeedMore);
    assert_eq!(detect(&[0xd4]), Detect::Plain);
    assert_eq!(detect(&[]), Detect::NeedMore);
}

#[test]
fn every_chunk_size_gives_the_original() {
    for (c, file) in FIXTURES {
        let chunks = (1..=300).chain([509, 4096, 7000, file.len() - 1, file.len(), 1 << 20]);
        for chunk in chunks {
            let (out, r) = decode(c, file, chunk);
            assert_eq!(r, Ok(()), "{c} chunk {chunk}");
            assert!(out == PLAIN, "{c} chunk {chunk}: {} bytes out", out.len());
        }
    }
}

/// Every prefix of `file` yields a prefix of the original and a truncation error.
fn check_every_truncated_prefix(c: Compression, file: &[u8]) {
    let mut longest = 0;
    for cut in 0..file.len() {
        let (out, r) = decode(c, &file[..cut], 997);
        assert!(
            PLAIN.starts_with(&out),
            "{c} cut {cut}: output is not a prefix"
        );
        let e = r.expect_err("a cut stream is an error");
        assert_eq!(e.kind, DecompressErrorKind::Truncated, "{c} cut {cut}: {e}");
        assert_eq!(e.offset, cut as u64, "{c} cut {cut}");
        assert!(
            out.len() >= longest,
            "{c} cut {cut}: less output than a shorter cut"
        );
        longest = out.len();
    }
    // Only the final checksums are missing: every byte has been emitted.
    let (out, _) = decode(c, &file[..file.len() - 1], 997);
    assert_eq!(out.len(), PLAIN.len(), "{c}");
}

// One test per format: they are the slow ones, and run in parallel.
#[test]
fn gzip_every_truncated_prefix() {
    check_every_truncated_prefix(Compression::Gzip, GZ);
}

#[test]
fn bzip2_every_truncated_prefix() {
    check_every_truncated_prefix(Compression::Bzip2, BZ2);
}

#[test]
fn zstd_every_truncated_prefix() {
    check_every_truncated_prefix(Compression::Zstd, ZST);
}

#[test]
fn xz_every_truncated_prefix() {
    check_every_truncated_prefix(Compression::Xz, XZ);
}

#[test]
fn truncation_message() {
    let e = decode(Compression::Gzip, &GZ[..1234], 100).1.unwrap_err();
    assert_eq!(
        e.to_string(),
        "gzip stream is cut short after 1234 compressed bytes"
    );
    let e = decode(Compression::Bzip2, &BZ2[..789], 100).1.unwrap_err();
    assert_eq!(
        e.to_string(),
        "bzip2 stream is cut short after 789 compressed bytes"
    );
}

/// Flipped bits give an error (or, where no check covers them, the right output),
/// never a panic.
fn check_corrupted_bytes(c: Compression, file: &[u8]) {
    let mut errors = 0;
    // Every byte of the headers and trailers, a sample of the data in between.
    let n = file.len();
    let positions = (0..n).filter(|&i| i < 128 || i + 64 >= n || i % 7 == 0);
    let mut tried = 0;
    for i in positions {
        for flip in [0x01, 0xff] {
            tried += 1;
            let mut bad = file.to_vec();
            bad[i] ^= flip;
            let (out, r) = decode(c, &bad, 4096);
            match r {
                Err(e) => {
                    errors += 1;
                    assert!(e.offset <= bad.len() as u64, "{c} byte {i}: {e}");
                }
                // A flip may hit a byte no check covers (gzip's MTIME or OS field):
                // then the output must still be right.
                Ok(()) => assert!(
                    out == PLAIN,
                    "{c} byte {i} ^ {flip:#x}: accepted wrong data"
                ),
            }
        }
    }
    assert!(
        errors * 10 > tried * 9,
        "{c}: only {errors} of {tried} corruptions noticed"
    );
}

#[test]
fn gzip_corrupted_bytes() {
    check_corrupted_bytes(Compression::Gzip, GZ);
}

#[test]
fn bzip2_corrupted_bytes() {
    check_corrupted_bytes(Compression::Bzip2, BZ2);
}

#[test]
fn zstd_corrupted_bytes() {
    check_corrupted_bytes(Compression::Zstd, ZST);
}

#[test]
fn xz_corrupted_bytes() {
    check_corrupted_bytes(Compression::Xz, XZ);
}

#[test]
fn corruption_is_reported_near_where_it_is() {
    let mut bad = GZ.to_vec();
    let i = GZ.len() / 2;
    bad[i] ^= 0x55;
    let e = decode(Compression::Gzip, &bad, 100_000).1.unwrap_err();
    assert!(matches!(e.kind, DecompressErrorKind::Corrupt { .. }), "{e}");
    assert!(e.offset >= i as u64 && e.offset <= GZ.len() as u64, "{e}");
    // The trailer's CRC is exact.
    let mut bad = GZ.to_vec();
    let n = bad.len();
    bad[n - 8] ^= 1;
    let e = decode(Compression::Gzip, &bad, 100).1.unwrap_err();
    assert_eq!(e.offset, n as u64 - 8);
    assert!(
        e.to_string().starts_with(&format!(
            "corrupt gzip data at compressed byte {}: CRC-32",
            n - 8
        )),
        "{e}"
    );
}

#[test]
fn random_input_never_panics() {
    // A small xorshift generator: deterministic, no dependency.
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for (c, file) in FIXTURES {
        for round in 0..300 {
            let mut bad = file.to_vec();
            // Several random changes after a valid start, sometimes a random tail.
            for _ in 0..1 + next() % 8 {
                let i = (next() % bad.len() as u64) as usize;
                bad[i] = next() as u8;
            }
            if round % 3 == 0 {
                let at = (next() % bad.len() as u64) as usize;
                bad.truncate(at);
                bad.extend((0..next() % 3000).map(|_| next() as u8));
            }
            let (out, r) = decode(c, &bad, 1 + (next() % 5000) as usize);
            if r.is_ok() {
                assert!(out == PLAIN, "{c} round {round}: accepted wrong data");
            }
        }
    }
}

#[test]
fn concatenated_streams_decode_to_the_concatenation() {
    let mut twice = PLAIN.to_vec();
    twice.extend_from_slice(PLAIN);
    for (c, file) in FIXTURES {
        let mut cat = file.to_vec();
        cat.extend_from_slice(file);
        for chunk in [1, 7, 1000, 1 << 20] {
            let (out, r) = decode(c, &cat, chunk);
            assert_eq!(r, Ok(()), "{c} chunk {chunk}");
            assert!(out == twice, "{c} chunk {chunk}: {} bytes", out.len());
        }
        // Cut inside the second stream: the whole first one is there.
        let (out, r) = decode(c, &cat[..file.len() + file.len() / 2], 1000);
        assert_eq!(r.unwrap_err().kind, DecompressErrorKind::Truncated, "{c}");
        assert!(out.len() >= PLAIN.len() && twice.starts_with(&out), "{c}");
    }
}

#[test]
fn gzip_members_with_header_fields_and_padding() {
    // A member with FEXTRA, FNAME, FCOMMENT and FHCRC, built by hand around raw deflate.
    let deflated = miniz_oxide::deflate::compress_to_vec(b"hello ", 6);
    let mut member = vec![0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 255];
    member.extend_from_slice(&[3, 0, b'a', b'b', b'c']);
    member.extend_from_slice(b"name\0comment\0");
    let hcrc = crc32fast::hash(&member) as u16;
    member.extend_from_slice(&hcrc.to_le_bytes());
    member.extend_from_slice(&deflated);
    member.extend_from_slice(&crc32fast::hash(b"hello ").to_le_bytes());
    member.extend_from_slice(&6u32.to_le_bytes());
    let mut file = member.clone();
    file.extend_from_slice(GZ);
    file.extend_from_slice(&member);
    file.extend_from_slice(&[0; 10]);
    let mut expect = b"hello ".to_vec();
    expect.extend_from_slice(PLAIN);
    expect.extend_from_slice(b"hello ");
    for chunk in 1..40 {
        let (out, r) = decode(Compression::Gzip, &file, chunk);
        assert_eq!(r, Ok(()), "chunk {chunk}");
        assert!(out == expect, "chunk {chunk}");
    }
    // A wrong header CRC is caught.
    let mut bad = member.clone();
    bad[28] ^= 1; // the FHCRC field itself
    let e = decode(Compression::Gzip, &bad, 5).1.unwrap_err();
    assert_eq!(e.offset, 28);
    assert!(e.to_string().contains("header CRC mismatch"), "{e}");
    let mut bad = member.clone();
    bad[20] ^= 1; // a byte of the name, which only FHCRC covers
    let e = decode(Compression::Gzip, &bad, 5).1.unwrap_err();
    assert!(e.to_string().contains("header CRC mismatch"), "{e}");
    // Garbage after padding is reported where it starts, after all the data.
    let mut tail = member.clone();
    tail.extend_from_slice(&[0, 0, 7]);
    let (out, r) = decode(Compression::Gzip, &tail, 3);
    assert_eq!(out, b"hello ");
    let e = r.unwrap_err();
    assert_eq!(
        (e.kind, e.offset),
        (DecompressErrorKind::TrailingData, member.len() as u64 + 2)
    );
}

#[test]
fn trailing_garbage_is_reported_after_all_output() {
    for (c, file) in FIXTURES {
        let mut f = file.to_vec();
        f.extend_from_slice(b"garbage!");
        let (out, r) = decode(c, &f, 1000);
        assert!(out == PLAIN, "{c}");
        let e = r.unwrap_err();
        assert_eq!(e.kind, DecompressErrorKind::TrailingData, "{c}: {e}");
        assert_eq!(e.offset, file.len() as u64, "{c}");
    }
}

#[test]
fn xz_stream_padding() {
    let mut f = XZ.to_vec();
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(XZ);
    f.extend_from_slice(&[0; 4]);
    let (out, r) = decode(Compression::Xz, &f, 333);
    assert_eq!(r, Ok(()));
    assert_eq!(out.len(), 2 * PLAIN.len());
    let mut f = XZ.to_vec();
    f.extend_from_slice(&[0; 3]);
    let e = decode(Compression::Xz, &f, 333).1.unwrap_err();
    assert!(e.to_string().contains("multiple of four"), "{e}");
}

#[test]
fn zstd_skippable_frames_and_multi_block_frames() {
    // ruzstd's own encoder splits the input into 128 KiB blocks.
    let data: Vec<u8> = (0..400_000u32)
        .map(|i| (i * 7 % 251) as u8 ^ (i >> 12) as u8)
        .collect();
    let z =
        ruzstd::encoding::compress_to_vec(&data[..], ruzstd::encoding::CompressionLevel::Fastest);
    let mut f = vec![0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5];
    f.extend_from_slice(&z);
    for chunk in [1, 100, 65536, 1 << 20] {
        let (out, r) = decode(Compression::Zstd, &f, chunk);
        assert_eq!(r, Ok(()), "chunk {chunk}");
        assert!(out == data, "chunk {chunk}");
    }
}

#[test]
fn zstd_cut_frames_release_the_window() {
    // Raw (stored) blocks, so each block's output size is known from its header.
    let data: Vec<u8> = (0..600_000u32).map(|i| (i % 253) as u8).collect();
    let f = ruzstd::encoding::compress_to_vec(
        &data[..],
        ruzstd::encoding::CompressionLevel::Uncompressed,
    );
    let fhd = f[4];
    let checksum = if fhd & 4 != 0 { 4 } else { 0 };
    let mut pos = 5
        + usize::from(fhd & 0x20 == 0)
        + [0, 1, 2, 4][usize::from(fhd & 3)]
        + [usize::from(fhd & 0x20 != 0), 2, 4, 8][usize::from(fhd >> 6)];
    // (end of block in the file, output up to and including it)
    let mut ends = Vec::new();
    let mut total = 0;
    loop {
        let h = u32::from_le_bytes([f[pos], f[pos + 1], f[pos + 2], 0]);
        assert_eq!((h >> 1) & 3, 0, "a raw block");
        total += (h >> 3) as usize;
        pos += 3 + (h >> 3) as usize;
        ends.push((pos, total));
        if h & 1 != 0 {
            break;
        }
    }
    assert_eq!((pos + checksum, total), (f.len(), data.len()));
    assert!(ends.len() >= 4, "{} blocks", ends.len());
    // A cut anywhere yields every block before the cut (a last block lacking only its
    // checksum included): nothing stays held back in the window.
    let cuts = ends
        .iter()
        .flat_map(|&(e, _)| [e - 1, e, e + 1])
        .chain((7..f.len()).step_by(9973));
    for cut in cuts.filter(|&c| c < f.len()) {
        let (out, r) = decode(Compression::Zstd, &f[..cut], 4096);
        assert_eq!(
            r.unwrap_err().kind,
            DecompressErrorKind::Truncated,
            "cut {cut}"
        );
        assert!(data.starts_with(&out), "cut {cut}");
        let expect = ends
            .iter()
            .filter(|&&(e, _)| e <= cut)
            .map(|&(_, n)| n)
            .max()
            .unwrap_or(0);
        assert_eq!(out.len(), expect, "cut {cut}");
    }
}

#[test]
fn bombs_stream_in_bounded_pieces() {
    // 8 MiB of zeros in every format that has an encoder at hand; output arrives in
    // pieces as the input is fed, never all at once.
    let zeros = vec![0u8; 8 << 20];
    let gz = {
        let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        v.extend(miniz_oxide::deflate::compress_to_vec(&zeros, 1));
        v.extend(crc32fast::hash(&zeros).to_le_bytes());
        v.extend((zeros.len() as u32).to_le_bytes());
        v
    };
    let bz = {
        let mut c = ::bzip2::Compress::new(::bzip2::Compression::fast(), 30);
        let mut v = Vec::with_capacity(1 << 20);
        let _ = c.compress_vec(&zeros, &mut v, ::bzip2::Action::Finish);
        v
    };
    let zst =
        ruzstd::encoding::compress_to_vec(&zeros[..], ruzstd::encoding::CompressionLevel::Fastest);
    for (c, file) in [
        (Compression::Gzip, gz),
        (Compression::Bzip2, bz),
        (Compression::Zstd, zst),
    ] {
        assert!(file.len() < zeros.len() / 100, "{c}: {} bytes", file.len());
        let mut d = Decoder::new(c);
        let (mut total, mut pieces, mut largest) = (0usize, 0usize, 0usize);
        let mut emit = |b: &[u8]| {
            assert!(b.iter().all(|&x| x == 0));
            total += b.len();
            pieces += 1;
            largest = largest.max(b.len());
        };
        for chunk in file.chunks(1000) {
            d.feed(chunk, &mut emit).unwrap();
        }
        d.finish(&mut emit).unwrap();
        assert_eq!(total, zeros.len(), "{c}");
        assert!(
            largest <= OUT_CHUNK && pieces >= zeros.len() / OUT_CHUNK,
            "{c}: {pieces} pieces"
        );
    }
}

#[test]
fn oversized_windows_are_refused_before_allocating() {
    // A zstd frame header asking for a 2 GiB window (Window_Descriptor exponent 21).
    let f = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0, 0, 0];
    let e = decode(Compression::Zstd, &f, 100).1.unwrap_err();
    assert!(
        matches!(e.kind, DecompressErrorKind::Unsupported { .. }),
        "{e}"
    );
    // An xz stream whose LZMA2 dictionary is 1.5 GiB: patch the fixture's first block
    // header (filter properties byte) and fix its CRC-32.
    let mut xz = XZ.to_vec();
    let hdr = 12;
    let len = (usize::from(xz[hdr]) + 1) * 4;
    let props = hdr + 2 + 1 + 1; // size, flags, filter id (0x21), props size (1)
    assert_eq!(&xz[hdr + 2..hdr + 4], &[0x21, 1]);
    xz[props] = 38; // 1.5 GiB (xz file format §5.3.1)
    let crc = crc32fast::hash(&xz[hdr..hdr + len - 4]);
    xz[hdr + len - 4..hdr + len].copy_from_slice(&crc.to_le_bytes());
    let e = decode(Compression::Xz, &xz, 100).1.unwrap_err();
    assert!(
        matches!(e.kind, DecompressErrorKind::Unsupported { .. }),
        "{e}"
    );
}

#[test]
fn feeding_after_finish_or_empty_input() {
    let e = decode(Compression::Zstd, &[], 1).1.unwrap_err();
    assert_eq!(e.kind, DecompressErrorKind::Truncated);
    let mut d = Decoder::new(Compression::Gzip);
    let mut sink = |_: &[u8]| {};
    d.feed(GZ, &mut sink).unwrap();
    d.feed(&[], &mut sink).unwrap();
    d.finish(&mut sink).unwrap();
    let e = d.feed(b"x", &mut sink).unwrap_err();
    assert_eq!(e.kind, DecompressErrorKind::TrailingData);
}

/// memcached-fields.pcap and its compressed copies (see core/tests/data/compressed/README.md).
const MC: &[u8] = include_bytes!("../../../../tests/data/servers/memcached-fields.pcap");
const MC_FILES: [(Compression, &[u8], usize); 10] = [
    (
        Compression::Gzip,
        include_bytes!("../../../tests/data/compressed/mc.pcap.gz"),
        1,
    ),
    (
        Compression::Gzip,
        include_bytes!("../../../tests/data/compressed/mc.members.pcap.gz"),
        2,
    ),
    (
        Compression::Bzip2,
        include_bytes!("../../../tests/data/compressed/mc.pcap.bz2"),
        0,
    ),
    (
        Compression::Bzip2,
        include_bytes!("../../../tests/data/compressed/mc.streams.pcap.bz2"),
        2,
    ),
    (
        Compression::Zstd,
        include_bytes!("../../../tests/data/compressed/mc.pcap.zst"),
        0,
    ),
    (
        Compression::Zstd,
        include_bytes!("../../../tests/data/compressed/mc.frames.pcap.zst"),
        2,
    ),
    (
        Compression::Xz,
        include_bytes!("../../../tests/data/compressed/mc.pcap.xz"),
        0,
    ),
    (
        Compression::Xz,
        include_bytes!("../../../tests/data/compressed/mc.blocks.pcap.xz"),
        10,
    ),
    (
        Compression::Xz,
        include_bytes!("../../../tests/data/compressed/mc.st-blocks.pcap.xz"),
        10,
    ),
    (
        Compression::Xz,
        include_bytes!("../../../tests/data/compressed/mc.streams.pcap.xz"),
        2,
    ),
];

/// Decodes a whole file in `chunk`-byte pieces, recording restart points `spacing` apart.
fn decode_recording(
    c: Compression,
    input: &[u8],
    chunk: usize,
    spacing: u64,
) -> (Vec<u8>, Restarts) {
    let mut d = Decoder::new(c).with_restarts(spacing);
    let mut out = Vec::new();
    let mut emit = |b: &[u8]| out.extend_from_slice(b);
    for piece in input.chunks(chunk) {
        d.feed(piece, &mut emit).unwrap();
    }
    d.finish(&mut emit).unwrap();
    (out, d.take_restarts())
}

/// Decodes from a restart point: the file's bytes `[point.stored, end)`.
fn decode_from(
    c: Compression,
    input: &[u8],
    point: &RestartPoint,
    end: usize,
    chunk: usize,
) -> Vec<u8> {
    let mut d = Decoder::resume(c, point);
    let mut out = Vec::new();
    let mut emit = |b: &[u8]| out.extend_from_slice(b);
    for piece in input[point.stored as usize..end].chunks(chunk) {
        d.feed(piece, &mut emit)
            .unwrap_or_else(|e| panic!("{c} from {point:?}: {e}"));
    }
    if end == input.len() {
        d.finish(&mut emit)
    } else {
        d.flush(&mut emit)
    }
    .unwrap_or_else(|e| panic!("{c} from {point:?}: {e}"));
    out
}

/// http.pcap (real nginx traffic, hardly compressible: four 100 kB bzip2 blocks), made
/// with the bzip2 crate's encoder (libbzip2's, as `bzip2 -1`) rather than kept as a file.
const HTTP: &[u8] = include_bytes!("../../../../tests/data/servers/http.pcap");

fn restart_cases() -> Vec<(Compression, Vec<u8>, &'static [u8], usize)> {
    let mut cases: Vec<_> = MC_FILES
        .iter()
        .map(|&(c, f, n)| (c, f.to_vec(), MC, n))
        .collect();
    let mut bz = ::bzip2::Compress::new(::bzip2::Compression::fast(), 30);
    let mut v = Vec::with_capacity(HTTP.len() + 4096);
    let _ = bz.compress_vec(HTTP, &mut v, ::bzip2::Action::Finish);
    cases.push((Compression::Bzip2, v, HTTP, 2));
    cases
}

#[test]
fn decoding_from_every_restart_point_gives_the_same_bytes() {
    for (c, file, plain, least) in restart_cases() {
        let file = &file[..];
        // Recording does not change the output, and does not depend on the chunking.
        let (out, restarts) = decode_recording(c, file, 1 << 20, 1);
        assert!(out == plain, "{c}: {} bytes", out.len());
        for chunk in [1, 333, 4096] {
            assert_eq!(
                decode_recording(c, file, chunk, 1).1,
                restarts,
                "{c} chunk {chunk}"
            );
        }
        assert!(
            restarts.points.len() >= least,
            "{c}: {} restart points, expected at least {least}",
            restarts.points.len()
        );
        let mut last = (0, 0);
        for (k, p) in restarts.points.iter().enumerate() {
            assert!(
                p.stored > last.0 && p.plain > last.1,
                "{c}: points in order"
            );
            last = (p.stored, p.plain);
            // To the end of the file: exactly the rest of the output.
            for chunk in [7, 100_000] {
                let rest = decode_from(c, file, p, file.len(), chunk);
                assert!(
                    rest == plain[p.plain as usize..],
                    "{c} point {k} {p:?}: {} bytes",
                    rest.len()
                );
            }
            // To the next point (and one byte more): at least up to its output.
            if let Some(q) = restarts.points.get(k + 1) {
                let part = decode_from(c, file, p, (q.stored as usize + 1).min(file.len()), 5000);
                let want = &plain[p.plain as usize..q.plain as usize];
                assert!(
                    part.len() >= want.len() && part[..want.len()] == *want,
                    "{c} point {k} {p:?} next {q:?}: {} bytes of {}",
                    part.len(),
                    want.len()
                );
            }
        }
    }
}

#[test]
fn restart_points_are_spaced_and_their_memory_bounded() {
    for (c, file, _, _) in restart_cases() {
        let file = &file[..];
        let (_, all) = decode_recording(c, file, 4096, 1);
        let (_, spaced) = decode_recording(c, file, 4096, 100_000);
        assert!(spaced.points.len() <= all.points.len());
        for w in spaced.points.windows(2) {
            assert!(w[1].plain - w[0].plain >= 100_000, "{c}");
        }
        // gzip windows are at most 32 KiB; the other formats' points are small.
        for p in &all.points {
            let size = match &p.state {
                RestartState::Deflate { window, .. } => window.len(),
                _ => 0,
            };
            assert!(size <= 32 << 10, "{c}");
        }
        assert_eq!(
            decode_recording(c, file, 4096, u64::MAX).1.points,
            [],
            "{c}"
        );
    }
}

/// Damage is reported the same, at the same offset (bzip2: nearly), after the same
/// output, whether restart points are recorded or not.
#[test]
fn recording_restart_points_changes_no_error() {
    for (c, file, _, _) in restart_cases() {
        for at in [file.len() / 3, file.len() / 2, file.len() * 4 / 5] {
            let mut bad = file.clone();
            bad[at] ^= 0x5a;
            let plain = decode(c, &bad, 4096);
            let mut d = Decoder::new(c).with_restarts(1);
            let mut out = Vec::new();
            let mut emit = |b: &[u8]| out.extend_from_slice(b);
            let mut r = Ok(());
            for piece in bad.chunks(4096) {
                r = d.feed(piece, &mut emit);
                if r.is_err() {
                    break;
                }
            }
            if r.is_ok() {
                r = d.finish(&mut emit);
            }
            assert_eq!(out.len(), plain.0.len(), "{c} damaged at {at}");
            let (a, b) = match (r, plain.1.clone()) {
                (Err(a), Err(b)) => (a, b),
                (a, b) => {
                    assert_eq!(a, b, "{c} damaged at {at}");
                    continue;
                }
            };
            assert_eq!(a.kind, b.kind, "{c} damaged at {at}");
            // Inside a bzip2 block, the offset is where libbzip2 noticed (it checks the
            // block's CRC after its output): feeding it up to each block magic, as
            // recording does, may move that by a few bytes.
            let slack = if c == Compression::Bzip2 { 16 } else { 0 };
            assert!(
                a.offset.abs_diff(b.offset) <= slack,
                "{c} damaged at {at}: {a} / {b}"
            );
        }
    }
}
