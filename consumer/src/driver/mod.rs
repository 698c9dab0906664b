//! The Kafka side of the consumer: two group memberships, rebalance hooks, polling, sending
//! and commits around the pure counting (`engine::count`) and merging (`engine::merge`) stages.
//!
//! * Counting: group `<group.id>` reads the raw topic; each partition's closed windows go to the
//!   partials topic, followed by the partition's progress.
//! * Merging: group `<group.id>.merge` reads the one-partition partials topic, so exactly one
//!   member merges at a time; it publishes every final window to the result topic and prints
//!   the tables.
//!
//! Offsets are never committed automatically. For both stages a partition's offset is
//! committed only as far as the first record of its oldest open window, after everything
//! before it has been acknowledged by the broker (and written to the counts file), and after
//! the stage's watermark has been saved (see `watermarks`). Whoever owns the partition next
//! rebuilds the open windows from there and skips what was already emitted.

pub mod checkpoint;
mod group;
mod read;
pub mod sink;
mod stages;

use std::collections::HashMap;
use std::io::{self, Stdout};
use std::mem::ManuallyDrop;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::Offset;
use tracing::{info, warn};

use common::kafka::{
    consumer_config, counting_producer, results_producer_config, send_waiting, CountingProducer,
    Deliveries, SETUP_TIMEOUT,
};
use common::settings::{OffsetReset, Settings};
use model::window_spec::WindowDef;

use crate::driver::checkpoint::CheckpointStore;
use crate::driver::sink::Sink;
use crate::engine::count::{CountOptions, Pipeline, Rejection, TWITTER_BEGAN_MS};
use crate::engine::merge::MergeStats;
use crate::engine::partial::PartialMessage;
use crate::engine::sentiment::Sample;
use crate::engine::stats::RunStats;
use crate::engine::window::{Shape, WindowSpec};
use crate::output::records::{Published, Publisher};
use crate::serve::metrics::Metrics;

use group::GroupContext;
pub(crate) use read::Reader;
use stages::{CountStage, MergeStage};
/// Dead-lettered payloads are cut to this size, below Kafka's default 1 MB message limit, so an
/// oversized message cannot block the commits behind it; `dlq.truncated_from` gives its size.
const DLQ_MAX_BYTES: usize = 900_000;

/// How often closed windows are looked for and sent.
const CLOSE_INTERVAL: Duration = Duration::from_millis(100);

/// How long leaving a group may take at shutdown before we give up waiting for the broker.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a regular commit (the periodic one, the end of a batch run) may wait for output to
/// be acknowledged and the checkpoints saved before it is given up and retried at the next one
/// (the broker may be restarting; librdkafka keeps retrying the sends meanwhile).
const COMMIT_BUDGET: Duration = Duration::from_secs(5);

/// The same at shutdown, where a stop has 5 s in all. A checkpoint not saved in time is no loss:
/// the next owner resumes from the one before.
const SHUTDOWN_BUDGET: Duration = Duration::from_secs(1);

/// How long partitions arriving in a rebalance wait for their checkpoints while the broker
/// that holds them is away: long enough for the cluster to move its leadership (Kafka fences
/// a dead node after 9 s), well inside the group's rebalance timeout (`max.poll.interval.ms`,
/// 300 s by default).
const LOAD_BUDGET: Duration = Duration::from_secs(90);

/// How long a batch run (`--until-end`) waits at its end for its results to be acknowledged
/// before it fails (exit 1) instead of reporting success.
const FINAL_FLUSH: Duration = Duration::from_secs(60);

