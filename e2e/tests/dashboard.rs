//! The dashboard in a real headless Chromium (WebDriver), served by a consumer fed by the real
//! broker: the chart shows the expected top hashtags and follows new tweets without a reload,
//! and data containing markup is shown as text, never run. Screenshots are left in
//! `target/test-artifacts/`. Requires a running broker (see e2e/src/lib.rs) and Debian's
//! chromium and chromium-driver (scripts/test.sh installs them).

use std::path::Path;
use std::time::Duration;

use e2e::browser::Browser;
use e2e::*;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const PARTITIONS: i32 = 3;
const START_MS: i64 = 1_767_225_600_000;
const LONG: Duration = Duration::from_secs(120);

/// A consumer with its HTTP server on a fresh topic, and a browser.
struct Stand {
    dir: tempfile::TempDir,
    topic: String,
    results: String,
    consumer: Proc,
    base: String,
    browser: Browser,
}

impl Stand {
    fn new(name: &str) -> Stand {
        let dir = test_dir(name);
        let topic = unique(name);
        create_topic(&topic, PARTITIONS);
        let results = unique(&format!("{name}-results"));
        let bootstrap = bootstrap();
        let group = unique(&format!("{name}-group"));
        let mut consumer = Proc::spawn(
            dir.path(),
            "consumer",
            "consumer",
            &[
                "--bootstrap-servers",
                &bootstrap,
                "--topic",
                &topic,
                "--group-id",
                &group,
                "--results-topic",
                &results,
                "--http",
                "127.0.0.1:0",
                "--early-updates",
                "300ms",
                "--idle-timeout",
                "8s",
                // Without sentiment, so that the panel's hidden state is tested too; the markup
                // test writes sentiment records of its own.
                "--sentiment",
                "false",
            ],
            &[],
        );
        let base = http_url(&mut consumer);
        let browser = Browser::start(dir.path(), 1280, 1000);
        browser.goto(&base);
        Stand {
            dir,
            topic,
            results,
            consumer,
            base,
            browser,
        }
    }

