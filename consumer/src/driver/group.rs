//! A stage's membership of its consumer group. librdkafka reports rebalances inside `poll`;
//! the client context only turns them into [`Rebalance`] messages, and the poll loop, which owns
//! the stage state, serves them right after that `poll` returns: it loads checkpoints for
//! arriving partitions, saves them for leaving ones, and then takes or gives up the partitions
//! (librdkafka waits for that assign or unassign call before the group moves on).

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
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
use crate::engine::inputs::{Input, Inputs};
use crate::engine::window::Checkpoint;
use crate::serve::metrics::Metrics;

use super::ends;
use super::output::{NotDurable, Output};
use super::stages::{Arrival, Stage};
use super::{COMMIT_BUDGET, LOAD_BUDGET};

/// How long the broker may take to say where a partition ends, when a partition-end report
/// could be about several raw topics' partitions ([`ends`]).
const WATERMARK_TIMEOUT: Duration = Duration::from_secs(2);

/// A rebalance of one group, as the client context passes it to the poll loop: the partitions
/// of any of the member's topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Rebalance {
    Assign(Vec<Input>),
    Revoke(Vec<Input>),
    /// The rebalance failed; the member gives up what it has.
    Failed(RDKafkaErrorCode),
}

/// The client context of a group member: logs, lag figures, and rebalances sent on.
pub(super) struct GroupContext {
    topics: Vec<String>,
    metrics: Arc<Metrics>,
    rebalances: Sender<Rebalance>,
}

