//! Walking paginated endpoints. The generator implements [`Paginated`] for every endpoint
//! whose spec declares `pagination`; the runtime only follows `next_page`.

use crate::{Client, Endpoint, Error};

/// A request whose answer comes in pages.
pub trait Paginated: Endpoint + Clone + Send + Sized {
    /// One item of a page (a user, a userid, ...).
    type Item;

    /// The request for the page after `page`, or `None` when `page` was the last one.
    ///
    /// Offset style advances by the number of items actually returned (so a server that
    /// caps the page size never makes us skip items) and stops on `has_more == false` or
    /// an empty page. Cursor style copies `next_cursor` and stops when it is absent or
    /// empty, when `has_more` is false, or when the cursor would not move.
    fn next_page(&self, page: &Self::Output) -> Option<Self>;

    /// The items of a page.
    fn into_items(page: Self::Output) -> Vec<Self::Item>;
}

impl Client {
    /// Fetches every page, starting with `first`, and returns all items in order.
    pub async fn collect_all<R>(&self, first: R) -> Result<Vec<R::Item>, Error>
    where
        R: Paginated,
    {
        let mut items = Vec::new();
        let mut request = first;
        loop {
            let page = self.send(request.clone()).await?;
            let next = request.next_page(&page);
            items.extend(R::into_items(page));
            match next {
                Some(next) => request = next,
                None => return Ok(items),
            }
        }
    }
}
