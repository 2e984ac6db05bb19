//! Where in an answer decoding failed, as a JSON path (`result.dept_order_list[0].order`).
//!
//! serde_json tells the byte where it stopped; one scan of the body up to that byte names
//! the keys and indexes around it. Decoding itself runs at full speed with no path
//! bookkeeping, and this code is not generic: a failure costs one extra scan, and no type
//! pays for path tracking in code size.

/// One level of nesting the scan is inside.
enum Frame {
    Object {
        /// The key whose value is being read: set at its `:`, cleared at the next `,`.
        key: Option<String>,
        /// A key read, waiting for its `:`.
        pending: Option<String>,
        expect_key: bool,
    },
    Array {
        /// The index of the element begun last, if any.
        current: Option<usize>,
        started: usize,
    },
}

/// The path at serde_json's error position `line`:`column`, `None` at the top level (or
/// for an error without a position), written like `serde_path_to_error` writes it.
pub(crate) fn at_position(body: &[u8], line: usize, column: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    // serde_json counts lines from 1 and columns as bytes after the line's start.
    let mut start = 0;
    for _ in 1..line {
        start += body[start..].iter().position(|b| *b == b'\n')? + 1;
    }
    path(body, (start + column).min(body.len()))
}

/// The path of the value that the bytes before `offset` were reading.
fn path(body: &[u8], offset: usize) -> Option<String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    // A value begins: an array counts its element, an object's key is already set.
    fn begin(stack: &mut [Frame]) {
        if let Some(Frame::Array { current, started }) = stack.last_mut() {
            *current = Some(*started);
            *started += 1;
        }
    }
    while i < offset {
        let byte = body[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'{' => {
                begin(&mut stack);
                stack.push(Frame::Object {
                    key: None,
                    pending: None,
                    expect_key: true,
                });
            }
            b'[' => {
                begin(&mut stack);
                stack.push(Frame::Array {
                    current: None,
                    started: 0,
                });
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object {
                    key, expect_key, ..
                }) = stack.last_mut()
                {
                    *key = None;
                    *expect_key = true;
                }
            }
            b':' => {
                if let Some(Frame::Object { key, pending, .. }) = stack.last_mut() {
                    *key = pending.take();
                }
            }
            b'"' => {
                let end = string_end(body, i + 1);
                let is_key = matches!(
                    stack.last(),
                    Some(Frame::Object {
                        expect_key: true,
                        ..
                    })
                );
                if is_key {
                    if let (
                        Some(end),
                        Some(Frame::Object {
                            pending,
                            expect_key,
                            ..
                        }),
                    ) = (end.filter(|end| *end < offset), stack.last_mut())
                    {
                        *pending = Some(key_text(&body[i..=end]));
                        *expect_key = false;
                    }
                } else {
                    begin(&mut stack);
                }
                match end {
                    Some(end) => i = end,
                    None => break,
                }
            }
            _ => {
                // A number or a literal: one value up to the next delimiter.
                begin(&mut stack);
                while i + 1 < offset
                    && !matches!(
                        body[i + 1],
                        b',' | b']' | b'}' | b':' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    render(&stack)
}

/// The index of the closing quote of a string whose content starts at `from`.
fn string_end(body: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// A key as text (escapes decoded; lossy for what serde_json would refuse anyway).
fn key_text(quoted: &[u8]) -> String {
    serde_json::from_slice::<String>(quoted).unwrap_or_else(|_| {
        String::from_utf8_lossy(&quoted[1..quoted.len().saturating_sub(1)]).into_owned()
    })
}

/// serde_json's nesting limit: a decoder enters no deeper value (deeper levels can only be
/// skipped as unknown members, which name no path).
const MAX_DEPTH: usize = 128;

fn render(stack: &[Frame]) -> Option<String> {
    let mut out = String::new();
    let mut segments = 0;
    for frame in stack.iter().take(MAX_DEPTH) {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if segments > 0 {
                    out.push('.');
                }
                out.push_str(key);
                segments += 1;
            }
            Frame::Array {
                current: Some(index),
                ..
            } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
                segments += 1;
            }
            _ => {}
        }
    }
    match segments {
        0 => None,
        // An empty key would print as nothing at all.
        _ if out.is_empty() => Some("\"\"".to_string()),
        _ => Some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::path;

    fn at(body: &str, marker: &str) -> Option<String> {
        let offset = body.find(marker).expect("marker") + marker.len();
        path(body.as_bytes(), offset)
    }

    #[test]
    fn names_keys_and_indexes() {
        let body = r#"{"errcode":0,"result":{"list":[{"a":1},{"name":"x","dept":[1,"y"]}]}}"#;
        assert_eq!(at(body, r#""x""#).as_deref(), Some("result.list[1].name"));
        assert_eq!(
            at(body, r#""y""#).as_deref(),
            Some("result.list[1].dept[1]")
        );
        // Right after a closed object: that object (a missing field inside it).
        assert_eq!(at(body, r#"{"a":1}"#).as_deref(), Some("result.list[0]"));
        // A key read but no `:` yet: its object.
        assert_eq!(at(body, r#"{"errcode""#), None);
        // The opening of a value that has the wrong kind: the value's key.
        assert_eq!(at(body, r#""list":["#).as_deref(), Some("result.list"));
        assert_eq!(at(body, r#""list":[{"#).as_deref(), Some("result.list[0]"));
        assert_eq!(at(body, "}}"), None);
    }

    #[test]
    fn escaped_and_empty_keys() {
        let body = r#"{"a\"b":{"":[true]}}"#;
        assert_eq!(at(body, "true").as_deref(), Some("a\"b.[0]"));
        assert_eq!(at(r#"{"":1}"#, "1").as_deref(), Some("\"\""));
    }
}
