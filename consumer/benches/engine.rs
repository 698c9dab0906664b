//! Micro-benchmarks of the consumer's per-message engine, one step at a time.
//!
//! `bench/src/bin/engine.rs` measures the whole engine end to end over a large input; these
//! benchmarks split that cost into its steps (parse, hashtag extraction and case folding,
//! windowing, sentiment scoring, the full per-message path with and without sentiment, and
//! top-N selection) so that a change to one step
//! shows up in its own number instead of being lost in the total.
//!
//! Input: `benches/tweets.jsonl`, 50 realistic v1.1 tweets (2 to 4 KB each, with user objects,
//! entities, retweets, non-ASCII hashtags) produced by the project's seeded synthetic source:
//! `cargo run --release -p producer -- --source synthetic --sink stdout --limit 200 --seed 42
//! --start 2026-01-01T00:00:00Z | head -n 50`.
//!
//! Run with `cargo bench -p consumer --bench engine` (about a minute: short measurement times,
//! because the machines this runs on are small and shared).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

use consumer::engine::count::{CountOptions, Pipeline};
use consumer::engine::counts::{TagCount, TweetTags};
use consumer::engine::sentiment::aggregate::Scoring;
use consumer::engine::sentiment::{Sample, Score};
use consumer::engine::topn::top_n;
use consumer::engine::window::{PartitionWindows, Shape, WindowSpec};
use model::hashtag::fold;
use model::tweet::Tweet;

/// The checked-in sample of synthetic tweets, one JSON document per line.
const FIXTURE: &str = include_str!("tweets.jsonl");

/// One minute, the window size of the windowing benchmarks.
const MINUTE_MS: i64 = 60_000;

/// The fixture's tweets as message payloads.
fn payloads() -> Vec<&'static [u8]> {
    FIXTURE
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::as_bytes)
        .collect()
}

/// A "typical" tweet of the fixture: the first original tweet with three hashtags (most have
/// one to three), so that the single-tweet numbers are neither best nor worst case.
fn typical(payloads: &[&'static [u8]]) -> &'static [u8] {
    payloads
        .iter()
        .copied()
        .find(|p| {
            let t = Tweet::parse(p).expect("fixture tweets parse");
            !t.is_retweet && t.hashtags().count() == 3
        })
        .expect("the fixture has a tweet with three hashtags")
}

/// The window definition of the windowing benchmarks: one-minute tumbling windows, exact counts.
fn minute_windows() -> WindowSpec {
    WindowSpec {
        shapes: vec![Shape {
            size_ms: MINUTE_MS,
            slide_ms: MINUTE_MS,
        }],
        lateness_ms: 5_000,
        max_hashtags: 0,
    }
}

/// Parsing and hashtag extraction: the part of the per-message cost that depends on the JSON.
fn parse(c: &mut Criterion) {
    let all = payloads();
    let one = typical(&all);
    let all_bytes: usize = all.iter().map(|p| p.len()).sum();

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(one.len() as u64));
    g.bench_function("tweet", |b| {
        b.iter(|| Tweet::parse(black_box(one)).expect("parses"))
    });
    g.bench_function("tweet+hashtags+fold", |b| {
        b.iter(|| {
            let tweet = Tweet::parse(black_box(one)).expect("parses");
            tweet.hashtags().map(fold).collect::<Vec<String>>()
        })
    });
    g.throughput(Throughput::Bytes(all_bytes as u64));
    g.bench_function("fixture_50_tweets+hashtags+fold", |b| {
        b.iter(|| {
            let mut tags = 0usize;
            for p in &all {
                let tweet = Tweet::parse(black_box(p)).expect("parses");
                tags += tweet.hashtags().map(fold).map(|k| k.len()).sum::<usize>();
            }
            tags
        })
    });
    g.finish();

    // The same steps on a tweet already parsed, to separate them from the JSON work.
    let tweet = Tweet::parse(one).expect("parses");
    let spellings: Vec<&str> = tweet.hashtags().collect();
    let mut g = c.benchmark_group("hashtags");
    g.throughput(Throughput::Elements(spellings.len() as u64));
    g.bench_function("from_parsed_tweet", |b| {
        b.iter(|| black_box(&tweet).hashtags().count())
    });
    g.bench_function("fold_each", |b| {
        b.iter(|| {
            black_box(&spellings)
                .iter()
                .map(|t| fold(t))
                .collect::<Vec<String>>()
        })
    });
    g.finish();
}

/// Adding one tweet's hashtags to an open one-minute window (steady state: the window and most
/// of its keys already exist, as for all but the first tweets of a window).
fn window_observe(c: &mut Criterion) {
    let all = payloads();
    let tweets: Vec<(i64, TweetTags)> = all
        .iter()
        .map(|p| {
            let t = Tweet::parse(p).expect("fixture tweets parse");
            (
                t.created_at_ms.expect("v1.1 tweets have created_at"),
                t.hashtags().collect(),
            )
        })
        .filter(|(_, tags): &(i64, TweetTags)| !tags.is_empty())
        .collect();
    let mean_tags = tweets.iter().map(|(_, t)| t.len()).sum::<usize>() as f64 / tweets.len() as f64;

    let mut g = c.benchmark_group("window");
    g.throughput(Throughput::Elements(1));
    eprintln!("window/observe: tweets with hashtags carry {mean_tags:.1} on average");
    g.bench_function("observe_tweet_1m_tumbling", |b| {
        let mut windows = PartitionWindows::new(minute_windows(), None);
        let mut offset = 0i64;
        b.iter(|| {
            let (event_ms, tags) = &tweets[offset as usize % tweets.len()];
            let seen = windows.observe(offset, *event_ms, black_box(tags), Scoring::Off);
            offset += 1;
            seen
        })
    });
    g.finish();
}

/// Scoring a tweet's text (VADER compound score), the fixture's texts in turn.
fn sentiment(c: &mut Criterion) {
    let all = payloads();
    let texts: Vec<String> = all
        .iter()
        .map(|p| Tweet::parse(p).expect("parses").text.into_owned())
        .collect();
    let mut g = c.benchmark_group("sentiment");
    g.throughput(Throughput::Elements(1));
    g.bench_function("score_tweet_text", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            Score::of(black_box(&texts[i % texts.len()]))
        })
    });
    g.finish();
}

