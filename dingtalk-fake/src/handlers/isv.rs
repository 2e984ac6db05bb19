//! The ISV calls of both generations, over the suite's state ([`crate::isv::Isv`]). The
//! server has already checked the suite token or the signature and the parameters.
//!
//! - `get_suite_token` / v1 `suiteAccessToken`: key 40083, secret 40088, ticket 40085
//!   (v1 `invalidSuiteKey`, `invalidSuiteTicket`).
//! - `get_permanent_code`: a temporary code works once (40078 after).
//! - `activate_suite`: 41030 for an organisation that did not install the suite, 41031 for a
//!   permanent code of another organisation.
//! - `get_corp_token` / v1 `corpAccessToken`: 41030 (v1 `invalidAuthInfo`) when the
//!   organisation did not install the suite.
//! - `get_auth_info`, `get_agent`, v1 `apps/authInfo`: the installed organisation and agent.
//! - `reauth_corp`: a new `tmp_auth_code` is pushed for each listed organisation that has
//!   not activated the suite.

use serde_json::{Value, json};

use crate::check::{Params, Rejection};
use crate::isv::Isv;

/// A classic handler; `reauth` collects the organisations to push a new code for.
pub type Classic = fn(&mut Isv, &Params, &mut Vec<String>) -> Result<Value, Rejection>;
pub type V1 = fn(&mut Isv, &Params) -> Result<Value, Rejection>;

fn text<'a>(params: &'a Params, name: &str) -> &'a str {
    params
        .values
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The handler of a classic `/service/` path.
pub fn classic(path: &str) -> Option<Classic> {
    Some(match path {
        "/service/get_suite_token" => get_suite_token,
        "/service/get_permanent_code" => get_permanent_code,
        "/service/activate_suite" => activate_suite,
        "/service/get_corp_token" => get_corp_token,
        "/service/get_auth_info" => get_auth_info,
        "/service/get_agent" => get_agent,
        "/service/reauth_corp" => reauth_corp,
        _ => return None,
    })
}

/// The handler of a v1 ISV path.
pub fn v1(path: &str) -> Option<V1> {
    Some(match path {
        "/v1.0/oauth2/suiteAccessToken" => suite_access_token,
        "/v1.0/oauth2/corpAccessToken" => corp_access_token,
        "/v1.0/oauth2/apps/authInfo" => auth_info,
        _ => return None,
    })
}

fn get_suite_token(
    isv: &mut Isv,
    params: &Params,
    _: &mut Vec<String>,
) -> Result<Value, Rejection> {
    let (token, expires_in) = isv.issue_suite_token(
        text(params, "suite_key"),
        text(params, "suite_secret"),
        text(params, "suite_ticket"),
    )?;
    Ok(json!({"suite_access_token": token, "expires_in": expires_in}))
}

fn get_permanent_code(
    isv: &mut Isv,
    params: &Params,
    _: &mut Vec<String>,
) -> Result<Value, Rejection> {
    isv.exchange(text(params, "tmp_auth_code"))
}

fn activate_suite(isv: &mut Isv, params: &Params, _: &mut Vec<String>) -> Result<Value, Rejection> {
    isv.activate(
        text(params, "suite_key"),
        text(params, "auth_corpid"),
        text(params, "permanent_code"),
    )?;
    Ok(Value::Null)
}

fn get_corp_token(isv: &mut Isv, params: &Params, _: &mut Vec<String>) -> Result<Value, Rejection> {
    let (token, expires_in) = isv.issue_corp_token(text(params, "auth_corpid"))?;
    Ok(json!({"access_token": token, "expires_in": expires_in}))
}

fn get_auth_info(isv: &mut Isv, params: &Params, _: &mut Vec<String>) -> Result<Value, Rejection> {
    let corp_id = text(params, "auth_corpid");
    let org = isv.org(corp_id)?;
    let state = crate::server::lock(&org.state);
    let admin = state
        .org
        .primary_admin()
        .map(|user| user.userid.clone())
        .unwrap_or_default();
    Ok(json!({
        "auth_corp_info": {
            "corpid": corp_id,
            "corp_name": org.corp_name,
            "full_corp_name": org.corp_name,
            "industry": "",
            "invite_code": "",
            "license_code": "",
            "auth_channel": "",
            "auth_channel_type": "",
            "is_authenticated": false,
            "auth_level": 0,
        },
        "auth_user_info": {"userId": admin},
        "auth_info": {"agent": [{
            "agentid": org.agent_id,
            "agent_name": "Fake ISV app",
            "appid": 1000,
            "admin_list": [admin],
        }]},
        "channel_auth_info": {"channelAgent": []},
    }))
}

