//! Documented response examples against the declared response, with exactly the leniency of
//! the run-time decoder (`dingtalk-api/src/wire/de.rs`, `decode.rs`, and the `de_with` the
//! emitter picks in `emit/types.rs`): an example this accepts is an answer the generated code
//! decodes, and a value it rejects is reported at its own line and column in the spec file.
//!
//! The rules, per Rust type of a response field:
//! - lenient scalars (`i32`, `i64`, `f64`, `bool`, `string`, with or without `encoding:
//!   string`): `Scalar::from_raw` of de.rs; optional ones also take `null`, and `""` unless
//!   they are strings; lists and maps of them take `null`;
//! - `csv` / `pipe`: a joined string (or a number), a list, or `null`;
//! - `json_string`: a string holding JSON (the value inside is read by plain serde), the value
//!   itself, or text for a field that can hold text;
//! - lists and maps of objects take `null`; their items are read by plain serde;
//! - named and inline structs are objects (unknown keys are fine; `required` keys must be
//!   present, under their name or an alias); enums take any string or number; `json` anything.
//!
//! The envelope decides where the payload is: `flat` and `flat_with_request_id` at the top
//! level, `result` under `result` (a list or map `type` may be `null` or absent), `style: v1`
//! the whole body. An answer whose `errcode` is non-zero is an error example and is not
//! checked against the payload's shape.

use std::collections::{BTreeSet, HashMap};

use crate::diag::{Diagnostics, Span};
use crate::json::{self, Kind, Value};
use crate::model::*;
use crate::naming;

/// Checks the example of `endpoint` (if any) against its declared response.
pub(crate) fn check(
    defs: &HashMap<&str, &TypeDef>,
    in_requests: &BTreeSet<String>,
    file: &SpecFile,
    endpoint: &Endpoint,
    diags: &mut Diagnostics,
) {
    let Some(response) = &endpoint.response else {
        return;
    };
    let Some(example) = &response.example else {
        return;
    };
    let value = match json::parse(&example.json) {
        Ok(value) => value,
        Err(err) => {
            diags.error(
                example.locate(err.at.line, err.at.col, err.at.index),
                format!("`example` is not valid JSON: {}", err.message),
            );
            return;
        }
    };
    let mut checker = Checker {
        defs,
        in_requests,
        example,
        inside_string: None,
        problems: Vec::new(),
    };
    checker.duplicates(&value);
    checker.answer(file, endpoint, &response.shape, &value);
    for (span, message) in checker.problems {
        diags.error(span, message);
    }
}

/// Checks an event's documented example (its payload object) against the event's fields.
pub(crate) fn check_event(
    defs: &HashMap<&str, &TypeDef>,
    in_requests: &BTreeSet<String>,
    event: &EventDef,
    diags: &mut Diagnostics,
) {
    let Some(example) = &event.example else {
        return;
    };
    let value = match json::parse(&example.json) {
        Ok(value) => value,
        Err(err) => {
            diags.error(
                example.locate(err.at.line, err.at.col, err.at.index),
                format!("`example` is not valid JSON: {}", err.message),
            );
            return;
        }
    };
    let mut checker = Checker {
        defs,
        in_requests,
        example,
        inside_string: None,
        problems: Vec::new(),
    };
    checker.duplicates(&value);
    let name = naming::type_name(&event.name);
    checker.object(&name, &event.fields, false, &value, "");
    for (span, message) in checker.problems {
        diags.error(span, message);
    }
}

