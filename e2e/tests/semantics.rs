//! End-to-end claims of exactness: results that survive SIGKILLs and group membership changes
//! equal an uninterrupted single consumer's, key for key, in the result topic; and that single
//! consumer's tumbling, hopping and cumulative results equal an independent reference.
//! Requires a running broker (see e2e/src/lib.rs).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use consumer::engine::sentiment::{Sample, Score};
use e2e::brokers::needs_kafka;
use e2e::input::planted;
use e2e::kafka::{read_results, unique, Results};
use e2e::proc::{assigned_partitions, tail, timeline, wait_until, Proc};
use e2e::reference::counts::{reference_counts, reference_hopping, result_counts, Counts};
use e2e::reference::rising::{reference_rising, RisingParams};
use e2e::reference::sentiment::{
    expected_tally, most_negative, most_positive, reference_sentiment, Extreme,
};
use e2e::reference::{is_stream_notice, key_time};
use e2e::run::{
    assert_rising_exact, await_results, differences, Generated, Lcg, Scenario, LIVE_IDLE, LONG,
    MERGING, START,
};
use model::post::PostId;

/// 12,000 tweets at 200 per second of event time (`EVENTS_PER_SECOND`): 60 s, six tumbling
/// windows.
const TWEETS: u64 = 12_000;

/// The uninterrupted run itself is right: tumbling and hopping windows equal an independent
/// count of the input, and the cumulative totals equal the whole input's counts; every final
/// tumbling and hopping window ranks its rising hashtags as an independent reference does, with
/// the default parameters and with others set by flags.
#[test]
fn every_window_kind_equals_an_independent_reference() {
    let scenario = Scenario::shared(
        "kinds",
        Generated {
            tweets: TWEETS,
            seed: 61,
        },
    );
    let (run, file) = (&scenario, &scenario.file);
    let mut p = run.producer("0");
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    let results = run.reference();

    let tumbling = reference_counts(file, 10_000);
    assert_eq!(result_counts(&results, "tumbling-10s"), tumbling);
    let hopping = reference_hopping(file, 20_000, 10_000);
    assert_eq!(
        hopping.tweets.len(),
        7,
        "six tumbling windows are covered by seven hopping ones"
    );
    assert_eq!(result_counts(&results, "hopping-20s-10s"), hopping);

    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    for ((_, tag), n) in &tumbling.hashtags {
        *totals.entry(tag.clone()).or_default() += n;
    }
    for (tag, n) in &totals {
        let v = &results[&format!("cumulative-10s|{tag}")];
        assert_eq!(v["count"].as_u64(), Some(*n), "cumulative total of {tag}");
        // A total is republished when it changes; its end is the last period that changed it.
        let last_seen = tumbling
            .hashtags
            .keys()
            .filter(|(_, t)| t == tag)
            .map(|(w, _)| w)
            .max();
        assert_eq!(
            v["window_end_ms"].as_i64(),
            last_seen.map(|w| w + 10_000),
            "{tag}"
        );
    }
    let summary = &results["cumulative-10s|*"];
    assert_eq!(summary["window_end"], "2026-01-01T00:01:00Z");
    assert_eq!(summary["tweets"].as_u64(), Some(TWEETS));
    assert_eq!(
        summary["distinct_hashtags"].as_u64(),
        Some(totals.len() as u64)
    );
    let cumulative_keys = results
        .keys()
        .filter(|k| k.starts_with("cumulative-10s|"))
        .count();
    assert_eq!(cumulative_keys, totals.len() + 1);

    let ranked = assert_rising_exact(&results, file, &RisingParams::default());
    report_rising(&tumbling, hopping.tweets.len(), ranked);
    rising_with_other_parameters(run);

    // Bounded mode: 20 counters per window and partition. Every reported count brackets the
    // true one (count - error <= true <= count), and no hashtag left out was mentioned more
    // often than the window's reported bound.
    let bounded_results = unique("bounded-results");
    let mut b = run.consumer(
        "bounded",
        &unique("bounded"),
        &bounded_results,
        &["--until-end", "--max-hashtags", "20"],
    );
    assert!(b.wait(LONG).success(), "{}", tail(&b.stderr()));
    let bounded = read_results(&bounded_results);
    let mut checked = 0;
    for start in tumbling.tweets.keys() {
        let prefix = format!("tumbling-10s|{}|", key_time(*start));
        let summary = &bounded[&format!("{prefix}*")];
        let bound = summary["untracked_bound"].as_u64().unwrap_or(0);
        assert!(
            bound > 0,
            "20 counters cannot hold a window's hundreds of hashtags"
        );
        for ((w, tag), &truth) in tumbling.hashtags.range((*start, String::new())..) {
            if w != start {
                break;
            }
            match bounded.get(&format!("{prefix}{tag}")) {
                Some(v) => {
                    let (count, error) = (
                        v["count"].as_u64().unwrap(),
                        v["error"].as_u64().unwrap_or(0),
                    );
                    assert!(
                        count - error <= truth && truth <= count,
                        "{tag}: {truth} not in [{}, {count}]",
                        count - error
                    );
                    checked += 1;
                }
                None => assert!(truth <= bound, "{tag} ({truth}) missing with bound {bound}"),
            }
        }
    }
    assert!(
        checked >= 6 * 20,
        "every window reports its top 20: {checked}"
    );
}

