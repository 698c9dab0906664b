//! Which input positions the broker has acknowledged, to find where a restart or a reconnect may
//! resume without losing anything.
//!
//! Acknowledgements arrive out of order (partitions are independent), so the resume point is set
//! by the oldest position still in flight. A file replay's positions are its lines, one tweet
//! each; a Jetstream stream's are its events' `time_us`, which several events may share and which
//! the stream does not deliver in strict order, so they are kept as a multiset; a Mastodon
//! timeline's are its statuses' ids, which a backfill and the stream may both bring.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Where a record came from in its input, for resuming there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// A file replay's input line (1-based).
    Line(u64),
    /// A Jetstream event's `time_us`, its replay cursor.
    Cursor(i64),
    /// A Mastodon status's id, by its value: Mastodon's ids are decimal numbers (snowflakes), and
    /// the REST timeline pages from the one before a number (`min_id` is exclusive). A server
    /// whose ids are not numbers (Pleroma's flake ids) gives its statuses no position: they are
    /// published but never checkpointed.
    Status(u64),
}

/// What became of a record at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Handed to the broker.
    Sent,
    /// Acknowledged by the broker.
    Acked,
    /// Done with without publishing anything (a stream notice).
    Passed,
}

/// Positions handed to the sink and not yet acknowledged, per kind of position.
#[derive(Debug, Default)]
pub(crate) struct Acked {
    lines: Pending<u64>,
    cursors: Pending<i64>,
    statuses: Pending<u64>,
}

impl Acked {
    /// A record from `position` was handed to the broker.
    pub(crate) fn sent(&mut self, position: Position) {
        self.record(position, Step::Sent);
    }

    /// The broker acknowledged the record from `position`. A record whose delivery failed is
    /// never acknowledged, so the resume point stays before it and a restart sends it again.
    pub(crate) fn acked(&mut self, position: Position) {
        self.record(position, Step::Acked);
    }

    /// The run is done with `position` without publishing anything (a stream notice): the resume
    /// point may move past it.
    pub(crate) fn passed(&mut self, position: Position) {
        self.record(position, Step::Passed);
    }

    /// Every line up to this one is acknowledged (0 before any).
    pub(crate) fn resume_after_line(&self) -> u64 {
        let lines = &self.lines;
        lines.oldest().map_or(lines.highest.unwrap_or(0), |oldest| {
            oldest.saturating_sub(1)
        })
    }

    /// The Jetstream cursor from which a subscription misses nothing unacknowledged that it has
    /// received: the oldest `time_us` still in flight, or the newest one done with when none is;
    /// `None` before any event. Jetstream replays events from the cursor on (inclusive), so the
    /// event at the cursor itself comes again.
    pub(crate) fn safe_cursor(&self) -> Option<i64> {
        self.cursors.oldest().or(self.cursors.highest)
    }

    /// The status id after which (`min_id`) the REST timeline holds every status sent and not
    /// yet acknowledged: the one just before the oldest in flight, or the newest sent when none
    /// is; `None` before any status.
    pub(crate) fn safe_status(&self) -> Option<u64> {
        let statuses = &self.statuses;
        statuses
            .oldest()
            .map_or(statuses.highest, |oldest| Some(oldest.saturating_sub(1)))
    }

    /// How far the input is safely published, in the kind of position its records carry;
    /// `None` before any.
    pub(crate) fn resume_point(&self) -> Option<Position> {
        self.safe_cursor()
            .map(Position::Cursor)
            .or_else(|| self.safe_status().map(Position::Status))
            .or_else(|| {
                (self.lines.highest.is_some()).then(|| Position::Line(self.resume_after_line()))
            })
    }

    fn record(&mut self, position: Position, step: Step) {
        match position {
            Position::Line(line) => self.lines.record(line, step),
            Position::Cursor(time_us) => self.cursors.record(time_us, step),
            Position::Status(id) => self.statuses.record(id, step),
        }
    }
}

/// One run's [`Acked`], shared: the sink reports what it sent and what the broker acknowledged,
/// the publisher saves the checkpoint from it, and a source that reconnects resumes from it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress(Arc<Mutex<Acked>>);

impl Progress {
    pub(crate) fn get(&self) -> MutexGuard<'_, Acked> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A multiset of positions of one kind in flight, and the newest position met.
#[derive(Debug)]
struct Pending<P> {
    /// Position → how many records from it are in flight.
    in_flight: BTreeMap<P, u32>,
    highest: Option<P>,
}

impl<P> Default for Pending<P> {
    fn default() -> Self {
        Pending {
            in_flight: BTreeMap::new(),
            highest: None,
        }
    }
}

impl<P: Ord + Copy> Pending<P> {
    fn record(&mut self, at: P, step: Step) {
        match step {
            Step::Sent => {
                *self.in_flight.entry(at).or_default() += 1;
                self.met(at);
            }
            Step::Acked => self.acked(at),
            Step::Passed => self.met(at),
        }
    }

    fn acked(&mut self, at: P) {
        if let Some(count) = self.in_flight.get_mut(&at) {
            *count -= 1;
            if *count == 0 {
                self.in_flight.remove(&at);
            }
        }
    }

    fn met(&mut self, at: P) {
        self.highest = Some(self.highest.map_or(at, |h| h.max(at)));
    }

