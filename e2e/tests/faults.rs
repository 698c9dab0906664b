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
