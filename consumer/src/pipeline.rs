//! The consumer's processing engine, free of Kafka: parse → extract → window → output.
//!
//! The Kafka driver feeds it messages and rebalance events and commits the checkpoints it
//! returns; everything here is synchronous and deterministic, so it is tested directly.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use tracing::warn;

use common::hashtag::fold;
use common::tweet::Tweet;

use crate::merge::WindowMerger;
use crate::sink::Output;
use crate::window::{Checkpoint, Observed, PartitionWindows, WindowSpec};

/// Running totals, reported at shutdown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Messages read from Kafka.
    pub consumed: u64,
    /// Tweets counted in a window.
    pub counted: u64,
    /// Tweets dropped because their window had already closed.
    pub late: u64,
    /// Messages that were not usable tweets.
    pub rejected: u64,
    /// Partition windows written out.
    pub windows: u64,
}

/// Per-partition windows plus the outputs they feed.
pub struct Pipeline<O: Output> {
    spec: WindowSpec,
    partitions: BTreeMap<i32, PartitionWindows>,
    /// Owned partitions read to their current end (idle until a new message arrives).
    at_end: BTreeSet<i32>,
    merger: WindowMerger,
    output: O,
    stats: Stats,
}

/// Checkpoints to commit, by partition.
pub type Checkpoints = Vec<(i32, Checkpoint)>;

impl<O: Output> Pipeline<O> {
    /// An engine with no partitions assigned yet.
    pub fn new(spec: WindowSpec, output: O) -> Self {
        Pipeline {
            spec,
            partitions: BTreeMap::new(),
            at_end: BTreeSet::new(),
            merger: WindowMerger::default(),
            output,
            stats: Stats::default(),
        }
    }

    /// Totals so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Takes ownership of a partition, restoring the watermark committed with its offset.
    pub fn assign(&mut self, partition: i32, watermark_ms: Option<i64>) {
        self.partitions
            .insert(partition, PartitionWindows::new(self.spec, watermark_ms));
        self.at_end.remove(&partition);
    }

    /// Records that an owned partition has been read to its current end. An idle partition
    /// that has never had data does not hold back the merged view.
    pub fn mark_end(&mut self, partition: i32) {
        if self.partitions.contains_key(&partition) {
            self.at_end.insert(partition);
        }
    }

    /// True when partitions are owned and every one is read to its end.
    pub fn all_at_end(&self) -> bool {
        !self.partitions.is_empty() && self.partitions.keys().all(|p| self.at_end.contains(p))
    }

    /// Processes one message. `kafka_timestamp_ms` is the event time used when the tweet has no
    /// `created_at`. Bad messages are logged, counted and skipped; they never stop the stream.
    pub fn process(
        &mut self,
        partition: i32,
        offset: i64,
        payload: Option<&[u8]>,
        kafka_timestamp_ms: Option<i64>,
    ) {
        self.stats.consumed += 1;
        self.at_end.remove(&partition);
        let spec = self.spec;
        let windows = self
            .partitions
            .entry(partition)
            .or_insert_with(|| PartitionWindows::new(spec, None));
        let parsed = Tweet::parse(payload.unwrap_or_default());
        let tweet = match parsed {
            Ok(tweet) => tweet,
            Err(error) => {
                warn!(partition, offset, %error, "rejected message");
                self.stats.rejected += 1;
                windows.skip(offset);
                return;
            }
        };
        let Some(event_ms) = tweet.created_at_ms.or(kafka_timestamp_ms) else {
            warn!(
                partition,
                offset, "rejected tweet: no created_at and no message timestamp"
            );
            self.stats.rejected += 1;
            windows.skip(offset);
            return;
        };
        let mut tags: Vec<String> = Vec::new();
        for tag in tweet.hashtags() {
            let key = fold(tag);
            if !tags.contains(&key) {
                tags.push(key);
            }
        }
        match windows.observe(offset, event_ms, tags) {
            Observed::Counted => self.stats.counted += 1,
            Observed::Late => self.stats.late += 1,
        }
    }

    /// Writes out every window whose watermark has passed and shows merged windows that all
    /// owned partitions have closed. Returns the checkpoints that are now safe to commit.
    pub fn close_ready(&mut self) -> io::Result<Checkpoints> {
        let mut wrote = false;
        for (&partition, windows) in &mut self.partitions {
            for closed in windows.take_closed() {
                self.output.partition_window(partition, &closed)?;
                self.merger.add(partition, closed);
                self.stats.windows += 1;
                wrote = true;
            }
        }
        if wrote {
            self.output.flush()?;
        }
        if let Some(low) = self.low_watermark() {
            for merged in self.merger.take_complete(low) {
                self.output.merged_window(&merged)?;
            }
        }
        Ok(self.checkpoints())
    }

