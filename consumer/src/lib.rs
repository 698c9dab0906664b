//! The trends consumer: a consumer-group member that counts hashtags of the raw tweets in
//! event-time windows (the counting stage) and merges every partition's counts into exact
//! results (the merging stage). A library so that benchmarks run exactly the code path the
//! binary runs; the binary is `main.rs`.
//!
//! The folders follow the data: `engine` counts and merges (pure), `output` turns merged windows
//! into result records and console tables (pure), `driver` moves them between Kafka, the engine
//! and the console (I/O), `serve` shows what the result topic holds over HTTP, and `app` wires them together for the
//! binary.

pub mod app;
pub mod driver;
pub mod engine;
pub mod output;
pub mod serve;
