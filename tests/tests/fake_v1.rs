//! The api.dingtalk.com (v1.0) areas end to end: the generated client against the in-process
//! fake DingTalk, asserting on what the client returned and on the fake's state (groups,
//! robot messages, the delivery log shared with classic messages, cards, to-dos, tokens).
//!
//! The wire format of each call is pinned by the wiremock tests (`v1_*.rs`); these tests prove
//! the flows: what one call changes, the next one sees. Fault injection covers the v1 side of
//! the retry rules (QPS refusals, expired tokens, quota, 5xx, lost answers) and the one token
//! cache both generations share. Everything runs on 127.0.0.1; nothing waits on a clock
//! except the client's own (millisecond) retry backoff.

use dingtalk_api::types::group::GroupSwitch;
use std::fmt::Debug;
use std::time::Duration;

use dingtalk_api::card::{
    CardData, CardImGroupOpenDeliverModel, CardImOpenSpaceModel, CardUpdateOptions,
    CreateAndDeliverRequest, CreateRequest as CardCreateRequest, DeliverRequest,
    StreamingUpdateRequest, UpdateRequest as CardUpdateRequest,
};
use dingtalk_api::chat::{CreateRequest as ChatCreateRequest, SendRequest as ChatSendRequest};
use dingtalk_api::contact::profile::GetUserRequest;
use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::im::{
    AddSceneGroupMembersRequest, BatchQueryGroupMembersRequest, ChatIdToOpenConversationIdRequest,
    CreateGroupRequest, CreateSceneGroupRequest, DisbandSceneGroupRequest,
    GetSceneGroupInfoRequest, ImSceneGroupManagementOptions, RemoveSceneGroupMembersRequest,
    UpdateSceneGroupRequest,
};
use dingtalk_api::message::work_notice::SendRequest as NoticeSendRequest;
use dingtalk_api::oauth2::{
    RefreshUserAccessTokenRequest, RefreshUserAccessTokenRequestGrantType, UserAccessTokenRequest,
    UserAccessTokenRequestGrantType,
};
use dingtalk_api::robot::messages::{
    BatchOtoQueryRequest, BatchRecallOtoRequest, BatchSendOtoRequest, GetBotListInGroupRequest,
    OrgGroupQueryRequest, OrgGroupRecallRequest, OrgGroupSendRequest, RobotMessage,
    RobotReadStatus, RobotSampleActionCard, RobotSampleMarkdown, RobotSampleText, RobotSendStatus,
};
use dingtalk_api::todo::tasks::{
    CreateRequest as TodoCreateRequest, DeleteRequest as TodoDeleteRequest, GetRequest,
    ListRequest, QueryOrgTasksRequest, TodoDetailUrl, TodoExecutorStatus,
    UpdateExecutorStatusRequest, UpdateRequest as TodoUpdateRequest,
};
use dingtalk_api::types::message::TextContent;
use dingtalk_api::{Client, Error, ErrorCode, RetryPolicy, UserToken};
use dingtalk_fake::{Channel, Delivery, FakeDingTalk, Fault, RunningFake};
use serde_json::json;

const AGENT_ID: i64 = 4_294_967_396;
const GET_TOKEN: &str = "auth.get_token";
const GROUP_SEND: &str = "robot.messages.org_group_send";
const OTO_SEND: &str = "robot.messages.batch_send_oto";
const GROUP_INFO: &str = "im.get_scene_group_info";
const GET_PROFILE: &str = "contact.profile.get_user";

// ------------------------------------------------------------------ harness

/// Retries as by default, with millisecond waits (DingTalk's 1 s QPS window is 20 ms here).
fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50))
        .rate_limit_backoff(Duration::from_millis(20))
        .total_deadline(Duration::from_secs(10))
}

async fn start_with(fake: FakeDingTalk) -> (RunningFake, Client) {
    let fake = fake.start().await.expect("the fake starts");
    // Both generations on the one fake: the classic base URL and the v1 one.
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
        .retry_policy(fast_policy())
        .build()
        .expect("the client builds");
    (fake, client)
}

async fn start() -> (RunningFake, Client) {
    start_with(FakeDingTalk::new()).await
}

/// The HTTP status and code of a v1 rejection; anything else fails the test.
fn v1_error<T: Debug>(result: Result<T, Error>) -> (u16, String, ErrorCode) {
    match result {
        Err(Error::Api(api)) => {
            assert!(api.is_v1(), "a v1 answer: {api:?}");
            let code = api.v1_code.clone().expect("a v1 code");
            (api.http_status, code, api.code())
        }
        other => panic!("expected a v1 rejection, got {other:?}"),
    }
}

