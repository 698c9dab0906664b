//! The rising hashtags as `GET /api/rising` and the dashboard's Rising panel show them. Pure.
//!
//! The merge stage publishes one rising record per final tumbling or hopping window (key
//! `window|start|*rising`). The results view keeps it with that window's other records
//! ([`super::results_view`]), so it shares their history bound and their handling of order: a
//! rising record is final, so when it is read before the window's counts (it sits on another
//! partition of the result topic) it closes the window just as a final count would, and the
//! counts attach to it when they come. The document shows the latest closed window that has its
//! rising record: the newest closed window may still be waiting for it, and the list of the one
//! before stays on show until then rather than flickering to nothing.

use serde::Serialize;

use crate::output::schema::{RisingRecord, RisingTag};

/// A closed window's rising hashtags, as published and served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RisingWindow {
    pub(crate) window_start: String,
    pub(crate) window_start_ms: i64,
    pub(crate) window_end: String,
    pub(crate) window_end_ms: i64,
    #[serde(rename = "final")]
    pub(crate) is_final: bool,
    /// How many earlier windows the baselines come from; 0 while warming up.
    pub(crate) history_windows: u64,
    /// Highest score first.
    pub(crate) rising: Vec<RisingTag>,
}

impl RisingWindow {
    /// The served form of `record`; `None` for a record without a window start, which the
    /// merge stage never writes (cumulative totals are not ranked).
    pub(crate) fn from_record(record: RisingRecord) -> Option<Self> {
        let span = record.span;
        Some(RisingWindow {
            window_start: span.window_start?,
            window_start_ms: span.window_start_ms?,
            window_end: span.window_end,
            window_end_ms: span.window_end_ms,
            is_final: span.is_final,
            history_windows: record.history_windows,
            rising: record.rising,
        })
    }

    /// A copy with at most the `n` highest-scored hashtags (the published order is kept).
    fn first(&self, n: usize) -> Self {
        RisingWindow {
            rising: self.rising.iter().take(n).cloned().collect(),
            ..self.clone()
        }
    }
}

/// `GET /api/rising`: the latest closed window with a rising record, and its rising hashtags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RisingDocument {
    pub(crate) window: String,
    /// Every window definition seen in the result topic, for choosing another.
    pub(crate) windows: Vec<String>,
    /// `None` while no window of `window` has a rising record: none closed yet, rising off
    /// (`rising_history` 0), or cumulative totals.
    pub(crate) closed: Option<RisingWindow>,
}

