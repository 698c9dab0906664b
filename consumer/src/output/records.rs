//! What the merge stage publishes for each merged window: records for the result topic (every
//! hashtag's count, keyed by window and hashtag so a compacted topic keeps the latest value), the
//! running totals of cumulative windows, and the console tables and counts-file lines.
//!
//! Cumulative totals are state that outlives windows, so they are also read back from the
//! result topic when the merge stage moves to another consumer: each total records the end of
//! the last window added to it, which makes adding a replayed window a no-op.
//!
//! The records' JSON is declared in `schema`. With sentiment on, tumbling and hopping records
//! carry a `sentiment` object (see `Sentiment`); cumulative records do not: their totals are
//! restored from the published records, and a rounded mean could not restore an exact sum.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use model::timestamp::{format_human, rfc3339};
use model::window_spec::WindowDef;

use crate::engine::counts::{Forms, TagCount, WindowTotals};
use crate::engine::merge::MergedWindow;
use crate::engine::rising::RisingParams;
use crate::engine::sentiment::aggregate::{Extreme, Tally, WindowSentiment};
use crate::engine::sentiment::Score;
use crate::engine::sources::SourceCounts;
use crate::engine::topn::top_n;
use crate::engine::window::Shape;
use crate::output::rising::{rising_record, spelling, Rankings, RisingFigures};
use crate::output::schema::{ExtremeTweet, HashtagRecord, Sentiment, Span, SummaryRecord};
use crate::output::table::{render_rising, render_table, Summary};

/// One record of the result topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub(crate) key: String,
    pub(crate) value: Vec<u8>,
}

/// Everything one call to [`Publisher::publish`] produced, for the driver to send and print.
#[derive(Debug, Default)]
pub struct Published {
    pub records: Vec<Record>,
    pub tables: Vec<String>,
    /// JSON lines for the counts file.
    pub(crate) lines: Vec<String>,
}

impl From<&Tally> for Sentiment {
    fn from(t: &Tally) -> Self {
        Sentiment {
            scored: t.scored,
            mean: t.mean().map_or(0.0, Score::as_f64),
            positive: t.positive,
            neutral: t.neutral,
            negative: t.negative,
            not_scored_language: None,
            most_positive: None,
            most_negative: None,
        }
    }
}

impl From<&WindowSentiment> for Sentiment {
    fn from(w: &WindowSentiment) -> Self {
        let extreme = |e: &Extreme| ExtremeTweet {
            id: e.id.to_string(),
            text: e.text.clone(),
            score: e.score.as_f64(),
        };
        Sentiment {
            most_positive: w.most_positive.as_deref().map(extreme),
            most_negative: w.most_negative.as_deref().map(extreme),
            not_scored_language: Some(w.not_scored_language),
            ..Sentiment::from(&w.tally)
        }
    }
}

/// Running totals of one cumulative window definition.
#[derive(Debug, Default)]
struct Cumulative {
    tweets: u64,
    mentions: u64,
    sources: SourceCounts,
    /// End of the last period added to `tweets` and `mentions`.
    through_ms: Option<i64>,
    /// Per hashtag: its total and the end of the last period added to it.
    totals: HashMap<String, (TagCount, i64)>,
}

impl Cumulative {
    /// Adds a period once; returns the totals it changed.
    fn add(&mut self, period: &MergedWindow) -> Vec<TagCount> {
        let end = period.id.end_ms();
        if self.through_ms.is_none_or(|t| t < end) {
            self.tweets += period.totals.tweets;
            self.mentions += period.totals.mentions;
            self.sources.merge(&period.totals.sources);
            self.through_ms = Some(end);
        }
        let mut changed = Vec::new();
        for tag in &period.totals.tags {
            let (total, through) = self.totals.entry(tag.key.clone()).or_insert_with(|| {
                let empty = TagCount {
                    key: tag.key.clone(),
                    count: 0,
                    error: 0,
                    forms: Forms::default(),
                    sentiment: None,
                };
                (empty, i64::MIN)
            });
            if *through >= end {
                continue;
            }
            total.count += tag.count;
            total.error += tag.error;
            total.forms.merge(&tag.forms);
            *through = end;
            changed.push(total.clone());
        }
        changed
    }
}

/// Turns merged windows into published results for the configured window definitions.
pub struct Publisher {
    defs: Vec<WindowDef>,
    top: usize,
    cumulative: BTreeMap<WindowDef, Cumulative>,
    rising: Rankings,
}

