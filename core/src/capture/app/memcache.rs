//! memcached transactions (text and binary protocols).

use serde::Serialize;
use std::sync::Arc;

/// What a memcached transaction says, every field apart: what the ingest's parser fills
/// in, packed into a [`Memcache`] when the transaction is reported ([`Memcache::from`]),
/// and what [`Memcache::parts`] gives back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parts {
    /// The binary protocol (else text).
    pub binary: bool,
    /// The command as sent (`get`, `set`, `mg`, …); for the binary protocol the opcode's
    /// name in the spec (`get`, `getkq`, `increment`, …).
    pub command: Arc<str>,
    /// The binary opcode.
    pub opcode: Option<u8>,
    /// The keys, with what happened to each.
    pub keys: Vec<Key>,
    /// The first argument that is not a key: `incr`/`decr` delta, `touch`/`gat`
    /// expiration, `stats` group, `flush_all` delay, `verbosity` level.
    pub arg: Option<Arc<str>>,
    /// No reply expected on success (`noreply`, meta `q`, binary quiet opcodes).
    pub noreply: bool,
    /// The reply: its first word (`STORED`, `END`, `NOT_FOUND`, `CLIENT_ERROR`, the
    /// number of an `incr`, meta `HD`/`EN`/`VA`…) or the binary status's name.
    pub status: Option<Arc<str>>,
    /// The binary status code.
    pub status_code: Option<u16>,
    /// The rest of an error or `VERSION` line, or a binary error's text.
    pub message: Option<Arc<str>>,
    /// Keys found (retrievals; also `delete`, `touch`, `incr`/`decr` that found theirs).
    pub hits: u32,
    /// Keys not found.
    pub misses: u32,
    /// Lines of a `stats` reply (or binary stat packets).
    pub stats: u32,
    /// The reply was an error (`ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`, a binary status
    /// other than success, not-found, exists and not-stored).
    pub error: bool,
    /// Bytes of the request or reply were not captured, the command line was longer than
    /// the parser keeps, or the conversation ended before the reply.
    pub incomplete: bool,
}

/// What a memcached transaction says ([`Parts`], packed; read it with the accessors).
/// A capture holds one per transaction, so it is small: the commonest shape — a known
/// command and reply word, one key, no argument or message — takes 48 bytes natively and
/// 32 in the wasm32 heap (it took 152 and 100 with its key). Command and reply words are
/// ids in [`WORDS`]; one key is kept inline; the text of an unlisted word, the argument,
/// the message, a `stats` count and hit/miss counts the keys do not tell are boxed apart,
/// as most transactions have none of them. Key text is shared: the ingest keeps each
/// distinct key, argument and message once per capture (real traffic asks for the same
/// hot keys over and over).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memcache {
    keys: Keys,
    rare: Option<Box<Rare>>,
    status_code: u16,
    opcode: u8,
    /// [`WORDS`] id (`NO_WORD` for the empty command, `RARE_WORD` when in `rare`).
    command: u8,
    /// Likewise; `NO_WORD` when there is no reply.
    status: u8,
    /// `flag::*`.
    flags: u8,
}

/// The keys: one inline (most transactions), else a boxed slice (none takes no box).
#[derive(Clone, Debug, PartialEq)]
enum Keys {
    One(Key),
    Many(Box<[Key]>),
}

impl Default for Keys {
    fn default() -> Self {
        Keys::Many(Box::default())
    }
}

/// What few transactions have.
#[derive(Clone, Debug, Default, PartialEq)]
struct Rare {
    command: Option<Arc<str>>,
    status: Option<Arc<str>>,
    arg: Option<Arc<str>>,
    message: Option<Arc<str>>,
    /// Hits and misses, when they are not the keys' (`Key::hit`) counts.
    counts: Option<(u32, u32)>,
    stats: u32,
}

mod flag {
    pub const BINARY: u8 = 1;
    pub const NOREPLY: u8 = 2;
    pub const ERROR: u8 = 4;
    pub const INCOMPLETE: u8 = 8;
    pub const OPCODE: u8 = 16;
    pub const STATUS_CODE: u8 = 32;
}

const NO_WORD: u8 = 0;
const RARE_WORD: u8 = u8::MAX;

