//! `producer`: reads tweets from a source and publishes each tweet's original JSON to Kafka.

mod pace;
mod publish;
mod resume;
mod sink;
mod source;
mod twitter;

use std::io::{self, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use clap::Parser;
use tracing::{error, info};

use common::cli::{push, stop_on_signals, CommonArgs};
use common::exit::{self, reason, Reason};
use common::kafka::ensure_topic;
use common::settings::{Override, Secret, Settings, SinkKind, SourceKind, TwitterSettings};
use common::shutdown::Shutdown;

use pace::Pacer;
use publish::{publish, Limits, PublishError, Summary};
use resume::{ResumeError, ResumeFile};
use sink::{KafkaSink, SinkError, StdoutSink};
use source::file::FileSource;
use source::synthetic::{Synthetic, SyntheticConfig};
use source::{Event, SourceError};
use twitter::client::StreamSpec;
use twitter::TwitterSource;

/// Publish tweets to Kafka from a replay file, a seeded synthetic generator or the Twitter API
/// (twitter-v1: CONSUMER_KEY, CONSUMER_SECRET, ACCESS_TOKEN, ACCESS_SECRET; twitter-v2:
/// TWITTER_BEARER_TOKEN).
///
/// Every flag overrides the same key from the config file and the environment
/// (TRENDS__SECTION__KEY, e.g. TRENDS__KAFKA__BOOTSTRAP_SERVERS). Exit codes: 0 every tweet
/// acknowledged, 1 some tweet not acknowledged or runtime failure, 2 bad configuration or
/// unreadable input, 3 Twitter credentials rejected or missing, 4 Kafka unreachable.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// Tweet source: synthetic, file, twitter-v1 or twitter-v2 (producer.source; --file implies
    /// file).
    #[arg(long, value_name = "SOURCE")]
    source: Option<String>,
    /// JSON-lines file of v1.1 or v2 tweets, plain or gzip (producer.file).
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// File replay: record how far the file is safely published in this file, and resume
    /// from there when restarted (producer.checkpoint).
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
        push(&mut out, "twitter.api_base", self.api_base.clone());
        push(
            &mut out,
            "twitter.locations",
            self.locations.clone().map(|b| vec![b]),
        );
        for (key, list) in [
            ("twitter.track", &self.track),
            ("twitter.follow", &self.follow),
            ("twitter.language", &self.language),
        ] {
            push(&mut out, key, (!list.is_empty()).then(|| list.clone()));
        }
        out
    }
}

/// The producer's typed errors that end it with an exit code other than a runtime failure.
const EXIT_REASONS: [Reason; 3] = [
    reason::<SourceError>,
    reason::<ResumeError>,
    reason::<SinkError>,
];

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match cli.common.load_settings("producer", cli.overrides()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    common::logging::init(settings.log.format);
    match run(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            error!("{error}");
            exit::code(error.as_ref(), &EXIT_REASONS)
        }
    }
}

fn run(settings: &Settings) -> anyhow::Result<()> {
    let shutdown = stop_on_signals().map_err(|e| anyhow!("cannot install signal handler: {e}"))?;
    let mut resume = open_checkpoint(settings)?;
    let skip = resume.as_ref().map_or(0, ResumeFile::line);
    let source = open_source(settings, &shutdown, skip)?;
    let pacer = match settings.producer.source {
        SourceKind::File => Pacer::event_time(settings.producer.speed),
        SourceKind::Synthetic => Pacer::rate(settings.synthetic.rate),
        SourceKind::TwitterV1 | SourceKind::TwitterV2 => Pacer::Unpaced,
    };
    let limits = Limits {
        max_tweets: settings.producer.limit,
        max_duration: settings.producer.duration,
    };
    let (summary, outcome) = match settings.producer.sink {
        SinkKind::Stdout => {
            let mut sink = StdoutSink::new(BufWriter::with_capacity(1 << 16, io::stdout().lock()));
            publish(source, &mut sink, pacer, limits, &shutdown, None)
        }
        SinkKind::Kafka => {
            ensure_kafka_topic(settings)?;
            let mut sink = KafkaSink::new(&settings.kafka)?;
            info!(topic = %settings.kafka.topic, bootstrap = %settings.kafka.bootstrap_servers, "publishing");
            publish(source, &mut sink, pacer, limits, &shutdown, resume.as_mut())
        }
    };
    report(summary, outcome)
}

