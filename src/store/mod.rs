//! Durable state in one redb file.
//!
//! Nothing outside this module knows the file is redb: callers get [`Store::read`] and
//! [`Store::write`], each running a closure over a typed transaction. A write closure that
//! returns an error changes nothing; a write that returns `Ok` is on disk
//! (`Durability::Immediate`) before the call returns.
//!
//! The file is opened in redb's multi-writer mode so several `purser` processes (a buyer
//! at a desk and receivers at the dock) share it; a write waits for another process's
//! write to finish and then re-reads what it changes.

mod codec;
mod error;
pub mod psa;
mod tables;
mod tx;

pub use error::StoreError;
pub use tx::{ReadTx, StoredQuote, WriteTx};

use redb::{ConcurrencyMode, Database, ReadableDatabase};
use std::path::{Path, PathBuf};

/// The schema this build writes. Opening a newer file is refused; older ones migrate.
pub const SCHEMA_VERSION: u64 = 1;

/// Page cache per process. redb's default (1 GiB) would let a long-running screen grow
/// far past what a dock terminal needs; hot pages of even a large database fit in this.
pub const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The database.
pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the database at `path`, creating parent folders.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
                path: parent.to_path_buf(),
                source: e,
            })?;
        }
        let db = Database::builder()
            .set_concurrency_mode(ConcurrencyMode::MultiWriter)
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| StoreError::open(path, e))?;
        let store = Store {
            db,
            path: path.to_path_buf(),
        };
        // Opening an existing database of this schema writes nothing (no sync, and open
        // screens elsewhere see no change); a new or older one is set up in a write.
        match store.read(|tx| tx.schema_version())? {
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::NewerSchema {
                    found: v,
                    known: SCHEMA_VERSION,
                })
            }
            _ => store.write(tx::WriteTx::ensure_schema)?,
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    pub fn read<T, E>(&self, f: impl FnOnce(&ReadTx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let txn = self.db.begin_read().map_err(StoreError::from)?;
        f(&ReadTx::new(txn))
    }

    /// Runs `f` in a write transaction and commits it durably when `f` returns `Ok`;
    /// when `f` returns `Err`, nothing is written. Every commit bumps the change counter.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut WriteTx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let txn = self.db.begin_write().map_err(StoreError::from)?;
        let mut wtx = WriteTx::new(txn);
        match f(&mut wtx) {
            Ok(v) => {
                wtx.commit()?;
                Ok(v)
            }
            Err(e) => {
                wtx.abort();
                Err(e)
            }
        }
    }

    /// The change counter: bumped by every commit of any process. Screens poll it to learn
    /// about other people's changes.
    pub fn change_counter(&self) -> Result<u64, StoreError> {
        self.read(|tx| tx.change_counter())
    }
}
