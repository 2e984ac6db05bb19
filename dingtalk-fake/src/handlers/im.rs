//! State logic for the v1 groups (`/v1.0/im/...`): normal groups and scene groups share the
//! classic chats' state, so a group made either way takes messages of both generations.
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - `group/create`: like classic `chat/create` (name 1-20 characters, the owner among the
//!   members, members the organisation knows); answers both ids.
//! - `sceneGroup/create`: any `template_id`; the owner joins the members; an owner or member
//!   the organisation does not know answers 400 `member.notFound` (the spec's code). A second
//!   create with the same `uuid` answers the group the first one made (the spec's
//!   deduplication). `management_options` are stored by wire name in the chat's settings.
//! - `sceneGroup/update` changes title, owner (by `owner_user_id` or `owner_union_id`), icon
//!   and settings, and answers `{"success": true}`; `member/add` / `member/delete` change
//!   members by `user_ids` and `union_ids` (the owner cannot be removed: 400
//!   `invalidParameter`). `chat/scenegroup/disband` removes the group and remembers its id in
//!   [`State::disbanded_groups`] (robot sends into it then answer `group.disbanded`).
//! - Unknown (or disbanded) `openConversationId`: 400
//!   `invalidParameter.openConversationId.notExist`; unknown `chatId`: 400 `invalideChatId`
//!   (sic, the spec's code).
//! - `sceneGroups/members/batchQuery` pages the members in join order, with their names in
//!   `staffIdNickMap`; `nextToken` is the offset of the next member as text.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::chat::{base64, check_known, dedup, id_bytes, mix};
use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{Chat, State};

/// Characters of a group name.
const MAX_NAME_CHARS: usize = 20;
/// Characters of a scene group title.
const MAX_TITLE_CHARS: usize = 30;

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("POST /v1.0/im/group/create", create_group);
    handlers.insert("POST /v1.0/im/sceneGroup/create", create_scene_group);
    handlers.insert("POST /v1.0/im/sceneGroup/update", update_scene_group);
    handlers.insert("POST /v1.0/im/sceneGroup/member/add", add_members);
    handlers.insert("POST /v1.0/im/sceneGroup/member/delete", remove_members);
    handlers.insert("POST /v1.0/im/chat/scenegroup/disband", disband);
    handlers.insert(
        "POST /v1.0/im/chat/{chatId}/convertToOpenConversationId",
        convert_chat_id,
    );
    handlers.insert("POST /v1.0/im/sceneGroups/query", group_info);
    handlers.insert("POST /v1.0/im/sceneGroups/members/batchQuery", members);
}

fn invalid(code: &str, message: impl Into<String>) -> Rejection {
    Rejection::v1(400, code, message)
}

/// A new chat's two ids, as classic `chat/create` makes them.
fn new_ids(state: &mut State) -> (String, String) {
    let seed = state.next_id();
    (
        format!("chat{:016x}{:016x}", mix(seed), mix(!seed)),
        format!("cid{}==", base64(&id_bytes(seed))),
    )
}

fn known(state: &State, userids: &[String]) -> Result<(), Rejection> {
    check_known(state, userids).map_err(|r| invalid("invalidParameter.userId.notExist", r.errmsg))
}

/// The userids of a call's `user_ids` plus those of its `union_ids`; an unknown unionId
/// answers `code`.
fn people(state: &State, call: &Call<'_>, code: &str) -> Result<Vec<String>, Rejection> {
    let mut userids = call.strings("user_ids");
    for unionid in call.strings("union_ids") {
        userids.push(userid_of_union(state, &unionid, code)?);
    }
    Ok(dedup(userids))
}

fn userid_of_union(state: &State, unionid: &str, code: &str) -> Result<String, Rejection> {
    state
        .org
        .users
        .values()
        .find(|u| u.unionid == unionid)
        .map(|u| u.userid.clone())
        .ok_or_else(|| invalid(code, format!("用户不存在: {unionid}")))
}

