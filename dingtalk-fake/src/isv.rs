//! The fake's ISV side: one third-party suite (key and secret), the organisations that install
//! it, its suite tickets, suite tokens, and one corp token per organisation.
//!
//! - [`FakeHandle::push_suite_ticket`] makes a new ticket current (the previous one is refused
//!   from then on with 40085, as a new push replaces it) and pushes `suite_ticket` over Stream
//!   and to the suite's HTTP callback.
//! - [`FakeHandle::install_suite`] makes an organisation install the app: it gets its own
//!   [`State`] (the demo people, its own corpId and name), a permanent code and an agent id;
//!   the fake pushes `org_suite_auth` (with the permanent code) over Stream and
//!   `tmp_auth_code` (a single-use code for `isv.get_permanent_code`) to the HTTP callback.
//! - Calls with a corp token act on that organisation's own state: work notices, users,
//!   departments, chats are not shared between organisations nor with the fake's own
//!   organisation (which the internal-app token of `gettoken` keeps using).
//! - Signed calls (`auth: suite_signature`) are checked as DingTalk checks them: 853001 a
//!   timestamp that is not milliseconds, 853002 one more than a minute away from the fake's
//!   clock (see [`FakeHandle::isv_clock_skew`]), 853003 an unknown accessKey, 853004 a
//!   signature that does not match, then 40085 for a ticket that is not the current one (the
//!   pages do not say which code DingTalk gives a replaced ticket on signed calls; the fake
//!   answers the code `get_suite_token` documents).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::check::Rejection;
use crate::org::Org;
use crate::server::{Shared, lock};
use crate::state::{CallbackSubscription, Delivery, State};
use crate::{FakeDingTalk, FakeHandle};

/// The suite the fake serves unless told otherwise.
pub const DEFAULT_SUITE_KEY: &str = "suitefakesuitekey";
pub const DEFAULT_SUITE_SECRET: &str = "fake-suite-secret";

/// How far a signature's timestamp may be from the fake's clock (DingTalk: one minute).
const SIGNATURE_WINDOW_MS: i64 = 60_000;

/// The suite's configuration, from [`FakeDingTalk::suite`].
#[derive(Debug, Clone)]
pub(crate) struct SuiteConfig {
    pub key: String,
    pub secret: String,
}

impl Default for SuiteConfig {
    fn default() -> Self {
        SuiteConfig {
            key: DEFAULT_SUITE_KEY.to_string(),
            secret: DEFAULT_SUITE_SECRET.to_string(),
        }
    }
}

impl FakeDingTalk {
    /// The ISV suite the fake plays DingTalk for (default `suitefakesuitekey` /
    /// `fake-suite-secret`).
    pub fn suite(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.suite = SuiteConfig {
            key: key.into(),
            secret: secret.into(),
        };
        self
    }
}

/// One organisation that installed the suite.
#[derive(Debug)]
pub(crate) struct Installed {
    pub corp_name: String,
    pub permanent_code: String,
    pub agent_id: i64,
    pub activated: bool,
    /// Its own address book, notices, chats.
    pub state: Arc<Mutex<State>>,
    /// The current corp token and its expiry (DingTalk hands the same one out while valid).
    current_token: Option<(String, Instant)>,
    tokens_issued: u64,
}

/// The organisation a corp token belongs to, and its state.
pub(crate) type CorpState = (String, Arc<Mutex<State>>);

/// Everything the fake knows about the suite.
#[derive(Debug)]
pub(crate) struct Isv {
    pub config: SuiteConfig,
    pub lifetime: Duration,
    ticket: Option<String>,
    suite_token: Option<(String, Instant)>,
    suite_tokens: HashMap<String, Instant>,
    suite_tokens_issued: u64,
    /// Single-use temporary auth codes: code -> corpId.
    tmp_codes: HashMap<String, String>,
    pub orgs: BTreeMap<String, Installed>,
    /// Every corp token ever issued: token -> corpId.
    corp_tokens: HashMap<String, String>,
    /// The suite's HTTP callback (owner key: the suite key).
    pub callback: Option<CallbackSubscription>,
    /// Milliseconds added to the fake's clock when it checks signatures.
    pub clock_skew_ms: i64,
    counter: u64,
    salt: RandomState,
}

