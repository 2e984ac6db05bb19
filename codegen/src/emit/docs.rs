//! Doc comments from spec text.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc]` attributes, one per line, so prettyplease prints them as `///` comments.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .map(|line| {
            let line = line.trim_end();
            if line.is_empty() {
                String::new()
            } else {
                format!(" {}", rustdoc_safe(line))
            }
        })
        .collect();
    quote! { #( #[doc = #lines] )* }
}

/// A spec doc line as rustdoc reads it without complaint: a bare URL becomes `<URL>` (rustdoc
/// links only those), and a `[` before a digit is escaped (`"[379661095,1]"` is JSON, not an
/// intra-doc link). Markdown links `[text](url)` and intra-doc links stay as written.
pub fn rustdoc_safe(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        }
        let bare_url = !in_code
            && (rest.starts_with("https://") || rest.starts_with("http://"))
            && !out.ends_with('<')
            && !out.ends_with("](");
        if bare_url {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || matches!(ch, ')' | '>' | '"' | '`'))
                .unwrap_or(rest.len());
            // A sentence's full stop or comma after the URL is not part of it.
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        if !in_code && c == '[' && rest[1..].starts_with(|ch: char| ch.is_ascii_digit()) {
            out.push_str("\\[");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Joins doc paragraphs, skipping empty ones.
pub fn paragraphs(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::rustdoc_safe;

    #[test]
    fn bare_urls_are_linked_and_json_brackets_escaped() {
        assert_eq!(
            rustdoc_safe("(page https://open.dingtalk.com/x-y)."),
            "(page <https://open.dingtalk.com/x-y>)."
        );
        assert_eq!(
            rustdoc_safe("see https://a.b/c, then"),
            "see <https://a.b/c>, then"
        );
        assert_eq!(
            rustdoc_safe("[docs](https://a.b/c)"),
            "[docs](https://a.b/c)"
        );
        assert_eq!(rustdoc_safe("<https://a.b/c>"), "<https://a.b/c>");
        assert_eq!(rustdoc_safe("`https://a.b/c`"), "`https://a.b/c`");
        assert_eq!(
            rustdoc_safe(r#"e.g. "[379661095,1]""#),
            r#"e.g. "\[379661095,1]""#
        );
        assert_eq!(rustdoc_safe("[`Event::Unknown`]"), "[`Event::Unknown`]");
        assert_eq!(rustdoc_safe("日程 https://a.b/日"), "日程 <https://a.b/日>");
    }
}
