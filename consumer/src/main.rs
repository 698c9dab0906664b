//! `consumer`: a consumer-group member that reads raw tweets, counts hashtags in event-time
//! windows and prints the top trends of every closed window.

use consumer::app;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tracing::error;

use common::cli::{push, CommonArgs};
use common::exit;
use common::settings::Override;
use model::report::Report;

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
    /// Windows, comma-separated: 10s or tumbling:10s, hopping:20s/10s (size/slide),
    /// cumulative:10s (running totals updated every 10s) (consumer.window).
    #[arg(long, value_name = "WINDOWS")]
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
    /// Append every merged window's counts to this file as JSON lines (consumer.counts_file).
    #[arg(long, value_name = "PATH")]
    counts_file: Option<PathBuf>,
    /// Topic every window's counts are published to (kafka.results_topic).
    #[arg(long, value_name = "TOPIC")]
    results_topic: Option<String>,
    /// Close the windows of a partition that received nothing for this long, e.g. 10s
    /// (consumer.idle_timeout).
    #[arg(long, value_name = "DURATION")]
    idle_timeout: Option<String>,
    /// Publish open windows' running counts, each hashtag's at most this often (a change to
    /// one without a record within the interval at once), e.g. 1s; 0s for final counts only
    /// (consumer.early_updates).
    #[arg(long, value_name = "DURATION")]
    early_updates: Option<String>,
    /// Track at most N hashtags per window and partition (Space-Saving, with error bounds);
    /// 0 counts exactly (consumer.max_hashtags).
    #[arg(long, value_name = "N")]
    max_hashtags: Option<i64>,
    /// count: a retweet is one more mention of its hashtags; skip: original tweets only
    /// (consumer.retweets).
    #[arg(long, value_name = "POLICY")]
    retweets: Option<String>,
    /// Stop after this many raw messages (consumer.limit).
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Stop after this long, e.g. 30s, 5m (consumer.duration).
    #[arg(long, value_name = "DURATION")]
    duration: Option<String>,
    /// Serve the JSON API, live stream, Prometheus metrics and dashboard on this address,
    /// e.g. 127.0.0.1:8080 (port 0: any free port, logged) (consumer.http).
    #[arg(long, value_name = "IP:PORT")]
    http: Option<SocketAddr>,
    /// Score tweets' sentiment and publish it with the counts: true or false
    /// (consumer.sentiment).
    #[arg(long, value_name = "BOOL")]
    sentiment: Option<bool>,
    /// Fraction of tweets whose sentiment is scored, chosen by tweet id, e.g. 0.25; 1 scores
    /// all (consumer.sentiment_sample).
    #[arg(long, value_name = "FRACTION")]
    sentiment_sample: Option<f64>,
    /// Rank a window's rising hashtags against this many window sizes of history; 0 turns
    /// rising rankings off (consumer.rising_history).
    #[arg(long, value_name = "K")]
    rising_history: Option<i64>,
    /// A hashtag counted fewer times in a window does not rise (consumer.rising_min_count).
    #[arg(long, value_name = "N")]
    rising_min_count: Option<i64>,
    /// The lowest score, in standard deviations above the baseline, that ranks as rising,
    /// e.g. 5 (consumer.rising_min_score).
    #[arg(long, value_name = "SCORE")]
    rising_min_score: Option<f64>,
    /// Added to the baseline under the score's square root, e.g. 1 (consumer.rising_prior).
    #[arg(long, value_name = "COUNT")]
    rising_prior: Option<f64>,
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
        push(&mut out, "kafka.results_topic", self.results_topic.clone());
        push(&mut out, "consumer.idle_timeout", self.idle_timeout.clone());
        push(
            &mut out,
            "consumer.early_updates",
            self.early_updates.clone(),
        );
        push(&mut out, "consumer.max_hashtags", self.max_hashtags);
        push(&mut out, "consumer.retweets", self.retweets.clone());
        push(&mut out, "consumer.limit", self.limit);
        push(&mut out, "consumer.duration", self.duration.clone());
        push(
            &mut out,
            "consumer.http",
            self.http.as_ref().map(ToString::to_string),
        );
        push(&mut out, "consumer.sentiment", self.sentiment);
        push(&mut out, "consumer.sentiment_sample", self.sentiment_sample);
        push(&mut out, "consumer.rising_history", self.rising_history);
        push(&mut out, "consumer.rising_min_count", self.rising_min_count);
        push(&mut out, "consumer.rising_min_score", self.rising_min_score);
        push(&mut out, "consumer.rising_prior", self.rising_prior);
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
    match app::run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{}", Report(e.as_ref()));
            exit::code(e.as_ref(), &[])
        }
    }
}
