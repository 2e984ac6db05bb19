//! Serializers for request fields with a wire quirk (`encoding:` in the spec).

use std::fmt::Display;

use serde::{Serialize, Serializer};

/// A secret in the `Serialize` of an answer (feature `serialize`): written as `"<redacted>"`,
/// so that a logged or stored answer never carries the token.
#[cfg(feature = "serialize")]
pub fn redacted<T, S: Serializer>(_secret: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("<redacted>")
}

/// A number or bool sent as a JSON string: `"dept_id":"100"`.
pub fn display<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

pub fn display_opt<T: Display, S: Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}

fn joined<T: Display, S: Serializer>(
    values: &[T],
    separator: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let text: Vec<String> = values.iter().map(ToString::to_string).collect();
    serializer.serialize_str(&text.join(separator))
}

/// A list sent as one comma-separated string.
pub fn csv<T: Display, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    joined(values, ",", serializer)
}

pub fn csv_opt<T: Display, S: Serializer>(
    values: &Option<Vec<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match values {
        Some(values) => joined(values, ",", serializer),
        None => serializer.serialize_none(),
    }
}

/// A list sent as one `|`-separated string.
pub fn pipe<T: Display, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    joined(values, "|", serializer)
}

pub fn pipe_opt<T: Display, S: Serializer>(
    values: &Option<Vec<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match values {
        Some(values) => joined(values, "|", serializer),
        None => serializer.serialize_none(),
    }
}

/// A value sent as a string holding its JSON text.
pub fn json_string<T: Serialize, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

pub fn json_string_opt<T: Serialize, S: Serializer>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => json_string(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// DingTalk's tagged message shape: `{"msgtype":"text","text":{...}}`.
pub fn tagged<T: Serialize, S: Serializer>(
    serializer: S,
    tag: &'static str,
    variant: &'static str,
    content: &T,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(2))?;
    map.serialize_entry(tag, variant)?;
    map.serialize_entry(variant, content)?;
    map.end()
}

/// A keyed union's shape: `{"msgKey":"sampleText","msgParam":"{\"content\":\"hi\"}"}` —
/// the variant under `tag`, its content under `content`, as JSON text when `as_text`.
pub fn keyed<T: Serialize, S: Serializer>(
    serializer: S,
    tag: &'static str,
    variant: &'static str,
    content: &'static str,
    value: &T,
    as_text: bool,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(2))?;
    map.serialize_entry(tag, variant)?;
    if as_text {
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        map.serialize_entry(content, &text)?;
    } else {
        map.serialize_entry(content, value)?;
    }
    map.end()
}
