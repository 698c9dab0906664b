//! The Bluesky source end to end: the producer binary subscribes to a local Jetstream stand-in
//! (e2e/src/jetstream) serving copies of the recorded capture, publishes to a real broker, and
//! the consumer's hashtag counts equal an oracle computed here from the served events with a
//! generic JSON parser, through disconnects, malformed frames, a stall and a SIGKILL of the
//! producer. Requires a running broker (see e2e/src/lib.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use e2e::jetstream::{corpus, Attempt, Connection, JetstreamStandIn, Step};
use e2e::kafka::{bootstrap, create_topic, key_set, read_all, unique};
use e2e::proc::{tail, test_dir, wait_until, Proc};
use e2e::reference::counts::WindowCounts;
use e2e::reference::window_starts;
use e2e::run::{await_every_key, count_until_end_with};

const PARTITIONS: i32 = 3;
/// Copies of the 152 recorded events: 510 posts (60 with hashtags) and 450 reposts.
const COPIES: u32 = 30;
/// `bluesky.resume_margin`'s default.
const MARGIN_US: i64 = 5_000_000;
const WINDOW_MS: i64 = 10_000;
const LONG: Duration = Duration::from_secs(120);
/// Out-of-order event times (a post may claim up to five minutes before it was seen) are
/// counted, not dropped as late.
const LATENESS: [&str; 2] = ["--lateness", "10m"];

/// The stand-in's log: copies of the capture, the first starting ten minutes ago.
fn served_log() -> Vec<String> {
    let now_us = chrono::Utc::now().timestamp_micros();
    let first_us = (now_us - 600_000_000) / 1_000_000 * 1_000_000;
    corpus::copies(&corpus::recorded(), COPIES, first_us)
}

/// What the log should become, read here with a generic JSON parser.
struct Expected {
    /// The at-uri of every new post and repost: the raw topic's keys.
    keys: BTreeSet<String>,
    /// Each published event's key by its `time_us`.
    keys_at: BTreeMap<i64, Vec<String>>,
    /// Each published event's time (its `createdAt` clamped to at most 5 minutes before its
    /// `time_us`, and not after), by key: its Kafka timestamp.
    event_ms: BTreeMap<String, i64>,
    /// Per 10 s window of event time: posts mentioning each case-folded hashtag, once per post.
    hashtags: WindowCounts,
}

fn expected(log: &[String]) -> Expected {
    let mut want = Expected {
        keys: BTreeSet::new(),
        keys_at: BTreeMap::new(),
        event_ms: BTreeMap::new(),
        hashtags: WindowCounts::new(),
    };
    for line in log {
        let v: Value = serde_json::from_str(line).unwrap();
        let commit = &v["commit"];
        let collection = commit["collection"].as_str().unwrap_or_default();
        let new = v["kind"] == "commit" && commit["operation"] == "create";
        if !new || !["app.bsky.feed.post", "app.bsky.feed.repost"].contains(&collection) {
            continue;
        }
        let key = format!(
            "at://{}/{collection}/{}",
            v["did"].as_str().unwrap(),
            commit["rkey"].as_str().unwrap()
        );
        let time_us = v["time_us"].as_i64().unwrap();
        let seen_ms = time_us / 1000;
        let created = commit["record"]["createdAt"].as_str().unwrap();
        let created_ms = chrono::DateTime::parse_from_rfc3339(created)
            .unwrap()
            .timestamp_millis();
        let event_ms = created_ms.clamp(seen_ms - 300_000, seen_ms);
        want.keys.insert(key.clone());
        want.keys_at.entry(time_us).or_default().push(key.clone());
        want.event_ms.insert(key, event_ms);
        if collection == "app.bsky.feed.post" {
            for tag in post_tags(&commit["record"]) {
                for start in window_starts(event_ms, WINDOW_MS, WINDOW_MS) {
                    *want.hashtags.entry((start, tag.clone())).or_default() += 1;
                }
            }
        }
    }
    want
}

