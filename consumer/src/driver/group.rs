//! A stage's membership of its consumer group: the rebalance callbacks that load checkpoints
//! for arriving partitions and save them for leaving ones, and the commits in between.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::statistics::Statistics;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tracing::{info, warn};

use crate::driver::checkpoint::CheckpointError;
use crate::engine::count::Checkpoints;
use crate::engine::window::Checkpoint;

use super::read::log_client_error;
use super::{lock, NotDurable, Shared, COMMIT_BUDGET, LOAD_BUDGET};

/// What a stage does when its group moves partitions.
pub(super) trait Stage: Send + Sync + 'static {
    /// Partitions arrive with the watermarks saved with their resume offsets.
    fn assigned(&self, partitions: &[(i32, Option<i64>)]) -> anyhow::Result<()>;
    /// Partitions leave: send what is due and return their checkpoints.
    fn revoked(&self, partitions: &[i32]) -> anyhow::Result<Checkpoints>;
}

/// A group membership of one stage.
pub(super) struct GroupContext<S> {
    pub(super) stage: S,
    pub(super) shared: Arc<Shared>,
    pub(super) topic: String,
    /// Where a partition with no checkpoint starts.
    pub(super) start: Offset,
    /// Last checkpoint saved per partition, to skip redundant saves.
    pub(super) committed: Mutex<HashMap<i32, Checkpoint>>,
}

impl<S: Stage> GroupContext<S> {
    /// Makes output durable, then saves the checkpoints, then commits the group's offsets (for
    /// lag tools; resuming uses the checkpoints), each step waiting at most `budget`.
    pub(super) fn commit(
        &self,
        consumer: &BaseConsumer<Self>,
        checkpoints: Checkpoints,
        budget: Duration,
    ) {
        let mut committed = lock(&self.committed);
        let changed: Checkpoints = checkpoints
            .into_iter()
            .filter(|(p, cp)| committed.get(p) != Some(cp))
            .collect();
        if changed.is_empty() {
            return;
        }
        match self.shared.make_durable(budget) {
            Ok(()) => {}
            Err(NotDurable::Pending(error)) => {
                warn!(%error, topic = %self.topic, "output not acknowledged yet; checkpoint deferred");
                return;
            }
            Err(NotDurable::Lost(error)) => {
                self.shared.fail(error);
                return;
            }
        }
        if let Err(error) = self.shared.checkpoints.save(&self.topic, &changed, budget) {
            warn!(%error, topic = %self.topic, "saving checkpoints failed; will retry");
            return;
        }
        let mut tpl = TopicPartitionList::new();
        for (partition, cp) in changed {
            committed.insert(partition, cp);
            if let Err(error) =
                tpl.add_partition_offset(&self.topic, partition, Offset::Offset(cp.offset))
            {
                warn!(partition, %error, "invalid offset to commit");
            }
        }
        if let Err(error) = consumer.commit(&tpl, CommitMode::Async) {
            warn!(%error, topic = %self.topic, "group offset commit failed (checkpoints are saved)");
        }
    }

    /// Partitions arrive: each resumes from its checkpoint, with the watermark saved in it.
    pub(super) fn assign(&self, consumer: &BaseConsumer<Self>, tpl: &mut TopicPartitionList) {
        let partitions: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
        let started = Instant::now();
        let saved = match self.load_checkpoints(&partitions) {
            Ok(saved) => saved,
            Err(error) => {
                // Without its checkpoint a partition cannot tell emitted windows from open ones.
                self.shared.fail(anyhow!(
                    "cannot read the checkpoints of assigned partitions of {}: {error}",
                    self.topic
                ));
                return;
            }
        };
        for &p in &partitions {
            let offset = saved
                .get(&p)
                .map_or(self.start, |cp| Offset::Offset(cp.offset));
            if let Err(error) = tpl.set_partition_offset(&self.topic, p, offset) {
                self.shared.fail(anyhow!(
                    "cannot resume partition {p} of {}: {error}",
                    self.topic
                ));
                return;
            }
        }
        let with_watermarks: Vec<(i32, Option<i64>)> = partitions
            .iter()
            .map(|p| (*p, saved.get(p).and_then(|cp| cp.watermark_ms)))
            .collect();
        let resume: Vec<Option<i64>> = partitions
            .iter()
            .map(|p| saved.get(p).map(|cp| cp.offset))
            .collect();
        let watermarks: Vec<Option<i64>> = with_watermarks.iter().map(|(_, wm)| *wm).collect();
        let load_ms = started.elapsed().as_millis();
        info!(topic = %self.topic, ?partitions, offsets = ?resume, ?watermarks, load_ms, "partitions assigned");
        if let Err(e) = self.stage.assigned(&with_watermarks) {
            self.shared.fail(e);
            return;
        }
        if let Err(error) = consumer.assign(tpl) {
            self.shared
                .fail(anyhow!("cannot take partitions of {}: {error}", self.topic));
        }
    }

    /// The checkpoints of arriving partitions, waiting up to [`LOAD_BUDGET`] while the broker
    /// holding them is away (a node failing over): without them the partitions cannot start.
    pub(super) fn load_checkpoints(
        &self,
        partitions: &[i32],
    ) -> Result<HashMap<i32, Checkpoint>, CheckpointError> {
        let deadline = Instant::now() + LOAD_BUDGET;
        loop {
            match self.shared.checkpoints.load(&self.topic, partitions) {
                Err(error) if error.is_transient() && Instant::now() < deadline => {
                    warn!(%error, topic = %self.topic, "checkpoints not readable yet; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                }
                outcome => return outcome,
            }
        }
    }

    /// Partitions leave: what is due is sent and checkpointed before they go.
    pub(super) fn revoke(&self, consumer: &BaseConsumer<Self>, tpl: &TopicPartitionList) {
        let partitions: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
        info!(topic = %self.topic, ?partitions, "partitions revoked");
        match self.stage.revoked(&partitions) {
            // The group waits for this member's callback (up to max.poll.interval.ms), so the
            // partitions' next owner starts from checkpoints saved here.
            Ok(checkpoints) => self.commit(consumer, checkpoints, COMMIT_BUDGET),
            Err(e) => self.shared.fail(e),
        }
        let mut committed = lock(&self.committed);
        for p in &partitions {
            committed.remove(p);
        }
    }
}

impl<S: Stage> ClientContext for GroupContext<S> {
    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }

    /// Consumer lag per partition for the metrics (statistics are on with `consumer.http`).
    fn stats(&self, statistics: Statistics) {
        self.shared.metrics.record_lag(&self.topic, &statistics);
    }
}

impl<S: Stage> ConsumerContext for GroupContext<S> {
    /// Assigns with explicit offsets (the checkpoints'), which the default handling, starting
    /// from the group's committed offsets, cannot do.
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let outcome = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.assign(consumer, tpl);
                return;
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                self.revoke(consumer, tpl);
                consumer.unassign()
            }
            other => {
                warn!(topic = %self.topic, error = %RDKafkaErrorCode::from(other), "rebalance failed");
                consumer.unassign()
            }
        };
        if let Err(error) = outcome {
            warn!(topic = %self.topic, %error, "cannot give up partitions");
        }
    }
}
