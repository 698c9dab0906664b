//! Where window results go: each partition's closed windows as JSON lines (the record a
//! restart or a test can rely on), and merged windows as a console table for people.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use chrono::{TimeZone, Utc};
use serde::Serialize;
use tracing::warn;
use unicode_width::UnicodeWidthStr;

use common::timestamp::format_human;

use crate::merge::MergedWindow;
use crate::topn::top_n;
use crate::window::ClosedWindow;

/// Receives results from the pipeline; separated from it so the pipeline is testable without
/// files or terminals.
pub trait Output {
    /// One partition's final counts for a window. Must be durable once `flush` returns.
    fn partition_window(&mut self, partition: i32, window: &ClosedWindow) -> io::Result<()>;
    /// A window merged over partitions, for display.
    fn merged_window(&mut self, window: &MergedWindow) -> io::Result<()>;
    /// Makes everything written so far durable; called before offsets are committed.
    fn flush(&mut self) -> io::Result<()>;
}

/// The consumer's real output: a Spark-style console table and an optional JSON-lines file.
pub struct Sink<W: Write> {
    top: usize,
    /// `None` once the console failed (e.g. a closed pipe): tables are for people, so losing
    /// the terminal must not stop counting.
    console: Option<W>,
    counts_file: Option<BufWriter<File>>,
}

impl<W: Write> Sink<W> {
    /// `counts_file` is appended to, so restarts add to what earlier runs wrote.
    pub fn new(top: usize, console: W, counts_file: Option<&Path>) -> io::Result<Self> {
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
            top,
            console: Some(console),
            counts_file,
        })
    }

    fn console(&mut self, write: impl FnOnce(&mut W) -> io::Result<()>) {
        if let Some(console) = &mut self.console {
            if let Err(error) = write(console) {
                warn!(%error, "cannot write to the console; tables are no longer shown");
                self.console = None;
            }
        }
    }
}

/// One line of the counts file.
#[derive(Serialize)]
struct CountsLine<'a> {
    window_start: String,
    window_end: String,
    window_start_ms: i64,
    window_end_ms: i64,
    partition: i32,
    tweets: u64,
    counts: BTreeMap<&'a str, u64>,
}

fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl<W: Write> Output for Sink<W> {
    fn partition_window(&mut self, partition: i32, window: &ClosedWindow) -> io::Result<()> {
        let Some(file) = &mut self.counts_file else {
            return Ok(());
        };
        let line = CountsLine {
            window_start: rfc3339(window.start_ms),
            window_end: rfc3339(window.end_ms),
            window_start_ms: window.start_ms,
            window_end_ms: window.end_ms,
            partition,
            tweets: window.tweets,
            counts: window
                .counts
                .iter()
                .map(|(k, &v)| (k.as_str(), v))
                .collect(),
        };
        serde_json::to_writer(&mut *file, &line)?;
        file.write_all(b"\n")
    }

    fn merged_window(&mut self, window: &MergedWindow) -> io::Result<()> {
        let table = render_table(window, self.top);
        self.console(|c| c.write_all(table.as_bytes()).and_then(|()| c.flush()));
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if let Some(file) = &mut self.counts_file {
            file.flush()?;
            file.get_ref().sync_data()?;
        }
        self.console(Write::flush);
        Ok(())
    }
}

