//! The inbox's JSON API (`/_inbox/api/...`, documented in the module above): reading the
//! views, and acting as the people of the organisation.

use std::sync::{Arc, Weak};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{Approval, Hub, Inbox, Press, error, json as json_response, view};
use crate::check::{Params, Rejection};
use crate::faults::Fault;
use crate::handlers::Call;
use crate::org::{Department, ROOT};
use crate::server::{Shared, lock};
use crate::state::State;

/// Largest request body the inbox reads.
const MAX_BODY: usize = 64 * 1024;
/// How long the inbox waits for the app's ACK of a card press.
const ANSWER_PATIENCE: Duration = Duration::from_secs(30);
/// Longest text a person may write to the robot in one message.
const MAX_TEXT_CHARS: usize = 5000;

/// A refusal: HTTP status, a stable code, a sentence.
struct ApiError(StatusCode, String, String);

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError(status, code.to_string(), message.into())
    }

    fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    /// A refusal of the contact logic, with DingTalk's errcode.
    fn rejected(rejection: Rejection) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("errcode{}", rejection.errcode),
            rejection.errmsg,
        )
    }
}

type Answer = Result<Value, ApiError>;

fn inbox(shared: &Shared) -> Result<&Inbox, ApiError> {
    shared
        .inbox
        .as_ref()
        .ok_or_else(|| ApiError::not_found("inboxOff", "the inbox is off"))
}

fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let at = err.path().to_string();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "badBody",
            format!("the body does not read (at `{at}`): {}", err.inner()),
        )
    })
}

pub(super) async fn answer(
    shared: &Arc<Shared>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().unwrap_or_default().to_string();
    let is_json = request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if method == Method::POST && !is_json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expectedJson",
            "send the body as Content-Type: application/json",
        );
    }
    let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "bodyTooLarge",
                format!("the inbox reads at most {MAX_BODY} bytes"),
            );
        }
    };
    let rest = path.strip_prefix("/_inbox/api/").unwrap_or_default();
    let segments: Vec<String> = rest.split('/').map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match route(shared, &method, &segments, &query, &body).await {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(ApiError(status, code, message)) => error(status, &code, message),
    }
}

async fn route(
    shared: &Arc<Shared>,
    method: &Method,
    segments: &[&str],
    query: &str,
    body: &[u8],
) -> Answer {
    let inbox = inbox(shared)?;
    match (method.as_str(), segments) {
        ("GET", ["overview"]) => Ok(overview(shared, inbox)),
        ("GET", ["users", userid]) => read(shared, inbox, |state, hub| {
            view::user(state, hub, userid)
                .ok_or_else(|| ApiError::not_found("unknownUser", format!("no user `{userid}`")))
        }),
        ("GET", ["groups", id]) => read(shared, inbox, |state, hub| {
            view::group(state, hub, id)
                .ok_or_else(|| ApiError::not_found("unknownGroup", format!("no group `{id}`")))
        }),
        ("GET", ["robots"]) => read(shared, inbox, |state, hub| Ok(view::robots(state, hub))),
        ("GET", ["requests"]) => {
            let since = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "since")
                .and_then(|(_, v)| v.parse::<u64>().ok())
                .unwrap_or(0);
            Ok(view::requests(&lock(&inbox.hub), since))
        }
        ("GET", ["faults"]) => Ok(faults(shared)),
        ("GET", ["endpoints"]) => Ok(endpoints(shared)),
        ("GET", ["approvals"]) => Ok(view::approvals(&lock(&inbox.hub))),
        ("POST", ["open"]) => open(shared, inbox, parse(body)?),
        ("POST", ["cards", "press"]) => press(shared, inbox, parse(body)?),
        ("POST", ["robot", "messages"]) => write_to_robot(shared, parse(body)?).await,
        ("POST", ["approvals"]) => start_approval(shared, inbox, parse(body)?),
        ("POST", ["approvals", id, "decide"]) => decide(shared, inbox, id, parse(body)?),
        ("POST", ["users"]) => change_user(shared, inbox, None, parse(body)?),
        ("POST", ["users", userid]) => change_user(shared, inbox, Some(userid), parse(body)?),
        ("DELETE", ["users", userid]) => remove_user(shared, inbox, userid),
        ("POST", ["departments"]) => create_department(shared, inbox, parse(body)?),
        ("POST", ["departments", id]) => change_department(shared, inbox, id, parse(body)?),
        ("DELETE", ["departments", id]) => remove_department(shared, inbox, id),
        ("POST", ["faults"]) => inject(shared, inbox, parse(body)?),
        ("DELETE", ["faults"]) => {
            lock(&shared.faults).clear();
            inbox.touch();
            Ok(faults(shared))
        }
        ("DELETE", ["faults", index]) => {
            let removed = index
                .parse::<usize>()
                .ok()
                .and_then(|i| lock(&shared.faults).remove(i));
            if removed.is_none() {
                return Err(ApiError::not_found(
                    "unknownFault",
                    format!("no pending fault {index}"),
                ));
            }
            inbox.touch();
            Ok(faults(shared))
        }
        ("POST", ["reset"]) => Ok(reset(shared, inbox)),
        (_, path) => {
            let known = [
                "overview",
                "users",
                "groups",
                "robots",
                "requests",
                "faults",
                "approvals",
                "endpoints",
                "open",
                "cards",
                "robot",
                "departments",
                "reset",
            ];
            if path.first().is_some_and(|p| known.contains(p)) {
                Err(ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "wrongMethod",
                    format!("{method} is not served for /_inbox/api/{}", path.join("/")),
                ))
            } else {
                Err(ApiError::not_found(
                    "notFound",
                    format!("no inbox API /_inbox/api/{}", path.join("/")),
                ))
            }
        }
    }
}

