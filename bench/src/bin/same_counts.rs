//! Whether a peer's windowed hashtag counts equal ours: the check behind "the same answer" in the
//! side-by-side benchmark (scripts/bench.sh e2e). Reads our result topic (the final
//! `label|start|hashtag` records of one window definition) and a peer's output topic (key
//! `startMs|hashtag`, value the count as an 8-byte big-endian integer, as Kafka's `LongSerializer`
//! writes it, or with `--peer-format text` as a decimal string, which is what Spark writes without
//! a serializer of its own; the latest value per key is the count), and compares them key by key.
//! With `--peer-format ours` the peer is another of our result topics: a run with more consumer
//! processes (scripts/bench.sh scaleout) must give the same counts as one with one.
//!
//! Prints `same_counts: N keys equal` and exits 0, or the number of differing keys with the first
//! few and exits 1.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use rdkafka::ClientConfig;

use common::kafka::read_topic;

/// Compare a peer's windowed counts with ours.
#[derive(Debug, Parser)]
struct Args {
    /// Kafka bootstrap servers.
    #[arg(long, default_value = "127.0.0.1:9092")]
    bootstrap_servers: String,
    /// Our result topic.
    #[arg(long)]
    ours: String,
    /// The window definition to compare, e.g. tumbling-1m.
    #[arg(long)]
    label: String,
    /// The peer's output topic.
    #[arg(long)]
    peer: String,
    /// How the peer's output topic is written.
    #[arg(long, value_enum, default_value_t = PeerFormat::Long)]
    peer_format: PeerFormat,
}

/// The record formats a peer's output topic can have.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum PeerFormat {
    /// Key `startMs|hashtag`, value 8 bytes big-endian: Kafka's `LongSerializer` (Kafka Streams).
    Long,
    /// Key `startMs|hashtag`, value a decimal string (Spark, whose ANSI mode casts no integer
    /// to bytes).
    Text,
    /// Our result records, as in `--ours`.
    Ours,
}

impl PeerFormat {
    /// The count a value holds, or None if it is not one in this encoding.
    fn count(self, value: &[u8]) -> Option<u64> {
        match self {
            Self::Long => u64::try_from(i64::from_be_bytes(value.try_into().ok()?)).ok(),
            Self::Text => std::str::from_utf8(value).ok()?.parse().ok(),
            Self::Ours => None,
        }
    }
}

/// A window's hashtag: its start and case-folded key.
type WindowTag = (i64, String);

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = ClientConfig::new();
    // Topics are read by assignment; librdkafka still wants a group, which commits nothing.
    // Partition ends are reported: a transactional peer's output ends in commit markers, which
    // are no records to read up to.
    config
        .set("bootstrap.servers", &args.bootstrap_servers)
        .set("group.id", format!("same-counts-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true");
    let ours = our_counts(&config, &args.ours, &args.label)?;
    let peer = match args.peer_format {
        PeerFormat::Ours => our_counts(&config, &args.peer, &args.label)?,
        format => peer_counts(&config, &args.peer, format)?,
    };
    let differing: Vec<&WindowTag> = ours
        .keys()
        .chain(peer.keys())
        .filter(|k| ours.get(*k) != peer.get(*k))
        .collect();
    if differing.is_empty() {
        println!("same_counts: {} keys equal", ours.len());
        return Ok(());
    }
    for key in differing.iter().take(5) {
        println!(
            "same_counts: {key:?}: ours {:?}, peer {:?}",
            ours.get(*key),
            peer.get(*key)
        );
    }
    bail!(
        "{} of {} keys differ ({} ours, {} the peer's)",
        differing.len(),
        ours.len().max(peer.len()),
        ours.len(),
        peer.len()
    )
}

/// The final hashtag counts of `label`'s windows in our result topic.
fn our_counts(
    config: &ClientConfig,
    topic: &str,
    label: &str,
) -> anyhow::Result<BTreeMap<WindowTag, u64>> {
    let prefix = format!("{label}|");
    let mut counts = BTreeMap::new();
    let mut bad = None;
    read_topic(config, topic, |key, value| {
        let Some(rest) = key.strip_prefix(&prefix) else {
            return;
        };
        // Summaries (`*`) and rising lists (`*rising`) are not hashtags.
        if rest
            .rsplit('|')
            .next()
            .is_some_and(|tag| tag.starts_with('*'))
        {
            return;
        }
        match serde_json::from_slice::<serde_json::Value>(value) {
            Ok(v) if v["final"] == true => {
                let start = v["window_start_ms"].as_i64().unwrap_or_default();
                let tag = v["key"].as_str().unwrap_or_default().to_owned();
                counts.insert((start, tag), v["count"].as_u64().unwrap_or_default());
            }
            Ok(_) => {}
            Err(e) => bad = Some(format!("{key}: {e}")),
        }
    })
    .with_context(|| format!("cannot read {topic}"))?;
    match bad {
        Some(record) => bail!("a record of {topic} is not JSON: {record}"),
        None => Ok(counts),
    }
}

/// The latest count per key of the peer's output topic.
fn peer_counts(
    config: &ClientConfig,
    topic: &str,
    values: PeerFormat,
) -> anyhow::Result<BTreeMap<WindowTag, u64>> {
    let mut counts = BTreeMap::new();
    let mut bad = None;
    read_topic(config, topic, |key, value| {
        let parsed = key.split_once('|').and_then(|(start, tag)| {
            Some(((start.parse().ok()?, tag.to_owned()), values.count(value)?))
        });
        match parsed {
            Some((window_tag, count)) => {
                counts.insert(window_tag, count);
            }
            None => bad = Some(key.to_owned()),
        }
    })
    .with_context(|| format!("cannot read {topic}"))?;
    match bad {
        Some(key) => bail!("a record of {topic} is not startMs|hashtag with a count: {key}"),
        None => Ok(counts),
    }
}
