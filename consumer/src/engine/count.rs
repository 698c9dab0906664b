//! The counting stage, free of Kafka: parse → extract → window, per raw partition, producing
//! the messages the merge stage needs (closed windows' counts, progress, early snapshots).
//!
//! The Kafka driver feeds it messages, rebalance events and the time, sends what it returns
//! and commits the checkpoints it returns; everything here is synchronous and deterministic
//! given those inputs, so it is tested directly.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::settings::RetweetPolicy;
use model::post::{Post, PostError, Source};
use model::timestamp::rfc3339;
use model::tweet::Completeness;

use crate::engine::counts::TweetTags;
use crate::engine::dedup::SeenIds;
use crate::engine::partial::PartialMessage;
use crate::engine::sentiment::aggregate::{Scored, Scoring};
use crate::engine::sentiment::{covers_language, Sample, Score};
use crate::engine::sources::SourceCounts;
use crate::engine::window::{Checkpoint, Observed, PartitionWindows, WindowResult, WindowSpec};

/// How often each partition's progress is re-sent even when unchanged, so a merge stage that
/// just took over learns every source's position quickly.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// How often, at most, the counting stage sends the open windows' changed counts to the merge
/// stage when early updates are on. The merge stage publishes a hashtag's change at once unless
/// it published that hashtag within the early-update interval (`output::coalesce`), so what
/// matters is how soon a change gets there: this adds up to 10 ms, where sending at the
/// interval added up to the whole interval.
const EARLY_FORWARD: Duration = Duration::from_millis(10);

/// A longer pause between two [`Pipeline::close_ready`] calls means the consumer was not
/// reading (serving a rebalance, a slow flush): messages may have arrived unseen,
/// so the pause does not count towards a partition's idle timeout.
const STALL: Duration = Duration::from_secs(1);

/// The earliest believable `created_at`: Twitter's first tweet was sent on 2006-03-21.
pub(crate) const TWITTER_BEGAN_MS: i64 = 1_142_899_200_000;

/// Why a message was not counted; the driver dead-letters it with this as the reason.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("empty message")]
    Empty,
    #[error("message of {size} bytes is over the {limit}-byte limit (consumer.max_message_bytes)")]
    TooLarge { size: usize, limit: usize },
    #[error(transparent)]
    Parse(#[from] PostError),
    #[error("tweet has no created_at and the message no timestamp")]
    NoTime,
    #[error("created_at {} is before {} (the earliest believable time)", rfc3339(*at_ms), rfc3339(*earliest_ms))]
    TooOld { at_ms: i64, earliest_ms: i64 },
    #[error("created_at {} is more than {}s ahead of the clock (consumer.max_clock_skew)", rfc3339(*at_ms), skew.as_secs())]
    Future { at_ms: i64, skew: Duration },
}

/// Running totals, reported at shutdown.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Messages read from Kafka.
    pub consumed: u64,
    /// Posts counted in at least one window.
    pub counted: u64,
    /// `counted` by source.
    pub posts: SourceCounts,
    /// Window assignments dropped because the window had already closed (a tweet belongs to
    /// one window per tumbling definition and size/slide per hopping one).
    pub late: u64,
    /// Messages that were not usable tweets (dead-lettered).
    pub rejected: u64,
    /// Tweets whose id had been counted already in their windows (a republished tweet).
    pub duplicates: u64,
    /// Retweets not counted (`consumer.retweets = "skip"`).
    pub retweets_skipped: u64,
    /// Bluesky reposts skipped: they carry no text or hashtags of their own (the reposted
    /// post's are not in the event), so there is nothing to count, yet they are no fault.
    pub bluesky_reposts: u64,
    /// Retweets counted by their own cut text because the message lacks their original
    /// ([`Completeness::OriginalMissing`]).
    pub originals_missing: u64,
    /// Tweets counted by a text cut at 140 characters ([`Completeness::Truncated`]).
    pub truncated: u64,
    /// Messages of partitions this consumer does not own (delivered after a revocation); the
    /// owner counts them.
    pub unowned: u64,
    /// Partition windows closed and handed to the merge stage.
    pub windows: u64,
}

impl Stats {
    fn add_counted(&mut self, observed: Observed, source: Source, completeness: Completeness) {
        self.late += u64::from(observed.late);
        if observed.counted == 0 {
            return;
        }
        self.counted += 1;
        self.posts.add(source);
        match completeness {
            Completeness::Whole => {}
            Completeness::OriginalMissing => self.originals_missing += 1,
            Completeness::Truncated => self.truncated += 1,
        }
    }
}

