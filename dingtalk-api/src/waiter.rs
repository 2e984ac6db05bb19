//! Waiting for work DingTalk finishes later (a work notice reaching its last recipient, ...).
//!
//! The spec declares each workflow under an endpoint's `waiters:` key; the generator turns it
//! into a method beside the endpoint's (`work_notice().send_and_wait(request, Wait::default())`)
//! that calls the endpoint, then runs [`poll_until`] on the endpoint that reports progress.
//! One loop for every waiter: nothing here knows a particular endpoint.

use std::time::Duration;

use tokio::time::Instant;

use crate::{Client, Endpoint, Error};

/// How a waiter polls: the first pause, the longest pause (each pause is half again as long
/// as the one before, up to it), and the most time the polling may take in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    first_delay: Duration,
    max_delay: Duration,
    timeout: Duration,
}

impl Default for Wait {
    /// One second, then longer pauses up to 10 s, for at most two minutes.
    fn default() -> Self {
        Wait {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
        }
    }
}

impl Wait {
    /// Polls for at most `timeout` in all (the default pauses).
    pub fn up_to(timeout: Duration) -> Self {
        Wait {
            timeout,
            ..Wait::default()
        }
    }

    /// The pause after the first poll (and the starting point of the longer ones).
    pub fn first_delay(mut self, delay: Duration) -> Self {
        self.first_delay = delay;
        self
    }

    /// The longest pause between two polls.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }
}

/// What a waiter returns: the first call's answer, the last answer (of the final call, or of
/// the last poll), and how many polls it took.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Waited<First, Last> {
    pub first: First,
    pub last: Last,
    pub polls: u32,
}

/// Sends `request` until `done` holds for its answer, pausing as `wait` says; returns the
/// number of polls and the answer that passed. The first failing poll ends the wait with its
/// error (each poll already has the client's retries); running out of time is
/// [`Error::Timeout`] naming the polled endpoint.
pub async fn poll_until<R>(
    client: &Client,
    request: R,
    wait: &Wait,
    mut done: impl FnMut(&R::Output) -> bool,
) -> Result<(u32, R::Output), Error>
where
    R: Endpoint + Clone + Send,
{
    let started = Instant::now();
    let mut delay = wait.first_delay;
    let mut polls = 0u32;
    loop {
        let answer = client.send(request.clone()).await?;
        polls = polls.saturating_add(1);
        if done(&answer) {
            return Ok((polls, answer));
        }
        if started.elapsed() + delay > wait.timeout {
            return Err(Error::Timeout {
                endpoint: R::SPEC.name,
                after: wait.timeout,
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay + delay / 2).min(wait.max_delay);
    }
}
