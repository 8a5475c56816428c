//! bzip2: the `bzip2` crate (on `libbz2-rs-sys`, a Rust port of libbzip2 1.0.8), one
//! stream after another as bzip2(1) reads them.

use super::{corrupt, unsupported, DecompressErrorKind, Fail, Sink};

pub(super) struct Bzip2 {
    /// The current stream's decoder; `None` between streams.
    stream: Option<::bzip2::Decompress>,
    /// Compressed offset where the current stream starts.
    stream_at: u64,
    /// Streams started.
    streams: u64,
}

impl Bzip2 {
    pub(super) fn new() -> Self {
        Self {
            stream: None,
            stream_at: 0,
            streams: 0,
        }
    }

    pub(super) fn feed(
        &mut self,
        input: &[u8],
        base: u64,
        buf: &mut [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), Fail> {
        use ::bzip2::{Error, Status};
        let mut pos = 0;
        loop {
            let dec = match &mut self.stream {
                Some(dec) => dec,
                None => {
                    if pos >= input.len() {
                        return Ok(());
                    }
                    // Like bzip2(1), a new stream may follow the end of one.
                    self.streams += 1;
                    self.stream_at = base + pos as u64;
                    self.stream.insert(::bzip2::Decompress::new(false))
                }
            };
            let rest = input.get(pos..).unwrap_or_default();
            let (in0, out0) = (dec.total_in(), dec.total_out());
            let r = dec.decompress(rest, buf);
            let used = dec.total_in().saturating_sub(in0) as usize;
            let written = dec.total_out().saturating_sub(out0) as usize;
            pos += used.min(rest.len());
            sink.emit(buf.get(..written).unwrap_or_default());
            let at = base + pos as u64;
            match r {
                Ok(Status::StreamEnd) => self.stream = None,
                Ok(Status::MemNeeded) => {
                    return Err(unsupported(at, "the decoder ran out of memory"))
                }
                Ok(_) => {
                    if pos >= input.len() && written < buf.len() {
                        return Ok(());
                    }
                    if used == 0 && written == 0 {
                        return Err(corrupt(at, "the decoder made no progress"));
                    }
                }
                Err(Error::DataMagic) if self.streams > 1 => {
                    return Err((self.stream_at, DecompressErrorKind::TrailingData))
                }
                Err(Error::DataMagic) => return Err(corrupt(at, "not a bzip2 stream")),
                Err(Error::Data) => {
                    return Err(corrupt(at, "invalid compressed data or CRC mismatch"))
                }
                Err(e) => return Err(corrupt(at, e.to_string())),
            }
        }
    }

    pub(super) fn finish(&mut self, end: u64) -> Result<(), Fail> {
        if self.stream.is_some() || self.streams == 0 {
            return Err((end, DecompressErrorKind::Truncated));
        }
        Ok(())
    }
}

// zstd (RFC 8878)
