//! Typed read and write transactions.

use super::codec::{decode, encode};
use super::ops::{KeptStateVisit, ReadOps, WriteOps};
use super::psa::{PsaSyncState, PSA_SYNC};
use super::tables::*;
use super::{StoreError, SCHEMA_VERSION};
use crate::domain::audit::{Change, RecordKind, RecordRef, Snapshot, StatesDigest, GENESIS};
use crate::domain::job::Job;
use crate::domain::notice::Notice;
use crate::domain::receiving::serial_product_key;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PoNumber, Quote, Timestamp};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition, WriteTransaction};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A stored quote: the parsed quote plus how it arrived.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredQuote {
    pub quote: Quote,
    pub digest: String,
    pub imported_at: Timestamp,
    pub imported_by: String,
    pub source: String,
}

/// The serial index key of `serial` of `product`: the product's length in bytes, a colon,
/// the product, then the serial. The length says where the product ends, so no two
/// (product, serial) pairs share a key, whatever characters they hold. (Schema 1 joined
/// the two with U+001F, so product `A\u{1f}B` with serial `C` had the key of product `A`
/// with serial `B\u{1f}C`, and one blocked the other.)
fn key_of_serial(product: &str, serial: &str) -> String {
    format!("{}:{product}{serial}", product.len())
}

// Shared read helpers over any readable table.

pub(super) fn get_json<K, T>(
    table: &impl ReadableTable<K, &'static [u8]>,
    key: K::SelfType<'_>,
    what: impl FnOnce() -> String,
) -> Result<Option<T>, StoreError>
where
    K: redb::Key + 'static,
    T: DeserializeOwned,
{
    match table.get(key)? {
        Some(v) => Ok(Some(decode(v.value(), what)?)),
        None => Ok(None),
    }
}

pub(super) fn all_json<K, T>(table: &impl ReadableTable<K, &'static [u8]>, what: &str) -> Result<Vec<T>, StoreError>
where
    K: redb::Key + 'static,
    T: DeserializeOwned,
{
    let mut out = Vec::with_capacity(table.len()? as usize);
    for row in table.iter()? {
        let (_, v) = row?;
        out.push(decode(v.value(), || what.to_string())?);
    }
    Ok(out)
}

/// The fields of the newest audit entry the next one chains to.
#[derive(Deserialize)]
struct ChainHead {
    seq: u64,
    hash: String,
    #[serde(default)]
    keyed: bool,
}

/// A kept record state: the kind's code, the id (8 bytes, little-endian), then the
/// record's value exactly as stored in its own table.
fn state_row_bytes(record: RecordRef, stored: &[u8]) -> Vec<u8> {
    let mut row = Vec::with_capacity(9 + stored.len());
    row.push(record.kind.code());
    row.extend_from_slice(&record.id.to_le_bytes());
    row.extend_from_slice(stored);
    row
}

/// The record and its stored value in a kept state row.
fn state_row(row: &[u8], seq: u64, n: u64) -> Result<(RecordRef, &[u8]), StoreError> {
    let parsed = row.split_first().and_then(|(&code, rest)| {
        let kind = RecordKind::from_code(code)?;
        let (id, stored) = rest.split_first_chunk::<8>()?;
        Some((
            RecordRef {
                kind,
                id: u64::from_le_bytes(*id),
            },
            stored,
        ))
    });
    parsed.ok_or_else(|| StoreError::Corrupt {
        what: format!("record state {n} of audit entry {seq}"),
        message: "not a kept record state".into(),
    })
}

/// A read-only snapshot.
pub struct ReadTx {
    pub(super) txn: ReadTransaction,
}

/// Reads a table in a read transaction; a table never written yet reads as empty.
macro_rules! ro_table {
    ($self:ident, $def:expr, $empty:expr) => {
        match $self.txn.open_table($def) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok($empty),
            Err(e) => return Err(e.into()),
        }
    };
}

impl ReadTx {
    pub(super) fn new(txn: ReadTransaction) -> Self {
        ReadTx { txn }
    }

