//! The organisation the fake serves: a department tree and its users, seeded from a
//! YAML/JSON file or the built-in demo company.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

/// The root department's id, as in DingTalk.
pub const ROOT: i64 = 1;

/// The corp id of an organisation unless its seed names one.
pub const DEFAULT_CORP_ID: &str = "dingfakecorp0000000000000000001";

#[derive(Debug, Clone, PartialEq)]
pub struct Department {
    pub id: i64,
    pub name: String,
    /// `None` only for the root.
    pub parent_id: Option<i64>,
    pub order: i64,
    pub source_identifier: Option<String>,
    pub create_dept_group: bool,
    pub auto_add_user: bool,
    pub manager_userids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct User {
    pub userid: String,
    pub unionid: String,
    pub name: String,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// Enterprise mailbox (`orgEmail` / `org_email`).
    pub org_email: Option<String>,
    pub title: Option<String>,
    pub job_number: Option<String>,
    pub work_place: Option<String>,
    pub remark: Option<String>,
    pub telephone: Option<String>,
    pub dept_ids: Vec<i64>,
    /// Order within each department (may exceed 2^53, as in DingTalk).
    pub dept_orders: BTreeMap<i64, i64>,
    pub leader_in: BTreeSet<i64>,
    pub manager_userid: Option<String>,
    pub hired_date: Option<i64>,
    pub active: bool,
    pub admin: bool,
    pub boss: bool,
    pub senior: bool,
    pub hide_mobile: bool,
    pub extension: BTreeMap<String, String>,
    /// Creation sequence, the tie-breaker for ordering.
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// The organisation's corp id (`ding...`), as v1 token answers and events name it.
    pub corp_id: String,
    pub corp_name: String,
    pub departments: BTreeMap<i64, Department>,
    pub users: BTreeMap<String, User>,
    next_seq: u64,
    next_dept_id: i64,
}

impl Org {
    /// An organisation holding only the root department.
    pub fn empty(corp_name: impl Into<String>) -> Self {
        let corp_name = corp_name.into();
        let mut departments = BTreeMap::new();
        departments.insert(
            ROOT,
            Department {
                id: ROOT,
                name: corp_name.clone(),
                parent_id: None,
                order: 0,
                source_identifier: None,
                create_dept_group: true,
                auto_add_user: true,
                manager_userids: Vec::new(),
            },
        );
        Org {
            corp_id: DEFAULT_CORP_ID.to_string(),
            corp_name,
            departments,
            users: BTreeMap::new(),
            next_seq: 1,
            next_dept_id: 1000,
        }
    }

    /// The built-in demo company: 6 departments over three levels and 12 people.
    pub fn demo() -> Self {
        match Self::from_seed_text("demo-org.yaml", DEMO_SEED) {
            Ok(org) => org,
            // The demo seed is part of this crate and covered by tests.
            Err(err) => unreachable!("the built-in demo seed is invalid: {err}"),
        }
    }

    /// A large deterministic organisation for bulk and load tests: `departments`
    /// departments below the root (ids from 100, ten per parent, so the tree is a few levels
    /// deep) and `users` people spread round-robin over them (`user00000`, `user00001`, …,
    /// each with a unique mobile and email). The same arguments always give the same org.
    /// With no departments the users belong to the root.
    pub fn generated(departments: usize, users: usize) -> Self {
        /// Children per department: a few levels for hundreds of departments.
        const FAN_OUT: usize = 10;
        const FIRST_ID: i64 = 100;
        let mut org = Org::empty("Generated Co");
        let mut ids = Vec::with_capacity(departments);
        for index in 0..departments {
            let id = FIRST_ID + index as i64;
            // The first FAN_OUT sit under the root, then FAN_OUT under each in turn.
            let parent = match index.checked_sub(FAN_OUT) {
                None => ROOT,
                Some(offset) => ids[offset / FAN_OUT],
            };
            org.departments.insert(
                id,
                Department {
                    id,
                    name: format!("Department {index}"),
                    parent_id: Some(parent),
                    order: index as i64,
                    source_identifier: None,
                    create_dept_group: false,
                    auto_add_user: false,
                    manager_userids: Vec::new(),
                },
            );
            ids.push(id);
        }
        for index in 0..users {
            let dept = if ids.is_empty() {
                ROOT
            } else {
                ids[index % ids.len()]
            };
            let userid = format!("user{index:05}");
            let seq = org.next_seq();
            let user = User {
                unionid: format!("union{userid}"),
                name: format!("User {index}"),
                mobile: Some(format!("139{index:08}")),
                email: Some(format!("{userid}@generated.example")),
                title: Some("Engineer".to_string()),
                job_number: Some(format!("G{index:06}")),
                dept_ids: vec![dept],
                dept_orders: BTreeMap::from([(dept, 0)]),
                active: true,
                seq,
                userid: userid.clone(),
                ..User::default()
            };
            org.users.insert(userid, user);
        }
        org
    }