/// The cause inside an [`Error::OutcomeUnknown`]; panics on anything else.
fn unknown_cause(err: &Error) -> &Error {
    match err {
        Error::OutcomeUnknown(unknown) => &unknown.cause,
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
}

fn unionid(fake: &RunningFake, userid: &str) -> String {
    fake.handle()
        .with_state(|s| s.org.users.get(userid).map(|u| u.unionid.clone()))
        .unwrap_or_else(|| panic!("{userid} is in the demo org"))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// Members of the group of `open_conversation_id`, from the fake's state.
fn members(fake: &RunningFake, open_conversation_id: &str) -> Vec<String> {
    fake.handle()
        .with_state(|s| {
            s.chat_by_open_id(open_conversation_id)
                .map(|c| c.members.clone())
        })
        .expect("the group is in the fake's state")
}

/// An internal group owned by alice, with bob and carol; returns (openConversationId, chatid).
async fn group(client: &Client) -> (String, String) {
    let created = client
        .im()
        .create_group(CreateGroupRequest::new(
            "Launch",
            "alice",
            ["alice", "bob", "carol"],
        ))
        .await
        .expect("group/create succeeds");
    let chatid = created.chatid;
    (created.open_conversation_id, chatid)
}

fn markdown(title: &str, text: &str) -> RobotMessage {
    RobotSampleMarkdown::new(title, text).into()
}

/// The process query keys of `deliveries` sent by the robot, in order.
fn robot_channels(deliveries: &[Delivery]) -> Vec<&Channel> {
    deliveries
        .iter()
        .map(|d| &d.channel)
        .filter(|c| {
            matches!(
                c,
                Channel::RobotGroup { .. } | Channel::RobotOneToOne { .. }
            )
        })
        .collect()
}

// ------------------------------------------------------------------ 1. groups

#[tokio::test]
async fn a_group_and_a_scene_group_live_from_creation_to_disbanding() {
    let (fake, client) = start().await;
    let im = client.im();

    // A normal (internal) group: both ids, the chatid maps back to the openConversationId.
    let (cid, chatid) = group(&client).await;
    assert!(cid.starts_with("cid"), "{cid}");
    assert!(chatid.starts_with("chat"), "{chatid}");
    let chat = fake
        .handle()
        .with_state(|s| s.chat(&chatid).cloned())
        .expect("the group is a chat in the fake");
    assert_eq!(chat.open_conversation_id, cid);
    assert_eq!(chat.owner, "alice");
    assert_eq!(chat.members, ["alice", "bob", "carol"]);
    assert_eq!(chat.settings.get("conversationTag"), Some(&json!(2)));
    let converted = im
        .chat_id_to_open_conversation_id(ChatIdToOpenConversationIdRequest::new(chatid.clone()))
        .await
        .unwrap();
    assert_eq!(converted.open_conversation_id, cid);

    // A scene group: the owner joins the members; a second create with the same uuid answers
    // the group the first one made.
    let create = CreateSceneGroupRequest::new("Incident 42", "tmpl-incident", "alice")
        .user_ids(["bob"])
        .uuid("incident-42")
        .management_options(ImSceneGroupManagementOptions::new().searchable(GroupSwitch::On));
    let scene = im.create_scene_group(create.clone()).await.unwrap();
    let scene_cid = scene.open_conversation_id.clone();
    let scene_chatid = scene.chat_id.clone();
    assert_ne!(scene_cid, cid);
    assert_eq!(members(&fake, &scene_cid), ["alice", "bob"]);
    let again = im.create_scene_group(create).await.unwrap();
    assert_eq!(again, scene, "uuid deduplicates the creation");
    let (status, code, _) = v1_error(
        im.create_scene_group(
            CreateSceneGroupRequest::new("Ghosts", "tmpl-incident", "alice").user_ids(["casper"]),
        )
        .await,
    );
    assert_eq!((status, code.as_str()), (400, "member.notFound"));
    assert_eq!(fake.handle().with_state(|s| s.chats.len()), 2);

    // Update: a new title, the owner by unionId, a setting.
    let updated = im
        .update_scene_group(
            UpdateSceneGroupRequest::new(scene_cid.clone())
                .title("Incident 42 (resolved)")
                .owner_union_id(unionid(&fake, "bob"))
                .management_options(
                    ImSceneGroupManagementOptions::new().chat_banned_type(GroupSwitch::On),
                ),
        )
        .await
        .unwrap();
    assert_eq!(updated.success, Some(true));
    let chat = fake
        .handle()
        .with_state(|s| s.chat(&scene_chatid).cloned())
        .unwrap();
    assert_eq!(chat.name, "Incident 42 (resolved)");
    assert_eq!(chat.owner, "bob");
    assert_eq!(
        chat.settings.get("template_id"),
        Some(&json!("tmpl-incident"))
    );
    assert_eq!(chat.settings.get("searchable"), Some(&json!(1)));
    assert_eq!(chat.settings.get("chat_banned_type"), Some(&json!(1)));

    // Members in and out, by userId and by unionId; the owner cannot be removed.
    let added = im
        .add_scene_group_members(
            AddSceneGroupMembersRequest::new(scene_cid.clone())
                .user_ids(["carol", "dave"])
                .union_ids([unionid(&fake, "erin")]),
        )
        .await
        .unwrap();
    assert_eq!(added.success, Some(true));
    assert_eq!(
        members(&fake, &scene_cid),
        ["alice", "bob", "carol", "dave", "erin"]
    );
    let removed = im
        .remove_scene_group_members(
            RemoveSceneGroupMembersRequest::new(scene_cid.clone()).user_ids(["carol"]),
        )
        .await
        .unwrap();
    assert_eq!(removed.success, Some(true));
    assert_eq!(members(&fake, &scene_cid), ["alice", "bob", "dave", "erin"]);
    let (status, code, _) = v1_error(
        im.remove_scene_group_members(
            RemoveSceneGroupMembersRequest::new(scene_cid.clone()).user_ids(["bob"]),
        )
        .await,
    );
    assert_eq!((status, code.as_str()), (400, "invalidParameter"));
    assert_eq!(members(&fake, &scene_cid), ["alice", "bob", "dave", "erin"]);

    // Read it back: the info and the members, two per page.
    let info = im
        .get_scene_group_info(GetSceneGroupInfoRequest::new(scene_cid.clone()))
        .await
        .unwrap();
    assert_eq!(info.open_conversation_id, scene_cid);
    assert_eq!(info.title.as_deref(), Some("Incident 42 (resolved)"));
    assert_eq!(info.owner_user_id.as_deref(), Some("bob"));
    assert_eq!(info.template_id.as_deref(), Some("tmpl-incident"));
    assert_eq!(info.status, Some(1));

    let mut pages = client.pages(BatchQueryGroupMembersRequest::new(scene_cid.clone(), 2));
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        for userid in &page.member_user_ids {
            let name = fake
                .handle()
                .with_state(|s| s.org.users[userid.as_str()].name.clone());
            assert_eq!(page.staff_id_nick_map.get(userid), Some(&name));
        }
        seen.push(page.member_user_ids);
    }
    assert_eq!(
        seen,
        [strings(&["alice", "bob"]), strings(&["dave", "erin"])]
    );
    let mut items = client.items(BatchQueryGroupMembersRequest::new(scene_cid.clone(), 3));
    let mut all = Vec::new();
    while let Some(userid) = items.next().await {
        all.push(userid.unwrap());
    }
    assert_eq!(all, ["alice", "bob", "dave", "erin"]);
    assert_eq!(
        fake.handle().calls_to("im.batch_query_group_members"),
        4,
        "2 pages of 2, then 2 pages of 3 and 1"
    );

    // Disband: gone from the fake, remembered as disbanded.
    let disbanded = im
        .disband_scene_group(DisbandSceneGroupRequest::new(scene_cid.clone()))
        .await
        .unwrap();
    assert_eq!(disbanded.success, Some(true));
    fake.handle().with_state(|s| {
        assert!(s.chat(&scene_chatid).is_none());
        assert!(s.disbanded_groups.contains(&scene_cid));
        assert!(s.chat(&chatid).is_some(), "the other group stays");
    });

    // Calls on the disbanded group, on an unknown group and chatid: the fake's documented codes.
    let (status, code, _) = v1_error(
        im.get_scene_group_info(GetSceneGroupInfoRequest::new(scene_cid.clone()))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "invalidParameter.openConversationId.notExist")
    );
    let (status, code, _) = v1_error(
        im.add_scene_group_members(
            AddSceneGroupMembersRequest::new(scene_cid.clone()).user_ids(["frank"]),
        )
        .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "invalidParameter.openConversationId.notExist")
    );
    let robot = client.robot();
    let robot = robot.messages();
    let (status, code, resolved) = v1_error(
        robot
            .org_group_send(OrgGroupSendRequest::new(
                fake.app_key(),
                scene_cid.clone(),
                RobotSampleText::new("anyone?"),
            ))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "group.disbanded"));
    assert_eq!(resolved, ErrorCode::GroupDisbanded);
    let (status, code, _) = v1_error(
        robot
            .org_group_send(OrgGroupSendRequest::new(
                fake.app_key(),
                "cidNoSuchGroup==",
                RobotSampleText::new("anyone?"),
            ))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "invalid.openConversationId"));
    let (status, code, _) = v1_error(
        robot
            .get_bot_list_in_group(GetBotListInGroupRequest::new("cidNoSuchGroup=="))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "illegal.openconevrsation.id")
    );
    let (status, code, _) = v1_error(
        im.chat_id_to_open_conversation_id(ChatIdToOpenConversationIdRequest::new(
            scene_chatid.clone(),
        ))
        .await,
    );
    assert_eq!((status, code.as_str()), (400, "invalideChatId"));
    assert!(fake.handle().robot_messages().is_empty());
    assert!(fake.handle().deliveries().is_empty());
}

