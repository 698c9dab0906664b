//! Twitter API sources (v1.1 filter stream, v2 filtered stream) as a producer source.
//!
//! When Kafka is slower than Twitter, new tweets are dropped and counted rather than leaving the
//! HTTP stream unread: Twitter disconnects clients that fall behind, and has no replay to catch
//! up from.

pub(crate) mod client;
pub(crate) mod message;

use common::shutdown::Shutdown;

use crate::source::live::clock::TokioClock;
use crate::source::live::LiveSource;
use client::{run, StreamSpec, StreamStats};

/// Starts reading `spec`'s stream in the background until `shutdown` is triggered, with `queue`
/// tweets buffered for the publisher.
pub(crate) fn start(spec: StreamSpec, queue: usize, shutdown: &Shutdown) -> LiveSource {
    LiveSource::start(queue, shutdown, move |outlet| async move {
        let stats = StreamStats::default();
        Ok(run(&spec, &outlet, &TokioClock, &stats).await?)
    })
}
