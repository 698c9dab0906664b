//! Retweets, cut as the API cuts them: `RT @name: ` and the original's text within 140 code
//! points, the last 139 trimmed and ended with `…`, and only the entities wholly before the
//! ellipsis kept (measured on the recorded payloads in `../shared/fixtures/real-tweets`).

use super::*;

/// An original's whole text and entities: `extended_tweet`'s when it has one.
fn whole_text(original: &Value) -> (&str, &Value) {
    match original.get("extended_tweet") {
        Some(extended) => (str_field(extended, "full_text"), &extended["entities"]),
        None => (str_field(original, "text"), &original["entities"]),
    }
}

/// The entities of one kind as (what they name, start, end).
fn spans(entities: &Value, kind: &str, field: &str) -> Vec<(String, usize, usize)> {
    let list = entities[kind].as_array().expect(kind);
    list.iter()
        .map(|e| {
            let [start, end] = [0, 1].map(|i| index(&e["indices"][i]));
            (str_field(e, field).to_owned(), start, end)
        })
        .collect()
}

/// Those of `original`'s spans that end within `visible` code points once shifted by `shift`.
fn kept(
    original: Vec<(String, usize, usize)>,
    shift: usize,
    visible: usize,
) -> Vec<(String, usize, usize)> {
    original
        .into_iter()
        .map(|(name, start, end)| (name, start + shift, end + shift))
        .filter(|&(_, _, end)| end <= visible)
        .collect()
}

#[test]
fn retweets_are_cut_as_the_api_cuts_them_and_keep_only_wholly_visible_entities() {
    let (mut retweets, mut cut, mut lost) = (0, 0, 0);
    for (_, tweet) in sample() {
        let Some(original) = tweet.get("retweeted_status") else {
            continue;
        };
        retweets += 1;
        let author = str_field(&original["user"], "screen_name");
        let (full, original_entities) = whole_text(original);
        let text = str_field(tweet, "text");
        assert_eq!(text, expected_retweet_text(author, full));
        let length = text.chars().count();
        assert!(length <= 140, "{text}");
        let is_cut = text != format!("RT @{author}: {full}");
        cut += usize::from(is_cut);
        let visible = if is_cut { length - 1 } else { length };
        let shift = format!("RT @{author}: ").chars().count();

        let entities = &tweet["entities"];
        for (kind, field) in [("hashtags", "text"), ("urls", "url"), ("symbols", "text")] {
            let want = kept(spans(original_entities, kind, field), shift, visible);
            assert_eq!(spans(entities, kind, field), want, "{kind} of {text:?}");
        }
        let mut mentions = vec![(author.to_owned(), 3, 4 + author.len())];
        mentions.extend(kept(
            spans(original_entities, "user_mentions", "screen_name"),
            shift,
            visible,
        ));
        assert_eq!(spans(entities, "user_mentions", "screen_name"), mentions);

        let tags = |entities: &Value| -> BTreeSet<String> {
            let list = spans(entities, "hashtags", "text");
            list.into_iter()
                .map(|(tag, _, _)| tag.to_lowercase())
                .collect()
        };
        lost += usize::from(!tags(original_entities).is_subset(&tags(entities)));
        assert!(original.get("retweeted_status").is_none());
        assert!(
            original.get("timestamp_ms").is_none(),
            "only the message's own tweet"
        );
    }
    let retweet_share = share(retweets, SAMPLE_SIZE);
    assert!(
        (0.30..=0.45).contains(&retweet_share),
        "retweet share {retweet_share}"
    );
    assert!(cut * 3 >= retweets, "{cut} of {retweets} retweets cut");
    // 27% of the recorded retweets lost hashtags to the cut.
    let lost_share = share(lost, retweets);
    assert!(
        (0.22..=0.32).contains(&lost_share),
        "{lost_share} lost hashtags"
    );
}

#[test]
fn some_retweeted_originals_are_long_and_carry_their_whole_text() {
    let originals: Vec<&Value> = sample()
        .iter()
        .filter_map(|(_, tweet)| tweet.get("retweeted_status"))
        .collect();
    let long: Vec<&&Value> = originals
        .iter()
        .filter(|original| original["truncated"] == true)
        .collect();
    for original in &long {
        let (full, _) = whole_text(original);
        assert!(full.chars().count() > 140, "{full}");
        assert!(
            original.get("extended_tweet").is_some(),
            "a nested original keeps its text"
        );
    }
    let long_share = share(long.len(), originals.len());
    assert!(
        (0.05..=0.3).contains(&long_share),
        "{long_share} long originals"
    );
}