/// How the counting stage behaves.
#[derive(Debug, Clone)]
pub struct CountOptions {
    pub(crate) spec: WindowSpec,
    pub(crate) retweets: RetweetPolicy,
    pub(crate) idle_timeout: Duration,
    /// The early-update interval (`None`: final counts only): open windows' changed counts
    /// go to the merge stage every [`Pipeline::forward_interval`], and it publishes each
    /// hashtag at most once per interval.
    pub(crate) early_updates: Option<Duration>,
    /// Larger messages are rejected unparsed.
    pub(crate) max_message_bytes: usize,
    /// Tweets created further ahead of the wall clock are rejected.
    pub(crate) max_clock_skew: Duration,
    /// Tweets created earlier are rejected ([`TWITTER_BEGAN_MS`] in production).
    pub(crate) earliest_event_ms: i64,
    /// Which tweets' sentiment is scored and aggregated; `None` when sentiment is off.
    pub(crate) sentiment: Option<Sample>,
}

impl CountOptions {
    /// Counting tweets held in memory, as the benchmarks do: retweets counted, final counts
    /// only, no idle closing, the consumer's default size and time limits.
    pub fn in_memory(spec: WindowSpec, sentiment: Option<Sample>) -> Self {
        CountOptions {
            spec,
            retweets: RetweetPolicy::Count,
            idle_timeout: Duration::from_secs(3600),
            early_updates: None,
            max_message_bytes: 1 << 20,
            max_clock_skew: Duration::from_secs(3600),
            earliest_event_ms: TWITTER_BEGAN_MS,
            sentiment,
        }
    }
}

struct Partition {
    windows: PartitionWindows,
    /// Ids of the tweets in the open windows, so a republished tweet counts once.
    seen: SeenIds,
    /// Read to its current end (set by the driver, cleared by the next message).
    at_end: bool,
    last_message: Instant,
    /// Closed all its windows after being idle; cleared by the next message.
    idle: bool,
    /// Closed all its windows at the end of input (`--until-end`); cleared by the next message.
    finished: bool,
    /// The progress last sent and when.
    sent: Option<SentProgress>,
}

/// A partition's progress as last sent to the merge stage.
#[derive(Clone, Copy)]
struct SentProgress {
    watermark_ms: Option<i64>,
    idle: bool,
    at: Instant,
}

impl Partition {
    /// Closes the windows the watermark has passed, or all of them, and forgets the ids of the
    /// tweets only they held.
    fn close(&mut self, all: bool) -> Vec<WindowResult> {
        let closed = if all {
            self.windows.take_all()
        } else {
            self.windows.take_closed()
        };
        if let Some(wm) = self.windows.closed_through_ms() {
            self.seen.expire(wm);
        }
        closed
    }
}

/// Per-partition windows of the raw partitions this consumer owns.
pub struct Pipeline {
    options: CountOptions,
    partitions: BTreeMap<i32, Partition>,
    last_early: Option<Instant>,
    /// The previous `close_ready` call, to notice stalls.
    last_tick: Option<Instant>,
    /// The wall clock in epoch milliseconds, set by the driver, for rejecting tweets from the
    /// future; `None` accepts any time.
    wall_ms: Option<i64>,
    stats: Stats,
    /// The hashtags of the message being counted, kept to reuse their buffers.
    tags: TweetTags,
}

/// Checkpoints to commit, by partition.
pub(crate) type Checkpoints = Vec<(i32, Checkpoint)>;

impl Pipeline {
    /// A stage with no partitions assigned yet.
    pub fn new(options: CountOptions) -> Self {
        Pipeline {
            options,
            partitions: BTreeMap::new(),
            last_early: None,
            last_tick: None,
            wall_ms: None,
            stats: Stats::default(),
            tags: TweetTags::default(),
        }
    }

    /// Totals so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Takes ownership of a partition, restoring the watermark committed with its offset.
    pub fn assign(&mut self, partition: i32, watermark_ms: Option<i64>, now: Instant) {
        let windows = PartitionWindows::new(self.options.spec.clone(), watermark_ms);
        self.partitions.insert(
            partition,
            Partition {
                windows,
                seen: SeenIds::default(),
                at_end: false,
                last_message: now,
                idle: false,
                finished: false,
                sent: None,
            },
        );
    }

    /// Records that an owned partition has been read to its current end.
    pub fn mark_end(&mut self, partition: i32) {
        if let Some(p) = self.partitions.get_mut(&partition) {
            p.at_end = true;
        }
    }

    /// True when partitions are owned and every one is read to its end and finished.
    pub(crate) fn finished(&self) -> bool {
        !self.partitions.is_empty() && self.partitions.values().all(|p| p.at_end && p.finished)
    }

    /// Sets the wall clock (epoch milliseconds) that tweets from the future are judged by; the
    /// driver calls this as it polls.
    pub fn set_wall_clock(&mut self, wall_ms: i64) {
        self.wall_ms = Some(wall_ms);
    }

