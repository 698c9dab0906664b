//! The v2 filtered-stream message: `{"data", "includes", "matching_rules"}`, with the fields and
//! expansions a trends client asks for (entities, referenced tweets and their authors, places,
//! note tweets). serde writes fields in declaration order, so reordering them changes the bytes a
//! seed produces.
//!
//! What differs from v1.1 is where things are, not what they are: a retweet's text is cut the
//! same way, but its original sits in `includes.tweets` (absent when deleted or protected); a
//! text up to 280 is shown whole, and a longer post keeps its start in `text` and the whole in
//! `note_tweet`; empty entity lists are left out.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::cut::{note_preview, NOTE_PREVIEW_WEIGHT};
use super::entities::Entities;
use super::post::{Post, Shared};
use super::text::weighted_len;
use super::v1::User;
use super::vocabulary::{Annotation, PlaceSpec};

/// v2 `created_at`: UTC, ISO 8601, with milliseconds that Twitter always leaves at zero.
const CREATED_AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S.000Z";

/// A rule of the filtered stream, as a matching tweet names it.
#[derive(Serialize, Clone, Debug)]
pub(super) struct MatchingRule {
    pub(super) id: String,
    pub(super) tag: &'static str,
}

/// The message for `post`, matched by `rules`; `None` when a time in it is outside what
/// `created_at` can show.
pub(super) fn serialize(post: &Post, rules: &[MatchingRule]) -> Option<Vec<u8>> {
    let message = Message {
        data: Data::of(post)?,
        includes: Includes::of(post)?,
        matching_rules: rules,
    };
    // Cannot fail: these plain structs have only string map keys and infallible field types.
    Some(serde_json::to_vec(&message).expect("message structs always serialize"))
}

fn format_created_at(ms: i64) -> Option<String> {
    let time = DateTime::<Utc>::from_timestamp_millis(ms)?;
    Some(time.format(CREATED_AT_FORMAT).to_string())
}

#[derive(Serialize)]
struct Message<'a> {
    data: Data<'a>,
    includes: Includes<'a>,
    matching_rules: &'a [MatchingRule],
}

#[derive(Serialize)]
struct Data<'a> {
    id: String,
    text: Cow<'a, str>,
    created_at: String,
    author_id: String,
    lang: &'static str,
    source: &'static str,
    conversation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_reply_to_user_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    referenced_tweets: Vec<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entities: Option<V2Entities>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note_tweet: Option<Note<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    geo: Option<Geo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    context_annotations: Vec<ContextAnnotation>,
    public_metrics: Metrics,
    possibly_sensitive: bool,
    reply_settings: &'static str,
    edit_history_tweet_ids: [String; 1],
}

impl<'a> Data<'a> {
    fn of(post: &'a Post) -> Option<Self> {
        let long = weighted_len(&post.body.text) > NOTE_PREVIEW_WEIGHT;
        let (text, entities, note_tweet) = if long {
            let preview = note_preview(&post.body);
            let note = Note {
                text: &post.body.text,
                entities: V2Entities::of(&post.body.entities),
            };
            let entities = V2Entities::of(&preview.entities);
            (Cow::Owned(preview.text), entities, Some(note))
        } else {
            let entities = V2Entities::of(&post.body.entities);
            (Cow::Borrowed(post.body.text.as_str()), entities, None)
        };
        let reply = post.reply.as_ref();
        Some(Data {
            id: post.id.to_string(),
            text,
            created_at: format_created_at(post.created_ms)?,
            author_id: post.author.id_str.clone(),
            lang: post.language.code,
            source: post.client.name,
            // The thread's first tweet; for a reply, the one it answers stands in for it.
            conversation_id: reply.map_or(post.id, |r| r.status_id).to_string(),
            in_reply_to_user_id: reply.map(|r| r.to.id.to_string()),
            referenced_tweets: Reference::all(post),
            entities,
            note_tweet,
            geo: post.place.as_ref().map(|placed| Geo {
                place_id: placed.spec.id,
                coordinates: placed.point.map(|coordinates| GeoPoint {
                    kind: "Point",
                    coordinates,
                }),
            }),
            context_annotations: post
                .annotations
                .iter()
                .map(|&annotation| ContextAnnotation::from(annotation))
                .collect(),
            public_metrics: Metrics {
                retweet_count: post.reactions.retweets,
                reply_count: post.reactions.replies,
                like_count: post.reactions.favorites,
                quote_count: post.reactions.quotes,
            },
            possibly_sensitive: post.possibly_sensitive.unwrap_or(false),
            reply_settings: "everyone",
            edit_history_tweet_ids: [post.id.to_string()],
        })
    }
}

