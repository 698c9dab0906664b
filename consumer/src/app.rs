//! The consumer's wiring, from settings to a finished run: the topics it needs, the HTTP
//! server when configured, and the driver. `main.rs` holds the command line only.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tracing::info;

use common::cli::stop_on_signals;
use common::kafka::{ensure_topics, TopicSpec};
use common::settings::Settings;

use crate::driver;
use crate::engine::stats::RunStats;
use crate::serve::http;
use crate::serve::metrics::Metrics;

/// Creates the topics, starts the HTTP server when configured, and runs the consumer until it
/// stops (a signal, `--until-end`, `--limit` or `--duration`); logs its totals.
pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let stop = stop_on_signals().context("cannot install signal handler")?;
    create_topics(settings)?;
    let metrics = Arc::new(Metrics::default());
    if let Some(addr) = settings.consumer.http {
        http::start(addr, settings, Arc::clone(&metrics), stop.clone())?;
    }
    let totals = driver::run(settings, &stop, metrics)?;
    log_totals(&totals);
    Ok(())
}

fn log_totals(
    RunStats {
        count,
        merge,
        merge_load,
    }: &RunStats,
) {
    info!(
        consumed = count.consumed,
        counted = count.counted,
        late = count.late,
        rejected = count.rejected,
        duplicates = count.duplicates,
        retweets_skipped = count.retweets_skipped,
        originals_missing = count.originals_missing,
        truncated = count.truncated,
        unowned = count.unowned,
        windows = count.windows,
        merged_windows = merge.windows,
        late_parts = merge.late_parts,
        merge_messages = merge_load.messages,
        merge_bytes = merge_load.bytes,
        merge_tags = merge_load.tags,
        merge_records = merge_load.records,
        merge_read_cpu_us = micros(merge_load.read_cpu),
        merge_publish_cpu_us = micros(merge_load.publish_cpu),
        "consumer stopped"
    );
}

/// Whole microseconds, for the summary's fields (a float would print small values in exponent
/// notation).
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Creates every topic the consumer reads or writes that does not exist yet.
fn create_topics(settings: &Settings) -> anyhow::Result<()> {
    let (partials, checkpoints) = (settings.partials_topic(), settings.checkpoints_topic());
    let raw = settings.raw_topics();
    let mut dlqs: Vec<String> = raw.iter().map(|t| settings.dlq_topic_of(t)).collect();
    dlqs.dedup();
    // Raw topics and their dead-letter topics: the configured partition count.
    let partitioned = |name| TopicSpec {
        name,
        partitions: settings.kafka.partitions,
        config: &[],
    };
    let shared = [
        TopicSpec {
            name: &settings.kafka.results_topic,
            partitions: settings.kafka.partitions,
            config: &[("cleanup.policy", "compact")],
        },
        // One partition: the merge stage must see every part of every window in order.
        TopicSpec {
            name: &partials,
            partitions: 1,
            config: &[],
        },
        // One partition: checkpoint pointers are offsets into it.
        TopicSpec {
            name: &checkpoints,
            partitions: 1,
            config: &[("cleanup.policy", "compact")],
        },
    ];
    let topics: Vec<TopicSpec> = raw
        .iter()
        .chain(&dlqs)
        .map(|t| partitioned(t.as_str()))
        .chain(shared)
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(ensure_topics(&settings.kafka, &topics))?)
}