    /// Whether one of the latest commits (see `RedbFile::write`) wrote `token`.
    pub fn has_commit_token(&self, token: u64) -> Result<bool, StoreError> {
        let t = ro_table!(self, META, false);
        for slot in 0..COMMIT_TOKENS {
            if t.get(format!("{K_COMMIT_TOKEN}.{slot}").as_str())?.map(|v| v.value()) == Some(token) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl ReadOps for ReadTx {
    fn change_counter(&self) -> Result<u64, StoreError> {
        let t = ro_table!(self, META, 0);
        Ok(t.get(K_CHANGES)?.map_or(0, |v| v.value()))
    }

    /// The sequence number of the newest audit entry as recorded with it (0: none).
    fn audit_last_recorded(&self) -> Result<u64, StoreError> {
        let t = ro_table!(self, META, 0);
        Ok(t.get(K_AUDIT_LAST)?.map_or(0, |v| v.value()))
    }

    /// The schema version written in the file, if any.
    fn schema_version(&self) -> Result<Option<u64>, StoreError> {
        let t = ro_table!(self, META, None);
        Ok(t.get(K_SCHEMA)?.map(|v| v.value()))
    }

    fn item(&self, id: ItemId) -> Result<Option<PendingItem>, StoreError> {
        let t = ro_table!(self, ITEMS, None);
        get_json(&t, id, || format!("item {id}"))
    }

    fn items(&self) -> Result<Vec<PendingItem>, StoreError> {
        let t = ro_table!(self, ITEMS, Vec::new());
        all_json(&t, "item")
    }

    /// Up to `limit` items with ids from `start` on, in id order (for paging).
    fn items_from(&self, start: ItemId, limit: usize) -> Result<Vec<PendingItem>, StoreError> {
        let t = ro_table!(self, ITEMS, Vec::new());
        let mut out = Vec::with_capacity(limit.min(4096));
        for row in t.range(start..)?.take(limit) {
            let (k, v) = row?;
            out.push(decode(v.value(), || format!("item {}", k.value()))?);
        }
        Ok(out)
    }

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError> {
        let t = ro_table!(self, ORDERS, None);
        get_json(&t, po.0, || po.to_string())
    }

    fn orders(&self) -> Result<Vec<Order>, StoreError> {
        let t = ro_table!(self, ORDERS, Vec::new());
        all_json(&t, "order")
    }

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError> {
        let t = ro_table!(self, QUOTES, None);
        get_json(&t, id, || format!("quote {id}"))
    }

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError> {
        let t = ro_table!(self, SETTINGS, Vec::new());
        Ok(get_json(&t, S_RULES, || "approval rules".into())?.unwrap_or_default())
    }

    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let t = ro_table!(self, AUDIT, Vec::new());
        all_json(&t, "audit entry")
    }

    fn audit_states(&self, visit: &mut KeptStateVisit) -> Result<(), StoreError> {
        let t = ro_table!(self, AUDIT_STATES, ());
        for row in t.iter()? {
            let (k, v) = row?;
            let (seq, n) = k.value();
            let (record, stored) = state_row(v.value(), seq, n)?;
            visit(seq, n, record, stored);
        }
        Ok(())
    }

    fn audit_state(&self, seq: u64, n: u64) -> Result<Option<Snapshot>, StoreError> {
        let t = ro_table!(self, AUDIT_STATES, None);
        let Some(v) = t.get((seq, n))? else {
            return Ok(None);
        };
        let (record, stored) = state_row(v.value(), seq, n)?;
        Ok(Some(Snapshot {
            kind: record.kind,
            id: record.id,
            state: decode(stored, || format!("record state {n} of audit entry {seq}"))?,
        }))
    }

    /// Entries that `keep` accepts, oldest first, each passed through `shape` as it is
    /// read; with `newest`, only that many of the latest. Entries are decoded one at a
    /// time, so memory holds only the (shaped) matches.
    fn audit_matching(
        &self,
        keep: &dyn Fn(&AuditEntry) -> bool,
        newest: Option<usize>,
        shape: &dyn Fn(&mut AuditEntry),
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let t = ro_table!(self, AUDIT, Vec::new());
        let mut out = Vec::new();
        for row in t.iter()?.rev() {
            let (k, v) = row?;
            let mut e: AuditEntry = decode(v.value(), || format!("audit entry {}", k.value()))?;
            if keep(&e) {
                shape(&mut e);
                out.push(e);
                if newest.is_some_and(|n| out.len() >= n) {
                    break;
                }
            }
        }
        out.reverse();
        Ok(out)
    }

    fn serial_owner(&self, product: &str, serial: &str) -> Result<Option<PoNumber>, StoreError> {
        let t = ro_table!(self, SERIALS, None);
        Ok(t.get(key_of_serial(product, serial).as_str())?
            .map(|v| PoNumber(v.value())))
    }

    fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        let t = ro_table!(self, OUTBOX, Vec::new());
        all_json(&t, "job")
    }

    fn counts(&self) -> Result<(u64, u64), StoreError> {
        let items = match self.txn.open_table(ITEMS) {
            Ok(t) => t.len()?,
            Err(redb::TableError::TableDoesNotExist(_)) => 0,
            Err(e) => return Err(e.into()),
        };
        let orders = match self.txn.open_table(ORDERS) {
            Ok(t) => t.len()?,
            Err(redb::TableError::TableDoesNotExist(_)) => 0,
            Err(e) => return Err(e.into()),
        };
        Ok((items, orders))
    }

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError> {
        let t = ro_table!(self, PSA_SYNC, None);
        get_json(&t, po.0, || format!("PSA sync state of {po}"))
    }

    fn psa_syncs(&self) -> Result<Vec<PsaSyncState>, StoreError> {
        let t = ro_table!(self, PSA_SYNC, Vec::new());
        all_json(&t, "PSA sync state")
    }

    fn notices(&self) -> Result<Vec<Notice>, StoreError> {
        let t = ro_table!(self, NOTICES, Vec::new());
        all_json(&t, "notice")
    }
}

/// A write transaction. Everything a command changes — state, audit entry, outbox jobs —
/// goes through one of these and commits together.
pub struct WriteTx {
    pub(super) txn: WriteTransaction,
    /// Whether anything was written: a transaction that wrote nothing is not committed
    /// (no sync, and no change for other people's screens to reload for).
    pub(super) dirty: bool,
    /// The key audit entries are chained with (none: appending an entry is refused).
    pub(super) audit_key: Option<std::sync::Arc<super::audit_key::KeyFile>>,
}

impl WriteTx {
    pub(super) fn new(txn: WriteTransaction) -> Self {
        WriteTx {
            txn,
            dirty: false,
            audit_key: None,
        }
    }