/// Merges a `management_options` object into the chat's settings, flag by flag.
fn store_options(call: &Call<'_>, settings: &mut std::collections::BTreeMap<String, Value>) {
    if let Some(Value::Object(options)) = call.value("management_options") {
        for (name, value) in options {
            settings.insert(name.clone(), value.clone());
        }
    }
}

/// The chat of the call's open conversation id (`open_conversation_id` in the snake_case
/// family, `openConversationId` elsewhere).
fn chat_of<'s>(state: &'s mut State, call: &Call<'_>) -> Result<&'s mut Chat, Rejection> {
    let id = call
        .str("open_conversation_id")
        .or_else(|| call.str("openConversationId"))
        .unwrap_or_default()
        .to_string();
    state.chat_by_open_id_mut(&id).ok_or_else(|| {
        invalid(
            "invalidParameter.openConversationId.notExist",
            format!("群会话不存在: {id}"),
        )
    })
}

fn create_group(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let name = call.required_str("name")?;
    let owner = call.required_str("owner")?.to_string();
    let members = dedup(call.strings("useridlist"));
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(
            "invalidParameter.name.invalid",
            format!("群名称须为1到{MAX_NAME_CHARS}个字符"),
        ));
    }
    if !members.contains(&owner) {
        return Err(invalid(
            "invalidParameter.owner.notInUserIdList",
            "群主必须在群成员中",
        ));
    }
    known(state, &members)?;
    let (chatid, open_conversation_id) = new_ids(state);
    let tag = call.i64("conversationTag").unwrap_or(2);
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("conversationTag".to_string(), json!(tag));
    if let Some(options) = call.value("managementOptions") {
        settings.insert("managementOptions".to_string(), options.clone());
    }
    state.chats.insert(
        chatid.clone(),
        Chat {
            chatid: chatid.clone(),
            open_conversation_id: open_conversation_id.clone(),
            name: name.to_string(),
            owner,
            members,
            settings,
            messages: Vec::new(),
        },
    );
    Ok(json!({
        "openConversationId": open_conversation_id,
        "chatid": chatid,
        "conversationTag": tag,
    }))
}

fn create_scene_group(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let title = call.required_str("title")?.to_string();
    let template_id = call.required_str("template_id")?.to_string();
    let owner = call.required_str("owner_user_id")?.to_string();
    if title.trim().is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid(
            "invalidParameter.title.invalid",
            format!("群名称须为1到{MAX_TITLE_CHARS}个字符"),
        ));
    }
    let uuid = call.str("uuid").filter(|u| !u.is_empty());
    if let Some(uuid) = uuid {
        let existing = state
            .chats
            .values()
            .find(|c| c.settings.get("uuid").and_then(Value::as_str) == Some(uuid));
        if let Some(chat) = existing {
            return Ok(json!({
                "open_conversation_id": chat.open_conversation_id,
                "chat_id": chat.chatid,
            }));
        }
    }
    let mut members = vec![owner.clone()];
    members.extend(call.strings("user_ids"));
    let members = dedup(members);
    check_known(state, &members).map_err(|r| invalid("member.notFound", r.errmsg))?;
    let (chatid, open_conversation_id) = new_ids(state);
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("template_id".to_string(), json!(template_id));
    settings.insert(
        "subadmin_ids".to_string(),
        json!(call.strings("subadmin_ids")),
    );
    if let Some(icon) = call.str("icon") {
        settings.insert("icon".to_string(), json!(icon));
    }
    if let Some(uuid) = uuid {
        settings.insert("uuid".to_string(), json!(uuid));
    }
    store_options(call, &mut settings);
    state.chats.insert(
        chatid.clone(),
        Chat {
            chatid: chatid.clone(),
            open_conversation_id: open_conversation_id.clone(),
            name: title,
            owner,
            members,
            settings,
            messages: Vec::new(),
        },
    );
    Ok(json!({"open_conversation_id": open_conversation_id, "chat_id": chatid}))
}

