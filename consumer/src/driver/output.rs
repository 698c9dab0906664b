//! Where the stages' output goes (partials, results and dead letters to Kafka; tables and the
//! counts file to this machine) and the wait that makes it durable before a commit.

use std::collections::BTreeMap;
use std::io::Stdout;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::BaseRecord;
use rdkafka::ClientConfig;
use tracing::warn;

use common::kafka::{flush, read_topic, send_waiting, CountingProducer, Deliveries};
use model::report::Report;

use crate::driver::checkpoint::CheckpointStore;
use crate::driver::sink::Sink;
use crate::engine::count::Rejection;
use crate::engine::partial::PartialMessage;
use crate::output::records::Published;

/// Dead-lettered payloads are cut to this size, below Kafka's default 1 MB message limit, so an
/// oversized message cannot block the commits behind it; `dlq.truncated_from` gives its size.
const DLQ_MAX_BYTES: usize = 900_000;

/// What the stages write and read besides their own state: the one seam between their
/// decisions and Kafka, so that those decisions can be tested without a broker.
pub(super) trait StageIo {
    /// Sends the counting stage's messages to the partials topic.
    fn send_partials(&mut self, messages: Vec<PartialMessage>) -> anyhow::Result<()>;
    /// Sends results, shows tables and appends counts-file lines.
    fn publish(&mut self, published: Published) -> anyhow::Result<()>;
    /// Reads every record of the result topic, oldest first per partition (the merge stage's
    /// restore of cumulative totals); returns how many were read.
    fn read_results(&mut self, each: &mut dyn FnMut(&str, &[u8])) -> anyhow::Result<u64>;
}

/// The topics output goes to.
pub(super) struct OutputTopics {
    pub(super) partials: String,
    pub(super) results: String,
    /// The dead-letter topic of each raw topic.
    pub(super) dlq: BTreeMap<String, String>,
}

/// The output of both stages, owned by the poll loop.
pub(super) struct Output {
    pub(super) producer: CountingProducer,
    pub(super) deliveries: Arc<Deliveries>,
    pub(super) checkpoints: CheckpointStore,
    pub(super) topics: OutputTopics,
    pub(super) sink: Sink<Stdout>,
    /// How the result topic is read back (no group, from the beginning).
    pub(super) reader_config: ClientConfig,
}

/// Why output is not durable yet.
pub(super) enum NotDurable {
    /// Not acknowledged in time (a slow or restarting broker): commit later.
    Pending(anyhow::Error),
    /// Lost (delivery failed for good, or the counts file cannot be written): the run stops and
    /// a restart replays it from the checkpoints.
    Lost(anyhow::Error),
}

impl NotDurable {
    /// The failure of a run that cannot wait any longer.
    pub(super) fn into_error(self) -> anyhow::Error {
        match self {
            NotDurable::Pending(e) => e.context("results were not acknowledged by the broker"),
            NotDurable::Lost(e) => e,
        }
    }
}

impl Output {
    /// Dead-letters a message the counting stage rejected: its original key and bytes (cut to
    /// [`DLQ_MAX_BYTES`]), the reason and its origin in headers. Like every output it is
    /// acknowledged before the checkpoint passes it, so none is lost; after a crash the replay
    /// sends it again (the headers identify duplicates).
    pub(super) fn dead_letter(
        &self,
        m: &BorrowedMessage<'_>,
        rejection: &Rejection,
    ) -> anyhow::Result<()> {
        // The whole reason on one line: a parse error's cause says what exactly is wrong.
        let reason = Report(rejection).to_string();
        warn!(topic = m.topic(), partition = m.partition(), offset = m.offset(), %reason, "rejected message dead-lettered");
        let dlq = self
            .topics
            .dlq
            .get(m.topic())
            .with_context(|| format!("no dead-letter topic for topic {}", m.topic()))?;
        let payload = m.payload().unwrap_or_default();
        let kept = &payload[..payload.len().min(DLQ_MAX_BYTES)];
        let (partition, offset) = (m.partition().to_string(), m.offset().to_string());
        let size = payload.len().to_string();
        let mut headers = OwnedHeaders::new()
            .insert(header("dlq.reason", &reason))
            .insert(header("dlq.topic", m.topic()))
            .insert(header("dlq.partition", &partition))
            .insert(header("dlq.offset", &offset));
        if kept.len() < payload.len() {
            headers = headers.insert(header("dlq.truncated_from", &size));
        }
        let mut record = BaseRecord::<[u8], [u8]>::to(dlq)
            .payload(kept)
            .headers(headers);
        if let Some(key) = m.key() {
            record = record.key(key);
        }
        send_waiting(&self.producer, record).context("cannot send to the dead-letter topic")
    }

    /// Waits up to `budget` until everything sent is acknowledged and the counts file is on disk.
    pub(super) fn make_durable(&mut self, budget: Duration) -> Result<(), NotDurable> {
        let flushed = flush(&self.producer, |step| self.producer.poll(step), budget);
        let failed = self.deliveries.failed.load(Ordering::Relaxed);
        if failed > 0 {
            return Err(NotDurable::Lost(anyhow!(
                "{failed} output messages were not delivered; not committing past them"
            )));
        }
        flushed.map_err(|e| NotDurable::Pending(e.into()))?;
        self.sink
            .flush()
            .context("cannot write the counts file")
            .map_err(NotDurable::Lost)
    }
}

impl StageIo for Output {
    /// The partials topic has one partition, so that one member merges everything.
    fn send_partials(&mut self, messages: Vec<PartialMessage>) -> anyhow::Result<()> {
        for message in messages {
            let key = message.source().to_string();
            let payload = message.encode();
            let record = BaseRecord::to(&self.topics.partials)
                .partition(0)
                .key(key.as_bytes())
                .payload(&payload);
            send_waiting(&self.producer, record).context("cannot send to the partials topic")?;
        }
        Ok(())
    }

    fn publish(&mut self, published: Published) -> anyhow::Result<()> {
        for record in &published.records {
            let message = BaseRecord::to(&self.topics.results)
                .key(record.key.as_bytes())
                .payload(&record.value);
            send_waiting(&self.producer, message).context("cannot send to the result topic")?;
        }
        for table in &published.tables {
            self.sink.table(table);
        }
        for line in &published.lines {
            self.sink
                .line(line)
                .context("cannot write the counts file")?;
        }
        Ok(())
    }

    fn read_results(&mut self, each: &mut dyn FnMut(&str, &[u8])) -> anyhow::Result<u64> {
        Ok(read_topic(&self.reader_config, &self.topics.results, each)?)
    }
}

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a str> {
    Header {
        key,
        value: Some(value),
    }
}
