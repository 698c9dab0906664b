//! Twitter API sources end to end: the producer binary reads a local stand-in of Twitter's
//! streaming API (which verifies OAuth 1.0a signatures and bearer tokens and injects faults)
//! and publishes to a real broker.

use std::path::Path;
use std::time::Duration;

use e2e::input::{generate, tweet_lines};
use e2e::kafka::{bootstrap, create_topic, message_count, unique};
use e2e::proc::{test_dir, Proc};
use e2e::standin::{Connection, Credentials, StandIn, Step};

const LONG: Duration = Duration::from_secs(120);

fn credentials() -> Credentials {
    Credentials {
        consumer_key: "ck-test".into(),
        consumer_secret: "cs-very-secret-1".into(),
        access_token: "at-test".into(),
        access_secret: "as-very-secret-2".into(),
    }
}

/// The credentials with another consumer secret (a wrong one makes every signature invalid).
fn with_consumer_secret(consumer_secret: &str) -> Credentials {
    Credentials {
        consumer_secret: consumer_secret.to_owned(),
        ..credentials()
    }
}

/// `n` realistic v1.1 tweets from the synthetic generator.
fn v1_tweets(dir: &Path, n: u64) -> Vec<String> {
    let file = dir.join("tweets.jsonl");
    generate(dir, &file, n, 3, "2026-01-01T00:00:00Z", 1000);
    tweet_lines(&file)
}

fn producer(dir: &Path, name: &str, topic: &str, args: &[&str], env: &[(&str, &str)]) -> Proc {
    let bootstrap = bootstrap();
    let mut all = vec!["--bootstrap-servers", &bootstrap, "--topic", topic];
    all.extend_from_slice(args);
    Proc::spawn(dir, name, "producer", &all, env)
}

