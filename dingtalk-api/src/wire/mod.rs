//! What a request is written into: text parameters (query, headers), path segments and
//! multipart parts, for [`Endpoint`](crate::Endpoint) implementations, generated or by hand.
//! The serde functions that carry DingTalk's quirks (numbers as strings, joined lists, JSON
//! inside strings) are here too, for generated code only.

#[doc(hidden)]
pub mod de;
#[doc(hidden)]
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

/// A file to upload: its name, content type and bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl FilePart {
    /// A file whose content type is guessed from its extension (DingTalk checks it).
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        let file_name = file_name.into();
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        let content_type = match extension.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "gif" => "image/gif",
            "bmp" => "image/bmp",
            "amr" => "audio/amr",
            "mp3" => "audio/mpeg",
            "wav" => "audio/wav",
            "mp4" => "video/mp4",
            "pdf" => "application/pdf",
            "zip" => "application/zip",
            "doc" => "application/msword",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xls" => "application/vnd.ms-excel",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "ppt" => "application/vnd.ms-powerpoint",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "txt" => "text/plain",
            _ => "application/octet-stream",
        };
        FilePart {
            file_name,
            content_type: content_type.to_string(),
            bytes: bytes.into(),
        }
    }

    /// Sets the content type explicitly.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }
}

/// The parts of a `multipart/form-data` body, encoded by [`Multipart::encode`].
#[derive(Debug, Default, Clone)]
pub struct Multipart {
    parts: Vec<(&'static str, Option<FilePart>, String)>,
}

impl Multipart {
    pub fn text(&mut self, name: &'static str, value: &impl Display) {
        self.parts.push((name, None, value.to_string()));
    }

    pub fn file(&mut self, name: &'static str, file: &FilePart) {
        self.parts.push((name, Some(file.clone()), String::new()));
    }

    /// The body and its `Content-Type` (with a boundary that occurs in no part).
    pub fn encode(&self) -> (String, Vec<u8>) {
        let mut seed = 0x5eed_u64;
        let boundary = loop {
            let candidate = format!("dingtalk-api-{seed:016x}");
            let clashes = self.parts.iter().any(|(_, file, text)| {
                text.contains(&candidate)
                    || file.as_ref().is_some_and(|f| {
                        f.bytes
                            .windows(candidate.len())
                            .any(|w| w == candidate.as_bytes())
                    })
            });
            if !clashes {
                break candidate;
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        };
        let mut body = Vec::new();
        for (name, file, text) in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file {
                Some(file) => {
                    let file_name = file.file_name.replace(['"', '\r', '\n'], "_");
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {}\r\n\r\n",
                            file.content_type
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(&file.bytes);
                }
                None => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(text.as_bytes());
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}
