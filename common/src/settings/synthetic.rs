//! The synthetic generator's settings: what fixes its stream (seed, start, event-time density,
//! shape, bursts) and how fast it is published.

use std::time::Duration;

use serde::Deserialize;

use super::{duration, ensure, SettingsError, SinkKind};

/// Synthetic generator options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSettings {
    pub seed: u64,
    /// Publishing rate in tweets per second; 0 means unthrottled.
    pub rate: f64,
    /// Event-time density; `None` follows `rate` (so a live stream's `created_at` tracks the
    /// wall clock), or 100 per second when unthrottled.
    pub(crate) events_per_second: Option<f64>,
    /// Event time of the first tweet (RFC 3339); `None` means "now".
    pub start: Option<String>,
    /// Which API's message shape the generator writes.
    pub shape: TweetShape,
    /// Whether delete notices and stall warnings are interleaved with the tweets, as a recorded
    /// stream has them; `None`: only when the stream is written out (`producer.sink = stdout`),
    /// because a run into Kafka would only skip them again.
    #[serde(default)]
    pub(crate) stream_notices: Option<bool>,
    /// Event time (`created_at`) from the start to the first burst and between the starts of
    /// two bursts; zero turns bursts off. See [`Bursts`].
    #[serde(deserialize_with = "duration")]
    pub(crate) burst_every: Duration,
    /// Event time one burst lasts.
    #[serde(deserialize_with = "duration")]
    pub(crate) burst_length: Duration,
    /// Share of tweets carrying the burst's hashtag at the burst's middle.
    pub(crate) burst_peak: f64,
}

/// The message shape of a Twitter API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TweetShape {
    /// v1.1 `statuses/filter`: one tweet object per message, in compatibility mode.
    V1,
    /// v2 filtered stream: `{"data", "includes", "matching_rules"}`.
    V2,
}

/// Bursts of the synthetic stream, in milliseconds of event time: a hashtag never seen before
/// rises and fades again, so that a trend detector has something to find. Burst *k* (1, 2, …)
/// starts `k * every_ms` after the stream's first tweet, so consumers have a history before the
/// first one, and lasts `length_ms`; the share of tweets carrying its hashtag rises linearly
/// from 0 to `peak` at its middle and falls back to 0 (a triangle).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bursts {
    /// Positive.
    pub every_ms: i64,
    /// Positive and at most `every_ms`, so that bursts never overlap.
    pub length_ms: i64,
    /// Above 0 and at most 1.
    pub peak: f64,
}

impl SyntheticSettings {
    /// Event-time density used when none is configured and the rate is unthrottled.
    pub(crate) const DEFAULT_EVENTS_PER_SECOND: f64 = 100.0;

    /// Tweets per second of `created_at`: configured, else the publishing rate, else 100.
    pub fn effective_events_per_second(&self) -> f64 {
        match self.events_per_second {
            Some(eps) => eps,
            None if self.rate > 0.0 => self.rate,
            None => Self::DEFAULT_EVENTS_PER_SECOND,
        }
    }

    /// Whether stream notices are generated: as configured, else only into `sink = stdout`.
    pub fn effective_stream_notices(&self, sink: SinkKind) -> bool {
        self.stream_notices.unwrap_or(sink == SinkKind::Stdout)
    }

    /// The bursts, `None` when `burst_every` is zero (off). Validation has made the durations
    /// whole milliseconds, the length at most the period and the peak a share.
    pub fn bursts(&self) -> Option<Bursts> {
        (!self.burst_every.is_zero()).then(|| Bursts {
            every_ms: millis(self.burst_every),
            length_ms: millis(self.burst_length),
            peak: self.burst_peak,
        })
    }

    /// The first synthetic setting out of its range.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        ensure(
            self.rate >= 0.0 && self.rate.is_finite(),
            "synthetic.rate",
            "must be a finite number >= 0",
        )?;
        ensure(
            self.events_per_second
                .is_none_or(|eps| eps > 0.0 && eps.is_finite()),
            "synthetic.events_per_second",
            "must be a finite number > 0",
        )?;
        ensure(
            self.start
                .as_ref()
                .is_none_or(|start| chrono::DateTime::parse_from_rfc3339(start).is_ok()),
            "synthetic.start",
            "must be an RFC 3339 time such as 2026-01-01T00:00:00Z",
        )?;
        self.validate_bursts()
    }

    fn validate_bursts(&self) -> Result<(), SettingsError> {
        let whole = "must be whole milliseconds";
        let (every, length) = (self.burst_every, self.burst_length);
        ensure(whole_millis(every), "synthetic.burst_every", whole)?;
        ensure(whole_millis(length), "synthetic.burst_length", whole)?;
        ensure(
            self.burst_peak > 0.0 && self.burst_peak <= 1.0,
            "synthetic.burst_peak",
            "must be a share above 0 and at most 1 (0.1: 10% of tweets at a burst's peak)",
        )?;
        ensure(
            every.is_zero() || (!length.is_zero() && length <= every),
            "synthetic.burst_length",
            "must be longer than 0 and at most synthetic.burst_every (one burst at a time)",
        )
    }
}

fn whole_millis(d: Duration) -> bool {
    d.subsec_nanos().is_multiple_of(1_000_000)
}

/// Milliseconds of `d`, saturating: a period of hundreds of millions of years means no burst.
fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
