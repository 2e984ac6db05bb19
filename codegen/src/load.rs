//! From the YAML tree to the spec model: shape checks (keys, scalar kinds, enumerated values).
//! Cross-file checks (type references, name clashes) live in `validate`.

use crate::diag::{Diagnostics, Span};
use crate::model::*;
use crate::yaml::{Node, NodeKind};

/// Reads one mapping, remembering which keys were used so that leftovers are reported.
struct MapReader<'a> {
    span: &'a Span,
    entries: &'a [(Node, Node)],
    used: Vec<bool>,
}

impl<'a> MapReader<'a> {
    fn new(node: &'a Node, what: &str, diags: &mut Diagnostics) -> Option<Self> {
        match &node.kind {
            NodeKind::Map(entries) => Some(MapReader {
                span: &node.span,
                entries,
                used: vec![false; entries.len()],
            }),
            _ => {
                diags.error(
                    node.span.clone(),
                    format!("{what} must be a mapping, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    fn take(&mut self, key: &str) -> Option<&'a Node> {
        let index = self
            .entries
            .iter()
            .position(|(k, _)| k.as_str() == Some(key))?;
        self.used[index] = true;
        Some(&self.entries[index].1)
    }

    fn require(&mut self, key: &str, owner: &str, diags: &mut Diagnostics) -> Option<&'a Node> {
        let found = self.take(key);
        if found.is_none() {
            diags.error(
                self.span.clone(),
                format!("{owner} is missing the required key `{key}`"),
            );
        }
        found
    }

    /// Reports every key that was not taken.
    fn finish(self, allowed: &[&str], diags: &mut Diagnostics) {
        for ((key, _), used) in self.entries.iter().zip(self.used) {
            if used {
                continue;
            }
            let name = key.as_str().unwrap_or("?");
            let hint = match closest(name, allowed) {
                Some(suggestion) => format!("; did you mean `{suggestion}`?"),
                None => format!(" (expected one of: {})", allowed.join(", ")),
            };
            diags.error(key.span.clone(), format!("unknown key `{name}`{hint}"));
        }
    }
}

/// The candidate closest to a misspelt name (keys, type names), if it is close enough to be
/// a typo: a small edit distance ignoring case, or one name a prefix of the other. Ties go
/// to the alphabetically first candidate, so hints do not depend on iteration order.
pub(crate) fn closest<'k>(name: &str, candidates: &[&'k str]) -> Option<&'k str> {
    let lower = name.to_lowercase();
    candidates
        .iter()
        .filter_map(|candidate| {
            let other = candidate.to_lowercase();
            let distance = edit_distance(&lower, &other);
            let prefix = other.starts_with(&lower) || lower.starts_with(&other);
            (distance <= 2.max(other.len() / 4) || prefix).then_some((distance, *candidate))
        })
        .min()
        .map(|(_, candidate)| candidate)
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn string(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<String> {
    match &node.kind {
        NodeKind::Scalar { text, .. } => Some(text.clone()),
        _ => {
            diags.error(
                node.span.clone(),
                format!("{what} must be text, found {}", node.kind_name()),
            );
            None
        }
    }
}

fn non_empty_string(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<String> {
    let text = string(node, what, diags)?;
    if text.trim().is_empty() {
        diags.error(node.span.clone(), format!("{what} must not be empty"));
        return None;
    }
    Some(text)
}

fn boolean(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<bool> {
    match &node.kind {
        NodeKind::Scalar { text, plain: true } if text == "true" => Some(true),
        NodeKind::Scalar { text, plain: true } if text == "false" => Some(false),
        NodeKind::Scalar { text, plain } => {
            // Words a doc page's table uses for its "required" column, and other spellings.
            let meant = match text.trim().to_lowercase().as_str() {
                "true" | "yes" | "y" | "on" | "1" | "是" | "必填" | "必选" | "required" => {
                    Some("true")
                }
                "false" | "no" | "n" | "off" | "0" | "否" | "选填" | "可选" | "非必填"
                | "optional" => Some("false"),
                _ => None,
            };
            let message = match meant {
                Some(word) if !plain && text.trim() == word => {
                    format!(
                        "{what} must be `{word}` without quotes (a quoted `\"{word}\"` is text)"
                    )
                }
                Some(word) => {
                    format!("{what} must be `true` or `false`, not `{text}`; write `{word}`")
                }
                None => format!("{what} must be `true` or `false`, not `{text}`"),
            };
            diags.error(node.span.clone(), message);
            None
        }
        _ => {
            diags.error(
                node.span.clone(),
                format!("{what} must be `true` or `false`"),
            );
            None
        }
    }
}

fn integer(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<i64> {
    match &node.kind {
        NodeKind::Scalar { text, plain: true } => match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                diags.error(
                    node.span.clone(),
                    format!("{what} must be an integer, found `{text}`"),
                );
                None
            }
        },
        _ => {
            diags.error(node.span.clone(), format!("{what} must be an integer"));
            None
        }
    }
}

/// A scalar that must be one of a fixed set of words.
fn keyword<T: Copy>(
    node: &Node,
    what: &str,
    choices: &[(&str, T)],
    diags: &mut Diagnostics,
) -> Option<T> {
    keyword_or(node, what, choices, &[], diags)
}

/// [`keyword`], with `synonyms`: words a DingTalk doc page uses, and the word the spec uses
/// for them (`formData` -> `multipart`). A word in the wrong case is named too (`post`).
fn keyword_or<T: Copy>(
    node: &Node,
    what: &str,
    choices: &[(&str, T)],
    synonyms: &[(&str, &str)],
    diags: &mut Diagnostics,
) -> Option<T> {
    let text = string(node, what, diags)?;
    if let Some((_, value)) = choices.iter().find(|(word, _)| *word == text) {
        return Some(*value);
    }
    let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
    let trimmed = text.trim();
    let find = |word: &str| choices.iter().find(|(choice, _)| *choice == word);
    // A misspelling with one clear meaning is reported, and loading goes on with that
    // meaning, so that the checks depending on it do not add follow-on errors.
    let (message, meant) = if let Some((word, value)) = find(trimmed) {
        (
            format!("invalid {what} `{text}`: remove the spaces around `{word}`"),
            Some(*value),
        )
    } else if let Some((word, value)) = choices
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(trimmed))
    {
        (
            format!(
                "invalid {what} `{text}`: write `{word}` (the spec's words are case-sensitive)"
            ),
            Some(*value),
        )
    } else if let Some((_, word)) = synonyms
        .iter()
        .find(|(other, _)| other.eq_ignore_ascii_case(trimmed))
    {
        (
            format!(
                "invalid {what} `{text}`: the spec calls this `{word}` (expected one of: {})",
                words.join(", ")
            ),
            find(word).map(|(_, value)| *value),
        )
    } else {
        (
            format!(
                "invalid {what} `{text}` (expected one of: {})",
                words.join(", ")
            ),
            None,
        )
    };
    diags.error(node.span.clone(), message);
    meant
}

/// The user-facing `doc`, and the maintainers' `notes` beside it (never emitted). A doc that
/// holds an author's note (`uncertain: ...`) is an error: rustdoc is for users.
fn doc(reader: &mut MapReader<'_>, diags: &mut Diagnostics) -> String {
    notes(reader, diags);
    let Some(node) = reader.take("doc") else {
        return String::new();
    };
    let text = string(node, "`doc`", diags).unwrap_or_default();
    author_note_check(node, "doc", &text, diags);
    text
}

/// `notes:` — what a maintainer should know (doubts, where a fact came from, what the
/// sources disagree on); checked to be text, never shown in the generated docs.
fn notes(reader: &mut MapReader<'_>, diags: &mut Diagnostics) {
    if let Some(node) = reader.take("notes") {
        let _ = string(node, "`notes`", diags);
    }
}

fn author_note_check(node: &Node, what: &str, text: &str, diags: &mut Diagnostics) {
    const MARK: &str = "uncertain";
    let found = text.char_indices().find(|(at, _)| {
        text.get(*at..*at + MARK.len())
            .is_some_and(|word| word.eq_ignore_ascii_case(MARK))
    });
    if let Some((at, _)) = found {
        let excerpt: String = text[at..]
            .chars()
            .take_while(|c| *c != '\n')
            .take(60)
            .collect();
        diags.error(
            node.span.clone(),
            format!("`{what}` holds an author's note (`{excerpt}...`): move it to `notes:` beside `{what}` (notes are for maintainers and stay out of rustdoc); keep in `{what}` only what a user needs"),
        );
    }
}

/// The entries of a mapping whose keys are names chosen by the spec author.
fn named_entries<'a>(
    node: &'a Node,
    what: &str,
    diags: &mut Diagnostics,
) -> Vec<(&'a Node, &'a Node)> {
    match &node.kind {
        NodeKind::Map(entries) => entries.iter().map(|(k, v)| (k, v)).collect(),
        _ if node.is_null() => Vec::new(),
        _ => {
            diags.error(
                node.span.clone(),
                format!("{what} must be a mapping, found {}", node.kind_name()),
            );
            Vec::new()
        }
    }
}

/// Loads one endpoint/type file.
pub fn load_file(
    display_path: &str,
    module: Vec<String>,
    root: &Node,
    source: &str,
    diags: &mut Diagnostics,
) -> Option<SpecFile> {
    let mut reader = MapReader::new(
        root,
        "a spec file (`doc`, `types` and `endpoints` at the top level)",
        diags,
    )?;
    notes(&mut reader, diags);
    let doc_node = reader.require("doc", "the file", diags);
    let doc_text = doc_node
        .and_then(|n| non_empty_string(n, "`doc`", diags))
        .unwrap_or_default();
    if let Some(node) = doc_node {
        author_note_check(node, "doc", &doc_text, diags);
    }
    let style = reader
        .take("style")
        .and_then(|n| {
            keyword(
                n,
                "style",
                &[("classic", Style::Classic), ("v1", Style::V1)],
                diags,
            )
        })
        .unwrap_or(Style::Classic);
    let types = reader
        .take("types")
        .map(|n| {
            named_entries(n, "`types`", diags)
                .into_iter()
                .filter_map(|(k, v)| load_type_def(k, v, diags))
                .collect()
        })
        .unwrap_or_default();
    let endpoints = reader
        .take("endpoints")
        .map(|n| {
            named_entries(n, "`endpoints`", diags)
                .into_iter()
                .filter_map(|(k, v)| load_endpoint(k, v, style, source, diags))
                .collect()
        })
        .unwrap_or_default();
    reader.finish(&["doc", "notes", "style", "types", "endpoints"], diags);
    Some(SpecFile {
        display_path: display_path.to_string(),
        module,
        doc: doc_text,
        style,
        types,
        endpoints,
    })
}

fn load_type_def(key: &Node, node: &Node, diags: &mut Diagnostics) -> Option<TypeDef> {
    let name = string(key, "a type name", diags)?;
    let mut reader = MapReader::new(node, &format!("type `{name}`"), diags)?;
    let doc_text = doc(&mut reader, diags);
    let fields = reader.take("fields");
    let values = reader.take("enum");
    let codes = reader.take("values");
    let union = reader.take("union");
    reader.finish(
        &["doc", "notes", "fields", "enum", "values", "union"],
        diags,
    );
    let kind = match (fields, values, codes, union) {
        (Some(f), None, None, None) => TypeDefKind::Struct(load_fields(f, false, diags)),
        (None, Some(e), None, None) => TypeDefKind::Enum(load_enum(e, diags)),
        (None, None, Some(c), None) => {
            let codes = int_values(c, &format!("type `{name}`"), diags);
            if codes.is_empty() {
                diags.error(
                    c.span.clone(),
                    format!("type `{name}`: `values` names no code; give at least one, e.g. `{{off: 0, on: 1}}`"),
                );
                return None;
            }
            TypeDefKind::Codes(codes)
        }
        (None, None, None, Some(u)) => TypeDefKind::Union(load_union(u, diags)?),
        _ => {
            diags.error(
                key.span.clone(),
                format!("type `{name}` needs exactly one of `fields`, `enum` (string values), `values` (named integer codes) or `union`"),
            );
            return None;
        }
    };
    Some(TypeDef {
        name,
        span: key.span.clone(),
        doc: doc_text,
        kind,
    })
}

fn load_enum(node: &Node, diags: &mut Diagnostics) -> Vec<EnumValue> {
    let entries = named_entries(node, "`enum`", diags);
    if entries.is_empty() {
        diags.error(node.span.clone(), "an enum needs at least one value");
    }
    entries
        .into_iter()
        .filter_map(|(key, value)| {
            let wire = string(key, "an enum value", diags)?;
            let (name, doc_text) = match &value.kind {
                NodeKind::Map(_) => {
                    let mut reader = MapReader::new(value, "an enum value", diags)?;
                    let name = reader
                        .take("name")
                        .and_then(|n| non_empty_string(n, "`name`", diags));
                    let doc_text = doc(&mut reader, diags);
                    reader.finish(&["name", "doc", "notes"], diags);
                    (name, doc_text)
                }
                _ => (None, string(value, "an enum value's doc", diags)?),
            };
            Some(EnumValue {
                wire,
                name,
                doc: doc_text,
                span: key.span.clone(),
            })
        })
        .collect()
}

fn load_union(node: &Node, diags: &mut Diagnostics) -> Option<Union> {
    let mut reader = MapReader::new(node, "`union`", diags)?;
    let tag = reader
        .take("tag")
        .and_then(|n| non_empty_string(n, "`tag`", diags));
    let content_node = reader.take("content");
    let content = content_node.and_then(|n| non_empty_string(n, "`content`", diags));
    let content_encoding = reader.take("encoding").and_then(|n| {
        keyword(
            n,
            "content encoding",
            &[("json_string", Encoding::JsonString)],
            diags,
        )
    });
    if let (None, Some(n)) = (&tag, content_node) {
        diags.error(
            n.span.clone(),
            "`content` names where a keyed union puts its content next to its `tag`; add the `tag`",
        );
    }
    let variants_node = reader.require("variants", "`union`", diags);
    reader.finish(&["tag", "content", "encoding", "variants"], diags);
    let variants: Vec<Variant> = variants_node
        .map(|n| named_entries(n, "`variants`", diags))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, value)| {
            let wire = string(key, "a variant name", diags)?;
            let mut reader = MapReader::new(value, &format!("variant `{wire}`"), diags)?;
            let doc_text = doc(&mut reader, diags);
            let ty = reader
                .require("type", &format!("variant `{wire}`"), diags)
                .and_then(|n| type_expr(n, diags));
            let name = reader
                .take("name")
                .and_then(|n| non_empty_string(n, "`name`", diags));
            reader.finish(&["type", "doc", "notes", "name"], diags);
            Some(Variant {
                wire,
                span: key.span.clone(),
                ty: ty?,
                doc: doc_text,
                name,
            })
        })
        .collect();
    if variants.is_empty() && variants_node.is_some() {
        diags.error(node.span.clone(), "a union needs at least one variant");
    }
    Some(Union {
        tag,
        content,
        content_encoding,
        variants,
    })
}

