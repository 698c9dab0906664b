//! The merged results as the HTTP API and the dashboard show them, rebuilt from the records
//! of the result topic (so every consumer instance serves the same view, whichever member
//! merges). Pure: records in, API documents out; `results_reader` feeds it and `http` serves it.
//!
//! Records of one window are spread over the result topic's partitions, so they arrive in no
//! particular order across hashtags; per key they arrive in order. Hence:
//! * early records (`"final": false`) carry only changed hashtags with absolute counts: they
//!   are accumulated per open window;
//! * the first final record of a window makes it closed and drops its early counts: the final
//!   records together carry every hashtag of the window, and early records still arriving for
//!   it from other partitions are ignored;
//! * windows close in start order, so a closed window also drops the open windows before it.
//!
//! Memory is bounded by `history`: the newest closed windows (and at most as many open ones)
//! are kept per window definition; records of older windows are ignored. Cumulative totals
//! (`label|hashtag`) keep one entry per hashtag, as the merge stage itself does.
//!
//! A final window's rising record (`label|start|*rising`) is kept with the window it ranks, so
//! the same rules cover it (see `rising_view`, which serves it).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::engine::sources::SourceCounts;
use crate::output::schema::{ResultRecord, Sentiment, Span};
use crate::serve::rising_view::{RisingDocument, RisingWindow};

/// A hashtag's count in a window, as served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TagView {
    /// The most used spelling.
    pub(crate) hashtag: String,
    /// The case-folded key it is counted under.
    pub(crate) key: String,
    pub(crate) count: u64,
    /// Space-Saving only: the count is at most this much too high.
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) error: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<Sentiment>,
}

/// A window's totals, from its `*` record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SummaryView {
    pub(crate) tweets: u64,
    /// `tweets` by source, as published.
    #[serde(skip_serializing_if = "SourceCounts::is_empty")]
    pub(crate) sources: SourceCounts,
    pub(crate) mentions: u64,
    pub(crate) distinct_hashtags: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) untracked_bound: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<Sentiment>,
}

/// Where a window lies and whether its counts are final.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WindowInfo {
    /// `None` for cumulative totals, which have only an end.
    pub(crate) window_start: Option<String>,
    pub(crate) window_start_ms: Option<i64>,
    pub(crate) window_end: String,
    pub(crate) window_end_ms: i64,
    #[serde(rename = "final")]
    pub(crate) is_final: bool,
    /// `None` until the window's summary record has been read.
    pub(crate) summary: Option<SummaryView>,
}

/// A window with its top hashtags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WindowTop {
    #[serde(flatten)]
    pub(crate) info: WindowInfo,
    pub(crate) top: Vec<TagView>,
}

/// `GET /api/top`: the latest closed window and the open ones' early counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TopDocument {
    pub(crate) window: String,
    /// Every window definition seen in the result topic, for choosing another.
    pub(crate) windows: Vec<String>,
    pub(crate) closed: Option<WindowTop>,
    /// Open windows, oldest (next to close) first.
    pub(crate) open: Vec<WindowTop>,
}

/// One hashtag's counts over the windows of a [`HistoryDocument`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Series {
    pub(crate) hashtag: String,
    pub(crate) key: String,
    /// One count per window, oldest first; 0 where the hashtag was not mentioned.
    pub(crate) counts: Vec<u64>,
}

/// A closed window in a [`HistoryDocument`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct HistoryWindow {
    #[serde(flatten)]
    pub(crate) info: WindowInfo,
    /// Its most mentioned hashtag (`None` when it had none).
    pub(crate) top_hashtag: Option<TagView>,
}

/// `GET /api/windows`: recent closed windows and the top hashtags' counts in each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct HistoryDocument {
    pub(crate) window: String,
    /// Oldest first.
    pub(crate) windows: Vec<HistoryWindow>,
    /// The hashtags most mentioned over these windows, most first.
    pub(crate) series: Vec<Series>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A window being built from its records.