impl Isv {
    pub(crate) fn new(config: SuiteConfig, lifetime: Duration) -> Self {
        Isv {
            config,
            lifetime,
            ticket: None,
            suite_token: None,
            suite_tokens: HashMap::new(),
            suite_tokens_issued: 0,
            tmp_codes: HashMap::new(),
            orgs: BTreeMap::new(),
            corp_tokens: HashMap::new(),
            callback: None,
            clock_skew_ms: 0,
            counter: 0,
            salt: RandomState::new(),
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!(
            "{prefix}{:06x}{:016x}",
            self.counter,
            self.salt.hash_one(self.counter)
        )
    }

    /// Checks the suite key and secret, then that `ticket` is the current one.
    pub(crate) fn check_suite(
        &self,
        key: &str,
        secret: &str,
        ticket: &str,
    ) -> Result<(), Rejection> {
        if key != self.config.key {
            return Err(Rejection::new(40083, "不合法的suiteid"));
        }
        if secret != self.config.secret {
            return Err(Rejection::new(40088, "不合法的套件key或secret"));
        }
        self.check_ticket(ticket)
    }

    fn check_ticket(&self, ticket: &str) -> Result<(), Rejection> {
        match &self.ticket {
            Some(current) if current == ticket => Ok(()),
            _ => Err(Rejection::new(40085, "不存在的suiteticket")),
        }
    }

    /// `get_suite_token`: the current suite token while it is valid (renewed), else a new one.
    pub(crate) fn issue_suite_token(
        &mut self,
        key: &str,
        secret: &str,
        ticket: &str,
    ) -> Result<(String, u64), Rejection> {
        self.check_suite(key, secret, ticket)?;
        let now = Instant::now();
        let token = match &self.suite_token {
            Some((token, expiry)) if *expiry > now => token.clone(),
            _ => self.fresh("fakesuite"),
        };
        let expiry = now + self.lifetime;
        self.suite_token = Some((token.clone(), expiry));
        self.suite_tokens.insert(token.clone(), expiry);
        self.suite_tokens_issued += 1;
        Ok((token, self.lifetime.as_secs()))
    }

    /// A call carrying the suite token: 41022 missing, 40082 unknown, 42009 expired.
    pub(crate) fn check_suite_token(&self, token: Option<&str>) -> Result<(), Rejection> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(Rejection::new(41022, "缺少suitetoken"));
        };
        match self.suite_tokens.get(token) {
            None => Err(Rejection::new(40082, "不合法的suitetoken")),
            Some(expiry) if *expiry <= Instant::now() => {
                Err(Rejection::new(42009, "suitetoken失效"))
            }
            Some(_) => Ok(()),
        }
    }

    /// A signed call, checked as DingTalk checks it.
    pub(crate) fn check_signature(&self, query: &[(String, String)]) -> Result<(), Rejection> {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        let timestamp = get("timestamp");
        let millis: i64 = match timestamp.trim().parse() {
            // Seconds (10 digits) are not milliseconds.
            Ok(ms) if ms >= 1_000_000_000_000 => ms,
            _ => {
                return Err(Rejection::new(
                    853001,
                    "timestamp参数格式不正确，必须是当前时间的毫秒数",
                ));
            }
        };
        let now = crate::push::now_ms() + self.clock_skew_ms;
        if (now - millis).abs() > SIGNATURE_WINDOW_MS {
            return Err(Rejection::new(
                853002,
                "timestamp参数不合法，该参数值与钉钉服务器当前时间相差超过1分钟",
            ));
        }
        if get("accessKey") != self.config.key {
            return Err(Rejection::new(
                853003,
                "accessKey参数不合法，必须是钉钉开放平台存在的appId",
            ));
        }
        let ticket = get("suiteTicket");
        let expected = signature(&self.config.secret, timestamp.trim(), ticket);
        if get("signature") != expected {
            return Err(Rejection::new(
                853004,
                "signature参数不正确，与钉钉服务端计算出来的签名不一致，注意该参数传递时必须urlEncode",
            ));
        }
        self.check_ticket(ticket)
    }

    /// An organisation's corp token: the current one while valid (renewed), else a new one.
    pub(crate) fn issue_corp_token(&mut self, corp_id: &str) -> Result<(String, u64), Rejection> {
        let fresh = self.fresh("fakecorp");
        let lifetime = self.lifetime;
        let org = self
            .orgs
            .get_mut(corp_id)
            .ok_or_else(|| Rejection::new(41030, "企业未对该套件授权"))?;
        let now = Instant::now();
        let token = match &org.current_token {
            Some((token, expiry)) if *expiry > now => token.clone(),
            _ => fresh,
        };
        org.current_token = Some((token.clone(), now + lifetime));
        org.tokens_issued += 1;
        self.corp_tokens.insert(token.clone(), corp_id.to_string());
        Ok((token, lifetime.as_secs()))
    }

    /// The organisation a corp token acts for: `Ok(None)` when it is no corp token at all,
    /// 42001 when it expired, 40014 when its organisation removed the app.
    pub(crate) fn corp_of(&self, token: &str) -> Result<Option<CorpState>, Rejection> {
        let Some(corp_id) = self.corp_tokens.get(token) else {
            return Ok(None);
        };
        let Some(org) = self.orgs.get(corp_id) else {
            return Err(Rejection::new(40014, "不合法的access_token"));
        };
        match &org.current_token {
            Some((current, expiry)) if current == token && *expiry > Instant::now() => {
                Ok(Some((corp_id.clone(), org.state.clone())))
            }
            Some((current, _)) if current == token => {
                Err(Rejection::new(42001, "access_token超时"))
            }
            _ => Err(Rejection::new(40014, "不合法的access_token")),
        }
    }

    /// `get_permanent_code`: the code works once.
    pub(crate) fn exchange(&mut self, tmp_auth_code: &str) -> Result<Value, Rejection> {
        let corp_id = self
            .tmp_codes
            .remove(tmp_auth_code)
            .ok_or_else(|| Rejection::new(40078, "不存在的临时授权码"))?;
        let org = self
            .orgs
            .get(&corp_id)
            .ok_or_else(|| Rejection::new(41030, "企业未对该套件授权"))?;
        Ok(json!({
            "permanent_code": org.permanent_code,
            "auth_corp_info": {"corpid": corp_id, "corp_name": org.corp_name},
        }))
    }

    pub(crate) fn activate(
        &mut self,
        suite_key: &str,
        corp_id: &str,
        permanent_code: &str,
    ) -> Result<(), Rejection> {
        if suite_key != self.config.key {
            return Err(Rejection::new(40083, "不合法的suiteid"));
        }
        let org = self
            .orgs
            .get_mut(corp_id)
            .ok_or_else(|| Rejection::new(41030, "企业未对该套件授权"))?;
        if org.permanent_code != permanent_code {
            return Err(Rejection::new(41031, "auth_corpid和permanent_code不匹配"));
        }
        org.activated = true;
        Ok(())
    }

    pub(crate) fn org(&self, corp_id: &str) -> Result<&Installed, Rejection> {
        self.orgs
            .get(corp_id)
            .ok_or_else(|| Rejection::new(41030, "企业未对该套件授权"))
    }

    /// A new single-use code for `corp_id` (install, re-authorisation).
    fn tmp_code_for(&mut self, corp_id: &str) -> String {
        let code = self.fresh("faketmpauth");
        self.tmp_codes.insert(code.clone(), corp_id.to_string());
        code
    }
}

