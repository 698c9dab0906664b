//! Process exit codes, shared so that both binaries mean the same thing by each (see
//! docs/src/operations.md, "Exit codes"), and the one mapping from a failure to its code.

use std::error::Error;
use std::process::ExitCode;

use crate::kafka::KafkaSetupError;
use crate::settings::SettingsError;

/// A run that failed at runtime (e.g. tweets the broker never acknowledged).
pub const FAILURE: i32 = 1;
/// Bad configuration or unreadable input: fix the command line, config file or input file.
pub const USAGE: i32 = 2;
/// Twitter rejected the credentials (401/403).
pub const CREDENTIALS: i32 = 3;
/// The Kafka cluster could not be reached or refused a setup request.
pub const KAFKA: i32 = 4;
/// Still not stopped [`SHUTDOWN_GRACE`](crate::cli::SHUTDOWN_GRACE) after SIGINT/SIGTERM, or a
/// second signal: exited without finishing the flush or commit.
pub const SHUTDOWN_TIMEOUT: i32 = 5;

/// A typed error that ends the process with an exit code of its own rather than [`FAILURE`].
pub trait ExitReason: Error + 'static {
    /// The exit code this failure means.
    fn exit_code(&self) -> i32;
}

/// Recognises one type of [`ExitReason`] among an error's causes; see [`reason`].
pub type Reason = fn(&(dyn Error + 'static)) -> Option<i32>;

/// The [`Reason`] that recognises `R`: how a binary names its own typed errors to [`code`].
pub fn reason<R: ExitReason>(cause: &(dyn Error + 'static)) -> Option<i32> {
    cause.downcast_ref::<R>().map(R::exit_code)
}

/// The typed errors of this crate that both binaries can end with.
const SHARED: [Reason; 2] = [reason::<KafkaSetupError>, reason::<SettingsError>];

/// The exit code of a run that ended with `error`: that of its outermost cause which is a
/// typed error of this crate or one that `own` (the binary's typed errors) recognises, and
/// [`FAILURE`] when none is.
pub fn code(error: &(dyn Error + 'static), own: &[Reason]) -> ExitCode {
    ExitCode::from(number(error, own) as u8)
}

fn number(error: &(dyn Error + 'static), own: &[Reason]) -> i32 {
    let mut causes = std::iter::successors(Some(error), |&cause| cause.source());
    causes
        .find_map(|cause| {
            SHARED
                .iter()
                .chain(own)
                .find_map(|recognise| recognise(cause))
        })
        .unwrap_or(FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("no credentials")]
    struct NoCredentials;

    impl ExitReason for NoCredentials {
        fn exit_code(&self) -> i32 {
            CREDENTIALS
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("while starting")]
    struct Starting(#[source] Box<dyn Error + Send + Sync>);

    #[test]
    fn typed_errors_decide_the_code_wherever_they_are_in_the_chain() {
        let unreachable = KafkaSetupError::Unreachable {
            bootstrap: "b:1".into(),
        };
        assert_eq!(number(&unreachable, &[]), KAFKA);
        let settings = SettingsError::Invalid(config::ConfigError::Message("x".into()));
        assert_eq!(number(&Starting(Box::new(settings)), &[]), USAGE);
        let own: [Reason; 1] = [reason::<NoCredentials>];
        assert_eq!(
            number(&Starting(Box::new(NoCredentials)), &own),
            CREDENTIALS
        );
    }

    #[test]
    fn anything_else_is_a_runtime_failure() {
        assert_eq!(number(&NoCredentials, &[]), FAILURE);
        assert_eq!(number(&std::io::Error::other("disk"), &[]), FAILURE);
    }
}