/// The words a [`Memcache`] keeps as ids: the commands of the text protocol
/// (`doc/protocol.txt`), the binary opcodes' and statuses' names, and the reply words.
/// Any other word is kept as text.
pub const WORDS: [&str; 104] = [
    // Text commands.
    "get",
    "gets",
    "gat",
    "gats",
    "set",
    "add",
    "replace",
    "append",
    "prepend",
    "cas",
    "delete",
    "incr",
    "decr",
    "touch",
    "stats",
    "flush_all",
    "verbosity",
    "version",
    "quit",
    "shutdown",
    "cache_memlimit",
    "slabs",
    "lru_crawler",
    "watch",
    "lru",
    "misbehave",
    "verify_key",
    "mg",
    "ms",
    "md",
    "ma",
    "me",
    "mn",
    // Binary opcodes (the others are named like text commands).
    "increment",
    "decrement",
    "flush",
    "getq",
    "noop",
    "getk",
    "getkq",
    "stat",
    "setq",
    "addq",
    "replaceq",
    "deleteq",
    "incrementq",
    "decrementq",
    "quitq",
    "flushq",
    "appendq",
    "prependq",
    "gatq",
    "sasl_list_mechs",
    "sasl_auth",
    "sasl_step",
    "gatk",
    "gatkq",
    "unknown",
    // Text replies.
    "STORED",
    "NOT_STORED",
    "EXISTS",
    "NOT_FOUND",
    "END",
    "DELETED",
    "TOUCHED",
    "OK",
    "ERROR",
    "CLIENT_ERROR",
    "SERVER_ERROR",
    "VERSION",
    "RESET",
    "BUSY",
    "BADCLASS",
    "NOSPARE",
    "NOTFULL",
    "UNSAFE",
    "SAME",
    "HD",
    "VA",
    "EN",
    "NF",
    "NS",
    "EX",
    "MN",
    "ME",
    // Binary statuses.
    "No error",
    "Key not found",
    "Key exists",
    "Value too large",
    "Invalid arguments",
    "Item not stored",
    "Incr/Decr on non-numeric value",
    "The vbucket belongs to another server",
    "Authentication error",
    "Authentication continue",
    "Unknown command",
    "Out of memory",
    "Not supported",
    "Internal error",
    "Busy",
    "Temporary failure",
    "Unknown status",
    "Key not found (no reply)",
    "No error (no reply)",
];

/// `w`'s id in [`WORDS`] (plus one), or `RARE_WORD`.
fn word_id(w: &str) -> u8 {
    match WORDS.iter().position(|k| *k == w) {
        Some(i) => i as u8 + 1,
        None => RARE_WORD,
    }
}

impl Memcache {
    /// The binary protocol (else text).
    pub fn binary(&self) -> bool {
        self.flags & flag::BINARY != 0
    }

    /// The command as sent (`get`, `set`, `mg`, …); for the binary protocol the opcode's
    /// name in the spec (`get`, `getkq`, `increment`, …).
    pub fn command(&self) -> &str {
        self.word(self.command, |r| &r.command).unwrap_or("")
    }

    /// The binary opcode.
    pub fn opcode(&self) -> Option<u8> {
        (self.flags & flag::OPCODE != 0).then_some(self.opcode)
    }

    /// The keys, with what happened to each.
    pub fn keys(&self) -> &[Key] {
        match &self.keys {
            Keys::One(k) => std::slice::from_ref(k),
            Keys::Many(k) => k,
        }
    }

    /// The first argument that is not a key: `incr`/`decr` delta, `touch`/`gat`
    /// expiration, `stats` group, `flush_all` delay, `verbosity` level.
    pub fn arg(&self) -> Option<&str> {
        self.rare.as_ref()?.arg.as_deref()
    }

    /// No reply expected on success (`noreply`, meta `q`, binary quiet opcodes).
    pub fn noreply(&self) -> bool {
        self.flags & flag::NOREPLY != 0
    }

    /// The reply: its first word (`STORED`, `END`, `NOT_FOUND`, `CLIENT_ERROR`, the
    /// number of an `incr`, meta `HD`/`EN`/`VA`…) or the binary status's name.
    pub fn status(&self) -> Option<&str> {
        self.word(self.status, |r| &r.status)
    }

    /// The binary status code.
    pub fn status_code(&self) -> Option<u16> {
        (self.flags & flag::STATUS_CODE != 0).then_some(self.status_code)
    }

