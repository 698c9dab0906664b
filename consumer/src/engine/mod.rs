//! Counting and merging, pure: parsed tweets in, per-partition window counts, exact merged
//! windows and run totals out. No Kafka, no network, no files.

pub mod count;
pub mod counts;
pub(crate) mod dedup;
pub mod inputs;
pub mod merge;
pub mod partial;
pub mod rising;
pub mod sentiment;
pub mod sources;
pub(crate) mod spacesaving;
pub mod stats;
pub mod topn;
pub mod window;
