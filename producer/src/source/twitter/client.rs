//! The HTTP side of the Twitter sources: connect, read the stream, reconnect by Twitter's rules.
//!
//! Framing, message classification and the backoff schedule are pure modules next to this
//! one; this loop only moves bytes between them, the network and the tweet queue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest_oauth1::OAuthClientProvider;
use serde::Deserialize;
use tracing::{debug, error, info, warn};

use common::settings::{Secret, StreamRule, TwitterSettings};
use model::report::Report;

use super::message::{classify, Api, Kind, Level};
use crate::source::live::backoff::Failure;
use crate::source::live::chunks::next_chunk;
use crate::source::live::clock::Clock;
use crate::source::live::framing::{Frame, LineFramer};
use crate::source::live::reconnect::{reconnect, Ended};
use crate::source::live::{Offer, Outlet};
use crate::source::notice::{Notice, NoticeKind};
use crate::source::{Event, Record, SourceError};

/// Longest stream line accepted (Twitter's tweets are well under 64 KB).
const MAX_LINE_BYTES: usize = 1 << 20;

/// Counters a run reports at its end: they are logged when dropped, so a run that a shutdown
/// cancels reports too.
#[derive(Debug, Default)]
pub(crate) struct StreamStats {
    pub(crate) tweets: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) keep_alives: AtomicU64,
    pub(crate) control: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) reconnects: AtomicU64,
}

impl Drop for StreamStats {
    fn drop(&mut self) {
        info!(
            tweets = self.tweets.load(Ordering::Relaxed),
            dropped = self.dropped.load(Ordering::Relaxed),
            keep_alives = self.keep_alives.load(Ordering::Relaxed),
            control = self.control.load(Ordering::Relaxed),
            malformed = self.malformed.load(Ordering::Relaxed),
            reconnects = self.reconnects.load(Ordering::Relaxed),
            "stream summary"
        );
    }
}

/// Everything needed to open one kind of stream.
pub(crate) struct StreamSpec {
    api: Api,
    settings: TwitterSettings,
    auth: Auth,
}

enum Auth {
    OAuth1 {
        consumer_key: Secret,
        consumer_secret: Secret,
        access_token: Secret,
        access_secret: Secret,
    },
    Bearer(Secret),
}

impl StreamSpec {
    /// v1.1 filter stream; the four OAuth values must be set.
    pub(crate) fn v1(settings: TwitterSettings) -> Result<Self, SourceError> {
        let missing: Vec<&str> = [
            ("CONSUMER_KEY", &settings.consumer_key),
            ("CONSUMER_SECRET", &settings.consumer_secret),
            ("ACCESS_TOKEN", &settings.access_token),
            ("ACCESS_SECRET", &settings.access_secret),
        ]
        .iter()
        .filter(|(_, v)| v.expose().is_empty())
        .map(|(name, _)| *name)
        .collect();
        if !missing.is_empty() {
            return Err(SourceError::Credentials(format!(
                "the twitter-v1 source needs {} (environment variables or [twitter] keys)",
                missing.join(", ")
            )));
        }
        if settings.track.is_empty() && settings.follow.is_empty() && settings.locations.is_empty()
        {
            return Err(SourceError::Config(
                "the twitter-v1 source needs at least one of twitter.track, twitter.follow, twitter.locations".into(),
            ));
        }
        Ok(StreamSpec {
            api: Api::V1,
            auth: Auth::OAuth1 {
                consumer_key: settings.consumer_key.clone(),
                consumer_secret: settings.consumer_secret.clone(),
                access_token: settings.access_token.clone(),
                access_secret: settings.access_secret.clone(),
            },
            settings,
        })
    }

    /// v2 filtered stream; the bearer token must be set.
    pub(crate) fn v2(settings: TwitterSettings) -> Result<Self, SourceError> {
        if settings.bearer_token.expose().is_empty() {
            return Err(SourceError::Credentials(
                "the twitter-v2 source needs TWITTER_BEARER_TOKEN (environment variable or twitter.bearer_token)".into(),
            ));
        }
        Ok(StreamSpec {
            api: Api::V2,
            auth: Auth::Bearer(settings.bearer_token.clone()),
            settings,
        })
    }

    fn v1_params(&self) -> Vec<(&'static str, String)> {
        let s = &self.settings;
        let mut params = Vec::new();
        for (name, list) in [
            ("track", &s.track),
            ("follow", &s.follow),
            ("locations", &s.locations),
            ("language", &s.language),
        ] {
            if !list.is_empty() {
                params.push((name, list.join(",")));
            }
        }
        if s.stall_warnings {
            params.push(("stall_warnings", "true".to_owned()));
        }
        params
    }

