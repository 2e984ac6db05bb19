//! State logic for the `contact` endpoints: departments and users of the organisation.
//!
//! Behaves like DingTalk where it is documented: an unknown department answers 60003, an
//! unknown userid 60121, a userid or mobile already in use 60102 / 60104, a bad page size
//! 40069 and a negative offset or cursor 40068. Members of a department come in their order
//! there (`User::dept_orders`, larger first), then by creation; `order`/`order_field` values
//! `entry_*`/`modify_*` sort by creation instead (the fake keeps no modification time).
//! A user created through the API has not activated DingTalk yet (`active` false).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use super::{Call, Handler};
use crate::check::Rejection;
use crate::org::{Department, Org, ROOT, User};
use crate::state::State;

/// The documented largest page of every paged contact call.
const MAX_PAGE_SIZE: i64 = 100;
/// At most this many departments per user (`dept_id_list`) and per `dept_ids` filter.
const MAX_DEPARTMENTS: usize = 100;

pub fn register(handlers: &mut HashMap<&'static str, Handler>) {
    let all: &[(&'static str, Handler)] = &[
        ("contact.department.list", department_list),
        ("contact.department.get", department_get),
        ("contact.department.list_sub_v2", department_list_sub_v2),
        (
            "contact.department.list_sub_ids_v2",
            department_list_sub_ids_v2,
        ),
        ("contact.department.get_v2", department_get_v2),
        ("contact.user.create", user_create),
        ("contact.user.update", user_update),
        ("contact.user.delete", user_delete),
        ("contact.user.get", user_get),
        ("contact.user.create_v2", user_create_v2),
        ("contact.user.update_v2", user_update_v2),
        ("contact.user.delete_v2", user_delete),
        ("contact.user.get_v2", user_get_v2),
        ("contact.user.get_dept_member", user_get_dept_member),
        ("contact.user.simple_list", user_simple_list),
        ("contact.user.list_by_page", user_list_by_page),
        ("contact.user.list_id", user_list_id),
        ("contact.user.list_simple", user_list_simple),
        ("contact.user.list_v2", user_list_v2),
        ("contact.user.get_admin", user_get_admin),
        ("contact.user.get_admin_scope", user_get_admin_scope),
        (
            "contact.user.get_userid_by_unionid",
            user_get_userid_by_unionid,
        ),
        ("contact.user.get_by_unionid", user_get_by_unionid),
        ("contact.user.get_by_mobile", user_get_by_mobile),
        ("contact.user.get_by_mobile_v2", user_get_by_mobile),
        ("contact.user.get_org_user_count", user_get_org_user_count),
        ("contact.user.count", user_count),
        ("contact.user.list_inactive", user_list_inactive),
    ];
    for (name, handler) in all {
        handlers.insert(*name, *handler);
    }
}

// ----------------------------------------------------------------------------- errors

fn no_department(id: i64) -> Rejection {
    Rejection::new(60003, format!("部门不存在: department {id} does not exist"))
}

fn no_user(userid: &str) -> Rejection {
    Rejection::new(
        60121,
        format!("找不到该用户: userid {userid} does not exist"),
    )
}

fn department(org: &Org, id: i64) -> Result<&Department, Rejection> {
    org.departments.get(&id).ok_or_else(|| no_department(id))
}

fn user<'a>(org: &'a Org, userid: &str) -> Result<&'a User, Rejection> {
    org.users.get(userid).ok_or_else(|| no_user(userid))
}

// ----------------------------------------------------------------------------- paging

