use super::*;
use crate::engine::window::Shape;
use model::post::PostId;
use model::report::Report;

const SHAPE: Shape = Shape {
    size_ms: 10_000,
    slide_ms: 10_000,
};

fn options() -> CountOptions {
    CountOptions {
        spec: WindowSpec {
            shapes: vec![SHAPE],
            lateness_ms: 0,
            max_hashtags: 0,
        },
        retweets: RetweetPolicy::Count,
        idle_timeout: Duration::from_secs(10),
        early_updates: None,
        max_message_bytes: 1 << 20,
        max_clock_skew: Duration::from_secs(3600),
        earliest_event_ms: 0,
        sentiment: None,
    }
}

fn tweet(id: u64, secs: i64, text: &str) -> Vec<u8> {
    let created = model::timestamp::format_v1(secs * 1000);
    serde_json::json!({"id_str": id.to_string(), "created_at": created, "text": text, "lang": "en"})
        .to_string()
        .into_bytes()
}

/// (source, window start, final, [(key, count, display)]) of each window message.
type Sent<'a> = (i32, i64, bool, Vec<(&'a str, u64, &'a str)>);

fn windows(messages: &[PartialMessage]) -> Vec<Sent<'_>> {
    messages
        .iter()
        .filter_map(|m| match m {
            PartialMessage::Window {
                source,
                window,
                is_final,
                totals,
            } => Some((
                *source,
                window.start_ms,
                *is_final,
                totals
                    .tags
                    .iter()
                    .map(|t| (t.key.as_str(), t.count, t.display()))
                    .collect(),
            )),
            PartialMessage::Progress { .. } => None,
        })
        .collect()
}

fn progress(messages: &[PartialMessage]) -> Vec<(i32, Option<i64>, bool)> {
    messages
        .iter()
        .filter_map(|m| match *m {
            PartialMessage::Progress {
                source,
                watermark_ms,
                idle,
            } => Some((source, watermark_ms, idle)),
            PartialMessage::Window { .. } => None,
        })
        .collect()
}

#[test]
fn closed_windows_precede_the_progress_that_closes_them() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let _ = p.process(0, 0, Some(&tweet(1, 1, "#Rust #rust #Kafka")), None, t0);
    let _ = p.process(0, 1, Some(&tweet(3, 15, "")), None, t0);
    let out = p.close_ready(t0);
    assert_eq!(
        windows(&out),
        [(0, 0, true, vec![("kafka", 1, "Kafka"), ("rust", 1, "Rust")])],
        "each hashtag once per tweet, spelled as first written"
    );
    assert!(matches!(
        out.last(),
        Some(PartialMessage::Progress {
            watermark_ms: Some(15_000),
            ..
        })
    ));
    assert_eq!(
        p.checkpoints(),
        [(
            0,
            Checkpoint {
                offset: 1,
                watermark_ms: Some(15_000)
            }
        )]
    );
    assert!(
        p.close_ready(t0).is_empty(),
        "nothing new, heartbeat not due"
    );
    assert_eq!(
        progress(&p.close_ready(t0 + HEARTBEAT)),
        [(0, Some(15_000), false)]
    );
}

#[test]
fn with_sentiment_on_every_counted_tweet_is_scored_into_its_windows() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(CountOptions {
        sentiment: Some(Sample::new(1.0)),
        ..options()
    });
    p.assign(0, None, t0);
    p.process(
        0,
        0,
        Some(&tweet(7, 1, "The book was good. #Books")),
        None,
        t0,
    )
    .unwrap();
    p.process(0, 1, Some(&tweet(8, 2, "Today SUX!")), None, t0)
        .unwrap();
    p.process(0, 2, Some(&tweet(9, 15, "")), None, t0).unwrap();
    let out = p.close_ready(t0);
    let Some(PartialMessage::Window { totals, .. }) = out.first() else {
        panic!("a closed window: {out:?}");
    };
    let s = totals.sentiment.as_ref().expect("scored");
    assert_eq!((s.tally.scored, s.tally.sum), (2, 4404 - 5461));
    let best = s.most_positive.as_ref().unwrap();
    assert_eq!(
        (best.id.clone(), best.text.as_str()),
        (PostId::Tweet(7), "The book was good. #Books")
    );
    assert_eq!(s.most_negative.as_ref().unwrap().id, PostId::Tweet(8));
    assert_eq!(totals.tags[0].sentiment.unwrap().sum, 4404);
}

fn tweet_in(lang: &str, id: u64, secs: i64, text: &str) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(&tweet(id, secs, text)).unwrap();
    json["lang"] = lang.into();
    json.to_string().into_bytes()
}

