mod support;

// The `contact` area (`contact/department.yaml`, `contact/user.yaml`) over real HTTP: every
// endpoint is called through its generated accessor against a wiremock DingTalk that answers
// with the documented example, and both what went over the wire and what was decoded are
// checked against the spec. The writes of `contact/ext_contact.yaml` are checked the same way
// at the end.

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Sorted `(name, value)` pairs, as [`support::single_query`] returns them.
fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    out.sort();
    out
}

/// Expects one call of `http_method endpoint_path` carrying the token, answered with `body`
/// verbatim (hand-written answers that differ from the documented example).
async fn expect_body(server: &MockServer, http_method: &str, endpoint_path: &str, body: &str) {
    Mock::given(method(http_method))
        .and(path(endpoint_path))
        .and(query_param("access_token", support::TOKEN))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(body.to_string()),
        )
        .expect(1)
        .mount(server)
        .await;
}

/// The tests below cover exactly the endpoints of the two spec files, at these paths.
#[test]
fn every_core_contact_endpoint_has_a_wire_test_here() {
    let mut found: Vec<(String, String, String, String)> = support::all_endpoints()
        .into_iter()
        .filter(|(module, ..)| module == "contact/department" || module == "contact/user")
        .collect();
    found.sort();
    let mut expected: Vec<(String, String, String, String)> = [
        ("contact/department", "get", "GET", "/department/get"),
        (
            "contact/department",
            "get_v2",
            "POST",
            "/topapi/v2/department/get",
        ),
        ("contact/department", "list", "GET", "/department/list"),
        (
            "contact/department",
            "list_sub_ids_v2",
            "POST",
            "/topapi/v2/department/listsubid",
        ),
        (
            "contact/department",
            "list_sub_v2",
            "POST",
            "/topapi/v2/department/listsub",
        ),
        ("contact/user", "count", "POST", "/topapi/user/count"),
        ("contact/user", "create", "POST", "/user/create"),
        (
            "contact/user",
            "create_v2",
            "POST",
            "/topapi/v2/user/create",
        ),
        ("contact/user", "delete", "GET", "/user/delete"),
        (
            "contact/user",
            "delete_v2",
            "POST",
            "/topapi/v2/user/delete",
        ),
        ("contact/user", "get", "GET", "/user/get"),
        ("contact/user", "get_admin", "GET", "/user/get_admin"),
        (
            "contact/user",
            "get_admin_scope",
            "POST",
            "/topapi/user/get_admin_scope",
        ),
        (
            "contact/user",
            "get_by_mobile",
            "GET",
            "/user/get_by_mobile",
        ),
        (
            "contact/user",
            "get_by_mobile_v2",
            "POST",
            "/topapi/v2/user/getbymobile",
        ),
        (
            "contact/user",
            "get_by_unionid",
            "POST",
            "/topapi/user/getbyunionid",
        ),
        (
            "contact/user",
            "get_dept_member",
            "GET",
            "/user/getDeptMember",
        ),
        (
            "contact/user",
            "get_org_user_count",
            "GET",
            "/user/get_org_user_count",
        ),
        (
            "contact/user",
            "get_userid_by_unionid",
            "GET",
            "/user/getUseridByUnionid",
        ),
        ("contact/user", "get_v2", "POST", "/topapi/v2/user/get"),
        ("contact/user", "list_by_page", "GET", "/user/listbypage"),
        ("contact/user", "list_id", "POST", "/topapi/user/listid"),
        (
            "contact/user",
            "list_inactive",
            "POST",
            "/topapi/inactive/user/v2/get",
        ),
        (
            "contact/user",
            "list_simple",
            "POST",
            "/topapi/user/listsimple",
        ),
        ("contact/user", "list_v2", "POST", "/topapi/v2/user/list"),
        ("contact/user", "simple_list", "GET", "/user/simplelist"),
        ("contact/user", "update", "POST", "/user/update"),
        (
            "contact/user",
            "update_v2",
            "POST",
            "/topapi/v2/user/update",
        ),
    ]
    .iter()
    .map(|(m, n, v, p)| (m.to_string(), n.to_string(), v.to_string(), p.to_string()))
    .collect();
    expected.sort();
    // The core endpoints below each have a wire test in this file; endpoints added later
    // (parents, department writes, admins list) are decoded from their examples in
    // hostile.rs and served by the fake.
    let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).collect();
    assert!(
        missing.is_empty(),
        "core endpoints missing from the spec: {missing:?}"
    );
}

mod department {
    use super::*;
    use dingtalk_api::contact::department::{
        GetRequest, GetV2Request, ListRequest, ListSubIdsV2Request, ListSubV2Request,
    };
    use dingtalk_api::contact::user::Language;

    const MODULE: &str = "contact/department";

    #[tokio::test]
    async fn list() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/department/list", MODULE, "list").await;

        let answer = h
            .client
            .contact()
            .department()
            .list(
                ListRequest::new()
                    .id(1)
                    .fetch_child(true)
                    .lang(Language::ZhCn),
            )
            .await
            .expect("department list succeeds");

        assert_eq!(
            support::single_query(&h.server, "/department/list").await,
            pairs(&[("fetch_child", "true"), ("id", "1"), ("lang", "zh_CN")])
        );

