//! Harness for end-to-end tests: runs the real `producer` and `consumer` binaries against a
//! real broker over TCP and checks their results against an independent reference.
//!
//! The broker address comes from `TRENDS_TEST_BOOTSTRAP` (scripts/test.sh starts a local
//! broker and sets it; point it at your own Apache Kafka to test against that instead).
//! Every test uses its own topic and consumer group, so tests can run in parallel.

pub mod brokers;
pub mod browser;
pub mod run;
pub mod standin;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// The broker under test.
pub fn bootstrap() -> String {
    std::env::var("TRENDS_TEST_BOOTSTRAP").unwrap_or_else(|_| {
        panic!("TRENDS_TEST_BOOTSTRAP is not set: run scripts/test.sh, or set it to a broker's host:port")
    })
}

/// A name no other test (or earlier run against the same broker) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates a topic with `partitions` partitions.
pub fn create_topic(topic: &str, partitions: i32) {
    create_topic_at(&bootstrap(), topic, partitions)
}

/// Creates a topic on the broker at `bootstrap`.
pub fn create_topic_at(bootstrap: &str, topic: &str, partitions: i32) {
    create_topic_configured(bootstrap, topic, partitions, 1, &[])
}

/// Creates a topic with `replication` copies of each partition and topic configuration
/// `config` (e.g. `max.message.bytes`).
pub fn create_topic_configured(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replication: i32,
    config: &[(&str, &str)],
) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let mut new = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication));
    for (key, value) in config {
        new = new.set(key, value);
    }
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = futures_executor::block_on(admin.create_topics([&new], &opts))
        .expect("create_topics request");
    for r in results {
        r.unwrap_or_else(|(t, e)| panic!("cannot create topic {t}: {e}"));
    }
}

/// Number of messages in `topic` (sum of high watermarks; topics start at offset 0).
pub fn message_count(topic: &str, partitions: i32) -> i64 {
    message_count_at(&bootstrap(), topic, partitions)
}

/// The same on the broker at `bootstrap`.
pub fn message_count_at(bootstrap: &str, topic: &str, partitions: i32) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("watermarks"))
        .create()
        .expect("consumer");
    (0..partitions)
        .map(|p| {
            let (low, high) = retry_transient("fetch watermarks", || {
                consumer.fetch_watermarks(topic, p, Duration::from_secs(20))
            });
            high - low
        })
        .sum()
}

/// Path of a workspace binary, built once per test process so tests always run current code.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "producer", "-p", "consumer"])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the binaries failed");
        let exe = std::env::current_exe().expect("test exe path");
        // target/<profile>/deps/<test> → target/<profile>
        exe.parent()
            .and_then(Path::parent)
            .expect("target dir")
            .to_owned()
    });
    dir.join(name)
}

/// A running binary whose output goes to files, killed if the test panics.
pub struct Proc {
    name: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    status: Option<ExitStatus>,
}

impl Proc {
    /// Starts `bin` with `args` and extra environment (which may override the default
    /// `RUST_LOG=info`), writing output into `dir`.
    pub fn spawn(
        dir: &Path,
        name: &str,
        bin_name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Proc {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let child = Command::new(bin(bin_name))
            .args(args)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin_name}: {e}"));
        Proc {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
            status: None,
        }
    }

    /// What the process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The stderr lines so far that contain `needle`: the log lines of one kind.
    pub fn stderr_lines_containing(&self, needle: &str) -> Vec<String> {
        self.stderr()
            .lines()
            .filter(|l| l.contains(needle))
            .map(String::from)
            .collect()
    }

