//! Why a message is not a usable tweet, said on one line whatever the input: these errors go
//! into logs and dead-letter headers as they are.

use std::borrow::Cow;
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_path_to_error::Segment;

use crate::snippet;
use crate::timestamp::TimestampError;

/// Why a message is not a usable tweet. The message and its causes (`source`), joined by
/// `": "`, name what was wrong on one line of at most a few hundred characters, whatever the
/// input, because they go into logs and dead-letter headers as they are.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Nothing but whitespace: an empty Kafka message or a blank line.
    #[error("invalid tweet JSON: empty message")]
    Empty,
    /// Not JSON, truncated JSON, or a field of the wrong type.
    #[error("invalid tweet JSON")]
    Json(#[source] JsonError),
    /// Valid JSON that is not a tweet (a delete notice, a rate-limit message, an array, ...).
    #[error("not a tweet")]
    NotATweet(#[source] NotATweet),
    /// An id that is not a decimal integer (quoted, cut when long).
    #[error("invalid tweet id {0}")]
    BadId(String),
    /// A `created_at` in neither API's format.
    #[error(transparent)]
    BadCreatedAt(#[from] TimestampError),
}

/// serde_json's error for a message, with where in the object it went wrong, on one line: the
/// message quotes the input, which can hold anything. It stands for serde_json's error (its
/// cause is serde_json's), so the two are not both in a chain of causes.
#[derive(Debug)]
pub struct JsonError {
    /// Where in the object it went wrong (`data.id`, `entities.hashtags[2].text`); empty at the
    /// top level.
    path: String,
    /// serde_json's own error, with the line and column.
    error: serde_json::Error,
}

impl JsonError {
    /// Where in the object it went wrong (`data.id`, `entities.hashtags[2].text`); empty at the
    /// top level.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// serde_json's own error.
    pub fn get_ref(&self) -> &serde_json::Error {
        &self.error
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&json_message(&self.path, &self.error))
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

/// What a valid JSON message that is not a tweet is instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotATweet {
    /// The message is an array, string, number, boolean or null (the name of which).
    #[error("a JSON {0}, not an object")]
    NotAnObject(&'static str),
    /// An object with neither: a stream control message (`delete`, `limit`, v2 `errors`, ...)
    /// or something else entirely; `keys` names its first few keys, as found in the message.
    #[error("an object with no id and no text (keys: {keys})")]
    NoIdNoText { keys: String },
    /// Text without an id: nothing to key or de-duplicate it by.
    #[error("an object with text but no id")]
    NoId,
    /// An id without text: nothing to take hashtags from.
    #[error("an object with an id but no text")]
    NoText,
}

/// The error for a message serde_json rejected. Only failed messages come here, so it can
/// afford a second look: whether the message is empty or not an object at all, and otherwise,
/// by parsing it again while tracking the path, which field was wrong.
#[cold]
#[inline(never)]
pub(super) fn explain<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    error: serde_json::Error,
) -> ParseError {
    let Some(&first) = bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    else {
        return ParseError::Empty;
    };
    if error.is_data() {
        let kind = match first {
            b'[' => Some("array"),
            b'"' => Some("string"),
            b'-' | b'0'..=b'9' => Some("number"),
            b't' | b'f' => Some("boolean"),
            b'n' => Some("null"),
            _ => None,
        };
        if let Some(kind) = kind {
            return ParseError::NotATweet(NotATweet::NotAnObject(kind));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let path = serde_path_to_error::deserialize::<_, T>(&mut deserializer)
        .err()
        .map_or_else(String::new, |tracked| field_path(tracked.path()));
    ParseError::Json(JsonError { path, error })
}

/// `data.entities.hashtags[2]`: the known part of the path (serde_path_to_error writes `?` where
/// the parser was between keys).
fn field_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key: name } | Segment::Enum { variant: name } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Unknown => break,
        }
    }
    out
}

fn json_message(path: &str, error: &serde_json::Error) -> String {
    if path.is_empty() {
        snippet::one_line(&error.to_string())
    } else {
        snippet::one_line(&format!("{path}: {error}"))
    }
}

/// The first few keys of an object that turned out not to be a tweet, quoted, for its error
/// message (`"delete"`, `"limit"`, ...).
#[cold]
#[inline(never)]
pub(super) fn object_keys(bytes: &[u8]) -> String {
    match serde_json::from_slice::<Keys>(bytes) {
        Ok(Keys { total: 0, .. }) => "none".to_owned(),
        Ok(Keys { mut first, total }) => {
            if total > first.len() {
                first.push(format!("and {} more", total - first.len()));
            }
            first.join(", ")
        }
        Err(_) => "unreadable".to_owned(),
    }
}

/// An object's first [`Keys::SHOWN`] keys, quoted, and how many keys it has.
struct Keys {
    first: Vec<String>,
    total: usize,
}

impl Keys {
    const SHOWN: usize = 3;
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Keys {
                    first: Vec::new(),
                    total: 0,
                };
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    map.next_value::<IgnoredAny>()?;
                    if keys.total < Keys::SHOWN {
                        keys.first.push(snippet::quoted(&key));
                    }
                    keys.total += 1;
                }
                Ok(keys)
            }
        }
        deserializer.deserialize_map(KeysVisitor)
    }
}