    /// Loads a seed file (YAML or JSON).
    pub fn from_seed_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read the seed file {}: {err}", path.display()))?;
        Self::from_seed_text(&path.display().to_string(), &text)
    }

    /// Parses a seed; every problem names the file and where in it.
    pub fn from_seed_text(name: &str, text: &str) -> Result<Self, String> {
        let value = dingtalk_codegen::yaml_to_json(name, text).map_err(|errors| {
            let lines: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
            lines.join("\n")
        })?;
        let seed: Seed = serde_path_to_error::deserialize(value)
            .map_err(|err| format!("{name}: at `{}`: {}", err.path(), err.inner()))?;
        seed.build().map_err(|err| format!("{name}: {err}"))
    }

    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn next_department_id(&mut self) -> i64 {
        while self.departments.contains_key(&self.next_dept_id) {
            self.next_dept_id += 1;
        }
        self.next_dept_id
    }

    /// Direct sub-departments, by order then id.
    pub fn children(&self, id: i64) -> Vec<&Department> {
        let mut children: Vec<&Department> = self
            .departments
            .values()
            .filter(|d| d.parent_id == Some(id))
            .collect();
        children.sort_by_key(|d| (d.order, d.id));
        children
    }

    /// Every department below `id` (not `id` itself), depth first.
    pub fn descendants(&self, id: i64) -> Vec<&Department> {
        let mut out = Vec::new();
        for child in self.children(id) {
            out.push(child);
            out.extend(self.descendants(child.id));
        }
        out
    }

    /// Parents from `id` up to the root, `id` first.
    pub fn path_to_root(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut current = Some(id);
        while let Some(id) = current {
            if out.contains(&id) {
                break;
            }
            out.push(id);
            current = self.departments.get(&id).and_then(|d| d.parent_id);
        }
        out
    }

    /// Direct members of a department, by their order there, then by creation.
    pub fn members(&self, dept_id: i64) -> Vec<&User> {
        let mut members: Vec<&User> = self
            .users
            .values()
            .filter(|u| u.dept_ids.contains(&dept_id))
            .collect();
        // DingTalk lists a larger order first; creation breaks ties.
        members.sort_by_key(|u| {
            (
                std::cmp::Reverse(u.dept_orders.get(&dept_id).copied().unwrap_or(0)),
                u.seq,
            )
        });
        members
    }

    pub fn user_by_mobile(&self, mobile: &str) -> Option<&User> {
        self.users
            .values()
            .find(|u| u.mobile.as_deref() == Some(mobile))
    }

    pub fn user_by_unionid(&self, unionid: &str) -> Option<&User> {
        self.users.values().find(|u| u.unionid == unionid)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .values()
            .find(|u| u.email.as_deref() == Some(email))
    }

    /// Members of `id` and of every department below it, each once, by creation.
    pub fn subtree_members(&self, id: i64) -> Vec<&User> {
        let mut ids: BTreeSet<i64> = self.descendants(id).iter().map(|d| d.id).collect();
        ids.insert(id);
        let mut members: Vec<&User> = self
            .users
            .values()
            .filter(|u| u.dept_ids.iter().any(|d| ids.contains(d)))
            .collect();
        members.sort_by_key(|u| u.seq);
        members
    }

    /// Administrators by creation; the first is the primary one (see [`Org::primary_admin`]).
    pub fn admins(&self) -> Vec<&User> {
        let mut admins: Vec<&User> = self.users.values().filter(|u| u.admin).collect();
        admins.sort_by_key(|u| (!u.boss, u.seq));
        admins
    }

    /// The primary administrator: the boss among the administrators, else the oldest one.
    pub fn primary_admin(&self) -> Option<&User> {
        self.admins().into_iter().next()
    }

    /// A userid not in use yet, as DingTalk generates when `userid` is omitted.
    pub fn fresh_userid(&self, seq: u64) -> String {
        (seq..)
            .map(|n| format!("{n:016}"))
            .find(|candidate| !self.users.contains_key(candidate))
            .unwrap_or_default()
    }

