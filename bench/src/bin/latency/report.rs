//! The report: the delays of every marker that arrived, as percentiles, overall and by phase
//! of the run (which tells a steady delay from a growing backlog), with what was sent,
//! acknowledged and read.

use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::hops;
use crate::produce::Produced;
use crate::reader::{Seen, Sightings};
use crate::{Args, Clock, Plan};

/// What one run measured.
pub(crate) struct Outcome<'a> {
    pub(crate) args: &'a Args,
    pub(crate) plan: &'a Plan,
    pub(crate) clock: &'a Clock,
    pub(crate) produced: &'a Produced,
    pub(crate) seen: &'a Sightings,
}

/// The delays of the markers that reached the result topic, in milliseconds.
struct Delays {
    /// From handing the tweet to the producer to the reader receiving its result record.
    by_receive: Vec<f64>,
    /// To the result record's Kafka timestamp instead, which leaves out the reader's fetch.
    by_timestamp: Vec<f64>,
}

/// The delays of the markers sent in one phase of the run.
#[derive(Clone, Default)]
struct Phase {
    delays: Vec<f64>,
    unmatched: usize,
}

/// Prints the report (and writes `--hops-csv`); returns how many markers reached the result
/// topic.
pub(crate) fn print(outcome: &Outcome) -> anyhow::Result<usize> {
    let delays = result_delays(outcome);
    let matched = delays.by_receive.len();
    print_totals(outcome, matched);
    println!("delay ms, receive {}", summary(delays.by_receive));
    println!("delay ms, record  {}", summary(delays.by_timestamp));
    let busy = busy_delays(outcome.produced, &outcome.seen.results);
    println!("busy hashtag ms   {}", summary(busy));
    if let Some(hops) = &outcome.seen.hops {
        println!(
            "raw topic hop ms  {}",
            summary(raw_hop_delays(outcome.produced, &hops.raw))
        );
        let ways = hops::ways(outcome, hops);
        hops::print(&ways);
        if let Some(path) = &outcome.args.hops_csv {
            hops::write_csv(&ways, path)?;
        }
    }
    // The same by phase of the run (about five), to tell a steady delay from a growing
    // backlog.
    let phase_secs = outcome.args.seconds.div_ceil(5);
    for (i, phase) in phases(outcome, phase_secs).into_iter().enumerate() {
        let from = i as u32 * phase_secs;
        println!(
            "  sent {from:>3}-{:<3} s {}  unmatched {}",
            from + phase_secs,
            summary(phase.delays),
            phase.unmatched,
        );
    }
    Ok(matched)
}

/// The rate, what was sent, acknowledged, matched and read.
fn print_totals(outcome: &Outcome, matched: usize) {
    let Outcome {
        args,
        plan,
        produced,
        seen,
        ..
    } = outcome;
    let (total, markers, results) = (plan.total, plan.markers, &seen.results);
    println!(
        "rate              {} tweets/s for {} s",
        args.rate, args.seconds
    );
    println!(
        "sent              {total} in {:.2} s (most behind schedule {:.1} ms)",
        produced.elapsed.as_secs_f64(),
        produced.max_behind.as_secs_f64() * 1e3
    );
    println!(
        "acknowledged      {} (failed {})",
        produced.deliveries.delivered.load(Ordering::Relaxed),
        produced.deliveries.failed.load(Ordering::Relaxed)
    );
    println!(
        "matched           {matched} of {markers} markers ({:.1} %)",
        matched as f64 * 100.0 / markers as f64
    );
    println!(
        "result records    {} read ({:.1} MB, {:.1} per tweet)",
        results.records,
        results.bytes as f64 / 1e6,
        results.records as f64 / total as f64
    );
}

/// From handing each mention of a busy hashtag to the producer to the first result record
/// whose count covers it.
fn busy_delays(produced: &Produced, results: &Seen) -> Vec<f64> {
    (produced.busy.sent.iter())
        .filter_map(|m| Some(delay_ms(m.sent, results.busy.appeared(m)?.received)))
        .collect()
}

/// One broker hop: from handing each marker to the producer to the raw topic's reader.
fn raw_hop_delays(produced: &Produced, raw: &Seen) -> Vec<f64> {
    produced
        .sent
        .iter()
        .zip(&raw.arrivals)
        .filter_map(|(sent, a)| Some(delay_ms(*sent, a.as_ref()?.received)))
        .collect()
}

/// Milliseconds from `sent` to `received`.
fn delay_ms(sent: Instant, received: Instant) -> f64 {
    received.duration_since(sent).as_secs_f64() * 1e3
}

fn result_delays(outcome: &Outcome) -> Delays {
    let mut delays = Delays {
        by_receive: Vec::with_capacity(outcome.plan.markers),
        by_timestamp: Vec::with_capacity(outcome.plan.markers),
    };
    for (seq, sent) in outcome.produced.sent.iter().enumerate() {
        if let Some(a) = outcome.seen.results.arrivals[seq] {
            delays.by_receive.push(delay_ms(*sent, a.received));
            if let Some(ms) = a.kafka_ms {
                delays
                    .by_timestamp
                    .push(ms as f64 - outcome.clock.unix_ms(*sent));
            }
        }
    }
    delays
}

/// The result delays by when their markers were sent, in phases of `phase_secs`.
fn phases(outcome: &Outcome, phase_secs: u32) -> Vec<Phase> {
    let Outcome {
        args,
        clock,
        produced,
        seen,
        ..
    } = outcome;
    let count = args.seconds.div_ceil(phase_secs) as usize;
    let mut phases = vec![Phase::default(); count];
    let first = produced.sent.first().copied().unwrap_or(clock.start);
    for (seq, sent) in produced.sent.iter().enumerate() {
        let phase = (sent.duration_since(first).as_secs() / u64::from(phase_secs)) as usize;
        let phase = &mut phases[phase.min(count - 1)];
        match seen.results.arrivals[seq] {
            Some(a) => phase.delays.push(delay_ms(*sent, a.received)),
            None => phase.unmatched += 1,
        }
    }
    phases
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Less a hair, so that 99.9 % of 1,000 (999.000…01 in floating point) is rank 999.
    let rank = (p / 100.0 * sorted.len() as f64 - 1e-9).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// "p50 … p90 … p99 … p99.9 … max …" of unsorted millisecond values.
pub(crate) fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "n {:>7}  p50 {:>7.1}  p90 {:>7.1}  p99 {:>7.1}  p99.9 {:>7.1}  max {:>7.1}",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 90.0),
        percentile(&ms, 99.0),
        percentile(&ms, 99.9),
        ms.last().copied().unwrap_or(f64::NAN)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        let thousand: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(percentile(&thousand, 99.9), 999.0);
        assert_eq!(percentile(&[3.0], 50.0), 3.0);
        assert!(percentile(&[], 50.0).is_nan());
    }
}
