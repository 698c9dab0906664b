//! End-to-end: producer → broker → consumer group, checked against an independent reference.
//! Requires a running broker (see e2e/src/lib.rs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::input::{generate, generate_with};
use e2e::kafka::{bootstrap, create_topic, message_count, read_results, retry_transient, unique};
use e2e::proc::{
    assigned_partitions, bin, consumer_args, log_field, tail, test_dir, wait_until, Proc,
};
use e2e::reference::counts::{
    assert_counts_equal, consumer_counts, reference_counts, result_counts,
};
use e2e::reference::{counted_object, is_stream_notice};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

const WINDOW_MS: i64 = 10_000;
/// The label of `--window 10s` in counts files and result keys.
const TUMBLING: &str = "tumbling-10s";
const PARTITIONS: i32 = 3;
/// Generated input: 12,000 tweets at 200 per second of event time = 60 s = 6 windows.
const TWEETS: u64 = 12_000;
const EVENTS_PER_SECOND: u64 = 200;
const START: &str = "2026-01-01T00:00:00Z";
const LONG: Duration = Duration::from_secs(120);

struct Fixture {
    dir: tempfile::TempDir,
    topic: String,
    group: String,
    results: String,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let topic = unique(name);
        create_topic(&topic, PARTITIONS);
        Fixture {
            dir: test_dir(name),
            group: unique(&format!("{name}-group")),
            results: unique(&format!("{name}-results")),
            topic,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn generate(&self, name: &str, n: u64, seed: u64, start: &str) -> PathBuf {
        let file = self.path(name);
        generate(self.dir.path(), &file, n, seed, start, EVENTS_PER_SECOND);
        file
    }

    fn producer(&self, name: &str, extra: &[&str]) -> Proc {
        let bootstrap = bootstrap();
        let mut args = vec!["--bootstrap-servers", &bootstrap, "--topic", &self.topic];
        args.extend_from_slice(extra);
        Proc::spawn(self.dir.path(), name, "producer", &args, &[])
    }

    fn consumer(&self, name: &str, counts: &Path, extra: &[&str]) -> Proc {
        self.consumer_in(&self.group, name, counts, extra)
    }

    fn consumer_in(&self, group: &str, name: &str, counts: &Path, extra: &[&str]) -> Proc {
        let bootstrap = bootstrap();
        let counts = counts.display().to_string();
        let mut args = consumer_args(&bootstrap, &self.topic, group, &self.results);
        args.extend([
            "--window",
            "10s",
            "--commit-interval",
            "1s",
            "--counts-file",
            &counts,
        ]);
        args.extend_from_slice(extra);
        Proc::spawn(self.dir.path(), name, "consumer", &args, &[])
    }

    /// True for the log line of the raw topic's partitions being assigned to a member (the
    /// merge stage logs its own assignment of the partials topic).
    fn raw_assignment(&self, line: &str) -> bool {
        line.contains("partitions assigned") && line.contains(&format!("topic={} ", self.topic))
    }

    /// Publishes a whole file and checks the producer's exit and summary.
    fn publish(&self, file: &Path, expected_sent: u64) {
        let file = file.display().to_string();
        let mut p = self.producer("publish", &["--file", &file]);
        let status = p.wait(LONG);
        assert!(status.success(), "producer failed: {}", p.stderr());
        let summary = format!("sent {expected_sent}, delivered {expected_sent}, failed 0");
        assert!(
            p.stderr().contains(&summary),
            "expected `{summary}` in:\n{}",
            p.stderr()
        );
    }
}

fn consumed(p: &Proc) -> u64 {
    summary_field(p, "consumed")
}

/// A field of the consumer's final `consumer stopped` log line.
fn summary_field(p: &Proc, field: &str) -> u64 {
    let stderr = p.stderr();
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.contains("consumer stopped"))
        .unwrap_or_else(|| panic!("no summary:\n{}", tail(&stderr)));
    log_field(line, field).unwrap_or_else(|| panic!("no {field} in {line}"))
}

