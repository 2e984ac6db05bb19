//! `gettoken` and token checks, with DingTalk's codes: 40001 wrong credentials, 41001 no
//! token, 40014 unknown token, 42001 expired token.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use tokio::time::Instant;

use crate::check::Rejection;

#[derive(Debug)]
pub struct Tokens {
    pub app_key: String,
    pub app_secret: String,
    pub lifetime: Duration,
    issued: HashMap<String, Instant>,
    current: Option<String>,
    counter: u64,
    app_tokens_issued: u64,
    /// Random per fake, so a token of one fake is unknown to every other.
    salt: RandomState,
    /// OAuth2 authorisation codes not yet exchanged, with the user they log in.
    codes: HashMap<String, String>,
    /// User tokens: the user and the expiry.
    user_tokens: HashMap<String, (String, Instant)>,
    /// Refresh tokens: the user.
    refresh_tokens: HashMap<String, String>,
}

/// A user token handed out by the OAuth2 flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

impl Tokens {
    pub fn new(app_key: String, app_secret: String, lifetime: Duration) -> Self {
        Tokens {
            app_key,
            app_secret,
            lifetime,
            issued: HashMap::new(),
            current: None,
            counter: 0,
            app_tokens_issued: 0,
            salt: RandomState::new(),
            codes: HashMap::new(),
            user_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!(
            "{prefix}{:08x}{:016x}",
            self.counter,
            self.salt.hash_one(self.counter)
        )
    }

    /// A single-use OAuth2 code that logs `userid` in (what DingTalk's login page hands the
    /// app after the user agreed).
    pub fn issue_code(&mut self, userid: &str) -> String {
        let code = self.fresh("fakecode");
        self.codes.insert(code.clone(), userid.to_string());
        code
    }

    fn check_client(&self, client_id: &str, client_secret: &str) -> Result<(), Rejection> {
        if client_id != self.app_key || client_secret != self.app_secret {
            return Err(Rejection::v1(
                400,
                "invalidClientIdOrSecret",
                "无效的clientId或clientSecret",
            ));
        }
        Ok(())
    }

    fn grant(&mut self, userid: String) -> UserGrant {
        let access_token = self.fresh("fakeuser");
        let refresh_token = self.fresh("fakerefresh");
        self.user_tokens.insert(
            access_token.clone(),
            (userid.clone(), Instant::now() + self.lifetime),
        );
        self.refresh_tokens.insert(refresh_token.clone(), userid);
        UserGrant {
            access_token,
            refresh_token,
            expires_in: self.lifetime.as_secs(),
        }
    }

    /// `grant_type=authorization_code`: a code from [`issue_code`](Self::issue_code), once.
    pub fn exchange_code(
        &mut self,
        client_id: &str,
        client_secret: &str,
        code: &str,
    ) -> Result<(UserGrant, String), Rejection> {
        self.check_client(client_id, client_secret)?;
        let userid = self.codes.remove(code).ok_or_else(|| {
            Rejection::v1(
                400,
                "invalidParameter.authCode.notFound",
                "不合法的临时授权码",
            )
        })?;
        Ok((self.grant(userid.clone()), userid))
    }

    /// `grant_type=refresh_token`: a new user token for the refresh token's user.
    pub fn refresh_user(
        &mut self,
        client_id: &str,
        client_secret: &str,
        refresh_token: &str,
    ) -> Result<(UserGrant, String), Rejection> {
        self.check_client(client_id, client_secret)?;
        let userid = self.refresh_tokens.remove(refresh_token).ok_or_else(|| {
            Rejection::v1(
                400,
                "invalidParameter.refreshToken.notFound",
                "不合法的refreshToken",
            )
        })?;
        Ok((self.grant(userid.clone()), userid))
    }

    /// The user a user token acts for.
    pub fn check_user(&self, token: Option<&str>) -> Result<String, Rejection> {
        let refused = || Rejection::v1(400, "InvalidAuthentication", "不合法的access_token");
        let token = token.filter(|t| !t.is_empty()).ok_or_else(refused)?;
        match self.user_tokens.get(token) {
            Some((userid, expiry)) if *expiry > Instant::now() => Ok(userid.clone()),
            _ => Err(refused()),
        }
    }

    /// Like DingTalk: asking again while the token is valid returns the same token and
    /// extends it; after expiry a new one is issued.
    pub fn get_token(&mut self, key: &str, secret: &str) -> Result<(String, u64), Rejection> {
        if key != self.app_key || secret != self.app_secret {
            return Err(Rejection::new(
                40001,
                "invalid credential: appkey or appsecret is wrong",
            ));
        }
        let now = Instant::now();
        let token = match &self.current {
            Some(token) if self.issued.get(token).is_some_and(|expiry| *expiry > now) => {
                token.clone()
            }
            _ => {
                let token = self.fresh("fake");
                self.app_tokens_issued += 1;
                self.current = Some(token.clone());
                token
            }
        };
        self.issued.insert(token.clone(), now + self.lifetime);
        // Whole seconds, rounded down: never promise more time than the token has.
        Ok((token, self.lifetime.as_secs()))
    }

    pub fn check(&self, token: Option<&str>) -> Result<(), Rejection> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(Rejection::new(41001, "缺少access_token参数"));
        };
        match self.issued.get(token) {
            None => Err(Rejection::new(40014, "不合法的access_token")),
            Some(expiry) if *expiry <= Instant::now() => {
                Err(Rejection::new(42001, "access_token超时"))
            }
            Some(_) => Ok(()),
        }
    }

    /// Expires every token now (tests of refresh logic).
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for expiry in self.issued.values_mut() {
            *expiry = now;
        }
    }

    /// How many app tokens were issued.
    pub fn issued_count(&self) -> u64 {
        self.app_tokens_issued
    }
}

