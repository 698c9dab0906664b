//! Logs for the stand-in, derived from the recorded Jetstream events
//! (../shared/fixtures/social/bluesky-jetstream.jsonl): copies of the production capture, each
//! moved later in time and given its own record keys, so a test has more posts than the 17 of
//! the capture, at times near the test's own.
//!
//! Copy `k` of an event moves its `time_us` and its record's `createdAt` by the same amount
//! (copy 0 starts at the time asked for; each further copy one second later, beyond the capture's
//! 0.318 s span, so copies do not interleave) and appends `k` to its record key (so each copy's
//! at-uris are new). Everything else, and the capture's order with its unsorted `time_us`, is
//! kept.

use std::path::PathBuf;

use serde_json::Value;

/// Lines of the fixture that are the 2026 production capture (the rest are older README
/// examples, whose times are two years away).
const CAPTURE_LINES: usize = 152;

/// How far apart the copies start.
const COPY_STEP_US: i64 = 1_000_000;

/// The production capture's events, one JSON line each, in recorded order.
///
/// # Panics
/// If the fixture cannot be read.
pub fn recorded() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/social/bluesky-jetstream.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .take(CAPTURE_LINES)
        .map(str::to_owned)
        .collect()
}

/// `copies` copies of `events`, the first moved to start at `first_time_us` (to the
/// millisecond, so `createdAt` moves exactly as `time_us` does).
pub fn copies(events: &[String], copies: u32, first_time_us: i64) -> Vec<String> {
    let parsed: Vec<Value> = events
        .iter()
        .map(|e| serde_json::from_str(e).expect("a Jetstream event"))
        .collect();
    let earliest = parsed
        .iter()
        .map(|v| v["time_us"].as_i64().expect("time_us"))
        .min()
        .unwrap_or(first_time_us);
    let base_shift_us = (first_time_us - earliest).div_euclid(1000) * 1000;
    (0..copies)
        .flat_map(|k| {
            let shift_us = base_shift_us + i64::from(k) * COPY_STEP_US;
            parsed.iter().map(move |v| moved(v.clone(), shift_us, k))
        })
        .collect()
}

/// One event of copy `k`, moved by `shift_us`.
fn moved(mut v: Value, shift_us: i64, k: u32) -> String {
    let time_us = v["time_us"].as_i64().expect("time_us");
    v["time_us"] = Value::from(time_us + shift_us);
    if let Some(commit) = v.get_mut("commit") {
        let rkey = commit["rkey"].as_str().expect("rkey");
        commit["rkey"] = Value::from(format!("{rkey}{k}"));
        if let Some(created) = commit.pointer_mut("/record/createdAt") {
            let at = chrono::DateTime::parse_from_rfc3339(created.as_str().expect("createdAt"))
                .expect("RFC 3339 createdAt");
            let later = at + chrono::Duration::microseconds(shift_us);
            *created = Value::from(
                later
                    .with_timezone(&chrono::Utc)
                    .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                    .to_string(),
            );
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_move_times_together_and_get_their_own_keys() {
        let recorded = recorded();
        assert_eq!(recorded.len(), CAPTURE_LINES);
        let start = 1_800_000_000_000_000;
        let log = copies(&recorded, 3, start);
        assert_eq!(log.len(), 3 * CAPTURE_LINES);
        let times: Vec<i64> = log
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["time_us"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        let first = *times[..CAPTURE_LINES].iter().min().unwrap();
        assert!(
            start - 1000 < first && first <= start,
            "{first}: to the millisecond"
        );
        let second = &times[CAPTURE_LINES..2 * CAPTURE_LINES];
        assert_eq!(second.iter().min(), Some(&(first + COPY_STEP_US)));
        assert!(
            times[..CAPTURE_LINES].iter().max() < second.iter().min(),
            "no interleaving"
        );
        // The second line of the capture is a post: its copy 2, moved 2 s more than copy 0.
        let (a, b): (Value, Value) = (
            serde_json::from_str(&log[1]).unwrap(),
            serde_json::from_str(&log[2 * CAPTURE_LINES + 1]).unwrap(),
        );
        let original: Value = serde_json::from_str(&recorded[1]).unwrap();
        let rkey = original["commit"]["rkey"].as_str().unwrap();
        assert_eq!(b["commit"]["rkey"], format!("{rkey}2"));
        let created = |v: &Value| {
            chrono::DateTime::parse_from_rfc3339(
                v["commit"]["record"]["createdAt"].as_str().unwrap(),
            )
            .unwrap()
            .timestamp_micros()
        };
        assert_eq!(created(&b) - created(&a), 2 * COPY_STEP_US);
        assert_eq!(
            b["time_us"].as_i64().unwrap() - a["time_us"].as_i64().unwrap(),
            2 * COPY_STEP_US
        );
    }
}
