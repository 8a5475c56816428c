//! memcached transactions (text and binary protocols).

use serde::Serialize;

/// What a memcached transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Memcache {
    /// The binary protocol (else text).
    pub binary: bool,
    /// The command as sent (`get`, `set`, `mg`, …); for the binary protocol the opcode's
    /// name in the spec (`get`, `getkq`, `increment`, …).
    pub command: String,
    /// The binary opcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode: Option<u8>,
    /// The keys, with what happened to each.
    pub keys: Vec<Key>,
    /// The first argument that is not a key: `incr`/`decr` delta, `touch`/`gat`
    /// expiration, `stats` group, `flush_all` delay, `verbosity` level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    /// No reply expected on success (`noreply`, meta `q`, binary quiet opcodes).
    pub noreply: bool,
    /// The reply: its first word (`STORED`, `END`, `NOT_FOUND`, `CLIENT_ERROR`, the
    /// number of an `incr`, meta `HD`/`EN`/`VA`…) or the binary status's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The binary status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// The rest of an error or `VERSION` line, or a binary error's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Keys found (retrievals; also `delete`, `touch`, `incr`/`decr` that found theirs).
    pub hits: u32,
    /// Keys not found.
    pub misses: u32,
    /// Lines of a `stats` reply (or binary stat packets).
    #[serde(skip_serializing_if = "is_zero")]
    pub stats: u32,
    /// The reply was an error (`ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`, a binary status
    /// other than success, not-found, exists and not-stored).
    pub error: bool,
    /// Bytes of the request or reply were not captured, the command line was longer than
    /// [`MAX_LINE`], or the conversation ended before the reply.
    pub incomplete: bool,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// One key of a command.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Key {
    /// The key (bytes that are not UTF-8 are replaced).
    pub key: String,
    /// Found (true) or not (false); None when the command does not look keys up (storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hit: Option<bool>,
    /// The value's length: sent with a storage command, or returned for a hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_len: Option<u64>,
}

impl Memcache {
    /// Bytes of values in this transaction (sent and returned).
    pub fn value_bytes(&self) -> u64 {
        self.keys.iter().filter_map(|k| k.value_len).sum()
    }
}
