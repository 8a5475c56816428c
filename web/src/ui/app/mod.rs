//! The page as a whole.

mod root;

pub use root::App;
