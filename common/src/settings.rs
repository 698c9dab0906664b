//! Layered configuration: built-in defaults < config file < environment < command-line flags.
//!
//! Both binaries share one settings tree so a single file can configure a whole deployment.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, ConfigError, Environment, File, FileFormat};
use serde::{Deserialize, Deserializer};

use model::window_spec::{parse_windows, WindowDef};

mod sources;
mod synthetic;

pub use sources::{BlueskySettings, MastodonSettings, Secret, StreamRule, TwitterSettings};
pub use synthetic::{Bursts, SyntheticSettings, TweetShape};

/// Built-in defaults, compiled in so the binaries work from any directory.
const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Environment variables that override settings start with this, e.g. `TRENDS__CONSUMER__TOP`.
pub(crate) const ENV_PREFIX: &str = "TRENDS";

/// Why settings could not be loaded; the message, with its cause, always names the offending key
/// or file.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file given with `--config` could not be read.
    #[error("config file {path}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file given with `--config` is not valid TOML.
    #[error("config file {path}")]
    ParseFile { path: PathBuf, source: ConfigError },
    /// A key holds a value of the wrong type or an unknown key was given (the source names it).
    #[error("invalid configuration")]
    Invalid(#[source] ConfigError),
    /// A value has the right type but is out of range.
    #[error("invalid configuration: `{key}` {problem}")]
    OutOfRange { key: &'static str, problem: String },
}

impl crate::exit::ExitReason for SettingsError {
    fn exit_code(&self) -> i32 {
        crate::exit::USAGE
    }
}

/// The whole configuration tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub kafka: KafkaSettings,
    pub producer: ProducerSettings,
    pub synthetic: SyntheticSettings,
    pub consumer: ConsumerSettings,
    pub twitter: TwitterSettings,
    pub bluesky: BlueskySettings,
    pub mastodon: MastodonSettings,
    pub log: LogSettings,
}

/// Where the brokers are and how the raw topic looks.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    pub bootstrap_servers: String,
    /// The raw topic: the one the producer publishes to; the consumer reads a comma-separated
    /// list of them (see [`Settings::raw_topics`]).
    pub topic: String,
    /// Where the consumer publishes every window's counts (compacted; key = window + hashtag).
    pub results_topic: String,
    /// Where consumers exchange per-partition partial counts on their way to the exact merge;
    /// empty for the group's own (see [`Settings::partials_topic`]).
    pub partials_topic: String,
    /// Where consumers keep their checkpoints (resume offset and watermark per partition, one
    /// record each); empty for the group's own (see [`Settings::checkpoints_topic`]).
    pub checkpoints_topic: String,
    /// Where the consumer dead-letters messages it cannot count (original bytes, reason in a
    /// header); empty for `<topic>-dlq`, one per raw topic (see [`Settings::dlq_topic_of`]).
    pub dlq_topic: String,
    /// Partition count used when a binary creates a missing topic.
    pub partitions: i32,
    /// Replication factor used when a binary creates a missing topic.
    pub replication_factor: i32,
    /// librdkafka properties passed through unchanged (SASL, SSL, tuning). Values may be secrets,
    /// so they are never printed: see the `Debug` impl.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

impl std::fmt::Debug for KafkaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSettings")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("topic", &self.topic)
            .field("results_topic", &self.results_topic)
            .field("partials_topic", &self.partials_topic)
            .field("checkpoints_topic", &self.checkpoints_topic)
            .field("dlq_topic", &self.dlq_topic)
            .field("partitions", &self.partitions)
            .field("replication_factor", &self.replication_factor)
            .field("properties", &self.properties.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Which source feeds the producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Synthetic,
    File,
    /// `statuses/filter.json` with OAuth 1.0a.
    TwitterV1,
    /// `/2/tweets/search/stream` with a bearer token.
    TwitterV2,
    /// Bluesky's posts through Jetstream (WebSocket, no credentials).
    Bluesky,
    /// A Mastodon instance's streaming API (server-sent events, a user token).
    Mastodon,
}

/// Where the producer sends tweets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    Kafka,
    Stdout,
}

