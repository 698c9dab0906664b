//! The rising rankings as published: one `Rising` history per tumbling and hopping definition,
//! each final window's `*rising` record and console section, and the history restored from the
//! result topic when the merge stage moves to another member.
//!
//! The restore reads the history back from the windows' own hashtag and summary records, as of
//! the merge checkpoint (`through_ms`, the end of the last window emitted before it): windows
//! published after it by a member that then died are left out, because the new owner emits
//! them again and must rank them against the same history as the first time.

use std::collections::{BTreeMap, HashMap};

use model::window_spec::WindowDef;

use crate::engine::merge::MergedWindow;
use crate::engine::rising::{Rising, RisingList, RisingParams, WindowTally};
use crate::engine::window::Shape;
use crate::output::records::Record;
use crate::output::schema::{ResultRecord, RisingRecord, RisingTag, Span};

/// The key suffix of a rising record: `*` because no hashtag key starts with it.
const RISING_KEY: &str = "*rising";

/// The rising histories of every ranked window definition.
#[derive(Debug, Default)]
pub(crate) struct Rankings {
    params: Option<RisingParams>,
    by_def: BTreeMap<WindowDef, Rising>,
    /// How many hashtags the latest final window of each definition ranked.
    latest: BTreeMap<WindowDef, usize>,
}

/// What the metrics show of one ranked window definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RisingFigures {
    pub(crate) window: String,
    /// Hashtags ranked in its latest final window; `None` before the first.
    pub(crate) rising: Option<usize>,
    /// Hashtag entries its history holds.
    pub(crate) state: usize,
}

impl Rankings {
    /// Ranks the tumbling and hopping definitions of `defs`; none when `params` is `None`.
    pub(crate) fn new(defs: &[WindowDef], params: Option<RisingParams>) -> Self {
        let mut rankings = Rankings {
            params,
            ..Rankings::default()
        };
        rankings.reset_for(defs);
        rankings
    }

    fn reset_for(&mut self, defs: &[WindowDef]) {
        let Some(params) = self.params else {
            return;
        };
        self.latest.clear();
        self.by_def = defs
            .iter()
            .filter(|d| !matches!(d, WindowDef::Cumulative { .. }))
            .map(|&d| (d, Rising::new(params, Shape::of(d).size_ms)))
            .collect();
    }

    /// Whether any definition is ranked (and so has a history to restore).
    pub(crate) fn any(&self) -> bool {
        !self.by_def.is_empty()
    }

    /// Ranks a final window of `def`; `None` when `def` is not ranked.
    pub(crate) fn rank(&mut self, def: WindowDef, w: &MergedWindow) -> Option<RisingList> {
        let rising = self.by_def.get_mut(&def)?;
        let list = rising.rank(WindowTally {
            start_ms: w.id.start_ms,
            posts: w.totals.tweets,
            counts: w
                .totals
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.count))
                .collect(),
        });
        self.latest.insert(def, list.tags.len());
        Some(list)
    }

    /// The figures of every ranked definition, for the metrics.
    pub(crate) fn figures(&self) -> Vec<RisingFigures> {
        self.by_def
            .iter()
            .map(|(def, rising)| RisingFigures {
                window: def.to_string(),
                rising: self.latest.get(def).copied(),
                state: rising.state_size(),
            })
            .collect()
    }

    /// Forgets every history and starts restoring them from the result topic as of
    /// `through_ms` (a new owner of the merge stage).
    pub(crate) fn restorer(&mut self, through_ms: Option<i64>) -> Restorer<'_> {
        let defs: Vec<WindowDef> = self.by_def.keys().copied().collect();
        self.reset_for(&defs);
        Restorer {
            rankings: self,
            through_ms,
            windows: BTreeMap::new(),
        }
    }
}

/// A final window's records as read back: the latest value per key wins, as in the compacted
/// topic, and only final values count.
#[derive(Debug, Default)]
struct ReadWindow {
    posts: Option<(u64, bool)>,
    counts: HashMap<String, (u64, bool)>,
}

/// Collects the windows of the result topic the histories need, then hands them over.
pub(crate) struct Restorer<'a> {
    rankings: &'a mut Rankings,
    through_ms: Option<i64>,
    windows: BTreeMap<(WindowDef, i64), ReadWindow>,
}

impl Restorer<'_> {
    /// Takes in one record of `def`'s windows from the result topic (records of one key oldest
    /// first); records of definitions not ranked are ignored.
    pub(crate) fn record(&mut self, def: WindowDef, value: &[u8]) {
        let Some(through) = self.through_ms else {
            return;
        };
        let Some(reach) = self.rankings.by_def.get(&def).map(Rising::reach_ms) else {
            return;
        };
        let Ok(record) = serde_json::from_slice::<ResultRecord>(value) else {
            return;
        };
        let span = record.span();
        let Some(start) = span.window_start_ms else {
            return;
        };
        // The next window starts after `through - size`; its history starts `reach` before.
        let needed = start >= through - Shape::of(def).size_ms - reach;
        if span.window_end_ms > through || !needed {
            return;
        }
        let is_final = span.is_final;
        let window = self.windows.entry((def, start)).or_default();
        match record {
            ResultRecord::Hashtag(h) => {
                window.counts.insert(h.key, (h.count, is_final));
            }
            ResultRecord::Summary(s) => window.posts = Some((s.tweets, is_final)),
            ResultRecord::Rising(_) => {}
        }
    }

    /// Hands the final windows read to their histories.
    pub(crate) fn finish(self) {
        for ((def, start_ms), read) in self.windows {
            let Some((posts, true)) = read.posts else {
                continue;
            };
            let counts = read
                .counts
                .into_iter()
                .filter(|(_, (_, is_final))| *is_final)
                .map(|(key, (count, _))| (key, count))
                .collect();
            let rising = self.rankings.by_def.get_mut(&def).expect("a ranked def");
            rising.remember(WindowTally {
                start_ms,
                posts,
                counts,
            });
        }
    }
}

/// The `*rising` record of a final window; hashtags shown in the window's display spelling.
pub(crate) fn rising_record(
    prefix: &str,
    span: Span,
    list: &RisingList,
    w: &MergedWindow,
) -> Record {
    let value = RisingRecord {
        span,
        history_windows: list.history_windows,
        rising: list
            .tags
            .iter()
            .map(|t| RisingTag {
                hashtag: spelling(w, &t.key),
                key: t.key.clone(),
                count: t.count,
                baseline: t.baseline_m as f64 / 1000.0,
                score: t.score_m as f64 / 1000.0,
                is_new: t.is_new,
            })
            .collect(),
    };
    Record {
        key: format!("{prefix}{RISING_KEY}"),
        value: serde_json::to_vec(&value).expect("result values serialise"),
    }
}

/// A hashtag's display spelling in `w` (its key when `w` does not hold it).
pub(crate) fn spelling(w: &MergedWindow, key: &str) -> String {
    w.totals.tag(key).map_or(key, |t| t.display()).to_owned()
}
