//! Answers are bounded in size and time, whatever the server sends: a huge answer is refused
//! while it streams (with or without `Content-Length`, compressed or not), an endless slow
//! body is cut by the per-request timeout, and a runtime the client cannot use is a clear
//! error instead of a panic. Also: gzip is asked for and decoded, a UTF-8 BOM is tolerated.
//!
//! The servers here are raw TCP on 127.0.0.1, so the bytes on the wire are exactly these.

use std::io::Write as _;
use std::time::{Duration, Instant};

use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::{Client, Error, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN_ANSWER: &str = r#"{"errcode":0,"errmsg":"ok","access_token":"t0k","expires_in":7200}"#;

/// What the fake server does after reading a request for the user endpoint.
#[derive(Clone)]
enum Answer {
    /// A complete response: extra header lines and the body.
    Full(Vec<(String, String)>, Vec<u8>),
    /// `chunk` repeated `times` in chunked encoding, each after `pause`.
    Chunked {
        chunk: Vec<u8>,
        times: usize,
        pause: Duration,
    },
}

/// Serves `gettoken` normally and answers every other request with `answer`; returns the
/// base URL and a log of every request's head.
async fn serve(answer: Answer) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = heads.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (answer, log) = (answer.clone(), log.clone());
            tokio::spawn(async move {
                let _ = handle(stream, answer, log).await;
            });
        }
    });
    (url, heads)
}

async fn handle(
    mut stream: TcpStream,
    answer: Answer,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    loop {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte).await? == 0 {
                return Ok(());
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await?;
        log.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(head.clone());
        if head.starts_with("GET /gettoken") {
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{TOKEN_ANSWER}",
                TOKEN_ANSWER.len()
            );
            stream.write_all(response.as_bytes()).await?;
            continue;
        }
        match &answer {
            Answer::Full(headers, body) => {
                let mut response = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n", body.len());
                for (name, value) in headers {
                    response.push_str(&format!("{name}: {value}\r\n"));
                }
                response.push_str("\r\n");
                stream.write_all(response.as_bytes()).await?;
                stream.write_all(body).await?;
            }
            Answer::Chunked {
                chunk,
                times,
                pause,
            } => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await?;
                let frame = [
                    format!("{:x}\r\n", chunk.len()).into_bytes(),
                    chunk.clone(),
                    b"\r\n".to_vec(),
                ]
                .concat();
                for _ in 0..*times {
                    if !pause.is_zero() {
                        tokio::time::sleep(*pause).await;
                    }
                    stream.write_all(&frame).await?;
                }
                stream.write_all(b"0\r\n\r\n").await?;
            }
        }
    }
}

fn client(
    url: &str,
    configure: impl FnOnce(dingtalk_api::ClientBuilder) -> dingtalk_api::ClientBuilder,
) -> Client {
    let builder = Client::builder("key", "secret")
        .base_url(url)
        .retry_policy(RetryPolicy::none());
    configure(builder).build().expect("builds")
}

async fn get_user(client: &Client) -> Result<dingtalk_api::contact::user::GetV2Response, Error> {
    client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
}

/// Peak resident memory of this process so far, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

const GIB: usize = 1 << 30;

/// 1 GiB streamed without a `Content-Length`: refused once 16 MiB have arrived, with memory
/// staying near the limit. (With a `Content-Length` it is refused before reading at all.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_gib_answer_is_refused_while_streaming_with_bounded_memory() {
    let chunk = vec![b' '; 1 << 20];
    let (url, _) = serve(Answer::Chunked {
        chunk,
        times: GIB >> 20,
        pause: Duration::ZERO,
    })
    .await;
    let before = peak_rss_kib();
    let started = Instant::now();
    let err = get_user(&client(&url, |b| b)).await.expect_err("too large");
    let elapsed = started.elapsed();
    let after = peak_rss_kib();
    let grown = after.zip(before).map(|(a, b)| a.saturating_sub(b));
    println!(
        "1 GiB chunked answer: {err} after {} ms; peak RSS {before:?} -> {after:?} KiB (+{grown:?} KiB)",
        elapsed.as_millis()
    );
    assert!(
        matches!(err, Error::ResponseTooLarge { limit, .. } if limit == dingtalk_api::DEFAULT_MAX_RESPONSE_BYTES),
        "{err:?}"
    );
    if let Some(grown) = grown {
        assert!(grown < 96 * 1024, "memory grew by {grown} KiB");
    }
    assert!(elapsed < Duration::from_secs(10));

    // Announced as 1 GiB: refused from the header, before one byte of the body is read.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let response = if head.starts_with("GET /gettoken") {
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{TOKEN_ANSWER}",
                            TOKEN_ANSWER.len()
                        )
                    } else {
                        format!("HTTP/1.1 200 OK\r\ncontent-length: {GIB}\r\n\r\n")
                    };
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let started = Instant::now();
    let err = get_user(&client(&url, |b| b)).await.expect_err("too large");
    println!(
        "Content-Length 1 GiB: {err} after {} ms",
        started.elapsed().as_millis()
    );
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_is_configurable_and_counts_every_byte() {
    let body = format!(
        r#"{{"errcode":0,"result":{{"userid":"u1","name":"{}"}}}}"#,
        "x".repeat(5_000)
    );
    let (url, _) = serve(Answer::Full(vec![], body.clone().into_bytes())).await;
    let err = get_user(&client(&url, |b| b.max_response_bytes(4_096)))
        .await
        .expect_err("over 4 KiB");
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                limit: 4096,
                http_status: 200,
                ..
            }
        ),
        "{err:?}"
    );
    let user = get_user(&client(&url, |b| b.max_response_bytes(body.len() as u64)))
        .await
        .expect("exactly at the limit");
    assert_eq!(user.userid.as_str(), "u1");
}