// ------------------------------------------------------------------ 2. robot

#[tokio::test]
async fn robot_messages_share_the_delivery_log_with_classic_messages_and_recall_and_read() {
    let (fake, client) = start().await;
    let robot_code = fake.app_key().to_string();
    let (cid, chatid) = group(&client).await;

    // Classic first: a work notice to bob, a chat message into the v1-made group.
    let task_id = client
        .message()
        .work_notice()
        .send(
            NoticeSendRequest::new(TextContent::new("classic notice"))
                .agent_id(AGENT_ID)
                .userid_list(["bob"]),
        )
        .await
        .unwrap()
        .task_id;
    let chat_message = client
        .chat()
        .send(ChatSendRequest::new(
            chatid.clone(),
            TextContent::new("classic chat"),
        ))
        .await
        .unwrap()
        .message_id;

    // The robot: a markdown and an action card into the group, a one-to-one batch send.
    let robot = client.robot();
    let robot = robot.messages();
    let md = robot
        .org_group_send(OrgGroupSendRequest::new(
            robot_code.clone(),
            cid.clone(),
            markdown("Release", "## Release 1.0\n- shipped"),
        ))
        .await
        .unwrap()
        .process_query_key;
    let card = robot
        .org_group_send(OrgGroupSendRequest::new(
            robot_code.clone(),
            cid.clone(),
            RobotSampleActionCard::new(
                "Approve",
                "Expense **#42**",
                "Open",
                "https://example.com/42",
            ),
        ))
        .await
        .unwrap()
        .process_query_key;
    let oto = robot
        .batch_send_oto(BatchSendOtoRequest::new(
            robot_code.clone(),
            ["bob", "dave", "nobody"],
            markdown("Reminder", "Your review is due"),
        ))
        .await
        .unwrap();
    assert_eq!(oto.invalid_staff_id_list, ["nobody"]);
    assert!(oto.flow_controlled_staff_id_list.is_empty());
    let oto = oto.process_query_key;
    assert_eq!(
        [&md, &card, &oto]
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3,
        "three distinct keys"
    );

    // One delivery log: bob has the work notice, the chat message and the robot's three.
    let bob = fake.handle().deliveries_to("bob");
    let channels: Vec<&Channel> = bob.iter().map(|d| &d.channel).collect();
    assert_eq!(
        channels,
        [
            &Channel::WorkNotice { task_id },
            &Channel::Chat {
                chatid: chatid.clone(),
                message_id: chat_message.clone()
            },
            &Channel::RobotGroup {
                open_conversation_id: cid.clone(),
                process_query_key: md.clone()
            },
            &Channel::RobotGroup {
                open_conversation_id: cid.clone(),
                process_query_key: card.clone()
            },
            &Channel::RobotOneToOne {
                process_query_key: oto.clone()
            },
        ]
    );
    assert_eq!(
        bob[4].msg,
        json!({"msgKey": "sampleMarkdown",
               "msgParam": {"title": "Reminder", "text": "Your review is due"}})
    );
    assert_eq!(
        bob[3].msg,
        json!({"msgKey": "sampleActionCard", "msgParam": {
            "title": "Approve", "text": "Expense **#42**",
            "singleTitle": "Open", "singleURL": "https://example.com/42"}})
    );
    // dave is not in the group: only the one-to-one message; carol only the group ones.
    assert_eq!(
        robot_channels(&fake.handle().deliveries_to("dave")),
        [&Channel::RobotOneToOne {
            process_query_key: oto.clone()
        }]
    );
    assert_eq!(fake.handle().deliveries_to("carol").len(), 3);
    assert!(fake.handle().deliveries_to("nobody").is_empty());

    let sent = fake.handle().robot_messages();
    assert_eq!(sent.len(), 3);
    let md_state = fake.handle().with_state(|s| s.robot_messages[&md].clone());
    assert_eq!(md_state.robot_code, robot_code);
    assert_eq!(md_state.open_conversation_id.as_deref(), Some(cid.as_str()));
    assert_eq!(md_state.recipients, ["alice", "bob", "carol"]);
    assert_eq!(md_state.msg_key, "sampleMarkdown");
    let oto_state = fake.handle().with_state(|s| s.robot_messages[&oto].clone());
    assert_eq!(oto_state.open_conversation_id, None);
    assert_eq!(oto_state.recipients, ["bob", "dave"]);

    // The robots of the group: the app's own.
    let bots = robot
        .get_bot_list_in_group(GetBotListInGroupRequest::new(cid.clone()))
        .await
        .unwrap()
        .chatbot_instance_vo_list;
    assert_eq!(bots.len(), 1);
    assert_eq!(bots[0].robot_code.as_deref(), Some(robot_code.as_str()));

    // Readers: bob reads everything, dave the one-to-one message.
    fake.handle().with_state(|s| {
        for key in [&md, &card, &oto] {
            s.mark_robot_message_read(key, "bob").unwrap();
        }
        s.mark_robot_message_read(&oto, "dave").unwrap();
        assert!(
            s.mark_robot_message_read(&md, "dave").is_err(),
            "not a recipient"
        );
    });

    // Recall the markdown from the group and the one-to-one message; a one-to-one key is not
    // a group message, so the group recall lists it as failed.
    let recalled = robot
        .org_group_recall(OrgGroupRecallRequest::new(
            cid.clone(),
            robot_code.clone(),
            [md.clone(), oto.clone()],
        ))
        .await
        .unwrap();
    assert_eq!(recalled.success_result, [md.as_str()]);
    assert_eq!(
        recalled.failed_result.keys().collect::<Vec<_>>(),
        [&oto],
        "{recalled:?}"
    );
    let recalled = robot
        .batch_recall_oto(BatchRecallOtoRequest::new(
            robot_code.clone(),
            [oto.clone()],
        ))
        .await
        .unwrap();
    assert_eq!(recalled.success_result, [oto.as_str()]);
    assert!(recalled.failed_result.is_empty());

    // In state: the two messages and their deliveries are recalled, the rest are not.
    fake.handle().with_state(|s| {
        assert!(s.robot_messages[&md].recalled);
        assert!(s.robot_messages[&oto].recalled);
        assert!(!s.robot_messages[&card].recalled);
    });
    for delivery in fake.handle().deliveries() {
        let expected = match &delivery.channel {
            Channel::RobotGroup {
                process_query_key, ..
            }
            | Channel::RobotOneToOne { process_query_key } => {
                *process_query_key == md || *process_query_key == oto
            }
            _ => false,
        };
        assert_eq!(delivery.recalled, expected, "{delivery:?}");
    }

    // Read status: the group query (paged) and the one-to-one status.
    let status = robot
        .org_group_query(
            OrgGroupQueryRequest::new(card.clone())
                .open_conversation_id(cid.clone())
                .robot_code(robot_code.clone()),
        )
        .await
        .unwrap();
    assert_eq!(status.send_status, Some(RobotSendStatus::Success));
    assert_eq!(status.read_user_ids, ["bob"]);
    assert!(!status.has_more);
    let status = robot
        .org_group_query(OrgGroupQueryRequest::new(md.clone()).open_conversation_id(cid.clone()))
        .await
        .unwrap();
    assert_eq!(status.send_status, Some(RobotSendStatus::Recalled));
    assert_eq!(status.read_user_ids, ["bob"], "read before it was recalled");
    let readers = client
        .collect_all(OrgGroupQueryRequest::new(card.clone()).open_conversation_id(cid.clone()))
        .await
        .unwrap();
    assert_eq!(readers, ["bob"]);

    let status = robot
        .batch_oto_query(BatchOtoQueryRequest::new(robot_code.clone(), oto.clone()))
        .await
        .unwrap();
    assert_eq!(status.send_status, Some(RobotSendStatus::Recalled));
    let read: Vec<(Option<String>, Option<String>, Option<RobotReadStatus>)> = status
        .message_read_info_list
        .into_iter()
        .map(|info| (info.user_id, info.name, info.read_status))
        .collect();
    assert_eq!(
        read,
        [
            (
                Some("bob".into()),
                Some("Bob Li".into()),
                Some(RobotReadStatus::Read)
            ),
            (
                Some("dave".into()),
                Some("Dave Zhao".into()),
                Some(RobotReadStatus::Read)
            ),
        ]
    );

    // The classic messages were not touched by the recalls.
    let bob = fake.handle().deliveries_to("bob");
    assert!(!bob[0].recalled && !bob[1].recalled);
    assert_eq!(
        fake.handle()
            .with_state(|s| s.notice(task_id).map(|n| n.recalled)),
        Some(false)
    );
}

