//! Tweet sources: each yields records ready to publish, keeping the tweet's original bytes.

pub(crate) mod bluesky;
pub(crate) mod file;
pub(crate) mod live;
pub(crate) mod mastodon;
pub(crate) mod notice;
pub(crate) mod synthetic;
pub(crate) mod twitter;

use model::post::{Post, PostError};

use crate::publish::resume::Position;
use notice::Notice;
use twitter::client::RunError;

/// One tweet ready to publish: the original JSON bytes, the key Kafka needs, and its event time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Tweet id as a decimal string; used as the Kafka message key so a tweet always lands on the
    /// same partition.
    pub(crate) key: String,
    /// The tweet's JSON exactly as the source delivered it.
    pub(crate) payload: Vec<u8>,
    /// Its event time (a tweet's `created_at`), in milliseconds since the Unix epoch: what a
    /// replay is paced by, and the Kafka timestamp only where [`crate::sink::Stamp`] says.
    pub(crate) timestamp_ms: i64,
    /// Where it came from in its input (a file's line, a Jetstream event's `time_us`), for
    /// resuming there; `None` for sources that do not resume.
    pub(crate) position: Option<Position>,
}

impl Record {
    /// The record for one post of any source (a tweet, a Jetstream post event, a Mastodon
    /// status): keyed by its id (a tweet's number, a post's URI), stamped with its event time,
    /// or with `fallback_timestamp_ms` when it has none.
    pub(crate) fn from_post_json(
        payload: Vec<u8>,
        fallback_timestamp_ms: i64,
    ) -> Result<Record, PostError> {
        let post = Post::parse_for_counting(&payload)?;
        let key = post.id.to_string();
        let timestamp_ms = post.created_at_ms.unwrap_or(fallback_timestamp_ms);
        Ok(Record {
            key,
            payload,
            timestamp_ms,
            position: None,
        })
    }
}

/// What a source yields: a tweet, a stream notice, or an input line it had to reject (not
/// fatal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    Tweet(Record),
    /// A stream message that is not a tweet: skipped and counted, never published.
    Notice(Notice),
    /// A line that is not a usable tweet; `line` is 1-based.
    Rejected {
        line: u64,
        reason: String,
    },
}

impl Event {
    /// The same event, found at `position` of its input: a replayed archive's line rather than
    /// the live stream's cursor.
    pub(crate) fn at(self, position: Option<Position>) -> Event {
        match self {
            Event::Tweet(record) => Event::Tweet(Record { position, ..record }),
            Event::Notice(notice) => Event::Notice(Notice { position, ..notice }),
            rejected @ Event::Rejected { .. } => rejected,
        }
    }
}

/// A source that cannot go on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SourceError {
    /// Unreadable file, or an I/O error mid-way.
    #[error("cannot read {path}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Missing or rejected API credentials (never includes the secrets themselves).
    #[error("{0}")]
    Credentials(String),
    /// A source setting that cannot work.
    #[error("{0}")]
    Config(String),
    /// `synthetic.start` is not an RFC 3339 time.
    #[error("synthetic.start")]
    SyntheticStart(#[source] chrono::ParseError),
    /// The stream cannot be set up.
    #[error(transparent)]
    Stream(RunError),
    /// A live source's HTTP client could not be set up (e.g. its TLS backend).
    #[error("cannot create the HTTP client")]
    HttpClient(#[source] reqwest::Error),
    /// A live source's reading thread could not start its async runtime.
    #[error("cannot start the stream's runtime")]
    Runtime(#[source] std::io::Error),
}

/// docs/src/operations.md, "Exit codes".
impl common::exit::ExitReason for SourceError {
    fn exit_code(&self) -> i32 {
        match self {
            SourceError::File { .. } | SourceError::Config(_) | SourceError::SyntheticStart(_) => {
                common::exit::USAGE
            }
            SourceError::Credentials(_) => common::exit::CREDENTIALS,
            SourceError::Stream(_) | SourceError::HttpClient(_) | SourceError::Runtime(_) => {
                common::exit::FAILURE
            }
        }
    }
}
