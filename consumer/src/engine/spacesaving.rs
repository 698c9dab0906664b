//! Space-Saving bounded top-K counter (Metwally, Agrawal, El Abbadi 2005) with an exact,
//! order-independent n-way merge (mergeable summaries), so that per-partition summaries of one
//! time window can be combined in one place while keeping sound error bounds.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

/// Bounded top-K counter: at most `capacity` counters, each with an error bound, so memory per
/// window stays fixed however many distinct keys the stream holds.
///
/// Invariants: every counter is `>= floor`, every error is `<= floor`, and `floor` bounds the
/// true count of any untracked key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpaceSaving<K: Hash + Eq + Clone + Ord> {
    capacity: usize,
    total: u64,
    /// Largest count an untracked key may have (raised on eviction and by merge).
    floor: u64,
    /// O(1) hit path without cloning the key.
    counters: HashMap<K, Counter>,
    /// estimate -> keys with that estimate; O(log K) access to the minimum for eviction.
    buckets: BTreeMap<u64, BTreeSet<K>>,
}

/// A tracked key's count: `estimate >= true count >= estimate - error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counter {
    pub(crate) estimate: u64,
    pub(crate) error: u64,
}

impl<K: Hash + Eq + Clone + Ord> SpaceSaving<K> {
    /// Creates an empty summary holding at most `capacity` counters; that bound is the point.
    ///
    /// # Panics
    /// If `capacity == 0`, since a summary with no counters can bound nothing.
    pub(crate) fn new(capacity: usize) -> Self {
        assert!(capacity >= 1, "SpaceSaving capacity must be >= 1");
        SpaceSaving {
            capacity,
            total: 0,
            floor: 0,
            counters: HashMap::new(),
            buckets: BTreeMap::new(),
        }
    }

    /// Maximum number of tracked keys, so callers can size side data.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Counts one occurrence of `key`. Returns the key that was evicted to make room, if any
    /// (so callers keeping side data per key can drop it).
    ///
    /// When full and `key` is untracked, the key with the minimum estimate is replaced; among
    /// equal minima the *largest* key (by `Ord`) is evicted, so the outcome is deterministic.
    /// The newcomer gets estimate `min + 1` and error `min`. The key is borrowed (a `&str` for
    /// `String` keys) and made owned only when new.
    pub(crate) fn insert<Q>(&mut self, key: &Q) -> Option<K>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + Ord + ToOwned<Owned = K> + ?Sized,
    {
        self.total += 1;
        if let Some(counter) = self.counters.get_mut(key) {
            let old = counter.estimate;
            counter.estimate += 1;
            let bucket = self
                .buckets
                .get_mut(&old)
                .expect("tracked key has a bucket");
            let owned = bucket.take(key).expect("tracked key is in its bucket");
            if bucket.is_empty() {
                self.buckets.remove(&old);
            }
            self.buckets.entry(old + 1).or_default().insert(owned);
            return None;
        }
        let mut evicted = None;
        if self.counters.len() >= self.capacity {
            let mut min_entry = self
                .buckets
                .first_entry()
                .expect("full summary is non-empty");
            let min = *min_entry.key();
            let victim = min_entry
                .get_mut()
                .pop_last()
                .expect("buckets are non-empty");
            if min_entry.get().is_empty() {
                min_entry.remove();
            }
            self.counters.remove::<K>(&victim);
            // The victim's true count is <= min, so min now bounds untracked keys.
            self.floor = self.floor.max(min);
            evicted = Some(victim);
        }
        self.track(key.to_owned(), self.floor + 1, self.floor);
        evicted
    }

    /// Rebuilds a summary from what [`iter`](Self::iter), [`total`](Self::total) and
    /// [`untracked_bound`](Self::untracked_bound) reported, e.g. after it travelled between
    /// processes as JSON. Entries beyond `capacity` (largest estimates kept) are folded into the
    /// bound, so a malformed input cannot break the invariants.
    pub(crate) fn from_parts(
        capacity: usize,
        total: u64,
        untracked_bound: u64,
        entries: impl IntoIterator<Item = (K, Counter)>,
    ) -> Self {
        let mut out = SpaceSaving::new(capacity);
        let mut entries: Vec<(Reverse<u64>, K, u64)> = entries
            .into_iter()
            .map(|(k, c)| {
                (
                    Reverse(c.estimate.max(untracked_bound)),
                    k,
                    c.error.min(c.estimate),
                )
            })
            .collect();
        entries.sort_unstable();
        let dropped = entries.get(capacity).map_or(0, |c| c.0 .0);
        out.floor = untracked_bound.max(dropped);
        out.total = total;
        for (Reverse(est), k, err) in entries.into_iter().take(capacity) {
            out.track(k, est, err);
        }
        out
    }

