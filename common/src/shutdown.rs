//! The one way a part of either binary learns that it should stop: a cheap, clonable handle
//! that is triggered once (by a signal, or by whoever owns it) and stays triggered.
//!
//! Async code awaits [`Shutdown::triggered`]; synchronous threads wait with
//! [`Shutdown::sleep`] or [`Shutdown::sleep_until`], which return as soon as it is triggered,
//! so nothing finishes a nap before noticing a stop.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

/// A stop request shared by every clone; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    /// Shared by a shutdown and all its children, so that triggering any of them wakes the
    /// sleepers of each; a sleeper then checks its own token.
    wakeup: Arc<Wakeup>,
}

#[derive(Debug, Default)]
struct Wakeup {
    lock: Mutex<()>,
    condvar: Condvar,
}

impl Shutdown {
    /// A shutdown not yet triggered.
    pub fn new() -> Self {
        Shutdown::default()
    }

    /// A shutdown triggered with this one, or on its own without triggering this one: for a
    /// part that must also stop when its owner lets go of it.
    pub fn child(&self) -> Self {
        Shutdown {
            token: self.token.child_token(),
            wakeup: Arc::clone(&self.wakeup),
        }
    }

    /// Asks everything holding this shutdown (and its children) to stop; idempotent.
    pub fn trigger(&self) {
        // Under the lock, so a sleeper between checking the token and waiting cannot miss it.
        let guard = self
            .wakeup
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.token.cancel();
        drop(guard);
        self.wakeup.condvar.notify_all();
    }

    /// Whether a stop has been asked for.
    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once a stop has been asked for (at once if it already has).
    pub async fn triggered(&self) {
        self.token.cancelled().await;
    }

    /// Blocks the thread for `timeout`, or less when a stop is asked for meanwhile. Returns
    /// whether it was.
    pub fn sleep(&self, timeout: Duration) -> bool {
        if self.is_triggered() || timeout.is_zero() {
            return self.is_triggered();
        }
        let guard = self
            .wakeup
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let waited = self
            .wakeup
            .condvar
            .wait_timeout_while(guard, timeout, |()| !self.token.is_cancelled());
        drop(waited.unwrap_or_else(PoisonError::into_inner));
        self.is_triggered()
    }

    /// Blocks the thread until `deadline`, or less when a stop is asked for meanwhile. Returns
    /// whether it was.
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        self.sleep(deadline.saturating_duration_since(Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(60);

    /// Triggers `shutdown` from another thread after a moment.
    fn trigger_soon(shutdown: &Shutdown) -> std::thread::JoinHandle<()> {
        let shutdown = shutdown.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            shutdown.trigger();
        })
    }

    #[test]
    fn a_sleep_runs_its_course_unless_triggered() {
        let shutdown = Shutdown::new();
        let start = Instant::now();
        assert!(!shutdown.sleep(Duration::from_millis(30)));
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert!(!shutdown.sleep_until(Instant::now() - Duration::from_secs(1)));
    }

    #[test]
    fn a_trigger_ends_a_sleep_at_once() {
        let shutdown = Shutdown::new();
        let start = Instant::now();
        let trigger = trigger_soon(&shutdown);
        assert!(shutdown.sleep(LONG));
        assert!(start.elapsed() < LONG / 2);
        trigger.join().unwrap();
        assert!(shutdown.is_triggered());
        assert!(
            shutdown.clone().sleep(LONG),
            "stays triggered, for every clone"
        );
    }

    #[test]
    fn a_child_stops_with_its_parent_but_not_the_other_way() {
        let parent = Shutdown::new();
        let child = parent.child();
        child.trigger();
        assert!(!parent.is_triggered());
        assert!(!parent.sleep(Duration::from_millis(1)));

        let child = parent.child();
        let trigger = trigger_soon(&parent);
        assert!(child.sleep(LONG));
        trigger.join().unwrap();
    }

    #[tokio::test]
    async fn triggered_completes_on_a_trigger() {
        let shutdown = Shutdown::new();
        let trigger = trigger_soon(&shutdown);
        tokio::time::timeout(LONG, shutdown.triggered())
            .await
            .expect("triggered");
        trigger.join().unwrap();
    }
}
