//! v1 to-do tasks (`todo::tasks`, api.dingtalk.com): every endpoint checked on the wire
//! (method, percent-encoded path, query, token header, JSON body) and against its documented
//! response example.

mod support;

use dingtalk_api::Error;
use dingtalk_api::todo::tasks::{
    CreateRequest, DeleteRequest, GetRequest, ListRequest, QueryOrgTasksRequest, TodoAction,
    TodoActionParam, TodoContentField, TodoDetailUrl, TodoDingNotify, TodoExecutorStatus,
    TodoNotifyConfigs, TodoRemindNotifyConfigs, TodoRoleType, TodoType,
    UpdateExecutorStatusRequest, UpdateRequest,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const MODULE: &str = "todo/tasks";
/// A unionId with characters that must be percent-encoded in a path segment.
const UNION_ID: &str = "PUoiin+WIp/a2 yH";
const UNION_ID_ENCODED: &str = "PUoiin%2BWIp%2Fa2%20yH";
const OPERATOR_ID: &str = "PUoiinWIpa2yH2ymhiiGiP6g";
const TASK_ID: &str = "OPJpwtwPVNGIFKURjrzd";

fn tasks_path() -> String {
    format!("/v1.0/todo/users/{UNION_ID_ENCODED}/tasks")
}

fn task_path() -> String {
    format!("/v1.0/todo/users/{UNION_ID_ENCODED}/tasks/{TASK_ID}")
}

#[tokio::test]
async fn create_sends_every_field_and_decodes_the_task() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", &tasks_path(), MODULE, "create").await;

    let request = CreateRequest::new(UNION_ID, "接入钉钉待办")
        .operator_id(OPERATOR_ID)
        .source_id("isv_dingtalkTodo1")
        .creator_id("PUoiiP6g")
        .description("描述")
        .due_time(1617675000000)
        .executor_ids(["PUoiixxxxhiiGiP6g"])
        .participant_ids(["PUoxxxxiGiP6g"])
        .detail_url(
            TodoDetailUrl::new()
                .app_url("dingtalk://dingtalkclient/page/link?url=x")
                .pc_url("https://www.dingtalk.com"),
        )
        .content_field_list([TodoContentField::new()
            .field_key("来源")
            .field_value("审批")])
        .is_only_show_executor(true)
        .priority(20)
        .notify_configs(
            TodoNotifyConfigs::new()
                .ding_notify(TodoDingNotify::Ding)
                .send_todo_apn(true)
                .send_assistant_chat(false),
        )
        .biz_category_id("123")
        .action_list([TodoAction::new()
            .title("去查看")
            .action_type(1)
            .param(
                TodoActionParam::new()
                    .body("{\"id\":1}")
                    .header([("x-biz", "todo")]),
            )
            .url("https://www.dingtalk.com/callback")
            .pc_url("https://www.dingtalk.com/pc")
            .action_key("ak-1-1")])
        .todo_type(TodoType::Todo)
        .reminder_time_stamp(1748226368571)
        .remind_notify_configs(
            TodoRemindNotifyConfigs::new()
                .ding_notify(TodoDingNotify::NoDing)
                .send_todo_apn(false),
        )
        .third_extension([("level", json!({"a": 1}))]);
    let task = client
        .todo()
        .tasks()
        .create(request)
        .await
        .expect("create succeeds");

    let request = support::single_v1_request(&server, "POST", &tasks_path()).await;
    assert_eq!(
        support::sorted_query(&request),
        [("operatorId".to_string(), OPERATOR_ID.to_string())]
    );
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "subject": "接入钉钉待办",
            "sourceId": "isv_dingtalkTodo1",
            "creatorId": "PUoiiP6g",
            "description": "描述",
            "dueTime": 1617675000000_i64,
            "executorIds": ["PUoiixxxxhiiGiP6g"],
            "participantIds": ["PUoxxxxiGiP6g"],
            "detailUrl": {
                "appUrl": "dingtalk://dingtalkclient/page/link?url=x",
                "pcUrl": "https://www.dingtalk.com"
            },
            "contentFieldList": [{"fieldKey": "来源", "fieldValue": "审批"}],
            "isOnlyShowExecutor": true,
            "priority": 20,
            "notifyConfigs": {"dingNotify": "1", "sendTodoApn": "true", "sendAssistantChat": "false"},
            "bizCategoryId": "123",
            "actionList": [{
                "title": "去查看",
                "actionType": 1,
                "param": {"body": "{\"id\":1}", "header": {"x-biz": "todo"}},
                "url": "https://www.dingtalk.com/callback",
                "pcUrl": "https://www.dingtalk.com/pc",
                "actionKey": "ak-1-1"
            }],
            "todoType": "TODO",
            "reminderTimeStamp": 1748226368571_i64,
            "remindNotifyConfigs": {"dingNotify": "0", "sendTodoApn": "false"},
            "thirdExtension": {"level": {"a": 1}}
        })
    );

    assert_eq!(task.id, "OPJxxxxxURjrzd");
    assert_eq!(task.subject.as_deref(), Some("接入钉钉待办"));
    assert_eq!(task.start_time, Some(1617675000000));
    assert_eq!(task.due_time, Some(1617675100000));
    assert_eq!(task.finish_time, Some(1617675200000));
    assert_eq!(task.done, Some(false));
    assert_eq!(task.executor_ids, ["PUoiinxxxxGiP6g"]);
    assert_eq!(task.participant_ids, ["PUoiinxxxxiiGiP6g"]);
    let detail = task.detail_url.expect("detailUrl");
    assert_eq!(detail.pc_url.as_deref(), Some("https://www.dingtalk.com"));
    assert_eq!(detail.app_url.as_deref(), Some("https://www.dingtalk.com"));
    assert_eq!(task.source.as_deref(), Some("isv_dingtalkTodo"));
    assert_eq!(task.source_id.as_deref(), Some("isv_dingtalkTodo1"));
    assert_eq!(task.created_time, Some(1617675200000));
    assert_eq!(task.modified_time, Some(1617675200000));
    assert_eq!(task.creator_id.as_deref(), Some("PUoiixxxxx"));
    assert_eq!(task.modifier_id.as_deref(), Some("PUoiinxxxxx"));
    assert_eq!(task.biz_tag.as_deref(), Some("isv_dingtalkTodo"));
    assert_eq!(task.request_id.as_deref(), Some("12345"));
    assert_eq!(task.content_field_list.len(), 1);
    assert_eq!(task.content_field_list[0].field_key.as_deref(), Some("xxx"));
    assert_eq!(task.is_only_show_executor, Some(true));
    assert_eq!(task.priority, Some(20));
    assert_eq!(
        task.notify_configs.and_then(|n| n.ding_notify),
        Some(TodoDingNotify::Ding)
    );
}