    /// The rest of an error or `VERSION` line, or a binary error's text.
    pub fn message(&self) -> Option<&str> {
        self.rare.as_ref()?.message.as_deref()
    }

    /// Keys found (retrievals; also `delete`, `touch`, `incr`/`decr` that found theirs).
    pub fn hits(&self) -> u32 {
        match self.rare.as_ref().and_then(|r| r.counts) {
            Some((hits, _)) => hits,
            None => count(self.keys(), true),
        }
    }

    /// Keys not found.
    pub fn misses(&self) -> u32 {
        match self.rare.as_ref().and_then(|r| r.counts) {
            Some((_, misses)) => misses,
            None => count(self.keys(), false),
        }
    }

    /// Lines of a `stats` reply (or binary stat packets).
    pub fn stats(&self) -> u32 {
        self.rare.as_ref().map_or(0, |r| r.stats)
    }

    /// The reply was an error (`ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`, a binary status
    /// other than success, not-found, exists and not-stored).
    pub fn error(&self) -> bool {
        self.flags & flag::ERROR != 0
    }

    /// Bytes of the request or reply were not captured, the command line was longer than
    /// the parser keeps, or the conversation ended before the reply.
    pub fn incomplete(&self) -> bool {
        self.flags & flag::INCOMPLETE != 0
    }

    /// Bytes of values in this transaction (sent and returned).
    pub fn value_bytes(&self) -> u64 {
        self.keys().iter().filter_map(Key::value_len).sum()
    }

    /// Every field apart.
    pub fn parts(&self) -> Parts {
        let text = |s: Option<&str>| s.map(Arc::from);
        Parts {
            binary: self.binary(),
            command: self.command().into(),
            opcode: self.opcode(),
            keys: self.keys().to_vec(),
            arg: text(self.arg()),
            noreply: self.noreply(),
            status: text(self.status()),
            status_code: self.status_code(),
            message: text(self.message()),
            hits: self.hits(),
            misses: self.misses(),
            stats: self.stats(),
            error: self.error(),
            incomplete: self.incomplete(),
        }
    }

    /// Every text this transaction holds (its keys', argument's, message's and unlisted
    /// words'), for the ingest to share equal ones across transactions.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut Arc<str>> {
        let keys: &mut [Key] = match &mut self.keys {
            Keys::One(k) => std::slice::from_mut(k),
            Keys::Many(k) => k,
        };
        let rare = self.rare.as_deref_mut().into_iter().flat_map(|r| {
            [&mut r.command, &mut r.status, &mut r.arg, &mut r.message]
                .into_iter()
                .flatten()
        });
        keys.iter_mut().map(|k| &mut k.key).chain(rare)
    }

    fn word<'a>(
        &'a self,
        id: u8,
        rare: impl Fn(&'a Rare) -> &'a Option<Arc<str>>,
    ) -> Option<&'a str> {
        match id {
            NO_WORD => None,
            RARE_WORD => self.rare.as_deref().and_then(|r| rare(r).as_deref()),
            i => WORDS.get(usize::from(i) - 1).copied(),
        }
    }
}

/// Keys found (`hit`) or not.
fn count(keys: &[Key], hit: bool) -> u32 {
    keys.iter().filter(|k| k.hit == Some(hit)).count() as u32
}

impl From<Parts> for Memcache {
    fn from(p: Parts) -> Memcache {
        let mut rare = Rare::default();
        let command = match &*p.command {
            "" => NO_WORD,
            w => match word_id(w) {
                RARE_WORD => {
                    rare.command = Some(p.command.clone());
                    RARE_WORD
                }
                id => id,
            },
        };
        let status = match &p.status {
            None => NO_WORD,
            Some(w) => match word_id(w) {
                RARE_WORD => {
                    rare.status = Some(w.clone());
                    RARE_WORD
                }
                id => id,
            },
        };
        rare.arg = p.arg;
        rare.message = p.message;
        rare.stats = p.stats;
        if (p.hits, p.misses) != (count(&p.keys, true), count(&p.keys, false)) {
            rare.counts = Some((p.hits, p.misses));
        }
        let mut keys = p.keys;
        let keys = match keys.len() {
            1 => Keys::One(keys.pop().unwrap_or_default()),
            _ => Keys::Many(keys.into_boxed_slice()),
        };
        let set = |on: bool, f: u8| if on { f } else { 0 };
        Memcache {
            keys,
            rare: (rare != Rare::default()).then(|| Box::new(rare)),
            status_code: p.status_code.unwrap_or(0),
            opcode: p.opcode.unwrap_or(0),
            command,
            status,
            flags: set(p.binary, flag::BINARY)
                | set(p.noreply, flag::NOREPLY)
                | set(p.error, flag::ERROR)
                | set(p.incomplete, flag::INCOMPLETE)
                | set(p.opcode.is_some(), flag::OPCODE)
                | set(p.status_code.is_some(), flag::STATUS_CODE),
        }
    }
}