/// Validates a page request and returns `(start, end, has_more)` over `total` items.
fn page(offset: i64, size: i64, total: usize) -> Result<(usize, usize, bool), Rejection> {
    if offset < 0 {
        return Err(Rejection::new(
            40068,
            format!("无效的偏移量: offset/cursor {offset} must not be negative"),
        ));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(Rejection::new(
            40069,
            format!("无效的分页大小: size {size} must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let end = start.saturating_add(size).min(total);
    Ok((start, end, end < total))
}

/// Direct members of `dept_id` in the requested order (`custom` by default).
fn members<'a>(org: &'a Org, dept_id: i64, order: Option<&str>) -> Vec<&'a User> {
    let mut members = org.members(dept_id);
    match order {
        Some("entry_asc" | "modify_asc") => members.sort_by_key(|u| u.seq),
        Some("entry_desc" | "modify_desc") => members.sort_by_key(|u| Reverse(u.seq)),
        _ => {}
    }
    members
}

// ----------------------------------------------------------------------------- departments

fn legacy_department(dept: &Department) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(dept.id));
    out.insert("name".into(), json!(dept.name));
    if let Some(parent) = dept.parent_id {
        out.insert("parentid".into(), json!(parent));
    }
    out.insert("createDeptGroup".into(), json!(dept.create_dept_group));
    out.insert("autoAddUser".into(), json!(dept.auto_add_user));
    if let Some(source) = &dept.source_identifier {
        out.insert("sourceIdentifier".into(), json!(source));
    }
    Value::Object(out)
}

fn v2_department(dept: &Department) -> Value {
    let mut out = Map::new();
    out.insert("dept_id".into(), json!(dept.id));
    out.insert("name".into(), json!(dept.name));
    if let Some(parent) = dept.parent_id {
        out.insert("parent_id".into(), json!(parent));
    }
    out.insert("create_dept_group".into(), json!(dept.create_dept_group));
    out.insert("auto_add_user".into(), json!(dept.auto_add_user));
    if let Some(source) = &dept.source_identifier {
        out.insert("source_identifier".into(), json!(source));
    }
    Value::Object(out)
}

/// `GET /department/list`: the sub-departments of `id` (root by default), all descendants
/// depth first with `fetch_child=true`.
fn department_list(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.i64("id").unwrap_or(ROOT);
    department(org, id)?;
    let departments: Vec<Value> = if call.bool("fetch_child").unwrap_or(false) {
        org.descendants(id)
            .into_iter()
            .map(legacy_department)
            .collect()
    } else {
        org.children(id)
            .into_iter()
            .map(legacy_department)
            .collect()
    };
    Ok(json!({ "department": departments }))
}

/// `GET /department/get`: legacy details, lists joined with `|`.
fn department_get(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let dept = department(&state.org, call.required_i64("id")?)?;
    let Value::Object(mut out) = legacy_department(dept) else {
        unreachable!("legacy_department builds an object")
    };
    out.insert("order".into(), json!(dept.order));
    out.insert(
        "deptManagerUseridList".into(),
        json!(dept.manager_userids.join("|")),
    );
    out.insert("outerDept".into(), json!(false));
    out.insert("deptHiding".into(), json!(false));
    Ok(Value::Object(out))
}

/// `POST /topapi/v2/department/listsub`: direct sub-departments of `dept_id` (root by default).
fn department_list_sub_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.i64("dept_id").unwrap_or(ROOT);
    department(org, id)?;
    Ok(Value::Array(
        org.children(id).into_iter().map(v2_department).collect(),
    ))
}

/// `POST /topapi/v2/department/listsubid`.
fn department_list_sub_ids_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.required_i64("dept_id")?;
    department(org, id)?;
    let ids: Vec<i64> = org.children(id).iter().map(|d| d.id).collect();
    Ok(json!({ "dept_id_list": ids }))
}

/// `POST /topapi/v2/department/get`.
fn department_get_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let dept = department(org, call.required_i64("dept_id")?)?;
    let Value::Object(mut out) = v2_department(dept) else {
        unreachable!("v2_department builds an object")
    };
    out.insert("order".into(), json!(dept.order));
    out.insert(
        "dept_manager_userid_list".into(),
        json!(dept.manager_userids),
    );
    out.insert("outer_dept".into(), json!(false));
    out.insert("hide_dept".into(), json!(false));
    out.insert(
        "member_count".into(),
        json!(org.subtree_members(dept.id).len()),
    );
    out.insert(
        "owning_member_count".into(),
        json!(org.members(dept.id).len()),
    );
    Ok(Value::Object(out))
}

// ----------------------------------------------------------------------------- user payloads

fn put_str(out: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        out.insert(key.into(), json!(value));
    }
}

