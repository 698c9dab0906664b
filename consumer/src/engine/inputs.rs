//! The consumer's inputs: every partition of every raw topic it reads, numbered once.
//!
//! The counting stage keeps windows per input and the merge stage waits for every input to pass
//! a window's end, so both need one number per input; partition numbers alone collide across
//! topics. Inputs are numbered topic by topic in the order configured, partitions in order
//! within each: with topics `a` (3 partitions) and `b` (2), `a`'s partitions are inputs 0-2 and
//! `b`'s 3-4. A single topic's partitions keep their own numbers, so the partials and
//! checkpoints of a single-topic deployment mean what they meant before topics were lists.
//!
//! The numbering depends on the partition counts of all but the last topic, so adding
//! partitions to a raw topic needs a restart (see `docs/src/consumer.md`).

use std::fmt;

/// One partition of one raw topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Input {
    pub topic: String,
    pub partition: i32,
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.topic, self.partition)
    }
}

/// A topic and how many partitions it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSize {
    pub name: String,
    pub partitions: i32,
}

/// The numbering of every input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// The topics in order.
    topics: Vec<NumberedTopic>,
}

/// A topic and the index its partition 0 gets.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NumberedTopic {
    size: TopicSize,
    first: i32,
}

impl NumberedTopic {
    /// The indices its partitions get.
    fn indices(&self) -> std::ops::Range<i32> {
        self.first..self.first + self.size.partitions
    }
}

impl Inputs {
    /// Numbers the partitions of `topics`, in that order.
    pub fn new(topics: impl IntoIterator<Item = TopicSize>) -> Self {
        let mut next = 0;
        let topics = topics
            .into_iter()
            .map(|size| {
                let first = next;
                next += size.partitions;
                NumberedTopic { size, first }
            })
            .collect();
        Inputs { topics }
    }

    /// How many inputs there are: the merge stage waits for all of them.
    pub fn count(&self) -> i32 {
        self.topics.iter().map(|t| t.size.partitions).sum()
    }

