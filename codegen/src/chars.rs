//! Characters a maintainer cannot see or tell apart: a UTF-8 byte-order mark, bytes that are
//! not UTF-8 (a file saved as GBK), tabs in indentation, full-width punctuation typed with a
//! Chinese input method (`：` for `:`), and zero-width or non-breaking spaces pasted from a
//! web page. Each is reported by name and position, with what to type instead.
//!
//! Doc texts (`doc`, `summary`, `meaning`, enum value docs) may hold Chinese text and its
//! punctuation freely; keys, wire names, types, paths and enum wire values may not.

use crate::diag::{Diagnostics, Span};
use crate::yaml::{Node, NodeKind};

/// [`crate::read_dir`] decodes a byte that is not UTF-8 as this code point plus the byte (a
/// private-use plane character no spec file has), so the loader can name the byte and its
/// position instead of failing with an I/O error.
pub const INVALID_BYTE_BASE: u32 = 0x10_FF00;

/// `bytes` as text, each byte that is not part of valid UTF-8 kept as
/// `INVALID_BYTE_BASE + byte`.
pub fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(err) => {
                let (valid, invalid) = rest.split_at(err.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = err.error_len().unwrap_or(invalid.len()).max(1);
                for byte in &invalid[..bad] {
                    out.push(char::from_u32(INVALID_BYTE_BASE + u32::from(*byte)).unwrap_or('?'));
                }
                rest = &invalid[bad..];
            }
        }
    }
}

/// The invalid byte a character of [`decode`] stands for.
fn invalid_byte(c: char) -> Option<u8> {
    (c as u32)
        .checked_sub(INVALID_BYTE_BASE)
        .and_then(|b| u8::try_from(b).ok())
}

/// 1-based line and column (in characters) of each character index, for messages.
fn position_of(text: &str, char_index: usize) -> (usize, usize) {
    let mut line = 1;
    let mut col = 1;
    for c in text.chars().take(char_index) {
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

/// Checks the raw text before YAML sees it. Returns the text to parse (without a leading
/// byte-order mark) and whether the file is unreadable (bytes that are not UTF-8).
pub fn check_encoding(file: &str, text: &str, diags: &mut Diagnostics) -> (String, bool) {
    if let Some(index) = text.chars().position(|c| invalid_byte(c).is_some()) {
        let byte = text.chars().nth(index).and_then(invalid_byte).unwrap_or(0);
        let (line, col) = position_of(text, index);
        diags.error(
            Span::new(file, line, col),
            format!(
                "byte 0x{byte:02X} is not UTF-8: the file seems saved in another encoding (GBK/GB18030 or Latin-1); save it as UTF-8 (spec files are read as UTF-8 only)"
            ),
        );
        return (String::new(), true);
    }
    match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            diags.error(
                Span::new(file, 1, 1),
                "the file starts with U+FEFF BYTE ORDER MARK (a UTF-8 BOM, invisible in most editors); save the file as UTF-8 without BOM",
            );
            (rest.to_string(), false)
        }
        None => (text.to_string(), false),
    }
}

/// A character that looks like (or hides) an ASCII one: its Unicode name and what to type
/// instead (empty for a zero-width character, which is simply deleted).
pub fn lookalike(c: char) -> Option<(String, String)> {
    let named = |name: &str, instead: &str| Some((name.to_string(), instead.to_string()));
    match c {
        '\u{3000}' => named("IDEOGRAPHIC SPACE", "an ASCII space"),
        '\u{00A0}' => named("NO-BREAK SPACE", "an ASCII space"),
        '\u{2007}' => named("FIGURE SPACE", "an ASCII space"),
        '\u{2009}' => named("THIN SPACE", "an ASCII space"),
        '\u{202F}' => named("NARROW NO-BREAK SPACE", "an ASCII space"),
        '\u{200B}' => named("ZERO WIDTH SPACE", ""),
        '\u{200C}' => named("ZERO WIDTH NON-JOINER", ""),
        '\u{200D}' => named("ZERO WIDTH JOINER", ""),
        '\u{2060}' => named("WORD JOINER", ""),
        '\u{FEFF}' => named("ZERO WIDTH NO-BREAK SPACE", ""),
        '\u{00AD}' => named("SOFT HYPHEN", ""),
        '\u{3001}' => named("IDEOGRAPHIC COMMA", "`,`"),
        '\u{3002}' => named("IDEOGRAPHIC FULL STOP", "`.`"),
        '\u{3010}' => named("LEFT BLACK LENTICULAR BRACKET", "`[`"),
        '\u{3011}' => named("RIGHT BLACK LENTICULAR BRACKET", "`]`"),
        '\u{300A}' => named("LEFT DOUBLE ANGLE BRACKET", "`<`"),
        '\u{300B}' => named("RIGHT DOUBLE ANGLE BRACKET", "`>`"),
        '\u{2018}' => named("LEFT SINGLE QUOTATION MARK", "`'`"),
        '\u{2019}' => named("RIGHT SINGLE QUOTATION MARK", "`'`"),
        '\u{201C}' => named("LEFT DOUBLE QUOTATION MARK", "`\"`"),
        '\u{201D}' => named("RIGHT DOUBLE QUOTATION MARK", "`\"`"),
        '\u{2013}' => named("EN DASH", "`-`"),
        '\u{2014}' => named("EM DASH", "`-`"),
        '\u{FF01}'..='\u{FF5E}' => {
            let ascii = char::from_u32(c as u32 - 0xFEE0)?;
            Some((
                format!("FULLWIDTH {}", ascii_name(ascii)),
                format!("`{ascii}`"),
            ))
        }
        _ => None,
    }
}

