//! The client for code that does not run async (scripts, cron jobs, a CLI): every call
//! blocks the calling thread until DingTalk answers (feature `blocking`).
//!
//! It is the async [`Client`] with a Tokio runtime of its own, so tokens, retries, bounds and
//! errors are exactly the async client's. Do not use it inside async code: from a thread that
//! already runs a Tokio runtime every call is refused with [`Error::Config`] (blocking there
//! would stall that runtime).
//!
//! ```no_run
//! use dingtalk_api::blocking::BlockingClient;
//! use dingtalk_api::contact::user::GetV2Request;
//!
//! fn main() -> Result<(), dingtalk_api::Error> {
//!     let client = BlockingClient::new("your app key", "your app secret")?;
//!     let user = client.send(GetV2Request::new("manager4220"))?;
//!     println!("{}", user.name);
//!     // Area accessors return futures: run them on the client's runtime.
//!     let again = client.block_on(|c| c.contact().user().get_v2(GetV2Request::new("manager4220")))?;
//!     assert_eq!(user.userid, again.userid);
//!     Ok(())
//! }
//! ```

use std::future::Future;

use crate::paging::Paginated;
use crate::{Client, ClientBuilder, Endpoint, Error};

/// A [`Client`] whose calls block (see the module docs).
pub struct BlockingClient {
    client: Client,
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for BlockingClient {
    /// Tokio refuses to shut a runtime down (it panics) on a thread that runs another one:
    /// there, the runtime is left to wind down on its own.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for BlockingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingClient")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl BlockingClient {
    /// A client with the default settings ([`Client::new`]).
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Result<Self, Error> {
        Self::from_builder(Client::builder(app_key, app_secret))
    }

    /// A client built from `builder` (base URL, agent id, retries, ...).
    pub fn from_builder(builder: ClientBuilder) -> Result<Self, Error> {
        Self::wrap(builder.build()?)
    }

    /// Blocking calls through an existing client (it shares its token cache with `client`).
    pub fn wrap(client: Client) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| Error::Config(format!("the blocking client's runtime: {err}")))?;
        Ok(BlockingClient {
            client,
            runtime: Some(runtime),
        })
    }

    /// The async client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends `request` and waits for its answer ([`Client::send`]).
    pub fn send<E: Endpoint + Send>(&self, request: E) -> Result<E::Output, Error> {
        self.block_on(|client| client.send(request))
    }

    /// Every item of every page, starting with `first` ([`Client::collect_all`]).
    pub fn collect_all<R>(&self, first: R) -> Result<Vec<R::Item>, Error>
    where
        R: Paginated + 'static,
        R::Output: Send,
    {
        self.block_on(|client| client.collect_all(first))
    }

    /// Runs what `call` makes of the async client (an area accessor's future, a waiter) to
    /// its end on this client's runtime.
    pub fn block_on<'a, F, T>(&'a self, call: impl FnOnce(&'a Client) -> F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::Config(
                "BlockingClient was called from async code (a Tokio runtime runs on this \
                 thread): use the async Client there (nothing was sent)"
                    .into(),
            ));
        }
        match &self.runtime {
            Some(runtime) => runtime.block_on(call(&self.client)),
            None => Err(Error::Config("the blocking client was dropped".into())),
        }
    }
}
