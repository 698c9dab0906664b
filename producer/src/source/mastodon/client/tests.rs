use std::collections::BTreeSet;

use common::settings::{MastodonSettings, Secret};
use e2e::mastodon::{on_instance, Connection, MastodonStandIn, Step};

use super::*;
use crate::source::live::clock::RecordingClock;

const TOKEN: &str = "tok-3x9-secret";

/// The first `n` recorded statuses, as the stand-in's.
fn statuses(n: usize) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/social/mastodon-statuses.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("read the recorded statuses");
    let lines: Vec<String> = text.lines().take(n).map(str::to_owned).collect();
    on_instance(&lines)
}

fn spec(instance: String) -> Spec {
    Spec::new(&MastodonSettings {
        instance,
        timeline: "public".into(),
        topic: "raw-mastodon".into(),
        stall_timeout: Duration::from_secs(5),
        queue: 1000,
        access_token: Secret::new(TOKEN.into()),
    })
    .unwrap()
}

fn uri(status: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(status).unwrap();
    v["uri"].as_str().unwrap().to_owned()
}

/// A stand-in serving `statuses` to [`TOKEN`] over `connections`.
async fn standin(statuses: &[String], connections: Vec<Connection>) -> MastodonStandIn {
    let heartbeat = Duration::from_millis(100);
    MastodonStandIn::start(TOKEN, statuses.to_vec(), connections, heartbeat).await
}

/// What a run published before the token was rejected, and the error it ended with.
struct Published {
    error: String,
    keys: Vec<String>,
}

/// Runs the source against `standin`, whose last connection must be refused with 401, after
/// `start_after` if given.
async fn run_until_refused(
    standin: &MastodonStandIn,
    start_after: Option<StatusId>,
    clock: &RecordingClock,
) -> Published {
    let (outlet, mut rx) = Outlet::channel(1000);
    let spec = spec(standin.base_url());
    let error = run(&spec, start_after, &outlet, clock).await.unwrap_err();
    let mut keys = Vec::new();
    while let Ok(Ok(Event::Tweet(record))) = rx.try_recv() {
        keys.push(record.key);
    }
    let error = error.to_string();
    assert!(error.contains("HTTP 401"), "{error}");
    Published { error, keys }
}

/// Each of `statuses` was published exactly once.
fn assert_each_once(keys: &[String], statuses: &[String]) {
    let want: BTreeSet<String> = statuses.iter().map(|s| uri(s)).collect();
    assert_eq!(keys.iter().cloned().collect::<BTreeSet<_>>(), want);
    assert_eq!(keys.len(), statuses.len(), "each once");
}

/// A gap of 50 statuses; the second timeline page is refused with 429. The producer waits the
/// rate-limit delay, reconnects, and backfills again from the newest status it had published:
/// nothing of the gap is lost, nothing published twice; the 401 at the end stops the loop.
#[tokio::test]
async fn a_rate_limited_page_waits_then_the_backfill_resumes_from_the_newest_published() {
    let statuses = statuses(70);
    let updates = |r: std::ops::Range<usize>| r.map(Step::Update).collect::<Vec<_>>();
    let mut first = updates(0..10);
    first.push(Step::Close);
    let mut third = updates(60..70);
    third.push(Step::Close);
    let connections = vec![
        Connection::Stream(first),
        Connection::Stream(vec![Step::Update(60)]),
        Connection::Stream(third),
        Connection::Status(401),
    ];
    let standin = standin(&statuses, connections).await;
    standin.script_timeline(vec![None, Some(429)]);
    let clock = RecordingClock::default();
    let published = run_until_refused(&standin, None, &clock).await;
    assert!(!published.error.contains(TOKEN), "{}", published.error);
    assert_each_once(&published.keys, &statuses);
    let delays = clock.delays();
    assert_eq!(
        delays,
        [
            Duration::from_millis(250),
            Duration::from_secs(60),
            Duration::from_millis(250)
        ]
    );
    // Pages: 10..50, then 429, then (after the reconnect) from the newest published, 49, until
    // an empty page (the new stream's statuses may be in the timeline by then too).
    let pages: Vec<(u16, Option<String>, usize)> = standin
        .seen()
        .iter()
        .filter(|s| s.endpoint == "timeline")
        .map(|s| {
            let min_id = s.params.iter().find(|(k, _)| k == "min_id");
            (s.status, min_id.map(|(_, v)| v.clone()), s.served.len())
        })
        .collect();
    let id = |i: u64| Some((e2e::mastodon::FIRST_ID + i).to_string());
    assert_eq!(
        pages[..3],
        [
            (200, id(9), 40),
            (429, id(49), 0),
            (200, id(49), pages[2].2)
        ]
    );
    assert!(pages[2].2 >= 10, "{pages:?}");
    assert_eq!(
        pages.last().map(|p| (p.0, p.2)),
        Some((200, 0)),
        "{pages:?}"
    );
    standin.shutdown().await;
}

/// A checkpoint's status: the first connection fills the gap since it before reading the
/// stream, exactly as a reconnect does; statuses up to it are not asked for.
#[tokio::test]
async fn a_checkpoint_s_status_is_where_the_first_backfill_starts() {
    let statuses = statuses(20);
    let mut steps: Vec<Step> = (15..20).map(Step::Update).collect();
    steps.push(Step::Close);
    let connections = vec![Connection::Stream(steps), Connection::Status(401)];
    let standin = standin(&statuses, connections).await;
    let checkpoint = StatusId::new((e2e::mastodon::FIRST_ID + 9).to_string());
    let clock = RecordingClock::default();
    let published = run_until_refused(&standin, Some(checkpoint.clone()), &clock).await;
    assert_each_once(&published.keys, &statuses[10..]);
    let seen = standin.seen();
    let first_page = seen.iter().find(|s| s.endpoint == "timeline").unwrap();
    let min_id = first_page.params.iter().find(|(k, _)| k == "min_id");
    assert_eq!(min_id.map(|(_, v)| v.as_str()), Some(checkpoint.as_str()));
    standin.shutdown().await;
}
