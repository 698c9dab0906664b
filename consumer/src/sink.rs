//! Where results are shown on this machine: Spark-style console tables and an optional
//! JSON-lines counts file. (The system of record is the result topic; see `results`.)

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tracing::warn;
use unicode_width::UnicodeWidthStr;

use crate::counts::TagCount;
use crate::results::Summary;

/// The console and the counts file.
pub struct Sink<W: Write> {
    /// `None` once the console failed (e.g. a closed pipe): tables are for people, so losing
    /// the terminal must not stop counting.
    console: Option<W>,
    counts_file: Option<BufWriter<File>>,
}

impl<W: Write> Sink<W> {
    /// `counts_file` is appended to, so restarts add to what earlier runs wrote.
    pub fn new(console: W, counts_file: Option<&Path>) -> io::Result<Self> {
        let counts_file = counts_file
            .map(|path| {
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map(BufWriter::new)
            })
            .transpose()?;
        Ok(Sink {
            console: Some(console),
            counts_file,
        })
    }

    /// Shows a table; a console failure is logged once and tables stop.
    pub fn table(&mut self, table: &str) {
        if let Some(console) = &mut self.console {
            if let Err(error) = console
                .write_all(table.as_bytes())
                .and_then(|()| console.flush())
            {
                warn!(%error, "cannot write to the console; tables are no longer shown");
                self.console = None;
            }
        }
    }

    /// Appends a line to the counts file, if there is one.
    pub fn line(&mut self, line: &str) -> io::Result<()> {
        match &mut self.counts_file {
            Some(file) => writeln!(file, "{line}"),
            None => Ok(()),
        }
    }

    /// Makes the counts file durable; called before offsets are committed.
    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(file) = &mut self.counts_file {
            file.flush()?;
            file.get_ref().sync_data()?;
        }
        Ok(())
    }
}

/// Renders a table like Spark's console sink: a title, totals, then a bordered table.
pub fn render_table(title: &str, summary: Summary, rows: Vec<&TagCount>) -> String {
    let approximate = rows.iter().any(|t| t.error > 0);
    let cells: Vec<(String, String)> = rows
        .iter()
        .map(|t| {
            let count = match t.error {
                0 => t.count.to_string(),
                e => format!("{}±{}", t.count, e),
            };
            (format!("#{}", t.display()), count)
        })
        .collect();
    let tag_width = cells
        .iter()
        .map(|(tag, _)| tag.width())
        .chain(["hashtag".len()])
        .max()
        .unwrap_or(7);
    let count_width = cells
        .iter()
        .map(|(_, n)| n.width())
        .chain(["count".len()])
        .max()
        .unwrap_or(5);
    let rule = format!("+{}+{}+\n", "-".repeat(tag_width), "-".repeat(count_width));
    let mut out = String::new();
    out.push_str("-------------------------------------------\n");
    out.push_str(title);
    out.push('\n');
    let sentiment = summary
        .mean_sentiment
        .map(|mean| format!("  Sentiment: {:+.4}", mean.as_f64()))
        .unwrap_or_default();
    out.push_str(&format!(
        "Tweets: {}  Distinct hashtags: {}{sentiment}{}\n",
        summary.tweets,
        summary.distinct,
        if approximate {
            "  (top-K estimates: count±error)"
        } else {
            ""
        }
    ));
    out.push_str("-------------------------------------------\n");
    out.push_str(&rule);
    out.push_str(&format!(
        "|{:<tw$}|{:>cw$}|\n",
        "hashtag",
        "count",
        tw = tag_width,
        cw = count_width
    ));
    out.push_str(&rule);
    for (tag, n) in cells {
        let pad = tag_width.saturating_sub(tag.width());
        let npad = count_width.saturating_sub(n.width());
        out.push_str(&format!(
            "|{tag}{}|{}{n}|\n",
            " ".repeat(pad),
            " ".repeat(npad)
        ));
    }
    out.push_str(&rule);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::Forms;
    use std::collections::BTreeSet;

    fn tag(key: &str, display: &str, count: u64) -> TagCount {
        let mut forms = Forms::default();
        forms.add(display, count);
        TagCount {
            key: key.to_owned(),
            count,
            error: 0,
            forms,
            sentiment: None,
        }
    }

    const SUMMARY: Summary = Summary {
        tweets: 7,
        mentions: 20,
        distinct: 3,
        untracked_bound: 0,
        mean_sentiment: None,
    };

    fn widths(t: &str) -> BTreeSet<usize> {
        t.lines()
            .filter(|l| l.starts_with(['|', '+']))
            .map(|l| l.width())
            .collect()
    }

    #[test]
    fn table_lists_hashtags_in_their_display_spelling_aligned() {
        let rows = [tag("rust", "Rust", 12), tag("kafka", "kafka", 5)];
        let t = render_table("Window: x", SUMMARY, rows.iter().collect());
        assert!(
            t.contains("Window: x\nTweets: 7  Distinct hashtags: 3\n"),
            "{t}"
        );
        let lines: Vec<&str> = t.lines().filter(|l| l.starts_with("|#")).collect();
        assert_eq!(lines, ["|#Rust  |   12|", "|#kafka |    5|"]);
        assert_eq!(widths(&t).len(), 1, "all table lines equally wide:\n{t}");
    }

    #[test]
    fn wide_characters_and_error_bounds_keep_the_table_aligned() {
        let mut approx = tag("a", "a", 9);
        approx.error = 2;
        let rows = [tag("日本語", "日本語", 1), approx];
        let t = render_table("w", SUMMARY, rows.iter().collect());
        assert_eq!(widths(&t).len(), 1, "{t}");
        assert!(t.contains("9±2") && t.contains("top-K estimates"), "{t}");
    }

    /// A console that fails like a closed pipe.
    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_broken_console_does_not_stop_the_counts_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counts.jsonl");
        let mut sink = Sink::new(Broken, Some(&path)).unwrap();
        sink.table("table");
        sink.line("{}").unwrap();
        sink.table("table");
        sink.line("{}").unwrap();
        sink.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n{}\n");
    }
}
