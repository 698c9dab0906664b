//! When each tweet is due: as fast as possible, at a fixed rate, or following the tweets' own
//! `created_at` gaps sped up by a factor. Pure: the caller owns the clock and the sleeping.

use std::time::Duration;

/// A pacing policy and its progress.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pacer {
    /// No waiting.
    Unpaced,
    /// `per_second` tweets per second.
    Rate { per_second: f64, sent: u64 },
    /// Event-time gaps divided by `speed`, measured from the first tweet.
    EventTime { speed: f64, first_ms: Option<i64> },
}

impl Pacer {
    /// Fixed rate; 0 means unpaced.
    pub(crate) fn rate(per_second: f64) -> Self {
        if per_second > 0.0 {
            Pacer::Rate {
                per_second,
                sent: 0,
            }
        } else {
            Pacer::Unpaced
        }
    }

    /// Replay at `speed` × real time; 0 means unpaced.
    pub(crate) fn event_time(speed: f64) -> Self {
        if speed > 0.0 {
            Pacer::EventTime {
                speed,
                first_ms: None,
            }
        } else {
            Pacer::Unpaced
        }
    }

    /// How long after the start of the run the next tweet (with event time `event_ms`) is due.
    /// Tweets older than the first one are due immediately (archives are not always sorted).
    pub(crate) fn due(&mut self, event_ms: i64) -> Duration {
        match self {
            Pacer::Unpaced => Duration::ZERO,
            Pacer::Rate { per_second, sent } => {
                let due = Duration::from_secs_f64(*sent as f64 / *per_second);
                *sent += 1;
                due
            }
            Pacer::EventTime { speed, first_ms } => {
                let first = *first_ms.get_or_insert(event_ms);
                let gap_ms = event_ms.saturating_sub(first).max(0) as f64;
                Duration::from_secs_f64(gap_ms / 1000.0 / *speed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpaced_is_always_due() {
        let mut p = Pacer::rate(0.0);
        assert_eq!(p.due(5), Duration::ZERO);
        assert_eq!(Pacer::event_time(0.0), Pacer::Unpaced);
    }

    #[test]
    fn rate_spaces_tweets_evenly() {
        let mut p = Pacer::rate(4.0);
        let due: Vec<Duration> = (0..5).map(|_| p.due(0)).collect();
        assert_eq!(due[0], Duration::ZERO);
        assert_eq!(due[1], Duration::from_millis(250));
        assert_eq!(due[4], Duration::from_secs(1));
    }

    #[test]
    fn event_time_divides_gaps_by_speed() {
        let mut p = Pacer::event_time(10.0);
        assert_eq!(p.due(100_000), Duration::ZERO);
        assert_eq!(p.due(110_000), Duration::from_secs(1));
        assert_eq!(p.due(90_000), Duration::ZERO, "older than first: due now");
        assert_eq!(p.due(160_000), Duration::from_secs(6));
    }
}
