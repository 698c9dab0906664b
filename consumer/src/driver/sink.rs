//! Where results are shown on this machine: Spark-style console tables and an optional
//! JSON-lines counts file. (The system of record is the result topic; see `results`.)

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tracing::warn;

use model::report::Report;

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
                warn!(error = %Report(&error), "cannot write to the console; tables are no longer shown");
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

#[cfg(test)]
mod tests {
    use super::*;

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
