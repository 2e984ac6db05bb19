//! The organisation a fake serves: the built-in demo company, seed files, and clear errors
//! for broken seeds.

mod common;

use std::collections::BTreeSet;

use common::fixture;
use dingtalk_fake::{FakeDingTalk, Org};

fn ids(departments: &[&dingtalk_fake::org::Department]) -> Vec<i64> {
    departments.iter().map(|d| d.id).collect()
}

fn userids(users: &[&dingtalk_fake::org::User]) -> BTreeSet<String> {
    users.iter().map(|u| u.userid.clone()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------
// The demo company
// ---------------------------------------------------------------------------------------

#[test]
fn the_demo_org_has_the_documented_departments() {
    let org = Org::demo();
    assert_eq!(org.corp_name, "Demo Co");
    let tree: Vec<(i64, &str, Option<i64>)> = org
        .departments
        .values()
        .map(|d| (d.id, d.name.as_str(), d.parent_id))
        .collect();
    assert_eq!(
        tree,
        vec![
            (1, "Demo Co", None),
            (2, "Engineering", Some(1)),
            (3, "Sales", Some(1)),
            (4, "Platform", Some(2)),
            (5, "Mobile", Some(2)),
            (6, "Support", Some(3)),
        ]
    );
    // Three levels.
    assert_eq!(ids(&org.children(1)), vec![2, 3]);
    assert_eq!(ids(&org.children(2)), vec![4, 5]);
    assert_eq!(ids(&org.children(3)), vec![6]);
    assert!(org.children(4).is_empty());
    assert_eq!(org.descendants(1).len(), 5);
    assert_eq!(org.path_to_root(4), vec![4, 2, 1]);
    assert_eq!(org.departments[&1].manager_userids, vec!["manager4220"]);
    assert_eq!(org.departments[&2].manager_userids, vec!["alice"]);
}

#[test]
fn the_demo_org_has_the_documented_users() {
    let org = Org::demo();
    assert_eq!(org.users.len(), 12);
    assert_eq!(
        org.users.keys().cloned().collect::<BTreeSet<_>>(),
        set(&[
            "manager4220",
            "alice",
            "bob",
            "carol",
            "dave",
            "erin",
            "grace",
            "frank",
            "heidi",
            "ivan",
            "judy",
            "ken"
        ])
    );
    let boss = &org.users["manager4220"];
    assert_eq!(boss.name, "Zhang Wei");
    assert!(boss.boss && boss.admin && boss.active);
    assert_eq!(boss.dept_ids, vec![1]);

    let bob = &org.users["bob"];
    assert_eq!(bob.dept_ids, vec![2, 4]);
    assert_eq!(bob.manager_userid.as_deref(), Some("alice"));
    // An order beyond 2^53 survives exactly.
    assert_eq!(bob.dept_orders[&4], 176318668975061512);

    assert!(!org.users["ken"].active);
    assert!(org.users["erin"].leader_in.contains(&5));
    assert_eq!(
        org.user_by_mobile("13800000003").map(|u| u.userid.as_str()),
        Some("carol")
    );
    assert_eq!(
        org.user_by_unionid(&org.users["alice"].unionid)
            .map(|u| u.userid.as_str()),
        Some("alice")
    );
    // Unique mobiles and unionids, every user in existing departments, every manager exists.
    let mobiles: BTreeSet<_> = org
        .users
        .values()
        .filter_map(|u| u.mobile.clone())
        .collect();
    assert_eq!(mobiles.len(), 12);
    let unionids: BTreeSet<_> = org.users.values().map(|u| u.unionid.clone()).collect();
    assert_eq!(unionids.len(), 12);
    for user in org.users.values() {
        assert!(!user.dept_ids.is_empty(), "{}", user.userid);
        for dept in &user.dept_ids {
            assert!(org.departments.contains_key(dept), "{}", user.userid);
        }
        if let Some(manager) = &user.manager_userid {
            assert!(org.users.contains_key(manager), "{}", user.userid);
        }
    }
    assert_eq!(userids(&org.members(4)), set(&["bob", "carol", "dave"]));
    assert_eq!(userids(&org.members(6)), set(&["judy", "ken"]));
}

#[test]
fn the_demo_seed_is_valid_seed_text() {
    let parsed = Org::from_seed_text("demo-org.yaml", dingtalk_fake::org::DEMO_SEED).unwrap();
    assert_eq!(parsed, Org::demo());
}

#[tokio::test]
async fn a_fake_serves_the_demo_org_by_default() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let org = fake.handle().with_state(|s| s.org.clone());
    assert_eq!(org, Org::demo());
}

// ---------------------------------------------------------------------------------------
// Seed files
// ---------------------------------------------------------------------------------------

fn check_fixture_org(org: &Org) {
    assert_eq!(org.corp_name, "Acme Robotics");
    assert_eq!(
        org.departments.keys().copied().collect::<Vec<_>>(),
        vec![1, 10, 11, 12, 20, 21]
    );
    assert_eq!(org.departments[&1].name, "Acme Robotics");
    assert_eq!(ids(&org.children(1)), vec![10, 20]);
    assert_eq!(ids(&org.children(10)), vec![11, 12]);
    assert_eq!(ids(&org.children(20)), vec![21]);
    assert_eq!(org.path_to_root(21), vec![21, 20, 1]);
    assert_eq!(org.departments[&10].manager_userids, vec!["rhea"]);
    assert_eq!(org.users.len(), 5);
    assert_eq!(org.users["quinn"].dept_ids, vec![11, 12]);
    assert_eq!(org.users["quinn"].manager_userid.as_deref(), Some("rhea"));
    assert!(!org.users["olaf"].active);
    assert_eq!(
        org.users["olaf"].email.as_deref(),
        Some("olaf@acme.example")
    );
    assert!(org.users["ceo"].boss);
    assert_eq!(userids(&org.members(11)), set(&["pia", "quinn"]));
    assert_eq!(userids(&org.members(12)), set(&["quinn"]));
}

#[test]
fn a_seed_file_loads_a_three_level_tree() {
    let org = Org::from_seed_file(&fixture("org.yaml")).unwrap();
    check_fixture_org(&org);
}

#[test]
fn a_json_seed_is_accepted_too() {
    let json = r#"{
        "corp_name": "Json Co",
        "departments": [{"id": 1, "name": "Json Co"}, {"id": 7, "name": "Ops", "parent": 1}],
        "users": [{"userid": "jo", "name": "Jo", "departments": [7], "mobile": "13600000000"}]
    }"#;
    let org = Org::from_seed_text("org.json", json).unwrap();
    assert_eq!(org.corp_name, "Json Co");
    assert_eq!(ids(&org.children(1)), vec![7]);
    assert_eq!(org.users["jo"].dept_ids, vec![7]);
}