    /// The topics, in order.
    pub fn topics(&self) -> impl Iterator<Item = &str> + '_ {
        self.topics.iter().map(|t| t.size.name.as_str())
    }

    /// The index of `topic`'s `partition`; `None` when it is not one of the inputs (a topic not
    /// read, or a partition added since the numbering was made).
    pub fn index(&self, topic: &str, partition: i32) -> Option<i32> {
        let numbered = self.topics.iter().find(|t| t.size.name == topic)?;
        (0..numbered.size.partitions)
            .contains(&partition)
            .then_some(numbered.first + partition)
    }

    /// The input numbered `index`.
    pub fn input(&self, index: i32) -> Option<Input> {
        self.topics
            .iter()
            .find(|t| t.indices().contains(&index))
            .map(|t| Input {
                topic: t.size.name.clone(),
                partition: index - t.first,
            })
    }

    /// The indices of every topic's partition `partition`: librdkafka reports the end of a
    /// partition by its number alone.
    pub fn with_partition(&self, partition: i32) -> impl Iterator<Item = i32> + '_ {
        self.topics()
            .filter_map(move |topic| self.index(topic, partition))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(topics: &[(&str, i32)]) -> Inputs {
        Inputs::new(topics.iter().map(|&(name, partitions)| TopicSize {
            name: name.to_owned(),
            partitions,
        }))
    }

    #[test]
    fn one_topic_keeps_its_partition_numbers() {
        let one = inputs(&[("raw-twitter", 3)]);
        assert_eq!(one.count(), 3);
        for p in 0..3 {
            assert_eq!(one.index("raw-twitter", p), Some(p));
        }
        assert_eq!(one.index("raw-twitter", 3), None);
        assert_eq!(one.index("other", 0), None);
    }

    #[test]
    fn topics_are_numbered_in_order_then_by_partition_and_back() {
        let all = inputs(&[("t", 3), ("b", 2), ("m", 1)]);
        assert_eq!(all.count(), 6);
        assert_eq!(all.topics().collect::<Vec<_>>(), ["t", "b", "m"]);
        let expected = [("t", 0), ("t", 1), ("t", 2), ("b", 0), ("b", 1), ("m", 0)];
        for (index, (topic, partition)) in expected.into_iter().enumerate() {
            let index = index as i32;
            assert_eq!(all.index(topic, partition), Some(index));
            let input = all.input(index).unwrap();
            assert_eq!((input.topic.as_str(), input.partition), (topic, partition));
        }
        assert_eq!(all.input(6), None);
        assert_eq!(all.input(-1), None);
        assert_eq!(all.with_partition(0).collect::<Vec<_>>(), [0, 3, 5]);
        assert_eq!(all.with_partition(2).collect::<Vec<_>>(), [2]);
        assert_eq!(all.input(4).unwrap().to_string(), "b[1]");
    }

    /// Partition 0 of two topics are two inputs: the merge waits for both and sums both, where
    /// keying parts by partition number would let one replace the other.
    #[test]
    fn partitions_of_several_topics_merge_as_distinct_inputs() {
        use std::time::Instant;

        use model::post::Source;

        use crate::engine::count::{CountOptions, Pipeline};
        use crate::engine::merge::Merger;
        use crate::engine::window::{Shape, WindowSpec};

        let all = inputs(&[("raw-twitter", 2), ("raw-mastodon", 1)]);
        let spec = WindowSpec {
            shapes: vec![Shape {
                size_ms: 10_000,
                slide_ms: 10_000,
            }],
            lateness_ms: 0,
            max_hashtags: 0,
        };
        let t0 = Instant::now();
        let mut counting = Pipeline::new(CountOptions::in_memory(spec, None));
        for index in 0..all.count() {
            counting.assign(index, None, t0);
        }
        // 2026-01-01T00:00:00Z, a window's start.
        const BASE_S: i64 = 1_767_225_600;
        let tweet = |id: u64, secs: i64| {
            let at = model::timestamp::format_v1((BASE_S + secs) * 1000);
            format!(r##"{{"id_str":"{id}","created_at":"{at}","text":"#rust"}}"##)
        };
        let status = |n: u64, secs: i64| {
            let at = model::timestamp::rfc3339((BASE_S + secs) * 1000);
            format!(
                r#"{{"uri":"https://m.example/s/{n}","created_at":"{at}","content":"","tags":[{{"name":"Rust"}}]}}"#
            )
        };
        let twitter = all.index("raw-twitter", 0).unwrap();
        let mastodon = all.index("raw-mastodon", 0).unwrap();
        let mut merger = Merger::new(all.count(), None);
        let mut offset = 0;
        let mut send = |counting: &mut Pipeline, merger: &mut Merger| {
            for message in counting.close_ready(t0) {
                merger.observe(offset, message);
                offset += 1;
            }
        };
        for (input, message) in [
            (twitter, tweet(1, 1)),
            (twitter, tweet(2, 11)),
            (mastodon, status(1, 2)),
            (mastodon, status(2, 3)),
        ] {
            counting
                .process(input, 0, Some(message.as_bytes()), None, t0)
                .unwrap();
        }
        send(&mut counting, &mut merger);
        assert!(
            merger.take_complete().is_empty(),
            "raw-mastodon[0] and raw-twitter[1] have not passed the window"
        );
        counting
            .process(mastodon, 2, Some(status(3, 12).as_bytes()), None, t0)
            .unwrap();
        counting
            .process(1, 0, Some(tweet(3, 13).as_bytes()), None, t0)
            .unwrap();
        send(&mut counting, &mut merger);
        let done = merger.take_complete();
        assert_eq!(done.len(), 1);
        let totals = &done[0].totals;
        assert_eq!((totals.tweets, totals.tags[0].count), (3, 3));
        assert_eq!(
            (
                totals.sources.get(Source::Twitter),
                totals.sources.get(Source::Mastodon)
            ),
            (1, 2)
        );
    }
}
