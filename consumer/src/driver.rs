//! The Kafka side of the consumer: group membership, rebalance hooks, polling and commits.
//!
//! Offsets are never committed automatically. A partition's offset is committed only as far as
//! the first record of its oldest open window, after every closed window before it has been
//! written out, and after the partition's watermark has been saved (see `watermarks`). Whoever
//! owns the partition next (this process after a restart, or another group member after a
//! rebalance) rebuilds the open windows from there and skips what was already emitted.

use std::collections::HashMap;
use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tracing::{info, warn};

use common::kafka::consumer_config;
use common::settings::Settings;

use crate::pipeline::{Checkpoints, Pipeline, Stats};
use crate::sink::Sink;
use crate::watermarks::WatermarkStore;
use crate::window::{Checkpoint, WindowSpec};

/// How often closed windows are looked for and written out.
const CLOSE_INTERVAL: Duration = Duration::from_millis(100);

/// How long leaving the group may take at shutdown before we give up waiting for the broker.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(4);

type ConsolePipeline = Pipeline<Sink<Stdout>>;

/// State shared between the poll loop and the rebalance callbacks (which librdkafka runs on
/// the polling thread, inside `poll`).
struct GroupContext {
    topic: String,
    pipeline: Mutex<ConsolePipeline>,
    watermarks: WatermarkStore,
    /// Last checkpoint committed per partition, to skip redundant commits.
    committed: Mutex<HashMap<i32, Checkpoint>>,
    /// An output error raised inside a callback, reported by the loop.
    failure: Mutex<Option<io::Error>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl GroupContext {
    /// Saves the watermarks, then commits the offsets. In that order a crash in between leaves
    /// an older offset with a newer watermark, which still resumes exactly (see `window`).
    fn commit(&self, consumer: &BaseConsumer<Self>, checkpoints: Checkpoints, mode: CommitMode) {
        let mut committed = lock(&self.committed);
        let changed: Checkpoints = checkpoints
            .into_iter()
            .filter(|(p, cp)| committed.get(p) != Some(cp))
            .collect();
        if changed.is_empty() {
            return;
        }
        let watermarks: Vec<(i32, i64)> = changed
            .iter()
            .filter_map(|(p, cp)| cp.watermark_ms.map(|wm| (*p, wm)))
            .collect();
        if let Err(error) = self.watermarks.save(&watermarks) {
            warn!(%error, "saving watermarks failed; offsets not committed, will retry");
            return;
        }
        let mut tpl = TopicPartitionList::new();
        for (partition, cp) in changed {
            if let Err(error) =
                tpl.add_partition_offset(&self.topic, partition, Offset::Offset(cp.offset))
            {
                warn!(partition, %error, "invalid offset to commit");
                continue;
            }
            committed.insert(partition, cp);
        }
        match consumer.commit(&tpl, mode) {
            Ok(()) => tracing::debug!(partitions = tpl.count(), "committed offsets"),
            Err(error) => {
                // Forget what we thought was committed so the next round retries it.
                for elem in tpl.elements() {
                    committed.remove(&elem.partition());
                }
                warn!(%error, "offset commit failed; will retry");
            }
        }
    }

    fn fail(&self, error: io::Error) {
        lock(&self.failure).get_or_insert(error);
    }
}

impl ClientContext for GroupContext {
    /// librdkafka reports consumer errors both here and through `poll`; the poll loop handles
    /// them (end-of-partition marks idle partitions), so only client-level problems are logged.
    fn error(&self, error: KafkaError, reason: &str) {
        if error.rdkafka_error_code() != Some(RDKafkaErrorCode::PartitionEOF) {
            warn!(%error, reason, "Kafka client error");
        }
    }
}

impl ConsumerContext for GroupContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(tpl) = rebalance else {
            return;
        };
        let partitions: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
        info!(?partitions, "partitions revoked");
        let result = lock(&self.pipeline).revoke(&partitions);
        match result {
            Ok(checkpoints) => self.commit(consumer, checkpoints, CommitMode::Sync),
            Err(e) => self.fail(e),
        }
        let mut committed = lock(&self.committed);
        for p in &partitions {
            committed.remove(p);
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Assign(tpl) = rebalance else {
            return;
        };
        let partitions: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
        let watermarks = match self.watermarks.load(&partitions) {
            Ok(watermarks) => watermarks,
            Err(error) => {
                // Without the watermarks we cannot tell emitted windows from open ones.
                self.fail(io::Error::other(format!(
                    "cannot read the saved watermarks of assigned partitions: {error}"
                )));
                return;
            }
        };
        let mut pipeline = lock(&self.pipeline);
        for &partition in &partitions {
            let watermark_ms = watermarks.get(&partition).copied();
            pipeline.assign(partition, watermark_ms);
            info!(partition, ?watermark_ms, "resuming partition");
        }
        info!(?partitions, "partitions assigned");
    }
}