        let ids: Vec<i64> = answer.department.iter().map(|d| d.id).collect();
        assert_eq!(
            ids,
            vec![
                420727358, 379661095, 399388496, 400887483, 404279847, 411048776
            ]
        );
        let first = &answer.department[0];
        assert_eq!(first.name.as_deref(), Some("财务部"));
        assert_eq!(first.parentid, Some(1));
        assert_eq!(first.create_dept_group, Some(false));
        assert_eq!(first.auto_add_user, Some(false));
        assert_eq!(first.source_identifier.as_deref(), Some("111"));
        assert_eq!(first.ext, None);
        assert_eq!(first.is_from_union_org, None);
        let second = &answer.department[1];
        assert_eq!(second.name.as_deref(), Some("市场部"));
        assert_eq!(second.parentid, Some(1));
        assert_eq!(second.create_dept_group, Some(true));
        assert_eq!(second.auto_add_user, Some(true));
        assert_eq!(second.source_identifier, None);
        let last = &answer.department[5];
        assert_eq!(last.name.as_deref(), Some("研发"));
        assert_eq!(last.create_dept_group, Some(false));
    }

    #[tokio::test]
    async fn get() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/department/get", MODULE, "get").await;

        let answer = h
            .client
            .contact()
            .department()
            .get(GetRequest::new(420606536).lang(Language::EnUs))
            .await
            .expect("department get succeeds");

        assert_eq!(
            support::single_query(&h.server, "/department/get").await,
            pairs(&[("id", "420606536"), ("lang", "en_US")])
        );

        assert_eq!(answer.id, 420606536);
        assert_eq!(answer.name.as_deref(), Some("销售一部"));
        assert_eq!(answer.order, Some(2353453));
        assert_eq!(answer.parentid, Some(1));
        assert_eq!(answer.source_identifier.as_deref(), Some("2353453"));
        assert_eq!(answer.create_dept_group, Some(true));
        assert_eq!(answer.auto_add_user, Some(true));
        assert_eq!(answer.auto_approve_apply, None);
        assert_eq!(answer.group_contain_sub_dept, Some(false));
        assert_eq!(answer.org_dept_owner.as_deref(), Some("manager4220"));
        assert_eq!(
            answer.dept_group_chat_id.as_deref(),
            Some("chat3d322af37b1d20447cf382add2062dec")
        );
        // `|`-joined lists on the wire.
        assert_eq!(answer.dept_manager_userid_list, vec!["manager4220"]);
        assert_eq!(answer.outer_dept, Some(true));
        assert!(
            answer.outer_permit_users.is_empty(),
            "\"\" is the empty list"
        );
        assert_eq!(answer.outer_permit_depts, vec![420606536]);
        assert_eq!(answer.dept_hiding, Some(true));
        assert_eq!(answer.dept_permits, vec![420682732]);
        assert_eq!(answer.user_permits, vec!["user123"]);
        assert!(answer.dept_perimits.is_empty());
        assert!(answer.user_perimits.is_empty());
        assert_eq!(answer.is_from_union_org, None);
    }

    /// A legacy GET carries a 64-bit department id as its exact decimal text (never through
    /// `f64`), and the answer's 64-bit numbers and `|`-joined 64-bit ids decode exactly.
    #[tokio::test]
    async fn get_sends_64_bit_id_as_text() {
        let h = support::harness().await;
        Mock::given(method("GET"))
            .and(path("/department/get"))
            .and(query_param("access_token", support::TOKEN))
            .and(query_param("id", "9223372036854775806"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json")
                    .set_body_string(
                        r#"{"errcode":0,"errmsg":"ok","id":9223372036854775806,"name":"深层部门","parentid":9223372036854775805,"order":9223372036854775807,"outerPermitDepts":"9223372036854775806|1","deptPermits":"9007199254740993"}"#,
                    ),
            )
            .expect(1)
            .mount(&h.server)
            .await;

        let answer = h
            .client
            .contact()
            .department()
            .get(GetRequest::new(9223372036854775806))
            .await
            .expect("department get succeeds");

        assert_eq!(
            support::single_query(&h.server, "/department/get").await,
            pairs(&[("id", "9223372036854775806")])
        );
        assert_eq!(answer.id, 9223372036854775806);
        assert_eq!(answer.name.as_deref(), Some("深层部门"));
        assert_eq!(answer.parentid, Some(9223372036854775805));
        assert_eq!(answer.order, Some(i64::MAX));
        assert_eq!(answer.outer_permit_depts, vec![9223372036854775806, 1]);
        assert_eq!(answer.dept_permits, vec![9007199254740993]);
    }

    #[tokio::test]
    async fn list_sub_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/department/listsub",
            MODULE,
            "list_sub_v2",
        )
        .await;

        let answer = h
            .client
            .contact()
            .department()
            .list_sub_v2(ListSubV2Request::new().dept_id(1).language(Language::ZhCn))
            .await
            .expect("listsub succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/department/listsub").await,
            json!({"dept_id": 1, "language": "zh_CN"})
        );

        assert_eq!(answer.len(), 2);
        assert_eq!(answer[0].dept_id, 379661095);
        assert_eq!(answer[0].name.as_deref(), Some("市场部"));
        assert_eq!(answer[0].parent_id, Some(1));
        assert_eq!(answer[0].create_dept_group, Some(true));
        assert_eq!(answer[0].auto_add_user, Some(true));
        assert_eq!(answer[0].source_identifier, None);
        assert_eq!(answer[0].ext, None);
        assert_eq!(answer[0].from_union_org, None);
        assert_eq!(answer[0].tags, None);
        assert_eq!(answer[1].dept_id, 399388496);
        assert_eq!(answer[1].name.as_deref(), Some("财务部"));
        assert_eq!(answer[1].parent_id, Some(1));
    }

    #[tokio::test]
    async fn list_sub_ids_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/department/listsubid",
            MODULE,
            "list_sub_ids_v2",
        )
        .await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .department()
            .list_sub_ids_v2(ListSubIdsV2Request::new(1))
            .await
            .expect("listsubid succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/department/listsubid").await,
            json!({"dept_id": 1})
        );
        assert_eq!(
            answer.dept_id_list,
            vec![379661095, 411048776, 399388496, 400887483, 404279847]
        );
    }

    #[tokio::test]
    async fn get_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/department/get",
            MODULE,
            "get_v2",
        )
        .await;

        let answer = h
            .client
            .contact()
            .department()
            .get_v2(GetV2Request::new(1).language(Language::EnUs))
            .await
            .expect("department get_v2 succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/department/get").await,
            json!({"dept_id": 1, "language": "en_US"})
        );

        assert_eq!(answer.dept_id, 1);
        assert_eq!(answer.name.as_deref(), Some("测试"));
        assert_eq!(answer.parent_id, None);
        assert_eq!(answer.order, Some(0));
        assert_eq!(answer.code.as_deref(), Some("100"));
        assert_eq!(answer.create_dept_group, Some(true));
        assert_eq!(answer.auto_add_user, Some(true));
        assert_eq!(answer.group_contain_sub_dept, Some(true));
        assert_eq!(answer.org_dept_owner.as_deref(), Some("manager9153"));
        assert_eq!(
            answer.dept_group_chat_id.as_deref(),
            Some("chat1fccdb4b921f2bde18c26xxxx")
        );
        assert_eq!(
            answer.dept_manager_userid_list,
            vec!["1020302901-431772414"]
        );
        assert_eq!(answer.outer_dept, Some(false));
        assert_eq!(answer.outer_permit_depts, vec![500, 600]);
        assert_eq!(answer.outer_permit_users, vec!["user123", "1234"]);
        assert_eq!(answer.hide_dept, Some(false));
        assert_eq!(answer.dept_permits, vec![3, 4, 5]);
        assert!(answer.user_permits.is_empty());
        assert_eq!(answer.member_count, None);
        assert_eq!(answer.extention, None);
        let union = answer.union_dept_ext.expect("union_dept_ext is present");
        assert_eq!(union.corp_id.as_deref(), Some("test"));
        assert_eq!(union.dept_id, Some(1234567));
    }

    /// The page's field table spells `union_dept_ext`'s keys `corpId`/`deptId`; they are
    /// accepted as aliases, and the SDK-only `extention` arrives as JSON text.
    #[tokio::test]
    async fn get_v2_accepts_table_spelling_and_extention_text() {
        let h = support::harness().await;
        expect_body(
            &h.server,
            "POST",
            "/topapi/v2/department/get",
            r#"{"errcode":0,"errmsg":"ok","result":{"dept_id":2,"name":"研发","parent_id":1,"member_count":"12","extention":"{\"faxNum\":\"0571\"}","union_dept_ext":{"corpId":"dingabc","deptId":"77"}},"request_id":"r1"}"#,
        )
        .await;

        let answer = h
            .client
            .contact()
            .department()
            .get_v2(GetV2Request::new(2))
            .await
            .expect("department get_v2 succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/department/get").await,
            json!({"dept_id": 2})
        );
        assert_eq!(answer.dept_id, 2);
        assert_eq!(answer.parent_id, Some(1));
        assert_eq!(answer.member_count, Some(12));
        assert_eq!(answer.extention, Some(json!({"faxNum": "0571"})));
        let union = answer.union_dept_ext.expect("union_dept_ext is present");
        assert_eq!(union.corp_id.as_deref(), Some("dingabc"));
        assert_eq!(union.dept_id, Some(77));
    }
}

