//! Resuming after a crash without publishing everything again: a file replay from the line up
//! to which every tweet was acknowledged, the Bluesky source from the Jetstream cursor up to which
//! every event was, the Mastodon source from the status id up to which every status was.
//!
//! The producer records that position in a small checkpoint file ([`acked`] finds it). A restart
//! starts there; what was sent after it is published again, and the consumer counts a
//! republished post once (it de-duplicates post ids within open windows). The file names which
//! kind of position it holds, so a checkpoint is never read as the other kind's.

mod acked;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub(crate) use acked::{Position, Progress};

/// A checkpoint file that is unusable.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResumeError {
    #[error("cannot read checkpoint {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("checkpoint {path} is not a producer checkpoint")]
    Invalid {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "checkpoint {path} belongs to the replay of {other}, not {input}; delete it to start over"
    )]
    OtherInput {
        path: String,
        other: String,
        input: String,
    },
    #[error(
        "checkpoint {path} holds {found}, not {wanted}; delete it or choose another --checkpoint"
    )]
    OtherKind {
        path: String,
        found: &'static str,
        wanted: &'static str,
    },
    #[error("checkpoint {path} belongs to the {other}, not the {wanted}; delete it or choose another --checkpoint")]
    OtherTimeline {
        path: String,
        other: MastodonTimeline,
        wanted: MastodonTimeline,
    },
    #[error("cannot write checkpoint {path}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("producer.checkpoint works only for a file replay (--file), the bluesky or the mastodon source, into Kafka")]
    NotResumable,
}

/// A checkpoint that cannot be used is the configuration's problem: it names the file.
impl common::exit::ExitReason for ResumeError {
    fn exit_code(&self) -> i32 {
        common::exit::USAGE
    }
}

/// What a run resumes: a file replay (of this input file), the Bluesky stream or a Mastodon
/// timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resumes {
    FileReplay(PathBuf),
    Bluesky,
    Mastodon(MastodonTimeline),
}

/// The timeline a Mastodon checkpoint belongs to: status ids are the instance's own, and "after
/// this status" means something only on the timeline it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MastodonTimeline {
    /// The instance's URL, as the source normalised it.
    pub(crate) instance: String,
    /// `public`, `local` or `hashtag:TAG`.
    pub(crate) timeline: String,
}

impl fmt::Display for MastodonTimeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} timeline of {}", self.timeline, self.instance)
    }
}

/// How an error message names each kind of checkpoint.
const LINE_NOUN: &str = "a file replay's line";
const CURSOR_NOUN: &str = "a Bluesky stream's Jetstream cursor";
const STATUS_NOUN: &str = "a Mastodon timeline's status id";

impl Resumes {
    fn noun(&self) -> &'static str {
        match self {
            Resumes::FileReplay(_) => LINE_NOUN,
            Resumes::Bluesky => CURSOR_NOUN,
            Resumes::Mastodon(_) => STATUS_NOUN,
        }
    }
}

/// The file's content. A file replay's keeps the shape it always had; a stream's names its
/// source beside the cursor.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Saved {
    Line {
        input: String,
        /// Every tweet up to this line was acknowledged.
        line: u64,
    },
    Cursor {
        /// Always [`BLUESKY`].
        source: String,
        /// Jetstream's `time_us` from which no event is unacknowledged.
        cursor_us: i64,
    },
    Status {
        /// Always [`MASTODON`].
        source: String,
        instance: String,
        timeline: String,
        /// Every status of this run up to this id was acknowledged.
        #[serde(with = "decimal")]
        status_id: u64,
    },
}

/// The `source` of a Bluesky checkpoint.
const BLUESKY: &str = "bluesky";
/// The `source` of a Mastodon checkpoint.
const MASTODON: &str = "mastodon";

