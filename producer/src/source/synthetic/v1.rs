//! The v1.1 stream message: a tweet object in compatibility mode, as `statuses/filter.json`
//! delivers it. serde writes fields in declaration order, so reordering them changes the bytes a
//! seed produces.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::cut::compat_text;
use super::entities::{Entities, Link};
use super::post::{Post, Shared};
use super::vocabulary::PlaceSpec;

/// v1.1 `created_at`: always UTC, second resolution.
const CREATED_AT_FORMAT: &str = "%a %b %d %H:%M:%S +0000 %Y";

/// The message for `post`; `None` when a time in it is outside what `created_at` can show.
pub(super) fn serialize(post: &Post) -> Option<Vec<u8>> {
    let tweet = Tweet::top_level(post)?;
    // Cannot fail: these plain structs have only string map keys and infallible field types.
    Some(serde_json::to_vec(&tweet).expect("tweet structs always serialize"))
}

/// Formats a v1.1 `created_at`; `None` outside chrono's range (hundreds of millennia away).
pub(super) fn format_created_at(ms: i64) -> Option<String> {
    let time = DateTime::<Utc>::from_timestamp_millis(ms)?;
    Some(time.format(CREATED_AT_FORMAT).to_string())
}

#[derive(Serialize)]
struct Tweet<'a> {
    created_at: String,
    id: u64,
    id_str: String,
    text: Cow<'a, str>,
    source: String,
    truncated: bool,
    in_reply_to_status_id: Option<u64>,
    in_reply_to_status_id_str: Option<String>,
    in_reply_to_user_id: Option<u64>,
    in_reply_to_user_id_str: Option<String>,
    in_reply_to_screen_name: Option<&'a str>,
    user: Author<'a>,
    geo: Option<Point>,
    coordinates: Option<Point>,
    place: Option<Place>,
    /// Always null in the stream.
    contributors: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retweeted_status: Option<Box<Tweet<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quoted_status_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quoted_status_id_str: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quoted_status: Option<Box<Tweet<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quoted_status_permalink: Option<Permalink<'a>>,
    is_quote_status: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_tweet: Option<Extended<'a>>,
    quote_count: u32,
    reply_count: u32,
    retweet_count: u32,
    favorite_count: u32,
    entities: Cow<'a, Entities>,
    favorited: bool,
    retweeted: bool,
    /// Present only on tweets with links, as in the real stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    possibly_sensitive: Option<bool>,
    filter_level: &'static str,
    lang: &'static str,
    /// Only the top-level object of a stream message carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp_ms: Option<String>,
}

impl<'a> Tweet<'a> {
    /// The message's tweet: its author in full, and the time the stream sent it.
    fn top_level(post: &'a Post) -> Option<Self> {
        Some(Tweet {
            timestamp_ms: Some(post.created_ms.to_string()),
            ..Tweet::of(post, Author::Full(&post.author))?
        })
    }

    /// A tweet nested in another (retweeted or quoted), with its author in short.
    fn nested(post: &'a Post) -> Option<Box<Self>> {
        let author = Author::Short(ShortUser::from(&post.author));
        Tweet::of(post, author).map(Box::new)
    }

    fn of(post: &'a Post, user: Author<'a>) -> Option<Self> {
        let Shown {
            text,
            entities,
            truncated,
            extended_tweet,
        } = Shown::of(post);
        let reply = post.reply.as_ref();
        let quoted = post.quoted();
        let permalink = match &post.shared {
            Some(Shared::Quote { permalink, .. }) => Some(Permalink::from(permalink)),
            _ => None,
        };
        let point = post.place.as_ref().and_then(|placed| placed.point);
        let retweeted_status = match post.original() {
            Some(original) => Some(Tweet::nested(original)?),
            None => None,
        };
        let quoted_status = match quoted {
            Some(quoted) => Some(Tweet::nested(quoted)?),
            None => None,
        };
        Some(Tweet {
            created_at: format_created_at(post.created_ms)?,
            id: post.id,
            id_str: post.id.to_string(),
            text,
            source: source_html(post),
            truncated,
            in_reply_to_status_id: reply.map(|r| r.status_id),
            in_reply_to_status_id_str: reply.map(|r| r.status_id.to_string()),
            in_reply_to_user_id: reply.map(|r| r.to.id),
            in_reply_to_user_id_str: reply.map(|r| r.to.id.to_string()),
            in_reply_to_screen_name: reply.map(|r| r.to.screen_name.as_str()),
            user,
            // `geo` is the deprecated twin of `coordinates`, with latitude first.
            geo: point.map(|[lon, lat]| Point::new([lat, lon])),
            coordinates: point.map(Point::new),
            place: post.place.as_ref().map(|placed| Place::from(placed.spec)),
            contributors: None,
            retweeted_status,
            quoted_status_id: quoted.map(|q| q.id),
            quoted_status_id_str: quoted.map(|q| q.id.to_string()),
            quoted_status,
            quoted_status_permalink: permalink,
            is_quote_status: quoted.is_some(),
            extended_tweet,
            quote_count: post.reactions.quotes,
            reply_count: post.reactions.replies,
            retweet_count: post.reactions.retweets,
            favorite_count: post.reactions.favorites,
            entities,
            favorited: false,
            retweeted: false,
            possibly_sensitive: post.possibly_sensitive,
            filter_level: "low",
            lang: post.language.code,
            timestamp_ms: None,
        })
    }
}

