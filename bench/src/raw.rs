//! The baseline: what a developer writes by hand with `reqwest` and `serde_json` for the
//! same two calls, decoding into structs with the same fields as the SDK's answers.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// A hand-written client: the token fetched once, URLs built by hand, `errcode` checked.
#[derive(Clone)]
pub struct RawClient {
    http: reqwest::Client,
    base: String,
    token: std::sync::Arc<tokio::sync::OnceCell<String>>,
}

#[derive(Serialize)]
struct UserGet<'a> {
    userid: &'a str,
}

#[derive(Serialize)]
struct UserList {
    dept_id: i64,
    cursor: i64,
    size: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    errcode: i64,
    access_token: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    result: Option<T>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read through `black_box` only
pub struct DeptOrder {
    pub dept_id: Option<i64>,
    pub order: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct DeptLeader {
    pub dept_id: Option<i64>,
    pub leader: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Role {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub group_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct UnionEmpMap {
    pub userid: Option<String>,
    pub corp_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct UnionEmpExt {
    pub userid: Option<String>,
    pub corp_id: Option<String>,
    #[serde(default)]
    pub union_emp_map_list: Vec<UnionEmpMap>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct DeptPosition {
    pub dept_id: Option<i64>,
    pub is_main: Option<bool>,
    pub title: Option<String>,
    pub work_place: Option<String>,
}

/// `topapi/v2/user/get`'s `result`, field for field as `GetV2Response`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct User {
    pub userid: Option<String>,
    pub unionid: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub state_code: Option<String>,
    pub manager_userid: Option<String>,
    pub mobile: Option<String>,
    pub hide_mobile: Option<bool>,
    pub telephone: Option<String>,
    pub job_number: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub org_email: Option<String>,
    pub org_email_type: Option<String>,
    pub work_place: Option<String>,
    pub remark: Option<String>,
    pub exclusive_account: Option<bool>,
    pub exclusive_account_type: Option<String>,
    pub login_id: Option<String>,
    #[serde(default)]
    pub dept_id_list: Vec<i64>,
    #[serde(default)]
    pub dept_order_list: Vec<DeptOrder>,
    /// A string holding JSON on the wire; a hand-written client keeps the text.
    #[serde(default, deserialize_with = "json_text")]
    pub extension: Option<serde_json::Value>,
    pub hired_date: Option<i64>,
    pub active: Option<bool>,
    pub real_authed: Option<bool>,
    pub senior: Option<bool>,
    pub admin: Option<bool>,
    pub boss: Option<bool>,
    #[serde(default)]
    pub leader_in_dept: Vec<DeptLeader>,
    #[serde(default)]
    pub role_list: Vec<Role>,
    pub union_emp_ext: Option<UnionEmpExt>,
    #[serde(default)]
    pub dept_position_list: Vec<DeptPosition>,
    pub extension_i18n: Option<serde_json::Value>,
}

/// One member of a `topapi/v2/user/list` page, field for field as `UserDetailV2`.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct ListedUser {
    pub userid: Option<String>,
    pub unionid: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub state_code: Option<String>,
    pub mobile: Option<String>,
    pub hide_mobile: Option<bool>,
    pub telephone: Option<String>,
    pub job_number: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub org_email: Option<String>,
    pub work_place: Option<String>,
    pub remark: Option<String>,
    #[serde(default)]
    pub dept_id_list: Vec<i64>,
    pub dept_order: Option<i64>,
    /// JSON text on the wire, parsed as the SDK's field is (it gives a `Value`, not text).
    #[serde(default, deserialize_with = "json_text")]
    pub extension: Option<serde_json::Value>,
    pub hired_date: Option<i64>,
    pub active: Option<bool>,
    pub admin: Option<bool>,
    pub boss: Option<bool>,
    pub leader: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Page {
    pub has_more: Option<bool>,
    pub next_cursor: Option<i64>,
    #[serde(default)]
    pub list: Vec<ListedUser>,
}

/// A field that holds JSON as text, parsed: what a hand-written client does to get the value.
fn json_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

pub type Failure = Box<dyn std::error::Error + Send + Sync>;

fn result<T>(envelope: Envelope<T>) -> Result<T, Failure> {
    if envelope.errcode != 0 {
        return Err(format!("errcode {}: {}", envelope.errcode, envelope.errmsg).into());
    }
    envelope.result.ok_or_else(|| "no result".into())
}

/// A page body decoded as the raw client does.
pub fn decode_page(body: &[u8]) -> Result<Page, Failure> {
    result(serde_json::from_slice::<Envelope<Page>>(body)?)
}

impl RawClient {
    pub fn new(address: SocketAddr) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        RawClient {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("reqwest client"),
            base: format!("http://{address}"),
            token: Default::default(),
        }
    }

    async fn token(&self) -> Result<&str, Failure> {
        let token = self
            .token
            .get_or_try_init(|| async {
                let url = format!(
                    "{}/gettoken?appkey={}&appsecret={}",
                    self.base,
                    crate::server::APP_KEY,
                    crate::server::APP_SECRET
                );
                let body = self.http.get(url).send().await?.bytes().await?;
                let answer: TokenAnswer = serde_json::from_slice(&body)?;
                if answer.errcode != 0 {
                    return Err(Failure::from(format!(
                        "gettoken errcode {}",
                        answer.errcode
                    )));
                }
                Ok(answer.access_token)
            })
            .await?;
        Ok(token)
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<hyper::body::Bytes, Failure> {
        let url = format!("{}{path}?access_token={}", self.base, self.token().await?);
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json;charset=utf-8")
            .body(body)
            .send()
            .await?;
        Ok(response.bytes().await?)
    }

    pub async fn get_user(&self, userid: &str) -> Result<User, Failure> {
        let body = serde_json::to_vec(&UserGet { userid })?;
        let answer = self.post("/topapi/v2/user/get", body).await?;
        result(serde_json::from_slice::<Envelope<User>>(&answer)?)
    }

    /// Every member of `dept_id`, page by page; returns how many were seen.
    pub async fn walk(&self, dept_id: i64) -> Result<usize, Failure> {
        let mut cursor = 0;
        let mut seen = 0;
        loop {
            let body = serde_json::to_vec(&UserList {
                dept_id,
                cursor,
                size: 100,
            })?;
            let answer = self.post("/topapi/v2/user/list", body).await?;
            let page = decode_page(&answer)?;
            for user in page.list {
                std::hint::black_box(&user);
                seen += 1;
            }
            match (page.has_more, page.next_cursor) {
                (Some(true), Some(next)) => cursor = next,
                _ => return Ok(seen),
            }
        }
    }
}
