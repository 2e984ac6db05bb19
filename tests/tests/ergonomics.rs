//! What a user's own code gets from the generated types beyond the wire: a client-wide agent
//! id, answers a unit test can build by hand, and plain fields for what DingTalk always
//! returns.

mod support;

use dingtalk_api::contact::user::GetV2Response;
use dingtalk_api::message::work_notice::{GetSendProgressRequest, SendRequest};
use dingtalk_api::types::message::{
    ActionCard, Message, MultiButtonActionCard, SingleButtonActionCard, TextContent,
};
use dingtalk_api::{Client, Error};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SEND_PATH: &str = "/topapi/message/corpconversation/asyncsend_v2";
const PROGRESS_PATH: &str = "/topapi/message/corpconversation/getsendprogress";

async fn mount_send(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(SEND_PATH))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"errcode": 0, "errmsg": "ok", "task_id": 7, "request_id": "r"}),
            ),
        )
        .mount(server)
        .await;
}

fn client_with_agent(server: &MockServer, agent_id: i64) -> Client {
    Client::builder(support::APP_KEY, support::APP_SECRET)
        .base_url(server.uri())
        .agent_id(agent_id)
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn the_builders_agent_id_fills_every_request_that_leaves_it_unset() {
    let h = support::harness().await;
    mount_send(&h.server).await;
    Mock::given(method("POST"))
        .and(path(PROGRESS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"errcode": 0, "progress": {"progress_in_percent": 100, "status": 2}}),
        ))
        .mount(&h.server)
        .await;
    let client = client_with_agent(&h.server, 4_294_967_396);
    let notices = client.message().work_notice();
    let sent = notices
        .send(SendRequest::new(TextContent::new("hi")).userid_list(["u1"]))
        .await
        .expect("sent");
    notices
        .get_send_progress(GetSendProgressRequest::new(sent.task_id))
        .await
        .expect("progress");
    let body = support::single_json_body(&h.server, SEND_PATH).await;
    assert_eq!(body["agent_id"], json!(4_294_967_396i64));
    let body = support::single_json_body(&h.server, PROGRESS_PATH).await;
    assert_eq!(body["agent_id"], json!(4_294_967_396i64));
    assert_eq!(body["task_id"], json!(7));
}

#[tokio::test]
async fn a_requests_own_agent_id_wins_over_the_builders() {
    let h = support::harness().await;
    mount_send(&h.server).await;
    let client = client_with_agent(&h.server, 111);
    client
        .message()
        .work_notice()
        .send(
            SendRequest::new(TextContent::new("hi"))
                .agent_id(222)
                .userid_list(["u1"]),
        )
        .await
        .expect("sent");
    let body = support::single_json_body(&h.server, SEND_PATH).await;
    assert_eq!(body["agent_id"], json!(222));
}

