//! The test oracle: what the results should be, computed straight from the input file with a
//! generic JSON parser and none of the binaries' parsing, windowing, merging or publishing, so
//! that a bug there cannot hide in the expectation too.

pub mod counts;
pub mod rising;
pub mod sentiment;
pub mod social;

use std::path::Path;

/// A tweet as the independent references read it, with a generic JSON parser, in either API
/// shape.
pub struct ReferenceTweet {
    pub id: u64,
    pub created_ms: i64,
    /// The distinct lower-cased entity hashtags it counts, in order of first mention: a
    /// retweet's original's (Twitter's rule), and a long tweet's `extended_tweet`'s or
    /// `note_tweet`'s.
    pub tags: Vec<String>,
    /// The text it is scored by: the whole text of the same object.
    pub text: String,
    /// That object's language.
    pub lang: Option<String>,
}

/// The tweets of a JSON-lines file; lines that are not tweets (not JSON, stream notices, no
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
pub fn reference_tweet(line: &str) -> Option<ReferenceTweet> {
    let json: serde_json::Value = serde_json::from_str(line).ok()?;
    if is_stream_notice(&json) {
        return None;
    }
    match json.get("data") {
        Some(data) => v2_tweet(data, &json["includes"]),
        None => v1_tweet(&json),
    }
}

fn v1_tweet(tweet: &serde_json::Value) -> Option<ReferenceTweet> {
    let created = tweet["created_at"].as_str()?;
    let created_ms = chrono::DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
        .expect("created_at")
        .timestamp_millis();
    // A retweet counts its original; a long tweet its `extended_tweet`.
    let counted = counted_object(tweet);
    let whole = counted.get("extended_tweet").unwrap_or(counted);
    let text = whole["full_text"]
        .as_str()
        .or(counted["full_text"].as_str());
    Some(ReferenceTweet {
        id: match tweet["id_str"].as_str() {
            Some(id) => id.parse().expect("id_str"),
            None => tweet["id"].as_u64()?,
        },
        created_ms,
        tags: distinct_tags(&whole["entities"], "text"),
        text: text.or(counted["text"].as_str())?.to_owned(),
        lang: counted["lang"].as_str().map(str::to_owned),
    })
}

fn v2_tweet(data: &serde_json::Value, includes: &serde_json::Value) -> Option<ReferenceTweet> {
    let created_ms = chrono::DateTime::parse_from_rfc3339(data["created_at"].as_str()?)
        .expect("created_at")
        .timestamp_millis();
    // A retweet counts the original it references, when `includes` has it; a long tweet its
    // `note_tweet`.
    let retweeted = data["referenced_tweets"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["type"] == "retweeted"));
    let original = retweeted.and_then(|r| {
        includes["tweets"]
            .as_array()?
            .iter()
            .find(|t| t["id"] == r["id"])
    });
    let counted = original.unwrap_or(data);
    let whole = counted.get("note_tweet").unwrap_or(counted);
    Some(ReferenceTweet {
        id: data["id"].as_str()?.parse().expect("id"),
        created_ms,
        tags: distinct_tags(&whole["entities"], "tag"),
        text: whole["text"].as_str()?.to_owned(),
        lang: counted["lang"].as_str().map(str::to_owned),
    })
}

/// The v1.1 tweet object whose hashtags and text count for `tweet`: a retweet's original
/// (`retweeted_status`), else the tweet itself.
pub fn counted_object(tweet: &serde_json::Value) -> &serde_json::Value {
    tweet
        .get("retweeted_status")
        .filter(|o| o.is_object())
        .unwrap_or(tweet)
}

/// The entities' hashtags (their `field`: v1.1 `text`, v2 `tag`), lower-cased, each once.
fn distinct_tags(entities: &serde_json::Value, field: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for h in entities["hashtags"].as_array().into_iter().flatten() {
        let tag = h[field].as_str().expect("hashtag").to_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

/// The tweet ids of a JSON-lines file of tweets, in order: the keys the raw topic must hold.
pub fn ids_of(file: &Path) -> Vec<String> {
    reference_tweets(file)
        .iter()
        .map(|t| t.id.to_string())
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
