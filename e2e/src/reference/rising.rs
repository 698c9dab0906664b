//! Rising hashtags per final window (issue 20), computed from the reference counts by the
//! method's definition alone: integer arithmetic written out here (square root, floor division,
//! the history's bounds), none of the consumer's ranking code. The published records are read
//! back into the same shape, so that a test compares them with one `==`.

use std::collections::BTreeMap;

use super::counts::Counts;
use super::key_time;
use crate::kafka::Results;

/// The rising method's parameters, in the consumer's units (decimals as thousandths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RisingParams {
    /// K: the history reaches back K window sizes; 0 turns rising off.
    pub history: i64,
    /// The fewest mentions a ranked hashtag has in its window.
    pub min_count: u64,
    /// The lowest score ranked, in thousandths.
    pub min_score_m: i64,
    /// What is added to a baseline before its square root (so a new hashtag's score is finite),
    /// in thousandths; above 0.
    pub prior_m: u64,
    /// How many hashtags a list keeps (the consumer's `--top`).
    pub top: usize,
}

/// The consumer's defaults (`config/default.toml`).
impl Default for RisingParams {
    fn default() -> RisingParams {
        RisingParams {
            history: 6,
            min_count: 5,
            min_score_m: 5_000,
            prior_m: 1_000,
            top: 10,
        }
    }
}

impl RisingParams {
    /// The consumer flags that set exactly these parameters.
    pub fn flags(&self) -> Vec<String> {
        [
            ("--rising-history", self.history.to_string()),
            ("--rising-min-count", self.min_count.to_string()),
            ("--rising-min-score", decimal(i128::from(self.min_score_m))),
            ("--rising-prior", decimal(i128::from(self.prior_m))),
            ("--top", self.top.to_string()),
        ]
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_owned(), value])
        .collect()
    }
}

/// Thousandths written as a decimal with three places, e.g. `-0.500`.
fn decimal(thousandths: i128) -> String {
    let sign = if thousandths < 0 { "-" } else { "" };
    let magnitude = thousandths.unsigned_abs();
    format!("{sign}{}.{:03}", magnitude / 1000, magnitude % 1000)
}

/// One ranked hashtag of a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RisingTag {
    /// The case-folded hashtag.
    pub key: String,
    pub count: u64,
    /// The count its share of the history's posts predicts, in thousandths.
    pub baseline_m: u64,
    /// In thousandths.
    pub score_m: i64,
    /// Not mentioned in the history at all.
    pub is_new: bool,
}

/// A final window's rising list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rising {
    /// How many earlier windows the baselines come from.
    pub history_windows: u64,
    /// Highest score first.
    pub tags: Vec<RisingTag>,
}

/// Rising lists per window start.
pub type WindowRising = BTreeMap<i64, Rising>;

/// The rising list of every window of `counts` (windows of `size_ms`, tumbling or hopping;
/// every window with posts is a final window), by the definition: a window starting at `s`
/// takes as history the windows starting at or after `s - K * size` that end at or before `s`.
/// With K = 0 no window has a list. The windows are those with posts: a window without any
/// would add nothing to a history's sums, but it would count in `history_windows`, so inputs
/// with gaps of a whole window are not what this reference covers.
pub fn reference_rising(counts: &Counts, size_ms: i64, params: &RisingParams) -> WindowRising {
    if params.history == 0 {
        return WindowRising::new();
    }
    counts
        .tweets
        .iter()
        .map(|(&start, &posts)| (start, window_rising(counts, size_ms, params, start, posts)))
        .collect()
}

/// The list of the window starting at `start` with `posts` posts.
fn window_rising(
    counts: &Counts,
    size_ms: i64,
    params: &RisingParams,
    start: i64,
    posts: u64,
) -> Rising {
    let history: Vec<i64> = counts
        .tweets
        .keys()
        .copied()
        .filter(|&w| start - params.history * size_ms <= w && w + size_ms <= start)
        .collect();
    let history_posts: u64 = history.iter().map(|w| counts.tweets[w]).sum();
    let mut history_mentions: BTreeMap<&str, u64> = BTreeMap::new();
    for w in &history {
        for ((_, tag), n) in window_hashtags(counts, *w) {
            *history_mentions.entry(tag).or_default() += n;
        }
    }
    let history_windows = history.len() as u64;
    if history_posts == 0 {
        return Rising {
            history_windows,
            tags: Vec::new(),
        };
    }
    let mut tags: Vec<RisingTag> = window_hashtags(counts, start)
        .map(|((_, key), &count)| {
            let mentions = history_mentions.get(key.as_str()).copied().unwrap_or(0);
            let baseline_m = baseline_m(mentions, posts, history_posts);
            RisingTag {
                key: key.clone(),
                count,
                baseline_m,
                score_m: score_m(count, baseline_m, params.prior_m),
                is_new: mentions == 0,
            }
        })
        .filter(|t| t.count >= params.min_count && t.score_m >= params.min_score_m)
        .collect();
    tags.sort_by(|a, b| {
        (b.score_m, b.count)
            .cmp(&(a.score_m, a.count))
            .then_with(|| a.key.cmp(&b.key))
    });
    tags.truncate(params.top);
    Rising {
        history_windows,
        tags,
    }
}

