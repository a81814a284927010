//! The store in one redb file: [`RedbFile`] implements [`Backend`].
//!
//! The file is opened in redb's multi-writer mode so several `purser` processes (a buyer
//! at a desk and receivers at the dock) share it; a write waits for another process's
//! write to finish and then re-reads what it changes. A write is on disk
//! (`Durability::Immediate`) before it returns `Ok`.

use super::audit_key::{create_audit_key, KeyFile};
use super::group::{Batch, Closure, Group};
use super::ops::{Backend, ReadOps};
use super::tx::{ReadTx, WriteTx};
use super::{StoreError, SCHEMA_VERSION};
use redb::{ConcurrencyMode, Database, ReadableDatabase};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// Page cache per process. redb's default (1 GiB) would let a long-running screen grow
/// far past what a dock terminal needs; hot pages of even a large database fit in this.
pub const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The database file.
pub struct RedbFile {
    /// The open handle. After an I/O failure (a full disk, say) redb refuses every later
    /// call on a handle, so a failed commit replaces it with a fresh one on the same file,
    /// which is consistent (see `write` for a failed commit that reached it all the same).
    /// (Dropped by hand, see `Drop`: redb can panic while closing a damaged file.)
    db: ManuallyDrop<RwLock<Arc<Database>>>,
    path: PathBuf,
    /// The key audit entries are chained with (read when first needed).
    audit_key: Arc<KeyFile>,
    /// Writes made at once go in one transaction (a file this process owns).
    group: Option<Group>,
    /// Transactions this handle committed (see [`Backend::commits_made`]).
    committed: AtomicU64,
}

fn open_db(path: &Path, owned: bool) -> Result<Database, StoreError> {
    // A service owns its file: no other process may open it (and writes may be grouped).
    let mode = if owned {
        ConcurrencyMode::ExclusiveWriter
    } else {
        ConcurrencyMode::MultiWriter
    };
    Database::builder()
        .set_concurrency_mode(mode)
        .set_cache_size(CACHE_BYTES)
        .create(path)
        .map_err(|e| StoreError::open(path, e))
}

/// What opening does about a file that is not there (or not yet set up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The database must exist and be Purser's: a mistyped path is refused, not started.
    Existing,
    /// A new database: refused if the file exists (`purser init`).
    New,
    /// Opened if there, created if not (the demo, the bench and tests make their own).
    OpenOrCreate,
}

/// Gets the file ready to open: creates it (0600) when `mode` allows and it is missing,
/// and refuses an empty file. Returns whether it was created here.
///
/// A new database file is created private to its owner (0600), whatever the umask: it
/// holds customer names, addresses and prices. An existing file keeps its permissions
/// (a shared one may be group-writable on purpose). An existing file of no bytes is
/// refused: it is what a lost database looks like, and opening it would start a new one
/// silently.
fn prepare_file(path: &Path, mode: OpenMode) -> Result<bool, StoreError> {
    let refuse = |message: String| StoreError::Open {
        path: path.to_path_buf(),
        message,
    };
    match std::fs::metadata(path) {
        Ok(_) if mode == OpenMode::New => Err(refuse(
            "the file already exists; `purser init` only creates a new database (give --db a new path)".into(),
        )),
        Ok(m) if m.is_file() && m.len() == 0 && stays_empty(path) => Err(refuse(
            "the file is empty (0 bytes), so it is not a Purser database; restore it from a backup, \
             or remove it and run `purser init` to start a new one"
                .into(),
        )),
        Ok(m) if !m.is_file() => Err(refuse("it is not a file".into())),
        Ok(_) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && mode == OpenMode::Existing => Err(refuse(format!(
            "there is no database there; `purser init --db {}` creates one (check the path first)",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_parent(path)?;
            create_private(path, mode)
        }
        Err(e) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

fn create_parent(path: &Path) -> Result<(), StoreError> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
            path: parent.to_path_buf(),
            source: e,
        }),
        None => Ok(()),
    }
}

/// Creates the file, 0600. Returns false when another process created it a moment ago
/// (theirs to set up), unless a new one was asked for.
fn create_private(path: &Path, mode: OpenMode) -> Result<bool, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && mode != OpenMode::New => Ok(false),
        Err(e) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// Lets a handle go; closing a damaged file can panic inside redb, which is logged and
