//! Checks a request against its spec like DingTalk does, and normalises the parameters into
//! plain JSON (query text parsed to numbers, joined lists split, JSON-in-strings parsed), so
//! state handlers read one shape whatever the client sent.

use std::collections::HashMap;

use dingtalk_codegen::model::{
    Auth, Encoding, Field, FieldShape, Location, TypeDef, TypeDefKind, TypeExpr,
};
use serde_json::{Map, Value};

use crate::spec::Route;

/// A DingTalk-style refusal: `errcode` + `errmsg` (classic), or an HTTP status and a string
/// `code` (v1). A classic refusal of a v1 route is answered in v1 form ([`Rejection::v1_form`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub errcode: i64,
    pub errmsg: String,
    /// The v1 status and code, when the refusal was made for a v1 route.
    pub v1: Option<(u16, String)>,
}

impl Rejection {
    pub fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        Rejection {
            errcode,
            errmsg: errmsg.into(),
            v1: None,
        }
    }

    /// A v1 refusal: `{code, message, requestid}` with `status`.
    pub fn v1(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Rejection {
            errcode: 0,
            errmsg: message.into(),
            v1: Some((status, code.into())),
        }
    }

    /// 40035: DingTalk's answer for a missing or malformed parameter.
    pub fn invalid_param(message: impl Into<String>) -> Self {
        Rejection::new(40035, message)
    }

    /// The HTTP status and code this refusal has on a v1 route.
    pub fn v1_form(&self) -> (u16, String) {
        if let Some(v1) = &self.v1 {
            return v1.clone();
        }
        let (status, code) = match self.errcode {
            41001 | 40014 | 42001 => (400, "InvalidAuthentication"),
            40001 => (400, "invalidClientIdOrSecret"),
            90018 => (403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"),
            90002 => (403, "Forbidden.AccessDenied.QpsLimitForApi"),
            90020 => (403, "Forbidden.AccessDenied.ApiCountLimitForOrg"),
            -1 => (429, "system.busy"),
            60011 => (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied"),
            _ => (400, "invalidParameter"),
        };
        (status, code.to_string())
    }
}

/// A request that passed the checks: its parameters by wire name, in logical form.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub values: Map<String, Value>,
    /// Parameters the spec does not know (recorded for tests to assert on).
    pub unknown: Vec<String>,
    /// File parts of a multipart upload, by part name.
    pub files: std::collections::BTreeMap<String, Upload>,
}

/// One uploaded file part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Parses a `multipart/form-data` body: text parts as strings, file parts as
/// `{file_name, content_type, size}` plus their bytes. `None` if it is not well-formed.
pub fn parse_multipart(
    content_type: &str,
    body: &[u8],
) -> Option<(
    Map<String, Value>,
    std::collections::BTreeMap<String, Upload>,
)> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut fields = Map::new();
    let mut files = std::collections::BTreeMap::new();
    let mut rest = body;
    // Skip to the first delimiter.
    let start = find(rest, delimiter.as_bytes())?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some((fields, files));
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        let content = &rest[header_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        let data = &content[..end];
        rest = &content[end + 2 + delimiter.len()..];
        let mut name = None;
        let mut file_name = None;
        let mut part_type = String::from("application/octet-stream");
        for line in headers.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for item in line.split(';').map(str::trim) {
                    if let Some(v) = item.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_string());
                    } else if let Some(v) = item.strip_prefix("filename=") {
                        file_name = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if lower.starts_with("content-type:") {
                part_type = line[13..].trim().to_string();
            }
        }
        let name = name?;
        match file_name {
            Some(file_name) => {
                fields.insert(
                    name.clone(),
                    serde_json::json!({"file_name": file_name, "content_type": part_type, "size": data.len()}),
                );
                files.insert(
                    name,
                    Upload {
                        file_name,
                        content_type: part_type,
                        bytes: data.to_vec(),
                    },
                );
            }
            None => {
                fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(data).into_owned()),
                );
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What a request carries, by where it carries it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub query: &'a [(String, String)],
    pub body: Option<&'a Map<String, Value>>,
    /// Path placeholder values (v1).
    pub path: &'a [(String, String)],
    /// Request headers, names in lower case.
    pub headers: &'a [(String, String)],
}

