//! Wiring a run from the settings: the source, its pacing and limits, the sink, the resume
//! checkpoint, and the publisher between them.

use std::io::{self, BufWriter};

use anyhow::{bail, Context as _};
use tracing::info;

use common::cli::stop_on_signals;
use common::exit::{reason, Reason};
use common::kafka::ensure_topic;
use common::settings::{KafkaSettings, Secret, Settings, SinkKind, SourceKind, TwitterSettings};
use common::shutdown::Shutdown;

use crate::publish::pace::Pacer;
use crate::publish::resume::{Progress, ResumeError, ResumeFile, Resumes};
use crate::publish::{publish, Limits, PublishError, Summary};
use crate::sink::{publishing_to, KafkaSink, SinkError, Stamp, StdoutSink};
use crate::source::bluesky;
use crate::source::file::FileSource;
use crate::source::mastodon;
use crate::source::synthetic::{Synthetic, SyntheticConfig};
use crate::source::twitter;
use crate::source::twitter::client::StreamSpec;
use crate::source::{Event, SourceError};

/// The producer's typed errors that end it with an exit code other than a runtime failure.
pub(crate) const EXIT_REASONS: [Reason; 3] = [
    reason::<SourceError>,
    reason::<ResumeError>,
    reason::<SinkError>,
];

type Source = Box<dyn Iterator<Item = Result<Event, SourceError>>>;

/// Publishes from the configured source to the configured sink until the source ends, a limit
/// is reached or a signal arrives; fails when a tweet was not acknowledged.
pub(crate) fn run(settings: &Settings) -> anyhow::Result<()> {
    let shutdown = stop_on_signals().context("cannot install signal handler")?;
    let mut resume = open_checkpoint(settings)?;
    let progress = Progress::default();
    let source = open_source(settings, &shutdown, resume.as_ref(), &progress)?;
    let (pacer, limits) = (pacer(settings), limits(settings));
    let (summary, outcome) = match settings.producer.sink {
        SinkKind::Stdout => {
            let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
            let mut sink = StdoutSink::new(out, progress);
            publish(source, &mut sink, pacer, limits, &shutdown, None)
        }
        SinkKind::Kafka => {
            let kafka = publishing_to(&settings.kafka, settings.producer_topic())?;
            ensure_kafka_topic(&kafka)?;
            let mut sink = KafkaSink::new(&kafka, progress, stamp(settings))?;
            info!(topic = %kafka.topic, bootstrap = %kafka.bootstrap_servers, "publishing");
            publish(source, &mut sink, pacer, limits, &shutdown, resume.as_mut())
        }
    };
    report(summary, outcome)
}

/// Bluesky's event times are recent by construction; every other source's may be old.
fn stamp(settings: &Settings) -> Stamp {
    match settings.producer.source {
        SourceKind::Bluesky => Stamp::EventTime,
        _ => Stamp::Published,
    }
}

/// A replay follows the tweets' own timing; the generator its rate; a live stream its own.
fn pacer(settings: &Settings) -> Pacer {
    match settings.producer.source {
        SourceKind::File => Pacer::event_time(settings.producer.speed),
        SourceKind::Synthetic => Pacer::rate(settings.synthetic.rate),
        SourceKind::TwitterV1
        | SourceKind::TwitterV2
        | SourceKind::Bluesky
        | SourceKind::Mastodon => Pacer::Unpaced,
    }
}

fn limits(settings: &Settings) -> Limits {
    Limits {
        max_tweets: settings.producer.limit,
        max_duration: settings.producer.duration,
    }
}

/// Logs the summary; the run failed when the publisher stopped on an error or a tweet was not
/// acknowledged.
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

fn ensure_kafka_topic(kafka: &KafkaSettings) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start runtime")?;
    Ok(runtime.block_on(ensure_topic(kafka))?)
}