/// The posting client as v1.1 names it: a link to its page.
fn source_html(post: &Post) -> String {
    let client = post.client;
    format!(
        "<a href=\"{}\" rel=\"nofollow\">{}</a>",
        client.url, client.name
    )
}

/// What a v1.1 message shows of a tweet's text in compatibility mode.
struct Shown<'a> {
    text: Cow<'a, str>,
    entities: Cow<'a, Entities>,
    truncated: bool,
    extended_tweet: Option<Extended<'a>>,
}

impl<'a> Shown<'a> {
    /// The whole text, or for a long one its start and (mostly) the whole in `extended_tweet`.
    fn of(post: &'a Post) -> Self {
        let Some(compat) = &post.compat else {
            return Shown {
                text: Cow::Borrowed(&post.body.text),
                entities: Cow::Borrowed(&post.body.entities),
                truncated: false,
                extended_tweet: None,
            };
        };
        let shown = compat_text(&post.body, compat.link.clone());
        Shown {
            text: Cow::Owned(shown.text),
            entities: Cow::Owned(shown.entities),
            truncated: true,
            extended_tweet: compat.extended.then(|| Extended {
                full_text: &post.body.text,
                display_text_range: [post.display_start, post.body.len()],
                entities: &post.body.entities,
            }),
        }
    }
}

/// A tweet's author: in full at the top of a message, in short in a nested tweet.
#[derive(Serialize)]
#[serde(untagged)]
enum Author<'a> {
    Full(&'a User),
    Short(ShortUser<'a>),
}

/// The author of a nested (retweeted or quoted) tweet: who it is, what the profile says and
/// its counts, without the presentation fields (colours, images, theme flags, language). Real messages
/// repeat the full object there and run to 5–8 KB; this keeps a message holding two tweets
/// within the 2–4 KB the generated stream aims at (see the module docs).
#[derive(Serialize)]
struct ShortUser<'a> {
    id: u64,
    id_str: &'a str,
    name: &'a str,
    screen_name: &'a str,
    location: Option<&'a str>,
    url: Option<&'a str>,
    description: Option<&'a str>,
    protected: bool,
    verified: bool,
    followers_count: u32,
    friends_count: u32,
    listed_count: u32,
    favourites_count: u32,
    statuses_count: u32,
    created_at: &'a str,
}

impl<'a> From<&'a User> for ShortUser<'a> {
    fn from(user: &'a User) -> Self {
        ShortUser {
            id: user.id,
            id_str: &user.id_str,
            name: &user.name,
            screen_name: &user.screen_name,
            location: user.location.as_deref(),
            url: user.url.as_deref(),
            description: user.description.as_deref(),
            protected: user.protected,
            verified: user.verified,
            followers_count: user.followers_count,
            friends_count: user.friends_count,
            listed_count: user.listed_count,
            favourites_count: user.favourites_count,
            statuses_count: user.statuses_count,
            created_at: &user.created_at,
        }
    }
}

/// Compatibility mode's whole text of a long tweet.
#[derive(Serialize)]
struct Extended<'a> {
    full_text: &'a str,
    /// [start, end) of the text a client displays: without leading reply mentions.
    display_text_range: [usize; 2],
    entities: &'a Entities,
}

/// The link to a quoted tweet, as the quoting tweet carries it.
#[derive(Serialize)]
struct Permalink<'a> {
    url: &'a str,
    expanded: &'a str,
    display: &'a str,
}

impl<'a> From<&'a Link> for Permalink<'a> {
    fn from(link: &'a Link) -> Self {
        Permalink {
            url: &link.url,
            expanded: &link.expanded_url,
            display: &link.display_url,
        }
    }
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
    /// `created_at` in ms since the Unix epoch, for the v2 form.
    #[serde(skip)]
    pub(super) created_ms: i64,
    pub(super) utc_offset: Option<i32>,
    pub(super) time_zone: Option<&'static str>,
    pub(super) geo_enabled: bool,
    pub(super) lang: &'static str,
    pub(super) contributors_enabled: bool,
    pub(super) is_translator: bool,
    pub(super) profile_background_color: String,
    pub(super) profile_background_image_url: String,
    pub(super) profile_background_image_url_https: String,
    pub(super) profile_background_tile: bool,
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
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

impl Point {
    fn new(coordinates: [f64; 2]) -> Self {
        Self {
            kind: "Point",
            coordinates,
        }
    }
}

#[derive(Serialize)]
struct Place {
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
        let [west, south, east, north] = spec.bbox();
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
