mod support;

// The `oauth2` area (`api-spec/oauth2.yaml`, api.dingtalk.com) over real HTTP: every
// endpoint through its generated accessor against a wiremock DingTalk answering the
// documented example, checking the request on the wire (method, path, body, which token
// header) and the decoded answer. The two grants of `/v1.0/oauth2/userAccessToken` are two
// endpoints told apart by their fixed `grantType`, and the user token one of them returns is
// what `contact().profile().get_user(..)` sends in `x-acs-dingtalk-access-token`.

use dingtalk_api::contact::profile::GetUserRequest;
use dingtalk_api::oauth2::*;
use dingtalk_api::{Error, UserToken};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use support::TOKEN;

/// Answers `POST endpoint_path` once with the documented example of `oauth2/<endpoint>`.
async fn expect_post(server: &MockServer, endpoint_path: &str, endpoint: &str) {
    Mock::given(method("POST"))
        .and(path(endpoint_path))
        .respond_with(support::example_response("oauth2", endpoint))
        .expect(1)
        .mount(server)
        .await;
}

fn json_body(request: &Request) -> Value {
    assert_eq!(
        request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json;charset=utf-8")
    );
    serde_json::from_slice(&request.body).expect("the body is JSON")
}

fn token_header(request: &Request) -> Option<&str> {
    request
        .headers
        .get("x-acs-dingtalk-access-token")
        .and_then(|v| v.to_str().ok())
}

/// An anonymous call: no token anywhere, and the app token was never fetched for it.
async fn assert_anonymous(server: &MockServer, request: &Request) {
    assert_eq!(token_header(request), None, "{}", request.url);
    assert_eq!(
        request.url.query(),
        None,
        "nothing in the query: {}",
        request.url
    );
    assert!(
        support::requests_to(server, "/gettoken").await.is_empty(),
        "an anonymous call fetched the app token"
    );
}

