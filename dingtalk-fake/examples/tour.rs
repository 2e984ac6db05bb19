//! The SDK's main job, end to end: `cargo run --example tour`.
//!
//! By default it starts the fake DingTalk in-process (the demo company, no network) and walks
//! through: token, department tree, every user of each department page by page, creating a
//! user, a markdown work notification to a department followed until done, its per-user
//! result, a group chat with a text and an action card, and who read the card.
//!
//! With `DINGTALK_APP_KEY` and `DINGTALK_APP_SECRET` set it talks to the real DingTalk and
//! runs only the read-only steps. The writing steps run there only with `--write`, and then
//! need `DINGTALK_AGENT_ID` and `DINGTALK_TOUR_USERID` (the one user who receives the
//! notification and owns the chat), so nobody messages their company by accident.

use std::process::ExitCode;
use std::time::Duration;

use dingtalk_api::Client;
use dingtalk_api::chat;
use dingtalk_api::contact::{department, user};
use dingtalk_api::message::work_notice;
use dingtalk_api::paging::Paginated;
use dingtalk_api::types::message::{
    ActionCard, ActionCardButton, ButtonOrientation, MarkdownContent, Message,
    MultiButtonActionCard, TextContent,
};

/// Users per page while listing, small so that the paging shows.
const PAGE_SIZE: i64 = 2;

