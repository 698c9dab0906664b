//! Seeded generator of synthetic tweets shaped like Twitter API v1.1 `statuses/filter.json`
//! output.
//!
//! The pipeline has to run without a Twitter account or a recorded corpus, and a test run has to
//! be reproducible byte for byte, so this source invents tweets from one seed. It keeps what the
//! consumer depends on or is stressed by: hashtag popularity skewed like real trends, non-ASCII
//! and mixed-case tags that make case folding matter, entity indices counted in code points,
//! retweets that nest their original, and payloads of 2–4 KB.
//!
//! Sizes need some care, because a real retweet carries two full user objects and runs past
//! 5 KB. To keep nearly every payload within 2–4 KB, user objects leave out the time-zone and
//! background-image fields, a retweet's two users have sparse profiles and its original is
//! usually short, and profile descriptions (free text nothing indexes into) are filled towards a
//! size drawn for each record.

mod profile;
mod text;
mod tweet_json;
mod vocabulary;

use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Zipf;

use super::Record;
use profile::Profile;
use text::{render, retweet_text, weighted_len, Mentioned, Rendered, Token};
use tweet_json::{format_created_at, Link, Reactions, Tweet, User};
use vocabulary::{
    hashtag_vocabulary, Language, PlaceSpec, CASHTAGS, EMOJI, LANGUAGES, LINK_TARGETS, PLACES,
    SOURCES,
};

/// Twitter's snowflake epoch (2010-11-04T01:42:54.657Z): ids count milliseconds from here.
const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;
/// A snowflake id keeps worker and sequence numbers in its 22 bits below the timestamp.
const SNOWFLAKE_LOW_BITS: u32 = 22;
/// Twitter's limit on a tweet's weighted length (see [`text::weighted_len`]).
const MAX_TEXT_WEIGHT: usize = 280;
/// Random characters after `https://t.co/`; makes every t.co link 23 characters, as Twitter does.
const TCO_SLUG_CHARS: usize = 10;
/// Share of tweets that are retweets; about what a sampled stream shows.
const RETWEET_SHARE: f64 = 0.2;
/// Share of standalone tweets that answer another tweet.
const REPLY_SHARE: f64 = 0.12;
/// Share of standalone tweets tagged with a place; a few of those also carry exact coordinates.
const PLACE_SHARE: f64 = 0.18;
/// Share of placed tweets that also carry an exact point.
const POINT_SHARE_OF_PLACED: f64 = 0.25;
/// Zipf exponent of hashtag popularity: a handful of tags trend, a long tail barely appears.
const HASHTAG_ZIPF_EXPONENT: f64 = 1.1;
/// Relative frequencies of 0, 1, 2, 3 and 4 hashtags in one tweet.
const HASHTAG_COUNT_WEIGHTS: [u32; 5] = [30, 33, 20, 11, 6];
/// Weighted text length of standalone tweets: people who write use the 280 characters.
const LONG_TEXT_WEIGHT: std::ops::RangeInclusive<usize> = 230..=MAX_TEXT_WEIGHT;
/// Weighted text length of most retweeted originals: short, because a retweet also quotes it.
const SHORT_TEXT_WEIGHT: std::ops::RangeInclusive<usize> = 10..=50;
/// Share of retweeted originals with long text, whose retweets need the 140-character cut.
const LONG_ORIGINAL_SHARE: f64 = 0.08;
/// Range of payload sizes, in bytes, that profile descriptions steer each record towards.
const PAYLOAD_TARGET_BYTES: std::ops::RangeInclusive<usize> = 2200..=3900;
/// How long before its retweet an original was posted: 30 s to 3 days, in milliseconds.
const ORIGINAL_AGE_MS: std::ops::Range<i64> = 30_000..259_200_000;

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
}

/// An endless, reproducible stream of synthetic v1.1 tweets; take as many as a run needs.
#[derive(Debug, Clone)]
pub(crate) struct Synthetic {
    rng: ChaCha8Rng,
    start_ms: i64,
    events_per_second: f64,
    /// Index of the next tweet, which fixes its event time.
    index: u64,
    /// Previous tweet's id, so ids strictly increase even when tweets share a millisecond.
    last_id: u64,
    /// Hashtag vocabulary, most popular first: [`Self::tag_rank`] draws 1-based ranks into it.
    tags: Vec<String>,
    tag_rank: Zipf<f64>,
    language: WeightedIndex<u32>,
    hashtag_count: WeightedIndex<u32>,
}

