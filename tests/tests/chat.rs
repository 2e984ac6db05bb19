//! Legacy group chats (`chat`): create, update, get, send and get_read_list, checked on the
//! wire and against the documented response examples.

mod support;

use dingtalk_api::chat::{
    CreateRequest, GetReadListRequest, GetRequest, SendRequest, UpdateRequest,
};
use dingtalk_api::types::group::{GroupAuthority, GroupSwitch};
use dingtalk_api::types::message::{
    ActionCard, ActionCardButton, ButtonOrientation, MarkdownContent, Message,
    MultiButtonActionCard, SingleButtonActionCard,
};
use serde_json::json;
use wiremock::MockServer;

const CREATE_PATH: &str = "/chat/create";
const UPDATE_PATH: &str = "/chat/update";
const GET_PATH: &str = "/chat/get";
const SEND_PATH: &str = "/chat/send";
const READ_LIST_PATH: &str = "/chat/getReadList";

const CHAT_ID: &str = "chatcf0675d404188xxxx";

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    pairs.sort();
    pairs
}

/// The single GET to `endpoint_path` carried no body and no content type.
async fn assert_bodiless_get(server: &MockServer, endpoint_path: &str) {
    let requests = support::requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    assert_eq!(requests[0].method.as_str(), "GET");
    assert!(requests[0].body.is_empty(), "a GET carries no body");
    assert!(requests[0].headers.get("content-type").is_none());
}

/// Sends `msg` into [`CHAT_ID`] and returns the `msg` object that went over the wire, after
/// checking the rest of the body and the decoded answer.
async fn sent_msg(msg: impl Into<Message>) -> serde_json::Value {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", SEND_PATH, "chat", "send").await;

    let answer = h
        .client
        .chat()
        .send(SendRequest::new(CHAT_ID, msg))
        .await
        .expect("chat/send succeeds");
    // {"errcode":0,"errmsg":"ok","messageId":"msgpjzCxxxxxB"}
    assert_eq!(answer.message_id.as_str(), "msgpjzCxxxxxB");

    assert!(support::single_query(&h.server, SEND_PATH).await.is_empty());
    let mut body = support::single_json_body(&h.server, SEND_PATH).await;
    let msg = body
        .as_object_mut()
        .and_then(|body| body.remove("msg"))
        .expect("the body has a msg");
    assert_eq!(body, json!({"chatid": CHAT_ID}));
    assert!(msg.is_object(), "msg is a JSON object, not a string: {msg}");
    msg
}

#[tokio::test]
async fn create_posts_every_field_and_decodes_the_ids() {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", CREATE_PATH, "chat", "create").await;

    let request = CreateRequest::new("项目群", "manager4220", ["manager4220", "user123"])
        .show_history_type(GroupSwitch::On)
        .searchable(GroupSwitch::Off)
        .validation_type(GroupSwitch::On)
        .mention_all_authority(GroupAuthority::OwnerOnly)
        .management_type(GroupAuthority::OwnerOnly)
        .chat_banned_type(GroupSwitch::Off)
        .owner_type("emp")
        .extidlist(["ext001"])
        .conversation_tag(2)
        .icon("@lADPDfJ6Q7LLejDNAljNAlg");
    let answer = h
        .client
        .chat()
        .create(request)
        .await
        .expect("chat/create succeeds");

    let body = support::single_json_body(&h.server, CREATE_PATH).await;
    assert_eq!(
        body,
        json!({
            "name": "项目群",
            "owner": "manager4220",
            "useridlist": ["manager4220", "user123"],
            "showHistoryType": 1,
            "searchable": 0,
            "validationType": 1,
            "mentionAllAuthority": 1,
            "managementType": 1,
            "chatBannedType": 0,
            "ownerType": "emp",
            "extidlist": ["ext001"],
            "conversationTag": 2,
            "icon": "@lADPDfJ6Q7LLejDNAljNAlg"
        })
    );
    assert!(
        support::single_query(&h.server, CREATE_PATH)
            .await
            .is_empty()
    );

    // {"errcode":0,"errmsg":"ok","chatid":"chatcf0675d404188xxxx",
    //  "openConversationId":"cidL+NXxxxx+MSA==","conversationTag":2}
    assert_eq!(answer.chatid.as_str(), "chatcf0675d404188xxxx");
    assert_eq!(answer.open_conversation_id, "cidL+NXxxxx+MSA==");
    assert_eq!(answer.conversation_tag, Some(2));
}