    /// `path` on the configured API base.
    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.settings.api_base.trim_end_matches('/'))
    }

    /// Sends the stream request; an error is a network failure.
    async fn open(&self, http: &reqwest::Client) -> Result<reqwest::Response, OpenError> {
        match &self.auth {
            Auth::OAuth1 {
                consumer_key,
                consumer_secret,
                access_token,
                access_secret,
            } => {
                let secrets =
                    reqwest_oauth1::Secrets::new(consumer_key.expose(), consumer_secret.expose())
                        .token(access_token.expose(), access_secret.expose());
                http.clone()
                    .oauth1(secrets)
                    .post(self.endpoint("/1.1/statuses/filter.json"))
                    .form(&self.v1_params())
                    .send()
                    .await
                    .map_err(OpenError::from)
            }
            Auth::Bearer(token) => {
                let s = &self.settings;
                http.get(self.endpoint("/2/tweets/search/stream"))
                    .bearer_auth(token.expose())
                    .query(&[
                        ("tweet.fields", s.tweet_fields.as_str()),
                        ("expansions", s.expansions.as_str()),
                        ("user.fields", s.user_fields.as_str()),
                        ("place.fields", s.place_fields.as_str()),
                    ])
                    .send()
                    .await
                    .map_err(OpenError::from)
            }
        }
    }

    /// v2 only: makes the stream's rules equal the configured ones (adds missing, deletes
    /// stale), so the stream delivers what the config file says.
    async fn sync_rules(&self, http: &reqwest::Client) -> Result<(), RunError> {
        let Auth::Bearer(token) = &self.auth else {
            return Ok(());
        };
        let url = self.endpoint("/2/tweets/search/stream/rules");
        let current: RulesResponse = rules_call(http.get(&url).bearer_auth(token.expose())).await?;
        let wanted = &self.settings.rules;
        let stale: Vec<&str> = current
            .data
            .iter()
            .filter(|r| !wanted.iter().any(|w| r.is(w)))
            .map(|r| r.id.as_str())
            .collect();
        let missing: Vec<&StreamRule> = wanted
            .iter()
            .filter(|w| !current.data.iter().any(|r| r.is(w)))
            .collect();
        if !stale.is_empty() {
            let body = serde_json::json!({ "delete": { "ids": stale } });
            rules_call::<serde_json::Value>(
                http.post(&url).bearer_auth(token.expose()).json(&body),
            )
            .await?;
        }
        if !missing.is_empty() {
            let add: Vec<serde_json::Value> = missing
                .iter()
                .map(|r| serde_json::json!({ "value": r.value, "tag": r.tag }))
                .collect();
            let body = serde_json::json!({ "add": add });
            rules_call::<serde_json::Value>(
                http.post(&url).bearer_auth(token.expose()).json(&body),
            )
            .await?;
        }
        info!(
            kept = current.data.len() - stale.len(),
            deleted = stale.len(),
            added = missing.len(),
            "stream rules synced"
        );
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct RulesResponse {
    #[serde(default)]
    data: Vec<RemoteRule>,
}

#[derive(Debug, Deserialize)]
struct RemoteRule {
    id: String,
    value: String,
    tag: Option<String>,
}

impl RemoteRule {
    /// Whether this rule on the server is the configured rule `wanted`.
    fn is(&self, wanted: &StreamRule) -> bool {
        self.value == wanted.value && self.tag == wanted.tag
    }
}

async fn rules_call<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<T, RunError> {
    let response = request
        .send()
        .await
        .map_err(|e| RunError::Rules(e.into()))?;
    let status = response.status().as_u16();
    if status == 401 || status == 403 {
        return Err(RunError::Credentials { status });
    }
    if !response.status().is_success() {
        return Err(RunError::Rules(RulesError::Status(status)));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| RunError::Rules(e.into()))?;
    serde_json::from_slice(&bytes).map_err(|e| RunError::Rules(RulesError::Response(e)))
}

/// Why the stream loop gave up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    #[error("Twitter rejected the credentials (HTTP {status}): check CONSUMER_KEY, CONSUMER_SECRET, ACCESS_TOKEN, ACCESS_SECRET or TWITTER_BEARER_TOKEN")]
    Credentials { status: u16 },
    #[error("cannot sync the v2 stream rules")]
    Rules(#[source] RulesError),
    /// The HTTP client could not be set up (e.g. its TLS backend).
    #[error("cannot create the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl From<RunError> for SourceError {
    fn from(error: RunError) -> Self {
        match error {
            // Our own message, naming the settings to check.
            RunError::Credentials { .. } => SourceError::Credentials(error.to_string()),
            _ => SourceError::Stream(error),
        }
    }
}

/// Why the stream request got no response: the signed (v1.1) or plain (v2) request failed.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error(transparent)]
    Signed(#[from] reqwest_oauth1::Error),
    #[error(transparent)]
    Plain(#[from] reqwest::Error),
}

/// Why the v2 stream rules could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RulesError {
    /// No answer (the request or the response body failed).
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// An answer other than success or a credentials failure.
    #[error("HTTP {0}")]
    Status(u16),
    /// A success whose body is not what the API documents.
    #[error("unexpected response")]
    Response(#[source] serde_json::Error),
}

/// Syncs the rules, then connects, reads and reconnects for as long as Twitter allows. Tweets
/// go to `out`; when it is full they are dropped and counted, so the stream is always read.
pub(crate) async fn run(
    spec: &StreamSpec,
    out: &Outlet,
    clock: &dyn Clock,
    stats: &StreamStats,
) -> Result<(), RunError> {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(RunError::Client)?;
    spec.sync_rules(&http).await?;
    let status = reconnect(clock, &stats.reconnects, async || {
        read_once(spec, &http, out, stats).await
    })
    .await;
    Err(RunError::Credentials { status })
}

/// One connection: open, then read until it fails or stalls.
async fn read_once(
    spec: &StreamSpec,
    http: &reqwest::Client,
    out: &Outlet,
    stats: &StreamStats,
) -> Ended {
    let failed = |failure, healthy| Ended { failure, healthy };
    let mut response = match spec.open(http).await {
        Ok(r) => r,
        Err(error) => {
            warn!(error = %Report(&error), "cannot connect to the stream");
            return failed(Failure::Network, false);
        }
    };
    let status = response.status().as_u16();
    if status != 200 {
        warn!(status, "stream request refused");
        return failed(Failure::Http(status), false);
    }
    info!(api = ?spec.api, "connected to the stream");
    let mut framer = LineFramer::new(MAX_LINE_BYTES);
    let mut frames = Vec::new();
    let mut healthy = false;
    let stall_timeout = spec.settings.stall_timeout;
    loop {
        let Some(chunk) = next_chunk(&mut response, stall_timeout, framer.pending_bytes()).await
        else {
            return failed(Failure::Network, healthy);
        };
        healthy = true;
        framer.push(&chunk, &mut frames);
        for frame in frames.drain(..) {
            if let Some(end) = handle_frame(spec.api, frame, out, stats) {
                return failed(end, healthy);
            }
        }
    }
}

/// Acts on one frame; returns a failure when the message says the connection is over.
fn handle_frame(api: Api, frame: Frame, out: &Outlet, stats: &StreamStats) -> Option<Failure> {
    let bytes = match frame {
        Frame::KeepAlive => {
            stats.keep_alives.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Frame::TooLong { bytes } => {
            stats.malformed.fetch_add(1, Ordering::Relaxed);
            warn!(bytes, "stream message too long; skipped");
            return None;
        }
        Frame::Message(bytes) => bytes,
    };
    let kind = match classify(api, &bytes) {
        Ok(kind) => kind,
        Err(error) => {
            stats.malformed.fetch_add(1, Ordering::Relaxed);
            warn!(error = %Report(&error), "malformed stream message; skipped");
            return None;
        }
    };
    if let Kind::Tweet { .. } = kind {
        publish_tweet(bytes, out, stats);
        return None;
    }
    stats.control.fetch_add(1, Ordering::Relaxed);
    if let Some(notice) = NoticeKind::of(&kind) {
        // Counted in the producer's summary, and kept by a sink that records the stream. A
        // full queue drops it: tweets matter more.
        let notice = Notice {
            kind: notice,
            payload: bytes,
            position: None,
        };
        let _ = out.offer(Event::Notice(notice));
    }
    match kind.log_level() {
        Level::Debug => debug!(?kind, "stream message"),
        Level::Info => info!(?kind, "stream message"),
        Level::Warn => warn!(?kind, "stream message"),
        Level::Error => error!(?kind, "stream message"),
    }
    match kind {
        Kind::Disconnect { .. }
        | Kind::Errors {
            operational_disconnect: true,
            ..
        } => Some(Failure::Network),
        _ => None,
    }
}

fn publish_tweet(bytes: Vec<u8>, out: &Outlet, stats: &StreamStats) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let record = match Record::from_post_json(bytes, now_ms) {
        Ok(record) => record,
        Err(error) => {
            stats.malformed.fetch_add(1, Ordering::Relaxed);
            warn!(error = %Report(&error), "unusable tweet in the stream; skipped");
            return;
        }
    };
    match out.offer(Event::Tweet(record)) {
        Offer::Sent => {
            stats.tweets.fetch_add(1, Ordering::Relaxed);
        }
        Offer::Full => {
            let dropped = stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                warn!(
                    dropped,
                    "Kafka is slower than the stream: tweet queue full, dropping tweets"
                );
            }
        }
        Offer::Closed => {}
    }
}

#[cfg(test)]
mod tests;
