//! The invariants the fuzz target `fuzz/fuzz_targets/tweet.rs` checks on arbitrary bytes. They
//! live here, behind the `fuzzing` feature, so that the stable test suite also runs them over
//! the committed corpus (`fuzz/corpus/tweet/`) without a nightly compiler.

use chrono::DateTime;

use crate::hashtag::{self, is_hashtag_char, is_hashtag_letter, UrlScan};
use crate::report::Report;
use crate::snippet::{breaks_lines, MAX_MESSAGE_CHARS};
use crate::timestamp::{self, V1_FORMAT};
use crate::tweet::{ParseError, Shape, Tweet};

/// Texts up to this many bytes also get the quadratic cross-check of the URL scanner.
const CROSS_CHECK_BYTES: usize = 4096;

/// Takes `data` as one Kafka message and panics if an invariant fails:
///
/// * neither parser panics, and every error, with its causes, is one line of bounded length;
/// * whatever [`Tweet::parse`] accepts, [`Tweet::parse_for_counting`] accepts with the same
///   counting fields and hashtags (it only skips the author and place); the reverse may fail
///   only as a JSON error, on invalid UTF-8 inside a skipped object;
/// * the accessors of a parsed tweet do not panic;
/// * hashtags extracted from the tweet's text, and from the raw bytes read as text, are
///   non-empty slices of the text right after a `#`, in order, made of hashtag characters with
///   a letter; the incremental URL scan agrees with a fresh scan at every `#`;
/// * folding is idempotent and equals `to_lowercase` (its ASCII shortcut changes nothing);
/// * `created_at` parsing of the raw text agrees with chrono, and its results format and
///   parse back.
pub fn check_message(data: &[u8]) {
    let full = Tweet::parse(data);
    let lean = Tweet::parse_for_counting(data);
    match (&full, &lean) {
        (Ok(full), Ok(lean)) => {
            check_same_counting_fields(full, lean);
            check_accessors(full);
            check_accessors(lean);
            check_text(&full.text);
        }
        (Ok(_), Err(error)) => panic!("parse accepts what parse_for_counting rejects: {error}"),
        (Err(error), Ok(lean)) => {
            check_error(error);
            assert!(
                matches!(error, ParseError::Json { .. }),
                "only parse rejects, and not as a JSON error: {error}"
            );
            check_accessors(lean);
        }
        (Err(full), Err(lean)) => {
            check_error(full);
            check_error(lean);
        }
    }
    let text = String::from_utf8_lossy(data);
    check_text(&text);
    check_created_at(&text);
}

/// The error as logs and dead-letter headers get it: with its causes.
fn check_error(error: &ParseError) {
    let message = Report(error).to_string();
    assert!(!message.is_empty());
    assert!(
        !message.chars().any(breaks_lines),
        "error message is not one line: {message:?}"
    );
    // Room for the prefix around the part that is cut to MAX_MESSAGE_CHARS.
    assert!(
        message.chars().count() <= MAX_MESSAGE_CHARS + 50,
        "error message too long: {message:?}"
    );
}

fn check_same_counting_fields(full: &Tweet<'_>, lean: &Tweet<'_>) {
    assert_eq!(
        (full.shape, full.id, full.created_at_ms),
        (lean.shape, lean.id, lean.created_at_ms)
    );
    assert_eq!(
        (full.is_retweet, full.completeness),
        (lean.is_retweet, lean.completeness)
    );
    assert_eq!((&full.text, &full.lang), (&lean.text, &lean.lang));
    assert!(full.hashtags().eq(lean.hashtags()), "hashtags differ");
    if full.shape == Shape::V2 {
        assert_eq!(full.user().map(|u| u.id), lean.user().map(|u| u.id));
        assert_eq!(full.coordinates(), lean.coordinates());
    }
}

fn check_accessors(tweet: &Tweet<'_>) {
    tweet.user();
    tweet.place();
    tweet.coordinates();
    for tag in tweet.hashtags() {
        assert!(!tag.is_empty(), "an empty hashtag");
        let key = hashtag::fold(tag);
        assert_eq!(
            hashtag::fold(&key),
            key,
            "fold is not idempotent on {tag:?}"
        );
    }
}

fn check_text(text: &str) {
    let mut previous_end = 0;
    for tag in hashtag::extract(text) {
        let start = (tag.as_ptr() as usize)
            .checked_sub(text.as_ptr() as usize)
            .expect("a hashtag is a slice of the text");
        assert!(
            start + tag.len() <= text.len(),
            "a hashtag is a slice of the text"
        );
        assert!(!tag.is_empty());
        assert!(
            start >= previous_end,
            "hashtags overlap or go back in {text:?}"
        );
        assert!(
            text[previous_end..start].ends_with(['#', '＃']),
            "{tag:?} at {start} does not follow a # after the previous hashtag in {text:?}"
        );
        assert!(tag.chars().all(is_hashtag_char), "{tag:?}");
        assert!(tag.chars().any(is_hashtag_letter), "{tag:?}");
        previous_end = start + tag.len();

        let key = hashtag::fold(tag);
        assert_eq!(key, tag.to_lowercase(), "fold of {tag:?}");
        assert_eq!(
            hashtag::fold(&key),
            key,
            "fold is not idempotent on {tag:?}"
        );
    }
    if text.len() <= CROSS_CHECK_BYTES {
        let mut scan = UrlScan::default();
        for (at, _) in text.match_indices(['#', '＃']) {
            assert_eq!(
                scan.covers(text.as_bytes(), at),
                UrlScan::default().covers(text.as_bytes(), at),
                "URL scans differ at {at} of {text:?}"
            );
        }
    }
}

fn check_created_at(text: &str) {
    let ours = timestamp::parse_created_at(text);
    let chrono = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, V1_FORMAT))
        .map(|t| t.timestamp_millis());
    assert_eq!(ours.as_ref().ok(), chrono.as_ref().ok(), "{text:?}");
    match ours {
        Ok(ms) => {
            timestamp::format_human(ms);
            timestamp::rfc3339(ms);
            // %Y writes years past 9999 with a sign, which the v1.1 format does not read.
            const YEAR_1_TO_9999_MS: std::ops::RangeInclusive<i64> =
                -62_135_596_800_000..=253_402_300_799_999;
            if YEAR_1_TO_9999_MS.contains(&ms) {
                let seconds = ms.div_euclid(1000) * 1000;
                assert_eq!(
                    timestamp::parse_created_at(&timestamp::format_v1(ms)),
                    Ok(seconds)
                );
            }
        }
        Err(error) => check_error(&ParseError::BadCreatedAt(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed fuzz corpus (and every reproducer kept beside it) passes the invariants,
    /// so CI exercises them on stable; `cargo fuzz` explores further.
    #[test]
    fn the_fuzz_corpus_passes_the_fuzz_invariants() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/tweet");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).expect("the fuzz corpus is committed") {
            let path = entry.expect("readable corpus directory").path();
            let data = std::fs::read(&path).expect("readable corpus file");
            let outcome = std::panic::catch_unwind(|| check_message(&data));
            assert!(outcome.is_ok(), "{} fails the invariants", path.display());
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} corpus files in {dir}");
    }
}
