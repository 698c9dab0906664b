//! The counting path's reader of a tweet: the message walked once with [`json_scan`], reading
//! only the fields the pipeline uses.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::json_scan;

use super::{Entities, HashtagEntity, Original, RawJson, Str, V2Data, Wire};

/// The fast path of [`Tweet::parse_for_counting`]: the message walked with [`json_scan`], the
/// fields the pipeline uses read on the way (strings without escapes borrowed directly, the
/// rare v2 `data` and `extended_tweet` by serde_json from their own bytes) and all others
/// skipped. It gives what `serde_json::from_slice::<Wire<IgnoredAny>>` gives, or `None`: for
/// anything serde_json rejects, and for anything unusual (an escaped key, a struct written as
/// an array, deep nesting in a skipped value), which serde_json then decides.
pub(super) fn lean_wire(bytes: &[u8]) -> Option<Wire<'_, IgnoredAny>> {
    let mut wire = Wire::default();
    let mut seen = Seen::default();
    let start = json_scan::skip_whitespace(bytes, 0);
    let end = json_scan::object_end(bytes, start, |key, at| match key {
        b"data" => seen.put(0, &mut wire.data, v2_data(bytes, at)?),
        b"includes" => seen.put(1, &mut wire.includes, raw_json(bytes, at)?),
        b"id_str" => seen.put(2, &mut wire.id_str, string(bytes, at)?),
        b"id" => seen.put(3, &mut wire.id, id_number(bytes, at)?),
        b"created_at" => seen.put(4, &mut wire.created_at, string(bytes, at)?),
        b"text" => seen.put(5, &mut wire.text, string(bytes, at)?),
        b"full_text" => seen.put(6, &mut wire.full_text, string(bytes, at)?),
        b"extended_tweet" => seen.put(7, &mut wire.extended_tweet, decoded(bytes, at)?),
        b"entities" => seen.put(8, &mut wire.entities, entities(bytes, at)?),
        b"lang" => seen.put(9, &mut wire.lang, string(bytes, at)?),
        b"user" => seen.put(10, &mut wire.user, present(bytes, at)?),
        b"place" => seen.put(11, &mut wire.place, present(bytes, at)?),
        b"coordinates" => seen.put(12, &mut wire.coordinates, present(bytes, at)?),
        b"retweeted_status" => seen.put(13, &mut wire.retweeted_status, original(bytes, at)?),
        b"truncated" => seen.put(14, &mut wire.truncated, boolean(bytes, at)?),
        _ => json_scan::value_end(bytes, at),
    })?;
    (json_scan::skip_whitespace(bytes, end) == bytes.len()).then_some(wire)
}

/// The fields of a struct the fast path has read, one bit each: serde rejects a field given
/// twice (even once as null), and so must the fast path.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// Stores a field's value read from the message and gives where it ends; `None` if the
    /// field was already given.
    #[inline(always)]
    fn put<T>(&mut self, bit: u32, field: &mut T, (value, end): (T, usize)) -> Option<usize> {
        if self.0 & 1 << bit != 0 {
            return None;
        }
        self.0 |= 1 << bit;
        *field = value;
        Some(end)
    }
}

/// The value at `at` decoded by serde_json from its own bytes, as it would be inside the
/// message, and where it ends.
fn decoded<'a, T: Deserialize<'a>>(bytes: &'a [u8], at: usize) -> Option<(T, usize)> {
    let end = json_scan::value_end(bytes, at)?;
    Some((serde_json::from_slice(&bytes[at..end]).ok()?, end))
}

/// `null` as `None`, anything else through `read`, as serde reads an `Option`.
fn nullable<T>(
    bytes: &[u8],
    at: usize,
    read: impl FnOnce() -> Option<(T, usize)>,
) -> Option<(Option<T>, usize)> {
    match bytes.get(at..at + 4) {
        Some(b"null") => Some((None, at + 4)),
        _ => read().map(|(value, end)| (Some(value), end)),
    }
}