#[test]
fn only_english_tweets_are_scored_and_the_others_counted_as_not_scored() {
    let others = [
        (
            "fr",
            "J'adore ce film, c'est vraiment super ! Bravo à toute l'équipe #cinema",
        ),
        ("ja", "今日は最高の一日でした！みんなありがとう #感謝"),
        ("ar", "يوم رائع مع الأصدقاء، شكرا للجميع #سعادة"),
    ];
    // Scored, the French text would count: VADER knows "super" and "bravo".
    assert!(Score::of(others[0].1).units() > 0);
    let english = [
        "What a wonderful, happy day with friends!",
        "This is awful, I hate waiting in the rain.",
        "The train leaves at noon.",
    ];
    let t0 = Instant::now();
    let mut p = Pipeline::new(CountOptions {
        sentiment: Some(Sample::new(1.0)),
        ..options()
    });
    p.assign(0, None, t0);
    let foreign = others.iter().map(|(lang, text)| (*lang, *text));
    let messages = foreign.chain(english.iter().map(|text| ("en", *text)));
    for (i, (lang, text)) in messages.enumerate() {
        let payload = tweet_in(lang, i as u64 + 1, 1, text);
        p.process(0, i as i64, Some(&payload), None, t0).unwrap();
    }
    p.mark_end(0);
    let out = p.finish_at_end().unwrap();
    let Some(PartialMessage::Window { totals, .. }) = out.first() else {
        panic!("a closed window: {out:?}");
    };
    let s = totals.sentiment.as_ref().expect("sentiment on");
    assert_eq!((s.not_scored_language, s.tally.scored), (3, 3));
    // The extremes are English tweets (ids 4 to 6), never the foreign ones (1 to 3).
    assert_eq!(
        s.most_positive.as_ref().map(|e| e.id.clone()),
        Some(PostId::Tweet(4))
    );
    assert_eq!(
        s.most_negative.as_ref().map(|e| e.id.clone()),
        Some(PostId::Tweet(5))
    );
}

#[test]
fn a_sample_scores_the_same_tweets_however_partitions_are_split() {
    let t0 = Instant::now();
    let sample = Sample::new(0.3);
    let scored = |partitions: i32| {
        let mut p = Pipeline::new(CountOptions {
            sentiment: Some(sample),
            ..options()
        });
        for partition in 0..partitions {
            p.assign(partition, None, t0);
        }
        for id in 0..200u64 {
            let partition = (id % partitions as u64) as i32;
            let payload = tweet(id, 1, "good #a");
            p.process(partition, id as i64, Some(&payload), None, t0)
                .unwrap();
        }
        p.finish_at_end();
        let mut ids = 0;
        for partition in 0..partitions {
            p.mark_end(partition);
        }
        for m in p.finish_at_end().unwrap_or_default() {
            if let PartialMessage::Window { totals, .. } = m {
                let s = totals.sentiment.unwrap_or_default();
                assert_eq!(s.tally.scored, s.tally.positive, "every text is good");
                ids += s.tally.scored;
            }
        }
        ids
    };
    let want = (0..200)
        .filter(|&id| sample.includes(&PostId::Tweet(id)))
        .count() as u64;
    assert!(0 < want && want < 200);
    assert_eq!(scored(1), want);
    assert_eq!(scored(3), want);
}

#[test]
fn an_idle_partition_closes_its_windows_after_the_timeout() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    p.assign(1, None, t0);
    let _ = p.process(0, 0, Some(&tweet(1, 1, "#a")), None, t0);
    p.close_ready(t0);
    p.mark_end(0);
    p.mark_end(1);
    let before = ticks(&mut p, t0, Duration::from_millis(9_900));
    assert!(windows(&before).is_empty());
    let after = p.close_ready(t0 + Duration::from_secs(10));
    assert_eq!(windows(&after).len(), 1);
    assert_eq!(progress(&after), [(0, Some(10_000), true), (1, None, true)]);
    let later = t0 + Duration::from_millis(10_500);
    let _ = p.process(0, 1, Some(&tweet(2, 12, "#b")), None, later);
    let woke = p.close_ready(later);
    assert_eq!(progress(&woke), [(0, Some(12_000), false)]);
}

#[test]
fn time_the_consumer_was_not_reading_is_not_idle_time() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let _ = p.process(0, 0, Some(&tweet(1, 1, "#a")), None, t0);
    p.mark_end(0);
    p.close_ready(t0);
    // Stalled for 9 s (say, serving a rebalance), then reading again.
    let resumed = t0 + Duration::from_secs(9);
    let soon = ticks(&mut p, resumed, Duration::from_millis(9_900));
    assert!(progress(&soon).iter().all(|&(_, _, idle)| !idle));
    assert!(windows(&soon).is_empty());
    let idle = p.close_ready(resumed + Duration::from_secs(10));
    assert_eq!(progress(&idle), [(0, Some(10_000), true)]);
}

