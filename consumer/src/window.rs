//! Event-time tumbling windows over one partition's records, with the checkpoint that lets a
//! restarted consumer rebuild exactly the windows it had open.
//!
//! Each partition is its own deterministic stream processor: whether a record is counted or
//! late depends only on the records before it in that partition, never on batching, timing or
//! which consumer owns the partition. That is what makes results survive restarts and
//! rebalances: a new owner resumes from a [`Checkpoint`] (the offset of the first record of the
//! oldest open window, plus the watermark at that moment) and makes the same decisions again.
//!
//! A checkpoint may also be restored with a *newer* watermark than its offset's (the watermark is
//! saved first, so a crash between the two saves leaves that): every record between the old and
//! the new offset belongs to a window the newer watermark closed, which was already emitted, so
//! it is skipped as late, and the result is still exact.

use std::collections::{BTreeMap, HashMap};

/// Window size and allowed lateness, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpec {
    pub size_ms: i64,
    pub lateness_ms: i64,
}

impl WindowSpec {
    /// The start of the window holding `event_ms` (windows are aligned to the epoch).
    pub fn start_of(&self, event_ms: i64) -> i64 {
        event_ms.div_euclid(self.size_ms) * self.size_ms
    }
}

/// Hashtag (case-folded) → number of tweets mentioning it.
pub type Counts = HashMap<String, u64>;

/// A window that will receive no more records from this partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedWindow {
    pub start_ms: i64,
    pub end_ms: i64,
    /// Tweets counted in the window, with or without hashtags.
    pub tweets: u64,
    pub counts: Counts,
}

/// Where to resume a partition: the offset to commit and the watermark to restore with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub offset: i64,
    pub watermark_ms: Option<i64>,
}

/// Shifts watermarks (milliseconds, possibly before 1970) into the non-negative range of Kafka
/// offsets, so that a watermark can be stored as a committed offset.
const WATERMARK_OFFSET_BIAS: i64 = 1 << 62;

/// The committed offset that stores watermark `watermark_ms` (saturating ±146 million years).
pub fn watermark_to_offset(watermark_ms: i64) -> i64 {
    watermark_ms.clamp(-WATERMARK_OFFSET_BIAS, WATERMARK_OFFSET_BIAS - 1) + WATERMARK_OFFSET_BIAS
}

/// The watermark stored by [`watermark_to_offset`].
pub fn watermark_from_offset(offset: i64) -> i64 {
    offset - WATERMARK_OFFSET_BIAS
}

/// What happened to an observed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    Counted,
    /// Its window had already closed; it was dropped and counted as late.
    Late,
}

#[derive(Debug)]
struct OpenWindow {
    first_offset: i64,
    tweets: u64,
    counts: Counts,
}

/// The open windows of one partition.
#[derive(Debug)]
pub struct PartitionWindows {
    spec: WindowSpec,
    /// Newest event time seen minus the allowed lateness; windows ending at or before it close.
    watermark_ms: Option<i64>,
    open: BTreeMap<i64, OpenWindow>,
    next_offset: Option<i64>,
}

impl PartitionWindows {
    /// Starts a partition, restoring the watermark committed with its offset if there is one.
    pub fn new(spec: WindowSpec, restored_watermark_ms: Option<i64>) -> Self {
        PartitionWindows {
            spec,
            watermark_ms: restored_watermark_ms,
            open: BTreeMap::new(),
            next_offset: None,
        }
    }

    /// The current watermark, if any record has been seen or restored.
    pub fn watermark_ms(&self) -> Option<i64> {
        self.watermark_ms
    }

