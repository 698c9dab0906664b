//! Client settings for each kind of client.
//!
//! Our defaults come first and the user's pass-through properties last, so an operator can
//! override anything (SASL, SSL, tuning) without a code change.

use rdkafka::ClientConfig;

use crate::settings::{ConsumerSettings, KafkaSettings};

/// `config` with the user's pass-through properties set last, so that they win.
fn with_user_properties(mut config: ClientConfig, kafka: &KafkaSettings) -> ClientConfig {
    for (key, value) in &kafka.properties {
        config.set(key, value);
    }
    config
}

/// What every client needs: where the cluster is, and how long to try a connection.
fn base(kafka: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &kafka.bootstrap_servers)
        .set("socket.connection.setup.timeout.ms", "10000");
    config
}

/// Settings for an admin client: only the connection and the user's properties.
pub(super) fn admin_config(kafka: &KafkaSettings) -> ClientConfig {
    with_user_properties(base(kafka), kafka)
}

/// Settings for publishing tweets: no loss and no duplicates on retry (idempotent, acks=all),
/// batched for throughput.
///
/// Uncompressed by default, for Tansu: docs/src/operations.md#tansu-compressed-topics.
pub fn producer_config(kafka: &KafkaSettings) -> ClientConfig {
    idempotent_producer(kafka, "trends-producer", 10)
}

/// Settings for the consumer's own publishing (partials, results, dead letters, checkpoints):
/// those of [`producer_config`], but batches wait only 2 ms, because a live view waits on each
/// of them and they are few and small.
pub fn results_producer_config(kafka: &KafkaSettings) -> ClientConfig {
    idempotent_producer(kafka, "trends-consumer-results", 2)
}

fn idempotent_producer(kafka: &KafkaSettings, client_id: &str, linger_ms: u32) -> ClientConfig {
    let mut config = base(kafka);
    config
        .set("client.id", client_id)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("compression.type", "none")
        .set("linger.ms", linger_ms.to_string())
        .set("batch.size", "1000000")
        .set("message.timeout.ms", "300000");
    with_user_properties(config, kafka)
}

/// Settings for the trends consumer: offsets are stored and committed only by our code, after
/// the records they cover are safely accounted for, never automatically.
pub fn consumer_config(kafka: &KafkaSettings, consumer: &ConsumerSettings) -> ClientConfig {
    let mut config = base(kafka);
    config
        .set("client.id", "trends-consumer")
        .set("group.id", &consumer.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", consumer.auto_offset_reset.as_str())
        // End-of-partition events tell idle partitions apart from slow ones.
        .set("enable.partition.eof", "true")
        // docs/src/operations.md#tansu-capped-fetch-responses
        .set("max.partition.fetch.bytes", "16777216")
        // docs/src/operations.md#tansu-fetches-held-for-the-whole-wait
        .set("fetch.wait.max.ms", "10");
    with_user_properties(config, kafka)
}
