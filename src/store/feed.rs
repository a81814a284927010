//! The change feed: what each commit touched, under the change counter it set.
//!
//! Every commit writes one record in the `feed` table, keyed by the new change counter:
//! the entities it wrote (an item, an order, an audit entry, …). Someone who last looked
//! at counter N asks for [`Feed`] since N and re-reads only those entities. The table
//! keeps the latest [`RETAINED`] commits (older records go in the same transactions);
//! a reader further behind than that, or on a file written by a build without the feed,
//! hears that it fell behind and reloads everything once.

use super::codec::encode;
use super::tx::decode_at;
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
    Job {
        id: u64,
        po: Option<PoNumber>,
    },
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
    append_keeping(table, counter, record, RETAINED)
}

/// [`append`], keeping the latest `retained` records.
fn append_keeping(
    table: &mut redb::Table<'_, u64, &'static [u8]>,
    counter: u64,
    record: &Record,
    retained: u64,
) -> Result<(), StoreError> {
    table.insert(counter, encode(&counter.to_le_bytes(), record).as_slice())?;
    let oldest_kept = counter.saturating_sub(retained.max(1) - 1);
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
        match decode_at::<u64, Record>("feed", &counter.to_le_bytes(), v.value())? {
            Record::Touched(list) => touched.extend(list),
            Record::TooMany(_) => return Ok(behind),
        }
    }
    if expected != now + 1 {
        return Ok(behind);
    }
    Ok(Feed::Changes(Changes { since, now, touched }))
}

#[cfg(test)]
mod tests {
    use super::super::tables::{FEED, K_CHANGES, META};
    use super::super::{ReadOps, Store};
    use super::*;
    use crate::domain::audit::Change;
    use crate::domain::job::{Job, JobKind};
    use redb::{Database, ReadableDatabase, ReadableTableMetadata};

    fn change(entity: &str) -> Change {
        Change {
            at: chrono::DateTime::UNIX_EPOCH,
            actor: "ann".into(),
            action: "test".into(),
            entity: entity.into(),
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
            records: Vec::new(),
        }
    }

    fn feed(store: &Store, since: u64) -> Feed {
        store.changes_since(since).unwrap()
    }

    fn touched(store: &Store, since: u64) -> Vec<Touched> {
        match feed(store, since) {
            Feed::Changes(c) => c.touched.into_iter().collect(),
            other => panic!("expected changes, got {other:?}"),
        }
    }

    #[test]
    fn each_commit_records_what_it_touched_and_a_reader_gets_them_merged_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.redb");
        let store = Store::open(&path).unwrap();
        let start = store.change_counter().unwrap();
        store
            .write(|tx| {
                tx.append_audit(change("PO-1"))?;
                tx.set_rules(&[])
            })
            .unwrap();
        let middle = store.change_counter().unwrap();
        store
            .write(|tx| {
                let po = crate::domain::PoNumber(7);
                tx.put_job(&Job::new(3, JobKind::PsaSync { po }, chrono::DateTime::UNIX_EPOCH))?;
                tx.set_rules(&[])
            })
            .unwrap();
        // A commit that touched no entity (a job number taken) is in the feed too.
        store.write(|tx| tx.next_job_id().map(drop)).unwrap();
        drop(store);

