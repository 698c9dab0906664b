//! Scripted stream connections: what one connection to the streaming API sends, step by step, as
//! SSE (`:)` first, events, `:thump` heartbeats, silence, an abrupt end).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::Shared;
use crate::standin::script::Action;

/// How long a connection whose script has ended goes on sending heartbeats (far longer than a
/// test), before it falls silent until the stand-in stops.
const TRAILING_HEARTBEATS: Duration = Duration::from_secs(600);

/// One scripted thing a stream connection does; statuses are named by their position in the
/// stand-in's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `event: update` with the status: it is posted now, so the REST timeline has it from now on.
    Update(usize),
    /// `event: delete` with the status's id.
    Delete(usize),
    /// `event: status.update` with the status (an edit).
    Edit(usize),
    /// Bytes as they are, e.g. a malformed event.
    Raw(Vec<u8>),
    /// Only `:thump` heartbeats, at the stand-in's interval, for this long: a quiet timeline.
    Heartbeats(Duration),
    /// Nothing at all for this long, not even heartbeats: a stalled connection.
    Silence(Duration),
    /// End the response abruptly.
    Close,
}

/// What one attempt to connect to the stream gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// `200 OK`, `text/event-stream`, `:)`, then the steps; a script that does not end with
    /// [`Step::Close`] goes on with heartbeats. Statuses before its first update were posted
    /// while nobody was connected: the REST timeline has them from the moment it opens.
    Stream(Vec<Step>),
    /// An error status with Mastodon's `{"error": ...}` body.
    Status(u16),
}

/// The first status a connection's steps send.
pub(super) fn first_update(steps: &[Step]) -> Option<usize> {
    steps.iter().find_map(|step| match step {
        Step::Update(i) => Some(*i),
        _ => None,
    })
}

fn event(name: &str, data: &str) -> Action {
    Action::Send(Bytes::from(format!("event: {name}\ndata: {data}\n\n")))
}

/// `:thump` every `interval` for `how_long`.
fn heartbeats(out: &mut VecDeque<Action>, interval: Duration, how_long: Duration) {
    let beats = how_long.as_millis() / interval.as_millis().max(1);
    for _ in 0..beats {
        out.push_back(Action::Sleep(interval));
        out.push_back(Action::Send(Bytes::from_static(b":thump\n")));
    }
}

/// The body's actions for `steps`, with statuses and heartbeats from `shared`.
pub(super) fn actions(steps: Vec<Step>, shared: &Arc<Shared>) -> VecDeque<Action> {
    let mut out = VecDeque::from([Action::Send(Bytes::from_static(b":)\n"))]);
    let closes = steps.last() == Some(&Step::Close);
    for step in steps {
        match step {
            Step::Update(i) => {
                let posting = shared.clone();
                out.push_back(Action::Call(Box::new(move || posting.post(i + 1))));
                out.push_back(event("update", &shared.statuses[i]));
            }
            Step::Delete(i) => out.push_back(event("delete", &shared.ids[i].to_string())),
            Step::Edit(i) => out.push_back(event("status.update", &shared.statuses[i])),
            Step::Raw(bytes) => out.push_back(Action::Send(Bytes::from(bytes))),
            Step::Heartbeats(d) => heartbeats(&mut out, shared.heartbeat, d),
            Step::Silence(d) => out.push_back(Action::Sleep(d)),
            Step::Close => out.push_back(Action::Abort),
        }
    }
    if !closes {
        heartbeats(&mut out, shared.heartbeat, TRAILING_HEARTBEATS);
    }
    out
}
