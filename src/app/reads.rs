//! Reads that go through the service for those outside it: the screens' worker (items a
//! chunk at a time, a quote's ship-to, the change counter), the PSA sync (the quotes an
//! order draws on), the benchmark and the inbox (counts). Nothing outside `app` opens the
//! store itself.

use super::{AppError, Service};
use crate::domain::{Address, ItemId, Order, PendingItem, Quote};
use std::collections::BTreeMap;
use std::path::Path;

impl Service {
    /// Up to `limit` items from id `from` on, in id order (every state).
    pub fn items_from(&self, from: ItemId, limit: usize) -> Result<Vec<PendingItem>, AppError> {
        Ok(self.store.read(|tx| tx.items_from(from, limit))?)
    }

    /// The ship-to of a stored quote, if the quote is known and has one.
    pub fn quote_ship_to(&self, quote_id: &str) -> Result<Option<Address>, AppError> {
        Ok(self.store.read(|tx| tx.quote(quote_id))?.and_then(|q| q.quote.ship_to))
    }

    /// The quotes an order draws on, each read once, by quote id (`None`: not stored).
    pub fn quotes_of(&self, order: &Order) -> Result<BTreeMap<String, Option<Quote>>, AppError> {
        Ok(self.store.read(|tx| {
            let mut by_id = BTreeMap::new();
            for l in &order.lines {
                if !by_id.contains_key(&l.quote_id) {
                    by_id.insert(l.quote_id.clone(), tx.quote(&l.quote_id)?.map(|q| q.quote));
                }
            }
            Ok::<_, crate::store::StoreError>(by_id)
        })?)
    }

    /// The database's change counter: bumped by every commit of any process (screens
    /// poll it to learn about other people's changes).
    pub fn change_counter(&self) -> Result<u64, AppError> {
        Ok(self.store.change_counter()?)
    }

    /// How many commits this thread made, ever: beside [`Service::change_counter`], it
    /// tells a thread's own commits from everyone else's.
    pub fn commits_on_this_thread() -> u64 {
        crate::store::commits_on_this_thread()
    }

    /// The database file.
    pub fn database_path(&self) -> &Path {
        self.store.path()
    }

    /// (items, orders) stored, of every state.
    pub fn counts(&self) -> Result<(u64, u64), AppError> {
        Ok(self.store.read(|tx| tx.counts())?)
    }

    /// One write transaction that only takes a job number: the cost of a commit on this
    /// disk, with nothing people see changed (the benchmark's floor).
    pub fn commit_probe(&self) -> Result<(), AppError> {
        Ok(self.store.write(|tx| tx.next_job_id().map(drop))?)
    }
}