/// A post record's hashtags, case-folded, each once: its tag facets' and its `tags`.
fn post_tags(record: &Value) -> BTreeSet<String> {
    let facets = record["facets"].as_array().into_iter().flatten();
    let features = facets.flat_map(|f| f["features"].as_array().into_iter().flatten());
    let facet_tags = features
        .filter(|f| f["$type"] == "app.bsky.richtext.facet#tag")
        .map(|f| &f["tag"]);
    let listed = record["tags"].as_array().into_iter().flatten();
    facet_tags
        .chain(listed)
        .filter_map(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn producer(
    dir: &Path,
    name: &str,
    topic: &str,
    url: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Proc {
    let bootstrap = bootstrap();
    let mut args = vec![
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        topic,
        "--source",
        "bluesky",
        "--jetstream",
        url,
    ];
    args.extend_from_slice(extra);
    Proc::spawn(dir, name, "producer", &args, env)
}

/// The consumer's per-window hashtag counts of the raw topic equal the oracle's.
fn assert_counts(dir: &Path, topic: &str, want: &Expected) {
    let run = count_until_end_with(dir, topic, &LATENESS);
    assert_eq!(
        run.counts.hashtags,
        want.hashtags,
        "{}",
        tail(&run.consumer.stderr())
    );
    let mentions: u64 = want.hashtags.values().sum();
    assert!(mentions >= 100, "{mentions} hashtag mentions counted");
}

/// Every resume's cursor is the margin before the `time_us` of an event already sent: never
/// past what was received.
fn assert_resumes_before_received(attempts: &[Attempt]) {
    let mut sent = BTreeSet::new();
    for (i, attempt) in attempts.iter().enumerate() {
        if i > 0 {
            let cursor = attempt.subscription.cursor.expect("a reconnect resumes");
            assert!(
                sent.contains(&(cursor + MARGIN_US)),
                "attempt {i} resumed at {cursor}, not the margin before a received event"
            );
        }
        sent.extend(attempt.sent.iter().copied());
    }
}

#[test]
fn disconnects_malformed_frames_and_a_stall_lose_no_post() {
    let dir = test_dir("bluesky-faults");
    let topic = unique("raw-bluesky");
    create_topic(&topic, PARTITIONS);
    let log = served_log();
    let want = expected(&log);
    let script = vec![
        Connection::Steps(vec![
            Step::Events(300),
            Step::Text(r#"{"did":"did:plc:x","time_us":"#.into()),
            Step::Events(200),
            Step::Drop,
        ]),
        Connection::Steps(vec![
            Step::Events(100),
            Step::Binary(vec![0x28, 0xb5, 0x2f, 0xfd]),
            Step::Events(100),
            Step::Stall,
        ]),
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(JetstreamStandIn::start(&log, script));
    let stall = [("TRENDS__BLUESKY__STALL_TIMEOUT", "2s")];
    let mut p = producer(dir.path(), "producer", &topic, &standin.url(), &[], &stall);
    await_every_key(&topic, &want.keys, &p);
    assert!(p.terminate(LONG).success(), "{}", tail(&p.stderr()));

    let stderr = p.stderr();
    for logged in [
        "malformed Jetstream event; skipped",
        "binary Jetstream frame; skipped",
        "Jetstream stalled; reconnecting",
        "Jetstream connection lost",
        "identity event",
        "account event",
        "delivered",
    ] {
        assert!(stderr.contains(logged), "{logged}: {}", tail(&stderr));
    }
    let attempts = standin.attempts();
    assert!(attempts.len() >= 3, "{attempts:?}");
    assert_eq!(
        attempts[0].subscription.cursor, None,
        "the first starts live"
    );
    for attempt in &attempts {
        assert_eq!(
            attempt.subscription.collections,
            ["app.bsky.feed.post", "app.bsky.feed.repost"]
        );
    }
    assert_resumes_before_received(&attempts);
    assert_stamped_with_event_time(&topic, &want);
    assert_counts(dir.path(), &topic, &want);
    rt.block_on(standin.shutdown());
}

/// Every record's Kafka timestamp is its event's clamped time.
fn assert_stamped_with_event_time(topic: &str, want: &Expected) {
    for record in read_all(topic) {
        let key = String::from_utf8(record.key.expect("keyed")).unwrap();
        assert_eq!(record.timestamp_ms, Some(want.event_ms[&key]), "{key}");
    }
}

#[test]
fn a_producer_killed_mid_stream_resumes_from_its_checkpoint() {
    let dir = test_dir("bluesky-kill");
    let topic = unique("raw-bluesky");
    create_topic(&topic, PARTITIONS);
    let log = served_log();
    let want = expected(&log);
    // A lull, then more events: the producer saves its checkpoint as events flow.
    let script = vec![Connection::Steps(vec![
        Step::Events(400),
        Step::Pause(Duration::from_secs(3)),
        Step::Events(20),
        Step::Stall,
    ])];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(JetstreamStandIn::start(&log, script));
    let checkpoint = dir.path().join("bluesky.checkpoint");
    let checkpoint_arg = checkpoint.display().to_string();
    let args = ["--checkpoint", checkpoint_arg.as_str()];
    let quiet = [("TRENDS__BLUESKY__STALL_TIMEOUT", "60s")];
    let mut first = producer(dir.path(), "first", &topic, &standin.url(), &args, &quiet);
    wait_until(LONG, "a checkpoint", || checkpoint.exists());
    first.kill();

    // Every event before the saved cursor was acknowledged: it is in the topic already.
    let saved: Value = serde_json::from_slice(&std::fs::read(&checkpoint).unwrap()).unwrap();
    assert_eq!(saved["source"], "bluesky", "{saved}");
    let cursor = saved["cursor_us"].as_i64().unwrap();
    let in_topic = key_set(&topic);
    let sent_first = standin.attempts()[0].sent.clone();
    assert!(
        sent_first.contains(&cursor),
        "the cursor is a received event's time"
    );
    let acknowledged: Vec<&String> = sent_first
        .iter()
        .filter(|&&t| t < cursor)
        .flat_map(|t| want.keys_at.get(t).into_iter().flatten())
        .collect();
    assert!(!acknowledged.is_empty(), "killed after some progress");
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|k| !in_topic.contains(**k))
        .take(5)
        .collect();
    assert!(
        lost.is_empty(),
        "claimed acknowledged but not in the topic: {lost:?}"
    );

    let mut second = producer(dir.path(), "second", &topic, &standin.url(), &args, &quiet);
    await_every_key(&topic, &want.keys, &second);
    assert!(
        second.terminate(LONG).success(),
        "{}",
        tail(&second.stderr())
    );
    assert!(
        second
            .stderr()
            .contains("resuming the Bluesky stream from this Jetstream cursor"),
        "{}",
        tail(&second.stderr())
    );
    let attempts = standin.attempts();
    assert_eq!(
        attempts[1].subscription.cursor,
        Some(cursor - MARGIN_US),
        "the restart resumes the margin before the checkpoint"
    );
    assert_counts(dir.path(), &topic, &want);
    rt.block_on(standin.shutdown());
}

#[test]
fn an_unreachable_endpoint_is_skipped_an_old_checkpoint_warned_about_and_a_refusal_fatal() {
    let dir = test_dir("bluesky-refused");
    let topic = unique("raw-bluesky");
    create_topic(&topic, PARTITIONS);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(JetstreamStandIn::start(
        &served_log(),
        vec![Connection::Status(403)],
    ));
    // A day and an hour ago: the last hour of it is beyond Jetstream's horizon.
    let day_us = 86_400_000_000;
    let cursor = chrono::Utc::now().timestamp_micros() - day_us - 3_600_000_000;
    let checkpoint = dir.path().join("old.checkpoint");
    let saved = serde_json::json!({ "source": "bluesky", "cursor_us": cursor });
    std::fs::write(&checkpoint, saved.to_string()).unwrap();
    // Nothing listens on port 1: the first endpoint fails and the next is tried.
    let endpoints = format!("ws://127.0.0.1:1/subscribe,{}", standin.url());
    let checkpoint_arg = checkpoint.display().to_string();
    let mut p = producer(
        dir.path(),
        "producer",
        &topic,
        &endpoints,
        &["--checkpoint", &checkpoint_arg],
        &[],
    );
    let status = p.wait(LONG);
    let stderr = p.stderr();
    assert_eq!(
        status.code(),
        Some(3),
        "credentials exit code: {}",
        tail(&stderr)
    );
    assert!(
        stderr.contains("refused the subscription with HTTP 403"),
        "{}",
        tail(&stderr)
    );
    assert!(
        stderr.contains("cannot connect to Jetstream"),
        "{}",
        tail(&stderr)
    );
    let warning = stderr
        .lines()
        .find(|l| l.contains("older than Jetstream's replay horizon"))
        .unwrap_or_else(|| panic!("no horizon warning: {}", tail(&stderr)));
    let lost_s: u64 = warning
        .split("lost_s=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no lost_s in {warning}"));
    assert!((3_590..=3_700).contains(&lost_s), "an hour lost: {warning}");
    let attempts = standin.attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].subscription.cursor, Some(cursor - MARGIN_US));
    rt.block_on(standin.shutdown());
}
