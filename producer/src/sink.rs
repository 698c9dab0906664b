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

use common::kafka::{flush_promptly, producer_config, send_waiting};
use common::settings::KafkaSettings;
use model::report::Report;

use crate::publish::resume::{Position, Progress};
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
    /// How far the input is safely delivered (every record before it acknowledged), when the
    /// sink knows.
    fn resume_point(&self) -> Option<Position> {
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
    #[error(
        "the producer publishes to one topic, not {0:?} (only the consumer's --topic takes a list)"
    )]
    SeveralTopics(String),
}

/// A producer that cannot be created is a bad setting (usually a pass-through property); the
/// rest happens at runtime.
impl common::exit::ExitReason for SinkError {
    fn exit_code(&self) -> i32 {
        match self {
            SinkError::Create(_) | SinkError::SeveralTopics(_) => common::exit::USAGE,
            SinkError::Produce(_) | SinkError::Stdout(_) => common::exit::FAILURE,
        }
    }
}

/// Delivery reports of the tweets, counted.
#[derive(Default)]
struct Counts {
    delivered: u64,
    failed: u64,
}

/// The producer's context: its delivery reports feed the [`Counts`] and the run's [`Progress`]
/// (which input positions are acknowledged).
struct TrackingContext {
    counts: Mutex<Counts>,
    progress: Progress,
}

impl TrackingContext {
    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientContext for TrackingContext {}

impl ProducerContext for TrackingContext {
    /// The input position of the record, when it has one.
    type DeliveryOpaque = Box<Option<Position>>;

    fn delivery(&self, result: &DeliveryResult<'_>, position: Box<Option<Position>>) {
        match result {
            Ok(_) => {
                self.counts().delivered += 1;
                if let Some(position) = *position {
                    self.progress.get().acked(position);
                }
            }
            Err((error, message)) => {
                let key = message.key().map(String::from_utf8_lossy);
                warn!(error = %Report(error), key = key.as_deref().unwrap_or(""), "tweet not delivered");
                self.counts().failed += 1;
            }
        }
    }
}

/// Which time a record's Kafka timestamp carries. The consumer reads event time from the post
/// itself either way; the stamp is for retention and for seeking by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// When it was published. Archives and sources whose dates can be old: stamped with them,
    /// the broker ages the producer's state by them and a batch retried across a broker
    /// restart was written twice (docs/src/operations.md#kafka-producer-state-expiry).
    Published,
    /// Its event time ([`Record::timestamp_ms`]), for a source whose event times are never far
    /// in the past: Bluesky's are clamped to at most minutes before Jetstream saw the post, and a
    /// resume reaches back at most Jetstream's replay horizon. A post written twice there is
    /// counted once by the consumer, as any resume's overlap is.
    EventTime,
}

/// The Kafka settings of a run that publishes to `topic`: one topic, where the consumer's
/// `--topic` may list several.
pub(crate) fn publishing_to(
    kafka: &KafkaSettings,
    topic: &str,
) -> Result<KafkaSettings, SinkError> {
    if topic.contains(',') {
        return Err(SinkError::SeveralTopics(topic.to_owned()));
    }
    Ok(KafkaSettings {
        topic: topic.to_owned(),
        ..kafka.clone()
    })
}

/// Publishes to Kafka with an idempotent producer; counts broker acknowledgements and knows
/// which input positions are safely in the topic.
pub(crate) struct KafkaSink {
    producer: ThreadedProducer<TrackingContext>,
    topic: String,
    stamp: Stamp,
}

impl KafkaSink {
    /// Connects lazily; the topic must exist (see `common::kafka::ensure_topic`). Delivery
    /// reports go to `progress`; records are stamped as `stamp` says.
    pub(crate) fn new(
        kafka: &KafkaSettings,
        progress: Progress,
        stamp: Stamp,
    ) -> Result<Self, SinkError> {
        let context = TrackingContext {
            counts: Mutex::default(),
            progress,
        };
        let producer = producer_config(kafka)
            .create_with_context(context)
            .map_err(SinkError::Create)?;
        Ok(KafkaSink {
            producer,
            topic: kafka.topic.clone(),
            stamp,
        })
    }
}

impl TweetSink for KafkaSink {
    fn send(&mut self, record: &Record) -> Result<(), SinkError> {
        let mut message = BaseRecord::with_opaque_to(&self.topic, Box::new(record.position))
            .key(record.key.as_bytes())
            .payload(record.payload.as_slice());
        if self.stamp == Stamp::EventTime {
            message = message.timestamp(record.timestamp_ms);
        }
        if let Some(position) = record.position {
            self.producer.context().progress.get().sent(position);
        }
        send_waiting(&self.producer, message).map_err(SinkError::Produce)
    }

    /// Left out of the topic; the resume point may pass it.
    fn notice(&mut self, notice: &Notice) -> Result<bool, SinkError> {
        if let Some(position) = notice.position {
            self.producer.context().progress.get().passed(position);
        }
        Ok(false)
    }

    fn finish(&mut self, timeout: Duration) -> Result<(u64, u64), SinkError> {
        if let Err(error) = flush_promptly(&self.producer, timeout) {
            warn!(error = %Report(&error), "not every tweet was acknowledged before the flush timeout");
        }
        let counts = self.producer.context().counts();
        Ok((counts.delivered, counts.failed))
    }

    fn resume_point(&self) -> Option<Position> {
        self.producer.context().progress.get().resume_point()
    }
}

/// Writes each tweet's JSON as one line.
pub(crate) struct StdoutSink<W: Write> {
    out: W,
    written: u64,
    /// What is written counts as acknowledged, so a source that reconnects resumes after it.
    progress: Progress,
}

impl<W: Write> StdoutSink<W> {
    /// Wraps a writer (normally a buffered stdout); what it writes is reported to `progress`.
    pub(crate) fn new(out: W, progress: Progress) -> Self {
        StdoutSink {
            out,
            written: 0,
            progress,
        }
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
        if let Some(position) = record.position {
            let mut progress = self.progress.get();
            progress.sent(position);
            progress.acked(position);
        }
        Ok(())
    }

    /// Written out like the tweets: a stream saved to a file keeps its notices, as a recording
    /// of the live stream would.
    fn notice(&mut self, notice: &Notice) -> Result<bool, SinkError> {
        self.write_line(&notice.payload)?;
        if let Some(position) = notice.position {
            self.progress.get().passed(position);
        }
        Ok(true)
    }

    fn finish(&mut self, _timeout: Duration) -> Result<(u64, u64), SinkError> {
        self.out.flush().map_err(SinkError::Stdout)?;
        Ok((self.written, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_topics_is_refused_naming_it() {
        let kafka = common::settings::Settings::load(None, &[]).unwrap().kafka;
        let error = publishing_to(&kafka, "raw-twitter,raw-bluesky").expect_err("refused");
        assert!(matches!(&error, SinkError::SeveralTopics(t) if t == "raw-twitter,raw-bluesky"));
        assert!(error.to_string().contains("\"raw-twitter,raw-bluesky\""));
        assert_eq!(
            publishing_to(&kafka, "raw-bluesky").unwrap().topic,
            "raw-bluesky"
        );
    }
}
