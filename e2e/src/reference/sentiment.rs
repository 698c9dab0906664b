//! The sentiment the result topic should hold, computed from the input file with the consumer's
//! per-tweet scorer and sample (each tested on its own, in the consumer crate) but none of its
//! windowing, aggregation, merging or publishing.

use std::collections::BTreeMap;
use std::path::Path;

use consumer::engine::sentiment::{Sample, Score};
use model::post::PostId;

use super::{reference_tweet, window_starts};

/// A sampled tweet and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoredTweet {
    /// The score in units of 0.0001.
    pub units: i32,
    pub id: u64,
}

/// The scored tweets of every window, and of every hashtag in it.
pub struct SentimentReference {
    /// Per window start.
    pub windows: BTreeMap<i64, Vec<ScoredTweet>>,
    /// Per (window start, hashtag).
    pub hashtags: BTreeMap<(i64, String), Vec<ScoredTweet>>,
    /// Per window start: tweets not scored because they are not in English.
    pub not_scored_language: BTreeMap<i64, u64>,
}

/// Scores every English tweet of `file` in `sample` (the sample is drawn among English tweets
/// only; a retweet's language is its original's) and files it under each window of `size_ms`
/// starting every `slide_ms` that holds it, and under each of its hashtags there.
pub fn reference_sentiment(
    file: &Path,
    size_ms: i64,
    slide_ms: i64,
    sample: Sample,
) -> SentimentReference {
    let mut reference = SentimentReference {
        windows: BTreeMap::new(),
        hashtags: BTreeMap::new(),
        not_scored_language: BTreeMap::new(),
    };
    let lines = std::fs::read_to_string(file).expect("read tweet file");
    for line in lines.lines() {
        let Some(tweet) = reference_tweet(line) else {
            let notice = serde_json::from_str(line).is_ok_and(|v| super::is_stream_notice(&v));
            assert!(
                notice,
                "every generated line is a tweet or a stream notice: {line}"
            );
            continue;
        };
        let english = tweet.lang.as_deref() == Some("en");
        let scored: Vec<ScoredTweet> = match english && sample.includes(&PostId::Tweet(tweet.id)) {
            true => vec![ScoredTweet {
                units: Score::of(&tweet.text).units(),
                id: tweet.id,
            }],
            false => Vec::new(),
        };
        for start in window_starts(tweet.created_ms, size_ms, slide_ms) {
            reference.windows.entry(start).or_default().extend(&scored);
            *reference.not_scored_language.entry(start).or_default() += u64::from(!english);
            for tag in &tweet.tags {
                reference
                    .hashtags
                    .entry((start, tag.clone()))
                    .or_default()
                    .extend(&scored);
            }
        }
    }
    reference
}

/// The published `sentiment` object's counts and mean for these scores.
pub fn expected_tally(scores: &[ScoredTweet]) -> serde_json::Value {
    let n = scores.len() as i64;
    let sum: i64 = scores.iter().map(|s| i64::from(s.units)).sum();
    let count = |keep: fn(i32) -> bool| scores.iter().filter(|s| keep(s.units)).count();
    // Rounded half away from zero, in floating point here (the consumer uses integers); 0
    // when nothing was scored.
    let mean = match n {
        0 => 0.0,
        n => (sum as f64 / n as f64).round() / 10_000.0,
    };
    serde_json::json!({
        "scored": n,
        "mean": mean,
        "positive": count(|s| s >= 500),
        "neutral": count(|s| -500 < s && s < 500),
        "negative": count(|s| s <= -500),
    })
}

/// A window's most positive or most negative tweet as published: its score and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Extreme {
    pub score: f64,
    pub id: String,
}

impl Extreme {
    fn of(tweet: &ScoredTweet) -> Extreme {
        Extreme {
            score: f64::from(tweet.units) / 10_000.0,
            id: tweet.id.to_string(),
        }
    }
}

/// The most positive of these tweets: the highest score of at least 0.05, ties to the lowest
/// id.
pub fn most_positive(scores: &[ScoredTweet]) -> Option<Extreme> {
    scores
        .iter()
        .filter(|s| s.units >= 500)
        .min_by_key(|s| (-s.units, s.id))
        .map(Extreme::of)
}

/// The most negative of these tweets: the lowest score of at most -0.05, ties to the lowest id.
pub fn most_negative(scores: &[ScoredTweet]) -> Option<Extreme> {
    scores
        .iter()
        .filter(|s| s.units <= -500)
        .min_by_key(|s| (s.units, s.id))
        .map(Extreme::of)
}
