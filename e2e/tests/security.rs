//! Secrets never reach the logs: Kafka SASL passwords passed through to librdkafka and Twitter
//! credentials, with every log level on and librdkafka dumping its configuration.
//! Requires a running broker (see e2e/src/lib.rs).

use std::time::Duration;

use e2e::input::{generate, tweet_lines};
use e2e::kafka::{bootstrap, create_topic, unique};
use e2e::proc::{consumer_args, tail, test_dir, Proc};
use e2e::standin::{Connection, Credentials, StandIn, Step};

const LONG: Duration = Duration::from_secs(120);
const SASL_PASSWORD: &str = "kafka-pw-Sup3rS3cret";

/// The most verbose logging there is: ours at trace, librdkafka's debug contexts including the
/// configuration dump, and a SASL password in the pass-through properties (plaintext
/// connections ignore it, so the run itself works against the local broker).
fn verbose_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("RUST_LOG", "trace"),
        ("TRENDS__KAFKA__PROPERTIES__DEBUG", "conf,security,broker"),
        ("TRENDS__KAFKA__PROPERTIES__SASL_USERNAME", "trends"),
        ("TRENDS__KAFKA__PROPERTIES__SASL_PASSWORD", SASL_PASSWORD),
    ]
}

fn assert_no_secret(output: &str, secrets: &[&str]) {
    assert!(
        output.len() > 10_000,
        "verbose logs were written: {} bytes",
        output.len()
    );
    for secret in secrets {
        assert!(
            !output.contains(secret),
            "a secret reached the logs: {secret}"
        );
    }
}

#[test]
fn kafka_and_twitter_secrets_never_reach_the_logs() {
    let dir = test_dir("secrets");
    let topic = unique("secrets");
    create_topic(&topic, 1);
    let credentials = Credentials {
        consumer_key: "ck-public".into(),
        consumer_secret: "tw-consumer-S3cret".into(),
        access_token: "at-public".into(),
        access_secret: "tw-access-S3cret".into(),
    };
    let file = dir.path().join("tweets.jsonl");
    generate(dir.path(), &file, 3, 35, "2026-01-01T00:00:00Z", 1000);
    let tweets: Vec<Step> = tweet_lines(&file).into_iter().map(Step::Line).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bearer = "tw-bearer-S3cret";
    let standin = rt.block_on(StandIn::start(
        credentials.clone(),
        bearer.into(),
        vec![Connection::Stream(tweets)],
    ));
    let (bootstrap, base) = (bootstrap(), standin.base_url());
    let mut env = verbose_env();
    env.extend(credentials.env());
    env.push(("TWITTER_BEARER_TOKEN", bearer));
    let args = [
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        &topic,
        "--source",
        "twitter-v1",
        "--api-base",
        &base,
        "--track",
        "rust",
        "--limit",
        "3",
    ];
    let mut p = Proc::spawn(dir.path(), "producer", "producer", &args, &env);
    assert!(p.wait(LONG).success(), "{}", tail(&p.stderr()));
    assert!(p.stderr().contains("sent 3, delivered 3, failed 0"));

    let group = unique("secrets-group");
    let results = unique("secrets-results");
    let mut args = consumer_args(&bootstrap, &topic, &group, &results);
    args.extend(["--until-end", "--log-format", "json"]);
    let mut c = Proc::spawn(dir.path(), "consumer", "consumer", &args, &verbose_env());
    assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));

    let secrets = [
        SASL_PASSWORD,
        credentials.consumer_secret.as_str(),
        credentials.access_secret.as_str(),
        bearer,
    ];
    for proc in [&p, &c] {
        assert_no_secret(&format!("{}{}", proc.stdout(), proc.stderr()), &secrets);
    }
    // The configuration dump did run and shows the property, redacted.
    assert!(
        c.stderr().contains("sasl.password"),
        "no configuration dump"
    );
    rt.block_on(standin.shutdown());
}
