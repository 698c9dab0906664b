//! Kafka for both binaries: client settings (`config`), topic creation (`admin`), producing
//! with counted deliveries (`produce`), reading a topic to its end (`read`), and telling transient cluster errors from lasting ones
//! (`transient`). Every item is re-exported here, so callers name `common::kafka::…` whatever
//! file it lives in.

mod admin;
mod config;
mod produce;
mod read;
mod transient;

use std::time::Duration;

pub use admin::{ensure_topic, ensure_topics, KafkaSetupError, TopicSpec};
pub use config::{consumer_config, producer_config, results_producer_config};
pub use produce::{
    counting_producer, flush, send_waiting, CountingContext, CountingProducer, Deliveries,
};
pub use read::{log_client_error, read_messages, read_topic, ReadError, Reader};
pub use transient::{is_transient, retry_transient};

/// How long setup calls wait for the cluster before reporting it unreachable.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(15);
