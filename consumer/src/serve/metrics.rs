//! What this instance exports to Prometheus: the driver records its stages' totals, consumer
//! lag and window publication delay here; `render` turns them, with the results view's figures,
//! into the Prometheus text format. Counters are this instance's own (sum them over instances);
//! sentiment figures come from the merged results, so every instance shows the same.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rdkafka::statistics::Statistics;

use crate::engine::stats::RunStats;
use crate::serve::results_view::ResultsView;

/// Figures the driver updates as it runs and the HTTP server reads.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<Snapshot>,
}

/// A consistent copy of [`Metrics`].
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub run: RunStats,
    /// Per topic and partition: records between the read position and the end of the
    /// partition, for the partitions this instance reads.
    pub lag: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Wall-clock time from the end of the last final window published here to its
    /// publication.
    pub emit_delay_ms: Option<i64>,
}

impl Metrics {
    fn state(&self) -> MutexGuard<'_, Snapshot> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces both stages' totals (the driver's running figures are cumulative).
    pub fn record_run(&self, run: RunStats) {
        self.state().run = run;
    }

    /// Replaces the lag of `topic`'s partitions with those in librdkafka's statistics.
    pub fn record_lag(&self, topic: &str, statistics: &Statistics) {
        let lags = statistics
            .topics
            .get(topic)
            .map(|t| {
                t.partitions
                    .values()
                    .filter(|p| p.partition >= 0 && p.desired && p.consumer_lag >= 0)
                    .map(|p| (p.partition, p.consumer_lag))
                    .collect()
            })
            .unwrap_or_default();
        self.state().lag.insert(topic.to_owned(), lags);
    }

    /// Notes that a final window ending at `end_ms` was published at `now_ms`.
    pub fn record_emit(&self, end_ms: i64, now_ms: i64) {
        self.state().emit_delay_ms = Some(now_ms - end_ms);
    }

    /// A copy of the current figures.
    pub fn snapshot(&self) -> Snapshot {
        self.state().clone()
    }
}

/// One metric family: name, type and help, then its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl Family<'_> {
    fn new<'a>(out: &'a mut String, name: &str, kind: &str, help: &str) -> Family<'a> {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        Family { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (label, text)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{label}=\"{}\"", escape_label(text));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }
}