const FIELD_KEYS: &[&str] = &[
    "type", "fields", "enum", "required", "doc", "notes", "encoding", "aliases", "secret", "values",
];
const PARAM_KEYS: &[&str] = &[
    "in",
    "type",
    "fields",
    "enum",
    "required",
    "doc",
    "notes",
    "encoding",
    "aliases",
    "secret",
    "flatten",
    "client_default",
    "values",
    "example",
];

fn load_fields(node: &Node, params: bool, diags: &mut Diagnostics) -> Vec<Field> {
    named_entries(node, "`fields`", diags)
        .into_iter()
        .filter_map(|(key, value)| load_field(key, value, params, diags))
        .collect()
}

fn load_field(key: &Node, node: &Node, param: bool, diags: &mut Diagnostics) -> Option<Field> {
    let wire = non_empty_string(key, "a field name", diags)?;
    if !wire.chars().all(|c| c.is_ascii_graphic()) {
        let message = if !wire.is_ascii() {
            format!(
                "field name `{wire}` is not a wire name: the key is the name exactly as DingTalk sends it (ASCII, e.g. `userid`); put a description under `doc:`"
            )
        } else {
            format!(
                "field name `{wire}` holds a space; the key is the wire name exactly as DingTalk spells it"
            )
        };
        diags.error(key.span.clone(), message);
        return None;
    }
    let owner = format!("field `{wire}`");
    let mut reader = MapReader::new(node, &owner, diags)?;
    let doc_text = doc(&mut reader, diags);
    let required = reader
        .take("required")
        .and_then(|n| boolean(n, "`required`", diags))
        .unwrap_or(false);
    let location = if param {
        reader.require("in", &owner, diags).and_then(|n| {
            keyword_or(
                n,
                "parameter location",
                &[
                    ("query", Location::Query),
                    ("body", Location::Body),
                    ("path", Location::Path),
                    ("header", Location::Header),
                    ("multipart", Location::Multipart),
                ],
                &[
                    ("formData", "multipart"),
                    ("form-data", "multipart"),
                    ("form_data", "multipart"),
                    ("form", "multipart"),
                    ("file", "multipart"),
                    ("json", "body"),
                    ("requestBody", "body"),
                    ("request_body", "body"),
                    ("params", "query"),
                    ("url", "query"),
                    ("headers", "header"),
                ],
                diags,
            )
        })
    } else {
        None
    };
    let encoding = reader.take("encoding").and_then(|n| {
        keyword(
            n,
            "encoding",
            &[
                ("string", Encoding::String),
                ("json_string", Encoding::JsonString),
                ("csv", Encoding::Csv),
                ("pipe", Encoding::Pipe),
            ],
            diags,
        )
    });
    let aliases = reader
        .take("aliases")
        .map(|n| string_list(n, "`aliases`", diags))
        .unwrap_or_default();
    let secret = reader
        .take("secret")
        .and_then(|n| boolean(n, "`secret`", diags))
        .unwrap_or(false);
    let flatten = if param {
        reader
            .take("flatten")
            .and_then(|n| boolean(n, "`flatten`", diags))
            .unwrap_or(false)
    } else {
        false
    };
    let client_default = if param {
        reader.take("client_default").and_then(|n| {
            let value = keyword(
                n,
                "client default",
                &[("agent_id", ClientDefault::AgentId)],
                diags,
            )?;
            if !required {
                diags.error(
                    n.span.clone(),
                    format!(
                        "{owner} has `client_default: {}` but is not `required: true`; declare it required (DingTalk needs it; the client fills it when a request leaves it unset)",
                        value.key()
                    ),
                );
            }
            Some(value)
        })
    } else {
        None
    };
    let codes = reader
        .take("values")
        .map(|n| int_values(n, &owner, diags))
        .unwrap_or_default();
    let example = if param { reader.take("example") } else { None };
    let ty = reader.take("type");
    let fields = reader.take("fields");
    let values = reader.take("enum");
    reader.finish(if param { PARAM_KEYS } else { FIELD_KEYS }, diags);
    let shape = match (ty, fields, values) {
        (Some(t), None, None) => {
            let ty = type_expr(t, diags)?;
            if !codes.is_empty()
                && (!matches!(ty, TypeExpr::I32 | TypeExpr::I64) || encoding.is_some())
            {
                diags.error(
                    t.span.clone(),
                    format!("{owner} has `values` (names of integer codes): its type must be `i64` or `i32`, without an `encoding`"),
                );
            }
            if client_default.is_some() && !matches!(ty, TypeExpr::I32 | TypeExpr::I64) {
                diags.error(
                    t.span.clone(),
                    format!("{owner} has a `client_default` (an agent id): its type must be `i64`"),
                );
            }
            FieldShape::Type(ty)
        }
        (None, Some(f), None) => FieldShape::Object(load_fields(f, false, diags)),
        (None, None, Some(e)) => FieldShape::Enum(load_enum(e, diags)),
        _ => {
            diags.error(
                key.span.clone(),
                format!("{owner} needs exactly one of `type`, `fields` or `enum`"),
            );
            return None;
        }
    };
    let example = example.and_then(|node| match &shape {
        FieldShape::Type(ty) if codes.is_empty() => param_example(node, ty, &owner, diags),
        _ => {
            diags.error(
                node.span.clone(),
                format!("{owner} takes no `example`: it is for text, number and boolean parameters and lists of them; the usage example builds the others from their type"),
            );
            None
        }
    });
    Some(Field {
        wire,
        span: key.span.clone(),
        shape,
        required,
        doc: doc_text,
        location,
        encoding,
        aliases,
        secret,
        flatten,
        client_default,
        values: codes,
        example,
    })
}