/// goes no further (there is nothing left to save).
fn drop_quietly(db: Arc<Database>) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(db))).is_err() {
        tracing::error!("closing the database stopped with an internal error (a damaged file?)");
    }
}

impl Drop for RedbFile {
    fn drop(&mut self) {
        // SAFETY: `db` is taken once, here, and not used again.
        let lock = unsafe { ManuallyDrop::take(&mut self.db) };
        drop_quietly(lock.into_inner().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Whether an empty file stays empty for a moment: one another process has just created
/// is a database within milliseconds (several `purser` processes may start on a new
/// database at once); a lost database stays empty.
fn stays_empty(path: &Path) -> bool {
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(25));
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return false;
        }
    }
    true
}

/// A number no other commit of any process uses: which commit wrote the file's state.
fn commit_token() -> u64 {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    nanos ^ (u64::from(std::process::id()) << 40) ^ seq.rotate_left(20)
}

/// What is wrong with a file's list of tables, `names`, for a file of schema `schema`
/// (none: nothing). A table under a name that is not Purser's is damage (one flipped byte
/// in the name is enough), and so is a table every database of this schema has from the
/// start gone missing. A file with no Purser table at all is left to the schema check
/// (blank, or not Purser's).
pub(super) fn table_list_problems(names: &[String], schema: Option<u64>) -> Vec<String> {
    let ours = super::tables::every_table();
    let foreign: Vec<&String> = names.iter().filter(|n| !ours.contains(&n.as_str())).collect();
    if schema.is_none() && !names.iter().any(|n| ours.contains(&n.as_str())) {
        return Vec::new();
    }
    let mut problems: Vec<String> = foreign
        .iter()
        .map(|n| format!("a table named {n:?} is not one of Purser's"))
        .collect();
    if !foreign.is_empty() || schema == Some(SCHEMA_VERSION) {
        problems.extend(
            super::tables::tables_from_the_start()
                .iter()
                .filter(|t| !names.iter().any(|n| n == *t))
                .map(|t| format!("table {t:?} is missing")),
        );
    }
    problems
}

/// Whether redb refused because this handle met an I/O failure earlier.
fn handle_is_dead(e: &redb::TransactionError) -> bool {
    matches!(
        e,
        redb::TransactionError::Storage(redb::StorageError::PreviousIo | redb::StorageError::DatabaseClosed)
    )
}

impl RedbFile {
    /// Opens the database at `path`, or creates it (and its folders) when there is none.
    pub fn open(path: &Path) -> Result<RedbFile, StoreError> {
        RedbFile::open_as(path, OpenMode::OpenOrCreate)
    }

    /// Opens the database at `path` as `mode` says (see [`OpenMode`]). A file that is not a
    /// redb database, or a redb database without Purser's schema, is refused.
    pub fn open_as(path: &Path, mode: OpenMode) -> Result<RedbFile, StoreError> {
        RedbFile::open_guarded(path, mode, false)
    }

    /// Opens an existing database for a process that owns it (`purser serve`): no other
    /// process may open the file while it is open here, and writes made at the same time
    /// go together in one transaction and one durable commit (see `Group`); each is
    /// durable before it returns, and each keeps its own outcome.
    pub fn open_owned(path: &Path) -> Result<RedbFile, StoreError> {
        RedbFile::open_guarded(path, OpenMode::Existing, true)
    }

    fn open_guarded(path: &Path, mode: OpenMode, owned: bool) -> Result<RedbFile, StoreError> {
        // redb stops with a panic on some damaged files; that is an error to report.
        std::panic::catch_unwind(|| RedbFile::open_unguarded(path, mode, owned)).unwrap_or_else(|payload| {
            Err(StoreError::Damaged {
                path: path.to_path_buf(),
                message: crate::domain::text::panic_text(payload.as_ref()),
            })
        })
    }

