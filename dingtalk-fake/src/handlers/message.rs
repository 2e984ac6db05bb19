//! State logic for the `message` endpoints: work notifications (`corpconversation/*`).
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - `send` needs `to_all_user: true` or a non-empty `userid_list` / `dept_id_list`, else
//!   40035. `agent_id` must be positive (else 40056); any positive agent id is accepted.
//! - Receivers are `userid_list` (in the order given), then the members of each department of
//!   `dept_id_list` and of all its sub-departments (depth first), then, with `to_all_user`,
//!   everyone else (in creation order); each user receives the notice once. Unknown userids go
//!   to `invalid_user_id_list`, unknown departments to `invalid_dept_id_list`: the call still
//!   succeeds, even when nobody valid is left.
//! - More than 5000 receivers: 41029. A serialised `msg` over 2048 bytes: 40035. A fourth
//!   `to_all_user` notice of the same app on the same day: 41045.
//! - Flow control, as documented, still answers errcode 0: a user who already got the same
//!   content from the same app that day, or 500 notices from it, is not delivered to and shows
//!   up in `forbidden_user_id_list` / `forbidden_list` (codes `143106` / `143105`). Tests start
//!   a new day with [`State::next_day`].
//! - Task ids are larger than 2^53 (a client that goes through `f64` loses them).
//! - `get_send_progress`: the first poll answers 50 % / status 1, every later poll 100 % /
//!   status 2. Unknown task, or a task of another agent: 40035.
//! - `get_send_result`: every recipient is unread until a test calls
//!   [`State::mark_notice_read`]; `failed_user_id_list` is always empty. Unknown task: 40035.
//! - `recall`: marks the notice and its deliveries recalled. Unknown task, a task of another
//!   agent, or a notice already recalled: 400002.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{Channel, Delivery, ForbiddenReceiver, Notice, State};

/// Receivers per call an internal app may reach (41029 beyond).
const MAX_RECEIVERS: usize = 5000;
/// Largest serialised `msg`.
const MAX_MSG_BYTES: usize = 2048;
/// Notices per user per day from one internal app (143105 beyond).
const DAILY_NOTICES_PER_USER: usize = 500;
/// `to_all_user` notices per app per day (41045 beyond).
const DAILY_SEND_TO_ALL: usize = 3;
/// Task ids start above 2^53.
const TASK_ID_BASE: i64 = (1 << 53) + 1;

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("message.work_notice.send", send);
    handlers.insert("message.work_notice.get_send_progress", get_send_progress);
    handlers.insert("message.work_notice.get_send_result", get_send_result);
    handlers.insert("message.work_notice.recall", recall);
}

