//! The reconnect loop every live source runs: one session after another, waiting between them
//! as [`Backoff`] says, until the server rejects the credentials.

use std::sync::atomic::{AtomicU64, Ordering};

use tracing::info;

use super::backoff::{Backoff, Decision, Failure};
use super::clock::Clock;

/// How one connection ended: why, and whether it delivered anything first (which resets the
/// backoff, so a long healthy connection that drops is retried quickly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ended {
    pub(crate) failure: Failure,
    pub(crate) healthy: bool,
}

/// Runs `session` again and again, sleeping on `clock` between sessions and counting each
/// reconnect in `reconnects`; returns the HTTP status that made a failure fatal (401 or 403),
/// which each source reports in its own words.
pub(crate) async fn reconnect(
    clock: &dyn Clock,
    reconnects: &AtomicU64,
    mut session: impl AsyncFnMut() -> Ended,
) -> u16 {
    let mut backoff = Backoff::new();
    loop {
        let Ended { failure, healthy } = session().await;
        if healthy {
            backoff.on_healthy();
        }
        match backoff.on_failure(failure) {
            Decision::Fatal { status } => return status,
            Decision::Retry(delay) => {
                reconnects.fetch_add(1, Ordering::Relaxed);
                info!(?failure, ?delay, "reconnecting");
                clock.sleep(delay).await;
            }
        }
    }
}
