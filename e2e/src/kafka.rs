//! The broker under test: unique names, topics, and reading topics back (every record, message
//! counts, the result topic's latest values), retrying what the client recovers from.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::kafka::read_messages;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

/// A message to put on a topic as an upstream producer would: its key, bytes and timestamp.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub key: String,
    pub payload: String,
    pub timestamp_ms: i64,
}

/// Publishes `messages` to `topic` in order, each acknowledged by the broker, partitioned by
/// key as Kafka's default partitioner does: raw payloads put straight on a topic, without the
/// producer binary.
pub fn publish_keyed(topic: &str, messages: &[Keyed]) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("enable.idempotence", "true")
        .create()
        .expect("producer");
    for m in messages {
        let record = FutureRecord::to(topic)
            .key(&m.key)
            .payload(&m.payload)
            .timestamp(m.timestamp_ms);
        futures_executor::block_on(producer.send(record, Duration::from_secs(60)))
            .unwrap_or_else(|(e, _)| panic!("{} not accepted by the broker: {e}", m.key));
    }
}

/// The latest value of every key of a result topic.
pub type Results = BTreeMap<String, serde_json::Value>;

/// The broker under test.
pub fn bootstrap() -> String {
    std::env::var("TRENDS_TEST_BOOTSTRAP").unwrap_or_else(|_| {
        panic!("TRENDS_TEST_BOOTSTRAP is not set: run scripts/test.sh, or set it to a broker's host:port")
    })
}

/// A name no other test (or earlier run against the same broker) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates a topic with `partitions` partitions.
pub fn create_topic(topic: &str, partitions: i32) {
    create_topic_at(&bootstrap(), topic, partitions)
}

/// Creates a topic on the broker at `bootstrap`.
pub fn create_topic_at(bootstrap: &str, topic: &str, partitions: i32) {
    create_topic_configured(bootstrap, topic, partitions, 1, &[])
}

/// Creates a topic with `replication` copies of each partition and topic configuration
/// `config` (e.g. `max.message.bytes`).
pub fn create_topic_configured(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replication: i32,
    config: &[(&str, &str)],
) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let mut new = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication));
    for (key, value) in config {
        new = new.set(key, value);
    }
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = futures_executor::block_on(admin.create_topics([&new], &opts))
        .expect("create_topics request");
    for r in results {
        r.unwrap_or_else(|(t, e)| panic!("cannot create topic {t}: {e}"));
    }
}

/// Number of messages in `topic` (sum of high watermarks; topics start at offset 0).
pub fn message_count(topic: &str, partitions: i32) -> i64 {
    message_count_at(&bootstrap(), topic, partitions)
}

/// The same on the broker at `bootstrap`.
pub fn message_count_at(bootstrap: &str, topic: &str, partitions: i32) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("watermarks"))
        .create()
        .expect("consumer");
    (0..partitions)
        .map(|p| {
            let (low, high) = retry_transient("fetch watermarks", || {
                consumer.fetch_watermarks(topic, p, Duration::from_secs(20))
            });
            high - low
        })
        .sum()
}

/// `request`'s answer, asked again for up to 60 s while it fails with an error the client
/// recovers from, as the binaries do; panics naming `what` on any other error.
pub fn retry_transient<T>(what: &str, request: impl FnMut() -> Result<T, KafkaError>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    common::kafka::retry_transient(deadline, request).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The result topic as a compacted topic keeps it: the latest value of every key.
pub fn read_results(topic: &str) -> Results {
    read_results_at(&bootstrap(), topic)
}

/// The same from the broker at `bootstrap`.
pub fn read_results_at(bootstrap: &str, topic: &str) -> Results {
    let mut latest = BTreeMap::new();
    for record in read_all_at(bootstrap, topic) {
        let key = String::from_utf8(record.key.expect("results have keys")).expect("UTF-8 key");
        let value = serde_json::from_slice(&record.payload.expect("results have values"))
            .expect("JSON value");
        latest.insert(key, value);
    }
    latest
}

/// The message keys of `topic` on the broker at `bootstrap`, as text.
pub fn keys_at(bootstrap: &str, topic: &str) -> Vec<String> {
    keys_of(&read_all_at(bootstrap, topic))
}

/// The distinct message keys of `topic` on the shared broker.
pub fn key_set(topic: &str) -> BTreeSet<String> {
    keys_at(&bootstrap(), topic).into_iter().collect()
}

/// The keys of records read back by [`read_all`], as text.
pub fn keys_of(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| String::from_utf8(r.key.clone().expect("keyed")).expect("UTF-8 key"))
        .collect()
}

/// A record as read back by [`read_all`].
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
    /// The Kafka timestamp, in milliseconds since the Unix epoch.
    pub timestamp_ms: Option<i64>,
}

impl Record {
    /// A header's value, or "" when the record has no such header.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    /// An owned copy of a polled message, its header values as (lossy) text.
    fn of(m: &BorrowedMessage<'_>) -> Record {
        let headers = m
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| {
                        let value = String::from_utf8_lossy(h.value.unwrap_or_default());
                        (h.key.to_owned(), value.into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Record {
            partition: m.partition(),
            offset: m.offset(),
            key: m.key().map(<[u8]>::to_vec),
            payload: m.payload().map(<[u8]>::to_vec),
            headers,
            timestamp_ms: m.timestamp().to_millis(),
        }
    }
}

/// Every record of `topic` up to its current end, in offset order per partition.
pub fn read_all(topic: &str) -> Vec<Record> {
    read_all_at(&bootstrap(), topic)
}

/// The same from the broker at `bootstrap`, through the workspace's one reader of a topic to
/// its end ([`common::kafka::read_messages`], under the consumer's restore of its totals too),
/// so that the two cannot drift apart. Panics when the topic cannot be read to its end within
/// `READ_TIMEOUT` (two minutes).
pub fn read_all_at(bootstrap: &str, topic: &str) -> Vec<Record> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("topic-reader"))
        .set("enable.partition.eof", "true")
        .set("enable.auto.commit", "false");
    let mut records = Vec::new();
    let deadline = Instant::now() + READ_TIMEOUT;
    read_messages(&config, topic, deadline, |m| records.push(Record::of(m)))
        .unwrap_or_else(|e| panic!("reading {topic}: {e}"));
    records
}

/// How long [`read_all_at`] waits, in all, for the cluster and the records: long enough for a
/// node of a test's own cluster to restart and its partitions' leadership to move.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
