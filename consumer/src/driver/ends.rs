//! Which inputs a partition-end report is about. librdkafka reports that a partition was read
//! to its end (`PartitionEOF`) by its number alone; with several raw topics, partition 0 of
//! each is a candidate. The candidate alone is the answer; among several, those read up to the
//! end librdkafka last fetched are, which is the very condition under which librdkafka sends
//! the report.

use std::ffi::CString;

use rdkafka::bindings::rd_kafka_get_watermark_offsets;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::types::RDKafkaRespErr;
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
    /// The log's start and end as of the last fetch; `None` before any fetch.
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

/// What librdkafka knows locally of `input`: its position and its cached watermarks. No
/// request to a broker is made, so this is cheap enough for the poll loop.
pub(super) fn reading<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    input: &Input,
    start: Offset,
) -> Reading {
    let position = consumer.position().ok().and_then(|tpl| {
        match tpl.find_partition(&input.topic, input.partition)?.offset() {
            Offset::Offset(o) => Some(o),
            _ => None,
        }
    });
    Reading {
        position,
        start,
        watermarks: cached_watermarks(consumer, input),
    }
}

/// librdkafka's last known watermarks of `input`, kept from its fetch responses.
fn cached_watermarks<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    input: &Input,
) -> Option<Watermarks> {
    let topic = CString::new(input.topic.as_str()).ok()?;
    let (mut low, mut high) = (-1_i64, -1_i64);
    // SAFETY: the client handle lives as long as `consumer`; librdkafka reads the
    // NUL-terminated topic name and writes the two integers, nothing else. rust-rdkafka offers
    // only the variant that asks the broker (`fetch_watermarks`), which would block the poll
    // loop.
    let error = unsafe {
        rd_kafka_get_watermark_offsets(
            consumer.client().native_ptr(),
            topic.as_ptr(),
            input.partition,
            &mut low,
            &mut high,
        )
    };
    (error == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR && low >= 0 && high >= 0)
        .then_some(Watermarks { low, high })
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