/// The JSON of a memcached transaction: its fields in one object, as [`Parts`] has them
/// (`opcode`, `arg`, `status`, `status_code` and `message` only when present, `stats`
/// when not zero).
impl Serialize for Memcache {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (opcode, arg, status) = (self.opcode(), self.arg(), self.status());
        let (status_code, message, stats) = (self.status_code(), self.message(), self.stats());
        let len = 8
            + usize::from(opcode.is_some())
            + usize::from(arg.is_some())
            + usize::from(status.is_some())
            + usize::from(status_code.is_some())
            + usize::from(message.is_some())
            + usize::from(stats != 0);
        let mut m = s.serialize_struct("Memcache", len)?;
        m.serialize_field("binary", &self.binary())?;
        m.serialize_field("command", self.command())?;
        optional(&mut m, "opcode", opcode)?;
        m.serialize_field("keys", self.keys())?;
        optional(&mut m, "arg", arg)?;
        m.serialize_field("noreply", &self.noreply())?;
        optional(&mut m, "status", status)?;
        optional(&mut m, "status_code", status_code)?;
        optional(&mut m, "message", message)?;
        m.serialize_field("hits", &self.hits())?;
        m.serialize_field("misses", &self.misses())?;
        if stats != 0 {
            m.serialize_field("stats", &stats)?;
        } else {
            m.skip_field("stats")?;
        }
        m.serialize_field("error", &self.error())?;
        m.serialize_field("incomplete", &self.incomplete())?;
        m.end()
    }
}

/// Serializes `v` as field `name` when present, else skips it.
fn optional<M: serde::ser::SerializeStruct, T: Serialize>(
    m: &mut M,
    name: &'static str,
    v: Option<T>,
) -> Result<(), M::Error> {
    match v {
        Some(v) => m.serialize_field(name, &v),
        None => m.skip_field(name),
    }
}

/// One key of a command, and what happened to it. 32 bytes natively, 20 in the wasm32
/// heap (a value length as two 32-bit halves, so nothing is 8-aligned there).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Key {
    key: Arc<str>,
    /// The value's length, low and high halves (zero when `has_value` is not set).
    value_len: [u32; 2],
    hit: Option<bool>,
    has_value: bool,
}

impl Key {
    /// Key `key`, found or not (`hit`), with a value of `value_len` bytes.
    pub fn new(key: Arc<str>, hit: Option<bool>, value_len: Option<u64>) -> Key {
        let mut k = Key {
            key,
            hit,
            ..Key::default()
        };
        if let Some(len) = value_len {
            k.set_value_len(len);
        }
        k
    }

    /// The key (bytes that are not UTF-8 are replaced).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key's text, shared.
    pub fn text(&self) -> &Arc<str> {
        &self.key
    }

    /// Found (true) or not (false); None when the command does not look keys up
    /// (storage).
    pub fn hit(&self) -> Option<bool> {
        self.hit
    }

    /// The value's length: sent with a storage command, or returned for a hit.
    pub fn value_len(&self) -> Option<u64> {
        self.has_value
            .then(|| u64::from(self.value_len[1]) << 32 | u64::from(self.value_len[0]))
    }

    /// Sets whether the key was found.
    pub fn set_hit(&mut self, hit: bool) {
        self.hit = Some(hit);
    }

    /// Sets the value's length.
    pub fn set_value_len(&mut self, len: u64) {
        self.value_len = [len as u32, (len >> 32) as u32];
        self.has_value = true;
    }
}

