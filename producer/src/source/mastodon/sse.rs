//! Server-sent events (the WHATWG `text/event-stream` format) as Mastodon's streaming API writes
//! them: `event: <name>`, `data: <payload>` and a blank line per event, comment lines starting
//! with `:` (`:)` on connect, `:thump` every 15 s).
//!
//! Hand-written on the Twitter sources' byte-level [`LineFramer`] rather than taken from
//! `eventsource-stream` 0.2.3, which decodes UTF-8 before framing: one invalid byte makes it hold
//! every later byte of the connection unparsed (checked: the events after it never come out),
//! while bytes keep arriving, so a stall timeout would never fire either. It also keeps no bound
//! on a partial event and drops comments, which show that a connection is alive. Here payloads
//! stay bytes (the JSON parser checks them), lines and events are bounded, and comments are
//! reported.
//!
//! Lines end with `\n` or `\r\n` (Mastodon writes `\n`); a lone `\r` as a line end, which the
//! format also allows, is not recognised.

use crate::source::live::framing::{Frame, LineFramer};

/// One thing read from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// A complete event.
    Event(Event),
    /// A comment line: a heartbeat (or the `:)` greeting).
    Comment,
    /// An event that was too long (a line or its data over the limit); its bytes are gone.
    TooLong { bytes: usize },
}

/// An event: its name (`message` when it gave none) and its data lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) name: String,
    pub(crate) data: Vec<u8>,
}

/// Turns the chunks of an SSE response body into [`Item`]s.
#[derive(Debug)]
pub(crate) struct SseReader {
    framer: LineFramer,
    max_event_bytes: usize,
    frames: Vec<Frame>,
    /// The event being read.
    name: Option<String>,
    data: Vec<u8>,
    has_data: bool,
    /// Bytes of the event being read once it is known to be too long.
    too_long: Option<usize>,
}

impl SseReader {
    /// A reader that accepts events of up to `max_event_bytes` (each line, and the data).
    pub(crate) fn new(max_event_bytes: usize) -> SseReader {
        SseReader {
            framer: LineFramer::new(max_event_bytes),
            max_event_bytes,
            frames: Vec::new(),
            name: None,
            data: Vec::new(),
            has_data: false,
            too_long: None,
        }
    }

    /// Feeds the next chunk and appends to `out` what it completed.
    pub(crate) fn push(&mut self, chunk: &[u8], out: &mut Vec<Item>) {
        self.framer.push(chunk, &mut self.frames);
        let frames = std::mem::take(&mut self.frames);
        for frame in &frames {
            match frame {
                Frame::KeepAlive => self.dispatch(out),
                Frame::TooLong { bytes } => self.overflow(*bytes),
                Frame::Message(line) => self.line(line, out),
            }
        }
        self.frames = frames;
        self.frames.clear();
    }

    /// Bytes of a line or event that started and has not ended, so a caller whose stream ends
    /// can tell whether an event was cut off.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.framer.pending_bytes() + self.data.len()
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<Item>) {
        if line.first() == Some(&b':') {
            out.push(Item::Comment);
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"event" => self.name = Some(String::from_utf8_lossy(value).into_owned()),
            b"data" => self.append(value),
            // `id` and `retry` are for browsers' reconnects; Mastodon sends neither.
            _ => {}
        }
    }

    fn append(&mut self, value: &[u8]) {
        if self.has_data {
            self.data.push(b'\n');
        }
        self.has_data = true;
        if self.too_long.is_some() || self.data.len() + value.len() > self.max_event_bytes {
            self.overflow(value.len());
        } else {
            self.data.extend_from_slice(value);
        }
    }

    /// The event being read has grown by `bytes` past what is kept: it is dropped, and only
    /// its length is counted from here on.
    fn overflow(&mut self, bytes: usize) {
        let kept = self.too_long.unwrap_or(self.data.len());
        self.too_long = Some(kept + bytes);
        self.data = Vec::new();
    }

    /// A blank line ends the event; one without data is no event (the format's rule).
    fn dispatch(&mut self, out: &mut Vec<Item>) {
        let name = self.name.take();
        let has_data = std::mem::take(&mut self.has_data);
        if let Some(bytes) = self.too_long.take() {
            out.push(Item::TooLong { bytes });
        } else if has_data {
            out.push(Item::Event(Event {
                name: name.unwrap_or_else(|| "message".to_owned()),
                data: std::mem::take(&mut self.data),
            }));
        }
        self.data.clear();
    }
}

#[cfg(test)]
mod tests;
