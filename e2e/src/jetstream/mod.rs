//! A local, in-process stand-in for Bluesky's Jetstream (`/subscribe`, WebSocket, one JSON event
//! per text frame), so the producer's Bluesky source is tested without the internet.
//!
//! It serves a log of events, as the real server does: each subscription gets the events of its
//! `wantedCollections` (identity and account events whatever it wants), from its `cursor` on
//! (`time_us` at or after it; no cursor: from the start of the log), in log order. The log may
//! keep the order of a real capture, whose `time_us` are not sorted. Each connection attempt
//! plays the next scripted [`Connection`] (send some events, a malformed or binary frame, stall,
//! drop the connection, refuse the upgrade), and every attempt is recorded with its
//! subscription and the `time_us` of each event sent on it, so a test can check where each
//! reconnect resumed. Attempts after the script get every event from their cursor, then a quiet
//! open socket.
//!
//! [`corpus`] derives a larger log from the recorded events.

pub mod corpus;
mod log;
mod script;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

pub use log::{Logged, Subscription};
pub use script::{Connection, Step};

use crate::server::Server;

/// One connection attempt, as the stand-in saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The request's path (`/subscribe`).
    pub path: String,
    pub subscription: Subscription,
    /// 101 for an upgrade, else the status it was refused with.
    pub status: u16,
    /// The `time_us` of every event sent on it, in order.
    pub sent: Vec<i64>,
}

#[derive(Debug)]
struct Inner {
    script: VecDeque<Connection>,
    attempts: Vec<Attempt>,
}

#[derive(Debug)]
struct Shared {
    log: Vec<Logged>,
    inner: Mutex<Inner>,
}

impl Shared {
    /// Poisoning is ignored: a panic in one connection must not fail every later one.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running stand-in; point the producer at [`JetstreamStandIn::url`].
#[derive(Debug)]
pub struct JetstreamStandIn {
    /// Runs [`serve`]; stopped on drop too, so a test that panics leaves no server running.
    server: Server,
    shared: Arc<Shared>,
}

impl JetstreamStandIn {
    /// Starts serving `log` (JSON event lines) on `127.0.0.1` with a random port, one scripted
    /// connection per attempt.
    ///
    /// # Panics
    /// If no local port can be bound, or a log line is not a Jetstream event.
    pub async fn start(log: &[String], script: Vec<Connection>) -> JetstreamStandIn {
        let (mut server, listener, stop) = Server::bind().await;
        let shared = Arc::new(Shared {
            log: log.iter().map(|line| Logged::parse(line)).collect(),
            inner: Mutex::new(Inner {
                script: script.into(),
                attempts: Vec::new(),
            }),
        });
        server.spawn(serve(listener, shared.clone(), stop));
        JetstreamStandIn { server, shared }
    }

    /// `ws://127.0.0.1:PORT/subscribe`, the producer's `--jetstream`.
    pub fn url(&self) -> String {
        format!("ws://{}/subscribe", self.server.addr())
    }

    /// Every connection attempt so far, in arrival order.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.shared.lock().attempts.clone()
    }

    /// Stops the server and ends every open connection abruptly.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Accepts connections until shut down, each on its own task.
async fn serve(listener: TcpListener, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    let mut stopping = stop.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(connection(stream, shared.clone(), stop.clone()));
                }
            }
            _ = stopping.wait_for(|s| *s) => break,
        }
    }
    connections.abort_all();
}

/// One connection: the upgrade (or its scripted refusal), then the scripted steps.
async fn connection(stream: TcpStream, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    let mut plan = None;
    #[expect(
        clippy::result_large_err,
        reason = "the shape of tungstenite's handshake callback"
    )]
    let handshake = |request: &Request, response: Response| {
        let path = request.uri().path().to_owned();
        let subscription = Subscription::from_query(request.uri().query().unwrap_or(""));
        let mut inner = shared.lock();
        let next = inner
            .script
            .pop_front()
            .unwrap_or(Connection::Steps(Vec::new()));
        let index = inner.attempts.len();
        let (status, outcome) = match next {
            Connection::Status(status) => (status, Err(refusal(status))),
            Connection::Steps(_) if path != "/subscribe" => (404, Err(refusal(404))),
            Connection::Steps(steps) => {
                plan = Some((index, subscription.clone(), steps));
                (101, Ok(response))
            }
        };
        inner.attempts.push(Attempt {
            path,
            subscription,
            status,
            sent: Vec::new(),
        });
        outcome
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, handshake).await else {
        return;
    };
    let Some((index, subscription, steps)) = plan else {
        return;
    };
    let events: Vec<Logged> = shared
        .log
        .iter()
        .filter(|e| subscription.wants(e))
        .cloned()
        .collect();
    let record = |time_us| shared.lock().attempts[index].sent.push(time_us);
    script::play(ws, steps, events, record, stop).await;
}

/// A refused upgrade with a small JSON body, as an HTTP proxy in front of Jetstream would send.
fn refusal(status: u16) -> ErrorResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = ErrorResponse::new(Some(format!(r#"{{"error":"{status}"}}"#)));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests;
