//! Faults of a real cluster: three Apache Kafka nodes (replication factor 3, min ISR 2), the
//! producer idempotent with acks=all. A node leading raw partitions dies, all three restart one
//! after the other, the group coordinator dies, and consumers are killed and restarted at once,
//! all while the producer publishes and the consumers count. Each test checks that the producer
//! got every tweet acknowledged, that the raw topic holds each tweet once, and that the result
//! topic equals an uninterrupted run's, key for key. They skip on Tansu (`e2e::brokers`).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use e2e::brokers::{NodeId, OwnCluster};
use e2e::kafka::{keys_at, message_count_at, unique};
use e2e::proc::{tail, test_dir, timeline, wait_until, Proc};
use e2e::run::{
    assert_each_tweet_once, await_results, differences, Generated, Lcg, Scenario, LIVE_IDLE, LONG,
    PARTITIONS,
};

/// 12,000 tweets at 200 per second of event time: 60 s, six tumbling windows.
const TWEETS: u64 = 12_000;
/// How long a killed node stays down before it is restarted.
const NODE_DOWN: Duration = Duration::from_secs(10);

/// One cluster at a time: three brokers per test are what two cores can run beside the tests'
/// own processes.
static ONE_CLUSTER_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A cluster of a test's own, a fresh raw topic on it and generated input.
struct ClusterRun {
    scenario: Scenario,
    cluster: OwnCluster,
    _cluster_dir: tempfile::TempDir,
    _serial: MutexGuard<'static, ()>,
}

impl ClusterRun {
    fn new(name: &str, seed: u64) -> Option<ClusterRun> {
        let serial = ONE_CLUSTER_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let cluster_dir = test_dir(&format!("{name}-cluster"));
        let cluster = OwnCluster::start(cluster_dir.path())?;
        // The topics the binaries create (partials, checkpoints, results, dead letters) are
        // replicated as the raw topic is.
        let env = [("TRENDS__KAFKA__REPLICATION_FACTOR", "3".to_owned())];
        let scenario = Scenario::new(
            name,
            &cluster.bootstrap(),
            3,
            Generated {
                tweets: TWEETS,
                seed,
            },
            &env,
        );
        Some(ClusterRun {
            scenario,
            cluster,
            _cluster_dir: cluster_dir,
            _serial: serial,
        })
    }

    /// Waits until the producer has published `n` tweets.
    fn published(&self, n: i64) {
        let s = &self.scenario;
        wait_until(LONG, "tweets published", || {
            message_count_at(s.bootstrap(), &s.topic, PARTITIONS) >= n
        });
    }

    /// The producer exited 0 with every tweet acknowledged, and each is in the topic once.
    fn assert_every_tweet_published_once(&self, producer: &mut Proc) {
        assert!(
            producer.wait(LONG).success(),
            "{}",
            tail(&producer.stderr())
        );
        let summary = format!("sent {TWEETS}, delivered {TWEETS}, failed 0, unacknowledged 0");
        assert!(
            producer.stderr().contains(&summary),
            "{}",
            tail(&producer.stderr())
        );
        let s = &self.scenario;
        assert_each_tweet_once(&keys_at(s.bootstrap(), &s.topic), &s.file);
    }

    /// The result topic equals an uninterrupted run's, key for key, rising lists included
    /// (that run's are checked against the reference first); then the live consumers stop
    /// cleanly.
    fn assert_results_exact(&self, results: &str, live: &mut [Proc], dead: &[Proc]) {
        let s = &self.scenario;
        let want = s.reference();
        assert!(want.len() > 1_000, "a substantial result: {}", want.len());
        s.assert_rising(&want);
        let got = await_results(s.bootstrap(), results, &want);
        for p in live.iter_mut() {
            assert!(
                p.terminate(Duration::from_secs(30)).success(),
                "{}",
                tail(&p.stderr())
            );
        }
        let procs: Vec<&Proc> = live.iter().chain(dead).collect();
        assert!(
            got == want,
            "results differ: {:?}\n{}",
            differences(&got, &want),
            timeline(&procs)
        );
    }

