//! Reading DingTalk's answers: the status (`errcode`, `errmsg`, `request_id`, the IP ban)
//! and the typed payload.
//!
//! A successful classic answer is read in one pass: the status fields are picked up on the
//! way while the payload decodes (plain serde_json, no path bookkeeping). Anything unusual
//! (an errcode, a ban's fields, a value that does not decode, a non-2xx status) goes the
//! careful way: the status pass (not generic, compiled once), then the payload again, and
//! a failure names its JSON path by scanning the body (the private `json_path` module).

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::endpoint::{Endpoint, EndpointSpec, Payload, Style};
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

/// An answer as read off the wire, borrowed: an HTTP status, the body and the headers the
/// errors quote.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
    pub retry_after: Option<std::time::Duration>,
}

impl<'a> Answer<'a> {
    /// A bare answer: a status and a body, no headers.
    pub fn bare(status: u16, body: &'a [u8]) -> Self {
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

/// A decoded answer whose status says the call succeeded: the status, and the payload or
/// why it does not decode (never retried: DingTalk processed the call).
#[derive(Debug)]
pub struct Decoded<T> {
    pub status: Status,
    pub payload: Result<T, Error>,
}

impl<T> Decoded<T> {
    fn new(status: Status, payload: Result<T, Error>) -> Self {
        Decoded { status, payload }
    }
}

/// Decodes a whole answer the way a call does (status, then payload), dropping the value.
pub type AnswerCheck = fn(u16, &[u8]) -> Result<(), Error>;

/// The status check and payload decoding of `E`, as one function (see `DECODERS`).
pub fn check_answer<E: Endpoint>(http_status: u16, body: &[u8]) -> Result<(), Error> {
    decode_answer::<E>(http_status, body).map(drop)
}

/// Decodes a whole answer the way a call does, for benchmarks and tests: the typed answer,
/// or the error a call would return (before any retry).
pub fn decode_answer<E: Endpoint>(http_status: u16, body: &[u8]) -> Result<E::Output, Error> {
    E::decode_answer(Answer::bare(http_status, body))?.payload
}

/// The careful way for any endpoint: the status pass, then [`Endpoint::decode_output`].
/// What [`Endpoint::decode_answer`] does unless the generator chose a faster way.
pub fn checked<E: Endpoint>(answer: Answer<'_>) -> Result<Decoded<E::Output>, Error> {
    let status = status(&E::SPEC, &answer)?;
    Ok(Decoded::new(
        status,
        E::decode_output(answer.status, answer.body),
    ))
}

/// The payload of an answer whose status is known to be a success, from where the spec
/// says it is. What [`Endpoint::decode_output`] does by default.
pub fn payload<E: Endpoint>(http_status: u16, body: &[u8]) -> Result<E::Output, Error> {
    let spec = &E::SPEC;
    match spec.payload {
        Payload::Binary => Err(decode_error(
            spec,
            http_status,
            body,
            None,
            "a file answer has no JSON payload to decode".into(),
        )),
        Payload::Nothing => <E::Output as Deserialize>::deserialize(serde_json::Value::Null)
            .map_err(|err| decode_error(spec, http_status, body, None, err.to_string())),
        Payload::TopLevel => top_level_payload::<E>(http_status, body),
        Payload::ResultField => result_payload::<E>(http_status, body),
    }
}

/// A `result` that is a list or map of objects: `null` or absent is the empty collection.
/// (Kept for hand-written endpoints; generated ones override [`Endpoint::read_payload`].)
pub fn nullable_result<T: serde::de::DeserializeOwned + Default>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<T, Error> {
    struct Nullable<T>(PhantomData<T>);
    impl<T: serde::de::DeserializeOwned + Default> ReadPayload for Nullable<T> {
        type Output = T;
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
            crate::wire::de::nullable(d)
        }
    }
    result_with::<Nullable<T>>(spec, http_status, body)
}

/// A `result` that is a plain value (`true`, `[1,2]`), decoded leniently (`"true"`, `null`).
/// (Kept for hand-written endpoints; generated ones override [`Endpoint::read_payload`].)
pub fn lenient_result<T: crate::wire::de::Lenient>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<T, Error> {
    struct LenientOf<T>(PhantomData<T>);
    impl<T: crate::wire::de::Lenient> ReadPayload for LenientOf<T> {
        type Output = T;
        fn read<'de, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
            T::lenient(d)
        }
    }
    result_with::<LenientOf<T>>(spec, http_status, body)
}

/// How a payload value is read: an endpoint's [`Endpoint::read_payload`], or a helper's.
trait ReadPayload {
    type Output;
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self::Output, D::Error>;
}

struct ByEndpoint<E>(PhantomData<E>);

impl<E: Endpoint> ReadPayload for ByEndpoint<E> {
    type Output = E::Output;
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<E::Output, D::Error> {
        E::read_payload(d)
    }
}

