//! The poll loop: the one owner of both stages' state and of their output. It polls both
//! groups, serves their rebalances, and closes, sends and commits on its schedule.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use tracing::{debug, info, warn};

use common::kafka::SETUP_TIMEOUT;
use common::shutdown::Shutdown;
use model::report::Report;

use crate::engine::stats::RunStats;
use crate::serve::metrics::Metrics;

use super::group::Member;
use super::output::{NotDurable, Output, StageIo};
use super::schedule::{BatchStep, Counted, Schedule};
use super::stages::{CountStage, MergeStage};
use super::{
    CLOSE_INTERVAL, COMMIT_BUDGET, FINAL_FLUSH, LEAVE_TIMEOUT, MERGE_JOIN_WAIT, SHUTDOWN_BUDGET,
};

/// How long one poll of the raw topic waits for a message: also how long, at most, partials
/// that arrived wait for the merge stage, and held early records past their time, while the
/// raw topic is quiet.
const RAW_POLL: Duration = Duration::from_millis(5);

/// When the loop stops by itself, and whether open windows are published early.
pub(super) struct RunLimits {
    pub(super) until_end: bool,
    pub(super) limit: Option<u64>,
    pub(super) duration: Option<Duration>,
    pub(super) commit_interval: Duration,
    pub(super) early_updates: bool,
}

/// Both stages, their group members and their output.
pub(super) struct Driver {
    pub(super) raw: Member,
    pub(super) merge: Member,
    pub(super) count: CountStage,
    pub(super) merging: MergeStage,
    pub(super) output: Output,
    pub(super) metrics: Arc<Metrics>,
    pub(super) limits: RunLimits,
}

impl Driver {
    /// Polls, processes, sends and periodically commits until `stop` is set or, with
    /// `until_end`, everything is read and merged.
    pub(super) fn run(&mut self, stop: &Shutdown) -> anyhow::Result<()> {
        let mut schedule = Schedule::new(
            Instant::now(),
            CLOSE_INTERVAL,
            self.limits.commit_interval,
            self.limits.duration,
        );
        let mut counted: Option<Counted> = None;
        self.count.pipeline.set_wall_clock(wall_clock_ms());
        while !stop.is_triggered() {
            if schedule.expired(Instant::now()) {
                info!("--duration reached; stopping");
                break;
            }
            if self.poll_raw()? {
                break;
            }
            let arrived = self.take_partials()?;
            if self.limits.early_updates {
                self.early_updates(arrived)?;
            }
            let now = Instant::now();
            if let Some(at_end) = self.finish_at_end(now)? {
                counted = Some(at_end);
            }
            if schedule.close_due(now) {
                self.close_windows(now)?;
            }
            if let Some(counted) = counted {
                match self.batch_step(&counted, now) {
                    BatchStep::Wait => {}
                    BatchStep::Merged => return self.complete_batch(),
                    BatchStep::GiveUp => {
                        warn!("the merge stage was not assigned here or did not finish in time; stopping after counting");
                        return Ok(());
                    }
                }
            }
            if schedule.commit_due(now) {
                self.commit_all(COMMIT_BUDGET)?;
            }
        }
        self.wind_down()
    }

    /// Polls the raw topic once and serves any rebalance it brought; true once `--limit`
    /// messages were consumed. Polled even after a batch run finished counting, so a
    /// rebalance that brings more partitions is served.
    fn poll_raw(&mut self) -> anyhow::Result<bool> {
        let limit_reached = match self.raw.consumer.poll(RAW_POLL) {
            Some(Ok(m)) => {
                // Every assigned partition is numbered (`Member::assign` refuses others).
                if let Some(input) = self.raw.index(m.topic(), m.partition()) {
                    if let Err(rejection) = self.count.count(input, &m) {
                        self.output.dead_letter(&m, &rejection)?;
                    }
                }
                let consumed = self.count.pipeline.stats().consumed;
                let reached = self.limits.limit.is_some_and(|limit| consumed >= limit);
                if reached {
                    info!(consumed, "--limit reached; stopping");
                }
                reached
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                for input in self.raw.ended(partition) {
                    self.count.pipeline.mark_end(input);
                }
                false
            }
            // Already reported through the client context.
            Some(Err(error)) => {
                debug!(error = %Report(&error), "consumer error");
                false
            }
            None => false,
        };
        self.raw
            .serve_rebalances(&mut self.count, &mut self.output)?;
        Ok(limit_reached)
    }

    /// Sends the counting stage's changed counts when due, and publishes the merge stage's
    /// early records: at once when snapshots `arrived` (through the coalescer: each key at
    /// most once per interval), else the held ones that are due.
    fn early_updates(&mut self, arrived: bool) -> anyhow::Result<()> {
        let changed = self.count.pipeline.take_early(Instant::now());
        self.output.send_partials(changed)?;
        if arrived {
            self.merging.emit(true, &mut self.output)
        } else {
            self.merging.release_early(&mut self.output)
        }
    }

