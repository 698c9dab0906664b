//! HTTP plumbing shared by the endpoints: decoding query strings and form bodies, bounded body
//! reads, and JSON responses shaped like each endpoint's real ones (errors included).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use percent_encoding::percent_decode;
use serde_json::json;

/// Largest request body the stand-in will read; bigger bodies get 413, so a
/// runaway client cannot make a test allocate without bound.
const MAX_BODY: usize = 1 << 20;

/// A request that could not be understood (bad encoding, oversized body).
#[derive(Debug)]
pub(super) struct BadRequest {
    pub(super) status: StatusCode,
    message: String,
}

impl BadRequest {
    pub(super) fn new(message: impl Into<String>) -> Self {
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
pub(super) fn parse_form(raw: &str) -> Result<Vec<(String, String)>, BadRequest> {
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

/// The whole body, at most [`MAX_BODY`] bytes.
pub(super) async fn body_bytes(body: Body) -> Result<Bytes, BadRequest> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| BadRequest {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "request body unreadable or too large".into(),
        })
}

/// Reads the query string and (for form bodies) the body into parameters.
pub(super) async fn request_params(req: Request) -> Result<Vec<(String, String)>, BadRequest> {
    let mut params = parse_form(req.uri().query().unwrap_or(""))?;
    if is_form(req.headers()) {
        let body = body_bytes(req.into_body()).await?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| BadRequest::new("form body is not valid UTF-8"))?;
        params.extend(parse_form(text)?);
    }
    Ok(params)
}

/// Which stream endpoint a request hit; selects error body shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    V1Filter,
    V2Stream,
}

impl Endpoint {
    pub(super) fn name(self) -> &'static str {
        match self {
            Endpoint::V1Filter => "v1-filter",
            Endpoint::V2Stream => "v2-stream",
        }
    }
}

/// Builds a response with a JSON body.
pub(super) fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
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
pub(super) fn status_response(endpoint: Endpoint, code: u16) -> Response {
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
pub(super) fn bad_request_response(endpoint: Endpoint, err: &BadRequest) -> Response {
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

/// Anything else: a JSON 404, so a wrong path is obvious in test output.
pub(super) async fn not_found(req: Request) -> Response {
    let body = json!({
        "title": "Not Found Error",
        "type": "https://api.twitter.com/2/problems/resource-not-found",
        "detail": format!("no stand-in endpoint for {} {}", req.method(), req.uri().path()),
    });
    json_response(StatusCode::NOT_FOUND, body.to_string())
}
