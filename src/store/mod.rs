//! Durable state.
//!
//! Nothing outside this module knows where the data lives: callers get [`Store::read`] and
//! [`Store::write`], each running a closure over a transaction ([`ReadOps`], [`WriteOps`]).
//! A write closure that returns an error changes nothing; a write that returns `Ok` is
//! durable before the call returns. The data lives in one redb file (`redb_file`); the
//! [`Backend`] trait is where a server database for several sites would plug in.

mod audit_key;
mod codec;
mod error;
pub mod feed;
mod group;
mod ops;
pub mod psa;
mod recorder;
mod redb_file;
mod scan;
mod tables;
mod tx;
mod undo;

pub use audit_key::{audit_key_path, create_audit_key, load_audit_key};
pub use error::StoreError;
pub use ops::{Backend, ReadOps, WriteOps};
pub use redb_file::{OpenMode, RedbFile};
pub use scan::{Problem, Scan};
pub use tables::every_table;
pub use tx::StoredQuote;

/// The serial index's key of `serial` of `product` (a product key, see
/// `domain::receiving::serial_product_key`): for cross-checks of the index.
pub fn serial_index_key(product: &str, serial: &str) -> String {
    tx::key_of_serial(product, serial)
}

/// The names of the counters in the `meta` table and the table whose ids each counts
/// ahead of: (counter, table).
pub const COUNTERS: [(&str, &str); 4] = [
    (tables::K_NEXT_ITEM, "items"),
    (tables::K_NEXT_PO, "orders"),
    (tables::K_NEXT_JOB, "outbox"),
    (tables::K_NEXT_NOTICE, "notices"),
];

/// The bytes a record's JSON is stored as under the key of bytes `key` (its checksum
/// after it): for tools and tests that write the file directly.
pub fn sealed(key: &[u8], json: Vec<u8>) -> Vec<u8> {
    codec::seal(key, json)
}

/// The tables of encoded records, by name, with whether their keys are numbers (else
/// text): every value in them carries a checksum.
pub const RECORD_TABLES: [(&str, bool); 9] = [
    ("settings", false),
    ("quotes", false),
    ("items", true),
    ("orders", true),
    ("audit", true),
    ("outbox", true),
    ("notices", true),
    ("psa_sync", true),
    ("feed", true),
];

/// The `meta` key holding the newest audit entry's sequence number.
pub const AUDIT_LAST_KEY: &str = tables::K_AUDIT_LAST;

use std::path::Path;

/// The schema this build writes. Opening a newer file is refused; older ones migrate.
/// A new table comes with a new schema version: a build refuses a file holding a table
/// it does not know as damaged (see `tables::every_table`), so an older build must learn
/// from the version that the file is newer instead.
///
/// 2: serial index keys start with the product's length (schema 1 joined product and
/// serial with U+001F, which two different pairs could share).
/// 3: every stored value ends with a checksum of its key and contents (see `codec`).
pub const SCHEMA_VERSION: u64 = 3;

/// The database.
pub struct Store {
    backend: Box<dyn Backend>,
    /// The number of transactions this process has committed, published once per commit
    /// (writers sharing one commit tell the screens once): what a service that owns the
    /// file pushes to its clients' screens (see [`Store::commits`]).
    commits: tokio::sync::watch::Sender<u64>,
}