/// A parameter's `example:` as Rust source, when it fits the parameter's type.
fn param_example(
    node: &Node,
    ty: &TypeExpr,
    owner: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let TypeExpr::List(inner) = ty else {
        return scalar_example(node, ty, owner, diags);
    };
    match &node.kind {
        NodeKind::Seq(items) if !items.is_empty() => {
            let values: Vec<String> = items
                .iter()
                .filter_map(|item| scalar_example(item, inner, owner, diags))
                .collect();
            (values.len() == items.len()).then(|| format!("[{}]", values.join(", ")))
        }
        _ => {
            diags.error(
                node.span.clone(),
                format!("{owner} is a list: write its `example` as a YAML list of values, e.g. `[manager4220, 0226xxxx]`"),
            );
            None
        }
    }
}

fn scalar_example(
    node: &Node,
    ty: &TypeExpr,
    owner: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    let what = format!("the `example` of {owner}");
    let NodeKind::Scalar { text, .. } = &node.kind else {
        diags.error(
            node.span.clone(),
            format!("{what} must be one value (text, a number or `true`/`false`)"),
        );
        return None;
    };
    match ty {
        TypeExpr::String => Some(format!("{text:?}")),
        TypeExpr::I64 => integer(node, &what, diags).map(|value| value.to_string()),
        TypeExpr::I32 => {
            let value = integer(node, &what, diags)?;
            if i32::try_from(value).is_err() {
                diags.error(
                    node.span.clone(),
                    format!("{what} does not fit its type `i32`"),
                );
                return None;
            }
            Some(value.to_string())
        }
        TypeExpr::F64 => match text.trim().parse::<f64>() {
            Ok(value) if value.is_finite() => Some(format!("{value:?}")),
            _ => {
                diags.error(
                    node.span.clone(),
                    format!("{what} must be a number, found `{text}`"),
                );
                None
            }
        },
        TypeExpr::Bool => boolean(node, &what, diags).map(|value| value.to_string()),
        _ => {
            diags.error(
                node.span.clone(),
                format!("{what}: only text, number and boolean parameters and lists of them take an `example`; the usage example builds the others from their type"),
            );
            None
        }
    }
}