/// A string field (or null), borrowed straight from the message when it has no escapes.
fn string(bytes: &[u8], at: usize) -> Option<(Option<Str<'_>>, usize)> {
    nullable(bytes, at, || {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let json_scan::ScannedString { end, escaped, .. } = json_scan::string_end(bytes, at)?;
        if escaped {
            Some((serde_json::from_slice(&bytes[at..end]).ok()?, end))
        } else {
            Some((Str(Cow::Borrowed(utf8(&bytes[at + 1..end - 1])?)), end))
        }
    })
}

/// `raw` as text if it is UTF-8. Short ASCII strings (ids, dates, language codes, most
/// hashtags) are checked a word at a time, which costs a fraction of a UTF-8 validator's
/// set-up; the rest (the text) go through simdutf8, which checks 32 bytes at a time.
fn utf8(raw: &[u8]) -> Option<&str> {
    const SHORT: usize = 64;
    if raw.len() < SHORT && raw.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(raw) })
    } else {
        simdutf8::basic::from_utf8(raw).ok()
    }
}

/// A v1.1 numeric `id` (or null) as serde_json reads a `u64`: digits without a leading zero
/// that fit. A sign, fraction or exponent (which serde_json rejects or reads as a float) stops
/// the digits, and the object walk then rejects what follows.
fn id_number(bytes: &[u8], at: usize) -> Option<(Option<u64>, usize)> {
    nullable(bytes, at, || {
        // Digits are read as they are found; nineteen always fit a u64 (2^64 is about 1.8e19),
        // so only a longer number needs overflow checks.
        let mut id = 0u64;
        let mut end = at;
        while let Some(&digit @ b'0'..=b'9') = bytes.get(end) {
            if end - at >= 19 {
                id = id.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
            } else {
                id = id * 10 + u64::from(digit - b'0');
            }
            end += 1;
        }
        let digits = end - at;
        if digits == 0 || (digits > 1 && bytes[at] == b'0') {
            return None;
        }
        Some((id, end))
    })
}

/// A v2 `data` object as the fast path reads it: `id` and `text` apart, as they are required.
#[derive(Default)]
struct V2Fields<'a> {
    id: Option<Str<'a>>,
    text: Option<Str<'a>>,
    data: V2Data<'a>,
}

/// A v2 `data` object (or null) as [`V2Data`] reads it: its metrics, annotations and other
/// fields skipped. `None` unless both `id` and `text` are strings (serde_json decides then).
fn v2_data(bytes: &[u8], at: usize) -> Option<(Option<V2Data<'_>>, usize)> {
    nullable(bytes, at, || {
        let mut f = V2Fields::default();
        let mut seen = Seen::default();
        let end = json_scan::object_end(bytes, at, |key, at| match key {
            b"id" => seen.put(0, &mut f.id, string(bytes, at)?),
            b"text" => seen.put(1, &mut f.text, string(bytes, at)?),
            b"created_at" => seen.put(2, &mut f.data.created_at, string(bytes, at)?),
            b"author_id" => seen.put(3, &mut f.data.author_id, string(bytes, at)?),
            b"lang" => seen.put(4, &mut f.data.lang, string(bytes, at)?),
            b"entities" => seen.put(5, &mut f.data.entities, entities(bytes, at)?),
            b"note_tweet" => seen.put(6, &mut f.data.note_tweet, decoded(bytes, at)?),
            b"geo" => seen.put(7, &mut f.data.geo, decoded(bytes, at)?),
            b"referenced_tweets" => seen.put(8, &mut f.data.referenced_tweets, decoded(bytes, at)?),
            _ => json_scan::value_end(bytes, at),
        })?;
        let data = V2Data {
            id: f.id?.0,
            text: f.text?.0,
            ..f.data
        };
        Some((data, end))
    })
}

/// A value (or null) kept as its text, as serde_json keeps a borrowed `RawValue`: checked by
/// the scanner's grammar and as UTF-8, not decoded.
fn raw_json(bytes: &[u8], at: usize) -> Option<(Option<RawJson<'_>>, usize)> {
    nullable(bytes, at, || {
        let end = json_scan::value_end(bytes, at)?;
        Some((RawJson(utf8(&bytes[at..end])?), end))
    })
}