/// Runs a read model under the state's and the inbox's locks (state first, always).
fn read(shared: &Shared, inbox: &Inbox, f: impl FnOnce(&State, &Hub) -> Answer) -> Answer {
    let state = lock(&shared.state);
    let mut hub = lock(&inbox.hub);
    hub.observe(&state);
    f(&state, &hub)
}

fn overview(shared: &Shared, inbox: &Inbox) -> Value {
    let stream = (shared.stream.sessions(), shared.stream.unacked());
    let http_url = lock(&shared.robot_http_url).clone();
    let faults = lock(&shared.faults).pending().len();
    let revision = inbox.revision();
    let state = lock(&shared.state);
    let mut hub = lock(&inbox.hub);
    hub.observe(&state);
    view::overview(&state, &hub, stream, http_url, faults, revision)
}

fn faults(shared: &Shared) -> Value {
    let faults = lock(&shared.faults);
    let items: Vec<Value> = faults
        .pending()
        .iter()
        .enumerate()
        .map(|(i, f)| view::fault(i, f))
        .collect();
    json!({"faults": items})
}

/// Every endpoint the fake serves (for choosing where a fault strikes).
fn endpoints(shared: &Shared) -> Value {
    let items: Vec<Value> = shared
        .catalog
        .routes
        .iter()
        .map(|r| json!({"name": r.name, "method": r.method.as_str(), "path": r.path}))
        .collect();
    json!({"endpoints": items})
}

