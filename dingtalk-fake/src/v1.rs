//! The api.dingtalk.com (v1.0) side: the token in the `x-acs-dingtalk-access-token` header
//! (the same app tokens `gettoken` issues — DingTalk accepts one app token in both
//! generations), user tokens from the OAuth2 code flow, answers as the bare object (or
//! `{success, result}`), and refusals as an HTTP status with `{code, message, requestid}`.

use dingtalk_codegen::model::{Auth, Envelope};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use crate::check::{self, Rejection};
use crate::faults::FaultAction;
use crate::handlers::Call;
use crate::server::{
    Outcome, Shared, V1Request, fault_response, json_response, lock, next_request_id,
};
use crate::spec::Route;
use crate::state::UnknownParam;

/// The header a v1 call carries its token in.
pub const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

pub(crate) fn is_v1_path(path: &str) -> bool {
    path.starts_with("/v1.0/") || path.starts_with("/v2.0/")
}

fn refusal(rejection: &Rejection, request_id: &str) -> Response<Full<Bytes>> {
    let (status, code) = rejection.v1_form();
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        &json!({"code": code, "message": rejection.errmsg, "requestid": request_id}),
    )
}

/// A v1 path or method the spec does not know: DingTalk's `error.notFound`.
pub(crate) fn not_found(shared: &Shared) -> Outcome {
    let request_id = next_request_id(shared);
    Outcome {
        response: refusal(
            &Rejection::v1(404, "error.notFound", "请求的API不存在"),
            &request_id,
        ),
        errcode: None,
        endpoint: "-".into(),
    }
}