#[tokio::test]
async fn create_with_only_the_subject_sends_no_query_and_a_minimal_body() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "POST", &tasks_path(), MODULE, "create").await;

    client
        .todo()
        .tasks()
        .create(CreateRequest::new(UNION_ID, "待办"))
        .await
        .expect("create succeeds");

    let request = support::single_v1_request(&server, "POST", &tasks_path()).await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({"subject": "待办"})
    );
}

#[tokio::test]
async fn create_rejection_is_a_v1_api_error() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(tasks_path()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "todo.taskCreate.paramError",
            "message": "subject is oversize",
            "requestid": "30EE8654-0001"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let err = client
        .todo()
        .tasks()
        .create(CreateRequest::new(UNION_ID, "x"))
        .await
        .expect_err("a 400 answer is an error");
    let Error::Api(api) = err else {
        panic!("expected Error::Api, got {err:?}");
    };
    assert!(api.is_v1());
    assert_eq!(api.v1_code.as_deref(), Some("todo.taskCreate.paramError"));
    assert_eq!(api.errmsg, "subject is oversize");
    assert_eq!(api.request_id.as_deref(), Some("30EE8654-0001"));
    assert_eq!(api.http_status, 400);
}

#[tokio::test]
async fn get_reads_one_task() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "GET", &task_path(), MODULE, "get").await;

    let task = client
        .todo()
        .tasks()
        .get(GetRequest::new(UNION_ID, TASK_ID))
        .await
        .expect("get succeeds");

    let request = support::single_v1_request(&server, "GET", &task_path()).await;
    assert!(support::sorted_query(&request).is_empty());
    support::assert_no_body(&request);

    assert_eq!(task.id, "OPJpwtwPVNGIFKURjrzd");
    assert_eq!(task.done, Some(false));
    assert_eq!(task.finish_time, Some(0));
    assert_eq!(task.card_type_id.as_deref(), Some("card_type_xxxx"));
    assert_eq!(
        task.tenant_id.as_deref(),
        Some("ding8196cd9a2b2405da24f2f5cc6abecb85")
    );
    assert_eq!(task.tenant_type.as_deref(), Some("org"));
    assert!(task.content_field_list.is_empty());
    assert!(task.notify_configs.is_none());
}