fn known_user(state: &State, userid: &str) -> Result<(), ApiError> {
    if state.org.users.contains_key(userid) {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "unknownUser",
            format!("no user `{userid}` in the organisation"),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    userid: String,
    message: String,
}

fn open(shared: &Shared, inbox: &Inbox, body: OpenBody) -> Answer {
    {
        let mut state = lock(&shared.state);
        known_user(&state, &body.userid)?;
        let (kind, id) = body.message.split_once(':').unwrap_or(("", ""));
        let marked = match kind {
            "notice" => {
                let task_id = id
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid(format!("`{id}` is not a task id")))?;
                state.mark_notice_read(task_id, &body.userid)
            }
            "chat" => state.mark_chat_message_read(id, &body.userid),
            "robot" => state.mark_robot_message_read(id, &body.userid),
            _ => {
                return Err(ApiError::invalid(format!(
                    "`{}` has no read status in DingTalk (work notices, chat/send and v1 robot messages do)",
                    body.message
                )));
            }
        };
        marked.map_err(|why| ApiError::new(StatusCode::CONFLICT, "cannotRead", why))?;
    }
    inbox.touch();
    Ok(json!({"ok": true}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PressBody {
    userid: String,
    out_track_id: String,
    action_id: String,
    #[serde(default)]
    params: Map<String, Value>,
}

fn press(shared: &Arc<Shared>, inbox: &Inbox, body: PressBody) -> Answer {
    if body.action_id.trim().is_empty() {
        return Err(ApiError::invalid("actionId must not be empty"));
    }
    let corp_id = {
        let state = lock(&shared.state);
        known_user(&state, &body.userid)?;
        if !state.cards.contains_key(&body.out_track_id) {
            return Err(ApiError::not_found(
                "unknownCard",
                format!("no card `{}`", body.out_track_id),
            ));
        }
        state.org.corp_id.clone()
    };
    let content =
        json!({"cardPrivateData": {"actionIds": [body.action_id], "params": body.params}});
    let payload = json!({
        "type": "actionCallback",
        "outTrackId": body.out_track_id,
        "corpId": corp_id,
        "userId": body.userid,
        "content": content.to_string(),
    });
    let message_id = shared
        .stream
        .push_callback(dingtalk_api::events::CardCallback::TOPIC, &payload);
    {
        let mut hub = lock(&inbox.hub);
        let stamp = hub.next_stamp();
        hub.presses.push(Press {
            stamp,
            userid: body.userid,
            out_track_id: body.out_track_id.clone(),
            action_id: body.action_id,
            message_id: message_id.clone(),
            answer: None,
        });
    }
    inbox.touch();
    tokio::spawn(await_answer(
        Arc::downgrade(shared),
        message_id.clone(),
        body.out_track_id,
    ));
    Ok(json!({"messageId": message_id, "streamClients": shared.stream.sessions()}))
}

/// Waits for the app's ACK of a card press; card data in it updates the card, as DingTalk
/// applies a callback's answer.
async fn await_answer(shared: Weak<Shared>, message_id: String, out_track_id: String) {
    let started = tokio::time::Instant::now();
    while started.elapsed() < ANSWER_PATIENCE {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let Some(ack) = shared.stream.ack_of(&message_id) else {
            continue;
        };
        let answer = ack.get("response").cloned().unwrap_or(ack);
        if let Some(params) = answer["cardData"]["cardParamMap"].as_object() {
            let by_key = answer["cardUpdateOptions"]["updateCardDataByKey"]
                .as_bool()
                .unwrap_or(false);
            if let Some(card) = lock(&shared.state).cards.get_mut(&out_track_id) {
                if by_key {
                    card.params.extend(params.clone());
                } else {
                    card.params = params.clone();
                }
            }
        }
        if let Some(inbox) = &shared.inbox {
            if let Some(press) = lock(&inbox.hub)
                .presses
                .iter_mut()
                .find(|p| p.message_id == message_id)
            {
                press.answer = Some(answer);
            }
            inbox.touch();
        }
        return;
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteBody {
    userid: String,
    text: String,
}

async fn write_to_robot(shared: &Arc<Shared>, body: WriteBody) -> Answer {
    if body.text.trim().is_empty() {
        return Err(ApiError::invalid("the message is empty"));
    }
    if body.text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::invalid(format!(
            "at most {MAX_TEXT_CHARS} characters"
        )));
    }
    known_user(&lock(&shared.state), &body.userid)?;
    let handle = crate::FakeHandle {
        shared: shared.clone(),
    };
    match handle.user_writes_to_robot(&body.userid, &body.text).await {
        Ok(message_id) => Ok(json!({"messageId": message_id})),
        Err(why) => Err(ApiError::new(StatusCode::BAD_GATEWAY, "notDelivered", why)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApprovalBody {
    originator: String,
    approver: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    process_code: Option<String>,
}

fn start_approval(shared: &Shared, inbox: &Inbox, body: ApprovalBody) -> Answer {
    let (id, task_id, corp_id) = {
        let mut state = lock(&shared.state);
        known_user(&state, &body.originator)?;
        known_user(&state, &body.approver)?;
        let n = state.next_id();
        (
            format!("fakeproc{n:012x}"),
            811_000 + n as i64,
            state.org.corp_id.clone(),
        )
    };
    let now = crate::push::now_ms();
    let approval = Approval {
        id: id.clone(),
        task_id,
        process_code: body
            .process_code
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "PROC-FAKE-LEAVE".to_string()),
        title: body
            .title
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("Leave request of {}", body.originator)),
        originator: body.originator,
        approver: body.approver,
        created_ms: now,
        status: "running".into(),
        remark: None,
        events: Vec::new(),
    };
    let instance = approval_payload(shared, &approval, &corp_id, "start", None);
    let task = task_payload(&approval, &corp_id, "start", None);
    let events = vec![
        (
            "bpms_instance_change".to_string(),
            crate::push::publish(shared, "bpms_instance_change", instance),
        ),
        (
            "bpms_task_change".to_string(),
            crate::push::publish(shared, "bpms_task_change", task),
        ),
    ];
    lock(&inbox.hub)
        .approvals
        .push(Approval { events, ..approval });
    inbox.touch();
    Ok(view::approvals(&lock(&inbox.hub)))
}

fn approval_payload(
    shared: &Shared,
    approval: &Approval,
    corp_id: &str,
    kind: &str,
    result: Option<&str>,
) -> Value {
    let mut payload = json!({
        "processInstanceId": approval.id,
        "processCode": approval.process_code,
        "bizCategoryId": "",
        "businessId": format!("{}", approval.task_id),
        "title": approval.title,
        "type": kind,
        "staffId": approval.originator,
        "createTime": approval.created_ms,
        "url": format!("{}/_inbox/#/approvals", shared.base_url),
        "corpId": corp_id,
    });
    if let Some(result) = result {
        payload["result"] = json!(result);
        payload["finishTime"] = json!(crate::push::now_ms());
    }
    payload
}

fn task_payload(approval: &Approval, corp_id: &str, kind: &str, result: Option<&str>) -> Value {
    let mut payload = json!({
        "processInstanceId": approval.id,
        "processCode": approval.process_code,
        "bizCategoryId": "",
        "businessId": format!("{}", approval.task_id),
        "title": approval.title,
        "taskId": approval.task_id,
        "type": kind,
        "staffId": approval.approver,
        "createTime": approval.created_ms,
        "corpId": corp_id,
    });
    if let Some(result) = result {
        payload["result"] = json!(result);
        payload["remark"] = json!(approval.remark.clone().unwrap_or_default());
        payload["finishTime"] = json!(crate::push::now_ms());
    }
    payload
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecideBody {
    result: String,
    #[serde(default)]
    remark: Option<String>,
}

fn decide(shared: &Shared, inbox: &Inbox, id: &str, body: DecideBody) -> Answer {
    if !matches!(body.result.as_str(), "agree" | "refuse") {
        return Err(ApiError::invalid("result is `agree` or `refuse`"));
    }
    let corp_id = lock(&shared.state).org.corp_id.clone();
    let approval = {
        let mut hub = lock(&inbox.hub);
        let approval = hub
            .approvals
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(|| ApiError::not_found("unknownApproval", format!("no approval `{id}`")))?;
        if approval.status != "running" {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "alreadyDecided",
                format!("approval `{id}` was already decided: {}", approval.status),
            ));
        }
        approval.status = body.result.clone();
        approval.remark = body.remark.clone();
        approval.clone()
    };
    let result = Some(body.result.as_str());
    let task = task_payload(&approval, &corp_id, "finish", result);
    let instance = approval_payload(shared, &approval, &corp_id, "finish", result);
    let events = [
        (
            "bpms_task_change".to_string(),
            crate::push::publish(shared, "bpms_task_change", task),
        ),
        (
            "bpms_instance_change".to_string(),
            crate::push::publish(shared, "bpms_instance_change", instance),
        ),
    ];
    if let Some(stored) = lock(&inbox.hub).approvals.iter_mut().find(|a| a.id == id) {
        stored.events.extend(events);
    }
    inbox.touch();
    Ok(view::approvals(&lock(&inbox.hub)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserBody {
    #[serde(default)]
    userid: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    dept_ids: Option<Vec<i64>>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    job_number: Option<String>,
    #[serde(default)]
    manager_userid: Option<String>,
}

/// Runs one of the fake's own contact handlers (the same checks and events as the API).
fn contact_call(
    shared: &Shared,
    inbox: &Inbox,
    endpoint: &str,
    values: Map<String, Value>,
) -> Answer {
    let handler = shared.handlers.get(endpoint).copied().ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "noHandler",
            format!("the fake has no handler for {endpoint}"),
        )
    })?;
    let params = Params {
        values,
        unknown: Vec::new(),
        files: Default::default(),
    };
    let result = {
        let mut state = lock(&shared.state);
        handler(
            &mut state,
            &Call {
                params: &params,
                user: None,
            },
        )
    };
    crate::push::flush(shared);
    inbox.touch();
    result.map_err(ApiError::rejected)
}

fn change_user(shared: &Shared, inbox: &Inbox, userid: Option<&str>, body: UserBody) -> Answer {
    let mut values = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            values.insert(key.to_string(), value);
        }
    };
    let target = userid.map(str::to_string).or(body.userid.clone());
    if userid.is_some() && body.userid.as_deref().is_some_and(|u| Some(u) != userid) {
        return Err(ApiError::invalid("a userid cannot be changed"));
    }
    if userid.is_none() && body.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::invalid("a new user needs a name"));
    }
    if userid.is_none() && body.dept_ids.as_ref().is_none_or(Vec::is_empty) {
        return Err(ApiError::invalid("a new user needs deptIds"));
    }
    put("userid", target.clone().map(Value::from));
    put("name", body.name.map(Value::from));
    put("dept_id_list", body.dept_ids.map(|d| json!(d)));
    put("mobile", body.mobile.map(Value::from));
    put("title", body.title.map(Value::from));
    put("email", body.email.map(Value::from));
    put("job_number", body.job_number.map(Value::from));
    put("manager_userid", body.manager_userid.map(Value::from));
    match userid {
        Some(userid) => {
            known_user(&lock(&shared.state), userid)?;
            contact_call(shared, inbox, "contact.user.update_v2", values)?;
            Ok(json!({"userid": userid}))
        }
        None => contact_call(shared, inbox, "contact.user.create_v2", values),
    }
}

