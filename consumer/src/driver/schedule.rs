//! The poll loop's decisions about time: when to close windows and commit, when `--duration`
//! is over, and when a batch run (`--until-end`) is done. Pure, so they are tested without a
//! broker.

use std::time::{Duration, Instant};

/// When the loop's periodic work is due.
pub(super) struct Schedule {
    close_every: Duration,
    commit_every: Duration,
    last_close: Instant,
    last_commit: Instant,
    deadline: Option<Instant>,
}

impl Schedule {
    /// A schedule starting at `now`; `duration` bounds the whole run.
    pub(super) fn new(
        now: Instant,
        close_every: Duration,
        commit_every: Duration,
        duration: Option<Duration>,
    ) -> Self {
        Schedule {
            close_every,
            commit_every,
            last_close: now,
            last_commit: now,
            deadline: duration.map(|d| now + d),
        }
    }

    /// Whether the run's duration is over.
    pub(super) fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    /// Whether closed windows are to be looked for now; if so, the next look is an interval on.
    pub(super) fn close_due(&mut self, now: Instant) -> bool {
        due(&mut self.last_close, self.close_every, now)
    }

    /// Whether a commit is due now; if so, the next one is an interval on.
    pub(super) fn commit_due(&mut self, now: Instant) -> bool {
        due(&mut self.last_commit, self.commit_every, now)
    }
}

fn due(last: &mut Instant, every: Duration, now: Instant) -> bool {
    let due = now.duration_since(*last) >= every;
    if due {
        *last = now;
    }
    due
}

/// A batch run whose counting stage has read every assigned partition to its end and sent
/// the last of its partials.
#[derive(Debug, Clone, Copy)]
pub(super) struct Counted {
    pub(super) at: Instant,
    /// The end of the partials topic just after the last partial: the merge stage is caught up
    /// once it has read up to here.
    pub(super) partials_end: i64,
}

/// What a batch run does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatchStep {
    Wait,
    /// Everything is merged here: publish the rest and stop.
    Merged,
    /// The merge stage was not assigned here, or did not catch up, within the wait: stop.
    GiveUp,
}

impl Counted {
    /// The next step, given whether counting is still finished (a rebalance can bring a
    /// partition with more to read), whether the merge stage caught up (`None`: it is not
    /// merged here), and how long to wait for it.
    pub(super) fn step(
        &self,
        counting_finished: bool,
        merge_caught_up: Option<bool>,
        now: Instant,
        merge_wait: Duration,
    ) -> BatchStep {
        if !counting_finished {
            BatchStep::Wait
        } else if merge_caught_up == Some(true) {
            BatchStep::Merged
        } else if now.duration_since(self.at) >= merge_wait {
            BatchStep::GiveUp
        } else {
            BatchStep::Wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn periodic_work_is_due_once_per_interval() {
        let t0 = Instant::now();
        let mut s = Schedule::new(t0, SECOND, 5 * SECOND, None);
        assert!(!s.close_due(t0 + SECOND / 2));
        assert!(s.close_due(t0 + SECOND));
        assert!(
            !s.close_due(t0 + SECOND * 3 / 2),
            "restarts from the last close"
        );
        assert!(s.close_due(t0 + SECOND * 2));
        assert!(!s.commit_due(t0 + 4 * SECOND));
        assert!(s.commit_due(t0 + 5 * SECOND));
        assert!(!s.commit_due(t0 + 6 * SECOND));
    }

    #[test]
    fn a_run_expires_only_with_a_duration() {
        let t0 = Instant::now();
        let unbounded = Schedule::new(t0, SECOND, SECOND, None);
        assert!(!unbounded.expired(t0 + 1_000_000 * SECOND));
        let bounded = Schedule::new(t0, SECOND, SECOND, Some(30 * SECOND));
        assert!(!bounded.expired(t0 + 29 * SECOND));
        assert!(bounded.expired(t0 + 30 * SECOND));
    }

    #[test]
    fn a_batch_run_stops_when_merged_or_after_the_wait() {
        let t0 = Instant::now();
        let counted = Counted {
            at: t0,
            partials_end: 42,
        };
        let wait = 120 * SECOND;
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(
            counted.step(true, Some(true), at(1), wait),
            BatchStep::Merged
        );
        assert_eq!(
            counted.step(true, Some(false), at(1), wait),
            BatchStep::Wait
        );
        assert_eq!(counted.step(true, None, at(119), wait), BatchStep::Wait);
        assert_eq!(counted.step(true, None, at(120), wait), BatchStep::GiveUp);
        assert_eq!(
            counted.step(true, Some(false), at(121), wait),
            BatchStep::GiveUp
        );
    }

    #[test]
    fn a_batch_run_waits_while_a_rebalance_brought_more_to_count() {
        let t0 = Instant::now();
        let counted = Counted {
            at: t0,
            partials_end: 42,
        };
        let later = t0 + 1000 * SECOND;
        assert_eq!(
            counted.step(false, Some(true), later, SECOND),
            BatchStep::Wait,
            "neither merged nor given up while partitions are unfinished"
        );
    }
}
