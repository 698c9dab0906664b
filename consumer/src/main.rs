//! `consumer`: a consumer-group member that reads raw tweets, counts hashtags in event-time
//! windows and prints the top trends of every closed window.

mod driver;
mod merge;
mod pipeline;
mod sink;
mod topn;
mod watermarks;
mod window;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tracing::{error, info};

use common::cli::{push, stop_on_signals, CommonArgs};
use common::exit;
use common::kafka::{ensure_topic, KafkaSetupError};
use common::settings::Override;

/// Count trending hashtags from the raw-twitter topic in event-time windows.
///
/// Every flag overrides the same key from the config file and the environment
/// (TRENDS__SECTION__KEY, e.g. TRENDS__CONSUMER__GROUP_ID). Exit codes: 0 ok, 1 runtime
/// failure, 2 bad configuration, 4 Kafka unreachable.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// Consumer group id (consumer.group_id).
    #[arg(long, value_name = "ID")]
    group_id: Option<String>,
    /// Tumbling window size, e.g. 10s, 1m (consumer.window).
    #[arg(long, value_name = "DURATION")]
    window: Option<String>,
    /// Allowed lateness of out-of-order tweets, e.g. 5s (consumer.allowed_lateness).
    #[arg(long, value_name = "DURATION")]
    lateness: Option<String>,
    /// Hashtags shown per window (consumer.top).
    #[arg(long, value_name = "N")]
    top: Option<i64>,
    /// Where a group with no committed offset starts: earliest or latest
    /// (consumer.auto_offset_reset).
    #[arg(long, value_name = "POLICY")]
    offset_reset: Option<String>,
    /// How often offsets are committed, e.g. 5s (consumer.commit_interval).
    #[arg(long, value_name = "DURATION")]
    commit_interval: Option<String>,
    /// Stop when every assigned partition is read to its end, emitting all windows
    /// (consumer.until_end).
    #[arg(long)]
    until_end: bool,
    /// Append every closed window's counts per partition to this file as JSON lines
    /// (consumer.counts_file).
    #[arg(long, value_name = "PATH")]
    counts_file: Option<PathBuf>,
}

impl Cli {
    fn overrides(&self) -> Vec<Override> {
        let mut out = Vec::new();
        push(&mut out, "consumer.group_id", self.group_id.clone());
        push(&mut out, "consumer.window", self.window.clone());
        push(&mut out, "consumer.allowed_lateness", self.lateness.clone());
        push(&mut out, "consumer.top", self.top);
        push(
            &mut out,
            "consumer.auto_offset_reset",
            self.offset_reset.clone(),
        );
        push(
            &mut out,
            "consumer.commit_interval",
            self.commit_interval.clone(),
        );
        push(
            &mut out,
            "consumer.until_end",
            self.until_end.then_some(true),
        );
        push(
            &mut out,
            "consumer.counts_file",
            self.counts_file.as_ref().map(|p| p.display().to_string()),
        );
        out
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cli.common.load_settings("consumer", cli.overrides()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    common::logging::init(settings.log.format);

    let stop = match stop_on_signals() {
        Ok(stop) => stop,
        Err(e) => {
            error!("cannot install signal handler: {e}");
            return ExitCode::from(exit::FAILURE as u8);
        }
    };

    let setup = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| Ok(rt.block_on(ensure_topic(&settings.kafka))?));
    if let Err(e) = setup {
        error!("{e:#}");
        let code = e
            .downcast_ref::<KafkaSetupError>()
            .map_or(exit::FAILURE, KafkaSetupError::exit_code);
        return ExitCode::from(code as u8);
    }

    match driver::run(&settings, &stop) {
        Ok(stats) => {
            info!(
                consumed = stats.consumed,
                counted = stats.counted,
                late = stats.late,
                rejected = stats.rejected,
                windows = stats.windows,
                "consumer stopped"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("{e:#}");
            ExitCode::from(exit::FAILURE as u8)
        }
    }
}
