//! The Mastodon source end to end: the producer binary reads a local stand-in of a Mastodon
//! instance (SSE stream and REST timeline, bearer token checked) serving the recorded statuses,
//! and publishes to a real broker; the consumer counts them. Expectations come from the served
//! JSON, read here with serde_json.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use e2e::kafka::{bootstrap, create_topic, key_set, keys_of, read_all, unique};
use e2e::mastodon::{on_instance, Connection, MastodonStandIn, Seen, Step, FIRST_ID};
use e2e::proc::{log_field, tail, test_dir, wait_until, Proc};
use e2e::reference::counts::{assert_counts_equal, Counts};
use e2e::reference::window_starts;
use e2e::run::{await_every_key, count_until_end, CountRun};

const LONG: Duration = Duration::from_secs(120);
const TOKEN: &str = "mastodon-user-token-very-secret-4";
/// Heartbeats of the stand-in: much more often than Mastodon's 15 s, so tests stay short.
const HEARTBEAT: Duration = Duration::from_millis(200);
/// The producer's stall timeout in the stall tests: five missed heartbeats.
const STALL: &str = "1s";

/// The recorded statuses in `created_at` order (as a live timeline sends them, so none is late
/// for its window), as the stand-in's own.
fn timeline() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/social/mastodon-statuses.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("read the recorded statuses");
    let mut statuses: Vec<(i64, String)> = text
        .lines()
        .map(|line| (created_ms(&json(line)), line.to_owned()))
        .collect();
    statuses.sort_by_key(|(ms, _)| *ms);
    let lines: Vec<String> = statuses.into_iter().map(|(_, line)| line).collect();
    on_instance(&lines)
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("status JSON")
}

fn created_ms(status: &serde_json::Value) -> i64 {
    let created = status["created_at"].as_str().expect("created_at");
    chrono::DateTime::parse_from_rfc3339(created)
        .expect("RFC 3339 created_at")
        .timestamp_millis()
}

/// The oracle: per 10 s window of `created_at`, statuses and their distinct case-folded tags (a
/// reblog's are its original's), each status once by `uri`.
fn reference_counts(statuses: &[String]) -> Counts {
    let mut by_uri = BTreeMap::new();
    for text in statuses {
        let status = json(text);
        by_uri.insert(status["uri"].as_str().expect("uri").to_owned(), status);
    }
    let mut counts = Counts::default();
    for status in by_uri.values() {
        let counted = match &status["reblog"] {
            serde_json::Value::Object(_) => &status["reblog"],
            _ => status,
        };
        let tags: BTreeSet<String> = counted["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|tag| tag["name"].as_str())
            .filter(|name| !name.is_empty())
            .map(str::to_lowercase)
            .collect();
        for start in window_starts(created_ms(status), 10_000, 10_000) {
            *counts.tweets.entry(start).or_default() += 1;
            for tag in &tags {
                *counts.hashtags.entry((start, tag.clone())).or_default() += 1;
            }
        }
    }
    counts
}

fn uris(statuses: &[String]) -> BTreeSet<String> {
    statuses
        .iter()
        .map(|s| json(s)["uri"].as_str().expect("uri").to_owned())
        .collect()
}

fn updates(range: std::ops::Range<usize>) -> Vec<Step> {
    range.map(Step::Update).collect()
}

/// A test's stand-in and the runtime it runs on.
struct Served {
    rt: tokio::runtime::Runtime,
    standin: MastodonStandIn,
}

/// A stand-in serving `statuses` (as [`timeline`] made them) to [`TOKEN`] over `connections`.
fn serve(statuses: Vec<String>, connections: Vec<Connection>) -> Served {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let standin = rt.block_on(MastodonStandIn::start(
        TOKEN,
        statuses,
        connections,
        HEARTBEAT,
    ));
    Served { rt, standin }
}

/// The one error line of a producer's `output`.
fn only_error_line(output: &str) -> &str {
    let errors: Vec<&str> = output.lines().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "{output}");
    errors[0]
}

