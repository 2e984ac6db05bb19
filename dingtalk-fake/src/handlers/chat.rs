//! State logic for the legacy group-chat endpoints (`/chat/*`).
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - `create`: empty `name` 40035, `name` over 20 characters 400002, empty `owner` 49013, no
//!   members 49010, more than 40 members 49011, owner not among the members 49006, a userid the
//!   organisation does not know 40031. Duplicate members count once. The new chat gets a
//!   `chatid` of `chat` + 32 hex digits, an `openConversationId` of `cid` + base64 (with `+`,
//!   `/`, `=`), and `conversationTag` 2 unless the request gives another.
//! - `update`: empty `chatid` 49000, unknown chat 40016, bad name 49015, add and remove lists
//!   overlapping 49004 (49023 for the external lists), more than 40 added 49011, more than
//!   1000 members 49005, unknown userids 40031, external contacts in an organisation group
//!   (tag 2) 49009. Members are added (in order, once each), then removed (unknown or
//!   non-member userids in the remove list are ignored); the owner, new or old, must be a
//!   member afterwards, else 49006. `isBan` sets `chatBannedType` (true 1, false 0) unless the
//!   same call gives `chatBannedType`.
//! - `get`: empty `chatid` 49000, unknown chat 40016. Settings never given read 0; `status` is
//!   always 1 (normal).
//! - `send`: empty `chatid` 34001, unknown chat 34013, a serialised `msg` over 2048 bytes
//!   34016. One delivery per member (the owner included: the message comes from the
//!   organisation). `messageId` is `msg` + base64 and always holds `+` and `=`, so it only
//!   survives a query string percent-encoded.
//! - `get_read_list`: nobody has read a fresh message; tests mark readers with
//!   [`State::mark_chat_message_read`], listed in reading order. Unknown `messageId` 40035,
//!   `size` outside 1..=100 40069, a cursor that is neither 0 nor a `next_cursor` of this
//!   message 40068. A `size` above the member count is served as is. Cursors are opaque
//!   numbers (not offsets).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{Channel, Chat, ChatMessage, Delivery, State};

/// Members per create / per update call.
const MAX_MEMBERS_PER_CALL: usize = 40;
/// Members of one group.
const MAX_MEMBERS: usize = 1000;
/// Characters of a group name.
const MAX_NAME_CHARS: usize = 20;
/// Largest serialised `msg`.
const MAX_MSG_BYTES: usize = 2048;
/// Largest `size` of `getReadList`.
const MAX_READ_PAGE: i64 = 100;
/// `next_cursor` values are this plus the offset of the next reader.
const CURSOR_BASE: i64 = 200_467_002_000;
/// `conversationTag` of an organisation group.
const ORG_GROUP: i64 = 2;

/// Integer settings, by wire name, that `create` and `update` store and `get` reports.
const INT_SETTINGS: [&str; 7] = [
    "showHistoryType",
    "searchable",
    "validationType",
    "mentionAllAuthority",
    "managementType",
    "chatBannedType",
    "conversationTag",
];

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("chat.create", create);
    handlers.insert("chat.update", update);
    handlers.insert("chat.get", get);
    handlers.insert("chat.send", send);
    handlers.insert("chat.get_read_list", get_read_list);
}

/// splitmix64: turns a sequence number into well-spread bits for ids.
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Standard base64 (with `+` and `/`), no padding.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

pub(super) fn id_bytes(seed: u64) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&mix(seed).to_be_bytes());
    bytes[8..].copy_from_slice(&mix(seed ^ 0x5555_5555_5555_5555).to_be_bytes());
    bytes
}

fn unknown_userids(state: &State, userids: &[String]) -> Vec<String> {
    userids
        .iter()
        .filter(|u| !state.org.users.contains_key(*u))
        .cloned()
        .collect()
}

pub(super) fn dedup(userids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(userids.len());
    for userid in userids {
        if !out.contains(&userid) {
            out.push(userid);
        }
    }
    out
}

/// 40031 naming the userids the organisation does not know.
pub(super) fn check_known(state: &State, userids: &[String]) -> Result<(), Rejection> {
    let unknown = unknown_userids(state, userids);
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Rejection::new(
            40031,
            format!("不合法的员工id列表: {}", unknown.join(",")),
        ))
    }
}

/// Copies the integer settings and `icon` the call carries into `settings`.
fn store_settings(call: &Call<'_>, settings: &mut std::collections::BTreeMap<String, Value>) {
    for name in INT_SETTINGS {
        if let Some(value) = call.i64(name) {
            settings.insert(name.to_string(), json!(value));
        }
    }
    for name in ["icon", "ownerType"] {
        if let Some(value) = call.str(name) {
            settings.insert(name.to_string(), json!(value));
        }
    }
}

