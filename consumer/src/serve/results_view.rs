//! The merged results as the HTTP API and the dashboard show them, rebuilt from the records
//! of the result topic (so every consumer instance serves the same view, whichever member
//! merges). Pure: records in, API documents out; `results_reader` feeds it and `http` serves it.
//!
//! Records of one window are spread over the result topic's partitions, so they arrive in no
//! particular order across hashtags; per key they arrive in order. Hence:
//! * early records (`"final": false`) carry only changed hashtags with absolute counts: they
//!   are accumulated per open window;
//! * the first final record of a window makes it closed and drops its early counts: the final
//!   records together carry every hashtag of the window, and early records still arriving for
//!   it from other partitions are ignored;
//! * windows close in start order, so a closed window also drops the open windows before it.
//!
//! Memory is bounded by `history`: the newest closed windows (and at most as many open ones)
//! are kept per window definition; records of older windows are ignored. Cumulative totals
//! (`label|hashtag`) keep one entry per hashtag, as the merge stage itself does.
//!
//! A final window's rising record (`label|start|*rising`) is kept with the window it ranks, so
//! the same rules cover it (see `rising_view`, which serves it).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::engine::sources::SourceCounts;
use crate::output::schema::{ResultRecord, Sentiment, Span};
use crate::serve::rising_view::{RisingDocument, RisingWindow};

/// A hashtag's count in a window, as served.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TagView {
    /// The most used spelling.
    pub(crate) hashtag: String,
    /// The case-folded key it is counted under.
    pub(crate) key: String,
    pub(crate) count: u64,
    /// Space-Saving only: the count is at most this much too high.
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) error: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<Sentiment>,
}

/// A window's totals, from its `*` record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SummaryView {
    pub(crate) tweets: u64,
    /// `tweets` by source, as published.
    #[serde(skip_serializing_if = "SourceCounts::is_empty")]
    pub(crate) sources: SourceCounts,
    pub(crate) mentions: u64,
    pub(crate) distinct_hashtags: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) untracked_bound: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<Sentiment>,
}

/// Where a window lies and whether its counts are final.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WindowInfo {
    /// `None` for cumulative totals, which have only an end.
    pub(crate) window_start: Option<String>,
    pub(crate) window_start_ms: Option<i64>,
    pub(crate) window_end: String,
    pub(crate) window_end_ms: i64,
    #[serde(rename = "final")]
    pub(crate) is_final: bool,
    /// `None` until the window's summary record has been read.
    pub(crate) summary: Option<SummaryView>,
}

/// A window with its top hashtags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct WindowTop {
    #[serde(flatten)]
    pub(crate) info: WindowInfo,
    pub(crate) top: Vec<TagView>,
}

/// `GET /api/top`: the latest closed window and the open ones' early counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TopDocument {
    pub(crate) window: String,
    /// Every window definition seen in the result topic, for choosing another.
    pub(crate) windows: Vec<String>,
    pub(crate) closed: Option<WindowTop>,
    /// Open windows, oldest (next to close) first.
    pub(crate) open: Vec<WindowTop>,
}

/// One hashtag's counts over the windows of a [`HistoryDocument`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Series {
    pub(crate) hashtag: String,
    pub(crate) key: String,
    /// One count per window, oldest first; 0 where the hashtag was not mentioned.
    pub(crate) counts: Vec<u64>,
}

/// A closed window in a [`HistoryDocument`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct HistoryWindow {
    #[serde(flatten)]
    pub(crate) info: WindowInfo,
    /// Its most mentioned hashtag (`None` when it had none).
    pub(crate) top_hashtag: Option<TagView>,
}

/// `GET /api/windows`: recent closed windows and the top hashtags' counts in each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct HistoryDocument {
    pub(crate) window: String,
    /// Oldest first.
    pub(crate) windows: Vec<HistoryWindow>,
    /// The hashtags most mentioned over these windows, most first.
    pub(crate) series: Vec<Series>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A window being built from its records.
#[derive(Debug, Clone)]
struct WindowState {
    info: WindowInfo,
    tags: HashMap<String, TagView>,
    /// Its rising record, once read (final tumbling and hopping windows only).
    rising: Option<RisingWindow>,
}

