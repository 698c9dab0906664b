//! Every recorded message is recognised as the source it came from, by its content alone: the
//! real tweets (v1.1 and v2), Jetstream's new posts (reposts carry no content; its other events
//! are not posts, and say what they are), and the
//! Mastodon statuses; and each keeps its own id.

mod fixtures;

use serde_json::Value;

use model::post::{Post, PostError, PostId, Source};

#[test]
fn tweets_are_twitter_posts_with_their_numeric_ids() {
    for file in [
        "real-tweets/sferik-twitter-v1.jsonl",
        "real-tweets/twarc-network-v2.jsonl",
    ] {
        for line in fixtures::lines(file) {
            let v: Value = serde_json::from_str(&line).unwrap();
            let id = match v["id_str"].as_str().or(v["data"]["id"].as_str()) {
                Some(id) => id.parse().unwrap(),
                None => v["id"].as_u64().unwrap(),
            };
            let post = Post::parse_for_counting(line.as_bytes()).unwrap();
            assert_eq!(post.source, Source::Twitter);
            assert_eq!(post.id, PostId::Tweet(id));
        }
    }
}

#[test]
fn jetstream_posts_are_bluesky_posts_and_other_events_are_not_posts() {
    let (mut posts, mut reposts) = (0, 0);
    for line in fixtures::lines("social/bluesky-jetstream.jsonl") {
        let v: Value = serde_json::from_str(&line).unwrap();
        let is_post = v["commit"]["operation"] == "create"
            && v["commit"]["collection"] == "app.bsky.feed.post";
        match Post::parse_for_counting(line.as_bytes()) {
            Ok(post) => {
                assert!(is_post, "{line}");
                assert_eq!(post.source, Source::Bluesky);
                let uri = format!(
                    "at://{}/app.bsky.feed.post/{}",
                    v["did"].as_str().unwrap(),
                    v["commit"]["rkey"].as_str().unwrap()
                );
                assert_eq!(post.id, PostId::Uri(uri.into()));
                posts += 1;
            }
            Err(PostError::BlueskyRepost) => {
                assert_eq!(v["commit"]["collection"], "app.bsky.feed.repost", "{line}");
                reposts += 1;
            }
            Err(e @ PostError::NotABlueskyPost(_)) => {
                assert!(!is_post, "{line}");
                let what = e.to_string();
                let named = match v["kind"].as_str().unwrap() {
                    "commit" => v["commit"]["collection"].as_str().unwrap(),
                    kind => kind,
                };
                assert!(what.contains(named), "{what} does not name {named}");
            }
            Err(e) => panic!("{e}: {line}"),
        }
    }
    assert_eq!((posts, reposts), (17, 15));
}

/// A malformed message shaped like a Jetstream event or a Mastodon status is rejected with that
/// reader's reason, not the tweet parser's.
#[test]
fn a_malformed_event_or_status_is_rejected_for_what_it_looks_like() {
    let reason = |json: &str| {
        let error = Post::parse_for_counting(json.as_bytes()).unwrap_err();
        model::report::Report(&error).to_string()
    };
    let event = reason(r#"{"did":"did:plc:x","time_us":"soon","kind":"commit"}"#);
    assert!(
        event.starts_with("unreadable Bluesky Jetstream event"),
        "{event}"
    );
    assert!(event.contains(r#"string "soon", expected i64"#), "{event}");
    let kind = reason(r#"{"did":"did:plc:x","time_us":1,"kind":"heartbeat"}"#);
    assert!(
        kind.contains("unknown Jetstream event kind \"heartbeat\""),
        "{kind}"
    );
    let status = reason(r#"{"content":"<p>hi</p>","account":{"id":"1"}}"#);
    assert!(status.starts_with("unreadable Mastodon status"), "{status}");
    assert!(status.contains("missing field `uri`"), "{status}");
    let tweet = reason(r#"{"text":"hi","user":{}}"#);
    assert!(
        !tweet.contains("Jetstream") && !tweet.contains("Mastodon"),
        "{tweet}"
    );
}

#[test]
fn statuses_are_mastodon_posts_keyed_by_their_uri() {
    for line in fixtures::lines("social/mastodon-statuses.jsonl") {
        let v: Value = serde_json::from_str(&line).unwrap();
        let post = Post::parse_for_counting(line.as_bytes()).unwrap();
        assert_eq!(post.source, Source::Mastodon);
        assert_eq!(post.id, PostId::Uri(v["uri"].as_str().unwrap().into()));
        assert_eq!(post.is_repost, v["reblog"].is_object());
    }
}
