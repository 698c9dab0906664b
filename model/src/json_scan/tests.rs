use super::*;
use proptest::prelude::*;
use serde::de::IgnoredAny;

/// What serde_json says when it ignores the whole input as one value.
fn serde_accepts(bytes: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
}

fn skips_whole(bytes: &[u8]) -> bool {
    let end = value_end(bytes, 0);
    let at = skip_whitespace(bytes, 0);
    if let Some(b'{' | b'[') = bytes.get(at) {
        // Where value_end reads strings with AVX2, sixteen bytes at a time must agree.
        let sixteen = sixteen_container_end(bytes, at);
        assert_eq!(sixteen, end, "{:?}", String::from_utf8_lossy(bytes));
    }
    end.is_some_and(|end| skip_whitespace(bytes, end) == bytes.len())
}

#[test]
fn skips_what_serde_json_ignores_and_rejects_the_rest() {
    let valid = [
        "0",
        "-0.5e+10",
        "123",
        "1E3",
        " true",
        "null",
        r#""""#,
        r#""a\"b\\c\/\b\f\n\r\t\u00e9\uD800""#,
        "\"caf\u{e9} \u{1f600}\"",
        "[]",
        "{}",
        r#"{"a":[1,{"b":null}],"c":{}}"#,
        " [ 1 , \"x\" , [ ] , { } ] ",
        "{ \"k\" : \n\t\r 1 }",
    ];
    for json in valid {
        assert!(serde_accepts(json.as_bytes()), "{json}");
        assert!(skips_whole(json.as_bytes()), "{json}");
    }
    let invalid: [&[u8]; 24] = [
        b"",
        b" ",
        b"01",
        b"-",
        b"1.",
        b".5",
        b"1e",
        b"+1",
        b"tru",
        b"nul",
        b"\"abc",
        b"\"a\x01b\"",
        b"\"\\x\"",
        b"\"\\u12g4\"",
        b"\"\\u12\"",
        b"[1,]",
        b"[,1]",
        b"[1 2]",
        b"{\"a\":1,}",
        b"{\"a\" 1}",
        b"{1:2}",
        b"{\"a\":1]",
        b"[1}",
        b"{\"a\":}",
    ];
    for json in invalid {
        assert!(!serde_accepts(json), "{json:?}");
        assert!(!skips_whole(json), "{json:?}");
    }
}

#[test]
fn invalid_utf8_is_skipped_inside_strings_as_serde_json_does() {
    let json = b"{\"name\":\"\xff\"}";
    assert!(serde_accepts(json));
    assert!(skips_whole(json));
}

#[test]
fn nesting_beyond_the_limit_gives_up() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(skips_whole(nested(MAX_DEPTH as usize).as_bytes()));
    assert_eq!(
        value_end(nested(MAX_DEPTH as usize + 1).as_bytes(), 0),
        None
    );
}

#[test]
fn walks_objects_and_arrays_member_by_member() {
    let json = br#"{"a": [1, 2], "b\u0020": 3}"#;
    let mut keys = Vec::new();
    let end = object_end(json, 0, |key, at| {
        keys.push(String::from_utf8(key.to_vec()).unwrap());
        value_end(json, at)
    });
    assert_eq!(end, None, "an escaped key gives up");
    assert_eq!(keys, ["a"]);

    let json = b"[ 1 , [2] ,3 ]";
    let mut starts = Vec::new();
    let end = array_end(json, 0, |at| {
        starts.push(at);
        value_end(json, at)
    });
    assert_eq!((end, starts), (Some(json.len()), vec![2, 6, 11]));
    assert_eq!(array_end(b"[1,]", 0, |at| value_end(b"[1,]", at)), None);
    assert_eq!(object_end(b"{\"\xff\":1}", 0, |_, at| Some(at + 1)), None);
}

