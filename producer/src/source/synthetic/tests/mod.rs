//! The generator's output checked from the outside: every expectation is computed here from the
//! generated JSON (parsed with serde_json), following the API's documented and recorded
//! behaviour, not by calling the generator's own helpers.

mod bursts;
mod kinds;
mod notices;
mod retweets;
mod texts;
mod v2;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::DateTime;
use serde_json::Value;

use super::*;

const SAMPLE_SIZE: usize = 10_000;
/// Wed Oct 10 2018 20:19:24 UTC, plus half a second to exercise the truncation.
const START_MS: i64 = 1_539_202_764_500;

/// The bursts of `config/default.toml`: a new hashtag for a minute, every two minutes.
const DEFAULT_BURSTS: Bursts = Bursts {
    every_ms: 120_000,
    length_ms: 60_000,
    peak: 0.1,
};

/// 10,000 tweets of this span 200 s of event time, with one burst from 120 s to 180 s.
fn config(seed: u64) -> SyntheticConfig {
    SyntheticConfig {
        seed,
        start_ms: START_MS,
        events_per_second: 50.0,
        shape: TweetShape::V1,
        stream_notices: false,
        bursts: Some(DEFAULT_BURSTS),
    }
}

/// The first `n` tweets of a stream, notices left out.
fn tweets(config: SyntheticConfig, n: usize) -> Vec<Record> {
    Synthetic::new(config)
        .filter_map(|event| match event {
            Event::Tweet(record) => Some(record),
            _ => None,
        })
        .take(n)
        .collect()
}

fn parsed(records: Vec<Record>) -> Vec<(Record, Value)> {
    records
        .into_iter()
        .map(|record| {
            let tweet = serde_json::from_slice(&record.payload).expect("payload is JSON");
            (record, tweet)
        })
        .collect()
}

/// One shared 10,000-record v1.1 sample with each payload parsed, so the tests don't each pay
/// for generating and parsing it.
fn sample() -> &'static [(Record, Value)] {
    static SAMPLE: OnceLock<Vec<(Record, Value)>> = OnceLock::new();
    SAMPLE.get_or_init(|| parsed(tweets(config(42), SAMPLE_SIZE)))
}

/// The same for the v2 shape.
fn sample_v2() -> &'static [(Record, Value)] {
    static SAMPLE: OnceLock<Vec<(Record, Value)>> = OnceLock::new();
    let v2 = SyntheticConfig {
        shape: TweetShape::V2,
        ..config(42)
    };
    SAMPLE.get_or_init(|| parsed(tweets(v2, SAMPLE_SIZE)))
}

/// The tweet and the ones nested in it (a retweet's original, a quote's quoted tweet).
fn tweet_and_nested(tweet: &Value) -> impl Iterator<Item = &Value> {
    let nested = ["retweeted_status", "quoted_status"].map(|field| tweet.get(field));
    std::iter::once(tweet).chain(nested.into_iter().flatten())
}

fn str_field<'a>(object: &'a Value, field: &str) -> &'a str {
    object[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string in {object}"))
}

fn index(value: &Value) -> usize {
    value.as_u64().expect("an index") as usize
}

/// The code points `[start, end)` of `text`.
fn code_points(text: &str, start: usize, end: usize) -> String {
    assert!(start < end, "empty entity range {start}..{end} in {text:?}");
    text.chars().skip(start).take(end - start).collect()
}

fn created_at_ms(created_at: &str) -> i64 {
    DateTime::parse_from_str(created_at, "%a %b %d %H:%M:%S %z %Y")
        .unwrap_or_else(|error| panic!("bad created_at {created_at:?}: {error}"))
        .timestamp_millis()
}

/// Twitter's weighted length, written out again from its published ranges so that the tests do
/// not lean on the generator's own.
fn twitter_weight(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
            _ => 2,
        })
        .sum()
}

/// The API's retweet text (v1.1 and v2 alike) for an original by `author` whose whole text is
/// `full`: within 140 code points, or the first 139 trimmed and `…`.
fn expected_retweet_text(author: &str, full: &str) -> String {
    let whole = format!("RT @{author}: {full}");
    if whole.chars().count() <= 140 {
        return whole;
    }
    let head: String = whole.chars().take(139).collect();
    format!("{}…", head.trim_end())
}

/// `count` out of `total`, as a fraction.
fn share(count: usize, total: usize) -> f64 {
    count as f64 / total as f64
}

#[test]
fn same_seed_gives_identical_bytes_in_both_shapes_and_other_seeds_differ() {
    for shape in [TweetShape::V1, TweetShape::V2] {
        let with = |seed| SyntheticConfig {
            shape,
            stream_notices: true,
            ..config(seed)
        };
        let first: Vec<Event> = Synthetic::new(with(7)).take(1_000).collect();
        let again: Vec<Event> = Synthetic::new(with(7)).take(1_000).collect();
        let other: Vec<Record> = tweets(with(8), 1_000);
        assert_eq!(first, again, "{shape:?}");
        let first: Vec<&Record> = first
            .iter()
            .filter_map(|event| match event {
                Event::Tweet(record) => Some(record),
                _ => None,
            })
            .collect();
        assert!(first
            .iter()
            .zip(&other)
            .all(|(a, b)| a.payload != b.payload));
    }
}