mod user {
    use super::*;
    use dingtalk_api::Error;
    use dingtalk_api::contact::user::{
        CountRequest, CreateRequest, CreateV2Request, DeleteRequest, DeleteV2Request,
        GetAdminRequest, GetAdminScopeRequest, GetByMobileRequest, GetByMobileV2Request,
        GetByUnionidRequest, GetDeptMemberRequest, GetOrgUserCountRequest, GetRequest,
        GetUseridByUnionidRequest, GetV2Request, Language, ListByPageRequest, ListIdRequest,
        ListInactiveRequest, ListSimpleRequest, ListV2Request, SimpleListRequest, UpdateRequest,
        UpdateV2Request, UserDeptOrder, UserDeptPosition, UserDeptTitle, UserListOrder,
    };

    const MODULE: &str = "contact/user";

    #[tokio::test]
    async fn create() {
        let h = support::harness().await;
        support::expect_example(&h.server, "POST", "/user/create", MODULE, "create").await;

        let request = CreateRequest::new("张三", "13800000000", [379661095, 1])
            .userid("zhangsan")
            .position("技术支持")
            .position_in_depts([("1", "经理")])
            .order_in_depts([("1", 10)])
            .jobnumber("10001")
            .email("zhangsan@example.com")
            .org_email("zhangsan@dingtalk.com")
            .tel("8643")
            .work_place("杭州")
            .remark("新员工")
            .manager_userid("manager240")
            .is_hide(false)
            .is_senior(true)
            .extattr([("爱好", "读书")])
            .hired_date(1598284800000);
        let answer = h
            .client
            .contact()
            .user()
            .create(request)
            .await
            .expect("user create succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/user/create").await,
            json!({
                "userid": "zhangsan",
                "name": "张三",
                "mobile": "13800000000",
                "department": "[379661095,1]",
                "position": "技术支持",
                "positionInDepts": "{\"1\":\"经理\"}",
                "orderInDepts": "{\"1\":10}",
                "jobnumber": "10001",
                "email": "zhangsan@example.com",
                "orgEmail": "zhangsan@dingtalk.com",
                "tel": "8643",
                "workPlace": "杭州",
                "remark": "新员工",
                "managerUserid": "manager240",
                "isHide": false,
                "isSenior": true,
                "extattr": "{\"爱好\":\"读书\"}",
                "hiredDate": 1598284800000_i64
            })
        );

