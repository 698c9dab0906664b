use super::*;
use crate::engine::counts::{TweetTags, WindowCounts};
use crate::engine::sentiment::aggregate::{Scored, Scoring};
use crate::engine::window::{Shape, WindowId};
use model::post::PostId;

const TEN: Shape = Shape {
    size_ms: 10_000,
    slide_ms: 10_000,
};

fn window(start_ms: i64, is_final: bool, tweets: &[&[&str]]) -> MergedWindow {
    let mut counts = WindowCounts::new(0);
    for tags in tweets {
        counts.add_tweet(&tags.iter().copied().collect(), Scoring::Off);
    }
    let totals = counts.totals();
    MergedWindow {
        id: WindowId {
            shape: TEN,
            start_ms,
        },
        is_final,
        distinct: totals.tags.len(),
        totals,
    }
}

fn values(records: &[Record]) -> BTreeMap<&str, serde_json::Value> {
    records
        .iter()
        .map(|r| (r.key.as_str(), serde_json::from_slice(&r.value).unwrap()))
        .collect()
}

/// Restores `p` from `records` as a new owner of the merge stage reads them.
fn restore(p: &mut Publisher, records: &[Record]) {
    let read = p.restore_from(None, |each| {
        for r in records {
            each(&r.key, &r.value);
        }
        Ok(records.len() as u64)
    });
    assert_eq!(read.unwrap(), records.len() as u64);
}

fn defs(text: &str) -> Vec<WindowDef> {
    model::window_spec::parse_windows(text).unwrap()
}

#[test]
fn a_final_window_is_keyed_by_window_and_hashtag_with_its_display_spelling() {
    let mut p = Publisher::new(&defs("10s"), 3);
    let mut out = Published::default();
    p.publish(
        &window(0, true, &[&["Rust"], &["rust", "Kafka"], &["Rust"]]),
        &mut out,
    );
    let v = values(&out.records);
    let keys: Vec<&str> = v.keys().copied().collect();
    assert_eq!(
        keys,
        [
            "tumbling-10s|1970-01-01T00:00:00Z|*",
            "tumbling-10s|1970-01-01T00:00:00Z|kafka",
            "tumbling-10s|1970-01-01T00:00:00Z|rust",
        ]
    );
    let rust = &v["tumbling-10s|1970-01-01T00:00:00Z|rust"];
    assert_eq!(rust["hashtag"], "Rust");
    assert_eq!(rust["count"], 3);
    assert_eq!(rust["final"], true);
    assert_eq!(rust["window_end"], "1970-01-01T00:00:10Z");
    assert!(rust.get("error").is_none(), "exact counts carry no error");
    let summary = &v["tumbling-10s|1970-01-01T00:00:00Z|*"];
    assert_eq!(summary["tweets"], 3);
    assert_eq!(summary["distinct_hashtags"], 2);
    assert_eq!(out.tables.len(), 1);
    assert!(out.tables[0].contains("|#Rust "), "{}", out.tables[0]);
    assert_eq!(out.lines.len(), 1);
}