struct Target {
    client: Client,
    /// Writing steps allowed (always against the fake).
    write: bool,
    agent_id: i64,
    /// Receiver of the notification and owner of the chat.
    tour_user: Option<String>,
    /// Keeps the in-process fake alive for the whole tour.
    _fake: Option<dingtalk_fake::RunningFake>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let write_flag = std::env::args().any(|a| a == "--write");
    let target = match target(write_flag).await {
        Ok(target) => target,
        Err(message) => {
            eprintln!("tour: {message}");
            return ExitCode::FAILURE;
        }
    };
    match tour(&target).await {
        Ok(()) => {
            println!("\nTour finished.");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("\ntour failed: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn target(write_flag: bool) -> Result<Target, String> {
    let key = std::env::var("DINGTALK_APP_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    let secret = std::env::var("DINGTALK_APP_SECRET")
        .ok()
        .filter(|v| !v.is_empty());
    if let (Some(key), Some(secret)) = (key, secret) {
        println!("== Real DingTalk (app key {key})");
        let client = Client::new(key, secret).map_err(|e| e.to_string())?;
        let (agent_id, tour_user) = if write_flag {
            let agent_id = std::env::var("DINGTALK_AGENT_ID")
                .map_err(|_| "--write needs DINGTALK_AGENT_ID".to_string())?
                .parse()
                .map_err(|e| format!("DINGTALK_AGENT_ID: {e}"))?;
            let user = std::env::var("DINGTALK_TOUR_USERID")
                .map_err(|_| "--write needs DINGTALK_TOUR_USERID".to_string())?;
            (agent_id, Some(user))
        } else {
            println!("   read-only: pass --write to also send a notification and create a chat");
            (0, None)
        };
        return Ok(Target {
            client,
            write: write_flag,
            agent_id,
            tour_user,
            _fake: None,
        });
    }
    let fake = dingtalk_fake::FakeDingTalk::new()
        .start()
        .await
        .map_err(|e| format!("cannot start the fake DingTalk: {e}"))?;
    println!(
        "== Fake DingTalk at {} (demo company, no network; set DINGTALK_APP_KEY and \
         DINGTALK_APP_SECRET to use the real one)",
        fake.base_url()
    );
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Target {
        client,
        write: true,
        agent_id: 123_456_789,
        tour_user: Some("manager4220".to_string()),
        _fake: Some(fake),
    })
}

async fn tour(target: &Target) -> Result<(), dingtalk_api::Error> {
    let client = &target.client;

    println!("\n1. Access token");
    let token = client.access_token().await?;
    println!(
        "   fetched and cached ({} characters, value not shown); every call below reuses it",
        token.secret().len()
    );

    println!("\n2. Department tree");
    let departments = department_tree(client).await?;

    println!("\n3. Users of each department, {PAGE_SIZE} per page");
    for (dept_id, name, _) in &departments {
        list_users(client, *dept_id, name).await?;
    }

    if !target.write {
        return Ok(());
    }
    let Some(tour_user) = target.tour_user.as_deref() else {
        return Ok(());
    };

    println!("\n4. Create a user");
    let engineering = departments
        .iter()
        .find(|(_, _, depth)| *depth == 1)
        .map_or(1, |(id, _, _)| *id);
    let created = client
        .contact()
        .user()
        .create_v2(
            user::CreateV2Request::new("Tour Visitor", "13900000042", [engineering])
                .userid("tour-visitor")
                .title("Guest"),
        )
        .await?;
    println!(
        "   created userid {} in department {engineering}",
        created.userid.as_deref().unwrap_or("?")
    );

    println!("\n5. Markdown work notification");
    let notice = MarkdownContent::new(
        "Welcome",
        "## Welcome to the tour\nThis notice was sent by **dingtalk-api**.",
    );
    let mut send = work_notice::SendRequest::new(target.agent_id, notice);
    send = if target._fake.is_some() {
        println!("   to department {engineering} (and its sub-departments)");
        send.dept_id_list([engineering])
    } else {
        println!("   to {tour_user}");
        send.userid_list([tour_user])
    };
    let task_id = client
        .message()
        .work_notice()
        .send(send)
        .await?
        .task_id
        .unwrap_or_default();
    println!("   accepted as task {task_id}");

    println!("\n6. Progress until done");
    for poll in 1..=30 {
        let progress = client
            .message()
            .work_notice()
            .get_send_progress(work_notice::GetSendProgressRequest::new(
                target.agent_id,
                task_id,
            ))
            .await?
            .progress;
        let (percent, status) = progress
            .map(|p| (p.progress_in_percent.unwrap_or(0), p.status.unwrap_or(0)))
            .unwrap_or((0, 0));
        println!("   poll {poll}: {percent}% (status {status})");
        if status == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(if target._fake.is_some() {
            0
        } else {
            1000
        }))
        .await;
    }

    if let Some(fake) = &target._fake {
        // Nobody reads anything in a fake unless told to: let two colleagues open it.
        fake.handle().with_state(|state| {
            for reader in ["alice", "bob"] {
                let _ = state.mark_notice_read(task_id, reader);
            }
        });
        println!("   (in the fake, alice and bob now open the notice)");
    }

    println!("\n7. Per-user result");
    let result = client
        .message()
        .work_notice()
        .get_send_result(work_notice::GetSendResultRequest::new(
            target.agent_id,
            task_id,
        ))
        .await?
        .send_result;
    if let Some(result) = result {
        println!("   read:    {:?}", result.read_user_id_list);
        println!("   unread:  {:?}", result.unread_user_id_list);
        println!("   invalid: {:?}", result.invalid_user_id_list);
    }

    println!("\n8. Group chat");
    let members = if target._fake.is_some() {
        vec![tour_user.to_string(), "alice".into(), "bob".into()]
    } else {
        vec![tour_user.to_string()]
    };
    let chat = client
        .chat()
        .create(chat::CreateRequest::new(
            "dingtalk-api tour",
            tour_user,
            members.clone(),
        ))
        .await?;
    let chatid = chat.chatid.unwrap_or_default();
    println!("   created {chatid} with {members:?}");

    println!("\n9. Send a text and an action card");
    let text = client
        .chat()
        .send(chat::SendRequest::new(
            chatid.clone(),
            TextContent::new("Hello from the dingtalk-api tour"),
        ))
        .await?;
    println!(
        "   text: message {}",
        text.message_id.as_deref().unwrap_or("?")
    );
    let card = MultiButtonActionCard::new(
        "Release 1.0",
        "### Release 1.0\nShip it?",
        ButtonOrientation::Horizontal,
        [
            ActionCardButton::new("Ship", "https://example.com/ship"),
            ActionCardButton::new("Wait", "https://example.com/wait"),
        ],
    );
    let card = client
        .chat()
        .send(chat::SendRequest::new(
            chatid.clone(),
            Message::from(ActionCard::from(card)),
        ))
        .await?;
    let card_id = card.message_id.unwrap_or_default();
    println!("   action card: message {card_id}");

    if let Some(fake) = &target._fake {
        fake.handle().with_state(|state| {
            for reader in ["alice", "bob"] {
                let _ = state.mark_chat_message_read(&card_id, reader);
            }
        });
        println!("   (in the fake, alice and bob now read the card)");
    }

    println!("\n10. Who read the action card");
    let readers = client
        .collect_all(chat::GetReadListRequest::new(card_id, 0, 100))
        .await?;
    println!("   {} reader(s): {readers:?}", readers.len());

    if let Some(fake) = &target._fake {
        let deliveries = fake.handle().deliveries();
        println!(
            "\n(The fake recorded {} deliveries: {} work notices, {} chat messages.)",
            deliveries.len(),
            deliveries
                .iter()
                .filter(|d| matches!(d.channel, dingtalk_fake::Channel::WorkNotice { .. }))
                .count(),
            deliveries
                .iter()
                .filter(|d| matches!(d.channel, dingtalk_fake::Channel::Chat { .. }))
                .count(),
        );
    }
    Ok(())
}

/// Walks the tree from the root with `list_sub_v2`; returns (id, name, depth) in order.
async fn department_tree(
    client: &Client,
) -> Result<Vec<(i64, String, usize)>, dingtalk_api::Error> {
    let mut out = vec![(1, "(root)".to_string(), 0)];
    let mut index = 0;
    while index < out.len() {
        let (id, _, depth) = out[index].clone();
        let children = client
            .contact()
            .department()
            .list_sub_v2(department::ListSubV2Request::new().dept_id(id))
            .await?;
        let mut position = index + 1;
        for child in children {
            if let Some(child_id) = child.dept_id {
                let name = child.name.unwrap_or_default();
                out.insert(position, (child_id, name, depth + 1));
                position += 1;
            }
        }
        index += 1;
    }
    for (id, name, depth) in &out {
        println!("   {}{name} [{id}]", "  ".repeat(*depth));
    }
    Ok(out)
}

/// Pages through one department with the generated `next_page`, printing each page.
async fn list_users(client: &Client, dept_id: i64, name: &str) -> Result<(), dingtalk_api::Error> {
    let mut request = user::ListSimpleRequest::new(dept_id, 0, PAGE_SIZE);
    let mut page_number = 1;
    loop {
        let page = client.contact().user().list_simple(request.clone()).await?;
        let names: Vec<String> = page
            .list
            .iter()
            .map(|u| {
                format!(
                    "{} ({})",
                    u.name.as_deref().unwrap_or("?"),
                    u.userid.as_deref().unwrap_or("?")
                )
            })
            .collect();
        println!(
            "   {name} [{dept_id}] page {page_number}: {}",
            if names.is_empty() {
                "(nobody)".to_string()
            } else {
                names.join(", ")
            }
        );
        match request.next_page(&page) {
            Some(next) => {
                request = next;
                page_number += 1;
            }
            None => return Ok(()),
        }
    }
}
