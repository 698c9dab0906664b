//! One input topic and the processes a test runs over it: producers publishing a generated file,
//! consumers of every window kind joining and leaving one group, the uninterrupted single
//! consumer whose result topic is what every disturbed run must equal, key for key, and a
//! batch count of a topic to compare with the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::input::generate_with;
use crate::kafka::{bootstrap, create_topic_configured, key_set, read_results_at, unique, Results};
use crate::proc::{consumer_args, tail, test_dir, Proc};
use crate::reference::counts::{consumer_counts, reference_hopping, Counts};
use crate::reference::ids_of;
use crate::reference::rising::{assert_rising_equal, reference_rising, RisingParams};

/// Partitions of every test's raw topic.
pub const PARTITIONS: i32 = 3;
/// Where generated input starts in event time.
pub const START: &str = "2026-01-01T00:00:00Z";
/// How densely generated input is spread over event time: 12,000 tweets span 60 s, six 10 s
/// windows.
pub const EVENTS_PER_SECOND: u64 = 200;
/// Every window kind at once.
pub const WINDOWS: &str = "10s,hopping:20s/10s,cumulative:10s";
/// The window definitions of [`WINDOWS`] that rank rising hashtags: label, size and slide (ms).
const RANKING: [(&str, i64, i64); 2] = [
    ("tumbling-10s", 10_000, 10_000),
    ("hopping-20s-10s", 20_000, 10_000),
];
/// How long one process of a run may take.
pub const LONG: Duration = Duration::from_secs(180);

/// A killed member stays in its groups until its session times out (librdkafka's default: 45 s),
/// and a rebalance waits for it; the tests keep that short so that they are not held up by the
/// ghost, with heartbeats every second (librdkafka's 3 s default would leave a live member one
/// late heartbeat from eviction on a busy machine).
pub const SHORT_SESSION: [(&str, &str); 2] = [
    ("TRENDS__KAFKA__PROPERTIES__SESSION_TIMEOUT_MS", "6000"),
    ("TRENDS__KAFKA__PROPERTIES__HEARTBEAT_INTERVAL_MS", "1000"),
];

/// Live runs end when their partitions go idle. A partition that the broker holds back for
/// longer than this (a stall on a loaded machine) is closed early, by design, so the timeout
/// must be well above such stalls; 2-3 s was not, on 2 shared cores.
pub const LIVE_IDLE: [&str; 2] = ["--idle-timeout", "8s"];

/// The generator's bursts compressed into a [`Scenario`]'s minute of event time (by default one
/// starts every two minutes): a new hashtag rises from 20 s and another from 40 s, so the rising
/// records every kill and scale-out test compares rank something.
pub const BURSTS: [&str; 4] = ["--burst-every", "20s", "--burst-length", "20s"];

/// Logged by the member that has just taken the merge stage.
pub const MERGING: &str = "merging windows of all partitions here";

/// The generated input of a [`Scenario`]: `tweets` synthetic tweets from `seed`, at
/// [`EVENTS_PER_SECOND`] from [`START`].
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    pub tweets: u64,
    pub seed: u64,
}

