//! Hashtag extraction from tweet text and the case-folded key trends are counted under.
//!
//! Follows the hashtag rules of Twitter's open-source `twitter-text` library, and is checked
//! against its conformance data (`tests/data/twitter-text-extract-hashtags.yml`):
//!
//! * a hashtag starts with `#` or the full-width `＃`, at the start of the text or after a
//!   character that cannot continue a hashtag and is not `&` (so `a#b`, `日本#語` and `&#39;` are
//!   not hashtags); a variation selector (U+FE0E/U+FE0F, as left by an emoji) may precede it;
//! * `#` directly followed by U+FE0F or U+20E3 is a keycap emoji (`#️⃣`), not a hashtag;
//! * it continues over hashtag characters: Unicode letters, marks, digits, `_`, and a few
//!   joiners/punctuation that occur inside words (ZWNJ/ZWJ, Hebrew maqaf and geresh, Japanese
//!   wave dashes and middle dots, the Tibetan tsheg, the Catalan middle dot, ...; see
//!   [`is_hashtag_char`]), and must contain at least one letter or mark (so `#2024` is not);
//! * it is dropped when immediately followed by another `#`/`＃` or by `://` (`#http://x.com`);
//! * it is dropped when the `#` is part of a URL, as in `http://x.com/#anchor` (see
//!   [`UrlScan`] for the heuristic used instead of full URL extraction).

/// Iterates over the hashtags in `text`, without the leading `#`, as slices of `text`.
pub fn extract(text: &str) -> Hashtags<'_> {
    Hashtags {
        text,
        pos: 0,
        url: UrlScan::default(),
    }
}

/// Iterator returned by [`extract`]; allocation-free, and linear in the text's length.
#[derive(Debug, Clone)]
pub struct Hashtags<'a> {
    text: &'a str,
    pos: usize,
    url: UrlScan,
}

impl<'a> Iterator for Hashtags<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        while let Some(offset) = text[self.pos..].find(['#', '＃']) {
            let hash_at = self.pos + offset;
            let hash_len = if text.as_bytes()[hash_at] == b'#' {
                1
            } else {
                '＃'.len_utf8()
            };
            let body_start = hash_at + hash_len;
            let rest = &text[body_start..];
            if rest.starts_with(['\u{FE0F}', '\u{20E3}']) {
                // Keycap emoji `#️⃣`.
                self.pos = body_start;
                continue;
            }
            let body_len: usize = rest
                .chars()
                .take_while(|&c| is_hashtag_char(c))
                .map(char::len_utf8)
                .sum();
            let body_end = body_start + body_len;
            self.pos = body_end;
            let body = &text[body_start..body_end];
            if !body.chars().any(is_hashtag_letter) {
                continue;
            }
            let preceded_ok = text[..hash_at].chars().next_back().is_none_or(|c| {
                matches!(c, '\u{FE0E}' | '\u{FE0F}') || !(is_hashtag_char(c) || c == '&')
            });
            let after = &text[body_end..];
            let followed_ok = !(after.starts_with(['#', '＃']) || after.starts_with("://"));
            if preceded_ok && followed_ok && !self.url.covers(text.as_bytes(), hash_at) {
                return Some(body);
            }
        }
        self.pos = text.len();
        None
    }
}

/// Decides whether a `#` lies inside a URL, so that `http://x.com/#anchor` and `x.com/#anchor`
/// yield no hashtag. Full URL extraction (as `twitter-text` does before dropping overlapping
/// hashtags) would need TLD lists; instead this looks at the run of printable ASCII characters
/// directly before the `#` and treats it as a URL when it contains `://`, or a `/` preceded by
/// a domain-like `name.tld` (a `.` followed by at least two ASCII letters/digits/hyphens, right
/// before the `/`). Not covered: URLs whose path contains non-ASCII characters before the `#`,
/// and bare domains without a `/` (`x.com#tag`).
///
/// The scan is incremental over one text: both conditions only become true as the run grows, so
/// each byte is looked at once. Rescanning the run for every `#` made a long run such as
/// `/#a/#a/#a…` quadratic (minutes for a few hundred kilobytes).
#[derive(Debug, Clone, Default)]
pub(crate) struct UrlScan {
    /// Where the current run of printable ASCII starts.
    run_start: usize,
    /// The bytes before this have been scanned.
    scanned: usize,
    /// Whether the run up to `scanned` already looks like a URL.
    is_url: bool,
}