#[tokio::test]
async fn a_seeded_fake_serves_its_org_through_the_sdk() {
    let org = Org::from_seed_file(&fixture("org.yaml")).unwrap();
    let fake = FakeDingTalk::new().org(org).start().await.unwrap();
    let handle = fake.handle();
    handle.with_state(|s| check_fixture_org(&s.org));

    let client = dingtalk_api::Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    use dingtalk_api::contact::department::{GetV2Request, ListSubIdsV2Request};
    use dingtalk_api::contact::user::{GetV2Request as UserGetV2Request, ListIdRequest};

    let stateful: BTreeSet<String> = handle.stateful_endpoints().into_iter().collect();
    let departments = client.contact().department();
    let users = client.contact().user();

    // Whatever the handlers do, the SDK's calls go through and are counted.
    let top = departments
        .list_sub_ids_v2(ListSubIdsV2Request::new(1))
        .await
        .unwrap();
    assert_eq!(handle.calls_to("contact.department.list_sub_ids_v2"), 1);
    if stateful.contains("contact.department.list_sub_ids_v2") {
        let mut top = top.dept_id_list;
        top.sort_unstable();
        assert_eq!(top, vec![10, 20]);
        let mut research = departments
            .list_sub_ids_v2(ListSubIdsV2Request::new(10))
            .await
            .unwrap()
            .dept_id_list;
        research.sort_unstable();
        assert_eq!(research, vec![11, 12]);
        let leaf = departments
            .list_sub_ids_v2(ListSubIdsV2Request::new(21))
            .await
            .unwrap();
        assert!(leaf.dept_id_list.is_empty());
    } else {
        eprintln!("contact.department.list_sub_ids_v2 has no state logic yet: answers its example");
    }
    if stateful.contains("contact.department.get_v2") {
        let planning = departments.get_v2(GetV2Request::new(12)).await.unwrap();
        assert_eq!(planning.name.as_deref(), Some("Planning"));
        assert_eq!(planning.parent_id, Some(10));
    }
    if stateful.contains("contact.user.list_id") {
        let mut perception = users
            .list_id(ListIdRequest::new(11))
            .await
            .unwrap()
            .userid_list;
        perception.sort();
        assert_eq!(perception, vec!["pia", "quinn"]);
    }
    if stateful.contains("contact.user.get_v2") {
        let quinn = users.get_v2(UserGetV2Request::new("quinn")).await.unwrap();
        assert_eq!(quinn.name.as_str(), "Quinn Path");
        // A user of the demo org is not in this one.
        let err = users
            .get_v2(UserGetV2Request::new("alice"))
            .await
            .unwrap_err();
        assert!(err.code().is_some(), "{err}");
    }
}

// ---------------------------------------------------------------------------------------
// Broken seeds
// ---------------------------------------------------------------------------------------

/// Loads a broken fixture and returns its error, checking that it names the file.
fn seed_error(name: &str) -> String {
    let path = fixture(name);
    let err = Org::from_seed_file(&path).expect_err(&format!("{name} should be rejected"));
    assert!(
        err.contains(&path.display().to_string()),
        "the error should name the file {}: {err}",
        path.display()
    );
    err
}