/// `values:` of an integer field: snake_case name -> code, each code once.
fn int_values(node: &Node, owner: &str, diags: &mut Diagnostics) -> Vec<IntValue> {
    let mut out: Vec<IntValue> = Vec::new();
    for (key, value) in named_entries(node, "`values`", diags) {
        let Some(name) = non_empty_string(key, "a value name", diags) else {
            continue;
        };
        if !name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            diags.error(
                key.span.clone(),
                format!("{owner}: value name `{name}` must be snake_case (e.g. `not_started`); it becomes a Rust variant"),
            );
            continue;
        }
        let Some(code) = integer(value, "the value's integer code", diags) else {
            continue;
        };
        if let Some(first) = out.iter().find(|v| v.code == code) {
            diags.error(
                value.span.clone(),
                format!(
                    "{owner}: code {code} is named twice (`{}` and `{name}`)",
                    first.name
                ),
            );
            continue;
        }
        out.push(IntValue {
            name,
            code,
            span: key.span.clone(),
        });
    }
    out
}

fn string_list(node: &Node, what: &str, diags: &mut Diagnostics) -> Vec<String> {
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|item| non_empty_string(item, what, diags))
            .collect(),
        _ => {
            diags.error(node.span.clone(), format!("{what} must be a list of names"));
            Vec::new()
        }
    }
}

/// Parses `string`, `list<i64>`, `map<User>`, `User`.
fn type_expr(node: &Node, diags: &mut Diagnostics) -> Option<TypeExpr> {
    let text = match &node.kind {
        NodeKind::Scalar { text, .. } => text.trim().to_string(),
        NodeKind::Seq(_) => {
            diags.error(
                node.span.clone(),
                "a type is written as text, e.g. `list<string>`, not as a YAML list",
            );
            return None;
        }
        NodeKind::Map(_) => {
            diags.error(
                node.span.clone(),
                "a type is written as text; for an inline object use `fields:` instead of `type:`",
            );
            return None;
        }
    };
    match parse_type(&text, &node.span) {
        Ok(ty) => Some(ty),
        Err(message) => {
            diags.error(node.span.clone(), message);
            None
        }
    }
}

/// Type words of DingTalk's doc pages and of Java, and the spec's word for each.
pub(crate) fn doc_type_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "String" | "str" | "Str" | "text" | "Text" | "varchar" | "char" | "Char" => "string",
        "Long" | "long" | "Int64" | "int64" | "bigint" | "BigInteger" | "u64" | "u32" | "int8"
        | "Int8" => "i64",
        "Integer" | "integer" | "int" | "Int" | "int32" | "Int32" | "short" | "Short" | "i16"
        | "u16" | "i8" | "u8" => "i32 (i64 for ids, timestamps and large counts)",
        "Boolean" | "boolean" | "Bool" | "bool?" => "bool",
        "Number" | "number" | "numeric" | "Numeric" => "i64 for whole numbers, f64 otherwise",
        "Double" | "double" | "Float" | "float" | "f32" | "decimal" | "Decimal" | "BigDecimal" => {
            "f64"
        }
        "Array" | "array" | "List" | "JSONArray" | "Set" | "set" => "list<T>, e.g. list<string>",
        "Object" | "object" | "JSONObject" | "Map" | "dict" | "Dict" | "Json" | "JSON" => {
            "`fields:` for an object with known fields, map<T> for an object keyed by ids, or json for any value"
        }
        "Date" | "DateTime" | "Timestamp" | "timestamp" | "date" | "datetime" => {
            "i64 for epoch milliseconds, string for a formatted date"
        }
        "File" | "MultipartFile" | "binary" => "file",
        _ => return None,
    })
}