        assert_eq!(answer.userid.as_str(), "user1");
        assert_eq!(answer.union_id.as_deref(), Some("vpVCWvmxxxxDAodyIgiEiE"));
    }

    #[tokio::test]
    async fn update() {
        let h = support::harness().await;
        support::expect_example(&h.server, "POST", "/user/update", MODULE, "update").await;

        let request = UpdateRequest::new("zhangsan")
            .name("张三")
            .department([1, 2])
            .position("技术总监")
            .position_in_depts([("2", "总监")])
            .order_in_depts([("1", 1), ("2", 5)])
            .mobile("13800000001")
            .jobnumber("10002")
            .email("zs@example.com")
            .org_email("zs@dingtalk.com")
            .tel("8644")
            .work_place("上海")
            .remark("调岗")
            .manager_userid("manager240")
            .is_hide(true)
            .is_senior(false)
            .extattr([("年龄", "24")])
            .hired_date(1600099200000)
            .lang(Language::EnUs);
        h.client
            .contact()
            .user()
            .update(request)
            .await
            .expect("user update succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/user/update").await,
            json!({
                "userid": "zhangsan",
                "name": "张三",
                "department": [1, 2],
                "position": "技术总监",
                "positionInDepts": "{\"2\":\"总监\"}",
                "orderInDepts": "{\"1\":1,\"2\":5}",
                "mobile": "13800000001",
                "jobnumber": "10002",
                "email": "zs@example.com",
                "orgEmail": "zs@dingtalk.com",
                "tel": "8644",
                "workPlace": "上海",
                "remark": "调岗",
                "managerUserid": "manager240",
                "isHide": true,
                "isSenior": false,
                "extattr": "{\"年龄\":\"24\"}",
                "hiredDate": 1600099200000_i64,
                "lang": "en_US"
            })
        );
    }

    #[tokio::test]
    async fn delete() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/user/delete", MODULE, "delete").await;

        // The endpoint has no optional parameter.
        h.client
            .contact()
            .user()
            .delete(DeleteRequest::new("zhangsan"))
            .await
            .expect("user delete succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/delete").await,
            pairs(&[("userid", "zhangsan")])
        );
    }

    #[tokio::test]
    async fn get() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/user/get", MODULE, "get").await;

        let answer = h
            .client
            .contact()
            .user()
            .get(GetRequest::new("manager3378").lang(Language::ZhCn))
            .await
            .expect("user get succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/get").await,
            pairs(&[("lang", "zh_CN"), ("userid", "manager3378")])
        );

        assert_eq!(answer.userid, "manager3378");
        assert_eq!(answer.unionid.as_deref(), Some("3qsTvPlqZ98zcezgiPnRxxxxx"));
        assert_eq!(answer.name.as_deref(), Some("张三"));
        assert_eq!(answer.manager_userid.as_deref(), Some("manager240"));
        assert_eq!(answer.hired_date, Some(1600099200000));
        assert_eq!(answer.tel.as_deref(), Some("8643xxxxx"));
        assert_eq!(answer.remark.as_deref(), Some("测试用户"));
        assert_eq!(answer.work_place.as_deref(), Some("杭州"));
        assert_eq!(answer.position.as_deref(), Some("技术支持"));
        assert_eq!(answer.mobile.as_deref(), Some("138xxxx0000"));
        assert_eq!(answer.state_code.as_deref(), Some("86"));
        assert_eq!(answer.email.as_deref(), Some("1@example.com"));
        assert_eq!(answer.org_email.as_deref(), Some("1@dingtalk.com"));
        assert_eq!(answer.is_senior, Some(true));
        assert_eq!(answer.jobnumber.as_deref(), Some("1"));
        assert_eq!(answer.active, Some(true));
        assert_eq!(answer.avatar.as_deref(), Some("http://xxxxx"));
        // Documented as JSON text, returned as an object: both decode to the value.
        assert_eq!(answer.extattr, Some(json!({"爱好": "读书"})));
        assert_eq!(answer.roles.len(), 1);
        assert_eq!(answer.roles[0].id, 149);
        assert_eq!(answer.roles[0].name.as_deref(), Some("总监"));
        assert_eq!(answer.roles[0].group_name.as_deref(), Some("职务"));
        assert_eq!(answer.roles[0].type_, Some(102));
        assert_eq!(answer.department, vec![1, 2]);
        // Map-like text that is not JSON stays text.
        assert_eq!(answer.order_in_depts.as_deref(), Some("{1:1}"));
        assert_eq!(answer.is_leader_in_depts.as_deref(), Some("{1:false}"));
        assert_eq!(answer.is_admin, Some(true));
        assert_eq!(answer.is_boss, Some(true));
        assert_eq!(answer.is_hide, Some(true));
        assert_eq!(answer.real_authed, Some(true));
        assert_eq!(answer.tags, Some(json!({})));
        assert_eq!(answer.exclusive_account, None);
        assert_eq!(answer.associated_union_id, None);
        assert_eq!(answer.ding_id, None);
        assert_eq!(answer.open_id, None);
    }

    /// The example sends `"errcode":"0"` as a string and no `request_id`.
    #[tokio::test]
    async fn create_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/user/create",
            MODULE,
            "create_v2",
        )
        .await;
        assert!(support::example(MODULE, "create_v2").contains(r#""errcode":"0""#));

        let request = CreateV2Request::new("张三", "18513027676", [2, 3, 4])
            .userid("zhangsan")
            .dept_order_list([
                UserDeptOrder::new(2).order(176318668975061512),
                UserDeptOrder::new(3).order(1),
            ])
            .dept_title_list([UserDeptTitle::new().dept_id(2).title("技术总监")])
            .dept_position_list([UserDeptPosition::new(2)
                .is_main(true)
                .title("技术总监")
                .work_place("未来park")])
            .hide_mobile(false)
            .telephone("010-86123456-2345")
            .job_number("4")
            .title("技术总监")
            .email("test@xxx.com")
            .org_email("test@xxx.com")
            .org_email_type("profession")
            .work_place("未来park")
            .remark("备注备注")
            .extension([("年龄", "24"), ("爱好", "旅游")])
            .senior_mode(false)
            .hired_date(1597573616828)
            .manager_userid("manager240")
            .login_email("zhangsan@example.com")
            .extension_i18n(json!({"爱好": {"en_US": "Travel"}}));
        let answer = h
            .client
            .contact()
            .user()
            .create_v2(request)
            .await
            .expect("a string errcode \"0\" is success");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/create").await,
            json!({
                "userid": "zhangsan",
                "name": "张三",
                "mobile": "18513027676",
                "dept_id_list": "2,3,4",
                "dept_order_list": [
                    {"dept_id": 2, "order": 176318668975061512_i64},
                    {"dept_id": 3, "order": 1}
                ],
                "dept_title_list": [{"dept_id": 2, "title": "技术总监"}],
                "dept_position_list": [
                    {"dept_id": 2, "is_main": true, "title": "技术总监", "work_place": "未来park"}
                ],
                "hide_mobile": false,
                "telephone": "010-86123456-2345",
                "job_number": "4",
                "title": "技术总监",
                "email": "test@xxx.com",
                "org_email": "test@xxx.com",
                "org_email_type": "profession",
                "work_place": "未来park",
                "remark": "备注备注",
                "extension": "{\"年龄\":\"24\",\"爱好\":\"旅游\"}",
                "senior_mode": false,
                "hired_date": 1597573616828_i64,
                "manager_userid": "manager240",
                "login_email": "zhangsan@example.com",
                "extension_i18n": {"爱好": {"en_US": "Travel"}}
            })
        );

        assert_eq!(answer.userid.as_str(), "zhangsan");
        assert_eq!(answer.union_id.as_deref(), Some("xxxx"));
    }

    #[tokio::test]
    async fn update_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/user/update",
            MODULE,
            "update_v2",
        )
        .await;

        let request = UpdateV2Request::new("zhangsan")
            .name("张三")
            .hide_mobile(true)
            .telephone("010-86123456-2345")
            .job_number("5")
            .title("技术总监")
            .email("test@xxx.com")
            .org_email("test@xxx.com")
            .work_place("未来park")
            .remark("调岗")
            .dept_id_list([2, 3])
            .dept_order_list([
                UserDeptOrder::new(2).order(10),
                UserDeptOrder::new(3).order(20),
            ])
            .dept_title_list([UserDeptTitle::new().dept_id(3).title("架构师")])
            .dept_position_list([UserDeptPosition::new(3).is_main(true)])
            .extension([("爱好", "旅游")])
            .ext_attrs_update_mode(1)
            .senior_mode(true)
            .hired_date(1597573616828)
            .language(Language::ZhCn)
            .force_update_fields(["manager_userid"])
            .mobile("18513027677")
            .org_email_type("base")
            .extension_i18n(json!({"爱好": {"en_US": "Travel"}}));
        h.client
            .contact()
            .user()
            .update_v2(request)
            .await
            .expect("user update_v2 succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/update").await,
            json!({
                "userid": "zhangsan",
                "name": "张三",
                "hide_mobile": true,
                "telephone": "010-86123456-2345",
                "job_number": "5",
                "title": "技术总监",
                "email": "test@xxx.com",
                "org_email": "test@xxx.com",
                "work_place": "未来park",
                "remark": "调岗",
                "dept_id_list": "2,3",
                "dept_order_list": [{"dept_id": 2, "order": 10}, {"dept_id": 3, "order": 20}],
                "dept_title_list": [{"dept_id": 3, "title": "架构师"}],
                "dept_position_list": [{"dept_id": 3, "is_main": true}],
                "extension": "{\"爱好\":\"旅游\"}",
                "ext_attrs_update_mode": 1,
                "senior_mode": true,
                "hired_date": 1597573616828_i64,
                "language": "zh_CN",
                "force_update_fields": "manager_userid",
                "mobile": "18513027677",
                "org_email_type": "base",
                "extension_i18n": {"爱好": {"en_US": "Travel"}}
            })
        );
    }

    #[tokio::test]
    async fn delete_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/user/delete",
            MODULE,
            "delete_v2",
        )
        .await;

        // The endpoint has no optional parameter.
        h.client
            .contact()
            .user()
            .delete_v2(DeleteV2Request::new("zhangsan"))
            .await
            .expect("user delete_v2 succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/delete").await,
            json!({"userid": "zhangsan"})
        );
    }

    #[tokio::test]
    async fn get_v2() {
        let h = support::harness().await;
        support::expect_example(&h.server, "POST", "/topapi/v2/user/get", MODULE, "get_v2").await;

        let answer = h
            .client
            .contact()
            .user()
            .get_v2(GetV2Request::new("zhangsan").language(Language::EnUs))
            .await
            .expect("user get_v2 succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/get").await,
            json!({"userid": "zhangsan", "language": "en_US"})
        );

        assert_eq!(answer.userid.as_str(), "zhangsan");
        assert_eq!(answer.unionid.as_deref(), Some("z21HjQliSzpw0YWxxxxx"));
        assert_eq!(answer.name.as_str(), "张三");
        assert_eq!(answer.avatar.as_deref(), Some("xxx"));
        assert_eq!(answer.state_code.as_deref(), Some("86"));
        assert_eq!(answer.manager_userid.as_deref(), Some("manager240"));
        assert_eq!(answer.mobile.as_deref(), Some("18513027676"));
        assert_eq!(answer.hide_mobile, Some(false));
        assert_eq!(answer.telephone.as_deref(), Some("010-86123456-2345"));
        assert_eq!(answer.job_number.as_deref(), Some("4"));
        assert_eq!(answer.title.as_deref(), Some("技术总监"));
        assert_eq!(answer.email.as_deref(), Some("test@xxx.com"));
        assert_eq!(answer.org_email.as_deref(), Some("test@xxx.com"));
        assert_eq!(answer.org_email_type, None);
        assert_eq!(answer.work_place.as_deref(), Some("未来park"));
        assert_eq!(answer.remark.as_deref(), Some("备注备注"));
        assert_eq!(answer.exclusive_account, Some(false));
        assert_eq!(answer.exclusive_account_type, None);
        assert_eq!(answer.login_id, None);
        assert_eq!(answer.dept_id_list, vec![2, 3, 4]);
        assert_eq!(answer.dept_order_list.len(), 1);
        assert_eq!(answer.dept_order_list[0].dept_id, 2);
        assert_eq!(answer.dept_order_list[0].order, Some(1));
        assert_eq!(
            answer.extension,
            Some(json!({"爱好": "旅游", "年龄": "24"}))
        );
        assert_eq!(answer.hired_date, Some(1597573616828));
        assert_eq!(answer.active, Some(true));
        assert_eq!(answer.real_authed, Some(true));
        assert_eq!(answer.senior, Some(true));
        assert_eq!(answer.admin, Some(true));
        assert_eq!(answer.boss, Some(true));
        assert_eq!(answer.leader_in_dept.len(), 1);
        assert_eq!(answer.leader_in_dept[0].dept_id, 2);
        assert_eq!(answer.leader_in_dept[0].leader, Some(true));
        assert_eq!(answer.role_list.len(), 1);
        assert_eq!(answer.role_list[0].id, 100);
        assert_eq!(answer.role_list[0].name.as_deref(), Some("总监"));
        assert_eq!(answer.role_list[0].group_name.as_deref(), Some("职务"));
        let union = answer.union_emp_ext.expect("union_emp_ext is present");
        assert_eq!(union.userid.as_deref(), Some("500"));
        assert_eq!(union.corp_id.as_deref(), Some("dingxxx"));
        assert_eq!(union.union_emp_map_list.len(), 1);
        assert_eq!(union.union_emp_map_list[0].userid.as_deref(), Some("5000"));
        assert_eq!(
            union.union_emp_map_list[0].corp_id.as_deref(),
            Some("dingxxx")
        );
        assert!(answer.dept_position_list.is_empty());
        assert_eq!(answer.extension_i18n, None);
    }

    /// The page's own sample (before normalisation) spells booleans and numbers as strings and
    /// `errcode` as `"0"`; those decode to the typed values, 64-bit orders included.
    #[tokio::test]
    async fn get_v2_decodes_scalars_spelled_as_strings() {
        let h = support::harness().await;
        expect_body(
            &h.server,
            "POST",
            "/topapi/v2/user/get",
            r#"{"errcode":"0","errmsg":"ok","result":{"userid":"zhangsan","name":"张三","boss":"true","admin":"false","active":"1","hide_mobile":"false","hired_date":"1597573616828","dept_id_list":["2","3"],"dept_order_list":[{"dept_id":"2","order":"176318668975061512"}],"leader_in_dept":[{"dept_id":"2","leader":"true"}],"role_list":[{"id":"100","name":"总监","group_name":"职务"}],"dept_position_list":[{"dept_id":"2","is_main":"true","title":"技术总监","work_place":"未来park"}]}}"#,
        )
        .await;

        let answer = h
            .client
            .contact()
            .user()
            .get_v2(GetV2Request::new("zhangsan"))
            .await
            .expect("a string errcode \"0\" is success");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/get").await,
            json!({"userid": "zhangsan"})
        );
        assert_eq!(answer.boss, Some(true));
        assert_eq!(answer.admin, Some(false));
        assert_eq!(answer.active, Some(true));
        assert_eq!(answer.hide_mobile, Some(false));
        assert_eq!(answer.hired_date, Some(1597573616828));
        assert_eq!(answer.dept_id_list, vec![2, 3]);
        assert_eq!(answer.dept_order_list[0].dept_id, 2);
        assert_eq!(answer.dept_order_list[0].order, Some(176318668975061512));
        assert_eq!(answer.leader_in_dept[0].leader, Some(true));
        assert_eq!(answer.role_list[0].id, 100);
        assert_eq!(answer.dept_position_list.len(), 1);
        assert_eq!(answer.dept_position_list[0].dept_id, 2);
        assert_eq!(answer.dept_position_list[0].is_main, Some(true));
        assert_eq!(
            answer.dept_position_list[0].work_place.as_deref(),
            Some("未来park")
        );
    }

    #[tokio::test]
    async fn get_dept_member() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "GET",
            "/user/getDeptMember",
            MODULE,
            "get_dept_member",
        )
        .await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .get_dept_member(GetDeptMemberRequest::new(1))
            .await
            .expect("getDeptMember succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/getDeptMember").await,
            pairs(&[("deptId", "1")])
        );
        assert_eq!(answer.user_ids, vec!["6622000774", "manager01"]);
    }

    #[tokio::test]
    async fn simple_list() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/user/simplelist", MODULE, "simple_list").await;

        let answer = h
            .client
            .contact()
            .user()
            .simple_list(
                SimpleListRequest::new(1)
                    .offset(0)
                    .size(10)
                    .order(UserListOrder::EntryDesc)
                    .lang(Language::EnUs),
            )
            .await
            .expect("simplelist succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/simplelist").await,
            pairs(&[
                ("department_id", "1"),
                ("lang", "en_US"),
                ("offset", "0"),
                ("order", "entry_desc"),
                ("size", "10"),
            ])
        );
        assert_eq!(answer.has_more, Some(false));
        assert_eq!(answer.userlist.len(), 1);
        assert_eq!(answer.userlist[0].userid.as_str(), "662200077");
        assert_eq!(answer.userlist[0].name.as_str(), "张x");
    }

    #[tokio::test]
    async fn list_by_page() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/user/listbypage", MODULE, "list_by_page").await;

        let answer = h
            .client
            .contact()
            .user()
            .list_by_page(
                ListByPageRequest::new(1)
                    .order(UserListOrder::Custom)
                    .lang(Language::ZhCn),
            )
            .await
            .expect("listbypage succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/listbypage").await,
            pairs(&[
                ("department_id", "1"),
                ("lang", "zh_CN"),
                ("offset", "0"),
                ("order", "custom"),
                ("size", "100"),
            ])
        );
        assert!(!answer.has_more);
        assert_eq!(answer.userlist.len(), 1);
        let user = &answer.userlist[0];
        // Above 2^53: must not pass through f64.
        assert_eq!(user.order, Some(176318668975061512_i64));
        assert_eq!(user.userid, "user123");
        assert_eq!(user.unionid.as_deref(), Some("3qsTvPlqZ98zcezgiPnRxxxx"));
        assert_eq!(user.name.as_deref(), Some("赵xx"));
        assert_eq!(user.mobile.as_deref(), Some("138xxxx3264"));
        assert_eq!(user.tel.as_deref(), Some("8643xxxx"));
        assert_eq!(user.work_place.as_deref(), Some("杭州"));
        assert_eq!(user.remark.as_deref(), Some("测试用户"));
        assert_eq!(user.is_admin, Some(false));
        assert_eq!(user.is_boss, Some(false));
        assert_eq!(user.is_hide, Some(false));
        assert_eq!(user.is_leader, Some(false));
        assert_eq!(user.active, Some(false));
        assert_eq!(user.department, vec![1]);
        assert_eq!(user.position.as_deref(), Some("技术支持"));
        assert_eq!(user.email.as_deref(), Some("1@example.com"));
        assert_eq!(user.org_email.as_deref(), Some("1@dingtalk.com"));
        assert_eq!(user.avatar.as_deref(), Some("http://xxxxx"));
        assert_eq!(user.jobnumber.as_deref(), Some("10001"));
        assert_eq!(user.hired_date, Some(1598284800000));
        assert_eq!(user.extattr, Some(json!({"爱好": "读书"})));
        assert_eq!(user.ding_id, None);
    }

    #[tokio::test]
    async fn list_id() {
        let h = support::harness().await;
        support::expect_example(&h.server, "POST", "/topapi/user/listid", MODULE, "list_id").await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .list_id(ListIdRequest::new(1))
            .await
            .expect("listid succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/user/listid").await,
            json!({"dept_id": 1})
        );
        assert_eq!(
            answer.userid_list,
            vec!["usxxx", "manager4xxx", "10203029011xxxx", "usexxx"]
        );
    }

    #[tokio::test]
    async fn list_simple() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/user/listsimple",
            MODULE,
            "list_simple",
        )
        .await;

        let answer = h
            .client
            .contact()
            .user()
            .list_simple(
                ListSimpleRequest::new(1)
                    .size(10)
                    .order_field(UserListOrder::ModifyDesc)
                    .contain_access_limit(true)
                    .language(Language::ZhCn),
            )
            .await
            .expect("listsimple succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/user/listsimple").await,
            json!({
                "dept_id": 1,
                "cursor": 0,
                "size": 10,
                "order_field": "modify_desc",
                "contain_access_limit": true,
                "language": "zh_CN"
            })
        );
        assert!(!answer.has_more);
        assert_eq!(answer.next_cursor, None);
        assert_eq!(answer.list.len(), 2);
        assert_eq!(answer.list[0].userid.as_str(), "user100");
        assert_eq!(answer.list[0].name.as_str(), "测试用户2");
        assert_eq!(answer.list[1].userid.as_str(), "user1");
        assert_eq!(answer.list[1].name.as_str(), "李思");
    }

    #[tokio::test]
    async fn list_v2() {
        let h = support::harness().await;
        support::expect_example(&h.server, "POST", "/topapi/v2/user/list", MODULE, "list_v2").await;

        let answer = h
            .client
            .contact()
            .user()
            .list_v2(
                ListV2Request::new(2)
                    .size(10)
                    .order_field(UserListOrder::EntryAsc)
                    .contain_access_limit(false)
                    .language(Language::EnUs),
            )
            .await
            .expect("user list_v2 succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/list").await,
            json!({
                "dept_id": 2,
                "cursor": 0,
                "size": 10,
                "order_field": "entry_asc",
                "contain_access_limit": false,
                "language": "en_US"
            })
        );
        assert!(answer.has_more);
        assert_eq!(answer.next_cursor, Some(10));
        assert_eq!(answer.list.len(), 1);
        let user = &answer.list[0];
        assert_eq!(user.userid, "zhangsan");
        assert_eq!(
            user.unionid.as_deref(),
            Some("z21HjQliSzpw0YWCNxmii6u2Os62cZ62iSZ")
        );
        assert_eq!(user.name.as_deref(), Some("张三"));
        assert_eq!(user.avatar.as_deref(), Some("xxx"));
        assert_eq!(user.state_code.as_deref(), Some("86"));
        assert_eq!(user.mobile.as_deref(), Some("18513027676"));
        assert_eq!(user.hide_mobile, Some(false));
        assert_eq!(user.telephone.as_deref(), Some("010-86123456-2345"));
        assert_eq!(user.job_number.as_deref(), Some("4"));
        assert_eq!(user.title.as_deref(), Some("技术总监"));
        assert_eq!(user.email.as_deref(), Some("test@xxx.com"));
        assert_eq!(user.org_email.as_deref(), Some("test@xxx.com"));
        assert_eq!(user.work_place.as_deref(), Some("未来park"));
        assert_eq!(user.remark.as_deref(), Some("备注备注"));
        assert_eq!(user.dept_id_list, vec![2, 3, 4]);
        assert_eq!(user.dept_order, Some(1));
        assert_eq!(user.extension, Some(json!({"爱好": "旅游", "年龄": "24"})));
        assert_eq!(user.hired_date, Some(1597573616828));
        assert_eq!(user.active, Some(true));
        assert_eq!(user.admin, Some(true));
        assert_eq!(user.boss, Some(true));
        assert_eq!(user.leader, Some(true));
        assert_eq!(user.exclusive_account, Some(false));
        assert_eq!(user.exclusive_account_type, None);
        assert_eq!(user.login_id, None);
    }

    #[tokio::test]
    async fn get_admin() {
        let h = support::harness().await;
        support::expect_example(&h.server, "GET", "/user/get_admin", MODULE, "get_admin").await;

        // The endpoint has no parameter at all.
        let answer = h
            .client
            .contact()
            .user()
            .get_admin(GetAdminRequest::new())
            .await
            .expect("get_admin succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/get_admin").await,
            Vec::<(String, String)>::new()
        );
        assert_eq!(answer.admin_list.len(), 1);
        assert_eq!(answer.admin_list[0].userid, "manger123");
        assert_eq!(answer.admin_list[0].sys_level, Some(1));
    }

    /// The TOP SDK and other SDKs read the array as `admin_list`.
    #[tokio::test]
    async fn get_admin_snake_case_admin_list() {
        let h = support::harness().await;
        expect_body(
            &h.server,
            "GET",
            "/user/get_admin",
            r#"{"errcode":0,"errmsg":"ok","admin_list":[{"sys_level":1,"userid":"manager123"},{"sys_level":"2","userid":"sub456"}]}"#,
        )
        .await;

        let answer = h
            .client
            .contact()
            .user()
            .get_admin(GetAdminRequest::default())
            .await
            .expect("get_admin succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/get_admin").await,
            Vec::<(String, String)>::new()
        );
        assert_eq!(answer.admin_list.len(), 2);
        assert_eq!(answer.admin_list[0].userid, "manager123");
        assert_eq!(answer.admin_list[0].sys_level, Some(1));
        assert_eq!(answer.admin_list[1].userid, "sub456");
        assert_eq!(answer.admin_list[1].sys_level, Some(2));
    }

    #[tokio::test]
    async fn get_admin_scope() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/user/get_admin_scope",
            MODULE,
            "get_admin_scope",
        )
        .await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .get_admin_scope(GetAdminScopeRequest::new("manager123"))
            .await
            .expect("get_admin_scope succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/user/get_admin_scope").await,
            json!({"userid": "manager123"})
        );
        // Top-level payload next to `request_id`, not under `result`.
        assert_eq!(answer.dept_ids, vec![1]);
    }

    #[tokio::test]
    async fn get_userid_by_unionid() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "GET",
            "/user/getUseridByUnionid",
            MODULE,
            "get_userid_by_unionid",
        )
        .await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .get_userid_by_unionid(GetUseridByUnionidRequest::new("iiiP35sJOKYxxxx+/="))
            .await
            .expect("getUseridByUnionid succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/getUseridByUnionid").await,
            pairs(&[("unionid", "iiiP35sJOKYxxxx+/=")])
        );
        assert_eq!(answer.userid.as_str(), "1");
        assert_eq!(answer.contact_type, Some(1));
    }

    /// The example sends `"errcode":"0"` and `"contact_type":"0"` as strings.
    #[tokio::test]
    async fn get_by_unionid() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/user/getbyunionid",
            MODULE,
            "get_by_unionid",
        )
        .await;
        let example = support::example(MODULE, "get_by_unionid");
        assert!(example.contains(r#""errcode":"0""#));
        assert!(example.contains(r#""contact_type":"0""#));

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .get_by_unionid(GetByUnionidRequest::new("iiiP35sJOKYxxxx"))
            .await
            .expect("a string errcode \"0\" is success");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/user/getbyunionid").await,
            json!({"unionid": "iiiP35sJOKYxxxx"})
        );
        assert_eq!(answer.contact_type, Some(0_i64));
        assert_eq!(answer.userid, "zhangsan");
    }

    /// A string `errcode` that is not `"0"` is a rejection, not a success.
    #[tokio::test]
    async fn get_by_unionid_string_errcode_rejection() {
        let h = support::harness().await;
        expect_body(
            &h.server,
            "POST",
            "/topapi/user/getbyunionid",
            r#"{"errcode":"60121","errmsg":"找不到该用户","request_id":"zcqi5450rpit"}"#,
        )
        .await;

        let err = h
            .client
            .contact()
            .user()
            .get_by_unionid(GetByUnionidRequest::new("unknown"))
            .await
            .expect_err("errcode 60121 is an error");

        match &err {
            Error::Api(api) => {
                assert_eq!(api.errcode, 60121);
                assert_eq!(api.errmsg, "找不到该用户");
                assert_eq!(api.request_id.as_deref(), Some("zcqi5450rpit"));
                assert_eq!(api.endpoint, "contact.user.get_by_unionid");
                assert_eq!(api.http_status, 200);
            }
            other => panic!("expected Error::Api, got {other:?}"),
        }
        assert_eq!(err.code().map(|c| c.code()), Some(60121));
        assert!(!err.is_token_invalid());
    }

    #[tokio::test]
    async fn get_by_mobile() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "GET",
            "/user/get_by_mobile",
            MODULE,
            "get_by_mobile",
        )
        .await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .get_by_mobile(GetByMobileRequest::new("13800000000"))
            .await
            .expect("get_by_mobile succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/get_by_mobile").await,
            pairs(&[("mobile", "13800000000")])
        );
        assert_eq!(answer.userid.as_str(), "manager123");
    }

    /// The example sends `"errcode":"0"` as a string and no `request_id`.
    #[tokio::test]
    async fn get_by_mobile_v2() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/v2/user/getbymobile",
            MODULE,
            "get_by_mobile_v2",
        )
        .await;
        assert!(support::example(MODULE, "get_by_mobile_v2").contains(r#""errcode":"0""#));

        let answer = h
            .client
            .contact()
            .user()
            .get_by_mobile_v2(
                GetByMobileV2Request::new("18513027676").support_exclusive_account_search(true),
            )
            .await
            .expect("a string errcode \"0\" is success");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/v2/user/getbymobile").await,
            json!({"mobile": "18513027676", "support_exclusive_account_search": true})
        );
        assert_eq!(answer.userid.as_str(), "xiaoding");
        assert!(answer.exclusive_account_userid_list.is_empty());
    }

    #[tokio::test]
    async fn get_org_user_count() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "GET",
            "/user/get_org_user_count",
            MODULE,
            "get_org_user_count",
        )
        .await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .get_org_user_count(GetOrgUserCountRequest::new(1))
            .await
            .expect("get_org_user_count succeeds");

        assert_eq!(
            support::single_query(&h.server, "/user/get_org_user_count").await,
            pairs(&[("onlyActive", "1")])
        );
        assert_eq!(answer.count, 100);
    }

    #[tokio::test]
    async fn count() {
        let h = support::harness().await;
        support::expect_example(&h.server, "POST", "/topapi/user/count", MODULE, "count").await;

        // The endpoint has no optional parameter.
        let answer = h
            .client
            .contact()
            .user()
            .count(CountRequest::new(true))
            .await
            .expect("count succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/user/count").await,
            json!({"only_active": true})
        );
        assert_eq!(answer.count, 4);
    }

    #[tokio::test]
    async fn list_inactive() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/inactive/user/v2/get",
            MODULE,
            "list_inactive",
        )
        .await;

        let answer = h
            .client
            .contact()
            .user()
            .list_inactive(ListInactiveRequest::new(false, "20240105").dept_ids([1, 2, 3]))
            .await
            .expect("inactive user list succeeds");

        assert_eq!(
            support::single_json_body(&h.server, "/topapi/inactive/user/v2/get").await,
            json!({
                "is_active": false,
                "dept_ids": "1,2,3",
                "offset": 0,
                "size": 100,
                "query_date": "20240105"
            })
        );
        assert!(!answer.has_more);
        assert_eq!(answer.next_cursor, None);
        // userids with leading zeros stay text.
        assert_eq!(answer.list, vec!["011250026469774889", "0260470242730556"]);
    }
}

