//! Feeds the HTTP view from the result topic: its own consumer, in no group, reading every
//! partition, so every instance serves the same merged results whichever member merges. On
//! start it reads back what was published within `consumer.http_lookback` (by record time),
//! then follows the topic. It asks the broker where that time begins, and skips older records
//! either way (Tansu: docs/src/operations.md#tansu-offsets-by-time).

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use common::kafka::{Reader, SETUP_TIMEOUT};
use common::shutdown::Shutdown;
use model::report::Report;

use crate::serve::results_view::ResultsView;

/// Records applied under one lock of the view, so that catching up does not notify listeners
/// once per record.
const BATCH: usize = 1000;

/// How long the reader waits before starting over after a failure.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Why the result topic could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    /// librdkafka rejected the client settings.
    #[error("cannot create the result-topic reader")]
    Client(#[source] KafkaError),
    /// The cluster did not describe the topic.
    #[error("cannot find the partitions of {topic}")]
    Metadata {
        topic: String,
        #[source]
        source: KafkaError,
    },
    /// The topic does not exist (yet).
    #[error("topic {0} has no partitions")]
    NoPartitions(String),
    /// The partitions' ends or the offsets for the lookback could not be looked up.
    #[error("cannot find where to start reading {topic}")]
    Start {
        topic: String,
        #[source]
        source: KafkaError,
    },
}

/// How the reader is doing, for `/healthz`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReaderStatus {
    /// Every partition has been read to its end at least once.
    pub(crate) caught_up: bool,
    /// The last failure, until reading works again.
    pub(crate) error: Option<String>,
}

/// The view shared by the reader thread and the HTTP server, with a change counter that
/// live streams wait on.
#[derive(Debug)]
pub(crate) struct LiveView {
    view: Mutex<ResultsView>,
    status: Mutex<ReaderStatus>,
    changes: watch::Sender<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl LiveView {
    /// An empty view keeping `history` closed windows per window definition.
    pub(crate) fn new(history: usize) -> Self {
        LiveView {
            view: Mutex::new(ResultsView::new(history)),
            status: Mutex::new(ReaderStatus::default()),
            changes: watch::Sender::new(0),
        }
    }

    /// The view, locked: hold it briefly.
    pub(crate) fn view(&self) -> MutexGuard<'_, ResultsView> {
        lock(&self.view)
    }

    /// The reader's status.
    pub(crate) fn status(&self) -> ReaderStatus {
        lock(&self.status).clone()
    }

    /// A receiver that wakes whenever the view changed.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    fn set_status(&self, update: impl FnOnce(&mut ReaderStatus)) {
        update(&mut lock(&self.status));
    }
}

/// Reads `topic` into `live` until `stop` is triggered, starting over after failures (reported
/// in the status and the log).
pub(crate) fn run(
    config: &ClientConfig,
    topic: &str,
    lookback: Duration,
    live: &LiveView,
    stop: &Shutdown,
) {
    while !stop.is_triggered() {
        match follow(config, topic, lookback, live, stop) {
            Ok(()) => return,
            Err(error) => {
                warn!(error = %Report(&error), "the HTTP view cannot read the result topic; retrying");
                live.set_status(|s| s.error = Some(Report(&error).to_string()));
                stop.sleep(RETRY_AFTER);
            }
        }
    }
}

fn follow(
    config: &ClientConfig,
    topic: &str,
    lookback: Duration,
    live: &LiveView,
    stop: &Shutdown,
) -> Result<(), ReadError> {
    let reading = Reading::start(config, topic, lookback)?;
    live.set_status(|s| s.error = None);
    let mut at_end = BTreeSet::new();
    while !stop.is_triggered() {
        reading.apply_batch(live, &mut at_end);
    }
    Ok(())
}

/// A reader of the result topic, assigned every partition from the lookback's start.
struct Reading {
    consumer: BaseConsumer<Reader>,
    /// Records published before this (epoch milliseconds) are skipped.
    since_ms: i64,
    partitions: usize,
}

