//! Intensify: chosen sessions replayed N times at once, to load a server harder than the
//! captured traffic did. A file for `tcpreplay`.
//!
//! Copy 0 of each session is the session as captured; copies 1…N−1 get the client side
//! rewritten ([`super::rewrite`]): a new client address per original client address and
//! copy, from the benchmarking networks (198.18.0.0/15, RFC 2544 §12; 2001:2::/48,
//! RFC 5180 §8) unless told otherwise, or with the address kept, a new client port per
//! original port and copy; sequence numbers shifted per copy and direction; checksums
//! valid (copy 0's are mended too). Every gap is divided by the speed-up, from the first
//! packet taken on, so sessions overlap as much more as they are shortened; copy k can
//! start k × spread later. The copies are interleaved by time.
//!
//! Sessions tunnelled in IP (their addresses are the inner header's) are left out and
//! reported. A packet whose IP header cannot be rewritten (cut before it) is written in
//! copy 0 only.

use super::rewrite::{rewrite, Outcome, Rewrite};
use super::{client_side, split::Encoder};
use crate::capture::flow::Direction;
use crate::capture::packet::{PacketRow, NO_FLOW};
use crate::capture::Capture;
use crate::ingest::wire::Layers;
use crate::query::export::{ExportError, OutputFormat};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where the copies' clients come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clients {
    /// New client addresses from these networks (address, prefix length), one per
    /// original client address and copy; ports kept.
    Pool {
        /// For IPv4 clients.
        v4: (Ipv4Addr, u8),
        /// For IPv6 clients.
        v6: (Ipv6Addr, u8),
    },
    /// Client addresses kept; a new client port per original address, port and copy,
    /// one the capture does not use on that address.
    Ports,
}

impl Default for Clients {
    /// The benchmarking networks: 198.18.0.0/15 (RFC 2544) and 2001:2::/48 (RFC 5180).
    fn default() -> Self {
        Clients::Pool {
            v4: (Ipv4Addr::new(198, 18, 0, 0), 15),
            v6: ("2001:2::".parse().expect("an IPv6 address"), 48),
        }
    }
}

/// How to intensify.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Copies of each session, the original included (at least 1).
    pub copies: u32,
    /// Gaps between packets are divided by this (greater than 0; 1 keeps them).
    pub speedup: f64,
    /// Copy k starts k × this later, in ns (0: all at once).
    pub spread_ns: i64,
    /// The copies' clients.
    pub clients: Clients,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            copies: 2,
            speedup: 1.0,
            spread_ns: 0,
            clients: Clients::default(),
        }
    }
}

/// Why an intensified file cannot be written.
#[derive(Debug)]
pub enum IntensifyError {
    /// The parameters are out of range.
    Params(String),
    /// A client network has too few addresses for the copies asked for.
    PoolExhausted {
        /// The network.
        network: String,
        /// Addresses it has for clients.
        size: u64,
    },
    /// No free client port is left on this address.
    PortsExhausted(IpAddr),
    /// Writing failed.
    Export(ExportError),
}

impl fmt::Display for IntensifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(m) => f.write_str(m),
            Self::PoolExhausted { network, size } => write!(
                f,
                "the client network {network} has {size} addresses, too few for these copies (one per client address and copy): give a larger one"
            ),
            Self::PortsExhausted(a) => write!(f, "no client port is left on {a} for these copies"),
            Self::Export(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for IntensifyError {}

impl From<ExportError> for IntensifyError {
    fn from(e: ExportError) -> Self {
        Self::Export(e)
    }
}

/// What an intensify did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Sessions taken.
    pub sessions: u64,
    /// Sessions left out, with why: (flow id, reason).
    pub skipped: Vec<(u32, &'static str)>,
    /// Packets read.
    pub packets_in: u64,
    /// Packets written.
    pub packets_out: u64,
    /// Copies rewritten with their checksums computed over the whole segment.
    pub full: u64,
    /// Copies whose segment was not all captured: checksum updated for the change.
    pub updated: u64,
    /// Later fragments of a datagram: IP header only.
    pub ip_only: u64,
    /// Copies not written: their IP header could not be rewritten.
    pub dropped: u64,
}

/// One session's copies: which side is the client, and each copy's rewrite.
struct Plan {
    client: Direction,
    copies: Vec<Rewrite>,
}

/// An intensified file being made: see the module documentation.
pub struct Intensify<'c> {
    capture: &'c Capture,
    params: Params,
    plans: HashMap<u32, Plan>,
    encoder: Encoder<'c>,
    /// Copies waiting for their time: (time, order written, record).
    pending: BinaryHeap<Reverse<(i64, u64, Vec<u8>)>>,
    order: u64,
    origin: i64,
    layers: Layers,
    scratch: Vec<u8>,
    stats: Stats,
}

