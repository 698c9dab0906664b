//! A local, in-process stand-in for a Mastodon instance: the streaming API's public timeline as
//! server-sent events and the REST public timeline, both behind `Authorization: Bearer`, so that
//! the producer's Mastodon source can be tested without the internet.
//!
//! It holds a timeline of statuses (the recorded ones, with this instance's ids: see
//! [`on_instance`]); scripted [`Connection`]s send them as `update` events, with deletes, edits,
//! malformed bytes, heartbeats, silences and abrupt ends. A status is in the REST timeline once it
//! is posted: when a connection sends it, or, for the statuses before a connection's first, when
//! that connection opens (they were posted while nobody was connected: only the REST timeline
//! has them, which is what a reconnect's backfill must fetch).
//!
//! Endpoints (paths as Mastodon's): `GET /api/v1/streaming/public` and `/public/local`, `GET
//! /api/v1/timelines/public` (`max_id`, `since_id`, `min_id`, `limit`, newest first, a `Link`
//! header). Hashtag timelines are not served (404).

mod script;
mod timeline;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::watch;

pub use script::{Connection, Step};
pub use timeline::Paging;

use crate::server::Server;
use crate::standin::auth::bearer_valid;
use crate::standin::script::play;

/// The first id the stand-in gives its statuses: as long as a Mastodon snowflake of 2026.
pub const FIRST_ID: u64 = 115_000_000_000_000_000;

/// The recorded statuses as this instance's, in the given order: each gets the id
/// `FIRST_ID + position` (ids are per instance; the `uri` stays the global one).
pub fn on_instance(statuses: &[String]) -> Vec<String> {
    statuses
        .iter()
        .zip(FIRST_ID..)
        .map(|(status, id)| {
            let mut v: serde_json::Value = serde_json::from_str(status).expect("status JSON");
            v["id"] = serde_json::Value::String(id.to_string());
            v.to_string()
        })
        .collect()
}

/// One request as the stand-in saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `"stream"` or `"timeline"`.
    pub endpoint: &'static str,
    pub authorized: bool,
    /// Decoded query parameters.
    pub params: Vec<(String, String)>,
    pub status: u16,
    /// A timeline page's status positions, newest first.
    pub served: Vec<usize>,
}

#[derive(Debug)]
struct Inner {
    connections: VecDeque<Connection>,
    /// How many statuses of the timeline are posted (the first ones).
    posted: usize,
    /// How the next timeline requests are answered: a status, or `None` for the page.
    timeline_answers: VecDeque<Option<u16>>,
    seen: Vec<Seen>,
}

#[derive(Debug)]
struct Shared {
    token: String,
    statuses: Vec<String>,
    ids: Vec<u64>,
    heartbeat: Duration,
    inner: Mutex<Inner>,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The first `n` statuses are posted.
    fn post(&self, n: usize) {
        let mut inner = self.lock();
        inner.posted = inner.posted.max(n.min(self.statuses.len()));
    }
}

/// The running stand-in; start one per test.
#[derive(Debug)]
pub struct MastodonStandIn {
    /// Stopped on drop too, so a test that panics leaves no server running.
    server: Server,
    shared: Arc<Shared>,
}

