//! Work notifications and legacy group chats end to end: the generated client against the
//! in-process fake DingTalk, with the fake's state (deliveries, notices, chats) asserted
//! through its handle.

use dingtalk_api::chat::{CreateRequest, GetReadListRequest, GetRequest, UpdateRequest};
use dingtalk_api::message::work_notice::{
    GetSendProgressRequest, GetSendResultRequest, RecallRequest, SendRequest,
    WorkNoticeSendProgressStatus,
};
use dingtalk_api::types::group::{GroupAuthority, GroupSwitch};
use dingtalk_api::types::message::{
    ActionCard, ActionCardButton, ButtonOrientation, MarkdownContent, Message,
    MultiButtonActionCard, SingleButtonActionCard, TextContent,
};
use dingtalk_api::{Client, Error, ErrorCode};
use dingtalk_fake::{Channel, Delivery, FakeDingTalk, RunningFake};
use serde_json::json;

const AGENT_ID: i64 = 4_294_967_396;
/// Members of Engineering (2) and its sub-departments Platform (4) and Mobile (5).
const ENGINEERING: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "grace"];

async fn start() -> (RunningFake, Client) {
    let fake = FakeDingTalk::new().start().await.expect("the fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .expect("the client builds");
    (fake, client)
}

/// The errcode of a DingTalk rejection; panics on any other outcome.
fn errcode<T: std::fmt::Debug>(result: Result<T, Error>) -> i64 {
    match result {
        Err(Error::Api(err)) => err.errcode,
        other => panic!("expected a DingTalk rejection, got {other:?}"),
    }
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

fn markdown(text: &str) -> Message {
    MarkdownContent::new("Weekly report", text).into()
}

fn text(content: &str) -> Message {
    TextContent::new(content).into()
}

/// Deliveries of one work-notice task.
fn task_deliveries(fake: &RunningFake, task_id: i64) -> Vec<Delivery> {
    fake.handle()
        .deliveries()
        .into_iter()
        .filter(|d| d.channel == Channel::WorkNotice { task_id })
        .collect()
}

fn userids(deliveries: &[Delivery]) -> Vec<String> {
    deliveries.iter().map(|d| d.userid.clone()).collect()
}

async fn send_notice(client: &Client, request: SendRequest) -> i64 {
    client
        .message()
        .work_notice()
        .send(request)
        .await
        .expect("asyncsend_v2 succeeds")
        .task_id
}

// ------------------------------------------------------------------ work notifications

#[tokio::test]
async fn markdown_notice_reaches_each_listed_user_once() {
    let (fake, client) = start().await;
    let task_id = send_notice(
        &client,
        SendRequest::new(markdown("## Done\n- shipped"))
            .agent_id(AGENT_ID)
            .userid_list(["alice", "bob", "alice"]),
    )
    .await;
    assert!(task_id > 1 << 53, "task ids are large: {task_id}");

    let deliveries = task_deliveries(&fake, task_id);
    assert_eq!(userids(&deliveries), ["alice", "bob"]);
    for delivery in &deliveries {
        assert_eq!(
            delivery.msg,
            json!({"msgtype": "markdown", "markdown": {"title": "Weekly report", "text": "## Done\n- shipped"}})
        );
        assert!(!delivery.recalled);
    }
    assert_eq!(fake.handle().deliveries().len(), 2);
    assert!(fake.handle().deliveries_to("carol").is_empty());
    assert_eq!(fake.handle().calls_to("message.work_notice.send"), 1);

    let notice = fake
        .handle()
        .with_state(|s| s.notice(task_id).cloned())
        .expect("the notice is recorded");
    assert_eq!(notice.agent_id, AGENT_ID);
    assert_eq!(notice.recipients, ["alice", "bob"]);
    assert!(!notice.recalled);
}

#[tokio::test]
async fn department_notice_includes_sub_departments_once_per_user() {
    let (fake, client) = start().await;
    // bob is in Engineering and Platform, alice is also listed by userid.
    let task_id = send_notice(
        &client,
        SendRequest::new(text("all hands at 3pm"))
            .agent_id(AGENT_ID)
            .userid_list(["alice"])
            .dept_id_list([2]),
    )
    .await;

    let deliveries = task_deliveries(&fake, task_id);
    assert_eq!(sorted(userids(&deliveries)), ENGINEERING);
    for userid in ENGINEERING {
        assert_eq!(fake.handle().deliveries_to(userid).len(), 1, "{userid}");
    }
    for outsider in ["manager4220", "frank", "heidi", "judy"] {
        assert!(
            fake.handle().deliveries_to(outsider).is_empty(),
            "{outsider}"
        );
    }
    assert_eq!(
        deliveries[0].msg,
        json!({"msgtype": "text", "text": {"content": "all hands at 3pm"}})
    );
}

#[tokio::test]
async fn action_card_notices_to_a_leaf_department_and_to_everyone() {
    let (fake, client) = start().await;
    let single = SingleButtonActionCard::new(
        "Approve",
        "Expense **#42**",
        "Open",
        "https://example.com/42",
    );
    let support = send_notice(
        &client,
        SendRequest::new(single)
            .agent_id(AGENT_ID)
            .dept_id_list([6]),
    )
    .await;
    assert_eq!(
        sorted(userids(&task_deliveries(&fake, support))),
        ["judy", "ken"]
    );
    assert_eq!(
        task_deliveries(&fake, support)[0].msg,
        json!({"msgtype": "action_card", "action_card": {
            "title": "Approve", "markdown": "Expense **#42**",
            "single_title": "Open", "single_url": "https://example.com/42"}})
    );

    let multi = Message::from(ActionCard::from(MultiButtonActionCard::new(
        "Vote",
        "Lunch?",
        ButtonOrientation::Horizontal,
        [
            ActionCardButton::new("Yes", "https://example.com/y"),
            ActionCardButton::new("No", "https://example.com/n"),
        ],
    )));
    let everyone = send_notice(
        &client,
        SendRequest::new(multi).agent_id(AGENT_ID).to_all_user(true),
    )
    .await;
    let all = task_deliveries(&fake, everyone);
    assert_eq!(all.len(), 12, "the demo org has 12 people");
    assert_eq!(all[0].userid, "manager4220");
    assert_eq!(
        all[0].msg["action_card"]["btn_json_list"],
        json!([{"title": "Yes", "action_url": "https://example.com/y"},
               {"title": "No", "action_url": "https://example.com/n"}])
    );
    assert_eq!(all[0].msg["action_card"]["btn_orientation"], json!("1"));
}

#[tokio::test]
async fn progress_advances_per_poll_until_done() {
    let (_fake, client) = start().await;
    let api = client.message();
    let api = api.work_notice();
    let task_id = send_notice(
        &client,
        SendRequest::new(text("progress"))
            .agent_id(AGENT_ID)
            .userid_list(["carol"]),
    )
    .await;

    let mut seen = Vec::new();
    loop {
        let progress = api
            .get_send_progress(GetSendProgressRequest::new(task_id).agent_id(AGENT_ID))
            .await
            .expect("getsendprogress succeeds")
            .progress
            .expect("a progress object");
        let step = (
            progress.progress_in_percent.unwrap(),
            progress.status.unwrap(),
        );
        seen.push(step);
        if step.1 == WorkNoticeSendProgressStatus::Done || seen.len() > 5 {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            (50, WorkNoticeSendProgressStatus::Processing),
            (100, WorkNoticeSendProgressStatus::Done)
        ]
    );
    let again = api
        .get_send_progress(GetSendProgressRequest::new(task_id).agent_id(AGENT_ID))
        .await
        .unwrap()
        .progress
        .unwrap();
    assert_eq!(
        (again.progress_in_percent, again.status),
        (Some(100), Some(WorkNoticeSendProgressStatus::Done))
    );

    let unknown = api
        .get_send_progress(GetSendProgressRequest::new(task_id + 1).agent_id(AGENT_ID))
        .await;
    assert_eq!(errcode(unknown), 40035);
    let other_agent = api
        .get_send_progress(GetSendProgressRequest::new(task_id).agent_id(AGENT_ID + 1))
        .await;
    assert_eq!(
        other_agent.unwrap_err().code(),
        Some(ErrorCode::MissingOrIllegalParameter)
    );
}

#[tokio::test]
async fn send_result_lists_unread_read_and_invalid_receivers() {
    let (fake, client) = start().await;
    let api = client.message();
    let api = api.work_notice();
    let task_id = send_notice(
        &client,
        SendRequest::new(text("results"))
            .agent_id(AGENT_ID)
            .userid_list(["frank", "nobody", "heidi", "ghost"])
            .dept_id_list([6, 999]),
    )
    .await;
    assert_eq!(
        userids(&task_deliveries(&fake, task_id)),
        ["frank", "heidi", "judy", "ken"]
    );

    let result = api
        .get_send_result(GetSendResultRequest::new(task_id).agent_id(AGENT_ID))
        .await
        .unwrap()
        .send_result
        .expect("a send_result");
    assert_eq!(result.invalid_user_id_list, ["nobody", "ghost"]);
    assert_eq!(result.invalid_dept_id_list, [999]);
    assert_eq!(
        result.unread_user_id_list,
        ["frank", "heidi", "judy", "ken"]
    );
    assert!(result.read_user_id_list.is_empty());
    assert!(result.failed_user_id_list.is_empty());
    assert!(result.forbidden_user_id_list.is_empty());
    assert!(result.forbidden_list.is_empty());

    fake.handle().with_state(|s| {
        s.mark_notice_read(task_id, "heidi").unwrap();
        s.mark_notice_read(task_id, "judy").unwrap();
        assert!(
            s.mark_notice_read(task_id, "alice").is_err(),
            "not a recipient"
        );
        assert!(
            s.mark_notice_read(task_id + 1, "heidi").is_err(),
            "no such task"
        );
    });
    let result = api
        .get_send_result(GetSendResultRequest::new(task_id).agent_id(AGENT_ID))
        .await
        .unwrap()
        .send_result
        .unwrap();
    assert_eq!(result.read_user_id_list, ["heidi", "judy"]);
    assert_eq!(result.unread_user_id_list, ["frank", "ken"]);

    let unknown = api
        .get_send_result(GetSendResultRequest::new(12345).agent_id(AGENT_ID))
        .await;
    assert_eq!(errcode(unknown), 40035);
}

#[tokio::test]
async fn only_invalid_receivers_is_accepted_with_nobody_reached() {
    let (fake, client) = start().await;
    let task_id = send_notice(
        &client,
        SendRequest::new(text("void"))
            .agent_id(AGENT_ID)
            .userid_list(["nobody"])
            .dept_id_list([404]),
    )
    .await;
    assert!(fake.handle().deliveries().is_empty());
    let result = client
        .message()
        .work_notice()
        .get_send_result(GetSendResultRequest::new(task_id).agent_id(AGENT_ID))
        .await
        .unwrap()
        .send_result
        .unwrap();
    assert_eq!(result.invalid_user_id_list, ["nobody"]);
    assert_eq!(result.invalid_dept_id_list, [404]);
    assert!(result.unread_user_id_list.is_empty());
}

#[tokio::test]
async fn send_without_receivers_or_with_a_bad_agent_is_rejected() {
    let (fake, client) = start().await;
    let api = client.message();
    let api = api.work_notice();

    let nobody = api
        .send(SendRequest::new(text("to whom?")).agent_id(AGENT_ID))
        .await;
    assert_eq!(errcode(nobody), 40035);
    let not_all = api
        .send(
            SendRequest::new(text("to whom?"))
                .agent_id(AGENT_ID)
                .to_all_user(false),
        )
        .await;
    assert_eq!(
        not_all.unwrap_err().code(),
        Some(ErrorCode::MissingOrIllegalParameter)
    );
    let empty_list = api
        .send(
            SendRequest::new(text("to whom?"))
                .agent_id(AGENT_ID)
                .userid_list(Vec::<String>::new()),
        )
        .await;
    assert_eq!(errcode(empty_list), 40035);

    let bad_agent = api
        .send(
            SendRequest::new(text("hi"))
                .agent_id(0)
                .userid_list(["alice"]),
        )
        .await;
    assert_eq!(
        bad_agent.unwrap_err().code(),
        Some(ErrorCode::InvalidAgentId)
    );

    let huge = api
        .send(
            SendRequest::new(text(&"x".repeat(3000)))
                .agent_id(AGENT_ID)
                .userid_list(["alice"]),
        )
        .await;
    assert_eq!(errcode(huge), 40035);

    assert!(fake.handle().deliveries().is_empty());
    assert!(fake.handle().with_state(|s| s.notices.is_empty()));
}

#[tokio::test]
async fn same_content_to_the_same_user_is_flow_controlled_for_the_day() {
    let (fake, client) = start().await;
    let first = send_notice(
        &client,
        SendRequest::new(text("standup"))
            .agent_id(AGENT_ID)
            .userid_list(["alice", "bob"]),
    )
    .await;
    let second = send_notice(
        &client,
        SendRequest::new(text("standup"))
            .agent_id(AGENT_ID)
            .userid_list(["bob", "carol"]),
    )
    .await;
    assert_ne!(first, second);
    // The repeat still succeeds, but bob does not get the same content twice.
    assert_eq!(userids(&task_deliveries(&fake, second)), ["carol"]);
    assert_eq!(fake.handle().deliveries_to("bob").len(), 1);

    let result = client
        .message()
        .work_notice()
        .get_send_result(GetSendResultRequest::new(second).agent_id(AGENT_ID))
        .await
        .unwrap()
        .send_result
        .unwrap();
    assert_eq!(result.forbidden_user_id_list, ["bob"]);
    assert_eq!(result.forbidden_list.len(), 1);
    assert_eq!(result.forbidden_list[0].userid.as_deref(), Some("bob"));
    assert_eq!(result.forbidden_list[0].code.as_deref(), Some("143106"));
    assert_eq!(result.unread_user_id_list, ["carol"]);

    // Other content, or the next day, goes through.
    let other = send_notice(
        &client,
        SendRequest::new(text("retro"))
            .agent_id(AGENT_ID)
            .userid_list(["bob"]),
    )
    .await;
    assert_eq!(userids(&task_deliveries(&fake, other)), ["bob"]);
    fake.handle().with_state(|s| s.next_day());
    let tomorrow = send_notice(
        &client,
        SendRequest::new(text("standup"))
            .agent_id(AGENT_ID)
            .userid_list(["bob"]),
    )
    .await;
    assert_eq!(userids(&task_deliveries(&fake, tomorrow)), ["bob"]);
    assert_eq!(fake.handle().deliveries_to("bob").len(), 3);
}

#[tokio::test]
async fn send_to_all_is_limited_to_three_a_day() {
    let (fake, client) = start().await;
    for day_message in ["one", "two", "three"] {
        send_notice(
            &client,
            SendRequest::new(text(day_message))
                .agent_id(AGENT_ID)
                .to_all_user(true),
        )
        .await;
    }
    let fourth = client
        .message()
        .work_notice()
        .send(
            SendRequest::new(text("four"))
                .agent_id(AGENT_ID)
                .to_all_user(true),
        )
        .await;
    assert_eq!(
        fourth.unwrap_err().code(),
        Some(ErrorCode::SendToAllDailyLimit)
    );
    assert_eq!(fake.handle().deliveries().len(), 36);

    fake.handle().with_state(|s| s.next_day());
    send_notice(
        &client,
        SendRequest::new(text("four"))
            .agent_id(AGENT_ID)
            .to_all_user(true),
    )
    .await;
    assert_eq!(fake.handle().deliveries().len(), 48);
}

#[tokio::test]
async fn recall_marks_deliveries_recalled_once() {
    let (fake, client) = start().await;
    let api = client.message();
    let api = api.work_notice();
    let recalled = send_notice(
        &client,
        SendRequest::new(text("oops"))
            .agent_id(AGENT_ID)
            .dept_id_list([3]),
    )
    .await;
    let kept = send_notice(
        &client,
        SendRequest::new(text("fine"))
            .agent_id(AGENT_ID)
            .userid_list(["frank"]),
    )
    .await;

    api.recall(RecallRequest::new(recalled).agent_id(AGENT_ID))
        .await
        .expect("recall succeeds");
    let gone = task_deliveries(&fake, recalled);
    assert_eq!(
        sorted(userids(&gone)),
        ["frank", "heidi", "ivan", "judy", "ken"]
    );
    assert!(gone.iter().all(|d| d.recalled));
    assert!(task_deliveries(&fake, kept).iter().all(|d| !d.recalled));
    assert!(
        fake.handle()
            .with_state(|s| s.notice(recalled).unwrap().recalled)
    );

    let twice = api
        .recall(RecallRequest::new(recalled).agent_id(AGENT_ID))
        .await;
    assert_eq!(errcode(twice), 400002);
    let unknown = api.recall(RecallRequest::new(777).agent_id(AGENT_ID)).await;
    assert_eq!(
        unknown.unwrap_err().code(),
        Some(ErrorCode::InvalidParameter)
    );
    let other_agent = api
        .recall(RecallRequest::new(kept).agent_id(AGENT_ID + 1))
        .await;
    assert_eq!(errcode(other_agent), 400002);
    assert!(task_deliveries(&fake, kept).iter().all(|d| !d.recalled));
    // Recall is not idempotent: the client never repeated it.
    assert_eq!(fake.handle().calls_to("message.work_notice.recall"), 4);
}

// ------------------------------------------------------------------ group chats

async fn create_chat(client: &Client, name: &str, owner: &str, members: &[&str]) -> String {
    let created = client
        .chat()
        .create(CreateRequest::new(name, owner, members.iter().copied()))
        .await
        .expect("chat/create succeeds");
    created.chatid
}

#[tokio::test]
async fn chat_create_and_get() {
    let (fake, client) = start().await;
    let created = client
        .chat()
        .create(
            CreateRequest::new("Launch", "alice", ["alice", "bob", "frank", "bob"])
                .searchable(GroupSwitch::On)
                .mention_all_authority(GroupAuthority::OwnerOnly),
        )
        .await
        .expect("chat/create succeeds");
    let chatid = created.chatid;
    assert!(chatid.starts_with("chat"), "{chatid}");
    assert_eq!(chatid.len(), 4 + 32);
    assert!(chatid[4..].chars().all(|c| c.is_ascii_hexdigit()));
    let open_id = created.open_conversation_id;
    assert!(
        open_id.starts_with("cid") && open_id.ends_with("=="),
        "{open_id}"
    );
    assert_eq!(created.conversation_tag, Some(2));

    let info = client
        .chat()
        .get(GetRequest::new(&chatid))
        .await
        .expect("chat/get succeeds")
        .chat_info
        .expect("chat_info");
    assert_eq!(info.chatid.as_deref(), Some(chatid.as_str()));
    assert_eq!(info.name.as_deref(), Some("Launch"));
    assert_eq!(info.owner.as_deref(), Some("alice"));
    assert_eq!(info.useridlist, ["alice", "bob", "frank"]);
    assert_eq!(info.searchable, Some(GroupSwitch::On));
    assert_eq!(info.mention_all_authority, Some(GroupAuthority::OwnerOnly));
    assert_eq!(info.validation_type, Some(GroupSwitch::Off));
    assert_eq!(info.chat_banned_type, Some(GroupSwitch::Off));
    assert_eq!(info.conversation_tag, Some(2));
    assert_eq!(info.status, Some(1));

    let chat = fake
        .handle()
        .with_state(|s| s.chat(&chatid).cloned())
        .expect("the chat is recorded");
    assert_eq!(chat.open_conversation_id, open_id);
    assert_eq!(chat.members, ["alice", "bob", "frank"]);

    let second = create_chat(&client, "Launch", "alice", &["alice"]).await;
    assert_ne!(second, chatid, "each create makes a new chat");

    let unknown = client.chat().get(GetRequest::new("chat0000")).await;
    assert_eq!(
        unknown.unwrap_err().code(),
        Some(ErrorCode::InvalidConversationId)
    );
    let empty = client.chat().get(GetRequest::new("")).await;
    assert_eq!(errcode(empty), 49000);
}

#[tokio::test]
async fn chat_create_rejections() {
    let (fake, client) = start().await;
    let chat = client.chat();
    let not_member = chat
        .create(CreateRequest::new("G", "frank", ["alice", "bob"]))
        .await;
    assert_eq!(
        not_member.unwrap_err().code(),
        Some(ErrorCode::MemberListMissingOwner)
    );
    let unknown = chat
        .create(CreateRequest::new("G", "alice", ["alice", "nobody"]))
        .await;
    assert_eq!(
        unknown.unwrap_err().code(),
        Some(ErrorCode::InvalidUserIdList)
    );
    let unknown_owner = chat
        .create(CreateRequest::new("G", "nobody", ["nobody"]))
        .await;
    assert_eq!(errcode(unknown_owner), 40031);
    let no_members = chat
        .create(CreateRequest::new("G", "alice", Vec::<String>::new()))
        .await;
    assert_eq!(errcode(no_members), 49010);
    let no_owner = chat.create(CreateRequest::new("G", "", ["alice"])).await;
    assert_eq!(errcode(no_owner), 49013);
    let no_name = chat
        .create(CreateRequest::new("", "alice", ["alice"]))
        .await;
    assert_eq!(errcode(no_name), 40035);
    let long_name = chat
        .create(CreateRequest::new("x".repeat(21), "alice", ["alice"]))
        .await;
    assert_eq!(errcode(long_name), 400002);
    let crowd: Vec<String> = (0..41).map(|i| format!("user{i}")).collect();
    let too_many = chat.create(CreateRequest::new("G", "user0", crowd)).await;
    assert_eq!(errcode(too_many), 49011);
    assert!(fake.handle().with_state(|s| s.chats.is_empty()));
}

#[tokio::test]
async fn chat_update_changes_name_owner_members_and_settings() {
    let (fake, client) = start().await;
    let chatid = create_chat(&client, "Launch", "alice", &["alice", "bob", "carol"]).await;

    client
        .chat()
        .update(
            UpdateRequest::new(&chatid)
                .name("Launch v2")
                .owner("dave")
                .add_useridlist(["dave", "erin", "dave"])
                .del_useridlist(["carol", "nobody"])
                .chat_banned_type(GroupSwitch::On)
                .show_history_type(GroupSwitch::On)
                .icon("@lADPDfJ6Q7LLejDNAljNAlg"),
        )
        .await
        .expect("chat/update succeeds");
    let info = client
        .chat()
        .get(GetRequest::new(&chatid))
        .await
        .unwrap()
        .chat_info
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("Launch v2"));
    assert_eq!(info.owner.as_deref(), Some("dave"));
    assert_eq!(info.useridlist, ["alice", "bob", "dave", "erin"]);
    assert_eq!(info.chat_banned_type, Some(GroupSwitch::On));
    assert_eq!(info.show_history_type, Some(GroupSwitch::On));
    assert_eq!(info.icon.as_deref(), Some("@lADPDfJ6Q7LLejDNAljNAlg"));

    // isBan maps onto chatBannedType.
    client
        .chat()
        .update(UpdateRequest::new(&chatid).is_ban(false))
        .await
        .unwrap();
    let chat = fake
        .handle()
        .with_state(|s| s.chat(&chatid).cloned())
        .unwrap();
    assert_eq!(chat.settings["chatBannedType"], json!(0));
    assert_eq!(chat.members, ["alice", "bob", "dave", "erin"]);

    let update = |request: UpdateRequest| {
        let client = client.clone();
        async move { client.chat().update(request).await }
    };
    assert_eq!(
        errcode(update(UpdateRequest::new("chatnope").name("x")).await),
        40016
    );
    assert_eq!(errcode(update(UpdateRequest::new("")).await), 49000);
    assert_eq!(
        errcode(update(UpdateRequest::new(&chatid).name("")).await),
        49015
    );
    assert_eq!(
        errcode(
            update(
                UpdateRequest::new(&chatid)
                    .add_useridlist(["frank"])
                    .del_useridlist(["frank"])
            )
            .await
        ),
        49004
    );
    assert_eq!(
        errcode(update(UpdateRequest::new(&chatid).add_useridlist(["ghost"])).await),
        40031
    );
    assert_eq!(
        errcode(update(UpdateRequest::new(&chatid).owner("frank")).await),
        49006,
        "the new owner must be a member"
    );
    assert_eq!(
        errcode(update(UpdateRequest::new(&chatid).del_useridlist(["dave"])).await),
        49006,
        "the owner cannot be removed"
    );
    assert_eq!(
        errcode(update(UpdateRequest::new(&chatid).add_extidlist(["ext1"])).await),
        49009
    );
    // Nothing of the refused updates was applied.
    let after = fake
        .handle()
        .with_state(|s| s.chat(&chatid).cloned())
        .unwrap();
    assert_eq!(after, chat);
}

#[tokio::test]
async fn chat_send_delivers_once_to_each_member() {
    let (fake, client) = start().await;
    let chatid = create_chat(&client, "Ops", "frank", &["frank", "heidi", "ivan"]).await;

    let sent = client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new(
            &chatid,
            markdown("**deploy** at 5"),
        ))
        .await
        .expect("chat/send succeeds");
    let message_id = sent.message_id;
    assert!(message_id.starts_with("msg"));

    let deliveries = fake.handle().deliveries();
    assert_eq!(userids(&deliveries), ["frank", "heidi", "ivan"]);
    for delivery in &deliveries {
        assert_eq!(
            delivery.channel,
            Channel::Chat {
                chatid: chatid.clone(),
                message_id: message_id.clone()
            }
        );
        assert_eq!(delivery.msg["markdown"]["text"], json!("**deploy** at 5"));
    }
    let chat = fake
        .handle()
        .with_state(|s| s.chat(&chatid).cloned())
        .unwrap();
    assert_eq!(chat.messages.len(), 1);
    assert_eq!(chat.messages[0].message_id, message_id);
    assert!(chat.messages[0].read_by.is_empty());

    // After a member leaves, only the remaining members get the next message.
    client
        .chat()
        .update(UpdateRequest::new(&chatid).del_useridlist(["ivan"]))
        .await
        .unwrap();
    client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new(
            &chatid,
            text("bye ivan"),
        ))
        .await
        .unwrap();
    assert_eq!(fake.handle().deliveries_to("frank").len(), 2);
    assert_eq!(fake.handle().deliveries_to("heidi").len(), 2);
    assert_eq!(fake.handle().deliveries_to("ivan").len(), 1);
    assert_eq!(fake.handle().calls_to("chat.send"), 2);

    let unknown = client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new(
            "chatmissing",
            text("hi"),
        ))
        .await;
    assert_eq!(unknown.unwrap_err().code(), Some(ErrorCode::ChatNotFound));
    let empty = client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new("", text("hi")))
        .await;
    assert_eq!(errcode(empty), 34001);
    let too_long = client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new(
            &chatid,
            text(&"y".repeat(2100)),
        ))
        .await;
    assert_eq!(errcode(too_long), 34016);
    assert_eq!(fake.handle().deliveries().len(), 5);
}