/// A response type as the decoder sees it.
#[derive(Clone)]
enum Ty<'a> {
    Scalar(Scalar),
    Enum(String),
    Struct {
        name: String,
        fields: &'a [Field],
        /// The struct has a builder (it travels in requests too): optional collections are
        /// `Option<Vec<_>>` instead of `Vec<_>`.
        builder: bool,
    },
    Json,
    List(Box<Ty<'a>>),
    Map(Box<Ty<'a>>),
    /// An unknown or request-only type (reported elsewhere): anything goes.
    Any,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    I32,
    I64,
    F64,
    Bool,
    String,
}

impl Scalar {
    fn of(ty: &TypeExpr) -> Option<Scalar> {
        Some(match ty {
            TypeExpr::I32 => Scalar::I32,
            TypeExpr::I64 => Scalar::I64,
            TypeExpr::F64 => Scalar::F64,
            TypeExpr::Bool => Scalar::Bool,
            // A user token decodes from any scalar, like text.
            TypeExpr::String | TypeExpr::UserToken => Scalar::String,
            _ => return None,
        })
    }

    fn lenient_word(self) -> &'static str {
        match self {
            Scalar::I32 => "a 32-bit integer (i32: a number or a numeric string, in range)",
            Scalar::I64 => "an integer (i64: a number or a numeric string)",
            Scalar::F64 => "a number (f64: a number or a numeric string)",
            Scalar::Bool => "a boolean (true/false, 0/1, or \"true\"/\"false\"/\"1\"/\"0\")",
            Scalar::String => "a string (or a number or boolean)",
        }
    }

    fn strict_word(self) -> &'static str {
        match self {
            Scalar::I32 => "a 32-bit integer as a JSON number (read without leniency here)",
            Scalar::I64 => "an integer as a JSON number (read without leniency here)",
            Scalar::F64 => "a JSON number (read without leniency here)",
            Scalar::Bool => "true or false (read without leniency here)",
            Scalar::String => "a JSON string (read without leniency here)",
        }
    }
}

