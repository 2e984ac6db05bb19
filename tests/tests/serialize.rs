//! `Serialize` of answers (feature `serialize`): an answer written out uses DingTalk's wire
//! names, so the JSON decodes back to the same value, leaves absent fields out, and never
//! carries a secret (written as "<redacted>"). Pushed events too, an undecoded one as its shape.

use dingtalk_api::contact::user::{GetV2Request, GetV2Response};
use dingtalk_api::decode::decode_answer;
use dingtalk_api::oauth2::UserAccessTokenRequest;
use dingtalk_api::robot::messages::{BatchOtoQueryRequest, RobotSendStatus};
use serde_json::{Value, json};

fn user(body: &str) -> GetV2Response {
    decode_answer::<GetV2Request>(200, body.as_bytes()).expect("decodes")
}

#[test]
fn a_classic_answer_serializes_to_its_wire_names_and_decodes_back_equal() {
    // Drifted spellings on the way in (numbers and booleans as text, JSON inside a string).
    let decoded = user(
        r#"{"errcode":0,"errmsg":"ok","result":{"userid":"u1","name":"Ann","dept_id_list":[1,"2"],
            "active":"true","dept_order_list":[{"dept_id":1,"order":"176318668975061512"}],
            "extension":"{\"team\":\"core\"}","hired_date":"1597573616828"}}"#,
    );
    let json = serde_json::to_value(&decoded).unwrap();
    assert_eq!(json["userid"], "u1");
    assert_eq!(json["dept_id_list"], json!([1, 2]));
    assert_eq!(json["active"], true);
    assert_eq!(json["hired_date"], 1_597_573_616_828_i64);
    assert_eq!(
        json["dept_order_list"],
        json!([{"dept_id": 1, "order": 176318668975061512_i64}])
    );
    assert_eq!(json["extension"], json!({"team": "core"}));
    // Absent optional fields are left out, not written as null.
    assert!(json.get("mobile").is_none(), "{json}");
    assert_eq!(json["leader_in_dept"], json!([]));

    let again = user(&format!(r#"{{"errcode":0,"result":{json}}}"#));
    assert_eq!(again, decoded);
}

#[test]
fn a_v1_answer_writes_camel_case_names_and_enum_values_as_sent() {
    let body = br#"{"sendStatus":"PROCESSING","messageReadInfoList":[
        {"name":"Ann","userId":"u1","readStatus":"READ","readTimestamp":1700000000000},
        {"name":"Bob","userId":"u2","readStatus":"SOMETHING_NEW"}]}"#;
    let answer = decode_answer::<BatchOtoQueryRequest>(200, body).expect("decodes");
    assert_eq!(answer.send_status, Some(RobotSendStatus::Processing));
    let json = serde_json::to_value(&answer).unwrap();
    assert_eq!(json["sendStatus"], "PROCESSING");
    assert_eq!(json["messageReadInfoList"][0]["userId"], "u1");
    assert_eq!(json["messageReadInfoList"][0]["readStatus"], "READ");
    // A value this version does not know is written back as it came.
    assert_eq!(
        json["messageReadInfoList"][1]["readStatus"],
        "SOMETHING_NEW"
    );
    let text = serde_json::to_vec(&answer).unwrap();
    let again = decode_answer::<BatchOtoQueryRequest>(200, &text).expect("decodes back");
    assert_eq!(again, answer);
}

#[test]
fn tokens_are_written_as_redacted_and_never_in_clear() {
    let body = br#"{"accessToken":"user-token-7f3a9c","refreshToken":"refresh-token-51d2e8","expireIn":7200,"corpId":"dingcorp"}"#;
    let answer = decode_answer::<UserAccessTokenRequest>(200, body).expect("decodes");
    let text = serde_json::to_string(&answer).unwrap();
    assert!(!text.contains("user-token-7f3a9c"), "{text}");
    assert!(!text.contains("refresh-token-51d2e8"), "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["accessToken"], "<redacted>");
    assert_eq!(json["refreshToken"], "<redacted>");
    assert_eq!(json["expireIn"], 7200);
    assert_eq!(json["corpId"], "dingcorp");
}

/// A user token is written as `"<redacted>"` wherever it sits, as its `Debug` shows it.
#[test]
fn a_user_token_serializes_as_redacted_by_itself() {
    let token = dingtalk_api::UserToken::new("user-token-7f3a9c");
    assert_eq!(serde_json::to_string(&token).unwrap(), r#""<redacted>""#);
    assert_eq!(
        serde_json::to_string(&vec![Some(token)]).unwrap(),
        r#"["<redacted>"]"#
    );
}

/// A pushed event is written as `{"event_type", "payload"}`, with the payload's secrets
/// redacted; the envelope around it keeps DingTalk's id, organisation and channel.
#[test]
fn a_received_event_serializes_with_its_meta_and_secrets_redacted() {
    use dingtalk_api::events::Received;
    let received = Received::from_http(
        r#"{"EventType":"suite_ticket","eventId":"ev-1","CorpId":"ding-corp","TimeStamp":123456,"SuiteTicket":"ticket-in-clear"}"#,
    )
    .expect("opens");
    let written = serde_json::to_value(&received).expect("serializes");
    assert_eq!(written["meta"]["event_id"], "ev-1");
    assert_eq!(written["meta"]["corp_id"], "ding-corp");
    assert_eq!(written["meta"]["channel"], "http");
    assert_eq!(written["event"]["event_type"], "suite_ticket");
    assert_eq!(written["event"]["payload"]["suiteTicket"], "<redacted>");
    assert!(
        !written.to_string().contains("ticket-in-clear"),
        "{written}"
    );
}

/// An event the crate cannot read (an unknown type, or a known type whose payload does not
/// match) may hold anything, so only its shape is written, never a value.
#[test]
fn an_unread_event_serializes_its_shape_and_never_its_values() {
    use dingtalk_api::events::Event;
    let unknown = Event::from_payload(
        "new_kind_of_event",
        json!({"permanentCode": "code-in-clear", "nested": {"token": "token-in-clear"}}),
    );
    let written = serde_json::to_value(&unknown).expect("serializes");
    assert_eq!(written["event_type"], "new_kind_of_event");
    let shape = written["raw_shape"].as_str().expect("a shape");
    assert!(
        shape.contains("permanentCode") && shape.contains("nested"),
        "{shape}"
    );
    assert!(written.get("error").is_none());
    let text = written.to_string();
    assert!(
        !text.contains("code-in-clear") && !text.contains("token-in-clear"),
        "{text}"
    );

    // A suite ticket whose ticket is an object: `Invalid`, with the reason but not the value.
    let invalid = Event::from_payload(
        "suite_ticket",
        json!({"suiteTicket": {"value": "ticket-in-clear"}}),
    );
    assert!(matches!(invalid, Event::Invalid { .. }), "{invalid:?}");
    let written = serde_json::to_value(&invalid).expect("serializes");
    assert_eq!(written["event_type"], "suite_ticket");
    assert!(written["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(
        !written.to_string().contains("ticket-in-clear"),
        "{written}"
    );
}
