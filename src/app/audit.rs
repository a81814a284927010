//! Reading, filtering, verifying and exporting the audit trail.

use super::{AppError, Service};
use crate::domain::audit::{verify_chain, ChainBreak};
use crate::domain::{AuditEntry, PoNumber};

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub po: Option<PoNumber>,
    pub actor: Option<String>,
    /// Prefix of the action, e.g. `po.` or `receipt.add`.
    pub action: Option<String>,
}

impl AuditFilter {
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.po.is_none_or(|po| e.entity == po.to_string())
            && self.actor.as_deref().is_none_or(|a| e.actor == a)
            && self.action.as_deref().is_none_or(|a| e.action.starts_with(a))
    }
}

impl Service {
    /// Entries matching `filter`, oldest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self
            .store
            .read(|tx| tx.audit_matching(&|e| filter.matches(e), None, &|_| {}))?)
    }

    /// The latest `limit` entries matching `filter`, oldest first, each passed through
    /// `shape` as it is read (screens keep only what they show).
    pub fn audit_latest(
        &self,
        filter: &AuditFilter,
        limit: usize,
        shape: &dyn Fn(&mut AuditEntry),
    ) -> Result<Vec<AuditEntry>, AppError> {
        Ok(self
            .store
            .read(|tx| tx.audit_matching(&|e| filter.matches(e), Some(limit), shape))?)
    }

    /// The entry numbered `seq`, whole (read from the newest back: recent entries are quick).
    pub fn audit_entry(&self, seq: u64) -> Result<Option<AuditEntry>, AppError> {
        Ok(self
            .store
            .read(|tx| tx.audit_matching(&|e| e.seq == seq, Some(1), &|_| {}))?
            .pop())
    }

    /// Checks the whole hash chain; returns the number of entries, or where it breaks.
    pub fn verify_audit(&self) -> Result<Result<u64, ChainBreak>, AppError> {
        let (entries, last) = self
            .store
            .read(|tx| Ok::<_, AppError>((tx.audit()?, tx.audit_last_recorded()?)))?;
        Ok(verify_chain(&entries).and_then(|n| {
            if n < last {
                Err(ChainBreak::Truncated {
                    expected: last,
                    found: n,
                })
            } else {
                Ok(n)
            }
        }))
    }
}

/// Writes entries as CSV: seq, at, actor, action, entity, before, after, hash.
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "seq",
        "at",
        "actor",
        "action",
        "entity",
        "before",
        "after",
        "prev_hash",
        "hash",
    ])
    .expect("writing to memory");
    for e in entries {
        w.write_record([
            e.seq.to_string(),
            e.at.to_rfc3339(),
            e.actor.clone(),
            e.action.clone(),
            e.entity.clone(),
            e.before.to_string(),
            e.after.to_string(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 is UTF-8")
}
