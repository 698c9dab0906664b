//! What the producer does with each streaming event: an `update` is a new status to publish, a
//! `delete` and a `status.update` (an edit) are counted, not published. A status counts once, when
//! it is created: the consumer keys posts by `uri`, and an edited status would be the same post
//! with perhaps other tags, so it is not published again; a deletion does not un-count a status
//! already counted.

use std::borrow::Cow;

use serde::Deserialize;

use model::mastodon::{Status, StatusError};

use super::id::StatusId;
use super::sse::Event;
use crate::publish::resume::Position;
use crate::source::Record;

/// One event, classified.
#[derive(Debug)]
pub(crate) enum Action {
    /// A new status.
    Publish(Update),
    /// A status was deleted (its id is the payload).
    Delete,
    /// A status was edited (the payload is the whole edited status).
    Edit,
    /// An event a public or hashtag stream does not send (e.g. `notification`), by name; counted.
    Other(String),
}

/// A new status: its id on this instance, and its record.
#[derive(Debug)]
pub(crate) struct Update {
    pub(crate) id: StatusId,
    pub(crate) record: Record,
}

/// An `update` whose payload is no status.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BadStatus {
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error("status without an id")]
    Id(#[source] serde_json::Error),
}

/// Classifies one event; `now_ms` stamps a status that says nothing of when it was written.
pub(crate) fn classify(event: Event, now_ms: i64) -> Result<Action, BadStatus> {
    Ok(match event.name.as_str() {
        "update" => Action::Publish(update(event.data, now_ms)?),
        "delete" => Action::Delete,
        "status.update" => Action::Edit,
        _ => Action::Other(event.name),
    })
}

#[derive(Deserialize)]
struct Id<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
}

/// A status's JSON as a record: published unchanged, keyed by its `uri` (ids are per instance,
/// the uri is the same everywhere), stamped with its `created_at`, at the position of its id.
pub(crate) fn update(payload: Vec<u8>, now_ms: i64) -> Result<Update, BadStatus> {
    let status = Status::parse(&payload)?;
    let key = status.uri.into_owned();
    let timestamp_ms = status.created_at_ms.unwrap_or(now_ms);
    let id: Id<'_> = serde_json::from_slice(&payload).map_err(BadStatus::Id)?;
    let id = StatusId::new(id.id);
    let position = id.value().map(Position::Status);
    Ok(Update {
        id,
        record: Record {
            key,
            payload,
            timestamp_ms,
            position,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_statuses() -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/social/mastodon-statuses.jsonl"
        );
        let text = std::fs::read_to_string(path).expect("read the recorded statuses");
        text.lines().map(str::to_owned).collect()
    }

    fn event(name: &str, data: &[u8]) -> Event {
        Event {
            name: name.to_owned(),
            data: data.to_vec(),
        }
    }

    #[test]
    fn every_recorded_status_becomes_its_own_bytes_keyed_by_uri_at_created_at() {
        let statuses = fixture_statuses();
        assert!(statuses.len() > 500);
        for line in statuses {
            let raw: serde_json::Value = serde_json::from_str(&line).unwrap();
            let created = raw["created_at"].as_str().unwrap();
            let want_ms = chrono::DateTime::parse_from_rfc3339(created)
                .unwrap()
                .timestamp_millis();
            let Action::Publish(update) = classify(event("update", line.as_bytes()), 0).unwrap()
            else {
                panic!("an update is published")
            };
            assert_eq!(update.record.payload, line.as_bytes());
            assert_eq!(update.record.key, raw["uri"].as_str().unwrap());
            assert_eq!(update.record.timestamp_ms, want_ms, "{created}");
            assert_eq!(update.id.as_str(), raw["id"].as_str().unwrap());
            // A few recorded statuses come from a server whose ids are not numbers.
            let id = raw["id"].as_str().unwrap().parse().ok();
            assert_eq!(update.record.position, id.map(Position::Status));
        }
    }

    #[test]
    fn deletes_edits_and_other_events_are_told_apart() {
        let status = fixture_statuses().swap_remove(0);
        assert!(matches!(
            classify(event("delete", b"108914327388663283"), 0),
            Ok(Action::Delete)
        ));
        assert!(matches!(
            classify(event("status.update", status.as_bytes()), 0),
            Ok(Action::Edit)
        ));
        assert!(matches!(
            classify(event("filters_changed", b""), 0),
            Ok(Action::Other(name)) if name == "filters_changed"
        ));
    }

    #[test]
    fn an_update_that_is_no_status_is_an_error() {
        for data in [
            &b"not json"[..],
            b"{\"id\":\"1\"}",
            b"{\"uri\":\"https://x/1\"}",
            b"\xff",
        ] {
            assert!(classify(event("update", data), 0).is_err(), "{data:?}");
        }
    }

    #[test]
    fn a_status_without_created_at_is_stamped_now() {
        let data = br#"{"id":"7","uri":"https://x/7","content":"","tags":[]}"#;
        let Ok(Action::Publish(update)) = classify(event("update", data), 42) else {
            panic!("published")
        };
        assert_eq!(update.record.timestamp_ms, 42);
    }

    #[test]
    fn a_status_whose_id_is_no_number_has_no_position() {
        let data = br#"{"id":"AbC","uri":"https://x/7","content":"","tags":[]}"#;
        let Ok(Action::Publish(update)) = classify(event("update", data), 42) else {
            panic!("published")
        };
        assert_eq!(update.record.position, None, "never checkpointed");
    }
}
