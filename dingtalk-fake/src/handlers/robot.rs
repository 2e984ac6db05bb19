//! State logic for the app robot's v1 messages (`/v1.0/robot/...`): sends to a group or to
//! people, recalls, and read status. Every send is recorded as a [`RobotMessage`] and one
//! [`Delivery`] per recipient, in the same delivery log as classic chat messages and work
//! notices.
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - The app's robot code is its app key ([`State::robot_code`]); another code answers 400
//!   `invalidParameter.robotCode.auth`. The robot is in every group.
//! - A group send reaches every member; a one-to-one send the users the organisation knows
//!   (unknown ones come back in `invalidStaffIdList`); more than 20 users answer 400
//!   `invalidParameter.userIds.overMax`.
//! - A group the fake does not know answers 400 `invalid.openConversationId` on sends and
//!   `illegal.openconevrsation.id` (sic) on the robot list, and a group disbanded through
//!   the v1 API 400 `group.disbanded` (the spec's codes).
//! - Recalling marks the message and its deliveries recalled; an unknown key is listed in
//!   `failedResult`. Read status lists the readers marked with
//!   [`State::mark_robot_message_read`] (nobody has read a fresh message); a recalled message
//!   reports `sendStatus` `RECALLED` and keeps its readers.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::chat::{base64, id_bytes};
use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{Channel, Delivery, RobotMessage, State};

/// Users per one-to-one batch send.
const MAX_USERS_PER_SEND: usize = 20;
/// Keys per recall.
const MAX_RECALL_KEYS: usize = 20;

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("POST /v1.0/robot/groupMessages/send", group_send);
    handlers.insert("POST /v1.0/robot/privateChatMessages/send", private_send);
    handlers.insert("POST /v1.0/robot/oToMessages/batchSend", batch_send);
    handlers.insert("POST /v1.0/robot/groupMessages/recall", group_recall);
    handlers.insert("POST /v1.0/robot/otoMessages/batchRecall", batch_recall);
    handlers.insert("POST /v1.0/robot/groupMessages/query", group_read_status);
    handlers.insert("GET /v1.0/robot/oToMessages/readStatus", oto_read_status);
    handlers.insert("POST /v1.0/robot/groups/robots/query", robots_in_group);
}

fn invalid(code: &str, message: impl Into<String>) -> Rejection {
    Rejection::v1(400, code, message)
}

fn check_robot(state: &State, call: &Call<'_>) -> Result<String, Rejection> {
    let code = call.required_str("robotCode")?;
    if code != state.robot_code {
        return Err(invalid(
            "invalidParameter.robotCode.auth",
            format!("robotCode {code} 与调用应用不匹配"),
        ));
    }
    Ok(code.to_string())
}

/// The flattened `message` parameter: `(msgKey, msgParam)`.
fn message(call: &Call<'_>) -> Result<(String, Value), Rejection> {
    let message = call
        .value("message")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("invalidParameter.msgKey.empty", "缺少msgKey"))?;
    let key = message
        .get("msgKey")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let param = message.get("msgParam").cloned().unwrap_or(Value::Null);
    Ok((key, param))
}

fn new_key(state: &mut State) -> String {
    let seed = state.next_id();
    format!(
        "pqk{}",
        base64(&id_bytes(seed)).replace(['+', '/', '='], "")
    )
}

/// Records a send and its deliveries; returns the `processQueryKey`.
fn record(
    state: &mut State,
    robot_code: String,
    open_conversation_id: Option<String>,
    recipients: Vec<String>,
    (msg_key, msg_param): (String, Value),
) -> String {
    let key = new_key(state);
    let msg = json!({"msgKey": msg_key, "msgParam": msg_param});
    for userid in &recipients {
        let channel = match &open_conversation_id {
            Some(cid) => Channel::RobotGroup {
                open_conversation_id: cid.clone(),
                process_query_key: key.clone(),
            },
            None => Channel::RobotOneToOne {
                process_query_key: key.clone(),
            },
        };
        state.deliveries.push(Delivery {
            userid: userid.clone(),
            channel,
            msg: msg.clone(),
            recalled: false,
        });
    }
    state.robot_messages.insert(
        key.clone(),
        RobotMessage {
            process_query_key: key.clone(),
            robot_code,
            open_conversation_id,
            recipients,
            msg_key,
            msg_param,
            recalled: false,
            read_by: Vec::new(),
        },
    );
    key
}

/// The group of the call's `openConversationId` and its members; an unknown group answers
/// `unknown_code`, a disbanded one `group.disbanded`.
fn group_members(
    state: &State,
    call: &Call<'_>,
    unknown_code: &str,
) -> Result<(String, Vec<String>), Rejection> {
    let cid = call.required_str("openConversationId")?;
    if state.disbanded_groups.contains(cid) {
        return Err(invalid("group.disbanded", format!("群已解散: {cid}")));
    }
    let chat = state
        .chat_by_open_id(cid)
        .ok_or_else(|| invalid(unknown_code, format!("群会话不存在: {cid}")))?;
    Ok((cid.to_string(), chat.members.clone()))
}

