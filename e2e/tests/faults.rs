//! Faults survived, nothing lost: the broker is killed (SIGKILL) and restarted while the
//! producer publishes and while the consumer counts. Each test runs a broker of its own (one
//! Apache Kafka node, see `e2e::brokers`) so that it can kill it; they skip on Tansu.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::brokers::OwnBroker;
use e2e::input::{generate, generate_with, tweet_lines};
use e2e::kafka::{
    bootstrap, create_topic, create_topic_at, keys_at, keys_of, message_count, read_all_at,
    read_results_at, unique,
};
use e2e::proc::{consumer_args, tail, test_dir, wait_until, Proc};
use e2e::reference::counts::reference_counts;
use e2e::reference::ids_of;
use e2e::reference::rising::RisingParams;
use e2e::run::{
    assert_each_tweet_once, assert_rising_exact, count_until_end, differences, replay, BURSTS,
};

const PARTITIONS: i32 = 3;
const START: &str = "2026-01-01T00:00:00Z";
const LONG: Duration = Duration::from_secs(240);
/// How long the broker stays down.
const OUTAGE: Duration = Duration::from_secs(4);

fn producer(dir: &Path, broker: &OwnBroker, topic: &str, file: &Path, speed: &str) -> Proc {
    replay(dir, &broker.bootstrap(), topic, file, speed, &[])
}

/// A consumer of every window kind; `extra` adds flags (a batch run: `--until-end`).
fn consumer(
    dir: &Path,
    name: &str,
    broker: &OwnBroker,
    topic: &str,
    results: &str,
    extra: &[&str],
) -> Proc {
    let bootstrap = broker.bootstrap();
    let group = unique(&format!("{name}-group"));
    let mut args = consumer_args(&bootstrap, topic, &group, results);
    args.extend(["--window", "10s,hopping:20s/10s,cumulative:10s"]);
    args.extend_from_slice(extra);
    Proc::spawn(dir, name, "consumer", &args, &[])
}

/// A test's own broker with a fresh topic, and generated input.
struct Outage {
    dir: tempfile::TempDir,
    broker: OwnBroker,
    topic: String,
    file: PathBuf,
}

impl Outage {
    /// `None` when no broker of our own can be started (see `OwnBroker::start`).
    fn new(name: &str, tweets: u64, seed: u64, per_second: u64) -> Option<Outage> {
        let dir = test_dir(name);
        let broker = OwnBroker::start(dir.path())?;
        let topic = unique(name);
        create_topic_at(&broker.bootstrap(), &topic, PARTITIONS);
        let file = dir.path().join("tweets.jsonl");
        generate_with(dir.path(), &file, tweets, seed, START, per_second, &BURSTS);
        Some(Outage {
            dir,
            broker,
            topic,
            file,
        })
    }
}

/// Kills the broker once `ready` holds, and restarts it after the outage.
fn crash_broker_when(broker: &mut OwnBroker, what: &str, ready: impl FnMut() -> bool) {
    wait_until(LONG, what, ready);
    broker.kill();
    std::thread::sleep(OUTAGE);
    broker.restart();
}

#[test]
fn the_producer_survives_a_broker_restart_and_publishes_every_tweet_once() {
    let Some(mut o) = Outage::new("fault-producer", 6_000, 31, 200) else {
        return;
    };
    let (dir, topic) = (o.dir.path(), o.topic.clone());
    let file = o.file.clone();

    // 30 s of event time at 3x: about 10 s of publishing, with the broker down for 4 s of it.
    let started_ms = now_ms();
    let mut p = producer(dir, &o.broker, &topic, &file, "3");
    let bootstrap = o.broker.bootstrap();
    crash_broker_when(&mut o.broker, "some tweets published", || {
        read_all_at(&bootstrap, &topic).len() > 500
    });
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));
    assert!(
        p.stderr()
            .contains("sent 6000, delivered 6000, failed 0, unacknowledged 0"),
        "{}",
        tail(&p.stderr())
    );

    let records = read_all_at(&o.broker.bootstrap(), &topic);
    assert_each_tweet_once(&keys_of(&records), &file);
    // Not the tweets' 2026-01-01 dates: docs/src/operations.md#kafka-producer-state-expiry
    let first = records.iter().filter_map(|r| r.timestamp_ms).min();
    assert!(
        first.is_some_and(|ms| ms >= started_ms),
        "stamped with publishing time, not created_at: first {first:?}, started {started_ms}"
    );
}