/// Test 1: the consumer's per-window counts equal an independent count of the input file.
#[test]
fn windowed_counts_equal_an_independent_reference() {
    let f = Fixture::new("counts");
    let file = f.generate("tweets.jsonl", TWEETS, 7, START);
    f.publish(&file, TWEETS);
    assert_eq!(message_count(&f.topic, PARTITIONS), TWEETS as i64);

    let counts = f.path("counts.jsonl");
    let mut c = f.consumer("consumer", &counts, &["--until-end", "--top", "5"]);
    assert!(c.wait(LONG).success(), "consumer failed: {}", c.stderr());

    let want = reference_counts(&file, WINDOW_MS);
    assert_eq!(want.tweets.len(), 6, "input spans six windows");
    assert_counts_equal(&consumer_counts(&[&counts], TUMBLING), &want);
    assert_counts_equal(&result_counts(&read_results(&f.results), TUMBLING), &want);
    assert_eq!(consumed(&c), TWEETS);
    assert_eq!(
        summary_field(&c, "late"),
        0,
        "disorder stays within the allowed lateness"
    );

    // The console shows one table per window, led by that window's most mentioned hashtag.
    let stdout = c.stdout();
    assert_eq!(
        stdout.matches("Window: 2026-01-01 00:00:").count(),
        6,
        "{stdout}"
    );
    let first_window = want
        .hashtags
        .iter()
        .filter(|((w, _), _)| *w == want.tweets.keys().next().copied().unwrap());
    let top = first_window
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0 .1.cmp(&a.0 .1)))
        .unwrap();
    // Shown in its most frequent spelling (ties: alphabetically first) in that window.
    let first_start = *want.tweets.keys().next().unwrap();
    let mut spellings: BTreeMap<String, u64> = BTreeMap::new();
    for line in std::fs::read_to_string(&file).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if is_stream_notice(&v) {
            continue;
        }
        let created = v["created_at"].as_str().unwrap();
        let t = chrono::DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y").unwrap();
        if t.timestamp_millis() - first_start >= WINDOW_MS {
            continue;
        }
        // The spellings the tweet counts: a retweet's original's, a long text's whole.
        let counted = counted_object(&v);
        let entities = counted
            .get("extended_tweet")
            .map_or(&counted["entities"], |extended| &extended["entities"]);
        let mut seen = Vec::new();
        for h in entities["hashtags"].as_array().unwrap() {
            let text = h["text"].as_str().unwrap();
            if text.to_lowercase() == top.0 .1 && !seen.contains(&text) {
                seen.push(text);
                *spellings.entry(text.to_owned()).or_default() += 1;
            }
        }
    }
    let display = spellings
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .unwrap()
        .0;
    let expected_row = format!("|#{display} ");
    let first_table = stdout.split("Window:").nth(1).unwrap();
    let first_row = first_table.lines().find(|l| l.starts_with("|#")).unwrap();
    assert!(
        first_row.starts_with(&expected_row),
        "top row {first_row:?}, expected {expected_row} ({} tweets)",
        top.1
    );
}

/// Runs a consumer while `file` is published and stops it (SIGTERM) mid-stream, once it has
/// written some windows and so checkpointed progress.
fn stop_mid_stream(f: &Fixture, file: &Path, counts: &Path) {
    let mut first = f.consumer("consumer-1", counts, &[]);
    first.wait_for_log(LONG, "partition assignment", |l| {
        f.raw_assignment(l) && !assigned_partitions(l).is_empty()
    });

    // 60 s of event time at 10x: about 6 s of publishing.
    let path = file.display().to_string();
    let mut producer = f.producer("producer", &["--file", &path, "--speed", "10"]);
    wait_until(LONG, "the first consumer to close a window", || {
        std::fs::metadata(counts).is_ok_and(|m| m.len() > 0)
    });
    assert!(
        first.terminate(Duration::from_secs(20)).success(),
        "{}",
        first.stderr()
    );
    let part_one = consumed(&first);
    assert!(producer.wait(LONG).success(), "{}", producer.stderr());
    assert!(
        part_one > 0 && part_one < TWEETS,
        "first consumer should stop mid-stream, consumed {part_one}"
    );
}

