//! Posts published twice are counted once. A producer that resumes a replay from its checkpoint
//! after a crash publishes again what it sent since that checkpoint, and the same id always
//! lands on the same partition (the producer keys messages by tweet id), so each partition
//! remembers the ids of the tweets in its open windows.
//!
//! Memory is proportional to the open windows: an id is forgotten once every window holding the
//! tweet has closed, because a copy arriving after that is late for all of them anyway. The
//! decisions depend only on the partition's record order, so a replay after a restart decides
//! the same way: the replay starts at the first record of the oldest open window, which is at or
//! before the first copy of every tweet still remembered.

use std::collections::BTreeMap;

use foldhash::HashSet;
use model::post::PostId;

/// Ids of the posts in one partition's open windows, whole (a URI is kept as its text), so two
/// posts never pass for one.
#[derive(Debug, Default)]
pub(crate) struct SeenIds {
    /// foldhash rather than SipHash: a fraction of the cost per id, still seeded randomly per
    /// process, so ids cannot be chosen to collide.
    ids: HashSet<PostId<'static>>,
    /// Ids by the end of the last window holding the post.
    by_expiry: BTreeMap<i64, Vec<PostId<'static>>>,
}

impl SeenIds {
    /// Records post `id`, whose windows all end by `expires_ms`; false when it was seen before.
    pub(crate) fn first_sight(&mut self, id: &PostId<'_>, expires_ms: i64) -> bool {
        let id = id.clone().into_owned();
        if !self.ids.insert(id.clone()) {
            return false;
        }
        self.by_expiry.entry(expires_ms).or_default().push(id);
        true
    }

    /// Forgets the tweets whose windows all ended at or before `watermark_ms` (closed).
    pub(crate) fn expire(&mut self, watermark_ms: i64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if *entry.key() > watermark_ms {
                break;
            }
            for id in entry.remove() {
                self.ids.remove(&id);
            }
        }
    }

    /// Ids remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no id is remembered.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_sight_is_a_duplicate_until_the_windows_close() {
        let mut seen = SeenIds::default();
        let (one, two) = (
            PostId::Tweet(1),
            PostId::Uri("at://did:plc:a/app.bsky.feed.post/1".into()),
        );
        assert!(seen.first_sight(&one, 10));
        assert!(seen.first_sight(&two, 20));
        assert!(!seen.first_sight(&one, 10), "duplicate");
        assert!(
            !seen.first_sight(&two.clone().into_owned(), 20),
            "duplicate URI"
        );
        seen.expire(9);
        assert!(!seen.first_sight(&one, 10), "window still open");
        seen.expire(10);
        assert_eq!(seen.len(), 1, "1 forgotten, 2 kept");
        assert!(
            seen.first_sight(&one, 10),
            "forgotten: a copy now is late anyway"
        );
        seen.expire(i64::MAX);
        assert!(seen.is_empty());
    }
}
