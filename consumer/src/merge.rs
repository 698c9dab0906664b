//! Combines the per-partition results of a window into the whole window for display.
//!
//! Partitions close a window independently; the merged view is complete once every partition
//! this consumer owns has passed the window's end. (Each partition's own result is written out
//! as soon as it closes, so the merged view is for people, not the system of record.)

use std::collections::{BTreeMap, BTreeSet};

use crate::window::{ClosedWindow, Counts};

/// A window's results summed over the partitions that contributed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedWindow {
    pub start_ms: i64,
    pub end_ms: i64,
    pub tweets: u64,
    pub counts: Counts,
    pub partitions: BTreeSet<i32>,
    /// False when emitted before every owned partition closed it (shutdown or rebalance).
    pub complete: bool,
}

/// Windows closed by some partitions, waiting for the rest.
#[derive(Debug, Default)]
pub struct WindowMerger {
    pending: BTreeMap<i64, MergedWindow>,
}

impl WindowMerger {
    /// Adds one partition's closed window.
    pub fn add(&mut self, partition: i32, closed: ClosedWindow) {
        let merged = self
            .pending
            .entry(closed.start_ms)
            .or_insert_with(|| MergedWindow {
                start_ms: closed.start_ms,
                end_ms: closed.end_ms,
                tweets: 0,
                counts: Counts::new(),
                partitions: BTreeSet::new(),
                complete: true,
            });
        merged.tweets += closed.tweets;
        merged.partitions.insert(partition);
        if merged.counts.is_empty() {
            merged.counts = closed.counts;
        } else {
            for (tag, n) in closed.counts {
                *merged.counts.entry(tag).or_insert(0) += n;
            }
        }
    }

    /// Removes the windows ending at or before `watermark_ms` (the lowest watermark over the
    /// owned partitions), oldest first.
    pub fn take_complete(&mut self, watermark_ms: i64) -> Vec<MergedWindow> {
        let mut done = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            if entry.get().end_ms > watermark_ms {
                break;
            }
            done.push(entry.remove());
        }
        done
    }

    /// Removes everything, marking windows as incomplete (used when stopping).
    pub fn take_all(&mut self) -> Vec<MergedWindow> {
        std::mem::take(&mut self.pending)
            .into_values()
            .map(|mut w| {
                w.complete = false;
                w
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(start: i64, tweets: u64, pairs: &[(&str, u64)]) -> ClosedWindow {
        ClosedWindow {
            start_ms: start,
            end_ms: start + 10,
            tweets,
            counts: pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    #[test]
    fn sums_partitions_and_releases_in_order() {
        let mut m = WindowMerger::default();
        m.add(0, closed(10, 3, &[("a", 2), ("b", 1)]));
        m.add(1, closed(10, 2, &[("a", 1)]));
        m.add(1, closed(0, 1, &[("c", 1)]));
        assert!(m.take_complete(9).is_empty());
        let done = m.take_complete(20);
        assert_eq!(done.len(), 2);
        assert_eq!(done[0].start_ms, 0);
        assert_eq!(done[1].tweets, 5);
        assert_eq!(done[1].counts["a"], 3);
        assert_eq!(done[1].partitions, BTreeSet::from([0, 1]));
        assert!(done[1].complete);
    }

    #[test]
    fn take_all_marks_incomplete() {
        let mut m = WindowMerger::default();
        m.add(2, closed(0, 1, &[]));
        let rest = m.take_all();
        assert_eq!(rest.len(), 1);
        assert!(!rest[0].complete);
        assert!(m.take_all().is_empty());
    }
}
