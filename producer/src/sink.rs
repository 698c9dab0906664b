//! Where the producer sends tweets: Kafka (the pipeline) or stdout (to save generated or
//! filtered tweets as a JSON-lines file).

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use tracing::warn;

use common::kafka::producer_config;
use common::settings::KafkaSettings;

use crate::source::Record;

/// Acknowledgement counts, shared with the delivery callback.
#[derive(Debug, Default)]
pub struct Deliveries {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
}

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

struct CountingContext {
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
                warn!(%error, key = key.as_deref().unwrap_or(""), "tweet not delivered");
                self.deliveries.failed.fetch_add(1, Ordering::Relaxed)
            }
        };
    }
}

/// Publishes to Kafka with an idempotent producer; counts broker acknowledgements.
pub struct KafkaSink {
    producer: ThreadedProducer<CountingContext>,
    topic: String,
    deliveries: Arc<Deliveries>,
}

impl KafkaSink {
    /// Connects lazily; the topic must exist (see `common::kafka::ensure_topic`).
    pub fn new(kafka: &KafkaSettings) -> Result<Self, SinkError> {
        let deliveries = Arc::new(Deliveries::default());
        let producer = producer_config(kafka)
            .create_with_context(CountingContext {
                deliveries: Arc::clone(&deliveries),
            })
            .map_err(SinkError::Create)?;
        Ok(KafkaSink {
            producer,
            topic: kafka.topic.clone(),
            deliveries,
        })
    }
}

impl TweetSink for KafkaSink {
    fn send(&mut self, record: &Record) -> Result<(), SinkError> {
        let mut message = BaseRecord::to(&self.topic)
            .key(record.key.as_bytes())
            .payload(record.payload.as_slice())
            .timestamp(record.timestamp_ms);
        loop {
            match self.producer.send(message) {
                Ok(()) => return Ok(()),
                // The local queue is full: the broker is slower than the source. Wait for room
                // (this is the back-pressure that paces an unthrottled source).
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    message = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((error, _)) => return Err(SinkError::Produce(error)),
            }
        }
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
