//! Input quoted in error messages. A rejected message is logged and dead-lettered with its
//! error as the reason, so every error message must stay one short line whatever the input
//! holds: newlines, quotes, or megabytes of text in the wrong field.

use std::fmt::Write as _;

/// Characters of escaped input quoted in a message before it is cut.
const QUOTED_CHARS: usize = 64;

/// Longest error message, in characters; longer ones lose their middle.
pub(crate) const MAX_MESSAGE_CHARS: usize = 300;

/// `text` quoted and escaped as Rust's `Debug` does, cut after [`QUOTED_CHARS`] characters of
/// the escaped form (escapes make a character up to ten long: `\u{10ffff}`).
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    let mut shown = 0;
    for c in text.chars() {
        let escaped = c.escape_debug();
        shown += escaped.len();
        if shown > QUOTED_CHARS {
            return format!("{out}\"… ({} bytes)", text.len());
        }
        // `Debug` for strings leaves single quotes alone.
        if c == '\'' {
            out.push(c);
        } else {
            out.extend(escaped);
        }
    }
    out.push('"');
    out
}

/// Characters that would end a line in a log file or viewer.
pub(crate) fn breaks_lines(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `message` on one line (control characters escaped) and at most [`MAX_MESSAGE_CHARS`]
/// characters, keeping its start and its end (where serde_json says the line and column).
pub(crate) fn one_line(message: &str) -> String {
    let mut line = String::with_capacity(message.len().min(4 * MAX_MESSAGE_CHARS));
    for c in message.chars() {
        if breaks_lines(c) {
            write!(line, "{}", c.escape_default()).expect("writing to a String");
        } else {
            line.push(c);
        }
    }
    let chars = line.chars().count();
    if chars <= MAX_MESSAGE_CHARS {
        return line;
    }
    let keep_end = MAX_MESSAGE_CHARS / 3;
    let head_end = line
        .char_indices()
        .nth(MAX_MESSAGE_CHARS - keep_end - 1)
        .map_or(line.len(), |(i, _)| i);
    let tail_start = line
        .char_indices()
        .nth(chars - keep_end)
        .map_or(line.len(), |(i, _)| i);
    format!("{}…{}", &line[..head_end], &line[tail_start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_and_cuts() {
        assert_eq!(quoted("x1"), r#""x1""#);
        assert_eq!(quoted("a\nb\"c"), r#""a\nb\"c""#);
        assert_eq!(quoted("it's"), r#""it's""#);
        let long = "é".repeat(1000);
        let q = quoted(&long);
        assert!(q.starts_with(&format!("\"{}\"…", "é".repeat(QUOTED_CHARS))));
        assert!(q.ends_with("(2000 bytes)"), "{q}");
    }

    /// Found by fuzzing: 64 control characters quoted as `\u{5}` each made a 400-character
    /// message; the cut now counts the escaped form.
    #[test]
    fn quoting_cuts_after_the_escaped_length() {
        for long in [
            "\u{5}".repeat(100),
            "\u{10ffff}".repeat(100),
            "\\".repeat(100),
        ] {
            let q = quoted(&long);
            assert!(q.chars().count() <= QUOTED_CHARS + 20, "{q}");
            assert!(q.ends_with(&format!("… ({} bytes)", long.len())), "{q}");
        }
        assert_eq!(
            quoted(&"\u{5}".repeat(10)),
            format!("\"{}\"", "\\u{5}".repeat(10))
        );
    }

    #[test]
    fn one_line_keeps_short_messages_and_cuts_the_middle_of_long_ones() {
        assert_eq!(one_line("plain"), "plain");
        assert_eq!(one_line("a\nb\r\u{0}\u{2028}"), "a\\nb\\r\\u{0}\\u{2028}");
        let long = format!("start {} at line 1 column 9", "x".repeat(5000));
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS);
        assert!(cut.starts_with("start xx"), "{cut}");
        assert!(cut.ends_with("xx at line 1 column 9"), "{cut}");
        assert!(cut.contains('…'));
    }
}
