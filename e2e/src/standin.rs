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

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use bytes::Bytes;
use futures::Stream;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use sha1::Sha1;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Largest request body the stand-in will read; bigger bodies get 413, so a
/// runaway client cannot make a test allocate without bound.
const MAX_BODY: usize = 1 << 20;

/// Pause between the two halves of a [`Step::Split`] message, long enough that
/// the halves reach the client as separate reads.
const SPLIT_PAUSE: Duration = Duration::from_millis(20);

/// How long the body stays pending before a [`Step::Close`] error, so hyper
/// flushes the bytes already produced instead of discarding them.
const CLOSE_FLUSH_DELAY: Duration = Duration::from_millis(10);

/// First id handed out to a v2 rule; Twitter rule ids are large decimal strings,
/// so ids of the same shape catch code that assumes they fit in small integers.
const FIRST_RULE_ID: u64 = 1_600_000_000_000_000_000;

/// The v1.1 body Twitter sends when OAuth 1.0a verification fails; clients
/// key off code 32, so it is reproduced verbatim.
const V1_UNAUTHORIZED: &str = r#"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#;

/// The v2 problem body Twitter sends for a missing or wrong bearer token.
const V2_UNAUTHORIZED: &str =
    r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;

/// RFC 3986 "unreserved" characters (ALPHA / DIGIT / "-" / "." / "_" / "~") are
/// the only ones OAuth 1.0a leaves unescaped (RFC 5849 section 3.6).
const OAUTH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// OAuth 1.0a credentials the v1.1 endpoint accepts; tests hand the same values
/// to the producer so the stand-in can recompute and check its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Application ("consumer") key, compared against `oauth_consumer_key`.
    pub consumer_key: String,
    /// Application secret, the first half of the HMAC-SHA1 signing key.
    pub consumer_secret: String,
    /// User access token, compared against `oauth_token`.
    pub access_token: String,
    /// User access token secret, the second half of the signing key.
    pub access_secret: String,
}

impl Credentials {
    /// The environment variables the producer reads them from (the tutorials' names).
    pub fn env(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("CONSUMER_KEY", &self.consumer_key),
            ("CONSUMER_SECRET", &self.consumer_secret),
            ("ACCESS_TOKEN", &self.access_token),
            ("ACCESS_SECRET", &self.access_secret),
        ]
    }
}

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

/// One request to a stream endpoint as the stand-in saw it, so tests can
/// assert on reconnect timing, authentication and the parameters sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When the request arrived (for back-off assertions).
    pub at: Instant,
    /// `"v1-filter"` or `"v2-stream"`.
    pub endpoint: String,
    /// Whether authentication succeeded; unauthorized attempts do not consume
    /// a scripted [`Connection`].
    pub authorized: bool,
    /// Decoded query and form parameters in arrival order (query first),
    /// excluding `oauth_*` parameters.
    pub params: Vec<(String, String)>,
    /// The HTTP status the stand-in answered with.
    pub status: u16,
}

/// A v2 filtered-stream rule as stored by the stand-in, so tests can check
/// what rules the producer installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Server-assigned id (a large decimal string, as Twitter's are).
    pub id: String,
    /// The rule expression, e.g. `"#rust lang:en"`.
    pub value: String,
    /// Optional client-chosen label.
    pub tag: Option<String>,
}

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
}

/// The running stand-in server; start one per test with [`StandIn::start`]
/// and point the producer's Twitter sources at [`StandIn::base_url`].
#[derive(Debug)]
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown_tx: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("stand-in: bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("stand-in: local address of bound listener");
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            creds,
            bearer_token,
            inner: Mutex::new(Inner {
                connections: connections.into(),
                attempts: Vec::new(),
                rules: Vec::new(),
                next_rule_id: FIRST_RULE_ID,
            }),
            shutdown: shutdown_rx.clone(),
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
        let mut signal = shutdown_rx;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = signal.wait_for(|stop| *stop).await;
                })
                .await;
        });
        StandIn {
            addr,
            shared,
            shutdown_tx,
            server: Some(server),
        }
    }

    /// `"http://127.0.0.1:PORT"`, to configure the producer's API base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request to a stream endpoint so far, in arrival order.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.shared.lock().attempts.clone()
    }

    /// The current v2 filter rules, in creation order.
    pub fn rules(&self) -> Vec<Rule> {
        self.shared.lock().rules.clone()
    }

    /// Stops the server: open streams are ended abruptly (as when Twitter goes
    /// away), then the listener closes. Waits at most a few seconds.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(mut server) = self.server.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }
}

