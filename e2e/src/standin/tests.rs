//! The stand-in over HTTP, as a client sees it: authentication, scripted connections, rules.

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde_json::{json, Value};

use super::auth::{oauth1_signature, oauth_encode};
use super::script::SPLIT_PAUSE;
use super::streams::{V1_UNAUTHORIZED, V2_UNAUTHORIZED};
use super::*;

const V1_PATH: &str = "/1.1/statuses/filter.json";
const V2_PATH: &str = "/2/tweets/search/stream";
const RULES_PATH: &str = "/2/tweets/search/stream/rules";
const BEARER: &str = "AAAA-test-bearer%2Btoken";

fn creds() -> Credentials {
    Credentials {
        consumer_key: "ck-test".into(),
        consumer_secret: "cs secret/+&".into(),
        access_token: "123-at-test".into(),
        access_secret: "as~secret=".into(),
    }
}

/// Owned name/value pairs, as requests carry them.
pub(super) fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Test-side OAuth 1.0a signer, independent of the server's parsing:
/// signs `params` (query + form) for `base_uri` and builds the header.
fn oauth_header(
    creds: &Credentials,
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    nonce: &str,
) -> String {
    let mut oauth = pairs(&[
        ("oauth_consumer_key", &creds.consumer_key),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1700000000"),
        ("oauth_token", &creds.access_token),
        ("oauth_version", "1.0"),
    ]);
    let mut all = oauth.clone();
    all.extend(params.iter().cloned());
    let signature = oauth1_signature(
        method,
        base_uri,
        &all,
        &creds.consumer_secret,
        &creds.access_secret,
    );
    oauth.push(("oauth_signature".into(), signature));
    let fields: Vec<String> = oauth
        .iter()
        .map(|(n, v)| format!("{}=\"{}\"", oauth_encode(n), oauth_encode(v)))
        .collect();
    format!("OAuth {}", fields.join(", "))
}

/// A correctly signed v1 filter request with `form` in the body.
async fn v1_request(
    client: &reqwest::Client,
    standin: &StandIn,
    creds: &Credentials,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let url = format!("{}{V1_PATH}", standin.base_url());
    let auth = oauth_header(creds, "POST", &url, &pairs(form), "nonce-1");
    client
        .post(&url)
        .header("authorization", auth)
        .form(form)
        .send()
        .await
        .expect("v1 request")
}

async fn v2_request(client: &reqwest::Client, standin: &StandIn, token: &str) -> reqwest::Response {
    client
        .get(format!("{}{V2_PATH}", standin.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("v2 request")
}

/// The body as JSON (reqwest's `json` feature is not needed for this).
async fn json_of(resp: reqwest::Response) -> Value {
    let bytes = resp.bytes().await.expect("body");
    serde_json::from_slice(&bytes).expect("json body")
}

/// How a body read ended.
#[derive(Debug, PartialEq)]
enum End {
    /// The predicate was satisfied (the stream may still be open).
    Matched,
    /// The body finished cleanly.
    Finished,
    /// The body failed (abrupt disconnect); the error text.
    Error(String),
    /// Nothing satisfied the predicate in time.
    TimedOut,
}

/// Reads chunks until `done(body)` holds, the body ends or errors, or
/// `limit` passes; returns the bytes, each chunk's arrival time, and how
/// it ended.
async fn read_body(
    resp: reqwest::Response,
    done: impl Fn(&[u8]) -> bool,
    limit: Duration,
) -> (Vec<u8>, Vec<Instant>, End) {
    let mut stream = resp.bytes_stream();
    let mut body = Vec::new();
    let mut times = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if done(&body) {
            return (body, times, End::Matched);
        }
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => return (body, times, End::TimedOut),
            Ok(None) => return (body, times, End::Finished),
            Ok(Some(Err(e))) => {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    text.push_str(&format!(": {s}"));
                    source = s.source();
                }
                return (body, times, End::Error(text));
            }
            Ok(Some(Ok(chunk))) => {
                body.extend_from_slice(&chunk);
                times.push(Instant::now());
            }
        }
    }
}