/// Addresses `base/prefix` holds after `base` itself, at most `u64::MAX`.
fn pool_size(bits: u32, prefix: u8) -> u64 {
    let host_bits = bits.saturating_sub(u32::from(prefix));
    if host_bits >= 64 {
        u64::MAX
    } else {
        (1u64 << host_bits).saturating_sub(2)
    }
}

/// The `n`th address (1-based) of a network.
fn nth(base: IpAddr, n: u64) -> IpAddr {
    match base {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a).wrapping_add(n as u32))),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a).wrapping_add(u128::from(n)))),
    }
}

impl<'c> Intensify<'c> {
    /// Plans the copies of sessions `flows` (flow ids) of `capture`.
    pub fn new(
        capture: &'c Capture,
        flows: &[u32],
        params: Params,
        format: OutputFormat,
    ) -> Result<Self, IntensifyError> {
        if params.copies == 0 {
            return Err(IntensifyError::Params("copies: at least 1".into()));
        }
        if !(params.speedup.is_finite() && params.speedup > 0.0) {
            return Err(IntensifyError::Params(format!(
                "speed-up {}: a number greater than 0",
                params.speedup
            )));
        }
        if params.spread_ns < 0 {
            return Err(IntensifyError::Params("spread: not negative".into()));
        }
        let encoder = Encoder::new(capture, format)?;
        let mut stats = Stats::default();
        let mut wanted: Vec<u32> = flows
            .iter()
            .copied()
            .filter(|&f| (f as usize) < capture.conversations.len())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut tunneled = HashSet::new();
        for p in &capture.packets {
            if p.flags & PacketRow::FLAG_TUNNELED != 0 && p.flow != NO_FLOW {
                tunneled.insert(p.flow);
            }
        }
        let mut taken = Vec::new();
        for f in wanted {
            if tunneled.contains(&f) {
                stats
                    .skipped
                    .push((f, "tunnelled in IP: its addresses are an inner header's"));
            } else {
                taken.push(f);
            }
        }
        stats.sessions = taken.len() as u64;
        let plans = Self::plan(capture, &taken, &params)?;
        let origin = capture
            .packets
            .iter()
            .find(|p| plans.contains_key(&p.flow))
            .map_or(0, |p| p.ts_ns);
        Ok(Intensify {
            capture,
            params,
            plans,
            encoder,
            pending: BinaryHeap::new(),
            order: 0,
            origin,
            layers: Layers::default(),
            scratch: Vec::new(),
            stats,
        })
    }

    fn plan(
        capture: &Capture,
        flows: &[u32],
        params: &Params,
    ) -> Result<HashMap<u32, Plan>, IntensifyError> {
        // Addresses and ports the capture uses, so that no copy takes one of them.
        let mut used_addrs: HashSet<IpAddr> = HashSet::new();
        let mut used_ports: HashMap<IpAddr, HashSet<u16>> = HashMap::new();
        for c in &capture.conversations {
            used_addrs.insert(c.a);
            used_addrs.insert(c.b);
            used_ports.entry(c.a).or_default().insert(c.port_a);
            used_ports.entry(c.b).or_default().insert(c.port_b);
        }
        let mut addr_of: HashMap<(IpAddr, u32), IpAddr> = HashMap::new();
        let mut port_of: HashMap<(IpAddr, u16, u32), u16> = HashMap::new();
        let mut next_addr = [0u64; 2];
        let mut next_port: HashMap<IpAddr, u32> = HashMap::new();
        let mut plans = HashMap::with_capacity(flows.len());
        for &f in flows {
            let c = &capture.conversations[f as usize];
            let client = client_side(capture, f);
            let (ca, cp) = match client {
                Direction::AToB => (c.a, c.port_a),
                Direction::BToA => (c.b, c.port_b),
            };
            let mut copies = vec![Rewrite {
                client_addr: None,
                client_port: None,
                seq_delta: [0, 0],
            }];
            for k in 1..params.copies {
                // Far apart per copy, and different each way.
                let seq_delta = [k.wrapping_mul(0x9E37_79B9), k.wrapping_mul(0x7F4A_7C15)];
                let rw = match params.clients {
                    Clients::Pool { v4, v6 } => {
                        let (base, prefix, bits, slot) = match ca {
                            IpAddr::V4(_) => (IpAddr::V4(v4.0), v4.1, 32, 0),
                            IpAddr::V6(_) => (IpAddr::V6(v6.0), v6.1, 128, 1),
                        };
                        let addr = match addr_of.get(&(ca, k)) {
                            Some(a) => *a,
                            None => {
                                let size = pool_size(bits, prefix);
                                let a = loop {
                                    next_addr[slot] += 1;
                                    if next_addr[slot] > size {
                                        return Err(IntensifyError::PoolExhausted {
                                            network: format!("{base}/{prefix}"),
                                            size,
                                        });
                                    }
                                    let a = nth(base, next_addr[slot]);
                                    if !used_addrs.contains(&a) {
                                        break a;
                                    }
                                };
                                addr_of.insert((ca, k), a);
                                a
                            }
                        };
                        Rewrite {
                            client_addr: Some(addr),
                            client_port: None,
                            seq_delta,
                        }
                    }
                    Clients::Ports => {
                        let port = match port_of.get(&(ca, cp, k)) {
                            Some(p) => *p,
                            None => {
                                let used = used_ports.entry(ca).or_default();
                                let next = next_port.entry(ca).or_insert(1024);
                                let p = loop {
                                    if *next > 65535 {
                                        return Err(IntensifyError::PortsExhausted(ca));
                                    }
                                    let p = *next as u16;
                                    *next += 1;
                                    if !used.contains(&p) {
                                        break p;
                                    }
                                };
                                used.insert(p);
                                port_of.insert((ca, cp, k), p);
                                p
                            }
                        };
                        Rewrite {
                            client_addr: None,
                            client_port: Some(port),
                            seq_delta,
                        }
                    }
                };
                copies.push(rw);
            }
            plans.insert(f, Plan { client, copies });
        }
        Ok(plans)
    }

