//! A YAML tree that remembers where every node came from.
//!
//! Semantic errors ("unknown type `Usr`") must point at `file:line:col` just like syntax
//! errors, so the loader works on this tree instead of on deserialised structs.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::chars;
use crate::diag::{Diagnostics, Span};

/// One YAML node and its position.
#[derive(Debug, Clone)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
    /// A literal (`|`) or folded (`>`) block scalar, whose content starts on the line after
    /// its indicator; `span` is then its first content character.
    pub block: bool,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A scalar; `plain` is false for quoted and block scalars (so `"true"` stays a string).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in document order; duplicate keys are reported while building.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for `~`, `null` or an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { text, plain: true } if text.is_empty() || text == "~" || text == "null")
    }

    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// What [`parse`] made of a file.
#[derive(Debug)]
pub enum Parsed {
    /// One YAML document (problems found on the way, such as duplicate keys, are reported).
    Document(Node),
    /// No document at all: only comments or blank lines.
    Empty,
    /// The file cannot be read as one clean YAML document (not UTF-8, a syntax error, a
    /// second document, look-alike characters in keys); every reason is reported.
    Unreadable,
}

/// Parses a spec file: exactly one YAML document. Syntax errors, duplicate keys, invisible
/// or look-alike characters go into `diags`, each at its own position.
pub fn parse(file: &str, source: &str, diags: &mut Diagnostics) -> Parsed {
    parse_with(file, source, true, diags)
}

/// Parses a YAML data file (a seed): like [`parse`], but its values are data, where
/// full-width punctuation is as fine as anywhere in a Chinese text.
#[cfg(feature = "data")]
pub fn parse_data(file: &str, source: &str, diags: &mut Diagnostics) -> Parsed {
    parse_with(file, source, false, diags)
}

fn parse_with(file: &str, source: &str, spec: bool, diags: &mut Diagnostics) -> Parsed {
    let (text, fatal) = chars::check_encoding(file, source, diags);
    if fatal {
        return Parsed::Unreadable;
    }
    let before = diags.len();
    let mut builder = TreeBuilder {
        file,
        stack: Vec::new(),
        root: None,
        diags,
        anchors_seen: false,
        documents: 0,
        second_document: None,
        last_event_line: 1,
        last_scalar_plain: true,
    };
    let mut parser = Parser::new_from_str(&text);
    let result = parser.load(&mut builder, true);
    let (second, last_line, last_plain) = (
        builder.second_document.take(),
        builder.last_event_line,
        builder.last_scalar_plain,
    );
    let root = builder.root.take();
    let mut unreadable = false;
    if let Some(span) = second {
        let separator = text
            .lines()
            .nth(span.line.saturating_sub(1))
            .is_some_and(|line| line.starts_with("---"));
        let (span, what) = if separator {
            (span, "this `---` starts a second one")
        } else {
            (
                Span { col: 1, ..span },
                "a second one starts here (after the `...` end marker)",
            )
        };
        diags.error(
            span,
            format!(
                "a spec file holds one YAML document; {what}, and everything after it would be ignored: remove the separator and merge what follows into the mappings above"
            ),
        );
        unreadable = true;
    }
    if let Err(err) = result {
        let mark = err.marker();
        let span = Span::new(file, mark.line(), mark.col() + 1);
        let yaml = format!("YAML syntax error: {}", err.info());
        // Search the lines since the last good event, or only the error line after a quoted
        // or block scalar (whose lines are text, where Chinese punctuation is fine).
        let from = if last_plain { last_line } else { mark.line() };
        let about_tabs = err.info().contains("tab");
        match chars::explain_syntax_error(file, &text, from, mark.line(), about_tabs) {
            Some((cause, message)) => {
                diags.error(
                    cause,
                    format!(
                        "{message} (YAML reports at {}:{}: {})",
                        mark.line(),
                        mark.col() + 1,
                        err.info()
                    ),
                );
            }
            None => diags.error(span, yaml),
        }
        return Parsed::Unreadable;
    }
    let Some(root) = root else {
        return if unreadable || diags.len() > before {
            Parsed::Unreadable
        } else {
            Parsed::Empty
        };
    };
    if spec && chars::check_tree(file, &text, &root, diags) {
        unreadable = true;
    }
    if unreadable {
        Parsed::Unreadable
    } else {
        Parsed::Document(root)
    }
}

enum Open {
    Seq(Span, Vec<Node>),
    Map(Span, Vec<(Node, Node)>, Option<Node>),
}

struct TreeBuilder<'a> {
    file: &'a str,
    stack: Vec<Open>,
    root: Option<Node>,
    diags: &'a mut Diagnostics,
    anchors_seen: bool,
    /// Documents started so far; the span of the second one's start.
    documents: usize,
    second_document: Option<Span>,
    /// Where the last event was, and whether it was a plain scalar or a collection (for
    /// explaining a syntax error that follows it).
    last_event_line: usize,
    last_scalar_plain: bool,
}

impl TreeBuilder<'_> {
    fn span(&self, mark: Marker) -> Span {
        Span::new(self.file, mark.line(), mark.col() + 1)
    }

    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            // Only the first document is kept; a second one is reported.
            None if self.documents > 1 => {}
            None => self.root = Some(node),
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(_, entries, pending_key)) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    if let Some(name) = key.as_str()
                        && let Some((first, _)) =
                            entries.iter().find(|(k, _)| k.as_str() == Some(name))
                    {
                        let message = format!(
                            "duplicate key `{name}` (first defined at line {})",
                            first.span.line
                        );
                        self.diags.error(key.span.clone(), message);
                        return;
                    }
                    entries.push((key, node));
                }
            },
        }
    }
}

