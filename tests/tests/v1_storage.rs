mod support;

// The `storage` area (`storage/spaces.yaml`) over real HTTP: `unionId` goes in the query
// even on POST, the app token in the header; the dentry list pages by cursor; and the whole
// upload flow runs against the fake: upload info -> PUT of the bytes to the signed URL with
// the signed headers -> commit.

use dingtalk_api::storage::spaces::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use support::TOKEN;

/// Expects `http_method endpoint_path?unionId=union-1` with the app token, once, answered
/// with the documented example of `storage/spaces/<endpoint>`.
async fn expect_example(
    server: &MockServer,
    http_method: &str,
    endpoint_path: &str,
    endpoint: &str,
) {
    Mock::given(method(http_method))
        .and(path(endpoint_path))
        .and(query_param("unionId", "union-1"))
        .and(header("x-acs-dingtalk-access-token", TOKEN))
        .respond_with(support::example_response("storage/spaces", endpoint))
        .expect(1)
        .mount(server)
        .await;
}

#[test]
fn every_storage_endpoint_has_a_wire_test_here() {
    let mut found: Vec<(String, String, String, String)> = support::all_endpoints()
        .into_iter()
        .filter(|(module, ..)| module == "storage/spaces")
        .collect();
    found.sort();
    let mut expected: Vec<(String, String, String, String)> = [
        (
            "commit_file",
            "POST",
            "/v1.0/storage/spaces/{spaceId}/files/commit",
        ),
        (
            "get_download_info",
            "POST",
            "/v1.0/storage/spaces/{spaceId}/dentries/{dentryId}/downloadInfos/query",
        ),
        ("get_space", "GET", "/v1.0/storage/spaces/{spaceId}"),
        (
            "get_upload_info",
            "POST",
            "/v1.0/storage/spaces/{spaceId}/files/uploadInfos/query",
        ),
        (
            "list_dentries",
            "GET",
            "/v1.0/storage/spaces/{spaceId}/dentries",
        ),
    ]
    .iter()
    .map(|(name, m, p)| {
        (
            "storage/spaces".into(),
            (*name).into(),
            (*m).into(),
            (*p).into(),
        )
    })
    .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn get_space_reads_the_space_for_a_user() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(&server, "GET", "/v1.0/storage/spaces/854xxxxx", "get_space").await;
    let answer = client
        .storage()
        .spaces()
        .get_space(GetSpaceRequest::new("854xxxxx", "union-1"))
        .await
        .unwrap();
    let space = answer.space.expect("a space");
    assert_eq!(space.name.as_deref(), Some("测试空间"));
    assert_eq!(space.owner_type, Some(StorageSpaceOwnerType::User));
    assert_eq!(space.quota, Some(1_048_576));
    assert_eq!(space.capabilities.and_then(|c| c.can_search), Some(true));
    let partition = &space.partitions[0];
    assert_eq!(
        partition.partition_type.as_deref(),
        Some("PUBLIC_OSS_PARTITION")
    );
    assert_eq!(partition.quota.as_ref().and_then(|q| q.max), Some(10_000));
    let request = support::single_request(&server, "/v1.0/storage/spaces/854xxxxx").await;
    assert_eq!(request.url.query(), Some("unionId=union-1"));
}

