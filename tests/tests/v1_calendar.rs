//! v1 calendar events (`calendar::events`, api.dingtalk.com): every endpoint checked on the
//! wire (method, percent-encoded path, query, headers, JSON body) and against its documented
//! response example, plus a `collect_all` walk over the event list's cursor.

mod support;

use dingtalk_api::calendar::events::{
    CalendarEventAttendeeInput, CalendarEventCardInstance, CalendarEventCategory,
    CalendarEventConfig, CalendarEventDetail, CalendarEventLocationInput,
    CalendarEventOnlineMeetingInput, CalendarEventRecurrence, CalendarEventRecurrencePattern,
    CalendarEventRecurrenceRange, CalendarEventReminderInput, CalendarEventRichText,
    CalendarEventTime, CalendarEventUiConfig, CreateRequest, DeleteRequest, GetRequest,
    ListCalendarsRequest, ListRequest, UpdateRequest,
};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

const MODULE: &str = "calendar/events";
/// A unionId with characters that must be percent-encoded in a path segment.
const USER_ID: &str = "iiiP35+sJ/adba 8a";
const USER_ID_ENCODED: &str = "iiiP35%2BsJ%2Fadba%208a";
const EVENT_ID: &str = "cnNTbW1YbxxxxdEgvdlQrQT09";

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn header_value<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap_or_default())
}

fn events_path() -> String {
    format!("/v1.0/calendar/users/{USER_ID_ENCODED}/calendars/primary/events")
}

fn event_path() -> String {
    format!("{}/{EVENT_ID}", events_path())
}

fn timed(date_time: &str) -> CalendarEventTime {
    CalendarEventTime::new()
        .date_time(date_time)
        .time_zone("Asia/Shanghai")
}

/// The parts of the documented event examples that create, get and update share.
fn assert_documented_event(event: &CalendarEventDetail) {
    assert_eq!(
        event.description.as_deref(),
        Some("something about this event")
    );
    let start = event.start.as_ref().expect("start");
    assert_eq!(start.date.as_deref(), Some("2020-01-01"));
    assert_eq!(
        start.date_time.as_deref(),
        Some("2020-01-01T10:15:30+08:00")
    );
    assert_eq!(start.time_zone.as_deref(), Some("Asia/Shanghai"));
    assert_eq!(event.is_all_day, Some(false));
    let recurrence = event.recurrence.as_ref().expect("recurrence");
    let pattern = recurrence.pattern.as_ref().expect("pattern");
    assert_eq!(pattern.type_.as_deref(), Some("daily"));
    assert_eq!(pattern.day_of_month, Some(14));
    assert_eq!(pattern.interval, Some(1));
    let range = recurrence.range.as_ref().expect("range");
    assert_eq!(range.type_.as_deref(), Some("noEnd"));
    assert_eq!(range.number_of_occurrences, Some(5));
    assert_eq!(event.attendees.len(), 1);
    assert_eq!(event.attendees[0].display_name.as_deref(), Some("jack"));
    assert_eq!(
        event.attendees[0].response_status.as_deref(),
        Some("accepted")
    );
    assert_eq!(event.attendees[0].self_, Some(false));
    assert_eq!(event.attendees[0].is_optional, Some(false));
    let organizer = event.organizer.as_ref().expect("organizer");
    assert_eq!(organizer.display_name.as_deref(), Some("tony"));
    assert_eq!(
        event
            .location
            .as_ref()
            .and_then(|l| l.display_name.as_deref()),
        Some("room 1-2-3")
    );
    // The answer's minutes is the string "15"; it decodes as a number.
    assert_eq!(event.reminders.len(), 1);
    assert_eq!(event.reminders[0].method.as_deref(), Some("dingtalk"));
    assert_eq!(event.reminders[0].minutes, Some(15));
    assert_eq!(
        event.create_time.as_deref(),
        Some("2020-01-01T10:15:30+08:00")
    );
    assert_eq!(
        event.update_time.as_deref(),
        Some("2020-01-01T10:15:30+08:00")
    );
}

