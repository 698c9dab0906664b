//! `producer`: reads posts from a source and publishes each one's original JSON to Kafka.
//! This file is the command line; `app` wires the settings into a run.

mod app;
mod publish;
mod sink;
mod source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tracing::error;

use common::cli::{push, CommonArgs};
use common::exit;
use common::settings::Override;
use model::report::Report;

/// Publish posts to Kafka from a replay file, a seeded synthetic generator, the Twitter API
/// (twitter-v1: CONSUMER_KEY, CONSUMER_SECRET, ACCESS_TOKEN, ACCESS_SECRET; twitter-v2:
/// TWITTER_BEARER_TOKEN), Bluesky's Jetstream (no credentials) or a Mastodon instance
/// (MASTODON_ACCESS_TOKEN).
///
/// Every flag overrides the same key from the config file and the environment
/// (TRENDS__SECTION__KEY, e.g. TRENDS__KAFKA__BOOTSTRAP_SERVERS). Exit codes: 0 every tweet
/// acknowledged, 1 some tweet not acknowledged or runtime failure, 2 bad configuration or
/// unreadable input, 3 credentials rejected or missing, 4 Kafka unreachable.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// Post source: synthetic, file, twitter-v1, twitter-v2, bluesky or mastodon
    /// (producer.source; --file implies file).
    #[arg(long, value_name = "SOURCE")]
    source: Option<String>,
    /// JSON-lines file of v1.1 or v2 tweets, Jetstream events or Mastodon statuses, plain or
    /// gzip (producer.file).
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// File replay, bluesky or mastodon, into Kafka: record in this file how far the input is
    /// safely published (a line, a Jetstream cursor, a status id), and resume from there when
    /// restarted (producer.checkpoint).
    #[arg(long, value_name = "PATH")]
    checkpoint: Option<PathBuf>,
    /// File replay speed: 0 = as fast as possible, otherwise created_at gaps divided by this
    /// factor (producer.speed).
    #[arg(long, value_name = "FACTOR")]
    speed: Option<f64>,
    /// Destination: kafka or stdout (producer.sink).
    #[arg(long, value_name = "SINK")]
    sink: Option<String>,
    /// Stop after this many tweets (producer.limit).
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Stop after this long, e.g. 30s, 5m (producer.duration).
    #[arg(long, value_name = "DURATION")]
    duration: Option<String>,
    /// Synthetic generator seed (synthetic.seed).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Synthetic publishing rate in tweets/s, 0 = unthrottled (synthetic.rate).
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// Synthetic event-time density in tweets per second of created_at; default: the rate,
    /// or 100 when unthrottled (synthetic.events_per_second).
    #[arg(long, value_name = "PER_SECOND")]
    events_per_second: Option<f64>,
    /// created_at of the first synthetic tweet, RFC 3339 (synthetic.start; default now).
    #[arg(long, value_name = "TIME")]
    start: Option<String>,
    /// Synthetic message shape: v1 (v1.1 statuses/filter) or v2 (v2 filtered stream with
    /// includes) (synthetic.shape).
    #[arg(long, value_name = "SHAPE")]
    shape: Option<String>,
    /// Synthetic v1 stream: interleave delete notices and stall warnings, which the producer
    /// skips and counts; default: true with --sink stdout, false into Kafka
    /// (synthetic.stream_notices).
    #[arg(long, value_name = "BOOL")]
    stream_notices: Option<bool>,
    /// Synthetic bursts: every this much event time (created_at) a hashtag never seen before
    /// rises and fades, the first one this long after --start; 0s = no bursts
    /// (synthetic.burst_every, default 2m).
    #[arg(long, value_name = "DURATION")]
    burst_every: Option<String>,
    /// How long a burst lasts, at most --burst-every (synthetic.burst_length, default 1m).
    #[arg(long, value_name = "DURATION")]
    burst_length: Option<String>,
    /// Share of tweets carrying the burst's hashtag at its middle, rising to it from 0 and
    /// falling back to 0, in (0, 1] (synthetic.burst_peak, default 0.1).
    #[arg(long, value_name = "SHARE")]
    burst_peak: Option<f64>,
    /// Twitter API base URL (twitter.api_base).
    #[arg(long, value_name = "URL")]
    api_base: Option<String>,
    /// twitter-v1: phrases to track, comma-separated (twitter.track).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    track: Vec<String>,
    /// twitter-v1: user ids to follow, comma-separated (twitter.follow).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    follow: Vec<String>,
    /// twitter-v1: one bounding box "sw_lon,sw_lat,ne_lon,ne_lat" (twitter.locations).
    #[arg(long, value_name = "BOX")]
    locations: Option<String>,
    /// twitter-v1: language codes, comma-separated (twitter.language).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    language: Vec<String>,
    /// bluesky: Jetstream subscribe URLs, comma-separated, tried in order (bluesky.endpoints).
    #[arg(long, value_name = "URLS", value_delimiter = ',')]
    jetstream: Vec<String>,
    /// mastodon: the instance's base URL, e.g. https://mastodon.social (mastodon.instance);
    /// the token comes from MASTODON_ACCESS_TOKEN.
    #[arg(long, value_name = "URL")]
    instance: Option<String>,
    /// mastodon: public, local or hashtag:TAG (mastodon.timeline).
    #[arg(long, value_name = "TIMELINE")]
    timeline: Option<String>,
}

