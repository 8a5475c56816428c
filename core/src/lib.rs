//! Wirelens core: the analysis of packet captures, in two halves.
//!
//! - [`ingest`]: the pipeline. Capture files are pushed in as chunks of bytes
//!   ([`ingest::Ingest::feed_file`]); formats, decompression, dissection, flows, TCP
//!   analysis, stream reassembly and the application parsers turn them into one
//!   [`capture::Capture`].
//! - [`query`]: everything asked of a finished capture: packet rows and columns, display
//!   filters, field values, follow stream, transactions and their tables, sessions,
//!   expert items, conversations and endpoints, export. Queries read the `Capture` and
//!   packet bytes re-read on demand; they never change it.
//!
//! [`capture`] holds the record both halves share, and nothing else. No I/O and no
//! platform dependencies: the same code runs in the browser (wasm32, in a Web Worker)
//! and natively in the CLI.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod capture;
pub mod ingest;
pub mod query;
