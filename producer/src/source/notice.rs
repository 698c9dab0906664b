//! Stream notices: the messages of a stream that are not posts to count (a Twitter stream's
//! delete notices, stall warnings, limit notices, ...; Jetstream's deletions, identity and
//! account events and other records), which the producer skips and counts.
//!
//! A recorded stream keeps them between its tweets, so a replay meets them as a live stream does.
//! They are not broken input: counting them as rejected would hide real problems among routine
//! traffic. Which message is which is [`message::classify`]'s decision, shared with the live
//! sources.

use std::fmt;

use model::jetstream;

use crate::publish::resume::Position;

use super::twitter::message::{self, Api, Kind};

/// A stream message that is not a tweet, as read or generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub(crate) kind: NoticeKind,
    /// The message's bytes, for a sink that writes the stream out as it came.
    pub(crate) payload: Vec<u8>,
    /// Where it was in its input (a file's line, a Jetstream event's `time_us`), so a resume
    /// point may pass it; `None` for sources that do not resume.
    pub(crate) position: Option<Position>,
}

/// What a stream notice announces; the kinds a summary counts separately, in the order it lists
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoticeKind {
    Delete,
    StallWarning,
    Limit,
    Warning,
    ScrubGeo,
    Withheld,
    Disconnect,
    /// v2 `errors` without a tweet.
    Errors,
    /// A Bluesky handle or DID document change.
    Identity,
    /// A Bluesky account's status change.
    Account,
    /// Any other Bluesky record: likes, follows, profile changes, other lexicons.
    OtherRecord,
}

impl NoticeKind {
    /// Every kind, in declaration order.
    const ALL: [NoticeKind; 11] = [
        NoticeKind::Delete,
        NoticeKind::StallWarning,
        NoticeKind::Limit,
        NoticeKind::Warning,
        NoticeKind::ScrubGeo,
        NoticeKind::Withheld,
        NoticeKind::Disconnect,
        NoticeKind::Errors,
        NoticeKind::Identity,
        NoticeKind::Account,
        NoticeKind::OtherRecord,
    ];

    /// The notice kind of a classified message; `None` for a tweet or an unknown object.
    pub(crate) fn of(kind: &Kind) -> Option<NoticeKind> {
        Some(match kind {
            Kind::Delete => NoticeKind::Delete,
            Kind::ScrubGeo => NoticeKind::ScrubGeo,
            Kind::Limit { .. } => NoticeKind::Limit,
            Kind::StallWarning { .. } => NoticeKind::StallWarning,
            Kind::Warning { .. } => NoticeKind::Warning,
            Kind::Disconnect { .. } => NoticeKind::Disconnect,
            Kind::StatusWithheld | Kind::UserWithheld => NoticeKind::Withheld,
            Kind::Errors { .. } => NoticeKind::Errors,
            Kind::Tweet { .. } | Kind::Unknown => return None,
        })
    }

    /// The notice kind of a Jetstream event; `None` for a new post or repost (published).
    pub(crate) fn of_jetstream(event: &jetstream::Event) -> Option<NoticeKind> {
        Some(match event {
            jetstream::Event::Post(_) | jetstream::Event::Repost(_) => return None,
            jetstream::Event::PostDeleted => NoticeKind::Delete,
            jetstream::Event::OtherCommit { .. } | jetstream::Event::EmptyCommit => {
                NoticeKind::OtherRecord
            }
            jetstream::Event::Identity => NoticeKind::Identity,
            jetstream::Event::Account => NoticeKind::Account,
        })
    }

