//! The inbox's JSON API without a browser: what the page reads (messages of every kind,
//! rendered; read state; the request log with credentials masked; faults) and what a person
//! does through it (open, press a card button, write to the robot, approve, change the
//! organisation, inject faults, reset), checked against the fake's own APIs and a Stream app.

mod inbox_support;

use dingtalk_api::events::Event;
use dingtalk_fake::FakeDingTalk;
use inbox_support::{Http, seed, start_app, wait_until};
use reqwest::Method;
use serde_json::{Value, json};

fn messages_of(value: &Value, key: &str) -> Vec<Value> {
    value[key].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_page_is_served_with_a_policy_that_runs_no_inline_script() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let inbox = fake.inbox_url().expect("the inbox is on by default");
    assert_eq!(inbox, format!("{}/_inbox/", fake.base_url()));
    let http = reqwest::Client::new();
    let page = http.get(&inbox).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains("<script src=\"app.js\""), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN: {html}"
    );
    for (asset, kind) in [("app.js", "text/javascript"), ("app.css", "text/css")] {
        let answer = http.get(format!("{inbox}{asset}")).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{asset}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
    }
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/_inbox", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/_inbox/");
}

#[tokio::test]
async fn turned_off_the_inbox_is_an_unknown_path_and_records_nothing() {
    let fake = FakeDingTalk::new().inbox(false).start().await.unwrap();
    assert_eq!(fake.inbox_url(), None);
    let answer = reqwest::get(format!("{}/_inbox/api/overview", fake.base_url()))
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}

#[tokio::test]
async fn a_work_notice_is_rendered_and_opening_it_is_what_get_send_result_reports() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut http = Http::new(&fake);
    let (task_id, _, _) = seed(&mut http).await;
    let alice = http.get("users/alice").await;
    let notices = messages_of(&alice, "notices");
    assert_eq!(notices.len(), 1, "{alice}");
    let notice = &notices[0];
    assert_eq!(notice["id"], format!("notice:{task_id}"));
    assert_eq!(notice["title"], "Weekly report");
    let html = notice["html"].as_str().unwrap();
    assert!(html.contains("<h3>Weekly report</h3>"), "{html}");
    assert!(html.contains("href=\"https://dash.example/q3\""), "{html}");
    assert_eq!(notice["read"], false);
    assert_eq!(notice["task"]["taskId"], task_id);
    assert_eq!(notice["recipients"], json!(["alice", "bob"]));
    assert!(alice["unread"].as_u64().unwrap() >= 1);

    http.post(
        "open",
        json!({"userid": "alice", "message": format!("notice:{task_id}")}),
    )
    .await;
    let result = http
        .classic(
            "/topapi/message/corpconversation/getsendresult",
            json!({"agent_id": 1, "task_id": task_id}),
        )
        .await;
    assert_eq!(
        result["send_result"]["read_user_id_list"],
        json!(["alice"]),
        "{result}"
    );
    assert_eq!(result["send_result"]["unread_user_id_list"], json!(["bob"]));
    let alice = http.get("users/alice").await;
    assert_eq!(alice["notices"][0]["read"], true);
    assert_eq!(alice["notices"][0]["readBy"], json!(["alice"]));

    // Someone who did not receive it cannot read it.
    let (status, answer) = http
        .inbox(
            Method::POST,
            "open",
            Some(json!({"userid": "frank", "message": format!("notice:{task_id}")})),
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["code"], "cannotRead");
}

