//! Running `kept` in a fresh directory with a clean environment, and a
//! `kept serve` process that is always stopped, even when a test fails.

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The password users created by the tests sign in with.
pub const PASSWORD: &str = "correct horse battery";

/// How long a server may take to start or to stop.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Environment variables that would change what `kept` does: every
/// `KEPT_*` (configuration) and `RUST_LOG` (the log filter).
fn ambient_settings() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("KEPT_") || name == "RUST_LOG")
        .collect()
}

/// A fresh, empty working directory for `kept`.
pub struct Sandbox {
    dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A new empty directory.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `kept` (for assert_cmd) run in the directory, with no `KEPT_*`
    /// variables but those the test sets.
    pub fn kept(&self) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::cargo_bin("kept").expect("the kept binary");
        command.current_dir(self.path());
        for name in ambient_settings() {
            command.env_remove(name);
        }
        command
    }

    /// `kept` as a plain process (for long-running commands), likewise.
    pub fn process(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kept"));
        command.current_dir(self.path());
        for name in ambient_settings() {
            command.env_remove(name);
        }
        command
    }

    /// `kept user add` with the test password on stdin.
    pub fn add_user(&self, email: &str, name: &str, admin: bool) {
        let mut command = self.kept();
        command.args(["user", "add", "--email", email, "--name", name]);
        if admin {
            command.arg("--admin");
        }
        command
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
    }

    /// `kept token create`: the new token (the last word of the output).
    pub fn create_token(&self, email: &str) -> String {
        let output = self
            .kept()
            .args(["token", "create", "--email", email])
            .output()
            .expect("kept token create ran");
        assert!(
            output.status.success(),
            "kept token create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        last_word(&String::from_utf8_lossy(&output.stdout))
    }

    /// `kept serve` on a free port (`extra` adds arguments before `serve`).
    pub fn serve(&self, extra: &[&str]) -> Server {
        let mut command = self.process();
        command
            .args(extra)
            .arg("serve")
            .env("KEPT_ADDR", "127.0.0.1:0");
        Server::start(command, &self.file("serve.stderr"))
    }
}

/// The last whitespace-separated word of some output.
pub fn last_word(output: &str) -> String {
    output
        .split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("no output: {output:?}"))
        .to_owned()
}

/// A running `kept serve` (or `kept demo`); killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    stderr: PathBuf,
}

impl Server {
    /// Starts `command` (stdout piped, stderr to `stderr`) and waits for
    /// its line `Kept is serving at http://ADDR`.
    pub fn start(mut command: Command, stderr: &Path) -> Self {
        let log = File::create(stderr).expect("a file for the server's stderr");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("kept starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, announced) = mpsc::channel();
        // Keeps reading so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut server = Self {
            child,
            address: String::new(),
            stderr: stderr.to_owned(),
        };
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match announced.recv_timeout(left) {
                Ok(line) => {
                    if let Some(address) = line.strip_prefix("Kept is serving at ") {
                        server.address = address.trim().to_owned();
                        return server;
                    }
                }
                Err(_) => panic!(
                    "kept did not announce its address in time; stderr:\n{}",
                    server.stderr_text()
                ),
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// What the server wrote to stderr so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM was delivered");
        self.wait(PATIENCE)
            .unwrap_or_else(|| panic!("kept did not stop within {PATIENCE:?} of SIGTERM"))
    }

    /// Kills the process outright (SIGKILL on Unix: no shutdown code runs,
    /// as in a crash or an OOM kill) and reaps it.
    pub fn kill(&mut self) -> ExitStatus {
        self.child.kill().expect("kept can be killed");
        self.child.wait().expect("the killed process is reaped")
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the process can be polled") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An async HTTP client.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}
