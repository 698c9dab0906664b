use super::*;
use model::report::Report;

fn v1(json: &str) -> Kind {
    classify(Api::V1, json.as_bytes()).expect("classifies")
}

fn v2(json: &str) -> Kind {
    classify(Api::V2, json.as_bytes()).expect("classifies")
}

const V1_TWEET: &str = r#"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,"id_str":"1050118621198921728","text":"To make room for more expression, we will now count all emojis as equal\u2014including those with gender\u200d\u200d and skin t\u2026 https:\/\/t.co\/MkGjXf9aXm","source":"<a href=\"http:\/\/twitter.com\" rel=\"nofollow\">Twitter Web Client<\/a>","truncated":true,"in_reply_to_status_id":null,"user":{"id":6253282,"id_str":"6253282","name":"Twitter API","screen_name":"TwitterAPI","followers_count":6133636},"geo":null,"coordinates":null,"place":null,"extended_tweet":{"full_text":"To make room for more expression, we will now count all emojis as equal\u2014including those with gender\u200d\u200d and skin tone modifiers \ud83d\udc4d\ud83c\udffb #emoji","display_text_range":[0,140],"entities":{"hashtags":[{"text":"emoji","indices":[131,137]}],"urls":[],"user_mentions":[],"symbols":[]}},"is_quote_status":false,"retweet_count":0,"favorite_count":0,"entities":{"hashtags":[],"urls":[{"url":"https:\/\/t.co\/MkGjXf9aXm","expanded_url":"https:\/\/twitter.com\/i\/web\/status\/1050118621198921728","display_url":"twitter.com\/i\/web\/status\/1\u2026","indices":[117,140]}],"user_mentions":[],"symbols":[]},"favorited":false,"retweeted":false,"filter_level":"low","lang":"en","timestamp_ms":"1539202764000"}"#;

#[test]
fn v1_tweet() {
    assert_eq!(
        v1(V1_TWEET),
        Kind::Tweet {
            id: 1_050_118_621_198_921_728
        }
    );
}

#[test]
fn v1_tweet_with_full_text_only() {
    let json = r#"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,"id_str":"1050118621198921728","full_text":"Ready for #HackTheHashtag?","display_text_range":[0,26],"user":{"id":6253282}}"#;
    assert_eq!(
        v1(json),
        Kind::Tweet {
            id: 1_050_118_621_198_921_728
        }
    );
}

