//! Event-time windows over one partition's records, with the checkpoint that lets a restarted
//! consumer rebuild exactly the windows it had open.
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
//!
//! Several window shapes run over the same records (tumbling, hopping, and the tumbling periods
//! cumulative totals are summed from); they share the partition's watermark, and a record is
//! late for exactly those of its windows whose end the watermark has passed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use model::window_spec::WindowDef;

use crate::engine::counts::{TweetTags, WindowCounts, WindowTotals};
use crate::engine::sentiment::aggregate::Scoring;

/// A family of windows: `size_ms` long, one starting every `slide_ms` (tumbling when equal),
/// aligned to the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shape {
    pub size_ms: i64,
    pub slide_ms: i64,
}

impl Shape {
    /// The windows counted per partition for `def`: cumulative totals are sums of tumbling
    /// windows of their period.
    pub(crate) fn of(def: WindowDef) -> Shape {
        let (size_ms, slide_ms) = match def {
            WindowDef::Tumbling { size_ms } => (size_ms, size_ms),
            WindowDef::Hopping { size_ms, slide_ms } => (size_ms, slide_ms),
            WindowDef::Cumulative { every_ms } => (every_ms, every_ms),
        };
        Shape { size_ms, slide_ms }
    }

    /// The distinct shapes the window definitions need.
    pub fn for_defs(defs: &[WindowDef]) -> Vec<Shape> {
        let mut shapes: Vec<Shape> = defs.iter().map(|&d| Shape::of(d)).collect();
        shapes.sort_unstable();
        shapes.dedup();
        shapes
    }

    /// End of the last window holding `event_ms`: once it closes, all of them have.
    pub(crate) fn last_end(self, event_ms: i64) -> i64 {
        event_ms.div_euclid(self.slide_ms) * self.slide_ms + self.size_ms
    }

    /// Starts of the windows holding `event_ms`, oldest first.
    pub(crate) fn starts_of(self, event_ms: i64) -> impl Iterator<Item = i64> {
        let last = event_ms.div_euclid(self.slide_ms) * self.slide_ms;
        let first =
            (event_ms - self.size_ms).div_euclid(self.slide_ms) * self.slide_ms + self.slide_ms;
        std::iter::successors(Some(first), move |s| Some(s + self.slide_ms))
            .take_while(move |&s| s <= last)
    }
}

/// What the windows of a partition are and how late a record may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSpec {
    pub shapes: Vec<Shape>,
    pub lateness_ms: i64,
    /// Space-Saving capacity per window, 0 for exact counts.
    pub max_hashtags: usize,
}

/// One window of one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WindowId {
    pub(crate) shape: Shape,
    pub(crate) start_ms: i64,
}

impl WindowId {
    /// The first instant after the window.
    pub(crate) fn end_ms(self) -> i64 {
        self.start_ms + self.shape.size_ms
    }
}

/// A window's counts from this partition: final once closed, else a snapshot (early update).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WindowResult {
    pub(crate) id: WindowId,
    pub(crate) totals: WindowTotals,
}

/// Where to resume a partition: the offset to commit and the watermark to restore with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub offset: i64,
    pub watermark_ms: Option<i64>,
}

/// What happened to an observed record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    /// Windows the record was counted in.
    pub(crate) counted: u32,
    /// Windows it belonged to that had already closed (it was dropped from those).
    pub(crate) late: u32,
}

#[derive(Debug)]
struct OpenWindow {
    first_offset: i64,
    counts: WindowCounts,
    /// Changed since the last early update.
    dirty: bool,
}

/// Open windows are ordered by end, so the ones a watermark closes form a prefix.
type OpenKey = (i64, WindowId);

/// The open windows of one partition.
#[derive(Debug)]
pub struct PartitionWindows {
    spec: WindowSpec,
    /// Newest event time seen minus the allowed lateness; windows ending at or before it close.
    watermark_ms: Option<i64>,
    /// The watermark as of the last [`take_closed`](Self::take_closed): every window ending at or
    /// before it has been taken. Checkpoints carry this one, not `watermark_ms`, which runs ahead
    /// of what was taken between two takes.
    closed_through_ms: Option<i64>,
    open: BTreeMap<OpenKey, OpenWindow>,
    next_offset: Option<i64>,
}

