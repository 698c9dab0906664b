//! Undetermined (`und`): what Twitter cannot assign a language to, mostly a hashtag, a
//! reaction or an emoji on its own.

use super::Phrasebook;

pub(in super::super) const UND: Phrasebook = Phrasebook {
    positive: &["{topic} 😍", "wow!!", "😍😍", "{topic} ❤️"],
    negative: &["😭", "ugh", "{topic} 💔"],
    neutral: &["{topic}", "👀", "hmm", "ok", "{topic} {when}"],
    topics: &["2024", "10/10", "GG", "OK"],
    times: &["👀", "🔥", "📍"],
    bio: &[
        "✨", "🌙", "📷", "🎧", "⚽", "🎮", "🌸", "☕", "🏃", "📚", "✈️", "🎨", "🐱", "🌊",
    ],
    sentence_separator: " ",
    char_weight: 1,
};
