//! Statistics over the whole capture: Ethernet and IP conversations, endpoints and the
//! protocol hierarchy, as `tshark -z conv,eth|ip`, `-z endpoints,*` and `-z io,phs`.

use crate::wire::Summary;
use serde::Serialize;

/// What the statistics found, at the end of the ingest.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatsResult {}

/// Running statistics, fed every packet in timeline order.
#[derive(Default)]
pub struct Stats {}

impl Stats {
    /// Accounts one packet.
    pub fn add(&mut self, _s: &Summary, _frame_len: u32, _ts_ns: i64) {}

    /// The statistics.
    pub fn finish(self) -> StatsResult {
        StatsResult {}
    }
}