#[tokio::test]
async fn the_one_to_one_read_status_lists_unread_recipients_and_a_foreign_robot_is_refused() {
    let (fake, client) = start().await;
    let robot = client.robot();
    let robot = robot.messages();
    let key = robot
        .batch_send_oto(BatchSendOtoRequest::new(
            fake.app_key(),
            ["erin", "grace"],
            RobotSampleText::new("stand-up in 5"),
        ))
        .await
        .unwrap()
        .process_query_key;
    fake.handle()
        .with_state(|s| s.mark_robot_message_read(&key, "grace"))
        .unwrap();
    let status = robot
        .batch_oto_query(BatchOtoQueryRequest::new(fake.app_key(), key.clone()))
        .await
        .unwrap();
    assert_eq!(status.send_status, Some(RobotSendStatus::Success));
    let read: Vec<_> = status
        .message_read_info_list
        .iter()
        .map(|i| (i.user_id.clone().unwrap(), i.read_status.clone().unwrap()))
        .collect();
    assert_eq!(
        read,
        [
            ("erin".to_string(), RobotReadStatus::Unread),
            ("grace".to_string(), RobotReadStatus::Read)
        ]
    );

    // Another robot's code is refused before anything is sent.
    let (status, code, resolved) = v1_error(
        robot
            .batch_send_oto(BatchSendOtoRequest::new(
                "dingsomeoneelse",
                ["erin"],
                RobotSampleText::new("hi"),
            ))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (400, "invalidParameter.robotCode.auth")
    );
    assert_eq!(resolved, ErrorCode::RobotCodeNotOfApp);
    assert_eq!(fake.handle().robot_messages().len(), 1);
    assert_eq!(fake.handle().deliveries_to("erin").len(), 1);
}

// ------------------------------------------------------------------ 3. cards