/// Test 2: stop the consumer mid-stream, keep producing, restart it: nothing skipped, nothing
/// counted twice.
#[test]
fn a_restarted_consumer_skips_nothing_and_counts_nothing_twice() {
    let f = Fixture::new("restart");
    let file = f.generate("tweets.jsonl", TWEETS, 11, START);
    let counts = f.path("counts.jsonl");
    stop_mid_stream(&f, &file, &counts);

    let mut second = f.consumer("consumer-2", &counts, &["--until-end"]);
    assert!(second.wait(LONG).success(), "{}", second.stderr());
    assert_counts_equal(
        &consumer_counts(&[&counts], TUMBLING),
        &reference_counts(&file, WINDOW_MS),
    );
}

/// Test 2b: a restart resumes from its checkpoints (offset and watermark saved as one record),
/// not from the group's committed offsets: moving those to the end of the topic while the
/// consumer is stopped (as `kafka-consumer-groups --reset-offsets --to-latest` would) changes
/// nothing. Resuming from the moved offsets would lose the windows that were open at the stop.
#[test]
fn a_restart_resumes_from_its_checkpoints_not_the_group_offsets() {
    let f = Fixture::new("moved");
    let file = f.generate("tweets.jsonl", TWEETS, 12, START);
    let counts = f.path("counts.jsonl");
    stop_mid_stream(&f, &file, &counts);

    let group: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("group.id", &f.group)
        .create()
        .expect("consumer");
    let mut ends = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        let (_, high) = retry_transient("fetch watermarks", || {
            group.fetch_watermarks(&f.topic, p, Duration::from_secs(20))
        });
        ends.add_partition_offset(&f.topic, p, Offset::Offset(high))
            .unwrap();
    }
    group
        .commit(&ends, CommitMode::Sync)
        .expect("move the group's offsets");

    let mut second = f.consumer("consumer-2", &counts, &["--until-end"]);
    assert!(second.wait(LONG).success(), "{}", second.stderr());
    assert!(
        consumed(&second) > 0,
        "the restart read from its checkpoints"
    );
    assert_counts_equal(
        &consumer_counts(&[&counts], TUMBLING),
        &reference_counts(&file, WINDOW_MS),
    );
}

/// Test 3: tweets published while no consumer exists are caught up from the earliest offset
/// by a new group, a `latest` group skips them, and a restarted group resumes from its
/// checkpoints (only new tweets are read).
#[test]
fn a_late_consumer_catches_up_and_resumes_from_its_checkpoints() {
    let f = Fixture::new("catchup");
    let batch_a = f.generate("a.jsonl", 6_000, 21, START);
    f.publish(&batch_a, 6_000);

    let counts = f.path("counts.jsonl");
    let mut c = f.consumer("consumer-a", &counts, &["--until-end"]);
    assert!(c.wait(LONG).success(), "{}", c.stderr());
    assert_counts_equal(
        &consumer_counts(&[&counts], TUMBLING),
        &reference_counts(&batch_a, WINDOW_MS),
    );

    let latest_counts = f.path("latest.jsonl");
    let latest_group = unique("latest-group");
    let mut l = f.consumer_in(
        &latest_group,
        "consumer-latest",
        &latest_counts,
        &["--until-end", "--offset-reset", "latest"],
    );
    assert!(l.wait(LONG).success(), "{}", l.stderr());
    assert_eq!(consumed(&l), 0, "a latest group skips existing tweets");

    // Batch B starts where batch A's event time ended.
    let batch_b = f.generate("b.jsonl", 4_000, 22, "2026-01-01T00:00:30Z");
    f.publish(&batch_b, 4_000);
    let before = std::fs::read_to_string(&counts).unwrap().lines().count();
    let mut again = f.consumer("consumer-b", &counts, &["--until-end"]);
    assert!(again.wait(LONG).success(), "{}", again.stderr());
    assert_eq!(consumed(&again), 4_000, "resumed from the checkpoints");
    assert!(std::fs::read_to_string(&counts).unwrap().lines().count() > before);

    let both = f.path("both.jsonl");
    let joined = [
        std::fs::read(&batch_a).unwrap(),
        std::fs::read(&batch_b).unwrap(),
    ]
    .concat();
    std::fs::write(&both, joined).unwrap();
    assert_counts_equal(
        &consumer_counts(&[&counts], TUMBLING),
        &reference_counts(&both, WINDOW_MS),
    );
}

