//! Reading a topic to its end without a group, the one implementation of it in the workspace
//! (the consumer's restore of cumulative totals, the end-to-end tests' readers), and the client
//! context such readers share.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};
use tracing::warn;

use super::{is_transient, retry_transient, SETUP_TIMEOUT};
use model::report::Report;

/// The poll loops handle end-of-partition, so only client-level problems are logged
/// (docs/src/operations.md#librdkafka-consumer-errors-reported-twice).
pub fn log_client_error(error: &KafkaError, reason: &str) {
    if error.rdkafka_error_code() != Some(RDKafkaErrorCode::PartitionEOF) {
        warn!(error = %Report(error), reason, "Kafka client error");
    }
}

/// The context of the clients that read a topic to its end ([`read_topic`]'s reader, the live
/// view's result reader): end-of-partition is how they know they caught up, no error, and
/// librdkafka's default context would log each one.
pub struct Reader;

impl ClientContext for Reader {
    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }
}

impl ConsumerContext for Reader {}

/// Why a topic could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    #[error("timed out reading {topic}")]
    TimedOut { topic: String },
}

/// Reads every keyed record with a value of `topic` from the beginning to its current end,
/// oldest first per partition, handing `each` its key (as lossy text) and value; the
/// consumer's restore of cumulative totals needs no more. Returns how many records were read,
/// counting the skipped ones. Gives up after 120 s: a rebalance after a node restarts can
/// bring the merge stage here before the cluster serves again.
pub fn read_topic(
    config: &ClientConfig,
    topic: &str,
    mut each: impl FnMut(&str, &[u8]),
) -> Result<u64, ReadError> {
    let deadline = Instant::now() + Duration::from_secs(120);
    read_messages(config, topic, deadline, |m| {
        if let (Some(key), Some(value)) = (m.key(), m.payload()) {
            each(&String::from_utf8_lossy(key), value);
        }
    })
}

/// Reads every record of `topic` from the beginning to its current end, oldest first per
/// partition, handing `each` the whole message: readers that check more than keys and values
/// (headers, timestamps, partitions and offsets, records without a key) share this one way of
/// reading to the end. Transient errors are waited out until `deadline`, which bounds the
/// whole read. Returns how many records were read.
///
/// `config` needs no group (the partitions are assigned, nothing is committed), but should
/// set `enable.partition.eof`: a partition whose last offsets hold no record (compacted away,
/// or transaction markers) is otherwise never known to be read, and the read times out.
pub fn read_messages(
    config: &ClientConfig,
    topic: &str,
    deadline: Instant,
    each: impl FnMut(&BorrowedMessage<'_>),
) -> Result<u64, ReadError> {
    let reader: BaseConsumer<Reader> = config.create_with_context(Reader)?;
    let (partitions, ends) = partitions_to_read(&reader, topic, deadline)?;
    if ends.is_empty() {
        return Ok(0);
    }
    reader.assign(&partitions)?;
    read_to_ends(&reader, topic, ends, deadline, each)
}

/// The partitions of `topic` that hold records now, each from its beginning, and where each
/// ends (its high watermark) at this moment: what "to its current end" means.
fn partitions_to_read(
    reader: &BaseConsumer<Reader>,
    topic: &str,
    deadline: Instant,
) -> Result<(TopicPartitionList, HashMap<i32, i64>), ReadError> {
    let metadata = retry_transient(deadline, || {
        reader.fetch_metadata(Some(topic), SETUP_TIMEOUT)
    })?;
    let mut partitions = TopicPartitionList::new();
    let mut ends = HashMap::new();
    for p in metadata.topics().iter().flat_map(|t| t.partitions()) {
        let (low, high) = retry_transient(deadline, || {
            reader.fetch_watermarks(topic, p.id(), SETUP_TIMEOUT)
        })?;
        if high > low {
            partitions.add_partition_offset(topic, p.id(), Offset::Beginning)?;
            ends.insert(p.id(), high);
        }
    }
    Ok((partitions, ends))
}

/// Polls the assigned partitions until each has been read to its end (its last record, or
/// end of partition), handing every record to `each`.
fn read_to_ends(
    reader: &BaseConsumer<Reader>,
    topic: &str,
    mut ends: HashMap<i32, i64>,
    deadline: Instant,
    mut each: impl FnMut(&BorrowedMessage<'_>),
) -> Result<u64, ReadError> {
    let mut read = 0;
    while !ends.is_empty() {
        if Instant::now() > deadline {
            return Err(ReadError::TimedOut {
                topic: topic.to_owned(),
            });
        }
        match reader.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                read += 1;
                each(&m);
                if ends
                    .get(&m.partition())
                    .is_some_and(|&end| m.offset() + 1 >= end)
                {
                    ends.remove(&m.partition());
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                ends.remove(&p);
            }
            // librdkafka retries; the deadline bounds the wait.
            Some(Err(e)) if is_transient(&e) => {}
            Some(Err(e)) => return Err(e.into()),
            None => {}
        }
    }
    Ok(read)
}
