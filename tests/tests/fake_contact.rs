// The `contact` area against the in-process fake DingTalk: every department and user endpoint
// is called through the generated client, answers are checked against the demo organisation
// (`dingtalk_fake::org::DEMO_SEED`), writes are checked in the fake's state and in later reads,
// and pagination is walked to its edges.

use std::fmt::Debug;

use dingtalk_api::Client;
use dingtalk_api::contact::department as dept;
use dingtalk_api::contact::user;
use dingtalk_fake::{FakeDingTalk, Org, RunningFake};

/// bob's order in Engineering (2) and Platform (4): more than 2^53.
const BOB_ORDER: i64 = 176_318_668_975_061_512;

async fn start(org: Org) -> (RunningFake, Client) {
    let fake = FakeDingTalk::new()
        .org(org)
        .start()
        .await
        .expect("the fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .expect("the client builds");
    (fake, client)
}

async fn demo() -> (RunningFake, Client) {
    start(Org::demo()).await
}

/// The errcode of a DingTalk rejection; anything else fails the test.
fn errcode<T: Debug>(result: Result<T, dingtalk_api::Error>) -> i64 {
    match result {
        Err(dingtalk_api::Error::Api(err)) => err.errcode,
        other => panic!("expected a DingTalk rejection, got {other:?}"),
    }
}

fn ids(list: &[dept::Department]) -> Vec<i64> {
    list.iter().map(|d| d.id).collect()
}

fn v2_ids(list: &[dept::DepartmentV2]) -> Vec<i64> {
    list.iter().map(|d| d.dept_id).collect()
}

fn simple_ids(list: &[user::UserSimple]) -> Vec<String> {
    list.iter().map(|u| u.userid.clone()).collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// An organisation for paging: an empty department (10) and one of 25 members (20) whose
/// orders interleave, plus one order above 2^53.
fn paging_org() -> Org {
    let mut seed = String::from(
        "corp_name: Paging Co\ndepartments:\n  - {id: 1, name: Paging Co}\n  - {id: 10, name: Empty}\n  - {id: 20, name: Crowd}\nusers:\n",
    );
    for i in 0..25 {
        let order: i64 = if i == 3 {
            9_007_199_254_740_993
        } else if i % 2 == 0 {
            100
        } else {
            50
        };
        seed.push_str(&format!(
            "  - {{userid: u{i:02}, name: User {i}, departments: [20], order: {order}}}\n"
        ));
    }
    Org::from_seed_text("paging.yaml", &seed).expect("the paging seed is valid")
}

/// Department 20's members in DingTalk order, larger order first and creation breaking ties:
/// u03 (order 2^53 + 1), then even-numbered users (order 100) by creation, then odd-numbered
/// ones (order 50) by creation.
fn crowd_order() -> Vec<String> {
    let even = (0..25).filter(|i| i % 2 == 0);
    let odd = (0..25).filter(|i| i % 2 == 1 && *i != 3);
    [3].into_iter()
        .chain(even)
        .chain(odd)
        .map(|i| format!("u{i:02}"))
        .collect()
}

// ----------------------------------------------------------------------------- departments

#[tokio::test]
async fn legacy_department_list_defaults_to_the_root_and_recurses_with_fetch_child() {
    let (_fake, client) = demo().await;
    let api = client.contact().department();

    let top = api.list(dept::ListRequest::new()).await.unwrap();
    assert_eq!(ids(&top.department), vec![2, 3]);
    let engineering = &top.department[0];
    assert_eq!(engineering.name.as_deref(), Some("Engineering"));
    assert_eq!(engineering.parentid, Some(1));
    assert_eq!(engineering.create_dept_group, Some(false));
    assert_eq!(engineering.auto_add_user, Some(false));

    let all = api
        .list(dept::ListRequest::new().fetch_child(true))
        .await
        .unwrap();
    assert_eq!(ids(&all.department), vec![2, 4, 5, 3, 6]);

    let below_engineering = api.list(dept::ListRequest::new().id(2)).await.unwrap();
    assert_eq!(ids(&below_engineering.department), vec![4, 5]);
    let leaf = api
        .list(dept::ListRequest::new().id(4).fetch_child(true))
        .await
        .unwrap();
    assert!(leaf.department.is_empty());

    assert_eq!(
        errcode(api.list(dept::ListRequest::new().id(999)).await),
        60003
    );
}

#[tokio::test]
async fn legacy_department_get_joins_managers_with_a_pipe() {
    let (fake, client) = demo().await;
    let api = client.contact().department();

    let engineering = api.get(dept::GetRequest::new(2)).await.unwrap();
    assert_eq!(engineering.id, 2);
    assert_eq!(engineering.name.as_deref(), Some("Engineering"));
    assert_eq!(engineering.parentid, Some(1));
    assert_eq!(engineering.dept_manager_userid_list, strings(&["alice"]));
    assert_eq!(engineering.dept_hiding, Some(false));

    let root = api.get(dept::GetRequest::new(1)).await.unwrap();
    assert_eq!(root.name.as_deref(), Some("Demo Co"));
    assert_eq!(root.parentid, None, "the root has no parent");
    assert_eq!(root.dept_manager_userid_list, strings(&["manager4220"]));

    fake.handle().with_state(|s| {
        let platform = s.org.departments.get_mut(&4).unwrap();
        platform.manager_userids = strings(&["carol", "dave"]);
    });
    let platform = api.get(dept::GetRequest::new(4)).await.unwrap();
    assert_eq!(
        platform.dept_manager_userid_list,
        strings(&["carol", "dave"])
    );
    let support = api.get(dept::GetRequest::new(6)).await.unwrap();
    assert!(support.dept_manager_userid_list.is_empty());

    assert_eq!(errcode(api.get(dept::GetRequest::new(999)).await), 60003);
}

#[tokio::test]
async fn v2_department_calls_walk_one_level() {
    let (_fake, client) = demo().await;
    let api = client.contact().department();

    let top = api
        .list_sub_v2(dept::ListSubV2Request::new())
        .await
        .unwrap();
    assert_eq!(v2_ids(&top), vec![2, 3]);
    assert_eq!(top[1].name.as_deref(), Some("Sales"));
    assert_eq!(top[1].parent_id, Some(1));
    let sales = api
        .list_sub_v2(dept::ListSubV2Request::new().dept_id(3))
        .await
        .unwrap();
    assert_eq!(v2_ids(&sales), vec![6]);
    let leaf = api
        .list_sub_v2(dept::ListSubV2Request::new().dept_id(6))
        .await
        .unwrap();
    assert!(leaf.is_empty());

    let sub_ids = api
        .list_sub_ids_v2(dept::ListSubIdsV2Request::new(2))
        .await
        .unwrap();
    assert_eq!(sub_ids.dept_id_list, vec![4, 5]);
    let none = api
        .list_sub_ids_v2(dept::ListSubIdsV2Request::new(5))
        .await
        .unwrap();
    assert!(none.dept_id_list.is_empty());

    let engineering = api.get_v2(dept::GetV2Request::new(2)).await.unwrap();
    assert_eq!(engineering.dept_id, 2);
    assert_eq!(engineering.name.as_deref(), Some("Engineering"));
    assert_eq!(engineering.parent_id, Some(1));
    assert_eq!(engineering.dept_manager_userid_list, strings(&["alice"]));
    // alice, bob directly; carol, dave (Platform) and erin, grace (Mobile) below.
    assert_eq!(engineering.owning_member_count, Some(2));
    assert_eq!(engineering.member_count, Some(6));
    let root = api.get_v2(dept::GetV2Request::new(1)).await.unwrap();
    assert_eq!(root.parent_id, None);
    assert_eq!(root.member_count, Some(12));

    let missing = 424_242;
    assert_eq!(
        errcode(
            api.list_sub_v2(dept::ListSubV2Request::new().dept_id(missing))
                .await
        ),
        60003
    );
    assert_eq!(
        errcode(
            api.list_sub_ids_v2(dept::ListSubIdsV2Request::new(missing))
                .await
        ),
        60003
    );
    assert_eq!(
        errcode(api.get_v2(dept::GetV2Request::new(missing)).await),
        60003
    );
}

// ----------------------------------------------------------------------------- user reads

#[tokio::test]
async fn get_v2_reports_the_demo_users() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let alice = api.get_v2(user::GetV2Request::new("alice")).await.unwrap();
    assert_eq!(alice.userid.as_str(), "alice");
    assert_eq!(alice.unionid.as_deref(), Some("unionalice"));
    assert_eq!(alice.name.as_str(), "Alice Chen");
    assert_eq!(alice.mobile.as_deref(), Some("13800000001"));
    assert_eq!(alice.email.as_deref(), Some("alice@demo.example"));
    assert_eq!(alice.title.as_deref(), Some("VP Engineering"));
    assert_eq!(alice.manager_userid.as_deref(), Some("manager4220"));
    assert_eq!(alice.dept_id_list, vec![2]);
    assert_eq!(alice.admin, Some(true));
    assert_eq!(alice.boss, Some(false));
    assert_eq!(alice.active, Some(true));
    assert_eq!(alice.leader_in_dept.len(), 1);
    assert_eq!(alice.leader_in_dept[0].dept_id, 2);
    assert_eq!(alice.leader_in_dept[0].leader, Some(true));

    let bob = api.get_v2(user::GetV2Request::new("bob")).await.unwrap();
    assert_eq!(bob.dept_id_list, vec![2, 4]);
    let orders: Vec<(i64, Option<i64>)> = bob
        .dept_order_list
        .iter()
        .map(|o| (o.dept_id, o.order))
        .collect();
    assert_eq!(orders, vec![(2, Some(BOB_ORDER)), (4, Some(BOB_ORDER))]);
    assert!(bob.leader_in_dept.iter().all(|l| l.leader == Some(false)));
    assert_eq!(bob.manager_userid.as_deref(), Some("alice"));

    let boss = api
        .get_v2(user::GetV2Request::new("manager4220"))
        .await
        .unwrap();
    assert_eq!(boss.boss, Some(true));
    assert_eq!(boss.hired_date, Some(1_420_070_400_000));
    assert_eq!(boss.manager_userid, None);

    let ken = api.get_v2(user::GetV2Request::new("ken")).await.unwrap();
    assert_eq!(ken.active, Some(false));

    assert_eq!(
        errcode(api.get_v2(user::GetV2Request::new("nobody")).await),
        60121
    );
}

#[tokio::test]
async fn legacy_get_uses_camel_case_and_map_like_text() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let bob = api.get(user::GetRequest::new("bob")).await.unwrap();
    assert_eq!(bob.userid, "bob");
    assert_eq!(bob.name.as_deref(), Some("Bob Li"));
    assert_eq!(bob.position.as_deref(), Some("Engineer"));
    assert_eq!(bob.manager_userid.as_deref(), Some("alice"));
    assert_eq!(bob.department, vec![2, 4]);
    assert_eq!(
        bob.order_in_depts.as_deref(),
        Some("{2:176318668975061512,4:176318668975061512}")
    );
    assert_eq!(bob.is_leader_in_depts.as_deref(), Some("{2:false,4:false}"));
    assert_eq!(bob.is_admin, Some(false));

    let frank = api.get(user::GetRequest::new("frank")).await.unwrap();
    assert_eq!(frank.is_leader_in_depts.as_deref(), Some("{3:true}"));

    assert_eq!(
        errcode(api.get(user::GetRequest::new("nobody")).await),
        60121
    );
}

