//! Messages as DingTalk shows them, as HTML that is safe to put in the inbox page.
//!
//! Whatever a message holds, the output only has elements and attributes this module writes
//! itself: markdown goes through `pulldown-cmark` with every raw HTML event turned into
//! escaped text, every link target is checked by [`safe_url`] (an allowlist of schemes, on
//! the URL as a browser would parse it), images and files become placeholders (the page loads
//! nothing a message names), and every other value is escaped. The page adds a
//! Content-Security-Policy without inline scripts on top, so a slip here still runs nothing.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use serde_json::Value;

/// A message, ready for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// What DingTalk calls the message type (`markdown`, `action_card`, `sampleText`, ...).
    pub msgtype: String,
    /// The line a notification list shows (a markdown message's `title`), if any.
    pub title: Option<String>,
    /// The body, as safe HTML.
    pub html: String,
}

/// Escapes text for an HTML element body or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text with its line breaks, as a text message shows.
fn text_html(text: &str) -> String {
    escape(text).replace('\n', "<br>")
}

/// The URL a link may point to, as the browser will see it: `http`, `https`, `mailto` and
/// `tel` only, parsed the way browsers parse (so tabs, newlines and leading blanks cannot hide
/// a scheme); a DingTalk `dingtalk://dingtalkclient/page/link?url=...` link is opened to the
/// web page it wraps. Anything else (`javascript:`, `data:`, `vbscript:`, relative or
/// protocol-relative URLs) is refused.
pub fn safe_url(raw: &str) -> Option<String> {
    fn check(raw: &str, depth: u8) -> Option<String> {
        let url = url::Url::parse(raw).ok()?;
        match url.scheme() {
            "http" | "https" | "mailto" | "tel" => Some(url.as_str().to_string()),
            "dingtalk" if depth == 0 => {
                let inner = url
                    .query_pairs()
                    .find(|(k, _)| k == "url")
                    .map(|(_, v)| v.into_owned())?;
                check(&inner, depth + 1)
            }
            _ => None,
        }
    }
    check(raw, 0)
}

/// A link as the page shows it: an anchor that opens in a new tab, or, for a refused URL,
/// the text with the refused URL beside it and no target.
fn link(text_html: &str, url: &str, class: &str) -> String {
    match safe_url(url) {
        Some(safe) => format!(
            "<a class=\"{class}\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{text_html}</a>",
            escape(&safe)
        ),
        None if url.is_empty() => format!("<span class=\"{class} no-link\">{text_html}</span>"),
        None => format!(
            "<span class=\"{class} blocked-link\">{text_html} <span class=\"blocked-url\">(link not followed: {})</span></span>",
            escape(url)
        ),
    }
}

/// A picture or file the page does not load: what it is and its id or URL.
fn placeholder(kind: &str, label: &str, detail: &str) -> String {
    format!(
        "<span class=\"media media-{kind}\"><span class=\"media-kind\">{}</span> <code>{}</code></span>",
        escape(label),
        escape(detail)
    )
}