#[tokio::test]
async fn a_group_shows_both_generations_and_cards_in_order_with_their_readers() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut http = Http::new(&fake);
    let (_, chatid, cid) = seed(&mut http).await;
    let group = http.get(&format!("groups/{chatid}")).await;
    let messages = messages_of(&group, "messages");
    let kinds: Vec<&str> = messages
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["chat", "chat", "robot", "card"], "{group}");
    let action_card = &messages[0];
    assert_eq!(action_card["msgtype"], "action_card");
    let html = action_card["html"].as_str().unwrap();
    assert!(
        html.contains("href=\"https://ci.example/release/2\""),
        "{html}"
    );
    assert!(!html.contains("href=\"javascript"), "{html}");
    assert!(html.contains("Free prize"), "{html}");
    let hostile = messages[1]["html"].as_str().unwrap();
    assert!(
        !hostile.contains("<script") && !hostile.contains("<img"),
        "{hostile}"
    );
    // The raw anchor is shown as text: no element carries a javascript: target.
    assert!(!hostile.contains("<a href=\"javascript"), "{hostile}");
    assert!(hostile.contains("&lt;a href="), "{hostile}");
    assert_eq!(messages[3]["outTrackId"], "expense-42");
    assert!(
        messages[3]["html"]
            .as_str()
            .unwrap()
            .contains("Expense: 120 CNY taxi")
    );

    // The same group by its openConversationId.
    let by_cid = http
        .get(&format!(
            "groups/{}",
            url::form_urlencoded::byte_serialize(cid.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(by_cid["group"]["chatid"], chatid);

    // bob opens the v1 robot message and the classic one: both read-status APIs say so.
    let robot_id = messages[2]["id"].as_str().unwrap().to_string();
    let chat_id = messages[0]["id"].as_str().unwrap().to_string();
    http.post("open", json!({"userid": "bob", "message": robot_id}))
        .await;
    http.post("open", json!({"userid": "bob", "message": chat_id}))
        .await;
    let key = robot_id.trim_start_matches("robot:");
    let status = http
        .v1(
            Method::POST,
            "/v1.0/robot/groupMessages/query",
            json!({"robotCode": dingtalk_fake::DEFAULT_APP_KEY, "openConversationId": cid, "processQueryKey": key}),
        )
        .await;
    assert_eq!(status["readUserIds"], json!(["bob"]), "{status}");
    let message_id = chat_id.trim_start_matches("chat:");
    let token = http.token().await;
    let read: Value = http
        .http
        .get(format!("{}/chat/getReadList", http.base))
        .query(&[
            ("access_token", token.as_str()),
            ("messageId", message_id),
            ("cursor", "0"),
            ("size", "10"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["readUserIdList"], json!(["bob"]), "{read}");
    let group = http.get(&format!("groups/{chatid}")).await;
    assert_eq!(group["messages"][0]["readBy"], json!(["bob"]));
}

#[tokio::test]
async fn a_card_press_reaches_the_app_over_stream_and_its_answer_updates_the_card() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let app = start_app(&fake).await;
    let mut http = Http::new(&fake);
    let (_, chatid, _) = seed(&mut http).await;
    let pressed = http
        .post(
            "cards/press",
            json!({"userid": "bob", "outTrackId": "expense-42", "actionId": "approve", "params": {"amount": "120"}}),
        )
        .await;
    assert!(
        pressed["messageId"]
            .as_str()
            .unwrap()
            .starts_with("fakemsg")
    );
    let seen = app.app.seen.clone();
    wait_until("the app's card handler", || {
        !seen.presses.lock().unwrap().is_empty()
    })
    .await;
    let press = seen.presses.lock().unwrap()[0].clone();
    assert_eq!(press.out_track_id, "expense-42");
    assert_eq!(press.user_id, "bob");
    assert_eq!(press.action, "approve");
    // The app's answer lands in the card (merged by key, as it asked).
    let mut card = Value::Null;
    for _ in 0..3000 {
        let group = http.get(&format!("groups/{chatid}")).await;
        card = group["messages"][3].clone();
        if card["presses"][0]["answer"].is_object() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        card["content"]["cardParamMap"]["status"], "pressed approve",
        "{card}"
    );
    assert_eq!(
        card["content"]["cardParamMap"]["title"],
        "Expense: 120 CNY taxi"
    );
    assert_eq!(card["presses"][0]["actionId"], "approve");
    let state_card = fake
        .handle()
        .with_state(|s| s.cards["expense-42"].params["status"].clone());
    assert_eq!(state_card, "pressed approve");
}

#[tokio::test]
async fn writing_to_the_robot_reaches_the_app_and_its_session_reply_shows_in_the_chat() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let app = start_app(&fake).await;
    let http = Http::new(&fake);
    http.post(
        "robot/messages",
        json!({"userid": "alice", "text": "hello robot"}),
    )
    .await;
    let seen = app.app.seen.clone();
    wait_until("the app's robot handler", || {
        !seen.bot_texts.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        seen.bot_texts.lock().unwrap()[0],
        ("alice".to_string(), "hello robot".to_string())
    );
    let handle = fake.handle().clone();
    wait_until("the reply", || !handle.robot_posts().is_empty()).await;
    let alice = http.get("users/alice").await;
    let chat = messages_of(&alice, "robotChat");
    let kinds: Vec<&str> = chat.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["wrote", "reply"], "{alice}");
    assert!(chat[0]["html"].as_str().unwrap().contains("hello robot"));
    let reply = chat[1]["html"].as_str().unwrap();
    assert!(reply.contains("<h4>echo</h4>"), "{reply}");
    assert!(reply.contains("hello robot"), "{reply}");

    let (status, answer) = http
        .inbox(
            Method::POST,
            "robot/messages",
            Some(json!({"userid": "nobody", "text": "hi"})),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    let (status, _) = http
        .inbox(
            Method::POST,
            "robot/messages",
            Some(json!({"userid": "alice", "text": "  "})),
        )
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn organisation_changes_go_through_the_contact_logic_and_emit_address_book_events() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let app = start_app(&fake).await;
    let http = Http::new(&fake);
    let created = http
        .post(
            "users",
            json!({"userid": "newhire", "name": "New Hire", "deptIds": [2], "mobile": "13900000099", "title": "Intern"}),
        )
        .await;
    assert_eq!(created["userid"], "newhire", "{created}");
    http.post("users/newhire", json!({"title": "Engineer"}))
        .await;
    assert_eq!(
        fake.handle()
            .with_state(|s| s.org.users["newhire"].title.clone()),
        Some("Engineer".to_string())
    );
    // The contact API's own checks: a mobile in use is 60104.
    let (status, answer) = http
        .inbox(
            Method::POST,
            "users",
            Some(json!({"name": "Dup", "deptIds": [2], "mobile": "13900000099"})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("errcode60104")),
        "{answer}"
    );
    let dept = http
        .post("departments", json!({"name": "Research", "parentId": 2}))
        .await;
    let id = dept["id"].as_i64().unwrap();
    http.post(
        &format!("departments/{id}"),
        json!({"name": "Research Lab"}),
    )
    .await;
    let (status, answer) = http.inbox(Method::DELETE, "departments/2", None).await;
    assert_eq!(status, 409, "a department with members stays: {answer}");
    let (status, _) = http
        .inbox(Method::DELETE, &format!("departments/{id}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = http.inbox(Method::DELETE, "users/newhire", None).await;
    assert_eq!(status, 200);
    let seen = app.app.seen.clone();
    wait_until("six address-book events", || seen.event_types().len() >= 6).await;
    assert_eq!(
        seen.event_types(),
        [
            "user_add_org",
            "user_modify_org",
            "org_dept_create",
            "org_dept_modify",
            "org_dept_remove",
            "user_leave_org"
        ]
    );
    let overview = http.get("overview").await;
    let names: Vec<&str> = overview["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"Research Lab"), "{names:?}");
}

#[tokio::test]
async fn approving_in_the_inbox_sends_the_approval_events() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let app = start_app(&fake).await;
    let http = Http::new(&fake);
    let started = http
        .post(
            "approvals",
            json!({"originator": "bob", "approver": "alice", "title": "Leave: 2 days"}),
        )
        .await;
    let id = started["approvals"][0]["id"].as_str().unwrap().to_string();
    http.post(
        &format!("approvals/{id}/decide"),
        json!({"result": "agree", "remark": "enjoy"}),
    )
    .await;
    let (status, answer) = http
        .inbox(
            Method::POST,
            &format!("approvals/{id}/decide"),
            Some(json!({"result": "refuse"})),
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    let seen = app.app.seen.clone();
    wait_until("four approval events", || seen.event_types().len() >= 4).await;
    let events = seen.events.lock().unwrap();
    let summary: Vec<(String, String, Option<String>)> = events
        .iter()
        .map(|r| match &r.event {
            Event::BpmsInstanceChange(e) => (
                r.meta.event_type.clone(),
                e.type_
                    .as_ref()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                e.result.as_ref().map(|t| t.as_str().to_string()),
            ),
            Event::BpmsTaskChange(e) => (
                r.meta.event_type.clone(),
                e.type_
                    .as_ref()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                e.result.as_ref().map(|t| t.as_str().to_string()),
            ),
            other => panic!("not an approval event: {other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("bpms_instance_change".into(), "start".into(), None),
            ("bpms_task_change".into(), "start".into(), None),
            (
                "bpms_task_change".into(),
                "finish".into(),
                Some("agree".into())
            ),
            (
                "bpms_instance_change".into(),
                "finish".into(),
                Some("agree".into())
            ),
        ],
        "{events:?}"
    );
}

#[tokio::test]
async fn faults_are_injected_listed_and_removed_and_the_log_shows_them_strike() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut http = Http::new(&fake);
    let faults = http
        .post(
            "faults",
            json!({"endpoint": "chat.create", "kind": "errcode", "errcode": 90018, "errmsg": "busy"}),
        )
        .await;
    assert_eq!(faults["faults"][0]["errcode"], 90018, "{faults}");
    assert_eq!(faults["faults"][0]["remaining"], 1);
    http.post("faults", json!({"kind": "delay", "ms": 1, "always": true}))
        .await;
    let token = http.token().await;
    let answer: Value = http
        .http
        .post(format!("{}/chat/create?access_token={token}", http.base))
        .json(&json!({"name": "X", "owner": "alice", "useridlist": ["alice"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["errcode"], 90018, "{answer}");
    let faults = http.get("faults").await;
    assert_eq!(
        faults["faults"].as_array().unwrap().len(),
        1,
        "the errcode fault struck"
    );
    let (status, _) = http.inbox(Method::DELETE, "faults/0", None).await;
    assert_eq!(status, 200);
    let (status, _) = http.inbox(Method::DELETE, "faults/0", None).await;
    assert_eq!(status, 404);
    let log = http.get("requests").await;
    let create = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/chat/create")
        .cloned()
        .unwrap();
    assert_eq!(create["errcode"], 90018);
    assert_eq!(create["endpoint"], "chat.create");
    for bad in [
        json!({"kind": "nonsense"}),
        json!({"kind": "errcode"}),
        json!({"kind": "httpStatus", "status": 200}),
        json!({"kind": "delay", "ms": 999_999_999u64}),
        json!({"kind": "errcode", "errcode": 1, "times": 0}),
    ] {
        let (status, answer) = http.inbox(Method::POST, "faults", Some(bad.clone())).await;
        assert_eq!(status, 422, "{bad}: {answer}");
    }
}

#[tokio::test]
async fn the_request_log_never_shows_credentials() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut http = Http::new(&fake);
    let token = http.token().await;
    seed(&mut http).await;
    // A Stream registration carries the secret in its body; a connection its ticket.
    let _app = start_app(&fake).await;
    let log = http.get("requests").await;
    let text = log.to_string();
    assert!(!text.contains(&token), "the token leaked: {text}");
    assert!(
        !text.contains(dingtalk_fake::DEFAULT_APP_SECRET),
        "the secret leaked"
    );
    assert!(!text.contains("faketicket"), "a ticket leaked: {text}");
    let requests = log["requests"].as_array().unwrap();
    let gettoken = requests.iter().find(|r| r["path"] == "/gettoken").unwrap();
    assert_eq!(gettoken["query"], "appkey=***&appsecret=***");
    let send = requests.iter().find(|r| r["path"] == "/chat/send").unwrap();
    assert_eq!(send["query"], "access_token=***");
    assert_eq!(send["status"], 200);
    assert_eq!(send["errcode"], 0);
    assert!(send["latencyMs"].is_u64());
    let since = requests.last().unwrap()["seq"].as_u64().unwrap();
    let later = http.get(&format!("requests?since={since}")).await;
    assert!(later["requests"].as_array().unwrap().is_empty(), "{later}");
}

#[tokio::test]
async fn bad_requests_get_typed_refusals() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let http = Http::new(&fake);
    let base = format!("{}/_inbox/api", fake.base_url());
    let client = reqwest::Client::new();
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (client.get(format!("{base}/nothing")), 404, "notFound"),
        (
            client.delete(format!("{base}/overview")),
            405,
            "wrongMethod",
        ),
        (
            client.get(format!("{base}/users/nobody")),
            404,
            "unknownUser",
        ),
        (
            client.get(format!("{base}/groups/nogroup")),
            404,
            "unknownGroup",
        ),
        (
            client.post(format!("{base}/open")).body("{}"),
            415,
            "expectedJson",
        ),
        (
            client
                .post(format!("{base}/open"))
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "badBody",
        ),
        (
            client
                .post(format!("{base}/open"))
                .json(&json!({"userid": "alice", "message": "notice:1", "extra": 1})),
            400,
            "badBody",
        ),
        (
            client
                .post(format!("{base}/open"))
                .json(&json!({"userid": "alice", "message": "notice:nope"})),
            422,
            "invalid",
        ),
        (
            client
                .post(format!("{base}/open"))
                .json(&json!({"userid": "alice", "message": "card:x"})),
            422,
            "invalid",
        ),
        (
            client
                .post(format!("{base}/cards/press"))
                .json(&json!({"userid": "alice", "outTrackId": "none", "actionId": "a"})),
            404,
            "unknownCard",
        ),
        (
            client
                .post(format!("{base}/reset"))
                .header("origin", "http://evil.example")
                .json(&json!({})),
            403,
            "crossOrigin",
        ),
        (
            client
                .post(format!("{base}/users"))
                .json(&json!({"name": "x".repeat(70 * 1024), "deptIds": [1]})),
            413,
            "bodyTooLarge",
        ),
        (
            client
                .post(format!("{base}/departments/1"))
                .json(&json!({"parentId": 2})),
            422,
            "invalid",
        ),
        (
            client
                .post(format!("{base}/departments/2"))
                .json(&json!({"parentId": 4})),
            422,
            "invalid",
        ),
    ];
    for (request, status, code) in cases {
        let answer = request.send().await.unwrap();
        let got = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // Same-origin requests (the page's own) are served.
    let answer = client
        .get(format!("{base}/overview"))
        .header("origin", fake.base_url())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    drop(http);
}

#[tokio::test]
async fn reset_brings_back_the_state_at_start() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut http = Http::new(&fake);
    seed(&mut http).await;
    http.post(
        "users",
        json!({"userid": "temp", "name": "Temp", "deptIds": [1]}),
    )
    .await;
    http.post("faults", json!({"kind": "malformedBody", "always": true}))
        .await;
    http.post("reset", json!({})).await;
    let overview = http.get("overview").await;
    assert_eq!(overview["groups"], json!([]));
    assert_eq!(overview["faults"], 0);
    assert!(fake.handle().deliveries().is_empty());
    assert!(
        fake.handle()
            .with_state(|s| !s.org.users.contains_key("temp"))
    );
    let alice = http.get("users/alice").await;
    assert_eq!(alice["notices"], json!([]));
    // The app's token still works.
    http.classic(
        "/chat/create",
        json!({"name": "After", "owner": "alice", "useridlist": ["alice"]}),
    )
    .await;
}
