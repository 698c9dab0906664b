//! Recorded Jetstream events (../shared/fixtures/social/bluesky-jetstream.jsonl): each is read
//! as the kind it is, and each new post's uri, times, language and hashtags equal what the raw
//! JSON says, computed here with a generic JSON parser.

mod fixtures;

use serde_json::Value;

use model::jetstream::{Envelope, Event, Post, Repost};

fn events() -> Vec<String> {
    fixtures::lines("social/bluesky-jetstream.jsonl")
}

/// The hashtags of a post record: tag facet features, then the `tags` field.
fn expected_tags(record: &Value) -> Vec<String> {
    let mut tags = Vec::new();
    for facet in record["facets"].as_array().into_iter().flatten() {
        for feature in facet["features"].as_array().into_iter().flatten() {
            if feature["$type"] == "app.bsky.richtext.facet#tag" {
                tags.push(feature["tag"].as_str().unwrap().to_owned());
            }
        }
    }
    for tag in record["tags"].as_array().into_iter().flatten() {
        tags.push(tag.as_str().unwrap().to_owned());
    }
    tags
}

fn check_post(v: &Value, post: &Post<'_>) {
    let commit = &v["commit"];
    let record = &commit["record"];
    let uri = format!(
        "at://{}/app.bsky.feed.post/{}",
        v["did"].as_str().unwrap(),
        commit["rkey"].as_str().unwrap()
    );
    assert_eq!(post.uri, uri);
    assert_eq!(post.time_us, v["time_us"].as_i64().unwrap());
    let created = chrono::DateTime::parse_from_rfc3339(record["createdAt"].as_str().unwrap());
    assert_eq!(
        post.created_at_ms,
        Some(created.unwrap().timestamp_millis())
    );
    assert_eq!(post.text, record["text"].as_str().unwrap());
    assert_eq!(post.lang.as_deref(), record["langs"][0].as_str());
    assert_eq!(post.hashtags, expected_tags(record));
}

/// A repost's id is its own at-uri, and its event time its `createdAt` clamped to the five
/// minutes before `time_us` (computed here from the raw JSON).
fn check_repost(v: &Value, repost: &Repost) {
    let uri = format!(
        "at://{}/app.bsky.feed.repost/{}",
        v["did"].as_str().unwrap(),
        v["commit"]["rkey"].as_str().unwrap()
    );
    assert_eq!(repost.uri, uri);
    let time_us = v["time_us"].as_i64().unwrap();
    assert_eq!(repost.time_us, time_us);
    let created = v["commit"]["record"]["createdAt"].as_str().unwrap();
    let created_ms = chrono::DateTime::parse_from_rfc3339(created)
        .unwrap()
        .timestamp_millis();
    let seen_ms = time_us / 1000;
    assert_eq!(
        repost.event_ms,
        created_ms.clamp(seen_ms - 300_000, seen_ms)
    );
}

#[test]
fn every_recorded_event_is_read_as_its_kind() {
    let (mut posts, mut tagged, mut reposts, mut others) = (0, 0, 0, 0);
    for line in events() {
        let v: Value = serde_json::from_str(&line).unwrap();
        let envelope = Envelope::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(
            envelope.time_us,
            v["time_us"].as_i64().unwrap(),
            "every kind"
        );
        let event = envelope.event;
        assert_eq!(Event::parse(line.as_bytes()).unwrap(), event);
        let commit = &v["commit"];
        let (operation, collection) = (commit["operation"].as_str(), commit["collection"].as_str());
        match event {
            Event::Post(post) => {
                assert_eq!(
                    (operation, collection),
                    (Some("create"), Some("app.bsky.feed.post"))
                );
                check_post(&v, &post);
                posts += 1;
                tagged += usize::from(!post.hashtags.is_empty());
            }
            Event::Repost(repost) => {
                assert_eq!(
                    (operation, collection),
                    (Some("create"), Some("app.bsky.feed.repost"))
                );
                check_repost(&v, &repost);
                reposts += 1;
            }
            Event::PostDeleted => assert_eq!(
                (operation, collection),
                (Some("delete"), Some("app.bsky.feed.post"))
            ),
            Event::Identity => assert_eq!(v["kind"], "identity"),
            Event::Account => assert_eq!(v["kind"], "account"),
            Event::EmptyCommit => panic!("every recorded commit has its commit: {line}"),
            Event::OtherCommit {
                operation: op,
                collection: coll,
            } => {
                assert_eq!(
                    (Some(op.as_ref()), Some(coll.as_ref())),
                    (operation, collection)
                );
                assert_ne!(collection, Some("app.bsky.feed.post"));
                others += 1;
            }
        }
    }
    // Counted in the file's SOURCES.md: 17 posts, 2 with tag facets, 15 reposts.
    assert_eq!((posts, tagged, reposts), (17, 2, 15));
    assert!(others > 100, "{others} likes, follows and other commits");
}
