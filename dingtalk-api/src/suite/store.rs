//! Where an ISV suite keeps what DingTalk gives it: the latest suite ticket, and the permanent
//! code of each organisation that installed the app. In memory by default; in Redis (feature
//! `redis`, [`RedisSuiteStore`](super::RedisSuiteStore)) to share them between processes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::token::StoreFuture;

/// A suite ticket. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket(Arc<str>);

impl Ticket {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Ticket(value.into())
    }

    /// The ticket text.
    pub fn secret(&self) -> &str {
        &self.0
    }

    pub(crate) fn shared(&self) -> Arc<str> {
        self.0.clone()
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ticket(<redacted>)")
    }
}

/// An organisation's permanent authorisation code. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct PermanentCode(Arc<str>);

impl PermanentCode {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        PermanentCode(value.into())
    }

    /// The code text.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PermanentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PermanentCode(<redacted>)")
    }
}

/// Keeps the latest suite ticket of each suite (keyed by suite key). A new ticket replaces
/// the previous one: DingTalk accepts only the latest.
///
/// Store failures are [`Error::Isv`](crate::Error::Isv)([`IsvError::Store`](crate::IsvError::Store)).
pub trait SuiteTicketStore: Send + Sync + 'static {
    /// The latest ticket of `suite_key`, if one has arrived.
    fn load_ticket<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Option<Ticket>>;

    /// Keeps `ticket` as the latest of `suite_key`.
    fn save_ticket<'a>(&'a self, suite_key: &'a str, ticket: &'a Ticket) -> StoreFuture<'a, ()>;
}

/// Keeps the permanent code of each organisation that installed a suite.
pub trait PermanentCodeStore: Send + Sync + 'static {
    /// The permanent code of `corp_id`, if it installed the suite.
    fn load_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
    ) -> StoreFuture<'a, Option<PermanentCode>>;

    /// Keeps the permanent code of `corp_id` (replacing an older one).
    fn save_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
        code: &'a PermanentCode,
    ) -> StoreFuture<'a, ()>;

    /// Forgets `corp_id` (it removed the app).
    fn remove_code<'a>(&'a self, suite_key: &'a str, corp_id: &'a str) -> StoreFuture<'a, ()>;

    /// Every organisation with a stored code, sorted.
    fn corp_ids<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Vec<String>>;
}

/// Both ISV stores in this process's memory (the default).
#[derive(Default)]
pub struct MemorySuiteStore {
    tickets: Mutex<HashMap<String, Ticket>>,
    codes: Mutex<HashMap<String, BTreeMap<String, PermanentCode>>>,
}

impl fmt::Debug for MemorySuiteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySuiteStore").finish_non_exhaustive()
    }
}

impl MemorySuiteStore {
    pub fn new() -> Self {
        Self::default()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SuiteTicketStore for MemorySuiteStore {
    fn load_ticket<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Option<Ticket>> {
        let found = lock(&self.tickets).get(suite_key).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn save_ticket<'a>(&'a self, suite_key: &'a str, ticket: &'a Ticket) -> StoreFuture<'a, ()> {
        lock(&self.tickets).insert(suite_key.to_string(), ticket.clone());
        Box::pin(async { Ok(()) })
    }
}

impl PermanentCodeStore for MemorySuiteStore {
    fn load_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
    ) -> StoreFuture<'a, Option<PermanentCode>> {
        let found = lock(&self.codes)
            .get(suite_key)
            .and_then(|codes| codes.get(corp_id))
            .cloned();
        Box::pin(async move { Ok(found) })
    }

    fn save_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
        code: &'a PermanentCode,
    ) -> StoreFuture<'a, ()> {
        lock(&self.codes)
            .entry(suite_key.to_string())
            .or_default()
            .insert(corp_id.to_string(), code.clone());
        Box::pin(async { Ok(()) })
    }

    fn remove_code<'a>(&'a self, suite_key: &'a str, corp_id: &'a str) -> StoreFuture<'a, ()> {
        if let Some(codes) = lock(&self.codes).get_mut(suite_key) {
            codes.remove(corp_id);
        }
        Box::pin(async { Ok(()) })
    }

    fn corp_ids<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Vec<String>> {
        let ids = lock(&self.codes)
            .get(suite_key)
            .map(|codes| codes.keys().cloned().collect())
            .unwrap_or_default();
        Box::pin(async move { Ok(ids) })
    }
}

impl<S: SuiteTicketStore + ?Sized> SuiteTicketStore for Arc<S> {
    fn load_ticket<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Option<Ticket>> {
        (**self).load_ticket(suite_key)
    }

    fn save_ticket<'a>(&'a self, suite_key: &'a str, ticket: &'a Ticket) -> StoreFuture<'a, ()> {
        (**self).save_ticket(suite_key, ticket)
    }
}

impl<S: PermanentCodeStore + ?Sized> PermanentCodeStore for Arc<S> {
    fn load_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
    ) -> StoreFuture<'a, Option<PermanentCode>> {
        (**self).load_code(suite_key, corp_id)
    }

    fn save_code<'a>(
        &'a self,
        suite_key: &'a str,
        corp_id: &'a str,
        code: &'a PermanentCode,
    ) -> StoreFuture<'a, ()> {
        (**self).save_code(suite_key, corp_id, code)
    }

    fn remove_code<'a>(&'a self, suite_key: &'a str, corp_id: &'a str) -> StoreFuture<'a, ()> {
        (**self).remove_code(suite_key, corp_id)
    }

    fn corp_ids<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Vec<String>> {
        (**self).corp_ids(suite_key)
    }
}
