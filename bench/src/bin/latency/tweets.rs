//! The tweets the benchmark publishes: v1.1-shaped, each with a marker hashtag (on every Nth)
//! besides common ones, created now, padded to a chosen size.

/// The normal hashtags tweets carry besides their marker, in the spellings users write.
pub(crate) const COMMON_TAGS: [&str; 8] = [
    "WorldCup",
    "BTS",
    "Rust",
    "NowPlaying",
    "MondayMotivation",
    "café",
    "Bitcoin",
    "Kafka",
];

/// Words the tweet texts are made of.
const WORDS: [&str; 12] = [
    "great", "game", "tonight", "love", "this", "city", "coffee", "world", "never", "best",
    "morning", "excited",
];

/// A v1.1 `created_at`, e.g. `Thu Jan 01 00:00:00 +0000 2026`, of epoch milliseconds (UTC).
fn v1_created_at(unix_ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = unix_ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} +0000 {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        year
    )
}

/// Escapes a string for a JSON string literal.
fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// One v1.1 tweet created at `unix_ms`, with hashtags `tags` in its text and in
/// `entities.hashtags` (indices in characters, as the API gives them), padded to about
/// `payload_bytes`.
pub(crate) fn tweet_json(
    seq: u64,
    id: u64,
    unix_ms: i64,
    tags: &[&str],
    payload_bytes: usize,
) -> Vec<u8> {
    let mut text = String::new();
    for i in 0..8 {
        text.push_str(WORDS[(seq as usize + i * 5) % WORDS.len()]);
        text.push(' ');
    }
    let mut entities = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let start = text.chars().count();
        text.push('#');
        text.push_str(tag);
        let end = text.chars().count();
        entities.push(format!(
            r#"{{"text":{},"indices":[{start},{end}]}}"#,
            json_str(tag)
        ));
    }
    let user_id = 1_000_000 + seq % 50_000;
    let head = format!(
        r#"{{"created_at":"{}","id":{id},"id_str":"{id}","text":{},"source":"latency-bench","truncated":false,"lang":"en","entities":{{"hashtags":[{}],"urls":[],"user_mentions":[],"symbols":[]}},"retweet_count":0,"favorite_count":0,"user":{{"id":{user_id},"id_str":"{user_id}","name":"Bench User {user_id}","screen_name":"bench{user_id}","followers_count":{},"description":""#,
        v1_created_at(unix_ms),
        json_str(&text),
        entities.join(","),
        seq % 997,
    );
    let tail = r#""}}"#;
    let mut out = head.into_bytes();
    let mut w = 0;
    while out.len() + tail.len() < payload_bytes {
        out.extend_from_slice(WORDS[w % WORDS.len()].as_bytes());
        out.push(b' ');
        w += 1;
    }
    out.extend_from_slice(tail.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::tweet::Tweet;

    #[test]
    fn generated_tweets_parse_with_their_time_and_hashtags() {
        // 2026-01-01T00:00:00.750Z, a Thursday; and 2024-02-29T23:59:59Z, a leap day.
        for (ms, created) in [
            (1_767_225_600_750, "Thu Jan 01 00:00:00 +0000 2026"),
            (1_709_251_199_000, "Thu Feb 29 23:59:59 +0000 2024"),
        ] {
            assert_eq!(v1_created_at(ms), created);
            let bytes = tweet_json(7, 42, ms, &["lat7", "café", "Rust"], 1200);
            assert!(bytes.len() >= 1200 && bytes.len() < 1300, "{}", bytes.len());
            let tweet = Tweet::parse(&bytes).expect("parses");
            assert_eq!(tweet.id, 42);
            assert_eq!(tweet.created_at_ms, Some(ms - ms % 1000));
            assert_eq!(
                tweet.hashtags().collect::<Vec<_>>(),
                ["lat7", "café", "Rust"]
            );
            assert!(tweet.text.ends_with("#lat7 #café #Rust"));
        }
    }
}