    /// Waits for exit; panics with the process's stderr if it takes longer than `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        if let Some(s) = self.status {
            return s;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                self.status = Some(s);
                return s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "{} did not exit within {timeout:?}; stderr:\n{}",
                    self.name,
                    tail(&self.stderr())
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits for a graceful exit.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        self.wait(timeout)
    }

    /// Kills the process with SIGKILL (no chance to clean up) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        self.status = Some(self.child.wait().expect("wait after kill"));
    }

    /// Waits until stderr contains a line satisfying `pred`, or panics after `timeout`.
    pub fn wait_for_log(
        &mut self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.stderr().lines().rev().find(|l| pred(l)) {
                return line.to_owned();
            }
            if let Ok(Some(s)) = self.child.try_wait() {
                panic!(
                    "{} exited ({s}) before {what}; stderr:\n{}",
                    self.name,
                    tail(&self.stderr())
                );
            }
            assert!(
                Instant::now() < deadline,
                "{}: no {what} within {timeout:?}; stderr:\n{}",
                self.name,
                tail(&self.stderr())
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `cond` until it holds, or panics after `timeout` naming `what`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh directory for one test's files and its processes' output. With
/// `TRENDS_KEEP_TEST_DIRS` set it is kept, and its path printed, so a failure can be read
/// afterwards.
pub fn test_dir(name: &str) -> tempfile::TempDir {
    let mut dir = tempfile::tempdir().expect("temp dir");
    if std::env::var_os("TRENDS_KEEP_TEST_DIRS").is_some() {
        dir.disable_cleanup(true);
        eprintln!("{name}: logs kept in {}", dir.path().display());
    }
    dir
}

/// What each consumer did with its partitions (assignments, revocations, takeovers of the
/// merge stage, warnings, final totals), for the failure message of a multi-process test.
pub fn timeline(procs: &[&Proc]) -> String {
    const EVENTS: [&str; 6] = [
        "partitions ",
        "merging windows",
        "restored",
        "consumer stopped",
        " WARN ",
        " ERROR ",
    ];
    let mut out = String::new();
    for p in procs {
        out.push_str(&format!("--- {}\n", p.name));
        for line in p.stderr().lines() {
            if EVENTS.iter().any(|e| line.contains(e)) && !line.contains("CONFWARN") {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The last lines of a log, for failure messages.
pub fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Per (window start ms, case-folded hashtag): number of tweets mentioning it.
pub type WindowCounts = BTreeMap<(i64, String), u64>;

/// Tweets per window start.
pub type WindowTweets = BTreeMap<i64, u64>;

/// Independent reference: reads a JSON-lines file with a generic JSON parser and counts each
/// tweet's distinct lower-cased entity hashtags in `window_ms` tumbling windows of created_at.
/// Lines that are not tweets are ignored.
pub fn reference_counts(file: &Path, window_ms: i64) -> (WindowCounts, WindowTweets) {
    reference_hopping(file, window_ms, window_ms)
}

/// The same for hopping windows of `size_ms` starting every `slide_ms`.
pub fn reference_hopping(file: &Path, size_ms: i64, slide_ms: i64) -> (WindowCounts, WindowTweets) {
    let mut counts = WindowCounts::new();
    let mut tweets = WindowTweets::new();
    for tweet in reference_tweets(file) {
        for start in window_starts(tweet.created_ms, size_ms, slide_ms) {
            *tweets.entry(start).or_default() += 1;
            for tag in &tweet.tags {
                *counts.entry((start, tag.clone())).or_default() += 1;
            }
        }
    }
    (counts, tweets)
}

/// A tweet as the independent references read it, with a generic JSON parser.
pub struct ReferenceTweet {
    pub created_ms: i64,
    /// Its distinct lower-cased entity hashtags, in order of first mention.
    pub tags: Vec<String>,
    /// The whole tweet, for what a particular reference needs besides.
    pub json: serde_json::Value,
}

/// The tweets of a JSON-lines file; lines that are not tweets (not JSON, or no `created_at`)
/// are left out.
pub fn reference_tweets(file: &Path) -> Vec<ReferenceTweet> {
    let text = std::fs::read_to_string(file).expect("read tweet file");
    text.lines()
        .filter_map(|line| {
            let json: serde_json::Value = serde_json::from_str(line).ok()?;
            let created = json["created_at"].as_str()?;
            let created_ms = chrono::DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
                .expect("created_at")
                .timestamp_millis();
            let mut tags: Vec<String> = Vec::new();
            for h in json["entities"]["hashtags"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let tag = h["text"].as_str().expect("hashtag text").to_lowercase();
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            Some(ReferenceTweet {
                created_ms,
                tags,
                json,
            })
        })
        .collect()
}

/// The starts of the windows of `size_ms` starting every `slide_ms` that hold time `t_ms`:
/// every multiple s of the slide with s <= t < s + size, latest first.
pub fn window_starts(t_ms: i64, size_ms: i64, slide_ms: i64) -> impl Iterator<Item = i64> {
    let latest = t_ms.div_euclid(slide_ms) * slide_ms;
    std::iter::successors(Some(latest), move |s| Some(s - slide_ms))
        .take_while(move |s| s + size_ms > t_ms)
}

/// Reads the consumer's counts files (one JSON line per merged window) into the same shape,
/// keeping only `label`'s windows (e.g. `tumbling-10s`). A window written again (after a
/// crash) replaces its earlier line, as the latest value per key does in the result topic.
pub fn consumer_counts(files: &[&Path], label: &str) -> (WindowCounts, WindowTweets) {
    let mut windows: BTreeMap<i64, serde_json::Value> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("counts line is JSON");
            if v["window"] == label {
                windows.insert(v["window_start_ms"].as_i64().expect("window_start_ms"), v);
            }
        }
    }
    let mut counts = WindowCounts::new();
    let mut tweets = WindowTweets::new();
    for (start, v) in windows {
        tweets.insert(start, v["tweets"].as_u64().expect("tweets"));
        for (tag, n) in v["counts"].as_object().expect("counts") {
            counts.insert((start, tag.clone()), n.as_u64().expect("count"));
        }
    }
    (counts, tweets)
}

/// The result topic as a compacted topic keeps it: the latest value of every key.
pub fn read_results(topic: &str) -> BTreeMap<String, serde_json::Value> {
    read_results_at(&bootstrap(), topic)
}

/// The same from the broker at `bootstrap`.
pub fn read_results_at(bootstrap: &str, topic: &str) -> BTreeMap<String, serde_json::Value> {
    let mut latest = BTreeMap::new();
    for record in read_all_at(bootstrap, topic) {
        let key = String::from_utf8(record.key.expect("results have keys")).expect("UTF-8 key");
        let value = serde_json::from_slice(&record.payload.expect("results have values"))
            .expect("JSON value");
        latest.insert(key, value);
    }
    latest
}

/// The message keys of `topic` on the broker at `bootstrap`, as text.
pub fn keys_at(bootstrap: &str, topic: &str) -> Vec<String> {
    keys_of(&read_all_at(bootstrap, topic))
}

/// The keys of records read back by [`read_all`], as text.
pub fn keys_of(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| String::from_utf8(r.key.clone().expect("keyed")).expect("UTF-8 key"))
        .collect()
}

/// The tweet ids (`id_str`) of a JSON-lines file of v1.1 tweets, in order.
pub fn ids_of(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("read tweet file")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["id_str"].as_str().expect("id_str").to_owned()
        })
        .collect()
}

/// The arguments every test consumer starts with: the broker, the raw topic it reads, its group
/// (each test run has one of its own) and the result topic; the run's own flags follow.
pub fn consumer_args<'a>(
    bootstrap: &'a str,
    topic: &'a str,
    group: &'a str,
    results: &'a str,
) -> Vec<&'a str> {
    vec![
        "--bootstrap-servers",
        bootstrap,
        "--topic",
        topic,
        "--group-id",
        group,
        "--results-topic",
        results,
    ]
}

