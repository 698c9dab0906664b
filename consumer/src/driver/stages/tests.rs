//! The stages' decisions on rebalances, with Kafka replaced by a recording [`StageIo`].

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use model::window_spec::WindowDef;
use serde_json::Value;

use super::*;
use crate::engine::count::CountOptions;
use crate::engine::window::{Shape, WindowSpec};

const TEN_SECONDS: Shape = Shape {
    size_ms: 10_000,
    slide_ms: 10_000,
};

/// What the stages sent, and what the result topic holds for a restore.
#[derive(Default)]
struct Recorded {
    partials: Vec<PartialMessage>,
    published: Vec<Published>,
    results: Vec<(String, Vec<u8>)>,
    result_reads: usize,
    results_unreadable: bool,
}

impl StageIo for Recorded {
    fn send_partials(&mut self, messages: Vec<PartialMessage>) -> anyhow::Result<()> {
        self.partials.extend(messages);
        Ok(())
    }

    fn publish(&mut self, published: Published) -> anyhow::Result<()> {
        self.published.push(published);
        Ok(())
    }

    fn read_results(&mut self, each: &mut dyn FnMut(&str, &[u8])) -> anyhow::Result<u64> {
        self.result_reads += 1;
        if self.results_unreadable {
            bail!("broker away");
        }
        for (key, value) in &self.results {
            each(key, value);
        }
        Ok(self.results.len() as u64)
    }
}

