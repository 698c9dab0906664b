//! The same tweet written in API v1.1's shape and in v2's gives the same counting fields, through
//! either parsing path: the whole text, the hashtags, the language, whether it is a retweet and
//! whether it is whole. Long tweets carry their full text in `extended_tweet` (v1.1) or
//! `note_tweet` (v2) and only a cut prefix in `text`; retweets carry the original in
//! `retweeted_status` (v1.1) or `includes.tweets` (v2) and a cut `RT @user: ` text of their own.

use proptest::prelude::*;
use serde_json::{json, Value};

use model::tweet::{Completeness, Tweet};

/// A tweet as written, before either API shapes it.
#[derive(Debug, Clone)]
struct Post {
    id: u64,
    text: String,
    tags: Vec<String>,
    lang: String,
    /// Longer than the API's short form: the shapes carry a cut text and the whole one apart.
    long: bool,
}

impl Post {
    /// What a shape's short `text` holds of it: all of it, or a cut prefix and only the
    /// hashtags that survive the cut (here the first one).
    fn visible(&self) -> (String, Vec<String>) {
        match self.long {
            false => (self.text.clone(), self.tags.clone()),
            true => (cut(&self.text), self.tags.iter().take(1).cloned().collect()),
        }
    }
}

fn cut(text: &str) -> String {
    let half: String = text.chars().take(text.chars().count() / 2).collect();
    format!("{half}\u{2026}")
}

fn v1_entities(tags: &[String]) -> Value {
    json!({ "hashtags": tags.iter().map(|t| json!({ "text": t, "indices": [0, 1] })).collect::<Vec<_>>() })
}

fn v2_entities(tags: &[String]) -> Value {
    json!({ "hashtags": tags.iter().map(|t| json!({ "tag": t, "start": 0, "end": 1 })).collect::<Vec<_>>() })
}

/// A v1.1 status object (compat mode: a long one has `extended_tweet`).
fn v1_status(post: &Post) -> Value {
    let (text, tags) = post.visible();
    let mut status = json!({
        "id": post.id, "id_str": post.id.to_string(),
        "created_at": "Wed Oct 10 20:19:24 +0000 2018",
        "text": text, "truncated": post.long, "entities": v1_entities(&tags), "lang": post.lang,
        "user": { "id_str": "1", "screen_name": "someone" },
    });
    if post.long {
        status["extended_tweet"] =
            json!({ "full_text": post.text, "entities": v1_entities(&post.tags) });
    }
    status
}

/// A v2 tweet object (a long one has `note_tweet`).
fn v2_tweet(post: &Post) -> Value {
    let (text, tags) = post.visible();
    let mut tweet = json!({
        "id": post.id.to_string(), "text": text, "created_at": "2018-10-10T20:19:24.000Z",
        "author_id": "1", "lang": post.lang, "entities": v2_entities(&tags),
    });
    if post.long {
        tweet["note_tweet"] = json!({ "text": post.text, "entities": v2_entities(&post.tags) });
    }
    tweet
}

/// The retweet `post` in both shapes, or `post` itself when `original` is `None`.
fn shapes(post: &Post, original: Option<&Post>) -> [Value; 2] {
    let Some(original) = original else {
        return [v1_status(post), json!({ "data": v2_tweet(post) })];
    };
    let retweet = Post {
        text: format!("RT @someone: {}", cut(&original.text)),
        tags: original.tags.iter().take(1).cloned().collect(),
        long: false,
        ..post.clone()
    };
    let mut v1 = v1_status(&retweet);
    v1["retweeted_status"] = v1_status(original);
    let mut data = v2_tweet(&retweet);
    data["referenced_tweets"] = json!([{ "type": "retweeted", "id": original.id.to_string() }]);
    let v2 = json!({ "data": data, "includes": { "tweets": [v2_tweet(original)] } });
    [v1, v2]
}

/// What counting takes from a message, by both paths (which must agree).
fn counting_fields(bytes: &[u8]) -> String {
    let read = |t: Tweet<'_>| {
        format!(
            "{} {:?} {:?} {:?} {} {:?}",
            t.id,
            t.text,
            t.hashtags().collect::<Vec<_>>(),
            t.lang,
            t.is_retweet,
            t.completeness
        )
    };
    let full = read(Tweet::parse(bytes).unwrap());
    let lean = read(Tweet::parse_for_counting(bytes).unwrap());
    assert_eq!(full, lean, "the two paths differ");
    full
}

fn post(id: u64) -> impl Strategy<Value = Post> {
    (
        "[a-z ]{1,30}",
        prop::collection::vec("[a-zA-Z\u{e9}]{1,8}", 0..4),
        "en|fr|ja|und",
        any::<bool>(),
    )
        .prop_map(move |(words, tags, lang, long)| {
            let hashtags: Vec<String> = tags.iter().map(|t| format!("#{t}")).collect();
            Post {
                id,
                text: format!("{words} {}", hashtags.join(" ")),
                tags,
                lang,
                long,
            }
        })
}

proptest! {
    #[test]
    fn both_shapes_give_the_same_counting_fields(
        own in post(20),
        original in prop::option::of(post(10)),
    ) {
        let [v1, v2] = shapes(&own, original.as_ref());
        let v1_fields = counting_fields(&serde_json::to_vec(&v1).unwrap());
        let v2_fields = counting_fields(&serde_json::to_vec(&v2).unwrap());
        prop_assert_eq!(&v1_fields, &v2_fields);
        // And they are the whole post's: the original's for a retweet.
        let counted = original.as_ref().unwrap_or(&own);
        let expected = format!(
            "20 {:?} {:?} {:?} {} {:?}",
            counted.text, counted.tags, Some(&counted.lang), original.is_some(), Completeness::Whole
        );
        prop_assert_eq!(v1_fields, expected);
    }
}

#[test]
fn a_missing_original_or_a_cut_without_extended_tweet_is_flagged() {
    let original = Post {
        id: 10,
        text: "a long original with #One and #Two".into(),
        tags: vec!["One".into(), "Two".into()],
        lang: "en".into(),
        long: true,
    };
    let own = Post {
        id: 20,
        ..original.clone()
    };
    let [mut v1, mut v2] = shapes(&own, Some(&original));
    v2["includes"]["tweets"] = json!([]);
    v1["retweeted_status"]
        .as_object_mut()
        .unwrap()
        .remove("extended_tweet");
    let v1_tweet = serde_json::to_vec(&v1).unwrap();
    let v2_tweet = serde_json::to_vec(&v2).unwrap();
    for (bytes, completeness) in [
        (&v1_tweet, Completeness::Truncated),
        (&v2_tweet, Completeness::OriginalMissing),
    ] {
        let t = Tweet::parse_for_counting(bytes).unwrap();
        assert_eq!(t.completeness, completeness);
        assert!(t.is_retweet);
        // Only what the cut left visible: the first hashtag.
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["One"]);
        counting_fields(bytes);
    }
}
