//! The Tls parser (to be written).

use serde::Serialize;

/// What a Tls transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tls {}
