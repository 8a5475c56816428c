//! Files the worker makes for the page to save: written into a `Blob` in pieces, so a
//! large export does not sit in wasm memory whole, nor in the worker's JS heap: each
//! piece becomes a `Blob` of its own as soon as it is full, whose bytes the browser keeps
//! (on disk when they are many), and the file is those Blobs joined.

use js_sys::{Array, Uint8Array};
use std::io::{self, Write};
use web_sys::{Blob, BlobPropertyBag};
use wirelens_web::protocol::FileData;

/// Bytes written are moved out of wasm memory each time this many have gathered.
const PIECE: usize = 8 << 20;

/// A `Blob` of a copy of `bytes`, which the browser keeps out of wasm memory.
pub fn blob_of(bytes: &[u8]) -> Result<Blob, String> {
    Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes)))
        .map_err(crate::blob::describe)
}

/// A `Write` that ends as a `Blob`.
pub struct BlobWriter {
    parts: Array,
    buf: Vec<u8>,
}

impl BlobWriter {
    pub fn new() -> Self {
        BlobWriter {
            parts: Array::new(),
            buf: Vec::with_capacity(PIECE),
        }
    }

    fn spill(&mut self) -> Result<(), String> {
        if !self.buf.is_empty() {
            // A Blob now, not a Uint8Array kept until the end: held as typed arrays, a
            // 1.2 GB zip took 2.9 GB of the tab's memory; as Blobs it leaves the tab.
            let piece = blob_of(&self.buf)?;
            self.parts.push(&piece);
            self.buf.clear();
        }
        Ok(())
    }

    /// Appends a Blob's bytes (a piece kept aside while other bytes were written).
    pub fn blob(&mut self, piece: &Blob) -> Result<(), String> {
        self.spill()?;
        self.parts.push(piece);
        Ok(())
    }

    /// The file.
    pub fn finish(mut self, name: String, mime: &str) -> Result<FileData, String> {
        self.spill()?;
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        let blob = Blob::new_with_u8_array_sequence_and_options(&self.parts, &options)
            .map_err(crate::blob::describe)?;
        Ok(FileData { name, blob })
    }
}

impl Write for BlobWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PIECE {
            self.spill().map_err(io::Error::other)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