impl Drop for StandIn {
    /// A test that forgets [`StandIn::shutdown`] (or panics) must not leave a
    /// server task running, so dropping signals shutdown and aborts the task.
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Computes an OAuth 1.0a HMAC-SHA1 signature (RFC 5849 section 3.4), base64
/// encoded, so the stand-in and tests can check signatures independently of
/// the producer's signer.
///
/// `base_uri` is used as given: it must already be normalized (lowercase
/// scheme and host, default port omitted, no query). `params` are the decoded
/// request parameters: every `oauth_*` protocol parameter except
/// `oauth_signature`, plus query and form-body parameters.
pub fn oauth1_signature(
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let base_string = signature_base_string(method, base_uri, params);
    let key = format!(
        "{}&{}",
        oauth_encode(consumer_secret),
        oauth_encode(token_secret)
    );
    // HMAC is defined for keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(base_string.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The signature base string of RFC 5849 section 3.4.1: method, encoded base
/// URI and encoded normalized parameters, joined with `&`.
fn signature_base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(name, value)| (oauth_encode(name), oauth_encode(value)))
        .collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        oauth_encode(base_uri),
        oauth_encode(&normalized)
    )
}

/// Percent-encodes with the RFC 3986 unreserved set, as OAuth 1.0a requires.
fn oauth_encode(s: &str) -> String {
    utf8_percent_encode(s, OAUTH_ENCODE).to_string()
}

/// A request that could not be understood (bad encoding, oversized body).
#[derive(Debug)]
struct BadRequest {
    status: StatusCode,
    message: String,
}

impl BadRequest {
    fn new(message: impl Into<String>) -> Self {
        BadRequest {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is space).
fn form_decode(raw: &str) -> Result<String, BadRequest> {
    let spaced = raw.replace('+', " ");
    percent_decode(spaced.as_bytes())
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| BadRequest::new("parameter is not valid UTF-8 after percent-decoding"))
}

/// Parses a query string or form body into decoded name/value pairs, in order.
fn parse_form(raw: &str) -> Result<Vec<(String, String)>, BadRequest> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((form_decode(name)?, form_decode(value)?))
        })
        .collect()
}

/// Whether the request declares a form-encoded body, the only kind whose
/// parameters take part in the OAuth signature (RFC 5849 section 3.4.1.3.1).
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Reads the query string and (for form bodies) the body into parameters.
async fn request_params(req: Request) -> Result<Vec<(String, String)>, BadRequest> {
    let mut params = parse_form(req.uri().query().unwrap_or(""))?;
    if is_form(req.headers()) {
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| BadRequest {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: "request body unreadable or too large".into(),
            })?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| BadRequest::new("form body is not valid UTF-8"))?;
        params.extend(parse_form(text)?);
    }
    Ok(params)
}

/// Parses `Authorization: OAuth k="v", ...` into decoded pairs (`realm` is
/// dropped, as RFC 5849 section 3.4.1.3.1 requires). `None` if not OAuth.
fn parse_oauth_header(value: &str) -> Option<Vec<(String, String)>> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut pairs = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, quoted) = part.split_once('=')?;
        let quoted = quoted.trim();
        let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
        let name = percent_decode(name.trim().as_bytes()).decode_utf8().ok()?;
        let value = percent_decode(inner.as_bytes()).decode_utf8().ok()?;
        if name != "realm" {
            pairs.push((name.into_owned(), value.into_owned()));
        }
    }
    Some(pairs)
}

/// The base string URI (RFC 5849 section 3.4.1.2) of the request as the
/// client addressed it: from the Host header, since that is what it signed.
fn base_uri(headers: &HeaderMap, req_uri: &axum::http::Uri) -> Option<String> {
    let host = match headers.get(header::HOST) {
        Some(value) => value.to_str().ok()?.to_ascii_lowercase(),
        None => req_uri.authority()?.as_str().to_ascii_lowercase(),
    };
    let host = host.strip_suffix(":80").unwrap_or(&host);
    if host.is_empty() {
        return None;
    }
    Some(format!("http://{host}{}", req_uri.path()))
}