    /// A live consumer, once it holds raw partitions.
    fn consumer(&self, name: &str, group: &str, results: &str) -> Proc {
        let s = &self.scenario;
        let mut c = s.consumer(name, group, results, &LIVE_IDLE);
        c.wait_for_log(LONG, "an assignment of raw partitions", |l| s.assigned(l));
        c
    }
}

/// Kills `node` with SIGKILL and starts it again after [`NODE_DOWN`].
fn crash_and_restart(cluster: &OwnCluster, node: NodeId) {
    cluster.kill(node);
    std::thread::sleep(NODE_DOWN);
    cluster.restart(node);
}

#[test]
fn the_leader_of_raw_partitions_killed_mid_run_loses_and_duplicates_nothing() {
    let Some(run) = ClusterRun::new("cluster-leader", 51) else {
        return;
    };
    let (group, results) = (unique("leader-group"), unique("leader-results"));
    let mut consumer = run.consumer("consumer", &group, &results);
    let mut producer = run.scenario.producer("2");
    run.published(2_000);
    let leader = run.cluster.leader(&run.scenario.topic, 0);
    eprintln!("killing node {leader}, the leader of partition 0");
    crash_and_restart(&run.cluster, leader);

    run.assert_every_tweet_published_once(&mut producer);
    run.assert_results_exact(&results, std::slice::from_mut(&mut consumer), &[]);
}

#[test]
fn a_rolling_restart_of_every_node_mid_run_loses_and_duplicates_nothing() {
    let Some(run) = ClusterRun::new("cluster-rolling", 52) else {
        return;
    };
    let (group, results) = (unique("rolling-group"), unique("rolling-results"));
    let mut consumer = run.consumer("consumer", &group, &results);
    // 60 s of event time at 1x: publishing outlasts the three restarts.
    let mut producer = run.scenario.producer("1");
    run.published(1_000);
    for node in 1..=3 {
        run.cluster.stop(node);
        run.cluster.restart(node);
        run.cluster.await_fully_replicated(LONG);
        eprintln!("node {node} restarted and caught up");
    }

    run.assert_every_tweet_published_once(&mut producer);
    run.assert_results_exact(&results, std::slice::from_mut(&mut consumer), &[]);
}

#[test]
fn the_group_coordinator_killed_mid_run_loses_and_duplicates_nothing() {
    let Some(run) = ClusterRun::new("cluster-coordinator", 53) else {
        return;
    };
    let (group, results) = (unique("coordinator-group"), unique("coordinator-results"));
    let mut consumer = run.consumer("consumer", &group, &results);
    let mut producer = run.scenario.producer("2");
    run.published(2_000);
    // The group has committed by now (every second), so it has a coordinator.
    let coordinator = run.cluster.coordinator(&group);
    eprintln!("killing node {coordinator}, the coordinator of group {group}");
    run.cluster.kill(coordinator);

    run.assert_every_tweet_published_once(&mut producer);
    run.assert_results_exact(&results, std::slice::from_mut(&mut consumer), &[]);
}

#[test]
fn consumers_killed_and_restarted_at_once_five_times_lose_and_duplicate_nothing() {
    let Some(run) = ClusterRun::new("cluster-restarts", 54) else {
        return;
    };
    let (group, results) = (unique("restarts-group"), unique("restarts-results"));
    let mut members = [
        run.consumer("a-0", &group, &results),
        run.consumer("b-0", &group, &results),
    ];
    let mut producer = run.scenario.producer("1");
    run.published(500);
    let mut rng = Lcg::from_clock();
    eprintln!("kill seed {}", rng.0);
    let mut dead = Vec::new();
    for kill in 1..=5 {
        std::thread::sleep(Duration::from_millis(1_000 + rng.below(3_000)));
        let slot = kill % 2;
        members[slot].kill();
        // Restarted at once, as users do: it takes its partitions back once the group has
        // expired its dead incarnation.
        let name = format!("{}-{kill}", ["a", "b"][slot]);
        let restarted = run.consumer(&name, &group, &results);
        dead.push(std::mem::replace(&mut members[slot], restarted));
    }

    run.assert_every_tweet_published_once(&mut producer);
    run.assert_results_exact(&results, &mut members, &dead);
}