/// Validates a request's parameters against the route's.
pub fn check(
    route: &Route,
    types: &HashMap<String, TypeDef>,
    inputs: Inputs<'_>,
) -> Result<Params, Rejection> {
    let text = |pairs: &[(String, String)], name: &str, ignore_case: bool| {
        pairs
            .iter()
            .find(|(k, _)| {
                if ignore_case {
                    k.eq_ignore_ascii_case(name)
                } else {
                    k == name
                }
            })
            .map(|(_, v)| Value::String(v.clone()))
    };
    let mut params = Params::default();
    // Body keys a flattened parameter took as its own.
    let mut flattened: Vec<String> = Vec::new();
    for field in &route.params {
        let raw = match field.location {
            Some(Location::Query) => text(inputs.query, &field.wire, false),
            Some(Location::Path) => text(inputs.path, &field.wire, false),
            Some(Location::Header) => text(inputs.headers, &field.wire, true),
            _ if field.flatten => inputs.body.map(|body| {
                let value = Value::Object(body.clone());
                flattened.extend(flat_keys(field, types));
                value
            }),
            _ => inputs.body.and_then(|b| b.get(&field.wire)).cloned(),
        };
        match raw {
            None | Some(Value::Null) if field.required => {
                return Err(Rejection::invalid_param(format!(
                    "缺少参数 {}: the required parameter `{}` is missing",
                    field.wire, field.wire
                )));
            }
            None | Some(Value::Null) => {}
            Some(value) => {
                let value = conform_field(field, value, types).map_err(|why| {
                    Rejection::invalid_param(format!("参数错误 {}: {why}", field.wire))
                })?;
                params.values.insert(field.wire.clone(), value);
            }
        }
    }
    let credential = |name: &str| match route.auth {
        Auth::SuiteToken => name == "suite_access_token",
        Auth::SuiteSignature => {
            matches!(
                name,
                "accessKey" | "timestamp" | "suiteTicket" | "signature"
            )
        }
        _ => false,
    };
    let known = |name: &str| {
        name == "access_token"
            || credential(name)
            || flattened.iter().any(|k| k == name)
            || route
                .params
                .iter()
                .any(|p| p.wire == name && !p.flatten && p.location != Some(Location::Header))
    };
    for (name, _) in inputs.query {
        if !known(name) {
            params.unknown.push(name.clone());
        }
    }
    if let Some(body) = inputs.body {
        for name in body.keys() {
            if !known(name) {
                params.unknown.push(name.clone());
            }
        }
    }
    Ok(params)
}

/// The body keys a flattened parameter's type owns (a keyed union's tag and content, or a
/// struct's fields).
fn flat_keys(field: &Field, types: &HashMap<String, TypeDef>) -> Vec<String> {
    let FieldShape::Type(TypeExpr::Named(name, _)) = &field.shape else {
        return Vec::new();
    };
    match types.get(name).map(|d| &d.kind) {
        Some(TypeDefKind::Union(union)) => {
            let mut keys: Vec<String> = union.tag.iter().cloned().collect();
            match &union.content {
                Some(content) => keys.push(content.clone()),
                None => keys.extend(union.variants.iter().map(|v| v.wire.clone())),
            }
            keys
        }
        Some(TypeDefKind::Struct(fields)) => fields.iter().map(|f| f.wire.clone()).collect(),
        _ => Vec::new(),
    }
}