/// The published sentiment contract the dashboard reads.
#[test]
fn sentiment_is_published_for_windows_and_hashtags_but_not_cumulative_totals() {
    let mut counts = WindowCounts::new(0);
    let tweets = [
        (11, "I love this, best day ever!", &["Rust"][..]),
        (12, "worst traffic, awful", &["Rust", "Kafka"]),
        (13, "the bus is here", &[]),
    ];
    for (id, text, tags) in tweets {
        let keyed: TweetTags = tags.iter().copied().collect();
        let id = PostId::Tweet(id);
        let scored = Scored {
            id: &id,
            text,
            score: Score::of(text),
        };
        counts.add_tweet(&keyed, Scoring::Scored(scored));
    }
    let totals = counts.totals();
    let w = MergedWindow {
        id: WindowId {
            shape: TEN,
            start_ms: 0,
        },
        is_final: true,
        distinct: totals.tags.len(),
        totals,
    };
    let mut p = Publisher::new(&defs("10s,cumulative:10s"), 3);
    let mut out = Published::default();
    p.publish(&w, &mut out);
    let v = values(&out.records);
    let (love, worst) = (Score::of(tweets[0].1), Score::of(tweets[1].1));
    assert_eq!((love.units(), worst.units()), (8_883, -7_964));
    assert_eq!(
        v["tumbling-10s|1970-01-01T00:00:00Z|*"]["sentiment"],
        serde_json::json!({
            "scored": 3, "mean": 0.0306, "positive": 1, "neutral": 1, "negative": 1,
            "not_scored_language": 0,
            "most_positive": {"id": "11", "text": "I love this, best day ever!", "score": 0.8883},
            "most_negative": {"id": "12", "text": "worst traffic, awful", "score": -0.7964},
        })
    );
    assert_eq!(
        v["tumbling-10s|1970-01-01T00:00:00Z|rust"]["sentiment"],
        serde_json::json!({
            "scored": 2, "mean": 0.046, "positive": 1, "neutral": 0, "negative": 1,
        }),
        "(8883 - 7964) / 2 = 459.5, rounded away from zero"
    );
    assert_eq!(
        v["tumbling-10s|1970-01-01T00:00:00Z|kafka"]["sentiment"]["mean"],
        -0.7964
    );
    for key in ["cumulative-10s|rust", "cumulative-10s|*"] {
        assert!(v[key].get("sentiment").is_none(), "{key}: {}", v[key]);
    }
    assert!(
        out.tables[0].contains("Tweets: 3  Distinct hashtags: 2  Sentiment: +0.0306\n"),
        "{}",
        out.tables[0]
    );

    let mut off = Published::default();
    Publisher::new(&defs("10s"), 3).publish(&window(0, true, &[&["a"]]), &mut off);
    assert!(values(&off.records)
        .values()
        .all(|v| v.get("sentiment").is_none()));

    // On, but no tweet of the window in the sample: counts and mean of zero.
    let mut skipped = WindowCounts::new(0);
    skipped.add_tweet(&["a"].into_iter().collect(), Scoring::Skipped);
    let totals = skipped.totals();
    let w = MergedWindow {
        id: WindowId {
            shape: TEN,
            start_ms: 0,
        },
        is_final: true,
        distinct: 1,
        totals,
    };
    let mut out = Published::default();
    Publisher::new(&defs("10s"), 3).publish(&w, &mut out);
    let zero = serde_json::json!({
        "scored": 0, "mean": 0.0, "positive": 0, "neutral": 0, "negative": 0,
    });
    for (key, v) in values(&out.records) {
        let mut want = zero.clone();
        if key.ends_with("|*") {
            // A window's summary says how many were not scored for their language.
            want["not_scored_language"] = 0.into();
        }
        assert_eq!(v["sentiment"], want, "{key}");
    }
}

#[test]
fn early_updates_are_records_only_and_marked_not_final() {
    let mut p = Publisher::new(&defs("10s,cumulative:10s"), 3);
    let mut out = Published::default();
    p.publish(&window(0, false, &[&["a"]]), &mut out);
    assert!(out.tables.is_empty() && out.lines.is_empty());
    assert!(out
        .records
        .iter()
        .all(|r| r.key.starts_with("tumbling-10s|")));
    assert!(values(&out.records).values().all(|v| v["final"] == false));
}

#[test]
fn cumulative_totals_add_each_period_once_and_survive_a_restore() {
    let d = defs("cumulative:10s");
    let mut p = Publisher::new(&d, 3);
    let mut all = Vec::new();
    let periods = [
        window(0, true, &[&["a"], &["a", "b"]]),
        window(10_000, true, &[&["a"]]),
        window(20_000, true, &[&["c"]]),
    ];
    let mut out = Published::default();
    p.publish(&periods[0], &mut out);
    p.publish(&periods[1], &mut out);
    all.append(&mut out.records);
    let v = values(&all);
    assert_eq!(v["cumulative-10s|a"]["count"], 3);
    assert_eq!(v["cumulative-10s|b"]["count"], 1);
    assert_eq!(v["cumulative-10s|*"]["tweets"], 3);

    // A new owner restores from the records, then sees period 1 again (replay) and 2.
    let mut q = Publisher::new(&d, 3);
    restore(&mut q, &all);
    let mut again = Published::default();
    q.publish(&periods[1], &mut again);
    q.publish(&periods[2], &mut again);
    all.extend(again.records);
    let v = values(&all);
    assert_eq!(
        v["cumulative-10s|a"]["count"], 3,
        "period 1 not added twice"
    );
    assert_eq!(v["cumulative-10s|c"]["count"], 1);
    assert_eq!(v["cumulative-10s|*"]["tweets"], 4);
    assert_eq!(v["cumulative-10s|*"]["distinct_hashtags"], 3);
    assert_eq!(v["cumulative-10s|*"]["window_end"], "1970-01-01T00:00:30Z");
}