/// The v2 shape end to end: generated v2 messages (retweets with their originals in
/// `includes`, some missing, long posts with `note_tweet`) are counted by Twitter's rules, as
/// the reference reads them from the file.
#[test]
fn v2_messages_are_counted_like_the_independent_reference() {
    let f = Fixture::new("v2");
    let file = f.path("v2.jsonl");
    let v2 = ["--shape", "v2"];
    generate_with(f.dir.path(), &file, 4_000, 9, START, EVENTS_PER_SECOND, &v2);
    f.publish(&file, 4_000);
    let counts = f.path("counts.jsonl");
    let mut c = f.consumer("consumer", &counts, &["--until-end"]);
    assert!(c.wait(LONG).success(), "consumer failed: {}", c.stderr());
    let want = reference_counts(&file, WINDOW_MS);
    assert_counts_equal(&consumer_counts(&[&counts], TUMBLING), &want);
    assert_eq!(consumed(&c), 4_000);
}

/// Test 4a: malformed input lines are skipped and counted as rejected; stream notices (the
/// generated stream's own and one added) are skipped and counted apart; the rest is published.
#[test]
fn malformed_lines_are_skipped_and_counted() {
    let f = Fixture::new("malformed");
    let good = f.generate("good.jsonl", 200, 5, START);
    let mut lines: Vec<String> = std::fs::read_to_string(&good)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    lines.insert(10, "{\"truncated\": ".into());
    lines.insert(50, "not json at all".into());
    lines.insert(90, "{\"delete\":{\"status\":{\"id\":1}}}".into());
    lines.insert(
        120,
        "{\"id_str\":\"1\",\"text\":\"x\",\"created_at\":\"someday\"}".into(),
    );
    let notices = lines
        .iter()
        .filter(|l| serde_json::from_str(l).is_ok_and(|v| is_stream_notice(&v)))
        .count();
    let mixed = f.path("mixed.jsonl");
    std::fs::write(&mixed, lines.join("\n")).unwrap();

    let path = mixed.display().to_string();
    let mut p = f.producer("producer", &["--file", &path]);
    assert!(
        p.wait(LONG).success(),
        "malformed lines must not be fatal: {}",
        p.stderr()
    );
    let stderr = p.stderr();
    let summary = format!(
        "sent 200, delivered 200, failed 0, unacknowledged 0, rejected 3, skipped {notices} \
         stream notice"
    );
    assert!(stderr.contains(&summary), "{summary} in {stderr}");
    for line in [11, 51, 121] {
        assert!(
            stderr.contains(&format!("line={line}")),
            "line {line} not reported:\n{stderr}"
        );
    }
    assert_eq!(message_count(&f.topic, PARTITIONS), 200);
}

