//! `call_back/*`: the HTTP callback registration. The URL check (`check_url`) and the pushes
//! themselves are in `push.rs`; these handlers keep the registration.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{CallbackSubscription, State};

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("callback.register", register_call_back);
    handlers.insert("callback.update", update_call_back);
    handlers.insert("callback.get", get_call_back);
    handlers.insert("callback.delete", delete_call_back);
}

/// The subscription a register or update call describes, checked as DingTalk does.
fn subscription(call: &Call<'_>) -> Result<CallbackSubscription, Rejection> {
    let token = call.required_str("token")?;
    if !(6..64).contains(&token.chars().count()) {
        return Err(Rejection::new(71010, "token 长度需在6到64之间"));
    }
    let aes_key = call.required_str("aes_key")?;
    if aes_key.len() != 43 || !aes_key.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Rejection::new(71010, "aes_key 需为43位字母或数字"));
    }
    let url = call.required_str("url")?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Rejection::new(71011, format!("不是有效的URL: {url}")));
    }
    let tags = call.strings("call_back_tag");
    if tags.is_empty() || tags.iter().any(|tag| tag.trim().is_empty()) {
        return Err(Rejection::new(71008, "call_back_tag 不能为空"));
    }
    Ok(CallbackSubscription {
        url: url.to_string(),
        token: token.to_string(),
        aes_key: aes_key.to_string(),
        tags,
    })
}

fn register_call_back(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    if state.callback.is_some() {
        return Err(Rejection::new(71006, "回调地址已经存在"));
    }
    state.callback = Some(subscription(call)?);
    Ok(Value::Null)
}

fn update_call_back(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    if state.callback.is_none() {
        return Err(Rejection::new(71007, "回调地址不存在"));
    }
    state.callback = Some(subscription(call)?);
    Ok(Value::Null)
}

fn get_call_back(state: &mut State, _call: &Call<'_>) -> Result<Value, Rejection> {
    let Some(callback) = &state.callback else {
        return Err(Rejection::new(71007, "回调地址不存在"));
    };
    Ok(json!({
        "call_back_tag": callback.tags,
        "token": callback.token,
        "aes_key": callback.aes_key,
        "url": callback.url,
    }))
}

fn delete_call_back(state: &mut State, _call: &Call<'_>) -> Result<Value, Rejection> {
    if state.callback.take().is_none() {
        return Err(Rejection::new(71007, "回调地址不存在"));
    }
    Ok(Value::Null)
}
