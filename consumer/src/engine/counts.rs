//! A window's hashtag counts: exact, or bounded to the top K with Space-Saving, and in both
//! cases with the spellings seen so the most frequent one can be displayed.
//!
//! Counting happens under the case-folded key (`#Rust` and `#rust` are one trend); the spelling
//! shown is the one used most often, ties going to the alphabetically first, so the choice does
//! not depend on the order in which partitions are merged.
//!
//! With sentiment on, a window also carries its tweets' `WindowSentiment` and each hashtag
//! the [`Tally`] of the tweets mentioning it; both merge exactly, like the counts.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::sentiment::aggregate::{merge_all, Merge, Scoring, Tally, WindowSentiment};
use crate::engine::sources::SourceCounts;
use crate::engine::spacesaving::{Counter, SpaceSaving};

mod tags;

pub(crate) use tags::TweetTag;
pub use tags::TweetTags;

/// The spellings of one hashtag and how often each was used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forms(Vec<(String, u64)>);

impl Forms {
    /// Adds `n` uses of `form`. Most hashtags have one or two spellings, so a sorted list beats
    /// a map; sorted, equal spellings compare equal whatever the order they were seen in.
    pub(crate) fn add(&mut self, form: &str, n: u64) {
        match self.0.binary_search_by(|(f, _)| f.as_str().cmp(form)) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (form.to_owned(), n)),
        }
    }

    /// Adds every spelling of `other`.
    pub(crate) fn merge(&mut self, other: &Forms) {
        for (form, n) in &other.0 {
            self.add(form, *n);
        }
    }

    /// The most used spelling (ties: alphabetically first), or `None` when nothing was seen.
    pub(crate) fn display(&self) -> Option<&str> {
        self.0
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(f, _)| f.as_str())
    }
}

/// One hashtag's count in a window. With Space-Saving, `count` is an upper bound and
/// `count - error` a lower bound of the true count; exact counts have `error` 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    pub key: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub error: u64,
    pub forms: Forms,
    /// Sentiment of the tweets mentioning it (with Space-Saving: those seen while tracked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Tally>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TagCount {
    /// The spelling to show: the most frequent one, else the key itself.
    pub(crate) fn display(&self) -> &str {
        self.forms.display().unwrap_or(&self.key)
    }
}

/// A window's counts as exchanged between the counting and merging stages and published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowTotals {
    /// Tweets counted in the window, with or without hashtags.
    pub(crate) tweets: u64,
    /// Space-Saving capacity, 0 when counts are exact.
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub(crate) capacity: usize,
    /// With Space-Saving: no hashtag missing from `tags` was mentioned more often than this.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) untracked_bound: u64,
    /// Hashtag mentions counted (the Space-Saving stream length).
    pub(crate) mentions: u64,
    /// `tweets` by source; absent from parts written before sources were counted.
    #[serde(default, skip_serializing_if = "SourceCounts::is_empty")]
    pub(crate) sources: SourceCounts,
    pub(crate) tags: Vec<TagCount>,
    /// `None` when sentiment is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sentiment: Option<WindowSentiment>,
}

fn is_zero_usize(n: &usize) -> bool {
    *n == 0
}

impl WindowTotals {
    /// The hashtags' counts, sorted by key: what a reader of the partials topic (the latency
    /// benchmark) looks for.
    pub fn tags(&self) -> &[TagCount] {
        &self.tags
    }

    /// The count of hashtag `key`, if the window holds it: `tags` are sorted by key (the
    /// counting stage's totals and [`merge`](Self::merge)'s are).
    pub(crate) fn tag(&self, key: &str) -> Option<&TagCount> {
        self.tags
            .binary_search_by(|t| t.key.as_str().cmp(key))
            .ok()
            .map(|i| &self.tags[i])
    }

