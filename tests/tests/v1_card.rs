//! Interactive cards on api.dingtalk.com (`card`): create, deliver, update, create-and-deliver,
//! streaming update and callback registration, checked on the wire (method, exact path, token
//! header, JSON body) and against the documented `{success, result}` examples.

mod support;

use dingtalk_api::card::{
    CardCallbackType, CardCoFeedOpenDeliverModel, CardCoFeedOpenSpaceModel, CardData,
    CardDocOpenDeliverModel, CardDynamicDataSourceConfig, CardImGroupOpenDeliverModel,
    CardImOpenSpaceModel, CardImRobotOpenDeliverModel, CardImSingleOpenDeliverModel,
    CardNotification, CardOpenDynamicDataConfig, CardPlatform, CardPullConfig, CardPullStrategy,
    CardSearchSupport, CardTimeUnit, CardTopOpenDeliverModel, CardTopOpenSpaceModel,
    CardUpdateOptions, CreateAndDeliverRequest, CreateRequest, DeliverRequest,
    RegisterCallbackRequest, StreamingUpdateRequest, UpdateRequest,
};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MODULE: &str = "card";
const INSTANCES_PATH: &str = "/v1.0/card/instances";
const DELIVER_PATH: &str = "/v1.0/card/instances/deliver";
const CREATE_AND_DELIVER_PATH: &str = "/v1.0/card/instances/createAndDeliver";
const STREAMING_PATH: &str = "/v1.0/card/streaming";
const REGISTER_PATH: &str = "/v1.0/card/callbacks/register";

const TEMPLATE: &str = "xxxxx-xxxxx-xxxxx.schema";
const TRACK: &str = "out-track-1";
/// Larger than `u32::MAX`, so a narrowing anywhere on the way would show.
const EXPIRES: i64 = 1_735_660_800_000;

/// The JSON body of the single `http_method` request to `endpoint_path`, after checking its
/// exact path, the token header and that there is no query string (no `access_token`).
async fn sent_body(server: &MockServer, http_method: &str, endpoint_path: &str) -> Value {
    let requests = support::requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    let request = &requests[0];
    assert_eq!(request.method.as_str(), http_method);
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
    support::single_json_body(server, endpoint_path).await
}

fn card_data() -> CardData {
    CardData::new([("title", "标题"), ("intParam", "1"), ("trueParam", "true")])
}

fn card_data_wire() -> Value {
    json!({"cardParamMap": {"title": "标题", "intParam": "1", "trueParam": "true"}})
}

/// A full IM space model and its wire form.
fn im_space() -> (CardImOpenSpaceModel, Value) {
    let model = CardImOpenSpaceModel::new(true)
        .last_message_i18n([("ZH_CN", "卡片"), ("EN_US", "card")])
        .search_support(
            CardSearchSupport::new()
                .search_icon("@lALPDgQ9q8hFhlHNAXzNAqI")
                .search_type_name("审批")
                .search_desc("请审批"),
        )
        .notification(
            CardNotification::new()
                .alert_content("你收到1条新消息")
                .notification_off(false),
        );
    let wire = json!({
        "supportForward": true,
        "lastMessageI18n": {"ZH_CN": "卡片", "EN_US": "card"},
        "searchSupport": {
            "searchIcon": "@lALPDgQ9q8hFhlHNAXzNAqI",
            "searchTypeName": "审批",
            "searchDesc": "请审批"
        },
        "notification": {"alertContent": "你收到1条新消息", "notificationOff": false}
    });
    (model, wire)
}

fn dynamic_data() -> (CardOpenDynamicDataConfig, Value) {
    let config = CardOpenDynamicDataConfig::new().dynamic_data_source_configs([
        CardDynamicDataSourceConfig::new(
            "ds-1",
            CardPullConfig::new(CardPullStrategy::Interval)
                .interval(3)
                .time_unit(CardTimeUnit::Seconds),
        )
        .const_params([("creatorId", "id123456")]),
        CardDynamicDataSourceConfig::new("ds-2", CardPullConfig::new(CardPullStrategy::Once)),
    ]);
    let wire = json!({
        "dynamicDataSourceConfigs": [
            {
                "dynamicDataSourceId": "ds-1",
                "constParams": {"creatorId": "id123456"},
                "pullConfig": {"pullStrategy": "INTERVAL", "interval": 3, "timeUnit": "SECONDS"}
            },
            {"dynamicDataSourceId": "ds-2", "pullConfig": {"pullStrategy": "ONCE"}}
        ]
    });
    (config, wire)
}

