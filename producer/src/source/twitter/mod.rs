//! Twitter API sources (v1.1 filter stream, v2 filtered stream) as a producer source.
//!
//! The stream is read on its own thread and handed over through a bounded queue: when Kafka is
//! slower than Twitter, new tweets are dropped and counted rather than leaving the HTTP stream
//! unread (Twitter disconnects clients that fall behind).

pub(crate) mod backoff;
pub(crate) mod client;
pub(crate) mod framing;
pub(crate) mod message;

use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver};

use tracing::info;

use common::shutdown::Shutdown;

use crate::source::{Event, SourceError};
use client::{run, RunError, StreamSpec, StreamStats, TokioClock};

/// Yields tweets from a Twitter stream until a shutdown, the credentials failing, or drop.
pub(crate) struct TwitterSource {
    rx: Receiver<Result<Event, SourceError>>,
    /// The reading thread's: triggered with the process's shutdown, or when this is dropped.
    halt: Shutdown,
}

impl TwitterSource {
    /// Starts reading `spec`'s stream in the background until `shutdown` is triggered.
    pub(crate) fn start(spec: StreamSpec, queue: usize, shutdown: &Shutdown) -> Self {
        let (tx, rx) = sync_channel(queue);
        let halt = shutdown.child();
        let worker_halt = halt.clone();
        std::thread::spawn(move || {
            let stats = StreamStats::default();
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(RunError::Runtime)
                .and_then(|rt| rt.block_on(run(&spec, &tx, &TokioClock, &stats, &worker_halt)));
            info!(
                tweets = stats.tweets.load(Ordering::Relaxed),
                dropped = stats.dropped.load(Ordering::Relaxed),
                keep_alives = stats.keep_alives.load(Ordering::Relaxed),
                control = stats.control.load(Ordering::Relaxed),
                malformed = stats.malformed.load(Ordering::Relaxed),
                reconnects = stats.reconnects.load(Ordering::Relaxed),
                "stream summary"
            );
            if let Err(error) = outcome {
                let error = match error {
                    // Our own message, naming the settings to check.
                    RunError::Credentials { .. } => SourceError::Credentials(error.to_string()),
                    _ => SourceError::Stream(error),
                };
                let _ = tx.send(Err(error));
            }
        });
        TwitterSource { rx, halt }
    }
}

impl Iterator for TwitterSource {
    type Item = Result<Event, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.halt.is_triggered() {
            return None;
        }
        // The reading thread ends, and so disconnects, as soon as `halt` is triggered.
        self.rx.recv().ok()
    }
}

impl Drop for TwitterSource {
    fn drop(&mut self) {
        self.halt.trigger();
    }
}
