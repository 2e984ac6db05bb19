//! Hostile answers and hostile request values.
//!
//! * Answers: every entry of `dingtalk_api::DECODERS` (the status check and payload decoding a
//!   real call runs) is fed arbitrary bytes, arbitrary JSON, DingTalk-shaped envelopes, and the
//!   documented examples mutated and truncated. It never panics; a decode error keeps the raw
//!   body (lossy UTF-8) and says what is wrong; a non-zero `errcode` is an `Error::Api` with
//!   that code. A deterministic run over 10,000+ answers prints its outcome counts.
//! * Leniency where DingTalk drifts (`null` lists, booleans as text), strictness where a value
//!   would be misread (text in a number list, an i64 overflow, a fraction for an integer).
//! * Size: a 5 MB list and 10,000 levels of nesting end in a value or an error, not a crash.
//! * Requests: values that could break a URL or JSON arrive byte-exact in the query, in the
//!   JSON body, in a `csv` list and in a message text.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dingtalk_api::chat::SendRequest as ChatSendRequest;
use dingtalk_api::contact::user::{DeleteRequest, GetRequest, GetV2Request, GetV2Response};
use dingtalk_api::message::work_notice::SendRequest as NoticeSendRequest;
use dingtalk_api::types::message::TextContent;
use dingtalk_api::{DECODERS, DecodeError, Endpoint, Error};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request};

type Decoder = fn(u16, &[u8]) -> Result<(), Error>;

// ---------------------------------------------------------------------------------------
// The documented examples, and judging one answer.
// ---------------------------------------------------------------------------------------

/// The documented response example of every endpoint that has one, keyed like `DECODERS`
/// (`contact.user.get_v2`). Read from `api-spec/` the way `support` reads it, without
/// panicking for an endpoint that documents no example.
fn examples() -> &'static BTreeMap<String, String> {
    static EXAMPLES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
        let sources = dingtalk_codegen::read_dir(&dir).expect("api-spec is readable");
        let spec = dingtalk_codegen::parse("api-spec", &sources)
            .expect("api-spec is valid")
            .0;
        let mut examples = BTreeMap::new();
        for file in &spec.files {
            for endpoint in &file.endpoints {
                let example = endpoint.response.as_ref().and_then(|r| r.example.as_ref());
                if let Some(example) = example {
                    let name = format!("{}.{}", file.module.join("."), endpoint.name);
                    examples.insert(name, example.json.clone());
                }
            }
        }
        examples
    })
}

/// The example of `name` as JSON; a bare success for an endpoint without one.
fn example_value(name: &str) -> Value {
    examples().get(name).map_or_else(
        || json!({"errcode": 0, "errmsg": "ok"}),
        |text| serde_json::from_str(text).expect("a documented example is JSON"),
    )
}

fn example_bytes(name: &str) -> Vec<u8> {
    examples().get(name).map_or_else(
        || br#"{"errcode":0,"errmsg":"ok"}"#.to_vec(),
        |t| t.clone().into_bytes(),
    )
}

fn decoder(name: &str) -> Decoder {
    DECODERS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no decoder {name}"))
        .1
}

/// What a decoder made of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    Api,
    Decode,
    /// Not DingTalk's answer (a page, a bare error status).
    Http,
    /// Another error a status check may give (e.g. an IP ban), never transport or config.
    Other,
}

/// Runs `decoder` and turns a panic into `Err(message)`.
fn run(decoder: Decoder, status: u16, body: &[u8]) -> Result<Result<(), Error>, String> {
    catch_unwind(AssertUnwindSafe(|| decoder(status, body))).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-text panic".to_string())
    })
}

/// At most 300 characters of `body`, for failure messages (bodies can be megabytes).
fn shown(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], body.len()),
        None => format!("{text:?}"),
    }
}

/// The `errcode` a body states beyond doubt: a top-level integer (or decimal text) other
/// than 0, with status fields that are plain values and no IP-ban marker (`status`,
/// `punish`), which the status check reads first.
fn stated_errcode(body: &[u8]) -> Option<i64> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    if map.contains_key("status") || map.contains_key("punish") {
        return None;
    }
    let plain = |key: &str| map.get(key).is_none_or(|v| !v.is_array() && !v.is_object());
    if !["errmsg", "request_id", "sub_code", "sub_msg"]
        .into_iter()
        .all(plain)
    {
        return None;
    }
    let code = match map.get("errcode")? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    (code != 0).then_some(code)
}

/// Endpoints whose answer is a file (`response.binary` in the spec).
fn is_binary(name: &str) -> bool {
    support::binary_endpoints().iter().any(|n| n == name)
}

/// Endpoints of `style: v1` files (api.dingtalk.com): an `errcode` in their answer is just
/// a field; their errors are an HTTP error status with `{code, message, requestid}`.
fn is_v1(name: &str) -> bool {
    static V1: OnceLock<BTreeSet<String>> = OnceLock::new();
    V1.get_or_init(|| {
        support::spec()
            .files
            .iter()
            .filter(|f| f.style == dingtalk_codegen::model::Style::V1)
            .flat_map(|f| {
                f.endpoints
                    .iter()
                    .map(move |e| format!("{}.{}", f.module.join("."), e.name))
            })
            .collect()
    })
    .contains(name)
}

/// v1 endpoints that answer nothing: DingTalk may send an empty 2xx body.
fn answers_nothing(name: &str) -> bool {
    static NOTHING: OnceLock<BTreeSet<String>> = OnceLock::new();
    NOTHING
        .get_or_init(|| {
            support::spec()
                .files
                .iter()
                .filter(|f| f.style == dingtalk_codegen::model::Style::V1)
                .flat_map(|f| {
                    f.endpoints
                        .iter()
                        .filter(|e| e.response.is_none())
                        .map(move |e| format!("{}.{}", f.module.join("."), e.name))
                })
                .collect()
        })
        .contains(name)
}

/// Checks what every answer of every endpoint must satisfy, whatever the body:
/// success only for a 2xx JSON answer; an `Error::Api` carries a non-zero errcode, the one
/// the body states; an `Error::Decode` keeps the exact body (lossy UTF-8), the status, and a
/// non-empty message; a decoder never reports transport, encoding or configuration errors.
fn judge(
    name: &str,
    status: u16,
    body: &[u8],
    result: &Result<(), Error>,
) -> Result<Outcome, String> {
    let fail = |what: String| {
        Err(format!(
            "{name}, HTTP {status}, body {}: {what}",
            shown(body)
        ))
    };
    let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    let success = (200..300).contains(&status);
    // A download's answer is the file itself: any 2xx body that is not a JSON object is data.
    let binary = is_binary(name);
    let outcome = match result {
        Ok(()) if !success => return fail("success for a non-2xx status".into()),
        Ok(()) if !(is_json || binary || answers_nothing(name) && body.trim_ascii().is_empty()) => {
            return fail("success for a body that is not JSON".into());
        }
        Ok(()) => Outcome::Ok,
        Err(Error::Api(api)) if api.is_v1() => {
            if success || api.endpoint != name || api.http_status != status || !is_json {
                return fail(format!("inconsistent v1 API error {api:?}"));
            }
            Outcome::Api
        }
        Err(Error::Api(api)) => {
            if api.endpoint != name || api.http_status != status || api.errcode == 0 || !is_json {
                return fail(format!("inconsistent API error {api:?}"));
            }
            Outcome::Api
        }
        Err(Error::Decode(err)) => {
            if !success {
                return fail(format!("a non-2xx answer is not a decode error: {err:?}"));
            }
            if let Some(problem) = excerpt_problem(name, &err.body, err.body_len, body) {
                return fail(format!("the decode error's body: {problem}"));
            }
            if err.message.trim().is_empty() {
                return fail("the decode error has no message".into());
            }
            if err.endpoint != name || err.http_status != status {
                return fail(format!("the decode error names another call: {err:?}"));
            }
            if err.path.as_deref().is_some_and(str::is_empty) {
                return fail("the decode error has an empty path".into());
            }
            // The text shows a bounded excerpt of the body (the message itself is not
            // bounded: see `bug_a_decode_error_message_is_bounded`).
            if err.to_string().len() > err.message.len() + 2_000 {
                return fail("the decode error's text shows the whole body".into());
            }
            Outcome::Decode
        }
        Err(Error::Http(err)) => {
            if is_json && success && !body.trim_ascii_start().starts_with(b"<") {
                return fail(format!("a 2xx JSON answer is not an HTTP error: {err:?}"));
            }
            if let Some(problem) = excerpt_problem(name, &err.body, err.body_len, body) {
                return fail(format!("the HTTP error's body: {problem}"));
            }
            if err.endpoint != name || err.status != status {
                return fail(format!("the HTTP error names another call: {err:?}"));
            }
            Outcome::Http
        }
        Err(err @ (Error::Transport(_) | Error::Encode { .. } | Error::Config(_))) => {
            return fail(format!("a decoder reported {err:?}"));
        }
        Err(other) if other.to_string().trim().is_empty() => {
            return fail(format!("an error without text: {other:?}"));
        }
        Err(_) => Outcome::Other,
    };
    if let Some(code) = stated_errcode(body).filter(|_| !is_v1(name)) {
        match result {
            Err(Error::Api(api)) if api.errcode == code => {}
            other => return fail(format!("errcode {code} must be Error::Api, got {other:?}")),
        }
    }
    Ok(outcome)
}

