//! The JSON the page shows: read models built from the fake's state and the inbox's own
//! records (when each thing was seen, what people wrote, card presses, approvals).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::render::{self, Rendered};
use super::{Hub, Stamp};
use crate::faults::{Fault, FaultAction};
use crate::org::User;
use crate::state::{Channel, Delivery, State};

/// One message of a list, with its place on the inbox's timeline.
struct Item {
    seq: u64,
    value: Value,
}

fn stamp_fields(value: &mut Value, stamp: Option<Stamp>) {
    value["at"] = stamp.map_or(Value::Null, |s| json!(s.at_ms));
}

fn message(id: String, kind: &str, from: &str, rendered: Rendered, content: Value) -> Value {
    json!({
        "id": id,
        "kind": kind,
        "from": from,
        "msgtype": rendered.msgtype,
        "title": rendered.title,
        "html": rendered.html,
        "content": content,
        "recalled": false,
        "readable": false,
    })
}

/// A message delivered to people: who got it and who read it.
fn readers(value: &mut Value, recipients: &[String], read_by: &[String], viewer: Option<&str>) {
    value["readable"] = json!(true);
    value["recipients"] = json!(recipients);
    value["readBy"] = json!(read_by);
    if let Some(viewer) = viewer {
        value["read"] = json!(read_by.iter().any(|r| r == viewer));
    }
}

/// Deliveries grouped by the message they carry, in the order the first copy was delivered:
/// (key, index of the first delivery, recipients, the first delivery).
fn by_message(
    state: &State,
    keep: impl Fn(&Delivery) -> bool,
) -> Vec<(String, usize, Vec<String>, &Delivery)> {
    let mut out: Vec<(String, usize, Vec<String>, &Delivery)> = Vec::new();
    let mut index_of: BTreeMap<String, usize> = BTreeMap::new();
    for (index, delivery) in state.deliveries.iter().enumerate() {
        if !keep(delivery) {
            continue;
        }
        let key = key_of(&delivery.channel);
        match index_of.get(&key) {
            Some(&at) => out[at].2.push(delivery.userid.clone()),
            None => {
                index_of.insert(key.clone(), out.len());
                out.push((key, index, vec![delivery.userid.clone()], delivery));
            }
        }
    }
    out
}

fn key_of(channel: &Channel) -> String {
    match channel {
        Channel::WorkNotice { task_id } => format!("notice:{task_id}"),
        Channel::Chat { message_id, .. } => format!("chat:{message_id}"),
        Channel::RobotGroup {
            process_query_key, ..
        }
        | Channel::RobotOneToOne { process_query_key } => format!("robot:{process_query_key}"),
        Channel::Card { out_track_id, .. } => format!("card:{out_track_id}"),
    }
}