    /// Gives up partitions (rebalance): writes what is closed and returns their checkpoints so
    /// the next owner resumes exactly; their open windows are rebuilt by that owner.
    pub fn revoke(&mut self, partitions: &[i32]) -> io::Result<Checkpoints> {
        let all = self.close_ready()?;
        for p in partitions {
            self.partitions.remove(p);
            self.at_end.remove(p);
        }
        if self.partitions.is_empty() {
            self.show_leftovers()?;
        }
        Ok(all
            .into_iter()
            .filter(|(p, _)| partitions.contains(p))
            .collect())
    }

    /// End of input (`--until-end`): closes every open window.
    pub fn finish(&mut self) -> io::Result<Checkpoints> {
        for (&partition, windows) in &mut self.partitions {
            for closed in windows.take_all() {
                self.output.partition_window(partition, &closed)?;
                self.merger.add(partition, closed);
                self.stats.windows += 1;
            }
        }
        self.output.flush()?;
        for merged in self.merger.take_complete(i64::MAX) {
            self.output.merged_window(&merged)?;
        }
        Ok(self.checkpoints())
    }

    /// Shutdown: writes closed windows and shows merged windows still waiting for another
    /// partition as partial. Open windows are left to be rebuilt after restart.
    pub fn stop(&mut self) -> io::Result<Checkpoints> {
        let checkpoints = self.close_ready()?;
        self.show_leftovers()?;
        Ok(checkpoints)
    }

    fn show_leftovers(&mut self) -> io::Result<()> {
        for merged in self.merger.take_all() {
            self.output.merged_window(&merged)?;
        }
        self.output.flush()
    }

    fn checkpoints(&self) -> Checkpoints {
        self.partitions
            .iter()
            .filter_map(|(&p, w)| w.checkpoint().map(|cp| (p, cp)))
            .collect()
    }

