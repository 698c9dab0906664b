//! The Mastodon streaming API as a producer source (`--source mastodon`): a timeline's
//! server-sent events, new statuses published unchanged and keyed by `uri`, the gap of each
//! reconnect filled from the REST timeline.
//!
//! Unlike Twitter's, this source waits for room in the queue to the publisher rather than
//! dropping statuses: the instance keeps what the producer has not read yet in the connection,
//! and a connection the instance gives up on is backfilled after the reconnect. With
//! `--checkpoint`, a restart backfills from the status up to which Kafka had acknowledged every one.

pub(crate) mod backfill;
pub(crate) mod client;
pub(crate) mod id;
pub(crate) mod spec;
pub(crate) mod sse;
pub(crate) mod status;
pub(crate) mod timeline;

use common::settings::MastodonSettings;
use common::shutdown::Shutdown;

use crate::publish::resume::MastodonTimeline;
use crate::source::live::clock::TokioClock;
use crate::source::live::LiveSource;
use crate::source::SourceError;
use id::StatusId;
use spec::{Spec, Target};

/// Checks the settings, then reads the timeline in the background until `shutdown` is
/// triggered, with `settings.queue` statuses buffered for the publisher. With `start_after` (a
/// checkpoint's status id), what was posted since that status is fetched first.
pub(crate) fn start(
    settings: &MastodonSettings,
    start_after: Option<u64>,
    shutdown: &Shutdown,
) -> Result<LiveSource, SourceError> {
    let spec = Spec::new(settings)?;
    let start_after = start_after.map(|id| StatusId::new(id.to_string()));
    Ok(LiveSource::start(
        settings.queue,
        shutdown,
        move |outlet| async move { client::run(&spec, start_after, &outlet, &TokioClock).await },
    ))
}

/// The timeline a checkpoint of these settings belongs to, named as the source reads it (the
/// instance's URL normalised).
pub(crate) fn checkpoint_timeline(
    settings: &MastodonSettings,
) -> Result<MastodonTimeline, SourceError> {
    let Target { instance, timeline } = Target::new(settings)?;
    Ok(MastodonTimeline {
        instance: instance.to_string(),
        timeline: timeline.to_string(),
    })
}