    fn track(&mut self, key: K, estimate: u64, error: u64) {
        self.buckets
            .entry(estimate)
            .or_default()
            .insert(key.clone());
        self.counters.insert(key, Counter { estimate, error });
    }

    /// N: number of `insert` calls plus merged totals, the denominator of the error guarantee.
    #[cfg(test)]
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Number of tracked keys (never above `capacity`).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.counters.len()
    }

    /// True when nothing is tracked, e.g. an unused window.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.counters.is_empty()
    }

    /// Upper bound of any key's count that is NOT tracked, so absent keys get a sound answer.
    ///
    /// 0 until the first eviction, then the minimum counter at the latest eviction (for a
    /// plain stream this is the current minimum counter; it is never above `total / capacity`).
    /// For a merged summary it is the bound computed by [`SpaceSaving::merge`].
    pub(crate) fn untracked_bound(&self) -> u64 {
        self.floor
    }

    /// Every tracked key with its counter. Order: estimate descending, then key ascending, so
    /// reports are deterministic.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, Counter)> + '_ {
        self.buckets
            .iter()
            .rev()
            .flat_map(move |(&estimate, keys)| {
                keys.iter().map(move |k| {
                    let error = self.counters[k].error;
                    (k, Counter { estimate, error })
                })
            })
    }

    /// The counter of a tracked key; `None` means its count is <= `untracked_bound()`.
    pub(crate) fn get(&self, key: &K) -> Option<Counter> {
        self.counters.get(key).copied()
    }

    /// n-way merge (mergeable summaries), so per-partition summaries of a window combine into
    /// one with sound bounds. For each key in the union, estimate = sum over inputs of (its
    /// counter if tracked there, else that input's `untracked_bound()`), error likewise (error_i
    /// if tracked, else untracked_bound_i). The `capacity` keys with the largest estimates are
    /// kept (ties: smaller key wins), so the result does not depend on input order. The merged
    /// `untracked_bound` = max(sum of inputs' untracked bounds, largest dropped estimate);
    /// total = sum of totals.
    ///
    /// # Panics
    /// If `capacity == 0`.
    pub(crate) fn merge<'a>(
        capacity: usize,
        parts: impl IntoIterator<Item = &'a SpaceSaving<K>>,
    ) -> Self
    where
        K: 'a,
    {
        let mut out = SpaceSaving::new(capacity);
        let parts: Vec<&SpaceSaving<K>> = parts.into_iter().collect();
        let union: BTreeSet<&K> = parts.iter().flat_map(|p| p.counters.keys()).collect();
        let mut cands: Vec<(Reverse<u64>, &K, u64)> = union
            .into_iter()
            .map(|k| {
                let (est, err) = parts.iter().fold((0, 0), |(e, r), p| {
                    let c = p.get(k).unwrap_or(Counter {
                        estimate: p.floor,
                        error: p.floor,
                    });
                    (e + c.estimate, r + c.error)
                });
                (Reverse(est), k, err)
            })
            .collect();
        cands.sort_unstable();
        let dropped = cands.get(capacity).map_or(0, |c| c.0 .0);
        out.floor = parts.iter().map(|p| p.floor).sum::<u64>().max(dropped);
        out.total = parts.iter().map(|p| p.total).sum();
        for (Reverse(est), k, err) in cands.into_iter().take(capacity) {
            out.track(k.clone(), est, err);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counter(estimate: u64, error: u64) -> Counter {
        Counter { estimate, error }
    }

    fn exact<K: Hash + Eq + Clone>(stream: &[K]) -> HashMap<K, u64> {
        let mut m = HashMap::new();
        for k in stream {
            *m.entry(k.clone()).or_insert(0) += 1;
        }
        m
    }

    fn summarize<K: Hash + Eq + Clone + Ord>(cap: usize, stream: &[K]) -> SpaceSaving<K> {
        let mut s = SpaceSaving::new(cap);
        stream.iter().for_each(|k| {
            s.insert(k);
        });
        s
    }

    /// Internal structure is consistent and the floor/error invariants hold.
    fn check_structure<K: Hash + Eq + Clone + Ord + std::fmt::Debug>(s: &SpaceSaving<K>) {
        assert!(s.len() <= s.capacity());
        let in_buckets: usize = s.buckets.values().map(|b| b.len()).sum();
        assert_eq!(in_buckets, s.len());
        for (est, keys) in &s.buckets {
            assert!(!keys.is_empty());
            keys.iter()
                .for_each(|k| assert_eq!(s.counters[k].estimate, *est));
        }
        for (
            _,
            Counter {
                estimate: est,
                error: err,
            },
        ) in s.iter()
        {
            assert!(est >= s.floor && err <= s.floor && err < est);
        }
        let order: Vec<_> = s
            .iter()
            .map(|(k, c)| (Reverse(c.estimate), k.clone()))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
    }

    /// Soundness w.r.t. true counts: tracked keys bracketed, untracked keys <= untracked_bound.
    fn check_sound<K: Hash + Eq + Clone + Ord + std::fmt::Debug>(
        s: &SpaceSaving<K>,
        truth: &HashMap<K, u64>,
    ) {
        for (
            k,
            Counter {
                estimate: est,
                error: err,
            },
        ) in s.iter()
        {
            let t = truth.get(k).copied().unwrap_or(0);
            assert!(
                est >= t && est - err <= t,
                "{k:?}: est {est} err {err} true {t}"
            );
        }
        for (k, &t) in truth {
            if s.get(k).is_none() {
                assert!(t <= s.untracked_bound(), "{k:?} untracked with {t}");
            }
        }
    }

    fn check_single<K: Hash + Eq + Clone + Ord + std::fmt::Debug>(cap: usize, stream: &[K]) {
        let truth = exact(stream);
        let mut s = SpaceSaving::new(cap);
        for k in stream {
            let (was_new, was_full) = (s.get(k).is_none(), s.len() == cap);
            let evicted = s.insert(k);
            assert_eq!(evicted.is_some(), was_new && was_full); // property 7
            if let Some(e) = evicted {
                assert!(s.get(&e).is_none() && e != *k);
            }
            assert!(s.get(k).is_some());
        }
        check_structure(&s);
        check_sound(&s, &truth); // property 1
        let n = s.total();
        assert_eq!(n, stream.len() as u64);
        let bound = n / cap as u64;
        assert!(s.untracked_bound() <= bound); // property 2
        assert!(s.iter().all(|(_, c)| c.error <= bound));
        for (k, &t) in &truth {
            assert!(t <= bound || s.get(k).is_some()); // property 3
        }
        assert_eq!(s.iter().map(|(_, c)| c.estimate).sum::<u64>(), n); // property 4
        if cap >= truth.len() {
            assert_eq!(s.len(), truth.len()); // property 5
            assert!(s
                .iter()
                .all(|(k, c)| c.error == 0 && c.estimate == truth[k]));
        }
    }

    #[test]
    fn from_parts_rebuilds_what_was_reported() {
        let s = summarize(3, &[1u8, 2, 3, 4, 4, 5, 1, 1, 2]);
        let entries = s.iter().map(|(k, c)| (*k, c));
        let rebuilt = SpaceSaving::from_parts(3, s.total(), s.untracked_bound(), entries);
        assert_eq!(rebuilt, s);
    }

    #[test]
    #[should_panic]
    fn zero_capacity_panics() {
        let _ = SpaceSaving::<u8>::new(0);
    }

    #[test]
    fn empty_summary() {
        let s = SpaceSaving::<u8>::new(3);
        assert!(s.is_empty());
        let got = (
            s.len(),
            s.total(),
            s.untracked_bound(),
            s.capacity(),
            s.get(&1),
        );
        assert_eq!((got, s.iter().count()), ((0, 0, 0, 3, None), 0));
        assert_eq!(SpaceSaving::<u8>::merge(2, []), SpaceSaving::new(2));
    }

    #[test]
    fn hand_computed_eviction() {
        let mut s = SpaceSaving::new(2);
        assert_eq!([s.insert(&'a'), s.insert(&'b'), s.insert(&'a')], [None; 3]);
        assert_eq!(s.untracked_bound(), 0); // full, but nothing evicted yet
        assert_eq!(s.insert(&'c'), Some('b')); // min is b (1)
        assert_eq!(s.get(&'c'), Some(counter(2, 1)));
        assert_eq!(s.get(&'b'), None);
        assert_eq!((s.total(), s.untracked_bound()), (4, 1));
        let v: Vec<_> = s.iter().collect();
        assert_eq!(v, vec![(&'a', counter(2, 0)), (&'c', counter(2, 1))]);
        assert_eq!(s.insert(&'a'), None);
        assert_eq!(s.insert(&'d'), Some('c')); // c (2) is now the min
        assert_eq!(s.get(&'d'), Some(counter(3, 2)));
    }

    #[test]
    fn eviction_tie_picks_largest_key() {
        let mut s = SpaceSaving::new(2);
        s.insert(&"a");
        s.insert(&"b");
        assert_eq!(s.insert(&"c"), Some("b"));
        assert_eq!(s.insert(&"d"), Some("a")); // a (1) < c (2)
        assert_eq!(s.get(&"d"), Some(counter(2, 1)));
    }

    #[test]
    fn hand_computed_merge() {
        let a = summarize(2, &['a', 'a', 'b']); // a:2 b:1
        let b = summarize(2, &['b', 'c', 'c', 'c']); // b:1 c:3
        let m = SpaceSaving::merge(2, [&a, &b]);
        // union: a 2, b 2, c 3 -> keep c, then a (tie with b, smaller key wins); drop b (2)
        let v: Vec<_> = m.iter().collect();
        assert_eq!(v, vec![(&'c', counter(3, 0)), (&'a', counter(2, 0))]);
        assert_eq!((m.total(), m.untracked_bound()), (7, 2));
        assert_eq!(m, SpaceSaving::merge(2, [&b, &a]));
    }

    #[test]
    fn merge_uses_untracked_bounds_and_keeps_them_for_new_keys() {
        let a = summarize(1, &['x', 'y', 'y']); // y:(3,1), floor 1
        let b = summarize(1, &['z']); // z:(1,0), floor 0
        assert_eq!((a.get(&'y'), a.untracked_bound()), (Some(counter(3, 1)), 1));
        let mut m = SpaceSaving::merge(3, [&a, &b]);
        assert_eq!(m.get(&'y'), Some(counter(3, 1)));
        assert_eq!(m.get(&'z'), Some(counter(2, 1)));
        assert_eq!((m.len(), m.total(), m.untracked_bound()), (2, 4, 1));
        // x (true 1) may be anywhere up to the floor: a new key starts at floor + 1.
        assert_eq!(m.insert(&'x'), None);
        assert_eq!(m.get(&'x'), Some(counter(2, 1)));
        assert_eq!(m.insert(&'w'), Some('z')); // full: z (2) < y (3), tie with x -> larger z
        assert_eq!(m.get(&'w'), Some(counter(3, 2)));
    }

    #[test]
    fn merge_single_part_is_identity() {
        let s = summarize(3, &[1u8, 2, 3, 4, 1, 1, 5, 2]);
        assert_eq!(SpaceSaving::merge(3, [&s]), s);
    }

    #[test]
    fn hit_path_keeps_order() {
        let s = summarize(3, &[5u8, 5, 5, 7, 7, 9]);
        let v: Vec<_> = s.iter().collect();
        assert_eq!(
            v,
            vec![
                (&5, counter(3, 0)),
                (&7, counter(2, 0)),
                (&9, counter(1, 0))
            ]
        );
    }

    type Parts = Vec<(usize, Vec<u8>)>; // (capacity, sub-stream) per partition

    fn parts_strategy() -> impl Strategy<Value = (Parts, Vec<usize>, usize)> {
        let part = (1usize..10, prop::collection::vec(0u8..50, 0..150));
        (prop::collection::vec(part, 1..=4), 1usize..10).prop_flat_map(|(parts, cap)| {
            let perm = Just((0..parts.len()).collect::<Vec<_>>()).prop_shuffle();
            (Just(parts), perm, Just(cap))
        })
    }

    proptest! {
        #[test]
        fn single_summary_u8(cap in 1usize..10, stream in prop::collection::vec(0u8..50, 0..500)) {
            check_single(cap, &stream);
        }

        #[test]
        fn single_summary_strings(cap in 1usize..10,
                                  stream in prop::collection::vec("[a-e]{0,2}", 0..500)) {
            check_single(cap, &stream);
        }

        #[test]
        fn exact_when_capacity_suffices(stream in prop::collection::vec(0u8..8, 0..200)) {
            check_single(8, &stream);
        }

        #[test]
        fn merge_is_sound_and_order_independent((parts, perm, cap) in parts_strategy()) {
            let sums: Vec<_> = parts.iter().map(|(c, s)| summarize(*c, s)).collect();
            let concat: Vec<u8> = parts.iter().flat_map(|(_, s)| s.iter().copied()).collect();
            let m = SpaceSaving::merge(cap, &sums);
            check_structure(&m);
            check_sound(&m, &exact(&concat)); // property 6 (1 and 3 with merged bounds)
            prop_assert_eq!(m.total(), concat.len() as u64);
            prop_assert_eq!(&m, &SpaceSaving::merge(cap, perm.iter().map(|&i| &sums[i])));
            for s in &sums {
                prop_assert_eq!(&SpaceSaving::merge(s.capacity(), [s]), s);
            }
            // Inserting after a merge stays sound.
            let mut m2 = m.clone();
            let mut all = concat.clone();
            for (_, s) in &parts {
                s.iter().for_each(|k| { m2.insert(k); });
                all.extend_from_slice(s);
            }
            check_structure(&m2);
            check_sound(&m2, &exact(&all));
        }
    }
}
