//! Our binaries and the other processes a test starts: building and spawning them with their
//! output in files, waiting for them, stopping them, and reading what they logged.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Path of a workspace binary, built once per test process so tests always run current code.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "producer", "-p", "consumer"])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the binaries failed");
        let exe = std::env::current_exe().expect("test exe path");
        // target/<profile>/deps/<test> → target/<profile>
        exe.parent()
            .and_then(Path::parent)
            .expect("target dir")
            .to_owned()
    });
    dir.join(name)
}

/// A running binary whose output goes to files, killed if the test panics.
pub struct Proc {
    name: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    status: Option<ExitStatus>,
}

impl Proc {
    /// Starts `bin` with `args` and extra environment (which may override the default
    /// `RUST_LOG=info`), writing output into `dir`.
    pub fn spawn(
        dir: &Path,
        name: &str,
        bin_name: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Proc {
        let stdout = dir.join(format!("{name}.stdout"));
        let stderr = dir.join(format!("{name}.stderr"));
        let child = Command::new(bin(bin_name))
            .args(args)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin_name}: {e}"));
        Proc {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
            status: None,
        }
    }

    /// What the process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The stderr lines so far that contain `needle`: the log lines of one kind.
    pub fn stderr_lines_containing(&self, needle: &str) -> Vec<String> {
        self.stderr()
            .lines()
            .filter(|l| l.contains(needle))
            .map(String::from)
            .collect()
    }

    /// Waits for exit; panics with the process's stderr if it takes longer than `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        if let Some(s) = self.status {
            return s;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                self.status = Some(s);
                return s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "{} did not exit within {timeout:?}; stderr:\n{}",
                    self.name,
                    tail(&self.stderr())
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and waits for a graceful exit.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        self.wait(timeout)
    }

    /// Kills the process with SIGKILL (no chance to clean up) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        self.status = Some(self.child.wait().expect("wait after kill"));
    }

    /// Waits until stderr contains a line satisfying `pred`, or panics after `timeout`.
    pub fn wait_for_log(
        &mut self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.stderr().lines().rev().find(|l| pred(l)) {
                return line.to_owned();
            }
            if let Ok(Some(s)) = self.child.try_wait() {
                panic!(
                    "{} exited ({s}) before {what}; stderr:\n{}",
                    self.name,
                    tail(&self.stderr())
                );
            }
            assert!(
                Instant::now() < deadline,
                "{}: no {what} within {timeout:?}; stderr:\n{}",
                self.name,
                tail(&self.stderr())
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `n` TCP ports on 127.0.0.1 that are free now, for the servers a test starts (brokers,
/// chromedriver); all are held at once so that they differ.
pub(crate) fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local address").port())
        .collect()
}

/// Polls `cond` until it holds, or panics after `timeout` naming `what`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A fresh directory for one test's files and its processes' output. With
/// `TRENDS_KEEP_TEST_DIRS` set it is kept, and its path printed, so a failure can be read
/// afterwards.
pub fn test_dir(name: &str) -> tempfile::TempDir {
    let mut dir = tempfile::tempdir().expect("temp dir");
    if std::env::var_os("TRENDS_KEEP_TEST_DIRS").is_some() {
        dir.disable_cleanup(true);
        eprintln!("{name}: logs kept in {}", dir.path().display());
    }
    dir
}

/// The arguments every test consumer starts with: the broker, the raw topic it reads, its group
/// (each test run has one of its own) and the result topic; the run's own flags follow.
pub fn consumer_args<'a>(
    bootstrap: &'a str,
    topic: &'a str,
    group: &'a str,
    results: &'a str,
) -> Vec<&'a str> {
    vec![
        "--bootstrap-servers",
        bootstrap,
        "--topic",
        topic,
        "--group-id",
        group,
        "--results-topic",
        results,
    ]
}

/// The flags of a consumer a test watches over HTTP (see [`http_url`]): a free port, early
/// updates every 300 ms, and an idle timeout above this machine's broker stalls.
pub const LIVE_VIEW_ARGS: [&str; 6] = [
    "--http",
    "127.0.0.1:0",
    "--early-updates",
    "300ms",
    "--idle-timeout",
    "8s",
];

/// Waits for a consumer started with `--http 127.0.0.1:0` to log where it listens; returns
/// the base URL, e.g. `http://127.0.0.1:41234/`.
pub fn http_url(consumer: &mut Proc) -> String {
    let line = consumer.wait_for_log(Duration::from_secs(60), "the HTTP server", |l| {
        l.contains("HTTP dashboard, API and metrics listening")
    });
    let at = line.find("url=").expect("url field") + "url=".len();
    line[at..]
        .split_whitespace()
        .next()
        .expect("url")
        .to_owned()
}

/// What each consumer did with its partitions (assignments, revocations, takeovers of the
/// merge stage, warnings, final totals), for the failure message of a multi-process test.
pub fn timeline(procs: &[&Proc]) -> String {
    const EVENTS: [&str; 6] = [
        "partitions ",
        "merging windows",
        "restored",
        "consumer stopped",
        " WARN ",
        " ERROR ",
    ];
    let mut out = String::new();
    for p in procs {
        out.push_str(&format!("--- {}\n", p.name));
        for line in p.stderr().lines() {
            if EVENTS.iter().any(|e| line.contains(e)) && !line.contains("CONFWARN") {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The last lines of a log, for failure messages.
pub fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Reads a numeric field such as `consumed=123` from a human-format log line.
pub fn log_field(line: &str, field: &str) -> Option<u64> {
    let at = line.find(&format!("{field}="))? + field.len() + 1;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Parses the partition list from a `partitions assigned` log line (`partitions=[0, 2]`).
pub fn assigned_partitions(line: &str) -> Vec<i32> {
    let Some(at) = line.find("partitions=[") else {
        return Vec::new();
    };
    let rest = &line[at + "partitions=[".len()..];
    let list = &rest[..rest.find(']').unwrap_or(rest.len())];
    list.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_parsing() {
        let line = "2026 INFO consumer: consumer stopped consumed=12 counted=10 late=0";
        assert_eq!(log_field(line, "consumed"), Some(12));
        assert_eq!(log_field(line, "late"), Some(0));
        assert_eq!(log_field(line, "missing"), None);
        assert_eq!(
            assigned_partitions("x partitions assigned partitions=[0, 2]"),
            [0, 2]
        );
        assert_eq!(
            assigned_partitions("x partitions assigned partitions=[]"),
            Vec::<i32>::new()
        );
    }
}
