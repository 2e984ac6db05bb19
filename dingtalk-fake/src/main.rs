//! `dingtalk-fake --port 8787 [--seed org.yaml] [--app-key K --app-secret S] [--no-inbox]
//! [--quiet]`: a fake DingTalk for integration tests in any language, with a web inbox under
//! `/_inbox/` that shows what the app sent (see `INBOX.md`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use dingtalk_fake::{FakeDingTalk, Org};

const USAGE: &str = "usage: dingtalk-fake [--port 8787] [--host 127.0.0.1] [--seed org.yaml] \
[--app-key KEY --app-secret SECRET] [--token-lifetime SECONDS] [--no-inbox] [--quiet]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut port: u16 = 8787;
    let mut host = String::from("127.0.0.1");
    let mut fake = FakeDingTalk::new().log_requests(true);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let step: Result<(), String> = (|| {
            match arg.as_str() {
                "--port" => {
                    port = value("--port")?
                        .parse()
                        .map_err(|e| format!("--port: {e}"))?;
                }
                "--host" => host = value("--host")?,
                "--seed" => {
                    let org = Org::from_seed_file(&PathBuf::from(value("--seed")?))?;
                    fake = fake.clone().org(org);
                }
                "--app-key" => {
                    let key = value("--app-key")?;
                    fake = fake.clone().app(key, current_secret(&fake));
                }
                "--app-secret" => {
                    let secret = value("--app-secret")?;
                    fake = fake.clone().app(current_key(&fake), secret);
                }
                "--token-lifetime" => {
                    let seconds: u64 = value("--token-lifetime")?
                        .parse()
                        .map_err(|e| format!("--token-lifetime: {e}"))?;
                    if seconds == 0 {
                        return Err("--token-lifetime must be at least 1 second".to_string());
                    }
                    fake = fake
                        .clone()
                        .token_lifetime(std::time::Duration::from_secs(seconds));
                }
                "--quiet" => fake = fake.clone().log_requests(false),
                "--no-inbox" => fake = fake.clone().inbox(false),
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
            Ok(())
        })();
        if let Err(message) = step {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    }
    let address: SocketAddr = match format!("{host}:{port}").parse() {
        Ok(address) => address,
        Err(err) => {
            eprintln!("invalid address {host}:{port}: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let running = match fake.address(address).start().await {
            Ok(running) => running,
            Err(err) => {
                eprintln!("cannot listen on {address}: {err}");
                return ExitCode::FAILURE;
            }
        };
        eprintln!(
            "fake DingTalk on {} (app key {}, app secret {}); {} endpoints; Ctrl-C stops it",
            running.base_url(),
            running.app_key(),
            running.app_secret(),
            running.handle().routes().len()
        );
        if let Some(inbox) = running.inbox_url() {
            eprintln!("inbox: {inbox} (what the app sent; act as anyone in the organisation)");
        }
        tokio::select! {
            () = running.wait() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        ExitCode::SUCCESS
    })
}

fn current_key(fake: &FakeDingTalk) -> String {
    fake.configured_app().0
}

fn current_secret(fake: &FakeDingTalk) -> String {
    fake.configured_app().1
}