/// The message a delivery carries, as the page shows it (`viewer`: whose page it is).
fn delivered(
    state: &State,
    hub: &Hub,
    delivery: &Delivery,
    recipients: &[String],
    viewer: Option<&str>,
) -> Value {
    let id = key_of(&delivery.channel);
    let mut value = match &delivery.channel {
        Channel::WorkNotice { task_id } => {
            let mut value = message(
                id,
                "workNotice",
                "app",
                render::classic(&delivery.msg),
                delivery.msg.clone(),
            );
            if let Some(notice) = state.notice(*task_id) {
                let read: Vec<String> = notice.read_by.iter().cloned().collect();
                readers(&mut value, &notice.recipients, &read, viewer);
                let percent = match notice.progress_polls {
                    0 => 0,
                    1 => 50,
                    _ => 100,
                };
                let forbidden: Vec<Value> = notice
                    .forbidden
                    .iter()
                    .map(|f| json!({"userid": f.userid, "code": f.code, "count": f.count}))
                    .collect();
                value["task"] = json!({
                    "taskId": notice.task_id,
                    "agentId": notice.agent_id,
                    "progressPolls": notice.progress_polls,
                    "progressShown": percent,
                    "recalled": notice.recalled,
                    "toAllUser": notice.to_all_user,
                    "invalidUserIds": notice.invalid_user_ids,
                    "invalidDeptIds": notice.invalid_dept_ids,
                    "forbidden": forbidden,
                });
            }
            value
        }
        Channel::Chat { message_id, .. } => {
            let mut value = message(
                id,
                "chat",
                "app",
                render::classic(&delivery.msg),
                delivery.msg.clone(),
            );
            if let Some((_, chat_message)) = state.chat_message(message_id) {
                readers(&mut value, recipients, &chat_message.read_by, viewer);
            }
            value
        }
        Channel::RobotGroup {
            process_query_key, ..
        }
        | Channel::RobotOneToOne { process_query_key } => {
            let (key, param) = match state.robot_messages.get(process_query_key) {
                Some(m) => (m.msg_key.clone(), m.msg_param.clone()),
                None => (
                    delivery.msg["msgKey"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    delivery.msg["msgParam"].clone(),
                ),
            };
            let mut value = message(
                id,
                "robot",
                "robot",
                render::robot(&key, &param),
                delivery.msg.clone(),
            );
            if let Some(sent) = state.robot_messages.get(process_query_key) {
                readers(&mut value, &sent.recipients, &sent.read_by, viewer);
            }
            value
        }
        Channel::Card { out_track_id, .. } => card(state, hub, out_track_id, delivery),
    };
    value["recalled"] = json!(delivery.recalled);
    value
}

fn card(state: &State, hub: &Hub, out_track_id: &str, delivery: &Delivery) -> Value {
    let id = format!("card:{out_track_id}");
    let Some(card) = state.cards.get(out_track_id) else {
        return message(
            id,
            "card",
            "robot",
            render::typed("(the card is gone)"),
            delivery.msg.clone(),
        );
    };
    let content = json!({"templateId": card.template_id, "cardParamMap": card.params});
    let mut value = message(
        id,
        "card",
        "robot",
        render::card(&card.template_id, &card.params),
        content,
    );
    let presses: Vec<Value> = hub
        .presses
        .iter()
        .filter(|p| p.out_track_id == out_track_id)
        .map(|p| {
            json!({
                "at": p.stamp.at_ms,
                "userid": p.userid,
                "actionId": p.action_id,
                "messageId": p.message_id,
                "answer": p.answer,
            })
        })
        .collect();
    value["outTrackId"] = json!(out_track_id);
    value["spaces"] = json!(card.spaces);
    value["streamUpdates"] = json!(card.stream.len());
    value["presses"] = json!(presses);
    value
}

fn user_json(user: &User) -> Value {
    json!({
        "userid": user.userid,
        "unionid": user.unionid,
        "name": user.name,
        "mobile": user.mobile,
        "email": user.email,
        "title": user.title,
        "jobNumber": user.job_number,
        "deptIds": user.dept_ids,
        "managerUserid": user.manager_userid,
        "active": user.active,
        "admin": user.admin,
        "boss": user.boss,
    })
}

/// Messages delivered to `userid` that DingTalk tracks reading of and they have not read.
fn unread(state: &State, userid: &str) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    state
        .deliveries
        .iter()
        .filter(|d| d.userid == userid && !d.recalled)
        .filter(|d| seen.insert(key_of(&d.channel)))
        .filter(|d| match &d.channel {
            Channel::WorkNotice { task_id } => state
                .notice(*task_id)
                .is_some_and(|n| !n.read_by.contains(userid)),
            Channel::Chat { message_id, .. } => state
                .chat_message(message_id)
                .is_some_and(|(_, m)| !m.read_by.iter().any(|r| r == userid)),
            Channel::RobotGroup {
                process_query_key, ..
            }
            | Channel::RobotOneToOne { process_query_key } => state
                .robot_messages
                .get(process_query_key)
                .is_some_and(|m| !m.read_by.iter().any(|r| r == userid)),
            Channel::Card { .. } => false,
        })
        .count()
}