/// DingTalk's map-like text `{2:1,4:176318668975061512}` (not JSON: unquoted keys).
fn map_text<T: std::fmt::Display>(entries: impl IntoIterator<Item = (i64, T)>) -> String {
    let inner: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn dept_order(user: &User, dept_id: i64) -> i64 {
    user.dept_orders.get(&dept_id).copied().unwrap_or(0)
}

/// The snake_case fields `/topapi/v2/user/get` and `/topapi/v2/user/list` share.
fn v2_common(user: &User) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("userid".into(), json!(user.userid));
    out.insert("unionid".into(), json!(user.unionid));
    out.insert("name".into(), json!(user.name));
    if user.mobile.is_some() {
        out.insert("state_code".into(), json!("86"));
    }
    put_str(&mut out, "mobile", user.mobile.as_ref());
    out.insert("hide_mobile".into(), json!(user.hide_mobile));
    put_str(&mut out, "telephone", user.telephone.as_ref());
    put_str(&mut out, "job_number", user.job_number.as_ref());
    put_str(&mut out, "title", user.title.as_ref());
    put_str(&mut out, "email", user.email.as_ref());
    put_str(&mut out, "org_email", user.org_email.as_ref());
    put_str(&mut out, "work_place", user.work_place.as_ref());
    put_str(&mut out, "remark", user.remark.as_ref());
    out.insert("exclusive_account".into(), json!(false));
    out.insert("dept_id_list".into(), json!(user.dept_ids));
    if !user.extension.is_empty() {
        out.insert("extension".into(), json!(json!(user.extension).to_string()));
    }
    if let Some(hired) = user.hired_date {
        out.insert("hired_date".into(), json!(hired));
    }
    out.insert("active".into(), json!(user.active));
    out.insert("admin".into(), json!(user.admin));
    out.insert("boss".into(), json!(user.boss));
    out
}

/// `/topapi/v2/user/get`.
fn user_v2(user: &User) -> Value {
    let mut out = v2_common(user);
    put_str(&mut out, "manager_userid", user.manager_userid.as_ref());
    let orders: Vec<Value> = user
        .dept_ids
        .iter()
        .map(|d| json!({"dept_id": d, "order": dept_order(user, *d)}))
        .collect();
    out.insert("dept_order_list".into(), Value::Array(orders));
    out.insert("senior".into(), json!(user.senior));
    let leaders: Vec<Value> = user
        .dept_ids
        .iter()
        .map(|d| json!({"dept_id": d, "leader": user.leader_in.contains(d)}))
        .collect();
    out.insert("leader_in_dept".into(), Value::Array(leaders));
    Value::Object(out)
}

/// One `UserDetailV2` of `/topapi/v2/user/list`, as a member of `dept_id`.
fn user_detail_v2(user: &User, dept_id: i64) -> Value {
    let mut out = v2_common(user);
    out.insert("dept_order".into(), json!(dept_order(user, dept_id)));
    out.insert("leader".into(), json!(user.leader_in.contains(&dept_id)));
    Value::Object(out)
}

/// The camelCase fields `/user/get` and `/user/listbypage` share.
fn legacy_common(user: &User, out: &mut Map<String, Value>) {
    out.insert("userid".into(), json!(user.userid));
    out.insert("unionid".into(), json!(user.unionid));
    out.insert("name".into(), json!(user.name));
    put_str(out, "mobile", user.mobile.as_ref());
    put_str(out, "tel", user.telephone.as_ref());
    put_str(out, "workPlace", user.work_place.as_ref());
    put_str(out, "remark", user.remark.as_ref());
    put_str(out, "position", user.title.as_ref());
    put_str(out, "email", user.email.as_ref());
    put_str(out, "orgEmail", user.org_email.as_ref());
    put_str(out, "jobnumber", user.job_number.as_ref());
    if let Some(hired) = user.hired_date {
        out.insert("hiredDate".into(), json!(hired));
    }
    out.insert("isAdmin".into(), json!(user.admin));
    out.insert("isBoss".into(), json!(user.boss));
    out.insert("isHide".into(), json!(user.hide_mobile));
    out.insert("active".into(), json!(user.active));
    out.insert("department".into(), json!(user.dept_ids));
    if !user.extension.is_empty() {
        // Documented as JSON text; DingTalk's samples carry an object.
        out.insert("extattr".into(), json!(user.extension));
    }
}