impl PartitionWindows {
    /// Starts a partition, restoring the watermark committed with its offset if there is one.
    pub fn new(spec: WindowSpec, restored_watermark_ms: Option<i64>) -> Self {
        PartitionWindows {
            spec,
            watermark_ms: restored_watermark_ms,
            closed_through_ms: restored_watermark_ms,
            open: BTreeMap::new(),
            next_offset: None,
        }
    }

    /// Every window ending at or before this has been taken (closed): the watermark as of the
    /// last take, if any record has been seen or restored.
    pub(crate) fn closed_through_ms(&self) -> Option<i64> {
        self.closed_through_ms
    }

    /// Counts a tweet at `offset` with event time `event_ms`, its hashtags and its sentiment.
    pub fn observe(
        &mut self,
        offset: i64,
        event_ms: i64,
        hashtags: &TweetTags,
        sentiment: Scoring<'_>,
    ) -> Observed {
        self.next_offset = Some(offset + 1);
        let mut seen = Observed::default();
        for &shape in &self.spec.shapes {
            for start_ms in shape.starts_of(event_ms) {
                let id = WindowId { shape, start_ms };
                if self.watermark_ms.is_some_and(|wm| id.end_ms() <= wm) {
                    seen.late += 1;
                    continue;
                }
                let max_hashtags = self.spec.max_hashtags;
                let window = self
                    .open
                    .entry((id.end_ms(), id))
                    .or_insert_with(|| OpenWindow {
                        first_offset: offset,
                        counts: WindowCounts::new(max_hashtags),
                        dirty: false,
                    });
                window.counts.add_tweet(hashtags, sentiment);
                window.dirty = true;
                seen.counted += 1;
            }
        }
        if seen.counted > 0 {
            let candidate = event_ms.saturating_sub(self.spec.lateness_ms);
            self.watermark_ms = Some(self.watermark_ms.map_or(candidate, |wm| wm.max(candidate)));
        }
        seen
    }

    /// Marks a record that was not counted (rejected input) as processed.
    pub(crate) fn skip(&mut self, offset: i64) {
        self.next_offset = Some(offset + 1);
    }

    /// Removes and returns the windows the watermark has passed, oldest end first.
    pub(crate) fn take_closed(&mut self) -> Vec<WindowResult> {
        let Some(wm) = self.watermark_ms else {
            return Vec::new();
        };
        let first_open = self
            .open
            .keys()
            .position(|&(end, _)| end > wm)
            .unwrap_or(self.open.len());
        let mut closed = Vec::with_capacity(first_open);
        for _ in 0..first_open {
            if let Some(((_, id), w)) = self.open.pop_first() {
                closed.push(WindowResult {
                    id,
                    totals: w.counts.totals(),
                });
            }
        }
        self.closed_through_ms = Some(wm);
        closed
    }

    /// Closes every open window now (end of input, or an idle partition) and moves the
    /// watermark past them, so a later record for one of them counts as late instead of
    /// re-opening an emitted window.
    pub(crate) fn take_all(&mut self) -> Vec<WindowResult> {
        if let Some((&(end, _), _)) = self.open.last_key_value() {
            self.watermark_ms = Some(self.watermark_ms.map_or(end, |wm| wm.max(end)));
        }
        self.take_closed()
    }

    /// The open windows that changed since the last call, each with the hashtags that changed
    /// (absolute counts), for early updates.
    pub(crate) fn take_changed(&mut self) -> Vec<WindowResult> {
        self.open
            .iter_mut()
            .filter(|(_, w)| w.dirty)
            .map(|(&(_, id), w)| {
                w.dirty = false;
                WindowResult {
                    id,
                    totals: w.counts.take_changed(),
                }
            })
            .collect()
    }

