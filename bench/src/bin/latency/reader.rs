//! Readers that follow a topic from its current end and record when each marker first arrives:
//! one follows the result topic (the measurement); with `--hops`, others follow the raw topic
//! (one broker hop, the baseline) and the partials topic (when the counting stage sent the
//! marker's first snapshot), which splits the delay by hop.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message, Timestamp};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use consumer::engine::partial::PartialMessage;

use crate::busy;
use crate::{Args, Numbering, Plan};

/// When a marker first appeared in a topic.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    pub(crate) received: Instant,
    /// The record's Kafka timestamp (epoch ms), if it has one: for the consumer's own topics,
    /// when it sent the record.
    pub(crate) kafka_ms: Option<i64>,
}

/// What the reader thread saw.
pub(crate) struct Seen {
    pub(crate) arrivals: Vec<Option<Arrival>>,
    /// The result topic's: how the busy hashtags' counts rose.
    pub(crate) busy: busy::Counts,
    pub(crate) records: u64,
    pub(crate) bytes: u64,
}

/// What the readers saw by the end of a run.
pub(crate) struct Sightings {
    /// The result topic's reader: the measurement.
    pub(crate) results: Seen,
    /// With `--hops`, the other readers.
    pub(crate) hops: Option<HopSightings>,
}

/// What the readers of the raw and partials topics saw.
pub(crate) struct HopSightings {
    /// The raw topic's: one broker hop, the baseline.
    pub(crate) raw: Seen,
    /// The partials topic's: each marker's first snapshot from the counting stage.
    pub(crate) partials: Seen,
}

/// The reader threads of a run.
pub(crate) struct Readers {
    stop: Arc<AtomicBool>,
    /// How many markers reached the result topic so far.
    arrived: Arc<AtomicU64>,
    markers: usize,
    results: JoinHandle<Seen>,
    /// With `--hops`: the raw topic's reader and the partials topic's.
    hops: Option<[JoinHandle<Seen>; 2]>,
}