/// `/user/get`.
fn user_legacy(user: &User) -> Value {
    let mut out = Map::new();
    legacy_common(user, &mut out);
    put_str(&mut out, "managerUserid", user.manager_userid.as_ref());
    if user.mobile.is_some() {
        out.insert("stateCode".into(), json!("86"));
    }
    out.insert("isSenior".into(), json!(user.senior));
    out.insert(
        "orderInDepts".into(),
        json!(map_text(
            user.dept_ids.iter().map(|d| (*d, dept_order(user, *d)))
        )),
    );
    out.insert(
        "isLeaderInDepts".into(),
        json!(map_text(
            user.dept_ids
                .iter()
                .map(|d| (*d, user.leader_in.contains(d)))
        )),
    );
    Value::Object(out)
}

/// One `UserDetail` of `/user/listbypage`, as a member of `dept_id`.
fn user_detail_legacy(user: &User, dept_id: i64) -> Value {
    let mut out = Map::new();
    legacy_common(user, &mut out);
    out.insert("order".into(), json!(dept_order(user, dept_id)));
    out.insert("isLeader".into(), json!(user.leader_in.contains(&dept_id)));
    Value::Object(out)
}

fn simple(user: &User) -> Value {
    json!({"userid": user.userid, "name": user.name})
}

// ----------------------------------------------------------------------------- user writes

/// What a create or update call asks to change, whatever the spelling of its endpoint.
#[derive(Default)]
struct Changes {
    name: Option<String>,
    mobile: Option<String>,
    depts: Option<Vec<i64>>,
    /// Order per department, as sent (applied to the user's departments only).
    orders: Vec<(i64, i64)>,
    title: Option<String>,
    job_number: Option<String>,
    email: Option<String>,
    org_email: Option<String>,
    telephone: Option<String>,
    work_place: Option<String>,
    remark: Option<String>,
    /// `Some(None)` clears the manager.
    manager: Option<Option<String>>,
    hide_mobile: Option<bool>,
    senior: Option<bool>,
    extension: Option<BTreeMap<String, String>>,
    /// Merge `extension` into the existing attributes instead of replacing them.
    merge_extension: bool,
    hired_date: Option<i64>,
}

fn owned(call: &Call<'_>, name: &str) -> Option<String> {
    call.str(name).map(str::to_string)
}

/// A `map<...>` parameter (already parsed from its JSON text) as string keys and values.
fn string_map(call: &Call<'_>, name: &str) -> Option<BTreeMap<String, String>> {
    call.value(name).and_then(Value::as_object).map(|map| {
        map.iter()
            .map(|(k, v)| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                (k.clone(), text)
            })
            .collect()
    })
}

/// `orderInDepts`: `{"2": 10, "4": 20}` keyed by department id.
fn legacy_orders(call: &Call<'_>) -> Result<Vec<(i64, i64)>, Rejection> {
    let Some(map) = call.value("orderInDepts").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    map.iter()
        .map(|(k, v)| {
            let dept = k.trim().parse::<i64>().ok();
            match (dept, v.as_i64()) {
                (Some(dept), Some(order)) => Ok((dept, order)),
                _ => Err(Rejection::new(
                    40011,
                    format!("排序值不合法: orderInDepts entry {k}: {v}"),
                )),
            }
        })
        .collect()
}