#[tokio::test]
async fn member_id_lists_follow_the_department_order() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let engineering = api
        .get_dept_member(user::GetDeptMemberRequest::new(2))
        .await
        .unwrap();
    // bob's order is larger than the seeded default 0, so he lists first.
    assert_eq!(engineering.user_ids, strings(&["bob", "alice"]));
    let platform = api.list_id(user::ListIdRequest::new(4)).await.unwrap();
    assert_eq!(platform.userid_list, strings(&["bob", "carol", "dave"]));
    let root = api.list_id(user::ListIdRequest::new(1)).await.unwrap();
    assert_eq!(root.userid_list, strings(&["manager4220"]));

    assert_eq!(
        errcode(
            api.get_dept_member(user::GetDeptMemberRequest::new(77))
                .await
        ),
        60003
    );
    assert_eq!(
        errcode(api.list_id(user::ListIdRequest::new(77)).await),
        60003
    );
}

#[tokio::test]
async fn admins_and_their_scope() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let admins = api.get_admin(user::GetAdminRequest::new()).await.unwrap();
    let listed: Vec<(String, Option<i64>)> = admins
        .admin_list
        .iter()
        .map(|a| (a.userid.clone(), a.sys_level))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("manager4220".to_string(), Some(1)),
            ("alice".to_string(), Some(2)),
        ]
    );

    let scope = api
        .get_admin_scope(user::GetAdminScopeRequest::new("alice"))
        .await
        .unwrap();
    assert_eq!(scope.dept_ids, vec![1]);
    let none = api
        .get_admin_scope(user::GetAdminScopeRequest::new("bob"))
        .await
        .unwrap();
    assert!(none.dept_ids.is_empty());
    assert_eq!(
        errcode(
            api.get_admin_scope(user::GetAdminScopeRequest::new("nobody"))
                .await
        ),
        60121
    );
}