/// `contact/ext_contact.yaml`: the writes send the contact as a JSON object inside `contact`,
/// as the official SDK's client puts it on the wire (not as JSON text).
mod ext_contact {
    use super::*;
    use dingtalk_api::contact::ext_contact::{
        CreateRequest, ExtContactNew, ExtContactUpdate, UpdateRequest,
    };

    const MODULE: &str = "contact/ext_contact";

    #[tokio::test]
    async fn create_sends_the_contact_as_an_object() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/extcontact/create",
            MODULE,
            "create",
        )
        .await;

        let contact = ExtContactNew::new("王经理", "13600540000", "86", "manager4220", [1517])
            .title("CFO")
            .company_name("钉钉")
            .address("北京")
            .remark("技术负责人")
            .share_dept_ids([42536])
            .share_user_ids(["0423752"]);
        let answer = h
            .client
            .contact()
            .ext_contact()
            .create(CreateRequest::new(contact))
            .await
            .expect("external contact create succeeds");

        let body = support::single_json_body(&h.server, "/topapi/extcontact/create").await;
        assert!(
            body["contact"].is_object(),
            "contact must be an object: {body}"
        );
        assert_eq!(
            body,
            json!({
                "contact": {
                    "name": "王经理",
                    "mobile": "13600540000",
                    "state_code": "86",
                    "follower_user_id": "manager4220",
                    "label_ids": [1517],
                    "title": "CFO",
                    "company_name": "钉钉",
                    "address": "北京",
                    "remark": "技术负责人",
                    "share_dept_ids": [42536],
                    "share_user_ids": ["0423752"]
                }
            })
        );
        assert_eq!(answer.userid.as_str(), "011250026469774889");
    }

    #[tokio::test]
    async fn update_sends_the_contact_as_an_object() {
        let h = support::harness().await;
        support::expect_example(
            &h.server,
            "POST",
            "/topapi/extcontact/update",
            MODULE,
            "update",
        )
        .await;

        // Only the required fields: the optional ones stay off the wire.
        let contact =
            ExtContactUpdate::new("011250026469774889", "王经理", "manager4220", [1517, 1518]);
        h.client
            .contact()
            .ext_contact()
            .update(UpdateRequest::new(contact))
            .await
            .expect("external contact update succeeds");

        let body = support::single_json_body(&h.server, "/topapi/extcontact/update").await;
        assert!(
            body["contact"].is_object(),
            "contact must be an object: {body}"
        );
        assert_eq!(
            body,
            json!({
                "contact": {
                    "user_id": "011250026469774889",
                    "name": "王经理",
                    "follower_user_id": "manager4220",
                    "label_ids": [1517, 1518]
                }
            })
        );
    }
}
