use crate::ui::files;
use crate::ui::format;
use crate::ui::resize::observe_height;
use crate::ui::state::{use_state, Scope};
use crate::ui::virtual_rows::{Scroller, Viewport};
use leptos::prelude::*;
use wirelens_web::protocol::{
    Answer, Export, FollowLine, FollowMode, FollowSave, FollowSlice, Query, StreamRef,
};

/// Height of a line, px (the CSS gives lines exactly this).
const LINE_H: f64 = 18.0;
/// Lines fetched beyond the visible ones, each way.
const AHEAD: u64 = 200;

/// The followed stream: the client's bytes and the server's in two colours, gaps marked,
/// as text, a hex dump or raw hex; search with next and previous; save as tshark's text
/// or as either side's bytes. A click on a line selects its packet in the list.
#[component]
pub fn FollowView() -> impl IntoView {
    let state = use_state();
    let mode = RwSignal::new(FollowMode::Ascii);
    let slice = RwSignal::new(None::<(StreamRef, FollowMode, FollowSlice)>);
    let error = RwSignal::new(None::<String>);
    let search = RwSignal::new(String::new());
    let found = RwSignal::new(None::<(String, Vec<u64>)>);
    let current = RwSignal::new(0usize);
    let asked = StoredValue::new(0u32);
    let sc = Scroller::new();
    let height = RwSignal::new(0.0);
    observe_height(sc.body, height);
    let total = move || slice.with(|s| s.as_ref().map_or(0, |s| s.2.total));
    let vp = Memo::new(move |_| Viewport {
        total: total(),
        row_h: LINE_H,
        height: height.get(),
        scroll_top: sc.scroll_top.get(),
        pos: sc.pos.get(),
    });
    // Another stream or mode starts at the top, with no search results.
    Effect::new(move |_| {
        state.follow.track();
        mode.track();
        found.set(None);
        sc.go(&vp.get_untracked(), 0.0);
    });
    Effect::new(move |_| {
        let Some(stream) = state.follow.get() else {
            return;
        };
        let m = mode.get();
        let v = vp.get();
        let (first, n) = (v.first(), v.count().max(40));
        let covered = slice.with_untracked(|s| {
            s.as_ref().is_some_and(|(st, sm, s)| {
                *st == stream
                    && *sm == m
                    && s.start <= first
                    && s.start + s.lines.len() as u64 >= (first + n).min(s.total)
            })
        });
        if covered {
            return;
        }
        let k = asked.get_value() + 1;
        asked.set_value(k);
        let query = Query::Follow {
            stream,
            mode: m,
            start: first.saturating_sub(AHEAD),
            count: (n + 2 * AHEAD) as u32,
        };
        state.ask(query, Scope::Capture, move |a| {
            if asked.try_get_value() != Some(k) {
                return;
            }
            match a {
                Answer::Follow(s) => {
                    error.try_set(None);
                    slice.try_set(Some((stream, m, s)));
                }
                Answer::Error(e) => {
                    error.try_set(Some(e));
                    slice.try_set(None);
                }
                _ => {}
            }
        });
    });

    // Next (+1) or previous (-1) match.
    let step = move |by: i64| {
        let n = found.with_untracked(|f| f.as_ref().map_or(0, |f| f.1.len()));
        if n == 0 {
            return;
        }
        let k = (current.get_untracked() as i64 + by).rem_euclid(n as i64) as usize;
        current.set(k);
        if let Some(l) = found.with_untracked(|f| f.as_ref().and_then(|f| f.1.get(k).copied())) {
            sc.show(&vp.get_untracked(), l);
        }
    };
    let run_search = move || {
        let (Some(stream), text) = (state.follow.get_untracked(), search.get_untracked()) else {
            return;
        };
        if text.is_empty() {
            found.set(None);
            return;
        }
        if found.with_untracked(|f| f.as_ref().is_some_and(|(t, _)| *t == text)) {
            step(1);
            return;
        }
        let query = Query::FollowSearch {
            stream,
            mode: mode.get_untracked(),
            text: text.clone(),
        };
        state.ask(query, Scope::Capture, move |a| {
            if let Answer::Found(lines) = a {
                current.try_set(0);
                if let Some(&l) = lines.first() {
                    sc.show(&vp.get_untracked(), l);
                }
                found.try_set(Some((text, lines)));
            }
        });
    };
    let save = move |what: FollowSave| {
        let Some(stream) = state.follow.get_untracked() else {
            return;
        };
        state.ask(
            Query::FollowSave { stream, save: what },
            Scope::Capture,
            move |a| match a {
                Answer::File(f) => {
                    if let Err(e) = files::save(&f) {
                        error.try_set(Some(e));
                    }
                }
                Answer::Error(e) => {
                    error.try_set(Some(e));
                }
                _ => {}
            },
        );
    };
    let match_line = move |l: u64| {
        found.with(|f| {
            f.as_ref()
                .and_then(|(_, lines)| lines.binary_search(&l).ok().map(|k| k == current.get()))
        })
    };
    let visible = move || {
        let v = vp.get();
        let (first, n) = (v.first(), v.count());
        slice.with(|s| {
            let Some((stream, m, s)) = s else {
                return Vec::new();
            };
            (first..first + n)
                .map(|i| {
                    let line = i
                        .checked_sub(s.start)
                        .and_then(|k| s.lines.get(k as usize).cloned());
                    ((*stream, *m, i), line)
                })
                .collect::<Vec<_>>()
        })
    };
    let line_view = move |i: u64, line: Option<FollowLine>| {
        let Some(l) = line else {
            return view! { <div class="follow-line pending">"…"</div> }.into_any();
        };
        let frame = l.frame;
        view! {
            <div
                class="follow-line"
                class:server=l.server
                class:client=!l.server
                class:gap=l.gap
                class:found=move || match_line(i).is_some()
                class:current=move || match_line(i) == Some(true)
                data-testid="follow-line"
                data-frame=frame.to_string()
                title=format!("Packet {frame}")
                on:click=move |_| state.go_to_frame(frame)
            >
                {l.text}
            </div>
        }
        .into_any()
    };
    let head = move || {
        let stream = state.follow.get()?;
        let proto = if stream.udp { "UDP" } else { "TCP" };
        let info = slice.with(|s| {
            s.as_ref().map(|(_, _, s)| {
                let gaps = if s.gaps > 0 {
                    format!(" · {} bytes missing", format::thousands(s.gaps))
                } else {
                    String::new()
                };
                view! {
                    <span class="client-mark">{format!("{} ({} bytes)", s.node0, format::thousands(s.client_bytes))}</span>
                    " → "
                    <span class="server-mark">{format!("{} ({} bytes)", s.node1, format::thousands(s.server_bytes))}</span>
                    <span class="muted">{gaps}</span>
                }
            })
        });
        Some(view! {
            <strong id="follow-title">{format!("{proto} stream {}", stream.stream)}</strong>
            " "
            {info}
        })
    };
    let count = move || {
        found.with(|f| match f {
            Some((_, lines)) if lines.is_empty() => "no match".to_owned(),
            Some((_, lines)) => format!(
                "{} of {}",
                current.get() + 1,
                format::thousands(lines.len() as u64)
            ),
            None => String::new(),
        })
    };
    let filter_stream = move |_| {
        if let Some(s) = state.follow.get_untracked() {
            let proto = if s.udp { "udp" } else { "tcp" };
            state.apply_filter_text(format!("{proto}.stream == {}", s.stream));
        }
    };
    view! {
        <div class="follow" id="follow">
            <Show
                when=move || state.follow.with(Option::is_some)
                fallback=|| view! {
                    <p class="muted pad">
                        "Choose “Follow” on a conversation, a session, or a packet (in its Packet tab) to read its stream here."
                    </p>
                }
            >
                <div class="follow-head">{head}</div>
                <div class="table-tools">
                    <label class="inline">
                        "Show as "
                        <select id="follow-mode" on:change=move |ev| {
                            mode.set(match event_target_value(&ev).as_str() {
                                "hex" => FollowMode::Hex,
                                "raw" => FollowMode::Raw,
                                _ => FollowMode::Ascii,
                            })
                        }>
                            <option value="ascii">"ASCII"</option>
                            <option value="hex">"Hex dump"</option>
                            <option value="raw">"Raw"</option>
                        </select>
                    </label>
                    <input
                        type="search"
                        id="follow-search"
                        class="table-search"
                        placeholder="Find in the stream (Enter: next)"
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" {
                                if ev.shift_key() { step(-1) } else { run_search() }
                            }
                        }
                    />
                    <button class="button small" id="follow-prev" on:click=move |_| step(-1)>"▲"</button>
                    <button class="button small" id="follow-next" on:click=move |_| step(1)>"▼"</button>
                    <span id="follow-count" class="muted">{count}</span>
                    <span class="spacer"></span>
                    <button class="button small" id="follow-filter" on:click=filter_stream>"Filter"</button>
                    <button class="button small" id="save-text" title="As tshark -z follow prints it, in this mode" on:click=move |_| save(FollowSave::Text(mode.get_untracked()))>"Save text"</button>
                    <button class="button small" id="save-client" title="The client's payload bytes" on:click=move |_| save(FollowSave::Bytes(Some(false)))>"Client bytes"</button>
                    <button class="button small" id="save-server" title="The server's payload bytes" on:click=move |_| save(FollowSave::Bytes(Some(true)))>"Server bytes"</button>
                    <button class="button small" id="save-both" title="Both sides' payload bytes, in order" on:click=move |_| save(FollowSave::Bytes(None))>"All bytes"</button>
                    <button class="button small" id="save-pcapng" title="The stream's packets as a capture file" on:click=move |_| {
                        if let Some(stream) = state.follow.get_untracked() {
                            let query = Query::Export(Export::Packets { stream: Some(stream), pcapng: true });
                            files::ask_and_save(state, query, move |e| { error.try_set(Some(e)); });
                        }
                    }>"pcapng"</button>
                </div>
                {move || error.get().map(|e| view! { <p class="page-error" id="follow-error">{e}</p> })}
                <div class="follow-body" id="follow-body" node_ref=sc.body on:scroll=move |_| sc.scrolled(&vp.get_untracked()) on:scrollend=move |_| sc.settled(&vp.get_untracked())>
                    <div class="vt-space" style:height=move || format!("{}px", vp.get().virtual_height())>
                        <div class="follow-lines" class:hex=move || mode.get() != FollowMode::Ascii style:transform=move || format!("translateY({}px)", vp.get().offset())>
                            <For each=visible key=|(k, l)| (*k, l.is_some()) children=move |((_, _, i), l)| line_view(i, l) />
                        </div>
                    </div>
                </div>
            </Show>
        </div>
    }
}
