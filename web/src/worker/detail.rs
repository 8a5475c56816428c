//! The detail of one packet (core's `query::detail`), for the page's tree and hex panes.
//!
//! An application layer can need every earlier packet of its TCP conversation (a PDU
//! gathered from many segments, MySQL's state): those are read and fed in pieces, from
//! the latest packet where a replay may start afresh (core's `Apps::resume`), and what
//! was fed is kept per conversation, so that stepping through a conversation reads each
//! packet once. What is per capture (each conversation's first packets, where replays
//! may not start, its transactions: core's `detail::Index`) is gathered once, in idle
//! time after the open (`ahead.rs`), and shared by every conversation's state. A
//! conversation no parser of ours reads (SSH, the line protocols) has the packets its
//! detail looks at read in rounds, each read with the next once a detail built from the
//! last noted what it lacked (core's `detail::Reads`), as many as the CLI's file holds.

use crate::reading;
use crate::session::Session;
use std::cell::RefCell;
use std::rc::Rc;
use wirelens_core::capture::flow::L4;
use wirelens_core::capture::packet::NO_FLOW;
use wirelens_core::query::detail::{self, Apps, Detail, FrameInfo, Kind, Node, Noting};
use wirelens_core::query::fields::{self, FieldCtx, PacketSource};
use wirelens_core::query::filter::Filter;
use wirelens_web::protocol::{ByteSource, DetailView, TreeNode};

/// Earlier packets of a conversation read and fed at a time.
const CATCH_UP: usize = 4096;
/// ... and at most about this many of their bytes.
const CATCH_UP_BYTES: u64 = 8 << 20;
/// Conversations whose application state is kept.
const KEEP: usize = 4;

/// The application state of a conversation: fed up to (not including) packet `next`.
struct Fed {
    generation: u32,
    flow: u32,
    apps: Apps,
    next: usize,
}

thread_local! {
    static FED: RefCell<Vec<Fed>> = const { RefCell::new(Vec::new()) };
}

/// The detail of frame `frame` (1-based).
pub async fn detail(s: &Session, frame: u64) -> Result<DetailView, String> {
    let capture = &s.capture;
    let index = frame
        .checked_sub(1)
        .filter(|&i| i < capture.packets.len() as u64)
        .ok_or_else(|| format!("there is no frame {frame}"))? as usize;
    let row = capture.packets.at(index);
    let flow = row.flow;
    let tcp_app = flow != NO_FLOW
        && capture
            .conversations
            .get(flow as usize)
            .is_some_and(|c| c.proto == L4::Tcp)
        && capture
            .app_protos
            .get(flow as usize)
            .is_some_and(Option::is_some);
    // This conversation's state, if kept and not past the packet.
    let kept = FED.with_borrow_mut(|f| {
        let at = f
            .iter()
            .position(|e| e.generation == s.generation && e.flow == flow)?;
        Some(f.remove(at)).filter(|e| e.next <= index)
    });
    let mut steps = Steps::new();
    steps.count("frame", index + 1);
    // 1 when the index was gathered ahead (`ahead.rs`), 0 when this detail gathered it.
    steps.count("index_ready", usize::from(crate::ahead::ready(s).is_some()));
    let shared = crate::ahead::index(s);
    steps.mark("index_ms");
    let fresh = kept.is_none();
    let (mut apps, mut from) = match kept {
        Some(k) => (k.apps, k.next),
        // From the conversation's first packet.
        None => (
            Apps::with_index(Rc::clone(&shared)),
            shared.first(flow).unwrap_or(index),
        ),
    };
    let mut ctx = FieldCtx::new(capture);
    if tcp_app && (fresh || index - from > CATCH_UP) {
        // New or far to go: start where the conversation's messages let a replay start afresh
        // (its last messages' packets are read to tell), rather than at its first packet.
        let near = apps.resume_reads(capture, index);
        if !near.is_empty() {
            let mut src = reading::set(s, &near).await?;
            if let Some(start) = apps.resume(capture, index, &mut src) {
                from = start;
            }
        }
        steps.count("resume_reads", near.len());
    }
    steps.mark("resume_ms");
    if tcp_app {
        // Each packet with its captured length (the pieces below are cut by bytes).
        let earlier: Vec<(usize, u32)> = (from..)
            .zip(capture.packets.range(from..index))
            .filter(|(_, r)| r.flow == flow)
            .map(|(i, r)| (i, r.caplen))
            .collect();
        steps.mark("earlier_ms");
        steps.count("earlier", earlier.len());
        // Pieces of at most CATCH_UP packets and CATCH_UP_BYTES of them (a loopback
        // capture's segments reach 64 KiB: 4096 of them would hold 256 MiB at once).
        let mut start = 0;
        while start < earlier.len() {
            let mut end = start;
            let mut bytes = 0u64;
            while end < earlier.len()
                && end - start < CATCH_UP
                && (end == start || bytes < CATCH_UP_BYTES)
            {
                bytes += u64::from(earlier[end].1);
                end += 1;
            }
            let piece: Vec<usize> = earlier[start..end].iter().map(|&(i, _)| i).collect();
            start = end;
            let mut src = reading::set(s, &piece).await?;
            if let Some(&last) = piece.last() {
                // Feeds the packets before `last`, then `last` itself.
                detail::detail(&mut ctx, last, &mut src, &mut apps, FrameInfo::default());
            }
        }
    }
    steps.mark("catch_up_ms");
    // The packet, the packets the TCP fields look back at (the conversation's first each
    // way) and, in rounds, those the detail of a conversation no parser of ours indexes
    // turns out to look at (SSH's replay and a binary packet cut over segments, a line
    // protocol's line or reply cut over segments: core's `detail::Reads`).
    let (mut reads, first) = detail::Reads::new(capture, index, &shared);
    let mut sets = vec![reading::set(s, &first).await?];
    let info = FrameInfo {
        prev_displayed_ts: previous_displayed(s, index),
        ..FrameInfo::default()
    };
    steps.mark("read_ms");
    let mut rounds = 0;
    let d = loop {
        let mut src = Noting::new(
            sets.iter_mut()
                .map(|r| r as &mut dyn PacketSource)
                .collect(),
        );
        let d = detail::detail(&mut ctx, index, &mut src, &mut apps, info);
        // A conversation a parser of ours reads has its state fed up to the packet: it
        // is not fed again.
        let more = if tcp_app {
            Vec::new()
        } else {
            reads.next(&src.missed)
        };
        if more.is_empty() {
            break d;
        }
        sets.push(reading::set(s, &more).await?);
        ctx = FieldCtx::new(capture);
        apps = Apps::with_index(Rc::clone(&shared));
        rounds += 1;
    };
    steps.count("rounds", rounds);
    steps.mark("dissect_ms");
    if tcp_app {
        FED.with_borrow_mut(|f| {
            if f.len() >= KEEP {
                f.remove(0);
            }
            f.push(Fed {
                generation: s.generation,
                flow,
                apps,
                next: index + 1,
            });
        });
    }
    let mut nodes = Vec::new();
    for layer in &d.layers {
        flatten(&d, layer, 0, &mut nodes);
    }
    steps.mark("tree_ms");
    steps.publish();
    Ok(DetailView {
        frame,
        sources: d
            .sources
            .iter()
            .map(|src| ByteSource {
                name: src.name.clone(),
                bytes: js_sys::Uint8Array::from(&src.bytes[..]),
            })
            .collect(),
        nodes,
    })
}