    /// The lowest watermark over owned partitions: windows before it are closed everywhere.
    /// `None` while an owned partition has no watermark yet, unless it is idle at its end.
    fn low_watermark(&self) -> Option<i64> {
        let mut low = None;
        for (p, windows) in &self.partitions {
            match windows.watermark_ms() {
                Some(wm) => low = Some(low.map_or(wm, |l: i64| l.min(wm))),
                None if self.at_end.contains(p) => {}
                None => return None,
            }
        }
        low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::MergedWindow;
    use crate::window::ClosedWindow;

    #[derive(Default)]
    struct Collect {
        partition_windows: Vec<(i32, ClosedWindow)>,
        merged: Vec<MergedWindow>,
        flushes: usize,
    }

    impl Output for &mut Collect {
        fn partition_window(&mut self, p: i32, w: &ClosedWindow) -> io::Result<()> {
            self.partition_windows.push((p, w.clone()));
            Ok(())
        }
        fn merged_window(&mut self, w: &MergedWindow) -> io::Result<()> {
            self.merged.push(w.clone());
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushes += 1;
            Ok(())
        }
    }

    const SPEC: WindowSpec = WindowSpec {
        size_ms: 10_000,
        lateness_ms: 0,
    };

    fn tweet(id: u64, secs: i64, text: &str) -> Vec<u8> {
        let created = common::timestamp::format_v1(secs * 1000);
        serde_json::json!({"id_str": id.to_string(), "created_at": created, "text": text})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn counts_folded_hashtags_once_per_tweet_and_merges_partitions() {
        let mut out = Collect::default();
        let mut p = Pipeline::new(SPEC, &mut out);
        p.assign(0, None);
        p.assign(1, None);
        p.process(0, 0, Some(&tweet(1, 1, "#Rust #rust #Kafka")), None);
        p.process(1, 0, Some(&tweet(2, 2, "#RUST")), None);
        p.process(0, 1, Some(&tweet(3, 15, "")), None);
        assert!(p
            .close_ready()
            .unwrap()
            .iter()
            .all(|(_, cp)| cp.offset == 0 || cp.offset == 1));
        p.process(1, 1, Some(&tweet(4, 16, "")), None);
        let cps = p.close_ready().unwrap();
        assert_eq!(
            cps,
            vec![
                (
                    0,
                    Checkpoint {
                        offset: 1,
                        watermark_ms: Some(15_000)
                    }
                ),
                (
                    1,
                    Checkpoint {
                        offset: 1,
                        watermark_ms: Some(16_000)
                    }
                ),
            ]
        );
        let stats = p.stats();
        drop(p);
        assert_eq!(out.partition_windows.len(), 2);
        assert_eq!(out.merged.len(), 1);
        let m = &out.merged[0];
        assert_eq!(m.counts["rust"], 2);
        assert_eq!(m.counts["kafka"], 1);
        assert_eq!(m.tweets, 2);
        assert!(m.complete);
        assert_eq!(
            stats,
            Stats {
                consumed: 4,
                counted: 4,
                late: 0,
                rejected: 0,
                windows: 2
            }
        );
    }

    #[test]
    fn merged_view_waits_for_partitions_without_data_unless_idle() {
        let mut out = Collect::default();
        let mut p = Pipeline::new(SPEC, &mut out);
        p.assign(0, None);
        p.assign(1, None);
        p.process(0, 0, Some(&tweet(1, 1, "#a")), None);
        p.process(0, 1, Some(&tweet(2, 25, "#a")), None);
        p.close_ready().unwrap();
        assert!(!p.all_at_end());
        p.mark_end(0);
        assert!(!p.all_at_end());
        p.process(1, 0, Some(&tweet(3, 2, "#a")), None);
        p.process(1, 1, Some(&tweet(4, 26, "#a")), None);
        p.close_ready().unwrap();
        p.mark_end(1);
        p.mark_end(0);
        assert!(p.all_at_end());
        drop(p);
        assert_eq!(
            out.merged.len(),
            1,
            "one complete table for window 0, not one per partition"
        );
        assert_eq!(out.merged[0].tweets, 2);
        assert!(out.merged[0].complete);

        let mut out = Collect::default();
        let mut p = Pipeline::new(SPEC, &mut out);
        p.assign(0, None);
        p.assign(1, None);
        p.mark_end(1);
        p.process(0, 0, Some(&tweet(1, 1, "#a")), None);
        p.process(0, 1, Some(&tweet(2, 25, "#a")), None);
        p.close_ready().unwrap();
        drop(p);
        assert_eq!(
            out.merged.len(),
            1,
            "an idle empty partition does not block"
        );
    }

    #[test]
    fn bad_messages_are_counted_skipped_and_committed_past() {
        let mut out = Collect::default();
        let mut p = Pipeline::new(SPEC, &mut out);
        p.assign(0, None);
        p.process(0, 0, Some(b"{not json"), None);
        p.process(0, 1, None, None);
        p.process(0, 2, Some(br#"{"delete":{}}"#), None);
        p.process(0, 3, Some(br##"{"id_str":"5","text":"#a"}"##), None);
        p.process(0, 4, Some(br##"{"id_str":"6","text":"#b"}"##), Some(20_000));
        assert_eq!(p.stats().rejected, 4);
        assert_eq!(p.stats().counted, 1);
        assert_eq!(
            p.close_ready().unwrap(),
            vec![(
                0,
                Checkpoint {
                    offset: 4,
                    watermark_ms: Some(20_000)
                }
            )]
        );
    }

    #[test]
    fn finish_emits_open_windows_and_stop_does_not() {
        let mut out = Collect::default();
        let mut p = Pipeline::new(SPEC, &mut out);
        p.assign(0, None);
        p.process(0, 0, Some(&tweet(1, 1, "#a")), None);
        assert_eq!(
            p.stop().unwrap(),
            vec![(
                0,
                Checkpoint {
                    offset: 0,
                    watermark_ms: Some(1_000)
                }
            )]
        );
        assert_eq!(
            p.finish().unwrap(),
            vec![(
                0,
                Checkpoint {
                    offset: 1,
                    watermark_ms: Some(10_000)
                }
            )]
        );
        drop(p);
        assert_eq!(out.partition_windows.len(), 1);
        assert_eq!(out.merged.len(), 1);
    }

    #[test]
    fn revoke_returns_only_revoked_checkpoints_and_drops_their_state() {
        let mut out = Collect::default();
        let mut p = Pipeline::new(SPEC, &mut out);
        p.assign(0, None);
        p.assign(1, None);
        p.process(0, 7, Some(&tweet(1, 1, "#a")), None);
        p.process(1, 9, Some(&tweet(2, 1, "#a")), None);
        let cps = p.revoke(&[1]).unwrap();
        assert_eq!(
            cps,
            vec![(
                1,
                Checkpoint {
                    offset: 9,
                    watermark_ms: Some(1_000)
                }
            )]
        );
        let remaining: Vec<i32> = p.close_ready().unwrap().iter().map(|(p, _)| *p).collect();
        assert_eq!(remaining, [0]);
    }
}
