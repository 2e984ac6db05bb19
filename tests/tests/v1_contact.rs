mod support;

// The v1 contact files (`contact/search.yaml`, `contact/profile.yaml`) over real HTTP: the
// app token in the `x-acs-dingtalk-access-token` header for the searches and the org
// certification call, the user's own token for `get_user`, offset paging of the searches,
// and what a rejected user token does (no app-token refresh: it is not the app's token).

use dingtalk_api::contact::profile::*;
use dingtalk_api::contact::search::*;
use dingtalk_api::{Error, UserToken};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use support::TOKEN;

#[test]
fn every_v1_contact_endpoint_has_a_wire_test_here() {
    let mut found: Vec<(String, String, String, String)> = support::all_endpoints()
        .into_iter()
        .filter(|(module, ..)| module == "contact/search" || module == "contact/profile")
        .collect();
    found.sort();
    let mut expected: Vec<(String, String, String, String)> = [
        (
            "contact/profile",
            "get_org_auth_info",
            "GET",
            "/v1.0/contact/organizations/authInfos",
        ),
        (
            "contact/profile",
            "get_user",
            "GET",
            "/v1.0/contact/users/{unionId}",
        ),
        (
            "contact/search",
            "search_department",
            "POST",
            "/v1.0/contact/departments/search",
        ),
        (
            "contact/search",
            "search_user",
            "POST",
            "/v1.0/contact/users/search",
        ),
    ]
    .iter()
    .map(|(module, name, m, p)| ((*module).into(), (*name).into(), (*m).into(), (*p).into()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn search_user_sends_the_query_in_the_body_and_the_token_in_the_header() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        "/v1.0/contact/users/search",
        "contact/search",
        "search_user",
    )
    .await;
    let page = client
        .contact()
        .search()
        .search_user(SearchUserRequest::new("小红", 10).full_match_field(1))
        .await
        .unwrap();
    assert_eq!(page.list, vec!["220141953".to_string()]);
    assert!(!page.has_more);
    assert_eq!(page.total_count, Some(2));
    let request = support::single_request(&server, "/v1.0/contact/users/search").await;
    assert_eq!(
        support::body_json(&request),
        json!({"queryWord": "小红", "offset": 0, "size": 10, "fullMatchField": 1})
    );
    assert_eq!(request.url.query(), None, "no token in the query");
}

#[tokio::test]
async fn search_department_decodes_department_ids_as_i64() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        "/v1.0/contact/departments/search",
        "contact/search",
        "search_department",
    )
    .await;
    let page = client
        .contact()
        .search()
        .search_department(SearchDepartmentRequest::new("财务部", 10))
        .await
        .unwrap();
    assert_eq!(page.list, vec![220141953_i64, 220207936]);
    assert_eq!(
        support::body_json(
            &support::single_request(&server, "/v1.0/contact/departments/search").await
        ),
        json!({"queryWord": "财务部", "offset": 0, "size": 10})
    );
}

#[tokio::test]
async fn collect_all_walks_the_search_by_the_items_each_page_returned() {
    let support::Harness { server, client } = support::v1_harness().await;
    // The server caps the page at 2 even though 5 were asked for: the next offset is 2.
    let answers = [
        (
            0,
            json!({"hasMore": true, "totalCount": 5, "list": ["u1", "u2"]}),
        ),
        (
            2,
            json!({"hasMore": true, "totalCount": 5, "list": ["u3", "u4"]}),
        ),
        (
            4,
            json!({"hasMore": false, "totalCount": 5, "list": ["u5"]}),
        ),
    ];
    for (offset, answer) in answers {
        Mock::given(method("POST"))
            .and(path("/v1.0/contact/users/search"))
            .and(body_partial_json(json!({"offset": offset, "size": 5})))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .mount(&server)
            .await;
    }
    let all = client
        .collect_all(SearchUserRequest::new("a", 5))
        .await
        .unwrap();
    assert_eq!(all, ["u1", "u2", "u3", "u4", "u5"]);
}