#[tokio::test]
async fn create_sends_every_field_and_the_idempotency_header() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", &events_path(), MODULE, "create").await;

    let request = CreateRequest::new(
        USER_ID,
        "primary",
        "周会",
        timed("2020-01-01T10:00:00+08:00"),
    )
    .x_client_token("idem-0001")
    .description("每周例会")
    .end(timed("2020-01-01T11:00:00+08:00"))
    .is_all_day(false)
    .recurrence(
        CalendarEventRecurrence::new()
            .pattern(
                CalendarEventRecurrencePattern::new()
                    .type_("weekly")
                    .days_of_week("monday,friday")
                    .interval(1)
                    .first_day_of_week("monday"),
            )
            .range(
                CalendarEventRecurrenceRange::new()
                    .type_("numbered")
                    .number_of_occurrences(10),
            ),
    )
    .attendees([CalendarEventAttendeeInput::new()
        .id("attendee-union-1")
        .is_optional(true)])
    .location(CalendarEventLocationInput::new().display_name("room 1-2-3"))
    .reminders([CalendarEventReminderInput::new()
        .method("dingtalk")
        .minutes(15)])
    .online_meeting_info(CalendarEventOnlineMeetingInput::new().type_("dingtalk"))
    .extra([
        ("noPushNotification", "true"),
        ("noChatNotification", "false"),
    ])
    .ui_configs([CalendarEventUiConfig::new()
        .ui_name("updateEventButton")
        .ui_status("hide")])
    .rich_text_description(CalendarEventRichText::new().text("<b>议程</b>"))
    .card_instances([CalendarEventCardInstance::new()
        .out_track_id("track-1")
        .scenario("calendar")])
    .categories([CalendarEventCategory::new()
        .category_id("c1")
        .display_name("双周会")])
    .event_config(
        CalendarEventConfig::new()
            .allow_attendee_add_conference(true)
            .allow_attendee_add_participants(false)
            .allow_attendee_create_comment(true),
    )
    .free_busy_status("busy");
    let event = client
        .calendar()
        .events()
        .create(request)
        .await
        .expect("create succeeds");

    let request = support::single_v1_request(&server, "POST", &events_path()).await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(header_value(&request, "x-client-token"), Some("idem-0001"));
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "summary": "周会",
            "description": "每周例会",
            "start": {"dateTime": "2020-01-01T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": "2020-01-01T11:00:00+08:00", "timeZone": "Asia/Shanghai"},
            "isAllDay": false,
            "recurrence": {
                "pattern": {"type": "weekly", "daysOfWeek": "monday,friday", "interval": 1, "firstDayOfWeek": "monday"},
                "range": {"type": "numbered", "numberOfOccurrences": 10}
            },
            "attendees": [{"id": "attendee-union-1", "isOptional": true}],
            "location": {"displayName": "room 1-2-3"},
            "reminders": [{"method": "dingtalk", "minutes": 15}],
            "onlineMeetingInfo": {"type": "dingtalk"},
            "extra": {"noPushNotification": "true", "noChatNotification": "false"},
            "uiConfigs": [{"uiName": "updateEventButton", "uiStatus": "hide"}],
            "richTextDescription": {"text": "<b>议程</b>"},
            "cardInstances": [{"outTrackId": "track-1", "scenario": "calendar"}],
            "categories": [{"categoryId": "c1", "displayName": "双周会"}],
            "eventConfig": {
                "allowAttendeeAddConference": true,
                "allowAttendeeAddParticipants": false,
                "allowAttendeeCreateComment": true
            },
            "freeBusyStatus": "busy"
        })
    );

    assert_eq!(event.id, "iiiP35sJadba8aBSgjrwPRKgiEiF");
    assert_eq!(event.summary.as_deref(), Some("some event"));
    assert_documented_event(&event);
    let meeting = event
        .online_meeting_info
        .as_ref()
        .expect("onlineMeetingInfo");
    assert_eq!(meeting.conference_id.as_deref(), Some("123"));
    assert_eq!(meeting.url.as_deref(), Some("http://meeting"));
    assert_eq!(event.ui_configs.len(), 1);
    assert_eq!(event.ui_configs[0].ui_status.as_deref(), Some("hide"));
}

#[tokio::test]
async fn create_all_day_with_only_required_fields() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", &events_path(), MODULE, "create").await;

    client
        .calendar()
        .events()
        .create(CreateRequest::new(
            USER_ID,
            "primary",
            "全天",
            CalendarEventTime::new().date("2024-06-01"),
        ))
        .await
        .expect("create succeeds");

    let request = support::single_v1_request(&server, "POST", &events_path()).await;
    assert!(request.headers.get("x-client-token").is_none());
    assert_eq!(
        support::json_request_body(&request),
        json!({"summary": "全天", "start": {"date": "2024-06-01"}})
    );
}

