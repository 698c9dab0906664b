//! Early updates, at most one record per result key per interval (`--early-updates`): a change
//! to a key that had no record within the interval is published at once, and later changes are
//! held, the latest replacing the one before, until the interval since the key's last record
//! has passed.
//!
//! A fixed tick (everything that changed, every interval) would make each change wait for the
//! next tick, half an interval on average and a whole one at worst, before any broker hop. Per
//! key, a new or quiet hashtag (a trend starting) shows up as fast as the pipeline carries it,
//! while a busy one is refreshed once per interval, as with the tick: the result topic gets no
//! more records than before.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::output::records::Record;

/// The early records of the result topic on their way out.
#[derive(Debug)]
pub(crate) struct Coalescer {
    interval: Duration,
    /// When each key's last record went out, while that is less than an interval ago.
    last_sent: HashMap<String, Instant>,
    /// The same in the order they went out, to find those whose interval has passed; a key
    /// sent again since has a stale entry here, skipped.
    sent_order: VecDeque<(Instant, String)>,
    /// The latest record of each key in `last_sent` that changed again since, held back.
    held: HashMap<String, Vec<u8>>,
}

impl Coalescer {
    pub(crate) fn new(interval: Duration) -> Self {
        Coalescer {
            interval,
            last_sent: HashMap::new(),
            sent_order: VecDeque::new(),
            held: HashMap::new(),
        }
    }

    /// An early record made at `now`: appended to `out` unless its key had one within the
    /// interval, else held, replacing any held before. Offer what changed before releasing
    /// what is due, so that a key whose interval has just passed goes out with its newest
    /// record.
    pub(crate) fn offer(&mut self, record: Record, now: Instant, out: &mut Vec<Record>) {
        match self.last_sent.get(&record.key) {
            Some(&at) if now.duration_since(at) < self.interval => {
                self.held.insert(record.key, record.value);
            }
            _ => {
                self.held.remove(&record.key);
                self.sent(&record.key, now);
                out.push(record);
            }
        }
    }

    /// Appends the held records whose key's interval has passed by `now`.
    pub(crate) fn release(&mut self, now: Instant, out: &mut Vec<Record>) {
        while let Some((at, _)) = self.sent_order.front() {
            if now.duration_since(*at) < self.interval {
                break;
            }
            let (at, key) = self.sent_order.pop_front().expect("front exists");
            if self.last_sent.get(&key) != Some(&at) {
                continue;
            }
            self.last_sent.remove(&key);
            if let Some(value) = self.held.remove(&key) {
                self.sent(&key, now);
                out.push(Record { key, value });
            }
        }
    }

    /// A final record for `key` was published: an early one held for it would be older.
    pub(crate) fn finalized(&mut self, key: &str) {
        self.held.remove(key);
    }

    /// Forgets everything (the merge stage moved to another member).
    pub(crate) fn clear(&mut self) {
        self.last_sent.clear();
        self.sent_order.clear();
        self.held.clear();
    }

    fn sent(&mut self, key: &str, now: Instant) {
        self.sent_order.push_back((now, key.to_owned()));
        self.last_sent.insert(key.to_owned(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn record(key: &str, value: &str) -> Record {
        Record {
            key: key.to_owned(),
            value: value.as_bytes().to_vec(),
        }
    }

    /// The records `offer` or `release` appended, as "key=value".
    fn shown(out: &mut Vec<Record>) -> Vec<String> {
        out.drain(..)
            .map(|r| format!("{}={}", r.key, String::from_utf8_lossy(&r.value)))
            .collect()
    }

    #[test]
    fn a_key_without_a_recent_record_goes_out_at_once() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(100 * MS);
        let mut out = Vec::new();
        c.offer(record("a", "1"), t0, &mut out);
        c.offer(record("b", "1"), t0 + MS, &mut out);
        assert_eq!(shown(&mut out), ["a=1", "b=1"]);
        c.offer(record("a", "2"), t0 + 100 * MS, &mut out);
        assert_eq!(shown(&mut out), ["a=2"], "the interval has passed");
    }

    #[test]
    fn changes_within_the_interval_are_held_and_the_latest_goes_out_when_it_ends() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(100 * MS);
        let mut out = Vec::new();
        c.offer(record("a", "1"), t0, &mut out);
        c.offer(record("a", "2"), t0 + 10 * MS, &mut out);
        c.offer(record("a", "3"), t0 + 50 * MS, &mut out);
        assert_eq!(shown(&mut out), ["a=1"]);
        c.release(t0 + 99 * MS, &mut out);
        assert!(out.is_empty());
        c.release(t0 + 100 * MS, &mut out);
        assert_eq!(shown(&mut out), ["a=3"]);
        c.offer(record("a", "4"), t0 + 150 * MS, &mut out);
        assert!(out.is_empty(), "a had a record at 100 ms");
        c.offer(record("a", "5"), t0 + 200 * MS, &mut out);
        c.release(t0 + 200 * MS, &mut out);
        assert_eq!(
            shown(&mut out),
            ["a=5"],
            "a change at the end of the interval goes out, not the one held before it"
        );
        c.release(t0 + 400 * MS, &mut out);
        assert!(out.is_empty(), "nothing changed since");
    }

    #[test]
    fn a_final_record_drops_the_early_one_held_for_its_key() {
        let t0 = Instant::now();
        let mut c = Coalescer::new(100 * MS);
        let mut out = Vec::new();
        c.offer(record("a", "1"), t0, &mut out);
        c.offer(record("a", "2"), t0 + MS, &mut out);
        c.offer(record("b", "1"), t0 + MS, &mut out);
        c.offer(record("b", "2"), t0 + 2 * MS, &mut out);
        c.finalized("a");
        c.release(t0 + 200 * MS, &mut out);
        assert_eq!(shown(&mut out), ["a=1", "b=1", "b=2"]);
        c.offer(record("b", "3"), t0 + 201 * MS, &mut out);
        c.clear();
        c.release(t0 + 400 * MS, &mut out);
        c.offer(record("b", "4"), t0 + 401 * MS, &mut out);
        assert_eq!(shown(&mut out), ["b=4"], "cleared: neither held nor recent");
    }
}
