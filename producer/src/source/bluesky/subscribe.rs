//! Where a subscription starts: the URL of a Jetstream `subscribe` request, and the cursor a
//! reconnect or restart resumes from.
//!
//! Jetstream replays from a cursor (unix microseconds, inclusive) as far back as it keeps events,
//! about a day. A resume starts a margin before the safe cursor, because events do not arrive in
//! strict `time_us` order; the overlap is published twice and the consumer counts it once.

use std::time::Duration;

/// How far back Jetstream replays: its default event TTL is 24 h (36 h has been announced;
/// the public instances' setting is not published, so the shorter is assumed).
pub(crate) const REPLAY_HORIZON: Duration = Duration::from_secs(24 * 3600);

/// `endpoint` with one `wantedCollections` per collection and, when resuming, the cursor.
pub(crate) fn url(endpoint: &str, collections: &[String], cursor: Option<i64>) -> String {
    let mut url = endpoint.to_owned();
    let params = collections
        .iter()
        .map(|c| format!("wantedCollections={c}"))
        .chain(cursor.map(|c| format!("cursor={c}")));
    for (i, param) in params.enumerate() {
        let first = i == 0 && !endpoint.contains('?');
        url.push(if first { '?' } else { '&' });
        url.push_str(&param);
    }
    url
}

/// The cursor to subscribe with: `margin` before `safe` (never before the epoch).
pub(crate) fn resume_from(safe: i64, margin: Duration) -> i64 {
    let margin_us = i64::try_from(margin.as_micros()).unwrap_or(i64::MAX);
    safe.saturating_sub(margin_us).max(0)
}

/// How much of what a resume from `cursor` would replay is older than Jetstream keeps, at
/// `now_us`: those events are lost. `None` when the cursor is within the horizon.
pub(crate) fn beyond_horizon(cursor: i64, now_us: i64) -> Option<Duration> {
    let horizon_us = i64::try_from(REPLAY_HORIZON.as_micros()).unwrap_or(i64::MAX);
    let oldest_kept = now_us - horizon_us;
    (cursor < oldest_kept).then(|| Duration::from_micros((oldest_kept - cursor).unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "wss://jetstream1.us-east.bsky.network/subscribe";

    #[test]
    fn the_url_asks_for_each_collection_and_the_cursor() {
        let collections = [
            "app.bsky.feed.post".to_owned(),
            "app.bsky.feed.repost".to_owned(),
        ];
        assert_eq!(
            url(ENDPOINT, &collections, None),
            format!("{ENDPOINT}?wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost")
        );
        assert_eq!(
            url(ENDPOINT, &collections[..1], Some(1_783_175_888_085_434)),
            format!("{ENDPOINT}?wantedCollections=app.bsky.feed.post&cursor=1783175888085434")
        );
        assert_eq!(url(ENDPOINT, &[], None), ENDPOINT, "everything, live");
        assert_eq!(
            url(
                &format!("{ENDPOINT}?maxMessageSizeBytes=65536"),
                &[],
                Some(7)
            ),
            format!("{ENDPOINT}?maxMessageSizeBytes=65536&cursor=7")
        );
    }

    #[test]
    fn a_resume_starts_the_margin_before_the_safe_cursor() {
        let safe = 1_783_175_888_085_434;
        assert_eq!(resume_from(safe, Duration::from_secs(5)), safe - 5_000_000);
        assert_eq!(resume_from(3, Duration::from_secs(5)), 0);
    }

    #[test]
    fn a_cursor_older_than_a_day_has_lost_what_lies_beyond_the_horizon() {
        let now = 1_783_175_888_085_434;
        let day = 86_400_000_000;
        assert_eq!(beyond_horizon(now - 3_600_000_000, now), None);
        assert_eq!(beyond_horizon(now - day, now), None, "just kept");
        assert_eq!(
            beyond_horizon(now - day - 90_000_000, now),
            Some(Duration::from_secs(90))
        );
    }
}
