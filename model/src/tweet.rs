//! The tweet model shared by producer and consumer, parsed from either API shape.
//!
//! v1.1 tweets are flat objects (`created_at`, `id_str`, `text`, `entities`, `user`, ...);
//! v2 tweets arrive as `{"data": {...}, "includes": {...}}`. Parsing borrows strings from the
//! message bytes wherever JSON escapes allow, and skips every field the pipeline does not use.
//! The author, place and coordinates are kept as raw JSON and decoded only when asked for: the
//! hot path (counting hashtags at firehose rates) never needs them, and descending into the
//! user object costs more than the rest of the tweet.

use std::borrow::Cow;
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_path_to_error::Segment;

use crate::hashtag;
use crate::json_scan;
use crate::snippet;
use crate::timestamp::{self, TimestampError};

/// Why a message is not a usable tweet. The message names what was wrong on one line of at most
/// a few hundred characters, whatever the input, because it goes into logs and dead-letter
/// headers as it is.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Nothing but whitespace: an empty Kafka message or a blank line.
    #[error("invalid tweet JSON: empty message")]
    Empty,
    /// Not JSON, truncated JSON, or a field of the wrong type.
    #[error("invalid tweet JSON: {}", json_message(path, source))]
    Json {
        /// Where in the object it went wrong (`data.id`, `entities.hashtags[2].text`); empty
        /// at the top level.
        path: String,
        /// serde_json's own error, with the line and column.
        source: serde_json::Error,
    },
    /// Valid JSON that is not a tweet (a delete notice, a rate-limit message, an array, ...).
    #[error("not a tweet: {0}")]
    NotATweet(NotATweet),
    /// An id that is not a decimal integer (quoted, cut when long).
    #[error("invalid tweet id {0}")]
    BadId(String),
    /// A `created_at` in neither API's format.
    #[error(transparent)]
    BadCreatedAt(#[from] TimestampError),
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

/// Which API shape a tweet arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    V1,
    V2,
}

/// A tweet reduced to what trend analytics needs, borrowing from the message bytes.
#[derive(Debug, Clone)]
pub struct Tweet<'a> {
    pub shape: Shape,
    pub id: u64,
    /// Event time in epoch milliseconds; `None` when the message carries no `created_at` (a v2
    /// stream without `tweet.fields=created_at`), in which case callers fall back to the Kafka
    /// message timestamp.
    pub created_at_ms: Option<i64>,
    /// The full text: `extended_tweet.full_text` / `note_tweet.text` when the tweet is long.
    pub text: Cow<'a, str>,
    /// Hashtags from the API's entities, if it sent entities; otherwise extracted from `text`.
    entity_hashtags: Option<Vec<Cow<'a, str>>>,
    pub lang: Option<Cow<'a, str>>,
    pub is_retweet: bool,
    /// Author, place and coordinates, still as JSON.
    lazy: Lazy<'a>,
}

/// The parts of a tweet decoded on demand.
#[derive(Debug, Clone)]
enum Lazy<'a> {
    V1 {
        user: Option<&'a RawValue>,
        place: Option<&'a RawValue>,
        coordinates: Option<&'a RawValue>,
    },
    V2 {
        author_id: Option<Cow<'a, str>>,
        place_id: Option<Cow<'a, str>>,
        coordinates: Option<[f64; 2]>,
        includes: Option<&'a RawValue>,
    },
}

/// The tweet's author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User<'a> {
    pub id: Cow<'a, str>,
    pub screen_name: Option<Cow<'a, str>>,
}

/// A named place the tweet is tagged with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place<'a> {
    pub full_name: Option<Cow<'a, str>>,
    pub country_code: Option<Cow<'a, str>>,
}

impl<'a> Tweet<'a> {
    /// Parses one message in either shape.
    pub fn parse(bytes: &'a [u8]) -> Result<Tweet<'a>, ParseError> {
        Self::parse_keeping::<&'a RawValue>(bytes)
    }

    /// Parses only what counting hashtags needs: the author's screen name, the place and v1.1
    /// coordinates are not available from the result.
    /// Skipping those objects without keeping them is the consumer's hot path: it spares
    /// validating the user object's text, a third of the parsing work.
    ///
    /// Most messages take [`lean_wire`]'s fast path; the rest, serde_json's, which decides
    /// every message the fast path is unsure of (and explains the errors).
    pub fn parse_for_counting(bytes: &'a [u8]) -> Result<Tweet<'a>, ParseError> {
        match lean_wire(bytes) {
            Some(wire) => from_wire(wire, bytes),
            None => Self::parse_keeping::<IgnoredAny>(bytes),
        }
    }

    fn parse_keeping<X: Kept<'a>>(bytes: &'a [u8]) -> Result<Tweet<'a>, ParseError> {
        match serde_json::from_slice::<Wire<'a, X>>(bytes) {
            Ok(wire) => from_wire(wire, bytes),
            Err(error) => Err(explain::<Wire<'a, X>>(bytes, error)),
        }
    }

    /// The author; `None` when the tweet names none or its user object is malformed.
    pub fn user(&self) -> Option<User<'a>> {
        match &self.lazy {
            Lazy::V1 { user, .. } => {
                let u: V1User<'a> = serde_json::from_str(user.as_ref()?.get()).ok()?;
                let id = cow(u.id_str).or_else(|| u.id.map(|id| Cow::Owned(id.to_string())))?;
                Some(User {
                    id,
                    screen_name: cow(u.screen_name),
                })
            }
            Lazy::V2 {
                author_id,
                includes,
                ..
            } => {
                let author = author_id.clone()?;
                let screen_name = v2_includes(*includes).and_then(|i| {
                    i.users
                        .into_iter()
                        .find(|u| u.id == author)
                        .and_then(|u| cow(u.username))
                });
                Some(User {
                    id: author,
                    screen_name,
                })
            }
        }
    }

    /// The named place the tweet is tagged with, if any.
    pub fn place(&self) -> Option<Place<'a>> {
        match &self.lazy {
            Lazy::V1 { place, .. } => serde_json::from_str::<WirePlace<'a>>(place.as_ref()?.get())
                .ok()
                .map(Place::from),
            Lazy::V2 {
                place_id, includes, ..
            } => {
                let pid = place_id.as_ref()?;
                v2_includes(*includes)?
                    .places
                    .into_iter()
                    .find(|p| p.id.as_ref().is_some_and(|id| id.0 == *pid))
                    .map(Place::from)
            }
        }
    }

    /// `[longitude, latitude]`, GeoJSON order.
    pub fn coordinates(&self) -> Option<[f64; 2]> {
        match &self.lazy {
            Lazy::V1 { coordinates, .. } => {
                serde_json::from_str::<Point>(coordinates.as_ref()?.get())
                    .ok()
                    .map(|p| p.coordinates)
            }
            Lazy::V2 { coordinates, .. } => *coordinates,
        }
    }

    /// The tweet's hashtags as written (not yet case-folded); never empty strings.
    pub fn hashtags(&self) -> impl Iterator<Item = &str> + '_ {
        let (entities, extracted) = match &self.entity_hashtags {
            Some(tags) => (Some(tags.iter().map(|t| t.as_ref())), None),
            None => (None, Some(hashtag::extract(&self.text))),
        };
        entities
            .into_iter()
            .flatten()
            .chain(extracted.into_iter().flatten())
    }
}