/// Checks an OAuth 1.0a request the way Twitter does: known consumer key and
/// token, HMAC-SHA1, version 1.0, timestamp and nonce present, and a
/// signature that matches the one recomputed from the request.
fn oauth_valid(
    creds: &Credentials,
    method: &Method,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    params: &[(String, String)],
) -> bool {
    let Some(oauth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_oauth_header)
    else {
        return false;
    };
    let get = |name: &str| {
        oauth
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let present = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    let basics_ok = get("oauth_consumer_key") == Some(creds.consumer_key.as_str())
        && get("oauth_token") == Some(creds.access_token.as_str())
        && get("oauth_signature_method") == Some("HMAC-SHA1")
        && get("oauth_version").is_none_or(|v| v == "1.0")
        && present("oauth_timestamp")
        && present("oauth_nonce");
    let (Some(signature), Some(base)) = (get("oauth_signature"), base_uri(headers, uri)) else {
        return false;
    };
    if !basics_ok {
        return false;
    }
    let mut signed: Vec<(String, String)> = oauth
        .iter()
        .filter(|(name, _)| name != "oauth_signature")
        .cloned()
        .collect();
    signed.extend(params.iter().cloned());
    let expected = oauth1_signature(
        method.as_str(),
        &base,
        &signed,
        &creds.consumer_secret,
        &creds.access_secret,
    );
    expected == signature
}

/// Whether `Authorization: Bearer <token>` carries exactly the expected token.
fn bearer_valid(expected: &str, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("Bearer") && token.trim() == expected
        })
}

/// Which stream endpoint a request hit; selects error body shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    V1Filter,
    V2Stream,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::V1Filter => "v1-filter",
            Endpoint::V2Stream => "v2-stream",
        }
    }
}

/// Builds a response with a JSON body.
fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.into(),
    )
        .into_response()
}

