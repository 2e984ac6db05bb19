//! State logic for `media`: uploads are kept in memory and can be downloaded again.
//!
//! Limits checked like DingTalk's upload page: image, video and file at most 20 MB, voice
//! at most 2 MB (40006); an empty file is 44001; an unknown `media_id` is 40007.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::state::{MediaFile, State};

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    handlers.insert("media.upload", upload);
    handlers.insert("media.download", download);
}

fn upload(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let kind = call.required_str("type")?.to_string();
    let limit = match kind.as_str() {
        "image" | "video" | "file" => 20 * 1024 * 1024,
        "voice" => 2 * 1024 * 1024,
        _ => return Err(Rejection::new(40004, "不合法的媒体文件类型")),
    };
    let Some(file) = call.params.files.get("media") else {
        return Err(Rejection::new(41005, "缺少多媒体文件数据"));
    };
    if file.bytes.is_empty() {
        return Err(Rejection::new(44001, "多媒体文件为空"));
    }
    if file.bytes.len() > limit {
        return Err(Rejection::new(40006, "不合法的文件大小"));
    }
    let media_id = format!("@lADPfake{:012x}", state.next_id());
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    state.media.insert(
        media_id.clone(),
        MediaFile {
            media_id: media_id.clone(),
            kind: kind.clone(),
            file_name: file.file_name.clone(),
            content_type: file.content_type.clone(),
            bytes: file.bytes.clone(),
        },
    );
    Ok(json!({"type": kind, "media_id": media_id, "created_at": created_at}))
}

/// Answers the stored bytes (the server sends them as the body, not as JSON).
fn download(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let media_id = call.required_str("media_id")?;
    let file = state
        .media
        .get(media_id)
        .ok_or_else(|| Rejection::new(40007, "不合法的媒体文件id"))?;
    Ok(Value::Array(file.bytes.iter().map(|b| json!(b)).collect()))
}
