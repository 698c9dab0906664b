//! The delay hop by hop (`--hops`): for each marker every reader saw, the moments it passed,
//! taken from the readers' receive times and the consumer's record timestamps (when it sent
//! the marker's first snapshot to the partials topic, and its first result).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::reader::HopSightings;
use crate::report::{summary, Outcome};

/// One marker's way through the pipeline, in epoch milliseconds.
pub(crate) struct Way {
    marker: usize,
    /// Handed to the producer.
    sent: f64,
    /// Received by the raw topic's reader (about when the consumer could fetch it).
    raw_read: f64,
    /// The first partials record carrying it was sent (its timestamp, whole milliseconds).
    snapshot: f64,
    /// That record received by the partials topic's reader.
    snapshot_read: f64,
    /// The first result record keyed by it was sent (its timestamp).
    published: f64,
    /// That record received by the result topic's reader.
    result_read: f64,
}

impl Way {
    /// The hops' durations, in the order of [`HOPS`].
    fn hops(&self) -> [f64; 5] {
        [
            self.raw_read - self.sent,
            self.snapshot - self.raw_read,
            self.snapshot_read - self.snapshot,
            self.published - self.snapshot,
            self.result_read - self.published,
        ]
    }
}

/// What each of [`Way::hops`] covers.
const HOPS: [&str; 5] = [
    "produce → raw read        (producer batching, broker)",
    "raw read → snapshot sent  (counting stage: fetch, count, wait for the snapshot)",
    "snapshot sent → read      (partials hop alone, to a reader like the merge stage)",
    "snapshot sent → published (partials hop and merge stage)",
    "published → result read   (result hop)",
];

/// The ways of the markers every reader saw, with both record timestamps.
pub(crate) fn ways(outcome: &Outcome, hops: &HopSightings) -> Vec<Way> {
    let clock = outcome.clock;
    let (raw, partials) = (&hops.raw.arrivals, &hops.partials.arrivals);
    let results = &outcome.seen.results.arrivals;
    let mut ways = Vec::with_capacity(results.len());
    for (marker, sent) in outcome.produced.sent.iter().enumerate() {
        let (Some(raw), Some(partial), Some(result)) =
            (raw[marker], partials[marker], results[marker])
        else {
            continue;
        };
        let (Some(snapshot), Some(published)) = (partial.kafka_ms, result.kafka_ms) else {
            continue;
        };
        ways.push(Way {
            marker,
            sent: clock.unix_ms(*sent),
            raw_read: clock.unix_ms(raw.received),
            snapshot: snapshot as f64,
            snapshot_read: clock.unix_ms(partial.received),
            published: published as f64,
            result_read: clock.unix_ms(result.received),
        });
    }
    ways
}

/// Prints each hop's percentiles.
pub(crate) fn print(ways: &[Way]) {
    println!(
        "hop by hop, ms, of the {} markers seen on every topic:",
        ways.len()
    );
    for (i, name) in HOPS.iter().enumerate() {
        let ms = ways.iter().map(|w| w.hops()[i]).collect();
        println!("  {name}\n      {}", summary(ms));
    }
}

/// Writes one CSV line per marker: when it passed each point, in epoch milliseconds.
pub(crate) fn write_csv(ways: &[Way], path: &Path) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    writeln!(
        out,
        "marker,sent,raw_read,snapshot,snapshot_read,published,result_read"
    )?;
    for w in ways {
        writeln!(
            out,
            "{},{:.3},{:.3},{},{:.3},{},{:.3}",
            w.marker, w.sent, w.raw_read, w.snapshot, w.snapshot_read, w.published, w.result_read
        )?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}
