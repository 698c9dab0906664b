//! Several sources at once: the recorded real tweets, Bluesky Jetstream events and Mastodon
//! statuses (`../shared/fixtures`), each on a topic of its own, keyed by post id and stamped
//! with the post's time, as producers put them there; one consumer reads all three topics and
//! merges them into one trend view. Every window's hashtag counts and posts per source equal
//! the oracle's, computed from the raw JSON (`e2e::reference`); a post published twice counts
//! once; Bluesky reposts are skipped and the other events that are not posts dead-lettered,
//! each with a reason naming what it is. Requires a running broker (see e2e/src/lib.rs).

use std::collections::BTreeMap;
use std::time::Duration;

use e2e::input::{real_tweets, shared_fixture};
use e2e::kafka::{create_topic, publish_keyed, read_all, read_results, unique, Keyed, Results};
use e2e::proc::{consumer_args, tail, test_dir, Proc};
use e2e::reference::counts::{assert_counts_equal, result_counts, Counts};
use e2e::reference::social::{jetstream_post, mastodon_status, ReferencePost};
use e2e::reference::window_starts;

const PARTITIONS: i32 = 3;
const WINDOW_MS: i64 = 10_000;

/// Posts per source per window start, as the summary records' `sources` give them.
type SourceCounts = BTreeMap<i64, BTreeMap<String, u64>>;

/// One topic's messages, and the posts among them the reference counts.
struct Topic {
    name: String,
    messages: Vec<Keyed>,
    posts: Vec<ReferencePost>,
}

