//! State logic for v1 to-do tasks (`/v1.0/todo/users/{unionId}/...`) and the user's own
//! profile (`/v1.0/contact/users/{unionId}` with a user token).
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - A task belongs to the `unionId` of its path. Another owner's or an unknown task answers,
//!   with the spec's codes, 400 `todo.taskUpdate.paramError` on `update`, 400
//!   `todo.taskDelete.paramError` on `delete`, 400 `todo.taskExecutorStatusUpdate.paramError`
//!   on `executorStatus`, and 404 `invalidRequest.resource.notFound` on `get` (no page names
//!   its code). Ids are `task` + digits; times are milliseconds of a fake clock that starts at
//!   2026-01-01.
//! - A second create with the same `sourceId` for the same owner answers 400
//!   `todo.taskCreate.paramError` ("task exist"), as the spec says.
//! - `executorStatus` sets the listed executors' states and keeps the others' (kept in the
//!   task as `executorStatus`, which `get` does not answer: the spec's task has no such field).
//! - `tasks/list` lists the owner's tasks, `org/tasks/query` those of them created with a
//!   `detailUrl` (the spec's organisation tasks), whose `done` matches `isDone` (all when
//!   absent), newest first, 50 per page; `nextToken` is the offset as text.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::State;

/// The fake clock's epoch, in milliseconds (2026-01-01T00:00:00Z).
const EPOCH_MS: i64 = 1_767_225_600_000;
/// Tasks per list page.
const PAGE: usize = 50;

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("POST /v1.0/todo/users/{unionId}/tasks", create);
    handlers.insert("GET /v1.0/todo/users/{unionId}/tasks/{taskId}", get);
    handlers.insert("PUT /v1.0/todo/users/{unionId}/tasks/{taskId}", update);
    handlers.insert("DELETE /v1.0/todo/users/{unionId}/tasks/{taskId}", delete);
    handlers.insert(
        "PUT /v1.0/todo/users/{unionId}/tasks/{taskId}/executorStatus",
        executor_status,
    );
    handlers.insert("POST /v1.0/todo/users/{unionId}/tasks/list", list);
    handlers.insert("POST /v1.0/todo/users/{unionId}/org/tasks/query", org_list);
    handlers.insert("GET /v1.0/contact/users/{unionId}", me);
}

fn now(state: &mut State) -> i64 {
    EPOCH_MS + i64::try_from(state.next_id()).unwrap_or(0) * 1_000
}

/// How a call refuses a task that is not there (or not the path owner's).
#[derive(Clone, Copy)]
enum Missing {
    Get,
    Update,
    Delete,
    ExecutorStatus,
}

fn not_found(task_id: &str, missing: Missing) -> Rejection {
    let message = format!("task not exist: {task_id}");
    match missing {
        Missing::Get => Rejection::v1(404, "invalidRequest.resource.notFound", message),
        Missing::Update => Rejection::v1(400, "todo.taskUpdate.paramError", message),
        Missing::Delete => Rejection::v1(400, "todo.taskDelete.paramError", message),
        Missing::ExecutorStatus => {
            Rejection::v1(400, "todo.taskExecutorStatusUpdate.paramError", message)
        }
    }
}

/// The task of the path, if `unionId` owns it.
fn owned<'s>(
    state: &'s mut State,
    call: &Call<'_>,
    missing: Missing,
) -> Result<&'s mut Map<String, Value>, Rejection> {
    let owner = call.required_str("unionId")?;
    let task_id = call.required_str("taskId")?;
    state
        .todos
        .get_mut(task_id)
        .filter(|task| task.get("owner").and_then(Value::as_str) == Some(owner))
        .ok_or_else(|| not_found(task_id, missing))
}

/// Fields a create or update may set, copied as sent.
const EDITABLE: [&str; 12] = [
    "subject",
    "description",
    "dueTime",
    "executorIds",
    "participantIds",
    "detailUrl",
    "priority",
    "isOnlyShowExecutor",
    "contentFieldList",
    "notifyConfigs",
    "bizCategoryId",
    "todoType",
];

