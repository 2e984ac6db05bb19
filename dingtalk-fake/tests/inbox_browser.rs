//! The inbox end to end in headless Chromium: the fake and a Stream test app run here, the
//! page is driven by `tests/browser/inbox.mjs` (Playwright), and the app must have received
//! what the person did in the page.
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`), `node`, and `npm ci` in `tests/browser/`
//! (`.ci/run` installs all three). Without them the test fails, saying what is missing;
//! locally, `DINGTALK_SKIP_BROWSER=1` skips it with a message instead (never under `CI`).
//! On failure the page is saved to `target/inbox-screenshots/`. `INBOX_DOCS_SCREENSHOT=path`
//! also saves a picture of a user's inbox there (how `docs/inbox.png` was made).

mod inbox_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dingtalk_fake::FakeDingTalk;
use inbox_support::{Http, seed, start_app};
use serde_json::{Value, json};

/// The whole browser run may take this long (Chromium's start included).
const BROWSER_PATIENCE: Duration = Duration::from_secs(180);

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What is missing to run the browser, if anything.
fn missing() -> Option<String> {
    if !chromium().exists() {
        return Some(format!(
            "{} is missing: apt-get install -y chromium chromium-driver",
            chromium().display()
        ));
    }
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node is missing: apt-get install -y nodejs npm".into());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        return Some(format!(
            "playwright-core is not installed: npm ci --prefix {}",
            browser_dir().display()
        ));
    }
    None
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("inbox-screenshots")
}

/// Runs the browser script to its end (bounded), returning its last output line as JSON.
async fn run_script(vars: Vec<(&'static str, String)>) -> (bool, Value, String) {
    let mut command = Command::new("node");
    command
        .arg(browser_dir().join("inbox.mjs"))
        .current_dir(browser_dir())
        .envs(vars)
        .env("CHROMIUM", chromium())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("node starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .expect("the browser script can be waited for")
        {
            break Some(status);
        }
        if started.elapsed() > BROWSER_PATIENCE {
            let _ = child.kill();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let output = child.wait_with_output().expect("the script's output");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let last = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .unwrap_or(Value::Null);
    let log = format!("exit: {status:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    (status.is_some_and(|s| s.success()), last, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_in_the_browser_reads_presses_and_writes_and_the_app_gets_it() {
    if let Some(why) = missing() {
        let skip = std::env::var("DINGTALK_SKIP_BROWSER").is_ok_and(|v| v == "1");
        let ci = std::env::var_os("CI").is_some();
        if skip && !ci {
            eprintln!("SKIPPED the inbox browser test (DINGTALK_SKIP_BROWSER=1): {why}");
            return;
        }
        panic!("the inbox browser test cannot run: {why} (or set DINGTALK_SKIP_BROWSER=1 locally)");
    }
    let fake = FakeDingTalk::new().start().await.unwrap();
    let app = start_app(&fake).await;
    let mut http = Http::new(&fake);
    let (task_id, chatid, _) = seed(&mut http).await;
    let card_notice = http
        .classic(
            "/topapi/message/corpconversation/asyncsend_v2",
            json!({"agent_id": 1, "userid_list": "alice", "msg": {"msgtype": "action_card", "action_card": {
                "title": "Expense to approve",
                "markdown": "#### Expense to approve\nBob: **120 CNY** taxi to the airport",
                "btn_orientation": "1",
                "btn_json_list": [
                    {"title": "Approve", "action_url": "https://expenses.example/approve/42"},
                    {"title": "Reject", "action_url": "https://expenses.example/reject/42"},
                    {"title": "Win a prize", "action_url": "javascript:window.__pwned=1"}
                ]}}}),
        )
        .await;
    let mut vars = vec![
        ("INBOX_URL", fake.inbox_url().unwrap()),
        ("TASK_ID", task_id.to_string()),
        ("CARD_NOTICE_ID", card_notice["task_id"].to_string()),
        ("CHAT_ID", chatid.clone()),
        ("SCREENSHOT_DIR", screenshot_dir().display().to_string()),
    ];
    if let Ok(path) = std::env::var("INBOX_DOCS_SCREENSHOT") {
        vars.push(("DOCS_SCREENSHOT", path));
    }
    let (ok, result, log) = run_script(vars).await;
    if !(ok && result["ok"] == true) {
        // What the fake and the app saw tells which side dropped it (the page, the gateway
        // or the app), when only a CI log is left of the run.
        let group = http.get(&format!("groups/{chatid}")).await;
        let messages = &group["messages"];
        panic!(
            "the browser run failed: {result}\n{log}\n--- the fake's Stream gateway: {:?} (sessions, unacked: {:?})\n--- the app saw presses {:?}, bot texts {:?}\n--- the group's messages as the inbox serves them: {messages}",
            fake.handle().stream_stats(),
            fake.handle().stream_state(),
            app.app.seen.presses.lock().unwrap(),
            app.app.seen.bot_texts.lock().unwrap(),
        );
    }

    // What the person did reached the app.
    let seen = app.app.seen.clone();
    let presses = seen.presses.lock().unwrap().clone();
    let presses: Vec<(&str, &str, &str)> = presses
        .iter()
        .map(|p| {
            (
                p.out_track_id.as_str(),
                p.user_id.as_str(),
                p.action.as_str(),
            )
        })
        .collect();
    assert_eq!(
        presses,
        [
            ("expense-42", "alice", "approve"),
            ("expense-42", "alice", "reject")
        ]
    );
    assert_eq!(
        seen.bot_texts.lock().unwrap().clone(),
        [("alice".to_string(), "hello from the browser".to_string())]
    );
    // Opening the notice in the page is what the read-status API reports.
    let read = fake
        .handle()
        .with_state(|s| s.notice(task_id).map(|n| n.read_by.contains("alice")));
    assert_eq!(read, Some(true));
}
