//! App-robot messages on api.dingtalk.com (`robot::messages`): every `RobotMessage` template
//! as `msgKey` + `msgParam` text, and all nine endpoints checked on the wire (method, exact
//! path, query, token header, JSON body) and against the documented response examples.

mod support;

use dingtalk_api::robot::messages::{
    BatchOtoQueryRequest, BatchRecallOtoRequest, BatchSendOtoRequest, GetBotListInGroupRequest,
    MessageFileDownloadRequest, OrgGroupQueryRequest, OrgGroupRecallRequest, OrgGroupSendRequest,
    PrivateChatSendRequest, RobotMessage, RobotReadStatus, RobotSampleActionCard,
    RobotSampleActionCard2, RobotSampleActionCard3, RobotSampleActionCard4, RobotSampleActionCard5,
    RobotSampleActionCard6, RobotSampleAudio, RobotSampleFile, RobotSampleImage, RobotSampleLink,
    RobotSampleMarkdown, RobotSampleText, RobotSampleVideo, RobotSendStatus,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const MODULE: &str = "robot/messages";
const GROUP_SEND_PATH: &str = "/v1.0/robot/groupMessages/send";
const OTO_SEND_PATH: &str = "/v1.0/robot/oToMessages/batchSend";
const GROUP_RECALL_PATH: &str = "/v1.0/robot/groupMessages/recall";
const OTO_RECALL_PATH: &str = "/v1.0/robot/otoMessages/batchRecall";
const GROUP_QUERY_PATH: &str = "/v1.0/robot/groupMessages/query";
const OTO_READ_PATH: &str = "/v1.0/robot/oToMessages/readStatus";
const DOWNLOAD_PATH: &str = "/v1.0/robot/messageFiles/download";
const PRIVATE_SEND_PATH: &str = "/v1.0/robot/privateChatMessages/send";
const BOTS_PATH: &str = "/v1.0/robot/groups/robots/query";

const ROBOT: &str = "dingue4kfzdxbynxxxxxx";
const CID: &str = "cid6KeBBLoveMJOGXoYKF5x7EeiodoA==";

/// The single request to `endpoint_path`: its method, its exact (encoded) path and the token
/// in the header, never in the query.
async fn single_request(server: &MockServer, http_method: &str, endpoint_path: &str) -> Request {
    let mut requests = support::requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    let request = requests.remove(0);
    assert_eq!(request.method.as_str(), http_method);
    assert_eq!(request.url.path(), endpoint_path);
    assert_eq!(
        request
            .headers
            .get("x-acs-dingtalk-access-token")
            .and_then(|v| v.to_str().ok()),
        Some(support::TOKEN)
    );
    assert!(
        !request.url.query_pairs().any(|(k, _)| k == "access_token"),
        "a v1 call carries no access_token query parameter"
    );
    request
}

/// The JSON body of the single POST to `endpoint_path`, which has no query string.
async fn posted_body(server: &MockServer, endpoint_path: &str) -> Value {
    let request = single_request(server, "POST", endpoint_path).await;
    assert_eq!(request.url.query(), None, "no query string");
    support::single_json_body(server, endpoint_path).await
}

// ---------------------------------------------------------------------------------------
// Every RobotMessage template, through groupMessages/send.
// ---------------------------------------------------------------------------------------

/// Sends `message` into [`CID`] and checks the body: the exact `msgKey` and the exact text of
/// `msgParam` (a string, not an object), next to `robotCode` and `openConversationId`.
async fn assert_sent_as(message: impl Into<RobotMessage>, msg_key: &str, msg_param: &str) {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", GROUP_SEND_PATH, MODULE, "org_group_send").await;

    let answer = client
        .robot()
        .messages()
        .org_group_send(OrgGroupSendRequest::new(ROBOT, CID, message))
        .await
        .expect("groupMessages/send succeeds");
    assert_eq!(answer.process_query_key, "jkasdfb8va9hndjksnvzkj");

    let body = posted_body(&server, GROUP_SEND_PATH).await;
    assert_eq!(
        body,
        json!({
            "robotCode": ROBOT,
            "openConversationId": CID,
            "msgKey": msg_key,
            "msgParam": msg_param,
        })
    );
    // The parameter text is itself JSON.
    let inner: Value = serde_json::from_str(msg_param).expect("msgParam holds JSON");
    assert!(inner.is_object());
}

#[tokio::test]
async fn sample_text() {
    assert_sent_as(
        RobotSampleText::new("钉钉，让进步发生"),
        "sampleText",
        r#"{"content":"钉钉，让进步发生"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_markdown_escapes_quotes_and_newlines_inside_the_text() {
    assert_sent_as(
        RobotSampleMarkdown::new("杭州天气", "**杭州天气**\n> 9度 \"晴\""),
        "sampleMarkdown",
        r#"{"title":"杭州天气","text":"**杭州天气**\n> 9度 \"晴\""}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_image_msg() {
    assert_sent_as(
        RobotSampleImage::new("@lADOADmaWMzazQKA"),
        "sampleImageMsg",
        r#"{"photoURL":"@lADOADmaWMzazQKA"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_link_with_and_without_a_picture() {
    assert_sent_as(
        RobotSampleLink::new("消息内容测试", "sampleLink消息测试", "http://dingtalk.com")
            .pic_url("@lADOADmaWMzazQKA"),
        "sampleLink",
        r#"{"text":"消息内容测试","title":"sampleLink消息测试","picUrl":"@lADOADmaWMzazQKA","messageUrl":"http://dingtalk.com"}"#,
    )
    .await;
    assert_sent_as(
        RobotSampleLink::new("t", "T", "https://open.dingtalk.com"),
        "sampleLink",
        r#"{"text":"t","title":"T","messageUrl":"https://open.dingtalk.com"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_action_card() {
    assert_sent_as(
        RobotSampleActionCard::new("测试标题", "内容测试", "查看详情", "https://open.dingtalk.com"),
        "sampleActionCard",
        r#"{"title":"测试标题","text":"内容测试","singleTitle":"查看详情","singleURL":"https://open.dingtalk.com"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_action_card2() {
    assert_sent_as(
        RobotSampleActionCard2::new("T", "x", "b1", "https://a/1", "b2", "https://a/2"),
        "sampleActionCard2",
        r#"{"title":"T","text":"x","actionTitle1":"b1","actionURL1":"https://a/1","actionTitle2":"b2","actionURL2":"https://a/2"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_action_card3() {
    assert_sent_as(
        RobotSampleActionCard3::new("T", "x", "b1", "u1", "b2", "u2", "b3", "u3"),
        "sampleActionCard3",
        r#"{"title":"T","text":"x","actionTitle1":"b1","actionURL1":"u1","actionTitle2":"b2","actionURL2":"u2","actionTitle3":"b3","actionURL3":"u3"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_action_card4() {
    assert_sent_as(
        RobotSampleActionCard4::new("T", "x", "b1", "u1", "b2", "u2", "b3", "u3", "b4", "u4"),
        "sampleActionCard4",
        r#"{"title":"T","text":"x","actionTitle1":"b1","actionURL1":"u1","actionTitle2":"b2","actionURL2":"u2","actionTitle3":"b3","actionURL3":"u3","actionTitle4":"b4","actionURL4":"u4"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_action_card5() {
    assert_sent_as(
        RobotSampleActionCard5::new(
            "T", "x", "b1", "u1", "b2", "u2", "b3", "u3", "b4", "u4", "b5", "u5",
        ),
        "sampleActionCard5",
        r#"{"title":"T","text":"x","actionTitle1":"b1","actionURL1":"u1","actionTitle2":"b2","actionURL2":"u2","actionTitle3":"b3","actionURL3":"u3","actionTitle4":"b4","actionURL4":"u4","actionTitle5":"b5","actionURL5":"u5"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_action_card6_uses_button_keys() {
    assert_sent_as(
        RobotSampleActionCard6::new("T", "x", "左", "https://a/l", "右", "https://a/r"),
        "sampleActionCard6",
        r#"{"title":"T","text":"x","buttonTitle1":"左","buttonUrl1":"https://a/l","buttonTitle2":"右","buttonUrl2":"https://a/r"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_audio_sends_the_duration_as_text() {
    assert_sent_as(
        RobotSampleAudio::new("@IR_P********nFkfhsisbf4A", 4000),
        "sampleAudio",
        r#"{"mediaId":"@IR_P********nFkfhsisbf4A","duration":"4000"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_file() {
    assert_sent_as(
        RobotSampleFile::new("@lAz*********shRs5m2pRL", "表格.xlsx", "xlsx"),
        "sampleFile",
        r#"{"mediaId":"@lAz*********shRs5m2pRL","fileName":"表格.xlsx","fileType":"xlsx"}"#,
    )
    .await;
}

#[tokio::test]
async fn sample_video_with_and_without_a_size() {
    assert_sent_as(
        RobotSampleVideo::new(999, "$iQEL**AXNS", "mp4", "$igE**tAFz"),
        "sampleVideo",
        r#"{"duration":"999","videoMediaId":"$iQEL**AXNS","videoType":"mp4","picMediaId":"$igE**tAFz"}"#,
    )
    .await;
    assert_sent_as(
        RobotSampleVideo::new(12, "$v", "mp4", "$p").height(720).width(1280),
        "sampleVideo",
        r#"{"duration":"12","videoMediaId":"$v","videoType":"mp4","picMediaId":"$p","height":"720","width":"1280"}"#,
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// The endpoints.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn org_group_send_posts_the_optional_fields_too() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", GROUP_SEND_PATH, MODULE, "org_group_send").await;

    let request = OrgGroupSendRequest::new(ROBOT, CID, RobotSampleText::new("hi"))
        .cool_app_code("COOLAPP-1-10182EEDD1AC0BA600D9000J")
        .token("group-token-1");
    // The undocumented token is a secret.
    assert!(!format!("{request:?}").contains("group-token-1"));
    let answer = client
        .robot()
        .messages()
        .org_group_send(request)
        .await
        .expect("groupMessages/send succeeds");
    assert_eq!(answer.process_query_key, "jkasdfb8va9hndjksnvzkj");

    assert_eq!(
        posted_body(&server, GROUP_SEND_PATH).await,
        json!({
            "robotCode": ROBOT,
            "openConversationId": CID,
            "msgKey": "sampleText",
            "msgParam": r#"{"content":"hi"}"#,
            "coolAppCode": "COOLAPP-1-10182EEDD1AC0BA600D9000J",
            "token": "group-token-1",
        })
    );
}

#[tokio::test]
async fn batch_send_oto_posts_user_ids_and_decodes_the_lists() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", OTO_SEND_PATH, MODULE, "batch_send_oto").await;

    let request = BatchSendOtoRequest::new(
        "dingxxxxxx",
        ["manager1234", "user2"],
        RobotSampleMarkdown::new("hello title", "hello text"),
    );
    let answer = client
        .robot()
        .messages()
        .batch_send_oto(request)
        .await
        .expect("oToMessages/batchSend succeeds");
    assert_eq!(answer.process_query_key, "zcxxczasdafasd");
    assert_eq!(answer.invalid_staff_id_list, ["manage25231"]);
    assert_eq!(answer.flow_controlled_staff_id_list, ["manage25232"]);
    assert!(answer.filtered_staff_id_list.is_empty());

    assert_eq!(
        posted_body(&server, OTO_SEND_PATH).await,
        json!({
            "robotCode": "dingxxxxxx",
            "userIds": ["manager1234", "user2"],
            "msgKey": "sampleMarkdown",
            "msgParam": r#"{"title":"hello title","text":"hello text"}"#,
        })
    );
}

#[tokio::test]
async fn org_group_recall_posts_the_keys_and_decodes_an_empty_failure_map() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        GROUP_RECALL_PATH,
        MODULE,
        "org_group_recall",
    )
    .await;

    let answer = client
        .robot()
        .messages()
        .org_group_recall(OrgGroupRecallRequest::new(
            "cidfCSxxxx",
            "dingxxxx",
            ["b5fe11095fxxxx", "k2"],
        ))
        .await
        .expect("groupMessages/recall succeeds");
    assert_eq!(answer.success_result, ["b5fe11095fxxxx"]);
    assert!(answer.failed_result.is_empty());

    assert_eq!(
        posted_body(&server, GROUP_RECALL_PATH).await,
        json!({
            "openConversationId": "cidfCSxxxx",
            "robotCode": "dingxxxx",
            "processQueryKeys": ["b5fe11095fxxxx", "k2"],
        })
    );
}

#[tokio::test]
async fn batch_recall_oto_uses_the_lower_case_oto_path() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", OTO_RECALL_PATH, MODULE, "batch_recall_oto").await;

    let answer = client
        .robot()
        .messages()
        .batch_recall_oto(BatchRecallOtoRequest::new("dingXXXXXX", ["b5fe1xxx"]))
        .await
        .expect("otoMessages/batchRecall succeeds");
    assert_eq!(answer.success_result, ["b5fe1xxx"]);
    assert!(answer.failed_result.is_empty());

    assert_eq!(
        posted_body(&server, OTO_RECALL_PATH).await,
        json!({"robotCode": "dingXXXXXX", "processQueryKeys": ["b5fe1xxx"]})
    );
}

#[tokio::test]
async fn a_recall_failure_map_decodes() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(OTO_RECALL_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "successResult": [],
            "failedResult": {"k1": "expired", "k2": "not found"}
        })))
        .mount(&server)
        .await;
    let answer = client
        .robot()
        .messages()
        .batch_recall_oto(BatchRecallOtoRequest::new("r", ["k1", "k2"]))
        .await
        .expect("decodes");
    assert!(answer.success_result.is_empty());
    assert_eq!(answer.failed_result.len(), 2);
    assert_eq!(answer.failed_result["k1"], "expired");
}

#[tokio::test]
async fn org_group_query_posts_every_field_and_decodes_the_example() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", GROUP_QUERY_PATH, MODULE, "org_group_query").await;

    let request = OrgGroupQueryRequest::new("Kna29Ra5p*****DzgfxZLapw55G7x0Q=")
        .open_conversation_id(CID)
        .robot_code(ROBOT)
        .max_results(50)
        .next_token("50")
        .token("t-1");
    let answer = client
        .robot()
        .messages()
        .org_group_query(request)
        .await
        .expect("groupMessages/query succeeds");
    assert_eq!(answer.send_status, Some(RobotSendStatus::Success));
    assert_eq!(answer.read_user_ids, ["manager1234"]);
    assert!(answer.read_users.is_empty());
    assert_eq!(
        answer.next_token.as_deref(),
        Some("Kna29Ra5pdJ****mkQKwDzgfxZLapw55G7x0Q=")
    );
    assert!(answer.has_more);

    assert_eq!(
        posted_body(&server, GROUP_QUERY_PATH).await,
        json!({
            "processQueryKey": "Kna29Ra5p*****DzgfxZLapw55G7x0Q=",
            "openConversationId": CID,
            "robotCode": ROBOT,
            "maxResults": 50,
            "nextToken": "50",
            "token": "t-1",
        })
    );
}

#[tokio::test]
async fn org_group_query_walks_the_cursor_with_the_largest_page() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(GROUP_QUERY_PATH))
        .and(body_partial_json(json!({"nextToken": "p2"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sendStatus": "SUCCESS",
            "readUserIds": ["u3"],
            "readUsers": [{"userId": "u3", "unionId": "un3"}],
            "hasMore": false
        })))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GROUP_QUERY_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sendStatus": "SUCCESS",
            "readUserIds": ["u1", "u2"],
            "nextToken": "p2",
            "hasMore": true
        })))
        .expect(1)
        .mount(&server)
        .await;

    let readers = client
        .collect_all(OrgGroupQueryRequest::new("key-1").robot_code(ROBOT))
        .await
        .expect("two pages");
    assert_eq!(readers, ["u1", "u2", "u3"]);

    let bodies: Vec<Value> = support::requests_to(&server, GROUP_QUERY_PATH)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"processQueryKey": "key-1", "robotCode": ROBOT, "maxResults": 200}),
            json!({"processQueryKey": "key-1", "robotCode": ROBOT, "maxResults": 200, "nextToken": "p2"}),
        ]
    );
}

