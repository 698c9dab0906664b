//! Sentiment aggregates of a window and of each hashtag in it, built to merge exactly: integer
//! sums of quantised scores, and a choice of the most extreme tweets that depends only on the
//! set of tweets, never on the order they were added or merged in. Partitions' parts of a
//! window can then be combined in any order and grouping, before or after a crash, and give
//! identical values, as the result topic's key-for-key comparisons require.

use model::post::PostId;
use serde::{Deserialize, Serialize};

use super::{Polarity, Score};

/// A tweet being added to the aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored<'a> {
    pub(crate) id: &'a PostId<'a>,
    pub(crate) text: &'a str,
    pub(crate) score: Score,
}

/// What the counting stage knows of a tweet's sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring<'a> {
    /// Sentiment is off: windows and hashtags carry none.
    Off,
    /// Sentiment is on but this tweet is not in the sample: windows and hashtags carry
    /// sentiment (perhaps with nothing scored) without it.
    Skipped,
    /// Sentiment is on but the tweet is in a language the lexicon does not cover
    /// ([`super::covers_language`]): its window counts it as not scored for that reason.
    OtherLanguage,
    Scored(Scored<'a>),
}

impl Scoring<'_> {
    /// Adds the tweet to a window's sentiment, created when sentiment is on.
    pub(crate) fn add_to_window(self, window: &mut Option<WindowSentiment>) {
        match self {
            Scoring::Off => {}
            Scoring::Skipped => {
                window.get_or_insert_default();
            }
            Scoring::OtherLanguage => window.get_or_insert_default().not_scored_language += 1,
            Scoring::Scored(tweet) => window.get_or_insert_default().add(tweet),
        }
    }

    /// Adds the tweet to a hashtag's tally, created when sentiment is on.
    pub(crate) fn add_to_tag(self, tag: &mut Option<Tally>) {
        match self {
            Scoring::Off => {}
            Scoring::Skipped | Scoring::OtherLanguage => {
                tag.get_or_insert_default();
            }
            Scoring::Scored(tweet) => tag.get_or_insert_default().add(tweet.score),
        }
    }
}

/// How many tweets were scored, the exact sum of their scores and how they split by polarity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub(crate) scored: u64,
    /// In units of 0.0001, like [`Score`].
    pub(crate) sum: i64,
    pub(crate) positive: u64,
    pub(crate) neutral: u64,
    pub(crate) negative: u64,
}

impl Merge for Tally {
    /// Integer sums: exact in any order.
    fn merge(&mut self, other: &Tally) {
        self.scored += other.scored;
        self.sum += other.sum;
        self.positive += other.positive;
        self.neutral += other.neutral;
        self.negative += other.negative;
    }
}

impl Tally {
    /// Counts one scored tweet.
    pub(crate) fn add(&mut self, score: Score) {
        self.scored += 1;
        self.sum += i64::from(score.units());
        match score.polarity() {
            Polarity::Positive => self.positive += 1,
            Polarity::Neutral => self.neutral += 1,
            Polarity::Negative => self.negative += 1,
        }
    }

    /// The mean score rounded to 0.0001 (halves away from zero), computed in integers so that
    /// it is the same wherever it is computed; `None` when nothing was scored.
    pub(crate) fn mean(&self) -> Option<Score> {
        if self.scored == 0 {
            return None;
        }
        let (sum, n) = (i128::from(self.sum), i128::from(self.scored));
        let rounded = (2 * sum.abs() + n) / (2 * n) * sum.signum();
        Some(Score::from_units(
            i32::try_from(rounded).expect("a mean lies within [-1, 1]"),
        ))
    }
}

/// Aggregates that combine parts of the same window.
pub(crate) trait Merge: Default {
    /// Adds another part (in any order: the result is the same).
    fn merge(&mut self, other: &Self);
}