#[test]
fn every_oauth2_endpoint_has_a_wire_test_here() {
    let mut found: Vec<(String, String, String, String)> = support::all_endpoints()
        .into_iter()
        .filter(|(module, ..)| module == "oauth2")
        .collect();
    found.sort();
    let mut expected: Vec<(String, String, String, String)> = [
        ("access_token", "POST", "/v1.0/oauth2/accessToken"),
        // Sent with the suite token; its wire test is in tests/isv.rs (the fake checks it).
        ("auth_info", "GET", "/v1.0/oauth2/apps/authInfo"),
        (
            "client_credentials_token",
            "POST",
            "/v1.0/oauth2/{corpId}/token",
        ),
        ("corp_access_token", "POST", "/v1.0/oauth2/corpAccessToken"),
        ("jsapi_ticket", "POST", "/v1.0/oauth2/jsapiTickets"),
        (
            "refresh_user_access_token",
            "POST",
            "/v1.0/oauth2/userAccessToken",
        ),
        (
            "suite_access_token",
            "POST",
            "/v1.0/oauth2/suiteAccessToken",
        ),
        ("user_access_token", "POST", "/v1.0/oauth2/userAccessToken"),
    ]
    .iter()
    .map(|(name, m, p)| ("oauth2".into(), (*name).into(), (*m).into(), (*p).into()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn access_token_sends_the_app_credentials_anonymously() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_post(&server, "/v1.0/oauth2/accessToken", "access_token").await;
    let answer = client
        .oauth2()
        .access_token(AccessTokenRequest::new("ding-app", "app-secret-1"))
        .await
        .unwrap();
    assert_eq!(answer.access_token, "fw8ef8we8f76e6f7s8dxxxx");
    assert_eq!(answer.expire_in, Some(7200));
    let request = support::single_request(&server, "/v1.0/oauth2/accessToken").await;
    assert_eq!(
        json_body(&request),
        json!({"appKey": "ding-app", "appSecret": "app-secret-1"})
    );
    assert_eq!(
        request.headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_anonymous(&server, &request).await;
    // Neither the secret nor the token shows in Debug.
    let debug = format!(
        "{:?} {answer:?}",
        AccessTokenRequest::new("ding-app", "app-secret-1")
    );
    assert!(
        !debug.contains("app-secret-1") && !debug.contains("fw8ef8"),
        "{debug}"
    );
}

#[tokio::test]
async fn the_two_grants_share_a_path_and_send_their_own_grant_type() {
    let support::Harness { server, client } = support::v1_harness().await;
    // Each grant is answered only when its body says so: the two endpoints are two calls.
    Mock::given(method("POST"))
        .and(path("/v1.0/oauth2/userAccessToken"))
        .and(body_json(json!({
            "clientId": "ding-app", "clientSecret": "s3cret",
            "code": "auth-code-1", "grantType": "authorization_code"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accessToken": "user-token-1", "refreshToken": "refresh-1",
            "expireIn": 7200, "corpId": "ding-corp"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/oauth2/userAccessToken"))
        .and(body_json(json!({
            "clientId": "ding-app", "clientSecret": "s3cret",
            "refreshToken": "refresh-1", "grantType": "refresh_token"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accessToken": "user-token-2", "refreshToken": "refresh-2", "expireIn": 7200
        })))
        .expect(1)
        .mount(&server)
        .await;

    let first = client
        .oauth2()
        .user_access_token(UserAccessTokenRequest::new(
            "ding-app",
            "s3cret",
            "auth-code-1",
            UserAccessTokenRequestGrantType::AuthorizationCode,
        ))
        .await
        .unwrap();
    assert_eq!(first.access_token, UserToken::new("user-token-1"));
    assert_eq!(first.corp_id.as_deref(), Some("ding-corp"));
    let refresh = first.refresh_token.clone().unwrap();

    let renewed = client
        .oauth2()
        .refresh_user_access_token(RefreshUserAccessTokenRequest::new(
            "ding-app",
            "s3cret",
            refresh,
            RefreshUserAccessTokenRequestGrantType::RefreshToken,
        ))
        .await
        .unwrap();
    assert_eq!(renewed.access_token.secret(), "user-token-2");
    assert_eq!(renewed.refresh_token.as_deref(), Some("refresh-2"));
    assert_eq!(renewed.corp_id, None);

    for request in support::requests_to(&server, "/v1.0/oauth2/userAccessToken").await {
        assert_anonymous(&server, &request).await;
    }
    // Tokens, codes and secrets stay out of Debug.
    let debug = format!("{first:?} {renewed:?}");
    for secret in ["user-token-1", "user-token-2", "refresh-1", "refresh-2"] {
        assert!(!debug.contains(secret), "{debug}");
    }
}

#[tokio::test]
async fn a_user_token_from_the_code_grant_is_what_get_user_sends() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_post(&server, "/v1.0/oauth2/userAccessToken", "user_access_token").await;
    Mock::given(method("GET"))
        .and(path("/v1.0/contact/users/me"))
        .and(header("x-acs-dingtalk-access-token", "abcd"))
        .respond_with(support::example_response("contact/profile", "get_user"))
        .expect(1)
        .mount(&server)
        .await;

    let token = client
        .oauth2()
        .user_access_token(UserAccessTokenRequest::new(
            "ding-app",
            "s3cret",
            "auth-code-1",
            "authorization_code",
        ))
        .await
        .unwrap()
        .access_token;
    // The documented example's token, typed: only `auth: user_token` requests take it.
    assert_eq!(token.secret(), "abcd");
    assert_eq!(format!("{token:?}"), "UserToken(<redacted>)");

    let me = client
        .contact()
        .profile()
        .get_user(GetUserRequest::new(token, "me"))
        .await
        .unwrap();
    assert_eq!(me.union_id, "z21HjQliSzpw0Yxxxx");
    assert_eq!(me.nick.as_deref(), Some("zhangsan"));

    let request = support::single_request(&server, "/v1.0/contact/users/me").await;
    assert_eq!(token_header(&request), Some("abcd"));
    assert_eq!(request.url.query(), None);
    // The user's token replaced the app token: the app token was never fetched.
    assert!(support::requests_to(&server, "/gettoken").await.is_empty());
}

#[tokio::test]
async fn jsapi_ticket_carries_the_app_token_in_the_header() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/oauth2/jsapiTickets"))
        .and(header("x-acs-dingtalk-access-token", TOKEN))
        .respond_with(support::example_response("oauth2", "jsapi_ticket"))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client
        .oauth2()
        .jsapi_ticket(JsapiTicketRequest::new())
        .await
        .unwrap();
    assert_eq!(answer.jsapi_ticket, "asjdgxxx");
    assert_eq!(answer.expire_in, Some(7200));
    let request = support::single_request(&server, "/v1.0/oauth2/jsapiTickets").await;
    assert_eq!(request.url.query(), None, "the token is not in the query");
    assert!(!format!("{answer:?}").contains("asjdgxxx"));
}

#[tokio::test]
async fn client_credentials_token_is_snake_case_with_the_corp_in_the_path() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_post(
        &server,
        "/v1.0/oauth2/ding9f41/token",
        "client_credentials_token",
    )
    .await;
    let answer = client
        .oauth2()
        .client_credentials_token(ClientCredentialsTokenRequest::new(
            "ding9f41",
            "suite123",
            "client-secret-1",
            ClientCredentialsTokenRequestGrantType::ClientCredentials,
        ))
        .await
        .unwrap();
    assert_eq!(answer.access_token, "2bf******9be361a5084f1e2b8");
    assert_eq!(answer.expires_in, Some(7200));
    let request = support::single_request(&server, "/v1.0/oauth2/ding9f41/token").await;
    assert_eq!(
        json_body(&request),
        json!({
            "client_id": "suite123",
            "client_secret": "client-secret-1",
            "grant_type": "client_credentials"
        })
    );
    assert_anonymous(&server, &request).await;
}

#[tokio::test]
async fn the_isv_tokens_send_the_suite_credentials_anonymously() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_post(&server, "/v1.0/oauth2/corpAccessToken", "corp_access_token").await;
    expect_post(
        &server,
        "/v1.0/oauth2/suiteAccessToken",
        "suite_access_token",
    )
    .await;

    let corp = client
        .oauth2()
        .corp_access_token(CorpAccessTokenRequest::new(
            "suite-key",
            "suite-secret",
            "ding123456",
            "ticket-1",
        ))
        .await
        .unwrap();
    assert_eq!(corp.access_token, "1cc1bb3xxxx");
    assert_eq!(corp.expire_in, Some(7200));
    let request = support::single_request(&server, "/v1.0/oauth2/corpAccessToken").await;
    assert_eq!(
        json_body(&request),
        json!({
            "suiteKey": "suite-key", "suiteSecret": "suite-secret",
            "authCorpId": "ding123456", "suiteTicket": "ticket-1"
        })
    );
    assert_anonymous(&server, &request).await;

    let suite = client
        .oauth2()
        .suite_access_token(SuiteAccessTokenRequest::new(
            "suite-key",
            "suite-secret",
            "ticket-1",
        ))
        .await
        .unwrap();
    assert_eq!(suite.access_token, "token");
    let request = support::single_request(&server, "/v1.0/oauth2/suiteAccessToken").await;
    assert_eq!(
        json_body(&request),
        json!({"suiteKey": "suite-key", "suiteSecret": "suite-secret", "suiteTicket": "ticket-1"})
    );
    assert_anonymous(&server, &request).await;
}

#[tokio::test]
async fn a_refused_secret_is_a_v1_error_that_quotes_no_token_answer() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/oauth2/accessToken"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "invalidClientIdOrSecret",
            "message": "无效的clientId或者clientSecret",
            "requestid": "r-1"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .oauth2()
        .access_token(AccessTokenRequest::new("ding-app", "wrong-secret"))
        .await
        .unwrap_err();
    match &err {
        Error::Api(api) => {
            assert!(api.is_v1());
            assert_eq!(api.http_status, 400);
            assert_eq!(api.endpoint, "oauth2.access_token");
            assert_eq!(api.request_id.as_deref(), Some("r-1"));
        }
        other => panic!("expected a v1 API error, got {other:?}"),
    }
    assert!(!err.to_string().contains("wrong-secret"), "{err}");

    // A garbled answer of a token call is a decode error that withholds the body.
    Mock::given(method("POST"))
        .and(path("/v1.0/oauth2/suiteAccessToken"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"accessToken":"leaked-suite-token""#),
        )
        .mount(&server)
        .await;
    let err = client
        .oauth2()
        .suite_access_token(SuiteAccessTokenRequest::new("k", "s", "t"))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("leaked-suite-token"), "{shown}");
}