/// The hashtag counts of the window starting at `start`.
fn window_hashtags(counts: &Counts, start: i64) -> impl Iterator<Item = (&(i64, String), &u64)> {
    counts
        .hashtags
        .range((start, String::new())..)
        .take_while(move |((w, _), _)| *w == start)
}

/// `floor(mentions * posts * 1000 / history_posts)`: the count a hashtag's share of the
/// history's posts predicts for `posts` posts, in thousandths.
fn baseline_m(mentions: u64, posts: u64, history_posts: u64) -> u64 {
    let exact = u128::from(mentions) * u128::from(posts) * 1000 / u128::from(history_posts);
    u64::try_from(exact).expect("a baseline within a window's posts")
}

/// `floor((count * 1000 - baseline_m) * 1000 / isqrt((baseline_m + prior_m) * 1000))`, rounded
/// towards minus infinity: thousandths of `(count - baseline) / sqrt(baseline + prior)`.
fn score_m(count: u64, baseline_m: u64, prior_m: u64) -> i64 {
    let above = (i128::from(count) * 1000 - i128::from(baseline_m)) * 1000;
    let spread = isqrt((u128::from(baseline_m) + u128::from(prior_m)) * 1000);
    let spread = i128::try_from(spread).expect("a square root fits");
    i64::try_from(floor_div(above, spread)).expect("a score fits")
}