    fn open_unguarded(path: &Path, mode: OpenMode, owned: bool) -> Result<RedbFile, StoreError> {
        let created = prepare_file(path, mode)?;
        let db = open_db(path, owned)?;
        // A new database gets its audit key, once redb has made the file a database (so
        // no other process meanwhile finds an empty file).
        if created {
            create_audit_key(path)?;
        }
        let store = RedbFile {
            db: ManuallyDrop::new(RwLock::new(Arc::new(db))),
            path: path.to_path_buf(),
            audit_key: Arc::new(KeyFile::new(path)),
            group: owned.then(Group::default),
            committed: AtomicU64::new(0),
        };
        let schema = store.read(|tx| tx.schema_version())?;
        if let Some(found) = schema.filter(|&v| v > SCHEMA_VERSION) {
            return Err(StoreError::NewerSchema {
                found,
                known: SCHEMA_VERSION,
            });
        }
        // Refused before anything is written: a table whose name was damaged reads as
        // missing, and its records as none.
        let problems = table_list_problems(&store.read(|tx| tx.table_names())?, schema);
        if !problems.is_empty() {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                message: format!(
                    "its list of tables is damaged ({}); restore the file from a backup",
                    problems.join("; ")
                ),
            });
        }
        // Opening an existing database of this schema writes nothing (no sync, and open
        // screens elsewhere see no change); a new or older one is set up in a write.
        match schema {
            Some(v) if v == SCHEMA_VERSION => {}
            Some(_) => store.write(WriteTx::ensure_schema)?,
            None if created || (mode == OpenMode::OpenOrCreate && store.read(|tx| tx.is_blank())?) => {
                store.write(WriteTx::ensure_schema)?
            }
            None => {
                return Err(StoreError::Open {
                    path: path.to_path_buf(),
                    message: "it is a redb database but not Purser's (it has no Purser schema version); \
                              give --db the Purser database"
                        .into(),
                })
            }
        }
        Ok(store)
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    fn read<T, E>(&self, f: impl FnOnce(&ReadTx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let db = self.handle();
        let txn = match db.begin_read() {
            Err(e) if handle_is_dead(&e) => self.replace(&db)?.begin_read(),
            other => other,
        }
        .map_err(StoreError::from)?;
        f(&ReadTx::new(txn))
    }

    fn handle(&self) -> Arc<Database> {
        self.db.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Replaces `failed` with a fresh handle on the same file (unless another thread did
    /// already) and returns the handle now in use.
    fn replace(&self, failed: &Arc<Database>) -> Result<Arc<Database>, StoreError> {
        let mut slot = self.db.write().unwrap_or_else(PoisonError::into_inner);
        if Arc::ptr_eq(&slot, failed) {
            tracing::warn!(path = %self.path.display(), "reopening the database after an I/O failure");
            let owned = self.group.is_some();
            drop_quietly(std::mem::replace(&mut *slot, Arc::new(open_db(&self.path, owned)?)));
        }
        Ok(slot.clone())
    }

    /// Starts a write transaction on the handle in use (replacing a dead one).
    fn begin(&self) -> Result<(Arc<Database>, WriteTx), StoreError> {
        let db = self.handle();
        let txn = match db.begin_write() {
            Err(e) if handle_is_dead(&e) => self.replace(&db)?.begin_write(),
            other => other,
        }?;
        let mut wtx = WriteTx::new(txn);
        wtx.audit_key = Some(self.audit_key.clone());
        Ok((db, wtx))
    }

    /// Runs `f` in a write transaction and commits it durably when `f` returns `Ok` having
    /// written something; when `f` returns `Err`, nothing is written. Every commit bumps
    /// the change counter.
    fn write<T, E>(&self, f: impl FnOnce(&mut WriteTx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let (db, mut wtx) = self.begin()?;
        match f(&mut wtx) {
            // Nothing written (a job queue with nothing due, say): nothing to commit.
            Ok(v) if !wtx.dirty => {
                wtx.abort();
                Ok(v)
            }
            Ok(v) => {
                self.commit(&db, wtx)?;
                super::count_commit_on_this_thread();
                Ok(v)
            }
            Err(e) => {
                wtx.abort();
                Err(e)
            }
        }
    }

    /// Commits `wtx` durably.
    ///
    /// A commit that fails late (its header written, the last sync not) can still become
    /// the database's state when the file is next opened or written, here or in another
    /// process. So the handle is replaced — redb refuses every later call on it — and the
    /// commit's token is looked for among the latest commits': found, the change is saved
    /// after all.
    fn commit(&self, db: &Arc<Database>, wtx: WriteTx) -> Result<(), StoreError> {
        let token = commit_token();
        let Err(e) = wtx.commit(token) else {
            self.committed.fetch_add(1, Ordering::Release);
            return Ok(());
        };
        match self.replace(db).and_then(|db| Self::landed(&db, token)) {
            Ok(true) => {
                tracing::warn!("a commit reported an I/O error but is on disk: {e}");
                self.committed.fetch_add(1, Ordering::Release);
                Ok(())
            }
            Ok(false) => Err(e),
            Err(check) => Err(StoreError::Uncertain(format!("{e}; then {check}"))),
        }
    }

    /// One batch of grouped writes (see [`Group`]): the closures the batch hands out, in
    /// one transaction, in order, each refusal's writes taken back, then one durable
    /// commit. Returns the outcome of each closure taken. A closure that panics stops the
    /// batch uncommitted.
    fn write_batch(&self, batch: &mut Batch<'_>) -> Vec<Result<(), StoreError>> {
        let failed = |batch: &Batch<'_>, e: StoreError| (0..batch.taken()).map(|_| Err(e.clone())).collect();
        let (db, mut wtx) = match self.begin() {
            Ok(b) => b,
            Err(e) => {
                // The writer waiting longest learns why; the others try again in the next
                // batch.
                let _ = batch.next();
                return failed(batch, e);
            }
        };
        let mut outcomes = Vec::new();
        while let Some(f) = batch.next() {
            let first = outcomes.is_empty();
            let mark = wtx.mark();
            let undone = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut wtx))) {
                Ok(true) => Ok(()),
                // The first writer refused: nothing else is in the transaction, which is
                // simply not committed. The others go in the next batch.
                Ok(false) if first => {
                    wtx.abort();
                    return vec![Ok(())];
                }
                // A later writer refused: its writes go, the others' stay.
                Ok(false) => wtx.roll_back(mark),
                Err(payload) => {
                    // Nothing of the batch is committed; redb's state may be half-way.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wtx.abort()));
                    return failed(batch, self.stopped(db, payload.as_ref()));
                }
            };
            if let Err(e) = undone {
                wtx.abort();
                return failed(batch, e);
            }
            outcomes.push(Ok(()));
            // Any writer after the first may refuse: from here, old values are noted.
            if first {
                wtx.keep_undo();
            }
        }
        if !wtx.dirty {
            wtx.abort();
            return outcomes;
        }
        match self.commit(&db, wtx) {
            Ok(()) => {
                // Alone in its batch, the writer is this thread: its screens know the commit
                // is theirs. (A commit shared with others is learnt from the change feed.)
                if batch.only_own() {
                    super::count_commit_on_this_thread();
                }
                outcomes
            }
            Err(e) => failed(batch, e),
        }
    }

    /// Whether the commit that wrote `token` is in the file.
    fn landed(db: &Database, token: u64) -> Result<bool, StoreError> {
        let txn = db.begin_read()?;
        ReadTx::new(txn).has_commit_token(token)
    }
}