    /// Sums the same window's totals from several partitions exactly (exact counts), or as a
    /// mergeable Space-Saving summary with the combined error bound (bounded counts). The
    /// result does not depend on the order of `parts`.
    pub(crate) fn merge<'a>(parts: impl IntoIterator<Item = &'a WindowTotals>) -> WindowTotals {
        let parts: Vec<&WindowTotals> = parts.into_iter().collect();
        let tweets = parts.iter().map(|p| p.tweets).sum();
        let mentions = parts.iter().map(|p| p.mentions).sum();
        let sources = parts.iter().map(|p| &p.sources).sum();
        let mut details: HashMap<&str, Detail> = HashMap::new();
        for tag in parts.iter().flat_map(|p| &p.tags) {
            details.entry(&tag.key).or_default().merge(tag);
        }
        let capacity = parts.iter().map(|p| p.capacity).max().unwrap_or(0);
        let Counters {
            entries,
            untracked_bound,
        } = if capacity == 0 {
            exact_sums(&parts)
        } else {
            bounded_merge(&parts, capacity)
        };
        let mut tags: Vec<TagCount> = entries
            .into_iter()
            .map(|(key, counter)| {
                let Detail { forms, sentiment } = details.remove(key.as_str()).unwrap_or_default();
                TagCount {
                    key,
                    count: counter.estimate,
                    error: counter.error,
                    forms,
                    sentiment,
                }
            })
            .collect();
        tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        WindowTotals {
            tweets,
            capacity,
            untracked_bound,
            mentions,
            sources,
            tags,
            sentiment: merge_all(parts.iter().filter_map(|p| p.sentiment.as_ref())),
        }
    }
}

/// A window's merged counters, and the bound on what none of them tracks.
struct Counters {
    entries: Vec<(String, Counter)>,
    untracked_bound: u64,
}

/// Exact counts: each hashtag's counts summed over the parts.
fn exact_sums(parts: &[&WindowTotals]) -> Counters {
    let mut sums: HashMap<&str, u64> = HashMap::new();
    for tag in parts.iter().flat_map(|p| &p.tags) {
        *sums.entry(&tag.key).or_default() += tag.count;
    }
    let entries = sums
        .into_iter()
        .map(|(k, estimate)| (k.to_owned(), Counter { estimate, error: 0 }))
        .collect();
    Counters {
        entries,
        untracked_bound: 0,
    }
}

/// Bounded counts: the parts' Space-Saving summaries merged.
fn bounded_merge(parts: &[&WindowTotals], capacity: usize) -> Counters {
    let summaries: Vec<SpaceSaving<String>> = parts
        .iter()
        .map(|p| {
            let entries = p.tags.iter().map(|t| {
                let counter = Counter {
                    estimate: t.count,
                    error: t.error,
                };
                (t.key.clone(), counter)
            });
            SpaceSaving::from_parts(capacity, p.mentions, p.untracked_bound, entries)
        })
        .collect();
    let merged = SpaceSaving::merge(capacity, &summaries);
    Counters {
        entries: merged.iter().map(|(k, c)| (k.clone(), c)).collect(),
        untracked_bound: merged.untracked_bound(),
    }
}

/// What is kept per hashtag besides its count: its spellings and its sentiment.
#[derive(Debug, Clone, Default)]
struct Detail {
    forms: Forms,
    sentiment: Option<Tally>,
}

impl Detail {
    fn add(&mut self, form: &str, sentiment: Scoring<'_>) {
        self.forms.add(form, 1);
        sentiment.add_to_tag(&mut self.sentiment);
    }

    fn merge(&mut self, tag: &TagCount) {
        self.forms.merge(&tag.forms);
        if let Some(tally) = &tag.sentiment {
            self.sentiment.get_or_insert_default().merge(tally);
        }
    }

    fn tag(&self, key: String, count: u64, error: u64) -> TagCount {
        TagCount {
            key,
            count,
            error,
            forms: self.forms.clone(),
            sentiment: self.sentiment,
        }
    }
}

/// Counts for a window that is still open.
#[derive(Debug)]
pub(crate) struct WindowCounts {
    tweets: u64,
    mentions: u64,
    sources: SourceCounts,
    tags: Tags,
    sentiment: Option<WindowSentiment>,
    /// With exact counts, once early updates have been taken: the hashtags changed since the
    /// last take, so that the next one costs what changed, not the window's cardinality.
    changed: Option<Vec<String>>,
}

/// The per-mention maps hash with foldhash: several times cheaper than the standard SipHash
/// for short keys, and still seeded randomly per process, so hashtags cannot be chosen to
/// collide (hash flooding).
type TagMap<V> = foldhash::HashMap<String, V>;

#[derive(Debug)]
enum Tags {
    /// Count, details, and whether it changed since the last early update.
    Exact(TagMap<(u64, Detail, bool)>),
    Bounded {
        summary: SpaceSaving<String>,
        details: TagMap<Detail>,
    },
}