    /// A unionid not in use yet for `userid`.
    pub fn fresh_unionid(&self, userid: &str) -> String {
        let mut candidate = format!("union{userid}");
        let mut n = 1;
        while self.user_by_unionid(&candidate).is_some() {
            n += 1;
            candidate = format!("union{userid}{n}");
        }
        candidate
    }

    /// Removes a user, and with it their department-manager roles and the manager links that
    /// pointed at them.
    pub fn remove_user(&mut self, userid: &str) -> Option<User> {
        let user = self.users.remove(userid)?;
        for dept in self.departments.values_mut() {
            dept.manager_userids.retain(|m| m != userid);
        }
        for other in self.users.values_mut() {
            if other.manager_userid.as_deref() == Some(userid) {
                other.manager_userid = None;
            }
        }
        Some(user)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    corp_name: Option<String>,
    departments: Vec<SeedDepartment>,
    #[serde(default)]
    users: Vec<SeedUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedDepartment {
    id: i64,
    name: String,
    #[serde(default)]
    parent: Option<i64>,
    #[serde(default)]
    order: Option<i64>,
    #[serde(default)]
    managers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    userid: String,
    name: String,
    departments: Vec<i64>,
    #[serde(default)]
    unionid: Option<String>,
    #[serde(default)]
    mobile: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    job_number: Option<String>,
    #[serde(default)]
    work_place: Option<String>,
    #[serde(default)]
    order: Option<i64>,
    #[serde(default)]
    leader_in: Vec<i64>,
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    hired_date: Option<i64>,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    boss: bool,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl Seed {
    fn build(self) -> Result<Org, String> {
        let mut org = Org::empty(self.corp_name.unwrap_or_else(|| "Fake Corp".to_string()));
        for (index, dept) in self.departments.iter().enumerate() {
            let at = format!("departments[{index}] (id {})", dept.id);
            if dept.id == ROOT {
                if dept.parent.is_some() {
                    return Err(format!("{at}: the root department (id 1) has no parent"));
                }
                if let Some(root) = org.departments.get_mut(&ROOT) {
                    root.name = dept.name.clone();
                    root.manager_userids = dept.managers.clone();
                }
                continue;
            }
            if dept.id <= 0 {
                return Err(format!("{at}: department ids are positive"));
            }
            if org.departments.contains_key(&dept.id) {
                return Err(format!("{at}: duplicate department id"));
            }
            let parent = dept.parent.unwrap_or(ROOT);
            if !org.departments.contains_key(&parent) {
                return Err(format!(
                    "{at}: parent department {parent} is not defined before it"
                ));
            }
            org.departments.insert(
                dept.id,
                Department {
                    id: dept.id,
                    name: dept.name.clone(),
                    parent_id: Some(parent),
                    order: dept.order.unwrap_or(index as i64),
                    source_identifier: None,
                    create_dept_group: false,
                    auto_add_user: false,
                    manager_userids: dept.managers.clone(),
                },
            );
        }
        for (index, seed) in self.users.into_iter().enumerate() {
            let at = format!("users[{index}] ({})", seed.userid);
            if seed.userid.is_empty() {
                return Err(format!("users[{index}]: userid must not be empty"));
            }
            if org.users.contains_key(&seed.userid) {
                return Err(format!("{at}: duplicate userid"));
            }
            if seed.departments.is_empty() {
                return Err(format!("{at}: a user belongs to at least one department"));
            }
            let distinct: BTreeSet<i64> = seed.departments.iter().copied().collect();
            if distinct.len() != seed.departments.len() {
                return Err(format!("{at}: a department is listed twice"));
            }
            if seed.manager.as_deref() == Some(seed.userid.as_str()) {
                return Err(format!("{at}: a user cannot be their own manager"));
            }
            let unionid = seed
                .unionid
                .clone()
                .unwrap_or_else(|| format!("union{}", seed.userid));
            if org.user_by_unionid(&unionid).is_some() {
                return Err(format!("{at}: unionid {unionid} is already used"));
            }
            for dept in seed.departments.iter().chain(&seed.leader_in) {
                if !org.departments.contains_key(dept) {
                    return Err(format!("{at}: department {dept} does not exist"));
                }
            }
            if let Some(mobile) = &seed.mobile
                && org.user_by_mobile(mobile).is_some()
            {
                return Err(format!("{at}: mobile {mobile} is already used"));
            }
            let seq = org.next_seq();
            // Without an explicit order everyone ties at 0 and the seed's order decides.
            let order = seed.order.unwrap_or(0);
            let user = User {
                unionid,
                name: seed.name,
                mobile: seed.mobile,
                email: seed.email,
                title: seed.title,
                job_number: seed.job_number,
                work_place: seed.work_place,
                dept_orders: seed.departments.iter().map(|d| (*d, order)).collect(),
                dept_ids: seed.departments,
                leader_in: seed.leader_in.into_iter().collect(),
                manager_userid: seed.manager,
                hired_date: seed.hired_date,
                active: seed.active,
                admin: seed.admin,
                boss: seed.boss,
                seq,
                userid: seed.userid.clone(),
                ..User::default()
            };
            org.users.insert(seed.userid, user);
        }
        for dept in org.departments.values() {
            if let Some(missing) = dept
                .manager_userids
                .iter()
                .find(|m| !org.users.contains_key(*m))
            {
                return Err(format!(
                    "department {} ({}): manager {missing} is not a user",
                    dept.id, dept.name
                ));
            }
        }
        for user in org.users.values() {
            if let Some(manager) = &user.manager_userid
                && !org.users.contains_key(manager)
            {
                return Err(format!(
                    "user {}: manager {manager} does not exist",
                    user.userid
                ));
            }
        }
        Ok(org)
    }
}

/// The demo company served when no seed is given.
pub const DEMO_SEED: &str = r#"
corp_name: Demo Co
departments:
  - {id: 1, name: Demo Co, managers: [manager4220]}
  - {id: 2, name: Engineering, parent: 1, managers: [alice]}
  - {id: 3, name: Sales, parent: 1, managers: [frank]}
  - {id: 4, name: Platform, parent: 2}
  - {id: 5, name: Mobile, parent: 2}
  - {id: 6, name: Support, parent: 3}
users:
  - {userid: manager4220, name: Zhang Wei, mobile: "13800000000", title: CEO, departments: [1], boss: true, admin: true, leader_in: [1], hired_date: 1420070400000}
  - {userid: alice, name: Alice Chen, mobile: "13800000001", email: alice@demo.example, title: VP Engineering, departments: [2], leader_in: [2], manager: manager4220, admin: true}
  - {userid: bob, name: Bob Li, mobile: "13800000002", title: Engineer, departments: [2, 4], manager: alice, order: 176318668975061512}
  - {userid: carol, name: Carol Wang, mobile: "13800000003", title: Engineer, departments: [4], manager: alice}
  - {userid: dave, name: Dave Zhao, mobile: "13800000004", title: Engineer, departments: [4], manager: alice}
  - {userid: erin, name: Erin Liu, mobile: "13800000005", title: Mobile Lead, departments: [5], leader_in: [5], manager: alice}
  - {userid: grace, name: Grace Sun, mobile: "13800000006", title: Engineer, departments: [5], manager: erin}
  - {userid: frank, name: Frank Wu, mobile: "13800000007", title: Head of Sales, departments: [3], leader_in: [3], manager: manager4220}
  - {userid: heidi, name: Heidi Xu, mobile: "13800000008", title: Account Manager, departments: [3], manager: frank}
  - {userid: ivan, name: Ivan Ma, mobile: "13800000009", title: Account Manager, departments: [3], manager: frank}
  - {userid: judy, name: Judy He, mobile: "13800000010", title: Support Engineer, departments: [6], manager: frank}
  - {userid: ken, name: Ken Zhou, mobile: "13800000011", title: Support Engineer, departments: [6], manager: frank, active: false}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_org_is_deterministic_and_complete() {
        let org = Org::generated(500, 10_000);
        assert_eq!(org, Org::generated(500, 10_000));
        // The root plus 500.
        assert_eq!(org.departments.len(), 501);
        assert_eq!(org.users.len(), 10_000);
        // Every department is reachable from the root, and each holds 20 people.
        assert_eq!(org.descendants(ROOT).len(), 500);
        assert!(
            org.departments
                .keys()
                .filter(|id| **id != ROOT)
                .all(|id| org.members(*id).len() == 20)
        );
        assert!(org.path_to_root(599).len() > 2, "a few levels deep");
        let mobiles: BTreeSet<_> = org
            .users
            .values()
            .filter_map(|u| u.mobile.clone())
            .collect();
        assert_eq!(mobiles.len(), 10_000);
    }

    #[test]
    fn a_generated_org_without_departments_puts_everyone_in_the_root() {
        let org = Org::generated(0, 3);
        assert_eq!(org.members(ROOT).len(), 3);
    }
}