/// Why a write closure stopped: the store failed, or the command refused (abort).
enum Stop {
    Store(StoreError),
    Abort,
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Store(e)
    }
}

impl RedbFile {
    /// Runs `f`, turning a panic below it — redb stops with one on some damaged pages —
    /// into an error. The handle is replaced afterwards: redb's state behind it may be
    /// half-way through the call that stopped. A write under way is not committed.
    fn guarded(&self, f: impl FnOnce() -> Result<(), StoreError>) -> Result<(), StoreError> {
        let db = self.handle();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        match outcome {
            Ok(r) => {
                drop_quietly(db);
                r
            }
            Err(payload) => Err(self.stopped(db, payload.as_ref())),
        }
    }

    /// What a panic below a store call on `db` becomes: logged, the handle replaced, and
    /// an error saying the file may be damaged.
    fn stopped(&self, db: Arc<Database>, payload: &(dyn std::any::Any + Send)) -> StoreError {
        let message = crate::domain::text::panic_text(payload);
        tracing::error!(path = %self.path.display(), "a store call stopped: {message}");
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.replace(&db)));
        drop_quietly(db);
        StoreError::Damaged {
            path: self.path.clone(),
            message,
        }
    }
}

impl Backend for RedbFile {
    fn read(&self, f: &mut dyn FnMut(&dyn ReadOps)) -> Result<(), StoreError> {
        self.guarded(|| {
            RedbFile::read(self, |tx| {
                f(tx);
                Ok(())
            })
        })
    }