fn get_agent(isv: &mut Isv, params: &Params, _: &mut Vec<String>) -> Result<Value, Rejection> {
    if text(params, "suite_key") != isv.config.key {
        return Err(Rejection::new(40083, "不合法的suiteid"));
    }
    let org = isv.org(text(params, "auth_corpid"))?;
    let agent = params.values.get("agentid").and_then(|v| match v {
        Value::String(s) => s.parse::<i64>().ok(),
        other => other.as_i64(),
    });
    if agent != Some(org.agent_id) {
        return Err(Rejection::new(40056, "不合法的agentid"));
    }
    Ok(json!({
        "agentid": org.agent_id,
        "name": "Fake ISV app",
        "logo_url": "",
        "description": "The suite of the fake DingTalk",
        "close": if org.activated { 1 } else { 2 },
    }))
}

fn reauth_corp(
    isv: &mut Isv,
    params: &Params,
    reauth: &mut Vec<String>,
) -> Result<Value, Rejection> {
    let listed: Vec<String> = params
        .values
        .get("corpid_list")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for corp_id in listed {
        if isv.orgs.get(&corp_id).is_some_and(|org| !org.activated) {
            reauth.push(corp_id);
        }
    }
    Ok(Value::Null)
}

/// v1 refusals of the suite credentials.
fn v1_suite(rejection: Rejection) -> Rejection {
    match rejection.errcode {
        40085 => Rejection::v1(400, "invalidSuiteTicket", "suiteTicket无效"),
        41030 => Rejection::v1(400, "invalidAuthInfo", "企业未授权该应用"),
        _ => Rejection::v1(400, "invalidSuiteKey", "无效的suiteKey"),
    }
}

fn suite_access_token(isv: &mut Isv, params: &Params) -> Result<Value, Rejection> {
    let (token, expires_in) = isv
        .issue_suite_token(
            text(params, "suiteKey"),
            text(params, "suiteSecret"),
            text(params, "suiteTicket"),
        )
        .map_err(v1_suite)?;
    Ok(json!({"accessToken": token, "expireIn": expires_in}))
}

fn corp_access_token(isv: &mut Isv, params: &Params) -> Result<Value, Rejection> {
    let (key, secret) = (text(params, "suiteKey"), text(params, "suiteSecret"));
    if key != isv.config.key || secret != isv.config.secret {
        return Err(Rejection::v1(400, "invalidSuiteKey", "无效的suiteKey"));
    }
    isv.org(text(params, "authCorpId")).map_err(v1_suite)?;
    // A customised app may send any ticket; a third-party app's must be the current one
    // (the fake plays a third-party suite).
    isv.check_suite(key, secret, text(params, "suiteTicket"))
        .map_err(v1_suite)?;
    let (token, expires_in) = isv
        .issue_corp_token(text(params, "authCorpId"))
        .map_err(v1_suite)?;
    Ok(json!({"accessToken": token, "expireIn": expires_in}))
}

fn auth_info(isv: &mut Isv, params: &Params) -> Result<Value, Rejection> {
    let corp_id = text(params, "authCorpId");
    let org = isv
        .org(corp_id)
        .map_err(|_| Rejection::v1(400, "orgNotAuthApp", "企业未授权开通应用"))?;
    let admin = crate::server::lock(&org.state)
        .org
        .primary_admin()
        .map(|user| user.userid.clone())
        .unwrap_or_default();
    Ok(json!({
        "authAppInfo": {"agentList": [{
            "agentId": org.agent_id,
            "agentName": "Fake ISV app",
            "appId": 1000,
            "adminList": [admin],
        }]},
        "authCorpInfo": {"corpName": org.corp_name, "authLevel": 0},
        "authUserInfo": {"userId": admin},
    }))
}
