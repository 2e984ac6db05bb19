//! The inbox's renderer lets nothing active through: whatever a message holds, the HTML has
//! only the renderer's own elements and attributes, and every link target is http(s),
//! mailto or tel. Each hostile input is checked by a small HTML scanner (below) rather than
//! by looking for one string, so a new trick is caught by the same rules.

use dingtalk_fake::inbox::render::{self, markdown, safe_url};
use serde_json::json;

/// Elements the renderer may write.
const ELEMENTS: &[&str] = &[
    "p",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "hr",
    "a",
    "span",
    "div",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];
/// Attributes the renderer may write.
const ATTRIBUTES: &[&str] = &["href", "class", "target", "rel", "start", "style"];

/// Every tag of `html` as (name, [(attribute, value)]); panics on markup it cannot read,
/// which is itself a failure (a browser might read it differently).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest
            .find('>')
            .unwrap_or_else(|| panic!("an unclosed tag in {html}"));
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let inner = inner.trim_start_matches('/').trim_end_matches('/');
        let mut parts = inner.splitn(2, char::is_whitespace);
        let name = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut attr_text = parts.next().unwrap_or_default().trim();
        while !attr_text.is_empty() {
            let eq = attr_text
                .find('=')
                .unwrap_or_else(|| panic!("an attribute without a value in <{inner}>"));
            let key = attr_text[..eq].trim().to_ascii_lowercase();
            let after = &attr_text[eq + 1..];
            assert!(
                after.starts_with('"'),
                "an unquoted attribute value in <{inner}>"
            );
            let close = after[1..]
                .find('"')
                .unwrap_or_else(|| panic!("an unterminated attribute in <{inner}>"));
            attrs.push((key, unescape(&after[1..1 + close])));
            attr_text = after[close + 2..].trim_start();
        }
        out.push((name, attrs));
    }
    out
}

/// What a browser reads from an attribute value the renderer escaped.
fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The rules every rendered output keeps.
fn assert_inert(input: &str, html: &str) {
    for (name, attrs) in tags(html) {
        assert!(
            ELEMENTS.contains(&name.as_str()),
            "<{name}> from {input:?}: {html}"
        );
        for (key, value) in attrs {
            assert!(
                ATTRIBUTES.contains(&key.as_str()),
                "attribute {key} from {input:?}: {html}"
            );
            if key == "href" {
                let lower = value.to_ascii_lowercase();
                assert!(
                    ["http://", "https://", "mailto:", "tel:"]
                        .iter()
                        .any(|s| lower.starts_with(s)),
                    "href {value:?} from {input:?}: {html}"
                );
            }
        }
    }
    // Text that looks like markup was escaped, never passed through.
    let lower = html.to_ascii_lowercase();
    for active in [
        "<script", "<img", "<iframe", "<svg", "<style", "<object", "<form",
    ] {
        assert!(!lower.contains(active), "{active} from {input:?}: {html}");
    }
}

const HOSTILE: &[&str] = &[
    "<script>window.__pwned=1</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "hello <img src=x onerror=\"window.__pwned=1\"> there",
    "<svg onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">raw anchor</a>",
    "<div style=\"background:url(javascript:alert(1))\">styled</div>",
    "[click](javascript:window.__pwned=1)",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<java\tscript:alert(1)>)",
    "[click](java&#x09;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[click](\\javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](//evil.example/x)",
    "[click](/relative/path)",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[x](https://ok.example/\"onmouseover=\"alert(1))",
    "[x](https://ok.example/ \"title\\\" onmouseover=\\\"alert(1)\")",
    "![img](javascript:alert(1))",
    "![img\" onerror=\"alert(1)](https://ok.example/a.png)",
    "![x](https://ok.example/a.png)",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</script>",
    "<!-- <script>alert(1)</script> -->",
    "<p onclick=\"alert(1)\">para</p>",
    "# heading {#id onclick=alert(1)}",
    "<font color=\"red\" onmouseover=\"alert(1)\">text</font>",
    "| a | b |\n|---|---|\n| <script>x</script> | [y](javascript:z) |",
];

#[test]
fn hostile_markdown_renders_inert() {
    for input in HOSTILE {
        let html = markdown(input);
        assert_inert(input, &html);
    }
}

#[test]
fn markup_in_a_message_is_shown_as_text() {
    let html = markdown("<script>window.__pwned=1</script>");
    assert!(
        html.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
        "{html}"
    );
    let html = markdown("hello <img src=x onerror=alert(1)>");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
}

#[test]
fn refused_links_keep_their_text_and_say_why() {
    let html = markdown("[pay now](javascript:alert(1))");
    assert!(!html.contains("<a "), "{html}");
    assert!(html.contains("pay now"), "{html}");
    assert!(html.contains("link not followed"), "{html}");
}

