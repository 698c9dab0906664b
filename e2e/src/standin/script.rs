//! Scripted connections: what a stream connection does, step by step (messages, keep-alives,
//! split messages, garbage, stalls, abrupt disconnects, error statuses), and the response body
//! that plays the steps as hyper polls it.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use tokio::sync::watch;

/// Pause between the two halves of a [`Step::Split`] message, long enough that
/// the halves reach the client as separate reads.
pub(super) const SPLIT_PAUSE: Duration = Duration::from_millis(20);

/// How long the body stays pending before a [`Step::Close`] error, so hyper
/// flushes the bytes already produced instead of discarding them.
const CLOSE_FLUSH_DELAY: Duration = Duration::from_millis(10);

/// One scripted thing a stream connection does, so tests can reproduce the
/// framing quirks of Twitter's streams (keep-alives, messages split across
/// reads, garbage, stalls, abrupt disconnects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// One JSON message followed by `"\r\n"`, written as a single chunk.
    Line(String),
    /// A bare `"\r\n"`, as Twitter sends to keep an idle stream alive.
    KeepAlive,
    /// A message sent in two chunks split at byte index `n` (clamped to the
    /// message length; it may fall inside a UTF-8 sequence), with a ~20 ms
    /// pause between them; the second chunk carries the trailing `"\r\n"`.
    Split(String, usize),
    /// Bytes written as-is, e.g. a malformed or truncated line.
    Raw(Vec<u8>),
    /// Keep the connection open and send nothing for this long (stall tests).
    Pause(Duration),
    /// End the response abruptly: the connection is dropped without the
    /// terminating chunk, so the client sees an error rather than a clean end.
    Close,
}

/// What one incoming connection attempt to a stream endpoint gets, so tests
/// can script failures and reconnects in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// `200 OK`, chunked `application/json`, then the steps in order. After
    /// the last step the response stays open (sending nothing) until the
    /// server shuts down, unless the last step is [`Step::Close`].
    Stream(Vec<Step>),
    /// An error status (e.g. 401, 403, 420, 429, 503) with a small JSON body
    /// shaped like the endpoint's real error bodies.
    Status(u16),
}

/// One low-level thing a scripted response body does (shared with the Mastodon stand-in).
pub(crate) enum Action {
    Send(Bytes),
    Sleep(Duration),
    /// Runs when the body reaches it, e.g. to record that a message went out.
    Call(Box<dyn FnOnce() + Send>),
    Abort,
}

/// Expands scripted steps into body actions.
fn actions(steps: Vec<Step>) -> VecDeque<Action> {
    let mut out = VecDeque::new();
    for step in steps {
        match step {
            Step::Line(msg) => out.push_back(Action::Send(Bytes::from(msg + "\r\n"))),
            Step::KeepAlive => out.push_back(Action::Send(Bytes::from_static(b"\r\n"))),
            Step::Split(msg, at) => {
                let mut bytes = msg.into_bytes();
                let at = at.min(bytes.len());
                let mut tail = bytes.split_off(at);
                tail.extend_from_slice(b"\r\n");
                if !bytes.is_empty() {
                    out.push_back(Action::Send(Bytes::from(bytes)));
                }
                out.push_back(Action::Sleep(SPLIT_PAUSE));
                out.push_back(Action::Send(Bytes::from(tail)));
            }
            Step::Raw(bytes) => out.push_back(Action::Send(Bytes::from(bytes))),
            Step::Pause(d) => out.push_back(Action::Sleep(d)),
            Step::Close => {
                out.push_back(Action::Abort);
                break;
            }
        }
    }
    out
}

/// Body state: pending actions, the shutdown signal, and whether the body
/// has already ended (an error item is the last thing hyper sees).
struct BodyState {
    pending: VecDeque<Action>,
    shutdown: watch::Receiver<bool>,
    done: bool,
}

/// The error item that makes hyper drop the connection mid-body.
fn abort_error(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, why.to_string())
}

/// The streaming body: each step is produced only when hyper polls for it,
/// so every chunk is written and flushed as it happens, never buffered. A
/// client that disconnects drops the stream, which ends the script.
pub(super) fn step_stream(
    steps: Vec<Step>,
    shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    play(actions(steps), shutdown)
}

/// The body that does `actions` in order as hyper polls it, then stays open until `shutdown`
/// (unless it aborted).
pub(crate) fn play(
    actions: VecDeque<Action>,
    shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let state = BodyState {
        pending: actions,
        shutdown,
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            match st.pending.pop_front() {
                Some(Action::Send(bytes)) => return Some((Ok(bytes), st)),
                Some(Action::Call(call)) => call(),
                Some(Action::Sleep(d)) => {
                    let stopped = tokio::select! {
                        () = tokio::time::sleep(d) => false,
                        _ = st.shutdown.wait_for(|stop| *stop) => true,
                    };
                    if stopped {
                        st.done = true;
                        return Some((Err(abort_error("stand-in shutting down")), st));
                    }
                }
                Some(Action::Abort) => {
                    // hyper buffers whatever the body yields while it stays
                    // ready and drops that buffer unsent when the body errors;
                    // going pending first makes it flush the earlier steps
                    // (and the response head) before the connection is cut.
                    tokio::time::sleep(CLOSE_FLUSH_DELAY).await;
                    st.done = true;
                    return Some((Err(abort_error("scripted Close")), st));
                }
                None => {
                    // Script finished without Close: stay open until shutdown.
                    let _ = st.shutdown.wait_for(|stop| *stop).await;
                    st.done = true;
                    return Some((Err(abort_error("stand-in shutting down")), st));
                }
            }
        }
    })
}
