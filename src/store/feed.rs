//! The change feed: what each commit touched, under the change counter it set.
//!
//! Every commit writes one record in the `feed` table, keyed by the new change counter:
//! the entities it wrote (an item, an order, an audit entry, …). Someone who last looked
//! at counter N asks for [`Feed`] since N and re-reads only those entities. The table
//! keeps the latest [`RETAINED`] commits (older records go in the same transactions);
//! a reader further behind than that, or on a file written by a build without the feed,
//! hears that it fell behind and reloads everything once.

use super::codec::{decode, encode};
use super::StoreError;
use crate::domain::{ItemId, PoNumber};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Commits whose records the feed keeps.
pub const RETAINED: u64 = 10_000;

/// Entities one commit may list; a commit that touched more (an import of a very large
/// quote) records that it touched too many, and readers reload everything.
pub const MAX_TOUCHED: usize = 10_000;

/// One entity a commit wrote.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Touched {
    Item(ItemId),
    Order(PoNumber),
    /// An audit entry by sequence number.
    Audit(u64),
    /// The approval rules.
    Rules,
    /// A background job, with the order it is for (if any).
    Job { id: u64, po: Option<PoNumber> },
    Notice(u64),
    /// The PSA sync state of an order.
    PsaSync(PoNumber),
    /// An imported quote by quote id.
    Quote(String),
}

/// What one commit recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    Touched(Vec<Touched>),
    /// More than [`MAX_TOUCHED`] entities: read everything again.
    TooMany(u64),
}

/// What changed since a counter a reader saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Feed {
    /// Every entity the commits after `since` up to `now` touched, each once.
    Changes(Changes),
    /// The feed does not reach back to `since` (older than its retention, written by a
    /// build without it, or a commit that touched too many): read everything again.
    FellBehind { since: u64, now: u64 },
}

/// The entities touched by the commits in `since+1 ..= now`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub since: u64,
    pub now: u64,
    pub touched: BTreeSet<Touched>,
}

impl Feed {
    /// The change counter the answer brings the reader up to.
    pub fn now(&self) -> u64 {
        match self {
            Feed::Changes(c) => c.now,
            Feed::FellBehind { now, .. } => *now,
        }
    }
}

impl Changes {
    /// The items touched.
    pub fn items(&self) -> Vec<ItemId> {
        self.touched
            .iter()
            .filter_map(|t| match t {
                Touched::Item(id) => Some(*id),
                _ => None,
            })
            .collect()
    }

    /// The orders whose state or PSA sync may show differently: the orders touched, those
    /// whose PSA sync state was, and those of jobs touched.
    pub fn orders(&self) -> Vec<PoNumber> {
        let set: BTreeSet<PoNumber> = self
            .touched
            .iter()
            .filter_map(|t| match t {
                Touched::Order(po) | Touched::PsaSync(po) => Some(*po),
                Touched::Job { po, .. } => *po,
                _ => None,
            })
            .collect();
        set.into_iter().collect()
    }

    /// Whether the commits appended to the audit trail.
    pub fn audit(&self) -> bool {
        self.touched.iter().any(|t| matches!(t, Touched::Audit(_)))
    }

    pub fn rules(&self) -> bool {
        self.touched.contains(&Touched::Rules)
    }

    pub fn notices(&self) -> bool {
        self.touched.iter().any(|t| matches!(t, Touched::Notice(_)))
    }
}

/// The record of one commit's `touched` entities.
pub(super) fn record_of(touched: &BTreeSet<Touched>) -> Record {
    if touched.len() > MAX_TOUCHED {
        Record::TooMany(touched.len() as u64)
    } else {
        Record::Touched(touched.iter().cloned().collect())
    }
}

/// Writes the record of commit `counter` and lets go of those older than the retention.
pub(super) fn append(
    table: &mut redb::Table<'_, u64, &'static [u8]>,
    counter: u64,
    record: &Record,
) -> Result<(), StoreError> {
    table.insert(counter, encode(record).as_slice())?;
    let oldest_kept = counter.saturating_sub(RETAINED - 1);
    loop {
        let first = table.first()?.map(|(k, _)| k.value());
        match first {
            Some(k) if k < oldest_kept => {
                table.remove(k)?;
            }
            _ => return Ok(()),
        }
    }
}

/// What changed after `since`, with the change counter at `now`, from the feed's table
/// (`None`: the table does not exist).
pub(super) fn since(
    table: Option<&impl ReadableTable<u64, &'static [u8]>>,
    since: u64,
    now: u64,
) -> Result<Feed, StoreError> {
    let behind = Feed::FellBehind { since, now };
    if since >= now {
        return Ok(Feed::Changes(Changes {
            since,
            now,
            ..Default::default()
        }));
    }
    let Some(table) = table else { return Ok(behind) };
    if now - since > table.len()? {
        return Ok(behind);
    }
    let mut touched = BTreeSet::new();
    let mut expected = since + 1;
    for row in table.range(since + 1..=now)? {
        let (k, v) = row?;
        let counter = k.value();
        // A gap: commits by a build that kept no feed.
        if counter != expected {
            return Ok(behind);
        }
        expected += 1;
        match decode::<Record>(v.value(), || format!("feed record {counter}"))? {
            Record::Touched(list) => touched.extend(list),
            Record::TooMany(_) => return Ok(behind),
        }
    }
    if expected != now + 1 {
        return Ok(behind);
    }
    Ok(Feed::Changes(Changes { since, now, touched }))
}