    /// Opens a table to change it.
    fn writable<K: redb::Key + 'static, V: redb::Value + 'static>(
        &mut self,
        def: TableDefinition<K, V>,
    ) -> Result<redb::Table<'_, K, V>, StoreError> {
        self.dirty = true;
        Ok(self.txn.open_table(def)?)
    }

    /// Commits durably, recording `token` as the last commit's (see `RedbFile::write`).
    pub(super) fn commit(self, token: u64) -> Result<(), StoreError> {
        {
            let mut meta = self.txn.open_table(META)?;
            let n = meta.get(K_CHANGES)?.map_or(0, |v| v.value());
            meta.insert(K_CHANGES, n + 1)?;
            let slot = format!("{K_COMMIT_TOKEN}.{}", (n + 1) % COMMIT_TOKENS);
            meta.insert(slot.as_str(), token)?;
        }
        self.txn.commit()?;
        Ok(())
    }

    pub(super) fn abort(self) {
        let _ = self.txn.abort();
    }

    /// Creates the tables and checks the schema version on open.
    pub(super) fn ensure_schema(&mut self) -> Result<(), StoreError> {
        self.dirty = true;
        let mut meta = self.txn.open_table(META)?;
        let found = meta.get(K_SCHEMA)?.map(|v| v.value());
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::NewerSchema {
                    found: v,
                    known: SCHEMA_VERSION,
                })
            }
            Some(v) if v == SCHEMA_VERSION => {}
            _ => {
                meta.insert(K_SCHEMA, SCHEMA_VERSION)?;
            }
        }
        drop(meta);
        for def in [SETTINGS, QUOTES] {
            self.txn.open_table(def)?;
        }
        for def in [ITEMS, ORDERS, AUDIT, OUTBOX] {
            self.txn.open_table(def)?;
        }
        self.txn.open_table(SERIALS)?;
        if found.is_some_and(|v| v < 2) {
            self.rebuild_serial_index()?;
        }
        Ok(())
    }

    /// Schema 2: the serial index under its new keys (see `key_of_serial`). The index is
    /// rebuilt from what it indexes, the serials of every order's receipts not undone, so
    /// no schema 1 key, ambiguous as it may be, has to be taken apart. Runs in the write
    /// that sets the new schema version: all of it happens, or none.
    fn rebuild_serial_index(&mut self) -> Result<(), StoreError> {
        let mut serials = self.txn.open_table(SERIALS)?;
        serials.retain(|_, _| false)?;
        let orders = self.txn.open_table(ORDERS)?;
        for row in orders.iter()? {
            let (k, v) = row?;
            let po = k.value();
            let order: Order = decode(v.value(), || PoNumber(po).to_string())?;
            for receipt in order.receipts.iter().filter(|r| r.undone.is_none()) {
                let Some(line) = order.lines.get((receipt.line as usize).wrapping_sub(1)) else {
                    continue;
                };
                let product = serial_product_key(&line.sku);
                for serial in &receipt.serials {
                    serials.insert(key_of_serial(&product, serial).as_str(), po)?;
                }
            }
        }
        Ok(())
    }

    /// What the next audit entry chains to: the newest one's number, MAC and kind (the
    /// rest of it, record states included, is skipped as it is read).
    fn last_audit(&self) -> Result<Option<ChainHead>, StoreError> {
        let t = self.txn.open_table(AUDIT)?;
        let last = match t.last()? {
            Some((k, v)) => {
                let seq = k.value();
                Some(decode::<ChainHead>(v.value(), || format!("audit entry {seq}"))?)
            }
            None => None,
        };
        Ok(last)
    }

    /// Writes `entry` as the newest audit entry; returns what the next one chains to.
    fn insert_audit(&mut self, entry: &AuditEntry) -> Result<ChainHead, StoreError> {
        self.writable(AUDIT)?.insert(entry.seq, encode(entry).as_slice())?;
        self.writable(META)?.insert(K_AUDIT_LAST, entry.seq)?;
        Ok(ChainHead {
            seq: entry.seq,
            hash: entry.hash.clone(),
            keyed: entry.keyed,
        })
    }

    /// Every item, order and the approval rules (when set).
    fn every_record(&self) -> Result<Vec<RecordRef>, StoreError> {
        let mut out = Vec::new();
        for (kind, def) in [(RecordKind::Item, ITEMS), (RecordKind::Order, ORDERS)] {
            for row in self.txn.open_table(def)?.iter()? {
                out.push(RecordRef {
                    kind,
                    id: row?.0.value(),
                });
            }
        }
        if self.txn.open_table(SETTINGS)?.get(S_RULES)?.is_some() {
            out.push(RecordRef {
                kind: RecordKind::Rules,
                id: 0,
            });
        }
        Ok(out)
    }

    /// Keeps the stored state of each of `records` with audit entry `seq`, one row at a
    /// time (a change may write many), copied as stored; returns their digest.
    fn keep_states(&mut self, seq: u64, records: &[RecordRef]) -> Result<String, StoreError> {
        let mut digest = StatesDigest::default();
        if records.is_empty() {
            return Ok(digest.finish());
        }
        self.dirty = true;
        let (items, orders) = (self.txn.open_table(ITEMS)?, self.txn.open_table(ORDERS)?);
        let settings = self.txn.open_table(SETTINGS)?;
        let mut kept = self.txn.open_table(AUDIT_STATES)?;
        for (n, &r) in records.iter().enumerate() {
            let stored = match r.kind {
                RecordKind::Item => items.get(r.id)?,
                RecordKind::Order => orders.get(r.id)?,
                RecordKind::Rules => settings.get(S_RULES)?,
            };
            let Some(stored) = stored else { continue };
            digest.add(r, stored.value());
            kept.insert((seq, n as u64), state_row_bytes(r, stored.value()).as_slice())?;
        }
        Ok(digest.finish())
    }

    fn next(&mut self, key: &str) -> Result<u64, StoreError> {
        let mut meta = self.writable(META)?;
        let n = meta.get(key)?.map_or(1, |v| v.value());
        meta.insert(key, n + 1)?;
        Ok(n)
    }

    pub(super) fn get<K, T>(
        &self,
        def: TableDefinition<K, &'static [u8]>,
        key: K::SelfType<'_>,
        what: impl FnOnce() -> String,
    ) -> Result<Option<T>, StoreError>
    where
        K: redb::Key + 'static,
        T: DeserializeOwned,
    {
        let t = self.txn.open_table(def)?;
        get_json(&t, key, what)
    }

    pub(super) fn put<K, T>(
        &mut self,
        def: TableDefinition<K, &'static [u8]>,
        key: K::SelfType<'_>,
        value: &T,
    ) -> Result<(), StoreError>
    where
        K: redb::Key + 'static,
        T: Serialize,
    {
        let mut t = self.writable(def)?;
        t.insert(key, encode(value).as_slice())?;
        Ok(())
    }
}

