//! Wirelens in the browser.
//!
//! Two binaries share this library: the page (`src/main.rs`, Leptos, renders only) and
//! the Web Worker (`src/worker/`, runs `wirelens-core`). Nothing here may pull Leptos or
//! the core in: it is only the [`protocol`] they speak.
#![forbid(unsafe_code)]

pub mod marks;
pub mod protocol;
