//! TLS after an accepted STARTTLS: where a line-based conversation (FTP's AUTH TLS,
//! SMTP's and IMAP's STARTTLS, POP's STLS) becomes TLS, for the detail's application
//! layers ([`super::super::app::Apps`]), which then cut its bytes into TLS records.
//!
//! tshark 4.0's `packet-ftp.c`, `packet-smtp.c`, `packet-pop.c` and `packet-imap.c` call
//! `ssl_starttls_ack` on the server's reply accepting: every frame after that one goes
//! to the TLS dissector (`last_nontls_frame`), both ways, and the records' application
//! data is named after the line protocol. The segments followed and the reply that
//! accepts are those of [`tcpapps::LineState`], which the rows and filters follow too.

use crate::capture::flow::{Direction, L4};
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::Capture;
use crate::query::fields::tcpapps::{self, Framing, LineState, Lines};
use crate::query::fields::withheld;

/// One line-based conversation's way to TLS.
#[derive(Clone)]
pub(in crate::query::detail) struct Gate {
    lines: Lines,
    state: LineState,
    /// Its protocol (`pop`, `smtp` …).
    proto: &'static str,
    /// The direction its client sends in (towards the protocol's port).
    client: Direction,
    /// The packet whose reply accepted STARTTLS: the frames after it are TLS.
    switched_at: Option<u64>,
}

impl Gate {
    /// The gate of `row`'s conversation, when it is a TCP conversation of a line-based
    /// protocol that has a STARTTLS (not Telnet's).
    pub(in crate::query::detail) fn of(capture: &Capture, row: &PacketRow) -> Option<Gate> {
        if row.flow == NO_FLOW {
            return None;
        }
        let conv = capture.conversations.get(row.flow as usize)?;
        if conv.proto != L4::Tcp {
            return None;
        }
        let ports = [conv.port_a, conv.port_b];
        let proto = tcpapps::proto_of(ports)?;
        let Some(Framing::Lines(lines)) = tcpapps::framing(proto) else {
            return None;
        };
        if proto == "telnet" {
            // No STARTTLS: it never switches.
            return None;
        }
        let client = if super::to_server(proto, ports, Direction::AToB) {
            Direction::AToB
        } else {
            Direction::BToA
        };
        Some(Gate {
            lines,
            state: LineState::default(),
            proto,
            client,
            switched_at: None,
        })
    }

    /// Takes packet `index` (of row `row`, its TCP payload `payload`, `rst` when it
    /// resets), in the conversation's packet order: a segment TCP hands on, until the
    /// switch, goes to the line protocol's state.
    pub(in crate::query::detail) fn segment(
        &mut self,
        capture: &Capture,
        index: usize,
        row: &PacketRow,
        payload: &[u8],
        rst: bool,
    ) {
        if self.switched_at.is_some() || payload.is_empty() || rst || withheld(capture, index) {
            return;
        }
        self.state
            .segment(self.lines, row.dir() == self.client, payload);
        if self.state.switched() {
            self.switched_at = Some(index as u64);
        }
    }

    /// Whether the bytes of packet `packet` are TLS (it came after the accepting reply).
    pub(in crate::query::detail) fn tls(&self, packet: u64) -> bool {
        self.switched_at.is_some_and(|s| packet > s)
    }

    /// The direction the client sends in.
    pub(in crate::query::detail) fn client(&self) -> Direction {
        self.client
    }

    /// What the records' application data is named after: the line protocol
    /// (`Application Data Protocol: Post Office Protocol`).
    pub(in crate::query::detail) fn title(&self) -> &'static str {
        super::proto_title(self.proto)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// tshark 4.0 on tests/data/tcpapps/lines.pcap: the segment after each accepting
    /// reply is TLS (frames 13, 32, 43, 54); the refused SMTP STARTTLS (frame 29) changes
    /// nothing, the accepted one (frame 31) does.
    #[test]
    fn switches_after_the_accepting_reply() {
        let file = include_bytes!("../../../../../tests/data/tcpapps/lines.pcap");
        let capture = crate::ingest::ingest_bytes("lines.pcap", file);
        let mut src = crate::query::fields::MemorySource {
            files: vec![&file[..]],
        };
        let mut gates: std::collections::HashMap<u32, Gate> = Default::default();
        let mut buf = Vec::new();
        let mut tls = Vec::new();
        for i in 0..capture.packets.len() {
            let row = capture.packets.at(i);
            let Some(g) = Gate::of(&capture, &row) else {
                continue;
            };
            let g = gates.entry(row.flow).or_insert(g);
            use crate::query::fields::PacketSource;
            assert!(src.read(i, &row, &mut buf));
            let s = crate::ingest::wire::dissect(capture.linktype_of(&row), &buf);
            let payload = crate::ingest::app::payload_of(&s, &buf, &[]).unwrap_or(&[]);
            g.segment(&capture, i, &row, payload, false);
            if g.tls(i as u64) && !payload.is_empty() {
                tls.push(i + 1);
            }
        }
        // FTP, SMTP, POP, IMAP: each accept's next frame; Telnet has no gate.
        assert_eq!(tls, [13, 32, 43, 54]);
        assert_eq!(gates.len(), 4);
        let titles: std::collections::BTreeSet<_> = gates.values().map(Gate::title).collect();
        assert!(titles.contains("Post Office Protocol"));
    }
}
