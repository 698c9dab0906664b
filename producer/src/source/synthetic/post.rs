//! A generated tweet before either API's shape is put on it: what was posted, by whom, in answer
//! to or sharing what. `v1` and `v2` serialise it; keeping one model means the two shapes cannot
//! disagree about a tweet's content.

use super::entities::Link;
use super::text::{Mentioned, Rendered};
use super::v1::User;
use super::vocabulary::{Annotation, Client, Language, PlaceSpec};

pub(super) struct Post {
    pub(super) id: u64,
    pub(super) created_ms: i64,
    pub(super) author: User,
    /// The language Twitter assigned (`lang`).
    pub(super) language: &'static Language,
    pub(super) client: Client,
    /// The whole text and its entities, as written (for a retweet, already cut by the API).
    pub(super) body: Rendered,
    /// Code points of leading reply mentions, which the API leaves out of the displayed text.
    pub(super) display_start: usize,
    pub(super) reply: Option<Reply>,
    pub(super) place: Option<Placed>,
    pub(super) reactions: Reactions,
    /// Whether a link may lead to sensitive media; v1.1 has the field only on tweets with links.
    pub(super) possibly_sensitive: Option<bool>,
    /// v1.1 compatibility mode's cut, for a text longer than 140 code points.
    pub(super) compat: Option<Compat>,
    pub(super) shared: Option<Shared>,
    /// What Twitter inferred the tweet is about; only v2 messages carry it.
    pub(super) annotations: Vec<&'static Annotation>,
}

/// The tweet a reply answers, and its author.
pub(super) struct Reply {
    pub(super) status_id: u64,
    pub(super) to: Mentioned,
}

/// Where a placed tweet was posted: the place, and the exact point ([lon, lat]) when shared.
pub(super) struct Placed {
    pub(super) spec: &'static PlaceSpec,
    pub(super) point: Option<[f64; 2]>,
}

/// How many retweeted, liked, answered and quoted a tweet; zero for one the stream delivers the
/// moment it is posted.
#[derive(Default)]
pub(super) struct Reactions {
    pub(super) retweets: u32,
    pub(super) favorites: u32,
    pub(super) replies: u32,
    pub(super) quotes: u32,
}

/// How v1.1 compatibility mode shows a long text: its start, then `link` to the whole tweet.
pub(super) struct Compat {
    pub(super) link: Link,
    /// Whether the message also carries the whole text in `extended_tweet`. Without it, what is
    /// past the cut (hashtags included) is lost to a reader of the message.
    pub(super) extended: bool,
}

/// What a tweet passes on from another.
pub(super) enum Shared {
    /// A retweet: its text is the cut `RT @name: …` and it counts as `original`.
    Retweet {
        original: Box<Post>,
        /// Whether a v2 message includes the original; not when it was deleted or is protected.
        included: bool,
    },
    /// A quote tweet: its own text, ending in `permalink` to `quoted`.
    Quote { quoted: Box<Post>, permalink: Link },
}

impl Post {
    /// The retweeted original, when this is a retweet.
    pub(super) fn original(&self) -> Option<&Post> {
        match &self.shared {
            Some(Shared::Retweet { original, .. }) => Some(original),
            _ => None,
        }
    }

    /// The quoted tweet, when this is a quote.
    pub(super) fn quoted(&self) -> Option<&Post> {
        match &self.shared {
            Some(Shared::Quote { quoted, .. }) => Some(quoted),
            _ => None,
        }
    }

    /// The author, then the author of the tweet this one passes on (a retweet's original or a
    /// quote's quoted tweet).
    pub(super) fn users_mut(&mut self) -> impl Iterator<Item = &mut User> {
        let inner = match &mut self.shared {
            Some(Shared::Retweet { original, .. }) => Some(&mut original.author),
            Some(Shared::Quote { quoted, .. }) => Some(&mut quoted.author),
            None => None,
        };
        std::iter::once(&mut self.author).chain(inner)
    }
}