/// `dept_order_list`: `[{"dept_id": 2, "order": 10}]`.
fn v2_orders(call: &Call<'_>) -> Vec<(i64, i64)> {
    call.value("dept_order_list")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some((item.get("dept_id")?.as_i64()?, item.get("order")?.as_i64()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn legacy_changes(call: &Call<'_>) -> Result<Changes, Rejection> {
    Ok(Changes {
        name: owned(call, "name"),
        mobile: owned(call, "mobile"),
        depts: call.value("department").map(|_| call.ints("department")),
        orders: legacy_orders(call)?,
        title: owned(call, "position"),
        job_number: owned(call, "jobnumber"),
        email: owned(call, "email"),
        org_email: owned(call, "orgEmail"),
        telephone: owned(call, "tel"),
        work_place: owned(call, "workPlace"),
        remark: owned(call, "remark"),
        manager: owned(call, "managerUserid").map(|m| Some(m).filter(|m| !m.is_empty())),
        hide_mobile: call.bool("isHide"),
        senior: call.bool("isSenior"),
        extension: string_map(call, "extattr"),
        merge_extension: false,
        hired_date: call.i64("hiredDate"),
    })
}

fn v2_changes(call: &Call<'_>) -> Changes {
    let forced = call.strings("force_update_fields");
    let manager = match owned(call, "manager_userid").filter(|m| !m.is_empty()) {
        Some(manager) => Some(Some(manager)),
        None if forced.iter().any(|f| f == "manager_userid") => Some(None),
        None => None,
    };
    Changes {
        name: owned(call, "name"),
        mobile: owned(call, "mobile"),
        depts: call
            .value("dept_id_list")
            .map(|_| call.ints("dept_id_list")),
        orders: v2_orders(call),
        title: owned(call, "title"),
        job_number: owned(call, "job_number"),
        email: owned(call, "email"),
        org_email: owned(call, "org_email"),
        telephone: owned(call, "telephone"),
        work_place: owned(call, "work_place"),
        remark: owned(call, "remark"),
        manager,
        hide_mobile: call.bool("hide_mobile"),
        senior: call.bool("senior_mode"),
        extension: string_map(call, "extension"),
        merge_extension: call.i64("ext_attrs_update_mode") == Some(1),
        hired_date: call.i64("hired_date"),
    }
}

/// Checks `changes` against the organisation; `userid` is the user being updated (if any).
fn validate(org: &Org, userid: Option<&str>, changes: &Changes) -> Result<(), Rejection> {
    let other = |found: Option<&User>| found.is_some_and(|u| Some(u.userid.as_str()) != userid);
    if let Some(name) = &changes.name
        && name.trim().is_empty()
    {
        return Err(Rejection::new(
            60112,
            "用户姓名非法: name must not be empty",
        ));
    }
    if let Some(mobile) = &changes.mobile {
        if mobile.trim().is_empty() {
            return Err(Rejection::new(60103, "手机号码不合法: mobile is empty"));
        }
        if other(org.user_by_mobile(mobile)) {
            return Err(Rejection::new(
                60104,
                format!("手机号码在公司中已注册: mobile {mobile} is already used"),
            ));
        }
    }
    if let Some(email) = changes.email.as_deref().filter(|e| !e.is_empty())
        && other(org.user_by_email(email))
    {
        return Err(Rejection::new(
            60106,
            format!("邮箱已存在: email {email} is already used"),
        ));
    }
    if let Some(depts) = &changes.depts {
        if depts.is_empty() || depts.len() > MAX_DEPARTMENTS {
            return Err(Rejection::new(
                40066,
                format!("不合法的部门列表: a user belongs to 1 to {MAX_DEPARTMENTS} departments"),
            ));
        }
        for dept in depts {
            department(org, *dept)?;
        }
    }
    if let Some(Some(manager)) = &changes.manager
        && (!org.users.contains_key(manager) || Some(manager.as_str()) == userid)
    {
        return Err(Rejection::new(
            60128,
            format!("无效的主管id: manager {manager} is not another user of the organisation"),
        ));
    }
    Ok(())
}

/// `Some("")` clears a text field, `None` leaves it.
fn set_text(field: &mut Option<String>, value: Option<String>) {
    if let Some(value) = value {
        *field = Some(value).filter(|v| !v.is_empty());
    }
}

fn apply(user: &mut User, changes: Changes) {
    if let Some(name) = changes.name {
        user.name = name;
    }
    set_text(&mut user.mobile, changes.mobile);
    if let Some(depts) = changes.depts {
        let mut seen = BTreeSet::new();
        let depts: Vec<i64> = depts.into_iter().filter(|d| seen.insert(*d)).collect();
        // Like a seeded user: no order given means 0, and creation breaks the tie.
        let default_order = 0;
        user.dept_orders = depts
            .iter()
            .map(|d| {
                (
                    *d,
                    user.dept_orders.get(d).copied().unwrap_or(default_order),
                )
            })
            .collect();
        user.leader_in.retain(|d| seen.contains(d));
        user.dept_ids = depts;
    }
    for (dept, order) in changes.orders {
        if user.dept_ids.contains(&dept) {
            user.dept_orders.insert(dept, order);
        }
    }
    set_text(&mut user.title, changes.title);
    set_text(&mut user.job_number, changes.job_number);
    set_text(&mut user.email, changes.email);
    set_text(&mut user.org_email, changes.org_email);
    set_text(&mut user.telephone, changes.telephone);
    set_text(&mut user.work_place, changes.work_place);
    set_text(&mut user.remark, changes.remark);
    if let Some(manager) = changes.manager {
        user.manager_userid = manager;
    }
    if let Some(hide) = changes.hide_mobile {
        user.hide_mobile = hide;
    }
    if let Some(senior) = changes.senior {
        user.senior = senior;
    }
    if let Some(extension) = changes.extension {
        if changes.merge_extension {
            user.extension.extend(extension);
        } else {
            user.extension = extension;
        }
    }
    if let Some(hired) = changes.hired_date {
        user.hired_date = Some(hired);
    }
}

/// Creates a user; returns its `(userid, unionid)`.
fn create(
    org: &mut Org,
    userid: Option<&str>,
    changes: Changes,
) -> Result<(String, String), Rejection> {
    let userid = userid.filter(|u| !u.is_empty());
    if let Some(userid) = userid {
        if org.users.contains_key(userid) {
            return Err(Rejection::new(
                60102,
                format!("UserID在公司中已存在: userid {userid} already exists"),
            ));
        }
        if userid.chars().count() > 64 {
            return Err(Rejection::invalid_param(
                "userid is longer than 64 characters",
            ));
        }
    }
    validate(org, None, &changes)?;
    let seq = org.next_seq();
    let userid = userid.map_or_else(|| org.fresh_userid(seq), str::to_string);
    let unionid = org.fresh_unionid(&userid);
    let mut user = User {
        userid: userid.clone(),
        unionid: unionid.clone(),
        active: false,
        seq,
        ..User::default()
    };
    apply(&mut user, changes);
    org.users.insert(userid.clone(), user);
    Ok((userid, unionid))
}

/// `POST /user/create`.
fn user_create(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let changes = legacy_changes(call)?;
    let (userid, unionid) = create(&mut state.org, call.str("userid"), changes)?;
    state.emit("user_add_org", user_event(&[&userid]));
    Ok(json!({"userid": userid, "unionId": unionid}))
}

/// The payload of the address-book user events: `timeStamp` (a string, as on the pages)
/// and the userids.
fn user_event(userids: &[&str]) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    json!({"timeStamp": now.to_string(), "userId": userids})
}

/// `POST /topapi/v2/user/create`.
fn user_create_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let changes = v2_changes(call);
    let (userid, unionid) = create(&mut state.org, call.str("userid"), changes)?;
    state.emit("user_add_org", user_event(&[&userid]));
    Ok(json!({"userid": userid, "unionId": unionid}))
}

fn update(org: &mut Org, userid: &str, changes: Changes) -> Result<(), Rejection> {
    user(org, userid)?;
    validate(org, Some(userid), &changes)?;
    if let Some(user) = org.users.get_mut(userid) {
        apply(user, changes);
    }
    Ok(())
}

/// `POST /user/update`.
fn user_update(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let userid = call.required_str("userid")?;
    update(&mut state.org, userid, legacy_changes(call)?)?;
    state.emit("user_modify_org", user_event(&[userid]));
    Ok(Value::Null)
}

/// `POST /topapi/v2/user/update`.
fn user_update_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let userid = call.required_str("userid")?;
    update(&mut state.org, userid, v2_changes(call))?;
    state.emit("user_modify_org", user_event(&[userid]));
    Ok(Value::Null)
}