/// `text` as an integer the way de.rs reads one: `12`, `" 12 "`, `"12.0"`, not `"12.5"`.
fn int_from_text(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse::<i64>().ok().or_else(|| {
        let f: f64 = text.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

fn int_of(kind: &Kind) -> Option<i64> {
    match kind {
        Kind::Int(v) => Some(*v),
        Kind::UInt(v) => i64::try_from(*v).ok(),
        Kind::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Some(*v as i64),
        Kind::String(t) => int_from_text(t),
        _ => None,
    }
}

/// `Scalar::from_raw` of de.rs: whether the lenient decoder reads `kind` as `scalar`.
pub(crate) fn lenient_scalar_ok(scalar: Scalar, kind: &Kind) -> bool {
    match scalar {
        Scalar::I64 => int_of(kind).is_some(),
        Scalar::I32 => int_of(kind).is_some_and(|v| i32::try_from(v).is_ok()),
        Scalar::F64 => match kind {
            Kind::Int(_) | Kind::UInt(_) | Kind::Float(_) => true,
            Kind::String(t) => t.trim().parse::<f64>().is_ok_and(f64::is_finite),
            _ => false,
        },
        Scalar::Bool => match kind {
            Kind::Bool(_) => true,
            Kind::Int(v) => *v == 0 || *v == 1,
            Kind::UInt(v) => *v == 0 || *v == 1,
            Kind::String(t) => matches!(
                t.trim(),
                "true" | "True" | "TRUE" | "1" | "false" | "False" | "FALSE" | "0"
            ),
            _ => false,
        },
        Scalar::String => matches!(
            kind,
            Kind::String(_) | Kind::Int(_) | Kind::UInt(_) | Kind::Float(_) | Kind::Bool(_)
        ),
    }
}

/// Plain serde from a JSON value (what `json_string` uses for the value inside).
fn strict_scalar_ok(scalar: Scalar, kind: &Kind) -> bool {
    match scalar {
        Scalar::I64 => {
            matches!(kind, Kind::Int(_))
                || matches!(kind, Kind::UInt(v) if i64::try_from(*v).is_ok())
        }
        Scalar::I32 => match kind {
            Kind::Int(v) => i32::try_from(*v).is_ok(),
            Kind::UInt(v) => i32::try_from(*v).is_ok(),
            _ => false,
        },
        Scalar::F64 => matches!(kind, Kind::Int(_) | Kind::UInt(_) | Kind::Float(_)),
        Scalar::Bool => matches!(kind, Kind::Bool(_)),
        Scalar::String => matches!(kind, Kind::String(_)),
    }
}

fn is_lenient(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::List(inner) | TypeExpr::Map(inner) => is_lenient(inner),
        other => other.is_scalar(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

struct Checker<'a, 'e> {
    defs: &'a HashMap<&'a str, &'a TypeDef>,
    in_requests: &'a BTreeSet<String>,
    example: &'e Example,
    /// Set while checking the JSON held inside a string (`json_string`): positions inside
    /// it are reported at the string itself.
    inside_string: Option<json::Pos>,
    problems: Vec<(Span, String)>,
}

impl<'a> Checker<'a, '_> {
    fn span(&self, at: json::Pos) -> Span {
        let at = self.inside_string.unwrap_or(at);
        self.example.locate(at.line, at.col, at.index)
    }

    fn mismatch(&mut self, value: &Value, path: &str, expected: &str) {
        let what = if path.is_empty() {
            "the answer".to_string()
        } else {
            format!("`{path}`")
        };
        let inside = if self.inside_string.is_some() {
            " (in the JSON inside this string)"
        } else {
            ""
        };
        let message = format!(
            "`example` does not match the response: {what}{inside} is {}, expected {expected}; fix the example or the declared type",
            value.describe()
        );
        self.problems.push((self.span(value.at), message));
    }

    /// Every object's keys once: a duplicate is a copy mistake (and serde rejects a
    /// duplicate known field).
    fn duplicates(&mut self, value: &Value) {
        match &value.kind {
            Kind::Object(members) => {
                for (i, member) in members.iter().enumerate() {
                    if let Some(first) = members[..i].iter().find(|m| m.key == member.key) {
                        let first = self.span(first.at);
                        self.problems.push((
                            self.span(member.at),
                            format!(
                                "`example` has the key `{}` twice in one object (first at {}:{}); remove one",
                                member.key, first.line, first.col
                            ),
                        ));
                    }
                    self.duplicates(&member.value);
                }
            }
            Kind::Array(items) => items.iter().for_each(|item| self.duplicates(item)),
            _ => {}
        }
    }

    fn resolve(&self, ty: &'a TypeExpr) -> Ty<'a> {
        match ty {
            TypeExpr::List(inner) => Ty::List(Box::new(self.resolve(inner))),
            TypeExpr::Map(inner) => Ty::Map(Box::new(self.resolve(inner))),
            TypeExpr::Json => Ty::Json,
            TypeExpr::File => Ty::Any,
            TypeExpr::Named(name, _) => match self.defs.get(name.as_str()).map(|d| &d.kind) {
                Some(TypeDefKind::Struct(fields)) => Ty::Struct {
                    name: naming::type_name(name),
                    fields,
                    builder: self.in_requests.contains(name),
                },
                Some(TypeDefKind::Enum(_)) => Ty::Enum(naming::type_name(name)),
                // Named codes are read as the integer they are on the wire.
                Some(TypeDefKind::Codes(_)) => Ty::Scalar(Scalar::I64),
                _ => Ty::Any,
            },
            scalar => Scalar::of(scalar).map_or(Ty::Any, Ty::Scalar),
        }
    }

    fn member<'v>(object: &'v Value, key: &str) -> Option<&'v Value> {
        match &object.kind {
            Kind::Object(members) => members.iter().find(|m| m.key == key).map(|m| &m.value),
            _ => None,
        }
    }

    /// The whole answer: status first, then the payload where the envelope puts it.
    fn answer(
        &mut self,
        file: &SpecFile,
        endpoint: &Endpoint,
        shape: &'a ResponseShape,
        value: &Value,
    ) {
        if !matches!(value.kind, Kind::Object(_)) {
            let found = value.describe();
            self.problems.push((
                self.span(value.at),
                format!(
                    "`example` is {found}, but an answer is a JSON object (`{{\"errcode\":0,\"errmsg\":\"ok\",...}}`): paste the whole answer body"
                ),
            ));
            return;
        }
        if file.style == Style::Classic
            && let Some(errcode) = Self::member(value, "errcode")
        {
            // `errcode` is read as a lenient optional integer; non-zero is an error answer.
            let code = match &errcode.kind {
                Kind::Null => Some(0),
                Kind::String(t) if t.is_empty() => Some(0),
                kind => int_of(kind),
            };
            match code {
                None => {
                    self.mismatch(errcode, "errcode", "an integer (0 for success)");
                    return;
                }
                Some(0) => {}
                Some(_) => return,
            }
        }
        let result = endpoint.envelope == Some(Envelope::Result);
        match shape {
            ResponseShape::Empty | ResponseShape::Binary => {}
            ResponseShape::Fields(fields) => {
                let name = format!("{}Response", naming::type_name(&endpoint.name));
                if result {
                    match Self::member(value, "result") {
                        Some(inner) => self.object(&name, fields, false, inner, "result"),
                        None => self.missing(
                            value,
                            "",
                            "result",
                            "`envelope: result` reads the response fields from it",
                        ),
                    }
                } else {
                    self.object(&name, fields, false, value, "");
                }
            }
            ResponseShape::Type(ty) => {
                let resolved = self.resolve(ty);
                let inner = Self::member(value, "result");
                if is_lenient(ty) {
                    // `lenient_result`: `result` must be there (any style).
                    match inner {
                        Some(inner) => self.lenient(&resolved, false, inner, "result"),
                        None => {
                            self.missing(value, "", "result", "the response `type` is read from it")
                        }
                    }
                } else if matches!(ty, TypeExpr::List(_) | TypeExpr::Map(_)) {
                    // `nullable_result`: absent or null is the empty collection.
                    if let Some(inner) = inner
                        && !matches!(inner.kind, Kind::Null)
                    {
                        self.strict(&resolved, false, inner, "result");
                    }
                } else if result {
                    match inner {
                        Some(inner) => self.strict(&resolved, false, inner, "result"),
                        None => {
                            self.missing(value, "", "result", "the response `type` is read from it")
                        }
                    }
                } else {
                    self.strict(&resolved, false, value, "");
                }
            }
        }
    }

    fn missing(&mut self, object: &Value, path: &str, key: &str, why: &str) {
        let what = if path.is_empty() {
            "the answer".to_string()
        } else {
            format!("the object `{path}`")
        };
        self.problems.push((
            self.span(object.at),
            format!("`example`: {what} has no `{key}`, which is required ({why}); add it to the example or fix the declaration"),
        ));
    }

    fn object(
        &mut self,
        name: &str,
        fields: &'a [Field],
        builder: bool,
        value: &Value,
        path: &str,
    ) {
        let Kind::Object(members) = &value.kind else {
            self.mismatch(value, path, &format!("an object (`{name}`)"));
            return;
        };
        for field in fields {
            let names: Vec<&str> = std::iter::once(field.wire.as_str())
                .chain(field.aliases.iter().map(String::as_str))
                .collect();
            let found: Vec<&json::Member> = members
                .iter()
                .filter(|m| names.contains(&m.key.as_str()))
                .collect();
            if let [first, second, ..] = found.as_slice()
                && first.key != second.key
            {
                self.problems.push((
                    self.span(second.at),
                    format!(
                        "`example` sets field `{}` twice, as `{}` and `{}` (an alias): the decoder rejects a duplicate field; keep one",
                        field.wire, first.key, second.key
                    ),
                ));
            }
            match found.first() {
                Some(member) => {
                    let inner_path = join(path, &member.key);
                    self.field(name, field, builder, &member.value, &inner_path);
                }
                None if field.required => {
                    self.missing(value, path, &field.wire, "the field is `required: true`")
                }
                None => {}
            }
        }
    }

    /// One field, decoded the way the emitter's `de_with` choice decodes it.
    fn field(&mut self, owner: &str, field: &'a Field, builder: bool, value: &Value, path: &str) {
        let (ty, expr) = match &field.shape {
            FieldShape::Type(ty) => (self.resolve(ty), Some(ty)),
            FieldShape::Object(fields) => (
                Ty::Struct {
                    name: format!("{owner}{}", naming::type_name(&field.wire)),
                    fields,
                    builder,
                },
                None,
            ),
            FieldShape::Enum(_) => (
                Ty::Enum(format!("{owner}{}", naming::type_name(&field.wire))),
                None,
            ),
        };
        let collection = matches!(expr, Some(TypeExpr::List(_) | TypeExpr::Map(_)));
        let plain_collection = !field.required && collection && !builder;
        let optional = !field.required && !plain_collection;
        match field.encoding {
            Some(Encoding::Csv) => self.joined(',', expr, value, path),
            Some(Encoding::Pipe) => self.joined('|', expr, value, path),
            Some(Encoding::JsonString) => self.json_string(&ty, optional, value, path),
            Some(Encoding::String) | None => {
                if expr.is_some_and(is_lenient) {
                    self.lenient(&ty, optional, value, path);
                } else if collection {
                    // `nullable`: null is the empty collection; items by plain serde.
                    if !matches!(value.kind, Kind::Null) {
                        self.strict(&ty, false, value, path);
                    }
                } else {
                    self.strict(&ty, optional, value, path);
                }
            }
        }
    }

    /// `wire::de::Seed::lenient`.
    fn lenient(&mut self, ty: &Ty<'a>, optional: bool, value: &Value, path: &str) {
        match ty {
            Ty::Scalar(scalar) => {
                let empty = matches!(&value.kind, Kind::String(t) if t.is_empty());
                let absent =
                    matches!(value.kind, Kind::Null) || (empty && *scalar != Scalar::String);
                if optional && absent {
                    return;
                }
                if !lenient_scalar_ok(*scalar, &value.kind) {
                    let null = if optional { ", or null" } else { "" };
                    self.mismatch(value, path, &format!("{}{null}", scalar.lenient_word()));
                }
            }
            Ty::List(inner) => match &value.kind {
                Kind::Null => {}
                Kind::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.lenient(inner, false, item, &format!("{path}[{i}]"));
                    }
                }
                _ => self.mismatch(value, path, "a list or null"),
            },
            Ty::Map(inner) => match &value.kind {
                Kind::Null => {}
                Kind::Object(members) => {
                    for member in members {
                        self.lenient(inner, false, &member.value, &join(path, &member.key));
                    }
                }
                _ => self.mismatch(value, path, "an object (a map) or null"),
            },
            other => self.strict(other, optional, value, path),
        }
    }

    /// Plain serde `Deserialize` (generated structs keep their own field rules).
    fn strict(&mut self, ty: &Ty<'a>, optional: bool, value: &Value, path: &str) {
        if optional && matches!(value.kind, Kind::Null) {
            return;
        }
        match ty {
            Ty::Any | Ty::Json => {}
            Ty::Scalar(scalar) => {
                if !strict_scalar_ok(*scalar, &value.kind) {
                    self.mismatch(value, path, scalar.strict_word());
                }
            }
            Ty::Enum(name) => {
                if !lenient_scalar_ok(Scalar::String, &value.kind) {
                    let null = if optional { ", or null" } else { "" };
                    self.mismatch(
                        value,
                        path,
                        &format!("a string or number (the enum `{name}`){null}"),
                    );
                }
            }
            Ty::Struct {
                name,
                fields,
                builder,
            } => {
                let (name, fields, builder) = (name.clone(), *fields, *builder);
                self.object(&name, fields, builder, value, path);
            }
            Ty::List(inner) => match &value.kind {
                Kind::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.strict(inner, false, item, &format!("{path}[{i}]"));
                    }
                }
                _ => self.mismatch(value, path, "a list"),
            },
            Ty::Map(inner) => match &value.kind {
                Kind::Object(members) => {
                    for member in members {
                        self.strict(inner, false, &member.value, &join(path, &member.key));
                    }
                }
                _ => self.mismatch(value, path, "an object (a map)"),
            },
        }
    }

    /// `wire::de::Seed::csv` / `pipe`.
    fn joined(&mut self, separator: char, expr: Option<&TypeExpr>, value: &Value, path: &str) {
        let Some(TypeExpr::List(inner)) = expr else {
            return;
        };
        let Some(scalar) = Scalar::of(inner) else {
            return;
        };
        let text = match &value.kind {
            Kind::Null => return,
            Kind::String(text) => text.clone(),
            Kind::Int(v) => v.to_string(),
            Kind::UInt(v) => v.to_string(),
            Kind::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.lenient(&Ty::Scalar(scalar), false, item, &format!("{path}[{i}]"));
                }
                return;
            }
            _ => {
                self.mismatch(
                    value,
                    path,
                    &format!("a `{separator}`-separated string, a list or null"),
                );
                return;
            }
        };
        for piece in text
            .split(separator)
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if !lenient_scalar_ok(scalar, &Kind::String(piece.to_string())) {
                let problem = format!(
                    "`example` does not match the response: `{path}` holds {piece:?} in its `{separator}`-separated list, expected {} for each item; fix the example or the declared type",
                    scalar.lenient_word()
                );
                self.problems.push((self.span(value.at), problem));
            }
        }
    }

    /// `wire::de::Seed::json_string`.
    fn json_string(&mut self, ty: &Ty<'a>, optional: bool, value: &Value, path: &str) {
        let Kind::String(text) = &value.kind else {
            self.strict(ty, optional, value, path);
            return;
        };
        if text.trim().is_empty() {
            let null = Value {
                at: value.at,
                kind: Kind::Null,
            };
            self.strict(ty, optional, &null, path);
            return;
        }
        match json::parse(text) {
            Ok(inner) => {
                let outer = self.inside_string.replace(value.at);
                self.strict(ty, optional, &inner, path);
                self.inside_string = outer;
            }
            Err(_) => {
                // Not JSON: kept as text if the field can hold text, else an error.
                let holds_text = matches!(ty, Ty::Scalar(Scalar::String) | Ty::Json | Ty::Any);
                if !holds_text {
                    let problem = format!(
                        "`example` does not match the response: `{path}` is {}, which holds no JSON, expected (for `encoding: json_string`) a string holding JSON, or the value itself; fix the example or the declared type",
                        value.describe()
                    );
                    self.problems.push((self.span(value.at), problem));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The decoder's rules of `dingtalk-api/src/wire/de.rs`, value by value: each row is what
    //! the run-time decoder does with that JSON for a field of that type.
    use super::*;

    fn kind(text: &str) -> Kind {
        json::parse(text).expect("JSON").kind
    }

    #[test]
    fn lenient_scalars_follow_scalar_from_raw() {
        use Scalar::*;
        let table: &[(Scalar, &str, bool)] = &[
            (I64, "12", true),
            (I64, "-12", true),
            (I64, "\"12\"", true),
            (I64, "\" 12 \"", true),
            (I64, "\"12.0\"", true),
            (I64, "12.0", true),
            (I64, "12.5", false),
            (I64, "\"12.5\"", false),
            (I64, "\"abc\"", false),
            (I64, "\"\"", false),
            (I64, "9223372036854775807", true),
            (I64, "9223372036854775808", false),
            (I64, "\"176318668975061512\"", true),
            (I64, "1e20", false),
            (I64, "true", false),
            (I64, "null", false),
            (I64, "[]", false),
            (I64, "{}", false),
            (I32, "2147483647", true),
            (I32, "2147483648", false),
            (I32, "\"-2147483648\"", true),
            (I32, "\"3000000000\"", false),
            (F64, "1.5", true),
            (F64, "2", true),
            (F64, "\"1.5\"", true),
            (F64, "\" 3 \"", true),
            (F64, "\"NaN\"", false),
            (F64, "\"inf\"", false),
            (F64, "\"x\"", false),
            (F64, "false", false),
            (Bool, "true", true),
            (Bool, "false", true),
            (Bool, "0", true),
            (Bool, "1", true),
            (Bool, "2", false),
            (Bool, "1.0", false),
            (Bool, "-1", false),
            (Bool, "\"true\"", true),
            (Bool, "\"True\"", true),
            (Bool, "\"TRUE\"", true),
            (Bool, "\"false\"", true),
            (Bool, "\"FALSE\"", true),
            (Bool, "\"1\"", true),
            (Bool, "\" 0 \"", true),
            (Bool, "\"yes\"", false),
            (Bool, "\"tRuE\"", false),
            (Bool, "null", false),
            (String, "\"a\"", true),
            (String, "\"\"", true),
            (String, "12", true),
            (String, "-1.5", true),
            (String, "true", true),
            (String, "null", false),
            (String, "{}", false),
            (String, "[\"a\"]", false),
        ];
        for (scalar, text, expected) in table {
            assert_eq!(
                lenient_scalar_ok(*scalar, &kind(text)),
                *expected,
                "{} from {text}",
                scalar.lenient_word()
            );
        }
    }

    fn field(yaml_type: &str, required: bool, encoding: Option<Encoding>) -> Field {
        let ty = match yaml_type {
            "i64" => TypeExpr::I64,
            "i32" => TypeExpr::I32,
            "bool" => TypeExpr::Bool,
            "string" => TypeExpr::String,
            "json" => TypeExpr::Json,
            "list<i64>" => TypeExpr::List(Box::new(TypeExpr::I64)),
            "list<string>" => TypeExpr::List(Box::new(TypeExpr::String)),
            "map<i64>" => TypeExpr::Map(Box::new(TypeExpr::I64)),
            "list<json>" => TypeExpr::List(Box::new(TypeExpr::Json)),
            other => panic!("{other}"),
        };
        Field {
            wire: "v".into(),
            span: Span::new("t.yaml", 1, 1),
            shape: FieldShape::Type(ty),
            required,
            doc: String::new(),
            location: None,
            encoding,
            aliases: Vec::new(),
            secret: false,
            flatten: false,
            client_default: None,
            values: Vec::new(),
            example: None,
        }
    }

    /// Whether `{"v": <value>}` decodes for a response field of that declaration.
    fn accepts(field: &Field, value: &str) -> bool {
        let defs = HashMap::new();
        let requests = BTreeSet::new();
        let example = Example {
            json: String::new(),
            span: Span::new("t.yaml", 1, 1),
            block: true,
            positions: Vec::new(),
        };
        let mut checker = Checker {
            defs: &defs,
            in_requests: &requests,
            example: &example,
            inside_string: None,
            problems: Vec::new(),
        };
        let object = json::parse(&format!("{{\"v\": {value}}}")).expect("JSON");
        checker.object("T", std::slice::from_ref(field), false, &object, "");
        checker.problems.is_empty()
    }

    #[test]
    fn fields_follow_the_deserializer_the_emitter_picks() {
        use Encoding::*;
        let table: &[(&str, bool, Option<Encoding>, &str, bool)] = &[
            // Optional lenient scalars: null, and "" unless a string (EMPTY_IS_NONE).
            ("i64", false, None, "null", true),
            ("i64", false, None, "\"\"", true),
            ("i64", true, None, "null", false),
            ("i64", true, None, "\"\"", false),
            ("bool", false, None, "\"\"", true),
            ("string", false, None, "null", true),
            ("string", true, None, "\"\"", true),
            ("string", true, None, "null", false),
            ("i64", false, Some(String), "\"5\"", true),
            // Lists and maps of scalars: null is empty; items are not optional.
            ("list<i64>", false, None, "null", true),
            ("list<i64>", true, None, "null", true),
            ("list<i64>", false, None, "[1, \"2\", 3.0]", true),
            ("list<i64>", false, None, "[1, null]", false),
            ("list<i64>", false, None, "\"1,2\"", false),
            ("list<i64>", false, None, "{}", false),
            ("map<i64>", false, None, "{\"a\": \"1\"}", true),
            ("map<i64>", false, None, "null", true),
            ("map<i64>", false, None, "[]", false),
            // Joined lists.
            ("list<i64>", false, Some(Csv), "\"1, 2,,3\"", true),
            ("list<i64>", false, Some(Csv), "\"1,x\"", false),
            ("list<i64>", false, Some(Csv), "12", true),
            ("list<i64>", false, Some(Csv), "[1, \"2\"]", true),
            ("list<i64>", false, Some(Csv), "null", true),
            ("list<i64>", false, Some(Csv), "1.5", false),
            ("list<i64>", false, Some(Csv), "true", false),
            ("list<string>", false, Some(Pipe), "\"a|b\"", true),
            ("list<string>", false, Some(Pipe), "{}", false),
            // json_string: JSON inside a string (read strictly), the value itself, or text.
            ("list<i64>", true, Some(JsonString), "\"[1,2]\"", true),
            ("list<i64>", true, Some(JsonString), "[1,2]", true),
            (
                "list<i64>",
                true,
                Some(JsonString),
                "\"[\\\"1\\\"]\"",
                false,
            ),
            ("list<i64>", true, Some(JsonString), "\"not json\"", false),
            ("list<i64>", true, Some(JsonString), "\"\"", false),
            ("list<i64>", false, Some(JsonString), "null", false),
            ("i64", false, Some(JsonString), "\"\"", true),
            ("i64", false, Some(JsonString), "null", true),
            ("i64", true, Some(JsonString), "\"12\"", true),
            ("i64", true, Some(JsonString), "\"12.0\"", false),
            ("string", true, Some(JsonString), "\"{1:false}\"", true),
            ("json", true, Some(JsonString), "\"{1:false}\"", true),
            ("json", true, Some(JsonString), "\"{\\\"a\\\":1}\"", true),
            // json and lists of json: anything (a list of json takes null, not its items).
            ("json", true, None, "null", true),
            ("list<json>", false, None, "null", true),
            ("list<json>", false, None, "[null, 1, {}]", true),
            ("list<json>", false, None, "{}", false),
        ];
        for (ty, required, encoding, value, expected) in table {
            let field = field(ty, *required, *encoding);
            assert_eq!(
                accepts(&field, value),
                *expected,
                "{ty} (required: {required}, encoding: {encoding:?}) from {value}"
            );
        }
    }

    #[test]
    fn a_required_field_must_be_present_under_its_name_or_an_alias() {
        let mut required = field("i64", true, None);
        assert!(accepts(&required, "1"));
        let defs = HashMap::new();
        let requests = BTreeSet::new();
        let example = Example {
            json: String::new(),
            span: Span::new("t.yaml", 1, 1),
            block: true,
            positions: Vec::new(),
        };
        let check = |field: &Field, text: &str| {
            let mut checker = Checker {
                defs: &defs,
                in_requests: &requests,
                example: &example,
                inside_string: None,
                problems: Vec::new(),
            };
            let object = json::parse(text).expect("JSON");
            checker.object("T", std::slice::from_ref(field), false, &object, "");
            checker.problems
        };
        assert_eq!(check(&required, "{}").len(), 1);
        required.aliases = vec!["w".into()];
        assert!(check(&required, "{\"w\": 1}").is_empty());
        assert_eq!(
            check(&required, "{\"v\": 1, \"w\": 2}").len(),
            1,
            "both the name and an alias"
        );
        assert!(
            check(&required, "{\"v\": 1, \"other\": {}}").is_empty(),
            "unknown keys are fine"
        );
    }
}
