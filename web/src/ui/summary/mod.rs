//! What was opened: counts, files, and any damage found.

mod capture_summary;
mod error_list;

pub use capture_summary::CaptureSummary;
pub use error_list::ErrorList;