/// The reason phrase Twitter uses; 420 is Twitter's own code.
fn reason(code: u16) -> &'static str {
    match code {
        420 => "Enhance Your Calm",
        _ => StatusCode::from_u16(code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

/// A scripted error response, shaped like the endpoint's real error bodies.
fn status_response(endpoint: Endpoint, code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = status.as_u16();
    let body = match endpoint {
        Endpoint::V1Filter => {
            let (twitter_code, message) = match code {
                401 => (32, "Could not authenticate you."),
                429 => (88, "Rate limit exceeded"),
                503 => (130, "Over capacity"),
                _ => (u32::from(code), reason(code)),
            };
            json!({"errors": [{"code": twitter_code, "message": message}]})
        }
        Endpoint::V2Stream => json!({
            "title": reason(code),
            "type": "about:blank",
            "status": code,
            "detail": reason(code),
        }),
    };
    json_response(status, body.to_string())
}

/// A 400/413 for a request that could not be parsed.
fn bad_request_response(endpoint: Endpoint, err: &BadRequest) -> Response {
    let body = match endpoint {
        Endpoint::V1Filter => json!({"errors": [{"code": 44, "message": err.message}]}),
        Endpoint::V2Stream => json!({
            "title": "Invalid Request",
            "type": "https://api.twitter.com/2/problems/invalid-request",
            "detail": "One or more parameters to your request was invalid.",
            "errors": [{"message": err.message}],
        }),
    };
    json_response(err.status, body.to_string())
}

/// Records an attempt; for authorized ones also takes the next scripted
/// connection, under the same lock so attempts and connections stay in step.
fn record_attempt(
    shared: &Shared,
    endpoint: Endpoint,
    authorized: bool,
    params: Vec<(String, String)>,
    rejected: StatusCode,
) -> Option<Connection> {
    let mut inner = shared.lock();
    let connection = authorized.then(|| {
        inner
            .connections
            .pop_front()
            .unwrap_or(Connection::Stream(Vec::new()))
    });
    let status = match &connection {
        None => rejected.as_u16(),
        Some(Connection::Stream(_)) => 200,
        Some(Connection::Status(code)) => StatusCode::from_u16(*code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .as_u16(),
    };
    let params = params
        .into_iter()
        .filter(|(name, _)| !name.starts_with("oauth_"))
        .collect();
    inner.attempts.push(Attempt {
        at: Instant::now(),
        endpoint: endpoint.name().to_string(),
        authorized,
        params,
        status,
    });
    connection
}

/// Serves a scripted connection.
fn serve_connection(shared: &Shared, endpoint: Endpoint, connection: Connection) -> Response {
    match connection {
        Connection::Status(code) => status_response(endpoint, code),
        Connection::Stream(steps) => {
            let body = Body::from_stream(step_stream(steps, shared.shutdown.clone()));
            json_response(StatusCode::OK, body)
        }
    }
}

/// `POST /1.1/statuses/filter.json`.
async fn v1_filter(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let endpoint = Endpoint::V1Filter;
    let method = req.method().clone();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let params = match request_params(req).await {
        Ok(params) => params,
        Err(err) => {
            let params = parse_form(uri.query().unwrap_or("")).unwrap_or_default();
            record_attempt(&shared, endpoint, false, params, err.status);
            return bad_request_response(endpoint, &err);
        }
    };
    let authorized = oauth_valid(&shared.creds, &method, &headers, &uri, &params);
    match record_attempt(
        &shared,
        endpoint,
        authorized,
        params,
        StatusCode::UNAUTHORIZED,
    ) {
        Some(connection) => serve_connection(&shared, endpoint, connection),
        None => json_response(StatusCode::UNAUTHORIZED, V1_UNAUTHORIZED),
    }
}

/// `GET /2/tweets/search/stream`.
async fn v2_stream(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let endpoint = Endpoint::V2Stream;
    let authorized = bearer_valid(&shared.bearer_token, req.headers());
    let params = match parse_form(req.uri().query().unwrap_or("")) {
        Ok(params) => params,
        Err(err) => {
            record_attempt(&shared, endpoint, false, Vec::new(), err.status);
            return bad_request_response(endpoint, &err);
        }
    };
    match record_attempt(
        &shared,
        endpoint,
        authorized,
        params,
        StatusCode::UNAUTHORIZED,
    ) {
        Some(connection) => serve_connection(&shared, endpoint, connection),
        None => json_response(StatusCode::UNAUTHORIZED, V2_UNAUTHORIZED),
    }
}

/// Anything else: a JSON 404, so a wrong path is obvious in test output.
async fn not_found(req: Request) -> Response {
    let body = json!({
        "title": "Not Found Error",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
        "detail": format!("no stand-in endpoint for {} {}", req.method(), req.uri().path()),
    });
    json_response(StatusCode::NOT_FOUND, body.to_string())
}

/// Current time as Twitter formats `meta.sent`: `2024-01-02T03:04:05.678Z`.
fn now_rfc3339() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (proleptic Gregorian), valid for any date after 1970.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since_epoch.subsec_millis()
    )
}

/// A rule as Twitter serializes it (`tag` omitted when absent).
fn rule_json(rule: &Rule) -> Value {
    let mut obj = json!({"id": rule.id, "value": rule.value});
    if let (Some(tag), Some(map)) = (&rule.tag, obj.as_object_mut()) {
        map.insert("tag".into(), Value::String(tag.clone()));
    }
    obj
}

/// `GET /2/tweets/search/stream/rules`.
async fn rules_list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !bearer_valid(&shared.bearer_token, &headers) {
        return json_response(StatusCode::UNAUTHORIZED, V2_UNAUTHORIZED);
    }
    let rules = shared.rules_snapshot();
    let mut body = json!({"meta": {"sent": now_rfc3339(), "result_count": rules.len()}});
    if let (false, Some(map)) = (rules.is_empty(), body.as_object_mut()) {
        map.insert(
            "data".into(),
            Value::Array(rules.iter().map(rule_json).collect()),
        );
    }
    json_response(StatusCode::OK, body.to_string())
}

impl Shared {
    fn rules_snapshot(&self) -> Vec<Rule> {
        self.lock().rules.clone()
    }
}

/// An `add` entry that passed validation.
struct NewRule {
    value: String,
    tag: Option<String>,
}

/// Validates a `{"add":[{"value","tag"}]}` array.
fn parse_adds(adds: &Value) -> Result<Vec<NewRule>, BadRequest> {
    let items = adds
        .as_array()
        .ok_or_else(|| BadRequest::new("`add` must be an array"))?;
    if items.is_empty() {
        return Err(BadRequest::new("`add` must not be empty"));
    }
    items
        .iter()
        .map(|item| {
            let value = item
                .get("value")
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| BadRequest::new("each rule needs a non-empty string `value`"))?;
            let tag = match item.get("tag") {
                None | Some(Value::Null) => None,
                Some(Value::String(tag)) => Some(tag.clone()),
                Some(_) => return Err(BadRequest::new("`tag` must be a string")),
            };
            Ok(NewRule {
                value: value.to_string(),
                tag,
            })
        })
        .collect()
}

/// Validates a `{"delete":{"ids":[...]}}` object.
fn parse_deletes(delete: &Value) -> Result<Vec<String>, BadRequest> {
    let ids = delete
        .get("ids")
        .and_then(Value::as_array)
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| BadRequest::new("`delete.ids` must be a non-empty array"))?;
    ids.iter()
        .map(|id| {
            id.as_str()
                .map(str::to_string)
                .ok_or_else(|| BadRequest::new("rule ids must be strings"))
        })
        .collect()
}