/// What is wrong with an error's body excerpt of `body`, if anything: it must be the
/// body's first 64 KiB (lossy UTF-8, cut on a character) and know the whole length; for an
/// endpoint whose answer holds a secret, it must quote nothing.
fn excerpt_problem(name: &str, excerpt: &str, len: usize, body: &[u8]) -> Option<String> {
    if len != body.len() {
        return Some(format!("length {len}, the body has {}", body.len()));
    }
    static SECRET: OnceLock<Vec<String>> = OnceLock::new();
    if SECRET
        .get_or_init(support::secret_answer_endpoints)
        .iter()
        .any(|n| n == name)
    {
        return (!excerpt.starts_with("<withheld"))
            .then(|| format!("{excerpt:?} quotes a secret answer"));
    }
    if excerpt.len() > dingtalk_api::error::BODY_EXCERPT {
        return Some(format!("an excerpt of {} bytes", excerpt.len()));
    }
    let whole = String::from_utf8_lossy(body);
    if !whole.starts_with(excerpt)
        && !String::from_utf8_lossy(&body[..body.len().min(excerpt.len() + 4)]).starts_with(excerpt)
    {
        return Some(format!(
            "{:?} is not the start of the body",
            shown(excerpt.as_bytes())
        ));
    }
    if body.len() <= dingtalk_api::error::BODY_EXCERPT / 2 && excerpt != whole {
        return Some("a short body is not kept whole".into());
    }
    None
}

/// Runs and judges one answer; a panic is a failure too.
fn check(name: &str, decoder: Decoder, status: u16, body: &[u8]) -> Result<Outcome, String> {
    let result = run(decoder, status, body).map_err(|panic| {
        format!(
            "{name} panicked ({panic}) on HTTP {status}, {}",
            shown(body)
        )
    })?;
    judge(name, status, body, &result)
}

/// [`check`] of one body against every decoder, for proptest.
fn check_all(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    for (name, decoder) in DECODERS {
        check(name, *decoder, status, body).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Generators: bytes, JSON values, envelopes, edits of the documented examples.
// ---------------------------------------------------------------------------------------

fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Mostly 200; sometimes whatever a gateway or a confused server sends.
fn http_status() -> BoxedStrategy<u16> {
    prop_oneof![
        8 => Just(200u16),
        2 => select(vec![
            0u16, 100, 201, 204, 299, 301, 400, 401, 403, 404, 429, 500, 502, 503, 504, 599, 999,
        ]),
        1 => any::<u16>(),
    ]
    .boxed()
}

/// Text that means something to a lenient decoder, plus arbitrary characters.
#[rustfmt::skip]
const TEXTS: &[&str] = &[
    "", " ", "0", "1", "-1", " 12 ", "12.0", "1.5", "1e3", "0x10", "-0", "NaN", "Infinity",
    "true", "false", "TRUE", "yes", "null", "yesterday", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "176318668975061512", "{1:false}",
    "{\"a\":1}", "[1,2]", "[\"x\"]", "a,b", "1,2,3", "a|b", "1|2", "😀", "中文", "\u{0}",
    "\u{FEFF}", "\u{202E}", "\\", "\"", "\n", "ok", "zh_CN", "en_US", "deny",
];

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        2 => select(TEXTS).prop_map(str::to_owned),
        1 => prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter),
    ]
    .boxed()
}

fn number() -> BoxedStrategy<Value> {
    let edges = vec![
        json!(0),
        json!(1),
        json!(-1),
        json!(2),
        json!(40014),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(9_007_199_254_740_993_u64),
        json!(1.5),
        json!(1.0),
        json!(-0.0),
        json!(1e300),
        json!(0.1),
    ];
    prop_oneof![
        2 => select(edges),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        // Not finite: `Value::from` makes it null.
        1 => any::<f64>().prop_map(Value::from),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        3 => text().prop_map(Value::String),
    ]
    .boxed()
}

/// Every key of every documented example plus the status keys: random objects hit real
/// fields instead of being ignored.
fn keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    fn collect(value: &Value, into: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    into.insert(key.clone());
                    collect(value, into);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, into)),
            _ => {}
        }
    }
    KEYS.get_or_init(|| {
        let mut keys: BTreeSet<String> = ["errcode", "errmsg", "result", "request_id", "sub_code"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        for (name, _) in DECODERS {
            collect(&example_value(name), &mut keys);
        }
        keys.into_iter().collect()
    })
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![4 => select(keys()), 1 => text()].boxed()
}

/// Any JSON value, at most 5 levels deep and about 48 nodes.
fn json_value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(5, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
        .boxed()
}

/// A DingTalk-shaped answer: an `errcode` (usually 0 or absent), an `errmsg`, a `result`
/// and other fields with random values.
fn envelope() -> BoxedStrategy<Value> {
    let errcode = prop_oneof![
        4 => Just(None),
        6 => Just(Some(json!(0))),
        2 => Just(Some(json!("0"))),
        2 => any::<i64>().prop_map(|c| Some(json!(c))),
        1 => any::<i64>().prop_map(|c| Some(json!(c.to_string()))),
        1 => leaf().prop_map(Some),
    ];
    let errmsg = prop_oneof![
        2 => Just(Some(json!("ok"))),
        1 => Just(None),
        1 => leaf().prop_map(Some),
        1 => json_value().prop_map(Some),
    ];
    let fields = prop::collection::vec((key(), json_value()), 0..6);
    (errcode, errmsg, prop::option::of(json_value()), fields)
        .prop_map(|(errcode, errmsg, result, fields)| {
            let mut map: Map<String, Value> = fields.into_iter().collect();
            for (key, value) in [("errcode", errcode), ("errmsg", errmsg), ("result", result)] {
                if let Some(value) = value {
                    map.insert(key.to_owned(), value);
                }
            }
            Value::Object(map)
        })
        .boxed()
}

/// One edit of a JSON tree, at a node picked by an `Index`.
#[derive(Debug, Clone)]
enum Edit {
    /// Remove the node (a member or an element); the root becomes `null`.
    Delete,
    Set(Value),
    /// Text spliced in verbatim: numbers a `Value` cannot hold, deep nesting, bad escapes.
    Raw(String),
    /// `12` -> `"12"`, `true` -> `"true"`, `{..}` -> `"{..}"`, `"x"` -> `"\"x\""`.
    Stringify,
    WrapInArray,
    /// `[x, ..]` -> `x`, `{"k": x, ..}` -> `x`.
    Unwrap,
}