/// `close_ready` every 100 ms from `from` for `span`, as the driver calls it.
fn ticks(p: &mut Pipeline, from: Instant, span: Duration) -> Vec<PartialMessage> {
    let step = Duration::from_millis(100);
    let mut out = Vec::new();
    let mut at = from;
    while at <= from + span {
        out.extend(p.close_ready(at));
        at += step;
    }
    out
}

#[test]
fn bad_messages_are_rejected_with_their_reason_and_committed_past() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(CountOptions {
        max_message_bytes: 200,
        earliest_event_ms: 1_000,
        ..options()
    });
    p.assign(0, None, t0);
    p.set_wall_clock(100_000);
    let huge = tweet(9, 1, &"#big ".repeat(60));
    let before = tweet(10, 0, "#old");
    let future = tweet(11, 3_700 + 100, "#future");
    let cases: Vec<(Option<&[u8]>, &str)> = vec![
        (Some(b"{not json"), "invalid tweet JSON"),
        (
            Some(br##"{"id_str":"1","text":"#a","created_at":"Wed Oct 10 20:19:24 +0000 2018""##),
            "invalid tweet JSON",
        ),
        (None, "empty message"),
        (Some(b""), "empty message"),
        (Some(b"\xff\xfe{}"), "invalid tweet JSON"),
        (Some(br#"{"delete":{}}"#), "not a tweet"),
        (Some(br##"{"id_str":5,"text":"#a"}"##), "invalid tweet JSON"),
        (Some(br##"{"id_str":"5","text":"#a"}"##), "no created_at"),
        (Some(&huge), "over the 200-byte limit"),
        (Some(&before), "is before 1970-01-01T00:00:01Z"),
        (Some(&future), "ahead of the clock"),
    ];
    for (offset, (payload, reason)) in cases.iter().enumerate() {
        let rejected = p.process(0, offset as i64, *payload, None, t0).unwrap_err();
        assert!(
            rejected.to_string().contains(reason),
            "{offset}: {rejected}"
        );
    }
    let n = cases.len() as i64;
    p.process(
        0,
        n,
        Some(br##"{"id_str":"6","text":"#b"}"##),
        Some(20_000),
        t0,
    )
    .unwrap();
    assert_eq!(p.stats().rejected, n as u64);
    assert_eq!(p.stats().counted, 1);
    p.close_ready(t0);
    assert_eq!(
        p.checkpoints(),
        [(
            0,
            Checkpoint {
                offset: n,
                watermark_ms: Some(20_000)
            }
        )]
    );
}

/// The dead-letter reason is a rejection with its causes: a parse error's says what exactly is
/// wrong, in the words the message has always had.
#[test]
fn a_rejection_is_reported_with_its_causes() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let cases: [(&[u8], &str); 3] = [
        (b"[1, 2, 3]", "not a tweet: a JSON array, not an object"),
        (
            br#"{"delete":{"status":{"id_str":"4"}}}"#,
            "not a tweet: an object with no id and no text (keys: \"delete\")",
        ),
        (
            br#"{"id_str":5,"text":"x"}"#,
            "invalid tweet JSON: id_str: invalid type: integer `5`, expected a string at line 1 \
             column 11",
        ),
    ];
    for (offset, (payload, reason)) in cases.into_iter().enumerate() {
        let rejected = p
            .process(0, offset as i64, Some(payload), None, t0)
            .unwrap_err();
        assert_eq!(Report(&rejected).to_string(), reason);
    }
}

#[test]
fn a_republished_tweet_counts_once_while_its_window_is_open() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let a = tweet(1, 1, "#a");
    p.process(0, 0, Some(&a), None, t0).unwrap();
    p.process(0, 1, Some(&a), None, t0).unwrap();
    assert_eq!((p.stats().counted, p.stats().duplicates), (1, 1));
    p.process(0, 2, Some(&tweet(2, 15, "")), None, t0).unwrap();
    let out = p.close_ready(t0);
    assert_eq!(windows(&out), [(0, 0, true, vec![("a", 1, "a")])]);
    // Its window closed: the id is forgotten, and another copy is simply late.
    p.process(0, 3, Some(&a), None, t0).unwrap();
    assert_eq!((p.stats().duplicates, p.stats().late), (1, 1));
}

#[test]
fn a_tweet_with_thousands_of_hashtags_counts_each_once() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let text: String = (0..5_000)
        .map(|i| format!("#t{} #T{} ", i % 2_000, i % 2_000))
        .collect();
    p.process(0, 0, Some(&tweet(1, 1, &text)), None, t0)
        .unwrap();
    p.process(0, 1, Some(&tweet(2, 15, "")), None, t0).unwrap();
    let out = p.close_ready(t0);
    let (_, _, _, tags) = &windows(&out)[0];
    assert_eq!(tags.len(), 2_000);
    assert!(tags
        .iter()
        .all(|(_, n, display)| *n == 1 && display.starts_with('t')));
}

#[test]
fn retweets_count_once_or_are_skipped_as_configured() {
    let t0 = Instant::now();
    let rt = br##"{"id_str":"2","created_at":"Wed Oct 10 20:19:24 +0000 2018","text":"RT @a: #x","retweeted_status":{"id_str":"1","text":"#x"}}"##;
    for (policy, counted) in [(RetweetPolicy::Count, 1), (RetweetPolicy::Skip, 0)] {
        let mut p = Pipeline::new(CountOptions {
            retweets: policy,
            ..options()
        });
        p.assign(0, None, t0);
        let _ = p.process(0, 0, Some(rt), None, t0);
        assert_eq!(p.stats().counted, counted, "{policy:?}");
        assert_eq!(p.stats().retweets_skipped, 1 - counted, "{policy:?}");
        assert_eq!(
            p.checkpoints()[0].1.offset,
            1 - counted as i64,
            "{policy:?}"
        );
    }
}

#[test]
fn early_updates_forward_changed_counts_every_10_ms_or_the_interval_with_space_saving() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    for (max_hashtags, every) in [(0, ms(10)), (5, ms(100))] {
        let mut options = CountOptions {
            early_updates: Some(ms(100)),
            ..options()
        };
        options.spec.max_hashtags = max_hashtags;
        let mut p = Pipeline::new(options);
        assert_eq!(p.forward_interval(), Some(every));
        p.assign(0, None, t0);
        let _ = p.process(0, 0, Some(&tweet(1, 1, "#a")), None, t0);
        assert!(
            windows(&p.close_ready(t0)).is_empty(),
            "closing sends no snapshots"
        );
        assert_eq!(
            windows(&p.take_early(t0)),
            [(0, 0, false, vec![("a", 1, "a")])]
        );
        let _ = p.process(0, 1, Some(&tweet(2, 2, "#a")), None, t0);
        assert!(windows(&p.take_early(t0 + every - ms(1))).is_empty());
        let due = p.take_early(t0 + every);
        assert_eq!(windows(&due), [(0, 0, false, vec![("a", 2, "a")])]);
        assert!(
            windows(&p.take_early(t0 + every * 3)).is_empty(),
            "nothing changed"
        );
    }
    assert_eq!(Pipeline::new(options()).forward_interval(), None);
}

#[test]
fn finish_closes_everything_and_reports_idle() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    p.assign(1, None, t0);
    let _ = p.process(0, 0, Some(&tweet(1, 1, "#a")), None, t0);
    assert!(windows(&p.close_ready(t0)).is_empty());
    p.mark_end(0);
    assert!(
        p.finish_at_end().is_none(),
        "partition 1 is not read to its end"
    );
    p.mark_end(1);
    let out = p.finish_at_end().expect("all partitions at their end");
    assert_eq!(windows(&out).len(), 1);
    assert_eq!(progress(&out), [(0, Some(10_000), true), (1, None, true)]);
    assert_eq!(p.checkpoints()[0].1.offset, 1);
    assert!(p.finished());
    assert!(p.finish_at_end().is_none(), "already finished");

    // A partition assigned by a later rebalance is finished in turn.
    p.assign(2, None, t0);
    assert!(!p.finished());
    p.mark_end(2);
    assert_eq!(progress(&p.finish_at_end().unwrap()).len(), 3);
    assert!(p.finished());

    // New data reopens it.
    let _ = p.process(2, 0, Some(&tweet(2, 2, "#b")), None, t0);
    assert!(!p.finished());
}

#[test]
fn messages_of_unowned_partitions_are_not_counted() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let _ = p.process(1, 0, Some(&tweet(1, 1, "#a")), None, t0);
    assert_eq!(p.stats().unowned, 1);
    assert_eq!(p.stats().consumed, 0);
    assert!(p.checkpoints().iter().all(|(partition, _)| *partition == 0));
}

#[test]
fn revoke_returns_only_revoked_checkpoints_and_drops_their_state() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    p.assign(1, None, t0);
    let _ = p.process(0, 7, Some(&tweet(1, 1, "#a")), None, t0);
    let _ = p.process(1, 9, Some(&tweet(2, 1, "#a")), None, t0);
    let (_, cps) = p.revoke(&[1], t0);
    assert_eq!(
        cps,
        [(
            1,
            Checkpoint {
                offset: 9,
                watermark_ms: Some(1_000)
            }
        )]
    );
    let remaining: Vec<i32> = p.checkpoints().iter().map(|(p, _)| *p).collect();
    assert_eq!(remaining, [0]);
}

