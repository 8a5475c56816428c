//! The page's components, one per file, grouped by area.

pub mod app;
mod client;
mod conversations;
mod format;
mod open;
mod packets;
mod state;
mod summary;