impl Store {
    /// Opens the database file at `path`, or creates it (and its folders) when there is
    /// none: for the demo, the bench and tests, which make their own databases. Commands
    /// run by people open with [`Store::open_as`] and [`OpenMode::Existing`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_as(path, OpenMode::OpenOrCreate)
    }

    /// Opens the database file at `path` as `mode` says: an existing Purser database
    /// only, a new one only, or either.
    pub fn open_as(path: &Path, mode: OpenMode) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Box::new(RedbFile::open_as(path, mode)?)))
    }

    /// Opens an existing database for the one process that owns it (`purser serve`): no
    /// other process may open it meanwhile, and writes made at the same time go together
    /// in one transaction with one durable commit; each is durable before its write
    /// returns, as always, and a refused one takes back only its own writes.
    pub fn open_owned(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Box::new(RedbFile::open_owned(path)?)))
    }

    /// A store over another backend.
    pub fn with_backend(backend: Box<dyn Backend>) -> Store {
        Store {
            backend,
            commits: tokio::sync::watch::Sender::new(0),
        }
    }

    /// Learns of this process's writes as they land: the receiver sees a new number after
    /// each commit, as the first of its writes returns `Ok` — one wake-up however many
    /// writers shared the commit (writes of other processes are in
    /// [`Store::change_counter`]).
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Where the data lives (files such as PDFs are kept beside it).
    pub fn path(&self) -> &Path {
        self.backend.location()
    }

    /// Runs `f` on a consistent snapshot.
    pub fn read<T, E>(&self, f: impl FnOnce(&dyn ReadOps) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut f = Some(f);
        let mut out = None;
        self.backend.read(&mut |tx| {
            if let Some(f) = f.take() {
                out = Some(f(tx));
            }
        })?;
        out.unwrap_or_else(|| Err(not_run().into()))
    }

    /// Runs `f` in a write transaction and commits it durably when `f` returns `Ok` (a
    /// transaction that wrote nothing is not committed); when `f` returns `Err`, nothing is
    /// written. Every commit bumps the change counter. The state of each item, order or
    /// rule set `f` stores goes with the next audit entry it appends. `f` may run on
    /// another thread, in one transaction with other writers' (a service groups the
    /// writes made at once), but always exactly once and alone in its outcome.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut dyn WriteOps) -> Result<T, E> + Send) -> Result<T, E>
    where
        E: From<StoreError> + Send,
        T: Send,
    {
        let mut f = Some(f);
        let mut out = None;
        self.backend.write(&mut |tx| match f.take() {
            Some(f) => {
                // What the closure stores is handed to its audit entries (see `recorder`).
                let mut rec = recorder::Recorder::new(tx);
                let r = f(&mut rec);
                let commit = r.is_ok();
                let unaudited = rec.unaudited();
                if commit && !unaudited.is_empty() {
                    tracing::warn!(?unaudited, "records written after the transaction's last audit entry");
                }
                out = Some(r);
                commit
            }
            None => {
                // A backend that runs the closure twice broke its contract; say so rather
                // than report the first run's result for a write that was not committed.
                out = Some(Err(StoreError::Db("the store ran a transaction twice".into()).into()));
                false
            }
        })?;
        let out = out.unwrap_or_else(|| Err(not_run().into()));
        if out.is_ok() {
            // The first writer of a shared commit to get here tells the screens; the others
            // find the number already there.
            let made = self.backend.commits_made();
            self.commits.send_if_modified(|n| {
                let newer = made > *n;
                if newer {
                    *n = made;
                }
                newer
            });
        }
        out
    }

    /// The change counter: bumped by every commit of any process. Screens poll it to learn
    /// about other people's changes.
    pub fn change_counter(&self) -> Result<u64, StoreError> {
        self.read(|tx| tx.change_counter())
    }

    /// What the commits after change counter `since` touched, or that the feed does not
    /// reach back that far (see [`feed`]).
    pub fn changes_since(&self, since: u64) -> Result<feed::Feed, StoreError> {
        self.read(|tx| tx.changes_since(since))
    }
}

thread_local! {
    static COMMITS_HERE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many commits this thread has made, through any store. Set beside the change
/// counter, it tells a thread's own commits from everyone else's: the screens' worker
/// reloads only when someone else wrote.
pub fn commits_on_this_thread() -> u64 {
    COMMITS_HERE.with(std::cell::Cell::get)
}

/// Counts one commit made on this thread (for backends, once per commit that landed).
pub(crate) fn count_commit_on_this_thread() {
    COMMITS_HERE.with(|c| c.set(c.get() + 1));
}

fn not_run() -> StoreError {
    StoreError::Db("the store did not run the transaction".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screens_hear_of_each_commit_and_not_of_a_write_that_changed_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("owned.redb");
        drop(Store::open(&path).unwrap());
        let store = Store::open_owned(&path).unwrap();
        let mut commits = store.commits();
        let seen = *commits.borrow_and_update();
        store.write(|tx| tx.next_job_id()).unwrap();
        assert!(commits.has_changed().unwrap(), "a commit is pushed");
        let after_one = *commits.borrow_and_update();
        assert!(after_one > seen);
        // Read nothing back but wrote nothing: no commit, nobody woken.
        store.write(|tx| tx.job(1).map(|_| ())).unwrap();
        assert!(!commits.has_changed().unwrap(), "a write of nothing wakes no screen");
        // A refused write neither.
        let refused: Result<(), StoreError> = store.write(|tx| {
            tx.next_job_id()?;
            Err(StoreError::Db("refused".into()))
        });
        assert!(refused.is_err());
        assert!(!commits.has_changed().unwrap(), "a refused write wakes no screen");
        store.write(|tx| tx.next_job_id()).unwrap();
        assert_eq!(*commits.borrow_and_update(), after_one + 1);
    }
}