/// A JSON string borrowed from the message when it has no escapes. (serde only borrows a
/// `Cow` that is a field's whole type, not one inside an `Option`; this newtype is that field.)
#[derive(Deserialize)]
#[serde(transparent)]
struct Str<'a>(#[serde(borrow)] Cow<'a, str>);

fn cow(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0)
}

/// How the author, place and coordinates objects are read: kept as raw JSON for later, or
/// skipped.
trait Kept<'a>: Deserialize<'a> {
    fn raw(self) -> Option<&'a RawValue>;
}

impl<'a> Kept<'a> for &'a RawValue {
    fn raw(self) -> Option<&'a RawValue> {
        Some(self)
    }
}

impl<'a> Kept<'a> for IgnoredAny {
    fn raw(self) -> Option<&'a RawValue> {
        None
    }
}

/// Both shapes in one struct: v2 puts the tweet under `data`, v1.1 at the top level.
#[derive(Deserialize, Default)]
#[serde(bound = "X: Kept<'de>")]
struct Wire<'a, X> {
    #[serde(borrow)]
    data: Option<V2Data<'a>>,
    includes: Option<X>,
    #[serde(borrow)]
    id_str: Option<Str<'a>>,
    id: Option<u64>,
    #[serde(borrow)]
    created_at: Option<Str<'a>>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    full_text: Option<Str<'a>>,
    #[serde(borrow)]
    extended_tweet: Option<Extended<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow)]
    lang: Option<Str<'a>>,
    user: Option<X>,
    place: Option<X>,
    coordinates: Option<X>,
    retweeted_status: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Extended<'a> {
    #[serde(borrow)]
    full_text: Option<Str<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
}

#[derive(Deserialize)]
struct Entities<'a> {
    #[serde(borrow, default)]
    hashtags: Vec<HashtagEntity<'a>>,
}

#[derive(Deserialize)]
struct HashtagEntity<'a> {
    /// v1.1 calls it `text`, v2 calls it `tag`.
    #[serde(borrow, alias = "tag")]
    text: Cow<'a, str>,
}

#[derive(Deserialize)]
struct V1User<'a> {
    #[serde(borrow)]
    id_str: Option<Str<'a>>,
    id: Option<u64>,
    #[serde(borrow)]
    screen_name: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct WirePlace<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    full_name: Option<Str<'a>>,
    #[serde(borrow)]
    country_code: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Point {
    coordinates: [f64; 2],
}

#[derive(Deserialize)]
struct V2Data<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    created_at: Option<Str<'a>>,
    #[serde(borrow)]
    author_id: Option<Str<'a>>,
    #[serde(borrow)]
    lang: Option<Str<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow)]
    note_tweet: Option<NoteTweet<'a>>,
    #[serde(borrow)]
    geo: Option<V2Geo<'a>>,
    #[serde(borrow, default)]
    referenced_tweets: Vec<Reference<'a>>,
}

#[derive(Deserialize)]
struct NoteTweet<'a> {
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
}

#[derive(Deserialize)]
struct V2Geo<'a> {
    #[serde(borrow)]
    place_id: Option<Str<'a>>,
    coordinates: Option<Point>,
}

#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
}

#[derive(Deserialize)]
struct V2Includes<'a> {
    #[serde(borrow, default)]
    users: Vec<V2User<'a>>,
    #[serde(borrow, default)]
    places: Vec<WirePlace<'a>>,
}

#[derive(Deserialize)]
struct V2User<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    username: Option<Str<'a>>,
}

fn v2_includes(raw: Option<&RawValue>) -> Option<V2Includes<'_>> {
    serde_json::from_str(raw?.get()).ok()
}

/// A message read into [`Wire`] as a tweet of whichever shape it has.
fn from_wire<'a, X: Kept<'a>>(
    mut wire: Wire<'a, X>,
    bytes: &[u8],
) -> Result<Tweet<'a>, ParseError> {
    match wire.data.take() {
        Some(data) => from_v2(data, wire.includes.and_then(Kept::raw)),
        None => from_v1(wire, bytes),
    }
}

/// The fast path of [`Tweet::parse_for_counting`]: the message walked with [`json_scan`], the
/// fields the pipeline uses read on the way (strings without escapes borrowed directly, the
/// rare v2 `data` and `extended_tweet` by serde_json from their own bytes) and all others
/// skipped. It gives what `serde_json::from_slice::<Wire<IgnoredAny>>` gives, or `None`: for
/// anything serde_json rejects, and for anything unusual (an escaped key, a struct written as
/// an array, deep nesting in a skipped value), which serde_json then decides.
fn lean_wire(bytes: &[u8]) -> Option<Wire<'_, IgnoredAny>> {
    let mut wire = Wire::default();
    let mut seen = Seen::default();
    let start = json_scan::skip_whitespace(bytes, 0);
    let end = json_scan::object_end(bytes, start, |key, at| match key {
        b"data" => seen.put(0, &mut wire.data, decoded(bytes, at)?),
        b"includes" => seen.put(1, &mut wire.includes, present(bytes, at)?),
        b"id_str" => seen.put(2, &mut wire.id_str, string(bytes, at)?),
        b"id" => seen.put(3, &mut wire.id, id_number(bytes, at)?),
        b"created_at" => seen.put(4, &mut wire.created_at, string(bytes, at)?),
        b"text" => seen.put(5, &mut wire.text, string(bytes, at)?),
        b"full_text" => seen.put(6, &mut wire.full_text, string(bytes, at)?),
        b"extended_tweet" => seen.put(7, &mut wire.extended_tweet, decoded(bytes, at)?),
        b"entities" => seen.put(8, &mut wire.entities, entities(bytes, at)?),
        b"lang" => seen.put(9, &mut wire.lang, string(bytes, at)?),
        b"user" => seen.put(10, &mut wire.user, present(bytes, at)?),
        b"place" => seen.put(11, &mut wire.place, present(bytes, at)?),
        b"coordinates" => seen.put(12, &mut wire.coordinates, present(bytes, at)?),
        b"retweeted_status" => seen.put(13, &mut wire.retweeted_status, present(bytes, at)?),
        _ => json_scan::value_end(bytes, at),
    })?;
    (json_scan::skip_whitespace(bytes, end) == bytes.len()).then_some(wire)
}

