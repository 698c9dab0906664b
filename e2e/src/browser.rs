//! A real headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`,
//! which scripts/test.sh installs), for tests of the consumer's dashboard. Synchronous wrappers
//! over `fantoccini`, so tests read like the other end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Map, Value};

use crate::proc::free_ports;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A Chromium session with its chromedriver, both stopped on drop.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    profile: tempfile::TempDir,
}

/// chromedriver listening on `port`, its output in `dir/chromedriver.log`.
fn chromedriver(dir: &Path, port: u16) -> Child {
    let log = std::fs::File::create(dir.join("chromedriver.log")).expect("log file");
    Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .expect("start chromedriver")
}

/// A headless Chromium with the profile at `profile`, a window of `width`×`height`, and none
/// of its own network use (updates, sync, background requests).
fn capabilities(profile: &Path, width: u32, height: u32) -> Map<String, Value> {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        &format!("--user-data-dir={}", profile.display()),
        &format!("--window-size={width},{height}"),
    ];
    let capabilities = json!({
        "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile; chromedriver's log
    /// goes to `dir`. Panics with the install command when they are missing.
    pub fn start(dir: &Path, width: u32, height: u32) -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: run scripts/test.sh, or apt-get install chromium chromium-driver"
            );
        }
        let port = free_ports(1)[0];
        let driver = chromedriver(dir, port);
        let profile = tempfile::tempdir().expect("profile dir");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut browser = Browser {
            runtime,
            client: None,
            driver,
            profile,
        };
        let capabilities = capabilities(browser.profile.path(), width, height);
        browser.client = Some(browser.connect(port, capabilities));
        browser
    }

    /// A session through the chromedriver at `port`, retried for up to 60 s while it starts.
    fn connect(&self, port: u16, capabilities: Map<String, Value>) -> Client {
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        loop {
            match self.runtime.block_on(builder.connect(&url)) {
                Ok(client) => break client,
                // chromedriver is still starting.
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200))
                }
                Err(e) => panic!("cannot start a Chromium session through chromedriver: {e}"),
            }
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("a session")
    }

    /// Opens `url`.
    pub fn goto(&self, url: &str) {
        self.runtime
            .block_on(self.client().goto(url))
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Runs `script` (a function body; `return` gives the value) in the page.
    pub fn eval(&self, script: &str) -> Value {
        self.runtime
            .block_on(self.client().execute(script, Vec::new()))
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Resizes the window, e.g. to a phone's size.
    pub fn resize(&self, width: u32, height: u32) {
        self.runtime
            .block_on(self.client().set_window_size(width, height))
            .expect("resize the window");
    }

    /// Saves a PNG of the page as a test artifact; returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .runtime
            .block_on(self.client().screenshot())
            .expect("screenshot");
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).expect("artifacts dir");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where tests leave artifacts such as screenshots: `target/test-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/test-artifacts")
        .components()
        .collect()
}