/// Producer run options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSettings {
    pub source: SourceKind,
    pub sink: SinkKind,
    pub file: Option<PathBuf>,
    /// File replay, Bluesky or Mastodon into Kafka: where to record how far the input is safely
    /// published, so a restart resumes there instead of publishing the whole file again (or
    /// starting live).
    #[serde(default)]
    pub checkpoint: Option<PathBuf>,
    /// Replay speed factor for file sources; 0 replays as fast as possible.
    pub speed: f64,
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "optional_duration")]
    pub duration: Option<Duration>,
}

/// Where a group without committed offsets starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    Earliest,
    Latest,
}

impl OffsetReset {
    /// The librdkafka `auto.offset.reset` value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OffsetReset::Earliest => "earliest",
            OffsetReset::Latest => "latest",
        }
    }
}

/// Consumer run options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSettings {
    pub group_id: String,
    pub auto_offset_reset: OffsetReset,
    /// The window families to compute (see `window_spec` for the syntax).
    #[serde(deserialize_with = "windows")]
    pub window: Vec<WindowDef>,
    #[serde(deserialize_with = "duration")]
    pub allowed_lateness: Duration,
    pub top: usize,
    #[serde(deserialize_with = "duration")]
    pub commit_interval: Duration,
    pub until_end: bool,
    pub counts_file: Option<PathBuf>,
    /// A partition read to its end that receives nothing for this long closes its open windows
    /// (the processing-time heartbeat), so an idle stream still produces results.
    #[serde(deserialize_with = "duration")]
    pub idle_timeout: Duration,
    /// How often open windows' running counts are published (`final: false`); 0 turns it off.
    #[serde(deserialize_with = "duration")]
    pub early_updates: Duration,
    /// Hashtags tracked per window and partition (Space-Saving); 0 counts every hashtag exactly.
    pub max_hashtags: usize,
    /// Whether retweets count as mentions of their hashtags.
    pub retweets: RetweetPolicy,
    /// Larger messages are dead-lettered unparsed: no tweet is near this size, and parsing
    /// megabytes of hostile JSON is how one message stalls a partition.
    pub max_message_bytes: usize,
    /// Tweets created further than this ahead of the wall clock are dead-lettered: one tweet
    /// from the year 2100 would otherwise move its partition's watermark past every window and
    /// make everything after it late.
    #[serde(deserialize_with = "duration")]
    pub max_clock_skew: Duration,
    /// Stop after this many messages of the raw topic (`--limit`).
    #[serde(default)]
    pub limit: Option<u64>,
    /// Stop after this long (`--duration`).
    #[serde(default, deserialize_with = "optional_duration")]
    pub duration: Option<Duration>,
    /// Where the HTTP API, metrics and dashboard listen; `None` (an empty string) turns them off.
    #[serde(deserialize_with = "optional_socket_addr")]
    pub http: Option<SocketAddr>,
    /// Closed windows per window definition the HTTP view keeps, which bounds its memory.
    pub http_history: usize,
    /// How far back (by publish time) the HTTP view reads the result topic when it starts.
    #[serde(deserialize_with = "duration")]
    pub http_lookback: Duration,
    /// Whether tweets' sentiment is scored and published with the window and hashtag counts.
    pub sentiment: bool,
    /// The fraction of tweets scored (chosen by tweet id, so replays score the same ones).
    pub sentiment_sample: f64,
    /// How many window sizes of history a window's rising hashtags are measured against;
    /// 0 turns rising rankings off.
    pub rising_history: u32,
    /// A hashtag counted fewer times than this in a window does not rise, so that one-off
    /// hashtags with no history do not fill the ranking.
    pub rising_min_count: u64,
    /// The lowest score (standard deviations above the baseline) that ranks as rising.
    pub rising_min_score: f64,
    /// Added to the baseline under the score's square root, so that a new hashtag's score is
    /// finite.
    pub rising_prior: f64,
}

/// How retweets are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetweetPolicy {
    /// A retweet is one more mention of its hashtags, as Twitter's own trends count it.
    Count,
    /// Only original tweets are counted; retweets are skipped.
    Skip,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// Logging options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(&text)
        .map_err(|e| serde::de::Error::custom(format!("{e} in duration \"{text}\"")))
}

fn windows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<WindowDef>, D::Error> {
    let text = String::deserialize(d)?;
    parse_windows(&text).map_err(serde::de::Error::custom)
}

