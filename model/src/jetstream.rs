//! Bluesky events as Jetstream delivers them (JSON over WebSocket, one event per message): which
//! kind each is, and of a new post what trend counting needs.
//!
//! A post's hashtags are its `#tag` facet features (the value without `#`) and its `tags` field
//! (up to eight hashtags that are not in the text). Jetstream's `time_us` is when the network saw
//! the event; the record's `createdAt` is what the client claims, and can be far off: imported
//! archives are backdated by years, and clocks run ahead. A post's event time is therefore its
//! `createdAt` clamped to the [`MAX_BACKDATE_MS`] before the network saw it, and never after.

use std::borrow::Cow;

use serde::Deserialize;

use crate::timestamp;

/// The collection of posts; every other collection is something else (likes, follows, ...).
const POST: &str = "app.bsky.feed.post";
/// The collection of reposts, which carry no text and no tags of their own.
const REPOST: &str = "app.bsky.feed.repost";
/// How long before the network saw it a post may say it was written and be believed: a post
/// written offline or sent through a slow client arrives minutes late; one older than this is
/// an import, and counts when it was seen.
pub const MAX_BACKDATE_MS: i64 = 5 * 60 * 1000;

/// A facet feature that marks a hashtag.
const TAG_FEATURE: &str = "app.bsky.richtext.facet#tag";

/// An event with its envelope's `time_us`, which every kind carries: when Jetstream saw it, in
/// microseconds since the Unix epoch, and the position a subscriber resumes from (`cursor`).
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    pub time_us: i64,
    pub event: Event<'a>,
}

/// What a Jetstream event is.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A new post.
    Post(Post<'a>),
    /// A new repost: no content of its own (the reposted post is only referenced).
    Repost(Repost),
    /// A deleted post.
    PostDeleted,
    /// Any other commit: likes, follows, blocks, profile updates, other lexicons; named by its
    /// operation and collection, so a rejection can say what it was.
    OtherCommit {
        operation: Cow<'a, str>,
        collection: Cow<'a, str>,
    },
    /// A commit event without its commit.
    EmptyCommit,
    /// A handle or DID document change.
    Identity,
    /// An account's status change (deactivated, taken down, ...).
    Account,
}

/// A new Bluesky post, borrowing from the event's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Post<'a> {
    /// `at://<did>/app.bsky.feed.post/<rkey>`: the post's global id.
    pub uri: String,
    /// When Jetstream saw it, in microseconds since the Unix epoch: its replay cursor.
    pub time_us: i64,
    /// The record's `createdAt` in epoch milliseconds, as the client declared it; `None` when
    /// missing or unreadable.
    pub created_at_ms: Option<i64>,
    /// When it counts, in epoch milliseconds: [`event_time_ms`] of the two times above.
    pub event_ms: i64,
    pub text: Cow<'a, str>,
    /// The first of the record's `langs` (BCP 47, e.g. `en`, `en-US`).
    pub lang: Option<Cow<'a, str>>,
    /// Its hashtags as written, without `#`: the tag facets', then the `tags` field's.
    pub hashtags: Vec<Cow<'a, str>>,
}

/// A new repost: its own id and time (the post it reposts is only referenced by URI, so its
/// hashtags are not in the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repost {
    /// `at://<did>/app.bsky.feed.repost/<rkey>`: the repost's global id.
    pub uri: String,
    /// When Jetstream saw it, in microseconds since the Unix epoch.
    pub time_us: i64,
    /// When it counts, in epoch milliseconds: [`event_time_ms`] of its `createdAt` and
    /// `time_us`.
    pub event_ms: i64,
}

/// Why a message is not a Jetstream event.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("invalid Jetstream event JSON")]
    Json(#[from] serde_json::Error),
    #[error("unknown Jetstream event kind {0:?}")]
    UnknownKind(String),
    #[error("a post commit without a record")]
    NoRecord,
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    did: Cow<'a, str>,
    time_us: i64,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    commit: Option<Commit<'a>>,
}

#[derive(Deserialize)]
struct Commit<'a> {
    #[serde(borrow)]
    operation: Cow<'a, str>,
    #[serde(borrow)]
    collection: Cow<'a, str>,
    #[serde(borrow)]
    rkey: Cow<'a, str>,
    #[serde(borrow)]
    record: Option<Record<'a>>,
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    text: Cow<'a, str>,
    #[serde(borrow, rename = "createdAt")]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    langs: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    facets: Vec<Facet<'a>>,
    #[serde(borrow, default)]
    tags: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Facet<'a> {
    #[serde(borrow, default)]
    features: Vec<Feature<'a>>,
}

