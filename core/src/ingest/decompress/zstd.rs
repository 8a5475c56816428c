//! zstd (RFC 8878): frames and blocks framed here, decoded by `ruzstd` one block at a time.

use super::{corrupt, unsupported, DecompressErrorKind, Fail, Sink, MAX_WINDOW};
use crate::capture::restart::{RestartPoint, RestartState};

/// Largest block, compressed or not (RFC 8878 §3.1.1.2.3).
const ZSTD_MAX_BLOCK: usize = 128 * 1024;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

pub(super) struct Zstd {
    frame: ruzstd::decoding::FrameDecoder,
    state: ZState,
    /// The unit being assembled (frame header, or block header + body [+ checksum]).
    pending: Vec<u8>,
    /// Compressed offset of `pending[0]`.
    unit_at: u64,
    /// Frames started (skippable ones included).
    frames: u64,
    /// The current frame ends with a content checksum.
    checksum: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ZState {
    /// At the start of a frame (or at the end of the input).
    Magic,
    /// Inside a frame, at a block.
    Block,
    /// Inside a skippable frame's data.
    Skip { left: u64 },
}

/// Sends `ruzstd`'s output on (it drains into a `Write`).
struct ZWriter<'s, 'a>(&'s mut Sink<'a>);

impl std::io::Write for ZWriter<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.emit(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Zstd {
    pub(super) fn new() -> Self {
        let mut frame = ruzstd::decoding::FrameDecoder::new();
        frame.set_max_window_size(MAX_WINDOW as u64);
        Self {
            frame,
            state: ZState::Magic,
            pending: Vec::new(),
            unit_at: 0,
            frames: 0,
            checksum: false,
        }
    }

    /// A decoder that starts at a restart point (a frame's start).
    pub(super) fn resume(point: &RestartPoint) -> Self {
        let mut z = Self::new();
        z.frames = 1;
        z.unit_at = point.stored;
        z
    }

    /// Total length of the unit starting at `pending[0]`, as far as its first bytes tell
    /// (it may grow as more of a header arrives).
    fn unit_len(&self) -> Result<usize, Fail> {
        let p = &self.pending;
        match self.state {
            ZState::Magic => {
                if p.len() < 4 {
                    return Ok(4);
                }
                if p[..4] == ZSTD_MAGIC {
                    let Some(&fhd) = p.get(4) else { return Ok(5) };
                    // §3.1.1.1.1: Frame_Header_Descriptor.
                    let single_segment = fhd & 0x20 != 0;
                    let window = usize::from(!single_segment);
                    let dict_id = [0, 1, 2, 4][usize::from(fhd & 3)];
                    let fcs = match fhd >> 6 {
                        0 => usize::from(single_segment),
                        1 => 2,
                        2 => 4,
                        _ => 8,
                    };
                    return Ok(5 + window + dict_id + fcs);
                }
                // §3.1.2: skippable frames, magic 0x184D2A5?.
                if p[0] & 0xf0 == 0x50 && p[1..4] == [0x2a, 0x4d, 0x18] {
                    return Ok(8);
                }
                Err(if self.frames == 0 {
                    corrupt(self.unit_at, "not a zstd frame")
                } else {
                    (self.unit_at, DecompressErrorKind::TrailingData)
                })
            }
            ZState::Block => {
                if p.len() < 3 {
                    return Ok(3);
                }
                let (last, body) = self.block_header()?;
                Ok(3 + body + if last && self.checksum { 4 } else { 0 })
            }
            ZState::Skip { .. } => Ok(0),
        }
    }

    /// Parses the block header at `pending[..3]` (§3.1.1.2): last-block flag, body length.
    fn block_header(&self) -> Result<(bool, usize), Fail> {
        let Some(&[a, b, c]) = self.pending.first_chunk::<3>() else {
            return Err(corrupt(self.unit_at, "block header cut short"));
        };
        let h = u32::from_le_bytes([a, b, c, 0]);
        let size = (h >> 3) as usize;
        if size > ZSTD_MAX_BLOCK {
            return Err(corrupt(
                self.unit_at,
                format!("block of {size} bytes, more than 128 KiB"),
            ));
        }
        let body = match (h >> 1) & 3 {
            0 | 2 => size, // raw, compressed
            1 => 1,        // RLE: one byte repeated `size` times
            _ => return Err(corrupt(self.unit_at, "reserved block type")),
        };
        Ok((h & 1 != 0, body))
    }

    pub(super) fn feed(
        &mut self,
        input: &[u8],
        base: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if let ZState::Skip { left } = self.state {
                let n = left.min(rest.len() as u64);
                pos += n as usize;
                if n < left {
                    self.state = ZState::Skip { left: left - n };
                    return Ok(());
                }
                self.state = ZState::Magic;
                self.unit_at = base + pos as u64;
                continue;
            }
            if self.state == ZState::Magic && self.pending.is_empty() && rest.is_empty() {
                return Ok(());
            }
            let need = self.unit_len()?;
            if self.pending.len() < need {
                let n = (need - self.pending.len()).min(rest.len());
                self.pending.extend_from_slice(&rest[..n]);
                pos += n;
                if self.pending.len() < need {
                    return Ok(());
                }
                continue; // A longer header may now say the unit is longer still.
            }
            self.unit(sink)?;
            self.unit_at += self.pending.len() as u64;
            self.pending.clear();
        }
    }

    /// Decodes the complete unit in `pending`.
    fn unit(&mut self, sink: &mut Sink<'_>) -> Result<(), Fail> {
        use ruzstd::decoding::errors::FrameDecoderError as E;
        use ruzstd::decoding::BlockDecodingStrategy;
        let at = self.unit_at;
        match self.state {
            ZState::Magic if self.pending.get(..4) == Some(&ZSTD_MAGIC[..]) => {
                // A frame depends on nothing before it: a restart point.
                if self.frames > 0 && sink.due() {
                    sink.record(at, RestartState::Unit);
                }
                self.frames += 1;
                self.checksum = self.pending.get(4).is_some_and(|fhd| fhd & 4 != 0);
                self.frame
                    .reset(&mut self.pending.as_slice())
                    .map_err(|e| match e {
                        E::WindowSizeTooBig { requested, max } => unsupported(
                            at,
                            format!(
                                "a window of {requested} bytes, more than the {max}-byte limit"
                            ),
                        ),
                        E::DictNotProvided { dict_id } => unsupported(
                            at,
                            format!("needs dictionary {dict_id}, which we do not have"),
                        ),
                        e => corrupt(at, format!("bad frame header: {e}")),
                    })?;
                self.state = ZState::Block;
            }
            ZState::Magic => {
                self.frames += 1;
                // Frame_Size, after the magic (`unit_len` made it 8 bytes).
                let len = self
                    .pending
                    .get(4..8)
                    .and_then(|s| s.try_into().ok())
                    .map_or(0, u32::from_le_bytes);
                self.state = ZState::Skip {
                    left: u64::from(len),
                };
            }
            ZState::Block => {
                let (last, _) = self.block_header()?;
                self.frame
                    .decode_blocks(
                        &mut self.pending.as_slice(),
                        BlockDecodingStrategy::UptoBlocks(1),
                    )
                    .map_err(|e| corrupt(at, format!("bad block: {e}")))?;
                self.frame
                    .collect_to_writer(ZWriter(sink))
                    .map_err(|e| corrupt(at, format!("cannot drain the block: {e}")))?;
                if last {
                    self.state = ZState::Magic;
                    if self.checksum {
                        let stored = self.frame.get_checksum_from_data();
                        let actual = self.frame.get_calculated_checksum();
                        if stored != actual {
                            return Err(corrupt(
                                at + self.pending.len() as u64 - 4,
                                format!(
                                    "content checksum mismatch (frame says {:08x}, data gives {:08x})",
                                    stored.unwrap_or(0),
                                    actual.unwrap_or(0)
                                ),
                            ));
                        }
                    }
                }
            }
            ZState::Skip { .. } => {}
        }
        Ok(())
    }

    pub(super) fn finish(&mut self, end: u64, sink: &mut Sink<'_>) -> Result<(), Fail> {
        match self.state {
            ZState::Magic if self.pending.is_empty() && self.frames > 0 => Ok(()),
            ZState::Block => {
                self.flush_cut_frame(sink);
                Err((end, DecompressErrorKind::Truncated))
            }
            _ => Err((end, DecompressErrorKind::Truncated)),
        }
    }

    /// The input ends inside a frame. `ruzstd` holds back the last window of output for
    /// back-references until the frame's last block; end the frame by hand so it lets go:
    /// decode the cut block if only its checksum is missing, else append an empty last
    /// block. Checksums are not verified: the frame is incomplete anyway.
    fn flush_cut_frame(&mut self, sink: &mut Sink<'_>) {
        use ruzstd::decoding::BlockDecodingStrategy;
        let whole_block = match self.block_header() {
            Ok((true, body)) if self.pending.len() >= 3 + body => Some(3 + body),
            _ => None,
        };
        let mut unit = match whole_block {
            Some(n) => self.pending[..n].to_vec(),
            // An empty raw block with the last-block flag set.
            None => vec![1, 0, 0],
        };
        if self.checksum {
            unit.extend_from_slice(&[0; 4]);
        }
        if self
            .frame
            .decode_blocks(&mut unit.as_slice(), BlockDecodingStrategy::UptoBlocks(1))
            .is_ok()
        {
            let _ = self.frame.collect_to_writer(ZWriter(sink));
        }
        self.pending.clear();
    }
}
