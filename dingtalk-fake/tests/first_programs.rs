//! The first-programs example, function by function, against the fake: what each program
//! returns is what the fake's state says.

#[allow(dead_code)]
#[path = "../examples/first_programs.rs"]
mod first_programs;

use dingtalk_api::Client;
use dingtalk_fake::{FakeDingTalk, RunningFake};

async fn start() -> (RunningFake, Client) {
    let fake = FakeDingTalk::new().start().await.expect("the fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .agent_id(first_programs::AGENT_ID)
        .build()
        .expect("the client builds");
    (fake, client)
}

#[tokio::test]
async fn the_address_book_map_holds_every_member_once() {
    let (fake, client) = start().await;
    let people = first_programs::address_book(&client).await.expect("synced");
    let expected = fake.handle().with_state(|state| state.org.users.len());
    assert_eq!(people.len(), expected);
    assert_eq!(people.get("alice").map(String::as_str), Some("Alice Chen"));
}

#[tokio::test]
async fn a_department_notice_is_followed_to_every_member() {
    let (fake, client) = start().await;
    let result = first_programs::notify_department(&client, 2)
        .await
        .expect("sent and followed")
        .send_result
        .expect("a result");
    let mut reached = result.unread_user_id_list.clone();
    reached.extend(result.read_user_id_list.clone());
    reached.sort();
    let mut delivered: Vec<String> = fake
        .handle()
        .deliveries()
        .into_iter()
        .map(|d| d.userid)
        .collect();
    delivered.sort();
    assert_eq!(reached, delivered);
    assert_eq!(reached.len(), 6, "Engineering and its two sub-departments");
}

#[tokio::test]
async fn the_group_gets_its_card() {
    let (_fake, client) = start().await;
    let message_id = first_programs::group_with_card(&client, &["alice", "bob", "carol"])
        .await
        .expect("group and card");
    assert!(!message_id.is_empty());
}

#[tokio::test]
async fn a_user_who_left_is_none_and_a_member_has_a_name() {
    let (_fake, client) = start().await;
    assert_eq!(
        first_programs::name_if_still_here(&client, "alice")
            .await
            .unwrap()
            .as_deref(),
        Some("Alice Chen")
    );
    assert_eq!(
        first_programs::name_if_still_here(&client, "left-last-year")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_hundred_lookups_share_one_token() {
    let (fake, client) = start().await;
    let userids: Vec<String> = ["alice", "bob", "carol", "dave"]
        .iter()
        .cycle()
        .take(100)
        .map(|u| u.to_string())
        .collect();
    let names = first_programs::names(&client, &userids)
        .await
        .expect("all found");
    assert_eq!(names.len(), 100);
    assert_eq!(names[0], "Alice Chen");
    assert_eq!(fake.handle().tokens_issued(), 1);
}
