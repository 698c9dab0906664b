//! A stage's membership of its consumer group. librdkafka reports rebalances inside `poll`;
//! the client context only turns them into [`Rebalance`] messages, and the poll loop, which owns
//! the stage state, serves them right after that `poll` returns: it loads checkpoints for
//! arriving partitions, saves them for leaving ones, and then takes or gives up the partitions
//! (librdkafka waits for that assign or unassign call before the group moves on).

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::statistics::Statistics;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};
use tracing::{info, warn};

use common::kafka::log_client_error;
use model::report::Report;

use crate::driver::checkpoint::CheckpointError;
use crate::engine::count::Checkpoints;
use crate::engine::window::Checkpoint;
use crate::serve::metrics::Metrics;

use super::output::{NotDurable, Output};
use super::stages::{Arrival, Stage};
use super::{COMMIT_BUDGET, LOAD_BUDGET};

/// A rebalance of one group, as the client context passes it to the poll loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Rebalance {
    Assign(Vec<i32>),
    Revoke(Vec<i32>),
    /// The rebalance failed; the member gives up what it has.
    Failed(RDKafkaErrorCode),
}

/// The client context of a group member: logs, lag figures, and rebalances sent on.
pub(super) struct GroupContext {
    topic: String,
    metrics: Arc<Metrics>,
    rebalances: Sender<Rebalance>,
}

impl ClientContext for GroupContext {
    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }

    /// Consumer lag per partition for the metrics (statistics are on with `consumer.http`).
    fn stats(&self, statistics: Statistics) {
        self.metrics.record_lag(&self.topic, &statistics);
    }
}

impl ConsumerContext for GroupContext {
    /// Replaces librdkafka's default handling (assigning from the group's committed offsets):
    /// the loop assigns from the checkpoints instead.
    fn rebalance(
        &self,
        _consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let partitions = tpl.elements().iter().map(|e| e.partition()).collect();
        let rebalance = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => Rebalance::Assign(partitions),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => Rebalance::Revoke(partitions),
            other => Rebalance::Failed(other.into()),
        };
        // The receiver lives beside the consumer in `Member`, so it is there.
        let _ = self.rebalances.send(rebalance);
    }
}

/// One stage's member of its group: the consumer, its pending rebalances, and what it
/// committed.
pub(super) struct Member {
    pub(super) consumer: BaseConsumer<GroupContext>,
    rebalances: Receiver<Rebalance>,
    topic: String,
    /// Where a partition with no checkpoint starts.
    start: Offset,
    /// Last checkpoint saved per partition, to skip redundant saves.
    committed: HashMap<i32, Checkpoint>,
}

impl Member {
    /// A member of the group in `config`, subscribed to `topic`.
    pub(super) fn join(
        config: &ClientConfig,
        topic: &str,
        start: Offset,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let (sender, rebalances) = mpsc::channel();
        let context = GroupContext {
            topic: topic.to_owned(),
            metrics,
            rebalances: sender,
        };
        let consumer: BaseConsumer<GroupContext> = config
            .create_with_context(context)
            .context("invalid Kafka consumer settings")?;
        consumer.subscribe(&[topic]).context("cannot subscribe")?;
        Ok(Member {
            consumer,
            rebalances,
            topic: topic.to_owned(),
            start,
            committed: HashMap::new(),
        })
    }

    /// Serves the rebalances the last `poll` reported.
    pub(super) fn serve_rebalances(
        &mut self,
        stage: &mut impl Stage,
        output: &mut Output,
    ) -> anyhow::Result<()> {
        while let Ok(rebalance) = self.rebalances.try_recv() {
            match rebalance {
                Rebalance::Assign(partitions) => self.assign(&partitions, stage, output)?,
                Rebalance::Revoke(partitions) => self.revoke(&partitions, stage, output)?,
                Rebalance::Failed(error) => {
                    warn!(topic = %self.topic, error = %Report(&error), "rebalance failed");
                    self.give_up();
                }
            }
        }
        Ok(())
    }

