//! Every recorded message is recognised as the source it came from, by its content alone: the
//! real tweets (v1.1 and v2), Jetstream's new posts (its other events are not posts), and the
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
    let mut posts = 0;
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
            Err(PostError::NotABlueskyPost) => assert!(!is_post, "{line}"),
            Err(e) => panic!("{e}: {line}"),
        }
    }
    assert_eq!(posts, 17);
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