#[tokio::test]
async fn signed_v1_request_gets_the_scripted_stream() {
    let a = r#"{"id_str":"1","text":"first #rust"}"#;
    let b = r#"{"id_str":"2","text":"split \u00e9 #tokio"}"#;
    let c = r#"{"id_str":"3","text":"last"}"#;
    let standin = StandIn::start(
        creds(),
        BEARER.into(),
        vec![Connection::Stream(vec![
            Step::Line(a.into()),
            Step::KeepAlive,
            Step::Split(b.into(), 9),
            Step::Raw(b"{not json\r\n".to_vec()),
            Step::Line(c.into()),
        ])],
    )
    .await;
    let client = reqwest::Client::new();
    // Query and form parameters both take part in the signature; the
    // form body is encoded by reqwest (spaces as '+').
    let url = format!("{}{V1_PATH}?stall_warnings=true", standin.base_url());
    let form = [("track", "#rust,tokio lang"), ("language", "en")];
    let mut signed = pairs(&[("stall_warnings", "true")]);
    signed.extend(pairs(&form));
    let auth = oauth_header(
        &creds(),
        "POST",
        &format!("{}{V1_PATH}", standin.base_url()),
        &signed,
        "n1",
    );
    let resp = client
        .post(&url)
        .header("authorization", auth)
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    let expected = format!("{a}\r\n\r\n{b}\r\n{{not json\r\n{c}\r\n");
    let (body, times, end) = read_body(
        resp,
        |body| body.len() >= expected.len(),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(end, End::Matched);
    assert_eq!(String::from_utf8_lossy(&body), expected);
    // The split message needed at least two reads, 20 ms apart.
    assert!(times.len() >= 2);
    assert!(times[times.len() - 1] - times[0] >= SPLIT_PAUSE);

    let attempts = standin.attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].endpoint, "v1-filter");
    assert!(attempts[0].authorized);
    assert_eq!(attempts[0].status, 200);
    assert_eq!(attempts[0].params, signed);
    standin.shutdown().await;
}