    /// Makes output durable, then saves the checkpoints, then commits the group's offsets (for
    /// lag tools; resuming uses the checkpoints), each step waiting at most `budget`. Fails
    /// only when output was lost; what is merely late is committed next time.
    pub(super) fn commit(
        &mut self,
        checkpoints: Checkpoints,
        output: &mut Output,
        budget: Duration,
    ) -> anyhow::Result<()> {
        let changed: Checkpoints = checkpoints
            .into_iter()
            .filter(|(p, cp)| self.committed.get(p) != Some(cp))
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        match output.make_durable(budget) {
            Ok(()) => {}
            Err(NotDurable::Pending(error)) => {
                warn!(error = %Report(error.as_ref()), topic = %self.topic, "output not acknowledged yet; checkpoint deferred");
                return Ok(());
            }
            Err(NotDurable::Lost(error)) => return Err(error),
        }
        if let Err(error) = output.checkpoints.save(&self.topic, &changed, budget) {
            warn!(error = %Report(&error), topic = %self.topic, "saving checkpoints failed; will retry");
            return Ok(());
        }
        let mut tpl = TopicPartitionList::new();
        for (partition, cp) in changed {
            self.committed.insert(partition, cp);
            if let Err(error) =
                tpl.add_partition_offset(&self.topic, partition, Offset::Offset(cp.offset))
            {
                warn!(partition, error = %Report(&error), "invalid offset to commit");
            }
        }
        if let Err(error) = self.consumer.commit(&tpl, CommitMode::Async) {
            warn!(error = %Report(&error), topic = %self.topic, "group offset commit failed (checkpoints are saved)");
        }
        Ok(())
    }

    /// Partitions arrive: each resumes from its checkpoint, with the watermark saved in it.
    fn assign(
        &mut self,
        partitions: &[i32],
        stage: &mut impl Stage,
        output: &mut Output,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        // Without its checkpoint a partition cannot tell emitted windows from open ones.
        let saved = self.load_checkpoints(partitions, output).with_context(|| {
            format!(
                "cannot read the checkpoints of assigned partitions of {}",
                self.topic
            )
        })?;
        let mut tpl = TopicPartitionList::new();
        for &p in partitions {
            let offset = saved
                .get(&p)
                .map_or(self.start, |cp| Offset::Offset(cp.offset));
            tpl.add_partition_offset(&self.topic, p, offset)
                .with_context(|| format!("cannot resume partition {p} of {}", self.topic))?;
        }
        let arrivals: Vec<Arrival> = partitions
            .iter()
            .map(|&partition| Arrival {
                partition,
                watermark_ms: saved.get(&partition).and_then(|cp| cp.watermark_ms),
            })
            .collect();
        let offsets: Vec<Option<i64>> = partitions
            .iter()
            .map(|p| saved.get(p).map(|cp| cp.offset))
            .collect();
        let watermarks: Vec<Option<i64>> = arrivals.iter().map(|a| a.watermark_ms).collect();
        let load_ms = started.elapsed().as_millis();
        info!(topic = %self.topic, ?partitions, ?offsets, ?watermarks, load_ms, "partitions assigned");
        stage.assigned(&arrivals, output)?;
        self.consumer
            .assign(&tpl)
            .with_context(|| format!("cannot take partitions of {}", self.topic))
    }

    /// The checkpoints of arriving partitions, waiting up to [`LOAD_BUDGET`] while the broker
    /// holding them is away (a node failing over): without them the partitions cannot start.
    fn load_checkpoints(
        &self,
        partitions: &[i32],
        output: &Output,
    ) -> Result<HashMap<i32, Checkpoint>, CheckpointError> {
        let deadline = Instant::now() + LOAD_BUDGET;
        loop {
            match output.checkpoints.load(&self.topic, partitions) {
                Err(error) if error.is_transient() && Instant::now() < deadline => {
                    warn!(error = %Report(&error), topic = %self.topic, "checkpoints not readable yet; retrying");
                    std::thread::sleep(Duration::from_secs(1));
                }
                outcome => return outcome,
            }
        }
    }

    /// Partitions leave: what is due is sent and checkpointed before they go. The group waits
    /// for this (up to `max.poll.interval.ms`), so the next owner starts from checkpoints
    /// saved here.
    fn revoke(
        &mut self,
        partitions: &[i32],
        stage: &mut impl Stage,
        output: &mut Output,
    ) -> anyhow::Result<()> {
        info!(topic = %self.topic, ?partitions, "partitions revoked");
        let saved = match stage.revoked(partitions, output) {
            Ok(checkpoints) => self.commit(checkpoints, output, COMMIT_BUDGET),
            Err(error) => Err(error),
        };
        for p in partitions {
            self.committed.remove(p);
        }
        self.give_up();
        saved
    }

    /// Gives up every assigned partition (the group's protocol is eager: a revocation takes
    /// them all).
    fn give_up(&self) {
        if let Err(error) = self.consumer.unassign() {
            warn!(topic = %self.topic, error = %Report(&error), "cannot give up partitions");
        }
    }
}
