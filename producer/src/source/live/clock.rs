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
