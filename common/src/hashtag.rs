//! Hashtag extraction from tweet text and the case-folded key trends are counted under.
//!
//! Follows Twitter's rules: a hashtag starts with `#` or the full-width `＃`, is not preceded by a
//! letter, digit, underscore or `&` (so `a#b` and `&#39;` are not hashtags), continues over
//! Unicode letters, marks, digits and underscores, and contains at least one letter or mark
//! (so `#2024` is not a hashtag).

/// Iterates over the hashtags in `text`, without the leading `#`, as slices of `text`.
pub fn extract(text: &str) -> Hashtags<'_> {
    Hashtags { text, pos: 0 }
}

/// Iterator returned by [`extract`]; allocation-free.
#[derive(Debug, Clone)]
pub struct Hashtags<'a> {
    text: &'a str,
    pos: usize,
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
            let body_len: usize = text[body_start..]
                .chars()
                .take_while(|&c| is_hashtag_char(c))
                .map(char::len_utf8)
                .sum();
            self.pos = body_start + body_len;
            let preceded_ok = text[..hash_at]
                .chars()
                .next_back()
                .is_none_or(|c| !(is_hashtag_char(c) || c == '&'));
            let body = &text[body_start..body_start + body_len];
            if preceded_ok && body.chars().any(|c| c.is_alphabetic() || is_mark(c)) {
                return Some(body);
            }
        }
        self.pos = text.len();
        None
    }
}

/// Letters, marks, digits and underscore continue a hashtag.
fn is_hashtag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_mark(c)
}

/// Combining marks (accents written as separate code points, Indic vowel signs, ...). The
/// standard library has no Unicode category lookup; these ranges cover the combining blocks
/// and the spacing/non-spacing marks of the major Indic and Southeast Asian scripts.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}' | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}' | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}'
        | '\u{0951}'..='\u{0957}' | '\u{0962}' | '\u{0963}' | '\u{0981}'..='\u{0983}'
        | '\u{09BC}'..='\u{09D7}' | '\u{0A01}'..='\u{0A03}' | '\u{0A3C}'..='\u{0A51}'
        | '\u{0B01}'..='\u{0B03}' | '\u{0BBE}'..='\u{0BCD}' | '\u{0C00}'..='\u{0C04}'
        | '\u{0C3E}'..='\u{0C56}' | '\u{0D00}'..='\u{0D03}' | '\u{0D3E}'..='\u{0D4D}'
        | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{200C}' | '\u{200D}'
        | '\u{20D0}'..='\u{20FF}' | '\u{3099}' | '\u{309A}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// The key a hashtag is counted under: `#Rust`, `#rust` and `#RUST` are one trend.
pub fn fold(tag: &str) -> String {
    if tag.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        tag.to_owned()
    } else {
        tag.to_lowercase()
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

        #[test]
        fn fold_is_idempotent(tag in "\\w{1,20}") {
            prop_assert_eq!(fold(&fold(&tag)), fold(&tag));
        }
    }
}
