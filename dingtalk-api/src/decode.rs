//! Reading DingTalk's answers: first the status (`errcode`, `errmsg`, `request_id`), then
//! the typed payload. The status pass is not generic, so it is compiled once.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::endpoint::{EndpointSpec, Payload, Style};
use crate::error::{ApiError, DecodeError, Error, ErrorCode, HttpError, excerpt};
use crate::wire::de::lenient;

/// What every classic answer says about itself.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Status {
    pub request_id: Option<String>,
}

#[derive(Deserialize)]
struct ClassicStatus {
    #[serde(default, deserialize_with = "lenient")]
    errcode: Option<i64>,
    // Texts accept any JSON (an object is kept as its JSON text): a strange errmsg must
    // never hide the errcode next to it.
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    errmsg: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    request_id: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    sub_code: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    sub_msg: Option<String>,
}

/// DingTalk's per-IP ban answer: no errcode, but `{"status":1111,"wait":5,"punish":"deny"}`
/// (wait in minutes), as JSON or inside an HTML page.
#[derive(Deserialize)]
struct IpBanAnswer {
    #[serde(default, deserialize_with = "lenient")]
    status: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    punish: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    wait: Option<i64>,
}

const DEFAULT_BAN: std::time::Duration = std::time::Duration::from_secs(300);

/// The ban's wait, if `body` is DingTalk's documented ban answer (and nothing else: a proxy's
/// or a portal's page is an HTTP error, not a ban).
fn ip_ban(body: &[u8]) -> Option<std::time::Duration> {
    let text = body.trim_ascii_start();
    let wait = |minutes: Option<i64>| {
        minutes
            .filter(|minutes| (1..=60).contains(minutes))
            .map_or(DEFAULT_BAN, |minutes| {
                std::time::Duration::from_secs(minutes as u64 * 60)
            })
    };
    if text.starts_with(b"{") {
        let answer: IpBanAnswer = serde_json::from_slice(body).ok()?;
        let banned = answer.status == Some(1111) || answer.punish.as_deref() == Some("deny");
        return banned.then(|| wait(answer.wait));
    }
    // The page DingTalk documents carries the same fields; look for them in its text.
    if !text.starts_with(b"<") {
        return None;
    }
    let page = String::from_utf8_lossy(&text[..text.len().min(64 * 1024)]);
    let marker = |name: &str| {
        let at = page.find(&format!("\"{name}\""))?;
        let rest = page[at + name.len() + 2..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start();
        let value: String = rest
            .trim_start_matches('"')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        Some(value)
    };
    let banned =
        marker("punish").as_deref() == Some("deny") || marker("status").as_deref() == Some("1111");
    banned.then(|| wait(marker("wait").and_then(|w| w.parse().ok())))
}

#[derive(Deserialize)]
struct V1Status {
    // As in `ClassicStatus`, texts accept any JSON: a strange message must never hide the
    // code. Both spellings of the request id may be present (an alias would refuse that).
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    code: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    message: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::de::any_text")]
    requestid: Option<String>,
    #[serde(
        default,
        rename = "requestId",
        deserialize_with = "crate::wire::de::any_text"
    )]
    request_id: Option<String>,
}

fn decode_error(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
    path: Option<String>,
    mut message: String,
) -> Error {
    // serde repeats the offending value in its message; a megabyte string must not make a
    // megabyte error message.
    const MAX_MESSAGE: usize = 300;
    if message.len() > MAX_MESSAGE {
        let cut = crate::error::prefix(&message, MAX_MESSAGE).len();
        message.truncate(cut);
        message.push('…');
    }
    Error::Decode(Box::new(DecodeError {
        endpoint: spec.name,
        http_status,
        path,
        message,
        body: shown_body(spec, body),
        body_len: body.len(),
        malformed: true,
    }))
}

/// What an error may quote of an answer: an excerpt, or nothing when the answer of this
/// endpoint can hold a token.
fn shown_body(spec: &EndpointSpec, body: &[u8]) -> String {
    if spec.secret_answer {
        format!("<withheld: an answer of {} may hold a secret>", spec.name)
    } else {
        excerpt(body)
    }
}

/// An answer as read off the wire, borrowed: what the status check looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
    pub retry_after: Option<std::time::Duration>,
}

impl<'a> Answer<'a> {
    /// A bare answer: a status and a body, no headers.
    pub(crate) fn bare(status: u16, body: &'a [u8]) -> Self {
        Answer {
            status,
            body,
            content_type: None,
            retry_after: None,
        }
    }
}