#[tokio::test]
async fn lookups_by_unionid_and_mobile() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let legacy = api
        .get_userid_by_unionid(user::GetUseridByUnionidRequest::new("unionbob"))
        .await
        .unwrap();
    assert_eq!(legacy.userid.as_str(), "bob");
    assert_eq!(legacy.contact_type, Some(0));
    let v2 = api
        .get_by_unionid(user::GetByUnionidRequest::new("unionerin"))
        .await
        .unwrap();
    assert_eq!(v2.userid, "erin");
    assert_eq!(v2.contact_type, Some(0));

    let legacy = api
        .get_by_mobile(user::GetByMobileRequest::new("13800000003"))
        .await
        .unwrap();
    assert_eq!(legacy.userid.as_str(), "carol");
    let v2 = api
        .get_by_mobile_v2(user::GetByMobileV2Request::new("13800000011"))
        .await
        .unwrap();
    assert_eq!(v2.userid.as_str(), "ken");

    assert_eq!(
        errcode(
            api.get_userid_by_unionid(user::GetUseridByUnionidRequest::new("nope"))
                .await
        ),
        60121
    );
    assert_eq!(
        errcode(
            api.get_by_unionid(user::GetByUnionidRequest::new("nope"))
                .await
        ),
        60121
    );
    assert_eq!(
        errcode(
            api.get_by_mobile(user::GetByMobileRequest::new("19999999999"))
                .await
        ),
        60121
    );
    assert_eq!(
        errcode(
            api.get_by_mobile_v2(user::GetByMobileV2Request::new("19999999999"))
                .await
        ),
        60121
    );
}

#[tokio::test]
async fn counts_follow_activation_and_new_users() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let all = api.count(user::CountRequest::new(false)).await.unwrap();
    assert_eq!(all.count, 12);
    let active = api.count(user::CountRequest::new(true)).await.unwrap();
    assert_eq!(active.count, 11, "ken has not activated DingTalk");
    let legacy_all = api
        .get_org_user_count(user::GetOrgUserCountRequest::new(0))
        .await
        .unwrap();
    assert_eq!(legacy_all.count, 12);
    let legacy_active = api
        .get_org_user_count(user::GetOrgUserCountRequest::new(1))
        .await
        .unwrap();
    assert_eq!(legacy_active.count, 11);
    assert_eq!(
        errcode(
            api.get_org_user_count(user::GetOrgUserCountRequest::new(2))
                .await
        ),
        40035
    );

    // A new user has not activated DingTalk yet.
    api.create_v2(user::CreateV2Request::new("New Hire", "13900000001", [3]).userid("newbie"))
        .await
        .unwrap();
    let all = api.count(user::CountRequest::new(false)).await.unwrap();
    assert_eq!(all.count, 13);
    let active = api.count(user::CountRequest::new(true)).await.unwrap();
    assert_eq!(active.count, 11);
}

// ----------------------------------------------------------------------------- user writes