impl Recorded {
    /// The counts-file lines published so far, parsed.
    fn lines(&self) -> Vec<Value> {
        self.published
            .iter()
            .flat_map(|p| &p.lines)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn count_stage() -> CountStage {
    let spec = WindowSpec {
        shapes: vec![TEN_SECONDS],
        lateness_ms: 0,
        max_hashtags: 0,
    };
    CountStage {
        // The tests' tweets are from 1970.
        pipeline: Pipeline::new(CountOptions {
            earliest_event_ms: 0,
            ..CountOptions::in_memory(spec, None)
        }),
    }
}

fn merge_stage(sources: i32, defs: &[WindowDef]) -> MergeStage {
    MergeStage {
        merger: None,
        past: MergeStats::default(),
        publisher: Publisher::new(defs, 10),
        sources,
        early: Coalescer::new(Duration::from_millis(100)),
        metrics: Arc::new(Metrics::default()),
        load: MergeLoad::default(),
    }
}

fn tumbling() -> Vec<WindowDef> {
    vec![WindowDef::Tumbling { size_ms: 10_000 }]
}

fn arrivals(inputs: &[i32]) -> Vec<Arrival> {
    inputs
        .iter()
        .map(|&input| Arrival {
            input,
            watermark_ms: None,
        })
        .collect()
}

fn tweet(id: u64, secs: i64, text: &str) -> Vec<u8> {
    let created = model::timestamp::format_v1(secs * 1000);
    serde_json::json!({"id_str": id.to_string(), "created_at": created, "text": text})
        .to_string()
        .into_bytes()
}

/// Counts `(partition, offset, event second, text)` messages.
fn count(stage: &mut CountStage, messages: &[(i32, i64, i64, &str)]) {
    for (i, &(partition, offset, secs, text)) in messages.iter().enumerate() {
        let payload = tweet(i as u64 + 1, secs, text);
        let counted =
            stage
                .pipeline
                .process(partition, offset, Some(&payload), None, Instant::now());
        counted.expect("a valid tweet");
    }
}

/// Two partitions; each has a window [0 s, 10 s) closed by a later tweet.
const INPUT: [(i32, i64, i64, &str); 5] = [
    (0, 0, 1, "#rust is fast"),
    (0, 1, 2, "#Rust again #go"),
    (0, 2, 15, "#later"),
    (1, 0, 3, "#go"),
    (1, 1, 16, "#later"),
];

#[test]
fn a_revoked_partition_sends_what_is_due_and_returns_only_its_checkpoint() {
    let mut io = Recorded::default();
    let mut stage = count_stage();
    stage.assigned(&arrivals(&[0, 1]), &mut io).unwrap();
    count(&mut stage, &INPUT);

    let checkpoints = stage.revoked(&[0], &mut io).unwrap();

    let partitions: Vec<i32> = checkpoints.iter().map(|(p, _)| *p).collect();
    assert_eq!(partitions, [0]);
    // Partition 0's open window [10 s, 20 s) starts at its third message, offset 2.
    assert_eq!(checkpoints[0].1.offset, 2);
    let closed: Vec<(i32, i64)> = io
        .partials
        .iter()
        .filter_map(|m| match m {
            PartialMessage::Window {
                source,
                window,
                is_final: true,
                ..
            } => Some((*source, window.start_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(
        closed,
        [(0, 0), (1, 0)],
        "both partitions' closed windows go out"
    );
    let remaining: Vec<i32> = stage
        .pipeline
        .checkpoints()
        .iter()
        .map(|(p, _)| *p)
        .collect();
    assert_eq!(remaining, [1], "partition 0 left, partition 1 stays");
}

#[test]
fn the_merge_stage_publishes_a_window_once_every_partition_closed_it() {
    let mut io = Recorded::default();
    let mut counting = count_stage();
    counting.assigned(&arrivals(&[0, 1]), &mut io).unwrap();
    count(&mut counting, &INPUT);
    counting.revoked(&[0, 1], &mut io).unwrap();

    let mut merging = merge_stage(2, &tumbling());
    merging.assigned(&arrivals(&[0]), &mut io).unwrap();
    let partials = std::mem::take(&mut io.partials);
    let (first, rest) = partials.split_at(1);
    merging.observe(0, &first[0].encode());
    merging.emit(false, &mut io).unwrap();
    assert!(
        io.lines().is_empty(),
        "one partition's part is not the window"
    );
    for (offset, message) in (1..).zip(rest) {
        merging.observe(offset, &message.encode());
    }
    merging.emit(false, &mut io).unwrap();
    let records: usize = io.published.iter().map(|p| p.records.len()).sum();
    let bytes: usize = partials.iter().map(|m| m.encode().len()).sum();
    let load = merging.load;
    assert_eq!(
        (load.messages, load.bytes, load.records),
        (partials.len() as u64, bytes as u64, records as u64)
    );
    assert_eq!(load.tags, 3, "partition 0: #rust and #go; partition 1: #go");

    let lines = io.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["window_start_ms"], 0);
    // Independently of the code: #rust twice (case-folded), #go once in each partition.
    assert_eq!(lines[0]["counts"], serde_json::json!({"rust": 2, "go": 2}));
    assert_eq!(lines[0]["tweets"], 3);
}

#[test]
fn only_the_partials_partition_makes_a_member_merge() {
    let mut io = Recorded::default();
    let mut merging = merge_stage(1, &tumbling());
    merging.assigned(&arrivals(&[1]), &mut io).unwrap();
    assert!(merging.merger.is_none());
    assert_eq!(merging.caught_up(0), None, "not merged here");
    merging.assigned(&arrivals(&[0]), &mut io).unwrap();
    assert!(merging.caught_up(0).is_some(), "merged here");
    assert!(merging.revoked(&[1], &mut io).unwrap().is_empty());
    assert!(
        merging.merger.is_some(),
        "revoking another partition keeps merging"
    );
}

#[test]
fn a_member_giving_up_the_merge_keeps_its_totals_and_hands_over_its_position() {
    let mut io = Recorded::default();
    let mut merging = merge_stage(1, &tumbling());
    merging.assigned(&arrivals(&[0]), &mut io).unwrap();
    let progress = PartialMessage::Progress {
        source: 0,
        watermark_ms: Some(20_000),
        idle: false,
    };
    for offset in 0..3 {
        merging.observe(offset, &progress.encode());
    }
    merging.observe(3, b"not a partial message");
    let merged_before = merging.stats();

    let checkpoints = merging.revoked(&[0], &mut io).unwrap();

    assert_eq!(checkpoints.len(), 1);
    assert_eq!((checkpoints[0].0, checkpoints[0].1.offset), (0, 4));
    assert!(merging.merger.is_none());
    assert_eq!(
        merging.stats(),
        merged_before,
        "totals survive the handover"
    );
    merging.assigned(&arrivals(&[0]), &mut io).unwrap();
    assert_eq!(
        merging.stats(),
        merged_before,
        "and add up after a new takeover"
    );
}

/// One partition's partials for `messages`, counted and handed over by a revocation.
fn partials_of(messages: &[(i32, i64, i64, &str)]) -> Vec<PartialMessage> {
    let mut io = Recorded::default();
    let mut counting = count_stage();
    counting.assigned(&arrivals(&[0]), &mut io).unwrap();
    count(&mut counting, messages);
    counting.revoked(&[0], &mut io).unwrap();
    io.partials
}

/// Merges `partials` from offset `first` on and publishes what completed.
fn merge(stage: &mut MergeStage, first: i64, partials: &[PartialMessage], io: &mut Recorded) {
    for (offset, message) in (first..).zip(partials) {
        stage.observe(offset, &message.encode());
    }
    stage.emit(false, io).unwrap();
}

/// The count in the last published record keyed `key`.
fn last_count(io: &Recorded, key: &str) -> Option<u64> {
    let record = io
        .published
        .iter()
        .flat_map(|p| &p.records)
        .rfind(|r| r.key == key)?;
    let value: Value = serde_json::from_slice(&record.value).unwrap();
    value["count"].as_u64()
}

#[test]
fn a_takeover_continues_cumulative_totals_from_the_result_topic() {
    let cumulative = vec![WindowDef::Cumulative { every_ms: 10_000 }];
    let first = partials_of(&[(0, 0, 1, "#rust"), (0, 1, 15, "#x")]);
    let second = partials_of(&[(0, 2, 12, "#rust #go"), (0, 3, 25, "#y")]);
    let mut before = Recorded::default();
    let mut owner = merge_stage(1, &cumulative);
    owner.assigned(&arrivals(&[0]), &mut before).unwrap();
    merge(&mut owner, 0, &first, &mut before);
    assert_eq!(last_count(&before, "cumulative-10s|rust"), Some(1));

    let mut after = Recorded {
        results: before
            .published
            .iter()
            .flat_map(|p| &p.records)
            .map(|r| (r.key.clone(), r.value.clone()))
            .collect(),
        ..Recorded::default()
    };
    let mut successor = merge_stage(1, &cumulative);
    successor.assigned(&arrivals(&[0]), &mut after).unwrap();
    merge(&mut successor, first.len() as i64, &second, &mut after);

    assert_eq!(after.result_reads, 1);
    assert_eq!(last_count(&after, "cumulative-10s|rust"), Some(2));
    assert_eq!(last_count(&after, "cumulative-10s|go"), Some(1));
}

#[test]
fn a_takeover_fails_without_the_cumulative_totals() {
    let cumulative = vec![WindowDef::Cumulative { every_ms: 10_000 }];
    let mut io = Recorded::default();
    let mut plain = merge_stage(1, &tumbling());
    plain.assigned(&arrivals(&[0]), &mut io).unwrap();
    assert_eq!(
        io.result_reads, 0,
        "no cumulative windows, nothing to restore"
    );

    let mut unreadable = Recorded {
        results_unreadable: true,
        ..Recorded::default()
    };
    let mut merging = merge_stage(1, &cumulative);
    let error = merging
        .assigned(&arrivals(&[0]), &mut unreadable)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot restore cumulative totals"),
        "{error:#}"
    );
    assert!(merging.merger.is_none(), "no merging without the totals");
}

#[test]
fn rising_histories_are_read_back_only_after_windows_were_emitted() {
    let mut io = Recorded::default();
    rising_stage(1).assigned(&arrivals(&[0]), &mut io).unwrap();
    assert_eq!(
        io.result_reads, 0,
        "a first owner has no history to restore"
    );
    let resumed = Arrival {
        input: 0,
        watermark_ms: Some(10_000),
    };
    rising_stage(1).assigned(&[resumed], &mut io).unwrap();
    assert_eq!(io.result_reads, 1, "a later owner reads the result topic");
}

/// Rising parameters that rank on the tests' small inputs.
const RISING: crate::engine::rising::RisingParams = crate::engine::rising::RisingParams {
    history: 3,
    min_count: 2,
    min_score_m: 1_000,
    prior_m: 1_000,
    top: 10,
};

fn rising_defs() -> Vec<WindowDef> {
    vec![
        WindowDef::Tumbling { size_ms: 10_000 },
        WindowDef::Hopping {
            size_ms: 20_000,
            slide_ms: 10_000,
        },
    ]
}

/// `partition`'s partials for its tweets `(id, event second, text)`, in event order, closed by
/// a last tweet far later; windows are closed after every tweet, as the poll loop does.
fn partition_partials(partition: i32, tweets: &[(u64, i64, String)]) -> Vec<PartialMessage> {
    let spec = WindowSpec {
        shapes: rising_defs().into_iter().map(Shape::of).collect(),
        lateness_ms: 0,
        max_hashtags: 0,
    };
    let mut stage = CountStage {
        pipeline: Pipeline::new(CountOptions {
            earliest_event_ms: 0,
            ..CountOptions::in_memory(spec, None)
        }),
    };
    let mut io = Recorded::default();
    stage.assigned(&arrivals(&[partition]), &mut io).unwrap();
    let closing = (u64::MAX - partition as u64, 10_000, "the end".to_owned());
    for (offset, (id, secs, text)) in (0..).zip(tweets.iter().chain([&closing])) {
        let payload = tweet(*id, *secs, text);
        let now = Instant::now();
        let counted = stage
            .pipeline
            .process(partition, offset, Some(&payload), None, now);
        counted.expect("a valid tweet");
        io.partials.extend(stage.pipeline.close_ready(now));
    }
    stage.revoked(&[partition], &mut io).unwrap();
    io.partials
}

/// The latest value of every key the stage published, as a compacted topic keeps them.
fn compacted(records: impl IntoIterator<Item = (String, Vec<u8>)>) -> BTreeMap<String, Vec<u8>> {
    records.into_iter().collect()
}

fn published(io: &Recorded) -> Vec<(String, Vec<u8>)> {
    io.published
        .iter()
        .flat_map(|p| &p.records)
        .map(|r| (r.key.clone(), r.value.clone()))
        .collect()
}

/// Merges `log` from `first` on, publishing after every message as the poll loop may.
fn merge_each(stage: &mut MergeStage, first: usize, log: &[PartialMessage], io: &mut Recorded) {
    for (offset, message) in log.iter().enumerate().skip(first) {
        stage.observe(offset as i64, &message.encode());
        stage.emit(false, io).unwrap();
    }
}

fn rising_stage(sources: i32) -> MergeStage {
    MergeStage {
        publisher: Publisher::new(&rising_defs(), 10).with_rising(RISING),
        ..merge_stage(sources, &rising_defs())
    }
}

/// A tweet of the rising property test: id, event second, text, partition.
type PlacedTweet = (u64, i64, String, i32);

/// The property test's input: each tweet mentions #big, maybe #small and #other (by `mask`),
/// spread over 90 s; #Burst only in the fifth and sixth window.
fn rising_input(tweets: &[(u8, u8)], partitions: i32) -> Vec<PlacedTweet> {
    let n = tweets.len() as i64;
    let text = |secs: i64, mask: u8| {
        let mut text = String::from("#big");
        for (bit, tag) in [(1, " #small"), (2, " #other")] {
            if mask & bit != 0 {
                text.push_str(tag);
            }
        }
        if (40..60).contains(&secs) && mask & 4 != 0 {
            text.push_str(" #Burst");
        }
        text
    };
    (0..)
        .zip(tweets)
        .map(|(i, &(p, mask))| {
            let secs = i * 90 / n;
            (
                i as u64 + 1,
                secs,
                text(secs, mask),
                i32::from(p) % partitions,
            )
        })
        .collect()
}

/// The tweets of `partition` (all of them for `None`), as `partition_partials` takes them.
fn tweets_of(input: &[PlacedTweet], partition: Option<i32>) -> Vec<(u64, i64, String)> {
    input
        .iter()
        .filter(|t| partition.is_none_or(|p| t.3 == p))
        .map(|t| (t.0, t.1, t.2.clone()))
        .collect()
}

/// The partitions' parts interleaved pseudo-randomly by `order`, each partition's kept in
/// order; then each partition's last progress again, as the counting stages' heartbeat re-sends
/// it (how a merger that resumed past a partition's last progress learns where it is).
fn interleaved(parts: &[Vec<PartialMessage>], order: u64) -> Vec<PartialMessage> {
    let mut queues: Vec<std::collections::VecDeque<PartialMessage>> =
        parts.iter().cloned().map(Into::into).collect();
    let mut log = Vec::new();
    let mut bits = order;
    loop {
        let pick = (bits % parts.len() as u64) as usize;
        bits = bits.rotate_right(3) ^ 0x9e37_79b9;
        let picked = queues[pick].pop_front();
        let Some(next) = picked.or_else(|| queues.iter_mut().find_map(|q| q.pop_front())) else {
            break;
        };
        log.push(next);
    }
    log.extend(parts.iter().filter_map(|p| {
        p.iter()
            .rfind(|m| matches!(m, PartialMessage::Progress { .. }))
            .cloned()
    }));
    log
}

/// How many of the `*rising` records in `results` rank a hashtag.
fn ranking(results: &BTreeMap<String, Vec<u8>>) -> usize {
    results
        .iter()
        .filter(|(k, _)| k.ends_with("|*rising"))
        .filter(|(_, v)| {
            let list = serde_json::from_slice::<Value>(v).unwrap()["rising"].clone();
            !list.as_array().unwrap().is_empty()
        })
        .count()
}

proptest::proptest! {
    /// The rising records (and every other result) of any split of the input over partitions,
    /// any interleaving of their parts and a takeover at any point, after the dead owner
    /// published windows past its last checkpoint, equal one uninterrupted run's over a single
    /// partition.
    #[test]
    fn rising_records_are_exact_across_splits_orders_and_takeovers(
        tweets in proptest::collection::vec((0u8..3, 0u8..8), 20..120),
        partitions in 1i32..4,
        order in proptest::prelude::any::<u64>(),
        cuts in (proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<proptest::sample::Index>()),
    ) {
        let input = rising_input(&tweets, partitions);
        let mut whole_io = Recorded::default();
        let mut whole = rising_stage(1);
        whole.assigned(&arrivals(&[0]), &mut whole_io).unwrap();
        merge_each(&mut whole, 0, &partition_partials(0, &tweets_of(&input, None)), &mut whole_io);
        let want = compacted(published(&whole_io));
        proptest::prop_assume!(ranking(&want) > 0, "some window ranks a hashtag");

        let parts: Vec<Vec<PartialMessage>> = (0..partitions)
            .map(|p| partition_partials(p, &tweets_of(&input, Some(p))))
            .collect();
        let log = interleaved(&parts, order);
        let checkpoint_at = cuts.0.index(log.len() + 1);
        let crash_at = checkpoint_at + cuts.1.index(log.len() - checkpoint_at + 1);

        let mut first_io = Recorded::default();
        let mut first = rising_stage(partitions);
        first.assigned(&arrivals(&[0]), &mut first_io).unwrap();
        merge_each(&mut first, 0, &log[..checkpoint_at], &mut first_io);
        let checkpoint = first.checkpoints().first().map(|(_, cp)| *cp);
        merge_each(&mut first, checkpoint_at, &log[..crash_at], &mut first_io);

        let landed = published(&first_io);
        let mut second_io = Recorded { results: landed.clone(), ..Recorded::default() };
        let mut second = rising_stage(partitions);
        let arrival = Arrival { input: 0, watermark_ms: checkpoint.and_then(|c| c.watermark_ms) };
        second.assigned(&[arrival], &mut second_io).unwrap();
        let resume = checkpoint.map_or(0, |c| c.offset as usize);
        merge_each(&mut second, resume, &log, &mut second_io);

        let got = compacted(landed.into_iter().chain(published(&second_io)));
        proptest::prop_assert_eq!(got, want);
    }
}