fn create(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let name = call.required_str("name")?;
    let owner = call.required_str("owner")?;
    let members = dedup(call.strings("useridlist"));
    if name.trim().is_empty() {
        return Err(Rejection::invalid_param("群名称不能为空"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Rejection::new(
            400002,
            format!("群名称过长: at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if owner.is_empty() {
        return Err(Rejection::new(49013, "群主不能为空"));
    }
    if members.is_empty() {
        return Err(Rejection::new(49010, "群成员不能为空"));
    }
    if members.len() > MAX_MEMBERS_PER_CALL {
        return Err(Rejection::new(
            49011,
            format!("群员工列表过长: at most {MAX_MEMBERS_PER_CALL} per call"),
        ));
    }
    if !members.iter().any(|m| m == owner) {
        return Err(Rejection::new(49006, "群成员列表必须包含群主"));
    }
    check_known(state, &members)?;

    let seed = state.next_id();
    let chatid = format!("chat{:016x}{:016x}", mix(seed), mix(!seed));
    let open_conversation_id = format!("cid{}==", base64(&id_bytes(seed)));
    let mut settings = std::collections::BTreeMap::new();
    store_settings(call, &mut settings);
    settings
        .entry("conversationTag".to_string())
        .or_insert(json!(ORG_GROUP));
    let extids = call.strings("extidlist");
    if !extids.is_empty() {
        settings.insert("extidlist".into(), json!(dedup(extids)));
    }
    let tag = settings.get("conversationTag").cloned();
    state.chats.insert(
        chatid.clone(),
        Chat {
            chatid: chatid.clone(),
            open_conversation_id: open_conversation_id.clone(),
            name: name.to_string(),
            owner: owner.to_string(),
            members,
            settings,
            messages: Vec::new(),
        },
    );
    Ok(json!({
        "chatid": chatid,
        "openConversationId": open_conversation_id,
        "conversationTag": tag,
    }))
}

/// The chat named by the `chatid` parameter: 49000 when empty, `unknown` when no such chat.
fn chat_of<'s>(
    state: &'s mut State,
    call: &Call<'_>,
    empty: i64,
    unknown: i64,
) -> Result<&'s mut Chat, Rejection> {
    let chatid = call.required_str("chatid")?;
    if chatid.is_empty() {
        return Err(Rejection::new(empty, "chatid不能为空"));
    }
    state
        .chats
        .get_mut(chatid)
        .ok_or_else(|| Rejection::new(unknown, format!("不合法的会话id: no chat {chatid}")))
}

fn update(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    chat_of(state, call, 49000, 40016)?;
    let name = call.str("name");
    if let Some(name) = name
        && (name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS)
    {
        return Err(Rejection::new(49015, "群名称不合法: 1 to 20 characters"));
    }
    let add = dedup(call.strings("add_useridlist"));
    let del = call.strings("del_useridlist");
    if add.iter().any(|u| del.contains(u)) {
        return Err(Rejection::new(49004, "添加和删除的成员列表有重叠"));
    }
    let add_ext = dedup(call.strings("add_extidlist"));
    let del_ext = call.strings("del_extidlist");
    if add_ext.iter().any(|u| del_ext.contains(u)) {
        return Err(Rejection::new(49023, "添加和删除的外部联系人列表有重叠"));
    }
    if add.len() > MAX_MEMBERS_PER_CALL {
        return Err(Rejection::new(
            49011,
            format!("群员工列表过长: at most {MAX_MEMBERS_PER_CALL} per call"),
        ));
    }
    check_known(state, &add)?;
    let owner = call.str("owner");
    if let Some(owner) = owner {
        check_known(state, &[owner.to_string()])?;
    }

    let chat = chat_of(state, call, 49000, 40016)?;
    let tag = chat
        .settings
        .get("conversationTag")
        .and_then(Value::as_i64)
        .unwrap_or(ORG_GROUP);
    if tag == ORG_GROUP && !add_ext.is_empty() {
        return Err(Rejection::new(49009, "企业群不能添加外部联系人"));
    }
    let mut members = chat.members.clone();
    for userid in add {
        if !members.contains(&userid) {
            members.push(userid);
        }
    }
    members.retain(|m| !del.contains(m));
    if members.len() > MAX_MEMBERS {
        return Err(Rejection::new(
            49005,
            format!("群成员数超过上限: at most {MAX_MEMBERS}"),
        ));
    }
    let new_owner = owner.unwrap_or(&chat.owner).to_string();
    if !members.contains(&new_owner) {
        return Err(Rejection::new(
            49006,
            format!("群主 {new_owner} 必须是群成员"),
        ));
    }

    // Every check passed: apply, and say what changed as DingTalk's chat events do.
    let added: Vec<String> = members
        .iter()
        .filter(|m| !chat.members.contains(m))
        .cloned()
        .collect();
    let removed: Vec<String> = chat
        .members
        .iter()
        .filter(|m| !members.contains(m))
        .cloned()
        .collect();
    let owner_changed = new_owner != chat.owner;
    let renamed = name.is_some_and(|n| n != chat.name);
    chat.members = members;
    chat.owner = new_owner;
    if let Some(name) = name {
        chat.name = name.to_string();
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let base = json!({
        "timeStamp": now,
        "chatId": chat.chatid,
        "openConversationId": chat.open_conversation_id,
        "operator": chat.owner,
    });
    let with = |extra: Value| {
        let mut payload = base.clone();
        if let (Some(payload), Value::Object(extra)) = (payload.as_object_mut(), extra) {
            payload.extend(extra);
        }
        payload
    };
    let mut events = Vec::new();
    if !added.is_empty() {
        events.push(("chat_add_member", with(json!({"userId": added}))));
    }
    if !removed.is_empty() {
        events.push(("chat_remove_member", with(json!({"userId": removed}))));
    }
    if owner_changed {
        events.push(("chat_update_owner", with(json!({"owner": chat.owner}))));
    }
    if renamed {
        events.push(("chat_update_title", with(json!({"title": chat.name}))));
    }
    if let Some(ban) = call.bool("isBan")
        && call.i64("chatBannedType").is_none()
    {
        chat.settings
            .insert("chatBannedType".into(), json!(i64::from(ban)));
    }
    store_settings(call, &mut chat.settings);
    if !add_ext.is_empty() || !del_ext.is_empty() {
        let mut extids: Vec<String> = chat
            .settings
            .get("extidlist")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        for extid in add_ext {
            if !extids.contains(&extid) {
                extids.push(extid);
            }
        }
        extids.retain(|e| !del_ext.contains(e));
        chat.settings.insert("extidlist".into(), json!(extids));
    }
    for (event_type, payload) in events {
        state.emit(event_type, payload);
    }
    Ok(Value::Null)
}

fn get(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let chat = chat_of(state, call, 49000, 40016)?;
    let mut info = Map::new();
    info.insert("chatid".into(), json!(chat.chatid));
    info.insert("name".into(), json!(chat.name));
    info.insert("owner".into(), json!(chat.owner));
    info.insert("useridlist".into(), json!(chat.members));
    for name in INT_SETTINGS {
        let value = chat.settings.get(name).cloned().unwrap_or(json!(0));
        info.insert(name.into(), value);
    }
    for name in ["icon", "extidlist"] {
        if let Some(value) = chat.settings.get(name) {
            info.insert(name.into(), value.clone());
        }
    }
    info.insert("status".into(), json!(1));
    Ok(json!({ "chat_info": info }))
}

fn send(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let msg = call
        .value("msg")
        .cloned()
        .ok_or_else(|| Rejection::invalid_param("缺少参数 msg"))?;
    let size = msg.to_string().len();
    chat_of(state, call, 34001, 34013)?;
    if size > MAX_MSG_BYTES {
        return Err(Rejection::new(
            34016,
            format!("消息内容过长: {size} bytes, at most {MAX_MSG_BYTES}"),
        ));
    }
    let seed = state.next_id();
    let encoded = base64(&id_bytes(seed));
    let message_id = format!("msg{}+{}==", &encoded[..10], &encoded[10..20]);

    let chat = chat_of(state, call, 34001, 34013)?;
    chat.messages.push(ChatMessage {
        message_id: message_id.clone(),
        msg: msg.clone(),
        read_by: Vec::new(),
    });
    let chatid = chat.chatid.clone();
    let members = chat.members.clone();
    for userid in members {
        state.deliveries.push(Delivery {
            userid,
            channel: Channel::Chat {
                chatid: chatid.clone(),
                message_id: message_id.clone(),
            },
            msg: msg.clone(),
            recalled: false,
        });
    }
    Ok(json!({ "messageId": message_id }))
}

fn get_read_list(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let message_id = call.required_str("messageId")?;
    let cursor = call.required_i64("cursor")?;
    let size = call.required_i64("size")?;
    let Some((_, message)) = state.chat_message(message_id) else {
        return Err(Rejection::invalid_param(format!(
            "不合法的messageId: no group message {message_id}"
        )));
    };
    if !(1..=MAX_READ_PAGE).contains(&size) {
        return Err(Rejection::new(
            40069,
            format!("不合法的分页大小: {size}, 1 to {MAX_READ_PAGE}"),
        ));
    }
    let readers = &message.read_by;
    let offset = match cursor {
        0 => 0,
        c if c > CURSOR_BASE && c - CURSOR_BASE <= readers.len() as i64 => {
            (c - CURSOR_BASE) as usize
        }
        c => return Err(Rejection::new(40068, format!("不合法的cursor: {c}"))),
    };
    let end = readers.len().min(offset + size as usize);
    let page = &readers[offset..end];
    let mut answer = Map::new();
    if end < readers.len() {
        answer.insert("next_cursor".into(), json!(CURSOR_BASE + end as i64));
    }
    if !page.is_empty() {
        answer.insert("readUserIdList".into(), json!(page));
    }
    Ok(Value::Object(answer))
}
