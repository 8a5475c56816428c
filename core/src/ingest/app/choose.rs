//! Which parser a conversation gets: the user's decode-as rules first, then what its
//! first bytes say ([`sniff`](super::sniff::sniff)), then its well-known port.

use super::sniff::Sniff;
use super::tls::SharedKeys;
use super::{dns, http, http2, memcache, mysql, pgsql, quic, redis, tls, StreamParser};
use crate::capture::app::AppProto;
use crate::capture::flow::{Conversation, Direction, L4};
use std::collections::HashMap;

/// The protocol a well-known port stands for (before any decode-as).
pub fn proto_by_port(l4: L4, port: u16) -> Option<AppProto> {
    Some(match (l4, port) {
        (L4::Tcp, 80 | 8080 | 8000 | 8008 | 8081 | 8088 | 8888 | 3128) => AppProto::Http,
        (L4::Tcp, 443 | 8443 | 465 | 993 | 995 | 853 | 636) => AppProto::Tls,
        (_, 53 | 5353) => AppProto::Dns,
        (L4::Tcp, 11211) | (L4::Udp, 11211) => AppProto::Memcache,
        (L4::Tcp, 6379) => AppProto::Redis,
        (L4::Tcp, 3306) => AppProto::Mysql,
        (L4::Tcp, 5432) => AppProto::Pgsql,
        (L4::Udp, 443) => AppProto::Quic,
        _ => return None,
    })
}

/// What a parser may need beside its bytes.
pub(super) struct ParserCtx<'a> {
    /// The key log (TLS).
    pub keys: &'a SharedKeys,
    /// The server's port.
    pub server_port: u16,
}

/// The parser for a protocol.
pub(super) fn make_parser(proto: AppProto, ctx: &ParserCtx<'_>) -> Box<dyn StreamParser> {
    match proto {
        AppProto::Http => Box::new(http::Parser::new()),
        AppProto::Dns => Box::new(dns::Parser::new()),
        AppProto::Tls => Box::new(tls::Parser::with_keys(ctx.keys.clone(), ctx.server_port)),
        AppProto::Memcache => Box::new(memcache::Parser::new()),
        AppProto::Mysql => Box::new(mysql::Parser::new()),
        AppProto::Redis => Box::new(redis::Parser::new()),
        AppProto::Http2 => Box::new(http2::Parser::new()),
        AppProto::Pgsql => Box::new(pgsql::Parser::new()),
        AppProto::Quic => Box::new(quic::Parser::new()),
    }
}

/// What a conversation is parsed as.
pub(super) struct Choice {
    /// The protocol, and the client side when the decode-as rule, the bytes or the port
    /// told it; None: no parser.
    pub parser: Option<(AppProto, Option<Direction>)>,
    /// Decided before the bytes said enough (the sniffing buffer was full or the stream
    /// ended).
    pub cut_short: bool,
}

/// Chooses the parser of a conversation from the decode-as rules (`(transport, port)` →
/// protocol, or none), the first bytes of each side, and its ports. None: wait for more
/// bytes (never when `force`d).
pub(super) fn choose(
    decode_as: &HashMap<(L4, u16), Option<AppProto>>,
    conv: &Conversation,
    sniffed: [Option<Sniff>; 2],
    force: bool,
) -> Option<Choice> {
    let l4 = conv.proto;
    let ports = [conv.port_a, conv.port_b];
    // The lower port first, as tshark tries it first.
    let order = if conv.port_a <= conv.port_b {
        [0usize, 1]
    } else {
        [1, 0]
    };
    // 1. Decode-as wins over everything; its port is the server's.
    if let Some((i, p)) = order
        .iter()
        .find_map(|&i| decode_as.get(&(l4, ports[i])).map(|p| (i, *p)))
    {
        return Some(Choice {
            parser: p.map(|p| (p, Some(side(1 - i)))),
            cut_short: false,
        });
    }
    let default = order
        .iter()
        .find_map(|&i| proto_by_port(l4, ports[i]).map(|p| (p, side(1 - i))));
    // 2. The bytes, when they say something a port default cannot contradict.
    let matches: Vec<(usize, AppProto, bool, bool)> = sniffed
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Some(Sniff::Match {
                proto,
                client,
                strong,
            }) => Some((i, *proto, *client, *strong)),
            _ => None,
        })
        .collect();
    let waiting = sniffed.contains(&Some(Sniff::NeedMore));
    let best = matches
        .iter()
        .find(|m| m.3)
        .or_else(|| matches.first())
        .copied();
    let parser = match (best, default) {
        (Some((i, p, client, strong)), d)
            if strong || d.is_none() || d.is_some_and(|d| d.0 == p) =>
        {
            let dir = if client { side(i) } else { other(side(i)) };
            Some((p, Some(dir)))
        }
        _ if waiting && !force => return None,
        // 3. The port.
        (_, Some((p, client))) => Some((p, Some(client))),
        _ => None,
    };
    Some(Choice {
        parser,
        cut_short: waiting && force,
    })
}

/// Side A (0) or B (1) as the direction it sends in.
fn side(i: usize) -> Direction {
    if i == 0 {
        Direction::AToB
    } else {
        Direction::BToA
    }
}

/// The other direction.
pub(super) fn other(d: Direction) -> Direction {
    match d {
        Direction::AToB => Direction::BToA,
        Direction::BToA => Direction::AToB,
    }
}