impl Readers {
    /// Once the raw topic exists, starts the result topic's reader and, with `--hops`, the raw
    /// and partials topics', and waits until they follow their topics' ends.
    pub(crate) fn start(args: &Args, plan: &Plan) -> anyhow::Result<Readers> {
        let config = reader_config(args, &plan.group);
        let check: BaseConsumer = config.create().context("reader settings")?;
        wait_for_topic(&check, &plan.topic, Duration::from_secs(60))?;
        drop(check);
        let stop = Arc::new(AtomicBool::new(false));
        let arrived = Arc::new(AtomicU64::new(0));
        let (ready_tx, ready_rx) = mpsc::channel();
        let reader = |topic: &str, find: Find, matched: &Arc<AtomicU64>| {
            Reader {
                config: config.clone(),
                topic: topic.to_owned(),
                markers: plan.markers,
                find,
                ready: ready_tx.clone(),
                matched: Arc::clone(matched),
                stop: Arc::clone(&stop),
            }
            .spawn()
        };
        let results = reader(&plan.results, Find::ResultKey, &arrived);
        let hops = args.hops.then(|| {
            let raw = Find::RawKey(plan.numbering);
            let uncounted = Arc::new(AtomicU64::new(0));
            [
                reader(&plan.topic, raw, &uncounted),
                reader(&plan.partials, Find::Partials, &uncounted),
            ]
        });
        for _ in 0..1 + 2 * usize::from(args.hops) {
            ready_rx
                .recv()
                .context("a reader thread ended during setup")??;
        }
        Ok(Readers {
            stop,
            arrived,
            markers: plan.markers,
            results,
            hops,
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
        let join = |r: JoinHandle<Seen>| r.join().expect("reader thread does not panic");
        let results = join(self.results);
        let hops = self.hops.map(|[raw, partials]| HopSightings {
            raw: join(raw),
            partials: join(partials),
        });
        Sightings { results, hops }
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

/// How a reader finds the markers in its topic's records.
enum Find {
    /// Result records are keyed `window|start|lat<marker>`.
    ResultKey,
    /// Raw tweets are keyed by id, which tells the marker they carry, if any.
    RawKey(Numbering),
    /// A partials record is a counting stage's message; a window's snapshot carries the
    /// hashtags that changed, any number of markers among them.
    Partials,
}

impl Find {
    /// Calls `found` with the index of every marker in the record.
    fn markers(&self, key: Option<&[u8]>, payload: Option<&[u8]>, found: &mut dyn FnMut(usize)) {
        match self {
            Find::ResultKey => {
                let last = key.and_then(|k| k.rsplit(|&b| b == b'|').next());
                if let Some(marker) = last.and_then(marker_of) {
                    found(marker);
                }
            }
            Find::RawKey(numbering) => {
                let id = key
                    .and_then(|k| std::str::from_utf8(k).ok())
                    .and_then(|k| k.parse::<u64>().ok());
                if let Some(marker) = id.and_then(|id| numbering.marker_of_id(id)) {
                    found(marker as usize);
                }
            }
            Find::Partials => {
                let message = payload.and_then(|p| PartialMessage::decode(p).ok());
                if let Some(PartialMessage::Window { totals, .. }) = message {
                    totals
                        .tags()
                        .iter()
                        .filter_map(|t| marker_of(t.key.as_bytes()))
                        .for_each(&mut *found);
                }
            }
        }
    }
}

/// The marker index of a hashtag key `lat<n>`, if it is one.
fn marker_of(tag: &[u8]) -> Option<usize> {
    std::str::from_utf8(tag.strip_prefix(b"lat")?)
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
    find: Find,
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
                busy: busy::Counts::default(),
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
            let arrival = Arrival {
                received,
                kafka_ms: kafka_ms(&m),
            };
            if let (Find::ResultKey, Some(key), Some(payload)) = (&self.find, m.key(), m.payload())
            {
                seen.busy.observe(key, payload, arrival);
            }
            self.find.markers(m.key(), m.payload(), &mut |marker| {
                if let Some(slot @ None) = seen.arrivals.get_mut(marker) {
                    *slot = Some(arrival);
                    self.matched.fetch_add(1, Ordering::Relaxed);
                }
            });
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

    /// The markers `find` finds in a record.
    fn found(find: &Find, key: &[u8], payload: &[u8]) -> Vec<usize> {
        let mut markers = Vec::new();
        find.markers(Some(key), Some(payload), &mut |m| markers.push(m));
        markers
    }

    #[test]
    fn markers_are_found_in_result_keys_only() {
        let key = |tag: &str| format!("tumbling-10s|2026-01-01T00:00:00Z|{tag}");
        let result = |tag| found(&Find::ResultKey, key(tag).as_bytes(), b"{}");
        assert_eq!(result("lat123"), [123]);
        for other in ["worldcup", "*", "latte"] {
            assert_eq!(result(other), [] as [usize; 0]);
        }
    }

    #[test]
    fn raw_markers_are_every_nth_tweet_after_the_warm_up() {
        let numbering = Numbering {
            run_id: 7,
            warmup: 100,
            every: 10,
        };
        let find = Find::RawKey(numbering);
        let id = |seq: u64| numbering.id(seq).to_string();
        assert_eq!(found(&find, id(130).as_bytes(), b""), [3]);
        assert_eq!(found(&find, id(100).as_bytes(), b""), [0]);
        for unmarked in [id(131), id(90), id(0), "not a number".into()] {
            assert_eq!(found(&find, unmarked.as_bytes(), b""), [] as [usize; 0]);
        }
    }

    #[test]
    fn partials_snapshots_carry_any_number_of_markers() {
        let snapshot = br#"{"type":"window","source":1,"window":{"shape":{"size_ms":10000,"slide_ms":10000},"start_ms":0},"final":false,"totals":{"tweets":3,"mentions":3,"tags":[{"key":"lat4","count":1,"forms":[]},{"key":"lat9","count":1,"forms":[]},{"key":"rust","count":1,"forms":[]}]}}"#;
        assert_eq!(found(&Find::Partials, b"1", snapshot), [4, 9]);
        let progress = br#"{"type":"progress","source":1,"watermark_ms":null,"idle":false}"#;
        assert_eq!(found(&Find::Partials, b"1", progress), [] as [usize; 0]);
    }
}
