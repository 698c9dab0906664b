//! The v1.1 tweet as JSON: the structs the generator fills and serializes. serde writes fields
//! in declaration order, so reordering them changes the bytes a seed produces.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::text::Mentioned;
use super::vocabulary::PlaceSpec;

/// v1.1 `created_at`: always UTC, second resolution.
const CREATED_AT_FORMAT: &str = "%a %b %d %H:%M:%S +0000 %Y";

pub(super) fn serialize(tweet: &Tweet) -> Vec<u8> {
    // Cannot fail: these plain structs have only string map keys and infallible field types.
    serde_json::to_vec(tweet).expect("tweet structs always serialize")
}

/// Formats a v1.1 `created_at`; `None` outside chrono's range (hundreds of millennia away).
pub(super) fn format_created_at(ms: i64) -> Option<String> {
    let time = DateTime::<Utc>::from_timestamp_millis(ms)?;
    Some(time.format(CREATED_AT_FORMAT).to_string())
}

#[derive(Serialize)]
pub(super) struct Tweet {
    pub(super) created_at: String,
    pub(super) id: u64,
    pub(super) id_str: String,
    pub(super) text: String,
    pub(super) source: String,
    pub(super) truncated: bool,
    pub(super) in_reply_to_status_id: Option<u64>,
    pub(super) in_reply_to_status_id_str: Option<String>,
    pub(super) in_reply_to_user_id: Option<u64>,
    pub(super) in_reply_to_user_id_str: Option<String>,
    pub(super) in_reply_to_screen_name: Option<String>,
    pub(super) user: User,
    pub(super) geo: Option<Point>,
    pub(super) coordinates: Option<Point>,
    pub(super) place: Option<Place>,
    /// Always null in the stream.
    pub(super) contributors: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) retweeted_status: Option<Box<Tweet>>,
    pub(super) is_quote_status: bool,
    pub(super) quote_count: u32,
    pub(super) reply_count: u32,
    pub(super) retweet_count: u32,
    pub(super) favorite_count: u32,
    pub(super) entities: Entities,
    pub(super) favorited: bool,
    pub(super) retweeted: bool,
    /// Present only on tweets with links, as in the real stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) possibly_sensitive: Option<bool>,
    pub(super) filter_level: &'static str,
    pub(super) lang: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) timestamp_ms: Option<String>,
}

impl Tweet {
    /// Makes this a reply to tweet `status_id` by `to`.
    pub(super) fn reply_to(&mut self, status_id: u64, to: Mentioned) {
        self.in_reply_to_status_id = Some(status_id);
        self.in_reply_to_status_id_str = Some(status_id.to_string());
        self.in_reply_to_user_id = Some(to.id);
        self.in_reply_to_user_id_str = Some(to.id.to_string());
        self.in_reply_to_screen_name = Some(to.screen_name);
    }

    /// Tags this with `place` and, when shared, the exact `point` ([lon, lat]).
    pub(super) fn locate(&mut self, place: &PlaceSpec, point: Option<[f64; 2]>) {
        // `geo` is the deprecated twin of `coordinates`, with latitude first.
        self.geo = point.map(|[lon, lat]| Point::new([lat, lon]));
        self.coordinates = point.map(Point::new);
        self.place = Some(Place::from(place));
    }

    pub(super) fn react(&mut self, reactions: Reactions) {
        self.retweet_count = reactions.retweets;
        self.favorite_count = reactions.favorites;
        self.reply_count = reactions.replies;
        self.quote_count = reactions.quotes;
    }
}

/// How many retweeted, liked, answered and quoted a tweet.
pub(super) struct Reactions {
    pub(super) retweets: u32,
    pub(super) favorites: u32,
    pub(super) replies: u32,
    pub(super) quotes: u32,
}

#[derive(Serialize)]
pub(super) struct User {
    pub(super) id: u64,
    pub(super) id_str: String,
    pub(super) name: String,
    pub(super) screen_name: String,
    pub(super) location: Option<String>,
    pub(super) url: Option<String>,
    pub(super) description: Option<String>,
    pub(super) translator_type: &'static str,
    pub(super) protected: bool,
    pub(super) verified: bool,
    pub(super) followers_count: u32,
    pub(super) friends_count: u32,
    pub(super) listed_count: u32,
    pub(super) favourites_count: u32,
    pub(super) statuses_count: u32,
    pub(super) created_at: String,
    pub(super) geo_enabled: bool,
    pub(super) lang: &'static str,
    pub(super) contributors_enabled: bool,
    pub(super) is_translator: bool,
    pub(super) profile_background_color: String,
    pub(super) profile_link_color: String,
    pub(super) profile_sidebar_border_color: String,
    pub(super) profile_sidebar_fill_color: String,
    pub(super) profile_text_color: String,
    pub(super) profile_use_background_image: bool,
    pub(super) profile_image_url: String,
    pub(super) profile_image_url_https: String,
    /// Absent, not null, for users who never uploaded a banner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) profile_banner_url: Option<String>,
    pub(super) default_profile: bool,
    pub(super) default_profile_image: bool,
    /// Relationship to the authenticated user: always null in the stream.
    pub(super) following: Option<bool>,
    pub(super) follow_request_sent: Option<bool>,
    pub(super) notifications: Option<bool>,
}