/// `GET /user/delete` and `POST /topapi/v2/user/delete`.
fn user_delete(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let userid = call.required_str("userid")?;
    state
        .org
        .remove_user(userid)
        .ok_or_else(|| no_user(userid))?;
    state.emit("user_leave_org", user_event(&[userid]));
    Ok(Value::Null)
}

// ----------------------------------------------------------------------------- user reads

/// `GET /user/get`.
fn user_get(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    Ok(user_legacy(user(&state.org, call.required_str("userid")?)?))
}

/// `POST /topapi/v2/user/get`.
fn user_get_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    Ok(user_v2(user(&state.org, call.required_str("userid")?)?))
}

/// `GET /user/getDeptMember`.
fn user_get_dept_member(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.required_i64("deptId")?;
    department(org, id)?;
    let ids: Vec<&str> = org.members(id).iter().map(|u| u.userid.as_str()).collect();
    Ok(json!({ "userIds": ids }))
}

/// `POST /topapi/user/listid`.
fn user_list_id(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.required_i64("dept_id")?;
    department(org, id)?;
    let ids: Vec<&str> = org.members(id).iter().map(|u| u.userid.as_str()).collect();
    Ok(json!({ "userid_list": ids }))
}

/// `GET /user/simplelist`: everything, or one page when both `offset` and `size` are set.
fn user_simple_list(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.required_i64("department_id")?;
    department(org, id)?;
    let members = members(org, id, call.str("order"));
    match (call.i64("offset"), call.i64("size")) {
        (Some(offset), Some(size)) => {
            let (start, end, has_more) = page(offset, size, members.len())?;
            let list: Vec<Value> = members[start..end].iter().map(|u| simple(u)).collect();
            Ok(json!({"hasMore": has_more, "userlist": list}))
        }
        _ => {
            let list: Vec<Value> = members.iter().map(|u| simple(u)).collect();
            Ok(json!({ "userlist": list }))
        }
    }
}