    fn oldest(&self) -> Option<P> {
        self.in_flight.keys().next().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_resume_point_stops_before_the_oldest_unacknowledged_line() {
        let mut acked = Acked::default();
        assert_eq!(acked.resume_after_line(), 0);
        assert_eq!(acked.resume_point(), None);
        for line in [1, 2, 4, 5] {
            acked.sent(Position::Line(line));
        }
        acked.acked(Position::Line(2));
        acked.acked(Position::Line(5));
        assert_eq!(acked.resume_after_line(), 0, "line 1 still in flight");
        acked.acked(Position::Line(1));
        assert_eq!(acked.resume_after_line(), 3, "line 3 was not a tweet");
        acked.acked(Position::Line(4));
        assert_eq!(acked.resume_point(), Some(Position::Line(5)));
    }

    #[test]
    fn the_safe_cursor_is_the_oldest_time_in_flight_counting_shared_times() {
        let mut acked = Acked::default();
        assert_eq!(acked.safe_cursor(), None, "nothing met yet: live tail");
        // Out of order, and two events at 20.
        for t in [10, 30, 20, 20] {
            acked.sent(Position::Cursor(t));
        }
        acked.acked(Position::Cursor(10));
        acked.acked(Position::Cursor(20));
        assert_eq!(
            acked.safe_cursor(),
            Some(20),
            "the other event at 20 is in flight"
        );
        acked.acked(Position::Cursor(20));
        assert_eq!(acked.safe_cursor(), Some(30));
        acked.passed(Position::Cursor(40));
        assert_eq!(
            acked.safe_cursor(),
            Some(30),
            "a notice does not pass a record in flight"
        );
        acked.acked(Position::Cursor(30));
        assert_eq!(acked.resume_point(), Some(Position::Cursor(40)));
    }

    #[test]
    fn the_safe_status_is_just_before_the_oldest_in_flight_for_an_exclusive_min_id() {
        let mut acked = Acked::default();
        assert_eq!(acked.safe_status(), None, "nothing sent yet");
        // A backfill's statuses and the stream's copy of one of them.
        for id in [101, 103, 102, 103] {
            acked.sent(Position::Status(id));
        }
        acked.acked(Position::Status(102));
        assert_eq!(acked.safe_status(), Some(100), "101 is still in flight");
        acked.acked(Position::Status(101));
        acked.acked(Position::Status(103));
        assert_eq!(
            acked.safe_status(),
            Some(102),
            "one copy of 103 is in flight"
        );
        acked.acked(Position::Status(103));
        assert_eq!(acked.resume_point(), Some(Position::Status(103)));
    }

    /// One operation of a run: a record at a position is sent (or, a notice, passed), or one of
    /// those in flight is acknowledged.
    #[derive(Debug, Clone)]
    enum Op {
        Send(i64),
        Pass(i64),
        AckOne(usize),
    }

    /// Positions from 1, so that a status id just before the oldest in flight exists.
    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (1i64..50).prop_map(Op::Send),
            1 => (1i64..50).prop_map(Op::Pass),
            3 => any::<usize>().prop_map(Op::AckOne),
        ]
    }

    /// The records in flight and every position met, kept naively.
    #[derive(Default)]
    struct Model {
        in_flight: Vec<i64>,
        met: Vec<i64>,
    }

    impl Model {
        /// Applies `op` to the model and to `acked`, with positions made by `at`.
        fn apply(&mut self, op: Op, acked: &mut Acked, at: fn(i64) -> Position) {
            match op {
                Op::Send(t) => {
                    acked.sent(at(t));
                    self.in_flight.push(t);
                    self.met.push(t);
                }
                Op::Pass(t) => {
                    acked.passed(at(t));
                    self.met.push(t);
                }
                Op::AckOne(i) if !self.in_flight.is_empty() => {
                    let t = self.in_flight.swap_remove(i % self.in_flight.len());
                    acked.acked(at(t));
                }
                Op::AckOne(_) => {}
            }
        }

        /// The oldest position in flight, or the newest met when none is.
        fn oldest_or_newest(&self) -> Option<i64> {
            let oldest = self.in_flight.iter().copied().min();
            oldest.or_else(|| self.met.iter().copied().max())
        }
    }

    proptest! {
        /// Whatever the order of times and acknowledgements: a subscription from the safe cursor
        /// (inclusive) gets again every event still in flight, and once nothing is in flight the
        /// cursor is the newest time met.
        #[test]
        fn the_safe_cursor_never_passes_a_record_in_flight(
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let (mut acked, mut model) = (Acked::default(), Model::default());
            for op in ops {
                model.apply(op, &mut acked, Position::Cursor);
                prop_assert_eq!(acked.safe_cursor(), model.oldest_or_newest());
            }
        }

        /// The same for statuses, whose backfill starts after `min_id`: the safe status is just
        /// before every status in flight, or the newest met.
        #[test]
        fn the_safe_status_is_before_every_status_in_flight(
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let (mut acked, mut model) = (Acked::default(), Model::default());
            let status = |t: i64| Position::Status(t.unsigned_abs());
            for op in ops {
                model.apply(op, &mut acked, status);
                let safe = acked.safe_status().map(|s| s as i64);
                prop_assert!(model.in_flight.iter().all(|&t| safe < Some(t)), "{safe:?}");
                let want = match model.in_flight.iter().min() {
                    Some(&oldest) => Some(oldest - 1),
                    None => model.oldest_or_newest(),
                };
                prop_assert_eq!(safe, want);
            }
        }
    }
}
