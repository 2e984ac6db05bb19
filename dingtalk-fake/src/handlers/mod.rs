//! State logic per endpoint. An endpoint without a handler answers its documented example.
//!
//! A handler gets the checked parameters and returns the payload: for `flat` envelopes an
//! object of top-level fields, for `result` envelopes the `result` value, `Null` for none.
//! The server adds `errcode`, `errmsg` and `request_id`.

mod callback;
mod card;
mod chat;
mod contact;
mod custom_robot;
mod im;
pub mod isv;
mod media;
mod message;
mod robot;
mod todo;

use std::collections::HashMap;

use serde_json::Value;

use crate::check::{Params, Rejection};
use crate::state::State;

pub type Handler = fn(&mut State, &Call<'_>) -> Result<Value, Rejection>;

/// The checked parameters of one call, with typed getters.
pub struct Call<'a> {
    pub params: &'a Params,
    /// The user a user-token call acts for (v1 `auth: user_token`).
    pub user: Option<&'a str>,
}

impl Call<'_> {
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.params.values.get(name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.value(name).and_then(Value::as_str)
    }

    pub fn i64(&self, name: &str) -> Option<i64> {
        self.value(name).and_then(Value::as_i64)
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(Value::as_bool)
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.value(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn ints(&self, name: &str) -> Vec<i64> {
        self.value(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }

    /// A required parameter: the checks already guarantee it, so absence is a spec bug.
    pub fn required_str(&self, name: &str) -> Result<&str, Rejection> {
        self.str(name)
            .ok_or_else(|| Rejection::invalid_param(format!("缺少参数 {name}")))
    }

    pub fn required_i64(&self, name: &str) -> Result<i64, Rejection> {
        self.i64(name)
            .ok_or_else(|| Rejection::invalid_param(format!("缺少参数 {name}")))
    }
}

/// Every handler, by endpoint name (`contact.user.get_v2`) or, for v1 endpoints, by method
/// and path template (`POST /v1.0/robot/groupMessages/send`): DingTalk's own names, so the
/// fake does not depend on what the spec calls an endpoint.
pub fn registry() -> HashMap<&'static str, Handler> {
    let mut handlers = HashMap::new();
    contact::register(&mut handlers);
    message::register(&mut handlers);
    chat::register(&mut handlers);
    media::register(&mut handlers);
    im::register(&mut handlers);
    robot::register(&mut handlers);
    card::register(&mut handlers);
    todo::register(&mut handlers);
    callback::register(&mut handlers);
    custom_robot::register(&mut handlers);
    handlers
}
