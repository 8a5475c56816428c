//! The conversations table.

mod conversation_table;
mod sort;

pub use conversation_table::ConversationTable;
