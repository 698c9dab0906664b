//! Harness for end-to-end tests: runs the real `producer` and `consumer` binaries against a
//! real broker over TCP and checks their results against an independent reference.
//!
//! The broker address comes from `TRENDS_TEST_BOOTSTRAP` (scripts/test.sh starts a local
//! broker and sets it; point it at your own Apache Kafka to test against that instead).
//! Every test uses its own topic and consumer group, so tests can run in parallel.
//!
//! - [`proc`]: our binaries and other processes, their output and logs;
//! - [`kafka`]: names, topics, and reading topics back;
//! - [`input`]: generated and hand-made tweet files;
//! - [`reference`]: the oracle, expected results computed straight from the input;
//! - [`run`]: one input topic and the producers and consumers a test runs over it;
//! - [`brokers`]: brokers of a test's own, to kill and restart;
//! - `server`: what the three stand-ins below share: a local port, serving it, stopping;
//! - [`standin`]: a local stand-in of Twitter's streaming APIs;
//! - [`jetstream`]: a local stand-in of Bluesky's Jetstream;
//! - [`mastodon`]: a local stand-in of a Mastodon instance (streaming API, REST timeline);
//! - [`browser`]: a headless Chromium for the dashboard.

pub mod brokers;
pub mod browser;
pub mod input;
pub mod jetstream;
pub mod kafka;
pub mod mastodon;
pub mod proc;
pub mod reference;
pub mod run;
mod server;
pub mod standin;