/// `GET /user/listbypage`.
fn user_list_by_page(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.required_i64("department_id")?;
    department(org, id)?;
    let members = members(org, id, call.str("order"));
    let offset = call.required_i64("offset")?;
    let size = call.required_i64("size")?;
    let (start, end, has_more) = page(offset, size, members.len())?;
    let list: Vec<Value> = members[start..end]
        .iter()
        .map(|u| user_detail_legacy(u, id))
        .collect();
    Ok(json!({"hasMore": has_more, "userlist": list}))
}

/// The cursor calls: the cursor is the offset into the member list; `next_cursor` is only
/// sent while `has_more` is true.
fn cursor_page(
    call: &Call<'_>,
    state: &State,
    item: fn(&User, i64) -> Value,
) -> Result<Value, Rejection> {
    let org = &state.org;
    let id = call.required_i64("dept_id")?;
    department(org, id)?;
    let members = members(org, id, call.str("order_field"));
    let cursor = call.required_i64("cursor")?;
    let size = call.required_i64("size")?;
    let (start, end, has_more) = page(cursor, size, members.len())?;
    let list: Vec<Value> = members[start..end].iter().map(|u| item(u, id)).collect();
    let mut out = json!({"has_more": has_more, "list": list});
    if has_more {
        out["next_cursor"] = json!(end);
    }
    Ok(out)
}

/// `POST /topapi/user/listsimple`.
fn user_list_simple(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    cursor_page(call, state, |u, _| simple(u))
}

/// `POST /topapi/v2/user/list`.
fn user_list_v2(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    cursor_page(call, state, user_detail_v2)
}

/// `GET /user/get_admin`: the primary administrator (`sys_level` 1) first, then the others (2).
fn user_get_admin(state: &mut State, _call: &Call<'_>) -> Result<Value, Rejection> {
    let admins: Vec<Value> = state
        .org
        .admins()
        .iter()
        .enumerate()
        .map(|(i, u)| json!({"userid": u.userid, "sys_level": if i == 0 { 1 } else { 2 }}))
        .collect();
    Ok(json!({ "adminList": admins }))
}

