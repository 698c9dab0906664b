//! The plumbing both binaries share: layered configuration, Kafka client settings, logging, the
//! command line, shutdown, exit codes and error reports. The tweet model they pass around is in
//! the `model` crate.

pub mod cli;
pub mod exit;
pub mod kafka;
pub mod logging;
pub mod report;
pub mod settings;
pub mod shutdown;
