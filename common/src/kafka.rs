//! Kafka client settings shared by both binaries, and topic creation.
//!
//! Our defaults come first and the user's pass-through properties last, so an operator can
//! override anything (SASL, SSL, tuning) without a code change.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientConfig;

use crate::exit;
use crate::settings::{ConsumerSettings, KafkaSettings};

/// How long setup calls wait for the cluster before reporting it unreachable.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(15);

/// A failure talking to the cluster during setup.
#[derive(Debug, thiserror::Error)]
pub enum KafkaSetupError {
    /// librdkafka rejected a property (usually a pass-through one).
    #[error("invalid Kafka client settings: {0}")]
    Client(KafkaError),
    /// No answer from the brokers within [`SETUP_TIMEOUT`].
    #[error("cannot reach Kafka at {bootstrap} within {}s (is the broker running?)", SETUP_TIMEOUT.as_secs())]
    Unreachable { bootstrap: String },
    /// The cluster answered but refused to create the topic.
    #[error("cannot create topic `{topic}` on {bootstrap}: {source}")]
    CreateTopic {
        topic: String,
        bootstrap: String,
        source: KafkaError,
    },
}

impl KafkaSetupError {
    /// The process exit code for this failure: bad settings are a configuration error.
    pub fn exit_code(&self) -> i32 {
        match self {
            KafkaSetupError::Client(_) => exit::USAGE,
            KafkaSetupError::Unreachable { .. } | KafkaSetupError::CreateTopic { .. } => {
                exit::KAFKA
            }
        }
    }
}

fn with_user_properties(mut config: ClientConfig, kafka: &KafkaSettings) -> ClientConfig {
    for (key, value) in &kafka.properties {
        config.set(key, value);
    }
    config
}

fn base(kafka: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &kafka.bootstrap_servers)
        .set("socket.connection.setup.timeout.ms", "10000");
    config
}

/// Settings for publishing tweets: no loss and no duplicates on retry (idempotent, acks=all),
/// lz4 batches for throughput.
pub fn producer_config(kafka: &KafkaSettings) -> ClientConfig {
    let mut config = base(kafka);
    config
        .set("client.id", "trends-producer")
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("compression.type", "lz4")
        .set("linger.ms", "10")
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
        .set("max.partition.fetch.bytes", "16777216")
        .set("fetch.wait.max.ms", "50");
    with_user_properties(config, kafka)
}

/// The broker or librdkafka error code, including the one inside an admin-operation error
/// (which `KafkaError::rdkafka_error_code` does not look into).
fn admin_error_code(error: &KafkaError) -> Option<RDKafkaErrorCode> {
    match error {
        KafkaError::AdminOp(code) => Some(*code),
        other => other.rdkafka_error_code(),
    }
}

/// Creates `kafka.topic` with the configured partitions unless it already exists: some brokers
/// (and production clusters) do not auto-create topics.
pub async fn ensure_topic(kafka: &KafkaSettings) -> Result<(), KafkaSetupError> {
    let admin: AdminClient<DefaultClientContext> = with_user_properties(base(kafka), kafka)
        .create()
        .map_err(KafkaSetupError::Client)?;
    let topic = NewTopic::new(
        &kafka.topic,
        kafka.partitions,
        TopicReplication::Fixed(kafka.replication_factor),
    );
    let options = AdminOptions::new()
        .request_timeout(Some(SETUP_TIMEOUT))
        .operation_timeout(Some(SETUP_TIMEOUT));
    let failed = |source: KafkaError| match admin_error_code(&source) {
        Some(RDKafkaErrorCode::OperationTimedOut | RDKafkaErrorCode::RequestTimedOut) => {
            KafkaSetupError::Unreachable {
                bootstrap: kafka.bootstrap_servers.clone(),
            }
        }
        _ => KafkaSetupError::CreateTopic {
            topic: kafka.topic.clone(),
            bootstrap: kafka.bootstrap_servers.clone(),
            source,
        },
    };
    let results = admin
        .create_topics([&topic], &options)
        .await
        .map_err(failed)?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(failed(KafkaError::AdminOp(code))),
        }
    }
    Ok(())
}
