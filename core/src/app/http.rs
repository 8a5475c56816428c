//! The Http parser (to be written).

use serde::Serialize;

/// What a Http transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Http {}
