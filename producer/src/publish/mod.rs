//! The producer's main loop: source → pacing → sink, with limits, signals and a summary.

pub(crate) mod pace;
pub(crate) mod resume;

use std::fmt;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use common::shutdown::Shutdown;
use model::report::Report;

use crate::sink::{SinkError, TweetSink};
use crate::source::notice::{Notice, NoticeTally};
use crate::source::{Event, SourceError};
use pace::Pacer;
use resume::ResumeFile;

/// How long the final flush waits for acknowledgements before giving up on them.
pub(crate) const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the resume checkpoint is written during a run.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// When to stop besides the end of the source and a signal.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Limits {
    pub(crate) max_tweets: Option<u64>,
    pub(crate) max_duration: Option<Duration>,
}

/// What a run did; printed at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    /// Tweets handed to the sink.
    pub(crate) sent: u64,
    /// Tweets the sink confirmed (broker acknowledgements for Kafka).
    pub(crate) delivered: u64,
    /// Tweets the sink reported as lost.
    pub(crate) failed: u64,
    /// Input lines that were not usable tweets.
    pub(crate) rejected: u64,
    /// Stream notices (delete notices, stall warnings, ...) not handed to the sink: never
    /// published, and not rejects either.
    pub(crate) skipped: NoticeTally,
    /// Stream notices a sink that writes the stream out kept in it.
    pub(crate) written: NoticeTally,
    pub(crate) elapsed: Duration,
}

impl Summary {
    /// True when every tweet sent was acknowledged.
    pub(crate) fn all_delivered(&self) -> bool {
        self.failed == 0 && self.delivered == self.sent
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.sent as f64 / secs
        } else {
            0.0
        };
        write!(
            f,
            "sent {}, delivered {}, failed {}, unacknowledged {}, rejected {}, skipped {}",
            self.sent,
            self.delivered,
            self.failed,
            self.sent.saturating_sub(self.delivered + self.failed),
            self.rejected,
            self.skipped,
        )?;
        if self.written.total() > 0 {
            write!(f, ", wrote {}", self.written)?;
        }
        write!(f, " in {secs:.2} s ({rate:.0} tweets/s)")
    }
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PublishError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// Publishes everything `source` yields until it ends, a limit is hit or `shutdown` is
/// triggered, then flushes the sink. A source error still flushes what was sent before
/// returning it. With `resume`, records every second and at the end how far the input is
/// safely published.
pub(crate) fn publish<I, S>(
    source: I,
    sink: &mut S,
    pacer: Pacer,
    limits: Limits,
    shutdown: &Shutdown,
    mut resume: Option<&mut ResumeFile>,
) -> (Summary, Result<(), PublishError>)
where
    I: IntoIterator<Item = Result<Event, SourceError>>,
    S: TweetSink,
{
    let start = Instant::now();
    let mut schedule = Schedule::new(pacer, limits, start);
    let Sending {
        sent,
        rejected,
        skipped,
        written,
        mut outcome,
    } = send_all(source, sink, &mut schedule, shutdown, resume.as_deref_mut());
    let (delivered, failed) = match sink.finish(FLUSH_TIMEOUT) {
        Ok(counts) => counts,
        Err(e) => {
            outcome = outcome.and(Err(e.into()));
            (0, 0)
        }
    };
    save_checkpoint(sink, resume);
    let summary = Summary {
        sent,
        delivered,
        failed,
        rejected,
        skipped,
        written,
        elapsed: start.elapsed(),
    };
    (summary, outcome)
}

/// What the sending loop did before it stopped.
struct Sending {
    sent: u64,
    rejected: u64,
    skipped: NoticeTally,
    written: NoticeTally,
    outcome: Result<(), PublishError>,
}