#[tokio::test]
async fn create_posts_every_space_model_and_returns_the_out_track_id() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", INSTANCES_PATH, MODULE, "create").await;

    let (space, space_wire) = im_space();
    let (dynamic, dynamic_wire) = dynamic_data();
    let request = CreateRequest::new(TEMPLATE, TRACK, card_data())
        .user_id("manager1234")
        .callback_type(CardCallbackType::Http)
        .callback_route_key("route-1")
        .private_data([("manager1234", CardData::new([("attendee", "小明、小王")]))])
        .open_dynamic_data_config(dynamic)
        .im_group_open_space_model(space.clone())
        .im_robot_open_space_model(space.clone())
        .im_single_open_space_model(CardImOpenSpaceModel::new(false))
        .top_open_space_model(CardTopOpenSpaceModel::new("ONE_BOX"))
        .co_feed_open_space_model(CardCoFeedOpenSpaceModel::new("标题"))
        .card_at_user_ids(["u1", "u2"])
        .user_id_type(1);
    let out_track_id: String = client
        .card()
        .create(request)
        .await
        .expect("create succeeds");
    assert_eq!(out_track_id, "*******");

    assert_eq!(
        sent_body(&server, "POST", INSTANCES_PATH).await,
        json!({
            "cardTemplateId": TEMPLATE,
            "outTrackId": TRACK,
            "cardData": card_data_wire(),
            "userId": "manager1234",
            "callbackType": "HTTP",
            "callbackRouteKey": "route-1",
            "privateData": {"manager1234": {"cardParamMap": {"attendee": "小明、小王"}}},
            "openDynamicDataConfig": dynamic_wire,
            "imGroupOpenSpaceModel": space_wire,
            "imRobotOpenSpaceModel": space_wire,
            "imSingleOpenSpaceModel": {"supportForward": false},
            "topOpenSpaceModel": {"spaceType": "ONE_BOX"},
            "coFeedOpenSpaceModel": {"title": "标题"},
            "cardAtUserIds": ["u1", "u2"],
            "userIdType": 1
        })
    );
}

#[tokio::test]
async fn create_with_the_required_fields_only() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", INSTANCES_PATH, MODULE, "create").await;
    client
        .card()
        .create(
            CreateRequest::new(TEMPLATE, TRACK, card_data())
                .callback_type(CardCallbackType::Stream),
        )
        .await
        .expect("create succeeds");
    assert_eq!(
        sent_body(&server, "POST", INSTANCES_PATH).await,
        json!({
            "cardTemplateId": TEMPLATE,
            "outTrackId": TRACK,
            "cardData": card_data_wire(),
            "callbackType": "STREAM"
        })
    );
}

/// The delivery models of every space kind and their wire forms.
struct DeliverModels {
    group: CardImGroupOpenDeliverModel,
    robot: CardImRobotOpenDeliverModel,
    single: CardImSingleOpenDeliverModel,
    top: CardTopOpenDeliverModel,
    co_feed: CardCoFeedOpenDeliverModel,
    doc: CardDocOpenDeliverModel,
}

