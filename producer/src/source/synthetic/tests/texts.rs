//! What the texts read like: sentences from the phrase books, in the tweet's language, with
//! emoji now and then rather than in strings.

use super::*;
use crate::source::synthetic::phrases::{self, Phrasebook};

/// The text of a tweet's own (not a retweet, not a quote) in full, with its entities removed.
fn own_words(tweet: &Value) -> Option<String> {
    if tweet.get("retweeted_status").is_some() || tweet["is_quote_status"] == true {
        return None;
    }
    if tweet["truncated"] == true && tweet.get("extended_tweet").is_none() {
        return None;
    }
    let (text, entities) = match tweet.get("extended_tweet") {
        Some(extended) => (str_field(extended, "full_text"), &extended["entities"]),
        None => (str_field(tweet, "text"), &tweet["entities"]),
    };
    let mut marked = vec![false; text.chars().count()];
    for kind in ["hashtags", "urls", "user_mentions", "symbols"] {
        for entity in entities[kind].as_array().expect(kind) {
            let [start, end] = [0, 1].map(|i| index(&entity["indices"][i]));
            marked[start..end].iter_mut().for_each(|m| *m = true);
        }
    }
    let words = text
        .chars()
        .zip(marked)
        .filter(|&(_, m)| !m)
        .map(|(c, _)| c);
    Some(words.collect())
}

/// Every word of a phrase book, lower-cased.
fn vocabulary(book: &Phrasebook) -> BTreeSet<String> {
    let texts = [
        book.positive,
        book.negative,
        book.neutral,
        book.topics,
        book.times,
    ];
    let words = texts.into_iter().flatten().flat_map(|text| words_of(text));
    words.collect()
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|word| !word.is_empty() && *word != "topic" && *word != "when")
        .map(str::to_lowercase)
        .collect()
}

fn is_emoji(c: char) -> bool {
    matches!(u32::from(c), 0x1F300..=0x1FAFF | 0x2600..=0x27BF)
}

#[test]
fn english_texts_are_sentences_from_the_phrase_book() {
    let known = vocabulary(&phrases::EN);
    let english: Vec<String> = sample()
        .iter()
        .filter(|(_, tweet)| tweet["lang"] == "en")
        .filter_map(|(_, tweet)| own_words(tweet))
        .collect();
    assert!(english.len() > 1_000, "{} English tweets", english.len());
    let (mut words, mut unknown, mut ended) = (0, 0, 0);
    for text in &english {
        for word in words_of(text) {
            words += 1;
            unknown += usize::from(!known.contains(&word));
        }
        let end = text
            .trim_end()
            .trim_end_matches(|c: char| is_emoji(c) || c.is_whitespace());
        ended += usize::from(end.ends_with(['.', '!', '?']));
    }
    assert!(
        unknown * 100 <= words,
        "{unknown} of {words} words from no phrase book"
    );
    assert!(
        ended * 100 >= english.len() * 95,
        "{ended} of {} end a sentence",
        english.len()
    );
}

/// Whether `text` holds an instance of `template`: its fixed parts, in order.
fn instantiates(text: &str, template: &str) -> bool {
    let mut rest = text;
    for part in template
        .split(['{', '}'])
        .filter(|p| *p != "topic" && *p != "when")
    {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[test]
fn english_tweets_are_positive_negative_or_neutral_and_keep_to_one() {
    let english: Vec<String> = sample()
        .iter()
        .filter(|(_, tweet)| tweet["lang"] == "en")
        .filter_map(|(_, tweet)| own_words(tweet))
        .collect();
    let moods = [
        phrases::EN.positive,
        phrases::EN.negative,
        phrases::EN.neutral,
    ];
    for templates in moods {
        for template in templates {
            assert!(
                english.iter().any(|text| instantiates(text, template)),
                "never used: {template}"
            );
        }
    }
    // A tweet's sentences share a mood, so that a sentiment scorer finds it clear.
    for text in &english {
        let used: Vec<usize> = (0..3)
            .filter(|&m| {
                moods[m]
                    .iter()
                    .any(|t| t.len() > 30 && instantiates(text, t))
            })
            .collect();
        assert!(used.len() <= 1, "mixed moods in {text:?}");
    }
}

#[test]
fn emoji_come_now_and_then_not_in_strings() {
    let texts: Vec<String> = sample()
        .iter()
        .filter(|(_, tweet)| tweet["lang"] != "und")
        .filter_map(|(_, tweet)| own_words(tweet))
        .collect();
    let with_emoji = texts.iter().filter(|t| t.chars().any(is_emoji)).count();
    let emoji_share = share(with_emoji, texts.len());
    assert!(
        (0.05..=0.40).contains(&emoji_share),
        "{emoji_share} with emoji"
    );
    for text in &texts {
        let mut run = 0;
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            run = if is_emoji(c) { run + 1 } else { 0 };
            assert!(run <= 2, "a string of emoji in {text:?}");
        }
    }
}

#[test]
fn several_languages_occur_in_their_own_scripts() {
    let languages: BTreeSet<&str> = sample()
        .iter()
        .map(|(_, tweet)| str_field(tweet, "lang"))
        .collect();
    assert!(languages.len() >= 10, "{languages:?}");
    let in_script = |lang: &str, script: std::ops::RangeInclusive<char>| {
        let texts: Vec<String> = sample()
            .iter()
            .filter(|(_, tweet)| tweet["lang"] == lang)
            .filter_map(|(_, tweet)| own_words(tweet))
            .collect();
        let written = texts
            .iter()
            .filter(|t| t.chars().any(|c| script.contains(&c)));
        assert!(written.count() * 100 >= texts.len() * 99, "{lang}");
    };
    in_script("ja", '\u{3040}'..='\u{9fff}');
    in_script("ko", '\u{ac00}'..='\u{d7a3}');
    in_script("ar", '\u{0600}'..='\u{06ff}');
    in_script("ru", '\u{0400}'..='\u{04ff}');
}
