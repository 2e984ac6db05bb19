//! Every endpoint of `api-spec/` is routed, with its method, and checks its token.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{RawResponse, request, request_with_headers, token, with_token};
use dingtalk_codegen::model::{Auth, Location, Spec, Style};
use dingtalk_fake::{FakeDingTalk, RunningFake};

/// The header a v1 call carries its token in.
const V1_TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// One endpoint as the spec files describe it.
#[derive(Debug, Clone)]
struct SpecEndpoint {
    name: String,
    method: &'static str,
    path: String,
    auth: Auth,
    style: Style,
    /// Required parameters other than path segments (which every call below fills).
    required: Vec<String>,
}

impl SpecEndpoint {
    /// The path with every `{placeholder}` filled.
    fn concrete_path(&self) -> String {
        let mut out = String::new();
        let mut rest = self.path.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            match rest[open..].find('}') {
                Some(close) => {
                    out.push_str("x1");
                    rest = &rest[open + close + 1..];
                }
                None => {
                    rest = &rest[open..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

fn spec() -> Spec {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../api-spec"));
    let sources = dingtalk_codegen::read_dir(&dir).expect("api-spec is readable");
    assert!(!sources.is_empty(), "no spec files in {}", dir.display());
    dingtalk_codegen::parse("api-spec", &sources)
        .unwrap_or_else(|err| panic!("api-spec is invalid:\n{err}"))
        .0
}

fn spec_endpoints() -> Vec<SpecEndpoint> {
    let mut out = Vec::new();
    for file in spec().files {
        for endpoint in &file.endpoints {
            out.push(SpecEndpoint {
                name: format!("{}.{}", file.module.join("."), endpoint.name),
                method: endpoint.method.as_str(),
                path: endpoint.path.clone(),
                auth: endpoint.auth,
                style: file.style,
                required: endpoint
                    .params
                    .iter()
                    .filter(|p| p.required && p.location != Some(Location::Path))
                    .map(|p| p.wire.clone())
                    .collect(),
            });
        }
    }
    out
}

/// Sends an empty call: no parameters, `{}` as the body of a method that has one.
async fn empty_call(
    address: std::net::SocketAddr,
    method: &str,
    path_and_query: &str,
) -> RawResponse {
    empty_call_with(address, method, path_and_query, &[]).await
}

async fn empty_call_with(
    address: std::net::SocketAddr,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    let body: Option<&[u8]> = matches!(method, "POST" | "PUT" | "PATCH").then_some(b"{}");
    request_with_headers(address, method, path_and_query, headers, body).await
}

/// A suite token of the fake's ISV suite (after a ticket push).
async fn suite_token(fake: &RunningFake) -> String {
    let ticket = fake.handle().push_suite_ticket();
    let (key, secret) = fake.handle().suite_credentials();
    let body =
        serde_json::json!({"suite_key": key, "suite_secret": secret, "suite_ticket": ticket})
            .to_string();
    let answer = request(
        fake.address(),
        "POST",
        "/service/get_suite_token",
        Some(body.as_bytes()),
    )
    .await;
    answer.json()["suite_access_token"]
        .as_str()
        .expect("a suite token")
        .to_string()
}

/// The query of a request signed by the fake's suite, as DingTalk documents the signature.
fn suite_signed_query(fake: &RunningFake) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let (key, secret) = fake.handle().suite_credentials();
    let ticket = fake.handle().suite_ticket().expect("a pushed ticket");
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{ticket}").as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let signature: String = url::form_urlencoded::byte_serialize(signature.as_bytes()).collect();
    format!("accessKey={key}&timestamp={timestamp}&suiteTicket={ticket}&signature={signature}")
}

/// A user access token for `alice`, through the OAuth2 code exchange.
async fn user_token(fake: &RunningFake) -> String {
    let code = fake.handle().oauth_code("alice");
    let body = serde_json::json!({
        "clientId": fake.app_key(),
        "clientSecret": fake.app_secret(),
        "code": code,
        "grantType": "authorization_code",
    })
    .to_string();
    let answer = request(
        fake.address(),
        "POST",
        "/v1.0/oauth2/userAccessToken",
        Some(body.as_bytes()),
    )
    .await;
    let json = answer.json();
    json["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("no user token: {json}"))
        .to_string()
}

/// True when `path` fits the v1 path `template` (`{name}` takes any one segment).
fn fits(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let parts: Vec<&str> = path.split('/').collect();
    template.len() == parts.len()
        && template
            .iter()
            .zip(&parts)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
}

/// The v1 error code of an answer (`{code, message, requestid}`).
fn v1_code(answer: &RawResponse) -> String {
    answer.json()["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn every_spec_endpoint_is_routed_and_nothing_else() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let endpoints = spec_endpoints();
    assert!(endpoints.len() > 20, "only {} endpoints?", endpoints.len());
    let expected: BTreeSet<(String, String, String)> = endpoints
        .iter()
        .map(|e| (e.name.clone(), e.method.to_string(), e.path.clone()))
        .collect();
    let routes = fake.handle().routes();
    let served: BTreeSet<(String, String, String)> = routes.iter().cloned().collect();
    assert_eq!(routes.len(), served.len(), "a route is listed twice");
    let missing: Vec<_> = expected.difference(&served).collect();
    let extra: Vec<_> = served.difference(&expected).collect();
    assert!(missing.is_empty(), "spec endpoints not routed: {missing:?}");
    assert!(extra.is_empty(), "routes not in the spec: {extra:?}");

    // Routing by path is unambiguous: paths are unique, except for endpoints told apart by
    // a fixed body value (`grantType`), which `shared_paths_are_routed_by_their_fixed_value`
    // covers.
    let spec = spec();
    type Key<'a> = (&'a str, &'a str, Vec<(String, String)>);
    let fixed: Vec<Key> = spec
        .files
        .iter()
        .flat_map(|f| f.endpoints.iter())
        .map(|e| (e.method.as_str(), e.path.as_str(), fixed_values(&e.params)))
        .collect();
    let distinct: BTreeSet<&Key> = fixed.iter().collect();
    assert_eq!(distinct.len(), endpoints.len());
    for (method, path, values) in &fixed {
        let sharing = fixed
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .count();
        assert!(
            sharing == 1 || !values.is_empty(),
            "{method} {path} is shared"
        );
    }

    // Endpoints with state logic are real endpoints; gettoken is one of them.
    let names: BTreeSet<String> = endpoints.iter().map(|e| e.name.clone()).collect();
    let stateful = fake.handle().stateful_endpoints();
    assert!(
        stateful.contains(&"auth.get_token".to_string()),
        "{stateful:?}"
    );
    assert_eq!(
        fake.handle().unrouted_handlers(),
        Vec::<String>::new(),
        "state handlers for endpoints the spec does not have"
    );
    for name in &stateful {
        assert!(
            names.contains(name),
            "stateful endpoint {name} is not in the spec"
        );
    }
}

/// The required single-value `enum` parameters of an endpoint, as (wire name, value).
fn fixed_values(params: &[dingtalk_codegen::model::Field]) -> Vec<(String, String)> {
    params
        .iter()
        .filter(|p| p.required)
        .filter_map(|p| match &p.shape {
            dingtalk_codegen::model::FieldShape::Enum(values) if values.len() == 1 => {
                Some((p.wire.clone(), values[0].wire.clone()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn shared_paths_are_routed_by_their_fixed_value() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let spec = spec();
    // (endpoint name, path, fixed values)
    type Entry = (String, String, Vec<(String, String)>);
    let all: Vec<Entry> = spec
        .files
        .iter()
        .flat_map(|f| {
            f.endpoints.iter().map(move |e| {
                (
                    format!("{}.{}", f.module.join("."), e.name),
                    e.path.clone(),
                    fixed_values(&e.params),
                )
            })
        })
        .collect();
    let mut shared = 0;
    for (name, path, values) in &all {
        // Endpoints told apart by a fixed body value (others share a path across methods).
        if values.is_empty() || all.iter().filter(|(_, p, _)| p == path).count() < 2 {
            continue;
        }
        shared += 1;
        let body: serde_json::Map<String, serde_json::Value> = values
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let body = serde_json::Value::Object(body).to_string();
        let before = fake.handle().requests_to(name);
        request(fake.address(), "POST", path, Some(body.as_bytes())).await;
        assert_eq!(
            fake.handle().requests_to(name),
            before + 1,
            "{name} at {path}"
        );
    }
    assert!(
        shared >= 2,
        "the spec has no shared path any more: drop this test"
    );
}

#[tokio::test]
async fn every_route_answers_json_with_its_method_and_a_valid_token() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let user = user_token(&fake).await;
    let suite = suite_token(&fake).await;
    let address = fake.address();
    for endpoint in spec_endpoints() {
        let path = endpoint.concrete_path();
        let answer = match (endpoint.style, endpoint.auth) {
            (Style::Classic, Auth::Token) => {
                empty_call(address, endpoint.method, &with_token(&path, &token, "")).await
            }
            (Style::Classic, Auth::SuiteToken) => {
                let path = format!("{path}?suite_access_token={suite}");
                empty_call(address, endpoint.method, &path).await
            }
            (Style::Classic, Auth::SuiteSignature) => {
                let path = format!("{path}?{}", suite_signed_query(&fake));
                empty_call(address, endpoint.method, &path).await
            }
            (Style::V1, Auth::SuiteToken) => {
                empty_call_with(
                    address,
                    endpoint.method,
                    &path,
                    &[(V1_TOKEN_HEADER, &suite)],
                )
                .await
            }
            (Style::Classic, _) => empty_call(address, endpoint.method, &path).await,
            (Style::V1, Auth::Token) => {
                empty_call_with(
                    address,
                    endpoint.method,
                    &path,
                    &[(V1_TOKEN_HEADER, &token)],
                )
                .await
            }
            (Style::V1, Auth::UserToken) => {
                empty_call_with(address, endpoint.method, &path, &[(V1_TOKEN_HEADER, &user)]).await
            }
            (Style::V1, Auth::None | Auth::SuiteSignature) => {
                empty_call(address, endpoint.method, &path).await
            }
        };
        let what = format!(
            "{} {} ({}): HTTP {} {}",
            endpoint.method,
            endpoint.path,
            endpoint.name,
            answer.status,
            answer.text()
        );
        let content_type = answer.header("content-type").unwrap_or_default();
        assert!(content_type.starts_with("application/json"), "{what}");
        match endpoint.style {
            Style::Classic => {
                assert_eq!(answer.status, 200, "{what}");
                let errcode = answer.errcode();
                assert!(
                    ![404, 43001, 43002, 43009, 41001, 40014, 42001].contains(&errcode),
                    "{what}"
                );
                if !endpoint.required.is_empty() {
                    // Nothing was sent, so a required parameter is missing, and named.
                    assert_eq!(errcode, 40035, "{what}");
                    assert!(
                        endpoint
                            .required
                            .iter()
                            .any(|p| answer.errmsg().contains(p.as_str())),
                        "errmsg should name one of {:?}: {what}",
                        endpoint.required
                    );
                }
            }
            Style::V1 if endpoint.required.is_empty() && endpoint.path.contains('{') => {
                // A made-up id in the path: found, or the endpoint's own refusal of that id
                // (routed and authenticated all the same).
                let code = if answer.status == 200 {
                    String::new()
                } else {
                    v1_code(&answer)
                };
                assert!(
                    answer.status == 200
                        || ((400..500).contains(&answer.status)
                            && !["error.notFound", "InvalidAuthentication"]
                                .contains(&code.as_str())),
                    "{what}"
                );
            }
            Style::V1 if endpoint.required.is_empty() => {
                assert_eq!(answer.status, 200, "{what}");
            }
            Style::V1 => {
                // Routed and authenticated; refused for the missing parameter, named.
                assert_eq!(answer.status, 400, "{what}");
                let code = v1_code(&answer);
                assert!(
                    !["error.notFound", "InvalidAuthentication"].contains(&code.as_str()),
                    "{what}"
                );
                let message = answer.json()["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                assert!(
                    endpoint
                        .required
                        .iter()
                        .any(|p| message.contains(p.as_str())),
                    "the message should name one of {:?}: {what}",
                    endpoint.required
                );
            }
        }
    }
}

#[tokio::test]
async fn every_route_refuses_the_other_method() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let all = spec_endpoints();
    for endpoint in &all {
        let (other, code) = match endpoint.method {
            "GET" => ("POST", 43001),
            _ => ("GET", 43002),
        };
        let what = |answer: &RawResponse| {
            format!(
                "{other} {} ({}): {}",
                endpoint.path,
                endpoint.name,
                answer.text()
            )
        };
        match endpoint.style {
            Style::Classic => {
                let path = with_token(&endpoint.path, &token, "");
                let answer = empty_call(fake.address(), other, &path).await;
                assert_eq!(answer.errcode(), code, "{}", what(&answer));
            }
            Style::V1 => {
                // Another endpoint's template may fit the path with the other method.
                let path = endpoint.concrete_path();
                if all
                    .iter()
                    .any(|e| e.method == other && e.style == Style::V1 && fits(&e.path, &path))
                {
                    continue;
                }
                let headers = [(V1_TOKEN_HEADER, token.as_str())];
                let answer = empty_call_with(fake.address(), other, &path, &headers).await;
                assert_eq!(answer.status, 404, "{}", what(&answer));
                assert_eq!(v1_code(&answer), "error.notFound", "{}", what(&answer));
            }
        }
    }
    assert_eq!(fake.handle().tokens_issued(), 1);
}

#[tokio::test]
async fn every_token_route_refuses_a_call_without_a_token() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut token_routes = 0;
    for endpoint in spec_endpoints() {
        if endpoint.auth == Auth::None {
            continue;
        }
        token_routes += 1;
        let path = endpoint.concrete_path();
        let answer = empty_call(fake.address(), endpoint.method, &path).await;
        let what = format!(
            "{} {} ({}): {}",
            endpoint.method,
            endpoint.path,
            endpoint.name,
            answer.text()
        );
        // Each credential has its own "missing" code: 41001 the access token, 41022 the
        // suite token, 853001 the suite signature's timestamp.
        match (endpoint.style, endpoint.auth) {
            (Style::Classic, Auth::SuiteToken) => assert_eq!(answer.errcode(), 41022, "{what}"),
            (Style::Classic, Auth::SuiteSignature) => {
                assert_eq!(answer.errcode(), 853001, "{what}")
            }
            (Style::Classic, _) => assert_eq!(answer.errcode(), 41001, "{what}"),
            (Style::V1, _) => assert_eq!(v1_code(&answer), "InvalidAuthentication", "{what}"),
        }
    }
    assert!(token_routes > 0);
    // Routes the spec declares `auth: none` (gettoken, the signed SNS/SSO calls, the robot
    // webhook) are the only ones served without an app token; gettoken is among them.
    let untokened: Vec<String> = spec_endpoints()
        .into_iter()
        .filter(|e| e.auth != Auth::Token)
        .map(|e| e.name)
        .collect();
    assert!(
        untokened.contains(&"auth.get_token".to_string()),
        "{untokened:?}"
    );
    // Nothing reached the state logic.
    assert!(fake.handle().with_state(|s| s.calls.is_empty()));
}