/// Something Twitter inferred a tweet is about, and the kind of thing it is.
#[derive(Serialize)]
struct ContextAnnotation {
    domain: AnnotationDomain,
    entity: AnnotationEntity,
}

#[derive(Serialize)]
struct AnnotationDomain {
    id: &'static str,
    name: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct AnnotationEntity {
    id: &'static str,
    name: &'static str,
}

impl From<&Annotation> for ContextAnnotation {
    fn from(annotation: &Annotation) -> Self {
        let domain = annotation.domain;
        ContextAnnotation {
            domain: AnnotationDomain {
                id: domain.id,
                name: domain.name,
                description: domain.description,
            },
            entity: AnnotationEntity {
                id: annotation.entity_id,
                name: annotation.entity_name,
            },
        }
    }
}

#[derive(Serialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
}

impl Reference {
    /// The tweets `post` answers, retweets or quotes.
    fn all(post: &Post) -> Vec<Reference> {
        let replied = post.reply.as_ref().map(|r| ("replied_to", r.status_id));
        let shared = post.shared.as_ref().map(|shared| match shared {
            Shared::Retweet { original, .. } => ("retweeted", original.id),
            Shared::Quote { quoted, .. } => ("quoted", quoted.id),
        });
        replied
            .into_iter()
            .chain(shared)
            .map(|(kind, id)| Reference {
                kind,
                id: id.to_string(),
            })
            .collect()
    }
}

/// A long post's whole text.
#[derive(Serialize)]
struct Note<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    entities: Option<V2Entities>,
}

#[derive(Serialize)]
struct Metrics {
    retweet_count: u32,
    reply_count: u32,
    like_count: u32,
    quote_count: u32,
}

/// v2 entities: `start`/`end` instead of `indices`, `tag` and `username` instead of `text` and
/// `screen_name`; lists that would be empty are left out.
#[derive(Serialize)]
struct V2Entities {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashtags: Vec<Tag>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cashtags: Vec<Tag>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mentions: Vec<Mention>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    urls: Vec<Url>,
}

impl V2Entities {
    /// `None` when there are none, as the API leaves `entities` out then.
    fn of(entities: &Entities) -> Option<V2Entities> {
        let tags = |list: &[super::entities::Indexed<super::entities::Tagged>]| -> Vec<Tag> {
            list.iter()
                .map(|item| Tag {
                    start: item.indices[0],
                    end: item.indices[1],
                    tag: item.entity.text.clone(),
                })
                .collect()
        };
        let converted = V2Entities {
            hashtags: tags(&entities.hashtags),
            cashtags: tags(&entities.symbols),
            mentions: (entities.user_mentions.iter())
                .map(|item| Mention {
                    start: item.indices[0],
                    end: item.indices[1],
                    username: item.entity.screen_name.clone(),
                    id: item.entity.id.to_string(),
                })
                .collect(),
            urls: (entities.urls.iter())
                .map(|item| Url {
                    start: item.indices[0],
                    end: item.indices[1],
                    url: item.entity.url.clone(),
                    expanded_url: item.entity.expanded_url.clone(),
                    display_url: item.entity.display_url.clone(),
                })
                .collect(),
        };
        let empty = converted.hashtags.is_empty()
            && converted.cashtags.is_empty()
            && converted.mentions.is_empty()
            && converted.urls.is_empty();
        (!empty).then_some(converted)
    }
}

