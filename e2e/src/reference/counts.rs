//! Hashtag counts per window: the reference's, and the binaries' (their counts files and result
//! topic) read into the same shape, so that a test compares them with one `==`.

use std::collections::BTreeMap;
use std::path::Path;

use super::{reference_tweets, window_starts};
use crate::kafka::Results;

/// Per (window start ms, case-folded hashtag): number of tweets mentioning it.
pub type WindowCounts = BTreeMap<(i64, String), u64>;

/// Tweets per window start.
pub type WindowTweets = BTreeMap<i64, u64>;

/// The counts of one kind of window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub hashtags: WindowCounts,
    pub tweets: WindowTweets,
}

/// Independent reference: reads a JSON-lines file with a generic JSON parser and counts each
/// tweet's distinct lower-cased entity hashtags in `window_ms` tumbling windows of created_at.
/// Lines that are not tweets are ignored.
pub fn reference_counts(file: &Path, window_ms: i64) -> Counts {
    reference_hopping(file, window_ms, window_ms)
}

/// The same for hopping windows of `size_ms` starting every `slide_ms`.
pub fn reference_hopping(file: &Path, size_ms: i64, slide_ms: i64) -> Counts {
    let mut counts = Counts::default();
    for tweet in reference_tweets(file) {
        for start in window_starts(tweet.created_ms, size_ms, slide_ms) {
            *counts.tweets.entry(start).or_default() += 1;
            for tag in &tweet.tags {
                *counts.hashtags.entry((start, tag.clone())).or_default() += 1;
            }
        }
    }
    counts
}

/// Reads the consumer's counts files (one JSON line per merged window) into the same shape,
/// keeping only `label`'s windows (e.g. `tumbling-10s`). A window written again (after a
/// crash) replaces its earlier line, as the latest value per key does in the result topic.
pub fn consumer_counts(files: &[&Path], label: &str) -> Counts {
    let mut windows: BTreeMap<i64, serde_json::Value> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("counts line is JSON");
            if v["window"] == label {
                windows.insert(v["window_start_ms"].as_i64().expect("window_start_ms"), v);
            }
        }
    }
    let mut counts = Counts::default();
    for (start, v) in windows {
        counts
            .tweets
            .insert(start, v["tweets"].as_u64().expect("tweets"));
        for (tag, n) in v["counts"].as_object().expect("counts") {
            counts
                .hashtags
                .insert((start, tag.clone()), n.as_u64().expect("count"));
        }
    }
    counts
}

/// The counts of `label`'s windows in the result topic (`label|start|hashtag` records, and
/// `label|start|*` for tweets per window), in the reference's shape. A window's rising list
/// (`label|start|*rising`) is another kind of record, read by
/// [`result_rising`](super::rising::result_rising).
pub fn result_counts(results: &Results, label: &str) -> Counts {
    let mut counts = Counts::default();
    for (key, v) in results {
        let Some(rest) = key.strip_prefix(&format!("{label}|")) else {
            continue;
        };
        if rest.ends_with("|*rising") {
            continue;
        }
        assert_eq!(
            v["final"], true,
            "{key}: only final counts without early updates"
        );
        let start = v["window_start_ms"].as_i64().expect("window_start_ms");
        if rest.ends_with("|*") {
            counts
                .tweets
                .insert(start, v["tweets"].as_u64().expect("tweets"));
        } else {
            let tag = v["key"].as_str().expect("key").to_owned();
            counts
                .hashtags
                .insert((start, tag), v["count"].as_u64().expect("count"));
        }
    }
    counts
}

/// Asserts that `got` equals `want`, naming up to ten wrong or missing and ten unexpected
/// hashtag counts when they differ.
pub fn assert_counts_equal(got: &Counts, want: &Counts) {
    assert_eq!(got.tweets, want.tweets, "tweets per window differ");
    let missing: Vec<_> = want
        .hashtags
        .iter()
        .filter(|(k, v)| got.hashtags.get(*k) != Some(v))
        .take(10)
        .collect();
    let extra: Vec<_> = got
        .hashtags
        .iter()
        .filter(|(k, _)| !want.hashtags.contains_key(*k))
        .take(10)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "counts differ: wrong or missing {missing:?}, unexpected {extra:?}"
    );
    assert_eq!(got.hashtags.len(), want.hashtags.len());
}
