//! Command-line flags both binaries accept, mapped onto the settings tree so that flags are the
//! highest-precedence configuration layer.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Args;

use crate::exit;
use crate::settings::{Override, Settings};

/// Flags shared by producer and consumer.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Configuration file (TOML); see config/example.toml.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Kafka bootstrap servers, host:port[,host:port...].
    #[arg(long, value_name = "LIST")]
    pub bootstrap_servers: Option<String>,
    /// Topic carrying the raw tweets.
    #[arg(long, value_name = "NAME")]
    pub topic: Option<String>,
    /// Log format: human or json (verbosity from RUST_LOG).
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
}

impl CommonArgs {
    /// The overrides these flags imply.
    pub fn overrides(&self) -> Vec<Override> {
        let mut out = Vec::new();
        push(
            &mut out,
            "kafka.bootstrap_servers",
            self.bootstrap_servers.clone(),
        );
        push(&mut out, "kafka.topic", self.topic.clone());
        push(&mut out, "log.format", self.log_format.clone());
        out
    }

    /// Loads settings with `extra` flag overrides, or reports the problem on one line and
    /// returns the usage exit code.
    pub fn load_settings(&self, program: &str, extra: Vec<Override>) -> Result<Settings, ExitCode> {
        let mut overrides = self.overrides();
        overrides.extend(extra);
        Settings::load(self.config.as_deref(), &overrides).map_err(|e| {
            eprintln!("{program}: {e}");
            ExitCode::from(exit::USAGE as u8)
        })
    }
}

/// Adds an override for `key` when the flag was given.
pub fn push<V: Into<config::Value>>(out: &mut Vec<Override>, key: &'static str, value: Option<V>) {
    if let Some(v) = value {
        out.push(Override::new(key, v));
    }
}

/// A flag that SIGINT and SIGTERM set, so the binaries can finish their batch, flush, commit
/// and exit cleanly instead of dying mid-write.
pub fn stop_on_signals() -> std::io::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(stop)
}