/// Sends what `source` yields until it ends or fails, the sink fails, a limit is reached or
/// `shutdown` is triggered; saves the resume checkpoint on the way.
fn send_all<I, S>(
    source: I,
    sink: &mut S,
    schedule: &mut Schedule,
    shutdown: &Shutdown,
    mut resume: Option<&mut ResumeFile>,
) -> Sending
where
    I: IntoIterator<Item = Result<Event, SourceError>>,
    S: TweetSink,
{
    let mut sending = Sending {
        sent: 0,
        rejected: 0,
        skipped: NoticeTally::default(),
        written: NoticeTally::default(),
        outcome: Ok(()),
    };
    let mut last_checkpoint = Instant::now();
    for item in source {
        if shutdown.is_triggered() || schedule.reached(sending.sent) {
            break;
        }
        let record = match item {
            Ok(Event::Tweet(record)) => record,
            Ok(Event::Rejected { line, reason }) => {
                warn!(line, %reason, "rejected input line");
                sending.rejected += 1;
                continue;
            }
            Ok(Event::Notice(notice)) => {
                if let Err(e) = pass_notice(&notice, sink, &mut sending) {
                    sending.outcome = Err(e.into());
                    break;
                }
                continue;
            }
            Err(e) => {
                sending.outcome = Err(e.into());
                break;
            }
        };
        if !schedule.wait_for(record.timestamp_ms, shutdown) {
            break;
        }
        if let Err(e) = sink.send(&record) {
            sending.outcome = Err(e.into());
            break;
        }
        sending.sent += 1;
        if last_checkpoint.elapsed() >= CHECKPOINT_INTERVAL {
            last_checkpoint = Instant::now();
            save_checkpoint(sink, resume.as_deref_mut());
        }
        // Stop now rather than when the next tweet arrives: a live stream may stay quiet.
        if schedule.reached(sending.sent) {
            break;
        }
    }
    sending
}

/// Hands a stream notice to the sink, which writes it out or (Kafka) leaves it unpublished, and
/// counts it either way. Notices are not paced and not limited: `--limit` counts tweets.
fn pass_notice<S: TweetSink>(
    notice: &Notice,
    sink: &mut S,
    sending: &mut Sending,
) -> Result<(), SinkError> {
    if sink.notice(notice)? {
        sending.written.add(notice.kind);
    } else {
        debug!(kind = ?notice.kind, position = ?notice.position, "stream notice skipped");
        sending.skipped.add(notice.kind);
    }
    Ok(())
}

/// When each tweet is due, and when the run is over.
struct Schedule {
    pacer: Pacer,
    start: Instant,
    deadline: Option<Instant>,
    max_tweets: Option<u64>,
}

impl Schedule {
    fn new(pacer: Pacer, limits: Limits, start: Instant) -> Self {
        Schedule {
            pacer,
            start,
            deadline: limits.max_duration.map(|d| start + d),
            max_tweets: limits.max_tweets,
        }
    }

    /// Whether `sent` tweets are all the run may send.
    fn reached(&self, sent: u64) -> bool {
        self.max_tweets.is_some_and(|max| sent >= max)
    }

    /// Sleeps until the tweet with event time `event_ms` is due; a shutdown or the deadline ends
    /// the sleep at once. Returns false when the run must stop instead.
    fn wait_for(&mut self, event_ms: i64, shutdown: &Shutdown) -> bool {
        let due = self.start + self.pacer.due(event_ms);
        let wake = self.deadline.map_or(due, |d| d.min(due));
        if shutdown.sleep_until(wake) {
            return false;
        }
        self.deadline.is_none_or(|d| Instant::now() < d)
    }
}

