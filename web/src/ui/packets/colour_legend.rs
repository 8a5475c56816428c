use crate::ui::state::use_state;
use leptos::prelude::*;

/// The colouring rules the worker applies (after Wireshark's default `colorfilters`, in
/// their order), with the filter each stands for.
pub const RULES: [(&str, &str, &str); 9] = [
    (
        "bad-tcp",
        "Bad TCP",
        "tcp.analysis.flags && !tcp.analysis.window_update && !tcp.analysis.keep_alive && !tcp.analysis.keep_alive_ack",
    ),
    ("tcp-rst", "TCP RST", "tcp.flags.reset == 1"),
    ("http", "HTTP", "http"),
    ("tcp-synfin", "TCP SYN/FIN", "tcp.flags.syn == 1 || tcp.flags.fin == 1"),
    ("tcp", "TCP", "tcp"),
    ("udp", "UDP", "udp"),
    ("icmp-error", "ICMP errors", "icmp.type in {3 4 5 11 12} || icmpv6.type in {1..4}"),
    ("icmp", "ICMP", "icmp || icmpv6"),
    ("arp", "ARP", "arp"),
];

/// A switch for row colours and, while they are on, a legend of the rules.
#[component]
pub fn ColourLegend() -> impl IntoView {
    let state = use_state();
    let open = RwSignal::new(false);
    view! {
        <span class="legend">
            <label class="check" title="Colour rows by protocol, as Wireshark's default colouring rules">
                <input
                    type="checkbox"
                    id="colours-toggle"
                    prop:checked=move || state.colours.get()
                    on:change=move |ev| state.colours.set(event_target_checked(&ev))
                />
                "Colours"
            </label>
            <button
                id="legend-toggle"
                class="button small"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Legend"
            </button>
            <Show when=move || open.get()>
                <ul id="colour-legend" class="legend-list coloured" role="list">
                    {RULES
                        .iter()
                        .map(|(key, name, filter)| {
                            view! {
                                <li class=format!("c-{key}") data-rule=*key title=*filter>
                                    <span class="swatch"></span>
                                    {*name}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </Show>
        </span>
    }
}