#[tokio::test]
async fn batch_oto_query_is_a_get_with_an_encoded_query() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "GET", OTO_READ_PATH, MODULE, "batch_oto_query").await;

    let answer = client
        .robot()
        .messages()
        .batch_oto_query(BatchOtoQueryRequest::new(
            "dingzxcifuvdfbvegdf",
            "63w9tt3IRri/6mbD+lg=",
        ))
        .await
        .expect("oToMessages/readStatus succeeds");
    // The page's example spells the status "SUCESS".
    assert_eq!(
        answer.send_status,
        Some(RobotSendStatus::Unknown("SUCESS".into()))
    );
    assert_eq!(answer.message_read_info_list.len(), 1);
    let info = &answer.message_read_info_list[0];
    assert_eq!(info.name.as_deref(), Some("曲大岳"));
    assert_eq!(info.user_id.as_deref(), Some("201382020"));
    assert_eq!(info.read_status, Some(RobotReadStatus::Read));
    assert_eq!(info.read_timestamp, None);

    let request = single_request(&server, "GET", OTO_READ_PATH).await;
    assert_eq!(
        request.url.query(),
        Some("robotCode=dingzxcifuvdfbvegdf&processQueryKey=63w9tt3IRri%2F6mbD%2Blg%3D")
    );
    assert!(request.body.is_empty(), "a GET carries no body");
    assert!(request.headers.get("content-type").is_none());
}