    /// Processes one message. `kafka_timestamp_ms` is the event time used when the tweet has no
    /// `created_at`. A message that is not a usable tweet is skipped and returned as rejected
    /// (the driver dead-letters it); it never stops the stream.
    pub fn process(
        &mut self,
        partition: i32,
        offset: i64,
        payload: Option<&[u8]>,
        kafka_timestamp_ms: Option<i64>,
        now: Instant,
    ) -> Result<(), Rejection> {
        let Some(p) = self.partitions.get_mut(&partition) else {
            // Counting it without the partition's restored state would send a partial window
            // that replaces the owner's complete one.
            self.stats.unowned += 1;
            return Ok(());
        };
        self.stats.consumed += 1;
        p.at_end = false;
        p.idle = false;
        p.finished = false;
        p.last_message = now;
        let counted = count(
            &self.options,
            self.wall_ms,
            p,
            &mut self.tags,
            offset,
            payload,
            kafka_timestamp_ms,
        );
        match counted {
            Ok(Counted::Tweet {
                observed,
                source,
                completeness,
            }) => self.stats.add_counted(observed, source, completeness),
            Ok(Counted::SkippedRetweet) => self.stats.retweets_skipped += 1,
            Ok(Counted::BlueskyRepost) => self.stats.bluesky_reposts += 1,
            Ok(Counted::Duplicate) => self.stats.duplicates += 1,
            Err(_) => self.stats.rejected += 1,
        }
        if !matches!(counted, Ok(Counted::Tweet { .. })) {
            p.windows.skip(offset);
        }
        counted.map(|_| ())
    }

    /// Everything due at `now`: closed windows (including those of partitions that went idle)
    /// and progress. Send them before committing `checkpoints`.
    pub fn close_ready(&mut self, now: Instant) -> Vec<PartialMessage> {
        let mut out = Vec::new();
        let stalled = self
            .last_tick
            .map(|at| now.saturating_duration_since(at))
            .filter(|&gap| gap > STALL);
        self.last_tick = Some(now);
        let idle_timeout = self.options.idle_timeout;
        for (&source, p) in &mut self.partitions {
            if let Some(gap) = stalled {
                p.last_message += gap;
            }
            let mut closed = p.close(false);
            if p.at_end && !p.idle && now.duration_since(p.last_message) >= idle_timeout {
                closed.extend(p.close(true));
                p.idle = true;
            }
            self.stats.windows += closed.len() as u64;
            out.extend(closed.into_iter().map(|w| window_message(source, w, true)));
            let (watermark_ms, idle) = (p.windows.closed_through_ms(), p.idle);
            let due = p.sent.is_none_or(|sent| {
                (sent.watermark_ms, sent.idle) != (watermark_ms, idle)
                    || now.duration_since(sent.at) >= HEARTBEAT
            });
            if due {
                p.sent = Some(SentProgress {
                    watermark_ms,
                    idle,
                    at: now,
                });
                out.push(PartialMessage::Progress {
                    source,
                    watermark_ms,
                    idle,
                });
            }
        }
        out
    }

    /// With early updates, the open windows' counts that changed since the last call, once
    /// [`forward_interval`](Self::forward_interval) has passed since then (else nothing).
    pub fn take_early(&mut self, now: Instant) -> Vec<PartialMessage> {
        let Some(every) = self.forward_interval() else {
            return Vec::new();
        };
        if self
            .last_early
            .is_some_and(|at| now.duration_since(at) < every)
        {
            return Vec::new();
        }
        self.last_early = Some(now);
        let mut out = Vec::new();
        for (&source, p) in &mut self.partitions {
            let open = p.windows.take_changed();
            out.extend(open.into_iter().map(|w| window_message(source, w, false)));
        }
        out
    }

    /// How often changed counts go to the merge stage with early updates: every
    /// [`EARLY_FORWARD`] with exact counts (or the early-update interval if shorter), and at
    /// the interval with Space-Saving, whose snapshot is always all K counters.
    pub(crate) fn forward_interval(&self) -> Option<Duration> {
        let every = self.options.early_updates?;
        Some(match self.options.spec.max_hashtags {
            0 => every.min(EARLY_FORWARD),
            _ => every,
        })
    }

    /// Where each owned partition resumes; commit only after sending what
    /// [`close_ready`](Self::close_ready) returned.
    pub(crate) fn checkpoints(&self) -> Checkpoints {
        self.partitions
            .iter()
            .filter_map(|(&p, state)| state.windows.checkpoint().map(|cp| (p, cp)))
            .collect()
    }

    /// Gives up partitions (rebalance): returns what is due and the revoked partitions'
    /// checkpoints; their open windows are rebuilt by the next owner.
    pub(crate) fn revoke(
        &mut self,
        partitions: &[i32],
        now: Instant,
    ) -> (Vec<PartialMessage>, Checkpoints) {
        let messages = self.close_ready(now);
        let checkpoints = self
            .checkpoints()
            .into_iter()
            .filter(|(p, _)| partitions.contains(p))
            .collect();
        for p in partitions {
            self.partitions.remove(p);
        }
        (messages, checkpoints)
    }

