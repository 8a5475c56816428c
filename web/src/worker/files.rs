//! Files the worker makes for the page to save: written into a `Blob` in pieces, so a
//! large export does not sit in wasm memory whole.

use js_sys::{Array, Uint8Array};
use std::io::{self, Write};
use web_sys::{Blob, BlobPropertyBag};
use wirelens_web::protocol::FileData;

/// Bytes written are moved out of wasm memory each time this many have gathered.
const PIECE: usize = 8 << 20;

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

    fn spill(&mut self) {
        if !self.buf.is_empty() {
            self.parts.push(&Uint8Array::from(&self.buf[..]));
            self.buf.clear();
        }
    }

    /// The file.
    pub fn finish(mut self, name: String, mime: &str) -> Result<FileData, String> {
        self.spill();
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
            self.spill();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A file of these bytes.
pub fn file(name: String, mime: &str, data: &[u8]) -> Result<FileData, String> {
    let mut w = BlobWriter::new();
    w.write_all(data).map_err(|e| e.to_string())?;
    w.finish(name, mime)
}
