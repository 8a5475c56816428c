//! The IP datagram a packet completes, reassembled again from the packets the ingest
//! noted as its fragments ([`Datagrams`]): walked in order by a dissector of their own,
//! so the bytes come from the same reassembly (`wire::frag`) that gave the packet its
//! conversation. The packet detail shows it; the fields of its layers (TCP's relative
//! numbers) are read in it.
//!
//! [`Datagrams`]: crate::capture::Datagrams

use super::PacketSource;
use crate::capture::Capture;
use crate::ingest::wire::{Dissector, Fragment, LayerSpan, Layers, Summary};

/// A datagram a packet completed.
pub(crate) struct Datagram {
    /// The reassembled payload (above the IP header).
    pub bytes: Vec<u8>,
    /// Each fragment by offset, `frame` its frame number (1-based).
    pub fragments: Vec<Fragment>,
}

/// Dissects packet `index` (its captured bytes `frame`) after the other fragments of the
/// datagram it completes, read from `src`: the summary, with the layers in `ls` (those
/// of the datagram counting in it), and the datagram. None, `ls` untouched, when it
/// completes none or a fragment cannot be read.
pub(crate) fn reassemble(
    capture: &Capture,
    src: &mut dyn PacketSource,
    index: usize,
    frame: &[u8],
    ls: &mut Layers,
) -> Option<(Summary, Datagram)> {
    let packets = capture.datagrams.fragments_of(index as u64)?;
    let (&last, before) = packets.split_last()?;
    if last as usize != index {
        return None;
    }
    let mut d = Dissector::new();
    let mut buf = Vec::new();
    for &p in before {
        let row = capture.packets.get(p as usize)?;
        if !src.read(p as usize, &row, &mut buf) {
            return None;
        }
        d.dissect_frame(capture.linktype_of(&row), &buf, row.len as usize, row.ts_ns);
    }
    let row = capture.packets.get(index)?;
    let mut layers = Layers::default();
    let lt = capture.linktype_of(&row);
    let summary = d.dissect_frame_layers(lt, frame, row.len as usize, row.ts_ns, &mut layers);
    if d.reassembled().is_empty() || d.fragments().is_empty() {
        return None;
    }
    // This dissector numbered the packets it saw from 0: `packets` in order.
    let fragments = d
        .fragments()
        .iter()
        .filter_map(|f| {
            let n = *packets.get(f.frame as usize)?;
            Some(Fragment {
                frame: u64::from(n) + 1,
                ..*f
            })
        })
        .collect();
    *ls = layers;
    Some((
        summary,
        Datagram {
            bytes: d.reassembled().to_vec(),
            fragments,
        },
    ))
}

/// The frame's bytes followed by the datagram's, into `buf`, and the layers (`layers`,
/// as [`reassemble`] left them) counting in those, into `out`: one buffer that field
/// extraction reads as it reads any packet's.
pub(super) fn flatten(
    frame: &[u8],
    datagram: &[u8],
    layers: &Layers,
    buf: &mut Vec<u8>,
    out: &mut Layers,
) {
    buf.clear();
    buf.extend_from_slice(frame);
    buf.extend_from_slice(datagram);
    out.clear();
    let shift = frame.len() as u32;
    for &l in layers.as_slice() {
        out.push(if l.reassembled {
            LayerSpan {
                offset: l.offset.saturating_add(shift),
                reassembled: false,
                ..l
            }
        } else {
            l
        });
    }
}