#[tokio::test]
async fn bad_v1_auth_gets_401_and_does_not_consume_a_connection() {
    let standin = StandIn::start(creds(), BEARER.into(), vec![Connection::Status(429)]).await;
    let client = reqwest::Client::new();
    let url = format!("{}{V1_PATH}", standin.base_url());
    let form = [("track", "rust")];

    let wrong_secret = Credentials {
        consumer_secret: "not-the-secret".into(),
        ..creds()
    };
    let wrong_key = Credentials {
        consumer_key: "other-app".into(),
        ..creds()
    };
    for bad in [&wrong_secret, &wrong_key] {
        let resp = v1_request(&client, &standin, bad, &form).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.text().await.expect("body"), V1_UNAUTHORIZED);
    }
    // Signed for a different body than the one sent.
    let auth = oauth_header(&creds(), "POST", &url, &pairs(&[("track", "go")]), "n2");
    let resp = client
        .post(&url)
        .header("authorization", auth)
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    // No Authorization header at all, and a malformed one.
    let resp = client.post(&url).form(&form).send().await.expect("request");
    assert_eq!(resp.status(), 401);
    let resp = client
        .post(&url)
        .header("authorization", "OAuth garbage")
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);

    // The scripted connection is still the first one served.
    let resp = v1_request(&client, &standin, &creds(), &form).await;
    assert_eq!(resp.status(), 429);
    let body = json_of(resp).await;
    assert_eq!(body["errors"][0]["code"], 88);

    let attempts = standin.attempts();
    let seen: Vec<(bool, u16)> = attempts.iter().map(|a| (a.authorized, a.status)).collect();
    assert_eq!(
        seen,
        vec![
            (false, 401),
            (false, 401),
            (false, 401),
            (false, 401),
            (false, 401),
            (true, 429)
        ]
    );
    assert!(attempts.iter().all(|a| a.params == pairs(&form)));
    standin.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_4xx_not_panics() {
    let standin = StandIn::start(creds(), BEARER.into(), vec![]).await;
    let client = reqwest::Client::new();
    let base = standin.base_url();
    // Percent-encoding that is not UTF-8.
    let resp = client
        .post(format!("{base}{V1_PATH}?track=%FF"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    let resp = client
        .get(format!("{base}{V2_PATH}?tweet.fields=%C3"))
        .bearer_auth(BEARER)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    for body in [
        "not json",
        r#"{"add":"x"}"#,
        r#"{"add":[{"tag":"t"}]}"#,
        r#"{"delete":{"ids":[1]}}"#,
        "{}",
    ] {
        let resp = client
            .post(format!("{base}{RULES_PATH}"))
            .bearer_auth(BEARER)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 400, "{body}");
    }
    let resp = client
        .get(format!("{base}/1.1/nope"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 404);
    // Still serving after all that.
    let resp = v2_request(&client, &standin, BEARER).await;
    assert_eq!(resp.status(), 200);
    let statuses: Vec<u16> = standin.attempts().iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![400, 400, 200]);
    standin.shutdown().await;
}

#[tokio::test]
async fn v2_bearer_auth_params_and_pause() {
    let standin = StandIn::start(
        creds(),
        BEARER.into(),
        vec![Connection::Stream(vec![
            Step::Line(r#"{"data":{"id":"1"}}"#.into()),
            Step::Pause(Duration::from_millis(300)),
            Step::Line(r#"{"data":{"id":"2"}}"#.into()),
        ])],
    )
    .await;
    let client = reqwest::Client::new();
    let resp = v2_request(&client, &standin, "wrong").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.text().await.expect("body"), V2_UNAUTHORIZED);

    let resp = client
        .get(format!("{}{V2_PATH}", standin.base_url()))
        .query(&[
            ("tweet.fields", "created_at,entities"),
            ("expansions", "author_id"),
        ])
        .bearer_auth(BEARER)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let (body, times, end) = read_body(
        resp,
        |b| b.ends_with(b"\"2\"}}\r\n"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(end, End::Matched);
    assert_eq!(
        body,
        b"{\"data\":{\"id\":\"1\"}}\r\n{\"data\":{\"id\":\"2\"}}\r\n"
    );
    assert_eq!(times.len(), 2);
    assert!(times[1] - times[0] >= Duration::from_millis(250));

    let attempts = standin.attempts();
    assert_eq!(attempts.len(), 2);
    assert!(!attempts[0].authorized && attempts[0].status == 401);
    assert!(attempts[1].authorized && attempts[1].status == 200);
    assert_eq!(attempts[1].endpoint, "v2-stream");
    assert_eq!(
        attempts[1].params,
        pairs(&[
            ("tweet.fields", "created_at,entities"),
            ("expansions", "author_id")
        ])
    );
    standin.shutdown().await;
}

#[tokio::test]
async fn scripted_status_and_close() {
    let standin = StandIn::start(
        creds(),
        BEARER.into(),
        vec![
            Connection::Status(429),
            Connection::Stream(vec![Step::Line("{\"a\":1}".into()), Step::Close]),
            Connection::Stream(vec![Step::Close]),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let resp = v2_request(&client, &standin, BEARER).await;
    assert_eq!(resp.status(), 429);
    let body = json_of(resp).await;
    assert_eq!(body["status"], 429);
    assert_eq!(body["title"], "Too Many Requests");

    let resp = v2_request(&client, &standin, BEARER).await;
    assert_eq!(resp.status(), 200);
    let (body, _, end) = read_body(resp, |_| false, Duration::from_secs(5)).await;
    assert_eq!(body, b"{\"a\":1}\r\n");
    match end {
        End::Error(text) => eprintln!("client sees abrupt close as: {text}"),
        other => panic!("expected a body error after Close, got {other:?}"),
    }
    // Close as the first step: the 200 head still arrives, then the error.
    let resp = v2_request(&client, &standin, BEARER).await;
    assert_eq!(resp.status(), 200);
    let (body, _, end) = read_body(resp, |_| false, Duration::from_secs(5)).await;
    assert!(body.is_empty());
    assert!(matches!(end, End::Error(_)), "{end:?}");
    standin.shutdown().await;
}

#[tokio::test]
async fn rules_round_trip() {
    let standin = StandIn::start(creds(), BEARER.into(), vec![]).await;
    let client = reqwest::Client::new();
    let url = format!("{}{RULES_PATH}", standin.base_url());
    let list = || async {
        let resp = client
            .get(&url)
            .bearer_auth(BEARER)
            .send()
            .await
            .expect("list");
        assert_eq!(resp.status(), 200);
        json_of(resp).await
    };
    let post = |body: Value| {
        let req = client.post(&url).bearer_auth(BEARER).body(body.to_string());
        async move {
            let resp = req
                .header("content-type", "application/json")
                .send()
                .await
                .expect("post");
            assert_eq!(resp.status(), 200);
            json_of(resp).await
        }
    };

    let empty = list().await;
    assert!(empty.get("data").is_none());
    assert_eq!(empty["meta"]["result_count"], 0);
    assert!(empty["meta"]["sent"].is_string());

    let added = post(json!({"add": [
        {"value": "#rust", "tag": "rust"},
        {"value": "#tokio lang:en"},
    ]}))
    .await;
    assert_eq!(added["meta"]["summary"]["created"], 2);
    assert_eq!(added["meta"]["summary"]["not_created"], 0);
    let data = added["data"].as_array().expect("data");
    assert_eq!(data[0]["value"], "#rust");
    assert_eq!(data[0]["tag"], "rust");
    assert!(data[1].get("tag").is_none());
    let first_id = data[0]["id"].as_str().expect("id").to_string();
    assert_ne!(first_id, data[1]["id"].as_str().expect("id"));

    let listed = list().await;
    assert_eq!(listed["meta"]["result_count"], 2);
    assert_eq!(listed["data"], added["data"]);

    let dup = post(json!({"add": [{"value": "#rust"}]})).await;
    assert_eq!(dup["meta"]["summary"]["created"], 0);
    assert_eq!(dup["meta"]["summary"]["not_created"], 1);
    assert_eq!(dup["errors"][0]["title"], "DuplicateRule");

    let deleted = post(json!({"delete": {"ids": [first_id, "999"]}})).await;
    assert_eq!(deleted["meta"]["summary"]["deleted"], 1);
    assert_eq!(deleted["meta"]["summary"]["not_deleted"], 1);

    let rules = standin.rules();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].value, "#tokio lang:en");
    assert_eq!(rules[0].tag, None);

    for req in [client.get(&url), client.post(&url).body("{}")] {
        let resp = req.bearer_auth("wrong").send().await.expect("request");
        assert_eq!(resp.status(), 401);
    }
    // Rules calls are not stream attempts.
    assert!(standin.attempts().is_empty());
    standin.shutdown().await;
}

#[tokio::test]
async fn connections_are_consumed_in_order() {
    let standin = StandIn::start(
        creds(),
        BEARER.into(),
        vec![
            Connection::Status(503),
            Connection::Stream(vec![Step::Line("1".into())]),
            Connection::Status(420),
            Connection::Stream(vec![Step::Line("2".into()), Step::Close]),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let form = [("track", "rust")];

    let resp = v1_request(&client, &standin, &creds(), &form).await;
    assert_eq!(resp.status(), 503);
    let resp = v2_request(&client, &standin, BEARER).await;
    assert_eq!(resp.status(), 200);
    let (body, _, end) = read_body(resp, |b| b == b"1\r\n", Duration::from_secs(5)).await;
    assert_eq!((body.as_slice(), end), (&b"1\r\n"[..], End::Matched));
    let resp = v1_request(&client, &standin, &creds(), &form).await;
    assert_eq!(resp.status(), 420);
    assert_eq!(
        json_of(resp).await["errors"][0]["message"],
        "Enhance Your Calm"
    );
    let resp = v1_request(&client, &standin, &creds(), &form).await;
    let (body, _, end) = read_body(resp, |_| false, Duration::from_secs(5)).await;
    assert_eq!(body, b"2\r\n");
    assert!(matches!(end, End::Error(_)), "{end:?}");
    // Past the script: a quiet stream that stays open.
    let resp = v2_request(&client, &standin, BEARER).await;
    assert_eq!(resp.status(), 200);
    let (body, _, end) = read_body(resp, |_| false, Duration::from_millis(300)).await;
    assert!(body.is_empty());
    assert_eq!(end, End::TimedOut);

    let attempts = standin.attempts();
    let seen: Vec<(&str, u16)> = attempts
        .iter()
        .map(|a| (a.endpoint.as_str(), a.status))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("v1-filter", 503),
            ("v2-stream", 200),
            ("v1-filter", 420),
            ("v1-filter", 200),
            ("v2-stream", 200),
        ]
    );
    assert!(attempts.windows(2).all(|w| w[0].at <= w[1].at));
    standin.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let standin = StandIn::start(
        creds(),
        BEARER.into(),
        vec![Connection::Stream(vec![
            Step::Line("x".into()),
            Step::Pause(Duration::from_secs(60)),
        ])],
    )
    .await;
    let client = reqwest::Client::new();
    let resp = v2_request(&client, &standin, BEARER).await;
    let reader = tokio::spawn(read_body(resp, |_| false, Duration::from_secs(10)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    standin.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let (body, _, end) = reader.await.expect("reader");
    assert_eq!(body, b"x\r\n");
    assert!(matches!(end, End::Error(_)), "{end:?}");
}