impl Reading {
    fn start(config: &ClientConfig, topic: &str, lookback: Duration) -> Result<Self, ReadError> {
        let consumer: BaseConsumer<Reader> = config
            .create_with_context(Reader)
            .map_err(ReadError::Client)?;
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let since_ms = now_ms.saturating_sub(lookback.as_millis().try_into().unwrap_or(i64::MAX));
        let start = start_positions(&consumer, topic, since_ms)?;
        let offsets: Vec<String> = start
            .elements()
            .iter()
            .map(|e| format!("{}:{:?}", e.partition(), e.offset()))
            .collect();
        consumer.assign(&start).map_err(|source| ReadError::Start {
            topic: topic.to_owned(),
            source,
        })?;
        let partitions = start.count();
        info!(
            topic,
            partitions,
            lookback_secs = lookback.as_secs(),
            ?offsets,
            "HTTP view reading the result topic"
        );
        Ok(Reading {
            consumer,
            since_ms,
            partitions,
        })
    }

    /// Applies up to [`BATCH`] records under one lock of the view (waiting up to 100 ms for the
    /// first), notes which partitions are read to their end (all: caught up), and tells
    /// listeners of a change.
    fn apply_batch(&self, live: &LiveView, at_end: &mut BTreeSet<i32>) {
        let mut next = self.consumer.poll(Duration::from_millis(100));
        let mut changed = false;
        let mut view = live.view();
        let mut applied = 0;
        while let Some(result) = next {
            match result {
                Ok(m) => {
                    if m.timestamp().to_millis().is_none_or(|t| t >= self.since_ms) {
                        changed |= view.apply(m.payload());
                    }
                    at_end.remove(&m.partition());
                }
                Err(KafkaError::PartitionEOF(p)) => {
                    at_end.insert(p);
                }
                Err(error) => debug!(error = %Report(&error), "result reader error"),
            }
            applied += 1;
            if applied >= BATCH {
                break;
            }
            next = self.consumer.poll(Duration::ZERO);
        }
        drop(view);
        if at_end.len() == self.partitions {
            live.set_status(|s| s.caught_up = true);
        }
        if changed {
            live.changed();
        }
    }
}

/// Every partition of `topic`, each at its first record published since `since_ms`, or at its
/// current end when it has none.
fn start_positions(
    consumer: &BaseConsumer<Reader>,
    topic: &str,
    since_ms: i64,
) -> Result<TopicPartitionList, ReadError> {
    let start_error = |source| ReadError::Start {
        topic: topic.to_owned(),
        source,
    };
    let ids = partition_ids(consumer, topic)?;
    // Ends first: a record published after this is read either way.
    let mut ends = Vec::with_capacity(ids.len());
    for &p in &ids {
        let (_, high) = consumer
            .fetch_watermarks(topic, p, SETUP_TIMEOUT)
            .map_err(start_error)?;
        ends.push(high);
    }
    let found = first_since(consumer, topic, &ids, since_ms).map_err(start_error)?;
    let mut start = TopicPartitionList::new();
    for (&p, &end) in ids.iter().zip(&ends) {
        let offset = match found.find_partition(topic, p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) => Offset::Offset(o.min(end)),
            Some(Offset::Beginning) => Offset::Beginning,
            // No record that recent.
            _ => Offset::Offset(end),
        };
        start
            .add_partition_offset(topic, p, offset)
            .map_err(start_error)?;
    }
    Ok(start)
}

/// The ids of `topic`'s partitions; an error when it has none.
fn partition_ids(consumer: &BaseConsumer<Reader>, topic: &str) -> Result<Vec<i32>, ReadError> {
    let metadata = consumer
        .fetch_metadata(Some(topic), SETUP_TIMEOUT)
        .map_err(|source| ReadError::Metadata {
            topic: topic.to_owned(),
            source,
        })?;
    let ids: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if ids.is_empty() {
        return Err(ReadError::NoPartitions(topic.to_owned()));
    }
    Ok(ids)
}

/// Each partition's first offset at or after `since_ms`, as the broker looks it up by time
/// (every partition from its beginning when `since_ms` is not positive).
fn first_since(
    consumer: &BaseConsumer<Reader>,
    topic: &str,
    ids: &[i32],
    since_ms: i64,
) -> KafkaResult<TopicPartitionList> {
    let at = if since_ms > 0 {
        Offset::Offset(since_ms)
    } else {
        Offset::Beginning
    };
    let mut query = TopicPartitionList::new();
    for &p in ids {
        query.add_partition_offset(topic, p, at)?;
    }
    if since_ms > 0 {
        consumer.offsets_for_times(query, SETUP_TIMEOUT)
    } else {
        Ok(query)
    }
}
