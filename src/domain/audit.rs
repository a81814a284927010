//! Audit entries and the chain that makes tampering detectable.
//!
//! Entries written since the audit key exists carry an HMAC-SHA256 (keyed with the
//! database's audit key) over their content, a digest of the states of the records they
//! wrote and the previous entry's MAC: without the key, no one can rewrite an entry and
//! re-chain the rest. Entries written before the key existed keep their plain SHA-256
//! hashes; the keyed chain continues from them.
//!
//! The states themselves (each record's whole state after the change) are kept beside the
//! entries, one row each, so entries stay small however many records a change wrote.

use super::Timestamp;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What keyed MACs start with, so that no other use of the key yields an entry's MAC.
const MAC_CONTEXT: &str = "purser audit entry v1";

/// The secret the audit chain is keyed with: 32 random bytes, readable only by the account
/// that runs Purser's service.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl AuditKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        AuditKey(bytes)
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

/// Which kind of record a recorded state is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Item,
    Order,
    /// The approval rules (one record, id 0).
    Rules,
}

impl RecordKind {
    /// The byte the kind is kept as.
    pub fn code(self) -> u8 {
        match self {
            RecordKind::Item => 1,
            RecordKind::Order => 2,
            RecordKind::Rules => 3,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(RecordKind::Item),
            2 => Some(RecordKind::Order),
            3 => Some(RecordKind::Rules),
            _ => None,
        }
    }
}

/// One record: an item by id, an order by number, or the approval rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: RecordKind,
    pub id: u64,
}

impl std::fmt::Display for RecordRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            RecordKind::Item => write!(f, "item {}", self.id),
            RecordKind::Order => write!(f, "{}", super::PoNumber(self.id)),
            RecordKind::Rules => f.write_str("the approval rules"),
        }
    }
}

/// A record's whole state after a change, as it was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub kind: RecordKind,
    pub id: u64,
    pub state: Value,
}

impl Snapshot {
    pub fn record(&self) -> RecordRef {
        RecordRef {
            kind: self.kind,
            id: self.id,
        }
    }
}

/// The digest over the states one entry kept, in order: SHA-256 over each record's kind,
/// id, and state as stored (its length first). The stored bytes are hashed as they are,
/// so keeping a state costs no parsing.
#[derive(Default)]
pub struct StatesDigest {
    hash: Sha256,
    count: u64,
}

impl StatesDigest {
    pub fn add(&mut self, record: RecordRef, stored: &[u8]) {
        self.hash.update([record.kind.code()]);
        self.hash.update(record.id.to_le_bytes());
        self.hash.update((stored.len() as u64).to_le_bytes());
        self.hash.update(stored);
        self.count += 1;
    }

    /// The digest, or nothing when no state was added.
    pub fn finish(self) -> String {
        if self.count == 0 {
            String::new()
        } else {
            hex(&self.hash.finalize())
        }
    }
}

/// One change: who, when, what, the values before and after, and the whole state of every
/// record it wrote.
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
    /// The digest (see [`StatesDigest`]) of the states of the items, orders and rule set
    /// the change wrote, kept beside the entries; empty when it wrote none (and in entries
    /// from before states were recorded).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub states: String,
    /// Whether `hash` is a MAC keyed with the audit key (entries written before the key
    /// existed carry a plain SHA-256).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keyed: bool,
    /// Hash (or MAC) of the previous entry (the genesis hash for the first).
    pub prev_hash: String,
    /// HMAC-SHA256 with the audit key (plain SHA-256 for entries written before the key
    /// existed) over this entry's content and `prev_hash`.
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
    /// The records the change wrote (noted by the store as they are written; it keeps
    /// their states with the entry).
    pub records: Vec<RecordRef>,
}

impl AuditEntry {
    /// Builds entry `seq` for `change`, whose records' states have digest `states`,
    /// chained to `prev_hash` with a MAC keyed by `key`.
    pub fn new(seq: u64, change: Change, states: String, prev_hash: &str, key: &AuditKey) -> Self {
        let mut entry = Self::unsealed(seq, change, prev_hash, true);
        entry.states = states;
        entry.hash = entry.compute_mac(key);
        entry
    }

    /// Builds entry `seq` as entries were built before the audit key existed: a plain
    /// SHA-256 anyone can recompute. Only for reading and testing old trails.
    pub fn plain(seq: u64, change: Change, prev_hash: &str) -> Self {
        let mut entry = Self::unsealed(seq, change, prev_hash, false);
        entry.hash = entry.compute_hash();
        entry
    }

    fn unsealed(seq: u64, change: Change, prev_hash: &str, keyed: bool) -> Self {
        let Change {
            at,
            actor,
            action,
            entity,
            before,
            after,
            records: _,
        } = change;
        AuditEntry {
            seq,
            at,
            actor,
            action,
            entity,
            before,
            after,
            states: String::new(),
            keyed,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        }
    }

