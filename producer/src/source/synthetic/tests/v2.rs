//! The v2 filtered-stream shape: `data`, `includes` holding the retweeted or quoted tweet and
//! the authors, `matching_rules`; long posts as `note_tweet`.

use super::*;

fn v2_created_at_ms(created_at: &str) -> i64 {
    DateTime::parse_from_rfc3339(created_at)
        .unwrap_or_else(|error| panic!("bad created_at {created_at:?}: {error}"))
        .timestamp_millis()
}

/// Asserts that each v2 entity of `entities` marks `text` at `start`..`end`.
fn assert_v2_entities_mark(text: &str, entities: Option<&Value>) {
    let Some(entities) = entities else {
        return;
    };
    let spans = [
        ("hashtags", "#", "tag"),
        ("cashtags", "$", "tag"),
        ("mentions", "@", "username"),
        ("urls", "", "url"),
    ];
    for (kind, sigil, field) in spans {
        let list = entities.get(kind).map(|l| l.as_array().expect(kind));
        assert!(
            list.is_none_or(|l| !l.is_empty()),
            "empty lists are left out"
        );
        for entity in list.into_iter().flatten() {
            let [start, end] = [&entity["start"], &entity["end"]].map(index);
            let expected = format!("{sigil}{}", str_field(entity, field));
            assert_eq!(code_points(text, start, end), expected, "in {text:?}");
        }
    }
}

/// The included tweet with this id.
/// A message's tweet and the tweets its `includes` hold.
fn data_and_included(message: &Value) -> impl Iterator<Item = &Value> {
    let included = message["includes"]["tweets"]
        .as_array()
        .into_iter()
        .flatten();
    std::iter::once(&message["data"]).chain(included)
}

fn included<'a>(message: &'a Value, id: &str) -> Option<&'a Value> {
    let tweets = message["includes"]["tweets"].as_array()?;
    tweets.iter().find(|t| t["id"] == id)
}

#[test]
fn v2_messages_hold_data_includes_and_matching_rules() {
    let mut previous = 0;
    for (record, message) in sample_v2() {
        let data = &message["data"];
        let id: u64 = str_field(data, "id").parse().expect("numeric id");
        assert!(id > previous);
        previous = id;
        assert_eq!(record.key, id.to_string());
        let created_ms = v2_created_at_ms(str_field(data, "created_at"));
        assert_eq!(created_ms, record.timestamp_ms);
        let users = message["includes"]["users"].as_array().expect("users");
        assert_eq!(users[0]["id"], data["author_id"], "the author comes first");
        assert!(!message["matching_rules"]
            .as_array()
            .expect("rules")
            .is_empty());
        for tweet in data_and_included(message) {
            let text = str_field(tweet, "text");
            assert!(twitter_weight(text) <= 280, "{text}");
            assert_v2_entities_mark(text, tweet.get("entities"));
            if let Some(note) = tweet.get("note_tweet") {
                assert_v2_entities_mark(str_field(note, "text"), note.get("entities"));
            }
            let author = users.iter().find(|u| u["id"] == tweet["author_id"]);
            assert!(
                author.is_some(),
                "every included tweet's author is included"
            );
        }
    }
}

/// Asserts that a v2 retweet's text is `RT @name: ` and its `original`'s whole text, cut as in
/// v1.1.
fn assert_cut_like_v1(message: &Value, original: &Value) {
    let users = message["includes"]["users"].as_array().expect("users");
    let author = users
        .iter()
        .find(|u| u["id"] == original["author_id"])
        .expect("the original's author");
    let whole = original.get("note_tweet").unwrap_or(original);
    let expected = expected_retweet_text(str_field(author, "username"), str_field(whole, "text"));
    assert_eq!(str_field(&message["data"], "text"), expected);
}

#[test]
fn referenced_tweets_are_included_unless_deleted_and_retweets_are_cut_as_in_v1() {
    let (mut retweets, mut missing, mut lost, mut quotes, mut replies) = (0, 0, 0, 0, 0);
    for (_, message) in sample_v2() {
        let data = &message["data"];
        for reference in data["referenced_tweets"].as_array().into_iter().flatten() {
            let id = str_field(reference, "id");
            match str_field(reference, "type") {
                "retweeted" => {
                    retweets += 1;
                    let Some(original) = included(message, id) else {
                        missing += 1;
                        continue;
                    };
                    let whole = original.get("note_tweet").unwrap_or(original);
                    assert_cut_like_v1(message, original);
                    let tags = |tweet: &Value| -> BTreeSet<String> {
                        let list = tweet["entities"]["hashtags"]
                            .as_array()
                            .into_iter()
                            .flatten();
                        list.map(|h| str_field(h, "tag").to_lowercase()).collect()
                    };
                    lost += usize::from(!tags(whole).is_subset(&tags(data)));
                }
                "quoted" => {
                    quotes += 1;
                    assert!(
                        included(message, id).is_some(),
                        "the quoted tweet is included"
                    );
                }
                "replied_to" => {
                    replies += 1;
                    assert!(data["in_reply_to_user_id"].is_string());
                }
                other => panic!("unknown reference {other}"),
            }
        }
    }
    assert!(
        (0.30..=0.45).contains(&share(retweets, SAMPLE_SIZE)),
        "{retweets} retweets"
    );
    assert!(
        (0.003..=0.03).contains(&share(missing, retweets)),
        "{missing} missing"
    );
    assert!(
        (0.22..=0.32).contains(&share(lost, retweets - missing)),
        "{lost} lost tags"
    );
    assert!(
        (0.04..=0.10).contains(&share(quotes, SAMPLE_SIZE)),
        "{quotes} quotes"
    );
    assert!(
        (0.05..=0.20).contains(&share(replies, SAMPLE_SIZE)),
        "{replies} replies"
    );
}

#[test]
fn long_posts_show_their_start_and_keep_the_whole_in_note_tweet() {
    let mut notes = 0;
    for (_, message) in sample_v2() {
        let data = &message["data"];
        for tweet in data_and_included(message) {
            let Some(note) = tweet.get("note_tweet") else {
                assert!(!str_field(tweet, "text").starts_with("RT @") || tweet == data);
                continue;
            };
            notes += 1;
            let whole = str_field(note, "text");
            assert!(twitter_weight(whole) > 280, "a note only when needed");
            let shown = str_field(tweet, "text")
                .strip_suffix('…')
                .expect("cut with …");
            assert!(whole.starts_with(shown) && shown == shown.trim_end());
            let room = 280 - twitter_weight("…");
            assert!(twitter_weight(shown) <= room);
            let next = whole[shown.len()..]
                .chars()
                .next()
                .map_or(0, |c| twitter_weight(&c.to_string()));
            let trimmed = whole[shown.len()..].starts_with(char::is_whitespace);
            assert!(
                trimmed || twitter_weight(shown) + next > room,
                "cut as late as it fits"
            );
        }
    }
    let note_share = share(notes, SAMPLE_SIZE);
    assert!((0.003..=0.03).contains(&note_share), "{notes} long posts");
}
