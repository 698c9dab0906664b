//! The two stream endpoints, v1.1 filter and v2 filtered stream: each request is checked and
//! recorded as an [`Attempt`], and an authorized one is served the next scripted connection.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::auth::{bearer_valid, oauth_valid};
use super::http::{
    bad_request_response, json_response, parse_form, request_params, status_response, Endpoint,
};
use super::script::{step_stream, Connection};
use super::Shared;

/// The v1.1 body Twitter sends when OAuth 1.0a verification fails; clients
/// key off code 32, so it is reproduced verbatim.
pub(super) const V1_UNAUTHORIZED: &str =
    r#"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#;

/// The v2 problem body Twitter sends for a missing or wrong bearer token.
pub(super) const V2_UNAUTHORIZED: &str =
    r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;

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

/// Records a well-formed attempt and plays its scripted connection, or answers 401 with the
/// API version's error body when the credentials are wrong.
fn answer(
    shared: &Shared,
    endpoint: Endpoint,
    authorized: bool,
    params: Vec<(String, String)>,
    unauthorized: &'static str,
) -> Response {
    match record_attempt(
        shared,
        endpoint,
        authorized,
        params,
        StatusCode::UNAUTHORIZED,
    ) {
        Some(connection) => serve_connection(shared, endpoint, connection),
        None => json_response(StatusCode::UNAUTHORIZED, unauthorized),
    }
}

/// `POST /1.1/statuses/filter.json`.
pub(super) async fn v1_filter(State(shared): State<Arc<Shared>>, req: Request) -> Response {
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
    answer(&shared, endpoint, authorized, params, V1_UNAUTHORIZED)
}

/// `GET /2/tweets/search/stream`.
pub(super) async fn v2_stream(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let endpoint = Endpoint::V2Stream;
    let authorized = bearer_valid(&shared.bearer_token, req.headers());
    let params = match parse_form(req.uri().query().unwrap_or("")) {
        Ok(params) => params,
        Err(err) => {
            record_attempt(&shared, endpoint, false, Vec::new(), err.status);
            return bad_request_response(endpoint, &err);
        }
    };
    answer(&shared, endpoint, authorized, params, V2_UNAUTHORIZED)
}
