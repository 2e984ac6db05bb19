//! A third-party (ISV) service that two organisations install: `cargo run -p dingtalk-fake
//! --example isv`. Offline: the fake DingTalk plays the platform.
//!
//! The service connects in Stream mode with its suite key and secret and hands every event to
//! its `IsvClient`: the suite ticket DingTalk pushes, then each organisation's installation
//! (`org_suite_auth`, with the permanent code), which the client stores and activates. Then it
//! sends a work notice in each organisation with that organisation's own corp token, reads
//! the organisation back, and prints how many tokens DingTalk handed out.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use dingtalk_api::events::Received;
use dingtalk_api::isv::GetAuthInfoRequest;
use dingtalk_api::message::work_notice::{GetSendResultRequest, SendRequest};
use dingtalk_api::stream::{HandlerError, StreamClient, StreamHandler};
use dingtalk_api::types::message::{MarkdownContent, Message};
use dingtalk_api::{Client, IsvClient};
use dingtalk_fake::FakeDingTalk;

const ORGS: [(&str, &str); 2] = [
    ("dingacme0000000000000000000acme", "Acme Ltd"),
    ("dingglobex00000000000000000glbx", "Globex Corp"),
];

/// The service's own reaction to events (the ISV client has already handled its part).
struct Service;

impl StreamHandler for Service {
    async fn on_event(&self, received: Received) -> Result<(), HandlerError> {
        println!(
            "  event {:<16} organisation {}",
            received.meta.event_type,
            received.meta.corp_id.as_deref().unwrap_or("-")
        );
        Ok(())
    }
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) -> Result<(), String> {
    let started = Instant::now();
    while !done().await {
        if started.elapsed() > Duration::from_secs(10) {
            return Err(format!("gave up waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let fake = FakeDingTalk::new().start().await?;
    let handle = fake.handle().clone();
    let (suite_key, suite_secret) = handle.suite_credentials();
    println!("fake DingTalk at {}, suite {suite_key}", fake.base_url());

    let isv = IsvClient::builder(
        Client::builder(&suite_key, &suite_secret)
            .base_url(fake.base_url())
            .v1_base_url(fake.base_url()),
    )
    .build()?;
    let stream = StreamClient::builder(isv.suite_client()).events().build();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handler = isv.stream_handler(Service);
    let running = tokio::spawn(async move { stream.run(handler, stopped).await });

    println!("DingTalk pushes the suite ticket; two organisations install the app:");
    handle.push_suite_ticket();
    wait_until("the suite ticket", async || {
        isv.suite_ticket().await.ok().flatten().is_some()
    })
    .await?;
    for (corp_id, name) in ORGS {
        handle.install_suite(corp_id, name);
    }
    wait_until("both activations", async || {
        ORGS.iter()
            .all(|(corp_id, _)| handle.suite_activated(corp_id))
    })
    .await?;

    println!("a work notice in each organisation, with its own corp token:");
    for (corp_id, name) in ORGS {
        let info = isv
            .suite_client()
            .isv()
            .get_auth_info(GetAuthInfoRequest::new(corp_id))
            .await?;
        let agent_id = info
            .auth_info
            .and_then(|auth| auth.agent.into_iter().next())
            .and_then(|agent| agent.agentid)
            .ok_or("no agent in the authorisation")?;
        let client = isv.client_for(corp_id)?;
        let message = Message::from(MarkdownContent::new(
            "Welcome",
            format!("## Welcome, {name}\nThe ISV app is installed."),
        ));
        let sent = client
            .message()
            .work_notice()
            .send(
                SendRequest::new(message)
                    .agent_id(agent_id)
                    .userid_list(["alice", "bob"]),
            )
            .await?;
        let task_id = sent.task_id;
        let result = client
            .message()
            .work_notice()
            .get_send_result(GetSendResultRequest::new(task_id).agent_id(agent_id))
            .await?;
        let unread = result
            .send_result
            .map(|r| r.unread_user_id_list.len())
            .unwrap_or_default();
        println!(
            "  {name:<12} agent {agent_id}: task {task_id}, {} delivered ({unread} unread)",
            handle.corp_deliveries(corp_id).len()
        );
    }

    println!("tokens DingTalk handed out:");
    println!("  suite tokens: {}", handle.suite_tokens_issued());
    for (corp_id, name) in ORGS {
        println!(
            "  {name:<12} corp tokens: {}",
            handle.corp_tokens_issued(corp_id)
        );
    }
    let _ = stop.send(());
    running.await??;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("isv example failed: {err}");
            ExitCode::FAILURE
        }
    }
}
