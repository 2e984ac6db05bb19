//! A small JSON reader that remembers where every value is, so that a response example that
//! contradicts the declared response can be reported at the offending value's own line and
//! column in the spec file. Strict RFC 8259 JSON, like `serde_json`; numbers are classified
//! the way `serde_json` hands them to a deserializer (negative integer, non-negative integer,
//! float), because the run-time decoder's leniency depends on that.

use crate::chars;

/// A position in the JSON text: 1-based line and column (in characters), and the 0-based
/// character index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub at: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// A negative integer that fits `i64` (serde_json's `visit_i64`).
    Int(i64),
    /// A non-negative integer that fits `u64` (serde_json's `visit_u64`).
    UInt(u64),
    /// Any other number (serde_json's `visit_f64`).
    Float(f64),
    String(String),
    Array(Vec<Value>),
    /// Members in document order; duplicates are kept (the checker reports them).
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub at: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub at: Pos,
    pub message: String,
}

impl Value {
    /// `integer 5`, `string "abc"`, `an object`: for messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Null => "null".to_string(),
            Kind::Bool(v) => format!("`{v}`"),
            Kind::Int(v) => format!("the integer {v}"),
            Kind::UInt(v) => format!("the integer {v}"),
            Kind::Float(v) => format!("the number {v}"),
            Kind::String(v) => {
                let shown: String = v.chars().take(40).collect();
                let more = if v.chars().count() > 40 { "…" } else { "" };
                format!("the string {:?}{more}", shown)
            }
            Kind::Array(_) => "a list".to_string(),
            Kind::Object(_) => "an object".to_string(),
        }
    }
}

/// Parses one JSON value (surrounding whitespace allowed, nothing else).
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut reader = Reader {
        chars: text.chars().collect(),
        index: 0,
        line: 1,
        col: 1,
        depth: 0,
    };
    reader.skip_space()?;
    let value = reader.value()?;
    reader.skip_space()?;
    if let Some(c) = reader.peek() {
        return Err(reader.error_here(format!(
            "unexpected `{c}` after the JSON value; an example is exactly one JSON value"
        )));
    }
    Ok(value)
}

struct Reader {
    chars: Vec<char>,
    index: usize,
    line: usize,
    col: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 128;

impl Reader {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
            index: self.index,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.index).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.index += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn error_at(&self, at: Pos, message: impl Into<String>) -> Error {
        Error {
            at,
            message: message.into(),
        }
    }

    fn error_here(&self, message: impl Into<String>) -> Error {
        self.error_at(self.pos(), message)
    }

    /// The error for an unexpected character where `expected` was due.
    fn unexpected(&self, expected: &str) -> Error {
        let Some(c) = self.peek() else {
            return self.error_at(
                self.end_of_text(),
                format!("the JSON ends early: expected {expected}; is the example cut off?"),
            );
        };
        if let Some(message) = chars::lookalike_message(c, "the JSON") {
            return self.error_here(message);
        }
        let rest: String = self.chars[self.index..].iter().take(2).collect();
        let message = match c {
            '/' if rest == "//" || rest == "/*" => {
                "JSON has no comments (the doc page's example has one); remove it".to_string()
            }
            '#' => "JSON has no comments; remove the `#` comment".to_string(),
            '\'' => "JSON strings and keys use double quotes `\"`, not `'`".to_string(),
            _ => format!("expected {expected}, found `{c}`"),
        };
        self.error_here(message)
    }

