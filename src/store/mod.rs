//! Durable state.
//!
//! Nothing outside this module knows where the data lives: callers get [`Store::read`] and
//! [`Store::write`], each running a closure over a transaction ([`ReadOps`], [`WriteOps`]).
//! A write closure that returns an error changes nothing; a write that returns `Ok` is
//! durable before the call returns. The data lives in one redb file ([`redb_file`]); the
//! [`Backend`] trait is where a server database for several sites would plug in.

mod audit_key;
mod codec;
mod error;
mod ops;
pub mod psa;
mod recorder;
mod redb_file;
mod tables;
mod tx;

pub use audit_key::{audit_key_path, create_audit_key, load_audit_key};
pub use error::StoreError;
pub use ops::{Backend, ReadOps, WriteOps};
pub use redb_file::RedbFile;
pub use tx::StoredQuote;

use std::path::Path;

/// The schema this build writes. Opening a newer file is refused; older ones migrate.
///
/// 2: serial index keys start with the product's length (schema 1 joined product and
/// serial with U+001F, which two different pairs could share).
pub const SCHEMA_VERSION: u64 = 2;

/// The database.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl Store {
    /// Opens (or creates) the database file at `path`, creating parent folders.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Box::new(RedbFile::open(path)?)))
    }

    /// A store over another backend.
    pub fn with_backend(backend: Box<dyn Backend>) -> Store {
        Store { backend }
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
    /// rule set `f` stores goes with the next audit entry it appends.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut dyn WriteOps) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
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
        out.unwrap_or_else(|| Err(not_run().into()))
    }

    /// The change counter: bumped by every commit of any process. Screens poll it to learn
    /// about other people's changes.
    pub fn change_counter(&self) -> Result<u64, StoreError> {
        self.read(|tx| tx.change_counter())
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