fn parse_type(text: &str, span: &Span) -> Result<TypeExpr, String> {
    // `String[]`, `List<String>`, `Array<Long>`: the doc page's list spellings.
    let doc_list = text
        .strip_suffix("[]")
        .or_else(|| {
            ["List<", "Array<", "java.util.List<"]
                .iter()
                .find_map(|p| text.strip_prefix(p))
                .and_then(|rest| rest.strip_suffix('>'))
        })
        .map(str::trim);
    if let Some(inner) = doc_list {
        let inner = match parse_type(inner, span) {
            Ok(ty) => type_text(&ty),
            Err(_) => match doc_type_word(inner) {
                Some(word) if !word.starts_with('`') => {
                    word.split(' ').next().unwrap_or("T").to_string()
                }
                _ => "T".to_string(),
            },
        };
        return Err(format!(
            "`{text}` is a doc page's list type; the spec writes `list<{inner}>`"
        ));
    }
    let generic = |prefix: &str| -> Option<&str> {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('<'))
            .and_then(|rest| rest.strip_suffix('>'))
            .map(str::trim)
    };
    if let Some(inner) = generic("list") {
        return Ok(TypeExpr::List(Box::new(parse_type(inner, span)?)));
    }
    if let Some(inner) = generic("map") {
        return Ok(TypeExpr::Map(Box::new(parse_type(inner, span)?)));
    }
    Ok(match text {
        "string" => TypeExpr::String,
        "bool" => TypeExpr::Bool,
        "i32" => TypeExpr::I32,
        "i64" => TypeExpr::I64,
        "f64" => TypeExpr::F64,
        "json" => TypeExpr::Json,
        "file" => TypeExpr::File,
        "user_token" => TypeExpr::UserToken,
        "" => return Err("empty type".to_string()),
        word if doc_type_word(word).is_some() => {
            let spec_word = doc_type_word(word).unwrap_or_default();
            return Err(format!(
                "`{word}` is a type word of the doc page (or Java); the spec writes {}",
                if spec_word.contains(' ') {
                    spec_word.to_string()
                } else {
                    format!("`{spec_word}`")
                }
            ));
        }
        name if name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            TypeExpr::Named(name.to_string(), span.clone())
        }
        other => {
            return Err(format!(
                "invalid type `{other}` (expected string, bool, i32, i64, f64, json, file, \
                 user_token, list<T>, map<T> or the UpperCamelCase name of a named type)"
            ));
        }
    })
}

/// A type expression as the spec writes it (`list<string>`, `User`).
fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::String => "string".into(),
        TypeExpr::Bool => "bool".into(),
        TypeExpr::I32 => "i32".into(),
        TypeExpr::I64 => "i64".into(),
        TypeExpr::F64 => "f64".into(),
        TypeExpr::Json => "json".into(),
        TypeExpr::File => "file".into(),
        TypeExpr::UserToken => "user_token".into(),
        TypeExpr::List(inner) => format!("list<{}>", type_text(inner)),
        TypeExpr::Map(inner) => format!("map<{}>", type_text(inner)),
        TypeExpr::Named(name, _) => name.clone(),
    }
}

fn load_endpoint(
    key: &Node,
    node: &Node,
    style: Style,
    source: &str,
    diags: &mut Diagnostics,
) -> Option<Endpoint> {
    let name = non_empty_string(key, "an endpoint name", diags)?;
    let owner = format!("endpoint `{name}`");
    let mut reader = MapReader::new(node, &owner, diags)?;
    let summary = reader
        .require("summary", &owner, diags)
        .and_then(|n| non_empty_string(n, "`summary`", diags));
    let doc_text = doc(&mut reader, diags);
    let doc_url = reader
        .require("doc_url", &owner, diags)
        .and_then(|n| non_empty_string(n, "`doc_url`", diags));
    if let (Some(url), Some(n)) = (&doc_url, reader.take("doc_url")) {
        check_doc_url(url, &n.span, diags);
    }
    let method = reader.require("method", &owner, diags).and_then(|n| {
        keyword(
            n,
            "HTTP method",
            &[
                ("GET", Method::Get),
                ("POST", Method::Post),
                ("PUT", Method::Put),
                ("PATCH", Method::Patch),
                ("DELETE", Method::Delete),
            ],
            diags,
        )
    });
    let path_node = reader.require("path", &owner, diags);
    let path = path_node.and_then(|n| non_empty_string(n, "`path`", diags));
    let envelope_node = reader.take("envelope");
    let envelope = envelope_node.and_then(|n| {
        keyword(
            n,
            "envelope",
            &[
                ("flat", Envelope::Flat),
                ("result", Envelope::Result),
                ("flat_with_request_id", Envelope::FlatWithRequestId),
            ],
            diags,
        )
    });
    match (style, envelope_node) {
        (Style::Classic, None) => diags.error(
            key.span.clone(),
            format!("{owner} is missing the required key `envelope` (classic style)"),
        ),
        (Style::V1, Some(n)) if envelope == Some(Envelope::FlatWithRequestId) => diags.error(
            n.span.clone(),
            "a `style: v1` answer is `flat` (the bare object, the default) or `result` (the payload under `result`, as card and workflow calls answer); `flat_with_request_id` is classic only",
        ),
        _ => {}
    }
    let idempotent = reader
        .require("idempotent", &owner, diags)
        .and_then(|n| boolean(n, "`idempotent`", diags));
    let auth = reader
        .take("auth")
        .and_then(|n| {
            keyword(
                n,
                "auth",
                &[
                    ("token", Auth::Token),
                    ("user_token", Auth::UserToken),
                    ("suite_token", Auth::SuiteToken),
                    ("suite_signature", Auth::SuiteSignature),
                    ("none", Auth::None),
                ],
                diags,
            )
        })
        .unwrap_or(Auth::Token);
    let params = reader
        .take("params")
        .map(|n| {
            named_entries(n, "`params`", diags)
                .into_iter()
                .filter_map(|(k, v)| load_field(k, v, true, diags))
                .collect()
        })
        .unwrap_or_default();
    let response = reader
        .take("response")
        .and_then(|n| load_response(n, source, diags));
    let pagination = reader
        .take("pagination")
        .and_then(|n| load_pagination(n, diags));
    let waiters = reader
        .take("waiters")
        .map(|n| {
            named_entries(n, "`waiters`", diags)
                .into_iter()
                .filter_map(|(k, v)| load_waiter(k, v, diags))
                .collect()
        })
        .unwrap_or_default();
    reader.finish(
        &[
            "summary",
            "doc",
            "notes",
            "doc_url",
            "method",
            "path",
            "envelope",
            "idempotent",
            "auth",
            "params",
            "response",
            "pagination",
            "waiters",
        ],
        diags,
    );
    Some(Endpoint {
        name,
        span: key.span.clone(),
        summary: summary?,
        doc: doc_text,
        doc_url: doc_url?,
        method: method?,
        path: path?,
        path_span: path_node?.span.clone(),
        envelope,
        idempotent: idempotent?,
        auth,
        params,
        response,
        pagination,
        waiters,
    })
}

