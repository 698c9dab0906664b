//! Bursts and the steady head, read back from the generated JSON: a hashtag is a burst's when it
//! is not in the vocabulary, and the share a burst should have at each moment is worked out
//! here from the documented triangle.

use super::*;
use crate::source::synthetic::burst_names::BurstNames;

/// A short schedule, so that a few thousand tweets (at 50 a second) hold several bursts.
const FREQUENT: Bursts = Bursts {
    every_ms: 10_000,
    length_ms: 5_000,
    peak: 0.5,
};

/// Every hashtag anywhere in a message of either shape (its tweet, a retweeted or quoted
/// tweet, extended and note texts), case-folded.
fn hashtags_anywhere(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                match (key.as_str(), inner.as_array()) {
                    ("hashtags", Some(tags)) => into.extend(tags.iter().map(|tag| {
                        let text = tag.get("text").or(tag.get("tag"));
                        text.and_then(Value::as_str).expect("a tag").to_lowercase()
                    })),
                    _ => hashtags_anywhere(inner, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| hashtags_anywhere(item, into)),
        _ => {}
    }
}

/// The hashtags of a message that are not in the vocabulary, case-folded: its bursts' tags.
fn burst_tags(message: &Value) -> BTreeSet<String> {
    static VOCABULARY: OnceLock<BTreeSet<String>> = OnceLock::new();
    let vocabulary = VOCABULARY.get_or_init(|| {
        let tags = hashtag_vocabulary();
        tags.iter().map(|tag| tag.to_lowercase()).collect()
    });
    let mut tags = BTreeSet::new();
    hashtags_anywhere(message, &mut tags);
    tags.retain(|tag| !vocabulary.contains(tag));
    tags
}

/// A message's `created_at` in ms, in either shape.
fn created_ms(message: &Value) -> i64 {
    match message.get("data") {
        Some(data) => DateTime::parse_from_rfc3339(str_field(data, "created_at"))
            .expect("an RFC 3339 created_at")
            .timestamp_millis(),
        None => created_at_ms(str_field(message, "created_at")),
    }
}

/// The burst under way at `created_ms` in a stream starting at [`START_MS`]: its number (the
/// first starts one period after the start) and how far into it, in ms.
fn burst_at(bursts: &Bursts, created_ms: i64) -> Option<(i64, i64)> {
    let since = created_ms - START_MS;
    let number = since.div_euclid(bursts.every_ms);
    let into = since - number * bursts.every_ms;
    (number >= 1 && into < bursts.length_ms).then_some((number, into))
}

/// The share of tweets created at `created_ms` meant to carry the burst's tag: rising linearly
/// from 0 at the start to the peak at the middle, back to 0 at the end.
fn meant_share(bursts: &Bursts, created_ms: i64) -> f64 {
    burst_at(bursts, created_ms).map_or(0.0, |(_, into)| {
        let half = bursts.length_ms as f64 / 2.0;
        bursts.peak * (1.0 - (into as f64 - half).abs() / half)
    })
}

/// The messages of one 10 s window (epoch-aligned, as the demo's windows are).
#[derive(Default)]
struct Window {
    messages: usize,
    carrying: usize,
    /// What the meant shares add up to, and their binomial variance.
    expected: f64,
    variance: f64,
}

#[test]
fn a_burst_s_hashtag_rises_and_fades_in_a_triangle_in_both_shapes() {
    for (shape, sample) in [("v1", sample()), ("v2", sample_v2())] {
        let mut windows: BTreeMap<i64, Window> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for (_, message) in sample {
            let created = created_ms(message);
            let tags = burst_tags(message);
            let meant = meant_share(&DEFAULT_BURSTS, created);
            assert!(
                meant > 0.0 || tags.is_empty(),
                "{shape}: {tags:?} outside a burst, at {created}"
            );
            if message.get("quoted_status").is_some() {
                let mut quoted = BTreeSet::new();
                hashtags_anywhere(&message["quoted_status"], &mut quoted);
                assert!(
                    quoted.is_disjoint(&tags),
                    "only a quote's own text carries it"
                );
            }
            let window = windows.entry(created.div_euclid(10_000)).or_default();
            window.messages += 1;
            window.carrying += usize::from(!tags.is_empty());
            window.expected += meant;
            window.variance += meant * (1.0 - meant);
            seen.extend(tags);
        }
        assert_eq!(seen.len(), 1, "{shape}: one burst, one tag: {seen:?}");
        let in_burst: Vec<&Window> = windows.values().filter(|w| w.expected > 0.0).collect();
        assert_eq!(
            in_burst.len(),
            7,
            "{shape}: a minute from x:04.5 spans 7 windows"
        );
        for window in &in_burst {
            let (carrying, expected) = (window.carrying as f64, window.expected);
            // Four standard deviations of the binomial count, and one for the tweets whose tag
            // compatibility mode's cut hides.
            let tolerance = 4.0 * window.variance.sqrt() + 1.0;
            assert!(
                (carrying - expected).abs() <= tolerance,
                "{shape}: {carrying} carrying, {expected:.1} ± {tolerance:.1} expected"
            );
        }
        let peak = in_burst
            .iter()
            .map(|w| share(w.carrying, w.messages))
            .fold(0.0, f64::max);
        assert!((0.07..=0.11).contains(&peak), "{shape}: peak share {peak}");
    }
}