/// The merge of the parts present; `None` when there is none (sentiment off).
pub(crate) fn merge_all<'a, T: Merge + 'a>(parts: impl IntoIterator<Item = &'a T>) -> Option<T> {
    parts.into_iter().fold(None, |total, part| {
        let mut total = total.unwrap_or_default();
        total.merge(part);
        Some(total)
    })
}

/// A window's most positive or most negative tweet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Extreme {
    pub(crate) id: PostId<'static>,
    pub(crate) text: String,
    pub(crate) score: Score,
}

/// The sentiment of a window: its tally, and its most positive and most negative tweets
/// (among the positive and the negative ones respectively, so a window with no negative
/// tweet has no most negative one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WindowSentiment {
    pub(crate) tally: Tally,
    /// Tweets not scored because of their language.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) not_scored_language: u64,
    /// Boxed: replaced rarely, and the window totals that carry them stay small to move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) most_positive: Option<Box<Extreme>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) most_negative: Option<Box<Extreme>>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Which end of the scale an extreme is kept for.
#[derive(Clone, Copy)]
enum Side {
    Positive,
    Negative,
}

impl Side {
    /// Orders candidates so that the one to keep is the smallest: the most extreme score, then
    /// the lowest id, then the smaller text (a replayed id with another text stays
    /// deterministic too).
    fn rank<'a>(self, t: Scored<'a>) -> (i32, &'a PostId<'a>, &'a str) {
        let score = match self {
            Side::Positive => -t.score.units(),
            Side::Negative => t.score.units(),
        };
        (score, t.id, t.text)
    }

    /// Keeps `candidate` in `slot` if it ranks before what is there; copies the text only then.
    fn keep(self, slot: &mut Option<Box<Extreme>>, candidate: Scored<'_>) {
        if slot
            .as_ref()
            .is_none_or(|e| self.rank(candidate) < self.rank(e.scored()))
        {
            *slot = Some(Box::new(Extreme {
                id: candidate.id.clone().into_owned(),
                text: candidate.text.to_owned(),
                score: candidate.score,
            }));
        }
    }
}

impl Extreme {
    fn scored(&self) -> Scored<'_> {
        Scored {
            id: &self.id,
            text: &self.text,
            score: self.score,
        }
    }
}

impl WindowSentiment {
    /// Adds one scored tweet.
    pub(crate) fn add(&mut self, tweet: Scored<'_>) {
        self.tally.add(tweet.score);
        match tweet.score.polarity() {
            Polarity::Positive => Side::Positive.keep(&mut self.most_positive, tweet),
            Polarity::Negative => Side::Negative.keep(&mut self.most_negative, tweet),
            Polarity::Neutral => {}
        }
    }
}

