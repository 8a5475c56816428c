//! The Redis parser (to be written).

use serde::Serialize;

/// What a Redis transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Redis {}
