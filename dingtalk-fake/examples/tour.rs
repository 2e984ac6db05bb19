//! The SDK's main job, end to end: `cargo run --example tour`.
//!
//! By default it starts the fake DingTalk in-process (the demo company, no network) and walks
//! through: token, department tree, every user of each department page by page, creating a
//! user, a markdown work notification to a department followed until done, its per-user
//! result, a group chat with a text and an action card, and who read the card. Then the
//! new-app way (api.dingtalk.com v1.0) with the same client and token: a group made with v1,
//! a markdown and an action card posted by the app's robot, the markdown recalled, and who
//! read the card. Last, receiving: the app subscribes in Stream mode, creates a user and
//! sees the `user_add_org` event arrive, and answers what a user writes to its robot.
//!
//! With `DINGTALK_APP_KEY` and `DINGTALK_APP_SECRET` set it talks to the real DingTalk and
//! runs only the read-only steps. The writing steps run there only with `--write`, and then
//! need `DINGTALK_AGENT_ID` and `DINGTALK_TOUR_USERID` (the one user who receives the
//! notification and owns the chat), so nobody messages their company by accident. The v1
//! robot steps also need `DINGTALK_TOUR_OPEN_CONVERSATION_ID`, a group owned by
//! `DINGTALK_TOUR_USERID` that has the app's robot in it (`DINGTALK_TOUR_ROBOT_CODE`, default
//! the app key); without it they are skipped with the reason.

use std::process::ExitCode;
use std::time::Duration;

use dingtalk_api::Client;
use dingtalk_api::chat;
use dingtalk_api::contact::{department, user};
use dingtalk_api::im;
use dingtalk_api::message::work_notice;
use dingtalk_api::paging::Paginated;
use dingtalk_api::robot::messages::{
    OrgGroupQueryRequest, OrgGroupRecallRequest, OrgGroupSendRequest, RobotSampleActionCard2,
    RobotSampleMarkdown,
};
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
    /// The group the v1 robot steps post into (real DingTalk only; the fake's is created).
    v1_group: Option<String>,
    /// The robot that posts: the app's own (its app key) unless told otherwise.
    robot_code: String,
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
    let key = env("DINGTALK_APP_KEY");
    let secret = env("DINGTALK_APP_SECRET");
    if let (Some(key), Some(secret)) = (key, secret) {
        println!("== Real DingTalk (app key {key})");
        let client = Client::new(key.clone(), secret).map_err(|e| e.to_string())?;
        let robot_code = env("DINGTALK_TOUR_ROBOT_CODE").unwrap_or(key);
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
            v1_group: env("DINGTALK_TOUR_OPEN_CONVERSATION_ID"),
            robot_code,
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
    // One client for both generations: classic calls at `base_url`, v1 calls at
    // `v1_base_url`, both served by the fake.
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Target {
        client,
        write: true,
        agent_id: 123_456_789,
        tour_user: Some("manager4220".to_string()),
        v1_group: None,
        // The fake's robot code is its app key, as for DingTalk's internal apps.
        robot_code: fake.app_key().to_string(),
        _fake: Some(fake),
    })
}

/// A set, non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

async fn tour(target: &Target) -> Result<(), dingtalk_api::Error> {
    let departments = read_only_steps(&target.client).await?;
    if let (true, Some(tour_user)) = (target.write, target.tour_user.as_deref()) {
        classic_writes(target, tour_user, &departments).await?;
    }
    new_app_way(target).await?;
    receiving(target).await?;
    fake_summary(target);
    Ok(())
}

/// Steps 1-3: token, department tree, users page by page. Returns the departments.
async fn read_only_steps(
    client: &Client,
) -> Result<Vec<(i64, String, usize)>, dingtalk_api::Error> {
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
    Ok(departments)
}

