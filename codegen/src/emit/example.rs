//! The usage example in each endpoint method's doc: the request built from its required
//! parameters (a parameter's `example:` from the spec, else a placeholder of the right type),
//! sent through the area accessor. It is
//! a doctest (`no_run`), so an example that stops compiling fails the build.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::types::Emitter;
use crate::model::*;
use crate::naming;

/// What an endpoint's example needs to know besides the spec.
pub struct ExampleCall<'a> {
    /// The module of the request type (`["contact", "user"]`).
    pub module: &'a [String],
    pub request_name: &'a str,
    pub method: &'a str,
    /// The parameters as the request type has them, and those `new()` leaves at a default
    /// (paging starts).
    pub params: &'a [Field],
    pub started: &'a [&'a str],
    /// The call answers `()`.
    pub answers_nothing: bool,
}

/// `# Example` doc lines, or nothing when a required parameter has no placeholder that is
/// sure to compile (a union, a file, an inline object); the request type's doc covers those.
pub fn usage_example(emitter: &Emitter<'_>, call: &ExampleCall<'_>) -> TokenStream {
    let Some(text) = example_text(emitter, call) else {
        return quote! {};
    };
    // Raw lines: the spec-text rewrites of `doc_attrs` (links, escaped brackets) would change
    // the code.
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect();
    quote! { #( #[doc = #lines] )* }
}

fn example_text(emitter: &Emitter<'_>, call: &ExampleCall<'_>) -> Option<String> {
    let module = call.module.join("::");
    let mut uses = BTreeSet::new();
    uses.insert(format!("dingtalk_api::{module}::{}", call.request_name));
    let mut args = Vec::new();
    for field in call.params {
        if !field.required || call.started.contains(&field.wire.as_str()) {
            continue;
        }
        args.push(placeholder(emitter, field, &mut uses)?);
    }
    let accessor: String = call.module.iter().map(|m| format!(".{m}()")).collect();
    let request = format!(
        "let request = {}::new({});",
        call.request_name,
        args.join(", ")
    );
    let send = format!("client{accessor}.{}(request).await?", call.method);
    let body = if call.answers_nothing {
        format!("{request}\n{send};")
    } else {
        format!("{request}\nlet answer = {send};\nprintln!(\"{{answer:?}}\");")
    };
    let uses = use_lines(&uses);
    Some(format!(
        "\n# Example\n\n```no_run\n# async fn example(client: &dingtalk_api::Client) -> Result<(), dingtalk_api::Error> {{\n{uses}\n{body}\n# Ok(())\n# }}\n```"
    ))
}

/// A value for a required parameter, as Rust source; `None` when there is no sure one.
fn placeholder(
    emitter: &Emitter<'_>,
    field: &Field,
    uses: &mut BTreeSet<String>,
) -> Option<String> {
    if let Some(example) = &field.example {
        return Some(example.clone());
    }
    if !field.values.is_empty() || field.flatten {
        return None;
    }
    match &field.shape {
        FieldShape::Type(ty) => value_of(emitter, ty, &field.wire, uses, 0),
        FieldShape::Object(_) | FieldShape::Enum(_) => None,
    }
}

fn value_of(
    emitter: &Emitter<'_>,
    ty: &TypeExpr,
    wire: &str,
    uses: &mut BTreeSet<String>,
    depth: usize,
) -> Option<String> {
    if depth > 3 {
        return None;
    }
    Some(match ty {
        TypeExpr::String => format!("{wire:?}"),
        TypeExpr::I32 | TypeExpr::I64 => "1".to_string(),
        TypeExpr::F64 => "1.0".to_string(),
        TypeExpr::Bool => "true".to_string(),
        TypeExpr::Json => "serde_json::json!({})".to_string(),
        TypeExpr::UserToken => {
            uses.insert("dingtalk_api::UserToken".to_string());
            "UserToken::new(\"the user's access token\")".to_string()
        }
        TypeExpr::List(inner) => match inner.as_ref() {
            TypeExpr::String => format!("[{wire:?}]"),
            TypeExpr::I32 | TypeExpr::I64 => "[1]".to_string(),
            TypeExpr::Named(..) => {
                format!("[{}]", value_of(emitter, inner, wire, uses, depth + 1)?)
            }
            _ => return None,
        },
        TypeExpr::Map(inner) if **inner == TypeExpr::String => "[(\"key\", \"value\")]".to_string(),
        TypeExpr::Named(name, _) => {
            let def = emitter.resolved.types.get(name)?;
            let module = emitter.resolved.type_module.get(name)?.join("::");
            let rust = naming::type_name(name);
            let value = match &def.kind {
                TypeDefKind::Enum(values) => {
                    let first = values.first()?;
                    let variant = match &first.name {
                        Some(n) => naming::type_name(n),
                        None => naming::variant_name(&first.wire),
                    };
                    format!("{rust}::{variant}")
                }
                TypeDefKind::Codes(codes) => {
                    format!("{rust}::{}", naming::type_name(&codes.first()?.name))
                }
                TypeDefKind::Struct(fields) => {
                    let mut args = Vec::new();
                    for field in fields.iter().filter(|f| f.required) {
                        if !field.values.is_empty() || field.flatten {
                            return None;
                        }
                        let FieldShape::Type(ty) = &field.shape else {
                            return None;
                        };
                        args.push(value_of(emitter, ty, &field.wire, uses, depth + 1)?);
                    }
                    format!("{rust}::new({})", args.join(", "))
                }
                // A union takes any of its variants' types (`From`): the first one.
                TypeDefKind::Union(union) => {
                    let first = union.variants.first()?;
                    return value_of(emitter, &first.ty, &first.wire, uses, depth + 1);
                }
            };
            uses.insert(format!("dingtalk_api::{module}::{rust}"));
            value
        }
        _ => return None,
    })
}

/// One `use` line per module: `use dingtalk_api::chat::{CreateRequest, Other};`.
fn use_lines(paths: &BTreeSet<String>) -> String {
    let mut by_module: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for path in paths {
        let (module, name) = path.rsplit_once("::").unwrap_or(("", path));
        by_module.entry(module).or_default().push(name);
    }
    by_module
        .iter()
        .map(|(module, names)| match names.as_slice() {
            [one] => format!("use {module}::{one};\n"),
            many => format!("use {module}::{{{}}};\n", many.join(", ")),
        })
        .collect()
}
