//! A run's totals: what the counting and the merge stage did. The driver fills them in; the
//! metrics and the shutdown summary show them.

use crate::engine::count::Stats;
use crate::engine::merge::MergeStats;

/// Both stages' totals.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunStats {
    pub count: Stats,
    pub merge: MergeStats,
}
