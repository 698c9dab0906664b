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

use chrono::{DateTime, Utc};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Zipf;
use serde::Serialize;

use super::Record;

/// Twitter's snowflake epoch (2010-11-04T01:42:54.657Z): ids count milliseconds from here.
const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;
/// A snowflake id keeps worker and sequence numbers in its 22 bits below the timestamp.
const SNOWFLAKE_LOW_BITS: u32 = 22;
/// v1.1 `created_at`: always UTC, second resolution.
const CREATED_AT_FORMAT: &str = "%a %b %d %H:%M:%S +0000 %Y";
/// Twitter's limit on a tweet's weighted length (see [`weighted_len`]).
const MAX_TEXT_WEIGHT: usize = 280;
/// A retweet's text quotes at most this many code points of the original.
const RT_QUOTE_CHARS: usize = 140;
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
/// Twitter's limit on a profile description.
const MAX_DESCRIPTION_CHARS: usize = 160;
/// Below this a description would be a word or two; such profiles have none instead.
const MIN_DESCRIPTION_BYTES: usize = 12;
/// How long before its retweet an original was posted: 30 s to 3 days, in milliseconds.
const ORIGINAL_AGE_MS: std::ops::Range<i64> = 30_000..259_200_000;
/// How long before its tweet an account was created: 1 day to 12 years, in milliseconds.
const ACCOUNT_AGE_MS: std::ops::Range<i64> = 86_400_000..378_432_000_000;

/// Settings that fully determine the generated stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyntheticConfig {
    /// Seeds the only source of randomness, so one seed always replays the same bytes (given the
    /// same platform maths library, which Zipf sampling goes through).
    pub seed: u64,
    /// Event time of the first tweet (ms since the Unix epoch), so runs can place their data in a
    /// chosen window regardless of wall-clock time.
    pub start_ms: i64,
    /// Tweets per second of event time, which sets how densely tweets fill the time windows the
    /// consumer counts in; it says nothing about how fast records are produced.
    pub events_per_second: f64,
}

