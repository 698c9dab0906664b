//! Tweet `created_at` values in both API shapes, as milliseconds since the Unix epoch.

use chrono::{DateTime, TimeZone, Utc};

use crate::snippet;

/// v1.1 writes `Wed Oct 10 20:19:24 +0000 2018`.
pub(crate) const V1_FORMAT: &str = "%a %b %d %H:%M:%S %z %Y";

/// A `created_at` that is in neither the v1.1 nor the v2 (RFC 3339) format. Holds the value
/// quoted, escaped and cut when long, so the message stays one short line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised created_at {0} (expected e.g. \"Wed Oct 10 20:19:24 +0000 2018\" or \"2018-10-10T20:19:24.000Z\")")]
pub struct TimestampError(pub(crate) String);

/// Parses a v1.1 or v2 `created_at` into epoch milliseconds.
pub(crate) fn parse_created_at(text: &str) -> Result<i64, TimestampError> {
    if let Some(ms) = parse_v1_fast(text.as_bytes()) {
        return Ok(ms);
    }
    let parsed = if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        DateTime::parse_from_rfc3339(text)
    } else {
        DateTime::parse_from_str(text, V1_FORMAT)
    };
    parsed
        .map(|t| t.timestamp_millis())
        .map_err(|_| TimestampError(snippet::quoted(text)))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];

/// The exact v1.1 layout `Wed Oct 10 20:19:24 +0000 2018`, parsed without chrono's format
/// interpreter, which costs as much as the rest of the tweet's hashtag counting. Returns
/// `None` for anything else, including an impossible date or a weekday that does not match it,
/// so the general parser decides (and reports) those.
fn parse_v1_fast(b: &[u8]) -> Option<i64> {
    if b.len() != 30
        || [3, 7, 10, 19, 25].iter().any(|&i| b[i] != b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let month = MONTHS.iter().position(|m| &b[4..7] == *m)? as i64 + 1;
    let (day, hour, minute, second) = (num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let (offset, year) = (num(21..25)?, num(26..30)?);
    let sign = match b[20] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day == 0 || day > month_days[month as usize - 1] || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let (offset_h, offset_m) = (offset / 100, offset % 100);
    if offset_h > 23 || offset_m > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b[0..3] != *WEEKDAYS[days.rem_euclid(7) as usize] {
        return None;
    }
    let local = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some((local - sign * (offset_h * 3_600 + offset_m * 60)) * 1_000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats epoch milliseconds the way v1.1 tweets carry them (second resolution).
pub fn format_v1(ms: i64) -> String {
    utc(ms).format(V1_FORMAT).to_string()
}

/// Formats epoch milliseconds for people: `2026-11-25 01:10:20`.
pub fn format_human(ms: i64) -> String {
    utc(ms).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Formats epoch milliseconds as RFC 3339 UTC (`2026-11-25T01:10:20Z`, with a fraction only
/// when there is one), the form used in result keys.
pub fn rfc3339(ms: i64) -> String {
    utc(ms).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_v1_and_v2() {
        assert_eq!(
            parse_created_at("Wed Oct 10 20:19:24 +0000 2018"),
            Ok(1_539_202_764_000)
        );
        assert_eq!(
            parse_created_at("2018-10-10T20:19:24.000Z"),
            Ok(1_539_202_764_000)
        );
        assert_eq!(
            parse_created_at("2018-10-10T20:19:24.250Z"),
            Ok(1_539_202_764_250)
        );
    }

    #[test]
    fn rejects_garbage_with_the_value_in_the_message() {
        let err = parse_created_at("yesterday").unwrap_err();
        assert!(err.to_string().contains("\"yesterday\""));
        assert!(parse_created_at("").is_err());
        assert!(parse_created_at("2018-13-40T00:00:00Z").is_err());
    }

    /// Found by fuzzing (the raw bytes of a mutated `limit` notice read as a `created_at`):
    /// escaping made the quoted value six times longer than the cut allowed for.
    #[test]
    fn an_odd_value_is_quoted_on_one_short_line() {
        let text = format!("{{\"limit\":{{\"{}track\":42}}}}", "\u{5}".repeat(60));
        let message = parse_created_at(&text).unwrap_err().to_string();
        assert!(message.chars().count() < 200, "{message}");
        assert!(
            message.starts_with(r#"unrecognised created_at "{\"limit\":{\"\u{5}"#),
            "{message}"
        );
    }

    fn chrono_v1(text: &str) -> Option<i64> {
        DateTime::parse_from_str(text, V1_FORMAT)
            .ok()
            .map(|t| t.timestamp_millis())
    }

    #[test]
    fn the_fast_v1_path_defers_to_chrono_on_anything_unusual() {
        for text in [
            "Thu Oct 10 20:19:24 +0000 2018", // wrong weekday
            "Wed Feb 29 20:19:24 +0000 2017", // no such day
            "Wed Oct 10 24:19:24 +0000 2018",
            "Wed Oct 10 20:19:24 +0000 18",
            "Wed Okt 10 20:19:24 +0000 2018",
            "Wed Oct 10 20:19:24 0000 2018",
        ] {
            assert_eq!(parse_v1_fast(text.as_bytes()), None, "{text}");
            assert_eq!(parse_created_at(text).ok(), chrono_v1(text), "{text}");
        }
        assert_eq!(
            parse_v1_fast(b"Wed Oct 10 22:19:24 +0200 2018"),
            chrono_v1("Wed Oct 10 22:19:24 +0200 2018")
        );
    }

    proptest! {
        #[test]
        fn v1_format_round_trips(secs in -2_000_000_000i64..8_000_000_000) {
            let ms = secs * 1000;
            prop_assert_eq!(parse_created_at(&format_v1(ms)), Ok(ms));
            prop_assert_eq!(parse_v1_fast(format_v1(ms).as_bytes()), Some(ms));
        }

        /// With any offset, and with any single character changed, the fast path agrees with
        /// chrono whenever it answers.
        #[test]
        fn the_fast_path_agrees_with_chrono(
            secs in 0i64..4_000_000_000,
            offset_minutes in -1439i64..1440,
            at in 0usize..30,
            replacement in prop::char::range(' ', '~'),
        ) {
            let local = Utc.timestamp_opt(secs + offset_minutes * 60, 0).unwrap();
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let m = offset_minutes.abs();
            let text = format!("{} {sign}{:02}{:02} {}", local.format("%a %b %d %H:%M:%S"), m / 60, m % 60, local.format("%Y"));
            prop_assert_eq!(parse_v1_fast(text.as_bytes()), chrono_v1(&text));
            let mut mutated: Vec<char> = text.chars().collect();
            mutated[at] = replacement;
            let mutated: String = mutated.into_iter().collect();
            if let Some(fast) = parse_v1_fast(mutated.as_bytes()) {
                prop_assert_eq!(Some(fast), chrono_v1(&mutated), "{}", mutated);
            }
        }
    }
}