    /// Publishes tweets through the producer; returns the file they were read from.
    fn publish(&self, name: &str, tweets: &[String]) -> std::path::PathBuf {
        let file = self.dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&file, tweets.join("\n") + "\n").expect("write tweets");
        let (bootstrap, path) = (bootstrap(), file.display().to_string());
        let mut producer = Proc::spawn(
            self.dir.path(),
            &format!("producer-{name}"),
            "producer",
            &[
                "--bootstrap-servers",
                &bootstrap,
                "--topic",
                &self.topic,
                "--file",
                &path,
            ],
            &[],
        );
        assert!(producer.wait(LONG).success(), "{}", producer.stderr());
        file
    }

    /// The chart's rows as shown: label text and count.
    fn chart(&self) -> Vec<(String, u64)> {
        let rows = self.browser.eval(
            "return Array.from(document.querySelectorAll('#bars .bar')).map(r => \
             [r.querySelector('.label').textContent, r.querySelector('.count').firstChild.textContent]);",
        );
        rows.as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                let label = r[0].as_str().unwrap_or_default().to_owned();
                let count = r[1].as_str().and_then(|c| c.parse().ok()).unwrap_or(0);
                (label, count)
            })
            .collect()
    }

    /// Waits until the chart shows `want`, comparing labels case-insensitively (the chart
    /// shows each hashtag's most used spelling, the reference its case-folded key).
    fn wait_for_chart(&self, what: &str, want: &[(String, u64)]) {
        let deadline = std::time::Instant::now() + LONG;
        loop {
            let shown = self.chart();
            let folded: Vec<(String, u64)> = shown
                .iter()
                .map(|(label, count)| (label.to_lowercase(), *count))
                .collect();
            if folded == want {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the chart never showed {what} {want:?}; it shows {shown:?}\nconsumer:\n{}",
                tail(&self.consumer.stderr())
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// The reference's top hashtags of the window at `start`, as the chart labels them.
fn expected_chart(file: &Path, start: i64, n: usize) -> Vec<(String, u64)> {
    let (counts, _) = reference_counts(file, 10_000);
    let mut top: Vec<(String, u64)> = counts
        .into_iter()
        .filter(|((s, _), _)| *s == start)
        .map(|((_, tag), count)| (format!("#{tag}"), count))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(n);
    top
}

/// Tweets created every half second from `start_ms`, tweet `i` mentioning every hashtag whose
/// share is above `i`: the first hashtag is mentioned `shares[0]` times, and so on.
fn tweets(first_id: u64, start_ms: i64, shares: &[(&str, u64)]) -> Vec<String> {
    let most = shares.iter().map(|s| s.1).max().unwrap_or(0);
    (0..most)
        .map(|i| {
            let tags: Vec<&str> = shares
                .iter()
                .filter(|(_, n)| i < *n)
                .map(|(t, _)| *t)
                .collect();
            tweet_line(first_id + i, start_ms + i as i64 * 500, &tags)
        })
        .collect()
}

#[test]
fn the_dashboard_charts_the_top_hashtags_and_follows_new_tweets_without_reload() {
    let stand = Stand::new("dashboard");
    let first = stand.publish(
        "first",
        &tweets(
            1_000,
            START_MS,
            &[
                ("Rust", 12),
                ("Kafka", 8),
                ("Tokio", 5),
                ("Serde", 3),
                ("Axum", 1),
            ],
        ),
    );
    let want_first = expected_chart(&first, START_MS, 10);
    assert_eq!(want_first.len(), 5);
    stand.wait_for_chart("the first window", &want_first);

    // A later window: its tweets close the first one, and the chart moves on by itself.
    stand
        .browser
        .eval("window.__sameDocument = true; return null;");
    let later = START_MS + 20_000;
    let second = stand.publish(
        "second",
        &tweets(
            2_000,
            later,
            &[("Zeta", 9), ("Eta", 6), ("Theta", 2), ("Rust", 1)],
        ),
    );
    stand.wait_for_chart("the second window", &expected_chart(&second, later, 10));
    assert_eq!(
        stand.browser.eval("return window.__sameDocument === true;"),
        Value::Bool(true),
        "the page was reloaded"
    );

    // The closed first window reaches the timeline and the history table.
    wait_until(LONG, "the first window in the history", || {
        let rows = stand
            .browser
            .eval("return document.getElementById('history-rows').textContent;");
        rows.as_str().is_some_and(|t| t.contains("#Rust (12)"))
    });
    let legend = stand
        .browser
        .eval("return document.getElementById('legend').textContent;");
    assert!(legend.as_str().unwrap().contains("#Rust"), "{legend}");
    let sentiment_hidden = stand
        .browser
        .eval("return document.getElementById('sentiment').hidden;");
    assert_eq!(
        sentiment_hidden,
        Value::Bool(true),
        "no sentiment published"
    );
    stand.browser.screenshot("dashboard.png");

    // Phone-sized: nothing wider than the screen.
    stand.browser.resize(390, 844);
    let fits = stand.browser.eval(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;",
    );
    assert_eq!(
        fits,
        Value::Bool(true),
        "the page scrolls sideways on a phone"
    );
    stand.browser.screenshot("dashboard-phone.png");
}

/// Markup that would run if inserted as HTML.
const IMG: &str = "<img src=x onerror=window.__xss=1>";
const SCRIPT: &str = "<script>window.__xss=2</script>";

#[test]
fn hashtags_and_tweet_texts_with_markup_are_shown_as_text_never_run() {
    let stand = Stand::new("dashboard-xss");
    let file = stand.publish(
        "markup",
        &tweets(3_000, START_MS, &[(IMG, 3), (SCRIPT, 2), ("plain", 1)]),
    );
    let want = expected_chart(&file, START_MS, 10);
    assert_eq!(want[0].0, format!("#{IMG}"));
    stand.wait_for_chart("the hashtags with markup, as text", &want);
    let api_top = || {
        let body = reqwest::blocking::get(format!("{}api/top", stand.base))
            .and_then(|r| r.text())
            .expect("api/top");
        serde_json::from_str::<Value>(&body).expect("JSON")
    };
    let doc = api_top();
    assert_eq!(doc["open"][0]["top"][0]["hashtag"], IMG, "unchanged: {doc}");

    // Sentiment as the engine publishes it (the `sentiment` contract), with markup in the
    // tweet texts: a later closed window written to the result topic.
    let start = START_MS + 60_000;
    let span = json!({
        "window": "tumbling-10s", "window_start": "2026-01-01T00:01:00Z",
        "window_start_ms": start, "window_end": "2026-01-01T00:01:10Z",
        "window_end_ms": start + 10_000, "final": true,
    });
    let with = |fields: Value| {
        let mut v = span.clone();
        for (k, x) in fields.as_object().unwrap() {
            v[k] = x.clone();
        }
        v.to_string()
    };
    let positive = "<img src=y onerror=window.__xss=3> so good &amp; happy";
    let negative = "<script>window.__xss=4</script> awful";
    let summary = with(json!({
        "tweets": 4, "mentions": 4, "distinct_hashtags": 1,
        "sentiment": {"scored": 4, "mean": 0.25, "positive": 2, "neutral": 1, "negative": 1,
            "most_positive": {"id": "1", "text": positive, "score": 0.95},
            "most_negative": {"id": "2", "text": negative, "score": -0.91}},
    }));
    let tag = with(json!({
        "hashtag": "<b>bold</b>", "key": "<b>bold</b>", "count": 4,
        "sentiment": {"scored": 4, "mean": 0.25, "positive": 2, "neutral": 1, "negative": 1},
    }));
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .expect("producer");
    for (key, value) in [("*", &summary), ("<b>bold</b>", &tag)] {
        let key = format!("tumbling-10s|2026-01-01T00:01:00Z|{key}");
        producer
            .send(BaseRecord::to(&stand.results).key(&key).payload(value))
            .map_err(|(e, _)| e)
            .expect("send");
    }
    producer.flush(Duration::from_secs(30)).expect("flush");

    wait_until(LONG, "the sentiment panel", || {
        stand
            .browser
            .eval("return document.getElementById('sentiment').hidden === false;")
            == Value::Bool(true)
    });
    let text_of = |css: &str| {
        stand.browser.eval(&format!(
            "return document.querySelector('{css}').textContent;"
        ))
    };
    assert_eq!(text_of("#most-positive .text"), Value::from(positive));
    assert_eq!(text_of("#most-negative .text"), Value::from(negative));
    let doc = api_top();
    assert_eq!(
        doc["closed"]["summary"]["sentiment"]["most_negative"]["text"],
        negative
    );
    // The newer closed window replaced the open one in the chart.
    stand.wait_for_chart("the later window", &[("#<b>bold</b>".to_owned(), 4)]);
    wait_until(LONG, "the sentiment in the history table", || {
        text_of("#history-rows")
            .as_str()
            .is_some_and(|t| t.contains(positive) && t.contains(negative))
    });

    assert_eq!(
        stand.browser.eval(
            "return [typeof window.__xss, document.querySelectorAll('main img, main script, main b').length];"
        ),
        json!(["undefined", 0]),
        "markup from the data was parsed or run"
    );
    stand.browser.screenshot("dashboard-markup.png");
}