/// The v1 token calls, answered from the same token pool as `gettoken` (DingTalk's calling
/// guide uses a v1 app token on classic calls, and the other way round). `None` for any
/// other path.
pub(crate) fn v1_token_call(
    shared: &crate::server::Shared,
    path: &str,
    params: &crate::check::Params,
) -> Result<Option<serde_json::Value>, Rejection> {
    use serde_json::json;
    let text = |name: &str| {
        params
            .values
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut tokens = crate::server::lock(&shared.tokens);
    match path {
        "/v1.0/oauth2/accessToken" => {
            let (token, expires_in) = tokens
                .get_token(&text("appKey"), &text("appSecret"))
                .map_err(|_| {
                    Rejection::v1(400, "invalidClientIdOrSecret", "无效的appKey或appSecret")
                })?;
            Ok(Some(json!({"accessToken": token, "expireIn": expires_in})))
        }
        "/v1.0/oauth2/userAccessToken" => {
            let (client_id, client_secret) = (text("clientId"), text("clientSecret"));
            let (grant, userid) = match text("grantType").as_str() {
                "authorization_code" => {
                    tokens.exchange_code(&client_id, &client_secret, &text("code"))?
                }
                "refresh_token" => {
                    tokens.refresh_user(&client_id, &client_secret, &text("refreshToken"))?
                }
                other => {
                    return Err(Rejection::v1(
                        400,
                        "unsupported.grant.type",
                        format!("grantType `{other}` is not supported"),
                    ));
                }
            };
            drop(tokens);
            let corp_id = crate::server::lock(&shared.state).org.corp_id.clone();
            let _ = userid;
            Ok(Some(json!({
                "accessToken": grant.access_token,
                "refreshToken": grant.refresh_token,
                "expireIn": grant.expires_in,
                "corpId": corp_id,
            })))
        }
        _ if path.starts_with("/v1.0/oauth2/") && path.ends_with("/token") => {
            let (token, expires_in) = tokens
                .get_token(&text("client_id"), &text("client_secret"))
                .map_err(|_| {
                    Rejection::v1(400, "invalid.client", "无效的client_id或client_secret")
                })?;
            Ok(Some(
                json!({"access_token": token, "expires_in": expires_in}),
            ))
        }
        _ => Ok(None),
    }
}
