//! What one Jetstream text frame becomes: a record to publish (a new post or repost, keyed by its
//! at-uri, stamped with its event time) or a notice to count (a deletion, an identity or account
//! event, any other record), each carrying the event's `time_us` so the resume cursor passes it.

use model::jetstream::{self, Envelope, EventError};

use crate::publish::resume::Position;
use crate::source::notice::{Notice, NoticeKind};
use crate::source::{Event, Record};

/// A frame's event and its `time_us`.
#[derive(Debug)]
pub(crate) struct Framed {
    pub(crate) time_us: i64,
    pub(crate) event: Event,
}

/// Reads one frame's event, keeping its bytes as they came.
pub(crate) fn read(payload: Vec<u8>) -> Result<Framed, EventError> {
    let (time_us, published) = {
        let envelope = Envelope::parse(&payload)?;
        let published = match envelope.event {
            jetstream::Event::Post(post) => Ok((post.uri, post.event_ms)),
            jetstream::Event::Repost(repost) => Ok((repost.uri, repost.event_ms)),
            other => Err(NoticeKind::of_jetstream(&other).unwrap_or(NoticeKind::OtherRecord)),
        };
        (envelope.time_us, published)
    };
    let position = Some(Position::Cursor(time_us));
    let event = match published {
        Ok((key, timestamp_ms)) => Event::Tweet(Record {
            key,
            payload,
            timestamp_ms,
            position,
        }),
        Err(kind) => Event::Notice(Notice {
            kind,
            payload,
            position,
        }),
    };
    Ok(Framed { time_us, event })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::*;

    /// What the raw JSON says a recorded event is: the key and event time of a new post or
    /// repost (`createdAt` clamped to the five minutes before `time_us`), else the notice kind.
    fn expected(v: &Value) -> Result<(String, i64), NoticeKind> {
        let commit = &v["commit"];
        let collection = commit["collection"].as_str().unwrap_or_default();
        match (v["kind"].as_str(), commit["operation"].as_str()) {
            (Some("identity"), _) => Err(NoticeKind::Identity),
            (Some("account"), _) => Err(NoticeKind::Account),
            (_, Some("delete")) if collection == "app.bsky.feed.post" => Err(NoticeKind::Delete),
            (_, Some("create"))
                if ["app.bsky.feed.post", "app.bsky.feed.repost"].contains(&collection) =>
            {
                let uri = format!(
                    "at://{}/{collection}/{}",
                    v["did"].as_str().unwrap(),
                    commit["rkey"].as_str().unwrap()
                );
                let seen_ms = v["time_us"].as_i64().unwrap() / 1000;
                let created = commit["record"]["createdAt"].as_str().unwrap();
                let created_ms = chrono::DateTime::parse_from_rfc3339(created)
                    .unwrap()
                    .timestamp_millis();
                Ok((uri, created_ms.clamp(seen_ms - 300_000, seen_ms)))
            }
            _ => Err(NoticeKind::OtherRecord),
        }
    }

    #[test]
    fn recorded_posts_and_reposts_are_published_and_the_rest_counted() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/social/bluesky-jetstream.jsonl");
        let text = std::fs::read_to_string(path).unwrap();
        let mut published = 0;
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let position = Some(Position::Cursor(v["time_us"].as_i64().unwrap()));
            let framed = read(line.as_bytes().to_vec()).unwrap();
            assert_eq!(Some(Position::Cursor(framed.time_us)), position);
            let event = framed.event;
            match (event, expected(&v)) {
                (Event::Tweet(record), Ok((key, timestamp_ms))) => {
                    let want = Record {
                        key,
                        payload: line.as_bytes().to_vec(),
                        timestamp_ms,
                        position,
                    };
                    assert_eq!(record, want);
                    published += 1;
                }
                (Event::Notice(notice), Err(kind)) => {
                    assert_eq!((notice.kind, notice.position), (kind, position), "{line}");
                    assert_eq!(notice.payload, line.as_bytes());
                }
                (event, want) => panic!("{event:?}, want {want:?}: {line}"),
            }
        }
        assert_eq!(published, 17 + 15, "the fixture's posts and reposts");
    }

    #[test]
    fn a_frame_that_is_no_event_is_an_error() {
        for frame in [
            "{broken",
            r#"{"did":"d","time_us":1,"kind":"mystery"}"#,
            "[]",
        ] {
            assert!(read(frame.as_bytes().to_vec()).is_err(), "{frame}");
        }
    }
}