#[tokio::test]
async fn list_sends_every_filter_in_the_query() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "GET", &events_path(), MODULE, "list").await;

    let page = client
        .calendar()
        .events()
        .list(
            ListRequest::new(USER_ID, "primary")
                .time_min("2020-01-01T00:00:00+08:00")
                .time_max("2020-12-31T00:00:00+08:00")
                .show_deleted(true)
                .max_results(50)
                .max_attendees(20)
                .next_token("cursor-1")
                .sync_token("sync-1")
                .series_master_id("master-1"),
        )
        .await
        .expect("list succeeds");

    let request = support::single_v1_request(&server, "GET", &events_path()).await;
    support::assert_no_body(&request);
    assert_eq!(
        support::sorted_query(&request),
        pairs(&[
            ("timeMin", "2020-01-01T00:00:00+08:00"),
            ("timeMax", "2020-12-31T00:00:00+08:00"),
            ("showDeleted", "true"),
            ("maxResults", "50"),
            ("maxAttendees", "20"),
            ("nextToken", "cursor-1"),
            ("syncToken", "sync-1"),
            ("seriesMasterId", "master-1"),
        ])
    );

    assert_eq!(page.next_token.as_deref(), Some("cnNTbW1YbxxxxdlQrQT09"));
    assert_eq!(page.sync_token.as_deref(), Some("zxcasdfvc000009"));
    assert_eq!(page.events.len(), 1);
    let event = &page.events[0];
    assert_eq!(event.id, "cnNTbW1YbxxxxdEgvdlQrQT09");
    assert_eq!(event.status.as_deref(), Some("confirmed"));
    assert_eq!(
        event
            .origin_start
            .as_ref()
            .and_then(|o| o.date_time.as_deref()),
        Some("2023-01-01T00:00:00Z")
    );
    assert_eq!(
        event.location.as_ref().map(|l| l.meeting_rooms.clone()),
        Some(vec!["会议室".to_string()])
    );
    assert_eq!(
        event.series_master_id.as_deref(),
        Some("cnNTbWxxxxaFJZdEgvdlQrQT09")
    );
    assert_eq!(event.reminders[0].minutes, Some(15));
    let shared = event
        .extended_properties
        .as_ref()
        .and_then(|p| p.shared_properties.as_ref())
        .expect("sharedProperties");
    assert_eq!(shared.source_open_cid.as_deref(), Some("zxcv90asdf123==="));
    assert_eq!(shared.belong_corp_id.as_deref(), Some("ding*********31"));
    assert_eq!(event.meeting_rooms.len(), 1);
    assert_eq!(
        event.meeting_rooms[0].room_id.as_deref(),
        Some("c10315a8b4e740a317813ab6fxxxxxx")
    );
    assert_eq!(
        event.meeting_rooms[0].display_name.as_deref(),
        Some("1号会议室")
    );
    assert_eq!(event.categories[0].display_name.as_deref(), Some("双周会"));
}

#[tokio::test]
async fn collect_all_follows_next_token_until_it_is_absent() {
    let support::Harness { server, client } = support::v1_harness().await;
    let event = |id: &str| json!({"id": id, "summary": id});
    // The second page is asked for with the first page's cursor.
    Mock::given(method("GET"))
        .and(path(events_path()))
        .and(query_param("nextToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "events": [event("e3")],
            "syncToken": "sync-after-walk"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(events_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "events": [event("e1"), event("e2")],
            "nextToken": "page-2"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let events = client
        .collect_all(ListRequest::new(USER_ID, "primary").time_min("2020-01-01T00:00:00Z"))
        .await
        .expect("all pages");
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);

    let requests = support::v1_requests(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        support::sorted_query(&requests[0]),
        pairs(&[("maxResults", "100"), ("timeMin", "2020-01-01T00:00:00Z")])
    );
    assert_eq!(
        support::sorted_query(&requests[1]),
        pairs(&[
            ("maxResults", "100"),
            ("nextToken", "page-2"),
            ("timeMin", "2020-01-01T00:00:00Z"),
        ])
    );
}

#[tokio::test]
async fn get_reads_one_event() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "GET", &event_path(), MODULE, "get").await;

    let event = client
        .calendar()
        .events()
        .get(GetRequest::new(USER_ID, "primary", EVENT_ID).max_attendees(300))
        .await
        .expect("get succeeds");

    let request = support::single_v1_request(&server, "GET", &event_path()).await;
    support::assert_no_body(&request);
    assert_eq!(
        support::sorted_query(&request),
        pairs(&[("maxAttendees", "300")])
    );

    assert_eq!(event.id, "iiiP35sJxxxxPRKgiEiF");
    assert_eq!(event.summary.as_deref(), Some("test event"));
    assert_eq!(event.status.as_deref(), Some("confirmed"));
    assert_documented_event(&event);
    assert_eq!(
        event
            .online_meeting_info
            .as_ref()
            .and_then(|m| m.conference_id.as_deref()),
        Some("5c4df21d-xxxx-a6db402b9f3a")
    );
    assert_eq!(event.categories[0].display_name.as_deref(), Some("单周会"));
}