#[derive(Serialize)]
struct Tag {
    start: usize,
    end: usize,
    tag: String,
}

#[derive(Serialize)]
struct Mention {
    start: usize,
    end: usize,
    username: String,
    id: String,
}

#[derive(Serialize)]
struct Url {
    start: usize,
    end: usize,
    url: String,
    expanded_url: String,
    display_url: String,
}

#[derive(Serialize)]
struct Geo {
    place_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    coordinates: Option<GeoPoint>,
}

/// GeoJSON point: [lon, lat].
#[derive(Serialize)]
struct GeoPoint {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

/// The expansions: the authors, the retweeted or quoted tweet, and the place.
#[derive(Serialize)]
struct Includes<'a> {
    users: Vec<V2User<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tweets: Vec<Data<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    places: Vec<V2Place>,
}

impl<'a> Includes<'a> {
    fn of(post: &'a Post) -> Option<Self> {
        let inner = match &post.shared {
            Some(Shared::Retweet { original, included }) => included.then_some(&**original),
            Some(Shared::Quote { quoted, .. }) => Some(&**quoted),
            None => None,
        };
        let authors = std::iter::once(post).chain(inner).map(|p| &p.author);
        let tweets = match inner {
            Some(inner) => vec![Data::of(inner)?],
            None => Vec::new(),
        };
        Some(Includes {
            users: authors.map(V2User::of).collect::<Option<_>>()?,
            tweets,
            places: post.place.iter().map(|p| V2Place::from(p.spec)).collect(),
        })
    }
}

#[derive(Serialize)]
struct V2User<'a> {
    id: &'a str,
    name: &'a str,
    username: &'a str,
    created_at: String,
    /// Empty, not absent, for users without one.
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    /// Empty, not absent, for users without one.
    url: &'a str,
    verified: bool,
    protected: bool,
    profile_image_url: &'a str,
    public_metrics: UserMetrics,
}

impl<'a> V2User<'a> {
    fn of(user: &'a User) -> Option<Self> {
        Some(V2User {
            id: &user.id_str,
            name: &user.name,
            username: &user.screen_name,
            created_at: format_created_at(user.created_ms)?,
            description: user.description.as_deref().unwrap_or_default(),
            location: user.location.as_deref(),
            url: user.url.as_deref().unwrap_or_default(),
            verified: user.verified,
            protected: user.protected,
            profile_image_url: &user.profile_image_url_https,
            public_metrics: UserMetrics {
                followers_count: user.followers_count,
                following_count: user.friends_count,
                tweet_count: user.statuses_count,
                listed_count: user.listed_count,
            },
        })
    }
}

#[derive(Serialize)]
struct UserMetrics {
    followers_count: u32,
    following_count: u32,
    tweet_count: u32,
    listed_count: u32,
}

#[derive(Serialize)]
struct V2Place {
    full_name: &'static str,
    id: &'static str,
    country_code: &'static str,
    country: &'static str,
    name: &'static str,
    place_type: &'static str,
    geo: PlaceGeo,
}

/// A place's bounding box as a GeoJSON feature: `bbox` is [west, south, east, north].
#[derive(Serialize)]
struct PlaceGeo {
    #[serde(rename = "type")]
    kind: &'static str,
    bbox: [f64; 4],
    properties: Properties,
}

/// Always `{}` in practice.
#[derive(Serialize)]
struct Properties {}

impl From<&PlaceSpec> for V2Place {
    fn from(spec: &PlaceSpec) -> Self {
        let [west, south, east, north] = spec.bbox();
        V2Place {
            full_name: spec.full_name,
            id: spec.id,
            country_code: spec.country_code,
            country: spec.country,
            name: spec.name,
            place_type: spec.place_type,
            geo: PlaceGeo {
                kind: "Feature",
                bbox: [west, south, east, north],
                properties: Properties {},
            },
        }
    }
}