impl Synthetic {
    /// Prepares the stream; nothing is generated until iteration so that construction is cheap.
    ///
    /// # Panics
    ///
    /// If `events_per_second` is not a positive finite number: event times would not advance.
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
        Self {
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            start_ms: config.start_ms,
            events_per_second: config.events_per_second,
            index: 0,
            last_id: 0,
            tags,
            tag_rank,
            language,
            hashtag_count,
        }
    }

    /// Builds a tweet that is not a retweet: either a standalone one (`style` decides) or the
    /// original nested inside a retweet.
    fn original(
        &mut self,
        style: Style,
        language: &'static Language,
        id: u64,
        created_ms: i64,
    ) -> Option<Tweet> {
        // A retweet carries two user objects; sparse profiles keep it within the size budget.
        let profile = match style {
            Style::Standalone => Profile::Full,
            Style::Retweeted => Profile::Sparse,
        };
        let user = self.user(language, created_ms, profile)?;
        let reply = match style {
            Style::Standalone if self.rng.random_bool(REPLY_SHARE) => {
                Some(self.reply(language, created_ms)?)
            }
            _ => None,
        };
        let text_weight = self.text_weight(style);
        let tokens = self.tokens(language, text_weight, reply.as_ref().map(|r| &r.to));
        let body = render(&tokens, language.word_separator);
        let place = match style {
            Style::Standalone if self.rng.random_bool(PLACE_SHARE) => Some(self.place()),
            _ => None,
        };
        let reactions = match style {
            // The stream delivers a tweet the moment it is posted, before anyone reacted.
            Style::Standalone => None,
            Style::Retweeted => Some(self.reactions()),
        };
        let mut tweet = self.tweet(id, created_ms, language, user, body)?;
        if let Some(Reply { status_id, to }) = reply {
            tweet.reply_to(status_id, to);
        }
        if let Some(Placed { spec, point }) = place {
            tweet.locate(spec, point);
        }
        if let Some(reactions) = reactions {
            tweet.react(reactions);
        }
        tweet.possibly_sensitive =
            (!tweet.entities.urls.is_empty()).then(|| self.rng.random_bool(0.02));
        if let Style::Retweeted = style {
            // Only the top-level object of a stream message carries it.
            tweet.timestamp_ms = None;
        }
        Some(tweet)
    }

    /// Builds a retweet: `RT @author: ` plus the original's text cut to 140 code points, entities
    /// re-indexed to that text, and the original nested in full.
    fn retweet(&mut self, language: &'static Language, id: u64, created_ms: i64) -> Option<Tweet> {
        let original_ms = created_ms.checked_sub(self.rng.random_range(ORIGINAL_AGE_MS))?;
        let original_id = self.status_id(original_ms)?;
        // Retweeters mostly share the language of what they retweet, and Twitter labels the
        // retweet with the original's language.
        let original = self.original(Style::Retweeted, language, original_id, original_ms)?;
        // Sparse, like the original's author: see `original`.
        let user = self.user(language, created_ms, Profile::Sparse)?;

        let author = Mentioned {
            screen_name: original.user.screen_name.clone(),
            name: original.user.name.clone(),
            id: original.user.id,
        };
        let body = retweet_text(author, &original.text, &original.entities);
        let mut tweet = self.tweet(id, created_ms, language, user, body)?;
        tweet.possibly_sensitive = original.possibly_sensitive;
        tweet.retweeted_status = Some(Box::new(original));
        Some(tweet)
    }

    /// A tweet by `user` with `body`, as the stream delivers it the moment it is posted: not a
    /// reply, not placed, no reactions yet and no retweeted original.
    fn tweet(
        &mut self,
        id: u64,
        created_ms: i64,
        language: &Language,
        user: User,
        body: Rendered,
    ) -> Option<Tweet> {
        Some(Tweet {
            created_at: format_created_at(created_ms)?,
            id,
            id_str: id.to_string(),
            text: body.text,
            source: self.source(),
            truncated: false,
            in_reply_to_status_id: None,
            in_reply_to_status_id_str: None,
            in_reply_to_user_id: None,
            in_reply_to_user_id_str: None,
            in_reply_to_screen_name: None,
            user,
            geo: None,
            coordinates: None,
            place: None,
            contributors: None,
            retweeted_status: None,
            is_quote_status: false,
            quote_count: 0,
            reply_count: 0,
            retweet_count: 0,
            favorite_count: 0,
            entities: body.entities,
            favorited: false,
            retweeted: false,
            possibly_sensitive: None,
            filter_level: "low",
            lang: language.code,
            timestamp_ms: Some(created_ms.to_string()),
        })
    }

    /// The tweet a standalone one answers: posted a while before `created_ms`, by someone else.
    fn reply(&mut self, language: &Language, created_ms: i64) -> Option<Reply> {
        let replied_ms = created_ms.checked_sub(self.rng.random_range(ORIGINAL_AGE_MS))?;
        Some(Reply {
            status_id: self.status_id(replied_ms)?,
            to: self.mentioned(language),
        })
    }

    /// How much text a tweet gets, weighted as Twitter counts it.
    fn text_weight(&mut self, style: Style) -> usize {
        match style {
            Style::Retweeted if !self.rng.random_bool(LONG_ORIGINAL_SHARE) => {
                self.rng.random_range(SHORT_TEXT_WEIGHT)
            }
            _ => self.rng.random_range(LONG_TEXT_WEIGHT),
        }
    }

    /// A place to tag a tweet with and, sometimes, an exact point inside it.
    fn place(&mut self) -> Placed {
        let spec = &PLACES[self.rng.random_range(0..PLACES.len())];
        let point = self
            .rng
            .random_bool(POINT_SHARE_OF_PLACED)
            .then(|| self.point_in(spec));
        Placed { spec, point }
    }

    /// The reactions a retweeted original collected before it was retweeted.
    fn reactions(&mut self) -> Reactions {
        let retweets = log_uniform(&mut self.rng, 50_000);
        Reactions {
            retweets,
            favorites: retweets.saturating_mul(self.rng.random_range(1..4)),
            replies: log_uniform(&mut self.rng, retweets / 4 + 1),
            quotes: log_uniform(&mut self.rng, retweets / 10 + 1),
        }
    }

    fn language(&mut self) -> &'static Language {
        &LANGUAGES[self.language.sample(&mut self.rng)]
    }

    /// Plans a tweet's text as tokens: words of the tweet's language filling `weight`, with the
    /// reply mention first and hashtags, a mention, a cashtag and a link where people put them.
    fn tokens(
        &mut self,
        language: &Language,
        weight: usize,
        reply_to: Option<&Mentioned>,
    ) -> Vec<Token> {
        let mut lead = Vec::new();
        let mut inline = Vec::new();
        let mut tail = Vec::new();
        if let Some(to) = reply_to {
            lead.push(Token::Mention(to.clone()));
        }
        if self.rng.random_bool(0.15) {
            inline.push(Token::Mention(self.mentioned(language)));
        }
        if language.code == "en" && self.rng.random_bool(0.04) {
            inline.push(Token::Cashtag(pick(&mut self.rng, &CASHTAGS)));
        }
        for tag in self.hashtags() {
            // People put hashtags both inside sentences and in a block at the end.
            if self.rng.random_bool(0.5) {
                inline.push(Token::Hashtag(tag));
            } else {
                tail.push(Token::Hashtag(tag));
            }
        }
        if self.rng.random_bool(0.3) {
            let at = self.rng.random_range(0..=tail.len());
            tail.insert(at, Token::Url(self.link()));
        }

        let reserved: usize = lead
            .iter()
            .chain(&inline)
            .chain(&tail)
            .map(|token| token.weight() + 1)
            .sum();
        let budget = weight.saturating_sub(reserved);
        let mut words = Vec::new();
        let mut used = 0;
        loop {
            let word = if self.rng.random_bool(0.07) {
                pick(&mut self.rng, &EMOJI)
            } else {
                pick(&mut self.rng, language.words)
            };
            let word_weight = weighted_len(word) + 1;
            // At least one word, so a tweet is never just entities unless the plan says so.
            if !words.is_empty() && used + word_weight > budget {
                break;
            }
            used += word_weight;
            words.push(Token::Word(word));
        }
        for token in inline {
            let at = self.rng.random_range(0..=words.len());
            words.insert(at, token);
        }
        lead.into_iter().chain(words).chain(tail).collect()
    }

    /// Draws 0–4 distinct hashtags by Zipf rank, each in the spelling this tweet's author chose.
    fn hashtags(&mut self) -> Vec<String> {
        let count = self.hashtag_count.sample(&mut self.rng);
        let mut ranks: Vec<usize> = Vec::with_capacity(count);
        for _ in 0..count {
            // Zipf samples whole numbers in 1..=n; the clamp only guards the float-to-index step.
            let rank = (self.tag_rank.sample(&mut self.rng) as usize).clamp(1, self.tags.len());
            // A repeat draw is dropped rather than redrawn, which keeps the loop bounded.
            if !ranks.contains(&rank) {
                ranks.push(rank);
            }
        }
        ranks
            .into_iter()
            .map(|rank| {
                let canonical = &self.tags[rank - 1];
                let spelling = match self.rng.random_range(0..100) {
                    0..80 => canonical.clone(),
                    80..92 => canonical.to_lowercase(),
                    _ => canonical.to_uppercase(),
                };
                // Keep only spellings that fold back to the same key (`Größe` upper-cases to
                // `GRÖSSE`, which lower-cases to a different tag).
                if spelling.to_lowercase() == canonical.to_lowercase() {
                    spelling
                } else {
                    canonical.clone()
                }
            })
            .collect()
    }

    /// A t.co link with its destination, as a URL entity shows it.
    fn link(&mut self) -> Link {
        let (host, path) = pick(&mut self.rng, &LINK_TARGETS);
        let slug_len = self.rng.random_range(6..=24);
        let location = format!("{host}{path}{}", random_alnum(&mut self.rng, slug_len));
        // Twitter shows at most 26 characters of the destination, then an ellipsis.
        let display_url = if location.chars().count() > 26 {
            location.chars().take(26).chain(['…']).collect()
        } else {
            location.clone()
        };
        Link {
            url: self.tco_url(),
            expanded_url: format!("https://{location}"),
            display_url,
        }
    }

    fn tco_url(&mut self) -> String {
        format!(
            "https://t.co/{}",
            random_alnum(&mut self.rng, TCO_SLUG_CHARS)
        )
    }

    /// The `source` field: the posting client as an HTML link.
    fn source(&mut self) -> String {
        let (url, name) = pick(&mut self.rng, &SOURCES);
        format!("<a href=\"{url}\" rel=\"nofollow\">{name}</a>")
    }

    /// A point inside `place`'s bounding box, rounded to the 8 decimals real coordinates have.
    fn point_in(&mut self, place: &PlaceSpec) -> [f64; 2] {
        let round = |degrees: f64| (degrees * 1e8).round() / 1e8;
        let lon = place.lon + self.rng.random_range(-place.half_span..place.half_span);
        let lat = place.lat + self.rng.random_range(-place.half_span..place.half_span);
        [round(lon), round(lat)]
    }

    /// The id of some other tweet posted at `ms`, for replies and retweeted originals.
    fn status_id(&mut self, ms: i64) -> Option<u64> {
        snowflake(ms, self.rng.random_range(0..1 << SNOWFLAKE_LOW_BITS))
    }
}