#[tokio::test]
async fn message_file_download_posts_the_code_and_decodes_the_url() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        DOWNLOAD_PATH,
        MODULE,
        "message_file_download",
    )
    .await;

    let answer = client
        .robot()
        .messages()
        .message_file_download(MessageFileDownloadRequest::new("mIofN681YE3f+/x==", ROBOT))
        .await
        .expect("messageFiles/download succeeds");
    assert_eq!(
        answer.download_url,
        "http://wukong-**********gEv&Signature=5BNf2tBJcpKpkQw4wakBBM6ZJ0E%3D&Expires=1671377946"
    );

    assert_eq!(
        posted_body(&server, DOWNLOAD_PATH).await,
        json!({"downloadCode": "mIofN681YE3f+/x==", "robotCode": ROBOT})
    );
}

#[tokio::test]
async fn private_chat_send_posts_the_cool_app_code() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        PRIVATE_SEND_PATH,
        MODULE,
        "private_chat_send",
    )
    .await;

    let request = PrivateChatSendRequest::new(
        "dingue4kfzdxbyn0pjqd",
        "cid6******==",
        "COOLAPP-1-******9000J",
        RobotSampleText::new("钉钉，让进步发生"),
    );
    let answer = client
        .robot()
        .messages()
        .private_chat_send(request)
        .await
        .expect("privateChatMessages/send succeeds");
    assert_eq!(
        answer.process_query_key,
        "63w9tt3IRri/6mbDMiguoSXWX0vWkWZ******lg="
    );

    assert_eq!(
        posted_body(&server, PRIVATE_SEND_PATH).await,
        json!({
            "robotCode": "dingue4kfzdxbyn0pjqd",
            "openConversationId": "cid6******==",
            "coolAppCode": "COOLAPP-1-******9000J",
            "msgKey": "sampleText",
            "msgParam": r#"{"content":"钉钉，让进步发生"}"#,
        })
    );
}

