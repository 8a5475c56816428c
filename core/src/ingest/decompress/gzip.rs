//! gzip (RFC 1952): member framing (header fields, FHCRC, CRC-32, ISIZE, concatenated
//! members, zero padding after the last) around `miniz_oxide`'s raw deflate.

use super::detect::magic_byte;
use super::{corrupt, unsupported, DecompressErrorKind, Fail, Sink};
use crate::capture::file::Compression;
use crate::capture::restart::{RestartPoint, RestartState};
use miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE;

mod gz_flag {
    pub const FHCRC: u8 = 0x02;
    pub const FEXTRA: u8 = 0x04;
    pub const FNAME: u8 = 0x08;
    pub const FCOMMENT: u8 = 0x10;
    pub const RESERVED: u8 = 0xe0;
}

pub(super) struct Gzip {
    state: GzState,
    /// miniz_oxide's core decoder over our own 32 KiB window (not its stream wrapper,
    /// which drops the window's pending output when it meets damaged data: every byte
    /// decoded before the damage must reach the reader).
    inflate: Box<miniz_oxide::inflate::core::DecompressorOxide>,
    window: Box<[u8; miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE]>,
    window_pos: usize,
    /// CRC-32 and size (mod 2^32) of the current member's output, for its trailer.
    crc: crc32fast::Hasher,
    size: u32,
    /// Members completed.
    members: u64,
    /// Output of the current member so far (how much of `window` is its own).
    member_out: u64,
}

enum GzState {
    Header(GzHeader),
    Body,
    /// The 8-byte trailer (CRC-32, ISIZE), starting at compressed offset `at`.
    Trailer {
        bytes: [u8; 8],
        have: usize,
        at: u64,
    },
    /// Zero bytes after the last member, which gzip ignores.
    Padding,
}

/// A member header being read byte by byte (its optional fields have no length bound
/// worth buffering: names and comments end at a zero byte).
struct GzHeader {
    fixed: [u8; 10],
    /// Header bytes seen so far.
    seen: u64,
    stage: HeaderStage,
    /// CRC-32 of the header bytes so far, for FHCRC.
    crc: crc32fast::Hasher,
}

#[derive(Clone, Copy)]
enum HeaderStage {
    Fixed,
    ExtraLen { lo: Option<u8> },
    Extra { left: u16 },
    Name,
    Comment,
    Hcrc { lo: Option<u8> },
}

impl GzHeader {
    fn new() -> Self {
        Self {
            fixed: [0; 10],
            seen: 0,
            stage: HeaderStage::Fixed,
            crc: crc32fast::Hasher::new(),
        }
    }

    fn flags(&self) -> u8 {
        self.fixed[3]
    }

    /// The stage after `done` (the optional fields come in the order of RFC 1952 §2.3).
    fn next_stage(&self, done: HeaderStage) -> Option<HeaderStage> {
        let f = self.flags();
        let order = [
            (gz_flag::FEXTRA, HeaderStage::ExtraLen { lo: None }),
            (gz_flag::FNAME, HeaderStage::Name),
            (gz_flag::FCOMMENT, HeaderStage::Comment),
            (gz_flag::FHCRC, HeaderStage::Hcrc { lo: None }),
        ];
        let from = match done {
            HeaderStage::Fixed => 0,
            HeaderStage::ExtraLen { .. } | HeaderStage::Extra { .. } => 1,
            HeaderStage::Name => 2,
            HeaderStage::Comment => 3,
            HeaderStage::Hcrc { .. } => 4,
        };
        order
            .iter()
            .skip(from)
            .find(|(bit, _)| f & bit != 0)
            .map(|&(_, s)| s)
    }