fn replacement_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(""),
        json!("x"),
        json!("yesterday"),
        json!("true"),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e300),
        json!([]),
        json!({}),
        json!([[[[]]]]),
        json!([null]),
        json!(["x"]),
        json!([1.5]),
        json!({"a": null}),
    ]
}

/// Spliced-in texts: out-of-range and overlong numbers, nesting past serde_json's limit of
/// 128, a lone surrogate, an escaped NUL, a long string.
fn raw_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "1e400",
        "-1e400",
        "1e-400",
        "1.0",
        "-0",
        "1E2",
        "\"\\ud800\"",
        "\"\\u0000\"",
        "\"\\/\"",
        "[[[[[[[[[[1]]]]]]]]]]",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    texts.push(format!("{}{}", "[".repeat(200), "]".repeat(200)));
    texts.push(format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200)));
    texts.push(format!("\"{}\"", "界".repeat(5_000)));
    texts
}

fn edit() -> BoxedStrategy<Edit> {
    prop_oneof![
        2 => Just(Edit::Delete),
        3 => select(replacement_values()).prop_map(Edit::Set),
        2 => json_value().prop_map(Edit::Set),
        2 => select(raw_texts()).prop_map(Edit::Raw),
        2 => Just(Edit::Stringify),
        1 => Just(Edit::WrapInArray),
        1 => Just(Edit::Unwrap),
    ]
    .boxed()
}

fn edits() -> BoxedStrategy<Vec<(Index, Edit)>> {
    prop::collection::vec((any::<Index>(), edit()), 1..4).boxed()
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

/// The path of every node of `value`, the root (empty path) first.
fn node_paths(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(here.clone());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    here.push(Step::Key(key.clone()));
                    walk(child, here, out);
                    here.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    here.push(Step::At(i));
                    walk(child, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn node_mut<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |node, step| match step {
        Step::Key(key) => node.get_mut(key.as_str()),
        Step::At(i) => node.get_mut(*i),
    })
}

/// A JSON string that stands for raw text number `i` until [`edited`] splices it in.
fn placeholder(i: usize) -> String {
    format!("\u{0}raw{i}\u{0}")
}

/// `example` with `edits` applied, as the bytes of an answer.
fn edited(example: &Value, edits: &[(Index, Edit)]) -> Vec<u8> {
    let mut value = example.clone();
    let mut raws = Vec::new();
    for (index, edit) in edits {
        let paths = node_paths(&value);
        let path = &paths[index.index(paths.len())];
        if let Edit::Delete = edit {
            match path.split_last() {
                None => value = Value::Null,
                Some((last, parent)) => match (node_mut(&mut value, parent), last) {
                    (Some(Value::Object(map)), Step::Key(key)) => {
                        map.remove(key);
                    }
                    (Some(Value::Array(items)), Step::At(i)) if *i < items.len() => {
                        items.remove(*i);
                    }
                    _ => {}
                },
            }
            continue;
        }
        let Some(node) = node_mut(&mut value, path) else {
            continue;
        };
        *node = match edit {
            Edit::Delete => unreachable!("handled above"),
            Edit::Set(new) => new.clone(),
            Edit::Raw(text) => {
                raws.push(text.clone());
                Value::String(placeholder(raws.len() - 1))
            }
            Edit::Stringify => match node.take() {
                Value::String(s) => Value::String(Value::String(s).to_string()),
                other => Value::String(other.to_string()),
            },
            Edit::WrapInArray => Value::Array(vec![node.take()]),
            Edit::Unwrap => match node.take() {
                Value::Array(items) => items.into_iter().next().unwrap_or(Value::Null),
                Value::Object(map) => map.into_iter().next().map_or(Value::Null, |(_, v)| v),
                other => other,
            },
        };
    }
    let mut text = value.to_string();
    for (i, raw) in raws.iter().enumerate() {
        text = text.replacen(&Value::String(placeholder(i)).to_string(), raw, 1);
    }
    text.into_bytes()
}

/// One byte-level edit of a body.
#[derive(Debug, Clone)]
enum ByteEdit {
    Flip(Index, u8),
    Insert(Index, u8),
    Remove(Index, usize),
    Truncate(Index),
}

fn byte_edits() -> BoxedStrategy<Vec<ByteEdit>> {
    let interesting = select(b"{}[]\",:\\0-.e\x00\xff\xc3\xa9 ".to_vec());
    let edit = prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| ByteEdit::Flip(at, mask)),
        (any::<Index>(), prop_oneof![interesting, any::<u8>()])
            .prop_map(|(at, byte)| ByteEdit::Insert(at, byte)),
        (any::<Index>(), 1usize..16).prop_map(|(at, len)| ByteEdit::Remove(at, len)),
        any::<Index>().prop_map(ByteEdit::Truncate),
    ];
    prop::collection::vec(edit, 1..4).boxed()
}

fn byte_edited(body: &[u8], edits: &[ByteEdit]) -> Vec<u8> {
    let mut body = body.to_vec();
    for edit in edits {
        let len = body.len().max(1);
        match edit {
            ByteEdit::Flip(at, mask) if !body.is_empty() => body[at.index(len)] ^= *mask,
            ByteEdit::Flip(..) => {}
            ByteEdit::Insert(at, byte) => body.insert(at.index(len + 1).min(body.len()), *byte),
            ByteEdit::Remove(at, n) => {
                let start = at.index(len).min(body.len());
                let end = (start + n).min(body.len());
                body.drain(start..end);
            }
            ByteEdit::Truncate(at) => body.truncate(at.index(len + 1)),
        }
    }
    body
}

/// Bytes from JSON's alphabet: mostly broken JSON that gets further than random bytes.
fn json_soup() -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(
        select(b"{}[]\":,0123456789.-+eEtrufalsn \\u\n\"errcode\"".to_vec()),
        0..256,
    )
    .boxed()
}

