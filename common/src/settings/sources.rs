//! The sources' settings: Twitter's APIs, Bluesky's Jetstream, Mastodon's streaming API, and
//! the secrets some of them need.

use std::time::Duration;

use serde::Deserialize;

use super::{duration, ensure, Settings, SettingsError, SourceKind};

/// A secret from the environment or a file: never printed, not even by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value read from the environment.
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<unset>"
        } else {
            "<redacted>"
        })
    }
}

/// A v2 filtered-stream rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamRule {
    pub value: String,
    pub tag: Option<String>,
}

/// Twitter API sources. Credentials come from the tutorials' environment variables
/// (`CONSUMER_KEY`, `CONSUMER_SECRET`, `ACCESS_TOKEN`, `ACCESS_SECRET`, `TWITTER_BEARER_TOKEN`)
/// or from these keys; they are never logged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwitterSettings {
    /// `https://api.twitter.com`, or a compatible endpoint.
    pub api_base: String,
    /// v1.1 `track` phrases.
    #[serde(default)]
    pub track: Vec<String>,
    /// v1.1 `follow` user ids.
    #[serde(default)]
    pub follow: Vec<String>,
    /// v1.1 `locations` bounding boxes, each "sw_lon,sw_lat,ne_lon,ne_lat".
    #[serde(default)]
    pub locations: Vec<String>,
    /// v1.1 `language` codes.
    #[serde(default)]
    pub language: Vec<String>,
    pub stall_warnings: bool,
    /// v2 filter rules, synced at start (missing ones added, stale ones deleted).
    #[serde(default)]
    pub rules: Vec<StreamRule>,
    pub tweet_fields: String,
    pub expansions: String,
    pub user_fields: String,
    pub place_fields: String,
    /// No bytes (keep-alives included) for this long means a stalled connection.
    #[serde(deserialize_with = "duration")]
    pub stall_timeout: Duration,
    /// Tweets buffered between the stream and Kafka; when full, new tweets are dropped and
    /// counted so that the stream is never left unread.
    pub queue: usize,
    #[serde(default)]
    pub consumer_key: Secret,
    #[serde(default)]
    pub consumer_secret: Secret,
    #[serde(default)]
    pub access_token: Secret,
    #[serde(default)]
    pub access_secret: Secret,
    #[serde(default)]
    pub bearer_token: Secret,
}

/// Bluesky through Jetstream, which re-encodes the network's firehose as JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlueskySettings {
    /// Jetstream `subscribe` URLs, tried in order: the later ones are fallbacks.
    pub endpoints: Vec<String>,
    /// The record collections asked for (`wantedCollections`).
    pub collections: Vec<String>,
    /// Where the producer publishes Bluesky events.
    pub topic: String,
    /// No frame (pings included) for this long means a stalled connection.
    #[serde(deserialize_with = "duration")]
    pub stall_timeout: Duration,
    /// Events buffered between the socket and Kafka.
    pub queue: usize,
    /// How far before the last safe cursor a reconnect or restart resumes: events are not
    /// strictly in `time_us` order, and the consumer drops what is sent twice.
    #[serde(deserialize_with = "duration")]
    pub resume_margin: Duration,
}

/// A Mastodon instance's streaming API. The token comes from `MASTODON_ACCESS_TOKEN` or this
/// section and is never logged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MastodonSettings {
    /// The instance's base URL, e.g. `https://mastodon.social`.
    pub instance: String,
    /// `public`, `local` or `hashtag:<tag>`.
    pub timeline: String,
    /// Where the producer publishes statuses.
    pub topic: String,
    /// No bytes (heartbeats included; the server sends one every 15 s) for this long means a
    /// stalled connection.
    #[serde(deserialize_with = "duration")]
    pub stall_timeout: Duration,
    /// Statuses buffered between the stream and Kafka.
    pub queue: usize,
    #[serde(default)]
    pub access_token: Secret,
}

impl Settings {
    /// The Bluesky and Mastodon sources' settings.
    pub(super) fn validate_social(&self) -> Result<(), SettingsError> {
        let (b, m) = (&self.bluesky, &self.mastodon);
        let positive = "must be longer than 0";
        ensure(
            !b.endpoints.is_empty(),
            "bluesky.endpoints",
            "must list at least one Jetstream URL",
        )?;
        ensure(
            !b.collections.is_empty(),
            "bluesky.collections",
            "must list at least one collection",
        )?;
        ensure(
            !b.topic.trim().is_empty(),
            "bluesky.topic",
            "must not be empty",
        )?;
        ensure(
            !b.stall_timeout.is_zero(),
            "bluesky.stall_timeout",
            positive,
        )?;
        ensure(b.queue >= 1, "bluesky.queue", "must be at least 1")?;
        ensure(
            self.producer.source != SourceKind::Mastodon || !m.instance.trim().is_empty(),
            "mastodon.instance",
            "must be set when producer.source is \"mastodon\" (e.g. https://mastodon.social)",
        )?;
        ensure(
            !m.topic.trim().is_empty(),
            "mastodon.topic",
            "must not be empty",
        )?;
        ensure(
            !m.stall_timeout.is_zero(),
            "mastodon.stall_timeout",
            positive,
        )?;
        ensure(m.queue >= 1, "mastodon.queue", "must be at least 1")
    }
}