/// The largest `r` with `r * r <= n`, by bisection (slow and plainly right; `n` is small here).
fn isqrt(n: u128) -> u128 {
    let (mut low, mut high) = (0u128, n.min(u128::from(u64::MAX)) + 1);
    // Invariant: low * low <= n < high * high.
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if mid * mid <= n {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// `a / b` rounded towards minus infinity, for `b > 0`.
fn floor_div(a: i128, b: i128) -> i128 {
    let truncated = a / b;
    if a % b != 0 && a < 0 {
        truncated - 1
    } else {
        truncated
    }
}

/// The `label|start|*rising` records of `results`, in the reference's shape, keyed by window
/// start. Checks what the shape leaves out: each record is final and of its key's window, and
/// its baseline and score are exact thousandths.
pub fn result_rising(results: &Results, label: &str) -> WindowRising {
    let mut lists = WindowRising::new();
    for (key, v) in results {
        if !(key.starts_with(&format!("{label}|")) && key.ends_with("|*rising")) {
            continue;
        }
        let start = v["window_start_ms"].as_i64().expect("window_start_ms");
        assert_eq!(key, &format!("{label}|{}|*rising", key_time(start)));
        assert_eq!(v["window"], label, "{key}");
        assert_eq!(v["final"], true, "{key}: only final windows rank");
        lists.insert(start, published_rising(key, v));
    }
    lists
}

/// A published rising list (a record's value, or a window of `/api/rising`: `what` names it in
/// failures) in the reference's shape; its baselines and scores must be exact thousandths.
pub fn published_rising(what: &str, v: &serde_json::Value) -> Rising {
    let tags = v["rising"].as_array().expect("rising");
    Rising {
        history_windows: v["history_windows"].as_u64().expect("history_windows"),
        tags: tags.iter().map(|t| published_tag(what, t)).collect(),
    }
}

/// A published hashtag of a rising list, its decimals back in thousandths.
fn published_tag(record: &str, t: &serde_json::Value) -> RisingTag {
    let thousandths = |field: &str| {
        let published = t[field].as_f64().expect(field);
        let m = (published * 1000.0).round();
        assert_eq!(m / 1000.0, published, "{record}: {field} {t}");
        m as i64
    };
    RisingTag {
        key: t["key"].as_str().expect("key").to_owned(),
        count: t["count"].as_u64().expect("count"),
        baseline_m: u64::try_from(thousandths("baseline")).expect("a baseline >= 0"),
        score_m: thousandths("score"),
        is_new: t["new"].as_bool().expect("new"),
    }
}

/// Asserts that `results` holds exactly the rising lists `want` of `label`'s windows: one
/// record per final window, each with its `history_windows` and every ranked hashtag's count,
/// baseline, score and newness, in order; and that each ranked hashtag is spelled as the
/// window's count record of the same key spells it. Returns how many lists rank a hashtag.
pub fn assert_rising_equal(results: &Results, label: &str, want: &WindowRising) -> usize {
    let got = result_rising(results, label);
    for start in got.keys().chain(want.keys()) {
        assert_eq!(
            got.get(start),
            want.get(start),
            "{label}|{}|*rising: published (left) and reference (right) differ",
            key_time(*start)
        );
    }
    for (key, v) in results {
        let Some(window) = key
            .strip_prefix(&format!("{label}|"))
            .and_then(|rest| rest.strip_suffix("|*rising"))
        else {
            continue;
        };
        for t in v["rising"].as_array().expect("rising") {
            let counted = format!("{label}|{window}|{}", t["key"].as_str().expect("key"));
            let spelled = &results.get(&counted).expect("a ranked hashtag's count")["hashtag"];
            assert_eq!(&t["hashtag"], spelled, "{key}: the spelling of {counted}");
        }
    }
    want.values().filter(|list| !list.tags.is_empty()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_square_roots_are_floors() {
        let roots: Vec<u128> = [0, 1, 2, 3, 4, 8, 9, 10, 999_999, 1_000_000, 1_000_000 - 1]
            .into_iter()
            .map(isqrt)
            .collect();
        assert_eq!(roots, [0, 1, 1, 1, 2, 2, 3, 3, 999, 1000, 999]);
        // 31622^2 = 999,950,884 and 31623^2 = 1,000,014,129.
        assert_eq!(isqrt(1_000_000_000), 31_622);
        assert_eq!(isqrt(u128::from(u64::MAX)), u128::from(u32::MAX));
    }

    #[test]
    fn division_rounds_towards_minus_infinity() {
        assert_eq!(floor_div(7, 2), 3);
        assert_eq!(floor_div(-7, 2), -4);
        assert_eq!(floor_div(-8, 2), -4);
        assert_eq!(floor_div(0, 5), 0);
        assert_eq!(floor_div(-1, 1000), -1);
    }

    #[test]
    fn decimals_are_written_with_three_places() {
        assert_eq!(decimal(3_000), "3.000");
        assert_eq!(decimal(500), "0.500");
        assert_eq!(decimal(-1_250), "-1.250");
        let flags = RisingParams::default().flags().join(" ");
        assert_eq!(
            flags,
            "--rising-history 6 --rising-min-count 5 --rising-min-score 5.000 \
             --rising-prior 1.000 --top 10"
        );
    }

    /// Windows of 10 (ms, for brevity) with `posts` posts and `tags` counts each, from 0.
    fn windows(windows: &[(u64, &[(&str, u64)])]) -> Counts {
        let mut counts = Counts::default();
        for (i, (posts, tags)) in windows.iter().enumerate() {
            let start = 10 * i as i64;
            counts.tweets.insert(start, *posts);
            for (tag, n) in *tags {
                counts.hashtags.insert((start, (*tag).to_owned()), *n);
            }
        }
        counts
    }

    fn tag(key: &str, count: u64, baseline_m: u64, score_m: i64, is_new: bool) -> RisingTag {
        RisingTag {
            key: key.to_owned(),
            count,
            baseline_m,
            score_m,
            is_new,
        }
    }

    #[test]
    fn scores_by_hand() {
        let counts = windows(&[
            (100, &[("rust", 10), ("go", 3)]),
            (300, &[("rust", 20), ("go", 6)]),
            (200, &[("rust", 40), ("go", 5), ("solar", 7), ("kafka", 4)]),
        ]);
        let lists = reference_rising(&counts, 10, &RisingParams::default());
        // The first window has no history: nothing is ranked.
        assert_eq!(lists[&0], Rising::default());
        // Window 10: history {0}, T_H = 100, T = 300. Rust: S = 10, baseline_m =
        // 10 * 300 * 1000 / 100 = 30,000; d = isqrt(31,000 * 1000 = 31,000,000) = 5567
        // (5567^2 = 30,991,489, 5568^2 = 31,002,624); score_m = (20,000 - 30,000) * 1000 / 5567
        // = -1796.3.. -> -1797, below 5.000. Go: baseline_m = 9,000, score below 0 too.
        assert_eq!(lists[&10].history_windows, 1);
        assert_eq!(lists[&10].tags, []);
        // Window 20: history {0, 10}, T_H = 400, T = 200.
        // Rust: S = 30, baseline_m = 30 * 200 * 1000 / 400 = 15,000; d = isqrt(16,000,000) =
        // 4000; score_m = (40,000 - 15,000) * 1000 / 4000 = 6250.
        // Solar: new, baseline_m = 0; d = isqrt(1,000,000) = 1000; score_m = 7000 * 1000 / 1000
        // = 7000.
        // Go: S = 9, baseline_m = 9 * 200 * 1000 / 400 = 4500; d = isqrt(5,500,000) = 2345
        // (2345^2 = 5,499,025); score_m = (5000 - 4500) * 1000 / 2345 = 213.2.. -> 213, below
        // 5.000. Kafka: new, score 4.000, but 4 mentions are below the minimum of 5.
        assert_eq!(
            lists[&20],
            Rising {
                history_windows: 2,
                tags: vec![
                    tag("solar", 7, 0, 7_000, true),
                    tag("rust", 40, 15_000, 6_250, false)
                ],
            }
        );
    }

    #[test]
    fn baselines_and_negative_scores_round_down() {
        // History T_H = 3, T = 1, S = 1: baseline_m = 1000 / 3 = 333.3.. -> 333.
        assert_eq!(baseline_m(1, 1, 3), 333);
        // Count 0 against baseline_m 333, prior 1.000: d = isqrt(1,333,000) = 1154
        // (1154^2 = 1,331,716, 1155^2 = 1,334,025); -333,000 / 1154 = -288.5.. -> -289.
        assert_eq!(score_m(0, 333, 1_000), -289);
        // A smaller prior: d = isqrt((0 + 250) * 1000) = 500; 5 new mentions score 10.000.
        assert_eq!(score_m(5, 0, 250), 10_000);
    }

    #[test]
    fn ties_go_to_the_higher_count_then_the_lower_key_and_the_list_is_cut_at_top() {
        // History: 100 posts with 3 mentions of y; the current window: 100 posts. A new tag
        // scores count * 1000 (d = isqrt(1,000,000) = 1000). y: baseline_m = 3 * 100 * 1000 /
        // 100 = 3000, d = isqrt(4,000,000) = 2000, score_m = (13,000 - 3000) * 1000 / 2000 =
        // 5000: the same score as the new x with 5 mentions, but more mentions.
        let counts = windows(&[
            (100, &[("y", 3)]),
            (
                100,
                &[("x", 5), ("b", 6), ("y", 13), ("a", 6), ("c", 9), ("e", 8)],
            ),
        ]);
        let keys = |top: usize| -> Vec<String> {
            let params = RisingParams {
                top,
                ..RisingParams::default()
            };
            reference_rising(&counts, 10, &params)[&10]
                .tags
                .iter()
                .map(|t| t.key.clone())
                .collect()
        };
        assert_eq!(keys(10), ["c", "e", "a", "b", "y", "x"]);
        assert_eq!(keys(5), ["c", "e", "a", "b", "y"]);
        let lists = reference_rising(&counts, 10, &RisingParams::default());
        assert_eq!(lists[&10].tags[4], tag("y", 13, 3_000, 5_000, false));
    }

    #[test]
    fn hopping_history_leaves_out_windows_that_overlap() {
        // Windows of 20 every 10: the window at 40 has history starting in [40 - 20K, 20]:
        // with K = 1, only the window at 20 (the one at 30 overlaps 40).
        let mut counts = windows(&[(10, &[]), (10, &[]), (10, &[]), (10, &[]), (10, &[])]);
        counts.hashtags.insert((30, "x".to_owned()), 10);
        counts.hashtags.insert((40, "x".to_owned()), 10);
        let params = RisingParams {
            history: 1,
            ..RisingParams::default()
        };
        let lists = reference_rising(&counts, 20, &params);
        assert_eq!(lists[&40].history_windows, 1);
        assert_eq!(lists[&40].tags, [tag("x", 10, 0, 10_000, true)]);
        assert_eq!(lists[&10].history_windows, 0, "the window at 0 overlaps 10");
        assert_eq!(lists[&20].history_windows, 1);
        let off = RisingParams {
            history: 0,
            ..RisingParams::default()
        };
        assert!(reference_rising(&counts, 20, &off).is_empty());
    }
}