#[test]
fn tweets_counted_without_their_whole_hashtags_are_counted_as_such() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let created = model::timestamp::format_v1(1_000);
    let truncated = serde_json::json!({
        "id_str": "1", "created_at": created, "text": "cut at 140 #a \u{2026}", "truncated": true,
    });
    let missing_original = serde_json::json!({
        "data": {"id": "2", "text": "RT @x: #b", "created_at": "1970-01-01T00:00:02.000Z",
                 "referenced_tweets": [{"type": "retweeted", "id": "3"}]},
        "includes": {"tweets": []},
    });
    let whole = tweet(4, 3, "#c");
    for (offset, payload) in [
        truncated.to_string().into_bytes(),
        missing_original.to_string().into_bytes(),
        whole,
    ]
    .iter()
    .enumerate()
    {
        p.process(0, offset as i64, Some(payload), None, t0)
            .unwrap();
    }
    let stats = p.stats();
    assert_eq!(
        (stats.counted, stats.truncated, stats.originals_missing),
        (3, 1, 1)
    );
}

/// A Jetstream event at `secs`: a post of `tags` (facets), or a repost, which has no content.
fn bluesky(rkey: &str, secs: i64, collection: &str, tags: &[&str]) -> Vec<u8> {
    let facets: Vec<_> = tags
        .iter()
        .map(|t| serde_json::json!({"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": t}]}))
        .collect();
    let created = model::timestamp::rfc3339(secs * 1000);
    serde_json::json!({"did": "did:plc:a", "time_us": secs * 1_000_000, "kind": "commit",
        "commit": {"operation": "create", "collection": collection, "rkey": rkey,
            "record": {"createdAt": created, "text": "", "facets": facets}}})
    .to_string()
    .into_bytes()
}

