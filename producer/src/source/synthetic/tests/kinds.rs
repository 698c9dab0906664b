//! The other kinds of tweet a v1.1 stream carries: quotes, replies, and long texts as
//! compatibility mode shows them (with `extended_tweet`, or, from old clients' view, without).

use super::*;

/// The kinds of the sample's top-level tweets, counted.
#[derive(Default)]
struct Kinds {
    quotes: usize,
    replies: usize,
    extended: usize,
    truncated_only: usize,
}

#[test]
fn quotes_replies_and_long_tweets_occur_in_plausible_shares() {
    let mut kinds = Kinds::default();
    for (_, tweet) in sample() {
        if tweet.get("retweeted_status").is_some() {
            continue;
        }
        kinds.quotes += usize::from(tweet["is_quote_status"] == true);
        kinds.replies += usize::from(!tweet["in_reply_to_status_id"].is_null());
        if tweet["truncated"] == true {
            match tweet.get("extended_tweet") {
                Some(_) => kinds.extended += 1,
                None => kinds.truncated_only += 1,
            }
        }
    }
    let of_all = |count| share(count, SAMPLE_SIZE);
    assert!((0.04..=0.10).contains(&of_all(kinds.quotes)), "quotes");
    assert!((0.05..=0.20).contains(&of_all(kinds.replies)), "replies");
    assert!((0.05..=0.15).contains(&of_all(kinds.extended)), "extended");
    let truncated_only = of_all(kinds.truncated_only);
    assert!(
        (0.005..=0.02).contains(&truncated_only),
        "{truncated_only} truncated only"
    );
}

#[test]
fn a_quote_carries_the_quoted_tweet_and_ends_in_a_link_to_it() {
    let quotes = sample()
        .iter()
        .map(|(_, t)| t)
        .filter(|t| t["is_quote_status"] == true);
    for tweet in quotes {
        let quoted = &tweet["quoted_status"];
        assert_eq!(tweet["quoted_status_id_str"], quoted["id_str"]);
        assert_eq!(tweet["quoted_status_id"], quoted["id"]);
        assert!(
            quoted["entities"]["hashtags"].is_array(),
            "its own entities"
        );
        let permalink = format!(
            "https://twitter.com/{}/status/{}",
            str_field(&quoted["user"], "screen_name"),
            str_field(quoted, "id_str")
        );
        assert_eq!(
            tweet["quoted_status_permalink"]["expanded"],
            permalink.as_str()
        );
        let own = tweet.get("extended_tweet").unwrap_or(tweet);
        let text = own.get("full_text").unwrap_or(&own["text"]);
        let last_link = own["entities"]["urls"]
            .as_array()
            .and_then(|urls| urls.last());
        if tweet["truncated"] == true && tweet.get("extended_tweet").is_none() {
            continue; // The cut took the link with it.
        }
        let last_link = last_link.expect("the quoted tweet's link");
        assert_eq!(last_link["expanded_url"], permalink.as_str());
        let url = str_field(last_link, "url");
        assert!(text.as_str().expect("text").ends_with(url), "{text}");
    }
}

#[test]
fn a_reply_opens_with_the_replied_to_author() {
    for (_, tweet) in sample() {
        let Some(to) = tweet["in_reply_to_screen_name"].as_str() else {
            continue;
        };
        let opening = format!("@{to} ");
        assert!(str_field(tweet, "text").starts_with(&opening));
        if let Some(extended) = tweet.get("extended_tweet") {
            let start = opening.chars().count() as u64;
            assert_eq!(extended["display_text_range"][0], start, "hidden mention");
        }
    }
}

/// The code points of `text` before `… https://t.co/…`, the compatibility-mode ending.
fn compat_head(text: &str, link: &str) -> String {
    let shown = text
        .strip_suffix(&format!("… {link}"))
        .unwrap_or_else(|| panic!("{text:?} does not end in a link to the whole tweet"));
    shown.to_owned()
}

#[test]
fn long_texts_show_at_most_115_characters_then_a_link_to_the_whole_tweet() {
    let mut checked = 0;
    for (_, top) in sample() {
        for tweet in tweet_and_nested(top).filter(|t| t["truncated"] == true) {
            let text = str_field(tweet, "text");
            assert!(text.chars().count() <= 140, "{text}");
            let urls = tweet["entities"]["urls"].as_array().expect("urls");
            let link = urls.last().expect("the link to the whole tweet");
            let whole = format!(
                "https://twitter.com/i/web/status/{}",
                str_field(tweet, "id_str")
            );
            assert_eq!(link["expanded_url"], whole.as_str());
            let head = compat_head(text, str_field(link, "url"));
            let head_len = head.chars().count();
            assert!(head_len <= 115 && head == head.trim_end(), "{head:?}");
            for kind in ["hashtags", "user_mentions", "symbols"] {
                for entity in tweet["entities"][kind].as_array().expect(kind) {
                    assert!(
                        index(&entity["indices"][1]) <= head_len,
                        "{kind} past the cut"
                    );
                }
            }
            let Some(extended) = tweet.get("extended_tweet") else {
                continue;
            };
            let full_text = str_field(extended, "full_text");
            assert!(full_text.chars().count() > 140 && full_text.starts_with(&head));
            let range = &extended["display_text_range"];
            assert_eq!(index(&range[1]), full_text.chars().count());
            // The cut never splits an entity: each one is wholly shown or wholly left out.
            let shown = tweet["entities"]["hashtags"].as_array().expect("hashtags");
            for entity in extended["entities"]["hashtags"]
                .as_array()
                .expect("hashtags")
            {
                let [start, end] = [0, 1].map(|i| index(&entity["indices"][i]));
                assert!(end <= head_len || start >= head_len, "split {entity}");
                assert_eq!(
                    shown.contains(entity),
                    end <= head_len,
                    "{entity} in {text:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} long texts");
}
