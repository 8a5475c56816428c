//! Wirelens core: capture formats, dissection, flows and the packet index.
//!
//! No I/O and no platform dependencies: the same code runs in the browser (wasm32, in a
//! Web Worker) and natively in the CLI. Bytes are pushed in with [`Ingest::feed`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod app;
pub mod decompress;
pub mod export;
pub mod fields;
pub mod filter;
pub mod flow;
pub mod follow;
pub mod index;
mod ingest;
pub mod reassembly;
pub mod session;
pub mod source;
pub mod stats;
pub mod tcp;
pub mod wire;

pub use ingest::{ingest_bytes, Capture, CaptureInterface, FileInfo, Ingest, IngestError, TcpAck};
