//! Tells what one message of a Twitter stream is, without deserialising it.
//!
//! The producer forwards tweets untouched and only needs to know whether a
//! line is a tweet (and its id) or a control message that the reconnect loop
//! or the logs care about. So [`classify`] reads only the top-level keys and,
//! for control messages, the few small fields it reports; every other value
//! (the bulk of a tweet) is skipped with [`IgnoredAny`], which still checks
//! that it is well-formed JSON but builds nothing. Strings are borrowed from
//! the input where possible, so classifying a tweet allocates nothing.
//!
//! Any valid JSON object classifies: a known key whose value lacks the fields
//! this module reports (a `"limit"` without a numeric `"track"`, say) makes
//! the message [`Kind::Unknown`] rather than an error, so that odd but valid
//! messages are logged rather than treated as a broken stream.

mod collect;

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess};

use collect::{array, object, present, Collect, ObjectSeed, Scalar, Shape};

/// Which streaming API a message came from.
///
/// Exists because v1.1 and v2 streams use different top-level shapes for
/// both tweets and control messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Api {
    /// The v1.1 `statuses/filter` and `statuses/sample` streams.
    V1,
    /// The v2 filtered and sampled streams.
    V2,
}

/// What one stream message is.
///
/// Exists so that the producer can forward tweets and act on, or log,
/// everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A tweet. v1: an object with `"id_str"` or `"id"` and `"text"` or
    /// `"full_text"`; v2: a `"data"` object with an `"id"`, even when
    /// partial `"errors"` come with it.
    Tweet {
        /// The tweet's id (from `"id_str"` when it parses, else `"id"`).
        id: u64,
    },
    /// v1 `"delete"`: a tweet was deleted.
    Delete,
    /// v1 `"scrub_geo"`: location data must be removed from some tweets.
    ScrubGeo,
    /// v1 `"limit"`: the filter matched more tweets than the stream may
    /// deliver.
    Limit {
        /// Number of undelivered matching tweets since the connection opened.
        track: u64,
    },
    /// v1 `"warning"` with code `FALLING_BEHIND`: the client reads too slowly
    /// and will be disconnected when the server's queue is full.
    StallWarning {
        /// How full the server-side queue for this connection is, in percent.
        percent_full: u64,
    },
    /// Any other v1 `"warning"` (or a `FALLING_BEHIND` one without a numeric
    /// `"percent_full"`).
    Warning {
        /// The warning's `"code"`.
        code: String,
    },
    /// v1 `"disconnect"`: the server is about to close the connection.
    Disconnect {
        /// The documented disconnect code (1 shutdown, 2 duplicate stream, …).
        code: u64,
        /// The human-readable reason; empty when the message has none.
        reason: String,
    },
    /// v1 `"status_withheld"`: a tweet is withheld in some countries.
    StatusWithheld,
    /// v1 `"user_withheld"`: a user is withheld in some countries.
    UserWithheld,
    /// v2 `"errors"` without a tweet: usually the stream is ending.
    Errors {
        /// Whether any error is an `operational-disconnect` (by `"title"`, or
        /// by a `"type"` URL ending in it): Twitter closed the stream for its
        /// own reasons and the client should reconnect.
        operational_disconnect: bool,
        /// `"title: detail"` of the first few errors, joined with `"; "`.
        summary: String,
    },
    /// A valid JSON object of no known kind.
    Unknown,
}

/// How loudly a message deserves to be logged.
///
/// Exists so that the policy lives next to the classification and callers
/// only map it onto their logging crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Level {
    /// Routine traffic.
    Debug,
    /// Worth noting, not a problem in itself.
    Info,
    /// Something may need attention.
    Warn,
    /// The stream is failing or about to close.
    Error,
}

impl Kind {
    /// The level at which a message of this kind should be logged.
    pub(crate) fn log_level(&self) -> Level {
        match self {
            Kind::Tweet { .. }
            | Kind::Delete
            | Kind::ScrubGeo
            | Kind::StatusWithheld
            | Kind::UserWithheld => Level::Debug,
            Kind::Limit { .. } => Level::Info,
            Kind::StallWarning { .. } | Kind::Warning { .. } | Kind::Unknown => Level::Warn,
            Kind::Disconnect { .. } | Kind::Errors { .. } => Level::Error,
        }
    }
}

/// Why a message could not be classified.
///
/// Exists so that callers can log a precise reason and count broken lines
/// separately from unknown but valid ones.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClassifyError {
    /// The message has no bytes, or only whitespace.
    #[error("message is empty")]
    Empty,
    /// The message is not valid JSON: truncated, malformed, followed by
    /// trailing data, or nested deeper than serde_json's recursion limit.
    #[error("message is not valid JSON")]
    InvalidJson(#[source] serde_json::Error),
    /// The message is valid JSON but not an object.
    #[error("message is JSON {found}, not an object")]
    NotAnObject {
        /// What it is instead, such as "an array".
        found: &'static str,
    },
}

