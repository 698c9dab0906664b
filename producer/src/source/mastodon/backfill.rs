//! Filling the gap a reconnect leaves. Mastodon's streams have no cursor: what was posted while
//! the producer was disconnected is only in the REST timeline. After reconnecting (the new stream
//! is open, so nothing later can be missed), the producer pages through the timeline from the
//! newest status it had seen, oldest page first (`min_id`), until a page brings nothing new, and
//! publishes those statuses before reading the new stream. This module decides which page to ask
//! for, which statuses of a page to publish, and when to stop; the driver does the requests.
//!
//! The REST API allows 300 requests per 5 minutes per account and per IP (PROTOCOLS.md, "Rate
//! limits"), so one backfill asks for at most a fixed number of pages; a longer gap is left
//! partly unfilled, and said so.

use std::collections::HashSet;

use super::id::StatusId;

/// Statuses per page: the most the timelines endpoints give.
pub(crate) const PAGE_SIZE: u32 = 40;

/// Pages one backfill may ask for: 400 statuses, a few minutes of mastodon.social's federated
/// timeline; ten reconnects in a row stay within a third of the REST rate limit.
pub(crate) const MAX_PAGES: u32 = 10;

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// Ask for the page of statuses just after this id (`min_id`).
    Fetch { min_id: StatusId },
    /// Stop.
    End(End),
}

/// Why a backfill stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// A page had nothing newer: the gap is filled.
    CaughtUp,
    /// [`MAX_PAGES`] pages were read and the last was still full of new statuses: the newest part
    /// of the gap is not filled.
    Capped,
}

/// One backfill's progress.
#[derive(Debug)]
pub(crate) struct Backfill {
    /// The newest id published so far; pages start just after it.
    after: StatusId,
    pages: u32,
    max_pages: u32,
    end: Option<End>,
    /// Ids published by this backfill: the new stream may bring some of them again.
    published: HashSet<StatusId>,
}

impl Backfill {
    /// A backfill of what came after `after`, asking for at most `max_pages` pages.
    pub(crate) fn new(after: StatusId, max_pages: u32) -> Backfill {
        Backfill {
            after,
            pages: 0,
            max_pages,
            end: None,
            published: HashSet::new(),
        }
    }

    pub(crate) fn next(&self) -> Next {
        match self.end {
            Some(end) => Next::End(end),
            None if self.pages >= self.max_pages => Next::End(End::Capped),
            None => Next::Fetch {
                min_id: self.after.clone(),
            },
        }
    }

    /// Takes the ids of the usable statuses of the page just fetched, in any order, and returns
    /// the positions of those to publish, oldest first: those newer than where the page started
    /// (a server should send nothing else) and not already published.
    pub(crate) fn page(&mut self, ids: &[StatusId]) -> Vec<usize> {
        self.pages += 1;
        let mut fresh: Vec<usize> = (0..ids.len())
            .filter(|&i| ids[i] > self.after && !self.published.contains(&ids[i]))
            .collect();
        fresh.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
        fresh.dedup_by(|a, b| ids[*a] == ids[*b]);
        match fresh.last() {
            None => self.end = Some(End::CaughtUp),
            Some(&newest) => self.after = ids[newest].clone(),
        }
        self.published.extend(fresh.iter().map(|&i| ids[i].clone()));
        fresh
    }

    /// Whether this backfill published the status: the stream's copy is not published again.
    pub(crate) fn published(&self, id: &StatusId) -> bool {
        self.published.contains(id)
    }

    /// The newest id published, or the one it started after.
    pub(crate) fn newest(&self) -> &StatusId {
        &self.after
    }

    /// Pages fetched so far.
    pub(crate) fn pages(&self) -> u32 {
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(values: &[u64]) -> Vec<StatusId> {
        values
            .iter()
            .map(|v| StatusId::new(v.to_string()))
            .collect()
    }

    fn fetch(min_id: u64) -> Next {
        Next::Fetch {
            min_id: StatusId::new(min_id.to_string()),
        }
    }

    #[test]
    fn pages_go_oldest_first_from_the_newest_seen_until_one_brings_nothing() {
        let mut b = Backfill::new(StatusId::new("100"), MAX_PAGES);
        assert_eq!(b.next(), fetch(100));
        // Mastodon sends a page newest first.
        let page = ids(&[104, 103, 101]);
        assert_eq!(b.page(&page), [2, 1, 0]);
        assert_eq!(b.next(), fetch(104));
        assert_eq!(b.page(&ids(&[105])), [0]);
        assert_eq!(b.page(&[]), Vec::<usize>::new());
        assert_eq!(b.next(), Next::End(End::CaughtUp));
        assert_eq!(b.pages(), 3);
        assert_eq!(b.newest(), &StatusId::new("105"));
        assert!(b.published(&StatusId::new("101")));
        assert!(!b.published(&StatusId::new("100")));
    }

    #[test]
    fn old_repeated_and_duplicate_statuses_are_not_published() {
        let mut b = Backfill::new(StatusId::new("100"), MAX_PAGES);
        assert_eq!(b.page(&ids(&[102, 99, 100, 102])), [0]);
        // A page bringing only what was published is the end.
        assert!(b.page(&ids(&[102])).is_empty());
        assert_eq!(b.next(), Next::End(End::CaughtUp));
    }

    #[test]
    fn a_backfill_stops_after_its_pages_and_says_the_gap_is_unfilled() {
        let mut b = Backfill::new(StatusId::new("0"), 2);
        assert_eq!(b.page(&ids(&[2, 1])).len(), 2);
        assert_eq!(b.next(), fetch(2));
        assert_eq!(b.page(&ids(&[4, 3])).len(), 2);
        assert_eq!(b.next(), Next::End(End::Capped));
    }
}
