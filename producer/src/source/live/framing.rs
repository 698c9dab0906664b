//! Splits a chunked streaming response body into one frame per line: Twitter's streams (one
//! JSON message per line, terminated by `"\r\n"`, blank lines as keep-alives) and Mastodon's
//! server-sent events (whose lines the SSE reader groups into events).
//!
//! HTTP chunk boundaries bear no relation to line boundaries: a chunk may end anywhere, even
//! inside a multi-byte UTF-8 character, so partial lines are buffered here until their end
//! arrives. The framer works on bytes only and never decodes UTF-8.

/// One complete line of the stream, as seen by the code that reads it.
///
/// Exists so that callers can tell real messages from keep-alives and from
/// lines that were dropped for being too long, without looking at bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// The bytes of one line, without its `"\n"` and without one trailing
    /// `"\r"`; never empty and never only ASCII whitespace.
    Message(Vec<u8>),
    /// A line that was empty or only ASCII whitespace: the server's
    /// keep-alive, which proves the connection is still up.
    KeepAlive,
    /// A line longer than the framer's limit; its bytes were discarded.
    TooLong {
        /// The full length of the line, without its `"\n"` and without one
        /// trailing `"\r"`.
        bytes: usize,
    },
}

/// Where the framer is within the current, incomplete line.
#[derive(Debug)]
enum State {
    /// The line so far fits the limit and sits in `LineFramer::buf`.
    Buffering,
    /// The line has outgrown the limit; its bytes are counted, not kept.
    Discarding {
        /// Bytes of the line seen so far, including a possible trailing `\r`.
        seen: usize,
        /// Whether the last byte seen was `\r` (it may be the terminator's).
        last_cr: bool,
    },
}

/// Turns the chunks of a streaming response body into [`Frame`]s.
///
/// Exists because a message may be split across any number of chunks; it
/// keeps the partial line between calls to [`LineFramer::push`] and bounds
/// how much of it it is willing to hold.
#[derive(Debug)]
pub(crate) struct LineFramer {
    max_line_bytes: usize,
    buf: Vec<u8>,
    state: State,
}

impl LineFramer {
    /// Creates a framer that accepts lines of up to `max_line_bytes` bytes
    /// (not counting the `"\r\n"` terminator).
    ///
    /// The limit protects memory against a peer that never sends a newline:
    /// the framer never holds more than `max_line_bytes + 1` bytes of a
    /// partial line (the extra byte being a `\r` that may start the
    /// terminator). Longer lines are reported as [`Frame::TooLong`].
    pub(crate) fn new(max_line_bytes: usize) -> Self {
        Self {
            max_line_bytes,
            buf: Vec::new(),
            state: State::Buffering,
        }
    }

