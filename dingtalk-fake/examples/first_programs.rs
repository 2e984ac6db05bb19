//! The programs a DingTalk integration starts with, each against the built-in fake (no
//! credentials, no internet): `cargo run -p dingtalk-fake --example first_programs`.
//!
//! 1. the address book into a map (userid -> name), department by department;
//! 2. a work notice to a department, followed to its last recipient;
//! 3. a group chat created and an action card posted to it;
//! 4. one DingTalk error code handled for what it means;
//! 5. 100 lookups at once, on one token.
//!
//! Each is a function taking a `Client`, as it would be in a service; `main` points them at
//! the fake. `dingtalk-fake/tests/first_programs.rs` runs them in CI.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use dingtalk_api::chat::{CreateRequest, SendRequest as ChatSendRequest};
use dingtalk_api::contact::department::ListSubIdsV2Request;
use dingtalk_api::contact::user::{GetV2Request, ListSimpleRequest};
use dingtalk_api::message::work_notice::{GetSendResultResponse, SendRequest};
use dingtalk_api::types::message::{
    ActionCard, ActionCardButton, ButtonOrientation, MarkdownContent, Message,
    MultiButtonActionCard,
};
use dingtalk_api::waiter::Wait;
use dingtalk_api::{Client, Error, ErrorCode};
use futures::stream::{self, StreamExt, TryStreamExt};

/// The app's agent id (any number does for the fake; a real app's is on its console page).
pub const AGENT_ID: i64 = 4_294_967_396;

/// 1. Every member of the organisation, by userid: walk the department tree from the root
///    (1), then page through each department's members.
pub async fn address_book(client: &Client) -> Result<BTreeMap<String, String>, Error> {
    let mut departments = vec![1];
    let mut waiting = VecDeque::from([1]);
    while let Some(dept_id) = waiting.pop_front() {
        let children = client
            .contact()
            .department()
            .list_sub_ids_v2(ListSubIdsV2Request::new(dept_id))
            .await?
            .dept_id_list;
        departments.extend(&children);
        waiting.extend(children);
    }
    let mut people = BTreeMap::new();
    for dept_id in departments {
        // The first page and the largest page size are the defaults; items() walks on.
        let members: Vec<_> = client
            .items(ListSimpleRequest::new(dept_id))
            .try_collect()
            .await?;
        people.extend(
            members
                .into_iter()
                .map(|member| (member.userid, member.name)),
        );
    }
    Ok(people)
}

/// 2. A markdown notice to everyone in `dept_id` (sub-departments included), and who got it.
pub async fn notify_department(
    client: &Client,
    dept_id: i64,
) -> Result<GetSendResultResponse, Error> {
    let notice = SendRequest::new(MarkdownContent::new(
        "Maintenance tonight",
        "## 22:00-23:00\nThe build farm is offline.",
    ))
    .dept_id_list([dept_id]);
    let waited = client
        .message()
        .work_notice()
        .send_and_wait(notice, Wait::up_to(Duration::from_secs(60)))
        .await?;
    Ok(waited.last)
}

/// 3. A group for `members` (the first one owns it) with an action card posted to it; the
///    card's message id, for its read list.
pub async fn group_with_card(client: &Client, members: &[&str]) -> Result<String, Error> {
    let owner = members.first().copied().unwrap_or_default();
    let chat = client
        .chat()
        .create(CreateRequest::new(
            "Release 1.0",
            owner,
            members.iter().copied(),
        ))
        .await?;
    let card = MultiButtonActionCard::new(
        "Release 1.0",
        "### Release 1.0\nShip it?",
        ButtonOrientation::Horizontal,
        [
            ActionCardButton::new("Ship", "https://example.com/ship"),
            ActionCardButton::new("Wait", "https://example.com/wait"),
        ],
    );
    let sent = client
        .chat()
        .send(ChatSendRequest::new(
            chat.chatid,
            Message::from(ActionCard::from(card)),
        ))
        .await?;
    Ok(sent.message_id)
}

/// 4. A user who may have left: `None` when DingTalk says the user is not in the
///    organisation (60121), the name otherwise; every other error is still an error.
pub async fn name_if_still_here(client: &Client, userid: &str) -> Result<Option<String>, Error> {
    match client
        .contact()
        .user()
        .get_v2(GetV2Request::new(userid))
        .await
    {
        Ok(user) => Ok(Some(user.name)),
        Err(Error::Api(api)) if api.code() == ErrorCode::UserNotInCorp => Ok(None),
        Err(other) => Err(other),
    }
}

/// 5. The names of many users at once (16 in flight); the token is fetched once for all.
pub async fn names(client: &Client, userids: &[String]) -> Result<Vec<String>, Error> {
    stream::iter(userids)
        .map(|userid| async move {
            let user = client
                .contact()
                .user()
                .get_v2(GetV2Request::new(userid))
                .await?;
            Ok::<_, Error>(user.name)
        })
        .buffered(16)
        .try_collect()
        .await
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = dingtalk_fake::FakeDingTalk::new().start().await?;
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .agent_id(AGENT_ID)
        .build()?;

    let people = address_book(&client).await?;
    println!("1. {} people in the address book", people.len());

    let result = notify_department(&client, 2)
        .await?
        .send_result
        .unwrap_or_default();
    println!(
        "2. notice to Engineering: {} unread, {} read, {} failed",
        result.unread_user_id_list.len(),
        result.read_user_id_list.len(),
        result.failed_user_id_list.len()
    );

    let card = group_with_card(&client, &["alice", "bob", "carol"]).await?;
    println!("3. action card {card} posted to a new group");

    println!(
        "4. alice: {:?}, someone who left: {:?}",
        name_if_still_here(&client, "alice").await?,
        name_if_still_here(&client, "left-last-year").await?
    );

    let userids: Vec<String> = people.keys().cycle().take(100).cloned().collect();
    let found = names(&client, &userids).await?;
    println!(
        "5. {} lookups, {} token fetched",
        found.len(),
        fake.handle().tokens_issued()
    );
    Ok(())
}
