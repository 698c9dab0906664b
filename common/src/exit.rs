//! Process exit codes, shared so that both binaries mean the same thing by each (see
//! docs/src/operations.md, "Exit codes").

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
