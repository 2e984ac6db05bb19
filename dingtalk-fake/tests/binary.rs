//! The standalone `dingtalk-fake` binary: starts, serves, reports bad arguments and seeds.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{fixture, get, token_at};

const BINARY: &str = env!("CARGO_BIN_EXE_dingtalk-fake");
/// How long the binary may take to start or to exit.
const PATIENCE: Duration = Duration::from_secs(30);
const STARTUP: &str = "fake DingTalk on ";

/// A running `dingtalk-fake` process whose stderr is read line by line; killed on drop.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    address: SocketAddr,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(BINARY)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut running = Running {
            child,
            lines,
            seen: Vec::new(),
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let startup = running.wait_for_line(|line| line.contains(STARTUP));
        let url = startup
            .split_once(STARTUP)
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no URL in {startup:?}"));
        running.address = url
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|err| panic!("bad address in {startup:?}: {err}"));
        running
    }

    /// The next stderr line matching `wanted` (panics if none comes, or the process exits).
    fn wait_for_line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(err) => {
                    let status = self.child.try_wait().ok().flatten();
                    panic!(
                        "no matching line on stderr ({err}); exit status {status:?}; seen: {:#?}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Waits until a TCP connection to the fake succeeds.
    async fn wait_until_listening(&self) {
        let deadline = Instant::now() + PATIENCE;
        while tokio::net::TcpStream::connect(self.address).await.is_err() {
            assert!(Instant::now() < deadline, "{} never answered", self.address);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary to completion (it must exit by itself) and returns (status, stderr).
fn run_to_exit(args: &[&str]) -> (ExitStatus, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dingtalk-fake {args:?} did not exit within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, reader.join().unwrap_or_default())
}

#[tokio::test]
async fn the_binary_serves_gettoken_on_a_free_port() {
    let running = Running::start(&["--port", "0", "--quiet"]);
    running.wait_until_listening().await;
    assert_ne!(running.address.port(), 0);
    let answer = get(
        running.address,
        &format!(
            "/gettoken?appkey={}&appsecret={}",
            dingtalk_fake::DEFAULT_APP_KEY,
            dingtalk_fake::DEFAULT_APP_SECRET
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["errcode"], 0, "{body}");
    assert!(
        body["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert_eq!(body["expires_in"], 7200, "{body}");
}

#[tokio::test]
async fn the_binary_takes_app_credentials_and_a_token_lifetime() {
    let secret = "binary-test-secret-9f3";
    let mut running = Running::start(&[
        "--port",
        "0",
        "--app-key",
        "binary-key",
        "--app-secret",
        secret,
        "--token-lifetime",
        "60",
    ]);
    running.wait_until_listening().await;
    let token = token_at(running.address, "binary-key", secret).await;
    let answer = get(
        running.address,
        &format!("/gettoken?appkey=binary-key&appsecret={secret}"),
    )
    .await;
    assert_eq!(answer.json()["expires_in"], 60);
    let answer = get(
        running.address,
        &format!(
            "/gettoken?appkey={}&appsecret={}",
            dingtalk_fake::DEFAULT_APP_KEY,
            dingtalk_fake::DEFAULT_APP_SECRET
        ),
    )
    .await;
    assert_eq!(answer.errcode(), 40001, "{}", answer.text());

    // Without --quiet every request is logged, without its query (credentials, tokens).
    let logged = running.wait_for_line(|line| line.contains("/gettoken"));
    assert!(logged.contains("GET"), "{logged}");
    for line in running.seen.iter().filter(|l| l.contains("/gettoken")) {
        assert!(
            !line.contains(secret),
            "the secret leaked into the log: {line}"
        );
        assert!(
            !line.contains(&token),
            "the token leaked into the log: {line}"
        );
    }
}

#[tokio::test]
async fn the_binary_starts_with_a_seed_file() {
    let seed = fixture("org.yaml");
    let running = Running::start(&["--port", "0", "--quiet", "--seed", seed.to_str().unwrap()]);
    running.wait_until_listening().await;
    let token = token_at(
        running.address,
        dingtalk_fake::DEFAULT_APP_KEY,
        dingtalk_fake::DEFAULT_APP_SECRET,
    )
    .await;
    assert!(!token.is_empty());
}

#[test]
fn a_malformed_seed_file_exits_non_zero_with_the_error_on_stderr() {
    let cases = [
        ("bad-duplicate-userid.yaml", vec!["duplicate userid", "sam"]),
        ("bad-syntax.yaml", vec![":6:", "YAML syntax error"]),
        ("bad-unknown-key.yaml", vec!["parnet"]),
        ("bad-parent-after-child.yaml", vec!["30", "before"]),
    ];
    for (name, parts) in cases {
        let seed = fixture(name);
        let (status, stderr) = run_to_exit(&["--port", "0", "--seed", seed.to_str().unwrap()]);
        assert!(!status.success(), "{name}: exited with {status}");
        assert!(
            stderr.contains(&seed.display().to_string()),
            "{name}: stderr should name the file: {stderr}"
        );
        for part in parts {
            assert!(
                stderr.contains(part),
                "{name}: expected `{part}` in: {stderr}"
            );
        }
        assert!(
            !stderr.contains(STARTUP),
            "{name}: it started anyway: {stderr}"
        );
    }
}

#[test]
fn a_missing_seed_file_exits_non_zero() {
    let seed = fixture("no-such-seed.yaml");
    let (status, stderr) = run_to_exit(&["--port", "0", "--seed", seed.to_str().unwrap()]);
    assert!(!status.success(), "exited with {status}");
    assert!(stderr.contains("cannot read the seed file"), "{stderr}");
    assert!(stderr.contains("no-such-seed.yaml"), "{stderr}");
}

#[test]
fn bad_arguments_exit_2_with_the_usage() {
    let cases: [(&[&str], &str); 5] = [
        (&["--frobnicate"], "unknown argument `--frobnicate`"),
        (&["--port"], "--port needs a value"),
        (&["--port", "eighty"], "--port:"),
        (&["--port", "70000"], "--port:"),
        (&["--token-lifetime", "-5"], "--token-lifetime:"),
    ];
    for (args, expected) in cases {
        let (status, stderr) = run_to_exit(args);
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in {stderr}"
        );
    }
    let (status, stderr) = run_to_exit(&["--frobnicate"]);
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("usage: dingtalk-fake"), "{stderr}");
}

#[test]
fn a_port_in_use_exits_non_zero() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (status, stderr) = run_to_exit(&["--port", &port, "--quiet"]);
    assert!(!status.success(), "exited with {status}: {stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert!(stderr.contains(&port), "{stderr}");
    drop(taken);
}
