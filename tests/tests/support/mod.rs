//! Shared test harness: a wiremock server on 127.0.0.1 that plays DingTalk, a client pointed
//! at it, and the documented response examples read straight from `api-spec/`.

#![allow(dead_code)]

pub mod redis_server;

use std::path::PathBuf;
use std::sync::OnceLock;

use dingtalk_api::Client;
use dingtalk_codegen::model::{Spec, SpecFile};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const APP_KEY: &str = "ding-test-key";
pub const APP_SECRET: &str = "test-secret-do-not-log";
pub const TOKEN: &str = "test-access-token-0001";

pub struct Harness {
    pub server: MockServer,
    pub client: Client,
}

/// A fake DingTalk that hands out [`TOKEN`], plus a client configured against it.
pub async fn harness() -> Harness {
    let server = MockServer::start().await;
    mount_gettoken(&server, TOKEN, 7200).await;
    mount_explainer(&server).await;
    let client = client_for(&server);
    Harness { server, client }
}

/// [`harness`] for api.dingtalk.com calls: the client's v1 base URL is the server too.
pub async fn v1_harness() -> Harness {
    let Harness { server, .. } = harness().await;
    let client = Client::builder(APP_KEY, APP_SECRET)
        .base_url(server.uri())
        .v1_base_url(server.uri())
        .build()
        .expect("client builds");
    Harness { server, client }
}

/// Expects one `http_method endpoint_path` call carrying [`TOKEN`] in the v1 token header,
/// answered with the documented example of `module` (`calendar/events`) / `endpoint`.
pub async fn expect_v1_example(
    server: &MockServer,
    http_method: &str,
    endpoint_path: &str,
    module: &str,
    endpoint: &str,
) {
    let token = header("x-acs-dingtalk-access-token", TOKEN);
    expect_example_with(server, http_method, endpoint_path, token, module, endpoint).await;
}

/// One `http_method endpoint_path` call whose token `token` matches, answered with the
/// documented example: the classic and v1 forms differ only in where the token goes.
async fn expect_example_with(
    server: &MockServer,
    http_method: &str,
    endpoint_path: &str,
    token: impl wiremock::Match + 'static,
    module: &str,
    endpoint: &str,
) {
    Mock::given(method(http_method))
        .and(path(endpoint_path))
        .and(token)
        .respond_with(example_response(module, endpoint))
        .expect(1)
        .mount(server)
        .await;
}

/// The v1 calls that reached `server` (the token fetch aside), each checked for the token in
/// its header and none in its query.
pub async fn v1_requests(server: &MockServer) -> Vec<Request> {
    let requests: Vec<Request> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() != "/gettoken")
        .collect();
    for request in &requests {
        assert_eq!(
            request
                .headers
                .get("x-acs-dingtalk-access-token")
                .map(|v| v.to_str().unwrap_or_default()),
            Some(TOKEN)
        );
        assert!(
            request.url.query_pairs().all(|(k, _)| k != "access_token"),
            "a v1 call never puts the token in the query"
        );
    }
    requests
}

/// The one v1 call that reached `server`, checked for its method and path.
pub async fn single_v1_request(
    server: &MockServer,
    http_method: &str,
    endpoint_path: &str,
) -> Request {
    let requests = v1_requests(server).await;
    assert_eq!(requests.len(), 1, "expected one v1 request");
    let request = requests.into_iter().next().expect("one request");
    assert_eq!(request.method.as_str(), http_method);
    assert_eq!(request.url.path(), endpoint_path);
    request
}

/// The query of `request`, sorted by name.
pub fn sorted_query(request: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// The JSON body of `request`, checked for the content type the client sends with it.
pub fn json_request_body(request: &Request) -> serde_json::Value {
    assert_eq!(
        request
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("application/json;charset=utf-8")
    );
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

/// `request` has no body and says no content type.
pub fn assert_no_body(request: &Request) {
    assert!(request.body.is_empty(), "no body expected");
    assert!(request.headers.get("content-type").is_none());
}

pub fn client_for(server: &MockServer) -> Client {
    Client::builder(APP_KEY, APP_SECRET)
        .base_url(server.uri())
        .build()
        .expect("client builds")
}

pub async fn mount_gettoken(server: &MockServer, token: &str, expires_in: i64) {
    Mock::given(method("GET"))
        .and(path("/gettoken"))
        .and(query_param("appkey", APP_KEY))
        .and(query_param("appsecret", APP_SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in
        })))
        .mount(server)
        .await;
}