/// An endless, reproducible stream of synthetic v1.1 tweets; take as many as a run needs.
#[derive(Debug, Clone)]
pub struct Synthetic {
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
    pub fn new(config: SyntheticConfig) -> Self {
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
                let replied_ms = created_ms.checked_sub(self.rng.random_range(ORIGINAL_AGE_MS))?;
                Some((self.status_id(replied_ms)?, self.mentioned(language)))
            }
            _ => None,
        };
        let text_weight = match style {
            Style::Retweeted if !self.rng.random_bool(LONG_ORIGINAL_SHARE) => {
                self.rng.random_range(SHORT_TEXT_WEIGHT)
            }
            _ => self.rng.random_range(LONG_TEXT_WEIGHT),
        };
        let tokens = self.tokens(language, text_weight, reply.as_ref().map(|(_, to)| to));
        let (text, entities) = render(&tokens, language.word_separator);
        let place = match style {
            Style::Standalone if self.rng.random_bool(PLACE_SHARE) => {
                Some(&PLACES[self.rng.random_range(0..PLACES.len())])
            }
            _ => None,
        };
        let point = match place {
            Some(place) if self.rng.random_bool(POINT_SHARE_OF_PLACED) => {
                Some(self.point_in(place))
            }
            _ => None,
        };
        let (retweet_count, favorite_count, reply_count, quote_count) = match style {
            // The stream delivers a tweet the moment it is posted, before anyone reacted.
            Style::Standalone => (0, 0, 0, 0),
            Style::Retweeted => {
                let retweets = log_uniform(&mut self.rng, 50_000);
                (
                    retweets,
                    retweets.saturating_mul(self.rng.random_range(1..4)),
                    log_uniform(&mut self.rng, retweets / 4 + 1),
                    log_uniform(&mut self.rng, retweets / 10 + 1),
                )
            }
        };
        let (in_reply_to_status_id, in_reply_to_user_id, in_reply_to_screen_name) = match reply {
            Some((status_id, to)) => (Some(status_id), Some(to.id), Some(to.screen_name)),
            None => (None, None, None),
        };
        Some(Tweet {
            created_at: format_created_at(created_ms)?,
            id,
            id_str: id.to_string(),
            text,
            source: self.source(),
            truncated: false,
            in_reply_to_status_id,
            in_reply_to_status_id_str: in_reply_to_status_id.map(|id| id.to_string()),
            in_reply_to_user_id,
            in_reply_to_user_id_str: in_reply_to_user_id.map(|id| id.to_string()),
            in_reply_to_screen_name,
            user,
            // `geo` is the deprecated twin of `coordinates`, with latitude first.
            geo: point.map(|[lon, lat]| Point::new([lat, lon])),
            coordinates: point.map(Point::new),
            place: place.map(Place::from),
            contributors: None,
            retweeted_status: None,
            is_quote_status: false,
            quote_count,
            reply_count,
            retweet_count,
            favorite_count,
            possibly_sensitive: (!entities.urls.is_empty()).then(|| self.rng.random_bool(0.02)),
            entities,
            favorited: false,
            retweeted: false,
            filter_level: "low",
            lang: language.code,
            timestamp_ms: match style {
                Style::Standalone => Some(created_ms.to_string()),
                // Only the top-level object of a stream message carries it.
                Style::Retweeted => None,
            },
        })
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
        let mut builder = TextBuilder::default();
        builder.push_raw("RT ");
        builder.push_mention(author);
        builder.push_raw(": ");
        let quote_start = builder.len;
        let original_len = original.text.chars().count();
        let kept = if original_len <= RT_QUOTE_CHARS {
            builder.push_raw(&original.text);
            original_len
        } else {
            let kept = RT_QUOTE_CHARS - 1;
            let cut: String = original.text.chars().take(kept).collect();
            builder.push_raw(&cut);
            builder.push_raw("…");
            kept
        };
        builder
            .entities
            .extend_clipped(&original.entities, kept, quote_start);

        Some(Tweet {
            created_at: format_created_at(created_ms)?,
            id,
            id_str: id.to_string(),
            text: builder.text,
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
            is_quote_status: false,
            quote_count: 0,
            reply_count: 0,
            retweet_count: 0,
            favorite_count: 0,
            possibly_sensitive: original.possibly_sensitive,
            entities: builder.entities,
            favorited: false,
            retweeted: false,
            filter_level: "low",
            lang: language.code,
            timestamp_ms: Some(created_ms.to_string()),
            retweeted_status: Some(Box::new(original)),
        })
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

    /// Builds a full v1.1 user object; these make up most of a tweet's bytes.
    fn user(&mut self, language: &Language, tweet_ms: i64, profile: Profile) -> Option<User> {
        let full = matches!(profile, Profile::Full);
        let id = self.account_id();
        let account_ms = tweet_ms.checked_sub(self.rng.random_range(ACCOUNT_AGE_MS))?;
        let followers_count = log_uniform(&mut self.rng, 2_000_000);
        let default_profile = !full || self.rng.random_bool(0.35);
        let [background, link, border, fill, text_color] = if default_profile {
            DEFAULT_PROFILE_COLORS.map(str::to_owned)
        } else {
            std::array::from_fn(|_| format!("{:06X}", self.rng.random_range(0..0x100_0000)))
        };
        let image_id = self
            .rng
            .random_range(700_000_000_000_000_000..1_060_000_000_000_000_000u64);
        let image_name = random_alnum(&mut self.rng, 8);
        let image_ext = pick(&mut self.rng, &["jpg", "jpeg", "png"]);
        let banner_secs = self.rng.random_range(account_ms / 1000..=tweet_ms / 1000);
        Some(User {
            id,
            id_str: id.to_string(),
            name: self.display_name(language),
            screen_name: self.screen_name(),
            location: (full && self.rng.random_bool(0.7))
                .then(|| pick(&mut self.rng, &LOCATIONS).to_owned()),
            url: (full && self.rng.random_bool(0.35)).then(|| self.tco_url()),
            // Filled in last, to steer the payload's size: see `fill_descriptions`.
            description: None,
            translator_type: "none",
            protected: false,
            verified: self.rng.random_bool(0.02),
            followers_count,
            friends_count: log_uniform(&mut self.rng, 5_000),
            listed_count: log_uniform(&mut self.rng, followers_count / 50 + 1),
            favourites_count: log_uniform(&mut self.rng, 200_000),
            statuses_count: log_uniform(&mut self.rng, 300_000) + 1,
            created_at: format_created_at(account_ms)?,
            geo_enabled: self.rng.random_bool(0.3),
            lang: if language.code == "und" {
                "en"
            } else {
                language.code
            },
            contributors_enabled: false,
            is_translator: false,
            profile_background_color: background,
            profile_link_color: link,
            profile_sidebar_border_color: border,
            profile_sidebar_fill_color: fill,
            profile_text_color: text_color,
            profile_use_background_image: self.rng.random_bool(0.8),
            profile_image_url: format!(
                "http://pbs.twimg.com/profile_images/{image_id}/{image_name}_normal.{image_ext}"
            ),
            profile_image_url_https: format!(
                "https://pbs.twimg.com/profile_images/{image_id}/{image_name}_normal.{image_ext}"
            ),
            profile_banner_url: (full && self.rng.random_bool(0.7))
                .then(|| format!("https://pbs.twimg.com/profile_banners/{id}/{banner_secs}")),
            default_profile,
            default_profile_image: false,
            following: None,
            follow_request_sent: None,
            notifications: None,
        })
    }

    /// Someone mentioned in a tweet: only the fields a mention entity carries.
    fn mentioned(&mut self, language: &Language) -> Mentioned {
        Mentioned {
            id: self.account_id(),
            name: self.display_name(language),
            screen_name: self.screen_name(),
        }
    }

    /// Account ids: old accounts have small sequential ids, newer ones snowflakes.
    fn account_id(&mut self) -> u64 {
        if self.rng.random_bool(0.6) {
            self.rng.random_range(10_000_000..4_500_000_000)
        } else {
            self.rng
                .random_range(700_000_000_000_000_000..1_060_000_000_000_000_000)
        }
    }

    /// A display name as people write theirs: in their script, sometimes with an emoji.
    fn display_name(&mut self, language: &Language) -> String {
        let given = pick(&mut self.rng, language.given_names);
        let family = pick(&mut self.rng, language.family_names);
        match self.rng.random_range(0..10) {
            0..2 => given.to_owned(),
            2 => format!("{given} {}", pick(&mut self.rng, &EMOJI)),
            _ if language.family_first => format!("{family}{given}"),
            _ => format!("{given} {family}"),
        }
    }

    /// An ASCII handle of at most 15 characters, as Twitter requires.
    fn screen_name(&mut self) -> String {
        let mut name = pick(&mut self.rng, &HANDLE_STEMS).to_owned();
        match self.rng.random_range(0..4) {
            0 => name.push_str(&self.rng.random_range(0..10_000).to_string()),
            1 => {
                name.push('_');
                name.push_str(pick(&mut self.rng, &HANDLE_STEMS));
            }
            2 => {
                name.push_str(pick(&mut self.rng, &HANDLE_STEMS));
                name.push_str(&self.rng.random_range(0..100).to_string());
            }
            _ => {}
        }
        name.truncate(15);
        name
    }

    /// Gives the record's users profile descriptions (outer user first) and serializes it.
    /// Descriptions are free-form and nothing indexes into them, so they are what steers the
    /// payload towards `target` bytes; a user whose share of the budget is too small for a few
    /// words keeps a null description, as many real profiles do.
    fn fill_descriptions(
        &mut self,
        mut tweet: Tweet,
        language: &Language,
        target: usize,
    ) -> Vec<u8> {
        let mut budget = target.saturating_sub(serialize(&tweet).len());
        let original_user = tweet
            .retweeted_status
            .as_mut()
            .map(|original| &mut original.user);
        for user in std::iter::once(&mut tweet.user).chain(original_user) {
            let description = self.description(language, budget);
            if let Some(description) = &description {
                // The value replaces `null`: the description plus two quotes, minus four bytes.
                budget = budget.saturating_sub(description.len() - 2);
            }
            user.description = description;
        }
        serialize(&tweet)
    }

    /// Words of `language` filling at most `max_bytes` bytes and Twitter's 160-character limit,
    /// or `None` if not even a short description fits.
    fn description(&mut self, language: &Language, max_bytes: usize) -> Option<String> {
        let mut description = String::new();
        let mut chars = 0;
        loop {
            let word = pick(&mut self.rng, language.words);
            let separator = if description.is_empty() {
                ""
            } else {
                language.word_separator
            };
            let added_chars = separator.chars().count() + word.chars().count();
            let added_bytes = separator.len() + word.len();
            if chars + added_chars > MAX_DESCRIPTION_CHARS
                || description.len() + added_bytes > max_bytes
            {
                break;
            }
            description.push_str(separator);
            description.push_str(word);
            chars += added_chars;
        }
        (description.len() >= MIN_DESCRIPTION_BYTES).then_some(description)
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

/// Whether a tweet stands alone in the stream or is the original nested inside a retweet.
#[derive(Clone, Copy)]
enum Style {
    Standalone,
    Retweeted,
}

/// How much of a profile its owner filled in.
#[derive(Clone, Copy)]
enum Profile {
    /// Location, link, banner and theme as often as real profiles have them.
    Full,
    /// None of those: the defaults a new account starts with.
    Sparse,
}

/// Builds a snowflake id from a millisecond timestamp and the 22 low bits. Times before
/// Twitter's epoch saturate to the epoch; `None` once the timestamp no longer fits 64 bits.
fn snowflake(ms: i64, low_bits: u64) -> Option<u64> {
    let since_epoch = u64::try_from(ms.saturating_sub(TWITTER_EPOCH_MS)).unwrap_or(0);
    since_epoch
        .checked_mul(1 << SNOWFLAKE_LOW_BITS)
        .map(|high| high | low_bits)
}

fn serialize(tweet: &Tweet) -> Vec<u8> {
    // Cannot fail: these plain structs have only string map keys and infallible field types.
    serde_json::to_vec(tweet).expect("tweet structs always serialize")
}

/// Formats a v1.1 `created_at`; `None` outside chrono's range (hundreds of millennia away).
fn format_created_at(ms: i64) -> Option<String> {
    let time = DateTime::<Utc>::from_timestamp_millis(ms)?;
    Some(time.format(CREATED_AT_FORMAT).to_string())
}

/// A tweet's length as Twitter counts it against 280: most Latin, Cyrillic, Arabic and similar
/// characters weigh 1, while CJK, Hangul and emoji weigh 2, so those tweets hold half as many.
fn weighted_len(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
            _ => 2,
        })
        .sum()
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

