//! The consumer under test, when this binary starts it (`--consumer-bin`): started with the
//! run's topics and settings, waited for until it has joined its groups, stopped with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::Args;

/// The consumer under test, when this binary started it; stopped with SIGTERM when dropped.
pub(crate) struct ConsumerProcess {
    child: Child,
}

impl ConsumerProcess {
    /// Starts the consumer and waits until it owns raw partitions and the merge stage (its
    /// "partitions assigned" log line for the raw topic and "merging windows of all
    /// partitions here"), so that the first tweets are not measured with a group join.
    pub(crate) fn start(
        args: &Args,
        topic: &str,
        results: &str,
        group: &str,
    ) -> anyhow::Result<Self> {
        let bin = args
            .consumer_bin
            .as_deref()
            .expect("called with --consumer-bin");
        let mut child = command(bin, args, topic, results, group)
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let process = ConsumerProcess { child };
        let log = forward_log(stderr, args.show_consumer_log);
        wait_until_joined(&log, topic)?;
        Ok(process)
    }

    /// SIGTERM, then up to 30 s for a clean exit, then SIGKILL.
    pub(crate) fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // SAFETY: kill has no memory effects; the pid is our own child's, not yet reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                eprintln!("consumer stopped: {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("consumer ignored SIGTERM for 30 s; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ConsumerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The consumer's command line: the run's broker, topics and group, the window, early-update
/// and commit settings, and any `--consumer-arg`s; its log piped to us.
fn command(bin: &str, args: &Args, topic: &str, results: &str, group: &str) -> Command {
    let mut command = Command::new(bin);
    command
        .args(["--bootstrap-servers", &args.bootstrap_servers])
        .args([
            "--topic",
            topic,
            "--group-id",
            group,
            "--results-topic",
            results,
        ])
        .args([
            "--window",
            &args.window,
            "--early-updates",
            &args.early_updates,
        ])
        .args(["--commit-interval", &args.commit_interval])
        .args(&args.consumer_arg)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Reads the consumer's log on a thread of its own, passing every line on and showing warnings
/// and errors (every line with `show`) on our stderr.
fn forward_log(stderr: ChildStderr, show: bool) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if show || line.contains("WARN") || line.contains("ERROR") {
                eprintln!("[consumer] {line}");
            }
            let _ = tx.send(line);
        }
    });
    rx
}

/// Waits up to 90 s for the log lines saying that the consumer owns partitions of the raw
/// `topic` and the merge stage.
fn wait_until_joined(log: &mpsc::Receiver<String>, topic: &str) -> anyhow::Result<()> {
    let (mut counting, mut merging) = (false, false);
    let raw_assigned = format!("topic={topic} ");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !(counting && merging) {
        let left = deadline.saturating_duration_since(Instant::now());
        match log.recv_timeout(left) {
            Ok(line) => {
                if line.contains("partitions assigned")
                    && line.contains(&raw_assigned)
                    && !line.contains("partitions=[]")
                {
                    counting = true;
                }
                merging |= line.contains("merging windows of all partitions here");
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("the consumer did not join its groups within 90 s")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the consumer exited during startup (run with --show-consumer-log)")
            }
        }
    }
    Ok(())
}
