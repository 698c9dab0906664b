//! No-op drain: the ceiling of any consumer of a topic on this broker.
//!
//! Why it exists: through the local broker the broker, not our code, limits end-to-end throughput
//! (see BENCHMARKS.md, "End to end through the local broker"), so the consumer's end-to-end rate
//! only means something next to the rate of a consumer that does nothing with the messages. This
//! one joins a group with exactly the consumer's client settings (`common::kafka::consumer_config`:
//! fetch sizes, `enable.partition.eof`), reads every message of the topic from the earliest offset,
//! touches only each payload's length, and stops once every partition has reached its end.
//!
//! Prints a human line and a machine-readable `RESULT count=<messages> seconds=<s>` line
//! (seconds from subscribing to the last partition's end).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::Message;

use common::kafka::consumer_config;
use common::settings::{Override, Settings};

/// Read a whole topic with the consumer's fetch settings and do nothing with it.
#[derive(Debug, Parser)]
struct Args {
    /// Kafka bootstrap servers.
    #[arg(long, default_value = "127.0.0.1:9092")]
    bootstrap_servers: String,
    /// Topic to drain.
    #[arg(long)]
    topic: String,
    /// Consumer group; use a fresh one so that the topic is read from its start.
    #[arg(long)]
    group_id: String,
    /// Give up when no message or partition end arrives for this many seconds.
    #[arg(long, default_value_t = 60)]
    stall_secs: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let settings = Settings::load(
        None,
        &[
            Override::new("kafka.bootstrap_servers", args.bootstrap_servers.as_str()),
            Override::new("kafka.topic", args.topic.as_str()),
            Override::new("consumer.group_id", args.group_id.as_str()),
            Override::new("consumer.auto_offset_reset", "earliest"),
        ],
    )?;
    let consumer: BaseConsumer = consumer_config(&settings.kafka, &settings.consumer)
        .create()
        .context("cannot create the consumer")?;

    let partitions = partition_count(&consumer, &args.topic)?;

    consumer.subscribe(&[&args.topic])?;
    let start = Instant::now();
    let mut last_progress = Instant::now();
    let mut at_end: HashSet<i32> = HashSet::new();
    let (mut count, mut bytes) = (0u64, 0u64);
    while at_end.len() < partitions {
        match consumer.poll(Duration::from_millis(500)) {
            None => {
                if last_progress.elapsed() > Duration::from_secs(args.stall_secs) {
                    bail!(
                        "nothing for {} s after {count} messages ({} of {partitions} partitions at their end)",
                        args.stall_secs,
                        at_end.len()
                    );
                }
            }
            Some(Ok(message)) => {
                count += 1;
                bytes += message.payload().map_or(0, <[u8]>::len) as u64;
                at_end.remove(&message.partition());
                last_progress = Instant::now();
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                at_end.insert(partition);
                last_progress = Instant::now();
            }
            Some(Err(e)) => return Err(e).context("consume failed"),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "drain: {count} messages, {:.1} MB from {partitions} partitions in {secs:.3} s ({:.0} msg/s)",
        bytes as f64 / 1e6,
        count as f64 / secs
    );
    println!("RESULT count={count} seconds={secs:.3}");
    Ok(())
}

/// How many partitions `topic` has; an error when it does not exist.
fn partition_count(consumer: &BaseConsumer, topic: &str) -> anyhow::Result<usize> {
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(15))
        .with_context(|| format!("no metadata for topic {topic}"))?;
    match metadata.topics().first() {
        Some(t) if t.error().is_none() && !t.partitions().is_empty() => Ok(t.partitions().len()),
        _ => bail!("topic {topic} does not exist (create it first)"),
    }
}