#[tokio::test]
async fn get_bot_list_in_group_decodes_the_robots() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", BOTS_PATH, MODULE, "get_bot_list_in_group").await;

    let answer = client
        .robot()
        .messages()
        .get_bot_list_in_group(GetBotListInGroupRequest::new("cidjknasndcbaXXXXX"))
        .await
        .expect("groups/robots/query succeeds");
    assert_eq!(answer.chatbot_instance_vo_list.len(), 1);
    let bot = &answer.chatbot_instance_vo_list[0];
    assert_eq!(bot.robot_code.as_deref(), Some("dingcdsjfXXXXX"));
    assert_eq!(bot.name.as_deref(), Some("机器人"));
    assert_eq!(
        bot.download_icon_url.as_deref(),
        Some("https://img.alicdn.comXXXXXX.jpg")
    );
    assert_eq!(bot.open_robot_type, Some(1));
    assert_eq!(bot.creator_user_id, None);

    assert_eq!(
        posted_body(&server, BOTS_PATH).await,
        json!({"openConversationId": "cidjknasndcbaXXXXX"})
    );
}

#[tokio::test]
async fn a_robot_mismatch_is_a_v1_error_with_its_code() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(GROUP_SEND_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "invalidParameter.robotCode.auth",
            "message": "此应用appkey和机器人robotCode不匹配",
            "requestid": "r-1"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .robot()
        .messages()
        .org_group_send(OrgGroupSendRequest::new(
            ROBOT,
            CID,
            RobotSampleText::new("x"),
        ))
        .await
        .expect_err("rejected");
    let dingtalk_api::Error::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert!(api.is_v1());
    assert_eq!(api.http_status, 400);
    assert_eq!(
        api.v1_code.as_deref(),
        Some("invalidParameter.robotCode.auth")
    );
}