/// The JSON of a key: `key`, then `hit` and `value_len` when known.
impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (hit, value_len) = (self.hit(), self.value_len());
        let len = 1 + usize::from(hit.is_some()) + usize::from(value_len.is_some());
        let mut m = s.serialize_struct("Key", len)?;
        m.serialize_field("key", self.key())?;
        optional(&mut m, "hit", hit)?;
        optional(&mut m, "value_len", value_len)?;
        m.end()
    }
}

// A memcached transaction in the wasm32 heap, and its key (`cargo check -p wirelens-core
// --target wasm32-unknown-unknown` checks them; natively 48 and 32).
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Memcache>() == 32 && std::mem::size_of::<Key>() == 20);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Memcache>() == 48 && std::mem::size_of::<Key>() == 32);

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

/// The reply words Wireshark's memcache dissector shows as `memcache.response` (a
/// message whose first line is one of them).
pub const RESPONSES: [&str; 7] = [
    "OK",
    "END",
    "EXISTS",
    "STORED",
    "DELETED",
    "NOT_FOUND",
    "NOT_STORED",
];

/// What a message of the [`CommandIndex`] shows, in one byte (its "code"): enough, with
/// the conversation's transactions, to tell its `memcache.key`, `memcache.flags`,
/// `memcache.expiration`, `memcache.value.length`, `memcache.noreply` and
/// `memcache.response` without its bytes.
pub mod shown {
    /// Added to a request's command (its index in [`super::COMMANDS`], below 16) when it
    /// shows `memcache.noreply`.
    pub const NOREPLY: u8 = 0x10;
    /// A client's message whose first line names no command Wireshark knows.
    pub const CLIENT_OTHER: u8 = 0x20;
    /// A reply line named in [`super::RESPONSES`]: this plus its index there.
    pub const RESPONSE: u8 = 0x30;
    /// A `stats` reply: `STAT` lines, each showing `memcache.command` "STAT"; how many
    /// is kept beside the codes ([`super::CommandIndex::conversations`]), as a reply may
    /// hold hundreds.
    pub const STATS: u8 = 0x38;
    /// `VALUE` lines: this plus how many, less one (1 to [`MAX_VALUES`]).
    pub const VALUES: u8 = 0x40;
    /// Most `VALUE` lines a code tells.
    pub const MAX_VALUES: usize = (u8::MAX - VALUES) as usize;
    /// Any other message (a server's, with none of those fields).
    pub const OTHER: u8 = u8::MAX;
}

/// The code of a message that names no command.
pub const NO_COMMAND: u8 = shown::OTHER;

/// The command a message's code names (`memcache.command`), if any: a request's, or
/// "STAT" (shown once a line of a `stats` reply).
pub fn command_of(code: u8) -> Option<&'static str> {
    if code < shown::CLIENT_OTHER {
        COMMANDS.get(usize::from(code & !shown::NOREPLY)).copied()
    } else if code == shown::STATS {
        Some(STAT)
    } else {
        None
    }
}

/// The command each line of a `stats` reply shows.
pub const STAT: &str = "STAT";

/// What the fields of one covered conversation's messages need beyond their codes and the
/// conversation's transactions, and the digest that says whether those give them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvFields {
    /// The conversation.
    pub conv: u32,
    /// The digest of the fields its messages show, as the ingest read them
    /// (`crate::ingest::app::memcache::wireshark`'s `MessageDigest`): values derived
    /// otherwise hold only if theirs is the same.
    pub digest: u64,
    /// `memcache.flags` and `memcache.expiration` where they change (from 0 and 0), by
    /// message: clients mostly send the same ones, so there are few.
    pub changes: Box<[Change]>,
    /// The `VALUE` lines cut short by the end of the bytes Wireshark was handed (a reply
    /// of several values cut across segments), which show less than the transactions
    /// tell.
    pub cut: Box<[CutLine]>,
}

/// The last `VALUE` line of a message, cut short: what Wireshark shows of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CutLine {
    /// The message (its place among the conversation's messages).
    pub message: u32,
    /// `memcache.key`, as far as it goes.
    pub key: Box<str>,
    /// `memcache.flags`, if it got that far.
    pub flags: Option<u16>,
    /// `memcache.value.length`, likewise.
    pub value_length: Option<u32>,
}

