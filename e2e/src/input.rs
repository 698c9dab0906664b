//! Test input: generated tweet files, out of order as real streams are, and hand-made tweets
//! whose counts or scores a test states by hand.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::proc::Proc;
use crate::reference::{counted_object, reference_tweet, ReferenceTweet};

/// A file of the recorded payloads shared by the tests (`../shared/fixtures` beside the
/// repository), e.g. `social/bluesky-jetstream.jsonl`.
pub fn shared_fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures")
        .join(path)
}

/// A recorded real tweet: its JSON line and what the reference reads of it.
pub struct RealTweet {
    pub tweet: ReferenceTweet,
    pub line: String,
}

/// Whether the API sent the hashtag entities the reference reads for this tweet (v2 omits
/// empty ones, which is fine; archives of v1.1 without entities are left out: the consumer
/// extracts their hashtags from the text, which the reference does not re-implement).
fn has_entities(v: &serde_json::Value) -> bool {
    v.get("data").is_some() || counted_object(v).get("entities").is_some()
}

/// The recorded real tweets (`real-tweets/`: v1.1 and v2, 2007-2021) that carry entities, each
/// id once, in `created_at` order (so none is late in 10-second windows).
pub fn real_tweets() -> Vec<RealTweet> {
    let mut tweets = Vec::new();
    for name in [
        "python-twitter-v1.jsonl",
        "sferik-twitter-v1.jsonl",
        "twarc-network-v2.jsonl",
    ] {
        let path = shared_fixture(&format!("real-tweets/{name}"));
        let text = std::fs::read_to_string(&path).expect("fixture");
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("fixture line");
            if has_entities(&v) {
                let tweet = reference_tweet(line).expect("every kept line is a tweet");
                tweets.push(RealTweet {
                    tweet,
                    line: line.to_owned(),
                });
            }
        }
    }
    let mut seen = BTreeSet::new();
    tweets.retain(|t| seen.insert(t.tweet.id));
    tweets.sort_by_key(|t| t.tweet.created_ms);
    tweets
}

/// Generates `n` synthetic tweets into `path` with the producer's stdout sink, which writes the
/// stream's occasional delete notices and stall warnings between them as a recorded stream has
/// them, then makes them arrive out of order as real streams do (see [`out_of_order`]).
pub fn generate(dir: &Path, path: &Path, n: u64, seed: u64, start: &str, events_per_second: u64) {
    generate_with(dir, path, n, seed, start, events_per_second, &[]);
}

/// [`generate`] with more producer flags, e.g. `--shape v2`.
pub fn generate_with(
    dir: &Path,
    path: &Path,
    n: u64,
    seed: u64,
    start: &str,
    events_per_second: u64,
    extra: &[&str],
) {
    let (n, seed_text, rate) = (
        n.to_string(),
        seed.to_string(),
        events_per_second.to_string(),
    );
    let mut args = vec![
        "--source",
        "synthetic",
        "--sink",
        "stdout",
        "--limit",
        &n,
        "--seed",
        &seed_text,
        "--start",
        start,
        "--events-per-second",
        &rate,
    ];
    args.extend_from_slice(extra);
    let mut p = Proc::spawn(dir, &format!("generate-{seed}"), "producer", &args, &[]);
    let status = p.wait(Duration::from_secs(120));
    assert!(status.success(), "generator failed: {}", p.stderr());
    let text = p.stdout();
    std::fs::write(path, out_of_order(&text, events_per_second as usize))
        .expect("write generated file");
}

/// The tweets of a generated file, in order: its lines without the stream notices (delete
/// notices, stall warnings) a generated stream has between them.
pub fn tweet_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("read tweet file")
        .lines()
        .filter(|line| {
            let json: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            !crate::reference::is_stream_notice(&json)
        })
        .map(str::to_owned)
        .collect()
}

/// Blocks of `block` lines (one second of tweets), offset by half a block so that they
/// straddle every window boundary, written in reverse. A tweet is at most one second of event
/// time out of place (less than the allowed lateness), and tweets of a window keep arriving
/// after the next window has begun.
fn out_of_order(text: &str, block: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let (head, rest) = lines.split_at((block / 2).min(lines.len()));
    let mut out = String::with_capacity(text.len());
    for chunk in std::iter::once(head).chain(rest.chunks(block)) {
        for line in chunk.iter().rev() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A minimal v1.1 tweet (one JSON line) created at `created_ms` with these hashtag entities,
/// for inputs whose counts a test states by hand.
pub fn tweet_line(id: u64, created_ms: i64, hashtags: &[&str]) -> String {
    let created = chrono::DateTime::from_timestamp_millis(created_ms)
        .expect("valid time")
        .format("%a %b %d %H:%M:%S +0000 %Y")
        .to_string();
    let text: Vec<String> = hashtags.iter().map(|h| format!("#{h}")).collect();
    let entities: Vec<serde_json::Value> = hashtags
        .iter()
        .map(|h| serde_json::json!({"text": h, "indices": [0, 0]}))
        .collect();
    serde_json::json!({
        "created_at": created,
        "id": id,
        "id_str": id.to_string(),
        "text": text.join(" "),
        "entities": {"hashtags": entities, "urls": [], "user_mentions": []},
        "user": {"id": 1, "id_str": "1", "screen_name": "e2e", "name": "e2e"},
        "lang": "en",
    })
    .to_string()
}

/// An English tweet planted next to `line` (same `created_at`, so it is never late) with its
/// own id, text and one hashtag.
pub fn planted(line: &str, id: u64, text: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).expect("tweet JSON");
    let tweet = v.as_object_mut().expect("tweet object");
    for field in ["extended_tweet", "retweeted_status", "quoted_status"] {
        tweet.remove(field);
    }
    tweet.insert("id".into(), id.into());
    tweet.insert("id_str".into(), id.to_string().into());
    tweet.insert("text".into(), text.into());
    tweet.insert("lang".into(), "en".into());
    tweet.insert(
        "entities".into(),
        serde_json::json!({"hashtags": [{"text": "Planted", "indices": [0, 8]}]}),
    );
    v.to_string()
}
