//! Showing an error to a person, once, where it ends up (the binaries' last error line, a log
//! line, a dead-letter header): what failed, then each cause, `what failed: why: why`.
//!
//! The errors of this workspace follow the Rust API guidelines: an error's message describes
//! only itself, and its cause is reached through [`Error::source`]. So printing an error alone
//! (`{}`) loses the cause, and the cause is printed by whoever reports the error, with
//! [`Report`]. Some other libraries' errors also print their cause in their own message
//! (librdkafka's `KafkaError`, serde_json's I/O errors): a cause whose message the one before
//! already ends with is not printed again.

use std::error::Error;
use std::fmt;

/// An error and its causes, displayed on one line joined by `": "`, each cause once.
///
/// ```
/// # use model::report::Report;
/// let error = std::io::Error::other("disk full");
/// assert_eq!(Report(&error).to_string(), "disk full");
/// ```
#[derive(Clone, Copy)]
pub struct Report<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let message = error.to_string();
            if !message.is_empty() && !shown.ends_with(&message) {
                if !shown.is_empty() {
                    f.write_str(": ")?;
                }
                f.write_str(&message)?;
            }
            shown = message;
            cause = error.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read checkpoint {path}")]
    struct Read {
        path: &'static str,
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("while starting")]
    struct Starting(#[source] Read);

    /// Prints its cause in its own message too, as librdkafka's errors do.
    #[derive(Debug, thiserror::Error)]
    #[error("Message production error: {0}")]
    struct Repeats(#[source] Code);

    #[derive(Debug, thiserror::Error)]
    #[error("MsgTimedOut (Local: Message timed out)")]
    struct Code;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot send to the result topic")]
    struct Send(#[source] Repeats);

    #[test]
    fn every_cause_follows_its_error() {
        let error = Starting(Read {
            path: "cp.json",
            source: std::io::Error::other("disk"),
        });
        assert_eq!(error.to_string(), "while starting");
        assert_eq!(
            Report(&error).to_string(),
            "while starting: cannot read checkpoint cp.json: disk"
        );
    }

    #[test]
    fn a_cause_already_printed_by_its_error_is_not_repeated() {
        let error = Send(Repeats(Code));
        assert_eq!(
            Report(&error).to_string(),
            "cannot send to the result topic: Message production error: MsgTimedOut (Local: \
             Message timed out)"
        );
    }

    #[test]
    fn an_anyhow_chain_reads_the_same_as_its_alternate_format() {
        let error = anyhow::Error::new(std::io::Error::other("disk"))
            .context("cannot write the counts file");
        assert_eq!(Report(error.as_ref()).to_string(), format!("{error:#}"));
    }
}