fn remove_user(shared: &Shared, inbox: &Inbox, userid: &str) -> Answer {
    known_user(&lock(&shared.state), userid)?;
    let values = Map::from_iter([("userid".to_string(), json!(userid))]);
    contact_call(shared, inbox, "contact.user.delete_v2", values)?;
    Ok(json!({"userid": userid}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DepartmentBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parent_id: Option<i64>,
}

fn department_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .map_err(|_| ApiError::invalid(format!("`{id}` is not a department id")))
}

/// A department name must be new among its siblings (DingTalk's 60008).
fn check_name(state: &State, parent: i64, name: &str, except: Option<i64>) -> Result<(), ApiError> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid("a department needs a name"));
    }
    if !state.org.departments.contains_key(&parent) {
        return Err(ApiError::not_found(
            "unknownDepartment",
            format!("no department {parent}"),
        ));
    }
    let taken = state
        .org
        .children(parent)
        .iter()
        .any(|d| d.name == name && Some(d.id) != except);
    if taken {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "errcode60008",
            format!("父部门下该部门名称已存在: `{name}` is taken under department {parent}"),
        ));
    }
    Ok(())
}

fn create_department(shared: &Shared, inbox: &Inbox, body: DepartmentBody) -> Answer {
    let id = {
        let mut state = lock(&shared.state);
        let parent = body.parent_id.unwrap_or(ROOT);
        let name = body.name.unwrap_or_default();
        check_name(&state, parent, &name, None)?;
        let id = state.org.next_department_id();
        let order = state.org.children(parent).len() as i64;
        state.org.departments.insert(
            id,
            Department {
                id,
                name,
                parent_id: Some(parent),
                order,
                source_identifier: None,
                create_dept_group: false,
                auto_add_user: false,
                manager_userids: Vec::new(),
            },
        );
        state.emit("org_dept_create", json!({"deptId": [id]}));
        id
    };
    crate::push::flush(shared);
    inbox.touch();
    Ok(json!({"id": id}))
}

