//! Rising hashtags: which hashtags of a final window are counted far above what their recent
//! history predicts. A top-N by raw counts shows the same big hashtags window after window;
//! trending means "immediately popular", an atypical jump in a count's time series.
//!
//! The method, per window definition, for a final window starting at `s` with `T` posts:
//! * its history is the final windows of the same definition that end at or before `s` and
//!   start at or after `s - K·size` (hopping windows that overlap `s` are left out, so a burst
//!   does not raise its own baseline);
//! * a hashtag's baseline is the count its share of the history's posts predicts for `T` posts,
//!   `S_t · T / T_H`, so a stream that doubles its volume does not make everything "rise";
//! * its score is the Poisson z-like `(count - baseline) / sqrt(baseline + prior)`: how many
//!   standard deviations of a Poisson count the window lies above the baseline, with `prior`
//!   keeping a hashtag never seen before finite;
//! * it ranks when it was counted at least `min_count` times and scores at least `min_score`;
//!   highest score first, then higher count, then key.
//!
//! Everything is integer arithmetic in thousandths (the square root included), so the records
//! are bit-identical on every machine and after any crash, takeover or scale-out: the inputs are
//! the merge stage's exact counts, taken in window order. The state is the history windows
//! themselves, so it is bounded by `K` window sizes: a hashtag leaves it when the last window
//! that mentions it is more than `K` sizes older than the newest window.

use std::collections::{BTreeMap, HashMap};

/// How hashtags are ranked (the `consumer.rising_*` settings, in thousandths where decimal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RisingParams {
    /// How many window sizes back the history reaches (K).
    pub history: u32,
    /// A hashtag counted fewer times than this in the window does not rank.
    pub min_count: u64,
    /// The lowest score that ranks, in thousandths.
    pub min_score_m: i64,
    /// Added to the baseline under the square root, in thousandths; at least 1.
    pub prior_m: u64,
    /// How many hashtags a ranking keeps.
    pub top: usize,
}

/// A final window as the ranking sees it: its posts and each hashtag's count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WindowTally {
    pub(crate) start_ms: i64,
    pub(crate) posts: u64,
    pub(crate) counts: HashMap<String, u64>,
}

/// One ranked hashtag; `baseline_m` and `score_m` are thousandths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RisingTag {
    pub(crate) key: String,
    pub(crate) count: u64,
    pub(crate) baseline_m: u64,
    pub(crate) score_m: i64,
    /// Not mentioned anywhere in the history.
    pub(crate) is_new: bool,
}

/// A window's ranking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RisingList {
    /// How many earlier windows the baselines come from; with none, nothing ranks.
    pub(crate) history_windows: u64,
    /// Highest score first.
    pub(crate) tags: Vec<RisingTag>,
}

/// The history of one window definition and the ranking of its final windows.
#[derive(Debug)]
pub(crate) struct Rising {
    params: RisingParams,
    size_ms: i64,
    /// Final windows by start that may still be history for a later window.
    windows: BTreeMap<i64, WindowTally>,
}

impl Rising {
    /// Ranks windows of `size_ms`.
    ///
    /// # Panics
    ///
    /// If `params.history` is 0: rising is off then, and nothing should rank.
    pub(crate) fn new(params: RisingParams, size_ms: i64) -> Self {
        assert!(params.history >= 1, "a history of at least one window");
        Rising {
            params,
            size_ms,
            windows: BTreeMap::new(),
        }
    }

    /// Ranks a final window against its history, then keeps it as history for later windows.
    pub(crate) fn rank(&mut self, window: WindowTally) -> RisingList {
        let list = self.score(&window);
        self.remember(window);
        list
    }

    /// Keeps a final window as history (also how a new owner of the merge stage restores the
    /// state, from the windows in the result topic), and forgets windows too old to matter.
    pub(crate) fn remember(&mut self, window: WindowTally) {
        self.windows.insert(window.start_ms, window);
        let newest = *self.windows.last_key_value().expect("just inserted").0;
        let oldest_needed = newest - self.reach_ms();
        self.windows.retain(|&start, _| start >= oldest_needed);
    }

    /// Hashtag entries held: the state's size.
    pub(crate) fn state_size(&self) -> usize {
        self.windows.values().map(|w| w.counts.len()).sum()
    }

    /// How far back the history reaches, from a window's start.
    pub(crate) fn reach_ms(&self) -> i64 {
        i64::from(self.params.history) * self.size_ms
    }

    fn score(&self, window: &WindowTally) -> RisingList {
        let s = window.start_ms;
        let history: Vec<&WindowTally> = self
            .windows
            .range(s - self.reach_ms()..=s - self.size_ms)
            .map(|(_, w)| w)
            .collect();
        let history_posts: u64 = history.iter().map(|w| w.posts).sum();
        let mut list = RisingList {
            history_windows: history.len() as u64,
            tags: Vec::new(),
        };
        if history_posts == 0 {
            return list;
        }
        let p = &self.params;
        list.tags = window
            .counts
            .iter()
            .filter(|&(_, &count)| count >= p.min_count)
            .map(|(key, &count)| {
                let seen: u64 = history.iter().filter_map(|w| w.counts.get(key)).sum();
                let baseline_m = expected_m(seen, window.posts, history_posts);
                RisingTag {
                    key: key.clone(),
                    count,
                    baseline_m,
                    score_m: score_m(count, baseline_m, p.prior_m),
                    is_new: seen == 0,
                }
            })
            .filter(|t| t.score_m >= p.min_score_m)
            .collect();
        list.tags.sort_unstable_by(|a, b| {
            (b.score_m, b.count)
                .cmp(&(a.score_m, a.count))
                .then_with(|| a.key.cmp(&b.key))
        });
        list.tags.truncate(p.top);
        list
    }
}

/// The count, in thousandths, that `seen` mentions among `history_posts` posts predict for
/// `posts` posts (rounded down).
fn expected_m(seen: u64, posts: u64, history_posts: u64) -> u64 {
    let m = u128::from(seen) * u128::from(posts) * 1000 / u128::from(history_posts);
    u64::try_from(m).unwrap_or(u64::MAX)
}

/// `(count - baseline) / sqrt(baseline + prior)` in thousandths, rounded down; the square root
/// of `y` in thousandths is `isqrt(y_m · 1000) / 1000`.
fn score_m(count: u64, baseline_m: u64, prior_m: u64) -> i64 {
    let excess_m = i128::from(count) * 1000 - i128::from(baseline_m);
    let root_m = ((u128::from(baseline_m) + u128::from(prior_m)) * 1000).isqrt();
    let root_m = i128::try_from(root_m.max(1)).expect("a square root of a u128 fits an i128");
    let score = (excess_m * 1000).div_euclid(root_m);
    i64::try_from(score).unwrap_or(if score < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests;
