//! The trends consumer: a consumer-group member that counts hashtags of the raw tweets in
//! event-time windows (the counting stage) and merges every partition's counts into exact
//! results (the merging stage). A library so that benchmarks run exactly the code path the
//! binary runs; the binary is `main.rs`.

pub mod checkpoint;
pub mod counts;
pub mod dedup;
pub mod driver;
pub mod http;
pub mod merge;
pub mod metrics;
pub mod partial;
pub mod pipeline;
pub mod results;
pub mod results_reader;
pub mod results_view;
pub mod run_stats;
pub mod schema;
pub mod sentiment;
pub mod sink;
pub mod spacesaving;
pub mod table;
pub mod topn;
pub mod window;
