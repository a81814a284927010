//! Reading, filtering, verifying and exporting the audit trail.

use super::audit_replay::{replay, Latest, Live};
pub use super::audit_replay::{Difference, Replay};
use super::{AppError, Service};
use crate::domain::audit::{check_anchor, verify_chain, Anchor, AnchorSpec, ChainBreak, ChainReport, StatesDigest};
use crate::domain::{AuditEntry, PoNumber};
use crate::store::{audit_key_path, load_audit_key, ReadOps, StoreError};
use std::collections::BTreeMap;

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

    /// Checks the whole chain with the audit key (and, given an anchor, that the history
    /// up to it is unchanged), and replays the trail against the live records — all on one
    /// snapshot. A chain with MACs whose key file is missing is an error naming the file.
    pub fn check_audit(&self, anchor: Option<&AnchorSpec>) -> Result<AuditCheck, AppError> {
        self.check_audit_telling(anchor, &|_| {})
    }

    /// [`Service::check_audit`], telling `stage` what it does as it goes (seconds on a
    /// long trail: a terminal shows it).
    pub fn check_audit_telling(
        &self,
        anchor: Option<&AnchorSpec>,
        stage: &dyn Fn(&str),
    ) -> Result<AuditCheck, AppError> {
        let key = load_audit_key(self.store.path())?;
        let (chain, replay) = self.store.read(|tx| {
            stage("reading the audit trail");
            let (entries, last) = (tx.audit()?, tx.audit_last_recorded()?);
            let (digests, latest) = kept_states(tx)?;
            stage(&format!("verifying the chain of {} audit entries", entries.len()));
            let chain = verify_chain(&entries, key.as_ref(), &digests).and_then(|report| {
                if report.entries < last {
                    return Err(ChainBreak::Truncated {
                        expected: last,
                        found: report.entries,
                    });
                }
                let anchor = anchor.map(|a| check_anchor(&entries, a)).transpose()?;
                Ok((report, anchor))
            });
            let live = Live {
                items: tx.items()?,
                orders: tx.orders()?,
                rules: tx.rules()?,
            };
            let covers_all = key.is_some() || entries.iter().any(|e| e.keyed);
            stage("replaying the trail against the live records");
            let replay = replay(&latest, live, covers_all, &|seq, n| tx.audit_state(seq, n))?;
            Ok::<_, AppError>((chain, replay))
        })?;
        if let Err(ChainBreak::KeyMissing { seq }) = chain {
            return Err(StoreError::AuditKey {
                path: audit_key_path(self.store.path()),
                message: format!(
                    "the file is missing, and entry {seq} carries a MAC made with it; restore it from a backup"
                ),
            }
            .into());
        }
        Ok(match chain {
            Ok((chain, anchor)) => AuditCheck {
                chain: Ok(chain),
                anchor,
                replay,
            },
            Err(b) => AuditCheck {
                chain: Err(b),
                anchor: None,
                replay,
            },
        })
    }

    /// Checks the whole chain; returns what it holds, or where it breaks.
    pub fn verify_audit(&self) -> Result<Result<ChainReport, ChainBreak>, AppError> {
        Ok(self.check_audit(None)?.chain)
    }

    /// Replays the trail against the live records: every item, order and the approval
    /// rules must be in the state the trail last recorded for them.
    pub fn replay_audit(&self) -> Result<Replay, AppError> {
        Ok(self.check_audit(None)?.replay)
    }

    /// The head of the chain (the newest entry's sequence number and MAC), to keep
    /// outside the database; none while the trail is empty.
    pub fn audit_anchor(&self) -> Result<Option<Anchor>, AppError> {
        let last = self.store.read(|tx| tx.audit_matching(&|_| true, Some(1), &|_| {}))?;
        Ok(last.last().map(AuditEntry::anchor))
    }

    /// Writes the chain's head to the log (for the service to call daily): a copy of the
    /// anchor outside the database, for `purser audit verify --anchor`.
    pub fn log_audit_anchor(&self) -> Result<Option<Anchor>, AppError> {
        let anchor = self.audit_anchor()?;
        match &anchor {
            Some(a) => tracing::info!(seq = a.seq, mac = %a.mac, anchor = %a, "audit anchor"),
            None => tracing::info!("audit anchor: the audit trail is empty"),
        }
        Ok(anchor)
    }
}

/// Reads the record states kept with the entries once: the digest of each entry's states
/// (to check against the entry), and where the latest state of each record is.
fn kept_states(tx: &dyn ReadOps) -> Result<(BTreeMap<u64, String>, Latest), StoreError> {
    let mut digests = BTreeMap::new();
    let mut latest = Latest::new();
    let mut current: Option<(u64, StatesDigest)> = None;
    tx.audit_states(&mut |seq, n, record, stored| {
        if current.as_ref().is_none_or(|(s, _)| *s != seq) {
            if let Some((s, d)) = current.take() {
                digests.insert(s, d.finish());
            }
            current = Some((seq, StatesDigest::default()));
        }
        if let Some((_, d)) = current.as_mut() {
            d.add(record, stored);
        }
        latest.insert(record, (seq, n));
    })?;
    if let Some((s, d)) = current {
        digests.insert(s, d.finish());
    }
    Ok((digests, latest))
}

/// What `audit verify` found: the chain (intact, or where it breaks), the anchor that held,
/// and the replay against the live records (serializable, for whatever asks a service
/// for it).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AuditCheck {
    pub chain: Result<ChainReport, ChainBreak>,
    pub anchor: Option<Anchor>,
    pub replay: Replay,
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