/// A producer of `--source mastodon` reading the stand-in at `instance` into `topic`.
fn producer(dir: &Path, instance: &str, topic: &str, args: &[&str], env: &[(&str, &str)]) -> Proc {
    let bootstrap = bootstrap();
    let mut all = vec![
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        topic,
        "--source",
        "mastodon",
        "--instance",
        instance,
    ];
    all.extend_from_slice(args);
    Proc::spawn(dir, "producer", "producer", &all, env)
}

/// A producer that presents [`TOKEN`] to `standin` and stops after `limit` statuses; with the
/// stall timeout [`STALL`] when `stall`.
fn limited_producer(
    dir: &Path,
    standin: &MastodonStandIn,
    topic: &str,
    limit: usize,
    stall: bool,
) -> Proc {
    let limit = limit.to_string();
    let mut env = vec![("MASTODON_ACCESS_TOKEN", TOKEN)];
    if stall {
        env.push(("TRENDS__MASTODON__STALL_TIMEOUT", STALL));
    }
    producer(dir, &standin.base_url(), topic, &["--limit", &limit], &env)
}

/// The producer's `stream summary` counter `field`.
fn summary(p: &Proc, field: &str) -> u64 {
    let lines = p.stderr_lines_containing("stream summary");
    let line = lines.last().expect("a stream summary");
    log_field(line, field).unwrap_or_else(|| panic!("{field} in {line}"))
}

fn requests(seen: &[Seen], endpoint: &str) -> Vec<Seen> {
    seen.iter()
        .filter(|s| s.endpoint == endpoint)
        .cloned()
        .collect()
}