    /// Takes one header byte at compressed offset `at`; returns whether the header is
    /// complete. `first` says whether this is the file's first member.
    fn byte(&mut self, b: u8, at: u64, first: bool) -> Result<bool, Fail> {
        let seen = self.seen;
        self.seen += 1;
        let stage = self.stage;
        if !matches!(stage, HeaderStage::Hcrc { .. }) {
            self.crc.update(&[b]);
        }
        let next = match stage {
            HeaderStage::Fixed => {
                let i = seen as usize;
                if let Some(slot) = self.fixed.get_mut(i) {
                    *slot = b;
                }
                if i < 2 && !magic_byte(Compression::Gzip, i, b) {
                    return Err(if first {
                        corrupt(at, "not a gzip header")
                    } else {
                        (at - seen, DecompressErrorKind::TrailingData)
                    });
                }
                if i == 2 && b != 8 {
                    return Err(unsupported(
                        at,
                        format!("compression method {b} (only 8, deflate, exists)"),
                    ));
                }
                if i == 3 && b & gz_flag::RESERVED != 0 {
                    return Err(corrupt(at, format!("reserved header flags set ({b:#04x})")));
                }
                if i < 9 {
                    return Ok(false);
                }
                self.next_stage(stage)
            }
            HeaderStage::ExtraLen { lo: None } => Some(HeaderStage::ExtraLen { lo: Some(b) }),
            HeaderStage::ExtraLen { lo: Some(lo) } => {
                let left = u16::from_le_bytes([lo, b]);
                if left == 0 {
                    self.next_stage(stage)
                } else {
                    Some(HeaderStage::Extra { left })
                }
            }
            HeaderStage::Extra { left } => {
                if left > 1 {
                    Some(HeaderStage::Extra { left: left - 1 })
                } else {
                    self.next_stage(stage)
                }
            }
            HeaderStage::Name | HeaderStage::Comment => {
                if b == 0 {
                    self.next_stage(stage)
                } else {
                    Some(stage)
                }
            }
            HeaderStage::Hcrc { lo: None } => Some(HeaderStage::Hcrc { lo: Some(b) }),
            HeaderStage::Hcrc { lo: Some(lo) } => {
                let stored = u16::from_le_bytes([lo, b]);
                // FHCRC is the low 16 bits of the CRC-32 of the header before it.
                let actual = (self.crc.clone().finalize() & 0xffff) as u16;
                if stored != actual {
                    return Err(corrupt(
                        at - 1,
                        format!("header CRC mismatch (stored {stored:04x}, computed {actual:04x})"),
                    ));
                }
                None
            }
        };
        match next {
            Some(s) => {
                self.stage = s;
                Ok(false)
            }
            None => Ok(true),
        }
    }
}

impl Gzip {
    pub(super) fn new() -> Self {
        use miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE;
        Self {
            state: GzState::Header(GzHeader::new()),
            inflate: Box::default(),
            window: Box::new([0; TINFL_LZ_DICT_SIZE]),
            window_pos: 0,
            crc: crc32fast::Hasher::new(),
            size: 0,
            members: 0,
            member_out: 0,
        }
    }

    /// A decoder that starts at a restart point: a member's start, or a deflate block
    /// boundary inside one (with the bits, window, CRC and size the member had there).
    pub(super) fn resume(point: &RestartPoint) -> Self {
        use miniz_oxide::inflate::core::{BlockBoundaryState, DecompressorOxide};
        let mut g = Self::new();
        if let RestartState::Deflate {
            num_bits,
            bit_buf,
            window,
            crc,
            size,
        } = &point.state
        {
            g.state = GzState::Body;
            g.inflate = Box::new(DecompressorOxide::from_block_boundary_state(
                &BlockBoundaryState {
                    num_bits: *num_bits,
                    bit_buf: *bit_buf,
                    ..BlockBoundaryState::default()
                },
            ));
            // The window ends where output resumes (position 0 of the ring).
            let n = window.len().min(TINFL_LZ_DICT_SIZE);
            g.window[TINFL_LZ_DICT_SIZE - n..].copy_from_slice(&window[window.len() - n..]);
            g.crc = crc32fast::Hasher::new_with_initial_len(*crc, u64::from(*size));
            g.size = *size;
            g.member_out = n as u64;
        } else {
            // Not the file's first member (trailing data rules).
            g.members = 1;
        }
        g
    }

    /// A restart point at a deflate block boundary, the inflater stopped there with the
    /// member's output so far in `window`.
    fn block_point(&self) -> Option<RestartState> {
        let st = self.inflate.block_boundary_state()?;
        let n = (self.member_out as usize).min(TINFL_LZ_DICT_SIZE);
        let mut window = Vec::with_capacity(n);
        let start = (self.window_pos + TINFL_LZ_DICT_SIZE - n) % TINFL_LZ_DICT_SIZE;
        if start + n <= TINFL_LZ_DICT_SIZE {
            window.extend_from_slice(&self.window[start..start + n]);
        } else {
            window.extend_from_slice(&self.window[start..]);
            window.extend_from_slice(&self.window[..start + n - TINFL_LZ_DICT_SIZE]);
        }
        Some(RestartState::Deflate {
            num_bits: st.num_bits,
            bit_buf: st.bit_buf,
            window: window.into_boxed_slice(),
            crc: self.crc.clone().finalize(),
            size: self.size,
        })
    }

