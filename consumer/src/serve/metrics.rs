//! What this instance exports to Prometheus: the driver records its stages' totals, consumer
//! lag and window publication delay here; `render` turns them, with the results view's figures,
//! into the Prometheus text format 0.0.4 (encoded by `prometheus-client`, so names, label
//! escaping and the format's details follow the reference client). Counters are this
//! instance's own (sum them over instances); sentiment figures come from the merged results,
//! so every instance shows the same.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use prometheus_client::collector::Collector;
pub(crate) use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
use prometheus_client::encoding::{
    prometheus_text, DescriptorEncoder, EncodeGaugeValue, EncodeLabelSet, EncodeMetric,
    MetricEncoder,
};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use rdkafka::statistics::Statistics;

use model::post::Source;

use crate::engine::stats::RunStats;
use crate::output::rising::RisingFigures;
use crate::serve::results_view::{LatestSentiment, RecordsRead, ResultsView};

/// Figures the driver updates as it runs and the HTTP server reads.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<Snapshot>,
}

/// A consistent copy of [`Metrics`].
#[derive(Debug, Default, Clone)]
pub(crate) struct Snapshot {
    pub(crate) run: RunStats,
    /// Per topic and partition: records between the read position and the end of the
    /// partition, for the partitions this instance reads.
    pub(crate) lag: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Wall-clock time from the end of the last final window published here to its
    /// publication.
    pub(crate) emit_delay_ms: Option<i64>,
    /// The rising rankings of the merge stage, when this instance merges.
    pub(crate) rising: Vec<RisingFigures>,
}

