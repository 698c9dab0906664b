//! The N most mentioned hashtags of a window.

use std::cmp::Ordering;

use crate::engine::counts::TagCount;

/// The `n` largest counts, highest first; ties broken by key so output is stable.
pub fn top_n<'a>(tags: impl IntoIterator<Item = &'a TagCount>, n: usize) -> Vec<&'a TagCount> {
    let mut all: Vec<&TagCount> = tags.into_iter().collect();
    let order = |a: &&TagCount, b: &&TagCount| -> Ordering {
        b.count.cmp(&a.count).then(a.key.cmp(&b.key))
    };
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

    fn tags(pairs: &[(&str, u64)]) -> Vec<TagCount> {
        pairs
            .iter()
            .map(|&(k, v)| TagCount {
                key: k.to_owned(),
                count: v,
                error: 0,
                forms: Default::default(),
                sentiment: None,
            })
            .collect()
    }

    fn keys(top: Vec<&TagCount>) -> Vec<(&str, u64)> {
        top.iter().map(|t| (t.key.as_str(), t.count)).collect()
    }

    #[test]
    fn highest_first_ties_by_key() {
        let c = tags(&[("b", 2), ("a", 2), ("c", 5), ("d", 1)]);
        assert_eq!(keys(top_n(&c, 3)), [("c", 5), ("a", 2), ("b", 2)]);
        assert_eq!(top_n(&c, 10).len(), 4);
        assert!(top_n(&c, 0).is_empty());
        assert!(top_n(&[], 3).is_empty());
    }

    proptest! {
        #[test]
        fn equals_full_sort_prefix(map in prop::collection::hash_map("[a-e]{1,3}", 1u64..20, 0..40), n in 0usize..50) {
            let pairs: Vec<(&str, u64)> = map.iter().map(|(k, &v)| (k.as_str(), v)).collect();
            let c = tags(&pairs);
            let mut sorted = pairs.clone();
            sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            sorted.truncate(n);
            prop_assert_eq!(keys(top_n(&c, n)), sorted);
        }
    }
}