fn update_scene_group(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let owner = match (call.str("owner_user_id"), call.str("owner_union_id")) {
        (Some(userid), _) => {
            known(state, &[userid.to_string()])?;
            Some(userid.to_string())
        }
        (None, Some(unionid)) => Some(userid_of_union(
            state,
            unionid,
            "invalidParameter.userId.notExist",
        )?),
        (None, None) => None,
    };
    let title = call.str("title");
    if let Some(title) = title
        && (title.trim().is_empty() || title.chars().count() > MAX_TITLE_CHARS)
    {
        return Err(invalid(
            "invalidParameter.title.invalid",
            format!("群名称须为1到{MAX_TITLE_CHARS}个字符"),
        ));
    }
    let chat = chat_of(state, call)?;
    if let Some(title) = title {
        chat.name = title.to_string();
    }
    if let Some(owner) = owner {
        if !chat.members.contains(&owner) {
            chat.members.push(owner.clone());
        }
        chat.owner = owner;
    }
    if let Some(icon) = call.str("icon") {
        chat.settings.insert("icon".to_string(), json!(icon));
    }
    store_options(call, &mut chat.settings);
    Ok(json!({"success": true}))
}

fn add_members(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let added = people(state, call, "invalidParameter.userId.notExist")?;
    known(state, &added)?;
    let chat = chat_of(state, call)?;
    for userid in added {
        if !chat.members.contains(&userid) {
            chat.members.push(userid);
        }
    }
    Ok(json!({"success": true}))
}

fn remove_members(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let removed = people(state, call, "invalidParameter.userId.notExist")?;
    let chat = chat_of(state, call)?;
    if removed.contains(&chat.owner) {
        return Err(invalid("invalidParameter", "不能移除群主"));
    }
    chat.members.retain(|m| !removed.contains(m));
    Ok(json!({"success": true}))
}

fn disband(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let chat = chat_of(state, call)?;
    let (chatid, open_conversation_id) = (chat.chatid.clone(), chat.open_conversation_id.clone());
    state.chats.remove(&chatid);
    state.disbanded_groups.insert(open_conversation_id);
    Ok(json!({"success": true}))
}

fn convert_chat_id(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let chatid = call.required_str("chatId")?;
    let chat = state
        .chats
        .get(chatid)
        .ok_or_else(|| invalid("invalideChatId", format!("群会话不存在: {chatid}")))?;
    Ok(json!({"openConversationId": chat.open_conversation_id}))
}

fn group_info(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let chat = chat_of(state, call)?;
    Ok(json!({
        "openConversationId": chat.open_conversation_id,
        "templateId": chat.settings.get("template_id").cloned().unwrap_or(json!("")),
        "title": chat.name,
        "ownerUserId": chat.owner,
        "icon": chat.settings.get("icon").cloned().unwrap_or(json!("")),
        "groupUrl": format!("dingtalk://dingtalkclient/page/link?cid={}", chat.open_conversation_id),
        "status": 1,
        "success": true,
    }))
}

fn members(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let size = call.i64("maxResults").unwrap_or(100).clamp(1, 1000) as usize;
    let start: usize = match call.str("nextToken").filter(|t| !t.is_empty()) {
        Some(token) => token.parse().map_err(|_| {
            Rejection::v1(
                405,
                "params.invalid",
                "无效的分页请求参数nextToken和maxResults",
            )
        })?,
        None => 0,
    };
    let chat = chat_of(state, call)?.clone();
    let page: Vec<&String> = chat.members.iter().skip(start).take(size).collect();
    let names: serde_json::Map<String, Value> = page
        .iter()
        .filter_map(|userid| {
            let user = state.org.users.get(userid.as_str())?;
            Some(((*userid).clone(), json!(user.name)))
        })
        .collect();
    let next = start + page.len();
    let has_more = next < chat.members.len();
    let mut answer = json!({
        "memberUserIds": page,
        "staffIdNickMap": names,
        "hasMore": has_more,
        "success": true,
    });
    if has_more {
        answer["nextToken"] = json!(next.to_string());
    }
    Ok(answer)
}