#[test]
fn v1_tweet_id_from_either_field() {
    assert_eq!(v1(r#"{"id_str":"42","text":"hi"}"#), Kind::Tweet { id: 42 });
    assert_eq!(v1(r#"{"id":42,"text":"hi"}"#), Kind::Tweet { id: 42 });
    // id_str wins; a malformed id_str falls back to id.
    assert_eq!(
        v1(r#"{"id":1,"id_str":"2","text":""}"#),
        Kind::Tweet { id: 2 }
    );
    assert_eq!(
        v1(r#"{"id":1,"id_str":"x2","text":""}"#),
        Kind::Tweet { id: 1 }
    );
}

#[test]
fn v1_tweet_with_escaped_key() {
    assert_eq!(
        v1(r#"{"\u0069d_str":"7","te\u0078t":"hi"}"#),
        Kind::Tweet { id: 7 }
    );
}

#[test]
fn v1_tweet_needs_id_and_text() {
    assert_eq!(v1(r#"{"id_str":"7"}"#), Kind::Unknown);
    assert_eq!(v1(r#"{"text":"no id"}"#), Kind::Unknown);
    assert_eq!(v1(r#"{"id":-7,"text":"negative"}"#), Kind::Unknown);
    assert_eq!(v1(r#"{"id":7.5,"text":"fraction"}"#), Kind::Unknown);
    assert_eq!(v1(r#"{"id":{"n":7},"text":"object"}"#), Kind::Unknown);
    // Ids nested in other objects don't count.
    assert_eq!(v1(r#"{"user":{"id":7},"text":"x"}"#), Kind::Unknown);
}

#[test]
fn v1_delete() {
    let json = r#"{"delete":{"status":{"id":1050118621198921728,"id_str":"1050118621198921728","user_id":6253282,"user_id_str":"6253282"},"timestamp_ms":"1539202764000"}}"#;
    assert_eq!(v1(json), Kind::Delete);
}

#[test]
fn v1_scrub_geo() {
    let json = r#"{"scrub_geo":{"user_id":14090452,"user_id_str":"14090452","up_to_status_id":23260136625,"up_to_status_id_str":"23260136625"}}"#;
    assert_eq!(v1(json), Kind::ScrubGeo);
}

#[test]
fn v1_limit() {
    let json = r#"{"limit":{"track":1234,"timestamp_ms":"1415040541463"}}"#;
    assert_eq!(v1(json), Kind::Limit { track: 1234 });
    assert_eq!(v1(r#"{"limit":{"timestamp_ms":"1"}}"#), Kind::Unknown);
    assert_eq!(v1(r#"{"limit":5}"#), Kind::Unknown);
}

#[test]
fn v1_stall_warning() {
    let json = r#"{"warning":{"code":"FALLING_BEHIND","message":"Your connection is falling behind and messages are being queued for delivery to you. Your queue is now over 60% full. You will be disconnected when the queue is full.","percent_full":60}}"#;
    assert_eq!(v1(json), Kind::StallWarning { percent_full: 60 });
}

#[test]
fn v1_other_warning() {
    let json = r#"{"warning":{"code":"FOLLOWS_OVER_LIMIT","message":"No new followers will be delivered on this stream","user_id":13}}"#;
    assert_eq!(
        v1(json),
        Kind::Warning {
            code: "FOLLOWS_OVER_LIMIT".into()
        }
    );
    let json = r#"{"warning":{"code":"FALLING_BEHIND","message":"queue filling"}}"#;
    assert_eq!(
        v1(json),
        Kind::Warning {
            code: "FALLING_BEHIND".into()
        }
    );
    assert_eq!(v1(r#"{"warning":{"message":"no code"}}"#), Kind::Unknown);
}

#[test]
fn v1_disconnect() {
    let json =
        r#"{"disconnect":{"code":7,"stream_name":"TwitterAPI-statuses1","reason":"admin logout"}}"#;
    assert_eq!(
        v1(json),
        Kind::Disconnect {
            code: 7,
            reason: "admin logout".into()
        }
    );
    assert_eq!(
        v1(r#"{"disconnect":{"code":2}}"#),
        Kind::Disconnect {
            code: 2,
            reason: String::new()
        }
    );
    assert_eq!(v1(r#"{"disconnect":{"reason":"?"}}"#), Kind::Unknown);
}

#[test]
fn v1_status_withheld() {
    let json = r#"{"status_withheld":{"id":1234567890,"user_id":123456,"withheld_in_countries":["DE","AR"],"timestamp_ms":"1539202764000"}}"#;
    assert_eq!(v1(json), Kind::StatusWithheld);
}

#[test]
fn v1_user_withheld() {
    let json = r#"{"user_withheld":{"id":123456,"withheld_in_countries":["DE","AR"],"timestamp_ms":"1539202764000"}}"#;
    assert_eq!(v1(json), Kind::UserWithheld);
}

#[test]
fn v1_unknown() {
    assert_eq!(v1(r#"{"friends":[1497,169686021,790205]}"#), Kind::Unknown);
    assert_eq!(v1("{}"), Kind::Unknown);
    // A v2 tweet on a v1 stream is not a v1 tweet.
    assert_eq!(v1(V2_TWEET), Kind::Unknown);
}

const V2_TWEET: &str = r##"{"data":{"id":"1067094924124872705","text":"Just getting started with Twitter APIs? Find out what you need in order to build an app. Watch this video! https://t.co/Hg8nkfoizN","author_id":"2244994945","edit_history_tweet_ids":["1067094924124872705"]},"includes":{"users":[{"id":"2244994945","name":"Twitter Dev","username":"TwitterDev"}]},"matching_rules":[{"id":"1166916266197536768","tag":"#api"}]}"##;

#[test]
fn v2_tweet() {
    assert_eq!(
        v2(V2_TWEET),
        Kind::Tweet {
            id: 1_067_094_924_124_872_705
        }
    );
    // A v1 tweet on a v2 stream is not a v2 tweet.
    assert_eq!(v2(V1_TWEET), Kind::Unknown);
}

#[test]
fn v2_tweet_with_partial_errors() {
    let json = r##"{"data":{"id":"1067094924124872705","text":"hello","author_id":"2244994945","in_reply_to_user_id":"123"},"errors":[{"value":"123","detail":"Could not find user with id: [123].","title":"Not Found Error","resource_type":"user","parameter":"in_reply_to_user_id","resource_id":"123","type":"https://api.twitter.com/2/problems/resource-not-found"}],"matching_rules":[{"id":"1166916266197536768","tag":"#api"}]}"##;
    assert_eq!(
        v2(json),
        Kind::Tweet {
            id: 1_067_094_924_124_872_705
        }
    );
}

#[test]
fn v2_operational_disconnect() {
    let json = r#"{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}"#;
    assert_eq!(
            v2(json),
            Kind::Errors {
                operational_disconnect: true,
                summary: "operational-disconnect: This stream has been disconnected upstream for operational reasons.".into(),
            }
        );
    let by_type = r#"{"errors":[{"title":"Operational Disconnect","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}"#;
    assert_eq!(
        v2(by_type),
        Kind::Errors {
            operational_disconnect: true,
            summary: "Operational Disconnect".into(),
        }
    );
}

#[test]
fn v2_connection_error() {
    let json = r#"{"errors":[{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.twitter.com/2/problems/streaming-connection"}]}"#;
    assert_eq!(
            v2(json),
            Kind::Errors {
                operational_disconnect: false,
                summary: "ConnectionException: This stream is currently at the maximum allowed connection limit.".into(),
            }
        );
}

#[test]
fn v2_errors_summary_is_bounded() {
    let json = r#"{"errors":[{"title":"A","detail":"a"},{"detail":"b only"},{"type":"https://x/c"},{},{"title":"E"},7]}"#;
    assert_eq!(
        v2(json),
        Kind::Errors {
            operational_disconnect: false,
            summary: "A: a; b only; https://x/c (and 2 more)".into(),
        }
    );
}

#[test]
fn v2_unknown() {
    assert_eq!(v2(r#"{"errors":[]}"#), Kind::Unknown);
    assert_eq!(v2(r#"{"errors":{"title":"x"}}"#), Kind::Unknown);
    assert_eq!(v2(r#"{"data":{"text":"no id"}}"#), Kind::Unknown);
    assert_eq!(
        v2(r#"{"meta":{"sent":"2019-08-29T01:48:54.632Z"}}"#),
        Kind::Unknown
    );
}

#[test]
fn skipped_strings_are_not_checked_for_utf8() {
    // serde_json skips ignored strings without decoding them, so bad
    // UTF-8 inside a tweet's body does not make it unclassifiable.
    let json = b"{\"id_str\":\"9\",\"text\":\"caf\xe9\"}";
    assert_eq!(classify(Api::V1, json).unwrap(), Kind::Tweet { id: 9 });
}

#[test]
fn empty_input() {
    for input in ["", " ", "\r\n"] {
        let err = classify(Api::V1, input.as_bytes()).unwrap_err();
        assert!(matches!(err, ClassifyError::Empty), "{input:?}: {err}");
        assert_eq!(err.to_string(), "message is empty");
    }
}

#[test]
fn truncated_and_malformed_json() {
    let truncated = &V1_TWEET.as_bytes()[..V1_TWEET.len() / 2];
    let cases: [&[u8]; 7] = [
        truncated,
        b"{\"text\":\"abc",
        b"{",
        b"{\"a\":1,}",
        b"{} trailing",
        b"{\"id\":1 \"text\":2}",
        b"\xff{}",
    ];
    for input in cases {
        for api in [Api::V1, Api::V2] {
            let err = classify(api, input).unwrap_err();
            assert!(matches!(err, ClassifyError::InvalidJson(_)), "{err}");
            let reported = Report(&err).to_string();
            assert!(
                reported.starts_with("message is not valid JSON: "),
                "{reported}"
            );
        }
    }
}

#[test]
fn valid_json_that_is_not_an_object() {
    let cases = [
        ("[1,2,{\"a\":3}]", "an array"),
        ("\"text\"", "a string"),
        ("42", "a number"),
        ("-1.5e3", "a number"),
        ("true", "a boolean"),
        ("null", "null"),
    ];
    for (input, found) in cases {
        let err = classify(Api::V2, input.as_bytes()).unwrap_err();
        assert!(
            matches!(err, ClassifyError::NotAnObject { found: f } if f == found),
            "{input}: {err}"
        );
        assert_eq!(
            err.to_string(),
            format!("message is JSON {found}, not an object")
        );
    }
}

#[test]
fn log_levels() {
    let cases = [
        (Kind::Tweet { id: 1 }, Level::Debug),
        (Kind::Delete, Level::Debug),
        (Kind::ScrubGeo, Level::Debug),
        (Kind::StatusWithheld, Level::Debug),
        (Kind::UserWithheld, Level::Debug),
        (Kind::Limit { track: 1 }, Level::Info),
        (Kind::StallWarning { percent_full: 60 }, Level::Warn),
        (Kind::Warning { code: "X".into() }, Level::Warn),
        (Kind::Unknown, Level::Warn),
        (
            Kind::Disconnect {
                code: 1,
                reason: String::new(),
            },
            Level::Error,
        ),
        (
            Kind::Errors {
                operational_disconnect: true,
                summary: String::new(),
            },
            Level::Error,
        ),
    ];
    for (kind, level) in cases {
        assert_eq!(kind.log_level(), level, "{kind:?}");
    }
}