#[test]
fn dingtalk_markdown_renders_as_dingtalk_shows_it() {
    let html = markdown(
        "### Weekly report\n**bold** and *italic*\nsecond line\n> quoted\n\n- one\n- two\n\n[docs](https://docs.example/a?b=1&c=2) ~~old~~",
    );
    assert!(html.contains("<h3>Weekly report</h3>"), "{html}");
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(html.contains("<em>italic</em>"), "{html}");
    // DingTalk breaks the line at a single newline.
    assert!(html.contains("<br"), "{html}");
    assert!(html.contains("<blockquote>"), "{html}");
    assert!(html.contains("<li>one</li>"), "{html}");
    assert!(html.contains("<del>old</del>"), "{html}");
    assert!(
        html.contains(
            "<a href=\"https://docs.example/a?b=1&amp;c=2\" target=\"_blank\" rel=\"noopener noreferrer\">docs</a>"
        ),
        "{html}"
    );
    assert_inert("dingtalk", &html);
}

#[test]
fn images_are_placeholders_that_load_nothing() {
    let html = markdown("![chart](https://img.example/chart.png)");
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("https://img.example/chart.png"), "{html}");
    assert!(html.contains("chart"), "{html}");
    let rendered =
        render::classic(&json!({"msgtype": "image", "image": {"media_id": "@lADPfake"}}));
    assert!(rendered.html.contains("@lADPfake"), "{}", rendered.html);
    assert!(!rendered.html.contains("<img"), "{}", rendered.html);
    let file = render::robot(
        "sampleFile",
        &json!({"mediaId": "@fileid", "fileName": "a.pdf", "fileType": "pdf"}),
    );
    assert!(file.html.contains("@fileid") && file.html.contains("a.pdf"));
}

#[test]
fn only_web_mail_and_phone_links_pass() {
    assert_eq!(
        safe_url("https://ok.example/x").as_deref(),
        Some("https://ok.example/x")
    );
    assert_eq!(
        safe_url("  http://ok.example").as_deref(),
        Some("http://ok.example/")
    );
    assert!(safe_url("mailto:a@b.example").is_some());
    assert!(safe_url("tel:+86100").is_some());
    for bad in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "\u{1}javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "javascript&#58;alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example",
        "/relative",
        "",
    ] {
        assert_eq!(safe_url(bad), None, "{bad:?}");
    }
    // A DingTalk client link opens the page it wraps, if that page is a web page.
    assert_eq!(
        safe_url(
            "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fok.example%2Fa&pc_slide=true"
        )
        .as_deref(),
        Some("https://ok.example/a")
    );
    assert_eq!(
        safe_url("dingtalk://dingtalkclient/page/link?url=javascript%3Aalert(1)"),
        None
    );
}

#[test]
fn action_cards_show_their_buttons_with_checked_targets() {
    let rendered = render::classic(&json!({
        "msgtype": "action_card",
        "action_card": {
            "title": "Deploy?",
            "markdown": "## Deploy v2",
            "btn_orientation": "1",
            "btn_json_list": [
                {"title": "Yes", "action_url": "https://ok.example/yes"},
                {"title": "<b>No</b>", "action_url": "javascript:alert(1)"}
            ]
        }
    }));
    assert_eq!(rendered.title.as_deref(), Some("Deploy?"));
    assert!(
        rendered.html.contains("<h2>Deploy v2</h2>"),
        "{}",
        rendered.html
    );
    assert!(rendered.html.contains("href=\"https://ok.example/yes\""));
    assert!(
        rendered.html.contains("&lt;b&gt;No&lt;/b&gt;"),
        "{}",
        rendered.html
    );
    assert_inert("action card", &rendered.html);
    let v1 = render::robot(
        "sampleActionCard2",
        &json!({"title": "t", "text": "x", "actionTitle1": "A", "actionURL1": "https://ok.example/a",
                "actionTitle2": "B", "actionURL2": "data:text/html,x"}),
    );
    assert!(
        v1.html.contains("href=\"https://ok.example/a\""),
        "{}",
        v1.html
    );
    assert_inert("v1 action card", &v1.html);
}

#[test]
fn every_message_family_escapes_what_it_shows() {
    let evil = "<script>alert(1)</script>\"'&";
    let samples = [
        render::classic(&json!({"msgtype": "text", "text": {"content": evil}})),
        render::classic(
            &json!({"msgtype": "link", "link": {"title": evil, "text": evil, "picUrl": evil, "messageUrl": evil}}),
        ),
        render::classic(
            &json!({"msgtype": "oa", "oa": {"message_url": evil, "head": {"text": evil},
            "body": {"title": evil, "form": [{"key": evil, "value": evil}], "content": evil, "author": evil}}}),
        ),
        render::classic(&json!({"msgtype": evil, evil: {"x": evil}})),
        render::robot("sampleText", &json!({"content": evil})),
        render::robot(
            "sampleLink",
            &json!({"title": evil, "text": evil, "messageUrl": evil}),
        ),
        render::robot(evil, &json!({"a": evil})),
        render::webhook(
            "actionCard",
            &json!({"title": evil, "text": evil, "btns": [{"title": evil, "actionURL": evil}]}),
        ),
        render::webhook(
            "feedCard",
            &json!({"links": [{"title": evil, "messageURL": evil, "picURL": evil}]}),
        ),
        render::card(
            evil,
            &serde_json::Map::from_iter([(evil.to_string(), json!(evil))]),
        ),
        render::typed(evil),
    ];
    for rendered in samples {
        assert_inert(evil, &rendered.html);
        assert!(!rendered.html.contains("<script"), "{}", rendered.html);
    }
}
