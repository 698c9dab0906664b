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
//! out the reader's own fetch delay. With `--raw-hop` a second reader follows the raw topic, so
//! that one broker hop (produce to fetch) is measured in the same run as a baseline: the local
//! broker, not our code, is often the limit (see BENCHMARKS.md, "Latency"). The delays are also
//! broken down by phase of the run, which tells a steady delay from a growing backlog.
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

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::Parser;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Message, Timestamp};
use rdkafka::producer::BaseRecord;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use common::kafka::{counting_producer, producer_config, send_waiting, Deliveries};
use common::settings::KafkaSettings;

/// Measure produce-to-early-update latency of the consumer at a steady rate.
#[derive(Debug, Parser)]
#[command(after_help = "Prints matched markers and the p50/p90/p99/max delay in milliseconds.")]
struct Args {
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
    /// How long to produce.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
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
    /// Also read the raw topic and report one broker hop (produce to visible to a consumer)
    /// as a baseline. It adds a second full read of the raw topic to the broker's load.
    #[arg(long)]
    raw_hop: bool,
}

/// The normal hashtags tweets carry besides their marker, in the spellings users write.
const COMMON_TAGS: [&str; 8] = [
    "WorldCup",
    "BTS",
    "Rust",
    "NowPlaying",
    "MondayMotivation",
    "café",
    "Bitcoin",
    "Kafka",
];

/// Words the tweet texts are made of.
const WORDS: [&str; 12] = [
    "great", "game", "tonight", "love", "this", "city", "coffee", "world", "never", "best",
    "morning", "excited",
];

/// Time base shared by the producing and reading sides: instants for durations, plus the wall
/// clock at the same moment to compare with Kafka timestamps.
#[derive(Debug, Clone, Copy)]
struct Clock {
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
    fn unix_ms(&self, at: Instant) -> f64 {
        self.start_unix_ms + at.duration_since(self.start).as_secs_f64() * 1e3
    }
}

/// A v1.1 `created_at`, e.g. `Thu Jan 01 00:00:00 +0000 2026`, of epoch milliseconds (UTC).
fn v1_created_at(unix_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = unix_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} +0000 {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        year
    )
}

/// Escapes a string for a JSON string literal.
fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// One v1.1 tweet created at `unix_ms`, with hashtags `tags` in its text and in
/// `entities.hashtags` (indices in characters, as the API gives them), padded to about
/// `payload_bytes`.
fn tweet_json(seq: u64, id: u64, unix_ms: i64, tags: &[&str], payload_bytes: usize) -> Vec<u8> {
    let mut text = String::new();
    for i in 0..8 {
        text.push_str(WORDS[(seq as usize + i * 5) % WORDS.len()]);
        text.push(' ');
    }
    let mut entities = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let start = text.chars().count();
        text.push('#');
        text.push_str(tag);
        let end = text.chars().count();
        entities.push(format!(
            r#"{{"text":{},"indices":[{start},{end}]}}"#,
            json_str(tag)
        ));
    }
    let user_id = 1_000_000 + seq % 50_000;
    let head = format!(
        r#"{{"created_at":"{}","id":{id},"id_str":"{id}","text":{},"source":"latency-bench","truncated":false,"lang":"en","entities":{{"hashtags":[{}],"urls":[],"user_mentions":[],"symbols":[]}},"retweet_count":0,"favorite_count":0,"user":{{"id":{user_id},"id_str":"{user_id}","name":"Bench User {user_id}","screen_name":"bench{user_id}","followers_count":{},"description":""#,
        v1_created_at(unix_ms),
        json_str(&text),
        entities.join(","),
        seq % 997,
    );
    let tail = r#""}}"#;
    let mut out = head.into_bytes();
    let mut w = 0;
    while out.len() + tail.len() < payload_bytes {
        out.extend_from_slice(WORDS[w % WORDS.len()].as_bytes());
        out.push(b' ');
        w += 1;
    }
    out.extend_from_slice(tail.as_bytes());
    out
}

/// The marker sequence number of a result key `window|start|lat<seq>`, if it is one.
fn marker_of(key: &[u8]) -> Option<u64> {
    let last = key.rsplit(|&b| b == b'|').next()?;
    std::str::from_utf8(last.strip_prefix(b"lat")?)
        .ok()?
        .parse()
        .ok()
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// "p50 … p90 … p99 … max …" of unsorted millisecond values.
fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "n {:>7}  p50 {:>8.1}  p90 {:>8.1}  p99 {:>8.1}  max {:>8.1}",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 90.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(f64::NAN)
    )
}