impl MastodonStandIn {
    /// Serves `statuses` (as [`on_instance`] made them) on `127.0.0.1` with a random port to
    /// whoever presents `token`; stream connections follow `connections` in order (later ones
    /// get heartbeats only), with a heartbeat every `heartbeat`.
    pub async fn start(
        token: &str,
        statuses: Vec<String>,
        connections: Vec<Connection>,
        heartbeat: Duration,
    ) -> MastodonStandIn {
        let (mut server, listener, stop) = Server::bind().await;
        let ids = (FIRST_ID..).take(statuses.len()).collect();
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            statuses,
            ids,
            heartbeat,
            inner: Mutex::new(Inner {
                connections: connections.into(),
                posted: 0,
                timeline_answers: VecDeque::new(),
                seen: Vec::new(),
            }),
            shutdown: stop,
        });
        let app = Router::new()
            .route("/api/v1/streaming/public", get(stream))
            .route("/api/v1/streaming/public/local", get(stream))
            .route("/api/v1/timelines/public", get(timeline))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "Not found") })
            .with_state(shared.clone());
        server.serve(listener, app);
        MastodonStandIn { server, shared }
    }

    /// `"http://127.0.0.1:PORT"`: the producer's `--instance`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// Answers the next authorized timeline requests as `answers` say, in order: an error status
    /// (e.g. 429), or `None` for the page as usual; later requests get their pages.
    pub fn script_timeline(&self, answers: Vec<Option<u16>>) {
        self.shared.lock().timeline_answers = answers.into();
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.lock().seen.clone()
    }

    /// Stops the server, ending open streams abruptly.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Mastodon's error body.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn params(req: &Request) -> Vec<(String, String)> {
    let query = req.uri().query().unwrap_or("");
    url_pairs(query)
}

/// Decoded `name=value` pairs of a query string.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Records a request.
fn record(shared: &Shared, seen: Seen) {
    shared.lock().seen.push(seen);
}

const INVALID_TOKEN: &str = "The access token is invalid";

async fn stream(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let authorized = bearer_valid(&shared.token, req.headers());
    let params = params(&req);
    let connection = authorized.then(|| {
        let mut inner = shared.lock();
        inner
            .connections
            .pop_front()
            .unwrap_or(Connection::Stream(Vec::new()))
    });
    let status = match &connection {
        None => 401,
        Some(Connection::Status(code)) => *code,
        Some(Connection::Stream(_)) => 200,
    };
    record(
        &shared,
        Seen {
            endpoint: "stream",
            authorized,
            params,
            status,
            served: Vec::new(),
        },
    );
    match connection {
        None => error(StatusCode::UNAUTHORIZED, INVALID_TOKEN),
        Some(Connection::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, status.canonical_reason().unwrap_or("Error"))
        }
        Some(Connection::Stream(steps)) => {
            if let Some(first) = script::first_update(&steps) {
                shared.post(first);
            }
            let body = Body::from_stream(play(
                script::actions(steps, &shared),
                shared.shutdown.clone(),
            ));
            (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream"),
                )],
                body,
            )
                .into_response()
        }
    }
}

async fn timeline(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let authorized = bearer_valid(&shared.token, req.headers());
    let params = params(&req);
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let (posted, scripted) = {
        let mut inner = shared.lock();
        let scripted = authorized.then(|| inner.timeline_answers.pop_front().flatten());
        (inner.posted, scripted.flatten())
    };
    let status = match (authorized, scripted) {
        (false, _) => StatusCode::UNAUTHORIZED,
        (true, Some(code)) => {
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
        (true, None) => StatusCode::OK,
    };
    let served = if status == StatusCode::OK {
        Paging::from_params(&params).select(&shared.ids[..posted])
    } else {
        Vec::new()
    };
    record(
        &shared,
        Seen {
            endpoint: "timeline",
            authorized,
            params,
            status: status.as_u16(),
            served: served.clone(),
        },
    );
    if !authorized {
        return error(status, INVALID_TOKEN);
    }
    if status != StatusCode::OK {
        return error(status, status.canonical_reason().unwrap_or("Error"));
    }
    let page: Vec<&str> = served
        .iter()
        .map(|&i| shared.statuses[i].as_str())
        .collect();
    let body = format!("[{}]", page.join(","));
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    if let (Some(&newest), Some(&oldest)) = (served.first(), served.last()) {
        let link = format!(
            "<http://{host}/api/v1/timelines/public?max_id={}>; rel=\"next\", <http://{host}/api/v1/timelines/public?min_id={}>; rel=\"prev\"",
            shared.ids[oldest], shared.ids[newest]
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}
