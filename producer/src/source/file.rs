//! Replays archived posts from a JSON-lines file, plain or gzip: tweets (v1.1 or v2 shape),
//! Jetstream events, Mastodon statuses, or a mix.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use model::report::Report;

use super::bluesky::frame;
use super::notice::{self, Notice};
use super::{Event, Record, SourceError};
use crate::publish::resume::Position;

/// Reads records line by line; malformed lines become [`Event::Rejected`].
pub(crate) struct FileSource {
    path: String,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    buf: Vec<u8>,
    /// Timestamp for tweets without `created_at` (v2 without `tweet.fields=created_at`).
    fallback_timestamp_ms: i64,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl FileSource {
    /// Opens `path`, detecting gzip by its magic bytes rather than its name.
    pub(crate) fn open(path: &Path, fallback_timestamp_ms: i64) -> Result<Self, SourceError> {
        let error = |source| SourceError::File {
            path: path.display().to_string(),
            source,
        };
        let file = File::open(path).map_err(error)?;
        if file.metadata().map_err(error)?.is_dir() {
            return Err(error(std::io::Error::other("is a directory")));
        }
        let mut raw = BufReader::with_capacity(1 << 16, file);
        let gzip = raw.fill_buf().map_err(error)?.starts_with(&GZIP_MAGIC);
        let reader: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        Ok(FileSource {
            path: path.display().to_string(),
            reader,
            line: 0,
            buf: Vec::with_capacity(8192),
            fallback_timestamp_ms,
        })
    }

    /// Skips the first `lines` lines unread (resuming a replay after them).
    pub(crate) fn skip_lines(&mut self, lines: u64) -> Result<(), SourceError> {
        while self.line < lines {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => break,
                Ok(_) => self.line += 1,
                Err(source) => {
                    return Err(SourceError::File {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    /// A post, else any other Jetstream event as the Bluesky source takes it (a repost is
    /// published, the rest are notices), else a Twitter stream notice (a recorded stream keeps
    /// them), else a rejected line.
    fn event(&self, bytes: &[u8]) -> Event {
        let position = Some(Position::Line(self.line));
        let error = match Record::from_post_json(bytes.to_vec(), self.fallback_timestamp_ms) {
            Ok(record) => return Event::Tweet(Record { position, ..record }),
            Err(error) => error,
        };
        if let Ok(framed) = frame::read(bytes.to_vec()) {
            return framed.event.at(position);
        }
        match notice::classify(bytes) {
            Some(kind) => Event::Notice(Notice {
                kind,
                payload: bytes.to_vec(),
                position,
            }),
            None => Event::Rejected {
                line: self.line,
                reason: Report(&error).to_string(),
            },
        }
    }
}

impl Iterator for FileSource {
    type Item = Result<Event, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    return Some(Err(SourceError::File {
                        path: self.path.clone(),
                        source,
                    }))
                }
            }
            self.line += 1;
            let line = self.buf.trim_ascii_end();
            if line.is_empty() {
                continue;
            }
            return Some(Ok(self.event(line)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::notice::NoticeKind;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn read_all(path: &Path) -> Vec<Event> {
        FileSource::open(path, 0)
            .unwrap()
            .map(|e| e.unwrap())
            .collect()
    }

    const V1: &str =
        r##"{"id_str":"10","created_at":"Wed Oct 10 20:19:24 +0000 2018","text":"#a"}"##;
    const V2: &str =
        r##"{"data":{"id":"11","text":"#b","created_at":"2018-10-10T20:19:25.000Z"}}"##;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn replays_both_shapes_keeping_original_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "t.jsonl", format!("{V1}\r\n\n{V2}").as_bytes());
        let events = read_all(&path);
        assert_eq!(
            events,
            [
                Event::Tweet(Record {
                    key: "10".into(),
                    payload: V1.as_bytes().to_vec(),
                    timestamp_ms: 1_539_202_764_000,
                    position: Some(Position::Line(1)),
                }),
                Event::Tweet(Record {
                    key: "11".into(),
                    payload: V2.as_bytes().to_vec(),
                    timestamp_ms: 1_539_202_765_000,
                    position: Some(Position::Line(3)),
                }),
            ]
        );
    }

    /// The recorded events and statuses of the live sources.
    fn social_fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/social")
            .join(name)
    }

    #[test]
    fn replays_recorded_jetstream_events_publishing_only_new_posts_and_reposts() {
        let path = social_fixture("bluesky-jetstream.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let events = read_all(&path);
        assert_eq!(events.len(), text.lines().count());
        for (event, line) in events.iter().zip(text.lines()) {
            let json: serde_json::Value = serde_json::from_str(line).unwrap();
            let commit = &json["commit"];
            let collection = commit["collection"].as_str().unwrap_or_default();
            let new_post = json["kind"] == "commit"
                && commit["operation"] == "create"
                && ["app.bsky.feed.post", "app.bsky.feed.repost"].contains(&collection);
            match event {
                Event::Tweet(record) if new_post => {
                    let uri = format!(
                        "at://{}/{collection}/{}",
                        json["did"].as_str().unwrap(),
                        commit["rkey"].as_str().unwrap()
                    );
                    assert_eq!(record.key, uri);
                    assert_eq!(record.payload, line.as_bytes());
                }
                Event::Notice(notice) if !new_post => assert_eq!(notice.payload, line.as_bytes()),
                other => panic!("{other:?} for {line}"),
            }
        }
        let posts = events
            .iter()
            .filter(|e| matches!(e, Event::Tweet(_)))
            .count();
        assert!(posts >= 10, "only {posts} posts");
    }

    #[test]
    fn replays_recorded_mastodon_statuses_keyed_by_uri() {
        let path = social_fixture("mastodon-statuses.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let events = read_all(&path);
        assert_eq!(events.len(), text.lines().count());
        for (event, line) in events.iter().zip(text.lines()) {
            let json: serde_json::Value = serde_json::from_str(line).unwrap();
            let created =
                chrono::DateTime::parse_from_rfc3339(json["created_at"].as_str().unwrap())
                    .unwrap()
                    .timestamp_millis();
            let Event::Tweet(record) = event else {
                panic!("{event:?} for {line}");
            };
            assert_eq!(record.key, json["uri"].as_str().unwrap());
            assert_eq!(record.timestamp_ms, created);
            assert_eq!(record.payload, line.as_bytes());
        }
    }

    #[test]
    fn skipping_resumes_after_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "t.jsonl",
            format!("{V1}\n{{broken\n{V2}\n").as_bytes(),
        );
        let mut source = FileSource::open(&path, 0).unwrap();
        source.skip_lines(2).unwrap();
        let rest: Vec<Event> = source.map(|e| e.unwrap()).collect();
        assert!(
            matches!(&rest[..], [Event::Tweet(r)] if r.key == "11" && r.position == Some(Position::Line(3)))
        );
    }

    #[test]
    fn reads_gzip_whatever_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        writeln!(gz, "{V1}\n{V2}").unwrap();
        let path = write(&dir, "t.jsonl", &gz.finish().unwrap());
        assert_eq!(read_all(&path).len(), 2);
    }

    #[test]
    fn malformed_lines_are_rejected_with_their_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = format!("{V1}\n{{broken\n").into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        bytes.extend_from_slice(format!("{{\"something\":\"else\"}}\n{V2}\n").as_bytes());
        let path = write(&dir, "t.jsonl", &bytes);
        let events = read_all(&path);
        assert_eq!(events.len(), 5);
        let rejected: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                Event::Rejected { line, .. } => Some(*line),
                Event::Tweet(_) | Event::Notice(_) => None,
            })
            .collect();
        assert_eq!(rejected, [2, 3, 4]);
    }

