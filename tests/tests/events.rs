//! Every event declared in `api-spec/events/` opens from its HTTP form to its typed variant,
//! read from the spec itself: a newly declared event is covered without editing this file.
//! Each spelling of a key (the Stream camel name and its HTTP Pascal alias) decodes into the
//! same field, and secret fields never reach `Debug`.

mod support;

use std::collections::BTreeSet;

use dingtalk_api::events::{Channel, EVENT_TYPES, Event, Received};
use dingtalk_codegen::model::EventDef;
use serde_json::{Map, Value, json};

const EVENT_TIME: i64 = 1_700_000_000_000;
const CORP_ID: &str = "dingcorp";

fn declared() -> &'static [EventDef] {
    &support::spec().events
}

/// The event's documented payload example, as a JSON object.
fn example(event: &EventDef) -> Map<String, Value> {
    let example = event
        .example
        .as_ref()
        .unwrap_or_else(|| panic!("event `{}` has no example", event.name));
    match serde_json::from_str(&example.json) {
        Ok(Value::Object(fields)) => fields,
        other => panic!(
            "the example of `{}` is not a JSON object: {other:?}",
            event.name
        ),
    }
}

/// The decrypted HTTP push of `payload`: its fields at top level next to the envelope keys.
fn http_form(event_type: &str, payload: &Map<String, Value>, n: usize) -> String {
    let mut body = payload.clone();
    body.insert("EventType".into(), json!(event_type));
    body.insert("EventTime".into(), json!(EVENT_TIME));
    body.insert("CorpId".into(), json!(CORP_ID));
    body.insert("eventId".into(), json!(format!("e-{n}")));
    Value::Object(body).to_string()
}

fn open(event_type: &str, payload: &Map<String, Value>, n: usize) -> Received {
    let body = http_form(event_type, payload, n);
    Received::from_http(&body).unwrap_or_else(|err| panic!("`{event_type}` does not open: {err}"))
}

/// The event is the typed variant of `event_type`, not a fallback.
fn assert_typed(event_type: &str, event: &Event) {
    match event {
        Event::Unknown { .. } => panic!("`{event_type}` came as Event::Unknown"),
        Event::Invalid { error, raw, .. } => {
            panic!("`{event_type}` came as Event::Invalid: {error}; payload {raw}")
        }
        typed => assert_eq!(typed.event_type(), event_type),
    }
}

#[test]
fn the_spec_and_the_crate_declare_the_same_events() {
    let spec: BTreeSet<&str> = declared().iter().map(|e| e.name.as_str()).collect();
    let generated: BTreeSet<&str> = EVENT_TYPES.iter().copied().collect();
    assert_eq!(spec, generated);
    // The address-book, chat, approval, attendance and ISV events besides the URL tests.
    assert!(spec.len() >= 39, "only {} events declared", spec.len());
}

#[test]
fn every_declared_event_opens_from_its_http_form_to_its_typed_variant() {
    for (n, event) in declared().iter().enumerate() {
        let received = open(&event.name, &example(event), n);
        assert_typed(&event.name, &received.event);
        let meta = &received.meta;
        assert_eq!(meta.event_type, event.name);
        assert_eq!(meta.event_id.as_deref(), Some(format!("e-{n}").as_str()));
        assert_eq!(meta.corp_id.as_deref(), Some(CORP_ID), "{}", event.name);
        assert_eq!(meta.born_at_ms, Some(EVENT_TIME), "{}", event.name);
        assert_eq!(meta.channel, Channel::Http);
    }
}