/// A v1.1 tweet as the stream writes it, shortened: escapes, non-ASCII, every kind of value,
/// strings and numbers ending on both sides of sixteen-byte blocks and near the end.
const TWEET: &str = concat!(
    r#"{"created_at":"Thu Jan 01 00:00:00 +0000 2026","id":2006515713441506351,"#,
    r#""id_str":"2006515713441506351","text":"caf\u00e9 \"quoted\" \ud83d\ude00 #TBT","#,
    r#""source":"<a href=\"http://twitter.com\" rel=\"nofollow\">Twitter</a>","#,
    r#""truncated":false,"in_reply_to_status_id":null,"#,
    r#""user":{"id":3319830775,"name":"伊藤翔太 😎","protected":false,"verified":true,"#,
    r#""followers_count":94,"friends_count":-2,"listed_count":0,"score":-0.5e+10,"#,
    r#""ratio":1.25,"big":1E3,"profile_background_color":"F5F8FA","url":null},"#,
    r#""coordinates":null,"quote_count":0,"entities":{"hashtags":[{"text":"TBT","#,
    r#""indices":[240,249]}],"urls":[],"user_mentions":[[],{}]},"favorited":false,"#,
    r#""lang":"en","timestamp_ms":"1767225600000"}"#
);

/// Whether `object_end` walks the whole message, every member skipped with `value_end`.
fn walks_whole(bytes: &[u8]) -> bool {
    object_end(bytes, skip_whitespace(bytes, 0), |_, at| {
        value_end(bytes, at)
    })
    .is_some_and(|end| skip_whitespace(bytes, end) == bytes.len())
}

#[test]
fn every_cut_of_a_tweet_is_rejected() {
    let tweet = TWEET.as_bytes();
    assert!(serde_accepts(tweet) && skips_whole(tweet) && walks_whole(tweet));
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_str::<serde_json::Value>(TWEET).unwrap())
            .unwrap();
    assert!(skips_whole(&pretty) && walks_whole(&pretty));
    for json in [tweet, &pretty] {
        for cut in 0..json.len() {
            let bytes = &json[..cut];
            assert!(!serde_accepts(bytes));
            assert!(!skips_whole(bytes) && !walks_whole(bytes), "{cut}");
        }
    }
}

#[test]
fn whitespace_anywhere_in_a_tweet_as_serde_json_says() {
    let tweet = TWEET.as_bytes();
    for at in 0..=tweet.len() {
        for space in [b' ', b'\n', b'\t', b'\r'] {
            let mut bytes = tweet.to_vec();
            bytes.insert(at, space);
            let expected = serde_accepts(&bytes);
            assert_eq!(skips_whole(&bytes), expected, "{space} at {at}");
            assert_eq!(walks_whole(&bytes), expected, "{space} at {at}");
            // And the byte that was there overwritten, e.g. `,` or `:` turned into whitespace.
            if at < tweet.len() {
                bytes.remove(at + 1);
                let expected = serde_accepts(&bytes);
                assert_eq!(skips_whole(&bytes), expected, "{space} over {at}");
                assert_eq!(walks_whole(&bytes), expected, "{space} over {at}");
            }
        }
    }
}

/// Any JSON value, its keys often the names the tweet parser looks for.
pub(crate) fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        "[\"\\\\\u{0}-\u{1f}#a\u{e9}\u{1f600}]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// An object key: one the tweet parser knows, or any.
pub(crate) fn key() -> impl Strategy<Value = String> {
    const KNOWN: [&str; 20] = [
        "id",
        "id_str",
        "text",
        "full_text",
        "created_at",
        "lang",
        "entities",
        "hashtags",
        "tag",
        "extended_tweet",
        "data",
        "includes",
        "user",
        "place",
        "coordinates",
        "retweeted_status",
        "note_tweet",
        "referenced_tweets",
        "type",
        "urls",
    ];
    prop_oneof![
        3 => prop::sample::select(&KNOWN[..]).prop_map(String::from),
        1 => "\\PC{0,6}",
    ]
}

