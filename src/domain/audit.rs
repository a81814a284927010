//! Audit entries and the hash chain that makes tampering detectable.

use super::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One change: who, when, what, and the values before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    /// What was done, e.g. `po.create`, `item.dismiss`, `receipt.add`.
    pub action: String,
    /// What it was done to, e.g. `PO-000003`, `item 17`, `quote Q-2026-0142`.
    pub entity: String,
    pub before: Value,
    pub after: Value,
    /// Hash of the previous entry (the genesis hash for the first).
    pub prev_hash: String,
    /// SHA-256 over this entry's content and `prev_hash`.
    pub hash: String,
}

/// What a command changed, before it is numbered and chained.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub before: Value,
    pub after: Value,
}

impl AuditEntry {
    /// Builds entry `seq` for `change`, chained to `prev_hash`.
    pub fn new(seq: u64, change: Change, prev_hash: &str) -> Self {
        let Change {
            at,
            actor,
            action,
            entity,
            before,
            after,
        } = change;
        let mut entry = AuditEntry {
            seq,
            at,
            actor,
            action,
            entity,
            before,
            after,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// The hash this entry must carry, given its content and `prev_hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.seq.to_string().as_str(),
            &self.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            &self.actor,
            &self.action,
            &self.entity,
            &self.before.to_string(),
            &self.after.to_string(),
            &self.prev_hash,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where a chain of entries breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's content does not match its hash (it was edited).
    Altered { seq: u64 },
    /// The entry does not point at the previous entry's hash (one was removed or inserted).
    Unlinked { seq: u64 },
    /// Sequence numbers skip (an entry was removed).
    Gap { expected: u64, found: u64 },
    /// The newest entries are missing: the trail ends at `found`, the newest written was
    /// `expected`.
    Truncated { expected: u64, found: u64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(f, "entry {seq} was altered after it was written"),
            ChainBreak::Unlinked { seq } => write!(f, "entry {seq} does not follow the entry before it"),
            ChainBreak::Gap { expected, found } => {
                write!(f, "entry {expected} is missing (the next entry is {found})")
            }
            ChainBreak::Truncated { expected, found } => {
                write!(
                    f,
                    "entries after {found} are missing (the newest written was {expected})"
                )
            }
        }
    }
}

/// Checks a whole chain in sequence order; returns the number of entries checked.
pub fn verify_chain<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS.to_string();
    let mut expected = 1;
    for e in entries {
        if e.seq != expected {
            return Err(ChainBreak::Gap { expected, found: e.seq });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        prev = e.hash.clone();
        expected += 1;
    }
    Ok(expected - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let change = Change {
                    at: chrono::DateTime::from_timestamp(1_700_000_000 + seq as i64, 0).unwrap(),
                    actor: "alice".into(),
                    action: "item.dismiss".into(),
                    entity: format!("item {seq}"),
                    before: json!({"state": "pending"}),
                    after: json!({"state": "dismissed"}),
                };
                let e = AuditEntry::new(seq, change, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn an_edit_is_detected() {
        let mut c = chain(4);
        c[2].actor = "mallory".into();
        assert_eq!(verify_chain(&c), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_removal_is_detected() {
        let mut c = chain(4);
        c.remove(1);
        assert_eq!(verify_chain(&c), Err(ChainBreak::Gap { expected: 2, found: 3 }));
    }

    #[test]
    fn a_rewritten_tail_is_detected() {
        let mut c = chain(4);
        // Re-hash an altered entry: the next one no longer links to it.
        c[1].after = json!({"state": "pending"});
        c[1].hash = c[1].compute_hash();
        assert_eq!(verify_chain(&c), Err(ChainBreak::Unlinked { seq: 3 }));
    }
}
