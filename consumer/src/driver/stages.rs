//! The two stages as their groups see them: counting over the raw topic, merging over the
//! partials topic, each wrapping its pure engine part. The poll loop owns both; they reach
//! Kafka only through [`StageIo`].

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use rdkafka::message::{BorrowedMessage, Message};
use tracing::{info, warn};

use model::report::Report;

use crate::engine::count::{Checkpoints, Pipeline, Rejection};
use crate::engine::merge::{MergeStats, Merger};
use crate::engine::partial::PartialMessage;
use crate::engine::stats::MergeLoad;
use crate::output::coalesce::Coalescer;
use crate::output::records::{Published, Publisher};
use crate::serve::metrics::Metrics;

use super::output::StageIo;
use super::thread_cpu::thread_cpu;

/// A partition arriving in a rebalance, by its input index, with the watermark saved in its
/// checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Arrival {
    pub(super) input: i32,
    pub(super) watermark_ms: Option<i64>,
}

/// What a stage does when its group moves partitions.
pub(super) trait Stage {
    /// Partitions arrive, resuming from their checkpoints.
    fn assigned(&mut self, arrivals: &[Arrival], io: &mut impl StageIo) -> anyhow::Result<()>;
    /// Partitions leave (by input index): send what is due and return their checkpoints.
    fn revoked(&mut self, inputs: &[i32], io: &mut impl StageIo) -> anyhow::Result<Checkpoints>;
}

/// The counting stage over the raw topic.
pub(super) struct CountStage {
    pub(super) pipeline: Pipeline,
}

impl CountStage {
    /// Counts one raw message of input `input`; a message that is not a usable post is
    /// returned as rejected (for the dead-letter topic).
    pub(super) fn count(&mut self, input: i32, m: &BorrowedMessage<'_>) -> Result<(), Rejection> {
        self.pipeline.process(
            input,
            m.offset(),
            m.payload(),
            m.timestamp().to_millis(),
            Instant::now(),
        )
    }
}

impl Stage for CountStage {
    fn assigned(&mut self, arrivals: &[Arrival], _io: &mut impl StageIo) -> anyhow::Result<()> {
        for arrival in arrivals {
            self.pipeline
                .assign(arrival.input, arrival.watermark_ms, Instant::now());
        }
        Ok(())
    }

    fn revoked(&mut self, inputs: &[i32], io: &mut impl StageIo) -> anyhow::Result<Checkpoints> {
        let (messages, checkpoints) = self.pipeline.revoke(inputs, Instant::now());
        io.send_partials(messages)?;
        Ok(checkpoints)
    }
}

/// The merge stage over the partials topic; `merger` is `None` unless this member owns it.
pub(super) struct MergeStage {
    pub(super) merger: Option<Merger>,
    /// Totals of mergers this member owned earlier in the run.
    pub(super) past: MergeStats,
    pub(super) publisher: Publisher,
    /// How many inputs (partitions of the raw topics) there are: a window is complete once
    /// all have passed it.
    pub(super) sources: i32,
    /// Early records on their way out, at most one per key per early-update interval.
    pub(super) early: Coalescer,
    pub(super) metrics: Arc<Metrics>,
    /// What merging cost this member over the whole run.
    pub(super) load: MergeLoad,
}

impl MergeStage {
    /// Feeds one message of the partials topic to the merger, if this member owns it.
    pub(super) fn observe(&mut self, offset: i64, payload: &[u8]) {
        let Some(merger) = self.merger.as_mut() else {
            return;
        };
        let started = thread_cpu();
        self.load.messages += 1;
        self.load.bytes += payload.len() as u64;
        match PartialMessage::decode(payload) {
            Ok(message) => {
                if let PartialMessage::Window { totals, .. } = &message {
                    self.load.tags += totals.tags.len() as u64;
                }
                merger.observe(offset, message);
            }
            Err(error) => {
                warn!(offset, error = %Report(&error), "skipping a message the merge stage cannot read");
                merger.skip(offset);
            }
        }
        self.load.read_cpu += thread_cpu().saturating_sub(started);
    }