#[derive(Deserialize)]
struct Feature<'a> {
    #[serde(borrow, rename = "$type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    tag: Option<Cow<'a, str>>,
}

impl<'a> Event<'a> {
    /// Reads one Jetstream event.
    pub fn parse(bytes: &'a [u8]) -> Result<Event<'a>, EventError> {
        Envelope::parse(bytes).map(|envelope| envelope.event)
    }
}

impl<'a> Envelope<'a> {
    /// Reads one Jetstream event with its `time_us`.
    pub fn parse(bytes: &'a [u8]) -> Result<Envelope<'a>, EventError> {
        let wire: Wire<'a> = serde_json::from_slice(bytes)?;
        let time_us = wire.time_us;
        let event = match wire.kind.as_ref() {
            "commit" => commit_event(wire)?,
            "identity" => Event::Identity,
            "account" => Event::Account,
            other => return Err(EventError::UnknownKind(other.to_owned())),
        };
        Ok(Envelope { time_us, event })
    }
}

/// What a `commit` event is: a new post or repost (read), or something else (only named).
fn commit_event(wire: Wire<'_>) -> Result<Event<'_>, EventError> {
    let Some(commit) = wire.commit else {
        return Ok(Event::EmptyCommit);
    };
    let uri = |collection: &str| format!("at://{}/{collection}/{}", wire.did, commit.rkey);
    Ok(
        match (commit.operation.as_ref(), commit.collection.as_ref()) {
            ("create", POST) => {
                let uri = uri(POST);
                let record = commit.record.ok_or(EventError::NoRecord)?;
                Event::Post(post(uri, wire.time_us, record))
            }
            ("create", REPOST) => {
                let created_at_ms = commit.record.and_then(|r| created_at_ms(r.created_at));
                Event::Repost(Repost {
                    uri: uri(REPOST),
                    time_us: wire.time_us,
                    event_ms: event_time_ms(created_at_ms, wire.time_us),
                })
            }
            ("delete", POST) => Event::PostDeleted,
            _ => Event::OtherCommit {
                operation: commit.operation,
                collection: commit.collection,
            },
        },
    )
}

/// A record's `createdAt` in epoch milliseconds, when it has a readable one.
fn created_at_ms(created_at: Option<Cow<'_, str>>) -> Option<i64> {
    created_at.and_then(|t| timestamp::parse_created_at(&t).ok())
}

/// A post's event time: its claimed `created_at_ms`, clamped to between [`MAX_BACKDATE_MS`]
/// before the network saw it (`time_us`) and that moment; the moment itself when it claims none.
pub fn event_time_ms(created_at_ms: Option<i64>, time_us: i64) -> i64 {
    let seen_ms = time_us.div_euclid(1000);
    created_at_ms.map_or(seen_ms, |created| {
        created.clamp(seen_ms - MAX_BACKDATE_MS, seen_ms)
    })
}

fn post<'a>(uri: String, time_us: i64, record: Record<'a>) -> Post<'a> {
    let facet_tags = record
        .facets
        .into_iter()
        .flat_map(|f| f.features)
        .filter(|f| f.kind == TAG_FEATURE)
        .filter_map(|f| f.tag);
    let hashtags = facet_tags
        .chain(record.tags)
        .filter(|t| !t.is_empty())
        .collect();
    let created_at_ms = created_at_ms(record.created_at);
    Post {
        uri,
        time_us,
        created_at_ms,
        event_ms: event_time_ms(created_at_ms, time_us),
        text: record.text,
        lang: record.langs.into_iter().next(),
        hashtags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_counts_when_written_unless_that_is_unbelievable() {
        let seen_us = 1_783_175_888_085_434;
        let seen_ms = 1_783_175_888_085;
        assert_eq!(
            event_time_ms(Some(seen_ms - 60_000), seen_us),
            seen_ms - 60_000
        );
        assert_eq!(event_time_ms(None, seen_us), seen_ms, "no claim");
        assert_eq!(
            event_time_ms(Some(seen_ms + 3_600_000), seen_us),
            seen_ms,
            "ahead"
        );
        let years_ago = seen_ms - 5 * 365 * 86_400_000;
        assert_eq!(
            event_time_ms(Some(years_ago), seen_us),
            seen_ms - MAX_BACKDATE_MS,
            "an import counts when it was seen"
        );
    }
}