/// DingTalk-flavoured markdown to safe HTML: CommonMark with tables and strikethrough, a
/// single newline breaks the line (as DingTalk shows it), raw HTML is shown as text, links go
/// through [`safe_url`], images become placeholders.
pub fn markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut closers: Vec<String> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    let events = Parser::new_ext(text, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
        Event::SoftBreak => Event::HardBreak,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            ..
        }) => {
            let target = if link_type == LinkType::Email {
                format!("mailto:{dest_url}")
            } else {
                dest_url.to_string()
            };
            let (open, close) = match safe_url(&target) {
                Some(safe) => (
                    format!(
                        "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">",
                        escape(&safe)
                    ),
                    "</a>".to_string(),
                ),
                None => (
                    "<span class=\"blocked-link\">".to_string(),
                    format!(
                        "</span> <span class=\"blocked-url\">(link not followed: {})</span>",
                        escape(&target)
                    ),
                ),
            };
            closers.push(close);
            Event::InlineHtml(open.into())
        }
        Event::End(TagEnd::Link) => Event::InlineHtml(closers.pop().unwrap_or_default().into()),
        Event::Start(Tag::Image { dest_url, .. }) => {
            images.push(dest_url.to_string());
            Event::InlineHtml(
                "<span class=\"media media-image\"><span class=\"media-kind\">image</span> ".into(),
            )
        }
        Event::End(TagEnd::Image) => {
            let url = images.pop().unwrap_or_default();
            Event::InlineHtml(format!(" <code>{}</code></span>", escape(&url)).into())
        }
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A number or text field as text (`duration` comes either way).
fn scalar(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn title_of(value: &Value, key: &str) -> Option<String> {
    Some(text(value, key).to_string()).filter(|t| !t.is_empty())
}

/// Buttons of an action card, in a row or a column.
fn buttons(items: &[(String, String)], vertical: bool) -> String {
    if items.is_empty() {
        return String::new();
    }
    let orientation = if vertical { "vertical" } else { "horizontal" };
    let inner: String = items
        .iter()
        .map(|(title, url)| link(&escape(title), url, "btn"))
        .collect();
    format!("<div class=\"buttons {orientation}\">{inner}</div>")
}

/// A link message: title, text, the picture's URL as a placeholder, the target.
fn link_card(title: &str, body: &str, pic: &str, url: &str) -> String {
    let mut html = String::from("<div class=\"link-card\">");
    html.push_str(&format!(
        "<div class=\"link-title\">{}</div>",
        link(&escape(title), url, "link-target")
    ));
    html.push_str(&format!(
        "<div class=\"link-text\">{}</div>",
        text_html(body)
    ));
    if !pic.is_empty() {
        html.push_str(&placeholder("image", "picture", pic));
    }
    html.push_str("</div>");
    html
}

fn unknown(msgtype: &str, content: &Value) -> String {
    format!(
        "<div class=\"unknown\">The inbox has no view of <code>{}</code> messages; its content:</div><pre>{}</pre>",
        escape(msgtype),
        escape(&serde_json::to_string_pretty(content).unwrap_or_default())
    )
}

/// A classic message (`asyncsend_v2` work notices, `chat/send`): `{"msgtype": ..., <type>:
/// {...}}`.
pub fn classic(msg: &Value) -> Rendered {
    let msgtype = text(msg, "msgtype").to_string();
    let content = msg.get(&msgtype).cloned().unwrap_or(Value::Null);
    let c = &content;
    let (title, html) = match msgtype.as_str() {
        "text" => (None, format!("<p>{}</p>", text_html(text(c, "content")))),
        "markdown" => (title_of(c, "title"), markdown(text(c, "text"))),
        "action_card" => {
            let mut items = Vec::new();
            if !text(c, "single_title").is_empty() || !text(c, "single_url").is_empty() {
                items.push((
                    text(c, "single_title").to_string(),
                    text(c, "single_url").to_string(),
                ));
            }
            for button in c
                .get("btn_json_list")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                items.push((
                    text(button, "title").to_string(),
                    text(button, "action_url").to_string(),
                ));
            }
            let vertical = scalar(c, "btn_orientation") == "0";
            (
                title_of(c, "title"),
                format!(
                    "<div class=\"action-card\">{}{}</div>",
                    markdown(text(c, "markdown")),
                    buttons(&items, vertical)
                ),
            )
        }
        "link" => (
            title_of(c, "title"),
            link_card(
                text(c, "title"),
                text(c, "text"),
                text(c, "picUrl"),
                text(c, "messageUrl"),
            ),
        ),
        "oa" => (oa_title(c), oa(c)),
        "image" => (None, placeholder("image", "image", &scalar(c, "media_id"))),
        "voice" => (
            None,
            placeholder(
                "voice",
                &format!("voice, {} s", scalar(c, "duration")),
                &scalar(c, "media_id"),
            ),
        ),
        "file" => (None, placeholder("file", "file", &scalar(c, "media_id"))),
        _ => (None, unknown(&msgtype, c)),
    };
    Rendered {
        msgtype,
        title,
        html,
    }
}