/// Runs a fresh consumer group over `topic` to its end (`--until-end`, 10 s tumbling windows)
/// and returns the finished process and its counts, to compare with [`reference_counts`].
pub fn count_until_end(dir: &Path, topic: &str) -> (Proc, (WindowCounts, WindowTweets)) {
    let (bootstrap, counts) = (
        bootstrap(),
        dir.join(format!("{}.counts.jsonl", unique("c"))),
    );
    let (group, results) = (unique("count-group"), unique("count-results"));
    let counts_arg = counts.display().to_string();
    let mut args = consumer_args(&bootstrap, topic, &group, &results);
    args.extend([
        "--window",
        "10s",
        "--counts-file",
        &counts_arg,
        "--until-end",
    ]);
    let mut c = Proc::spawn(dir, "counter", "consumer", &args, &[]);
    assert!(
        c.wait(Duration::from_secs(180)).success(),
        "{}",
        tail(&c.stderr())
    );
    let got = consumer_counts(&[&counts], "tumbling-10s");
    (c, got)
}

/// `request`'s answer, asked again for up to 60 s while it fails with an error the client
/// recovers from, as the binaries do; panics naming `what` on any other error.
pub fn retry_transient<T>(what: &str, request: impl FnMut() -> Result<T, KafkaError>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    common::kafka::retry_transient(deadline, request).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// A record as read back by [`read_all`].
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
    /// The Kafka timestamp, in milliseconds since the Unix epoch.
    pub timestamp_ms: Option<i64>,
}