pub(super) fn overview(
    state: &State,
    hub: &Hub,
    stream: (usize, usize),
    robot_http_url: Option<String>,
    faults: usize,
    revision: u64,
) -> Value {
    let org = &state.org;
    let departments: Vec<Value> = std::iter::once(crate::org::ROOT)
        .chain(org.descendants(crate::org::ROOT).iter().map(|d| d.id))
        .filter_map(|id| org.departments.get(&id))
        .map(|dept| {
            let members: Vec<Value> = org
                .members(dept.id)
                .into_iter()
                .map(|u| {
                    json!({
                        "userid": u.userid,
                        "name": u.name,
                        "title": u.title,
                        "active": u.active,
                        "admin": u.admin,
                        "unread": unread(state, &u.userid),
                    })
                })
                .collect();
            json!({
                "id": dept.id,
                "name": dept.name,
                "parentId": dept.parent_id,
                "depth": org.path_to_root(dept.id).len() - 1,
                "members": members,
            })
        })
        .collect();
    let groups: Vec<Value> = state
        .chats
        .values()
        .map(|chat| {
            json!({
                "chatid": chat.chatid,
                "openConversationId": chat.open_conversation_id,
                "name": chat.name,
                "owner": chat.owner,
                "members": chat.members.len(),
                "messages": group_items(state, hub, &chat.chatid).len(),
            })
        })
        .collect();
    json!({
        "corpName": org.corp_name,
        "corpId": org.corp_id,
        "departments": departments,
        "groups": groups,
        "disbandedGroups": state.disbanded_groups,
        "stream": {"connected": stream.0, "unacked": stream.1},
        "robotCode": state.robot_code,
        "robotHttpUrl": robot_http_url,
        "customRobots": state.custom_robots.len(),
        "customRobotPosts": state.robot_posts.iter().filter(|p| p.reply_to.is_none()).count(),
        "faults": faults,
        "requests": hub.requests.back().map_or(0, |r| r.seq),
        "revision": revision,
    })
}

pub(super) fn user(state: &State, hub: &Hub, userid: &str) -> Option<Value> {
    let user = state.org.users.get(userid)?;
    let stamp = |index: usize| hub.delivery_stamps.get(index).copied();
    let mine = |d: &Delivery| {
        d.userid == userid
            && match &d.channel {
                Channel::WorkNotice { .. } | Channel::RobotOneToOne { .. } => true,
                Channel::Card { space, .. } => space.starts_with("IM_ROBOT."),
                _ => false,
            }
    };
    let mut notices = Vec::new();
    let mut chat: Vec<Item> = Vec::new();
    for (_, index, recipients, delivery) in by_message(state, mine) {
        let mut value = delivered(state, hub, delivery, &recipients, Some(userid));
        stamp_fields(&mut value, stamp(index));
        let seq = stamp(index).map_or(u64::MAX, |s| s.seq);
        match delivery.channel {
            Channel::WorkNotice { .. } => notices.push(value),
            _ => chat.push(Item { seq, value }),
        }
    }
    for (index, post) in state.robot_posts.iter().enumerate() {
        if post.reply_to.as_deref() != Some(userid) {
            continue;
        }
        let mut value = message(
            format!("reply:{index}"),
            "reply",
            "robot",
            render::webhook(&post.msgtype, &post.content),
            json!({"msgtype": post.msgtype, "content": post.content, "at": post.at}),
        );
        let stamp = hub.post_stamps.get(index).copied();
        stamp_fields(&mut value, stamp);
        chat.push(Item {
            seq: stamp.map_or(u64::MAX, |s| s.seq),
            value,
        });
    }
    for (index, wrote) in hub.wrote.iter().enumerate() {
        if wrote.userid != userid {
            continue;
        }
        let mut value = message(
            format!("wrote:{index}"),
            "wrote",
            userid,
            render::typed(&wrote.text),
            json!({"msgtype": "text", "text": {"content": wrote.text}}),
        );
        stamp_fields(&mut value, Some(wrote.stamp));
        chat.push(Item {
            seq: wrote.stamp.seq,
            value,
        });
    }
    chat.sort_by_key(|item| item.seq);
    let groups: Vec<Value> = state
        .chats
        .values()
        .filter(|c| c.members.iter().any(|m| m == userid))
        .map(|c| json!({"chatid": c.chatid, "name": c.name}))
        .collect();
    let departments: Vec<Value> = user
        .dept_ids
        .iter()
        .filter_map(|id| state.org.departments.get(id))
        .map(|d| json!({"id": d.id, "name": d.name}))
        .collect();
    Some(json!({
        "user": user_json(user),
        "departments": departments,
        "unread": unread(state, userid),
        "notices": notices,
        "robotChat": chat.into_iter().map(|i| i.value).collect::<Vec<_>>(),
        "groups": groups,
    }))
}

fn group_items(state: &State, hub: &Hub, chatid: &str) -> Vec<Value> {
    let Some(chat) = state.chat(chatid) else {
        return Vec::new();
    };
    let space = format!("IM_GROUP.{}", chat.open_conversation_id);
    let ours = |d: &Delivery| match &d.channel {
        Channel::Chat { chatid: c, .. } => c == chatid,
        Channel::RobotGroup {
            open_conversation_id,
            ..
        } => *open_conversation_id == chat.open_conversation_id,
        Channel::Card { space: s, .. } => *s == space,
        _ => false,
    };
    by_message(state, ours)
        .into_iter()
        .map(|(_, index, recipients, delivery)| {
            let mut value = delivered(state, hub, delivery, &recipients, None);
            stamp_fields(&mut value, hub.delivery_stamps.get(index).copied());
            value
        })
        .collect()
}

