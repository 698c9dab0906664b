//! One post's hashtags as counting sees them: case-folded keys, each once, with the spelling
//! first written, and the post's source; refilled for every post without allocating.

use model::hashtag::fold_into;
use model::post::Source;

/// One post's source and hashtags as they are counted: each case-folded key once, with the
/// spelling it was first written in, sorted by key. The pipeline refills one for every post, so
/// counting allocates nothing per message once the buffers have grown.
#[derive(Debug)]
pub struct TweetTags {
    source: Source,
    /// Every hashtag's key followed by its spelling.
    text: String,
    tags: Vec<Span>,
}

/// Where one hashtag lies in [`TweetTags::text`]: its key at `start..form`, its spelling at
/// `form..end`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    form: usize,
    end: usize,
}

impl Span {
    fn key(self, text: &str) -> &str {
        &text[self.start..self.form]
    }
}

impl Default for TweetTags {
    /// No hashtags, of a tweet.
    fn default() -> Self {
        TweetTags {
            source: Source::Twitter,
            text: String::new(),
            tags: Vec::new(),
        }
    }
}

impl TweetTags {
    /// Replaces the contents with a post of `source` and `spellings`, its hashtags in the order
    /// written.
    pub(crate) fn fill<'a>(
        &mut self,
        source: Source,
        spellings: impl IntoIterator<Item = &'a str>,
    ) {
        self.source = source;
        self.text.clear();
        self.tags.clear();
        for form in spellings {
            let start = self.text.len();
            fold_into(form, &mut self.text);
            let key_end = self.text.len();
            self.text.push_str(form);
            self.tags.push(Span {
                start,
                form: key_end,
                end: self.text.len(),
            });
        }
        // Sorting keeps a tweet with thousands of hashtags linear-logarithmic; the sort is
        // stable, so the first spelling of a key is the one kept.
        let text = self.text.as_str();
        self.tags.sort_by(|a, b| a.key(text).cmp(b.key(text)));
        self.tags
            .dedup_by(|later, first| later.key(text) == first.key(text));
    }

    /// Where the post comes from.
    pub(crate) fn source(&self) -> Source {
        self.source
    }

    /// Distinct hashtags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// True when the tweet has no hashtag.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The hashtags, by key.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = TweetTag<'_>> + '_ {
        self.tags.iter().map(|s| TweetTag {
            key: s.key(&self.text),
            spelling: &self.text[s.form..s.end],
        })
    }
}

/// One hashtag of a tweet: its case-folded key and the spelling it was first written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TweetTag<'a> {
    pub(crate) key: &'a str,
    pub(crate) spelling: &'a str,
}

impl<'a> FromIterator<&'a str> for TweetTags {
    /// A tweet's hashtags.
    fn from_iter<I: IntoIterator<Item = &'a str>>(spellings: I) -> Self {
        let mut tags = TweetTags::default();
        tags.fill(Source::Twitter, spellings);
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tweets_hashtags_are_folded_each_key_once_in_its_first_spelling() {
        let mut tags: TweetTags = ["Rust", "kafka", "RUST", "Größe", "rust", "GRÖSSE", "Kafka"]
            .into_iter()
            .collect();
        let pairs: Vec<(&str, &str)> = tags.iter().map(|t| (t.key, t.spelling)).collect();
        assert_eq!(
            pairs,
            [
                ("grösse", "GRÖSSE"),
                ("größe", "Größe"),
                ("kafka", "kafka"),
                ("rust", "Rust")
            ]
        );
        tags.fill(Source::Mastodon, ["b", "B"]);
        let refilled: Vec<(&str, &str)> = tags.iter().map(|t| (t.key, t.spelling)).collect();
        assert_eq!(refilled, [("b", "b")], "refilled");
        assert_eq!(tags.source(), Source::Mastodon);
        tags.fill(Source::Bluesky, []);
        assert!(tags.is_empty());
    }
}