/// Records how far the input is safely published. A failure only costs a longer replay after
/// a crash, so it is logged, not fatal.
fn save_checkpoint<S: TweetSink>(sink: &S, resume: Option<&mut ResumeFile>) {
    let (Some(file), Some(position)) = (resume, sink.resume_point()) else {
        return;
    };
    if let Err(error) = file.save(position) {
        warn!(error = %Report(&error), "resume checkpoint not saved");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::StdoutSink;
    use crate::source::notice::NoticeKind;
    use crate::source::synthetic::{Synthetic, SyntheticConfig};
    use crate::source::Record;
    use common::settings::TweetShape;

    #[derive(Default)]
    struct Recorder {
        keys: Vec<String>,
        lose: u64,
    }

    impl TweetSink for Recorder {
        fn send(&mut self, record: &Record) -> Result<(), SinkError> {
            self.keys.push(record.key.clone());
            Ok(())
        }
        fn finish(&mut self, _: Duration) -> Result<(u64, u64), SinkError> {
            let n = self.keys.len() as u64;
            Ok((n - self.lose, self.lose))
        }
    }

    fn tweets(n: u64) -> Vec<Result<Event, SourceError>> {
        (0..n)
            .map(|i| {
                Ok(Event::Tweet(Record {
                    key: i.to_string(),
                    payload: vec![],
                    timestamp_ms: 0,
                    position: None,
                }))
            })
            .collect()
    }

    /// Publishes `input` unpaced, without limits and without a shutdown.
    fn publish_all(
        input: Vec<Result<Event, SourceError>>,
        sink: &mut Recorder,
    ) -> (Summary, Result<(), PublishError>) {
        let shutdown = Shutdown::new();
        publish(
            input,
            sink,
            Pacer::Unpaced,
            Limits::default(),
            &shutdown,
            None,
        )
    }

    #[test]
    fn publishes_everything_and_counts_rejects() {
        let mut input = tweets(3);
        let rejected = Event::Rejected {
            line: 2,
            reason: "bad".into(),
        };
        input.insert(1, Ok(rejected));
        let mut sink = Recorder::default();
        let (s, r) = publish_all(input, &mut sink);
        assert!(r.is_ok());
        assert_eq!((s.sent, s.delivered, s.rejected), (3, 3, 1));
        assert!(s.all_delivered());
        assert_eq!(sink.keys, ["0", "1", "2"]);
    }

    fn notice(kind: NoticeKind) -> Result<Event, SourceError> {
        Ok(Event::Notice(Notice {
            kind,
            payload: br#"{"delete":{}}"#.to_vec(),
            position: None,
        }))
    }

    #[test]
    fn notices_are_skipped_and_counted_apart_from_rejects_and_the_limit() {
        let mut input = tweets(3);
        input.insert(0, notice(NoticeKind::StallWarning));
        input.insert(2, notice(NoticeKind::Delete));
        input.insert(3, notice(NoticeKind::Delete));
        let limits = Limits {
            max_tweets: Some(3),
            max_duration: None,
        };
        let mut sink = Recorder::default();
        let go = Shutdown::new();
        let (s, r) = publish(input, &mut sink, Pacer::Unpaced, limits, &go, None);
        assert!(r.is_ok());
        assert_eq!(sink.keys, ["0", "1", "2"], "notices are never sent");
        assert_eq!((s.sent, s.rejected, s.skipped.total()), (3, 0, 3));
        let text = s.to_string();
        assert!(
            text.starts_with(
                "sent 3, delivered 3, failed 0, unacknowledged 0, rejected 0, \
                 skipped 3 stream notices (2 deletes, 1 stall warning) in "
            ),
            "{text}"
        );
    }

    #[test]
    fn a_stream_written_out_keeps_its_notices() {
        let mut input = tweets(2);
        input.insert(1, notice(NoticeKind::Delete));
        let mut out = Vec::new();
        let (s, _) = {
            let mut sink = StdoutSink::new(&mut out, Default::default());
            let go = Shutdown::new();
            publish(
                input,
                &mut sink,
                Pacer::Unpaced,
                Limits::default(),
                &go,
                None,
            )
        };
        assert_eq!(String::from_utf8(out).unwrap(), "\n{\"delete\":{}}\n\n");
        let text = s.to_string();
        assert!(
            text.contains(
                "rejected 0, skipped 0 stream notices, wrote 1 stream notice (1 delete) in"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_synthetic_stream_s_notices_are_skipped_and_counted_by_kind() {
        let config = SyntheticConfig {
            seed: 42,
            start_ms: 0,
            events_per_second: 100.0,
            shape: TweetShape::V1,
            stream_notices: true,
            bursts: None,
        };
        // Counted from the messages themselves, up to the last tweet the run sends.
        let (mut deletes, mut warnings, mut tweets) = (0, 0, 0);
        for event in Synthetic::new(config) {
            let payload = match &event {
                Event::Tweet(_) if tweets == 3_000 => break,
                Event::Tweet(_) => {
                    tweets += 1;
                    continue;
                }
                Event::Notice(notice) => &notice.payload,
                Event::Rejected { .. } => unreachable!("the generator rejects nothing"),
            };
            let message: serde_json::Value = serde_json::from_slice(payload).unwrap();
            deletes += u64::from(message.get("delete").is_some());
            warnings += u64::from(message["warning"]["code"] == "FALLING_BEHIND");
        }
        assert!(
            deletes > 0 && warnings > 0,
            "{deletes} deletes, {warnings} warnings"
        );
        let limits = Limits {
            max_tweets: Some(3_000),
            max_duration: None,
        };
        let mut sink = Recorder::default();
        let go = Shutdown::new();
        let source = Synthetic::new(config).map(Ok);
        let (s, r) = publish(source, &mut sink, Pacer::Unpaced, limits, &go, None);
        assert!(r.is_ok());
        assert_eq!((s.sent, s.rejected), (3_000, 0));
        assert_eq!(sink.keys.len(), 3_000, "only tweets reach the sink");
        assert_eq!(s.skipped.total(), deletes + warnings);
        let counted = format!(
            "skipped {} stream notices ({deletes} deletes, {warnings} stall warning",
            deletes + warnings
        );
        assert!(s.to_string().contains(&counted), "{s}");
    }

    #[test]
    fn limit_and_stop_end_the_run() {
        let limits = Limits {
            max_tweets: Some(2),
            max_duration: None,
        };
        let go = Shutdown::new();
        let (s, _) = publish(
            tweets(5),
            &mut Recorder::default(),
            Pacer::Unpaced,
            limits,
            &go,
            None,
        );
        assert_eq!(s.sent, 2);
        let stopped = Shutdown::new();
        stopped.trigger();
        let no_limits = Limits::default();
        let (s, _) = publish(
            tweets(5),
            &mut Recorder::default(),
            Pacer::Unpaced,
            no_limits,
            &stopped,
            None,
        );
        assert_eq!(s.sent, 0);
    }

    #[test]
    fn the_limit_stops_without_waiting_for_another_tweet() {
        let limits = Limits {
            max_tweets: Some(2),
            max_duration: None,
        };
        let endless = tweets(2).into_iter().chain(std::iter::from_fn(|| {
            panic!("pulled a tweet beyond the limit")
        }));
        let go = Shutdown::new();
        let (s, _) = publish(
            endless,
            &mut Recorder::default(),
            Pacer::Unpaced,
            limits,
            &go,
            None,
        );
        assert_eq!(s.sent, 2);
    }

    #[test]
    fn duration_ends_a_paced_run() {
        let limits = Limits {
            max_tweets: None,
            max_duration: Some(Duration::from_millis(120)),
        };
        let go = Shutdown::new();
        let (s, _) = publish(
            tweets(1000),
            &mut Recorder::default(),
            Pacer::rate(20.0),
            limits,
            &go,
            None,
        );
        assert!(s.sent >= 1 && s.sent < 1000, "{s}");
    }

    #[test]
    fn a_shutdown_ends_a_paced_wait_at_once() {
        let shutdown = Shutdown::new();
        let trigger = shutdown.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            trigger.trigger();
        });
        let start = Instant::now();
        let (s, _) = publish(
            tweets(3),
            &mut Recorder::default(),
            Pacer::rate(0.01),
            Limits::default(),
            &shutdown,
            None,
        );
        assert_eq!(s.sent, 1, "the second tweet is due in 100 s");
        assert!(start.elapsed() < Duration::from_secs(50), "{s}");
    }

    #[test]
    fn lost_tweets_fail_the_run() {
        let mut sink = Recorder {
            lose: 1,
            ..Recorder::default()
        };
        let (s, _) = publish_all(tweets(2), &mut sink);
        assert!(!s.all_delivered());
        let text = s.to_string();
        assert!(
            text.starts_with(
                "sent 2, delivered 1, failed 1, unacknowledged 0, rejected 0, skipped 0"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_source_error_is_returned_after_flushing() {
        let mut input = tweets(1);
        input.push(Err(SourceError::File {
            path: "f".into(),
            source: std::io::Error::other("disk"),
        }));
        let (s, r) = publish_all(input, &mut Recorder::default());
        assert_eq!(s.delivered, 1);
        let error = r.unwrap_err();
        assert_eq!(Report(&error).to_string(), "cannot read f: disk");
    }
}