    /// The file's header.
    pub fn header(&self) -> &[u8] {
        self.encoder.header()
    }

    /// The packets to read, ascending.
    pub fn packets(&self) -> Vec<usize> {
        self.capture
            .packets
            .iter()
            .enumerate()
            .filter(|(_, p)| self.plans.contains_key(&p.flow))
            .map(|(i, _)| i)
            .collect()
    }

    /// Where a copy's packet goes in time.
    fn time(&self, ts_ns: i64, copy: u32) -> i64 {
        let scaled = ((ts_ns - self.origin) as f64 / self.params.speedup).round() as i64;
        self.origin
            .saturating_add(scaled)
            .saturating_add(self.params.spread_ns.saturating_mul(i64::from(copy)))
    }

    /// Takes packet `index` (in the order [`Intensify::packets`] gives) with its
    /// captured bytes, and hands `out` the records that are due, in file order.
    pub fn packet(
        &mut self,
        index: usize,
        data: &[u8],
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), IntensifyError> {
        let Some(row) = self.capture.packets.get(index) else {
            return Ok(());
        };
        let Some(plan) = self.plans.get(&row.flow) else {
            return Ok(());
        };
        self.stats.packets_in += 1;
        let linktype = self.capture.linktype_of(&row);
        let from_a = row.flags & PacketRow::FLAG_B_TO_A == 0;
        let from_client = from_a == (plan.client == Direction::AToB);
        let copies = plan.copies.clone();
        let first_time = self.time(row.ts_ns, 0);
        for (k, rw) in copies.iter().enumerate() {
            self.scratch.clear();
            self.scratch.extend_from_slice(data);
            let outcome = rewrite(
                linktype,
                &mut self.scratch,
                row.len as usize,
                from_client,
                rw,
                &mut self.layers,
            );
            match outcome {
                Outcome::Full => self.stats.full += 1,
                Outcome::Updated => self.stats.updated += 1,
                Outcome::IpOnly => self.stats.ip_only += 1,
                Outcome::Unchanged if k > 0 => {
                    self.stats.dropped += 1;
                    continue;
                }
                Outcome::Unchanged => {}
            }
            let ts = self.time(row.ts_ns, k as u32);
            let record = self
                .encoder
                .record_as(index, ts, &self.scratch, k == 0)?
                .to_vec();
            self.pending.push(Reverse((ts, self.order, record)));
            self.order += 1;
        }
        // Packets still to come are at first_time or later (the capture's order).
        self.flush(Some(first_time), out)
    }

    fn flush(
        &mut self,
        until: Option<i64>,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), IntensifyError> {
        while let Some(Reverse((ts, _, _))) = self.pending.peek() {
            if until.is_some_and(|u| *ts > u) {
                break;
            }
            let Some(Reverse((_, _, record))) = self.pending.pop() else {
                break;
            };
            out(&record).map_err(|e| IntensifyError::Export(ExportError::Io(e)))?;
            self.stats.packets_out += 1;
        }
        Ok(())
    }

    /// Hands `out` the records still waiting (copies started later).
    pub fn finish(
        &mut self,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), IntensifyError> {
        self.flush(None, out)
    }

