//! The stream notices a recorded v1.1 stream holds between its tweets: delete notices (someone
//! deleted a tweet, usually an old one) and, rarely, a stall warning (the client reads too
//! slowly). Shapes as `statuses/filter.json` sends them, recognised by `twitter::message`.
//!
//! They draw from their own random stream, so switching them on or off leaves every tweet's
//! bytes as they were: a file generated with notices is the same tweets plus notice lines.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::profile::account_id;
use super::status_id_at;
use crate::source::notice::{Notice, NoticeKind};

/// Share of tweets followed by a delete notice. Deletes run at a few percent of tweets on the
/// firehose; a filtered stream sees those of matching tweets only, fewer.
const DELETE_SHARE: f64 = 0.005;
/// Share of tweets followed by a stall warning: rare, a slow reader's symptom.
const STALL_WARNING_SHARE: f64 = 0.0002;
/// The ChaCha stream notices draw from; the tweets use stream 0 of the same seed.
const NOTICE_STREAM: u64 = 1;
/// How long before the notice the deleted tweet was posted: 1 minute to 2 years, in ms.
const DELETED_AGE_MS: std::ops::Range<i64> = 60_000..63_072_000_000;
/// How full the server's queue for a stalled connection is, in percent, by tens.
const PERCENT_FULL: std::ops::RangeInclusive<u8> = 6..=9;

/// Decides, after each tweet, whether a notice follows it.
#[derive(Debug, Clone)]
pub(super) struct NoticeStream {
    rng: ChaCha8Rng,
}

impl NoticeStream {
    pub(super) fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(NOTICE_STREAM);
        Self { rng }
    }

    /// The notice that follows a tweet sent at `sent_ms`, if any.
    pub(super) fn after(&mut self, sent_ms: i64) -> Option<Notice> {
        let roll: f64 = self.rng.random();
        let (kind, payload) = if roll < DELETE_SHARE {
            (NoticeKind::Delete, self.delete(sent_ms)?)
        } else if roll < DELETE_SHARE + STALL_WARNING_SHARE {
            (NoticeKind::StallWarning, self.stall_warning())
        } else {
            return None;
        };
        Some(Notice {
            kind,
            payload,
            position: None,
        })
    }

    fn delete(&mut self, sent_ms: i64) -> Option<Vec<u8>> {
        let posted_ms = sent_ms.checked_sub(self.rng.random_range(DELETED_AGE_MS))?;
        let id = status_id_at(&mut self.rng, posted_ms)?;
        let user_id = account_id(&mut self.rng);
        let message = DeleteMessage {
            delete: Delete {
                status: DeletedStatus {
                    id,
                    id_str: id.to_string(),
                    user_id,
                    user_id_str: user_id.to_string(),
                },
                timestamp_ms: sent_ms.to_string(),
            },
        };
        Some(to_json(&message))
    }

    fn stall_warning(&mut self) -> Vec<u8> {
        let percent_full = self.rng.random_range(PERCENT_FULL) * 10;
        let message = WarningMessage {
            warning: Warning {
                code: "FALLING_BEHIND",
                message: format!(
                    "Your connection is falling behind and messages are being queued for \
                     delivery to you. Your queue is now over {percent_full}% full. You will be \
                     disconnected when the queue is full."
                ),
                percent_full,
            },
        };
        to_json(&message)
    }
}

fn to_json(message: &impl Serialize) -> Vec<u8> {
    // Cannot fail: plain structs with string keys and infallible field types.
    serde_json::to_vec(message).expect("notice structs always serialize")
}

#[derive(Serialize)]
struct DeleteMessage {
    delete: Delete,
}

#[derive(Serialize)]
struct Delete {
    status: DeletedStatus,
    timestamp_ms: String,
}

#[derive(Serialize)]
struct DeletedStatus {
    id: u64,
    id_str: String,
    user_id: u64,
    user_id_str: String,
}

#[derive(Serialize)]
struct WarningMessage {
    warning: Warning,
}

#[derive(Serialize)]
struct Warning {
    code: &'static str,
    message: String,
    percent_full: u8,
}
