//! Seeded generator of synthetic tweets shaped like the Twitter API's stream messages: v1.1
//! `statuses/filter.json` in compatibility mode, or the v2 filtered stream.
//!
//! The pipeline has to run without a Twitter account or a recorded corpus, and a test run has to
//! be reproducible byte for byte, so this source invents tweets from one seed. It keeps what the
//! consumer depends on or is stressed by: hashtag popularity skewed like real trends, non-ASCII
//! and mixed-case tags that make case folding matter, entity indices counted in code points,
//! texts people could have written (`phrases`), retweets cut exactly as the API cuts them
//! (`cut`), quotes, replies, long texts in compatibility mode and v2 long posts, delete notices
//! and stall warnings between tweets (`notices`), and payloads of 2–4 KB.
//!
//! Sizes need some care, because a real retweet or quote carries two full user objects and runs
//! to 5–8 KB. To keep nearly every payload within 2–4 KB, the author of a nested tweet is a short
//! user object (`v1`), a retweet's and a quote's users have sparse profiles, and the free text
//! nothing indexes into (profile descriptions; in v2 also context annotations) is filled towards
//! a size drawn for each record (`size`).
//!
//! Trends come in two kinds. The head of the Zipf-ranked vocabulary (`#WorldCup`, about a fifth
//! of all tweets) is the steady big one: its share of every window is the same, give or take
//! sampling noise, so it tops the raw counts without ever rising. Bursts (`bursts`) are the
//! other kind: every couple of minutes of event time a hashtag never seen before rises to a
//! tenth of the tweets and fades again, which is what "trending" means.

mod build;
mod burst_names;
mod bursts;
mod compose;
mod cut;
mod entities;
mod notices;
mod phrases;
mod post;
mod profile;
mod size;
mod text;
mod v1;
mod v2;
mod vocabulary;

use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Zipf;

use common::settings::{Bursts, TweetShape};

use super::notice::Notice;
use super::{Event, Record};
use bursts::BurstStream;
use notices::NoticeStream;
use v2::MatchingRule;
use vocabulary::{hashtag_vocabulary, Language, LANGUAGES};

/// Twitter's snowflake epoch (2010-11-04T01:42:54.657Z): ids count milliseconds from here.
const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;
/// A snowflake id keeps worker and sequence numbers in its 22 bits below the timestamp.
const SNOWFLAKE_LOW_BITS: u32 = 22;
/// Random characters after `https://t.co/`; makes every t.co link 23 characters, as Twitter does.
const TCO_SLUG_CHARS: usize = 10;
/// Zipf exponent of hashtag popularity: a handful of tags trend, a long tail barely appears.
const HASHTAG_ZIPF_EXPONENT: f64 = 1.1;
/// Relative frequencies of 0, 1, 2, 3 and 4 hashtags in one tweet.
const HASHTAG_COUNT_WEIGHTS: [u32; 5] = [30, 33, 20, 11, 6];
/// The tags of the v2 stream's filter rules; each tweet names the one or two it matched.
const RULE_TAGS: [&str; 4] = ["trending hashtags", "sports", "music", "news"];
/// Share of v2 tweets that match a second rule.
const SECOND_RULE_SHARE: f64 = 0.2;

/// Settings that fully determine the generated stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SyntheticConfig {
    /// Seeds the only source of randomness, so one seed always replays the same bytes (given the
    /// same platform maths library, which Zipf sampling goes through).
    pub(crate) seed: u64,
    /// Event time of the first tweet (ms since the Unix epoch), so runs can place their data in a
    /// chosen window regardless of wall-clock time.
    pub(crate) start_ms: i64,
    /// Tweets per second of event time, which sets how densely tweets fill the time windows the
    /// consumer counts in; it says nothing about how fast records are produced.
    pub(crate) events_per_second: f64,
    /// Which API's messages to write.
    pub(crate) shape: TweetShape,
    /// Whether delete notices and stall warnings come between the tweets, as in a recorded
    /// stream. Only v1.1 streams have them: the v2 filtered stream sends neither.
    pub(crate) stream_notices: bool,
    /// Hashtags that rise and fade on a schedule of event time; `None`: none.
    pub(crate) bursts: Option<Bursts>,
}

/// An endless, reproducible stream of synthetic tweets (and, when asked for, stream notices);
/// take as many as a run needs.
#[derive(Debug, Clone)]
pub(crate) struct Synthetic {
    rng: ChaCha8Rng,
    start_ms: i64,
    events_per_second: f64,
    shape: TweetShape,
    /// Index of the next tweet, which fixes its event time.
    index: u64,
    /// Previous tweet's id, so ids strictly increase even when tweets share a millisecond.
    last_id: u64,
    /// Hashtag vocabulary, most popular first: [`Self::tag_rank`] draws 1-based ranks into it.
    tags: Vec<String>,
    tag_rank: Zipf<f64>,
    language: WeightedIndex<u32>,
    hashtag_count: WeightedIndex<u32>,
    /// The v2 stream's filter rules (empty for v1.1).
    rules: Vec<MatchingRule>,
    /// Decides the notices after each tweet; `None` when there are none.
    notices: Option<NoticeStream>,
    /// A notice due before the next tweet.
    pending: Option<Notice>,
    /// Decides which tweets carry a burst's hashtag; `None` without bursts.
    bursts: Option<BurstStream>,
}

