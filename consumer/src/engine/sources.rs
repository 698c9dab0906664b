//! How many posts of each source (Twitter, Bluesky, Mastodon) a window counted: the raw topics
//! are merged into one trend view, and these say what fed it. Plain sums, so parts from any
//! number of partitions merge exactly, in any order, like the hashtag counts.

use serde::{Deserialize, Serialize};

use model::post::Source;

/// Posts counted per source; serialised as `{"twitter":N,"bluesky":M,"mastodon":K}` with the
/// sources that counted none left out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCounts {
    #[serde(default, skip_serializing_if = "is_zero")]
    twitter: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    bluesky: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    mastodon: u64,
}

impl SourceCounts {
    /// Counts one more post of `source`.
    pub(crate) fn add(&mut self, source: Source) {
        *self.slot(source) += 1;
    }

    /// Adds another part's counts.
    pub(crate) fn merge(&mut self, other: &SourceCounts) {
        for (source, n) in other.iter() {
            *self.slot(source) += n;
        }
    }

    /// The posts of `source`.
    pub fn get(&self, source: Source) -> u64 {
        match source {
            Source::Twitter => self.twitter,
            Source::Bluesky => self.bluesky,
            Source::Mastodon => self.mastodon,
        }
    }

    /// Each source with its posts, zeros included, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (Source, u64)> + '_ {
        [Source::Twitter, Source::Bluesky, Source::Mastodon]
            .into_iter()
            .map(|s| (s, self.get(s)))
    }

    /// True when no post was counted (also the case of records written before sources were
    /// counted, which carry none).
    pub fn is_empty(&self) -> bool {
        self.iter().all(|(_, n)| n == 0)
    }

    fn slot(&mut self, source: Source) -> &mut u64 {
        match source {
            Source::Twitter => &mut self.twitter,
            Source::Bluesky => &mut self.bluesky,
            Source::Mastodon => &mut self.mastodon,
        }
    }
}

impl FromIterator<Source> for SourceCounts {
    /// One post per item.
    fn from_iter<I: IntoIterator<Item = Source>>(posts: I) -> Self {
        let mut counts = SourceCounts::default();
        for source in posts {
            counts.add(source);
        }
        counts
    }
}

impl<'a> std::iter::Sum<&'a SourceCounts> for SourceCounts {
    fn sum<I: Iterator<Item = &'a SourceCounts>>(parts: I) -> Self {
        let mut total = SourceCounts::default();
        for part in parts {
            total.merge(part);
        }
        total
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merge_as_sums_and_only_seen_sources_are_written() {
        let mut a = SourceCounts::default();
        a.add(Source::Twitter);
        a.add(Source::Twitter);
        let mut b = SourceCounts::default();
        b.add(Source::Mastodon);
        b.add(Source::Twitter);
        a.merge(&b);
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [
                (Source::Twitter, 3),
                (Source::Bluesky, 0),
                (Source::Mastodon, 1)
            ]
        );
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"twitter":3,"mastodon":1}"#);
        assert_eq!(serde_json::from_str::<SourceCounts>(&json).unwrap(), a);
        assert!(SourceCounts::default().is_empty() && !a.is_empty());
    }
}