impl Publisher {
    /// Publishes `defs`, showing the `top` hashtags per table.
    pub fn new(defs: &[WindowDef], top: usize) -> Self {
        Publisher {
            defs: defs.to_vec(),
            top,
            cumulative: BTreeMap::new(),
            rising: Rankings::default(),
        }
    }

    /// Also ranks the rising hashtags of every final tumbling and hopping window.
    pub fn with_rising(mut self, params: RisingParams) -> Self {
        self.rising = Rankings::new(&self.defs, Some(params));
        self
    }

    /// Whether a new owner of the merge stage resuming after windows ending at `through_ms`
    /// must restore state from the result topic: cumulative totals, or rising histories (none
    /// before the first window was emitted).
    pub(crate) fn restores(&self, through_ms: Option<i64>) -> bool {
        (self.rising.any() && through_ms.is_some())
            || self
                .defs
                .iter()
                .any(|d| matches!(d, WindowDef::Cumulative { .. }))
    }

    /// The rising rankings' figures, per ranked window definition.
    pub(crate) fn rising_figures(&self) -> Vec<RisingFigures> {
        self.rising.figures()
    }

    /// Forgets cumulative totals and rising histories, then restores them from the records of
    /// the result topic that `read` feeds to the returned restorer's `record`, as of the merge
    /// checkpoint's `through_ms`.
    pub(crate) fn restore_from(
        &mut self,
        through_ms: Option<i64>,
        read: impl FnOnce(&mut dyn FnMut(&str, &[u8])) -> anyhow::Result<u64>,
    ) -> anyhow::Result<u64> {
        self.cumulative.clear();
        let labels: Vec<(String, WindowDef)> =
            self.defs.iter().map(|&d| (d.to_string(), d)).collect();
        let cumulative = &mut self.cumulative;
        let mut rising = self.rising.restorer(through_ms);
        let read = read(&mut |key, value| {
            let Some((label, rest)) = key.split_once('|') else {
                return;
            };
            let Some(&(_, def)) = labels.iter().find(|(l, _)| l == label) else {
                return;
            };
            match def {
                WindowDef::Cumulative { .. } => {
                    restore_cumulative(cumulative.entry(def).or_default(), rest, value)
                }
                WindowDef::Tumbling { .. } | WindowDef::Hopping { .. } => rising.record(def, value),
            }
        })?;
        rising.finish();
        Ok(read)
    }

    /// Adds what a merged window means for every definition computed from its shape.
    pub fn publish(&mut self, w: &MergedWindow, out: &mut Published) {
        let defs: Vec<WindowDef> = self
            .defs
            .iter()
            .copied()
            .filter(|&d| Shape::of(d) == w.id.shape)
            .collect();
        for def in defs {
            match def {
                WindowDef::Tumbling { .. } | WindowDef::Hopping { .. } => {
                    self.publish_window(def, w, out)
                }
                WindowDef::Cumulative { .. } if w.is_final => self.publish_totals(def, w, out),
                WindowDef::Cumulative { .. } => {}
            }
        }
    }

    /// A tumbling or hopping window: its hashtags and summary, and once final its table and
    /// counts-file line.
    fn publish_window(&mut self, def: WindowDef, w: &MergedWindow, out: &mut Published) {
        let label = def.to_string();
        let start = rfc3339(w.id.start_ms);
        let span = || Span {
            window: label.clone(),
            window_start: Some(start.clone()),
            window_start_ms: Some(w.id.start_ms),
            window_end: rfc3339(w.id.end_ms()),
            window_end_ms: w.id.end_ms(),
            is_final: w.is_final,
        };
        let prefix = format!("{label}|{start}|");
        push_tags(out, &prefix, &span, &w.totals.tags, false);
        let t = &w.totals;
        let summary = Summary {
            tweets: t.tweets,
            mentions: t.mentions,
            distinct: w.distinct,
            untracked_bound: t.untracked_bound,
            mean_sentiment: t.sentiment.as_ref().and_then(|s| s.tally.mean()),
        };
        push_summary(
            out,
            &prefix,
            span(),
            summary,
            t.sources,
            t.sentiment.as_ref(),
        );
        if w.is_final {
            let title = format!(
                "Window: {} - {} UTC  [{label}]",
                format_human(w.id.start_ms),
                &format_human(w.id.end_ms())[11..],
            );
            let mut table = render_table(&title, summary, top_n(&t.tags, self.top));
            if let Some(list) = self.rising.rank(def, w) {
                out.records.push(rising_record(&prefix, span(), &list, w));
                table.push_str(&render_rising(&list, &|key| spelling(w, key)));
            }
            out.tables.push(table);
            out.lines.push(counts_line(&span(), t));
        }
    }