fn ascii_name(c: char) -> String {
    let name = match c {
        ':' => "COLON",
        ',' => "COMMA",
        '(' => "LEFT PARENTHESIS",
        ')' => "RIGHT PARENTHESIS",
        '[' => "LEFT SQUARE BRACKET",
        ']' => "RIGHT SQUARE BRACKET",
        '{' => "LEFT CURLY BRACKET",
        '}' => "RIGHT CURLY BRACKET",
        '<' => "LESS-THAN SIGN",
        '>' => "GREATER-THAN SIGN",
        '"' => "QUOTATION MARK",
        '\'' => "APOSTROPHE",
        '/' => "SOLIDUS",
        '\\' => "REVERSE SOLIDUS",
        '_' => "LOW LINE",
        '-' => "HYPHEN-MINUS",
        '.' => "FULL STOP",
        ';' => "SEMICOLON",
        '#' => "NUMBER SIGN",
        '!' => "EXCLAMATION MARK",
        '?' => "QUESTION MARK",
        '=' => "EQUALS SIGN",
        '&' => "AMPERSAND",
        '@' => "COMMERCIAL AT",
        '|' => "VERTICAL LINE",
        '*' => "ASTERISK",
        '+' => "PLUS SIGN",
        '%' => "PERCENT SIGN",
        '$' => "DOLLAR SIGN",
        '^' => "CIRCUMFLEX ACCENT",
        '`' => "GRAVE ACCENT",
        '~' => "TILDE",
        '0'..='9' => {
            const DIGITS: [&str; 10] = [
                "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
            ];
            return format!("DIGIT {}", DIGITS[c as usize - '0' as usize]);
        }
        'A'..='Z' => return format!("LATIN CAPITAL LETTER {c}"),
        'a'..='z' => return format!("LATIN SMALL LETTER {}", c.to_ascii_uppercase()),
        _ => "SIGN",
    };
    name.to_string()
}

/// `U+FF1A FULLWIDTH COLON `：``, or for an invisible character its name alone.
pub fn describe(c: char, name: &str) -> String {
    let visible = !c.is_whitespace()
        && !matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
        );
    if visible {
        format!("U+{:04X} {name} `{c}`", c as u32)
    } else {
        format!("U+{:04X} {name} (invisible)", c as u32)
    }
}

/// `text` with invisible characters spelled `<U+200B>`, for quoting in messages.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match lookalike(c) {
            Some(_) if c.is_whitespace() || describe(c, "").ends_with("(invisible)") => {
                format!("<U+{:04X}>", c as u32)
            }
            _ => c.to_string(),
        })
        .collect()
}

/// The message for a look-alike character `c` in `what` (`the key `type：``).
pub fn lookalike_message(c: char, what: &str) -> Option<String> {
    let (name, instead) = lookalike(c)?;
    let fix = if instead.is_empty() {
        "delete it".to_string()
    } else {
        format!("type {instead} instead")
    };
    Some(format!(
        "{} in {what}; {fix} (such characters are fine only in doc texts)",
        describe(c, &name)
    ))
}

/// Keys whose values are free text (Chinese punctuation allowed).
const TEXT_KEYS: &[&str] = &["doc", "summary", "meaning", "example"];

/// Reports look-alike characters in keys and in values that are names, types, paths or
/// wire values. Returns true if any was found.
pub fn check_tree(file: &str, source: &str, root: &Node, diags: &mut Diagnostics) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let before = diags.len();
    walk(file, &lines, root, Context::Value, diags);
    diags.len() > before
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Value,
    /// The values of this mapping are enum docs (the parent key is `enum`).
    EnumEntries,
    Text,
}