impl UrlScan {
    /// Whether the `#` at byte `hash_at` of `text` lies inside a URL. One scanner must be asked
    /// about one text, at positions that never decrease.
    pub(crate) fn covers(&mut self, text: &[u8], hash_at: usize) -> bool {
        let unseen = &text[self.scanned..hash_at];
        if let Some(i) = unseen.iter().rposition(|b| !b.is_ascii_graphic()) {
            let run_start = self.scanned + i + 1;
            *self = UrlScan {
                run_start,
                scanned: run_start,
                is_url: false,
            };
        }
        if !self.is_url {
            let run = &text[self.run_start..hash_at];
            self.is_url = (self.scanned - self.run_start..run.len())
                .any(|end| run[end] == b'/' && url_marker_ends_at(&run[..=end]));
        }
        self.scanned = hash_at;
        self.is_url
    }
}

/// Whether `run`, which ends with a `/`, ends with `://` or with `name.tld/`.
fn url_marker_ends_at(run: &[u8]) -> bool {
    if run.ends_with(b"://") {
        return true;
    }
    let host = &run[..run.len() - 1];
    let tld_len = host
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
        .count();
    let dot = host.len().checked_sub(tld_len + 1);
    tld_len >= 2
        && dot.is_some_and(|d| host[d] == b'.' && d > 0 && host[d - 1].is_ascii_alphanumeric())
}

/// Characters that continue a hashtag: letters, marks, digits, underscore, and the word-internal
/// characters `twitter-text` also accepts.
pub(crate) fn is_hashtag_char(c: char) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || is_mark(c)
        || matches!(
            c,
            '\u{200C}' // zero-width non-joiner (Persian, Indic)
            | '\u{200D}' // zero-width joiner (Sinhala, Indic)
            | '\u{A67E}' // Cyrillic kavyka
            | '\u{05BE}' // Hebrew maqaf
            | '\u{05F3}' // Hebrew geresh
            | '\u{05F4}' // Hebrew gershayim
            | '\u{FF5E}' // full-width tilde
            | '\u{301C}' // wave dash
            | '\u{309B}' // katakana-hiragana voiced sound mark
            | '\u{309C}' // katakana-hiragana semi-voiced sound mark
            | '\u{30A0}' // katakana-hiragana double hyphen
            | '\u{30FB}' // katakana middle dot
            | '\u{3003}' // ditto mark
            | '\u{0F0B}' // Tibetan tsheg
            | '\u{0F0C}' // Tibetan non-breaking tsheg
            | '\u{00B7}' // middle dot (Catalan l·l)
        )
}

/// A hashtag must contain at least one of these (a letter or mark), so `#123` and `#_` are not
/// hashtags.
pub(crate) fn is_hashtag_letter(c: char) -> bool {
    c.is_alphabetic() || is_mark(c)
}