fn group_send(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let robot = check_robot(state, call)?;
    let (cid, members) = group_members(state, call, "invalid.openConversationId")?;
    let message = message(call)?;
    let key = record(state, robot, Some(cid), members, message);
    Ok(json!({"processQueryKey": key}))
}

/// A send into a one-to-one or group conversation the robot is part of.
fn private_send(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    group_send(state, call)
}

fn batch_send(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let robot = check_robot(state, call)?;
    let users = super::chat::dedup(call.strings("userIds"));
    if users.is_empty() {
        return Err(invalid("invalidParameter.userIds.empty", "userIds不能为空"));
    }
    if users.len() > MAX_USERS_PER_SEND {
        return Err(invalid(
            "invalidParameter.userIds.overMax",
            format!("userIds最多{MAX_USERS_PER_SEND}个"),
        ));
    }
    let message = message(call)?;
    let (known, invalid_ids): (Vec<String>, Vec<String>) = users
        .into_iter()
        .partition(|u| state.org.users.contains_key(u));
    let key = record(state, robot, None, known, message);
    Ok(json!({
        "processQueryKey": key,
        "invalidStaffIdList": invalid_ids,
        "flowControlledStaffIdList": [],
    }))
}

fn recall(state: &mut State, call: &Call<'_>, group: Option<&str>) -> Result<Value, Rejection> {
    let keys = call.strings("processQueryKeys");
    if keys.len() > MAX_RECALL_KEYS {
        return Err(invalid(
            "invalidParameter.processQueryKeys.overMax",
            format!("processQueryKeys最多{MAX_RECALL_KEYS}个"),
        ));
    }
    let mut success = Vec::new();
    let mut failed = Map::new();
    for key in keys {
        let fits = state
            .robot_messages
            .get(&key)
            .is_some_and(|m| m.open_conversation_id.as_deref() == group);
        if !fits {
            failed.insert(key, json!("message not found"));
            continue;
        }
        if let Some(message) = state.robot_messages.get_mut(&key) {
            message.recalled = true;
        }
        for delivery in &mut state.deliveries {
            let matches = match &delivery.channel {
                Channel::RobotGroup {
                    process_query_key, ..
                }
                | Channel::RobotOneToOne { process_query_key } => *process_query_key == key,
                _ => false,
            };
            if matches {
                delivery.recalled = true;
            }
        }
        success.push(key);
    }
    Ok(json!({"successResult": success, "failedResult": failed}))
}

fn group_recall(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    check_robot(state, call)?;
    let cid = call.required_str("openConversationId")?.to_string();
    recall(state, call, Some(&cid))
}

fn batch_recall(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    check_robot(state, call)?;
    recall(state, call, None)
}

fn sent(state: &State, call: &Call<'_>) -> Result<RobotMessage, Rejection> {
    let key = call.required_str("processQueryKey")?;
    state.robot_messages.get(key).cloned().ok_or_else(|| {
        invalid(
            "robot.processQueryKey.notExist",
            format!("消息不存在: {key}"),
        )
    })
}

fn send_status(message: &RobotMessage) -> &'static str {
    if message.recalled {
        "RECALLED"
    } else {
        "SUCCESS"
    }
}

fn group_read_status(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let message = sent(state, call)?;
    let size = call.i64("maxResults").unwrap_or(200).clamp(1, 200) as usize;
    let start: usize = call
        .str("nextToken")
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap_or(0))
        .unwrap_or(0);
    let page: Vec<&String> = message.read_by.iter().skip(start).take(size).collect();
    let next = start + page.len();
    let has_more = next < message.read_by.len();
    let mut answer = json!({
        "sendStatus": send_status(&message),
        "readUserIds": page,
        "hasMore": has_more,
    });
    if has_more {
        answer["nextToken"] = json!(next.to_string());
    }
    Ok(answer)
}

fn oto_read_status(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    check_robot(state, call)?;
    let message = sent(state, call)?;
    let infos: Vec<Value> = message
        .recipients
        .iter()
        .map(|userid| {
            let name = state
                .org
                .users
                .get(userid)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            let read = message.read_by.contains(userid);
            json!({
                "name": name,
                "userId": userid,
                "readStatus": if read { "READ" } else { "UNREAD" },
            })
        })
        .collect();
    Ok(json!({"sendStatus": send_status(&message), "messageReadInfoList": infos}))
}

fn robots_in_group(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    group_members(state, call, "illegal.openconevrsation.id")?;
    Ok(json!({
        "chatbotInstanceVOList": [{
            "robotCode": state.robot_code,
            "name": "Fake robot",
            "openRobotType": 1,
        }]
    }))
}
