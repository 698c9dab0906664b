//! The oracle for Bluesky and Mastodon: what each recorded Jetstream event or Mastodon status
//! counts as, read with a generic JSON parser from the protocols' documented fields
//! (`../shared/fixtures/social/PROTOCOLS.md`), none of the `model` crate's readers.

/// A post as the reference counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferencePost {
    /// Its global id: a Bluesky post's `at://` URI, a status's `uri`.
    pub id: String,
    /// `bluesky` or `mastodon`, as results name sources.
    pub source: &'static str,
    /// When it counts, in epoch milliseconds.
    pub event_ms: i64,
    /// Its distinct lower-cased hashtags, in order of first mention.
    pub tags: Vec<String>,
}

/// How long before Jetstream saw it a post's `createdAt` is believed (five minutes).
const MAX_BACKDATE_MS: i64 = 5 * 60 * 1000;

/// A Jetstream event as a new post (`commit.operation` `create` of an `app.bsky.feed.post`),
/// or `None` for any other event. Its hashtags are its `#tag` facet features' `tag` and its
/// record's `tags`; its time is `createdAt` clamped to the five minutes up to when Jetstream
/// saw it (`time_us`).
pub fn jetstream_post(event: &serde_json::Value) -> Option<ReferencePost> {
    let commit = &event["commit"];
    if commit["operation"] != "create" || commit["collection"] != "app.bsky.feed.post" {
        return None;
    }
    let record = &commit["record"];
    let features = record["facets"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["features"].as_array().into_iter().flatten());
    let facet_tags = features
        .filter(|f| f["$type"] == "app.bsky.richtext.facet#tag")
        .map(|f| &f["tag"]);
    let record_tags = record["tags"].as_array().into_iter().flatten();
    let seen_ms = event["time_us"].as_i64().expect("time_us") / 1000;
    let created_ms = record["createdAt"].as_str().map(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .expect("createdAt")
            .timestamp_millis()
    });
    Some(ReferencePost {
        id: format!(
            "at://{}/app.bsky.feed.post/{}",
            event["did"].as_str().expect("did"),
            commit["rkey"].as_str().expect("rkey")
        ),
        source: "bluesky",
        event_ms: created_ms.map_or(seen_ms, |c| c.clamp(seen_ms - MAX_BACKDATE_MS, seen_ms)),
        tags: distinct(facet_tags.chain(record_tags)),
    })
}

/// A Mastodon status: its `uri` and `created_at` (a reblog's own), and the `tags[].name` of
/// the status it shows (a reblog's original's).
pub fn mastodon_status(status: &serde_json::Value) -> ReferencePost {
    let shown = status
        .get("reblog")
        .filter(|r| r.is_object())
        .unwrap_or(status);
    let created = status["created_at"].as_str().expect("created_at");
    ReferencePost {
        id: status["uri"].as_str().expect("uri").to_owned(),
        source: "mastodon",
        event_ms: chrono::DateTime::parse_from_rfc3339(created)
            .expect("created_at")
            .timestamp_millis(),
        tags: distinct(
            shown["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| &t["name"]),
        ),
    }
}

/// The strings among `tags`, lower-cased, each once.
fn distinct<'a>(tags: impl Iterator<Item = &'a serde_json::Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.as_str().expect("a hashtag is a string").to_lowercase();
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}
