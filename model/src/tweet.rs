//! The tweet model shared by producer and consumer, parsed from either API shape.
//!
//! v1.1 tweets are flat objects (`created_at`, `id_str`, `text`, `entities`, `user`, ...);
//! v2 tweets arrive as `{"data": {...}, "includes": {...}}`. Parsing borrows strings from the
//! message bytes wherever JSON escapes allow, and skips every field the pipeline does not use.
//! The author, place and coordinates are kept as raw JSON and decoded only when asked for: the
//! hot path (counting hashtags at firehose rates) never needs them, and descending into the
//! user object costs more than the rest of the tweet.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::hashtag;
use crate::snippet;
use crate::timestamp;

use error::{explain, object_keys};
pub use error::{JsonError, NotATweet, ParseError};
use lean::lean_wire;

/// Which API shape a tweet arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    V1,
    V2,
}

/// A tweet reduced to what trend analytics needs, borrowing from the message bytes.
///
/// The shape, author, place and coordinates are parsed and kept like the rest, but only the
/// tests and the fuzz invariants (`fuzzing`) read them: the pipeline has no use for them yet.
#[derive(Debug, Clone)]
pub struct Tweet<'a> {
    #[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
    pub(crate) shape: Shape,
    pub id: u64,
    /// Event time in epoch milliseconds; `None` when the message carries no `created_at` (a v2
    /// stream without `tweet.fields=created_at`), in which case callers fall back to the Kafka
    /// message timestamp.
    pub created_at_ms: Option<i64>,
    /// The full text: `extended_tweet.full_text` / `note_tweet.text` when the tweet is long.
    pub text: Cow<'a, str>,
    /// Hashtags from the API's entities, if it sent entities; otherwise extracted from `text`.
    entity_hashtags: Option<Vec<Cow<'a, str>>>,
    /// The language Twitter detected for `text` (a retweet's original's): a BCP 47 code, `und`
    /// when it could not tell; `None` in tweets from before it detected languages (2013).
    pub lang: Option<Cow<'a, str>>,
    pub is_retweet: bool,
    /// Whether `text` and the hashtags are the tweet's whole ones.
    pub completeness: Completeness,
    /// Author, place and coordinates, still as JSON.
    #[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
    lazy: Lazy<'a>,
}

/// Whether a message carries all of the tweet's text and hashtags. The API cuts some, and
/// what is cut cannot be counted: the consumer counts such tweets so the loss is visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Whole,
    /// A retweet whose original the message lacks (v2 `includes` leave out deleted and
    /// protected tweets): its own text, `RT @user: ` and the original cut at 140 characters,
    /// and the hashtags of that visible part are used instead.
    OriginalMissing,
    /// A compat-mode tweet (v1.1) with `"truncated": true` and no `extended_tweet`: its text
    /// stops at 140 characters, and the hashtags after the cut are lost.
    Truncated,
}

/// The parts of a tweet decoded on demand.
#[derive(Debug, Clone)]
#[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
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
        includes: Option<RawJson<'a>>,
    },
}

/// The tweet's author.
#[cfg(any(test, feature = "fuzzing"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User<'a> {
    pub(crate) id: Cow<'a, str>,
    pub(crate) screen_name: Option<Cow<'a, str>>,
}

/// A named place the tweet is tagged with.
#[cfg(any(test, feature = "fuzzing"))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place<'a> {
    pub(crate) full_name: Option<Cow<'a, str>>,
    pub(crate) country_code: Option<Cow<'a, str>>,
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
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn user(&self) -> Option<User<'a>> {
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
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn place(&self) -> Option<Place<'a>> {
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
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn coordinates(&self) -> Option<[f64; 2]> {
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
    /// Whether the author, place and coordinates are available from the parsed tweet.
    const KEEPS: bool;
    fn raw(self) -> Option<&'a RawValue>;
}

impl<'a> Kept<'a> for &'a RawValue {
    const KEEPS: bool = true;
    fn raw(self) -> Option<&'a RawValue> {
        Some(self)
    }
}

