//! A local, in-process stand-in for the Twitter streaming APIs.
//!
//! The producer's Twitter sources talk to the v1.1 filter stream (OAuth 1.0a)
//! and the v2 filtered stream (bearer token, with its rules endpoints). Tests
//! must not need the internet, so [`StandIn`] serves those endpoints on
//! `127.0.0.1` with a random port, checks authentication the way Twitter does
//! (the OAuth 1.0a signature is recomputed, not just looked at), and plays a
//! scripted sequence of [`Connection`]s so reconnect, back-off, stall and
//! parse-error handling can be exercised deterministically.
//!
//! Endpoints (paths exactly as Twitter's):
//! - `POST /1.1/statuses/filter.json` — v1.1 filter stream, OAuth 1.0a HMAC-SHA1.
//! - `GET /2/tweets/search/stream` — v2 filtered stream, `Authorization: Bearer`.
//! - `GET|POST /2/tweets/search/stream/rules` — v2 rule listing / add / delete.
//!
//! Both stream endpoints draw from the same queue of scripted connections.
//!
//! This module holds the server and its shared state; [`auth`] checks credentials, [`http`]
//! parses requests and shapes responses, [`streams`] answers the two stream endpoints,
//! [`script`] plays a scripted connection's body, and [`rules`] keeps the v2 rules.

pub(crate) mod auth;
mod http;
mod rules;
pub(crate) mod script;
mod streams;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;

pub use auth::Credentials;
pub use rules::Rule;
pub use script::{Connection, Step};
pub use streams::Attempt;

use http::not_found;
use rules::{rules_change, rules_list, FIRST_RULE_ID};
use streams::{v1_filter, v2_stream};

use crate::server::Server;

/// Mutable server state behind one lock.
#[derive(Debug)]
struct Inner {
    connections: VecDeque<Connection>,
    attempts: Vec<Attempt>,
    rules: Vec<Rule>,
    next_rule_id: u64,
}

/// Everything the handlers share.
#[derive(Debug)]
struct Shared {
    creds: Credentials,
    bearer_token: String,
    inner: Mutex<Inner>,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    /// Locks the state; a panic elsewhere must not turn every later request
    /// into a panic too, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current v2 filter rules, in creation order.
    fn rules(&self) -> Vec<Rule> {
        self.lock().rules.clone()
    }
}

/// The running stand-in server; start one per test with [`StandIn::start`]
/// and point the producer's Twitter sources at [`StandIn::base_url`].
#[derive(Debug)]
pub struct StandIn {
    /// Stopped on drop too, so a test that panics leaves no server running.
    server: Server,
    shared: Arc<Shared>,
}

impl StandIn {
    /// Starts the server on `127.0.0.1` with a random port. `connections` are
    /// served in order, one per authorized attempt to either stream endpoint;
    /// attempts after the last get `Stream(vec![])` (a quiet open stream).
    ///
    /// # Panics
    /// If no local port can be bound, since no test can proceed without one.
    pub async fn start(
        creds: Credentials,
        bearer_token: String,
        connections: Vec<Connection>,
    ) -> StandIn {
        let (mut server, listener, stop) = Server::bind().await;
        let shared = Arc::new(Shared {
            creds,
            bearer_token,
            inner: Mutex::new(Inner {
                connections: connections.into(),
                attempts: Vec::new(),
                rules: Vec::new(),
                next_rule_id: FIRST_RULE_ID,
            }),
            shutdown: stop,
        });
        let app = Router::new()
            .route("/1.1/statuses/filter.json", post(v1_filter))
            .route("/2/tweets/search/stream", get(v2_stream))
            .route(
                "/2/tweets/search/stream/rules",
                get(rules_list).post(rules_change),
            )
            .fallback(not_found)
            .with_state(shared.clone());
        server.serve(listener, app);
        StandIn { server, shared }
    }

    /// `"http://127.0.0.1:PORT"`, to configure the producer's API base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Every request to a stream endpoint so far, in arrival order.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.shared.lock().attempts.clone()
    }

    /// The current v2 filter rules, in creation order.
    pub fn rules(&self) -> Vec<Rule> {
        self.shared.rules()
    }

    /// Stops the server: open streams are ended abruptly (as when Twitter goes
    /// away), then the listener closes. Waits at most a few seconds.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

#[cfg(test)]
mod tests;