impl ClientContext for GroupContext {
    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }

    /// Consumer lag per partition for the metrics (statistics are on with `consumer.http`).
    fn stats(&self, statistics: Statistics) {
        for topic in &self.topics {
            self.metrics.record_lag(topic, &statistics);
        }
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
        let partitions = tpl
            .elements()
            .iter()
            .map(|e| Input {
                topic: e.topic().to_owned(),
                partition: e.partition(),
            })
            .collect();
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
/// committed. Partitions are known to the stage by their input index ([`Inputs`]); the member
/// translates between those and the topics' partitions, which checkpoints and commits name.
pub(super) struct Member {
    pub(super) consumer: BaseConsumer<GroupContext>,
    rebalances: Receiver<Rebalance>,
    /// The topics subscribed to, and their partitions' numbering.
    inputs: Inputs,
    /// The topics, for log lines.
    topics: String,
    /// Where a partition with no checkpoint starts.
    start: Offset,
    /// Where each assigned input was assigned from.
    assigned: BTreeMap<i32, Offset>,
    /// Last checkpoint saved per input, to skip redundant saves.
    committed: HashMap<i32, Checkpoint>,
}

impl Member {
    /// A member of the group in `config`, subscribed to every topic of `inputs`.
    pub(super) fn join(
        config: &ClientConfig,
        inputs: Inputs,
        start: Offset,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let (sender, rebalances) = mpsc::channel();
        let topics: Vec<String> = inputs.topics().map(str::to_owned).collect();
        let context = GroupContext {
            topics: topics.clone(),
            metrics,
            rebalances: sender,
        };
        let consumer: BaseConsumer<GroupContext> = config
            .create_with_context(context)
            .context("invalid Kafka consumer settings")?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names).context("cannot subscribe")?;
        Ok(Member {
            consumer,
            rebalances,
            inputs,
            topics: topics.join(","),
            start,
            assigned: BTreeMap::new(),
            committed: HashMap::new(),
        })
    }

    /// The input index of a message's topic and partition; `None` for one not numbered (it
    /// cannot be assigned here: [`assign`](Self::assign) refuses those).
    pub(super) fn index(&self, topic: &str, partition: i32) -> Option<i32> {
        self.inputs.index(topic, partition)
    }

    /// The assigned inputs a report that partition number `partition` was read to its end is
    /// about ([`ends`]).
    pub(super) fn ended(&self, partition: i32) -> Vec<i32> {
        let candidates: Vec<(i32, Offset)> = self
            .inputs
            .with_partition(partition)
            .filter_map(|i| self.assigned.get(&i).map(|&start| (i, start)))
            .collect();
        if let [(only, _)] = candidates[..] {
            return vec![only];
        }
        candidates
            .into_iter()
            .filter(|(i, start)| {
                self.inputs.input(*i).is_some_and(|input| {
                    ends::reading(&self.consumer, &input, *start, WATERMARK_TIMEOUT).at_end()
                })
            })
            .map(|(i, _)| i)
            .collect()
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
                    warn!(topics = %self.topics, error = %Report(&error), "rebalance failed");
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
                warn!(error = %Report(error.as_ref()), topics = %self.topics, "output not acknowledged yet; checkpoint deferred");
                return Ok(());
            }
            Err(NotDurable::Lost(error)) => return Err(error),
        }
        let by_input: Vec<(Input, Checkpoint)> = changed
            .iter()
            .filter_map(|&(i, cp)| self.inputs.input(i).map(|input| (input, cp)))
            .collect();
        if let Err(error) = output.checkpoints.save(&by_input, budget) {
            warn!(error = %Report(&error), topics = %self.topics, "saving checkpoints failed; will retry");
            return Ok(());
        }
        for (index, cp) in changed {
            self.committed.insert(index, cp);
        }
        let mut tpl = TopicPartitionList::new();
        for (input, cp) in &by_input {
            if let Err(error) =
                tpl.add_partition_offset(&input.topic, input.partition, Offset::Offset(cp.offset))
            {
                warn!(%input, error = %Report(&error), "invalid offset to commit");
            }
        }
        if let Err(error) = self.consumer.commit(&tpl, CommitMode::Async) {
            warn!(error = %Report(&error), topics = %self.topics, "group offset commit failed (checkpoints are saved)");
        }
        Ok(())
    }

    /// Partitions arrive: each resumes from its checkpoint, with the watermark saved in it.
    fn assign(
        &mut self,
        partitions: &[Input],
        stage: &mut impl Stage,
        output: &mut Output,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let indices = self.indices(partitions)?;
        // Without its checkpoint a partition cannot tell emitted windows from open ones.
        let saved = self.load_checkpoints(partitions, output).with_context(|| {
            format!(
                "cannot read the checkpoints of assigned partitions of {}",
                self.topics
            )
        })?;
        let mut tpl = TopicPartitionList::new();
        let mut arrivals = Vec::with_capacity(partitions.len());
        for (input, &index) in partitions.iter().zip(&indices) {
            let checkpoint = saved.get(input);
            let offset = checkpoint.map_or(self.start, |cp| Offset::Offset(cp.offset));
            tpl.add_partition_offset(&input.topic, input.partition, offset)
                .with_context(|| format!("cannot resume partition {input}"))?;
            self.assigned.insert(index, offset);
            arrivals.push(Arrival {
                input: index,
                watermark_ms: checkpoint.and_then(|cp| cp.watermark_ms),
            });
        }
        let load_ms = started.elapsed().as_millis();
        for (topic, of_topic) in self.by_topic(partitions) {
            let numbers: Vec<i32> = of_topic.iter().map(|&i| partitions[i].partition).collect();
            let inputs: Vec<i32> = of_topic.iter().map(|&i| indices[i]).collect();
            let offsets: Vec<Option<i64>> = of_topic
                .iter()
                .map(|&i| saved.get(&partitions[i]).map(|cp| cp.offset))
                .collect();
            let watermarks: Vec<Option<i64>> =
                of_topic.iter().map(|&i| arrivals[i].watermark_ms).collect();
            info!(topic = %topic, partitions = ?numbers, ?inputs, ?offsets, ?watermarks, load_ms, "partitions assigned");
        }
        stage.assigned(&arrivals, output)?;
        self.consumer
            .assign(&tpl)
            .with_context(|| format!("cannot take partitions of {}", self.topics))
    }

    /// The positions in `partitions` of each topic's partitions, topics in their configured
    /// order: one log line per topic names its partitions as the topic numbers them.
    fn by_topic<'a>(&'a self, partitions: &[Input]) -> Vec<(&'a str, Vec<usize>)> {
        self.inputs
            .topics()
            .map(|topic| {
                let of_topic = (0..partitions.len())
                    .filter(|&i| partitions[i].topic == topic)
                    .collect();
                (topic, of_topic)
            })
            .filter(|(_, of_topic): &(&str, Vec<usize>)| !of_topic.is_empty())
            .collect()
    }

    /// The input indices of `partitions`; an error for a partition the numbering does not
    /// know, added to its topic since this consumer started: the merge stage would not wait
    /// for it, so it is refused rather than counted wrongly.
    fn indices(&self, partitions: &[Input]) -> anyhow::Result<Vec<i32>> {
        partitions
            .iter()
            .map(|p| {
                self.inputs.index(&p.topic, p.partition).ok_or_else(|| {
                    anyhow!("partition {p} was assigned but its topic had fewer partitions when this consumer started; restart every consumer of the group to count it")
                })
            })
            .collect()
    }

    /// The checkpoints of arriving partitions, waiting up to [`LOAD_BUDGET`] while the broker
    /// holding them is away (a node failing over): without them the partitions cannot start.
    fn load_checkpoints(
        &self,
        partitions: &[Input],
        output: &Output,
    ) -> Result<HashMap<Input, Checkpoint>, CheckpointError> {
        let deadline = Instant::now() + LOAD_BUDGET;
        loop {
            match output.checkpoints.load(partitions) {
                Err(error) if error.is_transient() && Instant::now() < deadline => {
                    warn!(error = %Report(&error), topics = %self.topics, "checkpoints not readable yet; retrying");
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
        partitions: &[Input],
        stage: &mut impl Stage,
        output: &mut Output,
    ) -> anyhow::Result<()> {
        for (topic, of_topic) in self.by_topic(partitions) {
            let numbers: Vec<i32> = of_topic.iter().map(|&i| partitions[i].partition).collect();
            info!(topic = %topic, partitions = ?numbers, "partitions revoked");
        }
        let indices: Vec<i32> = partitions
            .iter()
            .filter_map(|p| self.inputs.index(&p.topic, p.partition))
            .collect();
        let saved = match stage.revoked(&indices, output) {
            Ok(checkpoints) => self.commit(checkpoints, output, COMMIT_BUDGET),
            Err(error) => Err(error),
        };
        for i in &indices {
            self.committed.remove(i);
            self.assigned.remove(i);
        }
        self.give_up();
        saved
    }

    /// Gives up every assigned partition (the group's protocol is eager: a revocation takes
    /// them all).
    fn give_up(&mut self) {
        self.assigned.clear();
        if let Err(error) = self.consumer.unassign() {
            warn!(topics = %self.topics, error = %Report(&error), "cannot give up partitions");
        }
    }
}
