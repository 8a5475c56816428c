//! The views of the lower pane: the selected packet, conversations, endpoints, sessions,
//! expert info and the protocol hierarchy.

mod app_view;
mod conversations;
mod cut_tools;
mod endpoints;
mod expert;
mod hierarchy;
mod lake_export;
mod layer_tabs;
mod sessions;
mod sql;
mod view_pane;
mod view_tabs;

pub use view_pane::ViewPane;
