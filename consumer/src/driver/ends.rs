//! Which inputs a partition-end report is about. librdkafka reports that a partition was read
//! to its end (`PartitionEOF`) by its number alone; with several raw topics, partition 0 of
//! each is a candidate. The candidate alone is the answer; among several, those read up to the
//! end the broker reports now are. The broker is asked (one short request per candidate, only
//! when several topics share the partition number): librdkafka's cached watermarks are not
//! enough, since a partition not fetched yet can look empty in them, and a run with
//! `--until-end` then stopped before reading it (seen on a freshly started broker).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::Offset;

use crate::engine::inputs::Input;

/// What is known locally of one assigned partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reading {
    /// The offset after the last message handed to us since the assignment; `None` before the
    /// first one.
    pub(super) position: Option<i64>,
    /// Where the partition was assigned from.
    pub(super) start: Offset,
    /// The log's start and end; `None` when not known.
    pub(super) watermarks: Option<Watermarks>,
}

/// A partition's first offset and the offset after its last message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Watermarks {
    pub(super) low: i64,
    pub(super) high: i64,
}

impl Reading {
    /// Whether everything fetched has been handed to us.
    pub(super) fn at_end(&self) -> bool {
        let Some(Watermarks { low, high }) = self.watermarks else {
            return false;
        };
        match (self.position, self.start) {
            (Some(position), _) => position >= high,
            (None, Offset::Offset(start)) => start >= high,
            (None, Offset::Beginning) => low >= high,
            // Assigned at the end and handed nothing since: it is still there.
            (None, Offset::End) => true,
            (None, _) => false,
        }
    }
}

/// Where `input` is: its position, and its watermarks as the broker reports them now; `None`
/// watermarks when the broker does not answer within `timeout` (then it is not taken to be at
/// its end, and a later report decides).
pub(super) fn reading<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    input: &Input,
    start: Offset,
    timeout: Duration,
) -> Reading {
    let position = consumer.position().ok().and_then(|tpl| {
        match tpl.find_partition(&input.topic, input.partition)?.offset() {
            Offset::Offset(o) => Some(o),
            _ => None,
        }
    });
    let watermarks = consumer
        .fetch_watermarks(&input.topic, input.partition, timeout)
        .ok()
        .map(|(low, high)| Watermarks { low, high });
    Reading {
        position,
        start,
        watermarks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FETCHED: Option<Watermarks> = Some(Watermarks { low: 5, high: 10 });

    fn reading(position: Option<i64>, start: Offset, watermarks: Option<Watermarks>) -> bool {
        Reading {
            position,
            start,
            watermarks,
        }
        .at_end()
    }

    #[test]
    fn a_partition_is_at_its_end_once_everything_fetched_was_handed_over() {
        assert!(reading(Some(10), Offset::Beginning, FETCHED));
        assert!(
            !reading(Some(9), Offset::Beginning, FETCHED),
            "one more to come"
        );
        assert!(
            reading(None, Offset::Offset(10), FETCHED),
            "resumed at the end"
        );
        assert!(
            !reading(None, Offset::Offset(7), FETCHED),
            "resumed before it"
        );
        assert!(!reading(None, Offset::Beginning, FETCHED), "not read yet");
        let empty = Some(Watermarks { low: 4, high: 4 });
        assert!(reading(None, Offset::Beginning, empty), "nothing to read");
        assert!(reading(None, Offset::End, FETCHED));
        assert!(!reading(Some(10), Offset::Beginning, None), "never fetched");
    }
}
