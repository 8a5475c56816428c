//! The view in the URL's fragment (`#tab=sessions&filter=…&columns=…&stream=tcp:3&frame=12
//! &time=delta`), so that a teammate who opens the same capture from a shared link lands
//! on the same view. The fragment never reaches a server, and replacing it loads nothing.

use super::state::{AppState, Phase, Tab, TimeFormat, APPS};
use leptos::prelude::*;
use wirelens_web::protocol::StreamRef;

/// What the fragment says.
#[derive(Clone, Debug, Default, PartialEq)]
struct Shared {
    tab: Option<Tab>,
    filter: Option<String>,
    columns: Option<String>,
    stream: Option<StreamRef>,
    frame: Option<u64>,
    time: Option<TimeFormat>,
}

fn tab_named(key: &str) -> Option<Tab> {
    Tab::ALL.into_iter().find(|t| t.key() == key).or_else(|| {
        APPS.iter()
            .find(|(n, _)| *n == key)
            .map(|(n, _)| Tab::App(n))
    })
}

fn parse(fragment: &str) -> Shared {
    let mut s = Shared::default();
    for pair in fragment.trim_start_matches('#').split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v);
        match k {
            "tab" => s.tab = tab_named(&v),
            "filter" => s.filter = Some(v),
            "columns" => s.columns = Some(v),
            "stream" => {
                s.stream = v.split_once(':').and_then(|(p, n)| {
                    Some(StreamRef {
                        udp: p == "udp",
                        stream: n.parse().ok()?,
                    })
                })
            }
            "frame" => s.frame = v.parse().ok(),
            "time" => s.time = TimeFormat::from_key(&v),
            _ => {}
        }
    }
    s
}

/// As `encodeURIComponent`: every byte but `A–Z a–z 0–9 - _ . ! ~ * ' ( )` as `%XX`.
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` sequences back to bytes (anything else as it is), read as UTF-8.
fn decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn fragment(s: &Shared) -> String {
    let mut parts = Vec::new();
    if let Some(t) = s.tab.filter(|t| *t != Tab::Detail) {
        parts.push(format!("tab={}", t.key()));
    }
    if let Some(f) = s.filter.as_deref().filter(|f| !f.is_empty()) {
        parts.push(format!("filter={}", encode(f)));
    }
    if let Some(c) = s.columns.as_deref().filter(|c| !c.is_empty()) {
        parts.push(format!("columns={}", encode(c)));
    }
    if let Some(st) = s.stream {
        parts.push(format!(
            "stream={}:{}",
            if st.udp { "udp" } else { "tcp" },
            st.stream
        ));
    }
    if let Some(f) = s.frame {
        parts.push(format!("frame={f}"));
    }
    if let Some(t) = s.time.filter(|t| *t != TimeFormat::Relative) {
        parts.push(format!("time={}", t.key()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("#{}", parts.join("&"))
    }
}

/// Whether the page was opened from a link with a view in it (then it waits for the
/// user's capture instead of opening the sample).
pub fn shared() -> bool {
    window()
        .location()
        .hash()
        .is_ok_and(|h| h.trim_start_matches('#').split('&').any(|p| !p.is_empty()))
}

/// Reads the fragment into the state now (the filter and columns apply when a capture
/// opens; the stream and packet once it has), then keeps the fragment up to date.
pub fn sync(state: AppState) {
    let location = window().location();
    let start = parse(&location.hash().unwrap_or_default());
    if let Some(f) = &start.filter {
        state.filter_text.set(f.clone());
    }
    if let Some(c) = &start.columns {
        state.columns_text.set(c.clone());
    }
    if let Some(t) = start.time {
        state.time_format.set(t);
    }
    // What waits for a capture: applied once, to the first capture that opens.
    let pending = StoredValue::new(Some(start.clone()));
    Effect::new(move |_| {
        if state.phase.with(|p| *p != Phase::Loaded) {
            return;
        }
        let Some(s) = pending.get_value() else { return };
        // The filter from the link is applied first (on load); the rest follows it.
        if state.filtering.get() {
            return;
        }
        pending.set_value(None);
        if let Some(st) = s.stream {
            state.follow.set(Some(st));
        }
        if let Some(t) = s.tab {
            state.tab.set(t);
        }
        if let Some(f) = s.frame {
            state.go_to_frame(f);
        }
    });
    // Keep the fragment saying what is shown.
    Effect::new(move |_| {
        let now = Shared {
            tab: Some(state.tab.get()),
            filter: state.filter.with(|f| f.as_ref().map(|f| f.text.clone())),
            columns: state
                .filter
                .with(|f| f.as_ref().map(|f| f.columns.join(", "))),
            stream: state.follow.get(),
            frame: state
                .selected
                .get()
                .and_then(|r| state.rows.with_untracked(|c| c.get(r).map(|r| r.no))),
            time: Some(state.time_format.get()),
        };
        if state.phase.with(|p| *p != Phase::Loaded) || pending.with_value(Option::is_some) {
            return;
        }
        let hash = fragment(&now);
        let current = window().location().hash().unwrap_or_default();
        if hash != current {
            let url = if hash.is_empty() {
                let l = window().location();
                format!(
                    "{}{}",
                    l.pathname().unwrap_or_default(),
                    l.search().unwrap_or_default()
                )
            } else {
                hash
            };
            if let Ok(h) = window().history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
    });
}

#[cfg(test)]
mod test {
    #[test]
    fn fragments() {
        use super::*;
        let s = Shared {
            tab: Some(Tab::Sessions),
            filter: Some("tcp.port == 80 && http".into()),
            columns: Some("tcp.stream, http.host".into()),
            stream: Some(StreamRef {
                udp: false,
                stream: 3,
            }),
            frame: Some(12),
            time: Some(TimeFormat::Delta),
        };
        let f = fragment(&s);
        assert!(f.starts_with("#tab=sessions&filter=tcp.port%20%3D%3D%2080"));
        assert_eq!(parse(&f), s);
        assert_eq!(fragment(&Shared::default()), "");
        assert_eq!(decode(&encode("é && \"x\" %")), "é && \"x\" %");
    }
}