impl Synthetic {
    /// Prepares the stream; nothing is generated until iteration so that construction is cheap.
    ///
    /// # Panics
    ///
    /// If `events_per_second` is not a positive finite number: event times would not advance;
    /// if `bursts` are out of range (see [`BurstStream::new`]).
    pub(crate) fn new(config: SyntheticConfig) -> Self {
        assert!(
            config.events_per_second.is_finite() && config.events_per_second > 0.0,
            "events_per_second must be positive and finite, got {}",
            config.events_per_second
        );
        let tags = hashtag_vocabulary();
        // The arguments below are compile-time constants that satisfy the constructors'
        // preconditions (n >= 1, s >= 0; non-empty, non-negative, not all zero), so these cannot
        // fail.
        let tag_rank = Zipf::new(tags.len() as f64, HASHTAG_ZIPF_EXPONENT)
            .expect("hashtag vocabulary is non-empty and the exponent is positive");
        let language = WeightedIndex::new(LANGUAGES.iter().map(|language| language.weight))
            .expect("language weights are constant and positive");
        let hashtag_count = WeightedIndex::new(HASHTAG_COUNT_WEIGHTS)
            .expect("hashtag count weights are constant and positive");
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let rules = match config.shape {
            TweetShape::V1 => Vec::new(),
            TweetShape::V2 => RULE_TAGS
                .iter()
                .map(|&tag| MatchingRule {
                    id: rng
                        .random_range(1_000_000_000_000_000_000..u64::MAX)
                        .to_string(),
                    tag,
                })
                .collect(),
        };
        let notices = (config.stream_notices && config.shape == TweetShape::V1)
            .then(|| NoticeStream::new(config.seed));
        let bursts = config
            .bursts
            .map(|bursts| BurstStream::new(bursts, config.seed, config.start_ms));
        Self {
            rng,
            start_ms: config.start_ms,
            events_per_second: config.events_per_second,
            shape: config.shape,
            index: 0,
            last_id: 0,
            tags,
            tag_rank,
            language,
            hashtag_count,
            rules,
            notices,
            pending: None,
            bursts,
        }
    }

    fn language(&mut self) -> &'static Language {
        &LANGUAGES[self.language.sample(&mut self.rng)]
    }

    /// The rules a v2 tweet matched: one, sometimes two.
    fn matched_rules(&mut self) -> Vec<MatchingRule> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let first = self.rng.random_range(0..self.rules.len());
        let mut matched = vec![self.rules[first].clone()];
        if self.rng.random_bool(SECOND_RULE_SHARE) {
            let second = (first + self.rng.random_range(1..self.rules.len())) % self.rules.len();
            matched.push(self.rules[second].clone());
        }
        matched
    }

    fn tco_url(&mut self) -> String {
        format!(
            "https://t.co/{}",
            random_alnum(&mut self.rng, TCO_SLUG_CHARS)
        )
    }

    /// The id of some other tweet posted at `ms`, for replies and passed-on originals.
    fn status_id(&mut self, ms: i64) -> Option<u64> {
        status_id_at(&mut self.rng, ms)
    }
}

/// Yields tweets in event-time order, each maybe followed by a stream notice. Ends only if event
/// time outgrows what a snowflake id or a `created_at` can encode (after the year 2149), so in
/// practice it is endless.
impl Iterator for Synthetic {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if let Some(notice) = self.pending.take() {
            return Some(Event::Notice(notice));
        }
        // `as` saturates, and the checked add stops the stream instead of wrapping time around.
        let offset_ms = (self.index as f64 * 1000.0 / self.events_per_second) as i64;
        let event_ms = self.start_ms.checked_add(offset_ms)?;
        let created_ms = event_ms.checked_sub(event_ms.rem_euclid(1000))?;
        // The id encodes the untruncated event time, so tweets that share a second still get
        // increasing ids; the max only matters when several share a millisecond.
        let id = self.status_id(event_ms)?.max(self.last_id.checked_add(1)?);
        let post = self.top_level(id, created_ms)?;
        let payload = self.payload(post)?;
        self.index += 1;
        self.last_id = id;
        self.pending = self.notices.as_mut().and_then(|n| n.after(created_ms));
        Some(Event::Tweet(Record {
            key: id.to_string(),
            payload,
            timestamp_ms: created_ms,
            position: None,
        }))
    }
}

/// A random snowflake id of a tweet posted at `ms`.
fn status_id_at(rng: &mut ChaCha8Rng, ms: i64) -> Option<u64> {
    snowflake(ms, rng.random_range(0..1 << SNOWFLAKE_LOW_BITS))
}

/// Builds a snowflake id from a millisecond timestamp and the 22 low bits. Times before
/// Twitter's epoch saturate to the epoch; `None` once the timestamp no longer fits 64 bits.
fn snowflake(ms: i64, low_bits: u64) -> Option<u64> {
    let since_epoch = u64::try_from(ms.saturating_sub(TWITTER_EPOCH_MS)).unwrap_or(0);
    since_epoch
        .checked_mul(1 << SNOWFLAKE_LOW_BITS)
        .map(|high| high | low_bits)
}

/// A count spread evenly over orders of magnitude in `0..=max`, like follower or retweet counts.
fn log_uniform(rng: &mut ChaCha8Rng, max: u32) -> u32 {
    let exponent = rng.random_range(0.0..=f64::from(max).ln_1p());
    // The float-to-int `as` saturates, and exp_m1 of at most ln(1 + max) stays within max.
    (exponent.exp_m1() as u32).min(max)
}

fn random_alnum(rng: &mut ChaCha8Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Picks uniformly from a non-empty constant list (indexing cannot fail: the range is non-empty).
fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests;
