//! The plumbing both binaries share: layered configuration, Kafka client settings, logging, the
//! command line, shutdown and exit codes. The tweet model they pass around is in
//! the `model` crate.

pub mod cli;
pub mod exit;
pub mod kafka;
pub mod logging;
pub mod settings;
pub mod shutdown;