#[test]
fn posts_count_by_source_and_bluesky_reposts_are_skipped_not_rejected() {
    let t0 = Instant::now();
    let mut p = Pipeline::new(options());
    p.assign(0, None, t0);
    let status = br##"{"uri":"https://m.example/s/1","created_at":"1970-01-01T00:00:03Z","content":"<p>#A</p>","tags":[{"name":"A"}],"account":{}}"##;
    let post = bluesky("p1", 2, "app.bsky.feed.post", &["a", "B"]);
    let repost = bluesky("r1", 4, "app.bsky.feed.repost", &[]);
    let like = bluesky("l1", 4, "app.bsky.feed.like", &[]);
    p.process(0, 0, Some(&tweet(1, 1, "#a")), None, t0).unwrap();
    p.process(0, 1, Some(&post), None, t0).unwrap();
    p.process(0, 2, Some(&post), None, t0).unwrap();
    p.process(0, 3, Some(status), None, t0).unwrap();
    p.process(0, 4, Some(&repost), None, t0).unwrap();
    let rejection = p.process(0, 5, Some(&like), None, t0).unwrap_err();
    assert!(
        rejection.to_string().contains("app.bsky.feed.like"),
        "{rejection}"
    );
    p.process(0, 6, Some(&tweet(2, 15, "")), None, t0).unwrap();
    let stats = p.stats();
    assert_eq!(
        (stats.bluesky_reposts, stats.rejected, stats.duplicates),
        (1, 1, 1)
    );
    let by_source = |s: &SourceCounts| s.iter().map(|(_, n)| n).collect::<Vec<_>>();
    assert_eq!(by_source(&stats.posts), [2, 1, 1]);
    let out = p.close_ready(t0);
    assert_eq!(
        windows(&out),
        [(0, 0, true, vec![("a", 3, "a"), ("b", 1, "B")])]
    );
    let PartialMessage::Window { totals, .. } = &out[0] else {
        panic!("{out:?}");
    };
    assert_eq!(
        (totals.tweets, by_source(&totals.sources)),
        (3, vec![1, 1, 1])
    );
    assert_eq!(
        p.checkpoints()[0].1.offset,
        6,
        "the open window starts at the last tweet"
    );
}
