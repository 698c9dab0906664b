//! Faults survived, nothing lost: the broker is killed (SIGKILL) and restarted while the
//! producer publishes and while the consumer counts. Each test runs its own broker (Tansu, see
//! `e2e::own_broker`) so that it can kill it; they skip when no `tansu` is installed.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e::own_broker::OwnBroker;
use e2e::*;

const PARTITIONS: i32 = 3;
const START: &str = "2026-01-01T00:00:00Z";
const LONG: Duration = Duration::from_secs(240);
/// How long the broker stays down.
const OUTAGE: Duration = Duration::from_secs(4);

fn producer(dir: &Path, broker: &OwnBroker, topic: &str, file: &Path, speed: &str) -> Proc {
    let (bootstrap, file) = (broker.bootstrap(), file.display().to_string());
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        topic,
        "--file",
        &file,
        "--speed",
        speed,
    ];
    Proc::spawn(dir, "producer", "producer", &args, &[])
}

fn consumer(dir: &Path, name: &str, broker: &OwnBroker, topic: &str, results: &str) -> Proc {
    let bootstrap = broker.bootstrap();
    let group = unique(&format!("{name}-group"));
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        topic,
        "--group-id",
        &group,
        "--results-topic",
        results,
        "--window",
        "10s,hopping:20s/10s,cumulative:10s",
        "--commit-interval",
        "1s",
        "--until-end",
    ];
    Proc::spawn(dir, name, "consumer", &args, &[])
}

/// The tweet ids of a JSON-lines file, in order.
fn ids_of(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id_str"].as_str().unwrap().to_owned()
        })
        .collect()
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
    let dir = test_dir("fault-producer");
    let Some(mut broker) = OwnBroker::start(dir.path()) else {
        return;
    };
    let topic = unique("fault-producer");
    create_topic_at(&broker.bootstrap(), &topic, PARTITIONS);
    let file = dir.path().join("tweets.jsonl");
    generate(dir.path(), &file, 6_000, 31, START, 200);

    // 30 s of event time at 3x: about 10 s of publishing, with the broker down for 4 s of it.
    let mut p = producer(dir.path(), &broker, &topic, &file, "3");
    let bootstrap = broker.bootstrap();
    crash_broker_when(&mut broker, "some tweets published", || {
        read_all_at(&bootstrap, &topic).len() > 500
    });
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));
    assert!(
        p.stderr()
            .contains("sent 6000, delivered 6000, failed 0, unacknowledged 0"),
        "{}",
        tail(&p.stderr())
    );

    let published: Vec<String> = read_all_at(&broker.bootstrap(), &topic)
        .into_iter()
        .map(|r| String::from_utf8(r.key.unwrap()).unwrap())
        .collect();
    let unique_ids: BTreeSet<&String> = published.iter().collect();
    let want = ids_of(&file);
    assert_eq!(published.len(), want.len(), "no duplicates, nothing lost");
    assert_eq!(unique_ids, want.iter().collect(), "every tweet of the file");
}

#[test]
fn the_consumer_survives_a_broker_restart_and_its_results_stay_exact() {
    let dir = test_dir("fault-consumer");
    let Some(mut broker) = OwnBroker::start(dir.path()) else {
        return;
    };
    let topic = unique("fault-consumer");
    create_topic_at(&broker.bootstrap(), &topic, PARTITIONS);
    let file = dir.path().join("tweets.jsonl");
    generate(dir.path(), &file, 12_000, 32, START, 200);
    let mut p = producer(dir.path(), &broker, &topic, &file, "0");
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));

    let results = unique("fault-results");
    let mut c = consumer(dir.path(), "consumer", &broker, &topic, &results);
    let started = Instant::now();
    crash_broker_when(&mut broker, "the consumer counting", || {
        c.stderr().contains("partitions assigned") && started.elapsed() > Duration::from_secs(2)
    });
    assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));

    let reference = unique("reference-results");
    let mut r = consumer(dir.path(), "reference", &broker, &topic, &reference);
    assert!(r.wait(LONG).success(), "{}", tail(&r.stderr()));
    let want = read_results_at(&broker.bootstrap(), &reference);
    let got = read_results_at(&broker.bootstrap(), &results);
    assert!(
        want.len() > 1_000,
        "a substantial result: {} keys",
        want.len()
    );
    let differing = want.keys().filter(|k| got.get(*k) != want.get(*k)).count();
    assert!(
        got == want,
        "{differing} keys differ after the broker restart\n{}",
        tail(&c.stderr())
    );
}