impl<'a> Kept<'a> for IgnoredAny {
    const KEEPS: bool = false;
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
    /// Kept whole in both paths: a v2 retweet's original is in `includes.tweets`.
    #[serde(borrow)]
    includes: Option<RawJson<'a>>,
    #[serde(borrow)]
    id_str: Option<Str<'a>>,
    id: Option<u64>,
    #[serde(borrow)]
    created_at: Option<Str<'a>>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    full_text: Option<Str<'a>>,
    truncated: Option<bool>,
    #[serde(borrow)]
    extended_tweet: Option<Extended<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow)]
    lang: Option<Str<'a>>,
    user: Option<X>,
    place: Option<X>,
    coordinates: Option<X>,
    #[serde(borrow)]
    retweeted_status: Option<Original<'a>>,
}

/// A v1.1 retweet's original: its full text and hashtags, which the retweet's own `text`
/// (`RT @user: ` + the original, cut at 140 characters) and `entities` may have lost.
#[derive(Deserialize, Default)]
struct Original<'a> {
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    full_text: Option<Str<'a>>,
    truncated: Option<bool>,
    #[serde(borrow)]
    extended_tweet: Option<Extended<'a>>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow)]
    lang: Option<Str<'a>>,
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

#[cfg(any(test, feature = "fuzzing"))]
#[derive(Deserialize)]
struct V1User<'a> {
    #[serde(borrow)]
    id_str: Option<Str<'a>>,
    id: Option<u64>,
    #[serde(borrow)]
    screen_name: Option<Str<'a>>,
}

#[cfg(any(test, feature = "fuzzing"))]
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

#[derive(Deserialize, Default)]
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
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
}

/// The tweets a v2 message's `includes` holds (the originals of retweets and quotes), with
/// what counting needs of them.
#[derive(Deserialize)]
struct IncludedTweets<'a> {
    #[serde(borrow, default)]
    tweets: Vec<IncludedTweet<'a>>,
}

#[derive(Deserialize)]
struct IncludedTweet<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    entities: Option<Entities<'a>>,
    #[serde(borrow)]
    note_tweet: Option<NoteTweet<'a>>,
    #[serde(borrow)]
    lang: Option<Str<'a>>,
}

/// A JSON value kept as its text (valid JSON, checked once) to be read later, if at all: v2
/// `includes`, whose users and places counting never reads.
#[derive(Debug, Clone, Copy)]
struct RawJson<'a>(&'a str);

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(deserializer).map(|raw| RawJson(raw.get()))
    }
}

/// The included tweet with id `id`, if `includes` holds it (a deleted or protected original
/// is missing). Only the `tweets` list is decoded: [`lean::tweets_of`] finds it, skipping the
/// users and places, unless `includes` is unusual, which serde_json then reads whole.
fn included<'a>(includes: Option<RawJson<'a>>, id: &str) -> Option<IncludedTweet<'a>> {
    let includes = includes?.0;
    let tweets: Vec<IncludedTweet<'a>> = match lean::tweets_of(includes) {
        Some(Some(tweets)) => serde_json::from_str(tweets).ok()?,
        Some(None) => return None,
        None => {
            serde_json::from_str::<IncludedTweets<'a>>(includes)
                .ok()?
                .tweets
        }
    };
    tweets.into_iter().find(|t| t.id == id)
}

#[cfg(any(test, feature = "fuzzing"))]
#[derive(Deserialize)]
struct V2Includes<'a> {
    #[serde(borrow, default)]
    users: Vec<V2User<'a>>,
    #[serde(borrow, default)]
    places: Vec<WirePlace<'a>>,
}

#[cfg(any(test, feature = "fuzzing"))]
#[derive(Deserialize)]
struct V2User<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    username: Option<Str<'a>>,
}

