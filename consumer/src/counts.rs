//! A window's hashtag counts: exact, or bounded to the top K with Space-Saving, and in both
//! cases with the spellings seen so the most frequent one can be displayed.
//!
//! Counting happens under the case-folded key (`#Rust` and `#rust` are one trend); the spelling
//! shown is the one used most often, ties going to the alphabetically first, so the choice does
//! not depend on the order in which partitions are merged.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::spacesaving::SpaceSaving;

/// The spellings of one hashtag and how often each was used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forms(Vec<(String, u64)>);

impl Forms {
    /// Adds `n` uses of `form`. Most hashtags have one or two spellings, so a sorted list beats
    /// a map; sorted, equal spellings compare equal whatever the order they were seen in.
    pub fn add(&mut self, form: &str, n: u64) {
        match self.0.binary_search_by(|(f, _)| f.as_str().cmp(form)) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (form.to_owned(), n)),
        }
    }

    /// Adds every spelling of `other`.
    pub fn merge(&mut self, other: &Forms) {
        for (form, n) in &other.0 {
            self.add(form, *n);
        }
    }

    /// The most used spelling (ties: alphabetically first), or `None` when nothing was seen.
    pub fn display(&self) -> Option<&str> {
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
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TagCount {
    /// The spelling to show: the most frequent one, else the key itself.
    pub fn display(&self) -> &str {
        self.forms.display().unwrap_or(&self.key)
    }
}

/// A window's counts as exchanged between the counting and merging stages and published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowTotals {
    /// Tweets counted in the window, with or without hashtags.
    pub tweets: u64,
    /// Space-Saving capacity, 0 when counts are exact.
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub capacity: usize,
    /// With Space-Saving: no hashtag missing from `tags` was mentioned more often than this.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub untracked_bound: u64,
    /// Hashtag mentions counted (the Space-Saving stream length).
    pub mentions: u64,
    pub tags: Vec<TagCount>,
}

fn is_zero_usize(n: &usize) -> bool {
    *n == 0
}

impl WindowTotals {
    /// Sums the same window's totals from several partitions exactly (exact counts), or as a
    /// mergeable Space-Saving summary with the combined error bound (bounded counts). The
    /// result does not depend on the order of `parts`.
    pub fn merge<'a>(parts: impl IntoIterator<Item = &'a WindowTotals>) -> WindowTotals {
        let parts: Vec<&WindowTotals> = parts.into_iter().collect();
        let tweets = parts.iter().map(|p| p.tweets).sum();
        let mentions = parts.iter().map(|p| p.mentions).sum();
        let mut forms: HashMap<&str, Forms> = HashMap::new();
        for tag in parts.iter().flat_map(|p| &p.tags) {
            forms.entry(&tag.key).or_default().merge(&tag.forms);
        }
        let capacity = parts.iter().map(|p| p.capacity).max().unwrap_or(0);
        let (entries, untracked_bound): (Vec<(String, u64, u64)>, u64) = if capacity == 0 {
            let mut sums: HashMap<&str, u64> = HashMap::new();
            for tag in parts.iter().flat_map(|p| &p.tags) {
                *sums.entry(&tag.key).or_default() += tag.count;
            }
            let entries = sums.into_iter().map(|(k, n)| (k.to_owned(), n, 0));
            (entries.collect(), 0)
        } else {
            let summaries: Vec<SpaceSaving<String>> = parts
                .iter()
                .map(|p| {
                    let entries = p.tags.iter().map(|t| (t.key.clone(), t.count, t.error));
                    SpaceSaving::from_parts(capacity, p.mentions, p.untracked_bound, entries)
                })
                .collect();
            let merged = SpaceSaving::merge(capacity, &summaries);
            let entries = merged.iter().map(|(k, n, e)| (k.clone(), n, e)).collect();
            (entries, merged.untracked_bound())
        };
        let mut tags: Vec<TagCount> = entries
            .into_iter()
            .map(|(key, count, error)| TagCount {
                forms: forms.remove(key.as_str()).unwrap_or_default(),
                key,
                count,
                error,
            })
            .collect();
        tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        WindowTotals {
            tweets,
            capacity,
            untracked_bound,
            mentions,
            tags,
        }
    }
}

/// Counts for a window that is still open.
#[derive(Debug)]
pub struct WindowCounts {
    tweets: u64,
    mentions: u64,
    tags: Tags,
}

#[derive(Debug)]
enum Tags {
    /// Count, spellings, and whether it changed since the last early update.
    Exact(HashMap<String, (u64, Forms, bool)>),
    Bounded {
        summary: SpaceSaving<String>,
        forms: HashMap<String, Forms>,
    },
}

impl WindowCounts {
    /// Exact counts when `max_hashtags` is 0, else Space-Saving with that many counters.
    pub fn new(max_hashtags: usize) -> Self {
        let tags = match max_hashtags {
            0 => Tags::Exact(HashMap::new()),
            k => Tags::Bounded {
                summary: SpaceSaving::new(k),
                forms: HashMap::new(),
            },
        };
        WindowCounts {
            tweets: 0,
            mentions: 0,
            tags,
        }
    }

