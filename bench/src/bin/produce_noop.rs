//! No-op produce loop: the ceiling of any producer of these tweets on this broker.
//!
//! Why it exists: through the local broker the broker, not our code, limits publishing (see
//! BENCHMARKS.md, "End to end through the local broker"), so the producer's rate only means
//! something next to the rate of a loop that publishes the same bytes with the same client settings
//! and does nothing else. This one loads a JSON-lines file into memory, then hands every line,
//! unparsed, to a producer built exactly like the producer's (`common::kafka::producer_config`,
//! `counting_producer`, `send_waiting`), keyed by its line index, and waits until the broker
//! acknowledged every one.
//!
//! Prints a human line and a machine-readable `RESULT count=<acknowledged> seconds=<s>` line
//! (seconds from the first send to the last acknowledgement). Exits 1 if any message was not
//! acknowledged. The topic must already exist.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use rdkafka::producer::{BaseRecord, Producer};

use common::kafka::{counting_producer, flush_promptly, producer_config, send_waiting};
use common::settings::{Override, Settings};

/// Publish every line of a file unchanged, as fast as the broker acknowledges.
#[derive(Debug, Parser)]
struct Args {
    /// JSON-lines file (e.g. from `producer --sink stdout`).
    file: PathBuf,
    /// Kafka bootstrap servers.
    #[arg(long, default_value = "127.0.0.1:9092")]
    bootstrap_servers: String,
    /// Existing topic to publish to.
    #[arg(long)]
    topic: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let payloads = bench::load_payloads(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let settings = Settings::load(
        None,
        &[
            Override::new("kafka.bootstrap_servers", args.bootstrap_servers.as_str()),
            Override::new("kafka.topic", args.topic.as_str()),
        ],
    )?;
    let (producer, deliveries) = counting_producer(&producer_config(&settings.kafka))
        .context("cannot create the producer")?;

    let metadata = producer
        .client()
        .fetch_metadata(Some(&args.topic), Duration::from_secs(15))
        .with_context(|| format!("no metadata for topic {}", args.topic))?;
    match metadata.topics().first() {
        Some(t) if t.error().is_none() && !t.partitions().is_empty() => {}
        _ => bail!("topic {} does not exist (create it first)", args.topic),
    }

    let start = Instant::now();
    let mut key = String::new();
    for (index, payload) in payloads.iter().enumerate() {
        key.clear();
        write!(key, "{index}").expect("writing to a String cannot fail");
        send_waiting(
            &producer,
            BaseRecord::to(&args.topic)
                .key(key.as_str())
                .payload(payload.as_slice()),
        )
        .with_context(|| format!("cannot send line {}", index + 1))?;
    }
    flush_promptly(&producer, Duration::from_secs(300))
        .context("not every message was acknowledged within 300 s")?;
    let secs = start.elapsed().as_secs_f64();

    let sent = payloads.len() as u64;
    let delivered = deliveries.delivered.load(Ordering::Relaxed);
    let failed = deliveries.failed.load(Ordering::Relaxed);
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    println!(
        "produce_noop: sent {sent}, delivered {delivered}, failed {failed}, {:.1} MB in {secs:.3} s ({:.0} msg/s)",
        bytes as f64 / 1e6,
        delivered as f64 / secs
    );
    println!("RESULT count={delivered} seconds={secs:.3}");
    if delivered != sent {
        bail!("{} of {sent} messages not acknowledged", sent - delivered);
    }
    Ok(())
}
