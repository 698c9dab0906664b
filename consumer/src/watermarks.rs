//! Durable per-partition watermarks, kept as the committed offsets of a companion consumer
//! group (`<group.id>.watermarks`).
//!
//! Offset-commit metadata would be the natural place, but not every Kafka-compatible broker
//! returns it (Tansu 0.6 stores it and answers with an empty string), while every broker keeps
//! a committed offset, an arbitrary 64-bit number, per group and partition. The companion group
//! has no members; only this consumer commits to it.

use std::collections::HashMap;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaResult;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use common::kafka::SETUP_TIMEOUT;

use crate::window::{watermark_from_offset, watermark_to_offset};

/// Reads and writes the watermarks of one topic's partitions.
pub struct WatermarkStore {
    client: BaseConsumer,
    topic: String,
}

impl WatermarkStore {
    /// `config` is the trends consumer's configuration; only the group id is changed.
    pub fn new(mut config: ClientConfig, group_id: &str, topic: &str) -> KafkaResult<Self> {
        config.set("group.id", format!("{group_id}.watermarks"));
        Ok(WatermarkStore {
            client: config.create()?,
            topic: topic.to_owned(),
        })
    }

    /// The saved watermark of each of `partitions` that has one.
    pub fn load(&self, partitions: &[i32]) -> KafkaResult<HashMap<i32, i64>> {
        let mut tpl = TopicPartitionList::new();
        for &p in partitions {
            tpl.add_partition(&self.topic, p);
        }
        let committed = self.client.committed_offsets(tpl, SETUP_TIMEOUT)?;
        Ok(committed
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) => Some((e.partition(), watermark_from_offset(o))),
                _ => None,
            })
            .collect())
    }

    /// Saves watermarks synchronously: the offsets they go with are committed only after this
    /// returns.
    pub fn save(&self, watermarks: &[(i32, i64)]) -> KafkaResult<()> {
        if watermarks.is_empty() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::new();
        for &(partition, wm) in watermarks {
            tpl.add_partition_offset(
                &self.topic,
                partition,
                Offset::Offset(watermark_to_offset(wm)),
            )?;
        }
        self.client.commit(&tpl, CommitMode::Sync)
    }
}
