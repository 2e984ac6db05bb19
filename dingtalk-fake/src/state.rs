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
    /// Whether it was sent with `to_all_user` (counts against the 3-per-day allowance).
    pub to_all_user: bool,
    /// Receivers dropped by flow control, with their code (`143105`, `143106`).
    pub forbidden: Vec<ForbiddenReceiver>,
    /// The fake "day" it was sent on (see [`State::next_day`]).
    pub day: u64,
}

/// A work-notice receiver dropped by flow control (`forbidden_list` of `get_send_result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForbiddenReceiver {
    pub userid: String,
    /// `143105` (daily per-user limit) or `143106` (same content twice in a day).
    pub code: String,
    /// The threshold that was hit.
    pub count: i64,
}

/// Where a delivered message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    WorkNotice {
        task_id: i64,
    },
    /// A classic `chat/send` group message.
    Chat {
        chatid: String,
        message_id: String,
    },
    /// A v1 robot message in a group (`robot/groupMessages/send`).
    RobotGroup {
        open_conversation_id: String,
        process_query_key: String,
    },
    /// A v1 robot message in one person's chat with the robot (`oToMessages/batchSend`,
    /// `privateChatMessages/send`).
    RobotOneToOne {
        process_query_key: String,
    },
    /// An interactive card delivered to a group or to a person's robot chat.
    Card {
        out_track_id: String,
        space: String,
    },
}

/// A message sent by the app's robot through the v1 API.
#[derive(Debug, Clone, PartialEq)]
pub struct RobotMessage {
    pub process_query_key: String,
    pub robot_code: String,
    /// The group it went to; `None` for one-to-one messages.
    pub open_conversation_id: Option<String>,
    /// Who received it.
    pub recipients: Vec<String>,
    /// `sampleText`, `sampleMarkdown`, ...
    pub msg_key: String,
    /// The message's parameters (the `msgParam` JSON, parsed).
    pub msg_param: Value,
    pub recalled: bool,
    /// Recipients who have read it, in reading order.
    pub read_by: Vec<String>,
}

/// An interactive card instance (`card/instances`).
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub out_track_id: String,
    pub template_id: String,
    /// `cardData.cardParamMap` as last set.
    pub params: serde_json::Map<String, Value>,
    /// Where it was delivered (`IM_GROUP.<openConversationId>`, `IM_ROBOT.<userId>`).
    pub spaces: Vec<String>,
    /// Streaming updates received, in order (`key`, `content`, `isFull`, `isFinalize`).
    pub stream: Vec<Value>,
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

/// A file uploaded through `media/upload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub media_id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A parameter the spec does not know, sent to `endpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownParam {
    pub endpoint: String,
    pub name: String,
}

#[derive(Debug)]
pub struct State {
    /// The `robotCode` of the app's robot (its app key, as for DingTalk's internal apps).
    pub robot_code: String,
    /// v1 robot messages by `processQueryKey`.
    pub robot_messages: BTreeMap<String, RobotMessage>,
    /// Interactive cards by `outTrackId`.
    pub cards: BTreeMap<String, Card>,
    /// v1 to-do tasks by id: the task as the API answers it.
    pub todos: BTreeMap<String, serde_json::Map<String, Value>>,
    /// Uploaded media by `media_id`.
    pub media: BTreeMap<String, MediaFile>,
    pub org: Org,
    pub chats: BTreeMap<String, Chat>,
    /// `openConversationId`s of the groups disbanded through the v1 API (gone from `chats`).
    pub disbanded_groups: BTreeSet<String>,
    pub notices: BTreeMap<i64, Notice>,
    pub deliveries: Vec<Delivery>,
    pub unknown_params: Vec<UnknownParam>,
    /// Endpoint names of every call that reached a handler or example, in order.
    pub calls: Vec<String>,
    /// The fake calendar day, for the per-day work-notice limits; advanced by
    /// [`State::next_day`].
    pub day: u64,
    next_id: u64,
    /// Events the last call caused, pushed (Stream and HTTP) once it has been answered.
    pub outbox: Vec<(String, Value)>,
    /// The HTTP callback registered with `call_back/register_call_back`.
    pub callback: Option<CallbackSubscription>,
    /// Custom robots by webhook token.
    pub custom_robots: BTreeMap<String, CustomRobot>,
    /// What custom robots posted (webhook and session replies), in order.
    pub robot_posts: Vec<RobotPost>,
    /// Robot conversations that can be answered by session webhook, by session value.
    pub robot_sessions: BTreeMap<String, RobotSession>,
}

/// An HTTP callback registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackSubscription {
    pub url: String,
    pub token: String,
    pub aes_key: String,
    /// Event types pushed (`call_back_tag`).
    pub tags: Vec<String>,
}

/// A custom (webhook) robot of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRobot {
    /// The `SEC...` secret when the robot signs; `None` for no signing.
    pub secret: Option<String>,
    /// A message must contain one of these (empty: no keyword check).
    pub keywords: Vec<String>,
    /// When the last messages were accepted (fake clock: `Instant`), for the 20 a minute.
    pub recent: Vec<std::time::Instant>,
    /// `msgUuid`s seen, so a repeat posts nothing.
    pub seen_uuids: Vec<String>,
}