    /// Counts a tweet at `offset` with event time `event_ms` and its case-folded hashtags
    /// (each distinct hashtag counts once per tweet; the caller de-duplicates).
    pub fn observe<I>(&mut self, offset: i64, event_ms: i64, hashtags: I) -> Observed
    where
        I: IntoIterator<Item = String>,
    {
        self.next_offset = Some(offset + 1);
        let start = self.spec.start_of(event_ms);
        if self
            .watermark_ms
            .is_some_and(|wm| start + self.spec.size_ms <= wm)
        {
            return Observed::Late;
        }
        let window = self.open.entry(start).or_insert_with(|| OpenWindow {
            first_offset: offset,
            tweets: 0,
            counts: Counts::new(),
        });
        window.tweets += 1;
        for tag in hashtags {
            *window.counts.entry(tag).or_insert(0) += 1;
        }
        let candidate = event_ms.saturating_sub(self.spec.lateness_ms);
        self.watermark_ms = Some(self.watermark_ms.map_or(candidate, |wm| wm.max(candidate)));
        Observed::Counted
    }

    /// Marks a record that was not counted (rejected input) as processed.
    pub fn skip(&mut self, offset: i64) {
        self.next_offset = Some(offset + 1);
    }

    /// Removes and returns the windows the watermark has passed.
    pub fn take_closed(&mut self) -> Vec<ClosedWindow> {
        let Some(wm) = self.watermark_ms else {
            return Vec::new();
        };
        let size = self.spec.size_ms;
        let still_open = self.open.split_off(&(wm - size + 1));
        let closed = std::mem::replace(&mut self.open, still_open);
        closed
            .into_iter()
            .map(|(start, w)| closed_window(start, size, w))
            .collect()
    }

    /// Closes every open window now (end of input) and moves the watermark past them, so a
    /// later record for one of them counts as late instead of re-opening an emitted window.
    pub fn take_all(&mut self) -> Vec<ClosedWindow> {
        let size = self.spec.size_ms;
        if let Some((&last_start, _)) = self.open.last_key_value() {
            let end = last_start + size;
            self.watermark_ms = Some(self.watermark_ms.map_or(end, |wm| wm.max(end)));
        }
        std::mem::take(&mut self.open)
            .into_iter()
            .map(|(start, w)| closed_window(start, size, w))
            .collect()
    }

    /// Where a consumer taking over this partition must resume so that nothing is skipped and
    /// nothing emitted is counted twice. Valid once the windows returned by the last
    /// [`take_closed`](Self::take_closed) have been written out. `None` before any record.
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let offset = match self.open.first_key_value() {
            Some(_) => self.open.values().map(|w| w.first_offset).min(),
            None => self.next_offset,
        }?;
        Some(Checkpoint {
            offset,
            watermark_ms: self.watermark_ms,
        })
    }
}