/// Shows what the default ranking gave over the tumbling windows' `counts` and the
/// `hopping_windows`: the input is stationary apart from chance, so these are the scores chance
/// reaches.
fn report_rising(counts: &Counts, hopping_windows: usize, ranked: usize) {
    let windows = counts.tweets.len() + hopping_windows;
    eprintln!("rising: {ranked} of {windows} tumbling and hopping windows rank hashtags");
    let lists = reference_rising(counts, 10_000, &RisingParams::default());
    if let Some((start, list)) = lists.iter().find(|(_, l)| !l.tags.is_empty()) {
        eprintln!("  tumbling-10s|{}|*rising: {list:?}", key_time(*start));
    }
}

/// A consumer with every rising parameter set by a flag ranks as the reference does with them:
/// a shorter history (K = 2, which for hopping windows is three earlier windows), lower
/// thresholds, another prior and a shorter list.
fn rising_with_other_parameters(run: &Scenario) {
    let params = RisingParams {
        history: 2,
        min_count: 3,
        min_score_m: 2_500,
        prior_m: 500,
        top: 4,
    };
    let flags = params.flags();
    let mut args = vec!["--until-end"];
    args.extend(flags.iter().map(String::as_str));
    let results = unique("ranked-results");
    let mut c = run.consumer("ranked", &unique("ranked"), &results, &args);
    assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));
    let ranked = assert_rising_exact(&read_results(&results), &run.file, &params);
    eprintln!("rising with {flags:?}: {ranked} ranking lists");
}

/// Issue 4: kill the consumer with SIGKILL at random moments, at least five times during one
/// run, restarting it at once each time, as users do; the final result topic equals an
/// uninterrupted run's.
#[test]
fn results_after_repeated_sigkills_equal_an_uninterrupted_run() {
    if needs_kafka("restarting a killed member at once") {
        return;
    }
    let scenario = Scenario::shared(
        "sigkill",
        Generated {
            tweets: TWEETS,
            seed: 71,
        },
    );
    let run = &scenario;
    let (group, results) = (unique("sigkill-group"), unique("sigkill-results"));

    // 60 s of event time at 3x: the producer publishes for about 20 s while the consumer is
    // killed and restarted.
    let mut producer = run.producer("3");
    let mut rng = Lcg::from_clock();
    let seed = rng.0;
    let mut kills = Vec::new();
    let mut killed = Vec::new();
    let started = Instant::now();
    for i in 0..6 {
        let mut c = run.consumer(&format!("killed-{i}"), &group, &results, &[]);
        c.wait_for_log(LONG, "partition assignment", |l| run.assigned(l));
        let delay = Duration::from_millis(200 + rng.below(2_300));
        std::thread::sleep(delay);
        c.kill();
        kills.push((started.elapsed(), delay));
        killed.push(c);
    }
    eprintln!("kill seed {seed}: (time, delay after assignment) {kills:?}");
    assert!(producer.wait(LONG).success(), "{}", producer.stderr());

    let mut last = run.consumer("survivor", &group, &results, &["--until-end"]);
    assert!(last.wait(LONG).success(), "{}", tail(&last.stderr()));
    let got = read_results(&results);
    let want = run.reference();
    assert!(
        want.len() > 1_000,
        "a substantial result: {} keys",
        want.len()
    );
    run.assert_rising(&want);
    let procs: Vec<&Proc> = killed.iter().chain([&last]).collect();
    assert!(
        got == want,
        "result topics differ after kills {kills:?}: {:?}\n{}",
        differences(&got, &want),
        timeline(&procs)
    );
}