#[tokio::test]
async fn cards_are_created_delivered_updated_and_streamed() {
    let (fake, client) = start().await;
    let (cid, _) = group(&client).await;
    let card = client.card();
    let group_space = format!("dtv1.card//IM_GROUP.{cid}");

    // Create, then deliver into the group: one delivery per member.
    let created = card
        .create(
            CardCreateRequest::new(
                "tmpl.order",
                "order-1",
                CardData::new([("title", "Order 1"), ("status", "new")]),
            )
            .im_group_open_space_model(CardImOpenSpaceModel::new(true)),
        )
        .await
        .unwrap();
    assert_eq!(created, "order-1");
    let (status, code, _) = v1_error(
        card.create(CardCreateRequest::new(
            "tmpl.order",
            "order-1",
            CardData::new([("title", "again")]),
        ))
        .await,
    );
    assert_eq!((status, code.as_str()), (400, "param.cardAlreadyExist"));

    let results = card
        .deliver(
            DeliverRequest::new("order-1", group_space.clone())
                .im_group_open_deliver_model(CardImGroupOpenDeliverModel::new(fake.app_key())),
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].space_type.as_deref(), Some("IM_GROUP"));
    assert_eq!(results[0].space_id, cid.as_str());
    assert_eq!(results[0].success, Some(true));
    let stored = fake.handle().with_state(|s| s.cards["order-1"].clone());
    assert_eq!(stored.template_id, "tmpl.order");
    assert_eq!(stored.spaces, [format!("IM_GROUP.{cid}")]);
    assert_eq!(stored.params["status"], json!("new"));
    let card_deliveries = |out_track_id: &str| -> Vec<(String, String)> {
        fake.handle()
            .deliveries()
            .into_iter()
            .filter_map(|d| match d.channel {
                Channel::Card {
                    out_track_id: id,
                    space,
                } if id == out_track_id => Some((d.userid, space)),
                _ => None,
            })
            .collect()
    };
    let in_group = format!("IM_GROUP.{cid}");
    assert_eq!(
        card_deliveries("order-1"),
        ["alice", "bob", "carol"].map(|u| (u.to_string(), in_group.clone()))
    );

    // An unknown group is a failed entry, not an error; an unknown card is an error.
    let results = card
        .deliver(DeliverRequest::new(
            "order-1",
            "dtv1.card//IM_GROUP.cidNoSuchGroup==",
        ))
        .await
        .unwrap();
    assert_eq!(results[0].success, Some(false));
    let (status, code, _) = v1_error(
        card.deliver(DeliverRequest::new("order-404", group_space.clone()))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "param.cardNotExist"));
    let (status, code, _) = v1_error(
        card.deliver(DeliverRequest::new("order-1", format!("IM_GROUP.{cid}")))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "param.openSpaceIdInvalid"));

    // createAndDeliver into the group (bob only) and into dave's robot chat.
    let both = card
        .create_and_deliver(
            CreateAndDeliverRequest::new(
                "tmpl.order",
                "order-2",
                format!("{group_space};IM_ROBOT.dave"),
                CardData::new([("title", "Order 2")]),
            )
            .im_group_open_deliver_model(
                CardImGroupOpenDeliverModel::new(fake.app_key()).recipients(["bob"]),
            ),
        )
        .await
        .unwrap();
    assert_eq!(both.out_track_id.as_deref(), Some("order-2"));
    let outcome: Vec<_> = both
        .deliver_results
        .iter()
        .map(|r| (r.space_type.clone().unwrap(), r.success))
        .collect();
    assert_eq!(
        outcome,
        [
            ("IM_GROUP".to_string(), Some(true)),
            ("IM_ROBOT".to_string(), Some(true))
        ]
    );
    assert_eq!(
        card_deliveries("order-2"),
        [
            ("bob".to_string(), in_group.clone()),
            ("dave".to_string(), "IM_ROBOT.dave".to_string())
        ]
    );

    // Update: merged key by key, then replaced.
    let merged = card
        .update(
            CardUpdateRequest::new("order-1")
                .card_data(CardData::new([("status", "shipped")]))
                .card_update_options(CardUpdateOptions::new().update_card_data_by_key(true)),
        )
        .await
        .unwrap();
    assert!(merged);
    let params = fake
        .handle()
        .with_state(|s| s.cards["order-1"].params.clone());
    assert_eq!(
        serde_json::Value::Object(params),
        json!({"title": "Order 1", "status": "shipped"})
    );
    assert!(
        card.update(
            CardUpdateRequest::new("order-1").card_data(CardData::new([("status", "done")]))
        )
        .await
        .unwrap()
    );
    let params = fake
        .handle()
        .with_state(|s| s.cards["order-1"].params.clone());
    assert_eq!(serde_json::Value::Object(params), json!({"status": "done"}));
    let (status, code, _) = v1_error(card.update(CardUpdateRequest::new("order-1")).await);
    assert_eq!(
        (status, code.as_str()),
        (400, "param.cardDataAndPrivateDataBothEmpty")
    );

    // Streaming: appended frames, then a full final one.
    card.create_and_deliver(
        CreateAndDeliverRequest::new(
            "tmpl.ai",
            "answer-1",
            group_space.clone(),
            CardData::new([("content", "")]),
        )
        .im_group_open_deliver_model(CardImGroupOpenDeliverModel::new(fake.app_key())),
    )
    .await
    .unwrap();
    for (guid, text) in [("g1", "Hel"), ("g2", "lo")] {
        assert!(
            card.streaming_update(StreamingUpdateRequest::new(
                "answer-1", guid, "content", text, false
            ))
            .await
            .unwrap()
        );
    }
    let partial = fake
        .handle()
        .with_state(|s| s.cards["answer-1"].params["content"].clone());
    assert_eq!(partial, json!("Hello"));
    assert!(
        card.streaming_update(
            StreamingUpdateRequest::new("answer-1", "g3", "content", "Hello, world", true)
                .is_finalize(true)
        )
        .await
        .unwrap()
    );
    let streamed = fake.handle().with_state(|s| s.cards["answer-1"].clone());
    assert_eq!(streamed.params["content"], json!("Hello, world"));
    let frames: Vec<_> = streamed
        .stream
        .iter()
        .map(|f| {
            (
                f["guid"].clone(),
                f["isFull"].clone(),
                f["isFinalize"].clone(),
            )
        })
        .collect();
    assert_eq!(
        frames,
        [
            (json!("g1"), json!(false), json!(false)),
            (json!("g2"), json!(false), json!(false)),
            (json!("g3"), json!(true), json!(true)),
        ]
    );
    let (status, code, _) = v1_error(
        card.streaming_update(StreamingUpdateRequest::new(
            "answer-404",
            "g4",
            "content",
            "x",
            true,
        ))
        .await,
    );
    assert_eq!((status, code.as_str()), (400, "param.stream.outTrackId"));
}

// ------------------------------------------------------------------ 4. to-dos