/// `batch_send_oto(..)` then waiting: the read-status poll goes out with the send's robot
/// code and key until the status is no longer `PROCESSING`; a status spelt as the page's own
/// example spells it (`SUCESS`) ends the wait too, as `Unknown`.
#[tokio::test]
async fn send_and_wait_polls_the_read_status_until_the_send_is_no_longer_processing() {
    use dingtalk_api::waiter::Wait;
    use std::time::Duration;
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", OTO_SEND_PATH, MODULE, "batch_send_oto").await;
    Mock::given(method("GET"))
        .and(path(OTO_READ_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sendStatus": "PROCESSING"})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(OTO_READ_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sendStatus": "SUCESS",
            "messageReadInfoList": [{"name": "Bob", "userId": "user2", "readStatus": "UNREAD"}]
        })))
        .with_priority(2)
        .mount(&server)
        .await;

    let waited = client
        .robot()
        .messages()
        .send_and_wait(
            BatchSendOtoRequest::new(
                "dingxxxxxx",
                ["user2"],
                RobotSampleText::new("the build is green"),
            ),
            Wait::up_to(Duration::from_secs(10)).first_delay(Duration::from_millis(10)),
        )
        .await
        .expect("the send finishes");
    assert_eq!(waited.first.process_query_key, "zcxxczasdafasd");
    assert_eq!(waited.polls, 3);
    assert_eq!(
        waited.last.send_status,
        Some(RobotSendStatus::Unknown("SUCESS".into()))
    );
    assert_eq!(waited.last.message_read_info_list.len(), 1);

    let polls: Vec<Request> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == OTO_READ_PATH)
        .collect();
    assert_eq!(polls.len(), 3);
    for poll in &polls {
        let mut query: Vec<(String, String)> = poll.url.query_pairs().into_owned().collect();
        query.sort();
        assert_eq!(
            query,
            [
                ("processQueryKey".to_string(), "zcxxczasdafasd".to_string()),
                ("robotCode".to_string(), "dingxxxxxx".to_string())
            ]
        );
    }
}