impl Record {
    /// A header's value, or "" when the record has no such header.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// Every record of `topic` up to its current end, in offset order per partition.
pub fn read_all(topic: &str) -> Vec<Record> {
    read_all_at(&bootstrap(), topic)
}

/// The same from the broker at `bootstrap`.
pub fn read_all_at(bootstrap: &str, topic: &str) -> Vec<Record> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("topic-reader"))
        .set("enable.partition.eof", "true")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let timeout = Duration::from_secs(20);
    let metadata = retry_transient("metadata", || consumer.fetch_metadata(Some(topic), timeout));
    let mut tpl = TopicPartitionList::new();
    let mut remaining = BTreeMap::new();
    for p in metadata.topics().iter().flat_map(|t| t.partitions()) {
        let (low, high) = retry_transient("fetch watermarks", || {
            consumer.fetch_watermarks(topic, p.id(), timeout)
        });
        if high > low {
            tpl.add_partition_offset(topic, p.id(), Offset::Beginning)
                .expect("partition");
            remaining.insert(p.id(), high);
        }
    }
    let mut records = Vec::new();
    if remaining.is_empty() {
        return records;
    }
    consumer.assign(&tpl).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !remaining.is_empty() {
        assert!(Instant::now() < deadline, "timed out reading {topic}");
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let headers = m
                    .headers()
                    .map(|hs| {
                        hs.iter()
                            .map(|h| {
                                let value = String::from_utf8_lossy(h.value.unwrap_or_default());
                                (h.key.to_owned(), value.into_owned())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                records.push(Record {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    payload: m.payload().map(<[u8]>::to_vec),
                    headers,
                    timestamp_ms: m.timestamp().to_millis(),
                });
                if remaining
                    .get(&m.partition())
                    .is_some_and(|&h| m.offset() + 1 >= h)
                {
                    remaining.remove(&m.partition());
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                remaining.remove(&p);
            }
            // A node of the cluster is down: librdkafka retries on the others.
            Some(Err(e)) if common::kafka::is_transient(&e) => {}
            Some(Err(e)) => panic!("reading {topic}: {e}"),
            None => {}
        }
    }
    records
}

/// The counts of `label`'s windows in the result topic (`label|start|hashtag` records, and
/// `label|start|*` for tweets per window), in the reference's shape.
pub fn result_counts(
    results: &BTreeMap<String, serde_json::Value>,
    label: &str,
) -> (WindowCounts, WindowTweets) {
    let mut counts = WindowCounts::new();
    let mut tweets = WindowTweets::new();
    for (key, v) in results {
        let Some(rest) = key.strip_prefix(&format!("{label}|")) else {
            continue;
        };
        assert_eq!(
            v["final"], true,
            "{key}: only final counts without early updates"
        );
        let start = v["window_start_ms"].as_i64().expect("window_start_ms");
        if rest.ends_with("|*") {
            tweets.insert(start, v["tweets"].as_u64().expect("tweets"));
        } else {
            let tag = v["key"].as_str().expect("key").to_owned();
            counts.insert((start, tag), v["count"].as_u64().expect("count"));
        }
    }
    (counts, tweets)
}

/// Generates `n` synthetic tweets into `path` with the producer's stdout sink, then makes them
/// arrive out of order as real streams do: blocks of one second of tweets, offset by half a
/// second so that they straddle every window boundary, are written in reverse. A tweet is at
/// most one second of event time out of place (less than the allowed lateness), and tweets of a
/// window keep arriving after the next window has begun.
pub fn generate(dir: &Path, path: &Path, n: u64, seed: u64, start: &str, events_per_second: u64) {
    let mut p = Proc::spawn(
        dir,
        &format!("generate-{seed}"),
        "producer",
        &[
            "--source",
            "synthetic",
            "--sink",
            "stdout",
            "--limit",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
            "--start",
            start,
            "--events-per-second",
            &events_per_second.to_string(),
        ],
        &[],
    );
    let status = p.wait(Duration::from_secs(120));
    assert!(status.success(), "generator failed: {}", p.stderr());
    let text = std::fs::read_to_string(&p.stdout).expect("read generated file");
    let lines: Vec<&str> = text.lines().collect();
    let block = events_per_second as usize;
    let (head, rest) = lines.split_at((block / 2).min(lines.len()));
    let mut out = String::with_capacity(text.len());
    for chunk in std::iter::once(head).chain(rest.chunks(block)) {
        for line in chunk.iter().rev() {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(path, out).expect("write generated file");
}

/// The flags of a consumer a test watches over HTTP (see [`http_url`]): a free port, early
/// updates every 300 ms, and an idle timeout above this machine's broker stalls.
pub const LIVE_VIEW_ARGS: [&str; 6] = [
    "--http",
    "127.0.0.1:0",
    "--early-updates",
    "300ms",
    "--idle-timeout",
    "8s",
];

/// Waits for a consumer started with `--http 127.0.0.1:0` to log where it listens; returns
/// the base URL, e.g. `http://127.0.0.1:41234/`.
pub fn http_url(consumer: &mut Proc) -> String {
    let line = consumer.wait_for_log(Duration::from_secs(60), "the HTTP server", |l| {
        l.contains("HTTP dashboard, API and metrics listening")
    });
    let at = line.find("url=").expect("url field") + "url=".len();
    line[at..]
        .split_whitespace()
        .next()
        .expect("url")
        .to_owned()
}

/// A minimal v1.1 tweet (one JSON line) created at `created_ms` with these hashtag entities,
/// for inputs whose counts a test states by hand.
pub fn tweet_line(id: u64, created_ms: i64, hashtags: &[&str]) -> String {
    let created = chrono::DateTime::from_timestamp_millis(created_ms)
        .expect("valid time")
        .format("%a %b %d %H:%M:%S +0000 %Y")
        .to_string();
    let text: Vec<String> = hashtags.iter().map(|h| format!("#{h}")).collect();
    let entities: Vec<serde_json::Value> = hashtags
        .iter()
        .map(|h| serde_json::json!({"text": h, "indices": [0, 0]}))
        .collect();
    serde_json::json!({
        "created_at": created,
        "id": id,
        "id_str": id.to_string(),
        "text": text.join(" "),
        "entities": {"hashtags": entities, "urls": [], "user_mentions": []},
        "user": {"id": 1, "id_str": "1", "screen_name": "e2e", "name": "e2e"},
        "lang": "en",
    })
    .to_string()
}

/// Reads a numeric field such as `consumed=123` from a human-format log line.
pub fn log_field(line: &str, field: &str) -> Option<u64> {
    let at = line.find(&format!("{field}="))? + field.len() + 1;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Parses the partition list from a `partitions assigned` log line (`partitions=[0, 2]`).
pub fn assigned_partitions(line: &str) -> Vec<i32> {
    let Some(at) = line.find("partitions=[") else {
        return Vec::new();
    };
    let rest = &line[at + "partitions=[".len()..];
    let list = &rest[..rest.find(']').unwrap_or(rest.len())];
    list.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_parsing() {
        let line = "2026 INFO consumer: consumer stopped consumed=12 counted=10 late=0";
        assert_eq!(log_field(line, "consumed"), Some(12));
        assert_eq!(log_field(line, "late"), Some(0));
        assert_eq!(log_field(line, "missing"), None);
        assert_eq!(
            assigned_partitions("x partitions assigned partitions=[0, 2]"),
            [0, 2]
        );
        assert_eq!(
            assigned_partitions("x partitions assigned partitions=[]"),
            Vec::<i32>::new()
        );
    }
}