fn walk(file: &str, lines: &[&str], node: &Node, context: Context, diags: &mut Diagnostics) {
    match &node.kind {
        NodeKind::Scalar { text, .. } => {
            if context != Context::Text {
                scalar(file, lines, node, text, "the value", diags);
            }
        }
        NodeKind::Seq(items) => {
            for item in items {
                walk(file, lines, item, Context::Value, diags);
            }
        }
        NodeKind::Map(entries) => {
            for (key, value) in entries {
                if let Some(text) = key.as_str() {
                    scalar(file, lines, key, text, "the key", diags);
                }
                let inner = match (context, key.as_str()) {
                    (Context::EnumEntries, _) if matches!(value.kind, NodeKind::Scalar { .. }) => {
                        Context::Text
                    }
                    (_, Some(k)) if TEXT_KEYS.contains(&k) => Context::Text,
                    (_, Some("enum")) => Context::EnumEntries,
                    _ => Context::Value,
                };
                walk(file, lines, value, inner, diags);
            }
        }
    }
}

fn scalar(
    file: &str,
    lines: &[&str],
    node: &Node,
    text: &str,
    what: &str,
    diags: &mut Diagnostics,
) {
    let Some(c) = text.chars().find(|c| lookalike(*c).is_some()) else {
        return;
    };
    // The character's own column when the scalar sits on one line of the source.
    let span = lines
        .get(node.span.line.wrapping_sub(1))
        .and_then(|line| {
            line.chars()
                .enumerate()
                .skip(node.span.col.saturating_sub(1))
                .find(|(_, ch)| *ch == c)
                .map(|(index, _)| Span::new(file, node.span.line, index + 1))
        })
        .unwrap_or_else(|| node.span.clone());
    let what = format!("{what} `{}`", shown(text));
    if let Some(message) = lookalike_message(c, &what) {
        diags.error(span, message);
    }
}

/// After a YAML syntax error at `error_line`: a tab in the indentation, or a look-alike
/// character on the lines from `from_line` to the error, is the likely cause; returns its
/// position and message. Doc lines (`doc:`, `summary:` ...) and comments are not searched.
pub fn explain_syntax_error(
    file: &str,
    source: &str,
    from_line: usize,
    error_line: usize,
    about_tabs: bool,
) -> Option<(Span, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let first = from_line.clamp(1, error_line.max(1));
    // A tab is often found only when the scanner reads past the line it reports.
    let last = if about_tabs { lines.len() } else { error_line };
    for number in first..=last {
        let Some(line) = lines.get(number - 1) else {
            continue;
        };
        let indent: String = line
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        if let Some(tab) = indent.find('\t') {
            return Some((
                Span::new(file, number, tab + 1),
                "a tab (U+0009 CHARACTER TABULATION) indents this line, and YAML forbids tabs for indentation; indent with spaces".to_string(),
            ));
        }
        let content = line.trim_start_matches([' ', '\t', '-']).trim_start();
        let is_text = TEXT_KEYS.iter().any(|k| {
            content
                .strip_prefix(k)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        });
        if is_text || number > error_line {
            continue;
        }
        for (index, c) in line.chars().enumerate() {
            if c == '#' {
                break;
            }
            if let Some(message) = lookalike_message(c, "the YAML structure") {
                return Some((Span::new(file, number, index + 1), message));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_characters() {
        assert_eq!(
            describe('：', &lookalike('：').unwrap().0),
            "U+FF1A FULLWIDTH COLON `：`"
        );
        assert_eq!(
            lookalike('，').unwrap(),
            ("FULLWIDTH COMMA".to_string(), "`,`".to_string())
        );
        assert_eq!(lookalike('（').unwrap().0, "FULLWIDTH LEFT PARENTHESIS");
        assert_eq!(
            lookalike('ａ').unwrap(),
            (
                "FULLWIDTH LATIN SMALL LETTER A".to_string(),
                "`a`".to_string()
            )
        );
        assert_eq!(lookalike('１').unwrap().1, "`1`");
        assert_eq!(
            describe('\u{200B}', &lookalike('\u{200B}').unwrap().0),
            "U+200B ZERO WIDTH SPACE (invisible)"
        );
        assert!(lookalike('用').is_none());
        assert!(lookalike('a').is_none());
        for c in '\u{FF01}'..='\u{FF5E}' {
            let (_, instead) = lookalike(c).unwrap();
            let ascii = char::from_u32(c as u32 - 0xFEE0).unwrap();
            assert_eq!(instead, format!("`{ascii}`"), "{c}");
        }
    }

    #[test]
    fn decodes_invalid_bytes_as_markers() {
        let text = decode(b"ab\n\xd3\xc3c");
        assert_eq!(text.chars().count(), 6);
        let mut diags = Diagnostics::default();
        let (_, fatal) = check_encoding("f.yaml", &text, &mut diags);
        assert!(fatal);
        let message = diags.iter().next().unwrap().to_string();
        assert!(
            message.starts_with("f.yaml:2:1: byte 0xD3 is not UTF-8"),
            "{message}"
        );
    }
}
