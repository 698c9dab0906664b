//! Bursts: now and then a hashtag nobody used before rises over a minute of event time and
//! fades again, so that the demo's "rising" list has something to find besides the steady
//! Zipf head (whose share of each window stays put).
//!
//! Everything is fixed by the seed and the tweets' event time (`created_at`), never by the
//! wall clock: burst *k* starts `k * every_ms` after the stream's start, and a tweet created
//! `x` ms into a burst of length `L` carries the burst's hashtag with probability
//! `peak * (1 - |2x - L| / L)`. The draws come from their own ChaCha stream of the seed, taken
//! only for tweets inside a burst, so the stream before the first burst is byte for byte the one
//! without bursts. (After a tweet that carries the tag, its text is planned around one more
//! hashtag, so the tweets' own random stream moves on differently from there.)

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::settings::Bursts;

use super::burst_names::BurstNames;

/// The ChaCha stream bursts draw from; the tweets use stream 0 of the same seed, notices 1.
const BURST_STREAM: u64 = 2;

/// Decides, tweet by tweet, which carry the current burst's hashtag.
#[derive(Debug, Clone)]
pub(super) struct BurstStream {
    bursts: Bursts,
    /// Event time of the stream's first tweet, which the bursts are counted from.
    start_ms: i64,
    rng: ChaCha8Rng,
    names: BurstNames,
    /// The latest burst's name, so that a name is written once per burst, not per tweet.
    current: Option<Named>,
}

#[derive(Debug, Clone)]
struct Named {
    number: i64,
    name: String,
}

impl BurstStream {
    /// # Panics
    ///
    /// If `bursts` is out of its documented range (a period or length that is not positive, a
    /// length past the period, a peak outside (0, 1]): settings validation rules those out.
    pub(super) fn new(bursts: Bursts, seed: u64, start_ms: i64) -> Self {
        assert!(
            bursts.every_ms > 0 && bursts.length_ms > 0 && bursts.length_ms <= bursts.every_ms,
            "bursts need 0 < length <= every, got {bursts:?}"
        );
        assert!(
            bursts.peak > 0.0 && bursts.peak <= 1.0,
            "a burst's peak is a share in (0, 1], got {}",
            bursts.peak
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(BURST_STREAM);
        let names = BurstNames::new(&mut rng);
        Self {
            bursts,
            start_ms,
            rng,
            names,
            current: None,
        }
    }

    /// The hashtag a tweet created at `created_ms` carries for the burst under way, if any.
    pub(super) fn tag_at(&mut self, created_ms: i64) -> Option<String> {
        let Bursts {
            every_ms,
            length_ms,
            peak,
        } = self.bursts;
        // Before the start (a first tweet's `created_at` is truncated to the second), this is
        // negative, which the first comparison also rules out.
        let since_start = created_ms.saturating_sub(self.start_ms);
        let (number, into) = (since_start / every_ms, since_start % every_ms);
        if number < 1 || into >= length_ms {
            return None;
        }
        // The triangle: 0 at the start, `peak` at the middle, 0 again at the end.
        let rise = into.min(length_ms - into);
        let share = peak * (2 * rise) as f64 / length_ms as f64;
        if share <= 0.0 || !self.rng.random_bool(share) {
            return None;
        }
        if self.current.as_ref().is_none_or(|c| c.number != number) {
            let name = self.names.name(number.unsigned_abs());
            self.current = Some(Named { number, name });
        }
        self.current.as_ref().map(|current| current.name.clone())
    }
}