/// Keep-alives, a message split across chunks, a malformed line, a delete notice, an abrupt
/// disconnect and a 503: every tweet the stand-in sent is published exactly once, the
/// reconnect delays follow Twitter's schedule, and the request carried the filters.
#[test]
fn v1_stream_survives_faults_and_publishes_every_tweet_once() {
    let dir = test_dir("v1-faults");
    let topic = unique("twitter-v1");
    create_topic(&topic, 3);
    let t = v1_tweets(dir.path(), 5);
    let delete = r#"{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"},"timestamp_ms":"1767225600000"}}"#;
    let connections = vec![
        Connection::Stream(vec![
            Step::Line(t[0].clone()),
            Step::KeepAlive,
            Step::Split(t[1].clone(), 700),
            Step::Raw(b"{\"truncated\": \r\n".to_vec()),
            Step::Line(delete.into()),
            Step::Line(t[2].clone()),
            Step::Close,
        ]),
        Connection::Status(503),
        Connection::Stream(vec![
            Step::Line(t[3].clone()),
            Step::KeepAlive,
            Step::Line(t[4].clone()),
        ]),
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(StandIn::start(credentials(), "unused".into(), connections));
    let base = standin.base_url();
    let credentials = credentials();
    let env = credentials.env();
    let mut p = producer(
        dir.path(),
        "producer",
        &topic,
        &[
            "--source",
            "twitter-v1",
            "--api-base",
            &base,
            "--track",
            "rust,kafka",
            "--limit",
            "5",
        ],
        &env,
    );
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    let stderr = p.stderr();
    assert!(stderr.contains("sent 5, delivered 5, failed 0"), "{stderr}");
    assert!(stderr.contains("malformed stream message"), "{stderr}");
    assert!(
        stderr.contains("skipped 1 stream notice (1 delete)"),
        "the delete notice is skipped and counted: {stderr}"
    );
    assert_eq!(message_count(&topic, 3), 5, "each tweet exactly once");

    let attempts = standin.attempts();
    let summary: Vec<(bool, u16)> = attempts.iter().map(|a| (a.authorized, a.status)).collect();
    assert_eq!(
        summary,
        [(true, 200), (true, 503), (true, 200)],
        "{attempts:?}"
    );
    let params = &attempts[0].params;
    assert!(
        params.contains(&("track".into(), "rust,kafka".into())),
        "{params:?}"
    );
    assert!(
        params.contains(&("stall_warnings".into(), "true".into())),
        "{params:?}"
    );
    // Network failure: first linear step 250 ms; HTTP error: first exponential step 5 s.
    let gap = |i: usize| attempts[i].at.duration_since(attempts[i - 1].at);
    assert!(gap(1) >= Duration::from_millis(250), "{:?}", gap(1));
    assert!(gap(1) < Duration::from_secs(5), "{:?}", gap(1));
    assert!(gap(2) >= Duration::from_secs(5), "{:?}", gap(2));
    rt.block_on(standin.shutdown());
}

/// A wrong secret: the stand-in answers 401; the producer exits 3 with one clear message that
/// never contains a secret.
#[test]
fn v1_wrong_credentials_exit_3_without_leaking_secrets() {
    let dir = test_dir("v1-credentials");
    let topic = unique("twitter-401");
    create_topic(&topic, 1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(StandIn::start(credentials(), "unused".into(), vec![]));
    let base = standin.base_url();
    let wrong = "cs-WRONG-secret-value";
    let mut p = producer(
        dir.path(),
        "producer",
        &topic,
        &[
            "--source",
            "twitter-v1",
            "--api-base",
            &base,
            "--track",
            "rust",
        ],
        &with_consumer_secret(wrong).env(),
    );
    assert_eq!(p.wait(LONG).code(), Some(3), "{}", p.stderr());
    let output = p.stderr() + &p.stdout();
    assert!(
        output.contains("Twitter rejected the credentials (HTTP 401)"),
        "{output}"
    );
    for secret in [wrong, "as-very-secret-2"] {
        assert!(
            !output.contains(secret),
            "secret {secret} leaked:\n{output}"
        );
    }
    assert!(!standin.attempts()[0].authorized);
    rt.block_on(standin.shutdown());
}

/// v2: configured rules replace stale ones at start, the request asks for the fields the
/// pipeline needs, and v2-shaped tweets are published.
#[test]
fn v2_stream_syncs_rules_and_publishes_tweets() {
    let dir = test_dir("v2-rules");
    let topic = unique("twitter-v2");
    create_topic(&topic, 3);
    let v2 = |id: u64, text: &str| {
        serde_json::json!({
            "data": {"id": id.to_string(), "text": text, "created_at": "2026-01-01T00:00:01.000Z",
                     "entities": {"hashtags": [{"start": 0, "end": 5, "tag": "rust"}]}},
            "matching_rules": [{"id": "1", "tag": "rust"}]
        })
        .to_string()
    };
    let errors = r#"{"errors":[{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","type":"https://api.twitter.com/2/problems/streaming-connection"}]}"#;
    let connections = vec![Connection::Stream(vec![
        Step::Line(v2(11, "#rust one")),
        Step::KeepAlive,
        Step::Line(errors.into()),
        Step::Line(v2(12, "#rust two")),
    ])];
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token = "bearer-very-secret-3";
    let standin = rt.block_on(StandIn::start(credentials(), token.into(), connections));
    let base = standin.base_url();
    // A stale rule left from an earlier run.
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/2/tweets/search/stream/rules"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(r#"{"add":[{"value":"old stuff","tag":"stale"}]}"#)
            .send()
            .await
            .unwrap();
    });
    let config = dir.path().join("v2.toml");
    std::fs::write(
        &config,
        "[[twitter.rules]]\nvalue = \"#rust lang:en\"\ntag = \"rust\"\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let mut p = producer(
        dir.path(),
        "producer",
        &topic,
        &[
            "--config",
            &config,
            "--source",
            "twitter-v2",
            "--api-base",
            &base,
            "--limit",
            "2",
        ],
        &[("TWITTER_BEARER_TOKEN", token)],
    );
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    assert!(
        p.stderr().contains("sent 2, delivered 2, failed 0"),
        "{}",
        p.stderr()
    );
    assert!(!p.stderr().contains(token));
    assert_eq!(message_count(&topic, 3), 2);

    let rules: Vec<(String, Option<String>)> = standin
        .rules()
        .into_iter()
        .map(|r| (r.value, r.tag))
        .collect();
    assert_eq!(
        rules,
        [("#rust lang:en".to_owned(), Some("rust".to_owned()))]
    );
    let params = &standin.attempts()[0].params;
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let needed = [
        "created_at",
        "entities",
        "lang",
        "author_id",
        "geo",
        "referenced_tweets",
        "note_tweet",
    ];
    for needed in needed {
        assert!(field("tweet.fields").contains(needed), "{params:?}");
    }
    // A retweet's original, whose hashtags count, comes only as an expansion.
    for needed in ["author_id", "referenced_tweets.id"] {
        assert!(field("expansions").contains(needed), "{params:?}");
    }
    rt.block_on(standin.shutdown());
}