/// Renders a window like Spark's console sink: a header, then a bordered table.
pub fn render_table(window: &MergedWindow, top: usize) -> String {
    let rows = top_n(&window.counts, top);
    let tag_width = rows
        .iter()
        .map(|(tag, _)| tag.width() + 1)
        .chain(["hashtag".len()])
        .max()
        .unwrap_or(7);
    let count_width = rows
        .iter()
        .map(|(_, n)| n.to_string().len())
        .chain(["count".len()])
        .max()
        .unwrap_or(5);
    let rule = format!("+{}+{}+\n", "-".repeat(tag_width), "-".repeat(count_width));
    let partitions: Vec<String> = window.partitions.iter().map(i32::to_string).collect();
    let mut out = String::new();
    out.push_str("-------------------------------------------\n");
    out.push_str(&format!(
        "Window: {} - {} UTC{}\n",
        format_human(window.start_ms),
        &format_human(window.end_ms)[11..],
        if window.complete { "" } else { " (partial)" }
    ));
    out.push_str(&format!(
        "Tweets: {}  Distinct hashtags: {}  Partitions: {}\n",
        window.tweets,
        window.counts.len(),
        partitions.join(",")
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
    for (tag, n) in rows {
        let cell = format!("#{tag}");
        let pad = tag_width.saturating_sub(cell.width());
        out.push_str(&format!(
            "|{cell}{}|{n:>cw$}|\n",
            " ".repeat(pad),
            cw = count_width
        ));
    }
    out.push_str(&rule);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::Counts;
    use std::collections::BTreeSet;

    fn window(pairs: &[(&str, u64)]) -> MergedWindow {
        MergedWindow {
            start_ms: 1_764_032_400_000,
            end_ms: 1_764_032_410_000,
            tweets: 7,
            counts: pairs
                .iter()
                .map(|&(k, v)| (k.to_owned(), v))
                .collect::<Counts>(),
            partitions: BTreeSet::from([0, 2]),
            complete: true,
        }
    }

    #[test]
    fn table_lists_top_hashtags_aligned() {
        let t = render_table(&window(&[("rust", 12), ("日本", 3), ("kafka", 5)]), 2);
        assert!(
            t.contains("Window: 2025-11-25 01:00:00 - 01:00:10 UTC\n"),
            "{t}"
        );
        assert!(
            t.contains("Tweets: 7  Distinct hashtags: 3  Partitions: 0,2"),
            "{t}"
        );
        let rows: Vec<&str> = t.lines().filter(|l| l.starts_with("|#")).collect();
        assert_eq!(rows, ["|#rust  |   12|", "|#kafka |    5|"]);
        let widths: BTreeSet<usize> = t
            .lines()
            .filter(|l| l.starts_with(['|', '+']))
            .map(|l| l.width())
            .collect();
        assert_eq!(widths.len(), 1, "all table lines equally wide:\n{t}");
    }

    #[test]
    fn wide_characters_keep_the_table_aligned() {
        let t = render_table(&window(&[("日本語", 1), ("a", 1)]), 5);
        let widths: BTreeSet<usize> = t
            .lines()
            .filter(|l| l.starts_with(['|', '+']))
            .map(|l| l.width())
            .collect();
        assert_eq!(widths.len(), 1, "{t}");
    }

    #[test]
    fn partial_windows_are_labelled() {
        let mut w = window(&[]);
        w.complete = false;
        assert!(render_table(&w, 3).contains("UTC (partial)"));
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
        let mut sink = Sink::new(3, Broken, Some(&path)).unwrap();
        sink.merged_window(&window(&[("a", 1)])).unwrap();
        let closed = ClosedWindow {
            start_ms: 0,
            end_ms: 10_000,
            tweets: 1,
            counts: Counts::new(),
        };
        sink.partition_window(0, &closed).unwrap();
        sink.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
    }

    #[test]
    fn counts_file_gets_one_json_line_per_partition_window() {
        let dir = std::env::temp_dir().join(format!("trends-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("counts.jsonl");
        let mut sink = Sink::new(3, Vec::new(), Some(&path)).unwrap();
        let closed = ClosedWindow {
            start_ms: 0,
            end_ms: 10_000,
            tweets: 2,
            counts: Counts::from([("a".to_owned(), 2)]),
        };
        sink.partition_window(1, &closed).unwrap();
        sink.flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["window_start"], "1970-01-01T00:00:00Z");
        assert_eq!(v["window_end_ms"], 10_000);
        assert_eq!(v["partition"], 1);
        assert_eq!(v["counts"]["a"], 2);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
