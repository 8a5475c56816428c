//! PostgreSQL transactions.

use serde::Serialize;

/// Longest SQL kept (bytes); a longer one is cut and marked.
pub const MAX_QUERY: usize = 4096;

/// What a PostgreSQL transaction says: one query cycle of the frontend/backend protocol
/// (a simple Query, or the extended protocol's messages up to a Sync), or the login.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Pgsql {
    /// What the client did: `login` (startup through the first ReadyForQuery), `query`
    /// (simple query protocol), `execute` (extended protocol: Parse/Bind/Execute …
    /// Sync), `prepare` (Parse and Describe without Execute), `ssl_request`,
    /// `gss_request`, `cancel`, `terminate`, `function_call`, `copy`.
    pub command: String,
    /// The SQL: the Query's text, or the statement Parse prepared (also for an execute
    /// of a statement prepared earlier in the conversation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The SQL was longer than [`MAX_QUERY`] and is cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub query_truncated: bool,
    /// The prepared statement's name (empty: the unnamed one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The SQL came in a Parse of this cycle (not only named by a Bind of a statement
    /// prepared before).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub parsed: bool,
    /// Parameters bound (Bind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<u16>,
    /// Statements the cycle ran (Executes, or CommandCompletes of a simple query).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<u32>,
    /// Columns of the (first) RowDescription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<u16>,
    /// DataRows returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// The CommandComplete tags (`INSERT 0 1`, `SELECT 5`), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Rows the commands affected (the count of INSERT, UPDATE, DELETE, MERGE, COPY
    /// tags).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected_rows: Option<u64>,
    /// ErrorResponse: the severity (`ERROR`, `FATAL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_severity: Option<String>,
    /// ErrorResponse: the SQLSTATE code (`42P01`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_state: Option<String>,
    /// ErrorResponse: the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Login: the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Login: the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Login: `application_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// Login: the authentication the server asked for (`trust`, `password`, `md5`,
    /// `gss`, `sspi`), or for SASL the mechanism the client chose (`sasl
    /// SCRAM-SHA-256`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// Login: the server's version (ParameterStatus `server_version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// SSLRequest: the server's answer (`S` yes, `N` no).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<bool>,
    /// Bytes were not captured, or the conversation ended before the response did.
    pub incomplete: bool,
}

impl Pgsql {
    /// Whether the server answered with an ErrorResponse.
    pub fn is_error(&self) -> bool {
        self.sql_state.is_some() || self.error_message.is_some()
    }
}
