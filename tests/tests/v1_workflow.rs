//! v1 OA approvals (`workflow`, api.dingtalk.com): every endpoint checked on the wire (method,
//! path, query, token header, JSON body) and against its documented response example, plus a
//! `collect_all` walk over the instance-id list's integer cursor.

mod support;

use dingtalk_api::workflow::{
    AddCommentRequest, ExecuteTaskRequest, GetInstanceRequest, ListInstanceIdsRequest,
    StartInstanceRequest, TerminateInstanceRequest, WorkflowActionType, WorkflowApprover,
    WorkflowAttachment, WorkflowBizAction, WorkflowCcPosition, WorkflowDecision, WorkflowFile,
    WorkflowFormComponentDetail, WorkflowFormComponentInput, WorkflowInstanceStatus,
    WorkflowRecordResult, WorkflowTargetSelectActioner, WorkflowTaskResult, WorkflowTaskStatus,
};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

const MODULE: &str = "workflow";
const INSTANCE_ID: &str = "a171de6c-8bxxxx";

fn file() -> WorkflowFile {
    WorkflowFile::new()
        .photos(["https://url1"])
        .attachments([WorkflowAttachment::new()
            .space_id("123")
            .file_size("1024")
            .file_id("B1oQixxxx")
            .file_name("文件名称。")
            .file_type("file")])
}

fn file_json() -> serde_json::Value {
    json!({
        "photos": ["https://url1"],
        "attachments": [{
            "spaceId": "123",
            "fileSize": "1024",
            "fileId": "B1oQixxxx",
            "fileName": "文件名称。",
            "fileType": "file"
        }]
    })
}

#[tokio::test]
async fn start_instance_sends_every_field_with_nested_table_rows() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        "/v1.0/workflow/processInstances",
        MODULE,
        "start_instance",
    )
    .await;

    let table = WorkflowFormComponentInput::new("明细", "")
        .component_type("TableField")
        .details([WorkflowFormComponentDetail::new().name("行1").details([
            WorkflowFormComponentDetail::new()
                .name("金额")
                .value("100")
                .component_type("MoneyField"),
        ])]);
    let request = StartInstanceRequest::new(
        "PROC-17428B8C-6C60-xxxx-924C-64F1037AE067",
        "26652461xxxx5992",
        [
            WorkflowFormComponentInput::new("单行输入框", "单行输入框示例")
                .id("TextField-1")
                .biz_alias("alias")
                .ext_value("ext")
                .component_type("TextField"),
            WorkflowFormComponentInput::new("多选框", "[\"选项1\",\"选项2\"]"),
            table,
        ],
    )
    .dept_id(-1)
    .microapp_agent_id(1234)
    .approvers([WorkflowApprover::new()
        .action_type(WorkflowActionType::And)
        .user_ids(["user001", "user002"])])
    .cc_list(["user003"])
    .cc_position(WorkflowCcPosition::StartFinish)
    .target_select_actioners([WorkflowTargetSelectActioner::new()
        .actioner_key("manual_1918_5cd3_xxxx_6a98")
        .actioner_user_ids(["user004"])])
    .biz_detail_page_url("https://example.com/detail/1");
    let answer = client
        .workflow()
        .start_instance(request)
        .await
        .expect("start_instance succeeds");

    let request =
        support::single_v1_request(&server, "POST", "/v1.0/workflow/processInstances").await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "processCode": "PROC-17428B8C-6C60-xxxx-924C-64F1037AE067",
            "originatorUserId": "26652461xxxx5992",
            "formComponentValues": [
                {
                    "name": "单行输入框",
                    "value": "单行输入框示例",
                    "id": "TextField-1",
                    "bizAlias": "alias",
                    "extValue": "ext",
                    "componentType": "TextField"
                },
                {"name": "多选框", "value": "[\"选项1\",\"选项2\"]"},
                {
                    "name": "明细",
                    "value": "",
                    "componentType": "TableField",
                    "details": [{
                        "name": "行1",
                        "details": [{"name": "金额", "value": "100", "componentType": "MoneyField"}]
                    }]
                }
            ],
            "deptId": -1,
            "microappAgentId": 1234,
            "approvers": [{"actionType": "AND", "userIds": ["user001", "user002"]}],
            "ccList": ["user003"],
            "ccPosition": "START_FINISH",
            "targetSelectActioners": [{
                "actionerKey": "manual_1918_5cd3_xxxx_6a98",
                "actionerUserIds": ["user004"]
            }],
            "bizDetailPageUrl": "https://example.com/detail/1"
        })
    );
    assert_eq!(answer.instance_id, "91ef1076-c3ed-4a78-xxxx-fa29ef2d6252");
}