/// The fields of a struct the fast path has read, one bit each: serde rejects a field given
/// twice (even once as null), and so must the fast path.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// Stores a field's value read from the message and gives where it ends; `None` if the
    /// field was already given.
    #[inline(always)]
    fn put<T>(&mut self, bit: u32, field: &mut T, (value, end): (T, usize)) -> Option<usize> {
        if self.0 & 1 << bit != 0 {
            return None;
        }
        self.0 |= 1 << bit;
        *field = value;
        Some(end)
    }
}

/// The value at `at` decoded by serde_json from its own bytes, as it would be inside the
/// message, and where it ends.
fn decoded<'a, T: Deserialize<'a>>(bytes: &'a [u8], at: usize) -> Option<(T, usize)> {
    let end = json_scan::value_end(bytes, at)?;
    Some((serde_json::from_slice(&bytes[at..end]).ok()?, end))
}

/// `null` as `None`, anything else through `read`, as serde reads an `Option`.
fn nullable<T>(
    bytes: &[u8],
    at: usize,
    read: impl FnOnce() -> Option<(T, usize)>,
) -> Option<(Option<T>, usize)> {
    match bytes.get(at..at + 4) {
        Some(b"null") => Some((None, at + 4)),
        _ => read().map(|(value, end)| (Some(value), end)),
    }
}

/// A string field (or null), borrowed straight from the message when it has no escapes.
fn string(bytes: &[u8], at: usize) -> Option<(Option<Str<'_>>, usize)> {
    nullable(bytes, at, || {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        match json_scan::string_end(bytes, at)? {
            (end, false) => Some((Str(Cow::Borrowed(utf8(&bytes[at + 1..end - 1])?)), end)),
            (end, true) => Some((serde_json::from_slice(&bytes[at..end]).ok()?, end)),
        }
    })
}

/// `raw` as text if it is UTF-8. Short ASCII strings (ids, dates, language codes, most
/// hashtags) are checked a word at a time, which costs a fraction of a UTF-8 validator's
/// set-up; the rest (the text) go through simdutf8, which checks 32 bytes at a time.
fn utf8(raw: &[u8]) -> Option<&str> {
    const SHORT: usize = 64;
    if raw.len() < SHORT && raw.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(raw) })
    } else {
        simdutf8::basic::from_utf8(raw).ok()
    }
}

/// A v1.1 numeric `id` (or null) as serde_json reads a `u64`: digits without a leading zero
/// that fit. A sign, fraction or exponent (which serde_json rejects or reads as a float) stops
/// the digits, and the object walk then rejects what follows.
fn id_number(bytes: &[u8], at: usize) -> Option<(Option<u64>, usize)> {
    nullable(bytes, at, || {
        // Digits are read as they are found; nineteen always fit a u64 (2^64 is about 1.8e19),
        // so only a longer number needs overflow checks.
        let mut id = 0u64;
        let mut end = at;
        while let Some(&digit @ b'0'..=b'9') = bytes.get(end) {
            if end - at >= 19 {
                id = id.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
            } else {
                id = id * 10 + u64::from(digit - b'0');
            }
            end += 1;
        }
        let digits = end - at;
        if digits == 0 || (digits > 1 && bytes[at] == b'0') {
            return None;
        }
        Some((id, end))
    })
}

/// An object skipped apart from whether it is there (not null).
fn present(bytes: &[u8], at: usize) -> Option<(Option<IgnoredAny>, usize)> {
    nullable(bytes, at, || {
        Some((IgnoredAny, json_scan::value_end(bytes, at)?))
    })
}

/// `entities` (or null) as [`Entities`] reads it: only the `hashtags` list is kept.
fn entities(bytes: &[u8], at: usize) -> Option<(Option<Entities<'_>>, usize)> {
    nullable(bytes, at, || {
        let mut hashtags = None;
        let end = json_scan::object_end(bytes, at, |key, at| match key {
            b"hashtags" if hashtags.is_none() => {
                let mut tags = Vec::new();
                let end = json_scan::array_end(bytes, at, |at| {
                    let (tag, end) = hashtag_entity(bytes, at)?;
                    tags.push(tag);
                    Some(end)
                })?;
                hashtags = Some(tags);
                Some(end)
            }
            b"hashtags" => None,
            _ => json_scan::value_end(bytes, at),
        })?;
        let hashtags = hashtags.unwrap_or_default();
        Some((Entities { hashtags }, end))
    })
}

/// One hashtag entity: its `text` (v1.1) or `tag` (v2), required, given once.
fn hashtag_entity(bytes: &[u8], at: usize) -> Option<(HashtagEntity<'_>, usize)> {
    let mut text = None;
    let end = json_scan::object_end(bytes, at, |key, at| match key {
        b"text" | b"tag" if text.is_none() => {
            let (tag, end) = string(bytes, at)?;
            text = Some(tag?.0);
            Some(end)
        }
        b"text" | b"tag" => None,
        _ => json_scan::value_end(bytes, at),
    })?;
    Some((HashtagEntity { text: text? }, end))
}