impl Cli {
    fn overrides(&self) -> Vec<Override> {
        let mut out = Vec::new();
        let source = self
            .source
            .clone()
            .or_else(|| self.file.as_ref().map(|_| "file".to_owned()));
        push(&mut out, "producer.source", source);
        push(
            &mut out,
            "producer.file",
            self.file.as_ref().map(|p| p.display().to_string()),
        );
        push(
            &mut out,
            "producer.checkpoint",
            self.checkpoint.as_ref().map(|p| p.display().to_string()),
        );
        push(&mut out, "producer.speed", self.speed);
        push(&mut out, "producer.sink", self.sink.clone());
        push(&mut out, "producer.limit", self.limit);
        push(&mut out, "producer.duration", self.duration.clone());
        push(&mut out, "synthetic.seed", self.seed);
        push(&mut out, "synthetic.rate", self.rate);
        push(
            &mut out,
            "synthetic.events_per_second",
            self.events_per_second,
        );
        push(&mut out, "synthetic.start", self.start.clone());
        push(&mut out, "synthetic.shape", self.shape.clone());
        push(&mut out, "synthetic.stream_notices", self.stream_notices);
        push(&mut out, "synthetic.burst_every", self.burst_every.clone());
        push(
            &mut out,
            "synthetic.burst_length",
            self.burst_length.clone(),
        );
        push(&mut out, "synthetic.burst_peak", self.burst_peak);
        push(&mut out, "twitter.api_base", self.api_base.clone());
        push(
            &mut out,
            "twitter.locations",
            self.locations.clone().map(|b| vec![b]),
        );
        push(&mut out, "mastodon.instance", self.instance.clone());
        push(&mut out, "mastodon.timeline", self.timeline.clone());
        // --topic names where this run publishes, whichever source's topic that is.
        push(&mut out, "bluesky.topic", self.common.topic.clone());
        push(&mut out, "mastodon.topic", self.common.topic.clone());
        for (key, list) in [
            ("twitter.track", &self.track),
            ("twitter.follow", &self.follow),
            ("twitter.language", &self.language),
            ("bluesky.endpoints", &self.jetstream),
        ] {
            push(&mut out, key, (!list.is_empty()).then(|| list.clone()));
        }
        out
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cli.common.load_settings("producer", cli.overrides()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    common::logging::init(settings.log.format);
    match app::run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error!("{}", Report(error.as_ref()));
            exit::code(error.as_ref(), &app::EXIT_REASONS)
        }
    }
}
