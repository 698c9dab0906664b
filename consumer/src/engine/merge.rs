//! The merge stage: sums the per-partition parts of each window into the exact whole window,
//! in one place, once every source partition has closed it.
//!
//! Counting runs in parallel, one deterministic processor per raw partition, wherever the group
//! placed it; this stage reads the one-partition partials topic, so whichever group member owns
//! it sees every part of every window. A window is complete when every source partition's
//! progress has passed its end (a source's parts always precede the progress that closes them
//! on the topic) or the source is idle. Parts are keyed by source, so a part sent twice (a
//! counting consumer replaying after a crash) replaces itself instead of adding.
//!
//! Restarts work like the counting stage's: the committed offset is the first message of the
//! oldest window not yet emitted, and the saved watermark ("emitted through") tells which
//! replayed parts belong to windows already emitted, which are skipped.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::engine::counts::{Forms, TagCount, WindowTotals};
use crate::engine::partial::PartialMessage;
use crate::engine::sentiment::aggregate::{merge_all, Merge};
use crate::engine::window::{Checkpoint, WindowId};

/// A window summed over all source partitions; final, or an early update. An early update of
/// exact counts holds only the hashtags that changed since the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedWindow {
    pub(crate) id: WindowId,
    pub(crate) is_final: bool,
    pub(crate) totals: WindowTotals,
    /// Distinct hashtags in the whole window so far (`totals.tags` may be a subset).
    pub(crate) distinct: usize,
}

/// Merge-stage totals, reported at shutdown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MergeStats {
    /// Final windows emitted.
    pub windows: u64,
    /// Parts of windows already emitted: replays (expected after a crash), or a source that
    /// woke from idle with data for a window the others had finished.
    pub late_parts: u64,
}

impl MergeStats {
    /// Adds another merger's totals (the merge stage may move between members and back).
    pub(crate) fn add(&mut self, other: MergeStats) {
        self.windows += other.windows;
        self.late_parts += other.late_parts;
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    watermark_ms: Option<i64>,
    idle: bool,
}

#[derive(Debug)]
struct Pending {
    first_offset: i64,
    finals: BTreeMap<i32, WindowTotals>,
    /// Running counts of sources that have not closed the window yet.
    early: BTreeMap<i32, EarlyPart>,
    changed: bool,
    /// Hashtags changed since the last early update (exact counts only).
    changed_keys: BTreeSet<String>,
    /// Every hashtag any part has held: with exact counts, the window's distinct hashtags so
    /// far, kept as parts arrive so that an early update does not gather them from every part.
    keys: HashSet<String>,
}

impl Pending {
    /// Notes `keys` as changed since the last early update.
    fn changed<'a>(&mut self, keys: impl IntoIterator<Item = &'a str>) {
        for key in keys {
            if !self.keys.contains(key) {
                self.keys.insert(key.to_owned());
            }
            if !self.changed_keys.contains(key) {
                self.changed_keys.insert(key.to_owned());
            }
        }
    }

    /// A hashtag's exact count (and sentiment) so far over all sources.
    fn sum(&self, key: &str) -> TagCount {
        let mut total = TagCount {
            key: key.to_owned(),
            count: 0,
            error: 0,
            forms: Forms::default(),
            sentiment: None,
        };
        let finals = self.finals.values().filter_map(|f| f.tag(key));
        for tag in finals.chain(self.early.values().filter_map(|e| e.tags.get(key))) {
            total.count += tag.count;
            total.forms.merge(&tag.forms);
            if let Some(tally) = &tag.sentiment {
                total.sentiment.get_or_insert_default().merge(tally);
            }
        }
        total
    }
}

/// One source's running counts of an open window, built from its early updates (each carries
/// the hashtags that changed, with their absolute counts; Space-Saving ones carry all K).
#[derive(Debug, Default)]
struct EarlyPart {
    totals: WindowTotals,
    tags: HashMap<String, TagCount>,
}

impl EarlyPart {
    /// Applies an update; returns the keys it changed.
    fn update(&mut self, mut update: WindowTotals) -> Vec<String> {
        if update.capacity > 0 {
            self.tags.clear();
        }
        let tags = std::mem::take(&mut update.tags);
        let keys = tags.iter().map(|t| t.key.clone()).collect();
        for tag in tags {
            self.tags.insert(tag.key.clone(), tag);
        }
        self.totals = update;
        keys
    }

    fn snapshot(&self) -> WindowTotals {
        WindowTotals {
            tags: self.tags.values().cloned().collect(),
            ..self.totals.clone()
        }
    }
}