/// Steps 4-10: a user, a work notification, a classic group chat.
async fn classic_writes(
    target: &Target,
    tour_user: &str,
    departments: &[(i64, String, usize)],
) -> Result<(), dingtalk_api::Error> {
    let client = &target.client;
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
        created.userid
    );

    println!("\n5. Markdown work notification");
    let notice = MarkdownContent::new(
        "Welcome",
        "## Welcome to the tour\nThis notice was sent by **dingtalk-api**.",
    );
    let mut send = work_notice::SendRequest::new(notice).agent_id(target.agent_id);
    send = if target._fake.is_some() {
        println!("   to department {engineering} (and its sub-departments)");
        send.dept_id_list([engineering])
    } else {
        println!("   to {tour_user}");
        send.userid_list([tour_user])
    };
    let task_id = client.message().work_notice().send(send).await?.task_id;
    println!("   accepted as task {task_id}");

    println!("\n6. Progress until done");
    for poll in 1..=30 {
        let progress = client
            .message()
            .work_notice()
            .get_send_progress(
                work_notice::GetSendProgressRequest::new(task_id).agent_id(target.agent_id),
            )
            .await?
            .progress;
        let (percent, status) = progress
            .map(|p| (p.progress_in_percent.unwrap_or(0), p.status))
            .unwrap_or((0, None));
        println!("   poll {poll}: {percent}% (status {status:?})");
        if status == Some(work_notice::WorkNoticeSendProgressStatus::Done) {
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
        .get_send_result(work_notice::GetSendResultRequest::new(task_id).agent_id(target.agent_id))
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
    let chatid = chat.chatid;
    println!("   created {chatid} with {members:?}");

    println!("\n9. Send a text and an action card");
    let text = client
        .chat()
        .send(chat::SendRequest::new(
            chatid.clone(),
            TextContent::new("Hello from the dingtalk-api tour"),
        ))
        .await?;
    println!("   text: message {}", text.message_id);
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
    let card_id = card.message_id;
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
        .collect_all(chat::GetReadListRequest::new(card_id))
        .await?;
    println!("   {} reader(s): {readers:?}", readers.len());

    Ok(())
}

/// What the fake saw, by channel (fake only).
fn fake_summary(target: &Target) {
    use dingtalk_fake::Channel;
    let Some(fake) = &target._fake else {
        return;
    };
    let deliveries = fake.handle().deliveries();
    let of = |pick: fn(&Channel) -> bool| deliveries.iter().filter(move |d| pick(&d.channel));
    let robot = of(|c| matches!(c, Channel::RobotGroup { .. }));
    println!(
        "\n(The fake recorded {} deliveries: {} work notices, {} chat messages, {} robot \
         messages ({} recalled).)",
        deliveries.len(),
        of(|c| matches!(c, Channel::WorkNotice { .. })).count(),
        of(|c| matches!(c, Channel::Chat { .. })).count(),
        robot.clone().count(),
        robot.filter(|d| d.recalled).count(),
    );
}

/// Steps 11-15, "the new-app way": the v1 group and robot calls, with the client (and so the
/// token) of the classic steps.
async fn new_app_way(target: &Target) -> Result<(), dingtalk_api::Error> {
    println!("\n== The new-app way (api.dingtalk.com v1.0)");
    let Some(group) = v1_group(target).await? else {
        return Ok(());
    };
    let (markdown_key, card_key) = robot_posts(target, &group).await?;
    recall(target, &group, &markdown_key).await?;
    card_readers(target, &group, &card_key, &markdown_key).await?;
    same_token(target);
    Ok(())
}

/// Step 11: the group the robot posts into, made with v1 in the fake; against the real
/// DingTalk the one named by `DINGTALK_TOUR_OPEN_CONVERSATION_ID`. `None`: skipped (the
/// reason is printed).
async fn v1_group(target: &Target) -> Result<Option<String>, dingtalk_api::Error> {
    let client = &target.client;
    let skip = |reason: &str| {
        println!("   skipped: {reason}");
        Ok(None)
    };
    let Some(tour_user) = target.tour_user.as_deref().filter(|_| target.write) else {
        return skip("read-only; pass --write to post as the app's robot");
    };
    if target._fake.is_some() {
        println!("\n11. Create a group with v1");
        let members = [tour_user, "alice", "bob"];
        let created = client
            .im()
            .create_group(im::CreateGroupRequest::new(
                "dingtalk-api tour v1",
                tour_user,
                members,
            ))
            .await?;
        println!(
            "   created {} with {members:?}",
            created.open_conversation_id
        );
        println!("   its classic chatid: {}", created.chatid);
        return Ok(Some(created.open_conversation_id));
    }
    println!("\n11. The tour user's group");
    let Some(group) = target.v1_group.clone() else {
        return skip(
            "set DINGTALK_TOUR_OPEN_CONVERSATION_ID to a group that DINGTALK_TOUR_USERID owns \
             and the app's robot is in",
        );
    };
    match client
        .im()
        .get_scene_group_info(im::GetSceneGroupInfoRequest::new(group.clone()))
        .await
    {
        Ok(info) if info.owner_user_id.as_deref() == Some(tour_user) => {
            println!("   {group}, owned by {tour_user}");
        }
        Ok(info) => {
            let owner = info.owner_user_id.unwrap_or_else(|| "nobody known".into());
            return skip(&format!(
                "{group} is owned by {owner}, not DINGTALK_TOUR_USERID ({tour_user})"
            ));
        }
        // Only scene groups answer this query; the owner of another group cannot be read.
        Err(err) => println!("   {group} (owner not readable through v1: {err}; used as given)"),
    }
    Ok(Some(group))
}

/// Step 12: a markdown and an action card from the app's robot. Returns their keys.
async fn robot_posts(
    target: &Target,
    group: &str,
) -> Result<(String, String), dingtalk_api::Error> {
    let robot = target.client.robot();
    let robot = robot.messages();
    println!("\n12. Post a markdown and an action card as the app's robot");
    let markdown = robot
        .org_group_send(OrgGroupSendRequest::new(
            target.robot_code.clone(),
            group,
            RobotSampleMarkdown::new(
                "Tour",
                "## The new-app way\nPosted by the app's robot through **api.dingtalk.com**.",
            ),
        ))
        .await?
        .process_query_key;
    println!("   markdown: processQueryKey {markdown}");
    let card = robot
        .org_group_send(OrgGroupSendRequest::new(
            target.robot_code.clone(),
            group,
            RobotSampleActionCard2::new(
                "Release 2.0",
                "### Release 2.0\nShip it?",
                "Ship",
                "https://example.com/ship",
                "Wait",
                "https://example.com/wait",
            ),
        ))
        .await?
        .process_query_key;
    println!("   action card: processQueryKey {card}");
    if let Some(fake) = &target._fake {
        fake.handle().with_state(|state| {
            for reader in ["alice", "bob"] {
                let _ = state.mark_robot_message_read(&card, reader);
            }
        });
        println!("   (in the fake, alice and bob now read the card)");
    }
    Ok((markdown, card))
}

/// Step 13: recall the markdown.
async fn recall(target: &Target, group: &str, key: &str) -> Result<(), dingtalk_api::Error> {
    println!("\n13. Recall the markdown");
    let recalled = target
        .client
        .robot()
        .messages()
        .org_group_recall(OrgGroupRecallRequest::new(
            group,
            target.robot_code.clone(),
            [key],
        ))
        .await?;
    println!(
        "   recalled {:?}, not recalled {:?}",
        recalled.success_result, recalled.failed_result
    );
    Ok(())
}

/// Step 14: who read the card (every page), and the markdown's state after the recall.
async fn card_readers(
    target: &Target,
    group: &str,
    card: &str,
    markdown: &str,
) -> Result<(), dingtalk_api::Error> {
    println!("\n14. Who read the action card");
    let query = |key: &str| {
        OrgGroupQueryRequest::new(key)
            .open_conversation_id(group)
            .robot_code(target.robot_code.clone())
    };
    let readers = match target.client.collect_all(query(card)).await {
        Ok(readers) => readers,
        // DingTalk may not have the read data yet (`processQueryKey.expireTime`).
        Err(err) if target._fake.is_none() => {
            println!("   not available yet: {err}");
            return Ok(());
        }
        Err(err) => return Err(err),
    };
    println!("   {} reader(s): {readers:?}", readers.len());
    match target
        .client
        .robot()
        .messages()
        .org_group_query(query(markdown))
        .await
    {
        Ok(answer) => {
            if let Some(status) = answer.send_status {
                println!("   the markdown is now {status}");
            }
        }
        Err(err) if target._fake.is_none() => println!("   the markdown's state: {err}"),
        Err(err) => return Err(err),
    }
    Ok(())
}

/// Step 15: the token (fake only, where the fetches can be counted).
fn same_token(target: &Target) {
    let Some(fake) = &target._fake else {
        return;
    };
    println!("\n15. One token for both generations");
    match fake.handle().tokens_issued() {
        1 => {
            println!("   1 token issued in the whole tour: classic and v1 calls shared it");
            println!("   (same client, no second token fetch)");
        }
        n => println!("   the fake issued {n} tokens in the whole tour"),
    }
}

/// What the tour's Stream handler saw, for the steps to wait on.
#[derive(Clone)]
struct Inbox {
    client: Client,
    events: tokio::sync::mpsc::UnboundedSender<dingtalk_api::events::Received>,
    replies: tokio::sync::mpsc::UnboundedSender<String>,
}

impl dingtalk_api::stream::StreamHandler for Inbox {
    async fn on_event(
        &self,
        received: dingtalk_api::events::Received,
    ) -> Result<(), dingtalk_api::stream::HandlerError> {
        let _ = self.events.send(received);
        Ok(())
    }

    async fn on_bot_message(
        &self,
        message: dingtalk_api::events::BotMessage,
    ) -> Result<(), dingtalk_api::stream::HandlerError> {
        let text = message.plain_text().unwrap_or_default();
        let reply = format!(
            "Hi {}, you wrote \"{text}\"",
            message.sender_nick.clone().unwrap_or_default()
        );
        message
            .reply_session(
                &self.client,
                dingtalk_api::robot::webhook::RobotText::new(reply.clone()),
            )
            .await?;
        let _ = self.replies.send(reply);
        Ok(())
    }
}

/// Steps 16-18, receiving: the app subscribes in Stream mode, creates a user and sees the
/// `user_add_org` event arrive, and answers what a user writes to its robot. Against the
/// fake only (the real app would need Stream mode switched on in the console).
async fn receiving(target: &Target) -> Result<(), dingtalk_api::Error> {
    use dingtalk_api::events::Event;
    use dingtalk_api::stream::StreamClient;
    let Some(fake) = &target._fake else {
        println!(
            "\n== Receiving: skipped against the real DingTalk (run against the fake to see it)"
        );
        return Ok(());
    };
    println!("\n== Receiving (Stream mode: a WebSocket the app opens, no public URL)");
    let (events, mut event_rx) = tokio::sync::mpsc::unbounded_channel();
    let (replies, mut reply_rx) = tokio::sync::mpsc::unbounded_channel();
    let inbox = Inbox {
        client: target.client.clone(),
        events,
        replies,
    };
    let stream = StreamClient::builder(&target.client)
        .events()
        .bot_messages()
        .build();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        async move { stream.run(inbox, stopped).await }
    });
    let wait = Duration::from_secs(10);
    println!("\n16. Subscribe to events and robot messages");
    let connected = async {
        while fake.handle().stream_state().0 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(wait, connected).await.is_err() {
        println!(
            "   the Stream connection did not open within {} s",
            wait.as_secs()
        );
        return Ok(());
    }
    println!("   connected: gateway/connections/open gave a ticket, then the WebSocket opened");

    println!("\n17. Create a user; the address-book event arrives");
    let created = target
        .client
        .contact()
        .user()
        .create_v2(
            user::CreateV2Request::new("Stream Newcomer", "13900000099", [1]).userid("streamnew"),
        )
        .await?;
    let new_userid = created.userid;
    // Events that happened before the connection (step 4's user) waited at DingTalk and
    // arrive first: delivery is at least once, handling exactly once.
    loop {
        let Ok(Some(received)) = tokio::time::timeout(wait, event_rx.recv()).await else {
            println!("   no event within {} s", wait.as_secs());
            break;
        };
        let Event::UserAddOrg(added) = &received.event else {
            println!("   also received {}", received.meta.event_type);
            continue;
        };
        if added.user_id.contains(&new_userid) {
            println!(
                "   {} for {:?} (event {}), handled and ACKed once",
                received.meta.event_type,
                added.user_id,
                received.meta.event_id.unwrap_or_default()
            );
            break;
        }
        println!(
            "   first, one that waited for the connection: {} for {:?} (step 4)",
            received.meta.event_type, added.user_id
        );
    }

    println!("\n18. A user writes to the app's robot; it answers in the chat");
    if let Err(err) = fake
        .handle()
        .user_writes_to_robot("alice", "what is on today?")
        .await
    {
        println!("   {err}");
    } else {
        match tokio::time::timeout(wait, reply_rx.recv()).await {
            Ok(Some(reply)) => println!("   replied through the session webhook: {reply}"),
            _ => println!("   no reply within {} s", wait.as_secs()),
        }
    }
    let _ = stop.send(());
    let _ = running.await;
    let stats = stream.stats();
    println!(
        "   stream: {} connection(s), {} push(es) handled, {} duplicate(s)",
        stats.connections, stats.handled, stats.duplicates
    );
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
        // Children go right after their parent, so the list reads as the tree.
        let rows = children
            .into_iter()
            .map(|child| (child.dept_id, child.name.unwrap_or_default(), depth + 1));
        out.splice(index + 1..index + 1, rows);
        index += 1;
    }
    for (id, name, depth) in &out {
        println!("   {}{name} [{id}]", "  ".repeat(*depth));
    }
    Ok(out)
}

/// Pages through one department with the generated `next_page`, printing each page.
async fn list_users(client: &Client, dept_id: i64, name: &str) -> Result<(), dingtalk_api::Error> {
    let mut request = user::ListSimpleRequest::new(dept_id).size(PAGE_SIZE);
    let mut page_number = 1;
    loop {
        let page = client.contact().user().list_simple(request.clone()).await?;
        let names: Vec<String> = page
            .list
            .iter()
            .map(|u| format!("{} ({})", u.name, u.userid))
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
