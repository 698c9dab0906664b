//! Shared building blocks of the trends pipeline: the tweet model (v1.1 and v2 shapes), hashtag
//! extraction, layered configuration, Kafka client settings, logging and exit codes.

pub mod cli;
pub mod exit;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod hashtag;
mod json_scan;
pub mod kafka;
pub mod logging;
pub mod settings;
mod snippet;
pub mod timestamp;
pub mod tweet;
pub mod window_spec;