/// A change to a message: cut it, or delete, insert or overwrite one byte.
pub(crate) fn mutate(mut bytes: Vec<u8>, (kind, at, byte): (u8, usize, u8)) -> Vec<u8> {
    let at = at % (bytes.len() + 1);
    match kind % 4 {
        0 => bytes.truncate(at),
        1 if at < bytes.len() => drop(bytes.remove(at)),
        2 => bytes.insert(at, byte),
        _ if at < bytes.len() => bytes[at] = byte,
        _ => {}
    }
    bytes
}

/// Up to three changes for [`mutate`], inserting bytes that matter to JSON's grammar.
pub(crate) fn changes() -> impl Strategy<Value = Vec<(u8, usize, u8)>> {
    let byte = prop::sample::select(b"{}[],:\"\\ 0123456789-.etnulx\x01\xff\xe9a#".to_vec());
    prop::collection::vec((0u8..4, any::<usize>(), byte), 0..3)
}

/// Bytes that matter to JSON's grammar, and a few that do not.
fn json_ish() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop::sample::select(b"{}[],:\"\\ \n0123456789-+.eEtrufalsn/bu\x01\xffa".to_vec());
    prop::collection::vec(byte, 0..40)
}

/// A string's raw bytes between its quotes: plain, escapes valid and not, control
/// characters, quotes, non-ASCII and invalid UTF-8.
fn string_ish() -> impl Strategy<Value = Vec<u8>> {
    concatenated(
        vec![
            &b"a"[..],
            b"abcdefgh",
            b"\"",
            b"\\",
            b"\\\"",
            b"\\\\",
            b"\\n",
            b"\\/",
            b"\\u00e9",
            b"\\uD83D",
            b"\\u12g4",
            b"\\x",
            b"\x01",
            b"\x1f",
            b"\t",
            b" ",
            b"\x7f",
            b"\xc3\xa9",
            b"\xff",
        ],
        0..24,
    )
}

/// A `count` of `pieces`, chosen with repetition, one after the other.
fn concatenated(
    pieces: Vec<&'static [u8]>,
    count: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(pieces), count).prop_map(|p| p.concat())
}

/// A number's raw bytes: valid and not (signs, leading zeros, fractions and exponents cut
/// short, runs of digits longer than a window's rest).
fn number_ish() -> impl Strategy<Value = Vec<u8>> {
    concatenated(
        vec![
            &b"-"[..],
            b"0",
            b"7",
            b"123456789",
            b"1234567890123456789012345",
            b".",
            b"e",
            b"E",
            b"+",
            b"x",
        ],
        1..6,
    )
}

/// `value` in an array after a string of `filler` bytes: the container walk's window
/// starts in that string, so `value` lands at every offset in and past it.
fn after_a_filler(filler: usize, value: &[u8], close: bool) -> Vec<u8> {
    let end: &[u8] = if close { b"]" } else { b",0]" };
    [&b"[\""[..], &b"f".repeat(filler), b"\",", value, end].concat()
}

