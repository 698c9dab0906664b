//! Twitter's hashtag rule on real API payloads (../shared/fixtures/real-tweets): a retweet counts
//! its original's full hashtag set, a quote tweet its own, a long tweet its extended entities.
//! The expected hashtags are read from the raw JSON here, independently of the parser.

mod fixtures;

use serde_json::Value;

use model::tweet::{Completeness, Tweet};

fn fixture(name: &str) -> Vec<String> {
    fixtures::lines(&format!("real-tweets/{name}"))
}

/// The hashtags of a v1.1 tweet object's whole text: `extended_tweet`'s entities when present.
/// `None` when it has no entities (the parser then extracts from the text).
fn v1_entities(tweet: &Value) -> Option<Vec<String>> {
    let entities = tweet
        .get("extended_tweet")
        .and_then(|e| e.get("entities"))
        .or_else(|| tweet.get("entities"))?;
    Some(tags(entities, "text"))
}

fn tags(entities: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = entities["hashtags"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| h[field].as_str().unwrap().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn v1_expected(tweet: &Value) -> Option<Vec<String>> {
    match tweet.get("retweeted_status") {
        Some(original) if original.is_object() => v1_entities(original),
        _ => v1_entities(tweet),
    }
}

fn v2_expected(message: &Value) -> Option<Vec<String>> {
    let data = &message["data"];
    let whole = |t: &Value| -> Option<Vec<String>> {
        let entities = t
            .get("note_tweet")
            .and_then(|n| n.get("entities"))
            .or_else(|| t.get("entities"));
        // v2 omits `entities` when a tweet has none.
        Some(entities.map_or_else(Vec::new, |e| tags(e, "tag")))
    };
    let retweeted = data["referenced_tweets"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["type"] == "retweeted"))
        .and_then(|r| r["id"].as_str());
    let original = retweeted.and_then(|id| {
        message["includes"]["tweets"]
            .as_array()?
            .iter()
            .find(|t| t["id"] == id)
    });
    whole(original.unwrap_or(data))
}

fn parsed(line: &str) -> Vec<String> {
    let tweet = Tweet::parse_for_counting(line.as_bytes()).expect("a real tweet parses");
    let full = Tweet::parse(line.as_bytes()).unwrap();
    let mut tags: Vec<String> = tweet.hashtags().map(str::to_lowercase).collect();
    let mut again: Vec<String> = full.hashtags().map(str::to_lowercase).collect();
    tags.sort();
    again.sort();
    assert_eq!(tags, again, "both parse paths agree on {line}");
    tags
}

/// Compares every tweet with entities; returns (tweets compared, mentions expected).
fn check(lines: &[String], expected: fn(&Value) -> Option<Vec<String>>) -> (usize, usize) {
    let (mut compared, mut mentions) = (0, 0);
    for line in lines {
        let value: Value = serde_json::from_str(line).unwrap();
        let Some(want) = expected(&value) else {
            continue;
        };
        assert_eq!(parsed(line), want, "hashtags of {line}");
        compared += 1;
        mentions += want.len();
    }
    (compared, mentions)
}

#[test]
fn v1_retweets_count_their_originals_hashtags() {
    for name in ["python-twitter-v1.jsonl", "sferik-twitter-v1.jsonl"] {
        let (compared, mentions) = check(&fixture(name), v1_expected);
        assert!(compared > 300, "{name}: {compared} tweets compared");
        assert!(mentions > 150, "{name}: {mentions} mentions");
    }
}

#[test]
fn v2_retweets_count_their_originals_hashtags() {
    let (compared, mentions) = check(&fixture("twarc-network-v2.jsonl"), v2_expected);
    assert_eq!(compared, 500);
    // Twitter's rule over this set, computed from the raw JSON: 2,288 mentions (1,410 by the
    // retweets' own cut entities).
    assert_eq!(mentions, 2288);
}

/// A quote tweet's hashtags in the quoted tweet that its own text lacks, lowercased.
fn only_quoted(own: Option<Vec<String>>, quoted: Option<Vec<String>>) -> Vec<String> {
    let own = own.unwrap_or_default();
    quoted
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !own.contains(t))
        .collect()
}

