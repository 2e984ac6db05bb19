//! State logic for interactive cards (`/v1.0/card/...`): instances created, delivered to
//! groups and robot chats (one [`Delivery`] per person), updated, and streamed into.
//!
//! Behaviour of the fake, where DingTalk leaves it open:
//! - `openSpaceId` is `dtv1.card//` + `;`-separated `SPACE_TYPE.spaceId` pairs; `IM_GROUP`
//!   reaches the members of the group whose `openConversationId` it names (only those of them
//!   listed in `imGroupOpenDeliverModel.recipients` when it lists any), `IM_ROBOT` the user it
//!   names; other space types are accepted and reach nobody. An unknown group is a failed
//!   entry of the deliver result, not an error; an `openSpaceId` without the `dtv1.card//`
//!   prefix answers 400 `param.openSpaceIdInvalid`.
//! - The spec's codes: a second `create` of the same `outTrackId` answers 400
//!   `param.cardAlreadyExist`; an unknown `outTrackId` on deliver or update 400
//!   `param.cardNotExist`, on streaming 400 `param.stream.outTrackId`.
//! - Update merges `cardParamMap` keys when `cardUpdateOptions.updateCardDataByKey` is true,
//!   else replaces it; an update without `cardData` leaves it alone (the fake keeps no private
//!   data), one with neither `cardData` nor `privateData` answers 400
//!   `param.cardDataAndPrivateDataBothEmpty`. Streaming appends to (or with `isFull` replaces)
//!   the named key.

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
            "param.cardAlreadyExist",
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
            "param.cardNotExist",
            format!("卡片不存在: {out_track_id}"),
        ));
    }
    let open_space_id = call.required_str("openSpaceId")?;
    let spaces = open_space_id
        .strip_prefix("dtv1.card//")
        .ok_or_else(|| invalid("param.openSpaceIdInvalid", "openSpaceId须以dtv1.card//开头"))?;
    let card_params = state
        .cards
        .get(out_track_id)
        .map(|c| Value::Object(c.params.clone()))
        .unwrap_or(Value::Null);
    // Only these group members receive the card, when the call names any.
    let chosen: Vec<String> = call
        .value("imGroupOpenDeliverModel")
        .and_then(|m| m.get("recipients"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut results = Vec::new();
    for space in spaces.split(';').filter(|s| !s.is_empty()) {
        let (kind, id) = space.split_once('.').unwrap_or((space, ""));
        let recipients: Option<Vec<String>> = match kind {
            "IM_GROUP" => state.chat_by_open_id(id).map(|chat| {
                chat.members
                    .iter()
                    .filter(|m| chosen.is_empty() || chosen.contains(m))
                    .cloned()
                    .collect()
            }),
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

/// The card of the call's `outTrackId`; an unknown one answers `unknown_code`.
fn card_mut<'s>(
    state: &'s mut State,
    call: &Call<'_>,
    unknown_code: &str,
) -> Result<&'s mut Card, Rejection> {
    let out_track_id = call.required_str("outTrackId")?;
    state
        .cards
        .get_mut(out_track_id)
        .ok_or_else(|| invalid(unknown_code, format!("卡片不存在: {out_track_id}")))
}

fn update(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let by_key = call
        .value("cardUpdateOptions")
        .and_then(|o| o.get("updateCardDataByKey"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if call.value("cardData").is_none() && call.value("privateData").is_none() {
        return Err(invalid(
            "param.cardDataAndPrivateDataBothEmpty",
            "cardData和privateData不能同时为空",
        ));
    }
    let params = call.value("cardData").map(|_| param_map(call));
    let card = card_mut(state, call, "param.cardNotExist")?;
    match params {
        Some(params) if by_key => card.params.extend(params),
        Some(params) => card.params = params,
        // Only private data changed; the fake keeps public data only.
        None => {}
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
    let card = card_mut(state, call, "param.stream.outTrackId")?;
    let text = match (full, card.params.get(&key).and_then(Value::as_str)) {
        (false, Some(previous)) => format!("{previous}{content}"),
        _ => content,
    };
    card.params.insert(key, json!(text));
    card.stream.push(entry);
    Ok(json!(true))
}
