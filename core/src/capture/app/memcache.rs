//! memcached transactions (text and binary protocols).

use serde::Serialize;
use std::sync::Arc;

/// What a memcached transaction says. Its text is shared: the ingest keeps each
/// distinct command, key, argument and reply word once per capture (real traffic asks
/// for the same hot keys over and over, with a handful of commands and replies).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Memcache {
    /// The binary protocol (else text).
    pub binary: bool,
    /// The command as sent (`get`, `set`, `mg`, …); for the binary protocol the opcode's
    /// name in the spec (`get`, `getkq`, `increment`, …).
    pub command: Arc<str>,
    /// The binary opcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opcode: Option<u8>,
    /// The keys, with what happened to each.
    pub keys: Vec<Key>,
    /// The first argument that is not a key: `incr`/`decr` delta, `touch`/`gat`
    /// expiration, `stats` group, `flush_all` delay, `verbosity` level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<Arc<str>>,
    /// No reply expected on success (`noreply`, meta `q`, binary quiet opcodes).
    pub noreply: bool,
    /// The reply: its first word (`STORED`, `END`, `NOT_FOUND`, `CLIENT_ERROR`, the
    /// number of an `incr`, meta `HD`/`EN`/`VA`…) or the binary status's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Arc<str>>,
    /// The binary status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// The rest of an error or `VERSION` line, or a binary error's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Arc<str>>,
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
    pub key: Arc<str>,
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

/// The commands Wireshark's memcache dissector names in text requests
/// (`memcache.command`): the first word of a request line it knows.
pub const COMMANDS: [&str; 15] = [
    "get",
    "gets",
    "set",
    "add",
    "replace",
    "append",
    "prepend",
    "cas",
    "incr",
    "decr",
    "delete",
    "stats",
    "flush_all",
    "quit",
    "version",
];

/// [`CommandIndex::commands`] of a message that names no command.
pub const NO_COMMAND: u8 = u8::MAX;

/// Where Wireshark shows a memcache message (`memcache`) and its command
/// (`memcache.command`), noted while the capture was read, so a filter or a column on
/// them needs no second reading of the packets: 5 bytes a message. Only for the
/// conversations it covers; the others' PDUs are dissected again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandIndex {
    /// Per conversation (indexed like `Capture::conversations`; empty when the
    /// application layer did not run): `packets` holds every `memcache.command` of it.
    pub covered: Vec<bool>,
    /// The packet (index into `Capture::packets`) of each message shown, in packet order
    /// (several in one packet in the order Wireshark shows them).
    pub packets: Vec<u32>,
    /// Each message's command, an index into [`COMMANDS`] or [`NO_COMMAND`], beside its
    /// packet.
    pub commands: Vec<u8>,
}

impl CommandIndex {
    /// Whether conversation `conv` is covered.
    pub fn covers(&self, conv: u32) -> bool {
        self.covered.get(conv as usize).copied().unwrap_or(false)
    }
}