fn report(summary: Summary, outcome: Result<(), PublishError>) -> anyhow::Result<()> {
    info!("producer summary: {summary}");
    match outcome {
        Err(PublishError::Source(e)) => Err(e.into()),
        Err(PublishError::Sink(e)) => Err(e.into()),
        Ok(()) if !summary.all_delivered() => {
            bail!("some tweets were not acknowledged by the broker")
        }
        Ok(()) => Ok(()),
    }
}

fn ensure_kafka_topic(settings: &Settings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow!("cannot start runtime: {e}"))?;
    Ok(runtime.block_on(ensure_topic(&settings.kafka))?)
}

type Source = Box<dyn Iterator<Item = Result<Event, SourceError>>>;

/// The resume checkpoint of a file replay into Kafka, when one is configured.
fn open_checkpoint(settings: &Settings) -> Result<Option<ResumeFile>, ResumeError> {
    let p = &settings.producer;
    let Some(path) = &p.checkpoint else {
        return Ok(None);
    };
    let (SourceKind::File, Some(file), SinkKind::Kafka) = (p.source, &p.file, p.sink) else {
        return Err(ResumeError::NotAFileReplay);
    };
    let resume = ResumeFile::open(path, file)?;
    if resume.line() > 0 {
        info!(line = resume.line(), checkpoint = %path.display(), "resuming the replay after this line");
    }
    Ok(Some(resume))
}

/// Opens the configured source; a file replay starts after line `skip`.
fn open_source(settings: &Settings, shutdown: &Shutdown, skip: u64) -> Result<Source, SourceError> {
    let now_ms = chrono::Utc::now().timestamp() * 1000;
    match settings.producer.source {
        kind @ (SourceKind::TwitterV1 | SourceKind::TwitterV2) => {
            let twitter = twitter_settings(settings);
            let spec = match kind {
                SourceKind::TwitterV1 => StreamSpec::v1(twitter),
                _ => StreamSpec::v2(twitter),
            }?;
            let stream = TwitterSource::start(spec, settings.twitter.queue, shutdown);
            Ok(Box::new(stream))
        }
        SourceKind::File => {
            let path = settings.producer.file.as_deref().ok_or_else(|| {
                SourceError::Config("producer.file must be set for the file source".into())
            })?;
            let mut file = FileSource::open(path, now_ms)?;
            file.skip_lines(skip)?;
            Ok(Box::new(file))
        }
        SourceKind::Synthetic => {
            let start_ms = match &settings.synthetic.start {
                Some(text) => chrono::DateTime::parse_from_rfc3339(text)
                    .map_err(|e| SourceError::Config(format!("synthetic.start: {e}")))?
                    .timestamp_millis(),
                None => now_ms,
            };
            let generator = Synthetic::new(SyntheticConfig {
                seed: settings.synthetic.seed,
                start_ms,
                events_per_second: settings.synthetic.effective_events_per_second(),
            });
            Ok(Box::new(generator.map(|r| Ok(Event::Tweet(r)))))
        }
    }
}

/// Twitter settings with credentials from the tutorials' environment variables, which take
/// precedence over the config file.
fn twitter_settings(settings: &Settings) -> TwitterSettings {
    let mut twitter = settings.twitter.clone();
    for (var, slot) in [
        ("CONSUMER_KEY", &mut twitter.consumer_key),
        ("CONSUMER_SECRET", &mut twitter.consumer_secret),
        ("ACCESS_TOKEN", &mut twitter.access_token),
        ("ACCESS_SECRET", &mut twitter.access_secret),
        ("TWITTER_BEARER_TOKEN", &mut twitter.bearer_token),
    ] {
        if let Ok(value) = std::env::var(var) {
            *slot = Secret::new(value);
        }
    }
    twitter
}
