//! Group conversations on api.dingtalk.com (`im`): group create, the snake_case scene-group
//! family, the camelCase disband and queries, and the chatid conversion, checked on the wire
//! (method, exact path, query, token header, JSON body) and against the documented examples.

mod support;

use dingtalk_api::im::{
    AddSceneGroupMembersRequest, BatchQueryGroupMembersRequest, ChatIdToOpenConversationIdRequest,
    CreateGroupRequest, CreateSceneGroupRequest, DisbandSceneGroupRequest,
    GetSceneGroupInfoRequest, ImGroupManagementOptions, ImSceneGroupManagementOptions,
    RemoveSceneGroupMembersRequest, UpdateSceneGroupRequest,
};
use dingtalk_api::types::group::{GroupAuthority, GroupSwitch};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const MODULE: &str = "im";
const GROUP_CREATE_PATH: &str = "/v1.0/im/group/create";
const SCENE_CREATE_PATH: &str = "/v1.0/im/sceneGroup/create";
const SCENE_UPDATE_PATH: &str = "/v1.0/im/sceneGroup/update";
const MEMBER_ADD_PATH: &str = "/v1.0/im/sceneGroup/member/add";
const MEMBER_DELETE_PATH: &str = "/v1.0/im/sceneGroup/member/delete";
const DISBAND_PATH: &str = "/v1.0/im/chat/scenegroup/disband";
const INFO_PATH: &str = "/v1.0/im/sceneGroups/query";
const MEMBERS_PATH: &str = "/v1.0/im/sceneGroups/members/batchQuery";

/// Expects one `POST endpoint_path` carrying the token header, answered with the documented
/// example of `endpoint`.
async fn expect_example(server: &MockServer, endpoint_path: &str, endpoint: &str) {
    support::expect_v1_example(server, "POST", endpoint_path, MODULE, endpoint).await;
}

/// The single POST to `endpoint_path`: exact (encoded) path, the token in the header and not
/// in a query string (there is none).
async fn single_post(server: &MockServer, endpoint_path: &str) -> Request {
    let mut requests = support::requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    let request = requests.remove(0);
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), endpoint_path);
    assert_eq!(
        request.url.query(),
        None,
        "no query string, no access_token"
    );
    assert_eq!(
        request
            .headers
            .get("x-acs-dingtalk-access-token")
            .and_then(|v| v.to_str().ok()),
        Some(support::TOKEN)
    );
    request
}

/// The JSON body of the single POST to `endpoint_path`.
async fn posted_body(server: &MockServer, endpoint_path: &str) -> Value {
    single_post(server, endpoint_path).await;
    support::single_json_body(server, endpoint_path).await
}

#[tokio::test]
async fn create_group_posts_camel_case_settings_and_decodes_both_ids() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, GROUP_CREATE_PATH, "create_group").await;

    let options = ImGroupManagementOptions::new()
        .mention_all_authority(GroupAuthority::OwnerOnly)
        .show_history_type(GroupSwitch::On)
        .validation_type(GroupSwitch::Off)
        .searchable(GroupSwitch::On)
        .chat_banned_type(GroupSwitch::Off)
        .management_type(GroupAuthority::OwnerOnly);
    let request = CreateGroupRequest::new("测试群", "manager4220", ["manager4220", "user2"])
        .owner_type("emp")
        .conversation_tag(2)
        .extidlist(["ext1"])
        .icon("@mediaId")
        .management_options(options);
    let answer = client
        .im()
        .create_group(request)
        .await
        .expect("group/create succeeds");
    assert_eq!(answer.open_conversation_id, "14da****2760");
    assert_eq!(answer.chatid.as_str(), "chatxxxx");
    assert_eq!(answer.conversation_tag, Some(2));

    assert_eq!(
        posted_body(&server, GROUP_CREATE_PATH).await,
        json!({
            "name": "测试群",
            "owner": "manager4220",
            "useridlist": ["manager4220", "user2"],
            "ownerType": "emp",
            "conversationTag": 2,
            "extidlist": ["ext1"],
            "icon": "@mediaId",
            "managementOptions": {
                "mentionAllAuthority": 1,
                "showHistoryType": 1,
                "validationType": 0,
                "searchable": 1,
                "chatBannedType": 0,
                "managementType": 1
            }
        })
    );
}

