//! Pending items: list, dismiss, restore, split, cost updates.

use super::Permission;
use super::{audit, AppError, Service};
use crate::domain::item::ItemFilter;
use crate::domain::{ItemId, PendingItem, RuleError};
use crate::identity::Actor;
use rust_decimal::Decimal;

impl Service {
    /// Items matching `filter`, in id order.
    pub fn list_items(&self, filter: &ItemFilter) -> Result<Vec<PendingItem>, AppError> {
        let items = self.store.read(|tx| tx.items())?;
        Ok(items.into_iter().filter(|i| filter.matches(i)).collect())
    }

    /// One item.
    pub fn item(&self, id: ItemId) -> Result<PendingItem, AppError> {
        self.store
            .read(|tx| tx.item(id))?
            .ok_or_else(|| RuleError::UnknownItem(id).into())
    }

    /// Takes an item out of the pool with a reason.
    pub fn dismiss(&self, actor: &Actor, id: ItemId, reason: &str) -> Result<PendingItem, AppError> {
        Ok(self.dismiss_all(actor, &[id], reason)?.remove(0))
    }

    /// Takes items out of the pool with one reason, all of them or none.
    pub fn dismiss_all(&self, actor: &Actor, ids: &[ItemId], reason: &str) -> Result<Vec<PendingItem>, AppError> {
        Permission::DismissItems.check(actor)?;
        let now = self.now();
        self.change_items(actor, ids, "item.dismiss", now, |item| {
            item.dismiss(reason, &actor.name, now)
        })
    }

    /// Returns a dismissed item to the pool.
    pub fn restore(&self, actor: &Actor, id: ItemId) -> Result<PendingItem, AppError> {
        Ok(self.restore_all(actor, &[id])?.remove(0))
    }

    /// Returns dismissed items to the pool, all of them or none.
    pub fn restore_all(&self, actor: &Actor, ids: &[ItemId]) -> Result<Vec<PendingItem>, AppError> {
        Permission::RestoreItems.check(actor)?;
        self.change_items(actor, ids, "item.restore", self.now(), PendingItem::restore)
    }

    /// Changes each item with `change` in one transaction, auditing each as `action` at
    /// `now`: all of them or, at the first refusal, none.
    fn change_items(
        &self,
        actor: &Actor,
        ids: &[ItemId],
        action: &str,
        now: crate::domain::Timestamp,
        change: impl Fn(&PendingItem) -> Result<PendingItem, RuleError> + Sync,
    ) -> Result<Vec<PendingItem>, AppError> {
        self.store.write(|tx| {
            let mut done = Vec::with_capacity(ids.len());
            for &id in ids {
                let before = tx.item(id)?.ok_or(RuleError::UnknownItem(id))?;
                let after = change(&before)?;
                tx.put_item(&after)?;
                audit(tx, now, actor, action, &format!("item {id}"), &before, &after)?;
                done.push(after);
            }
            Ok(done)
        })
    }

    /// Splits `qty` units off an item into a new item; returns (rest, new part).
    pub fn split(&self, actor: &Actor, id: ItemId, qty: u32) -> Result<(PendingItem, PendingItem), AppError> {
        Permission::SplitItems.check(actor)?;
        let now = self.now();
        self.store.write(|tx| {
            let before = tx.item(id)?.ok_or(RuleError::UnknownItem(id))?;
            // A refusal aborts the transaction, so the id taken here is given back.
            let new_id = tx.next_item_id()?;
            let (rest, part) = before.split(qty, new_id, now)?;
            tx.put_items(&[rest.clone(), part.clone()])?;
            audit(
                tx,
                now,
                actor,
                "item.split",
                &format!("item {id}"),
                &before,
                &serde_json::json!({ "rest": rest, "split": part }),
            )?;
            Ok((rest, part))
        })
    }

    /// Sets an item's unit cost (latest distributor cost), recording old and new.
    pub fn set_item_cost(
        &self,
        actor: &Actor,
        id: ItemId,
        unit_cost: Decimal,
        source: &str,
    ) -> Result<(PendingItem, PendingItem), AppError> {
        Permission::UpdateCosts.check(actor)?;
        let now = self.now();
        self.store.write(|tx| {
            let before = tx.item(id)?.ok_or(RuleError::UnknownItem(id))?;
            let after = before.with_cost(unit_cost)?;
            tx.put_item(&after)?;
            audit(
                tx,
                now,
                actor,
                "item.cost",
                &format!("item {id}"),
                &serde_json::json!({ "unit_cost": before.unit_cost }),
                &serde_json::json!({ "unit_cost": after.unit_cost, "source": source }),
            )?;
            Ok((before, after))
        })
    }
}