impl WriteOps for WriteTx {
    fn next_item_id(&mut self) -> Result<ItemId, StoreError> {
        self.next(K_NEXT_ITEM)
    }

    fn next_po_number(&mut self) -> Result<PoNumber, StoreError> {
        self.next(K_NEXT_PO).map(PoNumber)
    }

    fn next_job_id(&mut self) -> Result<u64, StoreError> {
        self.next(K_NEXT_JOB)
    }

    fn item(&self, id: ItemId) -> Result<Option<PendingItem>, StoreError> {
        self.get(ITEMS, id, || format!("item {id}"))
    }

    fn put_item(&mut self, item: &PendingItem) -> Result<(), StoreError> {
        self.put(ITEMS, item.id, item)
    }

    fn put_items(&mut self, items: &[PendingItem]) -> Result<(), StoreError> {
        let mut t = self.writable(ITEMS)?;
        for item in items {
            t.insert(item.id, encode(item).as_slice())?;
        }
        Ok(())
    }

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError> {
        self.get(ORDERS, po.0, || po.to_string())
    }

    fn put_order(&mut self, order: &Order) -> Result<(), StoreError> {
        self.put(ORDERS, order.number.0, order)
    }

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError> {
        self.get(QUOTES, id, || format!("quote {id}"))
    }

