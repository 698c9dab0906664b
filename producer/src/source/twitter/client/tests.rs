use super::*;
use crate::source::live::clock::RecordingClock;
use e2e::standin::{self, Connection, StandIn, Step};

const TWEET: &str = r##"{"id_str":"5","text":"#a","created_at":"Wed Oct 10 20:19:24 +0000 2018"}"##;

fn creds() -> standin::Credentials {
    standin::Credentials {
        consumer_key: "ck".into(),
        consumer_secret: "cs".into(),
        access_token: "at".into(),
        access_secret: "as".into(),
    }
}

fn v1_spec(base: String, stall_timeout: Duration) -> StreamSpec {
    let mut settings = common::settings::Settings::load(None, &[]).unwrap().twitter;
    settings.api_base = base;
    settings.track = vec!["a".into()];
    settings.stall_timeout = stall_timeout;
    let c = creds();
    settings.consumer_key = Secret::new(c.consumer_key);
    settings.consumer_secret = Secret::new(c.consumer_secret);
    settings.access_token = Secret::new(c.access_token);
    settings.access_secret = Secret::new(c.access_secret);
    StreamSpec::v1(settings).unwrap()
}

/// How many events are waiting in the queue.
fn queued(rx: &mut tokio::sync::mpsc::Receiver<Result<Event, SourceError>>) -> usize {
    std::iter::from_fn(|| rx.try_recv().ok()).count()
}

/// What one `run` against a scripted stand-in did.
struct Outcome {
    result: Result<(), RunError>,
    delays: Vec<Duration>,
    received: usize,
    reconnects: u64,
    attempts: usize,
}

/// Runs the v1 stream loop against `connections` with a recording clock.
async fn run_against(connections: Vec<Connection>, stall_timeout: Duration) -> Outcome {
    let standin = StandIn::start(creds(), "unused".into(), connections).await;
    let spec = v1_spec(standin.base_url(), stall_timeout);
    let (outlet, mut rx) = Outlet::channel(10);
    let clock = RecordingClock::default();
    let stats = StreamStats::default();
    let result = run(&spec, &outlet, &clock, &stats).await;
    let attempts = standin.attempts().len();
    standin.shutdown().await;
    let delays = clock.delays();
    Outcome {
        result,
        delays,
        received: queued(&mut rx),
        reconnects: stats.reconnects.load(Ordering::Relaxed),
        attempts,
    }
}

#[test]
fn signer_matches_twitters_documented_example() {
    let secrets = reqwest_oauth1::Secrets::new(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
    )
    .token(
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    );
    let params = reqwest_oauth1::OAuthParameters::new()
        .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
        .timestamp(1_318_622_958u64)
        // The documented request includes oauth_version (optional in RFC 5849).
        .version(true);
    let request = reqwest::Client::new()
        .oauth1_with_params(secrets, params)
        .post("https://api.twitter.com/1.1/statuses/update.json")
        .form(&[
            ("include_entities", "true"),
            (
                "status",
                "Hello Ladies + Gentlemen, a signed OAuth request!",
            ),
        ])
        .generate_signature()
        .unwrap()
        .build()
        .unwrap();
    let header = request.headers()["authorization"].to_str().unwrap();
    assert!(
        header.contains("oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\""),
        "{header}"
    );
}

#[tokio::test]
async fn reconnects_follow_twitters_schedule_and_stop_on_401() {
    let connections = vec![
        Connection::Status(429),
        Connection::Status(420),
        Connection::Status(503),
        Connection::Status(503),
        Connection::Stream(vec![Step::Line(TWEET.into()), Step::Close]),
        Connection::Stream(vec![Step::Close]),
        Connection::Status(401),
    ];
    let outcome = run_against(connections, Duration::from_secs(90)).await;
    assert!(
        matches!(outcome.result, Err(RunError::Credentials { status: 401 })),
        "{:?}",
        outcome.result
    );
    let ms = Duration::from_millis;
    let s = Duration::from_secs;
    // 420/429: exponential from 60 s; HTTP errors: exponential from 5 s; after a healthy
    // connection everything resets and network errors go linearly from 250 ms.
    assert_eq!(
        outcome.delays,
        [s(60), s(120), s(5), s(10), ms(250), ms(500)]
    );
    assert_eq!(outcome.received, 1);
    assert_eq!(outcome.reconnects, 6);
}

#[tokio::test]
async fn a_stalled_stream_is_dropped_and_reconnected() {
    let connections = vec![
        Connection::Stream(vec![
            Step::Line(TWEET.into()),
            Step::Pause(Duration::from_secs(30)),
        ]),
        Connection::Status(401),
    ];
    let outcome = run_against(connections, Duration::from_millis(400)).await;
    assert!(matches!(
        outcome.result,
        Err(RunError::Credentials { status: 401 })
    ));
    assert_eq!(outcome.delays, [Duration::from_millis(250)]);
    assert_eq!(outcome.attempts, 2, "reconnected after the stall");
    assert_eq!(outcome.received, 1);
}

#[test]
fn a_full_queue_drops_and_counts_new_tweets() {
    let (outlet, mut rx) = Outlet::channel(1);
    let stats = StreamStats::default();
    for _ in 0..3 {
        publish_tweet(TWEET.as_bytes().to_vec(), &outlet, &stats);
    }
    assert_eq!(stats.tweets.load(Ordering::Relaxed), 1);
    assert_eq!(stats.dropped.load(Ordering::Relaxed), 2);
    assert_eq!(queued(&mut rx), 1);
}
