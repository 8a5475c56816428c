//! The Dns parser (to be written).

use serde::Serialize;

/// What a Dns transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Dns {}