#[tokio::test]
async fn update_puts_the_changes_and_returns_the_flag() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "PUT", &task_path(), MODULE, "update").await;

    let request = UpdateRequest::new(UNION_ID, TASK_ID)
        .operator_id(OPERATOR_ID)
        .subject("更新钉钉待办")
        .description("新描述")
        .due_time(1617675000000)
        .done(true)
        .executor_ids(["PUoiinWxxx"])
        .participant_ids(["PUoiinWIpxxx"])
        .content_field_list([TodoContentField::new()
            .field_key("来源应用")
            .field_value("自建审批系统")]);
    let updated = client
        .todo()
        .tasks()
        .update(request)
        .await
        .expect("update succeeds");
    assert!(updated);

    let request = support::single_v1_request(&server, "PUT", &task_path()).await;
    assert_eq!(
        support::sorted_query(&request),
        [("operatorId".to_string(), OPERATOR_ID.to_string())]
    );
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "subject": "更新钉钉待办",
            "description": "新描述",
            "dueTime": 1617675000000_i64,
            "done": true,
            "executorIds": ["PUoiinWxxx"],
            "participantIds": ["PUoiinWIpxxx"],
            "contentFieldList": [{"fieldKey": "来源应用", "fieldValue": "自建审批系统"}]
        })
    );
}

#[tokio::test]
async fn delete_sends_no_body_and_decodes_result_and_request_id() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(&server, "DELETE", &task_path(), MODULE, "delete").await;

    let answer = client
        .todo()
        .tasks()
        .delete(DeleteRequest::new(UNION_ID, TASK_ID).operator_id(OPERATOR_ID))
        .await
        .expect("delete succeeds");

    let request = support::single_v1_request(&server, "DELETE", &task_path()).await;
    assert_eq!(
        support::sorted_query(&request),
        [("operatorId".to_string(), OPERATOR_ID.to_string())]
    );
    support::assert_no_body(&request);
    assert_eq!(answer.result, Some(true));
    assert_eq!(answer.request_id.as_deref(), Some("PUoixxxxiiGiP6g"));
}

#[tokio::test]
async fn update_executor_status_puts_the_list() {
    let support::Harness { server, client } = support::v1_harness().await;
    let endpoint_path = format!("{}/executorStatus", task_path());
    support::expect_v1_example(
        &server,
        "PUT",
        &endpoint_path,
        MODULE,
        "update_executor_status",
    )
    .await;

    let updated = client
        .todo()
        .tasks()
        .update_executor_status(
            UpdateExecutorStatusRequest::new(UNION_ID, TASK_ID)
                .operator_id(OPERATOR_ID)
                .executor_status_list([
                    TodoExecutorStatus::new()
                        .id("PUoiinWIpa2yH2ymhiiGiP6g")
                        .is_done(true),
                    TodoExecutorStatus::new().id("PUother").is_done(false),
                ]),
        )
        .await
        .expect("update_executor_status succeeds");
    assert!(updated);

    let request = support::single_v1_request(&server, "PUT", &endpoint_path).await;
    assert_eq!(
        support::sorted_query(&request),
        [("operatorId".to_string(), OPERATOR_ID.to_string())]
    );
    assert_eq!(
        support::json_request_body(&request),
        json!({"executorStatusList": [
            {"id": "PUoiinWIpa2yH2ymhiiGiP6g", "isDone": true},
            {"id": "PUother", "isDone": false}
        ]})
    );
}

