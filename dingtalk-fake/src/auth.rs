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
    /// Random per fake, so a token of one fake is unknown to every other.
    salt: RandomState,
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
            salt: RandomState::new(),
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
                self.counter += 1;
                let token = format!(
                    "fake{:08x}{:016x}",
                    self.counter,
                    self.salt.hash_one(self.counter)
                );
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

    pub fn issued_count(&self) -> u64 {
        self.counter
    }
}