/// Lowest-priority catch-all: an unexpected request fails the test with a description of
/// what arrived instead of an anonymous 404.
async fn mount_explainer(server: &MockServer) {
    struct Explain;
    impl Respond for Explain {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            ResponseTemplate::new(599).set_body_string(format!(
                "no mock matched {} {} with body {}",
                request.method,
                request.url,
                String::from_utf8_lossy(&request.body)
            ))
        }
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(Explain)
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api-spec");
        let sources = dingtalk_codegen::read_dir(&dir).expect("api-spec is readable");
        dingtalk_codegen::parse("api-spec", &sources)
            .expect("api-spec is valid")
            .0
    })
}

fn spec_file(module: &str) -> &'static SpecFile {
    spec()
        .files
        .iter()
        .find(|f| f.module.join("/") == module)
        .unwrap_or_else(|| panic!("no spec file for module {module}"))
}

/// The documented response example of `module` (`contact/user`) / `endpoint`, verbatim.
pub fn example(module: &str, endpoint: &str) -> String {
    spec_file(module)
        .endpoints
        .iter()
        .find(|e| e.name == endpoint)
        .unwrap_or_else(|| panic!("no endpoint {module}/{endpoint}"))
        .response
        .as_ref()
        .and_then(|r| r.example.as_ref())
        .unwrap_or_else(|| panic!("{module}/{endpoint} has no response example"))
        .json
        .clone()
}

/// Names (`media.download`) of the endpoints whose answer is a file.
pub fn binary_endpoints() -> Vec<String> {
    spec()
        .files
        .iter()
        .flat_map(|f| {
            f.endpoints
                .iter()
                .filter(|e| {
                    e.response.as_ref().is_some_and(|r| {
                        matches!(r.shape, dingtalk_codegen::model::ResponseShape::Binary)
                    })
                })
                .map(move |e| format!("{}.{}", f.module.join("."), e.name))
        })
        .collect()
}

/// Names of the endpoints whose answer has a `secret` field (their errors never quote it).
pub fn secret_answer_endpoints() -> Vec<String> {
    fn secret(fields: &[dingtalk_codegen::model::Field]) -> bool {
        fields.iter().any(|f| {
            f.secret
                || matches!(&f.shape, dingtalk_codegen::model::FieldShape::Object(inner) if secret(inner))
        })
    }
    spec()
        .files
        .iter()
        .flat_map(|f| {
            f.endpoints
                .iter()
                .filter(|e| {
                    e.response.as_ref().is_some_and(|r| {
                        matches!(&r.shape, dingtalk_codegen::model::ResponseShape::Fields(fields) if secret(fields))
                    })
                })
                .map(move |e| format!("{}.{}", f.module.join("."), e.name))
        })
        .collect()
}

/// Every endpoint of the spec as `(module, name, method, path)`.
pub fn all_endpoints() -> Vec<(String, String, String, String)> {
    spec()
        .files
        .iter()
        .flat_map(|f| {
            f.endpoints.iter().map(move |e| {
                let method = e.method.as_str();
                (
                    f.module.join("/"),
                    e.name.clone(),
                    method.to_string(),
                    e.path.clone(),
                )
            })
        })
        .collect()
}

/// A 200 answer whose body is the documented example, byte for byte (so 64-bit numbers
/// are not re-encoded).
pub fn example_response(module: &str, endpoint: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(example(module, endpoint))
}

/// Expects exactly one call of `http_method path` carrying the token, answered with the
/// documented example.
pub async fn expect_example(
    server: &MockServer,
    http_method: &str,
    endpoint_path: &str,
    module: &str,
    endpoint: &str,
) {
    let token = query_param("access_token", TOKEN);
    expect_example_with(server, http_method, endpoint_path, token, module, endpoint).await;
}

/// The requests that reached `path` (excluding `gettoken`).
pub async fn requests_to(server: &MockServer, endpoint_path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == endpoint_path)
        .collect()
}

/// The single request that reached `path`, with its JSON body parsed.
/// The one request that reached `endpoint_path`.
pub async fn single_request(server: &MockServer, endpoint_path: &str) -> Request {
    let requests = requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    requests.into_iter().next().expect("one request")
}

/// The body of `request`, as JSON.
pub fn body_json(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

pub async fn single_json_body(server: &MockServer, endpoint_path: &str) -> serde_json::Value {
    let request = &single_request(server, endpoint_path).await;
    assert_eq!(
        request
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("application/json;charset=utf-8"),
    );
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

/// The query parameters of the single request to `path`, without the token.
pub async fn single_query(server: &MockServer, endpoint_path: &str) -> Vec<(String, String)> {
    let requests = requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    let mut pairs: Vec<(String, String)> = requests[0]
        .url
        .query_pairs()
        .filter(|(k, _)| k != "access_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}