#[tokio::test]
async fn create_v2_adds_a_user_visible_in_state_and_reads() {
    let (fake, client) = demo().await;
    let api = client.contact().user();

    let created = api
        .create_v2(
            user::CreateV2Request::new("Oscar Qian", "13900000042", [4, 5])
                .userid("oscar")
                .title("SRE")
                .email("oscar@demo.example")
                .job_number("E042")
                .telephone("8042")
                .work_place("Hangzhou")
                .remark("on call")
                .manager_userid("alice")
                .hired_date(1_700_000_000_000)
                .extension([("hobby", "climbing")])
                .dept_order_list([
                    user::UserDeptOrder::new(4).order(1),
                    user::UserDeptOrder::new(5).order(BOB_ORDER + 1),
                ]),
        )
        .await
        .unwrap();
    assert_eq!(created.userid.as_str(), "oscar");
    let unionid = created.union_id.clone().expect("a unionid");

    let stored = fake
        .handle()
        .with_state(|s| s.org.users.get("oscar").cloned())
        .expect("oscar is in the state");
    assert_eq!(stored.name, "Oscar Qian");
    assert_eq!(stored.mobile.as_deref(), Some("13900000042"));
    assert_eq!(stored.dept_ids, vec![4, 5]);
    assert_eq!(stored.dept_orders.get(&4), Some(&1));
    assert_eq!(stored.dept_orders.get(&5), Some(&(BOB_ORDER + 1)));
    assert_eq!(stored.title.as_deref(), Some("SRE"));
    assert_eq!(stored.manager_userid.as_deref(), Some("alice"));
    assert_eq!(stored.unionid, unionid);
    assert_eq!(
        stored.extension.get("hobby").map(String::as_str),
        Some("climbing")
    );
    assert!(!stored.active, "a new user has not activated DingTalk");

    let read = api.get_v2(user::GetV2Request::new("oscar")).await.unwrap();
    assert_eq!(read.name.as_str(), "Oscar Qian");
    assert_eq!(read.email.as_deref(), Some("oscar@demo.example"));
    assert_eq!(read.job_number.as_deref(), Some("E042"));
    assert_eq!(read.telephone.as_deref(), Some("8042"));
    assert_eq!(read.work_place.as_deref(), Some("Hangzhou"));
    assert_eq!(read.remark.as_deref(), Some("on call"));
    assert_eq!(read.hired_date, Some(1_700_000_000_000));
    assert_eq!(
        read.extension,
        Some(serde_json::json!({"hobby": "climbing"}))
    );
    assert_eq!(read.unionid.as_deref(), Some(unionid.as_str()));
    // Larger order first: in Platform after bob (BOB_ORDER) and before carol and dave
    // (order 0); first in Mobile (order above bob's, erin and grace at 0).
    let platform = api.list_id(user::ListIdRequest::new(4)).await.unwrap();
    assert_eq!(
        platform.userid_list,
        strings(&["bob", "oscar", "carol", "dave"])
    );
    let mobile = api.list_id(user::ListIdRequest::new(5)).await.unwrap();
    assert_eq!(mobile.userid_list, strings(&["oscar", "erin", "grace"]));
    let by_mobile = api
        .get_by_mobile_v2(user::GetByMobileV2Request::new("13900000042"))
        .await
        .unwrap();
    assert_eq!(by_mobile.userid.as_str(), "oscar");
    let by_unionid = api
        .get_by_unionid(user::GetByUnionidRequest::new(unionid))
        .await
        .unwrap();
    assert_eq!(by_unionid.userid, "oscar");

    // Without a userid DingTalk makes one up.
    let generated = api
        .create_v2(user::CreateV2Request::new("No Id", "13900000043", [6]))
        .await
        .unwrap();
    let generated_id = generated.userid;
    assert!(!generated_id.is_empty());
    assert!(
        fake.handle()
            .with_state(|s| s.org.users.contains_key(&generated_id))
    );
}

#[tokio::test]
async fn create_v2_refuses_duplicates_and_missing_departments() {
    let (fake, client) = demo().await;
    let api = client.contact().user();
    let before = fake.handle().with_state(|s| s.org.users.len());

    let duplicate_userid =
        user::CreateV2Request::new("Alice Two", "13900000100", [2]).userid("alice");
    assert_eq!(errcode(api.create_v2(duplicate_userid).await), 60102);
    let duplicate_mobile =
        user::CreateV2Request::new("Copy Cat", "13800000001", [2]).userid("copycat");
    assert_eq!(errcode(api.create_v2(duplicate_mobile).await), 60104);
    let missing_department =
        user::CreateV2Request::new("Lost", "13900000101", [2, 999]).userid("lost");
    assert_eq!(errcode(api.create_v2(missing_department).await), 60003);
    let legacy_duplicate = user::CreateRequest::new("Bob Again", "13900000102", [2]).userid("bob");
    assert_eq!(errcode(api.create(legacy_duplicate).await), 60102);
    let legacy_mobile = user::CreateRequest::new("Mobile Thief", "13800000002", [2]);
    assert_eq!(errcode(api.create(legacy_mobile).await), 60104);
    let legacy_missing = user::CreateRequest::new("Nowhere", "13900000103", [31337]);
    assert_eq!(errcode(api.create(legacy_missing).await), 60003);

    assert_eq!(
        fake.handle().with_state(|s| s.org.users.len()),
        before,
        "a refused create changes nothing"
    );
}