fn param<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The stream drops after 400 statuses, a delete, an edit and a malformed update; 100 statuses
/// are posted while the producer is away, then the new connection, after a quiet second, sends
/// the rest (and once more one of the missed ones). The gap is fetched from the REST timeline, in
/// pages just after the newest status seen; every status reaches the topic, and the consumer's
/// counts are the oracle's. (Statuses the new connection posts before the backfill's last page
/// are in that page too, on a slow machine: so the counts asserted are those that hold either
/// way.)
#[test]
fn a_disconnect_gap_is_backfilled_and_every_status_counted_once() {
    let dir = test_dir("mastodon-gap");
    let topic = unique("mastodon-gap");
    create_topic(&topic, 3);
    let statuses = timeline();
    let (n, seen_before, gap) = (statuses.len(), 400, 100);
    // What one backfill may have to fetch, if the new connection posted everything at once,
    // stays under its 10 pages.
    assert!(
        (seen_before + gap + 1..=seen_before + 400).contains(&n),
        "{n} recorded statuses"
    );
    let mut first = updates(0..seen_before);
    first.extend([
        Step::Delete(3),
        Step::Edit(4),
        Step::Raw(b"event: update\ndata: {\"id\":\"1\", truncated\n\n".to_vec()),
        Step::Close,
    ]);
    let mut second = vec![
        Step::Heartbeats(Duration::from_secs(1)),
        Step::Update(seen_before + gap),
        Step::Update(seen_before),
    ];
    second.extend(updates(seen_before + gap + 1..n));
    let connections = vec![Connection::Stream(first), Connection::Stream(second)];
    let Served { rt, standin } = serve(statuses.clone(), connections);
    let mut p = limited_producer(dir.path(), &standin, &topic, n, false);
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    let stderr = p.stderr();
    assert!(
        stderr.contains(&format!("sent {n}, delivered {n}, failed 0")),
        "{stderr}"
    );
    assert!(
        stderr.contains("malformed update event; skipped"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "the token is never logged");
    assert_eq!(summary(&p, "backfilled"), gap as u64, "{stderr}");
    assert_eq!(
        summary(&p, "repeated"),
        1,
        "the stream's copy of a backfilled status"
    );
    assert_eq!(summary(&p, "deletes"), 1);
    assert_eq!(summary(&p, "edits"), 1);
    assert_eq!(summary(&p, "malformed"), 1);
    assert_eq!(summary(&p, "unfilled_gaps"), 0);

    // Two stream connections; pages of 40 from the newest status seen, until an empty one.
    let seen = standin.seen();
    assert_eq!(requests(&seen, "stream").len(), 2, "{seen:?}");
    assert!(seen.iter().all(|s| s.authorized), "{seen:?}");
    let pages = requests(&seen, "timeline");
    let newest_seen = FIRST_ID + seen_before as u64 - 1;
    assert_eq!(
        param(&pages[0], "min_id"),
        Some(newest_seen.to_string().as_str())
    );
    assert!(
        pages.iter().all(|p| param(p, "limit") == Some("40")),
        "{pages:?}"
    );
    let served: BTreeSet<usize> = pages.iter().flat_map(|p| p.served.clone()).collect();
    assert_eq!(
        served,
        (seen_before..seen_before + gap).collect(),
        "the gap, all of it"
    );
    assert!(
        pages.last().unwrap().served.is_empty(),
        "paging ends on an empty page"
    );

    // Every status at least once on the topic (here exactly once), and counted once.
    let keys = keys_of(&read_all(&topic));
    let distinct: BTreeSet<String> = keys.iter().cloned().collect();
    assert_eq!(distinct, uris(&statuses));
    assert_eq!(keys.len(), n);
    let CountRun { counts, .. } = count_until_end(dir.path(), &topic);
    let want = reference_counts(&statuses);
    assert!(
        want.hashtags.len() > 100,
        "{} window tags",
        want.hashtags.len()
    );
    assert_counts_equal(&counts, &want);
    rt.block_on(standin.shutdown());
}

/// A wrong token: the instance answers 401; the producer exits 3 with one error line naming the
/// variable, never the token. No token at all: the same, before connecting.
#[test]
fn a_rejected_or_missing_token_exits_3_with_one_line() {
    let dir = test_dir("mastodon-401");
    let topic = unique("mastodon-401");
    create_topic(&topic, 1);
    let Served { rt, standin } = serve(timeline(), vec![]);
    let wrong = "wrong-token-very-secret-5";
    let mut p = producer(
        dir.path(),
        &standin.base_url(),
        &topic,
        &[],
        &[("MASTODON_ACCESS_TOKEN", wrong)],
    );
    assert_eq!(p.wait(LONG).code(), Some(3), "{}", p.stderr());
    let output = p.stderr() + &p.stdout();
    let error = only_error_line(&output);
    assert!(
        error
            .contains("Mastodon rejected the access token (HTTP 401): check MASTODON_ACCESS_TOKEN"),
        "{output}"
    );
    assert!(!output.contains(wrong), "the token leaked:\n{output}");
    let seen = standin.seen();
    assert_eq!(seen.len(), 1, "a 401 is not retried: {seen:?}");
    assert!(!seen[0].authorized);

    let mut p = producer(
        dir.path(),
        &standin.base_url(),
        &topic,
        &[],
        &[("MASTODON_ACCESS_TOKEN", "")],
    );
    assert_eq!(p.wait(LONG).code(), Some(3), "{}", p.stderr());
    let output = p.stderr();
    let error = only_error_line(&output);
    assert!(error.contains("needs MASTODON_ACCESS_TOKEN"), "{output}");
    assert_eq!(standin.seen().len(), 1, "nothing is asked without a token");
    rt.block_on(standin.shutdown());
}

/// A connection that falls silent, heartbeats and all, is stalled: after `mastodon.stall_timeout`
/// the producer reconnects and fetches what was posted meanwhile (statuses 10 to 14, which no
/// stream sends) from the REST timeline.
#[test]
fn a_silent_stream_is_a_stall_reconnected_and_backfilled() {
    let dir = test_dir("mastodon-stall");
    let topic = unique("mastodon-stall");
    create_topic(&topic, 3);
    let statuses: Vec<String> = timeline().into_iter().take(20).collect();
    let mut first = updates(0..10);
    first.push(Step::Silence(Duration::from_secs(60)));
    let mut second = vec![Step::Heartbeats(Duration::from_secs(1))];
    second.extend(updates(15..20));
    let connections = vec![Connection::Stream(first), Connection::Stream(second)];
    let Served { rt, standin } = serve(statuses.clone(), connections);
    let mut p = limited_producer(dir.path(), &standin, &topic, 20, true);
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    assert!(
        p.stderr().contains("stream stalled; reconnecting"),
        "{}",
        p.stderr()
    );
    assert_eq!(summary(&p, "reconnects"), 1);
    let (streamed, backfilled) = (summary(&p, "statuses"), summary(&p, "backfilled"));
    assert_eq!(streamed + backfilled, 20, "{}", p.stderr());
    let seen = standin.seen();
    assert_eq!(requests(&seen, "stream").len(), 2);
    let served: BTreeSet<usize> = requests(&seen, "timeline")
        .iter()
        .flat_map(|p| p.served.clone())
        .collect();
    assert!(served.is_superset(&(10..15).collect()), "{served:?}");
    let keys: BTreeSet<String> = keys_of(&read_all(&topic)).into_iter().collect();
    assert_eq!(keys, uris(&statuses));
    rt.block_on(standin.shutdown());
}

/// A quiet timeline that sends only heartbeats for four times the stall timeout is healthy: no
/// reconnect, no backfill, nothing lost.
#[test]
fn a_heartbeat_only_stream_is_healthy() {
    let dir = test_dir("mastodon-heartbeats");
    let topic = unique("mastodon-heartbeats");
    create_topic(&topic, 3);
    let statuses: Vec<String> = timeline().into_iter().take(10).collect();
    let mut steps = updates(0..5);
    steps.push(Step::Heartbeats(Duration::from_secs(4)));
    steps.extend(updates(5..10));
    let Served { rt, standin } = serve(statuses.clone(), vec![Connection::Stream(steps)]);
    let mut p = limited_producer(dir.path(), &standin, &topic, 10, true);
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    assert!(!p.stderr().contains("stalled"), "{}", p.stderr());
    assert_eq!(summary(&p, "reconnects"), 0);
    // `:)` and a heartbeat every 200 ms for 4 s.
    assert!(summary(&p, "heartbeats") >= 15, "{}", p.stderr());
    let seen = standin.seen();
    assert_eq!(requests(&seen, "stream").len(), 1, "{seen:?}");
    assert!(requests(&seen, "timeline").is_empty(), "{seen:?}");
    let keys: BTreeSet<String> = keys_of(&read_all(&topic)).into_iter().collect();
    assert_eq!(keys, uris(&statuses));
    rt.block_on(standin.shutdown());
}

/// The status id a checkpoint file holds, once one is written.
fn checkpoint_id(path: &Path) -> Option<u64> {
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    saved["status_id"].as_str()?.parse().ok()
}

/// Checks the checkpoint a killed producer left: it names this instance's public timeline, and
/// every status up to its id is in the topic. Returns that id.
fn assert_acknowledged(
    checkpoint: &Path,
    standin: &MastodonStandIn,
    statuses: &[String],
    topic: &str,
) -> u64 {
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(checkpoint).unwrap()).unwrap();
    let instance = format!("{}/", standin.base_url());
    assert_eq!(
        (&saved["source"], &saved["instance"], &saved["timeline"]),
        (&"mastodon".into(), &instance.into(), &"public".into()),
        "{saved}"
    );
    let saved_id = checkpoint_id(checkpoint).unwrap();
    let acknowledged = (saved_id - FIRST_ID + 1) as usize;
    let in_topic = key_set(topic);
    let lost: Vec<_> = uris(&statuses[..acknowledged])
        .into_iter()
        .filter(|u| !in_topic.contains(u))
        .take(5)
        .collect();
    assert!(
        lost.is_empty(),
        "claimed acknowledged but not in the topic: {lost:?}"
    );
    saved_id
}

