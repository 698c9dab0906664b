//! Tweet `created_at` values in both API shapes, as milliseconds since the Unix epoch.

use chrono::{DateTime, TimeZone, Utc};

/// v1.1 writes `Wed Oct 10 20:19:24 +0000 2018`.
const V1_FORMAT: &str = "%a %b %d %H:%M:%S %z %Y";

/// A `created_at` that is in neither the v1.1 nor the v2 (RFC 3339) format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised created_at \"{0}\" (expected e.g. \"Wed Oct 10 20:19:24 +0000 2018\" or \"2018-10-10T20:19:24.000Z\")")]
pub struct TimestampError(pub String);

/// Parses a v1.1 or v2 `created_at` into epoch milliseconds.
pub fn parse_created_at(text: &str) -> Result<i64, TimestampError> {
    let parsed = if text.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        DateTime::parse_from_rfc3339(text)
    } else {
        DateTime::parse_from_str(text, V1_FORMAT)
    };
    parsed
        .map(|t| t.timestamp_millis())
        .map_err(|_| TimestampError(text.to_owned()))
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

    proptest! {
        #[test]
        fn v1_format_round_trips(secs in 0i64..4_000_000_000) {
            let ms = secs * 1000;
            prop_assert_eq!(parse_created_at(&format_v1(ms)), Ok(ms));
        }
    }
}
