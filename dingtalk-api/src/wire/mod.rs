//! Wire helpers used by generated code: text parameters (query, headers, path segments) and
//! the serde functions that carry DingTalk's quirks (numbers as strings, joined lists, JSON
//! inside strings).

pub mod de;
pub mod ser;

use std::fmt::{Display, Write};

/// Name/value pairs sent as text: query parameters or headers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TextParams {
    pairs: Vec<(&'static str, String)>,
}

impl TextParams {
    pub fn push(&mut self, name: &'static str, value: &impl Display) {
        self.pairs.push((name, value.to_string()));
    }

    /// A list as one value joined by `separator` (DingTalk's `csv`/`pipe` quirks).
    pub fn push_joined<T: Display>(&mut self, name: &'static str, values: &[T], separator: &str) {
        let mut joined = String::new();
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                joined.push_str(separator);
            }
            let _ = write!(joined, "{value}");
        }
        self.pairs.push((name, joined));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.pairs.iter().map(|(k, v)| (*k, v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// Appends one percent-encoded path segment (v1 paths such as `/v1.0/users/{userId}`).
pub fn push_path_segment(path: &mut String, value: &impl Display) {
    for byte in value.to_string().bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            path.push(char::from(byte));
        } else {
            let _ = write!(path, "%{byte:02X}");
        }
    }
}
