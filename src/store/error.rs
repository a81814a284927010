//! Storage errors, worded for people at the edge.

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the database was written by a newer Purser (schema {found}; this build knows up to {known}); upgrade Purser"
    )]
    NewerSchema { found: u64, known: u64 },
    #[error("stored record {what} cannot be read: {message}")]
    Corrupt { what: String, message: String },
    #[error("database error: {0}")]
    Db(String),
    #[error(
        "reading the database {path} stopped with an internal error ({message}); the file may be damaged: \
         `purser check` tells, and nothing was saved"
    )]
    Damaged { path: PathBuf, message: String },
    #[error(
        "cannot tell whether the change was saved: writing failed and the database could not be checked afterwards ({0}); look before repeating it"
    )]
    Uncertain(String),
    #[error(
        "cannot write the database: the disk is full, a quota or file-size limit was reached, or it is read-only; nothing was changed ({0})"
    )]
    DiskFull(String),
    #[error("audit key {path}: {message}")]
    AuditKey { path: PathBuf, message: String },
}

/// The same error for each writer of a failed batch (see `group`); an I/O error's copy
/// keeps its kind and text.
impl Clone for StoreError {
    fn clone(&self) -> Self {
        use StoreError as S;
        match self {
            S::Open { path, message } => S::Open {
                path: path.clone(),
                message: message.clone(),
            },
            S::Io { path, source } => S::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            S::NewerSchema { found, known } => S::NewerSchema {
                found: *found,
                known: *known,
            },
            S::Corrupt { what, message } => S::Corrupt {
                what: what.clone(),
                message: message.clone(),
            },
            S::Db(m) => S::Db(m.clone()),
            S::Damaged { path, message } => S::Damaged {
                path: path.clone(),
                message: message.clone(),
            },
            S::Uncertain(m) => S::Uncertain(m.clone()),
            S::DiskFull(m) => S::DiskFull(m.clone()),
            S::AuditKey { path, message } => S::AuditKey {
                path: path.clone(),
                message: message.clone(),
            },
        }
    }
}

impl StoreError {
    pub(crate) fn open(path: &std::path::Path, e: redb::DatabaseError) -> Self {
        use redb::{DatabaseError as D, StorageError as S};
        let message = match &e {
            D::DatabaseAlreadyOpen => "another program holds it open exclusively (when that is `purser serve`, \
                                        go through it: --socket PATH, or PURSER_SOCKET)"
                .to_string(),
            D::Storage(S::Corrupted(_)) => {
                format!("it is not a Purser database (not a redb file, or a damaged one: {e})")
            }
            // redb says a file without its magic number is invalid data; one too short for
            // its header ends early.
            D::Storage(S::Io(io))
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
                ) =>
            {
                format!("it is not a Purser database ({e})")
            }
            other => other.to_string(),
        };
        StoreError::Open {
            path: path.to_path_buf(),
            message,
        }
    }
}

fn classify(text: String) -> StoreError {
    let lower = text.to_ascii_lowercase();
    let full = ["no space", "disk quota", "file too large", "read-only file system"];
    if full.iter().any(|f| lower.contains(f)) {
        StoreError::DiskFull(text)
    } else if lower.contains("previous i/o error") {
        // redb's own wording asks the user to reopen the database; the store does that itself.
        StoreError::Db(
            "an earlier read or write of the database file failed; the next command reopens it, try again".into(),
        )
    } else {
        StoreError::Db(text)
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                classify(e.to_string())
            }
        }
    )*};
}

from_redb!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
