//! Where the producer sends tweets: Kafka (the pipeline) or stdout (to save generated or
//! filtered tweets as a JSON-lines file).

use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use tracing::warn;

use common::kafka::{producer_config, send_waiting};
use common::settings::KafkaSettings;
use model::report::Report;

use crate::publish::resume::Acked;
use crate::source::notice::Notice;
use crate::source::Record;

/// A destination for tweets.
pub(crate) trait TweetSink {
    /// Hands one tweet over; an error here is fatal for the run.
    fn send(&mut self, record: &Record) -> Result<(), SinkError>;
    /// Offers a stream notice; returns whether the sink wrote it. By default it is left out:
    /// the pipeline's topic holds tweets only.
    fn notice(&mut self, _notice: &Notice) -> Result<bool, SinkError> {
        Ok(false)
    }
    /// Waits up to `timeout` for everything sent to be acknowledged; returns (delivered, failed).
    fn finish(&mut self, timeout: Duration) -> Result<(u64, u64), SinkError>;
    /// The input line up to which every tweet is safely delivered, when the sink knows.
    fn resume_after(&self) -> Option<u64> {
        None
    }
}

/// A sink that cannot go on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SinkError {
    #[error("cannot create Kafka producer")]
    Create(#[source] KafkaError),
    #[error("Kafka producer error")]
    Produce(#[source] KafkaError),
    #[error("cannot write to stdout")]
    Stdout(#[source] io::Error),
}

/// A producer that cannot be created is a bad setting (usually a pass-through property); the
/// rest happens at runtime.
impl common::exit::ExitReason for SinkError {
    fn exit_code(&self) -> i32 {
        match self {
            SinkError::Create(_) => common::exit::USAGE,
            SinkError::Produce(_) | SinkError::Stdout(_) => common::exit::FAILURE,
        }
    }
}

/// Delivery reports of the tweets: counts, and which input lines are acknowledged.
#[derive(Default)]
struct Tracking {
    delivered: u64,
    failed: u64,
    lines: Acked,
}

/// The producer's context: its delivery reports feed [`Tracking`].
#[derive(Default)]
struct TrackingContext(Mutex<Tracking>);

impl TrackingContext {
    fn get(&self) -> MutexGuard<'_, Tracking> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientContext for TrackingContext {}

impl ProducerContext for TrackingContext {
    /// The input line of the tweet (0 when it has none).
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, line: usize) {
        let mut tracking = self.get();
        match result {
            Ok(_) => {
                tracking.delivered += 1;
                if line > 0 {
                    tracking.lines.acked(line as u64);
                }
            }
            Err((error, message)) => {
                let key = message.key().map(String::from_utf8_lossy);
                warn!(error = %Report(error), key = key.as_deref().unwrap_or(""), "tweet not delivered");
                tracking.failed += 1;
            }
        }
    }
}

/// Publishes to Kafka with an idempotent producer; counts broker acknowledgements and knows
/// which input lines are safely in the topic.
///
/// Records carry the time they were published as their Kafka timestamp, not the tweet's
/// `created_at` (the consumer reads event time from the tweet itself), so that a retried batch
/// is not written twice: docs/src/operations.md#kafka-producer-state-expiry.
pub(crate) struct KafkaSink {
    producer: ThreadedProducer<TrackingContext>,
    topic: String,
}

impl KafkaSink {
    /// Connects lazily; the topic must exist (see `common::kafka::ensure_topic`).
    pub(crate) fn new(kafka: &KafkaSettings) -> Result<Self, SinkError> {
        let producer = producer_config(kafka)
            .create_with_context(TrackingContext::default())
            .map_err(SinkError::Create)?;
        Ok(KafkaSink {
            producer,
            topic: kafka.topic.clone(),
        })
    }
}

impl TweetSink for KafkaSink {
    fn send(&mut self, record: &Record) -> Result<(), SinkError> {
        let line = record.line.unwrap_or(0);
        let message = BaseRecord::with_opaque_to(&self.topic, line as usize)
            .key(record.key.as_bytes())
            .payload(record.payload.as_slice());
        if line > 0 {
            self.producer.context().get().lines.sent(line);
        }
        send_waiting(&self.producer, message).map_err(SinkError::Produce)
    }

    fn finish(&mut self, timeout: Duration) -> Result<(u64, u64), SinkError> {
        if let Err(error) = self.producer.flush(timeout) {
            warn!(error = %Report(&error), "not every tweet was acknowledged before the flush timeout");
        }
        let tracking = self.producer.context().get();
        Ok((tracking.delivered, tracking.failed))
    }

    fn resume_after(&self) -> Option<u64> {
        Some(self.producer.context().get().lines.resume_after())
    }
}

/// Writes each tweet's JSON as one line.
pub(crate) struct StdoutSink<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> StdoutSink<W> {
    /// Wraps a writer (normally a buffered stdout).
    pub(crate) fn new(out: W) -> Self {
        StdoutSink { out, written: 0 }
    }
}

impl<W: Write> StdoutSink<W> {
    fn write_line(&mut self, payload: &[u8]) -> Result<(), SinkError> {
        self.out
            .write_all(payload)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(SinkError::Stdout)
    }
}

impl<W: Write> TweetSink for StdoutSink<W> {
    fn send(&mut self, record: &Record) -> Result<(), SinkError> {
        self.write_line(&record.payload)?;
        self.written += 1;
        Ok(())
    }

    /// Written out like the tweets: a stream saved to a file keeps its notices, as a recording
    /// of the live stream would.
    fn notice(&mut self, notice: &Notice) -> Result<bool, SinkError> {
        self.write_line(&notice.payload)?;
        Ok(true)
    }

    fn finish(&mut self, _timeout: Duration) -> Result<(u64, u64), SinkError> {
        self.out.flush().map_err(SinkError::Stdout)?;
        Ok((self.written, 0))
    }
}
