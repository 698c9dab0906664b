//! Real API payloads (../shared/fixtures/real-tweets: v1.1 and v2, 2007–2021) replayed through
//! the producer's file source, the broker and the consumer, counted by Twitter's rules: a
//! retweet counts its original's whole hashtag set, which the retweet's own cut text and
//! entities often lack. Requires a running broker (see e2e/src/lib.rs).

use std::path::{Path, PathBuf};

use e2e::input::real_tweets;
use e2e::kafka::{create_topic, unique};
use e2e::proc::test_dir;
use e2e::reference::counts::{assert_counts_equal, reference_counts};
use e2e::run::{count_until_end, publish_file, CountRun};

const PARTITIONS: i32 = 3;

/// The recorded tweets the reference can count (see [`real_tweets`]), one JSON line each.
fn real_input(dir: &Path) -> PathBuf {
    let lines: Vec<String> = real_tweets().into_iter().map(|t| t.line).collect();
    let file = dir.join("real.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    file
}

/// Hashtag mentions if each tweet counted only its own entities (a retweet's cut ones).
fn own_entity_mentions(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let own = v.get("data").unwrap_or(&v);
            let entities = own
                .get("extended_tweet")
                .or(own.get("note_tweet"))
                .and_then(|e| e.get("entities"))
                .unwrap_or(&own["entities"]);
            entities["hashtags"].as_array().map_or(0, Vec::len)
        })
        .sum()
}

#[test]
fn real_tweets_are_counted_by_twitters_rules_end_to_end() {
    let dir = test_dir("real-payloads");
    let file = real_input(dir.path());
    let topic = unique("real-payloads");
    create_topic(&topic, PARTITIONS);
    publish_file(dir.path(), &topic, &file);

    let CountRun { counts: got, .. } = count_until_end(dir.path(), &topic);
    let want = reference_counts(&file, 10_000);
    assert_counts_equal(&got, &want);

    let tweets: u64 = want.tweets.values().sum();
    let mentions: u64 = want.hashtags.values().sum();
    let cut = own_entity_mentions(&file);
    assert!(tweets > 1_000, "{tweets} real tweets replayed");
    assert!(
        mentions as usize > cut + 500,
        "the retweets' originals add hashtags their cut texts lack: {mentions} by the rule, {cut} by own entities"
    );
}
