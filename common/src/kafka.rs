//! Kafka client settings shared by both binaries, and topic creation.
//!
//! Our defaults come first and the user's pass-through properties last, so an operator can
//! override anything (SASL, SSL, tuning) without a code change.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::{Message, ToBytes};
use rdkafka::producer::{BaseRecord, DeliveryResult, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, ClientContext};
use tracing::warn;

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
/// batched for throughput.
///
/// Uncompressed by default, for the local broker: Tansu 0.6 stores records decompressed, and a
/// fetch of a compressed topic re-reads the partition several times over (it charges the fetch
/// budget the compressed size), which made draining a 200,000-tweet lz4 topic 4.7x slower than
/// an uncompressed one; it cannot serve snappy at all. On Apache Kafka, turn lz4 on with
/// `kafka.properties.compression.type` (docker-compose.yml does).
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
        // Kafka honours the per-partition limit; Tansu 0.6 caps a whole response at 5 MB, so
        // fetch.max.bytes (default 50 MB) must not go below that.
        .set("max.partition.fetch.bytes", "16777216")
        // Tansu holds every fetch response for the whole wait even when it has data: with
        // librdkafka's 500 ms default a consumer tops out at about 5 MB per half second, and
        // every wait is paid again on each hop of a live update (raw, partials, results).
        .set("fetch.wait.max.ms", "10");
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

/// Whether `error` is one that librdkafka recovers from by itself, retrying: a broker down or
/// restarting, a partition's leadership or a group's coordinator moving to another node. A
/// client that meets one waits and tries again instead of giving up.
pub fn is_transient(error: &KafkaError) -> bool {
    if matches!(error, KafkaError::MessageConsumptionFatal(_)) {
        return false;
    }
    matches!(
        admin_error_code(error),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::RequestTimedOut
                | RDKafkaErrorCode::NetworkException
                | RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::NotCoordinator
                | RDKafkaErrorCode::CoordinatorNotAvailable
                | RDKafkaErrorCode::CoordinatorLoadInProgress
                | RDKafkaErrorCode::NotEnoughReplicas
                | RDKafkaErrorCode::NotEnoughReplicasAfterAppend
                | RDKafkaErrorCode::FencedLeaderEpoch
                | RDKafkaErrorCode::UnknownLeaderEpoch
                | RDKafkaErrorCode::OffsetNotAvailable
        )
    )
}

/// `request`'s outcome, asked again every 200 ms while it fails with a [transient](is_transient)
/// error and `deadline` has not passed: a metadata or watermark request made while a node
/// restarts, or just after a topic was created, before every node knows its leader.
pub fn retry_transient<T>(
    deadline: Instant,
    mut request: impl FnMut() -> KafkaResult<T>,
) -> KafkaResult<T> {
    loop {
        match request() {
            Err(error) if is_transient(&error) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            outcome => return outcome,
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
    let admin: AdminClient<DefaultClientContext> = with_user_properties(base(kafka), kafka)
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

/// Acknowledgement counts, shared with the delivery callback: a producer knows it lost nothing
/// only when every message it handed over was acknowledged.
#[derive(Debug, Default)]
pub struct Deliveries {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
}

/// A producer context that counts delivery reports and logs failures.
pub struct CountingContext {
    deliveries: Arc<Deliveries>,
}

impl ClientContext for CountingContext {}

impl ProducerContext for CountingContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.deliveries.delivered.fetch_add(1, Ordering::Relaxed),
            Err((error, message)) => {
                let key = message.key().map(String::from_utf8_lossy);
                warn!(%error, topic = message.topic(), key = key.as_deref().unwrap_or(""), "message not delivered");
                self.deliveries.failed.fetch_add(1, Ordering::Relaxed)
            }
        };
    }
}

/// A producer whose deliveries are counted.
pub type CountingProducer = ThreadedProducer<CountingContext>;

/// Creates a producer from `config` and the counters its delivery reports go to.
pub fn counting_producer(
    config: &ClientConfig,
) -> Result<(CountingProducer, Arc<Deliveries>), KafkaError> {
    let deliveries = Arc::new(Deliveries::default());
    let producer = config.create_with_context(CountingContext {
        deliveries: Arc::clone(&deliveries),
    })?;
    Ok((producer, deliveries))
}

/// Hands a message to the producer, waiting while its local queue is full: that wait is the
/// back-pressure that paces a source faster than the broker.
pub fn send_waiting<C, K, P>(
    producer: &ThreadedProducer<C>,
    mut record: BaseRecord<'_, K, P, C::DeliveryOpaque>,
) -> Result<(), KafkaError>
where
    C: ProducerContext,
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((error, _)) => return Err(error),
        }
    }
}
