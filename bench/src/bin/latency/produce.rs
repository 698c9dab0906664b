//! The producing side: tweets published at a fixed rate on an absolute schedule (a slow send is
//! caught up instead of drifting), with when each marker was handed to the producer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rdkafka::producer::{BaseRecord, Producer};

use common::kafka::{counting_producer, producer_config, send_waiting, Deliveries};
use common::settings::KafkaSettings;

use crate::busy;
use crate::tweets::{tweet_json, COMMON_TAGS};
use crate::{Args, Clock, Plan};

/// What the producing side did.
pub(crate) struct Produced {
    /// When each marker was handed to the producer, by marker number.
    pub(crate) sent: Vec<Instant>,
    /// The most the sender fell behind its schedule.
    pub(crate) max_behind: Duration,
    /// The mentions of busy hashtags, as sent.
    pub(crate) busy: busy::Mentions,
    pub(crate) elapsed: Duration,
    pub(crate) bytes: u64,
    /// What the broker acknowledged.
    pub(crate) deliveries: Arc<Deliveries>,
}

/// One tweet ready to send.
struct Outgoing {
    /// The number of the marker it carries, if any.
    marker: Option<u64>,
    /// Whether it mentions the busy hashtag of its second.
    busy: bool,
    key: String,
    payload: Vec<u8>,
    /// Its creation time, also its record's timestamp.
    unix_ms: i64,
}

/// Publishes the plan's warm-up tweets, then its measured ones, at `rate` per second on an
/// absolute schedule from now.
pub(crate) fn produce(
    args: &Args,
    kafka: &KafkaSettings,
    clock: &Clock,
    plan: &Plan,
) -> anyhow::Result<Produced> {
    let mut config = producer_config(kafka);
    config.set("client.id", "latency-bench");
    let (producer, deliveries) = counting_producer(&config).context("producer settings")?;
    let mut sent = Vec::with_capacity(plan.markers);
    let mut busy = busy::Mentions::default();
    let (mut max_behind, mut bytes) = (Duration::ZERO, 0u64);
    let start = Instant::now();
    for seq in 0..plan.numbering.warmup + plan.total {
        let due = start + Duration::from_secs_f64(seq as f64 / f64::from(args.rate));
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        } else {
            max_behind = max_behind.max(now - due);
        }
        let tweet = outgoing(args, clock, plan, seq);
        bytes += tweet.payload.len() as u64;
        let record = BaseRecord::to(&kafka.topic)
            .key(&tweet.key)
            .payload(&tweet.payload)
            .timestamp(tweet.unix_ms);
        let at = Instant::now();
        send_waiting(&producer, record).context("cannot hand a tweet to the producer")?;
        if tweet.marker.is_some() {
            sent.push(at);
        }
        if tweet.busy {
            busy.add(tweet.unix_ms, at);
        }
    }
    let elapsed = start.elapsed();
    // A broker that cannot keep up is a result, not an error: report what was acknowledged.
    if let Err(error) = producer.flush(Duration::from_secs(30)) {
        eprintln!(
            "warning: not every tweet was acknowledged within 30 s of the last send: {error}"
        );
    }
    Ok(Produced {
        sent,
        busy,
        max_behind,
        elapsed,
        bytes,
        deliveries,
    })
}

/// Tweet `seq`, created now: the marker `lat<n>` if it carries one, and two common hashtags.
fn outgoing(args: &Args, clock: &Clock, plan: &Plan, seq: u64) -> Outgoing {
    let marker = plan.numbering.marker_of(seq);
    let busy = plan.numbering.measured(seq).is_some_and(busy::mentions);
    let unix_ms = clock.unix_ms(Instant::now()) as i64;
    let marker_tag = marker.map(|m| format!("lat{m}"));
    let busy_tag = busy.then(|| busy::tag(unix_ms));
    let mut tags: Vec<&str> = Vec::with_capacity(4);
    tags.extend(marker_tag.as_deref());
    tags.extend(busy_tag.as_deref());
    tags.push(COMMON_TAGS[(seq % 8) as usize]);
    tags.push(COMMON_TAGS[(seq * 3 % 7) as usize]);
    let id = plan.numbering.id(seq);
    Outgoing {
        marker,
        busy,
        key: id.to_string(),
        payload: tweet_json(seq, id, unix_ms, &tags, args.payload_bytes),
        unix_ms,
    }
}