fn send(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let agent_id = call.required_i64("agent_id")?;
    if agent_id <= 0 {
        return Err(Rejection::new(
            40056,
            format!("不合法的agentId: {agent_id}"),
        ));
    }
    let msg = call
        .value("msg")
        .cloned()
        .ok_or_else(|| Rejection::invalid_param("缺少参数 msg"))?;
    if msg.to_string().len() > MAX_MSG_BYTES {
        return Err(Rejection::invalid_param(format!(
            "msg 超过 {MAX_MSG_BYTES} 字节"
        )));
    }
    let userids = call.strings("userid_list");
    let dept_ids = call.ints("dept_id_list");
    let to_all = call.bool("to_all_user").unwrap_or(false);
    if !to_all && userids.is_empty() && dept_ids.is_empty() {
        return Err(Rejection::invalid_param(
            "缺少参数 userid_list / dept_id_list: to_all_user is false, so userid_list or dept_id_list is required",
        ));
    }

    let day = state.day;
    if to_all {
        let sent_to_all = state
            .notices
            .values()
            .filter(|n| n.agent_id == agent_id && n.day == day && n.to_all_user)
            .count();
        if sent_to_all >= DAILY_SEND_TO_ALL {
            return Err(Rejection::new(
                41045,
                "超过今日发送全员消息的上限 (3 per day)",
            ));
        }
    }

    let org = &state.org;
    let mut receivers: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut invalid_user_ids: Vec<String> = Vec::new();
    let mut invalid_dept_ids: Vec<i64> = Vec::new();
    let mut add = |userid: &str, receivers: &mut Vec<String>| {
        if seen.insert(userid.to_string()) {
            receivers.push(userid.to_string());
        }
    };
    for userid in &userids {
        if org.users.contains_key(userid) {
            add(userid, &mut receivers);
        } else if !invalid_user_ids.contains(userid) {
            invalid_user_ids.push(userid.clone());
        }
    }
    for &dept_id in &dept_ids {
        if !org.departments.contains_key(&dept_id) {
            if !invalid_dept_ids.contains(&dept_id) {
                invalid_dept_ids.push(dept_id);
            }
            continue;
        }
        let depts =
            std::iter::once(dept_id).chain(org.descendants(dept_id).into_iter().map(|d| d.id));
        for dept in depts {
            for user in org.members(dept) {
                add(&user.userid, &mut receivers);
            }
        }
    }
    if to_all {
        let mut everyone: Vec<_> = org.users.values().collect();
        everyone.sort_by_key(|u| u.seq);
        for user in everyone {
            add(&user.userid, &mut receivers);
        }
    }
    if receivers.len() > MAX_RECEIVERS {
        return Err(Rejection::new(
            41029,
            format!(
                "消息接收者过多: {} receivers, at most {MAX_RECEIVERS}",
                receivers.len()
            ),
        ));
    }

    // Flow control: the same content once per user per day, 500 notices per user per day.
    let mut recipients = Vec::new();
    let mut forbidden = Vec::new();
    for userid in receivers {
        let today: Vec<&Notice> = state
            .notices
            .values()
            .filter(|n| n.agent_id == agent_id && n.day == day && n.recipients.contains(&userid))
            .collect();
        if today.iter().any(|n| n.msg == msg) {
            forbidden.push(ForbiddenReceiver {
                userid,
                code: "143106".into(),
                count: 1,
            });
        } else if today.len() >= DAILY_NOTICES_PER_USER {
            forbidden.push(ForbiddenReceiver {
                userid,
                code: "143105".into(),
                count: DAILY_NOTICES_PER_USER as i64,
            });
        } else {
            recipients.push(userid);
        }
    }

    let task_id = TASK_ID_BASE + state.next_id() as i64 * 1_000_003;
    for userid in &recipients {
        state.deliveries.push(Delivery {
            userid: userid.clone(),
            channel: Channel::WorkNotice { task_id },
            msg: msg.clone(),
            recalled: false,
        });
    }
    state.notices.insert(
        task_id,
        Notice {
            task_id,
            agent_id,
            msg,
            recipients,
            invalid_user_ids,
            invalid_dept_ids,
            read_by: BTreeSet::new(),
            progress_polls: 0,
            recalled: false,
            to_all_user: to_all,
            forbidden,
            day,
        },
    );
    Ok(json!({ "task_id": task_id }))
}

/// The notice of `task_id` sent by `agent_id`, or 40035 as `getsendprogress` documents.
fn notice_of<'s>(
    state: &'s mut State,
    call: &Call<'_>,
    task_param: &str,
    errcode: i64,
) -> Result<&'s mut Notice, Rejection> {
    let agent_id = call.required_i64("agent_id")?;
    let task_id = call.required_i64(task_param)?;
    match state.notices.get_mut(&task_id) {
        Some(notice) if notice.agent_id == agent_id => Ok(notice),
        Some(_) => Err(Rejection::new(
            errcode,
            format!("task {task_id} was not sent by agent {agent_id}"),
        )),
        None => Err(Rejection::new(
            errcode,
            format!("不合法的taskId: no work notice task {task_id}"),
        )),
    }
}

fn get_send_progress(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let notice = notice_of(state, call, "task_id", 40035)?;
    notice.progress_polls += 1;
    let (percent, status) = if notice.progress_polls == 1 {
        (50, 1)
    } else {
        (100, 2)
    };
    Ok(json!({ "progress": { "progress_in_percent": percent, "status": status } }))
}

fn get_send_result(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let notice = notice_of(state, call, "task_id", 40035)?;
    let (read, unread): (Vec<&String>, Vec<&String>) = notice
        .recipients
        .iter()
        .partition(|u| notice.read_by.contains(*u));
    let forbidden_ids: Vec<&String> = notice.forbidden.iter().map(|f| &f.userid).collect();
    let forbidden_list: Vec<Value> = notice
        .forbidden
        .iter()
        .map(|f| json!({ "code": f.code, "count": f.count, "userid": f.userid }))
        .collect();
    Ok(json!({
        "send_result": {
            "invalid_user_id_list": notice.invalid_user_ids,
            "forbidden_user_id_list": forbidden_ids,
            "failed_user_id_list": [],
            "read_user_id_list": read,
            "unread_user_id_list": unread,
            "invalid_dept_id_list": notice.invalid_dept_ids,
            "forbidden_list": forbidden_list,
        }
    }))
}

fn recall(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let notice = notice_of(state, call, "msg_task_id", 400002)?;
    if notice.recalled {
        return Err(Rejection::new(
            400002,
            format!("task {} has already been recalled", notice.task_id),
        ));
    }
    notice.recalled = true;
    let task_id = notice.task_id;
    for delivery in &mut state.deliveries {
        if delivery.channel == (Channel::WorkNotice { task_id }) {
            delivery.recalled = true;
        }
    }
    Ok(Value::Null)
}