    /// The content parts both kinds of hash cover, each preceded by its length.
    fn parts(&self) -> [String; 7] {
        [
            self.seq.to_string(),
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            self.actor.clone(),
            self.action.clone(),
            self.entity.clone(),
            self.before.to_string(),
            self.after.to_string(),
        ]
    }

    /// The plain SHA-256 an entry written before the audit key existed must carry.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in self.parts().iter().map(String::as_str).chain([self.prev_hash.as_str()]) {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex(&h.finalize())
    }

    /// The MAC a keyed entry must carry: HMAC-SHA256 with `key` over a context string,
    /// the content, the digest of the recorded states and `prev_hash`.
    pub fn compute_mac(&self, key: &AuditKey) -> String {
        let mut m = key.mac();
        let parts = self.parts();
        let all = [MAC_CONTEXT]
            .into_iter()
            .chain(parts.iter().map(String::as_str))
            .chain([self.states.as_str(), self.prev_hash.as_str()]);
        for part in all {
            m.update(&(part.len() as u64).to_le_bytes());
            m.update(part.as_bytes());
        }
        hex(&m.finalize().into_bytes())
    }

    /// The head of a chain ending with this entry.
    pub fn anchor(&self) -> Anchor {
        Anchor {
            seq: self.seq,
            mac: self.hash.clone(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The head of the chain at some moment: the newest entry's sequence number and MAC.
/// Kept outside the database (a log, a ticket, a printout), it proves later that the
/// history up to it did not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub mac: String,
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.mac)
    }
}

/// An anchor as given to `audit verify --anchor`: `SEQ:MAC`, or the MAC alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorSpec {
    pub seq: Option<u64>,
    pub mac: String,
}

impl std::str::FromStr for AnchorSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (seq, mac) = match s.split_once(':') {
            Some((seq, mac)) => {
                let seq = seq
                    .parse::<u64>()
                    .map_err(|_| format!("the anchor's sequence number {seq:?} is not a number"))?;
                (Some(seq), mac)
            }
            None => (None, s),
        };
        if mac.len() != 64 || !mac.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "the anchor's MAC {mac:?} is not 64 hexadecimal digits (give SEQ:MAC as `purser audit anchor` prints it)"
            ));
        }
        Ok(AnchorSpec {
            seq,
            mac: mac.to_ascii_lowercase(),
        })
    }
}

/// What a verified chain holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChainReport {
    /// How many entries were checked.
    pub entries: u64,
    /// The first entry with a MAC (the ones before carry plain SHA-256 hashes, written
    /// before the audit key existed); none when no entry has one.
    pub keyed_from: Option<u64>,
    /// The newest entry.
    pub head: Option<Anchor>,
}

/// Where a chain of entries breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "break", rename_all = "snake_case")]
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
    /// The entry carries a plain hash where a MAC belongs: it follows a keyed entry, holds
    /// record states, or the key exists and no entry at all carries a MAC.
    Unkeyed { seq: u64 },
    /// The entry carries a MAC and there is no key to check it with.
    KeyMissing { seq: u64 },
    /// The record states kept for the entry are not the ones it was written with.
    StatesAltered { seq: u64 },
    /// The anchored entry is not in the trail: it ends at `found`.
    AnchorMissing { seq: u64, found: u64 },
    /// The entry at the anchor's sequence number carries another MAC.
    AnchorDiffers { seq: u64 },
    /// No entry carries the anchor's MAC.
    AnchorNotFound,
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
            ChainBreak::Unkeyed { seq } => write!(
                f,
                "entry {seq} carries a plain hash where the audit key's MAC belongs (it was rewritten without the key)"
            ),
            ChainBreak::StatesAltered { seq } => write!(
                f,
                "the record states kept for entry {seq} were altered, added or removed after it was written"
            ),
            ChainBreak::KeyMissing { seq } => {
                write!(f, "entry {seq} carries a MAC and the audit key to check it is missing")
            }
            ChainBreak::AnchorMissing { seq, found } => write!(
                f,
                "the anchored entry {seq} is missing: the trail ends at entry {found} (it was cut off)"
            ),
            ChainBreak::AnchorDiffers { seq } => write!(
                f,
                "entry {seq} does not carry the anchored MAC: the history up to the anchor was changed"
            ),
            ChainBreak::AnchorNotFound => write!(
                f,
                "no entry carries the anchored MAC: the history up to the anchor was changed or cut off"
            ),
        }
    }
}

