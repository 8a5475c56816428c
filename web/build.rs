//! Link options of the web binaries.

fn main() {
    // The analysis worker's stack: 256 KiB where wasm-ld gives 1 MiB, wasm memory the
    // page holds whatever the capture (3 bytes a packet on a 1 GB capture). What recurses
    // with its input is bounded: a display filter nests at most
    // `wirelens_core::query::filter::parser::MAX_NESTING` levels, and an open and its first
    // screen touched 9 KB of the stack.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bin=wirelens-worker=-zstack-size=262144");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