// ---------------------------------------------------------------------------------------
// (a) Properties over every decoder.
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(
        status in http_status(),
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        check_all(status, &body)?;
    }

    #[test]
    fn json_alphabet_soup_never_panics(status in http_status(), body in json_soup()) {
        check_all(status, &body)?;
    }

    #[test]
    fn arbitrary_json_never_panics(status in http_status(), value in json_value()) {
        check_all(status, value.to_string().as_bytes())?;
    }

    #[test]
    fn dingtalk_shaped_envelopes_never_panic(status in http_status(), value in envelope()) {
        check_all(status, value.to_string().as_bytes())?;
    }

    /// Each endpoint's own example, with up to three fields deleted or replaced by null,
    /// text, numbers, out-of-range numbers, nested arrays, or their own text form.
    #[test]
    fn mutated_examples_never_panic(status in http_status(), edits in edits()) {
        for (name, decoder) in DECODERS {
            let body = edited(&example_value(name), &edits);
            check(name, *decoder, status, &body).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn byte_mutated_examples_never_panic(status in http_status(), edits in byte_edits()) {
        for (name, decoder) in DECODERS {
            let body = byte_edited(&example_bytes(name), &edits);
            check(name, *decoder, status, &body).map_err(TestCaseError::fail)?;
        }
    }

    /// A non-zero errcode decides, whatever the payload next to it and the HTTP status.
    #[test]
    fn a_nonzero_errcode_is_an_api_error_with_that_code(
        code in any::<i64>().prop_filter("non-zero", |c| *c != 0),
        as_text in any::<bool>(),
        errmsg in text(),
        status in http_status(),
        edits in edits(),
    ) {
        for (name, decoder) in DECODERS.iter().filter(|(name, _)| !is_v1(name)) {
            let mut value = Value::Object(Map::new());
            if let Ok(Value::Object(payload)) =
                serde_json::from_slice::<Value>(&edited(&example_value(name), &edits))
            {
                value = Value::Object(payload);
            }
            let map = value.as_object_mut().expect("an object");
            for key in ["status", "punish", "request_id", "sub_code", "sub_msg"] {
                map.remove(key);
            }
            let errcode = if as_text { json!(format!(" {code} ")) } else { json!(code) };
            map.insert("errcode".into(), errcode);
            map.insert("errmsg".into(), json!(errmsg));
            let body = value.to_string();
            let result = run(*decoder, status, body.as_bytes()).map_err(TestCaseError::fail)?;
            match &result {
                Err(Error::Api(api)) => {
                    prop_assert_eq!(api.errcode, code);
                    prop_assert_eq!(&api.errmsg, &errmsg);
                    prop_assert_eq!(api.http_status, status);
                    prop_assert_eq!(api.endpoint, *name);
                }
                other => prop_assert!(false, "{name}: {body} gave {other:?}"),
            }
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// The v1 counterpart: an error status with `{code, message, requestid}` is an
    /// `Error::Api` with that code, whatever else the body holds (an `errcode` included).
    #[test]
    fn a_v1_error_status_with_a_code_is_an_api_error_with_that_code(
        code in "[A-Za-z][A-Za-z.]{0,40}",
        message in text(),
        status in 400_u16..600,
        edits in edits(),
    ) {
        let mut v1 = 0;
        for (name, decoder) in DECODERS.iter().filter(|(name, _)| is_v1(name)) {
            v1 += 1;
            let mut value = Value::Object(Map::new());
            if let Ok(Value::Object(payload)) =
                serde_json::from_slice::<Value>(&edited(&example_value(name), &edits))
            {
                value = Value::Object(payload);
            }
            let map = value.as_object_mut().expect("an object");
            map.remove("status");
            map.remove("punish");
            map.insert("code".into(), json!(code));
            map.insert("message".into(), json!(message));
            map.insert("requestid".into(), json!("r-1"));
            let body = value.to_string();
            let result = run(*decoder, status, body.as_bytes()).map_err(TestCaseError::fail)?;
            match &result {
                Err(Error::Api(api)) => {
                    prop_assert!(api.is_v1());
                    prop_assert_eq!(api.v1_code.as_deref(), Some(code.as_str()));
                    prop_assert_eq!(&api.errmsg, &message);
                    prop_assert_eq!(api.request_id.as_deref(), Some("r-1"));
                    prop_assert_eq!(api.http_status, status);
                    prop_assert_eq!(api.endpoint, *name);
                }
                other => prop_assert!(false, "{name}: {body} gave {other:?}"),
            }
        }
        prop_assert!(v1 > 0, "no v1 endpoint in the spec");
    }
}

#[test]
fn decoders_cover_every_endpoint_of_the_spec() {
    let spec: BTreeSet<String> = support::all_endpoints()
        .into_iter()
        .map(|(module, name, _, _)| format!("{}.{name}", module.replace('/', ".")))
        .collect();
    let decoders: BTreeSet<String> = DECODERS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(spec, decoders);
    assert_eq!(
        decoders.len(),
        DECODERS.len(),
        "a decoder name is listed twice"
    );
    // This file reads the examples the way the shared harness does.
    assert_eq!(
        examples()["contact.user.get_v2"],
        support::example("contact/user", "get_v2")
    );
}

/// The documented example of every endpoint decodes, and every prefix of it that is not
/// JSON (a cut at every byte offset, through multi-byte characters too) is a decode error
/// that keeps the cut body.
#[test]
fn every_example_decodes_and_every_truncation_is_a_clean_decode_error() {
    let mut cuts = 0;
    for (name, decoder) in DECODERS {
        let Some(example) = examples().get(*name) else {
            continue;
        };
        let example = example.as_bytes();
        assert_eq!(
            check(name, *decoder, 200, example),
            Ok(Outcome::Ok),
            "{name}"
        );
        for cut in 0..example.len() {
            let body = &example[..cut];
            let outcome = check(name, *decoder, 200, body).unwrap_or_else(|e| panic!("{e}"));
            if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
                assert_eq!(outcome, Outcome::Decode, "{name} cut at {cut}");
                cuts += 1;
            }
        }
    }
    assert!(cuts > 5_000, "only {cuts} truncations");
}

/// The figure for the report: 10,000+ generated answers, spread evenly over every endpoint
/// and every generator, counted by outcome. Deterministic (fixed seed).
#[test]
fn ten_thousand_generated_answers_across_all_endpoints() {
    type Generator = Box<dyn Fn(&mut TestRunner, &str) -> Vec<u8>>;
    fn sample<T: std::fmt::Debug>(strategy: &BoxedStrategy<T>, runner: &mut TestRunner) -> T {
        strategy.new_tree(runner).expect("generates").current()
    }
    let bytes = prop::collection::vec(any::<u8>(), 0..512).boxed();
    let soup = json_soup();
    let value = json_value();
    let shaped = envelope();
    let edit_list = edits();
    let byte_edit_list = byte_edits();
    let cut = any::<Index>().boxed();
    let code = any::<i64>().boxed();
    let generators: Vec<(&str, Generator)> = vec![
        (
            "bytes",
            Box::new(move |r: &mut TestRunner, _: &str| sample(&bytes, r)),
        ),
        (
            "json soup",
            Box::new(move |r: &mut TestRunner, _: &str| sample(&soup, r)),
        ),
        (
            "json value",
            Box::new(move |r: &mut TestRunner, _: &str| sample(&value, r).to_string().into_bytes()),
        ),
        (
            "envelope",
            Box::new(move |r: &mut TestRunner, _: &str| {
                sample(&shaped, r).to_string().into_bytes()
            }),
        ),
        (
            "edited example",
            Box::new(move |r: &mut TestRunner, name: &str| {
                edited(&example_value(name), &sample(&edit_list, r))
            }),
        ),
        (
            "byte-edited example",
            Box::new(move |r: &mut TestRunner, name: &str| {
                byte_edited(&example_bytes(name), &sample(&byte_edit_list, r))
            }),
        ),
        (
            "truncated example",
            Box::new(move |r: &mut TestRunner, name: &str| {
                let example = example_bytes(name);
                let at = sample(&cut, r).index(example.len());
                example[..at].to_vec()
            }),
        ),
        (
            "errcode over example",
            Box::new(move |r: &mut TestRunner, name: &str| {
                let mut value = example_value(name);
                value["errcode"] = json!(sample(&code, r));
                value.to_string().into_bytes()
            }),
        ),
    ];
    let status = http_status();

    let mut runner = TestRunner::deterministic();
    let per_endpoint = 10_000usize.div_ceil(DECODERS.len());
    let mut counts: BTreeMap<&str, BTreeMap<Outcome, usize>> = BTreeMap::new();
    let mut totals: BTreeMap<Outcome, usize> = BTreeMap::new();
    let (mut total, mut panics) = (0usize, 0usize);
    let mut violations = Vec::new();
    for round in 0..per_endpoint {
        let (kind, generate) = &generators[round % generators.len()];
        for (name, decoder) in DECODERS {
            let body = generate(&mut runner, name);
            let status = sample(&status, &mut runner);
            total += 1;
            let result = match catch_unwind(AssertUnwindSafe(|| decoder(status, &body))) {
                Ok(result) => result,
                Err(_) => {
                    panics += 1;
                    violations.push(format!("{name} panicked on {}", shown(&body)));
                    continue;
                }
            };
            match judge(name, status, &body, &result) {
                Ok(outcome) => {
                    *counts.entry(kind).or_default().entry(outcome).or_default() += 1;
                    *totals.entry(outcome).or_default() += 1;
                }
                Err(violation) => violations.push(violation),
            }
        }
    }
    let count = |outcome| totals.get(&outcome).copied().unwrap_or(0);
    println!(
        "hostile answers: {total} across {} endpoints ({per_endpoint} each): ok {}, api {}, \
         decode {}, http {}, other {}, panics {panics}",
        DECODERS.len(),
        count(Outcome::Ok),
        count(Outcome::Api),
        count(Outcome::Decode),
        count(Outcome::Http),
        count(Outcome::Other),
    );
    for (kind, outcomes) in &counts {
        println!("  {kind:>20}: {outcomes:?}");
    }
    assert!(total >= 10_000);
    assert_eq!(panics, 0, "panics: {violations:#?}");
    assert!(
        violations.is_empty(),
        "{} violations: {violations:#?}",
        violations.len()
    );
    // The generators reach every outcome, not only the first parse error.
    assert!(count(Outcome::Ok) > 500 && count(Outcome::Api) > 500 && count(Outcome::Decode) > 500);
}

// ---------------------------------------------------------------------------------------
// (b) Leniency where DingTalk drifts, strictness where a value would be misread.
// ---------------------------------------------------------------------------------------

/// A `contact.user.get_v2` answer decoded the way a call does: status, then payload.
fn user_v2(body: &str) -> Result<GetV2Response, Error> {
    decoder("contact.user.get_v2")(200, body.as_bytes())?;
    GetV2Request::decode_output(200, body.as_bytes())
}

/// `result` given as JSON text (so numbers can be spelled any way), after the fields every
/// answer carries (`userid` and `name` are required).
fn user_v2_result(result: &str) -> Result<GetV2Response, Error> {
    let rest = result.trim_start().strip_prefix('{').unwrap_or(result);
    let separator = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    user_v2(&format!(
        r#"{{"errcode":0,"errmsg":"ok","result":{{"userid":"u1","name":"Ann"{separator}{rest}}}"#
    ))
}

fn decode_error<T: std::fmt::Debug>(result: Result<T, Error>) -> Box<DecodeError> {
    match result {
        Err(Error::Decode(err)) => err,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn null_and_absent_lists_decode_as_empty() {
    for result in [
        r#"{"dept_id_list":null}"#,
        r#"{"dept_id_list":[]}"#,
        r#"{}"#,
        r#"{"dept_id_list":null,"dept_order_list":null,"role_list":null,"leader_in_dept":null}"#,
    ] {
        let user = user_v2_result(result).unwrap_or_else(|e| panic!("{result}: {e}"));
        assert!(user.dept_id_list.is_empty(), "{result}");
        assert!(
            user.dept_order_list.is_empty() && user.role_list.is_empty(),
            "{result}"
        );
    }
    // Exactly the brief's body.
    let user =
        user_v2(r#"{"errcode":0,"result":{"userid":"u1","name":"Ann","dept_id_list":null}}"#)
            .unwrap();
    assert_eq!(user.dept_id_list, Vec::<i64>::new());
}

#[test]
fn booleans_and_numbers_spelled_as_text_decode() {
    for (spelled, expected) in [
        (r#""true""#, true),
        (r#""TRUE""#, true),
        (r#""1""#, true),
        ("1", true),
        (r#""false""#, false),
        ("0", false),
    ] {
        let user = user_v2_result(&format!(r#"{{"active":{spelled}}}"#)).unwrap();
        assert_eq!(user.active, Some(expected), "active: {spelled}");
    }
    let user = user_v2_result(
        r#"{"hired_date":"1597573616828","dept_id_list":["2"," 3 ",4],"dept_order_list":[{"dept_id":"2","order":"176318668975061512"}]}"#,
    )
    .unwrap();
    assert_eq!(user.hired_date, Some(1_597_573_616_828));
    assert_eq!(user.dept_id_list, [2, 3, 4]);
    assert_eq!(user.dept_order_list[0].order, Some(176_318_668_975_061_512));
    // "" for an optional number means absent; 12.0 is the integer 12.
    assert_eq!(
        user_v2_result(r#"{"hired_date":""}"#).unwrap().hired_date,
        None
    );
    assert_eq!(
        user_v2_result(r#"{"hired_date":12.0}"#).unwrap().hired_date,
        Some(12)
    );
    // errcode as text still decides.
    let err = user_v2(r#"{"errcode":"40014","errmsg":"invalid token"}"#).unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.errcode == 40014),
        "{err:?}"
    );
    assert!(user_v2(r#"{"errcode":"0","result":{"userid":"u1","name":"Ann"}}"#).is_ok());
}

/// `value` with every node for which `replace` says so replaced, depth first.
fn replaced(value: &Value, replace: &dyn Fn(&Value) -> Option<Value>) -> Value {
    if let Some(new) = replace(value) {
        return new;
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), replaced(v, replace)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| replaced(v, replace)).collect()),
        other => other.clone(),
    }
}

/// DingTalk's usual drift, applied to every documented example at once: every number and
/// boolean spelled as text (`"errcode":"0"`, `"dept_id":"2"`, `"active":"true"`).
#[test]
fn every_example_decodes_with_all_numbers_and_booleans_as_text() {
    for (name, decoder) in DECODERS {
        let texts = replaced(&example_value(name), &|v| match v {
            Value::Number(n) => Some(json!(n.to_string())),
            Value::Bool(b) => Some(json!(b.to_string())),
            _ => None,
        });
        let body = texts.to_string();
        assert_eq!(
            check(name, *decoder, 200, body.as_bytes()),
            Ok(Outcome::Ok),
            "{body}"
        );
    }
}

/// Endpoints whose `result` is a list of objects: `"result":null` is a decode error there,
/// while a `null` list decodes as empty everywhere else. See `bug_a_null_result_list_decodes`.
const NULL_RESULT_LIST_REJECTED: &[&str] = &["contact.department.list_sub_v2"];

/// `null` where a list belongs, for every list of every documented example at once.
#[test]
fn every_example_decodes_with_all_lists_null() {
    for (name, decoder) in DECODERS {
        let nulls = replaced(&example_value(name), &|v| {
            v.is_array().then_some(Value::Null)
        });
        let body = nulls.to_string();
        let outcome = check(name, *decoder, 200, body.as_bytes());
        if !NULL_RESULT_LIST_REJECTED.contains(name) {
            assert_eq!(outcome, Ok(Outcome::Ok), "{body}");
        }
    }
}

/// A `null` list decodes as empty everywhere, a `result` that is a list of objects included
/// (`contact.department.list_sub_v2` with `{"errcode":0,"result":null}`).
#[test]
fn a_null_result_list_decodes() {
    for name in NULL_RESULT_LIST_REJECTED {
        let result = decoder(name)(200, br#"{"errcode":0,"errmsg":"ok","result":null}"#);
        assert!(result.is_ok(), "{name}: {result:?}");
    }
}

/// A value of another kind is an error that names the JSON path and keeps the body.
#[test]
fn values_of_another_kind_are_errors_naming_the_path() {
    for (result, path, mentions) in [
        (
            r#"{"dept_id_list":["x"]}"#,
            "result.dept_id_list[0]",
            "\"x\"",
        ),
        (
            r#"{"dept_id_list":[2,"x"]}"#,
            "result.dept_id_list[1]",
            "\"x\"",
        ),
        (
            r#"{"hired_date":"yesterday"}"#,
            "result.hired_date",
            "yesterday",
        ),
        (r#"{"active":"yes"}"#, "result.active", "yes"),
        (r#"{"active":2}"#, "result.active", "2"),
        (
            r#"{"dept_order_list":[{"order":"first"}]}"#,
            "result.dept_order_list[0].order",
            "first",
        ),
        (
            r#"{"role_list":[{"id":[1]}]}"#,
            "result.role_list[0].id",
            "sequence",
        ),
        (r#"{"hired_date":{"ms":1}}"#, "result.hired_date", "map"),
        (r#"{"name":[]}"#, "result.name", "sequence"),
    ] {
        let body = format!(r#"{{"errcode":0,"errmsg":"ok","result":{result}}}"#);
        let err = decode_error(user_v2(&body));
        assert_eq!(err.path.as_deref(), Some(path), "{result}: {err}");
        assert!(err.message.contains(mentions), "{result}: {}", err.message);
        assert_eq!(err.body, body);
        assert_eq!(err.endpoint, "contact.user.get_v2");
        assert!(err.to_string().contains(path), "{err}");
    }
    // An errcode that is no integer cannot be trusted either way.
    for body in [
        r#"{"errcode":"abc"}"#,
        r#"{"errcode":[0]}"#,
        r#"{"errcode":0.5}"#,
    ] {
        decode_error(user_v2(body));
    }
}

#[test]
fn i64_extremes_are_exact_and_overflow_is_an_error_not_a_wrap_or_a_rounding() {
    for (spelled, expected) in [
        ("9223372036854775807", i64::MAX),
        ("\"9223372036854775807\"", i64::MAX),
        ("-9223372036854775808", i64::MIN),
        // 2^53 + 1: an f64 would round it to 2^53.
        ("9007199254740993", 9_007_199_254_740_993),
        ("\"9007199254740993\"", 9_007_199_254_740_993),
    ] {
        let user = user_v2_result(&format!(
            r#"{{"hired_date":{spelled},"dept_id_list":[{spelled}]}}"#
        ))
        .unwrap_or_else(|e| panic!("{spelled}: {e}"));
        assert_eq!(user.hired_date, Some(expected), "{spelled}");
        assert_eq!(user.dept_id_list, [expected], "{spelled}");
    }
    for spelled in [
        "9223372036854775808",
        "\"9223372036854775808\"",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "1e19",
        "9.3e18",
        "1e400",
    ] {
        let err = decode_error(user_v2_result(&format!(r#"{{"hired_date":{spelled}}}"#)));
        assert_eq!(
            err.path.as_deref(),
            Some("result.hired_date"),
            "{spelled}: {err}"
        );
        let err = decode_error(user_v2_result(&format!(
            r#"{{"dept_id_list":[1,{spelled}]}}"#
        )));
        assert_eq!(
            err.path.as_deref(),
            Some("result.dept_id_list[1]"),
            "{spelled}: {err}"
        );
    }
}

#[test]
fn a_fraction_for_an_integer_field_is_an_error() {
    for spelled in ["1.5", "\"1.5\"", "-0.5", "1e-7", "12.000001", "\"12.5\""] {
        let err = decode_error(user_v2_result(&format!(r#"{{"hired_date":{spelled}}}"#)));
        assert_eq!(
            err.path.as_deref(),
            Some("result.hired_date"),
            "{spelled}: {err}"
        );
    }
}

/// A decode error's `message` (and so its `Display`) stays short even when serde repeats a
/// megabyte-long offending value; the raw body is still kept whole in `body`.
#[test]
fn a_decode_error_message_is_bounded() {
    let big = json!("界".repeat(350_000)).to_string();
    for body in [
        format!(r#"{{"errcode":0,"result":{{"hired_date":{big}}}}}"#),
        format!(r#"{{"errcode":0,"result":{big}}}"#),
        format!(r#"{{"errcode":{big}}}"#),
    ] {
        let err = decode_error(user_v2(&body));
        assert!(
            err.message.len() < 1_000,
            "a message of {} bytes",
            err.message.len()
        );
        assert!(
            err.to_string().len() < 2_000,
            "a text of {} bytes",
            err.to_string().len()
        );
    }
}

/// A whole answer that is a JSON array is refused: serde's derived `Deserialize` would read
/// it into a struct by position (`[0,"ok","张三"]` as userid "0", unionid "ok", name "张三").
#[test]
fn a_json_array_answer_is_not_read_as_an_object() {
    let user_get = decoder("contact.user.get");
    for body in [r#"[0,"ok","张三"]"#, r#"[40014,"x"]"#, "[]"] {
        match user_get(200, body.as_bytes()) {
            Err(Error::Decode(err)) => assert_eq!(err.body, body),
            other => panic!("{body}: expected a decode error, got {other:?}"),
        }
    }
}

/// Inside an answer too, an array where an object belongs is refused, at any depth: it is
/// not read by position (`"dept_order_list":[[2,176318668975061512]]` as dept_id 2, order
/// 176318668975061512).
#[test]
fn a_nested_json_array_is_not_read_as_an_object() {
    for (result, path) in [
        (
            r#"{"dept_order_list":[[2,176318668975061512]]}"#,
            "result.dept_order_list[0]",
        ),
        (
            r#"{"dept_order_list":[{"dept_id":1,"order":2},[3,4]]}"#,
            "result.dept_order_list[1]",
        ),
        (r#"{"union_emp_ext":["corp","u2"]}"#, "result.union_emp_ext"),
        (r#"{"union_emp_ext":[]}"#, "result.union_emp_ext"),
    ] {
        let err = decode_error(user_v2_result(result));
        assert_eq!(err.path.as_deref(), Some(path), "{result}: {err:?}");
        assert!(err.message.contains("expected struct"), "{result}: {err:?}");
    }
    // The whole payload as an array, on both decode paths (result field and whole body).
    let err = decode_error(user_v2(r#"{"errcode":0,"result":["u1","Ann"]}"#));
    assert_eq!(err.path.as_deref(), Some("result"), "{err:?}");
}

/// A field given twice is an error naming it, also when the second spelling is an alias
/// (DingTalk never repeats a key; a body that does is not DingTalk's); unknown keys are
/// skipped whatever they hold; a key written with JSON escapes is the same key.
#[test]
fn repeated_unknown_and_escaped_keys() {
    for (result, field) in [
        (r#"{"active":true,"active":false}"#, "active"),
        (r#"{"dept_id_list":[1],"dept_id_list":[2]}"#, "dept_id_list"),
    ] {
        let err = decode_error(user_v2_result(result));
        assert!(
            err.message.contains(&format!("duplicate field `{field}`")),
            "{result}: {err:?}"
        );
        assert_eq!(err.path.as_deref(), Some("result"), "{result}: {err:?}");
    }
    let err = decode_error(user_v2(
        r#"{"errcode":0,"result":{"userid":"u1","name":"Ann","userid":"u2"}}"#,
    ));
    assert!(err.message.contains("duplicate field `userid`"), "{err:?}");

    let user = user_v2_result(
        r#"{"future":{"deep":[{"x":[1,{"y":null}]}]},"dept_id_list":[7],"extra":[[[]]],"z":"\u0000"}"#,
    )
    .unwrap();
    assert_eq!(user.dept_id_list, vec![7]);

    let user = user_v2(
        r#"{"errcode":0,"result":{"user\u0069d":"u\u00e9","n\u0061me":"Ann","\u0061ctive":"true"}}"#,
    )
    .unwrap();
    assert_eq!(
        (user.userid.as_str(), user.name.as_str()),
        ("u\u{e9}", "Ann")
    );
    assert_eq!(user.active, Some(true));
}

/// A required field that is absent (or `null`) is an error that names it and where.
#[test]
fn a_missing_required_field_is_named_with_its_path() {
    let err = decode_error(user_v2(r#"{"errcode":0,"result":{"name":"Ann"}}"#));
    assert!(err.message.contains("missing field `userid`"), "{err:?}");
    assert_eq!(err.path.as_deref(), Some("result"), "{err:?}");
    let err = decode_error(user_v2(
        r#"{"errcode":0,"result":{"userid":null,"name":"Ann"}}"#,
    ));
    assert_eq!(err.path.as_deref(), Some("result.userid"), "{err:?}");
}

// ---------------------------------------------------------------------------------------
// (c) Size: no crash, no unbounded work.
// ---------------------------------------------------------------------------------------

/// `"[1000000000000,1000000000001,...]"` of at least `bytes` bytes, and its length.
fn number_list(bytes: usize) -> (String, usize) {
    let mut list = String::with_capacity(bytes + 32);
    list.push('[');
    let mut count = 0usize;
    while list.len() < bytes {
        if count > 0 {
            list.push(',');
        }
        let _ = write!(list, "{}", 1_000_000_000_000i64 + count as i64);
        count += 1;
    }
    list.push(']');
    (list, count)
}

#[test]
fn a_five_megabyte_list_decodes_and_a_bad_last_element_is_named() {
    let (list, count) = number_list(5 << 20);
    let body = format!(
        r#"{{"errcode":0,"errmsg":"ok","result":{{"userid":"u1","name":"Ann","dept_id_list":{list}}}}}"#
    );
    let started = Instant::now();
    let user = user_v2(&body).expect("a 5 MB list decodes");
    assert_eq!(user.dept_id_list.len(), count);
    assert_eq!(
        user.dept_id_list.last(),
        Some(&(1_000_000_000_000 + count as i64 - 1))
    );

    let bad = body.replacen("]}}", r#","x"]}}"#, 1);
    let err = decode_error(user_v2(&bad));
    assert_eq!(err.path, Some(format!("result.dept_id_list[{count}]")));
    assert_eq!(err.body_len, bad.len(), "the error knows the whole length");
    assert_eq!(
        err.body,
        bad[..dingtalk_api::error::BODY_EXCERPT],
        "and keeps the first 64 KiB of the 5 MB body"
    );
    assert!(
        err.to_string().len() < 1_000,
        "the error's text shows a bounded excerpt"
    );

    // A top-level list of text (`userIds`), 5 MB.
    let (list, _) = number_list(5 << 20);
    let ids = list
        .replace(',', "\",\"")
        .replace('[', "[\"")
        .replace(']', "\"]");
    let body = format!(r#"{{"errcode":0,"errmsg":"ok","userIds":{ids}}}"#);
    let name = "contact.user.get_dept_member";
    assert_eq!(
        check(name, decoder(name), 200, body.as_bytes()),
        Ok(Outcome::Ok)
    );

    // Every endpoint, with a 64 KB list where its own lists and its `result` go (5 MB for
    // every endpoint would take a minute in a debug build).
    let (list, _) = number_list(64 << 10);
    let everywhere = format!(
        r#"{{"errcode":0,"result":{list},"userlist":{list},"userIds":{list},"readUserIdList":{list},"department":{list}}}"#
    );
    for (name, decoder) in DECODERS {
        check(name, *decoder, 200, everywhere.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    println!("5 MB answers decoded in {:?}", started.elapsed());
}

/// serde_json stops at 128 levels with an error; nothing recurses past it. Run on a thread
/// with an explicit 2 MiB stack (a spawned thread's and a tokio worker's default), so a
/// stack overflow (an abort, not a panic) would kill the test binary.
#[test]
fn ten_thousand_levels_of_nesting_are_an_error_not_a_stack_overflow() {
    const DEPTH: usize = 10_000;
    let closed = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let open = "[".repeat(DEPTH);
    let objects = format!("{}1{}", "{\"a\":".repeat(DEPTH), "}".repeat(DEPTH));
    let mut bodies = vec![closed.clone(), open.clone(), objects.clone()];
    for deep in [&closed, &open, &objects] {
        bodies.extend([
            format!(r#"{{"errcode":0,"result":{deep}}}"#),
            format!(r#"{{"errcode":0,"result":{{"dept_id_list":{deep}}}}}"#),
            format!(r#"{{"errcode":0,"result":{{"extension_i18n":{deep}}}}}"#),
            format!(
                r#"{{"errcode":0,"result":{{"userid":"u1","name":"Ann","extension":{}}}}}"#,
                json!(deep)
            ),
            format!(r#"{{"errcode":0,"errmsg":{deep}}}"#),
            format!(r#"{{"errcode":0,"userlist":{deep},"chat_info":{deep},"userIds":{deep}}}"#),
        ]);
    }
    let errcode_first = format!(r#"{{"errcode":40014,"errmsg":"x","result":{closed}}}"#);
    std::thread::Builder::new()
        .name("deep-json".into())
        .stack_size(2 << 20)
        .spawn(move || {
            for body in &bodies {
                for (name, decoder) in DECODERS {
                    check(name, *decoder, 200, body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
                }
            }
            // The status is read first, and skipping the deep `result` is iterative. (A v1
            // answer has no `errcode`: there the body is just judged.)
            for (name, decoder) in DECODERS {
                if is_v1(name) {
                    check(name, *decoder, 200, errcode_first.as_bytes())
                        .unwrap_or_else(|e| panic!("{e}"));
                    continue;
                }
                let result = run(*decoder, 200, errcode_first.as_bytes()).unwrap();
                assert!(
                    matches!(result, Err(Error::Api(ref a)) if a.errcode == 40014),
                    "{name}"
                );
            }
            // 10,000 levels inside `extension` (a string holding JSON): not parsed past the
            // limit; the text is kept as it is, or rejected.
            let deep_text = format!(
                r#"{{"errcode":0,"result":{{"userid":"u1","name":"Ann","extension":{}}}}}"#,
                json!(closed)
            );
            match user_v2(&deep_text) {
                Ok(user) => assert_eq!(user.extension, Some(Value::String(closed))),
                Err(Error::Decode(err)) => {
                    assert_eq!(err.path.as_deref(), Some("result.extension"))
                }
                Err(other) => panic!("{other:?}"),
            }
        })
        .expect("spawns")
        .join()
        .expect("no panic on the deep-json thread");
}

// ---------------------------------------------------------------------------------------
// (d) Requests on the wire: values that could break a URL or JSON arrive byte-exact.
// ---------------------------------------------------------------------------------------

const GET_PATH: &str = "/user/get";
const GET_V2_PATH: &str = "/topapi/v2/user/get";
const DELETE_PATH: &str = "/user/delete";
const NOTICE_PATH: &str = "/topapi/message/corpconversation/asyncsend_v2";
const CHAT_SEND_PATH: &str = "/chat/send";

/// Values that break naive URL or JSON building.
const WEIRD: &[&str] = &[
    "line1\nline2\r\nline3",
    "a&b=c&userid=admin",
    "=",
    "#fragment",
    "?q=1",
    "100%",
    "%41%2541%zz%",
    "a+b c",
    "  leading and trailing  ",
    "\"double\" 'single'",
    "back\\slash \\u0041 \\n",
    "😀🎉👨‍👩‍👧",
    "中文用户名",
    "𠜎𠜱𠝹",
    "tab\there",
    "nul\u{0}byte",
    "\u{7f}\u{1}\u{1f}",
    "\u{2028}\u{2029}",
    "\u{FEFF}bom",
    "\u{202E}rtl",
    "",
    "null",
    "{\"json\":true}",
    "<script>alert(1)</script>",
    "/../../etc/passwd",
    ";,/?:@&=+$",
];

/// Every [`WEIRD`] value, then all of them in one string.
fn weird_values() -> Vec<String> {
    let mut values: Vec<String> = WEIRD.iter().map(|s| s.to_string()).collect();
    values.push(WEIRD.concat());
    values
}

/// About `bytes` bytes of every [`WEIRD`] value, repeated.
fn weird_of_size(bytes: usize) -> String {
    let unit = WEIRD.concat();
    let mut value = unit.repeat(bytes / unit.len() + 1);
    let cut = (0..=bytes)
        .rev()
        .find(|i| value.is_char_boundary(*i))
        .unwrap_or(0);
    value.truncate(cut);
    value
}

fn megabyte() -> String {
    weird_of_size(1 << 20)
}

async fn mount_example(server: &MockServer, http_method: &str, at: &str, module: &str, name: &str) {
    Mock::given(method(http_method))
        .and(path(at))
        .respond_with(support::example_response(module, name))
        .mount(server)
        .await;
}

/// The query of `request`, decoded, without the token.
fn query_of(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .filter(|(k, _)| k != "access_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

#[tokio::test]
async fn weird_values_arrive_byte_exact_as_a_get_query_parameter() {
    let h = support::harness().await;
    mount_example(&h.server, "GET", GET_PATH, "contact/user", "get").await;
    let mut values = weird_values();
    // The largest sizes that fit an URL (see the next test): ~12 KiB, percent-encoded ~3x.
    values.push(weird_of_size(12 << 10));
    for value in &values {
        h.client
            .contact()
            .user()
            .get(GetRequest::new(value.clone()))
            .await
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
    }
    let received = support::requests_to(&h.server, GET_PATH).await;
    assert_eq!(received.len(), values.len());
    for (request, value) in received.iter().zip(&values) {
        assert_eq!(query_of(request), [("userid".to_string(), value.clone())]);
        // Nothing in the raw query ends it, splits it or needs a decoder to guess.
        let raw = request.url.query().unwrap_or_default();
        assert!(
            raw.bytes().all(|b| b.is_ascii_graphic() && b != b'#'),
            "unescaped byte in {raw:?}"
        );
        assert_eq!(
            raw.matches('&').count(),
            1,
            "userid and access_token only: {raw}"
        );
    }
}

/// An URL holds at most 65,534 bytes (the `http` crate's limit), so a 1 MB query value can
/// never be sent: the call fails before anything leaves, and nothing reaches the server.
/// What it fails with today (`Error::Transport` "builder error", after the retries of an
/// idempotent call) is a known bug, see `bug_an_unsendable_url_fails_fast_as_a_local_error`.
#[tokio::test]
async fn a_megabyte_query_value_is_refused_before_anything_is_sent() {
    let h = support::harness().await;
    mount_example(&h.server, "GET", GET_PATH, "contact/user", "get").await;
    let call = h.client.contact().user().get(GetRequest::new(megabyte()));
    let result = tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("the call ends");
    let err = result.expect_err("a ~3 MB URL cannot be sent");
    assert!(!err.to_string().is_empty());
    assert!(support::requests_to(&h.server, GET_PATH).await.is_empty());
}

/// A URL too long to build is a local error: nothing was sent, so it is neither retried nor
/// reported as an unknown outcome (even for `user/delete`).
#[tokio::test]
async fn an_unsendable_url_fails_fast_as_a_local_error() {
    let h = support::harness().await;
    mount_example(&h.server, "GET", GET_PATH, "contact/user", "get").await;
    mount_example(&h.server, "GET", DELETE_PATH, "contact/user", "delete").await;
    let started = Instant::now();
    let err = h
        .client
        .contact()
        .user()
        .get(GetRequest::new(megabyte()))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let err_delete = h
        .client
        .contact()
        .user()
        .delete(DeleteRequest::new(megabyte()))
        .await
        .unwrap_err();
    assert!(
        support::requests_to(&h.server, DELETE_PATH)
            .await
            .is_empty()
    );
    assert!(
        elapsed < Duration::from_millis(500),
        "a request that was never sent was retried for {elapsed:?}: {err}"
    );
    assert!(
        matches!(
            err_delete,
            Error::Transport(_) | Error::Encode { .. } | Error::Config(_)
        ),
        "nothing was sent, yet: {err_delete}"
    );
}

#[tokio::test]
async fn weird_values_arrive_byte_exact_in_a_post_json_body() {
    let h = support::harness().await;
    mount_example(&h.server, "POST", GET_V2_PATH, "contact/user", "get_v2").await;
    let mut values = weird_values();
    values.push(megabyte());
    for value in &values {
        h.client
            .contact()
            .user()
            .get_v2(GetV2Request::new(value.clone()))
            .await
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
    }
    let received = support::requests_to(&h.server, GET_V2_PATH).await;
    assert_eq!(received.len(), values.len());
    for (request, value) in received.iter().zip(&values) {
        assert_eq!(body_of(request), json!({"userid": value}));
        assert!(query_of(request).is_empty());
    }
}

/// `userid_list` goes out as one comma-joined string, each element verbatim: the SDK
/// neither escapes nor rejects a `,` inside a userid, so DingTalk reads `"user,123"` as the
/// two userids `user` and `123`. A userid never contains a comma; passing one is a caller
/// error that the wire cannot express.
#[tokio::test]
async fn csv_list_elements_are_joined_verbatim_and_a_comma_inside_one_splits_it() {
    let h = support::harness().await;
    mount_example(
        &h.server,
        "POST",
        NOTICE_PATH,
        "message/work_notice",
        "send",
    )
    .await;
    let ids = ["user,123", "a&b=c", "😀", "中文", "x y", "q\"uote", "\\"];
    let text = WEIRD.concat();
    h.client
        .message()
        .work_notice()
        .send(
            NoticeSendRequest::new(TextContent::new(text.clone()))
                .agent_id(4_294_967_396)
                .userid_list(ids)
                .dept_id_list([1, 9_007_199_254_740_993]),
        )
        .await
        .expect("send succeeds");
    let body = support::single_json_body(&h.server, NOTICE_PATH).await;
    let joined = body["userid_list"].as_str().expect("one string");
    assert_eq!(joined, ids.join(","));
    assert_eq!(
        joined.split(',').count(),
        ids.len() + 1,
        "the comma splits a userid"
    );
    assert_eq!(body["dept_id_list"], json!("1,9007199254740993"));
    assert_eq!(
        body["msg"],
        json!({"msgtype": "text", "text": {"content": text}})
    );
    assert_eq!(body["agent_id"], json!(4_294_967_396_i64));
}

/// The chat id and the message text arrive exactly, up to 1 MB of text (DingTalk refuses a
/// `msg` over 2048 bytes; the SDK does not check, the answer does).
#[tokio::test]
async fn weird_values_arrive_byte_exact_in_a_chat_message() {
    let h = support::harness().await;
    mount_example(&h.server, "POST", CHAT_SEND_PATH, "chat", "send").await;
    let mut values = weird_values();
    values.push(megabyte());
    for value in &values {
        h.client
            .chat()
            .send(ChatSendRequest::new(
                value.clone(),
                TextContent::new(value.clone()),
            ))
            .await
            .unwrap_or_else(|e| panic!("{value:?}: {e}"));
    }
    let received = support::requests_to(&h.server, CHAT_SEND_PATH).await;
    assert_eq!(received.len(), values.len());
    for (request, value) in received.iter().zip(&values) {
        assert_eq!(
            body_of(request),
            json!({"chatid": value, "msg": {"msgtype": "text", "text": {"content": value}}})
        );
    }
}

/// Any text (arbitrary Unicode scalar values) arrives exactly, in the query and in a body.
#[test]
fn any_text_arrives_byte_exact_in_query_and_body() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let h = runtime.block_on(async {
        let h = support::harness().await;
        mount_example(&h.server, "GET", GET_PATH, "contact/user", "get").await;
        mount_example(&h.server, "POST", GET_V2_PATH, "contact/user", "get_v2").await;
        h
    });
    let values = prop_oneof![
        prop::collection::vec(any::<char>(), 0..64).prop_map(String::from_iter),
        prop::collection::vec(select(WEIRD), 0..6).prop_map(|parts| parts.concat()),
    ];
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&values, |value| {
            runtime.block_on(async {
                let user = h.client.contact().user();
                user.get(GetRequest::new(value.clone()))
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                user.get_v2(GetV2Request::new(value.clone()))
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let got = support::requests_to(&h.server, GET_PATH).await;
                let last = got.last().expect("a GET arrived");
                prop_assert_eq!(query_of(last), vec![("userid".to_string(), value.clone())]);
                let posted = support::requests_to(&h.server, GET_V2_PATH).await;
                let last = posted.last().expect("a POST arrived");
                prop_assert_eq!(body_of(last), json!({"userid": value}));
                Ok::<(), TestCaseError>(())
            })
        })
        .unwrap();
}