/// A producer with `--checkpoint` is SIGKILLed mid-stream, after a burst, a lull and more
/// statuses (a checkpoint is saved as they flow); 250 statuses are posted while it is down (only
/// the REST timeline has them: no stream sends them). Restarted with the same checkpoint, the
/// producer backfills from the checkpoint's status before reading the stream: every status is on
/// the topic (those in flight at the kill perhaps twice), and the consumer's counts are the
/// oracle's.
#[test]
fn a_killed_producer_resumes_from_its_checkpoint_and_backfills_what_was_posted_meanwhile() {
    let dir = test_dir("mastodon-kill");
    let topic = unique("mastodon-kill");
    create_topic(&topic, 3);
    let statuses = timeline();
    let n = statuses.len();
    let (burst, more, while_down) = (200, 20, 250);
    let resumed = burst + more + while_down;
    assert!(resumed < n, "{n} recorded statuses");
    let mut first = updates(0..burst);
    first.push(Step::Heartbeats(Duration::from_secs(3)));
    first.extend(updates(burst..burst + more));
    let mut second = vec![Step::Heartbeats(Duration::from_secs(1))];
    second.extend(updates(resumed..n));
    let connections = vec![Connection::Stream(first), Connection::Stream(second)];
    let Served { rt, standin } = serve(statuses.clone(), connections);
    let checkpoint = dir.path().join("mastodon.checkpoint");
    let checkpoint_arg = checkpoint.display().to_string();
    let args = ["--checkpoint", checkpoint_arg.as_str()];
    let env = [("MASTODON_ACCESS_TOKEN", TOKEN)];
    let mut p = producer(dir.path(), &standin.base_url(), &topic, &args, &env);
    // The first status after the lull saves the burst as acknowledged.
    let burst_done = FIRST_ID + burst as u64 - 1;
    wait_until(LONG, "a checkpoint past the burst", || {
        checkpoint_id(&checkpoint).is_some_and(|id| id >= burst_done)
    });
    p.kill();

    let saved_id = assert_acknowledged(&checkpoint, &standin, &statuses, &topic);
    let acknowledged = (saved_id - FIRST_ID + 1) as usize;
    assert!(
        requests(&standin.seen(), "timeline").is_empty(),
        "the first run starts live"
    );

    let mut p = producer(dir.path(), &standin.base_url(), &topic, &args, &env);
    await_every_key(&topic, &uris(&statuses), &p);
    assert!(p.terminate(LONG).success(), "{}", tail(&p.stderr()));
    let stderr = p.stderr();
    let resuming: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("resuming the Mastodon timeline after this status"))
        .collect();
    assert_eq!(resuming.len(), 1, "{}", tail(&stderr));
    assert_eq!(log_field(resuming[0], "status_id"), Some(saved_id));
    let pages = requests(&standin.seen(), "timeline");
    assert_eq!(
        param(&pages[0], "min_id"),
        Some(saved_id.to_string().as_str())
    );
    let served: BTreeSet<usize> = pages.iter().flat_map(|p| p.served.clone()).collect();
    assert!(
        served.is_superset(&(acknowledged..resumed).collect()),
        "the gap since the checkpoint: {pages:?}"
    );
    assert_eq!(summary(&p, "unfilled_gaps"), 0);
    let CountRun { counts, .. } = count_until_end(dir.path(), &topic);
    assert_counts_equal(&counts, &reference_counts(&statuses));
    rt.block_on(standin.shutdown());
}