/// One piece of planned tweet text.
enum Token {
    Word(&'static str),
    Hashtag(String),
    Cashtag(&'static str),
    Mention(Mentioned),
    Url(Link),
}

impl Token {
    /// Weighted length (see [`weighted_len`]); t.co links count as their 23 characters.
    fn weight(&self) -> usize {
        match self {
            Token::Word(word) => weighted_len(word),
            Token::Hashtag(tag) => 1 + weighted_len(tag),
            Token::Cashtag(symbol) => 1 + symbol.len(),
            Token::Mention(who) => 1 + who.screen_name.len(),
            Token::Url(link) => link.url.len(),
        }
    }
}

/// Renders tokens into text with entities. Words of languages written without spaces join with
/// `word_separator`; every other boundary is a space, as Twitter needs around entities.
fn render(tokens: &[Token], word_separator: &str) -> (String, Entities) {
    let mut builder = TextBuilder::default();
    let mut previous_was_word = false;
    for (position, token) in tokens.iter().enumerate() {
        let is_word = matches!(token, Token::Word(_));
        if position > 0 {
            builder.push_raw(if is_word && previous_was_word {
                word_separator
            } else {
                " "
            });
        }
        previous_was_word = is_word;
        match token {
            Token::Word(word) => builder.push_raw(word),
            Token::Hashtag(tag) => builder.push_hashtag(tag),
            Token::Cashtag(symbol) => builder.push_cashtag(symbol),
            Token::Mention(who) => builder.push_mention(who.clone()),
            Token::Url(link) => builder.push_url(link.clone()),
        }
    }
    (builder.text, builder.entities)
}

/// Appends text while tracking its length in code points, the unit of entity indices.
#[derive(Default)]
struct TextBuilder {
    text: String,
    len: usize,
    entities: Entities,
}

impl TextBuilder {
    fn push_raw(&mut self, text: &str) {
        self.text.push_str(text);
        self.len += text.chars().count();
    }

    /// Appends `sigil` + `body` and returns its [start, end) indices.
    fn push_marked(&mut self, sigil: char, body: &str) -> [usize; 2] {
        let start = self.len;
        self.text.push(sigil);
        self.len += 1;
        self.push_raw(body);
        [start, self.len]
    }

    fn push_hashtag(&mut self, tag: &str) {
        let indices = self.push_marked('#', tag);
        let text = tag.to_owned();
        self.entities.hashtags.push(Indexed {
            entity: Tagged { text },
            indices,
        });
    }

    fn push_cashtag(&mut self, symbol: &str) {
        let indices = self.push_marked('$', symbol);
        let text = symbol.to_owned();
        self.entities.symbols.push(Indexed {
            entity: Tagged { text },
            indices,
        });
    }

    fn push_mention(&mut self, who: Mentioned) {
        let indices = self.push_marked('@', &who.screen_name);
        self.entities.user_mentions.push(Indexed {
            entity: MentionEntity::from(who),
            indices,
        });
    }

    fn push_url(&mut self, link: Link) {
        let start = self.len;
        self.push_raw(&link.url);
        self.entities.urls.push(Indexed {
            entity: link,
            indices: [start, self.len],
        });
    }
}

/// Someone mentioned or replied to.
#[derive(Clone)]
struct Mentioned {
    screen_name: String,
    name: String,
    id: u64,
}

#[derive(Serialize)]
struct Tweet {
    created_at: String,
    id: u64,
    id_str: String,
    text: String,
    source: String,
    truncated: bool,
    in_reply_to_status_id: Option<u64>,
    in_reply_to_status_id_str: Option<String>,
    in_reply_to_user_id: Option<u64>,
    in_reply_to_user_id_str: Option<String>,
    in_reply_to_screen_name: Option<String>,
    user: User,
    geo: Option<Point>,
    coordinates: Option<Point>,
    place: Option<Place>,
    /// Always null in the stream.
    contributors: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retweeted_status: Option<Box<Tweet>>,
    is_quote_status: bool,
    quote_count: u32,
    reply_count: u32,
    retweet_count: u32,
    favorite_count: u32,
    entities: Entities,
    favorited: bool,
    retweeted: bool,
    /// Present only on tweets with links, as in the real stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    possibly_sensitive: Option<bool>,
    filter_level: &'static str,
    lang: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp_ms: Option<String>,
}

#[derive(Serialize)]
struct User {
    id: u64,
    id_str: String,
    name: String,
    screen_name: String,
    location: Option<String>,
    url: Option<String>,
    description: Option<String>,
    translator_type: &'static str,
    protected: bool,
    verified: bool,
    followers_count: u32,
    friends_count: u32,
    listed_count: u32,
    favourites_count: u32,
    statuses_count: u32,
    created_at: String,
    geo_enabled: bool,
    lang: &'static str,
    contributors_enabled: bool,
    is_translator: bool,
    profile_background_color: String,
    profile_link_color: String,
    profile_sidebar_border_color: String,
    profile_sidebar_fill_color: String,
    profile_text_color: String,
    profile_use_background_image: bool,
    profile_image_url: String,
    profile_image_url_https: String,
    /// Absent, not null, for users who never uploaded a banner.
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_banner_url: Option<String>,
    default_profile: bool,
    default_profile_image: bool,
    /// Relationship to the authenticated user: always null in the stream.
    following: Option<bool>,
    follow_request_sent: Option<bool>,
    notifications: Option<bool>,
}

/// GeoJSON point; `coordinates` is [lon, lat] (the deprecated `geo` reuses it as [lat, lon]).
#[derive(Serialize)]
struct Point {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

impl Point {
    fn new(coordinates: [f64; 2]) -> Self {
        Self {
            kind: "Point",
            coordinates,
        }
    }
}

#[derive(Serialize)]
struct Place {
    id: &'static str,
    url: String,
    place_type: &'static str,
    name: &'static str,
    full_name: &'static str,
    country_code: &'static str,
    country: &'static str,
    bounding_box: BoundingBox,
    attributes: Attributes,
}

impl From<&PlaceSpec> for Place {
    fn from(spec: &PlaceSpec) -> Self {
        let (west, east) = (spec.lon - spec.half_span, spec.lon + spec.half_span);
        let (south, north) = (spec.lat - spec.half_span, spec.lat + spec.half_span);
        Self {
            id: spec.id,
            url: format!("https://api.twitter.com/1.1/geo/id/{}.json", spec.id),
            place_type: spec.place_type,
            name: spec.name,
            full_name: spec.full_name,
            country_code: spec.country_code,
            country: spec.country,
            bounding_box: BoundingBox {
                kind: "Polygon",
                coordinates: [[[west, south], [west, north], [east, north], [east, south]]],
            },
            attributes: Attributes {},
        }
    }
}

#[derive(Serialize)]
struct BoundingBox {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [[[f64; 2]; 4]; 1],
}

/// Always `{}` in practice.
#[derive(Serialize)]
struct Attributes {}

#[derive(Serialize, Default)]
struct Entities {
    hashtags: Vec<Indexed<Tagged>>,
    urls: Vec<Indexed<Link>>,
    user_mentions: Vec<Indexed<MentionEntity>>,
    symbols: Vec<Indexed<Tagged>>,
}

impl Entities {
    /// Appends those of `source`'s entities that end within its first `kept` code points,
    /// shifted by `shift`: how a retweet re-indexes the entities of the text it quotes.
    fn extend_clipped(&mut self, source: &Entities, kept: usize, shift: usize) {
        fn clip<T: Clone>(
            into: &mut Vec<Indexed<T>>,
            from: &[Indexed<T>],
            kept: usize,
            shift: usize,
        ) {
            into.extend(
                from.iter()
                    .filter(|item| item.indices[1] <= kept)
                    .map(|item| Indexed {
                        entity: item.entity.clone(),
                        indices: item.indices.map(|index| index + shift),
                    }),
            );
        }
        clip(&mut self.hashtags, &source.hashtags, kept, shift);
        clip(&mut self.urls, &source.urls, kept, shift);
        clip(&mut self.user_mentions, &source.user_mentions, kept, shift);
        clip(&mut self.symbols, &source.symbols, kept, shift);
    }
}

/// An entity plus its [start, end) code-point offsets in the text.
#[derive(Serialize, Clone)]
struct Indexed<T> {
    #[serde(flatten)]
    entity: T,
    indices: [usize; 2],
}

/// A hashtag or cashtag: the text after the `#` or `$`.
#[derive(Serialize, Clone)]
struct Tagged {
    text: String,
}

#[derive(Serialize, Clone)]
struct Link {
    url: String,
    expanded_url: String,
    display_url: String,
}

#[derive(Serialize, Clone)]
struct MentionEntity {
    screen_name: String,
    name: String,
    id: u64,
    id_str: String,
}

impl From<Mentioned> for MentionEntity {
    fn from(who: Mentioned) -> Self {
        Self {
            id_str: who.id.to_string(),
            screen_name: who.screen_name,
            name: who.name,
            id: who.id,
        }
    }
}

/// The hashtag vocabulary, most popular first. Non-ASCII tags sit near the top so every run
/// sees them; generated topic compounds form the long tail.
fn hashtag_vocabulary() -> Vec<String> {
    const PREFIXES: [&str; 15] = [
        "Tech", "Music", "Game", "Film", "Book", "Food", "Travel", "Art", "Sport", "Photo", "Code",
        "Data", "Design", "Health", "Style",
    ];
    const SUFFIXES: [&str; 10] = [
        "News", "Day", "Life", "Talk", "Lovers", "Week", "Live", "Fest", "Tips", "Chat",
    ];
    let compounds = PREFIXES.iter().flat_map(|prefix| {
        SUFFIXES
            .iter()
            .map(move |suffix| format!("{prefix}{suffix}"))
    });
    CURATED_HASHTAGS
        .iter()
        .map(|tag| (*tag).to_owned())
        .chain(compounds)
        .collect()
}

#[rustfmt::skip]
const CURATED_HASHTAGS: &[&str] = &[
    "WorldCup", "BTS", "Rust", "NowPlaying", "café", "MondayMotivation", "日本", "Москва",
    "ThrowbackThursday", "SãoPaulo", "AI", "Größe", "한국", "السعودية", "Bitcoin", "GameOfThrones",
    "Eurovision", "Marvel", "NBA", "LaLiga", "Brexit", "ClimateAction", "FelizViernes", "Halloween",
    "TBT", "Photography", "Love", "Music", "Travel", "Fútbol", "Paris", "Berlin", "東京", "大阪",
    "서울", "Türkiye", "España", "México", "Brasil", "Россия", "مصر", "الرياض", "قطر", "Kpop",
    "Anime", "ワンピース", "Nintendo", "PS4", "Xbox", "Netflix", "StrangerThings", "Oscars",
    "Grammys", "Coachella", "Fashion", "Food", "Foodie", "Vegan", "Fitness", "Yoga", "Science",
    "Space", "NASA", "SpaceX", "Tesla", "Apple", "Android", "Python", "JavaScript", "OpenSource",
    "DevOps", "Kafka", "Cloud", "Startup", "Marketing", "Crypto", "Ethereum", "Blockchain",
    "BlackFriday", "CyberMonday", "Christmas", "NewYear", "Ramadan", "Diwali", "Feliz", "Obrigado",
    "Merci", "Danke", "ありがとう", "사랑해", "Çay", "Sevgi", "Spor", "Galatasaray", "Fenerbahçe",
    "RealMadrid", "Barça", "Messi", "Ronaldo", "Neymar", "ChampionsLeague", "PremierLeague",
    "Bundesliga", "Ligue1", "SerieA", "F1", "Olympics", "Tokyo2020", "Wimbledon", "SuperBowl",
    "Rock", "Jazz", "HipHop", "Reggaeton", "Samba", "KpopTwitter", "ARMY", "EXO", "Blackpink",
    "Twice", "Weekend", "Sunday", "Coffee", "Cats", "Dogs", "Nature", "Sunset", "Art", "Books",
    "Gaming", "Esports", "Twitch", "YouTube", "Vlog", "Selfie", "OOTD", "Motivation", "Quote",
    "News", "Breaking", "Politics", "Election", "Economy", "Weather", "Earthquake", "地震", "台風",
    "Fußball", "Zürich", "Kraków", "Ελλάδα", "ภาษาไทย",
];

/// A tweet language with just enough vocabulary to make its text look the part.
struct Language {
    /// The `lang` code Twitter assigns.
    code: &'static str,
    /// Relative share of the stream.
    weight: u32,
    words: &'static [&'static str],
    /// Japanese runs words together; the rest separate them with spaces.
    word_separator: &'static str,
    given_names: &'static [&'static str],
    family_names: &'static [&'static str],
    /// Whether full names put the family name first, written without a space.
    family_first: bool,
}