fn optional_socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(d)?;
    match text.trim() {
        "" => Ok(None),
        addr => addr.parse().map(Some).map_err(|e| {
            serde::de::Error::custom(format!("{e} in address \"{text}\" (want IP:PORT)"))
        }),
    }
}

fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

/// A value from a command-line flag, applied on top of every other layer.
#[derive(Debug, Clone)]
pub struct Override {
    key: &'static str,
    value: config::Value,
}

impl Override {
    /// Overrides `key` (dotted, e.g. `consumer.top`) with `value`.
    pub fn new(key: &'static str, value: impl Into<config::Value>) -> Self {
        Override {
            key,
            value: value.into(),
        }
    }
}

impl Settings {
    /// The partials topic: as configured, else `<group_id>-partials`, so that two consumer
    /// groups never merge each other's counts (like Kafka Streams' internal topics).
    pub fn partials_topic(&self) -> String {
        self.internal_topic(&self.kafka.partials_topic, "partials")
    }

    /// The checkpoints topic: as configured, else `<group_id>-checkpoints`.
    pub fn checkpoints_topic(&self) -> String {
        self.internal_topic(&self.kafka.checkpoints_topic, "checkpoints")
    }

    /// The raw topics the consumer reads, in the order given: `kafka.topic` split at commas
    /// (`raw-twitter,raw-bluesky,raw-mastodon`). The order fixes each partition's input index
    /// in the merge, so keep it when restarting a group. Validation ensures none is empty and
    /// none repeats.
    pub fn raw_topics(&self) -> Vec<String> {
        self.kafka
            .topic
            .split(',')
            .map(|t| t.trim().to_owned())
            .collect()
    }

    /// The dead-letter topic of messages from the raw topic `raw`: as configured (one for
    /// all), else `<raw>-dlq` (`raw-twitter-dlq`), so rejects stay beside their source.
    pub fn dlq_topic_of(&self, raw: &str) -> String {
        match self.kafka.dlq_topic.trim() {
            "" => format!("{raw}-dlq"),
            name => name.to_owned(),
        }
    }

    /// The topic the producer publishes to: the Bluesky and Mastodon sources' own topics, else
    /// `kafka.topic`.
    pub fn producer_topic(&self) -> &str {
        match self.producer.source {
            SourceKind::Bluesky => &self.bluesky.topic,
            SourceKind::Mastodon => &self.mastodon.topic,
            _ => &self.kafka.topic,
        }
    }

    fn internal_topic(&self, configured: &str, suffix: &str) -> String {
        match configured.trim() {
            "" => format!("{}-{suffix}", self.consumer.group_id),
            name => name.to_owned(),
        }
    }

    /// Loads all layers. `file` is the `--config` path; `overrides` come from flags.
    pub fn load(file: Option<&Path>, overrides: &[Override]) -> Result<Settings, SettingsError> {
        Self::load_with_env(file, overrides, Environment::with_prefix(ENV_PREFIX))
    }