/// A checkpoint of another instance's timeline is refused before anything is asked: exit 2, one
/// error line naming both timelines.
#[test]
fn a_checkpoint_of_another_instance_is_refused_with_exit_2() {
    let dir = test_dir("mastodon-other-checkpoint");
    let topic = unique("mastodon-other-checkpoint");
    create_topic(&topic, 1);
    let Served { rt, standin } = serve(timeline(), vec![]);
    let checkpoint = dir.path().join("other.checkpoint");
    let saved = serde_json::json!({
        "source": "mastodon",
        "instance": "https://other.example/",
        "timeline": "public",
        "status_id": FIRST_ID.to_string(),
    });
    std::fs::write(&checkpoint, saved.to_string()).unwrap();
    let checkpoint_arg = checkpoint.display().to_string();
    let mut p = producer(
        dir.path(),
        &standin.base_url(),
        &topic,
        &["--checkpoint", &checkpoint_arg],
        &[("MASTODON_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(p.wait(LONG).code(), Some(2), "{}", p.stderr());
    let output = p.stderr();
    let error = only_error_line(&output);
    let want = format!(
        "checkpoint {checkpoint_arg} belongs to the public timeline of https://other.example/, \
         not the public timeline of {}/",
        standin.base_url()
    );
    assert!(error.contains(&want), "{output}");
    assert!(standin.seen().is_empty(), "nothing is asked");
    rt.block_on(standin.shutdown());
}