/// The latest value per key, as a compacted topic keeps it.
fn latest(records: &[Record]) -> BTreeMap<String, serde_json::Value> {
    records
        .iter()
        .map(|r| (r.key.clone(), serde_json::from_slice(&r.value).unwrap()))
        .collect()
}

proptest::proptest! {
    /// Owners of the merge stage crash after any prefix of each result partition landed;
    /// the next one restores from what landed and replays from any period not yet wholly
    /// published (or earlier). The latest records equal one uninterrupted owner's.
    #[test]
    fn cumulative_records_after_crashes_equal_an_uninterrupted_run(
        periods in proptest::collection::vec(
            proptest::collection::vec(proptest::collection::vec(0..5u8, 0..3), 0..4),
            1..7,
        ),
        crashes in proptest::collection::vec(
            (proptest::prelude::any::<u64>(), [0..40usize, 0..40, 0..40]),
            0..5,
        ),
    ) {
        let d = defs("cumulative:10s");
        let periods: Vec<MergedWindow> = periods
            .iter()
            .enumerate()
            .map(|(i, tweets)| {
                let tags: Vec<Vec<String>> = tweets
                    .iter()
                    .map(|t| t.iter().map(|n| format!("T{n}")).collect())
                    .collect();
                let refs: Vec<Vec<&str>> = tags
                    .iter()
                    .map(|t| t.iter().map(String::as_str).collect())
                    .collect();
                let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
                window(i as i64 * 10_000, true, &slices)
            })
            .collect();

        let mut uninterrupted = Publisher::new(&d, 3);
        let mut want = Published::default();
        for w in &periods {
            uninterrupted.publish(w, &mut want);
        }

        let mut landed: Vec<Record> = Vec::new();
        // Periods before this are wholly in the topic: a restart may resume up to here.
        let mut resumable = 0;
        for owner in 0..=crashes.len() {
            let mut p = Publisher::new(&d, 3);
            restore(&mut p, &landed);
            let crash = crashes.get(owner);
            let start = match crash {
                Some((seed, _)) if owner > 0 => (*seed as usize) % (resumable + 1),
                _ if owner > 0 => resumable,
                _ => 0,
            };
            let end = match crash {
                Some((seed, _)) => start + (*seed as usize / 7) % (periods.len() - start + 1),
                None => periods.len(),
            };
            let mut sent_by_period = Vec::new();
            for w in &periods[start..end] {
                let mut out = Published::default();
                p.publish(w, &mut out);
                sent_by_period.push(out.records);
            }
            // Each result partition keeps a prefix of what was sent to it.
            let cuts = crash.map_or([usize::MAX; 3], |(_, cuts)| *cuts);
            let mut sent_to = [0usize; 3];
            for (i, records) in sent_by_period.into_iter().enumerate() {
                let mut whole = true;
                for r in records {
                    let partition = r.key.bytes().map(usize::from).sum::<usize>() % 3;
                    sent_to[partition] += 1;
                    if sent_to[partition] <= cuts[partition] {
                        landed.push(r);
                    } else {
                        whole = false;
                    }
                }
                if whole && resumable == start + i {
                    resumable += 1;
                }
            }
        }
        proptest::prop_assert_eq!(latest(&landed), latest(&want.records));
    }
}

#[test]
fn hopping_and_tumbling_of_other_shapes_ignore_the_window() {
    let mut p = Publisher::new(&defs("hopping:20s/10s"), 3);
    let mut out = Published::default();
    p.publish(&window(0, true, &[&["a"]]), &mut out);
    assert!(
        out.records.is_empty(),
        "a 10 s window is not a 20 s/10 s one"
    );
}
