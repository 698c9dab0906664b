use super::*;
use crate::report::Report;
use proptest::prelude::*;

const V1_TWEET: &str = r##"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,"id_str":"1050118621198921728","text":"To make room for more expression, we will now count all emojis as equal #Twitter #emoji","truncated":false,"entities":{"hashtags":[{"text":"Twitter","indices":[72,80]},{"text":"emoji","indices":[81,87]}],"urls":[],"user_mentions":[]},"user":{"id":6253282,"id_str":"6253282","screen_name":"TwitterAPI","name":"Twitter API"},"lang":"en","place":{"id":"01a9a39529b27f36","full_name":"Manhattan, NY","country_code":"US"},"coordinates":{"type":"Point","coordinates":[-73.99,40.73]}}"##;

const V1_EXTENDED: &str = r##"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id_str":"7","text":"short \u2026","truncated":true,"entities":{"hashtags":[]},"extended_tweet":{"full_text":"a long text with #Long and #Tail","entities":{"hashtags":[{"text":"Long","indices":[17,22]},{"text":"Tail","indices":[27,32]}]}},"lang":"en"}"##;

const V2_TWEET: &str = r##"{"data":{"id":"1445880548472328192","text":"Hello #Kafka world #RustLang","created_at":"2021-10-06T22:19:24.000Z","author_id":"2244994945","lang":"en","entities":{"hashtags":[{"start":6,"end":12,"tag":"Kafka"},{"start":19,"end":28,"tag":"RustLang"}]},"geo":{"place_id":"01a9a39529b27f36"},"referenced_tweets":[{"type":"retweeted","id":"1"}]},"includes":{"users":[{"id":"2244994945","name":"Twitter Dev","username":"TwitterDev"}],"places":[{"id":"01a9a39529b27f36","full_name":"Manhattan, NY","country_code":"US"}]},"matching_rules":[{"id":"1","tag":"kafka"}]}"##;

#[test]
fn parses_v1() {
    let t = Tweet::parse(V1_TWEET.as_bytes()).unwrap();
    assert_eq!(t.shape, Shape::V1);
    assert_eq!(t.id, 1_050_118_621_198_921_728);
    assert_eq!(t.created_at_ms, Some(1_539_202_764_000));
    assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Twitter", "emoji"]);
    assert_eq!(t.lang.as_deref(), Some("en"));
    assert_eq!(t.user().unwrap().screen_name.as_deref(), Some("TwitterAPI"));
    assert_eq!(
        t.place().unwrap().full_name.as_deref(),
        Some("Manhattan, NY")
    );
    assert_eq!(t.coordinates(), Some([-73.99, 40.73]));
    assert!(!t.is_retweet);
    assert!(
        matches!(t.text, Cow::Borrowed(_)),
        "plain text must be borrowed"
    );
}

#[test]
fn extended_tweet_supplies_full_text_and_entities() {
    let t = Tweet::parse(V1_EXTENDED.as_bytes()).unwrap();
    assert_eq!(t.text, "a long text with #Long and #Tail");
    assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Long", "Tail"]);
}

#[test]
fn parsing_for_counting_keeps_everything_but_author_and_place() {
    for json in [V1_TWEET, V1_EXTENDED, V2_TWEET] {
        let full = Tweet::parse(json.as_bytes()).unwrap();
        let lean = Tweet::parse_for_counting(json.as_bytes()).unwrap();
        assert_eq!(
            (lean.id, lean.created_at_ms, &lean.text, lean.is_retweet),
            (full.id, full.created_at_ms, &full.text, full.is_retweet)
        );
        assert!(lean.hashtags().eq(full.hashtags()));
        assert_eq!(full.user().is_some(), json != V1_EXTENDED, "{json}");
        let screen_name = lean.user().and_then(|u| u.screen_name);
        assert_eq!((screen_name, lean.place()), (None, None));
    }
}