/// A batch run (`--until-end`) joins a group whose other member then dies while it holds the
/// merge stage and raw partitions: the run takes them over when the dead member's session
/// expires, finishes and its results are exact.
#[test]
fn a_batch_run_takes_over_from_a_member_that_died_holding_partitions() {
    if needs_kafka("reassigning a dead member's partitions") {
        return;
    }
    // 30 s of event time: the first burst (from 20 s) gives the rising lists something to rank.
    let scenario = Scenario::shared(
        "takeover",
        Generated {
            tweets: 6_000,
            seed: 101,
        },
    );
    let run = &scenario;
    let (group, results) = (unique("takeover-group"), unique("takeover-results"));
    let mut p = run.producer("0");
    assert!(p.wait(LONG).success(), "{}", p.stderr());

    // Member ids start with the client id, and both groups' assignors give the first member
    // in member-id order the merge stage and two of the three raw partitions.
    let first = [("TRENDS__KAFKA__PROPERTIES__CLIENT_ID", "a-first")];
    let mut doomed = run.consumer_with_env("doomed", &group, &results, &[], &first);
    doomed.wait_for_log(LONG, "the merge stage", |l| l.contains(MERGING));
    let mut batch = run.consumer("batch", &group, &results, &["--until-end"]);
    batch.wait_for_log(LONG, "a share of the raw partitions", |l| {
        run.assigned(l) && !assigned_partitions(l).is_empty()
    });
    // Killed once both groups have settled again, the merge stage back with it: it dies
    // holding partitions, not between two assignments.
    wait_until(
        LONG,
        "the doomed member's merge stage after the rebalance",
        || doomed.stderr().matches(MERGING).count() >= 2,
    );
    doomed.kill();

    assert!(batch.wait(LONG).success(), "{}", tail(&batch.stderr()));
    let got = read_results(&results);
    let want = run.reference();
    run.assert_rising(&want);
    assert!(
        got == want,
        "results differ after the takeover: {:?}\n{}",
        differences(&got, &want),
        timeline(&[&doomed, &batch])
    );
}