fn oa_title(c: &Value) -> Option<String> {
    let body = c.get("body").cloned().unwrap_or(Value::Null);
    title_of(&body, "title").or_else(|| c.get("head").and_then(|h| title_of(h, "text")))
}

/// An OA message: a coloured head, a title, a form of key/value lines, rich text, content.
fn oa(c: &Value) -> String {
    let head = c.get("head").cloned().unwrap_or(Value::Null);
    let body = c.get("body").cloned().unwrap_or(Value::Null);
    let mut html = String::from("<div class=\"oa\">");
    html.push_str(&format!(
        "<div class=\"oa-head\">{}</div>",
        escape(text(&head, "text"))
    ));
    if let Some(status) = c.get("status_bar") {
        html.push_str(&format!(
            "<div class=\"oa-status\">{}</div>",
            escape(text(status, "status_value"))
        ));
    }
    if !text(&body, "title").is_empty() {
        html.push_str(&format!(
            "<div class=\"oa-title\">{}</div>",
            escape(text(&body, "title"))
        ));
    }
    let form = body.get("form").and_then(Value::as_array);
    if let Some(form) = form.filter(|f| !f.is_empty()) {
        html.push_str("<dl class=\"oa-form\">");
        for line in form {
            html.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                escape(text(line, "key")),
                escape(&scalar(line, "value"))
            ));
        }
        html.push_str("</dl>");
    }
    if let Some(rich) = body.get("rich") {
        html.push_str(&format!(
            "<div class=\"oa-rich\">{} {}</div>",
            escape(&scalar(rich, "num")),
            escape(text(rich, "unit"))
        ));
    }
    if !text(&body, "content").is_empty() {
        html.push_str(&format!("<p>{}</p>", text_html(text(&body, "content"))));
    }
    if !text(&body, "image").is_empty() {
        html.push_str(&placeholder("image", "image", text(&body, "image")));
    }
    if !scalar(&body, "file_count").is_empty() {
        html.push_str(&format!(
            "<div class=\"oa-files\">{} attachment(s)</div>",
            escape(&scalar(&body, "file_count"))
        ));
    }
    if !text(&body, "author").is_empty() {
        html.push_str(&format!(
            "<div class=\"oa-author\">{}</div>",
            escape(text(&body, "author"))
        ));
    }
    let target = [text(c, "message_url"), text(c, "pc_message_url")]
        .into_iter()
        .find(|u| !u.is_empty());
    if let Some(target) = target {
        html.push_str(&buttons(&[("Open".to_string(), target.to_string())], false));
    }
    html.push_str("</div>");
    html
}

/// A v1 robot message: its `msgKey` and `msgParam`.
pub fn robot(msg_key: &str, param: &Value) -> Rendered {
    let p = param;
    let (title, html) = match msg_key {
        "sampleText" => (None, format!("<p>{}</p>", text_html(text(p, "content")))),
        "sampleMarkdown" => (title_of(p, "title"), markdown(text(p, "text"))),
        "sampleImageMsg" => (None, placeholder("image", "image", text(p, "photoURL"))),
        "sampleLink" => (
            title_of(p, "title"),
            link_card(
                text(p, "title"),
                text(p, "text"),
                text(p, "picUrl"),
                text(p, "messageUrl"),
            ),
        ),
        key if key.starts_with("sampleActionCard") => {
            let mut items = Vec::new();
            if !text(p, "singleTitle").is_empty() || !text(p, "singleURL").is_empty() {
                items.push((
                    text(p, "singleTitle").to_string(),
                    text(p, "singleURL").to_string(),
                ));
            }
            for i in 1..=6 {
                for (t, u) in [("actionTitle", "actionURL"), ("buttonTitle", "buttonUrl")] {
                    let title = text(p, &format!("{t}{i}"));
                    let url = text(p, &format!("{u}{i}"));
                    if !title.is_empty() || !url.is_empty() {
                        items.push((title.to_string(), url.to_string()));
                    }
                }
            }
            (
                title_of(p, "title"),
                format!(
                    "<div class=\"action-card\">{}{}</div>",
                    markdown(text(p, "text")),
                    buttons(&items, key != "sampleActionCard6" && items.len() > 2)
                ),
            )
        }
        "sampleAudio" => (
            None,
            placeholder(
                "voice",
                &format!("voice, {} ms", scalar(p, "duration")),
                text(p, "mediaId"),
            ),
        ),
        "sampleFile" => (
            None,
            placeholder(
                "file",
                &format!("file {} ({})", text(p, "fileName"), text(p, "fileType")),
                text(p, "mediaId"),
            ),
        ),
        "sampleVideo" => (
            None,
            placeholder(
                "video",
                &format!("video, {} s", scalar(p, "duration")),
                text(p, "videoMediaId"),
            ),
        ),
        other => (None, unknown(other, p)),
    };
    Rendered {
        msgtype: msg_key.to_string(),
        title,
        html,
    }
}

