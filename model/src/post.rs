//! A post from any of the sources, recognised by its content: a tweet (API v1.1 or v2), a
//! Bluesky post as Jetstream sends it, or a Mastodon status. What counting needs of each, in one
//! shape.
//!
//! Tweets are the hot path and are parsed first; only a message that is no tweet is looked at
//! again as the other two.

use std::borrow::Cow;
use std::fmt;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::jetstream::{self, Event, EventError};
use crate::mastodon::{Status, StatusError};
use crate::tweet::{Completeness, ParseError, Tweet};

/// Where a post comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Twitter,
    Bluesky,
    Mastodon,
}

impl Source {
    /// How results and metrics name it.
    pub fn name(self) -> &'static str {
        match self {
            Source::Twitter => "twitter",
            Source::Bluesky => "bluesky",
            Source::Mastodon => "mastodon",
        }
    }
}

/// A post's id: a tweet's number, or the global URI of a Bluesky post (`at://...`) or a
/// Mastodon status. Each is kept whole, so two posts never share an id. Serialised as the
/// number or the string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PostId<'a> {
    Tweet(u64),
    Uri(Cow<'a, str>),
}

impl PostId<'_> {
    /// The same id, owning its text.
    pub fn into_owned(self) -> PostId<'static> {
        match self {
            PostId::Tweet(id) => PostId::Tweet(id),
            PostId::Uri(uri) => PostId::Uri(Cow::Owned(uri.into_owned())),
        }
    }
}

impl fmt::Display for PostId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostId::Tweet(id) => write!(f, "{id}"),
            PostId::Uri(uri) => f.write_str(uri),
        }
    }
}

/// A post reduced to what trend counting needs.
#[derive(Debug, Clone)]
pub struct Post<'a> {
    pub source: Source,
    pub id: PostId<'a>,
    /// When it was written, in epoch milliseconds, as the post says (a Bluesky post's claim is
    /// clamped: [`jetstream::event_time_ms`]); `None` when it does not say.
    pub created_at_ms: Option<i64>,
    pub lang: Option<Cow<'a, str>>,
    /// A retweet or a reblog: its original's hashtags and text count.
    pub is_repost: bool,
    pub completeness: Completeness,
    body: Body<'a>,
}

/// A post's text and hashtags: a tweet keeps its own, whose hashtags may still have to be
/// extracted from the text.
#[derive(Debug, Clone)]
enum Body<'a> {
    Tweet(Tweet<'a>),
    Listed {
        text: Cow<'a, str>,
        tags: Vec<Cow<'a, str>>,
    },
}

