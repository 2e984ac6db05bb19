//! Remembering which pushes were handled, so that a redelivery (DingTalk pushes until it gets
//! an ACK, also across reconnects) or a duplicate is ACKed without running the handler
//! again. Several instances of one service share a [`DedupeStore`] (Redis with the `redis`
//! feature) and each push is handled by one of them, once.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::token::StoreFuture;

/// What [`DedupeStore::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not seen yet: this caller handles it now.
    Fresh,
    /// Already handled: ACK it without handling it again.
    Done,
    /// Being handled right now (by another instance): ask DingTalk to push it again later.
    Busy,
}

/// Where handled pushes are remembered.
pub trait DedupeStore: Send + Sync + 'static {
    /// Claims `key` for handling for at most `ttl` (a handler that dies frees it then).
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Claim>;

    /// Marks `key` handled, remembered for `keep`.
    fn complete<'a>(&'a self, key: &'a str, keep: Duration) -> StoreFuture<'a, ()>;

    /// Gives up a claim (the handler failed): the next delivery is handled afresh.
    fn release<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Busy,
    Done,
}

/// The default store: this process only, bounded (the oldest keys go first).
#[derive(Debug)]
pub struct MemoryDedupeStore {
    capacity: usize,
    entries: Mutex<Entries>,
}

/// The marks and the order they were first set in (for eviction).
#[derive(Debug, Default)]
struct Entries {
    marks: HashMap<String, (Mark, Instant)>,
    order: VecDeque<String>,
}

impl Default for MemoryDedupeStore {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl MemoryDedupeStore {
    /// Remembers at most `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        MemoryDedupeStore {
            capacity: capacity.max(1),
            entries: Mutex::new(Entries::default()),
        }
    }

    fn set(&self, key: &str, mark: Mark, lasts: Duration) {
        let mut guard = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Entries { marks, order } = &mut *guard;
        if marks
            .insert(key.to_string(), (mark, Instant::now() + lasts))
            .is_none()
        {
            order.push_back(key.to_string());
        }
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                marks.remove(&old);
            }
        }
    }
}

impl DedupeStore for MemoryDedupeStore {
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Claim> {
        let found = {
            let guard = self
                .entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            guard
                .marks
                .get(key)
                .filter(|(_, until)| *until > Instant::now())
                .map(|(mark, _)| *mark)
        };
        let claim = match found {
            Some(Mark::Done) => Claim::Done,
            Some(Mark::Busy) => Claim::Busy,
            None => {
                self.set(key, Mark::Busy, ttl);
                Claim::Fresh
            }
        };
        Box::pin(async move { Ok(claim) })
    }

    fn complete<'a>(&'a self, key: &'a str, keep: Duration) -> StoreFuture<'a, ()> {
        self.set(key, Mark::Done, keep);
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let mut guard = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Expired rather than removed, so the eviction order keeps one entry per key.
        if let Some(entry) = guard.marks.get_mut(key)
            && entry.0 == Mark::Busy
        {
            entry.1 = Instant::now();
        }
        Box::pin(async { Ok(()) })
    }
}
