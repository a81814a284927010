//! Records what a write transaction stores — items, orders, the approval rules — and hands
//! each record's new state to the next audit entry, so the trail holds every record's
//! latest state and `audit verify` can replay it against the live records.

use super::ops::WriteOps;
use super::psa::PsaSyncState;
use super::{StoreError, StoredQuote};
use crate::domain::audit::{Change, RecordKind, RecordRef};
use crate::domain::job::Job;
use crate::domain::notice::Notice;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PoNumber};
use std::collections::BTreeSet;

/// A write transaction that notes the records written since the last audit entry (which
/// ones only: the store reads their states when the entry is appended).
pub(super) struct Recorder<'a> {
    inner: &'a mut dyn WriteOps,
    written: BTreeSet<RecordRef>,
}

impl<'a> Recorder<'a> {
    pub(super) fn new(inner: &'a mut dyn WriteOps) -> Self {
        Recorder {
            inner,
            written: BTreeSet::new(),
        }
    }

    fn note(&mut self, kind: RecordKind, id: u64) {
        self.written.insert(RecordRef { kind, id });
    }

    /// Records written after the transaction's last audit entry: a change no entry
    /// describes (replaying the trail will name them).
    pub(super) fn unaudited(&self) -> Vec<RecordRef> {
        self.written.iter().copied().collect()
    }
}

impl WriteOps for Recorder<'_> {
    fn put_item(&mut self, item: &PendingItem) -> Result<(), StoreError> {
        self.inner.put_item(item)?;
        self.note(RecordKind::Item, item.id);
        Ok(())
    }

    fn put_items(&mut self, items: &[PendingItem]) -> Result<(), StoreError> {
        self.inner.put_items(items)?;
        for item in items {
            self.note(RecordKind::Item, item.id);
        }
        Ok(())
    }

    fn put_order(&mut self, order: &Order) -> Result<(), StoreError> {
        self.inner.put_order(order)?;
        self.note(RecordKind::Order, order.number.0);
        Ok(())
    }

    fn set_rules(&mut self, rules: &[ApprovalRule]) -> Result<(), StoreError> {
        self.inner.set_rules(rules)?;
        self.note(RecordKind::Rules, 0);
        Ok(())
    }

    fn append_audit(&mut self, mut change: Change) -> Result<AuditEntry, StoreError> {
        let written = std::mem::take(&mut self.written);
        change.records.extend(written);
        self.inner.append_audit(change)
    }

    // Everything else passes through.

    fn next_item_id(&mut self) -> Result<ItemId, StoreError> {
        self.inner.next_item_id()
    }

    fn next_po_number(&mut self) -> Result<PoNumber, StoreError> {
        self.inner.next_po_number()
    }

    fn next_job_id(&mut self) -> Result<u64, StoreError> {
        self.inner.next_job_id()
    }

    fn item(&self, id: ItemId) -> Result<Option<PendingItem>, StoreError> {
        self.inner.item(id)
    }

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError> {
        self.inner.order(po)
    }

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError> {
        self.inner.quote(id)
    }

    fn put_quote(&mut self, q: StoredQuote) -> Result<(), StoreError> {
        self.inner.put_quote(q)
    }

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError> {
        self.inner.rules()
    }

    fn serial_owners(&self, product: &str, serials: &[String]) -> Result<Vec<Option<PoNumber>>, StoreError> {
        self.inner.serial_owners(product, serials)
    }

    fn put_serials(&mut self, product: &str, serials: &[String], po: PoNumber) -> Result<(), StoreError> {
        self.inner.put_serials(product, serials, po)
    }

    fn remove_serials(&mut self, product: &str, serials: &[String]) -> Result<(), StoreError> {
        self.inner.remove_serials(product, serials)
    }

    fn job(&self, id: u64) -> Result<Option<Job>, StoreError> {
        self.inner.job(id)
    }

    fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        self.inner.jobs()
    }

    fn put_job(&mut self, job: &Job) -> Result<(), StoreError> {
        self.inner.put_job(job)
    }

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError> {
        self.inner.psa_sync(po)
    }

    fn put_psa_sync(&mut self, state: &PsaSyncState) -> Result<(), StoreError> {
        self.inner.put_psa_sync(state)
    }

    fn next_notice_id(&mut self) -> Result<u64, StoreError> {
        self.inner.next_notice_id()
    }

    fn notice(&self, id: u64) -> Result<Option<Notice>, StoreError> {
        self.inner.notice(id)
    }

    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.inner.put_notice(notice)
    }
}
