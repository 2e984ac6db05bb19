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

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Entries {
    fn set(&mut self, key: &str, mark: Mark, lasts: Duration, capacity: usize) {
        if self
            .marks
            .insert(key.to_string(), (mark, Instant::now() + lasts))
            .is_none()
        {
            self.order.push_back(key.to_string());
        }
        while self.order.len() > capacity {
            if let Some(old) = self.order.pop_front() {
                self.marks.remove(&old);
            }
        }
    }
}

impl DedupeStore for MemoryDedupeStore {
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Claim> {
        // Looked up and marked under one lock: two deliveries of one push racing on two
        // threads (a duplicated frame, a redelivery on a new connection) get one `Fresh`.
        let mut entries = self.lock();
        let found = entries
            .marks
            .get(key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(mark, _)| *mark);
        let claim = match found {
            Some(Mark::Done) => Claim::Done,
            Some(Mark::Busy) => Claim::Busy,
            None => {
                entries.set(key, Mark::Busy, ttl, self.capacity);
                Claim::Fresh
            }
        };
        Box::pin(async move { Ok(claim) })
    }

    fn complete<'a>(&'a self, key: &'a str, keep: Duration) -> StoreFuture<'a, ()> {
        self.lock().set(key, Mark::Done, keep, self.capacity);
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let mut guard = self.lock();
        // Expired rather than removed, so the eviction order keeps one entry per key.
        if let Some(entry) = guard.marks.get_mut(key)
            && entry.0 == Mark::Busy
        {
            entry.1 = Instant::now();
        }
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    /// Deliveries of one push on many threads at the same moment: exactly one is `Fresh`, for
    /// every push (the store marks under the lock it looked under).
    #[test]
    fn concurrent_claims_of_one_key_give_one_fresh() {
        const THREADS: usize = 8;
        const KEYS: usize = 20_000;
        let store = Arc::new(MemoryDedupeStore::default());
        let start = Arc::new(Barrier::new(THREADS));
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (store, start) = (store.clone(), start.clone());
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("a runtime");
                    start.wait();
                    runtime.block_on(async {
                        let mut fresh = Vec::new();
                        for key in 0..KEYS {
                            let name = format!("push-{key}");
                            let claim = store.claim(&name, Duration::from_secs(60)).await;
                            if claim.expect("the memory store does not fail") == Claim::Fresh {
                                fresh.push(key);
                            }
                        }
                        fresh
                    })
                })
            })
            .collect();
        let mut fresh = vec![0; KEYS];
        for worker in workers {
            for key in worker.join().expect("a worker") {
                fresh[key] += 1;
            }
        }
        assert!(fresh.iter().all(|&count| count == 1), "{fresh:?}");
    }

    #[tokio::test]
    async fn a_completed_push_is_done_and_a_released_one_is_fresh_again() {
        let store = MemoryDedupeStore::new(2);
        let ttl = Duration::from_secs(60);
        assert_eq!(store.claim("a", ttl).await.unwrap(), Claim::Fresh);
        assert_eq!(store.claim("a", ttl).await.unwrap(), Claim::Busy);
        store.complete("a", ttl).await.unwrap();
        assert_eq!(store.claim("a", ttl).await.unwrap(), Claim::Done);
        assert_eq!(store.claim("b", ttl).await.unwrap(), Claim::Fresh);
        store.release("b").await.unwrap();
        assert_eq!(store.claim("b", ttl).await.unwrap(), Claim::Fresh);
        // Bounded: a third key evicts the oldest.
        assert_eq!(store.claim("c", ttl).await.unwrap(), Claim::Fresh);
        assert_eq!(store.claim("a", ttl).await.unwrap(), Claim::Fresh);
    }
}