    /// What was done so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::ingest::ingest_bytes;
    use crate::query::fields::MemorySource;
    use crate::query::fields::PacketSource;

    fn run(bytes: &[u8], params: Params) -> (Capture, Vec<u8>, Stats) {
        let cap = ingest_bytes("in.pcap", bytes);
        let flows: Vec<u32> = (0..cap.conversations.len() as u32).collect();
        let f = OutputFormat::Pcap {
            big_endian: false,
            nanos: true,
        };
        let mut i = Intensify::new(&cap, &flows, params, f).unwrap();
        let mut file = i.header().to_vec();
        let mut src = MemorySource { files: vec![bytes] };
        let mut buf = Vec::new();
        let mut sink = |r: &[u8]| {
            file.extend_from_slice(r);
            Ok(())
        };
        for p in i.packets() {
            assert!(src.read(p, &cap.packets.at(p), &mut buf));
            i.packet(p, &buf, &mut sink).unwrap();
        }
        i.finish(&mut sink).unwrap();
        let stats = i.stats().clone();
        drop(i);
        (cap, file, stats)
    }

    #[test]
    fn n_copies_of_every_session_in_time_order() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/three_http_streams.pcap"
        ))
        .unwrap();
        let params = Params {
            copies: 3,
            speedup: 4.0,
            spread_ns: 1_000_000,
            ..Params::default()
        };
        let (cap, out, stats) = run(&bytes, params);
        let back = ingest_bytes("out.pcap", &out);
        assert!(back.errors.is_empty(), "{:?}", back.errors);
        let in_flows: u64 = cap.conversations.iter().map(|c| c.frames()).sum();
        assert_eq!(stats.packets_in, in_flows);
        assert_eq!(stats.packets_out, 3 * in_flows);
        assert_eq!(back.packets.len() as u64, 3 * in_flows);
        assert_eq!(back.conversations.len(), 3 * cap.conversations.len());
        assert!(back
            .packets
            .iter()
            .zip(back.packets.iter().skip(1))
            .all(|(a, b)| a.ts_ns <= b.ts_ns));
        // Each session's copies have its packets, bytes and handshake.
        let mut frames: Vec<u64> = back.conversations.iter().map(|c| c.frames()).collect();
        let mut want: Vec<u64> = cap
            .conversations
            .iter()
            .flat_map(|c| [c.frames(); 3])
            .collect();
        frames.sort_unstable();
        want.sort_unstable();
        assert_eq!(frames, want);
        // Gaps are a quarter as long.
        let span = |c: &Capture| c.packets.last().unwrap().ts_ns - c.packets.at(0).ts_ns;
        let copy0_span = span(&cap) / 4;
        assert!(
            (span(&back) - copy0_span - 2_000_000).abs() <= 2,
            "{} {}",
            span(&back),
            copy0_span
        );
        for (a, b) in back.tcp.iter().zip(&back.conversations) {
            assert!(a.initial_rtt_ns.is_some(), "{b:?}");
        }
    }

    #[test]
    fn ports_instead_of_addresses() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/three_http_streams.pcap"
        ))
        .unwrap();
        let params = Params {
            copies: 2,
            clients: Clients::Ports,
            ..Params::default()
        };
        let (cap, out, _) = run(&bytes, params);
        let back = ingest_bytes("out.pcap", &out);
        let addrs = |c: &Capture| {
            let mut v: Vec<IpAddr> = c.conversations.iter().flat_map(|c| [c.a, c.b]).collect();
            v.sort();
            v.dedup();
            v
        };
        assert_eq!(addrs(&back), addrs(&cap));
        assert_eq!(back.conversations.len(), 2 * cap.conversations.len());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let cap = Capture::default();
        let f = OutputFormat::PcapNg { big_endian: false };
        for p in [
            Params {
                copies: 0,
                ..Params::default()
            },
            Params {
                speedup: 0.0,
                ..Params::default()
            },
            Params {
                speedup: f64::NAN,
                ..Params::default()
            },
        ] {
            assert!(matches!(
                Intensify::new(&cap, &[], p, f),
                Err(IntensifyError::Params(_))
            ));
        }
        let tiny = Params {
            copies: 5,
            clients: Clients::Pool {
                v4: (Ipv4Addr::new(10, 0, 0, 0), 31),
                v6: ("2001:2::".parse().unwrap(), 127),
            },
            ..Params::default()
        };
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/data/three_http_streams.pcap"
        ))
        .unwrap();
        let cap = ingest_bytes("in.pcap", &bytes);
        assert!(matches!(
            Intensify::new(&cap, &[0], tiny, f),
            Err(IntensifyError::PoolExhausted { .. })
        ));
    }
}
