//! Custom (webhook) robots: `robot/send` with DingTalk's security checks — the webhook
//! token, the signature (its own HMAC-SHA256, independent of the SDK's), the one-hour
//! timestamp window, keywords, 20 messages a minute, `msgUuid` repeats — and
//! `robot/sendBySession`, the reply into a conversation someone wrote to the app's robot in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::Value;

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{RobotPost, State};

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("robot.webhook.send", send);
    handlers.insert("robot.webhook.send_by_session", send_by_session);
}

/// DingTalk's limit per custom robot.
const PER_MINUTE: usize = 20;
/// How far a signed timestamp may be from the server's clock.
const TIMESTAMP_WINDOW_MS: i64 = 3_600_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn security(message: &str) -> Rejection {
    Rejection::new(310000, message.to_string())
}

/// Base64 HMAC-SHA256 of `timestamp + "\n" + secret` keyed with the secret.
fn expected_sign(secret: &str, timestamp: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The message's `msgtype` and content, as sent.
fn message_parts(call: &Call<'_>) -> Result<(String, Value), Rejection> {
    let message = call
        .value("message")
        .ok_or_else(|| Rejection::new(40035, "缺少参数 json"))?;
    let msgtype = message["msgtype"].as_str().unwrap_or_default().to_string();
    let content = message.get(&msgtype).cloned().unwrap_or(Value::Null);
    if content.is_null() {
        return Err(Rejection::new(
            400105,
            format!("不支持的消息类型 or missing content: {msgtype}"),
        ));
    }
    Ok((msgtype, content))
}

/// All the text a keyword can be found in.
fn searchable_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(searchable_text)
            .collect::<Vec<_>>()
            .join(" "),
        Value::Object(map) => map
            .values()
            .map(searchable_text)
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn send(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let token = call.required_str("access_token")?.to_string();
    let (msgtype, content) = message_parts(call)?;
    let Some(robot) = state.custom_robots.get_mut(&token) else {
        return Err(Rejection::new(400101, "access_token不存在"));
    };
    if let Some(secret) = robot.secret.clone() {
        let (Some(timestamp), Some(sign)) = (call.value("timestamp"), call.str("sign")) else {
            return Err(security("sign not match"));
        };
        let timestamp = match timestamp {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        let Ok(sent_ms) = timestamp.parse::<i64>() else {
            return Err(security("invalid timestamp"));
        };
        if (now_ms() - sent_ms).abs() > TIMESTAMP_WINDOW_MS {
            return Err(security("invalid timestamp"));
        }
        if sign != expected_sign(&secret, &timestamp) {
            return Err(security("sign not match"));
        }
    }
    if !robot.keywords.is_empty() {
        let text = searchable_text(&content);
        if !robot.keywords.iter().any(|k| text.contains(k.as_str())) {
            return Err(security("keywords not in content"));
        }
    }
    if let Some(uuid) = call.str("msgUuid") {
        if robot.seen_uuids.iter().any(|seen| seen == uuid) {
            // A repeat of a message already posted: accepted, not posted again.
            return Ok(Value::Null);
        }
        robot.seen_uuids.push(uuid.to_string());
    }
    let now = Instant::now();
    robot
        .recent
        .retain(|at| now.duration_since(*at) < Duration::from_secs(60));
    if robot.recent.len() >= PER_MINUTE {
        return Err(Rejection::new(
            410100,
            "发送速度太快而限流: more than 20 messages in a minute",
        ));
    }
    robot.recent.push(now);
    state.robot_posts.push(RobotPost {
        via: token,
        msgtype,
        content,
        at: call.value("at").cloned(),
        reply_to: None,
    });
    Ok(Value::Null)
}

fn send_by_session(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let session = call.required_str("session")?.to_string();
    let (msgtype, content) = message_parts(call)?;
    let Some(conversation) = state.robot_sessions.get(&session) else {
        return Err(Rejection::new(400101, "session不存在"));
    };
    if now_ms() >= conversation.expires_ms {
        return Err(Rejection::new(400101, "session已过期"));
    }
    let reply_to = Some(conversation.userid.clone());
    state.robot_posts.push(RobotPost {
        via: format!("session:{session}"),
        msgtype,
        content,
        at: call.value("at").cloned(),
        reply_to,
    });
    Ok(Value::Null)
}
