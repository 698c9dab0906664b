//! Resuming a file replay after a crash without publishing the whole file again.
//!
//! The producer records, in a small checkpoint file, the input line up to which every tweet has
//! been acknowledged by the broker. Acknowledgements arrive out of order across partitions, so
//! the resume point is the line before the oldest tweet still unacknowledged. A restart skips
//! the lines up to it; what was sent after it is published again, and the consumer counts a
//! republished tweet once (it de-duplicates tweet ids within open windows).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Input lines sent and not yet acknowledged, to find the resume point.
#[derive(Debug, Default)]
pub(crate) struct Acked {
    pending: BTreeSet<u64>,
    highest_sent: u64,
}

impl Acked {
    /// A tweet from input `line` was handed to the producer.
    pub(crate) fn sent(&mut self, line: u64) {
        self.pending.insert(line);
        self.highest_sent = self.highest_sent.max(line);
    }

    /// The broker acknowledged the tweet from `line`. A tweet whose delivery failed is never
    /// acknowledged, so the resume point stays before it and a restart sends it again.
    pub(crate) fn acked(&mut self, line: u64) {
        self.pending.remove(&line);
    }

    /// Every tweet up to this line is acknowledged (0 before any).
    pub(crate) fn resume_after(&self) -> u64 {
        match self.pending.first() {
            Some(&oldest) => oldest - 1,
            None => self.highest_sent,
        }
    }
}

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
    #[error("cannot write checkpoint {path}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("producer.checkpoint works only for a file replay into Kafka (--file)")]
    NotAFileReplay,
}

/// A checkpoint that cannot be used is the configuration's problem: it names the file.
impl common::exit::ExitReason for ResumeError {
    fn exit_code(&self) -> i32 {
        common::exit::USAGE
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    input: String,
    /// Every tweet up to this line was acknowledged.
    line: u64,
}

/// The checkpoint file of one input file's replay.
#[derive(Debug)]
pub(crate) struct ResumeFile {
    path: PathBuf,
    input: String,
    saved: u64,
}

impl ResumeFile {
    /// Opens the checkpoint at `path` for replaying `input`: a missing file starts from the
    /// beginning; a checkpoint of another input is an error rather than a silent restart.
    pub(crate) fn open(path: &Path, input: &Path) -> Result<ResumeFile, ResumeError> {
        let input = std::path::absolute(input)
            .unwrap_or_else(|_| input.to_owned())
            .display()
            .to_string();
        let shown = path.display().to_string();
        let saved = match std::fs::read(path) {
            Ok(bytes) => {
                let saved: Saved =
                    serde_json::from_slice(&bytes).map_err(|source| ResumeError::Invalid {
                        path: shown.clone(),
                        source,
                    })?;
                if saved.input != input {
                    return Err(ResumeError::OtherInput {
                        path: shown,
                        other: saved.input,
                        input,
                    });
                }
                saved.line
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(source) => {
                return Err(ResumeError::Read {
                    path: shown,
                    source,
                })
            }
        };
        Ok(ResumeFile {
            path: path.to_owned(),
            input,
            saved,
        })
    }

    /// The line a previous run got to: lines up to it are skipped.
    pub(crate) fn line(&self) -> u64 {
        self.saved
    }

    /// Records that every tweet up to `line` is acknowledged; written atomically (a crash
    /// leaves the previous checkpoint or this one), and only when it moved.
    pub(crate) fn save(&mut self, line: u64) -> Result<(), ResumeError> {
        if line <= self.saved {
            return Ok(());
        }
        let error = |source| ResumeError::Write {
            path: self.path.display().to_string(),
            source,
        };
        let body = serde_json::to_vec(&Saved {
            input: self.input.clone(),
            line,
        })
        .expect("a checkpoint always serialises");
        let tmp = self.path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp).map_err(error)?;
        file.write_all(&body)
            .and_then(|()| file.sync_all())
            .map_err(error)?;
        std::fs::rename(&tmp, &self.path).map_err(error)?;
        self.saved = line;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_point_stops_before_the_oldest_unacknowledged_line() {
        let mut acked = Acked::default();
        assert_eq!(acked.resume_after(), 0);
        for line in [1, 2, 4, 5] {
            acked.sent(line);
        }
        acked.acked(2);
        acked.acked(5);
        assert_eq!(acked.resume_after(), 0, "line 1 still in flight");
        acked.acked(1);
        assert_eq!(acked.resume_after(), 3, "line 3 was not a tweet");
        acked.acked(4);
        assert_eq!(acked.resume_after(), 5);
    }

    #[test]
    fn a_checkpoint_resumes_its_own_input_only() {
        let dir = tempfile::tempdir().unwrap();
        let (path, input) = (dir.path().join("cp.json"), dir.path().join("t.jsonl"));
        let mut cp = ResumeFile::open(&path, &input).unwrap();
        assert_eq!(cp.line(), 0, "no checkpoint yet");
        cp.save(42).unwrap();
        cp.save(7).unwrap();
        assert_eq!(ResumeFile::open(&path, &input).unwrap().line(), 42);
        let other = ResumeFile::open(&path, &dir.path().join("other.jsonl")).unwrap_err();
        assert!(
            other.to_string().contains("delete it to start over"),
            "{other}"
        );
        std::fs::write(&path, "{").unwrap();
        let broken = ResumeFile::open(&path, &input).unwrap_err();
        assert!(
            broken.to_string().contains("not a producer checkpoint"),
            "{broken}"
        );
    }
}
