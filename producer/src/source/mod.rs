//! Tweet sources: each yields records ready to publish, keeping the tweet's original bytes.

pub mod file;
pub mod synthetic;

/// One tweet ready to publish: the original JSON bytes plus the key and timestamp Kafka needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Tweet id as a decimal string; used as the Kafka message key so a tweet always lands on the
    /// same partition.
    pub key: String,
    /// The tweet's JSON exactly as the source delivered it.
    pub payload: Vec<u8>,
    /// The tweet's `created_at`, in milliseconds since the Unix epoch (the Kafka message timestamp).
    pub timestamp_ms: i64,
}

/// What a source yields: a tweet, or an input line it had to reject (not fatal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Tweet(Record),
    /// A line that is not a usable tweet; `line` is 1-based.
    Rejected {
        line: u64,
        reason: String,
    },
}

/// A source that cannot go on (unreadable file, I/O error mid-way).
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct SourceError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}
