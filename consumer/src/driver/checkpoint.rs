//! Durable checkpoints: where each partition of each stage resumes (offset) together with the
//! watermark that tells emitted windows from open ones, stored as ONE record so that the two
//! can never be read apart.
//!
//! Resuming is exact from any checkpoint whose offset and watermark were taken together, however
//! old (the replay is longer, and what it emits again is identical); a newer offset with an
//! older watermark would re-emit windows from part of their input. Two separately stored
//! numbers (a committed offset and a watermark kept elsewhere) can be read in that combination
//! when one of the stores answers with an older value, so each checkpoint is one record of the
//! compacted topic `<group>-checkpoints`, and the companion group `<group>.checkpoints` holds,
//! as its committed offset for each stage partition, the position of that partition's latest
//! record: a pointer. A stale pointer leads to an older record of the same partition, which is
//! still a consistent pair; so does a pointer whose record compaction removed, because the first
//! record of that key after it is a newer one.
//!
//! The stage groups' own committed offsets follow the checkpoints, for lag tools only.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};

use common::kafka::{flush, is_transient, SETUP_TIMEOUT};

use crate::engine::inputs::Input;
use crate::engine::window::Checkpoint;

/// A failure to read or write checkpoints.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("Kafka")]
    Kafka(#[from] KafkaError),
    /// The broker refused the record.
    #[error("checkpoint record {key} was not acknowledged")]
    NotDelivered {
        key: String,
        #[source]
        source: KafkaError,
    },
    /// The flush ended without a delivery report of the record.
    #[error("checkpoint record {key} was not acknowledged: no delivery report")]
    NoReport { key: String },
    #[error("no checkpoint record of {key} at or after offset {pointer} of {topic} within {}s", SETUP_TIMEOUT.as_secs())]
    Missing {
        key: String,
        pointer: i64,
        topic: String,
    },
    #[error("checkpoint record at offset {offset} of {topic} is unreadable")]
    Unreadable {
        offset: i64,
        topic: String,
        #[source]
        source: Unreadable,
    },
    #[error("the checkpoints topic {topic} did not answer within {}s", SETUP_TIMEOUT.as_secs())]
    Unavailable {
        topic: String,
        #[source]
        source: KafkaError,
    },
}

/// What is wrong with a checkpoint record that was found.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    /// Not a checkpoint record at all.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// The record of another partition under this partition's key.
    #[error("it is keyed {key} but holds {holds}")]
    OtherPartition { key: String, holds: String },
}

impl CheckpointError {
    /// Whether trying again later can succeed: the broker or a leadership was away.
    pub fn is_transient(&self) -> bool {
        match self {
            CheckpointError::Kafka(e) => is_transient(e),
            CheckpointError::Unavailable { .. } => true,
            _ => false,
        }
    }
}

/// The record of one partition's checkpoint; the key names the partition as well, so a record
/// read back is checked against the partition it was looked up for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub watermark_ms: Option<i64>,
}

impl CheckpointRecord {
    /// The compaction key of `topic`'s `partition`.
    pub fn key_of(topic: &str, partition: i32) -> String {
        format!("{topic}|{partition}")
    }

    pub fn new(topic: &str, partition: i32, checkpoint: Checkpoint) -> Self {
        CheckpointRecord {
            topic: topic.to_owned(),
            partition,
            offset: checkpoint.offset,
            watermark_ms: checkpoint.watermark_ms,
        }
    }

    pub fn key(&self) -> String {
        Self::key_of(&self.topic, self.partition)
    }

    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            offset: self.offset,
            watermark_ms: self.watermark_ms,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a checkpoint record always serialises")
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// Remembers where each checkpoint record landed, from the delivery reports.
#[derive(Default)]
struct Landed {
    by_key: Mutex<HashMap<String, Result<i64, KafkaError>>>,
}

impl Landed {
    fn by_key(&self) -> MutexGuard<'_, HashMap<String, Result<i64, KafkaError>>> {
        self.by_key.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientContext for Landed {}

impl ProducerContext for Landed {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let (key, outcome) = match result {
            Ok(m) => (m.key(), Ok(m.offset())),
            Err((e, m)) => (m.key(), Err(e.clone())),
        };
        let key = String::from_utf8_lossy(key.unwrap_or_default()).into_owned();
        self.by_key().insert(key, outcome);
    }
}

/// The reader of checkpoint records; end-of-partition is expected, not an error to log.
struct Quiet;

impl ClientContext for Quiet {
    fn error(&self, _: KafkaError, _: &str) {}
}

impl ConsumerContext for Quiet {}

/// Saves and loads the checkpoints of both stages of one consumer group.
pub struct CheckpointStore {
    producer: BaseProducer<Landed>,
    /// Member-less client of the companion group whose committed offsets are the pointers.
    pointers: BaseConsumer<Quiet>,
    /// Reads the records pointed at (assigned to one offset at a time, never in a group).
    reader: BaseConsumer<Quiet>,
    topic: String,
}

impl CheckpointStore {
    /// `consumer_config` and `producer_config` are the consumer's client settings; `topic` is
    /// the checkpoints topic (one partition) and `group_id` the consumer group.
    pub fn new(
        consumer_config: &ClientConfig,
        producer_config: &ClientConfig,
        group_id: &str,
        topic: &str,
    ) -> Result<Self, CheckpointError> {
        let mut pointers = consumer_config.clone();
        pointers.set("group.id", format!("{group_id}.checkpoints"));
        let mut producer = producer_config.clone();
        producer.set("client.id", "trends-consumer-checkpoints");
        let mut reader = consumer_config.clone();
        // Loading holds up a rebalance (the group waits for it): one record per partition,
        // fetched without waiting for more (Tansu:
        // docs/src/operations.md#tansu-fetches-held-for-the-whole-wait).
        reader
            .set("enable.partition.eof", "true")
            .set("fetch.wait.max.ms", "5");
        Ok(CheckpointStore {
            producer: producer.create_with_context(Landed::default())?,
            pointers: pointers.create_with_context(Quiet)?,
            reader: reader.create_with_context(Quiet)?,
            topic: topic.to_owned(),
        })
    }