/// Issue 4: with two and then three consumers in one group, one leaving and another joining
/// at the same moment while tweets flow, the merged results equal a single consumer's exactly.
#[test]
fn a_changing_group_of_consumers_equals_a_single_consumer() {
    if needs_kafka("a member leaving as another joins") {
        return;
    }
    let scenario = Scenario::shared(
        "scale",
        Generated {
            tweets: TWEETS,
            seed: 81,
        },
    );
    let run = &scenario;
    let (group, results) = (unique("scale-group"), unique("scale-results"));
    // Idle partitions close their windows after the input stops, so the live group finishes.
    let live = LIVE_IDLE;

    let mut a = run.consumer("a", &group, &results, &live);
    a.wait_for_log(LONG, "a's assignment", |l| run.assigned(l));
    let mut producer = run.producer("3");
    let mut b = run.consumer("b", &group, &results, &live);
    b.wait_for_log(LONG, "b's assignment", |l| {
        run.assigned(l) && !assigned_partitions(l).is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    let mut c = run.consumer("c", &group, &results, &live);
    c.wait_for_log(LONG, "c's assignment", |l| {
        run.assigned(l) && !assigned_partitions(l).is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    // A member leaves mid-run (the first, which owns the merge stage) as another joins.
    let mut d = run.consumer("d", &group, &results, &live);
    assert!(
        a.terminate(Duration::from_secs(30)).success(),
        "{}",
        a.stderr()
    );
    d.wait_for_log(LONG, "d's assignment", |l| {
        run.assigned(l) && !assigned_partitions(l).is_empty()
    });
    assert!(producer.wait(LONG).success(), "{}", producer.stderr());

    let want = run.reference();
    run.assert_rising(&want);
    let got = await_results(run.bootstrap(), &results, &want);
    for (name, p) in [("b", &mut b), ("c", &mut c), ("d", &mut d)] {
        assert!(
            p.terminate(Duration::from_secs(30)).success(),
            "{name}: {}",
            p.stderr()
        );
    }
    assert!(
        got == want,
        "group results differ: {:?}\n{}",
        differences(&got, &want),
        timeline(&[&a, &b, &c, &d])
    );
    let mergers = [&a, &b, &c, &d]
        .iter()
        .filter(|p| p.stderr().contains(MERGING))
        .count();
    assert!(mergers >= 2, "the merge stage moved when its owner left");
}

/// Early updates: while a window is open its running counts appear in the result topic
/// (`"final": false`), and once it closes the final counts replace them under the same keys.
#[test]
fn early_updates_show_open_windows_then_final_counts_replace_them() {
    // 20 s of event time, published at 2x: about 10 s.
    let scenario = Scenario::shared(
        "early",
        Generated {
            tweets: 4_000,
            seed: 91,
        },
    );
    let (run, file) = (&scenario, &scenario.file);
    let results = unique("early-results");
    let mut c = run.consumer(
        "consumer",
        &unique("early-group"),
        &results,
        &["--early-updates", "200ms", LIVE_IDLE[0], LIVE_IDLE[1]],
    );
    c.wait_for_log(LONG, "assignment", |l| run.assigned(l));
    let mut producer = run.producer("2");
    let first = format!("tumbling-10s|{START}|*");
    let mut early_tweets = 0;
    wait_until(LONG, "an early update of the first window", || {
        let r = read_results(&results);
        match r.get(&first) {
            Some(v) if v["final"] == false => {
                early_tweets = v["tweets"].as_u64().unwrap();
                true
            }
            Some(v) => panic!("the first window was final before any early update: {v}"),
            None => false,
        }
    });
    assert!(producer.wait(LONG).success(), "{}", producer.stderr());
    let want = reference_counts(file, 10_000);
    let deadline = Instant::now() + LONG;
    let mut got = read_results(&results);
    let done = |got: &Results| {
        got.values().all(|v| v["final"] == true) && result_counts(got, "tumbling-10s") == want
    };
    while !done(&got) {
        if Instant::now() > deadline {
            let open: Vec<&String> = got
                .keys()
                .filter(|k| got[*k]["final"] != true)
                .take(5)
                .collect();
            panic!(
                "no final counts of every window; still early: {open:?}\nconsumer:\n{}",
                tail(&c.stderr())
            );
        }
        std::thread::sleep(Duration::from_millis(500));
        got = read_results(&results);
    }
    assert!(
        c.terminate(Duration::from_secs(30)).success(),
        "{}",
        c.stderr()
    );
    let final_tweets = got[&first]["tweets"].as_u64().unwrap();
    assert!(
        0 < early_tweets && early_tweets < final_tweets,
        "early {early_tweets}, final {final_tweets}"
    );
}

/// Sentiment (on by default; half the tweets sampled here) flows through the whole pipeline:
/// every window's published counts, mean and extreme tweets, and every hashtag's counts and
/// mean, equal a computation straight from the input file; a planted glowing tweet is its
/// window's most positive and a planted furious one its most negative.
#[test]
fn published_sentiment_equals_an_independent_computation_over_the_input() {
    const GLOWING: &str = "BEST. DAY. EVER!!! I love love love this, so amazing, wonderful, \
        awesome and beautiful: the happiest, greatest, perfect win. Thank you all, love you 😍";
    const FURIOUS: &str = "WORST day ever!!! I hate this, awful, terrible, horrible, disgusting, \
        pathetic, a miserable, hateful, depressing disaster. Damn you all, I am so angry 😡";
    // 20 s of event time: two tumbling windows, three hopping ones.
    let scenario = Scenario::shared(
        "sentiment",
        Generated {
            tweets: 4_000,
            seed: 17,
        },
    );
    let (run, file) = (&scenario, &scenario.file);
    let sample = Sample::new(0.5);
    let windows = reference_sentiment(file, 10_000, 10_000, sample).windows;
    let text = std::fs::read_to_string(file).expect("read tweet file");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // About 15 s in (the second tumbling window), at a tweet rather than a stream notice.
    let at = (3_000..)
        .find(|&i| !is_stream_notice(&serde_json::from_str(&lines[i]).expect("JSON")))
        .expect("a tweet");
    let t: serde_json::Value = serde_json::from_str(&lines[at]).expect("tweet JSON");
    let created = t["created_at"].as_str().expect("created_at");
    let planted_window = chrono::DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
        .expect("created_at")
        .timestamp_millis()
        .div_euclid(10_000)
        * 10_000;
    // Generated tweets pile up positive words, so one glowing sentence is not always enough:
    // repeat it (a long post) until it scores at least as high as every generated tweet of the
    // window; with the lowest id, it then wins even a tie.
    let others = &windows[&planted_window];
    let loudest = |sentence: &str, beats: fn(i32, i32) -> bool| -> String {
        (1..)
            .map(|k| vec![sentence; k].join(" "))
            .find(|text| {
                let planted = Score::of(text).units();
                others.iter().all(|other| beats(planted, other.units))
            })
            .expect("repetition reaches the end of the scale")
    };
    let glowing = loudest(GLOWING, |planted, other| planted >= other);
    let furious = loudest(FURIOUS, |planted, other| planted <= other);
    // The lowest ids in the sample: they win ties, and they are scored.
    let ids: Vec<u64> = (1..)
        .filter(|&id| sample.includes(&PostId::Tweet(id)))
        .take(2)
        .collect();
    lines.insert(at + 1, planted(&lines[at], ids[0], &glowing));
    lines.insert(at + 2, planted(&lines[at], ids[1], &furious));
    std::fs::write(file, lines.join("\n") + "\n").expect("write tweet file");

    let mut p = run.producer("0");
    assert!(p.wait(LONG).success(), "{}", p.stderr());
    let results_topic = unique("sentiment-results");
    let mut c = run.consumer(
        "consumer",
        &unique("sentiment"),
        &results_topic,
        &["--until-end", "--sentiment-sample", "0.5"],
    );
    assert!(c.wait(LONG).success(), "{}", tail(&c.stderr()));
    let results = read_results(&results_topic);

    let mut other_languages = 0;
    for (label, size, slide) in [
        ("tumbling-10s", 10_000, 10_000),
        ("hopping-20s-10s", 20_000, 10_000),
    ] {
        let reference = reference_sentiment(file, size, slide, sample);
        for (start, scores) in &reference.windows {
            let prefix = format!("{label}|{}|", key_time(*start));
            let got = &results[&format!("{prefix}*")]["sentiment"];
            let want = expected_tally(scores);
            // The most positive: highest score, ties to the lowest id; the most negative alike.
            for (field, extreme) in [
                ("most_positive", most_positive(scores)),
                ("most_negative", most_negative(scores)),
            ] {
                match extreme {
                    Some(Extreme { score, id }) => {
                        assert_eq!(got[field]["id"], id, "{prefix} {field}");
                        assert_eq!(
                            got[field]["score"].as_f64(),
                            Some(score),
                            "{prefix} {field}"
                        );
                        assert!(got[field]["text"].is_string(), "{prefix} {field}");
                    }
                    None => assert!(got.get(field).is_none(), "{prefix} {field}: {got}"),
                }
            }
            let counts = |v: &serde_json::Value| {
                ["scored", "mean", "positive", "neutral", "negative"].map(|f| v[f].clone())
            };
            assert_eq!(counts(got), counts(&want), "{prefix}*");
            let not_scored = reference.not_scored_language[start];
            assert_eq!(got["not_scored_language"], not_scored, "{prefix}*");
            other_languages += not_scored;
        }
        for ((start, tag), scores) in &reference.hashtags {
            let key = format!("{label}|{}|{tag}", key_time(*start));
            assert_eq!(results[&key]["sentiment"], expected_tally(scores), "{key}");
        }
    }

    assert!(
        other_languages > 0,
        "the input has tweets in other languages"
    );
    let window = &results[&format!("tumbling-10s|{}|*", key_time(planted_window))]["sentiment"];
    assert_eq!(window["most_positive"]["id"], ids[0].to_string());
    assert_eq!(window["most_positive"]["text"], glowing.as_str());
    assert_eq!(window["most_negative"]["id"], ids[1].to_string());
    assert_eq!(window["most_negative"]["text"], furious.as_str());
    assert!(
        results
            .keys()
            .filter(|k| k.starts_with("cumulative-10s|"))
            .all(|k| results[k].get("sentiment").is_none()),
        "cumulative totals carry no sentiment"
    );
}
