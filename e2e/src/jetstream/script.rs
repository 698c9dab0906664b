//! Scripted connections: what the stand-in does on each subscription, step by step (send some
//! events, a malformed or binary frame, pause, stall, drop the connection), then the rest of the
//! log.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::log::Logged;

/// One scripted thing a connection does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The next `n` events the subscription gets (fewer when the log runs out).
    Events(usize),
    /// A text frame as-is: a malformed event.
    Text(String),
    /// A binary frame (Jetstream sends those only to clients that asked for compression).
    Binary(Vec<u8>),
    /// Send nothing for this long, then go on (shorter than the client's stall timeout: a lull).
    Pause(Duration),
    /// Send nothing more and keep the socket open until the client leaves: a stall.
    Stall,
    /// Drop the connection without a close frame.
    Drop,
}

/// What one connection attempt gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// The upgrade succeeds; the steps are played, then (unless a step ended the connection)
    /// every remaining event the subscription gets, and the socket stays open and quiet.
    Steps(Vec<Step>),
    /// The upgrade is refused with this HTTP status.
    Status(u16),
}

/// Plays `steps` on `ws`, sending the subscription's events (`events`) as the steps say and the
/// rest after them, and reporting each event's `time_us` to `sent` as it goes.
pub(super) async fn play(
    mut ws: WebSocketStream<TcpStream>,
    steps: Vec<Step>,
    events: Vec<Logged>,
    mut sent: impl FnMut(i64),
    mut shutdown: watch::Receiver<bool>,
) {
    let mut events = events.into_iter();
    for step in steps {
        let open = match step {
            Step::Events(n) => send_events(&mut ws, events.by_ref().take(n), &mut sent).await,
            Step::Text(text) => ws.send(Message::text(text)).await.is_ok(),
            Step::Binary(bytes) => ws.send(Message::binary(bytes)).await.is_ok(),
            Step::Pause(lull) => {
                tokio::time::sleep(lull).await;
                true
            }
            Step::Stall => stay_quiet(&mut ws, &mut shutdown).await,
            Step::Drop => false,
        };
        if !open {
            // Dropping the socket closes it without a close frame.
            return;
        }
    }
    if send_events(&mut ws, events, &mut sent).await {
        stay_quiet(&mut ws, &mut shutdown).await;
    }
}

/// Sends `events` in order; false when the client is gone.
async fn send_events(
    ws: &mut WebSocketStream<TcpStream>,
    events: impl Iterator<Item = Logged>,
    sent: &mut impl FnMut(i64),
) -> bool {
    for event in events {
        if ws.send(Message::text(event.json)).await.is_err() {
            return false;
        }
        sent(event.time_us);
    }
    true
}

/// Keeps the connection open, sending nothing, until the client leaves or the stand-in stops;
/// returns false then (the connection is over). Reading lets tungstenite answer the client's
/// pings, as any server does.
async fn stay_quiet(
    ws: &mut WebSocketStream<TcpStream>,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return false,
            },
            _ = shutdown.wait_for(|stop| *stop) => return false,
        }
    }
}