impl MarkedEventReceiver for TreeBuilder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let span = self.span(mark);
        if !matches!(
            event,
            Event::Nothing | Event::StreamEnd | Event::DocumentEnd
        ) {
            self.last_event_line = mark.line();
            self.last_scalar_plain =
                !matches!(&event, Event::Scalar(_, style, ..) if *style != TScalarStyle::Plain);
        }
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(span);
                }
            }
            Event::Scalar(text, style, anchor, _) => {
                if anchor != 0 {
                    self.note_anchor(&span);
                }
                let plain = style == TScalarStyle::Plain;
                let block = matches!(style, TScalarStyle::Literal | TScalarStyle::Folded);
                self.push_node(Node {
                    span,
                    kind: NodeKind::Scalar { text, plain },
                    block,
                });
            }
            Event::SequenceStart(anchor, _) => {
                if anchor != 0 {
                    self.note_anchor(&span);
                }
                self.stack.push(Open::Seq(span, Vec::new()));
            }
            Event::MappingStart(anchor, _) => {
                if anchor != 0 {
                    self.note_anchor(&span);
                }
                self.stack.push(Open::Map(span, Vec::new(), None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Seq(span, items)) => Node {
                        span,
                        kind: NodeKind::Seq(items),
                        block: false,
                    },
                    Some(Open::Map(span, entries, _)) => {
                        // A block mapping's start event is marked after its first key; point
                        // at that key instead (flow mappings keep their `{`).
                        let span = match entries.first() {
                            Some((key, _)) if key.span < span => key.span.clone(),
                            _ => span,
                        };
                        Node {
                            span,
                            kind: NodeKind::Map(entries),
                            block: false,
                        }
                    }
                    None => return,
                };
                self.push_node(node);
            }
            Event::Alias(_) => {
                self.note_anchor(&span);
                // Keep the tree well-formed: an alias stands for an empty value.
                self.push_node(Node {
                    span,
                    kind: NodeKind::Scalar {
                        text: String::new(),
                        plain: true,
                    },
                    block: false,
                });
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

impl TreeBuilder<'_> {
    fn note_anchor(&mut self, span: &Span) {
        if !self.anchors_seen {
            self.anchors_seen = true;
            self.diags.error(
                span.clone(),
                "YAML anchors and aliases are not supported in spec files; write the value out"
                    .to_string(),
            );
        }
    }
}

#[cfg(feature = "data")]
impl Node {
    /// The node as JSON, with YAML 1.2 core-schema typing of plain scalars (numbers, bools,
    /// null); quoted and block scalars stay strings. Used for data files such as seeds.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Scalar { text, plain: false } => Value::String(text.clone()),
            NodeKind::Scalar { text, plain: true } => match text.as_str() {
                "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => {
                    if let Ok(int) = text.parse::<i64>() {
                        Value::from(int)
                    } else if let Some(float) = text
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .and_then(serde_json::Number::from_f64)
                    {
                        Value::Number(float)
                    } else {
                        Value::String(text.clone())
                    }
                }
            },
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// For a scalar written on the lines of `source` starting at `span` (a quoted or plain flow
/// scalar): the source line and column of each character of its content, so that a position
/// inside the content (a JSON example's offending value) maps onto the file. Empty when the
/// mapping cannot be made exactly.
pub fn content_positions(source: &str, span: &Span, content: &str) -> Vec<(usize, usize)> {
    let lines: Vec<Vec<char>> = source.lines().map(|l| l.chars().collect()).collect();
    let (mut line, mut col) = (span.line, span.col);
    let at = |line: usize, col: usize| -> Option<char> {
        lines
            .get(line.checked_sub(1)?)?
            .get(col.checked_sub(1)?)
            .copied()
    };
    let quote = match at(line, col) {
        Some(q @ ('"' | '\'')) => {
            col += 1;
            Some(q)
        }
        _ => None,
    };
    let mut out = Vec::new();
    loop {
        let Some(c) = at(line, col) else {
            // End of a source line: the scalar goes on, folded, on the next one.
            let more = line < lines.len() && quote.is_some();
            if !more {
                break;
            }
            line += 1;
            col = 1;
            while matches!(at(line, col), Some(' ' | '\t')) {
                col += 1;
            }
            out.push((line, col));
            continue;
        };
        let wanted = content.chars().count();
        match (quote, c) {
            (None, _) if out.len() >= wanted => break,
            (Some('"'), '"') => break,
            (Some('\''), '\'') if at(line, col + 1) == Some('\'') => {
                out.push((line, col));
                col += 2;
            }
            (Some('\''), '\'') => break,
            (Some('"'), '\\') => {
                let width = match at(line, col + 1) {
                    Some('x') => 4,
                    Some('u') => 6,
                    Some('U') => 10,
                    None => {
                        // An escaped line break joins the lines.
                        line += 1;
                        col = 1;
                        while matches!(at(line, col), Some(' ' | '\t')) {
                            col += 1;
                        }
                        continue;
                    }
                    _ => 2,
                };
                out.push((line, col));
                col += width;
            }
            _ => {
                out.push((line, col));
                col += 1;
            }
        }
    }
    if out.len() == content.chars().count() {
        out
    } else {
        Vec::new()
    }
}