/// The merge state of the partials topic.
#[derive(Debug)]
pub struct Merger {
    sources: i32,
    progress: BTreeMap<i32, Progress>,
    /// Windows ending at or before this were emitted; their parts are skipped.
    emitted_through: Option<i64>,
    pending: BTreeMap<(i64, WindowId), Pending>,
    next_offset: Option<i64>,
    stats: MergeStats,
}

impl Merger {
    /// Merges the parts from `sources` raw partitions, resuming after windows ending at or
    /// before `emitted_through`.
    pub fn new(sources: i32, emitted_through: Option<i64>) -> Self {
        Merger {
            sources,
            progress: BTreeMap::new(),
            emitted_through,
            pending: BTreeMap::new(),
            next_offset: None,
            stats: MergeStats::default(),
        }
    }

    /// Totals so far.
    pub(crate) fn stats(&self) -> MergeStats {
        self.stats
    }

    /// Takes in the message at `offset` of the partials topic.
    pub fn observe(&mut self, offset: i64, message: PartialMessage) {
        self.next_offset = Some(offset + 1);
        match message {
            PartialMessage::Progress {
                source,
                watermark_ms,
                idle,
            } => {
                let p = self.progress.entry(source).or_default();
                p.watermark_ms = p.watermark_ms.max(watermark_ms);
                p.idle = idle;
            }
            PartialMessage::Window {
                source,
                window,
                is_final,
                totals,
            } => {
                if self.emitted_through.is_some_and(|t| window.end_ms() <= t) {
                    self.stats.late_parts += 1;
                    return;
                }
                let pending = self
                    .pending
                    .entry((window.end_ms(), window))
                    .or_insert_with(|| Pending {
                        first_offset: offset,
                        finals: BTreeMap::new(),
                        early: BTreeMap::new(),
                        changed: false,
                        changed_keys: BTreeSet::new(),
                        keys: HashSet::new(),
                    });
                if is_final {
                    if let Some(early) = pending.early.remove(&source) {
                        pending.changed(early.tags.keys().map(String::as_str));
                    }
                    pending.changed(totals.tags.iter().map(|t| t.key.as_str()));
                    pending.finals.insert(source, totals);
                } else if !pending.finals.contains_key(&source) {
                    let keys = pending.early.entry(source).or_default().update(totals);
                    pending.changed(keys.iter().map(String::as_str));
                }
                pending.changed = true;
            }
        }
    }

    /// Marks a message that was not understood as processed.
    pub(crate) fn skip(&mut self, offset: i64) {
        self.next_offset = Some(offset + 1);
    }