    /// Just after the last character that is not whitespace (where a missing `}` belongs).
    fn end_of_text(&self) -> Pos {
        let last = self.chars.iter().rposition(|c| !c.is_whitespace());
        let end = last.map_or(0, |i| i + 1);
        let (mut line, mut col) = (1, 1);
        for c in &self.chars[..end] {
            if *c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        Pos {
            line,
            col,
            index: end,
        }
    }

    fn skip_space(&mut self) -> Result<(), Error> {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | '\r' => {
                    self.bump();
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self) -> Result<Value, Error> {
        let at = self.pos();
        let kind = match self.peek() {
            Some('{') => self.object()?,
            Some('[') => self.array()?,
            Some('"') => Kind::String(self.string()?),
            Some('-' | '0'..='9') => self.number()?,
            Some('t') => self.word("true", Kind::Bool(true))?,
            Some('f') => self.word("false", Kind::Bool(false))?,
            Some('n') => self.word("null", Kind::Null)?,
            Some(c) if c.is_alphabetic() && chars::lookalike(c).is_none() => {
                self.word("\u{0}", Kind::Null)?
            }
            _ => return Err(self.unexpected("a JSON value")),
        };
        Ok(Value { at, kind })
    }

    fn word(&mut self, word: &str, kind: Kind) -> Result<Kind, Error> {
        let at = self.pos();
        for expected in word.chars() {
            if self.peek() != Some(expected) {
                let found: String = self.chars[at.index..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric())
                    .collect();
                return Err(self.error_at(
                    at,
                    format!("`{found}` is not JSON (strings are double-quoted; the words are true, false, null)"),
                ));
            }
            self.bump();
        }
        Ok(kind)
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("the JSON nests too deeply"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Kind, Error> {
        self.enter()?;
        self.bump();
        let mut members = Vec::new();
        self.skip_space()?;
        if self.peek() == Some('}') {
            self.bump();
            self.depth -= 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.skip_space()?;
            let at = self.pos();
            if self.peek() != Some('"') {
                return Err(match self.peek() {
                    Some(c) if c.is_alphabetic() || c == '_' => self.error_here(
                        "an object key must be a double-quoted string in JSON (`\"key\": ...`)",
                    ),
                    _ => self.unexpected("a double-quoted key"),
                });
            }
            let key = self.string()?;
            self.skip_space()?;
            if self.peek() != Some(':') {
                return Err(self.unexpected("`:` after the key"));
            }
            self.bump();
            self.skip_space()?;
            let value = self.value()?;
            members.push(Member { key, at, value });
            self.skip_space()?;
            match self.peek() {
                Some(',') => {
                    let comma = self.pos();
                    self.bump();
                    self.skip_space()?;
                    if self.peek() == Some('}') {
                        return Err(self.error_at(
                            comma,
                            "trailing comma before `}`: JSON allows none; remove it",
                        ));
                    }
                }
                Some('}') => {
                    self.bump();
                    self.depth -= 1;
                    return Ok(Kind::Object(members));
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
    }

    fn array(&mut self) -> Result<Kind, Error> {
        self.enter()?;
        self.bump();
        let mut items = Vec::new();
        self.skip_space()?;
        if self.peek() == Some(']') {
            self.bump();
            self.depth -= 1;
            return Ok(Kind::Array(items));
        }
        loop {
            self.skip_space()?;
            items.push(self.value()?);
            self.skip_space()?;
            match self.peek() {
                Some(',') => {
                    let comma = self.pos();
                    self.bump();
                    self.skip_space()?;
                    if self.peek() == Some(']') {
                        return Err(self.error_at(
                            comma,
                            "trailing comma before `]`: JSON allows none; remove it",
                        ));
                    }
                }
                Some(']') => {
                    self.bump();
                    self.depth -= 1;
                    return Ok(Kind::Array(items));
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        let start = self.pos();
        self.bump();
        let mut out = String::new();
        loop {
            let at = self.pos();
            let Some(c) = self.bump() else {
                return Err(self.error_at(start, "this string is never closed with `\"`"));
            };
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(escape) = self.bump() else {
                        return Err(self.error_at(start, "this string is never closed with `\"`"));
                    };
                    match escape {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let first = self.hex4(at)?;
                            let code = if (0xD800..0xDC00).contains(&first) {
                                if self.peek() != Some('\\') {
                                    return Err(self
                                        .error_at(at, "a lone UTF-16 surrogate in `\\u` escape"));
                                }
                                self.bump();
                                if self.bump() != Some('u') {
                                    return Err(self
                                        .error_at(at, "a lone UTF-16 surrogate in `\\u` escape"));
                                }
                                let second = self.hex4(at)?;
                                if !(0xDC00..0xE000).contains(&second) {
                                    return Err(self
                                        .error_at(at, "a lone UTF-16 surrogate in `\\u` escape"));
                                }
                                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                            } else {
                                first
                            };
                            match char::from_u32(code) {
                                Some(c) => out.push(c),
                                None => {
                                    return Err(self
                                        .error_at(at, "a lone UTF-16 surrogate in `\\u` escape"));
                                }
                            }
                        }
                        other => {
                            return Err(self.error_at(
                                at,
                                format!(
                                    "`\\{other}` is no JSON escape (write `\\\\` for a backslash)"
                                ),
                            ));
                        }
                    }
                }
                '\n' | '\r' => {
                    return Err(self.error_at(
                        at,
                        "a line break inside a JSON string: write `\\n`, or close the string",
                    ));
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.error_at(
                        at,
                        format!(
                            "control character U+{:04X} inside a JSON string; escape it",
                            c as u32
                        ),
                    ));
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self, at: Pos) -> Result<u32, Error> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|c| c.to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error_at(at, "`\\u` takes four hex digits"));
            };
            self.bump();
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Kind, Error> {
        let at = self.pos();
        let mut text = String::new();
        if self.peek() == Some('-') {
            text.push('-');
            self.bump();
        }
        let digits = |reader: &mut Reader, text: &mut String| {
            let mut any = false;
            while let Some(c @ '0'..='9') = reader.peek() {
                text.push(c);
                reader.bump();
                any = true;
            }
            any
        };
        let int_start = text.len();
        if !digits(self, &mut text) {
            return Err(self.unexpected("a digit"));
        }
        if text[int_start..].len() > 1 && text[int_start..].starts_with('0') {
            return Err(self.error_at(
                at,
                "JSON numbers have no leading zeros; a zero-padded id is a string (`\"007\"`)",
            ));
        }
        let mut float = false;
        if self.peek() == Some('.') {
            float = true;
            text.push('.');
            self.bump();
            if !digits(self, &mut text) {
                return Err(self.unexpected("a digit after `.`"));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            float = true;
            text.push('e');
            self.bump();
            if let Some(sign @ ('+' | '-')) = self.peek() {
                text.push(sign);
                self.bump();
            }
            if !digits(self, &mut text) {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        if !float {
            if text == "-0" {
                // serde_json reads a negative zero as the float -0.0.
                return Ok(Kind::Float(-0.0));
            }
            if text.starts_with('-') {
                if let Ok(v) = text.parse::<i64>() {
                    return Ok(Kind::Int(v));
                }
            } else if let Ok(v) = text.parse::<u64>() {
                return Ok(Kind::UInt(v));
            }
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Kind::Float(v)),
            _ => Err(self.error_at(at, "number out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Kind {
        parse(text).expect("valid JSON").kind
    }

    fn error(text: &str) -> (usize, usize, String) {
        let err = parse(text).expect_err("invalid JSON");
        (err.at.line, err.at.col, err.message)
    }

    #[test]
    fn numbers_are_classified_like_serde_json() {
        assert_eq!(kind("5"), Kind::UInt(5));
        assert_eq!(kind("-5"), Kind::Int(-5));
        assert_eq!(kind("5.0"), Kind::Float(5.0));
        assert_eq!(kind("1e3"), Kind::Float(1000.0));
        assert_eq!(
            kind("18446744073709551616"),
            Kind::Float(18446744073709551616.0)
        );
        assert_eq!(
            kind("-9223372036854775809"),
            Kind::Float(-9223372036854775809.0)
        );
        for text in ["5", "-5", "5.0", "1e3", "0.5", "-0", "123456789012345678"] {
            let ours = kind(text);
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
            let same = match (&ours, &theirs) {
                (Kind::UInt(a), serde_json::Value::Number(n)) => n.as_u64() == Some(*a),
                (Kind::Int(a), serde_json::Value::Number(n)) => n.as_i64() == Some(*a),
                (Kind::Float(a), serde_json::Value::Number(n)) => {
                    n.is_f64() && n.as_f64() == Some(*a)
                }
                _ => false,
            };
            assert!(same, "{text}: {ours:?} vs {theirs:?}");
        }
    }

    #[test]
    fn values_know_their_positions() {
        let value = parse("{\"a\": [1,\n  {\"b\": null}]}").unwrap();
        let Kind::Object(members) = &value.kind else {
            panic!()
        };
        assert_eq!((members[0].at.line, members[0].at.col), (1, 2));
        let Kind::Array(items) = &members[0].value.kind else {
            panic!()
        };
        assert_eq!((items[1].at.line, items[1].at.col), (2, 3));
        let Kind::Object(inner) = &items[1].kind else {
            panic!()
        };
        assert_eq!((inner[0].value.at.line, inner[0].value.at.col), (2, 9));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kind(r#""a\"b\u00e9\ud83d\ude00\n""#),
            Kind::String("a\"bé😀\n".into())
        );
        assert!(error(r#""\x""#).2.contains("no JSON escape"));
        assert!(error("\"a\nb\"").2.contains("line break"));
    }

    #[test]
    fn mistakes_of_copied_examples_are_named() {
        let (line, col, message) = error("{\"a\":1,}");
        assert_eq!((line, col), (1, 7));
        assert!(message.starts_with("trailing comma"));
        assert!(error("[1,2,]").2.starts_with("trailing comma"));
        assert!(error("{\"a\":1 // one\n}").2.contains("no comments"));
        assert!(
            error("{\"a\":1, /* x */ \"b\":2}")
                .2
                .contains("no comments")
        );
        assert!(error("{'a':1}").2.contains("double quotes"));
        assert!(error("{a:1}").2.contains("double-quoted"));
        assert!(error("{\"a\"：1}").2.contains("U+FF1A FULLWIDTH COLON"));
        assert!(error("{\"a\":1}x").2.contains("after the JSON value"));
        assert!(error("{\"a\":01}").2.contains("leading zeros"));
        assert!(error("{\"a\":1").2.contains("ends early"));
        assert!(error("{\"a\":True}").2.contains("is not JSON"));
    }

    #[test]
    fn accepts_what_serde_json_accepts_on_samples() {
        for text in [
            "{}",
            "[]",
            " {\"a\" : [ true , false , null , -1.5e-3 , \"x\" ] } ",
            "\"\"",
            "0",
            "{\"a\":{\"a\":{\"a\":[]}}}",
        ] {
            assert!(parse(text).is_ok(), "{text}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_ok(),
                "{text}"
            );
        }
    }
}