    /// End of input (`--until-end`): once every owned partition is read to its end and one
    /// of them is not finished yet (a rebalance can add partitions after a finish), closes
    /// every open window and reports every partition idle, so the merge stage emits everything.
    pub fn finish_at_end(&mut self) -> Option<Vec<PartialMessage>> {
        let due = !self.partitions.is_empty()
            && self.partitions.values().all(|p| p.at_end)
            && self.partitions.values().any(|p| !p.finished);
        if !due {
            return None;
        }
        let mut out = Vec::new();
        for (&source, p) in &mut self.partitions {
            let closed = p.close(true);
            self.stats.windows += closed.len() as u64;
            out.extend(closed.into_iter().map(|w| window_message(source, w, true)));
            p.idle = true;
            p.finished = true;
            out.push(PartialMessage::Progress {
                source,
                watermark_ms: p.windows.closed_through_ms(),
                idle: true,
            });
        }
        Some(out)
    }
}

/// What became of a message that was a usable post.
enum Counted {
    Tweet {
        observed: Observed,
        source: Source,
        completeness: Completeness,
    },
    SkippedRetweet,
    /// A Bluesky repost: nothing to count ([`PostError::BlueskyRepost`]).
    BlueskyRepost,
    Duplicate,
}

/// The payload, unless it is empty or larger than the limit.
fn checked_size<'a>(options: &CountOptions, payload: &'a [u8]) -> Result<&'a [u8], Rejection> {
    if payload.is_empty() {
        return Err(Rejection::Empty);
    }
    if payload.len() > options.max_message_bytes {
        return Err(Rejection::TooLarge {
            size: payload.len(),
            limit: options.max_message_bytes,
        });
    }
    Ok(payload)
}

/// The tweet's event time, unless it has none or it is before Twitter began or too far ahead of
/// the wall clock.
fn event_time(
    options: &CountOptions,
    wall_ms: Option<i64>,
    event_ms: Option<i64>,
) -> Result<i64, Rejection> {
    let event_ms = event_ms.ok_or(Rejection::NoTime)?;
    if event_ms < options.earliest_event_ms {
        return Err(Rejection::TooOld {
            at_ms: event_ms,
            earliest_ms: options.earliest_event_ms,
        });
    }
    let skew = options.max_clock_skew;
    let skew_ms = i64::try_from(skew.as_millis()).unwrap_or(i64::MAX);
    if wall_ms.is_some_and(|wall| event_ms > wall.saturating_add(skew_ms)) {
        return Err(Rejection::Future {
            at_ms: event_ms,
            skew,
        });
    }
    Ok(event_ms)
}

/// Parses and checks one message and adds it to its partition's windows.
fn count(
    options: &CountOptions,
    wall_ms: Option<i64>,
    p: &mut Partition,
    tags: &mut TweetTags,
    offset: i64,
    payload: Option<&[u8]>,
    kafka_timestamp_ms: Option<i64>,
) -> Result<Counted, Rejection> {
    let payload = checked_size(options, payload.unwrap_or_default())?;
    let post = match Post::parse_for_counting(payload) {
        Ok(post) => post,
        Err(PostError::BlueskyRepost) => return Ok(Counted::BlueskyRepost),
        Err(error) => return Err(error.into()),
    };
    let event_ms = event_time(options, wall_ms, post.created_at_ms.or(kafka_timestamp_ms))?;
    if post.is_repost && options.retweets == RetweetPolicy::Skip {
        return Ok(Counted::SkippedRetweet);
    }
    let expires_ms = options
        .spec
        .shapes
        .iter()
        .map(|s| s.last_end(event_ms))
        .max()
        .unwrap_or(event_ms);
    if !p.seen.first_sight(&post.id, expires_ms) {
        return Ok(Counted::Duplicate);
    }
    tags.fill(post.source, post.hashtags());
    let sentiment = match options.sentiment {
        None => Scoring::Off,
        Some(_) if !covers_language(post.lang.as_deref()) => Scoring::OtherLanguage,
        Some(sample) if !sample.includes(&post.id) => Scoring::Skipped,
        Some(_) => Scoring::Scored(Scored {
            id: &post.id,
            text: post.text(),
            score: Score::of(post.text()),
        }),
    };
    Ok(Counted::Tweet {
        observed: p.windows.observe(offset, event_ms, tags, sentiment),
        source: post.source,
        completeness: post.completeness,
    })
}

fn window_message(source: i32, w: WindowResult, is_final: bool) -> PartialMessage {
    PartialMessage::Window {
        source,
        window: w.id,
        is_final,
        totals: w.totals,
    }
}

#[cfg(test)]
mod tests;
