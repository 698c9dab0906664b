use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::DateTime;
use serde_json::Value;

use super::text::RT_QUOTE_CHARS;
use super::*;

const SAMPLE_SIZE: usize = 10_000;
/// Wed Oct 10 2018 20:19:24 UTC, plus half a second to exercise the truncation.
const START_MS: i64 = 1_539_202_764_500;

fn config(seed: u64) -> SyntheticConfig {
    SyntheticConfig {
        seed,
        start_ms: START_MS,
        events_per_second: 50.0,
    }
}

/// One shared 10,000-record sample with each payload parsed, so the tests don't each pay
/// for generating and parsing it.
fn sample() -> &'static [(Record, Value)] {
    static SAMPLE: OnceLock<Vec<(Record, Value)>> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        Synthetic::new(config(42))
            .take(SAMPLE_SIZE)
            .map(|record| {
                let tweet = serde_json::from_slice(&record.payload).expect("payload is JSON");
                (record, tweet)
            })
            .collect()
    })
}

/// The tweet and, for a retweet, the original nested in it.
fn tweet_and_original(tweet: &Value) -> impl Iterator<Item = &Value> {
    std::iter::once(tweet).chain(tweet.get("retweeted_status"))
}

fn str_field<'a>(object: &'a Value, field: &str) -> &'a str {
    object[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string in {object}"))
}

fn code_points(text: &str, indices: &Value) -> String {
    let start = indices[0].as_u64().expect("start index") as usize;
    let end = indices[1].as_u64().expect("end index") as usize;
    assert!(start < end, "empty entity range {indices}");
    text.chars().skip(start).take(end - start).collect()
}

fn created_at_ms(created_at: &str) -> i64 {
    DateTime::parse_from_str(created_at, "%a %b %d %H:%M:%S %z %Y")
        .unwrap_or_else(|error| panic!("bad created_at {created_at:?}: {error}"))
        .timestamp_millis()
}

#[test]
fn same_seed_gives_identical_records_and_other_seeds_differ() {
    let first: Vec<Record> = Synthetic::new(config(7)).take(1_000).collect();
    let again: Vec<Record> = Synthetic::new(config(7)).take(1_000).collect();
    let other: Vec<Record> = Synthetic::new(config(8)).take(1_000).collect();
    assert_eq!(first, again);
    assert!(first
        .iter()
        .zip(&other)
        .all(|(a, b)| a.payload != b.payload));
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
        for tweet in tweet_and_original(tweet) {
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
    assert_user_shape(&tweet["user"]);
    assert_location_shape(tweet);
    for kind in ["hashtags", "urls", "user_mentions", "symbols"] {
        assert!(
            tweet["entities"][kind].is_array(),
            "entities.{kind} in {tweet}"
        );
    }
}

fn assert_user_shape(user: &Value) {
    assert_eq!(
        str_field(user, "id_str"),
        user["id"].as_u64().expect("user id").to_string()
    );
    let screen_name = str_field(user, "screen_name");
    assert!((1..=15).contains(&screen_name.len()) && screen_name.is_ascii());
    for field in [
        "name",
        "lang",
        "profile_image_url_https",
        "profile_link_color",
    ] {
        str_field(user, field);
    }
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

#[test]
fn entity_indices_are_code_point_offsets_into_the_text() {
    let mut non_ascii_checked = false;
    for (_, tweet) in sample() {
        for tweet in tweet_and_original(tweet) {
            let text = str_field(tweet, "text");
            assert!(text.chars().count() <= 280, "too long: {text}");
            let spans = [
                ("hashtags", "#", "text"),
                ("symbols", "$", "text"),
                ("user_mentions", "@", "screen_name"),
                ("urls", "", "url"),
            ];
            for (kind, sigil, field) in spans {
                for entity in tweet["entities"][kind].as_array().expect(kind) {
                    let expected = format!("{sigil}{}", str_field(entity, field));
                    assert_eq!(
                        code_points(text, &entity["indices"]),
                        expected,
                        "in {text:?}"
                    );
                    non_ascii_checked |= !text.is_ascii();
                }
            }
        }
    }
    assert!(non_ascii_checked);
}

#[test]
fn retweets_quote_their_original_and_keep_its_visible_entities() {
    let mut retweets = 0;
    let mut cut = 0;
    for (_, tweet) in sample() {
        let Some(original) = tweet.get("retweeted_status") else {
            continue;
        };
        retweets += 1;
        let author = str_field(&original["user"], "screen_name");
        let original_text = str_field(original, "text");
        let quoted = str_field(tweet, "text")
            .strip_prefix(&format!("RT @{author}: "))
            .expect("RT prefix naming the original's author");
        if original_text.chars().count() <= RT_QUOTE_CHARS {
            assert_eq!(quoted, original_text);
        } else {
            cut += 1;
            let head: String = original_text.chars().take(RT_QUOTE_CHARS - 1).collect();
            assert_eq!(quoted, format!("{head}…"));
        }
        let tags = |tweet: &Value| -> Vec<String> {
            let hashtags = tweet["entities"]["hashtags"].as_array().expect("hashtags");
            hashtags
                .iter()
                .map(|tag| str_field(tag, "text").to_owned())
                .collect()
        };
        let (outer, inner) = (tags(tweet), tags(original));
        assert!(outer.len() <= inner.len() && inner.starts_with(&outer));
        assert!(tweet["retweeted_status"].get("retweeted_status").is_none());
    }
    let share = retweets as f64 / SAMPLE_SIZE as f64;
    assert!((0.1..=0.3).contains(&share), "retweet share {share}");
    assert!(
        cut > 0,
        "some retweets cut a long original to 140 characters"
    );
}

#[test]
fn payloads_are_two_to_four_kilobytes() {
    let sizes: Vec<usize> = sample()
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
fn several_languages_occur_with_their_own_words() {
    let languages: BTreeSet<&str> = sample()
        .iter()
        .map(|(_, tweet)| str_field(tweet, "lang"))
        .collect();
    assert!(languages.len() >= 5, "{languages:?}");
    // A short tweet can be all emoji and entities, so this holds for most, not all.
    let japanese: Vec<&str> = sample()
        .iter()
        .filter(|(_, tweet)| str_field(tweet, "lang") == "ja")
        .map(|(_, tweet)| str_field(tweet, "text"))
        .collect();
    let in_kana_or_kanji = japanese
        .iter()
        .filter(|text| text.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c)))
        .count();
    assert!(in_kana_or_kanji * 100 >= japanese.len() * 95);
}

#[test]
fn created_at_follows_the_event_rate_truncated_to_seconds() {
    let generator = Synthetic::new(SyntheticConfig {
        events_per_second: 3.0,
        ..config(1)
    });
    for (i, record) in (0..).zip(generator.take(100)) {
        let event_ms = START_MS + i * 1000 / 3;
        assert_eq!(record.timestamp_ms, event_ms - event_ms % 1000, "tweet {i}");
    }
    let slow: Vec<i64> = Synthetic::new(SyntheticConfig {
        events_per_second: 0.5,
        ..config(1)
    })
    .take(3)
    .map(|record| record.timestamp_ms)
    .collect();
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
    assert_eq!(weighted_len("héllo мир"), 9);
    assert_eq!(weighted_len("日本語"), 6);
    assert_eq!(weighted_len("🔥"), 2);
}
