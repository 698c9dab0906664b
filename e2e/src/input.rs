//! Test input: generated tweet files, out of order as real streams are, and hand-made tweets
//! whose counts or scores a test states by hand.

use std::path::Path;
use std::time::Duration;

use crate::proc::Proc;

/// Generates `n` synthetic tweets into `path` with the producer's stdout sink, which writes the
/// stream's occasional delete notices and stall warnings between them as a recorded stream has
/// them, then makes them arrive out of order as real streams do (see [`out_of_order`]).
pub fn generate(dir: &Path, path: &Path, n: u64, seed: u64, start: &str, events_per_second: u64) {
    generate_with(dir, path, n, seed, start, events_per_second, &[]);
}

/// [`generate`] with more producer flags, e.g. `--shape v2`.
pub fn generate_with(
    dir: &Path,
    path: &Path,
    n: u64,
    seed: u64,
    start: &str,
    events_per_second: u64,
    extra: &[&str],
) {
    let (n, seed_text, rate) = (
        n.to_string(),
        seed.to_string(),
        events_per_second.to_string(),
    );
    let mut args = vec![
        "--source",
        "synthetic",
        "--sink",
        "stdout",
        "--limit",
        &n,
        "--seed",
        &seed_text,
        "--start",
        start,
        "--events-per-second",
        &rate,
    ];
    args.extend_from_slice(extra);
    let mut p = Proc::spawn(dir, &format!("generate-{seed}"), "producer", &args, &[]);
    let status = p.wait(Duration::from_secs(120));
    assert!(status.success(), "generator failed: {}", p.stderr());
    let text = p.stdout();
    std::fs::write(path, out_of_order(&text, events_per_second as usize))
        .expect("write generated file");
}

/// The tweets of a generated file, in order: its lines without the stream notices (delete
/// notices, stall warnings) a generated stream has between them.
pub fn tweet_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .expect("read tweet file")
        .lines()
        .filter(|line| {
            let json: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            !crate::reference::is_stream_notice(&json)
        })
        .map(str::to_owned)
        .collect()
}

/// Blocks of `block` lines (one second of tweets), offset by half a block so that they
/// straddle every window boundary, written in reverse. A tweet is at most one second of event
/// time out of place (less than the allowed lateness), and tweets of a window keep arriving
/// after the next window has begun.
fn out_of_order(text: &str, block: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let (head, rest) = lines.split_at((block / 2).min(lines.len()));
    let mut out = String::with_capacity(text.len());
    for chunk in std::iter::once(head).chain(rest.chunks(block)) {
        for line in chunk.iter().rev() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A minimal v1.1 tweet (one JSON line) created at `created_ms` with these hashtag entities,
/// for inputs whose counts a test states by hand.
pub fn tweet_line(id: u64, created_ms: i64, hashtags: &[&str]) -> String {
    let created = chrono::DateTime::from_timestamp_millis(created_ms)
        .expect("valid time")
        .format("%a %b %d %H:%M:%S +0000 %Y")
        .to_string();
    let text: Vec<String> = hashtags.iter().map(|h| format!("#{h}")).collect();
    let entities: Vec<serde_json::Value> = hashtags
        .iter()
        .map(|h| serde_json::json!({"text": h, "indices": [0, 0]}))
        .collect();
    serde_json::json!({
        "created_at": created,
        "id": id,
        "id_str": id.to_string(),
        "text": text.join(" "),
        "entities": {"hashtags": entities, "urls": [], "user_mentions": []},
        "user": {"id": 1, "id_str": "1", "screen_name": "e2e", "name": "e2e"},
        "lang": "en",
    })
    .to_string()
}

/// An English tweet planted next to `line` (same `created_at`, so it is never late) with its
/// own id, text and one hashtag.
pub fn planted(line: &str, id: u64, text: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).expect("tweet JSON");
    let tweet = v.as_object_mut().expect("tweet object");
    for field in ["extended_tweet", "retweeted_status", "quoted_status"] {
        tweet.remove(field);
    }
    tweet.insert("id".into(), id.into());
    tweet.insert("id_str".into(), id.to_string().into());
    tweet.insert("text".into(), text.into());
    tweet.insert("lang".into(), "en".into());
    tweet.insert(
        "entities".into(),
        serde_json::json!({"hashtags": [{"text": "Planted", "indices": [0, 8]}]}),
    );
    v.to_string()
}