/// Escapes a label value as the text format requires (window labels come from the data).
fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition of `metrics` and `view`.
pub fn render(metrics: &Snapshot, view: &ResultsView) -> String {
    let mut out = String::new();
    let (count, merge) = (metrics.run.count, metrics.run.merge);
    let counters: [(&str, &str, u64); 9] = [
        ("trends_tweets_consumed_total", "Messages read from the raw topic by this instance's counting stage.", count.consumed),
        ("trends_tweets_counted_total", "Tweets counted in at least one window.", count.counted),
        ("trends_parse_rejects_total", "Messages that were not usable tweets (sent to the dead-letter topic).", count.rejected),
        ("trends_duplicates_total", "Tweets not counted again because their id was already counted in their windows.", count.duplicates),
        ("trends_late_records_total", "Window assignments dropped because the window had already closed.", count.late),
        ("trends_retweets_skipped_total", "Retweets not counted (consumer.retweets = skip).", count.retweets_skipped),
        ("trends_partition_windows_closed_total", "Per-partition windows the counting stage closed and sent to the merge stage.", count.windows),
        ("trends_windows_published_total", "Final merged windows this instance published to the result topic.", merge.windows),
        ("trends_late_parts_total", "Window parts the merge stage received after publishing the window (replays after a crash, or a partition that woke from idle).", merge.late_parts),
    ];
    for (name, help, value) in counters {
        Family::new(&mut out, name, "counter", help).sample(name, &[], value);
    }

    let name = "trends_consumer_lag_records";
    let mut family = Family::new(
        &mut out,
        name,
        "gauge",
        "Records between this instance's read position and the end of each partition it reads.",
    );
    for (topic, partitions) in &metrics.lag {
        for (partition, lag) in partitions {
            let partition = partition.to_string();
            family.sample(name, &[("topic", topic), ("partition", &partition)], lag);
        }
    }

    let name = "trends_window_emit_delay_seconds";
    let mut family = Family::new(
        &mut out,
        name,
        "gauge",
        "Wall-clock time from the end of the last final window this instance published to its publication (event time: large when replaying old tweets).",
    );
    if let Some(ms) = metrics.emit_delay_ms {
        family.sample(name, &[], ms as f64 / 1000.0);
    }

    let (records, unreadable) = view.records();
    let name = "trends_results_records_read_total";
    Family::new(
        &mut out,
        name,
        "counter",
        "Result-topic records the HTTP view has read.",
    )
    .sample(name, &[], records);
    let name = "trends_results_records_unreadable_total";
    Family::new(
        &mut out,
        name,
        "counter",
        "Result-topic records the HTTP view could not read.",
    )
    .sample(name, &[], unreadable);

    let sentiments = view.latest_sentiments();
    let name = "trends_window_sentiment_tweets";
    let mut family = Family::new(
        &mut out,
        name,
        "gauge",
        "Tweets of the latest closed window per sentiment class (when sentiment scoring is on).",
    );
    for (label, s) in &sentiments {
        for (class, n) in [
            ("positive", s.positive),
            ("neutral", s.neutral),
            ("negative", s.negative),
        ] {
            family.sample(name, &[("window", label), ("sentiment", class)], n);
        }
    }
    let name = "trends_window_sentiment_mean";
    let mut family = Family::new(
        &mut out,
        name,
        "gauge",
        "Mean compound sentiment score of the latest closed window's tweets (-1 to 1).",
    );
    for (label, s) in &sentiments {
        family.sample(name, &[("window", label)], s.mean);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_help_and_type_and_samples_follow_the_text_format() {
        let metrics = Metrics::default();
        let mut run = RunStats::default();
        run.count.consumed = 12;
        run.count.rejected = 2;
        run.merge.windows = 3;
        metrics.record_run(run);
        metrics.record_emit(10_000, 16_500);
        let mut view = ResultsView::new(3);
        let summary = serde_json::json!({
            "window": "tumbling\"10s", "window_start": "s", "window_start_ms": 0,
            "window_end": "e", "window_end_ms": 10_000, "final": true,
            "tweets": 3, "mentions": 3, "distinct_hashtags": 1,
            "sentiment": {"scored": 3, "mean": 0.5, "positive": 2, "neutral": 1, "negative": 0}
        });
        view.apply(Some(&serde_json::to_vec(&summary).unwrap()));
        let text = render(&metrics.snapshot(), &view);

        assert!(
            text.contains("\ntrends_tweets_consumed_total 12\n"),
            "{text}"
        );
        assert!(text.contains("\ntrends_parse_rejects_total 2\n"), "{text}");
        assert!(
            text.contains("\ntrends_windows_published_total 3\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntrends_window_emit_delay_seconds 6.5\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntrends_results_records_read_total 1\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "trends_window_sentiment_tweets{window=\"tumbling\\\"10s\",sentiment=\"positive\"} 2\n"
            ),
            "{text}"
        );
        assert!(text.contains("trends_window_sentiment_mean{window=\"tumbling\\\"10s\"} 0.5\n"));
        let mut names = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(kind == "counter" || kind == "gauge", "{line}");
                assert_eq!(
                    name.ends_with("_total"),
                    kind == "counter",
                    "counters and only counters end in _total: {line}"
                );
                names.push(name.to_owned());
            } else if !line.starts_with("# HELP ") {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(names.last().map(String::as_str), Some(name), "{line}");
            }
        }
        assert_eq!(
            text.matches("# HELP ").count(),
            names.len(),
            "one HELP per TYPE"
        );
    }
}