/// The error for a message serde_json rejected. Only failed messages come here, so it can
/// afford a second look: whether the message is empty or not an object at all, and otherwise,
/// by parsing it again while tracking the path, which field was wrong.
#[cold]
#[inline(never)]
fn explain<'a, T: Deserialize<'a>>(bytes: &'a [u8], error: serde_json::Error) -> ParseError {
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
    ParseError::Json {
        path,
        source: error,
    }
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
fn object_keys(bytes: &[u8]) -> String {
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

fn parse_id(text: &str) -> Result<u64, ParseError> {
    text.parse()
        .map_err(|_| ParseError::BadId(snippet::quoted(text)))
}

fn created_at(text: Option<Str<'_>>) -> Result<Option<i64>, ParseError> {
    Ok(text
        .map(|t| timestamp::parse_created_at(&t.0))
        .transpose()?)
}

/// The entities' hashtags, without empty ones: Twitter never sends those, and counting one would
/// make a trend named `#`.
fn tags(entities: Option<Entities<'_>>) -> Option<Vec<Cow<'_, str>>> {
    entities.map(|e| {
        e.hashtags
            .into_iter()
            .map(|h| h.text)
            .filter(|t| !t.is_empty())
            .collect()
    })
}

impl<'a> From<WirePlace<'a>> for Place<'a> {
    fn from(p: WirePlace<'a>) -> Self {
        Place {
            full_name: cow(p.full_name),
            country_code: cow(p.country_code),
        }
    }
}

/// `bytes` is the whole message, to name its keys when it is not a tweet.
fn from_v1<'a, X: Kept<'a>>(v1: Wire<'a, X>, bytes: &[u8]) -> Result<Tweet<'a>, ParseError> {
    let id = match (&v1.id_str, v1.id) {
        (Some(s), _) => parse_id(&s.0)?,
        (None, Some(id)) => id,
        (None, None) if v1.text.is_some() || v1.full_text.is_some() => {
            return Err(ParseError::NotATweet(NotATweet::NoId))
        }
        (None, None) => {
            return Err(ParseError::NotATweet(NotATweet::NoIdNoText {
                keys: object_keys(bytes),
            }))
        }
    };
    let (text, entities) = match v1.extended_tweet {
        Some(Extended {
            full_text: Some(full),
            entities,
        }) => (full.0, entities.or(v1.entities)),
        _ => match v1.full_text.or(v1.text) {
            Some(text) => (text.0, v1.entities),
            None => return Err(ParseError::NotATweet(NotATweet::NoText)),
        },
    };
    Ok(Tweet {
        shape: Shape::V1,
        id,
        created_at_ms: created_at(v1.created_at)?,
        text,
        entity_hashtags: tags(entities),
        lang: cow(v1.lang),
        is_retweet: v1.retweeted_status.is_some(),
        lazy: Lazy::V1 {
            user: v1.user.and_then(Kept::raw),
            place: v1.place.and_then(Kept::raw),
            coordinates: v1.coordinates.and_then(Kept::raw),
        },
    })
}

fn from_v2<'a>(data: V2Data<'a>, includes: Option<&'a RawValue>) -> Result<Tweet<'a>, ParseError> {
    let (text, entities) = match data.note_tweet {
        Some(note) => (note.text, note.entities.or(data.entities)),
        None => (data.text, data.entities),
    };
    Ok(Tweet {
        shape: Shape::V2,
        id: parse_id(&data.id)?,
        created_at_ms: created_at(data.created_at)?,
        text,
        entity_hashtags: tags(entities),
        lang: cow(data.lang),
        is_retweet: data.referenced_tweets.iter().any(|r| r.kind == "retweeted"),
        lazy: Lazy::V2 {
            author_id: cow(data.author_id),
            place_id: data
                .geo
                .as_ref()
                .and_then(|g| g.place_id.as_ref())
                .map(|p| p.0.clone()),
            coordinates: data.geo.and_then(|g| g.coordinates).map(|p| p.coordinates),
            includes,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const V1_TWEET: &str = r##"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,"id_str":"1050118621198921728","text":"To make room for more expression, we will now count all emojis as equal #Twitter #emoji","truncated":false,"entities":{"hashtags":[{"text":"Twitter","indices":[72,80]},{"text":"emoji","indices":[81,87]}],"urls":[],"user_mentions":[]},"user":{"id":6253282,"id_str":"6253282","screen_name":"TwitterAPI","name":"Twitter API"},"lang":"en","place":{"id":"01a9a39529b27f36","full_name":"Manhattan, NY","country_code":"US"},"coordinates":{"type":"Point","coordinates":[-73.99,40.73]}}"##;

    const V1_EXTENDED: &str = r##"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id_str":"7","text":"short \u2026","truncated":true,"entities":{"hashtags":[]},"extended_tweet":{"full_text":"a long text with #Long and #Tail","entities":{"hashtags":[{"text":"Long","indices":[17,22]},{"text":"Tail","indices":[27,32]}]}},"lang":"en"}"##;

    const V2_TWEET: &str = r##"{"data":{"id":"1445880548472328192","text":"Hello #Kafka world #RustLang","created_at":"2021-10-06T22:19:24.000Z","author_id":"2244994945","lang":"en","entities":{"hashtags":[{"start":6,"end":12,"tag":"Kafka"},{"start":19,"end":28,"tag":"RustLang"}]},"geo":{"place_id":"01a9a39529b27f36"},"referenced_tweets":[{"type":"retweeted","id":"1"}]},"includes":{"users":[{"id":"2244994945","name":"Twitter Dev","username":"TwitterDev"}],"places":[{"id":"01a9a39529b27f36","full_name":"Manhattan, NY","country_code":"US"}]},"matching_rules":[{"id":"1","tag":"kafka"}]}"##;

    #[test]
    fn parses_v1() {
        let t = Tweet::parse(V1_TWEET.as_bytes()).unwrap();
        assert_eq!(t.shape, Shape::V1);
        assert_eq!(t.id, 1_050_118_621_198_921_728);
        assert_eq!(t.created_at_ms, Some(1_539_202_764_000));
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Twitter", "emoji"]);
        assert_eq!(t.lang.as_deref(), Some("en"));
        assert_eq!(t.user().unwrap().screen_name.as_deref(), Some("TwitterAPI"));
        assert_eq!(
            t.place().unwrap().full_name.as_deref(),
            Some("Manhattan, NY")
        );
        assert_eq!(t.coordinates(), Some([-73.99, 40.73]));
        assert!(!t.is_retweet);
        assert!(
            matches!(t.text, Cow::Borrowed(_)),
            "plain text must be borrowed"
        );
    }

    #[test]
    fn extended_tweet_supplies_full_text_and_entities() {
        let t = Tweet::parse(V1_EXTENDED.as_bytes()).unwrap();
        assert_eq!(t.text, "a long text with #Long and #Tail");
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Long", "Tail"]);
    }

    #[test]
    fn parsing_for_counting_keeps_everything_but_author_and_place() {
        for json in [V1_TWEET, V1_EXTENDED, V2_TWEET] {
            let full = Tweet::parse(json.as_bytes()).unwrap();
            let lean = Tweet::parse_for_counting(json.as_bytes()).unwrap();
            assert_eq!(
                (lean.id, lean.created_at_ms, &lean.text, lean.is_retweet),
                (full.id, full.created_at_ms, &full.text, full.is_retweet)
            );
            assert!(lean.hashtags().eq(full.hashtags()));
            assert_eq!(full.user().is_some(), json != V1_EXTENDED, "{json}");
            let screen_name = lean.user().and_then(|u| u.screen_name);
            assert_eq!((screen_name, lean.place()), (None, None));
        }
    }

    #[test]
    fn parses_v2_with_includes() {
        let t = Tweet::parse(V2_TWEET.as_bytes()).unwrap();
        assert_eq!(t.shape, Shape::V2);
        assert_eq!(t.id, 1_445_880_548_472_328_192);
        assert_eq!(t.created_at_ms, Some(1_633_558_764_000));
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Kafka", "RustLang"]);
        let user = t.user().unwrap();
        assert_eq!(user.id, "2244994945");
        assert_eq!(user.screen_name.as_deref(), Some("TwitterDev"));
        assert_eq!(t.place().unwrap().country_code.as_deref(), Some("US"));
        assert!(t.is_retweet);
    }

    #[test]
    fn without_entities_hashtags_come_from_text() {
        let t = Tweet::parse(br##"{"id_str":"1","text":"no entities #Here and #there"}"##).unwrap();
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Here", "there"]);
        assert_eq!(t.created_at_ms, None);
        let t = Tweet::parse(br##"{"data":{"id":"2","text":"v2 #Tag"}}"##).unwrap();
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Tag"]);
    }

    #[test]
    fn entities_without_hashtags_means_none() {
        let t =
            Tweet::parse(br##"{"id_str":"1","text":"#notag","entities":{"urls":[]}}"##).unwrap();
        assert_eq!(t.hashtags().count(), 0);
    }

    #[test]
    fn retweet_flag_v1() {
        let t = Tweet::parse(
            br##"{"id_str":"1","text":"RT @a: hi","retweeted_status":{"id_str":"0","text":"hi"}}"##,
        )
        .unwrap();
        assert!(t.is_retweet);
    }

    #[test]
    fn escaped_text_is_decoded() {
        let t = Tweet::parse(br##"{"id_str":"1","text":"caf\u00e9 #caf\u00e9"}"##).unwrap();
        assert_eq!(t.text, "café #café");
        assert_eq!(t.hashtags().collect::<Vec<_>>(), ["café"]);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let cases: [(&[u8], &str); 8] = [
            (b"", "invalid tweet JSON"),
            (b"{\"id_str\":\"1\",\"text\":\"trunc", "invalid tweet JSON"),
            (b"not json", "invalid tweet JSON"),
            (b"[1,2]", "not a tweet: a JSON array"),
            (br#"{"delete":{"status":{"id":1}}}"#, "not a tweet"),
            (br#"{"id_str":"x1","text":"t"}"#, "invalid tweet id \"x1\""),
            (
                br#"{"id_str":"1","text":"t","created_at":"soon"}"#,
                "unrecognised created_at",
            ),
            (br#"{"id_str":"1","text":5}"#, "invalid type"),
        ];
        for (input, expected) in cases {
            let err = Tweet::parse(input).unwrap_err().to_string();
            assert!(err.contains(expected), "{input:?}: {err}");
        }
        assert!(Tweet::parse(b"\xff\xfe").is_err());
    }

    /// What one input of the bad-input catalogue must give.
    enum Outcome {
        /// A tweet (odd, but usable) with this id, `created_at` and number of hashtags.
        Parsed {
            id: u64,
            created_at_ms: Option<i64>,
            hashtags: usize,
        },
        /// Rejected as this kind of error, its message containing this.
        Rejected(fn(&ParseError) -> bool, &'static str),
    }
    use Outcome::{Parsed, Rejected};

    fn empty(e: &ParseError) -> bool {
        matches!(e, ParseError::Empty)
    }
    fn json(e: &ParseError) -> bool {
        matches!(e, ParseError::Json { .. })
    }
    fn not_a_tweet(e: &ParseError) -> bool {
        matches!(e, ParseError::NotATweet(_))
    }
    fn bad_id(e: &ParseError) -> bool {
        matches!(e, ParseError::BadId(_))
    }
    fn bad_created_at(e: &ParseError) -> bool {
        matches!(e, ParseError::BadCreatedAt(_))
    }

    /// A v1.1 tweet with id 1, text "t" and these extra fields (starting with a comma).
    fn v1_with(fields: &str) -> Vec<u8> {
        format!(r#"{{"id_str":"1","text":"t"{fields}}}"#).into_bytes()
    }

    fn v1_created_at(created_at: &str) -> Vec<u8> {
        v1_with(&format!(r#","created_at":"{created_at}""#))
    }

    /// One input per kind of bad message the consumer can meet on `raw-twitter`, with what
    /// both parsers must say. Each runs in linear time: the 2 MB cases would take minutes if
    /// any step were quadratic.
    fn catalogue() -> Vec<(&'static str, Vec<u8>, Outcome)> {
        let big = 2 << 20;
        let thousand_entities = (0..1000)
            .map(|i| format!(r#"{{"text":"tag{i}"}}"#))
            .collect::<Vec<_>>()
            .join(",");
        let thousand_in_text = (0..1000).map(|i| format!("#tag{i}")).collect::<Vec<_>>();
        vec![
            ("empty", b"".to_vec(), Rejected(empty, "invalid tweet JSON: empty message")),
            ("blank", b" \r\n\t".to_vec(), Rejected(empty, "invalid tweet JSON: empty message")),
            ("not JSON", b"hello".to_vec(), Rejected(json, "invalid tweet JSON: expected value at line 1 column 1")),
            ("malformed: missing comma", br#"{"id_str":"1" "text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: expected `,` or `}` at line 1 column 15")),
            ("malformed: trailing garbage", br#"{"id_str":"1","text":"t"} x"#.to_vec(), Rejected(json, "invalid tweet JSON: trailing characters at line 1 column 27")),
            ("two tweets in one message", br#"{"id_str":"1","text":"t"}{"id_str":"2","text":"u"}"#.to_vec(), Rejected(json, "invalid tweet JSON: trailing characters")),
            ("truncated in a string", V1_TWEET.as_bytes()[..120].to_vec(), Rejected(json, "invalid tweet JSON: text: EOF while parsing a string at line 1 column 120")),
            ("truncated after a key", br#"{"id_str":"1","text":"#.to_vec(), Rejected(json, "invalid tweet JSON: text: EOF while parsing a value at line 1 column 21")),
            ("truncated v2", V2_TWEET.as_bytes()[..60].to_vec(), Rejected(json, "invalid tweet JSON: data.text: EOF while parsing a string")),
            ("invalid UTF-8 alone", b"\xff\xfe".to_vec(), Rejected(json, "invalid tweet JSON: expected value at line 1 column 1")),
            ("invalid UTF-8 in the text", b"{\"id_str\":\"1\",\"text\":\"caf\xe9\"}".to_vec(), Rejected(json, "invalid tweet JSON: text: invalid unicode code point at line 1 column 26")),
            ("a UTF-8 byte order mark", [&b"\xef\xbb\xbf"[..], &v1_with("")].concat(), Rejected(json, "invalid tweet JSON: expected value at line 1 column 1")),
            ("a lone surrogate escape", br#"{"id_str":"1","text":"\ud800"}"#.to_vec(), Rejected(json, "invalid tweet JSON: text: unexpected end of hex escape at line 1 column 29")),
            ("a raw control character in a string", b"{\"id_str\":\"1\",\"text\":\"a\nb\"}".to_vec(), Rejected(json, "invalid tweet JSON: text: control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0")),
            ("2 MB tweet text", format!(r#"{{"id_str":"1","text":"{}"}}"#, "word #tag ".repeat(big / 10)).into_bytes(), Parsed { id: 1, created_at_ms: None, hashtags: big / 10 }),
            ("2 MB run of URL-like hashtags", format!(r#"{{"id_str":"1","text":"{}"}}"#, "/#a".repeat(big / 3)).into_bytes(), Parsed { id: 1, created_at_ms: None, hashtags: big / 3 }),
            ("2 MB id", format!(r#"{{"id_str":"{}","text":"t"}}"#, "9".repeat(big)).into_bytes(), Rejected(bad_id, r#"invalid tweet id "9999999999999999999999999999999999999999999999999999999999999999"… (2097152 bytes)"#)),
            ("2 MB created_at", v1_created_at(&"x".repeat(big)), Rejected(bad_created_at, "unrecognised created_at \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… (2097152 bytes) (expected e.g.")),
            ("2 MB string for a number", format!(r#"{{"id":"{}","text":"t"}}"#, "x".repeat(big)).into_bytes(), Rejected(json, "invalid tweet JSON: id: invalid type: string \"xxx")),
            ("2 MB of nested arrays", "[".repeat(big).into_bytes(), Rejected(not_a_tweet, "not a tweet: a JSON array, not an object")),
            ("2 MB of nesting in a skipped object", v1_with(&format!(r#","user":{}{}"#, "[".repeat(big / 2), "]".repeat(big / 2))), Parsed { id: 1, created_at_ms: None, hashtags: 0 }),
            ("missing text", br#"{"id_str":"1"}"#.to_vec(), Rejected(not_a_tweet, "not a tweet: an object with an id but no text")),
            ("missing id", br#"{"text":"t"}"#.to_vec(), Rejected(not_a_tweet, "not a tweet: an object with text but no id")),
            ("v2 missing id", br#"{"data":{"text":"t"}}"#.to_vec(), Rejected(json, "invalid tweet JSON: data: missing field `id`")),
            ("v2 missing text", br#"{"data":{"id":"1"}}"#.to_vec(), Rejected(json, "invalid tweet JSON: data: missing field `text`")),
            ("id_str a number", br#"{"id_str":1,"text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id_str: invalid type: integer `1`, expected a string")),
            ("id a string", br#"{"id":"1","text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id: invalid type: string \"1\", expected u64")),
            ("id negative", br#"{"id":-1,"text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id: invalid value: integer `-1`, expected u64")),
            ("id past u64", br#"{"id":18446744073709551616,"text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id: invalid type: floating point")),
            ("id_str not a number", br#"{"id_str":"12a","text":"t"}"#.to_vec(), Rejected(bad_id, r#"invalid tweet id "12a""#)),
            ("id_str with a newline", br#"{"id_str":"1\n2","text":"t"}"#.to_vec(), Rejected(bad_id, r#"invalid tweet id "1\n2""#)),
            ("v2 id a number", br#"{"data":{"id":1,"text":"t"}}"#.to_vec(), Rejected(json, "invalid tweet JSON: data.id: invalid type: integer `1`, expected a string")),
            ("text a number", br#"{"id_str":"1","text":5}"#.to_vec(), Rejected(json, "invalid tweet JSON: text: invalid type: integer `5`, expected a string")),
            ("text null", br#"{"id_str":"1","text":null}"#.to_vec(), Rejected(not_a_tweet, "not a tweet: an object with an id but no text")),
            ("hashtags not a list", v1_with(r#","entities":{"hashtags":"x"}"#), Rejected(json, "invalid tweet JSON: entities.hashtags: invalid type: string \"x\", expected a sequence")),
            ("a hashtag entity without text", v1_with(r#","entities":{"hashtags":[{"text":"a"},{"indices":[0,1]}]}"#), Rejected(json, "invalid tweet JSON: entities.hashtags[1]: missing field `text`")),
            ("a duplicate field", br#"{"id_str":"1","id_str":"2","text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: duplicate field `id_str` at line 1 column 22")),
            ("v1 delete notice", br#"{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"},"timestamp_ms":"1"}}"#.to_vec(), Rejected(not_a_tweet, r#"not a tweet: an object with no id and no text (keys: "delete")"#)),
            ("v1 limit notice", br#"{"limit":{"track":42,"timestamp_ms":"1"}}"#.to_vec(), Rejected(not_a_tweet, r#"not a tweet: an object with no id and no text (keys: "limit")"#)),
            ("v2 errors", br#"{"errors":[{"title":"operational-disconnect"}]}"#.to_vec(), Rejected(not_a_tweet, r#"(keys: "errors")"#)),
            ("many keys", br#"{"a":1,"b\n":2,"c":3,"d":4,"e":5}"#.to_vec(), Rejected(not_a_tweet, r#"(keys: "a", "b\n", "c", and 2 more)"#)),
            ("an empty object", b"{}".to_vec(), Rejected(not_a_tweet, "not a tweet: an object with no id and no text (keys: none)")),
            ("an empty array", b"[]".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON array, not an object")),
            ("a number", b"42".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON number, not an object")),
            ("a negative number", b" -1.5".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON number, not an object")),
            ("a string", br#""str""#.to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON string, not an object")),
            ("null", b"null".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON null, not an object")),
            ("a boolean", b"true".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON boolean, not an object")),
            ("1,000 hashtag entities", v1_with(&format!(r#","entities":{{"hashtags":[{thousand_entities}]}}"#)), Parsed { id: 1, created_at_ms: None, hashtags: 1000 }),
            ("an empty hashtag entity", v1_with(r#","entities":{"hashtags":[{"text":""},{"text":"a"}]}"#), Parsed { id: 1, created_at_ms: None, hashtags: 1 }),
            ("1,000 hashtags in the text", format!(r#"{{"id_str":"1","text":"{}"}}"#, thousand_in_text.join(" ")).into_bytes(), Parsed { id: 1, created_at_ms: None, hashtags: 1000 }),
            ("year 0, v1.1", v1_created_at("Sat Jan 01 00:00:00 +0000 0000"), Parsed { id: 1, created_at_ms: Some(-62_167_219_200_000), hashtags: 0 }),
            ("year 0, v2", br#"{"data":{"id":"1","text":"t","created_at":"0000-01-01T00:00:00.000Z"}}"#.to_vec(), Parsed { id: 1, created_at_ms: Some(-62_167_219_200_000), hashtags: 0 }),
            ("year 9999", v1_created_at("Fri Dec 31 23:59:59 +0000 9999"), Parsed { id: 1, created_at_ms: Some(253_402_300_799_000), hashtags: 0 }),
            ("year 10000", v1_created_at("10000-01-01T00:00:00Z"), Rejected(bad_created_at, r#"unrecognised created_at "10000-01-01T00:00:00Z""#)),
            ("a negative year", v1_created_at("-0001-01-01T00:00:00Z"), Rejected(bad_created_at, r#"unrecognised created_at "-0001-01-01T00:00:00Z""#)),
            ("negative epoch seconds", v1_created_at("-1"), Rejected(bad_created_at, r#"unrecognised created_at "-1""#)),
            ("non-numeric", v1_created_at("yesterday"), Rejected(bad_created_at, r#"unrecognised created_at "yesterday""#)),
            ("empty created_at", v1_created_at(""), Rejected(bad_created_at, r#"unrecognised created_at """#)),
            ("epoch seconds as a number", v1_with(r#","created_at":1539202764"#), Rejected(json, "invalid tweet JSON: created_at: invalid type: integer `1539202764`, expected a string")),
            ("created_at null", v1_with(r#","created_at":null"#), Parsed { id: 1, created_at_ms: None, hashtags: 0 }),
            ("Feb 30", v1_created_at("Fri Feb 30 00:00:00 +0000 2024"), Rejected(bad_created_at, "unrecognised created_at")),
        ]
    }

    #[test]
    fn the_bad_input_catalogue_gives_clear_errors_in_linear_time() {
        let mut failures = Vec::new();
        for (name, input, outcome) in catalogue() {
            for parser in ["parse", "parse_for_counting"] {
                let started = std::time::Instant::now();
                let result = if parser == "parse" {
                    Tweet::parse(&input)
                } else {
                    Tweet::parse_for_counting(&input)
                };
                let hashtags = result
                    .as_ref()
                    .map_or(0, |t| t.hashtags().map(hashtag::fold).count());
                let elapsed = started.elapsed();
                let failure = match (&outcome, result) {
                    _ if elapsed.as_secs() >= 10 => Some(format!("took {elapsed:?}")),
                    (
                        Parsed {
                            id,
                            created_at_ms,
                            hashtags: n,
                        },
                        Ok(t),
                    ) => {
                        let got = (t.id, t.created_at_ms, hashtags);
                        (got != (*id, *created_at_ms, *n)).then(|| format!("parsed as {got:?}"))
                    }
                    (Rejected(variant, expected), Err(e)) => {
                        let message = e.to_string();
                        if !variant(&e) {
                            Some(format!("wrong kind of error: {e:?}"))
                        } else if !message.contains(expected)
                            || message.contains('\n')
                            || message.chars().count() > 350
                        {
                            Some(format!("{message:?} (expected {expected:?})"))
                        } else {
                            None
                        }
                    }
                    (_, Ok(t)) => Some(format!("parsed, id {}", t.id)),
                    (_, Err(e)) => Some(format!("rejected: {e}")),
                };
                if let Some(failure) = failure {
                    failures.push(format!("{name} ({parser}): {failure}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// `parse_for_counting` skips the author without checking its text, so broken bytes there
    /// cost nothing to the counting; `parse` keeps the author and rejects them.
    #[test]
    fn invalid_utf8_in_the_author_fails_only_the_full_parse() {
        let input = b"{\"id_str\":\"1\",\"text\":\"#t\",\"user\":{\"name\":\"\xff\"}}";
        let err = Tweet::parse(input).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid tweet JSON: user: invalid unicode code point at line 1 column 43"
        );
        let lean = Tweet::parse_for_counting(input).unwrap();
        assert_eq!(lean.hashtags().collect::<Vec<_>>(), ["t"]);
    }

    /// Everything a parse gives the pipeline, errors included, to compare the two paths.
    fn summary(result: Result<Tweet<'_>, ParseError>) -> String {
        match result {
            Ok(t) => format!(
                "{:?} {} {:?} {:?} borrowed={} {:?} {:?} {} {:?}",
                t.shape,
                t.id,
                t.created_at_ms,
                t.text,
                matches!(t.text, Cow::Borrowed(_)),
                t.hashtags().collect::<Vec<_>>(),
                t.lang,
                t.is_retweet,
                t.user().map(|u| u.id),
            ),
            Err(e) => format!("{e:?}"),
        }
    }

    /// What `parse_for_counting` gives, against serde_json's reading of the same bytes.
    fn both_paths(bytes: &[u8]) -> (String, String) {
        (
            summary(Tweet::parse_for_counting(bytes)),
            summary(Tweet::parse_keeping::<IgnoredAny>(bytes)),
        )
    }

    #[test]
    fn the_fast_path_reads_the_examples_as_serde_json_does() {
        for json in [V1_TWEET, V1_EXTENDED, V2_TWEET] {
            assert!(lean_wire(json.as_bytes()).is_some(), "{json}");
            let (fast, serde) = both_paths(json.as_bytes());
            assert_eq!(fast, serde);
        }
        for (name, input, _) in catalogue() {
            let (fast, serde) = both_paths(&input);
            assert_eq!(fast, serde, "{name}");
        }
    }

    #[test]
    fn the_fast_path_leaves_the_unusual_to_serde_json() {
        let cases: [&[u8]; 8] = [
            br#"{"id_str":"1","te\u0078t":"escaped key"}"#,
            br#"{"id_str":"1","text":"t","text":"twice"}"#,
            br#"{"id_str":"1","text":null,"text":"t"}"#,
            br#"{"id_str":"1","text":"t","entities":{"hashtags":[{"text":"a","tag":"b"}]}}"#,
            br#"{"id_str":"1","text":"t","entities":[[{"text":"a"}]]}"#,
            br#"{"id":1.0,"text":"t"}"#,
            br#"{"id":012,"text":"t"}"#,
            br#"["1","t"]"#,
        ];
        for input in cases {
            assert!(
                lean_wire(input).is_none(),
                "{}",
                String::from_utf8_lossy(input)
            );
            let (fast, serde) = both_paths(input);
            assert_eq!(fast, serde);
        }
    }

    #[test]
    fn numeric_ids_are_read_as_serde_json_reads_a_u64() {
        let max = format!("{}", u64::MAX);
        for (id, fits) in [
            ("9999999999999999999", true),
            (max.as_str(), true),
            ("18446744073709551616", false),
            ("99999999999999999999", false),
            ("184467440737095516150", false),
        ] {
            let input = format!(r#"{{"id":{id},"text":"t"}}"#);
            let (fast, serde) = both_paths(input.as_bytes());
            assert_eq!(fast, serde, "{id}");
            let read = lean_wire(input.as_bytes()).and_then(|wire| wire.id);
            assert_eq!(read, fits.then(|| id.parse().unwrap()), "{id}");
        }
    }

    /// A top-level member: a field the parser reads, of the right type or not, or any other.
    fn member() -> impl Strategy<Value = (String, String)> {
        use crate::json_scan::tests::{json_value, key};
        let text = "[a-z #\u{e9}\u{65e5}\"\\\\\n]{0,20}|#[a-zA-Z]{1,8}";
        let tag = text.prop_map(|t| serde_json::json!({ "text": t, "indices": [0, 1] }));
        let well_typed = prop_oneof![
            "[0-9]{1,20}".prop_map(|id| ("id_str".to_owned(), serde_json::json!(id))),
            any::<u64>().prop_map(|id| ("id".to_owned(), serde_json::json!(id))),
            text.prop_map(|t| ("text".to_owned(), serde_json::json!(t))),
            any::<bool>().prop_map(|utc| {
                let at = if utc {
                    "Wed Oct 10 20:19:24 +0000 2018"
                } else {
                    "2021-10-06T22:19:24.000Z"
                };
                ("created_at".to_owned(), serde_json::json!(at))
            }),
            prop::collection::vec(tag, 0..4).prop_map(|tags| {
                (
                    "entities".to_owned(),
                    serde_json::json!({ "hashtags": tags, "urls": [] }),
                )
            }),
            (text, prop::collection::vec("[a-z]{1,5}", 0..3)).prop_map(|(t, tags)| {
                let tags: Vec<_> = tags
                    .iter()
                    .map(|t| serde_json::json!({ "tag": t }))
                    .collect();
                let data =
                    serde_json::json!({ "id": "7", "text": t, "entities": { "hashtags": tags } });
                ("data".to_owned(), data)
            }),
            json_value().prop_map(|v| ("user".to_owned(), v)),
            Just((
                "retweeted_status".to_owned(),
                serde_json::json!({ "id_str": "0" })
            )),
        ];
        prop_oneof![
            3 => well_typed,
            1 => (key(), json_value()),
        ]
        .prop_map(|(k, v)| {
            (
                serde_json::to_string(&k).unwrap(),
                serde_json::to_string(&v).unwrap(),
            )
        })
    }

    /// A message of such members (repeats possible), written out by hand so that keys can
    /// repeat, with optional whitespace between the tokens of the top level.
    fn message() -> impl Strategy<Value = Vec<u8>> {
        (prop::collection::vec(member(), 0..8), any::<bool>()).prop_map(|(members, spaced)| {
            let gap = if spaced { " \n\t" } else { "" };
            let members: Vec<_> = members
                .iter()
                .map(|(k, v)| format!("{gap}{k}{gap}:{gap}{v}{gap}"))
                .collect();
            format!("{gap}{{{}}}{gap}", members.join(",")).into_bytes()
        })
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_serde_json(
            message in message(),
            changes in crate::json_scan::tests::changes(),
        ) {
            let bytes = changes.into_iter().fold(message, crate::json_scan::tests::mutate);
            let (fast, serde) = both_paths(&bytes);
            prop_assert_eq!(fast, serde, "{}", String::from_utf8_lossy(&bytes));
        }

        /// Well-formed tweets take the fast path: the test above would pass vacuously if it
        /// always gave up.
        #[test]
        fn well_formed_tweets_take_the_fast_path(
            id in "[1-9][0-9]{0,18}",
            text in "[a-z #\u{e9}\u{65e5}]{0,40}",
            tags in prop::collection::vec("[a-zA-Z]{1,8}", 0..4),
            user in crate::json_scan::tests::json_value(),
        ) {
            let tags: Vec<_> = tags.iter().map(|t| serde_json::json!({ "text": t, "indices": [0, 1] })).collect();
            let tweet = serde_json::json!({
                "id": id.parse::<u64>().unwrap(), "id_str": id, "text": text, "lang": "en",
                "created_at": "Wed Oct 10 20:19:24 +0000 2018", "user": user,
                "entities": { "hashtags": tags, "urls": [], "user_mentions": [] },
            });
            let bytes = serde_json::to_vec(&tweet).unwrap();
            let deep = serde_json::to_string(&tweet["user"]).unwrap().matches(['[', '{']).count() > 64;
            prop_assert!(deep || lean_wire(&bytes).is_some(), "{tweet}");
        }
    }
}
