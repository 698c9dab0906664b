use super::*;

const PARAMS: RisingParams = RisingParams {
    history: 3,
    min_count: 5,
    min_score_m: 3_000,
    prior_m: 1_000,
    top: 10,
};

fn tally(start_ms: i64, posts: u64, counts: &[(&str, u64)]) -> WindowTally {
    WindowTally {
        start_ms,
        posts,
        counts: counts.iter().map(|&(k, n)| (k.to_owned(), n)).collect(),
    }
}

fn ranked(list: &RisingList) -> Vec<(&str, u64, u64, i64, bool)> {
    list.tags
        .iter()
        .map(|t| (t.key.as_str(), t.count, t.baseline_m, t.score_m, t.is_new))
        .collect()
}

/// Three windows of 1,000 posts: `big` in 10% of them, `mid` in 2%.
fn steady(rising: &mut Rising) {
    for start in [0, 10, 20] {
        let list = rising.rank(tally(start, 1_000, &[("big", 100), ("mid", 20)]));
        assert!(list.tags.is_empty(), "steady counts do not rise");
    }
}

#[test]
fn a_burst_of_a_new_hashtag_ranks_first_and_a_steady_big_one_does_not_rank() {
    let mut rising = Rising::new(PARAMS, 10);
    steady(&mut rising);
    let list = rising.rank(tally(
        30,
        1_000,
        &[("big", 100), ("mid", 26), ("burst", 30)],
    ));
    assert_eq!(list.history_windows, 3);
    // burst: baseline 0, score 30 / sqrt(0 + 1) = 30.
    // mid: baseline 60 * 1000 / 3000 = 20, score (26 - 20) / sqrt(21) = 1.309..., below 3.
    // big: baseline 100, score 0.
    assert_eq!(ranked(&list), [("burst", 30, 0, 30_000, true)]);
}

#[test]
fn scores_are_exact_thousandths_rounded_down() {
    let mut rising = Rising::new(PARAMS, 10);
    rising.rank(tally(0, 300, &[("a", 2)]));
    let list = rising.rank(tally(10, 100, &[("a", 7)]));
    // baseline = 2 * 100 / 300 = 0.666..., 666 thousandths; sqrt(0.666 + 1) in thousandths is
    // isqrt(1_666_000) = 1290 (1290² = 1_664_100, 1291² = 1_666_681);
    // score = (7000 - 666) * 1000 / 1290 = 4910.07..., 4910.
    assert_eq!(ranked(&list), [("a", 7, 666, 4_910, false)]);
}

#[test]
fn the_baseline_follows_the_stream_volume() {
    let mut rising = Rising::new(PARAMS, 10);
    steady(&mut rising);
    // Twice the posts, twice every count: nothing is atypical.
    let list = rising.rank(tally(30, 2_000, &[("big", 200), ("mid", 40)]));
    assert!(list.tags.is_empty(), "{list:?}");
}

#[test]
fn nothing_ranks_without_history_and_thresholds_hold() {
    let mut rising = Rising::new(PARAMS, 10);
    let first = rising.rank(tally(0, 100, &[("a", 50)]));
    assert_eq!(
        first,
        RisingList::default(),
        "no earlier window: warming up"
    );
    let list = rising.rank(tally(10, 100, &[("few", 4), ("enough", 5), ("a", 50)]));
    // `few` scores 4 / sqrt(1) = 4 but was counted fewer than 5 times.
    assert_eq!(ranked(&list), [("enough", 5, 0, 5_000, true)]);
}

#[test]
fn ties_rank_by_count_then_key() {
    let params = RisingParams { top: 2, ..PARAMS };
    let mut rising = Rising::new(params, 10);
    rising.rank(tally(0, 100, &[("x", 1)]));
    let list = rising.rank(tally(10, 100, &[("b", 9), ("a", 9), ("c", 8)]));
    assert_eq!(
        ranked(&list),
        [("a", 9, 0, 9_000, true), ("b", 9, 0, 9_000, true)],
        "`c` scores lower and is cut by top 2"
    );
}

#[test]
fn a_faded_hashtag_leaves_the_state_after_k_window_sizes() {
    let mut rising = Rising::new(PARAMS, 10);
    rising.rank(tally(0, 100, &[("gone", 40), ("stays", 5)]));
    assert_eq!(rising.state_size(), 2);
    for start in [10, 20, 30] {
        rising.rank(tally(start, 100, &[("stays", 5)]));
    }
    // The window at 0 is still history for the window at 30 (30 - 3 * 10 = 0) ...
    assert_eq!(rising.state_size(), 5);
    rising.rank(tally(40, 100, &[("stays", 5)]));
    // ... but for no window after 30: it and `gone` with it are dropped.
    assert_eq!(rising.state_size(), 4);
    assert!(rising
        .windows
        .values()
        .all(|w| !w.counts.contains_key("gone")));
    // Mentioned again, it is new.
    let list = rising.rank(tally(50, 100, &[("stays", 5), ("gone", 40)]));
    assert_eq!(ranked(&list)[0], ("gone", 40, 0, 40_000, true));
}

#[test]
fn hopping_windows_that_overlap_the_ranked_one_are_not_its_history() {
    // 20 s windows every 10 s: the window at 30 overlaps the one at 40; 0, 10 and 20 do not.
    let mut rising = Rising::new(PARAMS, 20);
    for start in [0, 10, 20] {
        rising.rank(tally(start, 100, &[("a", 5)]));
    }
    rising.rank(tally(30, 100, &[("a", 5), ("burst", 30)]));
    let list = rising.rank(tally(40, 100, &[("a", 5), ("burst", 60)]));
    assert_eq!(list.history_windows, 3, "0, 10 and 20; not 30");
    assert_eq!(ranked(&list)[0], ("burst", 60, 0, 60_000, true));
}

#[test]
fn a_restored_history_ranks_as_the_uninterrupted_one() {
    let windows = [
        tally(0, 100, &[("a", 5), ("b", 9)]),
        tally(10, 120, &[("a", 7), ("c", 3)]),
        tally(20, 90, &[("b", 30)]),
    ];
    let next = tally(30, 110, &[("a", 20), ("b", 9), ("c", 12)]);
    let mut whole = Rising::new(PARAMS, 10);
    for w in windows.clone() {
        whole.rank(w);
    }
    let mut restored = Rising::new(PARAMS, 10);
    // Read back in any order, as records of several partitions arrive.
    for w in windows.into_iter().rev() {
        restored.remember(w);
    }
    assert_eq!(restored.rank(next.clone()), whole.rank(next));
}