#[cfg(any(test, feature = "fuzzing"))]
fn v2_includes(raw: Option<RawJson<'_>>) -> Option<V2Includes<'_>> {
    serde_json::from_str(raw?.0).ok()
}

/// A message read into [`Wire`] as a tweet of whichever shape it has.
fn from_wire<'a, X: Kept<'a>>(
    mut wire: Wire<'a, X>,
    bytes: &[u8],
) -> Result<Tweet<'a>, ParseError> {
    match wire.data.take() {
        Some(data) => from_v2(data, wire.includes, X::KEEPS),
        None => from_v1(wire, bytes),
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

#[cfg(any(test, feature = "fuzzing"))]
impl<'a> From<WirePlace<'a>> for Place<'a> {
    fn from(p: WirePlace<'a>) -> Self {
        Place {
            full_name: cow(p.full_name),
            country_code: cow(p.country_code),
        }
    }
}

/// A tweet's text and entities as counted, and whether they are whole.
struct Body<'a> {
    text: Cow<'a, str>,
    entities: Option<Entities<'a>>,
    lang: Option<Str<'a>>,
    completeness: Completeness,
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
    let is_retweet = v1.retweeted_status.is_some();
    let own = Original {
        text: v1.text,
        full_text: v1.full_text,
        truncated: v1.truncated,
        extended_tweet: v1.extended_tweet,
        entities: v1.entities,
        lang: v1.lang,
    };
    // A retweet counts its original's hashtags and scores its original's text, as Twitter does.
    let body = match v1.retweeted_status.and_then(v1_body) {
        Some(original) => original,
        None => v1_body(own).ok_or(ParseError::NotATweet(NotATweet::NoText))?,
    };
    Ok(Tweet {
        shape: Shape::V1,
        id,
        created_at_ms: created_at(v1.created_at)?,
        text: body.text,
        entity_hashtags: tags(body.entities),
        lang: cow(body.lang),
        is_retweet,
        completeness: body.completeness,
        lazy: Lazy::V1 {
            user: v1.user.and_then(Kept::raw),
            place: v1.place.and_then(Kept::raw),
            coordinates: v1.coordinates.and_then(Kept::raw),
        },
    })
}

/// A v1.1 tweet's whole text and its entities: `extended_tweet`'s when it has one (compat
/// mode), else its `full_text` (extended mode) or `text`; `None` when it has no text.
fn v1_body(tweet: Original<'_>) -> Option<Body<'_>> {
    let Original {
        text,
        full_text,
        truncated,
        extended_tweet,
        entities,
        lang,
    } = tweet;
    if let Some(Extended {
        full_text: Some(full),
        entities: extended_entities,
    }) = extended_tweet
    {
        return Some(Body {
            text: full.0,
            entities: extended_entities.or(entities),
            lang,
            completeness: Completeness::Whole,
        });
    }
    let completeness = match truncated {
        Some(true) if full_text.is_none() => Completeness::Truncated,
        _ => Completeness::Whole,
    };
    Some(Body {
        text: full_text.or(text)?.0,
        entities,
        lang,
        completeness,
    })
}

/// A v2 tweet's whole text and entities: its `note_tweet`'s when it is long.
fn v2_body<'a>(tweet: IncludedTweet<'a>, completeness: Completeness) -> Body<'a> {
    let (text, entities) = match tweet.note_tweet {
        Some(note) => (note.text, note.entities.or(tweet.entities)),
        None => (tweet.text, tweet.entities),
    };
    Body {
        text,
        entities,
        lang: tweet.lang,
        completeness,
    }
}

/// `keep`: whether the author and place stay available (through `includes`).
fn from_v2<'a>(
    data: V2Data<'a>,
    includes: Option<RawJson<'a>>,
    keep: bool,
) -> Result<Tweet<'a>, ParseError> {
    let retweeted = data
        .referenced_tweets
        .iter()
        .find(|r| r.kind == "retweeted")
        .map(|r| r.id.as_ref().map_or("", |id| &id.0));
    let is_retweet = retweeted.is_some();
    let original = retweeted.and_then(|id| included(includes, id));
    let own = IncludedTweet {
        id: Cow::Borrowed(""),
        text: data.text,
        entities: data.entities,
        note_tweet: data.note_tweet,
        lang: data.lang,
    };
    // A retweet counts its original's hashtags and scores its original's text, as Twitter does;
    // when the original is missing, its own (cut) text and entities.
    let body = match (original, is_retweet) {
        (Some(original), _) => v2_body(original, Completeness::Whole),
        (None, true) => v2_body(own, Completeness::OriginalMissing),
        (None, false) => v2_body(own, Completeness::Whole),
    };
    Ok(Tweet {
        shape: Shape::V2,
        id: parse_id(&data.id)?,
        created_at_ms: created_at(data.created_at)?,
        text: body.text,
        entity_hashtags: tags(body.entities),
        lang: cow(body.lang),
        is_retweet,
        completeness: body.completeness,
        lazy: Lazy::V2 {
            author_id: cow(data.author_id),
            place_id: data
                .geo
                .as_ref()
                .and_then(|g| g.place_id.as_ref())
                .map(|p| p.0.clone()),
            coordinates: data.geo.and_then(|g| g.coordinates).map(|p| p.coordinates),
            includes: includes.filter(|_| keep),
        },
    })
}

mod error;
mod lean;
#[cfg(test)]
mod tests;
