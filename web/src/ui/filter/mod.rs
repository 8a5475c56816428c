//! The display filter bar: live validation, field-name autocomplete, history.

mod error_echo;
mod field_input;
mod filter_bar;
mod suggest;

pub use filter_bar::FilterBar;
