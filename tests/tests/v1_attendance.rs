mod support;

// The v1 attendance file (`attendance/checkin.yaml`) over real HTTP: both answers sit under
// `result`; check-in records page with an integer `nextToken` that starts at 0 and is sent
// as a JSON number; holidays decode as a list with a typed holiday kind.

use dingtalk_api::attendance::checkin::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::TOKEN;

const RECORDS: &str = "/v1.0/attendance/checkin/records/query";
const HOLIDAYS: &str = "/v1.0/attendance/holidays";

async fn bodies(server: &MockServer, endpoint_path: &str) -> Vec<Value> {
    support::requests_to(server, endpoint_path)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON body"))
        .collect()
}

#[test]
fn every_v1_attendance_endpoint_has_a_wire_test_here() {
    let mut found: Vec<(String, String, String, String)> = support::all_endpoints()
        .into_iter()
        .filter(|(module, ..)| module == "attendance/checkin")
        .collect();
    found.sort();
    let expected: Vec<(String, String, String, String)> = [
        ("get_user_holidays", "POST", HOLIDAYS),
        ("query_checkin_records", "POST", RECORDS),
    ]
    .iter()
    .map(|(name, m, p)| {
        (
            "attendance/checkin".into(),
            (*name).into(),
            (*m).into(),
            (*p).into(),
        )
    })
    .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn query_checkin_records_decodes_the_result_and_sends_numbers() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(RECORDS))
        .and(header("x-acs-dingtalk-access-token", TOKEN))
        .respond_with(support::example_response(
            "attendance/checkin",
            "query_checkin_records",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let page = client
        .attendance()
        .checkin()
        .query_checkin_records(QueryCheckinRecordsRequest::new(
            "manager1",
            ["manager4220".to_string()],
            1_599_000_000_000_i64,
            1_599_600_000_000_i64,
            100,
        ))
        .await
        .unwrap();
    assert_eq!(page.next_token, Some(100));
    let record = &page.page_list[0];
    assert_eq!(record.user_id, "manager4220");
    assert_eq!(record.checkin_time, Some(1_599_544_940_000));
    assert_eq!(record.latitude.as_deref(), Some("30.2788"));
    assert_eq!(record.image_list.len(), 1);
    assert_eq!(record.custom_data_list[0].label.as_deref(), Some("项目"));
    assert_eq!(
        bodies(&server, RECORDS).await,
        [json!({
            "operatorUserId": "manager1",
            "userIdList": ["manager4220"],
            "startTime": 1_599_000_000_000_i64,
            "endTime": 1_599_600_000_000_i64,
            "maxResults": 100,
            "nextToken": 0
        })]
    );
}

#[tokio::test]
async fn the_record_walk_starts_at_zero_and_stops_when_next_token_is_gone() {
    let support::Harness { server, client } = support::v1_harness().await;
    let pages = [
        (
            0,
            json!({"result": {"nextToken": 2, "pageList": [{"userId": "u1"}, {"userId": "u2"}]}}),
        ),
        (
            2,
            json!({"result": {"nextToken": "4", "pageList": [{"userId": "u3"}, {"userId": "u4"}]}}),
        ),
        (4, json!({"result": {"pageList": [{"userId": "u5"}]}})),
    ];
    for (token, answer) in pages {
        Mock::given(method("POST"))
            .and(path(RECORDS))
            .and(body_partial_json(json!({"nextToken": token})))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .mount(&server)
            .await;
    }
    let all = client
        .collect_all(QueryCheckinRecordsRequest::new(
            "manager1",
            ["u1".to_string()],
            1,
            2,
            2,
        ))
        .await
        .unwrap();
    let users: Vec<_> = all.iter().map(|r| r.user_id.clone()).collect();
    assert_eq!(users, ["u1", "u2", "u3", "u4", "u5"]);
    // The cursor is a JSON number on the wire, even when an answer spelled it as text.
    let tokens: Vec<Value> = bodies(&server, RECORDS)
        .await
        .into_iter()
        .map(|b| b["nextToken"].clone())
        .collect();
    assert_eq!(tokens, [json!(0), json!(2), json!(4)]);
}

#[tokio::test]
async fn get_user_holidays_decodes_the_result_list() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(HOLIDAYS))
        .and(header("x-acs-dingtalk-access-token", TOKEN))
        .respond_with(support::example_response(
            "attendance/checkin",
            "get_user_holidays",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let users = client
        .attendance()
        .checkin()
        .get_user_holidays(GetUserHolidaysRequest::new(
            ["fdfi3435".to_string()],
            1_609_430_400_000_i64,
            1_614_528_000_000_i64,
        ))
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user_id, "fdfi3435");
    let holiday = &users[0].holidays[0];
    assert_eq!(holiday.holiday_type, Some(AttendanceHolidayType::Festival));
    assert_eq!(holiday.holiday_name.as_deref(), Some("春节"));
    assert_eq!(holiday.work_date, Some(1_613_059_200_000));
    assert_eq!(holiday.real_work_date, Some(1_612_627_200_000));
    assert_eq!(
        bodies(&server, HOLIDAYS).await,
        [json!({
            "userIds": ["fdfi3435"],
            "workDateFrom": 1_609_430_400_000_i64,
            "workDateTo": 1_614_528_000_000_i64
        })]
    );

    // An unknown kind of day decodes instead of failing the whole answer.
    server.reset().await;
    support::mount_gettoken(&server, TOKEN, 7200).await;
    Mock::given(method("POST"))
        .and(path(HOLIDAYS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "result": [{"userId": "u1", "holidays": [{"workDate": "1613059200000", "holidayType": "company_day"}]}]
        })))
        .mount(&server)
        .await;
    let users = client
        .attendance()
        .checkin()
        .get_user_holidays(GetUserHolidaysRequest::new(["u1".to_string()], 1, 2))
        .await
        .unwrap();
    let holiday = &users[0].holidays[0];
    assert_eq!(
        holiday.holiday_type,
        Some(AttendanceHolidayType::Unknown("company_day".into()))
    );
    assert_eq!(holiday.work_date, Some(1_613_059_200_000));
}
