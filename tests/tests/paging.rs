//! `Client::collect_all` over generated `Paginated` impls, against a fake that really pages:
//! offset style (`user/simplelist`), cursor style with `has_more` (`topapi/user/listsimple`)
//! and cursor style ending on an absent cursor (`chat/getReadList`).

mod support;

use dingtalk_api::chat::GetReadListRequest;
use dingtalk_api::contact::user::{ListSimpleRequest, SimpleListRequest};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

fn userids(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("user{i:04}")).collect()
}

fn query(request: &Request, name: &str) -> Option<i64> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// `user/simplelist`: offset + size -> `hasMore` + `userlist`, like DingTalk.
struct OffsetPages {
    users: Vec<String>,
    /// The largest page the server hands out, whatever was asked for.
    cap: usize,
}

impl Respond for OffsetPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let offset = query(request, "offset").unwrap_or(0) as usize;
        // The server's own default page size when none is sent, and at most its cap.
        let size = (query(request, "size").unwrap_or(10) as usize).min(self.cap);
        let end = (offset + size).min(self.users.len());
        let page: Vec<_> = self.users[offset.min(end)..end]
            .iter()
            .map(|id| json!({"userid": id, "name": id}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 0, "errmsg": "ok", "hasMore": end < self.users.len(), "userlist": page
        }))
    }
}

async fn collect_offset(users: usize, size: Option<i64>) -> (Vec<String>, usize) {
    collect_offset_capped(users, size, usize::MAX).await
}

async fn collect_offset_capped(
    users: usize,
    size: Option<i64>,
    cap: usize,
) -> (Vec<String>, usize) {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(method("GET"))
        .and(path("/user/simplelist"))
        .respond_with(OffsetPages {
            users: userids(users),
            cap,
        })
        .mount(&server)
        .await;
    let mut first = SimpleListRequest::new(1);
    if let Some(size) = size {
        first = first.size(size);
    }
    let items = client.collect_all(first).await.expect("all pages");
    let pages = support::requests_to(&server, "/user/simplelist")
        .await
        .len();
    let ids = items.into_iter().map(|u| u.userid).collect();
    (ids, pages)
}

#[tokio::test]
async fn offset_style_empty_department_is_one_call() {
    let (ids, pages) = collect_offset(0, Some(100)).await;
    assert!(ids.is_empty());
    assert_eq!(pages, 1);
}

#[tokio::test]
async fn offset_style_one_partial_page() {
    let (ids, pages) = collect_offset(7, Some(100)).await;
    assert_eq!(ids, userids(7));
    assert_eq!(pages, 1);
}

#[tokio::test]
async fn offset_style_exactly_full_page_stops_on_has_more_false() {
    let (ids, pages) = collect_offset(100, Some(100)).await;
    assert_eq!(ids, userids(100));
    assert_eq!(pages, 1);
}

#[tokio::test]
async fn offset_style_many_pages_in_order_without_gaps() {
    let (ids, pages) = collect_offset(250, Some(100)).await;
    assert_eq!(ids, userids(250));
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn offset_style_advances_by_what_the_server_returned() {
    // The walk asks for 100 per page, but this server hands out at most 10: the offset
    // must advance by what came back, so nothing is skipped.
    let (ids, pages) = collect_offset_capped(35, None, 10).await;
    assert_eq!(ids, userids(35));
    assert_eq!(pages, 4);
}

#[tokio::test]
async fn an_unset_page_size_walks_with_the_documented_maximum() {
    // 250 users, no size given: the walk uses the documented maximum of 100.
    let (ids, pages) = collect_offset(250, None).await;
    assert_eq!(ids, userids(250));
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn a_page_size_above_the_maximum_is_lowered_to_it() {
    let (ids, pages) = collect_offset(250, Some(500)).await;
    assert_eq!(ids, userids(250));
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn a_page_size_of_zero_or_less_is_never_sent() {
    for size in [0, -5] {
        let (ids, pages) = collect_offset_capped(3, Some(size), usize::MAX).await;
        // Walked one user per page: the size sent was 1, not 0 (which DingTalk refuses).
        assert_eq!(ids, userids(3), "size {size}");
        assert_eq!(pages, 3, "size {size}");
    }
}

/// A client and a server whose `user/simplelist` pages through five users.
async fn five_users() -> support::Harness {
    let harness = support::harness().await;
    Mock::given(method("GET"))
        .and(path("/user/simplelist"))
        .respond_with(OffsetPages {
            users: userids(5),
            cap: usize::MAX,
        })
        .mount(&harness.server)
        .await;
    harness
}

/// A walk handed out by a function: the stream owns its client handle.
fn every_member(client: &dingtalk_api::Client) -> dingtalk_api::paging::Items<SimpleListRequest> {
    client.items(SimpleListRequest::new(1).size(2))
}

#[tokio::test]
async fn an_items_stream_outlives_its_borrow_and_runs_in_a_spawned_task() {
    let support::Harness { server, client } = five_users().await;
    let mut items = every_member(&client);
    drop(client);
    let walked = tokio::spawn(async move {
        let mut ids = Vec::new();
        while let Some(user) = items.next().await {
            ids.push(user.expect("a page").userid);
        }
        ids
    })
    .await
    .expect("the task ends");
    assert_eq!(walked, userids(5));
    let sizes: Vec<Option<i64>> = support::requests_to(&server, "/user/simplelist")
        .await
        .iter()
        .map(|r| query(r, "size"))
        .collect();
    assert_eq!(sizes, [Some(2); 3]);
}

#[tokio::test]
async fn pages_and_items_are_lazy_streams() {
    let support::Harness { server, client } = five_users().await;
    let mut pages = client.pages(SimpleListRequest::new(1).size(2));
    let first = pages.next().await.expect("a first page").expect("ok");
    assert_eq!(first.userlist.len(), 2);
    // Only the first page was requested so far.
    assert_eq!(
        support::requests_to(&server, "/user/simplelist")
            .await
            .len(),
        1
    );
    let mut rest = 0;
    while let Some(page) = pages.next().await {
        rest += page.expect("ok").userlist.len();
    }
    assert_eq!(rest, 3);
    assert_eq!(
        support::requests_to(&server, "/user/simplelist")
            .await
            .len(),
        3
    );

    // Items across pages, as a futures Stream.
    use futures::StreamExt;
    let ids: Vec<String> = client
        .items(SimpleListRequest::new(1).size(2))
        .map(|user| user.expect("ok").userid)
        .collect()
        .await;
    assert_eq!(ids, userids(5));
}

/// `topapi/user/listsimple`: cursor + size in the body -> `result.has_more/next_cursor/list`.
struct CursorPages {
    users: Vec<String>,
}

impl Respond for CursorPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let cursor = body["cursor"].as_i64().unwrap_or(0) as usize;
        let size = body["size"].as_i64().unwrap_or(10) as usize;
        let end = (cursor + size).min(self.users.len());
        let list: Vec<_> = self.users[cursor.min(end)..end]
            .iter()
            .map(|id| json!({"userid": id, "name": id}))
            .collect();
        let more = end < self.users.len();
        let mut result = json!({"has_more": more, "list": list});
        if more {
            result["next_cursor"] = json!(end);
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 0, "errmsg": "ok", "request_id": "r", "result": result
        }))
    }
}

