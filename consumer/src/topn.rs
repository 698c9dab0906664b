//! The N most mentioned hashtags of a window.

use crate::window::Counts;

/// The `n` largest counts, highest first; ties broken alphabetically so output is stable.
pub fn top_n(counts: &Counts, n: usize) -> Vec<(&str, u64)> {
    let mut all: Vec<(&str, u64)> = counts.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    if all.len() > n && n > 0 {
        all.select_nth_unstable_by(n - 1, order);
    }
    all.truncate(n);
    all.sort_unstable_by(order);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(pairs: &[(&str, u64)]) -> Counts {
        pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
    }

    #[test]
    fn highest_first_ties_alphabetical() {
        let c = counts(&[("b", 2), ("a", 2), ("c", 5), ("d", 1)]);
        assert_eq!(top_n(&c, 3), [("c", 5), ("a", 2), ("b", 2)]);
        assert_eq!(top_n(&c, 10).len(), 4);
        assert!(top_n(&c, 0).is_empty());
        assert!(top_n(&Counts::new(), 3).is_empty());
    }

    proptest! {
        #[test]
        fn equals_full_sort_prefix(map in prop::collection::hash_map("[a-e]{1,3}", 1u64..20, 0..40), n in 0usize..50) {
            let c: Counts = map;
            let mut sorted: Vec<(&str, u64)> = c.iter().map(|(k, &v)| (k.as_str(), v)).collect();
            sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            sorted.truncate(n);
            prop_assert_eq!(top_n(&c, n), sorted);
        }
    }
}
