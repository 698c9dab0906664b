//! The test oracle: what the results should be, computed straight from the input file with a
//! generic JSON parser and none of the binaries' parsing, windowing, merging or publishing, so
//! that a bug there cannot hide in the expectation too.

pub mod counts;
pub mod sentiment;

use std::path::Path;

/// A tweet as the independent references read it, with a generic JSON parser.
pub struct ReferenceTweet {
    pub created_ms: i64,
    /// The distinct lower-cased entity hashtags it counts, in order of first mention: a
    /// retweet's original's (Twitter's rule), and a long tweet's `extended_tweet`'s (v1.1) or
    /// `note_tweet`'s (v2).
    pub tags: Vec<String>,
    /// The whole tweet, for what a particular reference needs besides.
    pub json: serde_json::Value,
}

/// The tweets of a JSON-lines file; lines that are not tweets (not JSON, stream notices, or no
/// `created_at`) are left out.
pub fn reference_tweets(file: &Path) -> Vec<ReferenceTweet> {
    let text = std::fs::read_to_string(file).expect("read tweet file");
    text.lines().filter_map(reference_tweet).collect()
}

/// The stream messages of Twitter's APIs that are not tweets, by their top-level key: v1.1
/// notices, and v2 `errors` without `data`. A recorded stream keeps them between its tweets; the
/// producer skips them, so they are no tweets to count.
const NOTICE_KEYS: [&str; 8] = [
    "delete",
    "scrub_geo",
    "limit",
    "warning",
    "disconnect",
    "status_withheld",
    "user_withheld",
    "errors",
];

/// Whether a line is a stream notice (see [`NOTICE_KEYS`]) rather than a tweet.
pub fn is_stream_notice(json: &serde_json::Value) -> bool {
    let Some(object) = json.as_object() else {
        return false;
    };
    let is_tweet = ["id_str", "text", "full_text", "data"]
        .iter()
        .any(|key| object.contains_key(*key));
    !is_tweet && NOTICE_KEYS.iter().any(|key| object.contains_key(*key))
}

/// One line as a tweet, or `None` when it is not one.
fn reference_tweet(line: &str) -> Option<ReferenceTweet> {
    let json: serde_json::Value = serde_json::from_str(line).ok()?;
    if is_stream_notice(&json) {
        return None;
    }
    let (created_ms, hashtags) = match json.get("data") {
        Some(data) => {
            let created = data["created_at"].as_str()?;
            let created = chrono::DateTime::parse_from_rfc3339(created).expect("created_at");
            (created.timestamp_millis(), v2_counted_hashtags(&json))
        }
        None => {
            let created = json["created_at"].as_str()?;
            let created = chrono::DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
                .expect("created_at");
            (created.timestamp_millis(), v1_counted_hashtags(&json))
        }
    };
    let mut tags: Vec<String> = Vec::new();
    for tag in hashtags {
        let tag = tag.to_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Some(ReferenceTweet {
        created_ms,
        tags,
        json,
    })
}

/// The hashtags a v1.1 tweet counts: those of its counted object's whole text.
fn v1_counted_hashtags(tweet: &serde_json::Value) -> Vec<&str> {
    let counted = counted_object(tweet);
    let entities = counted
        .get("extended_tweet")
        .and_then(|e| e.get("entities"))
        .unwrap_or(&counted["entities"]);
    let hashtags = entities["hashtags"].as_array().into_iter().flatten();
    hashtags
        .map(|h| h["text"].as_str().expect("hashtag text"))
        .collect()
}

/// The hashtags a v2 message counts: a retweet's original's (the `includes.tweets` entry it
/// references as `retweeted`, its `note_tweet` first), else its own (`note_tweet` first), also
/// for a retweet whose original is not included.
fn v2_counted_hashtags(message: &serde_json::Value) -> Vec<&str> {
    let data = &message["data"];
    let references = data["referenced_tweets"].as_array().into_iter().flatten();
    let original_id = references
        .filter(|r| r["type"] == "retweeted")
        .find_map(|r| r["id"].as_str());
    let included = message["includes"]["tweets"]
        .as_array()
        .into_iter()
        .flatten();
    let original = original_id.and_then(|id| included.into_iter().find(|t| t["id"] == id));
    let counted = original.unwrap_or(data);
    let whole = counted.get("note_tweet").unwrap_or(counted);
    let hashtags = whole["entities"]["hashtags"]
        .as_array()
        .into_iter()
        .flatten();
    hashtags
        .map(|h| h["tag"].as_str().expect("hashtag tag"))
        .collect()
}

/// The tweet object whose hashtags and text count for `tweet`: a retweet's original
/// (`retweeted_status`), else the tweet itself.
pub fn counted_object(tweet: &serde_json::Value) -> &serde_json::Value {
    tweet
        .get("retweeted_status")
        .filter(|o| o.is_object())
        .unwrap_or(tweet)
}

/// The tweet ids (v1.1 `id_str`, v2 `data.id`) of a JSON-lines file, in order, stream notices
/// left out: the keys the raw topic must hold.
pub fn ids_of(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("read tweet file")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|v| !is_stream_notice(v))
        .map(|v| {
            let id = v["id_str"].as_str().or(v["data"]["id"].as_str());
            id.expect("id_str or data.id").to_owned()
        })
        .collect()
}

/// The starts of the windows of `size_ms` starting every `slide_ms` that hold time `t_ms`:
/// every multiple s of the slide with s <= t < s + size, latest first.
pub fn window_starts(t_ms: i64, size_ms: i64, slide_ms: i64) -> impl Iterator<Item = i64> {
    let latest = t_ms.div_euclid(slide_ms) * slide_ms;
    std::iter::successors(Some(latest), move |s| Some(s - slide_ms))
        .take_while(move |s| s + size_ms > t_ms)
}

/// How a window start is spelled in result keys (`tumbling-10s|<start>|<hashtag>`).
pub fn key_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