fn deliver_models() -> (DeliverModels, Value) {
    let models = DeliverModels {
        group: CardImGroupOpenDeliverModel::new("dingrobot1")
            .at_user_ids([("123456", "小明"), ("@ALL", "@ALL")])
            .recipients(["123456"])
            .extension([("k", "v")]),
        robot: CardImRobotOpenDeliverModel::new()
            .space_type("IM_ROBOT")
            .robot_code("dingrobot1")
            .extension([("k", "v")]),
        single: CardImSingleOpenDeliverModel::new().at_user_ids([("123456", "小明")]),
        top: CardTopOpenDeliverModel::new(EXPIRES)
            .user_ids(["123456"])
            .platforms([CardPlatform::Android, CardPlatform::Ios, CardPlatform::Mac]),
        co_feed: CardCoFeedOpenDeliverModel::new("biz", 1_700_000_000_000),
        doc: CardDocOpenDeliverModel::new("123456"),
    };
    let wire = json!({
        "imGroupOpenDeliverModel": {
            "robotCode": "dingrobot1",
            "atUserIds": {"123456": "小明", "@ALL": "@ALL"},
            "recipients": ["123456"],
            "extension": {"k": "v"}
        },
        "imRobotOpenDeliverModel": {"spaceType": "IM_ROBOT", "robotCode": "dingrobot1", "extension": {"k": "v"}},
        "imSingleOpenDeliverModel": {"atUserIds": {"123456": "小明"}},
        "topOpenDeliverModel": {"expiredTimeMillis": EXPIRES, "userIds": ["123456"], "platforms": ["android", "ios", "mac"]},
        "coFeedOpenDeliverModel": {"bizTag": "biz", "gmtTimeLine": 1_700_000_000_000_i64},
        "docOpenDeliverModel": {"userId": "123456"}
    });
    (models, wire)
}

/// `extra` with the keys of `more` added.
fn merged(mut extra: Value, more: Value) -> Value {
    let target = extra.as_object_mut().expect("an object");
    for (key, value) in more.as_object().expect("an object") {
        target.insert(key.clone(), value.clone());
    }
    extra
}

#[tokio::test]
async fn deliver_posts_every_deliver_model_and_decodes_the_result_list() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", DELIVER_PATH, MODULE, "deliver").await;

    let (models, models_wire) = deliver_models();
    let space = "dtv1.card//IM_GROUP.cid1234abcd;IM_ROBOT.123456;ONE_BOX.cid1234abcd";
    let request = DeliverRequest::new(TRACK, space)
        .im_group_open_deliver_model(models.group)
        .im_robot_open_deliver_model(models.robot)
        .im_single_open_deliver_model(models.single)
        .top_open_deliver_model(models.top)
        .co_feed_open_deliver_model(models.co_feed)
        .doc_open_deliver_model(models.doc)
        .user_id_type(2);
    let results = client
        .card()
        .deliver(request)
        .await
        .expect("deliver succeeds");
    assert_eq!(results.len(), 1);
    let result = &results[0];
    assert_eq!(result.space_type.as_deref(), Some("IM_GROUP"));
    assert_eq!(result.space_id, "cid1234abcd");
    assert_eq!(result.success, Some(true));
    assert_eq!(
        result.carrier_id.as_deref(),
        Some("4v+AzUEDuC0dKuO*********J0w8=")
    );
    assert_eq!(result.error_msg.as_deref(), Some("system error"));

    assert_eq!(
        sent_body(&server, "POST", DELIVER_PATH).await,
        merged(
            json!({"outTrackId": TRACK, "openSpaceId": space, "userIdType": 2}),
            models_wire
        )
    );
}

#[tokio::test]
async fn update_is_a_put_on_the_instances_path() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "PUT", INSTANCES_PATH, MODULE, "update").await;

    let request = UpdateRequest::new(TRACK)
        .card_data(card_data())
        .private_data([("manager1234", CardData::new([("image1", "mediaIdXXXXX1")]))])
        .card_update_options(
            CardUpdateOptions::new()
                .update_card_data_by_key(true)
                .update_private_data_by_key(false),
        )
        .user_id_type(1);
    let updated: bool = client
        .card()
        .update(request)
        .await
        .expect("update succeeds");
    assert!(updated);

    assert_eq!(
        sent_body(&server, "PUT", INSTANCES_PATH).await,
        json!({
            "outTrackId": TRACK,
            "cardData": card_data_wire(),
            "privateData": {"manager1234": {"cardParamMap": {"image1": "mediaIdXXXXX1"}}},
            "cardUpdateOptions": {"updateCardDataByKey": true, "updatePrivateDataByKey": false},
            "userIdType": 1
        })
    );
}