#[test]
fn every_spelling_of_a_key_decodes_into_the_same_field() {
    let mut checked = 0;
    for (n, event) in declared().iter().enumerate() {
        let payload = example(event);
        for field in &event.fields {
            let spellings: Vec<&str> = std::iter::once(field.wire.as_str())
                .chain(field.aliases.iter().map(String::as_str))
                .collect();
            if spellings.len() < 2 {
                continue;
            }
            // The example holds the key under one of its spellings (or not at all).
            let Some((present, value)) = spellings
                .iter()
                .find_map(|s| payload.get(*s).map(|v| (*s, v.clone())))
            else {
                continue;
            };
            let mut without = payload.clone();
            without.remove(present);
            let baseline = open(&event.name, &payload, n).event;
            assert_ne!(
                baseline,
                open(&event.name, &without, n).event,
                "`{}`: the key `{present}` does not reach any field",
                event.name
            );
            for spelling in &spellings {
                let mut renamed = without.clone();
                renamed.insert((*spelling).to_string(), value.clone());
                let decoded = open(&event.name, &renamed, n).event;
                assert_typed(&event.name, &decoded);
                assert_eq!(
                    decoded, baseline,
                    "`{}`: `{spelling}` decodes differently from `{present}`",
                    event.name
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} aliased keys were exercised");
}

#[test]
fn secret_fields_are_redacted_in_debug() {
    let mut checked = 0;
    for (n, event) in declared().iter().enumerate() {
        for field in event.fields.iter().filter(|f| f.secret) {
            // The example's placeholder (`xxxxxx`) may repeat in other fields: use a marker.
            let mut payload = example(event);
            let Some(key) = std::iter::once(&field.wire)
                .chain(&field.aliases)
                .find(|s| matches!(payload.get(s.as_str()), Some(Value::String(_))))
                .cloned()
            else {
                continue;
            };
            let secret = format!("secret-under-test-{n}");
            payload.insert(key, json!(secret));
            let received = open(&event.name, &payload, n);
            assert_typed(&event.name, &received.event);
            let shown = format!("{received:?}");
            assert!(
                !shown.contains(&secret),
                "`{}` shows its secret `{}`: {shown}",
                event.name,
                field.wire
            );
            assert!(shown.contains("<redacted>"), "{shown}");
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} secret fields were exercised");
}

/// The HTTP pushes of the ISV pages, Pascal keys as documented, read into the same fields as
/// the Stream (camel) spelling.
#[test]
fn isv_http_pushes_with_pascal_keys_fill_the_same_fields() {
    // push-suite-ticket-events
    let http = Received::from_http(
        r#"{"SuiteKey":"suite-key","EventType":"suite_ticket","TimeStamp":123456,"SuiteTicket":"ticket-1"}"#,
    )
    .expect("opens");
    let stream = Event::from_payload(
        "suite_ticket",
        json!({"suiteKey": "suite-key", "timeStamp": 123456, "suiteTicket": "ticket-1"}),
    );
    assert_eq!(http.event, stream);
    match &http.event {
        Event::SuiteTicket(ticket) => {
            assert_eq!(ticket.suite_ticket, "ticket-1");
            assert_eq!(ticket.suite_key.as_deref(), Some("suite-key"));
            assert_eq!(ticket.time_stamp, Some(123456));
        }
        other => panic!("not a suite ticket: {other:?}"),
    }
    // The Stream form has only the ticket.
    match Event::from_payload("suite_ticket", json!({"suiteTicket": "ticket-2"})) {
        Event::SuiteTicket(ticket) => {
            assert_eq!(ticket.suite_ticket, "ticket-2");
            assert_eq!(ticket.suite_key, None);
        }
        other => panic!("not a suite ticket: {other:?}"),
    }

    // enable-and-disable-application-events (HTTP) vs the Stream `agentId`.
    for kind in ["org_micro_app_stop", "org_micro_app_restore"] {
        let body = format!(
            r#"{{"AgentId":123,"AppId":456,"AuthCorpId":"ding-auth","EventType":"{kind}","SuiteKey":"suite-key","TimeStamp":1481173967075}}"#
        );
        let http = Received::from_http(&body).expect("opens").event;
        assert_typed(kind, &http);
        let (agent_id, app_id, auth_corp_id, suite_key, time_stamp) = match &http {
            Event::OrgMicroAppStop(e) => (
                e.agent_id,
                e.app_id,
                e.auth_corp_id.clone(),
                e.suite_key.clone(),
                e.time_stamp,
            ),
            Event::OrgMicroAppRestore(e) => (
                e.agent_id,
                e.app_id,
                e.auth_corp_id.clone(),
                e.suite_key.clone(),
                e.time_stamp,
            ),
            other => panic!("{kind}: {other:?}"),
        };
        assert_eq!(agent_id, Some(123));
        assert_eq!(app_id, Some(456));
        assert_eq!(auth_corp_id.as_deref(), Some("ding-auth"));
        assert_eq!(suite_key.as_deref(), Some("suite-key"));
        assert_eq!(time_stamp, Some(1481173967075));
        let stream = Event::from_payload(kind, json!({"agentId": 123}));
        let http_agent_only =
            Received::from_http(&format!(r#"{{"EventType":"{kind}","AgentId":123}}"#))
                .expect("opens")
                .event;
        assert_eq!(stream, http_agent_only, "{kind}");
    }

    // enterprise-authorized-application-activation-event: the single-use code is read and
    // never shown.
    let http = Received::from_http(
        r#"{"TimeStamp":1553709079062,"AuthCode":"code-once","AuthCorpId":"ding-auth","EventType":"tmp_auth_code","SuiteKey":"suite-key"}"#,
    )
    .expect("opens");
    match &http.event {
        Event::TmpAuthCode(auth) => {
            assert_eq!(auth.auth_code, "code-once");
            assert_eq!(auth.auth_corp_id.as_deref(), Some("ding-auth"));
            assert_eq!(auth.suite_key.as_deref(), Some("suite-key"));
            assert_eq!(auth.time_stamp, Some(1553709079062));
        }
        other => panic!("not a tmp_auth_code: {other:?}"),
    }
    assert!(!format!("{http:?}").contains("code-once"));

    // revoke-authorization: `TimeStamp` as a string.
    match Received::from_http(
        r#"{"EventType":"suite_relieve","SuiteKey":"suite-key","TimeStamp":"12351458245","AuthCorpId":"ding-auth"}"#,
    )
    .expect("opens")
    .event
    {
        Event::SuiteRelieve(relieve) => {
            assert_eq!(relieve.time_stamp, Some(12351458245));
            assert_eq!(relieve.auth_corp_id.as_deref(), Some("ding-auth"));
        }
        other => panic!("not a suite_relieve: {other:?}"),
    }
}

/// The legacy HTTP overviews spell the chat and check-in keys in Pascal case.
#[test]
fn legacy_pascal_http_pushes_fill_the_camel_fields() {
    // group-session-events
    let legacy = Received::from_http(
        r#"{"Operator":"10203029011219896","OpenConversationId":"cidmfWxxxx","CorpId":"dinge8a56572f80bxxxx","EventType":"chat_add_member","UserId":["user456"],"TimeStamp":1608027106990,"ChatId":"chat676e50a07xxxx"}"#,
    )
    .expect("opens");
    assert_eq!(legacy.meta.corp_id.as_deref(), Some("dinge8a56572f80bxxxx"));
    let camel = Event::from_payload(
        "chat_add_member",
        json!({"operator": "10203029011219896", "openConversationId": "cidmfWxxxx",
               "userId": ["user456"], "timeStamp": 1608027106990_i64, "chatId": "chat676e50a07xxxx"}),
    );
    assert_eq!(legacy.event, camel);
    match &legacy.event {
        Event::ChatAddMember(added) => {
            assert_eq!(added.user_id, ["user456"]);
            assert_eq!(added.chat_id.as_deref(), Some("chat676e50a07xxxx"));
            assert_eq!(added.time_stamp, Some(1608027106990));
        }
        other => panic!("not chat_add_member: {other:?}"),
    }

    // sign-in-event
    match Received::from_http(
        r#"{"EventType":"check_in","TimeStamp":1495542282000,"CorpId":"dingcorp","StaffId":"08058xxxxxx"}"#,
    )
    .expect("opens")
    .event
    {
        Event::CheckIn(check_in) => {
            assert_eq!(check_in.staff_id.as_deref(), Some("08058xxxxxx"));
            assert_eq!(check_in.time_stamp, Some(1495542282000));
        }
        other => panic!("not check_in: {other:?}"),
    }
}

/// Quirks the declarations absorb: string times, the ISV single-string `userId`, unknown
/// enum values.
#[test]
fn documented_quirks_decode() {
    match Event::from_payload(
        "user_add_org",
        json!({"timeStamp": "1685501863357", "userId": ["015xxxx227"]}),
    ) {
        Event::UserAddOrg(added) => {
            assert_eq!(added.time_stamp, Some(1685501863357));
            assert_eq!(added.user_id, ["015xxxx227"]);
        }
        other => panic!("{other:?}"),
    }
    // enterprise-delete-employee: the ISV Stream form sends one userId string.
    match Event::from_payload(
        "user_leave_org",
        json!({"unionid": "zvLdpxxxxxiEiE", "dingId": "$:LWCP_v1:$G5YX0l5yOKZ2oxxxx", "userId": "ding12345"}),
    ) {
        Event::UserLeaveOrg(left) => {
            assert_eq!(left.user_id, ["ding12345"]);
            assert_eq!(left.unionid.as_deref(), Some("zvLdpxxxxxiEiE"));
        }
        other => panic!("{other:?}"),
    }
    // A `type` the pages do not list stays readable.
    match Event::from_payload(
        "bpms_instance_change",
        json!({"processInstanceId": "p1", "type": "delete"}),
    ) {
        Event::BpmsInstanceChange(change) => {
            assert_eq!(change.type_.as_ref().map(|t| t.as_str()), Some("delete"));
            assert_eq!(change.result, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn undecoded_payloads_show_their_shape_not_their_values_in_debug() {
    let secret = "suite-ticket-value-do-not-log";
    let unknown = Event::from_payload(
        "some_future_event",
        serde_json::json!({"SuiteTicket": secret, "n": 1}),
    );
    let shown = format!("{unknown:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(
        shown.contains("SuiteTicket") && shown.contains("some_future_event"),
        "{shown}"
    );
    // A known type whose payload is wrong keeps the raw value, but Debug withholds it too.
    let invalid = Event::from_payload("suite_ticket", serde_json::json!({"SuiteTicket": [secret]}));
    assert!(matches!(invalid, Event::Invalid { .. }), "{invalid:?}");
    let shown = format!("{invalid:?}");
    assert!(!shown.contains(secret), "{shown}");
    let many: serde_json::Map<String, serde_json::Value> = (0..100)
        .map(|n| {
            (
                format!("key{n:03}{}", "x".repeat(200)),
                serde_json::json!(n),
            )
        })
        .collect();
    let shown = format!(
        "{:?}",
        Event::from_payload("x", serde_json::Value::Object(many))
    );
    assert!(
        shown.len() < 2_500 && shown.contains("and 80 more"),
        "{}",
        shown.len()
    );
}