#[test]
fn records_are_v1_1_tweets_keyed_and_timed_by_their_content() {
    let mut previous_id = 0;
    for (record, tweet) in sample() {
        assert_eq!(
            record.payload.last(),
            Some(&b'}'),
            "one bare JSON object per record"
        );
        let id = tweet["id"].as_u64().expect("numeric id");
        assert_eq!(str_field(tweet, "id_str"), id.to_string());
        assert_eq!(record.key, id.to_string());
        assert!(id > previous_id, "ids strictly increase");
        previous_id = id;
        assert_eq!(
            created_at_ms(str_field(tweet, "created_at")),
            record.timestamp_ms
        );
        assert_eq!(
            str_field(tweet, "timestamp_ms"),
            record.timestamp_ms.to_string()
        );
        assert_eq!(str_field(tweet, "filter_level"), "low");
        assert_full_user(&tweet["user"]);
        for tweet in tweet_and_nested(tweet) {
            assert_tweet_shape(tweet);
        }
    }
}

fn assert_tweet_shape(tweet: &Value) {
    for field in ["created_at", "id_str", "text", "source", "lang"] {
        str_field(tweet, field);
    }
    assert!(tweet["truncated"].is_boolean());
    for field in [
        "retweet_count",
        "favorite_count",
        "quote_count",
        "reply_count",
    ] {
        assert!(tweet[field].is_u64(), "{field} in {tweet}");
    }
    let reply_fields = [
        "in_reply_to_status_id",
        "in_reply_to_status_id_str",
        "in_reply_to_user_id",
        "in_reply_to_user_id_str",
        "in_reply_to_screen_name",
    ];
    let replies = reply_fields.map(|field| tweet.get(field).expect(field).is_null());
    assert!(
        replies.iter().all(|&null| null == replies[0]),
        "reply fields go together"
    );
    assert_user_identity(&tweet["user"]);
    assert_location_shape(tweet);
    for kind in ["hashtags", "urls", "user_mentions", "symbols"] {
        assert!(
            tweet["entities"][kind].is_array(),
            "entities.{kind} in {tweet}"
        );
    }
}

/// What every user object has, the short one of a nested tweet's author included.
fn assert_user_identity(user: &Value) {
    assert_eq!(
        str_field(user, "id_str"),
        user["id"].as_u64().expect("user id").to_string()
    );
    let screen_name = str_field(user, "screen_name");
    assert!((1..=15).contains(&screen_name.len()) && screen_name.is_ascii());
    str_field(user, "name");
    created_at_ms(str_field(user, "created_at"));
    for field in [
        "followers_count",
        "friends_count",
        "listed_count",
        "favourites_count",
    ] {
        assert!(user[field].is_u64(), "{field} in {user}");
    }
    assert!(user["verified"].is_boolean());
    for field in ["location", "url", "description"] {
        assert!(
            user[field].is_null() || user[field].is_string(),
            "{field} in {user}"
        );
    }
}

/// The author of a message's tweet, with the profile fields a stream message carries.
fn assert_full_user(user: &Value) {
    for field in [
        "lang",
        "profile_image_url_https",
        "profile_link_color",
        "profile_background_image_url_https",
    ] {
        str_field(user, field);
    }
    for field in ["utc_offset", "time_zone"] {
        assert!(user.get(field).is_some_and(Value::is_null), "{field}");
    }
}

/// A tweet's point (`coordinates` and `geo`) and place, when it has them.
fn assert_location_shape(tweet: &Value) {
    match (&tweet["coordinates"], &tweet["geo"]) {
        (Value::Null, Value::Null) => {}
        (coordinates, geo) => {
            assert_eq!(coordinates["type"], "Point");
            let [lon, lat] = [0, 1].map(|i| coordinates["coordinates"][i].as_f64());
            assert_eq!(geo["coordinates"][0].as_f64(), lat, "geo is [lat, lon]");
            assert_eq!(geo["coordinates"][1].as_f64(), lon);
            assert!(!tweet["place"].is_null(), "a point comes with its place");
        }
    }
    let place = &tweet["place"];
    if !place.is_null() {
        for field in [
            "id",
            "url",
            "place_type",
            "name",
            "full_name",
            "country_code",
        ] {
            str_field(place, field);
        }
        assert_eq!(place["bounding_box"]["type"], "Polygon");
        assert_eq!(
            place["bounding_box"]["coordinates"][0]
                .as_array()
                .map(Vec::len),
            Some(4)
        );
    }
}