/// With `--until-end`, the longest wait for the merge stage to be assigned here and catch up.
/// Long, because a member that left (or was killed) can hold the partials partition until the
/// broker expires its session; a member that never gets it (another live member merges) stops
/// after this.
const MERGE_JOIN_WAIT: Duration = Duration::from_secs(120);

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a str> {
    Header {
        key,
        value: Some(value),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What both stages share: the producer, the checkpoints, the console and counts file, and
/// the first error raised inside a callback (reported by the poll loop).
struct Shared {
    producer: CountingProducer,
    checkpoints: CheckpointStore,
    deliveries: Arc<Deliveries>,
    partials_topic: String,
    results_topic: String,
    dlq_topic: String,
    sink: Mutex<Sink<Stdout>>,
    failure: Mutex<Option<anyhow::Error>>,
    metrics: Arc<Metrics>,
}

impl Shared {
    fn fail(&self, error: anyhow::Error) {
        lock(&self.failure).get_or_insert(error);
    }

    /// Sends the counting stage's messages to the partials topic (its only partition).
    fn send_partials(&self, messages: Vec<PartialMessage>) -> anyhow::Result<()> {
        for message in messages {
            let key = message.source().to_string();
            let payload = message.encode();
            let record = BaseRecord::to(&self.partials_topic)
                .partition(0)
                .key(key.as_bytes())
                .payload(&payload);
            send_waiting(&self.producer, record).context("cannot send to the partials topic")?;
        }
        Ok(())
    }

    /// Dead-letters a message the counting stage rejected: its original key and bytes (cut to
    /// [`DLQ_MAX_BYTES`]), the reason and its origin in headers. Like every output it is
    /// acknowledged before the checkpoint passes it, so none is lost; after a crash the replay
    /// sends it again (the headers identify duplicates).
    fn dead_letter(&self, m: &BorrowedMessage<'_>, rejection: &Rejection) -> anyhow::Result<()> {
        let reason = rejection.to_string();
        warn!(partition = m.partition(), offset = m.offset(), %reason, "rejected message dead-lettered");
        let payload = m.payload().unwrap_or_default();
        let kept = &payload[..payload.len().min(DLQ_MAX_BYTES)];
        let (partition, offset) = (m.partition().to_string(), m.offset().to_string());
        let size = payload.len().to_string();
        let mut headers = OwnedHeaders::new()
            .insert(header("dlq.reason", &reason))
            .insert(header("dlq.topic", m.topic()))
            .insert(header("dlq.partition", &partition))
            .insert(header("dlq.offset", &offset));
        if kept.len() < payload.len() {
            headers = headers.insert(header("dlq.truncated_from", &size));
        }
        let mut record = BaseRecord::<[u8], [u8]>::to(&self.dlq_topic)
            .payload(kept)
            .headers(headers);
        if let Some(key) = m.key() {
            record = record.key(key);
        }
        send_waiting(&self.producer, record).context("cannot send to the dead-letter topic")
    }

    /// Sends results, shows tables and appends counts-file lines.
    fn publish(&self, published: Published) -> anyhow::Result<()> {
        for record in &published.records {
            let message = BaseRecord::to(&self.results_topic)
                .key(record.key.as_bytes())
                .payload(&record.value);
            send_waiting(&self.producer, message).context("cannot send to the result topic")?;
        }
        let mut sink = lock(&self.sink);
        for table in &published.tables {
            sink.table(table);
        }
        for line in &published.lines {
            sink.line(line).context("cannot write the counts file")?;
        }
        Ok(())
    }

    /// Waits up to `budget` until everything sent is acknowledged and the counts file is on disk.
    fn make_durable(&self, budget: Duration) -> Result<(), NotDurable> {
        let flushed = self.producer.flush(budget);
        let failed = self.deliveries.failed.load(Ordering::Relaxed);
        if failed > 0 {
            return Err(NotDurable::Lost(anyhow!(
                "{failed} output messages were not delivered; not committing past them"
            )));
        }
        flushed.map_err(|e| NotDurable::Pending(e.into()))?;
        lock(&self.sink)
            .flush()
            .context("cannot write the counts file")
            .map_err(NotDurable::Lost)
    }
}

/// Why output is not durable yet.
enum NotDurable {
    /// Not acknowledged in time (a slow or restarting broker): commit later.
    Pending(anyhow::Error),
    /// Lost (delivery failed for good, or the counts file cannot be written): the run stops and
    /// a restart replays it from the checkpoints.
    Lost(anyhow::Error),
}

impl NotDurable {
    /// The failure of a run that cannot wait any longer.
    fn into_error(self) -> anyhow::Error {
        match self {
            NotDurable::Pending(e) => e.context("results were not acknowledged by the broker"),
            NotDurable::Lost(e) => e,
        }
    }
}

/// Runs the consumer until `stop` is set, or until every partition is read to its end and
/// merged when `consumer.until_end` is on, keeping `metrics` up to date. Returns the totals.
pub fn run(
    settings: &Settings,
    stop: &common::shutdown::Shutdown,
    metrics: Arc<Metrics>,
) -> anyhow::Result<RunStats> {
    let c = &settings.consumer;
    let shapes = Shape::for_defs(&c.window);
    let options = CountOptions {
        spec: WindowSpec {
            shapes,
            lateness_ms: i64::try_from(c.allowed_lateness.as_millis())
                .context("consumer.allowed_lateness is too long")?,
            max_hashtags: c.max_hashtags,
        },
        retweets: c.retweets,
        idle_timeout: c.idle_timeout,
        early_updates: (!c.early_updates.is_zero()).then_some(c.early_updates),
        max_message_bytes: c.max_message_bytes,
        max_clock_skew: c.max_clock_skew,
        earliest_event_ms: TWITTER_BEGAN_MS,
        sentiment: c.sentiment.then(|| Sample::new(c.sentiment_sample)),
    };
    let sink = Sink::new(io::stdout(), c.counts_file.as_deref()).with_context(|| {
        let path = c.counts_file.as_deref().unwrap_or_else(|| "".as_ref());
        format!("cannot open counts file {}", path.display())
    })?;
    let producer_settings = results_producer_config(&settings.kafka);
    let (producer, deliveries) =
        counting_producer(&producer_settings).context("invalid Kafka producer settings")?;
    let config = consumer_config(&settings.kafka, c);
    let checkpoints = CheckpointStore::new(
        &config,
        &producer_settings,
        &c.group_id,
        &settings.checkpoints_topic(),
    )
    .context("invalid Kafka client settings")?;
    let shared = Arc::new(Shared {
        producer,
        checkpoints,
        deliveries,
        partials_topic: settings.partials_topic(),
        results_topic: settings.kafka.results_topic.clone(),
        dlq_topic: settings.dlq_topic(),
        sink: Mutex::new(sink),
        failure: Mutex::new(None),
        metrics,
    });

    let raw_topic = settings.kafka.topic.clone();
    let count_ctx = GroupContext {
        stage: CountStage {
            pipeline: Mutex::new(Pipeline::new(options)),
            shared: Arc::clone(&shared),
        },
        shared: Arc::clone(&shared),
        topic: raw_topic.clone(),
        start: match c.auto_offset_reset {
            OffsetReset::Earliest => Offset::Beginning,
            OffsetReset::Latest => Offset::End,
        },
        committed: Mutex::new(HashMap::new()),
    };
    let mut group_config = config.clone();
    if c.http.is_some() {
        // Consumer lag for the metrics endpoint, through `GroupContext::stats`.
        group_config.set("statistics.interval.ms", "1000");
    }
    let raw: BaseConsumer<GroupContext<CountStage>> = group_config
        .create_with_context(count_ctx)
        .context("invalid Kafka consumer settings")?;
    let sources = partition_count(&raw, &raw_topic)?;

    let merge_group = format!("{}.merge", c.group_id);
    let mut merge_config = group_config.clone();
    merge_config
        .set("group.id", &merge_group)
        .set("auto.offset.reset", "earliest");
    let has_cumulative = c
        .window
        .iter()
        .any(|d| matches!(d, WindowDef::Cumulative { .. }));
    let merge_ctx = GroupContext {
        stage: MergeStage {
            merger: Mutex::new(None),
            past: Mutex::new(MergeStats::default()),
            publisher: Mutex::new(Publisher::new(&c.window, c.top)),
            sources,
            restore: has_cumulative.then(|| config.clone()),
            shared: Arc::clone(&shared),
        },
        shared: Arc::clone(&shared),
        topic: shared.partials_topic.clone(),
        start: Offset::Beginning,
        committed: Mutex::new(HashMap::new()),
    };
    let merge: BaseConsumer<GroupContext<MergeStage>> = merge_config
        .create_with_context(merge_ctx)
        .context("invalid Kafka consumer settings")?;

    raw.subscribe(&[&raw_topic]).context("cannot subscribe")?;
    merge
        .subscribe(&[&shared.partials_topic])
        .context("cannot subscribe")?;
    info!(topic = %raw_topic, group = %c.group_id, sources, partials = %shared.partials_topic,
          results = %shared.results_topic, "consuming");

    let outcome = poll_until_done(&raw, &merge, settings, stop);
    let merge_ctx = Arc::clone(merge.context());
    let count_ctx = Arc::clone(raw.context());
    leave_groups(raw, merge);
    outcome?;
    if let Some(error) = lock(&shared.failure).take() {
        return Err(error);
    }
    let count = lock(&count_ctx.stage.pipeline).stats();
    Ok(RunStats {
        count,
        merge: merge_ctx.stage.stats(),
    })
}

/// How many partitions the raw topic has: the merge stage waits for all of them.
fn partition_count<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    topic: &str,
) -> anyhow::Result<i32> {
    let metadata = consumer
        .fetch_metadata(Some(topic), SETUP_TIMEOUT)
        .with_context(|| format!("cannot read the metadata of topic {topic}"))?;
    let partitions = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .map_or(0, |t| t.partitions().len());
    if partitions == 0 {
        bail!("topic {topic} has no partitions");
    }
    Ok(partitions as i32)
}

/// Polls both stages, processes, sends and periodically commits until `stop` is set or, with
/// `until_end`, everything is read and merged.
fn poll_until_done(
    raw: &BaseConsumer<GroupContext<CountStage>>,
    merge: &BaseConsumer<GroupContext<MergeStage>>,
    settings: &Settings,
    stop: &common::shutdown::Shutdown,
) -> anyhow::Result<()> {
    let c = &settings.consumer;
    let (count_ctx, merge_ctx) = (raw.context(), merge.context());
    let shared = &count_ctx.shared;
    let mut last_close = Instant::now();
    let mut last_commit = Instant::now();
    let mut finished: Option<(Instant, i64)> = None;
    let commit_all = |budget| {
        let checkpoints = lock(&count_ctx.stage.pipeline).checkpoints();
        count_ctx.commit(raw, checkpoints, budget);
        merge_ctx.commit(merge, merge_ctx.stage.checkpoints(), budget);
    };
    let deadline = c.duration.map(|d| Instant::now() + d);
    lock(&count_ctx.stage.pipeline).set_wall_clock(chrono::Utc::now().timestamp_millis());
    while !stop.is_triggered() {
        if let Some(error) = lock(&shared.failure).take() {
            return Err(error);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            info!("--duration reached; stopping");
            break;
        }
        // Polled even after finishing, so a rebalance that brings more partitions is served.
        match raw.poll(Duration::from_millis(20)) {
            Some(Ok(m)) => {
                let mut pipeline = lock(&count_ctx.stage.pipeline);
                let counted = pipeline.process(
                    m.partition(),
                    m.offset(),
                    m.payload(),
                    m.timestamp().to_millis(),
                    Instant::now(),
                );
                let consumed = pipeline.stats().consumed;
                drop(pipeline);
                if let Err(rejection) = counted {
                    shared.dead_letter(&m, &rejection)?;
                }
                if c.limit.is_some_and(|limit| consumed >= limit) {
                    info!(consumed, "--limit reached; stopping");
                    break;
                }
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                lock(&count_ctx.stage.pipeline).mark_end(partition);
            }
            // Already reported through `GroupContext::error`.
            Some(Err(error)) => tracing::debug!(%error, "consumer error"),
            None => {}
        }
        let arrived = drain_partials(merge)?;
        // Snapshots come at the counting stages' pace; passing them on at once spares a live
        // view another interval of delay.
        if arrived && !c.early_updates.is_zero() {
            merge_ctx.stage.emit(true)?;
        }
        let now = Instant::now();
        let at_end = c
            .until_end
            .then(|| lock(&count_ctx.stage.pipeline).finish_at_end())
            .flatten();
        if let Some(messages) = at_end {
            info!("every assigned partition read to its end; closing all windows");
            shared.send_partials(messages)?;
            commit_all(COMMIT_BUDGET);
            // The merge stage is caught up only once it has read past our last message.
            let (_, end) = merge
                .fetch_watermarks(&shared.partials_topic, 0, SETUP_TIMEOUT)
                .context("cannot read the end of the partials topic")?;
            finished = Some((now, end));
        }
        if now.duration_since(last_close) >= CLOSE_INTERVAL {
            last_close = now;
            let mut pipeline = lock(&count_ctx.stage.pipeline);
            pipeline.set_wall_clock(chrono::Utc::now().timestamp_millis());
            let messages = pipeline.close_ready(now);
            drop(pipeline);
            shared.send_partials(messages)?;
            merge_ctx.stage.emit(false)?;
            shared.metrics.record_run(RunStats {
                count: lock(&count_ctx.stage.pipeline).stats(),
                merge: merge_ctx.stage.stats(),
            });
        }
        // Counting is done until a rebalance brings a partition with more to read.
        let counted = finished.filter(|_| lock(&count_ctx.stage.pipeline).finished());
        if let Some((at, end)) = counted {
            let caught_up = lock(&merge_ctx.stage.merger)
                .as_ref()
                .map(|m| m.caught_up(end));
            if caught_up == Some(true) {
                merge_ctx.stage.emit(false)?;
                // A batch run succeeds only once its results are in the broker.
                shared
                    .make_durable(FINAL_FLUSH)
                    .map_err(NotDurable::into_error)?;
                commit_all(COMMIT_BUDGET);
                info!("every window merged and published");
                return Ok(());
            }
            if now.duration_since(at) >= MERGE_JOIN_WAIT {
                warn!("the merge stage was not assigned here or did not finish in time; stopping after counting");
                return Ok(());
            }
        }
        if now.duration_since(last_commit) >= c.commit_interval {
            last_commit = now;
            commit_all(COMMIT_BUDGET);
        }
    }
    // Stopping: send what is due and commit it; open windows are rebuilt after a restart.
    let messages = lock(&count_ctx.stage.pipeline).close_ready(Instant::now());
    shared.send_partials(messages)?;
    drain_partials(merge)?;
    merge_ctx.stage.emit(false)?;
    commit_all(SHUTDOWN_BUDGET);
    Ok(())
}

/// Feeds every partials message already fetched to the merge stage; whether any arrived.
fn drain_partials(merge: &BaseConsumer<GroupContext<MergeStage>>) -> anyhow::Result<bool> {
    let stage = &merge.context().stage;
    let mut arrived = false;
    while let Some(result) = merge.poll(Duration::ZERO) {
        match result {
            Ok(m) => {
                arrived = true;
                let mut merger = lock(&stage.merger);
                let Some(merger) = merger.as_mut() else {
                    continue;
                };
                match PartialMessage::decode(m.payload().unwrap_or_default()) {
                    Ok(message) => merger.observe(m.offset(), message),
                    Err(error) => {
                        warn!(offset = m.offset(), %error, "skipping a message the merge stage cannot read");
                        merger.skip(m.offset());
                    }
                }
            }
            Err(KafkaError::PartitionEOF(_)) => {}
            Err(error) => tracing::debug!(%error, "merge consumer error"),
        }
    }
    Ok(arrived)
}

/// Leaves both groups at once and closes the consumers, waiting at most [`LEAVE_TIMEOUT`]
/// (shutdown has 5 s in all). Call only as the process is about to exit.
fn leave_groups<A: ConsumerContext, B: ConsumerContext>(
    raw: BaseConsumer<A>,
    merge: BaseConsumer<B>,
) {
    // `BaseConsumer`'s drop closes the consumer again: after a completed close that only logs a
    // spurious error, and after a timed-out one (or during a panic) it waits without limit. The
    // close is done or given up here and the process is exiting, so its memory is left to the OS.
    let (raw, merge) = (ManuallyDrop::new(raw), ManuallyDrop::new(merge));
    let deadline = Instant::now() + LEAVE_TIMEOUT;
    raw.unsubscribe();
    merge.unsubscribe();
    let closing = raw.close_queue().and(merge.close_queue());
    while closing.is_ok() && !(raw.closed() && merge.closed()) && Instant::now() < deadline {
        let _ = raw.poll(Duration::from_millis(25));
        let _ = merge.poll(Duration::from_millis(25));
    }
    if !(raw.closed() && merge.closed()) {
        warn!("the groups did not confirm our leaving in time; exiting anyway");
    }
}
