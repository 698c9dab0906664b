//! The consumer's checkpoint store against the real broker: a checkpoint (resume offset and
//! watermark) is read back whole, and a stale or dangling pointer still yields a consistent
//! checkpoint of the same partition, never a mix of two.
//! Requires a running broker (see e2e/src/lib.rs).

use std::collections::HashMap;
use std::time::Duration;

use consumer::driver::checkpoint::{CheckpointError, CheckpointRecord, CheckpointStore};
use consumer::engine::inputs::Input;
use consumer::engine::window::Checkpoint;
use e2e::kafka::{bootstrap, create_topic, read_all, unique};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// How long a save may wait for the broker.
const SAVE: Duration = Duration::from_secs(30);

fn client(group: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap())
        .set("group.id", group)
        .set("enable.auto.commit", "false");
    config
}

/// A store over a fresh checkpoints topic, with its group, its topic and the stage topics whose
/// partitions the checkpoints are about (a consumer reads several; never read here; offsets
/// are committed only for topics that exist).
struct Fixture {
    store: CheckpointStore,
    group: String,
    topic: String,
    stage: String,
    other: String,
}

fn fixture() -> Fixture {
    let (group, topic, stage) = (unique("ckpt-group"), unique("ckpt-topic"), unique("stage"));
    let other = unique("other-stage");
    create_topic(&topic, 1);
    create_topic(&stage, 3);
    create_topic(&other, 2);
    let mut producer = ClientConfig::new();
    producer
        .set("bootstrap.servers", bootstrap())
        .set("enable.idempotence", "true")
        .set("acks", "all");
    let store = CheckpointStore::new(&client(&group), &producer, &group, &topic).expect("store");
    Fixture {
        store,
        group,
        topic,
        stage,
        other,
    }
}

fn cp(offset: i64, watermark_ms: Option<i64>) -> Checkpoint {
    Checkpoint {
        offset,
        watermark_ms,
    }
}

/// Where each record of `key` landed in the checkpoints topic, oldest first.
fn offsets_of(topic: &str, key: &str) -> Vec<i64> {
    read_all(topic)
        .into_iter()
        .filter(|r| r.key.as_deref() == Some(key.as_bytes()))
        .map(|r| r.offset)
        .collect()
}

/// Points the companion group's pointer for `partition` at `offset`, as a crash or a broker
/// answering with an older value would leave it.
fn set_pointer(f: &Fixture, partition: i32, offset: i64) {
    let consumer: BaseConsumer = client(&format!("{}.checkpoints", f.group))
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&f.stage, partition, Offset::Offset(offset))
        .unwrap();
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
}

fn input(topic: &str, partition: i32) -> Input {
    Input {
        topic: topic.to_owned(),
        partition,
    }
}

fn inputs(topic: &str, partitions: &[i32]) -> Vec<Input> {
    partitions.iter().map(|&p| input(topic, p)).collect()
}

#[test]
fn saved_checkpoints_are_loaded_whole_and_the_latest_wins() {
    let f = fixture();
    let (store, stage, other) = (&f.store, f.stage.as_str(), f.other.as_str());
    assert!(
        store.load(&inputs(stage, &[0, 1])).unwrap().is_empty(),
        "nothing saved yet"
    );
    store
        .save(
            &[
                (input(stage, 0), cp(10, Some(1_000))),
                (input(stage, 1), cp(5, None)),
            ],
            SAVE,
        )
        .unwrap();
    store
        .save(&[(input(stage, 0), cp(20, Some(-2_000)))], SAVE)
        .unwrap();
    let loaded = store.load(&inputs(stage, &[0, 1, 2])).unwrap();
    assert_eq!(
        loaded,
        HashMap::from([
            (input(stage, 0), cp(20, Some(-2_000))),
            (input(stage, 1), cp(5, None))
        ]),
        "partition 2 has none"
    );
    assert!(store.load(&inputs(other, &[0])).unwrap().is_empty());
    // Partitions of several topics are saved and loaded together, each under its own topic.
    store
        .save(
            &[
                (input(other, 0), cp(3, Some(7))),
                (input(stage, 1), cp(6, None)),
            ],
            SAVE,
        )
        .unwrap();
    let mut both = inputs(stage, &[0, 1]);
    both.extend(inputs(other, &[0, 1]));
    assert_eq!(
        store.load(&both).unwrap(),
        HashMap::from([
            (input(stage, 0), cp(20, Some(-2_000))),
            (input(stage, 1), cp(6, None)),
            (input(other, 0), cp(3, Some(7))),
        ])
    );
}

#[test]
fn a_stale_pointer_reads_an_older_checkpoint_whole() {
    let f = fixture();
    let (store, stage) = (&f.store, f.stage.as_str());
    store
        .save(&[(input(stage, 0), cp(100, Some(30_000)))], SAVE)
        .unwrap();
    store
        .save(&[(input(stage, 0), cp(250, Some(60_000)))], SAVE)
        .unwrap();
    let offsets = offsets_of(&f.topic, &CheckpointRecord::key_of(stage, 0));
    assert_eq!(offsets.len(), 2);
    set_pointer(&f, 0, offsets[0]);
    assert_eq!(
        store.load(&inputs(stage, &[0])).unwrap()[&input(stage, 0)],
        cp(100, Some(30_000)),
        "the older offset with its own watermark, not the newer one's"
    );
}

#[test]
fn a_pointer_whose_record_is_gone_reads_the_next_record_of_its_partition() {
    let f = fixture();
    let (store, stage) = (&f.store, f.stage.as_str());
    // Partition 1's record lands first, partition 0's after it.
    store
        .save(&[(input(stage, 1), cp(7, Some(1)))], SAVE)
        .unwrap();
    store
        .save(&[(input(stage, 0), cp(9, Some(2)))], SAVE)
        .unwrap();
    let first = offsets_of(&f.topic, &CheckpointRecord::key_of(stage, 1))[0];
    // As after compaction removed partition 0's record at the pointer: the pointer lands on
    // another partition's record, and the next record of partition 0 is a newer checkpoint.
    set_pointer(&f, 0, first);
    assert_eq!(
        store.load(&inputs(stage, &[0])).unwrap()[&input(stage, 0)],
        cp(9, Some(2))
    );

    // A pointer past every record of the partition is an error naming it, not a guess.
    let end = offsets_of(&f.topic, &CheckpointRecord::key_of(stage, 0))[0] + 1;
    set_pointer(&f, 0, end);
    match store.load(&inputs(stage, &[0])) {
        Err(e @ CheckpointError::Missing { .. }) => {
            assert!(e.to_string().contains(&format!("{stage}|0")), "{e}")
        }
        other => panic!("expected a missing record, got {other:?}"),
    }
}
