//! The bad-input catalogue on the raw topic: every message that is not a usable tweet goes to
//! the dead-letter topic with its original bytes and the reason in a header, one log line names
//! what was wrong, nothing crashes, and every good tweet around them is counted exactly.
//! Requires a running broker (see e2e/src/lib.rs).

use std::time::Duration;

use e2e::input::generate;
use e2e::kafka::{bootstrap, create_topic_configured, read_all, unique};
use e2e::proc::{log_field, tail, test_dir};
use e2e::reference::counts::reference_counts;
use e2e::run::{count_until_end, publish_file, CountRun};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

const PARTITIONS: i32 = 3;
const START: &str = "2026-01-01T00:00:00Z";

/// A message to plant, and what the dead-letter reason must say about it.
struct Bad {
    name: &'static str,
    payload: Vec<u8>,
    reason: &'static str,
}

fn catalogue() -> Vec<Bad> {
    let tweet = |created_at: &str| {
        format!(
            r##"{{"id_str":"77","created_at":"{created_at}","text":"#WhenIsThis","entities":{{"hashtags":[{{"text":"WhenIsThis"}}]}}}}"##
        )
        .into_bytes()
    };
    let mut huge =
        br##"{"id_str":"88","created_at":"Thu Jan 01 00:00:05 +0000 2026","text":""##.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 2 << 20));
    huge.extend(br#""}"#);
    let bad = |name, payload: &[u8], reason| Bad {
        name,
        payload: payload.to_vec(),
        reason,
    };
    vec![
        bad("malformed JSON", b"{\"id_str\": nope}", "invalid tweet JSON"),
        bad(
            "truncated JSON",
            br##"{"id_str":"1","created_at":"Thu Jan 01 00:00:05 +0000 2026","text":"#cut"##,
            "invalid tweet JSON",
        ),
        bad(
            "invalid UTF-8",
            b"{\"id_str\":\"2\",\"created_at\":\"Thu Jan 01 00:00:05 +0000 2026\",\"text\":\"\xff\xfe #x\"}",
            "invalid tweet JSON",
        ),
        Bad {
            name: "2 MB message",
            payload: huge,
            reason: "over the 1048576-byte limit",
        },
        bad("missing id", br##"{"created_at":"Thu Jan 01 00:00:05 +0000 2026","text":"#a"}"##, "not a tweet"),
        bad(
            "wrongly typed created_at",
            br##"{"id_str":"3","created_at":1767225605,"text":"#a"}"##,
            "invalid tweet JSON",
        ),
        bad("delete notice", br#"{"delete":{"status":{"id_str":"4"}}}"#, "not a tweet"),
        bad("a JSON array", b"[1, 2, 3]", "not a tweet: a JSON array"),
        bad("empty message", b"", "empty message"),
        Bad {
            name: "future created_at",
            payload: tweet("Fri Jan 01 00:00:05 +0000 2100"),
            reason: "ahead of the clock",
        },
        Bad {
            name: "ancient created_at",
            payload: tweet("Mon Jan 01 00:00:05 +0000 1990"),
            reason: "before 2006-03-21",
        },
    ]
}

/// A valid tweet with 1,000 distinct hashtags (entities as the API sends them).
fn thousand_hashtags() -> String {
    let tags: Vec<String> = (0..1_000).map(|i| format!("many{i}")).collect();
    let text: Vec<String> = tags.iter().map(|t| format!("#{t}")).collect();
    let entities: Vec<serde_json::Value> = tags
        .iter()
        .map(|t| serde_json::json!({ "text": t }))
        .collect();
    serde_json::json!({
        "id_str": "99",
        "created_at": "Thu Jan 01 00:00:03 +0000 2026",
        "text": text.join(" "),
        "entities": { "hashtags": entities },
    })
    .to_string()
}

/// Puts arbitrary bytes on the raw topic, as a misbehaving upstream would; each is
/// acknowledged by the broker.
fn publish_raw(topic: &str, bad: &[Bad], range: std::ops::Range<usize>) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .set("message.max.bytes", "8000000")
        .create()
        .expect("producer");
    for (i, b) in bad.iter().enumerate().take(range.end).skip(range.start) {
        let key = format!("bad-{i}");
        let record = FutureRecord::to(topic)
            .partition(i as i32 % PARTITIONS)
            .key(&key)
            .payload(&b.payload);
        futures_executor::block_on(producer.send(record, Duration::from_secs(60)))
            .unwrap_or_else(|(e, _)| panic!("{} not accepted by the broker: {e}", b.name));
    }
}

#[test]
fn bad_messages_are_dead_lettered_and_good_ones_counted_exactly() {
    let dir = test_dir("bad-input");
    let topic = unique("bad-input");
    // A topic that takes the 2 MB message (Kafka's default limit is 1 MB), as one configured
    // for large posts would: the consumer's own limit is what must reject it.
    create_topic_configured(
        &bootstrap(),
        &topic,
        PARTITIONS,
        1,
        &[("max.message.bytes", "8000000")],
    );
    let file = dir.path().join("tweets.jsonl");
    generate(dir.path(), &file, 3_000, 5, START, 200);
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&thousand_hashtags());
    text.push('\n');
    std::fs::write(&file, text).unwrap();

    let bad = catalogue();
    let half = bad.len() / 2;
    publish_raw(&topic, &bad, 0..half);
    publish_file(dir.path(), &topic, &file);
    publish_raw(&topic, &bad, half..bad.len());

    // Every good tweet, the 1,000-hashtag one included, counted exactly.
    let CountRun {
        consumer: c,
        counts: got,
    } = count_until_end(dir.path(), &topic);
    let want = reference_counts(&file, 10_000);
    assert_eq!(got.tweets, want.tweets, "tweets per window");
    assert!(
        got.hashtags == want.hashtags,
        "hashtag counts differ from the reference"
    );

    // Every bad message dead-lettered once, with its bytes, origin and reason.
    let dlq = read_all(&format!("{topic}-dlq"));
    assert_eq!(dlq.len(), bad.len(), "one dead letter per bad message");
    for (i, b) in bad.iter().enumerate() {
        let key = format!("bad-{i}");
        let letter = dlq
            .iter()
            .find(|r| r.key.as_deref() == Some(key.as_bytes()))
            .unwrap_or_else(|| panic!("{} not dead-lettered", b.name));
        assert!(
            letter.header("dlq.reason").contains(b.reason),
            "{}: reason {:?}",
            b.name,
            letter.header("dlq.reason")
        );
        assert_eq!(letter.header("dlq.topic"), topic, "{}", b.name);
        assert_eq!(
            letter.header("dlq.partition"),
            (i as i32 % PARTITIONS).to_string(),
            "{}",
            b.name
        );
        let payload = letter.payload.clone().unwrap_or_default();
        if b.payload.len() > 900_000 {
            assert_eq!(
                letter.header("dlq.truncated_from"),
                b.payload.len().to_string()
            );
            assert!(b.payload.starts_with(&payload) && payload.len() == 900_000);
        } else {
            assert_eq!(payload, b.payload, "{}: original bytes", b.name);
        }
    }

    // One log line per rejection, naming the problem, and the summary counts them.
    let stderr = c.stderr();
    let lines = stderr
        .lines()
        .filter(|l| l.contains("rejected message dead-lettered"))
        .count();
    assert_eq!(lines, bad.len(), "{}", tail(&stderr));
    let summary = stderr
        .lines()
        .find(|l| l.contains("consumer stopped"))
        .expect("summary line");
    assert_eq!(log_field(summary, "rejected"), Some(bad.len() as u64));
}
