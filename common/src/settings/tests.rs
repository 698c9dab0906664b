use super::*;
use model::report::Report;
use std::collections::HashMap;

fn env(vars: &[(&str, &str)]) -> Environment {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Environment::with_prefix(ENV_PREFIX).source(Some(map))
}

fn load(file: Option<&Path>, overrides: &[Override], vars: &[(&str, &str)]) -> Settings {
    Settings::load_with_env(file, overrides, env(vars)).expect("settings load")
}

/// The error as the binaries report it: with its cause.
fn load_err(file: Option<&Path>, overrides: &[Override], vars: &[(&str, &str)]) -> String {
    let error =
        Settings::load_with_env(file, overrides, env(vars)).expect_err("settings must be rejected");
    Report(&error).to_string()
}

#[test]
fn the_raw_topic_is_a_list_of_distinct_names() {
    let s = load(None, &[], &[]);
    assert_eq!(s.raw_topics(), ["raw-twitter"]);
    assert_eq!(s.dlq_topic_of("raw-twitter"), "raw-twitter-dlq");
    let list = " raw-twitter, raw-bluesky ,raw-mastodon";
    let s = load(None, &[Override::new("kafka.topic", list)], &[]);
    assert_eq!(
        s.raw_topics(),
        ["raw-twitter", "raw-bluesky", "raw-mastodon"]
    );
    assert_eq!(s.dlq_topic_of("raw-bluesky"), "raw-bluesky-dlq");
    let one_dlq = Override::new("kafka.dlq_topic", "rejects");
    let s = load(None, &[one_dlq], &[]);
    assert_eq!(s.dlq_topic_of("raw-twitter"), "rejects");
    for (bad, problem) in [
        ("a,,b", "empty name"),
        ("a,b,a", "twice"),
        (" ", "must not be empty"),
    ] {
        let msg = load_err(None, &[Override::new("kafka.topic", bad)], &[]);
        assert!(
            msg.contains("kafka.topic") && msg.contains(problem),
            "{bad}: {msg}"
        );
    }
}

#[test]
fn defaults_load() {
    let s = load(None, &[], &[]);
    assert_eq!(s.kafka.topic, "raw-twitter");
    assert_eq!(s.kafka.partitions, 3);
    assert_eq!(s.consumer.window, [WindowDef::Tumbling { size_ms: 10_000 }]);
    assert_eq!(s.consumer.top, 10);
    assert_eq!(s.consumer.auto_offset_reset, OffsetReset::Earliest);
    assert_eq!(s.producer.source, SourceKind::Synthetic);
    assert!(s.consumer.sentiment, "on by default: it costs little");
    let s = load(None, &[], &[("TRENDS__CONSUMER__SENTIMENT", "false")]);
    assert!(!s.consumer.sentiment);
    let msg = load_err(
        None,
        &[Override::new("consumer.sentiment_sample", 1.5)],
        &[],
    );
    assert!(msg.contains("`consumer.sentiment_sample`"), "{msg}");
}

#[test]
fn rising_defaults_and_ranges() {
    let c = load(None, &[], &[]).consumer;
    assert_eq!(
        (c.rising_history, c.rising_min_count),
        (6, 5),
        "on by default"
    );
    assert_eq!((c.rising_min_score, c.rising_prior), (5.0, 1.0));
    let c = load(None, &[], &[("TRENDS__CONSUMER__RISING_HISTORY", "0")]).consumer;
    assert_eq!(c.rising_history, 0, "0 turns rising off");
    for (key, bad) in [
        ("consumer.rising_min_score", -1.0),
        ("consumer.rising_min_score", f64::NAN),
        ("consumer.rising_prior", 0.0),
        ("consumer.rising_prior", 1e13),
    ] {
        let msg = load_err(None, &[Override::new(key, bad)], &[]);
        assert!(msg.contains(&format!("`{key}`")), "{key} = {bad}: {msg}");
    }
}