/// From message `message` of a conversation (its place among the conversation's
/// messages) on, its `memcache.flags` and `memcache.expiration` are these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// The message.
    pub message: u32,
    /// `memcache.flags` (16 bits in a text line).
    pub flags: u16,
    /// `memcache.expiration`.
    pub expiration: u32,
}

/// Where Wireshark shows a memcache message (`memcache`) and its command
/// (`memcache.command`), noted while the capture was read, so a filter or a column on
/// them needs no second reading of the packets: 5 bytes a message, 8 a conversation
/// ([`CommandIndex::conversations`]), 4 more a `stats` reply (how many `STAT` lines it
/// shows). Only for the conversations it covers; the others'
/// PDUs are dissected again. With each message's
/// code ([`shown`]) and the transactions, most conversations' other text fields come
/// without their bytes too ([`CommandIndex::fields`]: 32 bytes a conversation in the
/// wasm32 heap, 12 a change of flags or expiration, a few dozen a cut `VALUE` line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandIndex {
    /// Per conversation (indexed like `Capture::conversations`; empty when the
    /// application layer did not run): the messages hold every `memcache.command` of it.
    pub covered: Vec<bool>,
    /// The covered conversations whose fields the ingest summed up, by conversation.
    pub fields: Vec<ConvFields>,
    /// The messages in blocks, each block the packets (indices into `Capture::packets`)
    /// and beside them the codes ([`shown`]): a conversation's messages in packet order
    /// (several in one packet in the order Wireshark shows them), conversations one after
    /// another. Blocks are made from the ingest's one at a time, each freed as the next
    /// is made: one table of them all would be reserved beside the ingest's whole, at the
    /// heap's peak.
    blocks: Vec<(Vec<u32>, Vec<u8>)>,
    /// Each conversation of the messages and how many of its messages are there, in the
    /// order of the blocks: a query takes a conversation's messages without looking up
    /// each one's packet (8 bytes a conversation).
    runs: Vec<(u32, u32)>,
    /// How many `STAT` lines each message of code [`shown::STATS`] shows, in the order of
    /// the messages.
    stat_lines: Vec<u32>,
}

impl CommandIndex {
    /// Conversations covered (`covered`) and their messages, a block at a time, their
    /// conversations and how many messages each (`runs`, in the same order), and the
    /// `STAT` lines of each `stats` reply among them (`stat_lines`, likewise).
    pub fn new(
        covered: Vec<bool>,
        runs: Vec<(u32, u32)>,
        blocks: impl IntoIterator<Item = (Vec<u32>, Vec<u8>)>,
        stat_lines: Vec<u32>,
    ) -> Self {
        CommandIndex {
            covered,
            fields: Vec::new(),
            blocks: blocks.into_iter().collect(),
            runs,
            stat_lines,
        }
    }

    /// Each conversation with messages, its (packet, code) pairs, in the order of
    /// [`CommandIndex::messages`], and how many `STAT` lines each of its `stats` replies
    /// shows.
    pub fn conversations(&self) -> impl Iterator<Item = (u32, Vec<(u32, u8)>, &[u32])> + '_ {
        let mut messages = self.messages();
        let mut stat_lines = &self.stat_lines[..];
        self.runs.iter().map(move |&(conv, n)| {
            let m: Vec<(u32, u8)> = messages.by_ref().take(n as usize).collect();
            let stats = m.iter().filter(|&&(_, c)| c == shown::STATS).count();
            let (these, rest) = stat_lines.split_at(stats.min(stat_lines.len()));
            stat_lines = rest;
            (conv, m, these)
        })
    }

    /// What the ingest summed up of conversation `conv`'s fields, if it did.
    pub fn fields_of(&self, conv: u32) -> Option<&ConvFields> {
        let i = self.fields.binary_search_by_key(&conv, |f| f.conv).ok()?;
        self.fields.get(i)
    }

    /// Whether conversation `conv` is covered.
    pub fn covers(&self, conv: u32) -> bool {
        self.covered.get(conv as usize).copied().unwrap_or(false)
    }

    /// (packet, code) of each message: see [`CommandIndex::blocks`] for the order.
    pub fn messages(&self) -> impl Iterator<Item = (u32, u8)> + '_ {
        self.blocks
            .iter()
            .flat_map(|(p, c)| p.iter().copied().zip(c.iter().copied()))
    }

    /// How many messages.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.0.len()).sum()
    }

    /// No message.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}