#[tokio::test]
async fn a_todo_task_is_created_read_updated_listed_and_deleted() {
    let (fake, client) = start().await;
    let tasks = client.todo();
    let tasks = tasks.tasks();
    let alice = unionid(&fake, "alice");
    let bob = unionid(&fake, "bob");

    let created = tasks
        .create(
            TodoCreateRequest::new(alice.clone(), "Review PR")
                .source_id("pr-1")
                .description("Please review")
                .due_time(1_767_312_000_000)
                .executor_ids([alice.clone(), bob.clone()])
                .detail_url(
                    TodoDetailUrl::new()
                        .app_url("dingtalk://pr/1")
                        .pc_url("https://example.com/pr/1"),
                )
                .priority(20),
        )
        .await
        .unwrap();
    let id = created.id.clone();
    assert_eq!(created.subject.as_deref(), Some("Review PR"));
    assert_eq!(created.done, Some(false));
    assert_eq!(created.executor_ids, [alice.clone(), bob.clone()]);
    assert_eq!(created.creator_id.as_deref(), Some(alice.as_str()));
    assert!(fake.handle().with_state(|s| s.todos.contains_key(&id)));

    // The same sourceId again: refused, the spec's "task exist".
    let (status, code, _) = v1_error(
        tasks
            .create(TodoCreateRequest::new(alice.clone(), "Review PR").source_id("pr-1"))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "todo.taskCreate.paramError"));
    assert_eq!(fake.handle().with_state(|s| s.todos.len()), 1);

    let read = tasks
        .get(GetRequest::new(alice.clone(), id.clone()))
        .await
        .unwrap();
    assert_eq!(read, created, "get answers what create did");

    // Update: the new subject and completion show in the next get.
    assert!(
        tasks
            .update(
                TodoUpdateRequest::new(alice.clone(), id.clone())
                    .subject("Review PR #1")
                    .done(true)
            )
            .await
            .unwrap()
    );
    let read = tasks
        .get(GetRequest::new(alice.clone(), id.clone()))
        .await
        .unwrap();
    assert_eq!(read.subject.as_deref(), Some("Review PR #1"));
    assert_eq!(read.done, Some(true));
    assert_eq!(read.description.as_deref(), Some("Please review"));
    assert!(read.modified_time > read.created_time);

    // Executor status: set one by one, the other kept.
    for (executor, done) in [(&bob, true), (&alice, false), (&bob, false)] {
        let changed = tasks
            .update_executor_status(
                UpdateExecutorStatusRequest::new(alice.clone(), id.clone()).executor_status_list([
                    TodoExecutorStatus::new().id(executor.clone()).is_done(done),
                ]),
            )
            .await
            .unwrap();
        assert!(changed);
    }
    let statuses = fake
        .handle()
        .with_state(|s| s.todos[&id]["executorStatus"].clone());
    assert_eq!(
        statuses,
        json!([{"id": bob, "isDone": false}, {"id": alice, "isDone": false}])
    );

    // List, paged by nextToken (the spec's list has no page size: 50 per page in the fake).
    for n in 0..55 {
        tasks
            .create(TodoCreateRequest::new(alice.clone(), format!("Chore {n}")))
            .await
            .unwrap();
    }
    let mut listed = Vec::new();
    let mut request = ListRequest::new(alice.clone());
    let mut pages = 0;
    loop {
        let page = tasks.list(request.clone()).await.unwrap();
        pages += 1;
        assert_eq!(page.total_count, Some(56));
        listed.extend(page.todo_cards.into_iter().map(|c| c.task_id));
        match page.next_token {
            Some(token) => request = ListRequest::new(alice.clone()).next_token(token),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(listed.len(), 56);
    assert_eq!(
        listed.last(),
        Some(&id),
        "newest first: the first task is last"
    );
    let unique: std::collections::BTreeSet<_> = listed.iter().collect();
    assert_eq!(unique.len(), 56);
    let done = tasks
        .list(ListRequest::new(alice.clone()).is_done(true))
        .await
        .unwrap();
    assert_eq!(
        done.todo_cards
            .iter()
            .map(|c| c.task_id.clone())
            .collect::<Vec<_>>(),
        [id.as_str()]
    );
    assert_eq!(
        done.todo_cards[0]
            .detail_url
            .as_ref()
            .and_then(|u| u.pc_url.as_deref()),
        Some("https://example.com/pr/1")
    );
    // Organisation tasks are those with a detailUrl: only the first.
    let org = tasks
        .query_org_tasks(QueryOrgTasksRequest::new(alice.clone()))
        .await
        .unwrap();
    assert_eq!(org.todo_cards.len(), 1);
    assert_eq!(org.todo_cards[0].task_id, id.as_str());
    assert_eq!(org.next_token, None);
    // bob owns none of them.
    let bobs = tasks.list(ListRequest::new(bob.clone())).await.unwrap();
    assert!(bobs.todo_cards.is_empty());
    let (status, code, _) = v1_error(tasks.get(GetRequest::new(bob.clone(), id.clone())).await);
    assert_eq!(
        (status, code.as_str()),
        (404, "invalidRequest.resource.notFound")
    );

    // Delete; then get, delete and update are refused with their codes.
    let deleted = tasks
        .delete(TodoDeleteRequest::new(alice.clone(), id.clone()))
        .await
        .unwrap();
    assert_eq!(deleted.result, Some(true));
    assert!(!fake.handle().with_state(|s| s.todos.contains_key(&id)));
    let (status, code, resolved) =
        v1_error(tasks.get(GetRequest::new(alice.clone(), id.clone())).await);
    assert_eq!(
        (status, code.as_str()),
        (404, "invalidRequest.resource.notFound")
    );
    assert_eq!(resolved, ErrorCode::ResourceNotFound);
    let (status, code, _) = v1_error(
        tasks
            .delete(TodoDeleteRequest::new(alice.clone(), id.clone()))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "todo.taskDelete.paramError"));
    let (status, code, _) = v1_error(
        tasks
            .update(TodoUpdateRequest::new(alice.clone(), id.clone()).done(false))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "todo.taskUpdate.paramError"));
    assert_eq!(fake.handle().with_state(|s| s.todos.len()), 55);
}

// ------------------------------------------------------------------ 5. user tokens