    /// Saves the checkpoints of partitions of any topics: the records first, acknowledged
    /// within `timeout`, then the pointers to them. Call only once everything the checkpoints
    /// cover is durable.
    pub fn save(
        &self,
        checkpoints: &[(Input, Checkpoint)],
        timeout: Duration,
    ) -> Result<(), CheckpointError> {
        if checkpoints.is_empty() {
            return Ok(());
        }
        let records: Vec<CheckpointRecord> = checkpoints
            .iter()
            .map(|(input, cp)| CheckpointRecord::new(&input.topic, input.partition, *cp))
            .collect();
        self.producer.context().by_key().clear();
        for record in &records {
            let (key, payload) = (record.key(), record.encode());
            let message = BaseRecord::to(&self.topic)
                .partition(0)
                .key(&key)
                .payload(&payload);
            self.producer.send(message).map_err(|(e, _)| e)?;
        }
        flush(&self.producer, |step| self.producer.poll(step), timeout)?;
        let landed = self.producer.context().by_key();
        let mut tpl = TopicPartitionList::new();
        for record in &records {
            let key = record.key();
            match landed.get(&key) {
                Some(Ok(offset)) => tpl.add_partition_offset(
                    &record.topic,
                    record.partition,
                    Offset::Offset(*offset),
                )?,
                Some(Err(source)) => {
                    return Err(CheckpointError::NotDelivered {
                        key,
                        source: source.clone(),
                    })
                }
                None => return Err(CheckpointError::NoReport { key }),
            }
        }
        self.pointers.commit(&tpl, CommitMode::Sync)?;
        Ok(())
    }

    /// The saved checkpoint of each of `partitions` (of any topics) that has one.
    pub fn load(
        &self,
        partitions: &[Input],
    ) -> Result<HashMap<Input, Checkpoint>, CheckpointError> {
        let mut tpl = TopicPartitionList::new();
        for p in partitions {
            tpl.add_partition(&p.topic, p.partition);
        }
        let committed = self.pointers.committed_offsets(tpl, SETUP_TIMEOUT)?;
        let pointers: Vec<(Input, i64)> = committed
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) => Some((
                    Input {
                        topic: e.topic().to_owned(),
                        partition: e.partition(),
                    },
                    o,
                )),
                _ => None,
            })
            .collect();
        let mut out = HashMap::new();
        for (input, pointer) in pointers {
            let key = CheckpointRecord::key_of(&input.topic, input.partition);
            out.insert(input, self.read_record(&key, pointer)?.checkpoint());
        }
        Ok(out)
    }

    /// The first record with `key` at or after offset `pointer`.
    fn read_record(&self, key: &str, pointer: i64) -> Result<CheckpointRecord, CheckpointError> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&self.topic, 0, Offset::Offset(pointer))?;
        let reader = &self.reader;
        reader.assign(&tpl)?;
        let missing = || CheckpointError::Missing {
            key: key.to_owned(),
            pointer,
            topic: self.topic.clone(),
        };
        let deadline = Instant::now() + SETUP_TIMEOUT;
        let mut away = None;
        while Instant::now() < deadline {
            match reader.poll(Duration::from_millis(100)) {
                Some(Ok(m)) if m.key() == Some(key.as_bytes()) => {
                    let unreadable = |source: Unreadable| CheckpointError::Unreadable {
                        offset: m.offset(),
                        topic: self.topic.clone(),
                        source,
                    };
                    let record = CheckpointRecord::decode(m.payload().unwrap_or_default())
                        .map_err(|e| unreadable(e.into()))?;
                    if record.key() != key {
                        return Err(unreadable(Unreadable::OtherPartition {
                            key: key.to_owned(),
                            holds: record.key(),
                        }));
                    }
                    return Ok(record);
                }
                Some(Ok(_)) => {}
                Some(Err(KafkaError::PartitionEOF(_))) => return Err(missing()),
                // librdkafka retries; the record may still come once the leader is back.
                Some(Err(e)) if is_transient(&e) => away = Some(e),
                Some(Err(e)) => return Err(e.into()),
                None => {}
            }
        }
        Err(match away {
            Some(source) => CheckpointError::Unavailable {
                topic: self.topic.clone(),
                source,
            },
            None => missing(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_names_its_partition() {
        let cp = Checkpoint {
            offset: 42,
            watermark_ms: Some(-5),
        };
        let record = CheckpointRecord::new("raw-twitter", 2, cp);
        assert_eq!(record.key(), "raw-twitter|2");
        let back = CheckpointRecord::decode(&record.encode()).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.checkpoint(), cp);
        let none = CheckpointRecord::new(
            "t",
            0,
            Checkpoint {
                offset: 0,
                watermark_ms: None,
            },
        );
        assert_eq!(
            CheckpointRecord::decode(&none.encode())
                .unwrap()
                .watermark_ms,
            None
        );
    }

    #[test]
    fn garbage_is_not_a_record() {
        assert!(CheckpointRecord::decode(b"{\"offset\":1}").is_err());
        assert!(CheckpointRecord::decode(b"").is_err());
    }
}
