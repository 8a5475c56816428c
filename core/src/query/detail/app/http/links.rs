//! What packet-http.c links across a conversation: each message's number
//! (`http.request_number`, `http.response_number`), the messages before it
//! (`http.prev_request_in`, `http.prev_response_in`) and the URI a response answers
//! (`http.response_for.uri`).
//!
//! tshark pairs as its single pass sees the messages, not as the transactions do: a
//! request always opens a new pair; a response completes the last pair if that has none
//! yet, and opens one of its own otherwise (so after pipelined requests it pairs with
//! the last of them). The pairs are replayed here from the conversation's transactions
//! in packet order. What only a later packet tells (`http.response_in`,
//! `http.next_request_in`) tshark adds in a second pass, which the goldens are not, so it
//! is not shown.

use crate::capture::app::{AppProto, Detail, Extent};
use crate::capture::Capture;
use crate::query::detail::{Index, Node};

/// One message of the conversation as tshark sees it: (packet that completes it, is a
/// request, its transaction).
type Message = (u64, bool, u32);

/// One of tshark's request/response pairs: packets (0-based) of the request and the
/// response, if seen.
#[derive(Clone, Copy, Default)]
struct Pair {
    req: Option<u64>,
    res: Option<u64>,
}

/// Adds the links of each HTTP message of packet `packet` to its `http` layer among
/// `layers` (top-level, in the order of the messages in the packet).
pub(crate) fn show(index: &Index, capture: &Capture, packet: usize, layers: &mut [Node]) {
    if !layers.iter().any(|n| n.name == "http") {
        return;
    }
    let flow = capture.packets.at(packet).flow;
    let mut messages: Vec<Message> = Vec::new();
    for &t in index.transactions(flow) {
        let Some(Detail::Http(h)) = capture.transactions.get(t as usize).map(|t| &t.detail) else {
            continue;
        };
        if h.http2().is_some() {
            continue;
        }
        let tx = &capture.transactions[t as usize];
        // A message never whole packet-http.c never dissects (as the fields have it);
        // those after this packet do not count yet.
        let upto = |e: &Extent| e.last() <= packet as u64;
        if let Some(e) = tx
            .request
            .filter(|e| upto(e) && !h.request_cut() && !h.method().is_empty())
        {
            messages.push((e.last(), true, t));
        }
        if let Some(e) = tx
            .response
            .filter(|e| upto(e) && !h.response_cut() && h.status().is_some())
        {
            messages.push((e.last(), false, t));
        }
    }
    // In packet order; in one packet, in the order of the transactions.
    messages.sort_by_key(|&(p, _, t)| (p, t));
    let mut pairs: Vec<Pair> = Vec::new();
    // For each message of this packet: (is a request, its pair, the pairs so far, the
    // transaction of the conversation's last request so far).
    let mut here: Vec<(bool, usize, usize, Option<u32>)> = Vec::new();
    let mut last_request = None;
    for &(p, request, t) in &messages {
        let k = if request {
            last_request = Some(t);
            pairs.push(Pair {
                req: Some(p),
                res: None,
            });
            pairs.len() - 1
        } else {
            match pairs.last_mut() {
                Some(last) if last.res.is_none() => {
                    last.res = Some(p);
                    pairs.len() - 1
                }
                _ => {
                    pairs.push(Pair {
                        res: Some(p),
                        ..Pair::default()
                    });
                    pairs.len() - 1
                }
            }
        };
        if p == packet as u64 {
            here.push((request, k, pairs.len(), last_request));
        }
    }
    let https = matches!(
        capture.app_protos.get(flow as usize),
        Some(Some(AppProto::Tls))
    );
    let http = layers.iter_mut().filter(|n| n.name == "http");
    for (n, &(request, k, total, last_request)) in http.zip(&here) {
        let at = n.pos as usize;
        let src = n.source;
        let prev = k.checked_sub(1).map(|j| pairs[j]);
        // Where packet-http.c puts each: a response's number before the time since its
        // request, the previous messages before `http.request_in`, the URI last (before
        // the body's expert item).
        let add_before = |n: &mut Node, before: &[&str], node: Node| {
            let mut node = node.gen();
            node.source = src;
            let at = n
                .children
                .iter()
                .position(|c| before.contains(&&*c.name))
                .unwrap_or_else(|| super::end_of_head(n));
            n.children.insert(at, node);
        };
        let after_time = ["http.request_in"];
        let before_time = ["http.time", "http.request_in"];
        let (name, word) = if request {
            ("http.request_number", "request")
        } else {
            ("http.response_number", "response")
        };
        let number = k + 1;
        add_before(
            n,
            &before_time,
            Node::field(
                name,
                format!("HTTP {word} {number}/{total}"),
                number.to_string(),
                at,
                0,
            ),
        );
        let frame = |label: &str, name: &'static str, p: u64| {
            Node::field(
                name,
                format!("{label}: {}", p + 1),
                (p + 1).to_string(),
                at,
                0,
            )
        };
        if let Some(p) = prev.and_then(|q| q.req) {
            add_before(
                n,
                &after_time,
                frame("Prev request in frame", "http.prev_request_in", p),
            );
        }
        if request {
            continue;
        }
        if let Some(p) = prev.and_then(|q| q.res) {
            add_before(
                n,
                &after_time,
                frame("Prev response in frame", "http.prev_response_in", p),
            );
        }
        // The URI of the conversation's last request, paired or not (packet-http.c keeps
        // it per conversation).
        let asked =
            last_request.and_then(|t| match &capture.transactions.get(t as usize)?.detail {
                Detail::Http(h) => Some(h),
                _ => None,
            });
        if let Some(h) = asked {
            if let Some(host) = h.host() {
                let scheme = if https { "https" } else { "http" };
                let uri = format!("{scheme}://{host}{}", h.uri());
                add_before(
                    n,
                    &[],
                    crate::query::detail::string_field(
                        "http.response_for.uri",
                        "Request URI",
                        uri,
                        at,
                        0,
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod test {
    //! tests/data/servers/http.pcap; expected values are tshark 4.0.17's PDML.
    use crate::ingest::app::testkit;
    use crate::query::detail::{detail, Apps, Detail, FrameInfo};
    use crate::query::fields::{FieldCtx, MemorySource};

    fn details() -> Vec<Detail> {
        let c = testkit::capture("http.pcap", &[]);
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/servers/http.pcap");
        let b = std::fs::read(path).expect("tests/data/servers is in the repository");
        let mut src = MemorySource { files: vec![&b] };
        let mut ctx = FieldCtx::new(&c);
        let mut apps = Apps::new();
        (0..c.packets.len())
            .map(|i| detail(&mut ctx, i, &mut src, &mut apps, FrameInfo::default()))
            .collect()
    }

    fn show<'a>(d: &'a Detail, name: &str) -> Option<&'a str> {
        d.find(name).map(|n| n.show.as_str())
    }

    #[test]
    fn messages_are_numbered_and_linked_as_tshark_pairs_them() {
        let d = details();
        // Frames 4, 6, 8, 9: a request and its response, twice.
        assert_eq!(show(&d[3], "http.request_number"), Some("1"));
        assert_eq!(show(&d[3], "http.prev_request_in"), None);
        assert_eq!(show(&d[7], "http.prev_request_in"), Some("4"));
        let r = &d[8];
        let number = r.find("http.response_number").unwrap();
        assert_eq!(
            (number.showname.as_str(), number.pos, number.size),
            ("HTTP response 2/2", 66, 0)
        );
        assert_eq!(show(r, "http.prev_request_in"), Some("4"));
        assert_eq!(show(r, "http.prev_response_in"), Some("6"));
        assert_eq!(
            show(r, "http.response_for.uri"),
            Some("http://127.0.0.1:28080/index.html")
        );
        // Two requests pipelined in frame 76: tshark pairs frame 78's response with the
        // second, and frame 80's with none; both answer the last request's URI.
        let two: Vec<_> = d[75]
            .layers
            .iter()
            .filter(|l| l.name == "http")
            .map(|l| l.find("http.request_number").unwrap().show.as_str())
            .collect();
        assert_eq!(two, ["1", "2"]);
        assert_eq!(show(&d[77], "http.response_number"), Some("2"));
        assert_eq!(show(&d[79], "http.response_number"), Some("3"));
        assert_eq!(show(&d[79], "http.prev_response_in"), Some("78"));
        assert_eq!(
            show(&d[79], "http.response_for.uri"),
            Some("http://a/missing")
        );
    }
}