/// The full per-message path of the counting stage: parse, extract, fold, (score,) window.
fn pipeline_process(c: &mut Criterion) {
    let all = payloads();
    let mut g = c.benchmark_group("pipeline");
    // Per message: each iteration is the whole fixture, counted into a fresh pipeline.
    g.throughput(Throughput::Elements(all.len() as u64));
    for (name, sentiment) in [
        ("process_fixture_1m_tumbling", None),
        (
            "process_fixture_1m_tumbling_sentiment_all",
            Some(Sample::new(1.0)),
        ),
    ] {
        bench_process(&mut g, &all, name, sentiment);
    }
    g.finish();
}

/// A pipeline owning partition 0, as the consumer builds it, with one-minute windows.
fn fresh_pipeline(sentiment: Option<Sample>, now: Instant) -> Pipeline {
    let mut pipeline = Pipeline::new(CountOptions::in_memory(minute_windows(), sentiment));
    pipeline.assign(0, None, now);
    pipeline
}

/// Counts every fixture tweet once per iteration into a fresh pipeline: the same tweets fed
/// again into one pipeline would be de-duplicated by id and measure only parsing.
fn bench_process(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    all: &[&'static [u8]],
    name: &str,
    sentiment: Option<Sample>,
) {
    let now = Instant::now();
    let process_all = |mut pipeline: Pipeline| {
        for (offset, payload) in (0i64..).zip(all) {
            let _ = pipeline.process(0, offset, Some(black_box(payload)), None, now);
        }
        pipeline
    };
    let stats = process_all(fresh_pipeline(sentiment, now)).stats();
    assert_eq!(
        (stats.counted, stats.duplicates, stats.rejected),
        (all.len() as u64, 0, 0),
        "every fixture tweet is counted, none as a duplicate"
    );
    g.bench_function(name, |b| {
        b.iter_batched(
            || fresh_pipeline(sentiment, now),
            process_all,
            BatchSize::SmallInput,
        )
    });
}

/// A window's counts with `distinct` hashtags and a long-tailed (Zipf-like) count distribution,
/// as trending hashtags have; deterministic so runs compare.
fn window_of(distinct: usize) -> Vec<TagCount> {
    (0..distinct)
        .map(|i| {
            // A rank-based count plus a cheap scramble so that equal counts are common but
            // the order of keys does not follow the order of counts.
            let rank = (i as u64).wrapping_mul(2_654_435_761) % distinct as u64 + 1;
            TagCount {
                key: format!("tag{i:06}"),
                count: 100_000 / rank,
                error: 0,
                forms: Default::default(),
                sentiment: None,
            }
        })
        .collect()
}

/// Picking the top 10 of a window, done once per closed window and table.
fn top(c: &mut Criterion) {
    let mut g = c.benchmark_group("top_n");
    for distinct in [1_000usize, 100_000] {
        let tags = window_of(distinct);
        g.throughput(Throughput::Elements(distinct as u64));
        g.bench_with_input(BenchmarkId::new("top10", distinct), &tags, |b, tags| {
            b.iter(|| top_n(black_box(tags), 10).len())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the whole suite takes about a minute on two shared cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = parse, window_observe, sentiment, pipeline_process, top
}
criterion_main!(benches);