/// A body that trickles forever: the per-request timeout bounds the whole exchange, body
/// included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_slow_body_is_cut_by_the_timeout() {
    let (url, _) = serve(Answer::Chunked {
        chunk: b" ".to_vec(),
        times: usize::MAX,
        pause: Duration::from_millis(50),
    })
    .await;
    let started = Instant::now();
    let err = get_user(&client(&url, |b| b.timeout(Duration::from_millis(800))))
        .await
        .expect_err("cut off");
    let elapsed = started.elapsed();
    println!(
        "endless body at 20 B/s, timeout 800 ms: {err} after {} ms",
        elapsed.as_millis()
    );
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(elapsed < Duration::from_millis(1_800), "{elapsed:?}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("compresses");
    encoder.finish().expect("compresses")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_is_asked_for_and_decoded() {
    let body = br#"{"errcode":0,"errmsg":"ok","result":{"userid":"u1","name":"Ann"}}"#;
    let (url, heads) = serve(Answer::Full(
        vec![
            ("content-type".into(), "application/json".into()),
            ("content-encoding".into(), "gzip".into()),
        ],
        gzip(body),
    ))
    .await;
    let user = get_user(&client(&url, |b| b)).await.expect("decodes");
    assert_eq!(user.name.as_str(), "Ann");
    let heads = heads.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let asked = heads
        .iter()
        .find(|h| h.contains("/topapi/v2/user/get"))
        .expect("the call arrived");
    assert!(
        asked.to_ascii_lowercase().contains("accept-encoding: gzip"),
        "{asked}"
    );
}

/// A compressed answer is limited by what it decompresses to: 1 GiB of spaces in about a
/// megabyte of gzip is refused at 16 MiB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_refused_by_its_decompressed_size() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..(GIB >> 20) {
        encoder.write_all(&block).expect("compresses");
    }
    let bomb = encoder.finish().expect("compresses");
    let (url, _) = serve(Answer::Full(
        vec![("content-encoding".into(), "gzip".into())],
        bomb.clone(),
    ))
    .await;
    let before = peak_rss_kib();
    let err = get_user(&client(&url, |b| b)).await.expect_err("too large");
    let after = peak_rss_kib();
    println!(
        "gzip bomb ({} KiB compressed, 1 GiB inflated): {err}; peak RSS {before:?} -> {after:?} KiB",
        bomb.len() / 1024
    );
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_utf8_bom_before_the_json_is_tolerated() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(br#"{"errcode":0,"errmsg":"ok","result":{"userid":"u1","name":"Bo"}}"#);
    let (url, _) = serve(Answer::Full(vec![], body)).await;
    let user = get_user(&client(&url, |b| b)).await.expect("decodes");
    assert_eq!(user.name.as_str(), "Bo");
}

/// Tokio panics when a timer is created on a runtime built without timers; the client says
/// what to fix instead. Without any Tokio runtime it says that.
#[test]
fn a_runtime_without_timers_or_no_runtime_is_a_clear_error() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime without timers");
    let client = Client::builder("key", "secret")
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("builds");
    let err = runtime.block_on(get_user(&client)).expect_err("no timers");
    println!("no timers: {err}");
    assert!(
        matches!(&err, Error::Config(message) if message.contains("enable_all")),
        "{err:?}"
    );
    let err = runtime
        .block_on(client.access_token())
        .expect_err("no timers");
    assert!(matches!(err, Error::Config(_)));

    let err = futures::executor::block_on(get_user(&client)).expect_err("no runtime");
    println!("no runtime: {err}");
    assert!(
        matches!(&err, Error::Config(message) if message.contains("Tokio runtime")),
        "{err:?}"
    );
}