/// The resume checkpoint of a file replay, the Bluesky stream or a Mastodon timeline into Kafka,
/// when one is configured.
fn open_checkpoint(settings: &Settings) -> anyhow::Result<Option<ResumeFile>> {
    let p = &settings.producer;
    let Some(path) = &p.checkpoint else {
        return Ok(None);
    };
    let resumes = match (p.source, &p.file, p.sink) {
        (SourceKind::File, Some(file), SinkKind::Kafka) => Resumes::FileReplay(file.clone()),
        (SourceKind::Bluesky, _, SinkKind::Kafka) => Resumes::Bluesky,
        (SourceKind::Mastodon, _, SinkKind::Kafka) => {
            Resumes::Mastodon(mastodon::checkpoint_timeline(&settings.mastodon)?)
        }
        _ => return Err(ResumeError::NotResumable.into()),
    };
    let resume = ResumeFile::open(path, resumes)?;
    let checkpoint = path.display();
    if resume.line() > 0 {
        info!(line = resume.line(), %checkpoint, "resuming the replay after this line");
    }
    if let Some(cursor) = resume.cursor() {
        info!(cursor, %checkpoint, "resuming the Bluesky stream from this Jetstream cursor");
    }
    if let Some(status_id) = resume.status() {
        info!(status_id, %checkpoint, "resuming the Mastodon timeline after this status");
    }
    Ok(Some(resume))
}

/// Opens the configured source: a file replay after the checkpoint's line, the Bluesky stream
/// from its cursor (and, on reconnect, from the run's `progress`), a Mastodon timeline after its
/// status.
fn open_source(
    settings: &Settings,
    shutdown: &Shutdown,
    resume: Option<&ResumeFile>,
    progress: &Progress,
) -> Result<Source, SourceError> {
    let now_ms = chrono::Utc::now().timestamp() * 1000;
    match settings.producer.source {
        kind @ (SourceKind::TwitterV1 | SourceKind::TwitterV2) => {
            let twitter = twitter_settings(settings);
            let spec = match kind {
                SourceKind::TwitterV1 => StreamSpec::v1(twitter),
                _ => StreamSpec::v2(twitter),
            }?;
            let stream = twitter::start(spec, settings.twitter.queue, shutdown);
            Ok(Box::new(stream))
        }
        SourceKind::File => {
            let path = settings.producer.file.as_deref().ok_or_else(|| {
                SourceError::Config("producer.file must be set for the file source".into())
            })?;
            let mut file = FileSource::open(path, now_ms)?;
            file.skip_lines(resume.map_or(0, ResumeFile::line))?;
            Ok(Box::new(file))
        }
        SourceKind::Bluesky => {
            let subscription = bluesky::Subscription {
                settings: settings.bluesky.clone(),
                start_cursor: resume.and_then(ResumeFile::cursor),
            };
            Ok(Box::new(bluesky::start(
                subscription,
                progress.clone(),
                shutdown,
            )))
        }
        SourceKind::Mastodon => {
            let mut mastodon = settings.mastodon.clone();
            // The environment wins over the config file, as for Twitter's credentials.
            if let Ok(token) = std::env::var(mastodon::spec::TOKEN_VAR) {
                mastodon.access_token = Secret::new(token);
            }
            let start_after = resume.and_then(ResumeFile::status);
            Ok(Box::new(mastodon::start(&mastodon, start_after, shutdown)?))
        }
        SourceKind::Synthetic => {
            let generator = Synthetic::new(synthetic_config(settings, now_ms)?);
            Ok(Box::new(generator.map(Ok)))
        }
    }
}

/// The generator's settings; its first tweet is at `synthetic.start`, or `now_ms` without one.
fn synthetic_config(settings: &Settings, now_ms: i64) -> Result<SyntheticConfig, SourceError> {
    let start_ms = match &settings.synthetic.start {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(SourceError::SyntheticStart)?
            .timestamp_millis(),
        None => now_ms,
    };
    Ok(SyntheticConfig {
        seed: settings.synthetic.seed,
        start_ms,
        events_per_second: settings.synthetic.effective_events_per_second(),
        shape: settings.synthetic.shape,
        stream_notices: settings
            .synthetic
            .effective_stream_notices(settings.producer.sink),
        bursts: settings.synthetic.bursts(),
    })
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