    /// How a summary names `count` of them.
    fn name(self, count: u64) -> &'static str {
        let one = count == 1;
        match self {
            NoticeKind::Delete if one => "delete",
            NoticeKind::Delete => "deletes",
            NoticeKind::ScrubGeo => "scrub_geo",
            NoticeKind::Limit if one => "limit notice",
            NoticeKind::Limit => "limit notices",
            NoticeKind::StallWarning if one => "stall warning",
            NoticeKind::StallWarning => "stall warnings",
            NoticeKind::Warning if one => "other warning",
            NoticeKind::Warning => "other warnings",
            NoticeKind::Disconnect if one => "disconnect",
            NoticeKind::Disconnect => "disconnects",
            NoticeKind::Withheld => "withheld",
            NoticeKind::Errors if one => "v2 error",
            NoticeKind::Errors => "v2 errors",
            NoticeKind::Identity if one => "identity event",
            NoticeKind::Identity => "identity events",
            NoticeKind::Account if one => "account event",
            NoticeKind::Account => "account events",
            NoticeKind::OtherRecord if one => "other record",
            NoticeKind::OtherRecord => "other records",
        }
    }
}

/// The notice kind of one input line that is not a tweet, whichever API's stream it was recorded
/// from; `None` when it is no stream message either (then it is rejected input).
pub(crate) fn classify(bytes: &[u8]) -> Option<NoticeKind> {
    // v1.1 notices are top-level keys; v2 has only `errors`, which v1.1 does not know.
    [Api::V1, Api::V2].into_iter().find_map(|api| {
        message::classify(api, bytes)
            .ok()
            .as_ref()
            .and_then(NoticeKind::of)
    })
}

/// How many notices of each kind a run met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NoticeTally {
    /// Indexed by [`NoticeKind`] (`kind as usize`).
    counts: [u64; NoticeKind::ALL.len()],
}

impl NoticeTally {
    pub(crate) fn add(&mut self, kind: NoticeKind) {
        self.counts[kind as usize] += 1;
    }

    pub(crate) fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// `12 stream notices (10 deletes, 2 stall warnings)`; the kinds that occurred, in a fixed
/// order.
impl fmt::Display for NoticeTally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        let noun = if total == 1 { "notice" } else { "notices" };
        write!(f, "{total} stream {noun}")?;
        let mut kinds = NoticeKind::ALL
            .into_iter()
            .zip(self.counts)
            .filter(|&(_, count)| count > 0)
            .peekable();
        if kinds.peek().is_none() {
            return Ok(());
        }
        f.write_str(" (")?;
        for (i, (kind, count)) in kinds.enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{count} {}", kind.name(count))?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_messages_of_either_api_are_notices_and_tweets_are_not() {
        let cases: [(&str, Option<NoticeKind>); 8] = [
            (
                r#"{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"}}}"#,
                Some(NoticeKind::Delete),
            ),
            (r#"{"limit":{"track":5}}"#, Some(NoticeKind::Limit)),
            (
                r#"{"warning":{"code":"FALLING_BEHIND","message":"m","percent_full":60}}"#,
                Some(NoticeKind::StallWarning),
            ),
            (
                r#"{"status_withheld":{"id":1,"user_id":2,"withheld_in_countries":["DE"]}}"#,
                Some(NoticeKind::Withheld),
            ),
            (
                r#"{"errors":[{"title":"operational-disconnect","detail":"d"}]}"#,
                Some(NoticeKind::Errors),
            ),
            (r#"{"id_str":"1","text":"a tweet"}"#, None),
            (r#"{"something":"else"}"#, None),
            ("{broken", None),
        ];
        for (line, want) in cases {
            assert_eq!(classify(line.as_bytes()), want, "{line}");
        }
    }

    #[test]
    fn a_tally_names_the_kinds_that_occurred() {
        let mut tally = NoticeTally::default();
        assert_eq!(tally.to_string(), "0 stream notices");
        tally.add(NoticeKind::StallWarning);
        assert_eq!(tally.to_string(), "1 stream notice (1 stall warning)");
        for _ in 0..10 {
            tally.add(NoticeKind::Delete);
        }
        tally.add(NoticeKind::StallWarning);
        assert_eq!(
            tally.to_string(),
            "12 stream notices (10 deletes, 2 stall warnings)"
        );
    }
}
