//! The answers both clients read: a tiny hyper server on 127.0.0.1 serving `gettoken`, the
//! documented `topapi/v2/user/get` answer and 50 pages of 100 users of
//! `topapi/v2/user/list` (each user the documented list entry with its own ids and names).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

pub const APP_KEY: &str = "dingbenchappkey";
pub const APP_SECRET: &str = "bench-app-secret";
pub const PAGES: usize = 50;
pub const PAGE_USERS: usize = 100;

/// The documented answer of `topapi/v2/user/get` (api-spec/contact/user.yaml).
const USER: &str = r#"{"errcode":0,"result":{"extension":"{\"爱好\":\"旅游\",\"年龄\":\"24\"}","unionid":"z21HjQliSzpw0YWxxxxx","boss":true,"role_list":[{"group_name":"职务","name":"总监","id":100}],"exclusive_account":false,"manager_userid":"manager240","admin":true,"remark":"备注备注","title":"技术总监","hired_date":1597573616828,"userid":"zhangsan","work_place":"未来park","dept_order_list":[{"dept_id":2,"order":1}],"real_authed":true,"dept_id_list":[2,3,4],"job_number":"4","email":"test@xxx.com","leader_in_dept":[{"leader":true,"dept_id":2}],"mobile":"18513027676","active":true,"org_email":"test@xxx.com","telephone":"010-86123456-2345","avatar":"xxx","hide_mobile":false,"senior":true,"name":"张三","union_emp_ext":{"union_emp_map_list":[{"userid":"5000","corp_id":"dingxxx"}],"userid":"500","corp_id":"dingxxx"},"state_code":"86"},"errmsg":"ok"}"#;

/// Page `index` (0-based) of the department's members.
pub fn page(index: usize) -> Vec<u8> {
    let mut users = Vec::with_capacity(PAGE_USERS);
    for n in 0..PAGE_USERS {
        let id = index * PAGE_USERS + n;
        users.push(format!(
            r#"{{"leader":{leader},"extension":"{{\"爱好\":\"旅游\",\"年龄\":\"{age}\"}}","unionid":"z21HjQliSzpw0YWCNxmii6u2Os62cZ{id:06}","boss":false,"exclusive_account":false,"admin":{admin},"remark":"备注备注","title":"技术总监","hired_date":{hired},"userid":"user{id:06}","work_place":"未来park","dept_id_list":[2,3,{dept}],"job_number":"{id}","email":"user{id:06}@example.com","dept_order":{order},"mobile":"185{id:08}","active":true,"telephone":"010-86123456-{ext:04}","avatar":"https://static.example.com/avatar/{id:06}.png","hide_mobile":false,"org_email":"user{id:06}@corp.example.com","name":"张三{id}","state_code":"86"}}"#,
            leader = n == 0,
            admin = n % 17 == 0,
            age = 20 + id % 40,
            hired = 1_597_573_616_828_i64 + id as i64 * 86_400_000,
            dept = 4 + id % 7,
            order = 176_318_668_975_061_512_i64 - id as i64,
            ext = id % 10_000,
        ));
    }
    let more = index + 1 < PAGES;
    let next = if more {
        format!(r#""next_cursor":{},"#, (index + 1) * PAGE_USERS)
    } else {
        String::new()
    };
    format!(
        r#"{{"errcode":0,"result":{{{next}"has_more":{more},"list":[{}]}},"errmsg":"ok","request_id":"benchreq000001"}}"#,
        users.join(",")
    )
    .into_bytes()
}

struct Answers {
    token: Bytes,
    user: Bytes,
    pages: Vec<Bytes>,
}

pub struct Server {
    pub address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the server on its own thread (one worker), on a free port of 127.0.0.1.
pub fn start() -> Server {
    let answers = Arc::new(Answers {
        token: Bytes::from_static(
            br#"{"errcode":0,"errmsg":"ok","access_token":"benchtoken0123456789","expires_in":7200}"#,
        ),
        user: Bytes::from_static(USER.as_bytes()),
        pages: (0..PAGES).map(|i| Bytes::from(page(i))).collect(),
    });
    let std_listener =
        std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free port on 127.0.0.1");
    let address = std_listener.local_addr().expect("its address");
    std_listener.set_nonblocking(true).expect("non-blocking");
    let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
                loop {
                    let accepted = tokio::select! {
                        accepted = listener.accept() => accepted,
                        _ = &mut stop => return,
                    };
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let answers = answers.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            let answers = answers.clone();
                            async move { Ok::<_, Infallible>(answer(&answers, request).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        })
        .expect("server thread");
    Server {
        address,
        shutdown: Some(shutdown),
        thread: Some(thread),
    }
}

async fn answer(answers: &Answers, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let bytes = match path.as_str() {
        "/gettoken" => answers.token.clone(),
        "/topapi/v2/user/get" => answers.user.clone(),
        "/topapi/v2/user/list" => {
            // `cursor` is the offset of the page's first member.
            let cursor = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("cursor").and_then(serde_json::Value::as_u64))
                .unwrap_or(0) as usize;
            let index = (cursor / PAGE_USERS).min(PAGES - 1);
            answers.pages[index].clone()
        }
        _ => Bytes::from_static(br#"{"errcode":404,"errmsg":"not found"}"#),
    };
    let mut response = Response::new(Full::new(bytes));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}