/// `POST /topapi/user/get_admin_scope`: administrators manage the whole organisation (the
/// fake keeps no narrower scopes); other users manage nothing.
fn user_get_admin_scope(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let user = user(&state.org, call.required_str("userid")?)?;
    let scope: Vec<i64> = if user.admin { vec![ROOT] } else { Vec::new() };
    Ok(json!({ "dept_ids": scope }))
}

fn by_unionid<'a>(org: &'a Org, call: &Call<'_>) -> Result<&'a User, Rejection> {
    let unionid = call.required_str("unionid")?;
    org.user_by_unionid(unionid)
        .ok_or_else(|| no_user(&format!("for unionid {unionid}")))
}

/// `GET /user/getUseridByUnionid`: every user of the fake is an employee (`contactType` 0).
fn user_get_userid_by_unionid(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let user = by_unionid(&state.org, call)?;
    Ok(json!({"userid": user.userid, "contactType": 0}))
}

/// `POST /topapi/user/getbyunionid`.
fn user_get_by_unionid(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let user = by_unionid(&state.org, call)?;
    Ok(json!({"userid": user.userid, "contact_type": 0}))
}

/// `GET /user/get_by_mobile` and `POST /topapi/v2/user/getbymobile`.
fn user_get_by_mobile(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let mobile = call.required_str("mobile")?;
    let user = state
        .org
        .user_by_mobile(mobile)
        .ok_or_else(|| no_user(&format!("for mobile {mobile}")))?;
    Ok(json!({ "userid": user.userid }))
}

fn employee_count(org: &Org, only_active: bool) -> usize {
    org.users
        .values()
        .filter(|u| u.active || !only_active)
        .count()
}

/// `GET /user/get_org_user_count`: `onlyActive` is 0 or 1.
fn user_get_org_user_count(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let only_active = match call.required_i64("onlyActive")? {
        0 => false,
        1 => true,
        other => {
            return Err(Rejection::invalid_param(format!(
                "参数错误 onlyActive: {other} is neither 0 nor 1"
            )));
        }
    };
    Ok(json!({ "count": employee_count(&state.org, only_active) }))
}

/// `POST /topapi/user/count`.
fn user_count(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let only_active = call.bool("only_active").unwrap_or(false);
    Ok(json!({ "count": employee_count(&state.org, only_active) }))
}

/// `POST /topapi/inactive/user/v2/get`: the fake has no login history, so a user "logged in"
/// on any day exactly when they have activated DingTalk (`User::active`). Users come by
/// creation; `dept_ids` keeps members of those departments and the departments below them.
fn user_list_inactive(state: &mut State, call: &Call<'_>) -> Result<Value, Rejection> {
    let org = &state.org;
    let date = call.required_str("query_date")?;
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::new(
            400002,
            format!("无效的参数: query_date {date} is not yyyyMMdd"),
        ));
    }
    let is_active = call.bool("is_active").unwrap_or(false);
    let filter = call.ints("dept_ids");
    if filter.len() > MAX_DEPARTMENTS {
        return Err(Rejection::new(
            400002,
            format!("无效的参数: at most {MAX_DEPARTMENTS} dept_ids"),
        ));
    }
    let mut scope = BTreeSet::new();
    for id in &filter {
        department(org, *id)?;
        scope.insert(*id);
        scope.extend(org.descendants(*id).iter().map(|d| d.id));
    }
    let mut users: Vec<&User> = org
        .users
        .values()
        .filter(|u| u.active == is_active)
        .filter(|u| scope.is_empty() || u.dept_ids.iter().any(|d| scope.contains(d)))
        .collect();
    users.sort_by_key(|u| u.seq);
    let offset = call.required_i64("offset")?;
    let size = call.required_i64("size")?;
    let (start, end, has_more) = page(offset, size, users.len())?;
    let list: Vec<&str> = users[start..end]
        .iter()
        .map(|u| u.userid.as_str())
        .collect();
    let mut out = json!({"has_more": has_more, "list": list});
    if has_more {
        out["next_cursor"] = json!(end);
    }
    Ok(out)
}
