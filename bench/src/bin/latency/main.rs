//! Latency benchmark: how long after a tweet is produced does it show up in an early update of
//! the result topic, at a steady input rate through a real broker?
//!
//! The engine benchmark measures throughput with no broker; this one measures what a live
//! dashboard reading `--early-updates` results experiences. It publishes v1.1-shaped tweets at
//! a fixed rate on an absolute schedule (so a slow send is caught up instead of drifting), each
//! carrying one unique marker hashtag `lat<seq>` besides a couple of common ones, and records
//! when each was handed to the producer. A reader thread follows the result topic from its
//! current end and records when the first record keyed `...|lat<seq>` arrives. The difference is
//! the end-to-end delay: producer batching, broker, the counting stage, the partials topic, the
//! merge stage's early-update interval, the result topic and the reader's fetch. The result
//! record's Kafka timestamp (set when the consumer published it) is reported too, which leaves
//! out the reader's own fetch delay. With `--hops` two more readers follow the raw topic (one
//! broker hop, produce to fetch, measured in the same run as a baseline: the local broker, not
//! our code, is often the limit; see BENCHMARKS.md, "Latency") and the partials topic (whose
//! records' timestamps say when the counting stage sent each marker's first snapshot), so that
//! the delay is split hop by hop. The delays are also broken down by phase of the run, which
//! tells a steady delay from a growing backlog.
//!
//! The consumer under test runs as its own process, started by the caller or, with
//! `--consumer-bin`, by this binary (it then waits for the consumer to own the raw partitions
//! and the merge stage before producing, and stops it with SIGTERM at the end):
//!
//! ```text
//! scripts/broker.sh start
//! cargo build --release -p consumer -p bench
//! target/release/latency --bootstrap-servers 127.0.0.1:9092 --consumer-bin target/release/consumer
//! ```

mod busy;
mod consumer_process;
mod hops;
mod produce;
mod reader;
mod report;
mod tweets;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::bail;
use clap::Parser;

use common::settings::KafkaSettings;
use consumer_process::ConsumerProcess;
use produce::produce;
use reader::Readers;
use report::Outcome;

/// Measure produce-to-early-update latency of the consumer at a steady rate.
#[derive(Debug, Parser)]
#[command(
    after_help = "Prints matched markers and the p50/p90/p99/p99.9/max delay in milliseconds, and with --hops the same hop by hop."
)]
pub(crate) struct Args {
    /// Kafka bootstrap servers.
    #[arg(long, default_value = "127.0.0.1:9092")]
    bootstrap_servers: String,
    /// Raw tweets topic [default: latency-raw-<unix time>, a fresh topic].
    #[arg(long)]
    topic: Option<String>,
    /// Result topic the consumer publishes to [default: latency-results-<unix time>].
    #[arg(long)]
    results_topic: Option<String>,
    /// Consumer group id, used when this binary starts the consumer
    /// [default: latency-<unix time>].
    #[arg(long)]
    group_id: Option<String>,
    /// Tweets per second, kept on an absolute schedule.
    #[arg(long, default_value_t = 5000)]
    rate: u32,
    /// How long to produce the measured tweets.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// How long to produce tweets without markers first, at the same rate: a fresh broker's
    /// and consumer's first seconds (JIT compilation, first windows) are not measured.
    #[arg(long, default_value_t = 0)]
    warmup_seconds: u32,
    /// Put a marker hashtag on every Nth tweet only (1 = every tweet, as specified); larger
    /// values measure the same path with fewer distinct hashtags per window.
    #[arg(long, default_value_t = 1)]
    marker_every: u64,
    /// Pad each tweet's JSON to about this many bytes (in the user's description); 0 leaves
    /// them at about 600 bytes. 2500 loads the broker like real 2-4 KB tweets.
    #[arg(long, default_value_t = 0)]
    payload_bytes: usize,
    /// How long to wait after the last tweet for markers still on their way.
    #[arg(long, default_value_t = 15)]
    drain_seconds: u64,
    /// Start the consumer under test from this binary (e.g. target/release/consumer);
    /// otherwise it must already be running on --topic and --results-topic.
    #[arg(long)]
    consumer_bin: Option<String>,
    /// The consumer's --window.
    #[arg(long, default_value = "10s")]
    window: String,
    /// The consumer's --early-updates.
    #[arg(long, default_value = "100ms")]
    early_updates: String,
    /// The consumer's --commit-interval.
    #[arg(long, default_value = "1s")]
    commit_interval: String,
    /// Extra argument for the consumer, e.g. --consumer-arg=--max-hashtags=1000 (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    consumer_arg: Vec<String>,
    /// Forward the consumer's log lines to stderr.
    #[arg(long)]
    show_consumer_log: bool,
    /// Also read the raw topic (one broker hop, produce to visible to a consumer: the
    /// baseline) and the partials topic (when the counting stage sent each marker's first
    /// snapshot), and report the delay hop by hop. It adds a second full read of the raw topic
    /// to the broker's load.
    #[arg(long, alias = "raw-hop")]
    hops: bool,
    /// With --hops, also write each marker's way to this CSV file: when it was sent and passed
    /// each point, in epoch milliseconds.
    #[arg(long, requires = "hops")]
    hops_csv: Option<PathBuf>,
    /// The consumer's partials topic, read with --hops [default: <group id>-partials, the
    /// consumer's default].
    #[arg(long)]
    partials_topic: Option<String>,
}

/// Time base shared by the producing and reading sides: instants for durations, plus the wall
/// clock at the same moment to compare with Kafka timestamps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
    start_unix_ms: f64,
}