fn change_department(shared: &Shared, inbox: &Inbox, id: &str, body: DepartmentBody) -> Answer {
    let id = department_id(id)?;
    {
        let mut state = lock(&shared.state);
        let Some(current) = state.org.departments.get(&id).cloned() else {
            return Err(ApiError::not_found(
                "unknownDepartment",
                format!("no department {id}"),
            ));
        };
        if id == ROOT && body.parent_id.is_some() {
            return Err(ApiError::invalid("the root department has no parent"));
        }
        let parent = body.parent_id.or(current.parent_id);
        if let Some(parent) = parent
            && state.org.path_to_root(parent).contains(&id)
        {
            return Err(ApiError::invalid(format!(
                "department {parent} is {id} itself or below it"
            )));
        }
        let name = body.name.unwrap_or(current.name.clone());
        if let Some(parent) = parent {
            check_name(&state, parent, &name, Some(id))?;
        } else if name.trim().is_empty() {
            return Err(ApiError::invalid("a department needs a name"));
        }
        if let Some(dept) = state.org.departments.get_mut(&id) {
            dept.name = name;
            dept.parent_id = parent;
        }
        state.emit("org_dept_modify", json!({"deptId": [id]}));
    }
    crate::push::flush(shared);
    inbox.touch();
    Ok(json!({"id": id}))
}

