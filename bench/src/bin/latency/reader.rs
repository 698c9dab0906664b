//! Readers that follow a topic from its current end and record when each marker first arrives:
//! one follows the result topic (the measurement), another, with `--raw-hop`, the raw topic (one
//! broker hop, the baseline).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message, Timestamp};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::{Args, Plan};

/// When a marker first appeared in the result topic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    pub(crate) received: Instant,
    /// The result record's Kafka timestamp (epoch ms), if it has one.
    pub(crate) kafka_ms: Option<i64>,
}

/// What the reader thread saw.
pub(crate) struct Seen {
    pub(crate) arrivals: Vec<Option<Arrival>>,
    pub(crate) records: u64,
    pub(crate) bytes: u64,
}

/// What the readers saw by the end of a run.
pub(crate) struct Sightings {
    /// The result topic's reader: the measurement.
    pub(crate) results: Seen,
    /// The raw topic's reader, with `--raw-hop`: one broker hop, the baseline.
    pub(crate) raw: Option<Seen>,
}

/// The reader threads of a run.
pub(crate) struct Readers {
    stop: Arc<AtomicBool>,
    /// How many markers reached the result topic so far.
    arrived: Arc<AtomicU64>,
    markers: usize,
    results: JoinHandle<Seen>,
    raw: Option<JoinHandle<Seen>>,
}

impl Readers {
    /// Once the raw topic exists, starts the result topic's reader and, with `--raw-hop`, the
    /// raw topic's, and waits until they follow their topics' ends.
    pub(crate) fn start(args: &Args, plan: &Plan) -> anyhow::Result<Readers> {
        let config = reader_config(args, &plan.group);
        let check: BaseConsumer = config.create().context("reader settings")?;
        wait_for_topic(&check, &plan.topic, Duration::from_secs(60))?;
        drop(check);
        let stop = Arc::new(AtomicBool::new(false));
        let arrived = Arc::new(AtomicU64::new(0));
        let (ready_tx, ready_rx) = mpsc::channel();
        let results = Reader {
            config: config.clone(),
            topic: plan.results.clone(),
            markers: plan.markers,
            slot_of: Box::new(|key| marker_of(key).map(|seq| seq as usize)),
            ready: ready_tx.clone(),
            matched: Arc::clone(&arrived),
            stop: Arc::clone(&stop),
        }
        .spawn();
        let raw = args.raw_hop.then(|| {
            Reader {
                config,
                topic: plan.topic.clone(),
                markers: plan.markers,
                slot_of: raw_slot(plan.run_id, args.marker_every.max(1)),
                ready: ready_tx,
                matched: Arc::new(AtomicU64::new(0)),
                stop: Arc::clone(&stop),
            }
            .spawn()
        });
        for _ in 0..1 + usize::from(args.raw_hop) {
            ready_rx
                .recv()
                .context("a reader thread ended during setup")??;
        }
        Ok(Readers {
            stop,
            arrived,
            markers: plan.markers,
            results,
            raw,
        })
    }

    /// Waits up to `drain` for markers still on their way, stopping as soon as every one
    /// arrived, then stops the readers.
    pub(crate) fn finish(self, drain: Duration) -> Sightings {
        let drain_end = Instant::now() + drain;
        while Instant::now() < drain_end
            && self.arrived.load(Ordering::Relaxed) < self.markers as u64
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        self.stop.store(true, Ordering::Relaxed);
        let results = self.results.join().expect("reader thread does not panic");
        let raw = self
            .raw
            .map(|r| r.join().expect("reader thread does not panic"));
        Sightings { results, raw }
    }
}

/// Both readers' settings: no commits, and fetches answered within 10 ms.
fn reader_config(args: &Args, group: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &args.bootstrap_servers)
        .set("group.id", format!("{group}-latency-reader"))
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "10")
        .set("max.partition.fetch.bytes", "16777216");
    config
}

/// The marker of a raw record: tweets are keyed by id, `run_id << 16` plus the sequence
/// number, and every `every`th carries a marker.
fn raw_slot(run_id: u64, every: u64) -> SlotOf {
    Box::new(move |key| {
        let id: u64 = std::str::from_utf8(key).ok()?.parse().ok()?;
        let seq = id.wrapping_sub(run_id << 16);
        seq.is_multiple_of(every).then_some((seq / every) as usize)
    })
}

/// Which marker a record is about, from its key: its index in the arrivals, if it is one.
type SlotOf = Box<dyn Fn(&[u8]) -> Option<usize> + Send>;

/// The marker sequence number of a result key `window|start|lat<seq>`, if it is one.
fn marker_of(key: &[u8]) -> Option<u64> {
    let last = key.rsplit(|&b| b == b'|').next()?;
    std::str::from_utf8(last.strip_prefix(b"lat")?)
        .ok()?
        .parse()
        .ok()
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

/// What a reader thread is given.
struct Reader {
    config: ClientConfig,
    topic: String,
    /// How many markers there are: the length of the arrivals.
    markers: usize,
    slot_of: SlotOf,
    /// Told once the reader is assigned, or why it could not be.
    ready: mpsc::Sender<anyhow::Result<()>>,
    /// Counts the markers that arrived.
    matched: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Reader {
    /// Starts the thread: it assigns every partition of the topic at its current end, signals
    /// `ready`, then records the first arrival of each marker until `stop`.
    fn spawn(self) -> JoinHandle<Seen> {
        std::thread::spawn(move || {
            let mut seen = Seen {
                arrivals: vec![None; self.markers],
                records: 0,
                bytes: 0,
            };
            match assigned_at_end(&self.config, &self.topic) {
                Ok(consumer) => {
                    let _ = self.ready.send(Ok(()));
                    self.follow(&consumer, &mut seen);
                }
                Err(e) => {
                    let _ = self.ready.send(Err(e));
                }
            }
            seen
        })
    }

    /// Polls until `stop`, recording every record and each marker's first arrival.
    fn follow(&self, consumer: &BaseConsumer, seen: &mut Seen) {
        while !self.stop.load(Ordering::Relaxed) {
            let Some(result) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let received = Instant::now();
            let Ok(m) = result else { continue };
            seen.records += 1;
            seen.bytes += (m.payload_len() + m.key().map_or(0, <[u8]>::len)) as u64;
            let Some(slot) = m.key().and_then(&self.slot_of) else {
                continue;
            };
            if let Some(slot) = seen.arrivals.get_mut(slot) {
                if slot.is_none() {
                    *slot = Some(Arrival {
                        received,
                        kafka_ms: kafka_ms(&m),
                    });
                    self.matched.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// A consumer assigned every partition of `topic` at its current end, once the topic exists.
fn assigned_at_end(config: &ClientConfig, topic: &str) -> anyhow::Result<BaseConsumer> {
    let consumer: BaseConsumer = config.create().context("reader settings")?;
    let partitions = wait_for_topic(&consumer, topic, Duration::from_secs(60))?;
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        let (_, high) = consumer
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .context("cannot read the end offsets")?;
        tpl.add_partition_offset(topic, p, Offset::Offset(high))?;
    }
    consumer
        .assign(&tpl)
        .context("cannot assign the partitions")?;
    Ok(consumer)
}

/// A record's Kafka timestamp (epoch ms), if it has one.
fn kafka_ms(m: &BorrowedMessage<'_>) -> Option<i64> {
    match m.timestamp() {
        Timestamp::CreateTime(ms) | Timestamp::LogAppendTime(ms) => Some(ms),
        Timestamp::NotAvailable => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