    fn load_with_env(
        file: Option<&Path>,
        overrides: &[Override],
        env: Environment,
    ) -> Result<Settings, SettingsError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| SettingsError::ReadFile {
                path: path.to_owned(),
                source,
            })?;
            // Validate the file on its own first so its errors name the file.
            Config::builder()
                .add_source(File::from_str(&text, FileFormat::Toml))
                .build()
                .map_err(|source| SettingsError::ParseFile {
                    path: path.to_owned(),
                    source,
                })?;
            builder = builder.add_source(File::from_str(&text, FileFormat::Toml));
        }
        builder = builder.add_source(env.prefix_separator("__").separator("__"));
        for o in overrides {
            builder = builder
                .set_override(o.key, o.value.clone())
                .map_err(SettingsError::Invalid)?;
        }
        let mut settings: Settings = builder
            .build()
            .and_then(Config::try_deserialize)
            .map_err(SettingsError::Invalid)?;
        settings.kafka.properties = normalise_property_names(settings.kafka.properties);
        settings.validate()?;
        Ok(settings)
    }

    /// The first setting out of its range, as a one-line error naming its key.
    fn validate(&self) -> Result<(), SettingsError> {
        self.validate_kafka()?;
        self.validate_producer()?;
        self.validate_consumer()
    }

    fn validate_kafka(&self) -> Result<(), SettingsError> {
        let k = &self.kafka;
        ensure(
            !k.bootstrap_servers.trim().is_empty(),
            "kafka.bootstrap_servers",
            "must not be empty",
        )?;
        let topics = self.raw_topics();
        ensure(
            topics.iter().all(|t| !t.is_empty()),
            "kafka.topic",
            "must not be empty, nor hold an empty name in its comma-separated list",
        )?;
        let distinct: std::collections::BTreeSet<&String> = topics.iter().collect();
        ensure(
            distinct.len() == topics.len(),
            "kafka.topic",
            "must not name a topic twice",
        )?;
        ensure(
            !k.results_topic.trim().is_empty(),
            "kafka.results_topic",
            "must not be empty",
        )?;
        ensure(k.partitions >= 1, "kafka.partitions", "must be at least 1")?;
        ensure(
            k.replication_factor >= 1,
            "kafka.replication_factor",
            "must be at least 1",
        )
    }

    /// The producer's own settings and its sources' (synthetic, Twitter).
    fn validate_producer(&self) -> Result<(), SettingsError> {
        let (p, t) = (&self.producer, &self.twitter);
        ensure(
            p.speed >= 0.0 && p.speed.is_finite(),
            "producer.speed",
            "must be a finite number >= 0",
        )?;
        ensure(
            p.source != SourceKind::File || p.file.is_some(),
            "producer.file",
            "must be set when producer.source is \"file\"",
        )?;
        self.synthetic.validate()?;
        ensure(t.queue >= 1, "twitter.queue", "must be at least 1")?;
        ensure(
            !t.stall_timeout.is_zero(),
            "twitter.stall_timeout",
            "must be longer than 0",
        )?;
        self.validate_social()
    }

    fn validate_consumer(&self) -> Result<(), SettingsError> {
        let c = &self.consumer;
        let positive = "must be longer than 0";
        ensure(
            !c.group_id.trim().is_empty(),
            "consumer.group_id",
            "must not be empty",
        )?;
        ensure(
            c.allowed_lateness.subsec_nanos().is_multiple_of(1_000_000),
            "consumer.allowed_lateness",
            "must be whole milliseconds",
        )?;
        ensure(!c.idle_timeout.is_zero(), "consumer.idle_timeout", positive)?;
        ensure(c.top >= 1, "consumer.top", "must be at least 1")?;
        ensure(
            !c.commit_interval.is_zero(),
            "consumer.commit_interval",
            positive,
        )?;
        ensure(
            c.max_message_bytes >= 1,
            "consumer.max_message_bytes",
            "must be at least 1",
        )?;
        ensure(
            c.http_history >= 1,
            "consumer.http_history",
            "must be at least 1",
        )?;
        ensure(
            c.sentiment_sample > 0.0 && c.sentiment_sample <= 1.0,
            "consumer.sentiment_sample",
            "must be a fraction above 0 and at most 1",
        )?;
        ensure(
            c.rising_min_score.is_finite() && (0.0..=1e12).contains(&c.rising_min_score),
            "consumer.rising_min_score",
            "must be a number from 0 to 10^12",
        )?;
        ensure(
            c.rising_prior.is_finite() && (0.001..=1e12).contains(&c.rising_prior),
            "consumer.rising_prior",
            "must be a number from 0.001 to 10^12",
        )
    }
}

/// `Ok` when `holds`, else the error naming `key` and its `problem`.
fn ensure(holds: bool, key: &'static str, problem: &str) -> Result<(), SettingsError> {
    if holds {
        Ok(())
    } else {
        Err(SettingsError::OutOfRange {
            key,
            problem: problem.to_owned(),
        })
    }
}

/// librdkafka property names use dots, which environment variable names cannot hold, so
/// `sasl_password` (from `TRENDS__KAFKA__PROPERTIES__SASL_PASSWORD`) means `sasl.password`.
/// No librdkafka property name contains an underscore, so the mapping is unambiguous.
fn normalise_property_names(props: BTreeMap<String, String>) -> BTreeMap<String, String> {
    props
        .into_iter()
        .map(|(k, v)| (k.replace('_', "."), v))
        .collect()
}

#[cfg(test)]
mod tests;
