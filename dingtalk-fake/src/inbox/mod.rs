//! The web inbox (in progress): the renderer of messages.

pub mod render;