#[tokio::test]
async fn query_org_tasks_posts_the_filters_with_nested_role_lists() {
    let support::Harness { server, client } = support::v1_harness().await;
    let endpoint_path = format!("/v1.0/todo/users/{UNION_ID_ENCODED}/org/tasks/query");
    support::expect_v1_example(&server, "POST", &endpoint_path, MODULE, "query_org_tasks").await;

    let page = client
        .todo()
        .tasks()
        .query_org_tasks(
            QueryOrgTasksRequest::new(UNION_ID)
                .next_token("0")
                .is_done(true)
                .role_types([
                    vec![TodoRoleType::Executor],
                    vec![TodoRoleType::Creator, TodoRoleType::Participant],
                ])
                .todo_type(TodoType::Read),
        )
        .await
        .expect("query_org_tasks succeeds");

    let request = support::single_v1_request(&server, "POST", &endpoint_path).await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "nextToken": "0",
            "isDone": true,
            "roleTypes": [["executor"], ["creator", "participant"]],
            "todoType": "READ"
        })
    );

    assert_eq!(page.next_token.as_deref(), Some("15"));
    assert_eq!(page.todo_cards.len(), 1);
    let card = &page.todo_cards[0];
    assert_eq!(card.task_id, "taskOPJpwtwPVNGIFKURjrzd");
    assert_eq!(card.subject.as_deref(), Some("接入钉钉待办"));
    assert_eq!(card.due_time, Some(1617675000000));
    assert_eq!(
        card.detail_url.as_ref().and_then(|d| d.app_url.as_deref()),
        Some("https://www.dingtalk.com")
    );
    assert_eq!(card.priority, Some(10));
    assert_eq!(card.creator_id.as_deref(), Some("PUoiinWIpa2yH2ymhiiGiP6g"));
    assert_eq!(card.source_id.as_deref(), Some("isv_dingtalkTodo1"));
    assert_eq!(card.biz_tag.as_deref(), Some("isv_dingtalkTodo"));
    assert_eq!(card.is_done, Some(true));
    assert_eq!(card.todo_type, None);
}

#[tokio::test]
async fn list_posts_every_filter_and_decodes_the_cards() {
    let support::Harness { server, client } = support::v1_harness().await;
    let endpoint_path = format!("/v1.0/todo/users/{UNION_ID_ENCODED}/tasks/list");
    support::expect_v1_example(&server, "POST", &endpoint_path, MODULE, "list").await;

    let page = client
        .todo()
        .tasks()
        .list(
            ListRequest::new(UNION_ID)
                .next_token("20")
                .is_done(false)
                .role_types([vec![TodoRoleType::Executor, TodoRoleType::Creator]])
                .from_due_time(1617000000000)
                .to_due_time(1618000000000)
                .category("default")
                .is_recycled(false)
                .order_by("dueTime")
                .order_direction("asc"),
        )
        .await
        .expect("list succeeds");

    let request = support::single_v1_request(&server, "POST", &endpoint_path).await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "nextToken": "20",
            "isDone": false,
            "roleTypes": [["executor", "creator"]],
            "fromDueTime": 1617000000000_i64,
            "toDueTime": 1618000000000_i64,
            "category": "default",
            "isRecycled": false,
            "orderBy": "dueTime",
            "orderDirection": "asc"
        })
    );

    assert_eq!(page.next_token.as_deref(), Some("20"));
    assert_eq!(page.total_count, Some(1));
    let card = &page.todo_cards[0];
    assert_eq!(card.task_id, "OPJpwtwPVNGIFKURjrzd");
    assert_eq!(card.todo_status.as_deref(), Some("RUNNING"));
    assert_eq!(card.category.as_deref(), Some("default"));
    let org = card.org_info.as_ref().expect("orgInfo");
    assert_eq!(
        org.corp_id.as_deref(),
        Some("ding8196cd9a2b2405da24f2f5cc6abecb85")
    );
    assert_eq!(org.name.as_deref(), Some("示例企业"));
    assert_eq!(
        card.original_source
            .as_ref()
            .and_then(|s| s.source_title.as_deref()),
        Some("审批")
    );
    let view = card.todo_card_view.as_ref().expect("todoCardView");
    assert_eq!(view.todo_card_title.as_deref(), Some("接入钉钉待办"));
    assert_eq!(view.circle_el_type.as_deref(), Some("checkbox"));
    assert_eq!(view.todo_card_content_list.len(), 1);
    assert_eq!(view.todo_card_content_list[0].name.as_deref(), Some("来源"));
    assert_eq!(
        view.todo_card_content_list[0].value.as_deref(),
        Some("审批")
    );
}
