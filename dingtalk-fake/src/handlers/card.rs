//! State logic for interactive cards (`/v1.0/card/...`): instances created, delivered to
//! groups and robot chats (one [`Delivery`] per person), updated, and streamed into.
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - `openSpaceId` is `dtv1.card//` + `;`-separated `SPACE_TYPE.spaceId` pairs; `IM_GROUP`
//!   reaches the members of the group whose `openConversationId` it names, `IM_ROBOT` the
//!   user it names; other space types are accepted and reach nobody. An unknown group is a
//!   failed entry of the deliver result, not an error.
//! - A second `create` of the same `outTrackId` answers 400 `invalidParameter.outTrackId.duplicate`;
//!   an unknown `outTrackId` on deliver, update or streaming 400 `invalidParameter.outTrackId.notExist`.
//! - Update merges `cardParamMap` keys when `cardUpdateOptions.updateCardDataByKey` is true,
//!   else replaces it. Streaming appends to (or with `isFull` replaces) the named key.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{Card, Channel, Delivery, State};

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("POST /v1.0/card/instances", create);
    handlers.insert("POST /v1.0/card/instances/deliver", deliver);
    handlers.insert(
        "POST /v1.0/card/instances/createAndDeliver",
        create_and_deliver,
    );
    handlers.insert("PUT /v1.0/card/instances", update);
    handlers.insert("PUT /v1.0/card/streaming", streaming);
}

fn invalid(code: &str, message: impl Into<String>) -> Rejection {
    Rejection::v1(400, code, message)
}

fn param_map(call: &Call<'_>) -> Map<String, Value> {
    call.value("cardData")
        .and_then(|d| d.get("cardParamMap"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn create_card(state: &mut State, call: &Call<'_>) -> Result<String, Rejection> {
    let out_track_id = call.required_str("outTrackId")?.to_string();
    if state.cards.contains_key(&out_track_id) {
        return Err(invalid(
            "invalidParameter.outTrackId.duplicate",
            format!("outTrackId已存在: {out_track_id}"),
        ));
    }
    let template_id = call.required_str("cardTemplateId")?.to_string();
    state.cards.insert(
        out_track_id.clone(),
        Card {
            out_track_id: out_track_id.clone(),
            template_id,
            params: param_map(call),
            spaces: Vec::new(),
            stream: Vec::new(),
        },
    );
    Ok(out_track_id)
}

fn create(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    Ok(json!(create_card(state, call)?))
}

/// Delivers the card to every space of `openSpaceId`; one result per space.
fn deliver_card(
    state: &mut State,
    call: &Call<'_>,
    out_track_id: &str,
) -> Result<Value, Rejection> {
    if !state.cards.contains_key(out_track_id) {
        return Err(invalid(
            "invalidParameter.outTrackId.notExist",
            format!("卡片不存在: {out_track_id}"),
        ));
    }
    let open_space_id = call.required_str("openSpaceId")?;
    let spaces = open_space_id.strip_prefix("dtv1.card//").ok_or_else(|| {
        invalid(
            "invalidParameter.openSpaceId.invalid",
            "openSpaceId须以dtv1.card//开头",
        )
    })?;
    let card_params = state
        .cards
        .get(out_track_id)
        .map(|c| Value::Object(c.params.clone()))
        .unwrap_or(Value::Null);
    let mut results = Vec::new();
    for space in spaces.split(';').filter(|s| !s.is_empty()) {
        let (kind, id) = space.split_once('.').unwrap_or((space, ""));
        let recipients: Option<Vec<String>> = match kind {
            "IM_GROUP" => state.chat_by_open_id(id).map(|chat| chat.members.clone()),
            "IM_ROBOT" => state
                .org
                .users
                .contains_key(id)
                .then(|| vec![id.to_string()]),
            _ => Some(Vec::new()),
        };
        let Some(recipients) = recipients else {
            results.push(json!({
                "spaceType": kind, "spaceId": id, "success": false,
                "errorMsg": "space not found",
            }));
            continue;
        };
        for userid in recipients {
            state.deliveries.push(Delivery {
                userid,
                channel: Channel::Card {
                    out_track_id: out_track_id.to_string(),
                    space: space.to_string(),
                },
                msg: json!({"outTrackId": out_track_id, "cardParamMap": card_params}),
                recalled: false,
            });
        }
        if let Some(card) = state.cards.get_mut(out_track_id) {
            card.spaces.push(space.to_string());
        }
        let carrier = format!("carrier{}", state.next_id());
        results.push(json!({
            "spaceType": kind, "spaceId": id, "success": true, "carrierId": carrier,
        }));
    }
    Ok(Value::Array(results))
}

fn deliver(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let out_track_id = call.required_str("outTrackId")?.to_string();
    deliver_card(state, call, &out_track_id)
}

fn create_and_deliver(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let out_track_id = create_card(state, call)?;
    let results = deliver_card(state, call, &out_track_id)?;
    Ok(json!({"outTrackId": out_track_id, "deliverResults": results}))
}

fn card_mut<'s>(state: &'s mut State, call: &Call<'_>) -> Result<&'s mut Card, Rejection> {
    let out_track_id = call.required_str("outTrackId")?;
    state.cards.get_mut(out_track_id).ok_or_else(|| {
        invalid(
            "invalidParameter.outTrackId.notExist",
            format!("卡片不存在: {out_track_id}"),
        )
    })
}

fn update(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let by_key = call
        .value("cardUpdateOptions")
        .and_then(|o| o.get("updateCardDataByKey"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let params = param_map(call);
    let card = card_mut(state, call)?;
    if by_key {
        card.params.extend(params);
    } else {
        card.params = params;
    }
    Ok(json!(true))
}

fn streaming(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let key = call.required_str("key")?.to_string();
    let content = call.required_str("content")?.to_string();
    let full = call.bool("isFull").unwrap_or(false);
    let entry = json!({
        "key": key,
        "content": content,
        "isFull": full,
        "isFinalize": call.bool("isFinalize").unwrap_or(false),
        "guid": call.str("guid"),
    });
    let card = card_mut(state, call)?;
    let text = match (full, card.params.get(&key).and_then(Value::as_str)) {
        (false, Some(previous)) => format!("{previous}{content}"),
        _ => content,
    };
    card.params.insert(key, json!(text));
    card.stream.push(entry);
    Ok(json!(true))
}
