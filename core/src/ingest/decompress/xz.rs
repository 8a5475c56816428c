//! xz: `xz4rust` (a safe port of xz-embedded) with in/out buffers, streams and stream
//! padding handled here (xz file format §2).

use super::{corrupt, unsupported, DecompressErrorKind, Fail, Sink, MAX_WINDOW};

/// Largest input handed to the xz decoder per call: it reports no offset with an error,
/// so this bounds how far off the reported offset can be.
const XZ_IN_STEP: usize = 16 * 1024;

pub(super) struct Xz {
    dec: Box<xz4rust::XzDecoder<'static>>,
    /// Inside a stream (else between streams, where stream padding may come).
    in_stream: bool,
    /// Streams started.
    streams: u64,
    /// Zero bytes of stream padding since the last stream.
    padding: u64,
}

impl Xz {
    pub(super) fn new() -> Self {
        // The dictionary is allocated when a block header says how large it is.
        Self {
            dec: xz4rust::XzDecoder::in_heap_with_alloc_dict_size(0, MAX_WINDOW),
            in_stream: false,
            streams: 0,
            padding: 0,
        }
    }

    pub(super) fn feed(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            if !self.in_stream {
                // xz file format §2.2: streams may be followed by zero padding in multiples
                // of four bytes, and by further streams.
                let zeros = rest.iter().take_while(|&&b| b == 0).count();
                pos += zeros;
                self.padding += zeros as u64;
                let Some(&b) = rest.get(zeros) else {
                    return Ok(());
                };
                let at = base + pos as u64;
                if self.streams > 0 && (b != 0xfd || !self.padding.is_multiple_of(4)) {
                    return Err((at, DecompressErrorKind::TrailingData));
                }
                if self.streams == 0 && self.padding > 0 {
                    return Err(corrupt(at - self.padding, "not an xz stream"));
                }
                self.dec.reset();
                self.in_stream = true;
                self.streams += 1;
                self.padding = 0;
                continue;
            }
            if rest.is_empty() {
                return Ok(());
            }
            // Hold back the last byte for a call of its own: the decoder cannot be called
            // without input, so output still pending when it runs out of input would stay
            // stuck if the input ended there.
            let offer = rest
                .get(..(rest.len() - 1).clamp(1, XZ_IN_STEP))
                .unwrap_or(rest);
            let at = base + pos as u64;
            let r = self
                .dec
                .decode(offer, buf)
                .map_err(|e| xz_error(e, at, self.streams))?;
            let (used, written) = (r.input_consumed().min(offer.len()), r.output_produced());
            pos += used;
            sink.emit(buf.get(..written).unwrap_or_default());
            if r.is_end_of_stream() {
                self.in_stream = false;
            } else if used == 0 && written == 0 {
                return Err(corrupt(at, "the decoder made no progress"));
            }
        }
    }

    pub(super) fn finish(&mut self, end: u64) -> Result<(), Fail> {
        if self.in_stream || self.streams == 0 {
            return Err((end, DecompressErrorKind::Truncated));
        }
        if !self.padding.is_multiple_of(4) {
            return Err(corrupt(
                end - self.padding,
                "stream padding is not a multiple of four bytes",
            ));
        }
        Ok(())
    }
}

fn xz_error(e: xz4rust::XzError, at: u64, streams: u64) -> Fail {
    use xz4rust::XzError as E;
    match e {
        E::StreamHeaderMagicNumberMismatch if streams > 1 => {
            (at, DecompressErrorKind::TrailingData)
        }
        E::StreamHeaderMagicNumberMismatch => corrupt(at, "not an xz stream"),
        E::DictionaryTooLarge(n) => unsupported(
            at,
            format!("a dictionary of {n} bytes, more than the {MAX_WINDOW}-byte limit"),
        ),
        E::UnsupportedStreamHeaderOption
        | E::UnsupportedBlockHeaderOption
        | E::UnsupportedLzmaProperties(_)
        | E::UnsupportedCheckType(_)
        | E::UnsupportedBcjFilter(_) => unsupported(at, e.to_string()),
        e => corrupt(at, e.to_string()),
    }
}
