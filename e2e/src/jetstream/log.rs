//! The events the stand-in serves, and which of them a subscription gets: those of its wanted
//! collections (identity and account events whatever it wants, as the real server does), from
//! its cursor on.

use serde_json::Value;

/// What a served event is, as far as filtering goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Commit {
        collection: String,
    },
    /// Identity and account events: delivered regardless of `wantedCollections`.
    Repo,
}

/// One event of the log, with what filtering needs.
#[derive(Debug, Clone)]
pub struct Logged {
    pub time_us: i64,
    kind: Kind,
    /// The frame's text, as served.
    pub json: String,
}

impl Logged {
    /// Reads one event line.
    ///
    /// # Panics
    /// On a line that is not a Jetstream event: the log is the test's own input.
    pub fn parse(json: &str) -> Logged {
        let v: Value = serde_json::from_str(json).expect("a Jetstream event");
        let time_us = v["time_us"].as_i64().expect("time_us");
        let kind = match v["kind"].as_str() {
            Some("commit") => Kind::Commit {
                collection: v["commit"]["collection"]
                    .as_str()
                    .expect("collection")
                    .to_owned(),
            },
            _ => Kind::Repo,
        };
        Logged {
            time_us,
            kind,
            json: json.to_owned(),
        }
    }
}

/// What one subscription asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    /// `wantedCollections`, in order; empty for all. An entry ending in `.*` is a prefix.
    pub collections: Vec<String>,
    /// `cursor`: unix microseconds; `None` for the live tail.
    pub cursor: Option<i64>,
}

impl Subscription {
    /// Reads the query string of a `/subscribe` request (unknown parameters are ignored, as the
    /// real server ignores them).
    ///
    /// # Panics
    /// On a `cursor` that is not an integer: the producer must never send one.
    pub fn from_query(query: &str) -> Subscription {
        let mut subscription = Subscription::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .expect("UTF-8 query")
                .into_owned();
            match name {
                "wantedCollections" => subscription.collections.push(value),
                "cursor" => subscription.cursor = Some(value.parse().expect("integer cursor")),
                _ => {}
            }
        }
        subscription
    }

    /// Whether this subscription gets `event`: a wanted collection (or a repository event), at
    /// or after the cursor. The legacy server replays from its store starting at the key equal
    /// to the cursor (an inclusive lower bound), so an event at the cursor itself comes again.
    pub fn wants(&self, event: &Logged) -> bool {
        let wanted = match &event.kind {
            Kind::Repo => true,
            Kind::Commit { collection } => {
                self.collections.is_empty()
                    || self.collections.iter().any(|w| match w.strip_suffix('*') {
                        Some(prefix) => collection.starts_with(prefix),
                        None => w == collection,
                    })
            }
        };
        wanted && self.cursor.is_none_or(|c| event.time_us >= c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time_us: i64, collection: Option<&str>) -> Logged {
        let json = match collection {
            Some(c) => format!(
                r#"{{"did":"did:plc:a","time_us":{time_us},"kind":"commit","commit":{{"collection":"{c}"}}}}"#
            ),
            None => format!(r#"{{"did":"did:plc:a","time_us":{time_us},"kind":"account"}}"#),
        };
        Logged::parse(&json)
    }

    #[test]
    fn a_subscription_gets_its_collections_and_repository_events_from_its_cursor() {
        let s = Subscription::from_query(
            "wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.graph.%2A&cursor=20",
        );
        assert_eq!(
            s,
            Subscription {
                collections: vec!["app.bsky.feed.post".into(), "app.bsky.graph.*".into()],
                cursor: Some(20),
            }
        );
        assert!(s.wants(&event(20, Some("app.bsky.feed.post"))), "inclusive");
        assert!(!s.wants(&event(19, Some("app.bsky.feed.post"))));
        assert!(s.wants(&event(21, Some("app.bsky.graph.follow"))));
        assert!(!s.wants(&event(21, Some("app.bsky.feed.like"))));
        assert!(s.wants(&event(21, None)), "account events regardless");
        let all = Subscription::from_query("");
        assert!(all.wants(&event(1, Some("fm.teal.alpha.actor.status"))));
    }
}