#[tokio::test]
async fn without_any_agent_id_the_call_is_refused_before_anything_is_sent() {
    let h = support::harness().await;
    mount_send(&h.server).await;
    let refused = h
        .client
        .message()
        .work_notice()
        .send(SendRequest::new(TextContent::new("hi")).userid_list(["u1"]))
        .await;
    match refused {
        Err(Error::Config(message)) => {
            assert!(message.contains("agent_id"), "{message}");
            assert!(message.contains("ClientBuilder::agent_id"), "{message}");
            assert!(message.contains("nothing was sent"), "{message}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let received = h.server.received_requests().await.unwrap_or_default();
    assert!(
        received.is_empty(),
        "nothing reached the server, not even gettoken: {received:?}"
    );
}

/// The kind of function a user writes, tested without any server.
fn greeting(user: &GetV2Response) -> String {
    match &user.title {
        Some(title) => format!("{} ({title})", user.name),
        None => user.name.clone(),
    }
}

#[test]
fn an_answer_can_be_built_by_hand_for_a_unit_test() {
    let mut user = GetV2Response::default();
    user.userid = "u1".into();
    user.name = "Ann".into();
    assert_eq!(greeting(&user), "Ann");
    user.title = Some("CTO".into());
    assert_eq!(greeting(&user), "Ann (CTO)");
}

async fn mount_failing_get_v2(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/topapi/v2/user/get"))
        .respond_with(ResponseTemplate::new(500).set_body_string("busy"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_accessors_retry_policy_holds_for_its_calls_and_the_accessors_below_it() {
    use dingtalk_api::RetryPolicy;
    use dingtalk_api::contact::user::GetV2Request;
    let h = support::harness().await;
    mount_failing_get_v2(&h.server).await;
    let calls = || async {
        support::requests_to(&h.server, "/topapi/v2/user/get")
            .await
            .len()
    };

    let once = h
        .client
        .contact()
        .user()
        .with_retry(RetryPolicy::none())
        .get_v2(GetV2Request::new("u1"))
        .await;
    assert!(once.is_err());
    assert_eq!(calls().await, 1, "a single attempt");

    // Set on the folder, it reaches the file's accessor.
    let again = h
        .client
        .contact()
        .with_retry(RetryPolicy::none())
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await;
    assert!(again.is_err());
    assert_eq!(calls().await, 2, "one more attempt");

    // Without it, the client's policy retries the 500.
    let retried = h
        .client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await;
    assert!(retried.is_err());
    assert!(calls().await > 3, "the client's policy retried");
}

#[tokio::test]
async fn an_accessors_deadline_cuts_a_slow_call_short() {
    use dingtalk_api::contact::user::GetV2Request;
    use std::time::{Duration, Instant};
    let h = support::harness().await;
    Mock::given(method("POST"))
        .and(path("/topapi/v2/user/get"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(20))
                .set_body_json(json!({"errcode": 0, "result": {"userid": "u1", "name": "Ann"}})),
        )
        .mount(&h.server)
        .await;
    let started = Instant::now();
    let cut = h
        .client
        .contact()
        .user()
        .with_deadline(Duration::from_millis(300))
        .get_v2(GetV2Request::new("u1"))
        .await;
    assert!(
        matches!(
            cut,
            Err(Error::DeadlineExceeded { .. } | Error::Timeout { .. })
        ),
        "{cut:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// The calendar's parameter is spelled `agentid`: the client's default fills it too, and the
/// refusal names the parameter as the request spells it and the setting as the builder does.
#[tokio::test]
async fn a_differently_spelled_agent_parameter_is_filled_and_named_in_the_refusal() {
    use dingtalk_api::calendar::classic::{
        CalendarAttendee, CalendarDateTime, CalendarEventCreate, CreateRequest,
    };
    let h = support::harness().await;
    let at = |ms: i64| CalendarDateTime::new().timestamp(ms);
    let event = || {
        CalendarEventCreate::new(
            "primary",
            "Review",
            at(1_700_000_000_000),
            at(1_700_003_600_000),
            CalendarAttendee::new().userid("manager4220"),
            [CalendarAttendee::new().userid("user123")],
        )
    };
    match h
        .client
        .calendar()
        .classic()
        .create(CreateRequest::new(event()))
        .await
    {
        Err(Error::Config(message)) => {
            assert!(message.contains("`agentid`"), "{message}");
            assert!(message.contains("ClientBuilder::agent_id"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    Mock::given(method("POST"))
        .and(path("/topapi/calendar/v2/event/create"))
        .respond_with(support::example_response("calendar/classic", "create"))
        .mount(&h.server)
        .await;
    let client = client_with_agent(&h.server, 777);
    client
        .calendar()
        .classic()
        .create(CreateRequest::new(event()))
        .await
        .expect("created");
    let body = support::single_json_body(&h.server, "/topapi/calendar/v2/event/create").await;
    assert_eq!(body["agentid"], json!(777));
}

/// A card converts into a `Message` in one step, through the action-card union it belongs to,
/// and reaches the wire exactly as the two-step conversion does.
#[test]
fn a_nested_union_variant_converts_in_one_step() {
    let card = || SingleButtonActionCard::new("Approve", "Expense #42", "Open", "https://e.x/42");
    let one_step = Message::from(card());
    assert_eq!(one_step, Message::from(ActionCard::from(card())));
    let wire = serde_json::to_value(&one_step).expect("serializes");
    assert_eq!(wire["msgtype"], "action_card");
    assert_eq!(wire["action_card"]["single_url"], "https://e.x/42");

    let buttons = MultiButtonActionCard::new("Release", "v2 is ready", "0", []);
    assert!(matches!(
        Message::from(buttons),
        Message::ActionCard(ActionCard::Multi(_))
    ));
    // And wherever a request takes a message.
    let request = SendRequest::new(card()).agent_id(1).to_all_user(true);
    assert!(format!("{request:?}").contains("Expense #42"));
}