#[tokio::test]
async fn create_with_only_required_fields_omits_the_optional_ones() {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", CREATE_PATH, "chat", "create").await;

    h.client
        .chat()
        .create(CreateRequest::new("群", "manager4220", ["manager4220"]))
        .await
        .expect("chat/create succeeds");

    let body = support::single_json_body(&h.server, CREATE_PATH).await;
    assert_eq!(
        body,
        json!({"name": "群", "owner": "manager4220", "useridlist": ["manager4220"]})
    );
}

#[tokio::test]
async fn update_posts_every_field_and_accepts_a_string_errcode() {
    let h = support::harness().await;
    // The example answers {"errcode":"0","errmsg":"ok"}: "0" must read as success.
    support::expect_example(&h.server, "POST", UPDATE_PATH, "chat", "update").await;

    let request = UpdateRequest::new(CHAT_ID)
        .name("新群名")
        .owner("user123")
        .owner_type("emp")
        .add_useridlist(["user456", "user789"])
        .del_useridlist(["user000"])
        .add_extidlist(["ext001"])
        .del_extidlist(["ext002"])
        .icon("@lADPDfJ6Q7LLejDNAljNAlg")
        .searchable(GroupSwitch::On)
        .validation_type(GroupSwitch::Off)
        .mention_all_authority(GroupAuthority::Everyone)
        .management_type(GroupAuthority::OwnerOnly)
        .chat_banned_type(GroupSwitch::On)
        .show_history_type(GroupSwitch::Off)
        .is_ban(true);
    h.client
        .chat()
        .update(request)
        .await
        .expect("chat/update succeeds");

    let body = support::single_json_body(&h.server, UPDATE_PATH).await;
    assert_eq!(
        body,
        json!({
            "chatid": CHAT_ID,
            "name": "新群名",
            "owner": "user123",
            "ownerType": "emp",
            "add_useridlist": ["user456", "user789"],
            "del_useridlist": ["user000"],
            "add_extidlist": ["ext001"],
            "del_extidlist": ["ext002"],
            "icon": "@lADPDfJ6Q7LLejDNAljNAlg",
            "searchable": 1,
            "validationType": 0,
            "mentionAllAuthority": 0,
            "managementType": 1,
            "chatBannedType": 1,
            "showHistoryType": 0,
            "isBan": true
        })
    );
    assert!(
        support::single_query(&h.server, UPDATE_PATH)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn update_with_only_the_chatid_sends_only_the_chatid() {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", UPDATE_PATH, "chat", "update").await;

    h.client
        .chat()
        .update(UpdateRequest::new(CHAT_ID))
        .await
        .expect("chat/update succeeds");

    let body = support::single_json_body(&h.server, UPDATE_PATH).await;
    assert_eq!(body, json!({"chatid": CHAT_ID}));
}

#[tokio::test]
async fn update_rejection_with_a_string_errcode_is_an_api_error() {
    let h = support::harness().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(UPDATE_PATH))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_string(r#"{"errcode":"40016","errmsg":"不合法的会话ID"}"#),
        )
        // Not safe to repeat: exactly one attempt.
        .expect(1)
        .mount(&h.server)
        .await;

    let err = h
        .client
        .chat()
        .update(UpdateRequest::new("chat-unknown").name("x"))
        .await
        .expect_err("errcode 40016 is a rejection");
    match err {
        dingtalk_api::Error::Api(api) => {
            assert_eq!(api.endpoint, "chat.update");
            assert_eq!(api.errcode, 40016);
            assert_eq!(api.errmsg, "不合法的会话ID");
            assert_eq!(api.request_id, None);
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn get_sends_chatid_in_the_query_and_decodes_chat_info() {
    let h = support::harness().await;
    support::expect_example(&h.server, "GET", GET_PATH, "chat", "get").await;

    let answer = h
        .client
        .chat()
        .get(GetRequest::new("chate39f540dxxxx"))
        .await
        .expect("chat/get succeeds");

    assert_eq!(
        support::single_query(&h.server, GET_PATH).await,
        pairs(&[("chatid", "chate39f540dxxxx")])
    );
    assert_bodiless_get(&h.server, GET_PATH).await;

    let info = answer.chat_info.expect("chat_info is present");
    assert_eq!(info.chatid.as_deref(), Some("chate39f540dxxxx"));
    assert_eq!(info.name.as_deref(), Some("全员群"));
    assert_eq!(info.owner.as_deref(), Some("manager4220"));
    assert_eq!(
        info.useridlist,
        vec!["user123".to_string(), "manager4220".to_string()]
    );
    assert_eq!(info.icon.as_deref(), Some("@lADPDfJ6Q7LLejDNAljNAlg"));
    assert_eq!(info.conversation_tag, Some(2));
    assert_eq!(info.mention_all_authority, Some(GroupAuthority::Everyone));
    assert_eq!(info.show_history_type, Some(GroupSwitch::Off));
    assert_eq!(info.validation_type, Some(GroupSwitch::Off));
    assert_eq!(info.searchable, Some(GroupSwitch::Off));
    assert_eq!(info.chat_banned_type, Some(GroupSwitch::Off));
    assert_eq!(info.management_type, Some(GroupAuthority::Everyone));
    // Not in the example (official SDK only / not documented there).
    assert!(info.extidlist.is_empty());
    assert!(info.agentidlist.is_empty());
    assert_eq!(info.status, None);
}

/// The 0/1 settings read leniently (a number or a numeric string), keep a code this crate
/// does not know, and go back on the wire as the same number.
#[test]
fn group_settings_read_text_and_unknown_codes_and_write_the_number_back() {
    let body = json!({"errcode": 0, "errmsg": "ok", "chat_info": {
        "chatid": CHAT_ID, "searchable": "1", "showHistoryType": 1, "validationType": 0,
        "chatBannedType": 7, "mentionAllAuthority": "1", "managementType": 2}})
    .to_string();
    let answer = dingtalk_api::decode::decode_answer::<GetRequest>(200, body.as_bytes())
        .expect("the settings decode");
    let info = answer.chat_info.expect("chat_info");
    assert_eq!(info.searchable, Some(GroupSwitch::On));
    assert_eq!(info.show_history_type, Some(GroupSwitch::On));
    assert_eq!(info.validation_type, Some(GroupSwitch::Off));
    assert_eq!(info.chat_banned_type, Some(GroupSwitch::Other(7)));
    assert_eq!(info.mention_all_authority, Some(GroupAuthority::OwnerOnly));
    assert_eq!(info.management_type, Some(GroupAuthority::Other(2)));
    // What was read goes back as the number DingTalk sent.
    let update = UpdateRequest::new(CHAT_ID)
        .chat_banned_type(info.chat_banned_type.unwrap())
        .management_type(info.management_type.unwrap())
        .searchable(GroupSwitch::On);
    let sent = serde_json::to_value(&update).unwrap();
    assert_eq!(
        (
            &sent["chatBannedType"],
            &sent["managementType"],
            &sent["searchable"]
        ),
        (&json!(7), &json!(2), &json!(1))
    );
    // Not a number at all: a decode error that names the field.
    let bad = json!({"errcode": 0, "errmsg": "ok", "chat_info": {"searchable": "yes"}}).to_string();
    let err = dingtalk_api::decode::decode_answer::<GetRequest>(200, bad.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("searchable"), "{err}");
}

#[tokio::test]
async fn send_markdown_message() {
    let text = "#### 杭州天气  \n  > 9度，西北风1级  \n  ![screenshot](@lADOpwk3K80C0M0FoA)";
    let msg = sent_msg(MarkdownContent::new("杭州天气", text)).await;
    assert_eq!(
        msg,
        json!({"msgtype": "markdown", "markdown": {"title": "杭州天气", "text": text}})
    );
}

#[tokio::test]
async fn send_multi_button_action_card() {
    let card = ActionCard::Multi(MultiButtonActionCard::new(
        "周报提醒",
        "### 请提交本周周报",
        ButtonOrientation::from("1"),
        [
            ActionCardButton::new("去填写", "https://example.com/report"),
            ActionCardButton::new("稍后", "https://example.com/later"),
        ],
    ));
    let msg = sent_msg(card).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "action_card",
            "action_card": {
                "title": "周报提醒",
                "markdown": "### 请提交本周周报",
                "btn_orientation": "1",
                "btn_json_list": [
                    {"title": "去填写", "action_url": "https://example.com/report"},
                    {"title": "稍后", "action_url": "https://example.com/later"}
                ]
            }
        })
    );
}

#[tokio::test]
async fn send_single_button_action_card() {
    let card = ActionCard::Single(SingleButtonActionCard::new(
        "公告",
        "**全员大会** 周五下午三点",
        "查看详情",
        "https://example.com/notice",
    ));
    let msg = sent_msg(card).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "action_card",
            "action_card": {
                "title": "公告",
                "markdown": "**全员大会** 周五下午三点",
                "single_title": "查看详情",
                "single_url": "https://example.com/notice"
            }
        })
    );
}

