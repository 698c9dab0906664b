//! Delete notices and stall warnings between the tweets of a v1.1 stream, when asked for.

use super::*;
use crate::source::notice::NoticeKind;

fn with_notices(shape: TweetShape) -> SyntheticConfig {
    SyntheticConfig {
        shape,
        stream_notices: true,
        ..config(42)
    }
}

/// The first `n` tweets of `config`'s stream and the notices among them.
fn stream(config: SyntheticConfig, n: usize) -> Vec<Event> {
    let mut seen = 0;
    Synthetic::new(config)
        .take_while(|event| {
            seen += usize::from(matches!(event, Event::Tweet(_)));
            seen <= n
        })
        .collect()
}

#[test]
fn a_v1_stream_has_the_odd_delete_notice_and_stall_warning_between_its_tweets() {
    let events = stream(with_notices(TweetShape::V1), SAMPLE_SIZE);
    let (mut deletes, mut warnings) = (0, 0);
    for (i, event) in events.iter().enumerate() {
        let Event::Notice(notice) = event else {
            continue;
        };
        assert!(
            i > 0 && matches!(events[i - 1], Event::Tweet(_)),
            "after a tweet"
        );
        assert_eq!(notice.position, None);
        let message: Value = serde_json::from_slice(&notice.payload).expect("JSON");
        match notice.kind {
            NoticeKind::Delete => {
                deletes += 1;
                let status = &message["delete"]["status"];
                let id = status["id"].as_u64().expect("id");
                assert_eq!(str_field(status, "id_str"), id.to_string());
                let user_id = status["user_id"].as_u64().expect("user_id");
                assert_eq!(str_field(status, "user_id_str"), user_id.to_string());
                str_field(&message["delete"], "timestamp_ms");
            }
            NoticeKind::StallWarning => {
                warnings += 1;
                let warning = &message["warning"];
                assert_eq!(warning["code"], "FALLING_BEHIND");
                let percent = warning["percent_full"].as_u64().expect("percent_full");
                assert!((60..=90).contains(&percent));
                assert!(str_field(warning, "message").contains(&format!("{percent}%")));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let delete_share = share(deletes, SAMPLE_SIZE);
    assert!((0.002..=0.01).contains(&delete_share), "{deletes} deletes");
    assert!((1..=10).contains(&warnings), "{warnings} stall warnings");
}

#[test]
fn notices_leave_the_tweets_as_they_were_and_v2_streams_have_none() {
    let tweets_of = |events: Vec<Event>| -> Vec<Record> {
        events
            .into_iter()
            .filter_map(|event| match event {
                Event::Tweet(record) => Some(record),
                Event::Notice(_) => None,
                Event::Rejected { .. } => panic!("the generator rejects nothing"),
            })
            .collect()
    };
    let with = stream(with_notices(TweetShape::V1), 2_000);
    assert!(with.len() > 2_000, "some notices");
    assert_eq!(tweets_of(with), tweets(config(42), 2_000));
    let v2 = stream(with_notices(TweetShape::V2), 2_000);
    assert_eq!(v2.len(), 2_000, "no notices in a v2 stream");
}