fn http_error(spec: &EndpointSpec, answer: &Answer<'_>) -> Error {
    Error::Http(Box::new(HttpError {
        endpoint: spec.name,
        status: answer.status,
        content_type: answer.content_type.map(str::to_owned),
        body: shown_body(spec, answer.body),
        body_len: answer.body.len(),
        retry_after: answer.retry_after,
    }))
}

/// True for an HTML (or XML) page rather than a JSON answer.
fn is_page(answer: &Answer<'_>) -> bool {
    answer.body.trim_ascii_start().starts_with(b"<")
        || answer.content_type.is_some_and(|t| t.contains("html"))
}

/// Decodes a whole answer the way a call does (status, then payload), dropping the value.
pub type AnswerCheck = fn(u16, &[u8]) -> Result<(), Error>;

/// The status check and payload decoding of `E`, as one function (see `DECODERS`).
pub fn check_answer<E: crate::Endpoint>(http_status: u16, body: &[u8]) -> Result<(), Error> {
    decode_answer::<E>(http_status, body).map(drop)
}

/// Decodes a whole answer the way a call does (status, then payload), for benchmarks and
/// tests: the typed answer, or the error a call would return (before any retry).
pub fn decode_answer<E: crate::Endpoint>(
    http_status: u16,
    body: &[u8],
) -> Result<E::Output, Error> {
    status(&E::SPEC, &Answer::bare(http_status, body))?;
    E::decode_output(http_status, body)
}

/// Success is `errcode` 0 or absent with a 2xx status; a DingTalk error is [`Error::Api`];
/// anything that is not DingTalk's answer is [`Error::Http`] (pages, bare error statuses) or
/// [`Error::Decode`] (a 2xx body that cannot be read).
pub(crate) fn status(spec: &EndpointSpec, answer: &Answer<'_>) -> Result<Status, Error> {
    match spec.style {
        Style::Classic => classic_status(spec, answer),
        Style::V1 => v1_status(spec, answer),
    }
}

fn classic_status(spec: &EndpointSpec, answer: &Answer<'_>) -> Result<Status, Error> {
    let (http_status, body) = (answer.status, answer.body);
    let success = (200..300).contains(&http_status);
    let json = body.trim_ascii_start().starts_with(b"{");
    // A download's answer is the file; only a JSON object is DingTalk's status.
    if spec.payload == Payload::Binary && !json && success {
        return Ok(Status::default());
    }
    if let Some(wait) = ip_ban(body) {
        return Err(Error::IpBanned {
            endpoint: spec.name,
            wait,
            body: shown_body(spec, body),
        });
    }
    // Every DingTalk answer is a JSON object; serde would also read an array as a struct,
    // position by position, which would misread garbage as data.
    if !json {
        if !success || is_page(answer) {
            return Err(http_error(spec, answer));
        }
        let message = if body.trim_ascii().is_empty() {
            "the body is empty".to_string()
        } else {
            "not a DingTalk JSON answer: expected a JSON object".to_string()
        };
        return Err(decode_error(spec, http_status, body, None, message));
    }
    let parsed: ClassicStatus = match serde_json::from_slice(body) {
        Ok(parsed) => parsed,
        Err(_) if !success => return Err(http_error(spec, answer)),
        Err(err) => {
            let message = format!("not a DingTalk JSON answer: {err}");
            return Err(decode_error(spec, http_status, body, None, message));
        }
    };
    match parsed.errcode {
        None | Some(0) if !success => Err(http_error(spec, answer)),
        None | Some(0) => Ok(Status {
            request_id: parsed.request_id,
        }),
        Some(errcode) => Err(Error::Api(Box::new(ApiError::classic(
            spec.name,
            errcode,
            parsed.errmsg.unwrap_or_default(),
            parsed.request_id,
            parsed.sub_code,
            parsed.sub_msg,
            http_status,
        )))),
    }
}