impl WindowState {
    fn new(span: &Span) -> Self {
        WindowState {
            info: WindowInfo {
                window_start: span.window_start.clone(),
                window_start_ms: span.window_start_ms,
                window_end: span.window_end.clone(),
                window_end_ms: span.window_end_ms,
                is_final: span.is_final,
                summary: None,
            },
            tags: HashMap::new(),
            rising: None,
        }
    }

    fn apply(&mut self, record: ResultRecord) {
        // Cumulative records: the summary's end is the latest period.
        let span = record.span();
        if span.window_end_ms > self.info.window_end_ms {
            self.info.window_end = span.window_end.clone();
            self.info.window_end_ms = span.window_end_ms;
        }
        match record {
            ResultRecord::Hashtag(h) => {
                let tag = TagView {
                    hashtag: h.hashtag,
                    key: h.key.clone(),
                    count: h.count,
                    error: h.error,
                    sentiment: h.sentiment,
                };
                self.tags.insert(h.key, tag);
            }
            ResultRecord::Summary(s) => {
                self.info.summary = Some(SummaryView {
                    tweets: s.tweets,
                    sources: s.sources,
                    mentions: s.mentions,
                    distinct_hashtags: s.distinct_hashtags,
                    untracked_bound: s.untracked_bound,
                    sentiment: s.sentiment,
                });
            }
            ResultRecord::Rising(r) => self.rising = RisingWindow::from_record(r),
        }
    }

    fn top(&self, n: usize) -> WindowTop {
        let mut tags: Vec<&TagView> = self.tags.values().collect();
        tags.sort_unstable_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        WindowTop {
            info: self.info.clone(),
            top: tags.into_iter().take(n).cloned().collect(),
        }
    }
}

/// The windows of one window definition (label, e.g. `tumbling-10s`).
#[derive(Debug, Default)]
struct LabelState {
    closed: BTreeMap<i64, WindowState>,
    open: BTreeMap<i64, WindowState>,
    /// Windows starting at or before this were dropped to bound memory: their records are
    /// ignored.
    dropped_through: Option<i64>,
    /// Cumulative totals (records without a window start).
    totals: Option<WindowState>,
}

impl LabelState {
    /// Applies a record of a window with a start; returns whether anything changed.
    fn apply_windowed(&mut self, start: i64, v: ResultRecord, history: usize) -> bool {
        if self.dropped_through.is_some_and(|d| start <= d) {
            return false;
        }
        if v.span().is_final {
            if !self.closed.contains_key(&start) {
                // The final records replace the early counts.
                self.open.remove(&start);
                let stale: Vec<i64> = self.open.range(..start).map(|(s, _)| *s).collect();
                for s in stale {
                    self.open.remove(&s);
                }
            }
            self.closed
                .entry(start)
                .or_insert_with(|| WindowState::new(v.span()))
                .apply(v);
            while self.closed.len() > history {
                if let Some((dropped, _)) = self.closed.pop_first() {
                    self.dropped_through = Some(dropped);
                }
            }
        } else {
            if self.closed.contains_key(&start) {
                return false;
            }
            if self
                .closed
                .last_key_value()
                .is_some_and(|(s, _)| *s > start)
            {
                // Closed already (its final records are in a partition not read yet).
                return false;
            }
            self.open
                .entry(start)
                .or_insert_with(|| WindowState::new(v.span()))
                .apply(v);
            while self.open.len() > history {
                self.open.pop_first();
            }
        }
        true
    }
}

/// The merged results of every window definition, bounded to recent windows.
#[derive(Debug)]
pub(crate) struct ResultsView {
    history: usize,
    labels: BTreeMap<String, LabelState>,
    records: RecordsRead,
}

/// How many result-topic records a view applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RecordsRead {
    /// Every record applied (deletion markers aside).
    pub(crate) read: u64,
    /// Those of them that were not result records.
    pub(crate) unreadable: u64,
}

/// The sentiment of one window definition's latest closed window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LatestSentiment<'a> {
    /// The window definition's label, e.g. `tumbling-10s`.
    pub(crate) window: &'a str,
    pub(crate) sentiment: &'a Sentiment,
}

impl ResultsView {
    /// Keeps the newest `history` closed windows per window definition (at least one).
    pub(crate) fn new(history: usize) -> Self {
        ResultsView {
            history: history.max(1),
            labels: BTreeMap::new(),
            records: RecordsRead::default(),
        }
    }