#[tokio::test]
async fn get_instance_queries_by_id_and_decodes_the_details() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "GET",
        "/v1.0/workflow/processInstances",
        MODULE,
        "get_instance",
    )
    .await;

    let answer = client
        .workflow()
        .get_instance(GetInstanceRequest::new(INSTANCE_ID))
        .await
        .expect("get_instance succeeds");

    let request =
        support::single_v1_request(&server, "GET", "/v1.0/workflow/processInstances").await;
    assert!(request.body.is_empty());
    assert!(request.headers.get("content-type").is_none());
    assert_eq!(
        support::sorted_query(&request),
        [("processInstanceId".to_string(), INSTANCE_ID.to_string())]
    );

    // `success` arrives as the string "true".
    assert_eq!(answer.success, Some(true));
    let instance = answer.result.expect("result");
    assert_eq!(instance.title.as_deref(), Some("xx提交的请假申请"));
    assert_eq!(instance.originator_user_id.as_deref(), Some("manager1"));
    // `originatorDeptId` arrives as the text "-1".
    assert_eq!(instance.originator_dept_id, Some(-1));
    assert_eq!(instance.originator_dept_name.as_deref(), Some("测试"));
    assert_eq!(instance.status, Some(WorkflowInstanceStatus::Running));
    assert_eq!(instance.result, Some(WorkflowDecision::Agree));
    assert_eq!(instance.business_id.as_deref(), Some("111"));
    assert_eq!(instance.approver_user_ids, ["manager1"]);
    assert_eq!(instance.cc_user_ids, ["manager1"]);
    assert_eq!(instance.biz_action, Some(WorkflowBizAction::Modify));
    assert_eq!(
        instance.biz_data.as_deref(),
        Some("{\"mykey\": \"myData\"}")
    );
    assert_eq!(instance.attached_process_instance_ids, ["instance1"]);
    assert_eq!(instance.main_process_instance_id.as_deref(), Some("111"));
    assert_eq!(instance.create_time.as_deref(), Some("2022-08-31T11:52Z"));
    assert_eq!(instance.finish_time.as_deref(), Some("2022-08-31T11:52Z"));

    let record = &instance.operation_records[0];
    assert_eq!(record.user_id.as_deref(), Some("manager1"));
    assert_eq!(record.type_.as_deref(), Some("EXECUTE_TASK_NORMAL"));
    assert_eq!(record.result, Some(WorkflowRecordResult::Agree));
    assert_eq!(record.remark.as_deref(), Some("评论"));
    assert_eq!(record.attachments[0].file_size.as_deref(), Some("1024"));
    assert_eq!(record.attachments[0].space_id.as_deref(), Some("12345"));
    assert_eq!(record.cc_user_ids, ["0417****4537"]);
    assert_eq!(record.show_name.as_deref(), Some("审批人"));
    assert_eq!(record.images.len(), 1);

    let task = &instance.tasks[0];
    assert_eq!(task.task_id, 111);
    assert_eq!(task.status, Some(WorkflowTaskStatus::New));
    assert_eq!(task.result, Some(WorkflowTaskResult::Redirected));
    assert_eq!(task.process_instance_id.as_deref(), Some("111"));
    assert_eq!(task.task_group_name.as_deref(), Some("审批人1"));

    let value = &instance.form_component_values[0];
    assert_eq!(value.id.as_deref(), Some("DDHolidayField-J2Bxxxx"));
    assert_eq!(value.name.as_deref(), Some("组件1"));
    assert_eq!(value.component_type.as_deref(), Some("DDSelectField"));
    assert_eq!(value.biz_alias.as_deref(), Some("TextField-bizAlias"));
}

#[tokio::test]
async fn execute_task_sends_the_task_id_as_a_number() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        "/v1.0/workflow/processInstances/execute",
        MODULE,
        "execute_task",
    )
    .await;

    let done = client
        .workflow()
        .execute_task(
            ExecuteTaskRequest::new(
                INSTANCE_ID,
                67583405630,
                "133743186427339452",
                WorkflowDecision::Agree,
            )
            .remark("同意。")
            .file(file()),
        )
        .await
        .expect("execute_task succeeds");
    assert!(done);

    let request =
        support::single_v1_request(&server, "POST", "/v1.0/workflow/processInstances/execute")
            .await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "processInstanceId": INSTANCE_ID,
            "taskId": 67583405630_i64,
            "actionerUserId": "133743186427339452",
            "result": "agree",
            "remark": "同意。",
            "file": file_json()
        })
    );
}