/// `POST /2/tweets/search/stream/rules` (add or delete; `?dry_run=true`
/// validates and answers without changing anything, as on Twitter).
async fn rules_change(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let endpoint = Endpoint::V2Stream;
    if !bearer_valid(&shared.bearer_token, req.headers()) {
        return json_response(StatusCode::UNAUTHORIZED, V2_UNAUTHORIZED);
    }
    let dry_run = parse_form(req.uri().query().unwrap_or(""))
        .unwrap_or_default()
        .iter()
        .any(|(name, value)| name == "dry_run" && value == "true");
    let parsed = async {
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|_| BadRequest {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: "request body unreadable or too large".into(),
            })?;
        serde_json::from_slice::<Value>(&body)
            .map_err(|e| BadRequest::new(format!("body is not valid JSON: {e}")))
    }
    .await;
    let body = match parsed {
        Ok(body) => body,
        Err(err) => return bad_request_response(endpoint, &err),
    };
    let result = match (body.get("add"), body.get("delete")) {
        (Some(adds), None) => parse_adds(adds).map(|adds| add_rules(&shared, adds, dry_run)),
        (None, Some(delete)) => {
            parse_deletes(delete).map(|ids| delete_rules(&shared, &ids, dry_run))
        }
        _ => Err(BadRequest::new(
            "body must have exactly one of `add` or `delete`",
        )),
    };
    match result {
        Ok(reply) => json_response(StatusCode::OK, reply.to_string()),
        Err(err) => bad_request_response(endpoint, &err),
    }
}

/// Adds rules, refusing duplicates of an existing value as Twitter does.
fn add_rules(shared: &Shared, adds: Vec<NewRule>, dry_run: bool) -> Value {
    let mut inner = shared.lock();
    let mut created = Vec::new();
    let mut errors = Vec::new();
    for add in adds {
        let existing = inner
            .rules
            .iter()
            .chain(created.iter())
            .find(|r| r.value == add.value)
            .map(|r| r.id.clone());
        if let Some(id) = existing {
            errors.push(json!({
                "value": add.value,
                "id": id,
                "title": "DuplicateRule",
                "type": "https://api.twitter.com/2/problems/duplicate-rules",
            }));
            continue;
        }
        let id = inner.next_rule_id.to_string();
        inner.next_rule_id += 1;
        created.push(Rule {
            id,
            value: add.value,
            tag: add.tag,
        });
    }
    let data: Vec<Value> = created.iter().map(rule_json).collect();
    let summary = json!({
        "created": created.len(),
        "not_created": errors.len(),
        "valid": created.len(),
        "invalid": errors.len(),
    });
    if !dry_run {
        inner.rules.extend(created);
    }
    let mut reply = json!({"meta": {"sent": now_rfc3339(), "summary": summary}});
    if let Some(map) = reply.as_object_mut() {
        if !data.is_empty() {
            map.insert("data".into(), Value::Array(data));
        }
        if !errors.is_empty() {
            map.insert("errors".into(), Value::Array(errors));
        }
    }
    reply
}

/// Deletes rules by id; unknown ids count as `not_deleted`.
fn delete_rules(shared: &Shared, ids: &[String], dry_run: bool) -> Value {
    let mut inner = shared.lock();
    let (found, missing): (Vec<&String>, Vec<&String>) = ids
        .iter()
        .partition(|id| inner.rules.iter().any(|r| &r.id == *id));
    if !dry_run {
        inner.rules.retain(|r| !found.contains(&&r.id));
    }
    let mut reply = json!({"meta": {
        "sent": now_rfc3339(),
        "summary": {"deleted": found.len(), "not_deleted": missing.len()},
    }});
    if let (false, Some(map)) = (missing.is_empty(), reply.as_object_mut()) {
        let errors = missing
            .iter()
            .map(|id| {
                json!({
                    "errors": [{"parameters": {}, "message": "Rule does not exist"}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                    "id": id,
                })
            })
            .collect();
        map.insert("errors".into(), Value::Array(errors));
    }
    reply
}

/// One low-level thing the response body does.
enum Action {
    Send(Bytes),
    Sleep(Duration),
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
fn step_stream(
    steps: Vec<Step>,
    shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    let state = BodyState {
        pending: actions(steps),
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

#[cfg(test)]
mod tests;
