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
use crate::timestamp::{self, TimestampError};

/// Why a message is not a usable tweet; the message says what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON, truncated JSON, or a field of the wrong type.
    #[error("invalid tweet JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Valid JSON that is not a tweet (a delete notice, a rate-limit message, ...).
    #[error("not a tweet: {0}")]
    NotATweet(&'static str),
    /// An id that is not a decimal integer.
    #[error("invalid tweet id \"{0}\"")]
    BadId(String),
    /// A `created_at` in neither API's format.
    #[error(transparent)]
    BadCreatedAt(#[from] TimestampError),
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
    pub fn parse_for_counting(bytes: &'a [u8]) -> Result<Tweet<'a>, ParseError> {
        Self::parse_keeping::<IgnoredAny>(bytes)
    }

    fn parse_keeping<X: Kept<'a>>(bytes: &'a [u8]) -> Result<Tweet<'a>, ParseError> {
        let mut wire: Wire<'a, X> = serde_json::from_slice(bytes)?;
        match wire.data.take() {
            Some(data) => from_v2(data, wire.includes.and_then(Kept::raw)),
            None => from_v1(wire),
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

    /// The tweet's hashtags as written (not yet case-folded).
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
#[derive(Deserialize)]
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

fn parse_id(text: &str) -> Result<u64, ParseError> {
    text.parse().map_err(|_| ParseError::BadId(text.to_owned()))
}

fn created_at(text: Option<Str<'_>>) -> Result<Option<i64>, ParseError> {
    Ok(text
        .map(|t| timestamp::parse_created_at(&t.0))
        .transpose()?)
}

fn tags(entities: Option<Entities<'_>>) -> Option<Vec<Cow<'_, str>>> {
    entities.map(|e| e.hashtags.into_iter().map(|h| h.text).collect())
}

impl<'a> From<WirePlace<'a>> for Place<'a> {
    fn from(p: WirePlace<'a>) -> Self {
        Place {
            full_name: cow(p.full_name),
            country_code: cow(p.country_code),
        }
    }
}

fn from_v1<'a, X: Kept<'a>>(v1: Wire<'a, X>) -> Result<Tweet<'a>, ParseError> {
    let id = match (&v1.id_str, v1.id) {
        (Some(s), _) => parse_id(&s.0)?,
        (None, Some(id)) => id,
        (None, None) => return Err(ParseError::NotATweet(not_a_tweet_reason(&v1))),
    };
    let (text, entities) = match v1.extended_tweet {
        Some(Extended {
            full_text: Some(full),
            entities,
        }) => (full.0, entities.or(v1.entities)),
        _ => match v1.full_text.or(v1.text) {
            Some(text) => (text.0, v1.entities),
            None => return Err(ParseError::NotATweet("object has an id but no text")),
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

/// Names the stream control message kind for the common non-tweet objects.
fn not_a_tweet_reason<X>(v1: &Wire<'_, X>) -> &'static str {
    if v1.text.is_some() {
        "object has text but no id"
    } else {
        "object has no id and no text (a stream control message such as delete or limit?)"
    }
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
            (b"[1,2]", "invalid tweet JSON"),
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
}