proptest! {
    #[test]
    fn strings_end_where_serde_json_says_at_every_window_offset(
        filler in 0..140usize,
        content in string_ish(),
        close: bool,
    ) {
        let bytes = after_a_filler(filler, &[b"\"", &content[..], b"\""].concat(), close);
        prop_assert_eq!(skips_whole(&bytes), serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn numbers_end_where_serde_json_says_at_every_window_offset(
        filler in 0..140usize,
        number in number_ish(),
        close: bool,
    ) {
        let bytes = after_a_filler(filler, &number, close);
        prop_assert_eq!(skips_whole(&bytes), serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn the_digit_masks_flag_exactly_the_digits(block: [u8; 32]) {
        let sixteen = Sixteen.digit_mask(&block[..16]) | Sixteen.digit_mask(&block[16..]) << 16;
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = Avx2::detect() {
            prop_assert_eq!(avx2.digit_mask(&block), sixteen);
        }
        for (j, &b) in block.iter().enumerate() {
            prop_assert_eq!(sixteen >> j & 1 == 1, b.is_ascii_digit(), "byte {} of {:?}", j, block);
        }
    }

    #[test]
    fn strings_end_where_serde_json_says_at_every_offset(
        before in 0..40usize,
        content in string_ish(),
        after in 0..20usize,
    ) {
        let bytes = [&b" ".repeat(before)[..], b"\"", &content, b"\"", &b" ".repeat(after)].concat();
        prop_assert_eq!(skips_whole(&bytes), serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
        // In a container, the string's end is followed by more than the input's end.
        let bytes = [b"[", &bytes[..], b",0]"].concat();
        prop_assert_eq!(skips_whole(&bytes), serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn object_keys_are_walked_if_and_only_if_they_are_utf8(
        before in 0..20usize,
        key in prop::collection::vec(
            prop::sample::select(vec![&b"a"[..], b"abcdefgh", b"\xc3\xa9", b"\xf0\x9f\x98\x80", b"\xff", b"\xc3"]),
            0..12,
        ),
    ) {
        let key = key.concat();
        let json = [&b"{"[..], &b" ".repeat(before), b"\"", &key, b"\":1,\"after\":\"sixteen bytes or more\"}"].concat();
        let mut keys = Vec::new();
        let end = object_end(&json, 0, |key, at| {
            keys.push(key.to_vec());
            value_end(&json, at)
        });
        let utf8 = std::str::from_utf8(&key).is_ok();
        prop_assert_eq!(end, utf8.then_some(json.len()));
        prop_assert_eq!(keys.first(), utf8.then_some(&key));
    }

    #[test]
    fn whitespace_anywhere_as_serde_json_says(
        value in json_value(),
        spaces in prop::collection::vec((any::<usize>(), prop::sample::select(b" \n\t\r".to_vec())), 1..4),
    ) {
        let mut bytes = serde_json::to_vec(&value).unwrap();
        for (at, space) in spaces {
            bytes.insert(at % (bytes.len() + 1), space);
        }
        prop_assert_eq!(skips_whole(&bytes), serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn never_accepts_what_serde_json_rejects(bytes in json_ish()) {
        if skips_whole(&bytes) {
            prop_assert!(serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn never_accepts_a_changed_value_serde_json_rejects(value in json_value(), changes in changes()) {
        let json = serde_json::to_vec(&value).unwrap();
        let bytes = changes.into_iter().fold(json, mutate);
        if skips_whole(&bytes) {
            prop_assert!(serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn skips_every_value_serde_json_writes(value in json_value(), pretty: bool) {
        let json = if pretty {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        }.unwrap();
        prop_assert!(skips_whole(json.as_bytes()), "{json}");
    }

    #[test]
    fn the_block_masks_flag_exactly_the_special_and_non_ascii_bytes(block: [u8; 16]) {
        let (special, non_ascii) = (special_mask(&block), non_ascii_mask(&block));
        for (j, &b) in block.iter().enumerate() {
            prop_assert_eq!(special >> j & 1 == 1, is_special(b), "byte {} of {:?}", j, block);
            prop_assert_eq!(non_ascii >> j & 1 == 1, !b.is_ascii(), "byte {} of {:?}", j, block);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_masks_flag_exactly_the_special_and_non_ascii_bytes(block: [u8; 32]) {
        if let Some(avx2) = Avx2::detect() {
            let (special, non_ascii) = avx2.masks(&block);
            for (j, &b) in block.iter().enumerate() {
                prop_assert_eq!(special >> j & 1 == 1, is_special(b), "byte {} of {:?}", j, block);
                prop_assert_eq!(non_ascii >> j & 1 == 1, !b.is_ascii(), "byte {} of {:?}", j, block);
            }
        }
    }
}