/// A group by `chatid` or `openConversationId`.
pub(super) fn group(state: &State, hub: &Hub, id: &str) -> Option<Value> {
    let chat = state.chat(id).or_else(|| state.chat_by_open_id(id))?;
    let members: Vec<Value> = chat
        .members
        .iter()
        .map(|m| {
            let name = state.org.users.get(m).map(|u| u.name.clone());
            json!({"userid": m, "name": name})
        })
        .collect();
    Some(json!({
        "group": {
            "chatid": chat.chatid,
            "openConversationId": chat.open_conversation_id,
            "name": chat.name,
            "owner": chat.owner,
            "members": members,
            "settings": chat.settings,
        },
        "messages": group_items(state, hub, &chat.chatid),
    }))
}

/// What custom robots posted (session replies are in the users' robot chats).
pub(super) fn robots(state: &State, hub: &Hub) -> Value {
    let posts: Vec<Value> = state
        .robot_posts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.reply_to.is_none())
        .map(|(index, post)| {
            let mut value = message(
                format!("post:{index}"),
                "customRobot",
                "customRobot",
                render::webhook(&post.msgtype, &post.content),
                json!({"msgtype": post.msgtype, "content": post.content, "at": post.at}),
            );
            value["webhook"] = json!(mask_token(&post.via));
            stamp_fields(&mut value, hub.post_stamps.get(index).copied());
            value
        })
        .collect();
    json!({"posts": posts})
}

/// A webhook token is a credential: the page shows its start only.
fn mask_token(token: &str) -> String {
    let shown: String = token.chars().take(12).collect();
    format!("{shown}…")
}

pub(super) fn requests(hub: &Hub, since: u64) -> Value {
    let items: Vec<Value> = hub
        .requests
        .iter()
        .filter(|r| r.seq > since)
        .map(|r| {
            json!({
                "seq": r.seq,
                "at": r.at_ms,
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "endpoint": r.endpoint,
                "status": r.status,
                "errcode": r.errcode,
                "latencyMs": r.latency_ms,
            })
        })
        .collect();
    json!({"requests": items})
}

pub(super) fn fault(index: usize, fault: &Fault) -> Value {
    let mut action = Map::new();
    match &fault.action {
        FaultAction::Errcode { errcode, errmsg } => {
            action.insert("kind".into(), json!("errcode"));
            action.insert("errcode".into(), json!(errcode));
            action.insert("errmsg".into(), json!(errmsg));
        }
        FaultAction::HttpStatus(status) => {
            action.insert("kind".into(), json!("httpStatus"));
            action.insert("status".into(), json!(status));
        }
        FaultAction::Delay(delay) => {
            action.insert("kind".into(), json!("delay"));
            action.insert("ms".into(), json!(delay.as_millis() as u64));
        }
        FaultAction::MalformedBody => {
            action.insert("kind".into(), json!("malformedBody"));
        }
        FaultAction::DropConnection => {
            action.insert("kind".into(), json!("dropConnection"));
        }
        FaultAction::V1Error {
            status,
            code,
            message,
        } => {
            action.insert("kind".into(), json!("v1Error"));
            action.insert("status".into(), json!(status));
            action.insert("code".into(), json!(code));
            action.insert("message".into(), json!(message));
        }
    }
    let mut value = Value::Object(action);
    value["index"] = json!(index);
    value["endpoint"] = json!(fault.endpoint);
    value["remaining"] = json!(fault.remaining);
    value["afterProcessing"] = json!(fault.after_processing);
    value
}

pub(super) fn approvals(hub: &Hub) -> Value {
    let items: Vec<Value> = hub
        .approvals
        .iter()
        .map(|a| {
            let events: Vec<Value> = a
                .events
                .iter()
                .map(|(t, id)| json!({"type": t, "messageId": id}))
                .collect();
            json!({
                "id": a.id,
                "taskId": a.task_id,
                "processCode": a.process_code,
                "title": a.title,
                "originator": a.originator,
                "approver": a.approver,
                "createdAt": a.created_ms,
                "status": a.status,
                "remark": a.remark,
                "events": events,
            })
        })
        .collect();
    json!({"approvals": items})
}