impl RisingDocument {
    /// The document for `label`, with at most `n` hashtags of `latest`.
    pub(crate) fn new(
        label: &str,
        windows: Vec<String>,
        latest: Option<&RisingWindow>,
        n: usize,
    ) -> Self {
        RisingDocument {
            window: label.to_owned(),
            windows,
            closed: latest.map(|w| w.first(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::serve::results_view::ResultsView;

    const START: i64 = 1_767_225_600_000;
    const SIZE: i64 = 10_000;

    fn span(label: &str, start: i64) -> Value {
        json!({
            "window": label,
            "window_start": format!("start-{start}"),
            "window_start_ms": start,
            "window_end": format!("end-{start}"),
            "window_end_ms": start + SIZE,
            "final": true,
        })
    }

    fn record(mut base: Value, fields: Value) -> Vec<u8> {
        for (k, v) in fields.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::to_vec(&base).unwrap()
    }

    /// A rising entry as the merge stage writes it.
    fn entry(name: &str, count: u64, baseline: f64, score: f64) -> Value {
        json!({"hashtag": name, "key": name.to_lowercase(), "count": count,
               "baseline": baseline, "score": score, "new": baseline == 0.0})
    }

    fn rising(start: i64, history_windows: u64, entries: &[Value]) -> Vec<u8> {
        record(
            span("tumbling-10s", start),
            json!({"history_windows": history_windows, "rising": entries}),
        )
    }

    fn tag(start: i64, name: &str, count: u64) -> Vec<u8> {
        record(
            span("tumbling-10s", start),
            json!({"hashtag": name, "key": name.to_lowercase(), "count": count}),
        )
    }

    fn apply_all(view: &mut ResultsView, records: &[Vec<u8>]) {
        for r in records {
            view.apply(Some(r));
        }
    }

    fn doc(view: &ResultsView, n: usize) -> Value {
        serde_json::to_value(view.rising("tumbling-10s", n)).unwrap()
    }

    /// The rising hashtags' keys of a document, in order.
    fn keys(doc: &Value) -> Vec<&str> {
        doc["closed"]["rising"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn the_latest_window_with_a_rising_record_is_served_with_every_field() {
        let mut view = ResultsView::new(5);
        let solar = entry("SolarFlare", 40, 0.0, 40.0);
        let rust = entry("Rust", 90, 31.5, 10.24);
        apply_all(
            &mut view,
            &[
                tag(START, "Rust", 20),
                rising(START, 0, &[]),
                tag(START + SIZE, "Rust", 90),
                rising(START + SIZE, 1, &[solar.clone(), rust.clone()]),
            ],
        );
        let want = json!({
            "window": "tumbling-10s",
            "windows": ["tumbling-10s"],
            "closed": {
                "window_start": format!("start-{}", START + SIZE),
                "window_start_ms": START + SIZE,
                "window_end": format!("end-{}", START + SIZE),
                "window_end_ms": START + 2 * SIZE,
                "final": true,
                "history_windows": 1,
                "rising": [solar, rust],
            },
        });
        assert_eq!(doc(&view, 10), want);
    }

    #[test]
    fn a_rising_record_read_before_its_windows_counts_closes_it_and_the_counts_attach() {
        let mut view = ResultsView::new(5);
        view.apply(Some(&tag(START, "Rust", 20)));
        // The next window's rising record, from another partition, before any of its counts.
        view.apply(Some(&rising(
            START + SIZE,
            1,
            &[entry("Kafka", 30, 2.0, 19.798)],
        )));
        assert_eq!(keys(&doc(&view, 10)), ["kafka"]);
        view.apply(Some(&tag(START + SIZE, "Kafka", 30)));
        let top = view.top("tumbling-10s", 10).closed.unwrap();
        assert_eq!(top.info.window_start_ms, Some(START + SIZE));
        assert_eq!(top.top[0].count, 30, "the counts joined the same window");
        assert_eq!(
            doc(&view, 10)["closed"]["window_start_ms"],
            START + SIZE,
            "still the same window's list"
        );
    }

    #[test]
    fn until_the_newest_window_has_its_rising_record_the_one_before_is_shown() {
        let mut view = ResultsView::new(5);
        apply_all(
            &mut view,
            &[
                tag(START, "Rust", 20),
                rising(START, 2, &[entry("Rust", 20, 5.0, 6.0)]),
                // The next window closed; its rising record is on a partition not read yet.
                tag(START + SIZE, "Kafka", 30),
            ],
        );
        assert_eq!(doc(&view, 10)["closed"]["window_start_ms"], START);
        view.apply(Some(&rising(START + SIZE, 3, &[])));
        let latest = doc(&view, 10);
        assert_eq!(latest["closed"]["window_start_ms"], START + SIZE);
        assert_eq!(latest["closed"]["rising"], json!([]));
        assert_eq!(latest["closed"]["history_windows"], 3);
    }

    #[test]
    fn a_late_rising_record_of_an_older_window_does_not_replace_the_newer_list() {
        let mut view = ResultsView::new(5);
        apply_all(
            &mut view,
            &[
                rising(START + SIZE, 1, &[entry("New", 9, 1.0, 7.0)]),
                rising(START, 0, &[]),
            ],
        );
        assert_eq!(keys(&doc(&view, 10)), ["new"]);
        let history = view.history("tumbling-10s", 10, 10);
        assert_eq!(history.windows.len(), 2, "both windows are closed");
    }

    #[test]
    fn rising_records_share_the_closed_windows_history_bound() {
        let mut view = ResultsView::new(2);
        for i in 0..4 {
            let name = format!("tag{i}");
            view.apply(Some(&rising(
                START + i * SIZE,
                i as u64,
                &[entry(&name, 10, 1.0, 5.0)],
            )));
        }
        // Windows 0 and 1 were dropped: their records are ignored, late or not.
        assert!(!view.apply(Some(&rising(
            START + SIZE,
            1,
            &[entry("Stale", 99, 0.0, 99.0)]
        ))));
        assert_eq!(keys(&doc(&view, 10)), ["tag3"]);
        let kept: Vec<Option<i64>> = view
            .history("tumbling-10s", 10, 10)
            .windows
            .iter()
            .map(|w| w.info.window_start_ms)
            .collect();
        assert_eq!(kept, [Some(START + 2 * SIZE), Some(START + 3 * SIZE)]);
    }

    #[test]
    fn the_list_is_cut_at_n_keeping_the_published_order() {
        let mut view = ResultsView::new(5);
        let entries = [
            entry("a", 50, 1.0, 30.0),
            entry("b", 40, 2.0, 20.0),
            entry("c", 40, 2.0, 20.0),
            entry("d", 10, 1.0, 6.0),
        ];
        view.apply(Some(&rising(START, 3, &entries)));
        assert_eq!(keys(&doc(&view, 3)), ["a", "b", "c"]);
        assert_eq!(keys(&doc(&view, 10)), ["a", "b", "c", "d"]);
        assert_eq!(keys(&doc(&view, 1)), ["a"]);
    }

    #[test]
    fn labels_without_rising_records_have_no_closed_list() {
        let mut view = ResultsView::new(5);
        let total = serde_json::to_vec(&json!({
            "window": "cumulative-10s", "window_end": "end", "window_end_ms": SIZE,
            "final": true, "hashtag": "Rust", "key": "rust", "count": 3
        }))
        .unwrap();
        apply_all(&mut view, &[total, tag(START, "Rust", 2)]);
        let cumulative = serde_json::to_value(view.rising("cumulative-10s", 10)).unwrap();
        assert_eq!(
            cumulative,
            json!({"window": "cumulative-10s",
                   "windows": ["cumulative-10s", "tumbling-10s"], "closed": null})
        );
        // Rising off: closed windows, but none has a rising record.
        assert_eq!(doc(&view, 10)["closed"], Value::Null);
        assert_eq!(
            serde_json::to_value(view.rising("unknown", 10)).unwrap()["closed"],
            Value::Null
        );
    }
}
