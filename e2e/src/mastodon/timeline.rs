//! The REST timeline's paging, as Mastodon does it (`paginate_by_id`; docs
//! `api/guidelines.md#pagination`): `max_id` gives statuses older than it, `since_id` the newest
//! ones newer than it, `min_id` the ones just after it; `limit` defaults to 20, at most 40; a
//! page is always newest first.

/// Which page to serve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    pub max_id: Option<u64>,
    pub since_id: Option<u64>,
    pub min_id: Option<u64>,
    pub limit: Option<usize>,
}

impl Paging {
    /// From a request's decoded query parameters; ids that are no numbers match nothing here
    /// (the stand-in's ids are all numbers), so they are left out.
    pub fn from_params(params: &[(String, String)]) -> Paging {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse().ok())
        };
        Paging {
            max_id: get("max_id"),
            since_id: get("since_id"),
            min_id: get("min_id"),
            limit: get("limit").map(|l: u64| l as usize),
        }
    }

    /// The positions in `ids` (ascending) of the page, newest first.
    pub fn select(&self, ids: &[u64]) -> Vec<usize> {
        let limit = self.limit.unwrap_or(20).clamp(1, 40);
        let in_range = |&i: &usize| {
            let id = ids[i];
            self.max_id.is_none_or(|m| id < m)
                && self.since_id.is_none_or(|s| id > s)
                && self.min_id.is_none_or(|m| id > m)
        };
        let matching: Vec<usize> = (0..ids.len()).filter(in_range).collect();
        let mut page: Vec<usize> = if self.min_id.is_some() {
            matching.into_iter().take(limit).collect()
        } else {
            matching.into_iter().rev().take(limit).collect()
        };
        page.sort_by(|&a, &b| ids[b].cmp(&ids[a]));
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(paging: Paging) -> Vec<u64> {
        let ids: Vec<u64> = (1..=100).collect();
        paging.select(&ids).iter().map(|&i| ids[i]).collect()
    }

    #[test]
    fn pages_are_newest_first_and_min_id_starts_just_after_it() {
        let p = |max_id, since_id, min_id, limit| Paging {
            max_id,
            since_id,
            min_id,
            limit,
        };
        assert_eq!(page(p(None, None, None, Some(3))), [100, 99, 98]);
        assert_eq!(page(p(Some(50), None, None, Some(3))), [49, 48, 47]);
        assert_eq!(page(p(None, Some(50), None, Some(3))), [100, 99, 98]);
        assert_eq!(page(p(None, None, Some(50), Some(3))), [53, 52, 51]);
        assert_eq!(page(p(Some(52), None, Some(50), None)), [51]);
        assert_eq!(page(p(None, None, None, None)).len(), 20);
        assert_eq!(page(p(None, None, Some(0), Some(400))).len(), 40);
        assert!(page(p(None, None, Some(100), None)).is_empty());
    }
}
