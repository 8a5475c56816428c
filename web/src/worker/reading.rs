//! Packet bytes for the queries of `queries.rs`, read again from the `File`s: a set of
//! packets held at once (a packet's detail, a followed stream's next piece), or a run
//! handed over one by one and let go (statistics over the displayed packets). The one
//! place these queries read bytes; it goes through the core's re-read planner
//! (`query::reread`), which names the byte ranges to read (in a compressed file, from the
//! restart point before the packets).

use crate::blob;
use crate::session::Session;
use wirelens_core::query::fields::PacketSource as _;
use wirelens_core::query::reread::Reread;

/// The bytes of `indices`, read through the re-read planner, which keeps them (the
/// packets that could not be read are missing from it). No copy is made beside it.
pub async fn set<'a>(s: &'a Session, indices: &[usize]) -> Result<Reread<'a>, String> {
    let mut rr = Reread::packets(&s.capture, indices);
    blob::fill(&mut rr, &s.files).await;
    match rr.error() {
        Some(e) => Err(e.to_owned()),
        None => Ok(rr),
    }
}

/// Calls `each` with the bytes of every packet of `indices` (ascending) that could be
/// read, in order, holding at most one window of each file.
pub async fn run(
    s: &Session,
    indices: &[usize],
    mut each: impl FnMut(usize, &[u8]),
) -> Result<(), String> {
    let capture = &s.capture;
    let order: Vec<u32> = indices
        .iter()
        .filter(|&&i| i < capture.packets.len())
        .map(|&i| i as u32)
        .collect();
    let mut rr = Reread::run(capture, order.clone(), false);
    let mut ahead = blob::Ahead::new();
    let mut buf = Vec::new();
    let mut rows = capture.packets.reader();
    for (pos, &i) in order.iter().enumerate() {
        blob::fill_to(&mut rr, pos, &s.files, &mut ahead).await;
        if let Some(e) = rr.error() {
            return Err(e.to_owned());
        }
        if rr.read(i as usize, &rows.at(i as usize), &mut buf) {
            each(i as usize, &buf);
        }
    }
    Ok(())
}
