//! The result topic's records: one set of types for the merge stage that writes them
//! (`results`) and for the readers that rebuild the served view from them (`results_view`), so
//! the JSON every reader of `hashtag-counts` sees is declared once.
//!
//! A record is a hashtag's count in a window (key `window|start|hashtag`, cumulative
//! `window|hashtag`), a window's totals (key `window|start|*`, cumulative `window|*`) or a final
//! window's rising hashtags (key `window|start|*rising`: a hashtag key never starts with `*`, so
//! it cannot be overwritten by the count of a hashtag named `#rising`); all carry the window
//! they belong to, flattened into the same object.

use serde::{Deserialize, Serialize};

use crate::engine::counts::Forms;
use crate::engine::sources::SourceCounts;

/// The window of a result record; cumulative totals have an end ("through") but no start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Span {
    pub(crate) window: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) window_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) window_start_ms: Option<i64>,
    pub(crate) window_end: String,
    pub(crate) window_end_ms: i64,
    #[serde(rename = "final")]
    pub(crate) is_final: bool,
}

/// A hashtag's count in a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HashtagRecord {
    #[serde(flatten)]
    pub(crate) span: Span,
    /// The most used spelling.
    pub(crate) hashtag: String,
    /// The case-folded key counts are kept under.
    pub(crate) key: String,
    pub(crate) count: u64,
    /// Space-Saving only: the count is at most this much too high.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) error: u64,
    /// Cumulative only: spelling counts, so totals can be restored with their display form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) forms: Option<Forms>,
    /// Tumbling and hopping windows, with sentiment on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<Sentiment>,
}

/// A window's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SummaryRecord {
    #[serde(flatten)]
    pub(crate) span: Span,
    pub(crate) tweets: u64,
    /// `tweets` by source, those with none left out; absent from records written before
    /// sources were counted.
    #[serde(default, skip_serializing_if = "SourceCounts::is_empty")]
    pub(crate) sources: SourceCounts,
    pub(crate) mentions: u64,
    pub(crate) distinct_hashtags: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) untracked_bound: u64,
    /// Tumbling and hopping windows, with sentiment on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<Sentiment>,
}

/// A final window's rising hashtags, ranked: those counted far above what their share of the
/// previous windows' posts predicts (see `engine::rising`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RisingRecord {
    #[serde(flatten)]
    pub(crate) span: Span,
    /// How many earlier windows the baselines come from; 0 while there are none yet, when
    /// nothing is ranked (every hashtag would be new).
    pub(crate) history_windows: u64,
    /// Highest score first.
    pub(crate) rising: Vec<RisingTag>,
}

/// One ranked hashtag of a [`RisingRecord`]. `baseline` and `score` are exact thousandths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RisingTag {
    /// The most used spelling.
    pub(crate) hashtag: String,
    pub(crate) key: String,
    pub(crate) count: u64,
    /// The count its share of the previous windows' posts predicts for this window's posts.
    pub(crate) baseline: f64,
    /// `(count - baseline) / sqrt(baseline + prior)`: how many Poisson standard deviations
    /// the count lies above its baseline.
    pub(crate) score: f64,
    /// Not mentioned in any previous window of the history.
    #[serde(rename = "new")]
    pub(crate) is_new: bool,
}

/// The published sentiment of a window or of a hashtag in it: how many tweets were scored,
/// their mean compound score (4 decimals; 0 when none was scored), how many were positive
/// (score >= 0.05), neutral and negative (<= -0.05), and for a window its most positive and most
/// negative tweet (each absent when the window has no positive, or no negative, tweet; always
/// absent for a hashtag). Only English tweets are scored (`covers_language`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Sentiment {
    pub(crate) scored: u64,
    /// Always present, so readers need no special case: `scored` says whether it means anything.
    pub(crate) mean: f64,
    pub(crate) positive: u64,
    pub(crate) neutral: u64,
    pub(crate) negative: u64,
    /// A window's tweets not scored because the lexicon does not cover their language (shown
    /// as "not scored (language)"); absent for a hashtag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) not_scored_language: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) most_positive: Option<ExtremeTweet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) most_negative: Option<ExtremeTweet>,
}

/// A tweet as published: the id as a string, since JSON readers in JavaScript lose precision
/// on 64-bit numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ExtremeTweet {
    pub(crate) id: String,
    pub(crate) text: String,
    pub(crate) score: f64,
}

/// Any record of the result topic, as a reader meets it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum ResultRecord {
    Hashtag(HashtagRecord),
    Summary(SummaryRecord),
    Rising(RisingRecord),
}

impl ResultRecord {
    /// The window the record belongs to.
    pub(crate) fn span(&self) -> &Span {
        match self {
            ResultRecord::Hashtag(h) => &h.span,
            ResultRecord::Summary(s) => &s.span,
            ResultRecord::Rising(r) => &r.span,
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::post::Source;

    fn span(start: Option<i64>) -> Span {
        Span {
            window: "tumbling-10s".into(),
            window_start: start.map(|_| "2026-01-01T00:00:00Z".into()),
            window_start_ms: start,
            window_end: "2026-01-01T00:00:10Z".into(),
            window_end_ms: 1_767_225_610_000,
            is_final: true,
        }
    }

    #[test]
    fn what_the_writer_publishes_the_reader_reads_as_the_same_record() {
        let tag = HashtagRecord {
            span: span(Some(1_767_225_600_000)),
            hashtag: "Rust".into(),
            key: "rust".into(),
            count: 3,
            error: 0,
            forms: None,
            sentiment: Some(Sentiment {
                scored: 2,
                mean: 0.25,
                positive: 1,
                neutral: 1,
                negative: 0,
                not_scored_language: None,
                most_positive: None,
                most_negative: None,
            }),
        };
        let summary = SummaryRecord {
            span: span(None),
            tweets: 7,
            sources: [Source::Twitter, Source::Mastodon, Source::Twitter]
                .into_iter()
                .collect(),
            mentions: 9,
            distinct_hashtags: 4,
            untracked_bound: 0,
            sentiment: Some(Sentiment {
                scored: 0,
                mean: 0.0,
                positive: 0,
                neutral: 0,
                negative: 0,
                not_scored_language: Some(5),
                most_positive: None,
                most_negative: None,
            }),
        };
        let read = |json: Vec<u8>| serde_json::from_slice::<ResultRecord>(&json).unwrap();
        assert_eq!(
            read(serde_json::to_vec(&tag).unwrap()),
            ResultRecord::Hashtag(tag)
        );
        assert_eq!(
            read(serde_json::to_vec(&summary).unwrap()),
            ResultRecord::Summary(summary)
        );
    }

    #[test]
    fn optional_fields_are_left_out_and_the_span_is_flattened() {
        let summary = SummaryRecord {
            span: span(None),
            tweets: 1,
            sources: SourceCounts::default(),
            mentions: 0,
            distinct_hashtags: 0,
            untracked_bound: 0,
            sentiment: None,
        };
        let json = serde_json::to_value(&summary).unwrap();
        let keys: std::collections::BTreeSet<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let want = [
            "distinct_hashtags",
            "final",
            "mentions",
            "tweets",
            "window",
            "window_end",
            "window_end_ms",
        ];
        assert_eq!(keys, want.into_iter().collect());
    }
}