        let store = Store::open(&path).unwrap();
        let now = store.change_counter().unwrap();
        assert_eq!(now, start + 3);
        let job = Touched::Job {
            id: 3,
            po: Some(crate::domain::PoNumber(7)),
        };
        assert_eq!(
            touched(&store, start),
            vec![Touched::Audit(1), Touched::Rules, job.clone()],
            "both commits, the rules once"
        );
        assert_eq!(touched(&store, middle), vec![Touched::Rules, job]);
        assert_eq!(touched(&store, now), vec![], "nothing after the newest");
        let Feed::Changes(c) = feed(&store, start) else {
            unreachable!()
        };
        assert_eq!((c.since, c.now), (start, now));
        assert_eq!(c.orders(), vec![crate::domain::PoNumber(7)], "the job's order");
        assert!(c.audit() && c.rules() && !c.notices());
    }

    #[test]
    fn a_file_without_the_feed_falls_behind_once_then_the_feed_serves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.redb");
        let store = Store::open(&path).unwrap();
        store.write(|tx| tx.set_rules(&[])).unwrap();
        drop(store);
        // As a build without the feed left it: no feed table.
        {
            let db = Database::create(&path).unwrap();
            let w = db.begin_write().unwrap();
            assert!(w.delete_table(FEED).unwrap());
            w.commit().unwrap();
        }
        let store = Store::open(&path).unwrap();
        let seen = store.change_counter().unwrap();
        assert_eq!(
            feed(&store, seen - 1),
            Feed::FellBehind {
                since: seen - 1,
                now: seen
            }
        );
        assert_eq!(touched(&store, seen), vec![], "nothing new: no reload");
        store.write(|tx| tx.append_audit(change("PO-2"))).unwrap();
        assert_eq!(touched(&store, seen), vec![Touched::Audit(1)]);
        drop(store);
        // A commit by such a build in between leaves a gap: behind again, never a miss.
        {
            let db = Database::create(&path).unwrap();
            let w = db.begin_write().unwrap();
            {
                let mut meta = w.open_table(META).unwrap();
                let n = meta.get(K_CHANGES).unwrap().unwrap().value();
                meta.insert(K_CHANGES, n + 1).unwrap();
            }
            w.commit().unwrap();
        }
        let store = Store::open(&path).unwrap();
        store.write(|tx| tx.set_rules(&[])).unwrap();
        let now = store.change_counter().unwrap();
        assert_eq!(feed(&store, seen), Feed::FellBehind { since: seen, now });
        assert_eq!(touched(&store, now - 1), vec![Touched::Rules]);
    }

    /// A scratch redb file with a feed table, written by `f`.
    fn with_table<T>(f: impl FnOnce(&mut redb::Table<'_, u64, &'static [u8]>) -> T) -> (tempfile::TempDir, T) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        let w = db.begin_write().unwrap();
        let out = f(&mut w.open_table(FEED).unwrap());
        w.commit().unwrap();
        let r = db.begin_read().unwrap();
        let t = r.open_table(FEED).unwrap();
        let keys: Vec<u64> = t.iter().unwrap().map(|row| row.unwrap().0.value()).collect();
        assert!(keys.windows(2).all(|w| w[1] == w[0] + 1), "contiguous: {keys:?}");
        (dir, out)
    }

    #[test]
    fn only_the_retained_commits_are_kept_and_an_older_reader_falls_behind() {
        let rec = |n: u64| Record::Touched(vec![Touched::Item(n)]);
        let (_dir, answers) = with_table(|t| {
            for n in 1..=12 {
                append_keeping(t, n, &rec(n), 5).unwrap();
            }
            assert_eq!(t.len().unwrap(), 5);
            assert_eq!(t.first().unwrap().unwrap().0.value(), 8);
            (since(Some(&*t), 6, 12).unwrap(), since(Some(&*t), 7, 12).unwrap())
        });
        assert_eq!(answers.0, Feed::FellBehind { since: 6, now: 12 });
        let Feed::Changes(c) = answers.1 else {
            panic!("{:?}", answers.1)
        };
        assert_eq!(c.items(), vec![8, 9, 10, 11, 12]);
    }

    #[test]
    fn a_commit_that_touched_too_many_makes_readers_reload() {
        let many: BTreeSet<Touched> = (0..=MAX_TOUCHED as u64).map(Touched::Item).collect();
        assert_eq!(record_of(&many), Record::TooMany(MAX_TOUCHED as u64 + 1));
        let few: BTreeSet<Touched> = (0..3).map(Touched::Item).collect();
        let (_dir, answers) = with_table(|t| {
            append(t, 1, &record_of(&few)).unwrap();
            append(t, 2, &record_of(&many)).unwrap();
            append(t, 3, &record_of(&few)).unwrap();
            (since(Some(&*t), 0, 3).unwrap(), since(Some(&*t), 2, 3).unwrap())
        });
        assert_eq!(answers.0, Feed::FellBehind { since: 0, now: 3 });
        assert!(matches!(answers.1, Feed::Changes(ref c) if c.items() == vec![0, 1, 2]));
    }

    #[test]
    fn what_changed_travels_as_json() {
        let c = Feed::Changes(Changes {
            since: 4,
            now: 6,
            touched: [
                Touched::Order(crate::domain::PoNumber(2)),
                Touched::Quote("Q-1".into()),
                Touched::Job { id: 1, po: None },
            ]
            .into(),
        });
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Feed>(&text).unwrap(), c);
    }

    #[test]
    fn a_read_transaction_answers_through_the_trait() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.redb")).unwrap();
        let n = store.change_counter().unwrap();
        store.write(|tx| tx.append_audit(change("PO-3")).map(drop)).unwrap();
        let f = store.read(|tx: &dyn ReadOps| tx.changes_since(n)).unwrap();
        assert_eq!(f.now(), n + 1);
    }
}