fn assert_mentions(err: &str, parts: &[&str]) {
    for part in parts {
        assert!(err.contains(part), "expected `{part}` in: {err}");
    }
}

#[test]
fn a_yaml_syntax_error_names_file_line_and_column() {
    let err = seed_error("bad-syntax.yaml");
    // `name: Sales: East` on line 6: a second `:` where a plain value was expected.
    let location = format!("{}:6:", fixture("bad-syntax.yaml").display());
    let after = err
        .split_once(&location)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no `{location}<col>` in {err}"));
    let col: usize = after
        .split(':')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no column after `{location}` in {err}"));
    assert!(col > 4, "column {col} in {err}");
    assert_mentions(&err, &["YAML syntax error"]);
}

#[test]
fn an_unknown_key_is_named_with_where_it_is() {
    let err = seed_error("bad-unknown-key.yaml");
    assert_mentions(&err, &["parnet", "departments[1]", "parent"]);
}

#[test]
fn a_user_in_a_missing_department_is_rejected() {
    let err = seed_error("bad-missing-department.yaml");
    assert_mentions(&err, &["ben", "99", "does not exist"]);
}

#[test]
fn a_duplicate_userid_is_rejected() {
    let err = seed_error("bad-duplicate-userid.yaml");
    assert_mentions(&err, &["sam", "duplicate userid", "users[1]"]);
}

#[test]
fn a_parent_defined_after_its_child_is_rejected() {
    let err = seed_error("bad-parent-after-child.yaml");
    assert_mentions(&err, &["31", "30", "before"]);
}

#[test]
fn a_duplicate_mobile_is_rejected() {
    let err = seed_error("bad-duplicate-mobile.yaml");
    assert_mentions(&err, &["lee", "13700000001"]);
}

#[test]
fn a_missing_seed_file_is_reported_with_its_path() {
    let path = fixture("no-such-seed.yaml");
    let err = Org::from_seed_file(&path).unwrap_err();
    assert_mentions(&err, &[&path.display().to_string(), "cannot read"]);
}

#[test]
fn other_seed_mistakes_are_rejected_with_clear_messages() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "a manager who does not exist",
            "departments: [{id: 1, name: R}]\nusers: [{userid: a, name: A, departments: [1], manager: ghost}]",
            &["ghost", "does not exist"],
        ),
        (
            "a duplicate department id",
            "departments: [{id: 1, name: R}, {id: 2, name: X}, {id: 2, name: Y}]",
            &["departments[2]", "duplicate department id"],
        ),
        (
            "a root with a parent",
            "departments: [{id: 1, name: R, parent: 5}]",
            &["root"],
        ),
        (
            "a negative department id",
            "departments: [{id: 1, name: R}, {id: -3, name: X}]",
            &["-3", "positive"],
        ),
        (
            "a user without departments",
            "departments: [{id: 1, name: R}]\nusers: [{userid: a, name: A, departments: []}]",
            &["users[0]", "at least one department"],
        ),
        (
            "leader of a missing department",
            "departments: [{id: 1, name: R}]\nusers: [{userid: a, name: A, departments: [1], leader_in: [8]}]",
            &["users[0]", "8", "does not exist"],
        ),
        (
            "a missing required key",
            "departments: [{id: 1}]",
            &["departments[0]", "name"],
        ),
        (
            "a value of the wrong type",
            "departments: [{id: one, name: R}]",
            &["departments[0].id"],
        ),
        ("no departments at all", "corp_name: X", &["departments"]),
        ("an empty file", "# nothing here\n", &["empty"]),
    ];
    for (what, text, parts) in cases {
        let err = Org::from_seed_text("inline-seed.yaml", text)
            .expect_err(&format!("{what} should be rejected"));
        assert!(err.contains("inline-seed.yaml"), "{what}: {err}");
        for part in *parts {
            assert!(err.contains(part), "{what}: expected `{part}` in: {err}");
        }
    }
}

// Known gaps in the seed checks (see the report that came with these tests): run with
// `cargo test -p dingtalk-fake --test seeds -- --ignored` once they are fixed.

#[test]
fn a_duplicate_unionid_is_rejected() {
    let text = "departments: [{id: 1, name: R}]\nusers:\n  - {userid: a, name: A, departments: [1]}\n  - {userid: b, name: B, departments: [1], unionid: uniona}\n";
    let err = Org::from_seed_text("inline-seed.yaml", text)
        .expect_err("two users with unionid `uniona` should be rejected");
    assert_mentions(&err, &["inline-seed.yaml", "users[1]", "uniona"]);
}

#[test]
fn a_department_manager_who_does_not_exist_is_rejected() {
    let text = "departments: [{id: 1, name: R, managers: [ghost]}]\nusers: [{userid: a, name: A, departments: [1]}]\n";
    let err = Org::from_seed_text("inline-seed.yaml", text)
        .expect_err("a manager `ghost` who is not a user should be rejected");
    assert_mentions(&err, &["inline-seed.yaml", "ghost"]);
}