#[tokio::test]
async fn cursor_style_walks_every_page() {
    for (users, expected_pages) in [(0, 1), (1, 1), (100, 1), (250, 3)] {
        let support::Harness { server, client } = support::harness().await;
        Mock::given(method("POST"))
            .and(path("/topapi/user/listsimple"))
            .respond_with(CursorPages {
                users: userids(users),
            })
            .mount(&server)
            .await;
        let items = client
            .collect_all(ListSimpleRequest::new(1))
            .await
            .expect("all pages");
        let ids: Vec<String> = items.into_iter().map(|u| u.userid).collect();
        assert_eq!(ids, userids(users), "{users} users");
        let sent = support::requests_to(&server, "/topapi/user/listsimple").await;
        assert_eq!(sent.len(), expected_pages, "{users} users");
        let cursors: Vec<i64> = sent
            .iter()
            .map(|r| {
                serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["cursor"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        let expected: Vec<i64> = (0..expected_pages as i64).map(|p| p * 100).collect();
        assert_eq!(cursors, expected);
    }
}

#[tokio::test]
async fn cursor_style_stops_when_the_cursor_is_absent() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path("/chat/getReadList"))
        .respond_with(|request: &Request| {
            let cursor = query(request, "cursor").unwrap_or(0);
            let body = if cursor == 0 {
                json!({"errcode":0,"errmsg":"ok","next_cursor":77,"readUserIdList":["a","b"]})
            } else {
                json!({"errcode":0,"errmsg":"ok","readUserIdList":["c"]})
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    let readers = client
        .collect_all(GetReadListRequest::new("msg-1"))
        .await
        .unwrap();
    assert_eq!(readers, ["a", "b", "c"]);
    let cursors: Vec<Option<i64>> = support::requests_to(&server, "/chat/getReadList")
        .await
        .iter()
        .map(|r| query(r, "cursor"))
        .collect();
    assert_eq!(cursors, [Some(0), Some(77)]);
}

#[tokio::test]
async fn a_cursor_that_does_not_move_ends_the_walk() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path("/chat/getReadList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"errcode":0,"errmsg":"ok","next_cursor":5,"readUserIdList":["a"]}),
        ))
        .mount(&server)
        .await;
    let readers = client
        .collect_all(GetReadListRequest::new("msg-1"))
        .await
        .unwrap();
    assert_eq!(readers, ["a", "a"]);
    assert_eq!(
        support::requests_to(&server, "/chat/getReadList")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn an_error_on_a_later_page_is_returned() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path("/chat/getReadList"))
        .respond_with(|request: &Request| {
            if query(request, "cursor") == Some(0) {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"errcode":0,"next_cursor":1,"readUserIdList":["a"]}))
            } else {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"errcode":34013,"errmsg":"chat not found"}))
            }
        })
        .mount(&server)
        .await;
    let err = client
        .collect_all(GetReadListRequest::new("msg-1"))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(34013));
}