/// Classifies the bytes of one stream message (one `Frame::Message`).
///
/// Exists so that the producer can route a message by looking only at its
/// top-level keys; see the module docs for what is and isn't read.
pub(crate) fn classify(api: Api, bytes: &[u8]) -> Result<Kind, ClassifyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ClassifyError::Empty);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let shape = ObjectSeed(Top::new(api))
        .deserialize(&mut de)
        .map_err(ClassifyError::InvalidJson)?;
    de.end().map_err(ClassifyError::InvalidJson)?;
    match shape {
        Shape::Object(top) => Ok(top.kind()),
        Shape::Array(_) => Err(ClassifyError::NotAnObject { found: "an array" }),
        Shape::Other(found) => Err(ClassifyError::NotAnObject { found }),
    }
}

// ---------------------------------------------------------------------------
// Top level

const V1_KEYS: &[&str] = &[
    "id",
    "id_str",
    "text",
    "full_text",
    "delete",
    "scrub_geo",
    "limit",
    "warning",
    "disconnect",
    "status_withheld",
    "user_withheld",
];

const V2_KEYS: &[&str] = &["data", "errors"];

/// The top-level fields that decide a message's kind.
struct Top {
    api: Api,
    id: Option<u64>,
    id_str: Option<u64>,
    has_text: bool,
    delete: bool,
    scrub_geo: bool,
    status_withheld: bool,
    user_withheld: bool,
    limit: Option<LimitFields>,
    warning: Option<WarningFields>,
    disconnect: Option<DisconnectFields>,
    data: Option<DataFields>,
    errors: Option<ErrorList>,
}

impl Top {
    fn new(api: Api) -> Self {
        Self {
            api,
            id: None,
            id_str: None,
            has_text: false,
            delete: false,
            scrub_geo: false,
            status_withheld: false,
            user_withheld: false,
            limit: None,
            warning: None,
            disconnect: None,
            data: None,
            errors: None,
        }
    }

    fn kind(self) -> Kind {
        match self.api {
            Api::V1 => self.v1_kind(),
            Api::V2 => self.v2_kind(),
        }
    }

    fn v1_kind(self) -> Kind {
        if let (Some(id), true) = (self.id_str.or(self.id), self.has_text) {
            return Kind::Tweet { id };
        }
        if self.delete {
            return Kind::Delete;
        }
        if self.scrub_geo {
            return Kind::ScrubGeo;
        }
        if let Some(LimitFields { track: Some(track) }) = self.limit {
            return Kind::Limit { track };
        }
        if self.status_withheld {
            return Kind::StatusWithheld;
        }
        if self.user_withheld {
            return Kind::UserWithheld;
        }
        if let Some(DisconnectFields {
            code: Some(code),
            reason,
        }) = self.disconnect
        {
            let reason = reason.unwrap_or_default();
            return Kind::Disconnect { code, reason };
        }
        if let Some(WarningFields {
            code: Some(code),
            percent_full,
        }) = self.warning
        {
            return match percent_full {
                Some(percent_full) if code == "FALLING_BEHIND" => {
                    Kind::StallWarning { percent_full }
                }
                _ => Kind::Warning { code },
            };
        }
        Kind::Unknown
    }

    fn v2_kind(self) -> Kind {
        if let Some(DataFields { id: Some(id) }) = self.data {
            return Kind::Tweet { id };
        }
        match self.errors {
            Some(errors) if errors.count > 0 => Kind::Errors {
                operational_disconnect: errors.operational_disconnect,
                summary: errors.summary,
            },
            _ => Kind::Unknown,
        }
    }
}

impl<'de> Collect<'de> for Top {
    fn keys(&self) -> &'static [&'static str] {
        match self.api {
            Api::V1 => V1_KEYS,
            Api::V2 => V2_KEYS,
        }
    }

    fn field<A: MapAccess<'de>>(&mut self, key: &'static str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "id" => self.id = map.next_value::<Scalar<'de>>()?.into_u64(),
            "id_str" => self.id_str = map.next_value::<Scalar<'de>>()?.into_u64(),
            "text" | "full_text" => self.has_text = present(map)?,
            "delete" => self.delete = present(map)?,
            "scrub_geo" => self.scrub_geo = present(map)?,
            "status_withheld" => self.status_withheld = present(map)?,
            "user_withheld" => self.user_withheld = present(map)?,
            "limit" => self.limit = object(map)?,
            "warning" => self.warning = object(map)?,
            "disconnect" => self.disconnect = object(map)?,
            "data" => self.data = object(map)?,
            "errors" => self.errors = array(map)?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Nested objects