fn create(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let owner = call.required_str("unionId")?.to_string();
    if let Some(source) = call.str("sourceId") {
        let existing = state.todos.values().find(|t| {
            t.get("owner").and_then(Value::as_str) == Some(&owner)
                && t.get("sourceId").and_then(Value::as_str) == Some(source)
        });
        if existing.is_some() {
            return Err(Rejection::v1(
                400,
                "todo.taskCreate.paramError",
                format!("task exist: sourceId {source}"),
            ));
        }
    }
    let id = format!("task{}", state.next_id());
    let created = now(state);
    let mut task = Map::new();
    task.insert("id".into(), json!(id));
    task.insert("owner".into(), json!(owner));
    task.insert(
        "creatorId".into(),
        json!(call.str("creatorId").unwrap_or(&owner)),
    );
    task.insert("done".into(), json!(false));
    task.insert("createdTime".into(), json!(created));
    task.insert("modifiedTime".into(), json!(created));
    task.insert("source".into(), json!("isv_dingtalkTodo"));
    if let Some(source) = call.str("sourceId") {
        task.insert("sourceId".into(), json!(source));
    }
    for name in EDITABLE {
        if let Some(value) = call.value(name) {
            task.insert(name.into(), value.clone());
        }
    }
    let answer = public(&task);
    state.todos.insert(id, task);
    Ok(answer)
}

/// The task as the API shows it (without the fake's own bookkeeping).
fn public(task: &Map<String, Value>) -> Value {
    let mut task = task.clone();
    task.remove("owner");
    Value::Object(task)
}

fn get(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    Ok(public(owned(state, call, Missing::Get)?))
}

fn update(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let time = now(state);
    let task = owned(state, call, Missing::Update)?;
    for name in EDITABLE.iter().chain(&["done"]) {
        if let Some(value) = call.value(name) {
            task.insert((*name).into(), value.clone());
        }
    }
    task.insert("modifiedTime".into(), json!(time));
    // The spec's `envelope: result`: the pipeline puts this flag under `result`.
    Ok(json!(true))
}

fn delete(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    owned(state, call, Missing::Delete)?;
    let task_id = call.required_str("taskId")?;
    state.todos.remove(task_id);
    Ok(json!({"result": true, "requestId": format!("fakereq{}", task_id)}))
}

fn executor_status(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let changes: Vec<Value> = call
        .value("executorStatusList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let task = owned(state, call, Missing::ExecutorStatus)?;
    let mut statuses: Vec<Value> = task
        .get("executorStatus")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for change in changes {
        match statuses
            .iter_mut()
            .find(|s| s.get("id") == change.get("id"))
        {
            Some(status) => *status = change,
            None => statuses.push(change),
        }
    }
    task.insert("executorStatus".into(), Value::Array(statuses));
    // Under `result`, as for `update`.
    Ok(json!(true))
}

fn list(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    list_of(state, call, false)
}

/// Organisation tasks: those created with a `detailUrl`.
fn org_list(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    list_of(state, call, true)
}

fn list_of(state: &mut State, call: &Call<'_>, org_only: bool) -> Result<Value, Rejection> {
    let owner = call.required_str("unionId")?.to_string();
    let done = call.bool("isDone");
    let start: usize = call
        .str("nextToken")
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap_or(0))
        .unwrap_or(0);
    let mut tasks: Vec<&Map<String, Value>> = state
        .todos
        .values()
        .filter(|t| t.get("owner").and_then(Value::as_str) == Some(&owner))
        .filter(|t| !org_only || t.contains_key("detailUrl"))
        .filter(|t| done.is_none_or(|d| t.get("done").and_then(Value::as_bool) == Some(d)))
        .collect();
    tasks.sort_by_key(|t| std::cmp::Reverse(t.get("createdTime").and_then(Value::as_i64)));
    let total = tasks.len();
    let cards: Vec<Value> = tasks
        .into_iter()
        .skip(start)
        .take(PAGE)
        .map(|t| {
            json!({
                "taskId": t.get("id"),
                "subject": t.get("subject"),
                "dueTime": t.get("dueTime"),
                "detailUrl": t.get("detailUrl"),
                "priority": t.get("priority"),
                "createdTime": t.get("createdTime"),
                "modifiedTime": t.get("modifiedTime"),
                "creatorId": t.get("creatorId"),
                "sourceId": t.get("sourceId"),
                "isDone": t.get("done"),
            })
        })
        .collect();
    let next = start + cards.len();
    let mut answer = json!({"todoCards": cards, "totalCount": total});
    if next < total {
        answer["nextToken"] = json!(next.to_string());
    }
    Ok(answer)
}

/// The user's own profile; `me` stands for the token's user.
fn me(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let asked = call.required_str("unionId")?;
    let acting = call.user.unwrap_or_default();
    let user = if asked == "me" {
        state.org.users.get(acting)
    } else {
        state.org.users.values().find(|u| u.unionid == asked)
    };
    let user = user.ok_or_else(|| {
        Rejection::v1(
            404,
            "invalidParameter.user.notFound",
            format!("用户不存在: {asked}"),
        )
    })?;
    Ok(json!({
        "nick": user.name,
        "unionId": user.unionid,
        "openId": format!("open{}", user.unionid),
        "mobile": user.mobile,
        "email": user.email,
        "stateCode": "86",
        "avatarUrl": "",
    }))
}