    fn commits_made(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    fn write(&self, f: &mut Closure<'_>) -> Result<(), StoreError> {
        if let Some(group) = &self.group {
            return group.write(f, &|batch| self.write_batch(batch));
        }
        self.guarded(
            || match RedbFile::write(self, |tx| if f(tx) { Ok(()) } else { Err(Stop::Abort) }) {
                Ok(()) | Err(Stop::Abort) => Ok(()),
                Err(Stop::Store(e)) => Err(e),
            },
        )
    }

    fn location(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables;
    use super::*;
    use crate::store::WriteOps;

    /// The token the newest commit wrote.
    fn newest_token(store: &RedbFile) -> u64 {
        store
            .read(|tx| {
                let slot = tx.change_counter()? % tables::COMMIT_TOKENS;
                let t = tx.txn.open_table(tables::META)?;
                let key = format!("{}.{slot}", tables::K_COMMIT_TOKEN);
                Ok::<_, StoreError>(t.get(key.as_str())?.map(|v| v.value()))
            })
            .unwrap()
            .expect("a token")
    }

    #[test]
    fn a_new_database_is_private_and_an_empty_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.redb");
        drop(RedbFile::open(&path).unwrap());
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        // A shared database keeps the permissions it was given.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660)).unwrap();
        drop(RedbFile::open(&path).unwrap());
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o660);
        // An emptied file is not taken for a new database.
        let empty = dir.path().join("emptied.redb");
        std::fs::write(&empty, b"").unwrap();
        let e = RedbFile::open(&empty).err().expect("refused").to_string();
        assert!(
            e.contains("is empty (0 bytes)") && e.contains("not a Purser database"),
            "{e}"
        );
        assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "left as it was");
    }

    #[test]
    fn an_owned_file_keeps_every_one_of_many_writes_at_once_and_admits_no_other_process() {
        let dir = tempfile::tempdir().unwrap();
        let (path, store) = owned(&dir);
        // Eight writers at once, 25 writes each: every one returns Ok, with its own number.
        let ids = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..25 {
                        let mut id = None;
                        Backend::write(&store, &mut |tx| {
                            id = tx.next_job_id().ok();
                            id.is_some()
                        })
                        .unwrap();
                        ids.lock().unwrap().push(id.expect("the write ran"));
                    }
                });
            }
        });
        let mut ids = ids.into_inner().unwrap();
        ids.sort();
        assert_eq!(ids, (1..=200).collect::<Vec<u64>>());
        // No other handle (as another process would) opens the file while it is owned.
        assert!(RedbFile::open(&path).is_err(), "a second writer opened an owned file");
        drop(store);
        // Reopened, every write is there.
        let again = RedbFile::open(&path).unwrap();
        assert_eq!(again.write(|tx| tx.next_job_id()).unwrap(), 201);
    }

    #[test]
    fn a_write_alone_that_refuses_after_writing_leaves_nothing_in_an_owned_file() {
        let dir = tempfile::tempdir().unwrap();
        let (path, store) = owned(&dir);
        let before = change_counter(&store);
        Backend::write(&store, &mut |tx| {
            grouped_write(tx, "alone");
            false
        })
        .unwrap();
        assert_eq!(change_counter(&store), before, "nothing committed");
        assert_eq!(store.read(|tx| tx.serial_owner("P", "SN-alone")).unwrap(), None);
        assert!(store.read(|tx| tx.audit()).unwrap().is_empty());
        drop(store);
        let again = RedbFile::open(&path).unwrap();
        assert_eq!(again.write(|tx| tx.next_job_id()).unwrap(), 1, "its job number is free");
    }

    /// A new database in `dir`, opened as the one process that owns it.
    fn owned(dir: &tempfile::TempDir) -> (PathBuf, RedbFile) {
        let path = dir.path().join("owned.redb");
        drop(RedbFile::open(&path).unwrap());
        let store = RedbFile::open_owned(&path).unwrap();
        (path, store)
    }

    fn change_counter(store: &RedbFile) -> u64 {
        store.read(|tx| tx.change_counter()).unwrap()
    }

    /// Waits until `store`'s group shows `running` and `waiting`.
    fn wait_for_queue(store: &RedbFile, running: bool, waiting: usize) {
        let group = store.group.as_ref().expect("an owned file groups its writes");
        while group.queue() != (running, waiting) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// A write of the test below: a job number, a serial, an audit entry. Returns the
    /// job number and the entry's.
    fn grouped_write(tx: &mut dyn WriteOps, who: &str) -> (u64, u64) {
        use crate::domain::audit::Change;
        let job = tx.next_job_id().unwrap();
        tx.put_serials("P", &[format!("SN-{who}")], crate::domain::PoNumber(job))
            .unwrap();
        let entry = tx
            .append_audit(Change {
                at: chrono::Utc::now(),
                actor: who.into(),
                action: "test.write".into(),
                entity: who.into(),
                before: serde_json::Value::Null,
                after: serde_json::Value::Null,
                records: Vec::new(),
            })
            .unwrap();
        (job, entry.seq)
    }

    /// What the writers of a grouped-writes test did: who, and [`grouped_write`]'s answer.
    type Done = std::sync::Mutex<Vec<(&'static str, (u64, u64))>>;

    /// Starts a writer `who` on `store` that makes [`grouped_write`] and keeps it or not;
    /// with `hold`, it first waits there (holding its batch open).
    fn spawn_writer<'scope>(
        s: &'scope std::thread::Scope<'scope, '_>,
        store: &'scope RedbFile,
        done: &'scope Done,
        who: &'static str,
        keep: bool,
        hold: Option<&'scope std::sync::Mutex<std::sync::mpsc::Receiver<()>>>,
    ) {
        s.spawn(move || {
            Backend::write(store, &mut |tx| {
                if let Some(hold) = hold {
                    hold.lock().unwrap().recv().unwrap();
                }
                done.lock().unwrap().push((who, grouped_write(tx, who)));
                keep
            })
            .unwrap();
        });
    }

    #[test]
    fn writes_made_at_once_share_one_commit_and_a_refusal_takes_back_only_its_own_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, store) = owned(&dir);
        let before = change_counter(&store);
        let made = store.commits_made();
        let (go, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Mutex::new(hold);
        let done = Done::default();
        std::thread::scope(|s| {
            // The first writer holds its batch open until three more wait behind it, one
            // after the other; the batch takes them in after it, and commits all four.
            spawn_writer(s, &store, &done, "first", true, Some(&hold));
            wait_for_queue(&store, true, 0);
            for (n, who) in ["b", "c", "d"].into_iter().enumerate() {
                spawn_writer(s, &store, &done, who, who != "c", None);
                wait_for_queue(&store, true, n + 1);
            }
            go.send(()).unwrap();
        });
        let done = done.into_inner().unwrap();
        let of = |who: &str| done.iter().find(|(w, _)| *w == who).unwrap().1;
        // C took job 3 and audit entry 3, then refused: D, after it, got them.
        assert_eq!(
            [of("first"), of("b"), of("c"), of("d")],
            [(1, 1), (2, 2), (3, 3), (3, 3)]
        );
        assert_eq!(change_counter(&store), before + 1, "one batch, one commit");
        assert_eq!(store.commits_made(), made + 1, "counted once for its four writers");
        let owner = |sn: &str| store.read(|tx| tx.serial_owner("P", sn)).unwrap();
        assert_eq!(owner("SN-c"), None, "the refused write's serial is gone");
        assert_eq!(owner("SN-d"), Some(crate::domain::PoNumber(3)));
        // The trail chains B to D, C's entry never was.
        let trail = store.read(|tx| tx.audit()).unwrap();
        let actors: Vec<&str> = trail.iter().map(|e| e.actor.as_str()).collect();
        assert_eq!(actors, ["first", "b", "d"]);
        assert_eq!(trail[2].prev_hash, trail[1].hash);
        drop(store);
        let again = RedbFile::open(&path).unwrap();
        assert_eq!(
            again.write(|tx| tx.next_job_id()).unwrap(),
            4,
            "reopened, C's number is free"
        );
    }

    #[test]
    fn a_batch_whose_first_write_refuses_is_not_committed_and_the_writers_behind_it_are() {
        let dir = tempfile::tempdir().unwrap();
        let (_path, store) = owned(&dir);
        let before = change_counter(&store);
        let (go, hold) = std::sync::mpsc::channel::<()>();
        let hold = std::sync::Mutex::new(hold);
        let done = Done::default();
        std::thread::scope(|s| {
            spawn_writer(s, &store, &done, "first", false, Some(&hold));
            wait_for_queue(&store, true, 0);
            spawn_writer(s, &store, &done, "b", true, None);
            wait_for_queue(&store, true, 1);
            go.send(()).unwrap();
        });
        let done = done.into_inner().unwrap();
        // The first took job 1 and entry 1 and refused; B, in a batch of its own, got them.
        assert_eq!(done, [("first", (1, 1)), ("b", (1, 1))]);
        assert_eq!(change_counter(&store), before + 1, "B's commit only");
        let owner = |sn: &str| store.read(|tx| tx.serial_owner("P", sn)).unwrap();
        assert_eq!(owner("SN-first"), None);
        assert_eq!(owner("SN-b"), Some(crate::domain::PoNumber(1)));
    }

    /// Changes the list of tables of the database at `path` behind Purser's back.
    fn retable(path: &Path, change: impl FnOnce(&redb::WriteTransaction)) {
        let db = Database::create(path).unwrap();
        let tx = db.begin_write().unwrap();
        change(&tx);
        tx.commit().unwrap();
    }

    fn open_refusal(path: &Path) -> String {
        match RedbFile::open(path) {
            Err(StoreError::Open { message, .. }) => message,
            Err(e) => panic!("refused, but as {e:?}"),
            Ok(_) => panic!("opened a damaged list of tables"),
        }
    }

    #[test]
    fn a_table_whose_name_was_damaged_is_refused_at_open_naming_it_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.redb");
        let store = RedbFile::open(&path).unwrap();
        store.write(|tx| tx.next_po_number()).unwrap();
        drop(store);
        // One flipped byte in the name "orders": the orders would read as none.
        let damaged = redb::TableDefinition::<u64, &[u8]>::new("o(ders");
        retable(&path, |tx| {
            tx.rename_table(tables::ORDERS, damaged).unwrap();
        });
        assert_eq!(
            open_refusal(&path),
            "its list of tables is damaged (a table named \"o(ders\" is not one of Purser's; \
             table \"orders\" is missing); restore the file from a backup"
        );
        // Nothing was made in its place: a later repair still finds the orders.
        let names: Vec<String> = {
            use redb::TableHandle;
            let db = Database::create(&path).unwrap();
            let tx = db.begin_read().unwrap();
            tx.list_tables().unwrap().map(|t| t.name().to_string()).collect()
        };
        assert!(names.iter().any(|n| n == "o(ders") && !names.iter().any(|n| n == "orders"));
        // A table the schema has from the start, gone.
        retable(&path, |tx| {
            tx.rename_table(damaged, tables::ORDERS).unwrap();
            tx.delete_table(tables::AUDIT).unwrap();
        });
        assert_eq!(
            open_refusal(&path),
            "its list of tables is damaged (table \"audit\" is missing); restore the file from a backup"
        );
    }

    #[test]
    fn the_list_of_tables_is_judged_by_name_and_schema() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let full = names(&tables::tables_from_the_start());
        let now = Some(SCHEMA_VERSION);
        assert!(table_list_problems(&full, now).is_empty());
        // A new database has every table from the start, and only Purser's (its first
        // commit made the change feed's too).
        let dir = tempfile::tempdir().unwrap();
        let (_, fresh) = owned(&dir);
        let made = fresh.read(|tx| tx.table_names()).unwrap();
        assert!(full.iter().all(|t| made.contains(t)), "{made:?}");
        assert!(
            made.iter().all(|t| tables::every_table().contains(&t.as_str())),
            "{made:?}"
        );
        // Tables made by their first write may be there or not.
        let mut every = names(&tables::every_table());
        assert!(table_list_problems(&every, now).is_empty());
        every.retain(|n| n != "orders");
        assert_eq!(table_list_problems(&every, now), ["table \"orders\" is missing"]);
        // An older schema makes its missing tables when it migrates, unless a name is
        // foreign (damage).
        assert!(table_list_problems(&every, Some(2)).is_empty());
        every.push("orderz".into());
        assert_eq!(
            table_list_problems(&every, Some(2)),
            [
                "a table named \"orderz\" is not one of Purser's",
                "table \"orders\" is missing"
            ]
        );
        // "meta" damaged: no schema to read, and still Purser's file.
        let mut no_meta = full.clone();
        no_meta[0] = "m\u{1}ta".into();
        assert_eq!(
            table_list_problems(&no_meta, None),
            [
                "a table named \"m\\u{1}ta\" is not one of Purser's",
                "table \"meta\" is missing"
            ]
        );
        // A blank file, and another program's redb file, are for the schema check.
        assert!(table_list_problems(&[], None).is_empty());
        assert!(table_list_problems(&names(&["cache", "blobs"]), None).is_empty());
    }

    #[test]
    fn the_latest_commits_tokens_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbFile::open(&dir.path().join("t.redb")).unwrap();
        let commit = || store.write(|tx| tx.next_job_id().map(drop)).unwrap();
        commit();
        let first = newest_token(&store);
        assert!(RedbFile::landed(&store.handle(), first).unwrap());
        assert!(!RedbFile::landed(&store.handle(), first ^ 1).unwrap());
        // Later commits (another thread's or process's) do not hide it…
        commit();
        let second = newest_token(&store);
        assert_ne!(first, second);
        assert!(RedbFile::landed(&store.handle(), first).unwrap());
        // …a refused write writes none…
        let _ = store.write(|_| Err::<(), StoreError>(StoreError::Db("refused".into())));
        assert_eq!(newest_token(&store), second);
        // …and only a full ring of newer commits forgets it.
        for _ in 0..tables::COMMIT_TOKENS - 2 {
            commit();
        }
        assert!(RedbFile::landed(&store.handle(), first).unwrap());
        commit();
        assert!(!RedbFile::landed(&store.handle(), first).unwrap());
        assert!(RedbFile::landed(&store.handle(), second).unwrap());
    }

    #[test]
    fn a_sku_holding_the_old_separator_does_not_block_another_skus_serial() {
        use crate::domain::PoNumber;
        let dir = tempfile::tempdir().unwrap();
        let store = RedbFile::open(&dir.path().join("t.redb")).unwrap();
        store
            .write(|tx| tx.put_serials("A\u{1f}B", &["C".to_string()], PoNumber(1)))
            .unwrap();
        let owner = |p: &str, s: &str| store.read(|tx| tx.serial_owner(p, s)).unwrap();
        assert_eq!(owner("A\u{1f}B", "C"), Some(PoNumber(1)));
        assert_eq!(owner("A", "B\u{1f}C"), None);
        store
            .write(|tx| tx.put_serials("A", &["B\u{1f}C".to_string()], PoNumber(2)))
            .unwrap();
        assert_eq!(owner("A", "B\u{1f}C"), Some(PoNumber(2)));
        assert_eq!(owner("A\u{1f}B", "C"), Some(PoNumber(1)));
        store
            .write(|tx| tx.remove_serials("A", &["B\u{1f}C".to_string()]))
            .unwrap();
        assert_eq!(
            owner("A\u{1f}B", "C"),
            Some(PoNumber(1)),
            "removing one keeps the other"
        );
    }

    #[test]
    fn a_dead_handle_is_replaced_by_a_working_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbFile::open(&dir.path().join("t.redb")).unwrap();
        let before = store.handle();
        let now = store.replace(&before).unwrap();
        assert!(!Arc::ptr_eq(&before, &now));
        // Replacing an already replaced handle keeps the current one.
        assert!(Arc::ptr_eq(&store.replace(&before).unwrap(), &now));
        drop(before);
        let n = store.read(|tx| tx.change_counter()).unwrap();
        store.write(|tx| tx.next_job_id().map(drop)).unwrap();
        assert_eq!(store.read(|tx| tx.change_counter()).unwrap(), n + 1);
    }
}