    pub(super) fn feed(
        &mut self,
        input: &[u8],
        base: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        let mut pos = 0;
        loop {
            match &mut self.state {
                GzState::Header(h) => {
                    let Some(&b) = input.get(pos) else {
                        return Ok(());
                    };
                    if b == 0 && h.seen == 0 && self.members > 0 {
                        self.state = GzState::Padding;
                        continue;
                    }
                    // A member depends on nothing before it: a restart point.
                    if h.seen == 0 && self.members > 0 && sink.due() {
                        sink.record(base + pos as u64, RestartState::Unit);
                    }
                    let done = h.byte(b, base + pos as u64, self.members == 0)?;
                    pos += 1;
                    if done {
                        self.state = GzState::Body;
                    }
                }
                GzState::Body => {
                    let rest = input.get(pos..).unwrap_or_default();
                    let (used, end) = self.inflate_some(rest, base + pos as u64, sink)?;
                    pos += used;
                    if !end {
                        return Ok(());
                    }
                    self.state = GzState::Trailer {
                        bytes: [0; 8],
                        have: 0,
                        at: base + pos as u64,
                    };
                }
                GzState::Trailer { bytes, have, at } => {
                    let rest = input.get(pos..).unwrap_or_default();
                    let n = (8 - *have).min(rest.len());
                    bytes[*have..*have + n].copy_from_slice(&rest[..n]);
                    *have += n;
                    pos += n;
                    if *have < 8 {
                        return Ok(());
                    }
                    let crc = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                    let size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
                    let actual = std::mem::take(&mut self.crc).finalize();
                    if crc != actual {
                        return Err(corrupt(
                            *at,
                            format!(
                                "CRC-32 mismatch (trailer says {crc:08x}, data gives {actual:08x})"
                            ),
                        ));
                    }
                    if size != self.size {
                        return Err(corrupt(
                            *at + 4,
                            format!(
                                "length mismatch (trailer says {size} mod 2^32, data gives {})",
                                self.size
                            ),
                        ));
                    }
                    self.members += 1;
                    self.size = 0;
                    self.member_out = 0;
                    self.inflate.init();
                    self.window_pos = 0;
                    self.state = GzState::Header(GzHeader::new());
                }
                GzState::Padding => {
                    let rest = input.get(pos..).unwrap_or_default();
                    return match rest.iter().position(|&b| b != 0) {
                        None => Ok(()),
                        Some(i) => {
                            Err((base + (pos + i) as u64, DecompressErrorKind::TrailingData))
                        }
                    };
                }
            }
        }
    }

    /// Inflates from `input` until it is used up or the member's deflate stream ends.
    /// Returns the bytes consumed and whether the deflate stream ended.
    fn inflate_some(
        &mut self,
        input: &[u8],
        base: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(usize, bool), Fail> {
        use miniz_oxide::inflate::core::decompress;
        use miniz_oxide::inflate::core::inflate_flags::{
            TINFL_FLAG_HAS_MORE_INPUT, TINFL_FLAG_STOP_ON_BLOCK_BOUNDARY,
        };
        use miniz_oxide::inflate::TINFLStatus;
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            // When a restart point is due, stop at the next block boundary.
            let flags = if sink.due() {
                TINFL_FLAG_HAS_MORE_INPUT | TINFL_FLAG_STOP_ON_BLOCK_BOUNDARY
            } else {
                TINFL_FLAG_HAS_MORE_INPUT
            };
            let (status, used, written) = decompress(
                &mut self.inflate,
                rest,
                &mut self.window[..],
                self.window_pos,
                flags,
            );
            pos += used;
            // The decoder writes from `window_pos` up to the window's end at most.
            let out = self
                .window
                .get(self.window_pos..self.window_pos + written)
                .unwrap_or_default();
            self.crc.update(out);
            self.size = self.size.wrapping_add(out.len() as u32);
            self.member_out += out.len() as u64;
            sink.emit(out);
            self.window_pos = (self.window_pos + written) & (TINFL_LZ_DICT_SIZE - 1);
            match status {
                TINFLStatus::Done => return Ok((pos, true)),
                TINFLStatus::HasMoreOutput => {}
                TINFLStatus::BlockBoundary => {
                    if let Some(state) = self.block_point() {
                        sink.record(base + pos as u64, state);
                    }
                }
                TINFLStatus::NeedsMoreInput => {
                    if pos >= input.len() {
                        return Ok((pos, false));
                    }
                    if used == 0 && written == 0 {
                        return Err(corrupt(
                            base + pos as u64,
                            "the deflate decoder made no progress",
                        ));
                    }
                }
                _ => return Err(corrupt(base + pos as u64, "invalid deflate data")),
            }
        }
    }

    pub(super) fn finish(&mut self, end: u64) -> Result<(), Fail> {
        match &self.state {
            GzState::Header(h) if h.seen == 0 && self.members > 0 => Ok(()),
            GzState::Padding => Ok(()),
            _ => Err((end, DecompressErrorKind::Truncated)),
        }
    }
}