/// The text of the `tweets` list of a v2 `includes` object: `Some(None)` when it has none, `None`
/// when the object is unusual (a repeated key, deep nesting, ...) and serde_json must decide.
pub(super) fn tweets_of(includes: &str) -> Option<Option<&str>> {
    let bytes = includes.as_bytes();
    let mut tweets = None;
    let start = json_scan::skip_whitespace(bytes, 0);
    let end = json_scan::object_end(bytes, start, |key, at| match key {
        b"tweets" if tweets.is_none() => {
            let end = json_scan::value_end(bytes, at)?;
            tweets = Some(&includes[at..end]);
            Some(end)
        }
        b"tweets" => None,
        _ => json_scan::value_end(bytes, at),
    })?;
    (json_scan::skip_whitespace(bytes, end) == bytes.len()).then_some(tweets)
}

/// `true` or `false` (or null).
fn boolean(bytes: &[u8], at: usize) -> Option<(Option<bool>, usize)> {
    nullable(bytes, at, || match bytes.get(at..)? {
        [b't', b'r', b'u', b'e', ..] => Some((true, at + 4)),
        [b'f', b'a', b'l', b's', b'e', ..] => Some((false, at + 5)),
        _ => None,
    })
}

/// An object skipped apart from whether it is there (not null).
fn present(bytes: &[u8], at: usize) -> Option<(Option<IgnoredAny>, usize)> {
    nullable(bytes, at, || {
        Some((IgnoredAny, json_scan::value_end(bytes, at)?))
    })
}

/// A retweet's `retweeted_status` (or null) as [`Original`] reads it: its text fields,
/// entities and language, everything else (the user, the counts) skipped.
fn original(bytes: &[u8], at: usize) -> Option<(Option<Original<'_>>, usize)> {
    nullable(bytes, at, || {
        let mut original = Original::default();
        let mut seen = Seen::default();
        let end = json_scan::object_end(bytes, at, |key, at| match key {
            b"text" => seen.put(0, &mut original.text, string(bytes, at)?),
            b"full_text" => seen.put(1, &mut original.full_text, string(bytes, at)?),
            b"extended_tweet" => seen.put(2, &mut original.extended_tweet, decoded(bytes, at)?),
            b"entities" => seen.put(3, &mut original.entities, entities(bytes, at)?),
            b"truncated" => seen.put(4, &mut original.truncated, boolean(bytes, at)?),
            b"lang" => seen.put(5, &mut original.lang, string(bytes, at)?),
            _ => json_scan::value_end(bytes, at),
        })?;
        Some((original, end))
    })
}

/// `entities` (or null) as [`Entities`] reads it: only the `hashtags` list is kept.
fn entities(bytes: &[u8], at: usize) -> Option<(Option<Entities<'_>>, usize)> {
    nullable(bytes, at, || {
        let mut hashtags = None;
        let end = json_scan::object_end(bytes, at, |key, at| match key {
            b"hashtags" if hashtags.is_none() => {
                let mut tags = Vec::new();
                let end = json_scan::array_end(bytes, at, |at| {
                    let (tag, end) = hashtag_entity(bytes, at)?;
                    tags.push(tag);
                    Some(end)
                })?;
                hashtags = Some(tags);
                Some(end)
            }
            b"hashtags" => None,
            _ => json_scan::value_end(bytes, at),
        })?;
        let hashtags = hashtags.unwrap_or_default();
        Some((Entities { hashtags }, end))
    })
}

/// One hashtag entity: its `text` (v1.1) or `tag` (v2), required, given once.
fn hashtag_entity(bytes: &[u8], at: usize) -> Option<(HashtagEntity<'_>, usize)> {
    let mut text = None;
    let end = json_scan::object_end(bytes, at, |key, at| match key {
        b"text" | b"tag" if text.is_none() => {
            let (tag, end) = string(bytes, at)?;
            text = Some(tag?.0);
            Some(end)
        }
        b"text" | b"tag" => None,
        _ => json_scan::value_end(bytes, at),
    })?;
    Some((HashtagEntity { text: text? }, end))
}
