//! The dashboard in a real headless Chromium (WebDriver), served by a consumer fed by the real
//! broker: the chart shows the expected top hashtags and follows new tweets without a reload,
//! the sources feeding a window are named with their posts, a burst hashtag is shown in the
//! Rising panel, and data containing markup is shown as text, never run. Screenshots are left
//! in `target/test-artifacts/`. Requires a running broker (see e2e/src/lib.rs) and Debian's
//! chromium and chromium-driver (scripts/test.sh installs them).

use std::path::Path;
use std::time::Duration;

use e2e::browser::Browser;
use e2e::input::tweet_line;
use e2e::kafka::{bootstrap, create_topic, publish_keyed, unique, Keyed};
use e2e::proc::{consumer_args, http_url, tail, test_dir, wait_until, Proc, LIVE_VIEW_ARGS};
use e2e::reference::counts::reference_counts;
use e2e::reference::key_time;
use serde_json::{json, Value};

const PARTITIONS: i32 = 3;
const START_MS: i64 = 1_767_225_600_000;
const LONG: Duration = Duration::from_secs(120);

/// A consumer with its HTTP server on fresh topics (tweets, then Bluesky and Mastodon posts),
/// and a browser.
struct Stand {
    dir: tempfile::TempDir,
    topic: String,
    bluesky: String,
    mastodon: String,
    consumer: Proc,
    base: String,
    browser: Browser,
}