#[tokio::test]
async fn list_dentries_sends_its_options_in_the_query() {
    let support::Harness { server, client } = support::v1_harness().await;
    expect_example(
        &server,
        "GET",
        "/v1.0/storage/spaces/854xxxxx/dentries",
        "list_dentries",
    )
    .await;
    let page = client
        .storage()
        .spaces()
        .list_dentries(
            ListDentriesRequest::new("854xxxxx", "0", "union-1")
                .max_results(30)
                .order_by(ListDentriesRequestOrderBy::ModifiedTime)
                .order(ListDentriesRequestOrder::Desc)
                .with_thumbnail(false),
        )
        .await
        .unwrap();
    assert_eq!(page.next_token.as_deref(), Some("next_token"));
    let dentry = &page.dentries[0];
    assert_eq!(dentry.id, "657xxxxx");
    assert_eq!(dentry.size, Some(512));
    assert_eq!(
        dentry.properties.as_ref().and_then(|p| p.read_only),
        Some(true)
    );
    assert_eq!(dentry.thumbnail.as_ref().and_then(|t| t.width), Some(64));
    // The example's bare list of app properties decodes (the tables say a map of lists).
    assert_eq!(
        dentry
            .app_properties
            .as_ref()
            .map(|v| v[0]["visibility"].clone()),
        Some(json!("PRIVATE"))
    );
    let request = support::single_request(&server, "/v1.0/storage/spaces/854xxxxx/dentries").await;
    let mut query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    query.sort();
    assert_eq!(
        query,
        [
            ("maxResults", "30"),
            ("order", "DESC"),
            ("orderBy", "MODIFIED_TIME"),
            ("parentId", "0"),
            ("unionId", "union-1"),
            ("withThumbnail", "false"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
}

#[tokio::test]
async fn the_dentry_walk_follows_next_token_until_it_is_absent() {
    let support::Harness { server, client } = support::v1_harness().await;
    let dentries_path = "/v1.0/storage/spaces/s1/dentries";
    Mock::given(method("GET"))
        .and(path(dentries_path))
        .and(query_param_is_missing("nextToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dentries": [{"id": "d1"}, {"id": "d2"}], "nextToken": "page-2"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(dentries_path))
        .and(query_param("nextToken", "page-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "dentries": [{"id": "d3"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let all = client
        .collect_all(ListDentriesRequest::new("s1", "0", "union-1"))
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids, ["d1", "d2", "d3"]);
    // The walk asks for the documented maximum page size.
    for request in support::requests_to(&server, dentries_path).await {
        assert!(
            request
                .url
                .query_pairs()
                .any(|(k, v)| k == "maxResults" && v == "50"),
            "{}",
            request.url
        );
    }
}

#[tokio::test]
async fn get_download_info_takes_union_id_in_the_query_of_a_post() {
    let support::Harness { server, client } = support::v1_harness().await;
    let download_path = "/v1.0/storage/spaces/854xxxx/dentries/798xxxxx/downloadInfos/query";
    expect_example(&server, "POST", download_path, "get_download_info").await;
    let answer = client
        .storage()
        .spaces()
        .get_download_info(
            GetDownloadInfoRequest::new("854xxxx", "798xxxxx", "union-1").option(
                GetDownloadInfoRequestOption::new()
                    .version(1)
                    .prefer_intranet(false),
            ),
        )
        .await
        .unwrap();
    assert_eq!(answer.protocol.as_deref(), Some("HEADER_SIGNATURE"));
    let info = answer
        .header_signature_info
        .as_ref()
        .expect("signature info");
    assert_eq!(info.resource_urls, ["resource_url"]);
    assert_eq!(
        info.headers.get("key").map(String::as_str),
        Some("header_value")
    );
    assert_eq!(info.expiration_seconds, Some(900));
    // Signed URLs and headers are credentials: Debug hides them.
    assert!(!format!("{answer:?}").contains("header_value"));
    let request = support::single_request(&server, download_path).await;
    assert_eq!(request.url.query(), Some("unionId=union-1"));
    assert_eq!(
        support::body_json(&request),
        json!({"option": {"version": 1, "preferIntranet": false}})
    );
}

#[tokio::test]
async fn an_upload_is_upload_info_then_a_signed_put_then_commit() {
    let support::Harness { server, client } = support::v1_harness().await;
    let oss = MockServer::start().await;
    let upload_info_path = "/v1.0/storage/spaces/854xxxxx/files/uploadInfos/query";
    let commit_path = "/v1.0/storage/spaces/854xxxxx/files/commit";
    let bytes = b"quarterly numbers".to_vec();
    // Step 1: DingTalk hands out a signed URL on the storage host.
    Mock::given(method("POST"))
        .and(path(upload_info_path))
        .and(query_param("unionId", "union-1"))
        .and(header("x-acs-dingtalk-access-token", TOKEN))
        .and(body_json(json!({
            "protocol": "HEADER_SIGNATURE",
            "multipart": false,
            "option": {
                "storageDriver": "DINGTALK",
                "preCheckParam": {"size": 17, "parentId": "0", "name": "q3.xlsx"},
                "preferRegion": "ZHANGJIAKOU"
            }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uploadKey": "upload-key-1",
            "storageDriver": "DINGTALK",
            "protocol": "HEADER_SIGNATURE",
            "headerSignatureInfo": {
                "resourceUrls": [format!("{}/bucket/object-1", oss.uri())],
                "headers": {"Authorization": "OSS sig-1", "x-oss-date": "20261201T000000Z"},
                "expirationSeconds": 900,
                "region": "ZHANGJIAKOU"
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    // Step 2: the storage host takes the bytes with exactly the signed headers.
    Mock::given(method("PUT"))
        .and(path("/bucket/object-1"))
        .and(header("Authorization", "OSS sig-1"))
        .and(header("x-oss-date", "20261201T000000Z"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&oss)
        .await;
    // Step 3: commit the upload key as a file of the root folder.
    Mock::given(method("POST"))
        .and(path(commit_path))
        .and(query_param("unionId", "union-1"))
        .and(body_json(json!({
            "uploadKey": "upload-key-1",
            "name": "q3.xlsx",
            "parentId": "0",
            "option": {
                "size": 17,
                "conflictStrategy": "AUTO_RENAME",
                "appProperties": [{"name": "source", "value": "erp", "visibility": "PRIVATE"}]
            }
        })))
        .respond_with(support::example_response("storage/spaces", "commit_file"))
        .expect(1)
        .mount(&server)
        .await;

    let info = client
        .storage()
        .spaces()
        .get_upload_info(
            GetUploadInfoRequest::new(
                "854xxxxx",
                "union-1",
                GetUploadInfoRequestProtocol::HeaderSignature,
                false,
            )
            .option(
                GetUploadInfoRequestOption::new()
                    .storage_driver(GetUploadInfoRequestOptionStorageDriver::Dingtalk)
                    .pre_check_param(
                        GetUploadInfoRequestOptionPreCheckParam::new()
                            .size(17)
                            .parent_id("0")
                            .name("q3.xlsx"),
                    )
                    .prefer_region(GetUploadInfoRequestOptionPreferRegion::Zhangjiakou),
            ),
        )
        .await
        .unwrap();
    let signed = info.header_signature_info.expect("signed upload info");
    let mut put = reqwest::Client::new().put(&signed.resource_urls[0]);
    for (name, value) in &signed.headers {
        put = put.header(name, value);
    }
    let stored = put.body(bytes.clone()).send().await.unwrap();
    assert_eq!(stored.status(), 200);
    let oss_requests = oss.received_requests().await.unwrap();
    assert_eq!(oss_requests[0].body, bytes);

    let committed = client
        .storage()
        .spaces()
        .commit_file(
            CommitFileRequest::new("854xxxxx", "union-1", info.upload_key, "q3.xlsx", "0").option(
                CommitFileRequestOption::new()
                    .size(17)
                    .conflict_strategy(CommitFileRequestOptionConflictStrategy::AutoRename)
                    .app_properties([StorageAppPropertyInput::new(
                        "source",
                        "erp",
                        StorageAppPropertyInputVisibility::Private,
                    )]),
            ),
        )
        .await
        .unwrap();
    let dentry = committed.dentry.expect("the committed file");
    assert_eq!(dentry.id, "123");
    assert_eq!(dentry.type_.as_deref(), Some("FILE"));
}

#[tokio::test]
async fn a_failed_commit_is_not_repeated() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/storage/spaces/s1/files/commit"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "code": "operationTimeout", "message": "timeout", "requestid": "r-3"
        })))
        .mount(&server)
        .await;
    let err = client
        .storage()
        .spaces()
        .commit_file(CommitFileRequest::new("s1", "union-1", "k", "a.txt", "0"))
        .await
        .unwrap_err();
    // The commit may have happened: a second one could add a second file.
    assert_eq!(
        support::requests_to(&server, "/v1.0/storage/spaces/s1/files/commit")
            .await
            .len(),
        1
    );
    assert!(err.is_outcome_unknown(), "{err:?}");
}
