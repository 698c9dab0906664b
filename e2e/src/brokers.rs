//! Brokers a test owns, so that it can kill and restart them: one Apache Kafka node, or a cluster
//! of three, started through `scripts/kafka.sh` (the same configuration users get) on free ports
//! with their data in the test's directory. And the one place that knows which broker the shared
//! one is (`TRENDS_TEST_BROKER`), for the tests that need what only Apache Kafka has.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

use crate::kafka::retry_transient;
use crate::proc::free_ports;

/// The broker behind `TRENDS_TEST_BOOTSTRAP`: Apache Kafka unless scripts/test.sh was run with
/// `BROKER=tansu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedBroker {
    Kafka,
    Tansu,
}

impl SharedBroker {
    pub fn under_test() -> SharedBroker {
        match std::env::var("TRENDS_TEST_BROKER").as_deref() {
            Ok("tansu") => SharedBroker::Tansu,
            _ => SharedBroker::Kafka,
        }
    }
}

/// Whether a test that needs Apache Kafka must skip, saying why: on Tansu (a machine without
/// Java) there is no Kafka to start, and Tansu's group coordinator cannot be relied on
/// (docs/src/operations.md#tansu-group-coordinator). Tests call it first:
/// `if needs_kafka("...") { return; }`.
pub fn needs_kafka(what: &str) -> bool {
    let skip = SharedBroker::under_test() == SharedBroker::Tansu;
    if skip {
        eprintln!("skipped on Tansu: {what} needs Apache Kafka");
    }
    skip
}

/// `scripts/kafka.sh` with `args` and `env`, ready to run.
fn script(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut command = Command::new("bash");
    command
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/kafka.sh"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    command
}

/// Runs `scripts/kafka.sh` with `args` and `env`; panics with its output when it fails.
fn kafka_sh(args: &[&str], env: &[(&str, String)]) -> Output {
    let output = script(args, env).output().expect("run scripts/kafka.sh");
    assert!(
        output.status.success(),
        "scripts/kafka.sh {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// One Apache Kafka node of a test's own.
pub struct OwnBroker {
    env: Vec<(&'static str, String)>,
    port: u16,
}

impl OwnBroker {
    /// Starts a node with its data in `dir`, or returns `None` on Tansu (see [`needs_kafka`]).
    pub fn start(dir: &Path) -> Option<OwnBroker> {
        if needs_kafka("a broker the test can kill") {
            return None;
        }
        let ports = free_ports(2);
        let env = vec![
            ("BROKER_DIR", dir.join("broker").display().to_string()),
            ("BROKER_PORT", ports[0].to_string()),
            ("CONTROLLER_PORT", ports[1].to_string()),
            ("TOPICS", String::new()),
        ];
        let broker = OwnBroker {
            env,
            port: ports[0],
        };
        broker.restart();
        Some(broker)
    }

    /// host:port for clients.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the broker with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        kafka_sh(&["kill"], &self.env);
    }

    /// Starts the broker again on the same ports and data; returns once it serves.
    pub fn restart(&self) {
        kafka_sh(&["start"], &self.env);
    }
}

impl Drop for OwnBroker {
    /// Nothing of a test's broker outlives it (a failing test's panic included).
    fn drop(&mut self) {
        let _ = script(&["kill"], &self.env).output();
    }
}

/// A node of an [`OwnCluster`]: 1, 2 or 3 (its `node.id`).
pub type NodeId = i32;

/// Three combined broker and controller nodes of a test's own: replication factor 3 and
/// `min.insync.replicas=2` for every topic created with the broker's defaults.
pub struct OwnCluster {
    env: Vec<(&'static str, String)>,
    ports: Vec<u16>,
}

impl OwnCluster {
    /// Starts the three nodes with their data in `dir`, or returns `None` on Tansu.
    pub fn start(dir: &Path) -> Option<OwnCluster> {
        if needs_kafka("a cluster of three nodes") {
            return None;
        }
        let ports = free_ports(6);
        let list = |ps: &[u16]| ps.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
        let env = vec![
            ("CLUSTER_DIR", dir.join("cluster").display().to_string()),
            ("CLUSTER_PORTS", list(&ports[..3])),
            ("CONTROLLER_PORTS", list(&ports[3..])),
        ];
        kafka_sh(&["cluster", "start"], &env);
        Some(OwnCluster {
            env,
            ports: ports[..3].to_vec(),
        })
    }

    /// Every node's host:port, comma-separated, for clients.
    pub fn bootstrap(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Kills node `node` with SIGKILL, as a crash would.
    pub fn kill(&self, node: NodeId) {
        kafka_sh(&["cluster", "kill", &node.to_string()], &self.env);
    }

    /// Stops node `node` gracefully (SIGTERM: a controlled shutdown that moves its leaderships).
    pub fn stop(&self, node: NodeId) {
        kafka_sh(&["cluster", "stop", &node.to_string()], &self.env);
    }

    /// Starts node `node` again on its data; returns once it serves.
    pub fn restart(&self, node: NodeId) {
        kafka_sh(&["cluster", "start", &node.to_string()], &self.env);
    }

    /// The node leading `partition` of `topic` now.
    pub fn leader(&self, topic: &str, partition: i32) -> NodeId {
        let leaders = self.partitions(topic);
        leaders
            .iter()
            .find(|p| p.id == partition)
            .unwrap_or_else(|| panic!("{topic} has no partition {partition}"))
            .leader
    }

    /// The node coordinating consumer group `group`: the leader of the `__consumer_offsets`
    /// partition that Kafka maps the group to (the group id's Java `String.hashCode`, made
    /// non-negative, modulo the partitions), which is created at the group's first use.
    pub fn coordinator(&self, group: &str) -> NodeId {
        let offsets = self.partitions("__consumer_offsets");
        assert!(!offsets.is_empty(), "no __consumer_offsets topic yet");
        let hash = group.encode_utf16().fold(0i32, |h, unit| {
            h.wrapping_mul(31).wrapping_add(i32::from(unit))
        });
        let abs = if hash == i32::MIN { 0 } else { hash.abs() };
        let partition = abs % offsets.len() as i32;
        self.leader("__consumer_offsets", partition)
    }

    /// Waits until every partition of every topic has its three replicas in sync again, as an
    /// operator waits between the nodes of a rolling restart.
    pub fn await_fully_replicated(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let lagging: Vec<String> = self
                .topics(None)
                .into_iter()
                .filter(|p| p.in_sync < 3)
                .map(|p| format!("{}-{}", p.topic, p.id))
                .collect();
            if lagging.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "partitions not fully replicated within {timeout:?}: {lagging:?}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn partitions(&self, topic: &str) -> Vec<PartitionState> {
        self.topics(Some(topic))
    }

    /// The partitions of `topic`, or of every topic.
    fn topics(&self, topic: Option<&str>) -> Vec<PartitionState> {
        let client: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .create()
            .expect("metadata client");
        let metadata = retry_transient("metadata", || {
            client.fetch_metadata(topic, Duration::from_secs(20))
        });
        metadata
            .topics()
            .iter()
            .flat_map(|t| {
                t.partitions().iter().map(|p| PartitionState {
                    topic: t.name().to_owned(),
                    id: p.id(),
                    leader: p.leader(),
                    in_sync: p.isr().len(),
                })
            })
            .collect()
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        for node in ["1", "2", "3"] {
            let _ = script(&["cluster", "kill", node], &self.env).output();
        }
    }
}

struct PartitionState {
    topic: String,
    id: i32,
    leader: NodeId,
    in_sync: usize,
}
