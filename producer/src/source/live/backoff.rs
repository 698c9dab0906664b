//! How long to wait before reconnecting to a live stream, following Twitter's documented
//! reconnect rules, which every live source uses: Jetstream and Mastodon document none, and the
//! same caution suits them.
//!
//! | failure                      | schedule                                    |
//! |------------------------------|---------------------------------------------|
//! | network (TCP/IO, stall, EOF) | linear: 250 ms, 500 ms, 750 ms, … up to 16 s |
//! | HTTP 420 / 429               | exponential: 60 s, 120 s, … up to 960 s     |
//! | HTTP 401 / 403               | fatal: retrying will not help               |
//! | any other HTTP status        | exponential: 5 s, 10 s, … up to 320 s       |
//!
//! Twitter states no cap for 420/429; this module caps them at 960 s
//! (16 minutes), long enough for rate limiting windows (15 minutes) to pass.
//!
//! Each of the three retryable categories keeps its own attempt count, and a
//! failure of one category leaves the others' counts alone: only
//! [`Backoff::on_healthy`] resets them. This is deliberately conservative:
//! Twitter warns that every 420 extends the rate limit, so a network error
//! between two 420s must not bring the next 420's wait back to 60 s.
//!
//! No jitter is added and no clock is read: the caller sleeps for the returned
//! duration and reports the outcome of the next attempt.

use std::time::Duration;

/// First and step delay for network failures.
const NETWORK_STEP: Duration = Duration::from_millis(250);
/// Longest wait after network failures.
const NETWORK_CAP: Duration = Duration::from_secs(16);
/// First delay for HTTP failures other than rate limiting.
const HTTP_BASE: Duration = Duration::from_secs(5);
/// Longest wait after HTTP failures other than rate limiting.
const HTTP_CAP: Duration = Duration::from_secs(320);
/// First delay after a 420 or 429.
const RATE_LIMIT_BASE: Duration = Duration::from_secs(60);
/// Longest wait after a 420 or 429 (Twitter states none; see module docs).
const RATE_LIMIT_CAP: Duration = Duration::from_secs(960);

/// Why a connection attempt or an established connection failed.
///
/// Exists because Twitter prescribes different waits for network trouble and
/// for each kind of HTTP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Failure {
    /// TCP/IO errors, stalls (no data or keep-alive within the timeout) and
    /// abrupt disconnects.
    Network,
    /// The server answered with this HTTP status instead of 200. A 200 passed
    /// here by mistake is treated like any other HTTP error.
    Http(u16),
}

/// What to do after a failure.
///
/// Exists so that the reconnect loop has a single answer to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Decision {
    /// Wait this long, then reconnect.
    Retry(Duration),
    /// Stop: the status means the credentials or permissions are wrong, and
    /// retrying would not help (and may get the account locked out).
    Fatal {
        /// The HTTP status that made the failure fatal.
        status: u16,
    },
}

/// Attempt counts for each retryable category of failure.
///
/// Exists to turn a stream of failures into the waits Twitter asks clients to
/// observe before reconnecting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Backoff {
    network_attempts: u32,
    http_attempts: u32,
    rate_limited_attempts: u32,
}

impl Backoff {
    /// Creates a backoff with no failures recorded, so each category starts
    /// from its first step.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records a failure and says how long to wait before reconnecting, or
    /// that reconnecting is pointless.
    ///
    /// A fatal status changes no attempt count.
    pub(crate) fn on_failure(&mut self, failure: Failure) -> Decision {
        match failure {
            Failure::Network => {
                let n = bump(&mut self.network_attempts);
                Decision::Retry(NETWORK_STEP.saturating_mul(n).min(NETWORK_CAP))
            }
            Failure::Http(status @ (401 | 403)) => Decision::Fatal { status },
            Failure::Http(420 | 429) => {
                let n = bump(&mut self.rate_limited_attempts);
                Decision::Retry(doubling(RATE_LIMIT_BASE, n, RATE_LIMIT_CAP))
            }
            Failure::Http(_) => {
                let n = bump(&mut self.http_attempts);
                Decision::Retry(doubling(HTTP_BASE, n, HTTP_CAP))
            }
        }
    }