pub(crate) async fn answer(
    shared: &Shared,
    route: &Route,
    request: V1Request<'_>,
    kill: &Notify,
) -> Outcome {
    *lock(&shared.hits).entry(route.name.clone()).or_default() += 1;
    lock(&shared.qps).arrived(&route.name);
    let outcome = |response| Outcome {
        response,
        errcode: None,
        endpoint: route.name.clone(),
    };
    let before = lock(&shared.faults).take(&route.name, &route.path, false);
    match before {
        Some(FaultAction::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(action) => {
            let action = in_v1_form(action);
            if let Some(response) = fault_response(&action, kill).await {
                return outcome(response);
            }
        }
        None => {}
    }
    let request_id = next_request_id(shared);
    let payload = match process(shared, route, &request) {
        Ok(payload) => payload,
        Err(rejection) => return outcome(refusal(&rejection, &request_id)),
    };
    crate::push::flush(shared);
    let after = lock(&shared.faults).take(&route.name, &route.path, true);
    if let Some(action) = after {
        if let FaultAction::Delay(delay) = action {
            tokio::time::sleep(delay).await;
        } else if let Some(response) = fault_response(&in_v1_form(action), kill).await {
            return outcome(response);
        }
    }
    outcome(success(route, payload))
}

/// A classic errcode fault on a v1 route answers as DingTalk's v1 side would.
fn in_v1_form(action: FaultAction) -> FaultAction {
    match action {
        FaultAction::Errcode { errcode, errmsg } => {
            let (status, code) = Rejection::new(errcode, errmsg.clone()).v1_form();
            FaultAction::V1Error {
                status,
                code,
                message: errmsg,
            }
        }
        other => other,
    }
}

fn success(route: &Route, payload: Value) -> Response<Full<Bytes>> {
    let body = match (route.envelope, payload) {
        (Envelope::Result, payload) => json!({"success": true, "result": payload}),
        (_, Value::Null) => Value::Object(Map::new()),
        (_, payload) => payload,
    };
    json_response(StatusCode::OK, &body)
}

fn process(shared: &Shared, route: &Route, request: &V1Request<'_>) -> Result<Value, Rejection> {
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let invalid = |_| Rejection::v1(400, "InvalidAuthentication", "不合法的access_token");
    // A corp token of an organisation that installed the ISV suite acts on its own state.
    let mut corp = None;
    let user = match route.auth {
        Auth::Token => {
            corp = lock(&shared.isv)
                .corp_of(header(TOKEN_HEADER).unwrap_or_default())
                .map_err(invalid)?;
            if corp.is_none() {
                lock(&shared.tokens)
                    .check(header(TOKEN_HEADER))
                    .map_err(invalid)?;
            }
            None
        }
        Auth::SuiteToken => {
            lock(&shared.isv)
                .check_suite_token(header(TOKEN_HEADER))
                .map_err(invalid)?;
            None
        }
        Auth::UserToken => Some(lock(&shared.tokens).check_user(header(TOKEN_HEADER))?),
        Auth::SuiteSignature | Auth::None => None,
    };
    crate::qps::admit(shared, route, corp.is_some())?;
    let body = if route.method.has_body() {
        if request.body.iter().all(u8::is_ascii_whitespace) {
            Some(Map::new())
        } else {
            match serde_json::from_slice::<Value>(request.body) {
                Ok(Value::Object(map)) => Some(map),
                _ => {
                    return Err(Rejection::v1(
                        400,
                        "invalidParameter",
                        "the request body is not a JSON object",
                    ));
                }
            }
        }
    } else {
        None
    };
    let inputs = check::Inputs {
        query: request.query,
        body: body.as_ref(),
        path: request.path,
        headers: request.headers,
    };
    let params = check::check(route, &shared.catalog.types, inputs)?;
    if request.url_path == "/v1.0/gateway/connections/open" {
        lock(&shared.state).calls.push(route.name.clone());
        return open_connection(shared, &params);
    }
    if let Some(answer) = crate::auth::v1_token_call(shared, request.url_path, &params)? {
        lock(&shared.state).calls.push(route.name.clone());
        return Ok(answer);
    }
    if let Some(answer) = crate::isv::v1_call(shared, request.url_path, &params) {
        lock(&shared.state).calls.push(route.name.clone());
        return answer;
    }
    // Declared first: the guard below may borrow it, so it must outlive the guard.
    let org_state;
    let mut state = lock(&shared.state);
    state.calls.push(route.name.clone());
    if let Some((_, org)) = &corp {
        drop(state);
        org_state = org.clone();
        state = lock(&org_state);
        state.calls.push(route.name.clone());
    }
    for name in &params.unknown {
        state.unknown_params.push(UnknownParam {
            endpoint: route.name.clone(),
            name: name.clone(),
        });
    }
    let key = format!("{} {}", route.method.as_str(), route.path);
    let handler = shared
        .handlers
        .get(route.name.as_str())
        .or_else(|| shared.handlers.get(key.as_str()));
    let answer = match handler {
        Some(handler) => handler(
            &mut state,
            &Call {
                params: &params,
                user: user.as_deref(),
            },
        ),
        None => Ok(example_payload(route)),
    };
    if let Some((corp_id, _)) = &corp {
        let events = std::mem::take(&mut state.outbox);
        drop(state);
        crate::isv::flush_org(shared, corp_id, events);
    }
    answer
}

/// The documented example as a payload (`success` re-wraps a `result` envelope).
fn example_payload(route: &Route) -> Value {
    let Some(Ok(Value::Object(mut body))) =
        route.example.as_deref().map(serde_json::from_str::<Value>)
    else {
        return Value::Null;
    };
    match route.envelope {
        Envelope::Result => body.remove("result").unwrap_or(Value::Null),
        _ => Value::Object(body),
    }
}

/// Stream registration: the app's credentials and subscriptions in, a WebSocket endpoint on
/// this fake and a single-use ticket out.
fn open_connection(shared: &Shared, params: &check::Params) -> Result<Value, Rejection> {
    let text = |name: &str| {
        params
            .values
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    {
        let tokens = lock(&shared.tokens);
        let suite = lock(&shared.isv).config.clone();
        // The app, or the ISV suite (which registers with its suite key and secret).
        let app = text("clientId") == tokens.app_key && text("clientSecret") == tokens.app_secret;
        let isv = text("clientId") == suite.key && text("clientSecret") == suite.secret;
        if !app && !isv {
            return Err(Rejection::v1(
                401,
                "invalidClientIdOrSecret",
                "无效的clientId或clientSecret",
            ));
        }
    }
    let subscriptions: Vec<(String, String)> = params
        .values
        .get("subscriptions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    (
                        item["type"].as_str().unwrap_or_default().to_string(),
                        item["topic"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let ticket = shared.stream.register(subscriptions);
    Ok(json!({"endpoint": shared.ws_endpoint, "ticket": ticket}))
}
