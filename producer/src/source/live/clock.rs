//! Where reconnect delays are spent, so tests can check a schedule without waiting it out.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A pending sleep, boxed so that clocks can be trait objects.
pub(crate) type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits between connection attempts; tests inject one that records instead of sleeping.
pub(crate) trait Clock: Send + Sync {
    /// Waits `delay` (or pretends to).
    fn sleep(&self, delay: Duration) -> Sleep;
}

/// The real clock.
pub(crate) struct TokioClock;

impl Clock for TokioClock {
    fn sleep(&self, delay: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(delay))
    }
}

/// Records reconnect delays instead of sleeping, so the client tests of every live source check
/// a schedule instantly.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct RecordingClock(std::sync::Mutex<Vec<Duration>>);

#[cfg(test)]
impl RecordingClock {
    /// The delays asked for so far, in order.
    pub(crate) fn delays(&self) -> Vec<Duration> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[cfg(test)]
impl Clock for RecordingClock {
    fn sleep(&self, delay: Duration) -> Sleep {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(delay);
        Box::pin(async {})
    }
}