#[tokio::test]
async fn create_group_with_the_required_fields_only() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, GROUP_CREATE_PATH, "create_group").await;
    client
        .im()
        .create_group(CreateGroupRequest::new("群", "u1", ["u1"]))
        .await
        .expect("group/create succeeds");
    assert_eq!(
        posted_body(&server, GROUP_CREATE_PATH).await,
        json!({"name": "群", "owner": "u1", "useridlist": ["u1"]})
    );
}

/// Every scene-group flag set, each to a value of its own where it can be.
fn all_scene_flags() -> (ImSceneGroupManagementOptions, Value) {
    let options = ImSceneGroupManagementOptions::new()
        .mention_all_authority(GroupAuthority::OwnerOnly)
        .show_history_type(GroupSwitch::On)
        .validation_type(GroupSwitch::On)
        .searchable(GroupSwitch::On)
        .chat_banned_type(GroupSwitch::Off)
        .management_type(GroupAuthority::OwnerOnly)
        .only_admin_can_ding(GroupAuthority::OwnerOnly)
        .all_members_can_create_mcs_conf(GroupSwitch::Off)
        .all_members_can_create_calendar(GroupSwitch::On)
        .group_email_disabled(GroupSwitch::On)
        .only_admin_can_set_msg_top(GroupAuthority::OwnerOnly)
        .add_friend_forbidden(GroupSwitch::On)
        .group_live_switch(GroupSwitch::Off)
        .members_to_admin_chat(GroupSwitch::On)
        .plugin_customize_verify(GroupSwitch::On)
        .not_quit_when_emp_leave(GroupSwitch::On)
        .only_admin_can_add_mem(GroupAuthority::OwnerOnly);
    let wire = json!({
        "mention_all_authority": 1,
        "show_history_type": 1,
        "validation_type": 1,
        "searchable": 1,
        "chat_banned_type": 0,
        "management_type": 1,
        "only_admin_can_ding": 1,
        "all_members_can_create_mcs_conf": 0,
        "all_members_can_create_calendar": 1,
        "group_email_disabled": 1,
        "only_admin_can_set_msg_top": 1,
        "add_friend_forbidden": 1,
        "group_live_switch": 0,
        "members_to_admin_chat": 1,
        "plugin_customize_verify": 1,
        "not_quit_when_emp_leave": 1,
        "only_admin_can_add_mem": 1
    });
    (options, wire)
}

#[tokio::test]
async fn create_scene_group_is_snake_case_on_the_wire_both_ways() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, SCENE_CREATE_PATH, "create_scene_group").await;

    let (options, options_wire) = all_scene_flags();
    let request = CreateSceneGroupRequest::new("客户群", "c354-b4ea-65", "1107****2120")
        .user_ids(["1107****2120", "u2"])
        .subadmin_ids(["1107****2120"])
        .uuid("asdazxc")
        .icon("@lADOADma*****QKA")
        .management_options(options);
    let answer = client
        .im()
        .create_scene_group(request)
        .await
        .expect("sceneGroup/create succeeds");
    assert_eq!(answer.open_conversation_id, "cidxxxxxx==");
    assert_eq!(answer.chat_id.as_str(), "chatxxxxxx");

    assert_eq!(
        posted_body(&server, SCENE_CREATE_PATH).await,
        json!({
            "title": "客户群",
            "template_id": "c354-b4ea-65",
            "owner_user_id": "1107****2120",
            "user_ids": ["1107****2120", "u2"],
            "subadmin_ids": ["1107****2120"],
            "uuid": "asdazxc",
            "icon": "@lADOADma*****QKA",
            "management_options": options_wire
        })
    );
}