/// A message a custom robot posted.
#[derive(Debug, Clone, PartialEq)]
pub struct RobotPost {
    /// The webhook token, or `session:<value>` for a session reply.
    pub via: String,
    pub msgtype: String,
    /// The content object (under the `msgtype` key).
    pub content: Value,
    /// Who was mentioned (`at`), as sent.
    pub at: Option<Value>,
    /// For session replies: the user who wrote to the robot.
    pub reply_to: Option<String>,
}

/// A conversation in which someone wrote to the app's robot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotSession {
    pub userid: String,
    pub conversation_id: String,
    /// Unix milliseconds after which a reply is refused.
    pub expires_ms: i64,
}

impl State {
    /// Queues an event the current call caused; the server pushes it after answering.
    pub fn emit(&mut self, event_type: &str, payload: Value) {
        self.outbox.push((event_type.to_string(), payload));
    }

    pub fn new(org: Org) -> Self {
        State {
            robot_code: String::new(),
            robot_messages: BTreeMap::new(),
            cards: BTreeMap::new(),
            todos: BTreeMap::new(),
            media: BTreeMap::new(),
            org,
            chats: BTreeMap::new(),
            disbanded_groups: BTreeSet::new(),
            notices: BTreeMap::new(),
            deliveries: Vec::new(),
            unknown_params: Vec::new(),
            calls: Vec::new(),
            day: 0,
            next_id: 0,
            outbox: Vec::new(),
            callback: None,
            custom_robots: BTreeMap::new(),
            robot_posts: Vec::new(),
            robot_sessions: BTreeMap::new(),
        }
    }

    /// A fresh number for task ids, chat ids, message ids.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Starts a new day: the per-day work-notice limits (same content once per user, 500
    /// notices per user, 3 send-to-all notices) count afresh.
    pub fn next_day(&mut self) {
        self.day += 1;
    }

    /// The work notice of `task_id`.
    pub fn notice(&self, task_id: i64) -> Option<&Notice> {
        self.notices.get(&task_id)
    }

    /// Marks a work notice as read by `userid`, who must be one of its recipients. Until
    /// then `get_send_result` lists every recipient as unread.
    pub fn mark_notice_read(&mut self, task_id: i64, userid: &str) -> Result<(), String> {
        let notice = self
            .notices
            .get_mut(&task_id)
            .ok_or_else(|| format!("no work notice with task id {task_id}"))?;
        if !notice.recipients.iter().any(|r| r == userid) {
            return Err(format!(
                "{userid} is not a recipient of work notice {task_id}"
            ));
        }
        notice.read_by.insert(userid.to_string());
        Ok(())
    }

    /// The group chat of `chatid`.
    pub fn chat(&self, chatid: &str) -> Option<&Chat> {
        self.chats.get(chatid)
    }

    /// The group chat of an `openConversationId` (v1 names groups by it).
    pub fn chat_by_open_id(&self, open_conversation_id: &str) -> Option<&Chat> {
        self.chats
            .values()
            .find(|c| c.open_conversation_id == open_conversation_id)
    }

    pub fn chat_by_open_id_mut(&mut self, open_conversation_id: &str) -> Option<&mut Chat> {
        self.chats
            .values_mut()
            .find(|c| c.open_conversation_id == open_conversation_id)
    }

    /// Marks a v1 robot message as read by `userid`, one of its recipients (the robot read
    /// status calls report it). Marking twice is a no-op.
    pub fn mark_robot_message_read(
        &mut self,
        process_query_key: &str,
        userid: &str,
    ) -> Result<(), String> {
        let message = self
            .robot_messages
            .get_mut(process_query_key)
            .ok_or_else(|| format!("no robot message {process_query_key}"))?;
        if !message.recipients.iter().any(|r| r == userid) {
            return Err(format!(
                "{userid} did not receive robot message {process_query_key}"
            ));
        }
        if !message.read_by.iter().any(|r| r == userid) {
            message.read_by.push(userid.to_string());
        }
        Ok(())
    }

    /// The group message of `message_id` (from `chat/send`) and the chat it was sent to.
    pub fn chat_message(&self, message_id: &str) -> Option<(&Chat, &ChatMessage)> {
        self.chats.values().find_map(|chat| {
            chat.messages
                .iter()
                .find(|m| m.message_id == message_id)
                .map(|m| (chat, m))
        })
    }

    /// Marks a group message as read by `userid`, who must be a member of its chat. Readers
    /// are listed by `chat/getReadList` in the order they read; a fresh message has been read
    /// by nobody. Marking twice is a no-op.
    pub fn mark_chat_message_read(&mut self, message_id: &str, userid: &str) -> Result<(), String> {
        let chat = self
            .chats
            .values_mut()
            .find(|c| c.messages.iter().any(|m| m.message_id == message_id))
            .ok_or_else(|| format!("no group message with id {message_id}"))?;
        if !chat.members.iter().any(|m| m == userid) {
            return Err(format!("{userid} is not a member of chat {}", chat.chatid));
        }
        let message = chat
            .messages
            .iter_mut()
            .find(|m| m.message_id == message_id)
            .ok_or_else(|| format!("no group message with id {message_id}"))?;
        if !message.read_by.iter().any(|r| r == userid) {
            message.read_by.push(userid.to_string());
        }
        Ok(())
    }
}