    fn put_quote(&mut self, q: StoredQuote) -> Result<(), StoreError> {
        let bytes = encode(&q);
        let id = q.quote.quote_id.clone();
        drop(q);
        let mut t = self.writable(QUOTES)?;
        t.insert(id.as_str(), bytes.as_slice())?;
        Ok(())
    }

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError> {
        Ok(self
            .get(SETTINGS, S_RULES, || "approval rules".into())?
            .unwrap_or_default())
    }

    fn set_rules(&mut self, rules: &[ApprovalRule]) -> Result<(), StoreError> {
        self.put(SETTINGS, S_RULES, &rules)
    }

    /// Reads several serial owners at once (one table open).
    fn serial_owners(&self, product: &str, serials: &[String]) -> Result<Vec<Option<PoNumber>>, StoreError> {
        let t = self.txn.open_table(SERIALS)?;
        serials
            .iter()
            .map(|s| Ok(t.get(key_of_serial(product, s).as_str())?.map(|v| PoNumber(v.value()))))
            .collect()
    }

    fn put_serials(&mut self, product: &str, serials: &[String], po: PoNumber) -> Result<(), StoreError> {
        let mut t = self.writable(SERIALS)?;
        for s in serials {
            t.insert(key_of_serial(product, s).as_str(), po.0)?;
        }
        Ok(())
    }

    fn remove_serials(&mut self, product: &str, serials: &[String]) -> Result<(), StoreError> {
        let mut t = self.writable(SERIALS)?;
        for s in serials {
            t.remove(key_of_serial(product, s).as_str())?;
        }
        Ok(())
    }

