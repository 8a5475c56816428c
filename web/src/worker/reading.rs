//! Packet bytes for the queries of `queries.rs`, read again from the `File`s: a set of
//! packets held at once (a packet's detail, a followed stream's next piece), or a run
//! handed over one by one and let go (statistics over the displayed packets). The one
//! place these queries read bytes; it goes through the filter's forward reader, which
//! decodes a compressed file on from where it stands.

use crate::filtering::{MapSource, Windows};
use crate::session::Session;
use std::collections::HashMap;
use wirelens_core::query::fields::PacketSource;

/// The bytes of `indices` (ascending), held in a map; packets that could not be read are
/// left out.
pub async fn set(s: &Session, indices: &[usize]) -> Result<MapSource, String> {
    let mut out = HashMap::with_capacity(indices.len());
    run(s, indices, |i, bytes| {
        out.insert(i, bytes.to_vec());
    })
    .await?;
    Ok(MapSource(out))
}

/// Calls `each` with the bytes of every packet of `indices` (ascending) that could be
/// read, in order, holding at most one window of each file.
pub async fn run(
    s: &Session,
    indices: &[usize],
    mut each: impl FnMut(usize, &[u8]),
) -> Result<(), String> {
    let capture = &s.capture;
    let mut src = Windows::new(capture);
    let mut buf = Vec::new();
    for &i in indices {
        let Some(row) = capture.packets.get(i) else {
            continue;
        };
        if src.ensure(s, row).await? && src.read(i, row, &mut buf) {
            each(i, &buf);
        }
    }
    Ok(())
}