#[rustfmt::skip]
const LANGUAGES: [Language; 11] = [
    Language {
        code: "en",
        weight: 38,
        words: &[
            "just", "love", "this", "today", "the", "new", "game", "so", "excited", "for", "what",
            "a", "great", "night", "can't", "wait", "tomorrow", "is", "best", "thing", "ever",
            "my", "team", "won", "again", "watching", "live", "coffee", "morning", "people",
            "really", "need", "to", "see", "that", "happy", "weekend", "everyone", "music",
            "album", "finally", "out", "now", "check", "it", "amazing", "show", "tonight", "we",
            "are", "going", "home", "lol", "omg", "yes", "never", "forget", "world", "city",
            "rain",
        ],
        word_separator: " ",
        given_names: &[
            "Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Jack", "Chloe",
        ],
        family_names: &[
            "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Miller",
        ],
        family_first: false,
    },
    Language {
        code: "es",
        weight: 12,
        words: &[
            "hoy", "es", "un", "gran", "día", "para", "todos", "los", "que", "me", "encanta",
            "esta", "canción", "vamos", "mañana", "partido", "fútbol", "buenas", "noches",
            "gracias", "amigos", "qué", "bonito", "nuevo", "mundo", "siempre", "nunca", "mejor",
            "feliz", "semana", "ciudad", "calor", "casa", "trabajo", "por", "fin", "viernes", "con",
            "mi", "familia", "muy", "bien", "ahora", "ver", "jajaja", "increíble", "noticias",
            "música", "vida", "amor",
        ],
        word_separator: " ",
        given_names: &[
            "Sofía", "Mateo", "Lucía", "Santiago", "Valentina", "Diego", "Camila",
        ],
        family_names: &[
            "García", "Martínez", "López", "Hernández", "González", "Pérez",
        ],
        family_first: false,
    },
    Language {
        code: "pt",
        weight: 9,
        words: &[
            "hoje", "é", "um", "dia", "lindo", "para", "todos", "que", "saudade", "obrigado",
            "gente", "muito", "bom", "jogo", "amanhã", "vamos", "novo", "mundo", "sempre", "nunca",
            "melhor", "feliz", "semana", "cidade", "calor", "casa", "trabalho", "finalmente",
            "sexta", "com", "minha", "família", "agora", "ver", "kkkk", "incrível", "notícias",
            "música", "vida", "amor", "não", "acredito", "nisso",
        ],
        word_separator: " ",
        given_names: &[
            "Ana", "João", "Beatriz", "Pedro", "Mariana", "Gabriel", "Larissa",
        ],
        family_names: &[
            "Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida",
        ],
        family_first: false,
    },
    Language {
        code: "ja",
        weight: 11,
        words: &[
            "今日", "は", "とても", "いい", "天気", "です", "ありがとう", "ございます", "みんな",
            "明日", "試合", "楽しみ", "新しい", "世界", "いつも", "最高", "幸せ", "今週", "東京",
            "暑い", "家", "仕事", "やっと", "金曜日", "家族", "と", "一緒に", "今", "見る",
            "すごい", "ニュース", "音楽", "人生", "好き", "本当に", "おはよう", "ね", "！", "。",
            "笑",
        ],
        word_separator: "",
        given_names: &[
            "さくら", "ゆうと", "はるか", "蓮", "陽菜", "大翔", "美咲", "翔太",
        ],
        family_names: &[
            "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村",
        ],
        family_first: true,
    },
    Language {
        code: "ar",
        weight: 6,
        words: &[
            "اليوم", "يوم", "جميل", "جدا", "شكرا", "للجميع", "الأصدقاء", "هذا", "المساء", "مباراة",
            "غدا", "يلا", "جديد", "العالم", "دائما", "أبدا", "أفضل", "سعيد", "الأسبوع", "المدينة",
            "حر", "البيت", "العمل", "أخيرا", "الجمعة", "مع", "عائلتي", "الآن", "مشاهدة", "رائع",
            "أخبار", "موسيقى", "الحياة", "حب", "الله", "صباح", "الخير",
        ],
        word_separator: " ",
        given_names: &[
            "محمد", "فاطمة", "أحمد", "نورة", "عبدالله", "سارة", "خالد", "مريم",
        ],
        family_names: &[
            "العتيبي", "الشمري", "القحطاني", "الحربي", "المطيري", "الدوسري",
        ],
        family_first: false,
    },
    Language {
        code: "fr",
        weight: 5,
        words: &[
            "aujourd'hui", "c'est", "une", "belle", "journée", "pour", "tous", "merci", "beaucoup",
            "les", "amis", "ce", "soir", "match", "demain", "on", "y", "va", "nouveau", "monde",
            "toujours", "jamais", "meilleur", "heureux", "semaine", "ville", "chaleur", "maison",
            "travail", "enfin", "vendredi", "avec", "ma", "famille", "très", "bien", "maintenant",
            "voir", "incroyable", "nouvelles", "musique", "vie", "amour", "trop", "génial",
        ],
        word_separator: " ",
        given_names: &[
            "Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Théo",
        ],
        family_names: &[
            "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
        ],
        family_first: false,
    },
    Language {
        code: "de",
        weight: 4,
        words: &[
            "heute", "ist", "ein", "schöner", "Tag", "für", "alle", "danke", "schön", "Freunde",
            "Abend", "Spiel", "morgen", "los", "geht's", "neue", "Welt", "immer", "nie", "besser",
            "glücklich", "Woche", "Stadt", "Hitze", "Hause", "Arbeit", "endlich", "Freitag", "mit",
            "meiner", "Familie", "sehr", "gut", "jetzt", "sehen", "unglaublich", "Nachrichten",
            "Musik", "Leben", "Liebe", "wirklich", "Straße", "Grüße",
        ],
        word_separator: " ",
        given_names: &[
            "Mia", "Leon", "Hannah", "Paul", "Lena", "Felix", "Marie", "Jonas",
        ],
        family_names: &[
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
        ],
        family_first: false,
    },
    Language {
        code: "ko",
        weight: 4,
        words: &[
            "오늘", "정말", "좋은", "날", "감사합니다", "여러분", "친구들", "이번", "저녁", "경기",
            "내일", "가자", "새로운", "세상", "항상", "최고", "행복", "이번주", "서울", "더워",
            "집", "일", "드디어", "금요일", "가족과", "함께", "지금", "보고", "싶다", "대박",
            "뉴스", "음악", "인생", "사랑", "진짜", "ㅋㅋㅋ",
        ],
        word_separator: " ",
        given_names: &[
            "민준", "서연", "지호", "하은", "도윤", "지우", "예준", "수아",
        ],
        family_names: &["김", "이", "박", "최", "정", "강", "조", "윤"],
        family_first: true,
    },
    Language {
        code: "tr",
        weight: 4,
        words: &[
            "bugün", "çok", "güzel", "bir", "gün", "herkese", "teşekkürler", "arkadaşlar", "bu",
            "akşam", "maç", "yarın", "haydi", "yeni", "dünya", "her", "zaman", "asla", "daha",
            "iyi", "mutlu", "hafta", "şehir", "sıcak", "ev", "iş", "sonunda", "cuma", "ailemle",
            "şimdi", "görmek", "inanılmaz", "haberler", "müzik", "hayat", "aşk", "gerçekten",
            "harika",
        ],
        word_separator: " ",
        given_names: &[
            "Elif", "Yusuf", "Zeynep", "Emre", "Ayşe", "Mehmet", "Defne", "Burak",
        ],
        family_names: &[
            "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk",
        ],
        family_first: false,
    },
    Language {
        code: "ru",
        weight: 4,
        words: &[
            "сегодня", "очень", "хороший", "день", "всем", "спасибо", "друзья", "этот", "вечер",
            "матч", "завтра", "давай", "новый", "мир", "всегда", "никогда", "лучше", "счастлив",
            "неделя", "город", "жара", "дома", "работа", "наконец", "пятница", "с", "семьёй",
            "сейчас", "смотреть", "невероятно", "новости", "музыка", "жизнь", "любовь", "правда",
            "круто",
        ],
        word_separator: " ",
        given_names: &[
            "Анна", "Иван", "Мария", "Дмитрий", "Ольга", "Алексей", "Наталья",
        ],
        family_names: &[
            "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров",
        ],
        family_first: false,
    },
    Language {
        code: "und",
        weight: 3,
        words: &[
            "😂", "😍", "🔥", "❤️", "👍", "🙏", "lol", "xD", "!!!", "...", "😭", "✨", "💯", "👀",
            "🎉", "ok", "hmm", "wow", "haha", "<3",
        ],
        word_separator: " ",
        given_names: &["Kiki", "Nox", "Lulu", "Zed", "Mimi", "Ray", "Juju", "Bo"],
        family_names: &["✨", "🌙", "🦋", "☁️", "💫", "🌸", "⚡", "🍀"],
        family_first: false,
    },
];

