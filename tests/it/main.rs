//! Cross-crate integration tests, compiled into one binary.
mod app_golden;
mod app_golden_kv;
mod capture;
mod conv_golden;
mod corpus;
mod cuts;
mod dissect_golden;
mod export;
mod fields_golden;
mod filter_golden;
mod formats;
mod lake;
mod modgraph;
mod pdml_golden;
mod sessions;
mod stats_golden;
mod tcp_golden;