#[derive(Debug, Clone)]
struct WindowState {
    info: WindowInfo,
    tags: HashMap<String, TagView>,
    /// Its rising record, once read (final tumbling and hopping windows only).
    rising: Option<RisingWindow>,
}

impl WindowState {
    fn new(span: &Span) -> Self {
        WindowState {
            info: WindowInfo {
                window_start: span.window_start.clone(),
                window_start_ms: span.window_start_ms,
                window_end: span.window_end.clone(),
                window_end_ms: span.window_end_ms,
                is_final: span.is_final,
                summary: None,
            },
            tags: HashMap::new(),
            rising: None,
        }
    }

    fn apply(&mut self, record: ResultRecord) {
        // Cumulative records: the summary's end is the latest period.
        let span = record.span();
        if span.window_end_ms > self.info.window_end_ms {
            self.info.window_end = span.window_end.clone();
            self.info.window_end_ms = span.window_end_ms;
        }
        match record {
            ResultRecord::Hashtag(h) => {
                let tag = TagView {
                    hashtag: h.hashtag,
                    key: h.key.clone(),
                    count: h.count,
                    error: h.error,
                    sentiment: h.sentiment,
                };
                self.tags.insert(h.key, tag);
            }
            ResultRecord::Summary(s) => {
                self.info.summary = Some(SummaryView {
                    tweets: s.tweets,
                    sources: s.sources,
                    mentions: s.mentions,
                    distinct_hashtags: s.distinct_hashtags,
                    untracked_bound: s.untracked_bound,
                    sentiment: s.sentiment,
                });
            }
            ResultRecord::Rising(r) => self.rising = RisingWindow::from_record(r),
        }
    }

    fn top(&self, n: usize) -> WindowTop {
        let mut tags: Vec<&TagView> = self.tags.values().collect();
        tags.sort_unstable_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        WindowTop {
            info: self.info.clone(),
            top: tags.into_iter().take(n).cloned().collect(),
        }
    }
}

/// The windows of one window definition (label, e.g. `tumbling-10s`).
#[derive(Debug, Default)]
struct LabelState {
    closed: BTreeMap<i64, WindowState>,
    open: BTreeMap<i64, WindowState>,
    /// Windows starting at or before this were dropped to bound memory: their records are
    /// ignored.
    dropped_through: Option<i64>,
    /// Cumulative totals (records without a window start).
    totals: Option<WindowState>,
}

impl LabelState {
    /// Applies a record of a window with a start; returns whether anything changed.
    fn apply_windowed(&mut self, start: i64, v: ResultRecord, history: usize) -> bool {
        if self.dropped_through.is_some_and(|d| start <= d) {
            return false;
        }
        if v.span().is_final {
            if !self.closed.contains_key(&start) {
                // The final records replace the early counts.
                self.open.remove(&start);
                let stale: Vec<i64> = self.open.range(..start).map(|(s, _)| *s).collect();
                for s in stale {
                    self.open.remove(&s);
                }
            }
            self.closed
                .entry(start)
                .or_insert_with(|| WindowState::new(v.span()))
                .apply(v);
            while self.closed.len() > history {
                if let Some((dropped, _)) = self.closed.pop_first() {
                    self.dropped_through = Some(dropped);
                }
            }
        } else {
            if self.closed.contains_key(&start) {
                return false;
            }
            if self
                .closed
                .last_key_value()
                .is_some_and(|(s, _)| *s > start)
            {
                // Closed already (its final records are in a partition not read yet).
                return false;
            }
            self.open
                .entry(start)
                .or_insert_with(|| WindowState::new(v.span()))
                .apply(v);
            while self.open.len() > history {
                self.open.pop_first();
            }
        }
        true
    }
}

/// The merged results of every window definition, bounded to recent windows.
#[derive(Debug)]
pub(crate) struct ResultsView {
    history: usize,
    labels: BTreeMap<String, LabelState>,
    records: RecordsRead,
}