const EMOJI: [&str; 16] = [
    "😂", "😍", "🔥", "❤️", "👍", "🙏", "😭", "✨", "💯", "👀", "🎉", "😊", "🙌", "💪", "🤔", "😎",
];

const CASHTAGS: [&str; 8] = ["AAPL", "TSLA", "BTC", "ETH", "AMZN", "GOOG", "MSFT", "NFLX"];

const HANDLE_STEMS: [&str; 32] = [
    "sunny", "kaito", "maria", "dev", "neko", "luna", "alex", "jota", "sam", "yuki", "ali", "omar",
    "lena", "max", "nina", "leo", "hana", "minji", "ivan", "olga", "pedro", "ana", "emre", "elif",
    "sara", "noor", "tom", "kim", "zoe", "real", "its", "the",
];

#[rustfmt::skip]
const LOCATIONS: [&str; 28] = [
    "London, England", "New York, NY", "Los Angeles, CA", "Madrid, España", "Ciudad de México",
    "Buenos Aires, Argentina", "São Paulo, Brasil", "Rio de Janeiro", "Paris, France",
    "Berlin, Deutschland", "München", "İstanbul, Türkiye", "Москва, Россия", "Санкт-Петербург",
    "الرياض, المملكة العربية السعودية", "Cairo, Egypt", "東京都 渋谷区", "大阪", "서울특별시",
    "Seoul, Korea", "Lagos, Nigeria", "Mumbai, India", "Toronto, Ontario", "Sydney, Australia",
    "somewhere in the clouds ☁️", "🌍", "Earth", "she/her | 21",
];