fn remove_department(shared: &Shared, inbox: &Inbox, id: &str) -> Answer {
    let id = department_id(id)?;
    {
        let mut state = lock(&shared.state);
        if id == ROOT {
            return Err(ApiError::invalid("the root department cannot be removed"));
        }
        if !state.org.departments.contains_key(&id) {
            return Err(ApiError::not_found(
                "unknownDepartment",
                format!("no department {id}"),
            ));
        }
        if !state.org.children(id).is_empty() || !state.org.members(id).is_empty() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "errcode60004",
                format!("部门下存在子部门或员工: department {id} is not empty"),
            ));
        }
        state.org.departments.remove(&id);
        state.emit("org_dept_remove", json!({"deptId": [id]}));
    }
    crate::push::flush(shared);
    inbox.touch();
    Ok(json!({"id": id}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultBody {
    #[serde(default)]
    endpoint: Option<String>,
    kind: String,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    always: bool,
    #[serde(default)]
    after_processing: bool,
}

fn inject(shared: &Shared, inbox: &Inbox, body: FaultBody) -> Answer {
    let status = |fallback: u16| -> Result<u16, ApiError> {
        let status = body.status.unwrap_or(fallback);
        if (400..=599).contains(&status) {
            Ok(status)
        } else {
            Err(ApiError::invalid(
                "status is an HTTP error status, 400 to 599",
            ))
        }
    };
    let mut fault = match body.kind.as_str() {
        "errcode" => Fault::errcode(
            body.errcode
                .ok_or_else(|| ApiError::invalid("an errcode fault needs `errcode`"))?,
            body.errmsg
                .clone()
                .unwrap_or_else(|| "injected by the inbox".into()),
        ),
        "httpStatus" => Fault::http_status(status(502)?),
        "delay" => {
            let ms = body.ms.unwrap_or(1000);
            if ms > 600_000 {
                return Err(ApiError::invalid("a delay is at most 600000 ms"));
            }
            Fault::delay(Duration::from_millis(ms))
        }
        "malformedBody" => Fault::malformed_body(),
        "dropConnection" => Fault::drop_connection(),
        "v1Error" => Fault::v1_error(
            status(400)?,
            body.code
                .clone()
                .unwrap_or_else(|| "Forbidden.AccessDenied".into()),
            body.message
                .clone()
                .unwrap_or_else(|| "injected by the inbox".into()),
        ),
        other => {
            return Err(ApiError::invalid(format!(
                "unknown fault kind `{other}` (errcode, httpStatus, delay, malformedBody, dropConnection, v1Error)"
            )));
        }
    };
    if let Some(endpoint) = body.endpoint.filter(|e| !e.trim().is_empty()) {
        fault = fault.on(endpoint.trim());
    }
    fault = match (body.always, body.times) {
        (true, _) => fault.always(),
        (false, Some(0)) => return Err(ApiError::invalid("times is at least 1")),
        (false, Some(n)) => fault.times(n),
        (false, None) => fault,
    };
    if body.after_processing {
        fault = fault.after_processing();
    }
    lock(&shared.faults).push(fault);
    inbox.touch();
    Ok(faults(shared))
}

/// The state as at start; the app's configuration (robot code, HTTP callback, custom robots)
/// and the tokens stay.
fn reset(shared: &Shared, inbox: &Inbox) -> Value {
    {
        let mut state = lock(&shared.state);
        let mut fresh = State::new(inbox.initial_org.clone());
        fresh.robot_code = std::mem::take(&mut state.robot_code);
        fresh.callback = state.callback.take();
        fresh.custom_robots = std::mem::take(&mut state.custom_robots);
        *state = fresh;
        *lock(&inbox.hub) = Hub::default();
    }
    lock(&shared.faults).clear();
    inbox.touch();
    json!({"ok": true})
}