impl Clock {
    fn new() -> Self {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970");
        Clock {
            start: Instant::now(),
            start_unix_ms: unix.as_secs_f64() * 1e3,
        }
    }

    /// Wall-clock epoch milliseconds of an instant, on this clock's base.
    pub(crate) fn unix_ms(&self, at: Instant) -> f64 {
        self.start_unix_ms + at.duration_since(self.start).as_secs_f64() * 1e3
    }
}

/// What a run is called and how big it is, settled before it starts.
pub(crate) struct Plan {
    topic: String,
    results: String,
    group: String,
    partials: String,
    /// Measured tweets to publish: the rate times the seconds.
    total: u64,
    /// How many of them carry a marker.
    markers: usize,
    numbering: Numbering,
}

/// How tweets are numbered: their ids, and which carry which marker.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Numbering {
    /// Tweet ids are `run_id << 16` plus the sequence number (warm-up tweets first).
    run_id: u64,
    /// Unmeasured tweets published first: the rate times the warm-up seconds.
    pub(crate) warmup: u64,
    /// Every how many measured tweets one carries a marker.
    every: u64,
}

impl Numbering {
    /// The id of tweet `seq`.
    pub(crate) fn id(&self, seq: u64) -> u64 {
        (self.run_id << 16).wrapping_add(seq)
    }

    /// Tweet `seq`'s number among the measured ones, unless it is a warm-up tweet.
    pub(crate) fn measured(&self, seq: u64) -> Option<u64> {
        seq.checked_sub(self.warmup)
    }

    /// The number of the marker tweet `seq` carries, if any.
    pub(crate) fn marker_of(&self, seq: u64) -> Option<u64> {
        let measured = self.measured(seq)?;
        measured
            .is_multiple_of(self.every)
            .then_some(measured / self.every)
    }

    /// The number of the marker the tweet with id `id` carries, if any.
    pub(crate) fn marker_of_id(&self, id: u64) -> Option<u64> {
        self.marker_of(id.wrapping_sub(self.run_id << 16))
    }
}

impl Plan {
    /// Unnamed topics and group get fresh names, stamped with the run's start.
    fn new(args: &Args, clock: &Clock) -> Plan {
        let stamp = (clock.start_unix_ms / 1e3) as u64;
        let name = |given: &Option<String>, prefix: &str| {
            given.clone().unwrap_or_else(|| format!("{prefix}-{stamp}"))
        };
        let total = u64::from(args.rate) * u64::from(args.seconds);
        let group = name(&args.group_id, "latency");
        Plan {
            topic: name(&args.topic, "latency-raw"),
            results: name(&args.results_topic, "latency-results"),
            partials: (args.partials_topic.clone()).unwrap_or_else(|| format!("{group}-partials")),
            group,
            total,
            markers: total.div_ceil(args.marker_every.max(1)) as usize,
            numbering: Numbering {
                run_id: clock.start_unix_ms as u64,
                warmup: u64::from(args.rate) * u64::from(args.warmup_seconds),
                every: args.marker_every.max(1),
            },
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.rate == 0 || args.seconds == 0 {
        bail!("--rate and --seconds must be positive");
    }
    let clock = Clock::new();
    let plan = Plan::new(&args, &clock);
    eprintln!(
        "topic {}, results {}, {} tweets/s for {} s after {} s of warm-up ({} tweets measured, {} markers)",
        plan.topic, plan.results, args.rate, args.seconds, args.warmup_seconds, plan.total, plan.markers
    );
    let mut consumer = start_consumer(&args, &plan)?;
    let readers = Readers::start(&args, &plan)?;
    eprintln!("producing");
    let kafka = raw_topic_settings(&args, &plan);
    let produced = produce(&args, &kafka, &clock, &plan)?;
    eprintln!(
        "produced {} tweets ({:.1} MB) in {:.2} s; waiting up to {} s for the rest",
        plan.numbering.warmup + plan.total,
        produced.bytes as f64 / 1e6,
        produced.elapsed.as_secs_f64(),
        args.drain_seconds
    );
    let seen = readers.finish(Duration::from_secs(args.drain_seconds));
    if let Some(c) = consumer.as_mut() {
        c.stop();
    }
    let outcome = Outcome {
        args: &args,
        plan: &plan,
        clock: &clock,
        produced: &produced,
        seen: &seen,
    };
    if report::print(&outcome)? == 0 {
        bail!("no marker reached the result topic; is the consumer running with --early-updates?");
    }
    Ok(())
}

/// With `--consumer-bin`, the consumer under test, once it has joined its groups.
fn start_consumer(args: &Args, plan: &Plan) -> anyhow::Result<Option<ConsumerProcess>> {
    if args.consumer_bin.is_none() {
        return Ok(None);
    }
    eprintln!(
        "starting the consumer (group {}) and waiting for it to join",
        plan.group
    );
    ConsumerProcess::start(args, &plan.topic, &plan.results, &plan.group).map(Some)
}

/// The producer's settings: the broker and the raw topic (the other topics are the consumer's).
fn raw_topic_settings(args: &Args, plan: &Plan) -> KafkaSettings {
    KafkaSettings {
        bootstrap_servers: args.bootstrap_servers.clone(),
        topic: plan.topic.clone(),
        results_topic: plan.results.clone(),
        partials_topic: String::new(),
        checkpoints_topic: String::new(),
        dlq_topic: String::new(),
        partitions: 3,
        replication_factor: 1,
        properties: Default::default(),
    }
}
