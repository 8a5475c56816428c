//! Follow stream: one conversation's payload, both directions.

mod follow_view;

pub use follow_view::FollowView;