impl WindowCounts {
    /// Exact counts when `max_hashtags` is 0, else Space-Saving with that many counters.
    pub(crate) fn new(max_hashtags: usize) -> Self {
        let tags = match max_hashtags {
            0 => Tags::Exact(TagMap::default()),
            k => Tags::Bounded {
                summary: SpaceSaving::new(k),
                details: TagMap::default(),
            },
        };
        WindowCounts {
            tweets: 0,
            mentions: 0,
            sources: SourceCounts::default(),
            tags,
            sentiment: None,
            changed: None,
        }
    }

    /// Counts one tweet mentioning `hashtags`, with its sentiment.
    pub(crate) fn add_tweet(&mut self, hashtags: &TweetTags, sentiment: Scoring<'_>) {
        self.tweets += 1;
        self.sources.add(hashtags.source());
        sentiment.add_to_window(&mut self.sentiment);
        self.mentions += hashtags.len() as u64;
        for TweetTag {
            key,
            spelling: form,
        } in hashtags.iter()
        {
            match &mut self.tags {
                Tags::Exact(map) => {
                    let entry = match map.get_mut(key) {
                        Some(entry) => entry,
                        None => map.entry(key.to_owned()).or_default(),
                    };
                    entry.0 += 1;
                    entry.1.add(form, sentiment);
                    if !entry.2 {
                        entry.2 = true;
                        if let Some(changed) = &mut self.changed {
                            changed.push(key.to_owned());
                        }
                    }
                }
                Tags::Bounded { summary, details } => {
                    if let Some(evicted) = summary.insert(key) {
                        details.remove(&evicted);
                    }
                    match details.get_mut(key) {
                        Some(d) => d.add(form, sentiment),
                        None => details
                            .entry(key.to_owned())
                            .or_default()
                            .add(form, sentiment),
                    }
                }
            }
        }
    }

    /// The counts of the hashtags that changed since the last call (all of them with
    /// Space-Saving, whose K counters are a bounded snapshot anyway), for early updates: a live
    /// view then costs what changed, not the window's whole cardinality, every interval.
    pub(crate) fn take_changed(&mut self) -> WindowTotals {
        let Tags::Exact(map) = &mut self.tags else {
            return self.totals();
        };
        let mut tags: Vec<TagCount> = match &mut self.changed {
            Some(changed) => changed
                .drain(..)
                .filter_map(|key| {
                    let (count, detail, changed) = map.get_mut(&key)?;
                    *changed = false;
                    Some(detail.tag(key, *count, 0))
                })
                .collect(),
            // The first take: look at every hashtag, and keep a list of changes from now on.
            None => {
                self.changed = Some(Vec::new());
                map.iter_mut()
                    .filter(|(_, (_, _, changed))| *changed)
                    .map(|(key, (count, detail, changed))| {
                        *changed = false;
                        detail.tag(key.clone(), *count, 0)
                    })
                    .collect()
            }
        };
        tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        WindowTotals {
            tweets: self.tweets,
            capacity: 0,
            untracked_bound: 0,
            mentions: self.mentions,
            sources: self.sources,
            tags,
            sentiment: self.sentiment.clone(),
        }
    }