#[test]
fn parses_v2_with_includes() {
    let t = Tweet::parse(V2_TWEET.as_bytes()).unwrap();
    assert_eq!(t.shape, Shape::V2);
    assert_eq!(t.id, 1_445_880_548_472_328_192);
    assert_eq!(t.created_at_ms, Some(1_633_558_764_000));
    assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Kafka", "RustLang"]);
    let user = t.user().unwrap();
    assert_eq!(user.id, "2244994945");
    assert_eq!(user.screen_name.as_deref(), Some("TwitterDev"));
    assert_eq!(t.place().unwrap().country_code.as_deref(), Some("US"));
    assert!(t.is_retweet);
}

#[test]
fn without_entities_hashtags_come_from_text() {
    let t = Tweet::parse(br##"{"id_str":"1","text":"no entities #Here and #there"}"##).unwrap();
    assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Here", "there"]);
    assert_eq!(t.created_at_ms, None);
    let t = Tweet::parse(br##"{"data":{"id":"2","text":"v2 #Tag"}}"##).unwrap();
    assert_eq!(t.hashtags().collect::<Vec<_>>(), ["Tag"]);
}

#[test]
fn entities_without_hashtags_means_none() {
    let t = Tweet::parse(br##"{"id_str":"1","text":"#notag","entities":{"urls":[]}}"##).unwrap();
    assert_eq!(t.hashtags().count(), 0);
}

#[test]
fn retweet_flag_v1() {
    let t = Tweet::parse(
        br##"{"id_str":"1","text":"RT @a: hi","retweeted_status":{"id_str":"0","text":"hi"}}"##,
    )
    .unwrap();
    assert!(t.is_retweet);
}

#[test]
fn escaped_text_is_decoded() {
    let t = Tweet::parse(br##"{"id_str":"1","text":"caf\u00e9 #caf\u00e9"}"##).unwrap();
    assert_eq!(t.text, "café #café");
    assert_eq!(t.hashtags().collect::<Vec<_>>(), ["café"]);
}

#[test]
fn bad_input_is_a_clear_error() {
    let cases: [(&[u8], &str); 8] = [
        (b"", "invalid tweet JSON"),
        (b"{\"id_str\":\"1\",\"text\":\"trunc", "invalid tweet JSON"),
        (b"not json", "invalid tweet JSON"),
        (b"[1,2]", "not a tweet: a JSON array"),
        (br#"{"delete":{"status":{"id":1}}}"#, "not a tweet"),
        (br#"{"id_str":"x1","text":"t"}"#, "invalid tweet id \"x1\""),
        (
            br#"{"id_str":"1","text":"t","created_at":"soon"}"#,
            "unrecognised created_at",
        ),
        (br#"{"id_str":"1","text":5}"#, "invalid type"),
    ];
    for (input, expected) in cases {
        let err = Report(&Tweet::parse(input).unwrap_err()).to_string();
        assert!(err.contains(expected), "{input:?}: {err}");
    }
    assert!(Tweet::parse(b"\xff\xfe").is_err());
}

/// What one input of the bad-input catalogue must give.
enum Outcome {
    /// A tweet (odd, but usable) with this id, `created_at` and number of hashtags.
    Parsed {
        id: u64,
        created_at_ms: Option<i64>,
        hashtags: usize,
    },
    /// Rejected as this kind of error, its message containing this.
    Rejected(fn(&ParseError) -> bool, &'static str),
}
use Outcome::{Parsed, Rejected};

fn empty(e: &ParseError) -> bool {
    matches!(e, ParseError::Empty)
}
fn json(e: &ParseError) -> bool {
    matches!(e, ParseError::Json { .. })
}
fn not_a_tweet(e: &ParseError) -> bool {
    matches!(e, ParseError::NotATweet(_))
}
fn bad_id(e: &ParseError) -> bool {
    matches!(e, ParseError::BadId(_))
}
fn bad_created_at(e: &ParseError) -> bool {
    matches!(e, ParseError::BadCreatedAt(_))
}

/// A v1.1 tweet with id 1, text "t" and these extra fields (starting with a comma).
fn v1_with(fields: &str) -> Vec<u8> {
    format!(r#"{{"id_str":"1","text":"t"{fields}}}"#).into_bytes()
}

fn v1_created_at(created_at: &str) -> Vec<u8> {
    v1_with(&format!(r#","created_at":"{created_at}""#))
}

/// One input per kind of bad message the consumer can meet on `raw-twitter`, with what
/// both parsers must say. Each runs in linear time: the 2 MB cases would take minutes if
/// any step were quadratic.
fn catalogue() -> Vec<(&'static str, Vec<u8>, Outcome)> {
    let big = 2 << 20;
    let thousand_entities = (0..1000)
        .map(|i| format!(r#"{{"text":"tag{i}"}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let thousand_in_text = (0..1000).map(|i| format!("#tag{i}")).collect::<Vec<_>>();
    vec![
            ("empty", b"".to_vec(), Rejected(empty, "invalid tweet JSON: empty message")),
            ("blank", b" \r\n\t".to_vec(), Rejected(empty, "invalid tweet JSON: empty message")),
            ("not JSON", b"hello".to_vec(), Rejected(json, "invalid tweet JSON: expected value at line 1 column 1")),
            ("malformed: missing comma", br#"{"id_str":"1" "text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: expected `,` or `}` at line 1 column 15")),
            ("malformed: trailing garbage", br#"{"id_str":"1","text":"t"} x"#.to_vec(), Rejected(json, "invalid tweet JSON: trailing characters at line 1 column 27")),
            ("two tweets in one message", br#"{"id_str":"1","text":"t"}{"id_str":"2","text":"u"}"#.to_vec(), Rejected(json, "invalid tweet JSON: trailing characters")),
            ("truncated in a string", V1_TWEET.as_bytes()[..120].to_vec(), Rejected(json, "invalid tweet JSON: text: EOF while parsing a string at line 1 column 120")),
            ("truncated after a key", br#"{"id_str":"1","text":"#.to_vec(), Rejected(json, "invalid tweet JSON: text: EOF while parsing a value at line 1 column 21")),
            ("truncated v2", V2_TWEET.as_bytes()[..60].to_vec(), Rejected(json, "invalid tweet JSON: data.text: EOF while parsing a string")),
            ("invalid UTF-8 alone", b"\xff\xfe".to_vec(), Rejected(json, "invalid tweet JSON: expected value at line 1 column 1")),
            ("invalid UTF-8 in the text", b"{\"id_str\":\"1\",\"text\":\"caf\xe9\"}".to_vec(), Rejected(json, "invalid tweet JSON: text: invalid unicode code point at line 1 column 26")),
            ("a UTF-8 byte order mark", [&b"\xef\xbb\xbf"[..], &v1_with("")].concat(), Rejected(json, "invalid tweet JSON: expected value at line 1 column 1")),
            ("a lone surrogate escape", br#"{"id_str":"1","text":"\ud800"}"#.to_vec(), Rejected(json, "invalid tweet JSON: text: unexpected end of hex escape at line 1 column 29")),
            ("a raw control character in a string", b"{\"id_str\":\"1\",\"text\":\"a\nb\"}".to_vec(), Rejected(json, "invalid tweet JSON: text: control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0")),
            ("2 MB tweet text", format!(r#"{{"id_str":"1","text":"{}"}}"#, "word #tag ".repeat(big / 10)).into_bytes(), Parsed { id: 1, created_at_ms: None, hashtags: big / 10 }),
            ("2 MB run of URL-like hashtags", format!(r#"{{"id_str":"1","text":"{}"}}"#, "/#a".repeat(big / 3)).into_bytes(), Parsed { id: 1, created_at_ms: None, hashtags: big / 3 }),
            ("2 MB id", format!(r#"{{"id_str":"{}","text":"t"}}"#, "9".repeat(big)).into_bytes(), Rejected(bad_id, r#"invalid tweet id "9999999999999999999999999999999999999999999999999999999999999999"… (2097152 bytes)"#)),
            ("2 MB created_at", v1_created_at(&"x".repeat(big)), Rejected(bad_created_at, "unrecognised created_at \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"… (2097152 bytes) (expected e.g.")),
            ("2 MB string for a number", format!(r#"{{"id":"{}","text":"t"}}"#, "x".repeat(big)).into_bytes(), Rejected(json, "invalid tweet JSON: id: invalid type: string \"xxx")),
            ("2 MB of nested arrays", "[".repeat(big).into_bytes(), Rejected(not_a_tweet, "not a tweet: a JSON array, not an object")),
            ("2 MB of nesting in a skipped object", v1_with(&format!(r#","user":{}{}"#, "[".repeat(big / 2), "]".repeat(big / 2))), Parsed { id: 1, created_at_ms: None, hashtags: 0 }),
            ("missing text", br#"{"id_str":"1"}"#.to_vec(), Rejected(not_a_tweet, "not a tweet: an object with an id but no text")),
            ("missing id", br#"{"text":"t"}"#.to_vec(), Rejected(not_a_tweet, "not a tweet: an object with text but no id")),
            ("v2 missing id", br#"{"data":{"text":"t"}}"#.to_vec(), Rejected(json, "invalid tweet JSON: data: missing field `id`")),
            ("v2 missing text", br#"{"data":{"id":"1"}}"#.to_vec(), Rejected(json, "invalid tweet JSON: data: missing field `text`")),
            ("id_str a number", br#"{"id_str":1,"text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id_str: invalid type: integer `1`, expected a string")),
            ("id a string", br#"{"id":"1","text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id: invalid type: string \"1\", expected u64")),
            ("id negative", br#"{"id":-1,"text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id: invalid value: integer `-1`, expected u64")),
            ("id past u64", br#"{"id":18446744073709551616,"text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: id: invalid type: floating point")),
            ("id_str not a number", br#"{"id_str":"12a","text":"t"}"#.to_vec(), Rejected(bad_id, r#"invalid tweet id "12a""#)),
            ("id_str with a newline", br#"{"id_str":"1\n2","text":"t"}"#.to_vec(), Rejected(bad_id, r#"invalid tweet id "1\n2""#)),
            ("v2 id a number", br#"{"data":{"id":1,"text":"t"}}"#.to_vec(), Rejected(json, "invalid tweet JSON: data.id: invalid type: integer `1`, expected a string")),
            ("text a number", br#"{"id_str":"1","text":5}"#.to_vec(), Rejected(json, "invalid tweet JSON: text: invalid type: integer `5`, expected a string")),
            ("text null", br#"{"id_str":"1","text":null}"#.to_vec(), Rejected(not_a_tweet, "not a tweet: an object with an id but no text")),
            ("hashtags not a list", v1_with(r#","entities":{"hashtags":"x"}"#), Rejected(json, "invalid tweet JSON: entities.hashtags: invalid type: string \"x\", expected a sequence")),
            ("a hashtag entity without text", v1_with(r#","entities":{"hashtags":[{"text":"a"},{"indices":[0,1]}]}"#), Rejected(json, "invalid tweet JSON: entities.hashtags[1]: missing field `text`")),
            ("a duplicate field", br#"{"id_str":"1","id_str":"2","text":"t"}"#.to_vec(), Rejected(json, "invalid tweet JSON: duplicate field `id_str` at line 1 column 22")),
            ("v1 delete notice", br#"{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"},"timestamp_ms":"1"}}"#.to_vec(), Rejected(not_a_tweet, r#"not a tweet: an object with no id and no text (keys: "delete")"#)),
            ("v1 limit notice", br#"{"limit":{"track":42,"timestamp_ms":"1"}}"#.to_vec(), Rejected(not_a_tweet, r#"not a tweet: an object with no id and no text (keys: "limit")"#)),
            ("v2 errors", br#"{"errors":[{"title":"operational-disconnect"}]}"#.to_vec(), Rejected(not_a_tweet, r#"(keys: "errors")"#)),
            ("many keys", br#"{"a":1,"b\n":2,"c":3,"d":4,"e":5}"#.to_vec(), Rejected(not_a_tweet, r#"(keys: "a", "b\n", "c", and 2 more)"#)),
            ("an empty object", b"{}".to_vec(), Rejected(not_a_tweet, "not a tweet: an object with no id and no text (keys: none)")),
            ("an empty array", b"[]".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON array, not an object")),
            ("a number", b"42".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON number, not an object")),
            ("a negative number", b" -1.5".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON number, not an object")),
            ("a string", br#""str""#.to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON string, not an object")),
            ("null", b"null".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON null, not an object")),
            ("a boolean", b"true".to_vec(), Rejected(not_a_tweet, "not a tweet: a JSON boolean, not an object")),
            ("1,000 hashtag entities", v1_with(&format!(r#","entities":{{"hashtags":[{thousand_entities}]}}"#)), Parsed { id: 1, created_at_ms: None, hashtags: 1000 }),
            ("an empty hashtag entity", v1_with(r#","entities":{"hashtags":[{"text":""},{"text":"a"}]}"#), Parsed { id: 1, created_at_ms: None, hashtags: 1 }),
            ("1,000 hashtags in the text", format!(r#"{{"id_str":"1","text":"{}"}}"#, thousand_in_text.join(" ")).into_bytes(), Parsed { id: 1, created_at_ms: None, hashtags: 1000 }),
            ("year 0, v1.1", v1_created_at("Sat Jan 01 00:00:00 +0000 0000"), Parsed { id: 1, created_at_ms: Some(-62_167_219_200_000), hashtags: 0 }),
            ("year 0, v2", br#"{"data":{"id":"1","text":"t","created_at":"0000-01-01T00:00:00.000Z"}}"#.to_vec(), Parsed { id: 1, created_at_ms: Some(-62_167_219_200_000), hashtags: 0 }),
            ("year 9999", v1_created_at("Fri Dec 31 23:59:59 +0000 9999"), Parsed { id: 1, created_at_ms: Some(253_402_300_799_000), hashtags: 0 }),
            ("year 10000", v1_created_at("10000-01-01T00:00:00Z"), Rejected(bad_created_at, r#"unrecognised created_at "10000-01-01T00:00:00Z""#)),
            ("a negative year", v1_created_at("-0001-01-01T00:00:00Z"), Rejected(bad_created_at, r#"unrecognised created_at "-0001-01-01T00:00:00Z""#)),
            ("negative epoch seconds", v1_created_at("-1"), Rejected(bad_created_at, r#"unrecognised created_at "-1""#)),
            ("non-numeric", v1_created_at("yesterday"), Rejected(bad_created_at, r#"unrecognised created_at "yesterday""#)),
            ("empty created_at", v1_created_at(""), Rejected(bad_created_at, r#"unrecognised created_at """#)),
            ("epoch seconds as a number", v1_with(r#","created_at":1539202764"#), Rejected(json, "invalid tweet JSON: created_at: invalid type: integer `1539202764`, expected a string")),
            ("created_at null", v1_with(r#","created_at":null"#), Parsed { id: 1, created_at_ms: None, hashtags: 0 }),
            ("Feb 30", v1_created_at("Fri Feb 30 00:00:00 +0000 2024"), Rejected(bad_created_at, "unrecognised created_at")),
        ]
}

#[test]
fn the_bad_input_catalogue_gives_clear_errors_in_linear_time() {
    let mut failures = Vec::new();
    for (name, input, outcome) in catalogue() {
        for parser in ["parse", "parse_for_counting"] {
            let started = std::time::Instant::now();
            let result = if parser == "parse" {
                Tweet::parse(&input)
            } else {
                Tweet::parse_for_counting(&input)
            };
            let hashtags = result
                .as_ref()
                .map_or(0, |t| t.hashtags().map(hashtag::fold).count());
            let elapsed = started.elapsed();
            let failure = match (&outcome, result) {
                _ if elapsed.as_secs() >= 10 => Some(format!("took {elapsed:?}")),
                (
                    Parsed {
                        id,
                        created_at_ms,
                        hashtags: n,
                    },
                    Ok(t),
                ) => {
                    let got = (t.id, t.created_at_ms, hashtags);
                    (got != (*id, *created_at_ms, *n)).then(|| format!("parsed as {got:?}"))
                }
                (Rejected(variant, expected), Err(e)) => {
                    let message = Report(&e).to_string();
                    if !variant(&e) {
                        Some(format!("wrong kind of error: {e:?}"))
                    } else if !message.contains(expected)
                        || message.contains('\n')
                        || message.chars().count() > 350
                    {
                        Some(format!("{message:?} (expected {expected:?})"))
                    } else {
                        None
                    }
                }
                (_, Ok(t)) => Some(format!("parsed, id {}", t.id)),
                (_, Err(e)) => Some(format!("rejected: {e}")),
            };
            if let Some(failure) = failure {
                failures.push(format!("{name} ({parser}): {failure}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `parse_for_counting` skips the author without checking its text, so broken bytes there
/// cost nothing to the counting; `parse` keeps the author and rejects them.
#[test]
fn invalid_utf8_in_the_author_fails_only_the_full_parse() {
    let input = b"{\"id_str\":\"1\",\"text\":\"#t\",\"user\":{\"name\":\"\xff\"}}";
    let err = Report(&Tweet::parse(input).unwrap_err()).to_string();
    assert_eq!(
        err,
        "invalid tweet JSON: user: invalid unicode code point at line 1 column 43"
    );
    let lean = Tweet::parse_for_counting(input).unwrap();
    assert_eq!(lean.hashtags().collect::<Vec<_>>(), ["t"]);
}

/// Everything a parse gives the pipeline, errors included, to compare the two paths.
fn summary(result: Result<Tweet<'_>, ParseError>) -> String {
    match result {
        Ok(t) => format!(
            "{:?} {} {:?} {:?} borrowed={} {:?} {:?} {} {:?} {:?}",
            t.shape,
            t.id,
            t.created_at_ms,
            t.text,
            matches!(t.text, Cow::Borrowed(_)),
            t.hashtags().collect::<Vec<_>>(),
            t.lang,
            t.is_retweet,
            t.completeness,
            t.user().map(|u| u.id),
        ),
        Err(e) => format!("{e:?}"),
    }
}

/// What `parse_for_counting` gives, against serde_json's reading of the same bytes.
fn both_paths(bytes: &[u8]) -> (String, String) {
    (
        summary(Tweet::parse_for_counting(bytes)),
        summary(Tweet::parse_keeping::<IgnoredAny>(bytes)),
    )
}

#[test]
fn the_fast_path_reads_the_examples_as_serde_json_does() {
    for json in [V1_TWEET, V1_EXTENDED, V2_TWEET] {
        assert!(lean_wire(json.as_bytes()).is_some(), "{json}");
        let (fast, serde) = both_paths(json.as_bytes());
        assert_eq!(fast, serde);
    }
    for (name, input, _) in catalogue() {
        let (fast, serde) = both_paths(&input);
        assert_eq!(fast, serde, "{name}");
    }
}

#[test]
fn the_fast_path_leaves_the_unusual_to_serde_json() {
    let cases: [&[u8]; 8] = [
        br#"{"id_str":"1","te\u0078t":"escaped key"}"#,
        br#"{"id_str":"1","text":"t","text":"twice"}"#,
        br#"{"id_str":"1","text":null,"text":"t"}"#,
        br#"{"id_str":"1","text":"t","entities":{"hashtags":[{"text":"a","tag":"b"}]}}"#,
        br#"{"id_str":"1","text":"t","entities":[[{"text":"a"}]]}"#,
        br#"{"id":1.0,"text":"t"}"#,
        br#"{"id":012,"text":"t"}"#,
        br#"["1","t"]"#,
    ];
    for input in cases {
        assert!(
            lean_wire(input).is_none(),
            "{}",
            String::from_utf8_lossy(input)
        );
        let (fast, serde) = both_paths(input);
        assert_eq!(fast, serde);
    }
}

#[test]
fn numeric_ids_are_read_as_serde_json_reads_a_u64() {
    let max = format!("{}", u64::MAX);
    for (id, fits) in [
        ("9999999999999999999", true),
        (max.as_str(), true),
        ("18446744073709551616", false),
        ("99999999999999999999", false),
        ("184467440737095516150", false),
    ] {
        let input = format!(r#"{{"id":{id},"text":"t"}}"#);
        let (fast, serde) = both_paths(input.as_bytes());
        assert_eq!(fast, serde, "{id}");
        let read = lean_wire(input.as_bytes()).and_then(|wire| wire.id);
        assert_eq!(read, fits.then(|| id.parse().unwrap()), "{id}");
    }
}

/// A top-level member: a field the parser reads, of the right type or not, or any other.
fn member() -> impl Strategy<Value = (String, String)> {
    use crate::json_scan::tests::{json_value, key};
    let text = "[a-z #\u{e9}\u{65e5}\"\\\\\n]{0,20}|#[a-zA-Z]{1,8}";
    let tag = text.prop_map(|t| serde_json::json!({ "text": t, "indices": [0, 1] }));
    let well_typed = prop_oneof![
        "[0-9]{1,20}".prop_map(|id| ("id_str".to_owned(), serde_json::json!(id))),
        any::<u64>().prop_map(|id| ("id".to_owned(), serde_json::json!(id))),
        text.prop_map(|t| ("text".to_owned(), serde_json::json!(t))),
        any::<bool>().prop_map(|utc| {
            let at = if utc {
                "Wed Oct 10 20:19:24 +0000 2018"
            } else {
                "2021-10-06T22:19:24.000Z"
            };
            ("created_at".to_owned(), serde_json::json!(at))
        }),
        prop::collection::vec(tag, 0..4).prop_map(|tags| {
            (
                "entities".to_owned(),
                serde_json::json!({ "hashtags": tags, "urls": [] }),
            )
        }),
        (text, prop::collection::vec("[a-z]{1,5}", 0..3)).prop_map(|(t, tags)| {
            let tags: Vec<_> = tags
                .iter()
                .map(|t| serde_json::json!({ "tag": t }))
                .collect();
            let data =
                serde_json::json!({ "id": "7", "text": t, "entities": { "hashtags": tags } });
            ("data".to_owned(), data)
        }),
        json_value().prop_map(|v| ("user".to_owned(), v)),
        (text, any::<bool>()).prop_map(|(t, retweet)| {
            let mut data = serde_json::json!({ "id": "8", "text": t });
            if retweet {
                data["referenced_tweets"] = serde_json::json!([{ "type": "retweeted", "id": "1" }]);
            }
            ("data".to_owned(), data)
        }),
        (text, json_value(), any::<bool>()).prop_map(|(t, users, first)| {
            let original = serde_json::json!({
                "id": "1", "text": t, "entities": { "hashtags": [{ "tag": "orig" }] }
            });
            let includes = match first {
                true => serde_json::json!({ "tweets": [original], "users": users }),
                false => serde_json::json!({ "users": users, "tweets": [{ "id": "2", "text": "" }, original] }),
            };
            ("includes".to_owned(), includes)
        }),
        any::<bool>().prop_map(|cut| ("truncated".to_owned(), serde_json::json!(cut))),
        "[a-z]{2}|und".prop_map(|lang| ("lang".to_owned(), serde_json::json!(lang))),
        original().prop_map(|o| ("retweeted_status".to_owned(), o)),
    ];
    prop_oneof![
        3 => well_typed,
        1 => (key(), json_value()),
    ]
    .prop_map(|(k, v)| {
        (
            serde_json::to_string(&k).unwrap(),
            serde_json::to_string(&v).unwrap(),
        )
    })
}

/// A retweet's original: any of the fields the parser reads of it, or none.
fn original() -> impl Strategy<Value = serde_json::Value> {
    let tags = prop::collection::vec("[a-zA-Z]{1,8}", 0..3).prop_map(|tags| {
        let tags: Vec<_> = tags
            .iter()
            .map(|t| serde_json::json!({ "text": t }))
            .collect();
        serde_json::json!({ "hashtags": tags })
    });
    let long = ("[a-z #]{0,20}", tags.clone())
        .prop_map(|(t, e)| serde_json::json!({ "full_text": t, "entities": e }));
    (
        prop::option::of("[a-z #\u{e9}]{0,20}"),
        prop::option::of(any::<bool>()),
        prop::option::of(long),
        prop::option::of(tags),
        prop::option::of("[a-z]{2}|und"),
    )
        .prop_map(|(text, truncated, extended, entities, lang)| {
            let mut o = serde_json::json!({ "id_str": "0" });
            let fields = [
                ("text", text.map(serde_json::Value::from)),
                ("truncated", truncated.map(serde_json::Value::from)),
                ("extended_tweet", extended),
                ("entities", entities),
                ("lang", lang.map(serde_json::Value::from)),
            ];
            for (name, value) in fields {
                if let Some(value) = value {
                    o[name] = value;
                }
            }
            o
        })
}

/// A message of such members (repeats possible), written out by hand so that keys can
/// repeat, with optional whitespace between the tokens of the top level.
fn message() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(member(), 0..8), any::<bool>()).prop_map(|(members, spaced)| {
        let gap = if spaced { " \n\t" } else { "" };
        let members: Vec<_> = members
            .iter()
            .map(|(k, v)| format!("{gap}{k}{gap}:{gap}{v}{gap}"))
            .collect();
        format!("{gap}{{{}}}{gap}", members.join(",")).into_bytes()
    })
}

proptest! {
    #[test]
    fn the_fast_path_agrees_with_serde_json(
        message in message(),
        changes in crate::json_scan::tests::changes(),
    ) {
        let bytes = changes.into_iter().fold(message, crate::json_scan::tests::mutate);
        let (fast, serde) = both_paths(&bytes);
        prop_assert_eq!(fast, serde, "{}", String::from_utf8_lossy(&bytes));
    }

    /// Well-formed tweets take the fast path: the test above would pass vacuously if it
    /// always gave up.
    #[test]
    fn well_formed_tweets_take_the_fast_path(
        id in "[1-9][0-9]{0,18}",
        text in "[a-z #\u{e9}\u{65e5}]{0,40}",
        tags in prop::collection::vec("[a-zA-Z]{1,8}", 0..4),
        user in crate::json_scan::tests::json_value(),
    ) {
        let tags: Vec<_> = tags.iter().map(|t| serde_json::json!({ "text": t, "indices": [0, 1] })).collect();
        let tweet = serde_json::json!({
            "id": id.parse::<u64>().unwrap(), "id_str": id, "text": text, "lang": "en",
            "created_at": "Wed Oct 10 20:19:24 +0000 2018", "user": user,
            "entities": { "hashtags": tags, "urls": [], "user_mentions": [] },
        });
        let bytes = serde_json::to_vec(&tweet).unwrap();
        let deep = serde_json::to_string(&tweet["user"]).unwrap().matches(['[', '{']).count() > 64;
        prop_assert!(deep || lean_wire(&bytes).is_some(), "{tweet}");
    }
}
