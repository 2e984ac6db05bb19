//! Bulk address-book sync under DingTalk's QPS quota: `cargo run --release -p dingtalk-fake
//! --example bulk_sync [-- DEPARTMENTS USERS]` (default 500 departments, 10,000 users).
//!
//! Starts the fake DingTalk in-process with a generated organisation and DingTalk's
//! standard-plan quota (20 calls per second per API per app, refused with 90018 above it),
//! and syncs it with a client rate-limited to the same 20 per second per API: the department
//! tree is walked with `list_sub_ids_v2`, and every department found is handed at once to
//! the user sync, which pages through its members with `list_v2` (16 departments at a time).
//! Both APIs have their own quota, so the two walks run side by side at about 19 calls per
//! second each. It prints the wall time, the calls made, the users synced, the peak memory
//! of the process (fake included) and how many calls DingTalk refused with 90018 — 0, or
//! the rate limiter did not do its job.

use std::collections::{HashSet, VecDeque};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use dingtalk_api::contact::department::ListSubIdsV2Request;
use dingtalk_api::contact::user::ListV2Request;
use dingtalk_api::{Client, Endpoint, Error};
use dingtalk_fake::{FakeDingTalk, Org, org::ROOT};
use futures::stream::{FuturesUnordered, StreamExt, TryStreamExt};

/// DingTalk's standard plan: calls per second per API per app.
pub const QUOTA: u32 = 20;
/// Departments whose members are fetched at the same time (and sub-department lists).
pub const CONCURRENCY: usize = 16;
/// Users per page (`list_v2`'s maximum).
const PAGE_SIZE: i64 = 100;

/// What a sync did.
#[derive(Debug)]
pub struct Report {
    pub wall: Duration,
    pub departments: usize,
    pub users: usize,
    /// Requests DingTalk received (token, department lists, user pages, retries).
    pub calls: usize,
    /// Calls DingTalk refused with 90018.
    pub refused_90018: u64,
    /// The busiest second of each API at DingTalk: (department lists, user pages).
    pub peak_per_second: (usize, usize),
    /// The process's peak resident memory (`VmHWM`), in KiB, where `/proc` has it.
    pub peak_rss_kib: Option<u64>,
}

/// Syncs a generated org of `departments` and `users` from a fake with the quota.
pub async fn run(departments: usize, users: usize) -> Result<Report, Box<dyn std::error::Error>> {
    let fake = FakeDingTalk::new()
        .org(Org::generated(departments, users))
        .qps_limit(QUOTA)
        .inbox(false)
        .start()
        .await?;
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .rate_limit(QUOTA)
        .build()?;

    let started = Instant::now();
    let (found, departments_found) = futures::channel::mpsc::unbounded();
    let walk = walk_departments(&client, found);
    let sync = departments_found
        .map(|dept_id| members(&client, dept_id))
        .buffer_unordered(CONCURRENCY)
        .try_fold(HashSet::new(), |mut synced, userids| async move {
            synced.extend(userids);
            Ok(synced)
        });
    let (walked, synced) = futures::try_join!(walk, sync)?;
    let wall = started.elapsed();

    let handle = fake.handle();
    let dept_api = <ListSubIdsV2Request as Endpoint>::SPEC.name;
    let user_api = <ListV2Request as Endpoint>::SPEC.name;
    let token_api = <dingtalk_api::auth::GetTokenRequest as Endpoint>::SPEC.name;
    Ok(Report {
        wall,
        departments: walked,
        users: synced.len(),
        calls: [dept_api, user_api, token_api]
            .iter()
            .map(|name| handle.requests_to(name))
            .sum(),
        refused_90018: handle.qps_refusals(),
        peak_per_second: (
            handle.peak_calls_per_second(dept_api),
            handle.peak_calls_per_second(user_api),
        ),
        peak_rss_kib: peak_rss_kib(),
    })
}

/// Walks the department tree from the root, [`CONCURRENCY`] lists at a time, sending every
/// department (the root included) to `found` as soon as it is known. Returns how many.
async fn walk_departments(
    client: &Client,
    found: futures::channel::mpsc::UnboundedSender<i64>,
) -> Result<usize, Error> {
    let list = |dept_id: i64| async move {
        client
            .contact()
            .department()
            .list_sub_ids_v2(ListSubIdsV2Request::new(dept_id))
            .await
    };
    let mut waiting = VecDeque::from([ROOT]);
    let mut listing = FuturesUnordered::new();
    let mut count = 0;
    loop {
        while listing.len() < CONCURRENCY
            && let Some(dept_id) = waiting.pop_front()
        {
            count += 1;
            // The user sync stopped (it failed): its error is the one reported.
            if found.unbounded_send(dept_id).is_err() {
                return Ok(count);
            }
            listing.push(list(dept_id));
        }
        let Some(answer) = listing.next().await else {
            return Ok(count);
        };
        waiting.extend(answer?.dept_id_list);
    }
}

/// The userids of a department's direct members, page by page.
async fn members(client: &Client, dept_id: i64) -> Result<Vec<String>, Error> {
    client
        .items(ListV2Request::new(dept_id).size(PAGE_SIZE))
        .map_ok(|user| user.userid)
        .try_collect()
        .await
}

/// `VmHWM` of `/proc/self/status`, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let departments = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let users = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    println!(
        "syncing {users} users in {departments} departments at {QUOTA} calls/s per API \
         (the fake refuses more with 90018)"
    );
    let report = match run(departments, users).await {
        Ok(report) => report,
        Err(err) => {
            eprintln!("bulk sync failed: {err}");
            return ExitCode::FAILURE;
        }
    };
    let secs = report.wall.as_secs_f64();
    println!("wall time:        {secs:.1} s");
    println!("departments:      {}", report.departments);
    println!("users synced:     {}", report.users);
    println!(
        "calls made:       {} ({:.1}/s in all)",
        report.calls,
        report.calls as f64 / secs
    );
    println!(
        "busiest second:   {} department lists, {} user pages (quota {QUOTA})",
        report.peak_per_second.0, report.peak_per_second.1
    );
    match report.peak_rss_kib {
        Some(kib) => println!(
            "peak RSS:         {:.1} MiB (fake included)",
            kib as f64 / 1024.0
        ),
        None => println!("peak RSS:         unknown (no /proc/self/status)"),
    }
    println!("90018 answers:    {}", report.refused_90018);
    if report.users == users && report.refused_90018 == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