    /// The counts so far, sorted by key (the form exchanged between stages).
    pub(crate) fn totals(&self) -> WindowTotals {
        let (capacity, untracked_bound, mut tags) = match &self.tags {
            Tags::Exact(map) => {
                let tags = map
                    .iter()
                    .map(|(key, (count, detail, _))| detail.tag(key.clone(), *count, 0));
                (0, 0, tags.collect::<Vec<_>>())
            }
            Tags::Bounded { summary, details } => {
                let none = Detail::default();
                let tags = summary.iter().map(|(key, c)| {
                    details
                        .get(key)
                        .unwrap_or(&none)
                        .tag(key.clone(), c.estimate, c.error)
                });
                (
                    summary.capacity(),
                    summary.untracked_bound(),
                    tags.collect(),
                )
            }
        };
        tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        WindowTotals {
            tweets: self.tweets,
            capacity,
            untracked_bound,
            mentions: self.mentions,
            sources: self.sources,
            tags,
            sentiment: self.sentiment.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sentiment::aggregate::Scored;
    use crate::engine::sentiment::Score;
    use model::post::PostId;
    use proptest::prelude::*;

    fn tweet(tags: &[&str]) -> TweetTags {
        tags.iter().copied().collect()
    }

    fn counts(t: &WindowTotals) -> Vec<(&str, u64, &str)> {
        t.tags
            .iter()
            .map(|c| (c.key.as_str(), c.count, c.display()))
            .collect()
    }

    #[test]
    fn display_is_the_most_frequent_spelling_ties_alphabetical() {
        let mut w = WindowCounts::new(0);
        w.add_tweet(&tweet(&["Rust"]), Scoring::Off);
        w.add_tweet(&tweet(&["rust", "Kafka"]), Scoring::Off);
        w.add_tweet(&tweet(&["RUST", "kafka"]), Scoring::Off);
        w.add_tweet(&tweet(&["rust"]), Scoring::Off);
        let t = w.totals();
        assert_eq!(t.tweets, 4);
        assert_eq!(t.mentions, 6);
        assert_eq!(counts(&t), [("kafka", 2, "Kafka"), ("rust", 4, "rust")]);
    }

    #[test]
    fn merging_partitions_sums_counts_and_spellings() {
        let mut a = WindowCounts::new(0);
        a.add_tweet(&tweet(&["Rust", "x"]), Scoring::Off);
        a.add_tweet(&tweet(&["Rust"]), Scoring::Off);
        let mut b = WindowCounts::new(0);
        for _ in 0..3 {
            b.add_tweet(&tweet(&["rust"]), Scoring::Off);
        }
        let merged = WindowTotals::merge([&a.totals(), &b.totals()]);
        assert_eq!(merged.tweets, 5);
        assert_eq!(counts(&merged), [("rust", 5, "rust"), ("x", 1, "x")]);
        assert_eq!(merged, WindowTotals::merge([&b.totals(), &a.totals()]));
    }

    #[test]
    fn early_snapshots_carry_only_what_changed() {
        let mut w = WindowCounts::new(0);
        w.add_tweet(&tweet(&["a", "b"]), Scoring::Off);
        assert_eq!(w.take_changed().tags.len(), 2);
        w.add_tweet(&tweet(&["b"]), Scoring::Off);
        let changed = w.take_changed();
        assert_eq!(
            counts(&changed),
            [("b", 2, "b")],
            "absolute counts of changed tags"
        );
        assert_eq!(changed.tweets, 2);
        assert!(w.take_changed().tags.is_empty());
        w.add_tweet(&tweet(&["c", "b"]), Scoring::Off);
        w.add_tweet(&tweet(&["b"]), Scoring::Off);
        assert_eq!(
            counts(&w.take_changed()),
            [("b", 4, "b"), ("c", 1, "c")],
            "each changed hashtag once, new ones too, sorted"
        );
        assert_eq!(
            w.totals().tags.len(),
            3,
            "the final totals still hold everything"
        );
    }

    /// Ids 0 to 3, for tweets scored in these tests.
    const IDS: [PostId<'static>; 4] = [
        PostId::Tweet(0),
        PostId::Tweet(1),
        PostId::Tweet(2),
        PostId::Tweet(3),
    ];

    fn scored(id: usize, units: i32) -> Scored<'static> {
        Scored {
            id: &IDS[id],
            text: "text",
            score: Score::from_units(units),
        }
    }

    #[test]
    fn sentiment_is_kept_per_window_and_per_hashtag() {
        let mut w = WindowCounts::new(0);
        w.add_tweet(&tweet(&["a", "b"]), Scoring::Scored(scored(1, 6_000)));
        w.add_tweet(&tweet(&["a"]), Scoring::Scored(scored(2, -3_000)));
        w.add_tweet(&tweet(&[]), Scoring::Scored(scored(3, 0)));
        let t = w.totals();
        let s = t
            .sentiment
            .as_ref()
            .expect("scored tweets give the window a sentiment");
        assert_eq!((s.tally.scored, s.tally.sum), (3, 3_000));
        assert_eq!(
            (s.tally.positive, s.tally.neutral, s.tally.negative),
            (1, 1, 1)
        );
        assert_eq!(s.most_positive.as_ref().unwrap().id, IDS[1]);
        assert_eq!(s.most_negative.as_ref().unwrap().id, IDS[2]);
        let tally = |key: &str| {
            t.tags
                .iter()
                .find(|c| c.key == key)
                .unwrap()
                .sentiment
                .unwrap()
        };
        assert_eq!((tally("a").scored, tally("a").sum), (2, 3_000));
        assert_eq!((tally("b").scored, tally("b").sum), (1, 6_000));
        let changed = w.take_changed();
        assert_eq!(
            changed.sentiment, t.sentiment,
            "early updates carry the window's"
        );
        assert_eq!(changed.tags, t.tags);

        let mut off = WindowCounts::new(0);
        off.add_tweet(&tweet(&["a"]), Scoring::Off);
        let t = off.totals();
        assert!(t.sentiment.is_none() && t.tags[0].sentiment.is_none());
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("sentiment"), "{json}");

        let mut sampled_out = WindowCounts::new(0);
        sampled_out.add_tweet(&tweet(&["a"]), Scoring::Skipped);
        let t = sampled_out.totals();
        assert_eq!(
            t.sentiment,
            Some(WindowSentiment::default()),
            "on, none scored"
        );
        assert_eq!(t.tags[0].sentiment, Some(Tally::default()));
    }