/// Producer SIGKILL/restart: a file replay with `--checkpoint` is killed three times and
/// restarted; it resumes from its checkpoint instead of publishing the whole file again, every
/// tweet reaches the topic, and the consumer's counts are exact although the tweets sent after
/// the last checkpoint of each run are in the topic twice.
#[test]
fn a_killed_producer_resumes_its_replay_and_the_counts_stay_exact() {
    let dir = test_dir("fault-resume");
    let topic = unique("fault-resume");
    create_topic(&topic, PARTITIONS);
    let file = dir.path().join("tweets.jsonl");
    generate(dir.path(), &file, 6_000, 33, START, 200);
    let checkpoint = dir.path().join("replay.checkpoint.json");
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
        let mut p = Proc::spawn(
            dir.path(),
            &format!("producer-{kill}"),
            "producer",
            &args,
            &[],
        );
        wait_until(LONG, "more tweets published", || {
            message_count(&topic, PARTITIONS) > published + 800
        });
        p.kill();
        published = message_count(&topic, PARTITIONS);
    }
    let mut last = Proc::spawn(dir.path(), "producer-last", "producer", &args, &[]);
    assert!(last.wait(LONG).success(), "{}", tail(&last.stderr()));
    assert!(
        last.stderr()
            .contains("resuming the replay after this line"),
        "{}",
        tail(&last.stderr())
    );

    let keys: Vec<String> = read_all(&topic)
        .into_iter()
        .map(|r| String::from_utf8(r.key.unwrap()).unwrap())
        .collect();
    let distinct: BTreeSet<&String> = keys.iter().collect();
    let want = ids_of(&file);
    assert_eq!(distinct, want.iter().collect(), "every tweet of the file");
    let again = keys.len() - want.len();
    eprintln!("published again after the kills: {again} of {}", want.len());
    assert!(
        again < want.len() / 2,
        "resumed, not republished: {again} twice"
    );

    let counts = dir.path().join("counts.jsonl");
    let counts_arg = counts.display().to_string();
    let group = unique("fault-resume-group");
    let results = unique("fault-resume-results");
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        &topic,
        "--group-id",
        &group,
        "--results-topic",
        &results,
        "--window",
        "10s",
        "--counts-file",
        &counts_arg,
        "--until-end",
    ];
    let mut c = Proc::spawn(dir.path(), "consumer", "consumer", &args, &[]);
    assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));
    let got = consumer_counts(&[&counts], "tumbling-10s");
    assert_eq!(
        got.1,
        reference_counts(&file, 10_000).1,
        "tweets per window"
    );
    assert!(got.0 == reference_counts(&file, 10_000).0, "hashtag counts");
}

/// The Twitter stream stalls and then disconnects while the broker is down: the producer keeps
/// reading the stream (reconnecting on Twitter's schedule), buffers, and once the broker is back
/// every tweet the stream delivered is in the topic exactly once.
#[test]
fn a_twitter_stall_and_disconnect_during_a_broker_outage_lose_nothing() {
    use e2e::standin::{Connection, Credentials, StandIn, Step};

    let dir = test_dir("fault-twitter");
    let Some(mut broker) = OwnBroker::start(dir.path()) else {
        return;
    };
    let topic = unique("fault-twitter");
    create_topic_at(&broker.bootstrap(), &topic, PARTITIONS);
    let file = dir.path().join("tweets.jsonl");
    generate(dir.path(), &file, 15, 34, START, 1000);
    let tweets: Vec<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let lines = |range: std::ops::Range<usize>| tweets[range].iter().cloned().map(Step::Line);
    let connections = vec![
        // Five tweets, then silence: a stall (stall timeout 2 s below).
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
    let (bootstrap, base) = (broker.bootstrap(), standin.base_url());
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
    let env = [
        ("CONSUMER_KEY", credentials.consumer_key.as_str()),
        ("CONSUMER_SECRET", credentials.consumer_secret.as_str()),
        ("ACCESS_TOKEN", credentials.access_token.as_str()),
        ("ACCESS_SECRET", credentials.access_secret.as_str()),
        ("TRENDS__TWITTER__STALL_TIMEOUT", "2s"),
    ];
    let mut p = Proc::spawn(dir.path(), "producer", "producer", &args, &env);
    wait_until(LONG, "the first tweets published", || {
        read_all_at(&bootstrap, &topic).len() == 5
    });
    broker.kill();
    wait_until(LONG, "the stall, the disconnect and two reconnects", || {
        standin.attempts().len() == 3
    });
    std::thread::sleep(OUTAGE);
    broker.restart();
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));
    assert!(
        p.stderr().contains("sent 15, delivered 15, failed 0"),
        "{}",
        tail(&p.stderr())
    );
    let keys: Vec<String> = read_all_at(&broker.bootstrap(), &topic)
        .into_iter()
        .map(|r| String::from_utf8(r.key.unwrap()).unwrap())
        .collect();
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), 15, "each tweet exactly once");
    assert_eq!(distinct, ids_of(&file).iter().collect());
    rt.block_on(standin.shutdown());
}

/// SIGTERM while the broker is down: neither binary can flush or commit, and neither hangs:
/// both exit with the documented shutdown-timeout code once the 5 s grace period is over.
/// (With the broker up, the other tests' SIGTERMs exit 0: stopped within the grace period.)
#[test]
fn a_stop_signal_during_a_broker_outage_ends_both_binaries_after_the_grace_period() {
    let dir = test_dir("fault-shutdown");
    let Some(mut broker) = OwnBroker::start(dir.path()) else {
        return;
    };
    let topic = unique("fault-shutdown");
    create_topic_at(&broker.bootstrap(), &topic, PARTITIONS);
    let bootstrap = broker.bootstrap();
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
    let mut p = Proc::spawn(dir.path(), "producer", "producer", &args, &[]);
    let results = unique("shutdown-results");
    let mut c = consumer(dir.path(), "consumer", &broker, &topic, &results);
    c.wait_for_log(LONG, "the consumer's assignment", |l| {
        l.contains("partitions assigned") && l.contains(&format!("topic={topic} "))
    });
    wait_until(LONG, "tweets flowing", || {
        read_all_at(&bootstrap, &topic).len() > 200
    });
    broker.kill();
    std::thread::sleep(Duration::from_secs(1));
    for proc in [&mut p, &mut c] {
        let status = proc.terminate(Duration::from_secs(30));
        assert_eq!(
            status.code(),
            Some(common::exit::SHUTDOWN_TIMEOUT),
            "{}",
            tail(&proc.stderr())
        );
        assert!(proc
            .stderr()
            .contains("not stopped within 5s of the signal"));
    }
}