#[tokio::test]
async fn update_scene_group_posts_snake_case_and_only_what_is_set() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, SCENE_UPDATE_PATH, "update_scene_group").await;

    let (options, options_wire) = all_scene_flags();
    let request = UpdateSceneGroupRequest::new("cidxxxxxx==")
        .title("客户群")
        .icon("@lADOADma*****QKA")
        .owner_user_id("1107****2120")
        .owner_union_id("unionid****")
        .management_options(options);
    let answer = client
        .im()
        .update_scene_group(request)
        .await
        .expect("sceneGroup/update succeeds");
    assert_eq!(answer.success, Some(true));
    assert_eq!(
        posted_body(&server, SCENE_UPDATE_PATH).await,
        json!({
            "open_conversation_id": "cidxxxxxx==",
            "title": "客户群",
            "icon": "@lADOADma*****QKA",
            "owner_user_id": "1107****2120",
            "owner_union_id": "unionid****",
            "management_options": options_wire
        })
    );

    // One flag only: the others stay off the wire.
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, SCENE_UPDATE_PATH, "update_scene_group").await;
    client
        .im()
        .update_scene_group(UpdateSceneGroupRequest::new("cid1").management_options(
            ImSceneGroupManagementOptions::new().chat_banned_type(GroupSwitch::On),
        ))
        .await
        .expect("sceneGroup/update succeeds");
    assert_eq!(
        posted_body(&server, SCENE_UPDATE_PATH).await,
        json!({"open_conversation_id": "cid1", "management_options": {"chat_banned_type": 1}})
    );
}

#[tokio::test]
async fn add_and_remove_scene_group_members_post_snake_case() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, MEMBER_ADD_PATH, "add_scene_group_members").await;
    expect_example(&server, MEMBER_DELETE_PATH, "remove_scene_group_members").await;

    let added = client
        .im()
        .add_scene_group_members(
            AddSceneGroupMembersRequest::new("cidxxxxxx==")
                .user_ids(["1107****2120"])
                .union_ids(["un1"]),
        )
        .await
        .expect("member/add succeeds");
    assert_eq!(added.success, Some(true));
    let removed = client
        .im()
        .remove_scene_group_members(
            RemoveSceneGroupMembersRequest::new("cidxxxxxx==").user_ids(["u9"]),
        )
        .await
        .expect("member/delete succeeds");
    assert_eq!(removed.success, Some(true));

    assert_eq!(
        posted_body(&server, MEMBER_ADD_PATH).await,
        json!({
            "open_conversation_id": "cidxxxxxx==",
            "user_ids": ["1107****2120"],
            "union_ids": ["un1"]
        })
    );
    assert_eq!(
        posted_body(&server, MEMBER_DELETE_PATH).await,
        json!({"open_conversation_id": "cidxxxxxx==", "user_ids": ["u9"]})
    );
}

#[tokio::test]
async fn disband_scene_group_posts_camel_case_to_the_lower_case_path() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, DISBAND_PATH, "disband_scene_group").await;

    let answer = client
        .im()
        .disband_scene_group(DisbandSceneGroupRequest::new("cidxxxx"))
        .await
        .expect("chat/scenegroup/disband succeeds");
    assert_eq!(answer.success, Some(true));
    assert_eq!(
        posted_body(&server, DISBAND_PATH).await,
        json!({"openConversationId": "cidxxxx"})
    );
}

#[tokio::test]
async fn chat_id_to_open_conversation_id_puts_the_encoded_chat_id_in_the_path() {
    let support::Harness { server, client } = support::v1_harness().await;
    // A chatid with characters that must be escaped in a path segment.
    let encoded = "/v1.0/im/chat/chat%2Bfa%2Fxx%203f061e/convertToOpenConversationId";
    expect_example(&server, encoded, "chat_id_to_open_conversation_id").await;

    let answer = client
        .im()
        .chat_id_to_open_conversation_id(ChatIdToOpenConversationIdRequest::new(
            "chat+fa/xx 3f061e",
        ))
        .await
        .expect("convertToOpenConversationId succeeds");
    assert_eq!(answer.open_conversation_id, "cidl1B8RVUFmkO50OC9uEbySQ==");

    // The chatid is not repeated in the body, which is an empty object.
    assert_eq!(posted_body(&server, encoded).await, json!({}));
}

#[tokio::test]
async fn chat_id_to_open_conversation_id_with_a_plain_chat_id() {
    let support::Harness { server, client } = support::v1_harness().await;
    let plain = "/v1.0/im/chat/chatfaaxxxx3f061e/convertToOpenConversationId";
    expect_example(&server, plain, "chat_id_to_open_conversation_id").await;
    client
        .im()
        .chat_id_to_open_conversation_id(ChatIdToOpenConversationIdRequest::new(
            "chatfaaxxxx3f061e",
        ))
        .await
        .expect("convertToOpenConversationId succeeds");
    single_post(&server, plain).await;
}

