//! The window families a consumer computes, as written in `consumer.window`.
//!
//! One string holds them all so a single flag or environment variable can set several, e.g.
//! `tumbling:1m,hopping:20s/10s,cumulative:10s`. A bare duration means a tumbling window, which
//! keeps the simple case (`--window 10s`) simple.

use std::fmt;
use std::time::Duration;

/// One window family; durations are whole milliseconds greater than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WindowDef {
    /// Back-to-back windows of `size_ms` (Spark's `window(size)` over batches of that size).
    Tumbling { size_ms: i64 },
    /// Windows of `size_ms` starting every `slide_ms` (Spark's `window(20, 10)`); a tweet is in
    /// `size / slide` of them.
    Hopping { size_ms: i64, slide_ms: i64 },
    /// Running totals since the stream began, updated every `every_ms` (Spark's
    /// `updateStateByKey`).
    Cumulative { every_ms: i64 },
}

/// The label used in result keys and tables, e.g. `tumbling-10s`, `hopping-20s-10s`.
impl fmt::Display for WindowDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |ms: i64| humantime::format_duration(Duration::from_millis(ms as u64)).to_string();
        match *self {
            WindowDef::Tumbling { size_ms } => write!(f, "tumbling-{}", d(size_ms)),
            WindowDef::Hopping { size_ms, slide_ms } => {
                write!(f, "hopping-{}-{}", d(size_ms), d(slide_ms))
            }
            WindowDef::Cumulative { every_ms } => write!(f, "cumulative-{}", d(every_ms)),
        }
    }
}

/// Why a `--window` list could not be parsed: the entry that is wrong, and what is wrong with it.
/// The message says what is wrong first, then where, so the problem is part of this error's
/// own message rather than its `source` (which would print it again, after the entry).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{problem} in window \"{item}\"")]
pub struct WindowSpecError {
    item: String,
    problem: WindowProblem,
}

/// What is wrong with one entry of a `--window` list: the kind of a [`WindowSpecError`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum WindowProblem {
    #[error(transparent)]
    Duration(humantime::DurationError),
    #[error("hopping needs SIZE/SLIDE, e.g. hopping:20s/10s")]
    NoSlide,
    #[error("the slide must not be longer than the size")]
    SlideLongerThanSize,
    #[error(
        "unknown window kind \"{0}\" (expected tumbling:SIZE, hopping:SIZE/SLIDE or \
         cumulative:EVERY)"
    )]
    UnknownKind(String),
    #[error("durations must be whole milliseconds longer than 0")]
    NotWholeMilliseconds,
    #[error("duration too long")]
    TooLong,
}

/// Parses a comma-separated list of `SIZE`, `tumbling:SIZE`, `hopping:SIZE/SLIDE` and
/// `cumulative:EVERY`; repeated entries are kept once. The error says which part is wrong.
pub fn parse_windows(text: &str) -> Result<Vec<WindowDef>, WindowSpecError> {
    let mut out: Vec<WindowDef> = Vec::new();
    for item in text.split(',').map(str::trim) {
        let def = parse_one(item).map_err(|problem| WindowSpecError {
            item: item.to_owned(),
            problem,
        })?;
        if !out.contains(&def) {
            out.push(def);
        }
    }
    Ok(out)
}

fn parse_one(item: &str) -> Result<WindowDef, WindowProblem> {
    let (kind, args) = item.split_once(':').unwrap_or(("tumbling", item));
    match kind.trim() {
        "tumbling" => Ok(WindowDef::Tumbling {
            size_ms: millis(args)?,
        }),
        "hopping" => {
            let (size, slide) = args.split_once('/').ok_or(WindowProblem::NoSlide)?;
            let (size_ms, slide_ms) = (millis(size)?, millis(slide)?);
            if slide_ms > size_ms {
                return Err(WindowProblem::SlideLongerThanSize);
            }
            Ok(WindowDef::Hopping { size_ms, slide_ms })
        }
        "cumulative" => Ok(WindowDef::Cumulative {
            every_ms: millis(args)?,
        }),
        other => Err(WindowProblem::UnknownKind(other.to_owned())),
    }
}

fn millis(text: &str) -> Result<i64, WindowProblem> {
    let d = humantime::parse_duration(text.trim()).map_err(WindowProblem::Duration)?;
    if d.is_zero() || !d.subsec_nanos().is_multiple_of(1_000_000) {
        return Err(WindowProblem::NotWholeMilliseconds);
    }
    i64::try_from(d.as_millis()).map_err(|_| WindowProblem::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_the_bare_shorthand() {
        assert_eq!(
            parse_windows("10s, hopping:20s/10s ,cumulative:1m,tumbling:10s").unwrap(),
            [
                WindowDef::Tumbling { size_ms: 10_000 },
                WindowDef::Hopping {
                    size_ms: 20_000,
                    slide_ms: 10_000
                },
                WindowDef::Cumulative { every_ms: 60_000 },
            ]
        );
    }

    #[test]
    fn labels_are_readable_and_distinct() {
        let labels: Vec<String> = parse_windows("10s,hopping:1m/30s,cumulative:500ms")
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            labels,
            ["tumbling-10s", "hopping-1m-30s", "cumulative-500ms"]
        );
    }

    #[test]
    fn errors_name_the_bad_part() {
        for (text, needle) in [
            ("ten", "window \"ten\""),
            ("sliding:10s", "unknown window kind \"sliding\""),
            ("hopping:10s", "SIZE/SLIDE"),
            ("hopping:10s/20s", "slide must not be longer"),
            ("0s", "longer than 0"),
            ("10s,", "window \"\""),
            ("1500us", "whole milliseconds"),
        ] {
            let e = parse_windows(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