#[tokio::test]
async fn update_v2_changes_fields_departments_and_manager() {
    let (fake, client) = demo().await;
    let api = client.contact().user();

    api.update_v2(
        user::UpdateV2Request::new("carol")
            .name("Carol Wang-Li")
            .title("Staff Engineer")
            .dept_id_list([4, 6])
            .dept_order_list([user::UserDeptOrder::new(6).order(-5)])
            .manager_userid("bob")
            .extension([("team", "infra")]),
    )
    .await
    .unwrap();
    let carol = fake
        .handle()
        .with_state(|s| s.org.users.get("carol").cloned())
        .unwrap();
    assert_eq!(carol.name, "Carol Wang-Li");
    assert_eq!(carol.title.as_deref(), Some("Staff Engineer"));
    assert_eq!(carol.dept_ids, vec![4, 6]);
    assert_eq!(carol.dept_orders.get(&6), Some(&-5));
    assert_eq!(carol.manager_userid.as_deref(), Some("bob"));
    assert_eq!(carol.mobile.as_deref(), Some("13800000003"), "untouched");

    // Order -5 is below judy's and ken's seeded 0: carol lists last.
    let support = api.list_id(user::ListIdRequest::new(6)).await.unwrap();
    assert_eq!(support.userid_list, strings(&["judy", "ken", "carol"]));
    let read = api.get_v2(user::GetV2Request::new("carol")).await.unwrap();
    assert_eq!(read.title.as_deref(), Some("Staff Engineer"));
    assert_eq!(read.dept_id_list, vec![4, 6]);

    // Append mode keeps the existing attributes; the default mode replaces them.
    api.update_v2(
        user::UpdateV2Request::new("carol")
            .extension([("desk", "3F")])
            .ext_attrs_update_mode(1),
    )
    .await
    .unwrap();
    let read = api.get_v2(user::GetV2Request::new("carol")).await.unwrap();
    assert_eq!(
        read.extension,
        Some(serde_json::json!({"team": "infra", "desk": "3F"}))
    );

    // Clearing the manager needs force_update_fields.
    api.update_v2(user::UpdateV2Request::new("carol").force_update_fields(["manager_userid"]))
        .await
        .unwrap();
    let read = api.get_v2(user::GetV2Request::new("carol")).await.unwrap();
    assert_eq!(read.manager_userid, None);

    api.update_v2(user::UpdateV2Request::new("carol").mobile("13900000200"))
        .await
        .unwrap();
    let found = api
        .get_by_mobile_v2(user::GetByMobileV2Request::new("13900000200"))
        .await
        .unwrap();
    assert_eq!(found.userid.as_str(), "carol");

    assert_eq!(
        errcode(
            api.update_v2(user::UpdateV2Request::new("nobody").name("X"))
                .await
        ),
        60121
    );
    assert_eq!(
        errcode(
            api.update_v2(user::UpdateV2Request::new("carol").mobile("13800000001"))
                .await
        ),
        60104
    );
    assert_eq!(
        errcode(
            api.update_v2(user::UpdateV2Request::new("carol").dept_id_list([404]))
                .await
        ),
        60003
    );
    assert_eq!(
        fake.handle()
            .with_state(|s| s.org.users["carol"].dept_ids.clone()),
        vec![4, 6],
        "a refused update changes nothing"
    );
}

#[tokio::test]
async fn delete_v2_removes_the_user_and_links_to_them() {
    let (fake, client) = demo().await;
    let api = client.contact().user();

    api.delete_v2(user::DeleteV2Request::new("erin"))
        .await
        .unwrap();
    assert!(
        !fake
            .handle()
            .with_state(|s| s.org.users.contains_key("erin"))
    );
    assert_eq!(
        errcode(api.get_v2(user::GetV2Request::new("erin")).await),
        60121
    );
    assert_eq!(
        errcode(api.delete_v2(user::DeleteV2Request::new("erin")).await),
        60121
    );
    let mobile = api.list_id(user::ListIdRequest::new(5)).await.unwrap();
    assert_eq!(mobile.userid_list, strings(&["grace"]));
    let grace = api.get_v2(user::GetV2Request::new("grace")).await.unwrap();
    assert_eq!(grace.manager_userid, None, "erin's report lost her manager");
    let all = api.count(user::CountRequest::new(false)).await.unwrap();
    assert_eq!(all.count, 11);

    // Deleting a department manager removes them from the manager list.
    api.delete_v2(user::DeleteV2Request::new("alice"))
        .await
        .unwrap();
    let engineering = client
        .contact()
        .department()
        .get_v2(dept::GetV2Request::new(2))
        .await
        .unwrap();
    assert!(engineering.dept_manager_userid_list.is_empty());
}

