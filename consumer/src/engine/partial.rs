//! Messages on the partials topic: how each counting consumer hands its partitions' window
//! counts and progress to the single place that merges them.
//!
//! JSON, so an operator can read the topic with any console consumer; the volume is one message
//! per window and partition plus a heartbeat, small next to the raw tweets.

use serde::{Deserialize, Serialize};

use crate::engine::counts::WindowTotals;
use crate::engine::window::WindowId;

/// One message from a counting stage, about one source: a partition of a raw topic, by its
/// input index (`engine::inputs`; with one raw topic, its partition number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PartialMessage {
    /// A window's counts from one source partition: final once the partition closed it, else a
    /// snapshot for early updates. A final part always precedes the progress that closes it.
    Window {
        source: i32,
        window: WindowId,
        #[serde(rename = "final")]
        is_final: bool,
        totals: WindowTotals,
    },
    /// The source partition's watermark; `idle` when it is read to its end, quiet for the idle
    /// timeout and has closed all its windows, so it need not hold back the others.
    Progress {
        source: i32,
        watermark_ms: Option<i64>,
        idle: bool,
    },
}

impl PartialMessage {
    /// The message bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("partial messages always serialise")
    }

    /// Reads a message; anything else on the topic is an error the caller counts and skips.
    pub fn decode(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The source partition the message is about.
    pub(crate) fn source(&self) -> i32 {
        match self {
            PartialMessage::Window { source, .. } | PartialMessage::Progress { source, .. } => {
                *source
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::window::Shape;

    #[test]
    fn round_trips_and_is_readable_json() {
        let m = PartialMessage::Window {
            source: 2,
            window: WindowId {
                shape: Shape {
                    size_ms: 10_000,
                    slide_ms: 5_000,
                },
                start_ms: 5_000,
            },
            is_final: true,
            totals: WindowTotals::default(),
        };
        let bytes = m.encode();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with(r#"{"type":"window","source":2,"#),
            "{text}"
        );
        assert!(text.contains(r#""final":true"#), "{text}");
        assert_eq!(PartialMessage::decode(&bytes).unwrap(), m);
        let p = PartialMessage::Progress {
            source: 1,
            watermark_ms: None,
            idle: true,
        };
        assert_eq!(PartialMessage::decode(&p.encode()).unwrap(), p);
        assert!(PartialMessage::decode(br#"{"type":"other"}"#).is_err());
    }
}
