//! Creating the topics a binary needs, and the setup failures that reports.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::config::admin_config;
use super::transient::admin_error_code;
use super::SETUP_TIMEOUT;
use crate::exit;
use crate::settings::KafkaSettings;

/// A failure talking to the cluster during setup.
#[derive(Debug, thiserror::Error)]
pub enum KafkaSetupError {
    /// librdkafka rejected a property (usually a pass-through one); its message is the source.
    #[error("invalid Kafka client settings")]
    Client(#[source] KafkaError),
    /// No answer from the brokers within [`SETUP_TIMEOUT`].
    #[error("cannot reach Kafka at {bootstrap} within {}s (is the broker running?)", SETUP_TIMEOUT.as_secs())]
    Unreachable { bootstrap: String },
    /// The cluster answered but refused to create the topic.
    #[error("cannot create topic `{topic}` on {bootstrap}")]
    CreateTopic {
        topic: String,
        bootstrap: String,
        source: KafkaError,
    },
}

/// Bad settings are a configuration error; the rest is the cluster's.
impl exit::ExitReason for KafkaSetupError {
    fn exit_code(&self) -> i32 {
        match self {
            KafkaSetupError::Client(_) => exit::USAGE,
            KafkaSetupError::Unreachable { .. } | KafkaSetupError::CreateTopic { .. } => {
                exit::KAFKA
            }
        }
    }
}

/// A topic a binary needs, created when missing.
#[derive(Debug, Clone)]
pub struct TopicSpec<'a> {
    pub name: &'a str,
    pub partitions: i32,
    /// Topic configuration, e.g. `cleanup.policy=compact`.
    pub config: &'a [(&'a str, &'a str)],
}

impl<'a> TopicSpec<'a> {
    /// The raw tweets topic as configured.
    pub fn raw(kafka: &'a KafkaSettings) -> Self {
        TopicSpec {
            name: &kafka.topic,
            partitions: kafka.partitions,
            config: &[],
        }
    }
}

/// Creates `kafka.topic` with the configured partitions unless it already exists: some brokers
/// (and production clusters) do not auto-create topics.
pub async fn ensure_topic(kafka: &KafkaSettings) -> Result<(), KafkaSetupError> {
    ensure_topics(kafka, &[TopicSpec::raw(kafka)]).await
}

/// Creates each of `topics` that does not exist yet.
pub async fn ensure_topics(
    kafka: &KafkaSettings,
    topics: &[TopicSpec<'_>],
) -> Result<(), KafkaSetupError> {
    let admin: AdminClient<DefaultClientContext> = admin_config(kafka)
        .create()
        .map_err(KafkaSetupError::Client)?;
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|t| {
            let mut topic = NewTopic::new(
                t.name,
                t.partitions,
                TopicReplication::Fixed(kafka.replication_factor),
            );
            for (key, value) in t.config {
                topic = topic.set(key, value);
            }
            topic
        })
        .collect();
    let options = AdminOptions::new()
        .request_timeout(Some(SETUP_TIMEOUT))
        .operation_timeout(Some(SETUP_TIMEOUT));
    let failed = |topic: &str, source: KafkaError| match admin_error_code(&source) {
        Some(RDKafkaErrorCode::OperationTimedOut | RDKafkaErrorCode::RequestTimedOut) => {
            KafkaSetupError::Unreachable {
                bootstrap: kafka.bootstrap_servers.clone(),
            }
        }
        _ => KafkaSetupError::CreateTopic {
            topic: topic.to_owned(),
            bootstrap: kafka.bootstrap_servers.clone(),
            source,
        },
    };
    let results = admin
        .create_topics(&new, &options)
        .await
        .map_err(|e| failed(topics.first().map_or("", |t| t.name), e))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => return Err(failed(&topic, KafkaError::AdminOp(code))),
        }
    }
    Ok(())
}