    /// Feeds the next chunk of the body and appends to `out` every frame
    /// whose line ended in it; bytes after the chunk's last `"\n"` are kept
    /// for the next call.
    ///
    /// Takes an output vector, rather than returning one, so that callers can
    /// reuse a single allocation for every chunk.
    pub(crate) fn push(&mut self, chunk: &[u8], out: &mut Vec<Frame>) {
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.end_line(&rest[..nl], out);
            rest = &rest[nl + 1..];
        }
        self.absorb(rest);
    }

    /// Length of the line that has started but not yet ended, counting bytes
    /// already discarded for being over the limit.
    ///
    /// Exists so that a caller whose stream ends can tell whether a partial
    /// message was lost with it.
    pub(crate) fn pending_bytes(&self) -> usize {
        match self.state {
            State::Buffering => self.buf.len(),
            State::Discarding { seen, .. } => seen,
        }
    }

    /// Handles `tail`, the last bytes of a line whose `"\n"` just arrived.
    fn end_line(&mut self, tail: &[u8], out: &mut Vec<Frame>) {
        match self.state {
            State::Discarding { seen, last_cr } => {
                let ends_cr = match tail.last() {
                    Some(&b) => b == b'\r',
                    None => last_cr,
                };
                let bytes = seen + tail.len() - usize::from(ends_cr);
                out.push(Frame::TooLong { bytes });
                self.state = State::Buffering;
            }
            State::Buffering => {
                let ends_cr = tail.last().or(self.buf.last()) == Some(&b'\r');
                let len = self.buf.len() + tail.len() - usize::from(ends_cr);
                let from_buf = len.min(self.buf.len());
                let head = &self.buf[..from_buf];
                let tail = &tail[..len - from_buf];
                let frame = if len > self.max_line_bytes {
                    Frame::TooLong { bytes: len }
                } else if head.iter().chain(tail).all(u8::is_ascii_whitespace) {
                    Frame::KeepAlive
                } else {
                    let mut line = Vec::with_capacity(len);
                    line.extend_from_slice(head);
                    line.extend_from_slice(tail);
                    Frame::Message(line)
                };
                out.push(frame);
                // Keep the buffer's capacity (bounded by the limit) for the
                // next partial line.
                self.buf.clear();
            }
        }
    }

    /// Keeps (or counts) `part`, bytes of a line whose end has not arrived.
    fn absorb(&mut self, part: &[u8]) {
        let Some(&last) = part.last() else {
            return;
        };
        match &mut self.state {
            State::Discarding { seen, last_cr } => {
                *seen += part.len();
                *last_cr = last == b'\r';
            }
            State::Buffering => {
                let total = self.buf.len() + part.len();
                // A final `\r` may belong to the terminator, so it does not
                // count against the limit until a byte other than `\n`
                // follows it.
                let ends_cr = last == b'\r';
                if total - usize::from(ends_cr) > self.max_line_bytes {
                    self.buf.clear();
                    self.state = State::Discarding {
                        seen: total,
                        last_cr: ends_cr,
                    };
                } else {
                    self.reserve_within_limit(part.len());
                    self.buf.extend_from_slice(part);
                }
            }
        }
    }

    /// Makes room for `additional` more bytes without letting the buffer's
    /// capacity grow past what the limit can ever need.
    fn reserve_within_limit(&mut self, additional: usize) {
        let needed = self.buf.len() + additional;
        if needed <= self.buf.capacity() {
            return;
        }
        let ceiling = self.max_line_bytes.saturating_add(1);
        let target = needed
            .max(self.buf.capacity().saturating_mul(2))
            .min(ceiling);
        self.buf.reserve_exact(target - self.buf.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frames(framer: &mut LineFramer, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut out = Vec::new();
        for chunk in chunks {
            framer.push(chunk, &mut out);
        }
        out
    }

    fn msg(bytes: &[u8]) -> Frame {
        Frame::Message(bytes.to_vec())
    }

    #[test]
    fn splits_messages_and_keep_alives() {
        let mut f = LineFramer::new(1024);
        let got = frames(&mut f, &[b"{\"a\":1}\r\n\r\n{\"b\":2}\r\n"]);
        assert_eq!(
            got,
            vec![msg(b"{\"a\":1}"), Frame::KeepAlive, msg(b"{\"b\":2}")]
        );
        assert_eq!(f.pending_bytes(), 0);
    }

    #[test]
    fn bare_newline_and_whitespace_lines_are_keep_alives() {
        let mut f = LineFramer::new(1024);
        let got = frames(&mut f, &[b"\n \r\n\t \r\nx\n"]);
        assert_eq!(
            got,
            vec![
                Frame::KeepAlive,
                Frame::KeepAlive,
                Frame::KeepAlive,
                msg(b"x")
            ]
        );
    }

    #[test]
    fn strips_only_one_trailing_carriage_return() {
        let mut f = LineFramer::new(1024);
        let got = frames(&mut f, &[b"a\r\r\n", b"b\rc\r\n"]);
        assert_eq!(got, vec![msg(b"a\r"), msg(b"b\rc")]);
    }

    #[test]
    fn keeps_bytes_after_last_newline_until_next_push() {
        let mut f = LineFramer::new(1024);
        let mut out = Vec::new();
        f.push(b"{\"a\":1}\r\n{\"b\"", &mut out);
        assert_eq!(out, vec![msg(b"{\"a\":1}")]);
        assert_eq!(f.pending_bytes(), 4);

        out.clear();
        f.push(b":2}\r", &mut out);
        assert!(out.is_empty());
        assert_eq!(f.pending_bytes(), 8);

        f.push(b"\n", &mut out);
        assert_eq!(out, vec![msg(b"{\"b\":2}")]);
        assert_eq!(f.pending_bytes(), 0);
    }

    #[test]
    fn reassembles_split_multibyte_character() {
        let text = "{\"text\":\"caf\u{e9} \u{1f600}\"}\r\n".as_bytes();
        // Split inside the four-byte emoji.
        let cut = text.len() - 5;
        let mut f = LineFramer::new(1024);
        let got = frames(&mut f, &[&text[..cut], &text[cut..]]);
        assert_eq!(got, vec![msg(&text[..text.len() - 2])]);
    }

    #[test]
    fn empty_chunks_change_nothing() {
        let mut f = LineFramer::new(1024);
        let got = frames(&mut f, &[b"", b"ab", b"", b"\r", b"", b"\n", b""]);
        assert_eq!(got, vec![msg(b"ab")]);
    }

    #[test]
    fn line_at_the_limit_is_accepted() {
        let mut f = LineFramer::new(4);
        // The `\r` arrives alone and must not push the line over the limit.
        let got = frames(&mut f, &[b"abcd", b"\r", b"\n"]);
        assert_eq!(got, vec![msg(b"abcd")]);
        let got = frames(&mut f, &[b"abcd\n"]);
        assert_eq!(got, vec![msg(b"abcd")]);
    }

    #[test]
    fn too_long_line_in_one_chunk() {
        let mut f = LineFramer::new(4);
        let got = frames(&mut f, &[b"abcde\r\nok\r\n"]);
        assert_eq!(got, vec![Frame::TooLong { bytes: 5 }, msg(b"ok")]);
    }

    #[test]
    fn too_long_line_is_discarded_as_it_arrives() {
        let mut f = LineFramer::new(4);
        let mut out = Vec::new();
        f.push(b"abc", &mut out);
        f.push(b"d\r", &mut out);
        assert_eq!(f.buf.len(), 5, "a pending \\r may exceed the limit by one");
        f.push(b"efgh", &mut out);
        assert!(f.buf.is_empty(), "over-long bytes must not be buffered");
        assert!(f.buf.capacity() <= 5);
        f.push(&[b'x'; 10_000], &mut out);
        assert!(f.buf.capacity() <= 5);
        assert!(out.is_empty());
        assert_eq!(f.pending_bytes(), 10_009);
        f.push(b"\r", &mut out);
        f.push(b"\nnext\r\n", &mut out);
        assert_eq!(out, vec![Frame::TooLong { bytes: 10_009 }, msg(b"next")]);
    }

    #[test]
    fn too_long_length_counts_a_carriage_return_not_at_the_end() {
        let mut f = LineFramer::new(2);
        let got = frames(&mut f, &[b"ab\r", b"c\n"]);
        assert_eq!(got, vec![Frame::TooLong { bytes: 4 }]);
    }

    #[test]
    fn long_whitespace_line_is_too_long() {
        let mut f = LineFramer::new(2);
        let got = frames(&mut f, &[b"     \r\n"]);
        assert_eq!(got, vec![Frame::TooLong { bytes: 5 }]);
    }

    #[test]
    fn zero_limit_still_passes_keep_alives() {
        let mut f = LineFramer::new(0);
        let got = frames(&mut f, &[b"\r\n", b"\r", b"\n", b"a\r\n"]);
        assert_eq!(
            got,
            vec![
                Frame::KeepAlive,
                Frame::KeepAlive,
                Frame::TooLong { bytes: 1 }
            ]
        );
    }

    /// One line of a generated stream.
    #[derive(Debug, Clone)]
    enum Line {
        Message(Vec<u8>),
        KeepAlive(Vec<u8>),
    }

    fn line() -> impl Strategy<Value = Line> {
        let message = prop_oneof![
            // Arbitrary bytes, including invalid UTF-8 and stray `\r`.
            proptest::collection::vec(any::<u8>(), 1..64),
            // Non-ASCII text, so multi-byte characters get split.
            "[^\n]{1,24}".prop_map(String::into_bytes),
        ]
        .prop_map(|mut bytes| {
            bytes.retain(|&b| b != b'\n');
            bytes
        })
        .prop_filter("a message has a non-whitespace byte", |bytes| {
            !bytes.iter().all(u8::is_ascii_whitespace)
        });
        let keep_alive = prop_oneof![
            4 => Just(Vec::new()),
            1 => "[ \t]{1,3}".prop_map(String::into_bytes),
        ];
        prop_oneof![
            3 => message.prop_map(Line::Message),
            1 => keep_alive.prop_map(Line::KeepAlive),
        ]
    }

    /// Serialises `lines` with `"\r\n"`, giving the stream's bytes and the
    /// frames a framer with limit `max` should produce from them.
    fn stream(lines: &[Line], max: usize) -> (Vec<u8>, Vec<Frame>) {
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for line in lines {
            let (content, frame) = match line {
                Line::Message(m) if m.len() > max => (m, Frame::TooLong { bytes: m.len() }),
                Line::Message(m) => (m, Frame::Message(m.clone())),
                Line::KeepAlive(k) if k.len() > max => (k, Frame::TooLong { bytes: k.len() }),
                Line::KeepAlive(k) => (k, Frame::KeepAlive),
            };
            bytes.extend_from_slice(content);
            bytes.extend_from_slice(b"\r\n");
            expected.push(frame);
        }
        (bytes, expected)
    }

    fn chunked(bytes: &[u8], cuts: Vec<usize>) -> Vec<&[u8]> {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in cuts {
            chunks.push(&bytes[start..cut]);
            start = cut;
        }
        chunks.push(&bytes[start..]);
        chunks
    }

    proptest! {
        #[test]
        fn frames_equal_input_for_any_chunking(
            lines in proptest::collection::vec(line(), 0..20),
            cuts in proptest::collection::vec(any::<usize>(), 0..30),
        ) {
            let (bytes, expected) = stream(&lines, usize::MAX);
            let mut f = LineFramer::new(1 << 16);
            let got = frames(&mut f, &chunked(&bytes, cuts));
            prop_assert_eq!(got, expected);
            prop_assert_eq!(f.pending_bytes(), 0);
        }

        #[test]
        fn too_long_lines_are_reported_and_never_buffered(
            lines in proptest::collection::vec(line(), 0..20),
            cuts in proptest::collection::vec(any::<usize>(), 0..30),
            max in 0usize..40,
        ) {
            let (bytes, expected) = stream(&lines, max);
            let mut f = LineFramer::new(max);
            let mut got = Vec::new();
            for chunk in chunked(&bytes, cuts) {
                f.push(chunk, &mut got);
                prop_assert!(f.buf.len() <= max + 1);
                prop_assert!(f.buf.capacity() <= max + 1);
            }
            prop_assert_eq!(got, expected);
        }
    }
}