/// Milliseconds since the Unix epoch, now.
fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("in range")
}

#[test]
fn the_consumer_survives_a_broker_restart_and_its_results_stay_exact() {
    let Some(mut o) = Outage::new("fault-consumer", 12_000, 32, 200) else {
        return;
    };
    let (dir, topic) = (o.dir.path(), o.topic.clone());
    let file = o.file.clone();
    let mut p = producer(dir, &o.broker, &topic, &file, "0");
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));

    let results = unique("fault-results");
    let batch = ["--commit-interval", "1s", "--until-end"];
    let mut c = consumer(dir, "consumer", &o.broker, &topic, &results, &batch);
    let started = Instant::now();
    crash_broker_when(&mut o.broker, "the consumer counting", || {
        c.stderr().contains("partitions assigned") && started.elapsed() > Duration::from_secs(2)
    });
    assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));

    let reference = unique("reference-results");
    let mut r = consumer(dir, "reference", &o.broker, &topic, &reference, &batch);
    assert!(r.wait(LONG).success(), "{}", tail(&r.stderr()));
    let want = read_results_at(&o.broker.bootstrap(), &reference);
    let got = read_results_at(&o.broker.bootstrap(), &results);
    assert!(
        want.len() > 1_000,
        "a substantial result: {} keys",
        want.len()
    );
    assert_rising_exact(&want, &file, &RisingParams::default());
    assert!(
        got == want,
        "results differ after the broker restart: {:#?}\n{}",
        differences(&got, &want),
        tail(&c.stderr())
    );
}

/// Producer SIGKILL/restart: a file replay with `--checkpoint` is killed three times and
/// restarted; it resumes from its checkpoint instead of publishing the whole file again, every
/// tweet reaches the topic, and the consumer's counts are exact although the tweets sent after
/// the last checkpoint of each run are in the topic twice.
#[test]
fn a_killed_producer_resumes_its_replay_and_the_counts_stay_exact() {
    let tmp = test_dir("fault-resume");
    let dir = tmp.path();
    let topic = unique("fault-resume");
    create_topic(&topic, PARTITIONS);
    let file = dir.join("tweets.jsonl");
    generate(dir, &file, 6_000, 33, START, 200);
    let checkpoint = dir.join("replay.checkpoint.json");
    let (bootstrap, file_arg) = (bootstrap(), file.display().to_string());
    let checkpoint_arg = checkpoint.display().to_string();
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        &topic,
        "--file",
        &file_arg,
        "--speed",
        "3",
        "--checkpoint",
        &checkpoint_arg,
    ];
    let mut published = 0;
    for kill in 1..=3 {
        let mut p = Proc::spawn(dir, &format!("producer-{kill}"), "producer", &args, &[]);
        wait_until(LONG, "more tweets published", || {
            message_count(&topic, PARTITIONS) > published + 800
        });
        p.kill();
        published = message_count(&topic, PARTITIONS);
    }
    let mut last = Proc::spawn(dir, "producer-last", "producer", &args, &[]);
    assert!(last.wait(LONG).success(), "{}", tail(&last.stderr()));
    assert!(
        last.stderr()
            .contains("resuming the replay after this line"),
        "{}",
        tail(&last.stderr())
    );

    let keys = keys_at(&bootstrap, &topic);
    let distinct: BTreeSet<&String> = keys.iter().collect();
    let want = ids_of(&file);
    assert_eq!(distinct, want.iter().collect(), "every tweet of the file");
    let again = keys.len() - want.len();
    eprintln!("published again after the kills: {again} of {}", want.len());
    assert!(
        again < want.len() / 2,
        "resumed, not republished: {again} twice"
    );

    let got = count_until_end(dir, &topic).counts;
    let want = reference_counts(&file, 10_000);
    assert_eq!(got.tweets, want.tweets, "tweets per window");
    assert!(got.hashtags == want.hashtags, "hashtag counts");
}

