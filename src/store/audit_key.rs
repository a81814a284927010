//! The audit key file: 32 random bytes beside the database, readable only by the account
//! that created it (0600). Entries are chained with MACs keyed with it (see
//! [`crate::domain::audit`]): whoever can write the database file but not read this one
//! cannot rewrite the trail unnoticed.

use super::StoreError;
use crate::domain::audit::AuditKey;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the audit key of the database at `db` lives: beside it, named after it
/// (`purser.redb` → `purser.audit.key`), so that two databases in one folder never share
/// a key.
pub fn audit_key_path(db: &Path) -> PathBuf {
    db.with_extension("audit.key")
}

fn key_error(path: &Path, message: impl Into<String>) -> StoreError {
    StoreError::AuditKey {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Creates the audit key of the database at `db` — 32 bytes from the system's random
/// source in a new file only its owner can read (0600) — unless it exists already, in
/// which case it is kept. Returns the key file's path. Called when a new database is
/// created (by the store, and by whatever sets up a new installation).
///
/// The key is written to a file of its own first and then linked in place, so no other
/// process ever reads a key file half written, and of two processes creating it at once
/// one key wins and both use it.
pub fn create_audit_key(db: &Path) -> Result<PathBuf, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = audit_key_path(db);
    if path.exists() {
        return Ok(path);
    }
    let mut bytes = [0u8; AuditKey::LEN];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| key_error(&path, format!("cannot read random bytes from /dev/urandom: {e}")))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = path.with_extension(format!("key.new-{}-{nanos}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()));
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, &path) {
        // Another process made it a moment ago: theirs stays.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| key_error(&path, format!("cannot create it: {e}")))?;
    Ok(path)
}

/// Reads the audit key of the database at `db`: `None` when the file does not exist.
pub fn load_audit_key(db: &Path) -> Result<Option<AuditKey>, StoreError> {
    let path = audit_key_path(db);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_error(&path, format!("cannot read it: {e}"))),
    };
    let bytes: [u8; AuditKey::LEN] = bytes.as_slice().try_into().map_err(|_| {
        key_error(
            &path,
            format!(
                "it holds {} bytes, not {}; restore it from a backup",
                bytes.len(),
                AuditKey::LEN
            ),
        )
    })?;
    Ok(Some(AuditKey::from_bytes(bytes)))
}

/// The audit key of one open database, read from its file when first needed (so that
/// reading the database never needs it) and kept.
#[derive(Debug)]
pub(super) struct KeyFile {
    db: PathBuf,
    key: Mutex<Option<AuditKey>>,
}

impl KeyFile {
    pub(super) fn new(db: &Path) -> Self {
        KeyFile {
            db: db.to_path_buf(),
            key: Mutex::new(None),
        }
    }

    /// The key, if its file exists.
    pub(super) fn get(&self) -> Result<Option<AuditKey>, StoreError> {
        let mut slot = self.key.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = load_audit_key(&self.db)?;
        }
        Ok(slot.clone())
    }

    /// The key a chain of entries already keyed (the newest is entry `seq`) continues
    /// with: its file missing is an error, never a reason to start a new key (with which
    /// any rewritten trail would verify).
    pub(super) fn existing(&self, seq: u64) -> Result<AuditKey, StoreError> {
        self.get()?.ok_or_else(|| {
            key_error(
                &audit_key_path(&self.db),
                format!(
                    "the file is missing, and the audit trail (up to entry {seq}) was written with it; \
                     restore it from a backup (nothing was changed)"
                ),
            )
        })
    }

    /// The key for a trail not keyed yet: created when its file does not exist.
    pub(super) fn get_or_create(&self) -> Result<AuditKey, StoreError> {
        if let Some(key) = self.get()? {
            return Ok(key);
        }
        let path = create_audit_key(&self.db)?;
        tracing::warn!(key = %path.display(), "created the audit key; entries from now on carry its MAC");
        self.get()?
            .ok_or_else(|| key_error(&path, "it vanished right after it was created"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_is_private_random_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("purser.redb");
        assert_eq!(load_audit_key(&db).unwrap(), None);
        let path = create_audit_key(&db).unwrap();
        assert_eq!(path, dir.path().join("purser.audit.key"));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let key = load_audit_key(&db).unwrap().expect("a key");
        assert_ne!(key, AuditKey::from_bytes([0; 32]));
        // Creating again keeps it; another database beside it gets its own.
        create_audit_key(&db).unwrap();
        assert_eq!(load_audit_key(&db).unwrap(), Some(key.clone()));
        let other = dir.path().join("other.redb");
        create_audit_key(&other).unwrap();
        assert_ne!(load_audit_key(&other).unwrap(), Some(key));
    }

    #[test]
    fn a_short_or_missing_key_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("p.redb");
        std::fs::write(audit_key_path(&db), b"short").unwrap();
        let e = load_audit_key(&db).unwrap_err().to_string();
        assert!(e.contains("p.audit.key") && e.contains("5 bytes, not 32"), "{e}");
        std::fs::remove_file(audit_key_path(&db)).unwrap();
        let e = KeyFile::new(&db).existing(9).unwrap_err().to_string();
        assert!(
            e.contains("p.audit.key") && e.contains("missing") && e.contains("entry 9"),
            "{e}"
        );
        assert!(!audit_key_path(&db).exists(), "no new key was made");
    }
}
