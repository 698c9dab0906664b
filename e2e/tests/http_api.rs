//! The consumer's HTTP API over real HTTP, against a consumer fed by the real broker: the top
//! hashtags, window history and rising hashtags equal an independent count of the input, the
//! metrics count what was consumed and ranked, the health check answers and the live stream
//! delivers updates.
//! Requires a running broker (see e2e/src/lib.rs).

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::input::generate_with;
use e2e::kafka::{bootstrap, create_topic, unique};
use e2e::proc::{
    consumer_args, http_url, tail, test_dir, timeline, wait_until, Proc, LIVE_VIEW_ARGS,
};
use e2e::reference::counts::{reference_counts, Counts, WindowCounts, WindowTweets};
use e2e::reference::rising::{published_rising, reference_rising, Rising, RisingParams};
use serde_json::Value;

const PARTITIONS: i32 = 3;
const START: &str = "2026-01-01T00:00:00Z";
const START_MS: i64 = 1_767_225_600_000;
/// 4,000 tweets at 200 per second of event time: two 10 s windows.
const TWEETS: u64 = 4_000;
/// A new hashtag bursts in the second window, so that it has something to rank as rising.
const BURSTS: [&str; 4] = ["--burst-every", "10s", "--burst-length", "10s"];
const EVENTS_PER_SECOND: u64 = 200;
/// Start of the second and last window.
const LAST_MS: i64 = START_MS + 10_000;
const N: usize = 8;
const LONG: Duration = Duration::from_secs(180);

fn get(url: &str) -> (u16, String) {
    let response = reqwest::blocking::get(url).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    (status, response.text().expect("response body"))
}

fn get_json(url: &str) -> Value {
    let (status, body) = get(url);
    assert_eq!(status, 200, "GET {url}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: {e}: {body}"))
}

/// The value of an unlabelled sample, e.g. `trends_tweets_consumed_total 4000`.
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics.lines().find_map(|l| {
        let (n, v) = l.split_once(' ')?;
        (n == name).then(|| v.parse().ok())?
    })
}

/// The reference's `n` most mentioned hashtags of the window starting at `start`, ordered as
/// the API orders them (count, then key).
fn reference_top(want: &WindowCounts, start: i64, n: usize) -> Vec<(String, u64)> {
    let mut top: Vec<(String, u64)> = want
        .iter()
        .filter(|((s, _), _)| *s == start)
        .map(|((_, tag), count)| (tag.clone(), *count))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(n);
    top
}

fn api_top(window: &Value) -> Vec<(String, u64)> {
    window["top"]
        .as_array()
        .expect("top")
        .iter()
        .map(|t| {
            let key = t["key"].as_str().expect("key").to_owned();
            (key, t["count"].as_u64().expect("count"))
        })
        .collect()
}