/// A fresh raw topic holding nothing yet, and generated tweets in a file to publish to it.
pub struct Scenario {
    pub dir: tempfile::TempDir,
    pub topic: String,
    pub file: PathBuf,
    bootstrap: String,
    env: Vec<(&'static str, String)>,
}

impl Scenario {
    /// `input` on the broker at `bootstrap`; the topic is created with `replication` copies of
    /// each partition, and every process of the run gets `env` (e.g. the replication factor of
    /// the topics the consumers create).
    pub fn new(
        name: &str,
        bootstrap: &str,
        replication: i32,
        input: Generated,
        env: &[(&'static str, String)],
    ) -> Scenario {
        let dir = test_dir(name);
        let topic = unique(name);
        create_topic_configured(bootstrap, &topic, PARTITIONS, replication, &[]);
        let file = dir.path().join("tweets.jsonl");
        let Generated { tweets, seed } = input;
        generate_with(
            dir.path(),
            &file,
            tweets,
            seed,
            START,
            EVENTS_PER_SECOND,
            &BURSTS,
        );
        Scenario {
            dir,
            topic,
            file,
            bootstrap: bootstrap.to_owned(),
            env: env.to_vec(),
        }
    }

    /// `input` on the shared broker (`TRENDS_TEST_BOOTSTRAP`), unreplicated, with no extra
    /// environment.
    pub fn shared(name: &str, input: Generated) -> Scenario {
        Scenario::new(name, &bootstrap(), 1, input, &[])
    }

    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// A consumer of every window kind committing every second, with a short session; `extra`
    /// adds flags (a batch run: `--until-end`).
    pub fn consumer(&self, name: &str, group: &str, results: &str, extra: &[&str]) -> Proc {
        self.consumer_with_env(name, group, results, extra, &[])
    }

    /// The same with more environment.
    pub fn consumer_with_env(
        &self,
        name: &str,
        group: &str,
        results: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Proc {
        let mut args = consumer_args(&self.bootstrap, &self.topic, group, results);
        args.extend(["--window", WINDOWS, "--commit-interval", "1s"]);
        args.extend_from_slice(extra);
        let own: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let env: Vec<(&str, &str)> = SHORT_SESSION
            .iter()
            .chain(&own)
            .chain(env)
            .copied()
            .collect();
        Proc::spawn(self.dir.path(), name, "consumer", &args, &env)
    }

    /// A producer replaying the file at `speed` times its event time (0: as fast as it can).
    pub fn producer(&self, speed: &str) -> Proc {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (dir, topic) = (self.dir.path(), self.topic.as_str());
        replay(dir, &self.bootstrap, topic, &self.file, speed, &env)
    }

    /// An uninterrupted single consumer over the whole topic: the expected result topic.
    pub fn reference(&self) -> Results {
        let results = unique("reference-results");
        let group = unique("reference");
        let mut c = self.consumer("reference", &group, &results, &["--until-end"]);
        assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));
        read_results_at(&self.bootstrap, &results)
    }

    /// Asserts that `results` ranks rising hashtags as the reference does over this run's input
    /// with the default parameters (see [`assert_rising_exact`]).
    pub fn assert_rising(&self, results: &Results) {
        assert_rising_exact(results, &self.file, &RisingParams::default());
    }

    /// Whether `line` logs an assignment of this run's raw topic.
    pub fn assigned(&self, line: &str) -> bool {
        line.contains("partitions assigned") && line.contains(&format!("topic={} ", self.topic))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Waits until `topic` holds every key of `want` (a live source's producer publishing them), then
/// checks that it holds no other; a failure shows the end of `producer`'s log.
pub fn await_every_key(topic: &str, want: &BTreeSet<String>, producer: &Proc) {
    let deadline = Instant::now() + LONG;
    let mut got = key_set(topic);
    while !want.is_subset(&got) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(1));
        got = key_set(topic);
    }
    let missing: Vec<_> = want.difference(&got).take(5).collect();
    assert!(
        missing.is_empty(),
        "missing {missing:?}: {}",
        tail(&producer.stderr())
    );
    let unexpected: Vec<_> = got.difference(want).take(5).collect();
    assert!(unexpected.is_empty(), "unexpected keys: {unexpected:?}");
}

/// Asserts that a result topic of [`WINDOWS`] over the input `file` ranks rising hashtags
/// exactly as the reference does with `params`: one list for every final tumbling and hopping
/// window, none for cumulative totals, and some list not empty, so that a test comparing whole
/// result topics compares rankings too. Returns how many lists rank a hashtag.
pub fn assert_rising_exact(results: &Results, file: &Path, params: &RisingParams) -> usize {
    let mut ranked = 0;
    for (label, size_ms, slide_ms) in RANKING {
        let want = reference_rising(&reference_hopping(file, size_ms, slide_ms), size_ms, params);
        ranked += assert_rising_equal(results, label, &want);
    }
    let cumulative: Vec<&String> = results
        .keys()
        .filter(|k| k.starts_with("cumulative-") && k.ends_with("|*rising"))
        .collect();
    assert!(cumulative.is_empty(), "totals rank nothing: {cumulative:?}");
    assert!(
        ranked > 0,
        "some window ranks a hashtag: the comparison is not vacuous"
    );
    ranked
}

/// A finished batch count of a topic: the consumer (its output) and its counts.
pub struct CountRun {
    pub consumer: Proc,
    pub counts: Counts,
}

/// Runs a fresh consumer group over `topic` on the shared broker to its end (`--until-end`,
/// 10 s tumbling windows) and returns it with its counts, to compare with
/// [`reference_counts`](crate::reference::counts::reference_counts).
pub fn count_until_end(dir: &Path, topic: &str) -> CountRun {
    count_until_end_with(dir, topic, &[])
}

/// The same with more consumer flags (e.g. a longer `--lateness`).
pub fn count_until_end_with(dir: &Path, topic: &str, extra: &[&str]) -> CountRun {
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
    args.extend_from_slice(extra);
    let mut consumer = Proc::spawn(dir, "counter", "consumer", &args, &[]);
    assert!(
        consumer.wait(Duration::from_secs(180)).success(),
        "{}",
        tail(&consumer.stderr())
    );
    let counts = consumer_counts(&[&counts], "tumbling-10s");
    CountRun { consumer, counts }
}

/// A producer replaying a JSON-lines file to `topic` on the broker at `bootstrap`, at `speed`
/// times its event time (0: as fast as it can), with `env` added to its environment.
pub fn replay(
    dir: &Path,
    bootstrap: &str,
    topic: &str,
    file: &Path,
    speed: &str,
    env: &[(&str, &str)],
) -> Proc {
    let file = file.display().to_string();
    let args = [
        "--bootstrap-servers",
        bootstrap,
        "--topic",
        topic,
        "--file",
        &file,
        "--speed",
        speed,
    ];
    Proc::spawn(dir, "producer", "producer", &args, env)
}

/// Publishes a JSON-lines file to `topic` on the shared broker as fast as it can, and waits for
/// it to succeed.
pub fn publish_file(dir: &Path, topic: &str, file: &Path) {
    let mut p = replay(dir, &bootstrap(), topic, file, "0", &[]);
    assert!(p.wait(LONG).success(), "{}", p.stderr());
}

/// The topic's keys are the file's tweet ids, each exactly once.
pub fn assert_each_tweet_once(keys: &[String], file: &Path) {
    let distinct: BTreeSet<&String> = keys.iter().collect();
    let want = ids_of(file);
    assert_eq!(keys.len(), want.len(), "no duplicates, nothing lost");
    assert_eq!(distinct, want.iter().collect(), "every tweet of the file");
}

/// Reads `results` until it equals `want` (live consumers finish their windows when their
/// partitions go idle), or [`LONG`] has passed; returns what it read last.
pub fn await_results(bootstrap: &str, results: &str, want: &Results) -> Results {
    let deadline = Instant::now() + LONG;
    let mut got = read_results_at(bootstrap, results);
    while got != *want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(2));
        got = read_results_at(bootstrap, results);
    }
    got
}

/// How many keys differ per window label (rising lists counted apart), then the first keys of
/// each that differ, for a readable failure.
pub fn differences(got: &Results, want: &Results) -> Vec<String> {
    let keys: BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    let mut by_label: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for k in keys.into_iter().filter(|k| got.get(*k) != want.get(*k)) {
        let label = k.split('|').next().unwrap_or_default();
        // Rising lists apart, so that a differing one is named even when counts differ too.
        let group = if k.ends_with("|*rising") {
            format!("{label} rising")
        } else {
            label.to_owned()
        };
        by_label.entry(group).or_default().push(k);
    }
    let mut out = vec![format!(
        "differing keys per window: {:?}",
        by_label
            .iter()
            .map(|(l, ks)| (l, ks.len()))
            .collect::<Vec<_>>()
    )];
    for k in by_label.values().flat_map(|ks| ks.iter().take(3)) {
        out.push(format!(
            "{k}: got {:?}, want {:?}",
            got.get(*k),
            want.get(*k)
        ));
    }
    out
}

/// A small deterministic generator for kill moments (printed, so a failure can be replayed).
pub struct Lcg(pub u64);

impl Lcg {
    /// Seeded from the clock; print the seed.
    pub fn from_clock() -> Lcg {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Lcg(nanos)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_a_differing_rising_list_beside_differing_counts() {
        // Counts of the first window differ, and the rising list of the second, whose key
        // sorts after theirs.
        let mut want = Results::new();
        for tag in ["a", "b", "c", "d"] {
            let key = format!("tumbling-10s|2026-01-01T00:00:00Z|{tag}");
            want.insert(key, serde_json::json!({"count": 1}));
        }
        let rising = "tumbling-10s|2026-01-01T00:00:10Z|*rising".to_owned();
        want.insert(rising.clone(), serde_json::json!({"rising": []}));
        let mut got: Results = want
            .keys()
            .map(|k| (k.clone(), serde_json::json!({})))
            .collect();
        got.insert(
            rising.clone(),
            serde_json::json!({"rising": [{"key": "a"}]}),
        );
        let out = differences(&got, &want);
        assert_eq!(
            out[0],
            r#"differing keys per window: [("tumbling-10s", 4), ("tumbling-10s rising", 1)]"#
        );
        assert!(out.iter().any(|line| line.starts_with(&rising)), "{out:?}");
    }
}
