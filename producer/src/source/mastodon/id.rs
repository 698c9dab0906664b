//! Mastodon status ids: which of two is newer.
//!
//! An id is a string, "integer-like, not guaranteed numeric" (the Status entity's docs; see
//! PROTOCOLS.md, "Status entity"); Mastodon's own are decimal snowflakes that grow with time, and
//! they are per instance. Two that both parse as numbers compare as numbers; otherwise the shorter
//! is older and ids of equal length compare as strings, which is the numeric order for decimal
//! digits without leading zeros and still a total order for anything else.

use std::cmp::Ordering;
use std::fmt;

/// One status id of the instance read, ordered oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StatusId(String);

impl StatusId {
    pub(crate) fn new(id: impl Into<String>) -> StatusId {
        StatusId(id.into())
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Its value when it is a decimal number, as every Mastodon id is: the position a checkpoint
    /// records (see [`crate::publish::resume::Position::Status`]).
    pub(crate) fn value(&self) -> Option<u64> {
        self.0.parse().ok()
    }
}

impl Ord for StatusId {
    fn cmp(&self, other: &StatusId) -> Ordering {
        let (a, b) = (self.as_str(), other.as_str());
        let by_value = match (a.parse::<u128>(), b.parse::<u128>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        };
        // "07" and "7" are one number but two ids: the text breaks the tie, so that the order
        // agrees with equality.
        by_value.then_with(|| a.cmp(b))
    }
}

impl PartialOrd for StatusId {
    fn partial_cmp(&self, other: &StatusId) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for StatusId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(s: &str) -> StatusId {
        StatusId::new(s)
    }

    #[test]
    fn numeric_ids_compare_as_numbers_whatever_their_length() {
        assert!(id("9") < id("10"));
        assert!(id("109999999999999999") < id("110000000000000000"));
        assert!(id("113500000000000001") > id("113500000000000000"));
    }

    #[test]
    fn other_ids_compare_by_length_then_text() {
        // Pleroma-style flake ids are not numbers.
        assert!(id("AbC") < id("AbCd"));
        assert!(id("AbC") < id("AbD"));
        assert!(id("zz") < id("100"));
    }

    #[test]
    fn only_numeric_ids_have_a_value() {
        assert_eq!(
            id("115000000000000399").value(),
            Some(115_000_000_000_000_399)
        );
        assert_eq!(id("AbC").value(), None);
        assert_eq!(id("").value(), None);
    }

    proptest! {
        /// For decimal ids without leading zeros, the order is exactly the numbers' order.
        #[test]
        fn decimal_ids_order_as_numbers(a in 0u64.., b in 0u64..) {
            prop_assert_eq!(id(&a.to_string()).cmp(&id(&b.to_string())), a.cmp(&b));
        }

        /// A total order that agrees with equality, for any strings.
        #[test]
        fn order_is_total_and_agrees_with_equality(a in "[0-9a-zA-Z]{0,6}", b in "[0-9a-zA-Z]{0,6}") {
            let (x, y) = (id(&a), id(&b));
            prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
            prop_assert_eq!(x.cmp(&y) == Ordering::Equal, a == b);
        }
    }
}