    /// A cumulative definition: a final window adds to its running totals, and the hashtags
    /// that changed, the summary and the table are published.
    fn publish_totals(&mut self, def: WindowDef, w: &MergedWindow, out: &mut Published) {
        let label = def.to_string();
        let totals = self.cumulative.entry(def).or_default();
        let changed = totals.add(w);
        let span = |end_ms: i64| Span {
            window: label.clone(),
            window_start: None,
            window_start_ms: None,
            window_end: rfc3339(end_ms),
            window_end_ms: end_ms,
            is_final: true,
        };
        let prefix = format!("{label}|");
        push_tags(out, &prefix, &|| span(w.id.end_ms()), &changed, true);
        let summary = Summary {
            tweets: totals.tweets,
            mentions: totals.mentions,
            distinct: totals.totals.len(),
            untracked_bound: 0,
            mean_sentiment: None,
        };
        // A replayed period changes nothing: the summary still says how far the totals reach,
        // so a later restore does not add the periods after it again.
        let through = totals.through_ms.unwrap_or(w.id.end_ms());
        push_summary(out, &prefix, span(through), summary, totals.sources, None);
        let title = format!("Totals through {} UTC  [{label}]", format_human(through));
        let rows = top_n(totals.totals.values().map(|(t, _)| t), self.top);
        out.tables.push(render_table(&title, summary, rows));
    }
}

/// Restores a cumulative definition's totals from one of its records in the result topic (`rest`
/// is its key after the label); records must be given oldest first.
fn restore_cumulative(totals: &mut Cumulative, rest: &str, value: &[u8]) {
    if rest == "*" {
        if let Ok(v) = serde_json::from_slice::<SummaryRecord>(value) {
            totals.tweets = v.tweets;
            totals.mentions = v.mentions;
            totals.sources = v.sources;
            totals.through_ms = Some(v.span.window_end_ms);
        }
    } else if let Ok(v) = serde_json::from_slice::<HashtagRecord>(value) {
        let tag = TagCount {
            key: v.key.clone(),
            count: v.count,
            error: v.error,
            forms: v.forms.unwrap_or_default(),
            sentiment: None,
        };
        totals.totals.insert(v.key, (tag, v.span.window_end_ms));
    }
}

/// Adds one record per hashtag.
fn push_tags(
    out: &mut Published,
    prefix: &str,
    span: &dyn Fn() -> Span,
    tags: &[TagCount],
    with_forms: bool,
) {
    for tag in tags {
        let value = HashtagRecord {
            span: span(),
            hashtag: tag.display().to_owned(),
            key: tag.key.clone(),
            count: tag.count,
            error: tag.error,
            forms: with_forms.then(|| tag.forms.clone()),
            sentiment: tag.sentiment.as_ref().map(Sentiment::from),
        };
        out.records.push(Record {
            key: format!("{prefix}{}", tag.key),
            value: serde_json::to_vec(&value).expect("result values serialise"),
        });
    }
}

/// Adds the window's summary record.
fn push_summary(
    out: &mut Published,
    prefix: &str,
    span: Span,
    s: Summary,
    sources: SourceCounts,
    sentiment: Option<&WindowSentiment>,
) {
    let value = SummaryRecord {
        span,
        tweets: s.tweets,
        sources,
        mentions: s.mentions,
        distinct_hashtags: s.distinct as u64,
        untracked_bound: s.untracked_bound,
        sentiment: sentiment.map(Sentiment::from),
    };
    out.records.push(Record {
        key: format!("{prefix}*"),
        value: serde_json::to_vec(&value).expect("result values serialise"),
    });
}

/// One counts-file line: a final window's full counts.
fn counts_line(span: &Span, totals: &WindowTotals) -> String {
    #[derive(Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        span: &'a Span,
        tweets: u64,
        counts: BTreeMap<&'a str, u64>,
    }
    let line = Line {
        span,
        tweets: totals.tweets,
        counts: totals
            .tags
            .iter()
            .map(|t| (t.key.as_str(), t.count))
            .collect(),
    };
    serde_json::to_string(&line).expect("counts lines serialise")
}

#[cfg(test)]
mod tests;
