//! Conversation, endpoint and protocol-hierarchy tables, as `tshark -z conv,…`,
//! `-z endpoints,…` and `-z io,phs` print them.
//!
//! Endpoints are summed from the conversations: an address (with its port for TCP and
//! UDP) sends what its side of each conversation sent and receives the rest.

use crate::capture::flow::{Conversation, L4};
use crate::capture::stats::{Address, Endpoint, StatsResult, Table};
use crate::capture::Capture;
use std::collections::HashMap;

/// The endpoints of a table, in order of their first frame. TCP and UDP endpoints come
/// from the capture's conversations.
pub fn endpoints(capture: &Capture, table: Table) -> Vec<Endpoint> {
    endpoints_of(&capture.stats, table, &capture.conversations)
}

/// [`endpoints`] from the statistics and the TCP/UDP conversations.
pub(crate) fn endpoints_of(
    stats: &StatsResult,
    table: Table,
    flows: &[Conversation],
) -> Vec<Endpoint> {
    let mut acc = EndpointTable::default();
    match table {
        Table::Eth | Table::Ip | Table::Ipv6 => {
            for c in stats.conversations(table) {
                acc.add(
                    (c.a, None),
                    (c.b, None),
                    [c.frames_ab, c.bytes_ab, c.frames_ba, c.bytes_ba],
                );
            }
        }
        Table::Tcp | Table::Udp => {
            let proto = if table == Table::Tcp {
                L4::Tcp
            } else {
                L4::Udp
            };
            for c in flows.iter().filter(|c| c.proto == proto) {
                acc.add(
                    (Address::Ip(c.a), Some(c.port_a)),
                    (Address::Ip(c.b), Some(c.port_b)),
                    [c.frames_ab, c.bytes_ab, c.frames_ba, c.bytes_ba],
                );
            }
        }
    }
    acc.rows
}

#[derive(Default)]
struct EndpointTable {
    rows: Vec<Endpoint>,
    index: HashMap<(Address, Option<u16>), usize>,
}

impl EndpointTable {
    /// Accounts one conversation: `[frames_ab, bytes_ab, frames_ba, bytes_ba]`.
    fn add(
        &mut self,
        a: (Address, Option<u16>),
        b: (Address, Option<u16>),
        [fab, bab, fba, bba]: [u64; 4],
    ) {
        for (key, tx, rx) in [(a, (fab, bab), (fba, bba)), (b, (fba, bba), (fab, bab))] {
            let rows = &mut self.rows;
            let i = *self.index.entry(key).or_insert_with(|| {
                rows.push(Endpoint {
                    address: key.0,
                    port: key.1,
                    packets: 0,
                    bytes: 0,
                    tx_packets: 0,
                    tx_bytes: 0,
                    rx_packets: 0,
                    rx_bytes: 0,
                });
                rows.len() - 1
            });
            let e = &mut self.rows[i];
            e.tx_packets += tx.0;
            e.tx_bytes += tx.1;
            e.rx_packets += rx.0;
            e.rx_bytes += rx.1;
            e.packets += tx.0 + rx.0;
            e.bytes += tx.1 + rx.1;
        }
    }
}