/// Checks a whole chain in sequence order with `key` (none: only entries written before
/// the key existed can be checked), and the states kept beside it: `states` holds the
/// digest of each entry's kept states by sequence number (see [`StatesDigest`]).
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    key: Option<&AuditKey>,
    states: &std::collections::BTreeMap<u64, String>,
) -> Result<ChainReport, ChainBreak> {
    let mut prev = GENESIS.to_string();
    let mut report = ChainReport::default();
    for e in entries {
        let expected = report.entries + 1;
        if e.seq != expected {
            return Err(ChainBreak::Gap { expected, found: e.seq });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        if states.get(&e.seq).map_or("", String::as_str) != e.states {
            return Err(ChainBreak::StatesAltered { seq: e.seq });
        }
        check_seal(e, key, report.keyed_from.is_some())?;
        if e.keyed {
            report.keyed_from.get_or_insert(e.seq);
        }
        prev = e.hash.clone();
        report.entries = e.seq;
        report.head = Some(e.anchor());
    }
    // Every entry is written with the key once it exists: a key beside a trail of plain
    // hashes means the trail was rewritten without it.
    if key.is_some() && report.keyed_from.is_none() && report.entries > 0 {
        return Err(ChainBreak::Unkeyed { seq: report.entries });
    }
    // States kept for no entry.
    if let Some((&seq, _)) = states.range(report.entries + 1..).next() {
        return Err(ChainBreak::StatesAltered { seq });
    }
    Ok(report)
}

/// Checks one entry's MAC (or, for an entry from before the key, its plain hash).
fn check_seal(e: &AuditEntry, key: Option<&AuditKey>, after_keyed: bool) -> Result<(), ChainBreak> {
    let seq = e.seq;
    if e.keyed {
        let key = key.ok_or(ChainBreak::KeyMissing { seq })?;
        if e.compute_mac(key) != e.hash {
            return Err(ChainBreak::Altered { seq });
        }
        return Ok(());
    }
    // Plain hashes do not cover record states, and none follow a keyed entry.
    if after_keyed || !e.states.is_empty() {
        return Err(ChainBreak::Unkeyed { seq });
    }
    if e.compute_hash() != e.hash {
        return Err(ChainBreak::Altered { seq });
    }
    Ok(())
}

/// Checks that `entries` (a chain that verified) hold the anchored entry unchanged.
pub fn check_anchor(entries: &[AuditEntry], anchor: &AnchorSpec) -> Result<Anchor, ChainBreak> {
    let found = entries.last().map_or(0, |e| e.seq);
    let entry = match anchor.seq {
        Some(seq) => {
            let e = entries
                .iter()
                .find(|e| e.seq == seq)
                .ok_or(ChainBreak::AnchorMissing { seq, found })?;
            if e.hash != anchor.mac {
                return Err(ChainBreak::AnchorDiffers { seq });
            }
            e
        }
        None => entries
            .iter()
            .find(|e| e.hash == anchor.mac)
            .ok_or(ChainBreak::AnchorNotFound)?,
    };
    Ok(entry.anchor())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn key(b: u8) -> AuditKey {
        AuditKey::from_bytes([b; 32])
    }

    fn change(seq: u64) -> Change {
        Change {
            at: chrono::DateTime::from_timestamp(1_700_000_000 + seq as i64, 0).unwrap(),
            actor: "alice".into(),
            action: "item.dismiss".into(),
            entity: format!("item {seq}"),
            before: json!({"state": "pending"}),
            after: json!({"state": "dismissed"}),
            records: vec![RecordRef {
                kind: RecordKind::Item,
                id: seq,
            }],
        }
    }

    /// The digest of the state entry `seq` keeps.
    fn digest(seq: u64) -> String {
        let mut d = StatesDigest::default();
        let state = json!({"id": seq, "state": "dismissed"}).to_string();
        d.add(
            RecordRef {
                kind: RecordKind::Item,
                id: seq,
            },
            state.as_bytes(),
        );
        d.finish()
    }

    /// The kept states' digests of a chain's entries, as read beside them.
    fn states(c: &[AuditEntry]) -> BTreeMap<u64, String> {
        c.iter()
            .filter(|e| !e.states.is_empty())
            .map(|e| (e.seq, e.states.clone()))
            .collect()
    }

    fn verify(c: &[AuditEntry], key: Option<&AuditKey>) -> Result<ChainReport, ChainBreak> {
        verify_chain(c, key, &states(c))
    }

    /// `plain` entries as written before the key existed, then `keyed` ones.
    fn chain(plain: u64, keyed: u64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=plain + keyed)
            .map(|seq| {
                let e = if seq <= plain {
                    AuditEntry::plain(
                        seq,
                        Change {
                            records: Vec::new(),
                            ..change(seq)
                        },
                        &prev,
                    )
                } else {
                    AuditEntry::new(seq, change(seq), digest(seq), &prev, &key(7))
                };
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let r = verify(&chain(0, 5), Some(&key(7))).unwrap();
        assert_eq!((r.entries, r.keyed_from), (5, Some(1)));
        assert_eq!(r.head.unwrap().seq, 5);
        assert_eq!(verify(&[], None), Ok(ChainReport::default()));
        // An old trail continued with the key.
        let r = verify(&chain(3, 2), Some(&key(7))).unwrap();
        assert_eq!((r.entries, r.keyed_from), (5, Some(4)));
        // An old trail before the key existed.
        assert_eq!(verify(&chain(3, 0), None).unwrap().entries, 3);
    }

    #[test]
    fn an_edit_is_detected() {
        let mut c = chain(0, 4);
        c[2].actor = "mallory".into();
        assert_eq!(verify(&c, Some(&key(7))), Err(ChainBreak::Altered { seq: 3 }));
        // A kept state changed: its digest no longer matches the entry's.
        let c = chain(0, 4);
        let mut kept = states(&c);
        kept.insert(2, "00".repeat(32));
        assert_eq!(
            verify_chain(&c, Some(&key(7)), &kept),
            Err(ChainBreak::StatesAltered { seq: 2 })
        );
        kept.insert(2, c[1].states.clone());
        kept.insert(9, digest(9));
        assert_eq!(
            verify_chain(&c, Some(&key(7)), &kept),
            Err(ChainBreak::StatesAltered { seq: 9 })
        );
        // The entry's digest changed to match: the MAC gives it away.
        let mut c = chain(0, 4);
        c[1].states = "00".repeat(32);
        assert_eq!(verify(&c, Some(&key(7))), Err(ChainBreak::Altered { seq: 2 }));
    }

    #[test]
    fn another_key_does_not_verify() {
        assert_eq!(verify(&chain(0, 2), Some(&key(8))), Err(ChainBreak::Altered { seq: 1 }));
        assert_eq!(verify(&chain(1, 2), None), Err(ChainBreak::KeyMissing { seq: 2 }));
    }

    #[test]
    fn a_removal_is_detected() {
        let mut c = chain(0, 4);
        c.remove(1);
        assert_eq!(
            verify(&c, Some(&key(7))),
            Err(ChainBreak::Gap { expected: 2, found: 3 })
        );
    }

    #[test]
    fn a_rewritten_tail_is_detected() {
        let mut c = chain(0, 4);
        // Re-seal an altered entry (with the key, even): the next one no longer links to it.
        c[1].after = json!({"state": "pending"});
        c[1].hash = c[1].compute_mac(&key(7));
        assert_eq!(verify(&c, Some(&key(7))), Err(ChainBreak::Unlinked { seq: 3 }));
    }

    #[test]
    fn rehashing_without_the_key_is_detected() {
        // Re-chained with plain SHA-256 from entry 3 on, marked keyed or not.
        for mark_plain in [false, true] {
            let mut c = chain(1, 4);
            for i in 2..c.len() {
                c[i].actor = "mallory".into();
                c[i].keyed = !mark_plain && c[i].keyed;
                c[i].prev_hash = c[i - 1].hash.clone();
                c[i].hash = c[i].compute_hash();
            }
            let want = if mark_plain {
                ChainBreak::Unkeyed { seq: 3 }
            } else {
                ChainBreak::Altered { seq: 3 }
            };
            assert_eq!(verify(&c, Some(&key(7))), Err(want));
        }
        // The whole trail made plain: the key beside it gives it away.
        let c = chain(4, 0);
        assert_eq!(verify(&c, Some(&key(7))), Err(ChainBreak::Unkeyed { seq: 4 }));
    }

    #[test]
    fn an_anchor_holds_or_names_why_not() {
        let c = chain(1, 4);
        let head = c[2].anchor();
        let spec = |s: String| s.parse::<AnchorSpec>().unwrap();
        assert_eq!(check_anchor(&c, &spec(head.to_string())), Ok(head.clone()));
        assert_eq!(check_anchor(&c, &spec(head.mac.clone())), Ok(head.clone()));
        assert_eq!(
            check_anchor(&c[..2], &spec(head.to_string())),
            Err(ChainBreak::AnchorMissing { seq: 3, found: 2 })
        );
        let other = format!("3:{}", c[1].hash);
        assert_eq!(
            check_anchor(&c, &spec(other)),
            Err(ChainBreak::AnchorDiffers { seq: 3 })
        );
        assert_eq!(check_anchor(&c[..2], &spec(head.mac)), Err(ChainBreak::AnchorNotFound));
        assert!("3:xyz".parse::<AnchorSpec>().unwrap_err().contains("64 hexadecimal"));
        assert!("x:00".parse::<AnchorSpec>().unwrap_err().contains("not a number"));
    }
}
