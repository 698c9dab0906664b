//! Real API payloads (../shared/fixtures/real-tweets: v1.1 and v2, 2007–2021) replayed through
//! the producer's file source, the broker and the consumer, counted by Twitter's rules: a
//! retweet counts its original's whole hashtag set, which the retweet's own cut text and
//! entities often lack. Requires a running broker (see e2e/src/lib.rs).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use e2e::kafka::{create_topic, unique};
use e2e::proc::test_dir;
use e2e::reference::counts::{assert_counts_equal, reference_counts};
use e2e::reference::reference_tweet;
use e2e::run::{count_until_end, publish_file, CountRun};

const PARTITIONS: i32 = 3;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/real-tweets")
        .join(name)
}

/// Whether the API sent the hashtag entities the reference reads for this tweet (v2 omits
/// empty ones, which is fine; archives of v1.1 without entities are left out: the consumer
/// extracts their hashtags from the text, which this reference does not re-implement).
fn has_entities(v: &serde_json::Value) -> bool {
    if v.get("data").is_some() {
        return true;
    }
    let counted = v
        .get("retweeted_status")
        .filter(|o| o.is_object())
        .unwrap_or(v);
    counted.get("entities").is_some()
}

/// The tweets of the recorded sets that carry entities, each id once, in `created_at` order
/// (so no tweet is late in 10-second windows), one JSON line each.
fn real_input(dir: &Path) -> PathBuf {
    let mut tweets = Vec::new();
    for name in [
        "python-twitter-v1.jsonl",
        "sferik-twitter-v1.jsonl",
        "twarc-network-v2.jsonl",
    ] {
        let text = std::fs::read_to_string(fixture(name)).expect("fixture");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture line");
            if has_entities(&v) {
                let tweet = reference_tweet(line).expect("every kept line is a tweet");
                tweets.push((tweet.created_ms, tweet.id, line.to_owned()));
            }
        }
    }
    let mut seen = BTreeSet::new();
    tweets.retain(|&(_, id, _)| seen.insert(id));
    tweets.sort_by_key(|&(created_ms, _, _)| created_ms);
    let sorted: Vec<&str> = tweets.iter().map(|(_, _, line)| line.as_str()).collect();
    let file = dir.join("real.jsonl");
    std::fs::write(&file, sorted.join("\n") + "\n").unwrap();
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