#[tokio::test]
async fn legacy_create_update_delete_round_trip() {
    let (fake, client) = demo().await;
    let api = client.contact().user();

    let created = api
        .create(
            user::CreateRequest::new("Pat Legacy", "13900000300", [3, 6])
                .userid("pat")
                .position("Sales Rep")
                .jobnumber("L300")
                .tel("8300")
                .work_place("Shanghai")
                .manager_userid("frank")
                .order_in_depts([("3", 7), ("6", BOB_ORDER)])
                .extattr([("region", "east")])
                .hired_date(1_600_000_000_000),
        )
        .await
        .unwrap();
    assert_eq!(created.userid.as_str(), "pat");
    assert!(created.union_id.is_some());

    let pat = api.get(user::GetRequest::new("pat")).await.unwrap();
    assert_eq!(pat.name.as_deref(), Some("Pat Legacy"));
    assert_eq!(pat.position.as_deref(), Some("Sales Rep"));
    assert_eq!(pat.jobnumber.as_deref(), Some("L300"));
    assert_eq!(pat.tel.as_deref(), Some("8300"));
    assert_eq!(pat.work_place.as_deref(), Some("Shanghai"));
    assert_eq!(pat.manager_userid.as_deref(), Some("frank"));
    assert_eq!(pat.hired_date, Some(1_600_000_000_000));
    assert_eq!(pat.department, vec![3, 6]);
    assert_eq!(
        pat.order_in_depts.as_deref(),
        Some("{3:7,6:176318668975061512}")
    );
    assert_eq!(pat.extattr, Some(serde_json::json!({"region": "east"})));
    assert_eq!(pat.active, Some(false));

    api.update(
        user::UpdateRequest::new("pat")
            .name("Pat Updated")
            .department([6])
            .position("Support Lead")
            .order_in_depts([("6", 1)]),
    )
    .await
    .unwrap();
    let stored = fake
        .handle()
        .with_state(|s| s.org.users.get("pat").cloned())
        .unwrap();
    assert_eq!(stored.name, "Pat Updated");
    assert_eq!(stored.title.as_deref(), Some("Support Lead"));
    assert_eq!(stored.dept_ids, vec![6]);
    assert_eq!(stored.dept_orders.get(&6), Some(&1));
    assert_eq!(stored.dept_orders.get(&3), None);
    let sales = api.list_id(user::ListIdRequest::new(3)).await.unwrap();
    assert!(!sales.userid_list.contains(&"pat".to_string()));
    let support = api.list_id(user::ListIdRequest::new(6)).await.unwrap();
    assert_eq!(support.userid_list, strings(&["pat", "judy", "ken"]));

    assert_eq!(
        errcode(
            api.update(user::UpdateRequest::new("nobody").name("X"))
                .await
        ),
        60121
    );
    assert_eq!(
        errcode(
            api.update(user::UpdateRequest::new("pat").department([1234]))
                .await
        ),
        60003
    );

    api.delete(user::DeleteRequest::new("pat")).await.unwrap();
    assert!(
        !fake
            .handle()
            .with_state(|s| s.org.users.contains_key("pat"))
    );
    assert_eq!(errcode(api.get(user::GetRequest::new("pat")).await), 60121);
    assert_eq!(
        errcode(api.delete(user::DeleteRequest::new("pat")).await),
        60121
    );
}

// ----------------------------------------------------------------------------- pagination

#[tokio::test]
async fn legacy_list_by_page_keeps_64_bit_orders_and_leaders() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let page = api
        .list_by_page(user::ListByPageRequest::new(2).size(10))
        .await
        .unwrap();
    assert!(!page.has_more);
    // Seeded users without an order get 0 (alice), so bob's larger order lists him first.
    let members: Vec<(String, Option<i64>, Option<bool>)> = page
        .userlist
        .iter()
        .map(|u| (u.userid.clone(), u.order, u.is_leader))
        .collect();
    assert_eq!(
        members,
        vec![
            ("bob".to_string(), Some(BOB_ORDER), Some(false)),
            ("alice".to_string(), Some(0), Some(true)),
        ]
    );
    let bob = &page.userlist[0];
    assert_eq!(bob.name.as_deref(), Some("Bob Li"));
    assert_eq!(bob.unionid.as_deref(), Some("unionbob"));
    assert_eq!(bob.mobile.as_deref(), Some("13800000002"));
    assert_eq!(bob.position.as_deref(), Some("Engineer"));
    assert_eq!(bob.department, vec![2, 4]);
    assert_eq!(bob.active, Some(true));

    let first = api
        .list_by_page(user::ListByPageRequest::new(2).size(1))
        .await
        .unwrap();
    assert!(first.has_more);
    assert_eq!(first.userlist.len(), 1);

    assert_eq!(
        errcode(
            api.list_by_page(user::ListByPageRequest::new(2).size(101))
                .await
        ),
        40069
    );
    assert_eq!(
        errcode(
            api.list_by_page(user::ListByPageRequest::new(2).offset(-1).size(10))
                .await
        ),
        40068
    );
    assert_eq!(
        errcode(
            api.list_by_page(user::ListByPageRequest::new(999).size(10))
                .await
        ),
        60003
    );
}

#[tokio::test]
async fn list_v2_reports_the_order_in_the_listed_department() {
    let (_fake, client) = demo().await;
    let api = client.contact().user();

    let platform = api.list_v2(user::ListV2Request::new(4)).await.unwrap();
    assert!(!platform.has_more);
    assert_eq!(platform.next_cursor, None);
    let rows: Vec<(String, Option<i64>)> = platform
        .list
        .iter()
        .map(|u| (u.userid.clone(), u.dept_order))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("bob".to_string(), Some(BOB_ORDER)),
            ("carol".to_string(), Some(0)),
            ("dave".to_string(), Some(0)),
        ]
    );
    let bob = &platform.list[0];
    assert_eq!(bob.name.as_deref(), Some("Bob Li"));
    assert_eq!(bob.title.as_deref(), Some("Engineer"));
    assert_eq!(bob.dept_id_list, vec![2, 4]);
    assert_eq!(bob.leader, Some(false));
    assert_eq!(bob.admin, Some(false));

    let mobile = api.list_v2(user::ListV2Request::new(5)).await.unwrap();
    let erin = &mobile.list[0];
    assert_eq!(erin.userid, "erin");
    assert_eq!(erin.leader, Some(true));

    assert_eq!(
        errcode(api.list_v2(user::ListV2Request::new(99).size(10)).await),
        60003
    );
    assert_eq!(
        errcode(api.list_v2(user::ListV2Request::new(4).size(0)).await),
        40069
    );
    assert_eq!(
        errcode(api.list_v2(user::ListV2Request::new(4).size(101)).await),
        40069
    );
    assert_eq!(
        errcode(
            api.list_simple(user::ListSimpleRequest::new(4).cursor(-3).size(10))
                .await
        ),
        40068
    );
}

