//! The Memcache parser (to be written).

use serde::Serialize;

/// What a Memcache transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Memcache {}