#[tokio::test]
async fn update_and_create_share_the_path_but_not_the_method() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "PUT", INSTANCES_PATH, MODULE, "update").await;
    support::expect_v1_example(&server, "POST", INSTANCES_PATH, MODULE, "create").await;
    assert!(
        client
            .card()
            .update(UpdateRequest::new(TRACK).card_data(card_data()))
            .await
            .expect("update succeeds")
    );
    assert_eq!(
        client
            .card()
            .create(CreateRequest::new(TEMPLATE, TRACK, card_data()))
            .await
            .expect("create succeeds"),
        "*******"
    );
    let methods: Vec<String> = support::requests_to(&server, INSTANCES_PATH)
        .await
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["PUT", "POST"]);
}

#[tokio::test]
async fn create_and_deliver_posts_both_halves_and_decodes_the_result_object() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        CREATE_AND_DELIVER_PATH,
        MODULE,
        "create_and_deliver",
    )
    .await;

    let (space, space_wire) = im_space();
    let (dynamic, dynamic_wire) = dynamic_data();
    let (models, models_wire) = deliver_models();
    let open_space = "dtv1.card//IM_GROUP.cidp4Gh*******VCQ==;IM_ROBOT.manager****67";
    let request = CreateAndDeliverRequest::new(TEMPLATE, TRACK, open_space, card_data())
        .user_id("manager1234")
        .callback_type(CardCallbackType::Stream)
        .callback_route_key("route-1")
        .private_data([("manager1234", CardData::new([("p", "1")]))])
        .open_dynamic_data_config(dynamic)
        .im_group_open_space_model(space.clone())
        .im_group_open_deliver_model(models.group)
        .im_robot_open_space_model(space)
        .im_robot_open_deliver_model(models.robot)
        .im_single_open_space_model(CardImOpenSpaceModel::new(true))
        .im_single_open_deliver_model(models.single)
        .top_open_space_model(CardTopOpenSpaceModel::new("ONE_BOX"))
        .top_open_deliver_model(models.top)
        .co_feed_open_space_model(
            CardCoFeedOpenSpaceModel::new("标题").cool_app_code("coolAppCode123"),
        )
        .co_feed_open_deliver_model(models.co_feed)
        .doc_open_deliver_model(models.doc)
        .card_at_user_ids(["u1"])
        .user_id_type(1);
    let answer = client
        .card()
        .create_and_deliver(request)
        .await
        .expect("createAndDeliver succeeds");
    assert_eq!(answer.out_track_id.as_deref(), Some("example_out_track_id"));
    assert_eq!(answer.deliver_results.len(), 1);
    let result = &answer.deliver_results[0];
    assert_eq!(result.space_type.as_deref(), Some("IM_GROUP"));
    assert_eq!(result.space_id, "cidp4Gh*******VCQ==");
    assert_eq!(result.success, Some(true));
    assert_eq!(
        result.carrier_id.as_deref(),
        Some("4v+AzUEDuC0dKuO*********J0w8=")
    );
    assert_eq!(result.error_msg.as_deref(), Some("SYSTEM_ERROR"));

    let expected = merged(
        json!({
            "cardTemplateId": TEMPLATE,
            "outTrackId": TRACK,
            "openSpaceId": open_space,
            "cardData": card_data_wire(),
            "userId": "manager1234",
            "callbackType": "STREAM",
            "callbackRouteKey": "route-1",
            "privateData": {"manager1234": {"cardParamMap": {"p": "1"}}},
            "openDynamicDataConfig": dynamic_wire,
            "imGroupOpenSpaceModel": space_wire,
            "imRobotOpenSpaceModel": space_wire,
            "imSingleOpenSpaceModel": {"supportForward": true},
            "topOpenSpaceModel": {"spaceType": "ONE_BOX"},
            "coFeedOpenSpaceModel": {"title": "标题", "coolAppCode": "coolAppCode123"},
            "cardAtUserIds": ["u1"],
            "userIdType": 1
        }),
        models_wire,
    );
    assert_eq!(
        sent_body(&server, "POST", CREATE_AND_DELIVER_PATH).await,
        expected
    );
}

