//! State logic for the `contact` endpoints.

use std::collections::HashMap;

use super::Handler;

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    let _ = handlers;
}
