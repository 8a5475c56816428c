//! MySQL / MariaDB transactions.

use serde::Serialize;

/// What a MySQL transaction says.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Mysql {
    /// The command: `login`, `query`, `stmt_prepare`, `stmt_execute`, `stmt_close`,
    /// `init_db`, `ping`, `quit`, … (`COM_*` without the prefix, lower-case), or
    /// `compressed` for a command in a compressed frame.
    pub command: String,
    /// The command byte.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_code: Option<u8>,
    /// The SQL: of a query, of a statement prepared, or of the statement executed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The SQL was longer than [`MAX_QUERY`] and is cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub query_truncated: bool,
    /// Prepared statement id (prepare's result; execute's and close's argument).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stmt_id: Option<u32>,
    /// Parameters of a prepared statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<u16>,
    /// The response: `ok`, `error`, `result_set`, `eof`, `text`, `prepared`, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Columns of the (first) result set, or of a prepared statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<u64>,
    /// Rows of the result sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Result sets, when more than one (multi-statements, stored procedures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_sets: Option<u32>,
    /// OK: affected rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected_rows: Option<u64>,
    /// OK: last insert id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_insert_id: Option<u64>,
    /// Warnings of the OK or EOF that ended the response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<u16>,
    /// ERR: the error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u16>,
    /// ERR: the SQL state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_state: Option<String>,
    /// ERR: the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Login: the server's version string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Login: the connection (thread) id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<u32>,
    /// Login: the user, and `init_db`'s or login's schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The schema (login with a database, `init_db`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Login: the authentication plugin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_plugin: Option<String>,
    /// The client asked for TLS (SSL request): the rest of the conversation is TLS.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
    /// The conversation uses the compressed protocol.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub compressed: bool,
    /// Bytes were not captured, or the conversation ended before the response did.
    pub incomplete: bool,
    /// The header byte of each server packet that Wireshark shows as
    /// `mysql.response_code` (OK and binary rows 0x00, ERR 0xFF, EOF 0xFE), with the
    /// packet (index in `Capture::packets`) that completed it; at most
    /// [`MAX_RESPONSE_CODES`]. For the field values only, not in the JSON.
    #[serde(skip)]
    pub response_codes: Vec<(u64, u8)>,
}
