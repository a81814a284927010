//! Typed read and write transactions.

use super::codec::{decode, decode_unsealed, encode, seal, At};
use super::feed::{self, Feed, Touched};
use super::ops::{KeptStateVisit, ReadOps, WriteOps};
use super::psa::{PsaSyncState, PSA_SYNC};
use super::tables::*;
use super::undo::{Logged, Undo};
use super::{StoreError, SCHEMA_VERSION};
use crate::domain::audit::{Change, RecordKind, RecordRef, Snapshot, StatesDigest, GENESIS};
use crate::domain::job::Job;
use crate::domain::notice::Notice;
use crate::domain::receiving::serial_product_key;
use crate::domain::{ApprovalRule, AuditEntry, ItemId, Order, PendingItem, PoNumber, Quote, Timestamp};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle, WriteTransaction};
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
pub(super) fn key_of_serial(product: &str, serial: &str) -> String {
    format!("{}:{product}{serial}", product.len())
}

/// How a key reads in messages, from its stored bytes.
pub(super) trait KeyText: redb::Key + 'static {
    fn text(bytes: &[u8]) -> String;
}

impl KeyText for u64 {
    fn text(bytes: &[u8]) -> String {
        bytes
            .try_into()
            .map_or_else(|_| format!("{bytes:02x?}"), |b| u64::from_le_bytes(b).to_string())
    }
}

impl KeyText for &'static str {
    fn text(bytes: &[u8]) -> String {
        crate::domain::text::printable(&String::from_utf8_lossy(bytes)).into_owned()
    }
}

/// Decodes the value stored under the key of bytes `key` in table `table`.
pub(super) fn decode_at<K: KeyText, T: DeserializeOwned>(
    table: &str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    let shown = || format!("key {}", K::text(key));
    decode(
        &At {
            table,
            key,
            shown: &shown,
        },
        bytes,
    )
}

/// The stored bytes of `key` (what its value's checksum covers).
/// A record's state as the audit trail kept it: its stored bytes, sealed under the key
/// of its own table (see [`super::codec`]).
fn decode_kept(record: RecordRef, stored: &[u8]) -> Result<serde_json::Value, StoreError> {
    match record.kind {
        RecordKind::Item => decode_at::<u64, _>(ITEMS.name(), &record.id.to_le_bytes(), stored),
        RecordKind::Order => decode_at::<u64, _>(ORDERS.name(), &record.id.to_le_bytes(), stored),
        RecordKind::Rules => decode_at::<&str, _>(SETTINGS.name(), S_RULES.as_bytes(), stored),
    }
}

pub(super) fn key_bytes<K: redb::Key>(key: &K::SelfType<'_>) -> Vec<u8> {
    K::as_bytes(key).as_ref().to_vec()
}

// Shared read helpers over any readable table.

pub(super) fn get_json<K, T>(
    table: &impl ReadableTable<K, &'static [u8]>,
    name: &str,
    key: K::SelfType<'_>,
) -> Result<Option<T>, StoreError>
where
    K: KeyText,
    T: DeserializeOwned,
{
    let kb = key_bytes::<K>(&key);
    match table.get(key)? {
        Some(v) => Ok(Some(decode_at::<K, T>(name, &kb, v.value())?)),
        None => Ok(None),
    }
}

