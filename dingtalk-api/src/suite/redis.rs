//! The ISV stores in Redis (features `isv` and `redis`): every process of one suite sees the
//! latest suite ticket and every organisation's permanent code.
//!
//! Keys, under the prefix (default `dingtalk:`):
//!
//! - `<prefix>suite-ticket:<suite_key>`: the latest ticket, no expiry (DingTalk replaces it
//!   with the next push);
//! - `<prefix>permanent-codes:<suite_key>`: a hash from corpId to permanent code.
//!
//! The tokens themselves (suite token, one corp token per organisation) go in the
//! [`TokenStore`](crate::TokenStore) of the client builder, e.g. a
//! [`RedisTokenStore`](crate::redis_store::RedisTokenStore), under the keys
//! `suite:<suite_key>` and `suite:<suite_key>:corp:<corp_id>`.

use std::fmt;

use crate::Error;
use crate::error::IsvError;
use crate::redis_link::RedisLink;
use crate::redis_store::DEFAULT_PREFIX;
use crate::token::StoreFuture;

use super::store::{PermanentCode, PermanentCodeStore, SuiteTicketStore, Ticket};

/// Both ISV stores in Redis. One multiplexed connection, opened on first use.
///
/// Failures are [`Error::Isv`]([`IsvError::Store`]); neither `Debug` nor errors hold a ticket,
/// a code or the URL's password.
pub struct RedisSuiteStore {
    link: RedisLink,
    prefix: String,
}

impl fmt::Debug for RedisSuiteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSuiteStore")
            .field("url", &self.link.shown_url)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn store_error(message: String) -> Error {
    Error::Isv(IsvError::Store(message))
}

impl RedisSuiteStore {
    /// A store at `redis_url` (as [`RedisTokenStore::new`](crate::redis_store::RedisTokenStore::new)).
    pub fn new(redis_url: &str) -> Result<Self, Error> {
        Ok(RedisSuiteStore {
            link: RedisLink::new(redis_url, "ISV store", store_error)?,
            prefix: DEFAULT_PREFIX.to_string(),
        })
    }

    /// Puts every key under `prefix` instead of `dingtalk:`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key holding the latest ticket of `suite_key`.
    pub fn ticket_key(&self, suite_key: &str) -> String {
        format!("{}suite-ticket:{suite_key}", self.prefix)
    }

    /// The hash holding the permanent codes of `suite_key`'s organisations.
    pub fn codes_key(&self, suite_key: &str) -> String {
        format!("{}permanent-codes:{suite_key}", self.prefix)
    }
}

impl SuiteTicketStore for RedisSuiteStore {
    fn load_ticket<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Option<Ticket>> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            let value: Option<String> = self.link.check(
                "load the suite ticket",
                redis::cmd("GET")
                    .arg(self.ticket_key(suite_key))
                    .query_async(&mut connection)
                    .await,
            )?;
            Ok(value.filter(|v| !v.is_empty()).map(Ticket::new))
        })
    }

    fn save_ticket<'a>(&'a self, suite_key: &'a str, ticket: &'a Ticket) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "save the suite ticket",
                redis::cmd("SET")
                    .arg(self.ticket_key(suite_key))
                    .arg(ticket.secret())
                    .query_async::<()>(&mut connection)
                    .await,
            )
        })
    }
}

impl PermanentCodeStore for RedisSuiteStore {
    fn load_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
    ) -> StoreFuture<'a, Option<PermanentCode>> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            let value: Option<String> = self.link.check(
                "load a permanent code",
                redis::cmd("HGET")
                    .arg(self.codes_key(suite_key))
                    .arg(corp_id)
                    .query_async(&mut connection)
                    .await,
            )?;
            Ok(value.filter(|v| !v.is_empty()).map(PermanentCode::new))
        })
    }

    fn save_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
        code: &'a PermanentCode,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "save a permanent code",
                redis::cmd("HSET")
                    .arg(self.codes_key(suite_key))
                    .arg(corp_id)
                    .arg(code.secret())
                    .query_async::<()>(&mut connection)
                    .await,
            )
        })
    }

    fn remove_code<'a>(&'a self, suite_key: &'a str, corp_id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "remove a permanent code",
                redis::cmd("HDEL")
                    .arg(self.codes_key(suite_key))
                    .arg(corp_id)
                    .query_async::<()>(&mut connection)
                    .await,
            )
        })
    }

    fn corp_ids<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            let mut ids: Vec<String> = self.link.check(
                "list the organisations",
                redis::cmd("HKEYS")
                    .arg(self.codes_key(suite_key))
                    .query_async(&mut connection)
                    .await,
            )?;
            ids.sort();
            Ok(ids)
        })
    }
}
