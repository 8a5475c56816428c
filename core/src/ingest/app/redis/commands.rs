//! The command table: which commands are sent inline, which name keys and which of
//! their arguments the keys are (after the key specs of redis `COMMAND INFO`).

use super::resp::parse_len;

/// Commands recognised inline when resynchronising (the common ones).
const INLINE_COMMANDS: [&str; 48] = [
    "PING",
    "ECHO",
    "GET",
    "SET",
    "DEL",
    "EXISTS",
    "INCR",
    "DECR",
    "INCRBY",
    "DECRBY",
    "MGET",
    "MSET",
    "SETEX",
    "EXPIRE",
    "TTL",
    "KEYS",
    "SCAN",
    "TYPE",
    "HGET",
    "HSET",
    "HGETALL",
    "HDEL",
    "LPUSH",
    "RPUSH",
    "LPOP",
    "RPOP",
    "LRANGE",
    "LLEN",
    "SADD",
    "SREM",
    "SMEMBERS",
    "ZADD",
    "ZRANGE",
    "ZREM",
    "INFO",
    "AUTH",
    "SELECT",
    "QUIT",
    "FLUSHDB",
    "FLUSHALL",
    "DBSIZE",
    "CONFIG",
    "CLIENT",
    "SUBSCRIBE",
    "PUBLISH",
    "MULTI",
    "EXEC",
    "HELLO",
];

/// An inline command line a client could have sent (to resynchronise on).
pub(super) fn inline_command(line: &[u8]) -> bool {
    let word = line.split(|&b| b == b' ').next().unwrap_or(&[]);
    !word.is_empty()
        && line
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
        && INLINE_COMMANDS
            .iter()
            .any(|c| c.as_bytes().eq_ignore_ascii_case(word))
}

/// A line that reads as an inline command: printable, its first word a name.
pub(super) fn plausible_inline(line: &[u8]) -> bool {
    let word = line.split(|&b| b == b' ').next().unwrap_or(&[]);
    (1..=32).contains(&word.len())
        && word
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.')
        && line
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || b == b'\t')
}

/// Splits an inline command into words: spaces separate, "double" (with backslash
/// escapes) and 'single' quotes group (redis `sdssplitargs`).
pub(super) fn split_inline(line: &[u8]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let mut w = Vec::new();
        match line[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < line.len() && line[i] != q {
                    if q == b'"' && line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                        w.push(match line[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            c => c,
                        });
                    } else {
                        w.push(line[i]);
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < line.len() && !line[i].is_ascii_whitespace() {
                    w.push(line[i]);
                    i += 1;
                }
            }
        }
        words.push(w);
    }
    words
}

/// Whether a command names keys (and so moves values worth counting).
pub(super) fn has_keys(name: &[u8]) -> bool {
    let upper = name.to_ascii_uppercase();
    !NO_KEYS.contains(&&upper[..]) || matches!(&upper[..], b"MEMORY" | b"OBJECT")
}

/// Commands without keys (`COMMAND INFO` key specs); MEMORY and OBJECT have one as their
/// second argument.
const NO_KEYS: [&[u8]; 65] = [
    b"PING",
    b"ECHO",
    b"AUTH",
    b"HELLO",
    b"SELECT",
    b"INFO",
    b"CLIENT",
    b"CONFIG",
    b"COMMAND",
    b"DEBUG",
    b"MULTI",
    b"EXEC",
    b"DISCARD",
    b"QUIT",
    b"FLUSHDB",
    b"FLUSHALL",
    b"DBSIZE",
    b"TIME",
    b"SAVE",
    b"BGSAVE",
    b"BGREWRITEAOF",
    b"LASTSAVE",
    b"MONITOR",
    b"SLOWLOG",
    b"SCRIPT",
    b"SCAN",
    b"KEYS",
    b"RANDOMKEY",
    b"ROLE",
    b"SHUTDOWN",
    b"SLAVEOF",
    b"REPLICAOF",
    b"SYNC",
    b"PSYNC",
    b"WAIT",
    b"READONLY",
    b"READWRITE",
    b"CLUSTER",
    b"LATENCY",
    b"MODULE",
    b"ACL",
    b"FUNCTION",
    b"SUBSCRIBE",
    b"PSUBSCRIBE",
    b"SSUBSCRIBE",
    b"UNSUBSCRIBE",
    b"PUNSUBSCRIBE",
    b"SUNSUBSCRIBE",
    b"PUBLISH",
    b"SPUBLISH",
    b"PUBSUB",
    b"RESET",
    b"SWAPDB",
    b"UNWATCH",
    b"LOLWUT",
    b"FAILOVER",
    b"MEMORY",
    b"OBJECT",
    b"SENTINEL",
    b"REPLCONF",
    b"WAITAOF",
    b"EVAL",
    b"EVALSHA",
    b"FCALL",
    b"",
];

/// Whether argument `index` (1 = the first after the name) of command `name`, sent as an
/// array of `total` elements, is a key
/// (after the key specs of redis `COMMAND INFO`, for the common commands).
pub(super) fn is_key(name: &[u8], index: usize, elems: &[Vec<u8>], total: u64) -> bool {
    let upper: Vec<u8> = name.to_ascii_uppercase();
    match &upper[..] {
        // EVAL script numkeys key... arg...
        b"EVAL" | b"EVALSHA" | b"EVAL_RO" | b"EVALSHA_RO" | b"FCALL" | b"FCALL_RO" => {
            let numkeys = elems.get(2).and_then(|n| parse_len(n)).unwrap_or(0) as usize;
            index >= 3 && index < 3 + numkeys
        }
        // MEMORY USAGE key / OBJECT ENCODING key.
        b"MEMORY" | b"OBJECT" => index == 2,
        u if NO_KEYS.contains(&u) => false,
        // Every argument.
        b"DEL" | b"UNLINK" | b"EXISTS" | b"MGET" | b"TOUCH" | b"WATCH" | b"SINTER" | b"SUNION"
        | b"SDIFF" | b"SINTERSTORE" | b"SUNIONSTORE" | b"SDIFFSTORE" | b"PFCOUNT" | b"PFMERGE"
        | b"RENAME" | b"RENAMENX" | b"RPOPLPUSH" | b"COPY" => {
            !(matches!(&upper[..], b"COPY") && index > 2)
        }
        // Keys and values alternate.
        b"MSET" | b"MSETNX" => index % 2 == 1,
        // Keys, then a timeout.
        b"BLPOP" | b"BRPOP" | b"BZPOPMIN" | b"BZPOPMAX" => (index as u64) + 1 < total,
        b"SMOVE" | b"LMOVE" | b"BLMOVE" | b"BRPOPLPUSH" => index <= 2,
        // The first argument.
        _ => index == 1,
    }
}