#[tokio::test]
async fn a_user_token_from_a_login_code_reads_its_own_profile_and_refreshes() {
    let (fake, client) = start().await;
    let oauth2 = client.oauth2();
    let code = fake.handle().oauth_code("alice");
    let granted = oauth2
        .user_access_token(UserAccessTokenRequest::new(
            fake.app_key(),
            fake.app_secret(),
            code.clone(),
            UserAccessTokenRequestGrantType::AuthorizationCode,
        ))
        .await
        .unwrap();
    assert_eq!(granted.expire_in, Some(7200));
    let corp_id = fake.handle().with_state(|s| s.org.corp_id.clone());
    assert_eq!(granted.corp_id.as_deref(), Some(corp_id.as_str()));
    let refresh = granted.refresh_token.clone().expect("a refresh token");

    // `get_user` takes a `UserToken`: an app `AccessToken` (what `client.access_token()`
    // returns) does not convert into one, so passing the app token here does not compile,
    // and the app token is never attached to this call.
    let profile = client.contact().profile();
    let me = profile
        .get_user(GetUserRequest::new(granted.access_token.clone(), "me"))
        .await
        .unwrap();
    assert_eq!(me.nick.as_deref(), Some("Alice Chen"));
    assert_eq!(me.union_id, unionid(&fake, "alice"));
    assert_eq!(me.email.as_deref(), Some("alice@demo.example"));
    assert_eq!(me.mobile.as_deref(), Some("13800000001"));
    let other = profile
        .get_user(GetUserRequest::new(
            granted.access_token.clone(),
            unionid(&fake, "bob"),
        ))
        .await
        .unwrap();
    assert_eq!(other.nick.as_deref(), Some("Bob Li"));

    // The code is single-use.
    let (status, code_text, _) = v1_error(
        oauth2
            .user_access_token(UserAccessTokenRequest::new(
                fake.app_key(),
                fake.app_secret(),
                code,
                UserAccessTokenRequestGrantType::AuthorizationCode,
            ))
            .await,
    );
    assert_eq!(
        (status, code_text.as_str()),
        (400, "invalidParameter.authCode.notFound")
    );

    // Refresh: a new token for the same user, and a new refresh token.
    let renewed = oauth2
        .refresh_user_access_token(RefreshUserAccessTokenRequest::new(
            fake.app_key(),
            fake.app_secret(),
            refresh.clone(),
            RefreshUserAccessTokenRequestGrantType::RefreshToken,
        ))
        .await
        .unwrap();
    assert_ne!(renewed.access_token, granted.access_token);
    assert_ne!(renewed.refresh_token.as_deref(), Some(refresh.as_str()));
    let me_again = profile
        .get_user(GetUserRequest::new(renewed.access_token, "me"))
        .await
        .unwrap();
    assert_eq!(me_again, me);
    let (status, code_text, _) = v1_error(
        oauth2
            .refresh_user_access_token(RefreshUserAccessTokenRequest::new(
                fake.app_key(),
                fake.app_secret(),
                refresh,
                RefreshUserAccessTokenRequestGrantType::RefreshToken,
            ))
            .await,
    );
    assert_eq!(
        (status, code_text.as_str()),
        (400, "invalidParameter.refreshToken.notFound")
    );

    // The whole user flow needed no app token.
    assert_eq!(fake.handle().tokens_issued(), 0);
    assert_eq!(fake.handle().calls_to(GET_TOKEN), 0);
}

#[tokio::test]
async fn a_wrong_or_expired_user_token_is_refused_once_without_an_app_token_fetch() {
    let (fake, client) = start().await;
    let app_token = client.access_token().await.unwrap();
    assert_eq!(fake.handle().tokens_issued(), 1);
    let profile = client.contact().profile();

    // A made-up token, and the app token's text dressed up as a user token: the fake keeps
    // user tokens apart from app tokens, as DingTalk does.
    for (n, token) in [
        UserToken::new("not-a-user-token"),
        UserToken::new(app_token.secret()),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, code, resolved) =
            v1_error(profile.get_user(GetUserRequest::new(token, "me")).await);
        assert_eq!((status, code.as_str()), (400, "InvalidAuthentication"));
        assert_eq!(resolved, ErrorCode::InvalidAuthentication);
        // Not retried, and no app token was fetched for it (the client refreshes only the
        // app token it attached itself).
        assert_eq!(fake.handle().requests_to(GET_PROFILE), n + 1);
        assert_eq!(fake.handle().calls_to(GET_TOKEN), 1);
        assert_eq!(fake.handle().tokens_issued(), 1);
    }

    // An expired user token: a fake whose tokens expire as they are issued.
    let (fake, client) = start_with(FakeDingTalk::new().token_lifetime(Duration::ZERO)).await;
    let code = fake.handle().oauth_code("bob");
    let granted = client
        .oauth2()
        .user_access_token(UserAccessTokenRequest::new(
            fake.app_key(),
            fake.app_secret(),
            code,
            UserAccessTokenRequestGrantType::AuthorizationCode,
        ))
        .await
        .unwrap();
    assert_eq!(granted.expire_in, Some(0));
    let (status, code, _) = v1_error(
        client
            .contact()
            .profile()
            .get_user(GetUserRequest::new(granted.access_token, "me"))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "InvalidAuthentication"));
    assert_eq!(fake.handle().requests_to(GET_PROFILE), 1);
    assert_eq!(fake.handle().tokens_issued(), 0, "no app token was fetched");
}

// ------------------------------------------------------------------ 6. reliability

#[tokio::test]
async fn a_qps_limited_v1_send_is_retried_and_delivered_once() {
    let (fake, client) = start().await;
    let (cid, _) = group(&client).await;
    fake.handle().inject(
        Fault::v1_error(
            403,
            "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            "app qps limit",
        )
        .on(GROUP_SEND)
        .times(2),
    );
    let key = client
        .robot()
        .messages()
        .org_group_send(OrgGroupSendRequest::new(
            fake.app_key(),
            cid.clone(),
            RobotSampleText::new("after the limit"),
        ))
        .await
        .expect("retried past the QPS refusals")
        .process_query_key;
    assert_eq!(fake.handle().requests_to(GROUP_SEND), 3, "2 refused + 1");
    assert_eq!(fake.handle().calls_to(GROUP_SEND), 1, "processed once");
    let sent = fake.handle().robot_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].process_query_key, key);
    for userid in ["alice", "bob", "carol"] {
        assert_eq!(
            robot_channels(&fake.handle().deliveries_to(userid)).len(),
            1,
            "{userid}"
        );
    }
    assert_eq!(fake.handle().tokens_issued(), 1);
}

#[tokio::test]
async fn an_expired_app_token_on_a_v1_call_is_refreshed_once_and_retried_once() {
    let (fake, client) = start().await;
    let (cid, _) = group(&client).await;
    assert_eq!(fake.handle().tokens_issued(), 1);
    fake.handle().expire_tokens();
    client
        .robot()
        .messages()
        .org_group_send(OrgGroupSendRequest::new(
            fake.app_key(),
            cid.clone(),
            RobotSampleText::new("fresh token"),
        ))
        .await
        .expect("refreshed and retried");
    assert_eq!(fake.handle().tokens_issued(), 2);
    assert_eq!(fake.handle().calls_to(GET_TOKEN), 2);
    assert_eq!(
        fake.handle().requests_to(GROUP_SEND),
        2,
        "refused, then retried"
    );
    assert_eq!(fake.handle().calls_to(GROUP_SEND), 1);
    assert_eq!(fake.handle().robot_messages().len(), 1);

    // A token refused again after the refresh goes back to the caller: one refresh only.
    fake.handle().inject(
        Fault::v1_error(400, "InvalidAuthentication", "不合法的access_token")
            .on(GROUP_INFO)
            .always(),
    );
    let (status, code, _) = v1_error(
        client
            .im()
            .get_scene_group_info(GetSceneGroupInfoRequest::new(cid))
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "InvalidAuthentication"));
    assert_eq!(fake.handle().requests_to(GROUP_INFO), 2);
    assert_eq!(fake.handle().calls_to(GET_TOKEN), 3);
}