    /// Applies one result-topic record (`None`: a deletion marker, ignored). Returns whether
    /// the view changed.
    pub(crate) fn apply(&mut self, value: Option<&[u8]>) -> bool {
        let Some(value) = value else {
            return false;
        };
        self.records.read += 1;
        let v: ResultRecord = match serde_json::from_slice(value) {
            Ok(v) => v,
            Err(_) => {
                self.records.unreadable += 1;
                return false;
            }
        };
        let span = v.span();
        let label = self.labels.entry(span.window.clone()).or_default();
        match span.window_start_ms {
            Some(start) => label.apply_windowed(start, v, self.history),
            None => {
                label
                    .totals
                    .get_or_insert_with(|| WindowState::new(v.span()))
                    .apply(v);
                true
            }
        }
    }

    /// Records applied so far, and how many of them were not result records.
    pub(crate) fn records(&self) -> RecordsRead {
        self.records
    }

    /// Every window definition seen.
    pub(crate) fn labels(&self) -> Vec<String> {
        self.labels.keys().cloned().collect()
    }

    /// The latest closed window (or cumulative totals) of `label` and its open windows, each
    /// with its `n` most mentioned hashtags.
    pub(crate) fn top(&self, label: &str, n: usize) -> TopDocument {
        let state = self.labels.get(label);
        let closed = state.and_then(|s| {
            s.closed
                .last_key_value()
                .map(|(_, w)| w)
                .or(s.totals.as_ref())
                .map(|w| w.top(n))
        });
        let open = state
            .map(|s| s.open.values().map(|w| w.top(n)).collect())
            .unwrap_or_default();
        TopDocument {
            window: label.to_owned(),
            windows: self.labels(),
            closed,
            open,
        }
    }

    /// The rising hashtags of the latest closed window of `label` that has its rising record,
    /// at most `n` of them.
    pub(crate) fn rising(&self, label: &str, n: usize) -> RisingDocument {
        let latest = self
            .labels
            .get(label)
            .and_then(|s| s.closed.values().rev().find_map(|w| w.rising.as_ref()));
        RisingDocument::new(label, self.labels(), latest, n)
    }

    /// The last `k` closed windows of `label`, oldest first, and the counts in each of the `n`
    /// hashtags most mentioned over them.
    pub(crate) fn history(&self, label: &str, n: usize, k: usize) -> HistoryDocument {
        let windows: Vec<&WindowState> = self
            .labels
            .get(label)
            .map(|s| {
                let skip = s.closed.len().saturating_sub(k);
                s.closed.values().skip(skip).collect()
            })
            .unwrap_or_default();
        // Per hashtag: total over the windows and its latest spelling.
        let mut totals: HashMap<&str, (u64, &str)> = HashMap::new();
        for w in &windows {
            for tag in w.tags.values() {
                let entry = totals.entry(&tag.key).or_insert((0, &tag.hashtag));
                entry.0 += tag.count;
                entry.1 = &tag.hashtag;
            }
        }
        let mut ranked: Vec<(&str, (u64, &str))> = totals.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let series = ranked
            .into_iter()
            .take(n)
            .map(|(key, (_, hashtag))| Series {
                hashtag: hashtag.to_owned(),
                key: key.to_owned(),
                counts: windows
                    .iter()
                    .map(|w| w.tags.get(key).map_or(0, |t| t.count))
                    .collect(),
            })
            .collect();
        HistoryDocument {
            window: label.to_owned(),
            windows: windows
                .iter()
                .map(|w| {
                    let WindowTop { info, top } = w.top(1);
                    HistoryWindow {
                        info,
                        top_hashtag: top.into_iter().next(),
                    }
                })
                .collect(),
            series,
        }
    }

    /// The sentiment of each window definition's latest closed window, where it has one.
    pub(crate) fn latest_sentiments(&self) -> Vec<LatestSentiment<'_>> {
        self.labels
            .iter()
            .filter_map(|(label, s)| {
                let summary = s.closed.last_key_value()?.1.info.summary.as_ref()?;
                Some(LatestSentiment {
                    window: label.as_str(),
                    sentiment: summary.sentiment.as_ref()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