fn conform_field(
    field: &Field,
    value: Value,
    types: &HashMap<String, TypeDef>,
) -> Result<Value, String> {
    match (&field.shape, field.encoding) {
        (FieldShape::Type(TypeExpr::List(item)), Some(Encoding::Csv | Encoding::Pipe)) => {
            let separator = if field.encoding == Some(Encoding::Csv) {
                ','
            } else {
                '|'
            };
            let items: Vec<Value> = match value {
                Value::String(text) => text
                    .split(separator)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
                Value::Array(items) => items,
                other => {
                    return Err(format!(
                        "expected a `{separator}`-joined string, found {other}"
                    ));
                }
            };
            items
                .into_iter()
                .map(|v| conform(item, v, types))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        (shape, Some(Encoding::JsonString)) => {
            let parsed = match value {
                Value::String(text) => serde_json::from_str(&text)
                    .map_err(|e| format!("expected a string holding JSON: {e}"))?,
                other => other,
            };
            conform_shape(shape, parsed, types)
        }
        (shape, _) => conform_shape(shape, value, types),
    }
}

fn conform_shape(
    shape: &FieldShape,
    value: Value,
    types: &HashMap<String, TypeDef>,
) -> Result<Value, String> {
    match shape {
        FieldShape::Type(ty) => conform(ty, value, types),
        FieldShape::Object(fields) => conform_object(fields, value, types),
        FieldShape::Enum(values) => {
            let text = as_text(&value).ok_or_else(|| format!("expected text, found {value}"))?;
            if values.iter().any(|v| v.wire == text) {
                Ok(Value::String(text))
            } else {
                Err(format!("`{text}` is not one of the allowed values"))
            }
        }
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Accepts what DingTalk accepts: native JSON types, and scalars spelled as strings (the
/// official SDK sends every scalar as a string).
fn conform(ty: &TypeExpr, value: Value, types: &HashMap<String, TypeDef>) -> Result<Value, String> {
    match ty {
        TypeExpr::String | TypeExpr::UserToken => as_text(&value)
            .map(Value::String)
            .ok_or_else(|| format!("expected text, found {value}")),
        TypeExpr::I64 | TypeExpr::I32 => {
            let int = match &value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            let int = int.ok_or_else(|| format!("expected an integer, found {value}"))?;
            if *ty == TypeExpr::I32 && i32::try_from(int).is_err() {
                return Err(format!("{int} does not fit in 32 bits"));
            }
            Ok(Value::from(int))
        }
        TypeExpr::F64 => match &value {
            Value::Number(_) => Ok(value),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("expected a number, found {value}")),
            _ => Err(format!("expected a number, found {value}")),
        },
        TypeExpr::Bool => match &value {
            Value::Bool(_) => Ok(value),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, found {value}")),
        },
        TypeExpr::Json => Ok(value),
        // The server turns a file part into {file_name, content_type, size}; bytes travel
        // in `Params::files`.
        TypeExpr::File => match value {
            Value::Object(_) => Ok(value),
            other => Err(format!("expected a file part, found {other}")),
        },
        TypeExpr::List(item) => match value {
            Value::Array(items) => items
                .into_iter()
                .map(|v| conform(item, v, types))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Err(format!("expected a list, found {other}")),
        },
        TypeExpr::Map(item) => match value {
            Value::Object(entries) => entries
                .into_iter()
                .map(|(k, v)| conform(item, v, types).map(|v| (k, v)))
                .collect::<Result<Map<_, _>, _>>()
                .map(Value::Object),
            other => Err(format!("expected an object, found {other}")),
        },
        TypeExpr::Named(name, _) => match types.get(name).map(|d| &d.kind) {
            Some(TypeDefKind::Struct(fields)) => conform_object(fields, value, types),
            Some(TypeDefKind::Enum(values)) => {
                conform_shape(&FieldShape::Enum(values.clone()), value, types)
            }
            Some(TypeDefKind::Union(union)) => conform_union(union, value, types),
            // Named integer codes: any integer, as DingTalk may add codes.
            Some(TypeDefKind::Codes(_)) => conform(&TypeExpr::I64, value, types),
            None => Ok(value),
        },
    }
}

fn conform_object(
    fields: &[Field],
    value: Value,
    types: &HashMap<String, TypeDef>,
) -> Result<Value, String> {
    let Value::Object(mut entries) = value else {
        return Err(format!("expected an object, found {value}"));
    };
    for field in fields {
        match entries.remove(&field.wire) {
            None | Some(Value::Null) if field.required => {
                return Err(format!("`{}` is required", field.wire));
            }
            None | Some(Value::Null) => {}
            Some(inner) => {
                let inner = conform_field(field, inner, types)
                    .map_err(|why| format!("{}: {why}", field.wire))?;
                entries.insert(field.wire.clone(), inner);
            }
        }
    }
    Ok(Value::Object(entries))
}

fn conform_union(
    union: &dingtalk_codegen::model::Union,
    value: Value,
    types: &HashMap<String, TypeDef>,
) -> Result<Value, String> {
    if let (Some(tag), Some(content_key)) = (&union.tag, &union.content) {
        // A keyed union: {"msgKey": "sampleText", "msgParam": "{...}"}.
        let Value::Object(entries) = &value else {
            return Err(format!("expected an object, found {value}"));
        };
        let kind = entries
            .get(tag)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("`{tag}` is missing"))?;
        let variant = union
            .variants
            .iter()
            .find(|v| v.wire == kind)
            .ok_or_else(|| format!("unknown {tag} `{kind}`"))?;
        let content = entries
            .get(content_key)
            .cloned()
            .ok_or_else(|| format!("`{content_key}` is missing"))?;
        let content = match (union.content_encoding, content) {
            (Some(Encoding::JsonString), Value::String(text)) => serde_json::from_str(&text)
                .map_err(|e| format!("`{content_key}` must be a string holding JSON: {e}"))?,
            (Some(Encoding::JsonString), other) => {
                return Err(format!(
                    "`{content_key}` must be a string holding JSON, found {other}"
                ));
            }
            (_, other) => other,
        };
        let content = conform(&variant.ty, content, types)
            .map_err(|why| format!("{content_key} of {kind}: {why}"))?;
        let mut out = Map::new();
        out.insert(tag.clone(), Value::String(kind.to_string()));
        out.insert(content_key.clone(), content);
        return Ok(Value::Object(out));
    }
    match &union.tag {
        Some(tag) => {
            let Value::Object(entries) = &value else {
                return Err(format!("expected an object, found {value}"));
            };
            let kind = entries
                .get(tag)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{tag}` is missing"))?;
            let variant = union
                .variants
                .iter()
                .find(|v| v.wire == kind)
                .ok_or_else(|| format!("unknown {tag} `{kind}`"))?;
            let content = entries
                .get(kind)
                .cloned()
                .ok_or_else(|| format!("the `{kind}` content is missing"))?;
            if let Some(other) = union
                .variants
                .iter()
                .find(|v| v.wire != kind && entries.contains_key(&v.wire))
            {
                return Err(format!(
                    "a message holds exactly one type: `{kind}` and `{}` were both sent",
                    other.wire
                ));
            }
            let content =
                conform(&variant.ty, content, types).map_err(|why| format!("{kind}: {why}"))?;
            let mut out = entries.clone();
            out.insert(kind.to_string(), content);
            Ok(Value::Object(out))
        }
        None => {
            let mut problems = Vec::new();
            for variant in &union.variants {
                match conform(&variant.ty, value.clone(), types) {
                    Ok(v) => return Ok(v),
                    Err(why) => problems.push(why),
                }
            }
            Err(problems.join("; or "))
        }
    }
}