/// Where a detail's time went, step by step (ms each, and how many packets the steps
/// named), for the benchmark (tests/e2e/bench.mjs): appended to `self.wirelensDetails`
/// (the last 16 details).
struct Steps {
    at: f64,
    out: js_sys::Object,
}

impl Steps {
    fn new() -> Self {
        Steps {
            at: wirelens_web::marks::stamp(),
            out: js_sys::Object::new(),
        }
    }

    /// Notes the time since the last mark as step `what`.
    fn mark(&mut self, what: &str) {
        let now = wirelens_web::marks::stamp();
        let _ = js_sys::Reflect::set(&self.out, &what.into(), &(now - self.at).into());
        self.at = now;
    }

    /// Notes a count.
    fn count(&self, what: &str, n: usize) {
        let _ = js_sys::Reflect::set(&self.out, &what.into(), &(n as f64).into());
    }

    fn publish(&self) {
        let key: wasm_bindgen::JsValue = "wirelensDetails".into();
        // The bench empties the list it read by putting a new one there: push to that.
        let list = match js_sys::Reflect::get(&js_sys::global(), &key)
            .ok()
            .and_then(|l| wasm_bindgen::JsCast::dyn_into::<js_sys::Array>(l).ok())
        {
            Some(l) => l,
            None => {
                let l = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&js_sys::global(), &key, &l);
                l
            }
        };
        if list.length() >= 16 {
            list.shift();
        }
        list.push(&self.out);
    }
}

/// The timestamp of the packet displayed before packet `index`, if it is displayed.
fn previous_displayed(s: &Session, index: usize) -> Option<i64> {
    let view = s.view.borrow();
    let row = match &view.indices {
        None => index,
        Some(shown) => shown.binary_search(&(index as u32)).ok()?,
    };
    let prev = view.packet(row.checked_sub(1)?)?;
    s.capture.packets.get(prev).map(|p| p.ts_ns)
}

/// Appends `n` and its shown descendants, depth first.
pub(crate) fn flatten(d: &Detail, n: &Node, depth: u8, out: &mut Vec<TreeNode>) {
    if n.hidden {
        return;
    }
    let at = out.len();
    // As `tshark -V` prints it (`query::detail::text`).
    let shown = if n.showname.is_empty() {
        n.show_text(d)
    } else {
        n.showname.as_str().into()
    };
    let text = if n.generated {
        format!("[{shown}]")
    } else {
        shown.into_owned()
    };
    out.push(TreeNode {
        depth,
        last: at as u32,
        proto: n.kind == Kind::Proto,
        name: n.name.to_string(),
        text,
        source: n.source,
        pos: n.pos,
        size: n.size,
        generated: n.generated,
        filter: filter_of(n, &n.show_text(d)),
        column: n.kind != Kind::Text && fields::lookup(&n.name).is_some(),
    });
    for c in &n.children {
        flatten(d, c, depth.saturating_add(1), out);
    }
    out[at].last = (out.len() - 1) as u32;
}

/// The filter that matches a node's value, as Wireshark's "Apply as Filter" writes it,
/// when our filter language knows the field.
fn filter_of(n: &Node, show: &str) -> Option<String> {
    // A name the language does not know never compiles: not compiled, since the error
    // looks for the nearest known name among them all (a third of a detail's tree time).
    if n.kind == Kind::Text || fields::lookup(&n.name).is_none() {
        return None;
    }
    let compiles = |f: &str| Filter::compile(f).is_ok().then(|| f.to_owned());
    if n.kind == Kind::Proto || show.is_empty() {
        return compiles(&n.name);
    }
    let plain = !show.is_empty() && !show.contains(|c: char| c.is_whitespace() || c == '"');
    let quoted = || {
        let escaped = show.replace('\\', "\\\\").replace('"', "\\\"");
        compiles(&format!("{} == \"{escaped}\"", n.name))
    };
    if plain {
        compiles(&format!("{} == {}", n.name, show)).or_else(quoted)
    } else {
        quoted()
    }
}
