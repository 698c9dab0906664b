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
pub(crate) const RISING_KEY: &str = "*rising";

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

    /// Forgets every history, before a new owner of the merge stage restores them.
    pub(crate) fn reset(&mut self) {
        let defs: Vec<WindowDef> = self.by_def.keys().copied().collect();
        self.reset_for(&defs);
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

    /// Starts restoring the histories from the result topic as of `through_ms`.
    pub(crate) fn restorer(&mut self, through_ms: Option<i64>) -> Restorer<'_> {
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
    /// Takes in one record of the result topic (records of one key oldest first).
    pub(crate) fn record(&mut self, key: &str, value: &[u8]) {
        let Some(through) = self.through_ms else {
            return;
        };
        let Some(def) = self.ranked_def(key) else {
            return;
        };
        let Ok(record) = serde_json::from_slice::<ResultRecord>(value) else {
            return;
        };
        let span = record.span();
        let Some(start) = span.window_start_ms else {
            return;
        };
        let reach = self.rankings.by_def[&def].reach_ms();
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

    /// The ranked definition whose label `key` starts with.
    fn ranked_def(&self, key: &str) -> Option<WindowDef> {
        let (label, _) = key.split_once('|')?;
        self.rankings
            .by_def
            .keys()
            .copied()
            .find(|d| d.to_string() == label)
    }

    /// Hands the final windows read to their histories; returns how many.
    pub(crate) fn finish(self) -> usize {
        let mut restored = 0;
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
            restored += 1;
        }
        restored
    }
}

/// The `*rising` record of a final window; hashtags shown in the window's display spelling.
pub(crate) fn rising_record(
    prefix: &str,
    span: Span,
    list: &RisingList,
    w: &MergedWindow,
) -> Record {
    let display = spellings(w);
    let value = RisingRecord {
        span,
        history_windows: list.history_windows,
        rising: list
            .tags
            .iter()
            .map(|t| RisingTag {
                hashtag: display(&t.key),
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

/// Each hashtag's display spelling in `w` (its key when `w` does not hold it).
fn spellings(w: &MergedWindow) -> impl Fn(&str) -> String + '_ {
    let forms: HashMap<&str, &str> = w
        .totals
        .tags
        .iter()
        .map(|t| (t.key.as_str(), t.display()))
        .collect();
    move |key| forms.get(key).copied().unwrap_or(key).to_owned()
}

/// The console's section under a window's table: its rising hashtags, each with its count
/// against its baseline and its score.
pub(crate) fn render_rising(list: &RisingList, w: &MergedWindow) -> String {
    if list.history_windows == 0 {
        return "Rising: warming up (no earlier windows yet)\n".to_owned();
    }
    let against = format!("against {} earlier windows", list.history_windows);
    if list.tags.is_empty() {
        return format!("Rising: none ({against})\n");
    }
    let mut out = format!("Rising ({against}):\n");
    let display = spellings(w);
    let width = list
        .tags
        .iter()
        .map(|t| display(&t.key).chars().count())
        .max();
    for t in &list.tags {
        let usual = if t.is_new || t.baseline_m == 0 {
            "new".to_owned()
        } else {
            // Tenths of the ratio, rounded down.
            let tenths = u128::from(t.count) * 10_000 / u128::from(t.baseline_m);
            format!("×{}.{} over usual", tenths / 10, tenths % 10)
        };
        let score = t.score_m as f64 / 1000.0;
        out.push_str(&format!(
            "  #{:<width$}  {:>6}  {usual:<18} z {score:.1}\n",
            display(&t.key),
            t.count,
            width = width.unwrap_or(0),
        ));
    }
    out
}