/// Posting clients as (link, name).
const SOURCES: [(&str, &str); 12] = [
    ("http://twitter.com/download/iphone", "Twitter for iPhone"),
    ("http://twitter.com/download/iphone", "Twitter for iPhone"),
    ("http://twitter.com/download/android", "Twitter for Android"),
    ("http://twitter.com/download/android", "Twitter for Android"),
    ("https://mobile.twitter.com", "Twitter Lite"),
    ("http://twitter.com", "Twitter Web Client"),
    ("https://about.twitter.com/products/tweetdeck", "TweetDeck"),
    ("http://twitter.com/#!/download/ipad", "Twitter for iPad"),
    ("http://instagram.com", "Instagram"),
    ("https://ifttt.com", "IFTTT"),
    ("https://www.hootsuite.com", "Hootsuite Inc."),
    ("https://buffer.com", "Buffer"),
];

/// Link destinations as (host, path prefix); a random slug completes each.
const LINK_TARGETS: [(&str, &str); 10] = [
    ("www.youtube.com", "/watch?v="),
    ("www.instagram.com", "/p/"),
    ("www.bbc.co.uk", "/news/world-"),
    ("www.nytimes.com", "/2018/10/10/world/"),
    ("github.com", "/"),
    ("open.spotify.com", "/track/"),
    ("elpais.com", "/internacional/"),
    ("g1.globo.com", "/noticia/"),
    ("www3.nhk.or.jp", "/news/html/"),
    ("twitter.com", "/i/web/status/"),
];