/// One entry of `waiters:` (see [`Waiter`]).
fn load_waiter(key: &Node, node: &Node, diags: &mut Diagnostics) -> Option<Waiter> {
    let name = non_empty_string(key, "a waiter name", diags)?;
    let owner = format!("waiter `{name}`");
    let mut reader = MapReader::new(node, &owner, diags)?;
    let doc_text = doc(&mut reader, diags);
    let named = |node: &Node, what: &str, diags: &mut Diagnostics| {
        Some(Named {
            name: non_empty_string(node, what, diags)?,
            span: node.span.clone(),
        })
    };
    let poll = reader
        .require("poll", &owner, diags)
        .and_then(|n| named(n, "`poll`", diags));
    let result = reader
        .take("result")
        .and_then(|n| named(n, "`result`", diags));
    let with = reader
        .take("with")
        .map(|n| {
            named_entries(n, "`with`", diags)
                .into_iter()
                .filter_map(|(param, value)| {
                    let param = named(param, "a parameter of the polled endpoint", diags)?;
                    let text = non_empty_string(value, "`request.<param>` or `answer.<field>`", diags)?;
                    let from = if let Some(field) = text.strip_prefix("request.") {
                        WaitSource::Request(field.to_string())
                    } else if let Some(field) = text.strip_prefix("answer.") {
                        WaitSource::Answer(field.to_string())
                    } else {
                        diags.error(
                            value.span.clone(),
                            format!("`with`: `{text}` names no value; write `request.<parameter>` (the first call's request) or `answer.<field>` (its answer)"),
                        );
                        return None;
                    };
                    Some(WaitArg {
                        param,
                        from,
                        span: value.span.clone(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let until = reader.require("until", &owner, diags).and_then(|n| {
        let mut until = MapReader::new(n, "`until`", diags)?;
        let field = until
            .require("field", "`until`", diags)
            .and_then(|f| named(f, "`field`", diags));
        let one = |v: &Node, diags: &mut Diagnostics| match &v.kind {
            NodeKind::Scalar { text, plain: true } if text == "true" || text == "false" => {
                Some(WaitValue::Bool(text == "true"))
            }
            NodeKind::Scalar { text, plain: true } if text.parse::<i64>().is_ok() => {
                text.parse().ok().map(WaitValue::Int)
            }
            NodeKind::Scalar { text, .. } => Some(WaitValue::Text(text.clone())),
            _ => {
                diags.error(
                    v.span.clone(),
                    "`equals` is a value (a number, true/false or text) or a list of them, any of which ends the wait",
                );
                None
            }
        };
        let (key, negated) = match (until.take("equals"), until.take("not_equals")) {
            (Some(v), None) => (Some(v), false),
            (None, Some(v)) => (Some(v), true),
            _ => {
                diags.error(
                    n.span.clone(),
                    "`until` needs exactly one of `equals` (the values that end the wait) or `not_equals` (the values that keep it going)",
                );
                (None, false)
            }
        };
        let equals = key.and_then(|v| match &v.kind {
                NodeKind::Seq(items) if items.is_empty() => {
                    diags.error(v.span.clone(), "`equals` lists no value that ends the wait");
                    None
                }
                NodeKind::Seq(items) => items
                    .iter()
                    .map(|item| one(item, diags))
                    .collect::<Option<Vec<_>>>(),
                _ => one(v, diags).map(|value| vec![value]),
            });
        until.finish(&["field", "equals", "not_equals"], diags);
        Some((field?, equals?, negated))
    });
    reader.finish(&["doc", "notes", "poll", "with", "until", "result"], diags);
    let (until, equals, negated) = until?;
    Some(Waiter {
        name,
        span: key.span.clone(),
        doc: doc_text,
        poll: poll?,
        with,
        until,
        equals,
        negated,
        result,
    })
}

/// `doc_url` cites DingTalk's own documentation: an https address on a dingtalk.com host.
fn check_doc_url(url: &str, span: &Span, diags: &mut Diagnostics) {
    let Some(rest) = url.strip_prefix("https://") else {
        diags.error(span.clone(), "`doc_url` must be an https:// address");
        return;
    };
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if host != "dingtalk.com" && !host.ends_with(".dingtalk.com") {
        diags.error(
            span.clone(),
            format!(
                "`doc_url` must be DingTalk's own page (https://open.dingtalk.com/document/...), not `{host}`: cite the official documentation, and mention other sources in `doc`"
            ),
        );
    }
}

/// An `example`: the JSON text of `what` (an answer, a payload), as a block or flow scalar.
fn load_example(n: &Node, what: &str, source: &str, diags: &mut Diagnostics) -> Option<Example> {
    if let NodeKind::Map(_) | NodeKind::Seq(_) = n.kind {
        diags.error(
            n.span.clone(),
            format!("`example` is the {what}'s JSON text: write it as a block scalar (`example: |` and the JSON on the lines below), not as YAML"),
        );
        return None;
    }
    let json = non_empty_string(n, "`example`", diags)?;
    let positions = if n.block {
        Vec::new()
    } else {
        crate::yaml::content_positions(source, &n.span, &json)
    };
    Some(Example {
        json,
        span: n.span.clone(),
        block: n.block,
        positions,
    })
}

/// Loads an `events/*.yaml` file: `doc`, `events` (event type -> declaration) and
/// `callbacks` (payload name -> declaration with a `topic`); at least one of the two.
pub fn load_events_file(
    display_path: &str,
    root: &Node,
    source: &str,
    diags: &mut Diagnostics,
) -> (Vec<EventDef>, Vec<EventDef>) {
    let Some(mut reader) =
        MapReader::new(root, "an events file (`doc`, `events`, `callbacks`)", diags)
    else {
        return (Vec::new(), Vec::new());
    };
    notes(&mut reader, diags);
    reader
        .require("doc", "the file", diags)
        .and_then(|n| non_empty_string(n, "`doc`", diags));
    let events = reader.take("events");
    let callbacks = reader.take("callbacks");
    if events.is_none() && callbacks.is_none() {
        diags.error(
            root.span.clone(),
            "an events file declares `events:` (pushed event types) or `callbacks:` (callback payloads)",
        );
    }
    reader.finish(&["doc", "notes", "events", "callbacks"], diags);
    let events = events
        .map(|events| {
            named_entries(events, "`events`", diags)
                .into_iter()
                .filter_map(|(key, node)| load_event(display_path, key, node, source, false, diags))
                .collect()
        })
        .unwrap_or_default();
    let callbacks = callbacks
        .map(|callbacks| {
            named_entries(callbacks, "`callbacks`", diags)
                .into_iter()
                .filter_map(|(key, node)| load_event(display_path, key, node, source, true, diags))
                .collect()
        })
        .unwrap_or_default();
    (events, callbacks)
}

fn load_event(
    display_path: &str,
    key: &Node,
    node: &Node,
    source: &str,
    callback: bool,
    diags: &mut Diagnostics,
) -> Option<EventDef> {
    let what = if callback {
        "a callback name"
    } else {
        "an event type"
    };
    let name = non_empty_string(key, what, diags)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        let message = if callback {
            format!(
                "callback `{name}` must be a snake_case name (e.g. `bot_message`); the Rust type is derived from it"
            )
        } else {
            format!("event type `{name}` must be DingTalk's snake_case name (e.g. `user_add_org`)")
        };
        diags.error(key.span.clone(), message);
    }
    let owner = if callback {
        format!("callback `{name}`")
    } else {
        format!("event `{name}`")
    };
    let mut reader = MapReader::new(node, &owner, diags)?;
    let topic = if callback {
        reader
            .require("topic", &owner, diags)
            .and_then(|n| {
                let topic = non_empty_string(n, "`topic`", diags)?;
                if !topic.starts_with('/') {
                    diags.error(
                        n.span.clone(),
                        format!("`topic` is the Stream topic path, starting with `/` (e.g. `/v1.0/im/bot/messages/get`), not `{topic}`"),
                    );
                }
                Some(topic)
            })
    } else {
        None
    };
    let summary = reader
        .require("summary", &owner, diags)
        .and_then(|n| non_empty_string(n, "`summary`", diags));
    let doc_text = doc(&mut reader, diags);
    let doc_url_node = reader.require("doc_url", &owner, diags);
    let doc_url = doc_url_node.and_then(|n| non_empty_string(n, "`doc_url`", diags));
    if let (Some(url), Some(n)) = (&doc_url, doc_url_node) {
        check_doc_url(url, &n.span, diags);
    }
    let fields = reader
        .take("fields")
        .map(|n| load_fields(n, false, diags))
        .unwrap_or_default();
    let channels = match reader.take("channels") {
        None => vec![EventChannel::Stream, EventChannel::Http],
        Some(n) => match &n.kind {
            NodeKind::Seq(items) => {
                let mut channels: Vec<EventChannel> = items
                    .iter()
                    .filter_map(|item| {
                        keyword(
                            item,
                            "channel",
                            &[
                                ("stream", EventChannel::Stream),
                                ("http", EventChannel::Http),
                            ],
                            diags,
                        )
                    })
                    .collect();
                channels.sort();
                channels.dedup();
                if channels.is_empty() {
                    diags.error(
                        n.span.clone(),
                        "`channels` lists at least one of `stream`, `http`",
                    );
                }
                channels
            }
            _ => {
                diags.error(n.span.clone(), "`channels` is a list: `[stream, http]`");
                Vec::new()
            }
        },
    };
    let example = reader
        .take("example")
        .and_then(|n| load_example(n, "payload", source, diags));
    let known: &[&str] = if callback {
        &[
            "topic", "summary", "doc", "notes", "doc_url", "fields", "channels", "example",
        ]
    } else {
        &[
            "summary", "doc", "notes", "doc_url", "fields", "channels", "example",
        ]
    };
    reader.finish(known, diags);
    Some(EventDef {
        name,
        span: key.span.clone(),
        display_path: display_path.to_string(),
        summary: summary?,
        doc: doc_text,
        doc_url: doc_url?,
        fields,
        channels,
        example,
        topic,
    })
}

fn load_response(node: &Node, source: &str, diags: &mut Diagnostics) -> Option<Response> {
    let mut reader = MapReader::new(node, "`response`", diags)?;
    let fields = reader.take("fields");
    let ty = reader.take("type");
    let binary = reader
        .take("binary")
        .and_then(|n| boolean(n, "`binary`", diags))
        .unwrap_or(false);
    let example = reader
        .take("example")
        .and_then(|n| load_example(n, "answer", source, diags));
    reader.finish(&["fields", "type", "example", "binary"], diags);
    let shape = match (fields, ty) {
        (None, None) if binary => ResponseShape::Binary,
        (Some(_), _) | (_, Some(_)) if binary => {
            diags.error(
                node.span.clone(),
                "a `binary: true` response has no `fields` or `type`: the answer is the file",
            );
            return None;
        }
        (Some(f), None) => ResponseShape::Fields(load_fields(f, false, diags)),
        (None, Some(t)) => ResponseShape::Type(type_expr(t, diags)?),
        (None, None) => ResponseShape::Empty,
        (Some(_), Some(_)) => {
            diags.error(
                node.span.clone(),
                "`response` takes `fields` or `type`, not both",
            );
            return None;
        }
    };
    Some(Response {
        span: node.span.clone(),
        shape,
        example,
    })
}

fn load_pagination(node: &Node, diags: &mut Diagnostics) -> Option<Pagination> {
    let mut reader = MapReader::new(node, "`pagination`", diags)?;
    let named = |key: &str, reader: &mut MapReader<'_>, diags: &mut Diagnostics| {
        reader.take(key).and_then(|n| {
            Some(Named {
                name: non_empty_string(n, &format!("`{key}`"), diags)?,
                span: n.span.clone(),
            })
        })
    };
    let offset = named("offset", &mut reader, diags);
    let cursor = named("cursor", &mut reader, diags);
    let page = named("page", &mut reader, diags);
    let size = named("size", &mut reader, diags);
    let has_more = named("has_more", &mut reader, diags);
    let next_cursor = named("next_cursor", &mut reader, diags);
    let items = named("items", &mut reader, diags);
    let max_size = reader
        .take("max_size")
        .and_then(|n| match integer(n, "`max_size`", diags) {
            Some(v) if (1..=10_000).contains(&v) => Some(v as u32),
            Some(_) => {
                diags.error(n.span.clone(), "`max_size` must be between 1 and 10000");
                None
            }
            None => None,
        });
    reader.finish(
        &[
            "offset",
            "cursor",
            "page",
            "size",
            "max_size",
            "has_more",
            "next_cursor",
            "items",
        ],
        diags,
    );
    let position = match (offset, cursor, page) {
        (Some(o), None, None) => PagePosition::Offset(o),
        (None, Some(c), None) => PagePosition::Cursor(c),
        (None, None, Some(p)) => PagePosition::Page(p),
        _ => {
            diags.error(
                node.span.clone(),
                "`pagination` needs exactly one of `offset` (an item offset), `cursor` (a token from the answer) or `page` (a page number from 1)",
            );
            return None;
        }
    };
    let Some(size) = size else {
        diags.error(
            node.span.clone(),
            "`pagination` is missing the required key `size`",
        );
        return None;
    };
    Some(Pagination {
        span: node.span.clone(),
        position,
        size,
        max_size,
        has_more,
        next_cursor,
        items,
    })
}

/// Loads `areas.yaml`: `doc` (for maintainers) and `areas`, folder -> introduction.
pub fn load_areas(display_path: &str, root: &Node, diags: &mut Diagnostics) -> Vec<AreaDoc> {
    let Some(mut reader) = MapReader::new(root, "the areas file", diags) else {
        return Vec::new();
    };
    let _ = doc(&mut reader, diags);
    let areas = reader.require("areas", display_path, diags);
    reader.finish(&["doc", "areas"], diags);
    let Some(areas) = areas else {
        return Vec::new();
    };
    named_entries(areas, "`areas`", diags)
        .into_iter()
        .filter_map(|(key, value)| {
            Some(AreaDoc {
                folder: non_empty_string(key, "a folder of the spec", diags)?,
                span: key.span.clone(),
                doc: non_empty_string(value, "an area's introduction", diags)?,
            })
        })
        .collect()
}

/// Loads `errors.yaml`.
pub fn load_errors(display_path: &str, root: &Node, diags: &mut Diagnostics) -> Option<ErrorList> {
    let mut reader = MapReader::new(root, "the error-code file", diags)?;
    let doc_text = doc(&mut reader, diags);
    let list = reader.require("errors", "the error-code file", diags);
    let v1_list = reader.take("v1_errors");
    reader.finish(&["doc", "errors", "v1_errors"], diags);
    let items = |list: Option<&'_ Node>, key: &str, diags: &mut Diagnostics| -> Vec<Node> {
        match list.map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => items.clone(),
            Some(_) => {
                if let Some(n) = list {
                    diags.error(n.span.clone(), format!("`{key}` must be a list"));
                }
                Vec::new()
            }
            None => Vec::new(),
        }
    };
    let mut entries: Vec<ErrorEntry> = items(list, "errors", diags)
        .iter()
        .filter_map(|n| load_error(n, false, diags))
        .collect();
    entries.extend(
        items(v1_list, "v1_errors", diags)
            .iter()
            .filter_map(|n| load_error(n, true, diags)),
    );
    Some(ErrorList {
        display_path: display_path.to_string(),
        doc: doc_text,
        entries,
    })
}

/// One entry of `errors` (a numeric `code`) or of `v1_errors` (a text `code` and the HTTP
/// statuses `http` it comes with; without `code`, any answer of those statuses).
fn load_error(node: &Node, v1: bool, diags: &mut Diagnostics) -> Option<ErrorEntry> {
    let mut reader = MapReader::new(node, "an error code", diags)?;
    let key = if v1 {
        let code = reader
            .take("code")
            .and_then(|n| non_empty_string(n, "`code`", diags));
        let http_node = reader.require("http", "a v1 error code", diags);
        let http: Vec<u16> = match http_node.map(|n| &n.kind) {
            Some(NodeKind::Seq(items)) => items
                .iter()
                .filter_map(|n| match integer(n, "an HTTP status", diags) {
                    Some(status @ 100..=599) => Some(status as u16),
                    Some(other) => {
                        diags.error(n.span.clone(), format!("`{other}` is not an HTTP status"));
                        None
                    }
                    None => None,
                })
                .collect(),
            Some(_) => {
                if let Some(n) = http_node {
                    diags.error(
                        n.span.clone(),
                        "`http` lists the HTTP statuses the code comes with, e.g. `[400]`",
                    );
                }
                Vec::new()
            }
            None => Vec::new(),
        };
        if http_node.is_some() && http.is_empty() {
            diags.error(
                node.span.clone(),
                "a v1 error code needs at least one HTTP status in `http`",
            );
        }
        Some(ErrorKey::V1 { code, http })
    } else {
        reader
            .require("code", "an error code", diags)
            .and_then(|n| integer(n, "`code`", diags))
            .map(ErrorKey::Classic)
    };
    let name = reader
        .require("name", "an error code", diags)
        .and_then(|n| non_empty_string(n, "`name`", diags));
    notes(&mut reader, diags);
    let meaning_node = reader.require("meaning", "an error code", diags);
    let meaning = meaning_node.and_then(|n| non_empty_string(n, "`meaning`", diags));
    if let (Some(node), Some(text)) = (meaning_node, &meaning) {
        author_note_check(node, "meaning", text, diags);
    }
    let category = reader
        .require("category", "an error code", diags)
        .and_then(|n| {
            keyword(
                n,
                "category",
                &[
                    ("token", ErrorCategory::Token),
                    ("permission", ErrorCategory::Permission),
                    ("rate_limit", ErrorCategory::RateLimit),
                    ("not_found", ErrorCategory::NotFound),
                    ("invalid_param", ErrorCategory::InvalidParam),
                    ("system", ErrorCategory::System),
                ],
                diags,
            )
        });
    let retry = reader
        .require("retry", "an error code", diags)
        .and_then(|n| {
            keyword(
                n,
                "retry",
                &[
                    ("never", Retry::Never),
                    ("backoff", Retry::Backoff),
                    ("after_token_refresh", Retry::AfterTokenRefresh),
                ],
                diags,
            )
        });
    let wait = reader.take("wait").and_then(|n| {
        if n.as_str() == Some("qps_window") {
            Some(RetryWait::QpsWindow)
        } else {
            duration_ms(n, "`wait`", diags).map(RetryWait::Fixed)
        }
    });
    let max_retries =
        reader
            .take("max_retries")
            .and_then(|n| match integer(n, "`max_retries`", diags) {
                Some(v) if (0..=10).contains(&v) => Some(v as u32),
                Some(_) => {
                    diags.error(n.span.clone(), "`max_retries` must be between 0 and 10");
                    None
                }
                None => None,
            });
    let carries_sub_code = reader
        .take("carries_sub_code")
        .and_then(|n| boolean(n, "`carries_sub_code`", diags))
        .unwrap_or(false);
    let source = reader
        .take("source")
        .and_then(|n| non_empty_string(n, "`source`", diags));
    let keys: &[&str] = if v1 {
        &[
            "code",
            "http",
            "name",
            "meaning",
            "notes",
            "category",
            "retry",
            "wait",
            "max_retries",
            "source",
        ]
    } else {
        &[
            "code",
            "name",
            "meaning",
            "notes",
            "category",
            "retry",
            "wait",
            "max_retries",
            "carries_sub_code",
            "source",
        ]
    };
    reader.finish(keys, diags);
    let retry = retry?;
    if retry != Retry::Backoff
        && let Some(n) = reader_key_span(node, &["wait", "max_retries"])
    {
        diags.error(
            n,
            "`wait` and `max_retries` apply only to `retry: backoff` (the client retries only those codes)",
        );
    }
    Some(ErrorEntry {
        key: key?,
        name: name?,
        span: node.span.clone(),
        meaning: meaning?,
        category: category?,
        retry,
        wait,
        max_retries,
        carries_sub_code,
        source,
    })
}

/// The span of the first of `keys` present in the mapping `node`.
fn reader_key_span(node: &Node, keys: &[&str]) -> Option<Span> {
    match &node.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| keys.contains(&k)))
            .map(|(k, _)| k.span.clone()),
        _ => None,
    }
}

/// `500ms`, `1s`, `10m`, `1h` as milliseconds.
fn duration_ms(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<u64> {
    let text = string(node, what, diags)?;
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(value) if factor > 0 && value > 0 => value.checked_mul(factor).filter(|ms| *ms <= 86_400_000),
        _ => None,
    }
    .or_else(|| {
        diags.error(
            node.span.clone(),
            format!("{what} must be `qps_window` or a positive duration of at most a day, such as `500ms`, `1s`, `10m` or `1h`; found `{text}`"),
        );
        None
    })
}
