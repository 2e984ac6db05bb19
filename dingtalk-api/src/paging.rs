//! Walking paginated endpoints. The generator implements [`Paginated`] for every endpoint
//! whose spec declares `pagination`; the runtime only follows `next_page`.
//!
//! Three ways to walk: [`Client::pages`] (a stream of pages), [`Client::items`] (a stream of
//! items across pages), and [`Client::collect_all`] (every item in a `Vec`). All of them are
//! lazy: a page is requested only when the previous one has been consumed.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::{Client, Endpoint, Error};

/// A request whose answer comes in pages.
pub trait Paginated: Endpoint + Clone + Send + Sized {
    /// One item of a page (a user, a userid, ...).
    type Item;

    /// The documented maximum page size, if the spec names one.
    const MAX_PAGE_SIZE: Option<u32> = None;

    /// The request for the page after `page`, or `None` when `page` was the last one.
    ///
    /// Offset style advances by the number of items actually returned (so a server that
    /// caps the page size never makes us skip items) and stops on `has_more == false` or
    /// an empty page. Cursor style copies `next_cursor` and stops when it is absent or
    /// empty, when `has_more` is false, or when the cursor would not move.
    fn next_page(&self, page: &Self::Output) -> Option<Self>;

    /// The items of a page.
    fn into_items(page: Self::Output) -> Vec<Self::Item>;

    /// The page size to walk with: an unset size becomes the documented maximum (fewest
    /// calls), a larger one is lowered to it (DingTalk would refuse it).
    fn with_walk_page_size(self) -> Self {
        self
    }
}

/// The pending request of a page stream.
type PageFuture<R> =
    Pin<Box<dyn Future<Output = (Result<<R as Endpoint>::Output, Error>, Option<R>)> + Send>>;

/// A lazy stream of pages (see [`Client::pages`]). Ends after the last page or the first
/// error. It holds its own handle to the client (a cheap clone), so it can be returned from
/// a function or moved into a spawned task.
pub struct Pages<R: Paginated> {
    client: Client,
    next: Option<R>,
    pending: Option<PageFuture<R>>,
}

impl<R> Pages<R>
where
    R: Paginated + 'static,
    R::Output: Send,
{
    /// The next page, or `None` when done.
    pub async fn next(&mut self) -> Option<Result<R::Output, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<R: Paginated> Unpin for Pages<R> {}

impl<R> Stream for Pages<R>
where
    R: Paginated + 'static,
    R::Output: Send,
{
    type Item = Result<R::Output, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.pending.is_none() {
            let Some(request) = self.next.take() else {
                return Poll::Ready(None);
            };
            let client = self.client.clone();
            self.pending = Some(Box::pin(async move {
                match client.send(request.clone()).await {
                    Ok(page) => {
                        let next = request.next_page(&page);
                        (Ok(page), next)
                    }
                    Err(err) => (Err(err), None),
                }
            }));
        }
        let Some(pending) = self.pending.as_mut() else {
            return Poll::Ready(None);
        };
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((page, next)) => {
                self.pending = None;
                self.next = next;
                Poll::Ready(Some(page))
            }
        }
    }
}

/// A lazy stream of the items of every page (see [`Client::items`]); like [`Pages`], it
/// owns its handle to the client.
pub struct Items<R: Paginated> {
    pages: Pages<R>,
    buffered: VecDeque<R::Item>,
}

impl<R> Items<R>
where
    R: Paginated + 'static,
    R::Output: Send,
{
    /// The next item, or `None` when every page is done.
    pub async fn next(&mut self) -> Option<Result<R::Item, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<R: Paginated> Unpin for Items<R> {}

impl<R> Stream for Items<R>
where
    R: Paginated + 'static,
    R::Output: Send,
{
    type Item = Result<R::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut self.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(Some(Ok(page))) => self.buffered.extend(R::into_items(page)),
            }
        }
    }
}

impl Client {
    /// The pages of a paginated endpoint, starting with `first` (page size normalised to
    /// the documented limit), requested one at a time as the stream is polled.
    pub fn pages<R>(&self, first: R) -> Pages<R>
    where
        R: Paginated,
    {
        Pages {
            client: self.clone(),
            next: Some(first.with_walk_page_size()),
            pending: None,
        }
    }

    /// The items of every page, in order, fetched lazily.
    pub fn items<R>(&self, first: R) -> Items<R>
    where
        R: Paginated,
    {
        Items {
            pages: self.pages(first),
            buffered: VecDeque::new(),
        }
    }

    /// Fetches every page, starting with `first`, and returns all items in order.
    pub async fn collect_all<R>(&self, first: R) -> Result<Vec<R::Item>, Error>
    where
        R: Paginated + 'static,
        R::Output: Send,
    {
        let mut items = Vec::new();
        let mut pages = self.pages(first);
        while let Some(page) = pages.next().await {
            items.extend(R::into_items(page?));
        }
        Ok(items)
    }
}
