//! The driver against librdkafka's mock cluster: group joins, checkpoints, commits and
//! resumes where a broker's answers matter, without starting a broker process (the e2e suite
//! does that against Apache Kafka).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;
use serde_json::Value;

use common::settings::{Override, Settings};
use common::shutdown::Shutdown;
use consumer::driver;
use consumer::serve::metrics::Metrics;

const RAW: &str = "raw";
const RESULTS: &str = "results";
const GROUP: &str = "trends";

/// Counts per window start (ms) and hashtag.
type Expected = BTreeMap<i64, BTreeMap<String, u64>>;

/// The test's tweets: tweet `i` at second `i / 4` on partition `i % 2`, tagged `#t<i % 3>` and,
/// every fifth, `#Extra`.
struct Tweet {
    id: u64,
    partition: i32,
    second: i64,
    tags: Vec<String>,
}

fn tweets(ids: std::ops::Range<u64>) -> Vec<Tweet> {
    ids.map(|id| {
        let mut tags = vec![format!("t{}", id % 3)];
        if id % 5 == 0 {
            tags.push("Extra".to_owned());
        }
        Tweet {
            id,
            partition: (id % 2) as i32,
            second: id as i64 / 4,
            tags,
        }
    })
    .collect()
}

/// Tumbling 10 s windows counted directly from the input: hashtags fold to lower case.
fn expected(tweets: &[Tweet]) -> Expected {
    let mut out = Expected::new();
    for t in tweets {
        let window = out.entry(t.second / 10 * 10_000).or_default();
        for tag in &t.tags {
            *window.entry(tag.to_lowercase()).or_default() += 1;
        }
    }
    out
}

fn produce(cluster: &MockCluster<'_, DefaultProducerContext>, tweets: &[Tweet]) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .create()
        .unwrap();
    for t in tweets {
        let text: Vec<String> = t.tags.iter().map(|tag| format!("#{tag}")).collect();
        let created = model::timestamp::format_v1(1_700_000_000_000 + t.second * 1000);
        let json = serde_json::json!({
            "id_str": t.id.to_string(), "created_at": created, "text": text.join(" ")
        })
        .to_string();
        let key = t.id.to_string();
        let record = BaseRecord::to(RAW)
            .partition(t.partition)
            .key(&key)
            .payload(&json);
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

fn settings(bootstrap: &str, counts_file: &Path) -> Settings {
    let overrides = [
        Override::new("kafka.bootstrap_servers", bootstrap),
        Override::new("kafka.topic", RAW),
        Override::new("kafka.results_topic", RESULTS),
        Override::new("consumer.group_id", GROUP),
        Override::new("consumer.window", "10s"),
        Override::new("consumer.until_end", true),
        Override::new("consumer.sentiment", false),
        // The mock cluster keeps a member that left until its session expires (45 s by
        // default), which a second run's group would wait out.
        Override::new("kafka.properties.session_timeout_ms", "6000"),
        Override::new("consumer.counts_file", counts_file.display().to_string()),
    ];
    Settings::load(None, &overrides).unwrap()
}

/// The counts file's windows, shifted back to the test's epoch; fails on a window written twice.
fn counted(counts_file: &Path) -> Expected {
    let mut out = Expected::new();
    for line in std::fs::read_to_string(counts_file).unwrap().lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        let start = line["window_start_ms"].as_i64().unwrap() - 1_700_000_000_000;
        let counts = serde_json::from_value(line["counts"].clone()).unwrap();
        assert!(out.insert(start, counts).is_none(), "window {start} twice");
    }
    out
}

fn cluster() -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(RAW, 2, 1).unwrap();
    cluster.create_topic(RESULTS, 1, 1).unwrap();
    for internal in ["trends-partials", "trends-checkpoints", "raw-dlq"] {
        cluster.create_topic(internal, 1, 1).unwrap();
    }
    cluster
}

#[test]
fn a_batch_run_counts_every_window_of_every_partition() {
    let cluster = cluster();
    let input = tweets(0..200);
    produce(&cluster, &input);
    let dir = tempfile::tempdir().unwrap();
    let counts_file = dir.path().join("counts.jsonl");
    let settings = settings(&cluster.bootstrap_servers(), &counts_file);

    let stats = driver::run(&settings, &Shutdown::new(), Arc::new(Metrics::default())).unwrap();

    assert_eq!(stats.count.consumed, 200);
    assert_eq!(counted(&counts_file), expected(&input));
}

#[test]
fn a_second_run_resumes_from_the_checkpoints_and_counts_nothing_twice() {
    let cluster = cluster();
    // Seconds 0-24, then 30-49: the second run starts in a window of its own.
    let (first, second) = (tweets(0..100), tweets(120..200));
    let dir = tempfile::tempdir().unwrap();
    let counts_file = dir.path().join("counts.jsonl");
    let settings = settings(&cluster.bootstrap_servers(), &counts_file);
    let run = || driver::run(&settings, &Shutdown::new(), Arc::new(Metrics::default()));

    produce(&cluster, &first);
    assert_eq!(run().unwrap().count.consumed, 100);
    produce(&cluster, &second);
    assert_eq!(
        run().unwrap().count.consumed,
        80,
        "only the new tweets are read"
    );

    let all: Vec<Tweet> = first.into_iter().chain(second).collect();
    assert_eq!(counted(&counts_file), expected(&all));
}
