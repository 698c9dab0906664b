//! Twitter API sources (v1.1 filter stream, v2 filtered stream) as a producer source.
//!
//! The stream is read on its own thread and handed over through a bounded queue: when Kafka is
//! slower than Twitter, new tweets are dropped and counted rather than leaving the HTTP stream
//! unread (Twitter disconnects clients that fall behind).

pub mod backoff;
pub mod client;
pub mod framing;
pub mod message;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use tracing::info;

use crate::source::{Event, SourceError};
use client::{run, RunError, StreamSpec, StreamStats, TokioClock};

/// Yields tweets from a Twitter stream until a signal, the credentials failing, or drop.
pub struct TwitterSource {
    rx: Receiver<Result<Event, SourceError>>,
    stop: Arc<AtomicBool>,
    halt: Arc<AtomicBool>,
}

impl TwitterSource {
    /// Starts reading `spec`'s stream in the background; `stop` is the process's signal flag.
    pub fn start(spec: StreamSpec, queue: usize, stop: Arc<AtomicBool>) -> Self {
        let (tx, rx) = sync_channel(queue);
        let halt = Arc::new(AtomicBool::new(false));
        let worker_halt = Arc::clone(&halt);
        std::thread::spawn(move || {
            let stats = StreamStats::default();
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| RunError::Rules(format!("cannot start runtime: {e}")))
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
                    RunError::Credentials { .. } => SourceError::Credentials(error.to_string()),
                    RunError::Rules(_) => SourceError::Stream(error.to_string()),
                };
                let _ = tx.send(Err(error));
            }
        });
        TwitterSource { rx, stop, halt }
    }
}

impl Iterator for TwitterSource {
    type Item = Result<Event, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                self.halt.store(true, Ordering::Relaxed);
                return None;
            }
            match self.rx.recv_timeout(Duration::from_millis(100)) {
                Ok(item) => return Some(item),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

impl Drop for TwitterSource {
    fn drop(&mut self) {
        self.halt.store(true, Ordering::Relaxed);
    }
}
