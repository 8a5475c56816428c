//! The packet detail's code, compiled before the first detail needs it. V8 compiles a
//! wasm function when it is first called, so the first detail after an open compiled
//! the dissectors, the replay and the tree on its way: on bench.pcap its dissect took
//! 113 ms and its replay's start 48 ms, against 0.4 and 1.8 ms with V8 told to compile
//! everything at once (`--js-flags=--no-wasm-lazy-compilation`, which a page cannot
//! ask for). While the page waits for a capture, the worker makes the detail of every
//! packet of the bundled sample (HTTP and memcached over TCP, memcached over UDP) and
//! its tree, and of its last packet again from a fresh replay, then drops them: the
//! user's capture is never touched, and a message that comes meanwhile waits for one
//! packet's detail at most.

use crate::detail::flatten;
use std::rc::Rc;
use wirelens_core::query::detail::{self, Apps, FrameInfo, Index};
use wirelens_core::query::fields::{FieldCtx, MemorySource};

/// The page's sample capture (static/sample.pcapng, 43 KB).
const SAMPLE: &[u8] = include_bytes!("../../../static/sample.pcapng");

/// Starts the warm-up, in tasks of its own after the messages already queued.
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        crate::ahead::next_task().await;
        let capture = wirelens_core::ingest::ingest_bytes("sample.pcapng", SAMPLE);
        let index = Rc::new(Index::of(&capture));
        let mut src = MemorySource {
            files: vec![SAMPLE],
        };
        let mut ctx = FieldCtx::new(&capture);
        let mut apps = Apps::with_index(Rc::clone(&index));
        let mut nodes = Vec::new();
        // A packet's detail and its tree, let go.
        let mut make = |i: usize, apps: &mut Apps, src: &mut MemorySource| {
            let d = detail::detail(&mut ctx, i, src, apps, FrameInfo::default());
            nodes.clear();
            for layer in &d.layers {
                flatten(&d, layer, 0, &mut nodes);
            }
        };
        for i in 0..capture.packets.len() {
            crate::ahead::next_task().await;
            make(i, &mut apps, &mut src);
        }
        // A conversation's packet asked for first: its replay starts where its messages
        // let it (`detail.rs`).
        if let Some(last) = capture.packets.len().checked_sub(1) {
            crate::ahead::next_task().await;
            let mut apps = Apps::with_index(index);
            apps.resume(&capture, last, &mut src);
            make(last, &mut apps, &mut src);
        }
    });
}