/// SIGTERM stops an endless synthetic run: the producer flushes, prints its summary and exits 0
/// because every tweet it sent was acknowledged (and the topic holds exactly those tweets).
#[test]
fn the_producer_flushes_and_summarises_on_sigterm() {
    let f = Fixture::new("sigterm");
    let mut p = f.producer("producer", &["--source", "synthetic", "--rate", "2000"]);
    p.wait_for_log(LONG, "publishing to start", |l| l.contains("publishing"));
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        p.terminate(Duration::from_secs(40)).success(),
        "{}",
        p.stderr()
    );
    let stderr = p.stderr();
    let summary = stderr
        .lines()
        .find(|l| l.contains("producer summary: "))
        .unwrap_or_else(|| panic!("no summary:\n{stderr}"));
    let sent = log_field(&summary.replace("sent ", "sent="), "sent").expect("sent count");
    assert!(sent > 0, "{summary}");
    assert!(
        summary.contains(&format!(
            "sent {sent}, delivered {sent}, failed 0, unacknowledged 0"
        )),
        "{summary}"
    );
    assert_eq!(message_count(&f.topic, PARTITIONS), sent as i64);
}

/// Test 4b: bad configuration and unreadable input exit with code 2 and name the problem.
#[test]
fn bad_config_and_unreadable_input_exit_2_naming_the_problem() {
    let dir = test_dir("bad-config");
    let mut c = Proc::spawn(
        dir.path(),
        "bad-env",
        "consumer",
        &[],
        &[("TRENDS__CONSUMER__TOP", "lots")],
    );
    assert_eq!(c.wait(LONG).code(), Some(2));
    let msg = c.stderr();
    assert!(
        msg.contains("consumer.top") && msg.lines().count() == 1,
        "{msg}"
    );

    let conf = dir.path().join("bad.toml");
    std::fs::write(&conf, "[consumer]\nwindow = \"ten seconds\"\n").unwrap();
    let conf_arg = conf.display().to_string();
    let mut c = Proc::spawn(
        dir.path(),
        "bad-file",
        "consumer",
        &["--config", &conf_arg],
        &[],
    );
    assert_eq!(c.wait(LONG).code(), Some(2));
    assert!(c.stderr().contains("consumer.window"), "{}", c.stderr());

    let mut p = Proc::spawn(dir.path(), "bad-flag", "producer", &["--speed=-1"], &[]);
    assert_eq!(p.wait(LONG).code(), Some(2));
    assert!(p.stderr().contains("producer.speed"), "{}", p.stderr());

    let mut p = Proc::spawn(
        dir.path(),
        "no-file",
        "producer",
        &["--file", "/nonexistent/tweets.jsonl"],
        &[],
    );
    assert_eq!(p.wait(LONG).code(), Some(2));
    assert!(
        p.stderr().contains("cannot read /nonexistent/tweets.jsonl"),
        "{}",
        p.stderr()
    );

    // An unknown pass-through librdkafka property is a configuration error too.
    let bootstrap = bootstrap();
    let mut c = Proc::spawn(
        dir.path(),
        "bad-property",
        "consumer",
        &["--bootstrap-servers", &bootstrap],
        &[("TRENDS__KAFKA__PROPERTIES__NO_SUCH_PROP", "1")],
    );
    assert_eq!(c.wait(LONG).code(), Some(2), "{}", c.stderr());
    assert!(c.stderr().contains("no.such.prop"), "{}", c.stderr());
}

/// An unreachable broker is one clear error and exit code 4 after a bounded wait, not a hang.
#[test]
fn an_unreachable_broker_exits_4_without_hanging() {
    let dir = test_dir("unreachable");
    for bin in ["producer", "consumer"] {
        let mut p = Proc::spawn(
            dir.path(),
            bin,
            bin,
            &["--bootstrap-servers", "127.0.0.1:1"],
            &[],
        );
        assert_eq!(
            p.wait(Duration::from_secs(60)).code(),
            Some(4),
            "{}",
            p.stderr()
        );
        let errors = p.stderr_lines_containing("ERROR");
        assert_eq!(errors.len(), 1, "one error line: {errors:?}");
        assert!(
            errors[0].contains("cannot reach Kafka at 127.0.0.1:1 within 15s"),
            "{errors:?}"
        );
    }
}

