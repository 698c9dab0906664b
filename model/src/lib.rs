//! The pure core of the pipeline's data: the tweet model (v1.1 and v2 shapes) and its parsers,
//! hashtag extraction, `created_at` timestamps, the `--window` syntax, and how an error is shown
//! with its causes (`report`, which both binaries use). Nothing here talks to
//! Kafka, the network or files, so the fuzz target and the benchmarks link only this.

#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod hashtag;
pub mod jetstream;
mod json_scan;
pub mod mastodon;
pub mod post;
pub mod report;
mod snippet;
pub mod timestamp;
pub mod tweet;
pub mod window_spec;
