//! Cross-crate integration tests, compiled into one binary.
mod app_golden;
mod app_golden_kv;
mod conv_golden;
mod stats_golden;
mod capture;
mod corpus;
mod dissect_golden;
mod formats;
mod tcp_golden;
mod sessions;
mod filter_golden;