#[tokio::test]
async fn update_puts_the_changes_with_the_id_in_path_and_body() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "PUT", &event_path(), MODULE, "update").await;

    let request = UpdateRequest::new(USER_ID, "primary", EVENT_ID, EVENT_ID)
        .x_client_token("idem-0002")
        .summary("改期")
        .description("新描述")
        .start(timed("2020-01-02T10:00:00+08:00"))
        .end(timed("2020-01-02T11:00:00+08:00"))
        .is_all_day(false)
        .attendees([CalendarEventAttendeeInput::new()
            .id("attendee-union-2")
            .email("a@example.com")
            .is_optional(false)])
        .location(CalendarEventLocationInput::new().display_name("room 9"))
        .reminders(Vec::<CalendarEventReminderInput>::new())
        .online_meeting_info(CalendarEventOnlineMeetingInput::new().type_("dingtalk"))
        .extra([("noChatNotification", "true")])
        .ui_configs([CalendarEventUiConfig::new()
            .ui_name("comment")
            .ui_status("disable")])
        .rich_text_description(CalendarEventRichText::new().text("富文本"))
        .card_instances([CalendarEventCardInstance::new().out_track_id("track-2")])
        .categories([CalendarEventCategory::new().display_name("周会")])
        .free_busy_status("free");
    let event = client
        .calendar()
        .events()
        .update(request)
        .await
        .expect("update succeeds");

    let request = support::single_v1_request(&server, "PUT", &event_path()).await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(header_value(&request, "x-client-token"), Some("idem-0002"));
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "id": EVENT_ID,
            "summary": "改期",
            "description": "新描述",
            "start": {"dateTime": "2020-01-02T10:00:00+08:00", "timeZone": "Asia/Shanghai"},
            "end": {"dateTime": "2020-01-02T11:00:00+08:00", "timeZone": "Asia/Shanghai"},
            "isAllDay": false,
            "attendees": [{"id": "attendee-union-2", "email": "a@example.com", "isOptional": false}],
            "location": {"displayName": "room 9"},
            "reminders": [],
            "onlineMeetingInfo": {"type": "dingtalk"},
            "extra": {"noChatNotification": "true"},
            "uiConfigs": [{"uiName": "comment", "uiStatus": "disable"}],
            "richTextDescription": {"text": "富文本"},
            "cardInstances": [{"outTrackId": "track-2"}],
            "categories": [{"displayName": "周会"}],
            "freeBusyStatus": "free"
        })
    );

    assert_eq!(event.id, "iiiP35sJadba8aBSgjrwPRKgiEiF");
    assert_documented_event(&event);
}

#[tokio::test]
async fn delete_sends_the_flag_and_header_and_accepts_an_empty_answer() {
    let support::Harness { server, client } = support::v1_harness().await;
    // The documented answer is "HTTP/1.1 200 OK" with no body.
    Mock::given(method("DELETE"))
        .and(path(event_path()))
        .and(header("x-acs-dingtalk-access-token", support::TOKEN))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    client
        .calendar()
        .events()
        .delete(
            DeleteRequest::new(USER_ID, "primary", EVENT_ID)
                .push_notification(true)
                .x_client_token("idem-0003"),
        )
        .await
        .expect("delete succeeds");

    let request = support::single_v1_request(&server, "DELETE", &event_path()).await;
    support::assert_no_body(&request);
    assert_eq!(
        support::sorted_query(&request),
        pairs(&[("pushNotification", "true")])
    );
    assert_eq!(header_value(&request, "x-client-token"), Some("idem-0003"));
}

#[tokio::test]
async fn list_calendars_decodes_the_double_wrapper() {
    let support::Harness { server, client } = support::v1_harness().await;
    let endpoint_path = format!("/v1.0/calendar/users/{USER_ID_ENCODED}/calendars");
    support::expect_v1_example(&server, "GET", &endpoint_path, MODULE, "list_calendars").await;

    let answer = client
        .calendar()
        .events()
        .list_calendars(ListCalendarsRequest::new(USER_ID))
        .await
        .expect("list_calendars succeeds");

    let request = support::single_v1_request(&server, "GET", &endpoint_path).await;
    support::assert_no_body(&request);
    assert!(support::sorted_query(&request).is_empty());

    let calendars = answer.response.expect("response").calendars;
    assert_eq!(calendars.len(), 1);
    let calendar = &calendars[0];
    assert_eq!(calendar.id, "cnNTbWxxx");
    assert_eq!(calendar.summary.as_deref(), Some("标题"));
    assert_eq!(calendar.description.as_deref(), Some("描述"));
    assert_eq!(calendar.time_zone.as_deref(), Some("Asia/Shanghai"));
    assert_eq!(calendar.e_tag.as_deref(), Some("0"));
    assert_eq!(calendar.type_.as_deref(), Some("primary"));
    assert_eq!(calendar.privilege.as_deref(), Some("VIEW_DETAIL"));
}