#[test]
fn every_burst_brings_its_own_hashtag_never_seen_before() {
    let frequent = SyntheticConfig {
        bursts: Some(FREQUENT),
        ..config(42)
    };
    // 100 s of event time: bursts 1 to 9.
    let stream = parsed(tweets(frequent, 5_000));
    let mut by_burst: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut spellings: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, tweet) in &stream {
        let tags = burst_tags(tweet);
        if tags.is_empty() {
            continue;
        }
        let created = created_ms(tweet);
        let (number, _) = burst_at(&FREQUENT, created)
            .unwrap_or_else(|| panic!("{tags:?} outside the bursts, at {created}"));
        by_burst.entry(number).or_default().extend(tags);
        let all = tweet_and_nested(tweet).flat_map(|t| t["entities"]["hashtags"].as_array());
        for tag in all.flatten() {
            let text = str_field(tag, "text");
            spellings
                .entry(text.to_lowercase())
                .or_default()
                .insert(text.to_owned());
        }
    }
    assert_eq!(
        by_burst.keys().copied().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    let names: BTreeSet<&String> = by_burst.values().flatten().collect();
    assert!(
        by_burst.values().all(|tags| tags.len() == 1) && names.len() == 9,
        "one new tag a burst: {by_burst:?}"
    );
    for name in names {
        let mixed = spellings[name]
            .iter()
            .any(|s| s.chars().any(char::is_uppercase) && s.chars().any(char::is_lowercase));
        assert!(
            mixed,
            "{name} is written in mixed case: {:?}",
            spellings[name]
        );
    }
}

#[test]
fn bursts_follow_the_seed_and_without_them_the_stream_is_as_before() {
    let with = |seed, bursts| SyntheticConfig {
        bursts,
        ..config(seed)
    };
    let names = |records: &[Record]| -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (_, tweet) in parsed(records.to_vec()) {
            for tag in burst_tags(&tweet) {
                if !names.contains(&tag) {
                    names.push(tag);
                }
            }
        }
        names
    };
    // 40 s of event time: bursts 1 to 3.
    let first = tweets(with(7, Some(FREQUENT)), 2_000);
    assert_eq!(first, tweets(with(7, Some(FREQUENT)), 2_000));
    let other = tweets(with(8, Some(FREQUENT)), 2_000);
    let (first_names, other_names) = (names(&first), names(&other));
    assert_eq!((first_names.len(), other_names.len()), (3, 3));
    assert!(
        first_names.iter().all(|name| !other_names.contains(name)),
        "{first_names:?} vs {other_names:?}"
    );

    let off = tweets(with(7, None), 2_000);
    assert!(
        names(&off).is_empty(),
        "bursts off: no tag outside the vocabulary"
    );
    // Burst decisions draw from their own random stream: until the first burst, nothing moves.
    let before = first
        .iter()
        .take_while(|record| record.timestamp_ms < START_MS + FREQUENT.every_ms)
        .count();
    assert!(before >= 490, "{before}");
    assert_eq!(first[..before], off[..before]);
}

#[test]
fn the_zipf_head_holds_a_steady_share_of_every_window() {
    let mut carrying: BTreeMap<String, usize> = BTreeMap::new();
    let tags: Vec<(i64, BTreeSet<String>)> = sample()
        .iter()
        .map(|(_, tweet)| {
            let mut tags = BTreeSet::new();
            hashtags_anywhere(tweet, &mut tags);
            tags.iter()
                .for_each(|tag| *carrying.entry(tag.clone()).or_default() += 1);
            (created_ms(tweet).div_euclid(10_000), tags)
        })
        .collect();
    let (head, &total) = carrying.iter().max_by_key(|(_, n)| **n).expect("hashtags");
    let overall = share(total, SAMPLE_SIZE);
    assert!(overall >= 0.15, "#{head} in {overall} of the tweets");
    let mut windows: BTreeMap<i64, Window> = BTreeMap::new();
    for (window, tags) in &tags {
        let window = windows.entry(*window).or_default();
        window.messages += 1;
        window.carrying += usize::from(tags.contains(head));
    }
    // The burst's windows included: its tag comes on top of a tweet's own draws.
    for window in windows.values().filter(|w| w.messages >= 200) {
        let n = window.messages as f64;
        let deviation = 5.0 * (overall * (1.0 - overall) / n).sqrt();
        let seen = share(window.carrying, window.messages);
        assert!(
            (seen - overall).abs() <= deviation,
            "#{head}: {seen} of a window vs {overall} ± {deviation} overall"
        );
    }
}

#[test]
fn burst_names_never_repeat_and_are_never_in_the_vocabulary() {
    let vocabulary: BTreeSet<String> = hashtag_vocabulary()
        .iter()
        .map(|tag| tag.to_lowercase())
        .collect();
    for seed in [0, 42, u64::MAX] {
        let names = BurstNames::new(&mut ChaCha8Rng::seed_from_u64(seed));
        // Past the number of word pairs, so that the numbered round is checked too.
        let all: Vec<String> = (1..=1_200).map(|number| names.name(number)).collect();
        let folded: BTreeSet<String> = all.iter().map(|name| name.to_lowercase()).collect();
        assert_eq!(folded.len(), all.len(), "seed {seed}: a name came twice");
        assert!(folded.is_disjoint(&vocabulary), "seed {seed}");
        assert!(all
            .iter()
            .all(|name| name.chars().all(|c| c.is_ascii_alphanumeric())));
    }
}