    #[test]
    fn stream_notices_of_a_recorded_stream_are_notices_not_rejects() {
        let dir = tempfile::tempdir().unwrap();
        let delete = r#"{"delete":{"status":{"id":7,"id_str":"7","user_id":3,"user_id_str":"3"},"timestamp_ms":"1539202764000"}}"#;
        let limit = r#"{"limit":{"track":5,"timestamp_ms":"1539202764000"}}"#;
        let stall = r#"{"warning":{"code":"FALLING_BEHIND","message":"queue filling up","percent_full":60}}"#;
        let errors = r#"{"errors":[{"title":"operational-disconnect","detail":"closed"}]}"#;
        let text = [V1, delete, limit, stall, errors, V2].join("\n");
        let path = write(&dir, "t.jsonl", text.as_bytes());
        let events = read_all(&path);
        let kinds: Vec<(NoticeKind, Option<Position>)> = events
            .iter()
            .filter_map(|e| match e {
                Event::Notice(n) => Some((n.kind, n.position)),
                _ => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (NoticeKind::Delete, Some(Position::Line(2))),
                (NoticeKind::Limit, Some(Position::Line(3))),
                (NoticeKind::StallWarning, Some(Position::Line(4))),
                (NoticeKind::Errors, Some(Position::Line(5))),
            ]
        );
        assert!(
            matches!(&events[1], Event::Notice(n) if n.payload == delete.as_bytes()),
            "the notice keeps its bytes"
        );
        let tweets = events.iter().filter(|e| matches!(e, Event::Tweet(_)));
        assert_eq!(tweets.count(), 2);
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let err = FileSource::open(Path::new("/nonexistent/tweets.jsonl"), 0)
            .err()
            .unwrap();
        let reported = Report(&err).to_string();
        assert!(
            reported.starts_with("cannot read /nonexistent/tweets.jsonl: "),
            "{reported}"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(FileSource::open(dir.path(), 0).is_err());
    }
}