/// When a marker first appeared in the result topic.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    received: Instant,
    /// The result record's Kafka timestamp (epoch ms), if it has one.
    kafka_ms: Option<i64>,
}

/// What the reader thread saw.
struct Seen {
    arrivals: Vec<Option<Arrival>>,
    records: u64,
    bytes: u64,
}

/// Waits until the broker reports `topic` with at least one partition; returns the partitions.
fn wait_for_topic(
    consumer: &BaseConsumer,
    topic: &str,
    timeout: Duration,
) -> anyhow::Result<Vec<i32>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(md) = consumer.fetch_metadata(Some(topic), Duration::from_secs(5)) {
            if let Some(t) = md.topics().iter().find(|t| t.name() == topic) {
                if t.error().is_none() && !t.partitions().is_empty() {
                    return Ok(t.partitions().iter().map(|p| p.id()).collect());
                }
            }
        }
        if Instant::now() >= deadline {
            bail!("topic `{topic}` did not appear within {timeout:?} (is the consumer running?)");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Which marker a record is about, from its key: its index in the arrivals, if it is one.
type SlotOf = Box<dyn Fn(&[u8]) -> Option<usize> + Send>;

/// Starts a reader: it assigns every partition of `topic` at its current end, signals `ready`,
/// then records the first arrival of each marker (`slot_of` its key; counted in `matched`)
/// until `stop`. One reader follows the result topic (the measurement), another the raw topic
/// (one broker hop, the baseline).
fn spawn_reader(
    config: ClientConfig,
    topic: String,
    markers: usize,
    slot_of: SlotOf,
    ready: mpsc::Sender<anyhow::Result<()>>,
    matched: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<Seen> {
    std::thread::spawn(move || {
        let mut seen = Seen {
            arrivals: vec![None; markers],
            records: 0,
            bytes: 0,
        };
        let setup = || -> anyhow::Result<BaseConsumer> {
            let consumer: BaseConsumer = config.create().context("reader settings")?;
            let partitions = wait_for_topic(&consumer, &topic, Duration::from_secs(60))?;
            let mut tpl = TopicPartitionList::new();
            for p in partitions {
                let (_, high) = consumer
                    .fetch_watermarks(&topic, p, Duration::from_secs(10))
                    .context("cannot read the end offsets")?;
                tpl.add_partition_offset(&topic, p, Offset::Offset(high))?;
            }
            consumer
                .assign(&tpl)
                .context("cannot assign the partitions")?;
            Ok(consumer)
        };
        let consumer = match setup() {
            Ok(c) => {
                let _ = ready.send(Ok(()));
                c
            }
            Err(e) => {
                let _ = ready.send(Err(e));
                return seen;
            }
        };
        while !stop.load(Ordering::Relaxed) {
            let Some(result) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let received = Instant::now();
            let Ok(m) = result else { continue };
            seen.records += 1;
            seen.bytes += (m.payload_len() + m.key().map_or(0, <[u8]>::len)) as u64;
            let Some(slot) = m.key().and_then(&slot_of) else {
                continue;
            };
            if let Some(slot) = seen.arrivals.get_mut(slot) {
                if slot.is_none() {
                    let kafka_ms = match m.timestamp() {
                        Timestamp::CreateTime(ms) | Timestamp::LogAppendTime(ms) => Some(ms),
                        Timestamp::NotAvailable => None,
                    };
                    *slot = Some(Arrival { received, kafka_ms });
                    matched.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        seen
    })
}

/// The consumer under test, when this binary started it; stopped with SIGTERM when dropped.
struct ConsumerProcess {
    child: Child,
}

impl ConsumerProcess {
    /// Starts the consumer and waits until it owns raw partitions and the merge stage (its
    /// "partitions assigned" log line for the raw topic and "merging windows of all
    /// partitions here"), so that the first tweets are not measured with a group join.
    fn start(args: &Args, topic: &str, results: &str, group: &str) -> anyhow::Result<Self> {
        let bin = args
            .consumer_bin
            .as_deref()
            .expect("called with --consumer-bin");
        let mut command = Command::new(bin);
        command
            .args(["--bootstrap-servers", &args.bootstrap_servers])
            .args([
                "--topic",
                topic,
                "--group-id",
                group,
                "--results-topic",
                results,
            ])
            .args([
                "--window",
                &args.window,
                "--early-updates",
                &args.early_updates,
            ])
            .args(["--commit-interval", &args.commit_interval])
            .args(&args.consumer_arg)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let process = ConsumerProcess { child };

        let (tx, rx) = mpsc::channel::<String>();
        let show = args.show_consumer_log;
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if show || line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("[consumer] {line}");
                }
                let _ = tx.send(line);
            }
        });
        let (mut counting, mut merging) = (false, false);
        let raw_assigned = format!("topic={topic} ");
        let deadline = Instant::now() + Duration::from_secs(90);
        while !(counting && merging) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if line.contains("partitions assigned")
                        && line.contains(&raw_assigned)
                        && !line.contains("partitions=[]")
                    {
                        counting = true;
                    }
                    merging |= line.contains("merging windows of all partitions here");
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!("the consumer did not join its groups within 90 s")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("the consumer exited during startup (run with --show-consumer-log)")
                }
            }
        }
        Ok(process)
    }

    /// SIGTERM, then up to 30 s for a clean exit, then SIGKILL.
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SAFETY: kill has no memory effects; the pid is our own child's, not yet reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                eprintln!("consumer stopped: {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("consumer ignored SIGTERM for 30 s; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ConsumerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the producing side did.
struct Produced {
    /// When each tweet was handed to the producer, by sequence number.
    sent: Vec<Instant>,
    /// The most the sender fell behind its schedule.
    max_behind: Duration,
    elapsed: Duration,
    bytes: u64,
}