#[tokio::test]
async fn get_read_list_sends_the_paging_query_and_decodes_the_page() {
    let h = support::harness().await;
    support::expect_example(&h.server, "GET", READ_LIST_PATH, "chat", "get_read_list").await;

    // A messageId with characters that are special in a query string.
    let message_id = "msgpjz+Cx/B==&x y";
    let answer = h
        .client
        .chat()
        .get_read_list(GetReadListRequest::new(message_id))
        .await
        .expect("chat/getReadList succeeds");

    assert_eq!(
        support::single_query(&h.server, READ_LIST_PATH).await,
        pairs(&[("cursor", "0"), ("messageId", message_id), ("size", "100")])
    );
    assert_bodiless_get(&h.server, READ_LIST_PATH).await;
    // Percent-encoded on the wire: no raw `+`, `/`, `=` or `&` from the id reach the query.
    let requests = support::requests_to(&h.server, READ_LIST_PATH).await;
    let raw = requests[0].url.query().unwrap_or_default().to_string();
    assert!(
        raw.contains("messageId=msgpjz%2BCx%2FB%3D%3D%26x+y")
            || raw.contains("messageId=msgpjz%2BCx%2FB%3D%3D%26x%20y"),
        "messageId is percent-encoded in {raw}"
    );

    // {"errcode":0,"errmsg":"ok","next_cursor":200467002472,"readUserIdList":["user123"]}
    assert_eq!(answer.next_cursor, Some(200_467_002_472));
    assert_eq!(answer.read_user_id_list, vec!["user123".to_string()]);
}

#[tokio::test]
async fn get_read_list_last_page_has_no_cursor_and_no_readers() {
    let h = support::harness().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(READ_LIST_PATH))
        .and(wiremock::matchers::query_param(
            "access_token",
            support::TOKEN,
        ))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_string(r#"{"errcode":0,"errmsg":"ok"}"#),
        )
        .expect(1)
        .mount(&h.server)
        .await;

    let answer = h
        .client
        .chat()
        .get_read_list(
            GetReadListRequest::new("msgpjzCxxxxxB")
                .cursor(200_467_002_472)
                .size(50),
        )
        .await
        .expect("chat/getReadList succeeds");
    assert_eq!(
        support::single_query(&h.server, READ_LIST_PATH).await,
        pairs(&[
            ("cursor", "200467002472"),
            ("messageId", "msgpjzCxxxxxB"),
            ("size", "50")
        ])
    );
    assert_eq!(answer.next_cursor, None);
    assert!(answer.read_user_id_list.is_empty());
}