/// Reads server-sent events from `url` into a buffer, on a thread of its own.
fn follow_stream(url: String) -> Arc<Mutex<String>> {
    let received = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&received);
    std::thread::spawn(move || {
        let client = reqwest::blocking::Client::builder()
            .timeout(None)
            .build()
            .expect("client");
        let Ok(mut response) = client.get(&url).send() else {
            return;
        };
        let mut buf = [0u8; 8192];
        while let Ok(n) = response.read(&mut buf) {
            if n == 0 {
                return;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    received
}

/// The data of every `top` event received so far.
fn top_events(received: &Mutex<String>) -> Vec<Value> {
    let text = received.lock().unwrap().clone();
    text.split("\n\n")
        .filter(|event| event.lines().any(|l| l == "event: top"))
        .filter_map(|event| {
            let data = event.lines().find_map(|l| l.strip_prefix("data: "))?;
            serde_json::from_str(data).ok()
        })
        .collect()
}

/// A fresh raw topic, generated tweets to publish to it and their independent count.
struct Input {
    dir: tempfile::TempDir,
    topic: String,
    file: std::path::PathBuf,
    want: WindowCounts,
    want_tweets: WindowTweets,
}

impl Input {
    fn new(name: &str, seed: u64) -> Input {
        let dir = test_dir(name);
        let topic = unique(name);
        create_topic(&topic, PARTITIONS);
        let file = dir.path().join("tweets.jsonl");
        generate_with(
            dir.path(),
            &file,
            TWEETS,
            seed,
            START,
            EVENTS_PER_SECOND,
            &BURSTS,
        );
        let Counts {
            hashtags: want,
            tweets: want_tweets,
        } = reference_counts(&file, 10_000);
        assert_eq!(
            want_tweets.keys().copied().collect::<Vec<_>>(),
            [START_MS, LAST_MS]
        );
        Input {
            dir,
            topic,
            file,
            want,
            want_tweets,
        }
    }

    /// A consumer serving HTTP on a free port; returns it and its base URL.
    fn consumer(&self, name: &str, group: &str, results: &str) -> (Proc, String) {
        let bootstrap = bootstrap();
        let mut args = consumer_args(&bootstrap, &self.topic, group, results);
        args.extend(LIVE_VIEW_ARGS);
        args.extend(["--commit-interval", "1s"]);
        let mut consumer = Proc::spawn(self.dir.path(), name, "consumer", &args, &[]);
        let base = http_url(&mut consumer);
        (consumer, base)
    }

    /// Publishes every tweet and waits for the producer to finish.
    fn publish(&self) {
        let (bootstrap, file) = (bootstrap(), self.file.display().to_string());
        let args = [
            "--bootstrap-servers",
            &bootstrap,
            "--topic",
            &self.topic,
            "--file",
            &file,
        ];
        let mut producer = Proc::spawn(self.dir.path(), "producer", "producer", &args, &[]);
        assert!(producer.wait(LONG).success(), "{}", producer.stderr());
    }

    /// Waits until `/api/top` at `base` shows the last window closed with the reference's
    /// top hashtags and tweets, and no open window; returns that document.
    fn wait_for_last_window(&self, base: &str, consumer: &Proc) -> Value {
        let url = format!("{base}api/top?window=tumbling-10s&n={N}");
        let expected = reference_top(&self.want, LAST_MS, N);
        let deadline = Instant::now() + LONG;
        loop {
            let doc = get_json(&url);
            let closed = &doc["closed"];
            let done = closed["window_start_ms"] == LAST_MS
                && closed["summary"]["tweets"] == self.want_tweets[&LAST_MS]
                && api_top(closed) == expected
                && doc["open"].as_array().is_some_and(Vec::is_empty);
            if done {
                return doc;
            }
            assert!(
                Instant::now() < deadline,
                "{url} never showed the last window's reference counts {expected:?}: {doc:#}\n{}",
                tail(&consumer.stderr())
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

#[test]
fn the_api_serves_the_merged_top_hashtags_metrics_health_and_a_live_stream() {
    let input = Input::new("http-api", 23);
    let (want, want_tweets, last) = (&input.want, &input.want_tweets, LAST_MS);
    let (mut consumer, base) = input.consumer(
        "consumer",
        &unique("http-api-group"),
        &unique("http-api-results"),
    );

    let (status, body) = get(&format!("{base}healthz"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "ok"
    );

    let stream = follow_stream(format!("{base}api/stream?window=tumbling-10s&n={N}"));
    wait_until(Duration::from_secs(30), "the stream's first event", || {
        !top_events(&stream).is_empty()
    });
    let first = &top_events(&stream)[0];
    assert_eq!(first["window"], "tumbling-10s");
    assert!(first["closed"].is_null(), "nothing published yet: {first}");

    input.publish();

    // The stream follows the windows as they fill and close.
    wait_until(LONG, "a streamed update with counts", || {
        top_events(&stream)
            .iter()
            .any(|e| !e["open"].as_array().unwrap().is_empty() || !e["closed"].is_null())
    });

    // Both windows close once the partitions go idle; the view converges on their records.
    let doc = input.wait_for_last_window(&base, &consumer);
    assert_eq!(doc["closed"]["final"], true);
    assert_eq!(doc["closed"]["window_end_ms"], last + 10_000);
    assert_eq!(doc["windows"], serde_json::json!(["tumbling-10s"]));

    let history = get_json(&format!("{base}api/windows?window=tumbling-10s&n={N}"));
    let windows = history["windows"].as_array().expect("windows");
    let starts: Vec<i64> = windows
        .iter()
        .map(|w| w["window_start_ms"].as_i64().unwrap())
        .collect();
    assert_eq!(starts, [START_MS, last]);
    for w in windows {
        let start = w["window_start_ms"].as_i64().unwrap();
        assert_eq!(w["summary"]["tweets"], want_tweets[&start], "{w}");
        let leader = &reference_top(want, start, 1)[0];
        assert_eq!(w["top_hashtag"]["key"], leader.0.as_str(), "{w}");
    }
    for series in history["series"].as_array().expect("series") {
        let key = series["key"].as_str().unwrap().to_owned();
        let counts: Vec<u64> = [START_MS, last]
            .iter()
            .map(|&s| want.get(&(s, key.clone())).copied().unwrap_or(0))
            .collect();
        assert_eq!(series["counts"], serde_json::json!(counts), "{series}");
    }
    assert_eq!(history["series"].as_array().unwrap().len(), N);

    // Metrics count what this consumer read and did.
    let metrics_url = format!("{base}metrics");
    let lag_of_raw = format!("trends_consumer_lag_records{{topic=\"{}\"", input.topic);
    wait_until(
        LONG,
        "metrics of every tweet and caught-up partitions",
        || {
            let (_, text) = get(&metrics_url);
            let lags: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with(&lag_of_raw))
                .collect();
            sample(&text, "trends_tweets_consumed_total") == Some(TWEETS as f64)
                && lags.len() == PARTITIONS as usize
                && lags.iter().all(|l| l.ends_with(" 0"))
        },
    );
    let (status, text) = get(&metrics_url);
    assert_eq!(status, 200);
    assert_eq!(
        sample(&text, "trends_tweets_counted_total"),
        Some(TWEETS as f64)
    );
    assert_eq!(sample(&text, "trends_parse_rejects_total"), Some(0.0));
    assert_eq!(sample(&text, "trends_late_records_total"), Some(0.0));
    assert_eq!(sample(&text, "trends_windows_published_total"), Some(2.0));
    let delay = sample(&text, "trends_window_emit_delay_seconds").expect("emit delay");
    assert!(
        delay > 0.0,
        "windows of 2026-01-01 were published after they ended: {delay}"
    );
    for family in [
        "trends_tweets_consumed_total counter",
        "trends_parse_rejects_total counter",
        "trends_late_records_total counter",
        "trends_consumer_lag_records gauge",
        "trends_window_emit_delay_seconds gauge",
        "trends_window_sentiment_tweets gauge",
    ] {
        let name = family.split(' ').next().unwrap();
        assert!(
            text.contains(&format!("# TYPE {family}\n")),
            "{family}:\n{text}"
        );
        assert!(text.contains(&format!("# HELP {name} ")), "{name}:\n{text}");
    }

    // The last window's rising hashtags, served and counted, equal the reference's.
    let rising = reference_rising(
        &reference_counts(&input.file, 10_000),
        10_000,
        &RisingParams::default(),
    );
    let want_rising = &rising[&last];
    assert!(
        !want_rising.tags.is_empty(),
        "the burst rises: {want_rising:?}"
    );
    let url = format!("{base}api/rising?window=tumbling-10s&n={N}");
    wait_until(LONG, "the last window's rising list", || {
        get_json(&url)["closed"]["window_start_ms"] == last
    });
    let served = &get_json(&url)["closed"];
    assert_eq!(
        published_rising("/api/rising", served),
        Rising {
            tags: want_rising.tags.iter().take(N).cloned().collect(),
            ..want_rising.clone()
        }
    );
    let labelled = |name: &str| {
        let prefix = format!("{name}{{window=\"tumbling-10s\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix)?.parse::<f64>().ok())
    };
    assert_eq!(
        labelled("trends_rising_hashtags"),
        Some(want_rising.tags.len() as f64)
    );
    // The history holds both windows: every hashtag counted in either.
    assert_eq!(
        labelled("trends_rising_state_hashtags"),
        Some(want.len() as f64)
    );

    let health = get_json(&format!("{base}healthz"));
    assert_eq!(health["results_caught_up"], true, "{health}");
    assert!(
        consumer.terminate(Duration::from_secs(30)).success(),
        "{}",
        consumer.stderr()
    );
    // Reaching the end of a partition is how the readers know they caught up, not an error.
    let logged_eof = consumer.stderr_lines_containing("PartitionEOF");
    assert!(logged_eof.is_empty(), "{logged_eof:#?}");
}

#[test]
fn every_instance_serves_the_same_merged_view() {
    let input = Input::new("http-multi", 29);
    let (group, results) = (unique("http-multi-group"), unique("http-multi-results"));
    let (mut one, one_url) = input.consumer("one", &group, &results);
    let (mut two, two_url) = input.consumer("two", &group, &results);
    for c in [&mut one, &mut two] {
        c.wait_for_log(LONG, "an assignment of the raw topic", |l| {
            l.contains("partitions assigned") && l.contains(&format!("topic={} ", input.topic))
        });
    }
    input.publish();
    let seen_by_one = input.wait_for_last_window(&one_url, &one);
    let seen_by_two = input.wait_for_last_window(&two_url, &two);
    assert_eq!(seen_by_one, seen_by_two);
    let history = |base: &str| get_json(&format!("{base}api/windows?window=tumbling-10s&n={N}"));
    assert_eq!(history(&one_url), history(&two_url));

    // Counters are each instance's own: together they consumed every tweet once, and only the
    // merging member published windows.
    let totals = || {
        [&one_url, &two_url].map(|base| {
            let (_, text) = get(&format!("{base}metrics"));
            let of = |name| sample(&text, name).unwrap_or(-1.0);
            (
                of("trends_tweets_consumed_total"),
                of("trends_windows_published_total"),
            )
        })
    };
    // The API can show a window before the publishing member's counters, refreshed every
    // 100 ms, count it.
    wait_until(LONG, "both instances' counters", || {
        let [a, b] = totals();
        a.0 + b.0 == TWEETS as f64 && a.1 + b.1 == 2.0
    });
    let [a, b] = totals();
    let mut published = [a.1, b.1];
    published.sort_by(f64::total_cmp);
    assert_eq!(published, [0.0, 2.0], "{}", timeline(&[&one, &two]));
    for c in [&mut one, &mut two] {
        assert!(
            c.terminate(Duration::from_secs(30)).success(),
            "{}",
            c.stderr()
        );
    }
}