    /// Where a consumer taking over this partition must resume so that nothing is skipped and
    /// nothing emitted is counted twice: the first record of the oldest window not taken yet,
    /// with the watermark every taken window ended by. Valid at any time once the windows the
    /// takes returned have been written out. `None` before any record.
    ///
    /// Replaying from it decides as the original run did: every record before the offset is in
    /// taken windows only (or was late), so it raised the watermark to below
    /// `closed_through_ms` at most, which the resumed partition starts from.
    pub(crate) fn checkpoint(&self) -> Option<Checkpoint> {
        let offset = match self.open.first_key_value() {
            Some(_) => self.open.values().map(|w| w.first_offset).min(),
            None => self.next_offset,
        }?;
        Some(Checkpoint {
            offset,
            watermark_ms: self.closed_through_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TUMBLING: Shape = Shape {
        size_ms: 10_000,
        slide_ms: 10_000,
    };
    const HOPPING: Shape = Shape {
        size_ms: 10_000,
        slide_ms: 2_500,
    };

    fn spec(shapes: &[Shape]) -> WindowSpec {
        WindowSpec {
            shapes: shapes.to_vec(),
            lateness_ms: 2_000,
            max_hashtags: 0,
        }
    }

    fn tumbling() -> PartitionWindows {
        PartitionWindows::new(spec(&[TUMBLING]), None)
    }

    fn tags(list: &[&str]) -> TweetTags {
        list.iter().copied().collect()
    }

    fn count(w: &WindowResult, key: &str) -> u64 {
        w.totals
            .tags
            .iter()
            .find(|t| t.key == key)
            .map_or(0, |t| t.count)
    }

    #[test]
    fn window_starts_are_aligned_also_before_epoch() {
        let starts = |shape: Shape, t| shape.starts_of(t).collect::<Vec<_>>();
        assert_eq!(starts(TUMBLING, 0), [0]);
        assert_eq!(starts(TUMBLING, 9_999), [0]);
        assert_eq!(starts(TUMBLING, 10_000), [10_000]);
        assert_eq!(starts(TUMBLING, -1), [-10_000]);
        assert_eq!(starts(HOPPING, 10_000), [2_500, 5_000, 7_500, 10_000]);
        assert_eq!(starts(HOPPING, 2_499), [-7_500, -5_000, -2_500, 0]);
        let uneven = Shape {
            size_ms: 10,
            slide_ms: 4,
        };
        assert_eq!(starts(uneven, 9), [0, 4, 8]);
        assert_eq!(starts(uneven, 10), [4, 8]);
    }

    #[test]
    fn windows_close_when_the_watermark_passes_their_end() {
        let mut p = tumbling();
        p.observe(0, 1_000, &tags(&["a"]), Scoring::Off);
        p.observe(1, 9_000, &tags(&["a", "b"]), Scoring::Off);
        p.observe(2, 11_000, &tags(&["b"]), Scoring::Off);
        assert!(p.take_closed().is_empty(), "watermark 9s < end 10s");
        p.observe(3, 12_000, &tags(&[]), Scoring::Off);
        let closed = p.take_closed();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].id.start_ms, 0);
        assert_eq!(closed[0].id.end_ms(), 10_000);
        assert_eq!(closed[0].totals.tweets, 2);
        assert_eq!((count(&closed[0], "a"), count(&closed[0], "b")), (2, 1));
        assert!(p.take_closed().is_empty());
    }

    #[test]
    fn out_of_order_within_lateness_is_counted_after_is_late() {
        let mut p = tumbling();
        p.observe(0, 11_000, &tags(&["x"]), Scoring::Off);
        let counted = Observed {
            counted: 1,
            late: 0,
        };
        let late = Observed {
            counted: 0,
            late: 1,
        };
        assert_eq!(
            p.observe(1, 9_500, &tags(&["y"]), Scoring::Off),
            counted,
            "wm 9s < end 10s"
        );
        p.observe(2, 12_500, &tags(&[]), Scoring::Off);
        assert_eq!(
            p.observe(3, 9_900, &tags(&["y"]), Scoring::Off),
            late,
            "wm 10.5s >= end 10s"
        );
        let closed = p.take_closed();
        assert_eq!(count(&closed[0], "y"), 1);
        assert_eq!(closed[0].totals.tags.len(), 1);
    }

    #[test]
    fn hopping_records_are_late_only_for_the_windows_already_closed() {
        let mut p = PartitionWindows::new(spec(&[HOPPING, TUMBLING]), None);
        p.observe(0, 14_000, &tags(&["a"]), Scoring::Off); // wm 12s
        assert_eq!(
            p.observe(1, 9_000, &tags(&["b"]), Scoring::Off),
            Observed {
                counted: 3,
                late: 2
            },
            "watermark 12s: hopping [0,10s) and tumbling [0,10s) closed; hopping from 2.5s open"
        );
        assert!(p.take_closed().is_empty());
        let open_ends: Vec<i64> = p.take_all().iter().map(|w| w.id.end_ms()).collect();
        assert_eq!(open_ends, [12_500, 15_000, 17_500, 20_000, 20_000, 22_500]);
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
        let mut eager = PartitionWindows::new(spec(&[TUMBLING, HOPPING]), None);
        let mut lazy = PartitionWindows::new(spec(&[TUMBLING, HOPPING]), None);
        let mut eager_out = Vec::new();
        for (offset, t) in input {
            let a = eager.observe(offset, t, &tags(&["t"]), Scoring::Off);
            eager_out.extend(eager.take_closed());
            let b = lazy.observe(offset, t, &tags(&["t"]), Scoring::Off);
            assert_eq!(a, b, "record at {t}");
        }
        eager_out.extend(eager.take_all());
        assert_eq!(eager_out, lazy.take_all());
    }

    #[test]
    fn early_snapshots_report_only_changed_windows() {
        let mut p = tumbling();
        p.observe(0, 1_000, &tags(&["a"]), Scoring::Off);
        p.observe(1, 11_000, &tags(&["a"]), Scoring::Off);
        assert_eq!(p.take_changed().len(), 2);
        assert!(p.take_changed().is_empty());
        p.observe(2, 12_000, &tags(&["b"]), Scoring::Off);
        let changed = p.take_changed();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].totals.tweets, 2);
    }

    #[test]
    fn checkpoint_points_at_the_oldest_open_window() {
        let mut p = tumbling();
        assert_eq!(p.checkpoint(), None);
        p.observe(10, 1_000, &tags(&[]), Scoring::Off);
        p.observe(11, 11_000, &tags(&[]), Scoring::Off);
        p.observe(12, 3_000, &tags(&[]), Scoring::Off);
        assert_eq!(p.checkpoint().unwrap().offset, 10);
        p.observe(13, 12_500, &tags(&[]), Scoring::Off);
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
        let mut p = tumbling();
        p.skip(4);
        assert_eq!(
            p.checkpoint(),
            Some(Checkpoint {
                offset: 5,
                watermark_ms: None
            })
        );
    }

    /// Reference: tweets per window of every record, counted where the window had not closed,
    /// computed by brute force from the definition (a window [s, e) takes a record at t when
    /// s <= t < e and e > max(event of earlier counted records) - lateness).
    fn reference(events: &[i64], spec: &WindowSpec) -> BTreeMap<WindowId, u64> {
        let mut out = BTreeMap::new();
        let mut max_counted: Option<i64> = None;
        for &t in events {
            let wm = max_counted.map(|m| m - spec.lateness_ms);
            let mut counted = false;
            for &shape in &spec.shapes {
                // Every window of the shape that holds t, enumerated from the definition.
                let lo = (t - shape.size_ms).div_euclid(shape.slide_ms) - 1;
                for k in lo..=t.div_euclid(shape.slide_ms) {
                    let id = WindowId {
                        shape,
                        start_ms: k * shape.slide_ms,
                    };
                    let holds = id.start_ms <= t && t < id.end_ms();
                    if holds && wm.is_none_or(|wm| id.end_ms() > wm) {
                        *out.entry(id).or_insert(0) += 1;
                        counted = true;
                    }
                }
            }
            if counted {
                max_counted = Some(max_counted.map_or(t, |m| m.max(t)));
            }
        }
        out
    }

    fn run(p: &mut PartitionWindows, events: &[(i64, i64)]) -> Vec<WindowResult> {
        run_closing_every(p, events, 1)
    }

    /// Observes `events`, taking the closed windows after every `every`-th one only, as the
    /// driver does on its timer: in between, the watermark is ahead of what was emitted.
    fn run_closing_every(
        p: &mut PartitionWindows,
        events: &[(i64, i64)],
        every: usize,
    ) -> Vec<WindowResult> {
        let mut out = Vec::new();
        for (i, &(offset, t)) in events.iter().enumerate() {
            p.observe(offset, t, &tags(&["k"]), Scoring::Off);
            if (i + 1) % every == 0 {
                out.extend(p.take_closed());
            }
        }
        out
    }

    fn per_window(closed: &[WindowResult]) -> BTreeMap<WindowId, u64> {
        let mut out = BTreeMap::new();
        for w in closed {
            *out.entry(w.id).or_insert(0) += w.totals.tweets;
            assert_eq!(count(w, "k"), w.totals.tweets);
        }
        out
    }

    fn shapes() -> impl Strategy<Value = Vec<Shape>> {
        prop::sample::subsequence(
            vec![
                TUMBLING,
                HOPPING,
                Shape {
                    size_ms: 7_000,
                    slide_ms: 3_000,
                },
            ],
            1..=3,
        )
    }

    fn indexed(events: &[i64]) -> Vec<(i64, i64)> {
        events
            .iter()
            .enumerate()
            .map(|(i, &t)| (i as i64, t))
            .collect()
    }

    proptest! {
        /// Out-of-order input: every record is counted in exactly the windows the definition
        /// says, each window is emitted once, oldest end first.
        #[test]
        fn matches_the_brute_force_reference(
            events in prop::collection::vec(-20_000i64..100_000, 0..200),
            shapes in shapes(),
        ) {
            let spec = spec(&shapes);
            let mut p = PartitionWindows::new(spec.clone(), None);
            let mut closed = run(&mut p, &indexed(&events));
            closed.extend(p.take_all());
            prop_assert_eq!(per_window(&closed), reference(&events, &spec));
            let ids: std::collections::BTreeSet<WindowId> = closed.iter().map(|w| w.id).collect();
            prop_assert_eq!(ids.len(), closed.len());
            prop_assert!(closed.windows(2).all(|w| w[0].id.end_ms() <= w[1].id.end_ms()));
        }

        /// Stopping at any point and resuming from the checkpoint (losing all in-memory state)
        /// emits exactly what an uninterrupted run emits.
        #[test]
        fn resuming_from_a_checkpoint_is_exact(
            events in prop::collection::vec(0i64..100_000, 1..200),
            cut in any::<prop::sample::Index>(),
            shapes in shapes(),
            close_every in 1usize..8,
        ) {
            let spec = spec(&shapes);
            let indexed = indexed(&events);
            let mut whole = PartitionWindows::new(spec.clone(), None);
            let mut expected = run(&mut whole, &indexed);
            expected.extend(whole.take_all());

            // The checkpoint is taken whenever the commit timer fires: possibly after records
            // that moved the watermark past windows not taken yet.
            let cut = cut.index(indexed.len());
            let mut first = PartitionWindows::new(spec.clone(), None);
            let mut got = run_closing_every(&mut first, &indexed[..cut], close_every);
            let (resume_at, wm) = match first.checkpoint() {
                Some(cp) => (cp.offset as usize, cp.watermark_ms),
                None => (0, None),
            };
            let mut second = PartitionWindows::new(spec, wm);
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
            shapes in shapes(),
            close_every in 1usize..8,
        ) {
            let spec = spec(&shapes);
            let indexed = indexed(&events);
            let mut whole = PartitionWindows::new(spec.clone(), None);
            let mut expected = run(&mut whole, &indexed);
            expected.extend(whole.take_all());

            let (a, b) = (cuts.0.index(indexed.len()), cuts.1.index(indexed.len()));
            let (older, newer) = (a.min(b), a.max(b));
            let mut first = PartitionWindows::new(spec.clone(), None);
            let mut got = run_closing_every(&mut first, &indexed[..older], close_every);
            let old_offset = first.checkpoint().map_or(0, |cp| cp.offset as usize);
            got.extend(run_closing_every(&mut first, &indexed[older..newer], close_every));
            let new_watermark = first.checkpoint().and_then(|cp| cp.watermark_ms);
            let mut second = PartitionWindows::new(spec, new_watermark);
            got.extend(run(&mut second, &indexed[old_offset..]));
            got.extend(second.take_all());
            prop_assert_eq!(per_window(&got), per_window(&expected));
        }
    }
}
