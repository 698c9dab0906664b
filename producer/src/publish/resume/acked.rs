//! Which input positions the broker has acknowledged, to find where a restart or a reconnect may
//! resume without losing anything.
//!
//! Acknowledgements arrive out of order (partitions are independent), so the resume point is set
//! by the oldest position still in flight. A file replay's positions are its lines, one tweet
//! each; a Jetstream stream's are its events' `time_us`, which several events may share and which
//! the stream does not deliver in strict order, so they are kept as a multiset.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Where a record came from in its input, for resuming there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Position {
    /// A file replay's input line (1-based).
    Line(u64),
    /// A Jetstream event's `time_us`, its replay cursor.
    Cursor(i64),
}

/// Positions handed to the sink and not yet acknowledged, per kind of position.
#[derive(Debug, Default)]
pub(crate) struct Acked {
    lines: Pending,
    cursors: Pending,
}

impl Acked {
    /// A record from `position` was handed to the broker.
    pub(crate) fn sent(&mut self, position: Position) {
        let (pending, at) = self.slot(position);
        pending.sent(at);
    }

    /// The broker acknowledged the record from `position`. A record whose delivery failed is
    /// never acknowledged, so the resume point stays before it and a restart sends it again.
    pub(crate) fn acked(&mut self, position: Position) {
        let (pending, at) = self.slot(position);
        pending.acked(at);
    }

    /// The run is done with `position` without publishing anything (a stream notice): the resume
    /// point may move past it.
    pub(crate) fn passed(&mut self, position: Position) {
        let (pending, at) = self.slot(position);
        pending.passed(at);
    }

    /// Every line up to this one is acknowledged (0 before any).
    pub(crate) fn resume_after_line(&self) -> u64 {
        let lines = &self.lines;
        let after = lines
            .oldest()
            .map_or(lines.highest.unwrap_or(0), |oldest| oldest - 1);
        u64::try_from(after).unwrap_or(0)
    }

    /// The Jetstream cursor from which a subscription misses nothing unacknowledged that it has
    /// received: the oldest `time_us` still in flight, or the newest one done with when none is;
    /// `None` before any event. Jetstream replays events from the cursor on (inclusive), so the
    /// event at the cursor itself comes again.
    pub(crate) fn safe_cursor(&self) -> Option<i64> {
        self.cursors.oldest().or(self.cursors.highest)
    }

    /// How far the input is safely published, in the kind of position its records carry;
    /// `None` before any.
    pub(crate) fn resume_point(&self) -> Option<Position> {
        match self.safe_cursor() {
            Some(cursor) => Some(Position::Cursor(cursor)),
            None => {
                (self.lines.highest.is_some()).then(|| Position::Line(self.resume_after_line()))
            }
        }
    }

    fn slot(&mut self, position: Position) -> (&mut Pending, i64) {
        match position {
            // Lines fit: a file of 2^63 lines is not replayed.
            Position::Line(line) => (&mut self.lines, i64::try_from(line).unwrap_or(i64::MAX)),
            Position::Cursor(time_us) => (&mut self.cursors, time_us),
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

/// A multiset of positions in flight, and the newest position met.
#[derive(Debug, Default)]
struct Pending {
    /// Position → how many records from it are in flight.
    in_flight: BTreeMap<i64, u32>,
    highest: Option<i64>,
}

impl Pending {
    fn sent(&mut self, at: i64) {
        *self.in_flight.entry(at).or_default() += 1;
        self.met(at);
    }

    fn acked(&mut self, at: i64) {
        if let Some(count) = self.in_flight.get_mut(&at) {
            *count -= 1;
            if *count == 0 {
                self.in_flight.remove(&at);
            }
        }
    }

    fn passed(&mut self, at: i64) {
        self.met(at);
    }

    fn met(&mut self, at: i64) {
        self.highest = Some(self.highest.map_or(at, |h| h.max(at)));
    }

    fn oldest(&self) -> Option<i64> {
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

    /// One step of a run: an event at a time is sent (or, a notice, passed), or the oldest or
    /// newest record in flight is acknowledged.
    #[derive(Debug, Clone)]
    enum Step {
        Send(i64),
        Pass(i64),
        AckOne(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0i64..50).prop_map(Step::Send),
            1 => (0i64..50).prop_map(Step::Pass),
            3 => any::<usize>().prop_map(Step::AckOne),
        ]
    }

    proptest! {
        /// Whatever the order of times and acknowledgements: a subscription from the safe cursor
        /// (inclusive) gets again every event still in flight, and once nothing is in flight the
        /// cursor is the newest time met.
        #[test]
        fn the_safe_cursor_never_passes_a_record_in_flight(
            steps in proptest::collection::vec(step(), 0..200),
        ) {
            let mut acked = Acked::default();
            // The model: the records in flight, and every time met, kept naively.
            let (mut in_flight, mut met): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
            for s in steps {
                match s {
                    Step::Send(t) => {
                        acked.sent(Position::Cursor(t));
                        in_flight.push(t);
                        met.push(t);
                    }
                    Step::Pass(t) => {
                        acked.passed(Position::Cursor(t));
                        met.push(t);
                    }
                    Step::AckOne(i) if !in_flight.is_empty() => {
                        let t = in_flight.swap_remove(i % in_flight.len());
                        acked.acked(Position::Cursor(t));
                    }
                    Step::AckOne(_) => {}
                }
                let safe = acked.safe_cursor();
                prop_assert_eq!(safe.is_some(), !met.is_empty());
                if let Some(safe) = safe {
                    prop_assert!(in_flight.iter().all(|&t| safe <= t), "{safe} {in_flight:?}");
                    if in_flight.is_empty() {
                        prop_assert_eq!(Some(safe), met.iter().copied().max());
                    } else {
                        prop_assert_eq!(Some(safe), in_flight.iter().copied().min());
                    }
                }
            }
        }
    }
}
