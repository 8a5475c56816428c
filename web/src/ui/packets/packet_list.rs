use crate::ui::format;
use crate::ui::packets::FilterBar;
use crate::ui::state::use_state;
use leptos::prelude::*;
use wirelens_web::protocol::{PacketRowView, PAGE_ROWS};

/// One page of packets (No., Time, Source, Destination, Protocol, Length, Info) with
/// previous/next buttons. Rows are fetched from the worker page by page.
#[component]
pub fn PacketList() -> impl IntoView {
    let state = use_state();
    let total = move || state.shown();
    let columns = move || {
        state
            .filter
            .with(|f| f.as_ref().map(|f| f.columns.clone()).unwrap_or_default())
    };
    let start = move || state.page_start.get();
    let rows = move || {
        state
            .page
            .with(|p| p.as_ref().map(|p| p.rows.clone()).unwrap_or_default())
    };
    let page_error = move || {
        state
            .page
            .with(|p| p.as_ref().and_then(|p| p.error.clone()))
    };
    let info = move || {
        let (start, total) = (start(), total());
        if total == 0 {
            "no packets".to_owned()
        } else {
            let last = (start + PAGE_ROWS as u64).min(total);
            format!(
                "{}–{} of {}",
                format::thousands(start + 1),
                format::thousands(last),
                format::thousands(total)
            )
        }
    };
    let prev =
        move |_: leptos::ev::MouseEvent| state.show_page(start().saturating_sub(PAGE_ROWS as u64));
    let next = move |_: leptos::ev::MouseEvent| state.show_page(start() + PAGE_ROWS as u64);

    view! {
        <Show when=move || state.summary.with(Option::is_some)>
            <section id="packets" class="panel">
                <div class="panel-head">
                    <h2>"Packets"</h2>
                    <div class="pager">
                        <button id="page-prev" class="button" disabled=move || start() == 0 on:click=prev>
                            "◀ Previous"
                        </button>
                        <span id="page-info">{info}</span>
                        <button
                            id="page-next"
                            class="button"
                            disabled=move || { start() + (PAGE_ROWS as u64) >= total() }
                            on:click=next
                        >
                            "Next ▶"
                        </button>
                    </div>
                </div>
                <FilterBar />
                {move || page_error().map(|e| view! { <p class="page-error">{e}</p> })}
                <div class="table-scroll packets-scroll">
                    <table id="packet-list" class="grid packets">
                        <colgroup>
                            <col class="w-no" />
                            <col class="w-time" />
                            <col class="w-addr" />
                            <col class="w-addr" />
                            <col class="w-proto" />
                            <col class="w-len" />
                            <col />
                            {move || columns().into_iter().map(|_| view! { <col class="w-custom" style="width: 9em" /> }).collect_view()}
                        </colgroup>
                        <thead>
                            <tr>
                                <th class="num">"No."</th>
                                <th class="num">"Time"</th>
                                <th>"Source"</th>
                                <th>"Destination"</th>
                                <th>"Protocol"</th>
                                <th class="num">"Length"</th>
                                <th>"Info"</th>
                                {move || {
                                    columns()
                                        .into_iter()
                                        .map(|c| view! { <th class="custom" data-testid="custom-column">{c}</th> })
                                        .collect_view()
                                }}
                            </tr>
                        </thead>
                        <tbody>
                            <For each=rows key=|r| (r.no, r.custom.clone()) children=packet_row />
                        </tbody>
                    </table>
                </div>
            </section>
        </Show>
    }
}

fn packet_row(r: PacketRowView) -> impl IntoView {
    let class = row_class(&r);
    let (src, dst, info) = (r.src.clone(), r.dst.clone(), r.info.clone());
    let (src_title, dst_title, info_title) = (r.src, r.dst, r.info);
    view! {
        <tr data-testid="packet-row" class=class>
            <td class="num">{r.no}</td>
            <td class="num">{r.time}</td>
            <td class="addr" title=src_title>{src}</td>
            <td class="addr" title=dst_title>{dst}</td>
            <td>{r.protocol}</td>
            <td class="num">{r.length}</td>
            <td class="info" title=info_title>{info}</td>
            {r.custom.into_iter().map(|v| { let t = v.clone(); view! { <td class="custom" title=t>{v}</td> } }).collect_view()}
        </tr>
    }
}

/// Row colours in the spirit of Wireshark's default colouring rules.
fn row_class(r: &PacketRowView) -> &'static str {
    match r.protocol.as_str() {
        "TCP" if r.info.contains("RST") => "row-rst",
        "TCP" if r.info.contains("[SYN") || r.info.contains("FIN") => "row-synfin",
        "TCP" => "row-tcp",
        "UDP" => "row-udp",
        "ICMP" | "ICMPv6" => "row-icmp",
        "ARP" => "row-arp",
        _ => "row-other",
    }
}