/// v1 `"limit"`.
#[derive(Default)]
struct LimitFields {
    track: Option<u64>,
}

impl<'de> Collect<'de> for LimitFields {
    fn keys(&self) -> &'static [&'static str] {
        &["track"]
    }

    fn field<A: MapAccess<'de>>(
        &mut self,
        _key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        self.track = map.next_value::<Scalar<'de>>()?.into_u64();
        Ok(())
    }
}

/// v1 `"warning"`.
#[derive(Default)]
struct WarningFields {
    code: Option<String>,
    percent_full: Option<u64>,
}

impl<'de> Collect<'de> for WarningFields {
    fn keys(&self) -> &'static [&'static str] {
        &["code", "percent_full"]
    }

    fn field<A: MapAccess<'de>>(&mut self, key: &'static str, map: &mut A) -> Result<(), A::Error> {
        let value = map.next_value::<Scalar<'de>>()?;
        if key == "code" {
            self.code = value.into_str().map(Cow::into_owned);
        } else {
            self.percent_full = value.into_u64();
        }
        Ok(())
    }
}

/// v1 `"disconnect"`.
#[derive(Default)]
struct DisconnectFields {
    code: Option<u64>,
    reason: Option<String>,
}

impl<'de> Collect<'de> for DisconnectFields {
    fn keys(&self) -> &'static [&'static str] {
        &["code", "reason"]
    }

    fn field<A: MapAccess<'de>>(&mut self, key: &'static str, map: &mut A) -> Result<(), A::Error> {
        let value = map.next_value::<Scalar<'de>>()?;
        if key == "code" {
            self.code = value.into_u64();
        } else {
            self.reason = value.into_str().map(Cow::into_owned);
        }
        Ok(())
    }
}

/// v2 `"data"`.
#[derive(Default)]
struct DataFields {
    id: Option<u64>,
}

impl<'de> Collect<'de> for DataFields {
    fn keys(&self) -> &'static [&'static str] {
        &["id"]
    }

    fn field<A: MapAccess<'de>>(
        &mut self,
        _key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        self.id = map.next_value::<Scalar<'de>>()?.into_u64();
        Ok(())
    }
}

/// How many errors a v2 summary describes before counting the rest.
const SUMMARISED_ERRORS: usize = 3;

/// v2 `"errors"`, folded into a summary as its elements are read.
#[derive(Default)]
struct ErrorList {
    /// Elements that were objects.
    count: usize,
    operational_disconnect: bool,
    summary: String,
}

impl ErrorList {
    fn add(&mut self, error: ErrorFields<'_>) {
        const OPERATIONAL: &str = "operational-disconnect";
        let title = error.title.as_deref();
        let kind = error.kind.as_deref();
        if title == Some(OPERATIONAL) || kind.is_some_and(|t| t.ends_with(OPERATIONAL)) {
            self.operational_disconnect = true;
        }
        self.count += 1;
        if self.count > SUMMARISED_ERRORS {
            return;
        }
        if self.count > 1 {
            self.summary.push_str("; ");
        }
        match (title, error.detail.as_deref()) {
            (Some(title), Some(detail)) => {
                self.summary.push_str(title);
                self.summary.push_str(": ");
                self.summary.push_str(detail);
            }
            (Some(text), None) | (None, Some(text)) => self.summary.push_str(text),
            (None, None) => self.summary.push_str(kind.unwrap_or("untitled error")),
        }
    }

    fn finish(&mut self) {
        if self.count > SUMMARISED_ERRORS {
            let more = self.count - SUMMARISED_ERRORS;
            // Writing to a String cannot fail.
            let _ = write!(self.summary, " (and {more} more)");
        }
    }
}

impl<'de> Collect<'de> for ErrorList {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        match seq.next_element_seed(ObjectSeed(ErrorFields::default()))? {
            None => {
                self.finish();
                Ok(false)
            }
            Some(Shape::Object(error)) => {
                self.add(error);
                Ok(true)
            }
            Some(_) => Ok(true),
        }
    }
}

/// One element of v2 `"errors"`.
#[derive(Default)]
struct ErrorFields<'de> {
    title: Option<Cow<'de, str>>,
    detail: Option<Cow<'de, str>>,
    /// The `"type"` URL.
    kind: Option<Cow<'de, str>>,
}

impl<'de> Collect<'de> for ErrorFields<'de> {
    fn keys(&self) -> &'static [&'static str] {
        &["title", "detail", "type"]
    }

    fn field<A: MapAccess<'de>>(&mut self, key: &'static str, map: &mut A) -> Result<(), A::Error> {
        let value = map.next_value::<Scalar<'de>>()?.into_str();
        match key {
            "title" => self.title = value,
            "detail" => self.detail = value,
            _ => self.kind = value,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