#[tokio::test]
async fn chat_read_list_pages_by_cursor() {
    let (fake, client) = start().await;
    let members = ["alice", "bob", "carol", "dave", "erin", "grace"];
    let chatid = create_chat(&client, "Eng", "alice", &members).await;
    let message_id = client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new(
            &chatid,
            text("read me"),
        ))
        .await
        .unwrap()
        .message_id;
    // The id needs percent-encoding in the query; the fake only finds it if it was.
    assert!(
        message_id.contains('+') && message_id.contains('='),
        "{message_id}"
    );

    // Nobody has read a fresh message.
    let page = client
        .chat()
        .get_read_list(GetReadListRequest::new(&message_id).size(10))
        .await
        .expect("getReadList succeeds");
    assert!(page.read_user_id_list.is_empty());
    assert_eq!(page.next_cursor, None);

    fake.handle().with_state(|s| {
        for reader in ["erin", "bob", "grace", "alice", "dave"] {
            s.mark_chat_message_read(&message_id, reader).unwrap();
        }
        s.mark_chat_message_read(&message_id, "bob").unwrap();
        assert!(s.mark_chat_message_read(&message_id, "frank").is_err());
        assert!(s.mark_chat_message_read("msgnope", "bob").is_err());
    });

    let first = client
        .chat()
        .get_read_list(GetReadListRequest::new(&message_id).size(2))
        .await
        .unwrap();
    assert_eq!(first.read_user_id_list, ["erin", "bob"]);
    let cursor = first.next_cursor.expect("more pages");
    let second = client
        .chat()
        .get_read_list(GetReadListRequest::new(&message_id).cursor(cursor).size(2))
        .await
        .unwrap();
    assert_eq!(second.read_user_id_list, ["grace", "alice"]);
    let third = client
        .chat()
        .get_read_list(
            GetReadListRequest::new(&message_id)
                .cursor(second.next_cursor.unwrap())
                .size(2),
        )
        .await
        .unwrap();
    assert_eq!(third.read_user_id_list, ["dave"]);
    assert_eq!(third.next_cursor, None, "no next_cursor on the last page");

    let all = client
        .collect_all(GetReadListRequest::new(&message_id).size(2))
        .await
        .unwrap();
    assert_eq!(all, ["erin", "bob", "grace", "alice", "dave"]);
    let one_page = client
        .collect_all(GetReadListRequest::new(&message_id))
        .await
        .unwrap();
    assert_eq!(one_page, all);

    let read_list = |request: GetReadListRequest| {
        let client = client.clone();
        async move { client.chat().get_read_list(request).await }
    };
    assert_eq!(
        errcode(read_list(GetReadListRequest::new(&message_id).size(0)).await),
        40069
    );
    assert_eq!(
        read_list(GetReadListRequest::new(&message_id).size(101))
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::InvalidPageSize)
    );
    // Cursors are opaque: an offset is not one.
    assert_eq!(
        read_list(GetReadListRequest::new(&message_id).cursor(2).size(2))
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::InvalidOffset)
    );
    assert_eq!(
        errcode(read_list(GetReadListRequest::new("msgunknown").size(10)).await),
        40035
    );
}

