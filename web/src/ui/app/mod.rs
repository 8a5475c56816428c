//! The page as a whole: toolbar, filter bar, and the workspace.

mod root;
mod theme_toggle;
mod toolbar;
mod workspace;

pub use root::App;
