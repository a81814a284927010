//! What a transaction can do, whatever holds the data. Purser's commands see only these
//! traits; the redb file in [`super::redb_file`] is one implementation, and a server
//! database for several sites could be another.

use super::feed::Feed;
use super::psa::PsaSyncState;
use super::{StoreError, StoredQuote};
use crate::domain::audit::{Change, RecordRef, Snapshot};
use crate::domain::job::Job;
use crate::domain::notice::Notice;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PoNumber};
use std::path::Path;

/// Called for each kept record state: entry, position, record, state as stored.
pub type KeptStateVisit<'a> = dyn FnMut(u64, u64, RecordRef, &[u8]) + 'a;

/// A consistent snapshot to read from.
pub trait ReadOps {
    /// Bumped by every commit of any process: screens poll it to learn of changes.
    fn change_counter(&self) -> Result<u64, StoreError>;

    /// What the commits after change counter `since` touched, merged; or that the feed
    /// does not reach back that far (see [`super::feed`]).
    fn changes_since(&self, since: u64) -> Result<Feed, StoreError>;

    /// The sequence number of the newest audit entry as recorded with it (0: none).
    fn audit_last_recorded(&self) -> Result<u64, StoreError>;

    /// The schema version the data was written with, if any.
    fn schema_version(&self) -> Result<Option<u64>, StoreError>;

    fn item(&self, id: ItemId) -> Result<Option<PendingItem>, StoreError>;

    fn items(&self) -> Result<Vec<PendingItem>, StoreError>;

    /// Up to `limit` items with ids from `start` on, in id order (for paging).
    fn items_from(&self, start: ItemId, limit: usize) -> Result<Vec<PendingItem>, StoreError>;

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError>;

    fn orders(&self) -> Result<Vec<Order>, StoreError>;

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError>;

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError>;

    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError>;

    /// Every record state kept with the audit entries, in (entry, position) order: the
    /// record and its state as stored.
    fn audit_states(&self, visit: &mut KeptStateVisit) -> Result<(), StoreError>;

    /// The record state kept at (entry, position).
    fn audit_state(&self, seq: u64, n: u64) -> Result<Option<Snapshot>, StoreError>;

    /// Entries that `keep` accepts, oldest first, each passed through `shape` as it is
    /// read; with `newest`, only that many of the latest. Entries are decoded one at a
    /// time, so memory holds only the (shaped) matches.
    fn audit_matching(
        &self,
        keep: &dyn Fn(&AuditEntry) -> bool,
        newest: Option<usize>,
        shape: &dyn Fn(&mut AuditEntry),
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// The entries with sequence numbers from `start` on, oldest first, each passed
    /// through `shape` as it is read.
    fn audit_from(&self, start: u64, shape: &dyn Fn(&mut AuditEntry)) -> Result<Vec<AuditEntry>, StoreError>;

    fn serial_owner(&self, product: &str, serial: &str) -> Result<Option<PoNumber>, StoreError>;

    fn jobs(&self) -> Result<Vec<Job>, StoreError>;

    fn counts(&self) -> Result<(u64, u64), StoreError>;

    /// Every value of every table decoded, for `purser check` (see [`super::Scan`]).
    fn scan(&self) -> Result<super::Scan, StoreError>;

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError>;

    fn psa_syncs(&self) -> Result<Vec<PsaSyncState>, StoreError>;
    /// Every notice, oldest first.
    fn notices(&self) -> Result<Vec<Notice>, StoreError>;
}

/// A transaction that changes things: everything a command changes (state, audit entry,
/// outbox jobs) goes through one, and is committed together or not at all. Every entity
/// written is recorded in the change feed under the commit's change counter.
pub trait WriteOps {
    fn next_item_id(&mut self) -> Result<ItemId, StoreError>;

    fn next_po_number(&mut self) -> Result<PoNumber, StoreError>;

    fn next_job_id(&mut self) -> Result<u64, StoreError>;

    fn item(&self, id: ItemId) -> Result<Option<PendingItem>, StoreError>;

    fn put_item(&mut self, item: &PendingItem) -> Result<(), StoreError>;

    fn put_items(&mut self, items: &[PendingItem]) -> Result<(), StoreError>;

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError>;

    fn put_order(&mut self, order: &Order) -> Result<(), StoreError>;

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError>;

    /// Takes the quote to let it go once it is encoded, before its bytes are written: a
    /// large quote is then never held as a quote, as bytes and in the database's pages at
    /// once.
    fn put_quote(&mut self, q: StoredQuote) -> Result<(), StoreError>;

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError>;

    fn set_rules(&mut self, rules: &[ApprovalRule]) -> Result<(), StoreError>;

    /// Reads several serial owners at once (one table open).
    fn serial_owners(&self, product: &str, serials: &[String]) -> Result<Vec<Option<PoNumber>>, StoreError>;

    fn put_serials(&mut self, product: &str, serials: &[String], po: PoNumber) -> Result<(), StoreError>;

    fn remove_serials(&mut self, product: &str, serials: &[String]) -> Result<(), StoreError>;

    /// Appends an audit entry chained to the last one; returns it. The sequence number and
    /// the previous hash come from the last entry itself, so an append touches one table.
    fn append_audit(&mut self, change: Change) -> Result<AuditEntry, StoreError>;

    fn job(&self, id: u64) -> Result<Option<Job>, StoreError>;

    fn jobs(&self) -> Result<Vec<Job>, StoreError>;

    fn put_job(&mut self, job: &Job) -> Result<(), StoreError>;

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError>;

    fn put_psa_sync(&mut self, state: &PsaSyncState) -> Result<(), StoreError>;
    fn next_notice_id(&mut self) -> Result<u64, StoreError>;
    fn notice(&self, id: u64) -> Result<Option<Notice>, StoreError>;
    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError>;
}

/// A place the data lives. Each call runs its closure exactly once (a backend that must
/// retry a transaction returns an error instead; the caller runs the command again).
/// [`Backend::write`] commits when its closure returns true, and returns `Ok(())` having
/// written nothing when it returns false. A commit that returns `Ok` is durable.
pub trait Backend: Send + Sync {
    fn read(&self, f: &mut dyn FnMut(&dyn ReadOps)) -> Result<(), StoreError>;
    /// `f` may run on another thread (a backend may run several writers' closures
    /// together in one transaction), hence `Send`.
    fn write(&self, f: &mut (dyn FnMut(&mut dyn WriteOps) -> bool + Send)) -> Result<(), StoreError>;
    /// How many transactions this process has committed through the backend: counted
    /// before any writer of a commit hears its outcome, so each writer of a commit that
    /// several shared reads the same number or a later one.
    fn commits_made(&self) -> u64;
    /// Where it is, for messages and for files kept beside it.
    fn location(&self) -> &Path;
}
