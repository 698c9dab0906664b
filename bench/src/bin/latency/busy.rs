//! Busy hashtags: what a tweet waits when all its hashtags already had a record within the
//! early-update interval (the consumer then holds the change until the interval has passed).
//!
//! Every tenth measured tweet (the fifth of each ten, so not a marker tweet with the default
//! `--marker-every 10`) carries `hot<second>`, the second of its creation: at 5,000 tweets/s
//! one such hashtag gets 500 mentions in its second, far more than one per interval. Its k-th
//! mention has appeared once a result record of `hot<second>` counts at least k (the mentions
//! are spread over the raw partitions, so this is when the count caught up with the k-th sent,
//! which may differ from the k-th counted by a few milliseconds).

use std::collections::HashMap;
use std::time::Instant;

use crate::reader::Arrival;

/// Every how many measured tweets one mentions the busy hashtag.
const EVERY: u64 = 10;

/// Which of each `EVERY` measured tweets mentions it.
const OFFSET: u64 = 5;

/// Whether measured tweet `measured` (counted from the first after the warm-up) mentions the
/// busy hashtag.
pub(crate) fn mentions(measured: u64) -> bool {
    measured % EVERY == OFFSET
}

/// The busy hashtag of a tweet created at `unix_ms`.
pub(crate) fn tag(unix_ms: i64) -> String {
    format!("hot{}", unix_ms.div_euclid(1000))
}

/// One mention of a busy hashtag, as sent.
pub(crate) struct Mention {
    /// The second of its hashtag.
    second: i64,
    /// It is the `rank`th mention of that hashtag (from 1).
    rank: u64,
    pub(crate) sent: Instant,
}

/// Numbers the mentions as they are sent.
#[derive(Default)]
pub(crate) struct Mentions {
    pub(crate) sent: Vec<Mention>,
    ranks: HashMap<i64, u64>,
}

impl Mentions {
    /// Notes a mention of the busy hashtag of a tweet created at `unix_ms`, sent at `sent`.
    pub(crate) fn add(&mut self, unix_ms: i64, sent: Instant) {
        let second = unix_ms.div_euclid(1000);
        let rank = self.ranks.entry(second).or_default();
        *rank += 1;
        self.sent.push(Mention {
            second,
            rank: *rank,
            sent,
        });
    }
}

/// A result record that raised a busy hashtag's count.
#[derive(Debug, Clone, Copy)]
struct Step {
    count: u64,
    arrival: Arrival,
}

/// How each busy hashtag's count rose in the result topic, by second.
#[derive(Default)]
pub(crate) struct Counts {
    steps: HashMap<i64, Vec<Step>>,
}

impl Counts {
    /// Notes a result record if it is a busy hashtag's (key `window|start|hot<second>`) and
    /// raises its count.
    pub(crate) fn observe(&mut self, key: &[u8], payload: &[u8], arrival: Arrival) {
        let last = key.rsplit(|&b| b == b'|').next().unwrap_or_default();
        let Some(second) = std::str::from_utf8(last)
            .ok()
            .and_then(|k| k.strip_prefix("hot"))
            .and_then(|s| s.parse().ok())
        else {
            return;
        };
        let value: serde_json::Value = serde_json::from_slice(payload).unwrap_or_default();
        let Some(count) = value.get("count").and_then(serde_json::Value::as_u64) else {
            return;
        };
        let steps = self.steps.entry(second).or_default();
        if steps.last().is_none_or(|s| count > s.count) {
            steps.push(Step { count, arrival });
        }
    }

    /// When each mention first appeared: the first record whose count covers its rank.
    pub(crate) fn appeared(&self, mention: &Mention) -> Option<Arrival> {
        let steps = self.steps.get(&mention.second)?;
        let first = steps.partition_point(|s| s.count < mention.rank);
        steps.get(first).map(|s| s.arrival)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_mention_appears_with_the_first_count_that_covers_its_rank() {
        let t0 = Instant::now();
        let at = |ms: u64| Arrival {
            received: t0 + Duration::from_millis(ms),
            kafka_ms: None,
        };
        let mut sent = Mentions::default();
        for ms in [0, 1, 2, 3] {
            sent.add(1_000_500, t0 + Duration::from_millis(ms));
        }
        sent.add(1_001_000, t0);
        let mut counts = Counts::default();
        let key = |second: &str| format!("tumbling-10s|2026-01-01T00:00:00Z|{second}");
        counts.observe(key("hot1000").as_bytes(), br#"{"count":1}"#, at(10));
        counts.observe(key("hot1000").as_bytes(), br#"{"count":3}"#, at(20));
        counts.observe(key("hot1000").as_bytes(), br#"{"count":2}"#, at(25));
        counts.observe(key("rust").as_bytes(), br#"{"count":9}"#, at(30));
        counts.observe(key("hot1000").as_bytes(), br#"{"count":4}"#, at(40));
        let appeared: Vec<Option<Duration>> = sent
            .sent
            .iter()
            .map(|m| counts.appeared(m).map(|a| a.received - t0))
            .collect();
        let ms = |ms| Some(Duration::from_millis(ms));
        assert_eq!(appeared, [ms(10), ms(20), ms(20), ms(40), None]);
        assert!(mentions(5) && mentions(15) && !mentions(0) && !mentions(6));
        assert_eq!(tag(1_000_999), "hot1000");
    }
}