#[test]
fn quote_tweets_count_only_their_own_hashtags() {
    let mut quotes = 0;
    let mut with_quoted_only_tags = 0;
    for name in ["python-twitter-v1.jsonl", "sferik-twitter-v1.jsonl"] {
        for line in fixture(name) {
            let v: Value = serde_json::from_str(&line).unwrap();
            let quoted = &v["quoted_status"];
            if !quoted.is_object() || v.get("retweeted_status").is_some() {
                continue;
            }
            // Archives without entities (python-twitter's flattened form) are left out, as in
            // `check`.
            let Some(own) = v1_entities(&v) else {
                continue;
            };
            quotes += 1;
            if !only_quoted(Some(own.clone()), v1_entities(quoted)).is_empty() {
                with_quoted_only_tags += 1;
            }
            assert_eq!(parsed(&line), own, "hashtags of {line}");
        }
    }
    for line in fixture("twarc-network-v2.jsonl") {
        let v: Value = serde_json::from_str(&line).unwrap();
        let refs = v["data"]["referenced_tweets"].as_array().cloned();
        let kinds: Vec<Value> = refs
            .unwrap_or_default()
            .iter()
            .map(|r| r["type"].clone())
            .collect();
        if !kinds.contains(&"quoted".into()) || kinds.contains(&"retweeted".into()) {
            continue;
        }
        quotes += 1;
        let own = tags(&v["data"]["entities"], "tag");
        assert_eq!(parsed(&line), own, "hashtags of {line}");
    }
    // Counted in the raw files: 60 quote tweets with entities, 13 of which quote hashtags
    // their own text lacks (so the rules tell them apart).
    assert_eq!((quotes, with_quoted_only_tags), (60, 13));
}

/// Whether a tweet object's text is cut with nothing to complete it (compat mode).
fn v1_cut(status: &Value) -> bool {
    status["truncated"] == true
        && status.get("extended_tweet").is_none()
        && status.get("full_text").is_none()
}

#[test]
fn incomplete_tweets_are_flagged() {
    let mut flagged = [0, 0];
    for name in ["python-twitter-v1.jsonl", "sferik-twitter-v1.jsonl"] {
        for line in fixture(name) {
            let v: Value = serde_json::from_str(&line).unwrap();
            let counted = match v.get("retweeted_status") {
                Some(original) if original.is_object() => original,
                _ => &v,
            };
            let tweet = Tweet::parse_for_counting(line.as_bytes()).unwrap();
            let want = if v1_cut(counted) {
                flagged[0] += 1;
                Completeness::Truncated
            } else {
                Completeness::Whole
            };
            assert_eq!(tweet.completeness, want, "{line}");
            assert_eq!(tweet.lang.as_deref(), counted["lang"].as_str(), "{line}");
        }
    }
    for line in fixture("twarc-network-v2.jsonl") {
        let v: Value = serde_json::from_str(&line).unwrap();
        let retweeted = v["data"]["referenced_tweets"]
            .as_array()
            .and_then(|refs| refs.iter().find(|r| r["type"] == "retweeted"))
            .map(|r| r["id"].clone());
        let included = |id: &Value| {
            v["includes"]["tweets"]
                .as_array()
                .is_some_and(|all| all.iter().any(|t| &t["id"] == id))
        };
        let want = match retweeted {
            Some(id) if !included(&id) => {
                flagged[1] += 1;
                Completeness::OriginalMissing
            }
            _ => Completeness::Whole,
        };
        let tweet = Tweet::parse_for_counting(line.as_bytes()).unwrap();
        assert_eq!(tweet.completeness, want, "{line}");
    }
    // Three v1.1 tweets are cut with no extended_tweet; every v2 retweet has its original.
    assert_eq!(flagged, [3, 0]);
}