impl Metrics {
    fn state(&self) -> MutexGuard<'_, Snapshot> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces both stages' totals (the driver's running figures are cumulative).
    pub(crate) fn record_run(&self, run: RunStats) {
        self.state().run = run;
    }

    /// Replaces the lag of `topic`'s partitions with those in librdkafka's statistics.
    pub(crate) fn record_lag(&self, topic: &str, statistics: &Statistics) {
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
    pub(crate) fn record_emit(&self, end_ms: i64, now_ms: i64) {
        self.state().emit_delay_ms = Some(now_ms - end_ms);
    }

    /// Replaces the rising rankings' figures.
    pub(crate) fn record_rising(&self, figures: Vec<RisingFigures>) {
        self.state().rising = figures;
    }

    /// A copy of the current figures.
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.state().clone()
    }
}

/// A metric family's name and help. Counter names leave out `_total`: the encoder appends it.
struct Family {
    name: &'static str,
    help: &'static str,
}

const TWEETS_CONSUMED: Family = Family {
    name: "trends_tweets_consumed",
    help: "Messages read from the raw topic by this instance's counting stage.",
};
const TWEETS_COUNTED: Family = Family {
    name: "trends_tweets_counted",
    help: "Posts (of every source) counted in at least one window.",
};
const PARSE_REJECTS: Family = Family {
    name: "trends_parse_rejects",
    help: "Messages that were not usable posts (sent to the dead-letter topic).",
};
const POSTS: Family = Family {
    name: "trends_posts",
    help: "Posts counted in at least one window, by source (twitter, bluesky, mastodon).",
};
const REPOSTS_WITHOUT_CONTENT: Family = Family {
    name: "trends_reposts_without_content",
    help: "Reposts skipped because they carry no text or hashtags of their own (Bluesky reposts reference the reposted post only), by source.",
};
const DUPLICATES: Family = Family {
    name: "trends_duplicates",
    help: "Tweets not counted again because their id was already counted in their windows.",
};
const LATE_RECORDS: Family = Family {
    name: "trends_late_records",
    help: "Window assignments dropped because the window had already closed.",
};
const RETWEETS_SKIPPED: Family = Family {
    name: "trends_retweets_skipped",
    help: "Retweets not counted (consumer.retweets = skip).",
};
const ORIGINALS_MISSING: Family = Family {
    name: "trends_retweet_originals_missing",
    help: "Retweets counted by their own cut text because the message lacks their original (deleted or protected).",
};
const TRUNCATED: Family = Family {
    name: "trends_tweets_truncated",
    help: "Tweets counted by a text cut at 140 characters (compat mode without extended_tweet): hashtags past the cut are lost.",
};
const PARTITION_WINDOWS_CLOSED: Family = Family {
    name: "trends_partition_windows_closed",
    help: "Per-partition windows the counting stage closed and sent to the merge stage.",
};
const WINDOWS_PUBLISHED: Family = Family {
    name: "trends_windows_published",
    help: "Final merged windows this instance published to the result topic.",
};
const LATE_PARTS: Family = Family {
    name: "trends_late_parts",
    help: "Window parts the merge stage received after publishing the window (replays after a crash, or a partition that woke from idle).",
};
const MERGE_MESSAGES: Family = Family {
    name: "trends_merge_messages",
    help: "Messages the merge stage read from the partials topic (window parts and progress), while this instance merged.",
};
const MERGE_BYTES: Family = Family {
    name: "trends_merge_bytes",
    help: "Payload bytes of the messages the merge stage read from the partials topic.",
};
const MERGE_TAGS: Family = Family {
    name: "trends_merge_tags",
    help: "Hashtag entries in the window parts the merge stage read: its work grows with these.",
};
const MERGE_RECORDS: Family = Family {
    name: "trends_merge_records",
    help: "Records the merge stage published to the result topic.",
};
const MERGE_CPU: Family = Family {
    name: "trends_merge_cpu_seconds",
    help: "CPU time the merge stage spent on the poll thread, by step: read (decoding and keeping window parts), publish (summing complete windows and publishing them); librdkafka's fetching and sending not included.",
};
const CONSUMER_LAG: Family = Family {
    name: "trends_consumer_lag_records",
    help: "Records between this instance's read position and the end of each partition it reads.",
};
const EMIT_DELAY: Family = Family {
    name: "trends_window_emit_delay_seconds",
    help: "Wall-clock time from the end of the last final window this instance published to its publication (event time: large when replaying old tweets).",
};
const RISING_HASHTAGS: Family = Family {
    name: "trends_rising_hashtags",
    help: "Hashtags ranked as rising in the latest final window, per window definition (from the instance that merges).",
};
const RISING_STATE: Family = Family {
    name: "trends_rising_state_hashtags",
    help: "Hashtag counts the rising rankings keep as history (bounded by consumer.rising_history window sizes), per window definition (from the instance that merges).",
};
const RESULTS_READ: Family = Family {
    name: "trends_results_records_read",
    help: "Result-topic records the HTTP view has read.",
};
const RESULTS_UNREADABLE: Family = Family {
    name: "trends_results_records_unreadable",
    help: "Result-topic records the HTTP view could not read.",
};
const SENTIMENT_TWEETS: Family = Family {
    name: "trends_window_sentiment_tweets",
    help: "Tweets of the latest closed window per sentiment class (when sentiment scoring is on).",
};
const SENTIMENT_NOT_SCORED: Family = Family {
    name: "trends_window_sentiment_not_scored_tweets",
    help: "Tweets of the latest closed window not scored, by reason (language: one the lexicon does not cover; only English is scored).",
};
const SENTIMENT_MEAN: Family = Family {
    name: "trends_window_sentiment_mean",
    help: "Mean compound sentiment score of the latest closed window's tweets (-1 to 1).",
};

#[derive(Debug, EncodeLabelSet)]
struct LagLabels {
    topic: String,
    partition: i32,
}

#[derive(Debug, EncodeLabelSet)]
struct SourceLabels {
    source: &'static str,
}

#[derive(Debug, EncodeLabelSet)]
struct StepLabels {
    step: &'static str,
}

#[derive(Debug, EncodeLabelSet)]
struct SentimentLabels {
    window: String,
    sentiment: &'static str,
}

#[derive(Debug, EncodeLabelSet)]
struct NotScoredLabels {
    window: String,
    reason: &'static str,
}

#[derive(Debug, EncodeLabelSet)]
struct WindowLabels {
    window: String,
}

/// One labelled value of a family.
#[derive(Debug)]
struct Sample<L, V> {
    labels: L,
    value: V,
}

/// The figures of one scrape. A registry's collectors must own what they encode, so this
/// copies them out of the snapshot and the results view (a handful of values).
#[derive(Debug)]
struct Scrape {
    run: RunStats,
    lag: Vec<Sample<LagLabels, i64>>,
    emit_delay_seconds: Option<f64>,
    rising_hashtags: Vec<Sample<WindowLabels, u64>>,
    rising_state: Vec<Sample<WindowLabels, u64>>,
    results_read: u64,
    results_unreadable: u64,
    sentiment_tweets: Vec<Sample<SentimentLabels, u64>>,
    sentiment_not_scored: Vec<Sample<NotScoredLabels, u64>>,
    sentiment_mean: Vec<Sample<WindowLabels, f64>>,
}

impl Scrape {
    fn new(metrics: &Snapshot, view: &ResultsView) -> Scrape {
        let sentiments = view.latest_sentiments();
        let RecordsRead {
            read: results_read,
            unreadable: results_unreadable,
        } = view.records();
        Scrape {
            run: metrics.run,
            lag: lag_samples(metrics),
            emit_delay_seconds: metrics.emit_delay_ms.map(|ms| ms as f64 / 1000.0),
            rising_hashtags: rising_samples(metrics, |f| f.rising),
            rising_state: rising_samples(metrics, |f| Some(f.state)),
            results_read,
            results_unreadable,
            sentiment_tweets: sentiments.iter().flat_map(tweets_by_label).collect(),
            sentiment_not_scored: sentiments.iter().map(not_scored_sample).collect(),
            sentiment_mean: sentiments.iter().map(mean_sample).collect(),
        }
    }
}

/// Consumer lag per topic and partition.
fn lag_samples(metrics: &Snapshot) -> Vec<Sample<LagLabels, i64>> {
    metrics
        .lag
        .iter()
        .flat_map(|(topic, partitions)| {
            partitions.iter().map(|(&partition, &lag)| Sample {
                labels: LagLabels {
                    topic: topic.clone(),
                    partition,
                },
                value: lag,
            })
        })
        .collect()
}

/// One figure of every ranked window definition that has it.
fn rising_samples(
    metrics: &Snapshot,
    figure: impl Fn(&RisingFigures) -> Option<usize>,
) -> Vec<Sample<WindowLabels, u64>> {
    metrics
        .rising
        .iter()
        .filter_map(|f| {
            Some(Sample {
                labels: WindowLabels {
                    window: f.window.clone(),
                },
                value: figure(f)? as u64,
            })
        })
        .collect()
}

/// A window's tweets per sentiment label.
fn tweets_by_label(latest: &LatestSentiment<'_>) -> [Sample<SentimentLabels, u64>; 3] {
    let s = latest.sentiment;
    [
        ("positive", s.positive),
        ("neutral", s.neutral),
        ("negative", s.negative),
    ]
    .map(|(sentiment, tweets)| Sample {
        labels: SentimentLabels {
            window: latest.window.to_owned(),
            sentiment,
        },
        value: tweets,
    })
}

/// A window's tweets not scored for their language.
fn not_scored_sample(latest: &LatestSentiment<'_>) -> Sample<NotScoredLabels, u64> {
    Sample {
        labels: NotScoredLabels {
            window: latest.window.to_owned(),
            reason: "language",
        },
        value: latest.sentiment.not_scored_language.unwrap_or(0),
    }
}

/// A window's mean sentiment.
fn mean_sample(latest: &LatestSentiment<'_>) -> Sample<WindowLabels, f64> {
    Sample {
        labels: WindowLabels {
            window: latest.window.to_owned(),
        },
        value: latest.sentiment.mean,
    }
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let (count, merge, load) = (self.run.count, self.run.merge, self.run.merge_load);
        for (family, total) in [
            (TWEETS_CONSUMED, count.consumed),
            (TWEETS_COUNTED, count.counted),
            (PARSE_REJECTS, count.rejected),
            (DUPLICATES, count.duplicates),
            (LATE_RECORDS, count.late),
            (RETWEETS_SKIPPED, count.retweets_skipped),
            (ORIGINALS_MISSING, count.originals_missing),
            (TRUNCATED, count.truncated),
            (PARTITION_WINDOWS_CLOSED, count.windows),
            (WINDOWS_PUBLISHED, merge.windows),
            (LATE_PARTS, merge.late_parts),
            (MERGE_MESSAGES, load.messages),
            (MERGE_BYTES, load.bytes),
            (MERGE_TAGS, load.tags),
            (MERGE_RECORDS, load.records),
        ] {
            counter(&mut encoder, &family, total)?;
        }
        let mut cpu = describe(&mut encoder, &MERGE_CPU, MetricType::Counter)?;
        for (step, spent) in [("read", load.read_cpu), ("publish", load.publish_cpu)] {
            let labels = StepLabels { step };
            ConstCounter::new(spent.as_secs_f64()).encode(cpu.encode_family(&labels)?)?;
        }
        let posts = count.posts.iter().map(|(source, n)| Sample {
            labels: SourceLabels {
                source: source.name(),
            },
            value: n,
        });
        counters(&mut encoder, &POSTS, posts)?;
        let reposts = Sample {
            labels: SourceLabels {
                source: Source::Bluesky.name(),
            },
            value: count.bluesky_reposts,
        };
        counters(&mut encoder, &REPOSTS_WITHOUT_CONTENT, [reposts])?;
        gauges(&mut encoder, &CONSUMER_LAG, &self.lag)?;
        let delay = describe(&mut encoder, &EMIT_DELAY, MetricType::Gauge)?;
        if let Some(seconds) = self.emit_delay_seconds {
            ConstGauge::new(seconds).encode(delay)?;
        }
        gauges(&mut encoder, &RISING_HASHTAGS, &self.rising_hashtags)?;
        gauges(&mut encoder, &RISING_STATE, &self.rising_state)?;
        counter(&mut encoder, &RESULTS_READ, self.results_read)?;
        counter(&mut encoder, &RESULTS_UNREADABLE, self.results_unreadable)?;
        gauges(&mut encoder, &SENTIMENT_TWEETS, &self.sentiment_tweets)?;
        gauges(
            &mut encoder,
            &SENTIMENT_NOT_SCORED,
            &self.sentiment_not_scored,
        )?;
        gauges(&mut encoder, &SENTIMENT_MEAN, &self.sentiment_mean)
    }
}