#[tokio::test]
async fn streaming_update_is_a_put_that_always_sends_is_full() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("PUT"))
        .and(path(STREAMING_PATH))
        .and(header("x-acs-dingtalk-access-token", support::TOKEN))
        .respond_with(support::example_response(MODULE, "streaming_update"))
        .expect(2)
        .mount(&server)
        .await;

    let first = StreamingUpdateRequest::new(TRACK, "guid-1", "content", "你好", false);
    assert!(
        client
            .card()
            .streaming_update(first)
            .await
            .expect("first frame")
    );
    let requests = support::requests_to(&server, STREAMING_PATH).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[0].body).expect("JSON"),
        json!({"outTrackId": TRACK, "guid": "guid-1", "key": "content", "content": "你好", "isFull": false})
    );

    let last = StreamingUpdateRequest::new(TRACK, "guid-2", "content", "你好，世界", true)
        .is_finalize(true)
        .is_error(false);
    assert!(
        client
            .card()
            .streaming_update(last)
            .await
            .expect("last frame")
    );
    let requests = support::requests_to(&server, STREAMING_PATH).await;
    assert_eq!(requests.len(), 2);
    let request = &requests[1];
    assert_eq!(request.method.as_str(), "PUT");
    assert_eq!(request.url.path(), STREAMING_PATH);
    assert_eq!(request.url.query(), None);
    assert_eq!(
        request
            .headers
            .get("x-acs-dingtalk-access-token")
            .and_then(|v| v.to_str().ok()),
        Some(support::TOKEN)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&request.body).expect("JSON"),
        json!({
            "outTrackId": TRACK,
            "guid": "guid-2",
            "key": "content",
            "content": "你好，世界",
            "isFull": true,
            "isFinalize": true,
            "isError": false
        })
    );
}

#[tokio::test]
async fn register_callback_posts_the_route_and_hides_the_secret() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", REGISTER_PATH, MODULE, "register_callback").await;

    let request = RegisterCallbackRequest::new("route-1", "https://example/callback")
        .api_secret("example-secret")
        .force_update(true);
    assert!(!format!("{request:?}").contains("example-secret"));
    let answer = client
        .card()
        .register_callback(request)
        .await
        .expect("callbacks/register succeeds");
    assert_eq!(
        answer.callback_url.as_deref(),
        Some("https://example/callback")
    );
    assert_eq!(answer.api_secret.as_deref(), Some("example-secret"));
    assert!(!format!("{answer:?}").contains("example-secret"));

    assert_eq!(
        sent_body(&server, "POST", REGISTER_PATH).await,
        json!({
            "callbackRouteKey": "route-1",
            "callbackUrl": "https://example/callback",
            "apiSecret": "example-secret",
            "forceUpdate": true
        })
    );
}

#[tokio::test]
async fn a_card_error_is_a_v1_error() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(INSTANCES_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "param.cardAlreadyExist",
            "message": "card already exist",
            "requestid": "r-card"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .card()
        .create(CreateRequest::new(TEMPLATE, TRACK, card_data()))
        .await
        .expect_err("rejected");
    let dingtalk_api::Error::Api(api) = err else {
        panic!("expected an API error, got {err:?}")
    };
    assert!(api.is_v1());
    assert_eq!(api.http_status, 400);
    assert_eq!(api.v1_code.as_deref(), Some("param.cardAlreadyExist"));
}

#[tokio::test]
async fn a_result_that_is_not_a_bool_is_a_decode_error() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("PUT"))
        .and(path(INSTANCES_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "result": "maybe"})),
        )
        .mount(&server)
        .await;
    let err = client
        .card()
        .update(UpdateRequest::new(TRACK).card_data(card_data()))
        .await
        .expect_err("not a bool");
    assert!(
        matches!(err, dingtalk_api::Error::Decode(_)),
        "expected a decode error, got {err:?}"
    );
}