    /// Counts one tweet mentioning `hashtags`, given as (case-folded key, spelling) pairs with
    /// each key at most once.
    pub fn add_tweet(&mut self, hashtags: &[(String, &str)]) {
        self.tweets += 1;
        self.mentions += hashtags.len() as u64;
        for (key, form) in hashtags {
            match &mut self.tags {
                Tags::Exact(map) => {
                    let entry = match map.get_mut(key.as_str()) {
                        Some(entry) => entry,
                        None => map.entry(key.clone()).or_default(),
                    };
                    entry.0 += 1;
                    entry.1.add(form, 1);
                    entry.2 = true;
                }
                Tags::Bounded { summary, forms } => {
                    if let Some(evicted) = summary.insert(key) {
                        forms.remove(&evicted);
                    }
                    match forms.get_mut(key.as_str()) {
                        Some(f) => f.add(form, 1),
                        None => forms.entry(key.clone()).or_default().add(form, 1),
                    }
                }
            }
        }
    }

    /// The counts of the hashtags that changed since the last call (all of them with
    /// Space-Saving, whose K counters are a bounded snapshot anyway), for early updates: a live
    /// view then costs what changed, not the window's whole cardinality, every interval.
    pub fn take_changed(&mut self) -> WindowTotals {
        let Tags::Exact(map) = &mut self.tags else {
            return self.totals();
        };
        let mut tags: Vec<TagCount> = map
            .iter_mut()
            .filter(|(_, (_, _, changed))| *changed)
            .map(|(key, (count, forms, changed))| {
                *changed = false;
                TagCount {
                    key: key.clone(),
                    count: *count,
                    error: 0,
                    forms: forms.clone(),
                }
            })
            .collect();
        tags.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        WindowTotals {
            tweets: self.tweets,
            capacity: 0,
            untracked_bound: 0,
            mentions: self.mentions,
            tags,
        }
    }

    /// The counts so far, sorted by key (the form exchanged between stages).
    pub fn totals(&self) -> WindowTotals {
        let (capacity, untracked_bound, mut tags) = match &self.tags {
            Tags::Exact(map) => {
                let tags = map.iter().map(|(key, (count, forms, _))| TagCount {
                    key: key.clone(),
                    count: *count,
                    error: 0,
                    forms: forms.clone(),
                });
                (0, 0, tags.collect::<Vec<_>>())
            }
            Tags::Bounded { summary, forms } => {
                let tags = summary.iter().map(|(key, count, error)| TagCount {
                    key: key.clone(),
                    count,
                    error,
                    forms: forms.get(key).cloned().unwrap_or_default(),
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
            tags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tweet<'a>(tags: &[&'a str]) -> Vec<(String, &'a str)> {
        tags.iter()
            .map(|t| (common::hashtag::fold(t), *t))
            .collect()
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
        w.add_tweet(&tweet(&["Rust"]));
        w.add_tweet(&tweet(&["rust", "Kafka"]));
        w.add_tweet(&tweet(&["RUST", "kafka"]));
        w.add_tweet(&tweet(&["rust"]));
        let t = w.totals();
        assert_eq!(t.tweets, 4);
        assert_eq!(t.mentions, 6);
        assert_eq!(counts(&t), [("kafka", 2, "Kafka"), ("rust", 4, "rust")]);
    }

    #[test]
    fn merging_partitions_sums_counts_and_spellings() {
        let mut a = WindowCounts::new(0);
        a.add_tweet(&tweet(&["Rust", "x"]));
        a.add_tweet(&tweet(&["Rust"]));
        let mut b = WindowCounts::new(0);
        for _ in 0..3 {
            b.add_tweet(&tweet(&["rust"]));
        }
        let merged = WindowTotals::merge([&a.totals(), &b.totals()]);
        assert_eq!(merged.tweets, 5);
        assert_eq!(counts(&merged), [("rust", 5, "rust"), ("x", 1, "x")]);
        assert_eq!(merged, WindowTotals::merge([&b.totals(), &a.totals()]));
    }

    #[test]
    fn early_snapshots_carry_only_what_changed() {
        let mut w = WindowCounts::new(0);
        w.add_tweet(&tweet(&["a", "b"]));
        assert_eq!(w.take_changed().tags.len(), 2);
        w.add_tweet(&tweet(&["b"]));
        let changed = w.take_changed();
        assert_eq!(
            counts(&changed),
            [("b", 2, "b")],
            "absolute counts of changed tags"
        );
        assert_eq!(changed.tweets, 2);
        assert!(w.take_changed().tags.is_empty());
        assert_eq!(
            w.totals().tags.len(),
            2,
            "the final totals still hold everything"
        );
    }

    #[test]
    fn bounded_counts_carry_their_error() {
        let mut w = WindowCounts::new(2);
        for tags in [["a"], ["a"], ["b"], ["c"], ["a"]] {
            w.add_tweet(&tweet(&tags));
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
        /// Merging any split of a stream equals counting it whole, in any order.
        #[test]
        fn exact_merge_equals_counting_everything_in_one_place(
            tweets in prop::collection::vec(prop::collection::btree_set("[aAbB]{1,2}", 0..4), 0..60),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            let tweets: Vec<Vec<String>> = tweets.into_iter().map(|s| s.into_iter().collect()).collect();
            let one = |slice: &[Vec<String>]| {
                let mut w = WindowCounts::new(0);
                for t in slice {
                    let mut keyed: Vec<(String, &str)> = Vec::new();
                    for form in t {
                        let key = common::hashtag::fold(form);
                        if !keyed.iter().any(|(k, _)| *k == key) {
                            keyed.push((key, form));
                        }
                    }
                    w.add_tweet(&keyed);
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