/// Writes `family`'s HELP and TYPE lines, even when no sample follows, so that every family
/// is documented from the first scrape on.
fn describe<'e>(
    encoder: &'e mut DescriptorEncoder,
    family: &'e Family,
    kind: MetricType,
) -> Result<MetricEncoder<'e>, fmt::Error> {
    encoder.encode_descriptor(family.name, family.help, None, kind)
}

fn counter(encoder: &mut DescriptorEncoder, family: &Family, total: u64) -> fmt::Result {
    ConstCounter::new(total).encode(describe(encoder, family, MetricType::Counter)?)
}

fn counters<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder,
    family: &Family,
    samples: impl IntoIterator<Item = Sample<L, u64>>,
) -> fmt::Result {
    let mut metric = describe(encoder, family, MetricType::Counter)?;
    for sample in samples {
        ConstCounter::new(sample.value).encode(metric.encode_family(&sample.labels)?)?;
    }
    Ok(())
}

fn gauges<L: EncodeLabelSet, V: EncodeGaugeValue + Copy>(
    encoder: &mut DescriptorEncoder,
    family: &Family,
    samples: &[Sample<L, V>],
) -> fmt::Result {
    let mut metric = describe(encoder, family, MetricType::Gauge)?;
    for sample in samples {
        ConstGauge::new(sample.value).encode(metric.encode_family(&sample.labels)?)?;
    }
    Ok(())
}

