//! A walk over the whole file for `purser check`: every value of every table decoded (its
//! checksum checked), each failure kept as a [`Problem`] naming the table and key instead
//! of stopping at the first, and the records that decoded handed back for the
//! cross-checks the application makes.

use super::codec::At;
use super::psa::{PsaSyncState, PSA_SYNC};
use super::tables::*;
use super::tx::{key_bytes, KeyText, ReadTx, StoredQuote};
use super::StoreError;
use crate::domain::job::Job;
use crate::domain::notice::Notice;
use crate::domain::{ApprovalRule, AuditEntry, Order, PendingItem};
use redb::{ReadableTable, TableDefinition, TableHandle};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Something wrong in the file: where (table and key) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub table: String,
    pub key: String,
    pub message: String,
}

impl Problem {
    pub fn new(table: &str, key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            table: table.to_string(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// What a walk over the file found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Values that cannot be read, and tables that cannot be walked.
    pub problems: Vec<Problem>,
    /// How many values were read (checksum and contents both good).
    pub values: u64,
    pub items: Vec<PendingItem>,
    pub orders: Vec<Order>,
    pub jobs: Vec<Job>,
    pub notices: Vec<Notice>,
    /// Sequence numbers of the audit entries that decoded.
    pub audit_seqs: Vec<u64>,
    /// The serial index: key → order number (plain numbers, no checksum; cross-checked).
    pub serials: Vec<(String, u64)>,
    /// The `meta` table: counters and the schema version (plain numbers; cross-checked).
    pub meta: Vec<(String, u64)>,
}

/// The table's rows as (key bytes, value bytes); a row redb cannot read ends the walk
/// with a problem.
type Rows = Vec<(Vec<u8>, Vec<u8>)>;

impl ReadTx {
    /// Walks every table. Fails only when the file cannot be read at all.
    pub(super) fn scan_all(&self) -> Result<Scan, StoreError> {
        let mut s = Scan::default();
        self.walk(SETTINGS, &mut s, |_, _: Vec<ApprovalRule>| {});
        self.walk(QUOTES, &mut s, |_, _: StoredQuote| {});
        self.walk(ITEMS, &mut s, |s, i: PendingItem| s.items.push(i));
        self.walk(ORDERS, &mut s, |s, o: Order| s.orders.push(o));
        self.walk(AUDIT, &mut s, |s, e: AuditEntry| s.audit_seqs.push(e.seq));
        self.walk(OUTBOX, &mut s, |s, j: Job| s.jobs.push(j));
        self.walk(NOTICES, &mut s, |s, n: Notice| s.notices.push(n));
        self.walk(PSA_SYNC, &mut s, |_, _: PsaSyncState| {});
        self.walk(super::tables::FEED, &mut s, |_, _: super::feed::Record| {});
        s.serials = self.numbers(SERIALS, &mut s.problems);
        s.meta = self.numbers(META, &mut s.problems);
        Ok(s)
    }

    /// Decodes every value of `def`, handing each good one to `keep`.
    fn walk<K: KeyText, T: DeserializeOwned>(
        &self,
        def: TableDefinition<K, &'static [u8]>,
        s: &mut Scan,
        keep: impl Fn(&mut Scan, T),
    ) {
        let table = def.name();
        let rows = match self.rows(def) {
            Ok(rows) => rows,
            Err(p) => return s.problems.push(p),
        };
        for (kb, bytes) in rows.0 {
            let shown = || format!("key {}", K::text(&kb));
            let at = At {
                table,
                key: &kb,
                shown: &shown,
            };
            match super::codec::decode::<T>(&at, &bytes) {
                Ok(v) => {
                    s.values += 1;
                    keep(s, v);
                }
                Err(e) => s.problems.push(Problem::new(table, K::text(&kb), reason(e))),
            }
        }
        s.problems.extend(rows.1);
    }

    /// Every row of a table (a table never written is empty), and the problem that ended
    /// the walk early, if one did. A panic below (redb on a damaged page) is a problem of
    /// that table.
    fn rows<K: KeyText>(&self, def: TableDefinition<K, &'static [u8]>) -> Result<(Rows, Option<Problem>), Problem> {
        let table = def.name();
        let walk = || -> Result<(Rows, Option<Problem>), StoreError> {
            let t = match self.txn.open_table(def) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok((Vec::new(), None)),
                Err(e) => return Err(e.into()),
            };
            let mut rows = Vec::new();
            for row in t.iter()? {
                match row {
                    Ok((k, v)) => rows.push((key_bytes::<K>(&k.value()), v.value().to_vec())),
                    Err(e) => {
                        let after = rows.last().map_or("(first)".into(), |(k, _): &(Vec<u8>, _)| K::text(k));
                        let p = Problem::new(table, after, format!("the rows after this key cannot be read: {e}"));
                        return Ok((rows, Some(p)));
                    }
                }
            }
            Ok((rows, None))
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(walk)) {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(Problem::new(table, "(table)", format!("the table cannot be read: {e}"))),
            Err(_) => Err(Problem::new(
                table,
                "(table)",
                "the table cannot be read: the storage engine stopped on a damaged page",
            )),
        }
    }

    /// A table of plain numbers, whole.
    fn numbers(&self, def: TableDefinition<&'static str, u64>, problems: &mut Vec<Problem>) -> Vec<(String, u64)> {
        let table = def.name();
        let walk = || -> Result<Vec<(String, u64)>, StoreError> {
            let t = match self.txn.open_table(def) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            let mut out = Vec::new();
            for row in t.iter()? {
                let (k, v) = row?;
                out.push((k.value().to_string(), v.value()));
            }
            Ok(out)
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(walk)) {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                problems.push(Problem::new(table, "(table)", format!("the table cannot be read: {e}")));
                Vec::new()
            }
            Err(_) => {
                problems.push(Problem::new(
                    table,
                    "(table)",
                    "the table cannot be read: the storage engine stopped on a damaged page",
                ));
                Vec::new()
            }
        }
    }
}

/// What is wrong with a value, without the table and key (the problem names them).
fn reason(e: StoreError) -> String {
    match e {
        StoreError::Corrupt { message, .. } => message,
        other => other.to_string(),
    }
}
