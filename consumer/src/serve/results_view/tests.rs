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