/// A custom robot's webhook message or a session reply: `msgtype` and its content object.
pub fn webhook(msgtype: &str, c: &Value) -> Rendered {
    let (title, html) = match msgtype {
        "text" => (None, format!("<p>{}</p>", text_html(text(c, "content")))),
        "markdown" => (title_of(c, "title"), markdown(text(c, "text"))),
        "link" => (
            title_of(c, "title"),
            link_card(
                text(c, "title"),
                text(c, "text"),
                text(c, "picUrl"),
                text(c, "messageUrl"),
            ),
        ),
        "actionCard" => {
            let mut items = Vec::new();
            if !text(c, "singleTitle").is_empty() || !text(c, "singleURL").is_empty() {
                items.push((
                    text(c, "singleTitle").to_string(),
                    text(c, "singleURL").to_string(),
                ));
            }
            for button in c
                .get("btns")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                items.push((
                    text(button, "title").to_string(),
                    text(button, "actionURL").to_string(),
                ));
            }
            (
                title_of(c, "title"),
                format!(
                    "<div class=\"action-card\">{}{}</div>",
                    markdown(text(c, "text")),
                    buttons(&items, scalar(c, "btnOrientation") == "0")
                ),
            )
        }
        "feedCard" => {
            let mut html = String::from("<div class=\"feed-card\">");
            for item in c
                .get("links")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                html.push_str(&link_card(
                    text(item, "title"),
                    "",
                    text(item, "picURL"),
                    text(item, "messageURL"),
                ));
            }
            html.push_str("</div>");
            (None, html)
        }
        other => (None, unknown(other, c)),
    };
    Rendered {
        msgtype: msgtype.to_string(),
        title,
        html,
    }
}

/// An interactive card: its template and variables (the fake does not have the template, so
/// the variables are listed as text).
pub fn card(template_id: &str, params: &serde_json::Map<String, Value>) -> Rendered {
    let mut html = format!(
        "<div class=\"interactive-card\"><div class=\"card-template\">card template <code>{}</code></div>",
        escape(template_id)
    );
    if params.is_empty() {
        html.push_str("<div class=\"card-empty\">no card data</div>");
    } else {
        html.push_str("<dl class=\"card-params\">");
        for (key, value) in params {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            html.push_str(&format!(
                "<dt>{}</dt><dd>{}</dd>",
                escape(key),
                text_html(&value)
            ));
        }
        html.push_str("</dl>");
    }
    html.push_str("</div>");
    Rendered {
        msgtype: "interactiveCard".to_string(),
        title: params
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_string),
        html,
    }
}

/// What a person typed to the robot (plain text).
pub fn typed(text: &str) -> Rendered {
    Rendered {
        msgtype: "text".to_string(),
        title: None,
        html: format!("<p>{}</p>", text_html(text)),
    }
}