impl Topic {
    /// `messages` put in event-time order, so that none is late in its partition.
    fn new(prefix: &str, mut messages: Vec<Keyed>, posts: Vec<ReferencePost>) -> Topic {
        messages.sort_by_key(|m| m.timestamp_ms);
        Topic {
            name: unique(prefix),
            messages,
            posts,
        }
    }
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(shared_fixture(path))
        .expect("fixture")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn tweets() -> Topic {
    let mut messages = Vec::new();
    let mut posts = Vec::new();
    for real in real_tweets() {
        let t = real.tweet;
        messages.push(Keyed {
            key: t.id.to_string(),
            payload: real.line,
            timestamp_ms: t.created_ms,
        });
        posts.push(ReferencePost {
            id: t.id.to_string(),
            source: "twitter",
            event_ms: t.created_ms,
            tags: t.tags,
        });
    }
    Topic::new("raw-twitter", messages, posts)
}

/// Every recorded Jetstream event, the first post with hashtags twice (a republished post).
/// Events that are not posts are keyed by their record's or account's id and stamped when
/// Jetstream saw them.
fn jetstream() -> Topic {
    let (mut messages, mut posts, mut republished) = (Vec::new(), Vec::new(), false);
    for line in lines("social/bluesky-jetstream.jsonl") {
        let v: serde_json::Value = serde_json::from_str(&line).expect("event");
        let (key, timestamp_ms) = match jetstream_post(&v) {
            Some(post) => {
                let at = (post.id.clone(), post.event_ms);
                if !republished && !post.tags.is_empty() {
                    republished = true;
                    messages.push(Keyed {
                        key: post.id.clone(),
                        payload: line.clone(),
                        timestamp_ms: post.event_ms,
                    });
                }
                posts.push(post);
                at
            }
            None => {
                let (c, text) = (&v["commit"], |f: &serde_json::Value| {
                    f.as_str().unwrap_or_default().to_owned()
                });
                let key = [&v["did"], &c["collection"], &c["rkey"]]
                    .map(text)
                    .join("/");
                (key, v["time_us"].as_i64().expect("time_us") / 1000)
            }
        };
        messages.push(Keyed {
            key,
            payload: line,
            timestamp_ms,
        });
    }
    Topic::new("raw-bluesky", messages, posts)
}

/// Every recorded status, the first one twice.
fn mastodon() -> Topic {
    let mut messages = Vec::new();
    let mut posts = Vec::new();
    for line in lines("social/mastodon-statuses.jsonl") {
        let v: serde_json::Value = serde_json::from_str(&line).expect("status");
        let post = mastodon_status(&v);
        let message = Keyed {
            key: post.id.clone(),
            payload: line,
            timestamp_ms: post.event_ms,
        };
        if messages.is_empty() {
            messages.push(message.clone());
        }
        messages.push(message);
        posts.push(post);
    }
    Topic::new("raw-mastodon", messages, posts)
}

/// The reference: hashtags and posts per tumbling window, and posts per source.
fn reference(topics: &[&Topic]) -> (Counts, SourceCounts) {
    let (mut counts, mut sources) = (Counts::default(), SourceCounts::new());
    for post in topics.iter().flat_map(|t| &t.posts) {
        for start in window_starts(post.event_ms, WINDOW_MS, WINDOW_MS) {
            *counts.tweets.entry(start).or_default() += 1;
            *sources
                .entry(start)
                .or_default()
                .entry(post.source.to_owned())
                .or_default() += 1;
            for tag in &post.tags {
                *counts.hashtags.entry((start, tag.clone())).or_default() += 1;
            }
        }
    }
    (counts, sources)
}

/// The `sources` of every tumbling window's summary record.
fn published_sources(results: &Results) -> SourceCounts {
    results
        .iter()
        .filter(|(key, _)| key.starts_with("tumbling-10s|") && key.ends_with("|*"))
        .map(|(_, v)| {
            let start = v["window_start_ms"].as_i64().expect("window_start_ms");
            let by_source = v["sources"]
                .as_object()
                .expect("a summary names its sources")
                .iter()
                .map(|(s, n)| (s.clone(), n.as_u64().expect("a count")))
                .collect();
            (start, by_source)
        })
        .collect()
}

#[test]
fn three_sources_on_three_topics_merge_into_one_exact_trend_view() {
    let dir = test_dir("sources");
    let topics = [tweets(), jetstream(), mastodon()];
    for topic in &topics {
        create_topic(&topic.name, PARTITIONS);
        publish_keyed(&topic.name, &topic.messages);
    }
    let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
    let list = names.join(",");
    let (bootstrap, group, results) = (
        e2e::kafka::bootstrap(),
        unique("sources-group"),
        unique("sources-results"),
    );
    let mut args = consumer_args(&bootstrap, &list, &group, &results);
    args.extend(["--window", "10s", "--until-end"]);
    let mut consumer = Proc::spawn(dir.path(), "consumer", "consumer", &args, &[]);
    assert!(
        consumer.wait(Duration::from_secs(180)).success(),
        "{}",
        tail(&consumer.stderr())
    );

    let published = read_results(&results);
    let (want, want_sources) = reference(&topics.iter().collect::<Vec<_>>());
    assert_counts_equal(&result_counts(&published, "tumbling-10s"), &want);
    assert_eq!(published_sources(&published), want_sources);
    let [twitter, bluesky, mastodon] = &topics;
    let posts = |t: &Topic| t.posts.len();
    assert!(
        posts(twitter) > 1_000 && posts(bluesky) == 17 && posts(mastodon) > 500,
        "every recorded post"
    );
    // Published twice, counted once: the counts above hold each post once.
    let republished = 1;
    assert_eq!(
        bluesky.messages.len(),
        lines("social/bluesky-jetstream.jsonl").len() + republished
    );
    assert_eq!(mastodon.messages.len(), posts(mastodon) + republished);

    // Jetstream's other events: reposts skipped, the rest (likes, follows, deletions, identity
    // and account events) dead-lettered, each saying what it is; nothing else is rejected.
    let reposts = bluesky
        .messages
        .iter()
        .filter(|m| m.payload.contains(r#""collection":"app.bsky.feed.repost""#))
        .filter(|m| m.payload.contains(r#""operation":"create""#))
        .count();
    let dead = read_all(&format!("{}-dlq", bluesky.name));
    assert_eq!(
        dead.len(),
        bluesky.messages.len() - republished - bluesky.posts.len() - reposts,
        "every event that is neither a post nor a repost"
    );
    for record in &dead {
        let reason = record.header("dlq.reason");
        assert!(reason.contains("not a new post"), "{reason}");
    }
    assert!(reposts >= 15, "{reposts} reposts");
    for clean in [twitter, mastodon] {
        assert!(read_all(&format!("{}-dlq", clean.name)).is_empty());
    }
}