/// Combining marks (accents written as separate code points, Indic vowel signs and viramas,
/// Thai/Lao tone marks, ...). The standard library has no general-category lookup and
/// `char::is_alphabetic` only covers marks with the `Other_Alphabetic` property (most vowel
/// signs, but not viramas, nuktas or tone marks), so these ranges add the combining blocks and
/// the mark ranges of the scripts exercised by the twitter-text conformance data (Indic,
/// Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer, Ethiopic, Hebrew, Arabic, Miao).
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}' | '\u{05C1}' | '\u{05C2}' | '\u{05C4}' | '\u{05C5}' | '\u{05C7}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}' | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}' | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}'
        | '\u{0951}'..='\u{0957}' | '\u{0962}' | '\u{0963}' | '\u{0981}'..='\u{0983}'
        | '\u{09BC}'..='\u{09D7}' | '\u{09E2}' | '\u{09E3}' | '\u{0A01}'..='\u{0A03}'
        | '\u{0A3C}'..='\u{0A51}' | '\u{0A70}' | '\u{0A71}' | '\u{0A75}'
        | '\u{0A81}'..='\u{0A83}' | '\u{0ABC}'..='\u{0ACD}' | '\u{0AE2}' | '\u{0AE3}'
        | '\u{0B01}'..='\u{0B03}' | '\u{0B3C}'..='\u{0B57}' | '\u{0B62}' | '\u{0B63}'
        | '\u{0B82}' | '\u{0BBE}'..='\u{0BCD}' | '\u{0BD7}' | '\u{0C00}'..='\u{0C04}'
        | '\u{0C3C}'..='\u{0C56}' | '\u{0C62}' | '\u{0C63}' | '\u{0C81}'..='\u{0C83}'
        | '\u{0CBC}'..='\u{0CD6}' | '\u{0CE2}' | '\u{0CE3}' | '\u{0D00}'..='\u{0D03}'
        | '\u{0D3B}'..='\u{0D4D}' | '\u{0D57}' | '\u{0D62}' | '\u{0D63}'
        | '\u{0D81}'..='\u{0D83}' | '\u{0DCA}'..='\u{0DDF}' | '\u{0DF2}' | '\u{0DF3}'
        | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{0EB1}' | '\u{0EB4}'..='\u{0EBC}' | '\u{0EC8}'..='\u{0ECE}'
        | '\u{0F18}' | '\u{0F19}' | '\u{0F35}' | '\u{0F37}' | '\u{0F39}' | '\u{0F3E}' | '\u{0F3F}'
        | '\u{0F71}'..='\u{0F84}' | '\u{0F86}' | '\u{0F87}' | '\u{0F8D}'..='\u{0FBC}' | '\u{0FC6}'
        | '\u{102B}'..='\u{103E}' | '\u{1056}'..='\u{1059}' | '\u{105E}'..='\u{1060}'
        | '\u{1062}'..='\u{1064}' | '\u{1067}'..='\u{106D}' | '\u{1071}'..='\u{1074}'
        | '\u{1082}'..='\u{108D}' | '\u{108F}' | '\u{109A}'..='\u{109D}'
        | '\u{135D}'..='\u{135F}' | '\u{17B4}'..='\u{17D3}' | '\u{17DD}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{200C}' | '\u{200D}'
        | '\u{20D0}'..='\u{20FF}' | '\u{3099}' | '\u{309A}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}' | '\u{16F4F}' | '\u{16F51}'..='\u{16F87}'
        | '\u{16F8F}'..='\u{16F92}')
}

/// The key a hashtag is counted under: `#Rust`, `#rust` and `#RUST` are one trend.
pub fn fold(tag: &str) -> String {
    let mut key = String::with_capacity(tag.len());
    fold_into(tag, &mut key);
    key
}

