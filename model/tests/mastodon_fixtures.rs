//! Recorded Mastodon statuses (../shared/fixtures/social/mastodon-statuses.jsonl): each status's
//! uri, time, language, hashtags and reblog flag equal what its raw JSON says (a reblog's are
//! its original's), computed here with a generic JSON parser, and its text keeps every hashtag
//! the HTML shows.

mod fixtures;

use serde_json::Value;

use model::mastodon::Status;

fn statuses() -> Vec<String> {
    fixtures::lines("social/mastodon-statuses.jsonl")
}

#[test]
fn every_recorded_status_is_read_with_its_originals_tags() {
    let (mut reblogs, mut tagged, mut shown_tags) = (0, 0, 0);
    for line in statuses() {
        let v: Value = serde_json::from_str(&line).unwrap();
        let status = Status::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{e}: {line}"));
        let counted = match &v["reblog"] {
            Value::Object(_) => &v["reblog"],
            _ => &v,
        };
        assert_eq!(status.uri, v["uri"].as_str().unwrap());
        let created = chrono::DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap());
        assert_eq!(
            status.created_at_ms,
            Some(created.unwrap().timestamp_millis())
        );
        assert_eq!(status.lang.as_deref(), counted["language"].as_str());
        assert_eq!(status.is_reblog, v["reblog"].is_object());
        let tags: Vec<&str> = counted["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(status.hashtags, tags);
        let text = status.text.to_lowercase();
        assert!(!text.contains("<p>") && !text.contains("<br"), "{text}");
        for tag in &tags {
            // Servers render each tag in the content as a link `#<span>Tag</span>`.
            let shown = format!("#{}", tag.to_lowercase());
            if counted["content"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(&format!("#<span>{}</span>", tag.to_lowercase()))
            {
                assert!(text.contains(&shown), "{shown} in {text}");
                shown_tags += 1;
            }
        }
        reblogs += usize::from(status.is_reblog);
        tagged += usize::from(!tags.is_empty());
    }
    assert_eq!(reblogs, 9, "reblogs in the file");
    assert!(tagged > 50, "{tagged} statuses with tags");
    assert!(
        shown_tags > 100,
        "{shown_tags} hashtags checked in the text"
    );
}