#[tokio::test]
async fn an_empty_department_answers_empty_pages() {
    let (_fake, client) = start(paging_org()).await;
    let api = client.contact().user();

    let simple = api
        .list_simple(user::ListSimpleRequest::new(10).size(10))
        .await
        .unwrap();
    assert!(!simple.has_more);
    assert_eq!(simple.next_cursor, None);
    assert!(simple.list.is_empty());
    let full = api
        .list_v2(user::ListV2Request::new(10).size(10))
        .await
        .unwrap();
    assert!(!full.has_more);
    assert!(full.list.is_empty());
    let legacy = api
        .list_by_page(user::ListByPageRequest::new(10).size(10))
        .await
        .unwrap();
    assert!(!legacy.has_more);
    assert!(legacy.userlist.is_empty());
    let unpaged = api
        .simple_list(user::SimpleListRequest::new(10))
        .await
        .unwrap();
    assert!(unpaged.userlist.is_empty());
    let ids = api.list_id(user::ListIdRequest::new(10)).await.unwrap();
    assert!(ids.userid_list.is_empty());

    let all = client
        .collect_all(user::ListV2Request::new(10).size(5))
        .await
        .unwrap();
    assert!(all.is_empty());
    // A cursor past the end is an empty last page, not an error.
    let past = api
        .list_simple(user::ListSimpleRequest::new(20).cursor(500).size(10))
        .await
        .unwrap();
    assert!(!past.has_more);
    assert!(past.list.is_empty());
}

#[tokio::test]
async fn cursor_pages_at_their_edges() {
    let (_fake, client) = start(paging_org()).await;
    let api = client.contact().user();
    let expected = crowd_order();
    assert_eq!(expected.len(), 25);

    // Exactly one page.
    let one = api
        .list_simple(user::ListSimpleRequest::new(20).size(25))
        .await
        .unwrap();
    assert!(!one.has_more);
    assert_eq!(one.next_cursor, None);
    assert_eq!(simple_ids(&one.list), expected);

    // Size 1: the cursor is the offset of the next member.
    let first = api
        .list_simple(user::ListSimpleRequest::new(20).size(1))
        .await
        .unwrap();
    assert!(first.has_more);
    assert_eq!(first.next_cursor, Some(1));
    assert_eq!(simple_ids(&first.list), vec!["u03".to_string()]);
    let second = api
        .list_simple(user::ListSimpleRequest::new(20).cursor(1).size(1))
        .await
        .unwrap();
    assert_eq!(second.next_cursor, Some(2));
    assert_eq!(simple_ids(&second.list), vec![expected[1].clone()]);
    let last = api
        .list_simple(user::ListSimpleRequest::new(20).cursor(24).size(1))
        .await
        .unwrap();
    assert!(!last.has_more);
    assert_eq!(last.next_cursor, None);
    assert_eq!(simple_ids(&last.list), vec!["u23".to_string()]);

    // Many pages, walked by the SDK.
    for size in [1, 4, 7, 24, 25, 100] {
        let all = client
            .collect_all(user::ListSimpleRequest::new(20).size(size))
            .await
            .unwrap();
        assert_eq!(simple_ids(&all), expected, "list_simple, size {size}");
        let all = client
            .collect_all(user::ListV2Request::new(20).size(size))
            .await
            .unwrap();
        let userids: Vec<String> = all.iter().map(|u| u.userid.clone()).collect();
        assert_eq!(userids, expected, "list_v2, size {size}");
    }
    let all = client
        .collect_all(user::ListV2Request::new(20).size(6))
        .await
        .unwrap();
    let u03 = all.first().unwrap();
    assert_eq!(u03.userid, "u03");
    assert_eq!(u03.dept_order, Some(9_007_199_254_740_993));
    let u23 = all.last().unwrap();
    assert_eq!(u23.userid, "u23");
    assert_eq!(u23.dept_order, Some(50));
}

#[tokio::test]
async fn offset_pages_at_their_edges() {
    let (_fake, client) = start(paging_org()).await;
    let api = client.contact().user();
    let expected = crowd_order();

    // simplelist pages only when both offset and size are set; hasMore only then.
    let unpaged = api
        .simple_list(user::SimpleListRequest::new(20))
        .await
        .unwrap();
    assert_eq!(unpaged.has_more, None);
    assert_eq!(simple_ids(&unpaged.userlist), expected);
    let only_size = api
        .simple_list(user::SimpleListRequest::new(20).size(3))
        .await
        .unwrap();
    assert_eq!(only_size.userlist.len(), 25);

    let page = api
        .simple_list(user::SimpleListRequest::new(20).offset(5).size(5))
        .await
        .unwrap();
    assert_eq!(page.has_more, Some(true));
    assert_eq!(simple_ids(&page.userlist), expected[5..10].to_vec());
    let tail = api
        .simple_list(user::SimpleListRequest::new(20).offset(20).size(5))
        .await
        .unwrap();
    assert_eq!(tail.has_more, Some(false), "exactly the last page");
    assert_eq!(simple_ids(&tail.userlist), expected[20..].to_vec());
    assert_eq!(
        errcode(
            api.simple_list(user::SimpleListRequest::new(20).offset(0).size(101))
                .await
        ),
        40069
    );
    assert_eq!(
        errcode(api.simple_list(user::SimpleListRequest::new(404)).await),
        60003
    );

    for size in [1, 7, 25, 100] {
        let all = client
            .collect_all(user::SimpleListRequest::new(20).offset(0).size(size))
            .await
            .unwrap();
        assert_eq!(simple_ids(&all), expected, "simple_list, size {size}");
        let all = client
            .collect_all(user::ListByPageRequest::new(20).size(size))
            .await
            .unwrap();
        let userids: Vec<String> = all.iter().map(|u| u.userid.clone()).collect();
        assert_eq!(userids, expected, "list_by_page, size {size}");
    }
}

