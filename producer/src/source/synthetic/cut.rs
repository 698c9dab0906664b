//! How the API shortens a text that does not fit a field. What is cut decides which entities a
//! message carries, and so which hashtags a reader of the short field alone would count.
//!
//! Measured on the recorded payloads in `../shared/fixtures/real-tweets` (code points throughout,
//! an escaped `&amp;` counting as one):
//! - a retweet's text is `RT @name: ` plus the original, cut to 139 code points with trailing
//!   whitespace trimmed and `…` appended, even in the middle of a word, link or hashtag; only the
//!   entities wholly before the ellipsis are kept (v1.1 and v2 alike);
//! - compatibility mode shows at most 115 code points of a text longer than 140, never splitting
//!   an entity, trailing whitespace trimmed, then `… ` and a link to the whole tweet, so the text
//!   is at most 140 code points.

use super::entities::Link;
use super::text::{weighted_len, Mentioned, Rendered, TextBuilder};

/// A retweet's text holds at most this many code points, `RT @name: ` included.
pub(super) const RETWEET_CHARS: usize = 140;
/// Compatibility mode cuts texts longer than this many code points.
pub(super) const COMPAT_TEXT_CHARS: usize = 140;
/// Compatibility mode shows at most this many code points of a long text: with `… ` and a 23
/// character link, 140.
const COMPAT_HEAD_CHARS: usize = 115;
/// A v2 long post's `text` holds at most this weighted length (see [`weighted_len`]); its
/// `note_tweet` holds the whole.
pub(super) const NOTE_PREVIEW_WEIGHT: usize = 280;
const ELLIPSIS: &str = "…";

/// A retweet's text: `RT @author: ` and the original's text, cut to [`RETWEET_CHARS`] when
/// longer, with the entities that stay wholly visible.
pub(super) fn retweet_text(author: Mentioned, original: &Rendered) -> Rendered {
    let mut whole = TextBuilder::default();
    whole.push_raw("RT ");
    whole.push_mention(author);
    whole.push_raw(": ");
    whole.push_prefix(original, original.len());
    let whole = whole.finish();
    if whole.len() <= RETWEET_CHARS {
        return whole;
    }
    ellipsized(&whole, RETWEET_CHARS - 1)
}

/// A compatibility-mode text for a `body` longer than [`COMPAT_TEXT_CHARS`]: its start, `… ` and
/// `link` (to the whole tweet), with the entities of the visible part and the link's.
pub(super) fn compat_text(body: &Rendered, link: Link) -> Rendered {
    // Entities do not overlap, so backing off to the start of the one the cut falls into
    // cannot land inside another.
    let kept = body
        .entities
        .spans()
        .filter(|&[start, end]| start < COMPAT_HEAD_CHARS && COMPAT_HEAD_CHARS < end)
        .map(|[start, _]| start)
        .min()
        .unwrap_or(COMPAT_HEAD_CHARS);
    let mut text = TextBuilder::default();
    text.push_prefix(body, trimmed_len(body, kept));
    text.push_raw(ELLIPSIS);
    text.push_raw(" ");
    text.push_url(link);
    text.finish()
}

/// A v2 long post's `text`: the longest start of `body` that fits [`NOTE_PREVIEW_WEIGHT`] with
/// the ellipsis, cut like a retweet.
pub(super) fn note_preview(body: &Rendered) -> Rendered {
    let room = NOTE_PREVIEW_WEIGHT - weighted_len(ELLIPSIS);
    let mut weight = 0;
    let kept = body
        .text
        .chars()
        .take_while(|c| {
            weight += weighted_len(c.encode_utf8(&mut [0; 4]));
            weight <= room
        })
        .count();
    ellipsized(body, kept)
}

/// The first `kept` code points of `source`, trailing whitespace trimmed, then `…`; only the
/// entities wholly before the ellipsis remain.
fn ellipsized(source: &Rendered, kept: usize) -> Rendered {
    let mut text = TextBuilder::default();
    text.push_prefix(source, trimmed_len(source, kept));
    text.push_raw(ELLIPSIS);
    text.finish()
}

/// How many of the first `kept` code points remain once trailing whitespace is trimmed.
fn trimmed_len(source: &Rendered, kept: usize) -> usize {
    let prefix: String = source.text.chars().take(kept).collect();
    prefix.trim_end().chars().count()
}