/// v1: success is a 2xx status (the body is the payload, read later); an error is a 4xx/5xx
/// with `{code, message, requestid}`, or a status the spec lists without a code.
fn v1_status(spec: &EndpointSpec, answer: &Answer<'_>) -> Result<Status, Error> {
    let (http_status, body) = (answer.status, answer.body);
    let json = body.trim_ascii_start().starts_with(b"{");
    if (200..300).contains(&http_status) {
        return match spec.payload {
            Payload::Binary => Ok(Status::default()),
            // No payload: an empty body (DingTalk's answer to many deletes) or any JSON.
            Payload::Nothing => match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                _ if body.trim_ascii().is_empty() => Ok(Status::default()),
                Ok(_) => Ok(Status::default()),
                Err(_) if is_page(answer) => Err(http_error(spec, answer)),
                Err(err) => Err(decode_error(
                    spec,
                    http_status,
                    body,
                    None,
                    format!("not a DingTalk JSON answer: {err}"),
                )),
            },
            _ if json => Ok(Status::default()),
            _ if is_page(answer) => Err(http_error(spec, answer)),
            _ => {
                let message = if body.trim_ascii().is_empty() {
                    "the body is empty".to_string()
                } else {
                    "not a DingTalk JSON answer: expected a JSON object".to_string()
                };
                Err(decode_error(spec, http_status, body, None, message))
            }
        };
    }
    if let Some(wait) = ip_ban(body) {
        return Err(Error::IpBanned {
            endpoint: spec.name,
            wait,
            body: shown_body(spec, body),
        });
    }
    let parsed = json
        .then(|| serde_json::from_slice::<V1Status>(body).ok())
        .flatten();
    match parsed {
        Some(V1Status {
            code: Some(code),
            message,
            requestid,
            request_id,
        }) => Err(Error::Api(Box::new(ApiError::v1(
            spec.name,
            Some(code),
            message.unwrap_or_default(),
            requestid.or(request_id),
            http_status,
        )))),
        // DingTalk's JSON without a code: an error status the spec may list on its own.
        Some(V1Status {
            code: None,
            message,
            requestid,
            request_id,
        }) if ErrorCode::from_v1("", http_status) != ErrorCode::OtherV1 => {
            Err(Error::Api(Box::new(ApiError::v1(
                spec.name,
                None,
                message.unwrap_or_default(),
                requestid.or(request_id),
                http_status,
            ))))
        }
        _ => Err(http_error(spec, answer)),
    }
}

#[derive(Deserialize)]
struct ResultField<T> {
    result: T,
}

#[derive(Deserialize)]
#[serde(bound = "T: crate::wire::de::Lenient")]
struct LenientResultField<T> {
    #[serde(deserialize_with = "crate::wire::de::lenient")]
    result: T,
}

#[derive(Deserialize)]
#[serde(bound = "T: serde::de::DeserializeOwned + Default")]
struct NullableResultField<T> {
    #[serde(default, deserialize_with = "crate::wire::de::nullable")]
    result: T,
}

/// A `result` that is a list or map of objects: `null` or absent is the empty collection.
pub fn nullable_result<T: serde::de::DeserializeOwned + Default>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<T, Error> {
    tracked::<NullableResultField<T>>(spec, http_status, body).map(|wrapper| wrapper.result)
}

/// A `result` that is a plain value (`true`, `[1,2]`), decoded leniently (`"true"`, `null`).
pub fn lenient_result<T: crate::wire::de::Lenient>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<T, Error> {
    tracked::<LenientResultField<T>>(spec, http_status, body).map(|wrapper| wrapper.result)
}

/// Decodes `body` as `W`; a failure names the JSON path where it happened.
fn tracked<W: DeserializeOwned>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<W, Error> {
    let malformed = |inner: serde_json::Error, path: Option<String>| {
        let malformed = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        let mut error = decode_error(spec, http_status, body, path, inner.to_string());
        if let Error::Decode(decode) = &mut error {
            decode.malformed = malformed;
        }
        error
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = match err.path().to_string() {
            root if root == "." => None,
            // An empty key: the path would print as nothing at all.
            empty if empty.is_empty() => Some("\"\"".to_string()),
            path => Some(path),
        };
        malformed(err.into_inner(), path)
    })?;
    // Nothing may follow the answer (`{..}{`): a v1 body is read only here, so this is where
    // a cut or doubled answer is caught (classic answers were parsed whole by the status).
    de.end().map_err(|err| malformed(err, None))?;
    Ok(value)
}

/// The typed payload, from where the spec says it is.
pub fn payload<T: DeserializeOwned>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<T, Error> {
    match spec.payload {
        Payload::Binary => Err(decode_error(
            spec,
            http_status,
            body,
            None,
            "a file answer has no JSON payload to decode".into(),
        )),
        Payload::Nothing => T::deserialize(serde_json::Value::Null)
            .map_err(|err| decode_error(spec, http_status, body, None, err.to_string())),
        Payload::TopLevel => tracked(spec, http_status, body),
        Payload::ResultField => {
            tracked::<ResultField<T>>(spec, http_status, body).map(|wrapper| wrapper.result)
        }
    }
}