/// Publishes `total` tweets at `rate` per second on an absolute schedule from now.
fn produce(
    args: &Args,
    kafka: &KafkaSettings,
    clock: &Clock,
    run_id: u64,
    total: u64,
) -> anyhow::Result<(Produced, Arc<Deliveries>)> {
    let mut config = producer_config(kafka);
    config.set("client.id", "latency-bench");
    let (producer, deliveries) = counting_producer(&config).context("producer settings")?;
    let mut sent = Vec::with_capacity(total as usize);
    let (mut max_behind, mut bytes) = (Duration::ZERO, 0u64);
    let start = Instant::now();
    let marker_every = args.marker_every.max(1);
    for seq in 0..total {
        let due = start + Duration::from_secs_f64(seq as f64 / f64::from(args.rate));
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        } else {
            max_behind = max_behind.max(now - due);
        }
        let marker = format!("lat{}", seq / marker_every);
        let mut tags: Vec<&str> = Vec::with_capacity(3);
        if seq.is_multiple_of(marker_every) {
            tags.push(&marker);
        }
        tags.push(COMMON_TAGS[(seq % 8) as usize]);
        tags.push(COMMON_TAGS[(seq * 3 % 7) as usize]);
        let at = Instant::now();
        let unix_ms = clock.unix_ms(at) as i64;
        let id = (run_id << 16).wrapping_add(seq);
        let payload = tweet_json(seq, id, unix_ms, &tags, args.payload_bytes);
        let key = id.to_string();
        bytes += payload.len() as u64;
        let record = BaseRecord::to(&kafka.topic)
            .key(&key)
            .payload(&payload)
            .timestamp(unix_ms);
        let at = Instant::now();
        send_waiting(&producer, record).context("cannot hand a tweet to the producer")?;
        if seq.is_multiple_of(marker_every) {
            sent.push(at);
        }
    }
    let elapsed = start.elapsed();
    // A broker that cannot keep up is a result, not an error: report what was acknowledged.
    if let Err(error) = rdkafka::producer::Producer::flush(&producer, Duration::from_secs(30)) {
        eprintln!(
            "warning: not every tweet was acknowledged within 30 s of the last send: {error}"
        );
    }
    Ok((
        Produced {
            sent,
            max_behind,
            elapsed,
            bytes,
        },
        deliveries,
    ))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.rate == 0 || args.seconds == 0 {
        bail!("--rate and --seconds must be positive");
    }
    let clock = Clock::new();
    let stamp = (clock.start_unix_ms / 1e3) as u64;
    let topic = args
        .topic
        .clone()
        .unwrap_or_else(|| format!("latency-raw-{stamp}"));
    let results = args
        .results_topic
        .clone()
        .unwrap_or_else(|| format!("latency-results-{stamp}"));
    let group = args
        .group_id
        .clone()
        .unwrap_or_else(|| format!("latency-{stamp}"));
    let total = u64::from(args.rate) * u64::from(args.seconds);
    let markers = total.div_ceil(args.marker_every.max(1)) as usize;
    eprintln!(
        "topic {topic}, results {results}, {} tweets/s for {} s ({total} tweets, {markers} markers)",
        args.rate, args.seconds
    );

    let mut consumer = match args.consumer_bin {
        Some(_) => {
            eprintln!("starting the consumer (group {group}) and waiting for it to join");
            Some(ConsumerProcess::start(&args, &topic, &results, &group)?)
        }
        None => None,
    };

    let mut reader_config = ClientConfig::new();
    reader_config
        .set("bootstrap.servers", &args.bootstrap_servers)
        .set("group.id", format!("{group}-latency-reader"))
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "10")
        .set("max.partition.fetch.bytes", "16777216");
    let check: BaseConsumer = reader_config.create().context("reader settings")?;
    wait_for_topic(&check, &topic, Duration::from_secs(60))?;
    drop(check);
    let stop = Arc::new(AtomicBool::new(false));
    let arrived = Arc::new(AtomicU64::new(0));
    let (ready_tx, ready_rx) = mpsc::channel();
    let reader = spawn_reader(
        reader_config.clone(),
        results.clone(),
        markers,
        Box::new(|key| marker_of(key).map(|seq| seq as usize)),
        ready_tx.clone(),
        Arc::clone(&arrived),
        Arc::clone(&stop),
    );
    // Tweet keys are ids, `run_id << 16` plus the sequence number.
    let run_id = clock.start_unix_ms as u64;
    let every = args.marker_every.max(1);
    let raw_reader = args.raw_hop.then(|| {
        spawn_reader(
            reader_config,
            topic.clone(),
            markers,
            Box::new(move |key| {
                let id: u64 = std::str::from_utf8(key).ok()?.parse().ok()?;
                let seq = id.wrapping_sub(run_id << 16);
                seq.is_multiple_of(every).then_some((seq / every) as usize)
            }),
            ready_tx,
            Arc::new(AtomicU64::new(0)),
            Arc::clone(&stop),
        )
    });
    for _ in 0..1 + usize::from(args.raw_hop) {
        ready_rx
            .recv()
            .context("a reader thread ended during setup")??;
    }

    let kafka = KafkaSettings {
        bootstrap_servers: args.bootstrap_servers.clone(),
        topic: topic.clone(),
        results_topic: results.clone(),
        partials_topic: String::new(),
        checkpoints_topic: String::new(),
        dlq_topic: String::new(),
        partitions: 3,
        replication_factor: 1,
        properties: Default::default(),
    };
    eprintln!("producing");
    let (produced, deliveries) = produce(&args, &kafka, &clock, run_id, total)?;
    eprintln!(
        "produced {total} tweets ({:.1} MB) in {:.2} s; waiting up to {} s for the rest",
        produced.bytes as f64 / 1e6,
        produced.elapsed.as_secs_f64(),
        args.drain_seconds
    );

    // Drain: stop as soon as every marker arrived, or at the deadline.
    let drain_end = Instant::now() + Duration::from_secs(args.drain_seconds);
    while Instant::now() < drain_end && arrived.load(Ordering::Relaxed) < markers as u64 {
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    let seen = reader.join().expect("reader thread does not panic");
    let raw_seen = raw_reader.map(|r| r.join().expect("reader thread does not panic"));
    if let Some(c) = consumer.as_mut() {
        c.stop();
    }

    let mut by_receive = Vec::with_capacity(markers);
    let mut by_timestamp = Vec::with_capacity(markers);
    for (seq, sent) in produced.sent.iter().enumerate() {
        if let Some(a) = seen.arrivals[seq] {
            by_receive.push(a.received.duration_since(*sent).as_secs_f64() * 1e3);
            if let Some(ms) = a.kafka_ms {
                by_timestamp.push(ms as f64 - clock.unix_ms(*sent));
            }
        }
    }
    let matched = by_receive.len();
    let raw_hop: Option<Vec<f64>> = raw_seen.map(|raw| {
        produced
            .sent
            .iter()
            .zip(&raw.arrivals)
            .filter_map(|(sent, a)| {
                Some(a.as_ref()?.received.duration_since(*sent).as_secs_f64() * 1e3)
            })
            .collect()
    });
    println!(
        "rate              {} tweets/s for {} s",
        args.rate, args.seconds
    );
    println!(
        "sent              {total} in {:.2} s (most behind schedule {:.1} ms)",
        produced.elapsed.as_secs_f64(),
        produced.max_behind.as_secs_f64() * 1e3
    );
    println!(
        "acknowledged      {} (failed {})",
        deliveries.delivered.load(Ordering::Relaxed),
        deliveries.failed.load(Ordering::Relaxed)
    );
    println!(
        "matched           {matched} of {markers} markers ({:.1} %)",
        matched as f64 * 100.0 / markers as f64
    );
    println!(
        "result records    {} read ({:.1} MB, {:.1} per tweet)",
        seen.records,
        seen.bytes as f64 / 1e6,
        seen.records as f64 / total as f64
    );
    println!("delay ms, receive {}", summary(by_receive));
    println!("delay ms, record  {}", summary(by_timestamp));
    if let Some(raw_hop) = raw_hop {
        println!("raw topic hop ms  {}", summary(raw_hop));
    }
    // The same by phase of the run (about five), to tell a steady delay from a growing
    // backlog.
    let phase_secs = args.seconds.div_ceil(5);
    let phases = args.seconds.div_ceil(phase_secs) as usize;
    let mut buckets: Vec<(Vec<f64>, usize)> = vec![(Vec::new(), 0); phases];
    let first = produced.sent.first().copied().unwrap_or(clock.start);
    for (seq, sent) in produced.sent.iter().enumerate() {
        let phase = (sent.duration_since(first).as_secs() / u64::from(phase_secs)) as usize;
        let bucket = &mut buckets[phase.min(phases - 1)];
        match seen.arrivals[seq] {
            Some(a) => bucket
                .0
                .push(a.received.duration_since(*sent).as_secs_f64() * 1e3),
            None => bucket.1 += 1,
        }
    }
    for (i, (delays, unmatched)) in buckets.into_iter().enumerate() {
        let from = i as u32 * phase_secs;
        println!(
            "  sent {from:>3}-{:<3} s {}  unmatched {unmatched}",
            from + phase_secs,
            summary(delays),
        );
    }
    if matched == 0 {
        bail!("no marker reached the result topic; is the consumer running with --early-updates?");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::tweet::Tweet;

    #[test]
    fn generated_tweets_parse_with_their_time_and_hashtags() {
        // 2026-01-01T00:00:00.750Z, a Thursday; and 2024-02-29T23:59:59Z, a leap day.
        for (ms, created) in [
            (1_767_225_600_750, "Thu Jan 01 00:00:00 +0000 2026"),
            (1_709_251_199_000, "Thu Feb 29 23:59:59 +0000 2024"),
        ] {
            assert_eq!(v1_created_at(ms), created);
            let bytes = tweet_json(7, 42, ms, &["lat7", "café", "Rust"], 1200);
            assert!(bytes.len() >= 1200 && bytes.len() < 1300, "{}", bytes.len());
            let tweet = Tweet::parse(&bytes).expect("parses");
            assert_eq!(tweet.id, 42);
            assert_eq!(tweet.created_at_ms, Some(ms - ms % 1000));
            assert_eq!(
                tweet.hashtags().collect::<Vec<_>>(),
                ["lat7", "café", "Rust"]
            );
            assert!(tweet.text.ends_with("#lat7 #café #Rust"));
        }
    }

    #[test]
    fn markers_are_found_in_result_keys_only() {
        assert_eq!(
            marker_of(b"tumbling-10s|2026-01-01T00:00:00Z|lat123"),
            Some(123)
        );
        assert_eq!(
            marker_of(b"tumbling-10s|2026-01-01T00:00:00Z|worldcup"),
            None
        );
        assert_eq!(marker_of(b"tumbling-10s|2026-01-01T00:00:00Z|*"), None);
        assert_eq!(marker_of(b"tumbling-10s|2026-01-01T00:00:00Z|latte"), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&[3.0], 50.0), 3.0);
        assert!(percentile(&[], 50.0).is_nan());
    }
}
