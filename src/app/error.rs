//! Errors of the service layer: a rule refused, a file was bad, or storage failed.

use crate::domain::quote::QuoteError;
use crate::domain::RuleError;
use crate::store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0}")]
    Rule(#[from] RuleError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{file}: {error}; nothing was imported")]
    BadQuote { file: String, error: QuoteError },
    #[error("{file}: quote {quote_id} was already imported from {first_source} with different content; nothing was imported (a changed quote needs a new quote id)")]
    QuoteChanged {
        file: String,
        quote_id: String,
        first_source: String,
    },
    /// The file's bytes are not a text Purser can read.
    #[error("{file}: cannot read it: {message}; nothing was imported")]
    Unreadable { file: String, message: String },
    /// Not a file Purser reads: not a regular file, or larger than `[import] max_file_mb`.
    #[error("{file}: {message}; nothing was imported")]
    FileRefused { file: String, message: String },
    /// The file could not be read at all (missing, no permission, a disk error).
    #[error("{file}: cannot read it: {message}; nothing was imported")]
    ReadFailed { file: String, message: String },
    #[error("{what} is not available yet: {why}; nothing was changed")]
    NotAvailable { what: String, why: String },
    #[error("no background job {0}")]
    UnknownJob(u64),
    #[error("{0}")]
    JobState(String),
    #[error("{0}")]
    Io(String),
}

impl AppError {
    /// Exit code for the command line: 1 refused or invalid, 3 storage or I/O.
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Store(_) | AppError::Io(_) | AppError::ReadFailed { .. } => 3,
            _ => 1,
        }
    }
}