/// How many result-topic records a view applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RecordsRead {
    /// Every record applied (deletion markers aside).
    pub(crate) read: u64,
    /// Those of them that were not result records.
    pub(crate) unreadable: u64,
}

/// The sentiment of one window definition's latest closed window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LatestSentiment<'a> {
    /// The window definition's label, e.g. `tumbling-10s`.
    pub(crate) window: &'a str,
    pub(crate) sentiment: &'a Sentiment,
}

impl ResultsView {
    /// Keeps the newest `history` closed windows per window definition (at least one).
    pub(crate) fn new(history: usize) -> Self {
        ResultsView {
            history: history.max(1),
            labels: BTreeMap::new(),
            records: RecordsRead::default(),
        }
    }

    /// Applies one result-topic record (`None`: a deletion marker, ignored). Returns whether
    /// the view changed.
    pub(crate) fn apply(&mut self, value: Option<&[u8]>) -> bool {
        let Some(value) = value else {
            return false;
        };
        self.records.read += 1;
        let v: ResultRecord = match serde_json::from_slice(value) {
            Ok(v) => v,
            Err(_) => {
                self.records.unreadable += 1;
                return false;
            }
        };
        let span = v.span();
        let label = self.labels.entry(span.window.clone()).or_default();
        match span.window_start_ms {
            Some(start) => label.apply_windowed(start, v, self.history),
            None => {
                label
                    .totals
                    .get_or_insert_with(|| WindowState::new(v.span()))
                    .apply(v);
                true
            }
        }
    }

    /// Records applied so far, and how many of them were not result records.
    pub(crate) fn records(&self) -> RecordsRead {
        self.records
    }

    /// Every window definition seen.
    pub(crate) fn labels(&self) -> Vec<String> {
        self.labels.keys().cloned().collect()
    }

    /// The latest closed window (or cumulative totals) of `label` and its open windows, each
    /// with its `n` most mentioned hashtags.
    pub(crate) fn top(&self, label: &str, n: usize) -> TopDocument {
        let state = self.labels.get(label);
        let closed = state.and_then(|s| {
            s.closed
                .last_key_value()
                .map(|(_, w)| w)
                .or(s.totals.as_ref())
                .map(|w| w.top(n))
        });
        let open = state
            .map(|s| s.open.values().map(|w| w.top(n)).collect())
            .unwrap_or_default();
        TopDocument {
            window: label.to_owned(),
            windows: self.labels(),
            closed,
            open,
        }
    }

    /// The rising hashtags of the latest closed window of `label` that has its rising record,
    /// at most `n` of them.
    pub(crate) fn rising(&self, label: &str, n: usize) -> RisingDocument {
        let latest = self
            .labels
            .get(label)
            .and_then(|s| s.closed.values().rev().find_map(|w| w.rising.as_ref()));
        RisingDocument::new(label, self.labels(), latest, n)
    }

    /// The last `k` closed windows of `label`, oldest first, and the counts in each of the `n`
    /// hashtags most mentioned over them.
    pub(crate) fn history(&self, label: &str, n: usize, k: usize) -> HistoryDocument {
        let windows: Vec<&WindowState> = self
            .labels
            .get(label)
            .map(|s| {
                let skip = s.closed.len().saturating_sub(k);
                s.closed.values().skip(skip).collect()
            })
            .unwrap_or_default();
        // Per hashtag: total over the windows and its latest spelling.
        let mut totals: HashMap<&str, (u64, &str)> = HashMap::new();
        for w in &windows {
            for tag in w.tags.values() {
                let entry = totals.entry(&tag.key).or_insert((0, &tag.hashtag));
                entry.0 += tag.count;
                entry.1 = &tag.hashtag;
            }
        }
        let mut ranked: Vec<(&str, (u64, &str))> = totals.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let series = ranked
            .into_iter()
            .take(n)
            .map(|(key, (_, hashtag))| Series {
                hashtag: hashtag.to_owned(),
                key: key.to_owned(),
                counts: windows
                    .iter()
                    .map(|w| w.tags.get(key).map_or(0, |t| t.count))
                    .collect(),
            })
            .collect();
        HistoryDocument {
            window: label.to_owned(),
            windows: windows
                .iter()
                .map(|w| {
                    let WindowTop { info, top } = w.top(1);
                    HistoryWindow {
                        info,
                        top_hashtag: top.into_iter().next(),
                    }
                })
                .collect(),
            series,
        }
    }

