//! The Mysql parser (to be written).

use serde::Serialize;

/// What a Mysql transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Mysql {}