/// Runs the consumer until `stop` is set, or until every partition is read to its end when
/// `consumer.until_end` is on. Returns the totals.
pub fn run(settings: &Settings, stop: &AtomicBool) -> anyhow::Result<Stats> {
    let c = &settings.consumer;
    let spec = WindowSpec {
        size_ms: i64::try_from(c.window.as_millis()).context("consumer.window is too long")?,
        lateness_ms: i64::try_from(c.allowed_lateness.as_millis())
            .context("consumer.allowed_lateness is too long")?,
    };
    let sink = Sink::new(c.top, io::stdout(), c.counts_file.as_deref()).with_context(|| {
        format!(
            "cannot open counts file {}",
            c.counts_file
                .as_deref()
                .unwrap_or_else(|| "".as_ref())
                .display()
        )
    })?;
    let config = consumer_config(&settings.kafka, c);
    let context = GroupContext {
        topic: settings.kafka.topic.clone(),
        pipeline: Mutex::new(Pipeline::new(spec, sink)),
        watermarks: WatermarkStore::new(config.clone(), &c.group_id, &settings.kafka.topic)
            .context("invalid Kafka consumer settings")?,
        committed: Mutex::new(HashMap::new()),
        failure: Mutex::new(None),
    };
    let consumer: BaseConsumer<GroupContext> = config
        .create_with_context(context)
        .context("invalid Kafka consumer settings")?;
    consumer
        .subscribe(&[&settings.kafka.topic])
        .context("cannot subscribe")?;
    info!(topic = %settings.kafka.topic, group = %c.group_id, "consuming");

    let ctx = std::sync::Arc::clone(consumer.context());
    let outcome =
        poll_until_done(&consumer, c.until_end, c.commit_interval, stop).and_then(|reached_end| {
            let mut pipeline = lock(&ctx.pipeline);
            if reached_end {
                info!("every assigned partition read to its end; emitting all windows");
                pipeline.finish()
            } else {
                pipeline.stop()
            }
        });
    // Commit only what was written out; if writing failed, the next owner redoes it.
    if let Ok(checkpoints) = &outcome {
        ctx.commit(&consumer, checkpoints.clone(), CommitMode::Sync);
    }
    leave_group(consumer);
    outcome?;
    if let Some(error) = lock(&ctx.failure).take() {
        bail!(error);
    }
    let stats = lock(&ctx.pipeline).stats();
    Ok(stats)
}

/// Polls, processes and periodically commits until `stop` is set (returns false) or, with
/// `until_end`, every owned partition is read to its end (returns true).
fn poll_until_done(
    consumer: &BaseConsumer<GroupContext>,
    until_end: bool,
    commit_interval: Duration,
    stop: &AtomicBool,
) -> io::Result<bool> {
    let ctx = consumer.context();
    let mut last_close = Instant::now();
    let mut last_commit = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if let Some(error) = lock(&ctx.failure).take() {
            return Err(error);
        }
        match consumer.poll(CLOSE_INTERVAL) {
            Some(Ok(m)) => {
                lock(&ctx.pipeline).process(
                    m.partition(),
                    m.offset(),
                    m.payload(),
                    m.timestamp().to_millis(),
                );
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                lock(&ctx.pipeline).mark_end(partition);
            }
            // Already reported through `GroupContext::error`.
            Some(Err(error)) => tracing::debug!(%error, "consumer error"),
            None => {}
        }
        if until_end && lock(&ctx.pipeline).all_at_end() {
            return Ok(true);
        }
        if last_close.elapsed() >= CLOSE_INTERVAL {
            last_close = Instant::now();
            let checkpoints = lock(&ctx.pipeline).close_ready()?;
            if last_commit.elapsed() >= commit_interval {
                last_commit = Instant::now();
                ctx.commit(consumer, checkpoints, CommitMode::Async);
            }
        }
    }
    Ok(false)
}

/// Leaves the group and closes the consumer, waiting at most [`LEAVE_TIMEOUT`]. Call only as
/// the process is about to exit.
fn leave_group(consumer: BaseConsumer<GroupContext>) {
    // `BaseConsumer`'s drop closes the consumer again: after a completed close that only logs a
    // spurious error, and after a timed-out one (or during a panic) it waits without limit. The
    // close is done or given up here and the process is exiting, so its memory is left to the OS.
    let consumer = std::mem::ManuallyDrop::new(consumer);
    let deadline = Instant::now() + LEAVE_TIMEOUT;
    consumer.unsubscribe();
    let closing = consumer.close_queue();
    while closing.is_ok() && !consumer.closed() && Instant::now() < deadline {
        let _ = consumer.poll(Duration::from_millis(50));
    }
    if !consumer.closed() {
        warn!("the group did not confirm our leaving in time; exiting anyway");
    }
}
