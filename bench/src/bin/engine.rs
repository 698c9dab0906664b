//! Engine benchmark: tweets held in memory as message payloads, run on one thread through
//! exactly the code path the consumer runs for Kafka messages: parse, extract, window (counting
//! stage), partial messages encoded and decoded, merge, top-N tables and result encoding.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use common::settings::Settings;
use consumer::engine::count::{CountOptions, Pipeline};
use consumer::engine::merge::Merger;
use consumer::engine::partial::PartialMessage;
use consumer::engine::sentiment::Sample;
use consumer::engine::window::{Shape, WindowSpec};
use consumer::output::records::{Published, Publisher};
use model::window_spec::{parse_windows, WindowDef};

/// Measure the consumer's processing engine without a broker.
#[derive(Debug, Parser)]
struct Args {
    /// JSON-lines file of tweets (e.g. from `producer --sink stdout`).
    input: PathBuf,
    /// Windows, as the consumer's --window.
    #[arg(long, default_value = "1m")]
    window: String,
    /// Hashtags per table.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Raw partitions the messages are spread over (round robin).
    #[arg(long, default_value_t = 3)]
    partitions: i32,
    /// How many times to run over the input (the best run is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Score tweets' sentiment, as the consumer does by default (consumer.sentiment).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    sentiment: bool,
    /// Fraction of tweets scored; default: the consumer's default (consumer.sentiment_sample).
    #[arg(long, value_name = "FRACTION")]
    sentiment_sample: Option<f64>,
}

struct Outcome {
    wall: Duration,
    cpu: Duration,
    windows: u64,
    records: u64,
    table_bytes: usize,
}

fn run_once(args: &Args, payloads: &[Vec<u8>]) -> anyhow::Result<Outcome> {
    let defs = parse_windows(&args.window).map_err(anyhow::Error::msg)?;
    let mut pipeline = counting_stage(args, &defs)?;
    let mut merger = Merger::new(args.partitions, None);
    let mut publisher = Publisher::new(&defs, args.top);
    let (mut merge_offset, mut windows, mut records, mut table_bytes) = (0i64, 0u64, 0u64, 0usize);
    let mut merge = |messages: Vec<PartialMessage>, merger: &mut Merger| {
        for m in messages {
            let bytes = m.encode();
            let decoded = PartialMessage::decode(&bytes).expect("own messages decode");
            merger.observe(merge_offset, decoded);
            merge_offset += 1;
        }
        let mut out = Published::default();
        for w in merger.take_complete() {
            windows += 1;
            publisher.publish(&w, &mut out);
        }
        records += out.records.len() as u64;
        table_bytes += out.tables.iter().map(String::len).sum::<usize>();
    };

    let start = Instant::now();
    let cpu_before = bench::usage().cpu;
    let now = Instant::now();
    for p in 0..args.partitions {
        pipeline.assign(p, None, now);
    }
    for (i, payload) in payloads.iter().enumerate() {
        let partition = (i as i32) % args.partitions;
        let offset = (i as i64) / i64::from(args.partitions);
        let _ = pipeline.process(partition, offset, Some(payload), None, now);
        // The driver looks for closed windows every 100 ms; at firehose rates that is every
        // few thousand messages.
        if i % 8192 == 8191 {
            pipeline.set_wall_clock(chrono::Utc::now().timestamp_millis());
            let messages = pipeline.close_ready(now);
            merge(messages, &mut merger);
        }
    }
    for p in 0..args.partitions {
        pipeline.mark_end(p);
    }
    let messages = pipeline.finish_at_end().unwrap_or_default();
    merge(messages, &mut merger);
    let cpu = bench::usage().cpu - cpu_before;
    Ok(Outcome {
        wall: start.elapsed(),
        cpu,
        windows,
        records,
        table_bytes,
    })
}

/// The counting stage as the consumer sets it up: `defs`' windows, the default 5 s allowed
/// lateness, exact counts, and sentiment as asked.
fn counting_stage(args: &Args, defs: &[WindowDef]) -> anyhow::Result<Pipeline> {
    let shapes = Shape::for_defs(defs);
    let sample = sentiment_sample(args)?;
    let spec = WindowSpec {
        shapes,
        lateness_ms: 5_000,
        max_hashtags: 0,
    };
    let sentiment = args.sentiment.then(|| Sample::new(sample));
    Ok(Pipeline::new(CountOptions::in_memory(spec, sentiment)))
}

/// The fraction of tweets scored: as given, else the consumer's default.
fn sentiment_sample(args: &Args) -> anyhow::Result<f64> {
    match args.sentiment_sample {
        Some(fraction) => Ok(fraction),
        None => Ok(Settings::load(None, &[])?.consumer.sentiment_sample),
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let payloads = bench::load_payloads(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    let n = payloads.len() as f64;
    let mut best: Option<Outcome> = None;
    for run in 1..=args.runs {
        let o = run_once(&args, &payloads)?;
        eprintln!(
            "run {run}: {:.3} s wall, {:.3} s CPU, {:.0} tweets/s",
            o.wall.as_secs_f64(),
            o.cpu.as_secs_f64(),
            n / o.wall.as_secs_f64()
        );
        if best.as_ref().is_none_or(|b| o.wall < b.wall) {
            best = Some(o);
        }
    }
    let o = best.context("--runs must be at least 1")?;
    let secs = o.wall.as_secs_f64();
    println!("tweets            {}", payloads.len());
    match args.sentiment {
        true => println!("sentiment         sample {}", sentiment_sample(&args)?),
        false => println!("sentiment         off"),
    }
    println!(
        "input             {:.1} MB ({:.0} bytes/tweet)",
        bytes as f64 / 1e6,
        bytes as f64 / n
    );
    println!("windows merged    {}", o.windows);
    println!("result records    {}", o.records);
    println!("table bytes       {}", o.table_bytes);
    println!("wall              {secs:.3} s");
    println!("tweets/s          {:.0}", n / secs);
    println!("MB/s              {:.1}", bytes as f64 / 1e6 / secs);
    println!("CPU s per 1M      {:.3}", o.cpu.as_secs_f64() / n * 1e6);
    println!(
        "peak RSS          {:.0} MB (input held in memory included)",
        bench::usage().max_rss_bytes as f64 / 1e6
    );
    Ok(())
}