/// Appends [`fold`]`(tag)` to `key`, so that a caller folding every tweet's hashtags can reuse
/// one buffer instead of allocating a key per hashtag.
pub fn fold_into(tag: &str, key: &mut String) {
    if tag.is_ascii() {
        let start = key.len();
        key.push_str(tag);
        key[start..].make_ascii_lowercase();
    } else if tag.contains('Σ') {
        // Only `str::to_lowercase` knows that a word-final capital sigma becomes `ς`.
        key.push_str(&tag.to_lowercase());
    } else {
        key.extend(tag.chars().flat_map(char::to_lowercase));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tags(text: &str) -> Vec<&str> {
        extract(text).collect()
    }

    #[test]
    fn finds_simple_hashtags() {
        assert_eq!(tags("I love #rust and #Kafka!"), ["rust", "Kafka"]);
        assert_eq!(tags("#start middle #end"), ["start", "end"]);
    }

    #[test]
    fn stops_at_punctuation() {
        assert_eq!(
            tags("#rust, #go. #c++ #data-science"),
            ["rust", "go", "c", "data"]
        );
    }

    #[test]
    fn unicode_letters_and_full_width_hash() {
        assert_eq!(
            tags("#日本 ＃東京 #Москва #café #한국"),
            ["日本", "東京", "Москва", "café", "한국"]
        );
        assert_eq!(tags("#cafe\u{301}!"), ["cafe\u{301}"]);
    }

    #[test]
    fn a_hashtag_needs_a_letter() {
        assert_eq!(tags("#2024 #1st #_1 #_a"), ["1st", "_a"]);
    }

    #[test]
    fn preceded_by_word_or_ampersand_is_not_a_hashtag() {
        assert_eq!(tags("a#b &#39; x&#y 3#x _#z"), Vec::<&str>::new());
        assert_eq!(tags("(#ok) \"#quoted\""), ["ok", "quoted"]);
    }

    #[test]
    fn lone_hashes_are_ignored() {
        assert_eq!(tags("# ## #! #"), Vec::<&str>::new());
        assert_eq!(tags("##double"), ["double"], "a # may precede a hashtag");
    }

    #[test]
    fn fold_is_case_insensitive_and_unicode_aware() {
        assert_eq!(fold("Rust"), "rust");
        assert_eq!(fold("RUST"), "rust");
        assert_eq!(fold("rust"), "rust");
        assert_eq!(fold("МОСКВА"), "москва");
        assert_eq!(fold("日本"), "日本");
        assert_eq!(fold("ΟΔΟΣ"), "οδο\u{3c2}", "a word-final sigma");
        let mut key = String::from("kept ");
        fold_into("İstanbul", &mut key);
        assert_eq!(
            key, "kept i\u{307}stanbul",
            "appended, and İ lowercases to two chars"
        );
    }

    /// Regression: every `#` of one long run of printable ASCII used to rescan the run from its
    /// start (`/#a` 40,000 times took six minutes in a debug build; 2 MB would take hours).
    #[test]
    fn a_long_run_of_hashtags_is_extracted_in_linear_time() {
        for (piece, found) in [("/#a", 1), ("a.bc/#a", 0), ("://#a", 0)] {
            let text = piece.repeat(2_000_000 / piece.len());
            let started = std::time::Instant::now();
            let count = extract(&text).count();
            let elapsed = started.elapsed();
            assert_eq!(count, found * text.len() / piece.len(), "{piece}");
            // About 2 s in a debug build on a loaded machine; quadratic would be hours.
            assert!(elapsed.as_secs() < 10, "{piece}: took {elapsed:?}");
        }
    }

    #[test]
    fn url_runs_end_at_whitespace_and_non_ascii() {
        assert_eq!(tags("x.com/#no #yes"), ["yes"]);
        assert_eq!(tags("http://x/#no\u{3000}#yes"), ["yes"]);
        assert_eq!(tags("x.com/ #yes x.com/#no #yes2"), ["yes", "yes2"]);
    }

    proptest! {
        #[test]
        fn extracted_tags_are_well_formed(text in "\\PC{0,80}") {
            for tag in extract(&text) {
                prop_assert!(!tag.is_empty());
                prop_assert!(tag.chars().all(is_hashtag_char));
                prop_assert!(tag.chars().any(|c| c.is_alphabetic() || is_mark(c)));
                prop_assert!(text.contains(tag));
            }
        }

        #[test]
        fn a_spaced_hashtag_is_always_found(word in "[a-zA-Z0-9_]{0,10}[a-zA-Z][a-zA-Z0-9_]{0,10}", pre in "[a-z ]{0,10}", post in "[ .,!?]{0,5}") {
            let text = format!("{pre} #{word}{post}");
            prop_assert!(extract(&text).any(|t| t == word));
        }

        /// The incremental URL scan answers, at every `#`, what a scan of the whole prefix does.
        #[test]
        fn the_incremental_url_scan_equals_a_fresh_one(text in "([a-z.:/# ]|é){0,60}") {
            let mut scanner = UrlScan::default();
            for (at, _) in text.match_indices('#') {
                let incremental = scanner.covers(text.as_bytes(), at);
                prop_assert_eq!(incremental, UrlScan::default().covers(text.as_bytes(), at), "{} at {}", text, at);
            }
        }

        /// Folding is Unicode lowercasing, whichever way [`fold_into`] takes.
        #[test]
        fn fold_is_lowercasing(tag in "([a-zA-Z_]|\\PC|Σ|İ){0,20}") {
            prop_assert_eq!(fold(&tag), tag.to_lowercase());
        }

        #[test]
        fn fold_is_idempotent(tag in "\\w{1,20}") {
            prop_assert_eq!(fold(&fold(&tag)), fold(&tag));
        }
    }
}
