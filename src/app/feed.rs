//! The change feed for those outside the service: what other people's commits touched
//! since a change counter (see [`crate::store::feed`]), and reads of exactly those
//! entities, so that open screens patch them in instead of reloading everything.

use super::{AppError, Service};
use crate::domain::{AuditEntry, ItemId, Order, PendingItem, PoNumber};
use std::collections::HashMap;

pub use crate::store::feed::{Changes, Feed, Touched};

impl Service {
    /// What the commits after change counter `since` touched; [`Feed::FellBehind`] (and a
    /// line in the log) when the feed does not reach back that far.
    pub fn changes_since(&self, since: u64) -> Result<Feed, AppError> {
        let feed = self.store.changes_since(since)?;
        if let Feed::FellBehind { since, now } = &feed {
            tracing::info!(
                since,
                now,
                "the change feed does not reach back far enough: reloading everything"
            );
        }
        Ok(feed)
    }

    /// The items with these ids as they are now (every state; unknown ids are left out).
    pub fn items_by_ids(&self, ids: &[ItemId]) -> Result<Vec<PendingItem>, AppError> {
        Ok(self.store.read(|tx| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(tx.item(*id)?);
            }
            Ok::<_, crate::store::StoreError>(out)
        })?)
    }

    /// The orders with these numbers as they are now, and the PSA sync state of each
    /// placed one when a PSA is connected (the screens' Sync column).
    pub fn orders_by_numbers(&self, numbers: &[PoNumber]) -> Result<(Vec<Order>, HashMap<PoNumber, String>), AppError> {
        let connected = self.config.psa.kind.is_connected();
        let (orders, states, jobs) = self.store.read(|tx| {
            let mut orders = Vec::with_capacity(numbers.len());
            let mut states = Vec::new();
            for po in numbers {
                orders.extend(tx.order(*po)?);
                if connected {
                    states.extend(tx.psa_sync(*po)?);
                }
            }
            let jobs = if connected { tx.jobs()? } else { Vec::new() };
            Ok::<_, AppError>((orders, states, jobs))
        })?;
        let sync = if connected {
            orders
                .iter()
                .filter(|o| o.submission().is_some())
                .map(|o| {
                    (
                        o.number,
                        self.sync_view(o, states.iter().find(|s| s.po == o.number), &jobs).sync,
                    )
                })
                .collect()
        } else {
            HashMap::new()
        };
        Ok((orders, sync))
    }

    /// Audit entries with sequence numbers from `start` on, oldest first, each passed
    /// through `shape`.
    pub fn audit_from(&self, start: u64, shape: &dyn Fn(&mut AuditEntry)) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self.store.read(|tx| tx.audit_from(start, shape))?)
    }
}
