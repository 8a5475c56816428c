//! Redis (RESP2/RESP3) transactions.

use serde::Serialize;

/// The type of a reply (RESP2 and RESP3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyType {
    /// `+`
    SimpleString,
    /// `-`
    Error,
    /// `:`
    Integer,
    /// `$`
    BulkString,
    /// `*`
    Array,
    /// `_`, or RESP2's `$-1` / `*-1`.
    Null,
    /// `#`
    Boolean,
    /// `,`
    Double,
    /// `(`
    BigNumber,
    /// `!`
    BulkError,
    /// `=`
    VerbatimString,
    /// `%`
    Map,
    /// `~`
    Set,
    /// `>`
    Push,
}

/// What a Redis transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Redis {
    /// The command's name, upper-cased (`GET`); for a push, its kind (`message`).
    pub command: String,
    /// The first [`MAX_ARGS`] arguments after the name, each cut to [`MAX_ARG_TEXT`]
    /// bytes (bytes that are not UTF-8 are replaced).
    pub args: Vec<String>,
    /// Arguments after the name, all of them.
    pub arg_count: u64,
    /// The keys the command names (the first [`MAX_KEYS`]).
    pub keys: Vec<String>,
    /// Sent inline (a line of words) rather than as an array.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inline: bool,
    /// The largest value moved: the longest argument that is not a key, or the bytes of
    /// bulk strings in the reply, whichever is larger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_len: Option<u64>,
    /// The reply's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<ReplyType>,
    /// The reply's text: a simple string, integer, double, boolean or big number (cut to
    /// [`MAX_ARG_TEXT`] bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_text: Option<String>,
    /// A bulk string's length, or an aggregate's element count (a map's pairs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_len: Option<u64>,
    /// The error the server answered with (`-` or `!`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The reply used RESP3 types, or the connection switched with `HELLO 3`.
    pub resp3: bool,
    /// An out-of-band push (RESP3 `>` or a RESP2 pub/sub message): no request.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub push: bool,
    /// Bytes were not captured, or the conversation ended before the reply.
    pub incomplete: bool,
}
