//! The two stages as the groups see them: counting over the raw topic, merging over the
//! partials topic, each wrapping its pure engine part.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use rdkafka::ClientConfig;
use tracing::info;

use crate::engine::count::{Checkpoints, Pipeline};
use crate::engine::merge::{MergeStats, Merger};
use crate::output::records::{Published, Publisher};

use super::group::Stage;
use super::read::read_topic;
use super::{lock, Shared};

/// The counting stage over the raw topic.
pub(super) struct CountStage {
    pub(super) pipeline: Mutex<Pipeline>,
    pub(super) shared: Arc<Shared>,
}

impl Stage for CountStage {
    fn assigned(&self, partitions: &[(i32, Option<i64>)]) -> anyhow::Result<()> {
        let mut pipeline = lock(&self.pipeline);
        for &(partition, watermark_ms) in partitions {
            pipeline.assign(partition, watermark_ms, Instant::now());
        }
        Ok(())
    }

    fn revoked(&self, partitions: &[i32]) -> anyhow::Result<Checkpoints> {
        let (messages, checkpoints) = lock(&self.pipeline).revoke(partitions, Instant::now());
        self.shared.send_partials(messages)?;
        Ok(checkpoints)
    }
}

/// The merge stage over the partials topic; `merger` is `None` unless this member owns it.
pub(super) struct MergeStage {
    pub(super) merger: Mutex<Option<Merger>>,
    /// Totals of mergers this member owned earlier in the run.
    pub(super) past: Mutex<MergeStats>,
    pub(super) publisher: Mutex<Publisher>,
    pub(super) sources: i32,
    /// Whether cumulative totals must be restored from the result topic on takeover.
    pub(super) restore: Option<ClientConfig>,
    pub(super) shared: Arc<Shared>,
}

impl MergeStage {
    /// Publishes the windows that became complete, and early updates when asked for.
    pub(super) fn emit(&self, early: bool) -> anyhow::Result<()> {
        let mut merger = lock(&self.merger);
        let Some(merger) = merger.as_mut() else {
            return Ok(());
        };
        let mut publisher = lock(&self.publisher);
        let mut published = Published::default();
        if early {
            for w in merger.take_changed() {
                publisher.publish(&w, &mut published);
            }
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        for w in merger.take_complete() {
            self.shared.metrics.record_emit(w.id.end_ms(), now_ms);
            publisher.publish(&w, &mut published);
        }
        self.shared.publish(published)
    }

    /// Totals over the whole run.
    pub(super) fn stats(&self) -> MergeStats {
        let mut stats = *lock(&self.past);
        if let Some(merger) = lock(&self.merger).as_ref() {
            stats.add(merger.stats());
        }
        stats
    }

    pub(super) fn checkpoints(&self) -> Checkpoints {
        lock(&self.merger)
            .as_ref()
            .and_then(Merger::checkpoint)
            .map(|cp| (0, cp))
            .into_iter()
            .collect()
    }
}

impl Stage for MergeStage {
    fn assigned(&self, partitions: &[(i32, Option<i64>)]) -> anyhow::Result<()> {
        let Some(&(_, emitted_through)) = partitions.iter().find(|(p, _)| *p == 0) else {
            return Ok(());
        };
        if let Some(config) = &self.restore {
            let mut publisher = lock(&self.publisher);
            publisher.reset();
            let read = read_topic(config, &self.shared.results_topic, |key, value| {
                publisher.restore(key, value)
            })
            .context("cannot restore cumulative totals from the result topic")?;
            info!(
                records = read,
                "cumulative totals restored from the result topic"
            );
        }
        *lock(&self.merger) = Some(Merger::new(self.sources, emitted_through));
        info!("merging windows of all partitions here");
        Ok(())
    }

    fn revoked(&self, partitions: &[i32]) -> anyhow::Result<Checkpoints> {
        if !partitions.contains(&0) {
            return Ok(Vec::new());
        }
        self.emit(false)?;
        let checkpoints = self.checkpoints();
        if let Some(merger) = lock(&self.merger).take() {
            lock(&self.past).add(merger.stats());
        }
        Ok(checkpoints)
    }
}