    /// Removes and returns the windows every source has finished, oldest end first.
    pub fn take_complete(&mut self) -> Vec<MergedWindow> {
        let Some(through) = self.complete_through() else {
            return Vec::new();
        };
        let mut done = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 > through {
                break;
            }
            let ((_, id), pending) = entry.remove_entry();
            let totals = WindowTotals::merge(pending.finals.values());
            done.push(MergedWindow {
                id,
                is_final: true,
                distinct: totals.tags.len(),
                totals,
            });
        }
        self.stats.windows += done.len() as u64;
        self.emitted_through = self.emitted_through.max(Some(through));
        done
    }

    /// Running sums of the open windows that changed since the last call (early updates):
    /// with exact counts, only the hashtags that changed, so a live view costs what changed.
    pub(crate) fn take_changed(&mut self) -> Vec<MergedWindow> {
        self.pending
            .iter_mut()
            .filter(|(_, p)| p.changed)
            .map(|(&(_, id), p)| {
                p.changed = false;
                let keys = std::mem::take(&mut p.changed_keys);
                let bounded = p.finals.values().any(|t| t.capacity > 0)
                    || p.early.values().any(|e| e.totals.capacity > 0);
                if bounded {
                    let snapshots: Vec<WindowTotals> =
                        p.early.values().map(EarlyPart::snapshot).collect();
                    let totals = WindowTotals::merge(p.finals.values().chain(&snapshots));
                    let distinct = totals.tags.len();
                    return MergedWindow {
                        id,
                        is_final: false,
                        totals,
                        distinct,
                    };
                }
                let tags = keys.iter().map(|key| p.sum(key)).collect();
                let early_totals = p.early.values().map(|e| &e.totals);
                let parts: Vec<&WindowTotals> = p.finals.values().chain(early_totals).collect();
                MergedWindow {
                    id,
                    is_final: false,
                    totals: WindowTotals {
                        tweets: parts.iter().map(|t| t.tweets).sum(),
                        mentions: parts.iter().map(|t| t.mentions).sum(),
                        sources: parts.iter().map(|t| &t.sources).sum(),
                        capacity: 0,
                        untracked_bound: 0,
                        tags,
                        sentiment: merge_all(parts.iter().filter_map(|t| t.sentiment.as_ref())),
                    },
                    distinct: p.keys.len(),
                }
            })
            .collect()
    }

    /// True when every message before `offset` has been read, every source is idle and every
    /// window has been emitted (batch runs stop here, with `offset` the end of the partials
    /// topic after their own last message: idle progress read earlier may be stale).
    pub(crate) fn caught_up(&self, offset: i64) -> bool {
        self.next_offset.is_some_and(|next| next >= offset)
            && self.pending.is_empty()
            && (0..self.sources).all(|s| self.progress.get(&s).is_some_and(|p| p.idle))
    }

    /// Where a new owner of the partials topic resumes; valid once the windows returned by the
    /// last [`take_complete`](Self::take_complete) are published.
    pub(crate) fn checkpoint(&self) -> Option<Checkpoint> {
        let offset = match self.pending.first_key_value() {
            Some(_) => self.pending.values().map(|p| p.first_offset).min(),
            None => self.next_offset,
        }?;
        Some(Checkpoint {
            offset,
            watermark_ms: self.emitted_through,
        })
    }

    /// Windows ending at or before this are complete: the lowest watermark of the sources that
    /// are not idle, or when all are idle the highest (each closed everything it had).
    fn complete_through(&self) -> Option<i64> {
        let mut low: Option<i64> = None;
        let mut high: Option<i64> = None;
        let mut active = false;
        for source in 0..self.sources {
            let p = self.progress.get(&source)?;
            high = high.max(p.watermark_ms);
            if !p.idle {
                let wm = p.watermark_ms?;
                active = true;
                low = Some(low.map_or(wm, |l| l.min(wm)));
            }
        }
        if active {
            low
        } else {
            high
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::counts::WindowCounts;
    use crate::engine::sentiment::aggregate::{Scored, Scoring};
    use crate::engine::sentiment::Score;
    use crate::engine::window::Shape;
    use model::post::PostId;
    use proptest::prelude::*;

    const SHAPE: Shape = Shape {
        size_ms: 10,
        slide_ms: 10,
    };

    fn id(start: i64) -> WindowId {
        WindowId {
            shape: SHAPE,
            start_ms: start,
        }
    }

    fn part(source: i32, start: i64, is_final: bool, tags: &[&str]) -> PartialMessage {
        let mut counts = WindowCounts::new(0);
        for t in tags {
            counts.add_tweet(&[*t].into_iter().collect(), Scoring::Off);
        }
        PartialMessage::Window {
            source,
            window: id(start),
            is_final,
            totals: counts.totals(),
        }
    }

    fn progress(source: i32, wm: i64, idle: bool) -> PartialMessage {
        PartialMessage::Progress {
            source,
            watermark_ms: Some(wm),
            idle,
        }
    }

    fn feed(m: &mut Merger, messages: Vec<PartialMessage>) {
        for msg in messages {
            let offset = m.next_offset.unwrap_or(0);
            m.observe(offset, msg);
        }
    }

    #[test]
    fn waits_for_every_source_then_sums_exactly() {
        let mut m = Merger::new(2, None);
        feed(
            &mut m,
            vec![part(0, 0, true, &["a", "b"]), progress(0, 12, false)],
        );
        assert!(m.take_complete().is_empty(), "source 1 unheard");
        feed(
            &mut m,
            vec![part(1, 0, true, &["a"]), progress(1, 9, false)],
        );
        assert!(m.take_complete().is_empty(), "source 1 at 9 < end 10");
        feed(&mut m, vec![progress(1, 10, false)]);
        let done = m.take_complete();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].totals.tweets, 3);
        assert_eq!(done[0].totals.tags[0].count, 2);
        assert_eq!(
            m.checkpoint(),
            Some(Checkpoint {
                offset: 5,
                watermark_ms: Some(10)
            })
        );
    }

    #[test]
    fn a_replayed_part_replaces_itself_and_late_parts_are_skipped() {
        let mut m = Merger::new(1, None);
        feed(
            &mut m,
            vec![part(0, 0, true, &["a"]), part(0, 0, true, &["a"])],
        );
        feed(&mut m, vec![progress(0, 10, false)]);
        let done = m.take_complete();
        assert_eq!(done[0].totals.tweets, 1, "not 2");
        feed(&mut m, vec![part(0, 0, true, &["a"])]);
        assert_eq!(m.stats().late_parts, 1);
        assert!(m.take_complete().is_empty());
    }

    #[test]
    fn idle_sources_do_not_hold_back_the_others() {
        let mut m = Merger::new(3, None);
        feed(
            &mut m,
            vec![
                part(0, 0, true, &["a"]),
                progress(0, 10, false),
                PartialMessage::Progress {
                    source: 1,
                    watermark_ms: None,
                    idle: true,
                },
                part(2, 20, true, &["b"]),
                progress(2, 30, true),
            ],
        );
        let ends: Vec<i64> = m.take_complete().iter().map(|w| w.id.end_ms()).collect();
        assert_eq!(ends, [10], "source 0 still active at 10");
        assert!(!m.caught_up(0));
        feed(&mut m, vec![progress(0, 10, true)]);
        let ends: Vec<i64> = m.take_complete().iter().map(|w| w.id.end_ms()).collect();
        assert_eq!(ends, [30]);
        assert!(m.caught_up(m.next_offset.unwrap()));
        assert!(
            !m.caught_up(m.next_offset.unwrap() + 1),
            "a later message not read yet"
        );
    }

    #[test]
    fn early_updates_carry_only_changed_hashtags_summed_over_sources() {
        let mut m = Merger::new(2, None);
        // Source 0 sends deltas (changed hashtags, absolute counts); source 1 has closed.
        feed(
            &mut m,
            vec![
                part(0, 0, false, &["a", "b"]),
                part(1, 0, true, &["a", "c"]),
            ],
        );
        let early = m.take_changed();
        assert_eq!(early.len(), 1);
        assert!(!early[0].is_final);
        let counts = |w: &MergedWindow| -> Vec<(String, u64)> {
            w.totals
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.count))
                .collect()
        };
        assert_eq!(
            counts(&early[0]),
            [("a".into(), 2), ("b".into(), 1), ("c".into(), 1)]
        );
        assert_eq!((early[0].totals.tweets, early[0].distinct), (4, 3));
        assert!(m.take_changed().is_empty());

        // Source 0's next update: only `a` changed, now 3 there (absolute, not +3).
        let mut counts0 = WindowCounts::new(0);
        for _ in 0..3 {
            counts0.add_tweet(&["a"].into_iter().collect(), Scoring::Off);
        }
        let mut delta = counts0.totals();
        delta.tweets = 4;
        feed(
            &mut m,
            vec![PartialMessage::Window {
                source: 0,
                window: id(0),
                is_final: false,
                totals: delta,
            }],
        );
        let early = m.take_changed();
        assert_eq!(
            counts(&early[0]),
            [("a".into(), 4)],
            "only the changed hashtag"
        );
        assert_eq!((early[0].totals.tweets, early[0].distinct), (6, 3));
        feed(&mut m, vec![part(1, 0, false, &["x"])]);
        assert_eq!(
            m.take_changed()[0].totals.tweets,
            6,
            "an early part never replaces a final one"
        );
    }

    /// A part whose tweets are scored: (hashtag, tweet id, score units) each.
    fn scored_part(source: i32, is_final: bool, tweets: &[(&str, u64, i32)]) -> PartialMessage {
        let mut counts = WindowCounts::new(0);
        for &(tag, id, units) in tweets {
            let id = PostId::Tweet(id);
            let scored = Scored {
                id: &id,
                text: "text",
                score: Score::from_units(units),
            };
            counts.add_tweet(&[tag].into_iter().collect(), Scoring::Scored(scored));
        }
        PartialMessage::Window {
            source,
            window: id(0),
            is_final,
            totals: counts.totals(),
        }
    }

    #[test]
    fn early_and_final_sentiment_is_summed_over_sources() {
        let mut m = Merger::new(2, None);
        feed(
            &mut m,
            vec![
                scored_part(0, false, &[("a", 1, 9_000), ("b", 2, -100)]),
                scored_part(1, true, &[("a", 3, -8_000)]),
            ],
        );
        let early = m.take_changed();
        let s = early[0].totals.sentiment.as_ref().unwrap();
        assert_eq!((s.tally.scored, s.tally.sum), (3, 900));
        assert_eq!(s.most_positive.as_ref().unwrap().id, PostId::Tweet(1));
        assert_eq!(s.most_negative.as_ref().unwrap().id, PostId::Tweet(3));
        let a = &early[0].totals.tags[0];
        assert_eq!((a.key.as_str(), a.sentiment.unwrap().sum), ("a", 1_000));

        // Source 0's next running counts replace its earlier ones (absolute, not added).
        feed(
            &mut m,
            vec![scored_part(
                0,
                false,
                &[("a", 1, 9_000), ("b", 2, -100), ("b", 4, 500)],
            )],
        );
        let early = m.take_changed();
        let s = early[0].totals.sentiment.as_ref().unwrap();
        assert_eq!((s.tally.scored, s.tally.sum), (4, 1_400));
        let tags: Vec<(&str, u64)> = early[0]
            .totals
            .tags
            .iter()
            .map(|t| (t.key.as_str(), t.sentiment.unwrap().scored))
            .collect();
        assert_eq!(tags, [("a", 2), ("b", 2)]);

        let last = scored_part(0, true, &[("a", 1, 9_000), ("b", 2, -100), ("b", 4, 500)]);
        feed(
            &mut m,
            vec![last, progress(0, 10, false), progress(1, 10, false)],
        );
        let done = m.take_complete();
        let s = done[0].totals.sentiment.as_ref().unwrap();
        assert_eq!((s.tally.scored, s.tally.sum), (4, 1_400));
        assert_eq!(s.tally.positive + s.tally.neutral + s.tally.negative, 4);
    }

    proptest! {
        /// However the parts of two sources interleave, are duplicated (replays) and whenever
        /// the merger restarts from its checkpoint, each window is emitted once with the exact
        /// sum of its final parts.
        #[test]
        fn exact_under_interleaving_duplicates_and_restarts(
            windows in prop::collection::vec((0i64..6, 0u8..4, 0u8..4), 1..8),
            order in any::<u64>(),
            restart_at in any::<prop::sample::Index>(),
        ) {
            // Each source sends, in window order, its final parts then progress past them.
            let mut per_source: Vec<Vec<PartialMessage>> = vec![Vec::new(), Vec::new()];
            let mut want: BTreeMap<i64, u64> = BTreeMap::new();
            let mut starts: Vec<i64> = windows.iter().map(|w| w.0 * 10).collect();
            starts.sort_unstable();
            starts.dedup();
            for (i, &start) in starts.iter().enumerate() {
                let (_, n0, n1) = windows[i % windows.len()];
                for (source, n) in [(0, n0), (1, n1)] {
                    if n > 0 {
                        let tags: Vec<&str> = vec!["k"; n as usize];
                        per_source[source as usize].push(part(source, start, true, &tags));
                        // A replay of the same part.
                        per_source[source as usize].push(part(source, start, true, &tags));
                        *want.entry(start).or_default() += n as u64;
                    }
                    per_source[source as usize].push(progress(source, start + 10, false));
                }
            }
            // Interleave the two sources pseudo-randomly, keeping each one's order.
            let mut log = Vec::new();
            let (mut a, mut b) = (per_source[0].iter(), per_source[1].iter());
            let mut bits = order;
            loop {
                let next = if bits & 1 == 0 { a.next().or_else(|| b.next()) } else { b.next().or_else(|| a.next()) };
                bits = bits.rotate_right(1);
                match next { Some(m) => log.push(m.clone()), None => break }
            }
            // The heartbeat: counting stages re-send their progress every second, which is how
            // a merger that resumed past older progress messages learns where sources are.
            let last = starts.last().copied().unwrap_or(0) + 10;
            log.extend([progress(0, last, false), progress(1, last, false)]);
            let cut = restart_at.index(log.len() + 1);
            let mut got: BTreeMap<i64, u64> = BTreeMap::new();
            let mut first = Merger::new(2, None);
            for (offset, msg) in log[..cut].iter().enumerate() {
                first.observe(offset as i64, msg.clone());
                for w in first.take_complete() {
                    prop_assert!(got.insert(w.id.start_ms, w.totals.tweets).is_none());
                }
            }
            let cp = first.checkpoint();
            let resume = cp.map_or(0, |c| c.offset as usize);
            let mut second = Merger::new(2, cp.and_then(|c| c.watermark_ms));
            for (offset, msg) in log.iter().enumerate().skip(resume) {
                second.observe(offset as i64, msg.clone());
                for w in second.take_complete() {
                    prop_assert!(got.insert(w.id.start_ms, w.totals.tweets).is_none(), "emitted twice");
                }
            }
            want.retain(|_, n| *n > 0);
            prop_assert_eq!(got, want);
        }
    }
}