#[tokio::test]
async fn notices_and_chats_are_told_apart_in_deliveries() {
    let (fake, client) = start().await;
    let chatid = create_chat(&client, "Pair", "judy", &["judy", "heidi"]).await;
    let sent = client
        .chat()
        .send(dingtalk_api::chat::SendRequest::new(
            &chatid,
            text("chat hi"),
        ))
        .await
        .unwrap();
    let task_id = send_notice(
        &client,
        SendRequest::new(text("notice hi"))
            .agent_id(AGENT_ID)
            .userid_list(["judy"]),
    )
    .await;

    let judy = fake.handle().deliveries_to("judy");
    assert_eq!(judy.len(), 2);
    assert_eq!(
        judy[0].channel,
        Channel::Chat {
            chatid,
            message_id: sent.message_id
        }
    );
    assert_eq!(judy[1].channel, Channel::WorkNotice { task_id });
    assert_eq!(fake.handle().deliveries_to("heidi").len(), 1);
}

/// `send_and_wait` (declared under `waiters:` in the spec): one send, progress polled until
/// the fake reports the task done (its second poll), then the per-user result, all with the
/// client's default agent id.
#[tokio::test]
async fn send_and_wait_follows_a_notice_to_its_last_recipient() {
    use dingtalk_api::waiter::Wait;
    use std::time::Duration;
    let fake = FakeDingTalk::new().start().await.expect("the fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .agent_id(AGENT_ID)
        .build()
        .expect("the client builds");
    let waited = client
        .message()
        .work_notice()
        .send_and_wait(
            SendRequest::new(text("deploy done")).userid_list(["frank", "nobody"]),
            Wait::up_to(Duration::from_secs(30)).first_delay(Duration::from_millis(10)),
        )
        .await
        .expect("the notice is followed to the end");
    assert_eq!(waited.polls, 2, "status 1 first, then 2");
    let result = waited.last.send_result.expect("a send_result");
    assert_eq!(result.unread_user_id_list, ["frank"]);
    assert_eq!(result.invalid_user_id_list, ["nobody"]);
    assert_eq!(
        userids(&task_deliveries(&fake, waited.first.task_id)),
        ["frank"]
    );
}
