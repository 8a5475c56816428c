//! TLS handshakes (and QUIC's): the server name, ALPN and versions of each, and what the
//! decrypted records carried.

use super::{frame, of, stream_of};
use crate::capture::app::tls::Tls;
use crate::capture::app::Transaction;
use crate::capture::packet::PacketRow;
use crate::capture::Capture;
use serde::Serialize;
use std::net::IpAddr;

/// One TLS handshake.
#[derive(Clone, Debug, Serialize)]
pub struct Row<'a> {
    /// `tcp.stream` (`udp.stream` for QUIC).
    pub stream: u32,
    /// `tcp`, or `udp` for QUIC.
    pub transport: &'static str,
    /// The client's address and port (`[v6]:port` for IPv6).
    pub client: String,
    /// The server's.
    pub server: String,
    /// The frame that completed the ClientHello.
    pub client_hello_frame: Option<u64>,
    /// The frame that completed the ServerHello.
    pub server_hello_frame: Option<u64>,
    /// What it says.
    #[serde(flatten)]
    pub tls: &'a Tls,
    /// The negotiated version's name, else the client's best.
    pub version: Option<String>,
    /// The protocol its decrypted records carried (with the session's secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner: Option<crate::capture::app::AppProto>,
}

/// The TLS handshakes among `txs`, in their order (the capture's: by first packet).
pub fn rows<'a>(capture: &Capture, txs: impl IntoIterator<Item = &'a Transaction>) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    for (t, tls) in of::<Tls>(txs) {
        let Some(c) = capture.conversations.get(t.conv as usize) else {
            continue;
        };
        // The client sent the ClientHello: side A unless the hello came from B.
        let hello_from_b = t
            .request
            .and_then(|s| capture.packets.get(s.first() as usize))
            .is_some_and(|p| p.flags & PacketRow::FLAG_B_TO_A != 0);
        let (a, b) = (
            format!("{}:{}", fmt_ip(c.a), c.port_a),
            format!("{}:{}", fmt_ip(c.b), c.port_b),
        );
        let (client, server) = if hello_from_b { (b, a) } else { (a, b) };
        let (transport, stream) = stream_of(capture, t.conv);
        rows.push(Row {
            stream,
            transport,
            client,
            server,
            client_hello_frame: t.request.map(|s| frame(s.last())),
            server_hello_frame: t.response.map(|s| frame(s.last())),
            tls,
            version: tls.version(),
            inner: capture.app_inner.get(t.conv as usize).copied().flatten(),
        });
    }
    rows
}

fn fmt_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    }
}
