//! The page's components, one per file, grouped by area.

pub mod app;
mod charts;
mod client;
mod detail;
mod files;
mod filter;
mod follow;
mod format;
mod lake;
mod open;
mod packets;
mod resize;
mod state;
mod summary;
mod tables;
mod url_state;
mod views;
mod virtual_rows;