#[tokio::test]
async fn member_order_options_sort_by_creation() {
    let (_fake, client) = start(paging_org()).await;
    let api = client.contact().user();
    let by_creation: Vec<String> = (0..25).map(|i| format!("u{i:02}")).collect();

    let ascending = client
        .collect_all(
            user::ListSimpleRequest::new(20)
                .size(10)
                .order_field("entry_asc"),
        )
        .await
        .unwrap();
    assert_eq!(simple_ids(&ascending), by_creation);
    let descending = api
        .simple_list(user::SimpleListRequest::new(20).order("entry_desc"))
        .await
        .unwrap();
    let mut reversed = by_creation.clone();
    reversed.reverse();
    assert_eq!(simple_ids(&descending.userlist), reversed);
    let custom = api
        .list_simple(user::ListSimpleRequest::new(20).order_field("custom"))
        .await
        .unwrap();
    assert_eq!(simple_ids(&custom.list), crowd_order());
}

#[tokio::test]
async fn list_inactive_pages_through_users_who_never_activated() {
    let (fake, client) = demo().await;
    let api = client.contact().user();

    let inactive = api
        .list_inactive(user::ListInactiveRequest::new(false, "20240601"))
        .await
        .unwrap();
    assert!(!inactive.has_more);
    assert_eq!(inactive.list, strings(&["ken"]));

    let active = client
        .collect_all(user::ListInactiveRequest::new(true, "20240601").size(3))
        .await
        .unwrap();
    assert_eq!(active.len(), 11);
    assert!(!active.contains(&"ken".to_string()));
    let first = api
        .list_inactive(user::ListInactiveRequest::new(true, "20240601").size(3))
        .await
        .unwrap();
    assert!(first.has_more);
    assert_eq!(first.next_cursor, Some(3));
    assert_eq!(first.list, active[..3].to_vec());

    // Sales (3) includes Support (6) below it.
    let sales = api
        .list_inactive(
            user::ListInactiveRequest::new(false, "20240601")
                .size(10)
                .dept_ids([3]),
        )
        .await
        .unwrap();
    assert_eq!(sales.list, strings(&["ken"]));
    let engineering = api
        .list_inactive(
            user::ListInactiveRequest::new(false, "20240601")
                .size(10)
                .dept_ids([2]),
        )
        .await
        .unwrap();
    assert!(engineering.list.is_empty());

    fake.handle().with_state(|s| {
        s.org.users.get_mut("grace").unwrap().active = false;
    });
    let inactive = client
        .collect_all(user::ListInactiveRequest::new(false, "20240601").size(1))
        .await
        .unwrap();
    assert_eq!(inactive, strings(&["grace", "ken"]));

    assert_eq!(
        errcode(
            api.list_inactive(user::ListInactiveRequest::new(false, "20240601").size(101))
                .await
        ),
        40069
    );
    assert_eq!(
        errcode(
            api.list_inactive(user::ListInactiveRequest::new(false, "June 1st").size(10))
                .await
        ),
        400002
    );
    assert_eq!(
        errcode(
            api.list_inactive(
                user::ListInactiveRequest::new(false, "20240601")
                    .size(10)
                    .dept_ids([999])
            )
            .await
        ),
        60003
    );
}

#[tokio::test]
async fn every_contact_endpoint_answers_from_state() {
    let (fake, _client) = demo().await;
    let stateful = fake.handle().stateful_endpoints();
    let contact: Vec<(String, String, String)> = fake
        .handle()
        .routes()
        .into_iter()
        .filter(|(name, ..)| {
            name.starts_with("contact.department.") || name.starts_with("contact.user.")
        })
        .collect();
    // Added after the fake's contact state was written: served from their documented
    // examples until they get state logic.
    let from_examples = [
        "contact.department.list_ids",
        "contact.department.list_parent_depts_by_dept",
        "contact.department.list_parent_depts",
        "contact.department.create",
        "contact.department.update",
        "contact.department.delete",
        "contact.department.create_v2",
        "contact.department.update_v2",
        "contact.department.delete_v2",
        "contact.department.list_parent_by_dept_v2",
        "contact.department.list_parent_by_user_v2",
        "contact.user.list_admin",
        "contact.user.list_inactive_legacy",
    ];
    let core: Vec<_> = contact
        .iter()
        .filter(|(name, ..)| !from_examples.contains(&name.as_str()))
        .collect();
    assert_eq!(core.len(), 28);
    for (name, ..) in core {
        assert!(stateful.contains(name), "{name} answers its example");
    }
    for name in from_examples {
        assert!(
            !stateful.contains(&name.to_string()),
            "{name} has state logic now: move it"
        );
    }
}
