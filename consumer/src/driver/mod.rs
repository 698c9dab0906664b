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
//! the stage's watermark has been saved (see `checkpoint`). Whoever owns the partition next
//! rebuilds the open windows from there and skips what was already emitted.
//!
//! One thread owns everything: the poll loop (`poll`) holds both stages' state and their
//! output, and librdkafka's rebalance callbacks only pass messages to it (`group`), so no state
//! sits behind a lock inside a client context.

pub mod checkpoint;
mod ends;
mod group;
mod output;
mod poll;
mod schedule;
pub mod sink;
mod stages;
mod thread_cpu;

use std::io;
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::{ClientConfig, Offset};
use tracing::info;

use common::kafka::{consumer_config, counting_producer, results_producer_config, SETUP_TIMEOUT};
use common::settings::{ConsumerSettings, OffsetReset, Settings};
use common::shutdown::Shutdown;

use crate::driver::checkpoint::CheckpointStore;
use crate::driver::sink::Sink;
use crate::engine::count::{CountOptions, Pipeline, TWITTER_BEGAN_MS};
use crate::engine::inputs::{Inputs, TopicSize};
use crate::engine::merge::MergeStats;
use crate::engine::rising::RisingParams;
use crate::engine::sentiment::Sample;
use crate::engine::stats::{MergeLoad, RunStats};
use crate::engine::window::{Shape, WindowSpec};
use crate::output::coalesce::Coalescer;
use crate::output::records::Publisher;
use crate::serve::metrics::Metrics;

use group::Member;
use output::{Output, OutputTopics};
use poll::{Driver, RunLimits};
use stages::{CountStage, MergeStage};

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

/// Runs the consumer until `stop` is set, or until every partition is read to its end and
/// merged when `consumer.until_end` is on, keeping `metrics` up to date. Returns the totals.
pub fn run(
    settings: &Settings,
    stop: &Shutdown,
    metrics: Arc<Metrics>,
) -> anyhow::Result<RunStats> {
    // Never dropped: dropping a consumer closes it again, which after a completed close only
    // logs a spurious error and after a timed-out one (or during a panic) waits without limit;
    // the producer's drop would wait for unacknowledged sends. The process is exiting, so the
    // memory is left to the OS.
    let mut driver = ManuallyDrop::new(start(settings, metrics)?);
    let outcome = driver.run(stop);
    let left = driver.leave();
    outcome?;
    left?;
    Ok(driver.stats())
}

/// Opens the output, joins both groups and builds both stages.
fn start(settings: &Settings, metrics: Arc<Metrics>) -> anyhow::Result<Driver> {
    let c = &settings.consumer;
    let config = consumer_config(&settings.kafka, c);
    let output = open_output(settings, &config)?;
    let mut group_config = config.clone();
    if c.http.is_some() {
        // Consumer lag for the metrics endpoint, through `GroupContext::stats`.
        group_config.set("statistics.interval.ms", "1000");
    }
    let start = match c.auto_offset_reset {
        OffsetReset::Earliest => Offset::Beginning,
        OffsetReset::Latest => Offset::End,
    };
    let inputs = raw_inputs(&group_config, &settings.raw_topics())?;
    let sources = inputs.count();
    let raw_topics = settings.kafka.topic.clone();
    let raw = Member::join(&group_config, inputs, start, Arc::clone(&metrics))?;
    let mut merge_config = group_config;
    merge_config
        .set("group.id", format!("{}.merge", c.group_id))
        .set("auto.offset.reset", "earliest");
    let partials = &output.topics.partials;
    let one_partition = Inputs::new([TopicSize {
        name: partials.clone(),
        partitions: 1,
    }]);
    let merge = Member::join(
        &merge_config,
        one_partition,
        Offset::Beginning,
        Arc::clone(&metrics),
    )?;
    info!(topics = %raw_topics, group = %c.group_id, sources, %partials,
          results = %output.topics.results, "consuming");
    Ok(Driver {
        raw,
        merge,
        count: CountStage {
            pipeline: Pipeline::new(count_options(c)?),
        },
        merging: merge_stage(c, sources, Arc::clone(&metrics)),
        output,
        metrics,
        limits: RunLimits {
            until_end: c.until_end,
            limit: c.limit,
            duration: c.duration,
            commit_interval: c.commit_interval,
            early_updates: !c.early_updates.is_zero(),
        },
    })
}

/// The counting stage's options from the consumer settings.
fn count_options(c: &ConsumerSettings) -> anyhow::Result<CountOptions> {
    Ok(CountOptions {
        spec: WindowSpec {
            shapes: Shape::for_defs(&c.window),
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
    })
}

/// The merge stage, not merging until the group assigns it the partials partition.
fn merge_stage(c: &ConsumerSettings, sources: i32, metrics: Arc<Metrics>) -> MergeStage {
    let mut publisher = Publisher::new(&c.window, c.top);
    if c.rising_history > 0 {
        publisher = publisher.with_rising(RisingParams {
            history: c.rising_history,
            min_count: c.rising_min_count,
            min_score_m: thousandths(c.rising_min_score) as i64,
            prior_m: thousandths(c.rising_prior),
            top: c.top,
        });
    }
    MergeStage {
        merger: None,
        past: MergeStats::default(),
        publisher,
        sources,
        early: Coalescer::new(c.early_updates),
        metrics,
        load: MergeLoad::default(),
    }
}

/// A setting's value in whole thousandths, the unit rising scores are computed in (settings
/// validation keeps it between 0 and 10^12).
fn thousandths(value: f64) -> u64 {
    (value * 1000.0).round() as u64
}

/// The console and counts file, the producer of every output topic, and the checkpoints.
fn open_output(settings: &Settings, config: &ClientConfig) -> anyhow::Result<Output> {
    let c = &settings.consumer;
    let sink = Sink::new(io::stdout(), c.counts_file.as_deref()).with_context(|| {
        let path = c.counts_file.as_deref().unwrap_or_else(|| "".as_ref());
        format!("cannot open counts file {}", path.display())
    })?;
    let producer_settings = results_producer_config(&settings.kafka);
    let (producer, deliveries) =
        counting_producer(&producer_settings).context("invalid Kafka producer settings")?;
    let checkpoints = CheckpointStore::new(
        config,
        &producer_settings,
        &c.group_id,
        &settings.checkpoints_topic(),
    )
    .context("invalid Kafka client settings")?;
    Ok(Output {
        producer,
        deliveries,
        checkpoints,
        topics: OutputTopics {
            partials: settings.partials_topic(),
            results: settings.kafka.results_topic.clone(),
            dlq: settings
                .raw_topics()
                .into_iter()
                .map(|raw| {
                    let dlq = settings.dlq_topic_of(&raw);
                    (raw, dlq)
                })
                .collect(),
        },
        sink,
        reader_config: config.clone(),
    })
}

/// The raw topics' partitions, numbered: the merge stage waits for all of them. Asked with a
/// client of its own, before joining the group, so that the numbering is fixed before any
/// partition can be assigned.
fn raw_inputs(config: &ClientConfig, topics: &[String]) -> anyhow::Result<Inputs> {
    let client: BaseConsumer = config.create().context("invalid Kafka consumer settings")?;
    let sizes = topics
        .iter()
        .map(|topic| {
            Ok(TopicSize {
                name: topic.clone(),
                partitions: partition_count(&client, topic)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Inputs::new(sizes))
}

/// How many partitions `topic` has.
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
