//! A run's totals: what the counting and the merge stage did. The driver fills them in; the
//! metrics and the shutdown summary show them.

use std::time::Duration;

use crate::engine::count::Stats;
use crate::engine::merge::MergeStats;

/// Both stages' totals.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunStats {
    pub count: Stats,
    pub merge: MergeStats,
    pub merge_load: MergeLoad,
}

/// What the merge stage cost this instance while it merged: its input and its own CPU. One
/// member merges everything, so these show how far it is from being the bottleneck
/// (`scripts/bench.sh scaleout`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MergeLoad {
    /// Messages read from the partials topic (window parts and progress).
    pub messages: u64,
    /// Their payload bytes.
    pub bytes: u64,
    /// Hashtag entries in the window parts read: the merge stage's work grows with these.
    pub tags: u64,
    /// Records published to the result topic.
    pub records: u64,
    /// CPU time of the poll thread spent decoding the messages and keeping their parts.
    pub read_cpu: Duration,
    /// CPU time of the poll thread spent summing complete windows (and early updates) and
    /// publishing them. Neither includes librdkafka's threads fetching the partials and sending
    /// the results.
    pub publish_cpu: Duration,
}