    /// The sentiment of each window definition's latest closed window, where it has one.
    pub(crate) fn latest_sentiments(&self) -> Vec<LatestSentiment<'_>> {
        self.labels
            .iter()
            .filter_map(|(label, s)| {
                let summary = s.closed.last_key_value()?.1.info.summary.as_ref()?;
                Some(LatestSentiment {
                    window: label.as_str(),
                    sentiment: summary.sentiment.as_ref()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const START: i64 = 1_767_225_600_000;

    fn span(start: i64, is_final: bool) -> Value {
        json!({
            "window": "tumbling-10s",
            "window_start": format!("start-{start}"),
            "window_start_ms": start,
            "window_end": format!("end-{start}"),
            "window_end_ms": start + 10_000,
            "final": is_final,
        })
    }

    fn with(mut base: Value, fields: Value) -> Vec<u8> {
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::to_vec(&base).unwrap()
    }

    fn tag(start: i64, is_final: bool, name: &str, count: u64) -> Vec<u8> {
        with(
            span(start, is_final),
            json!({"hashtag": name, "key": name.to_lowercase(), "count": count}),
        )
    }

    fn summary(start: i64, is_final: bool, tweets: u64) -> Vec<u8> {
        with(
            span(start, is_final),
            json!({"tweets": tweets, "mentions": tweets, "distinct_hashtags": 1}),
        )
    }

    fn apply_all(view: &mut ResultsView, records: &[Vec<u8>]) {
        for r in records {
            view.apply(Some(r));
        }
    }

    fn counts(w: &WindowTop) -> Vec<(&str, u64)> {
        w.top
            .iter()
            .map(|t| (t.hashtag.as_str(), t.count))
            .collect()
    }

    #[test]
    fn early_updates_accumulate_changed_hashtags_with_absolute_counts() {
        let mut view = ResultsView::new(5);
        apply_all(
            &mut view,
            &[
                tag(START, false, "Rust", 2),
                tag(START, false, "Kafka", 1),
                summary(START, false, 3),
                // Only Rust changed since: Kafka keeps its count.
                tag(START, false, "Rust", 5),
            ],
        );
        let doc = view.top("tumbling-10s", 10);
        assert!(doc.closed.is_none());
        assert_eq!(doc.open.len(), 1);
        assert_eq!(counts(&doc.open[0]), [("Rust", 5), ("Kafka", 1)]);
        assert!(!doc.open[0].info.is_final);
        assert_eq!(doc.open[0].info.summary.as_ref().unwrap().tweets, 3);
    }

    #[test]
    fn final_records_replace_the_early_counts_and_later_early_records_are_ignored() {
        let mut view = ResultsView::new(5);
        apply_all(
            &mut view,
            &[
                tag(START, false, "Rust", 2),
                tag(START, false, "Gone", 9),
                tag(START, true, "Rust", 4),
                // From another partition, read late: ignored.
                tag(START, false, "Late", 1),
                tag(START, true, "Kafka", 3),
                summary(START, true, 6),
            ],
        );
        let doc = view.top("tumbling-10s", 10);
        assert!(doc.open.is_empty());
        let closed = doc.closed.unwrap();
        assert!(closed.info.is_final);
        assert_eq!(counts(&closed), [("Rust", 4), ("Kafka", 3)]);
    }

    #[test]
    fn top_is_ordered_by_count_then_key_and_cut_at_n() {
        let mut view = ResultsView::new(5);
        apply_all(
            &mut view,
            &[
                tag(START, true, "b", 2),
                tag(START, true, "a", 2),
                tag(START, true, "c", 7),
                tag(START, true, "d", 1),
            ],
        );
        let closed = view.top("tumbling-10s", 3).closed.unwrap();
        assert_eq!(counts(&closed), [("c", 7), ("a", 2), ("b", 2)]);
    }

    #[test]
    fn a_closed_window_drops_older_open_ones_and_shows_the_newer_open_ones() {
        let mut view = ResultsView::new(5);
        apply_all(
            &mut view,
            &[
                tag(START, false, "old", 1),
                tag(START + 10_000, false, "next", 1),
                tag(START + 20_000, false, "newest", 1),
                tag(START + 10_000, true, "next", 2),
                // Its own finals arrive after the newer window's, from another partition.
                tag(START, true, "old", 3),
            ],
        );
        let doc = view.top("tumbling-10s", 10);
        let closed = doc.closed.unwrap();
        assert_eq!(closed.info.window_start_ms, Some(START + 10_000));
        let open: Vec<Option<i64>> = doc.open.iter().map(|w| w.info.window_start_ms).collect();
        assert_eq!(open, [Some(START + 20_000)]);
        let history = view.history("tumbling-10s", 10, 10);
        let starts: Vec<Option<i64>> = history
            .windows
            .iter()
            .map(|w| w.info.window_start_ms)
            .collect();
        assert_eq!(starts, [Some(START), Some(START + 10_000)]);
    }

    #[test]
    fn memory_is_bounded_to_the_newest_windows_and_older_records_are_ignored() {
        let mut view = ResultsView::new(2);
        for i in 0..5 {
            view.apply(Some(&tag(START + i * 10_000, true, "a", 1)));
        }
        assert!(
            !view.apply(Some(&tag(START, true, "a", 9))),
            "dropped window"
        );
        assert!(!view.apply(Some(&tag(START, false, "a", 9))));
        for i in 5..10 {
            view.apply(Some(&tag(START + i * 10_000, false, "a", 1)));
        }
        let doc = view.top("tumbling-10s", 10);
        assert_eq!(doc.open.len(), 2, "open windows are bounded too");
        let history = view.history("tumbling-10s", 10, 10);
        let starts: Vec<Option<i64>> = history
            .windows
            .iter()
            .map(|w| w.info.window_start_ms)
            .collect();
        assert_eq!(starts, [Some(START + 30_000), Some(START + 40_000)]);
    }

    #[test]
    fn history_ranks_hashtags_over_the_windows_with_zero_where_absent() {
        let mut view = ResultsView::new(10);
        apply_all(
            &mut view,
            &[
                tag(START, true, "a", 5),
                tag(START, true, "b", 1),
                tag(START + 10_000, true, "b", 3),
                tag(START + 10_000, true, "c", 2),
                tag(START + 20_000, true, "A", 1),
                summary(START + 20_000, true, 4),
            ],
        );
        let doc = view.history("tumbling-10s", 2, 3);
        let series: Vec<(&str, &[u64])> = doc
            .series
            .iter()
            .map(|s| (s.hashtag.as_str(), s.counts.as_slice()))
            .collect();
        assert_eq!(series, [("A", &[5, 0, 1][..]), ("b", &[1, 3, 0][..])]);
        assert_eq!(doc.windows[2].info.summary.as_ref().unwrap().tweets, 4);
        assert!(doc.windows[0].info.summary.is_none(), "no summary read yet");
        let leaders: Vec<Option<&str>> = doc
            .windows
            .iter()
            .map(|w| w.top_hashtag.as_ref().map(|t| t.hashtag.as_str()))
            .collect();
        assert_eq!(leaders, [Some("a"), Some("b"), Some("A")]);
        let last_two = view.history("tumbling-10s", 10, 2);
        assert_eq!(last_two.windows.len(), 2);
        assert_eq!(
            last_two.windows[0].info.window_start_ms,
            Some(START + 10_000)
        );
    }

    #[test]
    fn per_source_counts_pass_through_and_are_left_out_when_absent() {
        let mut view = ResultsView::new(5);
        let sources = json!({"twitter": 5, "bluesky": 2, "mastodon": 1});
        view.apply(Some(&with(
            span(START, true),
            json!({"tweets": 8, "mentions": 9, "distinct_hashtags": 1, "sources": sources}),
        )));
        let doc = serde_json::to_value(view.top("tumbling-10s", 10)).unwrap();
        assert_eq!(doc["closed"]["summary"]["sources"], sources);
        let mut older = ResultsView::new(5);
        older.apply(Some(&summary(START, true, 1)));
        let doc = serde_json::to_value(older.top("tumbling-10s", 10)).unwrap();
        assert!(doc["closed"]["summary"].get("sources").is_none());
    }

    #[test]
    fn sentiment_passes_through_to_windows_and_hashtags() {
        let mut view = ResultsView::new(5);
        let sentiment = json!({
            "scored": 812, "mean": 0.1234, "positive": 300, "neutral": 400, "negative": 112,
            "most_positive": {"id": "123", "text": "<b>great</b>", "score": 0.95},
            "most_negative": {"id": "456", "text": "awful", "score": -0.91}
        });
        let tag_sentiment =
            json!({"scored": 40, "mean": 0.21, "positive": 20, "neutral": 15, "negative": 5});
        apply_all(
            &mut view,
            &[
                with(
                    span(START, true),
                    json!({"tweets": 812, "mentions": 900, "distinct_hashtags": 1,
                           "sentiment": sentiment}),
                ),
                with(
                    span(START, true),
                    json!({"hashtag": "Rust", "key": "rust", "count": 40,
                           "sentiment": tag_sentiment}),
                ),
            ],
        );
        let doc = serde_json::to_value(view.top("tumbling-10s", 10)).unwrap();
        assert_eq!(doc["closed"]["summary"]["sentiment"], sentiment);
        assert_eq!(doc["closed"]["top"][0]["sentiment"], tag_sentiment);
        let latest = view.latest_sentiments();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].sentiment.negative, 112);

        let mut plain = ResultsView::new(5);
        plain.apply(Some(&summary(START, true, 1)));
        plain.apply(Some(&tag(START, true, "Rust", 1)));
        let doc = serde_json::to_value(plain.top("tumbling-10s", 10)).unwrap();
        assert!(doc["closed"]["summary"].get("sentiment").is_none());
        assert!(doc["closed"]["top"][0].get("sentiment").is_none());
        assert!(plain.latest_sentiments().is_empty());
    }

    #[test]
    fn cumulative_totals_are_the_closed_view_of_their_label() {
        let mut view = ResultsView::new(5);
        let total = |name: &str, count: u64, end: i64| {
            serde_json::to_vec(&json!({
                "window": "cumulative-10s", "window_end": format!("end-{end}"),
                "window_end_ms": end, "final": true, "hashtag": name,
                "key": name.to_lowercase(), "count": count, "forms": [[name, count]]
            }))
            .unwrap()
        };
        apply_all(
            &mut view,
            &[
                total("Rust", 3, 10_000),
                total("Kafka", 1, 20_000),
                total("Rust", 5, 20_000),
            ],
        );
        let closed = view.top("cumulative-10s", 10).closed.unwrap();
        assert_eq!(counts(&closed), [("Rust", 5), ("Kafka", 1)]);
        assert_eq!(closed.info.window_start_ms, None);
        assert_eq!(closed.info.window_end_ms, 20_000);
        assert_eq!(view.labels(), ["cumulative-10s"]);
    }

    #[test]
    fn unknown_windows_are_empty_and_unreadable_records_are_counted() {
        let mut view = ResultsView::new(5);
        assert!(!view.apply(Some(b"not json")));
        assert!(!view.apply(None));
        assert_eq!(
            view.records(),
            RecordsRead {
                read: 1,
                unreadable: 1
            }
        );
        let doc = view.top("nope", 10);
        assert!(doc.closed.is_none() && doc.open.is_empty());
        assert!(view.history("nope", 10, 10).windows.is_empty());
    }
}