#[test]
fn layers_apply_in_order_file_env_flags() {
    let dir = std::env::temp_dir().join(format!("trends-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.toml");
    std::fs::write(
        &path,
        "[consumer]\ntop = 3\nwindow = \"1m\"\ngroup_id = \"from-file\"\n",
    )
    .unwrap();
    let vars = [
        ("TRENDS__CONSUMER__TOP", "5"),
        ("TRENDS__KAFKA__TOPIC", "env-topic"),
    ];
    let s = load(Some(&path), &[], &vars);
    assert_eq!(s.consumer.top, 5, "env beats file");
    assert_eq!(
        s.consumer.window,
        [WindowDef::Tumbling { size_ms: 60_000 }],
        "file beats defaults"
    );
    assert_eq!(s.kafka.topic, "env-topic");
    let s = load(Some(&path), &[Override::new("consumer.top", 7_i64)], &vars);
    assert_eq!(s.consumer.top, 7, "flags beat env");
    assert_eq!(s.consumer.group_id, "from-file");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn passthrough_properties_from_env_use_dotted_names() {
    let s = load(
        None,
        &[],
        &[
            ("TRENDS__KAFKA__PROPERTIES__SASL_PASSWORD", "hunter2"),
            ("TRENDS__KAFKA__PROPERTIES__SECURITY_PROTOCOL", "SASL_SSL"),
        ],
    );
    assert_eq!(s.kafka.properties["sasl.password"], "hunter2");
    assert_eq!(s.kafka.properties["security.protocol"], "SASL_SSL");
    let shown = format!("{:?}", s.kafka);
    assert!(
        !shown.contains("hunter2"),
        "secret leaked into Debug: {shown}"
    );
}

#[test]
fn synthetic_shape_and_notices_default_to_v1_and_the_stdout_sink() {
    let s = load(None, &[], &[]);
    assert_eq!(s.synthetic.shape, TweetShape::V1);
    assert!(!s.synthetic.effective_stream_notices(SinkKind::Kafka));
    assert!(s.synthetic.effective_stream_notices(SinkKind::Stdout));
    let s = load(
        None,
        &[
            Override::new("synthetic.shape", "v2"),
            Override::new("synthetic.stream_notices", false),
        ],
        &[],
    );
    assert_eq!(s.synthetic.shape, TweetShape::V2);
    assert!(!s.synthetic.effective_stream_notices(SinkKind::Stdout));
    let msg = load_err(None, &[Override::new("synthetic.shape", "v3")], &[]);
    assert!(msg.contains("synthetic.shape"), "{msg}");
}

#[test]
fn synthetic_event_time_follows_the_rate_unless_set() {
    let s = load(None, &[], &[]);
    assert_eq!(s.synthetic.effective_events_per_second(), 100.0);
    let s = load(None, &[Override::new("synthetic.rate", 500.0)], &[]);
    assert_eq!(s.synthetic.effective_events_per_second(), 500.0);
    let s = load(
        None,
        &[
            Override::new("synthetic.rate", 500.0),
            Override::new("synthetic.events_per_second", 20.0),
        ],
        &[],
    );
    assert_eq!(s.synthetic.effective_events_per_second(), 20.0);
    let msg = load_err(
        None,
        &[Override::new("synthetic.events_per_second", 0.0)],
        &[],
    );
    assert!(msg.contains("synthetic.events_per_second"), "{msg}");
}

#[test]
fn synthetic_bursts_default_to_a_one_minute_burst_every_two_minutes() {
    let s = load(None, &[], &[]);
    let on = Bursts {
        every_ms: 120_000,
        length_ms: 60_000,
        peak: 0.1,
    };
    assert_eq!(s.synthetic.bursts(), Some(on));
    let vars = [
        ("TRENDS__SYNTHETIC__BURST_EVERY", "30s"),
        ("TRENDS__SYNTHETIC__BURST_LENGTH", "30s"),
        ("TRENDS__SYNTHETIC__BURST_PEAK", "1"),
    ];
    let from_env = Bursts {
        every_ms: 30_000,
        length_ms: 30_000,
        peak: 1.0,
    };
    assert_eq!(load(None, &[], &vars).synthetic.bursts(), Some(from_env));
    let off = [Override::new("synthetic.burst_every", "0s")];
    assert_eq!(load(None, &off, &[]).synthetic.bursts(), None);
}

#[test]
fn synthetic_bursts_out_of_range_are_one_line_naming_the_key() {
    for (key, bad, problem) in [
        ("synthetic.burst_peak", "0", "above 0 and at most 1"),
        ("synthetic.burst_peak", "1.5", "above 0 and at most 1"),
        ("synthetic.burst_peak", "NaN", "above 0 and at most 1"),
        ("synthetic.burst_length", "0s", "longer than 0"),
        (
            "synthetic.burst_length",
            "3m",
            "at most synthetic.burst_every",
        ),
        ("synthetic.burst_every", "1500us", "whole milliseconds"),
        ("synthetic.burst_every", "often", "often"),
    ] {
        let msg = load_err(None, &[Override::new(key, bad)], &[]);
        assert!(
            msg.contains(key) && msg.contains(problem) && !msg.contains('\n'),
            "{key} = {bad}: {msg}"
        );
    }
    // Off, the length is not compared with the period.
    let off = [
        Override::new("synthetic.burst_every", "0s"),
        Override::new("synthetic.burst_length", "5m"),
    ];
    assert_eq!(load(None, &off, &[]).synthetic.bursts(), None);
}

#[test]
fn http_is_off_unless_given_an_address() {
    let s = load(None, &[], &[]);
    assert_eq!(s.consumer.http, None);
    let s = load(
        None,
        &[Override::new("consumer.http", "127.0.0.1:8080")],
        &[],
    );
    assert_eq!(s.consumer.http, Some("127.0.0.1:8080".parse().unwrap()));
    let msg = load_err(None, &[Override::new("consumer.http", "localhost")], &[]);
    assert!(msg.contains("consumer.http"), "{msg}");
    let msg = load_err(None, &[Override::new("consumer.http_history", 0_i64)], &[]);
    assert!(msg.contains("`consumer.http_history`"), "{msg}");
}

#[test]
fn bad_type_names_the_key() {
    let msg = load_err(None, &[], &[("TRENDS__CONSUMER__TOP", "many")]);
    assert!(msg.contains("consumer.top"), "{msg}");
}

#[test]
fn bad_duration_names_the_key() {
    let msg = load_err(None, &[Override::new("consumer.window", "ten")], &[]);
    assert!(msg.contains("consumer.window"), "{msg}");
}

#[test]
fn out_of_range_names_the_key() {
    let msg = load_err(None, &[Override::new("consumer.top", 0_i64)], &[]);
    assert!(msg.contains("`consumer.top`"), "{msg}");
    let msg = load_err(None, &[Override::new("producer.source", "file")], &[]);
    assert!(msg.contains("producer.file"), "{msg}");
}

#[test]
fn unknown_enum_value_names_the_key() {
    let msg = load_err(
        None,
        &[Override::new("consumer.auto_offset_reset", "middle")],
        &[],
    );
    assert!(msg.contains("auto_offset_reset"), "{msg}");
}

#[test]
fn unknown_key_in_file_is_rejected() {
    let dir = std::env::temp_dir().join(format!("trends-settings-u-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("c.toml");
    std::fs::write(&path, "[consumer]\nwindow_size = \"1m\"\n").unwrap();
    let msg = load_err(Some(&path), &[], &[]);
    assert!(msg.contains("window_size"), "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_file_is_an_error_naming_it() {
    let msg = load_err(Some(Path::new("/nonexistent/trends.toml")), &[], &[]);
    assert!(msg.contains("/nonexistent/trends.toml"), "{msg}");
}
