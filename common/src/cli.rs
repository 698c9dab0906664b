//! Command-line flags both binaries accept, mapped onto the settings tree so that flags are the
//! highest-precedence configuration layer.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tracing::warn;

use crate::exit;
use crate::settings::{Override, Settings};
use crate::shutdown::Shutdown;
use model::report::Report;

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

    /// Loads settings with `extra` flag overrides, or reports the problem with its cause on one
    /// line and returns the usage exit code.
    pub fn load_settings(&self, program: &str, extra: Vec<Override>) -> Result<Settings, ExitCode> {
        let mut overrides = self.overrides();
        overrides.extend(extra);
        Settings::load(self.config.as_deref(), &overrides).map_err(|e| {
            eprintln!("{program}: {}", Report(&e));
            exit::code(&e, &[])
        })
    }
}

/// Adds an override for `key` when the flag was given.
pub fn push<V: Into<config::Value>>(out: &mut Vec<Override>, key: &'static str, value: Option<V>) {
    if let Some(v) = value {
        out.push(Override::new(key, v));
    }
}

/// How long a binary may take to stop after SIGINT or SIGTERM: it finishes its batch, flushes
/// and commits within this, or is ended anyway (exit code [`exit::SHUTDOWN_TIMEOUT`]). Ending a
/// consumer mid-commit loses nothing: uncommitted work is replayed from its checkpoints.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A shutdown that SIGINT and SIGTERM trigger, so the binaries can finish their batch, flush,
/// commit and exit cleanly instead of dying mid-write. The process exits anyway
/// [`SHUTDOWN_GRACE`] after the first signal, or at once on a second one.
pub fn stop_on_signals() -> std::io::Result<Shutdown> {
    let shutdown = Shutdown::new();
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let on_signal = shutdown.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if on_signal.is_triggered() {
                    warn!(signal, "second signal; exiting now");
                    std::process::exit(exit::SHUTDOWN_TIMEOUT);
                }
                on_signal.trigger();
                std::thread::spawn(|| {
                    std::thread::sleep(SHUTDOWN_GRACE);
                    warn!(
                        "not stopped within {}s of the signal; exiting now",
                        SHUTDOWN_GRACE.as_secs()
                    );
                    std::process::exit(exit::SHUTDOWN_TIMEOUT);
                });
            }
        })?;
    Ok(shutdown)
}