    /// Publishes the windows that became complete, and early updates when asked for (each
    /// through the coalescer: at once, or held until its key's interval has passed).
    pub(super) fn emit(&mut self, early: bool, io: &mut impl StageIo) -> anyhow::Result<()> {
        let Some(merger) = self.merger.as_mut() else {
            return Ok(());
        };
        let started = thread_cpu();
        let now = Instant::now();
        let mut published = Published::default();
        if early {
            let mut changed = Published::default();
            for w in merger.take_changed() {
                self.publisher.publish(&w, &mut changed);
            }
            for record in changed.records {
                self.early.offer(record, now, &mut published.records);
            }
        }
        self.early.release(now, &mut published.records);
        let early_records = published.records.len();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let complete = merger.take_complete();
        for w in &complete {
            self.metrics.record_emit(w.id.end_ms(), now_ms);
            self.publisher.publish(w, &mut published);
        }
        for record in &published.records[early_records..] {
            self.early.finalized(&record.key);
        }
        if !complete.is_empty() {
            self.metrics.record_rising(self.publisher.rising_figures());
        }
        self.load.records += published.records.len() as u64;
        let sent = io.publish(published);
        self.load.publish_cpu += thread_cpu().saturating_sub(started);
        sent
    }

    /// Publishes the held early records whose interval has passed.
    pub(super) fn release_early(&mut self, io: &mut impl StageIo) -> anyhow::Result<()> {
        let mut published = Published::default();
        self.early.release(Instant::now(), &mut published.records);
        if published.records.is_empty() {
            return Ok(());
        }
        self.load.records += published.records.len() as u64;
        io.publish(published)
    }

    /// Totals over the whole run.
    pub(super) fn stats(&self) -> MergeStats {
        let mut stats = self.past;
        if let Some(merger) = &self.merger {
            stats.add(merger.stats());
        }
        stats
    }

    /// Where the partials topic resumes, when this member merges.
    pub(super) fn checkpoints(&self) -> Checkpoints {
        self.merger
            .as_ref()
            .and_then(Merger::checkpoint)
            .map(|cp| (0, cp))
            .into_iter()
            .collect()
    }

    /// Whether this member merges and has read the partials topic up to `end`.
    pub(super) fn caught_up(&self, end: i64) -> Option<bool> {
        self.merger.as_ref().map(|m| m.caught_up(end))
    }
}

impl Stage for MergeStage {
    fn assigned(&mut self, arrivals: &[Arrival], io: &mut impl StageIo) -> anyhow::Result<()> {
        let Some(arrival) = arrivals.iter().find(|a| a.input == 0) else {
            return Ok(());
        };
        if self.publisher.restores(arrival.watermark_ms) {
            let read = self
                .publisher
                .restore_from(arrival.watermark_ms, |each| io.read_results(each))
                .context(
                    "cannot restore cumulative totals and rising histories from the result topic",
                )?;
            info!(
                records = read,
                "cumulative totals and rising histories restored from the result topic"
            );
            self.metrics.record_rising(self.publisher.rising_figures());
        }
        self.merger = Some(Merger::new(self.sources, arrival.watermark_ms));
        info!("merging windows of all partitions here");
        Ok(())
    }

    fn revoked(&mut self, inputs: &[i32], io: &mut impl StageIo) -> anyhow::Result<Checkpoints> {
        if !inputs.contains(&0) {
            return Ok(Vec::new());
        }
        self.emit(false, io)?;
        let checkpoints = self.checkpoints();
        if let Some(merger) = self.merger.take() {
            self.past.add(merger.stats());
        }
        // The next owner publishes the open windows' counts again from its own merge.
        self.early.clear();
        Ok(checkpoints)
    }
}

#[cfg(test)]
mod tests;
