//! Everything the screens loaded from the database, as the worker last reported it:
//! what every pane reads and none owns.

use super::worker::AUDIT_LATEST;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PoNumber};
use std::collections::{HashMap, VecDeque};

/// The values of an audit entry's `after` that the Audit pane's list shows.
pub const SUMMARY_KEYS: [&str; 8] = [
    "receipt",
    "status",
    "stage",
    "received",
    "reason",
    "dismissed_reason",
    "quantity",
    "unit_cost",
];

/// Everything loaded from the database, as the worker last reported it.
#[derive(Debug, Default)]
pub struct Data {
    /// In id order.
    pub items: Vec<PendingItem>,
    /// PSA sync state by order (empty when standalone).
    pub sync: std::collections::HashMap<PoNumber, String>,
    pub items_loaded: bool,
    pub items_done: bool,
    /// Bumped whenever `items` changes, so views know to filter again.
    pub items_gen: u64,
    /// Newest first.
    pub orders: Vec<Order>,
    pub orders_loaded: bool,
    /// The latest [`AUDIT_LATEST`] entries, oldest first (a ring: the oldest go from the
    /// front as new ones join at the back, without moving the rest).
    pub audit: VecDeque<AuditEntry>,
    pub audit_loaded: bool,
    pub order_audit: Option<(PoNumber, Vec<AuditEntry>)>,
    pub rules: Vec<ApprovalRule>,
    pub rules_loaded: bool,
}

impl Data {
    /// A pool item by id (items are kept in id order).
    pub fn item(&self, id: ItemId) -> Option<&PendingItem> {
        self.items
            .binary_search_by_key(&id, |i| i.id)
            .ok()
            .map(|i| &self.items[i])
    }

    pub fn upsert_items(&mut self, items: Vec<PendingItem>) {
        for item in items {
            if !shown_in_pending(&item) {
                if let Ok(i) = self.items.binary_search_by_key(&item.id, |i| i.id) {
                    self.items.remove(i);
                }
                continue;
            }
            match self.items.binary_search_by_key(&item.id, |i| i.id) {
                Ok(i) => self.items[i] = item,
                Err(i) => self.items.insert(i, item),
            }
        }
        self.items_gen += 1;
    }

    pub fn splice_items(&mut self, from: u64, to: Option<u64>, items: Vec<PendingItem>) {
        let start = self.items.partition_point(|i| i.id < from);
        let end = match to {
            Some(t) => self.items.partition_point(|i| i.id <= t),
            None => self.items.len(),
        };
        self.items.splice(start..end.max(start), items);
        self.items_loaded = true;
        self.items_done = to.is_none();
        if self.items_done {
            // Chunks grew the list by doubling; give back what it will not use.
            self.items.shrink_to_fit();
        }
        self.items_gen += 1;
    }

    pub fn upsert_order(&mut self, order: Order) {
        match self.orders.binary_search_by(|o| order.number.cmp(&o.number)) {
            Ok(i) => self.orders[i] = order,
            Err(i) => self.orders.insert(i, order),
        }
    }

    /// Orders someone else changed: each replaces its old self (or joins the list), and
    /// the PSA sync state of each number asked follows the answer.
    pub fn patch_orders(&mut self, asked: &[PoNumber], orders: Vec<Order>, sync: HashMap<PoNumber, String>) {
        self.patch_sync(asked, sync);
        for o in orders {
            self.upsert_order(o);
        }
    }

    /// The PSA sync state of each number asked follows the answer.
    pub fn patch_sync(&mut self, asked: &[PoNumber], mut sync: HashMap<PoNumber, String>) {
        for po in asked {
            match sync.remove(po) {
                Some(s) => self.sync.insert(*po, s),
                None => self.sync.remove(po),
            };
        }
    }

    /// Where each of `orders` is in the list now, when every one of them is (they replace
    /// their old selves in place and no row moves); `None` when one would join the list.
    pub fn order_slots(&self, orders: &[Order]) -> Option<Vec<usize>> {
        orders
            .iter()
            .map(|o| self.orders.binary_search_by(|x| o.number.cmp(&x.number)).ok())
            .collect()
    }

    /// Entries appended to the audit trail: those newer than the list's newest join it,
    /// and the list keeps its latest [`AUDIT_LATEST`]. Returns how many joined and how
    /// many of the oldest left.
    pub fn add_audit(&mut self, entries: Vec<AuditEntry>) -> (usize, usize) {
        let newest = self.audit.back().map_or(0, |e| e.seq);
        let before = self.audit.len();
        self.audit.extend(entries.into_iter().filter(|e| e.seq > newest));
        let added = self.audit.len() - before;
        let extra = self.audit.len().saturating_sub(AUDIT_LATEST);
        self.audit.drain(..extra);
        (added, extra)
    }

    /// Entries appended to order `po`'s trail, when its detail is open.
    pub fn add_order_audit(&mut self, po: PoNumber, entries: Vec<AuditEntry>) {
        if let Some((open, list)) = &mut self.order_audit {
            if *open == po {
                append_newer(list, entries);
            }
        }
    }

    /// An order by number (the list is kept newest first).
    pub fn order(&self, po: PoNumber) -> Option<&Order> {
        self.orders
            .binary_search_by(|o| po.cmp(&o.number))
            .ok()
            .map(|i| &self.orders[i])
    }
}

/// Appends the entries newer than the newest of `list` (oldest first), in order.
fn append_newer(list: &mut Vec<AuditEntry>, entries: Vec<AuditEntry>) {
    let newest = list.last().map_or(0, |e| e.seq);
    list.extend(entries.into_iter().filter(|e| e.seq > newest));
}

/// The Audit pane lists a summary of each change; keeping only the values it shows
/// (not whole orders before and after) keeps thousands of entries small.
pub fn slim_for_list(e: &mut AuditEntry) {
    use serde_json::Value;
    // An undone receipt is in `before`: the list names it all the same.
    let undone = match (&mut e.before, &e.after) {
        (Value::Object(b), Value::Object(a)) if !a.contains_key("receipt") => b.remove("receipt"),
        _ => None,
    };
    e.before = Value::Null;
    if let (Some(r), Value::Object(m)) = (undone, &mut e.after) {
        m.insert("receipt".into(), r);
    }
    if let Value::Object(m) = &mut e.after {
        m.retain(|k, _| SUMMARY_KEYS.contains(&k.as_str()));
        if let Some(Value::Object(stage)) = m.get_mut("stage") {
            stage.retain(|k, _| k == "stage");
        }
        if let Some(Value::Object(r)) = m.get_mut("receipt") {
            r.retain(|k, _| matches!(k.as_str(), "line" | "quantity" | "serials"));
        }
    }
}

/// Whether the Pending pane can show an item (pool or dismissed, not on an order).
pub fn shown_in_pending(item: &PendingItem) -> bool {
    !matches!(item.state, crate::domain::ItemState::Ordered { .. })
}