/// The Twitter stream stalls and then disconnects while the broker is down: the producer keeps
/// reading the stream (reconnecting on Twitter's schedule), buffers, and once the broker is back
/// every tweet the stream delivered is in the topic exactly once.
#[test]
fn a_twitter_stall_and_disconnect_during_a_broker_outage_lose_nothing() {
    use e2e::standin::{Connection, Credentials, StandIn, Step};

    let Some(mut o) = Outage::new("fault-twitter", 15, 34, 1000) else {
        return;
    };
    let (dir, topic) = (o.dir.path(), o.topic.clone());
    let file = o.file.clone();
    let tweets = tweet_lines(&file);
    let lines = |range: std::ops::Range<usize>| tweets[range].iter().cloned().map(Step::Line);
    let connections = vec![
        // Five tweets, then silence: a stall (stall timeout below).
        Connection::Stream(lines(0..5).chain([Step::Pause(LONG)]).collect()),
        // Five more, then the connection drops.
        Connection::Stream(lines(5..10).chain([Step::Close]).collect()),
        Connection::Stream(lines(10..15).collect()),
    ];
    let credentials = Credentials {
        consumer_key: "ck".into(),
        consumer_secret: "cs-secret".into(),
        access_token: "at".into(),
        access_secret: "as-secret".into(),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(StandIn::start(
        credentials.clone(),
        "unused".into(),
        connections,
    ));
    let (bootstrap, base) = (o.broker.bootstrap(), standin.base_url());
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        &topic,
        "--source",
        "twitter-v1",
        "--api-base",
        &base,
        "--track",
        "rust",
        "--limit",
        "15",
    ];
    let mut env = credentials.env();
    // Long enough for the check below to see the first five alone in the topic, and so to kill
    // the broker before the stall ends, on a loaded machine too (at 2 s it sometimes missed them).
    env.push(("TRENDS__TWITTER__STALL_TIMEOUT", "10s"));
    let mut p = Proc::spawn(dir, "producer", "producer", &args, &env);
    wait_until(LONG, "the first tweets published", || {
        read_all_at(&bootstrap, &topic).len() == 5
    });
    o.broker.kill();
    wait_until(LONG, "the stall, the disconnect and two reconnects", || {
        standin.attempts().len() == 3
    });
    std::thread::sleep(OUTAGE);
    o.broker.restart();
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));
    assert!(
        p.stderr().contains("sent 15, delivered 15, failed 0"),
        "{}",
        tail(&p.stderr())
    );
    assert_each_tweet_once(&keys_at(&o.broker.bootstrap(), &topic), &file);
    rt.block_on(standin.shutdown());
}

/// SIGTERM while the broker is down and both binaries have output to make durable: neither
/// hangs. The producer cannot get its buffered tweets acknowledged and is ended when the 5 s
/// grace period is over (exit code 5). The consumer gives its checkpoint up after a second (the
/// next run replays from the one before) and stops cleanly within the grace period, or, on a
/// very slow machine, is ended at its end like the producer.
#[test]
fn a_stop_signal_during_a_broker_outage_ends_both_binaries_after_the_grace_period() {
    // The generated file is not used: the producer runs the synthetic source.
    let Some(mut o) = Outage::new("fault-shutdown", 1, 36, 1000) else {
        return;
    };
    let (dir, topic) = (o.dir.path(), o.topic.clone());
    let bootstrap = o.broker.bootstrap();
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        &topic,
        "--source",
        "synthetic",
        "--rate",
        "200",
    ];
    let mut p = Proc::spawn(dir, "producer", "producer", &args, &[]);
    // Checkpoints only at shutdown, and early updates that show it has counted: at the stop
    // there is always a checkpoint to save, which needs the broker.
    let results = unique("shutdown-results");
    let live = ["--commit-interval", "1h", "--early-updates", "200ms"];
    let mut c = consumer(dir, "consumer", &o.broker, &topic, &results, &live);
    wait_until(LONG, "early results", || {
        !read_all_at(&bootstrap, &results).is_empty()
    });
    o.broker.kill();
    std::thread::sleep(Duration::from_secs(1));
    let ended = "not stopped within 5s of the signal";
    let status = p.terminate(Duration::from_secs(30));
    assert_eq!(
        status.code(),
        Some(common::exit::SHUTDOWN_TIMEOUT),
        "{}",
        tail(&p.stderr())
    );
    assert!(p.stderr().contains(ended), "{}", tail(&p.stderr()));
    let status = c.terminate(Duration::from_secs(30));
    let stderr = c.stderr();
    match status.code() {
        Some(0) => assert!(
            stderr.contains("checkpoint deferred") && stderr.contains("consumer stopped"),
            "{}",
            tail(&stderr)
        ),
        code => {
            assert_eq!(
                code,
                Some(common::exit::SHUTDOWN_TIMEOUT),
                "{}",
                tail(&stderr)
            );
            assert!(stderr.contains(ended), "{}", tail(&stderr));
        }
    }
}
