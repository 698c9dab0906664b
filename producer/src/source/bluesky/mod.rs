//! Bluesky as a producer source, through Jetstream (`--source bluesky`): new posts and reposts
//! are published with their original bytes, keyed by their at-uri; deletions, identity and
//! account events and other records are counted and skipped.
//!
//! Jetstream can replay from a cursor, so this source never drops an event: a slow broker slows
//! the reading down ([`Outlet::deliver`]), and a reconnect (or a restart with a checkpoint)
//! resumes a margin before the oldest event not yet acknowledged by Kafka (the run's
//! [`Progress`]). What comes twice the consumer counts once.

pub(crate) mod frame;
mod session;
mod subscribe;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use tracing::{info, warn};

use common::settings::BlueskySettings;
use common::shutdown::Shutdown;

use crate::publish::resume::Progress;
use crate::source::live::clock::{Clock, TokioClock};
use crate::source::live::reconnect::reconnect;
use crate::source::live::{LiveSource, Outlet};
use crate::source::SourceError;
use subscribe::{beyond_horizon, resume_from, url};

/// Counters a run reports at the end (what the publisher counts, posts and notices, it reports
/// itself).
#[derive(Debug)]
pub(crate) struct Stats {
    malformed: AtomicU64,
    reconnects: AtomicU64,
    /// Seconds of events a resume could not replay: older than Jetstream keeps.
    lost_s: AtomicU64,
    /// The oldest `time_us` received this run (`i64::MAX` before any): where a reconnect resumes
    /// while nothing has reached the sink yet (the events are all still queued).
    oldest_received_us: AtomicI64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            malformed: AtomicU64::default(),
            reconnects: AtomicU64::default(),
            lost_s: AtomicU64::default(),
            oldest_received_us: AtomicI64::new(i64::MAX),
        }
    }
}

impl Stats {
    fn received(&self, time_us: i64) {
        self.oldest_received_us
            .fetch_min(time_us, Ordering::Relaxed);
    }

    fn oldest_received(&self) -> Option<i64> {
        Some(self.oldest_received_us.load(Ordering::Relaxed)).filter(|&t| t != i64::MAX)
    }
}

impl Drop for Stats {
    fn drop(&mut self) {
        info!(
            malformed = self.malformed.load(Ordering::Relaxed),
            reconnects = self.reconnects.load(Ordering::Relaxed),
            lost_beyond_horizon_s = self.lost_s.load(Ordering::Relaxed),
            "Jetstream summary"
        );
    }
}

/// Where and how to subscribe.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) settings: BlueskySettings,
    /// The cursor a previous run's checkpoint holds, if any: the first subscription resumes from
    /// it; without one it starts at the live tail.
    pub(crate) start_cursor: Option<i64>,
}

/// Starts reading Jetstream in the background until `shutdown` is triggered; the run's
/// `progress` says where a reconnect resumes.
pub(crate) fn start(
    subscription: Subscription,
    progress: Progress,
    shutdown: &Shutdown,
) -> LiveSource {
    let queue = subscription.settings.queue;
    LiveSource::start(queue, shutdown, move |outlet| async move {
        follow(&subscription, &progress, &outlet, &TokioClock).await
    })
}

/// Subscribes again and again, each time a margin before the safe cursor, trying the endpoints in
/// turn after a failed connect; ends only when one refuses with 401 or 403.
async fn follow(
    subscription: &Subscription,
    progress: &Progress,
    outlet: &Outlet,
    clock: &dyn Clock,
) -> Result<(), SourceError> {
    let settings = &subscription.settings;
    let stats = Stats::default();
    warn_beyond_horizon(subscription.start_cursor, &stats);
    let mut next = 0;
    let mut endpoint = settings.endpoints[0].as_str();
    let status = reconnect(clock, &stats.reconnects, async || {
        endpoint = &settings.endpoints[next % settings.endpoints.len()];
        // What the sink has acknowledged; before it has seen anything, the checkpoint's cursor
        // or, on a first run, the oldest event received (all of them still queued).
        let safe = progress.get().safe_cursor();
        let safe = safe
            .or(subscription.start_cursor)
            .or_else(|| stats.oldest_received());
        let cursor = safe.map(|safe| resume_from(safe, settings.resume_margin));
        info!(endpoint, cursor, "subscribing");
        let url = url(endpoint, &settings.collections, cursor);
        let ended = session::read(&url, settings.stall_timeout, outlet, &stats).await;
        if !ended.healthy {
            next += 1;
        }
        ended
    })
    .await;
    Err(SourceError::Credentials(format!(
        "{endpoint} refused the subscription with HTTP {status}: Jetstream asks for no \
         credentials, so something in between (a proxy) does; check bluesky.endpoints"
    )))
}

/// Warns once when the checkpoint's cursor is older than Jetstream keeps events, and counts the
/// seconds lost.
fn warn_beyond_horizon(start_cursor: Option<i64>, stats: &Stats) {
    let now_us = chrono::Utc::now().timestamp_micros();
    let Some(lost) = start_cursor.and_then(|cursor| beyond_horizon(cursor, now_us)) else {
        return;
    };
    stats.lost_s.store(lost.as_secs(), Ordering::Relaxed);
    warn!(
        lost_s = lost.as_secs(),
        "the checkpoint is older than Jetstream's replay horizon (about a day): the events \
         between it and the oldest one Jetstream still keeps are lost"
    );
}