    /// Appends an audit entry chained to the last one with the audit key's MAC, keeping
    /// the states of the records the change wrote beside it; returns it. The sequence
    /// number and the previous MAC come from the last entry itself. The first keyed entry
    /// after entries from before the key existed is a baseline: the state of every item,
    /// order and rule set then, so the trail can be replayed.
    fn append_audit(&mut self, change: Change) -> Result<AuditEntry, StoreError> {
        let keys = self
            .audit_key
            .clone()
            .ok_or_else(|| StoreError::Db("this transaction cannot append audit entries (no audit key)".into()))?;
        let mut last = self.last_audit()?;
        let key = match &last {
            Some(e) if e.keyed => keys.existing(e.seq)?,
            _ => keys.get_or_create()?,
        };
        if let Some(plain) = last.take_if(|e| !e.keyed) {
            let seq = plain.seq + 1;
            let every = self.every_record()?;
            let baseline = Change {
                at: change.at,
                actor: change.actor.clone(),
                action: "audit.keyed".into(),
                entity: "audit trail".into(),
                before: serde_json::json!({ "plain_entries": plain.seq }),
                after: serde_json::json!({ "keyed_from": seq }),
                records: Vec::new(),
            };
            let states = self.keep_states(seq, &every)?;
            last = Some(self.insert_audit(&AuditEntry::new(seq, baseline, states, &plain.hash, &key))?);
        }
        let (seq, prev) = match &last {
            Some(e) => (e.seq + 1, e.hash.as_str()),
            None => (1, GENESIS),
        };
        let states = self.keep_states(seq, &change.records)?;
        let entry = AuditEntry::new(seq, change, states, prev, &key);
        self.insert_audit(&entry)?;
        Ok(entry)
    }

    fn job(&self, id: u64) -> Result<Option<Job>, StoreError> {
        self.get(OUTBOX, id, || format!("job {id}"))
    }

    fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        let t = self.txn.open_table(OUTBOX)?;
        all_json(&t, "job")
    }

    fn put_job(&mut self, job: &Job) -> Result<(), StoreError> {
        self.put(OUTBOX, job.id, job)
    }

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError> {
        self.get(PSA_SYNC, po.0, || format!("PSA sync state of {po}"))
    }

    fn put_psa_sync(&mut self, state: &PsaSyncState) -> Result<(), StoreError> {
        self.put(PSA_SYNC, state.po.0, state)
    }

    fn next_notice_id(&mut self) -> Result<u64, StoreError> {
        self.next(K_NEXT_NOTICE)
    }

    fn notice(&self, id: u64) -> Result<Option<Notice>, StoreError> {
        self.get(NOTICES, id, || format!("notice {id}"))
    }

    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.put(NOTICES, notice.id, notice)
    }
}

#[cfg(test)]
mod tests {
    use super::key_of_serial;
    use proptest::prelude::*;

    #[test]
    fn a_separator_inside_a_sku_or_a_serial_makes_no_pair_meet_another() {
        assert_ne!(key_of_serial("A\u{1f}B", "C"), key_of_serial("A", "B\u{1f}C"));
        assert_ne!(key_of_serial("1:A", "B"), key_of_serial("1", ":AB"));
        assert_ne!(key_of_serial("AB", "C"), key_of_serial("A", "BC"));
        assert_eq!(key_of_serial("NB-1", "SN-1"), "4:NB-1SN-1");
        assert_eq!(key_of_serial("Zoë", "1"), "4:Zoë1", "the length counts bytes");
    }

    proptest! {
        #[test]
        fn two_different_pairs_never_share_a_key(
            p1 in "[A\u{1f}:0-9é]{0,6}", s1 in "[A\u{1f}:0-9é]{0,6}",
            p2 in "[A\u{1f}:0-9é]{0,6}", s2 in "[A\u{1f}:0-9é]{0,6}",
        ) {
            prop_assume!((&p1, &s1) != (&p2, &s2));
            prop_assert_ne!(key_of_serial(&p1, &s1), key_of_serial(&p2, &s2));
        }
    }
}