/// Default profile colours: background, link, sidebar border, sidebar fill, text.
const DEFAULT_PROFILE_COLORS: [&str; 5] = ["F5F8FA", "1DA1F2", "C0DEED", "DDEEF6", "333333"];

/// A place a tweet can be tagged with; its bounding box is the centre ± `half_span` degrees.
struct PlaceSpec {
    id: &'static str,
    name: &'static str,
    full_name: &'static str,
    place_type: &'static str,
    country_code: &'static str,
    country: &'static str,
    lon: f64,
    lat: f64,
    half_span: f64,
}

macro_rules! place {
    ($id:literal, $name:literal, $full:literal, $type:literal, $cc:literal, $country:literal,
     $lon:literal, $lat:literal, $span:literal) => {
        PlaceSpec {
            id: $id,
            name: $name,
            full_name: $full,
            place_type: $type,
            country_code: $cc,
            country: $country,
            lon: $lon,
            lat: $lat,
            half_span: $span,
        }
    };
}

#[rustfmt::skip]
const PLACES: [PlaceSpec; 16] = [
    place!("1d9a5370a355ab0c", "London", "London, England", "city", "GB", "United Kingdom",
           -0.1276, 51.5072, 0.25),
    place!("27485069891a7938", "New York", "New York, NY", "city", "US", "United States",
           -73.9857, 40.7484, 0.25),
    place!("3b77caf94bfc81fe", "Los Angeles", "Los Angeles, CA", "city", "US", "United States",
           -118.2437, 34.0522, 0.3),
    place!("206d8e7fba4ba3e5", "Madrid", "Madrid, España", "city", "ES", "España",
           -3.7038, 40.4168, 0.15),
    place!("68e019afec7d0ba5", "São Paulo", "São Paulo, Brasil", "city", "BR", "Brasil",
           -46.6333, -23.5505, 0.3),
    place!("09f6a7707f18e0b1", "Paris", "Paris, France", "city", "FR", "France",
           2.3522, 48.8566, 0.12),
    place!("3078869807f9dd36", "Berlin", "Berlin, Deutschland", "city", "DE", "Deutschland",
           13.405, 52.52, 0.2),
    place!("5e02a0f0d91c76d2", "İstanbul", "İstanbul, Türkiye", "admin", "TR", "Türkiye",
           28.9784, 41.0082, 0.4),
    place!("3a59bbc4f0c6e2d1", "Москва", "Москва, Россия", "city", "RU", "Россия",
           37.6173, 55.7558, 0.3),
    place!("1b9b7d3a4c2f5e60", "الرياض", "الرياض, المملكة العربية السعودية", "city", "SA", "المملكة العربية السعودية",
           46.6753, 24.7136, 0.3),
    place!("7a2c5f1e9d3b4a80", "渋谷区", "東京都 渋谷区", "city", "JP", "日本",
           139.7016, 35.658, 0.05),
    place!("0f8e2d6c4b1a3957", "강남구", "서울특별시 강남구", "city", "KR", "대한민국",
           127.0473, 37.5172, 0.06),
    place!("4c9d8e7f6a5b3c21", "Ciudad de México", "Ciudad de México, México", "city", "MX", "México",
           -99.1332, 19.4326, 0.3),
    place!("6b5a4c3d2e1f0a98", "Buenos Aires", "Buenos Aires, Argentina", "city", "AR", "Argentina",
           -58.3816, -34.6037, 0.2),
    place!("2e3f4a5b6c7d8e9f", "Toronto", "Toronto, Ontario", "city", "CA", "Canada",
           -79.3832, 43.6532, 0.25),
    place!("8d7c6b5a4f3e2d1c", "Mumbai", "Mumbai, India", "city", "IN", "India",
           72.8777, 19.076, 0.2),
];

#[cfg(test)]
mod tests;