/// The Prometheus text exposition (format 0.0.4, [`CONTENT_TYPE`]) of `metrics` and `view`.
pub(crate) fn render(metrics: &Snapshot, view: &ResultsView) -> String {
    // A registry per scrape: every figure is read at scrape time, none lives in the registry.
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Scrape::new(metrics, view)));
    let mut out = String::new();
    prometheus_text::encode(&mut out, &registry)
        .expect("encoding into a String fails only if a collector fails, and Scrape never does");
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
        run.count.originals_missing = 4;
        run.count.truncated = 5;
        run.count.posts = [Source::Bluesky, Source::Twitter, Source::Bluesky]
            .into_iter()
            .collect();
        run.count.bluesky_reposts = 6;
        run.merge.windows = 3;
        run.merge_load.tags = 7;
        run.merge_load.publish_cpu = std::time::Duration::from_millis(1500);
        metrics.record_run(run);
        metrics.record_emit(10_000, 16_500);
        let mut view = ResultsView::new(3);
        let summary = serde_json::json!({
            "window": "tumbling\"10s", "window_start": "s", "window_start_ms": 0,
            "window_end": "e", "window_end_ms": 10_000, "final": true,
            "tweets": 3, "mentions": 3, "distinct_hashtags": 1,
            "sentiment": {"scored": 3, "mean": 0.5, "positive": 2, "neutral": 1, "negative": 0,
                "not_scored_language": 7}
        });
        view.apply(Some(&serde_json::to_vec(&summary).unwrap()));
        let text = render(&metrics.snapshot(), &view);

        assert!(
            text.contains("\ntrends_tweets_consumed_total 12\n"),
            "{text}"
        );
        assert!(text.contains("\ntrends_parse_rejects_total 2\n"), "{text}");
        for (source, n) in [("twitter", 1), ("bluesky", 2), ("mastodon", 0)] {
            let line = format!("\ntrends_posts_total{{source=\"{source}\"}} {n}\n");
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert!(
            text.contains("\ntrends_reposts_without_content_total{source=\"bluesky\"} 6\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntrends_retweet_originals_missing_total 4\n"),
            "{text}"
        );
        assert!(
            text.contains("\ntrends_tweets_truncated_total 5\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "trends_window_sentiment_not_scored_tweets{window=\"tumbling\\\"10s\",reason=\"language\"} 7\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\ntrends_windows_published_total 3\n"),
            "{text}"
        );
        assert!(text.contains("\ntrends_merge_tags_total 7\n"), "{text}");
        assert!(
            text.contains("\ntrends_merge_cpu_seconds_total{step=\"publish\"} 1.5\n"),
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