    #[test]
    fn bounded_counts_keep_the_sentiment_of_tweets_seen_while_tracked() {
        let mut w = WindowCounts::new(1);
        w.add_tweet(&tweet(&["a"]), Scoring::Scored(scored(1, 1_000)));
        w.add_tweet(&tweet(&["b"]), Scoring::Scored(scored(2, 2_000)));
        w.add_tweet(&tweet(&["b"]), Scoring::Scored(scored(3, 4_000)));
        let t = w.totals();
        assert_eq!(t.tags.len(), 1);
        let b = &t.tags[0];
        assert_eq!((b.key.as_str(), b.count, b.error), ("b", 3, 1));
        let tally = b.sentiment.unwrap();
        assert_eq!(
            (tally.scored, tally.sum),
            (2, 6_000),
            "a's tweet was counted before b was tracked"
        );
        assert_eq!(
            t.sentiment.unwrap().tally.scored,
            3,
            "the window has every tweet"
        );
        let merged = WindowTotals::merge([&w.totals(), &w.totals()]);
        assert_eq!(merged.tags[0].sentiment.unwrap().scored, 4);
    }

    #[test]
    fn bounded_counts_carry_their_error() {
        let mut w = WindowCounts::new(2);
        for tags in [["a"], ["a"], ["b"], ["c"], ["a"]] {
            w.add_tweet(&tweet(&tags), Scoring::Off);
        }
        let t = w.totals();
        assert_eq!(t.capacity, 2);
        assert_eq!(t.tags.len(), 2);
        let a = t.tags.iter().find(|c| c.key == "a").unwrap();
        assert_eq!((a.count, a.error), (3, 0));
        let other = t.tags.iter().find(|c| c.key != "a").unwrap();
        assert!(
            other.count - other.error <= 1 && other.count >= 1,
            "{other:?}"
        );
        assert!(t.untracked_bound <= 2);
    }

    proptest! {
        /// Merging any split of a stream equals counting it whole, in any order, with and
        /// without sentiment.
        #[test]
        fn exact_merge_equals_counting_everything_in_one_place(
            tweets in prop::collection::vec(
                (prop::collection::btree_set("[aAbB]{1,2}", 0..4), -10_000..=10_000i32),
                0..60,
            ),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
            scored in any::<bool>(),
        ) {
            let tweets: Vec<(u64, Vec<String>, i32)> = tweets
                .into_iter()
                .enumerate()
                .map(|(id, (s, units))| (id as u64, s.into_iter().collect(), units))
                .collect();
            let one = |slice: &[(u64, Vec<String>, i32)]| {
                let mut w = WindowCounts::new(0);
                for (id, t, units) in slice {
                    let keyed: TweetTags = t.iter().map(String::as_str).collect();
                    let text = format!("tweet {id}");
                    let id = PostId::Tweet(*id);
                    let sentiment = match scored {
                        true => Scoring::Scored(Scored {
                            id: &id,
                            text: &text,
                            score: Score::from_units(*units),
                        }),
                        false => Scoring::Off,
                    };
                    w.add_tweet(&keyed, sentiment);
                }
                w.totals()
            };
            let whole = one(&tweets);
            let mut bounds: Vec<usize> = cuts.iter().map(|c| c.index(tweets.len() + 1)).collect();
            bounds.push(0);
            bounds.push(tweets.len());
            bounds.sort_unstable();
            let parts: Vec<WindowTotals> = bounds.windows(2).map(|w| one(&tweets[w[0]..w[1]])).collect();
            prop_assert_eq!(&WindowTotals::merge(parts.iter()), &whole);
            prop_assert_eq!(WindowTotals::merge(parts.iter().rev()), whole);
        }
    }
}