#[tokio::test]
async fn terminate_instance_posts_the_revoke() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        "/v1.0/workflow/processInstances/terminate",
        MODULE,
        "terminate_instance",
    )
    .await;

    let done = client
        .workflow()
        .terminate_instance(
            TerminateInstanceRequest::new(INSTANCE_ID)
                .is_system(false)
                .remark("终止说明。")
                .operating_user_id("133743186427339452"),
        )
        .await
        .expect("terminate_instance succeeds");
    assert!(done);

    let request =
        support::single_v1_request(&server, "POST", "/v1.0/workflow/processInstances/terminate")
            .await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "processInstanceId": INSTANCE_ID,
            "isSystem": false,
            "remark": "终止说明。",
            "operatingUserId": "133743186427339452"
        })
    );
}

#[tokio::test]
async fn add_comment_posts_text_and_files() {
    let support::Harness { server, client } = support::v1_harness().await;
    support::expect_v1_example(
        &server,
        "POST",
        "/v1.0/workflow/processInstances/comments",
        MODULE,
        "add_comment",
    )
    .await;

    let done = client
        .workflow()
        .add_comment(AddCommentRequest::new(INSTANCE_ID, "同意。", "user123").file(file()))
        .await
        .expect("add_comment succeeds");
    assert!(done);

    let request =
        support::single_v1_request(&server, "POST", "/v1.0/workflow/processInstances/comments")
            .await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "processInstanceId": INSTANCE_ID,
            "text": "同意。",
            "commentUserId": "user123",
            "file": file_json()
        })
    );
}

#[tokio::test]
async fn list_instance_ids_sends_the_integer_cursor_and_reads_the_text_one() {
    let support::Harness { server, client } = support::v1_harness().await;
    let endpoint_path = "/v1.0/workflow/processes/instanceIds/query";
    support::expect_v1_example(&server, "POST", endpoint_path, MODULE, "list_instance_ids").await;

    let page = client
        .workflow()
        .list_instance_ids(
            ListInstanceIdsRequest::new("PROC-FF6Y2xxxx", 1496678400000)
                .max_results(10)
                .end_time(1496678400000)
                .user_ids(["发起userid"])
                .statuses([
                    WorkflowInstanceStatus::Running,
                    WorkflowInstanceStatus::Completed,
                ]),
        )
        .await
        .expect("list_instance_ids succeeds");

    let request = support::single_v1_request(&server, "POST", endpoint_path).await;
    assert!(support::sorted_query(&request).is_empty());
    assert_eq!(
        support::json_request_body(&request),
        json!({
            "processCode": "PROC-FF6Y2xxxx",
            "startTime": 1496678400000_i64,
            "endTime": 1496678400000_i64,
            "nextToken": 0,
            "maxResults": 10,
            "userIds": ["发起userid"],
            "statuses": ["RUNNING", "COMPLETED"]
        })
    );
    // {"result":{"list":["123"],"nextToken":"10"},"success":true}
    assert_eq!(page.list, ["123"]);
    assert_eq!(page.next_token, Some(10));
}

#[tokio::test]
async fn collect_all_walks_the_integer_cursor_until_it_is_absent() {
    let support::Harness { server, client } = support::v1_harness().await;
    let endpoint_path = "/v1.0/workflow/processes/instanceIds/query";
    Mock::given(method("POST"))
        .and(path(endpoint_path))
        .and(body_partial_json(json!({"nextToken": 20})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "result": {"list": ["id-3"]},
            "success": true
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(endpoint_path))
        .and(body_partial_json(json!({"nextToken": 0})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "result": {"list": ["id-1", "id-2"], "nextToken": "20"},
            "success": true
        })))
        .expect(1)
        .mount(&server)
        .await;

    // A page size above the documented maximum of 20 is lowered for the walk.
    let ids = client
        .collect_all(ListInstanceIdsRequest::new("PROC-1", 1496678400000).max_results(50))
        .await
        .expect("all pages");
    assert_eq!(ids, ["id-1", "id-2", "id-3"]);

    let bodies: Vec<serde_json::Value> = support::v1_requests(&server)
        .await
        .iter()
        .map(support::json_request_body)
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"processCode": "PROC-1", "startTime": 1496678400000_i64, "nextToken": 0, "maxResults": 20}),
            json!({"processCode": "PROC-1", "startTime": 1496678400000_i64, "nextToken": 20, "maxResults": 20}),
        ]
    );
}