/// Yields tweets in event-time order. Ends only if event time outgrows what a snowflake id or a
/// `created_at` can encode (after the year 2149), so in practice it is endless.
impl Iterator for Synthetic {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        // `as` saturates, and the checked add stops the stream instead of wrapping time around.
        let offset_ms = (self.index as f64 * 1000.0 / self.events_per_second) as i64;
        let event_ms = self.start_ms.checked_add(offset_ms)?;
        let created_ms = event_ms.checked_sub(event_ms.rem_euclid(1000))?;
        // The id encodes the untruncated event time, so tweets that share a second still get
        // increasing ids; the max only matters when several share a millisecond.
        let id = self.status_id(event_ms)?.max(self.last_id.checked_add(1)?);
        let language = self.language();
        let tweet = if self.rng.random_bool(RETWEET_SHARE) {
            self.retweet(language, id, created_ms)?
        } else {
            self.original(Style::Standalone, language, id, created_ms)?
        };
        let target = self.rng.random_range(PAYLOAD_TARGET_BYTES);
        let payload = self.fill_descriptions(tweet, language, target);
        self.index += 1;
        self.last_id = id;
        Some(Record {
            key: id.to_string(),
            payload,
            timestamp_ms: created_ms,
            line: None,
        })
    }
}

/// The tweet a reply answers, and its author.
struct Reply {
    status_id: u64,
    to: Mentioned,
}

/// Where a placed tweet was posted: the place, and the exact point ([lon, lat]) when shared.
struct Placed {
    spec: &'static PlaceSpec,
    point: Option<[f64; 2]>,
}

/// Whether a tweet stands alone in the stream or is the original nested inside a retweet.
#[derive(Clone, Copy)]
enum Style {
    Standalone,
    Retweeted,
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