/// The ISV signature as DingTalk computes it (independent of the SDK's).
fn signature(secret: &str, timestamp: &str, ticket: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(format!("{timestamp}\n{ticket}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// One ISV event, pushed over Stream and (if set) to the suite's HTTP callback, each in its
/// channel's form and under its channel's event type (`org_suite_auth` over Stream is
/// `tmp_auth_code` over HTTP); `None` where it does not travel.
fn publish(
    shared: &Shared,
    corp_id: &str,
    stream: Option<(&str, Value)>,
    http: Option<(&str, Value)>,
) {
    let (callback, suite_key) = {
        let isv = lock(&shared.isv);
        (isv.callback.clone(), isv.config.key.clone())
    };
    if let (Some(subscription), Some((event_type, payload))) = (callback, http) {
        crate::push::queue_http(
            shared,
            subscription,
            &suite_key,
            corp_id,
            event_type,
            payload,
        );
    }
    if let Some((event_type, payload)) = stream {
        let id = lock(&shared.state).next_id();
        shared.stream.emit_event(
            event_type,
            &format!("fakeisvevent{id:010}"),
            corp_id,
            &payload,
        );
    }
}

/// Events an organisation's own state queued (a call for it changed something).
pub(crate) fn flush_org(shared: &Shared, corp_id: &str, events: Vec<(String, Value)>) {
    for (event_type, payload) in events {
        publish(
            shared,
            corp_id,
            Some((&event_type, payload.clone())),
            Some((&event_type, payload)),
        );
    }
}

impl FakeHandle {
    /// The suite's key and secret.
    pub fn suite_credentials(&self) -> (String, String) {
        let isv = lock(&self.shared.isv);
        (isv.config.key.clone(), isv.config.secret.clone())
    }

    /// Makes a new suite ticket current and pushes `suite_ticket` (Stream, and the suite's
    /// HTTP callback if set). The previous ticket is refused from now on. Returns the ticket.
    pub fn push_suite_ticket(&self) -> String {
        let (ticket, key) = {
            let mut isv = lock(&self.shared.isv);
            let ticket = isv.fresh("faketicket");
            isv.ticket = Some(ticket.clone());
            (ticket, isv.config.key.clone())
        };
        publish(
            &self.shared,
            &key,
            Some(("suite_ticket", json!({"suiteTicket": ticket}))),
            Some((
                "suite_ticket",
                json!({"SuiteKey": key, "SuiteTicket": ticket, "TimeStamp": crate::push::now_ms()}),
            )),
        );
        ticket
    }

    /// The current suite ticket, if one was pushed.
    pub fn suite_ticket(&self) -> Option<String> {
        lock(&self.shared.isv).ticket.clone()
    }

    /// Where the suite's HTTP events go (the developer console's callback of an ISV app):
    /// encrypted with `token` and `aes_key`, the suite key as owner key.
    pub fn isv_callback(
        &self,
        url: impl Into<String>,
        token: impl Into<String>,
        aes_key: impl Into<String>,
    ) {
        lock(&self.shared.isv).callback = Some(CallbackSubscription {
            url: url.into(),
            token: token.into(),
            aes_key: aes_key.into(),
            tags: Vec::new(),
        });
    }

    /// `corp_id` installs the suite: the organisation gets the demo people under its own
    /// corpId and name, a permanent code and an agent id. Pushes `org_suite_auth` over Stream
    /// and `tmp_auth_code` to the HTTP callback. Returns the single-use temporary auth code.
    pub fn install_suite(&self, corp_id: &str, corp_name: &str) -> String {
        let mut org = Org::demo();
        org.corp_id = corp_id.to_string();
        org.corp_name = corp_name.to_string();
        self.install_suite_org(org)
    }

    /// Like [`install_suite`](Self::install_suite) with an organisation of your own.
    pub fn install_suite_org(&self, org: Org) -> String {
        let corp_id = org.corp_id.clone();
        let corp_name = org.corp_name.clone();
        let (code, permanent_code, suite_key, agent_id, admin) = {
            let mut isv = lock(&self.shared.isv);
            let permanent_code = isv.fresh("fakepermanent");
            let agent_id = 3_000_000_000 + isv.orgs.len() as i64 + 1;
            let admin = org
                .primary_admin()
                .map(|user| user.userid.clone())
                .unwrap_or_default();
            let mut state = State::new(org);
            state.robot_code = isv.config.key.clone();
            isv.orgs.insert(
                corp_id.clone(),
                Installed {
                    corp_name: corp_name.clone(),
                    permanent_code: permanent_code.clone(),
                    agent_id,
                    activated: false,
                    state: Arc::new(Mutex::new(state)),
                    current_token: None,
                    tokens_issued: 0,
                },
            );
            let code = isv.tmp_code_for(&corp_id);
            (
                code,
                permanent_code,
                isv.config.key.clone(),
                agent_id,
                admin,
            )
        };
        publish(
            &self.shared,
            &corp_id,
            Some((
                "org_suite_auth",
                json!({
                    "permanentCode": permanent_code,
                    "authCorpInfo": {"corpid": corp_id, "corpName": corp_name, "fullCorpName": corp_name},
                    "authUserInfo": {"userId": admin},
                    "authInfo": {"agent": [{"agentid": agent_id, "agentName": "Fake ISV app", "appid": 1000}]},
                }),
            )),
            Some((
                "tmp_auth_code",
                json!({
                    "AuthCode": code,
                    "AuthCorpId": corp_id,
                    "SuiteKey": suite_key,
                    "TimeStamp": crate::push::now_ms(),
                }),
            )),
        );
        code
    }

    /// `corp_id` removes the app: its corp tokens stop working. Pushes `org_suite_relieve`
    /// (Stream) and `suite_relieve` (HTTP).
    pub fn uninstall_suite(&self, corp_id: &str) -> bool {
        let (removed, key) = {
            let mut isv = lock(&self.shared.isv);
            (isv.orgs.remove(corp_id).is_some(), isv.config.key.clone())
        };
        if removed {
            publish(
                &self.shared,
                corp_id,
                Some(("org_suite_relieve", json!({}))),
                Some((
                    "suite_relieve",
                    json!({"SuiteKey": key, "AuthCorpId": corp_id, "TimeStamp": crate::push::now_ms()}),
                )),
            );
        }
        removed
    }

    /// Whether `corp_id` installed the suite and activated it.
    pub fn suite_activated(&self, corp_id: &str) -> bool {
        lock(&self.shared.isv)
            .orgs
            .get(corp_id)
            .is_some_and(|org| org.activated)
    }

    /// The agent id of the app in `corp_id` (what its work notices send as).
    pub fn suite_agent_id(&self, corp_id: &str) -> Option<i64> {
        lock(&self.shared.isv)
            .orgs
            .get(corp_id)
            .map(|org| org.agent_id)
    }

    /// How many times `get_corp_token` (or v1 `corpAccessToken`) answered a token for
    /// `corp_id`: every fetch counts, also one that got the still-valid token again.
    pub fn corp_tokens_issued(&self, corp_id: &str) -> u64 {
        lock(&self.shared.isv)
            .orgs
            .get(corp_id)
            .map_or(0, |org| org.tokens_issued)
    }

    /// How many times `get_suite_token` (or v1 `suiteAccessToken`) answered a suite token.
    pub fn suite_tokens_issued(&self) -> u64 {
        lock(&self.shared.isv).suite_tokens_issued
    }

    /// Moves the clock the fake checks signature timestamps against (853002 past a minute).
    pub fn isv_clock_skew(&self, skew: Duration, ahead: bool) {
        let ms = i64::try_from(skew.as_millis()).unwrap_or(i64::MAX);
        lock(&self.shared.isv).clock_skew_ms = if ahead { ms } else { -ms };
    }

    /// Expires the suite token and every corp token now.
    pub fn expire_isv_tokens(&self) {
        let now = Instant::now();
        let mut isv = lock(&self.shared.isv);
        if let Some((_, expiry)) = &mut isv.suite_token {
            *expiry = now;
        }
        for expiry in isv.suite_tokens.values_mut() {
            *expiry = now;
        }
        for org in isv.orgs.values_mut() {
            if let Some((_, expiry)) = &mut org.current_token {
                *expiry = now;
            }
        }
    }

    /// Reads or changes the state of an organisation that installed the suite.
    pub fn with_corp_state<R>(&self, corp_id: &str, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        let state = lock(&self.shared.isv).orgs.get(corp_id)?.state.clone();
        let mut state = lock(&state);
        Some(f(&mut state))
    }

    /// The messages delivered in an organisation that installed the suite.
    pub fn corp_deliveries(&self, corp_id: &str) -> Vec<Delivery> {
        self.with_corp_state(corp_id, |s| s.deliveries.clone())
            .unwrap_or_default()
    }
}

/// The classic `/service/` calls; `None` for every other route.
pub(crate) fn classic_call(
    shared: &Shared,
    route_path: &str,
    params: &crate::check::Params,
) -> Option<Result<Value, Rejection>> {
    let handler = crate::handlers::isv::classic(route_path)?;
    let mut isv = lock(&shared.isv);
    let mut reauth = Vec::new();
    let answer = handler(&mut isv, params, &mut reauth);
    let key = isv.config.key.clone();
    let codes: Vec<(String, String)> = reauth
        .into_iter()
        .map(|corp| {
            let code = isv.tmp_code_for(&corp);
            (corp, code)
        })
        .collect();
    drop(isv);
    for (corp_id, code) in codes {
        publish(
            shared,
            &corp_id,
            None,
            Some((
                "tmp_auth_code",
                json!({"AuthCode": code, "AuthCorpId": corp_id, "SuiteKey": key, "TimeStamp": crate::push::now_ms()}),
            )),
        );
    }
    Some(answer)
}

/// The v1 ISV calls (`suiteAccessToken`, `corpAccessToken`, `apps/authInfo`); `None` for
/// every other path.
pub(crate) fn v1_call(
    shared: &Shared,
    path: &str,
    params: &crate::check::Params,
) -> Option<Result<Value, Rejection>> {
    let handler = crate::handlers::isv::v1(path)?;
    let mut isv = lock(&shared.isv);
    Some(handler(&mut isv, params))
}