impl Stand {
    /// A consumer serving the dashboard (`sentiment`: off, or every tweet scored) and a browser
    /// on it.
    fn new(name: &str, sentiment: bool) -> Stand {
        let dir = test_dir(name);
        let topic = unique(name);
        let (bluesky, mastodon) = (format!("{topic}-bluesky"), format!("{topic}-mastodon"));
        for t in [&topic, &bluesky, &mastodon] {
            create_topic(t, PARTITIONS);
        }
        let results = unique(&format!("{name}-results"));
        let bootstrap = bootstrap();
        let group = unique(&format!("{name}-group"));
        let topics = format!("{topic},{bluesky},{mastodon}");
        let mut args = consumer_args(&bootstrap, &topics, &group, &results);
        args.extend(LIVE_VIEW_ARGS);
        args.extend([
            "--sentiment",
            if sentiment { "true" } else { "false" },
            "--sentiment-sample",
            "1",
        ]);
        let mut consumer = Proc::spawn(dir.path(), "consumer", "consumer", &args, &[]);
        let base = http_url(&mut consumer);
        let browser = Browser::start(dir.path(), 1280, 1000);
        browser.goto(&base);
        Stand {
            dir,
            topic,
            bluesky,
            mastodon,
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

    /// Publishes a Bluesky post (a Jetstream event) and `statuses` Mastodon statuses, none with
    /// hashtags, created at `at_ms`, to their own topics.
    fn publish_other_sources(&self, at_ms: i64, statuses: u64) {
        let post = json!({"did": "did:plc:dashboard", "time_us": at_ms * 1000, "kind": "commit",
            "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "p1",
                "record": {"createdAt": key_time(at_ms), "text": "no tags here"}}});
        let keyed = |key: String, payload: Value| Keyed {
            key,
            payload: payload.to_string(),
            timestamp_ms: at_ms,
        };
        publish_keyed(
            &self.bluesky,
            &[keyed(
                "at://did:plc:dashboard/app.bsky.feed.post/p1".into(),
                post,
            )],
        );
        let statuses: Vec<Keyed> = (0..statuses)
            .map(|i| {
                let uri = format!("https://mastodon.example/users/a/statuses/{i}");
                let status = json!({"uri": uri, "created_at": key_time(at_ms),
                    "content": "<p>no tags here</p>", "account": {"acct": "a"}, "tags": []});
                keyed(uri, status)
            })
            .collect();
        publish_keyed(&self.mastodon, &statuses);
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
    let counts = reference_counts(file, 10_000).hashtags;
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
    let stand = Stand::new("dashboard", false);
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
    // Posts of the other sources in the same window, before its partitions go idle.
    stand.publish_other_sources(START_MS + 2_000, 2);
    let want_first = expected_chart(&first, START_MS, 10);
    assert_eq!(want_first.len(), 5);
    stand.wait_for_chart("the first window", &want_first);
    let tweets_in_first = reference_counts(&first, 10_000).tweets[&START_MS];
    let sources = format!("Sources: Twitter {tweets_in_first} · Bluesky 1 · Mastodon 2");
    wait_until(LONG, &sources, || {
        stand
            .browser
            .eval("return document.getElementById('sources').textContent;")
            == sources.as_str()
    });

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

/// Three windows of the same hashtags, then a window where a new one bursts: the Rising panel
/// shows it, new, with its score, beside the top-N bars, and the API serves the same list.
#[test]
fn the_rising_panel_shows_a_burst_hashtag_ranked_first() {
    let stand = Stand::new("dashboard-rising", false);
    let steady = [("Rust", 10), ("Kafka", 6)];
    let mut lines = Vec::new();
    for window in 0..3 {
        let start = START_MS + window * 10_000;
        lines.extend(tweets(5_000 + window as u64 * 100, start, &steady));
    }
    let burst_start = START_MS + 30_000;
    let with_burst = [("Rust", 10), ("Kafka", 6), ("SolarFlare", 8)];
    lines.extend(tweets(5_300, burst_start, &with_burst));
    // The partitions then go idle, which closes the burst's window (--idle-timeout).
    stand.publish("rising", &lines);

    // By hand: the history is the three earlier windows, 30 posts, #rust in all 30 and #kafka
    // in 18; the burst window has 10 posts. Baselines: rust 30 · 10 / 30 = 10 (count 10, score
    // 0), kafka 6 (score 0), solarflare 0: new, score (8 - 0) / sqrt(0 + 1) = 8.
    let row = "#rising-list .rising-tag[data-key=\"solarflare\"]";
    let text_of = |css: &str| {
        stand.browser.eval(&format!(
            "const e = document.querySelector('{css}'); return e ? e.textContent : null;"
        ))
    };
    wait_until(LONG, "the burst in the Rising panel", || {
        text_of(&format!("{row} .label")) == "#SolarFlare"
    });
    assert_eq!(
        stand
            .browser
            .eval("return document.getElementById('rising').hidden;"),
        Value::Bool(false)
    );
    let rows = stand.browser.eval(
        "return Array.from(document.querySelectorAll('#rising-list .rising-tag')).map(r => \
         [r.dataset.key, r.querySelector('.count').textContent, \
          r.querySelector('.ratio').textContent, r.querySelector('.score').textContent]);",
    );
    assert_eq!(
        rows,
        json!([["solarflare", "8", "new", "z 8.0"]]),
        "only the burst rises"
    );
    let caption = text_of("#rising-caption");
    assert!(
        caption
            .as_str()
            .unwrap()
            .contains("against 3 earlier windows"),
        "{caption}"
    );

    let body = reqwest::blocking::get(format!("{}api/rising", stand.base))
        .and_then(|r| r.text())
        .expect("api/rising");
    let doc: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(doc["closed"]["window_start_ms"], burst_start, "{doc}");
    assert_eq!(doc["closed"]["history_windows"], 3);
    assert_eq!(
        doc["closed"]["rising"],
        json!([{"hashtag": "SolarFlare", "key": "solarflare", "count": 8,
                "baseline": 0.0, "score": 8.0, "new": true}])
    );
    stand.browser.screenshot("dashboard-rising.png");
}

/// Markup that would run if inserted as HTML.
const IMG: &str = "<img src=x onerror=window.__xss=1>";
const SCRIPT: &str = "<script>window.__xss=2</script>";

#[test]
fn hashtags_and_tweet_texts_with_markup_are_shown_as_text_never_run() {
    let stand = Stand::new("dashboard-xss", true);
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

    // Tweets whose texts carry markup, scored by the engine: a glowing one and a furious one
    // become the next window's most positive and most negative tweets. A French one is not
    // scored (the lexicon is English) and is counted as such.
    let start = START_MS + 60_000;
    let positive = "<img src=y onerror=window.__xss=3> so good & happy, I love it! #bold";
    let negative = "<script>window.__xss=4</script> awful, terrible, hateful #bold";
    let french = "Quelle horreur, je déteste ce film : nul, ennuyeux, raté ! #bold";
    let later: Vec<String> = [
        (positive, 4_001, "en"),
        (negative, 4_002, "en"),
        ("just a tweet #bold", 4_003, "en"),
        (french, 4_000, "fr"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (text, id, lang))| {
        let mut tweet: Value =
            serde_json::from_str(&tweet_line(*id, start + i as i64, &["bold"])).unwrap();
        tweet["text"] = Value::from(*text);
        tweet["lang"] = Value::from(*lang);
        tweet.to_string()
    })
    .collect();
    // The partitions then go idle, which closes that window (--idle-timeout).
    stand.publish("sentiment", &later);

    let text_of = |css: &str| {
        stand.browser.eval(&format!(
            "return document.querySelector('{css}').textContent;"
        ))
    };
    wait_until(LONG, "the later window's sentiment panel", || {
        text_of("#most-positive .text") == positive
    });
    assert_eq!(
        stand
            .browser
            .eval("return document.getElementById('sentiment').hidden;"),
        Value::Bool(false)
    );
    assert_eq!(text_of("#most-negative .text"), Value::from(negative));
    // "bold" is a positive word of the lexicon, so "just a tweet #bold" is positive.
    assert_eq!(
        text_of("#sentiment-counts"),
        "2 positive · 0 neutral · 1 negative · 1 not scored (language)"
    );
    let doc = api_top();
    assert_eq!(
        doc["closed"]["summary"]["sentiment"]["most_negative"]["text"],
        negative
    );
    assert_eq!(
        doc["closed"]["summary"]["sentiment"]["not_scored_language"],
        1
    );
    // The newer window replaced the first one in the chart.
    stand.wait_for_chart("the later window", &[("#bold".to_owned(), 4)]);
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
