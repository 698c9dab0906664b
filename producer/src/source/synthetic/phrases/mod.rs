//! Phrase books: what people write in each language, as sentence templates of three moods and
//! the words that fill them.
//!
//! The dashboard shows the most positive and the most negative English tweet of each window, so
//! texts must read as sentences a person wrote, and a tweet keeps to one mood so that a sentiment
//! scorer has something clear to find. All of it was written for this generator.
//!
//! Templates hold two slots: `{topic}`, something people post about (or an inline hashtag, which
//! is how hashtags end up used as words), and `{when}`, a time. Templates avoid `&`, `<` and `>`
//! (the v1.1 API escapes them) and `…` (the mark of a cut text).

mod ar;
mod de;
mod en;
mod es;
mod fr;
mod ja;
mod ko;
mod pt;
mod ru;
mod tr;
mod und;

pub(super) use ar::AR;
pub(super) use de::DE;
pub(super) use en::EN;
pub(super) use es::ES;
pub(super) use fr::FR;
pub(super) use ja::JA;
pub(super) use ko::KO;
pub(super) use pt::PT;
pub(super) use ru::RU;
pub(super) use tr::TR;
pub(super) use und::UND;

/// The slot a topic or an inline hashtag fills.
pub(super) const TOPIC_SLOT: &str = "{topic}";
/// The slot a time fills.
pub(super) const WHEN_SLOT: &str = "{when}";

/// What a tweet's sentences express, all of them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mood {
    Positive,
    Negative,
    Neutral,
}

impl Mood {
    /// Emoji people add to a sentence of this mood.
    pub(super) fn emoji(self) -> &'static [&'static str] {
        match self {
            Mood::Positive => &["😍", "🎉", "🙌", "❤️", "😊", "🔥", "💪", "✨"],
            Mood::Negative => &["😡", "😞", "😭", "💔", "🙄", "😤"],
            Mood::Neutral => &["👀", "🤔", "📍", "⏰", "📷"],
        }
    }
}

/// One language's sentences and the words that fill them.
pub(super) struct Phrasebook {
    /// Sentences by mood, each ending in its punctuation, with [`TOPIC_SLOT`] and
    /// [`WHEN_SLOT`] slots.
    pub(super) positive: &'static [&'static str],
    pub(super) negative: &'static [&'static str],
    pub(super) neutral: &'static [&'static str],
    /// What fills a [`TOPIC_SLOT`] that no hashtag takes.
    pub(super) topics: &'static [&'static str],
    /// What fills a [`WHEN_SLOT`].
    pub(super) times: &'static [&'static str],
    /// Profile description fragments, joined the way people list things about themselves.
    pub(super) bio: &'static [&'static str],
    /// What goes between two sentences: a space, or nothing in Japanese.
    pub(super) sentence_separator: &'static str,
    /// How much one of its characters weighs against Twitter's limit: 2 for CJK and Hangul
    /// (see `text::weighted_len`), else 1.
    pub(super) char_weight: usize,
}

impl Phrasebook {
    pub(super) fn sentences(&self, mood: Mood) -> &'static [&'static str] {
        match mood {
            Mood::Positive => self.positive,
            Mood::Negative => self.negative,
            Mood::Neutral => self.neutral,
        }
    }
}
