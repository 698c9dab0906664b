//! Where the producer sends tweets: Kafka (the pipeline) or stdout (to save generated or
//! filtered tweets as a JSON-lines file).

use std::io::{self, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseRecord, Producer};
use tracing::warn;

use common::kafka::{
    counting_producer, producer_config, send_waiting, CountingProducer, Deliveries,
};
use common::settings::KafkaSettings;

use crate::source::Record;

/// A destination for tweets.
pub trait TweetSink {
    /// Hands one tweet over; an error here is fatal for the run.
    fn send(&mut self, record: &Record) -> Result<(), SinkError>;
    /// Waits up to `timeout` for everything sent to be acknowledged; returns (delivered, failed).
    fn finish(&mut self, timeout: Duration) -> Result<(u64, u64), SinkError>;
}

/// A sink that cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot create Kafka producer: {0}")]
    Create(KafkaError),
    #[error("Kafka producer error: {0}")]
    Produce(KafkaError),
    #[error("cannot write to stdout: {0}")]
    Stdout(io::Error),
}

/// Publishes to Kafka with an idempotent producer; counts broker acknowledgements.
pub struct KafkaSink {
    producer: CountingProducer,
    topic: String,
    deliveries: Arc<Deliveries>,
}

impl KafkaSink {
    /// Connects lazily; the topic must exist (see `common::kafka::ensure_topic`).
    pub fn new(kafka: &KafkaSettings) -> Result<Self, SinkError> {
        let (producer, deliveries) =
            counting_producer(&producer_config(kafka)).map_err(SinkError::Create)?;
        Ok(KafkaSink {
            producer,
            topic: kafka.topic.clone(),
            deliveries,
        })
    }
}

impl TweetSink for KafkaSink {
    fn send(&mut self, record: &Record) -> Result<(), SinkError> {
        let message = BaseRecord::to(&self.topic)
            .key(record.key.as_bytes())
            .payload(record.payload.as_slice())
            .timestamp(record.timestamp_ms);
        send_waiting(&self.producer, message).map_err(SinkError::Produce)
    }

    fn finish(&mut self, timeout: Duration) -> Result<(u64, u64), SinkError> {
        if let Err(error) = self.producer.flush(timeout) {
            warn!(%error, "not every tweet was acknowledged before the flush timeout");
        }
        Ok((
            self.deliveries.delivered.load(Ordering::Relaxed),
            self.deliveries.failed.load(Ordering::Relaxed),
        ))
    }
}

/// Writes each tweet's JSON as one line.
pub struct StdoutSink<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> StdoutSink<W> {
    /// Wraps a writer (normally a buffered stdout).
    pub fn new(out: W) -> Self {
        StdoutSink { out, written: 0 }
    }
}

impl<W: Write> TweetSink for StdoutSink<W> {
    fn send(&mut self, record: &Record) -> Result<(), SinkError> {
        self.out
            .write_all(&record.payload)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(SinkError::Stdout)?;
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, _timeout: Duration) -> Result<(u64, u64), SinkError> {
        self.out.flush().map_err(SinkError::Stdout)?;
        Ok((self.written, 0))
    }
}
