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
pub mod sink;

use std::collections::HashMap;
use std::io::{self, Stdout};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::statistics::Statistics;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::{ClientConfig, ClientContext, Offset, TopicPartitionList};
use tracing::{info, warn};

use common::kafka::{
    consumer_config, counting_producer, is_transient, results_producer_config, retry_transient,
    send_waiting, CountingProducer, Deliveries, SETUP_TIMEOUT,
};
use common::settings::{OffsetReset, Settings};
use model::window_spec::WindowDef;

use crate::driver::checkpoint::{CheckpointError, CheckpointStore};
use crate::driver::sink::Sink;
use crate::engine::count::{Checkpoints, CountOptions, Pipeline, Rejection, TWITTER_BEGAN_MS};
use crate::engine::merge::{MergeStats, Merger};
use crate::engine::partial::PartialMessage;
use crate::engine::sentiment::Sample;
use crate::engine::stats::RunStats;
use crate::engine::window::{Checkpoint, Shape, WindowSpec};
use crate::output::records::{Published, Publisher};
use crate::serve::metrics::Metrics;

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

/// What a stage does when its group moves partitions.
trait Stage: Send + Sync + 'static {
    /// Partitions arrive with the watermarks saved with their resume offsets.
    fn assigned(&self, partitions: &[(i32, Option<i64>)]) -> anyhow::Result<()>;
    /// Partitions leave: send what is due and return their checkpoints.
    fn revoked(&self, partitions: &[i32]) -> anyhow::Result<Checkpoints>;
}

/// A group membership of one stage.
struct GroupContext<S> {
    stage: S,
    shared: Arc<Shared>,
    topic: String,
    /// Where a partition with no checkpoint starts.
    start: Offset,
    /// Last checkpoint saved per partition, to skip redundant saves.
    committed: Mutex<HashMap<i32, Checkpoint>>,
}

impl<S: Stage> GroupContext<S> {
    /// Makes output durable, then saves the checkpoints, then commits the group's offsets (for
    /// lag tools; resuming uses the checkpoints), each step waiting at most `budget`.
    fn commit(&self, consumer: &BaseConsumer<Self>, checkpoints: Checkpoints, budget: Duration) {
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
    fn assign(&self, consumer: &BaseConsumer<Self>, tpl: &mut TopicPartitionList) {
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
    fn load_checkpoints(
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
    fn revoke(&self, consumer: &BaseConsumer<Self>, tpl: &TopicPartitionList) {
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

/// librdkafka reports consumer errors both to the client context and through `poll`; the
/// poll loops handle end-of-partition, so only client-level problems are logged.
fn log_client_error(error: &KafkaError, reason: &str) {
    if error.rdkafka_error_code() != Some(RDKafkaErrorCode::PartitionEOF) {
        warn!(%error, reason, "Kafka client error");
    }
}

/// The context of the clients that read a topic to its end ([`read_topic`]'s reader, the live
/// view's result reader): end-of-partition is how they know they caught up, no error, and
/// librdkafka's default context would log each one.
pub(crate) struct Reader;

impl ClientContext for Reader {
    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }
}

impl ConsumerContext for Reader {}

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

/// The counting stage over the raw topic.
struct CountStage {
    pipeline: Mutex<Pipeline>,
    shared: Arc<Shared>,
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
struct MergeStage {
    merger: Mutex<Option<Merger>>,
    /// Totals of mergers this member owned earlier in the run.
    past: Mutex<MergeStats>,
    publisher: Mutex<Publisher>,
    sources: i32,
    /// Whether cumulative totals must be restored from the result topic on takeover.
    restore: Option<ClientConfig>,
    shared: Arc<Shared>,
}

impl MergeStage {
    /// Publishes the windows that became complete, and early updates when asked for.
    fn emit(&self, early: bool) -> anyhow::Result<()> {
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
    fn stats(&self) -> MergeStats {
        let mut stats = *lock(&self.past);
        if let Some(merger) = lock(&self.merger).as_ref() {
            stats.add(merger.stats());
        }
        stats
    }

    fn checkpoints(&self) -> Checkpoints {
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

/// Runs the consumer until `stop` is set, or until every partition is read to its end and
/// merged when `consumer.until_end` is on, keeping `metrics` up to date. Returns the totals.
pub fn run(
    settings: &Settings,
    stop: &AtomicBool,
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

/// Reads every record of `topic` from the beginning to its current end, oldest first per
/// partition. Returns how many were read.
fn read_topic(
    config: &ClientConfig,
    topic: &str,
    mut each: impl FnMut(&str, &[u8]),
) -> anyhow::Result<u64> {
    let reader: BaseConsumer<Reader> = config.create_with_context(Reader)?;
    // A rebalance after a node restarts can bring the merge stage here before it serves again.
    let deadline = Instant::now() + Duration::from_secs(120);
    let metadata = retry_transient(deadline, || {
        reader.fetch_metadata(Some(topic), SETUP_TIMEOUT)
    })?;
    let mut tpl = TopicPartitionList::new();
    let mut ends = HashMap::new();
    for p in metadata.topics().iter().flat_map(|t| t.partitions()) {
        let (low, high) = retry_transient(deadline, || {
            reader.fetch_watermarks(topic, p.id(), SETUP_TIMEOUT)
        })?;
        if high > low {
            tpl.add_partition_offset(topic, p.id(), Offset::Beginning)?;
            ends.insert(p.id(), high);
        }
    }
    if ends.is_empty() {
        return Ok(0);
    }
    reader.assign(&tpl)?;
    let mut read = 0;
    while !ends.is_empty() {
        if Instant::now() > deadline {
            bail!("timed out reading {topic}");
        }
        match reader.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                read += 1;
                if let (Some(key), Some(value)) = (m.key(), m.payload()) {
                    each(&String::from_utf8_lossy(key), value);
                }
                if ends
                    .get(&m.partition())
                    .is_some_and(|&end| m.offset() + 1 >= end)
                {
                    ends.remove(&m.partition());
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                ends.remove(&p);
            }
            // librdkafka retries; the deadline bounds the wait.
            Some(Err(e)) if is_transient(&e) => {}
            Some(Err(e)) => return Err(e.into()),
            None => {}
        }
    }
    Ok(read)
}

/// Polls both stages, processes, sends and periodically commits until `stop` is set or, with
/// `until_end`, everything is read and merged.
fn poll_until_done(
    raw: &BaseConsumer<GroupContext<CountStage>>,
    merge: &BaseConsumer<GroupContext<MergeStage>>,
    settings: &Settings,
    stop: &AtomicBool,
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
    while !stop.load(Ordering::Relaxed) {
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