    /// Feeds every partials message already fetched to the merge stage and serves the merge
    /// group's rebalances; whether any message arrived.
    fn take_partials(&mut self) -> anyhow::Result<bool> {
        let mut arrived = false;
        while let Some(result) = self.merge.consumer.poll(Duration::ZERO) {
            match result {
                Ok(m) => {
                    arrived = true;
                    self.merging
                        .observe(m.offset(), m.payload().unwrap_or_default());
                }
                Err(KafkaError::PartitionEOF(_)) => {}
                Err(error) => debug!(error = %Report(&error), "merge consumer error"),
            }
        }
        self.merge
            .serve_rebalances(&mut self.merging, &mut self.output)?;
        Ok(arrived)
    }

    /// With `--until-end`, once every assigned partition is read to its end: closes all
    /// windows, sends and commits them, and notes where the partials topic ends.
    fn finish_at_end(&mut self, now: Instant) -> anyhow::Result<Option<Counted>> {
        if !self.limits.until_end {
            return Ok(None);
        }
        let Some(messages) = self.count.pipeline.finish_at_end() else {
            return Ok(None);
        };
        info!("every assigned partition read to its end; closing all windows");
        self.output.send_partials(messages)?;
        self.commit_all(COMMIT_BUDGET)?;
        // The merge stage is caught up only once it has read past our last message.
        let (_, partials_end) = self
            .merge
            .consumer
            .fetch_watermarks(&self.output.topics.partials, 0, SETUP_TIMEOUT)
            .context("cannot read the end of the partials topic")?;
        Ok(Some(Counted {
            at: now,
            partials_end,
        }))
    }

    fn batch_step(&self, counted: &Counted, now: Instant) -> BatchStep {
        counted.step(
            self.count.pipeline.finished(),
            self.merging.caught_up(counted.partials_end),
            now,
            MERGE_JOIN_WAIT,
        )
    }

    /// Sends the windows that closed and the merged windows that completed.
    fn close_windows(&mut self, now: Instant) -> anyhow::Result<()> {
        self.count.pipeline.set_wall_clock(wall_clock_ms());
        let messages = self.count.pipeline.close_ready(now);
        self.output.send_partials(messages)?;
        self.merging.emit(false, &mut self.output)?;
        self.metrics.record_run(self.stats());
        Ok(())
    }

    /// The end of a batch run that merged everything: it succeeds only once its results are
    /// in the broker.
    fn complete_batch(&mut self) -> anyhow::Result<()> {
        self.merging.emit(false, &mut self.output)?;
        self.output
            .make_durable(FINAL_FLUSH)
            .map_err(NotDurable::into_error)?;
        self.commit_all(COMMIT_BUDGET)?;
        info!("every window merged and published");
        Ok(())
    }

    /// Stopping: sends what is due and commits it; open windows are rebuilt after a restart.
    fn wind_down(&mut self) -> anyhow::Result<()> {
        let messages = self.count.pipeline.close_ready(Instant::now());
        self.output.send_partials(messages)?;
        self.take_partials()?;
        self.merging.emit(false, &mut self.output)?;
        self.commit_all(SHUTDOWN_BUDGET)
    }

    fn commit_all(&mut self, budget: Duration) -> anyhow::Result<()> {
        let counted = self.count.pipeline.checkpoints();
        self.raw.commit(counted, &mut self.output, budget)?;
        let merged = self.merging.checkpoints();
        self.merge.commit(merged, &mut self.output, budget)
    }

    /// Totals of both stages so far.
    pub(super) fn stats(&self) -> RunStats {
        RunStats {
            count: self.count.pipeline.stats(),
            merge: self.merging.stats(),
            merge_load: self.merging.load,
        }
    }

    /// Leaves both groups at once and closes the consumers, serving the revocations that
    /// brings and waiting at most [`LEAVE_TIMEOUT`] (shutdown has 5 s in all). Call only as
    /// the process is about to exit, and do not drop the driver after it (see `run`).
    pub(super) fn leave(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + LEAVE_TIMEOUT;
        self.raw.consumer.unsubscribe();
        self.merge.consumer.unsubscribe();
        let closing = self
            .raw
            .consumer
            .close_queue()
            .and(self.merge.consumer.close_queue());
        let mut revoked = Ok(());
        while closing.is_ok() && !self.closed() && Instant::now() < deadline {
            let _ = self.raw.consumer.poll(Duration::from_millis(25));
            let _ = self.merge.consumer.poll(Duration::from_millis(25));
            let served = self
                .raw
                .serve_rebalances(&mut self.count, &mut self.output)
                .and(
                    self.merge
                        .serve_rebalances(&mut self.merging, &mut self.output),
                );
            revoked = revoked.and(served);
        }
        if !self.closed() {
            warn!("the groups did not confirm our leaving in time; exiting anyway");
        }
        revoked
    }

    fn closed(&self) -> bool {
        self.raw.consumer.closed() && self.merge.consumer.closed()
    }
}

fn wall_clock_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