#[tokio::test]
async fn get_user_sends_the_users_token_and_may_ask_for_me() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/contact/users/me"))
        .and(header("x-acs-dingtalk-access-token", "user-token-7"))
        .respond_with(support::example_response("contact/profile", "get_user"))
        .expect(1)
        .mount(&server)
        .await;
    let me = client
        .contact()
        .profile()
        .get_user(GetUserRequest::new(UserToken::new("user-token-7"), "me"))
        .await
        .unwrap();
    assert_eq!(me.nick.as_deref(), Some("zhangsan"));
    assert_eq!(me.mobile.as_deref(), Some("150xxxx9144"));
    assert_eq!(me.state_code.as_deref(), Some("86"));
    assert_eq!(me.visitor, None);
    let request = support::single_request(&server, "/v1.0/contact/users/me").await;
    assert_eq!(request.url.query(), None);
    assert!(support::requests_to(&server, "/gettoken").await.is_empty());
    // The request's Debug hides the user's token.
    let debug = format!(
        "{:?}",
        GetUserRequest::new(UserToken::new("user-token-7"), "me")
    );
    assert!(!debug.contains("user-token-7"), "{debug}");
}

#[tokio::test]
async fn a_union_id_path_segment_is_encoded() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/contact/users/a%2Fb%20c"))
        .respond_with(support::example_response("contact/profile", "get_user"))
        .expect(1)
        .mount(&server)
        .await;
    client
        .contact()
        .profile()
        .get_user(GetUserRequest::new(UserToken::new("t"), "a/b c"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rejected_user_token_is_returned_without_refreshing_the_app_token() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/contact/users/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "InvalidAuthentication", "message": "不合法的access_token", "requestid": "r-2"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .contact()
        .profile()
        .get_user(GetUserRequest::new(
            UserToken::new("expired-user-token"),
            "me",
        ))
        .await
        .unwrap_err();
    match &err {
        Error::Api(api) => {
            assert!(api.is_v1());
            assert_eq!(api.endpoint, "contact.profile.get_user");
        }
        other => panic!("expected a v1 API error, got {other:?}"),
    }
    assert!(err.is_token_invalid(), "{err:?}");
    // The caller renews the user token (refresh_user_access_token); the client cannot.
    assert!(support::requests_to(&server, "/gettoken").await.is_empty());
    assert!(!format!("{err} {err:?}").contains("expired-user-token"));
}

#[tokio::test]
async fn get_org_auth_info_takes_the_target_corp_in_the_query() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/contact/organizations/authInfos"))
        .and(query_param("targetCorpId", "ding-target"))
        .and(header("x-acs-dingtalk-access-token", TOKEN))
        .respond_with(support::example_response(
            "contact/profile",
            "get_org_auth_info",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let info = client
        .contact()
        .profile()
        .get_org_auth_info(GetOrgAuthInfoRequest::new().target_corp_id("ding-target"))
        .await
        .unwrap();
    assert_eq!(info.auth_level, Some(1));
    assert_eq!(info.license_org_name.as_deref(), Some("测试有限公司"));
    let request = support::single_request(&server, "/v1.0/contact/organizations/authInfos").await;
    assert_eq!(request.url.query(), Some("targetCorpId=ding-target"));
    assert!(request.body.is_empty(), "a GET has no body");

    // Without the parameter, nothing is in the query.
    support::expect_v1_example(
        &server,
        "GET",
        "/v1.0/contact/organizations/authInfos",
        "contact/profile",
        "get_org_auth_info",
    )
    .await;
    client
        .contact()
        .profile()
        .get_org_auth_info(GetOrgAuthInfoRequest::new())
        .await
        .unwrap();
    let requests = support::requests_to(&server, "/v1.0/contact/organizations/authInfos").await;
    assert_eq!(requests[1].url.query(), None);
}