/// A failed decode as [`Error::Decode`], with the JSON path where it stopped.
fn json_failure(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
    err: serde_json::Error,
) -> Error {
    let malformed = matches!(
        err.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    );
    let path = crate::json_path::at_position(body, err.line(), err.column());
    let mut error = decode_error(spec, http_status, body, path, err.to_string());
    if let Error::Decode(decode) = &mut error {
        decode.malformed = malformed;
    }
    error
}

/// Runs `read` over the whole body; nothing may follow the answer (`{..}{`).
fn whole<'de, T>(
    body: &'de [u8],
    read: impl FnOnce(
        &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
    ) -> serde_json::Result<T>,
) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = read(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A whole-body payload, decoded the careful way (no status fields picked up).
pub fn top_level_payload<E: Endpoint>(http_status: u16, body: &[u8]) -> Result<E::Output, Error> {
    whole(body, |de| E::read_payload(Intercept { de, seen: None }))
        .map_err(|err| json_failure(&E::SPEC, http_status, body, err))
}

/// The `result` member's payload, decoded the careful way.
pub fn result_payload<E: Endpoint>(http_status: u16, body: &[u8]) -> Result<E::Output, Error> {
    result_with::<ByEndpoint<E>>(&E::SPEC, http_status, body)
}

fn result_with<R: ReadPayload>(
    spec: &EndpointSpec,
    http_status: u16,
    body: &[u8],
) -> Result<R::Output, Error> {
    let envelope = Envelope::<R> {
        seen: None,
        marker: PhantomData,
    };
    whole(body, |de| de.deserialize_map(envelope))
        .map_err(|err| json_failure(spec, http_status, body, err))
}

/// What the one-pass read saw of the status fields.
#[derive(Default)]
struct Seen {
    errcode: Option<i64>,
    request_id: Option<String>,
    /// Keys seen, to notice a repeated one (the careful way reports it).
    keys: u8,
    /// Something the careful way must judge: a ban's fields, a repeated key, status fields
    /// that the payload itself claims, or a payload that is not a plain struct.
    odd: bool,
    /// The payload's struct was read through the interceptor.
    intercepted: bool,
}

impl Seen {
    /// True when the one-pass read stands: a success with nothing odd.
    fn clean(&self) -> bool {
        !self.odd && matches!(self.errcode, None | Some(0))
    }
}

const STATUS_KEYS: [&str; 5] = ["errcode", "errmsg", "request_id", "sub_code", "sub_msg"];

/// Reads the value of `key` if it is a status field; `Ok(false)` leaves it to the caller.
fn capture<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    seen: &mut Seen,
) -> Result<bool, A::Error> {
    let bit = match key {
        "errcode" => 1,
        "errmsg" => 2,
        "request_id" => 4,
        "sub_code" => 8,
        "sub_msg" => 16,
        // DingTalk's IP ban (`{"status":1111,"punish":"deny"}`): the careful way decides.
        "status" | "punish" => {
            seen.odd = true;
            return Ok(false);
        }
        _ => return Ok(false),
    };
    if seen.keys & bit != 0 {
        seen.odd = true;
    }
    seen.keys |= bit;
    match key {
        "errcode" => {
            seen.errcode = map.next_value_seed(crate::wire::de::Seed::lenient())?;
        }
        "request_id" => seen.request_id = map.next_value_seed(AnyTextSeed)?,
        // Read as the status pass reads them (any JSON), kept only on the careful way.
        _ => map.next_value_seed(AnyTextCheck)?,
    }
    Ok(true)
}

struct AnyTextSeed;

impl<'de> DeserializeSeed<'de> for AnyTextSeed {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        crate::wire::de::any_text(d)
    }
}

/// Accepts what `any_text` accepts without keeping it (strings are not copied; nested
/// values are read as `any_text` reads them, with the same depth limit).
struct AnyTextCheck;

impl<'de> DeserializeSeed<'de> for AnyTextCheck {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnyTextCheck {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(drop)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(drop)
    }
}

/// A map key, borrowed from the body when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// `{"errcode":0,"result":...}`: the `result` member read by `R`, status fields picked up
/// into `seen` (or skipped, on the careful way, as any other member).
struct Envelope<'s, R> {
    seen: Option<&'s mut Seen>,
    marker: PhantomData<R>,
}

struct PayloadSeed<R>(PhantomData<R>);

impl<'de, R: ReadPayload> DeserializeSeed<'de> for PayloadSeed<R> {
    type Value = R::Output;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<R::Output, D::Error> {
        R::read(d)
    }
}

impl<'de, R: ReadPayload> Visitor<'de> for Envelope<'_, R> {
    type Value = R::Output;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DingTalk answer with a `result`")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<R::Output, A::Error> {
        let mut result = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            if key == "result" {
                if result.is_some() {
                    return Err(serde::de::Error::duplicate_field("result"));
                }
                result = Some(map.next_value_seed(PayloadSeed::<R>(PhantomData))?);
                continue;
            }
            let captured = match self.seen.as_deref_mut() {
                Some(seen) => capture(&mut map, key, seen)?,
                None => false,
            };
            if !captured {
                map.next_value::<IgnoredAny>()?;
            }
        }
        match result {
            Some(result) => Ok(result),
            // As serde reads an absent field: `Option`s (and `nullable`) take it as `None`.
            None => R::read(Missing(PhantomData)),
        }
    }
}

