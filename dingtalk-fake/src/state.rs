//! Everything the fake remembers: the organisation, group chats, work notifications, every
//! delivered message, and what each call looked like.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::org::Org;

/// A group chat created through `chat/create`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    pub chatid: String,
    pub open_conversation_id: String,
    pub name: String,
    pub owner: String,
    pub members: Vec<String>,
    /// Other settings as sent (`showHistoryType`, `searchable`, ...), by wire name.
    pub settings: BTreeMap<String, Value>,
    pub messages: Vec<ChatMessage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub message_id: String,
    pub msg: Value,
    /// Members who have read it.
    pub read_by: Vec<String>,
}

/// A work notification accepted by `asyncsend_v2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub task_id: i64,
    pub agent_id: i64,
    pub msg: Value,
    /// Users it was delivered to, in order.
    pub recipients: Vec<String>,
    pub invalid_user_ids: Vec<String>,
    pub invalid_dept_ids: Vec<i64>,
    pub read_by: BTreeSet<String>,
    /// How many times progress was asked for (the fake finishes on the second ask).
    pub progress_polls: u32,
    pub recalled: bool,
}

/// Where a delivered message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    WorkNotice { task_id: i64 },
    Chat { chatid: String, message_id: String },
}

/// One message delivered to one user.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub userid: String,
    pub channel: Channel,
    pub msg: Value,
    /// True once the message was recalled.
    pub recalled: bool,
}

/// A parameter the spec does not know, sent to `endpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownParam {
    pub endpoint: String,
    pub name: String,
}

#[derive(Debug)]
pub struct State {
    pub org: Org,
    pub chats: BTreeMap<String, Chat>,
    pub notices: BTreeMap<i64, Notice>,
    pub deliveries: Vec<Delivery>,
    pub unknown_params: Vec<UnknownParam>,
    /// Endpoint names of every call that reached a handler or example, in order.
    pub calls: Vec<String>,
    next_id: u64,
}

impl State {
    pub fn new(org: Org) -> Self {
        State {
            org,
            chats: BTreeMap::new(),
            notices: BTreeMap::new(),
            deliveries: Vec::new(),
            unknown_params: Vec::new(),
            calls: Vec::new(),
            next_id: 0,
        }
    }

    /// A fresh number for task ids, chat ids, message ids.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}
