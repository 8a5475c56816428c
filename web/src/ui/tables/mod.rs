//! Tables the worker builds, shown virtualized.

mod data_table;

pub use data_table::DataTable;
