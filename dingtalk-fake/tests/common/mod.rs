//! Shared helpers for the fake's tests: raw HTTP/1.1 over a tokio `TcpStream` (so the tests
//! see exactly what went over the wire, dropped connections and HTML pages included), and a
//! few shortcuts for tokens and the fixtures folder.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use dingtalk_fake::RunningFake;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// No single exchange in these tests may take longer than this (a hang is a failure).
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(20);

/// `dingtalk-fake/tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// One HTTP answer, parsed.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body text when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "expected a JSON body (HTTP {}), got {err}: {}",
                self.status,
                self.text()
            )
        })
    }

    /// `errcode` of a JSON body (panics when absent).
    pub fn errcode(&self) -> i64 {
        let body = self.json();
        body["errcode"]
            .as_i64()
            .unwrap_or_else(|| panic!("no integer errcode in {body}"))
    }

    pub fn errmsg(&self) -> String {
        self.json()["errmsg"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and returns every byte the
/// server wrote before closing. An empty result means the server closed without answering.
pub async fn exchange_bytes(
    address: SocketAddr,
    method: &str,
    path_and_query: &str,
    body: Option<&[u8]>,
) -> std::io::Result<Vec<u8>> {
    exchange_with_headers(address, method, path_and_query, &[], body).await
}

/// [`exchange_bytes`] with extra request headers.
pub async fn exchange_with_headers(
    address: SocketAddr,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Vec<u8>> {
    let run = async {
        let mut stream = TcpStream::connect(address).await?;
        let mut request = format!(
            "{method} {path_and_query} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n"
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            request.push_str("Content-Type: application/json\r\n");
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        if let Some(body) = body {
            stream.write_all(body).await?;
        }
        stream.flush().await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok(answer)
    };
    match tokio::time::timeout(EXCHANGE_TIMEOUT, run).await {
        Ok(result) => result,
        Err(_) => panic!("{method} {path_and_query}: no answer within {EXCHANGE_TIMEOUT:?}"),
    }
}

/// Parses an HTTP/1.1 response (Content-Length, chunked, or read-to-close bodies).
pub fn parse_response(raw: &[u8]) -> Option<RawResponse> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let rest = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = find("content-length") {
        let length: usize = length.parse().ok()?;
        rest.get(..length)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// Sends one request and parses the answer; panics if the server closed without answering.
pub async fn request(
    address: SocketAddr,
    method: &str,
    path_and_query: &str,
    body: Option<&[u8]>,
) -> RawResponse {
    request_with_headers(address, method, path_and_query, &[], body).await
}

/// [`request`] with extra request headers (a v1 call's `x-acs-dingtalk-access-token`).
pub async fn request_with_headers(
    address: SocketAddr,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> RawResponse {
    let raw = exchange_with_headers(address, method, path_and_query, headers, body)
        .await
        .unwrap_or_else(|err| panic!("{method} {path_and_query}: {err}"));
    parse_response(&raw).unwrap_or_else(|| {
        panic!(
            "{method} {path_and_query}: not an HTTP response: {:?}",
            String::from_utf8_lossy(&raw)
        )
    })
}

pub async fn get(address: SocketAddr, path_and_query: &str) -> RawResponse {
    request(address, "GET", path_and_query, None).await
}

/// POSTs a JSON value.
pub async fn post_json(address: SocketAddr, path_and_query: &str, body: &Value) -> RawResponse {
    let body = body.to_string();
    request(address, "POST", path_and_query, Some(body.as_bytes())).await
}

/// POSTs raw bytes (declared as JSON).
pub async fn post_raw(address: SocketAddr, path_and_query: &str, body: &[u8]) -> RawResponse {
    request(address, "POST", path_and_query, Some(body)).await
}

/// Calls `gettoken` with the fake's credentials and returns the token.
pub async fn token(fake: &RunningFake) -> String {
    token_at(fake.address(), fake.app_key(), fake.app_secret()).await
}

pub async fn token_at(address: SocketAddr, key: &str, secret: &str) -> String {
    let answer = get(
        address,
        &format!(
            "/gettoken?appkey={}&appsecret={}",
            encode(key),
            encode(secret)
        ),
    )
    .await;
    let body = answer.json();
    assert_eq!(answer.status, 200, "gettoken answered {body}");
    assert_eq!(body["errcode"], 0, "gettoken answered {body}");
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {body}"))
        .to_string()
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `path?access_token=<token>` (plus `&extra` when given).
pub fn with_token(path: &str, token: &str, extra: &str) -> String {
    if extra.is_empty() {
        format!("{path}?access_token={}", encode(token))
    } else {
        format!("{path}?access_token={}&{extra}", encode(token))
    }
}