impl Merge for WindowSentiment {
    fn merge(&mut self, other: &WindowSentiment) {
        self.tally.merge(&other.tally);
        self.not_scored_language += other.not_scored_language;
        if let Some(e) = &other.most_positive {
            Side::Positive.keep(&mut self.most_positive, e.scored());
        }
        if let Some(e) = &other.most_negative {
            Side::Negative.keep(&mut self.most_negative, e.scored());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXTS: [&str; 3] = ["a", "b", "great"];

    /// (id, text, score units) of a tweet.
    type Raw = (u64, usize, i32);

    fn aggregate(tweets: &[Raw]) -> WindowSentiment {
        let mut w = WindowSentiment::default();
        for &(id, text, units) in tweets {
            let id = PostId::Tweet(id);
            w.add(Scored {
                id: &id,
                text: TEXTS[text],
                score: Score::from_units(units),
            });
        }
        w
    }

    fn merged<'a>(parts: impl IntoIterator<Item = &'a WindowSentiment>) -> WindowSentiment {
        let mut out = WindowSentiment::default();
        for p in parts {
            out.merge(p);
        }
        out
    }

    /// Few distinct ids and scores, so that ties are common.
    fn tweets() -> impl Strategy<Value = Vec<Raw>> {
        let units = prop_oneof![
            Just(0),
            Just(500),
            Just(-500),
            Just(10_000),
            Just(-10_000),
            -10_000..=10_000
        ];
        prop::collection::vec((0u64..6, 0..TEXTS.len(), units), 0..40)
    }

    #[test]
    fn tally_counts_polarities_and_rounds_the_mean_half_away_from_zero() {
        let mut t = Tally::default();
        assert_eq!(t.mean(), None);
        for units in [8316, -7424, 0, 499] {
            t.add(Score::from_units(units));
        }
        assert_eq!((t.scored, t.sum), (4, 1391));
        assert_eq!((t.positive, t.neutral, t.negative), (1, 2, 1));
        assert_eq!(t.mean(), Some(Score::from_units(348)), "347.75 rounds up");
        let mut halves = Tally::default();
        halves.add(Score::from_units(-1));
        halves.add(Score::from_units(-2));
        assert_eq!(
            halves.mean(),
            Some(Score::from_units(-2)),
            "-1.5 rounds to -2"
        );
    }

    #[test]
    fn extremes_are_the_strongest_positive_and_negative_ties_to_the_lowest_id() {
        let w = aggregate(&[(5, 2, 9000), (3, 0, 9000), (9, 1, -400), (4, 0, -9000)]);
        let pos = w.most_positive.unwrap();
        assert_eq!(
            (pos.id, pos.text.as_str(), pos.score.units()),
            (PostId::Tweet(3), "a", 9000)
        );
        assert_eq!(w.most_negative.unwrap().id, PostId::Tweet(4));
        let neutral_only = aggregate(&[(1, 0, 400), (2, 0, -499)]);
        assert_eq!(
            (neutral_only.most_positive, neutral_only.most_negative),
            (None, None),
            "a neutral tweet is neither"
        );
    }

    #[test]
    fn serialises_compactly_without_missing_extremes() {
        let w = aggregate(&[(7, 2, 2500)]);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(
            json,
            r#"{"tally":{"scored":1,"sum":2500,"positive":1,"neutral":0,"negative":0},"most_positive":{"id":7,"text":"great","score":2500}}"#
        );
        assert_eq!(serde_json::from_str::<WindowSentiment>(&json).unwrap(), w);
    }

    proptest! {
        /// Any split of the tweets, merged in any order, equals aggregating them whole.
        #[test]
        fn merging_any_split_in_any_order_equals_the_whole(
            tweets in tweets(),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..5),
            order in any::<u64>(),
        ) {
            let whole = aggregate(&tweets);
            let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(tweets.len() + 1)).collect();
            bounds.extend([0, tweets.len()]);
            bounds.sort_unstable();
            let mut parts: Vec<WindowSentiment> =
                bounds.windows(2).map(|b| aggregate(&tweets[b[0]..b[1]])).collect();
            // A deterministic shuffle driven by `order`.
            let mut bits = order;
            for i in (1..parts.len()).rev() {
                parts.swap(i, (bits % (i as u64 + 1)) as usize);
                bits = bits.rotate_right(7) ^ 0x9e37_79b9_7f4a_7c15;
            }
            prop_assert_eq!(merged(&parts), whole);
        }

        /// Merging is associative and commutative, and the empty aggregate is its identity.
        #[test]
        fn merging_is_associative_and_commutative(a in tweets(), b in tweets(), c in tweets()) {
            let (a, b, c) = (aggregate(&a), aggregate(&b), aggregate(&c));
            let ab_c = merged([&merged([&a, &b]), &c]);
            let a_bc = merged([&a, &merged([&b, &c])]);
            prop_assert_eq!(&ab_c, &a_bc);
            prop_assert_eq!(merged([&a, &b]), merged([&b, &a]));
            prop_assert_eq!(merged([&a, &WindowSentiment::default()]), a);
        }
    }
}
