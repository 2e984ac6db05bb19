//! Every endpoint of `api-spec/` is routed, with its method, and checks its token.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{RawResponse, request, token, with_token};
use dingtalk_codegen::model::{Auth, Spec};
use dingtalk_fake::FakeDingTalk;

/// One endpoint as the spec files describe it.
#[derive(Debug, Clone)]
struct SpecEndpoint {
    name: String,
    method: &'static str,
    path: String,
    auth: Auth,
    required: Vec<String>,
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
                required: endpoint
                    .params
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| p.wire.clone())
                    .collect(),
            });
        }
    }
    out
}

/// Sends an empty call: no parameters, `{}` as the body of a POST.
async fn empty_call(
    address: std::net::SocketAddr,
    method: &str,
    path_and_query: &str,
) -> RawResponse {
    let body: Option<&[u8]> = (method == "POST").then_some(b"{}");
    request(address, method, path_and_query, body).await
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
    let fixed: Vec<(&str, Vec<(String, String)>)> = spec
        .files
        .iter()
        .flat_map(|f| f.endpoints.iter())
        .map(|e| (e.path.as_str(), fixed_values(&e.params)))
        .collect();
    let distinct: BTreeSet<&(&str, Vec<(String, String)>)> = fixed.iter().collect();
    assert_eq!(distinct.len(), endpoints.len());
    for (path, values) in &fixed {
        let sharing = fixed.iter().filter(|(p, _)| p == path).count();
        assert!(sharing == 1 || !values.is_empty(), "{path} is shared");
    }

    // Endpoints with state logic are real endpoints; gettoken is one of them.
    let names: BTreeSet<String> = endpoints.iter().map(|e| e.name.clone()).collect();
    let stateful = fake.handle().stateful_endpoints();
    assert!(
        stateful.contains(&"auth.get_token".to_string()),
        "{stateful:?}"
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
        if all.iter().filter(|(_, p, _)| p == path).count() < 2 {
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
    let address = fake.address();
    for endpoint in spec_endpoints() {
        let path = match endpoint.auth {
            Auth::Token => with_token(&endpoint.path, &token, ""),
            _ => endpoint.path.clone(),
        };
        let answer = empty_call(address, endpoint.method, &path).await;
        let what = format!(
            "{} {} ({}): HTTP {} {}",
            endpoint.method,
            endpoint.path,
            endpoint.name,
            answer.status,
            answer.text()
        );
        assert_eq!(answer.status, 200, "{what}");
        let content_type = answer.header("content-type").unwrap_or_default();
        assert!(content_type.starts_with("application/json"), "{what}");
        let errcode = answer.errcode();
        assert!(
            ![404, 43001, 43002, 43009, 41001, 40014, 42001].contains(&errcode),
            "{what}"
        );
        if !endpoint.required.is_empty() {
            // Nothing was sent, so a required parameter is missing, and named.
            assert_eq!(errcode, 40035, "{what}");
            let errmsg = answer.errmsg();
            assert!(
                endpoint
                    .required
                    .iter()
                    .any(|p| errmsg.contains(p.as_str())),
                "errmsg should name one of {:?}: {what}",
                endpoint.required
            );
        }
    }
}

#[tokio::test]
async fn every_route_refuses_the_other_method() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    for endpoint in spec_endpoints() {
        let (other, code) = match endpoint.method {
            "GET" => ("POST", 43001),
            _ => ("GET", 43002),
        };
        let path = with_token(&endpoint.path, &token, "");
        let answer = empty_call(fake.address(), other, &path).await;
        assert_eq!(
            answer.errcode(),
            code,
            "{other} {} ({}): {}",
            endpoint.path,
            endpoint.name,
            answer.text()
        );
    }
    assert_eq!(fake.handle().tokens_issued(), 1);
}

#[tokio::test]
async fn every_token_route_refuses_a_call_without_a_token() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let mut token_routes = 0;
    for endpoint in spec_endpoints() {
        if endpoint.auth != Auth::Token {
            continue;
        }
        token_routes += 1;
        let answer = empty_call(fake.address(), endpoint.method, &endpoint.path).await;
        assert_eq!(
            answer.errcode(),
            41001,
            "{} {} ({}): {}",
            endpoint.method,
            endpoint.path,
            endpoint.name,
            answer.text()
        );
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