/// A status id written as Mastodon writes ids, a string of digits: many JSON readers lose the
/// digits of numbers past 2^53, and snowflakes are larger.
mod decimal {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(id: &u64, out: S) -> Result<S::Ok, S::Error> {
        out.collect_str(id)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<u64, D::Error> {
        String::deserialize(input)?
            .parse()
            .map_err(D::Error::custom)
    }
}

impl Saved {
    /// The position saved, checked against what this run resumes.
    fn position(self, path: &str, resumes: &Resumes) -> Result<Position, ResumeError> {
        match (self, resumes) {
            (Saved::Line { input, line }, Resumes::FileReplay(want)) => {
                let want = want.display().to_string();
                if input != want {
                    return Err(ResumeError::OtherInput {
                        path: path.to_owned(),
                        other: input,
                        input: want,
                    });
                }
                Ok(Position::Line(line))
            }
            (Saved::Cursor { source, cursor_us }, Resumes::Bluesky) if source == BLUESKY => {
                Ok(Position::Cursor(cursor_us))
            }
            (
                Saved::Status {
                    source,
                    instance,
                    timeline,
                    status_id,
                },
                Resumes::Mastodon(wanted),
            ) if source == MASTODON => {
                let other = MastodonTimeline { instance, timeline };
                if other != *wanted {
                    return Err(ResumeError::OtherTimeline {
                        path: path.to_owned(),
                        other,
                        wanted: wanted.clone(),
                    });
                }
                Ok(Position::Status(status_id))
            }
            (saved, _) => Err(ResumeError::OtherKind {
                path: path.to_owned(),
                found: saved.noun(),
                wanted: resumes.noun(),
            }),
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Saved::Line { .. } => LINE_NOUN,
            Saved::Cursor { .. } => CURSOR_NOUN,
            Saved::Status { .. } => STATUS_NOUN,
        }
    }
}

/// The checkpoint file of one run's input: a file replay's, the Bluesky stream's or a Mastodon
/// timeline's.
#[derive(Debug)]
pub(crate) struct ResumeFile {
    path: PathBuf,
    resumes: Resumes,
    saved: Option<Position>,
}

impl ResumeFile {
    /// Opens the checkpoint at `path` for `resumes`: a missing file starts from the beginning
    /// (a stream: from now); a checkpoint of another input or of the other kind is an error
    /// rather than a silent restart.
    pub(crate) fn open(path: &Path, resumes: Resumes) -> Result<ResumeFile, ResumeError> {
        let resumes = match resumes {
            Resumes::FileReplay(input) => {
                Resumes::FileReplay(std::path::absolute(&input).unwrap_or(input))
            }
            stream => stream,
        };
        let shown = path.display().to_string();
        let saved = match std::fs::read(path) {
            Ok(bytes) => {
                let saved: Saved =
                    serde_json::from_slice(&bytes).map_err(|source| ResumeError::Invalid {
                        path: shown.clone(),
                        source,
                    })?;
                Some(saved.position(&shown, &resumes)?)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(ResumeError::Read {
                    path: shown,
                    source,
                })
            }
        };
        Ok(ResumeFile {
            path: path.to_owned(),
            resumes,
            saved,
        })
    }

    /// The line a previous replay got to: lines up to it are skipped (0 without one).
    pub(crate) fn line(&self) -> u64 {
        match self.saved {
            Some(Position::Line(line)) => line,
            _ => 0,
        }
    }

    /// The cursor a previous Bluesky run got to, if any.
    pub(crate) fn cursor(&self) -> Option<i64> {
        match self.saved {
            Some(Position::Cursor(cursor)) => Some(cursor),
            _ => None,
        }
    }

    /// The status after which a previous Mastodon run had every status acknowledged, if any.
    pub(crate) fn status(&self) -> Option<u64> {
        match self.saved {
            Some(Position::Status(id)) => Some(id),
            _ => None,
        }
    }

    /// Records that everything before `position` is acknowledged; written atomically (a crash
    /// leaves the previous checkpoint or this one), and only when it changed. A position of the
    /// other kind is not this run's and is left out.
    pub(crate) fn save(&mut self, position: Position) -> Result<(), ResumeError> {
        let saved = match (position, &self.resumes) {
            _ if self.saved == Some(position) => return Ok(()),
            (Position::Line(line), Resumes::FileReplay(input)) => Saved::Line {
                input: input.display().to_string(),
                line,
            },
            (Position::Cursor(cursor_us), Resumes::Bluesky) => Saved::Cursor {
                source: BLUESKY.to_owned(),
                cursor_us,
            },
            (Position::Status(status_id), Resumes::Mastodon(timeline)) => Saved::Status {
                source: MASTODON.to_owned(),
                instance: timeline.instance.clone(),
                timeline: timeline.timeline.clone(),
                status_id,
            },
            _ => return Ok(()),
        };
        let error = |source| ResumeError::Write {
            path: self.path.display().to_string(),
            source,
        };
        let body = serde_json::to_vec(&saved).expect("a checkpoint always serialises");
        let tmp = self.path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(error)?;
        file.write_all(&body)
            .and_then(|()| file.sync_all())
            .map_err(error)?;
        std::fs::rename(&tmp, &self.path).map_err(error)?;
        self.saved = Some(position);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_resumes_its_own_input_only() {
        let dir = tempfile::tempdir().unwrap();
        let (path, input) = (dir.path().join("cp.json"), dir.path().join("t.jsonl"));
        let replay = || Resumes::FileReplay(input.clone());
        let mut cp = ResumeFile::open(&path, replay()).unwrap();
        assert_eq!(cp.line(), 0, "no checkpoint yet");
        cp.save(Position::Line(42)).unwrap();
        assert_eq!(ResumeFile::open(&path, replay()).unwrap().line(), 42);
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            written["line"], 42,
            "the shape earlier releases wrote: {written}"
        );
        let other = Resumes::FileReplay(dir.path().join("other.jsonl"));
        let other = ResumeFile::open(&path, other).unwrap_err();
        assert!(
            other.to_string().contains("delete it to start over"),
            "{other}"
        );
        std::fs::write(&path, "{").unwrap();
        let broken = ResumeFile::open(&path, replay()).unwrap_err();
        assert!(
            broken.to_string().contains("not a producer checkpoint"),
            "{broken}"
        );
    }