/// GeoJSON point; `coordinates` is [lon, lat] (the deprecated `geo` reuses it as [lat, lon]).
#[derive(Serialize)]
pub(super) struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

impl Point {
    pub(super) fn new(coordinates: [f64; 2]) -> Self {
        Self {
            kind: "Point",
            coordinates,
        }
    }
}

#[derive(Serialize)]
pub(super) struct Place {
    id: &'static str,
    url: String,
    place_type: &'static str,
    name: &'static str,
    full_name: &'static str,
    country_code: &'static str,
    country: &'static str,
    bounding_box: BoundingBox,
    attributes: Attributes,
}

impl From<&PlaceSpec> for Place {
    fn from(spec: &PlaceSpec) -> Self {
        let (west, east) = (spec.lon - spec.half_span, spec.lon + spec.half_span);
        let (south, north) = (spec.lat - spec.half_span, spec.lat + spec.half_span);
        Self {
            id: spec.id,
            url: format!("https://api.twitter.com/1.1/geo/id/{}.json", spec.id),
            place_type: spec.place_type,
            name: spec.name,
            full_name: spec.full_name,
            country_code: spec.country_code,
            country: spec.country,
            bounding_box: BoundingBox {
                kind: "Polygon",
                coordinates: [[[west, south], [west, north], [east, north], [east, south]]],
            },
            attributes: Attributes {},
        }
    }
}

#[derive(Serialize)]
struct BoundingBox {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [[[f64; 2]; 4]; 1],
}

/// Always `{}` in practice.
#[derive(Serialize)]
struct Attributes {}

#[derive(Serialize, Default)]
pub(super) struct Entities {
    pub(super) hashtags: Vec<Indexed<Tagged>>,
    pub(super) urls: Vec<Indexed<Link>>,
    pub(super) user_mentions: Vec<Indexed<MentionEntity>>,
    pub(super) symbols: Vec<Indexed<Tagged>>,
}

impl Entities {
    /// Appends those of `source`'s entities that end within its first `kept` code points,
    /// shifted by `shift`: how a retweet re-indexes the entities of the text it quotes.
    pub(super) fn extend_clipped(&mut self, source: &Entities, kept: usize, shift: usize) {
        fn clip<T: Clone>(
            into: &mut Vec<Indexed<T>>,
            from: &[Indexed<T>],
            kept: usize,
            shift: usize,
        ) {
            into.extend(
                from.iter()
                    .filter(|item| item.indices[1] <= kept)
                    .map(|item| Indexed {
                        entity: item.entity.clone(),
                        indices: item.indices.map(|index| index + shift),
                    }),
            );
        }
        clip(&mut self.hashtags, &source.hashtags, kept, shift);
        clip(&mut self.urls, &source.urls, kept, shift);
        clip(&mut self.user_mentions, &source.user_mentions, kept, shift);
        clip(&mut self.symbols, &source.symbols, kept, shift);
    }
}

/// An entity plus its [start, end) code-point offsets in the text.
#[derive(Serialize, Clone)]
pub(super) struct Indexed<T> {
    #[serde(flatten)]
    pub(super) entity: T,
    pub(super) indices: [usize; 2],
}

/// A hashtag or cashtag: the text after the `#` or `$`.
#[derive(Serialize, Clone)]
pub(super) struct Tagged {
    pub(super) text: String,
}

#[derive(Serialize, Clone)]
pub(super) struct Link {
    pub(super) url: String,
    pub(super) expanded_url: String,
    pub(super) display_url: String,
}

#[derive(Serialize, Clone)]
pub(super) struct MentionEntity {
    screen_name: String,
    name: String,
    id: u64,
    id_str: String,
}

impl From<Mentioned> for MentionEntity {
    fn from(who: Mentioned) -> Self {
        Self {
            id_str: who.id.to_string(),
            screen_name: who.screen_name,
            name: who.name,
            id: who.id,
        }
    }
}