fn closed_window(start_ms: i64, size_ms: i64, w: OpenWindow) -> ClosedWindow {
    ClosedWindow {
        start_ms,
        end_ms: start_ms + size_ms,
        tweets: w.tweets,
        counts: w.counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SPEC: WindowSpec = WindowSpec {
        size_ms: 10_000,
        lateness_ms: 2_000,
    };

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn window_start_is_aligned_also_before_epoch() {
        assert_eq!(SPEC.start_of(0), 0);
        assert_eq!(SPEC.start_of(9_999), 0);
        assert_eq!(SPEC.start_of(10_000), 10_000);
        assert_eq!(SPEC.start_of(-1), -10_000);
    }

    #[test]
    fn windows_close_when_the_watermark_passes_their_end() {
        let mut p = PartitionWindows::new(SPEC, None);
        p.observe(0, 1_000, tags(&["a"]));
        p.observe(1, 9_000, tags(&["a", "b"]));
        p.observe(2, 11_000, tags(&["b"]));
        assert!(p.take_closed().is_empty(), "watermark 9s < end 10s");
        p.observe(3, 12_000, tags(&[]));
        let closed = p.take_closed();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].start_ms, 0);
        assert_eq!(closed[0].end_ms, 10_000);
        assert_eq!(closed[0].tweets, 2);
        assert_eq!(
            closed[0].counts,
            Counts::from([("a".into(), 2), ("b".into(), 1)])
        );
        assert!(p.take_closed().is_empty());
    }

    #[test]
    fn out_of_order_within_lateness_is_counted_after_is_late() {
        let mut p = PartitionWindows::new(SPEC, None);
        p.observe(0, 11_000, tags(&["x"]));
        assert_eq!(
            p.observe(1, 9_500, tags(&["y"])),
            Observed::Counted,
            "wm 9s < end 10s"
        );
        p.observe(2, 12_500, tags(&[]));
        assert_eq!(
            p.observe(3, 9_900, tags(&["y"])),
            Observed::Late,
            "wm 10.5s >= end 10s"
        );
        let closed = p.take_closed();
        assert_eq!(closed[0].counts, Counts::from([("y".into(), 1)]));
    }

    #[test]
    fn lateness_does_not_depend_on_when_windows_are_taken() {
        // Same input, once taking closed windows after every record and once never: same result.
        let input = [
            (0, 1_000),
            (1, 15_000),
            (2, 5_000),
            (3, 30_000),
            (4, 21_000),
            (5, 9_000),
        ];
        let mut eager = PartitionWindows::new(SPEC, None);
        let mut lazy = PartitionWindows::new(SPEC, None);
        let mut eager_out = Vec::new();
        for (offset, t) in input {
            let a = eager.observe(offset, t, tags(&["t"]));
            eager_out.extend(eager.take_closed());
            let b = lazy.observe(offset, t, tags(&["t"]));
            assert_eq!(a, b, "record at {t}");
        }
        eager_out.extend(eager.take_all());
        assert_eq!(eager_out, lazy.take_all());
    }

    #[test]
    fn checkpoint_points_at_the_oldest_open_window() {
        let mut p = PartitionWindows::new(SPEC, None);
        assert_eq!(p.checkpoint(), None);
        p.observe(10, 1_000, tags(&[]));
        p.observe(11, 11_000, tags(&[]));
        p.observe(12, 3_000, tags(&[]));
        assert_eq!(p.checkpoint().unwrap().offset, 10);
        p.observe(13, 12_500, tags(&[]));
        p.take_closed();
        let cp = p.checkpoint().unwrap();
        assert_eq!(
            cp,
            Checkpoint {
                offset: 11,
                watermark_ms: Some(10_500)
            }
        );
        p.take_all();
        assert_eq!(
            p.checkpoint(),
            Some(Checkpoint {
                offset: 14,
                watermark_ms: Some(20_000)
            })
        );
    }

    #[test]
    fn skipped_records_advance_the_checkpoint() {
        let mut p = PartitionWindows::new(SPEC, None);
        p.skip(4);
        assert_eq!(
            p.checkpoint(),
            Some(Checkpoint {
                offset: 5,
                watermark_ms: None
            })
        );
    }

    #[test]
    fn watermarks_round_trip_through_non_negative_offsets() {
        for wm in [
            0,
            -5,
            1_764_000_000_000,
            -2_208_988_800_000,
            WATERMARK_OFFSET_BIAS - 1,
        ] {
            let offset = watermark_to_offset(wm);
            assert!(offset >= 0, "{wm}");
            assert_eq!(watermark_from_offset(offset), wm);
        }
        assert_eq!(watermark_to_offset(i64::MIN), 0);
        assert_eq!(watermark_to_offset(i64::MAX), i64::MAX);
    }

    /// Reference: counts per window of every record that was not late, computed by brute force
    /// from the definition (late = window end <= max(event) over earlier records - lateness).
    fn reference(events: &[i64], spec: WindowSpec) -> BTreeMap<i64, u64> {
        let mut out = BTreeMap::new();
        for (i, &t) in events.iter().enumerate() {
            let wm = events[..i].iter().max().map(|m| m - spec.lateness_ms);
            let start = spec.start_of(t);
            if wm.is_none_or(|wm| start + spec.size_ms > wm) {
                *out.entry(start).or_insert(0) += 1;
            }
        }
        out
    }

    fn run(p: &mut PartitionWindows, events: &[(i64, i64)]) -> Vec<ClosedWindow> {
        let mut out = Vec::new();
        for &(offset, t) in events {
            p.observe(offset, t, tags(&["k"]));
            out.extend(p.take_closed());
        }
        out
    }

    fn per_window(closed: &[ClosedWindow]) -> BTreeMap<i64, u64> {
        let mut out = BTreeMap::new();
        for w in closed {
            *out.entry(w.start_ms).or_insert(0) += w.tweets;
            assert_eq!(w.counts.get("k").copied().unwrap_or(0), w.tweets);
        }
        out
    }

    proptest! {
        /// Out-of-order input: every record is either counted in exactly one emitted window or
        /// late, as the definition says.
        #[test]
        fn matches_the_brute_force_reference(events in prop::collection::vec(0i64..100_000, 0..200)) {
            let mut p = PartitionWindows::new(SPEC, None);
            let indexed: Vec<(i64, i64)> = events.iter().enumerate().map(|(i, &t)| (i as i64, t)).collect();
            let mut closed = run(&mut p, &indexed);
            closed.extend(p.take_all());
            prop_assert_eq!(per_window(&closed), reference(&events, SPEC));
            // Windows are emitted once each.
            let mut starts: Vec<i64> = closed.iter().map(|w| w.start_ms).collect();
            starts.sort_unstable();
            starts.dedup();
            prop_assert_eq!(starts.len(), closed.len());
        }

        /// Stopping at any point and resuming from the checkpoint (losing all in-memory state)
        /// emits exactly what an uninterrupted run emits.
        #[test]
        fn resuming_from_a_checkpoint_is_exact(
            events in prop::collection::vec(0i64..100_000, 1..200),
            cut in any::<prop::sample::Index>(),
        ) {
            let indexed: Vec<(i64, i64)> = events.iter().enumerate().map(|(i, &t)| (i as i64, t)).collect();
            let mut whole = PartitionWindows::new(SPEC, None);
            let mut expected = run(&mut whole, &indexed);
            expected.extend(whole.take_all());

            let cut = cut.index(indexed.len());
            let mut first = PartitionWindows::new(SPEC, None);
            let mut got = run(&mut first, &indexed[..cut]);
            let (resume_at, wm) = match first.checkpoint() {
                Some(cp) => (cp.offset as usize, cp.watermark_ms),
                None => (0, None),
            };
            let mut second = PartitionWindows::new(SPEC, wm);
            got.extend(run(&mut second, &indexed[resume_at..]));
            got.extend(second.take_all());
            prop_assert_eq!(per_window(&got), per_window(&expected));
        }

        /// A crash between saving the watermark and the offset restores an older checkpoint's
        /// offset with a newer checkpoint's watermark; the result is still exact.
        #[test]
        fn an_old_offset_with_a_newer_watermark_is_exact(
            events in prop::collection::vec(0i64..100_000, 2..200),
            cuts in any::<(prop::sample::Index, prop::sample::Index)>(),
        ) {
            let indexed: Vec<(i64, i64)> = events.iter().enumerate().map(|(i, &t)| (i as i64, t)).collect();
            let mut whole = PartitionWindows::new(SPEC, None);
            let mut expected = run(&mut whole, &indexed);
            expected.extend(whole.take_all());

            let (a, b) = (cuts.0.index(indexed.len()), cuts.1.index(indexed.len()));
            let (older, newer) = (a.min(b), a.max(b));
            let mut first = PartitionWindows::new(SPEC, None);
            let mut got = run(&mut first, &indexed[..older]);
            let old_offset = first.checkpoint().map_or(0, |cp| cp.offset as usize);
            got.extend(run(&mut first, &indexed[older..newer]));
            let new_watermark = first.checkpoint().and_then(|cp| cp.watermark_ms);
            let mut second = PartitionWindows::new(SPEC, new_watermark);
            got.extend(run(&mut second, &indexed[old_offset..]));
            got.extend(second.take_all());
            prop_assert_eq!(per_window(&got), per_window(&expected));
        }
    }
}
