//! The Mastodon streaming API as a producer source (`--source mastodon`): a timeline's
//! server-sent events, new statuses published unchanged and keyed by `uri`, the gap of each
//! reconnect filled from the REST timeline.
//!
//! Unlike Twitter's, this source waits for room in the queue to the publisher rather than
//! dropping statuses: the instance keeps what the producer has not read yet in the connection,
//! and a connection the instance gives up on is backfilled after the reconnect.

pub(crate) mod backfill;
pub(crate) mod client;
pub(crate) mod id;
pub(crate) mod spec;
pub(crate) mod sse;
pub(crate) mod status;
pub(crate) mod timeline;

use common::settings::MastodonSettings;
use common::shutdown::Shutdown;

use crate::source::live::clock::TokioClock;
use crate::source::live::LiveSource;
use crate::source::SourceError;
use spec::Spec;

/// Checks the settings, then reads the timeline in the background until `shutdown` is
/// triggered, with `settings.queue` statuses buffered for the publisher.
pub(crate) fn start(
    settings: &MastodonSettings,
    shutdown: &Shutdown,
) -> Result<LiveSource, SourceError> {
    let spec = Spec::new(settings)?;
    Ok(LiveSource::start(
        settings.queue,
        shutdown,
        move |outlet| async move { client::run(&spec, &outlet, &TokioClock).await },
    ))
}