pub(super) fn all_json<K, T>(table: &impl ReadableTable<K, &'static [u8]>, name: &str) -> Result<Vec<T>, StoreError>
where
    K: KeyText,
    T: DeserializeOwned,
{
    let mut out = Vec::with_capacity(table.len()? as usize);
    for row in table.iter()? {
        let (k, v) = row?;
        out.push(decode_at::<K, T>(name, &key_bytes::<K>(&k.value()), v.value())?);
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

    /// Whether the file holds no table at all: a redb file just created, by this process
    /// or another one that has not set it up yet.
    pub fn is_blank(&self) -> Result<bool, StoreError> {
        Ok(self.txn.list_tables()?.next().is_none() && self.txn.list_multimap_tables()?.next().is_none())
    }

    /// The names of every table in the file.
    pub fn table_names(&self) -> Result<Vec<String>, StoreError> {
        use redb::MultimapTableHandle;
        let mut names: Vec<String> = self.txn.list_tables()?.map(|t| t.name().to_string()).collect();
        names.extend(self.txn.list_multimap_tables()?.map(|t| t.name().to_string()));
        Ok(names)
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

    fn changes_since(&self, since: u64) -> Result<Feed, StoreError> {
        let now = self.change_counter()?;
        match self.txn.open_table(FEED) {
            Ok(t) => feed::since(Some(&t), since, now),
            Err(redb::TableError::TableDoesNotExist(_)) => {
                feed::since(None::<&redb::ReadOnlyTable<u64, &[u8]>>, since, now)
            }
            Err(e) => Err(e.into()),
        }
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
        get_json(&t, ITEMS.name(), id)
    }

    fn items(&self) -> Result<Vec<PendingItem>, StoreError> {
        let t = ro_table!(self, ITEMS, Vec::new());
        all_json(&t, ITEMS.name())
    }

    /// Up to `limit` items with ids from `start` on, in id order (for paging).
    fn items_from(&self, start: ItemId, limit: usize) -> Result<Vec<PendingItem>, StoreError> {
        let t = ro_table!(self, ITEMS, Vec::new());
        let mut out = Vec::with_capacity(limit.min(4096));
        for row in t.range(start..)?.take(limit) {
            let (k, v) = row?;
            out.push(decode_at::<u64, _>(
                ITEMS.name(),
                &key_bytes::<u64>(&k.value()),
                v.value(),
            )?);
        }
        Ok(out)
    }

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError> {
        let t = ro_table!(self, ORDERS, None);
        get_json(&t, ORDERS.name(), po.0)
    }

    fn orders(&self) -> Result<Vec<Order>, StoreError> {
        let t = ro_table!(self, ORDERS, Vec::new());
        all_json(&t, ORDERS.name())
    }

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError> {
        let t = ro_table!(self, QUOTES, None);
        get_json(&t, QUOTES.name(), id)
    }

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError> {
        let t = ro_table!(self, SETTINGS, Vec::new());
        Ok(get_json(&t, SETTINGS.name(), S_RULES)?.unwrap_or_default())
    }

    fn audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let t = ro_table!(self, AUDIT, Vec::new());
        all_json(&t, AUDIT.name())
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
            state: decode_kept(record, stored)?,
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
            let mut e: AuditEntry = decode_at::<u64, _>(AUDIT.name(), &key_bytes::<u64>(&k.value()), v.value())?;
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

    fn audit_from(&self, start: u64, shape: &dyn Fn(&mut AuditEntry)) -> Result<Vec<AuditEntry>, StoreError> {
        let t = ro_table!(self, AUDIT, Vec::new());
        let mut out = Vec::new();
        for row in t.range(start..)? {
            let (k, v) = row?;
            let mut e: AuditEntry = decode_at::<u64, _>(AUDIT.name(), &key_bytes::<u64>(&k.value()), v.value())?;
            shape(&mut e);
            out.push(e);
        }
        Ok(out)
    }

    fn serial_owner(&self, product: &str, serial: &str) -> Result<Option<PoNumber>, StoreError> {
        let t = ro_table!(self, SERIALS, None);
        Ok(t.get(key_of_serial(product, serial).as_str())?
            .map(|v| PoNumber(v.value())))
    }

    fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        let t = ro_table!(self, OUTBOX, Vec::new());
        all_json(&t, OUTBOX.name())
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

    fn scan(&self) -> Result<super::Scan, StoreError> {
        self.scan_all()
    }

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError> {
        let t = ro_table!(self, PSA_SYNC, None);
        get_json(&t, PSA_SYNC.name(), po.0)
    }

    fn psa_syncs(&self) -> Result<Vec<PsaSyncState>, StoreError> {
        let t = ro_table!(self, PSA_SYNC, Vec::new());
        all_json(&t, PSA_SYNC.name())
    }

    fn notices(&self) -> Result<Vec<Notice>, StoreError> {
        let t = ro_table!(self, NOTICES, Vec::new());
        all_json(&t, NOTICES.name())
    }
}

/// A write transaction. Everything a command changes — state, audit entry, outbox jobs —
/// goes through one of these and commits together.
pub struct WriteTx {
    pub(super) txn: WriteTransaction,
    /// Whether anything was written: a transaction that wrote nothing is not committed
    /// (no sync, and no change for other people's screens to reload for).
    pub(super) dirty: bool,
    /// The entities written, for the change feed.
    touched: std::collections::BTreeSet<Touched>,
    /// The key audit entries are chained with (none: appending an entry is refused).
    pub(super) audit_key: Option<std::sync::Arc<super::audit_key::KeyFile>>,
    /// Every write's undo, kept when several commands share the transaction (see
    /// [`WriteTx::mark`]).
    undo: Option<Vec<Undo>>,
}

/// Where a transaction stood before one command of several ran in it: what
/// [`WriteTx::roll_back`] returns it to.
pub(super) struct Mark {
    undo: usize,
    dirty: bool,
    touched: std::collections::BTreeSet<Touched>,
}

impl WriteTx {
    pub(super) fn new(txn: WriteTransaction) -> Self {
        WriteTx {
            txn,
            dirty: false,
            touched: Default::default(),
            audit_key: None,
            undo: None,
        }
    }

    /// Keeps an undo log from now on, so that one command's writes can be taken back
    /// while the others' in the same transaction stay ([`WriteTx::roll_back`]).
    pub(super) fn keep_undo(&mut self) {
        self.undo.get_or_insert_with(Vec::new);
    }

    /// Where the transaction stands now, to roll back to (with an undo log kept).
    pub(super) fn mark(&self) -> Mark {
        Mark {
            undo: self.undo.as_ref().map_or(0, Vec::len),
            dirty: self.dirty,
            touched: self.touched.clone(),
        }
    }

    /// Takes back every write since `mark`, newest first.
    pub(super) fn roll_back(&mut self, mark: Mark) -> Result<(), StoreError> {
        let log = self
            .undo
            .as_mut()
            .ok_or_else(|| StoreError::Db("rolling back a transaction that keeps no undo log".into()))?;
        super::undo::undo_after(&self.txn, log, mark.undo)?;
        self.dirty = mark.dirty;
        self.touched = mark.touched;
        Ok(())
    }

    /// Notes an entity written, for the change feed.
    fn touch(&mut self, t: Touched) {
        self.touched.insert(t);
    }

    /// Opens a table to change it (its writes noted in the undo log, when one is kept).
    fn writable<K: redb::Key + 'static, V: redb::Value + 'static>(
        &mut self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<Logged<'_, K, V>, StoreError> {
        self.dirty = true;
        Ok(Logged::new(self.txn.open_table(def)?, def, self.undo.as_mut()))
    }

    /// Commits durably, recording `token` as the last commit's (see `RedbFile::commit`)
    /// and what it touched in the change feed under the new change counter.
    pub(super) fn commit(self, token: u64) -> Result<(), StoreError> {
        {
            let mut meta = self.txn.open_table(META)?;
            let n = meta.get(K_CHANGES)?.map_or(0, |v| v.value());
            meta.insert(K_CHANGES, n + 1)?;
            let slot = format!("{K_COMMIT_TOKEN}.{}", (n + 1) % COMMIT_TOKENS);
            meta.insert(slot.as_str(), token)?;
            let mut log = self.txn.open_table(FEED)?;
            feed::append(&mut log, n + 1, &feed::record_of(&self.touched))?;
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
        if found.is_some_and(|v| v < 3) {
            self.seal_every_value()?;
        }
        Ok(())
    }

    /// Schema 3: every stored value gets its checksum (see [`super::codec`]). Each value is
    /// checked to be JSON first, so a value already damaged is reported, not sealed as
    /// good. Runs in the write that sets the new schema version: all of it happens, or none.
    fn seal_every_value(&mut self) -> Result<(), StoreError> {
        for def in [SETTINGS, QUOTES] {
            self.seal_table(def)?;
        }
        for def in [ITEMS, ORDERS, AUDIT, OUTBOX, NOTICES, PSA_SYNC, super::tables::FEED] {
            self.seal_table(def)?;
        }
        Ok(())
    }

    /// Rewrites each value of `def` with its checksum, one value in memory at a time
    /// beside the table's keys.
    fn seal_table<K: KeyText>(&mut self, def: TableDefinition<K, &'static [u8]>) -> Result<(), StoreError> {
        let mut t = self.txn.open_table(def)?;
        let keys = t
            .iter()?
            .map(|row| Ok(key_bytes::<K>(&row?.0.value())))
            .collect::<Result<Vec<_>, StoreError>>()?;
        for kb in keys {
            let key = K::from_bytes(&kb);
            let Some(body) = t.get(&key)?.map(|v| v.value().to_vec()) else {
                continue;
            };
            let shown = || format!("key {}", K::text(&kb));
            let at = At {
                table: def.name(),
                key: &kb,
                shown: &shown,
            };
            decode_unsealed::<serde::de::IgnoredAny>(&at, &body)?;
            t.insert(&key, seal(&kb, body).as_slice())?;
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
            // Runs before the values are sealed (schema 3): plain JSON.
            let shown = || PoNumber(po).to_string();
            let at = At {
                table: ORDERS.name(),
                key: &po.to_le_bytes(),
                shown: &shown,
            };
            let order: Order = decode_unsealed(&at, v.value())?;
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
                Some(decode_at::<u64, ChainHead>(
                    AUDIT.name(),
                    &seq.to_le_bytes(),
                    v.value(),
                )?)
            }
            None => None,
        };
        Ok(last)
    }

    /// Writes `entry` as the newest audit entry; returns what the next one chains to.
    fn insert_audit(&mut self, entry: &AuditEntry) -> Result<ChainHead, StoreError> {
        self.writable(AUDIT)?
            .insert(entry.seq, encode(&entry.seq.to_le_bytes(), entry).as_slice())?;
        self.writable(META)?.insert(K_AUDIT_LAST, entry.seq)?;
        self.touch(Touched::Audit(entry.seq));
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
        let mut kept = Logged::new(self.txn.open_table(AUDIT_STATES)?, AUDIT_STATES, self.undo.as_mut());
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
    ) -> Result<Option<T>, StoreError>
    where
        K: KeyText,
        T: DeserializeOwned,
    {
        let t = self.txn.open_table(def)?;
        get_json(&t, def.name(), key)
    }

    pub(super) fn put<K, T>(
        &mut self,
        def: TableDefinition<'static, K, &'static [u8]>,
        key: K::SelfType<'_>,
        value: &T,
    ) -> Result<(), StoreError>
    where
        K: redb::Key + 'static,
        T: Serialize,
    {
        let bytes = encode(&key_bytes::<K>(&key), value);
        let mut t = self.writable(def)?;
        t.insert(key, bytes.as_slice())?;
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
        self.get(ITEMS, id)
    }

    fn put_item(&mut self, item: &PendingItem) -> Result<(), StoreError> {
        self.touch(Touched::Item(item.id));
        self.put(ITEMS, item.id, item)
    }

    fn put_items(&mut self, items: &[PendingItem]) -> Result<(), StoreError> {
        let mut t = self.writable(ITEMS)?;
        for item in items {
            t.insert(item.id, encode(&item.id.to_le_bytes(), item).as_slice())?;
        }
        drop(t);
        self.touched.extend(items.iter().map(|i| Touched::Item(i.id)));
        Ok(())
    }

    fn order(&self, po: PoNumber) -> Result<Option<Order>, StoreError> {
        self.get(ORDERS, po.0)
    }

    fn put_order(&mut self, order: &Order) -> Result<(), StoreError> {
        self.touch(Touched::Order(order.number));
        self.put(ORDERS, order.number.0, order)
    }

    fn quote(&self, id: &str) -> Result<Option<StoredQuote>, StoreError> {
        self.get(QUOTES, id)
    }

    fn put_quote(&mut self, q: StoredQuote) -> Result<(), StoreError> {
        let id = q.quote.quote_id.clone();
        let bytes = encode(id.as_bytes(), &q);
        drop(q);
        let mut t = self.writable(QUOTES)?;
        t.insert(id.as_str(), bytes.as_slice())?;
        drop(t);
        self.touch(Touched::Quote(id));
        Ok(())
    }

    fn rules(&self) -> Result<Vec<ApprovalRule>, StoreError> {
        Ok(self.get(SETTINGS, S_RULES)?.unwrap_or_default())
    }

    fn set_rules(&mut self, rules: &[ApprovalRule]) -> Result<(), StoreError> {
        self.touch(Touched::Rules);
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
        self.get(OUTBOX, id)
    }

    fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        let t = self.txn.open_table(OUTBOX)?;
        all_json(&t, OUTBOX.name())
    }

    fn put_job(&mut self, job: &Job) -> Result<(), StoreError> {
        self.touch(Touched::Job {
            id: job.id,
            po: job.kind.po(),
        });
        self.put(OUTBOX, job.id, job)
    }

    fn psa_sync(&self, po: PoNumber) -> Result<Option<PsaSyncState>, StoreError> {
        self.get(PSA_SYNC, po.0)
    }

    fn put_psa_sync(&mut self, state: &PsaSyncState) -> Result<(), StoreError> {
        self.touch(Touched::PsaSync(state.po));
        self.put(PSA_SYNC, state.po.0, state)
    }

    fn next_notice_id(&mut self) -> Result<u64, StoreError> {
        self.next(K_NEXT_NOTICE)
    }

    fn notice(&self, id: u64) -> Result<Option<Notice>, StoreError> {
        self.get(NOTICES, id)
    }

    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.touch(Touched::Notice(notice.id));
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