#[tokio::test]
async fn get_scene_group_info_posts_camel_case_and_decodes_the_example() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, INFO_PATH, "get_scene_group_info").await;

    let answer = client
        .im()
        .get_scene_group_info(
            GetSceneGroupInfoRequest::new("cid/i4vQnDxxx").cool_app_code("XXXXXXX"),
        )
        .await
        .expect("sceneGroups/query succeeds");
    assert_eq!(answer.success, Some(true));
    assert_eq!(answer.open_conversation_id, "cidXXXXXXXXX==");
    assert_eq!(answer.template_id.as_deref(), Some("13d42075-b3e2-xxx"));
    assert_eq!(answer.title.as_deref(), Some("奥运项目组"));
    assert_eq!(answer.owner_user_id.as_deref(), Some("wb292913"));
    assert_eq!(answer.icon.as_deref(), Some("@sdkhaiuhxxx"));
    assert_eq!(answer.group_url.as_deref(), Some("https://xxx.com"));
    assert_eq!(answer.status, Some(1));

    assert_eq!(
        posted_body(&server, INFO_PATH).await,
        json!({"openConversationId": "cid/i4vQnDxxx", "coolAppCode": "XXXXXXX"})
    );
}

#[tokio::test]
async fn batch_query_group_members_posts_the_cursor_and_decodes_the_maps() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, MEMBERS_PATH, "batch_query_group_members").await;

    let answer = client
        .im()
        .batch_query_group_members(
            BatchQueryGroupMembersRequest::new("cidxxxc354", 200)
                .next_token("10")
                .cool_app_code("COOLAPP_XXXXX"),
        )
        .await
        .expect("sceneGroups/members/batchQuery succeeds");
    assert_eq!(answer.success, Some(true));
    assert_eq!(answer.member_user_ids, ["manager7675"]);
    assert!(!answer.has_more);
    assert_eq!(answer.next_token.as_deref(), Some("92233720368"));
    assert_eq!(answer.union_id_list, ["un123456"]);
    assert_eq!(answer.staff_id_nick_map["key"], "nick1");
    assert_eq!(answer.union_id_nick_map["key"], "nick2");

    assert_eq!(
        posted_body(&server, MEMBERS_PATH).await,
        json!({
            "openConversationId": "cidxxxc354",
            "maxResults": 200,
            "nextToken": "10",
            "coolAppCode": "COOLAPP_XXXXX"
        })
    );
}

#[tokio::test]
async fn batch_query_group_members_walks_until_has_more_is_false() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(MEMBERS_PATH))
        .and(body_partial_json(json!({"nextToken": "n2"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "memberUserIds": ["u3"], "hasMore": false, "nextToken": "n3"
        })))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MEMBERS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "memberUserIds": ["u1", "u2"], "hasMore": true, "nextToken": "n2"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let members = client
        .collect_all(BatchQueryGroupMembersRequest::new("cid1", 2))
        .await
        .expect("two pages");
    assert_eq!(members, ["u1", "u2", "u3"]);
    let bodies: Vec<Value> = support::requests_to(&server, MEMBERS_PATH)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"openConversationId": "cid1", "maxResults": 2}),
            json!({"openConversationId": "cid1", "maxResults": 2, "nextToken": "n2"}),
        ]
    );
}

#[tokio::test]
async fn a_scene_group_error_is_a_v1_error() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(SCENE_CREATE_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "groupTemplate.notFound",
            "message": "群模板不存在或者已下线",
            "requestid": "r-im"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .im()
        .create_scene_group(CreateSceneGroupRequest::new("t", "tpl", "u1"))
        .await
        .expect_err("rejected");
    let dingtalk_api::Error::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert!(api.is_v1());
    assert_eq!(api.http_status, 400);
    assert_eq!(api.v1_code.as_deref(), Some("groupTemplate.notFound"));
    assert_eq!(api.request_id.as_deref(), Some("r-im"));
}