/// What a message that is not a countable post is.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// Not a post of any source, nor shaped like a Jetstream event or a Mastodon status: the
    /// tweet parser's reason, since tweets are what most streams carry.
    #[error(transparent)]
    NotAPost(#[from] ParseError),
    /// Shaped like a Jetstream event (two of `did`, `time_us`, `kind`) but not a readable one: the Jetstream
    /// reader's reason, which says more than the tweet parser's would.
    #[error("unreadable Bluesky Jetstream event")]
    BadBlueskyEvent(#[source] EventError),
    /// Shaped like a Mastodon status (two of `uri`, `content`, `account`) but not a readable one: the status reader's reason.
    #[error("unreadable Mastodon status")]
    BadMastodonStatus(#[source] StatusError),
    /// A Jetstream event that is not a new post, named (a like, a follow, a deletion, ...).
    #[error("a Bluesky Jetstream event that is not a new post: {0}")]
    NotABlueskyPost(String),
    /// A new Bluesky repost: a post, but one with no text or tags of its own (the reposted
    /// post is only referenced), so there is nothing to count. Not a fault of the stream:
    /// counting skips it and counts it in a metric rather than dead-lettering it.
    #[error("a Bluesky repost, which carries no text or hashtags of its own")]
    BlueskyRepost,
}

/// Which source's shape an unreadable message has, told by its top-level field names alone,
/// so that its rejection gives the reason of the reader it was meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Two of `did`, `time_us` and `kind`.
    Jetstream,
    /// Two of `uri`, `content` and `account`.
    Mastodon,
    /// Anything else, tweets included.
    Other,
}

/// The top-level fields [`Shape::sniff`] looks for; their values are not read.
#[derive(Deserialize)]
struct Fields {
    did: Option<IgnoredAny>,
    time_us: Option<IgnoredAny>,
    kind: Option<IgnoredAny>,
    uri: Option<IgnoredAny>,
    content: Option<IgnoredAny>,
    account: Option<IgnoredAny>,
}

impl Shape {
    /// The shape of a JSON object's bytes; [`Shape::Other`] for anything else.
    fn sniff(bytes: &[u8]) -> Shape {
        let Ok(f) = serde_json::from_slice::<Fields>(bytes) else {
            return Shape::Other;
        };
        let present =
            |fields: [&Option<IgnoredAny>; 3]| fields.iter().filter(|f| f.is_some()).count();
        if present([&f.did, &f.time_us, &f.kind]) >= 2 {
            Shape::Jetstream
        } else if present([&f.uri, &f.content, &f.account]) >= 2 {
            Shape::Mastodon
        } else {
            Shape::Other
        }
    }
}

impl<'a> Post<'a> {
    /// Reads one message of any source.
    pub fn parse_for_counting(bytes: &'a [u8]) -> Result<Post<'a>, PostError> {
        let tweet_error = match Tweet::parse_for_counting(bytes) {
            Ok(tweet) => return Ok(Post::from(tweet)),
            Err(error) => error,
        };
        let event_error = match Event::parse(bytes) {
            Ok(event) => return from_event(event),
            Err(error) => error,
        };
        let status_error = match Status::parse(bytes) {
            Ok(status) => return Ok(Post::from(status)),
            Err(error) => error,
        };
        Err(match Shape::sniff(bytes) {
            Shape::Jetstream => PostError::BadBlueskyEvent(event_error),
            Shape::Mastodon => PostError::BadMastodonStatus(status_error),
            Shape::Other => PostError::NotAPost(tweet_error),
        })
    }

    /// The text that is scored: a repost's original's.
    pub fn text(&self) -> &str {
        match &self.body {
            Body::Tweet(tweet) => &tweet.text,
            Body::Listed { text, .. } => text,
        }
    }

    /// Its hashtags as written (not yet case-folded); never empty strings.
    pub fn hashtags(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match &self.body {
            Body::Tweet(tweet) => Box::new(tweet.hashtags()),
            Body::Listed { tags, .. } => Box::new(tags.iter().map(|t| t.as_ref())),
        }
    }
}

/// A Jetstream event as a post, or why it is none: a repost has no content, and the other
/// events are named so that their rejection says what they were.
fn from_event(event: Event<'_>) -> Result<Post<'_>, PostError> {
    let what = match event {
        Event::Post(post) => return Ok(Post::from(post)),
        Event::Repost(_) => return Err(PostError::BlueskyRepost),
        Event::PostDeleted => "a post's deletion (delete app.bsky.feed.post)".to_owned(),
        Event::OtherCommit {
            operation,
            collection,
        } => format!("a commit ({operation} {collection})"),
        Event::EmptyCommit => "a commit event without its commit".to_owned(),
        Event::Identity => "an identity event (a handle or DID document change)".to_owned(),
        Event::Account => "an account event (an account's status change)".to_owned(),
    };
    Err(PostError::NotABlueskyPost(what))
}

impl<'a> From<Tweet<'a>> for Post<'a> {
    fn from(mut tweet: Tweet<'a>) -> Self {
        Post {
            source: Source::Twitter,
            id: PostId::Tweet(tweet.id),
            created_at_ms: tweet.created_at_ms,
            lang: tweet.lang.take(),
            is_repost: tweet.is_retweet,
            completeness: tweet.completeness,
            body: Body::Tweet(tweet),
        }
    }
}

impl<'a> From<jetstream::Post<'a>> for Post<'a> {
    fn from(post: jetstream::Post<'a>) -> Self {
        Post {
            source: Source::Bluesky,
            id: PostId::Uri(Cow::Owned(post.uri)),
            created_at_ms: Some(post.event_ms),
            lang: post.lang,
            is_repost: false,
            completeness: Completeness::Whole,
            body: Body::Listed {
                text: post.text,
                tags: post.hashtags,
            },
        }
    }
}

impl<'a> From<Status<'a>> for Post<'a> {
    fn from(status: Status<'a>) -> Self {
        Post {
            source: Source::Mastodon,
            id: PostId::Uri(status.uri),
            created_at_ms: status.created_at_ms,
            lang: status.lang,
            is_repost: status.is_reblog,
            completeness: Completeness::Whole,
            body: Body::Listed {
                text: Cow::Owned(status.text),
                tags: status.hashtags,
            },
        }
    }
}