    /// Records that a connection delivered data or stayed up, which resets
    /// every schedule to its first step.
    pub(crate) fn on_healthy(&mut self) {
        *self = Self::default();
    }
}

/// Counts one more attempt and returns the new count.
fn bump(attempts: &mut u32) -> u32 {
    *attempts = attempts.saturating_add(1);
    *attempts
}

/// `base` doubled `attempt - 1` times, but never more than `cap`.
fn doubling(base: Duration, attempt: u32, cap: Duration) -> Duration {
    // 2^31 times any base used here is far beyond every cap, so clamping the
    // exponent keeps the shift in range without changing the result.
    let exponent = attempt.saturating_sub(1).min(31);
    base.saturating_mul(1u32 << exponent).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn delays(backoff: &mut Backoff, failure: Failure, count: usize) -> Vec<Duration> {
        (0..count)
            .map(|_| match backoff.on_failure(failure) {
                Decision::Retry(d) => d,
                Decision::Fatal { status } => panic!("unexpected fatal {status}"),
            })
            .collect()
    }

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    fn secs(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_secs).collect()
    }

    #[test]
    fn network_backs_off_linearly() {
        let mut b = Backoff::new();
        assert_eq!(
            delays(&mut b, Failure::Network, 8),
            ms(&[250, 500, 750, 1000, 1250, 1500, 1750, 2000])
        );
    }

    #[test]
    fn network_caps_at_16_seconds() {
        let mut b = Backoff::new();
        let all = delays(&mut b, Failure::Network, 70);
        assert_eq!(all[63], Duration::from_secs(16));
        assert_eq!(all[62], Duration::from_millis(15_750));
        assert!(all[63..].iter().all(|&d| d == Duration::from_secs(16)));
    }

    #[test]
    fn http_backs_off_exponentially_from_5_seconds() {
        let mut b = Backoff::new();
        assert_eq!(
            delays(&mut b, Failure::Http(503), 8),
            secs(&[5, 10, 20, 40, 80, 160, 320, 320])
        );
    }

    #[test]
    fn rate_limit_backs_off_exponentially_from_60_seconds() {
        for status in [420, 429] {
            let mut b = Backoff::new();
            assert_eq!(
                delays(&mut b, Failure::Http(status), 8),
                secs(&[60, 120, 240, 480, 960, 960, 960, 960])
            );
        }
    }

    #[test]
    fn statuses_420_and_429_share_one_schedule() {
        let mut b = Backoff::new();
        assert_eq!(
            b.on_failure(Failure::Http(420)),
            Decision::Retry(Duration::from_secs(60))
        );
        assert_eq!(
            b.on_failure(Failure::Http(429)),
            Decision::Retry(Duration::from_secs(120))
        );
    }

    #[test]
    fn caps_hold_after_very_many_failures() {
        let mut b = Backoff {
            network_attempts: u32::MAX - 1,
            http_attempts: u32::MAX - 1,
            rate_limited_attempts: u32::MAX - 1,
        };
        for _ in 0..3 {
            assert_eq!(b.on_failure(Failure::Network), Decision::Retry(NETWORK_CAP));
            assert_eq!(b.on_failure(Failure::Http(500)), Decision::Retry(HTTP_CAP));
            assert_eq!(
                b.on_failure(Failure::Http(429)),
                Decision::Retry(RATE_LIMIT_CAP)
            );
        }
    }

    #[test]
    fn unauthorized_and_forbidden_are_fatal() {
        let mut b = Backoff::new();
        assert_eq!(
            b.on_failure(Failure::Http(401)),
            Decision::Fatal { status: 401 }
        );
        assert_eq!(
            b.on_failure(Failure::Http(403)),
            Decision::Fatal { status: 403 }
        );
        // Fatal statuses leave the schedules untouched.
        assert_eq!(b, Backoff::new());
    }

    #[test]
    fn other_statuses_use_the_http_schedule() {
        for status in [200, 304, 400, 404, 406, 413, 416, 500, 502, 503, 504] {
            let mut b = Backoff::new();
            assert_eq!(
                b.on_failure(Failure::Http(status)),
                Decision::Retry(HTTP_BASE),
                "status {status}"
            );
        }
    }

    #[test]
    fn categories_keep_their_own_counts() {
        let mut b = Backoff::new();
        assert_eq!(delays(&mut b, Failure::Http(420), 2), secs(&[60, 120]));
        // A network failure starts from its own first step...
        assert_eq!(delays(&mut b, Failure::Network, 2), ms(&[250, 500]));
        assert_eq!(delays(&mut b, Failure::Http(503), 1), secs(&[5]));
        // ...and does not shorten the next rate-limit wait.
        assert_eq!(delays(&mut b, Failure::Http(420), 1), secs(&[240]));
        assert_eq!(delays(&mut b, Failure::Network, 1), ms(&[750]));
        assert_eq!(delays(&mut b, Failure::Http(500), 1), secs(&[10]));
    }

    #[test]
    fn healthy_connection_resets_every_schedule() {
        let mut b = Backoff::new();
        delays(&mut b, Failure::Network, 5);
        delays(&mut b, Failure::Http(500), 5);
        delays(&mut b, Failure::Http(420), 5);
        b.on_healthy();
        assert_eq!(delays(&mut b, Failure::Network, 2), ms(&[250, 500]));
        assert_eq!(delays(&mut b, Failure::Http(500), 2), secs(&[5, 10]));
        assert_eq!(delays(&mut b, Failure::Http(429), 2), secs(&[60, 120]));
    }

    /// An event a reconnect loop can report.
    #[derive(Debug, Clone, Copy)]
    enum Event {
        Fail(Failure),
        Healthy,
    }

    fn event() -> impl Strategy<Value = Event> {
        let status = prop_oneof![
            Just(401u16),
            Just(403),
            Just(420),
            Just(429),
            Just(500),
            Just(503),
            100u16..600,
        ];
        prop_oneof![
            4 => Just(Event::Fail(Failure::Network)),
            6 => status.prop_map(|s| Event::Fail(Failure::Http(s))),
            1 => Just(Event::Healthy),
        ]
    }

    /// Index of a retryable category and its cap.
    fn category(failure: Failure) -> Option<(usize, Duration)> {
        match failure {
            Failure::Network => Some((0, NETWORK_CAP)),
            Failure::Http(401 | 403) => None,
            Failure::Http(420 | 429) => Some((2, RATE_LIMIT_CAP)),
            Failure::Http(_) => Some((1, HTTP_CAP)),
        }
    }

    proptest! {
        #[test]
        fn delays_never_decrease_within_a_category_nor_exceed_caps(
            events in proptest::collection::vec(event(), 0..200),
        ) {
            let mut b = Backoff::new();
            let mut last = [Duration::ZERO; 3];
            for event in events {
                match event {
                    Event::Healthy => {
                        b.on_healthy();
                        last = [Duration::ZERO; 3];
                    }
                    Event::Fail(failure) => {
                        let decision = b.on_failure(failure);
                        match (category(failure), decision) {
                            (Some((i, cap)), Decision::Retry(d)) => {
                                prop_assert!(d >= last[i], "{d:?} < {:?}", last[i]);
                                prop_assert!(d <= cap);
                                prop_assert!(d > Duration::ZERO);
                                last[i] = d;
                            }
                            (None, Decision::Fatal { .. }) => {}
                            (c, d) => prop_assert!(false, "{failure:?}: {c:?} vs {d:?}"),
                        }
                    }
                }
            }
        }
    }
}