/// Against the fake: a finished send ends the wait at the first poll, with who has read it.
#[tokio::test]
async fn send_and_wait_against_the_fake_ends_with_the_read_state() {
    use dingtalk_api::waiter::Wait;
    use std::time::Duration;
    let fake = dingtalk_fake::FakeDingTalk::new().start().await.unwrap();
    let client = dingtalk_api::Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
        .build()
        .unwrap();
    let waited = client
        .robot()
        .messages()
        .send_and_wait(
            BatchSendOtoRequest::new(fake.app_key(), ["alice", "bob"], RobotSampleText::new("hi")),
            Wait::up_to(Duration::from_secs(10)),
        )
        .await
        .expect("the send finishes");
    assert_eq!(waited.polls, 1);
    assert_eq!(waited.last.send_status, Some(RobotSendStatus::Success));
    let mut readers: Vec<(String, Option<RobotReadStatus>)> = waited
        .last
        .message_read_info_list
        .iter()
        .map(|info| {
            (
                info.user_id.clone().unwrap_or_default(),
                info.read_status.clone(),
            )
        })
        .collect();
    readers.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        readers,
        [
            ("alice".to_string(), Some(RobotReadStatus::Unread)),
            ("bob".to_string(), Some(RobotReadStatus::Unread))
        ]
    );
}