/// An absent `result`, read the way serde's derive reads a missing field.
struct Missing<E>(PhantomData<E>);

impl<'de, E: serde::de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;
    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field("result"))
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Hands a whole-body payload's struct to its own `Deserialize`, taking the status fields
/// (those the struct does not declare) out on the way when `seen` is given.
struct Intercept<'a, 'de> {
    de: &'a mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
    seen: Option<&'a mut Seen>,
}

struct InterceptVisitor<'a, V> {
    visitor: V,
    seen: Option<&'a mut Seen>,
    fields: &'static [&'static str],
}

struct InterceptMap<'a, A> {
    map: A,
    seen: Option<&'a mut Seen>,
    fields: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for InterceptVisitor<'_, V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(InterceptMap {
            map,
            seen: self.seen,
            fields: self.fields,
        })
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for InterceptMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(seen) = self.seen.as_deref_mut() else {
            return self.map.next_key_seed(seed);
        };
        loop {
            let Some(key) = self.map.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            let name = key.as_str();
            if !self.fields.contains(&name) && capture(&mut self.map, name, seen)? {
                continue;
            }
            if matches!(name, "status" | "punish") {
                seen.odd = true;
            }
            return match key {
                Key::Borrowed(key) => seed
                    .deserialize(serde::de::value::BorrowedStrDeserializer::new(key))
                    .map(Some),
                Key::Owned(key) => seed
                    .deserialize(serde::de::value::StringDeserializer::new(key))
                    .map(Some),
            };
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> serde_json::Result<V::Value> {
            self.de.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for Intercept<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        let mut seen = self.seen;
        if let Some(seen) = seen.as_deref_mut() {
            seen.intercepted = true;
            // A struct that declares a status field of its own: the careful way reads it.
            if fields.iter().any(|field| STATUS_KEYS.contains(field)) {
                seen.odd = true;
            }
        }
        let visitor = InterceptVisitor {
            visitor,
            seen,
            fields,
        };
        self.de.deserialize_struct(name, fields, visitor)
    }

    forward!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
        deserialize_ignored_any(),
    );
}

/// True when the one-pass read may be tried: a 2xx classic answer that is a JSON object.
fn one_pass(spec: &EndpointSpec, answer: &Answer<'_>) -> bool {
    spec.style == Style::Classic
        && (200..300).contains(&answer.status)
        && answer.body.trim_ascii_start().starts_with(b"{")
}

/// `result` answers: one pass for a plain success, else the careful way.
pub fn result_answer<E: Endpoint>(answer: Answer<'_>) -> Result<Decoded<E::Output>, Error> {
    if one_pass(&E::SPEC, &answer) {
        let mut seen = Seen::default();
        let envelope = Envelope::<ByEndpoint<E>> {
            seen: Some(&mut seen),
            marker: PhantomData,
        };
        if let Ok(value) = whole(answer.body, |de| de.deserialize_map(envelope))
            && seen.clean()
        {
            let status = Status {
                request_id: seen.request_id,
            };
            return Ok(Decoded::new(status, Ok(value)));
        }
    }
    let status = status(&E::SPEC, &answer)?;
    let payload = result_payload::<E>(answer.status, answer.body);
    Ok(Decoded::new(status, payload))
}

/// Whole-body answers: one pass for a plain success, else the careful way.
pub fn top_level_answer<E: Endpoint>(answer: Answer<'_>) -> Result<Decoded<E::Output>, Error> {
    if one_pass(&E::SPEC, &answer) {
        let mut seen = Seen::default();
        let read = whole(answer.body, |de| {
            E::read_payload(Intercept {
                de,
                seen: Some(&mut seen),
            })
        });
        if let Ok(value) = read
            && seen.intercepted
            && seen.clean()
        {
            let status = Status {
                request_id: seen.request_id,
            };
            return Ok(Decoded::new(status, Ok(value)));
        }
    }
    let status = status(&E::SPEC, &answer)?;
    let payload = top_level_payload::<E>(answer.status, answer.body);
    Ok(Decoded::new(status, payload))
}

/// Answers without a payload: the status is all.
pub fn nothing_answer(spec: &EndpointSpec, answer: Answer<'_>) -> Result<Decoded<()>, Error> {
    let status = status(spec, &answer)?;
    Ok(Decoded::new(status, Ok(())))
}

/// Downloads: the file itself (an error still arrives as `errcode` JSON, caught first).
pub fn binary_answer(spec: &EndpointSpec, answer: Answer<'_>) -> Result<Decoded<Vec<u8>>, Error> {
    let status = status(spec, &answer)?;
    Ok(Decoded::new(status, Ok(answer.body.to_vec())))
}
