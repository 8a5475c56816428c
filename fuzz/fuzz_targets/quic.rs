//! Fuzz target `quic`: a capture file (seeds: the repository's and the corpus's QUIC
//! captures, fuzz/seed.sh) through the ingest and then, for every packet of a QUIC
//! conversation, the packet detail (`query::detail`: long and short headers, Initial
//! packets opened with the ingest's keys, their frames and the TLS hellos inside) and
//! QUIC's fields (`quic.*`). Must never panic, and the detail of each packet must be the
//! same whether the packets are asked for in order or from the last to the first (each
//! request catches up on its connection's Initial packets).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirelens_core::capture::app::AppProto;
use wirelens_core::query::detail::{detail, pdml, Apps, FrameInfo};
use wirelens_core::query::fields::registry::lookup;
use wirelens_core::query::fields::{FieldCtx, MemorySource};

const FIELDS: [&str; 10] = [
    "quic",
    "quic.header_form",
    "quic.long.packet_type",
    "quic.version",
    "quic.dcil",
    "quic.dcid",
    "quic.scil",
    "quic.scid",
    "quic.packet_length",
    "quic.packet_number",
];

fuzz_target!(|data: &[u8]| {
    let capture = wirelens_core::ingest::ingest_bytes("fuzz", data);
    if capture
        .files
        .first()
        .is_none_or(|f| f.compression.is_some())
    {
        return;
    }
    let quic: Vec<usize> = (0..capture.packets.len())
        .filter(|&i| {
            let flow = capture.packets.at(i).flow as usize;
            capture.app_protos.get(flow).copied().flatten() == Some(AppProto::Quic)
        })
        .take(64)
        .collect();
    if quic.is_empty() {
        return;
    }
    let mut src = MemorySource { files: vec![data] };
    let mut ctx = FieldCtx::new(&capture);
    let mut run = |order: &mut dyn Iterator<Item = usize>| {
        let mut apps = Apps::new();
        let mut out = vec![String::new(); quic.len()];
        for k in order {
            let d = detail(&mut ctx, quic[k], &mut src, &mut apps, FrameInfo::default());
            pdml::packet(&mut out[k], &d);
        }
        out
    };
    let forward = run(&mut (0..quic.len()));
    let backward = run(&mut (0..quic.len()).rev());
    assert_eq!(forward, backward);
    let fields: Vec<_> = FIELDS.iter().filter_map(|f| lookup(f)).collect();
    assert_eq!(fields.len(), FIELDS.len());
    let mut values = Vec::new();
    for &i in &quic {
        ctx.begin(i);
        for &f in &fields {
            values.clear();
            ctx.extract(f, 0, &mut src, &mut values);
        }
    }
});
