//! What every live network source shares (Twitter's streams, Bluesky's Jetstream, Mastodon's
//! streaming API): a reading thread with its own runtime, a bounded queue to the publisher, and
//! the reconnect loop with its backoff schedule.
//!
//! The stream is read on its own thread so that the publisher, which blocks on Kafka, never
//! leaves a socket unread; what happens when the queue is full is each source's choice
//! ([`Outlet::offer`] drops, [`Outlet::deliver`] waits).

pub(crate) mod backoff;
pub(crate) mod chunks;
pub(crate) mod clock;
pub(crate) mod framing;
pub(crate) mod reconnect;

use std::future::Future;

use tokio::sync::mpsc::{self, error::TrySendError};

use common::shutdown::Shutdown;

use crate::source::{Event, SourceError};

/// Yields what a live source's reading thread sends, until a shutdown, the source failing, or
/// drop.
pub(crate) struct LiveSource {
    rx: mpsc::Receiver<Result<Event, SourceError>>,
    /// The reading thread's: triggered with the process's shutdown, or when this is dropped.
    halt: Shutdown,
}

impl LiveSource {
    /// Runs `run` on its own thread, with a current-thread runtime, until it ends or `shutdown`
    /// is triggered; a queue of `queue` events lies between it and the publisher. An error it
    /// ends with is the last item yielded.
    pub(crate) fn start<F, Fut>(queue: usize, shutdown: &Shutdown, run: F) -> Self
    where
        F: FnOnce(Outlet) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), SourceError>>,
    {
        let (tx, rx) = mpsc::channel(queue);
        let halt = shutdown.child();
        let worker_halt = halt.clone();
        std::thread::spawn(move || {
            let errors = tx.clone();
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(SourceError::Runtime)
                .and_then(|rt| {
                    rt.block_on(async {
                        tokio::select! {
                            biased;
                            () = worker_halt.triggered() => Ok(()),
                            outcome = run(Outlet { tx }) => outcome,
                        }
                    })
                });
            if let Err(error) = outcome {
                let _ = errors.blocking_send(Err(error));
            }
        });
        LiveSource { rx, halt }
    }
}

impl Iterator for LiveSource {
    type Item = Result<Event, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.halt.is_triggered() {
            return None;
        }
        // The reading thread ends, and so disconnects, as soon as `halt` is triggered.
        self.rx.blocking_recv()
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        self.halt.trigger();
    }
}

/// The reading side's end of the queue to the publisher.
#[derive(Debug, Clone)]
pub(crate) struct Outlet {
    tx: mpsc::Sender<Result<Event, SourceError>>,
}

/// What became of an offered event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    Sent,
    /// The queue was full: the event was dropped.
    Full,
    /// The publisher is gone.
    Closed,
}

/// The publisher is gone; the source should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the publisher has stopped")]
pub(crate) struct Closed;

impl Outlet {
    /// An outlet and the receiving end of its queue, for sources' own tests.
    #[cfg(test)]
    pub(crate) fn channel(queue: usize) -> (Outlet, mpsc::Receiver<Result<Event, SourceError>>) {
        let (tx, rx) = mpsc::channel(queue);
        (Outlet { tx }, rx)
    }

    /// Queues `event` if there is room, without waiting: for a source that cannot pause its
    /// stream and cannot replay it either (Twitter disconnects clients that fall behind).
    pub(crate) fn offer(&self, event: Event) -> Offer {
        match self.tx.try_send(Ok(event)) {
            Ok(()) => Offer::Sent,
            Err(TrySendError::Full(_)) => Offer::Full,
            Err(TrySendError::Closed(_)) => Offer::Closed,
        }
    }

    /// Queues `event`, waiting for room: for a source that can resume where it left off, so a
    /// slow broker slows the stream down instead of losing events.
    pub(crate) async fn deliver(&self, event: Event) -> Result<(), Closed> {
        self.tx.send(Ok(event)).await.map_err(|_| Closed)
    }
}