/// Test 5: two consumers in one group split the partitions and together process every message.
#[test]
fn two_consumers_split_the_partitions_and_process_everything() {
    let f = Fixture::new("group");
    let file = f.generate("tweets.jsonl", TWEETS, 31, START);
    let (counts_a, counts_b, counts_c) = (f.path("a.jsonl"), f.path("b.jsonl"), f.path("c.jsonl"));
    let mut a = f.consumer("consumer-a", &counts_a, &[]);
    a.wait_for_log(LONG, "partition assignment", |l| {
        f.raw_assignment(l) && !assigned_partitions(l).is_empty()
    });
    let mut b = f.consumer("consumer-b", &counts_b, &[]);
    let b_parts = assigned_partitions(&b.wait_for_log(LONG, "partition assignment", |l| {
        f.raw_assignment(l) && !assigned_partitions(l).is_empty()
    }));
    let a_parts = assigned_partitions(&a.wait_for_log(LONG, "rebalanced assignment", |l| {
        f.raw_assignment(l)
            && assigned_partitions(l).len() < PARTITIONS as usize
            && !assigned_partitions(l).is_empty()
    }));
    let mut all: Vec<i32> = a_parts.iter().chain(&b_parts).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        [0, 1, 2],
        "partitions split without overlap: a {a_parts:?}, b {b_parts:?}"
    );

    f.publish(&file, TWEETS);
    // Stop A while tweets are still being processed; B takes over all partitions, resuming
    // A's from A's checkpoints. Then stop B (one at a time:
    // docs/src/operations.md#tansu-group-coordinator).
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        a.terminate(Duration::from_secs(30)).success(),
        "{}",
        a.stderr()
    );
    b.wait_for_log(LONG, "B taking over every partition", |l| {
        f.raw_assignment(l) && assigned_partitions(l) == [0, 1, 2]
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        b.terminate(Duration::from_secs(30)).success(),
        "{}",
        b.stderr()
    );
    let (by_a, by_b) = (consumed(&a), consumed(&b));
    assert!(
        by_a > 0 && by_b > 0,
        "both members processed tweets: a {by_a}, b {by_b}"
    );

    // A third member of the group finishes the windows still open when they stopped.
    let mut c = f.consumer("consumer-c", &counts_c, &["--until-end"]);
    assert!(c.wait(LONG).success(), "{}", c.stderr());
    assert_counts_equal(
        &consumer_counts(&[&counts_a, &counts_b, &counts_c], TUMBLING),
        &reference_counts(&file, WINDOW_MS),
    );
}

/// Ctrl-C in `consumer | tee` kills the reader too: with stdout and stderr both closed pipes,
/// the consumer must still stop on SIGTERM (it once panicked logging to the dead stderr and
/// then hung closing the Kafka client).
#[test]
fn the_consumer_stops_when_its_output_pipes_are_closed() {
    let f = Fixture::new("closed-pipes");
    // 20 s of event time, so the first 10 s window closes while the consumer runs.
    let file = f.generate("tweets.jsonl", 4_000, 41, START);
    f.publish(&file, 4_000);
    let bootstrap = bootstrap();
    let mut child = std::process::Command::new(bin("consumer"))
        .args(["--bootstrap-servers", &bootstrap, "--topic", &f.topic])
        .args(["--group-id", &f.group, "--window", "10s"])
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start consumer");
    // Read until it has printed a window table, then close both pipes.
    let mut stdout = child.stdout.take().expect("stdout pipe");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("Window:") {
        let n = std::io::Read::read(&mut stdout, &mut buf).expect("read stdout");
        assert!(n > 0, "consumer closed stdout before printing a window");
        seen.extend_from_slice(&buf[..n]);
    }
    drop(stdout);
    drop(child.stderr.take());
    // SAFETY: kill(2) on our own child with a valid signal number.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            assert!(status.success(), "{status}");
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("consumer did not stop within 20 s of SIGTERM with closed output pipes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