/// Asserts that each v1.1 entity of `entities` marks `text` at its indices.
fn assert_entities_mark(text: &str, entities: &Value) -> usize {
    let spans = [
        ("hashtags", "#", "text"),
        ("symbols", "$", "text"),
        ("user_mentions", "@", "screen_name"),
        ("urls", "", "url"),
    ];
    let mut checked = 0;
    for (kind, sigil, field) in spans {
        for entity in entities[kind].as_array().expect(kind) {
            let [start, end] = [0, 1].map(|i| index(&entity["indices"][i]));
            let expected = format!("{sigil}{}", str_field(entity, field));
            assert_eq!(code_points(text, start, end), expected, "in {text:?}");
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_message_is_a_tweet_the_file_source_reads_back_alike() {
    for (record, _) in sample().iter().chain(sample_v2()).step_by(7) {
        let read = Record::from_post_json(record.payload.clone(), 0).expect("a tweet");
        assert_eq!(
            (&read.key, read.timestamp_ms),
            (&record.key, record.timestamp_ms)
        );
    }
}

#[test]
fn entity_indices_are_code_point_offsets_into_the_text() {
    let mut non_ascii_checked = false;
    for (_, tweet) in sample() {
        for tweet in tweet_and_nested(tweet) {
            let text = str_field(tweet, "text");
            assert!(text.chars().count() <= 140, "too long: {text}");
            let checked = assert_entities_mark(text, &tweet["entities"]);
            non_ascii_checked |= checked > 0 && !text.is_ascii();
            if let Some(extended) = tweet.get("extended_tweet") {
                let full_text = str_field(extended, "full_text");
                assert!(twitter_weight(full_text) <= 280, "too long: {full_text}");
                assert_entities_mark(full_text, &extended["entities"]);
            }
        }
    }
    assert!(non_ascii_checked);
}

#[test]
fn payloads_are_two_to_four_kilobytes_in_both_shapes() {
    for sample in [sample(), sample_v2()] {
        let sizes: Vec<usize> = sample
            .iter()
            .map(|(record, _)| record.payload.len())
            .collect();
        let within = sizes
            .iter()
            .filter(|size| (2048..=4096).contains(*size))
            .count();
        assert!(
            within * 100 >= SAMPLE_SIZE * 95,
            "only {within} within 2–4 KB"
        );
        let (min, max) = (sizes.iter().min(), sizes.iter().max());
        assert!(
            sizes.iter().all(|size| (1500..=6000).contains(size)),
            "{min:?}..{max:?}"
        );
    }
}

#[test]
fn hashtags_trend_unevenly_in_many_scripts_and_spellings() {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut spellings: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (_, tweet) in sample() {
        for tag in tweet["entities"]["hashtags"].as_array().expect("hashtags") {
            let text = str_field(tag, "text");
            *counts.entry(text.to_lowercase()).or_default() += 1;
            spellings
                .entry(text.to_lowercase())
                .or_default()
                .insert(text);
        }
    }
    let mut frequencies: Vec<usize> = counts.values().copied().collect();
    frequencies.sort_unstable();
    let median = frequencies[frequencies.len() / 2];
    let top = frequencies[frequencies.len() - 1];
    assert!(top >= 10 * median, "top tag {top} vs median {median}");
    assert!(counts.len() >= 100, "only {} distinct tags", counts.len());
    assert!(counts.keys().any(|tag| !tag.is_ascii()));
    assert!(spellings.values().any(|spelled| spelled.len() >= 2));
    let tagless = sample()
        .iter()
        .filter(|(_, tweet)| {
            tweet["entities"]["hashtags"]
                .as_array()
                .is_some_and(Vec::is_empty)
        })
        .count();
    assert!(
        tagless > 0 && tagless < SAMPLE_SIZE / 2,
        "{tagless} tweets without hashtags"
    );
}

#[test]
fn created_at_follows_the_event_rate_truncated_to_seconds() {
    let three_a_second = SyntheticConfig {
        events_per_second: 3.0,
        ..config(1)
    };
    for (i, record) in (0..).zip(tweets(three_a_second, 100)) {
        let event_ms = START_MS + i * 1000 / 3;
        assert_eq!(record.timestamp_ms, event_ms - event_ms % 1000, "tweet {i}");
    }
    let slow = SyntheticConfig {
        events_per_second: 0.5,
        ..config(1)
    };
    let slow: Vec<i64> = tweets(slow, 3).iter().map(|r| r.timestamp_ms).collect();
    assert_eq!(
        slow,
        [1_539_202_764_000, 1_539_202_766_000, 1_539_202_768_000]
    );
}

#[test]
#[should_panic(expected = "events_per_second")]
fn a_non_positive_rate_is_rejected() {
    Synthetic::new(SyntheticConfig {
        events_per_second: 0.0,
        ..config(1)
    });
}

#[test]
fn hashtag_vocabulary_has_a_few_hundred_distinct_tags_even_case_folded() {
    let tags = hashtag_vocabulary();
    let folded: BTreeSet<String> = tags.iter().map(|tag| tag.to_lowercase()).collect();
    assert!((200..=500).contains(&tags.len()));
    assert_eq!(folded.len(), tags.len());
}

#[test]
fn weighted_length_counts_wide_characters_twice() {
    for text in ["héllo мир", "日本語", "🔥", "a…b"] {
        assert_eq!(text::weighted_len(text), twitter_weight(text), "{text}");
    }
}