    #[test]
    fn a_checkpoint_of_one_kind_is_refused_by_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let (path, input) = (dir.path().join("cp.json"), dir.path().join("t.jsonl"));
        let mut stream = ResumeFile::open(&path, Resumes::Bluesky).unwrap();
        assert_eq!(stream.cursor(), None, "no checkpoint yet: live tail");
        stream
            .save(Position::Cursor(1_783_175_888_085_434))
            .unwrap();
        let again = ResumeFile::open(&path, Resumes::Bluesky).unwrap();
        assert_eq!(again.cursor(), Some(1_783_175_888_085_434));
        let refused = ResumeFile::open(&path, Resumes::FileReplay(input.clone())).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!(
                "checkpoint {} holds a Bluesky stream's Jetstream cursor, not a file replay's \
                 line; delete it or choose another --checkpoint",
                path.display()
            )
        );
        let mut replay =
            ResumeFile::open(&dir.path().join("r.json"), Resumes::FileReplay(input)).unwrap();
        replay.save(Position::Line(3)).unwrap();
        let refused = ResumeFile::open(&dir.path().join("r.json"), Resumes::Bluesky).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("holds a file replay's line, not a Bluesky stream's"),
            "{refused}"
        );
    }

    fn mastodon(instance: &str, timeline: &str) -> Resumes {
        Resumes::Mastodon(MastodonTimeline {
            instance: instance.to_owned(),
            timeline: timeline.to_owned(),
        })
    }

    #[test]
    fn a_mastodon_checkpoint_resumes_its_own_timeline_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.json");
        let public = || mastodon("https://a.example/", "public");
        let mut cp = ResumeFile::open(&path, public()).unwrap();
        assert_eq!(cp.status(), None, "no checkpoint yet: live");
        cp.save(Position::Status(115_000_000_000_000_399)).unwrap();
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            written,
            serde_json::json!({
                "source": "mastodon",
                "instance": "https://a.example/",
                "timeline": "public",
                "status_id": "115000000000000399",
            })
        );
        let again = ResumeFile::open(&path, public()).unwrap();
        assert_eq!(again.status(), Some(115_000_000_000_000_399));
        let other = ResumeFile::open(&path, mastodon("https://b.example/", "public"));
        assert_eq!(
            other.unwrap_err().to_string(),
            format!(
                "checkpoint {} belongs to the public timeline of https://a.example/, not the \
                 public timeline of https://b.example/; delete it or choose another --checkpoint",
                path.display()
            )
        );
        let local = ResumeFile::open(&path, mastodon("https://a.example/", "local"));
        assert!(local.is_err(), "another timeline of the same instance");
        let bluesky = ResumeFile::open(&path, Resumes::Bluesky).unwrap_err();
        assert!(
            bluesky
                .to_string()
                .contains("holds a Mastodon timeline's status id, not a Bluesky stream's"),
            "{bluesky}"
        );
        std::fs::write(&path, r#"{"source":"bluesky","cursor_us":1}"#).unwrap();
        let cursor = ResumeFile::open(&path, public()).unwrap_err();
        assert!(
            cursor
                .to_string()
                .contains("holds a Bluesky stream's Jetstream cursor, not a Mastodon"),
            "{cursor}"
        );
        let id = r#"{"source":"mastodon","instance":"i","timeline":"public","status_id":"AbC"}"#;
        std::fs::write(&path, id).unwrap();
        let flake = ResumeFile::open(&path, public()).unwrap_err();
        assert!(
            flake.to_string().contains("not a producer checkpoint"),
            "{flake}"
        );
    }
}
