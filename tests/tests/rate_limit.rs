//! The optional client-side rate limiter (feature `rate-limit`): bulk calls are paced per
//! API so DingTalk's QPS quota (90018) is never reached, while other APIs are not held up.

use std::time::{Duration, Instant};

use dingtalk_api::Client;
use dingtalk_api::contact::department::ListSubIdsV2Request;
use dingtalk_api::contact::user::GetV2Request;

async fn paced_client(per_second: u32) -> (dingtalk_fake::RunningFake, Client) {
    let fake = dingtalk_fake::FakeDingTalk::new()
        .start()
        .await
        .expect("fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .rate_limit(per_second)
        .build()
        .expect("client builds");
    (fake, client)
}

#[tokio::test]
async fn a_burst_is_paced_to_the_configured_rate_per_api() {
    let (fake, client) = paced_client(20).await;
    // Warm the token so only the paced calls are timed.
    client.access_token().await.unwrap();
    let started = Instant::now();
    let calls = (0..60).map(|_| client.contact().user().get_v2(GetV2Request::new("alice")));
    for result in futures::future::join_all(calls).await {
        result.expect("paced calls succeed");
    }
    let elapsed = started.elapsed();
    // 60 calls at 20/s, evenly spaced (no burst, 1.05 s / 20 apart): 59 gaps, over 2.95 s.
    // The lower bound is what pacing guarantees; no upper bound is asserted (shared machine).
    assert!(elapsed >= Duration::from_millis(2950), "{elapsed:?}");
    assert_eq!(fake.handle().calls_to("contact.user.get_v2"), 60);
    println!("60 calls at 20/s took {elapsed:?}");
}

#[tokio::test]
async fn pacing_one_api_does_not_hold_up_another() {
    let (_fake, client) = paced_client(5).await;
    client.access_token().await.unwrap();
    // Use up get_v2's burst.
    for _ in 0..5 {
        client
            .contact()
            .user()
            .get_v2(GetV2Request::new("alice"))
            .await
            .unwrap();
    }
    // Another API has its own bucket: no wait.
    let started = Instant::now();
    client
        .contact()
        .department()
        .list_sub_ids_v2(ListSubIdsV2Request::new(1))
        .await
        .unwrap();
    let other = started.elapsed();
    // A sixth get_v2 must wait for a refill (1/5 s).
    let started = Instant::now();
    client
        .contact()
        .user()
        .get_v2(GetV2Request::new("alice"))
        .await
        .unwrap();
    let same = started.elapsed();
    assert!(same >= Duration::from_millis(150), "{same:?}");
    assert!(other < same, "other API {other:?} vs same API {same:?}");
}

#[tokio::test]
async fn an_endpoint_override_replaces_the_default_rate() {
    let fake = dingtalk_fake::FakeDingTalk::new()
        .start()
        .await
        .expect("fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .rate_limit(100)
        .rate_limit_for("contact.user.get_v2", 5)
        .build()
        .expect("client builds");
    client.access_token().await.unwrap();
    let started = Instant::now();
    let calls = (0..6).map(|_| client.contact().user().get_v2(GetV2Request::new("alice")));
    for result in futures::future::join_all(calls).await {
        result.expect("paced calls succeed");
    }
    let slow = started.elapsed();
    let started = Instant::now();
    let calls = (0..6).map(|_| {
        client
            .contact()
            .department()
            .list_sub_ids_v2(ListSubIdsV2Request::new(1))
    });
    for result in futures::future::join_all(calls).await {
        result.expect("paced calls succeed");
    }
    let fast = started.elapsed();
    // 5/s: five gaps of 210 ms; the default 100/s: five gaps of 10.5 ms.
    assert!(slow >= Duration::from_millis(1000), "{slow:?}");
    assert!(fast < slow, "default rate {fast:?} vs override {slow:?}");
}
