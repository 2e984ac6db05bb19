//! The bulk sync example, smaller: 1,000 users in 50 departments synced against the fake's
//! 20-per-second quota with a client limited to 20 per second per API. Every user arrives
//! and DingTalk refuses nothing.

#[allow(dead_code)]
#[path = "../examples/bulk_sync.rs"]
mod bulk_sync;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_bulk_sync_gets_every_user_without_a_90018() {
    let report = bulk_sync::run(50, 1_000).await.expect("the sync succeeds");
    println!("{report:?}");
    assert_eq!(report.users, 1_000, "every user synced");
    assert_eq!(report.departments, 51, "the root and its 50 departments");
    assert_eq!(report.refused_90018, 0, "DingTalk refused nothing");
    // 51 department lists and 50 user pages, at about 19 per second each, side by side.
    assert!(
        report.wall.as_secs_f64() > 2.0,
        "paced: {:?} for about 50 calls per API",
        report.wall
    );
    assert!(report.peak_per_second.0 <= bulk_sync::QUOTA as usize);
    assert!(report.peak_per_second.1 <= bulk_sync::QUOTA as usize);
}