#[tokio::test]
async fn an_org_api_quota_refusal_fails_at_once_without_a_retry() {
    let (fake, client) = start().await;
    let (cid, _) = group(&client).await;
    fake.handle().inject(
        Fault::v1_error(
            403,
            "Forbidden.AccessDenied.ApiCountLimitForOrg",
            "monthly quota used up",
        )
        .on(GROUP_SEND)
        .always(),
    );
    let (status, code, resolved) = v1_error(
        client
            .robot()
            .messages()
            .org_group_send(OrgGroupSendRequest::new(
                fake.app_key(),
                cid,
                RobotSampleText::new("over quota"),
            ))
            .await,
    );
    assert_eq!(
        (status, code.as_str()),
        (403, "Forbidden.AccessDenied.ApiCountLimitForOrg")
    );
    assert_eq!(resolved, ErrorCode::ApiCountLimitForOrg);
    assert_eq!(fake.handle().requests_to(GROUP_SEND), 1);
    assert!(fake.handle().robot_messages().is_empty());
}

#[tokio::test]
async fn a_5xx_on_a_v1_read_is_retried_and_on_a_v1_send_is_outcome_unknown() {
    let (fake, client) = start().await;
    let (cid, _) = group(&client).await;
    let info = || {
        client
            .im()
            .get_scene_group_info(GetSceneGroupInfoRequest::new(cid.clone()))
    };

    // DingTalk's own 500 (`system.error`), then a gateway's HTML 503: a read retries both.
    fake.handle()
        .inject(Fault::v1_error(500, "system.error", "系统错误").on(GROUP_INFO));
    fake.handle().inject(Fault::http_status(503).on(GROUP_INFO));
    let answer = info().await.expect("retried past the 5xx answers");
    assert_eq!(answer.title.as_deref(), Some("Launch"));
    assert_eq!(fake.handle().requests_to(GROUP_INFO), 3);
    assert_eq!(fake.handle().calls_to(GROUP_INFO), 1);

    // The same 500 on a send: the service may have acted, so the send is not repeated.
    fake.handle()
        .inject(Fault::v1_error(500, "system.error", "系统错误").on(GROUP_SEND));
    let err = client
        .robot()
        .messages()
        .org_group_send(OrgGroupSendRequest::new(
            fake.app_key(),
            cid.clone(),
            RobotSampleText::new("maybe"),
        ))
        .await
        .expect_err("a 5xx on a send");
    let cause = unknown_cause(&err);
    assert_eq!(cause.http_status(), Some(500), "{cause:?}");
    assert_eq!(fake.handle().requests_to(GROUP_SEND), 1);
}

#[tokio::test]
async fn a_dropped_connection_after_a_v1_send_is_outcome_unknown_and_sent_once() {
    let (fake, client) = start().await;
    let (cid, _) = group(&client).await;
    let robot = client.robot();
    let robot = robot.messages();

    fake.handle()
        .inject(Fault::drop_connection().on(GROUP_SEND).after_processing());
    let err = robot
        .org_group_send(OrgGroupSendRequest::new(
            fake.app_key(),
            cid.clone(),
            markdown("Lost", "the answer was lost"),
        ))
        .await
        .expect_err("the answer was lost");
    assert!(err.is_outcome_unknown());
    assert!(
        matches!(unknown_cause(&err), Error::Transport(_)),
        "{err:?}"
    );
    assert_eq!(fake.handle().requests_to(GROUP_SEND), 1, "never repeated");
    let sent = fake.handle().robot_messages();
    assert_eq!(sent.len(), 1, "processed exactly once");
    assert_eq!(sent[0].msg_param["text"], json!("the answer was lost"));
    for userid in ["alice", "bob", "carol"] {
        assert_eq!(
            robot_channels(&fake.handle().deliveries_to(userid)).len(),
            1,
            "{userid}"
        );
    }

    // The same for a one-to-one batch send.
    fake.handle()
        .inject(Fault::drop_connection().on(OTO_SEND).after_processing());
    let err = robot
        .batch_send_oto(BatchSendOtoRequest::new(
            fake.app_key(),
            ["dave", "erin"],
            RobotSampleText::new("lost too"),
        ))
        .await
        .expect_err("the answer was lost");
    assert!(err.is_outcome_unknown());
    assert_eq!(fake.handle().requests_to(OTO_SEND), 1);
    assert_eq!(fake.handle().robot_messages().len(), 2);
    for userid in ["dave", "erin"] {
        assert_eq!(
            fake.handle().deliveries_to(userid).len(),
            1,
            "{userid} once"
        );
    }
}

#[tokio::test]
async fn classic_and_v1_calls_share_one_token() {
    let (fake, client) = start().await;
    // A cold client: classic and v1 calls at once wait on one token fetch.
    let alice = unionid(&fake, "alice");
    let (user, group, todo) = tokio::join!(
        client.contact().user().get_v2(GetV2Request::new("bob")),
        client.im().create_group(CreateGroupRequest::new(
            "Shared token",
            "alice",
            ["alice", "bob"],
        )),
        client
            .todo()
            .tasks()
            .create(TodoCreateRequest::new(alice, "One token")),
    );
    assert_eq!(user.unwrap().name.as_str(), "Bob Li");
    let group = group.unwrap();
    todo.unwrap();
    // Then one after the other, in both generations, into the same group.
    client
        .chat()
        .send(ChatSendRequest::new(
            group.chatid.clone(),
            TextContent::new("classic"),
        ))
        .await
        .unwrap();
    client
        .robot()
        .messages()
        .org_group_send(OrgGroupSendRequest::new(
            fake.app_key(),
            group.open_conversation_id.clone(),
            RobotSampleText::new("v1"),
        ))
        .await
        .unwrap();
    client
        .chat()
        .create(ChatCreateRequest::new("Classic", "bob", ["bob", "carol"]))
        .await
        .unwrap();
    assert_eq!(fake.handle().tokens_issued(), 1);
    assert_eq!(fake.handle().calls_to(GET_TOKEN), 1);
    let bob: Vec<Channel> = fake
        .handle()
        .deliveries_to("bob")
        .into_iter()
        .map(|d| d.channel)
        .collect();
    assert_eq!(bob.len(), 2);
    assert!(matches!(bob[0], Channel::Chat { .. }), "{bob:?}");
    assert!(matches!(bob[1], Channel::RobotGroup { .. }), "{bob:?}");
}
